//! The briefing pack: one self-contained `report.html` — the finding, the key figures with their
//! 95 % CIs and p5–p95, every chart inline as SVG, the tornado and sweep charts when given, the
//! assumptions table with each field's source comment, the model in a paragraph, the data
//! attribution and a reproducibility block — and `report.md` with the same content and the charts
//! as PNG files beside it. Built from a saved run's folder (plus its sensitivity and sweep folders);
//! it reads files and returns pages, and `output` decides where they go.

pub mod assumptions;
mod figures;
mod html;
mod markdown;
mod svg_check;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::Value;

use crate::charts::{self, ChartData};
use crate::results;

pub use figures::{KeyFigure, key_figures};

/// Folder of a report's PNG charts, beside report.md.
pub use crate::results::REPORT_CHARTS_DIR as CHARTS_DIR;

/// What a report is built from.
pub struct Sources<'a> {
    /// A results folder written by `salvosim run`, with its charts.
    pub run: &'a Path,
    /// A folder written by `salvosim sensitivity`, for its tornado charts.
    pub sensitivity: Option<&'a Path>,
    /// A folder written by `salvosim sweep`, for its charts.
    pub sweep: Option<&'a Path>,
    /// A folder written by `salvosim optimise`, for its search and frontier charts.
    pub optimise: Option<&'a Path>,
    /// A folder written by `salvosim compare`, for its chart of differences.
    pub compare: Option<&'a Path>,
    /// A folder written by `salvosim contest`, for its rounds and best-response charts.
    pub contest: Option<&'a Path>,
}

/// A finished report: the two pages and the PNG files report.md links to.
pub struct Report {
    pub html: String,
    pub markdown: String,
    /// `(file name, bytes)` of each chart, for [`CHARTS_DIR`].
    pub pngs: Vec<(String, Vec<u8>)>,
}

/// One chart of the report.
struct Figure {
    /// File stem of its PNG in [`CHARTS_DIR`].
    file: String,
    /// The chart's own title: its finding.
    title: String,
    svg: String,
    png: Vec<u8>,
}

/// A group of charts under one heading.
struct ChartGroup {
    heading: String,
    intro: String,
    charts: Vec<Figure>,
}

/// Everything a report says, whatever its format.
struct Content {
    scenario: String,
    finding: String,
    figures: Vec<KeyFigure>,
    /// How to read the key figures (mean, interval, percentiles), in a briefer's words.
    figures_note: String,
    groups: Vec<ChartGroup>,
    /// `None` when the run folder holds no scenario.toml (runs of salvosim before it saved one).
    assumptions: Option<Vec<assumptions::Section>>,
    reproduce: Vec<(String, String)>,
}

/// The engagement model in a paragraph, for readers of the report.
const MODEL: &str = "Each trial is one campaign of nights. Every night a raid of Shahed-type strike drones, \
decoys and any missiles of the scenario flies through the defence's layers in order. Early-warning \
loss and electronic warfare first take a share of the drones; each layer then engages the threat \
types it is used against, within its nightly capacity and its stock (held above a reserve for the \
threats the reserve is kept for), with one shot (salvo) or shots until a kill (shoot-look-shoot), \
each killing with probability Pk. Decoys a layer recognises are ignored by layers that do not \
engage them. What no layer kills leaks and, for strike threats, does damage. Prices, Pks and raid \
sizes that are uncertain are drawn per trial from the distributions in the assumptions table, so \
the bands show what the assumptions leave open as well as chance. Cost-exchange ratio: what the \
defence fires, in USD, per USD the attacker launches.";

/// Builds the report of `sources`; `Err` names the folder or file that cannot be read.
pub fn build(sources: &Sources) -> Result<Report> {
    let content = content(sources)?;
    let pngs =
        content.groups.iter().flat_map(|g| &g.charts).map(|c| (format!("{}.png", c.file), c.png.clone())).collect();
    Ok(Report { html: html::render(&content), markdown: markdown::render(&content), pngs })
}

