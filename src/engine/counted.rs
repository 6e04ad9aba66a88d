//! The counting method: a night's raid drawn as counts instead of threat by threat.
//!
//! Threats of a night are independent and alike within a class (a threat type, recognised decoys
//! apart), so their fates are multinomial: types by the mix, EW and recognition as binomial
//! thinnings, opportunities at each layer as binomials per class, kills as binomials, and the shot
//! that killed as a multinomial. When a layer can engage every threat with an opportunity, that is
//! all. When its capacity binds, it engages the first threats of each priority group in arrival
//! order: which classes they are is a hypergeometric split of the group's opportunities, exact
//! because the classes are arranged uniformly at random among the arrivals. When its stock could
//! run out mid-night, the threats with an opportunity are engaged one by one in that uniformly
//! random order (a draw without replacement per threat) while stock lasts. A binding layer that
//! treats two classes differently unmixes them; where a later layer mixes them again, the night's
//! threats are lined up in a uniformly random order and meet the rest of the layers one by one
//! instead (see [`super::classes`]). Where a layer can do nothing tonight (capacity used, stock at
//! its floor) nothing is drawn. The result has the per-threat model's distribution exactly, for
//! every scenario (tests/fast_path.rs compares the two).

use rand::RngExt;

use super::classes::{class, kind_of};
use super::draw::{Chance, binomial, hypergeometric};
use super::mutation::Mutation;
use super::rng::TrialRng;
use super::trial::{Campaign, KillTable, LayerState};

/// Per-night counts of the counting method, per class (see [`super::classes`]).
#[derive(Debug, Default)]
pub(super) struct Counts {
    /// Past EW, at launch.
    flying: Vec<u64>,
    /// Still in the air.
    alive: Vec<u64>,
    /// With an opportunity at the current layer.
    opportunities: Vec<u64>,
    /// Engaged at the current layer (scratch of a group's split).
    engaged: Vec<u64>,
    /// Leaked, per threat type.
    leaked: Vec<u64>,
    /// Per decoy type: recognition not drawn yet. Until a layer treats recognised decoys
    /// differently (one that engages the type but not recognised decoys), the type's decoys travel
    /// as one class; each one's recognition is an independent coin no layer has looked at, so it is
    /// drawn for the survivors only when first needed.
    unsorted: Vec<bool>,
}

