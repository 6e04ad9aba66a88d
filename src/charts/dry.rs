//! Chart 5: the probability that each interceptor layer has run dry (stock at or below its
//! reserve) by night N.

use anyhow::Result;
use plotters::prelude::*;

use super::data::ChartData;
use super::theme;
use crate::engine::layout::metric;

pub const NAME: &str = "p-run-dry";

fn title(data: &ChartData) -> String {
    match data.likeliest_to_run_dry() {
        Some((layer, p)) if p >= 0.01 => {
            format!("{}: {:.0}% chance of running dry within {} nights", layer.label, 100.0 * p, data.nights)
        }
        Some((layer, p)) if p > 0.0 => format!(
            "Every interceptor stock lasts the {} nights in more than 99% of campaigns (the likeliest to run dry: {}, {})",
            data.nights,
            layer.label,
            crate::format::chance(p)
        ),
        Some(_) => format!("No interceptor layer runs dry within {} nights", data.nights),
        None => "No layer in this scenario has a finite stock".to_string(),
    }
}

/// The top of the probability axis for a highest chance of `p`: 5 % above it, at least 1 %, at
/// most 105 %.
pub fn y_top(p: f64) -> f64 {
    (p * 1.05).clamp(0.01, 1.05)
}

pub fn draw(data: &ChartData) -> Result<String> {
    theme::svg(|root| {
        let area = theme::frame(root, &title(data), &data.subtitle(), &data.footer())?;
        // The axis reaches just past the likeliest layer's chance, at least 1 %: a 0–100 % axis
        // over lines that never leave 0 shows nothing.
        let highest = data.layers.iter().filter_map(|l| l.stock.as_ref()).map(|s| s.p_exhausted).fold(0.0, f64::max);
        let top = y_top(highest);
        let decimals = if top < 0.1 { 1 } else { 0 };
        let mut chart = theme::night_plane(&area, data, top, "P(run dry by this night)", &|v| {
            format!("{:.decimals$}%", 100.0 * v)
        })?;
        let mut key = Vec::new();
        for (index, layer) in data.layers.iter().enumerate().filter(|(_, l)| l.stock.is_some()) {
            let colour = theme::layer_colour(index);
            let points =
                data.series(metric::EXHAUSTED, &layer.name).iter().enumerate().map(|(i, f)| ((i + 1) as f64, f.mean));
            let p = layer.stock.as_ref().map_or(0.0, |s| s.p_exhausted);
            let label = if p > 0.0 {
                format!("{}: {} by night {}", layer.label, crate::format::chance(p), data.nights)
            } else {
                format!("{}: never dry", layer.label)
            };
            chart.draw_series(LineSeries::new(points, colour.stroke_width(4)))?;
            key.push((label, theme::Mark::Line(colour)));
        }
        theme::side_key(&area, &key)?;
        Ok(())
    })
}
