//! Criterion benches of the simulation core, throughput counted in threats. Fixed seeds.
//! `cargo bench` runs them all; README "Performance" has the figures and the method.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use salvosim::engine::{self, Campaign, Method, NightLayout, Silent, TrialRecord, Workspace, simulate};
use salvosim::scenario::{self, Override, Scenario};

#[path = "../tests/common/mod.rs"]
mod common;

const SEED: u64 = 20250305;

fn baseline(sets: &[&str]) -> Scenario {
    let sets: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    scenario::load(Path::new("scenarios/baseline.toml"), &sets).unwrap().scenario
}

/// Mean threats launched per trial over the first `trials` trials under [`SEED`], for throughput:
/// the trials a bench runs, counted as they are (trial 0 alone sits 4-7 % above the mean).
fn mean_threats_per_trial(s: &Scenario, trials: u64) -> f64 {
    let aggregate = engine::run(s, trials, SEED, &Silent).unwrap();
    aggregate.threats.iter().map(|t| t.launched.stats().unwrap().mean).sum()
}

/// A 100-threat night threat by threat (the reference method) through EW and the baseline's
/// layers, the stocks and capacities of six of them unlimited so that every iteration meets nearly
/// the same defence (the aviation layer keeps its nightly sortie capacity).
fn one_threat(c: &mut Criterion) {
    let unlimited: Vec<String> =
        ["mobile-fire-group", "gepard", "interceptor-drones", "shorad-missile", "nasams", "patriot"]
            .iter()
            .flat_map(|l| [format!("layer.{l}.capacity=1000000000000"), format!("layer.{l}.stock=1000000000000")])
            .collect();
    let mut sets: Vec<&str> = unlimited.iter().map(String::as_str).collect();
    sets.push("raid.size=100");
    let s = baseline(&sets);
    let layout = NightLayout::new(&s);
    let (mut ws, mut record) = (Workspace::default(), TrialRecord::default());
    let mut campaign = Campaign::start(&s, &layout, SEED, 0, &mut ws, &mut record).with_method(Method::PerThreat);
    let mut group = c.benchmark_group("threat");
    group.throughput(Throughput::Elements(100));
    group.bench_function("one by one through six layers", |b| b.iter(|| campaign.night(black_box(0))));
    group.finish();
}

/// One night (and the trial set-up before it) at fixed raid sizes.
fn one_night(c: &mut Criterion) {
    let mut group = c.benchmark_group("night");
    for size in [50u64, 100, 400, 800] {
        let s = baseline(&["scenario.nights=1", &format!("raid.size={size}")]);
        let layout = NightLayout::new(&s);
        let (mut ws, mut record) = (Workspace::default(), TrialRecord::default());
        group.throughput(Throughput::Elements(size));
        let mut trial = 0;
        group.bench_with_input(BenchmarkId::new("raid size", size), &size, |b, _| {
            b.iter(|| {
                trial += 1;
                simulate(&s, &layout, SEED, black_box(trial), &mut ws, &mut record);
            })
        });
    }
    group.finish();
}

/// One 60-night trial of the baseline, and of the baseline with a last gun layer that engages
/// recognised decoys again (the survivors of the first three layers then go one by one).
fn one_trial(c: &mut Criterion) {
    let text = std::fs::read_to_string("scenarios/baseline.toml").unwrap() + common::LATE_GUNS;
    let sixty_nights = [Override::parse("scenario.nights=60").unwrap()];
    let with_late_guns = scenario::parse(&text, Path::new("late-guns.toml"), &sixty_nights).unwrap().scenario;
    let mut group = c.benchmark_group("trial");
    for (name, s) in [
        ("baseline, 60 nights", baseline(&["scenario.nights=60"])),
        ("baseline + late guns, 60 nights", with_late_guns),
    ] {
        let layout = NightLayout::new(&s);
        let (mut ws, mut record) = (Workspace::default(), TrialRecord::default());
        group.throughput(Throughput::Elements(mean_threats_per_trial(&s, 20_000).round() as u64));
        let mut trial = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                trial += 1;
                simulate(&s, &layout, SEED, black_box(trial), &mut ws, &mut record);
            })
        });
    }
    group.finish();
}

/// 10,000 trials of the baseline (30 nights) on all cores, aggregation included.
fn full_run(c: &mut Criterion) {
    let s = baseline(&[]);
    let trials = 10_000;
    let mut group = c.benchmark_group("run");
    group.sample_size(10);
    // Every run simulates the same trials, so this is the count of threats each one simulates.
    group.throughput(Throughput::Elements((mean_threats_per_trial(&s, trials) * trials as f64).round() as u64));
    group.bench_function("baseline, 10,000 trials, all cores", |b| {
        b.iter(|| engine::run(&s, black_box(trials), SEED, &Silent).unwrap())
    });
    group.finish();
}

