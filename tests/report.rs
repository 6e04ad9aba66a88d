//! The briefing report: every key figure is the one in summary.json; the page references nothing
//! outside itself; the assumptions table holds every field of the scenario with its source
//! comment; the reproducibility block's command repeats the run byte for byte; and a real browser
//! (Debian's Chromium, installed on purpose by scripts/setup-test-machine.sh; the test installs nothing)
//! renders it to a screenshot that is not blank and to a PDF whose every page has content.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_salvosim");
const RUN: [&str; 6] = ["--trials", "300", "--seed", "5", "--set", "layer.nasams.stock=120"];

/// A baseline run with `--report` and a sensitivity analysis, then `report` over both.
struct Reported {
    _tmp: tempfile::TempDir,
    run: PathBuf,
}

/// A small contest (tests/contest.rs has its closed form): guns buying capacity against decoys.
const SADDLE: &str = "[scenario]\nname = \"saddle\"\nnights = 10\nseed = 5\n[raid]\nsize = 100\n\
     [[threat]]\nname = \"shahed\"\nshare = 1\nunit_cost = 50000\n\
     [[threat]]\nname = \"decoy\"\ndecoy = true\nper = { shahed = 1.0 }\nunit_cost = 5000\n\
     [[layer]]\nname = \"guns\"\ndoctrine = \"salvo\"\npk = 1\nmax_shots = 1\ncost_per_shot = 0\ncoverage = 1\n\
     capacity = 200\ncost_per_capacity = 1000\nengages = [\"decoy\", \"shahed\"]\n";

