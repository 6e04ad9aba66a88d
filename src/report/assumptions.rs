//! The assumptions table: every field of a scenario as run, its value as written, and the source
//! comment written beside it in the file. Read from the file's text, not the validated model, so
//! that comments, the way a distribution was written, and the order of the file are kept.

use std::borrow::Cow;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One section of the file: `[raid]`, or one `[[layer]]` named by its `name`.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// `raid`, `layer.gepard`: the `--set` spelling of the section.
    pub path: String,
    /// The comment block that opens the section (above its header or its first field).
    pub note: String,
    pub fields: Vec<Field>,
}

/// One field of a section.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The field's `--set` path, e.g. `layer.gepard.pk`.
    pub path: String,
    /// The value as written in the file (or given by `--set`), on one line.
    pub value: String,
    /// The comment on the value's line or, failing that, the block right above the field.
    pub source: String,
}

/// The sections of scenario `source` in file order, with the `--set`s (`path=value`) written
/// over them. `Err` if the text is not TOML.
pub fn table(source: &str, sets: &[String]) -> Result<Vec<Section>, String> {
    let root = DeTable::parse(source).map_err(|e| e.to_string())?;
    let lines = Lines::new(source);
    let mut sections = Vec::new();
    for (key, value) in in_file_order(root.get_ref()) {
        let name = key.get_ref().as_ref();
        match value.get_ref() {
            DeValue::Table(table) => sections.push((key.span().start, section(name, key.span().start, table, &lines))),
            DeValue::Array(items) => {
                for item in items {
                    let Some(table) = item.get_ref().as_table() else { continue };
                    let label = table
                        .iter()
                        .find(|(k, _)| k.get_ref().as_ref() == "name")
                        .and_then(|(_, v)| v.get_ref().as_str().map(str::to_string))
                        .unwrap_or_default();
                    sections.push((
                        item.span().start,
                        section(&format!("{name}.{label}"), item.span().start, table, &lines),
                    ));
                }
            }
            _ => {}
        }
    }
    sections.sort_by_key(|(offset, _)| *offset);
    let mut sections: Vec<Section> = sections.into_iter().map(|(_, s)| s).collect();
    apply_sets(&mut sections, sets);
    Ok(sections)
}

fn section(path: &str, header_offset: usize, table: &DeTable, lines: &Lines) -> Section {
    let mut fields = Vec::new();
    let mut note = lines.block_above(lines.line_of(header_offset));
    for (key, value) in in_file_order(table) {
        let above = lines.block_above(lines.line_of(key.span().start));
        if key.get_ref().as_ref() == "name" {
            if note.is_empty() {
                note = above;
            }
            continue;
        }
        let trailing = lines.trailing_comment(value.span().end);
        fields.push(Field {
            path: format!("{path}.{}", key.get_ref()),
            value: one_line(&lines.text[value.span()]),
            source: if trailing.is_empty() { above } else { trailing },
        });
    }
    Section { path: path.to_string(), note, fields }
}

/// A table's entries in the order the file has them (the parser's map is sorted by key).
fn in_file_order<'t, 'a>(table: &'t DeTable<'a>) -> Vec<(&'t Spanned<Cow<'a, str>>, &'t Spanned<DeValue<'a>>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

/// Writes each `--set` over the field it names, or adds it to its section (or a new one).
fn apply_sets(sections: &mut Vec<Section>, sets: &[String]) {
    for set in sets {
        let Some((path, value)) = set.split_once('=') else { continue };
        let (path, value) = (path.trim(), value.trim());
        let source = "set on the command line (--set)".to_string();
        if let Some(field) = sections.iter_mut().flat_map(|s| &mut s.fields).find(|f| f.path == path) {
            field.source = format!("{source}; the file has {}", field.value);
            field.value = value.to_string();
            continue;
        }
        let field = Field { path: path.to_string(), value: value.to_string(), source };
        let owner = path.rsplit_once('.').map_or("", |(owner, _)| owner);
        match sections.iter_mut().find(|s| s.path == owner) {
            Some(section) => section.fields.push(field),
            None => sections.push(Section { path: owner.to_string(), note: String::new(), fields: vec![field] }),
        }
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The file's lines, for finding comments around a byte offset.
struct Lines<'a> {
    text: &'a str,
    /// Byte offset where each line starts.
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Lines { text, starts }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }

    fn line(&self, index: usize) -> &'a str {
        let end = self.starts.get(index + 1).map_or(self.text.len(), |&next| next - 1);
        &self.text[self.starts[index]..end]
    }

    /// The comment after the value that ends at `offset`, on the same line.
    fn trailing_comment(&self, offset: usize) -> String {
        let rest = &self.text[offset..];
        let rest = &rest[..rest.find('\n').unwrap_or(rest.len())];
        rest.trim_start().strip_prefix('#').map(|c| c.trim().to_string()).unwrap_or_default()
    }

    /// The contiguous comment lines right above line `index`, joined.
    fn block_above(&self, index: usize) -> String {
        let mut block = Vec::new();
        for line in (0..index).rev().map(|i| self.line(i).trim()) {
            match line.strip_prefix('#') {
                Some(comment) => block.push(comment.trim()),
                None => break,
            }
        }
        block.reverse();
        one_line(&block.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# header\n\n[scenario]\nname = \"x\"\nnights = 30   # one month\n\n[[layer]]\n# Guns: cheap.\nname = \"gun\"\n# per burst\npk = { pert = [0.1, 0.2,\n  0.3] }\ncoverage = 0.5 # calibrated\ncapacity = 10\n";

    #[test]
    fn comments_beside_and_above_a_field_are_its_source_and_a_sections_block_its_note() {
        let sections = table(FILE, &[]).unwrap();
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0].path, "scenario");
        assert_eq!(
            sections[0].fields[0],
            Field { path: "scenario.nights".into(), value: "30".into(), source: "one month".into() }
        );
        let layer = &sections[1];
        assert_eq!((layer.path.as_str(), layer.note.as_str()), ("layer.gun", "Guns: cheap."));
        let sources: Vec<(&str, &str, &str)> =
            layer.fields.iter().map(|f| (f.path.as_str(), f.value.as_str(), f.source.as_str())).collect();
        assert_eq!(
            sources,
            [
                ("layer.gun.pk", "{ pert = [0.1, 0.2, 0.3] }", "per burst"),
                ("layer.gun.coverage", "0.5", "calibrated"),
                ("layer.gun.capacity", "10", ""),
            ]
        );
    }

    #[test]
    fn a_set_replaces_the_value_and_says_so_or_adds_the_field() {
        let sections = table(FILE, &["layer.gun.capacity=20".into(), "layer.gun.stock=300".into()]).unwrap();
        let fields = &sections[1].fields;
        assert_eq!(fields[2].value, "20");
        assert_eq!(fields[2].source, "set on the command line (--set); the file has 10");
        assert_eq!((fields[3].path.as_str(), fields[3].value.as_str()), ("layer.gun.stock", "300"));
    }
}
