//! What each command does, as a straight pipeline: load → simulate → write → report. Where
//! files go is decided by `salvosim::output`; what is printed comes from `output::console`.

use std::path::Path;

use salvosim::charts::ChartData;
use salvosim::engine;
use salvosim::output::{self, RunInfo};
use salvosim::report;
use salvosim::results;
use salvosim::scenario::{self, InputError, Loaded, Override};
use salvosim::sensitivity::{self, Input};
use salvosim::shard::{self, ShardFile, ShardSpec};
use salvosim::sweep::{self, Axis};

use super::Failure;
use super::args::{
    Engine, EngineArgs, MergeArgs, ReportArgs, RunArgs, ScenarioArgs, SensitivityArgs, SweepArgs, ValidateArgs,
    argument_error,
};
use super::progress::{Bar, progress_bar};

pub(super) fn load(args: &ScenarioArgs) -> Result<Loaded, InputError> {
    let sets = args.sets.iter().map(|s| Override::parse(s)).collect::<Result<Vec<_>, _>>()?;
    let loaded = salvosim::replay::load(&args.scenario, &sets)?;
    for set in &sets {
        if let Some(note) = scenario::coupling(&loaded.scenario, &set.path.join(".")) {
            eprintln!("note: --set {note}");
        }
    }
    Ok(loaded)
}

pub(super) fn validate_file(args: &ValidateArgs) -> Result<(), Failure> {
    let loaded = load(&args.input)?;
    if args.resolved {
        print!("{}", loaded.source);
        return Ok(());
    }
    println!(
        "{}: ok ({} threats, {} layers, {} nights)",
        args.input.scenario.display(),
        loaded.scenario.threats.len(),
        loaded.scenario.layers.len(),
        loaded.scenario.nights
    );
    Ok(())
}

fn run_info(hash: &str, engine: &Engine) -> RunInfo {
    RunInfo {
        scenario_hash: hash.to_string(),
        seed: engine.seed,
        trials: engine.trials,
        version: env!("CARGO_PKG_VERSION").into(),
        precision: engine.precision.clone(),
    }
}

/// The engine's stopping rule for `engine`'s precision, if any.
fn stop_rule(engine: &Engine) -> Option<impl Fn(&engine::Aggregate) -> bool + Sync + '_> {
    engine.precision.as_ref().map(|precision| move |so_far: &engine::Aggregate| precision.reached(so_far))
}

pub(super) fn run_campaign(args: &RunArgs) -> Result<(), Failure> {
    let loaded = load(&args.input)?;
    let scenario = &loaded.scenario;
    let engine = args.engine.resolve(scenario)?;
    engine.check_memory(&[scenario], &loaded.file)?;
    if let Some(spec) = &args.shard {
        let chunks = engine::chunk_count(engine.trials);
        return run_shard(&args.engine, &loaded, &[], &engine, ShardSpec::parse(spec)?, chunks, |units, bar| {
            shard::run_units(&[scenario], engine.trials, engine.seed, units, bar, engine.precision.is_some())
        });
    }
    let dir = args.engine.output.out.clone().unwrap_or_else(|| output::default_dir(scenario));
    let staging = output::Staging::begin(&dir, args.engine.output.replace(results::SUMMARY_JSON))?;

    let bar = progress_bar(engine.trials, args.engine.output.quiet);
    let rule = stop_rule(&engine);
    let stop = rule.as_ref().map(|r| r as engine::StopRule);
    let aggregate = engine.pool.install(|| engine::run_until(scenario, engine.trials, engine.seed, &bar, stop));
    bar.0.finish_and_clear();
    let aggregate = aggregate?;

    let info = run_info(&loaded.hash, &engine);
    let what =
        Publish { no_charts: args.engine.output.no_charts, quiet: args.engine.output.quiet, report: args.report };
    publish(staging, &dir, &info, &loaded, &aggregate, what)
}

/// What a run's folder gets beyond its results, and what is printed.
struct Publish {
    no_charts: bool,
    quiet: bool,
    report: bool,
}