/// Whole runs (aggregation included) of every shipped scenario and of the stress set — scenarios
/// the baseline does not stress — on a pool of 1 and of 2 threads, throughput in the threats
/// actually simulated. `cargo bench -- scenarios` runs them; README "Performance" has the table.
fn scenarios(c: &mut Criterion) {
    let late_guns = {
        let text = std::fs::read_to_string("scenarios/baseline.toml").unwrap() + common::LATE_GUNS;
        scenario::parse(&text, Path::new("late-guns.toml"), &[]).unwrap().scenario
    };
    let shipped = common::shipped_files().into_iter().map(|path| {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        (name, scenario::load(&path, &[]).unwrap().scenario)
    });
    let stress = [
        (
            "stress: many leakers, PERT damage",
            baseline(&[
                "defence.early_warning=0.3",
                "threat.shahed.damage_on_leak={ pert = [20000, 150000, 2000000] }",
            ]),
        ),
        ("stress: many leakers, lognormal damage", baseline(&["defence.early_warning=0.3"])),
        (
            "stress: missile layers at their reserve",
            baseline(&["layer.nasams.stock=45", "layer.shorad-missile.stock=35", "layer.patriot.stock=42"]),
        ),
        ("stress: capacity-limited first layer", baseline(&["layer.mobile-fire-group.capacity=40"])),
        ("stress: 90 nights", baseline(&["scenario.nights=90"])),
        ("stress: 1,000-drone nights", baseline(&["raid.size=1000"])),
        ("stress: late layer engaging recognised decoys", late_guns),
    ];
    let cases: Vec<(String, Scenario)> =
        shipped.chain(stress.into_iter().map(|(name, s)| (name.to_string(), s))).collect();
    let trials = 4000;
    let mut group = c.benchmark_group("scenarios");
    group.sample_size(10);
    for (name, s) in &cases {
        let threats = (mean_threats_per_trial(s, trials) * trials as f64).round() as u64;
        group.throughput(Throughput::Elements(threats));
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            group.bench_function(format!("{name}, {threads} thread(s)"), |b| {
                b.iter(|| pool.install(|| engine::run(s, black_box(trials), SEED, &Silent).unwrap()))
            });
        }
    }
    group.finish();
}

/// The cost of one uniform draw from the trial generator: the unit of the draw-count bound.
fn one_draw(c: &mut Criterion) {
    use rand::RngExt;
    let mut rng = salvosim::engine::rng::trial_rng(SEED, 0);
    let mut group = c.benchmark_group("rng");
    group.throughput(Throughput::Elements(1));
    group.bench_function("uniform f64", |b| b.iter(|| black_box(rng.random::<f64>())));
    group.finish();
}

/// The counting method's samplers at the sizes a baseline night draws (`n` arriving, `p`), one
/// per path: Bernoulli sum (n ≤ 16), inversion from the mode, BTPE, hypergeometric split; and
/// a PERT damage draw by each of its two samplers.
fn samplers(c: &mut Criterion) {
    use salvosim::engine::draw::{Chance, binomial, hypergeometric};
    let mut rng = salvosim::engine::rng::trial_rng(SEED, 0);
    let mut group = c.benchmark_group("draw");
    group.throughput(Throughput::Elements(1));
    for (n, p) in [(12u64, 0.4f64), (30, 0.3), (90, 0.2), (134, 0.45), (700, 0.45)] {
        let chance = Chance::new(p);
        group.bench_function(format!("binomial n={n} p={p}"), |b| b.iter(|| binomial(&mut rng, black_box(n), &chance)));
    }
    group.bench_function("hypergeometric 25 of 90, 15 marked", |b| {
        b.iter(|| hypergeometric(&mut rng, black_box(90), 15, 25))
    });
    // Damage per leaker, PERT [20,000, 150,000, 2,000,000] (the stress set's): rand_distr's
    // sampler (per-trial fields) against the table-driven one (fields drawn per event).
    use salvosim::scenario::{Kind, Param, ParamSpec};
    let pert = ParamSpec::Pert { lo: 20_000.0, mode: 150_000.0, hi: 2_000_000.0 };
    let per_trial = Param::new(&pert, Kind::Money).unwrap();
    let per_event = per_trial.clone().drawn_per_event();
    group.bench_function("pert, rand_distr", |b| b.iter(|| per_trial.sample(&mut rng)));
    group.bench_function("pert, table", |b| b.iter(|| per_event.sample(&mut rng)));
    group.finish();
}

criterion_group!(benches, one_draw, samplers, one_threat, one_night, one_trial, full_run, scenarios);
criterion_main!(benches);
