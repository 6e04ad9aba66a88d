//! Turns a [`RawScenario`] into a [`Scenario`]: checks every rule of docs/formats.md and fills
//! in the defaults. The first problem found is reported with its field path.

use std::collections::HashSet;

use super::date::Date;
use super::error::{FieldError, FieldPath};
use super::model::{Defence, Doctrine, FitRange, Layer, NightInputs, NightPlan, Phase, Raid, Rider, Scenario, Threat};
use super::param::{Kind, Param, ParamSpec, did_you_mean};
use super::raw::{RawFit, RawLayer, RawPhase, RawScenario, RawThreat};
use super::treatment;

/// Longest campaign accepted, in nights.
pub const MAX_NIGHTS: i64 = 100_000;
/// Most trials accepted in one run.
pub const MAX_TRIALS: i64 = 1_000_000_000_000;
const DEFAULT_TRIALS: i64 = 10_000;
const DEFAULT_SEED: u64 = 1;

type Result<T> = std::result::Result<T, FieldError>;

fn root(key: &str) -> FieldPath {
    FieldPath::default().key(key)
}

fn param(spec: &ParamSpec, kind: Kind, path: FieldPath) -> Result<Param> {
    Param::new(spec, kind).map_err(|problem| FieldError::new(path, Some(show_spec(spec)), problem))
}

fn param_or(spec: Option<&ParamSpec>, default: f64, kind: Kind, path: FieldPath) -> Result<Param> {
    spec.map_or_else(|| Ok(Param::constant(default, kind)), |s| param(s, kind, path))
}

fn optional(spec: Option<&ParamSpec>, kind: Kind, path: FieldPath) -> Result<Option<Param>> {
    spec.map(|s| param(s, kind, path)).transpose()
}

/// A number as a user would type it: `1e300`, not 301 digits.
fn show(x: f64) -> String {
    if x != 0.0 && x.is_finite() && !(1e-6..1e15).contains(&x.abs()) { format!("{x:e}") } else { format!("{x}") }
}

/// The value as a user would have typed it.
pub(super) fn show_spec(spec: &ParamSpec) -> String {
    match *spec {
        ParamSpec::Fixed(x) => show(x),
        ParamSpec::Uniform { lo, hi } => format!("{{ uniform = [{}, {}] }}", show(lo), show(hi)),
        ParamSpec::Triangular { lo, mode, hi } => {
            format!("{{ triangular = [{}, {}, {}] }}", show(lo), show(mode), show(hi))
        }
        ParamSpec::Pert { lo, mode, hi } => format!("{{ pert = [{}, {}, {}] }}", show(lo), show(mode), show(hi)),
        ParamSpec::LogNormal { median, p90 } => {
            format!("{{ lognormal = {{ median = {}, p90 = {} }} }}", show(median), show(p90))
        }
        ParamSpec::Normal { mean, sd } => format!("{{ normal = {{ mean = {}, sd = {} }} }}", show(mean), show(sd)),
        ParamSpec::Poisson { lambda } => format!("{{ poisson = {} }}", show(lambda)),
    }
}

