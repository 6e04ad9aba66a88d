//! The `salvosim` command line: parses arguments, then runs a straight pipeline —
//! load → simulate → write → report. Exit codes: 0 success, 2 bad input or usage, 1 failure
//! while running.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::charts::ChartData;
use crate::engine::{self, Progress};
use crate::output::{self, RunInfo};
use crate::scenario::{self, InputError, Loaded, MAX_TRIALS, Origin, Override};

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
    /// Number of trials (campaigns); default: the scenario's.
    #[arg(long)]
    trials: Option<u64>,
    /// Master seed; default: the scenario's.
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads; default: all cores. Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Output folder; default: output/<scenario name>/.
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
    Input(InputError),
    Run(anyhow::Error),
}

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
    let result = match cli.command {
        Command::Run(args) => run(&args),
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
    InputError {
        origin: Origin::Argument(argument.into()),
        path: String::new(),
        value: Some(value.to_string()),
        problem: problem.into(),
    }
}

fn run(args: &RunArgs) -> Result<(), Failure> {
    let loaded = load(&args.input)?;
    let scenario = &loaded.scenario;
    let trials = args.trials.unwrap_or(scenario.trials);
    if trials == 0 || trials > MAX_TRIALS as u64 {
        return Err(argument_error("--trials", trials, "must be a whole number in 1..=10^12").into());
    }
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 || threads > 1024 {
        return Err(argument_error("--threads", threads, "must be in 1..=1024").into());
    }
    let seed = args.seed.unwrap_or(scenario.seed);
    let dir = args.out.clone().unwrap_or_else(|| output::default_dir(scenario));

    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(anyhow::Error::from)?;
    let bar = progress_bar(trials, args.quiet);
    let aggregate = pool.install(|| engine::run(scenario, trials, seed, &bar)).map_err(anyhow::Error::from)?;
    bar.0.finish_and_clear();

    let info = RunInfo { scenario_hash: loaded.hash.clone(), seed, trials, version: env!("CARGO_PKG_VERSION").into() };
    output::write_results(&dir, &info, scenario, &aggregate)?;
    let charts = if args.no_charts { None } else { Some(output::write_charts(&dir, &ChartData::load(&dir)?)?) };
    if !args.quiet {
        print!("{}", output::console::summary(&info, scenario, &aggregate));
        println!("\nwrote {}/{{{}, {}}}", dir.display(), output::SUMMARY_JSON, output::NIGHTS_CSV);
        if let Some(folder) = charts {
            println!("charts in {}/", folder.display());
        }
    }
    Ok(())
}

fn plot(dir: &Path) -> Result<(), Failure> {
    let data = ChartData::load(dir).map_err(|e| InputError {
        origin: Origin::Argument(dir.display().to_string()),
        path: String::new(),
        value: None,
        problem: format!("not a salvosim results folder: {e:#}"),
    })?;
    let folder = output::write_charts(dir, &data)?;
    println!("charts in {}/", folder.display());
    Ok(())
}

/// The terminal progress bar; hidden when stderr is not a terminal or with --quiet.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn advance(&self, trials: u64) {
        self.0.inc(trials);
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
