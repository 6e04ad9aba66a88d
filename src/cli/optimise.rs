//! `optimise`: load the scenario, check every decision, metric and constraint (the metrics against
//! a short probe run), search, confirm the winner, re-solve along the frontier if asked, then write
//! the files in one step. No feasible candidate is exit 3, after the files are written.

use salvosim::charts::{self, optimise::Candidate, optimise::OptimiseChart};
use salvosim::format::plain;
use salvosim::optimise::{Constraint, Decision, Goal, Metric, Objective, Problem, Sense, Solution};
use salvosim::output::{self, RunInfo, optimise::Asked, optimise::FrontierPoint};
use salvosim::results;
use salvosim::scenario::labels::{Names, label, metric_label, metric_words};
use salvosim::scenario::{InputError, Scenario};
use salvosim::sweep::Axis;

use super::Failure;
use super::args::{OptimiseArgs, argument_error, thread_pool};
use super::commands::load;
use super::fit::field_specs;
use super::progress::progress_bar;

/// Trials of the probe run that checks the metrics' names.
const PROBE_TRIALS: u64 = 20;

pub(super) fn optimise(args: &OptimiseArgs) -> Result<(), Failure> {
    let loaded = load(&args.input)?;
    let scenario = &loaded.scenario;
    let decisions = field_specs(scenario, &args.decide, "--decide")?;
    let objective = objective(args)?;
    let constraints = parse_constraints("--subject-to", &args.subject_to)?;
    let frontier = args.pareto.as_deref().map(parse_pareto).transpose()?;
    let confirm_trials = args.search.confirm_trials()?;
    let pool = thread_pool(args.search.threads)?;
    let dir = args.output.out.clone().unwrap_or_else(|| output::default_fit_dir(scenario, "optimise"));
    let staging = output::Staging::begin(&dir, args.output.replace(results::OPTIMISE_JSON))?;

    let seed = args.search.seed.unwrap_or(scenario.seed);
    let info = RunInfo::fixed(&loaded.hash, seed, args.search.trials);
    let summarise =
        |s: &Scenario, a: &salvosim::engine::Aggregate| output::summary_json::summary(&info, s, &loaded.sets, a);
    let bar = progress_bar(args.search.trials * 60 * (decisions.len() as u64 + 1), args.output.quiet);
    let scenarios = [scenario.clone()];
    let problem = Problem {
        scenarios: &scenarios,
        decisions: &decisions,
        objective: &objective,
        constraints: &constraints,
        trials: args.search.trials,
        seed,
        summarise: &summarise,
        progress: &bar,
    };
    let start: Vec<f64> = decisions.iter().map(|d| scenario.param(&d.path).map_or(d.lo, |p| p.mean())).collect();
    let flag = if objective.goal == Goal::Minimise { "--minimise" } else { "--maximise" };
    let named = std::iter::once((flag, &objective.metric))
        .chain(constraints.iter().map(|c| ("--subject-to", &c.metric)))
        .chain(frontier.as_ref().map(|(m, _)| ("--pareto", m)));
    check_metrics(&problem, &start, named)?;
    let solved = pool.install(|| -> Result<_, salvosim::engine::Cancelled> {
        let solution = problem.solve(&start, confirm_trials)?;
        // Each bound replaces any --subject-to on the frontier's metric, and its search starts
        // from the winner of the problem as given.
        let start = &solution.confirmed.values;
        let along = match &frontier {
            Some((metric, bounds)) => bounds
                .iter()
                .map(|&bound| {
                    let mut bounded: Vec<Constraint> =
                        constraints.iter().filter(|c| c.metric != *metric).cloned().collect();
                    bounded.push(Constraint { metric: metric.clone(), sense: Sense::AtMost, bound });
                    Problem { constraints: &bounded, ..problem }.solve(start, confirm_trials)
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        Ok((solution, along))
    });
    bar.0.finish_and_clear();
    let (solution, along) = solved?;

    let asked =
        Asked { scenario: &scenario.name, decisions: &decisions, objective: &objective, constraints: &constraints };
    let points: Vec<FrontierPoint> = frontier
        .iter()
        .flat_map(|(_, bounds)| bounds)
        .zip(&along)
        .map(|(&bound, solution)| FrontierPoint { bound, solution })
        .collect();
    let chart = (!args.output.no_charts)
        .then(|| {
            let names = Names::of(scenario);
            let frontier = frontier.as_ref().map(|(m, _)| m);
            charts::draw_optimise(&chart_data(&info, &asked, &solution, frontier, &points, &names))
        })
        .transpose()?;
    output::write_optimise(
        staging.path(),
        &info,
        &asked,
        &solution,
        frontier.as_ref().map(|(m, _)| (m, points.as_slice())),
        chart.as_deref().unwrap_or_default(),
    )?;
    staging.commit()?;
    if !args.output.quiet {
        print!("{}", output::console::optimise_table(&asked, &solution, args.search.trials));
        println!("wrote {}/{{{}, {}}}", dir.display(), results::OPTIMISE_JSON, results::OPTIMISE_CSV);
    }
    if solution.confirmed.feasible {
        Ok(())
    } else {
        Err(Failure::Infeasible(format!(
            "no candidate meets every --subject-to; the closest is in {}",
            dir.join(results::OPTIMISE_JSON).display()
        )))
    }
}

/// Each `METRIC<=X` or `METRIC>=X` given to `flag`.
pub(super) fn parse_constraints(flag: &str, texts: &[String]) -> Result<Vec<Constraint>, InputError> {
    texts.iter().map(|text| Constraint::parse(text).map_err(|p| argument_error(flag, text, &p))).collect()
}

/// `--minimise METRIC` or `--maximise METRIC` (clap lets at most one through).
fn objective(args: &OptimiseArgs) -> Result<Objective, InputError> {
    let (flag, text, goal) = match (&args.minimise, &args.maximise) {
        (Some(text), _) => ("--minimise", text, Goal::Minimise),
        (None, Some(text)) => ("--maximise", text, Goal::Maximise),
        (None, None) => return Err(argument_error("--minimise", "", "give --minimise METRIC or --maximise METRIC")),
    };
    let metric = Metric::parse(text).map_err(|p| argument_error(flag, text, &p))?;
    Ok(Objective { metric, goal })
}

/// `METRIC=LO:HI:STEPS`: the frontier's metric and its bounds.
fn parse_pareto(text: &str) -> Result<(Metric, Vec<f64>), InputError> {
    let axis = Axis::parse(text)
        .map_err(|_| argument_error("--pareto", text, "expected METRIC=LO:HI:STEPS, e.g. leak_rate=0.05:0.15:4"))?;
    let metric = Metric::parse(&axis.path).map_err(|p| argument_error("--pareto", text, &p))?;
    if axis.values.first() > axis.values.last() {
        return Err(argument_error("--pareto", text, "LO must not be above HI (the bounds run from tight to loose)"));
    }
    Ok((metric, axis.values))
}

/// Every metric named (with the option that named it) must be a figure of summary.json: checked on
/// a short run at the start.
pub(super) fn check_metrics<'m>(
    problem: &Problem,
    start: &[f64],
    named: impl Iterator<Item = (&'static str, &'m Metric)>,
) -> Result<(), Failure> {
    let probe = problem.summaries(start, PROBE_TRIALS)?.swap_remove(0);
    for (flag, metric) in named {
        metric.check(&probe).map_err(|problem| argument_error(flag, metric, &problem))?;
    }
    Ok(())
}

/// The mix of a solution in words, one decision a line: `NASAMS stock at the start (rounds): 180`.
fn mix(decisions: &[Decision], values: &[f64], names: &Names) -> Vec<String> {
    decisions.iter().zip(values).map(|(d, v)| format!("{}: {}", label(&d.path, names), plain(*v))).collect()
}

fn chart_data(
    info: &RunInfo,
    asked: &Asked,
    solution: &Solution,
    frontier: Option<&Metric>,
    points: &[FrontierPoint],
    names: &Names,
) -> OptimiseChart {
    let search = &solution.search;
    OptimiseChart {
        scenario: asked.scenario.to_string(),
        trials: info.trials,
        seed: info.seed,
        version: info.version.clone(),
        objective: asked.objective.metric.to_string(),
        objective_label: metric_label(&asked.objective.metric.path, names),
        objective_words: metric_words(&asked.objective.metric.path, names),
        goal: asked.objective.goal,
        constrained: !asked.constraints.is_empty(),
        candidates: search
            .evaluations
            .iter()
            .map(|e| Candidate { objective: e.objective, feasible: e.feasible })
            .collect(),
        best: search.best,
        confirmed: (
            solution.confirmed.objective,
            solution.confirmed.feasible,
            mix(asked.decisions, &solution.confirmed.values, names),
        ),
        frontier: frontier.map(|metric| {
            let along = points
                .iter()
                .map(|p| {
                    let c = &p.solution.confirmed;
                    let short = c.values.iter().map(|v| plain(*v)).collect::<Vec<_>>().join(" / ");
                    (p.bound, c.feasible.then_some(c.objective), short)
                })
                .collect();
            let words =
                if metric.to_string() == metric.path { metric_words(&metric.path, names) } else { metric.to_string() };
            (words, along)
        }),
        decided: asked.decisions.iter().map(|d| label(&d.path, names)).collect(),
    }
}
