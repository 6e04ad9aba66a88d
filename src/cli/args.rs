//! The command line's grammar (clap types) and the checks of what it asked for that need the
//! scenario: trial count, threads.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use salvosim::engine::footprint::{self, Footprint};
use salvosim::engine::precision::Precision;
use salvosim::format::thousands;
use salvosim::output;
use salvosim::scenario::{self, InputError, MAX_TRIALS};

use super::Failure;

const DEFAULT_SCENARIO: &str = "scenarios/baseline.toml";

#[derive(Parser)]
#[command(name = "salvosim", version, about = "Monte Carlo simulator of the drone-versus-interceptor cost war")]
pub(super) struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Subcommand)]
pub(super) enum Command {
    /// Run a campaign scenario and write summary.json and nights.csv.
    Run(RunArgs),
    /// Check a scenario file (and any --set) without running it.
    Validate(ValidateArgs),
    /// Sweep one or two parameters: a curve or a grid of runs with common random numbers.
    Sweep(SweepArgs),
    /// Which assumptions drive the answer: each uncertain input pinned at its 10th and 90th
    /// percentile in turn, with common random numbers; sensitivity.csv/json and tornado charts.
    Sensitivity(SensitivityArgs),
    /// Fit fields of a scenario to the Air Force record of a window of months, by maximum
    /// likelihood; writes calibrate.csv/json and the scenario with the fitted values.
    Calibrate(CalibrateArgs),
    /// Fit on a train window, predict each month of a later test window from its real raids, and
    /// score the model against two naive forecasts; writes backtest.csv/json and a chart.
    Backtest(BacktestArgs),
    /// What to buy (or how to attack): the decided fields that minimise (or maximise) a summary.json metric subject to constraints
    /// (met at the end of their 95 % CI), with common random numbers; optimise.json/csv and charts.
    /// Exit 3 when no candidate meets the constraints (the files say which came closest).
    Optimise(OptimiseArgs),
    /// The defence that holds against the attacker's best response: the defender's --decide
    /// fields solved against every attacker strategy found so far (--attacker fields), the
    /// attacker's best response to each defence added, until it gains no more than --tolerance;
    /// contest.json/csv and charts. Exit 3 when it does not converge within --max-rounds or a
    /// side has nothing feasible (the files are written).
    Contest(ContestArgs),
    /// What an excursion changes: BASE and EXCURSION (or BASE with --set's) run trial by trial
    /// with the same seed; every figure's paired difference with its 95 % interval, in
    /// compare.csv/json and a chart. Two results folders instead compare unpaired.
    Compare(CompareArgs),
    /// Merge the shard files of a `run --shard` into the results of the whole run.
    Merge(MergeArgs),
    /// Write a run's briefing report into its folder: report.html (self-contained: every chart
    /// inline) and report.md with its charts as PNG files in report-charts/.
    Report(ReportArgs),
    /// Redraw the charts of a saved run from its summary.json and nights.csv.
    Plot {
        /// A results folder written by `salvosim run`.
        dir: PathBuf,
    },
    /// Print a completion script for SHELL: e.g. `salvosim completions bash >
    /// ~/.local/share/bash-completion/completions/salvosim`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) of salvosim, or of one of its commands: `salvosim man run |
    /// man -l -`.
    Man {
        /// A command (`run`, `sweep`, ...); default: salvosim itself.
        command: Option<String>,
    },
}

#[derive(Args)]
pub(super) struct ScenarioArgs {
    /// Scenario file (TOML).
    #[arg(default_value = DEFAULT_SCENARIO)]
    pub(super) scenario: PathBuf,
    /// Override a field: PATH=VALUE, e.g. layer.nasams.stock=200 (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub(super) sets: Vec<String>,
}

#[derive(Args)]
pub(super) struct ValidateArgs {
    #[command(flatten)]
    pub(super) input: ScenarioArgs,
    /// Print the scenario as it runs: an excursion (`base = ...`) resolved against its bases, as
    /// one file (`--set`s are not written in).
    #[arg(long)]
    pub(super) resolved: bool,
}