pub fn validate(raw: &RawScenario) -> Result<Scenario> {
    let header = &raw.scenario;
    check_name(&header.name, root("scenario").key("name"))?;
    check_description(&header.description)?;
    let record = raw.raid.record.as_ref().map(record_spec).transpose()?;
    let nights = match (header.nights, &record) {
        (Some(nights), None) => in_range(nights, 1, MAX_NIGHTS, root("scenario").key("nights"))? as u32,
        (None, None) => return Err(FieldError::new(root("scenario"), None, "missing field `nights`")),
        (Some(n), Some(_)) => {
            let problem = "a campaign replaying the record (raid.record) has one night per report: remove `nights`";
            return Err(FieldError::new(root("scenario").key("nights"), Some(n.to_string()), problem));
        }
        // One placeholder night until the record's reports are read (crate::replay::resolve_record).
        (None, Some(_)) => 1,
    };
    let trials =
        in_range(header.trials.unwrap_or(DEFAULT_TRIALS), 1, MAX_TRIALS, root("scenario").key("trials"))? as u64;
    let threats = threats(&raw.threat)?;
    let layers = layers(&raw.layer, &threats.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>())?;
    let defence = Defence {
        ew_defeat: param_or(raw.defence.ew_defeat.as_ref(), 0.0, Kind::Probability, root("defence").key("ew_defeat"))?,
        decoy_discrimination: param_or(
            raw.defence.decoy_discrimination.as_ref(),
            0.0,
            Kind::Probability,
            root("defence").key("decoy_discrimination"),
        )?,
    };
    let raid = Raid {
        stock: optional(raw.raid.stock.as_ref(), Kind::Count, root("raid").key("stock"))?,
        production_per_night: param_or(
            raw.raid.production_per_night.as_ref(),
            0.0,
            Kind::Count,
            root("raid").key("production_per_night"),
        )?,
        record,
    };
    let start_date =
        header.start_date.as_ref().map(|text| date(text, root("scenario").key("start_date"))).transpose()?;
    if let Some(start) = start_date {
        let last = Date::parse("9999-12-31").expect("a valid date");
        if start.add_days(i64::from(nights) - 1).days_since(last) > 0 {
            let problem = format!(
                "night {nights} would fall after 9999-12-31, the last date salvosim reads and writes: start earlier or run fewer nights"
            );
            let shown = header.start_date.as_ref().map(|t| format!("{t:?}"));
            return Err(FieldError::new(root("scenario").key("start_date"), shown, problem));
        }
    }
    if let (Some(_), Some(_)) = (&start_date, &raid.record) {
        let problem = "a campaign replaying the record (raid.record) starts on its first report: remove `start_date`";
        return Err(FieldError::new(root("scenario").key("start_date"), None, problem));
    }
    let plan = night_plan(raw, nights, start_date, &threats)?;
    let fits = raw.fit.iter().enumerate().map(|(i, f)| fit_range(f, root("fit").index(i))).collect::<Result<_>>()?;
    Ok(Scenario {
        name: header.name.clone(),
        description: header.description.clone(),
        nights,
        trials,
        seed: header.seed.unwrap_or(DEFAULT_SEED),
        start_date,
        raid,
        threats: threats.into_iter().map(|(t, _)| t).collect(),
        defence,
        layers,
        plan,
        fits,
    })
}

fn fit_range(raw: &RawFit, path: FieldPath) -> Result<FitRange> {
    if raw.path.trim().is_empty() {
        return Err(FieldError::new(path.key("path"), Some("\"\"".into()), "must name a number field, as --set does"));
    }
    for (key, value) in [("lo", raw.lo), ("hi", raw.hi)] {
        if !value.is_finite() {
            return Err(FieldError::new(path.key(key), Some(value.to_string()), "must be a finite number"));
        }
    }
    if raw.lo >= raw.hi {
        let problem = format!("must be below hi = {}: a fit searches between lo and hi", raw.hi);
        return Err(FieldError::new(path.key("lo"), Some(raw.lo.to_string()), problem));
    }
    Ok(FitRange { path: raw.path.trim().to_string(), lo: raw.lo, hi: raw.hi })
}

fn in_range(value: i64, lo: i64, hi: i64, path: FieldPath) -> Result<i64> {
    if (lo..=hi).contains(&value) {
        Ok(value)
    } else {
        Err(FieldError::new(path, Some(value.to_string()), format!("must be a whole number in {lo}..={hi}")))
    }
}

/// Scenario names become folder names, so they stay plain.
fn check_name(name: &str, path: FieldPath) -> Result<()> {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if name.is_empty() || name.len() > 100 || name.starts_with('.') || !name.chars().all(plain) {
        return Err(FieldError::new(
            path,
            Some(format!("{name:?}")),
            "must be 1 to 100 characters of letters, digits, '-', '_' or '.', not starting with '.'",
        ));
    }
    Ok(())
}

/// A description is free text, but written into reports and file headers, so it holds no control
/// characters other than line breaks and tabs.
fn check_description(text: &str) -> Result<()> {
    match text.chars().find(|&c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        None => Ok(()),
        Some(c) => Err(FieldError::new(
            root("scenario").key("description"),
            Some(format!("{text:?}")),
            format!("holds the control character U+{:04X}: only line breaks and tabs are allowed", c as u32),
        )),
    }
}

