//! optimise.json and optimise.csv: the problem, the confirmed winner with its figures, every
//! candidate evaluated, and the frontier when one was asked for.

use serde_json::{Map, Value, json};

use super::RunInfo;
use super::summary_json::identity;
use crate::optimise::{Constraint, Decision, Evaluation, Metric, Objective, Solution};

/// What was asked.
pub struct Asked<'a> {
    pub scenario: &'a str,
    pub decisions: &'a [Decision],
    pub objective: &'a Objective,
    pub constraints: &'a [Constraint],
}

/// One point of a frontier: the bound put on its metric and the problem solved under it.
pub struct FrontierPoint<'a> {
    pub bound: f64,
    pub solution: &'a Solution,
}

/// The decided fields as asked: `{path, low, high, whole}` each (shared with contest.json).
pub(super) fn decide(decisions: &[Decision]) -> Value {
    decisions.iter().map(|d| json!({"path": d.path, "low": d.lo, "high": d.hi, "whole": d.whole})).collect()
}

/// The decided fields' values, keyed by path (shared with contest.json).
pub(super) fn values(decisions: &[Decision], values: &[f64]) -> Value {
    Value::Object(decisions.iter().zip(values).map(|(d, v)| (d.path.clone(), json!(v))).collect())
}

fn evaluation(asked: &Asked, e: &Evaluation) -> Value {
    let constraints: Vec<Value> = asked
        .constraints
        .iter()
        .zip(&e.constraints)
        .map(|(c, &(estimate, judged))| {
            json!({"constraint": c.to_string(), "estimate": finite(estimate), "judged": finite(judged)})
        })
        .collect();
    json!({
        "values": values(asked.decisions, &e.values),
        "objective": finite(e.objective),
        "constraints": constraints,
        "feasible": e.feasible,
    })
}

/// A number, or null where it is not finite.
pub(super) fn finite(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

/// The confirmed winner: its values, feasibility and the figures of every metric named.
fn winner(asked: &Asked, solution: &Solution) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("feasible".into(), json!(solution.confirmed.feasible));
    out.insert("best".into(), values(asked.decisions, &solution.confirmed.values));
    out.insert("confirm_trials".into(), json!(solution.confirm_trials));
    let metrics: Map<String, Value> = std::iter::once(&asked.objective.metric.path)
        .chain(asked.constraints.iter().map(|c| &c.metric.path))
        .map(|path| (path.clone(), crate::results::figure(&solution.summary, path).clone()))
        .collect();
    out.insert("metrics".into(), Value::Object(metrics));
    out
}

pub fn json(
    info: &RunInfo,
    asked: &Asked,
    solution: &Solution,
    frontier: Option<(&Metric, &[FrontierPoint])>,
) -> Value {
    let mut root = identity(info, asked.scenario);
    root.insert(asked.objective.verb().into(), json!(asked.objective.metric.to_string()));
    root.insert("subject_to".into(), json!(asked.constraints.iter().map(|c| c.to_string()).collect::<Vec<_>>()));
    root.insert("decide".into(), decide(asked.decisions));
    root.extend(winner(asked, solution));
    let evaluations: Vec<Value> = solution.search.evaluations.iter().map(|e| evaluation(asked, e)).collect();
    root.insert("evaluations".into(), Value::Array(evaluations));
    if let Some((metric, points)) = frontier {
        let points: Vec<Value> = points
            .iter()
            .map(|p| {
                let mut point = Map::new();
                point.insert("bound".into(), json!(p.bound));
                point.insert("objective".into(), finite(p.solution.confirmed.objective));
                point.extend(winner(asked, p.solution));
                Value::Object(point)
            })
            .collect();
        root.insert("frontier".into(), json!({"metric": metric.to_string(), "points": points}));
    }
    Value::Object(root)
}

/// optimise.csv: one row per candidate, in the order evaluated.
pub fn csv(out: &mut Vec<u8>, asked: &Asked, evaluations: &[Evaluation]) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let mut header = vec!["evaluation".to_string()];
    header.extend(asked.decisions.iter().map(|d| d.path.clone()));
    header.push(asked.objective.metric.to_string());
    header.extend(asked.constraints.iter().map(|c| c.metric.to_string()));
    header.push("feasible".into());
    writer.write_record(&header)?;
    for (index, e) in evaluations.iter().enumerate() {
        let mut row = vec![(index + 1).to_string()];
        row.extend(e.values.iter().map(|v| v.to_string()));
        row.push(e.objective.to_string());
        row.extend(e.constraints.iter().map(|(estimate, _)| estimate.to_string()));
        row.push(e.feasible.to_string());
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}
