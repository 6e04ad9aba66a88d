//! The threat-by-threat method: a night's threats in arrival order, meeting the layers in turn.
//!
//! It is the reference the counting method is tested against, and the counting method's own
//! fallback from the layer where counts would stop being exact (see [`super::classes`]). Each
//! layer sees the threats that reach it in arrival order and draws each one's opportunity; then it
//! engages those with one, priority group by priority group (all of a higher group before any of
//! a lower one), in arrival order within a group, while capacity and stock last.

use rand::RngExt;
use rand::seq::SliceRandom;

use super::classes::{class, kind_of};
use super::trial::Campaign;

/// Marks a threat killed at the current layer.
const KILLED: u32 = u32::MAX;

/// One threat in the air.
#[derive(Clone, Copy, Debug)]
struct Arrival {
    class: u32,
    /// Its opportunity at the next layer when already drawn (as counts, before lining up).
    opportunity: Option<bool>,
}

/// Scratch of the threat-by-threat method, reused from night to night.
#[derive(Debug, Default)]
pub(crate) struct Queue {
    arrivals: Vec<Arrival>,
    /// Per priority group of the current layer: (index into `arrivals`, uniform for the
    /// engagement) of those with an opportunity, in arrival order.
    pending: Vec<Vec<(usize, f64)>>,
    /// Per class at the current layer: (fires at it, opportunity probability, priority group).
    by_class: Vec<(bool, f64, usize)>,
    /// Per threat type: past EW tonight, and leaked.
    flying: Vec<u64>,
    leaked: Vec<u64>,
}

