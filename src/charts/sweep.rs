//! Sweep charts: cost-exchange ratio, leak rate and exhaustion night against a swept parameter,
//! and heatmaps for two-parameter sweeps, in the run charts' theme.

use anyhow::Result;
use plotters::prelude::*;

use super::theme::{self, Mark, font};
use crate::output::format::{ratio, ratio_tick, short};
use crate::stats::Stats;
use crate::sweep::PointMetrics;

/// What a sweep's charts draw.
pub struct SweepData {
    pub scenario: String,
    pub trials: u64,
    pub seed: u64,
    pub version: String,
    /// Every layer in file order (for colours shared with the run charts).
    pub layers: Vec<String>,
    /// (path, values) of each axis.
    pub axes: Vec<(String, Vec<f64>)>,
    /// Per grid point (first axis slowest): its values and its metrics by name.
    pub points: Vec<PointMetrics>,
}

impl SweepData {
    fn metric(&self, point: usize, name: &str) -> Option<Stats> {
        self.points[point].1.iter().find(|(n, _)| n == name).and_then(|(_, s)| *s)
    }

    fn subtitle(&self) -> String {
        format!(
            "scenario {} · {} trials per point, common random numbers · seed {}",
            self.scenario,
            crate::output::format::thousands(self.trials),
            self.seed
        )
    }

    fn footer(&self) -> String {
        format!("salvosim {} · bands: 95% confidence interval of the mean", self.version)
    }

    /// Finite-stock layers, by name, from the metric names.
    fn stock_layers(&self) -> Vec<String> {
        self.points[0]
            .1
            .iter()
            .filter_map(|(n, _)| n.strip_prefix("layers.")?.strip_suffix(".p_exhausted").map(str::to_string))
            .collect()
    }

    /// The finite-stock layer most often run dry over the grid.
    fn driest_layer(&self) -> Option<String> {
        let mean_dry = |layer: &String| -> f64 {
            (0..self.points.len())
                .filter_map(|i| self.metric(i, &format!("layers.{layer}.p_exhausted")))
                .map(|s| s.mean)
                .sum()
        };
        self.stock_layers().into_iter().filter(|l| mean_dry(l) > 0.0).max_by(|a, b| mean_dry(a).total_cmp(&mean_dry(b)))
    }
}

/// Every sweep chart: (file stem, SVG).
pub fn draw_all(data: &SweepData) -> Result<Vec<(&'static str, String)>> {
    if data.axes.len() == 1 {
        Ok(vec![
            ("cost-exchange-curve", cost_exchange_curve(data)?),
            ("leak-rate-curve", leak_rate_curve(data)?),
            ("exhaustion-night-curve", exhaustion_curve(data)?),
        ])
    } else {
        let mut charts = vec![("cost-exchange-heatmap", heatmap(data, HeatMetric::CostExchange)?)];
        if let Some(layer) = data.driest_layer() {
            charts.push(("exhaustion-night-heatmap", heatmap(data, HeatMetric::ExhaustionNight(layer))?));
        }
        Ok(charts)
    }
}

fn x_range(values: &[f64]) -> std::ops::Range<f64> {
    let (lo, hi) = values.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let pad = ((hi - lo) * 0.03).max(1e-9);
    lo - pad..hi + pad
}

/// What a curve follows: the mean with its 95% interval, or the median with the 5th–95th
/// percentile spread.
#[derive(Clone, Copy, PartialEq)]
enum Centre {
    Mean,
    Median,
}

impl Centre {
    fn line(self, s: &Stats) -> f64 {
        if self == Centre::Mean { s.mean } else { s.p50 }
    }

    fn band(self, s: &Stats) -> (f64, f64) {
        if self == Centre::Mean { (s.ci95[0], s.ci95[1]) } else { (s.p5, s.p95) }
    }

    fn key(self) -> &'static str {
        if self == Centre::Mean { "band: 95% CI of the mean" } else { "line: median · band: 5th–95th pct" }
    }
}

