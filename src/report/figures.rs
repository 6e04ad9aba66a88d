//! The key figures of a run and its finding in one sentence, read from summary.json by path, so
//! that every figure the report shows is one a script can find in the same file.

use anyhow::{Result, anyhow};
use serde_json::Value;

use crate::charts::ChartData;
use crate::format;

/// How a figure reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unit {
    Usd,
    /// USD per USD.
    Ratio,
    /// A share or a probability, shown as a percentage.
    Percent,
    /// A count of nights or threats.
    Count,
}

impl Unit {
    /// `value` as the report shows it.
    pub fn show(self, value: f64) -> String {
        match self {
            Unit::Usd => format::usd(value),
            Unit::Ratio => format::ratio(value),
            Unit::Percent if value > 0.0 && value < 0.0005 => "<0.1%".into(),
            Unit::Percent => format!("{:.1}%", 100.0 * value),
            Unit::Count => format::count(value),
        }
    }
}

/// One row of the key-figures table.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyFigure {
    pub label: String,
    /// Where summary.json holds it: `leak_rate`, `layers.nasams.p_exhausted`.
    pub path: String,
    pub unit: Unit,
    pub mean: f64,
    pub ci95: [f64; 2],
    /// `None` for a probability, whose per-trial values are 0 or 1.
    pub p5_p95: Option<[f64; 2]>,
}

/// The key figures of `summary`: spend, damage, the cost to field the defence, both cost-exchange
/// ratios, the leak rate, the strike threats that leak, and each finite-stock layer's chance of running dry and the night
/// it does.
pub fn key_figures(summary: &Value) -> Result<Vec<KeyFigure>> {
    // Where summary.json says so, the means with damage come from the damage expected given the
    // leakers (docs/model.md): the reader is told, since their interval is then far narrower than
    // the percentiles suggest.
    let by_expectation = if summary["damage_mean"] == "expected" { " (mean: expected damage per leaker)" } else { "" };
    let mut rows = vec![
        ("Defender spend: rounds fired".to_string(), "defender_spend_usd".to_string(), Unit::Usd),
        ("Attacker spend: threats launched".into(), "attacker_spend_usd".into(), Unit::Usd),
        (format!("Damage done by leakers{by_expectation}"), "damage_usd".into(), Unit::Usd),
        ("Defence cost to field: rounds bought and capacity".into(), "defence_cost_usd".into(), Unit::Usd),
        ("Cost-exchange ratio: defender USD per attacker USD".into(), "cost_exchange_ratio".into(), Unit::Ratio),
        (
            format!("Cost-exchange ratio counting damage{by_expectation}"),
            "cost_exchange_ratio_with_damage".into(),
            Unit::Ratio,
        ),
        ("Leak rate: strike threats reaching their targets".into(), "leak_rate".into(), Unit::Percent),
    ];
    let label = |name: &String, entry: &Value| entry["label"].as_str().unwrap_or(name).to_string();
    for (name, threat) in object(summary, "threats")? {
        if threat["decoy"].as_bool() != Some(true) {
            let words = label(name, threat);
            rows.push((format!("{words}: leaked"), format!("threats.{name}.leaked"), Unit::Count));
        }
    }
    for (name, layer) in object(summary, "layers")? {
        let words = label(name, layer);
        if !layer["p_exhausted"].is_null() {
            rows.push((format!("{words}: chance of running dry"), format!("layers.{name}.p_exhausted"), Unit::Percent));
        }
        if !layer["exhaustion_night"].is_null() {
            rows.push((
                format!("{words}: night it runs dry, where it does"),
                format!("layers.{name}.exhaustion_night"),
                Unit::Count,
            ));
        }
    }
    rows.into_iter()
        .filter(|(_, path, _)| !crate::results::figure(summary, path).is_null())
        .map(|(label, path, unit)| key_figure(summary, label, path, unit))
        .collect()
}

/// How to read the key figures, for a briefer: what the mean, its interval and the percentiles
/// each say, how to tell a real difference from noise, and (where summary.json's
/// `control_variates` corrected some means) why those intervals are narrower than plain ones.
pub fn statistics_note(summary: &Value) -> String {
    let trials = crate::format::thousands(summary["trials"].as_u64().unwrap_or(0));
    let mut note = format!(
        "How to read these figures. Each mean is the average over {trials} simulated campaigns. Its 95 % \
         interval is how precisely the simulation pins that average down; more campaigns would narrow \
         it. Whether two runs differ is for salvosim compare, which gives the difference its own \
         interval (overlapping intervals do not settle it). The 5th–95th percentile is the spread of \
         single campaigns, from chance and from the uncertain inputs drawn afresh for each: nine \
         campaigns in ten fall inside it, so quote it for \"a bad campaign\" and the mean for what to \
         budget."
    );
    if let Some(corrected) = corrected_means(summary) {
        let verb = if corrected.starts_with("means") { "use" } else { "uses" };
        note += &format!(
            " The {corrected} {verb} a standard variance-reduction method (control variates): the luck of each \
             campaign's drawn inputs (costs, kill probabilities and the like) is subtracted, which narrows \
             the interval without biasing the mean; the percentiles are those of the campaigns as run."
        );
    }
    note
}

