//! The real record: the Air Force's daily reports of Shahed-type drones, read from the data file,
//! checked, and grouped by calendar month, so that salvosim can be fitted to it and judged on it.
//!
//! The file is the CSV of P. Ivaniuk, "Massive Missile Attacks on Ukraine" (ODC-BY 1.0): one row per
//! reporting window and weapon model. salvosim reads the rows whose `model` names a Shahed
//! (`Shahed-136/131`, `Shahed-136/131 and Lancet`): each such row is one raid. A row is a report,
//! and reports count different drones even where their windows overlap (a regional report beside
//! the national one, a daytime wave after a night's), so every row is a raid of its own and a
//! month's totals are the sums of its rows. A row belongs to the month its window starts in.
//!
//! Outcomes: `destroyed`; `not_reach_goal` ("lost", mostly to electronic warfare, reported from
//! July 2024 to July 2025 and folded into `destroyed` from August 2025, reading 0 outside those
//! months); and what is left, "reached". See [`Split`].

use std::fmt;
use std::path::{Path, PathBuf};

use crate::scenario::{Date, InputError, Origin};

/// The credit the data's licence requires on anything built from it.
pub const ATTRIBUTION: &str = "P. Ivaniuk, Massive Missile Attacks on Ukraine (ODC-BY 1.0)";

/// The columns salvosim reads.
const COLUMNS: [&str; 5] = ["time_start", "model", "launched", "destroyed", "not_reach_goal"];

/// The first and last month in which the reports give "lost" apart from "destroyed".
pub const THREE_WAY_FROM: Month = Month { year: 2024, month: 7 };
pub const THREE_WAY_TO: Month = Month { year: 2025, month: 7 };

/// A calendar month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1..=12.
    pub month: u32,
}

impl Month {
    /// Parses `YYYY-MM`.
    pub fn parse(text: &str) -> Option<Month> {
        (text.len() == 7).then(|| Date::parse(&format!("{text}-01")).map(Month::of))?
    }

    /// The month `date` falls in.
    pub fn of(date: Date) -> Month {
        let (year, month, _) = date.ymd();
        Month { year: year as i32, month: month as u32 }
    }

    /// Months since the start of year 0: consecutive months differ by one.
    pub fn ordinal(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }

    fn from_ordinal(ordinal: i64) -> Month {
        Month { year: ordinal.div_euclid(12) as i32, month: ordinal.rem_euclid(12) as u32 + 1 }
    }

    /// Whether the reports of this month give "lost" apart from "destroyed".
    pub fn is_three_way(self) -> bool {
        (THREE_WAY_FROM..=THREE_WAY_TO).contains(&self)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// An inclusive range of months, `YYYY-MM..YYYY-MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub first: Month,
    pub last: Month,
}

impl Window {
    /// Parses `YYYY-MM..YYYY-MM`; `Err` says what is allowed.
    pub fn parse(text: &str) -> Result<Window, String> {
        let allowed = "expected YYYY-MM..YYYY-MM, e.g. 2024-10..2025-03";
        let (first, last) = text.split_once("..").ok_or(allowed)?;
        let (first, last) = (Month::parse(first.trim()).ok_or(allowed)?, Month::parse(last.trim()).ok_or(allowed)?);
        if first > last {
            return Err(format!("the window ends ({last}) before it starts ({first})"));
        }
        Ok(Window { first, last })
    }

    pub fn months(self) -> impl Iterator<Item = Month> {
        (self.first.ordinal()..=self.last.ordinal()).map(Month::from_ordinal)
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.first, self.last)
    }
}

/// One outcome of a launched drone, as the reports count it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Destroyed,
    /// Lost, mostly to electronic warfare.
    Ew,
    Reached,
    /// Destroyed or lost: what the reports give where they do not split the two.
    Neutralised,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Destroyed => "destroyed",
            Outcome::Ew => "ew",
            Outcome::Reached => "reached",
            Outcome::Neutralised => "neutralised",
        }
    }
}

/// Which outcomes a comparison uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// Destroyed, lost to EW, reached: where every month reports "lost" apart.
    ThreeWay,
    /// Neutralised, reached: where some month does not.
    TwoWay,
}

impl Split {
    /// The finest split every month of `months` supports.
    pub fn of(months: impl IntoIterator<Item = Month>) -> Split {
        if months.into_iter().all(Month::is_three_way) { Split::ThreeWay } else { Split::TwoWay }
    }

