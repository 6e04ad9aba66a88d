//! The backtest chart: each month's observed shares as dots over the model's predicted bands,
//! the fitted (train) months shaded apart from the held-out (test) ones, and a title that says
//! how the model did against the naive forecasts on the months it never saw.

use anyhow::Result;
use plotters::prelude::*;

use super::theme::{self, font};
use crate::backtest::WindowResult;
use crate::record::{ATTRIBUTION, Outcome};

pub const NAME: &str = "backtest";

/// What the chart shows, and of which run.
pub struct BacktestChart<'a> {
    pub scenario: &'a str,
    pub trials: u64,
    pub seed: u64,
    pub version: &'a str,
    /// The fitted values in words, `defence.ew_defeat = 0.31`.
    pub fitted: String,
    /// The fit's window, then the test window if any.
    pub windows: Vec<&'a WindowResult>,
}

fn colour(outcome: Outcome) -> RGBColor {
    match outcome {
        Outcome::Destroyed | Outcome::Neutralised => theme::BLUE,
        Outcome::Ew => theme::GREEN,
        Outcome::Reached => theme::VERMILLION,
    }
}

fn points(value: f64) -> String {
    format!("{:.1} points", 100.0 * value)
}

/// The finding: on the held-out months if there are any, else on the fitted ones.
fn title(data: &BacktestChart) -> String {
    let last = data.windows.last().expect("a fit has a window");
    let e = last.errors;
    let (best_naive, naive) =
        if e.persistence < e.pooled { ("persistence", e.persistence) } else { ("the pooled train shares", e.pooled) };
    let verdict = if e.model <= naive { "beats" } else { "loses to" };
    match last.name {
        "test" => format!(
            "Months it never saw ({}): the model is off by {} a share on average and {verdict} {best_naive} ({})",
            last.window,
            points(e.model),
            points(naive)
        ),
        _ => format!("Fitted to {}: the model is off by {} a share on average", last.window, points(e.model)),
    }
}

pub fn draw(data: &BacktestChart) -> Result<String> {
    let months: Vec<(&WindowResult, usize)> =
        data.windows.iter().flat_map(|w| (0..w.months.len()).map(move |i| (*w, i))).collect();
    let n = months.len() as f64;
    let subtitle = theme::subtitle(data.scenario, data.trials, "a month", data.seed) + " · fitted: " + &data.fitted;
    let footer = format!(
        "salvosim {} · bars: 5–95 % of trials, tick: mean · dots: the Air Force reports · data: {ATTRIBUTION}",
        data.version
    );
    theme::svg(|root| {
        let area = theme::frame(root, &title(data), &subtitle, &footer)?;
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .margin_right(theme::SIDE_LEGEND)
            .build_cartesian_2d(-0.5..n - 0.5, 0.0..1.0)?;
        let labels: Vec<String> = months.iter().map(|(w, i)| w.months[*i].month.to_string()).collect();
        chart
            .configure_mesh()
            .y_desc("Share of Shahed-type drones launched")
            .axis_desc_style(font(24))
            .label_style(font(19))
            .x_labels(months.len().min(12))
            .x_label_formatter(&|v| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 {
                    labels.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| format!("{:.0}%", 100.0 * v))
            .disable_x_mesh()
            .bold_line_style(theme::GRID)
            .light_line_style(WHITE)
            .axis_style(theme::MUTED)
            .draw()?;
        let mut first = 0.0;
        for window in &data.windows {
            let last = first + window.months.len() as f64 - 1.0;
            if window.name != "test" {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(first - 0.5, 0.0), (last + 0.5, 1.0)],
                    theme::GRID.mix(0.6).filled(),
                )))?;
            }
            let label = match window.name {
                "test" => format!("held out: {}", window.split.name()),
                _ => format!("fitted: {}", window.split.name()),
            };
            chart.draw_series(std::iter::once(Text::new(label, (first - 0.4, 0.985), font(19))))?;
            first = last + 1.0;
        }
        let width = 0.12;
        for (x, (window, i)) in months.iter().enumerate() {
            let month = &window.months[*i];
            let outcomes = window.split.outcomes();
            for (k, (&outcome, band)) in outcomes.iter().zip(&month.predicted).enumerate() {
                let x = x as f64 + (k as f64 - (outcomes.len() as f64 - 1.0) / 2.0) * 0.22;
                let c = colour(outcome);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - width / 2.0, band.p5), (x + width / 2.0, band.p95)],
                    c.mix(0.35).filled(),
                )))?;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x - width, band.mean), (x + width, band.mean)],
                    c.stroke_width(3),
                )))?;
                chart.draw_series(std::iter::once(Circle::new((x, month.observed.share(outcome)), 7, c.filled())))?;
            }
        }
        let mut seen: Vec<Outcome> = Vec::new();
        for window in &data.windows {
            for &o in window.split.outcomes() {
                if !seen.contains(&o) {
                    seen.push(o);
                }
            }
        }
        let mut key: Vec<(String, theme::Mark)> =
            seen.iter().map(|&o| (o.name().to_string(), theme::Mark::Block(colour(o)))).collect();
        for window in &data.windows {
            let e = window.errors;
            key.push((format!("{} mean abs. error:", window.name), theme::Mark::Line(WHITE)));
            for (what, value) in [("model", e.model), ("pooled", e.pooled), ("persistence", e.persistence)] {
                key.push((format!("  {what} {:.1} pts", 100.0 * value), theme::Mark::Line(WHITE)));
            }
        }
        theme::side_key(&area, &key)?;
        Ok(())
    })
}
