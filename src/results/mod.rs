//! The results folder as a format: its file names, the columns of nights.csv, and reading a saved
//! run back. One home for them, so that data flows one way — the engine's aggregate is written by
//! `output`, read back here, and drawn by `charts` — with no module needing the other's internals.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use serde_json::Value;

pub const SUMMARY_JSON: &str = "summary.json";
pub const NIGHTS_CSV: &str = "nights.csv";
pub const SWEEP_CSV: &str = "sweep.csv";
pub const SWEEP_JSON: &str = "sweep.json";
/// `salvosim compare`: one row per figure, base and excursion with their paired difference.
pub const COMPARE_CSV: &str = "compare.csv";
pub const COMPARE_JSON: &str = "compare.json";
pub const SENSITIVITY_CSV: &str = "sensitivity.csv";
pub const SENSITIVITY_JSON: &str = "sensitivity.json";
pub const BACKTEST_CSV: &str = "backtest.csv";
pub const BACKTEST_JSON: &str = "backtest.json";
pub const CALIBRATE_CSV: &str = "calibrate.csv";
pub const CALIBRATE_JSON: &str = "calibrate.json";
/// backtest.csv and calibrate.csv night by night: one row per report night and outcome.
pub const BACKTEST_NIGHTS_CSV: &str = "backtest_nights.csv";
pub const CALIBRATE_NIGHTS_CSV: &str = "calibrate_nights.csv";
/// The scenario file with the fitted values written in, from `calibrate` and `backtest`.
pub const CALIBRATED_TOML: &str = "calibrated.toml";
/// The optimiser's result: the problem, the confirmed winner, every candidate.
pub const OPTIMISE_JSON: &str = "optimise.json";
pub const OPTIMISE_CSV: &str = "optimise.csv";
/// The contest's result: every round, the final defence and the attacker's reply to it.
pub const CONTEST_JSON: &str = "contest.json";
pub const CONTEST_CSV: &str = "contest.csv";
/// The scenario file as run, saved beside summary.json (its `--set`s are in summary.json).
pub const SCENARIO_TOML: &str = "scenario.toml";
/// The briefing report of a run: one self-contained page, and the same as Markdown.
pub const REPORT_HTML: &str = "report.html";
pub const REPORT_MD: &str = "report.md";
/// Subfolder of a results folder with report.md's charts as PNG files.
pub const REPORT_CHARTS_DIR: &str = "report-charts";
/// Subfolder of a sweep folder with each grid point's own summary.json and nights.csv.
pub const POINTS_DIR: &str = "points";
/// Subfolder of a results folder that holds the charts.
pub const CHARTS_DIR: &str = "charts";

/// Everything salvosim writes into a results folder; a folder holding anything else is not
/// replaced.
pub const OWN_ENTRIES: [&str; 25] = [
    COMPARE_CSV,
    COMPARE_JSON,
    CONTEST_CSV,
    CONTEST_JSON,
    OPTIMISE_JSON,
    OPTIMISE_CSV,
    SUMMARY_JSON,
    NIGHTS_CSV,
    CHARTS_DIR,
    SCENARIO_TOML,
    REPORT_HTML,
    REPORT_MD,
    REPORT_CHARTS_DIR,
    SWEEP_CSV,
    SWEEP_JSON,
    POINTS_DIR,
    SENSITIVITY_CSV,
    SENSITIVITY_JSON,
    BACKTEST_CSV,
    BACKTEST_JSON,
    CALIBRATE_CSV,
    CALIBRATE_JSON,
    BACKTEST_NIGHTS_CSV,
    CALIBRATE_NIGHTS_CSV,
    CALIBRATED_TOML,
];

/// Columns of nights.csv: `se` is the standard error of the mean over trials; `date` the night's
/// date, empty for a campaign not tied to the calendar.
pub const NIGHTS_HEADER: [&str; 9] = ["night", "metric", "series", "mean", "se", "p5", "p50", "p95", "date"];

/// One night's figure of one series, as nights.csv holds it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NightFigure {
    pub mean: f64,
    pub se: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

/// A saved run's summary.json.
pub fn read_summary(dir: &Path) -> Result<Value> {
    let path = dir.join(SUMMARY_JSON);
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

/// The figure at a summary.json path: `leak_rate`, `layers.nasams.p_exhausted` (null where absent).
pub fn figure<'a>(summary: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(summary, |value, key| &value[key])
}

/// A saved run's nights.csv: each (metric, series) with its figures for nights 1, 2, … in order.
pub fn read_nights(dir: &Path) -> Result<HashMap<(String, String), Vec<NightFigure>>> {
    let path = dir.join(NIGHTS_CSV);
    read_nights_file(&path).with_context(|| format!("in {}", path.display()))
}

fn read_nights_file(path: &Path) -> Result<HashMap<(String, String), Vec<NightFigure>>> {
    let mut reader = csv::Reader::from_path(path)?;
    let mut series: HashMap<(String, String), Vec<NightFigure>> = HashMap::new();
    for (line, row) in reader.records().enumerate() {
        let row = row?;
        let column = |name: &str| -> Result<f64> {
            let index = NIGHTS_HEADER.iter().position(|h| *h == name).expect("a nights.csv column");
            row.get(index)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| anyhow!("row {}: column {} is not a number", line + 2, index + 1))
        };
        let night = column("night")? as usize;
        let values = series.entry((row[1].to_string(), row[2].to_string())).or_default();
        if night != values.len() + 1 {
            return Err(anyhow!("row {}: night {night} out of order", line + 2));
        }
        values.push(NightFigure {
            mean: column("mean")?,
            se: column("se")?,
            p5: column("p5")?,
            p50: column("p50")?,
            p95: column("p95")?,
        });
    }
    Ok(series)
}
