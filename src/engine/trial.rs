//! One trial: a whole campaign of nights, as docs/model.md section 1 describes it.
//!
//! Epistemic parameters are drawn once at the start of the trial, raid sizes once per night, and
//! damage once per leaker. The trial writes into a caller-owned [`TrialRecord`] so that running
//! millions of trials allocates nothing per trial.

use rand::RngExt;

use super::draw::{Chance, poisson};
use super::layout::NightLayout;
use super::mutation::Mutation;
use super::rng::{TrialRng, night_rng, phase_rng, trial_rng};
use crate::scenario::{Doctrine, Layer, LayerField, Param, PhaseSet, Scenario, Target, Treatment};
use crate::stats::real;

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
    /// This trial's resupply, rounds per night.
    pub resupply_per_night: u64,
    /// This trial's cap on resupply; `None` = no cap.
    pub max_stock: Option<u64>,
    /// Rounds added by resupply over the campaign.
    pub resupplied: u64,
    /// Stock after the last night's resupply; `None` = unlimited.
    pub final_stock: Option<u64>,
    /// First night (1-based) that ended with stock at or below reserve.
    pub exhaustion_night: Option<u32>,
}

impl LayerTotals {
    /// USD to field the layer this trial: rounds bought (initial stock and resupply for a finite
    /// stock, rounds fired for an unlimited one) × cost per shot, plus `capacity_cost_usd`.
    pub fn fielding_cost_usd(&self, capacity_cost_usd: f64) -> f64 {
        let bought = self.initial_stock.map_or(self.rounds, |stock| stock + self.resupplied);
        bought as f64 * self.cost_per_shot_usd + capacity_cost_usd
    }
}

/// Campaign totals of one layer against one threat type.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PairTotals {
    pub rounds: u64,
    pub kills: u64,
}

/// Everything one trial reports. Reused from trial to trial.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrialRecord {
    pub threats: Vec<ThreatTotals>,
    pub layers: Vec<LayerTotals>,
    /// Per layer and threat type (layer-major): what the layer fired at that type and killed.
    pub by_threat: Vec<PairTotals>,
    pub defender_spend_usd: f64,
    pub attacker_spend_usd: f64,
    pub damage_usd: f64,
    /// `nights × layout.width()` values, night-major, in [`NightLayout`] column order.
    pub nightly: Vec<f64>,
    /// The trial's index in its run.
    pub trial: u64,
    /// Each of [`NightLayout::controls`]: its value in this trial less its exact mean.
    pub controls: Vec<f64>,
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
        self.by_threat.clear();
        self.by_threat.resize(layers * threats, PairTotals::default());
        self.defender_spend_usd = 0.0;
        self.attacker_spend_usd = 0.0;
        self.damage_usd = 0.0;
        // Every value of every night is written by the night itself: no need to clear them.
        self.nightly.resize(nightly, 0.0);
    }
}

/// Kill probabilities of one single-round pk, worked out once per trial.
#[derive(Clone, Debug, Default)]
pub(super) struct KillTable {
    /// `kill_by[k]` = 1 − (1 − pk)^k: P(killed by one of k rounds), for k = 0..=max_shots.
    pub(super) kill_by: Vec<f64>,
    /// `kill_by[max_shots]`: P(killed by a full engagement).
    pub(super) kill_within_max: Chance,
    /// `kill_round[j]`: P(the kill came at round j + 1 | killed within `max_shots`, not by rounds
    /// 1..=j), for j = 0..max_shots − 1; the last round takes the rest, so it has no entry.
    pub(super) kill_round: Vec<Chance>,
}

impl KillTable {
    fn fill(&mut self, pk: f64, max_shots: u64) {
        self.kill_by.clear();
        let mut survive = 1.0;
        self.kill_by.push(0.0);
        for _ in 0..max_shots {
            survive *= 1.0 - pk;
            self.kill_by.push(1.0 - survive);
        }
        let all = self.kill_by[max_shots as usize];
        self.kill_within_max = Chance::new(all);
        self.kill_round.clear();
        let mut mass = all;
        for j in 1..max_shots as usize {
            let p = self.kill_by[j] - self.kill_by[j - 1];
            self.kill_round.push(Chance::new(if mass > 0.0 { p / mass } else { 0.0 }));
            mass -= p;
        }
    }
}

