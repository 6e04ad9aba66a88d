//! Shards: one run split into pieces for a cluster (a Slurm job array runs one shard per task),
//! and merged back into exactly — byte for byte — the result one machine would have produced.
//!
//! A shard runs whole units of work — chunks of trials (see [`engine::CHUNK_BLOCKS`]), of the run
//! or of each sweep point — and saves their aggregates unmerged, with everything needed to check
//! that shards belong together and to rebuild the scenario: its source text, `--set`s and
//! `--vary`s, hash, seed, trials, shard count and index, version.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::precision::Precision;
use crate::engine::{self, Aggregate};
use crate::scenario::{self, InputError, Loaded, Override};
use crate::sweep::{self, Axis, Point};

/// Identifies the shard file format.
pub const FORMAT: &str = "salvosim-shard-4";

/// Most shards one run may be split into.
pub const MAX_SHARDS: u64 = 100_000;

/// Shard `index` of `count` (0-based, as Slurm's `SLURM_ARRAY_TASK_ID`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardSpec {
    pub index: u64,
    pub count: u64,
}

impl ShardSpec {
    /// Parses `K/N` with 0 <= K < N.
    pub fn parse(text: &str) -> Result<ShardSpec, InputError> {
        let err = || {
            InputError::argument(
                format!("--shard {text}"),
                format!(
                    "expected K/N with 0 <= K < N <= {MAX_SHARDS}, e.g. 0/4 (K counts from 0, like SLURM_ARRAY_TASK_ID)"
                ),
            )
        };
        let (k, n) = text.split_once('/').ok_or_else(err)?;
        let (index, count) = (k.trim().parse::<u64>().map_err(|_| err())?, n.trim().parse::<u64>().map_err(|_| err())?);
        if count == 0 || count > MAX_SHARDS || index >= count {
            return Err(err());
        }
        Ok(ShardSpec { index, count })
    }

    /// The units this shard runs of `total`; shards split them as evenly as they can.
    pub fn units(&self, total: u64) -> std::ops::Range<u64> {
        total * self.index / self.count..total * (self.index + 1) / self.count
    }

    pub fn file_name(&self) -> String {
        format!("shard-{:05}-of-{:05}.json", self.index, self.count)
    }
}

/// One unit of sharded work: chunk `chunk` (of [`engine::CHUNK_BLOCKS`] blocks of trials) of grid
/// point `point`; point 0 for a plain run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub point: u64,
    pub chunk: u64,
}

impl Unit {
    /// Unit `index` of a run or sweep of `trials` trials a point, counted point by point.
    pub fn at(index: u64, trials: u64) -> Unit {
        let chunks = engine::chunk_count(trials);
        Unit { point: index / chunks, chunk: index % chunks }
    }
}

/// A unit of work done: which unit, and the aggregate of its trials (not yet merged).
#[derive(Debug, Serialize, Deserialize)]
pub struct UnitResult {
    pub unit: Unit,
    pub aggregate: Aggregate,
    /// With a precision target, in a point's first chunk: the folds of its blocks at each
    /// checkpoint ([`engine::is_checkpoint`]), so that `merge` stops where the unsharded run would.
    pub checkpoints: Vec<Aggregate>,
}

/// Runs units `units` of a run (one scenario) or sweep (one scenario a point), in order: one
/// shard's work; with `checkpoints`, keeping the folds a precision target is judged on.
pub fn run_units(
    scenarios: &[&scenario::Scenario],
    trials: u64,
    seed: u64,
    units: std::ops::Range<u64>,
    progress: &dyn engine::Progress,
    checkpoints: bool,
) -> Result<Vec<UnitResult>, engine::Cancelled> {
    units
        .map(|index| {
            let unit = Unit::at(index, trials);
            let scenario = scenarios[unit.point as usize];
            let (aggregate, checkpoints) = if checkpoints {
                engine::run_chunk_with_checkpoints(scenario, trials, seed, unit.chunk, progress)?
            } else {
                let mut aggregates = engine::run_chunks(scenario, trials, seed, unit.chunk..unit.chunk + 1, progress)?;
                (aggregates.remove(0), Vec::new())
            };
            Ok(UnitResult { unit, aggregate, checkpoints })
        })
        .collect()
}

/// A point's aggregate from its units in chunk order, stopped where `precision` is first reached
/// at a checkpoint, as [`engine::run_until`] stops: inside the first chunk from its recorded folds,
/// then at each chunk boundary short of the run's end.
fn merge_until(scenario: &scenario::Scenario, units: &[&UnitResult], trials: u64, precision: &Precision) -> Aggregate {
    if let Some(fold) = units[0].checkpoints.iter().find(|fold| precision.reached(fold)) {
        return fold.clone();
    }
    let blocks = trials.div_ceil(engine::BLOCK_TRIALS);
    let mut total = Aggregate::new(scenario, &engine::NightLayout::new(scenario));
    for (chunk, unit) in units.iter().enumerate() {
        total.merge(&unit.aggregate);
        let done = (chunk as u64 + 1) * engine::CHUNK_BLOCKS;
        if chunk >= 1 && done < blocks && engine::is_checkpoint(done) && precision.reached(&total) {
            break;
        }
    }
    total
}

