//! `salvosim compare`: a base and an excursion run trial by trial (or two saved runs, unpaired),
//! and what moved.

use salvosim::charts::compare::{CompareChart, spell};
use salvosim::compare::{self, Comparison};
use salvosim::output::{self, compare::Sides};
use salvosim::results;
use salvosim::scenario::labels::Names;
use salvosim::scenario::{InputError, Override};

use super::Failure;
use super::args::CompareArgs;
use super::progress::progress_bar;

pub(super) fn compare(args: &CompareArgs) -> Result<(), Failure> {
    let excursion_path = args.excursion.clone().unwrap_or_else(|| args.base.clone());
    if args.base.is_dir() {
        return compare_saved(args, &excursion_path);
    }
    let sets = args.sets.iter().map(|s| Override::parse(s)).collect::<Result<Vec<_>, _>>()?;
    let base = salvosim::replay::load(&args.base, &[])?;
    let excursion = salvosim::replay::load(&excursion_path, &sets)?;
    if args.excursion.is_none() && sets.is_empty() {
        let problem = "give an EXCURSION scenario, or --set fields of BASE to change";
        return Err(InputError::argument("compare", problem).into());
    }
    let engine = args.engine.resolve(&base.scenario)?;
    engine.check_memory(&[&base.scenario, &excursion.scenario], &excursion.file)?;
    if engine.precision.is_some() {
        return Err(
            InputError::argument("--precision", "is not used by compare: both sides run the same trials").into()
        );
    }
    let (b, e) = (&base.scenario, &excursion.scenario);
    let dir = args.engine.output.out.clone().unwrap_or_else(|| output::default_compare_dir(b, e));
    let staging = output::Staging::begin(&dir, args.engine.output.replace(results::COMPARE_JSON))?;
    let bar = progress_bar(engine.trials, args.engine.output.quiet);
    let comparison = engine.pool.install(|| compare::run(b, e, engine.trials, engine.seed, &bar));
    bar.0.finish_and_clear();
    let sides = Sides {
        base: (b.name.clone(), base.hash.clone(), vec![]),
        excursion: (e.name.clone(), excursion.hash.clone(), args.sets.clone()),
        version: env!("CARGO_PKG_VERSION").into(),
        paired: true,
    };
    let strike_threats = b
        .threats
        .iter()
        .filter(|t| !t.decoy && e.threats.iter().any(|x| x.name == t.name && !x.decoy))
        .map(|t| t.name.clone())
        .collect();
    let excursion_name =
        if e.name == b.name { format!("{} with {}", e.name, args.sets.join(", ")) } else { e.name.clone() };
    let names = Names::of(b).and(Names::of(e));
    let shown = Shown { excursion_name, strike_threats, names };
    finish(args, &dir, staging, &sides, &comparison?, shown)
}

/// Two saved runs: their summary.json files, unpaired.
fn compare_saved(args: &CompareArgs, excursion: &std::path::Path) -> Result<(), Failure> {
    let read = |dir: &std::path::Path| -> Result<(serde_json::Value, String), Failure> {
        let file = dir.join(results::SUMMARY_JSON);
        let bytes = salvosim::input_file::read(&file, salvosim::record::MAX_DATA_BYTES, "summary.json")
            .map_err(|problem| InputError::argument(file.display().to_string(), problem))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| InputError::argument(file.display().to_string(), format!("is not a summary.json: {e}")))?;
        let name = value.get("scenario").and_then(|v| v.as_str()).unwrap_or("run").to_string();
        Ok((value, name))
    };
    if !excursion.is_dir() {
        let problem = "BASE is a results folder: the EXCURSION must be one too (or give two scenario files)";
        return Err(InputError::argument(excursion.display().to_string(), problem).into());
    }
    let ((a, a_name), (b, b_name)) = (read(&args.base)?, read(excursion)?);
    let comparison = compare::unpaired(&a, &b);
    let hash = |v: &serde_json::Value| v.get("scenario_hash").and_then(|h| h.as_str()).unwrap_or("").to_string();
    let sides = Sides {
        base: (a_name.clone(), hash(&a), vec![]),
        excursion: (b_name.clone(), hash(&b), vec![]),
        version: env!("CARGO_PKG_VERSION").into(),
        paired: false,
    };
    let dir = args
        .engine
        .output
        .out
        .clone()
        .unwrap_or_else(|| std::path::Path::new("output").join(format!("{b_name}-vs-{a_name}")));
    let staging = output::Staging::begin(&dir, args.engine.output.replace(results::COMPARE_JSON))?;
    let strike_threats = strike_names(&a).into_iter().filter(|t| strike_names(&b).contains(t)).collect();
    let names = Names::of_summary(&a).and(Names::of_summary(&b));
    finish(args, &dir, staging, &sides, &comparison, Shown { excursion_name: b_name, strike_threats, names })
}

