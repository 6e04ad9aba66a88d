//! Metrics and constraints of `optimise`, named by their summary.json path: `leak_rate`,
//! `layers.nasams.p_exhausted`, `damage_usd:p95`. A metric is the mean unless a statistic is
//! named; a constraint on a mean is judged at the end of its 95 % confidence interval that is
//! hardest to meet, one on a percentile at the percentile itself.

use serde_json::Value;

/// Which figure of a metric's statistics.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Statistic {
    Mean,
    P5,
    P50,
    P95,
}

impl Statistic {
    const NAMES: [(&'static str, Statistic); 4] =
        [("mean", Statistic::Mean), ("p5", Statistic::P5), ("p50", Statistic::P50), ("p95", Statistic::P95)];

    fn key(self) -> &'static str {
        Self::NAMES.iter().find(|(_, s)| *s == self).map_or("mean", |(name, _)| name)
    }
}

/// A summary.json figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    pub path: String,
    pub statistic: Statistic,
}

impl Metric {
    /// Parses `PATH` or `PATH:STAT` (STAT one of mean, p5, p50, p95).
    pub fn parse(text: &str) -> Result<Metric, String> {
        let (path, statistic) = match text.trim().split_once(':') {
            None => (text.trim(), Statistic::Mean),
            Some((path, stat)) => {
                let statistic = Statistic::NAMES
                    .iter()
                    .find(|(name, _)| *name == stat.trim())
                    .map(|(_, s)| *s)
                    .ok_or_else(|| format!("unknown statistic `{}` (allowed: mean, p5, p50, p95)", stat.trim()))?;
                (path.trim(), statistic)
            }
        };
        if path.is_empty() {
            return Err("the metric's path is empty".into());
        }
        Ok(Metric { path: path.to_string(), statistic })
    }

    /// Its statistics object in `summary`, if summary.json has this figure.
    fn stats<'a>(&self, summary: &'a Value) -> Option<&'a Value> {
        let value = crate::results::figure(summary, &self.path);
        value.get("mean").map(|_| value)
    }

    /// `Err` names the metric and what summary.json offers, if it has no such figure.
    pub fn check(&self, summary: &Value) -> Result<(), String> {
        let known = self.stats(summary).is_some() || is_optional_figure(summary, &self.path);
        if known {
            return Ok(());
        }
        Err(format!(
            "summary.json has no figure `{}` (e.g. defence_cost_usd, defender_spend_usd, leak_rate, damage_usd, \
             layers.<layer>.p_exhausted, layers.<layer>.fielding_cost_usd, threats.<threat>.leaked)",
            self.path
        ))
    }

    /// The figure's estimate (`None` where summary.json has it null: no trial contributed).
    pub fn estimate(&self, summary: &Value) -> Option<f64> {
        self.stats(summary)?[self.statistic.key()].as_f64()
    }

    /// The ends of its uncertainty: the 95 % CI of a mean, the percentile itself otherwise.
    fn interval(&self, summary: &Value) -> Option<(f64, f64)> {
        let stats = self.stats(summary)?;
        match self.statistic {
            Statistic::Mean => Some((stats["ci95"][0].as_f64()?, stats["ci95"][1].as_f64()?)),
            _ => self.estimate(summary).map(|v| (v, v)),
        }
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.statistic {
            Statistic::Mean => write!(f, "{}", self.path),
            other => write!(f, "{}:{}", self.path, other.key()),
        }
    }
}

/// Which way the objective is pushed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Goal {
    Minimise,
    Maximise,
}

/// What a search optimises: a metric and the way it is pushed (the defender minimises a cost, the
/// attacker maximises what the defence pays or lets through).
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    pub metric: Metric,
    pub goal: Goal,
}

impl Objective {
    /// Whether the objective `a` is strictly better than `b`.
    pub fn better(&self, a: f64, b: f64) -> bool {
        match self.goal {
            Goal::Minimise => a < b,
            Goal::Maximise => a > b,
        }
    }

    /// How much `a` improves on `b` in the goal's direction (negative when it is worse).
    pub fn gain(&self, a: f64, b: f64) -> f64 {
        match self.goal {
            Goal::Minimise => b - a,
            Goal::Maximise => a - b,
        }
    }

    /// The objective of a candidate whose figure is null: worse than any number.
    pub fn worst(&self) -> f64 {
        match self.goal {
            Goal::Minimise => f64::INFINITY,
            Goal::Maximise => f64::NEG_INFINITY,
        }
    }

    /// The option that asked for it, without dashes: `minimise` or `maximise`.
    pub fn verb(&self) -> &'static str {
        match self.goal {
            Goal::Minimise => "minimise",
            Goal::Maximise => "maximise",
        }
    }

    /// The objective's estimate in `summary` ([`Objective::worst`] where the figure is null).
    pub fn estimate(&self, summary: &Value) -> f64 {
        self.metric.estimate(summary).unwrap_or(self.worst())
    }
}