/// One layer's parameters as drawn for this trial, plus its state during the campaign.
#[derive(Clone, Debug, Default)]
pub(super) struct LayerState {
    pub(super) salvo: bool,
    /// Single-round kill probabilities as drawn: `[0]` the layer's `pk`, `[i]` `pk_vs[i - 1]`.
    pub(super) pk: Vec<f64>,
    /// Kill tables of `pk`, entry by entry.
    pub(super) kill: Vec<KillTable>,
    /// Coverages: `[0]` the layer's, `[i]` of `coverage_vs[i - 1]`.
    pub(super) coverage: Vec<f64>,
    /// How the layer treats each threat type (from the scenario).
    pub(super) treatment: Vec<Treatment>,
    /// The classes (see [`super::classes`]) the layer fires at, in class order.
    pub(super) engaged_classes: Vec<usize>,
    pub(super) max_shots: u64,
    pub(super) cost_per_shot_usd: f64,
    pub(super) warning_sensitivity: f64,
    /// Threats engaged tonight at most (the surge included); `u64::MAX` = unlimited.
    pub(super) capacity: u64,
    /// The capacity before tonight's surge; `u64::MAX` = unlimited.
    pub(super) base_capacity: u64,
    /// Engagements added per threat launched at full warning.
    pub(super) surge_per_threat: f64,
    /// Whether `stock` is finite.
    pub(super) finite: bool,
    pub(super) stock: u64,
    pub(super) reserve: u64,
    pub(super) resupply_per_night: u64,
    /// `u64::MAX` = no cap.
    pub(super) max_stock: u64,
    pub(super) engage_identified_decoys: bool,
    /// Opportunity probability tonight per threat type: coverage × w^sensitivity.
    pub(super) opportunity: Vec<Chance>,
    pub(super) engaged_tonight: u64,
    pub(super) rounds_tonight: u64,
    pub(super) kills_tonight: u64,
    /// Tonight's rounds and kills per threat type.
    pub(super) rounds_by_type: Vec<u64>,
    pub(super) kills_by_type: Vec<u64>,
}

impl LayerState {
    /// Draws this trial's parameters, reusing every allocation.
    fn draw(&mut self, layer: &Layer, rng: &mut TrialRng) {
        let count = |p: &Param, rng: &mut TrialRng| p.sample_count(rng);
        self.salvo = layer.doctrine == Doctrine::Salvo;
        let pk = layer.pk.sample(rng);
        self.max_shots = count(&layer.max_shots, rng);
        self.cost_per_shot_usd = layer.cost_per_shot_usd.sample(rng);
        let coverage = layer.coverage.sample(rng);
        self.warning_sensitivity = layer.warning_sensitivity.sample(rng);
        self.base_capacity = layer.capacity.as_ref().map_or(u64::MAX, |p| count(p, rng));
        self.capacity = self.base_capacity;
        self.surge_per_threat = layer.surge_per_threat.sample(rng);
        let stock = layer.stock.as_ref().map(|p| count(p, rng));
        (self.finite, self.stock) = (stock.is_some(), stock.unwrap_or(u64::MAX));
        self.reserve = count(&layer.reserve, rng);
        self.resupply_per_night = count(&layer.resupply_per_night, rng);
        self.max_stock = layer.max_stock.as_ref().map_or(u64::MAX, |p| count(p, rng));
        self.engage_identified_decoys = layer.engage_identified_decoys;
        self.pk.clear();
        self.pk.push(pk);
        self.pk.extend(layer.pk_vs.iter().map(|(_, pk)| pk.sample(rng)));
        self.fill_kill_tables();
        self.coverage.clear();
        self.coverage.push(coverage);
        self.coverage.extend(layer.coverage_vs.iter().map(|(_, c)| c.sample(rng)));
        self.treatment.clone_from(&layer.treatment);
        self.engaged_classes.clear();
        for c in 0..2 * self.treatment.len() {
            let (kind, recognised) = super::classes::kind_of(c);
            if self.engages(kind, recognised) {
                self.engaged_classes.push(c);
            }
        }
        let types = layer.treatment.len();
        self.opportunity.resize(types, Chance::default());
        self.rounds_by_type.clear();
        self.rounds_by_type.resize(types, 0);
        self.kills_by_type.clear();
        self.kills_by_type.resize(types, 0);
    }

    fn fill_kill_tables(&mut self) {
        self.kill.resize_with(self.pk.len(), KillTable::default);
        for (table, &pk) in self.kill.iter_mut().zip(&self.pk) {
            table.fill(pk, self.max_shots);
        }
    }

    /// Sets one field a phase changes (a stock is a delivery, handled by the campaign).
    fn set(&mut self, field: LayerField, value: f64) {
        let count = value as u64;
        match field {
            LayerField::Pk(i) => self.pk[i] = value,
            LayerField::MaxShots => self.max_shots = count,
            LayerField::Coverage(i) => self.coverage[i] = value,
            LayerField::WarningSensitivity => self.warning_sensitivity = value,
            LayerField::Capacity => (self.base_capacity, self.capacity) = (count, count),
            LayerField::SurgePerThreat => self.surge_per_threat = value,
            LayerField::Reserve => self.reserve = count,
            LayerField::ResupplyPerNight => self.resupply_per_night = count,
            LayerField::MaxStock => self.max_stock = count,
            LayerField::Stock => {}
        }
        if matches!(field, LayerField::Pk(_) | LayerField::MaxShots) {
            self.fill_kill_tables();
        }
    }