/// Threat and layer names are series in nights.csv and keys in summary.json.
fn check_entry_names<'a>(names: impl Iterator<Item = &'a str>, list: &str) -> Result<()> {
    let mut seen = HashSet::new();
    for (i, name) in names.enumerate() {
        let path = root(list).index(i).key("name");
        let problem = if name.trim().is_empty() || name.len() > 64 {
            "must be 1 to 64 characters"
        } else if name.chars().any(char::is_control) {
            "must hold no control characters (a newline, a tab, a bell): names become series, keys and file text"
        } else if name == "total" {
            "`total` is reserved for the sum over all series"
        } else if !seen.insert(name) {
            "duplicate name: each must be unique"
        } else {
            continue;
        };
        return Err(FieldError::new(path, Some(format!("{name:?}")), problem));
    }
    Ok(())
}

/// A threat's or layer's words for people: `label` if given (1 to 64 characters, no control
/// characters), else `name`.
fn label(label: Option<&str>, name: &str, path: FieldPath) -> Result<String> {
    match label {
        None => Ok(name.to_string()),
        Some(text) if !text.trim().is_empty() && text.chars().count() <= 64 && !text.chars().any(char::is_control) => {
            Ok(text.to_string())
        }
        Some(text) => {
            let shown: String = text.chars().take(80).collect();
            Err(FieldError::new(
                path,
                Some(format!("{shown:?}")),
                "must be 1 to 64 characters, none of them control characters",
            ))
        }
    }
}

/// Each threat with its share of the base mix.
fn threats(raw: &[RawThreat]) -> Result<Vec<(Threat, Param)>> {
    if raw.is_empty() {
        return Err(FieldError::new(root("threat"), None, "at least one [[threat]] is required"));
    }
    check_entry_names(raw.iter().map(|t| t.name.as_str()), "threat")?;
    raw.iter()
        .enumerate()
        .map(|(i, t)| {
            let path = root("threat").index(i);
            if t.decoy && t.damage_on_leak.is_some() {
                return Err(FieldError::new(
                    path.key("damage_on_leak"),
                    t.damage_on_leak.as_ref().map(show_spec),
                    "a decoy carries no warhead: drop damage_on_leak or set decoy = false",
                ));
            }
            let threat = Threat {
                name: t.name.clone(),
                label: label(t.label.as_deref(), &t.name, path.key("label"))?,
                unit_cost_usd: param(&t.unit_cost, Kind::Money, path.key("unit_cost"))?,
                damage_on_leak_usd: param_or(t.damage_on_leak.as_ref(), 0.0, Kind::Money, path.key("damage_on_leak"))?
                    .drawn_per_event(),
                decoy: t.decoy,
                kind: t.kind.clone().unwrap_or_else(|| t.name.clone()),
                ew_defeat: optional(t.ew_defeat.as_ref(), Kind::Probability, path.key("ew_defeat"))?,
                per_night: optional(t.per_night.as_ref(), Kind::Count, path.key("per_night"))?,
                nightly_mean: optional(t.nightly_mean.as_ref(), Kind::NightlyMean, path.key("nightly_mean"))?,
                per: rider(t, i, raw, path.clone())?,
                leak_reported_reached: match t.leak_reported_as.as_deref() {
                    None | Some("reached") => true,
                    Some("lost") => false,
                    Some(other) => {
                        return Err(FieldError::new(
                            path.key("leak_reported_as"),
                            Some(format!("{other:?}")),
                            "must be \"reached\" or \"lost\": how the record reports one that no layer stopped",
                        ));
                    }
                },
            };
            if let Some(kind) = &t.kind {
                check_kind(kind, path.key("kind"))?;
            }
            let share = match (&t.share, how_launched_beside(t)) {
                (Some(share), None) => param(share, Kind::Share, path.key("share"))?,
                (None, Some(_)) => Param::constant(0.0, Kind::Share),
                (Some(share), Some(field)) => {
                    return Err(FieldError::new(
                        path.key("share"),
                        Some(show_spec(share)),
                        format!(
                            "a threat launched by {field} is not drawn from the mix and takes no share of it: \
                             give one of share, per_night, nightly_mean and per"
                        ),
                    ));
                }
                (None, None) => {
                    return Err(FieldError::new(
                        path.key("share"),
                        None,
                        "is required: the threat's share of the mix (or per_night, for a routine part of every raid; \
                         nightly_mean, for a number of its own each night; per, in proportion to another threat)",
                    ));
                }
            };
            Ok((threat, share))
        })
        .collect()
}

