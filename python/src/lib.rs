//! The Python package's native module, `salvosim._native`: the same library the command line
//! uses (no subprocess). Each call validates as the CLI does, runs the engine on a thread of its
//! own with the GIL released, and meanwhile polls, every 50 ms, for Python's signals (Ctrl-C
//! raises `KeyboardInterrupt` and cancels the run: nothing is written) and reports progress to a
//! Python callable. The Python layer (`salvosim/__init__.py`) turns results into dicts and
//! DataFrames.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use salvosim::engine::{self, Aggregate, Progress};
use salvosim::output::{self, Replace, RunInfo, Staging};
use salvosim::results;
use salvosim::scenario::{InputError, Loaded, Origin, Override};
use salvosim::sweep::{self, Axis, Point};

pyo3::create_exception!(
    _native,
    ScenarioError,
    PyValueError,
    "Bad scenario input: the CLI's message, with `file`, `line`, `column` and `field`."
);

/// A Python exception for bad input: ScenarioError with the CLI's message and where it is.
fn input_error(py: Python<'_>, error: &InputError) -> PyErr {
    let err = ScenarioError::new_err(error.to_string());
    let value = err.value(py);
    let (file, line_col) = match &error.origin {
        Origin::File { file, line_col } => (Some(file.display().to_string()), *line_col),
        Origin::Argument(_) => (None, None),
    };
    let field = (!error.path.is_empty()).then(|| error.path.clone());
    // Setting attributes on a fresh exception instance cannot fail.
    let _ = value.setattr("file", file);
    let _ = value.setattr("line", line_col.map(|(l, _)| l));
    let _ = value.setattr("column", line_col.map(|(_, c)| c));
    let _ = value.setattr("field", field);
    err
}

fn run_error(error: impl std::fmt::Display) -> PyErr {
    PyRuntimeError::new_err(error.to_string())
}

/// A scenario file (or an excursion of one) with `--set`s, validated.
#[pyclass(module = "salvosim._native", frozen)]
struct Scenario {
    file: PathBuf,
    sets: Vec<String>,
    loaded: Loaded,
}

impl Scenario {
    fn load(py: Python<'_>, file: PathBuf, sets: Vec<String>) -> PyResult<Scenario> {
        let parsed: Result<Vec<Override>, InputError> = sets.iter().map(|s| Override::parse(s)).collect();
        let loaded = parsed.and_then(|overrides| salvosim::replay::load(&file, &overrides));
        loaded.map(|loaded| Scenario { file, sets, loaded }).map_err(|e| input_error(py, &e))
    }
}

#[pymethods]
impl Scenario {
    /// Loads and validates `file` with `sets` (`PATH=VALUE` strings, as `--set`).
    #[new]
    #[pyo3(signature = (file, sets = Vec::new()))]
    fn new(py: Python<'_>, file: PathBuf, sets: Vec<String>) -> PyResult<Scenario> {
        Scenario::load(py, file, sets)
    }

    /// This scenario with one more `--set`.
    fn with_set(&self, py: Python<'_>, set: String) -> PyResult<Scenario> {
        let mut sets = self.sets.clone();
        sets.push(set);
        Scenario::load(py, self.file.clone(), sets)
    }

    #[getter]
    fn file(&self) -> PathBuf {
        self.file.clone()
    }

    #[getter]
    fn sets(&self) -> Vec<String> {
        self.sets.clone()
    }

    #[getter]
    fn name(&self) -> String {
        self.loaded.scenario.name.clone()
    }

    #[getter]
    fn trials(&self) -> u64 {
        self.loaded.scenario.trials
    }

    #[getter]
    fn seed(&self) -> u64 {
        self.loaded.scenario.seed
    }

    #[getter]
    fn scenario_hash(&self) -> String {
        self.loaded.hash.clone()
    }

    /// The scenario as it runs: an excursion resolved against its bases (`validate --resolved`).
    #[getter]
    fn resolved(&self) -> String {
        self.loaded.source.clone()
    }
}

/// The engine's progress sink: a counter the polling thread reads, and a flag it sets on Ctrl-C.
struct Shared {
    done: AtomicU64,
    cancelled: AtomicBool,
}

impl Progress for Shared {
    fn advance(&self, trials: u64) {
        self.done.fetch_add(trials, Ordering::Relaxed);
    }

