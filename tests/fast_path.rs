//! The counting method (draws per night) against the per-threat reference, as distributions.
//!
//! Each comparison runs both methods on independent seeds and checks, for every per-trial campaign
//! total, that the means agree within 5 standard errors of their difference and the variances
//! within 5 relative standard deviations of their ratio, sqrt((2 + κ₁)/n + (2 + κ₂)/n) with κ each
//! sample's excess kurtosis; and, for every count of chosen nights (launched, leakers, EW, rounds,
//! kills, stock, exhausted, each series), that the two per-night distributions agree by a two-sample
//! chi-square test at a 1e-7 tail. Three seed pairs each.
//!
//! The scenarios: fixed-parameter ones (nothing drawn per trial, so a small bias is not drowned by
//! parameter draws) — one built so that every draw of the counting method moves a large count, and
//! the ceasefire's 90 nights with its truce, every distribution pinned — then every shipped scenario
//! as it is, stock running out mid-night, raids of thousands, and layers that engage recognised
//! decoys behind ones that hold fire. The checks have teeth: `each_injected_one_percent_bias_is_caught`
//! injects a 1 % error into each draw of the counting method in turn ([`Mutation`]) and requires the
//! comparison to fail on every seed.

mod common;

use salvosim::engine::{Campaign, Method, Mutation, NightLayout, TrialRecord, Workspace};
use salvosim::scenario::Scenario;

/// Means must agree within this many standard errors of their difference.
const MEAN_SE: f64 = 5.0;
/// Variances must agree within this many standard deviations of their ratio.
const VARIANCE_SD: f64 = 5.0;
/// Chi-square statistics must stay below this many standard deviations (Wilson–Hilferty z).
const CHI_SQUARE_Z: f64 = 5.2;

/// Per-trial values of one run, one column per figure.
struct Sample {
    names: Vec<String>,
    /// `columns[figure][trial]`.
    columns: Vec<Vec<f64>>,
    /// How many leading figures are campaign totals; the rest are per-night counts.
    totals: usize,
}

/// The campaign totals the outputs are built from.
fn totals(s: &Scenario, r: &TrialRecord) -> Vec<(String, f64)> {
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
            let never = s.nights + 1;
            out.push((format!("{} exhaustion night", l.name), f64::from(totals.exhaustion_night.unwrap_or(never))));
        }
    }
    // Damage is a sum of heavy-tailed draws, one per leaking strike drone: its sample variance is
    // too unstable for a normal-theory check, and what the method decides — how many leak — is
    // checked above.
    out.push(("defender spend".into(), r.defender_spend_usd));
    out
}

/// Runs `trials` trials by `method` (with `mutation`, if any) and collects the totals and the
/// counts of `nights` (0-based).
fn sample(
    s: &Scenario,
    method: Method,
    mutation: Option<Mutation>,
    seed: u64,
    trials: u64,
    nights: &[usize],
) -> Sample {
    let layout = NightLayout::new(s);
    let (mut ws, mut record) = (Workspace::default(), TrialRecord::default());
    let count_columns: Vec<usize> = (0..layout.width()).filter(|&c| layout.is_count(c)).collect();
    let mut sample = Sample { names: Vec::new(), columns: Vec::new(), totals: 0 };
    for trial in 0..trials {
        let campaign = Campaign::start(s, &layout, seed, trial, &mut ws, &mut record).with_method(method);
        match mutation {
            Some(m) => campaign.with_mutation(m).run(),
            None => campaign.run(),
        }
        let mut figures = totals(s, &record);
        let total_figures = figures.len();
        for &night in nights.iter().filter(|&&n| n < s.nights as usize) {
            let row = &record.nightly[night * layout.width()..][..layout.width()];
            for &c in &count_columns {
                let (metric, series) = &layout.columns[c];
                figures.push((format!("night {} {metric}/{series}", night + 1), row[c]));
            }
        }
        if trial == 0 {
            sample.names = figures.iter().map(|(name, _)| name.clone()).collect();
            sample.columns = vec![Vec::with_capacity(trials as usize); figures.len()];
            sample.totals = total_figures;
        }
        for (column, (_, value)) in sample.columns.iter_mut().zip(figures) {
            column.push(value);
        }
    }
    sample
}

