//! Chart 3: the "elementary mathematics" — what one kill costs each layer against each threat type
//! it engages (median and p5–p95), on a log scale, against what each threat costs the attacker.

use anyhow::Result;
use plotters::prelude::*;

use super::data::{ChartData, Figure, ThreatInfo};
use super::theme::{self, font};
use crate::format::usd;

pub const NAME: &str = "cost-per-kill";

/// One row of the chart: a layer against one threat type (or, for a run saved before results by
/// threat existed, a layer against all).
struct Row<'a> {
    label: String,
    cost: Figure,
    threat: Option<&'a ThreatInfo>,
}

fn rows(data: &ChartData) -> Vec<Row<'_>> {
    let threat = |name: &str| data.threats.iter().find(|t| t.name == name);
    let by_threat: Vec<Row> = data
        .layers
        .iter()
        .flat_map(|l| {
            l.by_threat.iter().filter_map(move |p| {
                p.cost_per_kill_usd.map(|cost| Row {
                    label: format!("{} · {}", l.label, data.threat_label(&p.threat)),
                    cost,
                    threat: threat(&p.threat),
                })
            })
        })
        .collect();
    if !by_threat.is_empty() {
        return by_threat;
    }
    data.layers
        .iter()
        .filter_map(|l| l.cost_per_kill_usd.map(|cost| Row { label: l.label.clone(), cost, threat: None }))
        .collect()
}

/// The finding: the kill of a strike threat that costs most relative to the threat itself.
fn title(rows: &[Row]) -> String {
    let ratio =
        |r: &Row| r.threat.filter(|t| !t.decoy && t.unit_cost_usd.p50 > 0.0).map(|t| r.cost.p50 / t.unit_cost_usd.p50);
    let worst = rows.iter().filter_map(|r| ratio(r).map(|x| (r, x))).max_by(|a, b| a.1.total_cmp(&b.1));
    match worst {
        Some((row, times)) => {
            let (layer, threat) = row.label.split_once(" · ").unwrap_or((&row.label, ""));
            let times = if times >= 10.0 { format!("{times:.0}×") } else { format!("{times:.1}×") };
            format!("Killing a {threat} costs {layer} {}: {times} what the {threat} cost", usd(row.cost.p50))
        }
        None if rows.is_empty() => "No layer made a kill: there is no cost per kill to show".to_string(),
        None => "Cost per kill by layer".to_string(),
    }
}

pub fn draw(data: &ChartData) -> Result<String> {
    let rows = rows(data);
    theme::svg(|root| {
        let area = theme::frame(root, &title(&rows), &data.subtitle(), &data.footer())?;
        let costs = rows.iter().flat_map(|r| [r.cost.p5, r.cost.p95]);
        let threat_costs = data.threats.iter().map(|t| t.unit_cost_usd.p50);
        let (lo, hi) = costs
            .chain(threat_costs)
            .filter(|c| *c > 0.0)
            .fold((f64::MAX, 1.0f64), |(lo, hi), c| (lo.min(c), hi.max(c)));
        // A decade of room on the right for the value labels.
        let (lo, hi) = (10f64.powf(lo.min(hi).log10().floor()), 10f64.powf(hi.log10().ceil() + 0.6));
        let n = rows.len();
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .x_label_area_size(60)
            .y_label_area_size(330)
            .margin_right(theme::SIDE_LEGEND)
            .build_cartesian_2d((lo..hi).log_scale(), -0.6..n as f64 - 0.4)?;
        let names: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
        let label_size = if n > 14 { 16 } else { 20 };
        chart
            .configure_mesh()
            .x_desc("Cost per kill (USD, log scale)")
            .axis_desc_style(font(24))
            .label_style(font(label_size))
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
            let colour = data.threat_colour(&threat.name);
            let cost = threat.unit_cost_usd.p50;
            let y = (-0.6, n as f64 - 0.4);
            chart.draw_series(LineSeries::new([(cost, y.0), (cost, y.1)], colour.stroke_width(3)))?;
            key.push((format!("1:1 — one {}: {}", threat.label, usd(cost)), theme::Mark::Line(colour)));
        }
        for (i, row) in rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let colour = row.threat.map_or(theme::INK, |t| data.threat_colour(&t.name));
            let cost = row.cost;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(cost.p5, y - 0.08), (cost.p95, y + 0.08)],
                colour.mix(0.35).filled(),
            )))?;
            chart.draw_series(std::iter::once(Circle::new((cost.p50, y), 9, colour.filled())))?;
            chart.draw_series(std::iter::once(Text::new(
                format!("{} per kill", usd(cost.p50)),
                (cost.p95 * 1.15, y + 0.25),
                font(label_size),
            )))?;
        }
        key.push(("dot: median; colour: the threat".into(), theme::Mark::Block(theme::MUTED)));
        key.push(("bar: 5th–95th percentile".into(), theme::Mark::Block(theme::LIGHT)));
        theme::side_key(&area, &key)?;
        Ok(())
    })
}