    /// Takes every drawn parameter of `other` (a phase's), keeping this layer's stock and the
    /// night's tallies; reuses every allocation.
    fn take_parameters(&mut self, other: &LayerState) {
        self.pk.clone_from(&other.pk);
        self.kill.resize_with(other.kill.len(), KillTable::default);
        for (table, from) in self.kill.iter_mut().zip(&other.kill) {
            table.kill_by.clone_from(&from.kill_by);
            table.kill_within_max = from.kill_within_max;
            table.kill_round.clone_from(&from.kill_round);
        }
        self.coverage.clone_from(&other.coverage);
        self.max_shots = other.max_shots;
        self.warning_sensitivity = other.warning_sensitivity;
        self.capacity = other.capacity;
        self.base_capacity = other.base_capacity;
        self.surge_per_threat = other.surge_per_threat;
        self.reserve = other.reserve;
        self.resupply_per_night = other.resupply_per_night;
        self.max_stock = other.max_stock;
    }

    /// Whether the layer fires at threat type `kind`, recognised as a decoy or not.
    pub(super) fn engages(&self, kind: usize, recognised: bool) -> bool {
        super::classes::engages(&self.treatment[kind], self.engage_identified_decoys, recognised)
    }

    /// Rounds the layer may fire at one threat of type `kind` now: `max_shots`, limited by stock
    /// above the reserve (above 0 for a type the reserve is kept for).
    pub(super) fn rounds_available(&self, kind: usize) -> u64 {
        if !self.finite {
            return self.max_shots;
        }
        let floor = if self.treatment[kind].below_reserve { 0 } else { self.reserve };
        self.max_shots.min(self.stock.saturating_sub(floor))
    }

    /// Sets tonight's capacity for a raid of `launched` at warning level `warning`:
    /// `base + ⌊surge × warning × launched⌋` (unlimited stays unlimited).
    fn surge(&mut self, launched: u64, warning: f64) {
        self.capacity = if self.base_capacity == u64::MAX || self.surge_per_threat == 0.0 {
            self.base_capacity
        } else {
            self.base_capacity.saturating_add((self.surge_per_threat * warning * launched as f64).floor() as u64)
        };
    }

    /// Whether no threat of any type could be engaged now.
    pub(super) fn spent(&self) -> bool {
        self.engaged_tonight >= self.capacity
            || (self.finite && (self.stock == 0 || (self.stock <= self.reserve && !self.any_below_reserve())))
    }

    fn any_below_reserve(&self) -> bool {
        self.treatment.iter().any(|t| t.below_reserve)
    }

    /// The kill table that applies to threat type `kind`.
    pub(super) fn table(&self, kind: usize) -> &KillTable {
        &self.kill[self.treatment[kind].pk]
    }

    /// Rounds fired and whether the threat died, with `rounds` available and a uniform `u`.
    /// Under shoot-look-shoot the j-th round kills when `kill_by[j-1] <= u < kill_by[j]`, which
    /// has the probabilities of j independent rounds; a salvo of k kills when `u < kill_by[k]`.
    pub(super) fn engage(&self, kind: usize, rounds: u64, u: f64) -> (u64, bool) {
        let kill_by = &self.table(kind).kill_by;
        if self.salvo {
            return (rounds, u < kill_by[rounds as usize]);
        }
        match kill_by[1..=rounds as usize].iter().position(|&p| u < p) {
            Some(j) => (j as u64 + 1, true),
            None => (rounds, false),
        }
    }

    /// One threat of type `kind` with an opportunity: the capacity and stock checks, in the
    /// model's order, then the engagement settled by the uniform `u`; true if the layer killed it.
    pub(super) fn engage_one(&mut self, kind: usize, u: f64) -> bool {
        if self.engaged_tonight >= self.capacity {
            return false;
        }
        let available = self.rounds_available(kind);
        if available == 0 {
            return false;
        }
        self.engaged_tonight += 1;
        let (fired, killed) = self.engage(kind, available, u);
        self.tally(kind, fired, u64::from(killed));
        killed
    }

    /// Books `rounds` fired and `kills` made against threat type `kind`.
    pub(super) fn tally(&mut self, kind: usize, rounds: u64, kills: u64) {
        if self.finite {
            self.stock -= rounds;
        }
        self.rounds_tonight += rounds;
        self.kills_tonight += kills;
        self.rounds_by_type[kind] += rounds;
        self.kills_by_type[kind] += kills;
    }

    pub(super) fn is_exhausted(&self) -> bool {
        self.finite && self.stock <= self.reserve
    }

    /// Resupplies after a night; returns the rounds added.
    fn resupply(&mut self) -> u64 {
        if !self.finite {
            return 0;
        }
        let added = self.resupply_per_night.min(self.max_stock.saturating_sub(self.stock));
        self.stock += added;
        added
    }
}

