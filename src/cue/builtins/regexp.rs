//! Package `regexp`: Go RE2 syntax, run on Rust's `regex` crate.
//!
//! Patterns are translated first so that they mean what they mean in Go: `\d`, `\w`, `\s`
//! and `\b` are ASCII-only, `\Q…\E` and octal escapes work, a `{` that does not start a
//! repeat is a literal, and Rust-only syntax (`(?x)`, set operators in classes) is refused or
//! escaped. Errors use Go's wording (`error parsing regexp: missing closing ): …`). The
//! `Find*` functions fail with `no match` instead of returning nothing, as in CUE.

use super::args::{Args, Res, string, strings};
use super::{Builtin, Data, Func};
use regex::{Captures, NoExpand, Regex};

/// One entry of this package's table.
const fn f(name: &'static str, n: usize, returns_bool: bool, func: Func) -> Builtin {
    Builtin::exact("regexp", name, n, returns_bool, func)
}

pub(super) static FUNCS: &[Builtin] = &[
    f("Find", 2, false, find),
    f("FindAll", 3, false, find_all),
    f("FindAllNamedSubmatch", 3, false, find_all_named_submatch),
    f("FindAllSubmatch", 3, false, find_all_submatch),
    f("FindNamedSubmatch", 2, false, find_named_submatch),
    f("FindSubmatch", 2, false, find_submatch),
    f("ReplaceAll", 3, false, replace_all),
    f("ReplaceAllLiteral", 3, false, replace_all_literal),
    f("Valid", 1, true, valid),
    f("Match", 2, true, match_fn),
    f("QuoteMeta", 1, false, quote_meta),
];

/// A Go-style parse error: code and offending fragment.
fn go_err(code: &str, frag: &str) -> String {
    format!("error parsing regexp: {code}: `{frag}`")
}

fn is_repeat_start(b: &[u8], i: usize) -> Option<usize> {
    // Returns the length of a valid `{n}`, `{n,}` or `{n,m}` at `i`.
    let rest = &b[i..];
    let close = rest.iter().position(|&c| c == b'}')?;
    let inner = std::str::from_utf8(&rest[1..close]).ok()?;
    let (lo, hi) = inner.split_once(',').unwrap_or((inner, inner));
    let num = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    (num(lo) && (hi.is_empty() || num(hi))).then_some(close + 1)
}

