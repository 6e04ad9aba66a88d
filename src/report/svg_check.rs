//! What a chart SVG read back from disk may hold before it goes into report.html: the elements and
//! attributes salvosim's charts are drawn with, and nothing else.
//!
//! `report DIR` inlines the charts a run, a sweep or a study saved. A file in those folders could
//! have been edited by anyone; inlined as it is, a `<script>`, an `onload=` or a `javascript:` link
//! planted in it would run in the briefer's browser. An allow-list (not a deny-list) of what the
//! charts are drawn with refuses anything else, whatever its spelling.

/// Elements the charts are drawn with.
const ELEMENTS: [&str; 9] = ["svg", "text", "circle", "line", "polygon", "polyline", "rect", "path", "g"];

/// Attributes the charts are drawn with.
const ATTRIBUTES: [&str; 27] = [
    "cx",
    "cy",
    "d",
    "dx",
    "dy",
    "fill",
    "fill-opacity",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "height",
    "opacity",
    "points",
    "r",
    "stroke",
    "stroke-dasharray",
    "stroke-opacity",
    "stroke-width",
    "text-anchor",
    "transform",
    "viewBox",
    "width",
    "x",
    "y",
    "xmlns",
    "dominant-baseline",
];

/// Line ends' coordinates, which the list above leaves out to stay short.
fn is_attribute(name: &str) -> bool {
    ATTRIBUTES.contains(&name) || matches!(name, "x1" | "y1" | "x2" | "y2")
}

/// `Err` names the first thing in `svg` a salvosim chart would not hold.
pub fn check(svg: &str) -> Result<(), String> {
    let mut rest = svg;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>').ok_or("a tag is not closed")?;
        let tag = &after[..close];
        rest = &after[close + 1..];
        let tag = tag.strip_prefix('/').unwrap_or(tag).trim_end_matches('/');
        let name_end = tag.find(|c: char| c.is_whitespace()).unwrap_or(tag.len());
        let name = &tag[..name_end];
        if !ELEMENTS.contains(&name) {
            return Err(format!("it holds a <{}> element, which salvosim's charts never draw", cut(name)));
        }
        attributes(&tag[name_end..])?;
    }
    Ok(())
}

/// Checks `text`, a tag's attributes: each an allowed name with a quoted value that names no
/// script or outside resource.
fn attributes(mut text: &str) -> Result<(), String> {
    loop {
        text = text.trim_start();
        if text.is_empty() {
            return Ok(());
        }
        let eq = text.find('=').ok_or_else(|| format!("an attribute `{}` has no value", cut(text)))?;
        let name = text[..eq].trim();
        if !is_attribute(name) {
            return Err(format!("it holds a `{}` attribute, which salvosim's charts never write", cut(name)));
        }
        let value = text[eq + 1..].trim_start();
        let quote =
            value.chars().next().filter(|c| *c == '"' || *c == '\'').ok_or("an attribute value is not quoted")?;
        let end = value[1..].find(quote).ok_or("an attribute value is not closed")?;
        let inner = value[1..1 + end].to_ascii_lowercase();
        if ["javascript:", "url(", "expression(", "data:", "&#"].iter().any(|bad| inner.contains(bad)) {
            return Err(format!("its `{name}` attribute holds `{}`", cut(&inner)));
        }
        text = &value[end + 2..];
    }
}

/// At most 40 characters of `text`, for a message.
fn cut(text: &str) -> String {
    crate::format::clip(text, 40)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drawn_chart_passes_and_planted_script_does_not() {
        let chart = r##"<svg width="1600" height="900" viewBox="0 0 1600 900" xmlns="http://www.w3.org/2000/svg">
<rect x="0" y="0" width="1600" height="900" opacity="1" fill="#FFFFFF" stroke="none"/>
<line opacity="1" stroke="#DCDCDC" stroke-width="1" x1="160" y1="700" x2="1136" y2="700"/>
<text x="50" y="28" dy="0.76em" text-anchor="start" font-family="sans-serif" font-size="40" font-weight="bold" opacity="1" fill="#282828">A &lt;title&gt; &amp; more</text>
<text x="40" y="455" transform="rotate(270, 40, 455)" font-size="24" fill="#282828">Leak</text>
<polyline fill="none" opacity="1" stroke="#0072B2" stroke-width="4" points="160,700 170,690 "/>
<circle cx="10" cy="10" r="6" opacity="1" fill="#0072B2" stroke="none" stroke-width="1"/>
</svg>"##;
        assert_eq!(check(chart), Ok(()));
        for (planted, what) in [
            ("<script>alert(1)</script>", "<script>"),
            ("<SCRIPT>alert(1)</SCRIPT>", "<SCRIPT>"),
            ("<circle cx=\"1\" onload=\"alert(1)\"/>", "`onload`"),
            ("<circle cx=\"1\" ONLOAD = 'x'/>", "`ONLOAD`"),
            ("<a href=\"javascript:alert(1)\"><text>x</text></a>", "<a>"),
            ("<image href=\"x\" onerror=\"alert(1)\"/>", "<image>"),
            ("<foreignObject><iframe/></foreignObject>", "<foreignObject>"),
            ("<rect fill=\"url(https://example.com/x)\"/>", "url("),
            ("<rect fill=\"&#106;avascript:x\"/>", "&#"),
            ("<!-- a comment -->", "<!--"),
            ("<style>*{}</style>", "<style>"),
        ] {
            let svg = chart.replace("</svg>", &format!("{planted}</svg>"));
            let error = check(&svg).expect_err(planted);
            assert!(error.contains(what), "{planted}: {error}");
        }
        assert!(check("<svg width=\"1\"").is_err(), "a tag not closed");
    }
}
