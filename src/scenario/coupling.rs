//! What else a change moves: a threat's share is a weight of the raid's mix, so changing it at a
//! fixed raid size also changes how many of every other type of the mix fly. Sweeps and `--set`
//! say so, and where to look for a way that does not.

use super::model::Scenario;

/// Why a change to the field at `path` also changes other threats' numbers, if it does: a share
/// of a mix (`threat.<name>.share`, `phase.<name>.shares.<threat>`) or a routine part
/// (`threat.<name>.per_night`, which the mix makes room for) in a mix of more than one type.
pub fn coupling(scenario: &Scenario, path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('.').collect();
    let (changed, what) = match parts.as_slice() {
        ["threat", name, "share"] | ["phase", _, "shares", name] => (*name, "is a weight of the raid's mix"),
        ["threat", name, "per_night"] => (*name, "is a routine part that the raid's mix makes room for"),
        _ => return None,
    };
    let mut others: Vec<&str> =
        scenario.threats.iter().filter(|t| t.in_mix() && t.name != changed).map(|t| t.name.as_str()).collect();
    if others.is_empty() {
        return None;
    }
    let riders: Vec<&str> = scenario
        .threats
        .iter()
        .filter(|t| t.per.as_ref().is_some_and(|r| others.contains(&scenario.threats[r.of].name.as_str())))
        .map(|t| t.name.as_str())
        .collect();
    others.extend(riders);
    Some(format!(
        "{path} {what}: at a fixed raid size it also changes how many {} fly. To change one type alone, \
         launch it by `nightly_mean` or `per` another type (docs/model.md, \"A raid made of parts\"; \
         scenarios/decoy-ratio.toml sweeps decoys alone)",
        others.join(", ")
    ))
}