/// "means of A and B", or "mean of A": the key figures control variates corrected, if any.
fn corrected_means(summary: &Value) -> Option<String> {
    let names = crate::scenario::labels::Names::of_summary(summary);
    let corrected: Vec<String> = summary["control_variates"]["variance_ratio"]
        .as_object()?
        .iter()
        .filter(|(_, ratio)| ratio.is_number())
        .map(|(metric, _)| crate::scenario::labels::metric_words(metric, &names))
        .collect();
    let listed = match corrected.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("means of {} and {last}", rest.join(", ")),
        Some((only, _)) => format!("mean of {only}"),
        None => return None,
    };
    Some(listed)
}

fn key_figure(summary: &Value, label: String, path: String, unit: Unit) -> Result<KeyFigure> {
    let stats = crate::results::figure(summary, &path);
    let number = |key: &str, index: Option<usize>| {
        let value = index.map_or(&stats[key], |i| &stats[key][i]);
        value.as_f64().ok_or_else(|| anyhow!("summary.json: `{path}.{key}` is missing or not a number"))
    };
    let probability = path.ends_with(".p_exhausted");
    Ok(KeyFigure {
        label,
        mean: number("mean", None)?,
        ci95: [number("ci95", Some(0))?, number("ci95", Some(1))?],
        p5_p95: if probability { None } else { Some([number("p5", None)?, number("p95", None)?]) },
        unit,
        path,
    })
}

fn object<'a>(summary: &'a Value, key: &str) -> Result<&'a serde_json::Map<String, Value>> {
    summary[key].as_object().ok_or_else(|| anyhow!("summary.json: `{key}` is missing or not an object"))
}

/// The finding in one sentence: spend against spend, the leak rate, and the stock most likely
/// to run dry.
/// The run's starkest fact about a threat type, if there is one: a strike type most of which
/// leaks (the one with the largest such share): "Ballistic missile: 34.5 of 35.9 launched a
/// campaign get through (96.1%)".
fn starkest_leak(summary: &Value) -> Option<String> {
    let threats = summary["threats"].as_object()?;
    let leak_share = |t: &Value| {
        let (leaked, launched) = (t["leaked"]["mean"].as_f64()?, t["launched"]["mean"].as_f64()?);
        (launched > 0.0).then(|| (leaked, launched, leaked / launched))
    };
    let (name, t, (leaked, launched, share)) = threats
        .iter()
        .filter(|(_, t)| t["decoy"].as_bool() != Some(true))
        .filter_map(|(name, t)| leak_share(t).map(|l| (name, t, l)))
        .filter(|(_, _, (_, _, share))| *share > 0.5)
        .max_by(|a, b| a.2.2.total_cmp(&b.2.2))?;
    let label = t["label"].as_str().unwrap_or(name);
    Some(format!(
        "{label}: {} of {} launched a campaign get through ({}). ",
        format::count(leaked),
        format::count(launched),
        Unit::Percent.show(share)
    ))
}

pub fn finding(summary: &Value, data: &ChartData) -> String {
    let mean = |path: &str| crate::results::figure(summary, path)["mean"].as_f64();
    let ratio =
        mean("cost_exchange_ratio").map_or(String::new(), |r| format!(" ({} USD per attacker USD)", format::ratio(r)));
    let leak = mean("leak_rate")
        .map_or(String::new(), |l| format!("; {} of the strike threats reach their targets", Unit::Percent.show(l)));
    let stocks = match data.likeliest_to_run_dry() {
        Some((layer, p)) if p >= 0.01 => {
            format!(", and {} runs dry in {} of campaigns", layer.label, Unit::Percent.show(p))
        }
        Some(_) => {
            format!(", and every interceptor stock lasts the {} nights in more than 99 % of campaigns", data.nights)
        }
        None => String::new(),
    };
    format!(
        "{}Over {} nights the defence fires {} against the attacker's {}{ratio}{leak}{stocks}.",
        starkest_leak(summary).unwrap_or_default(),
        format::thousands(u64::from(data.nights)),
        format::usd(data.defender_spend_usd.mean),
        format::usd(data.attacker_spend_usd.mean)
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::statistics_note;

    #[test]
    fn the_note_reads_for_a_briefer_and_names_the_corrected_means_only_when_there_are_some() {
        let summary = |leak: serde_json::Value| {
            json!({ "trials": 5000, "control_variates": {
                "controls": ["layer.a.pk", "layer.a.cost_per_shot"],
                "variance_ratio": { "cost_exchange_ratio": 1.8, "damage_usd": null, "leak_rate": leak }
            }})
        };
        let note = statistics_note(&summary(json!(1.9)));
        assert!(note.starts_with("How to read these figures. Each mean is the average over 5,000 simulated campaigns"));
        assert!(note.contains("nine campaigns in ten") && note.contains("salvosim compare"), "{note}");
        let both = "The means of cost-exchange ratio (defender / attacker spend) and strike leak rate (non-decoys) use";
        assert!(note.contains(both), "{note}");
        let note = statistics_note(&summary(json!(null)));
        assert!(note.contains("The mean of cost-exchange ratio (defender / attacker spend) uses"), "{note}");
        let none =
            json!({ "trials": 10, "control_variates": { "controls": [], "variance_ratio": { "leak_rate": null } } });
        assert!(!statistics_note(&none).contains("control variates"));
        assert!(!statistics_note(&json!({"trials": 10})).contains("control variates"), "from before control variates");
    }
}
