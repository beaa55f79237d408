//! Package `encoding/yaml`: decoding (CUE's rules on top of go-yaml v3) and the builtins.
//!
//! Plain scalars are typed the way go-yaml v3 resolves them (YAML 1.2 core schema plus a
//! few 1.1 leftovers): only `true`/`True`/`TRUE` (and `false` forms) are booleans, so `on`
//! and `yes` stay strings; `~`, `null` and empty values are null; `0x10`, `0o17`, `0b1`,
//! `1_000` and the 1.1 octal `017` are ints; a would-be octal like `0129` is a string.
//! Numbers keep their exact text (`1.0` is a float, `9999999999999999999999` an int).
//! Merge keys (`<<`) and anchors work; a key repeated in one mapping is unified as CUE does.
//! `Validate`/`ValidatePartial` take schemas and are left to the evaluator.

use super::args::{Args, Res, kind, show, string};
use super::json::add_field;
use super::yamlenc;
use super::{Builtin, Data, Func};
use crate::cue::num::Num;
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, Tag};
use std::collections::HashMap;

/// One entry of this package's table.
const fn f(name: &'static str, n: usize, func: Func) -> Builtin {
    Builtin::exact("encoding/yaml", name, n, false, func)
}

pub(super) static FUNCS: &[Builtin] = &[
    f("Marshal", 1, marshal),
    f("MarshalStream", 1, marshal_stream),
    f("Unmarshal", 1, unmarshal),
    f("UnmarshalStream", 1, unmarshal_stream),
];

fn marshal(v: &[Data]) -> Res {
    Args::new("encoding/yaml.Marshal", v, 1)?;
    Ok(string(yamlenc::encode(&v[0])))
}

/// Documents separated by `---` (CUE writes the separators itself).
fn marshal_stream(v: &[Data]) -> Res {
    let a = Args::new("encoding/yaml.MarshalStream", v, 1)?;
    let Data::List(items) = &v[0] else {
        return a.fail(format!(
            "cannot use value {} (type {}) as list",
            show(&v[0]),
            kind(&v[0])
        ));
    };
    let docs: Vec<String> = items.iter().map(yamlenc::encode).collect();
    Ok(string(docs.join("---\n")))
}

/// A single document; empty input is `null` (CUE yields `*null | _`).
fn unmarshal(v: &[Data]) -> Res {
    let a = Args::new("encoding/yaml.Unmarshal", v, 1)?;
    let src = a.bytes(0)?;
    let text = String::from_utf8_lossy(&src);
    let docs = match parse_docs(&text) {
        Ok(d) => d,
        Err(e) if e.1 > 0 => return a.fail(format!("expected a single YAML document: {}", e.0)),
        Err(e) => return a.fail(e.0),
    };
    match docs.as_slice() {
        [] => Ok(Data::Null),
        [(doc, _)] => doc.clone().or_else(|e| a.fail(e)),
        [_, (_, (line, col)), ..] => {
            a.fail(format!("{line}:{col}: expected a single YAML document"))
        }
    }
}

fn unmarshal_stream(v: &[Data]) -> Res {
    let a = Args::new("encoding/yaml.UnmarshalStream", v, 1)?;
    let src = a.bytes(0)?;
    let docs = parse_docs(&String::from_utf8_lossy(&src)).or_else(|e| a.fail(e.0))?;
    if docs.is_empty() {
        return Ok(Data::List(vec![Data::Null]));
    }
    let mut out = Vec::with_capacity(docs.len());
    for (d, _) in docs {
        out.push(d.or_else(|e| a.fail(e))?);
    }
    Ok(Data::List(out))
}

/// A parsed YAML node, before CUE's typing rules are applied.
#[derive(Clone, Debug)]
enum Node {
    Scalar {
        value: String,
        style: ScalarStyle,
        tag: Option<String>,
        line: usize,
    },
    Seq(Vec<Node>),
    /// Keys and values, alternating.
    Map(Vec<Node>, usize),
    Alias(usize, usize),
}

type DocResult = Result<Data, String>;
type Pos = (usize, usize);

