//! Calendar dates (`YYYY-MM-DD`), for campaigns and phases tied to the calendar and for the
//! record's reports: parsing, printing, and whole days between dates.

use std::fmt;

/// A day of the proleptic Gregorian calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Days since 1970-01-01.
    days: i64,
}

impl Date {
    /// Parses `YYYY-MM-DD`, a real day of its month.
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let digits = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = &text[range];
            part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok())?
        };
        let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then(|| Date { days: days_from_civil(year, month, day) })
    }

    pub fn add_days(self, days: i64) -> Date {
        Date { days: self.days + days }
    }

    /// Whole days from `earlier` to `self`.
    pub fn days_since(self, earlier: Date) -> i64 {
        self.days - earlier.days
    }

    /// (year, month 1..=12, day 1..=31).
    pub fn ymd(self) -> (i64, i64, i64) {
        civil_from_days(self.days)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_count_days() {
        let d = Date::parse("2024-02-29").unwrap();
        assert_eq!(d.to_string(), "2024-02-29");
        assert_eq!(d.add_days(1).to_string(), "2024-03-01");
        assert_eq!(Date::parse("1970-01-01").unwrap().days, 0);
        assert_eq!(Date::parse("2025-03-01").unwrap().days_since(Date::parse("2024-03-01").unwrap()), 365);
        for bad in ["2025-02-29", "2025-13-01", "2025-1-01", "2025/01/01", "2025-01-32", "2025-01-00"] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        // Every day of four centuries round-trips.
        let start = Date::parse("1900-01-01").unwrap();
        for i in 0..146_097 {
            let date = start.add_days(i);
            assert_eq!(Date::parse(&date.to_string()), Some(date));
        }
    }
}
