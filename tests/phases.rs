//! Phases that change number fields (`set`) and phases given by dates: exact identities in every
//! trial and closed forms as distributions, under both methods (odd seeds per threat, even seeds
//! counting; see `common::SEEDS`).

mod common;

use common::{SEEDS, assert_distribution, per_trial_figures, scenario};
use salvosim::engine::NightLayout;

const TRIALS: u64 = 20_000;

/// A scenario of `raid` Shahed-type drones a night (`[scenario]` fields `scenario`), no damage, and
/// `rest`: the defence, layers and phases.
fn drones(scenario: &str, raid: u32, rest: &str) -> String {
    format!(
        "[scenario]\n{scenario}\n[raid]\nsize = {raid}\n[[threat]]\nname = \"shahed\"\nshare = 1\nunit_cost = 30000\ndamage_on_leak = 0\n{rest}\n"
    )
}

/// One layer that kills whatever it engages, up to its capacity: 10 a night, 30 on nights 6-10.
fn capacity() -> String {
    drones(
        r#"name = "phased-capacity"
nights = 10"#,
        50,
        r#"[[layer]]
name = "guns"
doctrine = "salvo"
pk = 1
max_shots = 1
cost_per_shot = 100
coverage = 1
capacity = 10
[[phase]]
name = "more guns"
nights = [6, 10]
set = { "layer.guns.capacity" = 30 }"#,
    )
}

#[test]
fn a_phase_changes_a_capacity_for_its_nights_only() {
    let s = scenario(&capacity());
    let layout = NightLayout::new(&s);
    for seed in SEEDS {
        let [kills] = per_trial_figures(&s, seed, 200, |r| {
            let per_night: Vec<f64> = (0..10).map(|n| r.nightly[n * layout.width() + layout.kills(0)]).collect();
            let expected: Vec<f64> = (0..10).map(|n| if n < 5 { 10.0 } else { 30.0 }).collect();
            [if per_night == expected { 1.0 } else { 0.0 }]
        });
        assert!(kills.iter().all(|&ok| ok == 1.0), "seed {seed}: kills per night are not 10 then 30");
    }
}

/// EW defeats 20 % of 100 drones a night, 50 % from 2025-03-04 to 2025-03-06 (nights 4-6); nothing
/// else acts.
fn ew() -> String {
    drones(
        r#"name = "phased-ew"
nights = 8
start_date = "2025-03-01""#,
        100,
        r#"[defence]
ew_defeat = 0.2
[[layer]]
name = "guns"
doctrine = "salvo"
pk = 0.5
max_shots = 1
cost_per_shot = 100
coverage = 0
[[phase]]
name = "new jammers"
dates = ["2025-03-04", "2025-03-06"]
set = { "defence.ew_defeat" = 0.5 }"#,
    )
}

#[test]
fn a_dated_phase_changes_ew_on_its_dates_as_a_binomial() {
    let s = scenario(&ew());
    assert_eq!((s.plan.phases[0].first, s.plan.phases[0].last), (4, 6));
    let layout = NightLayout::new(&s);
    for seed in SEEDS {
        let figures = per_trial_figures(&s, seed, TRIALS, |r| {
            std::array::from_fn::<f64, 8, _>(|n| r.nightly[n * layout.width() + layout.ew_defeated()])
        });
        for (night, values) in figures.iter().enumerate() {
            let p = if (3..6).contains(&night) { 0.5 } else { 0.2 };
            assert_distribution(values, 100.0 * p, 100.0 * p * (1.0 - p), &format!("seed {seed} night {}", night + 1));
        }
    }
}

/// A finite stock of 100 fired at 50 a night runs dry on night 2; a delivery raises it to 500 on
/// night 4, when a phase also doubles the kill probability per round and halves coverage.
fn delivery() -> String {
    drones(
        r#"name = "delivery"
nights = 6"#,
        50,
        r#"[[layer]]
name = "sam"
doctrine = "salvo"
pk = 0.4
max_shots = 1
cost_per_shot = 1000
coverage = 1
stock = 100
[[phase]]
name = "delivery"
nights = [4, 6]
set = { "layer.sam.stock" = 500, "layer.sam.pk" = 0.8, "layer.sam.coverage" = 0.5 }"#,
    )
}

#[test]
fn a_delivery_raises_the_stock_and_is_booked_as_resupply() {
    let s = scenario(&delivery());
    let layout = NightLayout::new(&s);
    for seed in SEEDS {
        let [ok, kills_after] = per_trial_figures(&s, seed, TRIALS, |r| {
            let night = |n: usize, column: usize| r.nightly[n * layout.width() + column];
            let stock: Vec<f64> = (0..6).map(|n| night(n, layout.stock(0))).collect();
            let rounds: Vec<f64> = (0..6).map(|n| night(n, layout.rounds(0))).collect();
            let totals = &r.layers[0];
            let conserved =
                totals.initial_stock.unwrap() + totals.resupplied == totals.final_stock.unwrap() + totals.rounds;
            let walk =
                stock[..3] == [50.0, 0.0, 0.0] && stock[3] == 500.0 - rounds[3] && rounds[..3] == [50.0, 50.0, 0.0];
            let after: f64 = (3..6).map(|n| night(n, layout.kills(0))).sum();
            [if conserved && walk && totals.resupplied == 500 { 1.0 } else { 0.0 }, after]
        });
        assert!(ok.iter().all(|&v| v == 1.0), "seed {seed}: stock walk or conservation broken");
        // Nights 4-6: 50 drones a night, each engaged with probability 0.5 and killed with 0.8.
        let p = 0.5 * 0.8;
        assert_distribution(
            &kills_after,
            150.0 * p,
            150.0 * p * (1.0 - p),
            &format!("seed {seed} kills on nights 4-6"),
        );
    }
}