/// Deepest nesting accepted (keeps the recursive conversion off the stack limit).
const MAX_DEPTH: usize = 1000;

/// All documents of a stream with the position of their first node. A syntax error carries
/// the number of documents read before it.
fn parse_docs(src: &str) -> Result<Vec<(DocResult, Pos)>, (String, usize)> {
    let mut docs = Vec::new();
    let mut stack: Vec<(Node, usize)> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut root: Option<Node> = None;
    let mut root_pos: Option<Pos> = None;
    for ev in Parser::new_from_str(src) {
        let n_docs = docs.len();
        let (ev, span) =
            ev.map_err(|e| (format!(":{}: {}", e.marker().line(), e.info()), n_docs))?;
        let line = span.start.line();
        let pos = (line, span.start.col() + 1);
        let (node, anchor) = match ev {
            Event::DocumentStart(..) => {
                anchors.clear();
                (root, root_pos) = (None, None);
                continue;
            }
            Event::DocumentEnd => {
                if let Some(n) = root.take() {
                    let d = to_data(&n, &anchors, &mut Vec::new(), &mut 0);
                    docs.push((d, root_pos.unwrap_or((line, 1))));
                }
                continue;
            }
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag.and_then(|t| short_tag(&t));
                (
                    Node::Scalar {
                        value: value.into_owned(),
                        style,
                        tag,
                        line,
                    },
                    anchor,
                )
            }
            Event::SequenceStart(_, anchor, _) | Event::MappingStart(_, anchor, _) => {
                if stack.is_empty() {
                    root_pos.get_or_insert(pos);
                }
                if stack.len() >= MAX_DEPTH {
                    return Err((
                        format!(":{line}: exceeded max depth of {MAX_DEPTH}"),
                        n_docs,
                    ));
                }
                let n = match ev {
                    Event::SequenceStart(..) => Node::Seq(Vec::new()),
                    _ => Node::Map(Vec::new(), line),
                };
                stack.push((n, anchor));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(n) => n,
                None => continue,
            },
            Event::Alias(id) => (Node::Alias(id, line), 0),
            _ => continue,
        };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            Some((Node::Seq(items) | Node::Map(items, _), _)) => items.push(node),
            Some(_) => {}
            None => {
                root_pos.get_or_insert(pos);
                root = Some(node);
            }
        }
    }
    Ok(docs)
}

/// `!!int`-style short tags; `None` for no tag or the non-specific `!`.
fn short_tag(t: &Tag) -> Option<String> {
    if let Some(name) = t.suffix_in_namespace("tag:yaml.org,2002:") {
        return Some(format!("!!{name}"));
    }
    if t.handle() == "!" && t.suffix().is_empty() {
        return None;
    }
    Some(format!("{}{}", t.handle(), t.suffix()))
}

/// Caps alias expansion (go-yaml refuses "excessive aliasing" too).
const MAX_NODES: usize = 5_000_000;

/// Anchors of the document, the aliases being expanded, and the expansion budget.
struct Ctx<'a> {
    anchors: &'a HashMap<usize, Node>,
    active: &'a mut Vec<usize>,
    budget: &'a mut usize,
    depth: usize,
}

fn to_data(
    n: &Node,
    anchors: &HashMap<usize, Node>,
    active: &mut Vec<usize>,
    budget: &mut usize,
) -> DocResult {
    convert(
        n,
        &mut Ctx {
            anchors,
            active,
            budget,
            depth: 0,
        },
    )
}

fn convert(n: &Node, cx: &mut Ctx) -> DocResult {
    *cx.budget += 1;
    if *cx.budget > MAX_NODES || cx.depth > 2 * MAX_DEPTH {
        return Err("yaml: document contains excessive aliasing".into());
    }
    cx.depth += 1;
    let r = convert_node(n, cx);
    cx.depth -= 1;
    r
}

