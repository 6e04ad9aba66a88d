//! `calibrate` and `backtest`: load the scenario and the record, check every request, fit (and
//! predict), then write the files and the calibrated scenario in one step.

use std::fmt::Write as _;

use salvosim::backtest::fit::{Estimate, FitSpec, Likelihood};
use salvosim::backtest::{self, Calibration, Request, WindowResult};
use salvosim::charts::{self, backtest::BacktestChart};
use salvosim::format::plain;
use salvosim::output::{self, RunInfo, backtest::Provenance};
use salvosim::record::{ATTRIBUTION, Record, Window};
use salvosim::replay;
use salvosim::results;
use salvosim::scenario::{self, InputError, Loaded, rewrite};

use super::Failure;
use super::args::{BacktestArgs, CalibrateArgs, FitArgs, ScenarioArgs, argument_error, thread_pool};
use super::commands::load;
use super::progress::progress_bar;

/// The most trials a candidate may replay each month.
const MAX_FIT_TRIALS: u64 = 10_000_000;
/// The most synthetic records a bootstrap may refit.
const MAX_BOOTSTRAP: u64 = 1000;

pub(super) fn calibrate(args: &CalibrateArgs) -> Result<(), Failure> {
    let window = parse_window("--window", &args.window)?;
    fit_and_publish(&args.input, &args.fit, "calibrate", ("--window", window), None)
}

pub(super) fn backtest(args: &BacktestArgs) -> Result<(), Failure> {
    let (train, test) = (parse_window("--train", &args.train)?, parse_window("--test", &args.test)?);
    if train.last >= test.first {
        let problem = format!(
            "the train window must end before the test window starts ({test}): never fit to the months a forecast is judged on"
        );
        return Err(argument_error("--train", train, &problem).into());
    }
    fit_and_publish(&args.input, &args.fit, "backtest", ("--train", train), Some(("--test", test)))
}

fn parse_window(flag: &str, text: &str) -> Result<Window, InputError> {
    Window::parse(text).map_err(|problem| argument_error(flag, text, &problem))
}

