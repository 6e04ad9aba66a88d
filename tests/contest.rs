//! `salvosim contest` against a saddle point with a closed form: the defence that holds against
//! the attacker's best response, the nominal defence that does not, the round limit, a side with
//! nothing feasible, and fields given to the wrong side (refused, exit 2, nothing written).

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// `S` = 100 Shahed-type drones ($50k) a night for `N` = 10 nights with `r` decoys ($5k) per drone
/// (the attacker's decision); one gun layer that engages decoys first (it cannot tell them apart:
/// recognition 0), kills what it engages, and engages at most `K` threats a night (the
/// defender's decision, $1,000 a unit of capacity, nothing a round). With `D` = 100 r decoys a
/// night, the drones leaked over the campaign are N · (S − (K − D)) for D ≤ K ≤ D + S.
fn saddle() -> &'static str {
    "[scenario]\nname = \"saddle\"\nnights = 10\nseed = 5\n[raid]\nsize = 100\n\
     [[threat]]\nname = \"shahed\"\nshare = 1\nunit_cost = 50000\n\
     [[threat]]\nname = \"decoy\"\ndecoy = true\nper = { shahed = 1.0 }\nunit_cost = 5000\n\
     [[layer]]\nname = \"guns\"\ndoctrine = \"salvo\"\npk = 1\nmax_shots = 1\ncost_per_shot = 0\ncoverage = 1\n\
     capacity = 200\ncost_per_capacity = 1000\nengages = [\"decoy\", \"shahed\"]\n"
}

fn write_saddle(dir: &Path) -> PathBuf {
    let path = dir.join("saddle.toml");
    std::fs::write(&path, saddle()).unwrap();
    path
}

/// The contest of the saddle: the defender buys capacity to keep leaks at most `leaks`; the
/// attacker maximises leaks within `budget` dollars.
fn contest(scenario: &Path, leaks: i32, budget: f64, extra: &[&str], out: &Path) -> (Option<i32>, Value) {
    let output = Command::cargo_bin("salvosim")
        .unwrap()
        .arg("contest")
        .arg(scenario)
        .args(["--decide", "layer.guns.capacity=50:400", "--minimise", "defence_cost_usd"])
        .arg("--subject-to")
        .arg(format!("threats.shahed.leaked<={leaks}"))
        .args(["--attacker", "threat.decoy.per.shahed=0:3", "--attacker-maximises", "threats.shahed.leaked"])
        .arg("--attacker-subject-to")
        .arg(format!("attacker_spend_usd<={budget}"))
        .args(["--trials", "500", "--quiet", "--no-charts", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    let json =
        std::fs::read_to_string(out.join("contest.json")).map_or(Value::Null, |t| serde_json::from_str(&t).unwrap());
    (output.status.code(), json)
}

fn capacity(defence: &Value) -> f64 {
    defence["layer.guns.capacity"].as_f64().unwrap()
}

#[test]
fn the_defence_that_holds_is_the_saddle_point() {
    // The attacker's best response to any K is its budget's worth of decoys, D_max, where
    // N · ($5M + $5k · D_max) = budget. The defender's cheapest K against D_max keeps
    // N · (S − K + D_max) ≤ X: K* = S + D_max − X/N. Solved against the scenario's own attack
    // (D = 100) alone, the nominal K = S + 100 − X/N, which the attacker's reply breaks.
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write_saddle(tmp.path());
    for (leaks, d_max, seed) in [(200, 150.0, "5"), (300, 120.0, "6")] {
        let budget = 10.0 * (5e6 + 5000.0 * d_max);
        let robust = 100.0 + d_max - f64::from(leaks) / 10.0;
        let nominal = 100.0 + 100.0 - f64::from(leaks) / 10.0;
        let out = tmp.path().join(format!("out-{leaks}"));
        let (code, json) = contest(&scenario, leaks, budget, &["--seed", seed], &out);
        assert_eq!(code, Some(0), "{json}");
        assert_eq!(json["converged"], true);
        assert_eq!(json["ending"], "converged");
        let rounds = json["rounds"].as_array().unwrap();
        assert_eq!(rounds.len(), 2, "one round to find D_max, one to answer it");
        // The attacker's decision is searched to a thousandth of its range, from below its budget.
        let r = json["final"]["attacker"]["threat.decoy.per.shahed"].as_f64().unwrap();
        assert!((r - d_max / 100.0).abs() <= 0.005, "attacker's best response {r}, closed form {}", d_max / 100.0);
        let k = capacity(&json["final"]["defence"]);
        assert!((k - robust).abs() <= 1.0, "robust capacity {k}, closed form {robust}");
        let k_nominal = capacity(&json["nominal"]["defence"]);
        assert!((k_nominal - nominal).abs() <= 1.0, "nominal capacity {k_nominal}, closed form {nominal}");
        // A contest that stopped at the nominal defence would be this far from the answer.
        assert!(k - k_nominal >= 10.0, "the test tells the nominal answer from the robust one");
        let cost = json["robustness_cost"].as_f64().unwrap();
        assert!((cost - 1000.0 * (robust - nominal)).abs() <= 1000.0, "robustness costs {cost}");
        // Against the final defence the attacker's reply keeps leaks within the bound.
        let leaked = &json["final"]["metrics"]["threats.shahed.leaked"];
        assert!(leaked["ci95"][1].as_f64().unwrap() <= f64::from(leaks), "{leaked}");
        assert!(
            rounds[0]["gap"].as_f64().unwrap() > 0.1 * f64::from(leaks),
            "round 1's reply breaks the nominal defence"
        );
        assert!(rounds[1]["gap"].as_f64().unwrap().abs() <= 0.01 * f64::from(leaks));
    }
}

#[test]
fn a_contest_is_the_same_file_at_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write_saddle(tmp.path());
    let budget = 10.0 * (5e6 + 5000.0 * 150.0);
    let files: Vec<String> = ["1", "2"]
        .iter()
        .map(|threads| {
            let out = tmp.path().join(format!("t{threads}"));
            let (code, _) = contest(&scenario, 200, budget, &["--threads", threads], &out);
            assert_eq!(code, Some(0));
            std::fs::read_to_string(out.join("contest.json")).unwrap()
        })
        .collect();
    assert_eq!(files[0], files[1]);
}

#[test]
fn a_contest_that_cannot_finish_says_so_with_its_files() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write_saddle(tmp.path());
    let budget = 10.0 * (5e6 + 5000.0 * 150.0);
    // One round: the attacker's reply still gains 500 leakers.
    let out = tmp.path().join("limit");
    let (code, json) = contest(&scenario, 200, budget, &["--max-rounds", "1"], &out);
    assert_eq!(
        (code, &json["ending"], &json["converged"]),
        (Some(3), &Value::from("round_limit"), &Value::from(false))
    );
    assert_eq!(json["rounds"].as_array().unwrap().len(), 1);
    // A budget below 100 drones a night: no strategy meets the attacker's constraint.
    let out = tmp.path().join("broke");
    let (code, json) = contest(&scenario, 200, 1e6, &[], &out);
    assert_eq!((code, &json["ending"]), (Some(3), &Value::from("attacker_infeasible")));
    assert!(out.join("contest.csv").is_file());
    // A leak bound no capacity can meet: the defender stops at once, as more strategies could
    // only make it harder.
    let out = tmp.path().join("unmeetable");
    let (code, json) = contest(&scenario, -1, budget, &[], &out);
    assert_eq!((code, &json["ending"]), (Some(3), &Value::from("defender_infeasible")));
    assert_eq!(json["rounds"].as_array().unwrap().len(), 1);
    assert_eq!(json["final"]["defender_feasible"], false);
}

