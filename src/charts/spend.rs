//! Chart 2: cumulative spend — defender against attacker by night, and the damage the leakers
//! did, each with its p5–p95 band, and the cost-exchange ratio in the title.

use anyhow::Result;

use super::data::ChartData;
use super::theme;
use crate::engine::layout::metric;
use crate::format::usd;

pub const NAME: &str = "cumulative-spend";

/// The title quotes what the lines show: each line's value on the last night, the median over
/// campaigns (a mean above a median line would not be the drawn line's figure).
pub fn title(data: &ChartData) -> String {
    let last = |metric: &str| data.total(metric).last().map_or(0.0, |f| f.p50);
    let (defender, attacker, damage) =
        (last(metric::DEFENDER_SPEND_CUM), last(metric::ATTACKER_SPEND_CUM), last(metric::DAMAGE_CUM));
    let ratio = if attacker > 0.0 { format!("{:.2}", defender / attacker) } else { "n/a".to_string() };
    let spend = format!(
        "A median campaign: the defence spends {} against the attacker's {} ({ratio} to 1)",
        usd(defender),
        usd(attacker)
    );
    if damage > 0.0 { format!("{spend}; leakers do {} of damage", usd(damage)) } else { spend }
}

pub fn draw(data: &ChartData) -> Result<String> {
    theme::svg(|root| {
        let area = theme::frame(root, &title(data), &data.subtitle(), &data.footer())?;
        let defender = data.total(metric::DEFENDER_SPEND_CUM);
        let attacker = data.total(metric::ATTACKER_SPEND_CUM);
        let damage = data.total(metric::DAMAGE_CUM);
        let top = defender.iter().chain(attacker).chain(damage).map(|f| f.p95).fold(1.0, f64::max) * 1.08;
        let mut chart = theme::night_plane(&area, data, top, "Cumulative USD", &|v| crate::format::usd_tick(*v))?;
        theme::band_and_line(&mut chart, damage, theme::BROWN)?;
        theme::band_and_line(&mut chart, defender, theme::DEFENDER)?;
        theme::band_and_line(&mut chart, attacker, theme::ATTACKER)?;
        let key = [
            ("defender: rounds fired".to_string(), theme::Mark::Line(theme::DEFENDER)),
            ("attacker: threats launched".to_string(), theme::Mark::Line(theme::ATTACKER)),
            ("damage done by leakers".to_string(), theme::Mark::Line(theme::BROWN)),
            ("line and title: median".to_string(), theme::Mark::Line(theme::LIGHT)),
            ("band: 5th–95th percentile".to_string(), theme::Mark::Block(theme::LIGHT)),
        ];
        theme::side_key(&area, &key)?;
        Ok(())
    })
}
