//! Number formatting shared by the console summary and the charts: money as $12k / $1.2M.

/// USD with a k/M/B/T suffix and three significant digits: `$950`, `$12.3k`, `$1.20M`.
pub fn usd(value: f64) -> String {
    if value == 0.0 {
        return "$0".into();
    }
    let sign = if value < 0.0 { "-" } else { "" };
    let x = value.abs();
    let (scaled, suffix) = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")]
        .into_iter()
        .find(|(unit, _)| x >= *unit * 0.9995)
        .map_or((x, ""), |(unit, suffix)| (x / unit, suffix));
    format!("{sign}${}{suffix}", three_significant(scaled))
}

/// USD for axis ticks: as [`usd`] without trailing zeros (`$1k`, `$2.5M`, `$0`).
pub fn usd_tick(value: f64) -> String {
    let text = usd(value);
    let Some(dot) = text.find('.') else { return text };
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

#[cfg(test)]
mod tests {
    use super::*;

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
