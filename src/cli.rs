//! The `salvosim` command line: parses arguments, then runs a straight pipeline —
//! load → simulate → write → report. Exit codes: 0 success, 2 bad input or usage, 1 failure
//! while running.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::charts::ChartData;
use crate::charts::sweep::SweepData;
use crate::engine::{self, Progress};
use crate::output::{self, RunInfo};
use crate::scenario::{self, InputError, Loaded, MAX_TRIALS, Override};
use crate::shard::{self, ShardFile, ShardSpec};
use crate::sweep::{self, Axis};

const DEFAULT_SCENARIO: &str = "scenarios/baseline.toml";

#[derive(Parser)]
#[command(name = "salvosim", version, about = "Monte Carlo simulator of the drone-versus-interceptor cost war")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a campaign scenario and write summary.json and nights.csv.
    Run(RunArgs),
    /// Check a scenario file (and any --set) without running it.
    Validate(ScenarioArgs),
    /// Sweep one or two parameters: a curve or a grid of runs with common random numbers.
    Sweep(SweepArgs),
    /// Merge the shard files of a `run --shard` into the results of the whole run.
    Merge(MergeArgs),
    /// Redraw the charts of a saved run from its summary.json and nights.csv.
    Plot {
        /// A results folder written by `salvosim run`.
        dir: PathBuf,
    },
}

#[derive(Args)]
struct ScenarioArgs {
    /// Scenario file (TOML).
    #[arg(default_value = DEFAULT_SCENARIO)]
    scenario: PathBuf,
    /// Override a field: PATH=VALUE, e.g. layer.nasams.stock=200 (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    input: ScenarioArgs,
    #[command(flatten)]
    engine: EngineArgs,
    /// Run only shard K of N (K from 0, as SLURM_ARRAY_TASK_ID) and write a shard file for
    /// `salvosim merge` into --out (default output/<name>-shards/).
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
}

