//! A mergeable log-linear histogram for quantiles over trials.
//!
//! Storing every trial's value would make memory grow with the number of trials, so each tally keeps
//! counts in buckets keyed by the top bits of the value's IEEE-754 representation (its exponent and
//! the first [`MANTISSA_BITS`] bits of its mantissa). That gives a relative resolution of 2^-9
//! (about 0.2 %) for every magnitude, and exact buckets for whole numbers below 1024 — so quantiles
//! of counts (rounds, kills, leakers, stock) are exact. Counts are integers, so merging is exact and
//! independent of the order in which trials were processed.

/// Mantissa bits kept in the bucket key.
const MANTISSA_BITS: u32 = 9;
const SHIFT: u32 = 52 - MANTISSA_BITS;

/// Counts of non-negative finite values, bucketed by their leading bits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Histogram {
    /// Bucket key of `counts[0]`.
    offset: u32,
    counts: Vec<u64>,
}

fn bucket_of(value: f64) -> u32 {
    debug_assert!(value >= 0.0 && value.is_finite(), "histogram value {value}");
    // `+ 0.0` turns -0.0 into +0.0, so both land in bucket 0.
    ((value + 0.0).to_bits() >> SHIFT) as u32
}

/// The value a bucket reports: its lower edge when the bucket is at most one unit wide (so whole
/// numbers come back exactly), otherwise its midpoint.
fn representative(bucket: u32) -> f64 {
    let lo = f64::from_bits(u64::from(bucket) << SHIFT);
    let hi = f64::from_bits(u64::from(bucket + 1) << SHIFT);
    if hi - lo <= 1.0 { lo } else { lo + (hi - lo) / 2.0 }
}

impl Histogram {
    /// Counts one value. Values must be finite and >= 0.
    pub fn add(&mut self, value: f64) {
        *self.slot(bucket_of(value)) += 1;
    }

    /// Adds another histogram's counts to this one.
    pub fn merge(&mut self, other: &Histogram) {
        for (i, &count) in other.counts.iter().enumerate() {
            if count > 0 {
                *self.slot(other.offset + i as u32) += count;
            }
        }
    }

    /// The counter of `bucket`, growing the stored range to reach it.
    fn slot(&mut self, bucket: u32) -> &mut u64 {
        if self.counts.is_empty() {
            self.offset = bucket;
        } else if bucket < self.offset {
            let grow = (self.offset - bucket) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = bucket;
        }
        let index = (bucket - self.offset) as usize;
        if index >= self.counts.len() {
            self.counts.resize(index + 1, 0);
        }
        &mut self.counts[index]
    }

    /// Number of values counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The nearest-rank quantile: the smallest counted value `x` with at least `p * n` values at or
    /// below it (`p` in 0..=1). `None` when empty.
    pub fn quantile(&self, p: f64) -> Option<f64> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let rank = ((p * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (i, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Some(representative(self.offset + i as u32));
            }
        }
        unreachable!("rank {rank} is at most the total {total}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_below_1024_are_exact() {
        for n in 0..1024u32 {
            let mut h = Histogram::default();
            h.add(f64::from(n));
            assert_eq!(h.quantile(0.5), Some(f64::from(n)));
        }
    }

    #[test]
    fn relative_error_is_below_a_quarter_percent() {
        let mut x = 1e-6;
        while x < 1e15 {
            let mut h = Histogram::default();
            h.add(x);
            let q = h.quantile(0.5).unwrap();
            assert!((q - x).abs() / x < 0.0025, "{x} -> {q}");
            x *= 1.37;
        }
    }

    #[test]
    fn nearest_rank_quantiles() {
        let mut h = Histogram::default();
        for v in 1..=100 {
            h.add(f64::from(v));
        }
        assert_eq!(h.quantile(0.05), Some(5.0));
        assert_eq!(h.quantile(0.5), Some(50.0));
        assert_eq!(h.quantile(0.95), Some(95.0));
        assert_eq!(h.quantile(0.0), Some(1.0));
        assert_eq!(h.quantile(1.0), Some(100.0));
    }

    #[test]
    fn merge_equals_adding_in_one_histogram() {
        let values: Vec<f64> = (0..500).map(|i| f64::from(i * 37 % 211) * 3.5).collect();
        let mut whole = Histogram::default();
        values.iter().for_each(|&v| whole.add(v));
        let (mut left, mut right) = (Histogram::default(), Histogram::default());
        values[..123].iter().for_each(|&v| left.add(v));
        values[123..].iter().for_each(|&v| right.add(v));
        right.merge(&left);
        assert_eq!(right.total(), whole.total());
        for p in [0.05, 0.5, 0.95] {
            assert_eq!(right.quantile(p), whole.quantile(p));
        }
    }

    #[test]
    fn negative_zero_is_zero() {
        let mut h = Histogram::default();
        h.add(-0.0);
        assert_eq!(h.quantile(0.5), Some(0.0));
    }
}