/// Lines with bands of one metric per series against the single axis.
fn curves(
    data: &SweepData,
    title: &str,
    y_desc: &str,
    y_format: &dyn Fn(&f64) -> String,
    series: &[(String, String, RGBColor)],
    break_even: bool,
    centre: Centre,
) -> Result<String> {
    let (path, values) = &data.axes[0];
    theme::svg(|root| {
        let area = theme::frame(root, title, &data.subtitle(), &data.footer())?;
        let stats = |metric: &str| -> Vec<(f64, Stats)> {
            values.iter().enumerate().filter_map(|(i, &x)| data.metric(i, metric).map(|s| (x, s))).collect()
        };
        let top = series
            .iter()
            .flat_map(|(metric, _, _)| stats(metric))
            .map(|(_, s)| centre.band(&s).1)
            .fold(if break_even { 1.2 } else { 0.0 }, f64::max)
            .max(1e-9)
            * 1.1;
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .margin_right(theme::SIDE_LEGEND)
            .x_label_area_size(60)
            .y_label_area_size(110)
            .build_cartesian_2d(x_range(values), 0.0..top)?;
        chart
            .configure_mesh()
            .x_desc(path.as_str())
            .y_desc(y_desc)
            .axis_desc_style(font(24))
            .label_style(font(20))
            .x_label_formatter(&|x| short(*x))
            .y_label_formatter(y_format)
            .bold_line_style(theme::GRID)
            .light_line_style(WHITE)
            .axis_style(theme::MUTED)
            .draw()?;
        let mut key = Vec::new();
        if break_even {
            let x = x_range(values);
            chart.draw_series(DashedLineSeries::new(
                [(x.start, 1.0), (x.end, 1.0)],
                12,
                6,
                theme::INK.stroke_width(2),
            ))?;
            key.push(("break-even: 1 to 1".to_string(), Mark::Dashed(theme::INK)));
        }
        for (metric, label, colour) in series {
            let points = stats(metric);
            let upper = points.iter().map(|(x, s)| (*x, centre.band(s).1));
            let band: Vec<(f64, f64)> = upper.chain(points.iter().rev().map(|(x, s)| (*x, centre.band(s).0))).collect();
            chart.draw_series(std::iter::once(Polygon::new(band, colour.mix(0.2).filled())))?;
            chart.draw_series(LineSeries::new(
                points.iter().map(|(x, s)| (*x, centre.line(s))),
                colour.stroke_width(4),
            ))?;
            chart.draw_series(points.iter().map(|(x, s)| Circle::new((*x, centre.line(s)), 6, colour.filled())))?;
            key.push((label.clone(), Mark::Line(*colour)));
        }
        key.push((centre.key().to_string(), Mark::Block(theme::LIGHT)));
        theme::side_key(&area, &key)?;
        Ok(())
    })
}

fn cost_exchange_curve(data: &SweepData) -> Result<String> {
    let (path, values) = &data.axes[0];
    let ratios: Vec<f64> =
        (0..values.len()).map(|i| data.metric(i, "cost_exchange_ratio").map_or(f64::NAN, |s| s.mean)).collect();
    let (lo, hi) = ratios.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &r| (lo.min(r), hi.max(r)));
    let crossing = ratios.windows(2).position(|w| (w[0] - 1.0) * (w[1] - 1.0) < 0.0);
    let title = match crossing {
        Some(i) => format!(
            "Defender/attacker spend crosses 1 to 1 between {path} = {} and {}",
            short(values[i]),
            short(values[i + 1])
        ),
        None => format!("Defence spends {} to {} dollars per attacker dollar across {path}", ratio(lo), ratio(hi)),
    };
    let series = [
        ("cost_exchange_ratio".to_string(), "defender / attacker spend".to_string(), theme::DEFENDER),
        (
            "cost_exchange_ratio_with_damage".to_string(),
            "(defender spend + damage) / attacker".to_string(),
            theme::ATTACKER,
        ),
    ];
    curves(data, &title, "Cost-exchange ratio", &|v| ratio_tick(*v), &series, true, Centre::Mean)
}

fn leak_rate_curve(data: &SweepData) -> Result<String> {
    let (path, values) = &data.axes[0];
    let rate = |i: usize| data.metric(i, "leak_rate").map_or(f64::NAN, |s| 100.0 * s.mean);
    let last = values.len() - 1;
    let title = format!(
        "Strike-drone leak rate: {:.1}% at {path} = {}, {:.1}% at {}",
        rate(0),
        short(values[0]),
        rate(last),
        short(values[last])
    );
    let series = [("leak_rate".to_string(), "strike drones leaked / launched".to_string(), theme::VERMILLION)];
    curves(data, &title, "Leak rate", &|v| format!("{:.0}%", 100.0 * v), &series, false, Centre::Mean)
}

fn exhaustion_curve(data: &SweepData) -> Result<String> {
    // Layers that run dry somewhere on the sweep; the rest have no exhaustion night to plot.
    let dry_somewhere =
        |l: &String| (0..data.points.len()).any(|i| data.metric(i, &format!("layers.{l}.exhaustion_night")).is_some());
    let series: Vec<(String, String, RGBColor)> = data
        .stock_layers()
        .into_iter()
        .filter(dry_somewhere)
        .map(|l| {
            let colour = theme::layer_colour(data.layers.iter().position(|x| *x == l).unwrap_or(0));
            (format!("layers.{l}.exhaustion_night"), l, colour)
        })
        .collect();
    let names: Vec<&str> = series.iter().map(|(_, l, _)| l.as_str()).collect();
    let title = if names.is_empty() {
        "No interceptor stock runs dry anywhere on this sweep".to_string()
    } else {
        format!("Night {} runs dry (median over campaigns where it does)", names.join(", "))
    };
    curves(data, &title, "Exhaustion night", &|v| format!("{v:.0}"), &series, false, Centre::Median)
}