impl Campaign<'_> {
    /// Simulates a raid of `launched` threats of mix `mix` by counts.
    pub(super) fn raid_counted(&mut self, launched: u64, mix: usize) {
        let mut counts = std::mem::take(&mut self.ws.counts);
        self.launch_counted(launched, mix, &mut counts);
        self.surge_capacity();
        let mut lined_up = false;
        for layer in 0..self.ws.layers.len() {
            if !lined_up {
                self.sort_decoys(Some(layer), &mut counts);
            }
            if !lined_up && !self.layer_counted(layer, &mut counts) {
                self.sort_decoys(None, &mut counts);
                self.line_up(layer, &mut counts.alive, &counts.opportunities);
                lined_up = true;
            }
            if lined_up {
                self.layer_one_by_one(layer);
            }
        }
        let types = self.scenario.threats.len();
        counts.leaked.clear();
        counts.leaked.extend((0..types).map(|k| counts.alive[class(k, false)] + counts.alive[class(k, true)]));
        if lined_up {
            self.queue_leakers(&mut counts.leaked);
        }
        for (kind, &leaked) in counts.leaked.iter().enumerate() {
            let flying = counts.flying[class(kind, false)] + counts.flying[class(kind, true)];
            self.book_leaks(kind, flying, leaked);
        }
        self.ws.counts = counts;
    }

    /// Draws which surviving decoys are recognised, for each decoy type still unsorted that layer
    /// `layer` engages without engaging recognised decoys — before that layer draws anything — or,
    /// for `None`, for every unsorted type, after the current layer drew its opportunities: those
    /// are then split too (recognition is independent of opportunity, so the recognised among the
    /// holders are a hypergeometric draw).
    fn sort_decoys(&mut self, layer: Option<usize>, counts: &mut Counts) {
        // A layer that engages recognised decoys treats them like the rest: nothing to sort.
        if layer.is_some_and(|l| self.ws.layers[l].engage_identified_decoys) || !counts.unsorted.contains(&true) {
            return;
        }
        for kind in 0..counts.unsorted.len() {
            let distinguishes = layer.is_none_or(|l| self.ws.layers[l].treatment[kind].engaged);
            if counts.unsorted[kind] && distinguishes {
                counts.unsorted[kind] = false;
                let (all, with) = (class(kind, false), class(kind, true));
                let alive = counts.alive[all];
                let recognised = binomial(&mut self.rng, alive, &self.discrimination);
                counts.alive[all] -= recognised;
                counts.alive[with] += recognised;
                let holders = match layer {
                    Some(_) => 0,
                    None => hypergeometric(&mut self.rng, alive, recognised, counts.opportunities[all]),
                };
                counts.opportunities[all] -= holders;
                counts.opportunities[with] = holders;
            }
        }
    }

    /// Of `n` threats of type `kind`, how many EW defeats.
    fn ew_defeated(&mut self, kind: usize, n: u64) -> u64 {
        let chance = &self.ws.ew_defeat[kind];
        match self.mutation {
            Some(Mutation::EwSpread { bias }) => {
                let sign = if self.rng.random::<bool>() { 1.0 } else { -1.0 };
                binomial(&mut self.rng, n, &Chance::new(chance.p() * (1.0 + sign * bias)))
            }
            _ => binomial(&mut self.rng, n, chance),
        }
    }

    /// Threats layer `index` may still engage tonight.
    fn room(&mut self, index: usize) -> u64 {
        let layer = &self.ws.layers[index];
        let room = layer.capacity.saturating_sub(layer.engaged_tonight);
        match self.mutation {
            Some(Mutation::Capacity { layer, bias })
                if layer == index && self.ws.layers[index].capacity != u64::MAX =>
            {
                room + binomial(&mut self.rng, room, &Chance::new(bias))
            }
            _ => room,
        }
    }

    /// Types by the mix, then EW and decoy recognition, per type.
    fn launch_counted(&mut self, launched: u64, mix: usize, counts: &mut Counts) {
        let types = self.scenario.threats.len();
        counts.flying.clear();
        let mut left = launched;
        for kind in 0..types {
            let n =
                if kind + 1 == types { left } else { binomial(&mut self.rng, left, &self.ws.type_split[mix][kind]) };
            left -= n;
            let defeated = self.ew_defeated(kind, n);
            self.book_launch(kind, n, defeated);
            counts.flying.extend([n - defeated, 0]);
        }
        // The types outside the mix (routine parts, nightly numbers, riders): fixed counts beside
        // it. Arrival order stays uniformly random over all of the night's threats, so the counts
        // stay exact.
        self.count_riders();
        let routine_types = if self.ws.any_routine { types } else { 0 };
        for kind in 0..routine_types {
            let n = self.ws.routine_tonight[kind];
            if n > 0 {
                let defeated = self.ew_defeated(kind, n);
                self.book_launch(kind, n, defeated);
                counts.flying[class(kind, false)] += n - defeated;
            }
        }
        counts.unsorted.clear();
        counts.unsorted.extend(self.scenario.threats.iter().map(|t| t.decoy));
        counts.alive.clone_from(&counts.flying);
        counts.opportunities.clear();
        counts.opportunities.resize(counts.flying.len(), 0);
        counts.engaged.clear();
        counts.engaged.resize(counts.flying.len(), 0);
    }

    /// Layer `index` meets the classes still alive, by counts. Returns false, having drawn only
    /// the opportunities, when its capacity or stock binds tonight and it would unmix classes that
    /// a later layer mixes: the caller lines the threats up and goes on one by one.
    fn layer_counted(&mut self, index: usize, counts: &mut Counts) -> bool {
        let room = self.room(index);
        let layer = &self.ws.layers[index];
        if room == 0 || layer.spent() {
            return true;
        }
        counts.opportunities.fill(0);
        let mut total = 0;
        for &c in &layer.engaged_classes {
            let alive = counts.alive[c];
            if alive > 0 {
                let with = binomial(&mut self.rng, alive, &layer.opportunity[kind_of(c).0]);
                counts.opportunities[c] = with;
                total += with;
            }
        }
        if total == 0 {
            return true;
        }
        let most_rounds = total.min(room).saturating_mul(layer.max_shots);
        let stock_suffices = !layer.finite || layer.stock.saturating_sub(layer.reserve) >= most_rounds;
        if total <= room && stock_suffices {
            let layer = &mut self.ws.layers[index];
            for i in 0..layer.engaged_classes.len() {
                let c = layer.engaged_classes[i];
                counts.alive[c] -= engage_all(&mut self.rng, layer, kind_of(c).0, counts.opportunities[c]);
            }
            return true;
        }
        if !self.layout.classes.may_count_binding(index, &counts.alive) {
            return false;
        }
        let groups = layer.treatment.iter().filter(|t| t.engaged).map(|t| t.priority + 1).max().unwrap_or(0);
        let mut room = room;
        for group in 0..groups {
            room -= if stock_suffices {
                self.engage_group_counted(index, group, room, counts)
            } else {
                self.engage_group_one_by_one(index, group, counts);
                0
            };
            if room == 0 || self.ws.layers[index].spent() {
                break;
            }
        }
        true
    }

    /// Capacity binds but stock does not: the first `room` threats with an opportunity in
    /// priority group `group` are engaged, split among its classes by a hypergeometric draw.
    /// Returns how many were engaged.
    fn engage_group_counted(&mut self, index: usize, group: usize, room: u64, counts: &mut Counts) -> u64 {
        let layer = &self.ws.layers[index];
        let offered = offered(layer, group, &counts.opportunities);
        let take = offered.min(room);
        let bias = match self.mutation {
            Some(Mutation::GroupSplit { bias }) => bias,
            _ => 0.0,
        };
        let (mut urn, mut left, mut first) = (offered, take, true);
        for (c, &with) in counts.opportunities.iter().enumerate() {
            counts.engaged[c] = 0;
            if !in_group(layer, c, group) || with == 0 {
                continue;
            }
            let mut n = hypergeometric(&mut self.rng, urn, with, left);
            if first && bias != 0.0 {
                n = (n + binomial(&mut self.rng, n, &Chance::new(bias))).min(with).min(left);
            }
            first = false;
            counts.engaged[c] = n;
            urn -= with;
            left -= n;
        }
        let layer = &mut self.ws.layers[index];
        for (c, &n) in counts.engaged.iter().enumerate() {
            counts.alive[c] -= engage_all(&mut self.rng, layer, kind_of(c).0, n);
        }
        take
    }

    /// Stock may run out tonight: the threats with an opportunity in priority group `group` are
    /// engaged one by one in arrival order — each one's class drawn without replacement — while
    /// capacity and stock last.
    fn engage_group_one_by_one(&mut self, index: usize, group: usize, counts: &mut Counts) {
        let layer = &mut self.ws.layers[index];
        let mut urn = offered(layer, group, &counts.opportunities);
        while urn > 0 && !layer.spent() {
            let mut pick = self.rng.random_range(0..urn);
            let c = (0..counts.opportunities.len())
                .filter(|&c| in_group(layer, c, group))
                .find(|&c| {
                    let hit = pick < counts.opportunities[c];
                    if !hit {
                        pick -= counts.opportunities[c];
                    }
                    hit
                })
                .expect("the urn holds the group's opportunities");
            counts.opportunities[c] -= 1;
            urn -= 1;
            let u = self.rng.random();
            if layer.engage_one(kind_of(c).0, u) {
                counts.alive[c] -= 1;
            }
        }
    }
}

