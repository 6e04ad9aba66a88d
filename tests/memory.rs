//! Memory must not grow with the number of trials: peak resident memory of the baseline at
//! 200,000 trials stays within 20 % of that at 20,000. Its own test binary, so that no other
//! test's children share the `RUSAGE_CHILDREN` figure.

use std::process::Command;

/// Largest resident set of any child waited for so far, in KiB (Linux semantics).
fn children_max_rss_kib() -> i64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage only writes into the struct we pass.
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) }, 0);
    usage.ru_maxrss
}

fn run_baseline(trials: &str, out: &std::path::Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_salvosim"))
        .args(["run", "scenarios/baseline.toml", "--quiet", "--trials", trials, "--out"])
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn peak_memory_is_flat_in_the_number_of_trials() {
    let tmp = tempfile::tempdir().unwrap();
    run_baseline("20000", tmp.path());
    let small = children_max_rss_kib();
    run_baseline("200000", tmp.path());
    // The figure is a running maximum: it grows only if the larger run peaked higher.
    let large = children_max_rss_kib();
    eprintln!("peak RSS: {small} KiB at 20,000 trials, {large} KiB at most at 200,000");
    assert!(large as f64 <= 1.2 * small as f64, "peak memory grew from {small} KiB to {large} KiB");
}
