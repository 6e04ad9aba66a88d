//! Helpers shared by the integration tests: building scenarios from text, collecting per-trial
//! figures, and the statistical assertions with their stated tolerances.
#![allow(dead_code)]

pub mod counting;

use std::path::Path;

use salvosim::engine::{Campaign, Method, NightLayout, TrialRecord, Workspace};
use salvosim::scenario::{self, Scenario};

/// Master seeds every statistical test repeats over: a claim must hold for all, not one lucky seed.
/// Odd seeds run the per-threat reference method, even seeds the counting method, so every closed
/// form is checked against both, three seeds each.
pub const SEEDS: [u64; 6] = [1, 2, 3, 4, 20250305, 0xdead_bee0];

/// How many standard errors a mean may stray from its closed form. At 4.5 SE a correct engine fails
/// one check in ~150,000; each test makes a few dozen checks.
pub const MEAN_TOLERANCE_SE: f64 = 4.5;

/// How many standard deviations a sample variance may stray from its closed form, the standard
/// deviation of a sample variance being sqrt((2 + κ) / n) relative, κ the excess kurtosis.
pub const VARIANCE_TOLERANCE_SD: f64 = 5.0;

/// Every scenario in `scenarios/`, in file-name order.
pub fn shipped() -> Vec<Scenario> {
    shipped_files().iter().map(|f| scenario::load(f, &[]).unwrap_or_else(|e| panic!("{e}")).scenario).collect()
}

/// The scenario files shipped in scenarios/, sorted; not those in scenarios/record/, which replay
/// the Air Force record and need its file (tests/replay.rs runs them).
pub fn shipped_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> =
        std::fs::read_dir("scenarios").unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
    files.sort();
    assert!(files.len() >= 5, "expected the shipped scenarios in scenarios/");
    files
}

/// A last layer for the baseline that engages recognised decoys again, behind layers that hold
/// fire at them: the survivors of the first three layers then meet the rest one by one.
pub const LATE_GUNS: &str = "\n[[layer]]\nname = \"late-guns\"\ndoctrine = \"shoot-look-shoot\"\npk = 0.5\n\
                             max_shots = 2\ncost_per_shot = 100\ncoverage = 0.6\ncapacity = 15\n\
                             engage_identified_decoys = true\n";

/// The baseline with `edit` applied to its text.
pub fn baseline_edited(edit: impl Fn(String) -> String) -> Scenario {
    scenario(&edit(std::fs::read_to_string("scenarios/baseline.toml").unwrap()))
}

/// `s` cut to its first `nights` nights.
pub fn first_nights(mut s: Scenario, nights: u32) -> Scenario {
    s.nights = s.nights.min(nights);
    s.plan.nights.truncate(s.nights as usize);
    s
}

pub fn scenario(text: &str) -> Scenario {
    scenario::parse(text, Path::new("test.toml"), &[]).unwrap_or_else(|e| panic!("{e}")).scenario
}

/// `metric(record)` for trials `0..trials` under `seed` (the method by the seed's parity, see
/// [`SEEDS`]).
pub fn per_trial(scenario: &Scenario, seed: u64, trials: u64, metric: impl Fn(&TrialRecord) -> f64) -> Vec<f64> {
    let [values] = per_trial_figures(scenario, seed, trials, |r| [metric(r)]);
    values
}

/// `K` figures of each trial `0..trials` under `seed`, one run for all of them.
pub fn per_trial_figures<const K: usize>(
    scenario: &Scenario,
    seed: u64,
    trials: u64,
    figures: impl Fn(&TrialRecord) -> [f64; K],
) -> [Vec<f64>; K] {
    let method = if seed % 2 == 1 { Method::PerThreat } else { Method::Counting };
    let layout = NightLayout::new(scenario);
    let mut workspace = Workspace::default();
    let mut record = TrialRecord::default();
    let mut out: [Vec<f64>; K] = std::array::from_fn(|_| Vec::with_capacity(trials as usize));
    for trial in 0..trials {
        Campaign::start(scenario, &layout, seed, trial, &mut workspace, &mut record).with_method(method).run();
        for (column, value) in out.iter_mut().zip(figures(&record)) {
            column.push(value);
        }
    }
    out
}

pub fn mean_and_variance(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, variance)
}

