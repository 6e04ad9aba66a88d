//! Exact samplers for the counts the counting method draws: binomial and hypergeometric.
//!
//! They exist because the counting method draws some twenty counts a night with a different `n`
//! each time, so a sampler's set-up cost matters as much as its per-draw cost. A binomial of up to
//! 16 trials is a sum of Bernoulli draws. Larger ones are inverted by a search that starts at the
//! mode, so it visits about 1.6 standard deviations' worth of outcomes instead of the mean's worth
//! that inversion from 0 visits; the mode's probability comes from a table of ln k!. Spreads beyond
//! the search's range go to rand_distr's BTPE. A hypergeometric split draws the smaller side of
//! the urn ball by ball up to 64 balls, and above that walks out from its mode the same way.

use std::sync::LazyLock;

use rand::RngExt;
use rand_distr::{Binomial, Distribution};

use super::rng::TrialRng;

/// Largest `n` drawn as a sum of Bernoulli trials, a uniform each: below it that is cheaper than
/// the search's set-up (an exponential and a mispredicted exit).
const BERNOULLI_N: u64 = 16;

/// Largest number of balls the hypergeometric draws one by one.
const BALL_BY_BALL: u64 = 64;

/// Largest `n` the search handles; larger ones go to BTPE.
const TABLE_N: usize = 4096;

/// Largest variance n·p·(1−p) the search handles (about 20 outcomes visited on average); larger
/// ones go to BTPE, whose cost does not grow with the spread.
const SEARCH_VARIANCE: f64 = 150.0;

/// ln k! and 1/k for k = 0..=TABLE_N (1/0 is unused and stored as 0).
struct Tables {
    ln_factorial: Vec<f64>,
    reciprocal: Vec<f64>,
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    let mut ln_factorial = vec![0.0; TABLE_N + 1];
    for k in 2..=TABLE_N {
        ln_factorial[k] = ln_factorial[k - 1] + (k as f64).ln();
    }
    let reciprocal = (0..=TABLE_N).map(|k| if k == 0 { 0.0 } else { 1.0 / k as f64 }).collect();
    Tables { ln_factorial, reciprocal }
});

/// ln k!: from the table up to TABLE_N, above it by Stirling's series to the 1/k⁵ term (whose
/// truncation error there is below 1e-28; rounding leaves ~1e-16 relative).
fn ln_factorial(k: usize) -> f64 {
    if k <= TABLE_N {
        return TABLES.ln_factorial[k];
    }
    let x = k as f64 + 1.0;
    let (inverse, inverse_squared) = (1.0 / x, 1.0 / (x * x));
    let half_ln_two_pi = 0.5 * (2.0 * std::f64::consts::PI).ln();
    (x - 0.5) * x.ln() - x
        + half_ln_two_pi
        + inverse * (1.0 / 12.0 - inverse_squared * (1.0 / 360.0 - inverse_squared / 1260.0))
}

/// `k` as a float (see [`crate::stats::real`]).
#[inline(always)]
fn real(k: usize) -> f64 {
    crate::stats::real(k as u64)
}

/// 1/k, from the table up to TABLE_N.
fn reciprocal(k: usize) -> f64 {
    TABLES.reciprocal.get(k).copied().unwrap_or_else(|| 1.0 / k as f64)
}

/// A probability with the logarithms and odds the binomial sampler needs, worked out once: the
/// counting method's probabilities are fixed for a whole trial while `n` changes every night.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Chance {
    /// The probability itself.
    p: f64,
    /// ⌈p · 2⁵³⌉: a uniform draw `u` (53 bits, as rand makes it) is below `p` exactly when its 53
    /// bits, as an integer, are below this — the same outcome without the conversion to a float.
    threshold: u64,
    /// min(p, 1 − p): the sampler draws the rarer outcome.
    small: f64,
    /// Whether `small` is 1 − p.
    flipped: bool,
    ln_small: f64,
    /// ln(1 − small).
    ln_large: f64,
    /// small / (1 − small), and its inverse.
    odds: f64,
    inverse_odds: f64,
}

impl Chance {
    /// `p` is clamped to 0..1.
    pub fn new(p: f64) -> Chance {
        let p = p.clamp(0.0, 1.0);
        let flipped = p > 0.5;
        let small = if flipped { 1.0 - p } else { p };
        let (ln_small, ln_large) = (small.ln(), (-small).ln_1p());
        Chance {
            p,
            threshold: (p * UNIFORM_STEPS).ceil() as u64,
            small,
            flipped,
            ln_small,
            ln_large,
            odds: small / (1.0 - small),
            inverse_odds: (1.0 - small) / small,
        }
    }

