//! Memory must not grow with the number of trials. The peak of the heap held by a baseline run of
//! 10⁶ trials may exceed that of a run of 10⁵ by at most [`BYTES_PER_TRIAL`] for each of the
//! 900,000 extra trials: keeping even one float a trial (8 bytes) would fail by 2×. What growth
//! there is comes from the quantile histograms reaching further into the tails (measured: 1.45
//! bytes a trial, 11.5 MB → 12.8 MB).
//!
//! The instrument is a counting global allocator (live bytes and their peak), not the process's
//! peak resident memory, which also counts the allocator's free lists and arenas and moved by
//! ±3 MB between identical runs on this machine — as much as the bound itself. The runs use one
//! thread, so that the peak is the same every time: with more, the blocks finished but not yet
//! folded add a bounded amount (at most two block aggregates a thread) that depends on timing.
//! Its own test binary, so that no other test's allocations share the count.

mod common;

use common::counting::{self, Counting};
use salvosim::engine;

/// Growth of the peak heap allowed per extra trial, bytes.
const BYTES_PER_TRIAL: f64 = 4.0;

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Peak heap bytes held while the baseline runs `trials` trials on one thread.
fn peak_heap(trials: u64) -> i64 {
    let scenario = salvosim::scenario::load("scenarios/baseline.toml".as_ref(), &[]).unwrap().scenario;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    counting::reset_peak();
    let aggregate = pool.install(|| engine::run(&scenario, trials, 20250305, &engine::Silent)).unwrap();
    assert_eq!(aggregate.trials, trials);
    counting::peak()
}

#[test]
fn peak_memory_does_not_grow_with_the_number_of_trials() {
    let small = peak_heap(100_000);
    let large = peak_heap(1_000_000);
    let per_trial = (large - small) as f64 / 900_000.0;
    eprintln!("peak heap: {small} bytes at 10^5 trials, {large} at 10^6: {per_trial:.2} bytes a trial");
    assert!(per_trial <= BYTES_PER_TRIAL, "peak heap grew by {per_trial:.2} bytes a trial ({small} -> {large} bytes)");
}
