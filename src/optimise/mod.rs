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
    pub scenario: &'a Scenario,
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
    /// The objective's estimate.
    pub objective: f64,
    /// Each constraint's metric: its estimate and the end of its interval the constraint judges.
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
    /// The scenario with every decision pinned at `values`.
    pub fn pinned(&self, values: &[f64]) -> Scenario {
        let mut out = self.scenario.clone();
        for (decision, &value) in self.decisions.iter().zip(values) {
            out = crate::sensitivity::pinned(&out, &decision.path, value)
                .expect("decisions were checked against the scenario");
        }
        out
    }

    /// summary.json of a run at `values` with `trials` trials.
    pub fn summary(&self, values: &[f64], trials: u64) -> Result<Value, Cancelled> {
        let scenario = self.pinned(values);
        let aggregate = engine::run(&scenario, trials, self.seed, self.progress)?;
        Ok((self.summarise)(&scenario, &aggregate))
    }

    /// The candidate at `values` judged from its summary.
    pub fn judge(&self, values: &[f64], summary: &Value) -> Evaluation {
        let objective = self.objective.estimate(summary);
        let constraints: Vec<(f64, f64)> = self
            .constraints
            .iter()
            .map(|c| (c.metric.estimate(summary).unwrap_or(f64::NAN), c.judged(summary)))
            .collect();
        let violation: f64 = self.constraints.iter().zip(&constraints).map(|(c, &(_, judged))| c.miss(judged)).sum();
        Evaluation { values: values.to_vec(), objective, constraints, feasible: violation == 0.0, violation }
    }

    /// Compass search from `start` (clamped into the box).
    pub fn search(&self, start: &[f64]) -> Result<Search, Cancelled> {
        let mut evaluations: Vec<Evaluation> = Vec::new();
        let mut seen: HashMap<Vec<u64>, usize> = HashMap::new();
        let mut evaluate = |values: Vec<f64>, evaluations: &mut Vec<Evaluation>| -> Result<usize, Cancelled> {
            let key: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
            if let Some(&index) = seen.get(&key) {
                return Ok(index);
            }
            let summary = self.summary(&values, self.trials)?;
            evaluations.push(self.judge(&values, &summary));
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
    /// summary.json of the confirming run.
    pub summary: Value,
    pub confirm_trials: u64,
}

impl Problem<'_> {
    /// Searches from `start`, then confirms the winner with `confirm_trials` trials.
    pub fn solve(&self, start: &[f64], confirm_trials: u64) -> Result<Solution, Cancelled> {
        let search = self.search(start)?;
        let values = search.evaluations[search.best].values.clone();
        let summary = self.summary(&values, confirm_trials)?;
        Ok(Solution { confirmed: self.judge(&values, &summary), search, summary, confirm_trials })
    }
}

impl FitSpec {
    /// `value` as the decision takes it: whole numbers for a count (a step at least 1).
    fn snap(&self, value: f64, step: bool) -> f64 {
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
