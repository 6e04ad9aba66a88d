//! Exact, table-driven draws of Beta(α, β) with α, β >= 1: PERT fields drawn many times a trial.
//!
//! Damage is drawn once per leaking strike drone, so with many leakers the damage sampler is a
//! large share of a run. rand_distr's PERT draws its Beta variate by Cheng's method, which costs a
//! logarithm and an exponential (often more) per draw: a fifth of the instructions of a run with
//! 45 % leakers and PERT damage. PERT's Beta has α, β in [1, 5], so its density is bounded and
//! unimodal. This sampler covers [0, 1] with [`STRIPS`] equal strips; each strip is split into a
//! *floor*, a rectangle up to the density's smallest value on the strip (which lies under the
//! density), and a *cap* from there up to its largest value (which lies above it). One uniform
//! picks a piece by Walker's alias method and a second places the draw in its strip. A floor's
//! draw is accepted at once; a cap's is accepted if a third uniform, scaled into the cap, falls
//! under the density, else everything is drawn again. That is rejection from an envelope that lies
//! above the density everywhere, so the draws follow Beta(α, β) exactly (up to the rounding of the
//! density's f64 values at the strip ends); the caps hold under 4 % of the envelope
//! (`caps_are_rare`), so almost every draw costs two uniforms and no transcendental function.

use rand::Rng;

/// Strips across [0, 1]. The caps' share of the envelope falls as 1 / `STRIPS`.
const STRIPS: usize = 256;
/// Pieces (a floor and a cap per strip): the alias table's size.
const PIECES: usize = 2 * STRIPS;
/// Bits of a draw that pick an alias slot (`PIECES` = 2^9).
const SLOT_BITS: u32 = 9;
const _: () = assert!(PIECES == 1 << SLOT_BITS);
/// The low 53 bits of a draw: the alias coin.
const COIN_MASK: u64 = (1 << 53) - 1;
const TWO_POW_53: f64 = (1u64 << 53) as f64;

/// Beta(α, β), α, β >= 1, ready to draw from.
#[derive(Clone, Debug)]
pub struct BetaTable {
    /// α − 1 and β − 1: the density's exponents.
    a: f64,
    b: f64,
    /// Fixed-size, so that indices cut from a draw's bits need no bounds checks.
    tables: Box<Tables>,
}

#[derive(Clone, Debug)]
struct Tables {
    /// Per alias slot: keep the slot's own piece when the coin (53 bits) is below this.
    keep: [u64; PIECES],
    /// Per alias slot: the piece taken otherwise.
    alias: [u16; PIECES],
    /// Per strip: the unnormalised density's smallest and largest value on it.
    floor: [f64; STRIPS],
    top: [f64; STRIPS],
}

impl BetaTable {
    /// The table of Beta(α, β); `None` unless α, β >= 1 and finite.
    pub fn new(alpha: f64, beta: f64) -> Option<BetaTable> {
        if !(alpha >= 1.0 && beta >= 1.0 && alpha.is_finite() && beta.is_finite()) {
            return None;
        }
        let (a, b) = (alpha - 1.0, beta - 1.0);
        let density = |x: f64| unnormalised(a, b, x);
        let mode = if a + b > 0.0 { a / (a + b) } else { 0.5 };
        let width = 1.0 / STRIPS as f64;
        let (mut floor, mut top) = ([0.0; STRIPS], [0.0; STRIPS]);
        for strip in 0..STRIPS {
            let (left, right) = (strip as f64 * width, (strip + 1) as f64 * width);
            let ends = [density(left), density(right)];
            floor[strip] = ends[0].min(ends[1]);
            // Unimodal: the largest value is at the mode if the strip holds it, else at an end.
            let inner = if (left..=right).contains(&mode) { density(mode) } else { 0.0 };
            top[strip] = inner.max(ends[0]).max(ends[1]);
        }
        let caps = top.iter().zip(&floor).map(|(t, f)| t - f);
        let weights: Vec<f64> = floor.iter().copied().chain(caps).collect();
        let (keep, alias) = alias_table(&weights);
        Some(BetaTable { a, b, tables: Box::new(Tables { keep, alias, floor, top }) })
    }

