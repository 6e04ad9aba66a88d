//! Words for `--set` paths: what a chart axis, a legend or a report calls a field, with its unit,
//! so that a briefer reads "NASAMS price per round (USD)" rather than
//! `layer.nasams.cost_per_shot`. A path it does not know reads as itself. Threats and layers are
//! called by their scenario `label` ("NASAMS", "Shahed-136") where [`Names`] knows one.

/// The words for each threat and layer name: its `label`, or the name where it has none.
#[derive(Clone, Debug, Default)]
pub struct Names {
    pairs: Vec<(String, String)>,
}

impl Names {
    /// From (name, label) pairs.
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Names {
        Names { pairs: pairs.into_iter().collect() }
    }

    /// Every threat's and layer's label in a scenario.
    pub fn of(scenario: &super::Scenario) -> Names {
        let threats = scenario.threats.iter().map(|t| (t.name.clone(), t.label.clone()));
        Names::new(threats.chain(scenario.layers.iter().map(|l| (l.name.clone(), l.label.clone()))))
    }

    /// The labels a summary.json records under `threats` and `layers` (names without one read
    /// as themselves).
    pub fn of_summary(summary: &serde_json::Value) -> Names {
        let entries = ["threats", "layers"].into_iter().filter_map(|key| summary[key].as_object()).flatten();
        Names::new(entries.filter_map(|(name, v)| Some((name.clone(), v["label"].as_str()?.to_string()))))
    }

    /// These names, then `other`'s for any name these lack (a base's labels, then an excursion's).
    pub fn and(mut self, other: Names) -> Names {
        self.pairs.extend(other.pairs);
        self
    }

    /// Whether `text` begins with one of these labels (or a name without one): a proper noun,
    /// kept capitalised inside a sentence.
    pub fn begins(&self, text: &str) -> bool {
        self.pairs.iter().any(|(name, label)| {
            let shown = if label.is_empty() { name } else { label };
            text.starts_with(shown.as_str())
        })
    }

    /// The words for `name`: its label, else the name itself.
    pub fn show<'a>(&'a self, name: &'a str) -> &'a str {
        self.pairs.iter().find(|(n, _)| n == name).map_or(name, |(_, label)| label.as_str())
    }
}

/// The human label of `path`, e.g. `raid.size` → "Threats launched a night".
pub fn label(path: &str, names: &Names) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let show = |name: &str| names.show(name).to_string();
    let known = match parts.as_slice() {
        ["scenario", "nights"] => Some("Campaign length (nights)".to_string()),
        ["raid", "size"] => Some("Threats launched a night".to_string()),
        ["raid", "stock"] => Some("Attacker inventory at the start (threats)".to_string()),
        ["raid", "production_per_night"] => Some("Attacker production (threats a night)".to_string()),
        ["defence", "early_warning"] => Some("Early warning (0 = none, 1 = full)".to_string()),
        ["defence", "ew_defeat"] => Some("P(EW defeats a threat)".to_string()),
        ["defence", "decoy_discrimination"] => Some("P(a decoy is recognised)".to_string()),
        ["threat", name, field] => threat_label(&show(name), field),
        ["layer", name, field] => layer_label(&show(name), field),
        ["threat", name, "per", other] => Some(format!("{} launched per {}", show(name), show(other))),
        ["layer", name, "pk_vs", threat] => {
            Some(format!("{} kill probability per round against {}", show(name), show(threat)))
        }
        ["layer", name, "coverage_vs", threat] => {
            Some(format!("{} coverage against {} (0–1)", show(name), show(threat)))
        }
        ["phase", name, "early_warning"] => Some(format!("Early warning during {name} (0–1)")),
        ["phase", name, "raid_size"] => Some(format!("Threats launched a night during {name}")),
        ["phase", name, "shares", threat] => Some(format!("{} share of the raid during {name} (weight)", show(threat))),
        _ => None,
    };
    known.unwrap_or_else(|| path.to_string())
}

fn threat_label(name: &str, field: &str) -> Option<String> {
    Some(match field {
        "share" => format!("{name} share of the raid (weight)"),
        "unit_cost" => format!("Cost of one {name} (USD)"),
        "damage_on_leak" => format!("Damage per leaking {name} (USD)"),
        "ew_defeat" => format!("P(EW defeats a {name})"),
        "per_night" => format!("{name} launched a night (the routine part)"),
        "nightly_mean" => format!("{name} launched a night (mean)"),
        _ => return None,
    })
}

fn layer_label(name: &str, field: &str) -> Option<String> {
    Some(match field {
        "pk" => format!("{name} kill probability per round"),
        "max_shots" => format!("{name} rounds per threat, at most"),
        "cost_per_shot" => format!("{name} price per round (USD)"),
        "cost_per_capacity" => format!("{name} cost per unit of nightly capacity (USD)"),
        "coverage" => format!("{name} coverage (0–1)"),
        "capacity" => format!("{name} threats engaged a night, at most"),
        "surge_per_threat" => format!("{name} surge: engagements added per threat launched"),
        "stock" => format!("{name} stock at the start (rounds)"),
        "reserve" => format!("{name} reserve held back (rounds)"),
        "resupply_per_night" => format!("{name} resupply (rounds a night)"),
        "max_stock" => format!("{name} stock cap (rounds)"),
        "warning_sensitivity" => format!("{name} dependence on warning (exponent)"),
        _ => return None,
    })
}