fn convert_node(n: &Node, cx: &mut Ctx) -> DocResult {
    match n {
        Node::Scalar { .. } => scalar(n).map(|(d, _)| d),
        Node::Seq(items) => items
            .iter()
            .map(|i| convert(i, cx))
            .collect::<Result<_, _>>()
            .map(Data::List),
        Node::Map(pairs, _) => {
            let mut fields = Vec::new();
            insert_map(pairs, &mut fields, false, cx)?;
            Ok(Data::Struct(fields))
        }
        Node::Alias(id, line) => {
            let target = cx.anchors.get(id);
            match target {
                Some(t) if !cx.active.contains(id) => {
                    cx.active.push(*id);
                    let r = convert(t, cx);
                    cx.active.pop();
                    r
                }
                _ => Err(format!(":{line}: anchor value contains itself")),
            }
        }
    }
}

fn is_merge_key(n: &Node) -> bool {
    matches!(n, Node::Scalar { value, style: ScalarStyle::Plain, tag, .. }
        if value == "<<" && (tag.is_none() || tag.as_deref() == Some("!!merge")))
}

fn insert_map(
    pairs: &[Node],
    fields: &mut Vec<(String, Data)>,
    mut merging: bool,
    cx: &mut Ctx,
) -> Result<(), String> {
    for kv in pairs.chunks(2) {
        let [k, v] = kv else { break };
        if is_merge_key(k) {
            merging = true;
            merge(v, fields, cx)?;
            continue;
        }
        let label = label(k, cx.anchors)?;
        let value = convert(v, cx)?;
        match fields.iter_mut().find(|(name, _)| *name == label) {
            // After a merge key CUE overwrites fields instead of unifying them.
            Some((_, old)) if merging => *old = value,
            _ => add_field(fields, label, value)?,
        }
    }
    Ok(())
}

fn merge(v: &Node, fields: &mut Vec<(String, Data)>, cx: &mut Ctx) -> Result<(), String> {
    const NOT_MAP: &str = "map merge requires map or sequence of maps as the value";
    match v {
        Node::Map(pairs, _) => insert_map(pairs, fields, true, cx),
        Node::Alias(id, line) => match cx.anchors.get(id) {
            Some(Node::Map(pairs, _)) => {
                let pairs = pairs.clone();
                insert_map(&pairs, fields, true, cx)
            }
            Some(_) => Err(format!(":{line}: {NOT_MAP}")),
            None => Err(format!(":{line}: anchor value contains itself")),
        },
        Node::Seq(items) => items.iter().rev().try_for_each(|i| merge(i, fields, cx)),
        Node::Scalar { line, .. } => Err(format!(":{line}: {NOT_MAP}")),
    }
}

/// The field name for a key: strings as is, other scalars as their CUE literal text.
fn label(k: &Node, anchors: &HashMap<usize, Node>) -> Result<String, String> {
    let k = match k {
        Node::Alias(id, _) => anchors.get(id).unwrap_or(k),
        _ => k,
    };
    match k {
        Node::Scalar { line, .. } => {
            let (d, text) = scalar(k)?;
            match (d, text) {
                (Data::Str(s), _) => Ok(s),
                (Data::Bytes(b), _) => Ok(String::from_utf8_lossy(&b).into_owned()),
                (_, t) if t.starts_with('-') => Err(format!(":{line}: invalid label {t}")),
                (_, t) => Ok(t),
            }
        }
        Node::Map(_, line) => Err(format!(":{line}: invalid map key: !!map")),
        Node::Seq(_) => Err("invalid map key: !!seq".into()),
        Node::Alias(_, line) => Err(format!(":{line}: anchor value contains itself")),
    }
}

/// go-yaml v3's implicit tag of a plain scalar.
pub(super) fn resolve(s: &str) -> &'static str {
    match s {
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => return "!!bool",
        "" | "~" | "null" | "Null" | "NULL" => return "!!null",
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF"
        | "-.inf" | "-.Inf" | "-.INF" => return "!!float",
        "<<" => return "!!merge",
        _ => {}
    }
    match s.as_bytes()[0] {
        b'.' if super::floatfmt::parse_float(s, 64).is_ok() => return "!!float",
        b'0'..=b'9' | b'+' | b'-' => {
            let plain = s.replace('_', "");
            if super::strconv::go_parse_int(&plain) {
                return "!!int";
            }
            if yaml_float(&plain) && super::floatfmt::parse_float(&plain, 64).is_ok() {
                return "!!float";
            }
        }
        _ => {}
    }
    "!!str"
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mant, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mant_ok = match mant.split_once('.') {
        Some(("", f)) => digits(f),
        Some((i, f)) => digits(i) && (f.is_empty() || digits(f)),
        None => digits(mant),
    };
    mant_ok && exp.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