    fn cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

/// Runs `work` on a thread of its own with the GIL released, polling every 50 ms for signals
/// (a `KeyboardInterrupt` cancels the work, which then returns `Cancelled`) and calling
/// `progress(done, total)` if given.
fn supervised<T: Send + 'static>(
    py: Python<'_>,
    total: u64,
    progress: Option<Py<PyAny>>,
    work: impl FnOnce(&Shared) -> T + Send + 'static,
) -> PyResult<T> {
    let shared = Arc::new(Shared { done: AtomicU64::new(0), cancelled: AtomicBool::new(false) });
    let handle = {
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || work(&shared))
    };
    let mut reported = u64::MAX;
    loop {
        let finished = py.detach(|| {
            for _ in 0..10 {
                if handle.is_finished() {
                    return true;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            handle.is_finished()
        });
        if let Err(interrupt) = py.check_signals() {
            shared.cancelled.store(true, Ordering::Relaxed);
            py.detach(|| handle.join()).map_err(|_| run_error("the run panicked"))?;
            return Err(interrupt);
        }
        let done = shared.done.load(Ordering::Relaxed);
        if let Some(callback) = &progress {
            if done != reported {
                callback.call1(py, (done, total))?;
                reported = done;
            }
        }
        if finished {
            return py.detach(|| handle.join()).map_err(|_| run_error("the run panicked"));
        }
    }
}

fn pool(threads: Option<usize>) -> PyResult<rayon::ThreadPool> {
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 || threads > 1024 {
        return Err(PyValueError::new_err(format!("threads: {threads}: must be in 1..=1024")));
    }
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(run_error)
}

/// Trials and seed as the CLI resolves them.
fn trials_and_seed(scenario: &Loaded, trials: Option<u64>, seed: Option<u64>) -> PyResult<(u64, u64)> {
    let trials = trials.unwrap_or(scenario.scenario.trials);
    if trials == 0 || trials > salvosim::scenario::MAX_TRIALS as u64 {
        return Err(PyValueError::new_err(format!("trials: {trials}: must be a whole number in 1..=10^12")));
    }
    Ok((trials, seed.unwrap_or(scenario.scenario.seed)))
}

fn info(hash: &str, trials: u64, seed: u64) -> RunInfo {
    RunInfo {
        scenario_hash: hash.to_string(),
        seed,
        trials,
        version: env!("CARGO_PKG_VERSION").into(),
        precision: None,
    }
}

/// Writes a results folder at `dir` as the CLI does: `write` fills a staging folder, which then
/// replaces `dir` whole (a ScenarioError if `dir` cannot take results). The GIL is released.
fn save_folder(
    py: Python<'_>,
    dir: &std::path::Path,
    replace: Replace,
    write: impl FnOnce(&std::path::Path) -> Result<(), String> + Send,
) -> PyResult<()> {
    let staging = Staging::begin(dir, replace)
        .map_err(|e| input_error(py, &InputError::argument(e.path.display().to_string(), e.problem)))?;
    py.detach(|| {
        write(staging.path())?;
        staging.commit().map_err(|e| e.to_string())
    })
    .map_err(run_error)
}

/// The result of a run: summary.json and nights.csv as the CLI writes them.
#[pyclass(module = "salvosim._native", frozen)]
struct RunResult {
    loaded: Loaded,
    info: RunInfo,
    aggregate: Aggregate,
    #[pyo3(get)]
    summary_json: String,
    #[pyo3(get)]
    nights_csv: String,
}

#[pymethods]
impl RunResult {
    /// Writes the folder `salvosim run` writes, byte for byte (charts unless `charts` is false).
    /// A folder holding a report or another command's results is refused unless `replace`.
    #[pyo3(signature = (dir, charts = true, replace = false))]
    fn save(&self, py: Python<'_>, dir: PathBuf, charts: bool, replace: bool) -> PyResult<()> {
        let replace = if replace { Replace::Anything } else { Replace::Same(results::SUMMARY_JSON) };
        save_folder(py, &dir, replace, |folder| {
            output::write_run(folder, &self.info, &self.loaded, &self.aggregate, charts, false)
                .map_err(|e| format!("{e:#}"))
        })
    }
}

/// Runs `scenario` as `salvosim run` does.
#[pyfunction]
#[pyo3(signature = (scenario, trials = None, seed = None, threads = None, progress = None))]
fn run(
    py: Python<'_>,
    scenario: &Scenario,
    trials: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<RunResult> {
    let loaded = scenario.loaded.clone();
    let (trials, seed) = trials_and_seed(&loaded, trials, seed)?;
    let pool = pool(threads)?;
    let engine_scenario = loaded.scenario.clone();
    let aggregate = supervised(py, trials, progress, move |shared| {
        pool.install(|| engine::run(&engine_scenario, trials, seed, shared))
    })?
    .map_err(run_error)?;
    let info = info(&loaded.hash, trials, seed);
    let (summary, nights) = output::results_bytes(&info, &loaded, &aggregate).map_err(run_error)?;
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).map_err(run_error);
    Ok(RunResult { summary_json: text(summary)?, nights_csv: text(nights)?, loaded, info, aggregate })
}

/// The result of a sweep: sweep.csv and sweep.json as the CLI writes them.
#[pyclass(module = "salvosim._native", frozen)]
struct SweepResult {
    base: Loaded,
    axes: Vec<Axis>,
    points: Vec<Point>,
    aggregates: Vec<Aggregate>,
    info: RunInfo,
    labels: Vec<(String, String)>,
    #[pyo3(get)]
    table_csv: String,
    #[pyo3(get)]
    sweep_json: String,
}

impl SweepResult {
    fn finished(&self) -> output::SweepRun<'_> {
        output::SweepRun {
            base: &self.base,
            axes: &self.axes,
            points: &self.points,
            aggregates: &self.aggregates,
            info: self.info.clone(),
        }
    }
}

