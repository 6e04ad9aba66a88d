//! Chart 4: each night's outcome, as the Air Force reports it — launched drones split into
//! destroyed by each layer, lost to EW, and leaked (stacked means). A long campaign tied to the
//! calendar (a replay of the record) is drawn by month, a long undated one in groups of nights: a
//! thousand one-pixel bars say nothing.

use anyhow::Result;
use plotters::prelude::*;

use super::data::{ChartData, Figure};
use super::theme;
use crate::engine::layout::metric;
use crate::format::count;

pub const NAME: &str = "nightly-outcome";

fn mean_sum(figures: &[super::data::Figure]) -> f64 {
    figures.iter().map(|f| f.mean).sum()
}

/// What the chart counts: "drones" when every threat type launched is tagged `kind = "drone"`,
/// else "threats" (a raid with missiles, or a summary.json that does not say).
fn noun(data: &ChartData) -> &'static str {
    let mut launched = data.threats.iter().filter(|t| t.launched.mean > 0.0).peekable();
    if launched.peek().is_some() && launched.all(|t| t.kind.as_deref() == Some("drone")) { "drones" } else { "threats" }
}

/// Each night's mean leakers, split into strike threats and decoys (which do no harm where they
/// come down): the two stacks of the chart.
fn leakers(data: &ChartData) -> (Vec<Figure>, Vec<Figure>) {
    let total = data.total(metric::LEAKERS);
    let mean_only = |mean: f64| Figure { mean, p5: mean, p50: mean, p95: mean };
    let decoys: Vec<Figure> = (0..total.len())
        .map(|night| {
            let of =
                |t: &super::data::ThreatInfo| data.series(metric::LEAKERS, &t.name).get(night).map_or(0.0, |f| f.mean);
            mean_only(data.threats.iter().filter(|t| t.decoy).map(of).sum())
        })
        .collect();
    let strike = total.iter().zip(&decoys).map(|(all, d)| mean_only(all.mean - d.mean)).collect();
    (strike, decoys)
}

fn title(data: &ChartData) -> String {
    let launched = mean_sum(data.total(metric::LAUNCHED));
    if launched <= 0.0 {
        return format!("No {} launched", noun(data));
    }
    let ew = mean_sum(data.total(metric::EW_DEFEATED));
    let (strike, decoys) = leakers(data);
    let (strike, decoys) = (mean_sum(&strike), mean_sum(&decoys));
    let pct = |x: f64| 100.0 * x / launched;
    let decoys_through = if decoys > 0.0 { format!(", {:.0}% decoys let through", pct(decoys)) } else { String::new() };
    format!(
        "Of {} {} launched: {:.0}% destroyed, {:.0}% lost to EW, {:.0}% strike threats leaked{decoys_through}",
        count(launched),
        noun(data),
        pct(launched - ew - strike - decoys),
        pct(ew),
        pct(strike)
    )
}

/// The y axis, e.g. "Drones (mean per night)" or "Threats a month (mean over trials)".
fn y_description(data: &ChartData, per: &str) -> String {
    let noun = noun(data);
    format!("{}{} {per}", noun[..1].to_uppercase(), &noun[1..])
}

/// A campaign tied to the calendar and longer than this is drawn by month, not by night.
const MONTHLY_FROM_NIGHTS: u32 = 92;

/// An undated campaign longer than this is drawn in groups of nights, at most [`GROUPS`] bars
/// across: a bar a night for 100,000 nights would be a million shapes (more than an SVG reader
/// takes) and say nothing.
const GROUPED_FROM_NIGHTS: u32 = 366;
const GROUPS: u32 = 200;

/// Bars of more than one night: each bin's label, the bin each night falls in, and the words of
/// the axes.
struct Bins {
    labels: Vec<String>,
    bin_of: Vec<usize>,
    x_axis: String,
    per: String,
}

/// The bars' bins: each night alone (`None`), the nights of each calendar month together
/// (`YYYY-MM`, in order) for a long dated campaign, or groups of equal numbers of nights for a
/// long undated one.
fn bins(data: &ChartData) -> Option<Bins> {
    if !data.dates.is_empty() && data.nights > MONTHLY_FROM_NIGHTS {
        let mut labels: Vec<String> = Vec::new();
        let bin_of = data
            .dates
            .iter()
            .map(|date| {
                let month = &date[..7.min(date.len())];
                if labels.last().is_none_or(|m| m != month) {
                    labels.push(month.to_string());
                }
                labels.len() - 1
            })
            .collect();
        let (x_axis, per) = ("Month (the reports' dates)".into(), "a month (mean over trials)".into());
        return Some(Bins { labels, bin_of, x_axis, per });
    }
    if data.dates.is_empty() && data.nights > GROUPED_FROM_NIGHTS {
        let size = data.nights.div_ceil(GROUPS);
        let count = data.nights.div_ceil(size);
        let labels = (0..count).map(|g| crate::format::thousands(u64::from(g * size + 1))).collect();
        let bin_of = (0..data.nights).map(|night| (night / size) as usize).collect();
        let x_axis =
            format!("Night (bars of {} nights, labelled by their first)", crate::format::thousands(size.into()));
        let per = format!("per {} nights (mean over trials)", crate::format::thousands(size.into()));
        return Some(Bins { labels, bin_of, x_axis, per });
    }
    None
}

