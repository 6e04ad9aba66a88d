//! `salvosim optimise` against known answers: the smallest stock that keeps P(run dry) under α is a
//! Poisson quantile; two unlimited layers with linear prices have their optimum in closed form; an
//! infeasible problem says so (exit 3) with the point closest to feasibility; bad requests are
//! refused (exit 2, nothing written). Also what a layer costs to field.

mod common;

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn optimise(scenario: &Path, args: &[&str], out: &Path) -> (Option<i32>, Value) {
    let output = Command::cargo_bin("salvosim")
        .unwrap()
        .arg("optimise")
        .arg(scenario)
        .args(args)
        .args(["--quiet", "--no-charts", "--out"])
        .arg(out)
        .output()
        .unwrap();
    let json =
        std::fs::read_to_string(out.join("optimise.json")).map_or(Value::Null, |t| serde_json::from_str(&t).unwrap());
    (output.status.code(), json)
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// One gun layer that kills every threat with one round; `nights` nights of Poisson(`rate`) raids;
/// a stock and no resupply. It runs dry exactly when the campaign's launches reach its stock.
fn poisson_stock(nights: u32, rate: u32) -> String {
    format!(
        "[scenario]\nname = \"poisson-stock\"\nnights = {nights}\nseed = 3\n[raid]\nsize = {{ poisson = {rate} }}\n\
         [[threat]]\nname = \"drone\"\nshare = 1\nunit_cost = 1000\n\
         [[layer]]\nname = \"guns\"\ndoctrine = \"salvo\"\npk = 1\nmax_shots = 1\ncost_per_shot = 1\ncoverage = 1\nstock = 300\n"
    )
}

/// The smallest `s` with P(T ≥ s) ≤ `alpha` for T ~ Poisson(`mean`).
fn poisson_stock_quantile(mean: f64, alpha: f64) -> u64 {
    let mut pmf = (-mean).exp();
    let mut below = 0.0; // P(T < s)
    for s in 0.. {
        if 1.0 - below <= alpha {
            return s;
        }
        below += pmf;
        pmf *= mean / (s + 1) as f64;
    }
    unreachable!()
}

#[test]
fn the_smallest_stock_that_rarely_runs_dry_is_the_poisson_quantile() {
    let tmp = tempfile::tempdir().unwrap();
    for (nights, rate, alpha) in [(10, 20, 0.05), (5, 60, 0.01), (30, 4, 0.1)] {
        let scenario = write(tmp.path(), "poisson.toml", &poisson_stock(nights, rate));
        let exact = poisson_stock_quantile(f64::from(nights * rate), alpha);
        let out = tmp.path().join(format!("out-{nights}"));
        let constraint = format!("layers.guns.p_exhausted<={alpha}");
        let (code, json) = optimise(
            &scenario,
            &[
                "--decide",
                "layer.guns.stock=20:600",
                "--minimise",
                "defence_cost_usd",
                "--subject-to",
                &constraint,
                "--trials",
                "4000",
            ],
            &out,
        );
        assert_eq!(code, Some(0));
        let stock = json["best"]["layer.guns.stock"].as_f64().unwrap() as u64;
        // The constraint is met at the upper end of the CI, so the answer may sit a few rounds above.
        assert!(
            stock + 1 >= exact && stock <= exact + 4,
            "{nights}×Poisson({rate}), α {alpha}: {stock}, exact {exact}"
        );
        assert_eq!(json["feasible"], true);
        assert_eq!(json["metrics"]["defence_cost_usd"]["mean"].as_f64(), Some(stock as f64), "stock × $1 a round");
        assert_eq!(json["confirm_trials"], 16000);
    }
}

/// Two unlimited layers, each killing what it gets an opportunity at, priced per round fired.
fn two_layers(price_a: u32, price_b: u32) -> String {
    format!(
        "[scenario]\nname = \"two-layers\"\nnights = 10\nseed = 9\n[raid]\nsize = 100\n\
         [[threat]]\nname = \"drone\"\nshare = 1\nunit_cost = 1000\n\
         [[layer]]\nname = \"a\"\ndoctrine = \"salvo\"\npk = 1\nmax_shots = 1\ncost_per_shot = {price_a}\ncoverage = 0.5\n\
         [[layer]]\nname = \"b\"\ndoctrine = \"salvo\"\npk = 1\nmax_shots = 1\ncost_per_shot = {price_b}\ncoverage = 0.5\n"
    )
}

#[test]
fn two_unlimited_layers_meet_a_leak_target_at_the_closed_form_optimum() {
    // Leak = (1 − a)(1 − b); cost per threat = p_a·a + p_b·b·(1 − a). With p_a < p_b, every kill
    // is cheapest in layer a, up to its bound 0.6; b makes up the rest: b = 1 − L / (1 − 0.6).
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(tmp.path(), "two.toml", &two_layers(100, 300));
    let (code, json) = optimise(
        &scenario,
        &[
            "--decide",
            "layer.a.coverage=0:0.6",
            "--decide",
            "layer.b.coverage=0:1",
            "--minimise",
            "defence_cost_usd",
            "--subject-to",
            "leak_rate<=0.1",
        ],
        &tmp.path().join("out"),
    );
    assert_eq!(code, Some(0));
    let (a, b) =
        (json["best"]["layer.a.coverage"].as_f64().unwrap(), json["best"]["layer.b.coverage"].as_f64().unwrap());
    let exact_b = 1.0 - 0.1 / 0.4;
    assert!((a - 0.6).abs() < 0.01, "layer a at its bound: {a}");
    assert!((b - exact_b).abs() < 0.01, "layer b: {b}, closed form {exact_b}");
    let threats = 1000.0;
    let exact_cost = threats * (100.0 * 0.6 + 300.0 * exact_b * 0.4);
    let cost = json["metrics"]["defence_cost_usd"]["mean"].as_f64().unwrap();
    assert!((cost / exact_cost - 1.0).abs() < 0.01, "cost {cost}, closed form {exact_cost}");
    let leak = json["metrics"]["leak_rate"]["ci95"][1].as_f64().unwrap();
    assert!(leak <= 0.1, "the constraint holds at the upper end of its CI: {leak}");
}

#[test]
fn an_infeasible_problem_exits_3_with_the_point_closest_to_feasibility() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(tmp.path(), "poisson.toml", &poisson_stock(10, 20));
    let out = tmp.path().join("out");
    let (code, json) = optimise(
        &scenario,
        &[
            "--decide",
            "layer.guns.stock=20:120",
            "--minimise",
            "defence_cost_usd",
            "--subject-to",
            "layers.guns.p_exhausted<=0.05",
        ],
        &out,
    );
    assert_eq!(code, Some(3), "infeasible is exit 3");
    assert_eq!(json["feasible"], false);
    assert_eq!(json["best"]["layer.guns.stock"], 120.0, "the largest stock misses least");
    assert!(std::fs::read_to_string(out.join("optimise.csv")).unwrap().lines().count() > 2);
}