/// The first of the ways to launch a threat outside the mix that `t` gives, if any ([`rider`]
/// refuses more than one).
fn how_launched_beside(t: &RawThreat) -> Option<&'static str> {
    [(t.per_night.is_some(), "per_night"), (t.nightly_mean.is_some(), "nightly_mean"), (t.per.is_some(), "per")]
        .into_iter()
        .find_map(|(given, field)| given.then_some(field))
}

/// Threat `i`'s `per` table: one other threat, itself no rider, and its ratio.
fn rider(t: &RawThreat, i: usize, raw: &[RawThreat], path: FieldPath) -> Result<Option<Rider>> {
    let given = [t.per_night.is_some(), t.nightly_mean.is_some(), t.per.is_some()];
    if given.iter().filter(|&&g| g).count() > 1 {
        let fields = ["per_night", "nightly_mean", "per"];
        let named: Vec<&str> = fields.iter().zip(given).filter(|(_, g)| *g).map(|(f, _)| *f).collect();
        return Err(FieldError::new(
            path.key(named[1]),
            None,
            format!("give one of per_night, nightly_mean and per (this threat gives {})", named.join(" and ")),
        ));
    }
    let Some(table) = &t.per else { return Ok(None) };
    let path = path.key("per");
    let mut entries = table.iter();
    let (Some((other, spec)), None) = (entries.next(), entries.next()) else {
        return Err(FieldError::new(
            path,
            None,
            "must name exactly one threat and the number of these per one of it: per = { shahed = 1.2 }",
        ));
    };
    let known: Vec<&str> = raw.iter().map(|t| t.name.as_str()).collect();
    let Some(of) = known.iter().position(|n| n == other) else {
        return Err(FieldError::new(
            path.key(other),
            None,
            format!("no threat is named `{other}`{}; threats: {}", did_you_mean(other, &known), known.join(", ")),
        ));
    };
    if of == i || raw[of].per.is_some() {
        return Err(FieldError::new(
            path.key(other),
            None,
            format!(
                "`{other}` {}: a threat rides with one that is not itself launched per another",
                if of == i { "is this threat" } else { "is launched per another threat" }
            ),
        ));
    }
    Ok(Some(Rider { of, of_name: other.clone(), ratio: param(spec, Kind::Ratio, path.key(other))? }))
}

/// A kind is a key of `engages` and the per-threat tables, so it stays plain.
fn check_kind(kind: &str, path: FieldPath) -> Result<()> {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_');
    if kind.is_empty() || kind.len() > 64 || !kind.chars().all(plain) || kind == "total" {
        return Err(FieldError::new(
            path,
            Some(format!("{kind:?}")),
            "must be 1 to 64 letters, digits, '-' or '_' (and not `total`)",
        ));
    }
    Ok(())
}

fn layers(raw: &[RawLayer], threats: &[Threat]) -> Result<Vec<Layer>> {
    if raw.is_empty() {
        return Err(FieldError::new(root("layer"), None, "at least one [[layer]] is required"));
    }
    check_entry_names(raw.iter().map(|l| l.name.as_str()), "layer")?;
    raw.iter().enumerate().map(|(i, l)| layer(l, root("layer").index(i), threats)).collect()
}

/// A layer's `cost_per_capacity`: USD, and only beside a `capacity` (an unlimited one has no price).
fn cost_per_capacity(l: &RawLayer, path: &FieldPath) -> Result<Param> {
    let at = path.key("cost_per_capacity");
    let cost = param_or(l.cost_per_capacity.as_ref(), 0.0, Kind::Money, at.clone())?;
    if l.capacity.is_none() && cost.mean() != 0.0 {
        return Err(FieldError::new(
            at,
            Some(format!("{}", cost.mean())),
            "needs the layer's `capacity`: an unlimited capacity cannot be priced per unit",
        ));
    }
    Ok(cost)
}

