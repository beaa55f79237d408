//! Package `encoding/json`.
//!
//! CUE v0.14.1 marshals *without* HTML escaping (`<`, `>`, `&` stay as they are; only
//! `HTMLEscape` escapes them), keeps struct field order, and prints numbers with apd's
//! spelling: `2.0` stays `2.0`, big ints stay exact, `1e3` becomes `1E+3`. `Unmarshal`
//! parses the JSON as CUE, so numbers keep their exact text (`1` is an int, `1.0` a float)
//! and a repeated key is unified rather than overwritten. `Validate` takes a schema and is
//! left to the evaluator.

use super::args::{Args, Res, kind, show, string};
use super::jsonscan;
use super::literal;
use super::{Builtin, Data, Func};
use crate::cue::num::Num;

pub(super) use literal::unquote_cue;

/// One entry of this package's table.
const fn f(name: &'static str, n: usize, returns_bool: bool, func: Func) -> Builtin {
    Builtin::exact("encoding/json", name, n, returns_bool, func)
}

pub(super) static FUNCS: &[Builtin] = &[
    f("Valid", 1, true, valid),
    f("Compact", 1, false, compact),
    f("Indent", 3, false, indent),
    f("HTMLEscape", 1, false, html_escape),
    f("Marshal", 1, false, marshal),
    f("MarshalStream", 1, false, marshal_stream),
    f("UnmarshalStream", 1, false, unmarshal_stream),
    f("Unmarshal", 1, false, unmarshal),
];

fn valid(v: &[Data]) -> Res {
    let a = Args::new("encoding/json.Valid", v, 1)?;
    Ok(Data::Bool(jsonscan::valid(&a.bytes(0)?)))
}

fn utf8(b: Vec<u8>) -> Data {
    string(String::from_utf8_lossy(&b).into_owned())
}

fn compact(v: &[Data]) -> Res {
    let a = Args::new("encoding/json.Compact", v, 1)?;
    match jsonscan::compact(&a.bytes(0)?) {
        Ok(b) => Ok(utf8(b)),
        Err(e) => a.fail(e),
    }
}

fn indent(v: &[Data]) -> Res {
    let a = Args::new("encoding/json.Indent", v, 3)?;
    let (src, prefix, ind) = (a.bytes(0)?, a.str(1)?, a.str(2)?);
    match jsonscan::indent(&src, prefix, ind) {
        Ok(b) => Ok(utf8(b)),
        Err(e) => a.fail(e),
    }
}

fn html_escape(v: &[Data]) -> Res {
    let a = Args::new("encoding/json.HTMLEscape", v, 1)?;
    Ok(utf8(jsonscan::html_escape(&a.bytes(0)?)))
}

fn marshal(v: &[Data]) -> Res {
    Args::new("encoding/json.Marshal", v, 1)?;
    let mut out = String::new();
    write_json(&v[0], &mut out);
    Ok(string(out))
}

fn marshal_stream(v: &[Data]) -> Res {
    let a = Args::new("encoding/json.MarshalStream", v, 1)?;
    let Data::List(items) = &v[0] else {
        return a.fail(format!(
            "cannot use value {} (type {}) as list",
            show(&v[0]),
            kind(&v[0])
        ));
    };
    let mut out = String::new();
    for item in items {
        write_json(item, &mut out);
        out.push('\n');
    }
    Ok(string(out))
}

/// Appends the JSON encoding of `d` (Go's encoder with HTML escaping off).
pub(super) fn write_json(d: &Data, out: &mut String) {
    match d {
        Data::Null => out.push_str("null"),
        Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Data::Num(Num::Int(i)) => out.push_str(&i.to_string()),
        Data::Num(Num::Float(f)) => out.push_str(&super::dec::apd_string(f)),
        Data::Str(s) => write_str(s, out),
        Data::Bytes(b) => {
            use base64::Engine;
            write_str(&base64::engine::general_purpose::STANDARD.encode(b), out);
        }
        Data::List(l) => {
            out.push('[');
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(e, out);
            }
            out.push(']');
        }
        Data::Struct(fields) => {
            out.push('{');
            for (i, (k, val)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(k, out);
                out.push(':');
                write_json(val, out);
            }
            out.push('}');
        }
    }
}

/// Go's JSON string encoding: short escapes for `\b \f \n \r \t`, `\u00XX` for other
/// control characters, and U+2028/U+2029 always escaped.
fn write_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn unmarshal(v: &[Data]) -> Res {
    let a = Args::new("encoding/json.Unmarshal", v, 1)?;
    let src = a.bytes(0)?;
    if !jsonscan::valid(&src) {
        return a.fail("json: invalid JSON");
    }
    parse_value(&src).or_else(|e| a.fail(format!("json: could not parse JSON: {e}")))
}

