//! Package `strings`.
//!
//! Mostly Go's `strings` package: indices are *byte* offsets, and case mapping is Go's
//! per-rune simple mapping (`ToUpper("ß")` stays `"ß"`, unlike Rust's `"SS"`). `ToTitle` and
//! `ToCamel` are CUE's own: they change the first letter of every space-separated word.

use super::args::{Args, Res, int, string, strings};
use super::{Builtin, Data, Func};
use std::borrow::Cow;

/// Longest string `Repeat` builds; Go would try (and fail) to allocate beyond this.
const MAX_REPEAT: usize = 1 << 28;

/// One entry of this package's table.
const fn f(name: &'static str, n: usize, returns_bool: bool, func: Func) -> Builtin {
    Builtin::exact("strings", name, n, returns_bool, func)
}

pub(super) static FUNCS: &[Builtin] = &[
    f("ByteAt", 2, false, byte_at),
    f("ByteSlice", 3, false, byte_slice),
    f("Runes", 1, false, runes),
    f("MinRunes", 2, true, min_runes),
    f("MaxRunes", 2, true, max_runes),
    f("ToTitle", 1, false, to_title),
    f("ToCamel", 1, false, to_camel),
    f("SliceRunes", 3, false, slice_runes),
    f("Compare", 2, false, compare),
    f("Count", 2, false, count),
    f("Contains", 2, true, contains),
    f("ContainsAny", 2, true, contains_any),
    f("LastIndex", 2, false, last_index),
    f("IndexAny", 2, false, index_any),
    f("LastIndexAny", 2, false, last_index_any),
    f("SplitN", 3, false, split_n),
    f("SplitAfterN", 3, false, split_after_n),
    f("Split", 2, false, split),
    f("SplitAfter", 2, false, split_after),
    f("Fields", 1, false, fields),
    f("Join", 2, false, join),
    f("HasPrefix", 2, true, has_prefix),
    f("HasSuffix", 2, true, has_suffix),
    f("Repeat", 2, false, repeat),
    f("ToUpper", 1, false, to_upper),
    f("ToLower", 1, false, to_lower),
    f("Trim", 2, false, trim),
    f("TrimLeft", 2, false, trim_left),
    f("TrimRight", 2, false, trim_right),
    f("TrimSpace", 1, false, trim_space),
    f("TrimPrefix", 2, false, trim_prefix),
    f("TrimSuffix", 2, false, trim_suffix),
    f("Replace", 4, false, replace),
    f("Index", 2, false, index),
];

/// Two string arguments.
fn two<'a>(name: &'static str, v: &'a [Data]) -> Result<(&'a str, &'a str), super::CallError> {
    let a = Args::new(name, v, 2)?;
    Ok((a.str(0)?, a.str(1)?))
}

/// One string argument.
fn one<'a>(name: &'static str, v: &'a [Data]) -> Result<&'a str, super::CallError> {
    Args::new(name, v, 1)?.str(0)
}

fn byte_at(v: &[Data]) -> Res {
    let a = Args::new("strings.ByteAt", v, 2)?;
    let (b, i) = (a.bytes(0)?, a.int(1)?);
    match usize::try_from(i).ok().and_then(|i| b.get(i)) {
        Some(&x) => Ok(int(x as i64)),
        None => a.fail("index out of range"),
    }
}

fn byte_slice(v: &[Data]) -> Res {
    let a = Args::new("strings.ByteSlice", v, 3)?;
    let (b, s, e) = (a.bytes(0)?, a.int(1)?, a.int(2)?);
    if s < 0 || s > e || e as u64 > b.len() as u64 {
        return a.fail("index out of range");
    }
    Ok(Data::Bytes(b[s as usize..e as usize].to_vec()))
}

fn runes(v: &[Data]) -> Res {
    let s = one("strings.Runes", v)?;
    Ok(Data::List(s.chars().map(|c| int(c as i64)).collect()))
}

fn min_runes(v: &[Data]) -> Res {
    let a = Args::new("strings.MinRunes", v, 2)?;
    let (s, n) = (a.str(0)?, a.int(1)?);
    Ok(Data::Bool(s.chars().count() as i64 >= n))
}

fn max_runes(v: &[Data]) -> Res {
    let a = Args::new("strings.MaxRunes", v, 2)?;
    let (s, n) = (a.str(0)?, a.int(1)?);
    Ok(Data::Bool(s.chars().count() as i64 <= n))
}

/// Maps the first rune of every word (a rune preceded by a space, or the first rune).
fn map_word_starts(s: &str, f: fn(char) -> char) -> String {
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if prev.is_whitespace() { f(c) } else { c };
            prev = c;
            out
        })
        .collect()
}

fn to_title(v: &[Data]) -> Res {
    Ok(string(map_word_starts(
        one("strings.ToTitle", v)?,
        title_case,
    )))
}

