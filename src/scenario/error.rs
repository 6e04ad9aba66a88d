//! Errors in what the user gave us: one message naming where, which field, the value, and what is
//! allowed. The CLI maps every [`InputError`] to exit code 2.

use crate::format::clip;
use std::fmt;
use std::path::PathBuf;

/// One step of a field path: a table key or an array index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A field path such as `layer[1].pk`, displayed with array elements by name where they have one
/// (`layer.nasams.pk`, the spelling `--set` uses).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldPath {
    pub segments: Vec<Segment>,
    /// Display names of indexed elements, filled in by [`FieldPath::name_elements`].
    names: Vec<Option<String>>,
}

impl FieldPath {
    pub fn new(segments: Vec<Segment>) -> FieldPath {
        FieldPath { names: vec![None; segments.len()], segments }
    }

    pub fn key(&self, key: &str) -> FieldPath {
        self.then(Segment::Key(key.to_string()))
    }

    pub fn index(&self, index: usize) -> FieldPath {
        self.then(Segment::Index(index))
    }

    fn then(&self, segment: Segment) -> FieldPath {
        let mut path = self.clone();
        path.segments.push(segment);
        path.names.push(None);
        path
    }

    /// Names each indexed element after its `name` field in `document`, where that name is
    /// unique among its siblings (a duplicated name would not say which element is meant).
    pub fn name_elements(mut self, document: &toml::Table) -> FieldPath {
        let name_of = |v: &toml::Value| v.get("name").and_then(toml::Value::as_str).map(str::to_string);
        let mut node: Option<&toml::Value> = None;
        for (i, segment) in self.segments.iter().enumerate() {
            let parent = node;
            node = match (segment, node) {
                (Segment::Key(k), None) => document.get(k),
                (Segment::Key(k), Some(v)) => v.get(k.as_str()),
                (Segment::Index(j), Some(v)) => v.get(*j),
                (Segment::Index(_), None) => None,
            };
            if let (Segment::Index(_), Some(element), Some(toml::Value::Array(siblings))) = (segment, node, parent) {
                let name = name_of(element);
                let unique = siblings.iter().filter(|s| name_of(s) == name).count() == 1;
                self.names[i] = name.filter(|_| unique);
            }
        }
        self
    }

    /// The path's steps in the `--set` spelling: keys, and elements by name where they have one
    /// (else by index).
    pub fn text_segments(&self) -> Vec<String> {
        self.segments
            .iter()
            .zip(&self.names)
            .map(|(segment, name)| match (segment, name) {
                (Segment::Key(k), _) => k.clone(),
                (Segment::Index(_), Some(name)) => name.clone(),
                (Segment::Index(i), None) => i.to_string(),
            })
            .collect()
    }

    /// Whether `self` starts with `prefix` (in the `--set` spelling).
    pub fn starts_with_text(&self, prefix: &str) -> bool {
        let text = self.to_string();
        text == prefix || text.starts_with(&format!("{prefix}.")) || text.starts_with(&format!("{prefix}["))
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (segment, name)) in self.segments.iter().zip(&self.names).enumerate() {
            match (segment, name) {
                (Segment::Index(_), Some(name)) if is_bare_key(name) => write!(f, ".{name}")?,
                // Quoted with escapes, so a control character in a name never reaches a terminal.
                (Segment::Index(_), Some(name)) => write!(f, ".{name:?}")?,
                (Segment::Index(j), None) => write!(f, "[{j}]")?,
                (Segment::Key(k), _) if !is_bare_key(k) => write!(f, "{}{k:?}", if i == 0 { "" } else { "." })?,
                (Segment::Key(k), _) if i == 0 => write!(f, "{k}")?,
                (Segment::Key(k), _) => write!(f, ".{k}")?,
            }
        }
        Ok(())
    }
}

fn is_bare_key(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A problem with one field, before we know which file or `--set` it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub path: FieldPath,
    /// The offending value as written, when there is one.
    pub value: Option<String>,
    /// What is wrong and what is allowed.
    pub problem: String,
}

impl FieldError {
    pub fn new(path: FieldPath, value: Option<String>, problem: impl Into<String>) -> FieldError {
        FieldError { path, value, problem: problem.into() }
    }
}

/// Where an input error was found.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// The scenario file, with line and column when known.
    File { file: PathBuf, line_col: Option<(usize, usize)> },
    /// A `--set PATH=VALUE` (or `--vary`) argument from the command line.
    Argument(String),
}

/// Bad input: a file we cannot read or parse, an invalid field, or a bad argument.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct InputError {
    pub origin: Origin,
    /// Empty for errors about the whole file.
    pub path: String,
    pub value: Option<String>,
    pub problem: String,
}

impl InputError {
    /// A problem with a command-line argument as a whole: `argument` says which (`--set X=1`).
    pub fn argument(argument: impl Into<String>, problem: impl Into<String>) -> InputError {
        InputError {
            origin: Origin::Argument(argument.into()),
            path: String::new(),
            value: None,
            problem: problem.into(),
        }
    }

    /// A problem with a file as a whole, at `line_col` when known.
    pub fn file(file: &std::path::Path, line_col: Option<(usize, usize)>, problem: impl Into<String>) -> InputError {
        InputError {
            origin: Origin::File { file: file.to_path_buf(), line_col },
            path: String::new(),
            value: None,
            problem: problem.into(),
        }
    }
}

/// Most characters of an argument, a field's path or a value a message echoes.
const SHOWN: usize = 200;
/// Most characters of the problem (a list of a scenario's fields runs to a few thousand).
const PROBLEM_SHOWN: usize = 8000;

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Origin::File { file, line_col: Some((line, col)) } => write!(f, "{}:{line}:{col}: ", file.display())?,
            Origin::File { file, line_col: None } => write!(f, "{}: ", file.display())?,
            Origin::Argument(arg) => write!(f, "{}: ", clip(arg, SHOWN))?,
        }
        if !self.path.is_empty() {
            write!(f, "{}", clip(&self.path, SHOWN))?;
            if let Some(value) = &self.value {
                write!(f, " = {}", clip(value, SHOWN))?;
            }
            write!(f, ": ")?;
        }
        write!(f, "{}", clip(&self.problem, PROBLEM_SHOWN))
    }
}
