//! summary.json: the run's identity and every headline tally (docs/formats.md).

use serde_json::{Map, Value, json};

use super::RunInfo;
use crate::engine::Aggregate;
use crate::scenario::Scenario;
use crate::stats::{Stats, Tally};

/// `{mean, se, ci95: [lo, hi], p5, p50, p95, n}`, or null when no trial contributed: how
/// summary.json and sweep.json write every statistic.
pub fn stats_json(stats: Option<Stats>) -> Value {
    stats.map_or(
        Value::Null,
        |s| json!({ "mean": s.mean, "se": s.se, "ci95": s.ci95, "p5": s.p5, "p50": s.p50, "p95": s.p95, "n": s.n }),
    )
}

/// What identifies a run in every JSON file salvosim writes: scenario name and hash, seed, trials,
/// version, in that order.
pub fn identity(info: &RunInfo, scenario: &str) -> Map<String, Value> {
    let mut root = Map::new();
    root.insert("scenario".into(), json!(scenario));
    root.insert("scenario_hash".into(), json!(info.scenario_hash));
    root.insert("seed".into(), json!(info.seed));
    root.insert("trials".into(), json!(info.trials));
    root.insert("version".into(), json!(info.version));
    root
}

fn stats(tally: &Tally) -> Value {
    stats_json(tally.stats())
}

/// How the means of `damage_usd` and `cost_exchange_ratio_with_damage` were tallied: from the
/// damage expected given the leakers where every strike threat's damage per leaker has a
/// closed-form mean, otherwise from the damage drawn.
fn damage_mean(scenario: &Scenario) -> &'static str {
    if scenario.damage_per_leaker_usd().is_some() { "expected" } else { "drawn" }
}

/// Which drawn parameters of `scenario` corrected the headline means (see `Aggregate::controlled`),
/// and by how much each mean's variance fell (`null`: that mean is the plain one).
fn control_variates(scenario: &Scenario, aggregate: &Aggregate) -> Value {
    let ratios: Map<String, Value> = Aggregate::headline_names()
        .iter()
        .enumerate()
        .map(|(i, name)| (name.to_string(), json!(aggregate.controlled(i).map(|c| c.variance_ratio))))
        .collect();
    let paths: Vec<String> = crate::engine::controls::controls(scenario).into_iter().map(|c| c.path).collect();
    json!({ "controls": paths, "variance_ratio": ratios })
}

/// summary.json of a run of `scenario`, built with the `--set`s `sets`.
pub fn summary(info: &RunInfo, scenario: &Scenario, sets: &[String], aggregate: &Aggregate) -> Value {
    let mut root = Map::new();
    root.insert("scenario".into(), json!(scenario.name));
    root.insert("scenario_hash".into(), json!(info.scenario_hash));
    root.insert("seed".into(), json!(info.seed));
    root.insert("trials".into(), json!(aggregate.trials));
    root.insert("nights".into(), json!(scenario.nights));
    root.insert("version".into(), json!(info.version));
    root.insert("sets".into(), json!(sets));
    if let Some(precision) = &info.precision {
        let achieved = precision.achieved(aggregate);
        root.insert(
            "precision".into(),
            json!({
                "target": precision.relative,
                "metrics": precision.metrics,
                "achieved": if achieved.is_finite() { json!(achieved) } else { Value::Null },
                "reached": precision.reached(aggregate),
                "trials_cap": info.trials,
            }),
        );
    }
    let phases: Vec<Value> = scenario
        .plan
        .phases
        .iter()
        .filter(|p| p.first <= p.last)
        .map(|p| {
            let mut phase = json!({ "name": p.name, "nights": [p.first, p.last] });
            if let Some([from, to]) = p.dates {
                phase["dates"] = json!([from.to_string(), to.to_string()]);
            }
            phase
        })
        .collect();
    root.insert("phases".into(), Value::Array(phases));
    if !scenario.plan.dates.is_empty() {
        let dates: Vec<String> = scenario.plan.dates.iter().map(|d| d.to_string()).collect();
        root.insert("dates".into(), json!(dates));
    }
    for (name, stats) in aggregate.headline() {
        root.insert(name.into(), stats_json(stats));
    }
    root.insert("damage_mean".into(), json!(damage_mean(scenario)));
    root.insert("control_variates".into(), control_variates(scenario, aggregate));
    root.insert("defence_cost_usd".into(), stats(&aggregate.defence_cost_usd));
    let threats: Map<String, Value> = scenario
        .threats
        .iter()
        .zip(&aggregate.threats)
        .map(|(threat, t)| {
            let value = json!({
                "label": threat.label,
                "decoy": threat.decoy,
                "kind": threat.kind,
                "unit_cost_usd": stats(&t.unit_cost_usd),
                "launched": stats(&t.launched),
                "ew_defeated": stats(&t.ew_defeated),
                "killed": stats(&t.killed),
                "leaked": stats(&t.leaked),
            });
            (threat.name.clone(), value)
        })
        .collect();
    root.insert("threats".into(), Value::Object(threats));
    let layout = crate::engine::NightLayout::new(scenario);
    let layers: Map<String, Value> = scenario
        .layers
        .iter()
        .zip(&aggregate.layers)
        .enumerate()
        .map(|(index, (layer, l))| {
            let by_threat: Map<String, Value> = layout
                .pairs
                .iter()
                .zip(&aggregate.pairs)
                .filter(|((pair_layer, _), _)| *pair_layer == index)
                .map(|(&(_, kind), p)| {
                    let value = json!({
                        "rounds": stats(&p.rounds),
                        "kills": stats(&p.kills),
                        "spend_usd": stats(&p.spend_usd),
                        "cost_per_kill_usd": stats(&p.cost_per_kill_usd),
                    });
                    (scenario.threats[kind].name.clone(), value)
                })
                .collect();
            let finite = layer.stock.is_some();
            let p_exhausted =
                if finite { stats_json(Stats::of_share(l.exhausted_trials, aggregate.trials)) } else { Value::Null };
            let value = json!({
                "label": layer.label,
                "rounds": stats(&l.rounds),
                "kills": stats(&l.kills),
                "spend_usd": stats(&l.spend_usd),
                "cost_per_kill_usd": stats(&l.cost_per_kill_usd),
                "fielding_cost_usd": stats(&l.fielding_cost_usd),
                "final_stock": stats(&l.final_stock),
                "reserve": stats(&l.reserve),
                "p_exhausted": p_exhausted,
                "exhaustion_night": stats(&l.exhaustion_night),
                "by_threat": by_threat,
            });
            (layer.name.clone(), value)
        })
        .collect();
    root.insert("layers".into(), Value::Object(layers));
    Value::Object(root)
}
