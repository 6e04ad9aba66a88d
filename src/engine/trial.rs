//! One trial: a whole campaign of nights, as DESIGN.md section 2 describes it.
//!
//! Epistemic parameters are drawn once at the start of the trial, raid sizes once per night, and
//! damage once per leaker. The trial writes into a caller-owned [`TrialRecord`] so that running
//! millions of trials allocates nothing per trial.

use rand::{Rng, RngExt};

use super::layout::NightLayout;
use super::rng::{TrialRng, trial_rng};
use crate::scenario::{Doctrine, Layer, Param, Scenario};

/// Campaign totals of one threat type.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ThreatTotals {
    /// This trial's unit cost, USD.
    pub unit_cost_usd: f64,
    pub launched: u64,
    pub ew_defeated: u64,
    pub killed: u64,
    pub leaked: u64,
}

/// Campaign totals of one layer.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LayerTotals {
    pub rounds: u64,
    pub kills: u64,
    /// Threats engaged (at least one round fired).
    pub engaged: u64,
    /// USD: rounds × this trial's cost per shot.
    pub spend_usd: f64,
    /// This trial's cost per shot, USD.
    pub cost_per_shot_usd: f64,
    /// This trial's reserve, rounds.
    pub reserve: u64,
    /// Stock drawn at the start; `None` = unlimited.
    pub initial_stock: Option<u64>,
    /// Rounds added by resupply over the campaign.
    pub resupplied: u64,
    /// Stock after the last night's resupply; `None` = unlimited.
    pub final_stock: Option<u64>,
    /// First night (1-based) that ended with stock at or below reserve.
    pub exhaustion_night: Option<u32>,
}

/// Everything one trial reports. Reused from trial to trial.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrialRecord {
    pub threats: Vec<ThreatTotals>,
    pub layers: Vec<LayerTotals>,
    pub defender_spend_usd: f64,
    pub attacker_spend_usd: f64,
    pub damage_usd: f64,
    /// `nights × layout.width()` values, night-major, in [`NightLayout`] column order.
    pub nightly: Vec<f64>,
}

impl TrialRecord {
    pub fn strike_launched(&self, scenario: &Scenario) -> u64 {
        self.strike_sum(scenario, |t| t.launched)
    }

    pub fn strike_leaked(&self, scenario: &Scenario) -> u64 {
        self.strike_sum(scenario, |t| t.leaked)
    }

    fn strike_sum(&self, scenario: &Scenario, field: impl Fn(&ThreatTotals) -> u64) -> u64 {
        self.threats.iter().zip(&scenario.threats).filter(|(_, t)| !t.decoy).map(|(x, _)| field(x)).sum()
    }

    fn reset(&mut self, threats: usize, layers: usize, nightly: usize) {
        self.threats.clear();
        self.threats.resize(threats, ThreatTotals::default());
        self.layers.clear();
        self.layers.resize(layers, LayerTotals::default());
        self.defender_spend_usd = 0.0;
        self.attacker_spend_usd = 0.0;
        self.damage_usd = 0.0;
        self.nightly.clear();
        self.nightly.resize(nightly, 0.0);
    }
}

/// One layer's parameters as drawn for this trial, plus its state during the campaign.
#[derive(Clone, Debug)]
struct LayerState {
    doctrine: Doctrine,
    pk: f64,
    max_shots: u64,
    cost_per_shot_usd: f64,
    coverage: f64,
    warning_sensitivity: f64,
    capacity: Option<u64>,
    stock: Option<u64>,
    reserve: u64,
    resupply_per_night: u64,
    max_stock: Option<u64>,
    engage_identified_decoys: bool,
    /// Opportunity probability tonight: coverage × w^sensitivity.
    opportunity: f64,
    /// Threats engaged tonight.
    engaged_tonight: u64,
}

impl LayerState {
    fn draw(layer: &Layer, rng: &mut TrialRng) -> LayerState {
        let count = |p: &Param, rng: &mut TrialRng| p.sample_count(rng);
        LayerState {
            doctrine: layer.doctrine,
            pk: layer.pk.sample(rng),
            max_shots: count(&layer.max_shots, rng),
            cost_per_shot_usd: layer.cost_per_shot_usd.sample(rng),
            coverage: layer.coverage.sample(rng),
            warning_sensitivity: layer.warning_sensitivity.sample(rng),
            capacity: layer.capacity.as_ref().map(|p| count(p, rng)),
            stock: layer.stock.as_ref().map(|p| count(p, rng)),
            reserve: count(&layer.reserve, rng),
            resupply_per_night: count(&layer.resupply_per_night, rng),
            max_stock: layer.max_stock.as_ref().map(|p| count(p, rng)),
            engage_identified_decoys: layer.engage_identified_decoys,
            opportunity: 0.0,
            engaged_tonight: 0,
        }
    }

    /// Rounds the layer may still fire at one threat: `max_shots`, limited by stock above reserve.
    fn rounds_available(&self) -> u64 {
        match self.stock {
            Some(stock) => self.max_shots.min(stock.saturating_sub(self.reserve)),
            None => self.max_shots,
        }
    }

