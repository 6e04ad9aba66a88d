//! Everything a run reports, tallied over trials in constant memory (see [`crate::stats`]).

use super::layout::NightLayout;
use super::trial::TrialRecord;
use crate::scenario::Scenario;
use crate::stats::{Columns, ControlVariates, Controlled, Scale, Stats, Tally, real};

/// Tallies of one threat type.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ThreatTallies {
    /// USD, as drawn per trial.
    pub unit_cost_usd: Tally,
    pub launched: Tally,
    pub ew_defeated: Tally,
    pub killed: Tally,
    pub leaked: Tally,
}

/// Tallies of one layer.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LayerTallies {
    pub rounds: Tally,
    pub kills: Tally,
    pub spend_usd: Tally,
    /// Over trials in which the layer killed at least once.
    pub cost_per_kill_usd: Tally,
    /// USD to field the layer: rounds bought (initial stock and resupply for a finite stock, rounds
    /// fired for an unlimited one) × cost per shot, plus capacity × cost per unit of capacity.
    pub fielding_cost_usd: Tally,
    /// Over trials (finite-stock layers only).
    pub final_stock: Tally,
    /// Rounds held back, as drawn per trial.
    pub reserve: Tally,
    /// Trials in which the layer was exhausted on some night.
    pub exhausted_trials: u64,
    /// First exhaustion night, over the trials in which it happened.
    pub exhaustion_night: Tally,
}

/// Tallies of one layer against one threat type it engages.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PairTallies {
    pub rounds: Tally,
    pub kills: Tally,
    pub spend_usd: Tally,
    /// Over trials in which the layer killed at least one of the type.
    pub cost_per_kill_usd: Tally,
}

impl Default for PairTallies {
    fn default() -> Self {
        PairTallies {
            rounds: Tally::counts(),
            kills: Tally::counts(),
            spend_usd: Tally::amounts(),
            cost_per_kill_usd: Tally::amounts(),
        }
    }
}

impl Default for ThreatTallies {
    fn default() -> Self {
        ThreatTallies {
            unit_cost_usd: Tally::amounts(),
            launched: Tally::counts(),
            ew_defeated: Tally::counts(),
            killed: Tally::counts(),
            leaked: Tally::counts(),
        }
    }
}

impl Default for LayerTallies {
    fn default() -> Self {
        LayerTallies {
            rounds: Tally::counts(),
            kills: Tally::counts(),
            spend_usd: Tally::amounts(),
            cost_per_kill_usd: Tally::amounts(),
            fielding_cost_usd: Tally::amounts(),
            final_stock: Tally::counts(),
            reserve: Tally::counts(),
            exhausted_trials: 0,
            exhaustion_night: Tally::counts(),
        }
    }
}

/// The aggregate of a run (or of a block of its trials).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Aggregate {
    pub trials: u64,
    pub defender_spend_usd: Tally,
    pub attacker_spend_usd: Tally,
    pub damage_usd: Tally,
    /// Defender spend / attacker spend, per trial (trials with attacker spend > 0).
    pub cost_exchange_ratio: Tally,
    /// (Defender spend + damage) / attacker spend, per trial.
    pub cost_exchange_ratio_with_damage: Tally,
    /// Strike drones leaked / launched, per trial (trials that launched strike drones).
    pub leak_rate: Tally,
    /// USD: every layer's fielding cost, per trial.
    pub defence_cost_usd: Tally,
    pub threats: Vec<ThreatTallies>,
    pub layers: Vec<LayerTallies>,
    /// Per (layer, threat type) pair in which the layer engages the type, in [`NightLayout::pairs`]
    /// order.
    pub pairs: Vec<PairTallies>,
    /// `nights × layout.width()` columns, night-major, in [`NightLayout`] column order.
    pub nightly: Columns,
    /// Scratch: (column, damage expected given the leakers so far) of each night's cumulative damage.
    /// Worked out before the row is tallied, into a buffer kept across trials: computed lazily
    /// inside the tally's pass it cost 0.5 % more instructions.
    #[serde(skip)]
    expected_damage: Vec<(usize, f64)>,
    /// The headline metrics against the trial's drawn parameters, for their controlled means.
    controlled: ControlVariates,
}

