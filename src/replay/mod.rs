//! The record replayed: the scenario's defence against real raids, one night per report — a
//! campaign whose `raid.record` names a window of the data, or a month of a fit or backtest — and
//! what the simulated Shahed-type drones (threats of kind "drone") met.

use rayon::prelude::*;

use crate::engine::{NightLayout, TrialRecord, Workspace, simulate};
use std::path::Path;

use crate::record::{Fates, Month, MonthRecord, Outcome, Raid, Record, Split};
use crate::scenario::{self, Date, InputError, Kind, Loaded, MAX_RAID, NightInputs, Override, Param, Scenario};

/// The threat kind the record's Shahed-type counts stand for.
pub const DRONE_KIND: &str = "drone";

/// `base` with one night per raid in `raids`: night `i`'s raid size is set so that its expected
/// number of threats of kind "drone" is `raids[i]`'s (the raid divided by the drones' mean share of
/// the mix), so missiles and other threats fly beside them in the scenario's proportions. A night
/// takes early warning, mix and changed fields from the phases whose dates cover its report's
/// date (a later phase wins), else the scenario's own. `Err` if the scenario has phases by night
/// number (a replay's nights are reports) or no threat of kind "drone".
pub fn replay_scenario(base: &Scenario, raids: &[Raid]) -> Result<Scenario, String> {
    if let Some(phase) = base.plan.phases.iter().find(|p| p.dates.is_none()) {
        return Err(format!(
            "phase `{}` is given by night numbers, but a replay's nights are the record's reports: give it `dates`",
            phase.name
        ));
    }
    let mix = mix_drones(base)
        .ok_or("the scenario's mix has no threat of kind \"drone\" to stand for the record's Shahed-type drones")?;
    let mut replay = base.clone();
    replay.nights = raids.len() as u32;
    replay.start_date = None;
    replay.plan.raid_size.truncate(1);
    let sizes: Vec<f64> = raids.iter().map(|raid| raid_size_for(base, raid.launched as f64, mix).round()).collect();
    if let Some((raid, size)) = raids.iter().zip(&sizes).find(|(_, size)| **size > MAX_RAID) {
        return Err(format!(
            "the report of {} ({} drones) needs a raid of {size} threats a night in this scenario's mix, more than \
             the {MAX_RAID} a night salvosim simulates",
            raid.date, raid.launched
        ));
    }
    replay.plan.raid_size.extend(sizes.iter().map(|&size| Param::constant(size, Kind::Raid)));
    replay.plan.nights = raids.iter().enumerate().map(|(i, raid)| night_inputs(base, i + 1, raid.date)).collect();
    replay.plan.dates = raids.iter().map(|r| r.date).collect();
    for phase in &mut replay.plan.phases {
        // Nights are in date order, so a phase's nights are consecutive.
        let first = raids.iter().position(|r| phase.covers(r.date));
        let last = raids.iter().rposition(|r| phase.covers(r.date));
        (phase.first, phase.last) = first.zip(last).map_or((1, 0), |(a, b)| (a as u32 + 1, b as u32 + 1));
    }
    Ok(replay)
}

/// Reads the reports a scenario's `raid.record` names (its `file` relative to the scenario file)
/// and makes them the campaign's nights; a scenario without one is left as it is.
pub fn resolve_record(loaded: &mut Loaded) -> Result<(), InputError> {
    let Some(spec) = loaded.scenario.raid.record.clone() else { return Ok(()) };
    let file = loaded.file.parent().unwrap_or(Path::new("")).join(&spec.file);
    let at = |problem: String| InputError {
        path: "raid.record".into(),
        value: None,
        ..InputError::file(&loaded.file, None, problem)
    };
    if !file.is_file() {
        let problem = format!(
            "`file` {:?}: cannot read the data file {}: it is not there. The Air Force record is not part \
             of this repository: put it there, or name where it is, relative to the scenario file",
            spec.file,
            file.display()
        );
        return Err(at(problem));
    }
    let record = Record::load(&file)?;
    let raids: Vec<Raid> = record
        .months
        .iter()
        .flat_map(|m| &m.raids)
        .filter(|r| spec.from <= r.date && r.date <= spec.to)
        .copied()
        .collect();
    if raids.is_empty() {
        let problem = format!(
            "no Shahed-type report of {} falls between {} and {}; {}",
            file.display(),
            spec.from,
            spec.to,
            record.span()
        );
        return Err(at(problem));
    }
    loaded.scenario = replay_scenario(&loaded.scenario, &raids).map_err(at)?;
    Ok(())
}

