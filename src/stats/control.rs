//! Control variates: the means of a few headline metrics, corrected by what each trial's drawn
//! parameters explain of them.
//!
//! A trial draws its epistemic parameters (pk, coverage, costs, …) before anything else, and many
//! of them have a closed-form mean. Their deviations from those means (the *controls*, `x`) explain
//! part of a metric's spread from trial to trial: a trial with a high pk leaks less. So the mean of
//! `y − βᵀx`, with `β` the least-squares coefficients of `y` on `x`, has the mean of `y` (the `x`
//! have mean 0) and less variance.
//!
//! Fitting `β` on the same trials would bias the mean by O(1/trials). Here the trials are cut into
//! two halves by the parity of their index, and each half is corrected with the `β` fitted on the
//! *other* half (cross-fitting): `β` is then independent of the trials it corrects, so the
//! estimate is exactly unbiased. Each half keeps the co-moments of `(x, y)` (Welford's update,
//! Chan's merge), which merge like any tally, so the estimate does not depend on how the trials
//! were cut into blocks, threads or shards.

use super::{Counts, chan, real};

/// How many of the plain mean's standard errors a controlled mean may lie from it: under the
/// model the two differ by less than one such error in spread, so past this (a chance of 6·10⁻⁵)
/// the controls are not trusted.
const TRUSTED_SE: f64 = 4.0;

/// Count, means and co-moments (sums of products of deviations from the means) of vectors `z`.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct CoMoments {
    n: u64,
    mean: Vec<f64>,
    /// Row-major `dim × dim`; only the upper triangle (`i ≤ j`) is kept up to date.
    comoment: Vec<f64>,
}

impl CoMoments {
    fn new(dim: usize) -> CoMoments {
        CoMoments { n: 0, mean: vec![0.0; dim], comoment: vec![0.0; dim * dim] }
    }

    fn dim(&self) -> usize {
        self.mean.len()
    }

    /// Welford's update with one more vector `z`, `delta` being scratch of the same length.
    fn add(&mut self, z: &[f64], delta: &mut [f64]) {
        self.n += 1;
        let n = real(self.n);
        for ((d, mean), value) in delta.iter_mut().zip(&mut self.mean).zip(z) {
            *d = value - *mean;
            *mean += *d / n;
        }
        // Σ (z − old mean)(z − new mean)ᵀ = (n − 1)/n · δδᵀ.
        let scale = (n - 1.0) / n;
        let dim = self.dim();
        for i in 0..dim {
            let row = &mut self.comoment[i * dim + i..(i + 1) * dim];
            let di = delta[i] * scale;
            for (c, dj) in row.iter_mut().zip(&delta[i..]) {
                *c += di * dj;
            }
        }
    }

    /// Chan's merge with co-moments of vectors that come after these.
    fn merge(&mut self, other: &CoMoments) {
        if other.n == 0 {
            return;
        }
        let counts = Counts::of(self.n, other.n);
        let delta: Vec<f64> = other.mean.iter().zip(&self.mean).map(|(b, a)| b - a).collect();
        for (mean, d) in self.mean.iter_mut().zip(&delta) {
            *mean += d * counts.theirs / real(counts.n);
        }
        let dim = self.dim();
        for i in 0..dim {
            for j in i..dim {
                self.comoment[i * dim + j] += other.comoment[i * dim + j] + delta[i] * delta[j] * counts.weight;
            }
        }
        self.n = counts.n;
    }

    /// Co-moment of components `i` and `j`.
    fn at(&self, i: usize, j: usize) -> f64 {
        let dim = self.dim();
        self.comoment[i.min(j) * dim + i.max(j)]
    }
}

/// The controlled mean of one metric and its standard error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Controlled {
    pub mean: f64,
    pub se: f64,
    /// Variance of the plain mean ÷ variance of this one.
    pub variance_ratio: f64,
}

