//! Excursions: a scenario that names a `base` holds only what it changes, so it cannot drift from
//! the file it claims to copy.
//!
//! `base = "baseline.toml"` in `[scenario]` (a path relative to the file) makes the file an
//! excursion of that base. Resolution writes the excursion into the base's text, so that the
//! result is one scenario file, validated like any other and written as `scenario.toml` beside
//! every result: the base's comments and layout are kept, and each value the excursion writes
//! arrives with its own comment.
//!
//! - `[scenario]`, `[raid]`, `[defence]`: each key the excursion writes replaces the base's, or is
//!   added; every other key is the base's. The excursion's `name` must differ from the base's.
//! - `[[threat]]`, `[[layer]]`, `[[phase]]`, matched by `name`: an element with the name of one in
//!   the base changes only the fields it writes; a new name adds an element after the base's;
//!   `remove = true` beside the name (and nothing else) removes the base's element;
//!   `unset = ["share"]` drops fields of the base's element (one written another way, say its
//!   decoys given `per` a strike drone instead of a share of the mix). A new
//!   element goes after the base's, or with `before = "name"` before that one (layers engage in
//!   file order).
//! - `[[fit]]`, matched by `path`: an entry for a path the base fits replaces the base's entry; a
//!   new path adds one; `remove = true` removes it.
//!
//! A base may have a base of its own, up to [`MAX_DEPTH`] files deep; a cycle is refused.

use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use super::error::InputError;
use super::locate;

/// How many files deep a chain of bases may go.
pub const MAX_DEPTH: usize = 8;

/// Tables whose keys an excursion replaces one by one.
const TABLES: [&str; 3] = ["scenario", "raid", "defence"];

/// Arrays of tables an excursion changes element by element, and the key that names an element.
const ARRAYS: [(&str, &str); 4] = [("threat", "name"), ("layer", "name"), ("phase", "name"), ("fit", "path")];

/// One file of a chain of bases, as read.
#[derive(Clone, Debug)]
pub struct Source {
    pub file: PathBuf,
    pub text: String,
}

/// An excursion resolved against its bases.
#[derive(Clone, Debug)]
pub struct Resolution {
    /// The whole scenario, as one file's text.
    pub text: String,
    /// The excursion first, then its base, its base's base, ...
    pub chain: Vec<Source>,
}

/// `text` (read from `file`) resolved against its bases; `None` when it names no `base`.
pub fn resolve(text: &str, file: &Path, document: &toml::Table) -> Result<Option<Resolution>, InputError> {
    if base_of(document).is_none() {
        return Ok(None);
    }
    let mut chain = vec![Source { file: file.to_path_buf(), text: text.to_string() }];
    let text = resolve_chain(&mut chain)?;
    Ok(Some(Resolution { text, chain }))
}

/// The `base` a document names, if any.
fn base_of(document: &toml::Table) -> Option<&toml::Value> {
    document.get("scenario").and_then(|s| s.get("base"))
}

/// Resolves the last file of `chain` against its bases, reading each base onto the chain.
fn resolve_chain(chain: &mut Vec<Source>) -> Result<String, InputError> {
    let Source { file, text } = chain.last().expect("a chain starts with a file").clone();
    let document: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line_col = e.span().map(|s| locate::line_col(&text, s.start));
        InputError::file(&file, line_col, format!("invalid TOML: {}", e.message().trim()))
    })?;
    let Some(base) = base_of(&document) else { return Ok(text) };
    let at = |problem: String| {
        let line_col = locate::locate(&text, &super::FieldPath::default().key("scenario").key("base"));
        InputError {
            origin: super::Origin::File { file: file.clone(), line_col },
            path: "scenario.base".into(),
            value: Some(base.to_string()),
            problem,
        }
    };
    let Some(name) = base.as_str() else {
        return Err(at("must be the path of the base scenario file, relative to this file (a string)".into()));
    };
    let base_file = file.parent().unwrap_or(Path::new("")).join(name);
    if chain.len() >= MAX_DEPTH {
        return Err(at(format!("is more than {MAX_DEPTH} files deep in a chain of bases")));
    }
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    if chain.iter().any(|s| canonical(&s.file) == canonical(&base_file)) {
        let names: Vec<String> = chain.iter().map(|s| s.file.display().to_string()).collect();
        return Err(at(format!("makes a cycle of bases: {} → {}", names.join(" → "), base_file.display())));
    }
    let base_text = super::read_text(&base_file).map_err(|e| at(format!("cannot use the base: {e}")))?;
    chain.push(Source { file: base_file, text: base_text });
    let resolved_base = resolve_chain(chain)?;
    let merged = apply(&resolved_base, &text, &document).map_err(|(path, problem)| {
        let line_col = locate::locate_named(&text, &path);
        InputError {
            origin: super::Origin::File { file: file.clone(), line_col },
            path: path.join("."),
            value: None,
            problem,
        }
    })?;
    Ok(format!(
        "{}# Resolved by salvosim: {} over its base {}.\n\n{merged}",
        leading_comments(&text),
        file.display(),
        name
    ))
}

