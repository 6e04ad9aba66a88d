//! `salvosim sensitivity`: each uncertain input pinned at its 10th and 90th percentile with common
//! random numbers. A pinned input still makes its draws, so a pure price moves defender spend by
//! exactly the arithmetic of the rounds fired, and an input that cannot matter moves nothing.

mod common;

use std::path::Path;

use assert_cmd::Command;

const TRIALS: &str = "2000";

fn salvosim() -> Command {
    Command::cargo_bin("salvosim").unwrap()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The sensitivity.json row of `input` and `metric`.
fn row<'a>(analysis: &'a serde_json::Value, input: &str, metric: &str) -> &'a serde_json::Value {
    analysis["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["input"] == input && r["metric"] == metric)
        .unwrap_or_else(|| panic!("no row {input} / {metric}"))
}

#[test]
fn a_pure_price_swings_spend_by_the_arithmetic_and_an_inert_input_by_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sensitivity");
    // The baseline has full early warning, so a layer's warning sensitivity cannot matter.
    salvosim()
        .args(["sensitivity", "scenarios/baseline.toml", "--quiet", "--trials", TRIALS, "--out"])
        .arg(&out)
        .args(["--vary", "layer.gepard.warning_sensitivity=0.5:3"])
        .assert()
        .success();
    let analysis = json(&out.join("sensitivity.json"));
    let plain = tmp.path().join("plain");
    salvosim()
        .args(["run", "scenarios/baseline.toml", "--quiet", "--no-charts", "--trials", TRIALS, "--out"])
        .arg(&plain)
        .assert()
        .success();
    let summary = json(&plain.join("summary.json"));

    let price = row(&analysis, "layer.nasams.cost_per_shot", "defender_spend_usd");
    let (low, high) = (price["low"].as_f64().unwrap(), price["high"].as_f64().unwrap());
    let rounds = &summary["layers"]["nasams"]["rounds"];
    let expected = (high - low) * rounds["mean"].as_f64().unwrap();
    let swing = price["swing"].as_f64().unwrap();
    // Both runs' spends are corrected by the same control variates, and spend is linear in the
    // price, so the swing is (high − low) × the corrected mean of nasams's rounds: within a few
    // standard errors of the plain mean's arithmetic, not equal to it.
    let tolerance = 4.5 * (high - low) * rounds["se"].as_f64().unwrap();
    assert!((swing - expected).abs() <= tolerance, "swing {swing}, arithmetic {expected} ± {tolerance}");
    assert!(swing > 0.0 && (swing - expected).abs() <= 0.01 * expected, "swing {swing}, arithmetic {expected}");
    assert_eq!(price["base"]["mean"], summary["defender_spend_usd"]["mean"], "the base run is the plain run");
    assert_eq!(row(&analysis, "layer.nasams.cost_per_shot", "leak_rate")["swing"], 0.0, "a price cannot move leaks");

    for metric in ["cost_exchange_ratio", "leak_rate", "defender_spend_usd", "layers.patriot.p_exhausted"] {
        let inert = row(&analysis, "layer.gepard.warning_sensitivity", metric);
        assert_eq!(inert["swing"], 0.0, "{metric}");
        assert_eq!(inert["at_low"]["mean"], inert["base"]["mean"], "{metric}");
    }
}

#[test]
fn it_writes_the_table_and_a_tornado_per_metric_naming_the_input_that_matters_most() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    salvosim()
        .args([
            "sensitivity",
            "scenarios/baseline.toml",
            "--quiet",
            "--trials",
            TRIALS,
            "--metric",
            "leak_rate",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let table = std::fs::read_to_string(out.join("sensitivity.csv")).unwrap();
    assert!(table.starts_with("input,low,high,metric,base,at_low,at_high,swing\n"));
    let analysis = json(&out.join("sensitivity.json"));
    let top = analysis["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["metric"] == "leak_rate")
        .max_by(|a, b| a["swing"].as_f64().unwrap().abs().total_cmp(&b["swing"].as_f64().unwrap().abs()))
        .unwrap();
    let svg = std::fs::read_to_string(out.join("charts/tornado-leak_rate.svg")).unwrap();
    let baseline = salvosim::replay::load(std::path::Path::new("scenarios/baseline.toml"), &[]).unwrap();
    let names = salvosim::scenario::labels::Names::of(&baseline.scenario);
    let words = salvosim::scenario::labels::label(top["input"].as_str().unwrap(), &names);
    assert!(svg.contains(&format!("{words} matters most")), "the title names the top input by its labels: {words}");
    assert!(out.join("charts/tornado-leak_rate.png").exists());
    // Every distribution of the baseline is an input: e.g. EW, a price, a Pk and the raid size.
    for input in ["defence.ew_defeat", "threat.shahed.unit_cost", "layer.patriot.pk", "raid.size"] {
        assert!(table.contains(&format!("\n{input},")), "{input} is analysed");
    }
}

#[test]
fn bad_sensitivity_requests_exit_2_and_write_nothing() {
    let cases: [(&[&str], &str); 5] = [
        (&["--vary", "layer.nope.pk=0.1:0.2"], "not a number field of this scenario"),
        (&["--vary", "layer.nasams.pk=0.5:1.5"], "1.5 is outside the field's range"),
        (&["--vary", "layer.nasams.pk=0.5"], "expected PATH=LO:HI"),
        (&["--metric", "leak"], "allowed: cost_exchange_ratio"),
        (&["--precision", "0.01"], "is not used by sensitivity"),
    ];
    for (args, message) in cases {
        common::assert_refused(&["sensitivity", "scenarios/baseline.toml", "--trials", "100"], args, message);
    }
}