fn to_camel(v: &[Data]) -> Res {
    Ok(string(map_word_starts(
        one("strings.ToCamel", v)?,
        lower_case,
    )))
}

fn slice_runes(v: &[Data]) -> Res {
    let a = Args::new("strings.SliceRunes", v, 3)?;
    let (s, start, end) = (a.str(0)?, a.int(1)?, a.int(2)?);
    let rs: Vec<char> = s.chars().collect();
    if start < 0 || start > end || end as u64 > rs.len() as u64 {
        return a.fail("index out of range");
    }
    Ok(string(
        rs[start as usize..end as usize].iter().collect::<String>(),
    ))
}

fn compare(v: &[Data]) -> Res {
    let (x, y) = two("strings.Compare", v)?;
    Ok(int(x.cmp(y) as i64))
}

fn count(v: &[Data]) -> Res {
    let (s, sub) = two("strings.Count", v)?;
    let n = if sub.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(sub).count()
    };
    Ok(int(n as i64))
}

fn contains(v: &[Data]) -> Res {
    let (s, sub) = two("strings.Contains", v)?;
    Ok(Data::Bool(s.contains(sub)))
}

fn contains_any(v: &[Data]) -> Res {
    let (s, chars) = two("strings.ContainsAny", v)?;
    Ok(Data::Bool(s.contains(|c| chars.contains(c))))
}

fn pos(i: Option<usize>) -> Data {
    int(i.map_or(-1, |i| i as i64))
}

fn index(v: &[Data]) -> Res {
    let (s, sub) = two("strings.Index", v)?;
    Ok(pos(s.find(sub)))
}

fn last_index(v: &[Data]) -> Res {
    let (s, sub) = two("strings.LastIndex", v)?;
    Ok(pos(s.rfind(sub)))
}

fn index_any(v: &[Data]) -> Res {
    let (s, chars) = two("strings.IndexAny", v)?;
    Ok(pos(s.find(|c| chars.contains(c))))
}

fn last_index_any(v: &[Data]) -> Res {
    let (s, chars) = two("strings.LastIndexAny", v)?;
    Ok(pos(s.rfind(|c| chars.contains(c))))
}

/// Go's `genSplit`: at most `n` pieces (all when `n < 0`), keeping the separator when
/// `after`; an empty separator splits into runes.
fn go_split<'a>(s: &'a str, sep: &str, after: bool, n: i64) -> Vec<&'a str> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let total = s.chars().count();
        let n = if n < 0 || n as u64 > total as u64 {
            total
        } else {
            n as usize
        };
        let mut out: Vec<&str> = Vec::with_capacity(n);
        let mut rest = s;
        while out.len() + 1 < n {
            let w = rest.chars().next().map_or(0, char::len_utf8);
            out.push(&rest[..w]);
            rest = &rest[w..];
        }
        if n > 0 {
            out.push(rest);
        }
        return out;
    }
    let mut out = Vec::new();
    let mut rest = s;
    while n < 0 || (out.len() as i64) < n - 1 {
        let Some(m) = rest.find(sep) else { break };
        let keep = if after { m + sep.len() } else { m };
        out.push(&rest[..keep]);
        rest = &rest[m + sep.len()..];
    }
    out.push(rest);
    out
}

fn split_n_impl(name: &'static str, v: &[Data], after: bool) -> Res {
    let a = Args::new(name, v, 3)?;
    let (s, sep, n) = (a.str(0)?, a.str(1)?, a.int(2)?);
    Ok(strings(go_split(s, sep, after, n)))
}

fn split_n(v: &[Data]) -> Res {
    split_n_impl("strings.SplitN", v, false)
}

fn split_after_n(v: &[Data]) -> Res {
    split_n_impl("strings.SplitAfterN", v, true)
}

fn split(v: &[Data]) -> Res {
    let (s, sep) = two("strings.Split", v)?;
    Ok(strings(go_split(s, sep, false, -1)))
}

fn split_after(v: &[Data]) -> Res {
    let (s, sep) = two("strings.SplitAfter", v)?;
    Ok(strings(go_split(s, sep, true, -1)))
}

fn fields(v: &[Data]) -> Res {
    Ok(strings(one("strings.Fields", v)?.split_whitespace()))
}

fn join(v: &[Data]) -> Res {
    let a = Args::new("strings.Join", v, 2)?;
    let elems = a.string_list(0)?;
    let sep = a.str(1)?;
    Ok(string(elems.join(sep)))
}

fn has_prefix(v: &[Data]) -> Res {
    let (s, p) = two("strings.HasPrefix", v)?;
    Ok(Data::Bool(s.starts_with(p)))
}

fn has_suffix(v: &[Data]) -> Res {
    let (s, p) = two("strings.HasSuffix", v)?;
    Ok(Data::Bool(s.ends_with(p)))
}

