//! Atomic outputs: a run killed with SIGKILL at any moment leaves in its folder either the
//! previous complete set of files or the new complete set — never a truncated file or a mix —
//! and the next run cleans up what the killed one left beside it. Kills land at random moments over
//! a whole run and, through the `SALVOSIM_TEST_PAUSE_AT` hook, exactly before and after the swap.

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

/// Staging folders of `target` beside it, with their files.
fn staging_folders(target: &Path) -> Vec<BTreeMap<PathBuf, Vec<u8>>> {
    let prefix = format!(".{}.staging", target.file_name().unwrap().to_string_lossy());
    std::fs::read_dir(target.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(&prefix))
        .map(|p| snapshot(&p))
        .collect()
}

/// Kills a run at a fixed pseudo-random schedule of moments spread over a whole run, alternating the
/// seed so that every completed run changes the folder. After every kill the folder must hold one
/// complete set; over the schedule both sets must be seen, and some kills must land while the new set
/// was being written (a staging folder holding files was left).
///
/// The schedule's span is 1.2 × the longest run seen to finish on its own, first timed before the
/// kills. On a loaded machine (the other tests of this file run beside it) a run can take longer
/// than the one timed, so every 8 rounds without a finished run stretch the span by half, and the
/// schedule goes on past 24 rounds, up to 96, until all three outcomes are seen. Any kill that
/// leaves neither set fails at once, whatever the timing.
#[test]
fn sigkill_at_any_moment_leaves_one_complete_set() {
    const OUTCOMES: [&str; 3] = ["old or new set a", "old or new set b", "killed while writing"];
    let tmp = tempfile::tempdir().unwrap();
    let (ref_a, ref_b, target) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("target"));
    let started = std::time::Instant::now();
    run("1", &ref_a);
    let mut span = started.elapsed().mul_f64(1.2);
    run("2", &ref_b);
    let (a, b) = (snapshot(&ref_a), snapshot(&ref_b));
    assert!(a.len() >= 12 && a != b);
    run("1", &target);

    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut seen = BTreeMap::new();
    let mut rounds_since_a_finish = 0;
    let mut round = 0;
    while round < 24 || (round < 96 && !OUTCOMES.iter().all(|o| seen.contains_key(o))) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let delay = span.mul_f64((state % 1000) as f64 / 1000.0);
        let seed = if round % 2 == 0 { "2" } else { "1" };
        let spawned = std::time::Instant::now();
        let mut child =
            Command::new(BIN).args(args(seed, &target)).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(delay);
        if let Ok(Some(status)) = child.try_wait() {
            assert!(status.success(), "round {round}: the run failed on its own");
            span = span.max(spawned.elapsed().mul_f64(1.2));
            rounds_since_a_finish = 0;
        } else {
            rounds_since_a_finish += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        let now = snapshot(&target);
        let set = if now == a {
            OUTCOMES[0]
        } else if now == b {
            OUTCOMES[1]
        } else {
            panic!("round {round}, killed after {delay:?}: the folder is neither complete set")
        };
        *seen.entry(set).or_insert(0) += 1;
        if staging_folders(&target).iter().any(|files| !files.is_empty()) {
            *seen.entry(OUTCOMES[2]).or_insert(0) += 1;
        }
        if rounds_since_a_finish == 8 {
            span = span.mul_f64(1.5);
            rounds_since_a_finish = 0;
        }
        round += 1;
    }
    eprintln!("after {round} kills over spans up to {span:?}: {seen:?}");
    for outcome in OUTCOMES {
        assert!(seen.contains_key(outcome), "no kill left {outcome}: {seen:?}");
    }
    run("2", &target);
    assert_eq!(snapshot(&target), b);
    assert!(staging_folders(&target).is_empty(), "staging folders left behind");
}

