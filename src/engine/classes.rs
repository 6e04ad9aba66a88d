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

use super::trial::LayerState;

/// The class of a threat of type `kind`, recognised as a decoy or not.
pub(super) fn class(kind: usize, recognised: bool) -> usize {
    2 * kind + usize::from(recognised)
}

/// The threat type and recognition of class `c`.
pub(super) fn kind_of(c: usize) -> (usize, bool) {
    (c / 2, c % 2 == 1)
}

/// Per layer: the class pairs a binding night there would unmix, and which classes still matter.
#[derive(Debug, Default)]
pub(crate) struct Classes {
    count: usize,
    /// Conflicting class pairs of every layer.
    conflicts: Vec<(usize, usize)>,
    /// `conflicts[ranges[l].0..ranges[l].1]` are layer `l`'s.
    ranges: Vec<(usize, usize)>,
    /// `relevant[l × count + c]`: some layer from `l` on engages class `c`.
    relevant: Vec<bool>,
    /// Union-find scratch.
    parent: Vec<usize>,
}

impl Classes {
    /// Works out the conflicts of `layers` (their treatment of each class is fixed for the run,
    /// so this is the same in every trial; it is cheap, and doing it here keeps it allocation-free).
    pub(super) fn fill(&mut self, layers: &[LayerState]) {
        let count = 2 * layers.first().map_or(0, |l| l.treatment.len());
        self.count = count;
        self.parent.clear();
        self.parent.extend(0..count);
        self.relevant.clear();
        self.relevant.resize(layers.len() * count, false);
        self.conflicts.clear();
        self.ranges.clear();
        self.ranges.resize(layers.len(), (0, 0));
        // Backwards: when layer l is visited, `parent` joins the classes that layers after l mix.
        for (l, layer) in layers.iter().enumerate().rev() {
            let start = self.conflicts.len();
            for a in 0..count {
                for b in a + 1..count {
                    if self.find(a) == self.find(b) && signature(layer, a) != signature(layer, b) {
                        self.conflicts.push((a, b));
                    }
                }
            }
            self.ranges[l] = (start, self.conflicts.len());
            for a in 0..count {
                let later = l + 1 < layers.len() && self.relevant[(l + 1) * count + a];
                self.relevant[l * count + a] = later || signature(layer, a).is_some();
                for b in a + 1..count {
                    let group = |c| signature(layer, c).map(|s| s.0);
                    if group(a).is_some() && group(a) == group(b) {
                        self.union(a, b);
                    }
                }
            }
        }
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

    fn find(&mut self, mut a: usize) -> usize {
        while self.parent[a] != a {
            self.parent[a] = self.parent[self.parent[a]];
            a = self.parent[a];
        }
        a
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        self.parent[ra] = rb;
    }
}

/// How layer `layer` treats class `c`: `None` if it holds fire, else (priority group, kill table,
/// coverage, may draw the reserve). Two classes with equal signatures are treated alike.
fn signature(layer: &LayerState, c: usize) -> Option<(usize, usize, usize, bool)> {
    let (kind, recognised) = kind_of(c);
    let t = &layer.treatment[kind];
    layer.engages(kind, recognised).then_some((t.priority, t.pk, t.coverage, t.below_reserve))
}
