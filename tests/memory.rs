//! Memory must not grow with the number of trials. Peak resident memory of the baseline at 10⁶
//! trials may exceed that at 10⁵ by at most [`BYTES_PER_TRIAL`] for each of the 900,000 extra
//! trials: keeping even two floats a trial (16 bytes) would fail by 4×. What growth there is comes
//! from the quantile histograms reaching further into the tails. Its own test binary, so that no
//! other test's children share the `RUSAGE_CHILDREN` figure.

use std::process::Command;

/// Growth of peak memory allowed per extra trial, bytes (measured: about 1.5).
const BYTES_PER_TRIAL: f64 = 4.0;

/// Largest resident set of any child waited for so far, in KiB (Linux semantics).
fn children_max_rss_kib() -> i64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage only writes into the struct we pass.
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) }, 0);
    usage.ru_maxrss
}

fn run_baseline(trials: &str, out: &std::path::Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_salvosim"))
        .args(["run", "scenarios/baseline.toml", "--quiet", "--no-charts", "--threads", "2", "--trials", trials])
        .arg("--out")
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn peak_memory_does_not_grow_with_the_number_of_trials() {
    let tmp = tempfile::tempdir().unwrap();
    run_baseline("100000", tmp.path());
    let small = children_max_rss_kib();
    run_baseline("1000000", tmp.path());
    // The figure is a running maximum: it grows only if the larger run peaked higher.
    let large = children_max_rss_kib();
    let per_trial = (large - small) as f64 * 1024.0 / 900_000.0;
    eprintln!("peak RSS: {small} KiB at 10^5 trials, {large} KiB at most at 10^6: {per_trial:.2} bytes a trial");
    assert!(per_trial <= BYTES_PER_TRIAL, "peak memory grew by {per_trial:.2} bytes a trial ({small} -> {large} KiB)");
}
