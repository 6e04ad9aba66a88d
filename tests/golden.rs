//! Golden regression files: a fixed run of the baseline must reproduce tests/golden/ byte for
//! byte. Any change to the model, the random streams or the output format shows up here and must
//! be taken on purpose: regenerate with `SALVOSIM_BLESS=1 cargo test --release --test golden`
//! and say why in the commit.

use std::path::Path;

use assert_cmd::Command;

const FILES: [&str; 2] = ["summary.json", "nights.csv"];

#[test]
fn baseline_reproduces_the_golden_files() {
    let tmp = tempfile::tempdir().unwrap();
    Command::cargo_bin("salvosim")
        .unwrap()
        .args(["run", "scenarios/baseline.toml", "--quiet", "--trials", "500", "--seed", "7", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let golden = Path::new("tests/golden/baseline-500-seed7");
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
