//! The `salvosim` binary driven as a user drives it: outputs, determinism across thread counts,
//! --set, and the corpus of bad scenario files in tests/bad/.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn salvosim() -> Command {
    Command::cargo_bin("salvosim").unwrap()
}

fn run_into(dir: &Path, scenario: &str, extra: &[&str]) {
    salvosim().args(["run", scenario, "--quiet", "--out"]).arg(dir).args(extra).assert().success();
}

fn read(path: PathBuf) -> Vec<u8> {
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs `scenario` at 1, 2 and 8 threads and requires byte-identical summary.json and nights.csv.
fn same_at_any_thread_count(scenario: &str, extra: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    for threads in ["1", "2", "8"] {
        run_into(&tmp.path().join(threads), scenario, &[extra, &["--no-charts", "--threads", threads]].concat());
    }
    for file in ["summary.json", "nights.csv"] {
        let one = read(tmp.path().join("1").join(file));
        assert_eq!(one, read(tmp.path().join("2").join(file)), "{scenario} {file}: 1 vs 2 threads");
        assert_eq!(one, read(tmp.path().join("8").join(file)), "{scenario} {file}: 1 vs 8 threads");
    }
}

#[test]
fn outputs_are_byte_identical_at_any_thread_count_for_every_shipped_scenario() {
    for file in common::shipped_files() {
        // 2,500 trials: three blocks, so threads share the work unevenly.
        same_at_any_thread_count(file.to_str().unwrap(), &["--trials", "2500"]);
    }
}

#[test]
fn outputs_are_byte_identical_at_any_thread_count_over_several_chunks() {
    // 200,000 trials of a cheap baseline: four chunks of 64,000, the last one partial.
    let cheap = ["--trials", "200000", "--set", "scenario.nights=3", "--set", "raid.size=15"];
    same_at_any_thread_count("scenarios/baseline.toml", &cheap);
}

#[test]
fn summary_json_has_the_contract_names() {
    let tmp = tempfile::tempdir().unwrap();
    run_into(tmp.path(), "scenarios/baseline.toml", &["--trials", "300", "--seed", "9"]);
    let summary: serde_json::Value = serde_json::from_slice(&read(tmp.path().join("summary.json"))).unwrap();
    assert_eq!(summary["scenario"], "baseline");
    assert_eq!(summary["seed"], 9);
    assert_eq!(summary["trials"], 300);
    assert_eq!(summary["nights"], 30);
    assert_eq!(summary["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(summary["scenario_hash"].as_str().unwrap().len(), 64);
    for metric in [
        "defender_spend_usd",
        "attacker_spend_usd",
        "damage_usd",
        "cost_exchange_ratio",
        "cost_exchange_ratio_with_damage",
        "leak_rate",
    ] {
        let m = &summary[metric];
        for key in ["mean", "p5", "p50", "p95"] {
            assert!(m[key].is_f64(), "{metric}.{key}");
        }
        assert!(m["ci95"][0].as_f64().unwrap() <= m["mean"].as_f64().unwrap(), "{metric} ci95");
        assert!(m["p5"].as_f64() <= m["p50"].as_f64() && m["p50"].as_f64() <= m["p95"].as_f64(), "{metric} quantiles");
    }
    assert_eq!(summary["damage_mean"], "expected", "the baseline's damage per leaker has a closed-form mean");
    let normal = ["--trials", "300", "--set", "threat.shahed.damage_on_leak={ normal = { mean = 2e5, sd = 1e5 } }"];
    run_into(&tmp.path().join("normal"), "scenarios/baseline.toml", &normal);
    let drawn: serde_json::Value = serde_json::from_slice(&read(tmp.path().join("normal/summary.json"))).unwrap();
    assert_eq!(drawn["damage_mean"], "drawn", "a normal clamped at 0 has no closed-form mean");
    let threats: Vec<&String> = summary["threats"].as_object().unwrap().keys().collect();
    assert_eq!(threats, ["shahed", "decoy", "cruise", "ballistic"], "file order");
    for key in ["launched", "ew_defeated", "killed", "leaked"] {
        assert!(summary["threats"]["shahed"][key]["mean"].is_f64(), "threats.shahed.{key}");
    }
    let layers: Vec<&String> = summary["layers"].as_object().unwrap().keys().collect();
    assert_eq!(
        layers,
        ["mobile-fire-group", "gepard", "aviation", "interceptor-drones", "shorad-missile", "nasams", "patriot"]
    );
    let by_threat: Vec<&String> = summary["layers"]["patriot"]["by_threat"].as_object().unwrap().keys().collect();
    assert_eq!(by_threat, ["cruise", "ballistic"], "patriot engages missiles only, in threat order");
    for key in ["rounds", "kills", "spend_usd"] {
        assert!(summary["layers"]["patriot"]["by_threat"]["ballistic"][key]["mean"].is_f64(), "by_threat.{key}");
    }
    let patriot = &summary["layers"]["patriot"];
    for key in ["rounds", "kills", "spend_usd", "cost_per_kill_usd", "final_stock"] {
        assert!(patriot[key]["mean"].is_f64(), "layers.patriot.{key}");
    }
    let nasams = &summary["layers"]["nasams"];
    assert!(nasams["p_exhausted"]["mean"].is_f64() && nasams["p_exhausted"]["se"].is_f64());
    assert!(patriot["exhaustion_night"].is_null() || patriot["exhaustion_night"]["p50"].is_f64());
    assert!(summary["layers"]["mobile-fire-group"]["p_exhausted"].is_null(), "unlimited stock is never exhausted");
}

#[test]
fn nights_csv_is_tidy() {
    let tmp = tempfile::tempdir().unwrap();
    run_into(tmp.path(), "scenarios/baseline.toml", &["--trials", "200"]);
    let text = String::from_utf8(read(tmp.path().join("nights.csv"))).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("night,metric,series,mean,se,p5,p50,p95,date"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let per_night = rows.iter().filter(|r| r[0] == "1").count();
    // launched and leakers: 4 threats + total each; ew_defeated; rounds, kills: 7 layers and each
    // layer/threat pair the layer engages (guns 2, gepard 3, aviation 3, interceptors 2, the two
    // missile layers 3 each, patriot 2); stock and exhausted: 5 finite layers each; three
    // cumulative money series.
    let pairs = 2 + 3 + 3 + 2 + 3 + 3 + 2;
    assert_eq!(per_night, 5 + 5 + 1 + 2 * (7 + pairs) + 5 + 5 + 3);
    assert!(rows.iter().any(|r| r[1] == "rounds" && r[2] == "patriot/ballistic"));
    assert!(!rows.iter().any(|r| r[2] == "patriot/shahed"), "patriot does not engage drones");
    assert_eq!(rows.len(), 30 * per_night);
    assert!(rows.iter().any(|r| r[1] == "stock" && r[2] == "patriot"));
    assert!(rows.iter().any(|r| r[1] == "leakers" && r[2] == "total"));
    for row in &rows {
        let [mean, se, p5, p50, p95] = [3, 4, 5, 6, 7].map(|i| row[i].parse::<f64>().unwrap());
        assert!(p5 <= p50 && p50 <= p95 && mean >= 0.0 && se >= 0.0, "{row:?}");
        assert_eq!(row[8], "", "the baseline is not tied to the calendar");
    }
}

#[test]
fn set_overrides_fields_and_changes_the_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let (plain, set) = (tmp.path().join("plain"), tmp.path().join("set"));
    run_into(&plain, "scenarios/baseline.toml", &["--trials", "300"]);
    run_into(
        &set,
        "scenarios/baseline.toml",
        &["--trials", "300", "--set", "layer.patriot.stock=500", "--set", "raid.size=50"],
    );
    let json = |dir: &Path| serde_json::from_slice::<serde_json::Value>(&read(dir.join("summary.json"))).unwrap();
    let (a, b) = (json(&plain), json(&set));
    assert_ne!(a["scenario_hash"], b["scenario_hash"]);
    assert!(b["layers"]["patriot"]["final_stock"]["p50"].as_f64().unwrap() > 400.0);
    // The raid is the drones; the missiles fly their own nightly numbers beside it.
    let launched: f64 =
        ["shahed", "decoy"].iter().map(|t| b["threats"][*t]["launched"]["mean"].as_f64().unwrap()).sum();
    assert!((launched - 1500.0).abs() < 1e-9, "30 nights of 50 drones: {launched}");
}

#[test]
fn bad_set_arguments_exit_2() {
    for (set, message) in [
        ("layer.patriott.stock=5", "no layer named `patriott`"),
        (
            "defence.early_warning=1.5",
            "--set defence.early_warning=1.5: defence.early_warning = 1.5: must be a probability",
        ),
        ("layer.nasams.stok=5", "unknown field `stok` (did you mean `stock`?)"),
        ("nonsense", "expected PATH=VALUE"),
    ] {
        salvosim()
            .args(["validate", "scenarios/baseline.toml", "--set", set])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
}

#[test]
fn every_shipped_scenario_validates() {
    for path in common::shipped_files() {
        salvosim().arg("validate").arg(&path).assert().success().stdout(predicate::str::contains("ok"));
    }
}

#[test]
fn bad_arguments_exit_2_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("never");
    for args in [vec!["--trials", "0"], vec!["--threads", "0"], vec!["--trials", "abc"]] {
        salvosim().args(["run", "scenarios/baseline.toml", "--out"]).arg(&out).args(&args).assert().code(2);
    }
    salvosim()
        .args(["run", "scenarios/no-such-file.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read"));
    assert!(!out.exists());
}

/// Each file in tests/bad/ starts with `# expect: <text>`: the message must contain that text,
/// name the file, exit with code 2, fit on one line, and leave no output behind.
#[test]
fn corpus_of_bad_scenarios() {
    let mut files: Vec<PathBuf> = std::fs::read_dir("tests/bad").unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 15, "the corpus must hold at least 15 bad files, has {}", files.len());
    let tmp = tempfile::tempdir().unwrap();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let expect = text.lines().next().and_then(|l| l.strip_prefix("# expect: ")).expect("first line: # expect: ...");
        let out = tmp.path().join(file.file_stem().unwrap());
        let assert = salvosim().arg("run").arg(&file).arg("--out").arg(&out).assert().code(2);
        let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        assert!(stderr.contains(expect), "{}: expected {expect:?} in {stderr:?}", file.display());
        assert!(stderr.contains(&file.display().to_string()), "{}: message must name the file", file.display());
        assert_eq!(stderr.trim_end().lines().count(), 1, "{}: one line: {stderr}", file.display());
        assert!(!stderr.contains("panicked"));
        assert!(!out.exists(), "{}: no output for bad input", file.display());
    }
}

/// `salvosim completions SHELL` prints a script that knows every command and option, and
/// `salvosim man [COMMAND]` a roff page of each; an unknown shell or command exits 2.
#[test]
fn completions_and_manual_pages_cover_every_command() {
    let commands = ["run", "sweep", "calibrate", "backtest", "optimise", "contest", "compare", "merge", "report"];
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = salvosim().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for word in commands.iter().chain(&["trials", "replace", "attacker-maximises"]) {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    salvosim().args(["completions", "tcsh"]).assert().code(2);
    let top = String::from_utf8(salvosim().arg("man").output().unwrap().stdout).unwrap();
    assert!(top.starts_with(".ie") || top.contains(".TH salvosim 1"), "{}", &top[..top.len().min(200)]);
    for command in commands {
        let out = salvosim().args(["man", command]).output().unwrap();
        assert!(out.status.success(), "man {command}");
        let page = String::from_utf8(out.stdout).unwrap();
        assert!(page.contains(&format!(".TH salvosim-{command} 1")), "man {command}: {}", &page[..page.len().min(300)]);
        assert!(
            top.contains(&format!("salvosim\\-{command}")) || top.contains(command),
            "the top page lists {command}"
        );
    }
    let run = String::from_utf8(salvosim().args(["man", "run"]).output().unwrap().stdout).unwrap();
    assert!(run.contains("trials") && run.contains("replace"), "man run lists the options");
    salvosim().args(["man", "nosuch"]).assert().code(2).stderr(predicate::str::contains("salvosim's commands: run"));
}