/// Trials in units `units` of a run or sweep of `trials` trials a point.
pub fn trials_in(units: std::ops::Range<u64>, trials: u64) -> u64 {
    units.map(|index| engine::chunk_trials(trials, Unit::at(index, trials).chunk)).sum()
}

/// What a shard file holds.
#[derive(Debug, Serialize, Deserialize)]
pub struct ShardFile {
    pub format: String,
    pub version: String,
    pub scenario_name: String,
    pub scenario_hash: String,
    /// The scenario's path as given, for messages.
    pub scenario_file: String,
    pub scenario_source: String,
    pub sets: Vec<String>,
    pub seed: u64,
    pub trials: u64,
    pub shards: u64,
    pub shard: u64,
    /// The sweep's `--vary` arguments; empty for a run.
    pub vary: Vec<String>,
    /// The precision the run stops at, if one was asked for.
    pub precision: Option<Precision>,
    /// This shard's units, in order.
    pub units: Vec<UnitResult>,
}

impl ShardFile {
    pub fn new(
        loaded: &Loaded,
        vary: &[String],
        seed: u64,
        trials: u64,
        spec: ShardSpec,
        units: Vec<UnitResult>,
        precision: Option<Precision>,
    ) -> Self {
        ShardFile {
            format: FORMAT.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            scenario_name: loaded.scenario.name.clone(),
            scenario_hash: loaded.hash.clone(),
            scenario_file: loaded.file.display().to_string(),
            scenario_source: loaded.source.clone(),
            sets: loaded.sets.clone(),
            seed,
            trials,
            shards: spec.count,
            shard: spec.index,
            vary: vary.to_vec(),
            units,
            precision,
        }
    }
}

/// A merged run or sweep: its base scenario, the sweep's axes and points (none for a run), one
/// aggregate per point (one for a run), and the seed and trials it was run with.
pub struct Merged {
    pub loaded: Loaded,
    pub axes: Vec<Axis>,
    pub points: Vec<Point>,
    pub aggregates: Vec<Aggregate>,
    pub seed: u64,
    pub trials: u64,
    pub precision: Option<Precision>,
}

fn refuse(file: &Path, problem: String) -> InputError {
    InputError::file(file, None, problem)
}

/// A shard file's format tag alone: read first, so that a file of another format is named as such
/// rather than failing on whatever part of its body changed.
#[derive(Deserialize)]
struct FormatTag {
    format: String,
}

/// Largest shard file read: 4 GiB (a shard holds ~23 KB a night of the baseline's series, so a
/// campaign of 100,000 nights, the most a scenario may have, writes ~2.3 GB).
pub const MAX_SHARD_BYTES: u64 = 4 << 30;

fn read(file: &Path) -> Result<ShardFile, InputError> {
    let bytes =
        crate::input_file::read(file, MAX_SHARD_BYTES, "shard file").map_err(|problem| refuse(file, problem))?;
    let not_a_shard = |e: serde_json::Error| refuse(file, format!("is not a salvosim shard file: {e}"));
    let tag: FormatTag = serde_json::from_slice(&bytes).map_err(not_a_shard)?;
    if tag.format != FORMAT {
        return Err(refuse(file, format!("has format `{}`; this salvosim reads `{FORMAT}`", tag.format)));
    }
    serde_json::from_slice(&bytes).map_err(not_a_shard)
}

