//! A mergeable log-linear histogram for quantiles over trials.
//!
//! Storing every trial's value would make memory grow with the number of trials, so each tally keeps
//! counts in buckets. Amounts are keyed by the top bits of the value's IEEE-754 representation (its
//! exponent and the first [`MANTISSA_BITS`] bits of its mantissa): buckets 2^-8 wide relative to
//! their value, reported at their midpoint, so within 2^-9 (about 0.2 %) at every magnitude. Counts
//! get one bucket per whole number below 1024, so their
//! quantiles (rounds, kills, leakers, stock) are exact. A histogram stores only the run of buckets
//! between its smallest and largest value, so memory follows the spread of the values, not the
//! number of trials. Bucket counts are integers, so merging is exact and order-independent.

/// Mantissa bits kept in the bucket key.
const MANTISSA_BITS: u32 = 8;
const SHIFT: u32 = 52 - MANTISSA_BITS;
/// Counts below this are kept in unit-wide buckets.
const LINEAR_LIMIT: f64 = 1024.0;

/// How a histogram buckets its values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Scale {
    /// Amounts (money, ratios): within 2^-9 relative at every magnitude; 0 counted apart.
    #[default]
    Relative,
    /// Whole-number counts: one bucket per integer below 1024, then within 2^-9 relative.
    Count,
}

/// Counts of non-negative finite values, in a dense run of buckets.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Histogram {
    scale: Scale,
    /// Values equal to 0 (`Relative` scale only: zero has no exponent to bucket by).
    zeros: u64,
    /// Bucket key of `counts[0]`.
    offset: u32,
    counts: Vec<u64>,
}

/// Log-linear key: exponent and leading mantissa bits of the IEEE-754 representation.
fn log_key(value: f64) -> u32 {
    (value.to_bits() >> SHIFT) as u32
}

/// A whole number in 0..1024 as an integer, by adding 2⁵² (which puts it in the low bits of the
/// mantissa, exactly): two instructions, where `as u32` checks for saturation. This runs for every
/// count of every night of every trial.
#[inline(always)]
fn small_count(value: f64) -> u32 {
    debug_assert!(value.fract() == 0.0 && (0.0..LINEAR_LIMIT).contains(&value), "count {value}");
    const TWO_TO_52: f64 = 4_503_599_627_370_496.0;
    (value + TWO_TO_52).to_bits() as u32
}

fn log_lower_edge(key: u32) -> f64 {
    f64::from_bits(u64::from(key) << SHIFT)
}

impl Scale {
    /// Bucket of a value; `None` for the separate zero count.
    fn key(self, value: f64) -> Option<u32> {
        debug_assert!(value >= 0.0 && value.is_finite(), "histogram value {value}");
        match self {
            Scale::Relative if value > 0.0 => Some(log_key(value)),
            Scale::Relative => None,
            Scale::Count if value < LINEAR_LIMIT => Some(small_count(value)),
            Scale::Count => Some(LINEAR_LIMIT as u32 + log_key(value) - log_key(LINEAR_LIMIT)),
        }
    }

    /// The value a bucket reports: the whole number itself for counts below 1024, otherwise the
    /// bucket's midpoint.
    fn representative(self, key: u32) -> f64 {
        let log_key = match self {
            Scale::Count if key < LINEAR_LIMIT as u32 => return f64::from(key),
            Scale::Count => key - LINEAR_LIMIT as u32 + log_key(LINEAR_LIMIT),
            Scale::Relative => key,
        };
        let (lo, hi) = (log_lower_edge(log_key), log_lower_edge(log_key + 1));
        lo + (hi - lo) / 2.0
    }
}

impl Histogram {
    pub fn new(scale: Scale) -> Histogram {
        Histogram { scale, ..Histogram::default() }
    }

    /// Whether the histogram read from a file can be one this code made: its buckets inside the
    /// key range, `n` values in all. `Err` says what is wrong.
    pub fn check(&self, n: u64) -> Result<(), String> {
        let keys = 1u64 << (64 - SHIFT);
        if u64::from(self.offset) + self.counts.len() as u64 > keys {
            return Err(format!("has buckets past the last key ({} from {})", self.counts.len(), self.offset));
        }
        let total = self.counts.iter().try_fold(self.zeros, |sum, &c| sum.checked_add(c));
        match total {
            Some(total) if total == n => Ok(()),
            Some(total) => Err(format!("counts {total} values where its tally has {n}")),
            None => Err("counts more values than a run can hold".into()),
        }
    }

    /// Counts one value. Values must be finite and >= 0.
    pub fn add(&mut self, value: f64) {
        match self.scale.key(value) {
            // The common case, a bucket already stored, without the growth checks.
            Some(key) => match self.counts.get_mut(key.wrapping_sub(self.offset) as usize) {
                Some(count) => *count += 1,
                None => *self.slot(key) += 1,
            },
            None => self.zeros += 1,
        }
    }

