//! Shards and merge: for N in 1, 2, 3 and 7, merging the N shards of a run gives files
//! byte-identical to the unsharded run; shards that do not belong together are refused (exit 2).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

/// A cheap baseline (2 nights of 20 drones) so that a run spans 7 chunks of 64,000 trials quickly.
const CHEAP: [&str; 4] = ["--set", "scenario.nights=2", "--set", "raid.size=20"];
const TRIALS: &str = "448000";

fn salvosim() -> Command {
    Command::cargo_bin("salvosim").unwrap()
}

fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            for (p, b) in files(&path) {
                out.insert(Path::new(path.file_name().unwrap()).join(p), b);
            }
        } else {
            out.insert(PathBuf::from(path.file_name().unwrap()), std::fs::read(&path).unwrap());
        }
    }
    out
}

fn shard(k: u64, n: u64, out: &Path, extra: &[&str]) {
    let seed = if extra.contains(&"--seed") { vec![] } else { vec!["--seed", "11"] };
    let trials = if extra.contains(&"--trials") { vec![] } else { vec!["--trials", TRIALS] };
    salvosim()
        .args(["run", "scenarios/baseline.toml", "--quiet", "--shard", &format!("{k}/{n}")])
        .args(seed)
        .args(trials)
        .args(CHEAP)
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

#[test]
fn merged_shards_equal_the_unsharded_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    salvosim()
        .args(["run", "scenarios/baseline.toml", "--quiet", "--trials", TRIALS, "--seed", "11"])
        .args(CHEAP)
        .arg("--out")
        .arg(&whole)
        .assert()
        .success();
    let expected = files(&whole);
    assert!(expected.len() >= 12, "summary, nights and charts");
    for n in [1u64, 2, 3, 7] {
        let shards = tmp.path().join(format!("shards-{n}"));
        (0..n).for_each(|k| shard(k, n, &shards, &[]));
        let merged = tmp.path().join(format!("merged-{n}"));
        let mut inputs: Vec<PathBuf> = std::fs::read_dir(&shards).unwrap().map(|e| e.unwrap().path()).collect();
        inputs.reverse(); // order on the command line does not matter
        salvosim().arg("merge").args(&inputs).args(["--quiet", "--out"]).arg(&merged).assert().success();
        assert!(files(&merged) == expected, "{n} shards: merged files differ from the unsharded run");
    }
}

#[test]
fn shards_that_do_not_belong_together_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = |name: &str| tmp.path().join(name);
    shard(0, 2, &dir("a"), &[]);
    shard(1, 2, &dir("a"), &[]);
    shard(1, 2, &dir("seed"), &["--seed", "12"]);
    shard(1, 2, &dir("scenario"), &["--set", "layer.patriot.stock=70"]);
    shard(1, 3, &dir("count"), &[]);
    shard(1, 2, &dir("trials"), &["--trials", "384000"]);
    let a0 = dir("a").join("shard-00000-of-00002.json");
    let a1 = dir("a").join("shard-00001-of-00002.json");
    let text = std::fs::read_to_string(&a1).unwrap();
    let other_version = dir("a").join("other-version.json");
    std::fs::write(
        &other_version,
        text.replacen(&format!("\"version\":\"{}\"", env!("CARGO_PKG_VERSION")), "\"version\":\"0.0.1\"", 1),
    )
    .unwrap();
    // A shard of the first format, whose units were tuples: named by its format, not by a parse
    // error deep in its body.
    let old_format = dir("a").join("old-format.json");
    std::fs::write(&old_format, r#"{"format":"salvosim-shard-1","version":"0.1.0","units":[[0,0,{}]]}"#).unwrap();
    let garbage = dir("a").join("garbage.json");
    std::fs::write(&garbage, "{ not json").unwrap();
    let cases: [(Vec<PathBuf>, &str); 9] = [
        (vec![a0.clone()], "missing shard(s) 1 of 2"),
        (vec![a0.clone(), a0.clone(), a1.clone()], "is shard 0 again"),
        (
            vec![a0.clone(), dir("seed").join("shard-00001-of-00002.json")],
            "does not belong with the others: seed 12, but 11",
        ),
        (
            vec![a0.clone(), dir("scenario").join("shard-00001-of-00002.json")],
            "does not belong with the others: scenario",
        ),
        (
            vec![a0.clone(), dir("count").join("shard-00001-of-00003.json")],
            "does not belong with the others: shard count 3, but 2",
        ),
        (
            vec![a0.clone(), dir("trials").join("shard-00001-of-00002.json")],
            "does not belong with the others: trials 384000, but 448000",
        ),
        (vec![a0.clone(), other_version], "salvosim version 0.0.1"),
        (vec![a0.clone(), garbage], "is not a salvosim shard file"),
        (vec![a0.clone(), old_format], "has format `salvosim-shard-1`; this salvosim reads `salvosim-shard-4`"),
    ];
    for (inputs, message) in cases {
        let out = tmp.path().join("never");
        salvosim()
            .arg("merge")
            .args(&inputs)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
        assert!(!out.exists(), "{message}: nothing written");
    }
}

