//! What a run derives once from its scenario: the nightly series — which (metric, series) pairs
//! exist and where each sits in a night's row of values — and, for the counting method, how the
//! layers treat each class of threat. One definition serves the engine that fills the rows and the
//! exporters and charts that read them, so they cannot drift apart.

use super::classes::Classes;
use super::controls::{Control, controls, raid_size_slots};
use crate::scenario::Scenario;

/// Metric names of nights.csv, in output order (docs/formats.md).
pub mod metric {
    pub const LAUNCHED: &str = "launched";
    pub const LEAKERS: &str = "leakers";
    pub const EW_DEFEATED: &str = "ew_defeated";
    pub const ROUNDS: &str = "rounds";
    pub const KILLS: &str = "kills";
    pub const STOCK: &str = "stock";
    /// 1 if the layer has been exhausted on this night or before: its mean is P(run dry by night n).
    pub const EXHAUSTED: &str = "exhausted";
    pub const DEFENDER_SPEND_CUM: &str = "defender_spend_cum";
    pub const ATTACKER_SPEND_CUM: &str = "attacker_spend_cum";
    pub const DAMAGE_CUM: &str = "damage_cum";
}

/// Series name of a sum over all threats (or the only series of a campaign-wide metric).
pub const TOTAL: &str = "total";