    /// Adds another histogram's counts (on the same scale) to this one.
    pub fn merge(&mut self, other: &Histogram) {
        debug_assert_eq!(self.scale, other.scale);
        self.zeros += other.zeros;
        let Some(last) = other.counts.len().checked_sub(1) else { return };
        // Grown once to reach both ends of the other's run (its end buckets are never 0), then
        // added bucket by bucket.
        self.slot(other.offset);
        self.slot(other.offset + last as u32);
        let start = (other.offset - self.offset) as usize;
        for (mine, &theirs) in self.counts[start..=start + last].iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
    }

    /// The counter of `key`, growing the stored run to reach it.
    fn slot(&mut self, key: u32) -> &mut u64 {
        if self.counts.is_empty() {
            self.offset = key;
        } else if key < self.offset {
            let grow = (self.offset - key) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = key;
        }
        let index = (key - self.offset) as usize;
        if index >= self.counts.len() {
            self.counts.resize(index + 1, 0);
        }
        &mut self.counts[index]
    }

    /// Number of values counted.
    pub fn total(&self) -> u64 {
        self.zeros + self.counts.iter().sum::<u64>()
    }

    /// The nearest-rank quantile: the smallest counted value `x` with at least `p * n` values at or
    /// below it (`p` in 0..=1). `None` when empty.
    pub fn quantile(&self, p: f64) -> Option<f64> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let rank = ((p * total as f64).ceil() as u64).clamp(1, total);
        if rank <= self.zeros {
            return Some(0.0);
        }
        let mut seen = self.zeros;
        for (i, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Some(self.scale.representative(self.offset + i as u32));
            }
        }
        unreachable!("rank {rank} is at most the total {total}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCALES: [Scale; 2] = [Scale::Relative, Scale::Count];

    #[test]
    fn counts_below_1024_are_exact() {
        for n in 0..1024u32 {
            let mut h = Histogram::new(Scale::Count);
            h.add(f64::from(n));
            assert_eq!(h.quantile(0.5), Some(f64::from(n)));
        }
    }

    #[test]
    fn small_counts_convert_exactly() {
        for n in 0..1024u32 {
            assert_eq!(small_count(f64::from(n)), n);
        }
    }

    #[test]
    fn relative_error_is_below_a_quarter_percent() {
        for scale in SCALES {
            let mut x = if scale == Scale::Count { 1024.0 } else { 1e-6 };
            while x < 1e15 {
                let mut h = Histogram::new(scale);
                h.add(x);
                let q = h.quantile(0.5).unwrap();
                assert!((q - x).abs() / x <= 1.0 / 512.0, "{scale:?}: {x} -> {q}");
                x *= 1.37;
            }
        }
    }

    #[test]
    fn nearest_rank_quantiles() {
        for scale in [Scale::Count] {
            let mut h = Histogram::new(scale);
            for v in 0..100 {
                h.add(f64::from(v));
            }
            assert_eq!(h.quantile(0.05), Some(4.0));
            assert_eq!(h.quantile(0.5), Some(49.0));
            assert_eq!(h.quantile(0.95), Some(94.0));
            assert_eq!(h.quantile(0.0), Some(0.0));
            assert_eq!(h.quantile(1.0), Some(99.0));
        }
    }

    #[test]
    fn merge_equals_adding_in_one_histogram() {
        let values: Vec<f64> = (0..500).map(|i| f64::from(i * 37 % 211) * 3.5).collect();
        for scale in SCALES {
            let mut whole = Histogram::new(scale);
            values.iter().for_each(|&v| whole.add(v));
            let (mut left, mut right) = (Histogram::new(scale), Histogram::new(scale));
            values[..123].iter().for_each(|&v| left.add(v));
            values[123..].iter().for_each(|&v| right.add(v));
            right.merge(&left);
            assert_eq!(right.total(), whole.total());
            for p in [0.05, 0.5, 0.95] {
                assert_eq!(right.quantile(p), whole.quantile(p));
            }
        }
    }

    #[test]
    fn memory_follows_the_spread_not_the_magnitude() {
        let mut h = Histogram::new(Scale::Relative);
        h.add(0.0);
        h.add(1e9);
        h.add(1.1e9);
        assert!(h.counts.len() < 50, "{} buckets", h.counts.len());
        assert_eq!(h.quantile(0.0), Some(0.0), "zero is kept apart, exactly");
        let mut c = Histogram::new(Scale::Count);
        (0..200).for_each(|v| c.add(f64::from(v)));
        assert_eq!(c.counts.len(), 200);
    }

    #[test]
    fn negative_zero_is_zero() {
        for scale in SCALES {
            let mut h = Histogram::new(scale);
            h.add(-0.0);
            assert_eq!(h.quantile(0.5), Some(0.0));
        }
    }
}
