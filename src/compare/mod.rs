//! Paired comparisons: a base scenario and an excursion run trial by trial with the same seed, so
//! that each figure's difference gets an interval from the per-trial differences. Trial `i` of
//! both draws from the same per-trial streams, so most of the noise they share cancels and the
//! paired interval is far narrower than the difference of two independent ones.
//!
//! The figures are summary.json's, by path (`cost_exchange_ratio`, `threats.shahed.leaked`,
//! `layers.nasams.spend_usd`, `layers.patriot.p_exhausted`); a figure the two scenarios do not
//! both have (a layer the excursion removes) has the side it lacks empty and no difference. Means
//! are the plain means over the trials (summary.json's headline means are corrected by control
//! variates, so they can differ from these in the last digits). A figure not defined in every
//! trial (a ratio with nothing launched) is paired over the trials where both sides define it.

use rayon::prelude::*;

use crate::engine::{Aggregate, BLOCK_TRIALS, Campaign, Cancelled, NightLayout, Progress, TrialRecord, Workspace};
use crate::scenario::Scenario;
use crate::stats::{Z95, real};

/// The names (summary.json paths) of the figures compared for `scenario`, in output order.
pub fn figure_names(scenario: &Scenario) -> Vec<String> {
    let mut names: Vec<String> = Aggregate::headline_names().map(String::from).to_vec();
    names.push("defence_cost_usd".into());
    for t in &scenario.threats {
        names.extend(["launched", "ew_defeated", "killed", "leaked"].map(|f| format!("threats.{}.{f}", t.name)));
    }
    for l in &scenario.layers {
        names.extend(["rounds", "kills", "spend_usd", "fielding_cost_usd"].map(|f| format!("layers.{}.{f}", l.name)));
        if l.stock.is_some() {
            names.extend(["final_stock", "p_exhausted"].map(|f| format!("layers.{}.{f}", l.name)));
        }
    }
    names
}

/// Trial `record`'s figures, in [`figure_names`] order (`None` where the trial does not define one).
fn figures(scenario: &Scenario, layout: &NightLayout, record: &TrialRecord, out: &mut Vec<Option<f64>>) {
    out.clear();
    let (defender, attacker) = (record.defender_spend_usd, record.attacker_spend_usd);
    let per_attacker = |usd: f64| (attacker > 0.0).then(|| usd / attacker);
    let strike = record.strike_launched(scenario);
    let fielding: Vec<f64> =
        record.layers.iter().zip(&layout.capacity_cost_usd).map(|(l, &c)| l.fielding_cost_usd(c)).collect();
    out.extend([
        Some(defender),
        Some(attacker),
        Some(record.damage_usd),
        per_attacker(defender),
        per_attacker(defender + record.damage_usd),
        (strike > 0).then(|| real(record.strike_leaked(scenario)) / real(strike)),
        Some(fielding.iter().sum()),
    ]);
    for t in &record.threats {
        out.extend([t.launched, t.ew_defeated, t.killed, t.leaked].map(|n| Some(real(n))));
    }
    for ((l, totals), usd) in scenario.layers.iter().zip(&record.layers).zip(fielding) {
        out.extend([Some(real(totals.rounds)), Some(real(totals.kills)), Some(totals.spend_usd), Some(usd)]);
        if l.stock.is_some() {
            let exhausted = if totals.exhaustion_night.is_some() { 1.0 } else { 0.0 };
            out.extend([totals.final_stock.map(real), Some(exhausted)]);
        }
    }
}

/// Running moments of one series (Chan et al.'s pairwise update, so blocks merge exactly).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Moments {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Moments {
    fn add(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    fn merge(&mut self, other: &Moments) {
        if other.n == 0 {
            return;
        }
        let n = self.n + other.n;
        let delta = other.mean - self.mean;
        self.mean += delta * other.n as f64 / n as f64;
        self.m2 += other.m2 + delta * delta * self.n as f64 * other.n as f64 / n as f64;
        self.n = n;
    }

    /// The standard error of the mean (`None` under two values).
    fn se(&self) -> Option<f64> {
        (self.n >= 2).then(|| (self.m2.max(0.0) / (self.n - 1) as f64 / self.n as f64).sqrt())
    }
}