/// Kills a run paused at `point` of the commit (see `SALVOSIM_TEST_PAUSE_AT` in src/output/mod.rs) once
/// the files show it is there.
fn kill_paused_at(point: &str, target: &Path, ready: impl Fn() -> bool) {
    let mut child = Command::new(BIN)
        .args(args("2", target))
        .env("SALVOSIM_TEST_PAUSE_AT", point)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(std::time::Instant::now() < deadline, "the run never reached `{point}`");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// A kill after every file is staged but before the swap leaves the old set; one right after the
/// swap, before the old set is removed, leaves the new set. Either way the next run cleans up.
#[test]
fn sigkill_just_before_and_just_after_the_swap() {
    let tmp = tempfile::tempdir().unwrap();
    let (ref_a, ref_b) = (tmp.path().join("a"), tmp.path().join("b"));
    run("1", &ref_a);
    run("2", &ref_b);
    let (a, b) = (snapshot(&ref_a), snapshot(&ref_b));

    let target = tmp.path().join("before-swap");
    run("1", &target);
    kill_paused_at("written", &target, || staging_folders(&target).contains(&b));
    assert!(snapshot(&target) == a, "killed before the swap: the old set stays");
    assert!(staging_folders(&target).contains(&b), "the staged new set is left beside it");

    let target = tmp.path().join("after-swap");
    run("1", &target);
    kill_paused_at("swapped", &target, || snapshot(&target) == b);
    assert!(snapshot(&target) == b, "killed after the swap: the new set is in place");
    assert!(staging_folders(&target).contains(&a), "the old set waits beside it for removal");

    for target in [tmp.path().join("before-swap"), tmp.path().join("after-swap")] {
        run("1", &target);
        assert!(snapshot(&target) == a);
        assert!(staging_folders(&target).is_empty(), "{}: leftovers removed", target.display());
    }
}

/// Ctrl-C stops a run within a second and writes nothing: an ordinary one, and one of
/// 100,000-drone nights, whose blocks of 1,000 trials took up to a minute when cancellation was
/// asked only between blocks (it is now asked before every trial).
#[test]
fn ctrl_c_stops_promptly_says_so_and_writes_nothing() {
    for (what, extra) in [("ordinary", &[][..]), ("huge nights", &["--set", "raid.size=100000"][..])] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("interrupted");
        let child = Command::new(BIN)
            .args(["run", "scenarios/baseline.toml", "--trials", "100000000", "--out"])
            .arg(&out)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        let sent = std::time::Instant::now();
        // SAFETY: sending SIGINT to our own child process.
        assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
        let output = child.wait_with_output().unwrap();
        let stopped_in = sent.elapsed();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(130), "{what}: {stderr}");
        assert!(stderr.contains("interrupted") && stderr.contains("nothing was written"), "{what}: {stderr}");
        assert!(stopped_in < Duration::from_secs(1), "{what}: took {stopped_in:?} to stop");
        assert!(
            std::fs::read_dir(tmp.path()).unwrap().next().is_none(),
            "{what}: no output and no staging folder left"
        );
    }
}

/// This machine's host name as salvosim writes it into staging folder names.
fn host_name() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    name.trim().chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect()
}

/// On a shared filesystem another node's live run has a staging folder here whose process this host
/// cannot see: a run must leave it alone (unless it is a week old), while it reaps the staging folder
/// of a process on this host that no longer exists.
#[test]
fn only_dead_runs_of_this_host_and_week_old_foreign_stagings_are_reaped() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("results");
    let staging = |tag: &str| tmp.path().join(format!(".results.staging-{tag}"));
    let mut gone = Command::new("true").spawn().unwrap();
    let dead_pid = gone.id();
    gone.wait().unwrap();
    let host = host_name();
    let foreign_live = staging(&format!("{}-00000000000000aa-other-node.{host}", std::process::id()));
    let foreign_old = staging("77-00000000000000bb-other-node");
    let dead_here = staging(&format!("{dead_pid}-00000000000000cc-{host}"));
    let live_here = staging(&format!("{}-00000000000000dd-{host}", std::process::id()));
    for dir in [&foreign_live, &foreign_old, &dead_here, &live_here] {
        std::fs::create_dir(dir).unwrap();
        std::fs::write(dir.join("summary.json"), "{}").unwrap();
    }
    let week_ago = std::time::SystemTime::now() - Duration::from_secs(8 * 24 * 3600);
    std::fs::File::open(&foreign_old).unwrap().set_modified(week_ago).unwrap();

    run("1", &target);
    assert!(foreign_live.exists(), "another host's fresh staging folder must survive");
    assert!(live_here.exists(), "a live process's staging folder must survive");
    assert!(!dead_here.exists(), "a dead process's staging folder on this host is reaped");
    assert!(!foreign_old.exists(), "a foreign staging folder older than a week is reaped");
    assert_eq!(staging_folders(&target).len(), 2, "and the run left none of its own");
}

#[test]
fn a_symbolic_link_as_out_is_refused_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real");
    run("1", &real);
    let before = snapshot(&real);
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let output = Command::new(BIN).args(args("2", &link)).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is a symbolic link"), "{stderr}");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link is left as it was");
    assert_eq!(snapshot(&real), before, "the folder it points to is untouched");
}
