//! The validated scenario the engine runs: every field checked, defaults filled in, phases resolved
//! into a per-night plan.

use super::date::Date;
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
    /// The date of night 1, if the campaign is tied to the calendar.
    pub start_date: Option<Date>,
    pub raid: Raid,
    pub threats: Vec<Threat>,
    pub defence: Defence,
    pub layers: Vec<Layer>,
    /// What varies by phase, and which variant each night uses.
    pub plan: NightPlan,
    /// `[[fit]]`: the fields `calibrate` and `backtest` fit when no `--fit` is given.
    pub fits: Vec<FitRange>,
}

/// A number field and the bounds to fit it within, LO < HI, both finite. Whether the path names a
/// number field of the scenario and the bounds lie inside its range is checked where it is fitted.
#[derive(Clone, Debug, PartialEq)]
pub struct FitRange {
    pub path: String,
    pub lo: f64,
    pub hi: f64,
}

#[derive(Clone, Debug)]
pub struct Raid {
    /// Attacker inventory at the start (absent = unlimited); drawn once per trial.
    pub stock: Option<Param>,
    /// Drones added to the inventory after each night; drawn once per trial.
    pub production_per_night: Param,
    /// Nights taken from the Air Force record: each report of the window one night, with its raid.
    pub record: Option<RecordSpec>,
}

/// A window of the Air Force record a campaign replays.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordSpec {
    /// The data file as written, relative to the scenario file.
    pub file: String,
    pub from: Date,
    pub to: Date,
}

#[derive(Clone, Debug)]
pub struct Threat {
    pub name: String,
    /// Words for it where a person reads them (`label`, else the name).
    pub label: String,
    /// USD per drone launched; drawn once per trial.
    pub unit_cost_usd: Param,
    /// USD of damage per leaker; drawn per leaking drone (0 for decoys).
    pub damage_on_leak_usd: Param,
    pub decoy: bool,
    /// P(EW defeats one), overriding `defence.ew_defeat` (missiles, say, that EW cannot touch).
    pub ew_defeat: Option<Param>,
    /// A tag shared by threats that layers treat alike (`ballistic`, `cruise`); default: the name.
    pub kind: String,
    /// The routine part of each night's raid: the first `per_night` threats of every raid (all of a
    /// smaller one) are of this type, the rest are drawn from the mix, in which this type has no
    /// share. Drawn once per trial; types with one fill the raid in file order.
    pub per_night: Option<Param>,
    /// Launched beside the raid, not out of it: a Poisson number each night whose mean is drawn
    /// once per trial. Such a type has no share in any mix.
    pub nightly_mean: Option<Param>,
    /// Launched beside the raid in proportion to another type's number that night (decoys per
    /// strike drone). Such a type has no share in any mix.
    pub per: Option<Rider>,
    /// Whether the record would report one of these that leaked as having reached its target
    /// (`leak_reported_as = "reached"`, the default) or as lost (`"lost"`: a decoy left alone
    /// flies until its fuel runs out); used where the model is scored against the record.
    pub leak_reported_reached: bool,
}

/// A threat type launched in proportion to another: each night `ratio × n` of it (rounded at
/// random, up or down, so that the mean is exact) for `n` of type `of` launched that night.
#[derive(Clone, Debug)]
pub struct Rider {
    /// The threat it rides with (an index into [`Scenario::threats`]; never itself a rider).
    pub of: usize,
    /// Its name, for paths and messages.
    pub of_name: String,
    /// Drawn once per trial.
    pub ratio: Param,
}

impl Threat {
    /// Whether the type is drawn from the raid's mix (else it flies as a routine part, a nightly
    /// number of its own, or beside another type, and has no share).
    pub fn in_mix(&self) -> bool {
        self.per_night.is_none() && self.nightly_mean.is_none() && self.per.is_none()
    }