/// A figure summary.json may hold as null (a layer's exhaustion night where it never ran dry).
fn is_optional_figure(summary: &Value, path: &str) -> bool {
    path.rsplit_once('.')
        .is_some_and(|(parent, field)| crate::results::figure(summary, parent).get(field).is_some_and(Value::is_null))
}

/// Which side of its bound a constraint keeps a metric.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sense {
    AtMost,
    AtLeast,
}

/// `METRIC<=X` or `METRIC>=X`.
#[derive(Clone, Debug, PartialEq)]
pub struct Constraint {
    pub metric: Metric,
    pub sense: Sense,
    pub bound: f64,
}

impl Constraint {
    pub fn parse(text: &str) -> Result<Constraint, String> {
        let (metric, sense, bound) = if let Some((m, b)) = text.split_once("<=") {
            (m, Sense::AtMost, b)
        } else if let Some((m, b)) = text.split_once(">=") {
            (m, Sense::AtLeast, b)
        } else {
            return Err("expected METRIC<=X or METRIC>=X, e.g. leak_rate<=0.1".into());
        };
        let bound = bound
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|b| b.is_finite())
            .ok_or_else(|| format!("the bound `{}` is not a finite number", bound.trim()))?;
        Ok(Constraint { metric: Metric::parse(metric)?, sense, bound })
    }

    /// The value the constraint judges: the end of the metric's interval hardest to meet (NaN if
    /// the figure is null).
    pub fn judged(&self, summary: &Value) -> f64 {
        match (self.metric.interval(summary), self.sense) {
            (Some((_, high)), Sense::AtMost) => high,
            (Some((low, _)), Sense::AtLeast) => low,
            (None, _) => f64::NAN,
        }
    }

    /// Whether the judged value `a` is harder to meet than `b` (a null figure, NaN, hardest).
    pub fn harder(&self, a: f64, b: f64) -> bool {
        let hardness = |x: f64| match (x.is_nan(), self.sense) {
            (true, _) => f64::INFINITY,
            (false, Sense::AtMost) => x,
            (false, Sense::AtLeast) => -x,
        };
        hardness(a) > hardness(b)
    }

    /// How far `judged` misses the bound, relative to it (0 when met; 1 for a null figure).
    pub fn miss(&self, judged: f64) -> f64 {
        if judged.is_nan() {
            return 1.0;
        }
        let over = match self.sense {
            Sense::AtMost => judged - self.bound,
            Sense::AtLeast => self.bound - judged,
        };
        over.max(0.0) / self.bound.abs().max(1e-9)
    }
}

impl std::fmt::Display for Constraint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = if self.sense == Sense::AtMost { "<=" } else { ">=" };
        write!(f, "{}{op}{}", self.metric, self.bound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_and_constraints_parse_and_judge_at_the_hard_end_of_the_interval() {
        let summary = serde_json::json!({"leak_rate": {"mean": 0.1, "ci95": [0.09, 0.11], "p95": 0.2}});
        let c = Constraint::parse("leak_rate<=0.105").unwrap();
        assert_eq!(c.judged(&summary), 0.11);
        assert!((c.miss(c.judged(&summary)) - 0.005 / 0.105).abs() < 1e-12);
        let c = Constraint::parse("leak_rate >= 0.08").unwrap();
        assert_eq!((c.judged(&summary), c.miss(0.09)), (0.09, 0.0));
        let p95 = Metric::parse("leak_rate:p95").unwrap();
        assert_eq!(p95.estimate(&summary), Some(0.2));
        assert!(Metric::parse("leak_rate:p99").is_err());
        assert!(Constraint::parse("leak_rate<0.1").is_err());
        assert!(Metric::parse("lek_rate").unwrap().check(&summary).is_err());
    }

    #[test]
    fn an_objective_ranks_by_its_goal_and_puts_a_null_figure_last() {
        let metric = Metric::parse("damage_usd").unwrap();
        let low = Objective { metric: metric.clone(), goal: Goal::Minimise };
        let high = Objective { metric, goal: Goal::Maximise };
        assert!(low.better(1.0, 2.0) && !low.better(2.0, 1.0) && !low.better(1.0, 1.0));
        assert!(high.better(2.0, 1.0) && !high.better(1.0, 2.0) && !high.better(1.0, 1.0));
        let null = serde_json::json!({"damage_usd": {"mean": null}});
        assert!(low.better(1e300, low.estimate(&null)));
        assert!(high.better(-1e300, high.estimate(&null)));
        assert_eq!((low.verb(), high.verb()), ("minimise", "maximise"));
        assert_eq!((low.gain(1.0, 3.0), high.gain(1.0, 3.0)), (2.0, -2.0));
    }
}