    fn has_capacity(&self) -> bool {
        self.capacity.is_none_or(|c| self.engaged_tonight < c)
    }

    fn is_exhausted(&self) -> bool {
        self.stock.is_some_and(|s| s <= self.reserve)
    }

    /// Resupplies after a night; returns the rounds added.
    fn resupply(&mut self) -> u64 {
        let Some(stock) = self.stock else { return 0 };
        let room = self.max_stock.map_or(u64::MAX, |m| m.saturating_sub(stock));
        let added = self.resupply_per_night.min(room);
        self.stock = Some(stock + added);
        added
    }
}

/// Rounds fired and whether the threat died, for one engagement with `rounds` available.
/// One uniform settles it: under shoot-look-shoot the j-th round kills when
/// `1 - q^(j-1) <= u < 1 - q^j`, which has the probabilities of j independent shots.
fn engage(doctrine: Doctrine, pk: f64, rounds: u64, u: f64) -> (u64, bool) {
    let q = 1.0 - pk;
    match doctrine {
        Doctrine::Salvo => (rounds, u < 1.0 - q.powf(rounds as f64)),
        Doctrine::ShootLookShoot => {
            let mut survive = 1.0;
            for fired in 1..=rounds {
                survive *= q;
                if u < 1.0 - survive {
                    return (fired, true);
                }
            }
            (rounds, false)
        }
    }
}

/// Per-thread scratch space reused across trials.
#[derive(Debug, Default)]
pub struct Workspace {
    layers: Vec<LayerState>,
    unit_cost_usd: Vec<f64>,
    early_warning: Vec<f64>,
    /// Cumulative normalised shares of each mix in the plan.
    share_cdf: Vec<Vec<f64>>,
}

/// Runs trial `trial` of `scenario` under master seed `seed` into `record`.
pub fn simulate(
    scenario: &Scenario,
    layout: &NightLayout,
    seed: u64,
    trial: u64,
    ws: &mut Workspace,
    record: &mut TrialRecord,
) {
    let mut rng = trial_rng(seed, trial);
    let rng = &mut rng;
    let width = layout.width();
    record.reset(scenario.threats.len(), scenario.layers.len(), scenario.nights as usize * width);

    // Epistemic draws, once per trial, in a fixed order.
    let ew_defeat = scenario.defence.ew_defeat.sample(rng);
    let discrimination = scenario.defence.decoy_discrimination.sample(rng);
    ws.unit_cost_usd.clear();
    ws.unit_cost_usd.extend(scenario.threats.iter().map(|t| t.unit_cost_usd.sample(rng)));
    ws.layers.clear();
    ws.layers.extend(scenario.layers.iter().map(|l| LayerState::draw(l, rng)));
    let mut inventory = scenario.raid.stock.as_ref().map(|p| p.sample_count(rng));
    let production = scenario.raid.production_per_night.sample_count(rng);
    ws.early_warning.clear();
    ws.early_warning.extend(scenario.plan.early_warning.iter().map(|p| p.sample(rng)));
    ws.share_cdf.resize_with(scenario.plan.shares.len(), Vec::new);
    for (cdf, shares) in ws.share_cdf.iter_mut().zip(&scenario.plan.shares) {
        fill_cdf(cdf, shares, rng);
    }
    for (totals, state) in record.layers.iter_mut().zip(&ws.layers) {
        totals.initial_stock = state.stock;
        totals.cost_per_shot_usd = state.cost_per_shot_usd;
        totals.reserve = state.reserve;
    }
    for (totals, &cost) in record.threats.iter_mut().zip(&ws.unit_cost_usd) {
        totals.unit_cost_usd = cost;
    }

    let threat_count = scenario.threats.len();
    for night in 0..scenario.nights as usize {
        let inputs = scenario.plan.nights[night];
        let w = ws.early_warning[inputs.early_warning];
        for layer in &mut ws.layers {
            layer.opportunity = layer.coverage * w.powf(layer.warning_sensitivity);
            layer.engaged_tonight = 0;
        }
        let wanted = scenario.plan.raid_size[inputs.raid_size].sample_count(rng);
        let launched = match inventory.as_mut() {
            Some(stock) => {
                let n = wanted.min(*stock);
                *stock -= n;
                n
            }
            None => wanted,
        };
        let row = &mut record.nightly[night * width..(night + 1) * width];
        let cdf = &ws.share_cdf[inputs.shares];
        for _ in 0..launched {
            let u: f64 = rng.random();
            let kind = cdf.iter().position(|&c| u < c).unwrap_or(threat_count - 1);
            let threat = &scenario.threats[kind];
            let totals = &mut record.threats[kind];
            totals.launched += 1;
            row[layout.launched(kind)] += 1.0;
            record.attacker_spend_usd += ws.unit_cost_usd[kind];
            if rng.random::<f64>() < ew_defeat {
                totals.ew_defeated += 1;
                row[layout.ew_defeated()] += 1.0;
                continue;
            }
            let recognised = threat.decoy && rng.random::<f64>() < discrimination;
            if through_layers(&mut ws.layers, &mut record.layers, row, layout, recognised, rng) {
                totals.killed += 1;
            } else {
                totals.leaked += 1;
                row[layout.leakers(kind)] += 1.0;
                if !threat.decoy {
                    record.damage_usd += threat.damage_on_leak_usd.sample(rng);
                }
            }
        }
        end_of_night(night, inventory.as_mut(), production, ws, record, layout, width);
    }
    for (totals, state) in record.layers.iter_mut().zip(&ws.layers) {
        totals.final_stock = state.stock;
        totals.spend_usd = totals.rounds as f64 * state.cost_per_shot_usd;
        record.defender_spend_usd += totals.spend_usd;
    }
}