#[test]
fn what_a_layer_costs_to_field_is_rounds_bought_and_capacity() {
    let tmp = tempfile::tempdir().unwrap();
    let text = poisson_stock(10, 20)
        .replace("stock = 300\n", "stock = 300\nresupply_per_night = 5\ncapacity = 50\ncost_per_capacity = 7\n")
        + "[[layer]]\nname = \"free\"\ndoctrine = \"salvo\"\npk = 1\nmax_shots = 1\ncost_per_shot = 2\ncoverage = 1\n";
    let scenario = write(tmp.path(), "field.toml", &text);
    let out = tmp.path().join("run");
    Command::cargo_bin("salvosim")
        .unwrap()
        .args(["run", scenario.to_str().unwrap(), "--quiet", "--no-charts", "--trials", "500", "--out"])
        .arg(&out)
        .assert()
        .success();
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let layer = |name: &str, field: &str| summary["layers"][name][field]["mean"].as_f64().unwrap();
    // Guns: 300 rounds at the start + 5 a night for 10 nights, at $1, plus 50 × $7 of capacity.
    assert_eq!(layer("guns", "fielding_cost_usd"), 300.0 + 50.0 + 350.0);
    // The unlimited layer buys what it fires.
    assert_eq!(layer("free", "fielding_cost_usd"), 2.0 * layer("free", "rounds"));
    let total = summary["defence_cost_usd"]["mean"].as_f64().unwrap();
    assert!((total - layer("guns", "fielding_cost_usd") - layer("free", "fielding_cost_usd")).abs() < 1e-6);
}