/// Everything checked before anything runs: the scenario, the fits, trials, the record's months.
fn fit_and_publish(
    input: &ScenarioArgs,
    args: &FitArgs,
    command: &str,
    fit_window: (&str, Window),
    test_window: Option<(&str, Window)>,
) -> Result<(), Failure> {
    let loaded = load(input)?;
    let scenario = &loaded.scenario;
    replay::check(scenario).map_err(|problem| InputError::file(&loaded.file, None, problem))?;
    let fits = if args.fits.is_empty() { declared_fits(&loaded)? } else { field_specs(scenario, &args.fits, "--fit")? };
    for (fit, text) in fits.iter().zip(&args.fits) {
        fit.check_replayed().map_err(|problem| argument_error("--fit", text, &problem))?;
    }
    if args.trials == 0 || args.trials > MAX_FIT_TRIALS {
        return Err(argument_error("--trials", args.trials, "must be a whole number in 1..=10000000").into());
    }
    if args.bootstrap == 1 || args.bootstrap > MAX_BOOTSTRAP {
        return Err(argument_error("--bootstrap", args.bootstrap, "must be 0 (none) or in 2..=1000").into());
    }
    let likelihood = Likelihood::parse(&args.likelihood)
        .ok_or_else(|| argument_error("--likelihood", &args.likelihood, "must be `nights` or `months`"))?;
    let record = Record::load(&args.data)?;
    let fit_months = record.window(fit_window.1, fit_window.0)?;
    let test_months = test_window.map(|(flag, window)| record.window(window, flag)).transpose()?;
    for month in fit_months.iter().chain(test_months.iter().flatten()) {
        replay::check_raids(scenario, &month.raids).map_err(|problem| InputError::file(&args.data, None, problem))?;
    }
    let pool = thread_pool(args.threads)?;
    let dir = args.output.out.clone().unwrap_or_else(|| output::default_fit_dir(scenario, command));
    let own = if test_window.is_some() { results::BACKTEST_JSON } else { results::CALIBRATE_JSON };
    let staging = output::Staging::begin(&dir, args.output.replace(own))?;

    let seed = args.seed.unwrap_or(scenario.seed);
    let months = fit_months.len() + test_months.as_ref().map_or(0, Vec::len);
    let bar = progress_bar(args.trials * months as u64 * 60 * (fits.len() as u64 + 1), args.output.quiet);
    let request = Request {
        scenario,
        fits: &fits,
        trials: args.trials,
        seed,
        bootstrap: args.bootstrap,
        likelihood,
        progress: &bar,
    };
    let done = pool.install(|| match (&test_months, test_window) {
        (Some(test), Some((_, window))) => backtest::backtest(&request, (&fit_months, fit_window.1), (test, window))
            .map(|b| (b.calibration, Some(b.test))),
        _ => backtest::calibrate(&request, &fit_months, fit_window.1, "fit").map(|c| (c, None)),
    });
    bar.0.finish_and_clear();
    let (calibration, test) = done?;

    let info = RunInfo::fixed(&loaded.hash, seed, args.trials);
    let command_line = std::env::args().collect::<Vec<_>>().join(" ");
    let data_file = args.data.display().to_string();
    let provenance = Provenance {
        scenario: &scenario.name,
        data_file: &data_file,
        bootstrap: args.bootstrap,
        command: &command_line,
    };
    let calibrated = calibrated_scenario(&loaded, &calibration, &provenance, &info)?;
    let windows: Vec<&WindowResult> = std::iter::once(&calibration.window).chain(test.as_ref()).collect();
    let charts = (!args.output.no_charts)
        .then(|| {
            charts::draw_backtest(&BacktestChart {
                scenario: &scenario.name,
                trials: args.trials,
                seed,
                version: &info.version,
                fitted: fitted_words(&calibration.estimates),
                windows: windows.clone(),
            })
        })
        .transpose()?
        .unwrap_or_default();
    output::write_fit(staging.path(), &info, &provenance, &calibration, test.as_ref(), &calibrated, &charts)?;
    staging.commit()?;
    if !args.output.quiet {
        print!("{}", output::console::fit_table(&calibration.estimates, &windows));
        let (csv, nights, json) = if test.is_some() {
            (results::BACKTEST_CSV, results::BACKTEST_NIGHTS_CSV, results::BACKTEST_JSON)
        } else {
            (results::CALIBRATE_CSV, results::CALIBRATE_NIGHTS_CSV, results::CALIBRATE_JSON)
        };
        println!("wrote {}/{{{csv}, {nights}, {json}, {}}}", dir.display(), results::CALIBRATED_TOML);
    }
    Ok(())
}

/// The fields of `--fit` (or `--decide`: `flag`), each parsed and checked against the scenario.
pub(super) fn field_specs(
    scenario: &scenario::Scenario,
    texts: &[String],
    flag: &str,
) -> Result<Vec<FitSpec>, InputError> {
    let mut fits: Vec<FitSpec> = Vec::new();
    for text in texts {
        let mut fit = FitSpec::parse(text).map_err(|problem| argument_error(flag, text, &problem))?;
        fit.check(scenario).map_err(|problem| argument_error(flag, text, &problem))?;
        if fits.iter().any(|f| f.path == fit.path) {
            return Err(argument_error(flag, text, &format!("this field is already named by an earlier {flag}")));
        }
        fits.push(fit);
    }
    Ok(fits)
}

/// The scenario's own `[[fit]]` entries, each checked as `--fit` would be: what `calibrate` and
/// `backtest` fit when no `--fit` is given.
fn declared_fits(loaded: &Loaded) -> Result<Vec<FitSpec>, InputError> {
    let mut fits: Vec<FitSpec> = Vec::new();
    for (i, range) in loaded.scenario.fits.iter().enumerate() {
        let at = |problem: String| InputError {
            path: format!("fit[{i}]"),
            value: Some(format!("{} = {}:{}", range.path, range.lo, range.hi)),
            ..InputError::file(&loaded.file, None, problem)
        };
        let mut fit = FitSpec { path: range.path.clone(), lo: range.lo, hi: range.hi, whole: false };
        fit.check(&loaded.scenario).map_err(at)?;
        fit.check_replayed().map_err(at)?;
        if fits.iter().any(|f| f.path == fit.path) {
            return Err(at("this field is already named by an earlier [[fit]]".into()));
        }
        fits.push(fit);
    }
    Ok(fits)
}