/// Draws a mix's shares and stores their normalised running sums.
fn fill_cdf(cdf: &mut Vec<f64>, shares: &[Param], rng: &mut TrialRng) {
    cdf.clear();
    let mut sum = 0.0;
    for share in shares {
        sum += share.sample(rng);
        cdf.push(sum);
    }
    if sum > 0.0 {
        cdf.iter_mut().for_each(|c| *c /= sum);
    } else {
        // Every share drew 0 (only possible with clamped normals): fall back to equal shares.
        let n = cdf.len() as f64;
        cdf.iter_mut().enumerate().for_each(|(i, c)| *c = (i + 1) as f64 / n);
    }
}

/// Sends one threat through the layers in order; true if a layer killed it.
fn through_layers<R: Rng + ?Sized>(
    layers: &mut [LayerState],
    totals: &mut [LayerTotals],
    row: &mut [f64],
    layout: &NightLayout,
    recognised_decoy: bool,
    rng: &mut R,
) -> bool {
    for (i, layer) in layers.iter_mut().enumerate() {
        if recognised_decoy && !layer.engage_identified_decoys {
            continue;
        }
        if rng.random::<f64>() >= layer.opportunity || !layer.has_capacity() {
            continue;
        }
        let available = layer.rounds_available();
        if available == 0 {
            continue;
        }
        layer.engaged_tonight += 1;
        let (fired, killed) = engage(layer.doctrine, layer.pk, available, rng.random());
        if let Some(stock) = layer.stock.as_mut() {
            *stock -= fired;
        }
        totals[i].rounds += fired;
        totals[i].engaged += 1;
        row[layout.rounds(i)] += fired as f64;
        if killed {
            totals[i].kills += 1;
            row[layout.kills(i)] += 1.0;
            return true;
        }
    }
    false
}

/// Exhaustion, resupply, attacker production and the night's totals and cumulative figures.
fn end_of_night(
    night: usize,
    inventory: Option<&mut u64>,
    production: u64,
    ws: &mut Workspace,
    record: &mut TrialRecord,
    layout: &NightLayout,
    width: usize,
) {
    let row = &mut record.nightly[night * width..(night + 1) * width];
    let mut defender_cum_usd = 0.0;
    for (state, totals) in ws.layers.iter_mut().zip(&mut record.layers) {
        if state.is_exhausted() && totals.exhaustion_night.is_none() {
            totals.exhaustion_night = Some(night as u32 + 1);
        }
        totals.resupplied += state.resupply();
        defender_cum_usd += totals.rounds as f64 * state.cost_per_shot_usd;
    }
    for (k, &layer) in layout.stock_layers.iter().enumerate() {
        row[layout.stock(k)] = ws.layers[layer].stock.unwrap_or(0) as f64;
        row[layout.exhausted(k)] = if record.layers[layer].exhaustion_night.is_some() { 1.0 } else { 0.0 };
    }
    if let Some(stock) = inventory {
        *stock = stock.saturating_add(production);
    }
    let threats = record.threats.len();
    row[layout.launched(threats)] = (0..threats).map(|t| row[layout.launched(t)]).sum();
    row[layout.leakers(threats)] = (0..threats).map(|t| row[layout.leakers(t)]).sum();
    row[layout.defender_spend_cum()] = defender_cum_usd;
    row[layout.attacker_spend_cum()] = record.attacker_spend_usd;
    row[layout.damage_cum()] = record.damage_usd;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_uniform_settles_shoot_look_shoot() {
        // pk 0.5: kill on round 1 for u < 0.5, round 2 for u < 0.75, round 3 for u < 0.875.
        let sls = |u| engage(Doctrine::ShootLookShoot, 0.5, 3, u);
        assert_eq!(sls(0.1), (1, true));
        assert_eq!(sls(0.6), (2, true));
        assert_eq!(sls(0.8), (3, true));
        assert_eq!(sls(0.9), (3, false));
        assert_eq!(engage(Doctrine::ShootLookShoot, 0.0, 4, 0.0), (4, false));
        assert_eq!(engage(Doctrine::ShootLookShoot, 1.0, 4, 0.999), (1, true));
    }

    #[test]
    fn salvo_fires_everything_available() {
        assert_eq!(engage(Doctrine::Salvo, 0.5, 2, 0.74), (2, true));
        assert_eq!(engage(Doctrine::Salvo, 0.5, 2, 0.76), (2, false));
    }
}