fn reported() -> Reported {
    let tmp = tempfile::tempdir().unwrap();
    let (run, sensitivity, optimise) =
        (tmp.path().join("run"), tmp.path().join("sensitivity"), tmp.path().join("optimise"));
    salvosim(&["run", "scenarios/baseline.toml", "--quiet", "--report"], &RUN, &run);
    assert!(run.join("report.html").is_file() && run.join("report.md").is_file(), "run --report wrote no report");
    salvosim(&["sensitivity", "scenarios/baseline.toml", "--quiet", "--trials", "200"], &[], &sensitivity);
    let decide = ["--decide", "layer.nasams.stock=40:200", "--minimise", "defence_cost_usd", "--trials", "200"];
    salvosim(&["optimise", "scenarios/baseline.toml", "--quiet"], &decide, &optimise);
    let (contest, saddle) = (tmp.path().join("contest"), tmp.path().join("saddle.toml"));
    std::fs::write(&saddle, SADDLE).unwrap();
    let contest_args = [
        "--decide",
        "layer.guns.capacity=50:400",
        "--minimise",
        "defence_cost_usd",
        "--subject-to",
        "threats.shahed.leaked<=200",
        "--attacker",
        "threat.decoy.per.shahed=0:3",
        "--attacker-maximises",
        "threats.shahed.leaked",
        "--attacker-subject-to",
        "attacker_spend_usd<=5.75e7",
        "--trials",
        "200",
    ];
    salvosim(&["contest", saddle.to_str().unwrap(), "--quiet"], &contest_args, &contest);
    let status = Command::new(BIN)
        .args(["report", run.to_str().unwrap(), "--sensitivity", sensitivity.to_str().unwrap()])
        .args(["--optimise", optimise.to_str().unwrap(), "--contest", contest.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    Reported { _tmp: tmp, run }
}

fn salvosim(command: &[&str], args: &[&str], out: &Path) {
    let status = Command::new(BIN).args(command).args(args).arg("--out").arg(out).status().unwrap();
    assert!(status.success(), "salvosim {command:?} failed");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `(data-metric, data-value, shown text)` of the key-figures table.
fn key_figure_cells(html: &str) -> Vec<(String, String, String)> {
    let table = html.split("id=\"key-figures\"").nth(1).unwrap().split("</table>").next().unwrap();
    table
        .split("<span data-metric=\"")
        .skip(1)
        .map(|cell| {
            let (metric, rest) = cell.split_once('"').unwrap();
            let value = rest.split("data-value=\"").nth(1).unwrap().split('"').next().unwrap();
            let shown = rest.split_once('>').unwrap().1.split("</span>").next().unwrap();
            (metric.to_string(), value.to_string(), shown.replace("&amp;", "&"))
        })
        .collect()
}

/// A shown figure back as a number: `$215M`, `0.287`, `10.5%`, `1,816`, `<0.1%`.
fn shown_number(text: &str) -> f64 {
    let text = text.trim_start_matches('<').replace([',', '$'], "");
    let (digits, scale) = match text.chars().last().unwrap() {
        'k' => (&text[..text.len() - 1], 1e3),
        'M' => (&text[..text.len() - 1], 1e6),
        'B' => (&text[..text.len() - 1], 1e9),
        '%' => (&text[..text.len() - 1], 0.01),
        _ => (text.as_str(), 1.0),
    };
    digits.parse::<f64>().unwrap_or_else(|_| panic!("`{text}` is not a figure")) * scale
}

#[test]
fn every_key_figure_is_the_one_in_summary_json() {
    let r = reported();
    let html = read(&r.run.join("report.html"));
    let summary: Value = serde_json::from_str(&read(&r.run.join("summary.json"))).unwrap();
    let cells = key_figure_cells(&html);
    let mut metrics = std::collections::BTreeSet::new();
    for (metric, value, shown) in &cells {
        let (path, statistic) = metric.rsplit_once('.').unwrap();
        let parts: Vec<&str> = path.splitn(3, '.').collect();
        let stats = parts.iter().fold(&summary, |v, key| &v[*key]);
        let expected = match statistic {
            "ci95_low" => &stats["ci95"][0],
            "ci95_high" => &stats["ci95"][1],
            other => &stats[other],
        };
        let expected = expected.as_f64().unwrap_or_else(|| panic!("summary.json has no {metric}"));
        assert_eq!(value.parse::<f64>().unwrap(), expected, "{metric}: the table's value is not summary.json's");
        let back = shown_number(shown);
        let tolerance = if shown.starts_with('<') { 0.001 } else { 0.006 * expected.abs() + 0.0005 };
        assert!((back - expected).abs() <= tolerance, "{metric}: shown `{shown}`, summary.json {expected}");
        metrics.insert(path.to_string());
    }
    for headline in
        ["defender_spend_usd", "attacker_spend_usd", "cost_exchange_ratio", "leak_rate", "layers.nasams.p_exhausted"]
    {
        assert!(metrics.contains(headline), "the key figures lack {headline}: {metrics:?}");
    }
    let markdown = read(&r.run.join("report.md"));
    assert!(markdown.contains(&format!("| {} |", cells[0].2)), "report.md lacks the first key figure");
    assert!(
        markdown.contains("| Damage done by leakers (mean: expected damage per leaker) |"),
        "the report says how the damage mean was tallied (summary.json: damage_mean)"
    );
}

#[test]
fn the_page_references_nothing_outside_itself() {
    let r = reported();
    let html = read(&r.run.join("report.html"));
    assert!(html.matches("<svg").count() >= 9, "the five run charts, three tornadoes and the search are inline");
    assert!(html.contains("id=\"optimise-search\""), "the optimiser's search chart is in the report");
    assert!(html.contains("id=\"contest-rounds\"") && html.contains("id=\"contest-response\""), "the contest's charts");
    for forbidden in
        ["<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", "url(", "src=", "@font-face"]
    {
        assert!(!html.to_lowercase().contains(forbidden), "report.html contains `{forbidden}`");
    }
    let outside: Vec<&str> = html
        .match_indices("href=")
        .filter(|(i, _)| !html[*i..].starts_with("href=\"#"))
        .chain(html.match_indices("http").filter(|(i, _)| !html[*i..].starts_with("http://www.w3.org/2000/svg\"")))
        .map(|(i, _)| &html[i..(i + 40).min(html.len())])
        .collect();
    assert!(outside.is_empty(), "report.html points outside itself: {outside:?}");
    for line in read(&r.run.join("report.md")).lines().filter(|l| l.starts_with("![")) {
        let file = line.rsplit_once("](").unwrap().1.trim_end_matches(')');
        assert!(file.starts_with("report-charts/"), "{file}");
        let png = std::fs::read(r.run.join(file)).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{file} is not a PNG");
    }
}

#[test]
fn the_assumptions_table_holds_every_field_with_its_source() {
    let r = reported();
    let html = read(&r.run.join("report.html"));
    let table = html.split("id=\"assumptions\"").nth(1).unwrap();
    let rows: Vec<&str> = table.split("<tr><td><code>").skip(1).collect();
    let row = |path: &str| {
        *rows.iter().find(|r| r.starts_with(&format!("{path}</code>"))).unwrap_or_else(|| panic!("no row for {path}"))
    };
    let scenario: toml::Table = read(Path::new("scenarios/baseline.toml")).parse().unwrap();
    let mut fields = 0;
    for (section, value) in &scenario {
        let tables: Vec<(String, &toml::Table)> = match value {
            toml::Value::Table(t) => vec![(section.clone(), t)],
            toml::Value::Array(items) => items
                .iter()
                .map(|i| i.as_table().unwrap())
                .map(|t| (format!("{section}.{}", t["name"].as_str().unwrap()), t))
                .collect(),
            _ => vec![],
        };
        for (prefix, table) in tables {
            for key in table.keys().filter(|k| *k != "name") {
                row(&format!("{prefix}.{key}"));
                fields += 1;
            }
        }
    }
    assert!(fields > 80, "only {fields} fields found");
    assert!(row("layer.gepard.stock").contains("bursts on hand; assumption"), "a comment beside the value");
    assert!(row("threat.shahed.unit_cost").contains("NYT / HUR via CNN"), "a comment block above the field");
    let set = row("layer.nasams.stock");
    assert!(set.contains("<code>120</code>") && set.contains("--set") && set.contains("the file has 150"), "{set}");
}

/// The command is pasted into a shell, from the run's folder, as the report says: it repeats the
/// run byte for byte into a folder beside the run's (`../NAME-repeat`), and leaves the run's folder
/// as it was (it once wrote `output/NAME/output/NAME`, after which the run's folder could no
/// longer be replaced).
#[test]
fn the_reproducibility_blocks_command_repeats_the_run_byte_for_byte() {
    let r = reported();
    let html = read(&r.run.join("report.html"));
    let block = html.split("id=\"reproduce\"").nth(1).unwrap();
    let command = block.split("<code>").nth(2).unwrap().split("</code>").next().unwrap().replace("&#39;", "'");
    assert!(command.starts_with("salvosim run scenario.toml"), "{command}");
    let summary: serde_json::Value = serde_json::from_str(&read(&r.run.join("summary.json"))).unwrap();
    let name = summary["scenario"].as_str().unwrap().to_string();
    assert!(command.contains(&format!("--out '../{name}-repeat'")), "{command}");
    let before: Vec<_> = std::fs::read_dir(&r.run).unwrap().map(|e| e.unwrap().file_name()).collect();
    let pasted = command.replacen("salvosim run", &format!("'{BIN}' run --quiet --no-charts"), 1);
    let status = Command::new("sh").arg("-c").arg(&pasted).current_dir(&r.run).status().unwrap();
    assert!(status.success(), "the report's command failed: {pasted}");
    let again = r.run.parent().unwrap().join(format!("{name}-repeat"));
    assert_eq!(read(&again.join("summary.json")), read(&r.run.join("summary.json")), "{command}");
    assert_eq!(read(&again.join("nights.csv")), read(&r.run.join("nights.csv")));
    let after: Vec<_> = std::fs::read_dir(&r.run).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(before, after, "the run's folder changed");
}

#[test]
fn bad_report_folders_are_refused_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    for (args, message) in [
        (vec!["report", "no/such/folder"], "not a salvosim results folder"),
        (vec!["report", empty.to_str().unwrap()], "holds no summary.json"),
    ] {
        let output = Command::new(BIN).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"));
    }
    let run = tmp.path().join("run");
    salvosim(&["run", "scenarios/baseline.toml", "--quiet", "--no-charts"], &["--trials", "50"], &run);
    let output =
        Command::new(BIN).args(["report", run.to_str().unwrap(), "--sweep", empty.to_str().unwrap()]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a salvosim sweep folder"));
    let output = Command::new(BIN)
        .args(["report", run.to_str().unwrap(), "--optimise", empty.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a salvosim optimise folder"));
    assert!(!run.join("report.html").exists(), "nothing written on a refusal");
}

#[test]
fn a_chart_with_something_planted_in_it_never_reaches_the_page() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    salvosim(&["run", "scenarios/baseline.toml", "--quiet"], &["--trials", "50"], &run);
    let chart = run.join("charts/stock-depletion.svg");
    let drawn = read(&chart);
    for planted in
        ["<script>alert(1)</script>", "<circle cx=\"1\" onload=\"alert(1)\"/>", "<a href=\"javascript:x\">x</a>"]
    {
        std::fs::write(&chart, drawn.replace("</svg>", &format!("{planted}</svg>"))).unwrap();
        let output = Command::new(BIN).args(["report", run.to_str().unwrap()]).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{planted}: {stderr}");
        assert!(stderr.contains("stock-depletion.svg is not a salvosim chart"), "{planted}: {stderr}");
        assert!(!run.join("report.html").exists(), "{planted}: nothing written on a refusal");
    }
    std::fs::write(&chart, drawn).unwrap();
    let status = Command::new(BIN).args(["report", run.to_str().unwrap()]).stdout(std::process::Stdio::null()).status();
    assert!(status.unwrap().success(), "the chart as drawn is accepted");
}

/// Chromium's flags for a headless run as root on a machine with no network.
const CHROMIUM: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];

/// Share of pixels of a PNG that are not near-white, and its size.
fn ink(png_file: &Path) -> (f64, u32, u32) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png_file).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let channels = frame.color_type.samples();
    let inked = pixels[..frame.buffer_size()].chunks(channels).filter(|p| p.iter().take(3).any(|&c| c < 200)).count();
    (inked as f64 / (frame.width * frame.height) as f64, frame.width, frame.height)
}

#[test]
fn chromium_renders_the_report_and_prints_it_to_pdf_pages_that_all_have_content() {
    if std::env::var_os("SALVOSIM_SKIP_BROWSER").is_some() {
        return common::skip_or_fail_in_ci("tests/report.rs", "SALVOSIM_SKIP_BROWSER is set");
    }
    for tool in ["chromium", "pdftoppm"] {
        if Command::new(tool).arg("--version").output().is_err() {
            let reason = format!("no {tool} on this machine: scripts/setup-test-machine.sh installs it");
            return common::skip_or_fail_in_ci("tests/report.rs", &reason);
        }
    }
    let r = reported();
    let work = r.run.parent().unwrap();
    let page = format!("file://{}", r.run.join("report.html").display());
    let profile = format!("--user-data-dir={}", work.join("chromium-profile").display());
    let chromium = |args: &[String], page: &str| {
        let output = Command::new("chromium").args(CHROMIUM).arg(&profile).args(args).arg(page).output().unwrap();
        assert!(output.status.success(), "chromium {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    };
    let screenshot = |page: &str, file: &Path| {
        chromium(&["--window-size=1600,2400".into(), format!("--screenshot={}", file.display())], page);
        ink(file)
    };

    let (blank, _, _) = screenshot("data:text/html,<p></p>", &work.join("blank.png"));
    assert!(blank < 0.0001, "the blankness check sees ink on an empty page: {blank}");
    let (share, width, _) = screenshot(&page, &work.join("shot.png"));
    assert_eq!(width, 1600);
    assert!(share > 0.01, "the screenshot is blank: {:.2} % of pixels drawn", 100.0 * share);

    let pdf = work.join("report.pdf");
    chromium(&["--no-pdf-header-footer".into(), format!("--print-to-pdf={}", pdf.display())], &page);
    let pages = work.join("page");
    let status = Command::new("pdftoppm").args(["-r", "30", "-png"]).arg(&pdf).arg(&pages).status().unwrap();
    assert!(status.success(), "pdftoppm failed");
    let mut rendered: Vec<PathBuf> = std::fs::read_dir(work)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("page-"))
        .collect();
    rendered.sort();
    assert!(rendered.len() >= 8, "only {} pages: one per chart at least", rendered.len());
    for page in &rendered {
        let (share, width, height) = ink(page);
        assert!(width > height, "{}: not landscape", page.display());
        assert!(share > 0.005, "{}: an empty page ({:.2} % drawn)", page.display(), 100.0 * share);
    }
}

#[test]
fn a_new_report_replaces_the_old_one_whole() {
    let r = reported();
    assert!(r.run.join("report-charts/optimise-search.png").is_file());
    let status = Command::new(BIN)
        .args(["report", r.run.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let left: Vec<String> = std::fs::read_dir(r.run.join("report-charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| ["optimise", "sensitivity", "contest"].iter().any(|p| name.starts_with(p)))
        .collect();
    assert!(left.is_empty(), "charts of the earlier report left behind: {left:?}");
    assert!(!read(&r.run.join("report.md")).contains("optimise-search"));
    assert!(r.run.join("summary.json").is_file() && r.run.join("scenario.toml").is_file(), "the run's files stay");
}