/// The tallies of one figure: each side's own, and the paired differences.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Paired {
    base: Moments,
    excursion: Moments,
    difference: Moments,
    /// Each side's moments over the paired trials alone (for the interval two independent runs
    /// would have given).
    paired_sides: (Moments, Moments),
}

/// One figure compared.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The figure's summary.json path.
    pub metric: String,
    pub base_mean: Option<f64>,
    pub excursion_mean: Option<f64>,
    /// Paired: the mean of the per-trial differences (excursion − base), with its 95 % interval
    /// (`None` under two paired trials, or where one side lacks the figure).
    pub difference: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    /// The half-width the interval would have had from two independent runs of these trials.
    pub unpaired_half_width: Option<f64>,
    /// Trials in which both sides define the figure.
    pub paired_trials: u64,
}

/// A finished comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub trials: u64,
    pub seed: u64,
    pub rows: Vec<Row>,
}

/// Runs `trials` trials of `base` and of `excursion` under `seed`, trial by trial, and compares
/// every figure. The same at any thread count: blocks of trials are tallied apart and merged in
/// trial order.
pub fn run(
    base: &Scenario,
    excursion: &Scenario,
    trials: u64,
    seed: u64,
    progress: &dyn Progress,
) -> Result<Comparison, Cancelled> {
    let names = (figure_names(base), figure_names(excursion));
    let metrics = union(&names.0, &names.1);
    // Per metric: its index among each side's figures.
    let slots: Vec<(Option<usize>, Option<usize>)> =
        metrics.iter().map(|m| (names.0.iter().position(|n| n == m), names.1.iter().position(|n| n == m))).collect();
    let layouts = (NightLayout::new(base), NightLayout::new(excursion));
    let blocks = trials.div_ceil(BLOCK_TRIALS);
    let tallied: Vec<Result<Vec<Paired>, Cancelled>> = (0..blocks)
        .into_par_iter()
        .map(|block| {
            if progress.cancelled() {
                return Err(Cancelled { done: block * BLOCK_TRIALS, trials });
            }
            let mut tallies = vec![Paired::default(); metrics.len()];
            let (mut ws, mut record) = (Workspace::default(), TrialRecord::default());
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let end = ((block + 1) * BLOCK_TRIALS).min(trials);
            for trial in block * BLOCK_TRIALS..end {
                Campaign::start(base, &layouts.0, seed, trial, &mut ws, &mut record).run();
                figures(base, &layouts.0, &record, &mut a);
                Campaign::start(excursion, &layouts.1, seed, trial, &mut ws, &mut record).run();
                figures(excursion, &layouts.1, &record, &mut b);
                for (tally, &(i, j)) in tallies.iter_mut().zip(&slots) {
                    let (x, y) = (i.and_then(|i| a[i]), j.and_then(|j| b[j]));
                    if let Some(x) = x {
                        tally.base.add(x);
                    }
                    if let Some(y) = y {
                        tally.excursion.add(y);
                    }
                    if let (Some(x), Some(y)) = (x, y) {
                        tally.difference.add(y - x);
                        tally.paired_sides.0.add(x);
                        tally.paired_sides.1.add(y);
                    }
                }
            }
            progress.advance(end - block * BLOCK_TRIALS);
            Ok(tallies)
        })
        .collect();
    let mut total = vec![Paired::default(); metrics.len()];
    for block in tallied {
        for (into, from) in total.iter_mut().zip(block?) {
            into.base.merge(&from.base);
            into.excursion.merge(&from.excursion);
            into.difference.merge(&from.difference);
            into.paired_sides.0.merge(&from.paired_sides.0);
            into.paired_sides.1.merge(&from.paired_sides.1);
        }
    }
    let rows = metrics.into_iter().zip(total).map(|(metric, t)| row(metric, &t)).collect();
    Ok(Comparison { trials, seed, rows })
}

