//! The tornado chart of a sensitivity analysis: for one metric, each input's bar spans the metric
//! with the input pinned low and pinned high, biggest swing on top, the base run as a line.

use anyhow::Result;
use plotters::prelude::*;

use super::theme;
use crate::scenario::labels::{Names, label, metric_label, metric_words};
use crate::sensitivity::Row;

/// Bars drawn at most; the rest are listed as a count in the footer.
const MAX_BARS: usize = 14;

/// What a tornado chart shows, and of which run.
pub struct TornadoData {
    pub scenario: String,
    pub trials: u64,
    pub seed: u64,
    pub version: String,
    pub rows: Vec<Row>,
    /// The words for the scenario's threats and layers.
    pub names: Names,
}

/// A metric's value as a reader wants it: shares as percentages, money with k/M, the rest plain.
fn spell(metric: &str, value: f64) -> String {
    if metric.ends_with("leak_rate") || metric.ends_with("p_exhausted") {
        format!("{:.1}%", 100.0 * value)
    } else if metric.ends_with("_usd") {
        crate::format::usd(value)
    } else {
        crate::format::ratio(value)
    }
}

/// The input in words with the values it was pinned at: `nasams kill probability per round 0.78 → 0.92`.
fn row_text(row: &Row, names: &Names) -> String {
    let value = |v: f64| {
        if v.abs() >= 10_000.0 {
            crate::format::usd_tick(v).replace('$', "")
        } else if v == 0.0 {
            "0".to_string()
        } else {
            // Four significant digits.
            let scale = 10f64.powi(3 - v.abs().log10().floor() as i32);
            format!("{}", (v * scale).round() / scale)
        }
    };
    format!("{}  {} → {}", label(&row.input.path, names), value(row.input.low), value(row.input.high))
}

pub fn draw(data: &TornadoData, metric: &str) -> Result<String> {
    let of_metric: Vec<&Row> = data.rows.iter().filter(|r| r.metric == metric).collect();
    let base = of_metric.first().map_or(0.0, |r| r.base.mean);
    let mut rows: Vec<&Row> = of_metric.iter().copied().filter(|r| r.swing() != 0.0).collect();
    let no_effect = of_metric.len() - rows.len();
    rows.sort_by(|a, b| b.swing().abs().total_cmp(&a.swing().abs()));
    let hidden = rows.len().saturating_sub(MAX_BARS);
    rows.truncate(MAX_BARS);
    let title = match rows.first() {
        Some(top) if top.swing() != 0.0 => format!(
            "{} matters most: {} from {} to {}",
            label(&top.input.path, &data.names),
            metric_words(metric, &data.names),
            spell(metric, top.at_low.mean),
            spell(metric, top.at_high.mean)
        ),
        _ => format!("No input moves the {}", metric_words(metric, &data.names)),
    };
    let subtitle = theme::subtitle(&data.scenario, data.trials, "a run", data.seed)
        + " · each input pinned at its 10th and 90th percentile";
    let footer = format!(
        "salvosim {} · every run shares its random numbers, so a bar is the input's effect, not noise{}",
        data.version,
        [(hidden, "with smaller swings"), (no_effect, "with no effect")]
            .iter()
            .filter(|(count, _)| *count > 0)
            .map(|(count, what)| format!(" · {count} input{} {what} not shown", if *count == 1 { "" } else { "s" }))
            .collect::<String>()
    );
    theme::svg(|root| {
        let area = theme::frame(root, &title, &subtitle, &footer)?;
        let values = rows.iter().flat_map(|r| [r.at_low.mean, r.at_high.mean]).chain([base]);
        let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let pad = ((hi - lo) * 0.08).max(hi.abs() * 1e-3).max(1e-12);
        let n = rows.len().max(1);
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .x_label_area_size(60)
            .y_label_area_size(520)
            .margin_right(theme::SIDE_LEGEND)
            .build_cartesian_2d(lo - pad..hi + pad, -0.6..n as f64 - 0.4)?;
        let labels: Vec<String> = rows.iter().map(|r| row_text(r, &data.names)).collect();
        theme::row_mesh(&mut chart, &metric_label(metric, &data.names), &|v| spell(metric, *v), &labels)?;
        for (row_index, row) in rows.iter().enumerate() {
            let y = (n - 1 - row_index) as f64;
            for (value, colour) in [(row.at_low.mean, theme::BLUE), (row.at_high.mean, theme::ORANGE)] {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(base, y - 0.32), (value, y + 0.32)],
                    colour.filled(),
                )))?;
            }
        }
        chart.draw_series(LineSeries::new([(base, -0.6), (base, n as f64 - 0.4)], theme::INK.stroke_width(3)))?;
        let key = [
            (format!("base run: {}", spell(metric, base)), theme::Mark::Line(theme::INK)),
            ("input at its 10th percentile".to_string(), theme::Mark::Block(theme::BLUE)),
            ("input at its 90th percentile".to_string(), theme::Mark::Block(theme::ORANGE)),
        ];
        theme::side_key(&area, &key)?;
        Ok(())
    })
}