/// Per-thread scratch space reused across trials: nothing is allocated per trial once warm.
#[derive(Debug, Default)]
pub struct Workspace {
    pub(super) layers: Vec<LayerState>,
    pub(super) unit_cost_usd: Vec<f64>,
    /// P(EW defeats one), per threat type.
    pub(super) ew_defeat: Vec<Chance>,
    /// Opportunity of each layer against each threat type at each early-warning level of the
    /// plan (level-major, then layer): coverage × w^warning_sensitivity, worked out once per trial.
    pub(super) opportunity: Vec<Chance>,
    /// The early-warning levels of the plan, as drawn.
    pub(super) warning_levels: Vec<f64>,
    /// The parameters of each entry of the plan's variants (empty when no phase changes a field).
    pub(super) variants: Vec<Variant>,
    /// Cumulative normalised shares of each mix in the plan.
    pub(super) share_cdf: Vec<Vec<f64>>,
    /// Per mix, per threat type but the last: P(type k | not types 0..k), for the counting method.
    pub(super) type_split: Vec<Vec<Chance>>,
    /// Per threat type: its routine part of every raid (`per_night`, drawn once per trial; 0 for
    /// a type drawn from the mix).
    pub(super) routine: Vec<u64>,
    /// Per threat type: the mean of its number beside the raid (`nightly_mean`, drawn once per
    /// trial; 0 for another type).
    pub(super) nightly_mean: Vec<f64>,
    /// Per threat type: its number per threat of the type it rides with (`per`, drawn once per
    /// trial; 0 for another type).
    pub(super) ratio: Vec<f64>,
    /// Per threat type: how many fly tonight outside the mix (its routine part, nightly number or
    /// riders); launched after the mix, among it.
    pub(super) routine_tonight: Vec<u64>,
    /// Whether any type flies outside the mix (else a night skips that bookkeeping).
    pub(super) any_routine: bool,
    /// Whether any type rides with another (`per`).
    pub(super) any_rider: bool,
    /// Whether any layer's capacity surges with the raid, in any variant (else a night skips it).
    pub(super) any_surge: bool,
    /// Tonight's launches and leakers per threat type.
    pub(super) launched_tonight: Vec<u64>,
    pub(super) leaked_tonight: Vec<u64>,
    /// Scratch of the counting method.
    pub(super) counts: super::counted::Counts,
    /// Scratch of the threat-by-threat method.
    pub(super) queue: super::one_by_one::Queue,
}

/// The drawn parameters of one entry of the plan's variants: what the campaign switches to on
/// the nights of a phase that changes fields.
#[derive(Debug, Default)]
pub(super) struct Variant {
    layers: Vec<LayerState>,
    ew_defeat: Vec<Chance>,
    discrimination: Chance,
    /// As [`Workspace::opportunity`].
    opportunity: Vec<Chance>,
    /// Per layer: the stock a delivery raises it to on the phase's first night.
    deliveries: Vec<Option<u64>>,
    /// As [`Workspace::routine`], [`Workspace::nightly_mean`] and [`Workspace::ratio`].
    routine: Vec<u64>,
    nightly_mean: Vec<f64>,
    ratio: Vec<f64>,
}

/// How a night's raid is simulated. Both are exact for every scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Every threat drawn one by one: the reference.
    PerThreat,
    /// Counts drawn per night (binomial and hypergeometric splits), threat by threat only where
    /// counts would not be exact: the default.
    Counting,
}

/// One trial in progress. [`simulate`] runs it whole; benches drive it night by night.
pub struct Campaign<'a> {
    pub(super) scenario: &'a Scenario,
    pub(super) layout: &'a NightLayout,
    pub(super) ws: &'a mut Workspace,
    pub(super) record: &'a mut TrialRecord,
    /// The trial's stream while its parameters are drawn, then each night's own (see [`night_rng`]).
    pub(super) rng: TrialRng,
    seed: u64,
    trial: u64,
    pub(super) discrimination: Chance,
    /// Attacker inventory; `None` = unlimited.
    pub(super) inventory: Option<u64>,
    pub(super) production: u64,
    pub(super) ew_tonight: u64,
    /// The entry of the plan's variants in force.
    variant: usize,
    /// The early-warning level whose opportunities the layers hold; `None` before the first night
    /// and after a variant switch.
    warning_level: Option<usize>,
    method: Method,
    /// A deliberate error in one draw of the counting method (tests only; see [`Mutation`]).
    pub(super) mutation: Option<Mutation>,
}

