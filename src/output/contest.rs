//! contest.json and contest.csv: the two problems as asked, every round (the defence, the
//! attacker's reply, the gap), the final defence and reply with their figures, and the
//! best-response curves.

use serde_json::{Map, Value, json};

use super::RunInfo;
use super::optimise::{decide, finite, values};
use super::summary_json::identity;
use crate::contest::{Contest, CurvePoint, Ending, Outcome, Side};

/// The attacker's payoff along its first decision, at the nominal defence (round 1's, solved
/// against the scenario's own attack) and at the final one.
pub struct Curves {
    pub nominal: Vec<CurvePoint>,
    pub robust: Vec<CurvePoint>,
}

fn side(side: &Side) -> Value {
    let mut out = Map::new();
    out.insert("decide".into(), decide(side.decisions));
    out.insert(side.objective.verb().into(), json!(side.objective.metric.to_string()));
    out.insert("subject_to".into(), json!(side.constraints.iter().map(|c| c.to_string()).collect::<Vec<_>>()));
    Value::Object(out)
}

/// Every metric either side names, by path, in the order named.
fn named_paths(contest: &Contest) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    for side in [&contest.defender, &contest.attacker] {
        let named = std::iter::once(&side.objective.metric).chain(side.constraints.iter().map(|c| &c.metric));
        for metric in named {
            if !paths.contains(&metric.path) {
                paths.push(metric.path.clone());
            }
        }
    }
    paths
}

fn metrics(contest: &Contest, summary: &Value) -> Value {
    let figures: Map<String, Value> = named_paths(contest)
        .into_iter()
        .map(|path| {
            let figure = crate::results::figure(summary, &path).clone();
            (path, figure)
        })
        .collect();
    Value::Object(figures)
}

fn curve(points: &[CurvePoint]) -> Value {
    points
        .iter()
        .map(|&(x, payoff, feasible)| json!({"value": x, "payoff": finite(payoff), "feasible": feasible}))
        .collect()
}

pub fn json(info: &RunInfo, contest: &Contest, outcome: &Outcome, curves: &Curves) -> Value {
    let mut root = identity(info, &contest.scenario.name);
    root.insert("confirm_trials".into(), json!(contest.confirm_trials));
    root.insert("tolerance".into(), json!(contest.tolerance));
    root.insert("max_rounds".into(), json!(contest.max_rounds));
    root.insert("defender".into(), side(&contest.defender));
    root.insert("attacker".into(), side(&contest.attacker));
    let (defender, attacker) = (contest.defender.decisions, contest.attacker.decisions);
    let rounds: Vec<Value> = outcome
        .rounds
        .iter()
        .enumerate()
        .map(|(i, round)| {
            json!({
                "round": i + 1,
                "strategies": round.strategies,
                "defence": values(defender, &round.defence.confirmed.values),
                "defender_objective": finite(round.defence.confirmed.objective),
                "defender_feasible": round.defence.confirmed.feasible,
                "attacker": values(attacker, &round.response.confirmed.values),
                "attacker_payoff": finite(round.response.confirmed.objective),
                "attacker_feasible": round.response.confirmed.feasible,
                "best_in_set": round.best_in_set.map_or(Value::Null, |(_, payoff)| finite(payoff)),
                "gap": finite(round.gap),
                "metrics": metrics(contest, &round.response.summary),
            })
        })
        .collect();
    root.insert("rounds".into(), Value::Array(rounds));
    let (first, last) = (&outcome.rounds[0], outcome.last());
    root.insert(
        "final".into(),
        json!({
            "defence": values(defender, &last.defence.confirmed.values),
            "attacker": values(attacker, &last.response.confirmed.values),
            "defender_feasible": last.defence.confirmed.feasible,
            "metrics": metrics(contest, &last.response.summary),
        }),
    );
    root.insert(
        "nominal".into(),
        json!({
            "defence": values(defender, &first.defence.confirmed.values),
            "defender_objective": finite(first.defence.confirmed.objective),
            "attacker": values(attacker, &first.response.confirmed.values),
            "attacker_payoff": finite(first.response.confirmed.objective),
        }),
    );
    let robustness = last.defence.confirmed.objective - first.defence.confirmed.objective;
    root.insert("robustness_cost".into(), finite(robustness));
    root.insert(
        "curve".into(),
        json!({
            "decision": attacker[0].path,
            "nominal": curve(&curves.nominal),
            "robust": curve(&curves.robust),
        }),
    );
    root.insert("converged".into(), json!(outcome.ending == Ending::Converged));
    root.insert("ending".into(), json!(outcome.ending.key()));
    Value::Object(root)
}

/// contest.csv: one row per round.
pub fn csv(out: &mut Vec<u8>, contest: &Contest, outcome: &Outcome) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let mut header = vec!["round".to_string(), "strategies".to_string()];
    header.extend(contest.defender.decisions.iter().map(|d| d.path.clone()));
    header.push(format!("defender:{}", contest.defender.objective.metric));
    header.push("defender_feasible".into());
    header.extend(contest.attacker.decisions.iter().map(|d| d.path.clone()));
    header.push(format!("attacker:{}", contest.attacker.objective.metric));
    header.extend(["best_in_set".to_string(), "gap".to_string()]);
    writer.write_record(&header)?;
    for (i, round) in outcome.rounds.iter().enumerate() {
        let mut row = vec![(i + 1).to_string(), round.strategies.to_string()];
        row.extend(round.defence.confirmed.values.iter().map(|v| v.to_string()));
        row.push(round.defence.confirmed.objective.to_string());
        row.push(round.defence.confirmed.feasible.to_string());
        row.extend(round.response.confirmed.values.iter().map(|v| v.to_string()));
        row.push(round.response.confirmed.objective.to_string());
        row.push(round.best_in_set.map_or(String::new(), |(_, payoff)| payoff.to_string()));
        row.push(if round.gap.is_nan() { String::new() } else { round.gap.to_string() });
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}