#[derive(Args)]
pub(super) struct RunArgs {
    #[command(flatten)]
    pub(super) input: ScenarioArgs,
    #[command(flatten)]
    pub(super) engine: EngineArgs,
    /// Run only shard K of N (K from 0, as SLURM_ARRAY_TASK_ID) and write a shard file for
    /// `salvosim merge` into --out (default output/<name>-shards/).
    #[arg(long, value_name = "K/N")]
    pub(super) shard: Option<String>,
    /// Also write the briefing report (report.html, report.md) into the results folder.
    #[arg(long, conflicts_with = "shard")]
    pub(super) report: bool,
}

#[derive(Args)]
pub(super) struct CompareArgs {
    /// The base scenario (or a results folder of `salvosim run`, beside another, for an unpaired
    /// comparison of two saved runs).
    pub(super) base: PathBuf,
    /// The excursion scenario (or results folder); default: BASE itself, with the --set's.
    pub(super) excursion: Option<PathBuf>,
    /// Override a field of the excursion: PATH=VALUE (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub(super) sets: Vec<String>,
    #[command(flatten)]
    pub(super) engine: EngineArgs,
}

#[derive(Args)]
pub(super) struct ReportArgs {
    /// A results folder written by `salvosim run`; the report is written into it.
    pub(super) dir: PathBuf,
    /// A folder written by `salvosim sensitivity`: its tornado charts go into the report.
    #[arg(long, value_name = "DIR")]
    pub(super) sensitivity: Option<PathBuf>,
    /// A folder written by `salvosim sweep`: its charts go into the report.
    #[arg(long, value_name = "DIR")]
    pub(super) sweep: Option<PathBuf>,
    /// A folder written by `salvosim optimise`: its search and frontier charts go into the report.
    #[arg(long, value_name = "DIR")]
    pub(super) optimise: Option<PathBuf>,
    /// A folder written by `salvosim compare`: its chart of differences goes into the report.
    #[arg(long, value_name = "DIR")]
    pub(super) compare: Option<PathBuf>,
    /// A folder written by `salvosim contest`: its rounds and best-response charts go into the report.
    #[arg(long, value_name = "DIR")]
    pub(super) contest: Option<PathBuf>,
}

#[derive(Args)]
pub(super) struct MergeArgs {
    /// Shard files written by `salvosim run --shard K/N`.
    #[arg(required = true)]
    pub(super) shards: Vec<PathBuf>,
    #[command(flatten)]
    pub(super) output: OutputArgs,
}

#[derive(Args)]
pub(super) struct SweepArgs {
    #[command(flatten)]
    pub(super) input: ScenarioArgs,
    /// A parameter to vary: PATH=START:END:STEPS (STEPS intervals) or PATH=a,b,c; once for a
    /// curve, twice for a grid.
    #[arg(long = "vary", value_name = "PATH=RANGE", required = true)]
    pub(super) vary: Vec<String>,
    /// Words for a varied path on the charts, PATH=TEXT (repeatable); default: a built-in label
    /// with its unit, e.g. raid.size reads "Threats launched a night".
    #[arg(long = "label", value_name = "PATH=TEXT")]
    pub(super) labels: Vec<String>,
    #[command(flatten)]
    pub(super) engine: EngineArgs,
    /// Run only shard K of N of the sweep's work (grid points × chunks of trials) and write a
    /// shard file for `salvosim merge` into --out (default output/<name>-shards/).
    #[arg(long, value_name = "K/N")]
    pub(super) shard: Option<String>,
}

#[derive(Args)]
pub(super) struct SensitivityArgs {
    #[command(flatten)]
    pub(super) input: ScenarioArgs,
    /// A metric of sensitivity.csv to draw a tornado chart of (repeatable); default: both
    /// cost-exchange ratios and the leak rate.
    #[arg(long = "metric", value_name = "METRIC")]
    pub(super) metrics: Vec<String>,
    /// Also pin a field at two values of your own, PATH=LO:HI: a constant, or a distribution
    /// instead of its 10th and 90th percentiles (repeatable).
    #[arg(long = "vary", value_name = "PATH=LO:HI")]
    pub(super) vary: Vec<String>,
    #[command(flatten)]
    pub(super) engine: EngineArgs,
}