    /// Whether the type flies beside the raid rather than out of it (`nightly_mean`, `per`).
    pub fn beside_raid(&self) -> bool {
        self.nightly_mean.is_some() || self.per.is_some()
    }
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
    /// Words for it where a person reads them (`label`, else the name).
    pub label: String,
    pub doctrine: Doctrine,
    /// Single-round kill probability.
    pub pk: Param,
    pub max_shots: Param,
    /// USD per round fired.
    pub cost_per_shot_usd: Param,
    /// USD per unit of nightly capacity, for the whole campaign (launchers, crews, guns).
    pub cost_per_capacity_usd: Param,
    /// Probability of an engagement opportunity at full early warning.
    pub coverage: Param,
    /// Threats engaged per night at most (absent = unlimited), before the surge.
    pub capacity: Option<Param>,
    /// The surge for a warned raid: tonight's capacity is `capacity + ⌊surge_per_threat × w × N⌋`
    /// for a raid of `N` at early warning `w` (0 = no surge; only beside a `capacity`).
    pub surge_per_threat: Param,
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
    /// Threat names or kinds the layer fires at, in priority order; `None` = every threat alike.
    pub engages: Option<Vec<String>>,
    /// Single-round kill probability against a threat name or kind, overriding `pk`.
    pub pk_vs: Vec<(String, Param)>,
    /// Coverage against a threat name or kind, overriding `coverage`.
    pub coverage_vs: Vec<(String, Param)>,
    /// Threat names or kinds that may draw the reserve.
    pub reserve_for: Vec<String>,
    /// How the layer treats each threat, in threat order (resolved from the four fields above).
    pub treatment: Vec<Treatment>,
}

impl Layer {
    /// USD to field the layer's nightly capacity for the campaign: (capacity + surge per threat ×
    /// `mean_raid`) × cost per unit, all at their means (not drawn per trial; a phase's capacity
    /// is not counted). The surge is priced at full warning: the groups it puts on alert exist
    /// whether or not the warning comes.
    pub fn capacity_cost_usd(&self, mean_raid: f64) -> f64 {
        let fielded = self.capacity.as_ref().map_or(0.0, Param::mean) + self.surge_per_threat.mean() * mean_raid;
        fielded * self.cost_per_capacity_usd.mean()
    }
}

/// How one layer treats one threat type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Treatment {
    /// Whether the layer fires at it at all.
    pub engaged: bool,
    /// Its priority group: the position in `engages` of the entry naming it (its name before its
    /// kind); 0 for every threat when `engages` is absent. Lower groups are served first.
    pub priority: usize,
    /// Which kill probability applies: 0 = the layer's `pk`, i = `pk_vs[i - 1]`.
    pub pk: usize,
    /// Which coverage applies: 0 = the layer's `coverage`, i = `coverage_vs[i - 1]`.
    pub coverage: usize,
    /// Whether it may be engaged with the reserve (down to 0 rounds).
    pub below_reserve: bool,
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
    /// Each night's date, for a campaign tied to the calendar (empty otherwise).
    pub dates: Vec<Date>,
    /// Phases as declared, for reports and charts.
    pub phases: Vec<Phase>,
    /// Number fields changed by phases: `[0]` is empty (the scenario as written), then one entry
    /// per phase with a `set` table.
    pub variants: Vec<Vec<PhaseSet>>,
}

impl NightPlan {
    /// The mean raid size over the campaign's nights (each night's size at its mean).
    pub fn mean_raid_size(&self) -> f64 {
        if self.nights.is_empty() {
            return 0.0;
        }
        let total: f64 = self.nights.iter().map(|n| self.raid_size[n.raid_size].mean()).sum();
        total / self.nights.len() as f64
    }
}

/// One number field a phase changes, and its value for the phase's nights.
#[derive(Clone, Debug)]
pub struct PhaseSet {
    /// The field's `--set` path.
    pub path: String,
    pub target: Target,
    /// Drawn once per trial, like the field it replaces.
    pub param: Param,
}

/// A number field a phase may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `defence.ew_defeat`: every threat without an `ew_defeat` of its own.
    EwDefeat,
    /// `threat.<name>.ew_defeat`.
    ThreatEwDefeat(usize),
    /// `defence.decoy_discrimination`.
    DecoyDiscrimination,
    /// `threat.<name>.per_night`: the routine part of the raid.
    PerNight(usize),
    /// `threat.<name>.nightly_mean`: the mean of a number launched beside the raid.
    NightlyMean(usize),
    /// `threat.<name>.per.<other>`: the ratio of a type launched beside another.
    Per(usize),
    /// A field of layer `.0`.
    Layer(usize, LayerField),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerField {
    /// `pk` (0) or `pk_vs` entry `i - 1`.
    Pk(usize),
    MaxShots,
    /// `coverage` (0) or `coverage_vs` entry `i - 1`.
    Coverage(usize),
    WarningSensitivity,
    Capacity,
    SurgePerThreat,
    /// A delivery: on the phase's first night the stock is raised to at least this.
    Stock,
    Reserve,
    ResupplyPerNight,
    MaxStock,
}

