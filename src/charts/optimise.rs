//! The optimiser's charts: the search (every candidate's objective in the order evaluated,
//! feasible ones apart from the rest, the winner marked) and, with `--pareto`, the frontier (the
//! best feasible candidate at each bound, each point labelled with its mix).

use anyhow::Result;
use plotters::prelude::*;

use super::theme;
use crate::format::{plain, usd, usd_tick};
use crate::optimise::Goal;

pub const SEARCH: &str = "optimise-search";
pub const FRONTIER: &str = "optimise-frontier";

/// One candidate on the search chart.
pub struct Candidate {
    pub objective: f64,
    pub feasible: bool,
}

/// A point of the frontier: the bound, the confirmed objective (`None`: infeasible) and the decided
/// values in short (`119 / 62 / 98`).
pub type FrontierPoint = (f64, Option<f64>, String);

/// What the charts show.
pub struct OptimiseChart {
    pub scenario: String,
    pub trials: u64,
    pub seed: u64,
    pub version: String,
    /// The objective's metric, as named (`defence_cost_usd`).
    pub objective: String,
    /// The objective's metric in words, for an axis ("Cost of fielding the defence (USD)").
    pub objective_label: String,
    /// The same for the middle of a sentence ("cost of fielding the defence (USD)").
    pub objective_words: String,
    /// Whether the objective is minimised or maximised.
    pub goal: Goal,
    /// Whether the problem has constraints (the titles say "meeting every constraint" only then).
    pub constrained: bool,
    pub candidates: Vec<Candidate>,
    pub best: usize,
    /// The winner's confirmed objective, whether it meets every constraint, and its mix in words
    /// (one decision an entry).
    pub confirmed: (f64, bool, Vec<String>),
    /// The frontier's metric (in words) and its points, one per bound.
    pub frontier: Option<(String, Vec<FrontierPoint>)>,
    /// The decided fields in words, in the order of the frontier's labels.
    pub decided: Vec<String>,
}

impl OptimiseChart {
    fn show(&self, value: f64) -> String {
        if self.objective.contains("_usd") { usd(value) } else { plain(value) }
    }

    fn tick(&self, value: f64) -> String {
        if self.objective.contains("_usd") { usd_tick(value) } else { plain(value) }
    }

    fn subtitle(&self) -> String {
        theme::subtitle(&self.scenario, self.trials, "a candidate, common random numbers", self.seed)
    }

    /// "lowest" or "highest": the best objective, in a sentence.
    fn best(&self) -> &'static str {
        if self.goal == Goal::Minimise { "lowest" } else { "highest" }
    }

    fn footer(&self) -> String {
        format!("salvosim {} · a constraint counts as met only at the end of its 95 % CI hardest to meet", self.version)
    }
}

fn search_title(data: &OptimiseChart) -> String {
    let (objective, feasible, _) = &data.confirmed;
    if *feasible {
        let best = if data.goal == Goal::Minimise { "Lowest" } else { "Highest" };
        let meeting = if data.constrained { " meeting every constraint" } else { "" };
        format!("{best} {}{meeting}: {}", data.objective_words, data.show(*objective))
    } else {
        "No candidate meets every constraint: the closest is marked".to_string()
    }
}

pub fn draw_search(data: &OptimiseChart) -> Result<String> {
    theme::svg(|root| {
        let area = theme::frame(root, &search_title(data), &data.subtitle(), &data.footer())?;
        let finite: Vec<f64> = data.candidates.iter().map(|c| c.objective).filter(|v| v.is_finite()).collect();
        let top = finite.iter().copied().fold(f64::MIN, f64::max).max(1e-9) * 1.08;
        let bottom = finite.iter().copied().fold(f64::MAX, f64::min).min(top).max(0.0) * 0.92;
        let n = data.candidates.len().max(1) as f64;
        let mut chart = theme::plane(&area, 0.5..n + 0.5, bottom..top, 140)?;
        let descriptions = ("Candidate, in the order evaluated", data.objective_label.as_str());
        let x_format = |x: &f64| theme::whole_only(*x, |v| format!("{v:.0}"));
        theme::house_mesh(&mut chart, descriptions, 10, &x_format, &|y| data.tick(*y))?;
        let point = |i: usize| ((i + 1) as f64, data.candidates[i].objective);
        let drawn =
            |feasible: bool| (0..data.candidates.len()).filter(move |&i| data.candidates[i].feasible == feasible);
        chart.draw_series(drawn(false).map(|i| Circle::new(point(i), 6, theme::GREY.stroke_width(2))))?;
        chart.draw_series(drawn(true).map(|i| Circle::new(point(i), 6, theme::BLUE.filled())))?;
        chart.draw_series(std::iter::once(Circle::new(point(data.best), 12, theme::VERMILLION.stroke_width(4))))?;
        let mut key = vec![
            ("meets every constraint".to_string(), theme::Mark::Block(theme::BLUE)),
            ("misses a constraint".to_string(), theme::Mark::Block(theme::GREY)),
            ("the winner, confirmed:".to_string(), theme::Mark::Block(theme::VERMILLION)),
        ];
        key.extend(data.confirmed.2.iter().map(|part| (part.clone(), theme::Mark::Blank)));
        theme::side_key(&area, &key)?;
        Ok(())
    })
}

