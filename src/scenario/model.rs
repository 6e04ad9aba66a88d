//! The validated scenario the engine runs: every field checked, defaults filled in, phases resolved
//! into a per-night plan.

use super::param::Param;

/// How a layer spends rounds on one threat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Doctrine {
    /// Fire, look, fire again until a kill or `max_shots`.
    ShootLookShoot,
    /// Fire `max_shots` rounds at once.
    Salvo,
}

impl Doctrine {
    pub const NAMES: [&'static str; 2] = ["shoot-look-shoot", "salvo"];

    pub fn parse(text: &str) -> Option<Doctrine> {
        match text {
            "shoot-look-shoot" => Some(Doctrine::ShootLookShoot),
            "salvo" => Some(Doctrine::Salvo),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// Campaign length in nights.
    pub nights: u32,
    /// Default number of trials (campaigns); `--trials` overrides.
    pub trials: u64,
    /// Default master seed; `--seed` overrides.
    pub seed: u64,
    pub raid: Raid,
    pub threats: Vec<Threat>,
    pub defence: Defence,
    pub layers: Vec<Layer>,
    /// What varies by phase, and which variant each night uses.
    pub plan: NightPlan,
}

#[derive(Clone, Debug)]
pub struct Raid {
    /// Attacker inventory at the start (absent = unlimited); drawn once per trial.
    pub stock: Option<Param>,
    /// Drones added to the inventory after each night; drawn once per trial.
    pub production_per_night: Param,
}

#[derive(Clone, Debug)]
pub struct Threat {
    pub name: String,
    /// USD per drone launched; drawn once per trial.
    pub unit_cost_usd: Param,
    /// USD of damage per leaker; drawn per leaking drone (0 for decoys).
    pub damage_on_leak_usd: Param,
    pub decoy: bool,
}

#[derive(Clone, Debug)]
pub struct Defence {
    /// Probability that EW defeats a threat before any layer.
    pub ew_defeat: Param,
    /// Probability that a decoy is recognised as one.
    pub decoy_discrimination: Param,
}

#[derive(Clone, Debug)]
pub struct Layer {
    pub name: String,
    pub doctrine: Doctrine,
    /// Single-round kill probability.
    pub pk: Param,
    pub max_shots: Param,
    /// USD per round fired.
    pub cost_per_shot_usd: Param,
    /// Probability of an engagement opportunity at full early warning.
    pub coverage: Param,
    /// Threats engaged per night at most (absent = unlimited).
    pub capacity: Option<Param>,
    /// Rounds at the start (absent = unlimited).
    pub stock: Option<Param>,
    /// Rounds held back: the layer stops firing at `stock <= reserve`.
    pub reserve: Param,
    /// Rounds added after each night.
    pub resupply_per_night: Param,
    /// Resupply never lifts stock above this (absent = no cap).
    pub max_stock: Option<Param>,
    pub engage_identified_decoys: bool,
    /// Opportunity = coverage * early_warning ^ warning_sensitivity.
    pub warning_sensitivity: Param,
}

/// Phase-dependent inputs. Each distinct parameter is drawn once per trial (raid sizes once per
/// night); `nights[n - 1]` says which ones night `n` uses.
#[derive(Clone, Debug)]
pub struct NightPlan {
    /// Early-warning level 0..1: the defence's, then each phase's that sets one.
    pub early_warning: Vec<Param>,
    /// Raid size per night: the raid's, then each phase's that sets one.
    pub raid_size: Vec<Param>,
    /// Threat mix (one share per threat, in threat order): the threats', then each phase's.
    pub shares: Vec<Vec<Param>>,
    pub nights: Vec<NightInputs>,
    /// Phases as declared, for reports and charts.
    pub phases: Vec<Phase>,
}

/// Indices into [`NightPlan`]'s lists for one night.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NightInputs {
    pub early_warning: usize,
    pub raid_size: usize,
    pub shares: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase {
    pub name: String,
    /// First and last night, inclusive, 1-based.
    pub first: u32,
    pub last: u32,
}
