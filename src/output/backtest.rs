//! backtest.csv / calibrate.csv (each month's observed and predicted shares), backtest_nights.csv /
//! calibrate_nights.csv (the same night by night) and backtest.json / calibrate.json (fitted values,
//! errors of the model and the naive forecasts, and the raid-size response, per window).

use serde_json::{Map, Value, json};

use super::RunInfo;
use super::summary_json::identity;
use crate::backtest::raid_response::RaidResponse;
use crate::backtest::{Calibration, WindowResult};
use crate::record::{ATTRIBUTION, Fates, Split};
use crate::replay::Band;

pub const HEADER: [&str; 7] =
    ["month", "window", "outcome", "observed", "predicted_mean", "predicted_p5", "predicted_p95"];

/// One row per month and outcome of each window's split, windows in order.
pub fn csv<W: std::io::Write>(out: W, windows: &[&WindowResult]) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    for window in windows {
        for month in &window.months {
            for (outcome, numbers) in shares(window.split, &month.observed, &month.predicted) {
                let mut record = vec![month.month.to_string(), window.name.to_string(), outcome.to_string()];
                record.extend(numbers);
                writer.write_record(&record)?;
            }
        }
    }
    writer.flush()?;
    Ok(())
}

pub const NIGHTS_HEADER: [&str; 8] =
    ["date", "window", "launched", "outcome", "observed", "predicted_mean", "predicted_p5", "predicted_p95"];

/// One row per report night and outcome of each window's split, windows in order.
pub fn nights_csv<W: std::io::Write>(out: W, windows: &[&WindowResult]) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(NIGHTS_HEADER)?;
    for window in windows {
        for night in &window.nights {
            for (outcome, numbers) in shares(window.split, &night.observed, &night.predicted) {
                let mut record = vec![
                    night.date.to_string(),
                    window.name.to_string(),
                    night.observed.launched.to_string(),
                    outcome.to_string(),
                ];
                record.extend(numbers);
                writer.write_record(&record)?;
            }
        }
    }
    writer.flush()?;
    Ok(())
}

/// Per outcome of `split`: its name, and the observed share with the predicted mean, p5 and p95.
fn shares<'a>(
    split: Split,
    observed: &'a Fates,
    predicted: &'a [Band],
) -> impl Iterator<Item = (&'static str, [String; 4])> + 'a {
    split.outcomes().iter().zip(predicted).map(move |(&outcome, band)| {
        (outcome.name(), [observed.share(outcome), band.mean, band.p5, band.p95].map(|x| x.to_string()))
    })
}

/// What the files were computed from, beyond the run's identity.
pub struct Provenance<'a> {
    pub scenario: &'a str,
    pub data_file: &'a str,
    /// Synthetic records refitted for the uncertainty.
    pub bootstrap: u64,
    /// The command line, for the record.
    pub command: &'a str,
}

pub fn json(info: &RunInfo, provenance: &Provenance, calibration: &Calibration, test: Option<&WindowResult>) -> Value {
    let mut root = identity(info, provenance.scenario);
    root.insert("command".into(), json!(provenance.command));
    root.insert("data".into(), json!({ "file": provenance.data_file, "attribution": ATTRIBUTION }));
    let mut fitted = Map::new();
    for e in &calibration.estimates {
        fitted.insert(e.path.clone(), json!({ "value": e.value, "se": e.se, "ci95": e.ci95 }));
    }
    root.insert("fitted".into(), Value::Object(fitted));
    root.insert(
        "fit".into(),
        json!({
            "method": "maximum likelihood, Nelder-Mead, common random numbers",
            "likelihood": calibration.likelihood.name(),
            "uncertainty": "parametric bootstrap: sd of refits to synthetic records, ci95 = value ± 1.96 sd",
            "bootstrap_records": provenance.bootstrap,
            "log_likelihood": calibration.log_likelihood,
            "candidates": calibration.evaluations,
        }),
    );
    let mut windows = Map::new();
    for window in std::iter::once(&calibration.window).chain(test) {
        windows.insert(window.name.into(), window_json(window));
    }
    root.insert("windows".into(), Value::Object(windows));
    Value::Object(root)
}

fn window_json(window: &WindowResult) -> Value {
    let months: Vec<Value> = window
        .months
        .iter()
        .map(|m| {
            let mut shares = Map::new();
            for (&outcome, band) in window.split.outcomes().iter().zip(&m.predicted) {
                shares.insert(
                    outcome.name().into(),
                    json!({ "observed": m.observed.share(outcome), "predicted": { "mean": band.mean, "p5": band.p5, "p95": band.p95 } }),
                );
            }
            json!({ "month": m.month.to_string(), "launched": m.observed.launched, "shares": shares })
        })
        .collect();
    let e = window.errors;
    json!({
        "window": window.window.to_string(),
        "split": window.split.name(),
        "mae": { "model": e.model, "pooled": e.pooled, "persistence": e.persistence },
        "raid_response": raid_response_json(&window.raid_response),
        "months": months,
    })
}

fn raid_response_json(response: &RaidResponse) -> Value {
    let groups: Vec<Value> = response
        .groups
        .iter()
        .map(|g| {
            json!({
                "group": g.label,
                "nights": g.nights,
                "launched": g.launched,
                "reached": {
                    "observed": g.observed,
                    "model": g.model,
                    "pooled": g.pooled,
                    "persistence": g.persistence,
                },
            })
        })
        .collect();
    let mae = response.mae.map(|e| json!({ "model": e.model, "pooled": e.pooled, "persistence": e.persistence }));
    json!({
        "measure": "reached share of the drones launched, drone-weighted over each group's report nights",
        "groups": groups,
        "mae": mae,
    })
}
