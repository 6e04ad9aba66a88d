//! Parameter sweeps: one or two `--vary` axes over any `--set` path, every grid point run with the
//! same master seed — common random numbers — so that differences between points are the
//! parameter's effect, not noise.

use crate::engine::{self, Aggregate, Cancelled, Progress};
use crate::scenario::{self, InputError, Loaded, Override};
use crate::stats::Stats;

/// Most grid points one sweep may have.
pub const MAX_POINTS: usize = 400;

/// A point's metrics by name, in output order (`None` where no trial contributed).
pub type Metrics = Vec<(String, Option<Stats>)>;

/// A grid point's values (one per axis) and its metrics.
pub type PointMetrics = (Vec<f64>, Metrics);

/// One varied field and the values it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// A `--set` path, e.g. `threat.decoy.share`.
    pub path: String,
    pub values: Vec<f64>,
}

impl Axis {
    /// Parses `PATH=START:END:STEPS` (STEPS intervals, so STEPS + 1 values, each computed as
    /// START + i × (END − START) / STEPS) or `PATH=a,b,c`.
    pub fn parse(text: &str) -> Result<Axis, InputError> {
        let err = |problem: String| InputError::argument(format!("--vary {text}"), problem);
        let (path, spec) =
            text.split_once('=').ok_or_else(|| err("expected PATH=START:END:STEPS or PATH=a,b,c".into()))?;
        let number = |s: &str| -> Result<f64, InputError> {
            s.trim().parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| {
                err(format!(
                    "`{}` is not a finite number (a range is START:END:STEPS, e.g. 50:800:15; a list is a,b,c)",
                    s.trim()
                ))
            })
        };
        let values = if spec.contains(':') {
            let parts: Vec<&str> = spec.split(':').collect();
            let [start, end, steps] = parts[..] else {
                return Err(err("a range is START:END:STEPS, e.g. 0:0.8:8".into()));
            };
            let (start, end) = (number(start)?, number(end)?);
            let steps: usize = steps
                .trim()
                .parse()
                .map_err(|_| err(format!("STEPS `{}` must be a whole number >= 1", steps.trim())))?;
            if steps == 0 {
                return Err(err("STEPS must be at least 1 (zero steps cannot walk a range)".into()));
            }
            if steps >= MAX_POINTS {
                return Err(err(format!("{steps} steps is more than the {MAX_POINTS} points a sweep may have")));
            }
            let step = (end - start) / steps as f64;
            if !step.is_finite() {
                return Err(err("the range is too wide to walk".into()));
            }
            (0..=steps).map(|i| if i == steps { end } else { tidy(start + i as f64 * step) }).collect()
        } else {
            spec.split(',').map(number).collect::<Result<Vec<_>, _>>()?
        };
        if path.trim().is_empty() {
            return Err(err("the path is empty".into()));
        }
        Ok(Axis { path: path.trim().to_string(), values })
    }
}

