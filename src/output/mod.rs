//! Where a run's files go and how they are written. Exporters only serialise; this module alone
//! decides paths. A results folder is written whole into a hidden staging folder beside it and then
//! swapped into place in one step ([`Staging`]), so a run killed at any moment leaves either the
//! previous complete set of files or the new one — never a truncated file, a mix of two runs, or
//! stale files of an earlier run beside new ones.

pub mod backtest;
pub mod compare;
pub mod console;
pub mod contest;
pub mod nights_csv;
pub mod optimise;
pub mod sensitivity;
pub mod summary_json;
pub mod sweep;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::charts::{self, ChartData};
use crate::engine::{Aggregate, NightLayout};
use crate::scenario::{Loaded, Scenario};

use crate::results::{
    BACKTEST_CSV, BACKTEST_JSON, BACKTEST_NIGHTS_CSV, CALIBRATE_CSV, CALIBRATE_JSON, CALIBRATE_NIGHTS_CSV,
    CALIBRATED_TOML, CHARTS_DIR, COMPARE_CSV, COMPARE_JSON, CONTEST_CSV, CONTEST_JSON, NIGHTS_CSV, OPTIMISE_CSV,
    OPTIMISE_JSON, POINTS_DIR, REPORT_CHARTS_DIR, REPORT_HTML, REPORT_MD, SCENARIO_TOML, SENSITIVITY_CSV,
    SENSITIVITY_JSON, SUMMARY_JSON, SWEEP_CSV, SWEEP_JSON,
};

/// What identifies a run's results.
#[derive(Clone, Debug, PartialEq)]
pub struct RunInfo {
    pub scenario_hash: String,
    pub seed: u64,
    /// Trials asked for: with `precision`, the most the run may take (the aggregate says how many
    /// it ran).
    pub trials: u64,
    pub version: String,
    /// The precision the run stops at, if one was asked for.
    pub precision: Option<crate::engine::precision::Precision>,
}

impl RunInfo {
    /// A run of this salvosim version without a precision rule.
    pub fn fixed(scenario_hash: &str, seed: u64, trials: u64) -> RunInfo {
        RunInfo {
            scenario_hash: scenario_hash.to_string(),
            seed,
            trials,
            version: env!("CARGO_PKG_VERSION").into(),
            precision: None,
        }
    }
}

/// The default results folder of a scenario: `output/<name>/`.
pub fn default_dir(scenario: &Scenario) -> PathBuf {
    Path::new("output").join(&scenario.name)
}

/// The default folder of a sweep: `output/<name>-sweep/`.
pub fn default_sweep_dir(scenario: &Scenario) -> PathBuf {
    Path::new("output").join(format!("{}-sweep", scenario.name))
}

/// The default folder of a comparison: `output/<excursion>-vs-<base>/`.
pub fn default_compare_dir(base: &Scenario, excursion: &Scenario) -> PathBuf {
    Path::new("output").join(format!("{}-vs-{}", excursion.name, base.name))
}

/// Writes compare.csv, compare.json and the comparison chart into `dir`.
pub fn write_compare(
    dir: &Path,
    sides: &compare::Sides,
    comparison: &crate::compare::Comparison,
    chart: Option<&charts::compare::CompareChart>,
) -> anyhow::Result<()> {
    let mut table = Vec::new();
    compare::csv(&mut table, comparison)?;
    let mut json = serde_json::to_vec_pretty(&compare::json(sides, comparison))?;
    json.push(b'\n');
    write_files(dir, &[(COMPARE_CSV, &table), (COMPARE_JSON, &json)])?;
    if let Some(data) = chart {
        write_chart_files(&dir.join(CHARTS_DIR), &charts::draw_compare(data)?)?;
    }
    Ok(())
}

/// The default folder of a sensitivity analysis: `output/<name>-sensitivity/`.
pub fn default_sensitivity_dir(scenario: &Scenario) -> PathBuf {
    Path::new("output").join(format!("{}-sensitivity", scenario.name))
}