    pub fn p(&self) -> f64 {
        self.p
    }

    /// One Bernoulli trial of this chance: the outcome of `rng.random::<f64>() < p`, from the
    /// same 64 bits.
    fn bernoulli(&self, rng: &mut TrialRng) -> bool {
        (rng.random::<u64>() >> 11) < self.threshold
    }
}

/// 2⁵³: the number of values a uniform f64 draw takes (rand keeps the top 53 bits of a u64).
const UNIFORM_STEPS: f64 = (1u64 << 53) as f64;

/// A Poisson count with mean `mean` (a mean of 0 or less gives 0).
pub fn poisson(mean: f64, rng: &mut TrialRng) -> u64 {
    if mean.is_nan() || mean <= 0.0 {
        return 0;
    }
    rand_distr::Poisson::new(mean).expect("a finite mean > 0").sample(rng) as u64
}

/// Binomial(n, p). Small spreads: inversion by search from the mode (outcomes visited in the
/// order mode, mode−1, mode+1, mode−2, …), exact up to rounding; if rounding leaves the uniform
/// beyond every outcome (probability ~1e-13) a new uniform is drawn. Large spreads: BTPE.
///
/// Inlined up to the Bernoulli sums (two draws in three at baseline sizes), so that those pay no
/// call; larger `n` go out of line.
#[inline(always)]
pub fn binomial(rng: &mut TrialRng, n: u64, chance: &Chance) -> u64 {
    if n == 0 || chance.small <= 0.0 {
        return if chance.flipped { n } else { 0 };
    }
    if n <= BERNOULLI_N {
        return (0..n).map(|_| u64::from(chance.bernoulli(rng))).sum();
    }
    binomial_beyond_bernoulli(rng, n, chance)
}

/// [`binomial`] for `n` > [`BERNOULLI_N`] and 0 < p < 1.
#[inline(never)]
fn binomial_beyond_bernoulli(rng: &mut TrialRng, n: u64, chance: &Chance) -> u64 {
    let x = if n as usize > TABLE_N || n as f64 * chance.small * (1.0 - chance.small) > SEARCH_VARIANCE {
        btpe(rng, n, chance.small)
    } else {
        search_from_mode(rng, n as usize, chance) as u64
    };
    if chance.flipped { n - x } else { x }
}

/// rand_distr's BTPE, kept out of line: it is rare here, and inlined it would make every call set
/// up its large stack frame.
#[cold]
#[inline(never)]
fn btpe(rng: &mut TrialRng, n: u64, p: f64) -> u64 {
    Binomial::new(n, p).expect("0 < p <= 1/2").sample(rng)
}

/// Inversion of Binomial(n, small), n ≤ TABLE_N, visiting outcomes outward from the mode.
fn search_from_mode(rng: &mut TrialRng, n: usize, chance: &Chance) -> usize {
    let Tables { ln_factorial, reciprocal } = &*TABLES;
    let mode = ((real(n + 1) * chance.small) as usize).min(n);
    let ln_at_mode = ln_factorial[n] - ln_factorial[mode] - ln_factorial[n - mode]
        + real(mode) * chance.ln_small
        + real(n - mode) * chance.ln_large;
    let (odds, inverse_odds) = (chance.odds, chance.inverse_odds);
    walk_from_mode(
        rng,
        (0, mode, n),
        ln_at_mode,
        // P(x+1)/P(x) = (n−x)/(x+1) · p/q
        |x| real(n - x) * reciprocal[x + 1] * odds,
        // P(x−1)/P(x) = x/(n−x+1) · q/p
        |x| real(x) * reciprocal[n - x + 1] * inverse_odds,
    )
}

