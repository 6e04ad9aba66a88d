//! The Monte Carlo core: runs a scenario's trials in parallel and aggregates them.
//!
//! Trials are cut into fixed blocks of [`BLOCK_TRIALS`], blocks into chunks of [`CHUNK_BLOCKS`];
//! each block is simulated and tallied on one thread, blocks are merged in order into their chunk,
//! chunks in order into the run. Every trial draws from its own
//! stream (see [`rng`]), so the result is byte-identical at any thread count. Blocks are processed
//! in waves of a few per thread, so memory stays flat however many trials are asked for.
//! The core never prints: it reports progress to a [`Progress`] sink.

mod aggregate;
mod counted;
pub mod draw;
pub mod layout;
mod mutation;
pub mod rng;
mod trial;

use rayon::prelude::*;

pub use aggregate::{Aggregate, LayerTallies, ThreatTallies};
pub use layout::NightLayout;
pub use mutation::Mutation;
pub use trial::{Campaign, LayerTotals, Method, ThreatTotals, TrialRecord, Workspace, simulate};

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

/// Blocks per chunk. The result is the fold, in order, of chunk aggregates, each the fold of its
/// blocks: a fixed two-level tree, so a sharded run (whole chunks per shard) merges into exactly the
/// unsharded result.
pub const CHUNK_BLOCKS: u64 = 64;

/// Chunks of a run of `trials` trials.
pub fn chunk_count(trials: u64) -> u64 {
    trials.div_ceil(BLOCK_TRIALS).div_ceil(CHUNK_BLOCKS)
}

/// Trials in chunk `chunk` of a `trials`-trial run.
pub fn chunk_trials(trials: u64, chunk: u64) -> u64 {
    let start = |c: u64| (c * CHUNK_BLOCKS * BLOCK_TRIALS).min(trials);
    start(chunk + 1) - start(chunk)
}

/// Runs `trials` trials of `scenario` under master seed `seed` on the current rayon pool.
pub fn run(scenario: &Scenario, trials: u64, seed: u64, progress: &dyn Progress) -> Result<Aggregate, Cancelled> {
    let layout = NightLayout::new(scenario);
    let mut total = Aggregate::new(scenario, &layout);
    for chunk in 0..chunk_count(trials) {
        total.merge(&run_chunk(scenario, &layout, trials, seed, chunk, progress, total.trials)?);
    }
    Ok(total)
}

/// Runs chunks `chunks` of a `trials`-trial run and returns their aggregates (one shard's work).
pub fn run_chunks(
    scenario: &Scenario,
    trials: u64,
    seed: u64,
    chunks: std::ops::Range<u64>,
    progress: &dyn Progress,
) -> Result<Vec<Aggregate>, Cancelled> {
    let layout = NightLayout::new(scenario);
    let mut done = 0;
    chunks
        .map(|chunk| {
            let aggregate = run_chunk(scenario, &layout, trials, seed, chunk, progress, done)?;
            done += aggregate.trials;
            Ok(aggregate)
        })
        .collect()
}

/// Folds chunk aggregates, in order, into the run's aggregate.
pub fn merge_chunks(scenario: &Scenario, chunks: &[Aggregate]) -> Aggregate {
    let mut total = Aggregate::new(scenario, &NightLayout::new(scenario));
    chunks.iter().for_each(|chunk| total.merge(chunk));
    total
}

/// One chunk: its blocks simulated in parallel waves of a few per thread, folded in block order.
fn run_chunk(
    scenario: &Scenario,
    layout: &NightLayout,
    trials: u64,
    seed: u64,
    chunk: u64,
    progress: &dyn Progress,
    done_before: u64,
) -> Result<Aggregate, Cancelled> {
    let mut aggregate = Aggregate::new(scenario, layout);
    let blocks = trials.div_ceil(BLOCK_TRIALS);
    let (first, end) = (chunk * CHUNK_BLOCKS, ((chunk + 1) * CHUNK_BLOCKS).min(blocks));
    let wave = 2 * rayon::current_num_threads() as u64;
    let mut next = first;
    while next < end {
        if progress.cancelled() {
            return Err(Cancelled { done: done_before + aggregate.trials, trials });
        }
        let last = (next + wave).min(end);
        let results: Vec<Aggregate> = (next..last)
            .into_par_iter()
            .map(|block| {
                let range = block * BLOCK_TRIALS..((block + 1) * BLOCK_TRIALS).min(trials);
                let len = range.end - range.start;
                let block_aggregate = run_block(scenario, layout, seed, range);
                progress.advance(len);
                block_aggregate
            })
            .collect();
        results.iter().for_each(|block| aggregate.merge(block));
        next = last;
    }
    Ok(aggregate)
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