fn repeat(v: &[Data]) -> Res {
    let a = Args::new("strings.Repeat", v, 2)?;
    let (s, n) = (a.str(0)?, a.int(1)?);
    if n < 0 {
        return a.fail("strings: negative Repeat count");
    }
    if s.len() as u128 * n as u128 > MAX_REPEAT as u128 {
        return a.fail("strings: Repeat output length overflow");
    }
    Ok(string(s.repeat(n as usize)))
}

fn to_upper(v: &[Data]) -> Res {
    Ok(string(
        one("strings.ToUpper", v)?
            .chars()
            .map(upper_case)
            .collect::<String>(),
    ))
}

fn to_lower(v: &[Data]) -> Res {
    Ok(string(
        one("strings.ToLower", v)?
            .chars()
            .map(lower_case)
            .collect::<String>(),
    ))
}

/// Go's `unicode.ToUpper`: the simple (one rune to one rune) mapping.
fn upper_case(c: char) -> char {
    let u = c as u32;
    let special = match u {
        // Greek letters with ypogegrammeni map to the prosgegrammeni capitals.
        0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => Some(u + 8),
        0x1FB3 => Some(0x1FBC),
        0x1FC3 => Some(0x1FCC),
        0x1FF3 => Some(0x1FFC),
        _ => None,
    };
    if let Some(m) = special.and_then(char::from_u32) {
        return m;
    }
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(m), None) => m,
        _ => c,
    }
}

/// Go's `unicode.ToLower` (simple mapping).
fn lower_case(c: char) -> char {
    if c == '\u{130}' {
        return 'i';
    }
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(m), None) => m,
        _ => c,
    }
}

/// Go's `unicode.ToTitle`: like upper case except for digraphs and Georgian.
fn title_case(c: char) -> char {
    match c as u32 {
        0x1C4..=0x1C6 => '\u{1C5}',
        0x1C7..=0x1C9 => '\u{1C8}',
        0x1CA..=0x1CC => '\u{1CB}',
        0x1F1..=0x1F3 => '\u{1F2}',
        0x10D0..=0x10FA | 0x10FD..=0x10FF => c,
        _ => upper_case(c),
    }
}

fn trim(v: &[Data]) -> Res {
    let (s, cut) = two("strings.Trim", v)?;
    Ok(string(s.trim_matches(|c| cut.contains(c))))
}

fn trim_left(v: &[Data]) -> Res {
    let (s, cut) = two("strings.TrimLeft", v)?;
    Ok(string(s.trim_start_matches(|c| cut.contains(c))))
}

fn trim_right(v: &[Data]) -> Res {
    let (s, cut) = two("strings.TrimRight", v)?;
    Ok(string(s.trim_end_matches(|c| cut.contains(c))))
}

fn trim_space(v: &[Data]) -> Res {
    Ok(string(one("strings.TrimSpace", v)?.trim()))
}

fn trim_prefix(v: &[Data]) -> Res {
    let (s, p) = two("strings.TrimPrefix", v)?;
    Ok(string(s.strip_prefix(p).unwrap_or(s)))
}

fn trim_suffix(v: &[Data]) -> Res {
    let (s, p) = two("strings.TrimSuffix", v)?;
    Ok(string(s.strip_suffix(p).unwrap_or(s)))
}

