//! Chart 2: cumulative spend — defender against attacker by night, and the damage the leakers
//! did, each with its p5–p95 band, and the cost-exchange ratio in the title.

use anyhow::Result;

use super::data::ChartData;
use super::theme;
use crate::engine::layout::metric;
use crate::format::usd;

pub const NAME: &str = "cumulative-spend";

fn title(data: &ChartData) -> String {
    let ratio = data.cost_exchange_ratio.map_or("n/a".to_string(), |r| format!("{:.1}", r.mean));
    let spend = format!(
        "Defence spends {} against the attacker's {}: {ratio} to 1",
        usd(data.defender_spend_usd.mean),
        usd(data.attacker_spend_usd.mean)
    );
    match data.damage_usd.mean {
        damage if damage > 0.0 => format!("{spend}; leakers do {} of damage", usd(damage)),
        _ => spend,
    }
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
            ("line: median; title: means".to_string(), theme::Mark::Line(theme::LIGHT)),
            ("band: 5th–95th percentile".to_string(), theme::Mark::Block(theme::LIGHT)),
        ];
        theme::side_key(&area, &key)?;
        Ok(())
    })
}