    /// One draw in [0, 1].
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self.piece(rng) {
            (piece, x) if piece < STRIPS => x,
            (piece, x) => self.settle_cap(piece - STRIPS, x, rng),
        }
    }

    /// A piece by the alias table, and a point drawn uniformly across its strip.
    #[inline(always)]
    fn piece<R: Rng + ?Sized>(&self, rng: &mut R) -> (usize, f64) {
        let bits = rng.next_u64();
        let slot = (bits >> (64 - SLOT_BITS)) as usize;
        let tables = &*self.tables;
        let piece = if bits & COIN_MASK < tables.keep[slot] { slot } else { usize::from(tables.alias[slot]) };
        let x = ((piece % STRIPS) as f64 + unit(rng)) * (1.0 / STRIPS as f64);
        (piece, x)
    }

    /// A draw that landed in the cap of `strip` at `x`: kept if a point drawn up the cap is under
    /// the density, else drawn again from the start.
    #[cold]
    #[inline(never)]
    fn settle_cap<R: Rng + ?Sized>(&self, mut strip: usize, mut x: f64, rng: &mut R) -> f64 {
        loop {
            let (floor, top) = (self.tables.floor[strip], self.tables.top[strip]);
            if floor + unit(rng) * (top - floor) < unnormalised(self.a, self.b, x) {
                return x;
            }
            match self.piece(rng) {
                (piece, next) if piece < STRIPS => return next,
                (piece, next) => (strip, x) = (piece - STRIPS, next),
            }
        }
    }

    /// The caps' share of the envelope: the chance that a piece drawn needs the density.
    #[cfg(test)]
    fn cap_share(&self) -> f64 {
        let Tables { floor, top, .. } = &*self.tables;
        let caps: f64 = top.iter().zip(floor).map(|(t, f)| t - f).sum();
        caps / (caps + floor.iter().sum::<f64>())
    }
}

/// x^a (1 − x)^b.
fn unnormalised(a: f64, b: f64, x: f64) -> f64 {
    x.powf(a) * (1.0 - x).powf(b)
}

/// A uniform in [0, 1) from the top 53 bits of a draw.
#[inline]
fn unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / TWO_POW_53)
}

