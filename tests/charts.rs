//! Briefing charts: every chart of every shipped scenario is drawn at the stated size and is not
//! blank, every SVG is well-formed and carries its title, the data behind the charts matches
//! summary.json and nights.csv, and `salvosim plot` reproduces a run's charts byte for byte.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use resvg::{tiny_skia, usvg};
use salvosim::charts::{ChartData, HEIGHT, WIDTH};
use salvosim::format::usd;

const CHARTS: [&str; 5] = ["stock-depletion", "cumulative-spend", "cost-per-kill", "nightly-outcome", "p-run-dry"];

fn run(scenario: &Path, out: &Path, extra: &[&str]) {
    Command::cargo_bin("salvosim")
        .unwrap()
        .arg("run")
        .arg(scenario)
        .args(["--quiet", "--trials", "400", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

fn shipped() -> Vec<PathBuf> {
    common::shipped_files()
}

fn unescape(xml: &str) -> String {
    xml.replace("&apos;", "'").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The text of the first `<text>` element: the chart's title.
fn svg_title(svg: &str) -> String {
    let start = svg.find("<text").expect("a text element");
    let body = &svg[start..];
    let open_end = body.find('>').unwrap() + 1;
    let close = body.find("</text>").unwrap();
    unescape(body[open_end..close].trim())
}

/// Mean and variance of pixel luminance.
fn luminance_spread(pixmap: &tiny_skia::Pixmap) -> (f64, f64) {
    let lum: Vec<f64> = pixmap
        .pixels()
        .iter()
        .map(|p| 0.2126 * f64::from(p.red()) + 0.7152 * f64::from(p.green()) + 0.0722 * f64::from(p.blue()))
        .collect();
    let mean = lum.iter().sum::<f64>() / lum.len() as f64;
    (mean, lum.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / lum.len() as f64)
}

#[test]
fn every_chart_of_every_shipped_scenario_renders() {
    let tmp = tempfile::tempdir().unwrap();
    for scenario in shipped() {
        let out = tmp.path().join(scenario.file_stem().unwrap());
        run(&scenario, &out, &[]);
        for chart in CHARTS {
            let what = format!("{}: {chart}", scenario.display());
            let png = std::fs::read(out.join("charts").join(format!("{chart}.png"))).unwrap();
            let pixmap = tiny_skia::Pixmap::decode_png(&png).unwrap();
            assert_eq!((pixmap.width(), pixmap.height()), (WIDTH, HEIGHT), "{what}: PNG size");
            let (mean, variance) = luminance_spread(&pixmap);
            // A blank (single-colour) image has variance 0; a drawn chart on white is mostly white
            // (mean near 255) with a few thousand dark and coloured pixels.
            assert!(variance > 200.0 && mean < 253.0, "{what}: looks blank (mean {mean:.1}, variance {variance:.1})");
            let svg = std::fs::read_to_string(out.join("charts").join(format!("{chart}.svg"))).unwrap();
            usvg::Tree::from_str(&svg, &usvg::Options::default()).unwrap_or_else(|e| panic!("{what}: SVG: {e}"));
            assert!(svg.contains(&format!("width=\"{WIDTH}\" height=\"{HEIGHT}\"")), "{what}: SVG size");
            assert!(svg_title(&svg).len() > 20, "{what}: SVG title text");
        }
    }
}

/// The nightly-outcome chart says "drones" only when every threat launched is tagged a drone: a
/// raid with missiles is counted as threats, in the title and on the axis.
#[test]
fn the_outcome_chart_names_what_it_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let no_missiles = ["--set", "threat.cruise.nightly_mean=0", "--set", "threat.ballistic.nightly_mean=0"];
    for (file, noun, axis, extra) in [
        ("scenarios/mass-raid.toml", "drones launched", "Drones (mean per night)", &no_missiles[..]),
        ("scenarios/combined-raid.toml", "threats launched", "Threats (mean per night)", &[]),
    ] {
        let out = tmp.path().join(Path::new(file).file_stem().unwrap());
        run(Path::new(file), &out, extra);
        let svg = unescape(&std::fs::read_to_string(out.join("charts/nightly-outcome.svg")).unwrap());
        let title = svg_title(&svg);
        assert!(title.contains(noun), "{file}: title {title:?} should say {noun:?}");
        assert!(svg.contains(axis), "{file}: the y axis should read {axis:?}");
    }
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_data_behind_the_charts_matches_the_saved_results() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("intel-pause");
    run(Path::new("tests/fixtures/charts-pause.toml"), &out, &[]);
    let data = ChartData::load(&out).unwrap();
    let summary = read_json(&out.join("summary.json"));

    // Every nights.csv row is what the charts draw.
    let mut reader = csv::Reader::from_path(out.join("nights.csv")).unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        let night: usize = row[0].parse().unwrap();
        let figure = data.series(&row[1], &row[2])[night - 1];
        let numbers: Vec<f64> = [3, 5, 6, 7].iter().map(|&i| row[i].parse().unwrap()).collect();
        assert_eq!([figure.mean, figure.p5, figure.p50, figure.p95].as_slice(), numbers.as_slice(), "{row:?}");
    }
    // Stacked outcome bars: destroyed by each layer + EW + leaked = launched, every night.
    for night in 0..data.nights as usize {
        let kills: f64 = data.layers.iter().map(|l| data.series("kills", &l.name)[night].mean).sum();
        let stacked = kills + data.total("ew_defeated")[night].mean + data.total("leakers")[night].mean;
        let launched = data.total("launched")[night].mean;
        assert!(
            (stacked - launched).abs() <= 1e-9 * launched,
            "night {}: bars {stacked} vs launched {launched}",
            night + 1
        );
    }
    // Layer and threat figures are summary.json's.
    for layer in &data.layers {
        let s = &summary["layers"][&layer.name];
        assert_eq!(Some(layer.kills.mean), s["kills"]["mean"].as_f64(), "{}", layer.name);
        assert_eq!(layer.cost_per_kill_usd.map(|c| c.p50), s["cost_per_kill_usd"]["p50"].as_f64(), "{}", layer.name);
        assert_eq!(layer.stock.as_ref().map(|x| x.p_exhausted), s["p_exhausted"]["mean"].as_f64(), "{}", layer.name);
        for pair in &layer.by_threat {
            let p = &s["by_threat"][&pair.threat];
            assert_eq!(Some(pair.rounds.mean), p["rounds"]["mean"].as_f64(), "{} · {}", layer.name, pair.threat);
            let cost = pair.cost_per_kill_usd.map(|c| c.p50);
            assert_eq!(cost, p["cost_per_kill_usd"]["p50"].as_f64(), "{} · {}", layer.name, pair.threat);
        }
        let engaged = s["by_threat"].as_object().unwrap().len();
        assert_eq!(layer.by_threat.len(), engaged, "{}: one pair for each threat type it engages", layer.name);
        assert!(engaged >= 1, "{}", layer.name);
    }
    assert_eq!(data.phases, [("intelligence pause".to_string(), 5, 11)]);

    // Titles state figures of summary.json.
    let chart = |name: &str| std::fs::read_to_string(out.join("charts").join(format!("{name}.svg"))).unwrap();
    // The spend title quotes the drawn lines: each one's last-night median.
    let last = |metric: &str| data.total(metric).last().unwrap().p50;
    let (defender, attacker) = (last("defender_spend_cum"), last("attacker_spend_cum"));
    let spend_title = format!(
        "A median campaign: the defence spends {} against the attacker's {} ({:.2} to 1); leakers do {} of damage",
        usd(defender),
        usd(attacker),
        defender / attacker,
        usd(last("damage_cum"))
    );
    assert_eq!(svg_title(&chart("cumulative-spend")), spend_title);
    let patriot = &summary["layers"]["patriot"];
    let dry_title = format!(
        "patriot: {:.0}% chance of running dry within 30 nights",
        100.0 * patriot["p_exhausted"]["mean"].as_f64().unwrap()
    );
    assert_eq!(svg_title(&chart("p-run-dry")), dry_title);
    let stock_title = format!(
        "patriot hits its reserve by night {:.0} (median); {:.0}% of campaigns run it dry",
        patriot["exhaustion_night"]["p50"].as_f64().unwrap(),
        100.0 * patriot["p_exhausted"]["mean"].as_f64().unwrap()
    );
    assert_eq!(svg_title(&chart("stock-depletion")), stock_title);
    // The dearest kill of a strike drone relative to its price: Patriot's, in this scenario where
    // every layer engages every threat.
    let shahed_cost = summary["threats"]["shahed"]["unit_cost_usd"]["p50"].as_f64().unwrap();
    let patriot_kill = patriot["by_threat"]["shahed"]["cost_per_kill_usd"]["p50"].as_f64().unwrap();
    let per_kill_title = format!(
        "Killing a shahed costs patriot {}: {:.0}× what the shahed cost",
        usd(patriot_kill),
        patriot_kill / shahed_cost
    );
    assert_eq!(svg_title(&chart("cost-per-kill")), per_kill_title);
}

#[test]
fn plot_reproduces_the_run_charts_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let (ran, plotted) = (tmp.path().join("ran"), tmp.path().join("plotted"));
    run(Path::new("scenarios/ceasefire.toml"), &ran, &[]);
    std::fs::create_dir(&plotted).unwrap();
    for file in ["summary.json", "nights.csv"] {
        std::fs::copy(ran.join(file), plotted.join(file)).unwrap();
    }
    Command::cargo_bin("salvosim").unwrap().arg("plot").arg(&plotted).assert().success();
    for chart in CHARTS {
        for extension in ["svg", "png"] {
            let name = format!("{chart}.{extension}");
            let a = std::fs::read(ran.join("charts").join(&name)).unwrap();
            let b = std::fs::read(plotted.join("charts").join(&name)).unwrap();
            assert!(a == b, "{name} differs between run and plot");
        }
    }
}

#[test]
fn no_charts_skips_them_and_plot_refuses_a_folder_without_results() {
    let tmp = tempfile::tempdir().unwrap();
    run(Path::new("scenarios/baseline.toml"), tmp.path(), &["--no-charts"]);
    assert!(!tmp.path().join("charts").exists());
    let empty = tempfile::tempdir().unwrap();
    Command::cargo_bin("salvosim")
        .unwrap()
        .arg("plot")
        .arg(empty.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a salvosim results folder"));
}

/// A threat's or layer's `label` is what a person reads: in summary.json, on the charts, in the
/// console; a scenario without labels reads its names.
#[test]
fn labels_reach_the_charts_and_the_console() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("labelled");
    let assert = Command::cargo_bin("salvosim")
        .unwrap()
        .args(["run", "scenarios/baseline.toml", "--trials", "200", "--out"])
        .arg(&out)
        .assert()
        .success();
    let console = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(console.contains("\n  NASAMS ") && console.contains("\n  Mobile fire groups "), "{console}");
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["threats"]["shahed"]["label"], "Shahed-136");
    assert_eq!(summary["layers"]["nasams"]["label"], "NASAMS");
    let svg = |name: &str| unescape(&std::fs::read_to_string(out.join(format!("charts/{name}.svg"))).unwrap());
    assert!(svg("cost-per-kill").contains("Killing a Shahed-136 costs"), "per-kill title in words");
    assert!(svg("cost-per-kill").contains("NASAMS · Shahed-136"));
    assert!(svg("stock-depletion").contains(">NASAMS<") || svg("stock-depletion").contains("NASAMS"));
    assert!(!svg("nightly-outcome").contains("destroyed by nasams"), "the outcome key uses labels");
    let stock = svg("stock-depletion");
    assert!(stock.contains("rounds fired at: Shahed-136 ") && !stock.contains("fired at: shahed"), "by labels");
    // The report opens with the starkest fact: the threat type that mostly gets through.
    Command::cargo_bin("salvosim").unwrap().arg("report").arg(&out).assert().success();
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    let ballistic = &summary["threats"]["ballistic"];
    let share = ballistic["leaked"]["mean"].as_f64().unwrap() / ballistic["launched"]["mean"].as_f64().unwrap();
    assert!(share > 0.5 && page.contains("Ballistic missile: ") && page.contains("launched a campaign get through"));

    let plain = tmp.path().join("plain");
    run(Path::new("tests/fixtures/charts-pause.toml"), &plain, &[]);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(plain.join("summary.json")).unwrap()).unwrap();
    let (name, layer) = summary["layers"].as_object().unwrap().iter().next().unwrap();
    assert_eq!(layer["label"].as_str(), Some(name.as_str()), "no label: the name");
}