/// [`scenario::load`], then the record's nights if the scenario replays it.
pub fn load(file: &Path, sets: &[Override]) -> Result<Loaded, InputError> {
    let mut loaded = scenario::load(file, sets)?;
    resolve_record(&mut loaded)?;
    Ok(loaded)
}

/// [`scenario::parse`], then the record's nights if the scenario replays it.
pub fn parse(source: &str, file: &Path, sets: &[Override]) -> Result<Loaded, InputError> {
    let mut loaded = scenario::parse(source, file, sets)?;
    resolve_record(&mut loaded)?;
    Ok(loaded)
}

/// The inputs of replayed night `night`, from the phases whose dates cover `date`.
fn night_inputs(base: &Scenario, night: usize, date: Date) -> NightInputs {
    let mut inputs = NightInputs { raid_size: night, ..NightInputs::default() };
    for phase in base.plan.phases.iter().filter(|p| p.covers(date)) {
        inputs.early_warning = phase.early_warning.unwrap_or(inputs.early_warning);
        inputs.shares = phase.shares.unwrap_or(inputs.shares);
        inputs.variant = phase.variant.unwrap_or(inputs.variant);
    }
    inputs
}

/// Whether `base` can replay the record; `Err` says why not.
pub fn check(base: &Scenario) -> Result<(), String> {
    let date = Date::parse("2025-01-01").expect("a valid date");
    replay_scenario(base, &[Raid { date, minute: 0, launched: 1, destroyed: 0, ew: 0 }]).map(|_| ())
}

/// Whether every report of `raids` can be replayed in `base` (its raid within the size a night
/// salvosim simulates, in the scenario's mix). `Err` says which report cannot.
pub fn check_raids(base: &Scenario, raids: &[Raid]) -> Result<(), String> {
    replay_scenario(base, raids).map(|_| ())
}

/// The raid size whose expected threats of kind "drone" are `drones`. Drones that fly beside the
/// raid whatever its size (`beside`: `nightly_mean`, and `per` such a type) are taken off first;
/// then the routine parts (`per_night`, at their means) fill the raid, in file order, and the rest
/// is the mix, each of whose threats brings `per_mix` drones (its own share of drones, and those
/// launched `per` a type of the mix). A phase's own `per_night` is not looked at: for a
/// drones-only replay (every shipped one) the size is the report's count whatever the routine part.
fn raid_size_for(scenario: &Scenario, drones: f64, mix: MixDrones) -> f64 {
    let drones = (drones - mix.beside).max(0.0);
    let (mut size, mut reached) = (0.0, 0.0);
    for threat in &scenario.threats {
        let Some(per_night) = &threat.per_night else { continue };
        let routine = per_night.mean().max(0.0);
        if threat.kind == DRONE_KIND {
            if reached + routine >= drones {
                return size + (drones - reached);
            }
            reached += routine;
        }
        size += routine;
    }
    size + (drones - reached) / mix.per_mix
}

/// What a raid of the scenario's own mix brings in drones, at the parameters' means.
#[derive(Clone, Copy, Debug)]
struct MixDrones {
    /// Drones per threat drawn from the mix.
    per_mix: f64,
    /// Drones a night beside the raid, whatever its size.
    beside: f64,
}