/// Whether class `c` falls in priority group `group` of `layer`.
fn in_group(layer: &LayerState, c: usize, group: usize) -> bool {
    layer.treatment[kind_of(c).0].priority == group
}

/// Threats with an opportunity at `layer` in its priority group `group`.
fn offered(layer: &LayerState, group: usize, opportunities: &[u64]) -> u64 {
    opportunities.iter().enumerate().filter(|&(c, _)| in_group(layer, c, group)).map(|(_, n)| n).sum()
}

/// Stock cannot run out tonight: all `engaged` threats of type `kind` meet every round the layer
/// may fire. Returns the kills.
#[inline(always)]
fn engage_all(rng: &mut TrialRng, layer: &mut LayerState, kind: usize, engaged: u64) -> u64 {
    if engaged == 0 {
        return 0;
    }
    let m = layer.max_shots;
    let table = layer.table(kind);
    let kills = binomial(rng, engaged, &table.kill_within_max);
    let rounds = if layer.salvo { engaged * m } else { (engaged - kills) * m + rounds_for_kills(rng, table, m, kills) };
    layer.engaged_tonight += engaged;
    layer.tally(kind, rounds, kills);
    kills
}

/// Rounds that shoot-look-shoot fired at `kills` threats it killed within `max_shots`: split by
/// the round that killed, one conditional binomial per round but the last, which takes the rest
/// (see [`KillTable::kill_round`]).
fn rounds_for_kills(rng: &mut TrialRng, table: &KillTable, max_shots: u64, kills: u64) -> u64 {
    let (mut left, mut rounds) = (kills, 0);
    for (j, chance) in table.kill_round.iter().enumerate() {
        if left == 0 {
            return rounds;
        }
        let n = binomial(rng, left, chance);
        rounds += (j as u64 + 1) * n;
        left -= n;
    }
    rounds + max_shots * left
}
