//! The counting method (draws per night) against the per-threat reference, as distributions, on
//! scenarios where both apply: every shipped scenario (capacities bind, stocks run dry, phases
//! change the raid), one where stock runs out mid-night, and raids of thousands. For each per-trial figure the two
//! means must agree within 4.5 standard errors of their difference, and the two variances within
//! 5 relative standard deviations of their ratio, sqrt((2 + κ₁)/n + (2 + κ₂)/n) with κ each
//! sample's excess kurtosis (the large-sample spread of a sample variance), for three seeds each.

mod common;

use salvosim::engine::{Campaign, Method, NightLayout, TrialRecord, Workspace};
use salvosim::scenario::Scenario;

const TRIALS: u64 = 3000;

/// Every per-trial figure the outputs are built from.
fn figures(s: &Scenario, r: &TrialRecord) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for (t, totals) in s.threats.iter().zip(&r.threats) {
        out.push((format!("{} ew_defeated", t.name), totals.ew_defeated as f64));
        out.push((format!("{} killed", t.name), totals.killed as f64));
        out.push((format!("{} leaked", t.name), totals.leaked as f64));
    }
    for (l, totals) in s.layers.iter().zip(&r.layers) {
        out.push((format!("{} rounds", l.name), totals.rounds as f64));
        out.push((format!("{} kills", l.name), totals.kills as f64));
        out.push((format!("{} engaged", l.name), totals.engaged as f64));
        if let Some(stock) = totals.final_stock {
            out.push((format!("{} final stock", l.name), stock as f64));
            out.push((format!("{} exhausted", l.name), f64::from(u8::from(totals.exhaustion_night.is_some()))));
        }
    }
    // Damage is a sum of heavy-tailed draws, one per leaking strike drone: its sample variance is
    // too unstable for a normal-theory check, and what the method decides — how many leak — is
    // checked above.
    out.push(("defender spend".into(), r.defender_spend_usd));
    out
}

fn excess_kurtosis(values: &[f64], mean: f64, variance: f64) -> f64 {
    let m4 = values.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / values.len() as f64;
    (m4 / (variance * variance) - 3.0).max(-2.0)
}

fn sample(s: &Scenario, method: Method, seed: u64) -> Vec<Vec<(String, f64)>> {
    let layout = NightLayout::new(s);
    let (mut ws, mut record) = (Workspace::default(), TrialRecord::default());
    (0..TRIALS)
        .map(|trial| {
            Campaign::start(s, &layout, seed, trial, &mut ws, &mut record).with_method(method).run();
            figures(s, &record)
        })
        .collect()
}

fn compare(s: &Scenario) {
    for seed in [1, 2, 3] {
        let (fast, slow) = (sample(s, Method::Counting, seed), sample(s, Method::PerThreat, seed + 100));
        for (i, (name, _)) in fast[0].iter().enumerate() {
            let column = |rows: &[Vec<(String, f64)>]| rows.iter().map(|r| r[i].1).collect::<Vec<f64>>();
            let (a, b) = (column(&fast), column(&slow));
            let ((m1, v1), (m2, v2)) = (common::mean_and_variance(&a), common::mean_and_variance(&b));
            let n = TRIALS as f64;
            let se = ((v1 + v2) / n).sqrt();
            assert!(
                (m1 - m2).abs() <= 4.5 * se + 1e-9,
                "{} seed {seed}, {name}: mean {m1} (counting) vs {m2} (per threat), se {se}",
                s.name
            );
            if v1 > 0.0 && v2 > 0.0 {
                let spread = ((2.0 + excess_kurtosis(&a, m1, v1)) / n + (2.0 + excess_kurtosis(&b, m2, v2)) / n).sqrt();
                assert!(
                    (v1 / v2 - 1.0).abs() <= 5.0 * spread,
                    "{} seed {seed}, {name}: variance {v1} (counting) vs {v2} (per threat), ±{:.3}",
                    s.name,
                    5.0 * spread
                );
            } else {
                assert_eq!(v1, v2, "{} seed {seed}, {name}: one method never varies", s.name);
            }
        }
    }
}

#[test]
fn counting_matches_per_threat_on_every_shipped_scenario() {
    // 12 nights keep the test quick and still run the Patriot stock dry in most trials.
    for s in common::shipped() {
        compare(&common::first_nights(s, 12));
    }
}

#[test]
fn counting_matches_per_threat_when_stock_runs_out_mid_night() {
    let s = common::scenario(
        r#"
[scenario]
name = "stock-binds"
nights = 4
[raid]
size = { poisson = 60 }
[[threat]]
name = "shahed"
share = 0.6
unit_cost = 30000
damage_on_leak = { lognormal = { median = 100000, p90 = 500000 } }
[[threat]]
name = "decoy"
share = 0.4
unit_cost = 4000
decoy = true
[defence]
ew_defeat = 0.2
decoy_discrimination = 0.4
[[layer]]
name = "guns"
doctrine = "shoot-look-shoot"
pk = 0.3
max_shots = 3
cost_per_shot = 500
coverage = 0.6
capacity = 25
stock = 150
reserve = 10
resupply_per_night = 20
engage_identified_decoys = true
[[layer]]
name = "missiles"
doctrine = "salvo"
pk = 0.8
max_shots = 2
cost_per_shot = 500000
coverage = 0.7
stock = 31
reserve = 4
resupply_per_night = 3
"#,
    );
    compare(&s);
}

#[test]
fn counting_matches_per_threat_in_raids_of_thousands() {
    // Counts this large take the samplers' large-count paths (BTPE for binomial variances above
    // 150, ln k! by Stirling for urns above 4,096 drones): those paths are compared too.
    let s = common::scenario(
        r#"
[scenario]
name = "swarm"
nights = 2
[raid]
size = { uniform = [2500, 6000] }
[[threat]]
name = "shahed"
share = 0.5
unit_cost = 30000
[[threat]]
name = "decoy"
share = 0.5
unit_cost = 4000
decoy = true
[defence]
ew_defeat = 0.3
decoy_discrimination = 0.5
[[layer]]
name = "guns"
doctrine = "shoot-look-shoot"
pk = 0.4
max_shots = 2
cost_per_shot = 500
coverage = 0.7
engage_identified_decoys = true
[[layer]]
name = "missiles"
doctrine = "salvo"
pk = 0.8
max_shots = 1
cost_per_shot = 500000
coverage = 0.5
capacity = 300
"#,
    );
    compare(&s);
}

#[test]
fn counting_matches_per_threat_when_a_later_layer_engages_recognised_decoys() {
    // Six layers that hold fire at recognised decoys behind three that do not, then one that
    // engages them again: the survivors of the first three meet the rest one by one.
    compare(&common::first_nights(common::baseline_edited(|text| text + common::LATE_GUNS), 12));
    // The first layer holds fire: no layer is counted, every threat past EW goes one by one.
    let first_holds_fire = common::baseline_edited(|text| {
        text.replacen("engage_identified_decoys = true           # cheap fire is spent on anything that flies", "", 1)
            + common::LATE_GUNS
    });
    compare(&common::first_nights(first_holds_fire, 12));
}
