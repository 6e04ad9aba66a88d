//! The contest's charts: the rounds (the defender's objective above, the attacker's best reply
//! and the best strategy already found below, converging), and the best-response curves (the
//! attacker's payoff along its first decision against the nominal and the robust defence).

use anyhow::Result;
use plotters::prelude::*;

use super::theme;
use crate::contest::{CurvePoint, Ending};
use crate::format::{plain, usd, usd_tick};

pub const ROUNDS: &str = "contest-rounds";
pub const RESPONSE: &str = "contest-response";

/// One round on the rounds chart.
pub struct RoundPoint {
    pub defender: f64,
    pub defender_feasible: bool,
    /// The attacker's best reply to the round's defence.
    pub response: f64,
    /// The best strategy already in the set against the same defence (`None`: none feasible).
    pub best_in_set: Option<f64>,
}

/// A metric as the charts show it: its label for an axis, its words for a sentence, and whether
/// it is in dollars.
pub struct Named {
    pub label: String,
    pub words: String,
    pub usd: bool,
}

impl Named {
    fn show(&self, value: f64) -> String {
        if self.usd { usd(value) } else { plain(value) }
    }

    fn tick(&self, value: f64) -> String {
        if self.usd { usd_tick(value) } else { plain(value) }
    }
}

/// What the charts show.
pub struct ContestChart {
    pub scenario: String,
    pub trials: u64,
    pub seed: u64,
    pub version: String,
    /// The defender's objective and the attacker's payoff.
    pub defender: Named,
    pub attacker: Named,
    pub rounds: Vec<RoundPoint>,
    pub ending: Ending,
    /// The attacker's first decision, in words, and its payoff along it at the nominal defence
    /// (round 1's) and at the final one.
    pub decision: String,
    pub nominal: Vec<CurvePoint>,
    pub robust: Vec<CurvePoint>,
    /// The first decision's value in round 1's reply and in the final reply, marked on the curves.
    pub replies: (f64, f64),
}

impl ContestChart {
    fn subtitle(&self) -> String {
        theme::subtitle(&self.scenario, self.trials, "a candidate, common random numbers", self.seed)
    }

    fn footer(&self) -> String {
        format!(
            "salvosim {} · a defence is judged at its worst over the attacker's strategies; a constraint at the end of its 95 % CI hardest to meet",
            self.version
        )
    }
}

fn rounds_title(data: &ContestChart) -> String {
    let n = data.rounds.len();
    let rounds = if n == 1 { "1 round".to_string() } else { format!("{n} rounds") };
    let last = data.rounds.last();
    match data.ending {
        Ending::Converged => {
            let (first, last) =
                (data.rounds.first().map_or(f64::NAN, |r| r.defender), last.map_or(f64::NAN, |r| r.defender));
            let more = if last >= first { "+" } else { "−" };
            format!(
                "The defence holds after {rounds}: {} {} → {} ({more}{})",
                data.defender.words,
                data.defender.show(first),
                data.defender.show(last),
                data.defender.show((last - first).abs())
            )
        }
        Ending::RoundLimit => {
            let gain = last.and_then(|r| r.best_in_set.map(|b| r.response - b)).unwrap_or(f64::NAN);
            format!("No defence holds after {rounds}: the attacker's reply still gains {}", data.attacker.show(gain))
        }
        Ending::DefenderInfeasible => {
            format!("No defence in range meets its constraints against the attacker's strategies ({rounds})")
        }
        Ending::AttackerInfeasible => "No attacker strategy meets the attacker's constraints".to_string(),
    }
}

