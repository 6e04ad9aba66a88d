//! One look for every chart: size, fonts, the Okabe–Ito colour-blind-safe palette, the title /
//! subtitle / footer frame, axis styling and phase shading.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Pixels; PNG is rendered at this size, SVG declares it.
pub const WIDTH: u32 = 1600;
pub const HEIGHT: u32 = 900;
pub const FONT: &str = "sans-serif";

/// Okabe & Ito (2008), the palette that stays distinct under the common colour-vision deficiencies.
pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
pub const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
pub const GREEN: RGBColor = RGBColor(0, 158, 115);
pub const YELLOW: RGBColor = RGBColor(240, 228, 66);
pub const BLUE: RGBColor = RGBColor(0, 114, 178);
pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
pub const GREY: RGBColor = RGBColor(153, 153, 153);
/// Beyond Okabe–Ito's seven: a dark brown, told apart by lightness.
pub const BROWN: RGBColor = RGBColor(140, 86, 75);
pub const INK: RGBColor = RGBColor(40, 40, 40);
pub const MUTED: RGBColor = RGBColor(100, 100, 100);
pub const GRID: RGBColor = RGBColor(225, 225, 225);
pub const LIGHT: RGBColor = RGBColor(190, 190, 190);

pub const DEFENDER: RGBColor = BLUE;
pub const ATTACKER: RGBColor = VERMILLION;

/// Colour of the `i`-th layer, the same in every chart.
/// Threat `i`'s colour: grey for decoys, the first strike threat vermillion (the attacker's colour),
/// then blue, purple, green, orange.
pub fn threat_colour(i: usize, decoy: bool) -> RGBColor {
    const STRIKE: [RGBColor; 5] = [VERMILLION, BLUE, PURPLE, GREEN, ORANGE];
    if decoy { GREY } else { STRIKE[i % STRIKE.len()] }
}

pub fn layer_colour(i: usize) -> RGBColor {
    const LAYERS: [RGBColor; 8] = [ORANGE, SKY_BLUE, GREEN, PURPLE, BLUE, INK, BROWN, YELLOW];
    LAYERS[i % LAYERS.len()]
}

pub type Canvas<'a> = DrawingArea<SVGBackend<'a>, Shift>;
pub type Plane<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws a chart into an SVG string.
pub fn svg(draw: impl FnOnce(&Canvas) -> Result<()>) -> Result<String> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    Ok(text)
}

pub fn font(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&INK)
}

pub fn bold(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().style(FontStyle::Bold).color(&INK)
}

/// plotters measures bold text with the regular face; DejaVu Sans Bold runs up to this much wider.
const BOLD_WIDTH: f64 = 1.12;

/// Every chart's subtitle: "scenario S · N trials PER · seed X", N with thousands separators.
pub fn subtitle(scenario: &str, trials: u64, per: &str, seed: u64) -> String {
    format!("scenario {scenario} · {} trials {per} · seed {seed}", crate::format::thousands(trials))
}

/// Title (the finding), subtitle (scenario, trials, seed) and footer; returns the area between.
pub fn frame<'a>(root: &Canvas<'a>, title: &str, subtitle: &str, footer: &str) -> Result<Canvas<'a>> {
    // Long titles shrink until they fit the width; one that does not fit even at 24 pt is cut
    // short with an ellipsis rather than run off the slide.
    let fits = |text: &str, size: u32| {
        let width = root.estimate_text_size(text, &bold(size)).map(|(w, _)| f64::from(w) * BOLD_WIDTH);
        width.is_ok_and(|w| w + 100.0 <= f64::from(WIDTH))
    };
    let size = (24..=40).rev().find(|&size| fits(title, size)).unwrap_or(24);
    let mut title = title.to_string();
    if !fits(&title, size) {
        while !title.is_empty() && !fits(&format!("{title}…"), size) {
            title.pop();
        }
        title = format!("{}…", title.trim_end());
    }
    root.draw(&Text::new(title, (50, 28), bold(size)))?;
    root.draw(&Text::new(subtitle.to_string(), (50, 82), (FONT, 24).into_font().color(&MUTED)))?;
    root.draw(&Text::new(footer.to_string(), (50, HEIGHT as i32 - 34), (FONT, 17).into_font().color(&MUTED)))?;
    Ok(root.margin(125, 55, 30, 50))
}

/// The label of row tick `v` of a horizontal-bar chart whose rows are `names`, top row first (row
/// `i` sits at y = n − 1 − i); empty between rows.
pub fn row_label(names: &[String], v: f64) -> String {
    let i = v.round();
    if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
        names[names.len() - 1 - i as usize].clone()
    } else {
        String::new()
    }
}

