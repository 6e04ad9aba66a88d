//! The counting method: a night's raid drawn as counts instead of threat by threat.
//!
//! Threats of a night are independent and alike, so their fates are multinomial: types by the
//! mix, EW and recognition as binomial thinnings, opportunities at each layer as binomials, kills
//! as binomials, and the shot that killed as a multinomial. A layer's capacity lets through the
//! first threats in arrival order. Threats that every layer so far has treated alike are
//! exchangeable, so they travel as one count: while the layers engage recognised decoys (a prefix
//! of the layers, see [`Method::counting_is_exact`]) every surviving threat is alike; after it,
//! recognised decoys split off (a hypergeometric draw) and pass the remaining layers untouched.
//! Who leaked is split back into threat types by hypergeometric draws at the end. Where stock could
//! run out mid-night, a layer's engagements are drawn one by one. The result has the per-threat
//! model's distribution exactly (tests/fast_path.rs compares the two).
//!
//! [`Method::counting_is_exact`]: super::trial::Method::counting_is_exact

use rand::RngExt;
use rand_distr::{Binomial, Distribution, Hypergeometric};

use super::rng::TrialRng;
use super::trial::{Campaign, LayerState};

/// Means up to this use inversion; larger ones rand_distr's BTPE.
const INVERSION_MEAN: f64 = 30.0;

/// 1/x for x < 128: the inversion loop multiplies instead of dividing.
const RECIPROCALS: [f64; 128] = {
    let mut table = [0.0; 128];
    let mut x = 1;
    while x < 128 {
        table[x] = 1.0 / x as f64;
        x += 1;
    }
    table
};

/// Binomial(n, p). Means n·min(p, 1−p) below [`INVERSION_MEAN`] (most calls here) use inversion
/// from 0 (Kachitvichyanukul & Schmeiser's BINV, as rand_distr does) without its set-up cost;
/// larger ones go to rand_distr's BTPE.
fn binomial(rng: &mut TrialRng, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    let flipped = p > 0.5;
    let small_p = if flipped { 1.0 - p } else { p };
    if n as f64 * small_p >= INVERSION_MEAN || n > i32::MAX as u64 {
        return Binomial::new(n, p).expect("0 < p < 1").sample(rng);
    }
    let q = 1.0 - small_p;
    let s = small_p / q;
    let a = (n + 1) as f64 * s;
    // P(0) = q^n, then P(x) = P(x−1) · ((n+1)s/x − s).
    let mut r = q.powi(n as i32);
    let mut u: f64 = rng.random();
    let mut x = 0;
    while u > r && x < n {
        u -= r;
        x += 1;
        let reciprocal = RECIPROCALS.get(x as usize).copied().unwrap_or_else(|| 1.0 / x as f64);
        r *= a * reciprocal - s;
    }
    if flipped { n - x } else { x }
}

/// Successes among `draws` taken without replacement from `total` items of which `success` are
/// successes. Few draws (or few left behind) are drawn one by one, exactly; otherwise
/// rand_distr's hypergeometric sampler.
fn hypergeometric(rng: &mut TrialRng, total: u64, success: u64, draws: u64) -> u64 {
    if draws == 0 || success == 0 {
        return 0;
    }
    if success == total {
        return draws;
    }
    if draws == total {
        return success;
    }
    if draws.min(total - draws) <= 64 {
        // Draw the smaller side of the urn ball by ball.
        let taken = draws.min(total - draws);
        let (mut left, mut hits, mut hit) = (total, success, 0);
        for _ in 0..taken {
            if rng.random_range(0..left) < hits {
                hit += 1;
                hits -= 1;
            }
            left -= 1;
        }
        return if taken == draws { hit } else { success - hit };
    }
    Hypergeometric::new(total, success, draws).expect("draws and successes within total").sample(rng)
}

