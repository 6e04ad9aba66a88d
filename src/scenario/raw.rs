//! The scenario file exactly as written: serde structs that reject unknown fields.
//!
//! Nothing here is checked beyond its TOML type; [`super::validate`] turns a [`RawScenario`] into
//! a [`super::Scenario`]. Field names are the contract documented in docs/formats.md.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::param::ParamSpec;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub scenario: RawHeader,
    pub raid: RawRaid,
    #[serde(default)]
    pub threat: Vec<RawThreat>,
    #[serde(default)]
    pub defence: RawDefence,
    #[serde(default)]
    pub layer: Vec<RawLayer>,
    #[serde(default)]
    pub phase: Vec<RawPhase>,
    #[serde(default)]
    pub fit: Vec<RawFit>,
}

/// `[[fit]]`: a field `calibrate` and `backtest` fit when no `--fit` is given.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFit {
    pub path: String,
    pub lo: f64,
    pub hi: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHeader {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub nights: Option<i64>,
    pub trials: Option<i64>,
    pub seed: Option<u64>,
    /// `YYYY-MM-DD`: the date of night 1.
    pub start_date: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRaid {
    pub size: Option<ParamSpec>,
    /// Nights taken from the Air Force record instead of drawn.
    pub record: Option<RawRecord>,
    pub stock: Option<ParamSpec>,
    pub production_per_night: Option<ParamSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRecord {
    /// The data file, relative to the scenario file.
    pub file: String,
    /// First and last day, `YYYY-MM-DD`, inclusive.
    pub from: String,
    pub to: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawThreat {
    pub name: String,
    /// Words for the threat on charts, reports and the console ("Shahed-136"); default: the name.
    pub label: Option<String>,
    /// The threat's weight in the raid's mix; one of `share`, `per_night`, `nightly_mean`, `per`.
    pub share: Option<ParamSpec>,
    /// The routine part of every night's raid: this many threats of the type, whatever the raid's size.
    pub per_night: Option<ParamSpec>,
    /// Launched beside the raid: a Poisson number each night with this mean.
    pub nightly_mean: Option<ParamSpec>,
    /// Launched beside the raid in proportion to another threat: `{ shahed = 1.2 }`.
    pub per: Option<BTreeMap<String, ParamSpec>>,
    pub unit_cost: ParamSpec,
    pub damage_on_leak: Option<ParamSpec>,
    #[serde(default)]
    pub decoy: bool,
    pub kind: Option<String>,
    pub ew_defeat: Option<ParamSpec>,
    /// How the Air Force record reports one of these that no layer stopped: "reached" or "lost".
    pub leak_reported_as: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDefence {
    pub early_warning: Option<ParamSpec>,
    pub ew_defeat: Option<ParamSpec>,
    pub decoy_discrimination: Option<ParamSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLayer {
    pub name: String,
    /// Words for the layer on charts, reports and the console ("NASAMS"); default: the name.
    pub label: Option<String>,
    pub doctrine: String,
    pub pk: ParamSpec,
    pub max_shots: ParamSpec,
    pub cost_per_shot: ParamSpec,
    pub cost_per_capacity: Option<ParamSpec>,
    pub coverage: Option<ParamSpec>,
    pub capacity: Option<ParamSpec>,
    pub surge_per_threat: Option<ParamSpec>,
    pub stock: Option<ParamSpec>,
    pub reserve: Option<ParamSpec>,
    pub resupply_per_night: Option<ParamSpec>,
    pub max_stock: Option<ParamSpec>,
    #[serde(default)]
    pub engage_identified_decoys: bool,
    pub warning_sensitivity: Option<ParamSpec>,
    /// Threat names or kinds, in priority order.
    pub engages: Option<Vec<String>>,
    pub pk_vs: Option<BTreeMap<String, ParamSpec>>,
    pub coverage_vs: Option<BTreeMap<String, ParamSpec>>,
    pub reserve_for: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPhase {
    pub name: String,
    /// Inclusive night range `[first, last]`.
    pub nights: Option<[i64; 2]>,
    /// Inclusive date range `["YYYY-MM-DD", "YYYY-MM-DD"]`, instead of `nights`.
    pub dates: Option<[String; 2]>,
    /// Number fields changed for the phase's nights, by `--set` path.
    pub set: Option<BTreeMap<String, toml::Value>>,
    pub early_warning: Option<ParamSpec>,
    pub raid_size: Option<ParamSpec>,
    pub shares: Option<BTreeMap<String, ParamSpec>>,
}