/// Every check that finds the two samples different, with its figures; empty if none does.
fn discrepancies(fast: &Sample, slow: &Sample) -> Vec<String> {
    let mut found = Vec::new();
    for (i, name) in fast.names.iter().enumerate() {
        let (a, b) = (&fast.columns[i], &slow.columns[i]);
        if i >= fast.totals {
            let (statistic, dof) = common::two_sample_chi_square(a, b);
            if dof > 0 && statistic > common::chi_square_limit(dof, CHI_SQUARE_Z) {
                found.push(format!("{name}: chi-square {statistic:.1} over {dof} degrees of freedom"));
            }
            continue;
        }
        let ((m1, v1), (m2, v2)) = (common::mean_and_variance(a), common::mean_and_variance(b));
        let (n1, n2) = (a.len() as f64, b.len() as f64);
        let se = (v1 / n1 + v2 / n2).sqrt();
        if (m1 - m2).abs() > MEAN_SE * se + 1e-9 {
            found.push(format!("{name}: mean {m1} (counting) vs {m2} (per threat), {:.1} se", (m1 - m2).abs() / se));
        }
        if v1 > 0.0 && v2 > 0.0 {
            let spread = ((2.0 + common::excess_kurtosis(a, m1, v1)) / n1
                + (2.0 + common::excess_kurtosis(b, m2, v2)) / n2)
                .sqrt();
            if (v1 / v2 - 1.0).abs() > VARIANCE_SD * spread {
                found.push(format!("{name}: variance {v1} (counting) vs {v2} (per threat), ±{spread:.4} sd"));
            }
        } else if let Some(k) = rare_departures(a, b) {
            // One sample is constant: a figure almost always at a limit (a capacity used every
            // night). Departures from it are rare events; with equal rates, the chance that all k
            // of them fall in one sample is 2^(1−k), below 1e-7 from k = 25.
            if k >= RARE_DEPARTURES {
                found.push(format!("{name}: {k} trials depart from a value the other method never leaves"));
            }
        }
    }
    found
}

/// Departures from a constant that one sample never makes, at which the other sample's count of
/// them is flagged (a 1e-7 tail under equal rates).
const RARE_DEPARTURES: usize = 25;

/// When one sample is constant, how many values of the other depart from that constant (`None`
/// if neither is constant).
fn rare_departures(a: &[f64], b: &[f64]) -> Option<usize> {
    let constant = |x: &[f64]| x.iter().all(|&v| v == x[0]).then_some(x[0]);
    match (constant(a), constant(b)) {
        (Some(c), Some(d)) => Some(if c == d { 0 } else { RARE_DEPARTURES }),
        (Some(c), None) => Some(b.iter().filter(|&&v| v != c).count()),
        (None, Some(d)) => Some(a.iter().filter(|&&v| v != d).count()),
        (None, None) => None,
    }
}

/// Seed pairs: counting draws from the first, per-threat from the second.
const SEEDS: [(u64, u64); 3] = [(1, 101), (2, 102), (3, 103)];

/// Nights whose counts are compared as distributions (0-based; those past the end are skipped).
const NIGHTS: [usize; 6] = [0, 4, 11, 29, 60, 89];

fn compare(s: &Scenario, trials: u64) {
    for (fast_seed, slow_seed) in SEEDS {
        let fast = sample(s, Method::Counting, None, fast_seed, trials, &NIGHTS);
        let slow = sample(s, Method::PerThreat, None, slow_seed, trials, &NIGHTS);
        let found = discrepancies(&fast, &slow);
        assert!(found.is_empty(), "{} seed {fast_seed}: the methods differ:\n{}", s.name, found.join("\n"));
    }
}

/// Fixed parameters, 40 nights of 200 drones, built so that every draw of the counting method moves
/// a large count: EW and recognition thin hundreds of drones a night; the first layer engages
/// recognised decoys and its capacity always binds; the second holds fire at them and has no limit;
/// the third is a stock-bound salvo layer at its reserve for the last part of the campaign.
const TEETH: &str = r#"
[scenario]
name = "teeth"
nights = 50
[raid]
size = 200
[[threat]]
name = "shahed"
share = 0.4
unit_cost = 30000
damage_on_leak = 100000
[[threat]]
name = "decoy"
share = 0.6
unit_cost = 4000
decoy = true
[defence]
ew_defeat = 0.3
decoy_discrimination = 0.5
[[layer]]
name = "guns"
doctrine = "shoot-look-shoot"
pk = 0.35
max_shots = 3
cost_per_shot = 500
coverage = 0.6
capacity = 60
engage_identified_decoys = true
[[layer]]
name = "drones"
doctrine = "shoot-look-shoot"
pk = 0.5
max_shots = 2
cost_per_shot = 3000
coverage = 0.5
[[layer]]
name = "missiles"
doctrine = "salvo"
pk = 0.8
max_shots = 2
cost_per_shot = 500000
coverage = 0.4
stock = 1300
reserve = 60
resupply_per_night = 4
"#;

