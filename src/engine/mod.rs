//! The Monte Carlo core: runs a scenario's trials in parallel and aggregates them.
//!
//! Trials are cut into fixed blocks of [`BLOCK_TRIALS`], blocks into chunks of [`CHUNK_BLOCKS`];
//! each block is simulated and tallied on one thread, blocks are merged in order into their chunk,
//! chunks in order into the run. Every trial draws from its own
//! stream (see [`rng`]), so the result is byte-identical at any thread count. Each thread takes the
//! next block as soon as it is free and runs at most a few blocks ahead of the fold, so memory
//! stays flat however many trials are asked for.
//! The core never prints: it reports progress to a [`Progress`] sink.

mod aggregate;
mod classes;
pub mod controls;
mod counted;
pub mod draw;
pub mod footprint;
pub mod layout;
mod mutation;
mod one_by_one;
pub mod precision;
pub mod rng;
mod trial;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

pub use aggregate::{Aggregate, LayerTallies, PairTallies, ThreatTallies};
pub use layout::NightLayout;
pub use mutation::Mutation;
pub use trial::{Campaign, LayerTotals, Method, PairTotals, ThreatTotals, TrialRecord, Workspace, simulate};

use crate::scenario::Scenario;

/// Trials per block: fixed, so that the merge order — and the output bytes — never depend on
/// the number of threads.
pub const BLOCK_TRIALS: u64 = 1000;

/// Receives progress from a running simulation.
pub trait Progress: Sync {
    /// `trials` more trials are done.
    fn advance(&self, trials: u64);
    /// Whether the run should stop early (e.g. on Ctrl-C); checked before every trial.
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
    run_until(scenario, trials, seed, progress, None)
}

/// Whether a run has done enough, judged from the in-order aggregate of its trials so far.
pub type StopRule<'a> = &'a (dyn Fn(&Aggregate) -> bool + Sync);

/// Whether the stopping rule is asked after `blocks` blocks: after 4, 8, 16, 32 and 64, then at
/// every chunk boundary. Fixed block counts, so where a run stops does not depend on threads.
pub fn is_checkpoint(blocks: u64) -> bool {
    blocks >= 4 && ((blocks <= CHUNK_BLOCKS && blocks.is_power_of_two()) || blocks % CHUNK_BLOCKS == 0)
}

/// As [`run`], but stops at the first checkpoint ([`is_checkpoint`]) where `stop` is satisfied by
/// the trials so far, `trials` being the most it runs. The result is exactly that of [`run`] with
/// the trials it ran: blocks simulated past the stop are discarded.
pub fn run_until(
    scenario: &Scenario,
    trials: u64,
    seed: u64,
    progress: &dyn Progress,
    stop: Option<StopRule>,
) -> Result<Aggregate, Cancelled> {
    let layout = NightLayout::new(scenario);
    let mut total = Aggregate::new(scenario, &layout);
    for chunk in 0..chunk_count(trials) {
        let job = Chunk { scenario, layout: &layout, trials, seed, chunk };
        let (aggregate, stopped) = job.run(progress, total.trials, stop.map(|rule| (rule, &total)))?;
        total.merge(&aggregate);
        if stopped {
            break;
        }
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
            let (aggregate, _) = Chunk { scenario, layout: &layout, trials, seed, chunk }.run(progress, done, None)?;
            done += aggregate.trials;
            Ok(aggregate)
        })
        .collect()
}

/// Chunk `chunk` of a `trials`-trial run, with the folds of its blocks a stopping rule would be
/// asked about inside it: the aggregate so far at each checkpoint ([`is_checkpoint`]) the chunk
/// spans, short of the run's end. Only the first chunk holds checkpoints below [`CHUNK_BLOCKS`];
/// a sharded run with a precision target keeps them so that `merge` can stop where the unsharded
/// run would.
pub fn run_chunk_with_checkpoints(
    scenario: &Scenario,
    trials: u64,
    seed: u64,
    chunk: u64,
    progress: &dyn Progress,
) -> Result<(Aggregate, Vec<Aggregate>), Cancelled> {
    let layout = NightLayout::new(scenario);
    let folds = std::sync::Mutex::new(Vec::new());
    let record = |so_far: &Aggregate| {
        folds.lock().expect("no panic while recording").push(so_far.clone());
        false
    };
    let empty = Aggregate::new(scenario, &layout);
    let job = Chunk { scenario, layout: &layout, trials, seed, chunk };
    let before = chunk * CHUNK_BLOCKS * BLOCK_TRIALS;
    let (aggregate, _) = job.run(progress, before, (chunk == 0).then_some((&record as StopRule, &empty)))?;
    Ok((aggregate, folds.into_inner().expect("no panic while recording")))
}

/// Folds chunk aggregates, in order, into the run's aggregate.
pub fn merge_chunks(scenario: &Scenario, chunks: &[Aggregate]) -> Aggregate {
    let mut total = Aggregate::new(scenario, &NightLayout::new(scenario));
    chunks.iter().for_each(|chunk| total.merge(chunk));
    total
}

/// One chunk of a `trials`-trial run.
struct Chunk<'a> {
    scenario: &'a Scenario,
    layout: &'a NightLayout,
    trials: u64,
    seed: u64,
    chunk: u64,
}

