//! Chart 3: the "elementary mathematics" — what one kill costs each layer (median and p5–p95),
//! on a log scale, against what each threat costs the attacker, with 1:1 and 10:1 lines.

use anyhow::Result;
use plotters::prelude::*;

use super::data::{ChartData, ThreatInfo};
use super::theme::{self, font};
use crate::format::usd;

pub const NAME: &str = "cost-per-kill";

/// The strike threat that most of the raid's cost comes from: the reference for "1:1".
fn reference_threat(data: &ChartData) -> Option<&ThreatInfo> {
    let strike = data.threats.iter().filter(|t| !t.decoy);
    strike.max_by(|a, b| (a.unit_cost_usd.mean * a.launched.mean).total_cmp(&(b.unit_cost_usd.mean * b.launched.mean)))
}

fn title(data: &ChartData) -> String {
    let dearest =
        data.layers.iter().filter_map(|l| l.cost_per_kill_usd.map(|c| (l, c.p50))).max_by(|a, b| a.1.total_cmp(&b.1));
    match (dearest, reference_threat(data)) {
        (Some((layer, cost)), Some(threat)) => format!(
            "A {} kill costs {}: {:.0}× the {} it stops",
            layer.name,
            usd(cost),
            cost / threat.unit_cost_usd.p50,
            threat.name
        ),
        (None, _) => "No layer made a kill: there is no cost per kill to show".to_string(),
        (Some(_), None) => "Cost per kill by layer".to_string(),
    }
}

pub fn draw(data: &ChartData) -> Result<String> {
    theme::svg(|root| {
        let area = theme::frame(root, &title(data), &data.subtitle(), &data.footer())?;
        let layers: Vec<_> =
            data.layers.iter().enumerate().filter_map(|(i, l)| l.cost_per_kill_usd.map(|c| (i, l, c))).collect();
        let costs = layers.iter().flat_map(|(_, _, c)| [c.p5, c.p95]);
        let threat_costs = data.threats.iter().flat_map(|t| [t.unit_cost_usd.p50, 10.0 * t.unit_cost_usd.p50]);
        let (lo, hi) = costs
            .chain(threat_costs)
            .filter(|c| *c > 0.0)
            .fold((f64::MAX, 1.0f64), |(lo, hi), c| (lo.min(c), hi.max(c)));
        // A decade of room on the right for the value labels.
        let (lo, hi) = (10f64.powf(lo.min(hi).log10().floor()), 10f64.powf(hi.log10().ceil() + 0.6));
        let n = layers.len();
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .x_label_area_size(60)
            .y_label_area_size(260)
            .margin_right(theme::SIDE_LEGEND)
            .build_cartesian_2d((lo..hi).log_scale(), -0.6..n as f64 - 0.4)?;
        let names: Vec<String> = layers.iter().map(|(_, l, _)| l.name.clone()).collect();
        chart
            .configure_mesh()
            .x_desc("Cost per kill (USD, log scale)")
            .axis_desc_style(font(24))
            .label_style(font(22))
            .x_label_formatter(&|v| crate::format::usd_tick(*v))
            .y_labels(n.max(1) * 2 + 1)
            .y_label_formatter(&|v| theme::row_label(&names, *v))
            .disable_y_mesh()
            .bold_line_style(theme::GRID)
            .light_line_style(WHITE)
            .axis_style(theme::MUTED)
            .draw()?;
        let mut key = Vec::new();
        for threat in &data.threats {
            let colour = if threat.decoy { theme::GREY } else { theme::VERMILLION };
            let cost = threat.unit_cost_usd.p50;
            let y = (-0.6, n as f64 - 0.4);
            chart.draw_series(LineSeries::new([(cost, y.0), (cost, y.1)], colour.stroke_width(3)))?;
            key.push((format!("1:1 — one {}: {}", threat.name, usd(cost)), theme::Mark::Line(colour)));
            if !threat.decoy {
                chart.draw_series(DashedLineSeries::new(
                    [(10.0 * cost, y.0), (10.0 * cost, y.1)],
                    10,
                    6,
                    colour.stroke_width(2),
                ))?;
                key.push((format!("10:1 — ten {}s: {}", threat.name, usd(10.0 * cost)), theme::Mark::Dashed(colour)));
            }
        }
        for (row, (index, _, cost)) in layers.iter().enumerate() {
            let y = (n - 1 - row) as f64;
            let colour = theme::layer_colour(*index);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(cost.p5, y - 0.08), (cost.p95, y + 0.08)],
                colour.mix(0.45).filled(),
            )))?;
            chart.draw_series(std::iter::once(Circle::new((cost.p50, y), 11, colour.filled())))?;
            chart.draw_series(std::iter::once(Text::new(
                format!("{} per kill", usd(cost.p50)),
                (cost.p95 * 1.15, y + 0.2),
                font(20),
            )))?;
        }
        key.push(("dot: median cost per kill".into(), theme::Mark::Block(theme::MUTED)));
        key.push(("bar: 5th–95th percentile".into(), theme::Mark::Block(theme::LIGHT)));
        theme::side_key(&area, &key)?;
        Ok(())
    })
}
