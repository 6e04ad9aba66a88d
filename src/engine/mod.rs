//! The Monte Carlo core: runs a scenario's trials in parallel and aggregates them.
//!
//! Trials are cut into fixed blocks of [`BLOCK_TRIALS`]; each block is simulated and tallied on
//! one thread, and blocks are merged strictly in trial order. Every trial draws from its own
//! stream (see [`rng`]), so the result is byte-identical at any thread count. Blocks are processed
//! in waves of a few per thread, so memory stays flat however many trials are asked for.
//! The core never prints: it reports progress to a [`Progress`] sink.

mod aggregate;
pub mod layout;
pub mod rng;
mod trial;

use rayon::prelude::*;

pub use aggregate::{Aggregate, LayerTallies, ThreatTallies};
pub use layout::NightLayout;
pub use trial::{Campaign, LayerTotals, ThreatTotals, TrialRecord, Workspace, simulate};

use crate::scenario::Scenario;

/// Trials per block: fixed, so that the merge order — and the output bytes — never depend on
/// the number of threads.
pub const BLOCK_TRIALS: u64 = 1000;

/// Receives progress from a running simulation.
pub trait Progress: Sync {
    /// `trials` more trials are done.
    fn advance(&self, trials: u64);
    /// Whether the run should stop early (e.g. on Ctrl-C); checked between blocks.
    fn cancelled(&self) -> bool {
        false
    }
}

/// A progress sink that ignores everything.
pub struct Silent;

impl Progress for Silent {
    fn advance(&self, _trials: u64) {}
}

/// The run stopped before all trials were done.
#[derive(Debug, thiserror::Error)]
#[error("the run was cancelled after {done} of {trials} trials")]
pub struct Cancelled {
    pub done: u64,
    pub trials: u64,
}

/// Runs `trials` trials of `scenario` under master seed `seed` on the current rayon pool.
pub fn run(scenario: &Scenario, trials: u64, seed: u64, progress: &dyn Progress) -> Result<Aggregate, Cancelled> {
    let layout = NightLayout::new(scenario);
    let mut total = Aggregate::new(scenario, &layout);
    let blocks = trials.div_ceil(BLOCK_TRIALS);
    let wave = 2 * rayon::current_num_threads() as u64;
    let mut next = 0;
    while next < blocks {
        if progress.cancelled() {
            return Err(Cancelled { done: total.trials, trials });
        }
        let end = (next + wave).min(blocks);
        let results: Vec<Aggregate> = (next..end)
            .into_par_iter()
            .map(|block| {
                let first = block * BLOCK_TRIALS;
                let last = (first + BLOCK_TRIALS).min(trials);
                let aggregate = run_block(scenario, &layout, seed, first..last);
                progress.advance(last - first);
                aggregate
            })
            .collect();
        results.iter().for_each(|block| total.merge(block));
        next = end;
    }
    Ok(total)
}

/// Simulates and tallies trials `range` on this thread.
fn run_block(scenario: &Scenario, layout: &NightLayout, seed: u64, range: std::ops::Range<u64>) -> Aggregate {
    let mut aggregate = Aggregate::new(scenario, layout);
    let mut workspace = Workspace::default();
    let mut record = TrialRecord::default();
    for trial in range {
        simulate(scenario, layout, seed, trial, &mut workspace, &mut record);
        aggregate.add(scenario, &record);
    }
    aggregate
}