impl Aggregate {
    pub fn new(scenario: &Scenario, layout: &NightLayout) -> Aggregate {
        Aggregate {
            trials: 0,
            defender_spend_usd: Tally::default(),
            attacker_spend_usd: Tally::default(),
            damage_usd: Tally::default(),
            cost_exchange_ratio: Tally::default(),
            cost_exchange_ratio_with_damage: Tally::default(),
            leak_rate: Tally::default(),
            defence_cost_usd: Tally::default(),
            threats: vec![ThreatTallies::default(); scenario.threats.len()],
            layers: vec![LayerTallies::default(); scenario.layers.len()],
            pairs: vec![PairTallies::default(); layout.pairs.len()],
            nightly: Columns::new(
                (0..scenario.nights as usize * layout.width())
                    .map(|i| if layout.is_count(i % layout.width()) { Scale::Count } else { Scale::Relative }),
            ),
            expected_damage: Vec::new(),
            controlled: ControlVariates::new(layout.controls.len(), Self::headline_names().len()),
        }
    }

    /// The summary.json names of the headline tallies, in output order.
    pub fn headline_names() -> [&'static str; 6] {
        [
            "defender_spend_usd",
            "attacker_spend_usd",
            "damage_usd",
            "cost_exchange_ratio",
            "cost_exchange_ratio_with_damage",
            "leak_rate",
        ]
    }

    /// The headline tallies, in output order.
    fn headline_tallies(&self) -> [&Tally; 6] {
        [
            &self.defender_spend_usd,
            &self.attacker_spend_usd,
            &self.damage_usd,
            &self.cost_exchange_ratio,
            &self.cost_exchange_ratio_with_damage,
            &self.leak_rate,
        ]
    }

