//! The simulation core allocates nothing per trial, night or threat once its workspace is warm:
//! a counting global allocator watches 200 trials of every shipped scenario, and of the baseline
//! with a last layer that engages recognised decoys again, by both methods. The one exception is
//! the threat-by-threat queue, which doubles when a night is larger than every night before it —
//! at most a couple of times after warm-up, never per trial.

mod common;

use common::counting::{self, Counting};
use salvosim::engine::{Campaign, Method, NightLayout, TrialRecord, Workspace};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Doublings of the threat queue allowed after warm-up: a record night after 100 trials is rare,
/// and two in a row rarer still. (The warm-up was 20 trials until the ceasefire excursion took the
/// baseline's missiles: its nights that line threats up one by one come in its long-tailed raids,
/// and 20 trials left three doublings to come.)
const QUEUE_GROWTHS: u64 = 2;

/// Trials run before allocations are counted.
const WARM_UP: u64 = 100;

#[test]
fn trials_allocate_nothing_once_warm() {
    let mut scenarios = common::shipped();
    scenarios.push(common::baseline_edited(|text| text + common::LATE_GUNS));
    for s in scenarios {
        let layout = NightLayout::new(&s);
        for method in [Method::Counting, Method::PerThreat] {
            let (mut ws, mut record) = (Workspace::default(), TrialRecord::default());
            // Warm up: the first trials size the workspace and the record.
            for trial in 0..WARM_UP {
                Campaign::start(&s, &layout, 1, trial, &mut ws, &mut record).with_method(method).run();
            }
            let before = counting::allocations();
            for trial in WARM_UP..WARM_UP + 200 {
                Campaign::start(&s, &layout, 1, trial, &mut ws, &mut record).with_method(method).run();
            }
            let allocations = counting::allocations() - before;
            assert!(
                allocations <= QUEUE_GROWTHS,
                "{}, {method:?}: {allocations} allocations in 200 warm trials (at most {QUEUE_GROWTHS} allowed)",
                s.name
            );
        }
    }
}