/// Walker's alias table (Vose's construction) for `weights`: per slot, the 53-bit threshold below
/// which the slot keeps its own piece, and the piece it gives way to otherwise.
fn alias_table(weights: &[f64]) -> ([u64; PIECES], [u16; PIECES]) {
    let total: f64 = weights.iter().sum();
    let mut scaled: Vec<f64> = weights.iter().map(|w| w * PIECES as f64 / total).collect();
    let mut keep = [1u64 << 53; PIECES];
    let mut alias: [u16; PIECES] = std::array::from_fn(|i| i as u16);
    let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..PIECES).partition(|&i| scaled[i] < 1.0);
    while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
        small.pop();
        keep[s] = (scaled[s] * TWO_POW_53).round() as u64;
        alias[s] = l as u16;
        scaled[l] -= 1.0 - scaled[s];
        if scaled[l] < 1.0 {
            large.pop();
            small.push(l);
        }
    }
    // What is left holds 1 up to rounding: it keeps its own piece.
    (keep, alias)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::trial_rng as rng_for;

    /// P(Beta(α, β) in each of `bins` equal bins): five-point Gauss–Legendre quadrature on 400
    /// panels a bin, normalised by the total (relative error far below the chi-square's
    /// resolution: 2·10⁷ draws a case pass on eight seeds).
    fn probabilities(alpha: f64, beta: f64, bins: usize) -> Vec<f64> {
        let (a, b) = (alpha - 1.0, beta - 1.0);
        // Five-point Gauss–Legendre nodes and weights on [-1, 1].
        const NODES: [f64; 5] =
            [0.0, -0.538_469_310_105_683, 0.538_469_310_105_683, -0.906_179_845_938_664, 0.906_179_845_938_664];
        const WEIGHTS: [f64; 5] = [
            0.568_888_888_888_889,
            0.478_628_670_499_366,
            0.478_628_670_499_366,
            0.236_926_885_056_189,
            0.236_926_885_056_189,
        ];
        let integral = |x0: f64, x1: f64| {
            let panels = 400;
            let h = (x1 - x0) / panels as f64;
            (0..panels)
                .map(|p| {
                    let mid = x0 + (p as f64 + 0.5) * h;
                    NODES.iter().zip(WEIGHTS).map(|(t, w)| w * unnormalised(a, b, mid + t * h / 2.0)).sum::<f64>() * h
                        / 2.0
                })
                .sum::<f64>()
        };
        let masses: Vec<f64> =
            (0..bins).map(|i| integral(i as f64 / bins as f64, (i + 1) as f64 / bins as f64)).collect();
        let total: f64 = masses.iter().sum();
        masses.iter().map(|m| m / total).collect()
    }

    /// Pearson's chi-square of `draws` draws of `table` against Beta(α, β) in `bins` equal bins.
    fn chi_square(table: &BetaTable, alpha: f64, beta: f64, seed: u64, draws: usize, bins: usize) -> f64 {
        let mut rng = rng_for(seed, 0);
        let mut counts = vec![0u64; bins];
        for _ in 0..draws {
            let x = table.sample(&mut rng);
            assert!((0.0..=1.0).contains(&x), "draw {x} outside [0, 1]");
            counts[((x * bins as f64) as usize).min(bins - 1)] += 1;
        }
        probabilities(alpha, beta, bins)
            .iter()
            .zip(&counts)
            .map(|(p, &c)| {
                let expected = p * draws as f64;
                (c as f64 - expected).powi(2) / expected
            })
            .sum()
    }

    /// The 99.99th percentile of chi-square with `df` degrees of freedom (Wilson–Hilferty).
    fn critical(df: f64) -> f64 {
        let z = 3.719;
        df * (1.0 - 2.0 / (9.0 * df) + z * (2.0 / (9.0 * df)).sqrt()).powi(3)
    }

    /// PERT's shapes: α = 1 + 4 (mode − lo) / (hi − lo), β = 6 − α. From mode at lo to mode at hi,
    /// with the bench's stress case's [20,000, 150,000, 2,000,000] (α ≈ 1.26).
    const SHAPES: [(f64, f64); 6] =
        [(1.0, 5.0), (1.262_626, 4.737_374), (2.0, 4.0), (3.0, 3.0), (4.5, 1.5), (5.0, 1.0)];

    #[test]
    fn draws_match_the_beta_distribution() {
        // 2·10⁶ draws in 100 bins per case and seed; fails above the 99.99th percentile.
        for (alpha, beta) in SHAPES {
            let table = BetaTable::new(alpha, beta).unwrap();
            for seed in [1, 2, 3] {
                let chi2 = chi_square(&table, alpha, beta, seed, 2_000_000, 100);
                assert!(chi2 < critical(99.0), "Beta({alpha}, {beta}) seed {seed}: chi-square {chi2:.1}");
            }
        }
    }

    #[test]
    fn a_shape_one_percent_off_is_caught() {
        // A table built for α 1 % too large (β unchanged) fails the same test on every seed.
        for (alpha, beta) in SHAPES {
            let wrong = BetaTable::new(alpha * 1.01, beta).unwrap();
            for seed in [1, 2, 3] {
                let chi2 = chi_square(&wrong, alpha, beta, seed, 2_000_000, 100);
                assert!(chi2 > critical(99.0), "Beta({alpha}, {beta}) with α 1 % off passed, seed {seed}: {chi2:.1}");
            }
        }
    }

    #[test]
    fn caps_are_rare() {
        for (alpha, beta) in SHAPES {
            let share = BetaTable::new(alpha, beta).unwrap().cap_share();
            assert!(share < 0.04, "Beta({alpha}, {beta}): caps hold {share:.4} of the envelope");
        }
    }

    /// Pins the first draws: a change here changes every result with PERT damage, so it must be
    /// deliberate.
    #[test]
    fn value_stability() {
        let table = BetaTable::new(1.262_626, 4.737_374).unwrap();
        let mut rng = rng_for(20250305, 0);
        let first: Vec<f64> = (0..4).map(|_| table.sample(&mut rng)).collect();
        assert_eq!(first, PINNED);
    }

    const PINNED: [f64; 4] = [0.07292562581478303, 0.169965163549241, 0.11880008169513125, 0.16124604647612378];

    #[test]
    fn shapes_below_one_are_refused() {
        assert!(BetaTable::new(0.5, 2.0).is_none());
        assert!(BetaTable::new(2.0, f64::INFINITY).is_none());
        assert!(BetaTable::new(f64::NAN, 2.0).is_none());
    }
}