#[pymethods]
impl SweepResult {
    /// Writes the folder `salvosim sweep` writes, byte for byte (charts unless `charts` is false).
    /// A folder holding a report or another command's results is refused unless `replace`.
    #[pyo3(signature = (dir, charts = true, replace = false))]
    fn save(&self, py: Python<'_>, dir: PathBuf, charts: bool, replace: bool) -> PyResult<()> {
        let replace = if replace { Replace::Anything } else { Replace::Same(results::SWEEP_JSON) };
        save_folder(py, &dir, replace, |folder| {
            output::write_sweep_run(folder, &self.finished(), &self.labels, charts)
                .map(|_| ())
                .map_err(|e| format!("{e:#}"))
        })
    }
}

/// Sweeps `scenario` as `salvosim sweep` does: `vary` holds `--vary` strings, `labels` `--label`
/// pairs.
// The keywords are the CLI's options, one argument each.
#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (scenario, vary, trials = None, seed = None, threads = None, labels = Vec::new(), progress = None))]
fn sweep_scenario(
    py: Python<'_>,
    scenario: &Scenario,
    vary: Vec<String>,
    trials: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    labels: Vec<(String, String)>,
    progress: Option<Py<PyAny>>,
) -> PyResult<SweepResult> {
    let base = scenario.loaded.clone();
    let axes: Vec<Axis> =
        vary.iter().map(|v| Axis::parse(v)).collect::<Result<_, _>>().map_err(|e| input_error(py, &e))?;
    if axes.is_empty() || axes.len() > 2 {
        return Err(PyValueError::new_err("vary: one field gives a curve, two a grid; give one or two"));
    }
    let points = sweep::points(&base, &axes).map_err(|e| input_error(py, &e))?;
    let (trials, seed) = trials_and_seed(&base, trials, seed)?;
    let pool = pool(threads)?;
    let scenarios: Vec<salvosim::scenario::Scenario> = points.iter().map(|p| p.loaded.scenario.clone()).collect();
    let total = trials * scenarios.len() as u64;
    let aggregates = supervised(py, total, progress, move |shared| {
        pool.install(|| scenarios.iter().map(|s| engine::run(s, trials, seed, shared)).collect::<Result<Vec<_>, _>>())
    })?
    .map_err(run_error)?;
    let info = info(&base.hash, trials, seed);
    let finished = output::SweepRun { base: &base, axes: &axes, points: &points, aggregates: &aggregates, info };
    let table = output::sweep_table(&finished);
    let notes = sweep::notes(&base.scenario, &axes);
    let (csv, json) =
        output::sweep_bytes(&finished.info, &base.scenario.name, &axes, &notes, &table).map_err(run_error)?;
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).map_err(run_error);
    let (table_csv, sweep_json) = (text(csv)?, text(json)?);
    let info = finished.info;
    Ok(SweepResult { base, axes, points, aggregates, info, labels, table_csv, sweep_json })
}

/// The version of the salvosim library inside.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add_class::<Scenario>()?;
    m.add_class::<RunResult>()?;
    m.add_class::<SweepResult>()?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(sweep_scenario, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
