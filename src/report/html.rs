//! report.html: one file with everything inline — styles in a `<style>` element, every chart as
//! SVG (its text kept as text) — so nothing is fetched when it is opened, and a print stylesheet
//! that lays it out on landscape pages without splitting a chart.

use std::fmt::Write;

use super::{Content, KeyFigure};

const STYLE: &str = r#"
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #282828; margin: 2em auto; max-width: 1200px; padding: 0 1.5em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
p.finding { font-size: 1.25em; font-weight: bold; }
p.sub { color: #646464; margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
th, td { border-bottom: 1px solid #e2e2e2; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.section td { background: #f7f7f7; font-weight: bold; }
tr.section td span { font-weight: normal; color: #505050; }
td code, p code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.9em; }
pre { background: #f5f5f5; padding: 0.6em; white-space: pre-wrap; word-break: break-all; }
figure { margin: 1.5em 0; }
figure svg { width: 100%; height: auto; display: block; border: 1px solid #e2e2e2; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure { break-inside: avoid; page-break-inside: avoid; }
  figure { margin: 0 0 6mm 0; }
  figure svg { width: 240mm; max-width: 100%; height: auto; margin: 0 auto; }
  tr, .block { break-inside: avoid; page-break-inside: avoid; }
  section.charts, section.assumptions { break-before: page; page-break-before: always; }
}
"#;

pub fn render(content: &Content) -> String {
    let mut page = String::new();
    let title = format!("salvosim briefing: {}", content.scenario);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&title)
    );
    let _ = writeln!(page, "<h1>{}</h1>", escape(&title));
    let _ = writeln!(page, "<p class=\"finding\" id=\"finding\">{}</p>", escape(&content.finding));
    key_figures(&mut page, &content.figures, &content.figures_note);
    for group in &content.groups {
        let _ = writeln!(
            page,
            "<section class=\"charts\">\n<h2>{}</h2>\n<p class=\"sub\">{}</p>",
            escape(&group.heading),
            escape(&group.intro)
        );
        for chart in &group.charts {
            let _ = writeln!(
                page,
                "<figure id=\"{}\" title=\"{}\">\n{}\n</figure>",
                escape(&chart.file),
                escape(&chart.title),
                chart.svg.trim()
            );
        }
        page.push_str("</section>\n");
    }
    assumptions(&mut page, content);
    let _ =
        writeln!(page, "<section class=\"block\">\n<h2>The model</h2>\n<p>{}</p>\n</section>", escape(super::MODEL));
    let _ = writeln!(
        page,
        "<section class=\"block\">\n<h2>Data</h2>\n<p>Calibration and backtest data: {}. Primary source: the daily bulletins of the Air Force Command of the Armed Forces of Ukraine. The scenario's other figures come from the public reports named beside each field in the assumptions table.</p>\n</section>",
        escape(crate::record::ATTRIBUTION)
    );
    page.push_str("<section class=\"block\" id=\"reproduce\">\n<h2>Reproducibility</h2>\n<table>\n");
    for (what, value) in &content.reproduce {
        let _ = writeln!(page, "<tr><th>{}</th><td><code>{}</code></td></tr>", escape(what), escape(value));
    }
    page.push_str("</table>\n</section>\n</body>\n</html>\n");
    page
}

fn key_figures(page: &mut String, figures: &[KeyFigure], note: &str) {
    page.push_str(
        "<section class=\"block\">\n<h2>Key figures</h2>\n<table id=\"key-figures\">\n<tr><th>Figure</th><th>Mean</th><th>95 % CI of the mean</th><th>5th–95th percentile over trials</th></tr>\n",
    );
    for f in figures {
        let cell = |what: &str, value: f64| {
            format!(
                "<span data-metric=\"{}.{what}\" data-value=\"{value:?}\">{}</span>",
                escape(&f.path),
                escape(&f.unit.show(value))
            )
        };
        let spread =
            f.p5_p95.map_or("–".to_string(), |[p5, p95]| format!("{} – {}", cell("p5", p5), cell("p95", p95)));
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{} – {}</td><td class=\"num\">{spread}</td></tr>",
            escape(&f.label),
            cell("mean", f.mean),
            cell("ci95_low", f.ci95[0]),
            cell("ci95_high", f.ci95[1]),
        );
    }
    page.push_str("</table>\n");
    let _ = writeln!(page, "<p class=\"sub\">{}</p>", escape(note));
    page.push_str("</section>\n");
}

fn assumptions(page: &mut String, content: &Content) {
    page.push_str("<section class=\"assumptions\">\n<h2>Assumptions</h2>\n");
    let Some(sections) = &content.assumptions else {
        page.push_str("<p>This run's folder holds no scenario.toml (runs before salvosim saved it): run it again for this table.</p>\n</section>\n");
        return;
    };
    page.push_str("<p class=\"sub\">Every field of the scenario as run, as written in its file (a <code>pert</code> is minimum, mode, maximum; a <code>lognormal</code> its median and 90th percentile), with the source written beside it.</p>\n<table id=\"assumptions\">\n<tr><th>Field</th><th>Value</th><th>Source</th></tr>\n");
    for section in sections {
        let _ = writeln!(
            page,
            "<tr class=\"section\"><td colspan=\"3\">{} <span>{}</span></td></tr>",
            escape(&section.path),
            escape(&section.note)
        );
        for field in &section.fields {
            let _ = writeln!(
                page,
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
                escape(&field.path),
                escape(&field.value),
                escape(&field.source)
            );
        }
    }
    page.push_str("</table>\n</section>\n");
}

/// `text` safe inside HTML text and attribute values.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
