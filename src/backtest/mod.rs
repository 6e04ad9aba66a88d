//! Does the model predict? The record replayed month by month: `calibrate` fits fields of a
//! scenario to a window of months, `backtest` fits on a train window and predicts each month of a
//! later test window from its real raid sizes, beside two naive forecasts computed from the same
//! data by the same code — the train window's pooled shares, and the last train month's shares
//! (persistence) — and scores all three by their mean absolute error.

pub mod fit;
pub mod raid_response;

use crate::replay::{Band, ReplayMonth, bands};
use fit::{Estimate, FitSpec, Likelihood, Problem};

use crate::engine::{Cancelled, Progress};
use crate::record::{Fates, Month, MonthRecord, Split, Window};
use crate::scenario::Date;
use crate::scenario::Scenario;
use raid_response::RaidResponse;

/// What a fit or backtest is asked to do.
pub struct Request<'a> {
    pub scenario: &'a Scenario,
    pub fits: &'a [FitSpec],
    /// Trials per month and candidate.
    pub trials: u64,
    pub seed: u64,
    /// Synthetic records refitted for the uncertainty of the fitted values.
    pub bootstrap: u64,
    pub likelihood: Likelihood,
    pub progress: &'a dyn Progress,
}

/// One month: what the record says and what the model predicts.
#[derive(Clone, Debug)]
pub struct MonthResult {
    pub month: Month,
    pub observed: Fates,
    /// Per outcome of the window's split.
    pub predicted: Vec<Band>,
}

/// One report night: what the record says and what the model predicts of its drones.
#[derive(Clone, Debug)]
pub struct NightResult {
    pub date: Date,
    pub observed: Fates,
    /// Per outcome of the window's split: the night's share over the trials.
    pub predicted: Vec<Band>,
}

/// Mean absolute errors of a window's shares (every month, every outcome of its split), as
/// fractions of launched drones.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Errors {
    pub model: f64,
    pub pooled: f64,
    pub persistence: f64,
}

/// A window of months and how each forecast did on it.
#[derive(Clone, Debug)]
pub struct WindowResult {
    /// `train`, `test` or `fit`.
    pub name: &'static str,
    pub window: Window,
    pub split: Split,
    pub months: Vec<MonthResult>,
    /// Every report night of the window, in date order.
    pub nights: Vec<NightResult>,
    pub errors: Errors,
    /// The reached share by raid size, observed against the model and the naive forecasts.
    pub raid_response: RaidResponse,
}

/// A fit to a window of months.
#[derive(Clone, Debug)]
pub struct Calibration {
    pub estimates: Vec<Estimate>,
    pub log_likelihood: f64,
    /// Candidates simulated, bootstrap refits included.
    pub evaluations: u64,
    pub likelihood: Likelihood,
    pub window: WindowResult,
}

/// A fit on a train window judged on a test window.
#[derive(Clone, Debug)]
pub struct Backtest {
    pub calibration: Calibration,
    pub test: WindowResult,
}

/// Fits `request.fits` to the months of `window` (`name` labels the window in the results).
pub fn calibrate(
    request: &Request,
    months: &[&MonthRecord],
    window: Window,
    name: &'static str,
) -> Result<Calibration, Cancelled> {
    let replays = replay_months(request.scenario, months, request.seed);
    let split = Split::of(months.iter().map(|m| m.month));
    let problem = problem(request, &replays, split);
    let observed: Vec<Vec<Fates>> = months.iter().map(|m| m.raids.iter().map(|r| r.fates()).collect()).collect();
    let start: Vec<f64> = request.fits.iter().map(|fit| starting_value(request.scenario, fit)).collect();
    let (estimates, evaluations) = fit::fit_with_uncertainty(&problem, &observed, &start, request.bootstrap)?;
    let values: Vec<f64> = estimates.iter().map(|e| e.value).collect();
    let by_night = problem.simulate(&values, request.trials, 0)?;
    let simulated = month_totals(&by_night);
    let log_likelihood = problem.log_likelihood(&by_night, &observed);
    let window = window_result(name, window, split, months, &simulated, &by_night, months);
    Ok(Calibration { estimates, log_likelihood, evaluations: evaluations + 1, likelihood: request.likelihood, window })
}

/// Fits on `train`, then predicts every month of `test` at the fitted values.
pub fn backtest(
    request: &Request,
    train: (&[&MonthRecord], Window),
    test: (&[&MonthRecord], Window),
) -> Result<Backtest, Cancelled> {
    let calibration = calibrate(request, train.0, train.1, "train")?;
    let values: Vec<f64> = calibration.estimates.iter().map(|e| e.value).collect();
    let replays = replay_months(request.scenario, test.0, request.seed);
    let split = Split::of(test.0.iter().map(|m| m.month));
    let by_night = problem(request, &replays, split).simulate(&values, request.trials, 0)?;
    let simulated = month_totals(&by_night);
    let test = window_result("test", test.1, split, test.0, &simulated, &by_night, train.0);
    Ok(Backtest { calibration, test })
}

