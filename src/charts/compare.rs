//! The comparison chart: each key figure's paired difference (excursion − base) as a share of
//! the base's figure, with its 95 % interval, titled with the starkest difference in words.

use anyhow::Result;
use plotters::prelude::*;

use super::theme;
use crate::compare::{Comparison, Row};
use crate::scenario::labels::{Names, metric_label};

pub const NAME: &str = "compare";

/// Rows drawn at most.
const MAX_ROWS: usize = 20;

/// What the comparison chart shows.
pub struct CompareChart<'a> {
    pub base: String,
    pub excursion: String,
    pub version: String,
    pub comparison: &'a Comparison,
    /// The strike (non-decoy) threat types both scenarios have, by name.
    pub strike_threats: Vec<String>,
    /// Whether the differences are paired trial by trial (else two saved runs, unpaired).
    pub paired: bool,
    /// The words for both scenarios' threats and layers.
    pub names: Names,
}

/// A figure's value in its unit: money with k/M/B, counts whole, shares as percentages.
pub fn spell(metric: &str, value: f64) -> String {
    if metric.ends_with("leak_rate") || metric.ends_with("p_exhausted") {
        format!("{:.1} points", 100.0 * value)
    } else if metric.ends_with("_usd") {
        crate::format::usd(value)
    } else if metric.starts_with("cost_exchange") {
        crate::format::ratio(value)
    } else {
        format!("{value:.1}")
    }
}

/// Whether the row's interval excludes 0 (a difference that is not noise at 95 %).
fn clear(row: &Row) -> bool {
    row.ci95.is_some_and(|[lo, hi]| lo > 0.0 || hi < 0.0)
}

/// The title: the strike threat whose leakers move most (clearly), else the defender's spend.
pub fn title(data: &CompareChart) -> String {
    let find = |metric: &str| data.comparison.rows.iter().find(|r| r.metric == metric);
    let leaks = data
        .strike_threats
        .iter()
        .filter_map(|t| find(&format!("threats.{t}.leaked")).map(|r| (data.names.show(t), r)));
    let starkest = leaks
        .filter(|(_, r)| clear(r))
        .max_by(|a, b| a.1.difference.unwrap_or(0.0).abs().total_cmp(&b.1.difference.unwrap_or(0.0).abs()));
    if let Some((threat, row)) = starkest {
        let (d, [lo, hi]) = (row.difference.unwrap_or(0.0), row.ci95.unwrap_or_default());
        let (more, range) = if d > 0.0 { ("more", [lo, hi]) } else { ("fewer", [-hi, -lo]) };
        // Whole threats, unless the interval is too narrow to tell its ends apart in them.
        let digits = if (range[1] - range[0]).abs() < 2.0 { 1 } else { 0 };
        return format!(
            "{} lets {:.digits$} {more} {threat} through a campaign than {} (95 % CI {:.digits$}–{:.digits$})",
            data.excursion,
            d.abs(),
            data.base,
            range[0],
            range[1]
        );
    }
    // No strike leaks move clearly (the chart's grey rows say so): the defence's spend on rounds
    // first, then what it costs to field (a stock bought and not fired moves that alone).
    let spent = [("defender_spend_usd", "the defence's spend"), ("defence_cost_usd", "the cost to field the defence")];
    match spent.iter().find_map(|(metric, words)| find(metric).filter(|r| clear(r)).map(|r| (words, r))) {
        Some((words, row)) => {
            let [lo, hi] = row.ci95.unwrap_or_default();
            let d = row.difference.unwrap_or(0.0);
            format!(
                "{} {} {words} by {} (95 % CI {}–{})",
                data.excursion,
                if d > 0.0 { "raises" } else { "cuts" },
                crate::format::usd(d.abs()),
                crate::format::usd(lo),
                crate::format::usd(hi)
            )
        }
        None => format!("{} and {} differ in no headline figure beyond noise", data.excursion, data.base),
    }
}

/// The rows drawn: headline figures, strike threats' leakers, and layers' spend, where the base
/// figure is not 0 (a share of 0 means nothing) and both sides have it.
fn drawn<'a>(data: &CompareChart<'a>) -> Vec<(&'a Row, f64, [f64; 2])> {
    let wanted = |m: &str| {
        !m.contains('.')
            || data.strike_threats.iter().any(|t| m == format!("threats.{t}.leaked"))
            || (m.starts_with("layers.") && (m.ends_with(".spend_usd")))
    };
    data.comparison
        .rows
        .iter()
        .filter(|r| wanted(&r.metric))
        .filter_map(|r| {
            let (base, d, [lo, hi]) = (r.base_mean?, r.difference?, r.ci95?);
            (base.abs() > 0.0).then(|| (r, 100.0 * d / base.abs(), [100.0 * lo / base.abs(), 100.0 * hi / base.abs()]))
        })
        .take(MAX_ROWS)
        .collect()
}

fn row_text(row: &Row, names: &Names) -> String {
    let label = metric_label(&row.metric, names);
    match row.difference {
        Some(d) => format!("{label}  {}{}", if d >= 0.0 { "+" } else { "−" }, spell(&row.metric, d.abs())),
        None => label,
    }
}

pub fn draw(data: &CompareChart) -> Result<String> {
    let rows = drawn(data);
    let subtitle = format!(
        "{} against {} · {} {}trials · seed {} · difference as a share of {}'s figure",
        data.excursion,
        data.base,
        crate::format::thousands(data.comparison.trials),
        if data.paired { "paired " } else { "" },
        data.comparison.seed,
        data.base
    );
    let footer = if data.paired {
        format!(
            "salvosim {} · both run trial by trial with the same random numbers: bars are 95 % intervals of the paired differences",
            data.version
        )
    } else {
        format!(
            "salvosim {} · two saved runs, unpaired: bars are 95 % intervals of the difference of two independent means, wider than a paired comparison's",
            data.version
        )
    };
    let title = title(data);
    theme::svg(|root| {
        let area = theme::frame(root, &title, &subtitle, &footer)?;
        let values = rows.iter().flat_map(|(_, d, [lo, hi])| [*d, *lo, *hi]).chain([0.0]);
        let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let pad = ((hi - lo) * 0.08).max(0.5);
        let n = rows.len().max(1);
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .x_label_area_size(60)
            .y_label_area_size(560)
            .build_cartesian_2d(lo - pad..hi + pad, -0.6..n as f64 - 0.4)?;
        let labels: Vec<String> = rows.iter().map(|(r, _, _)| row_text(r, &data.names)).collect();
        let percent = |v: &f64| if v.abs() < 1e-9 { "0%".into() } else { format!("{v:+.0}%") };
        theme::row_mesh(&mut chart, &format!("Change from {} (%)", data.base), &percent, &labels)?;
        chart.draw_series(LineSeries::new([(0.0, -0.6), (0.0, n as f64 - 0.4)], theme::INK.stroke_width(2)))?;
        for (index, (row, d, [lo, hi])) in rows.iter().enumerate() {
            let y = (n - 1 - index) as f64;
            let colour = if clear(row) { theme::BLUE } else { theme::LIGHT };
            chart.draw_series(LineSeries::new([(*lo, y), (*hi, y)], colour.stroke_width(6)))?;
            chart.draw_series(std::iter::once(Circle::new((*d, y), 9, colour.filled())))?;
        }
        Ok(())
    })
}
