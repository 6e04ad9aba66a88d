//! Does the model predict? The record replayed month by month: `calibrate` fits fields of a
//! scenario to a window of months, `backtest` fits on a train window and predicts each month of a
//! later test window from its real raid sizes, beside two naive forecasts computed from the same
//! data by the same code — the train window's pooled shares, and the last train month's shares
//! (persistence) — and scores all three by their mean absolute error.

pub mod fit;

use crate::replay::{Band, ReplayMonth, bands};
use fit::{Estimate, FitSpec, Problem};

use crate::engine::{Cancelled, Progress};
use crate::record::{Fates, Month, MonthRecord, Split, Window};
use crate::scenario::Scenario;

/// What a fit or backtest is asked to do.
pub struct Request<'a> {
    pub scenario: &'a Scenario,
    pub fits: &'a [FitSpec],
    /// Trials per month and candidate.
    pub trials: u64,
    pub seed: u64,
    /// Synthetic records refitted for the uncertainty of the fitted values.
    pub bootstrap: u64,
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
    pub errors: Errors,
}

/// A fit to a window of months.
#[derive(Clone, Debug)]
pub struct Calibration {
    pub estimates: Vec<Estimate>,
    pub log_likelihood: f64,
    /// Candidates simulated, bootstrap refits included.
    pub evaluations: u64,
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
    let observed: Vec<Fates> = months.iter().map(|m| m.fates).collect();
    let start: Vec<f64> = request.fits.iter().map(|fit| starting_value(request.scenario, fit)).collect();
    let (estimates, evaluations) = fit::fit_with_uncertainty(&problem, &observed, &start, request.bootstrap)?;
    let values: Vec<f64> = estimates.iter().map(|e| e.value).collect();
    let simulated = problem.simulate(&values, request.trials, 0)?;
    let log_likelihood = problem.log_likelihood(&simulated, &observed);
    let results = month_results(months, &simulated, split);
    let errors = score(&results, split, months);
    let window = WindowResult { name, window, split, months: results, errors };
    Ok(Calibration { estimates, log_likelihood, evaluations: evaluations + 1, window })
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
    let simulated = problem(request, &replays, split).simulate(&values, request.trials, 0)?;
    let results = month_results(test.0, &simulated, split);
    let errors = score(&results, split, train.0);
    let test = WindowResult { name: "test", window: test.1, split, months: results, errors };
    Ok(Backtest { calibration, test })
}

fn replay_months(scenario: &Scenario, months: &[&MonthRecord], seed: u64) -> Vec<ReplayMonth> {
    months
        .iter()
        .map(|m| ReplayMonth::new(scenario, m, seed).expect("the scenario was checked with replay::check"))
        .collect()
}

fn problem<'a>(request: &'a Request, replays: &'a [ReplayMonth], split: Split) -> Problem<'a> {
    Problem { months: replays, fits: request.fits, split, trials: request.trials, progress: request.progress }
}

/// Where a fit starts: the field's mean in the scenario, inside the fit's bounds.
fn starting_value(scenario: &Scenario, fit: &FitSpec) -> f64 {
    scenario.param(&fit.path).map_or((fit.lo + fit.hi) / 2.0, |p| p.mean()).clamp(fit.lo, fit.hi)
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