#[derive(Args)]
pub(super) struct OptimiseArgs {
    #[command(flatten)]
    pub(super) input: ScenarioArgs,
    /// A field to decide, PATH=LO:HI: any number field `--set` reaches (whole numbers for counts).
    #[arg(long = "decide", value_name = "PATH=LO:HI", required = true)]
    pub(super) decide: Vec<String>,
    /// The summary.json metric to minimise, by its path (the mean), or PATH:STAT (mean, p5, p50, p95).
    #[arg(long, value_name = "METRIC", required_unless_present = "maximise", conflicts_with = "maximise")]
    pub(super) minimise: Option<String>,
    /// The summary.json metric to maximise (the attacker's side: e.g. cost_exchange_ratio), as
    /// --minimise names it.
    #[arg(long, value_name = "METRIC")]
    pub(super) maximise: Option<String>,
    /// A constraint, METRIC<=X or METRIC>=X, met only at the end of its 95 % CI hardest to meet
    /// (repeatable).
    #[arg(long = "subject-to", value_name = "METRIC<=X")]
    pub(super) subject_to: Vec<String>,
    /// Re-solve with METRIC<=bound for each bound of LO:HI:STEPS and draw the frontier.
    #[arg(long, value_name = "METRIC=LO:HI:STEPS")]
    pub(super) pareto: Option<String>,
    #[command(flatten)]
    pub(super) search: SearchArgs,
    #[command(flatten)]
    pub(super) output: OutputArgs,
}

/// Options of a search (`optimise`, `contest`): trials, seed, threads.
#[derive(Args)]
pub(super) struct SearchArgs {
    /// Trials per candidate.
    #[arg(long, default_value_t = 2000, allow_hyphen_values = true)]
    pub(super) trials: u64,
    /// Trials of the runs that confirm a winner (and, in a contest, measure the gap); default:
    /// 4 × --trials.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub(super) confirm_trials: Option<u64>,
    /// Master seed; default: the scenario's.
    #[arg(long)]
    pub(super) seed: Option<u64>,
    /// Worker threads; default: all cores. Results do not depend on it.
    #[arg(long)]
    pub(super) threads: Option<usize>,
}

#[derive(Args)]
pub(super) struct ContestArgs {
    #[command(flatten)]
    pub(super) input: ScenarioArgs,
    /// A defender's field to decide, PATH=LO:HI: a `layer.*` or `defence.*` field, or a phase's
    /// `early_warning` (repeatable).
    #[arg(long = "decide", value_name = "PATH=LO:HI", required = true)]
    pub(super) decide: Vec<String>,
    /// The summary.json metric the defender minimises, at its worst over the attacker's strategies.
    #[arg(long, value_name = "METRIC")]
    pub(super) minimise: String,
    /// A defender's constraint, METRIC<=X or METRIC>=X, held against every attacker strategy at
    /// the end of its 95 % CI hardest to meet (repeatable).
    #[arg(long = "subject-to", value_name = "METRIC<=X")]
    pub(super) subject_to: Vec<String>,
    /// An attacker's field to decide, PATH=LO:HI: a `raid.*` or `threat.*` field, or a phase's
    /// `raid_size` or `shares.*` (repeatable).
    #[arg(long = "attacker", value_name = "PATH=LO:HI", required = true)]
    pub(super) attacker: Vec<String>,
    /// The summary.json metric the attacker maximises (e.g. threats.shahed.leaked).
    #[arg(long, value_name = "METRIC")]
    pub(super) attacker_maximises: String,
    /// An attacker's constraint, e.g. attacker_spend_usd<=5e7 (repeatable).
    #[arg(long = "attacker-subject-to", value_name = "METRIC<=X")]
    pub(super) attacker_subject_to: Vec<String>,
    /// Converged when the attacker's best response gains at most this fraction of its best payoff
    /// among the strategies already found.
    #[arg(long, default_value_t = 0.01, allow_hyphen_values = true)]
    pub(super) tolerance: f64,
    /// Rounds at most (a round: the defender solves, the attacker replies).
    #[arg(long, default_value_t = 6, allow_hyphen_values = true)]
    pub(super) max_rounds: u64,
    #[command(flatten)]
    pub(super) search: SearchArgs,
    #[command(flatten)]
    pub(super) output: OutputArgs,
}

/// The most trials a search's candidate may take.
const MAX_SEARCH_TRIALS: u64 = 10_000_000;