fn row(metric: String, t: &Paired) -> Row {
    let mean = |m: &Moments| (m.n > 0).then_some(m.mean);
    let paired = t.difference.n > 0;
    let half = |se: f64| Z95 * se;
    let unpaired = match (t.paired_sides.0.se(), t.paired_sides.1.se()) {
        (Some(a), Some(b)) => Some(half(a.hypot(b))),
        _ => None,
    };
    Row {
        metric,
        base_mean: mean(&t.base),
        excursion_mean: mean(&t.excursion),
        difference: paired.then_some(t.difference.mean),
        ci95: t.difference.se().map(|se| [t.difference.mean - half(se), t.difference.mean + half(se)]),
        unpaired_half_width: unpaired,
        paired_trials: t.difference.n,
    }
}

/// Two saved runs compared figure by figure, without their trials: each difference's interval is
/// that of two independent means (`se` from each summary.json), far wider than a paired one.
/// `base` and `excursion` are summary.json documents.
pub fn unpaired(base: &serde_json::Value, excursion: &serde_json::Value) -> Comparison {
    let (a, b) = (tallied(base), tallied(excursion));
    let names: Vec<String> = union(
        &a.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
        &b.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
    );
    let find = |side: &[(String, (f64, f64))], name: &str| side.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
    let rows = names
        .into_iter()
        .map(|metric| {
            let (x, y) = (find(&a, &metric), find(&b, &metric));
            let both = x.zip(y);
            let half = both.map(|((_, se_a), (_, se_b))| Z95 * se_a.hypot(se_b));
            let difference = both.map(|((a, _), (b, _))| b - a);
            Row {
                base_mean: x.map(|v| v.0),
                excursion_mean: y.map(|v| v.0),
                difference,
                ci95: difference.zip(half).map(|(d, h)| [d - h, d + h]),
                unpaired_half_width: half,
                paired_trials: 0,
                metric,
            }
        })
        .collect();
    let number = |key: &str| base.get(key).and_then(serde_json::Value::as_u64).unwrap_or(0);
    Comparison { trials: number("trials"), seed: number("seed"), rows }
}

/// Every figure of a summary.json with a mean and a standard error, by path, in file order.
fn tallied(summary: &serde_json::Value) -> Vec<(String, (f64, f64))> {
    fn walk(value: &serde_json::Value, path: &str, out: &mut Vec<(String, (f64, f64))>) {
        let Some(object) = value.as_object() else { return };
        if let (Some(mean), Some(se)) =
            (object.get("mean").and_then(|v| v.as_f64()), object.get("se").and_then(|v| v.as_f64()))
        {
            out.push((path.to_string(), (mean, se)));
            return;
        }
        for (key, child) in object {
            let at = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            walk(child, &at, out);
        }
    }
    let mut out = Vec::new();
    walk(summary, "", &mut out);
    out
}

/// `a`'s names, then those only `b` has, each once.
fn union(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().cloned().chain(b.iter().filter(|n| !a.contains(n)).cloned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_merge_as_if_added_in_one_pass() {
        let xs: Vec<f64> = (0..50).map(|i| f64::from(i * i % 17) * 1.5).collect();
        let mut one = Moments::default();
        xs.iter().for_each(|&x| one.add(x));
        let (mut left, mut right) = (Moments::default(), Moments::default());
        xs[..20].iter().for_each(|&x| left.add(x));
        xs[20..].iter().for_each(|&x| right.add(x));
        left.merge(&right);
        assert_eq!(left.n, one.n);
        assert!((left.mean - one.mean).abs() < 1e-12 && (left.m2 - one.m2).abs() < 1e-9);
        assert_eq!(Moments::default().se(), None);
    }
}