/// Grid, axis labels and descriptions in the house style, nights across: numbered, or labelled
/// with their dates where the run has them.
pub fn style_mesh<'a, 'b>(
    chart: &mut Plane<'a, 'b>,
    data: &super::data::ChartData,
    y_desc: &str,
    y_format: &dyn Fn(&f64) -> String,
    x_labels: usize,
) -> Result<()> {
    let dated = !data.dates.is_empty();
    let night_label = |night: f64| match data.dates.get((night as usize).wrapping_sub(1)) {
        Some(date) => date.clone(),
        None if dated => String::new(),
        None => format!("{night:.0}"),
    };
    let x_desc = if dated { "Night (the date of its report)" } else { "Night" };
    let x_labels = if dated { x_labels.min(8) } else { x_labels };
    house_mesh(chart, (x_desc, y_desc), x_labels, &|x| whole_only(*x, night_label), y_format)
}

/// The house mesh of a chart of rows (tornado bars, comparison intervals): a value axis across
/// described by `x_desc` and formatted by `x_format`, and one label per row up the side (`labels`,
/// top row first), with no grid across the rows.
pub fn row_mesh(chart: &mut Plane, x_desc: &str, x_format: &dyn Fn(&f64) -> String, labels: &[String]) -> Result<()> {
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .axis_desc_style(font(24))
        .label_style(font(19))
        .x_label_formatter(x_format)
        .y_labels(labels.len().max(1) * 2 + 1)
        .y_label_formatter(&|v| row_label(labels, *v))
        .disable_y_mesh()
        .bold_line_style(GRID)
        .light_line_style(WHITE)
        .axis_style(MUTED)
        .draw()?;
    Ok(())
}

/// The house mesh on any plane: the axes' descriptions `(x, y)`, about `x_labels` labels across,
/// each axis's label formatter, the grid in the house colours.
pub fn house_mesh(
    chart: &mut Plane,
    (x_desc, y_desc): (&str, &str),
    x_labels: usize,
    x_format: &dyn Fn(&f64) -> String,
    y_format: &dyn Fn(&f64) -> String,
) -> Result<()> {
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style(font(24))
        .label_style(font(20))
        .x_labels(x_labels)
        .x_label_formatter(x_format)
        .y_label_formatter(y_format)
        .bold_line_style(GRID)
        .light_line_style(WHITE)
        .axis_style(MUTED)
        .draw()?;
    Ok(())
}

/// A plot in `area` over `x` × `y` with room on the left for `y_label_width` pixels of labels and
/// on the right for the key.
pub fn plane<'a, 'b>(
    area: &'a Canvas<'b>,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    y_label_width: u32,
) -> Result<Plane<'a, 'b>> {
    Ok(ChartBuilder::on(area)
        .margin(10)
        .margin_right(SIDE_LEGEND)
        .x_label_area_size(60)
        .y_label_area_size(y_label_width)
        .build_cartesian_2d(x, y)?)
}

/// The plot every by-night chart uses: nights across (whole nights on the ticks), 0..`top` up,
/// the house mesh, phases shaded, and room on the right for the key.
pub fn night_plane<'a, 'b>(
    area: &'a Canvas<'b>,
    data: &super::data::ChartData,
    top: f64,
    y_desc: &str,
    y_format: &dyn Fn(&f64) -> String,
) -> Result<Plane<'a, 'b>> {
    let mut chart = plane(area, night_range(data.nights), 0.0..top, 120)?;
    style_mesh(&mut chart, data, y_desc, y_format, night_labels(data.nights))?;
    shade_phases(&mut chart, &data.phases, top)?;
    Ok(chart)
}

/// Shades each phase's nights with its name along the top.
pub fn shade_phases(chart: &mut Plane, phases: &[(String, u32, u32)], y_top: f64) -> Result<()> {
    let x_end = chart.x_range().end;
    for (name, first, last) in phases {
        let (x0, x1) = (f64::from(*first) - 0.5, f64::from(*last) + 0.5);
        chart.draw_series(std::iter::once(Rectangle::new([(x0, 0.0), (x1, y_top)], GREY.mix(0.15).filled())))?;
        // Near the right edge the label hangs left from the phase's end, so it stays in the plot.
        let (x, anchor) = if x0 > 0.8 * x_end { (x1 - 0.1, HPos::Right) } else { (x0 + 0.1, HPos::Left) };
        let style = font(18).color(&MUTED).pos(Pos::new(anchor, VPos::Top));
        chart.draw_series(std::iter::once(Text::new(name.clone(), (x, y_top * 0.985), style)))?;
    }
    Ok(())
}

/// Right-hand margin of charts whose legend sits outside the plot, in pixels.
pub const SIDE_LEGEND: u32 = 360;

/// How a key entry is marked.
#[derive(Clone, Copy)]
pub enum Mark {
    Line(RGBColor),
    Dashed(RGBColor),
    Block(RGBColor),
    /// No mark: a line of text continuing the entry above.
    Blank,
}