/// A scalar as CUE decodes it, plus the literal text CUE would use for it as a label.
fn scalar(n: &Node) -> Result<(Data, String), String> {
    let Node::Scalar {
        value,
        style,
        tag,
        line,
    } = n
    else {
        return Err("expected a scalar".into());
    };
    let tagged = tag.is_some();
    let mut t = match tag {
        Some(t) => t.as_str(),
        None if *style != ScalarStyle::Plain => "!!str",
        None => resolve(value),
    };
    // An implicit "float" that looks like a YAML 1.1 octal (`0129`) is really a string.
    if !tagged && t == "!!float" && octal_like(value) {
        t = "!!str";
    }
    let fail = |why: &str| format!(":{line}: cannot decode {value:?} as {t}: {why}");
    let num = |text: &str| -> Option<Data> {
        let (neg, body) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let n = Num::parse_literal(body)?;
        Some(Data::Num(if neg { n.neg() } else { n }))
    };
    Ok(match t {
        "!!str" | "!!timestamp" => (Data::Str(value.clone()), value.clone()),
        "!!null" => (Data::Null, "null".into()),
        "!!bool" => {
            let b = matches!(value.as_str(), "true" | "True" | "TRUE");
            (Data::Bool(b), b.to_string())
        }
        "!!binary" => match super::base64::go_decode(value.as_bytes()) {
            Ok(b) => (Data::Bytes(b), value.clone()),
            Err(_) => {
                return Err(format!(
                    ":{line}: !!binary value contains invalid base64 data"
                ));
            }
        },
        "!!int" => {
            let b = value.as_bytes();
            let text = if b.len() > 1 && b[0] == b'0' && b[1] <= b'9' {
                format!("0o{}", &value[1..])
            } else {
                value.clone()
            };
            match num(&text) {
                Some(d @ Data::Num(Num::Int(_))) => (d, text),
                _ => return Err(fail("not a literal number")),
            }
        }
        "!!float" => {
            if value
                .trim_start_matches(['+', '-'])
                .eq_ignore_ascii_case(".inf")
                || value.eq_ignore_ascii_case(".nan")
            {
                return Err(fail("CUE numbers cannot be infinite or NaN"));
            }
            let d = num(value).ok_or_else(|| fail("not a literal number"))?;
            let text = if value.contains(['.', 'e', 'E', 'i', 'I', 'n', 'N']) {
                value.clone()
            } else {
                format!("number & {value}")
            };
            (d, text)
        }
        other => return Err(format!(":{line}: cannot unmarshal tag {other:?}")),
    })
}

