//! Conservation identities that must hold in every single trial: every launched drone is
//! EW-defeated, killed or leaked; rounds are stock that left; no layer ever fires below its reserve.
//!
//! The checks derive each figure along a path of their own rather than repeating the engine's
//! arithmetic: night by night from the record's nightly columns (launched = EW + kills of every
//! layer + leakers, every night; each finite stock walked forward from its initial value by the
//! night's rounds and the resupply rule, re-implemented here, which must reproduce the stock column,
//! the exhaustion column and night, and the final stock; cumulative spend rebuilt from the nightly
//! rounds and launches at the trial's prices). `outputs_add_up_from_nights_csv_and_the_prices`
//! does the same from the files a run writes, at the prices written in the scenario file.

mod common;

use rand::RngExt;
use salvosim::engine::{Campaign, Method, NightLayout, TrialRecord, Workspace, rng::trial_rng, simulate};
use salvosim::scenario::{self, Scenario};

fn check_trial(s: &Scenario, layout: &NightLayout, r: &TrialRecord, trial: u64) {
    let at = |what: &str| format!("{} trial {trial}: {what}", s.name);
    let rows: Vec<&[f64]> = r.nightly.chunks(layout.width()).collect();
    let count = |row: &[f64], column: usize| row[column] as u64;
    let threats = r.threats.len();
    for (t, totals) in r.threats.iter().enumerate() {
        assert_eq!(
            totals.launched,
            totals.ew_defeated + totals.killed + totals.leaked,
            "{}",
            at("launched = EW + killed + leaked")
        );
        assert_eq!(
            rows.iter().map(|row| count(row, layout.launched(t))).sum::<u64>(),
            totals.launched,
            "{}",
            at("nightly launched")
        );
        assert_eq!(
            rows.iter().map(|row| count(row, layout.leakers(t))).sum::<u64>(),
            totals.leaked,
            "{}",
            at("nightly leakers")
        );
    }
    let (mut defender_usd, mut attacker_usd, mut damage_usd) = (0.0, 0.0, 0.0);
    for (night, row) in rows.iter().enumerate() {
        let night_at = |what: &str| at(&format!("night {}: {what}", night + 1));
        let launched = count(row, layout.launched(threats));
        let kills: u64 = (0..r.layers.len()).map(|l| count(row, layout.kills(l))).sum();
        let leaked = count(row, layout.leakers(threats));
        assert_eq!(
            launched,
            count(row, layout.ew_defeated()) + kills + leaked,
            "{}",
            night_at("launched = EW + kills + leakers")
        );
        assert_eq!(
            launched,
            (0..threats).map(|t| count(row, layout.launched(t))).sum::<u64>(),
            "{}",
            night_at("launched total")
        );
        assert_eq!(
            leaked,
            (0..threats).map(|t| count(row, layout.leakers(t))).sum::<u64>(),
            "{}",
            night_at("leakers total")
        );
        defender_usd +=
            r.layers.iter().enumerate().map(|(l, x)| row[layout.rounds(l)] * x.cost_per_shot_usd).sum::<f64>();
        attacker_usd +=
            r.threats.iter().enumerate().map(|(t, x)| row[layout.launched(t)] * x.unit_cost_usd).sum::<f64>();
        assert!(close(row[layout.defender_spend_cum()], defender_usd), "{}", night_at("cumulative defender spend"));
        assert!(close(row[layout.attacker_spend_cum()], attacker_usd), "{}", night_at("cumulative attacker spend"));
        let strike_leaked: u64 =
            (0..threats).filter(|&t| !s.threats[t].decoy).map(|t| count(row, layout.leakers(t))).sum();
        let damage_tonight = row[layout.damage_cum()] - damage_usd;
        assert!(
            damage_tonight >= 0.0 && (strike_leaked > 0 || damage_tonight == 0.0),
            "{}",
            night_at("damage only from leakers")
        );
        damage_usd = row[layout.damage_cum()];
    }
    assert!(close(r.defender_spend_usd, defender_usd), "{}", at("defender spend from nightly rounds"));
    assert!(close(r.attacker_spend_usd, attacker_usd), "{}", at("attacker spend from nightly launches"));
    assert_eq!(r.damage_usd, damage_usd, "{}", at("damage"));
    let killed: u64 = r.threats.iter().map(|t| t.killed).sum();
    assert_eq!(killed, r.layers.iter().map(|l| l.kills).sum::<u64>(), "{}", at("kills by layers = threats killed"));
    for (l, totals) in r.layers.iter().enumerate() {
        assert_eq!(
            rows.iter().map(|row| count(row, layout.rounds(l))).sum::<u64>(),
            totals.rounds,
            "{}",
            at("nightly rounds")
        );
        assert_eq!(
            rows.iter().map(|row| count(row, layout.kills(l))).sum::<u64>(),
            totals.kills,
            "{}",
            at("nightly kills")
        );
        assert!(
            totals.kills <= totals.engaged && totals.engaged <= totals.rounds,
            "{}",
            at("kills <= engaged <= rounds")
        );
    }
    for (k, &l) in layout.stock_layers.iter().enumerate() {
        let floor = if s.layers[l].reserve_for.is_empty() { r.layers[l].reserve } else { 0 };
        walk_stock(layout, &rows, &r.layers[l], (k, l, floor), &|what| at(&format!("{}: {what}", s.layers[l].name)));
    }
}