/// Writes a run's results, charts and report into `staging`, swaps them into `dir`, and reports.
fn publish(
    staging: output::Staging,
    dir: &Path,
    info: &RunInfo,
    loaded: &Loaded,
    aggregate: &engine::Aggregate,
    what: Publish,
) -> Result<(), Failure> {
    // The report shows the charts, so it draws them even with --no-charts.
    output::write_run(staging.path(), info, loaded, aggregate, !what.no_charts, what.report)?;
    staging.commit()?;
    if !what.quiet {
        print!("{}", output::console::summary(info, &loaded.scenario, aggregate));
        println!("\nwrote {}/{{{}, {}}}", dir.display(), results::SUMMARY_JSON, results::NIGHTS_CSV);
        if !what.no_charts {
            println!("charts in {}/", dir.join(results::CHARTS_DIR).display());
        }
        if what.report {
            println!("report: {}", dir.join(results::REPORT_HTML).display());
        }
    }
    Ok(())
}

/// Runs `spec`'s share of `total` units (`run` turns a unit index into work) and writes its shard
/// file.
fn run_shard(
    engine_args: &EngineArgs,
    loaded: &Loaded,
    vary: &[String],
    engine: &Engine,
    spec: ShardSpec,
    total: u64,
    run: impl Fn(std::ops::Range<u64>, &Bar) -> Result<Vec<shard::UnitResult>, engine::Cancelled> + Sync,
) -> Result<(), Failure> {
    let dir = engine_args.output.out.clone().unwrap_or_else(|| output::default_shard_dir(&loaded.scenario));
    let units = spec.units(total);
    let trials = shard::trials_in(units.clone(), engine.trials);
    let bar = progress_bar(trials, engine_args.output.quiet);
    let done = engine.pool.install(|| run(units.clone(), &bar));
    bar.0.finish_and_clear();
    let shard = ShardFile::new(loaded, vary, engine.seed, engine.trials, spec, done?, engine.precision.clone());
    let path = output::write_shard(&dir, &spec.file_name(), &shard)?;
    if !engine_args.output.quiet {
        println!(
            "wrote shard {} of {} ({} units, {trials} trials) to {}",
            spec.index,
            spec.count,
            units.end - units.start,
            path.display()
        );
    }
    Ok(())
}

pub(super) fn merge_shards(args: &MergeArgs) -> Result<(), Failure> {
    let merged = shard::merge(&args.shards)?;
    let base = &merged.loaded;
    let info = RunInfo {
        scenario_hash: base.hash.clone(),
        seed: merged.seed,
        trials: merged.trials,
        version: env!("CARGO_PKG_VERSION").into(),
        precision: merged.precision.clone(),
    };
    if merged.axes.is_empty() {
        let dir = args.output.out.clone().unwrap_or_else(|| output::default_dir(&base.scenario));
        let staging = output::Staging::begin(&dir, args.output.replace(results::SUMMARY_JSON))?;
        let what = Publish { no_charts: args.output.no_charts, quiet: args.output.quiet, report: false };
        return publish(staging, &dir, &info, base, &merged.aggregates[0], what);
    }
    let dir = args.output.out.clone().unwrap_or_else(|| output::default_sweep_dir(&base.scenario));
    let staging = output::Staging::begin(&dir, args.output.replace(results::SWEEP_JSON))?;
    let finished =
        output::SweepRun { base, axes: &merged.axes, points: &merged.points, aggregates: &merged.aggregates, info };
    publish_sweep(staging, &dir, &finished, &[], args.output.no_charts, args.output.quiet)
}