fn octal_like(s: &str) -> bool {
    let b = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    b.len() >= 2 && b[0] == b'0' && b[1..].iter().all(|&c| c.is_ascii_digit() || c == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cue::builtins::CallError;
    use crate::cue::builtins::lookup;

    fn run(f: &str, src: &str) -> String {
        match (lookup("encoding/yaml", f).unwrap().f)(&[Data::Str(src.into())]) {
            Ok(d) => show(&d),
            Err(CallError::Error(m) | CallError::Incomplete(m)) => format!("ERR {m}"),
        }
    }

    #[test]
    fn unmarshal_typing_like_cue() {
        let cases = [
            ("", "null"),
            ("{}", "{}"),
            ("v: hi", r#"{v:"hi"}"#),
            ("v: true", "{v:true}"),
            ("v: 10", "{v:10}"),
            ("v: 0b10", "{v:2}"),
            ("v: 0xA", "{v:10}"),
            ("v: 0.1", "{v:0.1}"),
            ("v: .1", "{v:0.1}"),
            ("v: -10", "{v:-10}"),
            ("v: --10", r#"{v:"--10"}"#),
            ("v: -.1", "{v:-0.1}"),
            ("123", "123"),
            ("canonical: 6.8523e+5", "{canonical:6.8523E+5}"),
            ("expo: 685.230_15e+03", "{expo:685230.15}"),
            ("fixed: 685_230.15", "{fixed:685230.15}"),
            ("canonical: y", r#"{canonical:"y"}"#),
            ("answer: NO", r#"{answer:"NO"}"#),
            ("logical: True", "{logical:true}"),
            ("option: on", r#"{option:"on"}"#),
            ("decimal: +685_230", "{decimal:685230}"),
            ("octal_yaml11: 02472256", "{octal_yaml11:685230}"),
            ("octal_yaml12: 0o2472256", "{octal_yaml12:685230}"),
            (
                "not_octal_yaml11: 0123456789",
                r#"{not_octal_yaml11:"0123456789"}"#,
            ),
            (
                "not_octal_yaml12: 0o123456789",
                r#"{not_octal_yaml12:"0o123456789"}"#,
            ),
            ("hexa: 0x_0A_74_AE", "{hexa:685230}"),
            ("bin: -0b101010", "{bin:-42}"),
            ("empty:", "{empty:null}"),
            ("canonical: ~", "{canonical:null}"),
            ("_foo: 1", r#"{"_foo":1}"#),
            ("~: null key", r#"{null:"null key"}"#),
            ("seq: [A,1,C]", r#"{seq:["A",1,"C"]}"#),
            ("a: {b: c}", r#"{a:{b:"c"}}"#),
            ("a: 1.0", "{a:1.0}"),
            ("True: 1\nNull: 1\n", "{true:1,null:1}"),
            (
                "int_overflow: 9223372036854775808",
                "{int_overflow:9223372036854775808}",
            ),
            ("big: 18446744073709551616", "{big:18446744073709551616}"),
            ("f: !!float 1", "{f:1}"),
            ("s: !!str 1", r#"{s:"1"}"#),
            ("k: v\nn: 1\n", r#"{k:"v",n:1}"#),
            ("d: 2001-12-14", r#"{d:"2001-12-14"}"#),
            ("b: !!binary aGk=", "{b:'hi'}"),
            ("1: a\n1.5: b\n0x10: c", r#"{"1":"a","1.5":"b","0x10":"c"}"#),
            ("q: '1'\nl: |\n  x\n  y\n", r#"{q:"1",l:"x\ny\n"}"#),
            ("a: &x {p: 1}\nb: *x", "{a:{p:1},b:{p:1}}"),
            (
                "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3",
                "{base:{x:1,y:2},m:{x:1,y:3}}",
            ),
            ("a: 1\na: 1", "{a:1}"),
        ];
        for (src, want) in cases {
            assert_eq!(run("Unmarshal", src), want, "{src:?}");
        }
        assert!(run("Unmarshal", "a: 1\na: 2").contains("conflicting values"));
        assert!(run("Unmarshal", "v: .inf").starts_with("ERR"));
        assert!(run("Unmarshal", "-1: a").contains("invalid label -1"));
        assert!(run("Unmarshal", "a: !foo x").contains("cannot unmarshal tag \"!foo\""));
    }

    #[test]
    fn streams_like_cue() {
        assert_eq!(run("UnmarshalStream", "a: 1\n---\nb: 2"), "[{a:1},{b:2}]");
        assert_eq!(run("UnmarshalStream", ""), "[null]");
        assert_eq!(run("UnmarshalStream", "1\n---\n2"), "[1,2]");
        assert_eq!(run("UnmarshalStream", "1\n---\n---\n2"), "[1,null,2]");
        assert_eq!(
            run("Unmarshal", "1\n---\n2"),
            "ERR error in call to encoding/yaml.Unmarshal: 3:1: expected a single YAML document"
        );
        assert!(run("Unmarshal", "1\n---\n}invalid yaml").starts_with(
            "ERR error in call to encoding/yaml.Unmarshal: expected a single YAML document: :"
        ));
    }
}