/// Checks sample mean and variance against a closed form.
/// Mean: within [`MEAN_TOLERANCE_SE`] standard errors (true variance / n).
/// Variance: within [`VARIANCE_TOLERANCE_SD`] × sqrt((2 + κ) / n) relative, κ the sample's excess
/// kurtosis: the large-sample spread of a sample variance. At the closed-form tests' 64,000 trials
/// that is about ±2.8 % for counts of near-normal shape, so a 5 % error in a variance fails.
pub fn check_distribution(values: &[f64], mean: f64, variance: f64) -> Result<(), String> {
    let n = values.len() as f64;
    let (m, v) = mean_and_variance(values);
    let se = (variance / n).sqrt().max(1e-12);
    if (m - mean).abs() > MEAN_TOLERANCE_SE * se {
        return Err(format!("mean {m} vs closed form {mean} ({:.1} se)", (m - mean).abs() / se));
    }
    if variance == 0.0 {
        return if v == 0.0 { Ok(()) } else { Err(format!("variance {v} vs closed form 0")) };
    }
    let relative = VARIANCE_TOLERANCE_SD * ((2.0 + excess_kurtosis(values, m, v)) / n).sqrt();
    if (v / variance - 1.0).abs() > relative {
        return Err(format!("variance {v} vs closed form {variance} (±{relative:.4} relative allowed)"));
    }
    Ok(())
}

pub fn assert_distribution(values: &[f64], mean: f64, variance: f64, what: &str) {
    if let Err(e) = check_distribution(values, mean, variance) {
        panic!("{what}: {e}");
    }
}

/// Checks only the mean, with the standard error estimated from the sample.
pub fn assert_mean(values: &[f64], mean: f64, what: &str) {
    let (m, v) = mean_and_variance(values);
    let se = (v / values.len() as f64).sqrt().max(1e-12);
    assert!((m - mean).abs() <= MEAN_TOLERANCE_SE * se, "{what}: mean {m} vs closed form {mean} (se {se})");
}

/// Probability mass function of Binomial(n, p), computed in log space.
pub fn binomial_pmf(n: u64, p: f64) -> Vec<f64> {
    let mut log_choose = 0.0;
    (0..=n)
        .map(|k| {
            if k > 0 {
                log_choose += ((n - k + 1) as f64).ln() - (k as f64).ln();
            }
            let lp = if k == 0 { 0.0 } else { k as f64 * p.ln() };
            let lq = if k == n { 0.0 } else { (n - k) as f64 * (1.0 - p).ln() };
            (log_choose + lp + lq).exp()
        })
        .collect()
}

/// A one-night, fixed-raid scenario of strike drones against the given layers.
pub fn single_night(raid_size: &str, ew: f64, layers: &str) -> String {
    format!(
        r#"
[scenario]
name = "closed-form"
nights = 1
[raid]
size = {raid_size}
[[threat]]
name = "strike"
share = 1
unit_cost = 1000
[defence]
ew_defeat = {ew}
{layers}
"#
    )
}

/// The upper limit of a chi-square statistic with `dof` degrees of freedom, `z` standard
/// deviations out (Wilson–Hilferty; within 1 % of the exact quantile from 5 degrees of freedom).
/// z = 5.2 is a one-sided tail of 1e-7.
pub fn chi_square_limit(dof: usize, z: f64) -> f64 {
    let dof = dof as f64;
    let h = 2.0 / (9.0 * dof);
    dof * (1.0 - h + z * h.sqrt()).powi(3)
}

