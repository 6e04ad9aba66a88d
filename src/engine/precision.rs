//! Runs that stop at the precision asked: a rule over the headline metrics' 95 % confidence
//! intervals, judged at the engine's checkpoints ([`super::is_checkpoint`]) so that where a run
//! stops depends on its results, never on threads.

use super::Aggregate;

/// Metrics judged when none are named: both cost-exchange ratios and the leak rate.
pub const DEFAULT_METRICS: [&str; 3] = ["cost_exchange_ratio", "cost_exchange_ratio_with_damage", "leak_rate"];

/// Stop once every chosen metric's 95 % CI half-width is within `relative` of its mean.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Precision {
    /// Largest half-width allowed, as a share of the mean (0.005 = ±0.5 %).
    pub relative: f64,
    /// Headline metrics judged, by their summary.json names.
    pub metrics: Vec<String>,
}

impl Precision {
    /// Checks the target (strictly between 0 and 1) and the metric names (headline metrics;
    /// none named = [`DEFAULT_METRICS`]).
    pub fn new(relative: f64, metrics: &[String]) -> Result<Precision, String> {
        if !(relative > 0.0 && relative < 1.0) {
            return Err("must be a relative half-width strictly between 0 and 1, e.g. 0.005 for ±0.5 %".into());
        }
        let known = Aggregate::headline_names();
        if let Some(unknown) = metrics.iter().find(|m| !known.contains(&m.as_str())) {
            return Err(format!("unknown metric `{unknown}`; allowed: {}", known.join(", ")));
        }
        let metrics = if metrics.is_empty() { DEFAULT_METRICS.map(String::from).to_vec() } else { metrics.to_vec() };
        Ok(Precision { relative, metrics })
    }

    /// The largest relative 95 % half-width among the chosen metrics so far: 1.96 se / |mean|
    /// (infinite while a metric has no trials or a zero mean with any spread).
    pub fn achieved(&self, aggregate: &Aggregate) -> f64 {
        aggregate
            .headline()
            .iter()
            .filter(|(name, _)| self.metrics.iter().any(|m| m == name))
            .map(|(_, stats)| match stats {
                Some(s) if s.ci95[1] == s.ci95[0] => 0.0,
                Some(s) if s.mean != 0.0 => (s.ci95[1] - s.ci95[0]) / 2.0 / s.mean.abs(),
                _ => f64::INFINITY,
            })
            .fold(0.0, f64::max)
    }

    pub fn reached(&self, aggregate: &Aggregate) -> bool {
        self.achieved(aggregate) <= self.relative
    }
}