fn unmarshal_stream(v: &[Data]) -> Res {
    let a = Args::new("encoding/json.UnmarshalStream", v, 1)?;
    let src = a.bytes(0)?;
    let parts = match jsonscan::split_stream(&src) {
        Ok(p) => p,
        Err(e) => return a.fail(e),
    };
    let mut out = Vec::with_capacity(parts.len());
    for p in parts {
        out.push(parse_value(p).or_else(|e| a.fail(format!("json: could not parse JSON: {e}")))?);
    }
    Ok(Data::List(out))
}

enum Frame {
    List(Vec<Data>),
    Struct(Vec<(String, Data)>, Option<String>),
}

/// Parses one *valid* JSON value as CUE would (iteratively, so deep nesting is fine).
fn parse_value(src: &[u8]) -> Result<Data, String> {
    let text = std::str::from_utf8(src).map_err(|_| "invalid UTF-8".to_string())?;
    let b = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n' | b',' | b':') {
            i += 1;
        }
        let Some(&c) = b.get(i) else {
            return Err("unexpected end".into());
        };
        let value = match c {
            b'{' => {
                stack.push(Frame::Struct(Vec::new(), None));
                i += 1;
                continue;
            }
            b'[' => {
                stack.push(Frame::List(Vec::new()));
                i += 1;
                continue;
            }
            b'}' | b']' => {
                i += 1;
                match stack.pop() {
                    Some(Frame::List(l)) => Data::List(l),
                    Some(Frame::Struct(f, _)) => Data::Struct(f),
                    None => return Err("unbalanced".into()),
                }
            }
            b'"' => {
                let end = string_end(b, i);
                let s = unquote_cue(&text[i..end]).map_err(str::to_string)?;
                i = end;
                if let Some(Frame::Struct(_, key @ None)) = stack.last_mut() {
                    *key = Some(s);
                    continue;
                }
                Data::Str(s)
            }
            b't' | b'f' | b'n' => {
                let (d, n) = match c {
                    b't' => (Data::Bool(true), 4),
                    b'f' => (Data::Bool(false), 5),
                    _ => (Data::Null, 4),
                };
                i += n;
                d
            }
            _ => {
                let start = i;
                while i < b.len() && matches!(b[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                number(&text[start..i])
                    .ok_or_else(|| format!("invalid number {}", &text[start..i]))?
            }
        };
        match stack.last_mut() {
            None => return Ok(value),
            Some(Frame::List(l)) => l.push(value),
            Some(Frame::Struct(fields, key)) => {
                let k = key.take().unwrap_or_default();
                add_field(fields, k, value)?;
            }
        }
    }
}

/// Index just past the closing quote of the string starting at `i`.
fn string_end(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// A JSON number as a CUE literal: `1` is an int, `1.0` and `1e3` are floats.
pub(super) fn number(s: &str) -> Option<Data> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let n = Num::parse_literal(body)?;
    Some(Data::Num(if neg { n.neg() } else { n }))
}

/// Adds a field, unifying with an earlier field of the same name (CUE semantics).
pub(super) fn add_field(
    fields: &mut Vec<(String, Data)>,
    k: String,
    v: Data,
) -> Result<(), String> {
    if let Some((_, old)) = fields.iter_mut().find(|(name, _)| *name == k) {
        let merged = unify(old, &v)?;
        *old = merged;
    } else {
        fields.push((k, v));
    }
    Ok(())
}

