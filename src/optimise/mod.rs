//! What to buy, or how to attack: the cheapest defence (or the lowest or highest of any summary.json
//! metric) over decided fields, subject to constraints that must hold at the end of their 95 %
//! confidence interval hardest to meet.
//!
//! Every candidate runs with the same master seed, so candidates share their random numbers and
//! the objective is a deterministic function of the decision: a difference between two candidates
//! is the decision's effect, not noise. The search is a compass (pattern) search on the box of the
//! decisions: poll each decision up and down by its step, move to the best neighbour, halve the
//! steps when none improves; whole-number decisions step by whole numbers down to 1. It needs no
//! gradient, handles integers and a feasibility boundary, and with common random numbers it
//! converges on the boundary the constraint draws. Candidates are ranked feasible first, then by
//! objective; infeasible ones by how far they miss. The winner is confirmed by a run at more
//! trials, whose figures are the ones reported.

mod metric;

use std::collections::HashMap;

use serde_json::Value;

use crate::backtest::fit::FitSpec;
use crate::engine::{self, Cancelled, Progress};
use crate::scenario::Scenario;

pub use metric::{Constraint, Goal, Metric, Objective, Sense};

/// Most candidates one search evaluates.
pub const MAX_EVALUATIONS: usize = 400;

/// A decided field: a `--set` path within bounds (`whole` for counts).
pub type Decision = FitSpec;

/// What to solve.
#[derive(Clone, Copy)]
pub struct Problem<'a> {
    /// The scenarios a candidate is judged in, at its worst over them: one for `optimise`; for the
    /// defender's side of `contest`, the scenario as each attacker strategy found so far makes it.
    pub scenarios: &'a [Scenario],
    pub decisions: &'a [Decision],
    pub objective: &'a Objective,
    pub constraints: &'a [Constraint],
    pub trials: u64,
    pub seed: u64,
    /// summary.json of a run of a scenario (the same builder `run` writes with).
    pub summarise: &'a (dyn Fn(&Scenario, &engine::Aggregate) -> Value + Sync),
    pub progress: &'a dyn Progress,
}

/// One evaluated candidate.
#[derive(Clone, Debug)]
pub struct Evaluation {
    pub values: Vec<f64>,
    /// The objective's estimate, at its worst over the problem's scenarios.
    pub objective: f64,
    /// Which of the problem's scenarios gave that objective.
    pub case: usize,
    /// Each constraint's metric, in the scenario where the constraint is hardest to meet: its
    /// estimate and the end of its interval the constraint judges.
    pub constraints: Vec<(f64, f64)>,
    pub feasible: bool,
    /// Sum of the constraints' relative misses (0 when feasible).
    pub violation: f64,
}

impl Evaluation {
    /// Feasible first, then the better objective; infeasible ones by the smaller miss.
    pub fn better_than(&self, other: &Evaluation, objective: &Objective) -> bool {
        match (self.feasible, other.feasible) {
            (true, false) => true,
            (false, true) => false,
            (true, true) => objective.better(self.objective, other.objective),
            (false, false) => self.violation < other.violation,
        }
    }
}

/// A search's result: every candidate in the order evaluated, and the index of the best.
pub struct Search {
    pub evaluations: Vec<Evaluation>,
    pub best: usize,
}

