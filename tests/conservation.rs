//! Conservation identities that must hold in every single trial of every shipped scenario:
//! rounds are stock that left, every launched drone is EW-defeated, killed or leaked, spend is
//! rounds × price, and the nightly series add up to the campaign totals.

mod common;

use rand::RngExt;
use salvosim::engine::{Campaign, Method, NightLayout, TrialRecord, Workspace, rng::trial_rng, simulate};
use salvosim::scenario::{self, Scenario};

fn check_trial(s: &Scenario, layout: &NightLayout, r: &TrialRecord, trial: u64) {
    let at = |what: &str| format!("{} trial {trial}: {what}", s.name);
    let width = layout.width();
    let column_sum = |column: usize| -> f64 { r.nightly.chunks(width).map(|row| row[column]).sum() };
    for (t, totals) in r.threats.iter().enumerate() {
        assert_eq!(
            totals.launched,
            totals.ew_defeated + totals.killed + totals.leaked,
            "{}",
            at("launched = EW + killed + leaked")
        );
        assert_eq!(column_sum(layout.launched(t)), totals.launched as f64, "{}", at("nightly launched"));
        assert_eq!(column_sum(layout.leakers(t)), totals.leaked as f64, "{}", at("nightly leakers"));
    }
    let killed: u64 = r.threats.iter().map(|t| t.killed).sum();
    assert_eq!(killed, r.layers.iter().map(|l| l.kills).sum::<u64>(), "{}", at("kills by layers = threats killed"));
    let ew: u64 = r.threats.iter().map(|t| t.ew_defeated).sum();
    assert_eq!(column_sum(layout.ew_defeated()), ew as f64, "{}", at("nightly EW"));
    let mut defender = 0.0;
    for (l, totals) in r.layers.iter().enumerate() {
        if let (Some(initial), Some(last)) = (totals.initial_stock, totals.final_stock) {
            assert_eq!(initial + totals.resupplied - last, totals.rounds, "{}", at("stock in = stock out + rounds"));
        }
        assert_eq!(
            totals.spend_usd,
            totals.rounds as f64 * totals.cost_per_shot_usd,
            "{}",
            at("spend = rounds × cost")
        );
        assert_eq!(column_sum(layout.rounds(l)), totals.rounds as f64, "{}", at("nightly rounds"));
        assert_eq!(column_sum(layout.kills(l)), totals.kills as f64, "{}", at("nightly kills"));
        assert!(
            totals.kills <= totals.engaged && totals.engaged <= totals.rounds,
            "{}",
            at("kills <= engaged <= rounds")
        );
        if let (Some(initial), Some(last)) = (totals.initial_stock, totals.final_stock) {
            // Firing never takes stock below the reserve, and resupply only adds.
            assert!(last >= initial.min(totals.reserve), "{}", at("stock never fired below the reserve"));
        }
        defender += totals.spend_usd;
    }
    assert_eq!(r.defender_spend_usd, defender, "{}", at("defender spend = sum of layers"));
    let last = &r.nightly[(s.nights as usize - 1) * width..];
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    assert!(close(last[layout.defender_spend_cum()], r.defender_spend_usd), "{}", at("cumulative defender spend"));
    assert_eq!(last[layout.attacker_spend_cum()], r.attacker_spend_usd, "{}", at("cumulative attacker spend"));
    assert_eq!(last[layout.damage_cum()], r.damage_usd, "{}", at("cumulative damage"));
}

#[test]
fn identities_hold_in_every_trial_of_every_shipped_scenario() {
    for s in common::shipped() {
        let layout = NightLayout::new(&s);
        let mut workspace = Workspace::default();
        let mut record = TrialRecord::default();
        for seed in [1, 2] {
            for trial in 0..300 {
                simulate(&s, &layout, seed, trial, &mut workspace, &mut record);
                check_trial(&s, &layout, &record, trial);
            }
        }
    }
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
        let share = if t == &"strike" { pick(&["0.5", "1"]) } else { pick(&["0", "0.3", "2"]) };
        text += &format!("[[threat]]\nname = \"{t}\"\nshare = {share}\nunit_cost = 1000\ndecoy = {decoy}\n");
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
