//! Number formatting shared by the console summary and the charts: money as $12k / $1.2M.

/// USD with a k/M/B/T suffix and three significant digits: `$950`, `$12.3k`, `$1.20M`.
pub fn usd(value: f64) -> String {
    if value == 0.0 {
        return "$0".into();
    }
    let sign = if value < 0.0 { "-" } else { "" };
    format!("{sign}${}", suffixed(value.abs()))
}

/// `x` ≥ 0 to three significant digits with a k/M/B/T suffix: `950`, `12.3k`, `1.20M`.
fn suffixed(x: f64) -> String {
    suffixed_to(x, 0)
}

/// [`usd`] with `more` decimals beyond its three significant digits (`$219.4M` for one more):
/// for the two ends of an interval that three digits would print alike.
pub fn usd_finer(value: f64, more: usize) -> String {
    if value == 0.0 {
        return "$0".into();
    }
    let sign = if value < 0.0 { "-" } else { "" };
    format!("{sign}${}", suffixed_to(value.abs(), more))
}

fn suffixed_to(x: f64, more: usize) -> String {
    let (scaled, suffix) = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")]
        .into_iter()
        .find(|(unit, _)| x >= *unit * 0.9995)
        .map_or((x, ""), |(unit, suffix)| (x / unit, suffix));
    if more == 0 {
        return format!("{}{suffix}", three_significant(scaled));
    }
    let decimals = more
        + if scaled >= 99.95 {
            0
        } else if scaled >= 9.995 {
            1
        } else {
            2
        };
    format!("{scaled:.decimals$}{suffix}")
}

/// USD for axis ticks: as [`usd`] without trailing zeros (`$1k`, `$2.5M`, `$0`).
pub fn usd_tick(value: f64) -> String {
    without_trailing_zeros(&usd(value))
}

/// A ratio to three significant digits, however small: `11.8`, `4.85`, `0.0123`, `0`.
pub fn ratio(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    if value.abs() >= 0.9995 {
        return three_significant(value);
    }
    let decimals = (2 - value.abs().log10().floor() as i32) as usize;
    format!("{value:.decimals$}")
}

/// [`ratio`] for axis ticks: without trailing zeros (`0.5`, `2`, `0.002`).
pub fn ratio_tick(value: f64) -> String {
    without_trailing_zeros(&ratio(value))
}

/// A parameter value for a chart: from 10,000 up with a k/M suffix (`250k`, `1.25M`), whole
/// numbers and anything from 1,000 up as whole numbers, the rest to four significant digits
/// without trailing zeros (`3333.33333333` → `3333`, `0.3333333` → `0.3333`, `12.5`). Files keep
/// the exact values.
pub fn short(value: f64) -> String {
    if value.abs() >= 9999.5 {
        let sign = if value < 0.0 { "-" } else { "" };
        return format!("{sign}{}", without_trailing_zeros(&suffixed(value.abs())));
    }
    plain(value)
}

/// A number as a file or a reader takes it, without a suffix: whole numbers and anything from
/// 1,000 up as whole numbers, the rest to four significant digits without trailing zeros.
pub fn plain(value: f64) -> String {
    if value.abs() >= 999.5 || value.fract() == 0.0 {
        return format!("{value:.0}");
    }
    let decimals = (3 - value.abs().log10().floor() as i32).max(0) as usize;
    without_trailing_zeros(&format!("{value:.decimals$}"))
}

/// `text` with the zeros that end its first decimal number dropped: `$2.50M` → `$2.5M`.
fn without_trailing_zeros(text: &str) -> String {
    let Some(dot) = text.find('.') else { return text.to_string() };
    let digits_end = text[dot..].find(|c: char| !c.is_ascii_digit() && c != '.').map_or(text.len(), |i| dot + i);
    let number = text[..digits_end].trim_end_matches('0').trim_end_matches('.');
    format!("{number}{}", &text[digits_end..])
}

fn three_significant(x: f64) -> String {
    if x >= 99.95 {
        format!("{x:.0}")
    } else if x >= 9.995 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// A whole number with thousands separators: `12,345`.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count to three significant digits, with separators above 1,000: `12.3`, `4,567`; whole
/// numbers without decimals: `40`.
pub fn count(value: f64) -> String {
    if value.abs() >= 999.5 || (value.fract() == 0.0 && value >= 0.0) {
        thousands(value.round() as u64)
    } else {
        three_significant(value)
    }
}

/// At most `max` characters of `text` for a message, the rest said in a count: a name or value
/// a megabyte long is not echoed whole.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((end, _)) => format!("{}… ({} characters)", &text[..end], text.chars().count()),
    }
}

/// A chance as a percentage a reader can trust at both ends: a decimal below 1 %, "<0.1%" for a
/// rare event seen at all (it must not read "0.0%", which says never), ">99.9%" for one that is
/// nearly certain (it must not read "100%").
pub fn chance(p: f64) -> String {
    match p {
        p if p <= 0.0 => "0%".into(),
        p if p < 0.001 => "<0.1%".into(),
        p if p < 0.01 => format!("{:.1}%", 100.0 * p),
        p if p >= 1.0 => "100%".into(),
        p if p > 0.999 => ">99.9%".into(),
        p if p > 0.99 => format!("{:.1}%", 100.0 * p),
        p => format!("{:.0}%", 100.0 * p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_cuts_long_text_and_counts_it() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("abcdef", 3), "abc… (6 characters)");
        assert_eq!(clip("ééééé", 2), "éé… (5 characters)");
        assert_eq!(clip(&"x".repeat(1_000_000), 200).len(), 200 + "… (1000000 characters)".len());
    }

    #[test]
    fn a_chance_never_reads_never_or_certain_unless_it_is() {
        let shown: Vec<String> = [0.0, 0.0001, 0.004, 0.34, 0.995, 0.9999, 1.0].into_iter().map(chance).collect();
        assert_eq!(shown, ["0%", "<0.1%", "0.4%", "34%", "99.5%", ">99.9%", "100%"]);
    }

    #[test]
    fn ratios_and_chart_values_keep_their_significant_digits() {
        assert_eq!([ratio(11.83), ratio(4.849), ratio(0.012345), ratio(0.0)], ["11.8", "4.85", "0.0123", "0"]);
        assert_eq!([ratio_tick(0.5), ratio_tick(2.0), ratio_tick(0.002)], ["0.5", "2", "0.002"]);
        assert_eq!(
            [short(3333.33333333), short(0.3333333), short(12.5), short(250000.0), short(1_250_000.0), short(-2.0)],
            ["3333", "0.3333", "12.5", "250k", "1.25M", "-2"]
        );
    }

    #[test]
    fn money_and_counts() {
        assert_eq!(usd(950.0), "$950");
        assert_eq!(usd(12_345.0), "$12.3k");
        assert_eq!(usd(1_200_000.0), "$1.20M");
        assert_eq!(usd(999_999.0), "$1.00M");
        assert_eq!(usd(3.4e9), "$3.40B");
        assert_eq!(usd(2.5), "$2.50");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(count(12.34), "12.3");
        assert_eq!(count(4567.2), "4,567");
        assert_eq!(count(40.0), "40");
        assert_eq!(count(0.0), "0");
        assert_eq!(usd(0.0), "$0");
        assert_eq!(usd_tick(1000.0), "$1k");
        assert_eq!(usd_tick(2.5e6), "$2.5M");
        assert_eq!(usd_tick(5e7), "$50M");
        assert_eq!(usd_tick(120.0), "$120");
    }
}
