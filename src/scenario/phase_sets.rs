//! A phase's `set` table: number fields that change for the phase's nights (a stock delivered, a
//! layer's capacity grown, a new EW rate). Each entry is applied to the scenario document as a
//! `--set` would be and the scenario validated again, so a value gets exactly the checks and the
//! messages the field gets anywhere; the field's validated value is kept, with where the engine
//! keeps it ([`Target`]).

use super::error::{FieldError, FieldPath};
use super::model::{LayerField, PhaseSet, Scenario, Target};
use super::overrides::Override;
use super::raw::{RawPhase, RawScenario};

/// Resolves every phase's `set` into `scenario.plan.variants` and points the phase's nights at
/// it (a later phase wins a night, as for the other phase fields).
pub fn resolve(document: &toml::Table, phases: &[RawPhase], scenario: &mut Scenario) -> Result<(), FieldError> {
    if phases.iter().all(|p| p.set.is_none()) {
        return Ok(());
    }
    // Each entry is checked against the document without its phases and cut to one night (no
    // field's checks depend on either), made once: re-validating the whole file for every phase
    // made 14,435 dated phases over 100,000 nights take 227 s.
    let mut base = document.clone();
    base.remove("phase");
    if let Some(toml::Value::Table(header)) = base.get_mut("scenario") {
        if header.contains_key("nights") {
            header.insert("nights".into(), toml::Value::Integer(1));
        }
    }
    let probe: Option<Scenario> =
        toml::Value::Table(base.clone()).try_into().ok().and_then(|raw| super::validate::validate(&raw).ok());
    let probe = probe.unwrap_or_else(|| scenario.clone());
    for (i, phase) in phases.iter().enumerate() {
        let Some(set) = &phase.set else { continue };
        let path = FieldPath::default().key("phase").index(i).key("set");
        let mut variant = Vec::new();
        let mut changed = base.clone();
        for (field, value) in set {
            let at = path.key(field);
            let target = target(&probe, field).map_err(|problem| FieldError::new(at.clone(), None, problem))?;
            let edit = Override {
                text: format!("{field}={value}"),
                path: field.split('.').map(str::to_string).collect(),
                value: value.clone(),
            };
            edit.apply(&mut changed).map_err(|e| FieldError::new(at.clone(), None, e.problem))?;
            let raw: RawScenario = toml::Value::Table(changed.clone()).try_into().map_err(|e: toml::de::Error| {
                FieldError::new(at.clone(), Some(value.to_string()), e.message().trim().to_string())
            })?;
            let validated = super::validate::validate(&raw)
                .map_err(|e| FieldError::new(at.clone(), e.value.or_else(|| Some(value.to_string())), e.problem))?;
            let param = validated.param(field).expect("target() accepted a field of the scenario");
            variant.push(PhaseSet { path: field.clone(), target, param });
        }
        let plan = &mut scenario.plan;
        plan.variants.push(variant);
        let index = plan.variants.len() - 1;
        let declared = &mut plan.phases[i];
        declared.variant = Some(index);
        let nights = declared.first as usize - 1..(declared.last as usize).max(declared.first as usize - 1);
        plan.nights[nights].iter_mut().for_each(|n| n.variant = index);
    }
    Ok(())
}

/// Where the engine keeps the field at `path`; `Err` says why a phase cannot change it.
fn target(scenario: &Scenario, path: &str) -> Result<Target, String> {
    let mut copy = scenario.clone();
    let known: Vec<String> = copy.params_mut().into_iter().map(|(p, _)| p).collect();
    if !known.iter().any(|p| p == path) {
        return Err(format!("not a number field of this scenario; its fields: {}", known.join(", ")));
    }
    let parts: Vec<&str> = path.split('.').collect();
    let layer_index = |name: &str| scenario.layers.iter().position(|l| l.name == name);
    let threat_index = |name: &str| scenario.threats.iter().position(|t| t.name == name);
    let elsewhere = "is a phase field of its own (raid_size, shares, early_warning)";
    match parts.as_slice() {
        ["defence", "ew_defeat"] => Ok(Target::EwDefeat),
        ["defence", "decoy_discrimination"] => Ok(Target::DecoyDiscrimination),
        ["defence", "early_warning"] | ["raid", "size"] | ["threat", _, "share"] => Err(format!("{path} {elsewhere}")),
        ["threat", name, "ew_defeat"] => Ok(Target::ThreatEwDefeat(threat_index(name).expect("a known path"))),
        ["threat", name, "per_night"] => Ok(Target::PerNight(threat_index(name).expect("a known path"))),
        ["threat", name, "nightly_mean"] => Ok(Target::NightlyMean(threat_index(name).expect("a known path"))),
        ["threat", name, "per", _] => Ok(Target::Per(threat_index(name).expect("a known path"))),
        ["layer", name, rest @ ..] => {
            let layer = layer_index(name).expect("a known path");
            let entry =
                |table: &[(String, super::Param)], key: &str| table.iter().position(|(k, _)| k == key).map(|i| i + 1);
            let field = match rest {
                ["pk"] => LayerField::Pk(0),
                ["pk_vs", key] => LayerField::Pk(entry(&scenario.layers[layer].pk_vs, key).expect("a known path")),
                ["max_shots"] => LayerField::MaxShots,
                ["coverage"] => LayerField::Coverage(0),
                ["coverage_vs", key] => {
                    LayerField::Coverage(entry(&scenario.layers[layer].coverage_vs, key).expect("a known path"))
                }
                ["warning_sensitivity"] => LayerField::WarningSensitivity,
                ["capacity"] => LayerField::Capacity,
                ["surge_per_threat"] => LayerField::SurgePerThreat,
                ["stock"] => LayerField::Stock,
                ["reserve"] => LayerField::Reserve,
                ["resupply_per_night"] => LayerField::ResupplyPerNight,
                ["max_stock"] => LayerField::MaxStock,
                _ => return Err(format!("{path}: prices cannot change by phase (spend is priced once per trial)")),
            };
            Ok(Target::Layer(layer, field))
        }
        ["threat", ..] => {
            Err(format!("{path}: prices and damage cannot change by phase (they are priced once per trial)"))
        }
        _ => Err(format!(
            "{path} cannot change by phase: raid stock and production are the attacker's for the whole campaign"
        )),
    }
}