enum HeatMetric {
    CostExchange,
    ExhaustionNight(String),
}

/// A two-parameter heatmap with the value in each cell; for the cost-exchange ratio, the
/// break-even contour (ratio = 1) is drawn between cells on either side of it.
fn heatmap(data: &SweepData, what: HeatMetric) -> Result<String> {
    let ((x_path, xs), (y_path, ys)) = (&data.axes[0], &data.axes[1]);
    let (metric, title, unit) = match &what {
        HeatMetric::CostExchange => ("cost_exchange_ratio".to_string(), String::new(), "ratio"),
        HeatMetric::ExhaustionNight(layer) => (
            format!("layers.{layer}.exhaustion_night"),
            format!("Night {layer} runs dry (median over campaigns where it does)"),
            "night",
        ),
    };
    let value = |i: usize, j: usize| data.metric(i * ys.len() + j, &metric).map(|s| s.mean);
    let all: Vec<f64> = (0..xs.len()).flat_map(|i| (0..ys.len()).filter_map(move |j| value(i, j))).collect();
    let (lo, hi) = all.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let title = if title.is_empty() && lo < 1.0 && hi >= 1.0 {
        "Where the defence breaks even: the black line".to_string()
    } else if title.is_empty() {
        format!("Defence spends {}–{}× the attacker everywhere on this grid: no break-even", ratio(lo), ratio(hi))
    } else {
        title
    };
    let colour_of = |v: f64| {
        let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
        // Light yellow to dark blue: ordered in lightness, readable under colour-vision deficiency.
        let mix = |a: u8, b: u8| (f64::from(a) + t * (f64::from(b) - f64::from(a))).round() as u8;
        RGBColor(mix(255, 8), mix(247, 48), mix(188, 107))
    };
    theme::svg(|root| {
        let area = theme::frame(root, &title, &data.subtitle(), &data.footer())?;
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .margin_right(theme::SIDE_LEGEND)
            .x_label_area_size(60)
            .y_label_area_size(110)
            .build_cartesian_2d(-0.5..xs.len() as f64 - 0.5, -0.5..ys.len() as f64 - 0.5)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(x_path.as_str())
            .y_desc(y_path.as_str())
            .axis_desc_style(font(24))
            .label_style(font(20))
            .x_labels(xs.len().min(12))
            .y_labels(ys.len().min(12))
            .x_label_formatter(&|v| xs.get(v.round() as usize).map(|x| short(*x)).unwrap_or_default())
            .y_label_formatter(&|v| ys.get(v.round() as usize).map(|y| short(*y)).unwrap_or_default())
            .axis_style(theme::MUTED)
            .draw()?;
        for i in 0..xs.len() {
            for j in 0..ys.len() {
                let (x, y) = (i as f64, j as f64);
                let Some(v) = value(i, j) else {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                        theme::GRID.filled(),
                    )))?;
                    continue;
                };
                let fill = colour_of(v);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                    fill.filled(),
                )))?;
                let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                let ink = if t > 0.55 { WHITE } else { theme::INK };
                let label = if unit == "ratio" { ratio(v) } else { format!("{v:.0}") };
                let style = font(18).color(&ink).pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Center,
                ));
                chart.draw_series(std::iter::once(Text::new(label, (x, y), style)))?;
            }
        }
        if matches!(what, HeatMetric::CostExchange) {
            let side = |i: usize, j: usize| value(i, j).map(|v| v >= 1.0);
            let edge = theme::INK.stroke_width(4);
            for i in 0..xs.len() {
                for j in 0..ys.len() {
                    let (x, y) = (i as f64, j as f64);
                    if i + 1 < xs.len()
                        && side(i, j).is_some()
                        && side(i + 1, j).is_some()
                        && side(i, j) != side(i + 1, j)
                    {
                        chart.draw_series(std::iter::once(PathElement::new(
                            vec![(x + 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                            edge,
                        )))?;
                    }
                    if j + 1 < ys.len()
                        && side(i, j).is_some()
                        && side(i, j + 1).is_some()
                        && side(i, j) != side(i, j + 1)
                    {
                        chart.draw_series(std::iter::once(PathElement::new(
                            vec![(x - 0.5, y + 0.5), (x + 0.5, y + 0.5)],
                            edge,
                        )))?;
                    }
                }
            }
        }
        let key = [
            (
                format!("low: {}", if unit == "ratio" { ratio(lo) } else { format!("{lo:.0}") }),
                Mark::Block(colour_of(lo)),
            ),
            (
                format!("high: {}", if unit == "ratio" { ratio(hi) } else { format!("{hi:.0}") }),
                Mark::Block(colour_of(hi)),
            ),
            ("grey: no value".to_string(), Mark::Block(theme::GRID)),
        ];
        theme::side_key(&area, &key)?;
        Ok(())
    })
}
