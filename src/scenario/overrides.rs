//! `--set PATH=VALUE`: edits the parsed TOML document before it is validated, so an overridden
//! field gets exactly the checks a field in the file gets.
//!
//! Paths are dotted keys; elements of `[[threat]]`, `[[layer]]` and `[[phase]]` are addressed by
//! name (`layer.nasams.stock`) or by 0-based index (`layer.1.stock`). VALUE is a TOML value
//! (`150`, `0.6`, `{ poisson = 150 }`, `true`); anything that does not parse as one is a string.

use super::error::{InputError, Origin};

/// A parsed `--set` argument.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// The argument as given, for messages.
    pub text: String,
    pub path: Vec<String>,
    pub value: toml::Value,
}

impl Override {
    pub fn parse(text: &str) -> Result<Override, InputError> {
        let err = |problem: String| InputError::argument(format!("--set {text}"), problem);
        if let Some(c) = text.chars().find(|c| c.is_control()) {
            return Err(InputError::argument(
                format!("--set {}", text.escape_debug()),
                format!(
                    "holds the control character U+{:04X}: a value is one line (write \\n inside a quoted TOML string)",
                    c as u32
                ),
            ));
        }
        let (path, value) = text.split_once('=').ok_or_else(|| err("expected PATH=VALUE".into()))?;
        let path = split_path(path.trim());
        if path.iter().any(|p| p.is_empty()) {
            return Err(err("the path needs dotted keys such as layer.nasams.stock".into()));
        }
        Ok(Override { text: text.to_string(), path, value: parse_value(value.trim()) })
    }

    /// The path in the spelling error messages use.
    pub fn path_text(&self) -> String {
        self.path.join(".")
    }

    /// Writes the value into `document`, creating missing tables on the way.
    pub fn apply(&self, document: &mut toml::Table) -> Result<(), InputError> {
        let err = |problem: String| InputError {
            origin: Origin::Argument(format!("--set {}", self.text)),
            path: self.path_text(),
            value: None,
            problem,
        };
        let (leaf, parents) = self.path.split_last().expect("parse rejects empty paths");
        let mut table = document;
        let mut steps = parents.iter();
        while let Some(key) = steps.next() {
            let node = table.entry(key.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            table = match node {
                toml::Value::Table(t) => t,
                toml::Value::Array(items) => {
                    let element = steps
                        .next()
                        .ok_or_else(|| err(format!("`{key}` is a list: name an element, e.g. {key}.NAME.field")))?;
                    let position =
                        element_position(items, element).ok_or_else(|| err(no_element(key, element, items)))?;
                    items[position].as_table_mut().ok_or_else(|| err(format!("`{key}` holds values, not tables")))?
                }
                _ => return Err(err(format!("`{key}` is a value, not a table"))),
            };
        }
        table.insert(leaf.clone(), self.value.clone());
        Ok(())
    }
}

/// A `--set` path's keys: dotted, except that what follows `phase.<name>.set.` is one key (the
/// path of the field the phase changes, as its `set` table spells it).
pub fn split_path(path: &str) -> Vec<String> {
    let mut keys: Vec<String> = path.split('.').map(str::to_string).collect();
    if keys.len() > 4 && keys[0] == "phase" && keys[2] == "set" {
        let field = keys[3..].join(".");
        keys.truncate(3);
        keys.push(field);
    }
    keys
}

/// The value as TOML reads it; a number too large for TOML (`1e400`) as the infinity it rounds to,
/// so that the field's check names it as a number out of range rather than as a string; anything
/// else as a string (an unquoted name such as `salvo`).
fn parse_value(text: &str) -> toml::Value {
    format!("v = {text}").parse::<toml::Table>().ok().and_then(|mut t| t.remove("v")).unwrap_or_else(|| {
        text.parse::<f64>().map_or_else(|_| toml::Value::String(text.to_string()), toml::Value::Float)
    })
}

fn element_name(item: &toml::Value) -> Option<&str> {
    item.get("name").and_then(toml::Value::as_str)
}

/// The element called `element`, or at that 0-based index.
fn element_position(items: &[toml::Value], element: &str) -> Option<usize> {
    items
        .iter()
        .position(|item| element_name(item) == Some(element))
        .or_else(|| element.parse::<usize>().ok().filter(|&i| i < items.len()))
}

fn no_element(list: &str, element: &str, items: &[toml::Value]) -> String {
    let names: Vec<&str> = items.iter().filter_map(element_name).collect();
    format!("no {list} named `{element}`; {list} names: {}", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"
[defence]
ew_defeat = 0.1
[[layer]]
name = "guns"
pk = 0.3
[[layer]]
name = "nasams"
pk = 0.8
"#;

    fn apply(set: &str) -> Result<toml::Table, InputError> {
        let mut doc: toml::Table = DOC.parse().unwrap();
        Override::parse(set)?.apply(&mut doc)?;
        Ok(doc)
    }

    #[test]
    fn sets_by_name_index_and_creates_tables() {
        let doc = apply("layer.nasams.stock=200").unwrap();
        assert_eq!(doc["layer"][1]["stock"].as_integer(), Some(200));
        let doc = apply("layer.0.pk=0.5").unwrap();
        assert_eq!(doc["layer"][0]["pk"].as_float(), Some(0.5));
        let doc = apply("raid.size={ poisson = 150 }").unwrap();
        assert_eq!(doc["raid"]["size"]["poisson"].as_integer(), Some(150));
        let doc = apply("layer.guns.doctrine=salvo").unwrap();
        assert_eq!(doc["layer"][0]["doctrine"].as_str(), Some("salvo"));
    }

    #[test]
    fn a_phase_set_field_is_one_key() {
        assert_eq!(
            split_path("phase.growth.set.layer.nasams.capacity"),
            ["phase", "growth", "set", "layer.nasams.capacity"]
        );
        assert_eq!(split_path("layer.nasams.pk_vs.cruise"), ["layer", "nasams", "pk_vs", "cruise"]);
    }

    #[test]
    fn bad_paths_name_the_choices() {
        let e = apply("layer.patriot.stock=1").unwrap_err();
        assert!(e.to_string().contains("no layer named `patriot`; layer names: guns, nasams"), "{e}");
        assert!(apply("defence.ew_defeat.x=1").unwrap_err().to_string().contains("is a value"));
        assert!(Override::parse("layer.nasams").unwrap_err().to_string().contains("PATH=VALUE"));
        assert!(Override::parse("layer..pk=1").is_err());
    }
}