#[test]
fn merged_sweep_shards_equal_the_unsharded_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = |extra: &[&str], out: &Path| {
        salvosim()
            .args(["sweep", "scenarios/baseline.toml", "--quiet", "--trials", "130000", "--seed", "4"])
            .args(CHEAP)
            .args(["--vary", "layer.patriot.stock=50,80"])
            .args(extra)
            .arg("--out")
            .arg(out)
            .assert()
            .success();
    };
    let whole = tmp.path().join("whole");
    sweep(&[], &whole);
    let shards = tmp.path().join("shards");
    for k in 0..4 {
        sweep(&["--shard", &format!("{k}/4")], &shards);
    }
    let merged = tmp.path().join("merged");
    let inputs: Vec<PathBuf> = std::fs::read_dir(&shards).unwrap().map(|e| e.unwrap().path()).collect();
    salvosim().arg("merge").args(&inputs).args(["--quiet", "--out"]).arg(&merged).assert().success();
    let expected = files(&whole);
    assert!(expected.keys().any(|k| k.starts_with("points")), "per-point results");
    assert!(files(&merged) == expected, "merged sweep differs from the unsharded sweep");
}

/// `merge` checks every count a shard carries against what its chunk must hold before folding it
/// in: a tampered shard index, a chunk's trial count, a histogram's total or its buckets, a layer
/// dropped, a night's column one short: each one message naming the file, exit 2, nothing written
/// (they panicked, or merged into wrong figures with exit 0: 128,000 trials reported as 65,000, a
/// p50 of −4.1e15).
#[test]
fn tampered_counts_in_a_shard_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a");
    shard(0, 2, &dir, &["--trials", "128000"]);
    shard(1, 2, &dir, &["--trials", "128000"]);
    let a0 = dir.join("shard-00000-of-00002.json");
    let a1 = dir.join("shard-00001-of-00002.json");
    let original: serde_json::Value = serde_json::from_slice(&std::fs::read(&a1).unwrap()).unwrap();
    type Edit = fn(&mut serde_json::Value);
    let cases: [(&str, Edit, &str); 7] = [
        ("index", |s| s["shard"] = 7.into(), "says it is shard 7 of 2"),
        (
            "trials",
            |s| s["units"][0]["aggregate"]["trials"] = 1000.into(),
            "holds 1000 trials where its chunk has 64000",
        ),
        (
            "histogram-total",
            |s| {
                let counts = &mut s["units"][0]["aggregate"]["defender_spend_usd"]["histogram"]["counts"];
                let first = counts.as_array().unwrap().iter().position(|c| c.as_u64() > Some(0)).unwrap();
                counts[first] = (counts[first].as_u64().unwrap() + 5).into();
            },
            "a headline figure its histogram counts 64005 values where its tally has 64000",
        ),
        (
            "histogram-buckets",
            |s| s["units"][0]["aggregate"]["leak_rate"]["histogram"]["offset"] = u32::MAX.into(),
            "its histogram has buckets past the last key",
        ),
        (
            "layer",
            |s| {
                s["units"][0]["aggregate"]["layers"].as_array_mut().unwrap().pop();
            },
            "holds 6 layers where the scenario has 7",
        ),
        (
            "nightly",
            |s| {
                s["units"][0]["aggregate"]["nightly"]["mean"].as_array_mut().unwrap().pop();
            },
            "its nightly series hold",
        ),
        ("moments", |s| s["units"][0]["aggregate"]["damage_usd"]["m2"] = (-1.0).into(), "has moments no run makes"),
    ];
    for (name, edit, message) in cases {
        let mut tampered = original.clone();
        edit(&mut tampered);
        let file = dir.join(format!("{name}.json"));
        std::fs::write(&file, serde_json::to_vec(&tampered).unwrap()).unwrap();
        let out = tmp.path().join("never");
        let result = salvosim().arg("merge").arg(&a0).arg(&file).arg("--out").arg(&out).output().unwrap();
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert_eq!(result.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains(message) && stderr.contains(&format!("{name}.json")),
            "{name}: {message:?} in {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{name}: one message: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(!out.exists(), "{name}: nothing written");
    }
}

