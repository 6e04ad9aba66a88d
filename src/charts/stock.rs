//! Chart 1: stock depletion — each finite-stock layer's stock by night (median and p5–p95 band),
//! its reserve, and its median exhaustion night. One panel per layer, each on its own scale.

use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::{ChartData, LayerInfo};
use super::theme::{self, Canvas, font};
use crate::engine::layout::metric;

pub const NAME: &str = "stock-depletion";

fn title(data: &ChartData) -> String {
    let finite = data.layers.iter().filter_map(|l| l.stock.as_ref().map(|s| (l, s)));
    let first_dry = finite
        .filter(|(_, s)| s.p_exhausted >= 0.5)
        .filter_map(|(l, s)| s.exhaustion_night.map(|n| (n.p50, l, s)))
        .min_by(|a, b| a.0.total_cmp(&b.0));
    match first_dry {
        Some((night, layer, s)) => format!(
            "{} hits its reserve by night {night:.0} (median); {:.0}% of campaigns run it dry",
            layer.label,
            100.0 * s.p_exhausted
        ),
        None => format!("No interceptor stock runs dry in most campaigns of {} nights", data.nights),
    }
}

/// "rounds fired at: Shahed-136 61 % · Cruise missile 39 %": which threat types drew the stock
/// (mean rounds over the campaign), largest first, two to a line so that labels fit the panel;
/// empty when the layer engages one type or fired nothing.
fn drawn_by(data: &ChartData, layer: &LayerInfo) -> Vec<String> {
    let total: f64 = layer.by_threat.iter().map(|p| p.rounds.mean).sum();
    if layer.by_threat.len() < 2 || total <= 0.0 {
        return Vec::new();
    }
    let mut shares: Vec<(&str, f64)> =
        layer.by_threat.iter().map(|p| (data.threat_label(&p.threat), 100.0 * p.rounds.mean / total)).collect();
    shares.sort_by(|a, b| b.1.total_cmp(&a.1));
    let parts: Vec<String> = shares.iter().map(|(name, share)| format!("{name} {share:.0} %")).collect();
    let mut lines: Vec<String> = parts.chunks(2).map(|pair| pair.join(" · ")).collect();
    lines[0] = format!("rounds fired at: {}", lines[0]);
    lines
}

pub fn draw(data: &ChartData) -> Result<String> {
    theme::svg(|root| {
        let area = theme::frame(root, &title(data), &data.subtitle(), &data.footer())?;
        let layers: Vec<(usize, &LayerInfo)> =
            data.layers.iter().enumerate().filter(|(_, l)| l.stock.is_some()).collect();
        if layers.is_empty() {
            area.draw(&Text::new("No layer in this scenario has a finite stock.", (40, 60), font(28)))?;
            return Ok(());
        }
        // The red marker is promised only where some panel draws one.
        let marked = layers.iter().any(|(_, l)| l.stock.as_ref().and_then(dry_night).is_some());
        let key = format!(
            "Line: median stock · band: 5th–95th percentile · dashed black: reserve (held back){}",
            if marked { " · dashed red: median night it runs dry" } else { "" }
        );
        area.draw(&Text::new(key, (20, 0), font(20).color(&theme::MUTED)))?;
        let area = area.margin(30, 0, 0, 0);
        let columns = layers.len().min(3);
        let rows = layers.len().div_ceil(columns);
        let panels = area.split_evenly((rows, columns));
        for ((index, layer), panel) in layers.into_iter().zip(panels.iter()) {
            draw_panel(data, index, layer, panel)?;
        }
        Ok(())
    })
}

/// The night a panel marks: the median night the stock runs dry, where most campaigns run it dry.
fn dry_night(stock: &super::data::StockInfo) -> Option<super::data::Figure> {
    stock.exhaustion_night.filter(|_| stock.p_exhausted >= 0.5)
}

fn draw_panel(data: &ChartData, index: usize, layer: &LayerInfo, panel: &Canvas) -> Result<()> {
    let stock = layer.stock.as_ref().expect("finite-stock layers only");
    let figures = data.series(metric::STOCK, &layer.name);
    let drawn_by = drawn_by(data, layer);
    // Headroom above the band for the "fired at" lines, where there are any.
    let headroom = 1.12 + 0.16 * drawn_by.len() as f64;
    let top = figures.iter().map(|f| f.p95).fold(stock.reserve, f64::max).max(1.0) * headroom;
    let mut chart = ChartBuilder::on(panel)
        .caption(&layer.label, theme::bold(26))
        .margin(12)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(theme::night_range(data.nights), 0.0..top)?;
    theme::style_mesh(&mut chart, data, "Rounds in stock", &|v| theme::whole_only(*v, crate::format::count), 6)?;
    theme::shade_phases(&mut chart, &data.phases, top)?;
    let colour = theme::layer_colour(index);
    theme::band_and_line(&mut chart, figures, colour)?;
    let x = theme::night_range(data.nights);
    let reserve = stock.reserve;
    if reserve > 0.0 {
        chart.draw_series(DashedLineSeries::new(
            [(x.start, reserve), (x.end, reserve)],
            10,
            6,
            theme::INK.stroke_width(2),
        ))?;
        let label = format!("reserve {}", crate::format::count(reserve));
        let right = font(18).pos(Pos::new(HPos::Right, VPos::Bottom));
        chart.draw_series(std::iter::once(Text::new(label, (x.end - 0.5, reserve + top * 0.01), right)))?;
    }
    let left = font(17).color(&theme::INK).pos(Pos::new(HPos::Left, VPos::Top));
    let line_height = top * 0.09;
    for (i, line) in drawn_by.into_iter().enumerate() {
        let y = top * 0.98 - line_height * i as f64;
        chart.draw_series(std::iter::once(Text::new(line, (x.start + 0.3, y), left.clone())))?;
    }
    if let Some(night) = dry_night(stock) {
        let style = theme::VERMILLION.stroke_width(3);
        chart.draw_series(DashedLineSeries::new([(night.p50, 0.0), (night.p50, top)], 8, 6, style))?;
        let label = format!("dry: night {:.0}", night.p50);
        chart.draw_series(std::iter::once(Text::new(
            label,
            (night.p50 + 0.3, top * 0.86),
            font(18).color(&theme::VERMILLION),
        )))?;
    }
    Ok(())
}
