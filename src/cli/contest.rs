//! `contest`: load the scenario, check each side's fields (the defender's `layer.*`/`defence.*`,
//! the attacker's `raid.*`/`threat.*`, a phase's fields by whose they are), metrics and
//! constraints, play the rounds, draw the best-response curves, then write the files in one step.
//! Not converging within the round limit, or a side with nothing feasible, is exit 3 after the
//! files are written.

use salvosim::charts::{
    self,
    contest::{ContestChart, Named, RoundPoint},
};
use salvosim::contest::{Contest, Ending, Outcome, Side};
use salvosim::format::plain;
use salvosim::optimise::{Decision, Goal, Metric, Objective, Problem};
use salvosim::output::{self, RunInfo, contest::Curves};
use salvosim::results;
use salvosim::scenario::labels::{Names, label, metric_label, metric_words};
use salvosim::scenario::{InputError, Scenario};

use super::Failure;
use super::args::{ContestArgs, argument_error, thread_pool};
use super::commands::load;
use super::fit::field_specs;
use super::optimise::{check_metrics, parse_constraints};
use super::progress::progress_bar;

/// Most rounds a contest may be asked to play.
const MAX_ROUNDS: u64 = 50;
/// Points of each best-response curve.
const CURVE_POINTS: usize = 9;

/// Whose a field is: `Some(true)` the attacker's, `Some(false)` the defender's, `None` neither's
/// (the campaign's length, the seed).
fn attackers(path: &str) -> Option<bool> {
    let parts: Vec<&str> = path.split('.').collect();
    match parts.as_slice() {
        ["raid" | "threat", ..] | ["phase", _, "raid_size"] | ["phase", _, "shares", _] => Some(true),
        ["layer" | "defence", ..] | ["phase", _, "early_warning"] => Some(false),
        _ => None,
    }
}

/// `flag`'s fields, each checked to be `attacker`'s side's.
fn side_fields(scenario: &Scenario, texts: &[String], flag: &str, attacker: bool) -> Result<Vec<Decision>, InputError> {
    let decisions = field_specs(scenario, texts, flag)?;
    for decision in &decisions {
        if attackers(&decision.path) != Some(attacker) {
            let allowed = if attacker {
                "the attacker decides raid.*, threat.* and a phase's raid_size and shares.*"
            } else {
                "the defender decides layer.*, defence.* and a phase's early_warning"
            };
            return Err(argument_error(flag, &decision.path, allowed));
        }
    }
    Ok(decisions)
}

pub(super) fn contest(args: &ContestArgs) -> Result<(), Failure> {
    let loaded = load(&args.input)?;
    let scenario = &loaded.scenario;
    let defender_decisions = side_fields(scenario, &args.decide, "--decide", false)?;
    let attacker_decisions = side_fields(scenario, &args.attacker, "--attacker", true)?;
    let parse = |flag: &str, text: &str| Metric::parse(text).map_err(|p| argument_error(flag, text, &p));
    let defender_objective = Objective { metric: parse("--minimise", &args.minimise)?, goal: Goal::Minimise };
    let attacker_objective =
        Objective { metric: parse("--attacker-maximises", &args.attacker_maximises)?, goal: Goal::Maximise };
    let defender_constraints = parse_constraints("--subject-to", &args.subject_to)?;
    let attacker_constraints = parse_constraints("--attacker-subject-to", &args.attacker_subject_to)?;
    let confirm_trials = args.search.confirm_trials()?;
    if !(args.tolerance.is_finite() && (0.0..=1.0).contains(&args.tolerance)) {
        return Err(argument_error("--tolerance", args.tolerance, "must be a fraction in 0..=1, e.g. 0.01").into());
    }
    if args.max_rounds == 0 || args.max_rounds > MAX_ROUNDS {
        return Err(argument_error("--max-rounds", args.max_rounds, "must be a whole number in 1..=50").into());
    }
    let pool = thread_pool(args.search.threads)?;
    let dir = args.output.out.clone().unwrap_or_else(|| output::default_fit_dir(scenario, "contest"));
    let staging = output::Staging::begin(&dir, args.output.replace(results::CONTEST_JSON))?;

    let seed = args.search.seed.unwrap_or(scenario.seed);
    let info = RunInfo::fixed(&loaded.hash, seed, args.search.trials);
    let summarise =
        |s: &Scenario, a: &salvosim::engine::Aggregate| output::summary_json::summary(&info, s, &loaded.sets, a);
    let decided = (defender_decisions.len() + attacker_decisions.len()) as u64;
    let bar = progress_bar(args.search.trials * 60 * (decided + 1) * args.max_rounds, args.output.quiet);
    let contest = Contest {
        scenario,
        defender: Side {
            decisions: &defender_decisions,
            objective: &defender_objective,
            constraints: &defender_constraints,
        },
        attacker: Side {
            decisions: &attacker_decisions,
            objective: &attacker_objective,
            constraints: &attacker_constraints,
        },
        trials: args.search.trials,
        confirm_trials,
        seed,
        tolerance: args.tolerance,
        max_rounds: args.max_rounds as usize,
        summarise: &summarise,
        progress: &bar,
    };
    let probe_scenario = [scenario.clone()];
    let probe = Problem {
        scenarios: &probe_scenario,
        decisions: &[],
        objective: &defender_objective,
        constraints: &[],
        trials: args.search.trials,
        seed,
        summarise: &summarise,
        progress: &bar,
    };
    let named = std::iter::once(("--minimise", &defender_objective.metric))
        .chain(defender_constraints.iter().map(|c| ("--subject-to", &c.metric)))
        .chain(std::iter::once(("--attacker-maximises", &attacker_objective.metric)))
        .chain(attacker_constraints.iter().map(|c| ("--attacker-subject-to", &c.metric)));
    check_metrics(&probe, &[], named)?;

    let played = pool.install(|| -> Result<_, salvosim::engine::Cancelled> {
        let outcome = contest.play()?;
        let (first, last) = (&outcome.rounds[0], outcome.last());
        let curves = Curves {
            nominal: contest.curve(&first.defence.confirmed.values, &first.response.confirmed.values, CURVE_POINTS)?,
            robust: contest.curve(&last.defence.confirmed.values, &last.response.confirmed.values, CURVE_POINTS)?,
        };
        Ok((outcome, curves))
    });
    bar.0.finish_and_clear();
    let (outcome, curves) = played?;

    let chart = (!args.output.no_charts)
        .then(|| charts::draw_contest(&chart_data(&info, &contest, &outcome, &curves, &Names::of(scenario))))
        .transpose()?;
    output::write_contest(staging.path(), &info, &contest, &outcome, &curves, chart.as_deref().unwrap_or_default())?;
    staging.commit()?;
    if !args.output.quiet {
        print!("{}", rounds_table(&contest, &outcome));
        println!("wrote {}/{{{}, {}}}", dir.display(), results::CONTEST_JSON, results::CONTEST_CSV);
    }
    let json = dir.join(results::CONTEST_JSON);
    match outcome.ending {
        Ending::Converged => Ok(()),
        Ending::DefenderInfeasible => Err(Failure::Infeasible(format!(
            "no defence meets every --subject-to against the attacker's strategies; the closest is in {}",
            json.display()
        ))),
        Ending::RoundLimit => Err(Failure::Infeasible(format!(
            "the attacker still gains more than --tolerance after {} rounds; the rounds are in {}",
            outcome.rounds.len(),
            json.display()
        ))),
        Ending::AttackerInfeasible => Err(Failure::Infeasible(format!(
            "no attacker strategy meets every --attacker-subject-to; the closest is in {}",
            json.display()
        ))),
    }
}

