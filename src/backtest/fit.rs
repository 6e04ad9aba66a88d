//! Fitting fields of a scenario to the record: maximum likelihood on each month's outcome counts,
//! with common random numbers, by Nelder–Mead (the `argmin` crate), and a parametric bootstrap for
//! the uncertainty.
//!
//! A candidate's likelihood is the multinomial one of the observed counts (destroyed, lost to EW,
//! reached; or neutralised, reached where the window's reports do not split the first two) under
//! the shares the candidate predicts: the mean over trials of each trial's share. Every candidate
//! replays every month with the same seed, and a fitted field still makes its draws (it is pinned,
//! see [`crate::scenario::Param::pinned`]), so candidates differ only by the fitted values and the
//! objective is smooth enough for a simplex method. The simplex moves in unbounded coordinates
//! mapped onto each field's bounds by a logistic curve, so no candidate leaves them.

use std::cell::Cell;

use argmin::core::{CostFunction, Executor, State};
use argmin::solver::neldermead::NelderMead;

use crate::engine::{Cancelled, Progress};
use crate::record::{Fates, Outcome, Split};
use crate::replay::{ReplayMonth, simulate_night_fates};
use crate::scenario::Scenario;
use crate::sensitivity::{Input, pinned};

/// The smallest share a prediction is taken to give an outcome: an outcome the model never
/// produces but the record shows costs a large, finite penalty.
const SHARE_FLOOR: f64 = 1e-6;

/// The simplex stops when its vertices' log-likelihoods spread less than this: far below what
/// separates the bootstrap refits, which differ by several units.
const LOG_LIKELIHOOD_TOLERANCE: f64 = 0.05;

/// Simplex iterations at most, per fitted field (plus a fixed number).
const ITERATIONS_PER_FIELD: u64 = 30;

/// A field to fit, `PATH=LO:HI`.
#[derive(Clone, Debug, PartialEq)]
pub struct FitSpec {
    pub path: String,
    pub lo: f64,
    pub hi: f64,
    /// Whether the field holds whole numbers (set by [`FitSpec::check`]): its estimate is rounded
    /// as every draw of it is.
    pub whole: bool,
}

impl FitSpec {
    /// Parses `PATH=LO:HI` with LO < HI; `Err` says what is allowed.
    pub fn parse(text: &str) -> Result<FitSpec, String> {
        let Input { path, low, high } = Input::parse(text)?;
        if low >= high {
            return Err("expected PATH=LO:HI with LO < HI, e.g. defence.ew_defeat=0.1:0.5".into());
        }
        Ok(FitSpec { path, lo: low, hi: high, whole: false })
    }

    /// Refuses a field the replay of the record does not use: the reports set every night's raid,
    /// so a raid size would be fitted to nothing (the search ran to the end, then the calibrated
    /// file was refused). For `calibrate` and `backtest`; the optimiser may decide a raid size.
    pub fn check_replayed(&self) -> Result<(), String> {
        let segments: Vec<&str> = self.path.split('.').collect();
        if matches!(segments.as_slice(), ["raid", "size"] | ["phase", _, "raid_size"]) {
            return Err(format!(
                "`{}` is not used when the record is replayed (each night's raid is the report's): fit what \
                 shapes the defence or the mix instead",
                self.path
            ));
        }
        Ok(())
    }

    /// Checks that the field is a number field of `scenario` and both bounds are inside its range,
    /// and notes whether it holds whole numbers.
    pub fn check(&mut self, scenario: &Scenario) -> Result<(), String> {
        Input { path: self.path.clone(), low: self.lo, high: self.hi }.check(scenario)?;
        self.whole = scenario.param(&self.path).is_some_and(|p| p.is_whole());
        Ok(())
    }

    fn value(&self, z: f64) -> f64 {
        self.lo + (self.hi - self.lo) / (1.0 + (-z).exp())
    }

    fn coordinate(&self, value: f64) -> f64 {
        let u = ((value - self.lo) / (self.hi - self.lo)).clamp(0.01, 0.99);
        (u / (1.0 - u)).ln()
    }
}

/// What a fit's likelihood scores: each report night's outcome counts, or each month's totals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Likelihood {
    /// Each night's counts, multinomial with that night's mean predicted shares: the fit sees how
    /// the outcome moves with each night's raid size.
    Nights,
    /// Each month's totals, multinomial with the month's mean predicted shares.
    Months,
}

impl Likelihood {
    pub fn parse(text: &str) -> Option<Likelihood> {
        match text {
            "nights" => Some(Likelihood::Nights),
            "months" => Some(Likelihood::Months),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Likelihood::Nights => "nights",
            Likelihood::Months => "months",
        }
    }
}