/// The chart defects a briefer found, each with the check that would have caught it: a legend
/// entry with nothing drawn, a probability axis that shows nothing, harmless decoys counted as
/// leakers.
#[test]
fn legends_axes_and_stacks_say_what_is_drawn() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("baseline");
    run(Path::new("scenarios/baseline.toml"), &out, &[]);
    let svg = |name: &str| unescape(&std::fs::read_to_string(out.join(format!("charts/{name}.svg"))).unwrap());
    let data = ChartData::load(&out).unwrap();
    // No layer runs dry in most baseline campaigns: no red marker drawn, none promised.
    assert!(data.layers.iter().filter_map(|l| l.stock.as_ref()).all(|s| s.p_exhausted < 0.5));
    assert!(!svg("stock-depletion").contains("dashed red"), "a legend entry with nothing drawn");
    // The probability axis reaches just past the likeliest layer's chance, not 100 %.
    let dry = svg("p-run-dry");
    assert!(!dry.contains("100%") && dry.contains("1.0%"), "the axis tops out at 1 %");
    // Decoys that fly on are not leakers that do harm.
    let outcome = svg("nightly-outcome");
    assert!(outcome.contains("decoys let through (no harm)") && outcome.contains("strike threats leaked"));
    let title = svg_title(&outcome);
    assert!(title.contains("% strike threats leaked") && title.contains("% decoys let through"), "{title}");
}
