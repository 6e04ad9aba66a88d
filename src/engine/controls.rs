//! Which of a trial's drawn parameters serve as control variates (see [`crate::stats::control`]),
//! and reading their values back once the trial has drawn them.
//!
//! A control is a field drawn once per trial whose draws have a closed-form mean
//! ([`Param::exact_mean`]) and that varies: threat unit costs, EW and recognition probabilities,
//! each layer's pk, coverage (the defaults and the per-threat ones), cost per shot and warning
//! sensitivity, and the early-warning levels. Whole-number fields (stocks, capacities) are left
//! out: rounding leaves them without a closed-form mean. So are a phase's own draws, and a
//! lognormal too spread to trust ([`Param::heavy_tailed`]). The raid
//! size, drawn each night and rounded, is a control by way of its draws before rounding and
//! clamping, whose mean is known ([`Param::sample_with_draw`]): the sum over the trial's nights of
//! each such draw less that mean, one control per raid-size field (the raid's, each phase's).

use super::draw::Chance;
use super::trial::{TrialRecord, Workspace};
use crate::scenario::{Param, Scenario};

/// Where a control's value is found once a trial has drawn its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    UnitCost(usize),
    /// The defence's EW probability, as held by threat type `.0` (one that has none of its own).
    DefenceEw(usize),
    ThreatEw(usize),
    Discrimination,
    /// Layer, and 0 for its pk or 1 + i for its `i`-th `pk_vs`.
    Pk(usize, usize),
    /// Layer, and 0 for its coverage or 1 + i for its `i`-th `coverage_vs`.
    Coverage(usize, usize),
    CostPerShot(usize),
    WarningSensitivity(usize),
    WarningLevel(usize),
    /// Raid-size field `.0` of the plan: summed night by night, as the trial runs.
    RaidSize(usize),
}

/// One control: its `--set` path, where its value is, and the exact mean of its draws.
#[derive(Clone, Debug, PartialEq)]
pub struct Control {
    pub path: String,
    source: Source,
    mean: f64,
}

/// Per raid-size field of the plan: the slot of its control and the mean of its draws before
/// rounding, or `None` if it is no control (a constant or pin).
pub fn raid_size_slots(controls: &[Control], fields: usize) -> Vec<Option<(usize, f64)>> {
    (0..fields)
        .map(|field| {
            controls.iter().position(|c| c.source == Source::RaidSize(field)).map(|slot| (slot, controls[slot].mean))
        })
        .collect()
}

/// The controls of `scenario`, in a fixed order.
pub fn controls(scenario: &Scenario) -> Vec<Control> {
    let mut sources: Vec<(String, Source, &Param)> = Vec::new();
    for (t, threat) in scenario.threats.iter().enumerate() {
        sources.push((format!("threat.{}.unit_cost", threat.name), Source::UnitCost(t), &threat.unit_cost_usd));
        if let Some(ew) = &threat.ew_defeat {
            sources.push((format!("threat.{}.ew_defeat", threat.name), Source::ThreatEw(t), ew));
        }
    }
    if let Some(t) = scenario.threats.iter().position(|t| t.ew_defeat.is_none()) {
        sources.push(("defence.ew_defeat".into(), Source::DefenceEw(t), &scenario.defence.ew_defeat));
    }
    if scenario.threats.iter().any(|t| t.decoy) {
        let discrimination = &scenario.defence.decoy_discrimination;
        sources.push(("defence.decoy_discrimination".into(), Source::Discrimination, discrimination));
    }
    for (l, layer) in scenario.layers.iter().enumerate() {
        let path = |field: &str| format!("layer.{}.{field}", layer.name);
        sources.push((path("pk"), Source::Pk(l, 0), &layer.pk));
        for (i, (threat, pk)) in layer.pk_vs.iter().enumerate() {
            sources.push((path(&format!("pk_vs.{threat}")), Source::Pk(l, i + 1), pk));
        }
        sources.push((path("coverage"), Source::Coverage(l, 0), &layer.coverage));
        for (i, (threat, coverage)) in layer.coverage_vs.iter().enumerate() {
            sources.push((path(&format!("coverage_vs.{threat}")), Source::Coverage(l, i + 1), coverage));
        }
        sources.push((path("cost_per_shot"), Source::CostPerShot(l), &layer.cost_per_shot_usd));
        sources.push((path("warning_sensitivity"), Source::WarningSensitivity(l), &layer.warning_sensitivity));
    }
    for (i, level) in scenario.plan.early_warning.iter().enumerate() {
        let phase = scenario.plan.phases.iter().find(|p| p.early_warning == Some(i));
        let path = phase.map_or("defence.early_warning".into(), |p| format!("phase.{}.early_warning", p.name));
        sources.push((path, Source::WarningLevel(i), level));
    }
    let mut controls: Vec<Control> = sources
        .into_iter()
        .filter(|(_, _, param)| param.varies() && !param.heavy_tailed())
        .filter_map(|(path, source, param)| param.exact_mean().map(|mean| Control { path, source, mean }))
        .collect();
    for (i, size) in
        scenario.plan.raid_size.iter().enumerate().filter(|(_, size)| size.varies() && !size.heavy_tailed())
    {
        let phase = scenario.plan.phases.iter().find(|p| p.raid_size == Some(i));
        let path = phase.map_or("raid.size".into(), |p| format!("phase.{}.raid_size", p.name));
        controls.push(Control { path, source: Source::RaidSize(i), mean: size.mean() });
    }
    controls
}

/// Writes each control's value in this trial less its mean into `record.controls`, from the
/// parameters the trial drew (before any phase changed them); a raid size's starts at 0 and is
/// added to night by night.
pub(super) fn fill(controls: &[Control], ws: &Workspace, discrimination: &Chance, record: &mut TrialRecord) {
    record.controls.clear();
    record.controls.extend(controls.iter().map(|control| {
        let value = match control.source {
            // Nothing drawn yet: each night adds its own draw's deviation.
            Source::RaidSize(_) => return 0.0,
            Source::UnitCost(t) => ws.unit_cost_usd[t],
            Source::DefenceEw(t) | Source::ThreatEw(t) => ws.ew_defeat[t].p(),
            Source::Discrimination => discrimination.p(),
            Source::Pk(l, i) => ws.layers[l].pk[i],
            Source::Coverage(l, i) => ws.layers[l].coverage[i],
            Source::CostPerShot(l) => ws.layers[l].cost_per_shot_usd,
            Source::WarningSensitivity(l) => ws.layers[l].warning_sensitivity,
            Source::WarningLevel(i) => ws.warning_levels[i],
        };
        value - control.mean
    }));
}