pub(super) fn run_sweep(args: &SweepArgs) -> Result<(), Failure> {
    let base = load(&args.input)?;
    let axes = args.vary.iter().map(|v| Axis::parse(v)).collect::<Result<Vec<_>, _>>()?;
    if axes.len() > 2 {
        return Err(argument_error("--vary", axes.len(), "one --vary gives a curve, two a grid; at most two").into());
    }
    let points = sweep::points(&base, &axes)?;
    let labels = args
        .labels
        .iter()
        .map(|text| {
            let (path, words) =
                text.split_once('=').ok_or_else(|| argument_error("--label", text, "expected PATH=TEXT"))?;
            Ok((path.trim().to_string(), words.trim().to_string()))
        })
        .collect::<Result<Vec<_>, InputError>>()?;
    let engine = args.engine.resolve(&base.scenario)?;
    let scenarios: Vec<&scenario::Scenario> = points.iter().map(|p| &p.loaded.scenario).collect();
    engine.check_memory(&scenarios, &base.file)?;
    if let Some(spec) = &args.shard {
        let total = points.len() as u64 * engine::chunk_count(engine.trials);
        return run_shard(&args.engine, &base, &args.vary, &engine, ShardSpec::parse(spec)?, total, |units, bar| {
            shard::run_units(&scenarios, engine.trials, engine.seed, units, bar, engine.precision.is_some())
        });
    }
    let dir = args.engine.output.out.clone().unwrap_or_else(|| output::default_sweep_dir(&base.scenario));
    let staging = output::Staging::begin(&dir, args.engine.output.replace(results::SWEEP_JSON))?;

    let bar = progress_bar(engine.trials * points.len() as u64, args.engine.output.quiet);
    let rule = stop_rule(&engine);
    let stop = rule.as_ref().map(|r| r as engine::StopRule);
    let aggregates = engine.pool.install(|| sweep::run(&points, engine.trials, engine.seed, &bar, stop));
    bar.0.finish_and_clear();
    let aggregates = aggregates?;
    let info = run_info(&base.hash, &engine);
    let finished = output::SweepRun { base: &base, axes: &axes, points: &points, aggregates: &aggregates, info };
    publish_sweep(staging, &dir, &finished, &labels, args.engine.output.no_charts, args.engine.output.quiet)
}

/// Writes a sweep's folder into `staging`, swaps it into `dir`, and reports.
fn publish_sweep(
    staging: output::Staging,
    dir: &Path,
    finished: &output::SweepRun,
    labels: &[(String, String)],
    no_charts: bool,
    quiet: bool,
) -> Result<(), Failure> {
    let table = output::write_sweep_run(staging.path(), finished, labels, !no_charts)?;
    staging.commit()?;
    if !quiet {
        sweep::notes(&finished.base.scenario, finished.axes)
            .iter()
            .flatten()
            .for_each(|note| eprintln!("note: {note}"));
        println!("{}", output::console::sweep_table(finished.axes, &table));
        println!(
            "wrote {}/{{{}, {}}} and {}/NNN/",
            dir.display(),
            results::SWEEP_CSV,
            results::SWEEP_JSON,
            results::POINTS_DIR
        );
    }
    Ok(())
}

pub(super) fn run_sensitivity(args: &SensitivityArgs) -> Result<(), Failure> {
    let loaded = load(&args.input)?;
    let scenario = &loaded.scenario;
    let engine = args.engine.resolve(scenario)?;
    engine.check_memory(&[scenario], &loaded.file)?;
    if engine.precision.is_some() {
        let problem =
            "is not used by sensitivity: every run must have the same trials for their differences to be effects";
        return Err(InputError::argument("--precision", problem).into());
    }
    let extra = args.vary.iter().map(|text| pinned_pair(scenario, text)).collect::<Result<Vec<_>, _>>()?;
    let inputs = sensitivity::inputs(scenario, &extra);
    if inputs.is_empty() {
        let problem = "no field of this scenario is a distribution: give fields to vary with --vary PATH=LO:HI";
        return Err(InputError::argument(loaded.file.display().to_string(), problem).into());
    }
    let known = sensitivity::metric_names(scenario);
    let defaults = ["cost_exchange_ratio", "cost_exchange_ratio_with_damage", "leak_rate"].map(String::from);
    let chart_metrics = if args.metrics.is_empty() { defaults.to_vec() } else { args.metrics.clone() };
    if let Some(unknown) = chart_metrics.iter().find(|m| !known.contains(m)) {
        return Err(argument_error("--metric", unknown, &format!("allowed: {}", known.join(", "))).into());
    }
    let dir = args.engine.output.out.clone().unwrap_or_else(|| output::default_sensitivity_dir(scenario));
    let staging = output::Staging::begin(&dir, args.engine.output.replace(results::SENSITIVITY_JSON))?;

    let bar = progress_bar(engine.trials * (1 + 2 * inputs.len() as u64), args.engine.output.quiet);
    let rows = engine.pool.install(|| sensitivity::run(scenario, &inputs, engine.trials, engine.seed, &bar));
    bar.0.finish_and_clear();
    let info = run_info(&loaded.hash, &engine);
    let data = salvosim::charts::tornado::TornadoData {
        scenario: scenario.name.clone(),
        trials: engine.trials,
        seed: engine.seed,
        version: info.version.clone(),
        rows: rows?,
        names: salvosim::scenario::labels::Names::of(scenario),
    };
    let charted = if args.engine.output.no_charts { &[][..] } else { &chart_metrics[..] };
    output::write_sensitivity(staging.path(), &info, &data, charted)?;
    staging.commit()?;
    if !args.engine.output.quiet {
        print!("{}", output::console::sensitivity_table(&data.rows, &chart_metrics));
        println!("wrote {}/{{{}, {}}}", dir.display(), results::SENSITIVITY_CSV, results::SENSITIVITY_JSON);
    }
    Ok(())
}