impl<'a> Campaign<'a> {
    /// Starts trial `trial` under master seed `seed`: draws every epistemic parameter, in a fixed
    /// order, and clears `record`.
    pub fn start(
        scenario: &'a Scenario,
        layout: &'a NightLayout,
        seed: u64,
        trial: u64,
        ws: &'a mut Workspace,
        record: &'a mut TrialRecord,
    ) -> Campaign<'a> {
        let mut rng = trial_rng(seed, trial);
        let threats = scenario.threats.len();
        let layers = scenario.layers.len();
        record.reset(threats, layers, scenario.nights as usize * layout.width());
        let ew_defeat = scenario.defence.ew_defeat.sample(&mut rng);
        let discrimination = Chance::new(scenario.defence.decoy_discrimination.sample(&mut rng));
        ws.unit_cost_usd.clear();
        ws.unit_cost_usd.extend(scenario.threats.iter().map(|t| t.unit_cost_usd.sample(&mut rng)));
        ws.ew_defeat.clear();
        ws.ew_defeat.extend(
            scenario
                .threats
                .iter()
                .map(|t| Chance::new(t.ew_defeat.as_ref().map_or(ew_defeat, |p| p.sample(&mut rng)))),
        );
        ws.layers.resize_with(layers, LayerState::default);
        for (state, layer) in ws.layers.iter_mut().zip(&scenario.layers) {
            state.draw(layer, &mut rng);
        }
        let inventory = scenario.raid.stock.as_ref().map(|p| p.sample_count(&mut rng));
        let production = scenario.raid.production_per_night.sample_count(&mut rng);
        ws.routine.clear();
        ws.routine
            .extend(scenario.threats.iter().map(|t| t.per_night.as_ref().map_or(0, |p| p.sample_count(&mut rng))));
        // Drawn only for a scenario that has them, so that every other's stream stays as it was.
        ws.nightly_mean.clear();
        ws.nightly_mean
            .extend(scenario.threats.iter().map(|t| t.nightly_mean.as_ref().map_or(0.0, |p| p.sample(&mut rng))));
        ws.ratio.clear();
        ws.ratio.extend(scenario.threats.iter().map(|t| t.per.as_ref().map_or(0.0, |r| r.ratio.sample(&mut rng))));
        ws.any_routine = scenario.threats.iter().any(|t| !t.in_mix());
        ws.any_rider = scenario.threats.iter().any(|t| t.per.is_some());
        ws.any_surge = scenario.layers.iter().any(|l| l.surge_per_threat.mean() != 0.0 || l.surge_per_threat.varies())
            || scenario
                .plan
                .variants
                .iter()
                .flatten()
                .any(|s| matches!(s.target, Target::Layer(_, LayerField::SurgePerThreat)));
        ws.routine_tonight.clear();
        ws.routine_tonight.resize(threats, 0);
        ws.warning_levels.clear();
        ws.warning_levels.extend(scenario.plan.early_warning.iter().map(|level| level.sample(&mut rng)));
        fill_opportunity(&mut ws.opportunity, &ws.layers, &ws.warning_levels);
        ws.share_cdf.resize_with(scenario.plan.shares.len(), Vec::new);
        for (cdf, shares) in ws.share_cdf.iter_mut().zip(&scenario.plan.shares) {
            fill_cdf(cdf, shares, &mut rng);
        }
        ws.type_split.resize_with(ws.share_cdf.len(), Vec::new);
        for (split, cdf) in ws.type_split.iter_mut().zip(&ws.share_cdf) {
            fill_type_split(split, cdf);
        }
        ws.launched_tonight.resize(threats, 0);
        ws.leaked_tonight.resize(threats, 0);
        for (totals, state) in record.layers.iter_mut().zip(&ws.layers) {
            totals.initial_stock = state.finite.then_some(state.stock);
            totals.cost_per_shot_usd = state.cost_per_shot_usd;
            totals.reserve = state.reserve;
            totals.resupply_per_night = state.resupply_per_night;
            totals.max_stock = (state.max_stock != u64::MAX).then_some(state.max_stock);
        }
        for (totals, &cost) in record.threats.iter_mut().zip(&ws.unit_cost_usd) {
            totals.unit_cost_usd = cost;
        }
        record.trial = trial;
        super::controls::fill(&layout.controls, ws, &discrimination, record);
        draw_variants(scenario, seed, trial, ws, discrimination);
        Campaign {
            scenario,
            layout,
            ws,
            record,
            rng,
            seed,
            trial,
            discrimination,
            inventory,
            production,
            ew_tonight: 0,
            variant: 0,
            warning_level: None,
            method: Method::Counting,
            mutation: None,
        }
    }

    /// Simulates with `method` instead of counting (tests compare the two:
    /// `Campaign::start(…).with_method(Method::PerThreat).run()`).
    pub fn with_method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// Makes one draw of the counting method wrong on purpose, so that a test can show it catches
    /// the error. Panics on a per-threat campaign, where the mutation would mean nothing.
    pub fn with_mutation(mut self, mutation: Mutation) -> Self {
        assert_eq!(self.method, Method::Counting, "mutations are errors in the counting method");
        let biased = |chance: &Chance, bias: f64| Chance::new(chance.p() * (1.0 + bias));
        let (layers, types) = (self.ws.layers.len(), self.scenario.threats.len());
        match mutation {
            Mutation::Ew { bias } => self.ws.ew_defeat.iter_mut().for_each(|c| *c = biased(c, bias)),
            Mutation::Recognition { bias } => self.discrimination = biased(&self.discrimination, bias),
            Mutation::Opportunity { layer, bias } => {
                for level in self.ws.opportunity.chunks_mut(layers * types) {
                    for chance in &mut level[layer * types..(layer + 1) * types] {
                        *chance = biased(chance, bias);
                    }
                }
            }
            Mutation::Kill { layer, bias } => {
                for table in &mut self.ws.layers[layer].kill {
                    table.kill_within_max = biased(&table.kill_within_max, bias);
                }
            }
            Mutation::KillingRound { layer, bias } => {
                // A one-shot layer has no round to get wrong: nothing to mutate.
                for table in &mut self.ws.layers[layer].kill {
                    if let Some(first) = table.kill_round.first_mut() {
                        *first = biased(first, bias);
                    }
                }
            }
            Mutation::Capacity { .. } | Mutation::GroupSplit { .. } | Mutation::EwSpread { .. } => {}
        }
        self.mutation = Some(mutation);
        self
    }

    /// Runs night `night` (0-based): the raid, then exhaustion, resupply and production.
    pub fn night(&mut self, night: usize) {
        self.rng = night_rng(self.seed, self.trial, night as u64);
        let inputs = self.scenario.plan.nights[night];
        if inputs.variant != self.variant {
            self.switch_variant(inputs.variant);
        }
        if self.warning_level != Some(inputs.early_warning) {
            let types = self.scenario.threats.len();
            let per_level = self.ws.layers.len() * types;
            let tonight = &self.ws.opportunity[inputs.early_warning * per_level..][..per_level];
            for (layer, chances) in self.ws.layers.iter_mut().zip(tonight.chunks(types)) {
                layer.opportunity.copy_from_slice(chances);
            }
            self.warning_level = Some(inputs.early_warning);
        }
        let (wanted, drawn) = self.scenario.plan.raid_size[inputs.raid_size].sample_with_draw(&mut self.rng);
        let wanted = wanted as u64;
        if let Some((slot, mean)) = self.layout.raid_size_controls[inputs.raid_size] {
            self.record.controls[slot] += drawn - mean;
        }
        let launched = match self.inventory.as_mut() {
            Some(stock) => {
                let n = wanted.min(*stock);
                *stock -= n;
                n
            }
            None => wanted,
        };
        let mixed = if self.ws.any_routine { self.take_routine(launched) } else { launched };
        match self.method {
            Method::PerThreat => self.raid_one_by_one(mixed, inputs.shares),
            Method::Counting => self.raid_counted(mixed, inputs.shares),
        }
        self.end_of_night(night);
    }

    /// Fills the routine part of tonight's raid of `launched` (types with one, in file order, each
    /// up to its `per_night`) into `routine_tonight`, and beside it each nightly type's Poisson
    /// number; returns how many of the raid are left for the mix. Riders are counted once the mix
    /// is launched ([`Campaign::count_riders`]).
    fn take_routine(&mut self, launched: u64) -> u64 {
        let mut left = launched;
        for (tonight, &routine) in self.ws.routine_tonight.iter_mut().zip(&self.ws.routine) {
            *tonight = routine.min(left);
            left -= *tonight;
        }
        for (kind, threat) in self.scenario.threats.iter().enumerate() {
            if threat.nightly_mean.is_some() {
                self.ws.routine_tonight[kind] = poisson(self.ws.nightly_mean[kind], &mut self.rng);
            }
        }
        left
    }

    /// Counts tonight's riders: `ratio × n` of each for `n` of the type it rides with launched
    /// tonight (in the mix so far, and outside it), rounded up with probability the fraction, so
    /// that the mean is exact. Called once the mix is launched, before the types outside it.
    pub(super) fn count_riders(&mut self) {
        if !self.ws.any_rider {
            return;
        }
        for (kind, threat) in self.scenario.threats.iter().enumerate() {
            if let Some(rider) = &threat.per {
                let n = self.ws.launched_tonight[rider.of] + self.ws.routine_tonight[rider.of];
                let wanted = self.ws.ratio[kind] * n as f64;
                let whole = wanted.floor();
                let up = self.rng.random::<f64>() < wanted - whole;
                self.ws.routine_tonight[kind] = whole as u64 + u64::from(up);
            }
        }
    }

    /// Tonight's capacity of each layer, surged for the night's threats (all of them launched).
    pub(super) fn surge_capacity(&mut self) {
        if !self.ws.any_surge {
            return;
        }
        let launched: u64 = self.ws.launched_tonight.iter().sum();
        let warning = self.ws.warning_levels[self.warning_level.expect("set at the night's start")];
        self.ws.layers.iter_mut().for_each(|layer| layer.surge(launched, warning));
    }

    /// Puts variant `v`'s parameters in force; a delivery raises a stock (booked as resupply).
    fn switch_variant(&mut self, v: usize) {
        let ws = &mut *self.ws;
        let variant = &ws.variants[v];
        for (i, (state, from)) in ws.layers.iter_mut().zip(&variant.layers).enumerate() {
            state.take_parameters(from);
            if let Some(stock) = variant.deliveries[i].filter(|&s| state.finite && s > state.stock) {
                self.record.layers[i].resupplied += stock - state.stock;
                state.stock = stock;
            }
        }
        ws.ew_defeat.clone_from(&variant.ew_defeat);
        ws.opportunity.clone_from(&variant.opportunity);
        ws.routine.clone_from(&variant.routine);
        ws.nightly_mean.clone_from(&variant.nightly_mean);
        ws.ratio.clone_from(&variant.ratio);
        self.discrimination = variant.discrimination;
        self.variant = v;
        self.warning_level = None;
    }

    /// Books `n` launches of type `kind`, `defeated` of them by EW.
    pub(super) fn book_launch(&mut self, kind: usize, n: u64, defeated: u64) {
        let totals = &mut self.record.threats[kind];
        totals.launched += n;
        totals.ew_defeated += defeated;
        self.ws.launched_tonight[kind] += n;
        self.ew_tonight += defeated;
        self.record.attacker_spend_usd += n as f64 * self.ws.unit_cost_usd[kind];
    }

    /// Books `leaked` leakers of type `kind` out of `flying` past EW (the rest were killed);
    /// leaking strike drones do damage.
    pub(super) fn book_leaks(&mut self, kind: usize, flying: u64, leaked: u64) {
        let totals = &mut self.record.threats[kind];
        totals.leaked += leaked;
        totals.killed += flying - leaked;
        self.ws.leaked_tonight[kind] += leaked;
        let threat = &self.scenario.threats[kind];
        if !threat.decoy {
            threat.damage_on_leak_usd.add_draws(leaked, &mut self.record.damage_usd, &mut self.rng);
        }
    }

    /// Exhaustion, resupply, attacker production, and the night's row of the record.
    fn end_of_night(&mut self, night: usize) {
        let (layout, width) = (self.layout, self.layout.width());
        let types = self.scenario.threats.len();
        let row = &mut self.record.nightly[night * width..(night + 1) * width];
        let mut defender_cum_usd = 0.0;
        for (i, (state, totals)) in self.ws.layers.iter_mut().zip(&mut self.record.layers).enumerate() {
            if state.is_exhausted() && totals.exhaustion_night.is_none() {
                totals.exhaustion_night = Some(night as u32 + 1);
            }
            totals.resupplied += state.resupply();
            totals.rounds += state.rounds_tonight;
            totals.kills += state.kills_tonight;
            totals.engaged += state.engaged_tonight;
            row[layout.rounds(i)] = real(state.rounds_tonight);
            row[layout.kills(i)] = real(state.kills_tonight);
            let pairs = &mut self.record.by_threat[i * types..(i + 1) * types];
            for (kind, pair) in pairs.iter_mut().enumerate() {
                // Read and cleared for the next night in one go (a fill per vector calls memset).
                let (rounds, kills) =
                    (std::mem::take(&mut state.rounds_by_type[kind]), std::mem::take(&mut state.kills_by_type[kind]));
                pair.rounds += rounds;
                pair.kills += kills;
                if let Some(k) = layout.pair(i, kind) {
                    row[layout.rounds_by_threat(k)] = real(rounds);
                    row[layout.kills_by_threat(k)] = real(kills);
                }
            }
            (state.rounds_tonight, state.kills_tonight, state.engaged_tonight) = (0, 0, 0);
            defender_cum_usd += real(totals.rounds) * state.cost_per_shot_usd;
        }
        for (k, &layer) in layout.stock_layers.iter().enumerate() {
            row[layout.stock(k)] = real(self.ws.layers[layer].stock);
            row[layout.exhausted(k)] = if self.record.layers[layer].exhaustion_night.is_some() { 1.0 } else { 0.0 };
        }
        if let Some(stock) = self.inventory.as_mut() {
            *stock = stock.saturating_add(self.production);
        }
        let (mut launched, mut leaked) = (0, 0);
        for t in 0..types {
            let (launched_t, leaked_t) =
                (std::mem::take(&mut self.ws.launched_tonight[t]), std::mem::take(&mut self.ws.leaked_tonight[t]));
            row[layout.launched(t)] = real(launched_t);
            row[layout.leakers(t)] = real(leaked_t);
            (launched, leaked) = (launched + launched_t, leaked + leaked_t);
        }
        row[layout.launched(types)] = real(launched);
        row[layout.leakers(types)] = real(leaked);
        row[layout.ew_defeated()] = real(self.ew_tonight);
        self.ew_tonight = 0;
        row[layout.defender_spend_cum()] = defender_cum_usd;
        row[layout.attacker_spend_cum()] = self.record.attacker_spend_usd;
        row[layout.damage_cum()] = self.record.damage_usd;
    }

    /// Runs every night, then closes the campaign.
    pub fn run(mut self) {
        for night in 0..self.scenario.nights as usize {
            self.night(night);
        }
        self.finish();
    }

    /// Closes the campaign: final stocks and spend.
    pub fn finish(self) {
        for (totals, state) in self.record.layers.iter_mut().zip(&self.ws.layers) {
            totals.final_stock = state.finite.then_some(state.stock);
            totals.spend_usd = totals.rounds as f64 * state.cost_per_shot_usd;
            self.record.defender_spend_usd += totals.spend_usd;
        }
    }
}

