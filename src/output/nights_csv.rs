//! nights.csv: one row per night, metric and series, in long ("tidy") form.

use crate::engine::{Aggregate, NightLayout};

/// `dates`: each night's date (empty for a campaign not tied to the calendar: the column is empty).
pub fn write<W: std::io::Write>(
    out: W,
    layout: &NightLayout,
    aggregate: &Aggregate,
    dates: &[crate::scenario::Date],
) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(crate::results::NIGHTS_HEADER)?;
    let nights = aggregate.nightly.len() / layout.width();
    for night in 0..nights {
        let date = dates.get(night).map(|d| d.to_string()).unwrap_or_default();
        let first = night * layout.width();
        let night = (night + 1).to_string();
        for (column, (metric, series)) in layout.columns.iter().enumerate() {
            let Some(s) = aggregate.nightly.stats(first + column) else { continue };
            let numbers = [s.mean, s.se, s.p5, s.p50, s.p95].map(|x| x.to_string());
            let cells = [night.as_str(), metric, series.as_str()].into_iter().chain(numbers.iter().map(String::as_str));
            writer.write_record(cells.chain([date.as_str()]))?;
        }
    }
    writer.flush()?;
    Ok(())
}