/// The comment lines at the top of `text`, up to its first other line.
fn leading_comments(text: &str) -> String {
    text.lines().take_while(|l| l.trim_start().starts_with('#')).map(|l| format!("{l}\n")).collect()
}

/// A problem placed at a path of the excursion (`--set` spelling, element names).
type Problem = (Vec<String>, String);

/// The base's resolved text with the excursion's `document` (its text `excursion`) written in.
fn apply(base: &str, excursion: &str, document: &toml::Table) -> Result<String, Problem> {
    let base_document: toml::Table = base.parse().map_err(|_| (vec![], "the base does not parse".to_string()))?;
    let spans = DeTable::parse(excursion).map_err(|_| (vec![], "the excursion does not parse".to_string()))?;
    let mut out = base.to_string();
    for (key, value) in spans.get_ref().iter() {
        let key = key.get_ref().as_ref();
        if TABLES.contains(&key) {
            let (DeValue::Table(table), Some(toml::Value::Table(written))) = (value.get_ref(), document.get(key))
            else {
                return Err((vec![key.into()], "must be a table".into()));
            };
            for (field, spanned) in table.iter() {
                let field = field.get_ref().as_ref();
                if key == "scenario" && field == "base" {
                    continue;
                }
                if key == "scenario"
                    && field == "name"
                    && base_document.get("scenario").and_then(|s| s.get("name")) == written.get("name")
                {
                    return Err((
                        vec![key.into(), field.into()],
                        "must differ from the base's name (an excursion writes results of its own)".into(),
                    ));
                }
                let line = value_line(excursion, spanned, &written[field]);
                out = super::rewrite::set_line(&out, &format!("{key}.{field}"), &line)
                    .map_err(|p| (vec![key.into(), field.into()], p))?;
            }
        } else if let Some(&(_, id_key)) = ARRAYS.iter().find(|(array, _)| *array == key) {
            let (DeValue::Array(items), Some(toml::Value::Array(written))) = (value.get_ref(), document.get(key))
            else {
                return Err((vec![key.into()], "must be an array of tables ([[…]])".into()));
            };
            for (item, element) in items.iter().zip(written) {
                out = apply_element(&out, excursion, key, id_key, item, element)?;
            }
        } else {
            let allowed: Vec<&str> = TABLES.iter().copied().chain(ARRAYS.iter().map(|(a, _)| *a)).collect();
            return Err((vec![key.into()], format!("is not a part of a scenario (allowed: {})", allowed.join(", "))));
        }
    }
    Ok(out)
}