/// The months a fit replays, the fields it fits, and how.
pub struct Problem<'a> {
    pub months: &'a [ReplayMonth],
    pub fits: &'a [FitSpec],
    pub split: Split,
    pub likelihood: Likelihood,
    /// Trials per month and candidate.
    pub trials: u64,
    pub progress: &'a dyn Progress,
}

impl Problem<'_> {
    /// `scenario` with the fitted fields at `values`.
    pub fn pinned(&self, scenario: &Scenario, values: &[f64]) -> Scenario {
        let mut out = scenario.clone();
        for (fit, &value) in self.fits.iter().zip(values) {
            out = pinned(&out, &fit.path, value).expect("fit fields were checked against the scenario");
        }
        out
    }

    /// Each month's trials at `values`, night by night (month → trial → night), simulated with
    /// the month's seed.
    pub fn simulate(&self, values: &[f64], trials: u64, salt: u64) -> Result<Vec<Vec<Vec<Fates>>>, Cancelled> {
        let mut out = Vec::with_capacity(self.months.len());
        for month in self.months {
            if self.progress.cancelled() {
                return Err(Cancelled { done: 0, trials });
            }
            out.push(simulate_night_fates(&self.pinned(&month.scenario, values), trials, month.seed ^ salt));
            self.progress.advance(trials);
        }
        Ok(out)
    }

    /// The log-likelihood (without its constant) of `observed` (month → night) under the shares
    /// `simulated` (month → trial → night) predicts, by [`Problem::likelihood`]: each unit's
    /// outcome counts are multinomial with the unit's mean predicted shares over the trials.
    pub fn log_likelihood(&self, simulated: &[Vec<Vec<Fates>>], observed: &[Vec<Fates>]) -> f64 {
        let mut total = 0.0;
        // One unit's term: its counts `seen`, and the mean over the trials of each one's `share`.
        let mut score = |seen: &Fates, share: &dyn Fn(Outcome) -> f64| {
            for &outcome in self.split.outcomes() {
                total += seen.count(outcome) * share(outcome).max(SHARE_FLOOR).ln();
            }
        };
        for (trials, nights) in simulated.iter().zip(observed) {
            let n = trials.len() as f64;
            match self.likelihood {
                Likelihood::Nights => {
                    for (night, seen) in nights.iter().enumerate() {
                        score(seen, &|o| trials.iter().map(|t| t[night].share(o)).sum::<f64>() / n);
                    }
                }
                Likelihood::Months => {
                    let totals: Vec<Fates> = trials.iter().map(|t| Fates::total(t)).collect();
                    score(&Fates::total(nights), &|o| totals.iter().map(|t| t.share(o)).sum::<f64>() / n);
                }
            }
        }
        total
    }

    /// The values of the fitted fields that maximise the likelihood of `observed` (one total per
    /// month), searched from `start`, and the number of candidates tried.
    pub fn maximise(&self, observed: &[Vec<Fates>], start: &[f64], step: f64) -> Result<(Vec<f64>, u64), Cancelled> {
        if self.fits.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let origin: Vec<f64> = self.fits.iter().zip(start).map(|(fit, &v)| fit.coordinate(v)).collect();
        let mut simplex = vec![origin.clone()];
        for i in 0..origin.len() {
            let mut vertex = origin.clone();
            vertex[i] += if origin[i] > 0.0 { -step } else { step };
            simplex.push(vertex);
        }
        let solver =
            NelderMead::new(simplex).with_sd_tolerance(LOG_LIKELIHOOD_TOLERANCE).expect("a positive tolerance");
        let evaluations = Cell::new(0);
        let cost = Objective { problem: self, observed, evaluations: &evaluations };
        let iterations = ITERATIONS_PER_FIELD * (self.fits.len() as u64 + 1);
        let run = Executor::new(cost, solver).configure(|state| state.max_iters(iterations)).run();
        let result = run.map_err(|_| Cancelled { done: 0, trials: self.trials })?;
        let state = result.state();
        let best = state.get_best_param().expect("a simplex has a best vertex");
        let values = self.fits.iter().zip(best).map(|(fit, &z)| fit.value(z)).collect();
        Ok((values, evaluations.get()))
    }
}

/// The negative log-likelihood over the unbounded coordinates.
struct Objective<'a, 'p> {
    problem: &'a Problem<'p>,
    observed: &'a [Vec<Fates>],
    evaluations: &'a Cell<u64>,
}

impl CostFunction for Objective<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, z: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        self.evaluations.set(self.evaluations.get() + 1);
        let values: Vec<f64> = self.problem.fits.iter().zip(z).map(|(fit, &z)| fit.value(z)).collect();
        let simulated = self.problem.simulate(&values, self.problem.trials, 0).map_err(anyhow_error)?;
        Ok(-self.problem.log_likelihood(&simulated, self.observed))
    }
}