#[test]
fn bad_optimisation_requests_exit_2_and_write_nothing() {
    let decide = ["--decide", "layer.nasams.stock=40:300"];
    for (extra, message) in [
        (vec!["--minimise", "lek_rate"], "summary.json has no figure `lek_rate`"),
        (vec!["--minimise", "defence_cost_usd", "--subject-to", "leak_rate<0.1"], "expected METRIC<=X"),
        (vec!["--minimise", "defence_cost_usd:p99"], "unknown statistic"),
        (vec!["--minimise", "defence_cost_usd", "--decide", "layer.nasams.coverage=0:2"], "--decide"),
        (vec!["--minimise", "defence_cost_usd", "--decide", "layer.nasams.doctrine=0:1"], "--decide"),
        (vec!["--minimise", "defence_cost_usd", "--pareto", "leak_rate"], "--pareto"),
        (vec!["--minimise", "defence_cost_usd", "--pareto", "leak_rate=0.2:0.1:2"], "LO must not be above HI"),
        (vec!["--minimise", "defence_cost_usd", "--trials", "0"], "--trials"),
    ] {
        let args: Vec<&str> = decide.iter().copied().chain(extra.iter().copied()).collect();
        common::assert_refused(&["optimise", "scenarios/baseline.toml"], &args, message);
    }
}