const TEETH_TRIALS: u64 = 8000;

#[test]
fn counting_matches_per_threat_with_fixed_parameters() {
    compare(&common::scenario(TEETH), TEETH_TRIALS);
}

/// A combined raid with fixed parameters: four threat types; a gun layer blind to the difference
/// between drones; a binding missile layer that engages cruise missiles before drones, each at its
/// own pk; Patriot at ballistic then cruise missiles, stock-bound, its reserve for ballistic ones;
/// and (in the second variant) a last gun layer that mixes every class again, so that the counting
/// method must line the night up after the missile layer binds.
const COMBINED: &str = r#"
[scenario]
name = "combined"
nights = 30
[raid]
size = 200
[[threat]]
name = "shahed"
kind = "drone"
share = 0.4
unit_cost = 30000
damage_on_leak = 100000
[[threat]]
name = "decoy"
kind = "drone"
share = 0.5
unit_cost = 4000
decoy = true
[[threat]]
name = "cruise"
share = 0.06
unit_cost = 10000000
damage_on_leak = 1000000
[[threat]]
name = "ballistic"
share = 0.04
unit_cost = 3000000
damage_on_leak = 1000000
ew_defeat = 0
[defence]
ew_defeat = 0.3
decoy_discrimination = 0.5
[[layer]]
name = "guns"
doctrine = "shoot-look-shoot"
pk = 0.35
max_shots = 3
cost_per_shot = 500
coverage = 0.6
capacity = 75                   # about the mean number of opportunities: binds half the nights
engage_identified_decoys = true
engages = ["drone"]
[[layer]]
name = "sam"
doctrine = "salvo"
pk = 0.8
pk_vs = { cruise = 0.6 }
max_shots = 1
cost_per_shot = 400000
coverage = 0.5
coverage_vs = { cruise = 0.8 }
capacity = 25                   # binds on about half the nights
engages = ["cruise", "drone"]
[[layer]]
name = "patriot"
doctrine = "salvo"
pk = 0.9
max_shots = 2
cost_per_shot = 4000000
coverage = 0.7
capacity = 8
stock = 300
reserve = 60
engages = ["ballistic", "cruise"]
reserve_for = ["ballistic"]
"#;

const LAST_GUNS: &str = r#"
[[layer]]
name = "last-guns"
doctrine = "shoot-look-shoot"
pk = 0.3
max_shots = 2
cost_per_shot = 300
coverage = 0.5
capacity = 30
engage_identified_decoys = true
"#;

#[test]
fn counting_matches_per_threat_in_a_combined_raid_with_priorities() {
    compare(&common::scenario(COMBINED), 4000);
}

#[test]
fn counting_matches_per_threat_when_a_combined_raid_must_be_lined_up() {
    compare(&common::scenario(&format!("{COMBINED}{LAST_GUNS}")), 4000);
}

/// The combined raid with a routine part (`per_night`) of strike drones and decoys beside the mix,
/// in raids that are sometimes smaller than it: the routine threats must arrive among the others
/// in a uniformly random order for the counting method's priority splits to stay exact.
#[test]
fn counting_matches_per_threat_with_a_routine_part_of_every_raid() {
    let routine = r#"
[[threat]]
name = "frontline"
kind = "drone"
per_night = 70
unit_cost = 30000
damage_on_leak = 100000
[[threat]]
name = "frontline-decoy"
kind = "drone"
per_night = 10
unit_cost = 4000
decoy = true
"#;
    let text =
        COMBINED.replace("size = 200", "size = { poisson = 120 }").replace("[defence]", &format!("{routine}[defence]"));
    let s = common::scenario(&text);
    assert!(s.threats.iter().filter(|t| t.per_night.is_some()).count() == 2);
    compare(&s, 4000);
}

