//! Golden regression files: fixed runs must reproduce tests/golden/ byte for byte — the baseline,
//! and tests/golden/mixed.toml (phases, attacker inventory, stock-bound layers at their reserve, a
//! late layer that engages recognised decoys, every input distribution). Any change to the model,
//! the random streams or the output format shows up here and must be taken on purpose: regenerate
//! with `SALVOSIM_BLESS=1 cargo test --release --test golden` and say why in the commit.

use std::path::Path;

use assert_cmd::Command;

const FILES: [&str; 2] = ["summary.json", "nights.csv"];

fn reproduces(scenario: &str, trials: &str, seed: &str, golden: &str) {
    let tmp = tempfile::tempdir().unwrap();
    Command::cargo_bin("salvosim")
        .unwrap()
        .args(["run", scenario, "--quiet", "--no-charts", "--trials", trials, "--seed", seed, "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let golden = Path::new(golden);
    for file in FILES {
        let fresh = std::fs::read(tmp.path().join(file)).unwrap();
        if std::env::var_os("SALVOSIM_BLESS").is_some() {
            std::fs::create_dir_all(golden).unwrap();
            std::fs::write(golden.join(file), &fresh).unwrap();
            continue;
        }
        let expected = std::fs::read(golden.join(file)).expect("golden file missing: run with SALVOSIM_BLESS=1");
        assert!(fresh == expected, "{file} differs from {}: a deliberate change? then re-bless", golden.display());
    }
}

#[test]
fn baseline_reproduces_the_golden_files() {
    reproduces("scenarios/baseline.toml", "500", "7", "tests/golden/baseline-500-seed7");
}

#[test]
fn phases_inventory_and_a_late_layer_reproduce_the_golden_files() {
    reproduces("tests/golden/mixed.toml", "500", "11", "tests/golden/mixed-500-seed11");
}
