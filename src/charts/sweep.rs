//! Sweep charts: cost-exchange ratio, leak rate and exhaustion night against a swept parameter,
//! and heatmaps for two-parameter sweeps, in the run charts' theme.

use anyhow::Result;
use plotters::prelude::*;

use super::theme::{self, Mark, font};
use crate::format::{ratio, ratio_tick, short};
use crate::scenario::labels::Names;
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
    /// (label, values) of each axis: the varied field in words, with its unit.
    pub axes: Vec<(String, Vec<f64>)>,
    /// Per grid point (first axis slowest): its values and its metrics by name.
    pub points: Vec<PointMetrics>,
    /// The words for the scenario's threats and layers.
    pub names: Names,
}

impl SweepData {
    fn metric(&self, point: usize, name: &str) -> Option<Stats> {
        self.points[point].1.iter().find(|(n, _)| n == name).and_then(|(_, s)| *s)
    }

    fn subtitle(&self) -> String {
        theme::subtitle(&self.scenario, self.trials, "per point, common random numbers", self.seed)
    }

    fn footer(&self, centre: Centre) -> String {
        let bands = match centre {
            Centre::Mean => "95% confidence interval of the mean",
            Centre::Median => "5th–95th percentile over trials",
        };
        format!("salvosim {} · bands: {bands}", self.version)
    }

    /// Heatmaps draw no bands: each cell is a mean.
    fn heatmap_footer(&self) -> String {
        format!("salvosim {} · each cell: the mean over the point's trials", self.version)
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
        let area = theme::frame(root, title, &data.subtitle(), &data.footer(centre))?;
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
        let mut chart = theme::plane(&area, x_range(values), 0.0..top, 110)?;
        theme::house_mesh(&mut chart, (path, y_desc), 10, &|x| short(*x), y_format)?;
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
            "{path}: defender and attacker spend break even between {} and {}",
            short(values[i]),
            short(values[i + 1])
        ),
        None => {
            format!(
                "Defence spends {} to {} dollars per attacker dollar across {}",
                ratio(lo),
                ratio(hi),
                phrase(path, &data.names)
            )
        }
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
        "Strike leak rate: {:.1}% at {} {}, {:.1}% at {}",
        rate(0),
        phrase(path, &data.names),
        short(values[0]),
        rate(last),
        short(values[last])
    );
    let series =
        [("leak_rate".to_string(), "strike threats (non-decoys) leaked / launched".to_string(), theme::VERMILLION)];
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
            // How often, beside when: the night alone hides a stock that runs dry in 34 % of
            // campaigns at one end of the sweep and in 0.1 % at the other.
            let p = |i: usize| data.metric(i, &format!("layers.{l}.p_exhausted")).map_or(0.0, |s| s.mean);
            let often = format!(
                "{}: dry in {} → {} of campaigns",
                data.names.show(&l),
                crate::format::chance(p(0)),
                crate::format::chance(p(data.points.len() - 1))
            );
            (format!("layers.{l}.exhaustion_night"), often, colour)
        })
        .collect();
    let names: Vec<&str> = series.iter().filter_map(|(_, l, _)| l.split(':').next()).collect();
    let title = if names.is_empty() {
        "No interceptor stock runs dry anywhere on this sweep".to_string()
    } else {
        format!("Night {} runs dry (median over campaigns where it does)", names.join(", "))
    };
    // Nights are whole: a short axis (a stock dry on night 1) would otherwise tick "0, 0, 0, 1, 1, 1".
    let night = |v: &f64| theme::whole_only(*v, |v| format!("{v:.0}"));
    curves(data, &title, "Exhaustion night", &night, &series, false, Centre::Median)
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
            format!("Night {} runs dry (mean over campaigns where it does)", data.names.show(layer)),
            "night",
        ),
    };
    let value = |i: usize, j: usize| data.metric(i * ys.len() + j, &metric).map(|s| s.mean);
    let all: Vec<f64> = (0..xs.len()).flat_map(|i| (0..ys.len()).filter_map(move |j| value(i, j))).collect();
    let (lo, hi) = all.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let title = if let HeatMetric::ExhaustionNight(layer) = &what {
        let soonest = (0..xs.len())
            .flat_map(|i| (0..ys.len()).map(move |j| (i, j)))
            .filter_map(|(i, j)| value(i, j).map(|v| (v, i, j)))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        match soonest {
            Some((v, i, j)) => format!(
                "{} runs dry by night {v:.0} at the soonest ({} {}, {} {}), night {hi:.0} at the latest",
                data.names.show(layer),
                phrase(x_path, &data.names),
                short(xs[i]),
                phrase(y_path, &data.names),
                short(ys[j])
            ),
            None => title,
        }
    } else if title.is_empty() && lo < 1.0 && hi >= 1.0 {
        break_even_finding(xs, ys, &phrase(x_path, &data.names), &phrase(y_path, &data.names), &|i, j| value(i, j))
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
        let area = theme::frame(root, &title, &data.subtitle(), &data.heatmap_footer())?;
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
        let spell = |v: f64| if unit == "ratio" { ratio(v) } else { format!("{v:.0}") };
        colour_bar(&area, lo, hi, &colour_of, &spell, if unit == "ratio" { "cost-exchange ratio" } else { "night" })?;
        let mut key = vec![("grey: no value".to_string(), Mark::Block(theme::GRID))];
        if matches!(what, HeatMetric::CostExchange) {
            key.insert(0, ("black line: break-even (ratio 1)".to_string(), Mark::Line(theme::INK)));
        }
        let (_, height) = area.dim_in_pixel();
        let below = area.margin(height as i32 / 2 + 60, 0, 0, 0);
        theme::side_key(&below, &key)?;
        Ok(())
    })
}