fn replace(v: &[Data]) -> Res {
    let a = Args::new("strings.Replace", v, 4)?;
    let (s, old, new, n) = (a.str(0)?, a.str(1)?, a.str(2)?, a.int(3)?);
    let out: Cow<str> = if n < 0 {
        Cow::Owned(s.replace(old, new))
    } else {
        Cow::Owned(s.replacen(old, new, n as usize))
    };
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
        call_shown("strings", f, args)
    }

    #[test]
    fn txtar_and_trap_cases() {
        let cases: Vec<(&str, Vec<Data>, &str)> = vec![
            (
                "Join",
                vec![Data::List(vec![s("Hello"), s("World!")]), s(" ")],
                r#""Hello World!""#,
            ),
            (
                "Join",
                vec![Data::List(vec![n(1), n(2)]), s(" ")],
                "ERR invalid list element 0 in argument 0 to call: cannot use value 1 (int) as string",
            ),
            ("ByteAt", vec![s("a"), n(0)], "97"),
            (
                "ByteAt",
                vec![s("a"), n(1)],
                "ERR error in call to strings.ByteAt: index out of range",
            ),
            ("ByteSlice", vec![s("Hello"), n(2), n(5)], "'llo'"),
            ("SliceRunes", vec![s("✓ Hello"), n(0), n(3)], r#""✓ H""#),
            ("Runes", vec![s("Café")], "[67,97,102,233]"),
            ("ToCamel", vec![s("AlphaBeta")], r#""alphaBeta""#),
            ("ToTitle", vec![s("alpha")], r#""Alpha""#),
            ("ToTitle", vec![s("hello wOrld  x")], r#""Hello WOrld  X""#),
            ("MaxRunes", vec![s("foo"), n(3)], "true"),
            ("MaxRunes", vec![s("quux"), n(3)], "false"),
            ("MinRunes", vec![s("e"), n(1)], "true"),
            ("MaxRunes", vec![s(""), n(0)], "true"),
            ("MinRunes", vec![s("hello"), n(10)], "false"),
            // trap 39
            ("ToLower", vec![s("TCP")], r#""tcp""#),
            (
                "Join",
                vec![Data::List(vec![s("a"), s("b")]), s(",")],
                r#""a,b""#,
            ),
            ("Contains", vec![s("abc"), s("b")], "true"),
            ("Split", vec![s("a,b"), s(",")], r#"["a","b"]"#),
            ("TrimPrefix", vec![s("v1.2"), s("v")], r#""1.2""#),
            // Go semantics
            ("ToUpper", vec![s("straße ǆ")], r#""STRAßE Ǆ""#),
            ("ToLower", vec![s("İΣ")], r#""iσ""#),
            ("ToTitle", vec![s("ǆemal")], r#""ǅemal""#),
            ("Split", vec![s("a☺b"), s("")], r#"["a","☺","b"]"#),
            ("Split", vec![s(""), s(",")], r#"[""]"#),
            ("Split", vec![s(""), s("")], "[]"),
            ("SplitN", vec![s("a,b,c"), s(","), n(2)], r#"["a","b,c"]"#),
            ("SplitN", vec![s("a,b,c"), s(","), n(0)], "[]"),
            ("SplitN", vec![s("abc"), s(""), n(2)], r#"["a","bc"]"#),
            ("SplitAfter", vec![s("a,b,c"), s(",")], r#"["a,","b,","c"]"#),
            (
                "SplitAfterN",
                vec![s("a,b,c"), s(","), n(2)],
                r#"["a,","b,c"]"#,
            ),
            ("Fields", vec![s("  a b\t\nc ")], r#"["a","b","c"]"#),
            ("Count", vec![s("cheese"), s("e")], "3"),
            ("Count", vec![s("five"), s("")], "5"),
            ("Index", vec![s("chicken"), s("ken")], "4"),
            ("Index", vec![s("é"), s("")], "0"),
            ("LastIndex", vec![s("go gopher"), s("go")], "3"),
            ("LastIndex", vec![s("abc"), s("")], "3"),
            ("IndexAny", vec![s("golang"), s("ly")], "2"),
            ("IndexAny", vec![s("golang"), s("")], "-1"),
            ("LastIndexAny", vec![s("go gopher"), s("go")], "4"),
            ("ContainsAny", vec![s("failure"), s("ui")], "true"),
            ("ContainsAny", vec![s(""), s("")], "false"),
            ("Compare", vec![s("a"), s("b")], "-1"),
            ("Repeat", vec![s("na"), n(2)], r#""nana""#),
            (
                "Repeat",
                vec![s("na"), n(-1)],
                "ERR error in call to strings.Repeat: strings: negative Repeat count",
            ),
            (
                "Replace",
                vec![s("oink oink oink"), s("k"), s("ky"), n(2)],
                r#""oinky oinky oink""#,
            ),
            (
                "Replace",
                vec![s("oink oink oink"), s("oink"), s("moo"), n(-1)],
                r#""moo moo moo""#,
            ),
            ("Replace", vec![s("abc"), s(""), s("-"), n(2)], r#""-a-bc""#),
            (
                "Trim",
                vec![s("¡¡¡Hello, Gophers!!!"), s("!¡")],
                r#""Hello, Gophers""#,
            ),
            ("TrimLeft", vec![s("xxhixx"), s("x")], r#""hixx""#),
            ("TrimRight", vec![s("xxhixx"), s("x")], r#""xxhi""#),
            (
                "TrimSpace",
                vec![s(" \t\n Hello \u{85}\u{a0}")],
                r#""Hello""#,
            ),
            ("TrimSuffix", vec![s("a.go"), s(".go")], r#""a""#),
            ("HasPrefix", vec![s("Gopher"), s("Go")], "true"),
            ("HasSuffix", vec![s("Amigo"), s("go")], "true"),
            (
                "ToLower",
                vec![n(1)],
                "ERR cannot use 1 (type int) as string in argument 1 to strings.ToLower",
            ),
            (
                "ByteAt",
                vec![n(1), n(0)],
                "ERR cannot use 1 (type int) as (string|bytes) in argument 1 to strings.ByteAt",
            ),
        ];
        for (f, args, want) in cases {
            assert_eq!(run(f, &args), want, "strings.{f}({args:?})");
        }
    }
}
