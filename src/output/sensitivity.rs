//! sensitivity.csv and sensitivity.json: one row per input and metric, and the same as JSON with
//! each run's standard error.

use serde_json::{Value, json};

use super::RunInfo;
use super::summary_json::{identity, stats_json};
use crate::sensitivity::Row;

pub const HEADER: [&str; 8] = ["input", "low", "high", "metric", "base", "at_low", "at_high", "swing"];

pub fn csv<W: std::io::Write>(out: W, rows: &[Row]) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    for row in rows {
        let numbers = [row.base.mean, row.at_low.mean, row.at_high.mean, row.swing()].map(|x| x.to_string());
        let mut record =
            vec![row.input.path.clone(), row.input.low.to_string(), row.input.high.to_string(), row.metric.clone()];
        record.extend(numbers);
        writer.write_record(&record)?;
    }
    writer.flush()?;
    Ok(())
}

pub fn json(info: &RunInfo, scenario: &str, rows: &[Row]) -> Value {
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "input": r.input.path,
                "low": r.input.low,
                "high": r.input.high,
                "metric": r.metric,
                "swing": r.swing(),
                "base": stats_json(Some(r.base)),
                "at_low": stats_json(Some(r.at_low)),
                "at_high": stats_json(Some(r.at_high)),
            })
        })
        .collect();
    let mut root = identity(info, scenario);
    root.insert("quantiles".into(), json!([crate::sensitivity::LOW_QUANTILE, crate::sensitivity::HIGH_QUANTILE]));
    root.insert("rows".into(), Value::Array(rows));
    Value::Object(root)
}