/// Walks layer `l` (the `k`-th finite one) night by night: no night fires below `floor` (the
/// reserve, or 0 for a layer whose reserve some threats may draw), and the resupply rule
/// reproduces every night's stock, the exhaustion series and night, the final stock and the rounds
/// resupplied.
fn walk_stock(
    layout: &NightLayout,
    rows: &[&[f64]],
    totals: &salvosim::engine::LayerTotals,
    (k, l, floor): (usize, usize, u64),
    at: &dyn Fn(&str) -> String,
) {
    let (mut stock, mut resupplied, mut exhausted) = (totals.initial_stock.unwrap(), 0, None);
    let cap = totals.max_stock.unwrap_or(u64::MAX);
    for (night, row) in rows.iter().enumerate() {
        let fired = row[layout.rounds(l)] as u64;
        assert!(
            fired <= stock.saturating_sub(floor),
            "{}",
            at(&format!("night {}: fired below the floor of {floor}", night + 1))
        );
        let before_resupply = stock - fired;
        if before_resupply <= totals.reserve && exhausted.is_none() {
            exhausted = Some(night as u32 + 1);
        }
        let added = totals.resupply_per_night.min(cap.saturating_sub(before_resupply));
        stock = before_resupply + added;
        resupplied += added;
        assert_eq!(row[layout.stock(k)] as u64, stock, "{}", at(&format!("night {}: stock", night + 1)));
        assert_eq!(row[layout.exhausted(k)], f64::from(u8::from(exhausted.is_some())), "{}", at("exhausted series"));
    }
    assert_eq!(totals.final_stock, Some(stock), "{}", at("final stock"));
    assert_eq!(totals.exhaustion_night, exhausted, "{}", at("exhaustion night"));
    assert_eq!(totals.resupplied, resupplied, "{}", at("rounds resupplied"));
}

/// Equal up to floating-point summation order.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn identities_hold_in_every_trial_of_every_shipped_scenario() {
    for s in common::shipped() {
        let layout = NightLayout::new(&s);
        let mut workspace = Workspace::default();
        let mut record = TrialRecord::default();
        for (seed, method) in [(1, Method::Counting), (2, Method::PerThreat)] {
            for trial in 0..300 {
                Campaign::start(&s, &layout, seed, trial, &mut workspace, &mut record).with_method(method).run();
                check_trial(&s, &layout, &record, trial);
            }
        }
    }
}