pub fn draw_rounds(data: &ContestChart) -> Result<String> {
    theme::svg(|root| {
        let area = theme::frame(root, &rounds_title(data), &data.subtitle(), &data.footer())?;
        let panels = area.split_evenly((2, 1));
        let n = data.rounds.len().max(1) as f64;
        let x_format = |x: &f64| theme::whole_only(*x, |v| format!("{v:.0}"));
        let round = |i: usize| (i + 1) as f64;

        let finite = |v: &f64| v.is_finite();
        let top = data.rounds.iter().map(|r| r.defender).filter(finite).fold(1e-9, f64::max) * 1.15;
        let mut chart = theme::plane(&panels[0], 0.5..n + 0.5, 0.0..top, 140)?;
        theme::house_mesh(&mut chart, ("", &data.defender.label), 10, &x_format, &|y| data.defender.tick(*y))?;
        let points: Vec<(f64, f64)> = data.rounds.iter().enumerate().map(|(i, r)| (round(i), r.defender)).collect();
        chart.draw_series(LineSeries::new(points.iter().copied(), theme::BLUE.stroke_width(4)))?;
        chart.draw_series(data.rounds.iter().enumerate().map(|(i, r)| {
            let style = if r.defender_feasible { theme::BLUE.filled() } else { theme::GREY.stroke_width(3) };
            Circle::new((round(i), r.defender), 8, style)
        }))?;

        let payoffs = data.rounds.iter().flat_map(|r| [Some(r.response), r.best_in_set]).flatten();
        let top = payoffs.filter(finite).fold(1e-9, f64::max) * 1.15;
        let mut chart = theme::plane(&panels[1], 0.5..n + 0.5, 0.0..top, 140)?;
        let x_desc = "Round (the defender solves against every strategy found, the attacker replies)";
        theme::house_mesh(&mut chart, (x_desc, &data.attacker.label), 10, &x_format, &|y| data.attacker.tick(*y))?;
        let reply: Vec<(f64, f64)> = data.rounds.iter().enumerate().map(|(i, r)| (round(i), r.response)).collect();
        chart.draw_series(LineSeries::new(reply.iter().copied(), theme::VERMILLION.stroke_width(4)))?;
        chart.draw_series(reply.iter().map(|&p| Circle::new(p, 8, theme::VERMILLION.filled())))?;
        let known: Vec<(f64, f64)> =
            data.rounds.iter().enumerate().filter_map(|(i, r)| r.best_in_set.map(|b| (round(i), b))).collect();
        chart.draw_series(DashedLineSeries::new(known.iter().copied(), 12, 8, theme::INK.stroke_width(3)))?;
        chart.draw_series(known.iter().map(|&p| Cross::new(p, 9, theme::INK.stroke_width(3))))?;

        let key = vec![
            (format!("the defender's objective (above): {}", data.defender.label), theme::Mark::Line(theme::BLUE)),
            ("(hollow: misses a constraint)".to_string(), theme::Mark::Blank),
            ("attacker's best reply to the round's defence".to_string(), theme::Mark::Line(theme::VERMILLION)),
            ("best strategy it had already, against the same defence".to_string(), theme::Mark::Dashed(theme::INK)),
            (format!("the attacker's payoff (below): {}", data.attacker.label), theme::Mark::Blank),
        ];
        theme::side_key(&area, &key)?;
        Ok(())
    })
}

/// The point of a curve at the reply's value `x`.
fn reply(points: &[CurvePoint], x: f64) -> Option<(f64, f64)> {
    points.iter().find(|p| p.0 == x && p.1.is_finite()).map(|p| (p.0, p.1))
}

fn response_title(data: &ContestChart) -> String {
    match (reply(&data.nominal, data.replies.0), reply(&data.robust, data.replies.1)) {
        (Some(n), Some(r)) => format!(
            "The attacker's best reply gets {} against the nominal defence, {} against the robust one",
            data.attacker.show(n.1),
            data.attacker.show(r.1)
        ),
        _ => "The attacker's payoff along its decision".to_string(),
    }
}

pub fn draw_response(data: &ContestChart) -> Result<String> {
    theme::svg(|root| {
        let area = theme::frame(root, &response_title(data), &data.subtitle(), &data.footer())?;
        let all = data.nominal.iter().chain(&data.robust);
        let (lo, hi) = all.clone().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
        let (lo, hi) = if lo < hi { (lo, hi) } else { (lo - 1.0, lo + 1.0) };
        let top = all.map(|p| p.1).filter(|v| v.is_finite()).fold(1e-9, f64::max) * 1.15;
        let pad = (hi - lo) * 0.03;
        let mut chart = theme::plane(&area, lo - pad..hi + pad, 0.0..top, 140)?;
        theme::house_mesh(&mut chart, (&data.decision, &data.attacker.label), 10, &|x| plain(*x), &|y| {
            data.attacker.tick(*y)
        })?;
        let curves = [(&data.nominal, theme::GREY, data.replies.0), (&data.robust, theme::BLUE, data.replies.1)];
        for (points, colour, x) in curves {
            chart.draw_series(LineSeries::new(points.iter().map(|p| (p.0, p.1)), colour.stroke_width(4)))?;
            chart.draw_series(points.iter().map(|p| {
                let style = if p.2 { colour.filled() } else { colour.stroke_width(3) };
                Circle::new((p.0, p.1), 7, style)
            }))?;
            if let Some(best) = reply(points, x) {
                chart.draw_series(std::iter::once(Circle::new(best, 13, theme::VERMILLION.stroke_width(4))))?;
            }
        }
        let key = vec![
            ("against the nominal defence (round 1)".to_string(), theme::Mark::Line(theme::GREY)),
            ("against the robust defence (final)".to_string(), theme::Mark::Line(theme::BLUE)),
            ("the attacker's best reply to each defence".to_string(), theme::Mark::Block(theme::VERMILLION)),
            ("hollow: outside the attacker's constraints".to_string(), theme::Mark::Blank),
        ];
        theme::side_key(&area, &key)?;
        Ok(())
    })
}
