//! Where a run's files go and how they are written. Exporters only serialise; this module alone
//! decides paths, and writes each file under a temporary name before renaming it into place, so a
//! reader never sees a half-written file.

pub mod console;
pub mod format;
pub mod nights_csv;
pub mod summary_json;
pub mod sweep;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::charts::{self, ChartData};
use crate::engine::{Aggregate, NightLayout};
use crate::scenario::Scenario;

pub const SUMMARY_JSON: &str = "summary.json";
pub const NIGHTS_CSV: &str = "nights.csv";
pub const SWEEP_CSV: &str = "sweep.csv";
pub const SWEEP_JSON: &str = "sweep.json";
/// Subfolder of a sweep folder with each grid point's own summary.json and nights.csv.
pub const POINTS_DIR: &str = "points";
/// Subfolder of a results folder that holds the charts.
pub const CHARTS_DIR: &str = "charts";

/// What identifies a run's results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunInfo {
    pub scenario_hash: String,
    pub seed: u64,
    pub trials: u64,
    pub version: String,
}

/// The default results folder of a scenario: `output/<name>/`.
pub fn default_dir(scenario: &Scenario) -> PathBuf {
    Path::new("output").join(&scenario.name)
}

/// The default folder of a sweep: `output/<name>-sweep/`.
pub fn default_sweep_dir(scenario: &Scenario) -> PathBuf {
    Path::new("output").join(format!("{}-sweep", scenario.name))
}

/// The folder of grid point `index` inside a sweep folder.
pub fn point_dir(dir: &Path, index: usize) -> PathBuf {
    dir.join(POINTS_DIR).join(format!("{index:03}"))
}

/// Writes bytes to each `dir/name`, atomically, creating `dir`.
fn write_files(dir: &Path, files: &[(&str, &[u8])]) -> anyhow::Result<()> {
    use anyhow::Context;
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, bytes) in files {
        let path = dir.join(name);
        write_atomic(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Removes the chart files an earlier sweep into `dir` may have left (a curve's after a grid's,
/// say), so that the folder holds only this sweep's results.
fn remove_stale_sweep_charts(dir: &Path) -> io::Result<()> {
    for name in charts::sweep::CHART_NAMES {
        for extension in ["svg", "png"] {
            match fs::remove_file(dir.join(CHARTS_DIR).join(format!("{name}.{extension}"))) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
    }
    Ok(())
}

/// Removes the grid points an earlier sweep into `dir` left.
pub fn clear_points(dir: &Path) -> io::Result<()> {
    match fs::remove_dir_all(dir.join(POINTS_DIR)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Writes sweep.csv, sweep.json and the sweep charts into `dir`.
pub fn write_sweep(
    dir: &Path,
    info: &RunInfo,
    scenario: &str,
    axes: &[crate::sweep::Axis],
    points: &[crate::sweep::PointMetrics],
    charts: Option<&charts::sweep::SweepData>,
) -> anyhow::Result<()> {
    let mut table = Vec::new();
    sweep::csv(&mut table, axes, points)?;
    remove_stale_sweep_charts(dir)?;
    let mut json = serde_json::to_vec_pretty(&sweep::json(info, scenario, axes, points))?;
    json.push(b'\n');
    write_files(dir, &[(SWEEP_CSV, &table), (SWEEP_JSON, &json)])?;
    if let Some(data) = charts {
        write_chart_files(&dir.join(CHARTS_DIR), &charts::draw_sweep(data)?)?;
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, then a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

/// Writes summary.json and nights.csv into `dir`, creating it if needed.
pub fn write_results(dir: &Path, info: &RunInfo, scenario: &Scenario, aggregate: &Aggregate) -> anyhow::Result<()> {
    let mut summary = serde_json::to_vec_pretty(&summary_json::summary(info, scenario, aggregate))?;
    summary.push(b'\n');
    let mut nights = Vec::new();
    nights_csv::write(&mut nights, &NightLayout::new(scenario), aggregate)?;
    write_files(dir, &[(SUMMARY_JSON, &summary), (NIGHTS_CSV, &nights)])
}

/// Draws every chart from `data` and writes `dir/charts/<name>.svg` and `.png`; returns the folder.
pub fn write_charts(dir: &Path, data: &ChartData) -> anyhow::Result<PathBuf> {
    let folder = dir.join(CHARTS_DIR);
    write_chart_files(&folder, &charts::draw_all(data)?)?;
    Ok(folder)
}

/// Writes each chart as `<name>.svg` and `<name>.png` into `folder`.
fn write_chart_files(folder: &Path, charts: &[charts::Chart]) -> anyhow::Result<()> {
    let names: Vec<(String, String)> =
        charts.iter().map(|c| (format!("{}.svg", c.name), format!("{}.png", c.name))).collect();
    let files: Vec<(&str, &[u8])> = charts
        .iter()
        .zip(&names)
        .flat_map(|(c, (svg, png))| [(svg.as_str(), c.svg.as_bytes()), (png.as_str(), c.png.as_slice())])
        .collect();
    write_files(folder, &files)
}