#[derive(Args)]
struct MergeArgs {
    /// Shard files written by `salvosim run --shard K/N`.
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
struct SweepArgs {
    #[command(flatten)]
    input: ScenarioArgs,
    /// A parameter to vary: PATH=START:END:STEPS (STEPS intervals) or PATH=a,b,c; once for a
    /// curve, twice for a grid.
    #[arg(long = "vary", value_name = "PATH=RANGE", required = true)]
    vary: Vec<String>,
    #[command(flatten)]
    engine: EngineArgs,
    /// Run only shard K of N of the sweep's work (grid points × chunks of trials) and write a
    /// shard file for `salvosim merge` into --out (default output/<name>-shards/).
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
}

/// Options shared by `run` and `sweep`.
#[derive(Args)]
struct EngineArgs {
    /// Number of trials (campaigns); default: the scenario's.
    #[arg(long)]
    trials: Option<u64>,
    /// Master seed; default: the scenario's.
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads; default: all cores. Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    #[command(flatten)]
    output: OutputArgs,
}

/// Where results go and what is shown: shared by `run`, `sweep` and `merge`.
#[derive(Args)]
struct OutputArgs {
    /// Output folder; default: output/<scenario name>/ (output/<name>-sweep/ for sweeps,
    /// output/<name>-shards/ for shard files).
    #[arg(long)]
    out: Option<PathBuf>,
    /// No progress bar and no summary on stdout.
    #[arg(long)]
    quiet: bool,
    /// Skip the charts.
    #[arg(long)]
    no_charts: bool,
}

/// A failure and the exit code it maps to.
enum Failure {
    /// Bad input or usage: exit 2.
    Input(InputError),
    /// A failure while running: exit 1.
    Run(anyhow::Error),
    /// Ctrl-C: exit 130.
    Interrupted(engine::Cancelled),
}

impl From<engine::Cancelled> for Failure {
    fn from(e: engine::Cancelled) -> Self {
        Failure::Interrupted(e)
    }
}

impl From<output::UnusableFolder> for Failure {
    fn from(e: output::UnusableFolder) -> Self {
        Failure::Input(InputError::argument(e.path.display().to_string(), e.problem))
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Run(e.into())
    }
}

/// Set by Ctrl-C; the engine checks it between blocks of trials.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::Input(e)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Run(e)
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
    let result = match cli.command {
        Command::Run(args) => run(&args),
        Command::Sweep(args) => sweep(&args),
        Command::Merge(args) => merge(&args),
        Command::Validate(args) => validate(&args),
        Command::Plot { dir } => plot(&dir),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Run(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
        Err(Failure::Interrupted(e)) => {
            eprintln!("interrupted: {e}; nothing was written");
            ExitCode::from(130)
        }
    }
}

fn load(args: &ScenarioArgs) -> Result<Loaded, InputError> {
    let sets = args.sets.iter().map(|s| Override::parse(s)).collect::<Result<Vec<_>, _>>()?;
    scenario::load(&args.scenario, &sets)
}

fn validate(args: &ScenarioArgs) -> Result<(), Failure> {
    let loaded = load(args)?;
    println!(
        "{}: ok ({} threats, {} layers, {} nights)",
        args.scenario.display(),
        loaded.scenario.threats.len(),
        loaded.scenario.layers.len(),
        loaded.scenario.nights
    );
    Ok(())
}

fn argument_error(argument: &str, value: impl ToString, problem: &str) -> InputError {
    InputError::argument(format!("{argument} {}", value.to_string()), problem)
}

/// Trials, seed and a thread pool, checked.
struct Engine {
    trials: u64,
    seed: u64,
    pool: rayon::ThreadPool,
}

impl EngineArgs {
    fn resolve(&self, scenario: &scenario::Scenario) -> Result<Engine, Failure> {
        let trials = self.trials.unwrap_or(scenario.trials);
        if trials == 0 || trials > MAX_TRIALS as u64 {
            return Err(argument_error("--trials", trials, "must be a whole number in 1..=10^12").into());
        }
        let threads = self.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        if threads == 0 || threads > 1024 {
            return Err(argument_error("--threads", threads, "must be in 1..=1024").into());
        }
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(anyhow::Error::from)?;
        Ok(Engine { trials, seed: self.seed.unwrap_or(scenario.seed), pool })
    }
}

fn run_info(hash: &str, engine: &Engine) -> RunInfo {
    RunInfo {
        scenario_hash: hash.to_string(),
        seed: engine.seed,
        trials: engine.trials,
        version: env!("CARGO_PKG_VERSION").into(),
    }
}

fn run(args: &RunArgs) -> Result<(), Failure> {
    let loaded = load(&args.input)?;
    let scenario = &loaded.scenario;
    let engine = args.engine.resolve(scenario)?;
    if let Some(spec) = &args.shard {
        let chunks = engine::chunk_count(engine.trials);
        return run_shard(&args.engine, &loaded, &[], &engine, ShardSpec::parse(spec)?, chunks, |units, bar| {
            let chunks = engine::run_chunks(scenario, engine.trials, engine.seed, units.clone(), bar)?;
            Ok(units.map(|chunk| sweep::Unit { point: 0, chunk }).zip(chunks).collect())
        });
    }
    let dir = args.engine.output.out.clone().unwrap_or_else(|| output::default_dir(scenario));
    let staging = output::Staging::begin(&dir)?;

    let bar = progress_bar(engine.trials, args.engine.output.quiet);
    let aggregate = engine.pool.install(|| engine::run(scenario, engine.trials, engine.seed, &bar));
    bar.0.finish_and_clear();
    let aggregate = aggregate?;

    let info = run_info(&loaded.hash, &engine);
    publish(staging, &dir, &info, scenario, &aggregate, args.engine.output.no_charts, args.engine.output.quiet)
}

/// Writes a run's results and charts into `staging`, swaps them into `dir`, and reports.
fn publish(
    staging: output::Staging,
    dir: &Path,
    info: &RunInfo,
    scenario: &scenario::Scenario,
    aggregate: &engine::Aggregate,
    no_charts: bool,
    quiet: bool,
) -> Result<(), Failure> {
    output::write_results(staging.path(), info, scenario, aggregate)?;
    if !no_charts {
        output::write_charts(staging.path(), &ChartData::load(staging.path())?)?;
    }
    staging.commit()?;
    if !quiet {
        print!("{}", output::console::summary(info, scenario, aggregate));
        println!("\nwrote {}/{{{}, {}}}", dir.display(), output::SUMMARY_JSON, output::NIGHTS_CSV);
        if !no_charts {
            println!("charts in {}/", dir.join(output::CHARTS_DIR).display());
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
    run: impl Fn(std::ops::Range<u64>, &Bar) -> Result<Vec<(sweep::Unit, engine::Aggregate)>, engine::Cancelled> + Sync,
) -> Result<(), Failure> {
    let dir = engine_args.output.out.clone().unwrap_or_else(|| output::default_shard_dir(&loaded.scenario));
    let units = spec.units(total);
    let trials: u64 =
        units.clone().map(|i| engine::chunk_trials(engine.trials, sweep::unit(i, engine.trials).chunk)).sum();
    let bar = progress_bar(trials, engine_args.output.quiet);
    let done = engine.pool.install(|| run(units.clone(), &bar));
    bar.0.finish_and_clear();
    let shard = ShardFile::new(loaded, vary, engine.seed, engine.trials, spec, done?);
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

fn merge(args: &MergeArgs) -> Result<(), Failure> {
    let merged = shard::merge(&args.shards)?;
    let base = &merged.loaded;
    let info = RunInfo {
        scenario_hash: base.hash.clone(),
        seed: merged.seed,
        trials: merged.trials,
        version: env!("CARGO_PKG_VERSION").into(),
    };
    if merged.axes.is_empty() {
        let dir = args.output.out.clone().unwrap_or_else(|| output::default_dir(&base.scenario));
        let staging = output::Staging::begin(&dir)?;
        return publish(
            staging,
            &dir,
            &info,
            &base.scenario,
            &merged.aggregates[0],
            args.output.no_charts,
            args.output.quiet,
        );
    }
    let dir = args.output.out.clone().unwrap_or_else(|| output::default_sweep_dir(&base.scenario));
    let staging = output::Staging::begin(&dir)?;
    let sweep = SweepResult { base, axes: &merged.axes, points: &merged.points, aggregates: &merged.aggregates, info };
    publish_sweep(staging, &dir, &sweep, args.output.no_charts, args.output.quiet)
}

fn sweep(args: &SweepArgs) -> Result<(), Failure> {
    let base = load(&args.input)?;
    let axes = args.vary.iter().map(|v| Axis::parse(v)).collect::<Result<Vec<_>, _>>()?;
    if axes.len() > 2 {
        return Err(argument_error("--vary", axes.len(), "one --vary gives a curve, two a grid; at most two").into());
    }
    let points = sweep::points(&base, &axes)?;
    let engine = args.engine.resolve(&base.scenario)?;
    if let Some(spec) = &args.shard {
        let total = points.len() as u64 * engine::chunk_count(engine.trials);
        return run_shard(&args.engine, &base, &args.vary, &engine, ShardSpec::parse(spec)?, total, |units, bar| {
            sweep::run_units(&points, engine.trials, engine.seed, units, bar)
        });
    }
    let dir = args.engine.output.out.clone().unwrap_or_else(|| output::default_sweep_dir(&base.scenario));
    let staging = output::Staging::begin(&dir)?;

    let bar = progress_bar(engine.trials * points.len() as u64, args.engine.output.quiet);
    let aggregates = engine.pool.install(|| sweep::run(&points, engine.trials, engine.seed, &bar));
    bar.0.finish_and_clear();
    let aggregates = aggregates?;
    let info = run_info(&base.hash, &engine);
    let sweep = SweepResult { base: &base, axes: &axes, points: &points, aggregates: &aggregates, info };
    publish_sweep(staging, &dir, &sweep, args.engine.output.no_charts, args.engine.output.quiet)
}

/// A finished sweep, run here or merged from shards.
struct SweepResult<'a> {
    base: &'a Loaded,
    axes: &'a [Axis],
    points: &'a [sweep::Point],
    aggregates: &'a [engine::Aggregate],
    info: RunInfo,
}

/// Writes a sweep's points, tables and charts into `staging`, swaps them into `dir`, and reports.
fn publish_sweep(
    staging: output::Staging,
    dir: &Path,
    sweep: &SweepResult,
    no_charts: bool,
    quiet: bool,
) -> Result<(), Failure> {
    let mut table = Vec::new();
    for (index, (point, aggregate)) in sweep.points.iter().zip(sweep.aggregates).enumerate() {
        let point_info = RunInfo { scenario_hash: point.loaded.hash.clone(), ..sweep.info.clone() };
        let point_dir = output::point_dir(staging.path(), index);
        output::write_results(&point_dir, &point_info, &point.loaded.scenario, aggregate)?;
        table.push((point.values.clone(), sweep::metrics(&point.loaded.scenario, aggregate)));
    }
    let base = &sweep.base.scenario;
    let chart_data = SweepData {
        scenario: base.name.clone(),
        trials: sweep.info.trials,
        seed: sweep.info.seed,
        version: sweep.info.version.clone(),
        layers: base.layers.iter().map(|l| l.name.clone()).collect(),
        axes: sweep.axes.iter().map(|a| (a.path.clone(), a.values.clone())).collect(),
        points: table.clone(),
    };
    output::write_sweep(
        staging.path(),
        &sweep.info,
        &base.name,
        sweep.axes,
        &table,
        (!no_charts).then_some(&chart_data),
    )?;
    staging.commit()?;
    if !quiet {
        println!("{}", sweep_summary(sweep.axes, &table));
        println!(
            "wrote {}/{{{}, {}}} and {}/NNN/",
            dir.display(),
            output::SWEEP_CSV,
            output::SWEEP_JSON,
            output::POINTS_DIR
        );
    }
    Ok(())
}

/// One line per point: its values, cost-exchange ratio and leak rate.
fn sweep_summary(axes: &[Axis], table: &[sweep::PointMetrics]) -> String {
    let mut out = format!("{:>5}  ", "point");
    for axis in axes {
        out += &format!("{:>24}  ", axis.path);
    }
    out += &format!("{:>22}  {:>10}\n", "cost-exchange (95% CI)", "leak rate");
    for (index, (values, metrics)) in table.iter().enumerate() {
        let find = |name: &str| metrics.iter().find(|(n, _)| n == name).and_then(|(_, s)| *s);
        out += &format!("{index:>5}  ");
        for v in values {
            out += &format!("{:>24}  ", sweep::spell(*v));
        }
        let ratio = find("cost_exchange_ratio")
            .map_or("n/a".into(), |s| format!("{:.2} [{:.2}, {:.2}]", s.mean, s.ci95[0], s.ci95[1]));
        let leak = find("leak_rate").map_or("n/a".into(), |s| format!("{:.1}%", 100.0 * s.mean));
        out += &format!("{ratio:>22}  {leak:>10}\n");
    }
    out
}

fn plot(dir: &Path) -> Result<(), Failure> {
    let data = ChartData::load(dir).map_err(|e| {
        InputError::argument(dir.display().to_string(), format!("not a salvosim results folder: {e:#}"))
    })?;
    let staging = output::Staging::begin(dir)?;
    output::copy_results(dir, staging.path())?;
    output::write_charts(staging.path(), &data)?;
    staging.commit()?;
    println!("charts in {}/", dir.join(output::CHARTS_DIR).display());
    Ok(())
}

/// The terminal progress bar; hidden when stderr is not a terminal or with --quiet.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn advance(&self, trials: u64) {
        self.0.inc(trials);
    }

    fn cancelled(&self) -> bool {
        INTERRUPTED.load(Ordering::SeqCst)
    }
}

fn progress_bar(trials: u64, quiet: bool) -> Bar {
    if quiet || !std::io::stderr().is_terminal() {
        return Bar(ProgressBar::hidden());
    }
    let bar = ProgressBar::new(trials);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bar:40} {human_pos}/{human_len} trials  {per_sec}  eta {eta}")
            .expect("valid template"),
    );
    Bar(bar)
}