    pub fn outcomes(self) -> &'static [Outcome] {
        match self {
            Split::ThreeWay => &[Outcome::Destroyed, Outcome::Ew, Outcome::Reached],
            Split::TwoWay => &[Outcome::Neutralised, Outcome::Reached],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Split::ThreeWay => "destroyed/ew/reached",
            Split::TwoWay => "neutralised/reached",
        }
    }
}

/// Counts of launched drones by fate: observed in a month, or simulated.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Fates {
    pub launched: f64,
    pub destroyed: f64,
    pub ew: f64,
}

impl Fates {
    pub fn count(&self, outcome: Outcome) -> f64 {
        match outcome {
            Outcome::Destroyed => self.destroyed,
            Outcome::Ew => self.ew,
            Outcome::Reached => self.launched - self.destroyed - self.ew,
            Outcome::Neutralised => self.destroyed + self.ew,
        }
    }

    /// `outcome`'s share of the launched drones (0 when none was launched).
    pub fn share(&self, outcome: Outcome) -> f64 {
        if self.launched > 0.0 { self.count(outcome) / self.launched } else { 0.0 }
    }

    /// The fates of `parts` (a month's nights, say) added up.
    pub fn total(parts: &[Fates]) -> Fates {
        let mut total = Fates::default();
        parts.iter().for_each(|p| total.add(p));
        total
    }

    pub fn add(&mut self, other: &Fates) {
        self.launched += other.launched;
        self.destroyed += other.destroyed;
        self.ew += other.ew;
    }
}

/// One report: a raid.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Raid {
    /// The day its window starts.
    pub date: Date,
    /// The minute of that day its window starts (0 where the report gives no time).
    pub minute: u32,
    pub launched: u64,
    /// What the report says of them (0 where it gives no figure).
    pub destroyed: u64,
    pub ew: u64,
}

impl Raid {
    /// The report's drones by fate.
    pub fn fates(&self) -> Fates {
        Fates { launched: self.launched as f64, destroyed: self.destroyed as f64, ew: self.ew as f64 }
    }
}

/// One month of reports.
#[derive(Clone, Debug, PartialEq)]
pub struct MonthRecord {
    pub month: Month,
    /// Its reports (each a raid), in the order their windows start.
    pub raids: Vec<Raid>,
    pub fates: Fates,
}

/// The Shahed-type reports of a data file, by month.
#[derive(Clone, Debug)]
pub struct Record {
    pub file: PathBuf,
    /// Months with at least one report, in calendar order.
    pub months: Vec<MonthRecord>,
}

/// Largest data file read: 64 MiB (the Air Force record of 2022-26 is under 1 MiB).
pub const MAX_DATA_BYTES: u64 = 64 << 20;