/// Writes sensitivity.csv, sensitivity.json and the tornado charts of `chart_metrics` into `dir`.
pub fn write_sensitivity(
    dir: &Path,
    info: &RunInfo,
    data: &charts::tornado::TornadoData,
    chart_metrics: &[String],
) -> anyhow::Result<()> {
    let mut table = Vec::new();
    sensitivity::csv(&mut table, &data.rows)?;
    let mut json = serde_json::to_vec_pretty(&sensitivity::json(info, &data.scenario, &data.rows))?;
    json.push(b'\n');
    write_files(dir, &[(SENSITIVITY_CSV, &table), (SENSITIVITY_JSON, &json)])?;
    if !chart_metrics.is_empty() {
        write_chart_files(&dir.join(CHARTS_DIR), &charts::draw_tornadoes(data, chart_metrics)?)?;
    }
    Ok(())
}

/// The default folder of a fit (`calibrate`) or a backtest: `output/<name>-<command>/`.
pub fn default_fit_dir(scenario: &Scenario, command: &str) -> PathBuf {
    Path::new("output").join(format!("{}-{command}", scenario.name))
}

/// Writes a fit's or a backtest's files into `dir`: `calibrate.{csv,json}` for a fit alone,
/// `backtest.{csv,json}` with a test window; the calibrated scenario; and the chart.
pub fn write_fit(
    dir: &Path,
    info: &RunInfo,
    provenance: &backtest::Provenance,
    calibration: &crate::backtest::Calibration,
    test: Option<&crate::backtest::WindowResult>,
    calibrated_scenario: &str,
    charts: &[charts::Chart],
) -> anyhow::Result<()> {
    let windows: Vec<&crate::backtest::WindowResult> = std::iter::once(&calibration.window).chain(test).collect();
    let mut table = Vec::new();
    backtest::csv(&mut table, &windows)?;
    let mut nights = Vec::new();
    backtest::nights_csv(&mut nights, &windows)?;
    let mut json = serde_json::to_vec_pretty(&backtest::json(info, provenance, calibration, test))?;
    json.push(b'\n');
    let (csv_name, nights_name, json_name) = if test.is_some() {
        (BACKTEST_CSV, BACKTEST_NIGHTS_CSV, BACKTEST_JSON)
    } else {
        (CALIBRATE_CSV, CALIBRATE_NIGHTS_CSV, CALIBRATE_JSON)
    };
    let files: [(&str, &[u8]); 4] = [
        (csv_name, &table),
        (nights_name, &nights),
        (json_name, &json),
        (CALIBRATED_TOML, calibrated_scenario.as_bytes()),
    ];
    write_files(dir, &files)?;
    if !charts.is_empty() {
        write_chart_files(&dir.join(CHARTS_DIR), charts)?;
    }
    Ok(())
}

/// Writes optimise.json, optimise.csv and the optimiser's charts into `dir`.
pub fn write_optimise(
    dir: &Path,
    info: &RunInfo,
    asked: &optimise::Asked,
    solution: &crate::optimise::Solution,
    frontier: Option<(&crate::optimise::Metric, &[optimise::FrontierPoint])>,
    charts: &[charts::Chart],
) -> anyhow::Result<()> {
    let mut table = Vec::new();
    optimise::csv(&mut table, asked, &solution.search.evaluations)?;
    let mut json = serde_json::to_vec_pretty(&optimise::json(info, asked, solution, frontier))?;
    json.push(b'\n');
    write_files(dir, &[(OPTIMISE_JSON, &json), (OPTIMISE_CSV, &table)])?;
    if !charts.is_empty() {
        write_chart_files(&dir.join(CHARTS_DIR), charts)?;
    }
    Ok(())
}

