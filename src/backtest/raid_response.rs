//! How the reached share moves with the raid's size: the record's report nights grouped by drones
//! launched, each group's drone-weighted reached share observed against the model's and the naive
//! forecasts'. A model can score well on monthly totals by averaging opposite errors at small and
//! large raids; this is where that shows.

use super::NightResult;
use crate::record::{Outcome, Split};

/// The groups of nights by drones launched: `(label, fewest, most)`, inclusive.
pub const GROUPS: [(&str, u64, u64); 4] =
    [("<100", 0, 99), ("100–199", 100, 199), ("200–399", 200, 399), ("≥400", 400, u64::MAX)];

/// The reached share every night under the naive forecasts: the train window's pooled share and its
/// last month's (persistence).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Naive {
    pub pooled: f64,
    pub persistence: f64,
}

/// One group of nights.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub label: &'static str,
    pub nights: usize,
    /// Drones launched over the group's nights.
    pub launched: f64,
    /// Reached ÷ launched over the group's nights, observed; `None` for a group with no drones.
    pub observed: Option<f64>,
    /// The model's: each night's predicted mean share weighted by the night's drones.
    pub model: Option<f64>,
    pub pooled: Option<f64>,
    pub persistence: Option<f64>,
}

/// Mean absolute error over the groups that have drones, as a fraction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GroupErrors {
    pub model: f64,
    pub pooled: f64,
    pub persistence: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RaidResponse {
    pub groups: Vec<Group>,
    /// `None` when no group has drones.
    pub mae: Option<GroupErrors>,
}

impl RaidResponse {
    pub fn new(nights: &[NightResult], split: Split, naive: &Naive) -> RaidResponse {
        let reached = split.outcomes().iter().position(|&o| o == Outcome::Reached).expect("every split has reached");
        let groups: Vec<Group> = GROUPS
            .iter()
            .map(|&(label, lo, hi)| {
                let members: Vec<&NightResult> =
                    nights.iter().filter(|n| (lo as f64..=hi as f64).contains(&n.observed.launched)).collect();
                let launched: f64 = members.iter().map(|n| n.observed.launched).sum();
                let weighted = |share: &dyn Fn(&NightResult) -> f64| {
                    (launched > 0.0)
                        .then(|| members.iter().map(|n| n.observed.launched * share(n)).sum::<f64>() / launched)
                };
                Group {
                    label,
                    nights: members.len(),
                    launched,
                    observed: weighted(&|n| n.observed.share(Outcome::Reached)),
                    model: weighted(&|n| n.predicted[reached].mean),
                    pooled: weighted(&|_| naive.pooled),
                    persistence: weighted(&|_| naive.persistence),
                }
            })
            .collect();
        let scored: Vec<&Group> = groups.iter().filter(|g| g.observed.is_some()).collect();
        let mae = (!scored.is_empty()).then(|| {
            let error = |forecast: &dyn Fn(&Group) -> Option<f64>| {
                scored.iter().map(|g| (g.observed.unwrap() - forecast(g).unwrap()).abs()).sum::<f64>()
                    / scored.len() as f64
            };
            GroupErrors {
                model: error(&|g| g.model),
                pooled: error(&|g| g.pooled),
                persistence: error(&|g| g.persistence),
            }
        });
        RaidResponse { groups, mae }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Fates;
    use crate::replay::Band;
    use crate::scenario::Date;

    /// A night of `launched` drones of which `reached` reached a target, `predicted` the model's
    /// reached share (neutralised/reached split).
    fn night(launched: f64, reached: f64, predicted: f64) -> NightResult {
        let band = |mean: f64| Band { mean, p5: mean, p95: mean };
        NightResult {
            date: Date::parse("2025-09-01").unwrap(),
            observed: Fates { launched, destroyed: launched - reached, ew: 0.0 },
            predicted: vec![band(1.0 - predicted), band(predicted)],
        }
    }

    #[test]
    fn groups_and_errors_are_the_hand_computation() {
        // <100: 50 drones (10 reached) and 99 (30 reached); 100–199: one of 100 (20 reached);
        // 200–399: none; ≥400: 400 (20 reached) and 600 (30 reached).
        let nights = [
            night(50.0, 10.0, 0.10),
            night(99.0, 30.0, 0.20),
            night(100.0, 20.0, 0.30),
            night(400.0, 20.0, 0.40),
            night(600.0, 30.0, 0.50),
        ];
        let naive = Naive { pooled: 0.15, persistence: 0.05 };
        let r = RaidResponse::new(&nights, Split::TwoWay, &naive);
        let g = &r.groups;
        assert_eq!(g.iter().map(|g| g.nights).collect::<Vec<_>>(), [2, 1, 0, 2]);
        assert_eq!(g.iter().map(|g| g.launched).collect::<Vec<_>>(), [149.0, 100.0, 0.0, 1000.0]);
        let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-12;
        // Observed: (10 + 30)/149, 20/100, none, (20 + 30)/1000.
        assert!(close(g[0].observed, 40.0 / 149.0) && close(g[1].observed, 0.2) && close(g[3].observed, 0.05));
        assert_eq!(g[2].observed, None);
        // The model's, drone-weighted: (50·0.1 + 99·0.2)/149, 0.3, (400·0.4 + 600·0.5)/1000.
        assert!(close(g[0].model, (5.0 + 19.8) / 149.0) && close(g[1].model, 0.3) && close(g[3].model, 0.46));
        assert!(close(g[0].pooled, 0.15) && close(g[3].persistence, 0.05));
        let mae = r.mae.unwrap();
        let model = ((40.0_f64 / 149.0 - 24.8 / 149.0).abs() + 0.1 + 0.41) / 3.0;
        let pooled = ((40.0_f64 / 149.0 - 0.15).abs() + 0.05 + 0.10) / 3.0;
        let persistence = ((40.0_f64 / 149.0 - 0.05).abs() + 0.15 + 0.0) / 3.0;
        assert!((mae.model - model).abs() < 1e-12, "{} vs {model}", mae.model);
        assert!((mae.pooled - pooled).abs() < 1e-12 && (mae.persistence - persistence).abs() < 1e-12);
    }

    #[test]
    fn the_group_edges_are_inclusive_below_and_exclusive_above() {
        let nights = [night(99.0, 0.0, 0.0), night(199.0, 0.0, 0.0), night(200.0, 0.0, 0.0), night(399.0, 0.0, 0.0)];
        let r = RaidResponse::new(&nights, Split::TwoWay, &Naive { pooled: 0.0, persistence: 0.0 });
        assert_eq!(r.groups.iter().map(|g| g.nights).collect::<Vec<_>>(), [1, 1, 2, 0]);
        assert_eq!(RaidResponse::new(&[], Split::TwoWay, &Naive { pooled: 0.0, persistence: 0.0 }).mae, None);
    }
}