/// Runs trial `trial` of `scenario` under master seed `seed` into `record`, by counting.
pub fn simulate(
    scenario: &Scenario,
    layout: &NightLayout,
    seed: u64,
    trial: u64,
    ws: &mut Workspace,
    record: &mut TrialRecord,
) {
    Campaign::start(scenario, layout, seed, trial, ws, record).run();
}

/// The opportunity of each layer against each threat type at each early-warning level
/// (level-major, then layer): coverage × w^warning_sensitivity.
fn fill_opportunity(opportunity: &mut Vec<Chance>, layers: &[LayerState], levels: &[f64]) {
    opportunity.clear();
    for &w in levels {
        for l in layers {
            let warning = w.powf(l.warning_sensitivity);
            opportunity.extend(l.treatment.iter().map(|t| Chance::new(l.coverage[t.coverage] * warning)));
        }
    }
}

/// Draws the parameters of each variant of the plan: the trial's own, with the fields its phase
/// changes drawn from a stream of the variant's own (so the trial's other draws are untouched).
/// Nothing is drawn for a plan without variants.
fn draw_variants(scenario: &Scenario, seed: u64, trial: u64, ws: &mut Workspace, discrimination: Chance) {
    let variants = &scenario.plan.variants;
    if variants.len() < 2 {
        return;
    }
    ws.variants.resize_with(variants.len(), Variant::default);
    for (v, (variant, sets)) in ws.variants.iter_mut().zip(variants).enumerate() {
        variant.layers.resize_with(ws.layers.len(), LayerState::default);
        for (to, from) in variant.layers.iter_mut().zip(&ws.layers) {
            to.treatment.clone_from(&from.treatment);
            to.take_parameters(from);
        }
        variant.ew_defeat.clone_from(&ws.ew_defeat);
        variant.discrimination = discrimination;
        variant.deliveries.clear();
        variant.deliveries.resize(ws.layers.len(), None);
        variant.routine.clone_from(&ws.routine);
        variant.nightly_mean.clone_from(&ws.nightly_mean);
        variant.ratio.clone_from(&ws.ratio);
        let mut rng = phase_rng(seed, trial, v as u64);
        for PhaseSet { target, param, .. } in sets {
            let value = param.sample(&mut rng);
            match *target {
                Target::EwDefeat => {
                    for (chance, threat) in variant.ew_defeat.iter_mut().zip(&scenario.threats) {
                        if threat.ew_defeat.is_none() {
                            *chance = Chance::new(value);
                        }
                    }
                }
                Target::ThreatEwDefeat(t) => variant.ew_defeat[t] = Chance::new(value),
                Target::DecoyDiscrimination => variant.discrimination = Chance::new(value),
                Target::PerNight(t) => variant.routine[t] = value.round().max(0.0) as u64,
                Target::NightlyMean(t) => variant.nightly_mean[t] = value,
                Target::Per(t) => variant.ratio[t] = value,
                Target::Layer(l, LayerField::Stock) => variant.deliveries[l] = Some(value as u64),
                Target::Layer(l, field) => variant.layers[l].set(field, value),
            }
        }
        fill_opportunity(&mut variant.opportunity, &variant.layers, &ws.warning_levels);
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

/// The counting method's type split of a mix: P(type k | not types 0..k) from the cumulative
/// shares, for every type but the last (which takes the rest).
fn fill_type_split(split: &mut Vec<Chance>, cdf: &[f64]) {
    split.clear();
    let mut below = 0.0;
    for &c in &cdf[..cdf.len() - 1] {
        let rest = 1.0 - below;
        split.push(Chance::new(if rest > 0.0 { (c - below) / rest } else { 0.0 }));
        below = c;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(salvo: bool, pk: f64, max_shots: u64) -> LayerState {
        let mut table = KillTable::default();
        table.fill(pk, max_shots);
        let treatment = vec![Treatment { engaged: true, ..Treatment::default() }];
        LayerState { salvo, kill: vec![table], treatment, max_shots, ..LayerState::default() }
    }

    #[test]
    fn one_uniform_settles_shoot_look_shoot() {
        // pk 0.5: kill on round 1 for u < 0.5, round 2 for u < 0.75, round 3 for u < 0.875.
        let sls = layer(false, 0.5, 3);
        assert_eq!(sls.engage(0, 3, 0.1), (1, true));
        assert_eq!(sls.engage(0, 3, 0.6), (2, true));
        assert_eq!(sls.engage(0, 3, 0.8), (3, true));
        assert_eq!(sls.engage(0, 3, 0.9), (3, false));
        assert_eq!(sls.engage(0, 2, 0.8), (2, false), "stock allows only two rounds");
        assert_eq!(layer(false, 0.0, 4).engage(0, 4, 0.0), (4, false));
        assert_eq!(layer(false, 1.0, 4).engage(0, 4, 0.999), (1, true));
    }

    #[test]
    fn salvo_fires_everything_available() {
        let salvo = layer(true, 0.5, 2);
        assert_eq!(salvo.engage(0, 2, 0.74), (2, true));
        assert_eq!(salvo.engage(0, 2, 0.76), (2, false));
        assert_eq!(salvo.engage(0, 1, 0.6), (1, false));
    }
}