/// Cross-fitted control variates for `targets` metrics on `controls` controls.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ControlVariates {
    controls: usize,
    /// Co-moments of `(x, y)` over the trials of even and of odd index.
    halves: [CoMoments; 2],
    /// Scratch: a trial's `(x, y)` and its deviation from the means.
    #[serde(skip)]
    z: Vec<f64>,
    #[serde(skip)]
    delta: Vec<f64>,
}

impl ControlVariates {
    pub fn new(controls: usize, targets: usize) -> ControlVariates {
        let half = CoMoments::new(controls + targets);
        ControlVariates { controls, halves: [half.clone(), half], z: Vec::new(), delta: Vec::new() }
    }

    /// Adds trial `trial`'s controls `x` (each drawn value less its exact mean) and metrics `y`.
    pub fn add(&mut self, trial: u64, x: &[f64], y: &[f64]) {
        debug_assert_eq!(x.len(), self.controls);
        self.z.clear();
        self.z.extend_from_slice(x);
        self.z.extend_from_slice(y);
        self.delta.resize(self.z.len(), 0.0);
        self.halves[(trial % 2) as usize].add(&self.z, &mut self.delta);
    }

    /// Whether co-moments read from a shard file can be those of `trials` trials of `controls`
    /// controls and `targets` metrics: the shapes a merge indexes by, and the halves' counts
    /// (even and odd trials). `Err` says what is wrong.
    pub fn check(&self, controls: usize, targets: usize, trials: u64) -> Result<(), String> {
        let dim = controls + targets;
        if self.controls != controls {
            return Err(format!("has {} controls where the scenario has {controls}", self.controls));
        }
        for half in &self.halves {
            if half.mean.len() != dim || half.comoment.len() != dim * dim {
                return Err(format!(
                    "has {} means and {} co-moments where {dim} and {} are due",
                    half.mean.len(),
                    half.comoment.len(),
                    dim * dim
                ));
            }
            if half.mean.iter().chain(&half.comoment).any(|x| !x.is_finite()) {
                return Err("has a mean or co-moment that is not a finite number".into());
            }
        }
        let (even, odd) = (self.halves[0].n, self.halves[1].n);
        if even.checked_add(odd) != Some(trials) {
            return Err(format!("counts {even} + {odd} trials where its tally has {trials}"));
        }
        Ok(())
    }

    /// Folds in `other`, whose trials come after these.
    pub fn merge(&mut self, other: &ControlVariates) {
        for (mine, theirs) in self.halves.iter_mut().zip(&other.halves) {
            mine.merge(theirs);
        }
    }

    /// The controlled mean of target `target`, or `None` when there are no controls or too few
    /// trials in either half to fit them well (fewer than ten per control: the error of a β fitted
    /// on fewer would add more variance than the controls take away, unless they explain most of
    /// it).
    pub fn estimate(&self, target: usize) -> Option<Controlled> {
        let d = self.controls;
        if d == 0 || self.halves.iter().any(|h| h.n < 10 * d as u64) {
            return None;
        }
        let y = d + target;
        let n = real(self.halves[0].n + self.halves[1].n);
        let (mut mean, mut variance) = (0.0, 0.0);
        for h in 0..2 {
            let (this, other) = (&self.halves[h], &self.halves[1 - h]);
            let beta = fit(other, d, y);
            let xy: f64 = beta.iter().enumerate().map(|(i, b)| b * this.at(i, y)).sum();
            let xx: f64 = (0..d).map(|i| (0..d).map(|j| beta[i] * this.at(i, j) * beta[j]).sum::<f64>()).sum();
            let residual = (this.at(y, y) - 2.0 * xy + xx).max(0.0) / real(this.n - 1);
            let shift: f64 = beta.iter().zip(&this.mean).map(|(b, x)| b * x).sum();
            let share = real(this.n) / n;
            mean += share * (this.mean[y] - shift);
            variance += share * residual / n;
        }
        let plain_variance = self.plain_variance(y) / n;
        // The controlled and the plain mean estimate the same thing, and their difference has at
        // most the plain mean's spread: one that far apart says the controls misled the fit
        // (heavy tails, a few trials of huge leverage), so the plain mean stands.
        let plain_mean = self.plain_mean(y);
        if !mean.is_finite() || !variance.is_finite() || (mean - plain_mean).abs() > TRUSTED_SE * plain_variance.sqrt()
        {
            return None;
        }
        let variance_ratio = if variance > 0.0 { plain_variance / variance } else { 1.0 };
        Some(Controlled { mean, se: variance.sqrt(), variance_ratio })
    }