/// Writes a contest's files into `dir`: contest.json, contest.csv and the charts.
pub fn write_contest(
    dir: &Path,
    info: &RunInfo,
    contest: &crate::contest::Contest,
    outcome: &crate::contest::Outcome,
    curves: &contest::Curves,
    charts: &[charts::Chart],
) -> anyhow::Result<()> {
    let mut table = Vec::new();
    contest::csv(&mut table, contest, outcome)?;
    let mut json = serde_json::to_vec_pretty(&contest::json(info, contest, outcome, curves))?;
    json.push(b'\n');
    write_files(dir, &[(CONTEST_JSON, &json), (CONTEST_CSV, &table)])?;
    if !charts.is_empty() {
        write_chart_files(&dir.join(CHARTS_DIR), charts)?;
    }
    Ok(())
}

/// Whether `dir` is a folder on another file system than its parent's.
fn is_mount_point(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        match (fs::metadata(dir), fs::metadata(parent)) {
            (Ok(d), Ok(p)) => d.is_dir() && (d.dev() != p.dev() || d.ino() == p.ino()),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        false
    }
}

/// The folder of grid point `index` inside a sweep folder.
pub fn point_dir(dir: &Path, index: usize) -> PathBuf {
    dir.join(POINTS_DIR).join(format!("{index:03}"))
}

/// A finished sweep, run here or merged from shards.
pub struct SweepRun<'a> {
    pub base: &'a Loaded,
    pub axes: &'a [crate::sweep::Axis],
    pub points: &'a [crate::sweep::Point],
    pub aggregates: &'a [Aggregate],
    pub info: RunInfo,
}

/// Writes a sweep's folder into `dir` (a staging folder): each point's results, sweep.csv,
/// sweep.json and, if `charts`, the charts (axes labelled by `labels`, `PATH=TEXT` pairs, over
/// the built-in words). Returns the table of sweep.csv. What `salvosim sweep` and the Python
/// package's `save` both write.
pub fn write_sweep_run(
    dir: &Path,
    finished: &SweepRun,
    labels: &[(String, String)],
    charts: bool,
) -> anyhow::Result<Vec<crate::sweep::PointMetrics>> {
    for (index, (point, aggregate)) in finished.points.iter().zip(finished.aggregates).enumerate() {
        let point_info = RunInfo { scenario_hash: point.loaded.hash.clone(), ..finished.info.clone() };
        write_results(&point_dir(dir, index), &point_info, &point.loaded, aggregate)?;
    }
    let table = sweep_table(finished);
    let base = &finished.base.scenario;
    let names = crate::scenario::labels::Names::of(base);
    let chart_data = charts::sweep::SweepData {
        scenario: base.name.clone(),
        trials: finished.info.trials,
        seed: finished.info.seed,
        version: finished.info.version.clone(),
        layers: base.layers.iter().map(|l| l.name.clone()).collect(),
        axes: finished
            .axes
            .iter()
            .map(|a| (crate::scenario::labels::label_with(&a.path, labels, &names), a.values.clone()))
            .collect(),
        names,
        points: table.clone(),
    };
    let notes = crate::sweep::notes(base, finished.axes);
    write_sweep(dir, &finished.info, &base.name, finished.axes, &notes, &table, charts.then_some(&chart_data))?;
    Ok(table)
}

/// sweep.csv and sweep.json, as written into a sweep's folder.
pub fn sweep_bytes(
    info: &RunInfo,
    scenario: &str,
    axes: &[crate::sweep::Axis],
    notes: &[Option<String>],
    points: &[crate::sweep::PointMetrics],
) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let mut table = Vec::new();
    sweep::csv(&mut table, axes, points)?;
    let mut json = serde_json::to_vec_pretty(&sweep::json(info, scenario, axes, notes, points))?;
    json.push(b'\n');
    Ok((table, json))
}

/// Each point's values and metrics: the rows of sweep.csv.
pub fn sweep_table(finished: &SweepRun) -> Vec<crate::sweep::PointMetrics> {
    finished
        .points
        .iter()
        .zip(finished.aggregates)
        .map(|(point, aggregate)| (point.values.clone(), crate::sweep::metrics(&point.loaded.scenario, aggregate)))
        .collect()
}

