//! Streaming statistics over trials: mean with standard error and quantiles, in constant memory.
//!
//! Each metric is a [`Tally`]. Tallies merge, so trials can be tallied in blocks on any thread and
//! the blocks merged afterwards; the engine merges them in trial order, which keeps the floating-
//! point sums — and so the output files — identical at any thread count.

mod columns;
pub mod control;
mod histogram;

pub use columns::Columns;
pub use control::{ControlVariates, Controlled};
pub use histogram::{Histogram, Scale};

/// z for a two-sided 95 % normal interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Running count, mean and spread (Welford / Chan) plus a quantile histogram of one metric.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    n: u64,
    mean: f64,
    /// Sum of squared deviations from the mean.
    m2: f64,
    histogram: Histogram,
}

/// What a tally reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    /// Number of trials that contributed.
    pub n: u64,
    pub mean: f64,
    /// Standard error of the mean.
    pub se: f64,
    /// Normal 95 % interval of the mean: mean ± 1.96 se.
    pub ci95: [f64; 2],
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

/// A count as a float by way of i64: x86-64 converts a signed integer in one instruction and an
/// unsigned one with a branch and several. The same value for every count below 2⁶³ (counts here
/// stay below 10¹⁵); this is on the hot path of every night's row and every tally.
#[inline(always)]
pub fn real(count: u64) -> f64 {
    debug_assert!(count < 1 << 63);
    count as i64 as f64
}

impl Tally {
    /// Whether a tally read from a file can be one of a run of `trials` trials: at most that many
    /// values, finite moments, a histogram of exactly its values. `Err` says what is wrong.
    pub fn check(&self, trials: u64) -> Result<(), String> {
        if self.n > trials {
            return Err(format!("has {} values in a chunk of {trials} trials", self.n));
        }
        if !self.mean.is_finite() || !self.m2.is_finite() || self.m2 < 0.0 {
            return Err(format!("has moments no run makes (mean {}, m2 {})", self.mean, self.m2));
        }
        self.histogram.check(self.n).map_err(|e| format!("its histogram {e}"))
    }

    /// A tally of amounts (money, ratios).
    pub fn amounts() -> Tally {
        Tally::default()
    }

    /// A tally of whole-number counts: exact quantiles below 1024.
    pub fn counts() -> Tally {
        Tally::with_scale(Scale::Count)
    }

    /// A tally whose quantiles are kept on `scale`.
    pub fn with_scale(scale: Scale) -> Tally {
        Tally { histogram: Histogram::new(scale), ..Tally::default() }
    }

    /// Number of values added.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Adds one trial's value (finite, >= 0).
    pub fn add(&mut self, value: f64) {
        self.add_conditional(value, value);
    }

    /// Adds one trial's value (finite, >= 0) to the quantiles, and `expectation` — its expected
    /// value given the rest of the trial — to the mean and spread. Both have the same mean, the
    /// expectation less variance (conditional Monte Carlo), so the mean is as right and its
    /// standard error smaller; the quantiles stay those of the values themselves.
    pub fn add_conditional(&mut self, value: f64, expectation: f64) {
        self.n += 1;
        welford(&mut self.mean, &mut self.m2, expectation, real(self.n));
        self.histogram.add(value);
    }

    /// Folds `other` in as if its values had been added after this tally's.
    pub fn merge(&mut self, other: &Tally) {
        if other.n == 0 {
            return;
        }
        let counts = Counts::of(self.n, other.n);
        chan(&mut self.mean, &mut self.m2, other.mean, other.m2, &counts);
        self.n = counts.n;
        self.histogram.merge(&other.histogram);
    }

    /// Mean, standard error, interval and quantiles; `None` when no trial contributed.
    pub fn stats(&self) -> Option<Stats> {
        Tally::stats_of(self.n, self.mean, self.m2, &self.histogram)
    }

    /// What a tally of `n` values with this mean, sum of squared deviations `m2` and histogram
    /// reports.
    fn stats_of(n: u64, mean: f64, m2: f64, histogram: &Histogram) -> Option<Stats> {
        if n == 0 {
            return None;
        }
        let variance = if n > 1 { m2 / (n - 1) as f64 } else { 0.0 };
        let se = (variance / n as f64).sqrt();
        let quantile = |p| histogram.quantile(p).expect("tally is not empty");
        Some(Stats {
            n,
            mean,
            se,
            ci95: [mean - Z95 * se, mean + Z95 * se],
            p5: quantile(0.05),
            p50: quantile(0.5),
            p95: quantile(0.95),
        })
    }
}

/// Welford's update of a running mean and sum of squared deviations with the `n`-th value.
#[inline(always)]
fn welford(mean: &mut f64, m2: &mut f64, value: f64, n: f64) {
    let delta = value - *mean;
    *mean += delta / n;
    *m2 += delta * (value - *mean);
}

/// The counts of two runs of values being merged, and what Chan's update needs of them.
struct Counts {
    /// Values in both.
    n: u64,
    /// Values in the later one.
    theirs: f64,
    /// mine × theirs / n.
    weight: f64,
}

impl Counts {
    fn of(mine: u64, theirs: u64) -> Counts {
        let n = mine + theirs;
        Counts { n, theirs: theirs as f64, weight: mine as f64 * theirs as f64 / n as f64 }
    }
}