impl SearchArgs {
    /// The confirming runs' trials, once `--trials` and `--confirm-trials` are checked to be in
    /// 1..=10,000,000.
    pub(super) fn confirm_trials(&self) -> Result<u64, InputError> {
        let confirm = self.confirm_trials.unwrap_or(self.trials.saturating_mul(4));
        for (flag, trials) in [("--trials", self.trials), ("--confirm-trials", confirm)] {
            if trials == 0 || trials > MAX_SEARCH_TRIALS {
                return Err(argument_error(flag, trials, "must be a whole number in 1..=10000000"));
            }
        }
        Ok(confirm)
    }
}

#[derive(Args)]
pub(super) struct CalibrateArgs {
    #[command(flatten)]
    pub(super) input: ScenarioArgs,
    /// The months to fit, YYYY-MM..YYYY-MM.
    #[arg(long, value_name = "YYYY-MM..YYYY-MM")]
    pub(super) window: String,
    #[command(flatten)]
    pub(super) fit: FitArgs,
}

#[derive(Args)]
pub(super) struct BacktestArgs {
    #[command(flatten)]
    pub(super) input: ScenarioArgs,
    /// The months to fit, YYYY-MM..YYYY-MM.
    #[arg(long, value_name = "YYYY-MM..YYYY-MM")]
    pub(super) train: String,
    /// The held-out months to predict, YYYY-MM..YYYY-MM, after the train window.
    #[arg(long, value_name = "YYYY-MM..YYYY-MM")]
    pub(super) test: String,
    #[command(flatten)]
    pub(super) fit: FitArgs,
}

/// Options shared by `calibrate` and `backtest`.
#[derive(Args)]
pub(super) struct FitArgs {
    /// The Air Force daily reports (CSV), e.g. ../shared/data/ua-air-defence/missile_attacks_daily.csv.
    #[arg(long, value_name = "FILE")]
    pub(super) data: PathBuf,
    /// A field to fit, PATH=LO:HI: any number field `--set` reaches, within bounds (repeatable).
    #[arg(long = "fit", value_name = "PATH=LO:HI")]
    pub(super) fits: Vec<String>,
    /// Trials per month for each candidate fit.
    #[arg(long, default_value_t = 500, allow_hyphen_values = true)]
    pub(super) trials: u64,
    /// Master seed; default: the scenario's.
    #[arg(long)]
    pub(super) seed: Option<u64>,
    /// Worker threads; default: all cores. Results do not depend on it.
    #[arg(long)]
    pub(super) threads: Option<usize>,
    /// Synthetic records simulated at the fit and refitted, for the fitted values' uncertainty
    /// (0: none).
    #[arg(long, default_value_t = 20)]
    pub(super) bootstrap: u64,
    /// What the likelihood scores: `nights` (each report night's counts) or `months` (each
    /// month's totals).
    #[arg(long, default_value = "months", value_name = "months|nights")]
    pub(super) likelihood: String,
    #[command(flatten)]
    pub(super) output: OutputArgs,
}

/// Options shared by `run`, `sweep` and `sensitivity`.
#[derive(Args)]
pub(super) struct EngineArgs {
    /// Number of trials (campaigns); default: the scenario's.
    #[arg(long, allow_hyphen_values = true)]
    pub(super) trials: Option<u64>,
    /// Master seed; default: the scenario's.
    #[arg(long)]
    pub(super) seed: Option<u64>,
    /// Worker threads; default: all cores. Results do not depend on it.
    #[arg(long)]
    pub(super) threads: Option<usize>,
    /// Stop once the 95 % CI half-width of every --precision-metric is within REL of its mean
    /// (e.g. 0.005 for ±0.5 %); --trials is then the most run.
    #[arg(long, value_name = "REL")]
    pub(super) precision: Option<f64>,
    /// A headline metric that --precision judges (repeatable); default: both cost-exchange
    /// ratios and the leak rate.
    #[arg(long = "precision-metric", value_name = "METRIC")]
    pub(super) precision_metrics: Vec<String>,
    #[command(flatten)]
    pub(super) output: OutputArgs,
}