fn content(sources: &Sources) -> Result<Content> {
    let summary = results::read_summary(sources.run)?;
    let data = ChartData::load(sources.run)?;
    let figures = key_figures(&summary)?;
    let mut groups = vec![ChartGroup {
        heading: "Charts".into(),
        intro: format!("{}; bands are the 5th–95th percentile over trials.", data.subtitle()),
        charts: charts::RUN_CHARTS
            .iter()
            .map(|name| saved_chart(&sources.run.join(results::CHARTS_DIR), name, name.to_string()))
            .collect::<Result<_>>()?,
    }];
    if let Some(dir) = sources.sensitivity {
        groups.push(ChartGroup {
            heading: "Which assumptions drive the answer".into(),
            intro: "Each uncertain input pinned at its 10th and then its 90th percentile while the others stay \
                    uncertain, with common random numbers; bars sorted by the swing of the metric."
                .into(),
            charts: saved_charts(dir, "sensitivity")?,
        });
    }
    if let Some(dir) = sources.sweep {
        groups.push(ChartGroup {
            heading: "Sweep".into(),
            intro: "The headline metrics over the swept values, with common random numbers at every point.".into(),
            charts: saved_charts(dir, "sweep")?,
        });
    }
    if let Some(dir) = sources.compare {
        groups.push(ChartGroup {
            heading: "What the excursion changes".into(),
            intro: "The base and the excursion run trial by trial with the same random numbers: each bar is the \
                    95 % interval of the paired difference, as a share of the base's figure; grey where it \
                    includes no change. compare.csv beside this chart holds every figure."
                .into(),
            charts: saved_charts(dir, "compare")?,
        });
    }
    if let Some(dir) = sources.optimise {
        groups.push(ChartGroup {
            heading: "What to buy".into(),
            intro: "The cheapest defence the optimiser found that meets every constraint at the end of its 95 % \
                    confidence interval, with common random numbers; optimise.json beside these charts holds \
                    every candidate."
                .into(),
            charts: saved_charts(dir, "optimise")?,
        });
    }
    if let Some(dir) = sources.contest {
        groups.push(ChartGroup {
            heading: "A defence that holds against the attacker's best response".into(),
            intro: "Each round the defence is solved against every attacker strategy found so far, judged at its \
                    worst over them, and the attacker's best reply to it is searched for, with common random \
                    numbers; the contest ends when that reply gains no more than the tolerance over the \
                    strategies already found. contest.json beside these charts holds every round."
                .into(),
            charts: saved_charts(dir, "contest")?,
        });
    }
    let scenario_file = sources.run.join(results::SCENARIO_TOML);
    let sets = string_list(&summary["sets"]);
    let assumptions = match std::fs::read_to_string(&scenario_file) {
        Ok(text) => Some(
            assumptions::table(&text, &sets)
                .map_err(|e| anyhow::anyhow!(e))
                .with_context(|| format!("in {}", scenario_file.display()))?,
        ),
        Err(_) => None,
    };
    Ok(Content {
        scenario: data.scenario.clone(),
        finding: figures::finding(&summary, &data),
        figures,
        figures_note: figures::statistics_note(&summary),
        groups,
        assumptions,
        reproduce: reproduce(&summary, &sets),
    })
}

fn figure(file: String, svg: String, png: Vec<u8>) -> Figure {
    Figure { title: svg_title(&svg), file, svg, png }
}