/// Writes sweep.csv, sweep.json and the sweep charts into `dir`.
pub fn write_sweep(
    dir: &Path,
    info: &RunInfo,
    scenario: &str,
    axes: &[crate::sweep::Axis],
    notes: &[Option<String>],
    points: &[crate::sweep::PointMetrics],
    charts: Option<&charts::sweep::SweepData>,
) -> anyhow::Result<()> {
    let (table, json) = sweep_bytes(info, scenario, axes, notes, points)?;
    write_files(dir, &[(SWEEP_CSV, &table), (SWEEP_JSON, &json)])?;
    if let Some(data) = charts {
        write_chart_files(&dir.join(CHARTS_DIR), &charts::draw_sweep(data)?)?;
    }
    Ok(())
}

/// A results folder being written: files go into a hidden staging folder beside the target, and
/// [`Staging::commit`] swaps it into place atomically. Dropped uncommitted, it removes itself.
pub struct Staging {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

/// Why a folder cannot take results: bad input (exit 2), found before anything runs.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct UnusableFolder {
    pub path: PathBuf,
    pub problem: String,
}

/// What a write may replace of a results folder already at its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replace {
    /// An earlier result of the same command, named by the file it writes (`summary.json` for a
    /// run): a folder that also holds a report, or another command's results, is a briefing pack
    /// or someone's study, and is refused with the list of what would go.
    Same(&'static str),
    /// Anything salvosim wrote: `--replace`, and `report` and `plot`, which update a folder in
    /// place (they copy its files into the new one first).
    Anything,
}

/// The files that say which command wrote a results folder, and its report: what a re-run
/// must not sweep away unasked.
const PRECIOUS: [&str; 10] = [
    crate::results::SUMMARY_JSON,
    crate::results::SWEEP_JSON,
    crate::results::SENSITIVITY_JSON,
    crate::results::COMPARE_JSON,
    crate::results::OPTIMISE_JSON,
    crate::results::CONTEST_JSON,
    crate::results::CALIBRATE_JSON,
    crate::results::BACKTEST_JSON,
    crate::results::REPORT_HTML,
    crate::results::REPORT_MD,
];