/// [`MixDrones`] of `scenario`, if its mix brings any drone.
fn mix_drones(scenario: &Scenario) -> Option<MixDrones> {
    let shares = &scenario.plan.shares[0];
    let mean = |i: usize| shares[i].mean().max(0.0);
    let total: f64 = (0..shares.len()).map(mean).sum();
    let threats = &scenario.threats;
    let is_drone = |i: usize| threats[i].kind == DRONE_KIND;
    // Per type: its number per threat of the mix, and its number a night beside the raid.
    let own = |i: usize| -> (f64, f64) {
        let t = &threats[i];
        match (&t.per_night, &t.nightly_mean) {
            (Some(routine), _) => (0.0, routine.mean().max(0.0)),
            (_, Some(nightly)) => (0.0, nightly.mean().max(0.0)),
            _ if t.in_mix() && total > 0.0 => (mean(i) / total, 0.0),
            _ => (0.0, 0.0),
        }
    };
    let (mut per_mix, mut beside) = (0.0, 0.0);
    for (i, t) in threats.iter().enumerate().filter(|&(i, _)| is_drone(i)) {
        let (unit, fixed) = match &t.per {
            Some(rider) => {
                let (unit, fixed) = own(rider.of);
                let ratio = rider.ratio.mean().max(0.0);
                (unit * ratio, fixed * ratio)
            }
            None => own(i),
        };
        per_mix += unit;
        // A routine drone part fills the raid (see `raid_size_for`); it is not beside it.
        if t.per_night.is_none() {
            beside += fixed;
        }
    }
    (per_mix > 0.0).then_some(MixDrones { per_mix, beside })
}

/// The fates of the drones of `scenario` under `seed`, night by night: for each of `trials` trials
/// (in trial order, so the same at any thread count), one [`Fates`] a night. A night's drones
/// destroyed are the kills of every layer at threats of kind "drone", those reported as having
/// reached a target are the leakers of the drone types whose `leak_reported_as` is "reached" (the
/// default), and those lost (to EW, or flown until their fuel ran out) are the rest (conservation).
pub fn simulate_night_fates(scenario: &Scenario, trials: u64, seed: u64) -> Vec<Vec<Fates>> {
    let drones = drone_types(scenario);
    let layout = NightLayout::new(scenario);
    let drone_pairs: Vec<usize> = (0..layout.pairs.len()).filter(|&k| drones.contains(&layout.pairs[k].1)).collect();
    let width = layout.width();
    each_trial(scenario, &layout, trials, seed, |record| {
        record
            .nightly
            .chunks_exact(width)
            .map(|row| {
                let launched: f64 = drones.iter().map(|&t| row[layout.launched(t)]).sum();
                let leaked: f64 = drones
                    .iter()
                    .filter(|&&t| scenario.threats[t].leak_reported_reached)
                    .map(|&t| row[layout.leakers(t)])
                    .sum();
                let destroyed: f64 = drone_pairs.iter().map(|&k| row[layout.kills_by_threat(k)]).sum();
                Fates { launched, destroyed, ew: launched - destroyed - leaked }
            })
            .collect()
    })
}

fn drone_types(scenario: &Scenario) -> Vec<usize> {
    (0..scenario.threats.len()).filter(|&i| scenario.threats[i].kind == DRONE_KIND).collect()
}

/// `take` of every trial of `scenario` under `seed`, in trial order.
fn each_trial<T: Send>(
    scenario: &Scenario,
    layout: &NightLayout,
    trials: u64,
    seed: u64,
    take: impl Fn(&TrialRecord) -> T + Sync,
) -> Vec<T> {
    (0..trials)
        .into_par_iter()
        .map_init(
            || (Workspace::default(), TrialRecord::default()),
            |(workspace, record), trial| {
                simulate(scenario, layout, seed, trial, workspace, record);
                take(record)
            },
        )
        .collect()
}

