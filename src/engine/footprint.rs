//! What a run will hold in memory, worked out before it starts: a run too large for the machine is
//! refused with the figure and the limit, instead of being aborted by the allocator halfway (the
//! baseline at 100,000 nights passed 10 GB; a file of 1,000 threats × 1,000 layers, 4 GB at one
//! trial).
//!
//! Memory follows the tallies, not the trials: one per nightly series of every night, and the
//! campaign's per threat, layer and (layer, threat) pair. Each holds a mean, a spread and a
//! quantile histogram whose buckets span its values' range; the merged result and the block
//! aggregates the workers hold (about one each) are copies of the whole set. The estimate charges
//! [`FIXED_BYTES`] a tally and copy, plus [`BUCKET_BYTES`] for each of up to
//! [`BUCKETS_CHARGED`] buckets — one per trial at first, as values spread, up to the span a
//! money series reaches. Measured (docs/performance.md): within 1.5× above the peak resident
//! memory of the baseline at 300 nights and of 300 threats × 300 layers, never below it.

use crate::engine::{BLOCK_TRIALS, NightLayout};
use crate::scenario::Scenario;

/// A tally's mean, spread, histogram header and its share of the row buffers, bytes.
pub const FIXED_BYTES: u64 = 240;
/// One histogram bucket.
pub const BUCKET_BYTES: u64 = 8;
/// The buckets charged a tally at most: a cumulative spend spreads over about eight binary
/// orders of magnitude at 256 buckets each.
pub const BUCKETS_CHARGED: u64 = 256;

/// Tallies a campaign keeps per threat, layer and (layer, threat) pair, beside the seven headline
/// tallies: the fields of `ThreatTallies`, `LayerTallies` and `PairTallies`.
const PER_THREAT: u64 = 5;
const PER_LAYER: u64 = 8;
const PER_PAIR: u64 = 4;
const HEADLINE: u64 = 7;

/// The tallies of one run of a scenario, and the bytes they will take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Footprint {
    /// Nightly series × nights.
    pub nightly: u64,
    /// Headline, per-threat, per-layer and per-pair tallies.
    pub campaign: u64,
    /// Copies of the whole set held at once: the merged result and the workers' blocks.
    pub copies: u64,
    pub bytes: u64,
}

impl Footprint {
    /// The footprint of running `scenario` for `trials` trials on `threads` workers. Works from
    /// the night layout's counts alone: nothing proportional to the run is allocated.
    pub fn of(scenario: &Scenario, trials: u64, threads: usize) -> Footprint {
        let (width, pairs) = NightLayout::counts(scenario);
        let nightly = width as u64 * u64::from(scenario.nights);
        let campaign = HEADLINE
            + PER_THREAT * scenario.threats.len() as u64
            + PER_LAYER * scenario.layers.len() as u64
            + PER_PAIR * pairs as u64;
        let copies = 1 + trials.div_ceil(BLOCK_TRIALS).min(threads as u64);
        let per_tally = FIXED_BYTES + BUCKET_BYTES * if trials > 1 { BUCKETS_CHARGED } else { 1 };
        let bytes = (nightly + campaign).saturating_mul(per_tally).saturating_mul(copies);
        Footprint { nightly, campaign, copies, bytes }
    }
}

/// The memory this machine can give a run now (Linux's `MemAvailable`), if it says.
pub fn available_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(nights: u32) -> Scenario {
        let text = format!(
            "[scenario]\nname = \"f\"\nnights = {nights}\n[raid]\nsize = 10\n[[threat]]\nname = \"a\"\nshare = 1\n\
             unit_cost = 1\n[[layer]]\nname = \"l\"\ndoctrine = \"salvo\"\npk = 0.5\nmax_shots = 1\ncost_per_shot = 1\n"
        );
        crate::scenario::parse(&text, std::path::Path::new("f.toml"), &[]).unwrap().scenario
    }

    #[test]
    fn the_footprint_grows_with_nights_and_threads_not_with_trials() {
        let (one, ten) = (Footprint::of(&scenario(1), 10_000, 2), Footprint::of(&scenario(10), 10_000, 2));
        assert_eq!(ten.nightly, 10 * one.nightly);
        assert_eq!(one.campaign, ten.campaign);
        assert_eq!(one.copies, 3);
        assert_eq!(Footprint::of(&scenario(1), 1, 2).copies, 2, "one block: one worker's copy");
        assert_eq!(Footprint::of(&scenario(10), 1_000_000, 2), ten, "more trials cost nothing more");
        let single = Footprint::of(&scenario(10), 1, 4);
        assert_eq!(single.bytes, (single.nightly + single.campaign) * (FIXED_BYTES + BUCKET_BYTES) * 2);
        let per_tally = FIXED_BYTES + BUCKET_BYTES * BUCKETS_CHARGED;
        assert_eq!(ten.bytes, (ten.nightly + ten.campaign) * per_tally * 3);
    }

    /// The counts the footprint works from are the layout's own, for every shipped scenario.
    #[test]
    fn the_counted_width_and_pairs_are_the_layouts() {
        let mut files: Vec<_> = std::fs::read_dir("scenarios").unwrap().map(|e| e.unwrap().path()).collect();
        files.retain(|p| p.is_file());
        assert!(files.len() >= 5);
        for file in files {
            let scenario = crate::scenario::load(&file, &[]).unwrap().scenario;
            let layout = NightLayout::new(&scenario);
            assert_eq!(NightLayout::counts(&scenario), (layout.width(), layout.pairs.len()), "{}", file.display());
        }
    }
}
