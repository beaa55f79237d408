//! YAML input with a source position on every node.
//!
//! Applications and definition objects are read into a [`Node`] tree first,
//! so that every later error (unknown field, wrong type, schema violation) can
//! point at file:line:col. Scalars are resolved the way Kubernetes reads YAML
//! (`sigs.k8s.io/yaml`, YAML 1.1): `yes`/`on` are booleans and `0644` is octal.
//! This is the only module that talks to the YAML crate, so the backend can be
//! swapped without touching the IR.

use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap, Span};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// A YAML value with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Where the value starts (zero-length when the YAML crate gives no length).
    pub span: Span,
    /// The value.
    pub kind: Kind,
}

/// The shape of a YAML value, with map keys kept in document order.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `null`, `~` or nothing.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number, kept exact.
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping; keys are strings (non-string keys are turned into their text).
    Map(Vec<(Key, Node)>),
}

/// A mapping key with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    /// Position of the key.
    pub span: Span,
    /// The key text.
    pub name: String,
}

impl Node {
    /// The value at a map key, if this is a map holding it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(m) => m.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string value, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    /// A name for the kind of value, for error messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "bool",
            Kind::Number(_) => "number",
            Kind::String(_) => "string",
            Kind::Seq(_) => "list",
            Kind::Map(_) => "map",
        }
    }

    /// The value as JSON (positions dropped).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.kind {
            Kind::Null => J::Null,
            Kind::Bool(b) => J::Bool(*b),
            Kind::Number(n) => J::Number(n.clone()),
            Kind::String(s) => J::String(s.clone()),
            Kind::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(m) => J::Object(
                m.iter()
                    .map(|(k, v)| (k.name.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// The node at a JSON path (`["spec", "0", "name"]`), for pointing errors
    /// found in derived JSON back at the YAML.
    pub fn at_path<'a>(&'a self, path: &[String]) -> Option<&'a Node> {
        let Some((first, rest)) = path.split_first() else {
            return Some(self);
        };
        let next = match &self.kind {
            Kind::Map(m) => m.iter().find(|(k, _)| &k.name == first).map(|(_, v)| v),
            Kind::Seq(items) => first.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        }?;
        next.at_path(rest)
    }
}

/// Raw deserialised form: positions as the YAML crate reports them (character
/// offsets and line/column); turned into [`Node`] with byte spans afterwards.
struct Raw(Spanned<RawKind>);

enum RawKind {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Seq(Vec<Raw>),
    Map(Vec<(Spanned<String>, Raw)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Spanned::<RawKind>::deserialize(d).map(Raw)
    }
}