/// The console's account of the rounds.
fn rounds_table(contest: &Contest, outcome: &Outcome) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let values = |decisions: &[Decision], values: &[f64]| {
        decisions.iter().zip(values).map(|(d, v)| format!("{} {}", d.path, plain(*v))).collect::<Vec<_>>().join(", ")
    };
    for (i, round) in outcome.rounds.iter().enumerate() {
        let best = round.best_in_set.map_or("none".to_string(), |(_, p)| plain(p));
        let _ = writeln!(
            out,
            "round {} against {} strateg{}: defence {} ({} {}{}); reply {} ({} {}, best known {best}, gap {})",
            i + 1,
            round.strategies,
            if round.strategies == 1 { "y" } else { "ies" },
            values(contest.defender.decisions, &round.defence.confirmed.values),
            contest.defender.objective.metric,
            plain(round.defence.confirmed.objective),
            if round.defence.confirmed.feasible { "" } else { ", INFEASIBLE" },
            values(contest.attacker.decisions, &round.response.confirmed.values),
            contest.attacker.objective.metric,
            plain(round.response.confirmed.objective),
            plain(round.gap),
        );
    }
    let _ = writeln!(out, "{}", outcome.ending.key().replace('_', " "));
    out
}

fn named(metric: &Metric, names: &Names) -> Named {
    Named {
        label: metric_label(&metric.path, names),
        words: metric_words(&metric.path, names),
        usd: metric.path.ends_with("_usd"),
    }
}

fn chart_data(info: &RunInfo, contest: &Contest, outcome: &Outcome, curves: &Curves, names: &Names) -> ContestChart {
    ContestChart {
        scenario: contest.scenario.name.clone(),
        trials: info.trials,
        seed: info.seed,
        version: info.version.clone(),
        defender: named(&contest.defender.objective.metric, names),
        attacker: named(&contest.attacker.objective.metric, names),
        rounds: outcome
            .rounds
            .iter()
            .map(|r| RoundPoint {
                defender: r.defence.confirmed.objective,
                defender_feasible: r.defence.confirmed.feasible,
                response: r.response.confirmed.objective,
                best_in_set: r.best_in_set.map(|(_, p)| p),
            })
            .collect(),
        ending: outcome.ending,
        decision: label(&contest.attacker.decisions[0].path, names),
        replies: (outcome.rounds[0].response.confirmed.values[0], outcome.last().response.confirmed.values[0]),
        nominal: curves.nominal.clone(),
        robust: curves.robust.clone(),
    }
}