impl Staging {
    /// Checks that `target` is new, empty or an earlier salvosim result that `replace` allows
    /// replacing, and opens a staging folder.
    pub fn begin(target: &Path, replace: Replace) -> Result<Staging, UnusableFolder> {
        let unusable = |problem: String| UnusableFolder { path: target.to_path_buf(), problem };
        // The swap replaces the folder's entry in its parent: a link would be replaced by a folder
        // (its target left stale), and a mount point cannot be swapped at all (after the run).
        if fs::symlink_metadata(target).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(unusable(
                "is a symbolic link; results replace the whole folder, so give the folder it points to or a new one"
                    .into(),
            ));
        }
        if is_mount_point(target) {
            return Err(unusable(
                "is a mount point, which cannot be replaced; give a folder inside it or a new one".into(),
            ));
        }
        if target.exists() {
            let entries = fs::read_dir(target).map_err(|e| unusable(format!("cannot be read as a folder: {e}")))?;
            let mut names: Vec<String> = Vec::new();
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().to_string();
                if !crate::results::OWN_ENTRIES.contains(&name.as_str()) {
                    return Err(unusable(format!(
                        "holds `{name}`, which salvosim did not write; results replace the whole folder, so choose a new or empty one"
                    )));
                }
                names.push(name);
            }
            if let Replace::Same(own) = replace {
                names.sort();
                let kept: Vec<&str> =
                    names.iter().map(String::as_str).filter(|n| PRECIOUS.contains(n) && n != &own).collect();
                if !kept.is_empty() {
                    return Err(unusable(format!(
                        "holds {}, which this command would remove (results replace the whole folder): give \
                         --replace to remove it, or --out a new folder",
                        described(&kept)
                    )));
                }
            }
        }
        let name =
            target.file_name().ok_or_else(|| unusable("is not a folder name".into()))?.to_string_lossy().to_string();
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(|e| unusable(format!("cannot create its parent folder: {e}")))?;
        remove_leftovers(parent, &name);
        let staging = parent.join(format!("{}{}", staging_prefix(&name), StagingOwner::this_process().tag()));
        fs::create_dir(&staging).map_err(|e| unusable(format!("cannot create a staging folder beside it: {e}")))?;
        Ok(Staging { target: target.to_path_buf(), staging, committed: false })
    }

    /// Where to write the files.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Swaps the staging folder into place, exchanging it with an earlier result that is then
    /// removed.
    pub fn commit(mut self) -> io::Result<()> {
        if self.target.exists() {
            pause_point("written");
            exchange(&self.staging, &self.target)?;
            pause_point("swapped");
            fs::remove_dir_all(&self.staging)?;
        } else {
            fs::rename(&self.staging, &self.target)?;
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// What the precious files found stand for, for the refusal's message: "a report (report.html,
/// report.md) and sweep results (sweep.json)".
fn described(files: &[&str]) -> String {
    let report: Vec<&str> = files.iter().copied().filter(|f| f.starts_with("report.")).collect();
    let mut words: Vec<String> = Vec::new();
    if !report.is_empty() {
        words.push(format!("a report ({})", report.join(", ")));
    }
    for f in files.iter().filter(|f| !f.starts_with("report.")) {
        words.push(match *f {
            crate::results::SUMMARY_JSON => format!("a run's results ({f})"),
            other => format!("{} results ({other})", other.trim_end_matches(".json")),
        });
    }
    match words.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Test hook for tests/atomic.rs: with `SALVOSIM_TEST_PAUSE_AT` set to a point of [`Staging::commit`] —
/// `written` (every file staged, nothing swapped) or `swapped` (the new set in place, the old one
/// not yet removed) — the run stops there for a minute, so a test can kill it at exactly that
/// moment. Unset, it costs one environment lookup per run.
fn pause_point(point: &str) {
    if std::env::var_os("SALVOSIM_TEST_PAUSE_AT").is_some_and(|p| p == point) {
        std::thread::sleep(std::time::Duration::from_secs(60));
    }
}

/// How long another host's staging folder is left alone: a run there may still be writing it (on a
/// cluster's shared filesystem this host cannot tell whether that process lives).
const FOREIGN_STAGING_AGE: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Staging folders of `parent/name` start with this; the owner's tag follows.
fn staging_prefix(name: &str) -> String {
    format!(".{name}.staging-")
}

/// Who made a staging folder: process id, a random suffix (a recycled pid never reuses a live
/// run's name) and host, tagged `<pid>-<suffix hex>-<host>`.
#[derive(Debug, PartialEq, Eq)]
struct StagingOwner {
    pid: i32,
    suffix: u64,
    host: String,
}

impl StagingOwner {
    fn this_process() -> StagingOwner {
        use std::hash::{BuildHasher, Hasher};
        // RandomState is seeded from the OS's randomness: a fresh suffix per run.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        StagingOwner { pid: std::process::id() as i32, suffix: hasher.finish(), host: host_name() }
    }

    fn tag(&self) -> String {
        format!("{}-{:016x}-{}", self.pid, self.suffix, self.host)
    }

    fn parse(tag: &str) -> Option<StagingOwner> {
        let mut parts = tag.splitn(3, '-');
        let pid = parts.next()?.parse().ok()?;
        let suffix = u64::from_str_radix(parts.next()?, 16).ok()?;
        Some(StagingOwner { pid, suffix, host: parts.next()?.to_string() })
    }

    /// Whether the owner is known to be gone: it ran on this host and no such process exists.
    /// A process of another user (`EPERM`) is alive; another host's process cannot be asked.
    fn is_gone(&self) -> bool {
        if self.host != host_name() {
            return false;
        }
        // SAFETY: kill with signal 0 only asks whether the process exists.
        unsafe { libc::kill(self.pid, 0) != 0 && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH) }
    }
}

/// This machine's host name, with anything but letters, digits, `.` and `-` replaced by `_`.
fn host_name() -> String {
    let mut buffer = [0u8; 256];
    // SAFETY: gethostname writes at most `len` bytes into the buffer we own.
    let ok = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) } == 0;
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    let name = if ok { String::from_utf8_lossy(&buffer[..end]).into_owned() } else { String::new() };
    let clean: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect();
    if clean.is_empty() { "unknown-host".into() } else { clean }
}