/// The words for a summary.json metric path: `leak_rate` → "Strike leak rate (non-decoys)".
pub fn metric_label(metric: &str, names: &Names) -> String {
    let parts: Vec<&str> = metric.split('.').collect();
    let parts: Vec<&str> = match parts.as_slice() {
        ["threats" | "layers", name, rest @ ..] => [&[parts[0], names.show(name)][..], rest].concat(),
        _ => parts,
    };
    match parts.as_slice() {
        ["cost_exchange_ratio"] => "Cost-exchange ratio (defender / attacker spend)".into(),
        ["cost_exchange_ratio_with_damage"] => "Cost-exchange ratio with damage".into(),
        ["leak_rate"] => "Strike leak rate (non-decoys)".into(),
        ["defender_spend_usd"] => "Defender spend (USD)".into(),
        ["attacker_spend_usd"] => "Attacker spend (USD)".into(),
        ["damage_usd"] => "Damage from leakers (USD)".into(),
        ["layers", layer, "p_exhausted"] => format!("P({layer} runs dry)"),
        ["defence_cost_usd"] => "Cost of fielding the defence (USD)".into(),
        ["threats", threat, "launched"] => format!("{threat} launched"),
        ["threats", threat, "ew_defeated"] => format!("{threat} defeated by EW"),
        ["threats", threat, "killed"] => format!("{threat} destroyed"),
        ["threats", threat, "leaked"] => format!("{threat} leaked"),
        ["layers", layer, "rounds"] => format!("{layer} rounds fired"),
        ["layers", layer, "kills"] => format!("{layer} kills"),
        ["layers", layer, "spend_usd"] => format!("{layer} spend (USD)"),
        ["layers", layer, "fielding_cost_usd"] => format!("{layer} fielding cost (USD)"),
        ["layers", layer, "final_stock"] => format!("{layer} stock at the end"),
        ["layers", layer, "exhaustion_night"] => format!("Night {layer} runs dry"),
        _ => metric.to_string(),
    }
}

/// [`metric_label`] for the middle of a sentence: a capitalised first word in lower case, the
/// rest (a unit such as USD, a name) as it is, and a symbol such as P(…) untouched.
pub fn metric_words(metric: &str, names: &Names) -> String {
    let label = metric_label(metric, names);
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if second.is_lowercase() => {
            first.to_lowercase().chain(label[first.len_utf8()..].chars()).collect()
        }
        _ => label,
    }
}

/// `label`, unless `overrides` (`PATH=TEXT` pairs) names the path.
pub fn label_with(path: &str, overrides: &[(String, String)], names: &Names) -> String {
    overrides.iter().find(|(p, _)| p == path).map_or_else(|| label(path, names), |(_, text)| text.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_as_words_with_units() {
        let none = Names::default();
        assert_eq!(label("raid.size", &none), "Threats launched a night");
        assert_eq!(label("layer.nasams.cost_per_shot", &none), "nasams price per round (USD)");
        assert_eq!(label("defence.early_warning", &none), "Early warning (0 = none, 1 = full)");
        assert_eq!(label("phase.truce.shares.decoy", &none), "decoy share of the raid during truce (weight)");
        assert_eq!(label("layer.nasams.colour", &none), "layer.nasams.colour", "unknown paths read as themselves");
        let overrides = [("raid.size".to_string(), "Raid size".to_string())];
        assert_eq!(label_with("raid.size", &overrides, &none), "Raid size");
        // Metrics in the middle of a sentence keep their units and symbols.
        assert_eq!(metric_words("defender_spend_usd", &none), "defender spend (USD)");
        assert_eq!(metric_words("layers.nasams.p_exhausted", &none), "P(nasams runs dry)");
        assert_eq!(metric_words("layers.nasams.exhaustion_night", &none), "night nasams runs dry");
        assert_eq!(metric_words("leak_rate", &none), "strike leak rate (non-decoys)");
    }

    #[test]
    fn threats_and_layers_read_by_their_labels() {
        let names = Names::new(
            [("nasams", "NASAMS"), ("shahed", "Shahed-136"), ("decoy", "Gerbera decoy")]
                .map(|(n, l)| (n.to_string(), l.to_string())),
        );
        assert_eq!(label("layer.nasams.cost_per_shot", &names), "NASAMS price per round (USD)");
        assert_eq!(label("layer.nasams.pk_vs.shahed", &names), "NASAMS kill probability per round against Shahed-136");
        assert_eq!(label("threat.shahed.unit_cost", &names), "Cost of one Shahed-136 (USD)");
        assert_eq!(label("phase.truce.shares.decoy", &names), "Gerbera decoy share of the raid during truce (weight)");
        assert_eq!(label("layer.nasams.colour", &names), "layer.nasams.colour", "unknown paths keep their names");
        assert_eq!(metric_label("threats.shahed.leaked", &names), "Shahed-136 leaked");
        assert_eq!(metric_words("layers.nasams.p_exhausted", &names), "P(NASAMS runs dry)");
        assert_eq!(metric_label("layers.gepard.kills", &names), "gepard kills", "a name without a label is itself");
        let summary = serde_json::json!({"threats": {"shahed": {"label": "Shahed-136"}}, "layers": {"gepard": {}}});
        let from_summary = Names::of_summary(&summary);
        assert_eq!((from_summary.show("shahed"), from_summary.show("gepard")), ("Shahed-136", "gepard"));
    }
}