impl Problem<'_> {
    /// Each of the problem's scenarios with every decision pinned at `values`.
    pub fn pinned(&self, values: &[f64]) -> Vec<Scenario> {
        self.scenarios.iter().map(|scenario| pin(scenario, self.decisions, values)).collect()
    }

    /// summary.json of a run at `values` with `trials` trials, one per scenario.
    pub fn summaries(&self, values: &[f64], trials: u64) -> Result<Vec<Value>, Cancelled> {
        self.pinned(values)
            .iter()
            .map(|scenario| {
                let aggregate = engine::run(scenario, trials, self.seed, self.progress)?;
                Ok((self.summarise)(scenario, &aggregate))
            })
            .collect()
    }

    /// The candidate at `values` judged from its summaries (one per scenario) at its worst: the
    /// objective where it is worst, each constraint where it is hardest to meet.
    pub fn judge(&self, values: &[f64], summaries: &[Value]) -> Evaluation {
        let objectives: Vec<f64> = summaries.iter().map(|s| self.objective.estimate(s)).collect();
        let case = (0..objectives.len())
            .fold(0, |worst, i| if self.objective.better(objectives[worst], objectives[i]) { i } else { worst });
        let constraints: Vec<(f64, f64)> = self
            .constraints
            .iter()
            .map(|c| {
                let judged: Vec<f64> = summaries.iter().map(|s| c.judged(s)).collect();
                let hardest = (0..judged.len()).fold(0, |h, i| if c.harder(judged[i], judged[h]) { i } else { h });
                (c.metric.estimate(&summaries[hardest]).unwrap_or(f64::NAN), judged[hardest])
            })
            .collect();
        let violation: f64 = self.constraints.iter().zip(&constraints).map(|(c, &(_, judged))| c.miss(judged)).sum();
        Evaluation {
            values: values.to_vec(),
            objective: objectives[case],
            case,
            constraints,
            feasible: violation == 0.0,
            violation,
        }
    }

    /// Compass search from `start` (clamped into the box).
    pub fn search(&self, start: &[f64]) -> Result<Search, Cancelled> {
        let mut evaluations: Vec<Evaluation> = Vec::new();
        let mut seen: HashMap<Vec<i64>, usize> = HashMap::new();
        let mut evaluate = |values: Vec<f64>, evaluations: &mut Vec<Evaluation>| -> Result<usize, Cancelled> {
            // Steps up and down from a start off the steps' grid drift in the last bits
            // (1.22 + 1 − 1 ≠ 1.22): a billionth of the range tells candidates apart.
            let key: Vec<i64> = values
                .iter()
                .zip(self.decisions)
                .map(|(v, d)| ((v - d.lo) / (d.hi - d.lo).max(f64::MIN_POSITIVE) * 1e9).round() as i64)
                .collect();
            if let Some(&index) = seen.get(&key) {
                return Ok(index);
            }
            let summaries = self.summaries(&values, self.trials)?;
            evaluations.push(self.judge(&values, &summaries));
            seen.insert(key, evaluations.len() - 1);
            Ok(evaluations.len() - 1)
        };
        let mut steps: Vec<f64> = self.decisions.iter().map(|d| d.snap((d.hi - d.lo) / 4.0, true)).collect();
        let start: Vec<f64> =
            self.decisions.iter().zip(start).map(|(d, &v)| d.snap(v.clamp(d.lo, d.hi), false)).collect();
        let mut best = evaluate(start, &mut evaluations)?;
        while evaluations.len() < MAX_EVALUATIONS {
            let centre = evaluations[best].values.clone();
            let mut improved = None;
            for (i, decision) in self.decisions.iter().enumerate() {
                for direction in [-1.0, 1.0] {
                    let mut values = centre.clone();
                    values[i] =
                        decision.snap((centre[i] + direction * steps[i]).clamp(decision.lo, decision.hi), false);
                    if values[i] == centre[i] {
                        continue;
                    }
                    let index = evaluate(values, &mut evaluations)?;
                    let leader = improved.unwrap_or(best);
                    if evaluations[index].better_than(&evaluations[leader], self.objective) {
                        improved = Some(index);
                    }
                }
            }
            match improved {
                Some(index) => best = index,
                None if self.decisions.iter().zip(&steps).all(|(d, &s)| d.finest(s)) => break,
                None => steps = self.decisions.iter().zip(&steps).map(|(d, &s)| d.snap(s / 2.0, true)).collect(),
            }
        }
        Ok(Search { evaluations, best })
    }
}