/// The files a run writes add up, along paths that share no arithmetic with the engine's totals:
/// each layer's spend and the defender's from the nightly mean rounds in nights.csv at the prices in
/// the scenario file, the attacker's from the nightly mean launches, launched = EW + killed +
/// leaked in summary.json, P(exhausted) from the last night's exhaustion series.
#[test]
fn outputs_add_up_from_nights_csv_and_the_prices() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("pinned.toml");
    let text = common::pinned(&common::shipped_text("scenarios/ceasefire.toml"));
    std::fs::write(&file, &text).unwrap();
    let out = tmp.path().join("out");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_salvosim"))
        .args(["run", "--quiet", "--no-charts", "--trials", "1500", "--out"])
        .arg(&out)
        .arg(&file)
        .status()
        .unwrap();
    assert!(status.success());
    let s = common::scenario(&text);
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let mut nightly = std::collections::HashMap::<(String, String), Vec<f64>>::new();
    for row in csv::Reader::from_path(out.join("nights.csv")).unwrap().records() {
        let row = row.unwrap();
        nightly.entry((row[1].to_string(), row[2].to_string())).or_default().push(row[3].parse().unwrap());
    }
    let series = |metric: &str, name: &str| &nightly[&(metric.to_string(), name.to_string())];
    let sum = |metric: &str, name: &str| series(metric, name).iter().sum::<f64>();
    let mean = |path: &[&str]| path.iter().fold(&summary, |v, key| &v[key])["mean"].as_f64().unwrap();
    let price = |p: &scenario::Param| p.as_constant().expect("pinned prices");
    let mut defender = 0.0;
    for layer in &s.layers {
        let spend = sum("rounds", &layer.name) * price(&layer.cost_per_shot_usd);
        assert!(close(spend, mean(&["layers", &layer.name, "spend_usd"])), "{} spend", layer.name);
        assert!(close(sum("rounds", &layer.name), mean(&["layers", &layer.name, "rounds"])), "{} rounds", layer.name);
        defender += spend;
        if layer.stock.is_some() {
            let p_dry = summary["layers"][&layer.name]["p_exhausted"]["mean"].as_f64().unwrap();
            assert!(close(*series("exhausted", &layer.name).last().unwrap(), p_dry), "{} P(exhausted)", layer.name);
        }
    }
    assert!(close(defender, mean(&["defender_spend_usd"])), "defender spend");
    assert!(close(defender, *series("defender_spend_cum", "total").last().unwrap()), "cumulative defender spend");
    let mut attacker = 0.0;
    for threat in &s.threats {
        let name = threat.name.as_str();
        attacker += sum("launched", name) * price(&threat.unit_cost_usd);
        let launched = mean(&["threats", name, "launched"]);
        assert!(close(sum("launched", name), launched), "{name} launched");
        assert!(close(sum("leakers", name), mean(&["threats", name, "leaked"])), "{name} leaked");
        let fates = ["ew_defeated", "killed", "leaked"].iter().map(|k| mean(&["threats", name, k])).sum::<f64>();
        assert!(close(launched, fates), "{name}: launched = EW + killed + leaked");
    }
    assert!(close(attacker, mean(&["attacker_spend_usd"])), "attacker spend");
    assert!(close(
        sum("ew_defeated", "total"),
        s.threats.iter().map(|t| mean(&["threats", &t.name, "ew_defeated"])).sum()
    ));
}

#[test]
fn attacker_inventory_caps_raids() {
    let s = common::scenario(
        r#"
[scenario]
name = "inventory"
nights = 10
[raid]
size = 100
stock = 250
production_per_night = 20
[[threat]]
name = "strike"
share = 1
unit_cost = 1000
[[layer]]
name = "guns"
doctrine = "shoot-look-shoot"
pk = 0.5
max_shots = 1
cost_per_shot = 10
"#,
    );
    let layout = NightLayout::new(&s);
    let (mut workspace, mut record) = (Workspace::default(), TrialRecord::default());
    simulate(&s, &layout, 7, 0, &mut workspace, &mut record);
    let launched: Vec<f64> = record.nightly.chunks(layout.width()).map(|row| row[layout.launched(0)]).collect();
    // 250 in hand, +20 after each night: 250 -> 170 -> 90 -> 20 -> 20 ...
    assert_eq!(launched, [100.0, 100.0, 90.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0]);
    assert_eq!(record.attacker_spend_usd, 1000.0 * 430.0);
}

#[test]
fn resupply_never_exceeds_max_stock_nor_removes_stock() {
    let s = common::scenario(
        r#"
[scenario]
name = "resupply"
nights = 5
[raid]
size = 0
[[threat]]
name = "strike"
share = 1
unit_cost = 1000
[[layer]]
name = "above-cap"
doctrine = "salvo"
pk = 0.5
max_shots = 1
cost_per_shot = 10
stock = 100
resupply_per_night = 30
max_stock = 80
[[layer]]
name = "below-cap"
doctrine = "salvo"
pk = 0.5
max_shots = 1
cost_per_shot = 10
stock = 10
resupply_per_night = 30
max_stock = 80
"#,
    );
    let layout = NightLayout::new(&s);
    let (mut workspace, mut record) = (Workspace::default(), TrialRecord::default());
    simulate(&s, &layout, 1, 0, &mut workspace, &mut record);
    assert_eq!(record.layers[0].final_stock, Some(100), "stock above max_stock is kept, not cut");
    assert_eq!(record.layers[1].final_stock, Some(80), "10 + 30 + 30, then capped at 80");
    let stock: Vec<f64> = record.nightly.chunks(layout.width()).map(|row| row[layout.stock(1)]).collect();
    assert_eq!(stock, [40.0, 70.0, 80.0, 80.0, 80.0]);
}

