//! The counting method: a night's raid drawn as counts instead of threat by threat.
//!
//! Threats of a night are independent and alike, so their fates are multinomial: types by the
//! mix, EW and recognition as binomial thinnings, opportunities at each layer as binomials, kills
//! as binomials, and the shot that killed as a multinomial. A layer's capacity lets through the
//! first threats in arrival order. Threats that every layer so far has treated alike are
//! exchangeable, so they travel as one count: while the layers engage recognised decoys (the
//! *prefix*) every surviving threat is alike. After the prefix, recognised decoys split off by a
//! hypergeometric draw; if every later layer holds fire at them they pass untouched while the rest
//! go on as one count. If a later layer engages them again, the survivors of the prefix meet the
//! later layers one by one instead, as in the per-threat method: the prefix was blind to who is a
//! recognised decoy, so which survivors are is a uniformly random arrangement, drawn without
//! replacement as they come. Who leaked is split back into threat types by hypergeometric draws at
//! the end. Where stock could run out mid-night, the threats with an opportunity at that layer are
//! engaged one by one until stock reaches its reserve; where a layer can do nothing tonight
//! (capacity used, stock at reserve) nothing is drawn. The result has the per-threat model's
//! distribution exactly, for every scenario (tests/fast_path.rs compares the two).

use rand::RngExt;

use super::draw::{Chance, binomial, hypergeometric};
use super::mutation::Mutation;
use super::rng::TrialRng;
use super::trial::{Campaign, LayerState, through_layers};

/// Splits `draws` items taken from groups of sizes `groups` (without replacement) into how many
/// came from each group, adding them to `into`. `first_bias` is 0 but under
/// [`Mutation::LeakSplit`], which adds a Binomial(taken, bias) to the first group's count.
fn split(rng: &mut TrialRng, groups: &[u64], draws: u64, into: &mut [u64], first_bias: f64) {
    let (mut total, mut left) = (groups.iter().sum::<u64>(), draws);
    for (i, (group, slot)) in groups.iter().zip(into).enumerate() {
        let mut taken = hypergeometric(rng, total, *group, left);
        if i == 0 && first_bias != 0.0 {
            taken = (taken + binomial(rng, taken, &Chance::new(first_bias))).min(*group).min(left);
        }
        *slot += taken;
        total -= group;
        left -= taken;
    }
}

/// Per-night counts of the counting method, per threat type.
#[derive(Debug, Default)]
pub(super) struct Counts {
    /// Not defeated by EW and not recognised (decoys) — or not decoys.
    unrecognised: Vec<u64>,
    /// Recognised decoys.
    recognised: Vec<u64>,
    /// Both of the above, per type (scratch, so nothing is allocated per night).
    both: Vec<u64>,
    leaked: Vec<u64>,
}

