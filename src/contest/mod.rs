//! The defender's choice against the attacker's: a defence that holds against the attacker's best
//! response, found by alternating best responses over a growing set of attacker strategies.
//!
//! `optimise` answers the defender's question for a fixed attacker. Decoys exist because the
//! attacker optimises too, so a defence bought against today's raids may fail against the raids
//! it provokes. Each round the defender's problem is solved against every attacker strategy found
//! so far, a candidate judged at its worst over them (a robust optimisation); then the attacker's
//! best response to that defence is searched for. The gap is how much that response beats the
//! best strategy already in the set against the same defence. When the gap is within the
//! tolerance the defence holds against everything the attacker's search can find; otherwise the
//! response joins the set and the defender solves again. Every run uses the same master seed
//! (common random numbers), so a difference between two candidates is the decision's effect.

use serde_json::Value;

use crate::engine::{self, Cancelled, Progress};
use crate::optimise::{Constraint, Decision, Evaluation, Objective, Problem, Solution, pin};
use crate::scenario::Scenario;

/// One side's problem: what it decides, what it pushes, what it must respect.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    pub decisions: &'a [Decision],
    pub objective: &'a Objective,
    pub constraints: &'a [Constraint],
}

/// What to solve.
#[derive(Clone, Copy)]
pub struct Contest<'a> {
    pub scenario: &'a Scenario,
    pub defender: Side<'a>,
    pub attacker: Side<'a>,
    /// Trials per candidate, and of the runs that confirm a winner and judge the gap.
    pub trials: u64,
    pub confirm_trials: u64,
    pub seed: u64,
    /// Converged when the attacker's best response beats the set by at most this fraction of
    /// the set's best payoff.
    pub tolerance: f64,
    pub max_rounds: usize,
    /// summary.json of a run of a scenario (the same builder `run` writes with).
    pub summarise: &'a (dyn Fn(&Scenario, &engine::Aggregate) -> Value + Sync),
    pub progress: &'a dyn Progress,
}

/// One round: the defence solved against the strategies so far, the attacker's answer to it.
pub struct Round {
    /// How many attacker strategies the defence was solved against.
    pub strategies: usize,
    /// The defender's robust solution (its figures at its worst over the strategies).
    pub defence: Solution,
    /// The attacker's best response to that defence, confirmed: its `summary` is the run of the
    /// defence against the response.
    pub response: Solution,
    /// The attacker's best payoff against this defence among the strategies already in the set,
    /// and which strategy gave it (`None`: no strategy in the set meets the attacker's constraints).
    pub best_in_set: Option<(usize, f64)>,
    /// How much the response beats the best in the set (in the attacker's favour; NaN when the
    /// attacker has nothing feasible in the set or found nothing feasible).
    pub gap: f64,
}

/// How the contest ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ending {
    /// The response beat the set by no more than the tolerance.
    Converged,
    /// The round limit came first.
    RoundLimit,
    /// The attacker found no strategy meeting its constraints.
    AttackerInfeasible,
    /// No defence meets the defender's constraints against the strategies found.
    DefenderInfeasible,
}

impl Ending {
    /// Its name in contest.json (`ending`).
    pub fn key(self) -> &'static str {
        match self {
            Ending::Converged => "converged",
            Ending::RoundLimit => "round_limit",
            Ending::AttackerInfeasible => "attacker_infeasible",
            Ending::DefenderInfeasible => "defender_infeasible",
        }
    }
}

/// The rounds played, the strategies collected and how it ended.
pub struct Outcome {
    pub rounds: Vec<Round>,
    /// The attacker strategies, in the order found; the first is the scenario's own.
    pub strategies: Vec<Vec<f64>>,
    pub ending: Ending,
}

impl Outcome {
    /// The last round: its defence is the contest's answer, its response the attacker's reply.
    pub fn last(&self) -> &Round {
        self.rounds.last().expect("a contest plays at least one round")
    }
}

/// A point of a best-response curve: the attacker's decision, its payoff and whether the attacker's
/// constraints hold there.
pub type CurvePoint = (f64, f64, bool);