#[test]
fn phases_without_set_draw_exactly_as_before() {
    // A scenario with no `set` makes no extra draws: the shipped golden runs stay byte-identical
    // (tests/golden.rs); here, the same scenario with an empty-handed phase added runs the same.
    let text = capacity();
    let plain = scenario(&text.replace("set = { \"layer.guns.capacity\" = 30 }", ""));
    let without = scenario(&text[..text.find("[[phase]]").unwrap()]);
    for seed in [1, 2] {
        let a = per_trial_figures(&plain, seed, 50, |r| [r.layers[0].kills as f64]);
        let b = per_trial_figures(&without, seed, 50, |r| [r.layers[0].kills as f64]);
        assert_eq!(a, b);
    }
}

#[test]
fn a_phase_set_field_is_a_set_and_fit_path() {
    let s = scenario(&capacity());
    let path = "phase.more guns.set.layer.guns.capacity";
    let mut copy = s.clone();
    assert!(copy.params_mut().iter().any(|(p, _)| p == path), "params_mut lists the phase's field");
    let pinned = salvosim::sensitivity::pinned(&s, path, 20.0).unwrap();
    let layout = NightLayout::new(&pinned);
    let [kills] = per_trial_figures(&pinned, 2, 20, |r| [r.nightly[7 * layout.width() + layout.kills(0)]]);
    assert!(kills.iter().all(|&k| k == 20.0), "night 8 kills the pinned capacity: {kills:?}");
    let with_set = salvosim::scenario::Override::parse(&format!("{path}=25")).unwrap();
    let loaded = salvosim::scenario::parse(&capacity(), std::path::Path::new("x.toml"), &[with_set]).unwrap();
    let [kills] = per_trial_figures(&loaded.scenario, 1, 20, |r| [r.nightly[7 * layout.width() + layout.kills(0)]]);
    assert!(kills.iter().all(|&k| k == 25.0), "--set reaches the phase's field: {kills:?}");
}

/// A routine part of 20 a night, 70 on nights 4-6 (more than the raid of 50: all of it), by a
/// phase's `set`: each night's routine launches are exactly min(part, 50), the mix takes the rest.
#[test]
fn a_phase_changes_the_routine_part_for_its_nights_only() {
    let text = drones(
        "name = \"phased-routine\"\nnights = 8",
        50,
        "[[threat]]\nname = \"routine\"\nper_night = 20\nunit_cost = 30000\n[[layer]]\nname = \"guns\"\n\
         doctrine = \"salvo\"\npk = 0.5\nmax_shots = 1\ncost_per_shot = 100\n[[phase]]\nname = \"surge\"\n\
         nights = [4, 6]\nset = { \"threat.routine.per_night\" = 70 }",
    );
    let s = scenario(&text);
    let layout = NightLayout::new(&s);
    for seed in SEEDS {
        let [ok] = per_trial_figures(&s, seed, 200, |r| {
            let night = |n: usize, t: usize| r.nightly[n * layout.width() + layout.launched(t)];
            let expected = |n: usize| if (3..6).contains(&n) { 50.0 } else { 20.0 };
            [if (0..8).all(|n| night(n, 1) == expected(n) && night(n, 0) == 50.0 - expected(n)) { 1.0 } else { 0.0 }]
        });
        assert!(ok.iter().all(|&x| x == 1.0), "seed {seed}: routine launches are not 20, then 50 on nights 4-6");
    }
}

/// A layer that kills whatever it engages, capacity 10 and a surge of 0.3 per threat: on a raid of
/// 50 at warning 0.6 it kills 10 + ⌊0.3 × 0.6 × 50⌋ = 19 a night; a phase on nights 4-6 raises the
/// surge to 0.8 (10 + 24 = 34) and another on nights 7-8 drops the warning to 0 (no surge: 10).
#[test]
fn the_surge_follows_the_raid_the_warning_and_the_phase() {
    let text = drones(
        "name = \"phased-surge\"\nnights = 8",
        50,
        "[defence]\nearly_warning = 0.6\n[[layer]]\nname = \"guns\"\ndoctrine = \"salvo\"\npk = 1\nmax_shots = 1\n\
         cost_per_shot = 100\ncoverage = 1\nwarning_sensitivity = 0\ncapacity = 10\nsurge_per_threat = 0.3\n\
         [[phase]]\nname = \"alert\"\nnights = [4, 6]\nset = { \"layer.guns.surge_per_threat\" = 0.8 }\n\
         [[phase]]\nname = \"blind\"\nnights = [7, 8]\nearly_warning = 0",
    );
    let s = scenario(&text);
    let layout = NightLayout::new(&s);
    let expected = [19.0, 19.0, 19.0, 34.0, 34.0, 34.0, 10.0, 10.0];
    for seed in SEEDS {
        let [ok] = per_trial_figures(&s, seed, 100, |r| {
            let kills = |n: usize| r.nightly[n * layout.width() + layout.kills(0)];
            [if (0..8).all(|n| kills(n) == expected[n]) { 1.0 } else { 0.0 }]
        });
        assert!(ok.iter().all(|&x| x == 1.0), "seed {seed}: kills a night are not {expected:?}");
    }
}
