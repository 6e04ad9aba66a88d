//! sweep.csv and sweep.json: one row per grid point and metric, and the same as JSON.

use serde_json::{Map, Value, json};

use super::RunInfo;
use super::summary_json::{identity, stats_json};
use crate::sweep::{Axis, PointMetrics};

pub fn csv<W: std::io::Write>(out: W, axes: &[Axis], points: &[PointMetrics]) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let mut header = vec!["point".to_string()];
    header.extend(axes.iter().map(|a| a.path.clone()));
    header.extend(["metric", "mean", "ci95_lo", "ci95_hi", "p5", "p50", "p95"].map(String::from));
    writer.write_record(&header)?;
    for (index, (values, metrics)) in points.iter().enumerate() {
        for (metric, stats) in metrics {
            let mut row = vec![index.to_string()];
            row.extend(values.iter().map(|v| v.to_string()));
            row.push(metric.clone());
            match stats {
                Some(s) => row.extend([s.mean, s.ci95[0], s.ci95[1], s.p5, s.p50, s.p95].map(|x| x.to_string())),
                None => row.extend(std::iter::repeat_n(String::new(), 6)),
            }
            writer.write_record(&row)?;
        }
    }
    writer.flush()?;
    Ok(())
}

/// sweep.json; `notes[i]` says what else axis `i` changes, if anything (see
/// [`crate::scenario::coupling`]).
pub fn json(info: &RunInfo, scenario: &str, axes: &[Axis], notes: &[Option<String>], points: &[PointMetrics]) -> Value {
    let vary: Vec<Value> = axes
        .iter()
        .zip(notes)
        .map(|(a, note)| {
            let mut axis = json!({ "path": a.path, "values": a.values });
            if let Some(note) = note {
                axis["also_changes"] = json!(note);
            }
            axis
        })
        .collect();
    let points: Vec<Value> = points
        .iter()
        .enumerate()
        .map(|(index, (values, metrics))| {
            let at: Map<String, Value> = axes.iter().zip(values).map(|(a, v)| (a.path.clone(), json!(v))).collect();
            let metrics: Map<String, Value> = metrics.iter().map(|(m, s)| (m.clone(), stats_json(*s))).collect();
            json!({ "point": index, "values": at, "metrics": metrics })
        })
        .collect();
    let mut root = identity(info, scenario);
    root.insert("vary".into(), Value::Array(vary));
    root.insert("points".into(), Value::Array(points));
    Value::Object(root)
}