/// `PATH=LO:HI` of `sensitivity --vary`, checked against the scenario's fields.
fn pinned_pair(scenario: &scenario::Scenario, text: &str) -> Result<Input, InputError> {
    let err = |problem: String| InputError::argument(format!("--vary {text}"), problem);
    let input = Input::parse(text).map_err(err)?;
    input.check(scenario).map_err(err)?;
    Ok(input)
}

/// Adds the briefing report to a saved run's folder (rewritten whole, as every write is).
pub(super) fn write_report(args: &ReportArgs) -> Result<(), Failure> {
    let not_a = |dir: &Path, what: &str, e: anyhow::Error| {
        InputError::argument(dir.display().to_string(), format!("not a salvosim {what} folder: {e:#}"))
    };
    for (dir, what, file) in [
        (Some(&args.dir), "results", results::SUMMARY_JSON),
        (args.sensitivity.as_ref(), "sensitivity", results::SENSITIVITY_JSON),
        (args.sweep.as_ref(), "sweep", results::SWEEP_JSON),
        (args.optimise.as_ref(), "optimise", results::OPTIMISE_JSON),
        (args.compare.as_ref(), "compare", results::COMPARE_JSON),
        (args.contest.as_ref(), "contest", results::CONTEST_JSON),
    ] {
        if let Some(dir) = dir.filter(|d| !d.join(file).is_file()) {
            return Err(not_a(dir, what, anyhow::anyhow!("it holds no {file}")).into());
        }
    }
    let data = ChartData::load(&args.dir).map_err(|e| not_a(&args.dir, "results", e))?;
    let staging = output::Staging::begin(&args.dir, output::Replace::Anything)?;
    output::copy_results(&args.dir, staging.path(), &[results::CHARTS_DIR])?;
    if !args.dir.join(results::CHARTS_DIR).is_dir() {
        output::write_charts(staging.path(), &data)?;
    }
    let sources = report::Sources {
        run: staging.path(),
        sensitivity: args.sensitivity.as_deref(),
        sweep: args.sweep.as_deref(),
        optimise: args.optimise.as_deref(),
        compare: args.compare.as_deref(),
        contest: args.contest.as_deref(),
    };
    let built = report::build(&sources).map_err(|e| not_a(&args.dir, "results", e))?;
    output::write_report(staging.path(), &built)?;
    staging.commit()?;
    println!("report: {}", args.dir.join(results::REPORT_HTML).display());
    Ok(())
}

pub(super) fn redraw_charts(dir: &Path) -> Result<(), Failure> {
    let data = ChartData::load(dir).map_err(|e| {
        InputError::argument(dir.display().to_string(), format!("not a salvosim results folder: {e:#}"))
    })?;
    let staging = output::Staging::begin(dir, output::Replace::Anything)?;
    output::copy_results(dir, staging.path(), &[results::REPORT_HTML, results::REPORT_MD, results::REPORT_CHARTS_DIR])?;
    output::write_charts(staging.path(), &data)?;
    staging.commit()?;
    println!("charts in {}/", dir.join(results::CHARTS_DIR).display());
    Ok(())
}