/// A layer's `surge_per_threat`: engagements per threat launched, only beside a `capacity` (an
/// unlimited capacity has nothing to grow).
fn surge_per_threat(l: &RawLayer, path: &FieldPath) -> Result<Param> {
    let at = path.key("surge_per_threat");
    let surge = param_or(l.surge_per_threat.as_ref(), 0.0, Kind::PerThreat, at.clone())?;
    if l.capacity.is_none() && l.surge_per_threat.is_some() {
        return Err(FieldError::new(
            at,
            Some(format!("{}", surge.mean())),
            "needs the layer's `capacity`: the surge adds to a nightly capacity",
        ));
    }
    Ok(surge)
}

fn layer(l: &RawLayer, path: FieldPath, threats: &[Threat]) -> Result<Layer> {
    let doctrine = Doctrine::parse(&l.doctrine).ok_or_else(|| {
        FieldError::new(
            path.key("doctrine"),
            Some(format!("{:?}", l.doctrine)),
            format!("must be one of {}{}", Doctrine::NAMES.join(", "), did_you_mean(&l.doctrine, &Doctrine::NAMES)),
        )
    })?;
    let count = |spec: Option<&ParamSpec>, key| optional(spec, Kind::Count, path.key(key));
    let count_or = |spec: Option<&ParamSpec>, key| param_or(spec, 0.0, Kind::Count, path.key(key));
    let tables = treatment::tables(l, &path, threats, param)?;
    Ok(Layer {
        name: l.name.clone(),
        label: label(l.label.as_deref(), &l.name, path.key("label"))?,
        doctrine,
        pk: param(&l.pk, Kind::Probability, path.key("pk"))?,
        max_shots: param(&l.max_shots, Kind::Shots, path.key("max_shots"))?,
        cost_per_shot_usd: param(&l.cost_per_shot, Kind::Money, path.key("cost_per_shot"))?,
        cost_per_capacity_usd: cost_per_capacity(l, &path)?,
        coverage: param_or(l.coverage.as_ref(), 1.0, Kind::Probability, path.key("coverage"))?,
        capacity: count(l.capacity.as_ref(), "capacity")?,
        surge_per_threat: surge_per_threat(l, &path)?,
        stock: count(l.stock.as_ref(), "stock")?,
        reserve: count_or(l.reserve.as_ref(), "reserve")?,
        resupply_per_night: count_or(l.resupply_per_night.as_ref(), "resupply_per_night")?,
        max_stock: count(l.max_stock.as_ref(), "max_stock")?,
        engage_identified_decoys: l.engage_identified_decoys,
        warning_sensitivity: param_or(
            l.warning_sensitivity.as_ref(),
            1.0,
            Kind::NonNegative,
            path.key("warning_sensitivity"),
        )?,
        engages: tables.engages,
        pk_vs: tables.pk_vs,
        coverage_vs: tables.coverage_vs,
        reserve_for: tables.reserve_for,
        treatment: tables.treatment,
    })
}

fn record_spec(raw: &super::raw::RawRecord) -> Result<super::model::RecordSpec> {
    let at = root("raid").key("record");
    let (from, to) = (date(&raw.from, at.key("from"))?, date(&raw.to, at.key("to"))?);
    if from > to {
        return Err(FieldError::new(
            at.key("to"),
            Some(format!("{:?}", raw.to)),
            format!("must not be before `from` ({from})"),
        ));
    }
    Ok(super::model::RecordSpec { file: raw.file.clone(), from, to })
}

fn date(text: &str, path: FieldPath) -> Result<Date> {
    Date::parse(text).ok_or_else(|| FieldError::new(path, Some(format!("{text:?}")), "must be a date, YYYY-MM-DD"))
}

