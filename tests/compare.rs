//! `salvosim compare`: paired differences against closed forms (a price change, an inert change),
//! the paired interval's coverage over many seeds (with a test that a too-narrow interval is
//! caught), thread-count invariance, and the unpaired fallback for two saved runs.

mod common;

use common::*;
use salvosim::compare::{self, Comparison, Row};
use salvosim::engine::Silent;

fn row<'a>(c: &'a Comparison, metric: &str) -> &'a Row {
    c.rows.iter().find(|r| r.metric == metric).unwrap_or_else(|| panic!("no row {metric}"))
}

/// One night of 100 strike drones against one salvo layer of Pk `pk` (coverage 1, one round, a
/// capacity of 80 that always binds): kills are Binomial(80, pk).
fn one_layer(pk: f64, cost_per_shot: f64, extra: &str) -> String {
    single_night(
        "100",
        0.0,
        &format!(
            "[[layer]]\nname = \"sam\"\ndoctrine = \"salvo\"\npk = {pk}\nmax_shots = 1\ncost_per_shot = {cost_per_shot}\n\
             coverage = 1\ncapacity = 80\n{extra}\n"
        ),
    )
}

#[test]
fn a_price_change_moves_spend_by_exactly_rounds_times_the_change() {
    let (base, excursion) = (scenario(&one_layer(0.5, 100.0, "")), scenario(&one_layer(0.5, 150.0, "")));
    for seed in SEEDS {
        let c = compare::run(&base, &excursion, 3000, seed, &Silent).unwrap();
        let rounds = row(&c, "layers.sam.rounds").base_mean.unwrap();
        for metric in ["layers.sam.spend_usd", "defender_spend_usd"] {
            let d = row(&c, metric).difference.unwrap();
            assert!((d - 50.0 * rounds).abs() < 1e-9 * d.abs(), "seed {seed}, {metric}: {d} vs 50 × {rounds}");
        }
        // Nothing else moves, and where nothing moves the interval has no width.
        let kills = row(&c, "threats.strike.killed");
        assert_eq!((kills.difference, kills.ci95), (Some(0.0), Some([0.0, 0.0])), "seed {seed}");
    }
}

#[test]
fn an_inert_change_is_exactly_zero_with_a_zero_width_interval() {
    // A capacity's fielding price moves the fielding cost only.
    let base = scenario(&one_layer(0.5, 100.0, "cost_per_capacity = 10"));
    let excursion = scenario(&one_layer(0.5, 100.0, "cost_per_capacity = 20"));
    let c = compare::run(&base, &excursion, 2000, 5, &Silent).unwrap();
    for r in &c.rows {
        if r.metric.contains("fielding") || r.metric == "defence_cost_usd" {
            assert!((r.difference.unwrap() - 800.0).abs() < 1e-9, "{}: {:?}", r.metric, r.difference);
        } else {
            assert_eq!((r.difference, r.ci95), (Some(0.0), Some([0.0, 0.0])), "{}", r.metric);
        }
    }
}

/// The share of `seeds` seeds whose paired 95 % interval for the kills' difference, narrowed to
/// `width` of itself, covers the true difference 80 × (0.55 − 0.5) = 4.
fn coverage(seeds: u64, width: f64) -> f64 {
    let (base, excursion) = (scenario(&one_layer(0.5, 100.0, "")), scenario(&one_layer(0.55, 100.0, "")));
    let covered = (0..seeds)
        .filter(|&seed| {
            let c = compare::run(&base, &excursion, 200, 1000 + seed, &Silent).unwrap();
            let r = row(&c, "layers.sam.kills");
            let (d, [lo, hi]) = (r.difference.unwrap(), r.ci95.unwrap());
            let half = (hi - lo) / 2.0 * width;
            (d - half..=d + half).contains(&4.0)
        })
        .count();
    covered as f64 / seeds as f64
}

/// Tolerance: 95 % ± 2 % over 1,000 seeds (the coverage's standard error there is 0.7 %).
#[test]
fn the_paired_interval_covers_the_true_difference_95_percent_of_the_time() {
    let share = coverage(1000, 1.0);
    eprintln!("paired interval coverage over 1,000 seeds: {share}");
    assert!((share - 0.95).abs() <= 0.02, "coverage {share}");
}

/// The coverage check has teeth: an interval 20 % too narrow covers well under 93 %.
#[test]
fn a_paired_interval_too_narrow_is_caught() {
    let share = coverage(1000, 0.8);
    eprintln!("coverage of an interval 20 % too narrow: {share}");
    assert!(share < 0.93, "coverage {share} of an interval 20 % too narrow");
}

#[test]
fn compare_files_do_not_depend_on_threads_and_saved_runs_compare_unpaired() {
    let tmp = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let out = tmp.path().join(threads);
        salvosim()
            .args(["compare", "scenarios/baseline.toml", "scenarios/intel-pause.toml", "--trials", "2500"])
            .args(["--quiet", "--no-charts", "--threads", threads, "--out"])
            .arg(&out)
            .assert()
            .success();
        outputs
            .push((std::fs::read(out.join("compare.csv")).unwrap(), std::fs::read(out.join("compare.json")).unwrap()));
    }
    assert!(outputs[0] == outputs[1], "compare.csv/json differ between 1 and 2 threads");
    let csv = String::from_utf8(outputs[0].0.clone()).unwrap();
    assert!(csv.starts_with("metric,base_mean,excursion_mean,difference,ci95_lo,ci95_hi\n"), "{csv}");
    assert!(csv.contains("\nthreats.shahed.leaked,"), "{csv}");

    // Two saved runs: no trials to pair, so the intervals are unpaired, and it says so.
    for (name, file) in [("base", "scenarios/baseline.toml"), ("pause", "scenarios/intel-pause.toml")] {
        salvosim()
            .args(["run", file, "--trials", "500", "--quiet", "--no-charts", "--out"])
            .arg(tmp.path().join(name))
            .assert()
            .success();
    }
    let out = tmp.path().join("saved");
    let assert = salvosim()
        .arg("compare")
        .args([tmp.path().join("base"), tmp.path().join("pause")])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("no trials to pair"), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("compare.json")).unwrap()).unwrap();
    assert_eq!(json["method"], "unpaired");
    let svg = std::fs::read_to_string(out.join("charts/compare.svg")).unwrap();
    assert!(svg.contains("unpaired"), "the chart says its intervals are unpaired");
    assert!(svg.contains("Shahed-136 leaked") && !svg.contains("shahed leaked"), "chart rows by their labels");
    assert!(svg.contains("Gepard guns spend (USD)"), "layer rows by their labels");

    // The report takes the comparison's chart, titled in words.
    salvosim().arg("report").arg(tmp.path().join("base")).arg("--compare").arg(&out).assert().success();
    let html = std::fs::read_to_string(tmp.path().join("base/report.html")).unwrap();
    assert!(html.contains("What the excursion changes") && html.contains("lets"), "report with --compare");
}

#[test]
fn a_comparison_with_nothing_to_compare_is_refused() {
    let assert = salvosim().args(["compare", "scenarios/baseline.toml", "--trials", "10"]).assert().code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("give an EXCURSION scenario, or --set"), "{stderr}");
}
