//! Briefing charts: each as SVG for print and as a 1600×900 anti-aliased
//! PNG for slides, drawn from a run's saved summary.json and nights.csv.

pub mod backtest;
pub mod compare;
pub mod contest;
mod data;
mod dry;
pub mod optimise;
mod outcome;
mod per_kill;
mod raid_response;
mod raster;
mod spend;
mod stock;
pub mod sweep;
mod theme;
pub mod tornado;

use anyhow::Result;

pub use data::{ChartData, Figure};
pub use theme::{HEIGHT, WIDTH};

/// One finished chart.
pub struct Chart {
    /// File stem: `<name>.svg` and `<name>.png`.
    pub name: String,
    pub svg: String,
    pub png: Vec<u8>,
}

/// Draws one chart as SVG.
type Drawer = fn(&ChartData) -> Result<String>;

/// Renders an SVG chart as PNG (with the bundled fonts registered for layout).
pub fn finish(name: impl Into<String>, svg: String) -> Result<Chart> {
    let png = raster::png(&svg)?;
    Ok(Chart { name: name.into(), svg, png })
}

/// A tornado chart of a sensitivity analysis for each metric in `metrics`.
pub fn draw_tornadoes(data: &tornado::TornadoData, metrics: &[String]) -> Result<Vec<Chart>> {
    raster::register_fonts();
    metrics
        .iter()
        .map(|metric| finish(format!("tornado-{}", metric.replace('.', "-")), tornado::draw(data, metric)?))
        .collect()
}

/// The comparison chart of `salvosim compare`.
pub fn draw_compare(data: &compare::CompareChart) -> Result<Vec<Chart>> {
    raster::register_fonts();
    Ok(vec![finish(compare::NAME, compare::draw(data)?)?])
}

/// The backtest (or fit) charts: the months, and the raid-size response.
pub fn draw_backtest(data: &backtest::BacktestChart) -> Result<Vec<Chart>> {
    raster::register_fonts();
    Ok(vec![finish(backtest::NAME, backtest::draw(data)?)?, finish(raid_response::NAME, raid_response::draw(data)?)?])
}

/// The contest's rounds and best-response charts.
pub fn draw_contest(data: &contest::ContestChart) -> Result<Vec<Chart>> {
    raster::register_fonts();
    Ok(vec![
        finish(contest::ROUNDS, contest::draw_rounds(data)?)?,
        finish(contest::RESPONSE, contest::draw_response(data)?)?,
    ])
}

/// The optimiser's search chart and, with a frontier, its frontier chart.
pub fn draw_optimise(data: &optimise::OptimiseChart) -> Result<Vec<Chart>> {
    raster::register_fonts();
    let mut charts = vec![finish(optimise::SEARCH, optimise::draw_search(data)?)?];
    if let Some(svg) = optimise::draw_frontier(data)? {
        charts.push(finish(optimise::FRONTIER, svg)?);
    }
    Ok(charts)
}

/// Every sweep chart.
pub fn draw_sweep(data: &sweep::SweepData) -> Result<Vec<Chart>> {
    raster::register_fonts();
    sweep::draw_all(data)?.into_iter().map(|(name, svg)| finish(name, svg)).collect()
}

/// The names of a run's charts, in briefing order.
pub const RUN_CHARTS: [&str; 5] = [stock::NAME, spend::NAME, per_kill::NAME, outcome::NAME, dry::NAME];

/// Every chart of a run, in briefing order.
pub fn draw_all(data: &ChartData) -> Result<Vec<Chart>> {
    raster::register_fonts();
    let drawers: [Drawer; 5] = [stock::draw, spend::draw, per_kill::draw, outcome::draw, dry::draw];
    RUN_CHARTS.into_iter().zip(drawers).map(|(name, draw)| finish(name, draw(data)?)).collect()
}