/// Where results go and what is shown: shared by `run`, `sweep` and `merge`.
#[derive(Args)]
pub(super) struct OutputArgs {
    /// Output folder; default: output/<scenario name>/ (output/<name>-sweep/ for sweeps,
    /// output/<name>-shards/ for shard files).
    #[arg(long)]
    pub(super) out: Option<PathBuf>,
    /// No progress bar and no summary on stdout.
    #[arg(long)]
    pub(super) quiet: bool,
    /// Skip the charts.
    #[arg(long)]
    pub(super) no_charts: bool,
    /// Replace the output folder even where it holds a report or another command's results
    /// (without it, such a folder is refused and nothing runs).
    #[arg(long)]
    pub(super) replace: bool,
}

impl OutputArgs {
    /// What this command, writing `own` (its results' main file), may replace at `--out`.
    pub(super) fn replace(&self, own: &'static str) -> output::Replace {
        if self.replace { output::Replace::Anything } else { output::Replace::Same(own) }
    }
}

pub(super) fn argument_error(argument: &str, value: impl ToString, problem: &str) -> InputError {
    InputError::argument(format!("{argument} {}", value.to_string()), problem)
}

/// Trials, seed and a thread pool, checked.
pub(super) struct Engine {
    pub(super) trials: u64,
    pub(super) seed: u64,
    pub(super) pool: rayon::ThreadPool,
    /// Where the run may stop early.
    pub(super) precision: Option<Precision>,
}

impl Engine {
    /// Refuses, before anything runs, a run whose tallies would not fit in the memory this machine
    /// has available now (exit 2, with the estimate and the limit); `scenarios` are every result
    /// the command holds at once (a sweep's points, a comparison's two sides).
    pub(super) fn check_memory(&self, scenarios: &[&scenario::Scenario], file: &Path) -> Result<(), InputError> {
        let threads = self.pool.current_num_threads();
        let prints: Vec<Footprint> = scenarios.iter().map(|s| Footprint::of(s, self.trials, threads)).collect();
        let bytes = prints.iter().fold(0u64, |sum, f| sum.saturating_add(f.bytes));
        let Some(available) = footprint::available_bytes() else { return Ok(()) };
        if bytes <= available {
            return Ok(());
        }
        let nightly: u64 = prints.iter().map(|f| f.nightly).sum();
        let campaign: u64 = prints.iter().map(|f| f.campaign).sum();
        let gb = |b: u64| format!("{:.1} GB", b as f64 / 1e9);
        let problem = format!(
            "this run would hold about {} of tallies ({} nightly — series × nights — and {} campaign-wide, \
             {} copies at once with {threads} threads), more than the {} of memory available: run fewer nights, \
             threats or layers, or fewer --threads",
            gb(bytes),
            thousands(nightly),
            thousands(campaign),
            prints.first().map_or(1, |f| f.copies),
            gb(available)
        );
        Err(InputError::file(file, None, problem))
    }
}

impl EngineArgs {
    pub(super) fn resolve(&self, scenario: &scenario::Scenario) -> Result<Engine, Failure> {
        let trials = self.trials.unwrap_or(scenario.trials);
        if trials == 0 || trials > MAX_TRIALS as u64 {
            return Err(argument_error("--trials", trials, "must be a whole number in 1..=10^12").into());
        }
        let precision = match self.precision {
            Some(relative) => Some(Precision::new(relative, &self.precision_metrics).map_err(|problem| {
                let which = if problem.starts_with("unknown metric") { "--precision-metric" } else { "--precision" };
                let value =
                    if which == "--precision" { relative.to_string() } else { self.precision_metrics.join(",") };
                argument_error(which, value, &problem)
            })?),
            None if !self.precision_metrics.is_empty() => {
                let metrics = self.precision_metrics.join(",");
                return Err(argument_error("--precision-metric", metrics, "needs --precision REL").into());
            }
            None => None,
        };
        Ok(Engine { trials, seed: self.seed.unwrap_or(scenario.seed), pool: thread_pool(self.threads)?, precision })
    }
}

/// A pool of `threads` workers (default: one per core), checked.
pub(super) fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Failure> {
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 || threads > 1024 {
        return Err(argument_error("--threads", threads, "must be in 1..=1024").into());
    }
    Ok(rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(anyhow::Error::from)?)
}