/// Removes staging folders left beside `parent/name` by runs that were killed before finishing:
/// those of a process on this host that no longer exists, and any other (another host's, or one
/// whose name does not parse) once it is older than [`FOREIGN_STAGING_AGE`].
fn remove_leftovers(parent: &Path, name: &str) {
    let prefix = staging_prefix(name);
    let Ok(entries) = fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let entry_name = entry.file_name().to_string_lossy().to_string();
        let Some(tag) = entry_name.strip_prefix(&prefix) else { continue };
        let stale = match StagingOwner::parse(tag) {
            Some(owner) if owner.host == host_name() => owner.is_gone(),
            _ => entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified.elapsed().is_ok_and(|age| age > FOREIGN_STAGING_AGE)),
        };
        if stale {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Atomically exchanges two folders (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c =
        |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e));
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both pointers are valid NUL-terminated strings for the duration of the call.
    let rc = unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// Elsewhere: the old folder moves aside, the new one in (a short window with no folder there).
#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    let aside = a.with_extension("old");
    fs::rename(b, &aside)?;
    fs::rename(a, b)?;
    fs::rename(&aside, a)
}

/// Writes bytes to each `dir/name`, creating `dir`.
fn write_files(dir: &Path, files: &[(&str, &[u8])]) -> anyhow::Result<()> {
    use anyhow::Context;
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, bytes) in files {
        let path = dir.join(name);
        fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// The default folder of a run's shard files: `output/<name>-shards/`.
pub fn default_shard_dir(scenario: &Scenario) -> PathBuf {
    Path::new("output").join(format!("{}-shards", scenario.name))
}

/// Writes one shard file into `dir` under a temporary name, then renames it into place: shards of
/// one run share the folder, each written by its own job.
pub fn write_shard(dir: &Path, name: &str, shard: &crate::shard::ShardFile) -> anyhow::Result<PathBuf> {
    use anyhow::Context;
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(name);
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let bytes = serde_json::to_vec(shard)?;
    fs::write(&temporary, bytes).and_then(|_| fs::rename(&temporary, &path)).with_context(|| {
        let _ = fs::remove_file(&temporary);
        format!("cannot write {}", path.display())
    })?;
    Ok(path)
}

/// Copies a saved run's files into `dir`, for redrawing its charts or writing its report anew:
/// summary.json and nights.csv, and the scenario file and each of `also` (files or folders of
/// files) where the run has them.
pub fn copy_results(from: &Path, dir: &Path, also: &[&str]) -> anyhow::Result<()> {
    use anyhow::Context;
    for &name in [SUMMARY_JSON, NIGHTS_CSV, SCENARIO_TOML].iter().chain(also) {
        let (source, copy) = (from.join(name), dir.join(name));
        let copied = if source.is_dir() { copy_folder(&source, &copy) } else { fs::copy(&source, &copy).map(drop) };
        match copied {
            Err(e) if e.kind() == io::ErrorKind::NotFound && ![SUMMARY_JSON, NIGHTS_CSV].contains(&name) => {}
            result => result.with_context(|| format!("cannot copy {}", source.display()))?,
        }
    }
    Ok(())
}

/// Copies the files of folder `from` (no subfolders) into a new folder `to`.
fn copy_folder(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let path = entry?.path();
        fs::copy(&path, to.join(path.file_name().unwrap_or_default()))?;
    }
    Ok(())
}

/// Writes summary.json, nights.csv and the scenario file as run into `dir`, creating it if needed.
pub fn write_results(dir: &Path, info: &RunInfo, loaded: &Loaded, aggregate: &Aggregate) -> anyhow::Result<()> {
    let (summary, nights) = results_bytes(info, loaded, aggregate)?;
    write_files(dir, &[(SUMMARY_JSON, &summary), (NIGHTS_CSV, &nights), (SCENARIO_TOML, loaded.source.as_bytes())])
}

