//! Finds the line and column of a field in the scenario source, so that a validation error points
//! into the file the way a TOML syntax error does.

use toml::de::{DeTable, DeValue};

use super::error::{FieldPath, Segment};

/// 1-based line and column of the value at `path` in `source`, if the path is in the file.
pub fn locate(source: &str, path: &FieldPath) -> Option<(usize, usize)> {
    let root = DeTable::parse(source).ok()?;
    let mut span = root.span();
    let mut node: Option<&DeValue> = None;
    let mut table = Some(root.get_ref());
    for segment in &path.segments {
        let next = match (segment, node) {
            (Segment::Key(key), _) => table?.iter().find(|(k, _)| k.get_ref().as_ref() == key.as_str()).map(|(_, v)| v),
            (Segment::Index(i), Some(DeValue::Array(items))) => items.get(*i),
            _ => None,
        }?;
        span = next.span();
        node = Some(next.get_ref());
        table = match next.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => None,
        };
    }
    Some(line_col(source, span.start))
}

/// 1-based line and column of the value at `path` in `source`, where `path` is in the `--set`
/// spelling: an element of an array of tables by its `name` (or a `[[fit]]` by its `path`), or
/// by its 0-based index.
pub fn locate_named(source: &str, path: &[String]) -> Option<(usize, usize)> {
    let root = DeTable::parse(source).ok()?;
    let mut span = root.span();
    let top = DeValue::Table(root.get_ref().clone());
    let mut node = &top;
    for segment in path {
        let next = match node {
            DeValue::Table(table) => {
                table.iter().find(|(k, _)| k.get_ref().as_ref() == segment.as_str()).map(|(_, v)| v)
            }
            DeValue::Array(items) => items
                .iter()
                .find(|item| {
                    item.get_ref().as_table().is_some_and(|t| {
                        t.iter().any(|(k, v)| {
                            matches!(k.get_ref().as_ref(), "name" | "path")
                                && matches!(v.get_ref(), DeValue::String(s) if s.as_ref() == segment.as_str())
                        })
                    })
                })
                .or_else(|| segment.parse::<usize>().ok().and_then(|i| items.get(i))),
            _ => None,
        }?;
        span = next.span();
        node = next.get_ref();
    }
    Some(line_col(source, span.start))
}

/// 1-based line and column (in characters) of byte `offset`.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_fields_and_array_elements() {
        let source =
            "[scenario]\nname = \"x\"\n\n[[layer]]\nname = \"a\"\npk = 0.5\n\n[[layer]]\nname = \"b\"\npk = 1.5\n";
        let path = FieldPath::default().key("layer").index(1).key("pk");
        assert_eq!(locate(source, &path), Some((10, 6)));
        assert_eq!(locate(source, &FieldPath::default().key("scenario").key("name")), Some((2, 8)));
        assert_eq!(locate(source, &FieldPath::default().key("raid")), None);
        let named = |p: &str| locate_named(source, &p.split('.').map(str::to_string).collect::<Vec<_>>());
        assert_eq!(named("layer.b.pk"), Some((10, 6)));
        assert_eq!(named("layer.1.pk"), Some((10, 6)));
        assert_eq!(named("layer.c.pk"), None);
    }
}
