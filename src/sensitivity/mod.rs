//! Which assumption drives the answer: one-at-a-time sensitivity with common random numbers.
//!
//! Every field given as a distribution is pinned at its 10th and then its 90th percentile while
//! every other field stays uncertain, and the run is repeated with the same seed and trials. A
//! pinned field still makes its draws ([`crate::scenario::Param::pinned`]), so every other input of every trial is
//! the same as in the base run: the difference between the two pinned runs — the *swing* — is that
//! field's effect, not noise. Fields given as constants can be added with two values of their own.

use crate::engine::{self, Aggregate, Cancelled, Progress};
use crate::scenario::Scenario;
use crate::stats::Stats;

/// Where each distribution is pinned, as quantiles.
pub const LOW_QUANTILE: f64 = 0.1;
pub const HIGH_QUANTILE: f64 = 0.9;

/// One input and the two values it is pinned at.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    /// The field's `--set` path.
    pub path: String,
    pub low: f64,
    pub high: f64,
}

/// One input's effect on one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub input: Input,
    /// The metric's summary.json path.
    pub metric: String,
    /// The metric's mean in the base run and with the input pinned low and high.
    pub base: Stats,
    pub at_low: Stats,
    pub at_high: Stats,
}

impl Row {
    /// `at_high − at_low`, of the means.
    pub fn swing(&self) -> f64 {
        self.at_high.mean - self.at_low.mean
    }
}

impl Input {
    /// Parses `PATH=LO:HI` (finite numbers); `Err` says what is wrong.
    pub fn parse(text: &str) -> Result<Input, String> {
        let (path, range) = text.split_once('=').ok_or("expected PATH=LO:HI")?;
        let (low, high) = range.split_once(':').ok_or("expected PATH=LO:HI")?;
        let number =
            |v: &str| v.trim().parse::<f64>().ok().filter(|x| x.is_finite()).ok_or(format!("`{v}` is not a number"));
        if path.trim().is_empty() {
            return Err("expected PATH=LO:HI: the path is empty".into());
        }
        Ok(Input { path: path.trim().to_string(), low: number(low)?, high: number(high)? })
    }

    /// Checks that the path is a number field of `scenario` and both values are inside its range.
    pub fn check(&self, scenario: &Scenario) -> Result<(), String> {
        pinned(scenario, &self.path, self.low)?;
        pinned(scenario, &self.path, self.high).map(|_| ())
    }
}

/// Every field of `scenario` given as a distribution, at its 10th and 90th percentiles, in file
/// order; then `extra` (fields given two values of their own), which replace any of the same path.
pub fn inputs(scenario: &Scenario, extra: &[Input]) -> Vec<Input> {
    let mut scenario = scenario.clone();
    let mut out: Vec<Input> = scenario
        .params_mut()
        .into_iter()
        .filter(|(path, param)| param.is_distribution() && !extra.iter().any(|e| &e.path == path))
        .filter_map(|(path, param)| {
            Some(Input { path, low: param.quantile(LOW_QUANTILE)?, high: param.quantile(HIGH_QUANTILE)? })
        })
        .collect();
    out.extend(extra.iter().cloned());
    out
}

/// `scenario` with the field at `path` pinned at `value`; `Err` names what is wrong.
pub fn pinned(scenario: &Scenario, path: &str, value: f64) -> Result<Scenario, String> {
    let mut copy = scenario.clone();
    let mut fields = copy.params_mut();
    let Some((_, param)) = fields.iter_mut().find(|(p, _)| p == path) else {
        let known: Vec<String> = fields.iter().map(|(p, _)| p.clone()).collect();
        return Err(format!("not a number field of this scenario; its fields: {}", known.join(", ")));
    };
    if !param.allows(value) {
        return Err(format!("{value} is outside the field's range"));
    }
    **param = param.pinned(value);
    drop(fields);
    Ok(copy)
}

/// The metrics reported, by summary.json path: both cost-exchange ratios, the leak rate, defender
/// spend, and each finite-stock layer's P(exhausted) and exhaustion night (over the trials where
/// it ran dry; absent where it never did).
pub fn metrics(scenario: &Scenario, aggregate: &Aggregate) -> Vec<(String, Option<Stats>)> {
    let headline = aggregate.headline();
    let pick = |name: &str| headline.iter().find(|(n, _)| *n == name).and_then(|(_, stats)| *stats);
    let mut out: Vec<(String, Option<Stats>)> =
        ["cost_exchange_ratio", "cost_exchange_ratio_with_damage", "leak_rate", "defender_spend_usd"]
            .iter()
            .map(|name| (name.to_string(), pick(name)))
            .collect();
    for (layer, tallies) in scenario.layers.iter().zip(&aggregate.layers).filter(|(l, _)| l.stock.is_some()) {
        out.push((
            format!("layers.{}.p_exhausted", layer.name),
            Stats::of_share(tallies.exhausted_trials, aggregate.trials),
        ));
        out.push((format!("layers.{}.exhaustion_night", layer.name), tallies.exhaustion_night.stats()));
    }
    out
}

/// The metric names [`metrics`] reports for `scenario`.
pub fn metric_names(scenario: &Scenario) -> Vec<String> {
    let empty = Aggregate::new(scenario, &engine::NightLayout::new(scenario));
    metrics(scenario, &empty).into_iter().map(|(name, _)| name).collect()
}

/// Runs the base scenario and each input pinned low and high, every run with `trials` trials under
/// `seed`; a row per input and metric where all three runs have the metric.
pub fn run(
    scenario: &Scenario,
    inputs: &[Input],
    trials: u64,
    seed: u64,
    progress: &dyn Progress,
) -> Result<Vec<Row>, Cancelled> {
    let measure = |s: &Scenario| engine::run(s, trials, seed, progress).map(|a| metrics(s, &a));
    let base = measure(scenario)?;
    let mut rows = Vec::new();
    for input in inputs {
        let pin = |value| pinned(scenario, &input.path, value).expect("inputs name fields of the scenario");
        let (low, high) = (measure(&pin(input.low))?, measure(&pin(input.high))?);
        for (((metric, base), (_, at_low)), (_, at_high)) in base.iter().zip(&low).zip(&high) {
            if let (Some(base), Some(at_low), Some(at_high)) = (base, at_low, at_high) {
                let (base, at_low, at_high) = (*base, *at_low, *at_high);
                rows.push(Row { input: input.clone(), metric: metric.clone(), base, at_low, at_high });
            }
        }
    }
    Ok(rows)
}