#[test]
fn the_frontier_re_solves_each_bound_at_its_closed_form() {
    // As above: layer a at its bound 0.6, layer b at 1 − L / 0.4 for each leak bound L, the
    // --subject-to on the leak rate replaced by each bound in turn.
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(tmp.path(), "two.toml", &two_layers(100, 300));
    let out = tmp.path().join("out");
    Command::cargo_bin("salvosim")
        .unwrap()
        .arg("optimise")
        .arg(&scenario)
        .args(["--decide", "layer.a.coverage=0:0.6", "--decide", "layer.b.coverage=0:1"])
        .args(["--minimise", "defence_cost_usd", "--subject-to", "leak_rate<=0.1", "--pareto", "leak_rate=0.1:0.3:2"])
        .args(["--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let json: Value = serde_json::from_str(&std::fs::read_to_string(out.join("optimise.json")).unwrap()).unwrap();
    let points = json["frontier"]["points"].as_array().unwrap();
    assert_eq!(json["frontier"]["metric"], "leak_rate");
    assert_eq!(points.len(), 3);
    let mut last_cost = f64::INFINITY;
    for point in points {
        let bound = point["bound"].as_f64().unwrap();
        let b = point["best"]["layer.b.coverage"].as_f64().unwrap();
        let exact_b = 1.0 - bound / 0.4;
        assert!((b - exact_b).abs() < 0.01, "bound {bound}: b {b}, closed form {exact_b}");
        assert_eq!(point["feasible"], true);
        let cost = point["objective"].as_f64().unwrap();
        assert!(cost < last_cost, "a looser bound costs less: {cost} after {last_cost}");
        last_cost = cost;
    }
    for chart in ["optimise-search.png", "optimise-frontier.png", "optimise-frontier.svg"] {
        assert!(out.join("charts").join(chart).is_file(), "{chart}");
    }
}

/// The attacker's problem with a closed form: 100 Shahed-type drones ($50k) a night for 10 nights,
/// `r` decoys ($5k) per drone, one gun layer that recognises a decoy with probability `d` and holds
/// fire at it, kills what it engages with one $100k round, and engages at most 150 threats a night.
fn decoy_best_response(d: f64) -> String {
    format!(
        "[scenario]\nname = \"decoy-best-response\"\nnights = 10\nseed = 11\n[raid]\nsize = 100\n\
         [defence]\ndecoy_discrimination = {d}\n\
         [[threat]]\nname = \"shahed\"\nshare = 1\nunit_cost = 50000\n\
         [[threat]]\nname = \"decoy\"\ndecoy = true\nper = {{ shahed = 1.0 }}\nunit_cost = 5000\n\
         [[layer]]\nname = \"guns\"\ndoctrine = \"salvo\"\npk = 1\nmax_shots = 1\ncost_per_shot = 100000\n\
         coverage = 1\ncapacity = 150\n"
    )
}

/// E[min(150, 100 + U)] for U ~ Binomial(`decoys`, 1 − `d`): the rounds a night with `decoys` decoys.
fn rounds_a_night(decoys: u64, d: f64) -> f64 {
    let q = 1.0 - d;
    let mut pmf = d.powi(decoys as i32); // P(U = 0)
    let mut mean = 0.0;
    for k in 0..=decoys {
        mean += pmf * (100.0 + k as f64).min(150.0);
        pmf *= (decoys - k) as f64 / (k + 1) as f64 * q / d;
    }
    mean
}

/// The cost-exchange ratio at `r` decoys per drone: a night's 100·r decoys are ⌊100r⌋ or ⌈100r⌉
/// (rounded at random, the mean exact), the defender pays $100k a round, the attacker
/// $5M + $5k a decoy. (A campaign's ratio of sums equals the ratio of means to within 10⁻⁵ here.)
fn exchange_ratio(r: f64, d: f64) -> f64 {
    let x = 100.0 * r;
    let (floor, frac) = (x.floor(), x - x.floor());
    let rounds = (1.0 - frac) * rounds_a_night(floor as u64, d) + frac * rounds_a_night(floor as u64 + 1, d);
    rounds * 1e5 / (5e6 + 5000.0 * x)
}

/// The `r` in 0..=3 (step 0.001) that maximises (or, `max` false, minimises) the closed form.
fn closed_form_optimum(d: f64, max: bool) -> f64 {
    let sign = if max { 1.0 } else { -1.0 };
    (0..=3000)
        .map(|i| f64::from(i) / 1000.0)
        .max_by(|a, b| (sign * exchange_ratio(*a, d)).total_cmp(&(sign * exchange_ratio(*b, d))))
        .unwrap()
}

#[test]
fn the_attackers_best_decoy_share_is_the_closed_form_optimum() {
    // Below the optimum each decoy draws (1 − d) rounds at $100k for $5k; above it the guns are
    // saturated and decoys only add to the attacker's bill. The curve is flat near the top (the
    // ratio moves 0.04 % between r = 1.03 and 1.06), so the tolerance is 0.03 decoys per drone.
    const TOLERANCE: f64 = 0.03;
    let exact = closed_form_optimum(0.5, true);
    assert!((exact - 1.06).abs() < 0.011, "the closed form itself: {exact}");
    // What a wrong implementation would land on, each outside the tolerance: recognition ignored
    // (decoys engaged as if d = 0), recognition off by 0.1, the goal reversed (a corner).
    for (wrong, what) in [
        (closed_form_optimum(0.0, true), "decoys engaged when recognised"),
        (closed_form_optimum(0.4, true), "recognition 0.4 instead of 0.5"),
        (closed_form_optimum(0.5, false), "the ratio minimised"),
    ] {
        assert!((wrong - exact).abs() > 3.0 * TOLERANCE, "{what}: {wrong} is too near {exact} to be told apart");
    }
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(tmp.path(), "decoys.toml", &decoy_best_response(0.5));
    let decide = ["--decide", "threat.decoy.per.shahed=0:3", "--trials", "2000"];
    for seed in ["11", "12", "13"] {
        let out = tmp.path().join(format!("max-{seed}"));
        let args: Vec<&str> =
            decide.iter().copied().chain(["--maximise", "cost_exchange_ratio", "--seed", seed]).collect();
        let (code, json) = optimise(&scenario, &args, &out);
        assert_eq!(code, Some(0));
        assert_eq!(json["maximise"], "cost_exchange_ratio");
        assert!(json.get("minimise").is_none());
        let r = json["best"]["threat.decoy.per.shahed"].as_f64().unwrap();
        assert!((r - exact).abs() <= TOLERANCE, "seed {seed}: best response {r}, closed form {exact}");
        // The confirmed figure agrees with the closed form at the decision found.
        let ratio = &json["metrics"]["cost_exchange_ratio"];
        let (mean, se) = (ratio["mean"].as_f64().unwrap(), ratio["se"].as_f64().unwrap());
        let truth = exchange_ratio(r, 0.5);
        assert!((mean - truth).abs() <= 4.0 * se + 1e-4 * truth, "seed {seed}: {mean} ± {se}, closed form {truth}");
    }
    // The same search minimising lands on the other corner: the goal is what is pushed.
    let out = tmp.path().join("min");
    let args: Vec<&str> = decide.iter().copied().chain(["--minimise", "cost_exchange_ratio"]).collect();
    let (code, json) = optimise(&scenario, &args, &out);
    assert_eq!(code, Some(0));
    assert_eq!(json["best"]["threat.decoy.per.shahed"].as_f64(), Some(closed_form_optimum(0.5, false)));
}

#[test]
fn minimise_and_maximise_are_one_or_the_other() {
    let decide = ["--decide", "layer.nasams.stock=40:300"];
    for (extra, message) in [
        (vec!["--minimise", "leak_rate", "--maximise", "leak_rate"], "cannot be used with"),
        (vec![], "--minimise"),
        (vec!["--maximise", "lek_rate"], "--maximise"),
    ] {
        let args: Vec<&str> = decide.iter().copied().chain(extra.iter().copied()).collect();
        common::assert_refused(&["optimise", "scenarios/baseline.toml"], &args, message);
    }
}