/// Inversion of a unimodal distribution on `low_end..=high_end` with mode `mode`, ln P(mode) =
/// `ln_at_mode`, and probability ratios `up(x)` = P(x+1)/P(x) and `down(x)` = P(x−1)/P(x).
/// Outcomes are visited in the order mode, mode−1, mode+1, mode−2, …, so a draw costs about 1.6
/// standard deviations' worth of steps. Probabilities are handled relative to the mode's, and the
/// uniform scaled by 1/P(mode) to match, so the walk does not wait for the exponential. Exact up
/// to rounding; if rounding leaves the uniform beyond every outcome (~1e-13) it draws again.
#[inline(always)]
fn walk_from_mode(
    rng: &mut TrialRng,
    (low_end, mode, high_end): (usize, usize, usize),
    ln_at_mode: f64,
    up: impl Fn(usize) -> f64,
    down: impl Fn(usize) -> f64,
) -> usize {
    let inverse_at_mode = (-ln_at_mode).exp();
    loop {
        let mut u: f64 = rng.random::<f64>() * inverse_at_mode - 1.0;
        if u < 0.0 {
            return mode;
        }
        let (mut low, mut high, mut r_low, mut r_high) = (mode, mode, 1.0, 1.0);
        while low > low_end || high < high_end {
            if low > low_end {
                r_low *= down(low);
                low -= 1;
                u -= r_low;
                if u < 0.0 {
                    return low;
                }
            }
            if high < high_end {
                r_high *= up(high);
                high += 1;
                u -= r_high;
                if u < 0.0 {
                    return high;
                }
            }
        }
    }
}

/// Successes among `draws` taken without replacement from `total` items of which `success` are
/// successes. Up to 64 draws (or 64 left behind): ball by ball. More: inversion from the mode, at
/// any urn size (rand_distr's sampler refuses some large urns, e.g. N = 20,000 with few successes).
pub fn hypergeometric(rng: &mut TrialRng, total: u64, success: u64, draws: u64) -> u64 {
    if draws == 0 || success == 0 {
        return 0;
    }
    if success == total {
        return draws;
    }
    if draws == total {
        return success;
    }
    if draws.min(total - draws) <= BALL_BY_BALL {
        // Draw the smaller side of the urn ball by ball.
        let taken = draws.min(total - draws);
        let (mut left, mut hits, mut hit) = (total, success, 0);
        for _ in 0..taken {
            if rng.random_range(0..left) < hits {
                hit += 1;
                hits -= 1;
            }
            left -= 1;
        }
        return if taken == draws { hit } else { success - hit };
    }
    hypergeometric_from_mode(rng, total as usize, success as usize, draws as usize) as u64
}