/// Translates a Go pattern into an equivalent Rust pattern.
fn translate(p: &str) -> Result<String, String> {
    let b = p.as_bytes();
    let mut out = String::with_capacity(p.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    let mut class_start = 0;
    // Start of the previous repetition operator, if the last token was one.
    let mut last_repeat: Option<usize> = None;
    // Whether the previous token can take a repetition operator.
    let mut atom = false;
    let mut prev_dash = false;
    while i < b.len() {
        let c = b[i];
        let ch_len = p[i..].chars().next().map_or(1, char::len_utf8);
        if in_class {
            match c {
                b']' if i > class_start => in_class = false,
                b'[' if p[i..].starts_with("[:") => {
                    let end = p[i..].find(":]").map_or(p.len(), |e| i + e + 2);
                    out.push_str(&p[i..end]);
                    i = end;
                    continue;
                }
                b'[' | b'&' | b'~' => out.push('\\'),
                b'-' if prev_dash => out.push('\\'),
                b'\\' => {
                    i = escape(p, i, true, &mut out)?;
                    prev_dash = false;
                    continue;
                }
                _ => {}
            }
            prev_dash = c == b'-';
            out.push_str(&p[i..i + ch_len]);
            i += ch_len;
            continue;
        }
        let repeat_len = match c {
            b'*' | b'+' | b'?' => Some(1),
            b'{' => is_repeat_start(b, i),
            _ => None,
        };
        if let Some(len) = repeat_len {
            let lazy = usize::from(b.get(i + len) == Some(&b'?'));
            let op = &p[i..i + len + lazy];
            if c == b'{' {
                let body = &p[i + 1..i + len - 1];
                let too_big = |n: &str| n.parse::<u32>().map_or(!n.is_empty(), |v| v > 1000);
                let (lo, hi) = body.split_once(',').unwrap_or((body, body));
                let inverted = hi
                    .parse::<u32>()
                    .is_ok_and(|h| lo.parse::<u32>().is_ok_and(|l| l > h));
                if body.split(',').any(too_big) || inverted {
                    return Err(go_err("invalid repeat count", &p[i..i + len]));
                }
            }
            if let Some(start) = last_repeat {
                return Err(go_err(
                    "invalid nested repetition operator",
                    &p[start..i + len + lazy],
                ));
            }
            if !atom {
                return Err(go_err("missing argument to repetition operator", op));
            }
            out.push_str(op);
            last_repeat = Some(i);
            i += len + lazy;
            continue;
        }
        last_repeat = None;
        atom = true;
        match c {
            b'[' => {
                in_class = true;
                class_start = i + 1 + usize::from(b.get(i + 1) == Some(&b'^'));
                prev_dash = false;
            }
            b'{' => out.push('\\'),
            b'(' | b'|' => atom = false,
            b'\\' => {
                i = escape(p, i, false, &mut out)?;
                continue;
            }
            _ => {}
        }
        if c == b'(' && p[i..].starts_with("(?") {
            let end = group_opener(p, i)?;
            out.push_str(&p[i..end]);
            i = end;
            continue;
        }
        out.push_str(&p[i..i + ch_len]);
        i += ch_len;
    }
    Ok(out)
}

/// The end of a `(?…` group opener; Go accepts only the flags `i`, `m`, `s`, `U` and named
/// groups `(?P<n>` / `(?<n>`.
fn group_opener(p: &str, i: usize) -> Result<usize, String> {
    let rest = &p[i + 2..];
    let named = rest.strip_prefix("P<").or_else(|| rest.strip_prefix('<'));
    if let Some(name) = named.filter(|n| !n.starts_with(['=', '!'])) {
        let gt = name
            .find('>')
            .ok_or_else(|| go_err("invalid named capture", &p[i..]))?;
        return Ok(p.len() - name.len() + gt + 1);
    }
    for (k, c) in rest.char_indices() {
        match c {
            'i' | 'm' | 's' | 'U' | '-' => {}
            ':' | ')' => return Ok(i + 2 + k + 1),
            _ => {
                let end = i + 2 + k + c.len_utf8();
                return Err(go_err("invalid or unsupported Perl syntax", &p[i..end]));
            }
        }
    }
    Err(go_err("missing closing )", p))
}

/// Translates the escape at `i`; returns the index after it.
fn escape(p: &str, i: usize, in_class: bool, out: &mut String) -> Result<usize, String> {
    let b = p.as_bytes();
    let Some(&e) = b.get(i + 1) else {
        return Err(go_err("trailing backslash at end of expression", ""));
    };
    let class = |pos: &str, neg: bool| {
        if neg {
            format!("[^{pos}]")
        } else {
            format!("[{pos}]")
        }
    };
    let rep = match e {
        b'd' | b'D' => class("0-9", e == b'D'),
        b'w' | b'W' => class("0-9A-Za-z_", e == b'W'),
        b's' | b'S' => class("\\t\\n\\f\\r ", e == b'S'),
        b'b' | b'B' if !in_class => format!("(?-u:\\{})", e as char),
        b'Q' if !in_class => {
            let body = &p[i + 2..];
            let (lit, used) = match body.find("\\E") {
                Some(end) => (&body[..end], end + 2),
                None => (body, body.len()),
            };
            out.push_str(&regex::escape(lit));
            return Ok(i + 2 + used);
        }
        b'0'..=b'7' => {
            let digits: String = p[i + 1..]
                .chars()
                .take(3)
                .take_while(|c| c.is_digit(8))
                .collect();
            if e != b'0' && digits.len() == 1 {
                return Err(go_err("invalid escape sequence", &p[i..i + 2]));
            }
            let v = u32::from_str_radix(&digits, 8).unwrap_or(0);
            out.push_str(&format!("\\x{{{v:x}}}"));
            return Ok(i + 1 + digits.len());
        }
        _ => {
            let len = p[i + 1..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&p[i..i + 1 + len]);
            return Ok(i + 1 + len);
        }
    };
    out.push_str(&rep);
    Ok(i + 2)
}

/// Maps a Rust regex error to Go's message.
fn map_rust_error(p: &str, e: &regex::Error) -> String {
    let text = e.to_string();
    let msg = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or(&text);
    let code = if msg.contains("unclosed group") {
        return go_err("missing closing )", p);
    } else if msg.contains("unopened group") {
        return go_err("unexpected )", p);
    } else if msg.contains("unclosed character class") {
        "missing closing ]"
    } else if msg.contains("repetition operator missing expression") {
        "missing argument to repetition operator"
    } else if msg.contains("escape") || msg.contains("backreference") {
        "invalid escape sequence"
    } else if msg.contains("class range") {
        "invalid character class range"
    } else if msg.contains("capture group name") || msg.contains("capture name") {
        "invalid named capture"
    } else if msg.contains("too big") || msg.contains("exceeds size limit") {
        "expression too large"
    } else if msg.contains("nest") {
        "expression nests too deeply"
    } else {
        "invalid or unsupported Perl syntax"
    };
    go_err(code, p)
}

fn compile(a: &Args, pattern: &str) -> Result<Regex, super::CallError> {
    let translated = match translate(pattern) {
        Ok(t) => t,
        Err(e) => return a.fail(e),
    };
    match Regex::new(&translated) {
        Ok(r) => Ok(r),
        Err(e) => a.fail(map_rust_error(pattern, &e)),
    }
}

fn no_match<T>(a: &Args) -> Result<T, super::CallError> {
    a.fail("no match")
}

/// The match limit: `n < 0` means all.
fn limit(n: i64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn find(v: &[Data]) -> Res {
    let a = Args::new("regexp.Find", v, 2)?;
    let (p, s) = (a.str(0)?, a.str(1)?);
    match compile(&a, p)?.find(s) {
        Some(m) => Ok(string(m.as_str())),
        None => no_match(&a),
    }
}

fn find_all(v: &[Data]) -> Res {
    let a = Args::new("regexp.FindAll", v, 3)?;
    let (p, s, n) = (a.str(0)?, a.str(1)?, a.int(2)?);
    let found: Vec<&str> = compile(&a, p)?
        .find_iter(s)
        .take(limit(n))
        .map(|m| m.as_str())
        .collect();
    if found.is_empty() {
        return no_match(&a);
    }
    Ok(strings(found))
}

fn groups(c: &Captures) -> Data {
    strings(c.iter().map(|m| m.map_or("", |m| m.as_str())))
}

/// Named groups only, sorted by name (CUE builds the struct from a Go map).
fn named(re: &Regex, c: &Captures) -> Data {
    let mut fields: Vec<(String, Data)> = re
        .capture_names()
        .flatten()
        .map(|n| (n.to_string(), string(c.name(n).map_or("", |m| m.as_str()))))
        .collect();
    fields.sort_by(|x, y| x.0.cmp(&y.0));
    fields.dedup_by(|x, y| x.0 == y.0);
    Data::Struct(fields)
}

fn find_submatch(v: &[Data]) -> Res {
    let a = Args::new("regexp.FindSubmatch", v, 2)?;
    let (p, s) = (a.str(0)?, a.str(1)?);
    match compile(&a, p)?.captures(s) {
        Some(c) => Ok(groups(&c)),
        None => no_match(&a),
    }
}

fn find_all_submatch(v: &[Data]) -> Res {
    let a = Args::new("regexp.FindAllSubmatch", v, 3)?;
    let (p, s, n) = (a.str(0)?, a.str(1)?, a.int(2)?);
    let all: Vec<Data> = compile(&a, p)?
        .captures_iter(s)
        .take(limit(n))
        .map(|c| groups(&c))
        .collect();
    if all.is_empty() {
        return no_match(&a);
    }
    Ok(Data::List(all))
}

fn find_named_submatch(v: &[Data]) -> Res {
    let a = Args::new("regexp.FindNamedSubmatch", v, 2)?;
    let (p, s) = (a.str(0)?, a.str(1)?);
    let re = compile(&a, p)?;
    match re.captures(s) {
        Some(c) => Ok(named(&re, &c)),
        None => no_match(&a),
    }
}

fn find_all_named_submatch(v: &[Data]) -> Res {
    let a = Args::new("regexp.FindAllNamedSubmatch", v, 3)?;
    let (p, s, n) = (a.str(0)?, a.str(1)?, a.int(2)?);
    let re = compile(&a, p)?;
    let all: Vec<Data> = re
        .captures_iter(s)
        .take(limit(n))
        .map(|c| named(&re, &c))
        .collect();
    if all.is_empty() {
        return no_match(&a);
    }
    Ok(Data::List(all))
}

/// Go's template syntax (`$1`, `${name}`, `$$`) is also Rust's.
fn replace_all(v: &[Data]) -> Res {
    let a = Args::new("regexp.ReplaceAll", v, 3)?;
    let (p, src, repl) = (a.str(0)?, a.str(1)?, a.str(2)?);
    Ok(string(compile(&a, p)?.replace_all(src, repl).into_owned()))
}

fn replace_all_literal(v: &[Data]) -> Res {
    let a = Args::new("regexp.ReplaceAllLiteral", v, 3)?;
    let (p, src, repl) = (a.str(0)?, a.str(1)?, a.str(2)?);
    Ok(string(
        compile(&a, p)?
            .replace_all(src, NoExpand(repl))
            .into_owned(),
    ))
}

fn valid(v: &[Data]) -> Res {
    let a = Args::new("regexp.Valid", v, 1)?;
    compile(&a, a.str(0)?).map(|_| Data::Bool(true))
}

fn match_fn(v: &[Data]) -> Res {
    let a = Args::new("regexp.Match", v, 2)?;
    let (p, s) = (a.str(0)?, a.str(1)?);
    Ok(Data::Bool(compile(&a, p)?.is_match(s)))
}

/// Go escapes exactly `\.+*?()|[]{}^$`.
fn quote_meta(v: &[Data]) -> Res {
    let s = Args::new("regexp.QuoteMeta", v, 1)?.str(0)?;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    Ok(string(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cue::builtins::args::call_shown;
    use crate::cue::num::Num;

    fn s(x: &str) -> Data {
        Data::Str(x.into())
    }

    fn n(v: i64) -> Data {
        Data::Num(Num::int(v))
    }

    fn run(f: &str, args: &[Data]) -> String {
        call_shown("regexp", f, args)
    }

    #[test]
    fn txtar_gen_cases() {
        let ab = r"f(?P<A>\w)(?P<B>\w)";
        let cases: Vec<(&str, Vec<Data>, &str)> = vec![
            ("Find", vec![s(r"f\w\w"), s("afoot")], r#""foo""#),
            (
                "Find",
                vec![s(r"f\w\w"), s("bar")],
                "ERR error in call to regexp.Find: no match",
            ),
            (
                "FindAll",
                vec![s(r"f\w\w"), s("afoot afloat from"), n(2)],
                r#"["foo","flo"]"#,
            ),
            (
                "FindAll",
                vec![s(r"f\w\w"), s("bla bla"), n(-1)],
                "ERR error in call to regexp.FindAll: no match",
            ),
            (
                "FindSubmatch",
                vec![s(r"f(\w)(\w)"), s("afloat afoot from")],
                r#"["flo","l","o"]"#,
            ),
            (
                "FindAllSubmatch",
                vec![s(r"f(\w)(\w)"), s("afloat afoot from"), n(-1)],
                r#"[["flo","l","o"],["foo","o","o"],["fro","r","o"]]"#,
            ),
            (
                "FindAllSubmatch",
                vec![s(r"f(\w)(\w)"), s("aglom"), n(-1)],
                "ERR error in call to regexp.FindAllSubmatch: no match",
            ),
            (
                "FindNamedSubmatch",
                vec![s(ab), s("afloat afoot from")],
                r#"{A:"l",B:"o"}"#,
            ),
            (
                "FindAllNamedSubmatch",
                vec![s(ab), s("afloat afoot from"), n(-1)],
                r#"[{A:"l",B:"o"},{A:"o",B:"o"},{A:"r",B:"o"}]"#,
            ),
            (
                "FindAllNamedSubmatch",
                vec![s(r"f(?P<A>optional)?"), s("fbla"), n(-1)],
                r#"[{A:""}]"#,
            ),
            (
                "FindAllNamedSubmatch",
                vec![s(ab), s("aglom"), n(-1)],
                "ERR error in call to regexp.FindAllNamedSubmatch: no match",
            ),
            ("Valid", vec![s("valid")], "true"),
            (
                "Valid",
                vec![s("invalid)")],
                "ERR error in call to regexp.Valid: error parsing regexp: unexpected ): `invalid)`",
            ),
            (
                "ReplaceAll",
                vec![s(ab), s("afloat afoot from"), s("-${A}-${B}-")],
                r#""a-l-o-at a-o-o-t -r-o-m""#,
            ),
            (
                "ReplaceAll",
                vec![s(ab), s("afloat afoot from"), s("-$1-$2-")],
                r#""a-l-o-at a-o-o-t -r-o-m""#,
            ),
            (
                "ReplaceAllLiteral",
                vec![s(ab), s("afloat afoot from"), s("-${A}-${B}-")],
                r#""a-${A}-${B}-at a-${A}-${B}-t -${A}-${B}-m""#,
            ),
            (
                "ReplaceAllLiteral",
                vec![s(ab), s("afloat afoot from"), s("-$1-$2-")],
                r#""a-$1-$2-at a-$1-$2-t -$1-$2-m""#,
            ),
            ("Match", vec![s("^a.c$"), s("abc")], "true"),
            ("QuoteMeta", vec![s("1.5-2.0?#")], r#""1\\.5-2\\.0\\?#""#),
            // Go semantics
            ("Match", vec![s(r"^\w+$"), s("héllo")], "false"),
            ("Match", vec![s(r"\bé"), s("é")], "false"),
            ("Match", vec![s(r"\bé"), s("aé")], "true"),
            ("Match", vec![s(r"^\d$"), s("٣")], "false"),
            ("Match", vec![s("a{"), s("a{")], "true"),
            ("Match", vec![s(r"\Q.*\E"), s("a.*")], "true"),
            ("Match", vec![s(r"^\101$"), s("A")], "true"),
            ("Match", vec![s("[a&&b]"), s("&")], "true"),
            (
                "FindAll",
                vec![s("a*"), s("baaab"), n(-1)],
                r#"["","aaa",""]"#,
            ),
            (
                "FindAll",
                vec![s("a"), s("aaa"), n(0)],
                "ERR error in call to regexp.FindAll: no match",
            ),
            (
                "Valid",
                vec![s("(a")],
                "ERR error in call to regexp.Valid: error parsing regexp: missing closing ): `(a`",
            ),
            (
                "Valid",
                vec![s("a**")],
                "ERR error in call to regexp.Valid: error parsing regexp: invalid nested repetition operator: `**`",
            ),
            (
                "Valid",
                vec![s("(?x)a")],
                "ERR error in call to regexp.Valid: error parsing regexp: invalid or unsupported Perl syntax: `(?x`",
            ),
            (
                "Valid",
                vec![s("a{1001}")],
                "ERR error in call to regexp.Valid: error parsing regexp: invalid repeat count: `{1001}`",
            ),
            (
                "Valid",
                vec![s("*a")],
                "ERR error in call to regexp.Valid: error parsing regexp: missing argument to repetition operator: `*`",
            ),
            (
                "Valid",
                vec![s(r"a\")],
                "ERR error in call to regexp.Valid: error parsing regexp: trailing backslash at end of expression: ``",
            ),
            ("Match", vec![s("a+?b"), s("aab")], "true"),
        ];
        for (f, args, want) in cases {
            assert_eq!(run(f, &args), want, "regexp.{f}({args:?})");
        }
    }
}