impl Campaign<'_> {
    /// Simulates a raid of `launched` threats of mix `mix` threat by threat.
    pub(super) fn raid_one_by_one(&mut self, launched: u64, mix: usize) {
        let types = self.scenario.threats.len();
        let mut queue = std::mem::take(&mut self.ws.queue);
        queue.arrivals.clear();
        queue.flying.clear();
        queue.flying.resize(types, 0);
        for _ in 0..launched {
            let (kind, recognised) = self.launch_one(mix);
            if let Some(recognised) = recognised {
                queue.flying[kind] += 1;
                queue.arrivals.push(Arrival { class: class(kind, recognised) as u32, opportunity: None });
            }
        }
        // The types outside the mix (routine parts, nightly numbers, riders), then the whole night
        // in a uniformly random order: they arrive among the others, not after them.
        self.count_riders();
        if self.ws.routine_tonight.iter().any(|&n| n > 0) {
            for kind in 0..types {
                for _ in 0..self.ws.routine_tonight[kind] {
                    let u: f64 = self.rng.random();
                    if let Some(recognised) = self.launch_as(kind, u) {
                        queue.flying[kind] += 1;
                        queue.arrivals.push(Arrival { class: class(kind, recognised) as u32, opportunity: None });
                    }
                }
            }
            queue.arrivals.shuffle(&mut self.rng);
        }
        self.ws.queue = queue;
        self.surge_capacity();
        for layer in 0..self.ws.layers.len() {
            self.layer_one_by_one(layer);
        }
        let mut leaked = std::mem::take(&mut self.ws.queue.leaked);
        leaked.clear();
        leaked.resize(types, 0);
        self.queue_leakers(&mut leaked);
        for (kind, &n) in leaked.iter().enumerate() {
            self.book_leaks(kind, self.ws.queue.flying[kind], n);
        }
        self.ws.queue.leaked = leaked;
    }

    /// Launches one threat of mix `mix`: its type, and `None` if EW defeated it, else whether it
    /// was recognised as a decoy. One uniform picks the type, then — rescaled within the type's
    /// interval, which leaves it uniform and independent of the type — decides EW, then recognition.
    fn launch_one(&mut self, mix: usize) -> (usize, Option<bool>) {
        let cdf = &self.ws.share_cdf[mix];
        let u: f64 = self.rng.random();
        let kind = cdf.iter().position(|&c| u < c).unwrap_or(cdf.len() - 1);
        let below = if kind == 0 { 0.0 } else { cdf[kind - 1] };
        let v = (u - below) / (cdf[kind] - below);
        (kind, self.launch_as(kind, v))
    }

    /// Launches one threat of type `kind`, `v` a uniform: `None` if EW defeated it, else whether
    /// it was recognised as a decoy (`v` rescaled past the EW interval decides that).
    fn launch_as(&mut self, kind: usize, v: f64) -> Option<bool> {
        let (ew_defeat, discrimination) = (self.ws.ew_defeat[kind].p(), self.discrimination.p());
        if v < ew_defeat {
            self.book_launch(kind, 1, 1);
            return None;
        }
        self.book_launch(kind, 1, 0);
        Some(self.scenario.threats[kind].decoy && (v - ew_defeat) / (1.0 - ew_defeat) < discrimination)
    }

    /// Lines up the threats of `alive` (per class) that some layer from `layer` on engages, in a
    /// uniformly random order, taking them out of `alive`. `opportunities[c]` of class `c` already
    /// have an opportunity at `layer`, and the rest of those it engages have none.
    pub(super) fn line_up(&mut self, layer: usize, alive: &mut [u64], opportunities: &[u64]) {
        let queue = &mut self.ws.queue;
        queue.arrivals.clear();
        let state = &self.ws.layers[layer];
        for (c, (n, &with)) in alive.iter_mut().zip(opportunities).enumerate() {
            if *n == 0 || !self.layout.classes.relevant(layer, c) {
                continue;
            }
            let (kind, recognised) = kind_of(c);
            let engaged = state.engages(kind, recognised);
            let class = c as u32;
            let decided = |opportunity| Arrival { class, opportunity: engaged.then_some(opportunity) };
            queue.arrivals.extend(std::iter::repeat_n(decided(true), with as usize));
            queue.arrivals.extend(std::iter::repeat_n(decided(false), (*n - with) as usize));
            *n = 0;
        }
        queue.arrivals.shuffle(&mut self.rng);
    }

    /// The threats in the queue meet layer `index`; those it kills leave the queue.
    pub(super) fn layer_one_by_one(&mut self, index: usize) {
        let queue = &mut self.ws.queue;
        let layer = &mut self.ws.layers[index];
        // Per class: whether the layer fires at it, its opportunity probability, its priority group.
        queue.by_class.clear();
        queue.by_class.extend((0..2 * layer.treatment.len()).map(|c| {
            let (kind, recognised) = kind_of(c);
            (layer.engages(kind, recognised), layer.opportunity[kind].p(), layer.treatment[kind].priority)
        }));
        let groups = queue.by_class.iter().filter(|c| c.0).map(|c| c.2 + 1).max().unwrap_or(0);
        queue.pending.resize_with(groups.max(queue.pending.len()), Vec::new);
        queue.pending.iter_mut().for_each(Vec::clear);
        // Those with an opportunity, by priority group, in arrival order within each.
        for (i, arrival) in queue.arrivals.iter_mut().enumerate() {
            let (engaged, a, group) = queue.by_class[arrival.class as usize];
            if !engaged {
                continue;
            }
            // One uniform decides the opportunity (u < a) and, rescaled to u / a (uniform given
            // an opportunity), the engagement.
            match arrival.opportunity {
                None => {
                    let u: f64 = self.rng.random();
                    if u < a {
                        queue.pending[group].push((i, u / a));
                    }
                }
                Some(decided) => {
                    arrival.opportunity = None;
                    if decided {
                        queue.pending[group].push((i, self.rng.random()));
                    }
                }
            }
        }
        let mut killed = false;
        for &(i, u) in queue.pending[..groups].iter().flatten() {
            if layer.engaged_tonight >= layer.capacity {
                break;
            }
            let arrival = &mut queue.arrivals[i];
            if layer.engage_one(kind_of(arrival.class as usize).0, u) {
                arrival.class = KILLED;
                killed = true;
            }
        }
        if killed {
            queue.arrivals.retain(|a| a.class != KILLED);
        }
    }

    /// Adds the queue's survivors to `leaked`, per threat type.
    pub(super) fn queue_leakers(&self, leaked: &mut [u64]) {
        for arrival in &self.ws.queue.arrivals {
            leaked[kind_of(arrival.class as usize).0] += 1;
        }
    }
}