impl Record {
    /// Reads and checks `file`.
    pub fn load(file: &Path) -> Result<Record, InputError> {
        let whole_file = |problem: String| InputError::file(file, None, problem);
        let bytes = crate::input_file::read(file, MAX_DATA_BYTES, "data file").map_err(whole_file)?;
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let headers = reader.headers().map_err(|e| whole_file(format!("cannot read the header row: {e}")))?.clone();
        let mut position = [0; COLUMNS.len()];
        for (slot, name) in position.iter_mut().zip(COLUMNS) {
            *slot = headers.iter().position(|h| h.trim() == name).ok_or_else(|| {
                whole_file(format!("has no column `{name}`; salvosim needs the columns {}", COLUMNS.join(", ")))
            })?;
        }
        let [start, model, launched, destroyed, lost] = [0, 1, 2, 3, 4];
        let mut months: Vec<MonthRecord> = Vec::new();
        for row in reader.records() {
            let row = row.map_err(|e| whole_file(format!("is not valid CSV: {e}")))?;
            let line = row.position().map_or(0, |p| p.line());
            let cell = |column: usize| row.get(position[column]).unwrap_or("").trim();
            if !cell(model).contains("Shahed") {
                continue;
            }
            let bad = |column: usize, problem: &str| InputError {
                origin: Origin::File { file: file.to_path_buf(), line_col: None },
                path: format!("line {line}, column `{}`", COLUMNS[column]),
                value: Some(format!("{:?}", cell(column))),
                problem: problem.to_string(),
            };
            let (date, minute) = report_start(cell(start))
                .ok_or_else(|| bad(start, "must be a date, YYYY-MM-DD or YYYY-MM-DD HH:MM"))?;
            let month = Month::of(date);
            let count = |column: usize, required: bool| -> Result<u64, InputError> {
                let text = cell(column);
                if text.is_empty() && !required {
                    return Ok(0);
                }
                let allowed = if required {
                    "must be a whole number >= 0"
                } else {
                    "must be a whole number >= 0, or empty for 0"
                };
                text.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x >= 0.0 && x.fract() == 0.0 && *x <= 1e9)
                    .map(|x| x as u64)
                    .ok_or_else(|| bad(column, allowed))
            };
            let raid = Raid {
                date,
                minute,
                launched: count(launched, true)?,
                destroyed: count(destroyed, false)?,
                ew: count(lost, false)?,
            };
            let fates = raid.fates();
            match months.iter_mut().find(|m| m.month == month) {
                Some(record) => {
                    record.raids.push(raid);
                    record.fates.add(&fates);
                }
                None => months.push(MonthRecord { month, raids: vec![raid], fates }),
            }
        }
        months.sort_by_key(|m| m.month);
        for month in &mut months {
            month.raids.sort_by_key(|r| (r.date, r.minute));
        }
        if let Some(m) = months.iter().find(|m| m.fates.count(Outcome::Reached) < 0.0) {
            return Err(whole_file(format!(
                "in {}, {} drones are reported destroyed or lost but only {} launched",
                m.month,
                m.fates.count(Outcome::Neutralised),
                m.fates.launched
            )));
        }
        Ok(Record { file: file.to_path_buf(), months })
    }

    /// What months the record covers, for messages: "its reports run from 2022-09 to 2026-05".
    pub fn span(&self) -> String {
        match (self.months.first(), self.months.last()) {
            (Some(a), Some(b)) => format!("its reports run from {} to {}", a.month, b.month),
            _ => "it has no Shahed-type report".to_string(),
        }
    }

    /// The months of `window` that have reports; `Err` if none has. `flag` names the option that
    /// gave the window, for the message.
    pub fn window(&self, window: Window, flag: &str) -> Result<Vec<&MonthRecord>, InputError> {
        let months: Vec<&MonthRecord> =
            self.months.iter().filter(|m| (window.first..=window.last).contains(&m.month)).collect();
        if months.is_empty() {
            let problem =
                format!("no Shahed-type report of {} falls in this window; {}", self.file.display(), self.span());
            return Err(InputError::argument(format!("{flag} {window}"), problem));
        }
        Ok(months)
    }
}

/// The day and minute of a `YYYY-MM-DD` or `YYYY-MM-DD HH:MM` timestamp.
fn report_start(text: &str) -> Option<(Date, u32)> {
    let date = Date::parse(text.get(..10)?)?;
    let rest = &text[10..];
    if rest.is_empty() {
        return Some((date, 0));
    }
    let (h, m) = rest.trim_start().split_once(':')?;
    let (h, m) = (h.parse::<u32>().ok().filter(|&h| h < 24)?, m.parse::<u32>().ok().filter(|&m| m < 60)?);
    Some((date, 60 * h + m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_windows_and_dates_parse_strictly() {
        assert_eq!(Month::parse("2025-03"), Some(Month { year: 2025, month: 3 }));
        for bad in ["2025-13", "2025-3", "25-03", "2025/03", ""] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        let w = Window::parse("2024-11..2025-02").unwrap();
        let months: Vec<String> = w.months().map(|m| m.to_string()).collect();
        assert_eq!(months, ["2024-11", "2024-12", "2025-01", "2025-02"]);
        assert!(Window::parse("2025-02..2024-11").unwrap_err().contains("ends"));
        let day = Date::parse("2025-03-06").unwrap();
        assert_eq!(report_start("2025-03-06 21:05"), Some((day, 21 * 60 + 5)));
        assert_eq!(report_start("2025-03-06"), Some((day, 0)));
        for bad in
            ["2025-03-32", "2025-03-06 25:00", "06.03.2025", "2025-03-0x", "yesterday", "2025-02-30", "2025-03-06 9"]
        {
            assert_eq!(report_start(bad), None, "{bad}");
        }
    }

    #[test]
    fn splits_follow_the_reporting_eras() {
        let m = |t: &str| Month::parse(t).unwrap();
        assert_eq!(Split::of([m("2024-07"), m("2025-07")]), Split::ThreeWay);
        assert_eq!(Split::of([m("2025-07"), m("2025-08")]), Split::TwoWay);
        assert_eq!(Split::of([m("2024-06")]), Split::TwoWay);
        let fates = Fates { launched: 100.0, destroyed: 60.0, ew: 30.0 };
        assert_eq!(fates.share(Outcome::Reached), 0.1);
        assert_eq!(fates.share(Outcome::Neutralised), 0.9);
    }
}