fn replay_months(scenario: &Scenario, months: &[&MonthRecord], seed: u64) -> Vec<ReplayMonth> {
    months
        .iter()
        .map(|m| ReplayMonth::new(scenario, m, seed).expect("the scenario was checked with replay::check"))
        .collect()
}

fn problem<'a>(request: &'a Request, replays: &'a [ReplayMonth], split: Split) -> Problem<'a> {
    Problem {
        months: replays,
        fits: request.fits,
        split,
        likelihood: request.likelihood,
        trials: request.trials,
        progress: request.progress,
    }
}

/// Where a fit starts: the field's mean in the scenario, inside the fit's bounds.
fn starting_value(scenario: &Scenario, fit: &FitSpec) -> f64 {
    scenario.param(&fit.path).map_or((fit.lo + fit.hi) / 2.0, |p| p.mean()).clamp(fit.lo, fit.hi)
}

/// A window's results: months, nights, and the errors of every forecast, the naive ones made
/// from `train`.
fn window_result(
    name: &'static str,
    window: Window,
    split: Split,
    months: &[&MonthRecord],
    simulated: &[Vec<Fates>],
    by_night: &[Vec<Vec<Fates>>],
    train: &[&MonthRecord],
) -> WindowResult {
    let results = month_results(months, simulated, split);
    let nights = night_results(months, by_night, split);
    let errors = score(&results, split, train);
    let raid_response = RaidResponse::new(&nights, split, &naive_reached(train));
    WindowResult { name, window, split, months: results, nights, errors, raid_response }
}

/// Each month's trials summed over their nights (month → trial).
fn month_totals(by_night: &[Vec<Vec<Fates>>]) -> Vec<Vec<Fates>> {
    by_night.iter().map(|trials| trials.iter().map(|nights| Fates::total(nights)).collect()).collect()
}

/// Every report night of `months` with its predicted bands from `by_night` (month → trial → night).
fn night_results(months: &[&MonthRecord], by_night: &[Vec<Vec<Fates>>], split: Split) -> Vec<NightResult> {
    let mut out = Vec::new();
    for (month, trials) in months.iter().zip(by_night) {
        for (n, raid) in month.raids.iter().enumerate() {
            let tonight: Vec<Fates> = trials.iter().map(|nights| nights[n]).collect();
            out.push(NightResult { date: raid.date, observed: raid.fates(), predicted: bands(&tonight, split) });
        }
    }
    out
}

/// The reached share the two naive forecasts made from `train` give every night: its pooled
/// share, and its last month's (persistence).
fn naive_reached(train: &[&MonthRecord]) -> raid_response::Naive {
    let mut pooled = Fates::default();
    train.iter().for_each(|m| pooled.add(&m.fates));
    let last = train.last().expect("a window has months");
    raid_response::Naive {
        pooled: pooled.share(crate::record::Outcome::Reached),
        persistence: last.fates.share(crate::record::Outcome::Reached),
    }
}

fn month_results(months: &[&MonthRecord], simulated: &[Vec<Fates>], split: Split) -> Vec<MonthResult> {
    months
        .iter()
        .zip(simulated)
        .map(|(m, trials)| MonthResult { month: m.month, observed: m.fates, predicted: bands(trials, split) })
        .collect()
}

/// The mean absolute errors on `results` of the model and of the two naive forecasts made from
/// `train`: its pooled shares, and its last month's (persistence).
fn score(results: &[MonthResult], split: Split, train: &[&MonthRecord]) -> Errors {
    let last = train.last().expect("a window has months");
    let mut pooled = Fates::default();
    train.iter().for_each(|m| pooled.add(&m.fates));
    let error = |forecast: &dyn Fn(&MonthResult, usize) -> f64| {
        let mut sum = 0.0;
        for month in results {
            for (k, &outcome) in split.outcomes().iter().enumerate() {
                sum += (month.observed.share(outcome) - forecast(month, k)).abs();
            }
        }
        sum / (results.len() * split.outcomes().len()) as f64
    };
    Errors {
        model: error(&|month, k| month.predicted[k].mean),
        pooled: error(&|_, k| pooled.share(split.outcomes()[k])),
        persistence: error(&|_, k| last.fates.share(split.outcomes()[k])),
    }
}