/// Pearson's chi-square test that two samples of whole numbers come from one distribution: values
/// pooled into bins of consecutive values holding at least 40 of the two samples together,
/// statistic over the 2 × bins table. Returns (statistic, degrees of freedom); one bin gives (0, 0).
pub fn two_sample_chi_square(a: &[f64], b: &[f64]) -> (f64, usize) {
    let mut by_value = std::collections::BTreeMap::<i64, [f64; 2]>::new();
    for (sample, values) in [a, b].iter().enumerate() {
        for &v in *values {
            by_value.entry(v.round() as i64).or_insert([0.0; 2])[sample] += 1.0;
        }
    }
    let mut bins: Vec<[f64; 2]> = Vec::new();
    let mut open = [0.0; 2];
    for counts in by_value.values() {
        open = [open[0] + counts[0], open[1] + counts[1]];
        if open[0] + open[1] >= 40.0 {
            bins.push(open);
            open = [0.0; 2];
        }
    }
    match bins.last_mut() {
        Some(last) => *last = [last[0] + open[0], last[1] + open[1]],
        None => bins.push(open),
    }
    let sizes = [a.len() as f64, b.len() as f64];
    let total = sizes[0] + sizes[1];
    let statistic = bins
        .iter()
        .map(|bin| {
            let pooled = bin[0] + bin[1];
            (0..2).map(|s| (bin[s] - pooled * sizes[s] / total).powi(2) / (pooled * sizes[s] / total)).sum::<f64>()
        })
        .sum();
    (statistic, bins.len() - 1)
}

/// Sample excess kurtosis (at least −2): sets the spread of a sample variance, whose relative
/// standard deviation is about sqrt((2 + κ) / n).
pub fn excess_kurtosis(values: &[f64], mean: f64, variance: f64) -> f64 {
    let m4 = values.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / values.len() as f64;
    (m4 / (variance * variance) - 3.0).max(-2.0)
}

/// `text` with every distribution replaced by its central value (PERT and triangular mode, the
/// middle of a uniform, lognormal median, normal mean, Poisson λ): a scenario whose only randomness
/// is the engagement itself, so that small errors in the engine are not lost in parameter draws.
pub fn pinned(text: &str) -> String {
    fn central(value: &toml::Value) -> Option<toml::Value> {
        let table = value.as_table().filter(|t| t.len() == 1)?;
        let (form, arg) = table.iter().next()?;
        let number = |v: &toml::Value| v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
        let list = |i: usize| arg.as_array().and_then(|a| a.get(i)).and_then(number);
        let key = |k: &str| arg.get(k).and_then(number);
        let x = match form.as_str() {
            "fixed" => number(arg),
            "uniform" => Some((list(0)? + list(1)?) / 2.0),
            "pert" | "triangular" => list(1),
            "lognormal" => key("median"),
            "normal" => key("mean"),
            "poisson" => number(arg),
            _ => None,
        }?;
        Some(toml::Value::Float(x))
    }
    fn walk(value: &mut toml::Value) {
        if let Some(x) = central(value) {
            *value = x;
            return;
        }
        match value {
            toml::Value::Table(table) => table.iter_mut().for_each(|(_, v)| walk(v)),
            toml::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut document: toml::Value = toml::from_str(text).unwrap();
    walk(&mut document);
    toml::to_string(&document).unwrap()
}

/// A test's prerequisite is missing. Under CI (the `CI` variable set, as `.ci/run` has it) that is
/// a failure — a skipped check must never look like a passed one; elsewhere the test says why, on
/// stderr (written to the handle itself, which the test harness does not capture), and the caller
/// returns.
pub fn skip_or_fail_in_ci(test: &str, reason: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{test} cannot run: {reason}. Under CI a check may not skip.");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {reason}");
}

/// `salvosim <command> <args>` with `--out` a new folder must exit 2, say `message` on stderr and
/// write nothing.
pub fn assert_refused(command: &[&str], args: &[&str], message: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("never");
    assert_cmd::Command::cargo_bin("salvosim")
        .unwrap()
        .args(command)
        .arg("--out")
        .arg(&out)
        .args(args)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(message));
    assert!(!out.exists(), "{command:?} {args:?}: nothing written");
}

/// The `salvosim` binary, to drive as a user does.
pub fn salvosim() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("salvosim").unwrap()
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The whole text of a shipped scenario: an excursion resolved against its base (what a run
/// writes as `scenario.toml`), so that it reads the same from any folder.
pub fn shipped_text(file: &str) -> String {
    scenario::load(Path::new(file), &[]).unwrap_or_else(|e| panic!("{file}: {e}")).source
}

/// `s` with every night's raid fixed at `size` threats.
pub fn with_raid_size(mut s: Scenario, size: u64) -> Scenario {
    *s.params_mut().into_iter().find(|(path, _)| path == "raid.size").expect("raid.size").1 =
        salvosim::scenario::Param::constant(size as f64, salvosim::scenario::Kind::Raid);
    s
}