fn anyhow_error(e: Cancelled) -> argmin::core::Error {
    argmin::core::Error::msg(e.to_string())
}

/// A fitted field: the estimate and its parametric-bootstrap uncertainty.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    pub path: String,
    pub value: f64,
    /// Standard deviation of the bootstrap refits.
    pub se: f64,
    /// `value ± 1.96 se`, cut to the fit's bounds.
    pub ci95: [f64; 2],
}

/// The stream salt of the bootstrap's synthetic records: unrelated to the fit's own streams.
const BOOTSTRAP_SALT: u64 = 0xB007_57AB_0000_0001;

/// The fit of `observed` (month → night) with a parametric bootstrap of `replicates` synthetic
/// records: each is one trial's nights simulated at the estimate, refitted from it; an interval reaches a
/// bound where the likelihood is flat up to it (`flat_to_bounds`).
pub fn fit_with_uncertainty(
    problem: &Problem,
    observed: &[Vec<Fates>],
    start: &[f64],
    replicates: u64,
) -> Result<(Vec<Estimate>, u64), Cancelled> {
    let (values, mut evaluations) = problem.maximise(observed, start, 0.5)?;
    let mut refits: Vec<Vec<f64>> = Vec::new();
    if !values.is_empty() && replicates >= 2 {
        let synthetic = problem.simulate(&values, replicates, BOOTSTRAP_SALT)?;
        for b in 0..replicates as usize {
            let record: Vec<Vec<Fates>> = synthetic.iter().map(|month| month[b].clone()).collect();
            let (refit, n) = problem.maximise(&record, &values, 0.3)?;
            evaluations += n;
            refits.push(refit);
        }
    }
    let flat = flat_to_bounds(problem, observed, &values)?;
    evaluations += 1 + 2 * values.len() as u64;
    let estimates = problem
        .fits
        .iter()
        .enumerate()
        .map(|(i, fit)| {
            let draws: Vec<f64> = refits.iter().map(|r| r[i]).collect();
            let se = standard_deviation(&draws);
            let value = values[i];
            let mut ci95 = [(value - 1.96 * se).max(fit.lo), (value + 1.96 * se).min(fit.hi)];
            if flat[i][0] {
                ci95[0] = fit.lo;
            }
            if flat[i][1] {
                ci95[1] = fit.hi;
            }
            if fit.whole {
                // What the simulation used: every draw of the field is rounded.
                Estimate { path: fit.path.clone(), value: value.round(), se, ci95: [ci95[0].floor(), ci95[1].ceil()] }
            } else {
                Estimate { path: fit.path.clone(), value, se, ci95 }
            }
        })
        .collect();
    Ok((estimates, evaluations))
}

/// Half the 95th percentile of chi-square with one degree of freedom: a likelihood this close to
/// the maximum is not rejected.
const HALF_CHI2_95: f64 = 1.920_729_4;

/// For each fitted field, whether moving it alone to its lower and to its upper bound leaves the
/// likelihood within [`HALF_CHI2_95`] of its maximum: the data then do not pin it in that
/// direction (a capacity no raid reaches, say), which refits started at the estimate cannot
/// show, so the interval is taken to that bound.
fn flat_to_bounds(problem: &Problem, observed: &[Vec<Fates>], values: &[f64]) -> Result<Vec<[bool; 2]>, Cancelled> {
    let at = |v: &[f64]| -> Result<f64, Cancelled> {
        Ok(problem.log_likelihood(&problem.simulate(v, problem.trials, 0)?, observed))
    };
    let best = at(values)?;
    let mut flat = Vec::with_capacity(values.len());
    for (i, fit) in problem.fits.iter().enumerate() {
        let mut ends = [false; 2];
        for (end, bound) in ends.iter_mut().zip([fit.lo, fit.hi]) {
            let mut moved = values.to_vec();
            moved[i] = bound;
            *end = at(&moved)? >= best - HALF_CHI2_95;
        }
        flat.push(ends);
    }
    Ok(flat)
}

fn standard_deviation(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return f64::NAN;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_specs_parse_and_map_onto_their_bounds() {
        let fit = FitSpec::parse("defence.ew_defeat=0.1:0.5").unwrap();
        assert_eq!((fit.path.as_str(), fit.lo, fit.hi, fit.whole), ("defence.ew_defeat", 0.1, 0.5, false));
        for bad in ["defence.ew_defeat", "x=0.5:0.1", "x=a:b", "=0:1", "x=0:inf"] {
            assert!(FitSpec::parse(bad).is_err(), "{bad}");
        }
        assert!((fit.value(fit.coordinate(0.3)) - 0.3).abs() < 1e-12);
        assert!(fit.value(-50.0) >= 0.1 && fit.value(50.0) <= 0.5);
    }
}
