//! Effectiveness by threat type: resolves a layer's `engages`, `pk_vs`, `coverage_vs` and
//! `reserve_for` (each keyed by threat name or kind) into one [`Treatment`] per threat, and
//! rejects every entry that could not mean what its author intended.
//!
//! A key names a threat or a kind. For each threat the entry under its name wins over the entry
//! under its kind, which wins over the layer's default.

use std::collections::{BTreeMap, HashSet};

use super::error::{FieldError, FieldPath};
use super::model::{Threat, Treatment};
use super::param::{Kind, Param, ParamSpec, did_you_mean};
use super::raw::RawLayer;
use super::validate::show_spec;

type Result<T> = std::result::Result<T, FieldError>;

/// A layer's per-threat tables, validated.
pub struct Tables {
    pub engages: Option<Vec<String>>,
    pub pk_vs: Vec<(String, Param)>,
    pub coverage_vs: Vec<(String, Param)>,
    pub reserve_for: Vec<String>,
    pub treatment: Vec<Treatment>,
}

/// Validates layer `l`'s per-threat tables against `threats`; `param` validates one value.
pub fn tables(
    l: &RawLayer,
    path: &FieldPath,
    threats: &[Threat],
    param: impl Fn(&ParamSpec, Kind, FieldPath) -> Result<Param>,
) -> Result<Tables> {
    let keys = Keys::new(threats);
    let engages = l.engages.as_ref().map(|list| keys.check_list(list, &path.key("engages"))).transpose()?;
    let mut treatment: Vec<Treatment> = threats
        .iter()
        .map(|t| match &engages {
            None => Treatment { engaged: true, ..Treatment::default() },
            Some(list) => match keys.position(list, t) {
                Some(priority) => Treatment { engaged: true, priority, ..Treatment::default() },
                None => Treatment::default(),
            },
        })
        .collect();
    let table = |raw: &Option<BTreeMap<String, ParamSpec>>, key: &str| -> Result<Vec<(String, Param)>> {
        let Some(raw) = raw else { return Ok(Vec::new()) };
        raw.iter()
            .map(|(name, spec)| {
                let at = path.key(key).key(name);
                keys.check_engaged(name, &at, Some(show_spec(spec)), &treatment, threats)?;
                Ok((name.clone(), param(spec, Kind::Probability, at)?))
            })
            .collect()
    };
    let pk_vs = table(&l.pk_vs, "pk_vs")?;
    let coverage_vs = table(&l.coverage_vs, "coverage_vs")?;
    let reserve_for = match &l.reserve_for {
        None => Vec::new(),
        Some(list) => {
            let at = path.key("reserve_for");
            if l.stock.is_none() {
                return Err(FieldError::new(
                    at,
                    Some(format!("{list:?}")),
                    "only a layer with a finite `stock` has a reserve to release: add a stock or drop reserve_for",
                ));
            }
            let list = keys.check_list(list, &at)?;
            for (i, name) in list.iter().enumerate() {
                keys.check_engaged(name, &at.index(i), Some(format!("{name:?}")), &treatment, threats)?;
            }
            list
        }
    };
    for (t, threat) in treatment.iter_mut().zip(threats) {
        let lookup = |entries: &[(String, Param)]| position_in(entries.iter().map(|(k, _)| k.as_str()), threat);
        t.pk = lookup(&pk_vs).map_or(0, |i| i + 1);
        t.coverage = lookup(&coverage_vs).map_or(0, |i| i + 1);
        t.below_reserve = t.engaged && keys.position(&reserve_for, threat).is_some();
    }
    Ok(Tables { engages, pk_vs, coverage_vs, reserve_for, treatment })
}

/// The names and kinds a key may be.
struct Keys<'a> {
    known: Vec<&'a str>,
}

impl<'a> Keys<'a> {
    fn new(threats: &'a [Threat]) -> Keys<'a> {
        let mut known: Vec<&str> = threats.iter().map(|t| t.name.as_str()).collect();
        for t in threats {
            if !known.contains(&t.kind.as_str()) {
                known.push(&t.kind);
            }
        }
        Keys { known }
    }

    /// A list of keys: each known, none repeated, not empty.
    fn check_list(&self, list: &[String], path: &FieldPath) -> Result<Vec<String>> {
        if list.is_empty() {
            return Err(FieldError::new(
                path.clone(),
                Some("[]".into()),
                "name at least one threat or kind (drop the layer if it engages nothing)",
            ));
        }
        let mut seen = HashSet::new();
        for (i, key) in list.iter().enumerate() {
            self.check_known(key, &path.index(i))?;
            if !seen.insert(key.as_str()) {
                return Err(FieldError::new(path.index(i), Some(format!("{key:?}")), "repeated entry: list each once"));
            }
        }
        Ok(list.to_vec())
    }

    fn check_known(&self, key: &str, path: &FieldPath) -> Result<()> {
        if self.known.contains(&key) {
            return Ok(());
        }
        Err(FieldError::new(
            path.clone(),
            Some(format!("{key:?}")),
            format!(
                "no threat has this name or kind{}; names and kinds: {}",
                did_you_mean(key, &self.known),
                self.known.join(", ")
            ),
        ))
    }

    /// A key of a per-threat table: known, and naming at least one threat the layer engages.
    fn check_engaged(
        &self,
        key: &str,
        path: &FieldPath,
        value: Option<String>,
        treatment: &[Treatment],
        threats: &[Threat],
    ) -> Result<()> {
        self.check_known(key, path)?;
        let engaged = threats.iter().zip(treatment).any(|(t, how)| how.engaged && (t.name == key || t.kind == key));
        if engaged {
            return Ok(());
        }
        Err(FieldError::new(
            path.clone(),
            value,
            format!("the layer does not engage `{key}`: add it to `engages` or drop the entry"),
        ))
    }

    /// Where `threat` is named in `list`: by its name, else by its kind.
    fn position(&self, list: &[String], threat: &Threat) -> Option<usize> {
        position_in(list.iter().map(String::as_str), threat)
    }
}

/// Where `threat` is named among `keys`: by its name, else by its kind.
fn position_in<'k>(keys: impl Iterator<Item = &'k str>, threat: &Threat) -> Option<usize> {
    let mut by_kind = None;
    for (i, key) in keys.enumerate() {
        if key == threat.name {
            return Some(i);
        }
        if key == threat.kind && by_kind.is_none() {
            by_kind = Some(i);
        }
    }
    by_kind
}