/// Inversion of the hypergeometric (N = `total`, K = `success`, n = `draws`) from its mode. Past
/// the table (urns of more than 4,096 drones), ln k! terms of up to ~10⁷ cancel in P(mode), which
/// leaves its relative error up to ~1e-8: far below what any run's sampling error can resolve.
fn hypergeometric_from_mode(rng: &mut TrialRng, total: usize, success: usize, draws: usize) -> usize {
    let failure = total - success;
    let (low_end, high_end) = (draws.saturating_sub(failure), draws.min(success));
    let mode = ((real(draws + 1) * real(success + 1) / real(total + 2)) as usize).clamp(low_end, high_end);
    let ln_choose = |n: usize, k: usize| ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k);
    let ln_at_mode = ln_choose(success, mode) + ln_choose(failure, draws - mode) - ln_choose(total, draws);
    walk_from_mode(
        rng,
        (low_end, mode, high_end),
        ln_at_mode,
        // P(k+1)/P(k) = (K−k)(n−k) / ((k+1)(N−K−n+k+1))
        |k| real(success - k) * real(draws - k) * reciprocal(k + 1) * reciprocal(failure + k + 1 - draws),
        // P(k−1)/P(k) = k(N−K−n+k) / ((K−k+1)(n−k+1))
        |k| real(k) * real(failure + k - draws) * reciprocal(success - k + 1) * reciprocal(draws - k + 1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// Exact Binomial(n, p) probabilities, by the recurrence from P(0) in log space.
    fn pmf(n: u64, p: f64) -> Vec<f64> {
        let mut ln = vec![n as f64 * (-p).ln_1p()];
        for x in 1..=n {
            let prev = ln[x as usize - 1];
            ln.push(prev + ((n - x + 1) as f64 / x as f64).ln() + (p / (1.0 - p)).ln());
        }
        ln.into_iter().map(f64::exp).collect()
    }

    /// Binomial cases across the search/BTPE boundary and both sides of p = 1/2.
    const BINOMIAL_CASES: [(u64, f64); 11] = [
        (50, 0.3),
        (10, 0.5),
        (200, 0.02),
        (90, 0.8),
        (5, 0.95),
        (1000, 0.5),
        (30, 0.1),
        (4000, 0.001),
        (700, 0.3),
        (5000, 0.2),
        (1, 0.4),
    ];

    /// 10^6 draws of Binomial(n, `drawn_p`) checked against the exact Binomial(n, p): mean within
    /// 5 SE, and a chi-square test over cells with expected count ≥ 20 failing above the 99.99th
    /// percentile. Returns what failed.
    fn binomial_check(n: u64, p: f64, drawn_p: f64) -> Result<(), String> {
        let draws = 1_000_000;
        let mut rng = TrialRng::seed_from_u64(n ^ p.to_bits());
        let mut counts = vec![0u64; n as usize + 1];
        let mut sum = 0.0;
        for _ in 0..draws {
            let x = binomial(&mut rng, n, &Chance::new(drawn_p));
            counts[x as usize] += 1;
            sum += x as f64;
        }
        let (mean, var) = (n as f64 * p, n as f64 * p * (1.0 - p));
        let sample_mean = sum / draws as f64;
        if (sample_mean - mean).abs() > 5.0 * (var / draws as f64).sqrt() {
            return Err(format!("n {n} p {p}: mean {sample_mean} vs {mean}"));
        }
        let (chi2, cells) = chi_square(&counts, &pmf(n, p), draws);
        let limit = chi_square_limit(cells);
        if chi2 >= limit {
            return Err(format!("n {n} p {p}: chi2 {chi2} over {cells} cells, limit {limit}"));
        }
        Ok(())
    }

    #[test]
    fn binomial_matches_its_distribution() {
        for (n, p) in BINOMIAL_CASES {
            binomial_check(n, p, p).unwrap();
        }
    }

    /// The check has teeth: a sampler whose p is 1 % off fails it in every case.
    #[test]
    fn a_binomial_one_percent_off_is_caught() {
        for (n, p) in BINOMIAL_CASES {
            assert!(binomial_check(n, p, p * 1.01).is_err(), "n {n} p {p}: p × 1.01 passed");
        }
    }

    /// The 99.99th percentile of chi-square with `cells − 1` degrees of freedom (Wilson–Hilferty,
    /// within 1 % of the exact value from 5 degrees of freedom, 7 % at 1).
    fn chi_square_limit(cells: usize) -> f64 {
        let dof = cells as f64 - 1.0;
        let h = 2.0 / (9.0 * dof);
        dof * (1.0 - h + 3.72 * h.sqrt()).powi(3)
    }

    /// Pearson's statistic over cells of expected count ≥ 20, the rest pooled into one cell.
    fn chi_square(counts: &[u64], pmf: &[f64], draws: u64) -> (f64, usize) {
        let (mut chi2, mut cells, mut pooled_seen, mut pooled_expected) = (0.0, 0, 0.0, 0.0);
        for (&seen, &p) in counts.iter().zip(pmf) {
            let expected = p * draws as f64;
            if expected >= 20.0 {
                chi2 += (seen as f64 - expected).powi(2) / expected;
                cells += 1;
            } else {
                pooled_seen += seen as f64;
                pooled_expected += expected;
            }
        }
        if pooled_expected >= 20.0 {
            chi2 += (pooled_seen - pooled_expected).powi(2) / pooled_expected;
            cells += 1;
        }
        (chi2, cells)
    }

    /// Exact hypergeometric probabilities: C(K, k) C(N−K, n−k) / C(N, n), in log space, with ln k!
    /// summed term by term (independently of the sampler's table and Stirling series).
    fn hypergeometric_pmf(total: u64, success: u64, draws: u64) -> Vec<f64> {
        let mut ln_fact = vec![0.0f64; total as usize + 1];
        for k in 2..=total as usize {
            ln_fact[k] = ln_fact[k - 1] + (k as f64).ln();
        }
        let ln_choose = |n: u64, k: u64| ln_fact[n as usize] - ln_fact[k as usize] - ln_fact[(n - k) as usize];
        (0..=draws)
            .map(|k| {
                if k > success || draws - k > total - success {
                    return 0.0;
                }
                (ln_choose(success, k) + ln_choose(total - success, draws - k) - ln_choose(total, draws)).exp()
            })
            .collect()
    }

    #[test]
    fn ln_factorial_is_continuous_past_the_table() {
        let summed = |k: usize| (2..=k).map(|i| (i as f64).ln()).sum::<f64>();
        for k in [TABLE_N + 1, 5000, 20_000, 1_000_000] {
            let (ours, sum) = (ln_factorial(k), summed(k));
            assert!(((ours - sum) / sum).abs() < 1e-13, "ln {k}!: {ours} vs {sum}");
        }
        let step = ln_factorial(TABLE_N + 1) - ln_factorial(TABLE_N);
        assert!((step - ((TABLE_N + 1) as f64).ln()).abs() < 1e-9, "step across the table's end: {step}");
    }

    /// Ball by ball (either side of the urn) and the walk (urns inside and beyond the table, and
    /// the case rand_distr refuses).
    const URNS: [(u64, u64, u64); 6] =
        [(100, 30, 20), (100, 30, 90), (1000, 300, 400), (50, 49, 10), (20_000, 6000, 8000), (20_000, 25, 9000)];

    /// 10^6 draws from an urn with `drawn_success` marked balls against the exact distribution of
    /// one with `success`, by the chi-square test above. Returns what failed.
    fn hypergeometric_check(total: u64, success: u64, taken: u64, drawn_success: u64) -> Result<(), String> {
        let draws = 1_000_000;
        let mut rng = TrialRng::seed_from_u64(total ^ success << 20 ^ taken << 40);
        let mut counts = vec![0u64; taken as usize + 1];
        for _ in 0..draws {
            counts[hypergeometric(&mut rng, total, drawn_success, taken) as usize] += 1;
        }
        let (chi2, cells) = chi_square(&counts, &hypergeometric_pmf(total, success, taken), draws);
        let limit = chi_square_limit(cells);
        if chi2 >= limit {
            return Err(format!("({total}, {success}, {taken}): chi2 {chi2} over {cells} cells, limit {limit}"));
        }
        Ok(())
    }

    #[test]
    fn hypergeometric_matches_its_distribution() {
        for (total, success, taken) in URNS {
            hypergeometric_check(total, success, taken, success).unwrap();
        }
    }

    /// The check has teeth: an urn with 1 % more marked balls (at least one more) fails it.
    #[test]
    fn a_hypergeometric_one_percent_off_is_caught() {
        for (total, success, taken) in URNS {
            let off = (success + (success / 100).max(1)).min(total);
            let wrong = hypergeometric_check(total, success, taken, off);
            assert!(wrong.is_err(), "({total}, {success}, {taken}) drawn with {off} marked passed");
        }
    }

    /// A Bernoulli trial by threshold has the outcome of comparing the uniform float with p, for
    /// every draw: probabilities on and off the 2⁻⁵³ grid, at and next to 0 and 1.
    #[test]
    fn bernoulli_by_threshold_is_the_float_comparison() {
        let grid = 1.0 / UNIFORM_STEPS;
        let ps = [0.0, grid, 0.5 * grid, 0.3, 0.5, 0.25 + grid, 1.0 - grid, 1.0, 0.123_456_789, 0.9999];
        for p in ps {
            let chance = Chance::new(p);
            let (mut by_float, mut by_threshold) = (TrialRng::seed_from_u64(3), TrialRng::seed_from_u64(3));
            for _ in 0..100_000 {
                assert_eq!(by_float.random::<f64>() < p, chance.bernoulli(&mut by_threshold), "p {p}");
            }
            // The boundary itself: the largest 53-bit value below p·2⁵³, and the next.
            let t = chance.threshold;
            for bits in [t.saturating_sub(1), t, t + 1] {
                let u = bits as f64 * grid;
                assert_eq!(u < p, bits < t, "p {p}, bits {bits}");
            }
        }
    }

    /// Pins the first draws: a change here changes every published figure, so it must be deliberate.
    #[test]
    fn value_stability() {
        let mut rng = TrialRng::seed_from_u64(7);
        let mut first: Vec<u64> = [(100, 0.3), (100, 0.8), (10_000, 0.5), (12, 0.4)]
            .into_iter()
            .map(|(n, p)| binomial(&mut rng, n, &Chance::new(p)))
            .collect();
        first.extend([hypergeometric(&mut rng, 100, 30, 20), hypergeometric(&mut rng, 1000, 300, 400)]);
        assert_eq!(first, [30, 81, 5057, 6, 7, 122]);
    }
}