/// xorshift64*: a fixed stream, so every run of the shard fuzz is the same.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1) as u64) as usize
    }
}

/// JSON pointers to every value of `value`, for picking one to mutate.
fn pointers(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| pointers(v, format!("{at}/{k}"), out)),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().for_each(|(i, v)| pointers(v, format!("{at}/{i}"), out))
        }
        _ => {}
    }
    out.push(at);
}

/// The shard-file fuzzer beside the scenario fuzzer (tests/fuzz.rs): a sweep's two shards of
/// 2,000 trials, one mutated 2,000 times — a value replaced by a hostile one (0, −1, 2⁶⁴ − 1,
/// 1e308, null, a string, an empty array or object), a key removed, an array cut or doubled, or
/// bytes flipped and cut — and merged in-process. Nothing may panic; a refusal is one line naming
/// the file (or `merge`); a merge that is accepted must agree with itself (the merged trial count
/// is the run's).
#[test]
fn mutated_shard_files_never_panic_and_are_refused_in_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    for k in 0..2 {
        salvosim()
            .args(["sweep", "scenarios/baseline.toml", "--quiet", "--shard", &format!("{k}/2")])
            .args(["--vary", "raid.size=10,20", "--trials", "2000", "--seed", "5"])
            .args(["--set", "scenario.nights=2"])
            .arg("--out")
            .arg(&dir)
            .assert()
            .success();
    }
    let (a0, a1) = (dir.join("shard-00000-of-00002.json"), dir.join("shard-00001-of-00002.json"));
    let bytes = std::fs::read(&a1).unwrap();
    let original: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let mut all = Vec::new();
    pointers(&original, String::new(), &mut all);
    let hostile: [serde_json::Value; 9] = [
        0.into(),
        (-1).into(),
        u64::MAX.into(),
        1e308.into(),
        serde_json::Value::Null,
        "x".into(),
        serde_json::json!([]),
        serde_json::json!({}),
        7.into(),
    ];
    let mutated = tmp.path().join("m.json");
    let mut rng = Rng(0x5a17_05ee_d5ad_0001);
    let (mut refused, mut merged) = (0, 0);
    for round in 0..2000 {
        let data = if round % 4 == 3 {
            let mut data = bytes.clone();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(data.len());
                if rng.below(2) == 0 {
                    data[at] ^= 1 << rng.below(8);
                } else {
                    data.drain(at..(at + rng.below(64)).min(data.len()));
                }
            }
            data
        } else {
            let mut value = original.clone();
            let pointer = &all[rng.below(all.len())];
            let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", ""));
            match rng.below(4) {
                0 | 1 => *value.pointer_mut(pointer).unwrap() = hostile[rng.below(hostile.len())].clone(),
                2 => match value.pointer_mut(parent) {
                    Some(serde_json::Value::Object(map)) => drop(map.remove(key)),
                    Some(serde_json::Value::Array(items)) if !items.is_empty() => drop(items.pop()),
                    _ => {}
                },
                _ => {
                    if let Some(serde_json::Value::Array(items)) = value.pointer_mut(pointer) {
                        let copy = items.clone();
                        items.extend(copy);
                    }
                }
            }
            serde_json::to_vec(&value).unwrap()
        };
        std::fs::write(&mutated, &data).unwrap();
        let files = [a0.clone(), mutated.clone()];
        let outcome = std::panic::catch_unwind(|| salvosim::shard::merge(&files)).unwrap_or_else(|_| {
            let kept = std::env::temp_dir().join(format!("salvosim-shard-fuzz-{round}.json"));
            std::fs::copy(&mutated, &kept).unwrap();
            panic!("merge panicked on round {round}; the input was kept as {}", kept.display())
        });
        match outcome {
            Err(e) => {
                let message = e.to_string();
                assert!(!message.contains('\n'), "round {round}: not one line: {message:?}");
                assert!(
                    message.contains("m.json") || message.contains("shard-0") || message.starts_with("merge"),
                    "{message}"
                );
                refused += 1;
            }
            Ok(m) => {
                assert_eq!(m.trials, 2000, "round {round}: accepted, with {} trials", m.trials);
                merged += 1;
            }
        }
    }
    eprintln!("shard fuzz: 2000 inputs, {refused} refused, {merged} merged");
    assert!(refused > 1300, "the mutations should mostly be refused: {refused}");
}