impl<'de> Deserialize<'de> for RawKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawKind;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<RawKind, E> {
        Ok(RawKind::Null)
    }
    fn visit_none<E>(self) -> Result<RawKind, E> {
        Ok(RawKind::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawKind, D::Error> {
        RawKind::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<RawKind, E> {
        Ok(RawKind::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawKind, E> {
        Ok(RawKind::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<RawKind, E> {
        Ok(RawKind::Number(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<RawKind, E> {
        serde_json::Number::from_string_unchecked_checked(v.to_string())
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawKind, E> {
        serde_json::Number::from_string_unchecked_checked(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawKind, E> {
        // Whole floats stay floats in JSON (`1.0`), as Go's decoder keeps them.
        serde_json::Number::from_f64(v)
            .map(RawKind::Number)
            .ok_or_else(|| {
                E::custom(format!(
                    "{v} is not a JSON number (infinity and NaN are not allowed)"
                ))
            })
    }
    fn visit_str<E>(self, v: &str) -> Result<RawKind, E> {
        Ok(RawKind::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<RawKind, E> {
        Ok(RawKind::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<RawKind, A::Error> {
        let mut items = Vec::new();
        while let Some(x) = s.next_element::<Raw>()? {
            items.push(x);
        }
        Ok(RawKind::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<RawKind, A::Error> {
        let mut out: Vec<(Spanned<String>, Raw)> = Vec::new();
        while let Some(k) = m.next_key::<Spanned<KeyText>>()? {
            let v = m.next_value::<Raw>()?;
            let k = Spanned::new(k.value.0, k.referenced, k.defined);
            out.push((k, v));
        }
        Ok(RawKind::Map(out))
    }
}

/// Helper so that big integers are accepted as exact numbers.
trait FromStringChecked: Sized {
    fn from_string_unchecked_checked<E: de::Error>(s: String) -> Result<RawKind, E>;
}

impl FromStringChecked for serde_json::Number {
    fn from_string_unchecked_checked<E: de::Error>(s: String) -> Result<RawKind, E> {
        serde_json::from_str::<serde_json::Number>(&s)
            .map(RawKind::Number)
            .map_err(|e| E::custom(e.to_string()))
    }
}

/// A mapping key: any scalar, kept as its text (YAML allows `80: x`).
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar map key")
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<KeyText, E> {
                Ok(KeyText(v))
            }
            fn visit_bool<E>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<KeyText, E> {
                Ok(KeyText("null".into()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The options that make scalars resolve as Kubernetes reads them, for a
/// text of `len` bytes.
fn options(len: usize) -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    o.legacy_octal_numbers = true;
    o.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    o.with_snippet = false;
    // The crate's limits suit small files; a fleet's application is megabytes
    // of plain YAML. Without aliases a file holds at most one value per byte
    // (`{a,b}`), so that much is always read; only aliases can go past it, and
    // they stop at the larger of that and the crate's defaults.
    let mut b = serde_saphyr::budget::Budget::default();
    b.max_nodes = b.max_nodes.max(len);
    b.max_events = b.max_events.max(len.saturating_mul(2));
    b.max_total_scalar_bytes = b.max_total_scalar_bytes.max(len);
    o.budget = Some(b);
    o
}

/// Parses every document of a YAML file (empty documents are skipped).
pub fn parse_documents(sources: &SourceMap, file: FileId) -> Result<Vec<Node>, Diagnostic> {
    let text = &sources.file(file).text;
    let raws: Vec<Raw> = serde_saphyr::from_multiple_with_options(text, options(text.len()))
        .map_err(|e| yaml_error(file, text, &e))?;
    let index = CharIndex::new(text);
    Ok(raws
        .into_iter()
        .map(|r| convert_in(file, &index, text, r))
        .collect())
}

/// Parses a YAML string that is not a file of its own (tests, embedded data).
pub fn parse_str(sources: &mut SourceMap, name: &str, text: &str) -> Result<Vec<Node>, Diagnostic> {
    let id = sources.add(name, text);
    parse_documents(sources, id)
}

/// What a reading limit means for the person whose file hit it (the
/// crate's own text is a Rust debug dump).
fn budget_message(b: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    const FIXED: &str = "velac reads no more, and the limit cannot be raised";
    match b {
        B::Nodes { nodes } => format!(
            "the document expands to more than {} values: aliases that repeat other aliases grow a small file into a huge one (an \"alias bomb\"); {FIXED}",
            nodes.saturating_sub(1)
        ),
        B::Aliases { aliases } => {
            format!(
                "the document uses more than {} aliases (`*name`); {FIXED}",
                aliases.saturating_sub(1)
            )
        }
        B::Anchors { anchors } => {
            format!(
                "the document defines more than {} anchors (`&name`); {FIXED}",
                anchors.saturating_sub(1)
            )
        }
        B::Depth { depth } => format!(
            "the document nests deeper than {} levels; {FIXED}",
            depth.saturating_sub(1)
        ),
        B::AliasAnchorRatio { aliases, anchors } => format!(
            "the document uses {aliases} aliases for {anchors} anchors, the shape of an \"alias bomb\"; {FIXED}"
        ),
        _ => format!("the document is larger than velac reads safely; {FIXED}"),
    }
}

fn yaml_error(file: FileId, text: &str, e: &serde_saphyr::Error) -> Diagnostic {
    // The reason under the wrappers that say where an alias was used.
    let mut inner = e;
    while let serde_saphyr::Error::AliasError { error, .. }
    | serde_saphyr::Error::WithSnippet { error, .. } = inner
    {
        inner = error;
    }
    let mut msg = match inner {
        serde_saphyr::Error::Budget { breach, .. } => budget_message(breach),
        _ => e.without_snippet().to_string(),
    };
    // The crate appends "at line L column C"; the span carries that instead.
    if let Some(i) = msg.find(" at line ") {
        msg.truncate(i);
    }
    let mut d = Diagnostic::error(format!("invalid YAML: {msg}"));
    if let Some(loc) = e.location() {
        let off = line_col_to_byte(text, loc.line() as usize, loc.column() as usize);
        d = d.with_span(Span::new(file, off, off));
    }
    d
}

fn line_col_to_byte(text: &str, line: usize, col: usize) -> usize {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let in_line: usize = l
                .chars()
                .take(col.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return off + in_line;
        }
        off += l.len();
    }
    text.len()
}

/// Maps the YAML crate's line/column positions to byte offsets.
struct CharIndex {
    line_starts: Vec<usize>,
    ascii: bool,
}

impl CharIndex {
    fn new(text: &str) -> CharIndex {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        CharIndex {
            line_starts,
            ascii: text.is_ascii(),
        }
    }

    fn byte(&self, text: &str, loc: &serde_saphyr::Location) -> usize {
        let line = (loc.line() as usize).max(1);
        let col = (loc.column() as usize).max(1);
        let start = self
            .line_starts
            .get(line - 1)
            .copied()
            .unwrap_or(text.len());
        if self.ascii {
            return (start + col - 1).min(text.len());
        }
        let rest = &text[start..];
        start
            + rest
                .chars()
                .take(col - 1)
                .map(char::len_utf8)
                .sum::<usize>()
    }
}

fn convert_in(file: FileId, index: &CharIndex, text: &str, r: Raw) -> Node {
    let at = index.byte(text, &r.0.referenced);
    let span = Span::new(file, at, at);
    let kind = match r.0.value {
        RawKind::Null => Kind::Null,
        RawKind::Bool(b) => Kind::Bool(b),
        RawKind::Number(n) => Kind::Number(n),
        RawKind::String(s) => Kind::String(s),
        RawKind::Seq(items) => Kind::Seq(
            items
                .into_iter()
                .map(|x| convert_in(file, index, text, x))
                .collect(),
        ),
        RawKind::Map(m) => Kind::Map(
            m.into_iter()
                .map(|(k, v)| {
                    let ka = index.byte(text, &k.referenced);
                    let key = Key {
                        span: Span::new(file, ka, ka + k.value.len()),
                        name: k.value,
                    };
                    (key, convert_in(file, index, text, v))
                })
                .collect(),
        ),
    };
    Node { span, kind }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (SourceMap, Vec<Node>) {
        let mut sm = SourceMap::new();
        let docs = parse_str(&mut sm, "t.yaml", text).unwrap();
        (sm, docs)
    }

    #[test]
    fn large_files_are_read_and_alias_bombs_are_not() {
        // 300,000 values, past the YAML crate's default of 250,000 nodes.
        let big = format!("[{}1]", "1,".repeat(299_999));
        let (_, docs) = parse(&big);
        assert!(matches!(&docs[0].kind, Kind::Seq(items) if items.len() == 300_000));
        // Ten levels of ten aliases each: 10^10 values from 200 bytes.
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = format!("*a{}", i - 1);
            bomb.push_str(&format!("a{i}: &a{i} [{}]\n", [p.as_str(); 10].join(", ")));
        }
        let mut sm = SourceMap::new();
        let err = parse_str(&mut sm, "bomb.yaml", &bomb).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{}", err.message);
    }

    #[test]
    fn positions_point_at_values_and_keys() {
        let (sm, docs) = parse("a:\n  b: [1, x]\n  c: héllo\nd: yes\n");
        let d = &docs[0];
        let b = d.get("a").unwrap().get("b").unwrap();
        assert_eq!(sm.position(b.span).to_string(), "t.yaml:2:6");
        let Kind::Map(m) = &d.get("a").unwrap().kind else {
            panic!()
        };
        assert_eq!(sm.position(m[1].0.span).to_string(), "t.yaml:3:3");
        assert_eq!(d.get("d").unwrap().kind, Kind::Bool(true));
        assert_eq!(
            d.to_json(),
            serde_json::json!({"a": {"b": [1, "x"], "c": "héllo"}, "d": true})
        );
    }

    #[test]
    fn kubernetes_scalar_rules() {
        let (_, docs) = parse("mode: 0644\nk: 1_000\nf: 1.5\ns: '0644'\nv: off\n");
        assert_eq!(
            docs[0].to_json(),
            serde_json::json!({"mode": 420, "k": 1000, "f": 1.5, "s": "0644", "v": false})
        );
        // YAML 1.1 resolves keys too: kubectl reads `on:` as the key "true".
        let (_, docs) = parse("on: 1\nx: 'on'\n");
        assert_eq!(docs[0].to_json(), serde_json::json!({"true": 1, "x": "on"}));
    }

    #[test]
    fn several_documents_and_errors() {
        let (_, docs) = parse("a: 1\n---\nb: 2\n---\n");
        assert_eq!(docs.len(), 2);
        let mut sm = SourceMap::new();
        let e = parse_str(&mut sm, "bad.yaml", "a: 1\na: 2\n").unwrap_err();
        assert!(e.render(&sm).contains("bad.yaml:"), "{}", e.render(&sm));
        let e = parse_str(&mut sm, "bad2.yaml", "a:\n  - 1\n - 2\n").unwrap_err();
        assert!(
            e.render(&sm).starts_with("invalid YAML"),
            "{}",
            e.render(&sm)
        );
    }
}