#[test]
fn fields_given_to_the_wrong_side_are_refused() {
    let both = ["--minimise", "defence_cost_usd", "--attacker-maximises", "threats.shahed.leaked"];
    for (file, extra, message) in [
        (
            "baseline",
            ["--decide", "threat.decoy.unit_cost=1000:9000", "--attacker", "raid.size=50:200"],
            "the defender decides",
        ),
        (
            "baseline",
            ["--decide", "layer.nasams.stock=40:300", "--attacker", "layer.gepard.capacity=1:9"],
            "the attacker decides",
        ),
        (
            "mass-raid",
            ["--decide", "phase.saturation night 1.raid_size=400:900", "--attacker", "raid.size=50:200"],
            "the defender decides",
        ),
    ] {
        let args: Vec<&str> = both.iter().chain(&extra).copied().collect();
        common::assert_refused(&["contest", &format!("scenarios/{file}.toml")], &args, message);
    }
    let good = ["--decide", "layer.nasams.stock=40:300", "--attacker", "raid.size=50:200"];
    for (extra, message) in [
        (vec!["--minimise", "defence_cost_usd", "--attacker-maximises", "lek_rate"], "--attacker-maximises"),
        (
            vec!["--minimise", "defence_cost_usd", "--attacker-maximises", "leak_rate", "--tolerance", "2"],
            "--tolerance",
        ),
        (
            vec!["--minimise", "defence_cost_usd", "--attacker-maximises", "leak_rate", "--max-rounds", "0"],
            "--max-rounds",
        ),
    ] {
        let args: Vec<&str> = good.iter().copied().chain(extra).collect();
        common::assert_refused(&["contest", "scenarios/baseline.toml"], &args, message);
    }
}