/// Reads shard files, checks that they are all the shards of one run, and merges them.
pub fn merge(files: &[PathBuf]) -> Result<Merged, InputError> {
    let shards = files.iter().map(|f| read(f).map(|s| (f.clone(), s))).collect::<Result<Vec<_>, _>>()?;
    let Some((first_file, first)) = shards.first() else {
        return Err(InputError::argument("merge", "no shard files given"));
    };
    for (file, shard) in &shards {
        let differs = [
            (
                "salvosim version",
                shard.version != env!("CARGO_PKG_VERSION"),
                shard.version.clone(),
                env!("CARGO_PKG_VERSION").to_string(),
            ),
            (
                "scenario",
                shard.scenario_hash != first.scenario_hash,
                shard.scenario_hash[..12].to_string(),
                first.scenario_hash[..12].to_string(),
            ),
            ("seed", shard.seed != first.seed, shard.seed.to_string(), first.seed.to_string()),
            ("trials", shard.trials != first.trials, shard.trials.to_string(), first.trials.to_string()),
            ("shard count", shard.shards != first.shards, shard.shards.to_string(), first.shards.to_string()),
            ("sweep", shard.vary != first.vary, format!("{:?}", shard.vary), format!("{:?}", first.vary)),
            (
                "precision",
                shard.precision != first.precision,
                format!("{:?}", shard.precision),
                format!("{:?}", first.precision),
            ),
        ];
        if let Some((what, _, theirs, ours)) = differs.into_iter().find(|d| d.1) {
            let reference =
                if what == "salvosim version" { "this salvosim".to_string() } else { first_file.display().to_string() };
            return Err(refuse(
                file,
                format!("does not belong with the others: {what} {theirs}, but {ours} in {reference}"),
            ));
        }
    }
    if first.shards == 0 || first.shards > MAX_SHARDS {
        return Err(refuse(
            first_file,
            format!("says it is one of {} shards; a run has 1 to {MAX_SHARDS}", first.shards),
        ));
    }
    let mut by_index: Vec<Option<&(PathBuf, ShardFile)>> = vec![None; first.shards as usize];
    for entry in &shards {
        if entry.1.shard >= first.shards {
            return Err(refuse(
                &entry.0,
                format!(
                    "says it is shard {} of {}: shards are numbered 0 to {}",
                    entry.1.shard,
                    first.shards,
                    first.shards - 1
                ),
            ));
        }
        let slot = &mut by_index[entry.1.shard as usize];
        if let Some((other, _)) = slot {
            return Err(refuse(&entry.0, format!("is shard {} again (also {})", entry.1.shard, other.display())));
        }
        *slot = Some(entry);
    }
    let missing: Vec<String> =
        by_index.iter().enumerate().filter(|(_, s)| s.is_none()).map(|(i, _)| i.to_string()).collect();
    if !missing.is_empty() {
        return Err(InputError::argument(
            "merge",
            format!("missing shard(s) {} of {}", missing.join(", "), first.shards),
        ));
    }
    let sets = first.sets.iter().map(|s| Override::parse(s)).collect::<Result<Vec<_>, _>>()?;
    let loaded = crate::replay::parse(&first.scenario_source, Path::new(&first.scenario_file), &sets)?;
    if loaded.hash != first.scenario_hash {
        return Err(refuse(first_file, "its scenario text does not match its scenario hash".into()));
    }
    let axes = first.vary.iter().map(|v| Axis::parse(v)).collect::<Result<Vec<_>, _>>()?;
    let points = if axes.is_empty() { Vec::new() } else { sweep::points(&loaded, &axes)? };
    let chunks = engine::chunk_count(first.trials);
    let units: Vec<&UnitResult> = by_index.iter().flatten().flat_map(|(_, s)| s.units.iter()).collect();
    // Shards hold consecutive units: every chunk of every point, point by point, once.
    let expected =
        (0..points.len().max(1) as u64).flat_map(|point| (0..chunks).map(move |chunk| Unit { point, chunk }));
    if !units.iter().map(|u| u.unit).eq(expected) {
        return Err(refuse(first_file, "the shards do not hold every chunk of the run exactly once".into()));
    }
    // Every count a shard carries must be what its chunk can hold before it is folded in.
    let holder = |unit: &Unit| {
        by_index.iter().flatten().find(|(_, s)| s.units.iter().any(|u| u.unit == *unit)).map_or(first_file, |(f, _)| f)
    };
    for u in &units {
        let scenario = points.get(u.unit.point as usize).map_or(&loaded.scenario, |p| &p.loaded.scenario);
        let trials = engine::chunk_trials(first.trials, u.unit.chunk);
        let exact = first.precision.is_none();
        let checked = u
            .aggregate
            .check(scenario, trials, exact)
            .and_then(|()| u.checkpoints.iter().try_for_each(|a| a.check(scenario, trials, false)));
        if let Err(problem) = checked {
            let at = format!("point {} chunk {}", u.unit.point, u.unit.chunk);
            return Err(refuse(holder(&u.unit), format!("is not a shard this salvosim wrote: {at} {problem}")));
        }
    }
    let aggregates = units
        .chunks(chunks as usize)
        .enumerate()
        .map(|(point, units)| {
            let scenario = points.get(point).map_or(&loaded.scenario, |p| &p.loaded.scenario);
            match &first.precision {
                Some(precision) => merge_until(scenario, units, first.trials, precision),
                None => {
                    let aggregates: Vec<Aggregate> = units.iter().map(|u| u.aggregate.clone()).collect();
                    engine::merge_chunks(scenario, &aggregates)
                }
            }
        })
        .collect();
    let precision = first.precision.clone();
    Ok(Merged { loaded, axes, points, aggregates, seed: first.seed, trials: first.trials, precision })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_the_chunks_without_gaps() {
        for trials in [1, 999, 64_000, 64_001, 1_000_000] {
            for count in [1, 2, 3, 7, 40] {
                let specs: Vec<ShardSpec> = (0..count).map(|index| ShardSpec { index, count }).collect();
                let total = engine::chunk_count(trials) * 3;
                let mut next = 0;
                for spec in &specs {
                    let units = spec.units(total);
                    assert_eq!(units.start, next);
                    next = units.end;
                }
                assert_eq!(next, total);
            }
        }
    }

    #[test]
    fn shard_specs_are_checked() {
        assert_eq!(ShardSpec::parse("2/4").unwrap(), ShardSpec { index: 2, count: 4 });
        for bad in ["4/4", "1/0", "x/2", "3", "-1/2"] {
            assert!(ShardSpec::parse(bad).unwrap_err().to_string().contains("expected K/N"), "{bad}");
        }
    }
}