/// A solved problem: the search, and its winner confirmed by a run at more trials.
pub struct Solution {
    pub search: Search,
    /// The winner judged on its confirming run: the figures reported.
    pub confirmed: Evaluation,
    /// summary.json of the confirming run (in the scenario that gave the winner's objective).
    pub summary: Value,
    pub confirm_trials: u64,
}

impl Problem<'_> {
    /// Searches from `start`, then confirms the winner with `confirm_trials` trials.
    pub fn solve(&self, start: &[f64], confirm_trials: u64) -> Result<Solution, Cancelled> {
        let search = self.search(start)?;
        let values = search.evaluations[search.best].values.clone();
        let mut summaries = self.summaries(&values, confirm_trials)?;
        let confirmed = self.judge(&values, &summaries);
        let summary = summaries.swap_remove(confirmed.case);
        Ok(Solution { confirmed, search, summary, confirm_trials })
    }
}

/// `scenario` with each decision pinned at its value.
pub fn pin(scenario: &Scenario, decisions: &[Decision], values: &[f64]) -> Scenario {
    let mut out = scenario.clone();
    for (decision, &value) in decisions.iter().zip(values) {
        out = crate::sensitivity::pinned(&out, &decision.path, value)
            .expect("decisions were checked against the scenario");
    }
    out
}

impl FitSpec {
    /// `value` as the decision takes it: whole numbers for a count (a step at least 1).
    pub(crate) fn snap(&self, value: f64, step: bool) -> f64 {
        match (self.whole, step) {
            (true, true) => value.round().max(1.0),
            (true, false) => value.round(),
            (false, _) => value,
        }
    }

    /// Whether a step of `step` is as fine as the search goes: 1 for a count, a thousandth of the
    /// range otherwise.
    fn finest(&self, step: f64) -> bool {
        if self.whole { step <= 1.0 } else { step <= (self.hi - self.lo) / 1000.0 }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_candidate_is_judged_at_its_worst_over_the_scenarios() {
        let objective = Objective { metric: Metric::parse("defence_cost_usd").unwrap(), goal: Goal::Minimise };
        let constraints = [Constraint::parse("leak_rate<=0.1").unwrap(), Constraint::parse("damage_usd>=5").unwrap()];
        let summarise = |_: &Scenario, _: &engine::Aggregate| Value::Null;
        let problem = Problem {
            scenarios: &[],
            decisions: &[],
            objective: &objective,
            constraints: &constraints,
            trials: 1,
            seed: 1,
            summarise: &summarise,
            progress: &engine::Silent,
        };
        let case = |cost: f64, leak: f64, damage: f64| {
            json!({
                "defence_cost_usd": {"mean": cost, "ci95": [cost, cost]},
                "leak_rate": {"mean": leak, "ci95": [leak - 0.01, leak + 0.01]},
                "damage_usd": {"mean": damage, "ci95": [damage - 1.0, damage + 1.0]},
            })
        };
        let judged = problem.judge(&[], &[case(10.0, 0.05, 9.0), case(30.0, 0.08, 7.0), case(20.0, 0.12, 8.0)]);
        assert_eq!((judged.objective, judged.case), (30.0, 1), "the highest cost of the three");
        assert_eq!(judged.constraints[0], (0.12, 0.13), "the leak rate where it is highest, at its CI's top");
        assert_eq!(judged.constraints[1], (7.0, 6.0), "the damage where it is lowest, at its CI's bottom");
        assert!(!judged.feasible && (judged.violation - 0.03 / 0.1).abs() < 1e-12);
        let maximise = Objective { goal: Goal::Maximise, ..objective.clone() };
        let judged =
            Problem { objective: &maximise, ..problem }.judge(&[], &[case(10.0, 0.05, 9.0), case(5.0, 0.0, 9.0)]);
        assert_eq!((judged.objective, judged.case), (5.0, 1), "maximising, the worst is the lowest");
        assert!(judged.feasible);
    }
}