/// The combined raid against a defence that surges for a warned raid (`surge_per_threat`): raids
/// drawn Poisson and warning drawn per trial, so tonight's capacity moves with both, binding on
/// some nights and not on others.
#[test]
fn counting_matches_per_threat_with_a_surging_defence() {
    let text = COMBINED
        .replace("size = 200", "size = { poisson = 200 }")
        .replace("capacity = 75 ", "capacity = 30\nsurge_per_threat = 0.25 ")
        .replace("capacity = 25 ", "capacity = 10\nsurge_per_threat = 0.08 ")
        .replace("[defence]", "[defence]\nearly_warning = { pert = [0.5, 0.8, 1] }");
    let s = common::scenario(&text);
    assert_eq!(s.layers.iter().filter(|l| l.surge_per_threat.mean() > 0.0).count(), 2, "two layers surge");
    compare(&s, 4000);
}

/// The combined raid made of parts: the mix is the Shaheds alone, decoys ride with them (1.25
/// per Shahed, drawn per trial), and the missiles fly nightly numbers of their own beside the
/// raid; one layer surges for all of the night's threats. Riders are counted after the mix and
/// arrive among it, so the counting method's splits must stay exact.
#[test]
fn counting_matches_per_threat_in_a_raid_made_of_parts() {
    let text = COMBINED
        .replace("size = 200", "size = { poisson = 90 }")
        .replace("share = 0.4\n", "share = 1\n")
        .replace("share = 0.5\n", "per = { shahed = { uniform = [1, 1.5] } }\n")
        .replace("share = 0.06\n", "nightly_mean = 12\n")
        .replace("share = 0.04\n", "nightly_mean = { uniform = [4, 8] }\n")
        .replace("capacity = 75 ", "capacity = 30\nsurge_per_threat = 0.2 ");
    let s = common::scenario(&text);
    assert_eq!(s.threats.iter().filter(|t| t.beside_raid()).count(), 3, "three types beside the raid");
    compare(&s, 4000);
}

#[test]
fn counting_matches_per_threat_over_the_ceasefire_pinned() {
    // 90 nights: 30 of raids, the 30-night truce (no raids, resupply and production go on), 30 of
    // raids; attacker inventory; stock-bound missile layers at their reserve for much of it.
    let text = common::pinned(&common::shipped_text("scenarios/ceasefire.toml"));
    compare(&common::scenario(&text), 2000);
}

#[test]
fn each_injected_one_percent_bias_is_caught() {
    let s = common::scenario(TEETH);
    let (guns, drones, missiles) = (0, 1, 2);
    let bias = 0.01;
    let mutations = [
        Mutation::Ew { bias },
        Mutation::Recognition { bias },
        Mutation::Opportunity { layer: drones, bias },
        Mutation::Opportunity { layer: missiles, bias },
        Mutation::Kill { layer: guns, bias },
        Mutation::Kill { layer: drones, bias },
        Mutation::KillingRound { layer: guns, bias },
        Mutation::Capacity { layer: guns, bias },
        Mutation::GroupSplit { bias },
        // Right on average, 10 % off in spread: only the variance and chi-square checks see it.
        Mutation::EwSpread { bias: 0.1 },
    ];
    for (fast_seed, slow_seed) in SEEDS {
        let slow = sample(&s, Method::PerThreat, None, slow_seed, TEETH_TRIALS, &NIGHTS);
        for mutation in mutations {
            let fast = sample(&s, Method::Counting, Some(mutation), fast_seed, TEETH_TRIALS, &NIGHTS);
            let found = discrepancies(&fast, &slow);
            println!(
                "{mutation:?}, seed {fast_seed}: caught by {} check(s), first {:?}",
                found.len(),
                &found[..found.len().min(3)]
            );
            assert!(!found.is_empty(), "{mutation:?} passed the comparison on seed {fast_seed}");
        }
    }
}

#[test]
fn counting_matches_per_threat_on_every_shipped_scenario() {
    // 12 nights keep the test quick and still run the Patriot stock dry in most trials.
    for s in common::shipped() {
        compare(&common::first_nights(s, 12), 3000);
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
    compare(&s, 3000);
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
    compare(&s, 3000);
}

#[test]
fn counting_matches_per_threat_when_a_later_layer_engages_recognised_decoys() {
    // Six layers that hold fire at recognised decoys behind three that do not, then one that
    // engages them again: the survivors of the first three meet the rest one by one.
    compare(&common::first_nights(common::baseline_edited(|text| text + common::LATE_GUNS), 12), 3000);
    // The first layer holds fire: no layer is counted, every threat past EW goes one by one.
    let first_holds_fire = common::baseline_edited(|text| {
        text.replacen("engage_identified_decoys = true           # cheap fire is spent on anything that flies", "", 1)
            + common::LATE_GUNS
    });
    compare(&common::first_nights(first_holds_fire, 12), 3000);
}