fn frontier_title(data: &OptimiseChart, metric: &str, points: &[FrontierPoint]) -> String {
    let unmet: Vec<String> = points.iter().filter(|(_, o, _)| o.is_none()).map(|(b, _, _)| plain(*b)).collect();
    let unmet = if unmet.is_empty() { String::new() } else { format!(" ({} cannot be met)", unmet.join(", ")) };
    format!("{}{unmet}", frontier_finding(data, metric, points))
}

fn frontier_finding(data: &OptimiseChart, metric: &str, points: &[FrontierPoint]) -> String {
    let feasible: Vec<(f64, f64)> = points.iter().filter_map(|(b, o, _)| o.map(|o| (*b, o))).collect();
    match (feasible.first(), feasible.last()) {
        (Some(&(b0, o0)), Some(&(b1, o1))) if feasible.len() > 1 => format!(
            "Tightening {metric} from {} to {} takes the {} {} from {} to {}",
            plain(b1),
            plain(b0),
            data.best(),
            data.objective_words,
            data.show(o1),
            data.show(o0)
        ),
        (Some(&(b, o)), _) => {
            format!("Only {metric} ≤ {} can be met: {} at {}", plain(b), data.objective_words, data.show(o))
        }
        _ => format!("No bound on {metric} can be met"),
    }
}

pub fn draw_frontier(data: &OptimiseChart) -> Result<Option<String>> {
    let Some((metric, points)) = &data.frontier else { return Ok(None) };
    theme::svg(|root| {
        let area = theme::frame(root, &frontier_title(data, metric, points), &data.subtitle(), &data.footer())?;
        let feasible: Vec<(f64, f64, &String)> = points.iter().filter_map(|(b, o, m)| o.map(|o| (*b, o, m))).collect();
        let (lo, hi) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), (b, _, _)| (lo.min(*b), hi.max(*b)));
        let pad = ((hi - lo) * 0.08).max(1e-9);
        let top = feasible.iter().map(|p| p.1).fold(1e-9, f64::max) * 1.15;
        let mut chart = theme::plane(&area, lo - pad..hi + pad, 0.0..top, 140)?;
        let x_desc = format!("Bound on {metric}");
        theme::house_mesh(&mut chart, (&x_desc, &data.objective_label), 10, &|x| plain(*x), &|y| data.tick(*y))?;
        chart.draw_series(LineSeries::new(feasible.iter().map(|p| (p.0, p.1)), theme::BLUE.stroke_width(4)))?;
        chart.draw_series(feasible.iter().map(|p| Circle::new((p.0, p.1), 8, theme::BLUE.filled())))?;
        for (i, (bound, objective, mix)) in feasible.iter().enumerate() {
            let lift = if i % 2 == 0 { 0.04 } else { 0.09 } * top;
            let style = theme::font(16).color(&theme::INK);
            chart.draw_series(std::iter::once(Text::new((*mix).clone(), (*bound, objective + lift), style)))?;
        }
        let mut key = vec![
            (format!("{} meeting every constraint", data.best()), theme::Mark::Line(theme::BLUE)),
            ("labels: the decided values,".to_string(), theme::Mark::Block(theme::LIGHT)),
        ];
        for (i, path) in data.decided.iter().enumerate() {
            let slash = if i + 1 < data.decided.len() { " /" } else { "" };
            key.push((format!("{path}{slash}"), theme::Mark::Blank));
        }
        theme::side_key(&area, &key)?;
        Ok(())
    })
    .map(Some)
}
