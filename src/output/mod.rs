//! Where a run's files go and how they are written. Exporters only serialise; this module alone
//! decides paths, and writes each file under a temporary name before renaming it into place, so a
//! reader never sees a half-written file.

pub mod console;
pub mod format;
pub mod nights_csv;
pub mod summary_json;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::charts::{self, ChartData};
use crate::engine::{Aggregate, NightLayout};
use crate::scenario::Scenario;

pub const SUMMARY_JSON: &str = "summary.json";
pub const NIGHTS_CSV: &str = "nights.csv";
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
    use anyhow::Context;
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut summary = serde_json::to_vec_pretty(&summary_json::summary(info, scenario, aggregate))?;
    summary.push(b'\n');
    let mut nights = Vec::new();
    nights_csv::write(&mut nights, &NightLayout::new(scenario), aggregate)?;
    for (name, bytes) in [(SUMMARY_JSON, &summary), (NIGHTS_CSV, &nights)] {
        let path = dir.join(name);
        write_atomic(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Draws every chart from `data` and writes `dir/charts/<name>.svg` and `.png`; returns the folder.
pub fn write_charts(dir: &Path, data: &ChartData) -> anyhow::Result<PathBuf> {
    use anyhow::Context;
    let folder = dir.join(CHARTS_DIR);
    fs::create_dir_all(&folder).with_context(|| format!("cannot create {}", folder.display()))?;
    for chart in charts::draw_all(data)? {
        for (extension, bytes) in [("svg", chart.svg.as_bytes()), ("png", chart.png.as_slice())] {
            let path = folder.join(format!("{}.{extension}", chart.name));
            write_atomic(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(folder)
}