    /// Mean of component `y` over both halves.
    fn plain_mean(&self, y: usize) -> f64 {
        let [a, b] = &self.halves;
        (a.mean[y] * real(a.n) + b.mean[y] * real(b.n)) / real(a.n + b.n)
    }

    /// Sample variance of component `y` over both halves (Chan's merge of the two).
    fn plain_variance(&self, y: usize) -> f64 {
        let [a, b] = &self.halves;
        let (mut mean, mut m2) = (a.mean[y], a.at(y, y));
        chan(&mut mean, &mut m2, b.mean[y], b.at(y, y), &Counts::of(a.n, b.n));
        m2 / real(a.n + b.n - 1)
    }
}

/// Least-squares coefficients of component `y` on components `0..d` (the controls) of `half`: the solution of
/// `Cxx β = Cxy`, by Cholesky on the correlation scale. A control that adds nothing new (no spread,
/// or a linear combination of earlier ones, to 10⁻¹⁰) gets coefficient 0.
fn fit(half: &CoMoments, d: usize, y: usize) -> Vec<f64> {
    let scale: Vec<f64> = (0..d).map(|i| half.at(i, i).sqrt()).collect();
    let usable: Vec<bool> = scale.iter().map(|&s| s > 0.0 && s.is_finite()).collect();
    // Correlation matrix of the usable controls, and their correlation with y (unscaled in y).
    let mut l = vec![0.0; d * d];
    let mut kept = vec![false; d];
    for i in 0..d {
        if !usable[i] {
            continue;
        }
        for j in 0..=i {
            if !kept[j] && j != i {
                continue;
            }
            let mut sum = half.at(i, j) / (scale[i] * scale[j]);
            for k in 0..j {
                sum -= l[i * d + k] * l[j * d + k];
            }
            if j == i {
                kept[i] = sum > 1e-10;
                l[i * d + i] = if kept[i] { sum.sqrt() } else { 0.0 };
            } else {
                l[i * d + j] = sum / l[j * d + j];
            }
        }
        if !kept[i] {
            (0..i).for_each(|k| l[i * d + k] = 0.0);
        }
    }
    // Forward then back substitution on the kept controls.
    let mut z = vec![0.0; d];
    for i in (0..d).filter(|&i| kept[i]) {
        let sum: f64 = (0..i).map(|k| l[i * d + k] * z[k]).sum();
        z[i] = (half.at(i, y) / scale[i] - sum) / l[i * d + i];
    }
    let mut beta = vec![0.0; d];
    for i in (0..d).rev().filter(|&i| kept[i]) {
        let sum: f64 = (i + 1..d).map(|k| l[k * d + i] * beta[k]).sum();
        beta[i] = (z[i] - sum) / l[i * d + i];
    }
    beta.iter().zip(&scale).map(|(b, s)| if *s > 0.0 { b / s } else { 0.0 }).collect()
}

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    use super::*;

    /// A metric y = 2 + 3·x₁ − x₁² − 2·x₂ + noise, with x₁, x₂ uniform on (0, 1): E[y] = 2 + 1.5 −
    /// 1/3 − 1 exactly. The controls are x₁ and x₂ less their means, with a
    /// third control that never varies and a fourth that copies the first. `mean_x` is the mean
    /// the first is centred at (the true 0.5, or a wrong one).
    fn run(seed: u64, trials: u64, mean_x: f64) -> ControlVariates {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut cv = ControlVariates::new(4, 1);
        for trial in 0..trials {
            let (x1, x2): (f64, f64) = (rng.random(), rng.random());
            let y = 2.0 + 3.0 * x1 - x1 * x1 - 2.0 * x2 + 0.3 * (rng.random::<f64>() - 0.5);
            cv.add(trial, &[x1 - mean_x, x2 - 0.5, 0.0, x1 - mean_x], &[y]);
        }
        cv
    }

    const TRUTH: f64 = 2.0 + 1.5 - 1.0 / 3.0 - 1.0;

    /// Over 400 runs of 200 trials each, z = (estimate − truth) / se must have mean 0 (±0.2: its
    /// standard error is 0.05) and variance 1 (0.75 to 1.3): unbiased, with an honest standard
    /// error, even where fitting β on the trials it corrects would bias it (200 trials, 4
    /// controls, a curved y). A control centred 1 % off its mean (0.505) fails it.
    #[test]
    fn controlled_means_are_unbiased_with_honest_standard_errors() {
        let z = |mean_x: f64| -> (f64, f64) {
            let z: Vec<f64> = (0..400)
                .map(|seed| {
                    let c = run(seed, 200, mean_x).estimate(0).expect("enough trials");
                    (c.mean - TRUTH) / c.se
                })
                .collect();
            let mean = z.iter().sum::<f64>() / z.len() as f64;
            let variance = z.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (z.len() - 1) as f64;
            (mean, variance)
        };
        let (mean, variance) = z(0.5);
        assert!(mean.abs() < 0.2, "mean of z {mean}");
        assert!((0.75..1.3).contains(&variance), "variance of z {variance}");
        let (mean, _) = z(0.505);
        assert!(mean.abs() > 0.2, "controls 1 % off not caught: mean of z {mean}");
    }

    /// The controls explain most of y's spread: the variance of the mean falls by the share they
    /// leave unexplained (here ~45×, checked at > 20×).
    #[test]
    fn controls_cut_the_variance() {
        let c = run(7, 20_000, 0.5).estimate(0).unwrap();
        assert!(c.variance_ratio > 20.0, "variance ratio {}", c.variance_ratio);
        assert!((c.mean - TRUTH).abs() < 4.0 * c.se);
    }

    /// Blocks merged in order give the estimate of one pass (to rounding), whatever the cut.
    #[test]
    fn merged_blocks_match_one_pass() {
        let whole = run(3, 3000, 0.5);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut merged = ControlVariates::new(4, 1);
        let mut block = ControlVariates::new(4, 1);
        for trial in 0..3000 {
            let (x1, x2): (f64, f64) = (rng.random(), rng.random());
            let y = 2.0 + 3.0 * x1 - x1 * x1 - 2.0 * x2 + 0.3 * (rng.random::<f64>() - 0.5);
            block.add(trial, &[x1 - 0.5, x2 - 0.5, 0.0, x1 - 0.5], &[y]);
            if trial % 700 == 699 {
                merged.merge(&block);
                block = ControlVariates::new(4, 1);
            }
        }
        merged.merge(&block);
        let (a, b) = (whole.estimate(0).unwrap(), merged.estimate(0).unwrap());
        assert!((a.mean - b.mean).abs() < 1e-12 && (a.se / b.se - 1.0).abs() < 1e-9, "{a:?} vs {b:?}");
    }

    /// Too few trials to fit the controls, or no controls at all: no estimate.
    #[test]
    fn no_estimate_without_enough_trials_or_controls() {
        assert_eq!(run(1, 30, 0.5).estimate(0), None);
        let mut cv = ControlVariates::new(0, 1);
        (0..100).for_each(|t| cv.add(t, &[], &[1.0]));
        assert_eq!(cv.estimate(0), None);
    }
}
