//! The baseline against the real Air Force data: its shares of all launched Shahed-type drones
//! (its threats of kind "drone": destroyed, lost to EW, reached) must be within 3 percentage points
//! of March 2025.
//! Data: P. Ivaniuk, "Massive Missile Attacks on Ukraine" (ODC-BY 1.0), read from
//! ../shared/data/ua-air-defence (never copied into this repository). Without the file the test
//! fails under CI and skips, saying so, elsewhere.

mod common;

use std::path::{Path, PathBuf};

use salvosim::engine::{self, Silent};
use salvosim::scenario;

const TOLERANCE_POINTS: f64 = 3.0;

fn data_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ua-air-defence/missile_attacks_daily.csv")
}

/// (destroyed, lost, reached) as percentages of Shahed-type drones launched in `month` ("2025-03").
fn observed_shares(file: &Path, month: &str) -> [f64; 3] {
    let mut reader = csv::Reader::from_path(file).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let (start, model, launched, destroyed, lost) =
        (column("time_start"), column("model"), column("launched"), column("destroyed"), column("not_reach_goal"));
    let mut sums = [0.0; 3];
    for row in reader.records() {
        let row = row.unwrap();
        if row[start].starts_with(month) && row[model].contains("Shahed") {
            let number = |i: usize| row[i].parse::<f64>().unwrap_or(0.0);
            sums[0] += number(launched);
            sums[1] += number(destroyed);
            sums[2] += number(lost);
        }
    }
    assert!(sums[0] > 1000.0, "too few launches found for {month}: {}", sums[0]);
    let pct = |x: f64| 100.0 * x / sums[0];
    [pct(sums[1]), pct(sums[2]), 100.0 - pct(sums[1]) - pct(sums[2])]
}

#[test]
fn baseline_matches_march_2025() {
    let file = data_file();
    if !file.exists() {
        return common::skip_or_fail_in_ci("tests/calibration.rs", &format!("{} is not present", file.display()));
    }
    let observed = observed_shares(&file, "2025-03");
    let loaded = scenario::load(Path::new("scenarios/baseline.toml"), &[]).unwrap();
    let s = &loaded.scenario;
    let aggregate = engine::run(s, 4000, s.seed, &Silent).unwrap();
    let drones: Vec<&engine::ThreatTallies> =
        aggregate.threats.iter().zip(&s.threats).filter(|(_, t)| t.kind == "drone").map(|(a, _)| a).collect();
    assert_eq!(drones.len(), 2, "the baseline's Shahed-type threats are its shahed and decoy");
    let total = |pick: fn(&engine::ThreatTallies) -> &salvosim::stats::Tally| -> f64 {
        drones.iter().map(|t| pick(t).stats().unwrap().mean).sum()
    };
    let launched = total(|t| &t.launched);
    let simulated =
        [total(|t| &t.killed), total(|t| &t.ew_defeated), total(|t| &t.leaked)].map(|x| 100.0 * x / launched);
    eprintln!("March 2025 observed (destroyed, lost, reached) = {observed:.1?} %, simulated = {simulated:.1?} %");
    for (name, (sim, obs)) in ["destroyed", "lost to EW", "reached"].iter().zip(simulated.iter().zip(observed)) {
        assert!((sim - obs).abs() <= TOLERANCE_POINTS, "{name}: simulated {sim:.1} % vs observed {obs:.1} %");
    }
}