/// Offsets of each metric within one night's row.
#[derive(Clone, Debug, PartialEq)]
pub struct NightLayout {
    threats: usize,
    layers: usize,
    /// Indices of the layers with a finite stock: the series of `stock`.
    pub stock_layers: Vec<usize>,
    /// (layer, threat type) of every pair in which the layer engages the type: the `<layer>/<threat>`
    /// series of `rounds` and `kills`.
    pub pairs: Vec<(usize, usize)>,
    /// `pair_of[layer × threats + type]`: its index in `pairs`, if the layer engages the type.
    pair_of: Vec<Option<usize>>,
    /// (metric, series) of every column, in row order.
    pub columns: Vec<(&'static str, String)>,
    /// How the layers treat each class of threat, for the counting method (see [`Classes`]).
    pub(crate) classes: Classes,
    /// [`Scenario::damage_per_leaker_usd`], worked out once per run (see [`super::Aggregate::add`]).
    pub damage_per_leaker_usd: Option<Vec<f64>>,
    /// Per layer: [`crate::scenario::Layer::capacity_cost_usd`] at the campaign's mean raid, worked
    /// out once per run (it does not change from trial to trial).
    pub capacity_cost_usd: Vec<f64>,
    /// The trial's drawn parameters that serve as control variates (see [`super::controls`]).
    pub controls: Vec<Control>,
    /// Per raid-size field: its control's slot and the mean of its draws before rounding.
    pub(crate) raid_size_controls: Vec<Option<(usize, f64)>>,
}

impl NightLayout {
    pub fn new(scenario: &Scenario) -> NightLayout {
        let threat_names: Vec<String> = scenario.threats.iter().map(|t| t.name.clone()).collect();
        let layer_names: Vec<String> = scenario.layers.iter().map(|l| l.name.clone()).collect();
        let stock_layers: Vec<usize> =
            scenario.layers.iter().enumerate().filter(|(_, l)| l.stock.is_some()).map(|(i, _)| i).collect();
        let types = threat_names.len();
        let mut pairs = Vec::new();
        let mut pair_of = vec![None; layer_names.len() * types];
        for (l, layer) in scenario.layers.iter().enumerate() {
            for (t, how) in layer.treatment.iter().enumerate() {
                if how.engaged {
                    pair_of[l * types + t] = Some(pairs.len());
                    pairs.push((l, t));
                }
            }
        }
        let pair_names: Vec<String> =
            pairs.iter().map(|&(l, t)| format!("{}/{}", layer_names[l], threat_names[t])).collect();
        let with_total = |names: &[String]| names.iter().cloned().chain([TOTAL.to_string()]).collect::<Vec<_>>();
        let by_layer = || layer_names.iter().chain(&pair_names).cloned().collect::<Vec<_>>();
        let stock_names: Vec<String> = stock_layers.iter().map(|&i| layer_names[i].clone()).collect();
        let groups: [(&'static str, Vec<String>); 10] = [
            (metric::LAUNCHED, with_total(&threat_names)),
            (metric::LEAKERS, with_total(&threat_names)),
            (metric::EW_DEFEATED, vec![TOTAL.to_string()]),
            (metric::ROUNDS, by_layer()),
            (metric::KILLS, by_layer()),
            (metric::STOCK, stock_names.clone()),
            (metric::EXHAUSTED, stock_names),
            (metric::DEFENDER_SPEND_CUM, vec![TOTAL.to_string()]),
            (metric::ATTACKER_SPEND_CUM, vec![TOTAL.to_string()]),
            (metric::DAMAGE_CUM, vec![TOTAL.to_string()]),
        ];
        let columns = groups.into_iter().flat_map(|(m, series)| series.into_iter().map(move |s| (m, s))).collect();
        let controls = controls(scenario);
        NightLayout {
            threats: types,
            layers: layer_names.len(),
            stock_layers,
            pairs,
            pair_of,
            columns,
            classes: Classes::new(scenario),
            damage_per_leaker_usd: scenario.damage_per_leaker_usd(),
            capacity_cost_usd: {
                let mean_threats = scenario.mean_threats_a_night();
                scenario.layers.iter().map(|l| l.capacity_cost_usd(mean_threats)).collect()
            },
            raid_size_controls: raid_size_slots(&controls, scenario.plan.raid_size.len()),
            controls,
        }
    }

    /// What [`NightLayout::new`]'s `width()` and `pairs.len()` will be, counted without building
    /// it (which takes seconds for a thousand threats × a thousand layers): for sizing a run
    /// before it starts.
    pub fn counts(scenario: &Scenario) -> (usize, usize) {
        let types = scenario.threats.len();
        let pairs: usize = scenario.layers.iter().map(|l| l.treatment.iter().filter(|how| how.engaged).count()).sum();
        let stock = scenario.layers.iter().filter(|l| l.stock.is_some()).count();
        // launched and leakers by threat and total; EW total; rounds and kills by layer and
        // pair; stock and exhausted by finite-stock layer; the three cumulative totals.
        let width = 2 * (types + 1) + 1 + 2 * (scenario.layers.len() + pairs) + 2 * stock + 3;
        (width, pairs)
    }

    /// Values per night.
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// Column of `series` (a threat index, or `threats` for the total) of `launched`.
    pub fn launched(&self, series: usize) -> usize {
        series
    }

    pub fn leakers(&self, series: usize) -> usize {
        self.threats + 1 + series
    }

    pub fn ew_defeated(&self) -> usize {
        2 * (self.threats + 1)
    }

    pub fn rounds(&self, layer: usize) -> usize {
        self.ew_defeated() + 1 + layer
    }

    /// Column of pair `k`'s rounds (see [`NightLayout::pairs`]).
    pub fn rounds_by_threat(&self, k: usize) -> usize {
        self.rounds(self.layers) + k
    }

    pub fn kills(&self, layer: usize) -> usize {
        self.rounds_by_threat(self.pairs.len()) + layer
    }

    pub fn kills_by_threat(&self, k: usize) -> usize {
        self.kills(self.layers) + k
    }

    /// The pair index of layer `layer` against threat type `kind`, if the layer engages it.
    pub fn pair(&self, layer: usize, kind: usize) -> Option<usize> {
        self.pair_of[layer * self.threats + kind]
    }

    /// Column of the `k`-th finite-stock layer's stock.
    pub fn stock(&self, k: usize) -> usize {
        self.kills_by_threat(self.pairs.len()) + k
    }

    /// Column of the `k`-th finite-stock layer's exhaustion indicator.
    pub fn exhausted(&self, k: usize) -> usize {
        self.stock(self.stock_layers.len()) + k
    }

    pub fn defender_spend_cum(&self) -> usize {
        self.exhausted(self.stock_layers.len())
    }

    pub fn attacker_spend_cum(&self) -> usize {
        self.defender_spend_cum() + 1
    }

    pub fn damage_cum(&self) -> usize {
        self.defender_spend_cum() + 2
    }

    /// Whether a column holds whole-number counts (the rest are USD amounts).
    pub fn is_count(&self, column: usize) -> bool {
        column < self.defender_spend_cum()
    }
}