impl Chunk<'_> {
    /// Its blocks simulated on the pool's number of threads, folded in block order, after
    /// `done_before` trials of the run. Given a stopping rule and the run's aggregate before this
    /// chunk, the rule is asked at each checkpoint about that aggregate plus the blocks folded so
    /// far. Returns the chunk's aggregate and whether the rule stopped the run.
    ///
    /// Each thread takes the next block as soon as it is free, so no thread waits for another at
    /// the end of a batch; whichever thread finishes the block the fold is waiting for folds every
    /// finished block in order. A thread waits only when it would run more than [`AHEAD`] blocks
    /// per thread past the fold, which keeps memory flat however many trials are asked for.
    fn run(
        &self,
        progress: &dyn Progress,
        done_before: u64,
        stop: Option<(StopRule, &Aggregate)>,
    ) -> Result<(Aggregate, bool), Cancelled> {
        let blocks = self.trials.div_ceil(BLOCK_TRIALS);
        let (first, end) = (self.chunk * CHUNK_BLOCKS, ((self.chunk + 1) * CHUNK_BLOCKS).min(blocks));
        let threads = rayon::current_num_threads().max(1);
        let fold = Fold {
            next: AtomicU64::new(first),
            window: AHEAD * threads as u64,
            state: Mutex::new(FoldState {
                aggregate: Aggregate::new(self.scenario, self.layout),
                folded: first,
                finished: BTreeMap::new(),
                over: None,
            }),
            advanced: Condvar::new(),
        };
        let work = || self.work(&fold, end, blocks, progress, stop);
        std::thread::scope(|scope| {
            for _ in 1..threads {
                scope.spawn(work);
            }
            work();
        });
        let state = fold.state.into_inner().expect("no thread panicked while folding");
        match state.over {
            Some(Over::Cancelled) => Err(Cancelled { done: done_before + state.aggregate.trials, trials: self.trials }),
            over => Ok((state.aggregate, over == Some(Over::Stopped))),
        }
    }

    /// One thread's share: take blocks until none is left or the run is over.
    fn work(&self, fold: &Fold, end: u64, blocks: u64, progress: &dyn Progress, stop: Option<(StopRule, &Aggregate)>) {
        loop {
            let block = fold.next.fetch_add(1, Ordering::Relaxed);
            if block >= end || !fold.may_run(block) {
                return;
            }
            if progress.cancelled() {
                fold.end(Over::Cancelled);
                return;
            }
            let range = block * BLOCK_TRIALS..((block + 1) * BLOCK_TRIALS).min(self.trials);
            let len = range.end - range.start;
            let Some(aggregate) = run_block(self.scenario, self.layout, self.seed, range, progress) else {
                fold.end(Over::Cancelled);
                return;
            };
            progress.advance(len);
            fold.finish(block, aggregate, |folded, so_far| {
                let (rule, before) = stop.filter(|_| is_checkpoint(folded) && folded < blocks)?;
                let mut run_so_far = before.clone();
                run_so_far.merge(so_far);
                rule(&run_so_far).then_some(Over::Stopped)
            });
        }
    }
}

/// Blocks a thread may run ahead of the fold, per thread.
const AHEAD: u64 = 2;

/// Why a chunk ended early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Over {
    Stopped,
    Cancelled,
}

/// The in-order fold of a chunk's blocks, shared by the threads that run them.
struct Fold {
    /// The next block to take.
    next: AtomicU64,
    /// At most this many blocks past the fold are taken.
    window: u64,
    state: Mutex<FoldState>,
    /// Signalled whenever the fold moves on or the chunk ends.
    advanced: Condvar,
}

struct FoldState {
    aggregate: Aggregate,
    /// Blocks folded so far (counted from the run's first block).
    folded: u64,
    /// Blocks finished but not yet folded, by block number.
    finished: BTreeMap<u64, Aggregate>,
    over: Option<Over>,
}

impl Fold {
    fn lock(&self) -> std::sync::MutexGuard<'_, FoldState> {
        self.state.lock().expect("no thread panicked while folding")
    }

    /// Waits until `block` is within the window of the fold; false if the chunk is over.
    fn may_run(&self, block: u64) -> bool {
        let mut state = self.lock();
        while state.over.is_none() && block >= state.folded + self.window {
            state = self.advanced.wait(state).expect("no thread panicked while folding");
        }
        state.over.is_none()
    }

    /// Hands in `block`'s aggregate and folds every finished block that is next in order. After
    /// each, `check(blocks folded, aggregate)` may end the chunk; blocks finished later are dropped.
    fn finish(&self, block: u64, aggregate: Aggregate, check: impl Fn(u64, &Aggregate) -> Option<Over>) {
        let mut guard = self.lock();
        let state = &mut *guard;
        if state.over.is_some() {
            return;
        }
        state.finished.insert(block, aggregate);
        while let Some(next) = state.finished.remove(&state.folded) {
            state.aggregate.merge(&next);
            state.folded += 1;
            if let Some(over) = check(state.folded, &state.aggregate) {
                state.over = Some(over);
                break;
            }
        }
        drop(guard);
        self.advanced.notify_all();
    }

    fn end(&self, over: Over) {
        self.lock().over.get_or_insert(over);
        self.advanced.notify_all();
    }
}

/// Simulates and tallies trials `range` on this thread.
/// The block's trials, or `None` as soon as `progress` is cancelled: asked before every trial, not
/// only between blocks, since a block of 100,000-drone nights took up to a minute.
fn run_block(
    scenario: &Scenario,
    layout: &NightLayout,
    seed: u64,
    range: std::ops::Range<u64>,
    progress: &dyn Progress,
) -> Option<Aggregate> {
    let mut aggregate = Aggregate::new(scenario, layout);
    let mut workspace = Workspace::default();
    let mut record = TrialRecord::default();
    for trial in range {
        if progress.cancelled() {
            return None;
        }
        simulate(scenario, layout, seed, trial, &mut workspace, &mut record);
        aggregate.add(scenario, layout, &record);
    }
    Some(aggregate)
}