/// A random scenario at the edges of every field's range: probabilities of exactly 0 and 1, no
/// capacity or no stock, reserves above stock, raids from 0 to the largest allowed (10⁶ a night),
/// layers in any order.
fn edge_scenario(rng: &mut impl rand::Rng, index: u64) -> String {
    let mut pick = |options: &[&str]| options[rng.random_range(0..options.len())].to_string();
    let mut text = format!("[scenario]\nname = \"edge-{index}\"\nnights = {}\n", pick(&["1", "2", "5"]));
    let sizes = ["0", "1", "7", "60", "300", "5000", "20000", "1000000", "{ poisson = 150 }"];
    text += &format!("[raid]\nsize = {}\n", pick(&sizes));
    for (t, decoy) in ["strike", "decoy", "cheap"].iter().zip([false, true, true]) {
        let share = if t == &"strike" { pick(&["0.5", "1"]) } else { pick(&["0", "0.3", "2", "routine"]) };
        // A routine part of every raid (per_night) instead of a share, at the edges too.
        let part = match share.as_str() {
            "routine" => format!("per_night = {}", pick(&["0", "5", "400", "{ poisson = 30 }"])),
            _ => format!("share = {share}"),
        };
        text += &format!("[[threat]]\nname = \"{t}\"\n{part}\nunit_cost = 1000\ndecoy = {decoy}\n");
        if !decoy {
            text += "damage_on_leak = { pert = [1, 10, 100] }\n";
        }
    }
    let probability = ["0", "1", "0.5", "0.97", "0.03", "{ pert = [0, 0.5, 1] }"];
    text += &format!(
        "[defence]\nearly_warning = {}\new_defeat = {}\ndecoy_discrimination = {}\n",
        pick(&["0", "1", "0.6"]),
        pick(&probability),
        pick(&probability)
    );
    let layers = pick(&["1", "2", "3", "4"]).parse::<u32>().unwrap();
    for l in 0..layers {
        text += &format!(
            "[[layer]]\nname = \"layer-{l}\"\ndoctrine = \"{}\"\npk = {}\nmax_shots = {}\ncost_per_shot = 10\n\
             coverage = {}\nengage_identified_decoys = {}\nwarning_sensitivity = {}\n",
            pick(&["salvo", "shoot-look-shoot"]),
            pick(&probability),
            pick(&["1", "2", "5", "40"]),
            pick(&probability),
            pick(&["true", "false"]),
            pick(&["0", "1", "3"]),
        );
        for (field, values) in [
            ("capacity", &["0", "1", "10", "1000"][..]),
            ("stock", &["0", "5", "100", "10000"]),
            ("reserve", &["0", "3", "200"]),
            ("resupply_per_night", &["0", "2", "50"]),
            ("max_stock", &["10", "500"]),
        ] {
            if pick(&["yes", "no"]) == "yes" {
                text += &format!("{field} = {}\n", pick(values));
                // A capacity may surge with the raid (and only a capacity).
                if field == "capacity" && pick(&["yes", "no"]) == "yes" {
                    text += &format!("surge_per_threat = {}\n", pick(&["0", "0.05", "1", "{ pert = [0, 0.3, 1] }"]));
                }
            }
        }
    }
    text
}

#[test]
fn identities_hold_in_random_scenarios_at_the_edges_by_both_methods() {
    let mut rng = trial_rng(2026, 11);
    let mut accepted = 0;
    for index in 0..300 {
        let text = edge_scenario(&mut rng, index);
        let Ok(loaded) = scenario::parse(&text, std::path::Path::new("edge.toml"), &[]) else { continue };
        accepted += 1;
        let s = loaded.scenario;
        let layout = NightLayout::new(&s);
        let (mut workspace, mut record) = (Workspace::default(), TrialRecord::default());
        // A million drones a night: counting only, and one trial (threats meet layers one by one
        // where a later layer engages recognised decoys, at tens of ns each).
        let huge = text.contains("size = 1000000");
        let (methods, trials) =
            if huge { (&[Method::Counting][..], 1) } else { (&[Method::Counting, Method::PerThreat][..], 10) };
        for &method in methods {
            for trial in 0..trials {
                Campaign::start(&s, &layout, 3, trial, &mut workspace, &mut record).with_method(method).run();
                check_trial(&s, &layout, &record, trial);
            }
        }
    }
    assert!(accepted >= 200, "only {accepted} of 300 random scenarios were valid");
}