impl Campaign<'_> {
    /// Simulates a raid of `launched` threats of mix `mix` by counts.
    pub(super) fn raid_counted(&mut self, launched: u64, mix: usize) {
        let mut counts = std::mem::take(&mut self.ws.counts);
        self.launch_counted(launched, mix, &mut counts);
        let all: u64 = counts.unrecognised.iter().chain(&counts.recognised).sum();
        // While layers engage recognised decoys, every threat is alike: one count.
        let prefix = self.ws.layers.iter().take_while(|l| l.engage_identified_decoys).count();
        let mut alike = all;
        for layer in 0..prefix {
            alike -= self.layer_counted(layer, alike);
        }
        counts.leaked.clear();
        counts.leaked.resize(counts.recognised.len(), 0);
        if prefix == self.ws.layers.len() {
            // No layer held fire: the leakers are a random subset of all threats.
            counts.both.clear();
            counts.both.extend(counts.unrecognised.iter().zip(&counts.recognised).map(|(u, r)| u + r));
            self.split_leakers(&counts.both, alike, &mut counts.leaked);
        } else if self.ws.layers[prefix..].iter().all(|l| !l.engage_identified_decoys) {
            // Recognised decoys split off and pass the remaining layers untouched.
            let recognised_total: u64 = counts.recognised.iter().sum();
            let recognised_left = hypergeometric(&mut self.rng, all, recognised_total, alike);
            let mut unrecognised_left = alike - recognised_left;
            for layer in prefix..self.ws.layers.len() {
                unrecognised_left -= self.layer_counted(layer, unrecognised_left);
            }
            self.split_leakers(&counts.unrecognised, unrecognised_left, &mut counts.leaked);
            self.split_leakers(&counts.recognised, recognised_left, &mut counts.leaked);
        } else {
            self.rest_one_by_one(prefix, all, alike, &mut counts);
        }
        self.leak_counted(&counts);
        self.ws.counts = counts;
    }

    /// The `alike` survivors of the first `prefix` layers meet the remaining layers one by one, in
    /// arrival order, each first labelled recognised decoy or not by a draw without replacement
    /// from the night's `all` threats past EW (the prefix was blind to the label).
    fn rest_one_by_one(&mut self, prefix: usize, all: u64, alike: u64, counts: &mut Counts) {
        let (mut urn, mut urn_recognised) = (all, counts.recognised.iter().sum::<u64>());
        let (mut unrecognised_leaked, mut recognised_leaked) = (0, 0);
        for _ in 0..alike {
            let recognised = self.rng.random_range(0..urn) < urn_recognised;
            urn -= 1;
            urn_recognised -= u64::from(recognised);
            if !through_layers(&mut self.ws.layers[prefix..], recognised, &mut self.rng) {
                *(if recognised { &mut recognised_leaked } else { &mut unrecognised_leaked }) += 1;
            }
        }
        self.split_leakers(&counts.unrecognised, unrecognised_leaked, &mut counts.leaked);
        self.split_leakers(&counts.recognised, recognised_leaked, &mut counts.leaked);
    }

    /// Splits `leaked` of the threats counted in `groups` back into their types.
    fn split_leakers(&mut self, groups: &[u64], leaked: u64, into: &mut [u64]) {
        let bias = match self.mutation {
            Some(Mutation::LeakSplit { bias }) => bias,
            _ => 0.0,
        };
        split(&mut self.rng, groups, leaked, into, bias);
    }

    /// Of `n` threats, how many EW defeats.
    fn ew_defeated(&mut self, n: u64) -> u64 {
        match self.mutation {
            Some(Mutation::EwSpread { bias }) => {
                let sign = if self.rng.random::<bool>() { 1.0 } else { -1.0 };
                binomial(&mut self.rng, n, &Chance::new(self.ew_defeat.p() * (1.0 + sign * bias)))
            }
            _ => binomial(&mut self.rng, n, &self.ew_defeat),
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
        counts.unrecognised.clear();
        counts.recognised.clear();
        let mut left = launched;
        for kind in 0..types {
            let n =
                if kind + 1 == types { left } else { binomial(&mut self.rng, left, &self.ws.type_split[mix][kind]) };
            left -= n;
            let defeated = self.ew_defeated(n);
            let totals = &mut self.record.threats[kind];
            totals.launched += n;
            self.ws.launched_tonight[kind] += n;
            self.record.attacker_spend_usd += n as f64 * self.ws.unit_cost_usd[kind];
            totals.ew_defeated += defeated;
            self.ew_tonight += defeated;
            let flying = n - defeated;
            let recognised = if self.scenario.threats[kind].decoy {
                binomial(&mut self.rng, flying, &self.discrimination)
            } else {
                0
            };
            counts.unrecognised.push(flying - recognised);
            counts.recognised.push(recognised);
        }
    }

    /// One layer meets `arriving` alike threats; returns how many it killed. When the layer can do
    /// nothing (no capacity or no rounds left tonight) nothing is drawn. Otherwise the
    /// opportunities are a count; when stock could run out tonight the threats with one are then
    /// engaged one by one, as in the per-threat method, until stock reaches the reserve; otherwise
    /// kills and rounds are drawn as counts too.
    fn layer_counted(&mut self, index: usize, arriving: u64) -> u64 {
        let room = self.room(index);
        let rng = &mut self.rng;
        let layer = &mut self.ws.layers[index];
        if arriving == 0 || room == 0 || layer.rounds_available() == 0 {
            return 0;
        }
        let most_rounds = arriving.min(room).saturating_mul(layer.max_shots);
        let stock_suffices = !layer.finite || layer.stock - layer.reserve >= most_rounds;
        let engaged = binomial(rng, arriving, &layer.opportunity).min(room);
        if stock_suffices { engage_all(rng, layer, engaged) } else { engage_one_by_one(rng, layer, engaged) }
    }

    /// Per type: who leaked; the rest of those past EW were killed. Leaking strike drones do damage.
    fn leak_counted(&mut self, counts: &Counts) {
        for (kind, &leaked) in counts.leaked.iter().enumerate() {
            let totals = &mut self.record.threats[kind];
            totals.leaked += leaked;
            totals.killed += counts.unrecognised[kind] + counts.recognised[kind] - leaked;
            self.ws.leaked_tonight[kind] += leaked;
            let threat = &self.scenario.threats[kind];
            if !threat.decoy {
                for _ in 0..leaked {
                    self.record.damage_usd += threat.damage_on_leak_usd.sample(&mut self.rng);
                }
            }
        }
    }
}

/// Stock cannot run out tonight: all `engaged` threats meet every round the layer may fire.
fn engage_all(rng: &mut TrialRng, layer: &mut LayerState, engaged: u64) -> u64 {
    if engaged == 0 {
        return 0;
    }
    let m = layer.max_shots;
    let kills = binomial(rng, engaged, &layer.kill_within_max);
    let rounds = if layer.salvo { engaged * m } else { (engaged - kills) * m + rounds_for_kills(rng, layer, kills) };
    layer.engaged_tonight += engaged;
    layer.kills_tonight += kills;
    layer.rounds_tonight += rounds;
    if layer.finite {
        layer.stock -= rounds;
    }
    kills
}

/// Stock may run out tonight: the `engaged` threats with an opportunity are engaged in turn, each
/// with the rounds still available, until stock reaches the reserve.
fn engage_one_by_one(rng: &mut TrialRng, layer: &mut LayerState, engaged: u64) -> u64 {
    let mut kills = 0;
    for _ in 0..engaged {
        if layer.rounds_available() == 0 {
            break;
        }
        kills += u64::from(layer.engage_one(rng.random()));
    }
    kills
}

/// Rounds that shoot-look-shoot fired at `kills` threats it killed within `max_shots`: split by
/// the round that killed, one conditional binomial per round but the last, which takes the rest
/// (see [`LayerState::kill_round`]).
fn rounds_for_kills(rng: &mut TrialRng, layer: &LayerState, kills: u64) -> u64 {
    let (mut left, mut rounds) = (kills, 0);
    for (j, chance) in layer.kill_round.iter().enumerate() {
        if left == 0 {
            return rounds;
        }
        let n = binomial(rng, left, chance);
        rounds += (j as u64 + 1) * n;
        left -= n;
    }
    rounds + layer.max_shots * left
}
