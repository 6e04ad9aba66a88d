//! `--precision REL`: a run stops at the first checkpoint (4, 8, 16, 32, 64 blocks of 1,000
//! trials, then every 64) where every chosen metric's 95 % CI half-width is within REL of its mean.
//! Where it stops depends only on the results, so the files are byte-identical at any thread count
//! and shard split, and equal a plain run of the trials it ran.

mod common;

use std::path::Path;

use assert_cmd::Command;

fn salvosim() -> Command {
    Command::cargo_bin("salvosim").unwrap()
}

fn run(out: &Path, extra: &[&str]) -> serde_json::Value {
    salvosim()
        .args(["run", "scenarios/baseline.toml", "--quiet", "--no-charts", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
    serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
}

fn relative_half_width(summary: &serde_json::Value, metric: &str) -> f64 {
    let m = &summary[metric];
    let ci = [m["ci95"][0].as_f64().unwrap(), m["ci95"][1].as_f64().unwrap()];
    (ci[1] - ci[0]) / 2.0 / m["mean"].as_f64().unwrap().abs()
}

#[test]
fn a_run_stops_at_the_precision_asked_and_equals_a_plain_run_of_its_trials() {
    let tmp = tempfile::tempdir().unwrap();
    let target = 0.0025;
    let summary = run(&tmp.path().join("precise"), &["--trials", "500000", "--precision", &target.to_string()]);
    let trials = summary["trials"].as_u64().unwrap();
    assert!((4000..500_000).contains(&trials) && trials % 1000 == 0, "stopped at {trials} trials");
    let record = &summary["precision"];
    assert_eq!(record["reached"], true);
    assert_eq!(record["trials_cap"], 500_000);
    for metric in ["cost_exchange_ratio", "cost_exchange_ratio_with_damage", "leak_rate"] {
        assert!(relative_half_width(&summary, metric) <= target, "{metric} not within ±{target}");
    }
    // The checkpoint before did not reach it: the run stopped at the first that did.
    let before = run(&tmp.path().join("before"), &["--trials", &(trials / 2).to_string()]);
    let widest = ["cost_exchange_ratio", "cost_exchange_ratio_with_damage", "leak_rate"]
        .map(|m| relative_half_width(&before, m))
        .into_iter()
        .fold(0.0, f64::max);
    assert!(widest > target, "{} trials already gave ±{widest}", trials / 2);
    // A plain run of the trials it ran writes the same files, but for the precision record.
    let plain_dir = tmp.path().join("plain");
    let plain = run(&plain_dir, &["--trials", &trials.to_string()]);
    let mut without_record = summary.clone();
    without_record.as_object_mut().unwrap().remove("precision");
    assert_eq!(without_record, plain);
    let nights = |dir: &str| std::fs::read(tmp.path().join(dir).join("nights.csv")).unwrap();
    assert!(nights("precise") == nights("plain"), "nights.csv differs from the plain run");
}

#[test]
fn where_a_run_stops_does_not_depend_on_threads_past_the_first_chunk() {
    // A cheap baseline and a tight target: the stop falls on a chunk boundary past 64,000 trials.
    let tmp = tempfile::tempdir().unwrap();
    let cheap = ["--set", "scenario.nights=2", "--set", "raid.size=20", "--trials", "2000000"];
    let mut stopped = Vec::new();
    for threads in ["1", "2", "8"] {
        let out = tmp.path().join(threads);
        let args =
            [&cheap[..], &["--precision", "0.003", "--precision-metric", "leak_rate", "--threads", threads]].concat();
        stopped.push(run(&out, &args)["trials"].as_u64().unwrap());
        let read = |file: &str| std::fs::read(out.join(file)).unwrap();
        let first = tmp.path().join("1");
        assert!(read("summary.json") == std::fs::read(first.join("summary.json")).unwrap(), "{threads} threads");
        assert!(read("nights.csv") == std::fs::read(first.join("nights.csv")).unwrap(), "{threads} threads");
    }
    assert!(stopped[0] > 64_000 && stopped[0] % 64_000 == 0 && stopped[0] < 2_000_000, "stopped at {}", stopped[0]);
}

#[test]
fn a_precision_out_of_reach_runs_to_the_cap_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let summary = run(tmp.path(), &["--trials", "5000", "--precision", "0.0001"]);
    assert_eq!(summary["trials"], 5000);
    assert_eq!(summary["precision"]["reached"], false);
    assert!(summary["precision"]["achieved"].as_f64().unwrap() > 0.0001);
}

#[test]
fn a_sweep_point_with_precision_is_the_matching_run() {
    let tmp = tempfile::tempdir().unwrap();
    let precise = ["--trials", "200000", "--precision", "0.02"];
    salvosim()
        .args(["sweep", "scenarios/baseline.toml", "--quiet", "--no-charts", "--vary", "defence.early_warning=0.5,1"])
        .args(precise)
        .arg("--out")
        .arg(tmp.path().join("sweep"))
        .assert()
        .success();
    let run_dir = tmp.path().join("run");
    run(&run_dir, &[&precise[..], &["--set", "defence.early_warning=0.5"]].concat());
    for file in ["summary.json", "nights.csv"] {
        let point = std::fs::read(tmp.path().join("sweep/points/000").join(file)).unwrap();
        assert!(point == std::fs::read(run_dir.join(file)).unwrap(), "{file} of point 0 differs from the run");
    }
}

#[test]
fn bad_precision_requests_exit_2_and_write_nothing() {
    let cases: [(&[&str], &str); 5] = [
        (&["--precision", "0"], "strictly between 0 and 1"),
        (&["--precision", "1.5"], "strictly between 0 and 1"),
        (&["--precision", "NaN"], "strictly between 0 and 1"),
        (&["--precision", "0.01", "--precision-metric", "leak"], "unknown metric `leak`; allowed: defender_spend_usd"),
        (&["--precision-metric", "leak_rate"], "needs --precision REL"),
    ];
    for (args, message) in cases {
        common::assert_refused(&["run", "scenarios/baseline.toml"], args, message);
    }
}

/// Shards run all their chunks; the shard with the first chunk keeps the folds at its checkpoints,
/// and merge stops where the unsharded run stops: inside the first chunk or past it.
#[test]
fn a_sharded_run_with_precision_merges_into_the_unsharded_run() {
    let tmp = tempfile::tempdir().unwrap();
    let cheap = [
        "--set",
        "scenario.nights=2",
        "--set",
        "raid.size=20",
        "--trials",
        "400000",
        "--precision-metric",
        "leak_rate",
    ];
    for (target, inside_first_chunk) in [("0.02", true), ("0.004", false)] {
        let whole = tmp.path().join(format!("whole-{target}"));
        let stopped = run(&whole, &[&cheap[..], &["--precision", target]].concat())["trials"].as_u64().unwrap();
        assert_eq!(stopped < 64_000, inside_first_chunk, "target {target} stopped at {stopped}");
        for n in [1, 2, 3] {
            let shards = tmp.path().join(format!("shards-{target}-{n}"));
            for k in 0..n {
                salvosim()
                    .args(["run", "scenarios/baseline.toml", "--quiet", "--no-charts", "--precision", target])
                    .args(cheap)
                    .args(["--shard", &format!("{k}/{n}"), "--out"])
                    .arg(&shards)
                    .assert()
                    .success();
            }
            let merged = tmp.path().join(format!("merged-{target}-{n}"));
            let files: Vec<_> = std::fs::read_dir(&shards).unwrap().map(|e| e.unwrap().path()).collect();
            salvosim()
                .arg("merge")
                .args(&files)
                .args(["--quiet", "--no-charts", "--out"])
                .arg(&merged)
                .assert()
                .success();
            for file in ["summary.json", "nights.csv"] {
                let (a, b) = (std::fs::read(whole.join(file)).unwrap(), std::fs::read(merged.join(file)).unwrap());
                assert!(a == b, "target {target}, {n} shards: merged {file} differs from the unsharded run");
            }
        }
    }
}