/// Indices into [`NightPlan`]'s lists for one night.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NightInputs {
    pub early_warning: usize,
    pub raid_size: usize,
    pub shares: usize,
    /// Which entry of [`NightPlan::variants`] holds the night's changed fields.
    pub variant: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase {
    pub name: String,
    /// First and last night, inclusive, 1-based; `first > last` for a dated phase outside the
    /// campaign.
    pub first: u32,
    pub last: u32,
    /// The phase's dates, if it was given by dates.
    pub dates: Option<[Date; 2]>,
    /// Which entry of [`NightPlan::early_warning`] the phase set, if it set one.
    pub early_warning: Option<usize>,
    /// Which entry of [`NightPlan::raid_size`] the phase set, if it set one.
    pub raid_size: Option<usize>,
    /// Which entry of [`NightPlan::shares`] the phase set, if it set one.
    pub shares: Option<usize>,
    /// Which entry of [`NightPlan::variants`] holds the fields it changes, if it changes any.
    pub variant: Option<usize>,
}

impl Phase {
    /// Whether the phase is given by dates and `date` falls in them.
    pub fn covers(&self, date: Date) -> bool {
        self.dates.is_some_and(|[first, last]| first <= date && date <= last)
    }
}

impl Scenario {
    /// The mean number of threats a night over the campaign, at the parameters' means: the raid
    /// (its routine parts and mix) and what flies beside it (nightly numbers, and riders at their
    /// ratio to the mean number of the type they ride with, in the scenario's own mix).
    pub fn mean_threats_a_night(&self) -> f64 {
        let raid = self.plan.mean_raid_size();
        let shares = &self.plan.shares[0];
        let total: f64 = shares.iter().map(|p| p.mean().max(0.0)).sum();
        let routine: f64 = self.threats.iter().filter_map(|t| t.per_night.as_ref()).map(|p| p.mean()).sum();
        let mixed = (raid - routine).max(0.0);
        let own = |i: usize| -> f64 {
            let t = &self.threats[i];
            match (&t.per_night, &t.nightly_mean) {
                (Some(p), _) | (_, Some(p)) => p.mean(),
                _ if t.in_mix() && total > 0.0 => mixed * shares[i].mean().max(0.0) / total,
                _ => 0.0,
            }
        };
        let beside: f64 = self
            .threats
            .iter()
            .enumerate()
            .map(|(i, t)| match (&t.nightly_mean, &t.per) {
                (Some(_), _) => own(i),
                (_, Some(rider)) => rider.ratio.mean() * own(rider.of),
                _ => 0.0,
            })
            .sum();
        raid + beside
    }

    /// Per threat type, the mean damage a leaker does (0 for a decoy), if every strike type's
    /// `damage_on_leak` has a closed-form mean ([`Param::exact_mean`]): the means with damage are
    /// then tallied from the damage expected given the leakers.
    pub fn damage_per_leaker_usd(&self) -> Option<Vec<f64>> {
        self.threats.iter().map(|t| if t.decoy { Some(0.0) } else { t.damage_on_leak_usd.exact_mean() }).collect()
    }

    /// The number field at `--set` path `path`, if the scenario has one.
    pub fn param(&self, path: &str) -> Option<Param> {
        let mut copy = self.clone();
        copy.params_mut().into_iter().find(|(p, _)| p == path).map(|(_, param)| param.clone())
    }