impl Contest<'_> {
    /// The values a side's decisions take in the scenario as given (a distribution at its mean, a
    /// count rounded).
    pub fn own_values(&self, decisions: &[Decision]) -> Vec<f64> {
        decisions
            .iter()
            .map(|d| d.snap(self.scenario.param(&d.path).map_or(d.lo, |p| p.mean()).clamp(d.lo, d.hi), false))
            .collect()
    }

    fn problem<'p>(&'p self, scenarios: &'p [Scenario], side: Side<'p>) -> Problem<'p> {
        Problem {
            scenarios,
            decisions: side.decisions,
            objective: side.objective,
            constraints: side.constraints,
            trials: self.trials,
            seed: self.seed,
            summarise: self.summarise,
            progress: self.progress,
        }
    }

    /// The base scenario as the attacker's `strategy` makes it.
    fn attacked(&self, strategy: &[f64]) -> Scenario {
        pin(self.scenario, self.attacker.decisions, strategy)
    }

    /// The base scenario with the defence at `defence`.
    fn defended(&self, defence: &[f64]) -> Scenario {
        pin(self.scenario, self.defender.decisions, defence)
    }

    /// Plays rounds until the gap closes, a side has nothing feasible or the limit is reached.
    pub fn play(&self) -> Result<Outcome, Cancelled> {
        let mut strategies = vec![self.own_values(self.attacker.decisions)];
        let mut start = self.own_values(self.defender.decisions);
        let mut rounds = Vec::new();
        loop {
            let cases: Vec<Scenario> = strategies.iter().map(|s| self.attacked(s)).collect();
            let defence = self.problem(&cases, self.defender).solve(&start, self.confirm_trials)?;
            let defended = [self.defended(&defence.confirmed.values)];
            let attacker = self.problem(&defended, self.attacker);
            let judged: Vec<Evaluation> = strategies
                .iter()
                .map(|s| Ok(attacker.judge(s, &attacker.summaries(s, self.confirm_trials)?)))
                .collect::<Result<_, Cancelled>>()?;
            let best_in_set = best_feasible(&judged, self.attacker.objective);
            let from = best_in_set.map_or(&strategies[0], |(i, _)| &strategies[i]);
            let response = attacker.solve(from, self.confirm_trials)?;
            let gap = match best_in_set {
                Some((_, payoff)) if response.confirmed.feasible => {
                    self.attacker.objective.gain(response.confirmed.objective, payoff)
                }
                _ => f64::NAN,
            };
            // A strategy already in the set cannot beat the best of the set: the search found
            // nothing new. An infeasible defence only gets harder to mend as the set grows.
            let known = strategies.contains(&response.confirmed.values);
            let ending = if !response.confirmed.feasible {
                Some(Ending::AttackerInfeasible)
            } else if !defence.confirmed.feasible {
                Some(Ending::DefenderInfeasible)
            } else if known || best_in_set.is_some_and(|(_, payoff)| gap <= self.tolerance * payoff.abs()) {
                Some(Ending::Converged)
            } else if rounds.len() + 1 >= self.max_rounds {
                Some(Ending::RoundLimit)
            } else {
                None
            };
            start = defence.confirmed.values.clone();
            let found = response.confirmed.values.clone();
            rounds.push(Round { strategies: strategies.len(), defence, response, best_in_set, gap });
            if let Some(ending) = ending {
                return Ok(Outcome { rounds, strategies, ending });
            }
            strategies.push(found);
        }
    }

    /// The attacker's payoff along its first decision against the defence at `defence`, at
    /// `points` evenly spaced values of its range and at `reply`'s own value (the others at
    /// `reply`'s), in order; each at `confirm_trials`, as the rounds' replies are.
    pub fn curve(&self, defence: &[f64], reply: &[f64], points: usize) -> Result<Vec<CurvePoint>, Cancelled> {
        let defended = [self.defended(defence)];
        let attacker = self.problem(&defended, self.attacker);
        let first = &self.attacker.decisions[0];
        let mut xs: Vec<f64> = (0..points)
            .map(|i| first.snap(first.lo + (first.hi - first.lo) * i as f64 / (points.max(2) - 1) as f64, false))
            .chain(std::iter::once(reply[0]))
            .collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        xs.into_iter()
            .map(|x| {
                let mut values = reply.to_vec();
                values[0] = x;
                let judged = attacker.judge(&values, &attacker.summaries(&values, self.confirm_trials)?);
                Ok((x, judged.objective, judged.feasible))
            })
            .collect()
    }
}

/// The index and objective of the best feasible evaluation.
fn best_feasible(judged: &[Evaluation], objective: &Objective) -> Option<(usize, f64)> {
    judged.iter().enumerate().filter(|(_, e)| e.feasible).fold(None, |best, (i, e)| match best {
        Some((_, b)) if !objective.better(e.objective, b) => best,
        _ => Some((i, e.objective)),
    })
}