    /// The headline metrics with their summary.json names, in output order: each one's mean
    /// corrected by control variates where that applies ([`Aggregate::controlled`]).
    pub fn headline(&self) -> [(&'static str, Option<Stats>); 6] {
        let tallies = self.headline_tallies();
        let names = Self::headline_names();
        std::array::from_fn(|i| {
            let stats = tallies[i].stats();
            let controlled = self.controlled(i);
            (names[i], stats.map(|s| controlled.map_or(s, |c| s.with_mean(c.mean, c.se))))
        })
    }

    /// Headline metric `i`'s mean by control variates: `None` where the scenario draws no control,
    /// where a half of the trials is too small to fit them, or where the metric is not defined in
    /// every trial (a cost-exchange ratio with nothing launched: the controls' means over the
    /// trials that remain are not known).
    pub fn controlled(&self, i: usize) -> Option<Controlled> {
        (self.headline_tallies()[i].count() == self.trials).then(|| self.controlled.estimate(i)).flatten()
    }

    /// Tallies one trial, whose nightly row is laid out by `layout`.
    pub fn add(&mut self, scenario: &Scenario, layout: &NightLayout, record: &TrialRecord) {
        self.trials += 1;
        self.defender_spend_usd.add(record.defender_spend_usd);
        self.attacker_spend_usd.add(record.attacker_spend_usd);
        // Damage per leaker is drawn independently of everything else in the trial, so the damage
        // expected given the leakers has the same mean as the damage drawn and far less variance:
        // the means of the figures with damage are tallied from it (see Tally::add_conditional).
        let expected_damage_usd = layout.damage_per_leaker_usd.as_ref().map_or(record.damage_usd, |per_leaker| {
            record.threats.iter().zip(per_leaker).map(|(totals, usd)| real(totals.leaked) * usd).sum()
        });
        self.damage_usd.add_conditional(record.damage_usd, expected_damage_usd);
        if record.attacker_spend_usd > 0.0 {
            let (defender, attacker) = (record.defender_spend_usd, record.attacker_spend_usd);
            self.cost_exchange_ratio.add(defender / attacker);
            self.cost_exchange_ratio_with_damage.add_conditional(
                (defender + record.damage_usd) / attacker,
                (defender + expected_damage_usd) / attacker,
            );
        }
        let strike_launched = record.strike_launched(scenario);
        let leak_rate = (strike_launched > 0).then(|| real(record.strike_leaked(scenario)) / real(strike_launched));
        if let Some(rate) = leak_rate {
            self.leak_rate.add(rate);
        }
        self.add_controlled(record, expected_damage_usd, leak_rate);
        for (tallies, totals) in self.threats.iter_mut().zip(&record.threats) {
            tallies.unit_cost_usd.add(totals.unit_cost_usd);
            tallies.launched.add(totals.launched as f64);
            tallies.ew_defeated.add(totals.ew_defeated as f64);
            tallies.killed.add(totals.killed as f64);
            tallies.leaked.add(totals.leaked as f64);
        }
        let mut defence_cost_usd = 0.0;
        for ((tallies, totals), capacity_cost_usd) in
            self.layers.iter_mut().zip(&record.layers).zip(&layout.capacity_cost_usd)
        {
            let fielding_cost_usd = totals.fielding_cost_usd(*capacity_cost_usd);
            tallies.fielding_cost_usd.add(fielding_cost_usd);
            defence_cost_usd += fielding_cost_usd;
            tallies.rounds.add(totals.rounds as f64);
            tallies.kills.add(totals.kills as f64);
            tallies.spend_usd.add(totals.spend_usd);
            if totals.kills > 0 {
                tallies.cost_per_kill_usd.add(totals.spend_usd / totals.kills as f64);
            }
            if let Some(stock) = totals.final_stock {
                tallies.final_stock.add(stock as f64);
                tallies.reserve.add(totals.reserve as f64);
            }
            if let Some(night) = totals.exhaustion_night {
                tallies.exhausted_trials += 1;
                tallies.exhaustion_night.add(f64::from(night));
            }
        }
        self.defence_cost_usd.add(defence_cost_usd);
        let types = scenario.threats.len();
        let engaged = scenario.layers.iter().flat_map(|l| &l.treatment).enumerate().filter(|(_, t)| t.engaged);
        for (tallies, (i, _)) in self.pairs.iter_mut().zip(engaged) {
            let totals = &record.by_threat[i];
            tallies.rounds.add(totals.rounds as f64);
            tallies.kills.add(totals.kills as f64);
            let spend_usd = totals.rounds as f64 * record.layers[i / types].cost_per_shot_usd;
            tallies.spend_usd.add(spend_usd);
            if totals.kills > 0 {
                tallies.cost_per_kill_usd.add(spend_usd / totals.kills as f64);
            }
        }
        match &layout.damage_per_leaker_usd {
            Some(per_leaker) => {
                self.fill_expected_damage(layout, per_leaker, record);
                self.nightly.add_conditional(&record.nightly, self.expected_damage.iter().copied());
            }
            None => self.nightly.add(&record.nightly),
        }
    }

    /// The trial's controls and headline metrics (means as tallied; 0 where a metric is undefined,
    /// which makes [`Aggregate::controlled`] fall back to the plain mean).
    fn add_controlled(&mut self, record: &TrialRecord, expected_damage_usd: f64, leak_rate: Option<f64>) {
        let (defender, attacker) = (record.defender_spend_usd, record.attacker_spend_usd);
        let ratio = |numerator: f64| if attacker > 0.0 { numerator / attacker } else { 0.0 };
        let y = [
            defender,
            attacker,
            expected_damage_usd,
            ratio(defender),
            ratio(defender + expected_damage_usd),
            leak_rate.unwrap_or(0.0),
        ];
        self.controlled.add(record.trial, &record.controls, &y);
    }

    /// Each night's cumulative-damage column and the damage expected given the leakers so far,
    /// `per_leaker` being the mean damage per leaker of each threat type.
    fn fill_expected_damage(&mut self, layout: &NightLayout, per_leaker: &[f64], record: &TrialRecord) {
        self.expected_damage.clear();
        let mut cumulative = 0.0;
        for (night, row) in record.nightly.chunks(layout.width()).enumerate() {
            for (kind, usd) in per_leaker.iter().enumerate() {
                cumulative += row[layout.leakers(kind)] * usd;
            }
            self.expected_damage.push((night * layout.width() + layout.damage_cum(), cumulative));
        }
    }

    /// Whether an aggregate read from a shard file can be a chunk of `trials` trials of `scenario`
    /// (`exact`: exactly that many; else at most, for a run stopped at a precision target): the
    /// scenario's threats, layers and pairs, its nights' columns, and every tally's count and
    /// histogram consistent with the trials. `Err` says what is wrong.
    pub fn check(&self, scenario: &Scenario, trials: u64, exact: bool) -> Result<(), String> {
        let layout = NightLayout::new(scenario);
        if self.trials > trials || (exact && self.trials != trials) {
            return Err(format!("holds {} trials where its chunk has {trials}", self.trials));
        }
        let shape = [
            ("threats", self.threats.len(), scenario.threats.len()),
            ("layers", self.layers.len(), scenario.layers.len()),
            ("layer and threat pairs", self.pairs.len(), layout.pairs.len()),
        ];
        if let Some((what, got, want)) = shape.iter().find(|(_, got, want)| got != want) {
            return Err(format!("holds {got} {what} where the scenario has {want}"));
        }
        let n = self.trials;
        let headline = self.headline_tallies().into_iter().map(|t| ("a headline figure", t));
        let threats = self.threats.iter().flat_map(|t| {
            [&t.unit_cost_usd, &t.launched, &t.ew_defeated, &t.killed, &t.leaked].map(|x| ("a threat's figure", x))
        });
        let layers = self.layers.iter().flat_map(|l| {
            [&l.rounds, &l.kills, &l.spend_usd, &l.cost_per_kill_usd, &l.fielding_cost_usd, &l.final_stock]
                .into_iter()
                .chain([&l.reserve, &l.exhaustion_night])
                .map(|x| ("a layer's figure", x))
        });
        let pairs = self.pairs.iter().flat_map(|p| {
            [&p.rounds, &p.kills, &p.spend_usd, &p.cost_per_kill_usd].map(|x| ("a layer's figure by threat", x))
        });
        for (what, tally) in
            headline.chain([("defence_cost_usd", &self.defence_cost_usd)]).chain(threats).chain(layers).chain(pairs)
        {
            tally.check(n).map_err(|e| format!("{what} {e}"))?;
        }
        if let Some(l) = self.layers.iter().find(|l| l.exhausted_trials > n) {
            return Err(format!("has {} exhausted trials in a chunk of {n}", l.exhausted_trials));
        }
        self.controlled
            .check(layout.controls.len(), Self::headline_names().len(), n)
            .map_err(|e| format!("its control variates {e}"))?;
        self.nightly.check(scenario.nights as usize * layout.width(), n).map_err(|e| format!("its nightly series {e}"))
    }

    /// Folds in `other`, whose trials come after this aggregate's.
    pub fn merge(&mut self, other: &Aggregate) {
        self.trials += other.trials;
        self.defender_spend_usd.merge(&other.defender_spend_usd);
        self.attacker_spend_usd.merge(&other.attacker_spend_usd);
        self.damage_usd.merge(&other.damage_usd);
        self.cost_exchange_ratio.merge(&other.cost_exchange_ratio);
        self.cost_exchange_ratio_with_damage.merge(&other.cost_exchange_ratio_with_damage);
        self.leak_rate.merge(&other.leak_rate);
        self.defence_cost_usd.merge(&other.defence_cost_usd);
        for (mine, theirs) in self.threats.iter_mut().zip(&other.threats) {
            mine.unit_cost_usd.merge(&theirs.unit_cost_usd);
            mine.launched.merge(&theirs.launched);
            mine.ew_defeated.merge(&theirs.ew_defeated);
            mine.killed.merge(&theirs.killed);
            mine.leaked.merge(&theirs.leaked);
        }
        for (mine, theirs) in self.layers.iter_mut().zip(&other.layers) {
            mine.rounds.merge(&theirs.rounds);
            mine.kills.merge(&theirs.kills);
            mine.spend_usd.merge(&theirs.spend_usd);
            mine.cost_per_kill_usd.merge(&theirs.cost_per_kill_usd);
            mine.fielding_cost_usd.merge(&theirs.fielding_cost_usd);
            mine.final_stock.merge(&theirs.final_stock);
            mine.reserve.merge(&theirs.reserve);
            mine.exhausted_trials += theirs.exhausted_trials;
            mine.exhaustion_night.merge(&theirs.exhaustion_night);
        }
        for (mine, theirs) in self.pairs.iter_mut().zip(&other.pairs) {
            mine.rounds.merge(&theirs.rounds);
            mine.kills.merge(&theirs.kills);
            mine.spend_usd.merge(&theirs.spend_usd);
            mine.cost_per_kill_usd.merge(&theirs.cost_per_kill_usd);
        }
        self.nightly.merge(&other.nightly);
        self.controlled.merge(&other.controlled);
    }
}
