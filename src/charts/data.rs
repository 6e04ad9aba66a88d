//! What the charts draw, read back from a run's saved summary.json and nights.csv. Charts are
//! always drawn from these files — after `run` and by `plot` alike — so both give the same bytes.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use serde_json::Value;

use crate::engine::layout::TOTAL;
use crate::results;

/// Mean and quantiles of one tally.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figure {
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ThreatInfo {
    pub name: String,
    /// Its words for people (summary.json's `label`; the name in a summary.json without one).
    pub label: String,
    /// The scenario's `kind` tag; `None` in a summary.json older than the tag.
    pub kind: Option<String>,
    pub decoy: bool,
    pub unit_cost_usd: Figure,
    pub launched: Figure,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LayerInfo {
    pub name: String,
    /// As [`ThreatInfo::label`].
    pub label: String,
    pub kills: Figure,
    pub spend_usd: Figure,
    pub cost_per_kill_usd: Option<Figure>,
    /// Finite-stock layers only.
    pub stock: Option<StockInfo>,
    /// What the layer did to each threat type it engages, in threat order.
    pub by_threat: Vec<PairInfo>,
}

/// One layer against one threat type.
#[derive(Clone, Debug, PartialEq)]
pub struct PairInfo {
    pub threat: String,
    pub rounds: Figure,
    /// `None` where the layer never killed one.
    pub cost_per_kill_usd: Option<Figure>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StockInfo {
    pub reserve: f64,
    pub p_exhausted: f64,
    pub exhaustion_night: Option<Figure>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChartData {
    pub scenario: String,
    pub trials: u64,
    pub seed: u64,
    pub nights: u32,
    pub version: String,
    pub defender_spend_usd: Figure,
    pub attacker_spend_usd: Figure,
    pub damage_usd: Figure,
    pub cost_exchange_ratio: Option<Figure>,
    pub threats: Vec<ThreatInfo>,
    pub layers: Vec<LayerInfo>,
    /// (name, first night, last night).
    pub phases: Vec<(String, u32, u32)>,
    /// Each night's date, `YYYY-MM-DD`, for a run tied to the calendar (empty otherwise).
    pub dates: Vec<String>,
    series: HashMap<(String, String), Vec<Figure>>,
}

fn figure(value: &Value, what: &str) -> Result<Figure> {
    let number = |key: &str| value[key].as_f64().ok_or_else(|| anyhow!("{what}.{key} is missing or not a number"));
    Ok(Figure { mean: number("mean")?, p5: number("p5")?, p50: number("p50")?, p95: number("p95")? })
}

fn optional_figure(value: &Value, what: &str) -> Result<Option<Figure>> {
    if value.is_null() { Ok(None) } else { figure(value, what).map(Some) }
}

fn entries<'a>(root: &'a Value, key: &str) -> Result<&'a serde_json::Map<String, Value>> {
    root[key].as_object().ok_or_else(|| anyhow!("`{key}` is missing or not an object"))
}

impl ChartData {
    /// A threat type's label, or its name where the run has no such threat.
    pub fn threat_label<'a>(&'a self, name: &'a str) -> &'a str {
        self.threats.iter().find(|t| t.name == name).map_or(name, |t| t.label.as_str())
    }

    /// Reads `dir/summary.json` and `dir/nights.csv`.
    pub fn load(dir: &Path) -> Result<ChartData> {
        let summary = results::read_summary(dir)?;
        let mut data = ChartData::from_summary(&summary)
            .with_context(|| format!("in {}", dir.join(results::SUMMARY_JSON).display()))?;
        let figure = |n: &results::NightFigure| Figure { mean: n.mean, p5: n.p5, p50: n.p50, p95: n.p95 };
        data.series = results::read_nights(dir)?
            .into_iter()
            .map(|(key, nights)| (key, nights.iter().map(figure).collect()))
            .collect();
        // The charts size their axes and bars by `nights`: it must be what nights.csv holds.
        let held = data.series.values().map(Vec::len).max().unwrap_or(0);
        if held != data.nights as usize || (!data.dates.is_empty() && data.dates.len() != held) {
            return Err(anyhow!(
                "{} says {} nights ({} dates), but {} holds {held}",
                results::SUMMARY_JSON,
                data.nights,
                data.dates.len(),
                results::NIGHTS_CSV
            ));
        }
        Ok(data)
    }

    fn from_summary(summary: &Value) -> Result<ChartData> {
        let text = |key: &str| summary[key].as_str().map(str::to_string).ok_or_else(|| anyhow!("`{key}` is missing"));
        let whole = |key: &str| summary[key].as_u64().ok_or_else(|| anyhow!("`{key}` is missing"));
        let threats = entries(summary, "threats")?
            .iter()
            .map(|(name, t)| {
                Ok(ThreatInfo {
                    name: name.clone(),
                    label: t["label"].as_str().unwrap_or(name).to_string(),
                    kind: t["kind"].as_str().map(str::to_string),
                    decoy: t["decoy"].as_bool().unwrap_or(false),
                    unit_cost_usd: figure(&t["unit_cost_usd"], &format!("threats.{name}.unit_cost_usd"))?,
                    launched: figure(&t["launched"], &format!("threats.{name}.launched"))?,
                })
            })
            .collect::<Result<_>>()?;
        let layers = entries(summary, "layers")?.iter().map(|(name, l)| layer_info(name, l)).collect::<Result<_>>()?;
        let phases = summary["phases"]
            .as_array()
            .map(|phases| {
                phases
                    .iter()
                    .filter_map(|p| {
                        let nights = p["nights"].as_array()?;
                        let night = |i: usize| nights.get(i)?.as_u64().map(|n| n as u32);
                        Some((p["name"].as_str()?.to_string(), night(0)?, night(1)?))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(ChartData {
            scenario: text("scenario")?,
            trials: whole("trials")?,
            seed: whole("seed")?,
            nights: whole("nights").and_then(|n| {
                u32::try_from(n)
                    .ok()
                    .filter(|&n| (1..=crate::scenario::MAX_NIGHTS as u32).contains(&n))
                    .ok_or_else(|| anyhow!("`nights` = {n}: must be in 1..={}", crate::scenario::MAX_NIGHTS))
            })?,
            version: text("version")?,
            defender_spend_usd: figure(&summary["defender_spend_usd"], "defender_spend_usd")?,
            attacker_spend_usd: figure(&summary["attacker_spend_usd"], "attacker_spend_usd")?,
            damage_usd: figure(&summary["damage_usd"], "damage_usd")?,
            cost_exchange_ratio: optional_figure(&summary["cost_exchange_ratio"], "cost_exchange_ratio")?,
            threats,
            layers,
            phases,
            dates: summary["dates"]
                .as_array()
                .map(|dates| dates.iter().filter_map(|d| d.as_str().map(str::to_string)).collect())
                .unwrap_or_default(),
            series: HashMap::new(),
        })
    }

    /// Night-by-night figures of (metric, series); empty if the run has none.
    pub fn series(&self, metric: &str, series: &str) -> &[Figure] {
        self.series.get(&(metric.to_string(), series.to_string())).map_or(&[], Vec::as_slice)
    }

    /// The finite-stock layer most likely to run dry, with that probability.
    pub fn likeliest_to_run_dry(&self) -> Option<(&LayerInfo, f64)> {
        self.layers
            .iter()
            .filter_map(|l| l.stock.as_ref().map(|s| (l, s.p_exhausted)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// Night-by-night figures of a campaign-wide metric.
    pub fn total(&self, metric: &str) -> &[Figure] {
        self.series(metric, TOTAL)
    }

    /// The colour that stands for threat `name` in every chart (see `theme::threat_colour`).
    pub fn threat_colour(&self, name: &str) -> plotters::style::RGBColor {
        let strike = self.threats.iter().filter(|t| !t.decoy);
        let decoy = self.threats.iter().find(|t| t.name == name).is_some_and(|t| t.decoy);
        super::theme::threat_colour(strike.take_while(|t| t.name != name).count(), decoy)
    }

    /// "baseline · 10,000 trials · seed 20250305".
    pub fn subtitle(&self) -> String {
        super::theme::subtitle(&self.scenario, self.trials, &format!("of {} nights", self.nights), self.seed)
    }

    pub fn footer(&self) -> String {
        format!(
            "salvosim {} · bands, where drawn: 5th–95th percentile over trials · calibration data: P. Ivaniuk, Massive Missile Attacks on Ukraine (ODC-BY 1.0)",
            self.version
        )
    }
}

fn layer_info(name: &str, l: &Value) -> Result<LayerInfo> {
    let what = |key: &str| format!("layers.{name}.{key}");
    let stock = match l["p_exhausted"]["mean"].as_f64() {
        Some(p_exhausted) => Some(StockInfo {
            reserve: figure(&l["reserve"], &what("reserve"))?.p50,
            p_exhausted,
            exhaustion_night: optional_figure(&l["exhaustion_night"], &what("exhaustion_night"))?,
        }),
        None => None,
    };
    let by_threat = l["by_threat"]
        .as_object()
        .map(|pairs| {
            pairs
                .iter()
                .map(|(threat, p)| {
                    let what = |key: &str| what(&format!("by_threat.{threat}.{key}"));
                    Ok(PairInfo {
                        threat: threat.clone(),
                        rounds: figure(&p["rounds"], &what("rounds"))?,
                        cost_per_kill_usd: optional_figure(&p["cost_per_kill_usd"], &what("cost_per_kill_usd"))?,
                    })
                })
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(LayerInfo {
        name: name.to_string(),
        label: l["label"].as_str().unwrap_or(name).to_string(),
        by_threat,
        kills: figure(&l["kills"], &what("kills"))?,
        spend_usd: figure(&l["spend_usd"], &what("spend_usd"))?,
        cost_per_kill_usd: optional_figure(&l["cost_per_kill_usd"], &what("cost_per_kill_usd"))?,
        stock,
    })
}
