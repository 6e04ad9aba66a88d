//! The cluster path end to end on a real single-node Slurm on localhost: scripts/slurm/submit.sh
//! submits a 4-shard job array and a dependent merge job; the merged results must equal the
//! unsharded run byte for byte. scripts/slurm/local-cluster.sh starts a private cluster whose
//! configuration, munge key, spool and logs are all in a temporary folder, and the test stops its
//! daemons when it ends, passed or failed. The test installs nothing: Debian's slurmctld, slurmd,
//! slurm-client and munge come from scripts/setup-test-machine.sh, run on purpose (`.ci/run` runs
//! it). Where they are missing, or the machine cannot run them (not root), the test fails under CI
//! and skips, saying why, elsewhere.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_salvosim");
const RUN: [&str; 8] = ["--trials", "200000", "--seed", "3", "--set", "scenario.nights=2", "--set", "raid.size=20"];

/// The private cluster started in this folder; its daemons are stopped when it drops, however the
/// test ends.
struct Cluster(std::path::PathBuf);

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash").args(["scripts/slurm/local-cluster.sh", "stop"]).arg(&self.0).status();
    }
}

fn skip(reason: &str) {
    common::skip_or_fail_in_ci("tests/slurm.rs", reason);
}

#[test]
fn a_job_array_and_merge_on_local_slurm_reproduce_the_unsharded_run() {
    if std::env::var_os("SALVOSIM_SKIP_SLURM").is_some() {
        return skip("SALVOSIM_SKIP_SLURM is set");
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return skip("not root, so a Slurm cluster cannot be started here");
    }
    let cluster_dir = tempfile::tempdir().unwrap();
    let started = Command::new("bash")
        .args(["scripts/slurm/local-cluster.sh", "start"])
        .arg(cluster_dir.path())
        .output()
        .unwrap();
    let _cluster = Cluster(cluster_dir.path().to_path_buf());
    match started.status.code() {
        Some(0) => {}
        Some(3) => return skip(String::from_utf8_lossy(&started.stderr).trim()),
        _ => panic!("local Slurm did not start: {}", String::from_utf8_lossy(&started.stderr)),
    }
    let conf = cluster_dir.path().join("slurm.conf");

    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (whole, merged) = (tmp.path().join("whole"), tmp.path().join("merged"));
    let status = Command::new(BIN)
        .args(["run", "scenarios/baseline.toml", "--quiet"])
        .args(RUN)
        .arg("--out")
        .arg(&whole)
        .status()
        .unwrap();
    assert!(status.success());

    let submitted = Command::new("bash")
        .arg(root.join("scripts/slurm/submit.sh"))
        .args(["-n", "4", "-b", BIN, "-o"])
        .arg(&merged)
        .arg(root.join("scenarios/baseline.toml"))
        .args(RUN)
        .env("SLURM_CONF", &conf)
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(submitted.status.success(), "submit.sh: {}", String::from_utf8_lossy(&submitted.stderr));
    let ids = String::from_utf8(submitted.stdout).unwrap();
    let jobs = ids.split_whitespace().collect::<Vec<_>>().join(",");

    let start = Instant::now();
    loop {
        let queue = Command::new("squeue").args(["-h", "-j", &jobs]).env("SLURM_CONF", &conf).output().unwrap();
        if String::from_utf8_lossy(&queue.stdout).trim().is_empty() {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(180), "jobs {jobs} still queued after 3 minutes");
        std::thread::sleep(Duration::from_millis(500));
    }
    println!("Slurm jobs {jobs} finished in {:.1?}", start.elapsed());
    for file in ["summary.json", "nights.csv", "charts/cumulative-spend.png", "charts/stock-depletion.svg"] {
        let (a, b) = (std::fs::read(whole.join(file)).unwrap(), std::fs::read(merged.join(file)));
        let b = b.unwrap_or_else(|e| panic!("merged {file}: {e}; job logs in {}", tmp.path().display()));
        assert!(a == b, "{file}: the Slurm-merged result differs from the unsharded run");
    }
}