/// `out` with one `[[key]]` element of the excursion written in.
fn apply_element(
    out: &str,
    excursion: &str,
    key: &str,
    id_key: &str,
    item: &toml::Spanned<DeValue>,
    element: &toml::Value,
) -> Result<String, Problem> {
    let Some(id) = element.get(id_key).and_then(toml::Value::as_str) else {
        return Err((
            vec![key.into()],
            format!("an element needs its `{id_key}`: the base's element it changes, or a new one"),
        ));
    };
    let at = |field: &str| vec![key.to_string(), id.to_string(), field.to_string()];
    let table = element.as_table().expect("an array of tables");
    let in_base = element_block(out, key, id_key, id);
    match table.get("remove") {
        Some(toml::Value::Boolean(true)) => {
            if table.len() > 2 {
                return Err((
                    at("remove"),
                    "stands alone beside the element's name: a removed element has no fields".into(),
                ));
            }
            let Some(range) = in_base else {
                return Err((at("remove"), format!("the base has no {key} `{id}` to remove")));
            };
            return Ok(format!("{}{}", &out[..range.start], &out[range.end..]));
        }
        Some(_) => return Err((at("remove"), "must be `true` (or absent)".into())),
        None => {}
    }
    match in_base {
        Some(_) if table.contains_key("before") => {
            Err((at("before"), format!("places a new {key}: the base's `{id}` keeps its place")))
        }
        Some(range) if id_key == "name" => {
            let DeValue::Table(fields) = item.get_ref() else { unreachable!("an array of tables") };
            let mut out = unset(out, range, table, key, id).map_err(|p| (at("unset"), p))?;
            for (field, spanned) in fields.iter() {
                let field = field.get_ref().as_ref();
                if field == id_key || field == "unset" {
                    continue;
                }
                let line = value_line(excursion, spanned, &table[field]);
                out = super::rewrite::set_line(&out, &format!("{key}.{id}.{field}"), &line)
                    .map_err(|p| (at(field), p))?;
            }
            Ok(out)
        }
        // A [[fit]] entry is replaced whole (its path is its name).
        Some(range) => {
            Ok(format!("{}{}{}", &out[..range.start], block_text(excursion, key, id_key, id), &out[range.end..]))
        }
        None if table.contains_key("unset") => {
            Err((at("unset"), format!("drops fields of the base's {key}, but the base has no {key} `{id}`")))
        }
        None => {
            let block = block_text(excursion, key, id_key, id);
            match table.get("before") {
                None => {
                    let gap = if out.ends_with("\n\n") {
                        ""
                    } else if out.ends_with('\n') {
                        "\n"
                    } else {
                        "\n\n"
                    };
                    Ok(format!("{out}{gap}{block}"))
                }
                Some(toml::Value::String(before)) => {
                    let Some(anchor) = element_block(out, key, id_key, before) else {
                        return Err((at("before"), format!("the base has no {key} `{before}` to go before")));
                    };
                    let block: String =
                        block.lines().filter(|l| !is_key_line(l, "before")).map(|l| format!("{l}\n")).collect();
                    Ok(format!("{}{block}\n{}", &out[..anchor.start], &out[anchor.start..]))
                }
                Some(_) => Err((at("before"), format!("must be the name of the base's {key} the new one goes before"))),
            }
        }
    }
}

/// `out` without the lines of the base's element at `range` that set a field `table`'s `unset`
/// names; `Err` if `unset` is not a list of such fields.
fn unset(out: &str, range: std::ops::Range<usize>, table: &toml::Table, key: &str, id: &str) -> Result<String, String> {
    let Some(value) = table.get("unset") else { return Ok(out.to_string()) };
    let fields: Option<Vec<&str>> = value.as_array().and_then(|a| a.iter().map(toml::Value::as_str).collect());
    let Some(fields) = fields else {
        return Err("must be a list of the base's field names: unset = [\"share\"]".into());
    };
    let block = &out[range.clone()];
    let mut kept = String::with_capacity(block.len());
    for field in &fields {
        if *field == "name" || !block.lines().any(|l| is_key_line(l, field)) {
            return Err(format!("the base's {key} `{id}` sets no field `{field}` that can be unset"));
        }
    }
    for line in block.split_inclusive('\n') {
        if !fields.iter().any(|f| is_key_line(line, f)) {
            kept.push_str(line);
        }
    }
    Ok(format!("{}{kept}{}", &out[..range.start], &out[range.end..]))
}

/// Whether `line` sets `key` (`key = ...`).
fn is_key_line(line: &str, key: &str) -> bool {
    line.trim_start().strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('='))
}

/// The text of a value the excursion wrote, to the end of its line (its comment with it); a table
/// written as `[key.sub]` comes inline.
fn value_line(excursion: &str, spanned: &toml::Spanned<DeValue>, value: &toml::Value) -> String {
    let span = spanned.span();
    if matches!(spanned.get_ref(), DeValue::Table(_)) && excursion[span.clone()].starts_with('[') {
        return value.to_string();
    }
    let end = excursion[span.end..].find('\n').map_or(excursion.len(), |i| span.end + i);
    excursion[span.start..end].trim_end().to_string()
}

/// The element's text in `text` (its comment lines above it included), ending in a newline.
fn block_text(text: &str, key: &str, id_key: &str, id: &str) -> String {
    let range = element_block(text, key, id_key, id).expect("the excursion holds the element");
    let block = text[range].trim_end();
    format!("{block}\n")
}