/// Unification of concrete data: structs merge, everything else must be equal.
pub(super) fn unify(a: &Data, b: &Data) -> Result<Data, String> {
    match (a, b) {
        (Data::Struct(x), Data::Struct(y)) => {
            let mut out = x.clone();
            for (k, v) in y {
                add_field(&mut out, k.clone(), v.clone())?;
            }
            Ok(Data::Struct(out))
        }
        (Data::List(x), Data::List(y)) => {
            if x.len() != y.len() {
                return Err(format!(
                    "incompatible list lengths ({} and {})",
                    y.len(),
                    x.len()
                ));
            }
            x.iter()
                .zip(y)
                .map(|(p, q)| unify(p, q))
                .collect::<Result<_, _>>()
                .map(Data::List)
        }
        (Data::Num(x), Data::Num(y)) if x.is_int() == y.is_int() && x == y => Ok(a.clone()),
        _ if !matches!((a, b), (Data::Num(_), Data::Num(_))) && a == b => Ok(a.clone()),
        _ => {
            let (ka, kb) = (kind(a), kind(b));
            let why = if ka != kb {
                format!(" (mismatched types {kb} and {ka})")
            } else {
                String::new()
            };
            Err(format!(
                "conflicting values {} and {}{why}",
                show(b),
                show(a)
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cue::builtins::args::call_shown;
    use crate::cue::builtins::lookup;

    fn s(x: &str) -> Data {
        Data::Str(x.into())
    }

    fn run(f: &str, args: &[Data]) -> String {
        call_shown("encoding/json", f, args)
    }

    fn n(x: &str) -> Data {
        number(x).unwrap()
    }

    #[test]
    fn trap_38_and_49() {
        let inner = Data::Struct(vec![
            ("y".into(), Data::Bool(true)),
            ("b".into(), Data::List(vec![n("1"), n("2.0")])),
        ]);
        let a = Data::Struct(vec![("z".into(), n("1")), ("a".into(), inner)]);
        assert_eq!(
            run("Marshal", &[a]),
            r#""{\"z\":1,\"a\":{\"y\":true,\"b\":[1,2.0]}}""#
        );
        let j = Data::Struct(vec![("a".into(), n("1"))]);
        let m = (lookup("encoding/json", "Marshal").unwrap().f)(&[j]).unwrap();
        assert_eq!(run("Indent", &[m, s(""), s("  ")]), r#""{\n  \"a\": 1\n}""#);
        assert_eq!(run("Unmarshal", &[s("{\"x\": [1, 2.5]}")]), "{x:[1,2.5]}");
    }

    #[test]
    fn txtar_gen_cases() {
        assert_eq!(run("Valid", &[s("1")]), "true");
        assert_eq!(run("Compact", &[s("[1, 2]")]), r#""[1,2]""#);
        assert_eq!(
            run("Indent", &[s(r#"{"a": 1, "b": 2}"#), s(""), s("  ")]),
            r#""{\n  \"a\": 1,\n  \"b\": 2\n}""#
        );
        assert_eq!(run("Unmarshal", &[s("1")]), "1");
        for bad in [r#"{"a": 1}{"b": 2}"#, r#"{"a": 1}}invalid json"#] {
            assert_eq!(
                run("Unmarshal", &[s(bad)]),
                "ERR error in call to encoding/json.Unmarshal: json: invalid JSON"
            );
        }
        let st = |k: &str, v: Data| Data::Struct(vec![(k.into(), v)]);
        let list = Data::List(vec![st("a", n("1")), st("b", n("2"))]);
        assert_eq!(run("MarshalStream", &[list]), r#""{\"a\":1}\n{\"b\":2}\n""#);
        let t3 = Data::List(vec![st("a", s(r#"\ " & < >"#)), st("b", s(""))]);
        let out = (lookup("encoding/json", "MarshalStream").unwrap().f)(&[t3]).unwrap();
        assert_eq!(
            show(&out),
            r#""{\"a\":\"\\\\ \\\" & < >\"}\n{\"b\":\"\"}\n""#
        );
        assert_eq!(
            run("HTMLEscape", &[out]),
            r#""{\"a\":\"\\\\ \\\" \\u0026 \\u003c \\u003e\"}\n{\"b\":\"\"}\n""#
        );
        assert_eq!(
            run("UnmarshalStream", &[s(r#"{"a": 1}{"b": 2}"#)]),
            "[{a:1},{b:2}]"
        );
        assert_eq!(
            run("UnmarshalStream", &[Data::Bytes(b"1 2".to_vec())]),
            "[1,2]"
        );
        assert_eq!(run("UnmarshalStream", &[s("")]), "[]");
    }

    #[test]
    fn deep_nesting_is_fine() {
        let deep = format!("{}{}", "[".repeat(9000), "]".repeat(9000));
        let f = lookup("encoding/json", "Unmarshal").unwrap().f;
        let v = f(&[s(&deep)]).unwrap();
        assert!(show(&v).starts_with("[[[[") && show(&v).contains("..."));
        let too_deep = format!("{}{}", "[".repeat(10001), "]".repeat(10001));
        assert_eq!(run("Valid", &[s(&too_deep)]), "false");
    }

    #[test]
    fn numbers_strings_and_duplicates() {
        assert_eq!(
            run(
                "Unmarshal",
                &[s("[1.0, -0, 1e3, 123456789012345678901234567890, 0.1]")]
            ),
            "[1.0,0,1E+3,123456789012345678901234567890,0.1]"
        );
        assert_eq!(
            run("Unmarshal", &[s(r#""\u00e9\ud83d\ude00\/""#)]),
            "\"é😀/\""
        );
        assert_eq!(
            run("Unmarshal", &[s(r#"{"a":{"b":1},"a":{"c":2}}"#)]),
            "{a:{b:1,c:2}}"
        );
        assert!(run("Unmarshal", &[s(r#"{"a":1,"a":2}"#)]).contains("conflicting values 2 and 1"));
        assert!(run("Unmarshal", &[s(r#""\ud800""#)]).contains("unmatched surrogate pair"));
        let v = Data::Struct(vec![
            ("k<&>".into(), s("\u{1}\u{8}\u{2028}é")),
            ("b".into(), Data::Bytes(b"hi".to_vec())),
            ("f".into(), Data::Num(Num::from_f64(2.0).unwrap())),
            ("e".into(), n("1e3")),
        ]);
        let mut out = String::new();
        write_json(&v, &mut out);
        assert_eq!(
            out,
            r#"{"k<&>":"\u0001\b\u2028é","b":"aGk=","f":2,"e":1E+3}"#
        );
        assert_eq!(
            run("Compact", &[s("[1,")]),
            "ERR error in call to encoding/json.Compact: unexpected end of JSON input"
        );
    }
}
