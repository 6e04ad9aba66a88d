//! The raid-size response chart: each report night's reached share against its drones launched,
//! as a dot, and for each group of raid sizes the record's drone-weighted share against the
//! model's and the pooled forecast's, with a title that says which way each moves as raids grow.

use anyhow::Result;
use plotters::prelude::*;

use super::backtest::BacktestChart;
use super::theme::{self, font};
use crate::backtest::raid_response::GROUPS;
use crate::record::{ATTRIBUTION, Outcome};

pub const NAME: &str = "raid-response";

/// The dots of single nights: light, so the groups' bars read first.
const NIGHT_DOT: RGBColor = RGBColor(175, 175, 175);

fn percent(x: f64) -> String {
    format!("{:.0} %", 100.0 * x)
}

/// How a share moves from the first to the last group that has nights: its verb and the words
/// after it, ("falls", "from 24 % to 7 %").
fn movement(shares: &[Option<f64>]) -> (&'static str, String) {
    let known: Vec<f64> = shares.iter().flatten().copied().collect();
    match (known.first(), known.last()) {
        (Some(&a), Some(&b)) if known.len() > 1 => {
            (if b < a { "falls" } else { "rises" }, format!("from {} to {}", percent(a), percent(b)))
        }
        (Some(&a), _) => ("is", percent(a)),
        _ => ("has", "no nights".into()),
    }
}

/// "As raids grow, the reached share falls from 24 % to 7 % in the record and from 29 % to 11 % in
/// the model" (the second verb said only where it differs).
fn title(observed: &[Option<f64>], model: &[Option<f64>]) -> String {
    let ((verb, record), (model_verb, predicted)) = (movement(observed), movement(model));
    let second = if model_verb == verb { predicted } else { format!("{model_verb} {predicted}") };
    format!("As raids grow, the reached share {verb} {record} in the record and {second} in the model")
}

pub fn draw(data: &BacktestChart) -> Result<String> {
    let window = *data.windows.last().expect("a fit has a window");
    let response = &window.raid_response;
    let observed: Vec<Option<f64>> = response.groups.iter().map(|g| g.observed).collect();
    let model: Vec<Option<f64>> = response.groups.iter().map(|g| g.model).collect();
    let what = if window.name == "test" { "months it never saw" } else { "the fitted months" };
    let title = title(&observed, &model);
    let subtitle = format!("{what}: {} · ", window.window)
        + &theme::subtitle(data.scenario, data.trials, "a month", data.seed)
        + " · fitted: "
        + &data.fitted;
    let footer = format!(
        "salvosim {} · dots: each report night · bars: each group of raid sizes, drone-weighted · data: {ATTRIBUTION}",
        data.version
    );
    let most = window.nights.iter().map(|n| n.observed.launched).fold(400.0, f64::max) * 1.05;
    let top = window
        .nights
        .iter()
        .filter(|n| n.observed.launched >= 20.0)
        .map(|n| n.observed.share(Outcome::Reached))
        .chain(observed.iter().chain(&model).flatten().copied())
        .fold(0.1_f64, f64::max)
        .min(1.0)
        * 1.1;
    theme::svg(|root| {
        let area = theme::frame(root, &title, &subtitle, &footer)?;
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .margin_right(theme::SIDE_LEGEND)
            .build_cartesian_2d(0.0..most, 0.0..top)?;
        chart
            .configure_mesh()
            .x_desc("Shahed-type drones launched that night")
            .y_desc("Share that reached a target")
            .axis_desc_style(font(24))
            .label_style(font(19))
            .y_label_formatter(&|v| format!("{:.0}%", 100.0 * v))
            .x_label_formatter(&|v| format!("{v:.0}"))
            .bold_line_style(theme::GRID)
            .light_line_style(WHITE)
            .axis_style(theme::MUTED)
            .draw()?;
        chart.draw_series(window.nights.iter().map(|n| {
            let share = n.observed.share(Outcome::Reached).min(top);
            Circle::new((n.observed.launched, share), 3, NIGHT_DOT.filled())
        }))?;
        for (g, &(_, lo, hi)) in response.groups.iter().zip(GROUPS.iter()) {
            let span = (lo as f64, (hi as f64 + 1.0).min(most));
            let bar = |share: Option<f64>, colour: RGBColor, width: u32| {
                share.map(|y| PathElement::new(vec![(span.0 + 4.0, y), (span.1 - 4.0, y)], colour.stroke_width(width)))
            };
            chart.draw_series(bar(g.pooled, theme::BLUE, 3))?;
            chart.draw_series(bar(g.model, theme::VERMILLION, 7))?;
            chart.draw_series(bar(g.observed, BLACK, 7))?;
        }
        let mut key = vec![
            ("the record, by group".to_string(), theme::Mark::Line(BLACK)),
            ("the model, by group".to_string(), theme::Mark::Line(theme::VERMILLION)),
            ("pooled train share".to_string(), theme::Mark::Line(theme::BLUE)),
            ("one report night".to_string(), theme::Mark::Block(NIGHT_DOT)),
        ];
        if let Some(e) = response.mae {
            key.push(("mean abs. error by group:".to_string(), theme::Mark::Blank));
            key.push((format!("  model {:.1} pts", 100.0 * e.model), theme::Mark::Blank));
            key.push((format!("  pooled {:.1} pts", 100.0 * e.pooled), theme::Mark::Blank));
        }
        theme::side_key(&area, &key)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_says_which_way_each_share_moves() {
        let record = [Some(0.239), Some(0.191), None, Some(0.073)];
        assert_eq!(
            title(&record, &[Some(0.29), Some(0.2), Some(0.15), Some(0.11)]),
            "As raids grow, the reached share falls from 24 % to 7 % in the record and from 29 % to 11 % in the model"
        );
        assert_eq!(
            title(&record, &[Some(0.04), None, None, Some(0.23)]),
            "As raids grow, the reached share falls from 24 % to 7 % in the record and rises from 4 % to 23 % in the model"
        );
    }
}