/// What the chart and console call things.
struct Shown {
    excursion_name: String,
    strike_threats: Vec<String>,
    names: Names,
}

/// Either comparison's files, chart and console table.
fn finish(
    args: &CompareArgs,
    dir: &std::path::Path,
    staging: output::Staging,
    sides: &Sides,
    comparison: &Comparison,
    shown: Shown,
) -> Result<(), Failure> {
    let chart = CompareChart {
        base: sides.base.0.clone(),
        excursion: shown.excursion_name,
        version: sides.version.clone(),
        comparison,
        strike_threats: shown.strike_threats,
        paired: sides.paired,
        names: shown.names,
    };
    output::write_compare(staging.path(), sides, comparison, (!args.engine.output.no_charts).then_some(&chart))?;
    staging.commit()?;
    if !args.engine.output.quiet {
        if sides.paired {
            println!("{}", salvosim::charts::compare::title(&chart));
        } else {
            eprintln!(
                "note: two saved runs have no trials to pair: each interval is that of two independent means, \
                 far wider than `salvosim compare BASE.toml EXCURSION.toml` gives"
            );
        }
        print!("{}", table(comparison, sides, &chart));
        if sides.paired {
            println!("{}", narrowing(comparison));
        }
        println!("wrote {}/{{{}, {}}}", dir.display(), results::COMPARE_CSV, results::COMPARE_JSON);
    }
    Ok(())
}

/// The strike (non-decoy) threats of a summary.json, by name.
fn strike_names(summary: &serde_json::Value) -> Vec<String> {
    summary["threats"]
        .as_object()
        .map(|threats| {
            threats
                .iter()
                .filter(|(_, t)| t["decoy"] != serde_json::Value::Bool(true))
                .map(|(n, _)| n.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// The headline figures and the strike leakers, in words.
fn table(comparison: &Comparison, sides: &Sides, chart: &CompareChart) -> String {
    let names = &chart.names;
    let strike_leaked: Vec<String> = chart.strike_threats.iter().map(|t| format!("threats.{t}.leaked")).collect();
    let mut out = format!("{:<44} {:>14} {:>14}   difference (95% CI)\n", "figure", sides.base.0, sides.excursion.0);
    for row in comparison.rows.iter().filter(|r| !r.metric.contains('.') || strike_leaked.contains(&r.metric)) {
        let value =
            |v: Option<f64>| v.map_or_else(|| "—".to_string(), |v| spell(&row.metric, v).replace(" points", ""));
        let difference = match (row.difference, row.ci95) {
            (Some(d), Some([lo, hi])) => {
                format!("{} [{}, {}]", spell(&row.metric, d), spell(&row.metric, lo), spell(&row.metric, hi))
            }
            (Some(d), None) => spell(&row.metric, d),
            _ => "—".into(),
        };
        out += &format!(
            "{:<44} {:>14} {:>14}   {difference}\n",
            salvosim::scenario::labels::metric_label(&row.metric, names),
            value(row.base_mean),
            value(row.excursion_mean)
        );
    }
    out
}

/// How much narrower the paired intervals are than two independent runs' (median over figures).
fn narrowing(comparison: &Comparison) -> String {
    let mut ratios: Vec<f64> = comparison
        .rows
        .iter()
        .filter_map(|r| {
            let [lo, hi] = r.ci95?;
            let paired = (hi - lo) / 2.0;
            r.unpaired_half_width.filter(|_| paired > 0.0).map(|unpaired| unpaired / paired)
        })
        .collect();
    if ratios.is_empty() {
        return "paired intervals: every difference is exact (no noise to pair away)".into();
    }
    ratios.sort_by(f64::total_cmp);
    format!(
        "paired intervals are {:.1}× narrower than two independent runs' would be (median over {} figures)",
        ratios[ratios.len() / 2],
        ratios.len()
    )
}