/// The fitted values for a chart's subtitle, in short: `ew_defeat 0.376, guns.coverage 0.98`.
fn fitted_words(estimates: &[Estimate]) -> String {
    /// Characters a 1600-pixel subtitle holds after its other parts.
    const ROOM: usize = 56;
    if estimates.is_empty() {
        return "nothing (the scenario as it is)".into();
    }
    let short = |path: &str| -> String {
        let path = path.strip_prefix("layer.").or_else(|| path.strip_prefix("defence.")).unwrap_or(path);
        match path.strip_prefix("phase.").and_then(|rest| rest.split_once(".set.")) {
            Some((phase, field)) => format!("{phase}: {}", field.strip_prefix("layer.").unwrap_or(field)),
            None => path.to_string(),
        }
    };
    let words =
        estimates.iter().map(|e| format!("{} {}", short(&e.path), plain(e.value))).collect::<Vec<_>>().join(", ");
    if words.chars().count() <= ROOM { words } else { format!("{} fields (values in the JSON file)", estimates.len()) }
}

/// The last line of the header a calibration writes above the file it calibrated.
const ORIGINAL_FOLLOWS: &str =
    "# The original file follows, with these values written in and its comments as they were.";

/// `text` without the header an earlier calibration wrote at its top (a re-calibrated file gets one
/// header, the newest, not a stack of them).
fn without_calibration_header(text: &str) -> &str {
    if !text.starts_with("# Calibrated by salvosim") {
        return text;
    }
    match text.find(ORIGINAL_FOLLOWS) {
        Some(at) => text[at + ORIGINAL_FOLLOWS.len()..].trim_start_matches('\n'),
        None => text,
    }
}

/// The scenario file with the fitted values (and any `--set`) written in, under a header saying
/// where they came from; checked by loading it back.
fn calibrated_scenario(
    loaded: &Loaded,
    calibration: &Calibration,
    provenance: &Provenance,
    info: &RunInfo,
) -> Result<String, Failure> {
    let mut values: Vec<(String, String)> = Vec::new();
    for set in &loaded.sets {
        let parsed = scenario::Override::parse(set)?;
        values.push((parsed.path_text(), parsed.value.to_string()));
    }
    values.extend(calibration.estimates.iter().map(|e| (e.path.clone(), plain(e.value))));
    values.push(("scenario.name".into(), format!("\"{}-calibrated\"", loaded.scenario.name)));
    let body =
        rewrite::set_values(&loaded.source, &values).map_err(|problem| InputError::argument("--fit", problem))?;
    let mut header = format!(
        "# Calibrated by salvosim {} from {} (seed {}, {} trials a month and candidate):\n#   {}\n# Window {} ({}); data: {} ({ATTRIBUTION}).\n",
        info.version,
        loaded.file.display(),
        info.seed,
        info.trials,
        provenance.command,
        calibration.window.window,
        calibration.window.split.name(),
        provenance.data_file,
    );
    for e in &calibration.estimates {
        let _ = writeln!(
            header,
            "#   {} = {} (95 % interval {}..{}, parametric bootstrap of {} records)",
            e.path,
            plain(e.value),
            plain(e.ci95[0]),
            plain(e.ci95[1]),
            provenance.bootstrap
        );
    }
    header.push_str(ORIGINAL_FOLLOWS);
    header.push_str("\n\n");
    let text = header + without_calibration_header(&body);
    replay::parse(&text, &loaded.file, &[])
        .map_err(|e| anyhow::anyhow!("the calibrated scenario does not load back: {e}"))?;
    Ok(text)
}
