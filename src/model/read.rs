//! Strict readers over YAML nodes: every wrong type or unknown field becomes a
//! [`ModelError`] with the field path, its position and, for a misspelt field,
//! the nearest allowed name.

use super::ModelError;
use crate::source::Span;
use crate::yaml::{Kind, Node};

/// A map node being read, with its path for messages.
pub(crate) struct Obj<'a> {
    pub node: &'a Node,
    pub path: String,
    pub entries: &'a [(crate::yaml::Key, Node)],
}

impl<'a> Obj<'a> {
    /// Reads `node` as a map whose keys must be in `allowed`.
    pub fn new(node: &'a Node, path: &str, allowed: &[&str]) -> Result<Obj<'a>, ModelError> {
        let Kind::Map(entries) = &node.kind else {
            return Err(wrong_type(node, path, "a map"));
        };
        for (k, _) in entries {
            if !allowed.contains(&k.name.as_str()) {
                let mut msg = format!("unknown field {:?}", k.name);
                if let Some(s) = nearest(&k.name, allowed) {
                    msg.push_str(&format!(" (did you mean {s:?}?)"));
                }
                return Err(ModelError::new(msg, join(path, &k.name), k.span));
            }
        }
        Ok(Obj {
            node,
            path: path.to_string(),
            entries,
        })
    }

    /// The node at `key`, if present and not null.
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
            .filter(|v| v.kind != Kind::Null)
    }

    /// The path of a child field.
    pub fn child(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// A required string field.
    pub fn string(&self, key: &str) -> Result<(String, Span), ModelError> {
        match self.get(key) {
            Some(n) => Ok((as_string(n, &self.child(key))?, n.span)),
            None => Err(ModelError::new(
                format!("missing required field {key:?}"),
                self.child(key),
                self.node.span,
            )),
        }
    }

    /// An optional string field.
    pub fn opt_string(&self, key: &str) -> Result<Option<String>, ModelError> {
        self.get(key)
            .map(|n| as_string(n, &self.child(key)))
            .transpose()
    }

    /// An optional list of strings.
    pub fn strings(&self, key: &str) -> Result<Vec<String>, ModelError> {
        let path = self.child(key);
        self.list(key)?
            .iter()
            .enumerate()
            .map(|(i, n)| as_string(n, &format!("{path}[{i}]")))
            .collect()
    }

    /// An optional list.
    pub fn list(&self, key: &str) -> Result<&'a [Node], ModelError> {
        match self.get(key) {
            None => Ok(&[]),
            Some(Node {
                kind: Kind::Seq(items),
                ..
            }) => Ok(items),
            Some(n) => Err(wrong_type(n, &self.child(key), "a list")),
        }
    }

    /// An optional map of strings (labels, annotations), in document order.
    pub fn string_map(&self, key: &str) -> Result<Vec<(String, String)>, ModelError> {
        let Some(n) = self.get(key) else {
            return Ok(Vec::new());
        };
        let path = self.child(key);
        let Kind::Map(entries) = &n.kind else {
            return Err(wrong_type(n, &path, "a map of strings"));
        };
        entries
            .iter()
            .map(|(k, v)| Ok((k.name.clone(), as_string(v, &join(&path, &k.name))?)))
            .collect()
    }
}

/// A string scalar. Numbers and booleans are refused, as the Kubernetes API
/// server refuses them for string fields.
pub(crate) fn as_string(n: &Node, path: &str) -> Result<String, ModelError> {
    match &n.kind {
        Kind::String(s) => Ok(s.clone()),
        _ => Err(wrong_type(n, path, "a string")),
    }
}

pub(crate) fn wrong_type(n: &Node, path: &str, want: &str) -> ModelError {
    ModelError::new(
        format!("expected {want}, found {}", n.kind_name()),
        path.to_string(),
        n.span,
    )
}

/// `a.b` or `a[0]` path join (a key that is not an identifier is quoted).
pub(crate) fn join(path: &str, key: &str) -> String {
    let ident = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (path.is_empty(), ident) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{key:?}]"),
    }
}

/// The allowed name closest to `word` (edit distance at most a third of its
/// length, and at least 1), for "did you mean" hints.
pub fn nearest<'s>(word: &str, allowed: &[&'s str]) -> Option<&'s str> {
    let limit = (word.chars().count() / 3).max(1);
    allowed
        .iter()
        .map(|a| (edit_distance(&word.to_lowercase(), &a.to_lowercase()), *a))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

/// Optimal string alignment distance: Levenshtein plus adjacent
/// transpositions (`nmae` is one edit from `name`).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let allowed = ["properties", "traits", "type", "name", "dependsOn"];
        assert_eq!(nearest("propertis", &allowed), Some("properties"));
        assert_eq!(nearest("trait", &allowed), Some("traits"));
        assert_eq!(nearest("dependson", &allowed), Some("dependsOn"));
        assert_eq!(nearest("zzzz", &allowed), None);
        assert_eq!(
            join("spec.components[0]", "my key"),
            "spec.components[0][\"my key\"]"
        );
    }
}