/// The byte range of the `[[key]]` element whose `id_key` is `id`: from the comment lines just
/// above its header to the comment lines above the next header that is not its own subtable.
fn element_block(text: &str, key: &str, id_key: &str, id: &str) -> Option<std::ops::Range<usize>> {
    let root = DeTable::parse(text).ok()?;
    let mut headers: Vec<usize> = Vec::new();
    collect_headers(text, root.get_ref(), &mut headers);
    headers.sort_unstable();
    let (_, value) = root.get_ref().iter().find(|(k, _)| k.get_ref().as_ref() == key)?;
    let DeValue::Array(items) = value.get_ref() else { return None };
    let item = items.iter().find(|item| {
        item.get_ref()
            .as_table()
            .and_then(|t| t.iter().find(|(k, _)| k.get_ref().as_ref() == id_key))
            .is_some_and(|(_, v)| matches!(v.get_ref(), DeValue::String(s) if s.as_ref() == id))
    })?;
    let start = item.span().start;
    if !text[start..].starts_with("[[") {
        return None; // an inline array: not an element with a block of its own
    }
    let mut own = Vec::new();
    if let DeValue::Table(t) = item.get_ref() {
        collect_headers(text, t, &mut own);
    }
    let end = headers
        .iter()
        .copied()
        .find(|&h| h > start && !own.contains(&h))
        .map_or(text.len(), |h| comments_above(text, h));
    Some(comments_above(text, start)..end)
}