/// Each stack's mean per bin.
fn binned(figures: &[super::data::Figure], bin_of: Option<&[usize]>, bins: usize) -> Vec<f64> {
    match bin_of {
        None => figures.iter().map(|f| f.mean).collect(),
        Some(bin_of) => {
            let mut sums = vec![0.0; bins];
            for (f, &bin) in figures.iter().zip(bin_of) {
                sums[bin] += f.mean;
            }
            sums
        }
    }
}

pub fn draw(data: &ChartData) -> Result<String> {
    theme::svg(|root| {
        let area = theme::frame(root, &title(data), &data.subtitle(), &data.footer())?;
        let mut stacks: Vec<(String, RGBColor, &[super::data::Figure])> = data
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| {
                (format!("destroyed by {}", l.label), theme::layer_colour(i), data.series(metric::KILLS, &l.name))
            })
            .collect();
        stacks.push(("lost to EW".into(), theme::GREY, data.total(metric::EW_DEFEATED)));
        let (strike, decoys) = leakers(data);
        if decoys.iter().any(|f| f.mean > 0.0) {
            stacks.push(("decoys let through (no harm)".into(), theme::LIGHT, &decoys));
        }
        stacks.push(("strike threats leaked".into(), theme::VERMILLION, &strike));
        let binned_nights = bins(data);
        let bin_of = binned_nights.as_ref().map(|b| b.bin_of.as_slice());
        let count_of_bins = binned_nights.as_ref().map_or(data.nights as usize, |b| b.labels.len());
        let launched = binned(data.total(metric::LAUNCHED), bin_of, count_of_bins);
        let top = launched.iter().copied().fold(1.0, f64::max) * 1.12;
        let y_format = |v: &f64| theme::whole_only(*v, count);
        let mut chart = match &binned_nights {
            None => theme::night_plane(&area, data, top, &y_description(data, "(mean per night)"), &y_format)?,
            Some(bins) => bins_plane(&area, data, bins, top, &y_format)?,
        };
        let mut base = vec![0.0; count_of_bins];
        let half = 0.38;
        let mut key = Vec::new();
        for (label, colour, figures) in stacks {
            let bars: Vec<_> = binned(figures, bin_of, count_of_bins)
                .into_iter()
                .zip(base.iter_mut())
                .enumerate()
                .map(|(i, (value, b))| {
                    let x = (i + 1) as f64;
                    let bar = Rectangle::new([(x - half, *b), (x + half, *b + value)], colour.filled());
                    *b += value;
                    bar
                })
                .collect();
            chart.draw_series(bars)?;
            key.push((label, theme::Mark::Block(colour)));
        }
        key.reverse(); // top of the stack first, as the bars read
        theme::side_key(&area, &key)?;
        Ok(())
    })
}

/// The plot of a long campaign: its bins across (calendar months, or groups of nights), phases
/// shaded over their bins.
fn bins_plane<'a, 'b>(
    area: &'a theme::Canvas<'b>,
    data: &ChartData,
    bins: &Bins,
    top: f64,
    y_format: &dyn Fn(&f64) -> String,
) -> Result<theme::Plane<'a, 'b>> {
    let mut chart = theme::plane(area, theme::night_range(bins.labels.len() as u32), 0.0..top, 120)?;
    let bin_label = |x: f64| bins.labels.get((x as usize).wrapping_sub(1)).cloned().unwrap_or_default();
    let y = y_description(data, &bins.per);
    let descriptions = (bins.x_axis.as_str(), y.as_str());
    theme::house_mesh(
        &mut chart,
        descriptions,
        bins.labels.len().min(8),
        &|x| theme::whole_only(*x, bin_label),
        y_format,
    )?;
    let bin_of_night = |night: u32| bins.bin_of.get(night as usize - 1).map_or(0, |&b| b as u32 + 1);
    let phases: Vec<(String, u32, u32)> = data
        .phases
        .iter()
        .map(|(name, first, last)| (name.clone(), bin_of_night(*first), bin_of_night(*last)))
        .collect();
    theme::shade_phases(&mut chart, &phases, top)?;
    Ok(chart)
}
