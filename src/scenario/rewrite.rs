//! Writes new values into a scenario file's text, keeping everything else — comments, layout,
//! the order of fields — as it was: how `calibrate` hands back a scenario that runs as it is.

use toml::de::{DeTable, DeValue};

/// `source` with each `(path, value)` written in: the value of a field already in the file is
/// replaced where it stands (its comment stays beside it); a missing field is added on the line
/// after its table's `name` (or first key), or in a new table at the end for a missing top-level
/// table. Paths use the `--set` spelling; `Err` names a path that cannot be placed.
pub fn set_values(source: &str, values: &[(String, String)]) -> Result<String, String> {
    let mut text = source.to_string();
    for (path, value) in values {
        text = write(&text, path, value, Comment::Keep)?;
    }
    Ok(text)
}

/// `source` with the field at `path` set to `line`: a value and whatever follows it on its line
/// (its comment), which replaces the old value and its comment. Placed as [`set_values`] places.
pub fn set_line(source: &str, path: &str, line: &str) -> Result<String, String> {
    write(source, path, line, Comment::Replace)
}

/// What happens to the comment beside a value that is replaced.
#[derive(Clone, Copy, PartialEq)]
enum Comment {
    Keep,
    /// The new text runs to the end of the line, comment included.
    Replace,
}

fn write(text: &str, path: &str, value: &str, comment: Comment) -> Result<String, String> {
    let keys = super::overrides::split_path(path);
    let segments: Vec<&str> = keys.iter().map(String::as_str).collect();
    let edit = find(text, &segments).ok_or_else(|| format!("`{path}` cannot be placed in the file"))?;
    Ok(match edit {
        Place::Replace(range) => {
            let end = match comment {
                Comment::Keep => range.end,
                Comment::Replace => text[range.end..].find('\n').map_or(text.len(), |i| range.end + i),
            };
            format!("{}{value}{}", &text[..range.start], &text[end..])
        }
        Place::InsertAfterLineOf(offset) => {
            let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
            let key = segments.last().expect("a path has segments");
            format!("{}\n{key} = {value}{}", &text[..end], &text[end..])
        }
        Place::Append => {
            let (table, key) = (segments[0], segments[1]);
            let gap = if text.ends_with('\n') { "" } else { "\n" };
            format!("{text}{gap}\n[{table}]\n{key} = {value}\n")
        }
    })
}

enum Place {
    /// The byte range of the value now in the file.
    Replace(std::ops::Range<usize>),
    /// A new line goes after the line holding this byte.
    InsertAfterLineOf(usize),
    /// A new top-level table goes at the end.
    Append,
}

fn find(source: &str, segments: &[&str]) -> Option<Place> {
    let root = DeTable::parse(source).ok()?;
    let mut table: &DeTable = root.get_ref();
    let mut rest = segments;
    loop {
        let (key, after) = rest.split_first()?;
        let Some((_, value)) = table.iter().find(|(k, _)| k.get_ref().as_ref() == *key) else {
            return match after {
                [] => table_anchor(table).map(Place::InsertAfterLineOf),
                [_] if segments.len() == 2 => Some(Place::Append),
                _ => None,
            };
        };
        match (value.get_ref(), after) {
            (_, []) => return Some(Place::Replace(value.span())),
            (DeValue::Table(inner), _) => {
                table = inner;
                rest = after;
            }
            (DeValue::Array(items), [element, more @ ..]) => {
                let named = |item: &&toml::Spanned<DeValue>| {
                    item.get_ref()
                        .as_table()
                        .and_then(|t| t.iter().find(|(k, _)| k.get_ref().as_ref() == "name"))
                        .is_some_and(|(_, v)| matches!(v.get_ref(), DeValue::String(s) if s.as_ref() == *element))
                };
                let item =
                    items.iter().find(named).or_else(|| element.parse::<usize>().ok().and_then(|i| items.get(i)))?;
                table = item.get_ref().as_table()?;
                rest = more;
            }
            _ => return None,
        }
    }
}

/// Where a new key of `table` goes: after its `name`, or else its first key.
fn table_anchor(table: &DeTable) -> Option<usize> {
    let name = table.iter().find(|(k, _)| k.get_ref().as_ref() == "name");
    name.or_else(|| table.iter().next()).map(|(_, v)| v.span().start)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# header\n[scenario]\nname = \"x\"  # the name\n\n[defence]\new_defeat = { pert = [0.2, 0.3, 0.4] } # a source\n\n[[layer]]\nname = \"guns\"\npk = 0.3 # why\n\n[[layer]]\nname = \"nasams\"\npk = 0.8\n";

    fn set(pairs: &[(&str, &str)]) -> Result<String, String> {
        let values: Vec<(String, String)> = pairs.iter().map(|(p, v)| (p.to_string(), v.to_string())).collect();
        set_values(FILE, &values)
    }

    #[test]
    fn replaces_values_in_place_and_keeps_comments() {
        let out = set(&[("defence.ew_defeat", "0.31"), ("layer.nasams.pk", "0.75"), ("layer.0.pk", "0.25")]).unwrap();
        assert!(out.contains("ew_defeat = 0.31 # a source\n"), "{out}");
        assert!(out.contains("name = \"guns\"\npk = 0.25 # why\n"), "{out}");
        assert!(out.contains("name = \"nasams\"\npk = 0.75\n"), "{out}");
        assert!(out.starts_with("# header\n"));
    }

    #[test]
    fn a_line_replaces_the_value_and_its_comment() {
        let out = set_line(FILE, "layer.guns.pk", "0.4 # the excursion's").unwrap();
        assert!(out.contains("name = \"guns\"\npk = 0.4 # the excursion's\n\n[[layer]]"), "{out}");
        let out = set_line(FILE, "defence.ew_defeat", "0.5").unwrap();
        assert!(out.contains("[defence]\new_defeat = 0.5\n"), "{out}");
    }

    #[test]
    fn adds_missing_fields_and_tables() {
        let out =
            set(&[("layer.guns.coverage", "0.5"), ("raid.stock", "900"), ("defence.decoy_discrimination", "0.2")])
                .unwrap();
        assert!(out.contains("name = \"guns\"\ncoverage = 0.5\npk = 0.3"), "{out}");
        assert!(out.ends_with("\n[raid]\nstock = 900\n"), "{out}");
        assert!(
            out.contains("[defence]\new_defeat = { pert = [0.2, 0.3, 0.4] } # a source\ndecoy_discrimination = 0.2"),
            "{out}"
        );
        assert!(set(&[("layer.patriot.pk", "1")]).is_err());
    }
}