/// Splits `draws` items taken from groups of sizes `groups` (without replacement) into how many
/// came from each group, adding them to `into`.
fn split(rng: &mut TrialRng, groups: &[u64], draws: u64, into: &mut [u64]) {
    let (mut total, mut left) = (groups.iter().sum::<u64>(), draws);
    for (group, slot) in groups.iter().zip(into) {
        let taken = hypergeometric(rng, total, *group, left);
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
            split(&mut self.rng, &counts.both, alike, &mut counts.leaked);
        } else {
            // Recognised decoys split off and pass the remaining layers untouched.
            let recognised_total: u64 = counts.recognised.iter().sum();
            let recognised_left = hypergeometric(&mut self.rng, all, recognised_total, alike);
            let mut unrecognised_left = alike - recognised_left;
            for layer in prefix..self.ws.layers.len() {
                unrecognised_left -= self.layer_counted(layer, unrecognised_left);
            }
            split(&mut self.rng, &counts.unrecognised, unrecognised_left, &mut counts.leaked);
            split(&mut self.rng, &counts.recognised, recognised_left, &mut counts.leaked);
        }
        self.leak_counted(&counts);
        self.ws.counts = counts;
    }

    /// Types by the mix, then EW and decoy recognition, per type.
    fn launch_counted(&mut self, launched: u64, mix: usize, counts: &mut Counts) {
        let types = self.scenario.threats.len();
        counts.unrecognised.clear();
        counts.recognised.clear();
        let (mut left, mut mass_left) = (launched, 1.0);
        for kind in 0..types {
            let cdf = &self.ws.share_cdf[mix];
            let share = cdf[kind] - if kind == 0 { 0.0 } else { cdf[kind - 1] };
            let n = if kind + 1 == types { left } else { binomial(&mut self.rng, left, share / mass_left) };
            left -= n;
            mass_left -= share;
            let totals = &mut self.record.threats[kind];
            totals.launched += n;
            self.ws.launched_tonight[kind] += n;
            self.record.attacker_spend_usd += n as f64 * self.ws.unit_cost_usd[kind];
            let defeated = binomial(&mut self.rng, n, self.ew_defeat);
            totals.ew_defeated += defeated;
            self.ew_tonight += defeated;
            let flying = n - defeated;
            let recognised = if self.scenario.threats[kind].decoy {
                binomial(&mut self.rng, flying, self.discrimination)
            } else {
                0
            };
            counts.unrecognised.push(flying - recognised);
            counts.recognised.push(recognised);
        }
    }

    /// One layer meets `arriving` alike threats; returns how many it killed.
    fn layer_counted(&mut self, index: usize, arriving: u64) -> u64 {
        let rng = &mut self.rng;
        let layer = &mut self.ws.layers[index];
        let chances = binomial(rng, arriving, layer.opportunity);
        let wanted = chances.min(layer.capacity.saturating_sub(layer.engaged_tonight));
        if wanted == 0 {
            return 0;
        }
        let plenty =
            !layer.finite || layer.stock.saturating_sub(layer.reserve) >= wanted.saturating_mul(layer.max_shots);
        if plenty { engage_all(rng, layer, wanted) } else { engage_one_by_one(rng, layer, wanted) }
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
    let m = layer.max_shots;
    let kills = binomial(rng, engaged, layer.kill_by[m as usize]);
    let rounds = if layer.salvo { engaged * m } else { (engaged - kills) * m + rounds_for_kills(rng, layer, kills) };
    layer.engaged_tonight += engaged;
    layer.kills_tonight += kills;
    layer.rounds_tonight += rounds;
    if layer.finite {
        layer.stock -= rounds;
    }
    kills
}

/// Rounds that shoot-look-shoot fired at `kills` threats it killed within `max_shots`: the j-th
/// round was the kill with probability (kill_by[j] − kill_by[j−1]) / kill_by[max_shots].
fn rounds_for_kills(rng: &mut TrialRng, layer: &LayerState, kills: u64) -> u64 {
    let m = layer.max_shots as usize;
    let (mut left, mut mass, mut rounds) = (kills, layer.kill_by[m], 0);
    for j in 1..=m {
        if left == 0 {
            break;
        }
        let p = layer.kill_by[j] - layer.kill_by[j - 1];
        let n = if j == m { left } else { binomial(rng, left, p / mass) };
        rounds += j as u64 * n;
        left -= n;
        mass -= p;
    }
    rounds
}

/// Stock may run out tonight: engagements one at a time, each with the rounds still available,
/// until `wanted` are engaged or the stock reaches its reserve.
fn engage_one_by_one(rng: &mut TrialRng, layer: &mut LayerState, wanted: u64) -> u64 {
    let mut kills = 0;
    for _ in 0..wanted {
        let available = layer.rounds_available();
        if available == 0 {
            break;
        }
        let (fired, killed) = layer.engage(available, rng.random());
        layer.stock -= fired;
        layer.engaged_tonight += 1;
        layer.rounds_tonight += fired;
        kills += u64::from(killed);
    }
    layer.kills_tonight += kills;
    kills
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// Both samplers against the exact mean and variance, and the lower tail, at 10^6 draws.
    #[test]
    fn binomial_matches_its_moments() {
        for (n, p) in [(50u64, 0.3f64), (10, 0.5), (200, 0.02), (90, 0.8), (5, 0.95), (1000, 0.5), (30, 0.1)] {
            let mut rng = TrialRng::seed_from_u64(n ^ p.to_bits());
            let draws: Vec<f64> = (0..1_000_000).map(|_| binomial(&mut rng, n, p) as f64).collect();
            let mean = draws.iter().sum::<f64>() / draws.len() as f64;
            let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (draws.len() - 1) as f64;
            let (m, v) = (n as f64 * p, n as f64 * p * (1.0 - p));
            println!("n {n} p {p}: mean {mean} vs {m}, var {var} vs {v}");
            assert!((mean - m).abs() < 5.0 * (v / 1e6).sqrt(), "n {n} p {p}: mean {mean} vs {m}");
            assert!((var / v - 1.0).abs() < 5.0 * (2.0f64 / 1e6).sqrt(), "n {n} p {p}: var {var} vs {v}");
        }
    }
}
