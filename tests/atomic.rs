//! Atomic outputs: a run killed with SIGKILL at any moment leaves in its folder either the
//! previous complete set of files or the new complete set — never a truncated file or a mix —
//! and the next run cleans up what the killed one left beside it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_salvosim");

fn args(seed: &str, out: &Path) -> Vec<String> {
    ["run", "scenarios/baseline.toml", "--quiet", "--trials", "3000", "--seed", seed, "--out"]
        .iter()
        .map(|s| s.to_string())
        .chain([out.display().to_string()])
        .collect()
}

fn run(seed: &str, out: &Path) {
    assert!(Command::new(BIN).args(args(seed, out)).status().unwrap().success());
}

/// Every file under `dir`, by relative path, with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, files);
            } else {
                files.insert(path.strip_prefix(root).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

#[test]
fn sigkill_at_any_moment_leaves_one_complete_set() {
    let tmp = tempfile::tempdir().unwrap();
    let (ref_a, ref_b, target) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("target"));
    run("1", &ref_a);
    run("2", &ref_b);
    let (a, b) = (snapshot(&ref_a), snapshot(&ref_b));
    assert!(a.len() >= 12 && a != b);
    run("1", &target);

    // A fixed pseudo-random schedule of kill moments spread over a whole run (about 1 s here).
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut seen = BTreeMap::new();
    for round in 0..24 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let delay = Duration::from_millis(state % 1200);
        let seed = if round % 2 == 0 { "2" } else { "1" };
        let mut child =
            Command::new(BIN).args(args(seed, &target)).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        let now = snapshot(&target);
        let which = if now == a {
            "a"
        } else if now == b {
            "b"
        } else {
            ""
        };
        assert!(!which.is_empty(), "round {round}, killed after {delay:?}: the folder is neither complete set");
        *seen.entry(which).or_insert(0) += 1;
    }
    eprintln!("complete sets seen after kills: {seen:?}");
    run("2", &target);
    assert_eq!(snapshot(&target), b);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("staging"))
        .collect();
    assert!(leftovers.is_empty(), "staging folders left behind: {leftovers:?}");
}

#[test]
fn ctrl_c_stops_promptly_says_so_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("interrupted");
    let child = Command::new(BIN)
        .args(["run", "scenarios/baseline.toml", "--trials", "100000000", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let sent = std::time::Instant::now();
    // SAFETY: sending SIGINT to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let output = child.wait_with_output().unwrap();
    let stopped_in = sent.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted") && stderr.contains("nothing was written"), "{stderr}");
    assert!(stopped_in < Duration::from_secs(2), "took {stopped_in:?} to stop");
    assert!(std::fs::read_dir(tmp.path()).unwrap().next().is_none(), "no output and no staging folder left");
}