/// The start of every `[table]` and `[[array]]` header in `table` and below it.
fn collect_headers(text: &str, table: &DeTable, into: &mut Vec<usize>) {
    for (_, value) in table.iter() {
        match value.get_ref() {
            DeValue::Table(inner) => {
                if text[value.span()].starts_with('[') {
                    into.push(value.span().start);
                }
                collect_headers(text, inner, into);
            }
            DeValue::Array(items) => {
                for item in items.iter() {
                    if let DeValue::Table(inner) = item.get_ref() {
                        if text[item.span()].starts_with("[[") {
                            into.push(item.span().start);
                        }
                        collect_headers(text, inner, into);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The start of the run of comment lines directly above the line holding byte `offset`.
fn comments_above(text: &str, offset: usize) -> usize {
    let mut start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    while start > 0 {
        let previous = text[..start - 1].rfind('\n').map_or(0, |i| i + 1);
        if !text[previous..start].trim_start().starts_with('#') {
            break;
        }
        start = previous;
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "# The base.\n[scenario]\nname = \"base\"\nnights = 30 # a month\n\n[raid]\nsize = 100\n\n\
        [[threat]]\nname = \"shahed\"\nshare = 1\nunit_cost = 30000\n\n# Guns: cheap.\n[[layer]]\nname = \"guns\"\n\
        doctrine = \"salvo\"\npk = 0.3 # why\nmax_shots = 1\ncost_per_shot = 100\n\n# Missiles.\n[[layer]]\nname = \"sam\"\n\
        doctrine = \"salvo\"\npk = 0.8\nmax_shots = 1\ncost_per_shot = 400000\n[layer.pk_vs]\nshahed = 0.7\n\n\
        [[fit]]\npath = \"layer.guns.pk\"\nlo = 0.1\nhi = 0.9\n";

    fn merged(excursion: &str) -> Result<String, Problem> {
        apply(BASE, excursion, &excursion.parse().unwrap())
    }

    #[test]
    fn changes_only_what_the_excursion_writes() {
        let out =
            merged("[scenario]\nname = \"more\"\nbase = \"b.toml\"\n[[layer]]\nname = \"sam\"\npk = 0.9 # better\n")
                .unwrap();
        assert!(out.contains("name = \"more\"\nnights = 30 # a month"), "{out}");
        assert!(out.contains("name = \"sam\"\ndoctrine = \"salvo\"\npk = 0.9 # better\n"), "{out}");
        assert!(out.contains("pk = 0.3 # why"), "the other layer is the base's: {out}");
        assert!(!out.contains("base ="), "{out}");
    }

    #[test]
    fn adds_and_removes_elements_whole() {
        let out = merged(
            "[scenario]\nname = \"x\"\n# A laser.\n[[layer]]\nname = \"laser\"\ndoctrine = \"salvo\"\npk = 0.5\nmax_shots = 1\n\
             cost_per_shot = 5\n[layer.coverage_vs]\nshahed = 0.2\n\n[[layer]]\nname = \"sam\"\nremove = true\n",
        )
        .unwrap();
        assert!(
            !out.contains("name = \"sam\"") && !out.contains("# Missiles.") && !out.contains("shahed = 0.7"),
            "{out}"
        );
        assert!(out.contains("# A laser.\n[[layer]]\nname = \"laser\""), "{out}");
        assert!(out.contains("[layer.coverage_vs]\nshahed = 0.2\n"), "{out}");
        let parsed: toml::Table = out.parse().unwrap();
        let names: Vec<&str> =
            parsed["layer"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["guns", "laser"]);
        assert!(parsed["fit"].as_array().unwrap().len() == 1, "the [[fit]] after the layers is kept: {out}");
    }

    #[test]
    fn unset_drops_fields_of_the_base_element() {
        let out =
            merged("[scenario]\nname = \"x\"\n[[threat]]\nname = \"shahed\"\nunset = [\"share\"]\nnightly_mean = 5\n")
                .unwrap();
        let shahed = &out[out.find("name = \"shahed\"").unwrap()..];
        let shahed = &shahed[..shahed.find("[[").unwrap_or(shahed.len())];
        assert!(!shahed.contains("share") && shahed.contains("nightly_mean = 5"), "{out}");
        assert!(!out.contains("unset"), "{out}");
        let problem =
            merged("[scenario]\nname = \"x\"\n[[threat]]\nname = \"shahed\"\nunset = [\"per\"]\n").unwrap_err();
        assert!(problem.1.contains("sets no field `per`"), "{problem:?}");
        let problem =
            merged("[scenario]\nname = \"x\"\n[[threat]]\nname = \"new\"\nunset = [\"share\"]\n").unwrap_err();
        assert!(problem.1.contains("the base has no threat `new`"), "{problem:?}");
    }

    #[test]
    fn a_new_element_goes_before_the_one_it_names() {
        let out =
            merged("[scenario]\nname = \"x\"\n[[layer]]\nname = \"laser\"\nbefore = \"sam\"\npk = 0.5\n").unwrap();
        let parsed: toml::Table = out.parse().unwrap();
        let names: Vec<&str> =
            parsed["layer"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["guns", "laser", "sam"], "{out}");
        assert!(!out.contains("before ="), "{out}");
        assert!(out.contains("[[layer]]\nname = \"laser\"\npk = 0.5\n\n# Missiles.\n[[layer]]"), "{out}");
        let problem = merged("[scenario]\nname = \"x\"\n[[layer]]\nname = \"laser\"\nbefore = \"nope\"\n").unwrap_err();
        assert!(problem.1.contains("the base has no layer `nope`"), "{problem:?}");
    }

    #[test]
    fn a_subtable_written_as_a_header_comes_inline() {
        let out =
            merged("[scenario]\nname = \"x\"\n[[layer]]\nname = \"guns\"\n[layer.pk_vs]\nshahed = 0.5\n").unwrap();
        assert!(out.contains("name = \"guns\"\npk_vs = { shahed = 0.5 }\n"), "{out}");
    }

    #[test]
    fn a_fit_entry_is_replaced_by_its_path() {
        let out = merged("[scenario]\nname = \"x\"\n[[fit]]\npath = \"layer.guns.pk\"\nlo = 0.2\nhi = 0.4\n").unwrap();
        let parsed: toml::Table = out.parse().unwrap();
        let fits = parsed["fit"].as_array().unwrap();
        assert_eq!(fits.len(), 1, "{out}");
        assert_eq!(fits[0]["lo"].as_float(), Some(0.2));
    }

    #[test]
    fn refuses_what_cannot_be_an_excursion() {
        let problem = |text: &str| merged(text).unwrap_err();
        assert_eq!(problem("[scenario]\nname = \"base\"\n").0, ["scenario", "name"]);
        assert!(problem("[[layer]]\nname = \"nope\"\nremove = true\n").1.contains("the base has no layer `nope`"));
        assert!(problem("[[layer]]\nname = \"sam\"\nremove = true\npk = 1\n").1.contains("stands alone"));
        assert!(problem("[[layer]]\npk = 1\n").1.contains("needs its `name`"));
        assert!(problem("[weather]\nrain = 1\n").1.contains("is not a part of a scenario"));
    }
}
