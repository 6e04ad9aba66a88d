//! compare.csv and compare.json: one row per figure, the base's and the excursion's means and
//! their paired difference with its 95 % interval.

use serde_json::{Value, json};

use crate::compare::Comparison;

/// Who was compared: each side's scenario, its hash and the `--set`s it ran with.
pub struct Sides {
    pub base: (String, String, Vec<String>),
    pub excursion: (String, String, Vec<String>),
    pub version: String,
    /// Whether the difference is paired (trial by trial) or, from two saved runs, unpaired.
    pub paired: bool,
}

/// An empty cell for a missing number.
fn cell(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

pub fn csv<W: std::io::Write>(out: W, comparison: &Comparison) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["metric", "base_mean", "excursion_mean", "difference", "ci95_lo", "ci95_hi"])?;
    for row in &comparison.rows {
        let [lo, hi] = row.ci95.map_or([None, None], |[lo, hi]| [Some(lo), Some(hi)]);
        writer.write_record([
            row.metric.clone(),
            cell(row.base_mean),
            cell(row.excursion_mean),
            cell(row.difference),
            cell(lo),
            cell(hi),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

pub fn json(sides: &Sides, comparison: &Comparison) -> Value {
    let side = |(scenario, hash, sets): &(String, String, Vec<String>)| json!({ "scenario": scenario, "scenario_hash": hash, "sets": sets });
    let rows: Vec<Value> = comparison
        .rows
        .iter()
        .map(|r| {
            json!({
                "metric": r.metric,
                "base_mean": r.base_mean,
                "excursion_mean": r.excursion_mean,
                "difference": r.difference,
                "ci95": r.ci95,
                "unpaired_ci95_half_width": r.unpaired_half_width,
                "paired_trials": r.paired_trials,
            })
        })
        .collect();
    json!({
        "base": side(&sides.base),
        "excursion": side(&sides.excursion),
        "seed": comparison.seed,
        "trials": comparison.trials,
        "version": sides.version,
        "method": if sides.paired { "paired" } else { "unpaired" },
        "metrics": rows,
    })
}
