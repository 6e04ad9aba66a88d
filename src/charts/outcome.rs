//! Chart 4: each night's outcome, as the Air Force reports it — launched drones split into
//! destroyed by each layer, lost to EW, and leaked (stacked means).

use anyhow::Result;
use plotters::prelude::*;

use super::data::ChartData;
use super::theme;
use crate::engine::layout::metric;
use crate::format::count;

pub const NAME: &str = "nightly-outcome";

fn mean_sum(figures: &[super::data::Figure]) -> f64 {
    figures.iter().map(|f| f.mean).sum()
}

fn title(data: &ChartData) -> String {
    let launched = mean_sum(data.total(metric::LAUNCHED));
    if launched <= 0.0 {
        return "No drones launched".to_string();
    }
    let ew = mean_sum(data.total(metric::EW_DEFEATED));
    let leaked = mean_sum(data.total(metric::LEAKERS));
    let pct = |x: f64| 100.0 * x / launched;
    format!(
        "Of {} drones launched: {:.0}% destroyed, {:.0}% lost to EW, {:.0}% leaked",
        count(launched),
        pct(launched - ew - leaked),
        pct(ew),
        pct(leaked)
    )
}

pub fn draw(data: &ChartData) -> Result<String> {
    theme::svg(|root| {
        let area = theme::frame(root, &title(data), &data.subtitle(), &data.footer())?;
        let mut stacks: Vec<(String, RGBColor, &[super::data::Figure])> = data
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| {
                (format!("destroyed by {}", l.name), theme::layer_colour(i), data.series(metric::KILLS, &l.name))
            })
            .collect();
        stacks.push(("lost to EW".into(), theme::GREY, data.total(metric::EW_DEFEATED)));
        stacks.push(("leaked".into(), theme::VERMILLION, data.total(metric::LEAKERS)));
        let launched = data.total(metric::LAUNCHED);
        let top = launched.iter().map(|f| f.mean).fold(1.0, f64::max) * 1.12;
        let mut chart =
            theme::night_plane(&area, data, top, "Drones (mean per night)", &|v| theme::whole_only(*v, count))?;
        let mut base = vec![0.0; data.nights as usize];
        let half = 0.38;
        let mut key = Vec::new();
        for (label, colour, figures) in stacks {
            let bars: Vec<_> = figures
                .iter()
                .zip(base.iter_mut())
                .enumerate()
                .map(|(i, (f, b))| {
                    let x = (i + 1) as f64;
                    let bar = Rectangle::new([(x - half, *b), (x + half, *b + f.mean)], colour.filled());
                    *b += f.mean;
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