    /// Every number field with its `--set` path (`layer.nasams.pk`, `phase.<name>.early_warning`,
    /// `phase.<name>.shares.<threat>`, `phase.<name>.set.<field path>`), in file order: what a
    /// sensitivity analysis pins and a fit can fit.
    pub fn params_mut(&mut self) -> Vec<(String, &mut Param)> {
        let NightPlan { early_warning, raid_size, shares, phases, variants, .. } = &mut self.plan;
        let (early_warning, phase_warning) = early_warning.split_first_mut().expect("the defence's own level");
        let (raid_size, phase_raid) = raid_size.split_first_mut().expect("the raid's own size");
        let (shares, phase_shares) = shares.split_first_mut().expect("the threats' own mix");
        // Only a threat of the mix has a share in it.
        let mixed: Vec<Option<String>> = self.threats.iter().map(|t| t.in_mix().then(|| t.name.clone())).collect();
        let mut out: Vec<(String, &mut Param)> = vec![("raid.size".into(), raid_size)];
        if let Some(stock) = self.raid.stock.as_mut() {
            out.push(("raid.stock".into(), stock));
        }
        out.push(("raid.production_per_night".into(), &mut self.raid.production_per_night));
        for (threat, share) in self.threats.iter_mut().zip(shares.iter_mut()) {
            let at = |field: &str| format!("threat.{}.{field}", threat.name);
            match (threat.per_night.as_mut(), threat.nightly_mean.as_mut(), threat.per.as_mut()) {
                (Some(per_night), ..) => out.push((at("per_night"), per_night)),
                (_, Some(mean), _) => out.push((at("nightly_mean"), mean)),
                (.., Some(rider)) => out.push((at(&format!("per.{}", rider.of_name)), &mut rider.ratio)),
                (None, None, None) => out.push((at("share"), share)),
            }
            out.push((at("unit_cost"), &mut threat.unit_cost_usd));
            if !threat.decoy {
                out.push((at("damage_on_leak"), &mut threat.damage_on_leak_usd));
            }
            if let Some(ew) = threat.ew_defeat.as_mut() {
                out.push((at("ew_defeat"), ew));
            }
        }
        out.push(("defence.early_warning".into(), early_warning));
        out.push(("defence.ew_defeat".into(), &mut self.defence.ew_defeat));
        out.push(("defence.decoy_discrimination".into(), &mut self.defence.decoy_discrimination));
        for layer in &mut self.layers {
            let at = |field: &str| format!("layer.{}.{field}", layer.name);
            let fields = [("pk", Some(&mut layer.pk)), ("max_shots", Some(&mut layer.max_shots))];
            let surges = layer.capacity.is_some();
            let more = [
                ("cost_per_shot", Some(&mut layer.cost_per_shot_usd)),
                ("cost_per_capacity", Some(&mut layer.cost_per_capacity_usd)),
                ("coverage", Some(&mut layer.coverage)),
                ("capacity", layer.capacity.as_mut()),
                ("surge_per_threat", surges.then_some(&mut layer.surge_per_threat)),
                ("stock", layer.stock.as_mut()),
                ("reserve", Some(&mut layer.reserve)),
                ("resupply_per_night", Some(&mut layer.resupply_per_night)),
                ("max_stock", layer.max_stock.as_mut()),
                ("warning_sensitivity", Some(&mut layer.warning_sensitivity)),
            ];
            for (field, param) in fields.into_iter().chain(more) {
                if let Some(param) = param {
                    out.push((at(field), param));
                }
            }
            for (table, entries) in [("pk_vs", &mut layer.pk_vs), ("coverage_vs", &mut layer.coverage_vs)] {
                for (key, param) in entries.iter_mut() {
                    out.push((at(&format!("{table}.{key}")), param));
                }
            }
        }
        let mut phase_warning: Vec<Option<&mut Param>> = phase_warning.iter_mut().map(Some).collect();
        let mut phase_raid: Vec<Option<&mut Param>> = phase_raid.iter_mut().map(Some).collect();
        let mut phase_shares: Vec<Option<&mut Vec<Param>>> = phase_shares.iter_mut().map(Some).collect();
        let mut changed: Vec<Option<&mut Vec<PhaseSet>>> = variants.iter_mut().skip(1).map(Some).collect();
        for phase in phases.iter() {
            let at = |field: &str| format!("phase.{}.{field}", phase.name);
            if let Some(level) = phase.early_warning.and_then(|i| phase_warning[i - 1].take()) {
                out.push((at("early_warning"), level));
            }
            if let Some(size) = phase.raid_size.and_then(|i| phase_raid[i - 1].take()) {
                out.push((at("raid_size"), size));
            }
            if let Some(mix) = phase.shares.and_then(|i| phase_shares[i - 1].take()) {
                for (name, share) in mixed.iter().zip(mix.iter_mut()) {
                    if let Some(name) = name {
                        out.push((at(&format!("shares.{name}")), share));
                    }
                }
            }
            if let Some(sets) = phase.variant.and_then(|v| changed[v - 1].take()) {
                for set in sets.iter_mut() {
                    out.push((at(&format!("set.{}", set.path)), &mut set.param));
                }
            }
        }
        out
    }
}
