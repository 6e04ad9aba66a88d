//! The simulation core allocates nothing per trial, night or threat once its workspace is warm:
//! a counting global allocator watches 200 trials of every shipped scenario, and of the baseline
//! with a last layer that engages recognised decoys again, by both methods.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use salvosim::engine::{Method, NightLayout, TrialRecord, Workspace, simulate_with};
use salvosim::scenario::{self, Scenario};

/// The system allocator, counting allocations.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn trials_allocate_nothing_once_warm() {
    let mut files: Vec<_> = std::fs::read_dir("scenarios").unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut scenarios: Vec<Scenario> = files.iter().map(|f| scenario::load(f, &[]).unwrap().scenario).collect();
    let late_guns = std::fs::read_to_string("scenarios/baseline.toml").unwrap()
        + "\n[[layer]]\nname = \"late-guns\"\ndoctrine = \"salvo\"\npk = 0.5\nmax_shots = 1\ncost_per_shot = 100\n\
           capacity = 10\nengage_identified_decoys = true\n";
    scenarios.push(scenario::parse(&late_guns, Path::new("late-guns.toml"), &[]).unwrap().scenario);
    for s in scenarios {
        let layout = NightLayout::new(&s);
        for method in [Method::Counting, Method::PerThreat] {
            let (mut ws, mut record) = (Workspace::default(), TrialRecord::default());
            // Warm up: the first trials size the workspace and the record.
            for trial in 0..20 {
                simulate_with(method, &s, &layout, 1, trial, &mut ws, &mut record);
            }
            let before = ALLOCATIONS.load(Ordering::Relaxed);
            for trial in 20..220 {
                simulate_with(method, &s, &layout, 1, trial, &mut ws, &mut record);
            }
            let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
            assert_eq!(allocations, 0, "{}, {method:?}: {allocations} allocations in 200 warm trials", s.name);
        }
    }
}