/// A label as it reads inside a sentence: its unit dropped, its first letter lower-case unless it
/// begins with a threat's or layer's name ("Gerbera decoy …") or an acronym ("NASAMS …", "P(EW …").
fn phrase(label: &str, names: &Names) -> String {
    let words = label.split(" (").next().unwrap_or(label);
    let mut chars = words.chars();
    let second_upper = words.chars().nth(1).is_some_and(|c| !c.is_lowercase());
    if names.begins(words) || second_upper {
        return words.to_string();
    }
    chars.next().map_or_else(String::new, |first| first.to_lowercase().chain(chars).collect())
}

/// The heatmap's finding about the break-even line, from where each row (fixed y) crosses ratio 1
/// along x: one threshold whatever y, a threshold that moves with y, or (no single crossing per
/// row) how much of the grid favours the defence.
fn break_even_finding(
    xs: &[f64],
    ys: &[f64],
    x_label: &str,
    y_label: &str,
    value: &dyn Fn(usize, usize) -> Option<f64>,
) -> String {
    let crossing = |j: usize| -> Option<(usize, bool)> {
        let sides: Vec<bool> = (0..xs.len()).map(|i| value(i, j).map(|v| v < 1.0)).collect::<Option<_>>()?;
        let changes: Vec<usize> = (1..sides.len()).filter(|&i| sides[i] != sides[i - 1]).collect();
        match changes.as_slice() {
            [i] => Some((*i, sides[*i])),
            _ => None,
        }
    };
    let rows: Option<Vec<(usize, bool)>> = (0..ys.len()).map(crossing).collect();
    if let Some(rows) = rows.filter(|r| r.iter().all(|(_, cheap)| *cheap == r[0].1)) {
        let (first, last) = (rows.iter().map(|r| r.0).min().unwrap_or(0), rows.iter().map(|r| r.0).max().unwrap_or(0));
        let above = if rows[0].1 { "Above" } else { "Below" };
        // The break-even lies between the two cells either side of the line: say its middle.
        let at = |i: usize| short((xs[i - 1] + xs[i]) / 2.0);
        return if first == last {
            format!(
                "{above} ~{} {} the defence spends less than the attacker, whatever the {}",
                at(first),
                x_label,
                y_label
            )
        } else {
            format!(
                "The defence spends less than the attacker {} ~{}–{} {}, depending on {}",
                above.to_lowercase(),
                at(first),
                at(last),
                x_label,
                y_label
            )
        };
    }
    let cells: Vec<f64> = (0..xs.len()).flat_map(|i| (0..ys.len()).filter_map(move |j| value(i, j))).collect();
    let cheap = cells.iter().filter(|&&v| v < 1.0).count();
    format!("The defence spends less than the attacker in {cheap} of {} cells: inside the black line", cells.len())
}

/// A vertical colour bar in the key margin: the heatmap's scale from `lo` (bottom) to `hi`.
fn colour_bar(
    area: &theme::Canvas,
    lo: f64,
    hi: f64,
    colour_of: &dyn Fn(f64) -> RGBColor,
    spell: &dyn Fn(f64) -> String,
    what: &str,
) -> Result<()> {
    let (width, _) = area.dim_in_pixel();
    let (x, top, height) = (width as i32 - theme::SIDE_LEGEND as i32 + 28, 50, 300);
    area.draw(&Text::new(what.to_string(), (x, 14), font(20)))?;
    let steps = 60;
    for k in 0..steps {
        let t = k as f64 / (steps - 1) as f64;
        let y = top + height - (k + 1) * height / steps;
        let fill = colour_of(lo + t * (hi - lo)).filled();
        area.draw(&Rectangle::new([(x, y), (x + 34, y + height / steps + 1)], fill))?;
    }
    for (t, v) in [(0.0, lo), (0.5, (lo + hi) / 2.0), (1.0, hi)] {
        let y = top + height - (t * f64::from(height)) as i32;
        area.draw(&PathElement::new(vec![(x + 34, y), (x + 42, y)], theme::MUTED.stroke_width(2)))?;
        area.draw(&Text::new(spell(v), (x + 48, y - 10), font(19)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_inside_a_sentence_keeps_names_and_acronyms() {
        let names = Names::new([("decoy".to_string(), "Gerbera decoy".to_string())]);
        assert_eq!(phrase("Threats launched a night", &names), "threats launched a night");
        assert_eq!(phrase("NASAMS price per round (USD)", &names), "NASAMS price per round");
        assert_eq!(phrase("P(EW defeats a threat)", &names), "P(EW defeats a threat)");
        assert_eq!(phrase("Gerbera decoy launched per Shahed-136", &names), "Gerbera decoy launched per Shahed-136");
        assert_eq!(phrase("Early warning (0 = none, 1 = full)", &names), "early warning");
    }
}