/// The master seed of `month`'s replay under master seed `seed`: months draw unrelated streams,
/// and a month draws the same ones at every candidate of a fit (common random numbers).
pub fn month_seed(seed: u64, month: Month) -> u64 {
    seed ^ (month.ordinal() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// A predicted share: its mean over trials and its 5th and 95th percentiles.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    pub mean: f64,
    pub p5: f64,
    pub p95: f64,
}

/// The predicted share of each of `split`'s outcomes, from the trials' fates.
pub fn bands(fates: &[Fates], split: Split) -> Vec<Band> {
    split.outcomes().iter().map(|&outcome| band(fates, outcome)).collect()
}

fn band(fates: &[Fates], outcome: Outcome) -> Band {
    let mut shares: Vec<f64> = fates.iter().map(|f| f.share(outcome)).collect();
    shares.sort_by(f64::total_cmp);
    let mean = shares.iter().sum::<f64>() / shares.len().max(1) as f64;
    Band { mean, p5: quantile(&shares, 0.05), p95: quantile(&shares, 0.95) }
}

/// The `q` quantile of sorted `values`, interpolated between order statistics (0 when empty).
fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let position = q * (values.len() - 1) as f64;
    let (below, above) = (position.floor() as usize, position.ceil() as usize);
    values[below] + (values[above] - values[below]) * (position - below as f64)
}

/// A month of the record with its replay scenario and seed.
#[derive(Clone, Debug)]
pub struct ReplayMonth {
    pub record: MonthRecord,
    pub scenario: Scenario,
    pub seed: u64,
}

impl ReplayMonth {
    pub fn new(base: &Scenario, record: &MonthRecord, seed: u64) -> Result<ReplayMonth, String> {
        Ok(ReplayMonth {
            scenario: replay_scenario(base, &record.raids)?,
            record: record.clone(),
            seed: month_seed(seed, record.month),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-night scenario of a raid of 100 with `threats`, against one layer.
    fn one_night(threats: &str) -> Scenario {
        let text = format!(
            "[scenario]\nname = \"replay\"\nnights = 1\n[raid]\nsize = 100\n{threats}\
             [[layer]]\nname = \"guns\"\ndoctrine = \"salvo\"\npk = 0.5\nmax_shots = 1\ncost_per_shot = 1\n"
        );
        scenario::parse(&text, Path::new("replay.toml"), &[]).unwrap().scenario
    }

    #[test]
    fn a_routine_part_fills_the_raid_before_the_mix() {
        let s = one_night(
            r#"
[[threat]]
name = "frontline"
kind = "drone"
per_night = { uniform = [40, 80] }
unit_cost = 1
[[threat]]
name = "shahed"
kind = "drone"
share = 0.9
unit_cost = 1
[[threat]]
name = "cruise"
share = 0.1
unit_cost = 1
"#,
        );
        let mix = mix_drones(&s).unwrap();
        assert!((mix.per_mix - 0.9).abs() < 1e-12 && mix.beside == 0.0);
        // The routine part's mean is 60: a report of 40 drones is all routine, one of 150 is 60
        // routine and 90 drones of a mix that is 90 % drones.
        assert_eq!(raid_size_for(&s, 40.0, mix), 40.0);
        assert!((raid_size_for(&s, 150.0, mix) - 160.0).abs() < 1e-9);
        assert!((raid_size_for(&s, 60.0, mix) - 60.0).abs() < 1e-12);
    }

    #[test]
    fn drones_beside_the_raid_are_taken_off_the_report() {
        let s = one_night(
            r#"
[[threat]]
name = "shahed"
kind = "drone"
share = 1
unit_cost = 1
[[threat]]
name = "decoy"
kind = "drone"
decoy = true
per = { shahed = 1.5 }
unit_cost = 1
[[threat]]
name = "cruise"
nightly_mean = 4
unit_cost = 1
[[threat]]
name = "gerbera"
kind = "drone"
decoy = true
nightly_mean = 10
unit_cost = 1
"#,
        );
        let mix = mix_drones(&s).unwrap();
        // Each Shahed of the mix brings 1.5 decoys; 10 drones a night fly beside the raid.
        assert!((mix.per_mix - 2.5).abs() < 1e-12 && (mix.beside - 10.0).abs() < 1e-12);
        // A report of 260 drones: 10 beside, 250 = 100 Shaheds and their 150 decoys.
        assert!((raid_size_for(&s, 260.0, mix) - 100.0).abs() < 1e-9);
    }

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(quantile(&[0.0, 1.0, 2.0, 3.0, 4.0], 0.5), 2.0);
        assert!((quantile(&[0.0, 10.0], 0.05) - 0.5).abs() < 1e-12);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }
}
