//! Scenario files: reading, `--set` overrides, validation, and the validated model.
//!
//! Parsing runs in stages — TOML text → document (+ `--set` edits) → `raw` serde structs →
//! validated [`Scenario`] — and every failure becomes one [`InputError`] naming the file or
//! argument, the field path, the value and what is allowed.

mod base;
mod beta_table;
mod coupling;
mod date;
mod error;
pub mod labels;
mod locate;
mod model;
mod overrides;
mod param;
mod phase_sets;
mod raw;
pub mod rewrite;
mod treatment;
mod validate;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use coupling::coupling;
pub use date::Date;
pub use error::{FieldError, FieldPath, InputError, Origin, Segment};
pub use model::{
    Defence, Doctrine, FitRange, Layer, LayerField, NightInputs, NightPlan, Phase, PhaseSet, Raid, Scenario, Target,
    Threat, Treatment,
};
pub use overrides::Override;
pub use param::{Kind, MAX_RAID, Param, ParamSpec};
pub use validate::{MAX_NIGHTS, MAX_TRIALS};

/// Largest scenario file read, in bytes.
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// A validated scenario and what identifies it.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub scenario: Scenario,
    /// SHA-256 of the file's bytes followed by every `--set`, in hex.
    pub hash: String,
    pub file: PathBuf,
    /// The scenario text and `--set`s it was built from.
    pub source: String,
    pub sets: Vec<String>,
}

/// Reads, overrides and validates the scenario at `file`.
pub fn load(file: &Path, sets: &[Override]) -> Result<Loaded, InputError> {
    parse(&read_text(file)?, file, sets)
}

/// The text of the scenario file at `file`: a regular file of at most [`MAX_FILE_BYTES`] of UTF-8.
fn read_text(file: &Path) -> Result<String, InputError> {
    let whole_file = |problem: String| InputError::file(file, None, problem);
    let bytes = crate::input_file::read(file, MAX_FILE_BYTES as u64, "scenario file").map_err(whole_file)?;
    String::from_utf8(bytes)
        .map_err(|e| whole_file(format!("is not UTF-8 text (bad byte at offset {})", e.utf8_error().valid_up_to())))
}

/// Parses TOML text read from `file`.
fn document_of(source: &str, file: &Path) -> Result<toml::Table, InputError> {
    source.parse().map_err(|e: toml::de::Error| {
        let line_col = e.span().map(|s| locate::line_col(source, s.start));
        InputError::file(file, line_col, format!("invalid TOML: {}", e.message().trim()))
    })
}

/// Parses scenario text as if read from `file`; an excursion (`base = ...`) is resolved against
/// its base first, and its text is then the whole scenario's.
pub fn parse(source: &str, file: &Path, sets: &[Override]) -> Result<Loaded, InputError> {
    let mut document = document_of(source, file)?;
    let resolution = base::resolve(source, file, &document)?;
    let (source, chain) = match resolution {
        Some(r) => {
            document = document_of(&r.text, file)?;
            (r.text, r.chain)
        }
        None => (source.to_string(), Vec::new()),
    };
    let source = source.as_str();
    for set in sets {
        set.apply(&mut document)?;
    }
    let place = |error: FieldError| input_error(error, &document, source, file, sets, &chain);
    let raw: raw::RawScenario =
        serde_path_to_error::deserialize(toml::Value::Table(document.clone())).map_err(|e| place(serde_error(e)))?;
    let mut scenario = validate::validate(&raw).map_err(place)?;
    phase_sets::resolve(&document, &raw.phase, &mut scenario).map_err(place)?;
    Ok(Loaded {
        scenario,
        hash: scenario_hash(source, sets),
        file: file.to_path_buf(),
        source: source.to_string(),
        sets: sets.iter().map(|s| s.text.clone()).collect(),
    })
}

fn scenario_hash(source: &str, sets: &[Override]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(source.as_bytes());
    for set in sets {
        hasher.update(b"\n--set ");
        hasher.update(set.text.as_bytes());
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A serde error with its path; an unknown field also gets a did-you-mean.
fn serde_error(e: serde_path_to_error::Error<toml::de::Error>) -> FieldError {
    let segments = e
        .path()
        .iter()
        .filter_map(|s| match s {
            serde_path_to_error::Segment::Seq { index } => Some(Segment::Index(*index)),
            serde_path_to_error::Segment::Map { key } => Some(Segment::Key(key.clone())),
            _ => None,
        })
        .collect();
    let message = e.inner().message().trim().to_string();
    FieldError::new(FieldPath::new(segments), None, with_suggestion(message))
}

/// Turns serde's "unknown field `pkk`, expected one of `a`, `b`" into a did-you-mean.
fn with_suggestion(message: String) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else { return message };
    let Some((field, expected)) = rest.split_once('`') else { return message };
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let suggestion = param::did_you_mean(field, &candidates);
    format!("unknown field `{field}`{suggestion} (allowed: {})", candidates.join(", "))
}

/// Places a field error: in a `--set` argument if one wrote that field, else in the file that
/// wrote it (an excursion's or one of its bases, `chain`), else in `file`.
fn input_error(
    error: FieldError,
    document: &toml::Table,
    source: &str,
    file: &Path,
    sets: &[Override],
    chain: &[base::Source],
) -> InputError {
    let path = error.path.clone().name_elements(document);
    let written = || {
        let segments = path.text_segments();
        chain.iter().find_map(|s| locate::locate_named(&s.text, &segments).map(|at| (s.file.clone(), Some(at))))
    };
    let origin = match sets.iter().rev().find(|s| path.starts_with_text(&s.path_text())) {
        Some(set) => Origin::Argument(format!("--set {}", set.text)),
        None if !chain.is_empty() => {
            let (file, line_col) = written().unwrap_or((file.to_path_buf(), None));
            Origin::File { file, line_col }
        }
        None => Origin::File { file: file.to_path_buf(), line_col: locate::locate(source, &error.path) },
    };
    InputError { origin, path: path.to_string(), value: error.value, problem: error.problem }
}