/// Chan's update: the mean and sum of squared deviations of the earlier run's values followed by
/// the later run's (`other_mean`, `other_m2`).
#[inline(always)]
fn chan(mean: &mut f64, m2: &mut f64, other_mean: f64, other_m2: f64, counts: &Counts) {
    let delta = other_mean - *mean;
    *mean += delta * counts.theirs / counts.n as f64;
    *m2 += other_m2 + delta * delta * counts.weight;
}

impl Stats {
    /// These stats with another estimate of the mean and its standard error (the quantiles and
    /// count unchanged).
    pub fn with_mean(self, mean: f64, se: f64) -> Stats {
        Stats { mean, se, ci95: [mean - Z95 * se, mean + Z95 * se], ..self }
    }

    /// The stats a [`Tally`] would report for `k` ones and `n - k` zeros (a share of trials), but
    /// for the interval: Wilson's score interval, which stays inside 0..1 and keeps a width when
    /// `k` is 0 or `n` (the normal interval gave a probability a bound of −0.00096, and none at all
    /// to an event never seen).
    pub fn of_share(k: u64, n: u64) -> Option<Stats> {
        if n == 0 {
            return None;
        }
        let mean = k as f64 / n as f64;
        let variance = if n > 1 { (k as f64) * ((n - k) as f64) / (n as f64 * (n - 1) as f64) } else { 0.0 };
        let se = (variance / n as f64).sqrt();
        // Nearest rank over n - k zeros followed by k ones.
        let quantile = |p: f64| if ((p * n as f64).ceil() as u64).clamp(1, n) > n - k { 1.0 } else { 0.0 };
        Some(Stats { n, mean, se, ci95: wilson(k, n), p5: quantile(0.05), p50: quantile(0.5), p95: quantile(0.95) })
    }
}

/// Wilson's 95 % score interval for `k` successes in `n` trials.
fn wilson(k: u64, n: u64) -> [f64; 2] {
    let (lo_edge, hi_edge) = (k == 0, k == n);
    let (n, p, z2) = (n as f64, k as f64 / n as f64, Z95 * Z95);
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // Exactly 0 (1) where no trial (every trial) saw it: rounding would leave 1e-18.
    [if lo_edge { 0.0 } else { (centre - half).max(0.0) }, if hi_edge { 1.0 } else { (centre + half).min(1.0) }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_interval_stays_inside_0_and_1_and_has_a_width() {
        // Wilson's interval for 0 of 100 is [0, 0.0370]; for 1 of 1000, [0.000177, 0.00565].
        let none = Stats::of_share(0, 100).unwrap().ci95;
        assert!(none[0] == 0.0 && (none[1] - 0.036_994).abs() < 1e-5, "{none:?}");
        let one = Stats::of_share(1, 1000).unwrap().ci95;
        assert!((one[0] - 0.000_177).abs() < 1e-6 && (one[1] - 0.005_648).abs() < 1e-5, "{one:?}");
        let all = Stats::of_share(50, 50).unwrap().ci95;
        assert!(all[1] == 1.0 && all[0] > 0.92 && all[0] < 1.0, "{all:?}");
    }

    fn tally_of(values: &[f64]) -> Tally {
        let mut t = Tally::counts();
        values.iter().for_each(|&v| t.add(v));
        t
    }

    #[test]
    fn mean_and_standard_error_match_the_textbook_formulas() {
        let values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let s = tally_of(&values).stats().unwrap();
        assert_eq!(s.mean, 5.0);
        // sample variance 32/7
        let se = (32.0f64 / 7.0 / 8.0).sqrt();
        assert!((s.se - se).abs() < 1e-12);
        assert!((s.ci95[1] - (5.0 + Z95 * se)).abs() < 1e-12);
        assert_eq!((s.p5, s.p50, s.p95), (2.0, 4.0, 9.0));
    }

    #[test]
    fn merging_matches_one_pass_within_rounding() {
        let values: Vec<f64> = (0..1000).map(|i| f64::from(i % 97) * 1.5e6 + 3.0).collect();
        let whole = tally_of(&values).stats().unwrap();
        let mut merged = tally_of(&values[..400]);
        merged.merge(&tally_of(&values[400..]));
        let merged = merged.stats().unwrap();
        assert_eq!(merged.n, whole.n);
        assert!((merged.mean - whole.mean).abs() / whole.mean < 1e-12);
        assert!((merged.se - whole.se).abs() / whole.se < 1e-9);
        assert_eq!((merged.p5, merged.p50, merged.p95), (whole.p5, whole.p50, whole.p95));
    }

    #[test]
    fn a_share_has_the_stats_of_its_indicator_tally() {
        for (k, n) in [(0, 10), (3, 10), (10, 10), (1, 1), (37, 1000)] {
            let values: Vec<f64> = (0..n).map(|i| if i < k { 1.0 } else { 0.0 }).collect();
            let tally = tally_of(&values).stats().unwrap();
            let share = Stats::of_share(k, n).unwrap();
            assert!((tally.mean - share.mean).abs() < 1e-12 && (tally.se - share.se).abs() < 1e-12, "{k}/{n}");
            assert_eq!((tally.p5, tally.p50, tally.p95), (share.p5, share.p50, share.p95), "{k}/{n}");
        }
    }

    #[test]
    fn empty_tally_has_no_stats() {
        assert_eq!(Tally::default().stats(), None);
        let mut t = Tally::default();
        t.merge(&Tally::default());
        assert_eq!(t.stats(), None);
    }
}