/// Rounds to 12 significant digits, so 3 × 0.1 is 0.3 as a user would type it, not
/// 0.30000000000000004.
fn tidy(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// A value as `--set` would spell it: whole numbers without a decimal point.
pub fn spell(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{}", value as i64) } else { format!("{value}") }
}

/// Every combination of the axes' values, the first axis varying slowest.
pub fn grid(axes: &[Axis]) -> Vec<Vec<f64>> {
    axes.iter().fold(vec![Vec::new()], |points, axis| {
        points.iter().flat_map(|p| axis.values.iter().map(move |&v| [p.clone(), vec![v]].concat())).collect()
    })
}

/// What else each axis changes, if anything (see [`scenario::coupling`]).
pub fn notes(base: &scenario::Scenario, axes: &[Axis]) -> Vec<Option<String>> {
    axes.iter().map(|a| scenario::coupling(base, &a.path)).collect()
}

/// One grid point: its values, the scenario with them set, and its result once run.
pub struct Point {
    pub values: Vec<f64>,
    pub loaded: Loaded,
}

/// Builds and validates every grid point from the base scenario before anything runs.
pub fn points(base: &Loaded, axes: &[Axis]) -> Result<Vec<Point>, InputError> {
    let total: usize = axes.iter().map(|a| a.values.len()).product();
    if total > MAX_POINTS {
        return Err(InputError::argument(
            "--vary",
            format!("the grid has {total} points; a sweep may have at most {MAX_POINTS}"),
        ));
    }
    let sets = base.sets.iter().map(|s| Override::parse(s)).collect::<Result<Vec<_>, _>>()?;
    grid(axes)
        .into_iter()
        .map(|values| {
            let mut all = sets.clone();
            for (axis, value) in axes.iter().zip(&values) {
                all.push(Override::parse(&format!("{}={}", axis.path, spell(*value)))?);
            }
            Ok(Point { loaded: crate::replay::parse(&base.source, &base.file, &all)?, values })
        })
        .collect()
}

/// Runs every point with the same seed and trials (common random numbers), each stopping early
/// where `stop` says so (see [`engine::run_until`]).
pub fn run(
    points: &[Point],
    trials: u64,
    seed: u64,
    progress: &dyn Progress,
    stop: Option<engine::StopRule>,
) -> Result<Vec<Aggregate>, Cancelled> {
    points.iter().map(|p| engine::run_until(&p.loaded.scenario, trials, seed, progress, stop)).collect()
}

/// Per-point metrics of sweep.csv, in output order: the headline figures, then each finite-stock
/// layer's probability of running dry and exhaustion night.
pub fn metrics(scenario: &scenario::Scenario, aggregate: &Aggregate) -> Metrics {
    let mut rows: Metrics = aggregate.headline().into_iter().map(|(name, stats)| (name.to_string(), stats)).collect();
    for (layer, tallies) in scenario.layers.iter().zip(&aggregate.layers).filter(|(l, _)| l.stock.is_some()) {
        let dry = Stats::of_share(tallies.exhausted_trials, aggregate.trials);
        rows.push((format!("layers.{}.p_exhausted", layer.name), dry));
        rows.push((format!("layers.{}.exhaustion_night", layer.name), tallies.exhaustion_night.stats()));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_computed_not_accumulated() {
        let axis = Axis::parse("threat.decoy.share=0:0.8:8").unwrap();
        assert_eq!(axis.values.len(), 9);
        assert_eq!(axis.values[3], 0.3);
        assert_eq!(axis.values[6], 0.6);
        assert_eq!(*axis.values.last().unwrap(), 0.8);
        assert_eq!(Axis::parse("raid.size=50:800:15").unwrap().values[1], 100.0);
        assert_eq!(Axis::parse("x=1,2.5,4").unwrap().values, [1.0, 2.5, 4.0]);
    }

    #[test]
    fn bad_axes_say_why() {
        for (text, message) in [
            ("x=0:1:0", "zero steps"),
            ("x=0:1", "START:END:STEPS"),
            ("x=a:1:3", "`a` is not a finite number"),
            ("x=0:1:-2", "whole number"),
            ("x=0:1:100000", "more than the 400 points"),
            ("x=1,nan", "`nan` is not a finite number"),
            ("raid.size=50-800", "`50-800` is not a finite number (a range is START:END:STEPS"),
            ("nonsense", "expected PATH="),
            ("x=-1e308:1e308:2", "too wide"),
        ] {
            let e = Axis::parse(text).unwrap_err().to_string();
            assert!(e.contains(message), "{text}: {e}");
        }
    }

    #[test]
    fn grids_vary_the_first_axis_slowest() {
        let a = Axis { path: "a".into(), values: vec![1.0, 2.0] };
        let b = Axis { path: "b".into(), values: vec![10.0, 20.0, 30.0] };
        let g = grid(&[a, b]);
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], [1.0, 10.0]);
        assert_eq!(g[2], [1.0, 30.0]);
        assert_eq!(g[3], [2.0, 10.0]);
    }

    #[test]
    fn values_are_spelled_as_a_user_would() {
        assert_eq!(spell(100.0), "100");
        assert_eq!(spell(0.4), "0.4");
        assert_eq!(spell(-2.0), "-2");
    }
}
