//! Tallies of many metrics that every trial adds to at once: a campaign's nightly series.
//!
//! A trial reports thousands of nightly values (every series of every night), one to each of them.
//! As separate [`Tally`] values each would keep its own count and update its mean and spread alone;
//! here they share one count and keep their means and spreads in arrays, so a trial's row is
//! tallied in one pass the compiler turns into vector instructions. Every column's mean, spread and
//! histogram is bit for bit what a [`Tally`] fed the same values in the same order would hold
//! (`columns_are_tallies_bit_for_bit`).

use super::{Counts, Histogram, Scale, Stats, Tally, chan, real, welford};

/// Column-wise tallies: column `i` holds the `i`-th value of every trial added.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Columns {
    n: u64,
    mean: Vec<f64>,
    /// Sums of squared deviations from the mean.
    m2: Vec<f64>,
    histograms: Vec<Histogram>,
}

impl Columns {
    /// Empty tallies, one column per scale.
    pub fn new(scales: impl IntoIterator<Item = Scale>) -> Columns {
        let histograms: Vec<Histogram> = scales.into_iter().map(Histogram::new).collect();
        let width = histograms.len();
        Columns { n: 0, mean: vec![0.0; width], m2: vec![0.0; width], histograms }
    }

    pub fn len(&self) -> usize {
        self.histograms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.histograms.is_empty()
    }

    /// Adds one trial's values (finite, >= 0), one per column.
    pub fn add(&mut self, values: &[f64]) {
        self.add_conditional(values, []);
    }

    /// Adds one trial's values, but for the columns listed in `expectations` (in column order) with
    /// the value's expectation given the rest of the trial: that goes to the column's mean and
    /// spread and the value to its quantiles, as [`Tally::add_conditional`] does.
    pub fn add_conditional(&mut self, values: &[f64], expectations: impl IntoIterator<Item = (usize, f64)>) {
        assert_eq!(values.len(), self.len(), "one value per column");
        self.n += 1;
        let n = real(self.n);
        let mut from = 0;
        for (column, expectation) in expectations {
            add_row(&values[from..column], &mut self.mean[from..column], &mut self.m2[from..column], n);
            welford(&mut self.mean[column], &mut self.m2[column], expectation, n);
            from = column + 1;
        }
        add_row(&values[from..], &mut self.mean[from..], &mut self.m2[from..], n);
        for (histogram, &value) in self.histograms.iter_mut().zip(values) {
            histogram.add(value);
        }
    }

    /// Whether columns read from a file can be `width` columns of `trials` trials. `Err` says what
    /// is wrong.
    pub fn check(&self, width: usize, trials: u64) -> Result<(), String> {
        if self.mean.len() != width || self.m2.len() != width || self.histograms.len() != width {
            return Err(format!(
                "hold {}, {} and {} values where the scenario has {width} columns",
                self.mean.len(),
                self.m2.len(),
                self.histograms.len()
            ));
        }
        if self.n != trials {
            return Err(format!("hold {} trials in a chunk of {trials}", self.n));
        }
        for (i, histogram) in self.histograms.iter().enumerate() {
            if !self.mean[i].is_finite() || !self.m2[i].is_finite() || self.m2[i] < 0.0 {
                return Err(format!("column {i} has moments no run makes"));
            }
            histogram.check(self.n).map_err(|e| format!("column {i}'s histogram {e}"))?;
        }
        Ok(())
    }

    /// Folds `other` in as if its trials had been added after this one's.
    pub fn merge(&mut self, other: &Columns) {
        assert_eq!(other.len(), self.len(), "columns of one layout");
        if other.n == 0 {
            return;
        }
        let counts = Counts::of(self.n, other.n);
        for (i, histogram) in self.histograms.iter_mut().enumerate() {
            chan(&mut self.mean[i], &mut self.m2[i], other.mean[i], other.m2[i], &counts);
            histogram.merge(&other.histograms[i]);
        }
        self.n = counts.n;
    }

    /// Column `i`'s mean, standard error, interval and quantiles; `None` when no trial was added.
    pub fn stats(&self, i: usize) -> Option<Stats> {
        Tally::stats_of(self.n, self.mean[i], self.m2[i], &self.histograms[i])
    }
}

/// [`welford`] on each column of a row: a loop the compiler turns into vector instructions.
#[inline(always)]
fn add_row(values: &[f64], means: &mut [f64], m2s: &mut [f64], n: f64) {
    for ((&value, mean), m2) in values.iter().zip(means).zip(m2s) {
        welford(mean, m2, value, n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows of mixed magnitudes and scales, counts and amounts.
    fn rows() -> (Vec<Scale>, Vec<Vec<f64>>) {
        let scales = vec![Scale::Count, Scale::Relative, Scale::Count, Scale::Relative, Scale::Count];
        let rows = (0..700u32)
            .map(|t| {
                let t = f64::from(t);
                vec![t % 13.0, 1.0e6 + t * 37.5, (t * 7.0) % 3001.0, (t % 5.0) * 0.1 + 1e-3, 0.0]
            })
            .collect();
        (scales, rows)
    }

    #[test]
    fn columns_are_tallies_bit_for_bit() {
        // Columns 1 and 3 take a conditional expectation (here a made-up one: the value's half).
        let (scales, rows) = rows();
        let expectation = |i: usize, v: f64| if i == 1 || i == 3 { v / 2.0 } else { v };
        let tallies_of = |rows: &[Vec<f64>]| {
            let mut tallies: Vec<Tally> = scales.iter().map(|&s| Tally::with_scale(s)).collect();
            for row in rows {
                for (i, (t, &v)) in tallies.iter_mut().zip(row).enumerate() {
                    t.add_conditional(v, expectation(i, v));
                }
            }
            tallies
        };
        let columns_of = |rows: &[Vec<f64>]| {
            let mut columns = Columns::new(scales.clone());
            for row in rows {
                columns.add_conditional(row, [(1, expectation(1, row[1])), (3, expectation(3, row[3]))]);
            }
            columns
        };
        let (mut tallies, mut columns) = (tallies_of(&rows[..250]), columns_of(&rows[..250]));
        tallies.iter_mut().zip(tallies_of(&rows[250..])).for_each(|(t, later)| t.merge(&later));
        columns.merge(&columns_of(&rows[250..]));
        for (i, tally) in tallies.iter().enumerate() {
            let (a, b) = (tally.stats().unwrap(), columns.stats(i).unwrap());
            let bits = |s: Stats| [s.mean, s.se, s.p5, s.p50, s.p95].map(f64::to_bits);
            assert_eq!((a.n, bits(a)), (b.n, bits(b)), "column {i}");
        }
    }

    #[test]
    fn empty_columns_have_no_stats() {
        let mut columns = Columns::new([Scale::Count]);
        columns.merge(&Columns::new([Scale::Count]));
        assert_eq!(columns.stats(0), None);
    }
}