fn night_plan(raw: &RawScenario, nights: u32, start: Option<Date>, threats: &[(Threat, Param)]) -> Result<NightPlan> {
    let base_mix: Vec<Param> = threats.iter().map(|(_, share)| share.clone()).collect();
    check_mix(&base_mix, root("threat"))?;
    let mut plan = NightPlan {
        early_warning: vec![param_or(
            raw.defence.early_warning.as_ref(),
            1.0,
            Kind::Probability,
            root("defence").key("early_warning"),
        )?],
        raid_size: vec![raid_size(raw)?],
        shares: vec![threats.iter().map(|(_, share)| share.clone()).collect()],
        nights: vec![NightInputs::default(); nights as usize],
        dates: start.map_or_else(Vec::new, |start| (0..i64::from(nights)).map(|n| start.add_days(n)).collect()),
        phases: Vec::new(),
        variants: vec![Vec::new()],
    };
    let calendar = match (start, &raw.raid.record) {
        (_, Some(_)) => Calendar::Record,
        (Some(date), None) => Calendar::From(date),
        (None, None) => Calendar::Undated,
    };
    for (i, phase) in raw.phase.iter().enumerate() {
        add_phase(&mut plan, phase, root("phase").index(i), (nights, calendar), threats)?;
    }
    Ok(plan)
}

/// `raid.size`: required, unless the nights come from the record (then refused: the record says).
fn raid_size(raw: &RawScenario) -> Result<Param> {
    let at = root("raid").key("size");
    match (&raw.raid.size, &raw.raid.record) {
        (Some(spec), None) => param(spec, Kind::Raid, at),
        (None, None) => Err(FieldError::new(root("raid"), None, "missing field `size`")),
        (Some(spec), Some(_)) => {
            let problem =
                "a campaign replaying the record (raid.record) takes each night's raid from it: remove `size`";
            Err(FieldError::new(at, Some(show_spec(spec)), problem))
        }
        (None, Some(_)) => Ok(Param::constant(0.0, Kind::Raid)),
    }
}

/// Adds one phase's inputs and points its nights at them (later phases win).
fn add_phase(
    plan: &mut NightPlan,
    phase: &RawPhase,
    path: FieldPath,
    (nights, calendar): (u32, Calendar),
    threats: &[(Threat, Param)],
) -> Result<()> {
    let (first, last, dates) = phase_nights(phase, &path, nights, calendar)?;
    let range = (first - 1) as usize..(last as usize).max(first as usize - 1);
    if phase.name.trim().is_empty() || phase.name.len() > 64 || phase.name.chars().any(char::is_control) {
        let problem = "must be 1 to 64 characters, none of them control characters";
        return Err(FieldError::new(path.key("name"), Some(format!("{:?}", phase.name)), problem));
    }
    let mut declared = Phase {
        name: phase.name.clone(),
        first,
        last,
        dates,
        early_warning: None,
        raid_size: None,
        shares: None,
        variant: None,
    };
    if let Some(spec) = &phase.early_warning {
        plan.early_warning.push(param(spec, Kind::Probability, path.key("early_warning"))?);
        let index = plan.early_warning.len() - 1;
        declared.early_warning = Some(index);
        plan.nights[range.clone()].iter_mut().for_each(|n| n.early_warning = index);
    }
    if let Some(spec) = &phase.raid_size {
        plan.raid_size.push(param(spec, Kind::Raid, path.key("raid_size"))?);
        let index = plan.raid_size.len() - 1;
        declared.raid_size = Some(index);
        plan.nights[range.clone()].iter_mut().for_each(|n| n.raid_size = index);
    }
    if let Some(shares) = &phase.shares {
        plan.shares.push(phase_shares(shares, path.key("shares"), threats)?);
        let index = plan.shares.len() - 1;
        declared.shares = Some(index);
        plan.nights[range.clone()].iter_mut().for_each(|n| n.shares = index);
    }
    plan.phases.push(declared);
    Ok(())
}

/// What the nights' dates are.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Calendar {
    Undated,
    /// Night 1 is this date, and the nights are consecutive days.
    From(Date),
    /// The nights are the record's reports (`raid.record`), read after validation.
    Record,
}