/// The first text of a chart's SVG: its title.
fn svg_title(svg: &str) -> String {
    svg.split_once("<text")
        .and_then(|(_, rest)| rest.split_once('>'))
        .and_then(|(_, rest)| rest.split_once("</text>"))
        .map(|(title, _)| unescape(title.trim()))
        .unwrap_or_default()
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The chart `stem` saved in `folder` as SVG and PNG, to appear as `file`.
fn saved_chart(folder: &Path, stem: &str, file: String) -> Result<Figure> {
    let svg_path = folder.join(format!("{stem}.svg"));
    let svg = std::fs::read_to_string(&svg_path).with_context(|| format!("cannot read {}", svg_path.display()))?;
    svg_check::check(&svg)
        .map_err(|problem| anyhow::anyhow!("{} is not a salvosim chart: {problem}", svg_path.display()))?;
    let png_path = svg_path.with_extension("png");
    let png = std::fs::read(&png_path).with_context(|| format!("cannot read {}", png_path.display()))?;
    Ok(figure(file, svg, png))
}

/// The charts saved in `dir/charts/`, by name, each as its SVG and PNG.
fn saved_charts(dir: &Path, prefix: &str) -> Result<Vec<Figure>> {
    let folder = dir.join(results::CHARTS_DIR);
    let mut names: Vec<PathBuf> = std::fs::read_dir(&folder)
        .with_context(|| format!("cannot read the charts of {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    names.retain(|p| p.extension().is_some_and(|e| e == "svg"));
    names.sort();
    names
        .iter()
        .map(|svg_path| {
            let stem = svg_path.file_stem().unwrap_or_default().to_string_lossy();
            let file = if stem.starts_with(prefix) { stem.to_string() } else { format!("{prefix}-{stem}") };
            saved_chart(&folder, &stem, file)
        })
        .collect()
}

fn string_list(value: &Value) -> Vec<String> {
    value.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// `text` as one word for a POSIX shell, whatever it holds: in single quotes, each `'` written as
/// `'\''` (close, an escaped quote, reopen). Pasted into a shell, a `--set` value then stays one
/// argument and runs nothing.
fn shell_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The reproducibility block: what identifies the run and the command that repeats it.
fn reproduce(summary: &Value, sets: &[String]) -> Vec<(String, String)> {
    let text = |key: &str| match &summary[key] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    // Run from the run's folder, it writes beside that folder (`output/baseline-repeat`), not into
    // it: a folder inside would make the run's own folder one salvosim no longer replaces.
    let repeat = format!("../{}-repeat", text("scenario"));
    let mut command = format!(
        "salvosim run {} --seed {} --trials {} --out {}",
        results::SCENARIO_TOML,
        text("seed"),
        text("trials"),
        shell_quoted(&repeat)
    );
    for set in sets {
        command.push_str(" --set ");
        command.push_str(&shell_quoted(set));
    }
    vec![
        ("salvosim version".into(), text("version")),
        ("command (from the run's folder)".into(), command),
        ("seed".into(), text("seed")),
        ("trials".into(), text("trials")),
        ("nights".into(), text("nights")),
        ("scenario hash (SHA-256 of scenario.toml and every --set)".into(), text("scenario_hash")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hostile `--set` values reach a shell as the very arguments they were, and run nothing: the
    /// command, with `salvosim` swapped for `printf`, prints each argument back on a line of its own.
    #[test]
    fn the_repeat_command_quotes_every_value_for_the_shell() {
        let dir = tempfile::tempdir().unwrap();
        let canary = dir.path().join("ran");
        let hostile = [
            format!("scenario.description='; touch {}; echo '", canary.display()),
            format!("scenario.description=$(touch {})", canary.display()),
            format!("scenario.description=`touch {}` \\ \" ;", canary.display()),
            "layer.nasams.stock=200".to_string(),
        ];
        let summary = serde_json::json!({ "seed": 7, "trials": 100, "scenario": "base" });
        let command = reproduce(&summary, &hostile)[0..2][1].1.clone();
        let echoed = command.replacen("salvosim", "printf '%s\\n'", 1);
        let out = std::process::Command::new("sh").arg("-c").arg(&echoed).output().unwrap();
        assert!(out.status.success(), "{echoed}");
        let lines: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect();
        let mut expected: Vec<String> =
            ["run", "scenario.toml", "--seed", "7", "--trials", "100", "--out", "../base-repeat"]
                .map(str::to_string)
                .to_vec();
        for set in &hostile {
            expected.extend(["--set".to_string(), set.clone()]);
        }
        assert_eq!(lines, expected, "{command}");
        assert!(!canary.exists(), "the command ran something: {command}");
    }
}