/// summary.json and nights.csv of a run, as written into its folder.
pub fn results_bytes(info: &RunInfo, loaded: &Loaded, aggregate: &Aggregate) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let scenario = &loaded.scenario;
    let mut summary = serde_json::to_vec_pretty(&summary_json::summary(info, scenario, &loaded.sets, aggregate))?;
    summary.push(b'\n');
    let mut nights = Vec::new();
    nights_csv::write(&mut nights, &NightLayout::new(scenario), aggregate, &scenario.plan.dates)?;
    Ok((summary, nights))
}

/// Writes a run's folder into `dir` (a staging folder): its results, its charts unless
/// `charts` is false, and its report if `report` (which draws the charts either way). What
/// `salvosim run` and the Python package's `save` both write.
pub fn write_run(
    dir: &Path,
    info: &RunInfo,
    loaded: &Loaded,
    aggregate: &Aggregate,
    charts: bool,
    report: bool,
) -> anyhow::Result<()> {
    write_results(dir, info, loaded, aggregate)?;
    if charts || report {
        write_charts(dir, &ChartData::load(dir)?)?;
    }
    if report {
        let sources = crate::report::Sources {
            run: dir,
            sensitivity: None,
            sweep: None,
            optimise: None,
            compare: None,
            contest: None,
        };
        write_report(dir, &crate::report::build(&sources)?)?;
    }
    Ok(())
}

/// Writes a report's pages and its PNG charts into `dir`.
pub fn write_report(dir: &Path, report: &crate::report::Report) -> anyhow::Result<()> {
    write_files(dir, &[(REPORT_HTML, report.html.as_bytes()), (REPORT_MD, report.markdown.as_bytes())])?;
    let pngs: Vec<(&str, &[u8])> = report.pngs.iter().map(|(name, png)| (name.as_str(), png.as_slice())).collect();
    write_files(&dir.join(REPORT_CHARTS_DIR), &pngs)
}

/// Draws every chart from `data` and writes `dir/charts/<name>.svg` and `.png`; returns the folder.
pub fn write_charts(dir: &Path, data: &ChartData) -> anyhow::Result<PathBuf> {
    let folder = dir.join(CHARTS_DIR);
    write_chart_files(&folder, &charts::draw_all(data)?)?;
    Ok(folder)
}

/// Writes each chart as `<name>.svg` and `<name>.png` into `folder`.
fn write_chart_files(folder: &Path, charts: &[charts::Chart]) -> anyhow::Result<()> {
    let names: Vec<(String, String)> =
        charts.iter().map(|c| (format!("{}.svg", c.name), format!("{}.png", c.name))).collect();
    let files: Vec<(&str, &[u8])> = charts
        .iter()
        .zip(&names)
        .flat_map(|(c, (svg, png))| [(svg.as_str(), c.svg.as_bytes()), (png.as_str(), c.png.as_slice())])
        .collect();
    write_files(folder, &files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_owner_tags_round_trip_with_dashes_in_the_host() {
        let owner = StagingOwner { pid: 4242, suffix: 0xdead_beef, host: "node-17.cluster".into() };
        assert_eq!(StagingOwner::parse(&owner.tag()), Some(owner));
        assert_eq!(StagingOwner::parse("1234"), None, "the old pid-only names do not parse");
    }

    #[test]
    fn two_stagings_of_one_process_get_different_names() {
        assert_ne!(StagingOwner::this_process().tag(), StagingOwner::this_process().tag());
    }

    #[test]
    fn this_process_is_not_gone_and_another_host_is_never_asked() {
        assert!(!StagingOwner::this_process().is_gone());
        let elsewhere = StagingOwner { pid: i32::MAX, suffix: 1, host: format!("not-{}", host_name()) };
        assert!(!elsewhere.is_gone());
    }
}