/// A phase's first and last night (1-based; `first > last` for a dated phase outside the campaign)
/// and its dates: by `nights`, or by `dates` counted from `scenario.start_date`.
fn phase_nights(
    phase: &RawPhase,
    path: &FieldPath,
    nights: u32,
    calendar: Calendar,
) -> Result<(u32, u32, Option<[Date; 2]>)> {
    match (&phase.nights, &phase.dates) {
        (Some(_), None) if calendar == Calendar::Record => {
            let problem = "a campaign replaying the record has one night per report: give the phase `dates`";
            Err(FieldError::new(path.key("nights"), None, problem))
        }
        (Some([first, last]), None) => {
            if *first < 1 || *last > i64::from(nights) || first > last {
                return Err(FieldError::new(
                    path.key("nights"),
                    Some(format!("[{first}, {last}]")),
                    format!("must be [first, last] with 1 <= first <= last <= {nights} (scenario.nights)"),
                ));
            }
            Ok((*first as u32, *last as u32, None))
        }
        (None, Some([from, to])) => {
            let (from, to) = (date(from, path.key("dates").index(0))?, date(to, path.key("dates").index(1))?);
            if from > to {
                let value = format!("[\"{from}\", \"{to}\"]");
                return Err(FieldError::new(
                    path.key("dates"),
                    Some(value),
                    "must be [first, last] with first <= last",
                ));
            }
            let start = match calendar {
                Calendar::From(start) => start,
                // No nights until the record's reports are read (crate::replay::replay_scenario).
                Calendar::Record => return Ok((1, 0, Some([from, to]))),
                Calendar::Undated => {
                    let problem = "a phase given by dates needs scenario.start_date, the date of night 1";
                    return Err(FieldError::new(path.key("dates"), None, problem));
                }
            };
            let night = |date: Date| date.days_since(start) + 1;
            let first = night(from).clamp(1, i64::from(nights) + 1) as u32;
            let last = night(to).clamp(0, i64::from(nights)) as u32;
            Ok((first.min(last + 1), last, Some([from, to])))
        }
        (Some(_), Some(_)) => Err(FieldError::new(path.clone(), None, "give the phase `nights` or `dates`, not both")),
        (None, None) => Err(FieldError::new(
            path.clone(),
            None,
            "a phase needs `nights = [first, last]` or `dates = [first, last]`",
        )),
    }
}

/// A phase's mix must name every threat, each once, and no other.
fn phase_shares(
    shares: &std::collections::BTreeMap<String, ParamSpec>,
    path: FieldPath,
    threats: &[(Threat, Param)],
) -> Result<Vec<Param>> {
    let known: Vec<&str> = threats.iter().map(|(t, _)| t.name.as_str()).collect();
    if let Some(unknown) = shares.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(FieldError::new(
            path.key(unknown),
            None,
            format!("no threat is named `{unknown}`{}; threats: {}", did_you_mean(unknown, &known), known.join(", ")),
        ));
    }
    if let Some((outside, _)) = threats.iter().find(|(t, _)| !t.in_mix() && shares.contains_key(&t.name)) {
        return Err(FieldError::new(
            path.key(&outside.name),
            None,
            "is launched by per_night, nightly_mean or per, not from the mix: a phase gives no share for it",
        ));
    }
    let mix = threats
        .iter()
        .map(|(t, _)| {
            if !t.in_mix() {
                return Ok(Param::constant(0.0, Kind::Share));
            }
            let spec = shares.get(&t.name).ok_or_else(|| {
                FieldError::new(
                    path.clone(),
                    None,
                    format!("must give a share for every threat of the mix; missing `{}`", t.name),
                )
            })?;
            param(spec, Kind::Share, path.key(&t.name))
        })
        .collect::<Result<Vec<_>>>()?;
    check_mix(&mix, path)?;
    Ok(mix)
}

/// Shares are weights, normalised per trial: a mix of nothing but zeros says nothing.
fn check_mix(shares: &[Param], path: FieldPath) -> Result<()> {
    if shares.iter().all(|s| s.as_constant() == Some(0.0)) {
        return Err(FieldError::new(
            path,
            None,
            "every share is 0: at least one threat needs a share > 0 (the raid is drawn from the mix; a threat launched by per_night, nightly_mean or per has no share in it)",
        ));
    }
    Ok(())
}
