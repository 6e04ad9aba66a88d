//! report.md: the report as Markdown, with each chart a PNG in `report-charts/` beside it, for
//! pasting into slides and wikis.

use std::fmt::Write;

use super::{CHARTS_DIR, Content};

pub fn render(content: &Content) -> String {
    let mut page = String::new();
    let _ = writeln!(page, "# salvosim briefing: {}\n\n**{}**\n", content.scenario, content.finding);
    page.push_str("## Key figures\n\n| Figure | Mean | 95 % CI of the mean | 5th–95th percentile over trials |\n|---|--:|--:|--:|\n");
    for f in &content.figures {
        let spread =
            f.p5_p95.map_or("–".to_string(), |[p5, p95]| format!("{} – {}", f.unit.show(p5), f.unit.show(p95)));
        let _ = writeln!(
            page,
            "| {} | {} | {} – {} | {spread} |",
            cell(&f.label),
            f.unit.show(f.mean),
            f.unit.show(f.ci95[0]),
            f.unit.show(f.ci95[1])
        );
    }
    let _ = writeln!(page, "\n{}", content.figures_note);
    for group in &content.groups {
        let _ = writeln!(page, "\n## {}\n\n{}\n", group.heading, group.intro);
        for chart in &group.charts {
            let _ = writeln!(page, "![{}]({CHARTS_DIR}/{}.png)\n", chart.title.replace(['[', ']'], ""), chart.file);
        }
    }
    page.push_str("\n## Assumptions\n\n");
    match &content.assumptions {
        None => page.push_str("This run's folder holds no scenario.toml: run it again for this table.\n"),
        Some(sections) => {
            page.push_str("| Field | Value | Source |\n|---|---|---|\n");
            for section in sections {
                let _ = writeln!(page, "| **{}** | | {} |", cell(&section.path), cell(&section.note));
                for field in &section.fields {
                    let _ = writeln!(
                        page,
                        "| `{}` | `{}` | {} |",
                        cell(&field.path),
                        cell(&field.value),
                        cell(&field.source)
                    );
                }
            }
        }
    }
    let _ = writeln!(page, "\n## The model\n\n{}\n", super::MODEL);
    let _ = writeln!(
        page,
        "## Data\n\nCalibration and backtest data: {}. Primary source: the daily bulletins of the Air Force Command of the Armed Forces of Ukraine.\n",
        crate::record::ATTRIBUTION
    );
    page.push_str("## Reproducibility\n\n| | |\n|---|---|\n");
    for (what, value) in &content.reproduce {
        let _ = writeln!(page, "| {} | `{}` |", cell(what), cell(value));
    }
    page
}

/// `text` safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}
