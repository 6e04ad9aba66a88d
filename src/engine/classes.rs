//! When the counting method may keep threats as counts, and when it must line them up.
//!
//! A *class* is a threat type, split into recognised decoys and the rest: `2 × type + recognised`.
//! Threats of a class are alike, so the counting method carries one count per class. Counts are
//! exact as long as the order in which threats reach a layer does not matter, or the classes are
//! arranged uniformly at random in it. Both hold at launch. A layer whose capacity or stock does
//! not bind tonight treats every threat independently of its place, which keeps the arrangement
//! uniform. A layer that binds engages the first threats of each priority group and lets the later
//! ones pass, so afterwards two classes it treated differently are no longer mixed uniformly.
//! That matters only if a later layer puts them (directly or through a chain of classes) in one
//! priority group; those pairs are this layer's *conflicts*. When a binding layer meets a conflict
//! between two classes present tonight, the counting method lines the night's threats up in a
//! uniformly random order and lets them meet the rest of the layers one by one (see
//! [`super::one_by_one`]); otherwise it goes on counting.

use crate::scenario::{Layer, Scenario, Treatment};

/// The class of a threat of type `kind`, recognised as a decoy or not.
pub(super) fn class(kind: usize, recognised: bool) -> usize {
    2 * kind + usize::from(recognised)
}

/// The threat type and recognition of class `c`.
pub(super) fn kind_of(c: usize) -> (usize, bool) {
    (c / 2, c % 2 == 1)
}

/// Whether a layer whose treatment of a threat type is `how` fires at one, recognised as a decoy or
/// not; `identified` is the layer's `engage_identified_decoys`.
pub(super) fn engages(how: &Treatment, identified: bool, recognised: bool) -> bool {
    how.engaged && (!recognised || identified)
}

/// Per layer: the class pairs a binding night there would unmix, and which classes still matter.
/// Worked out once per run from the scenario (see [`super::NightLayout`]): how layers treat each
/// class does not change from trial to trial.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Classes {
    count: usize,
    /// Conflicting class pairs of every layer.
    conflicts: Vec<(usize, usize)>,
    /// `conflicts[ranges[l].0..ranges[l].1]` are layer `l`'s.
    ranges: Vec<(usize, usize)>,
    /// `relevant[l × count + c]`: some layer from `l` on engages class `c`.
    relevant: Vec<bool>,
}

impl Classes {
    pub(super) fn new(scenario: &Scenario) -> Classes {
        let layers = &scenario.layers;
        let count = 2 * scenario.threats.len();
        let mut classes = Classes {
            count,
            conflicts: Vec::new(),
            ranges: vec![(0, 0); layers.len()],
            relevant: vec![false; layers.len() * count],
        };
        // Union-find over classes. Backwards: when layer l is visited, it joins the classes that
        // layers after l put in one priority group.
        let mut parent: Vec<usize> = (0..count).collect();
        for (l, layer) in layers.iter().enumerate().rev() {
            let start = classes.conflicts.len();
            for a in 0..count {
                for b in a + 1..count {
                    if find(&mut parent, a) == find(&mut parent, b) && signature(layer, a) != signature(layer, b) {
                        classes.conflicts.push((a, b));
                    }
                }
            }
            classes.ranges[l] = (start, classes.conflicts.len());
            for a in 0..count {
                let later = l + 1 < layers.len() && classes.relevant[(l + 1) * count + a];
                classes.relevant[l * count + a] = later || signature(layer, a).is_some();
                for b in a + 1..count {
                    let group = |c| signature(layer, c).map(|s| s.0);
                    if group(a).is_some() && group(a) == group(b) {
                        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                        parent[ra] = rb;
                    }
                }
            }
        }
        classes
    }

    /// Whether layer `l` may bind tonight without unmixing classes that later layers mix, with
    /// `present[c]` threats of class `c` reaching it.
    pub(super) fn may_count_binding(&self, l: usize, present: &[u64]) -> bool {
        let (start, end) = self.ranges[l];
        self.conflicts[start..end].iter().all(|&(a, b)| present[a] == 0 || present[b] == 0)
    }

    /// Whether some layer from `l` on engages class `c`.
    pub(super) fn relevant(&self, l: usize, c: usize) -> bool {
        self.relevant[l * self.count + c]
    }
}

/// The root of `a` in the union-find `parent`, halving paths on the way.
fn find(parent: &mut [usize], mut a: usize) -> usize {
    while parent[a] != a {
        parent[a] = parent[parent[a]];
        a = parent[a];
    }
    a
}

/// How `layer` treats class `c`: `None` if it holds fire, else (priority group, kill probability,
/// coverage, may draw the reserve). Two classes with equal signatures are treated alike.
fn signature(layer: &Layer, c: usize) -> Option<(usize, usize, usize, bool)> {
    let (kind, recognised) = kind_of(c);
    let t = &layer.treatment[kind];
    engages(t, layer.engage_identified_decoys, recognised).then_some((t.priority, t.pk, t.coverage, t.below_reserve))
}