/// A key drawn in the [`SIDE_LEGEND`] margin at the right of `area`, outside the plot, so it can
/// never hide data.
pub fn side_key(area: &Canvas, entries: &[(String, Mark)]) -> Result<()> {
    let (width, _) = area.dim_in_pixel();
    let x = width as i32 - SIDE_LEGEND as i32 + 24;
    let room = SIDE_LEGEND - 42 - 12;
    let mut y = 30;
    for (label, mark) in entries {
        match *mark {
            Mark::Line(c) => area.draw(&PathElement::new(vec![(x, y), (x + 30, y)], c.stroke_width(4)))?,
            Mark::Dashed(c) => {
                area.draw(&PathElement::new(vec![(x, y), (x + 12, y)], c.stroke_width(3)))?;
                area.draw(&PathElement::new(vec![(x + 18, y), (x + 30, y)], c.stroke_width(3)))?;
            }
            Mark::Block(c) => area.draw(&Rectangle::new([(x + 4, y - 10), (x + 26, y + 10)], c.filled()))?,
            Mark::Blank => {}
        }
        // A label wider than the margin wraps at its spaces rather than running off the edge.
        for (i, line) in wrap(area, label, room)?.into_iter().enumerate() {
            if i > 0 {
                y += 24;
            }
            area.draw(&Text::new(line, (x + 42, y - 11), font(20)))?;
        }
        y += 34;
    }
    Ok(())
}

/// `text` in lines no wider than `room` pixels in the key's font, broken at spaces (a single
/// word wider than that keeps its own line).
fn wrap(area: &Canvas, text: &str, room: u32) -> Result<Vec<String>> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        let joined = lines.last().map(|line| format!("{line} {word}"));
        match joined {
            Some(joined) if area.estimate_text_size(&joined, &font(20))?.0 <= room => {
                *lines.last_mut().expect("a last line") = joined;
            }
            _ => lines.push(word.to_string()),
        }
    }
    Ok(lines)
}

/// The night axis: 0.5 .. nights + 0.5, so bars and points sit on whole nights.
pub fn night_range(nights: u32) -> std::ops::Range<f64> {
    0.5..f64::from(nights) + 0.5
}

/// `label(value)` at whole-number ticks, nothing between them: nights and counts of rounds or
/// drones have no halves (short axes otherwise get ticks like "2.50", or "2" twice).
pub fn whole_only(value: f64, label: impl Fn(f64) -> String) -> String {
    if (value - value.round()).abs() < 1e-9 { label(value.round()) } else { String::new() }
}

/// Labels for the night axis: about one every five nights.
pub fn night_labels(nights: u32) -> usize {
    (nights as usize).clamp(2, 16)
}

/// A p5–p95 band and a median line of night-by-night figures.
pub fn band_and_line(chart: &mut Plane, figures: &[super::data::Figure], colour: RGBColor) -> Result<()> {
    let night = |i: usize| (i + 1) as f64;
    let upper = figures.iter().enumerate().map(|(i, f)| (night(i), f.p95));
    let lower = figures.iter().enumerate().rev().map(|(i, f)| (night(i), f.p5));
    chart.draw_series(std::iter::once(Polygon::new(
        upper.chain(lower).collect::<Vec<_>>(),
        colour.mix(0.18).filled(),
    )))?;
    let line = figures.iter().enumerate().map(|(i, f)| (night(i), f.p50));
    chart.draw_series(LineSeries::new(line, colour.stroke_width(4)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_only_labels_whole_numbers_and_nothing_between() {
        let label = |v: f64| format!("{v:.0}");
        let ticks: Vec<String> = [0.5, 1.0, 1.5, 2.0, 2.5].into_iter().map(|v| whole_only(v, label)).collect();
        assert_eq!(ticks, ["", "1", "", "2", ""]);
        assert_eq!(whole_only(3.0000000000004, label), "3", "a tick computed with rounding error");
    }

    #[test]
    fn a_long_key_label_wraps_inside_the_margin_and_keeps_every_word() {
        let text = "Short-range missiles: dry in 100% → 0.1% of campaigns";
        super::super::raster::register_fonts();
        svg(|root| {
            let room = SIDE_LEGEND - 54;
            let lines = wrap(root, text, room)?;
            assert!(lines.len() >= 2, "{lines:?}");
            for line in &lines {
                assert!(root.estimate_text_size(line, &font(20))?.0 <= room, "{line} overflows");
            }
            assert_eq!(lines.join(" "), text);
            assert_eq!(wrap(root, "NASAMS", room)?, ["NASAMS"], "a short label stays on one line");
            Ok(())
        })
        .unwrap();
    }
}
