//! Package `strconv`: Go's `strconv`, except that `Unquote` reads *CUE* string literals and
//! `FormatInt`/`FormatUint` take arbitrary-size integers and bases up to 62.

use super::args::{Args, Res, int, string};
use super::floatfmt::{self, ParseErr};
use super::{Builtin, Data, Func};
use crate::cue::num::Num;
use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive};
use std::sync::LazyLock;

/// One entry of this package's table.
const fn f(name: &'static str, n: usize, returns_bool: bool, func: Func) -> Builtin {
    Builtin::exact("strconv", name, n, returns_bool, func)
}

pub(super) static FUNCS: &[Builtin] = &[
    f("Unquote", 1, false, unquote),
    f("ParseBool", 1, true, parse_bool),
    f("FormatBool", 1, false, format_bool),
    f("ParseFloat", 2, false, parse_float),
    f("ParseUint", 3, false, parse_uint),
    f("ParseInt", 3, false, parse_int),
    f("Atoi", 1, false, atoi),
    f("FormatFloat", 4, false, format_float),
    f("FormatUint", 2, false, format_uint),
    f("FormatInt", 2, false, format_int),
    f("Quote", 1, false, quote),
    f("QuoteToASCII", 1, false, quote_to_ascii),
    f("QuoteToGraphic", 1, false, quote_to_graphic),
    f("QuoteRune", 1, false, quote_rune),
    f("QuoteRuneToASCII", 1, false, quote_rune_to_ascii),
    f("QuoteRuneToGraphic", 1, false, quote_rune_to_graphic),
    f("IsPrint", 1, true, is_print_fn),
    f("IsGraphic", 1, true, is_graphic_fn),
];

fn parse_bool(v: &[Data]) -> Res {
    let a = Args::new("strconv.ParseBool", v, 1)?;
    let s = a.str(0)?;
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(Data::Bool(true)),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(Data::Bool(false)),
        _ => a.fail(format!(
            "strconv.ParseBool: parsing {}: invalid syntax",
            go_quote(s)
        )),
    }
}

fn format_bool(v: &[Data]) -> Res {
    Ok(string(
        Args::new("strconv.FormatBool", v, 1)?.bool(0)?.to_string(),
    ))
}

fn parse_float(v: &[Data]) -> Res {
    let a = Args::new("strconv.ParseFloat", v, 2)?;
    let (s, bits) = (a.str(0)?, a.int(1)?);
    let why = match floatfmt::parse_float(s, bits) {
        Ok(f) => {
            return match Num::from_f64(f) {
                Some(n) => Ok(Data::Num(n)),
                None => a.fail(format!("result {f} is not a finite number")),
            };
        }
        Err(ParseErr::Syntax) => "invalid syntax",
        Err(ParseErr::Range) => "value out of range",
    };
    a.fail(format!(
        "strconv.ParseFloat: parsing {}: {why}",
        go_quote(s)
    ))
}

/// Go's rule for `_` in number literals: only between digits (a base prefix counts as one).
pub(super) fn underscore_ok(s: &str) -> bool {
    let b = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1] | 0x20, b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1] | 0x20 == b'x';
    }
    for &c in &b[i..] {
        if c.is_ascii_digit() || hex && (c | 0x20).is_ascii_hexdigit() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

enum IntErr {
    Syntax,
    Range,
    Base,
    BitSize,
}

/// Go's `ParseUint` on the unsigned part; `bits` already normalized.
fn parse_unsigned(s: &str, base: i64, bits: u32) -> Result<u64, IntErr> {
    if s.is_empty() {
        return Err(IntErr::Syntax);
    }
    let base0 = base == 0;
    let (base, digits) = if base0 {
        let b = s.as_bytes();
        if b[0] == b'0' && b.len() >= 3 && matches!(b[1] | 0x20, b'b' | b'o' | b'x') {
            let base = match b[1] | 0x20 {
                b'b' => 2,
                b'o' => 8,
                _ => 16,
            };
            (base, &s[2..])
        } else if b[0] == b'0' {
            (8, &s[1..])
        } else {
            (10, s)
        }
    } else if (2..=36).contains(&base) {
        (base as u32, s)
    } else {
        return Err(IntErr::Base);
    };
    let max: u64 = if bits == 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    };
    let mut n: u64 = 0;
    let mut underscores = false;
    for c in digits.chars() {
        if c == '_' && base0 {
            underscores = true;
            continue;
        }
        let d = c.to_digit(36).filter(|&d| d < base).ok_or(IntErr::Syntax)?;
        n = n
            .checked_mul(base as u64)
            .and_then(|n| n.checked_add(d as u64))
            .filter(|&n| n <= max)
            .ok_or(IntErr::Range)?;
    }
    if underscores && !underscore_ok(s) {
        return Err(IntErr::Syntax);
    }
    Ok(n)
}

/// Whether Go's `ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` accepts `s`.
pub(super) fn go_parse_int(s: &str) -> bool {
    parse_signed(s, 0, 64).is_ok() || parse_unsigned(s, 0, 64).is_ok()
}

fn bit_size(bits: i64) -> Result<u32, IntErr> {
    match bits {
        0 => Ok(64),
        1..=64 => Ok(bits as u32),
        _ => Err(IntErr::BitSize),
    }
}

fn parse_signed(s: &str, base: i64, bits: i64) -> Result<i64, IntErr> {
    if s.is_empty() {
        return Err(IntErr::Syntax);
    }
    let bits = bit_size(bits)?;
    let (neg, body) = match s.as_bytes()[0] {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let u = parse_unsigned(body, base, 64)?;
    let cutoff = 1u64 << (bits - 1);
    if (!neg && u >= cutoff) || (neg && u > cutoff) {
        return Err(IntErr::Range);
    }
    Ok(if neg {
        (u as i64).wrapping_neg()
    } else {
        u as i64
    })
}

fn int_error(a: &Args, func: &str, s: &str, e: IntErr, base: i64, bits: i64) -> Res {
    let why = match e {
        IntErr::Syntax => "invalid syntax".to_string(),
        IntErr::Range => "value out of range".to_string(),
        IntErr::Base => format!("invalid base {base}"),
        IntErr::BitSize => format!("invalid bit size {bits}"),
    };
    a.fail(format!("strconv.{func}: parsing {}: {why}", go_quote(s)))
}

fn parse_int(v: &[Data]) -> Res {
    let a = Args::new("strconv.ParseInt", v, 3)?;
    let (s, base, bits) = (a.str(0)?, a.int(1)?, a.int(2)?);
    match parse_signed(s, base, bits) {
        Ok(n) => Ok(int(n)),
        Err(e) => int_error(&a, "ParseInt", s, e, base, bits),
    }
}

fn parse_uint(v: &[Data]) -> Res {
    let a = Args::new("strconv.ParseUint", v, 3)?;
    let (s, base, bits) = (a.str(0)?, a.int(1)?, a.int(2)?);
    match bit_size(bits).and_then(|b| parse_unsigned(s, base, b)) {
        Ok(n) => Ok(Data::Num(Num::Int(crate::cue::num::Int::from_big(
            BigInt::from(n),
        )))),
        Err(e) => int_error(&a, "ParseUint", s, e, base, bits),
    }
}

fn atoi(v: &[Data]) -> Res {
    let a = Args::new("strconv.Atoi", v, 1)?;
    let s = a.str(0)?;
    match parse_signed(s, 10, 64) {
        Ok(n) => Ok(int(n)),
        Err(e) => int_error(&a, "Atoi", s, e, 10, 64),
    }
}

fn format_float(v: &[Data]) -> Res {
    let a = Args::new("strconv.FormatFloat", v, 4)?;
    let f = a.float64(0)?;
    let fmt = a.uint_bits(1, 8, "byte")? as u8;
    let prec = a.int(2)?;
    let bits = a.int(3)?;
    if prec > 100_000 {
        return a.fail("strconv: FormatFloat precision too large");
    }
    match floatfmt::format_float(f, fmt, prec, bits) {
        Some(s) => Ok(string(s)),
        None => a.fail("strconv: illegal AppendFloat/FormatFloat bitSize"),
    }
}

/// big.Int.Text: digits 0-9a-zA-Z, bases 2 to 62.
fn int_text(a: &Args, i: &BigInt, base: i64) -> Res {
    if !(2..=62).contains(&base) {
        return a.fail("invalid base");
    }
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    if base <= 36 {
        return Ok(string(i.to_str_radix(base as u32)));
    }
    let mut out = Vec::new();
    let mut n = i.abs();
    let b = BigInt::from(base);
    while n >= b {
        let d = (&n % &b).to_usize().unwrap_or(0);
        out.push(DIGITS[d]);
        n /= &b;
    }
    out.push(DIGITS[n.to_usize().unwrap_or(0)]);
    if i.is_negative() {
        out.push(b'-');
    }
    out.reverse();
    Ok(string(String::from_utf8(out).unwrap_or_default()))
}

fn format_int(v: &[Data]) -> Res {
    let a = Args::new("strconv.FormatInt", v, 2)?;
    let (i, base) = (a.big_int(0)?, a.int(1)?);
    int_text(&a, &i, base)
}

fn format_uint(v: &[Data]) -> Res {
    let a = Args::new("strconv.FormatUint", v, 2)?;
    let (i, base) = (a.big_int(0)?, a.int(1)?);
    int_text(&a, &i, base)
}

static PRINT: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"^[\p{L}\p{M}\p{N}\p{P}\p{S}]$").expect("valid class"));

/// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and ASCII space.
pub(super) fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    let mut buf = [0u8; 4];
    PRINT.is_match(c.encode_utf8(&mut buf))
}

/// Go's `strconv.IsGraphic`: printable or a Unicode space separator (Zs).
fn is_graphic(c: char) -> bool {
    is_print(c)
        || matches!(
            c as u32,
            0xA0 | 0x1680 | 0x2000..=0x200A | 0x202F | 0x205F | 0x3000
        )
}

#[derive(Clone, Copy)]
enum Only {
    Print,
    Ascii,
    Graphic,
}

fn escape_rune(out: &mut String, c: char, q: char, only: Only) {
    if c == q || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    let keep = match only {
        Only::Ascii => c.is_ascii() && is_print(c),
        Only::Print => is_print(c),
        Only::Graphic => is_graphic(c),
    };
    if keep {
        out.push(c);
        return;
    }
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

fn quote_with(s: &str, q: char, only: Only) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        escape_rune(&mut out, c, q, only);
    }
    out.push(q);
    out
}

/// Go's `strconv.Quote`.
pub(super) fn go_quote(s: &str) -> String {
    quote_with(s, '"', Only::Print)
}

fn quote(v: &[Data]) -> Res {
    Ok(string(go_quote(Args::new("strconv.Quote", v, 1)?.str(0)?)))
}

fn quote_to_ascii(v: &[Data]) -> Res {
    Ok(string(quote_with(
        Args::new("strconv.QuoteToASCII", v, 1)?.str(0)?,
        '"',
        Only::Ascii,
    )))
}

fn quote_to_graphic(v: &[Data]) -> Res {
    let s = Args::new("strconv.QuoteToGraphic", v, 1)?.str(0)?;
    Ok(string(quote_with(s, '"', Only::Graphic)))
}

/// A rune argument; invalid code points become U+FFFD as in Go.
fn rune_arg<'a>(
    name: &'static str,
    v: &'a [Data],
) -> Result<(Args<'a>, Option<char>), super::CallError> {
    let a = Args::new(name, v, 1)?;
    let r = a.int_bits(0, 32, "rune")?;
    Ok((a, u32::try_from(r).ok().and_then(char::from_u32)))
}

fn quote_rune_with(name: &'static str, v: &[Data], only: Only) -> Res {
    let (_, c) = rune_arg(name, v)?;
    let c = c.unwrap_or('\u{FFFD}');
    let mut out = String::from("'");
    escape_rune(&mut out, c, '\'', only);
    out.push('\'');
    Ok(string(out))
}

fn quote_rune(v: &[Data]) -> Res {
    quote_rune_with("strconv.QuoteRune", v, Only::Print)
}

fn quote_rune_to_ascii(v: &[Data]) -> Res {
    quote_rune_with("strconv.QuoteRuneToASCII", v, Only::Ascii)
}

fn quote_rune_to_graphic(v: &[Data]) -> Res {
    quote_rune_with("strconv.QuoteRuneToGraphic", v, Only::Graphic)
}

fn is_print_fn(v: &[Data]) -> Res {
    let (_, c) = rune_arg("strconv.IsPrint", v)?;
    Ok(Data::Bool(c.is_some_and(is_print)))
}

fn is_graphic_fn(v: &[Data]) -> Res {
    let (_, c) = rune_arg("strconv.IsGraphic", v)?;
    Ok(Data::Bool(c.is_some_and(is_graphic)))
}

fn unquote(v: &[Data]) -> Res {
    let a = Args::new("strconv.Unquote", v, 1)?;
    match super::json::unquote_cue(a.str(0)?) {
        Ok(s) => Ok(string(s)),
        Err(e) => a.fail(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cue::builtins::args::call_shown;

    fn s(x: &str) -> Data {
        Data::Str(x.into())
    }

    fn n(x: &str) -> Data {
        let neg = x.starts_with('-');
        let v = Num::parse_literal(x.trim_start_matches('-')).unwrap();
        Data::Num(if neg { v.neg() } else { v })
    }

    fn run(f: &str, args: &[Data]) -> String {
        call_shown("strconv", f, args)
    }

    #[test]
    fn txtar_trap_and_go_cases() {
        let big = "170141183460469231731687303715884105728";
        let big_q = format!("\"{big}\"");
        let cases: Vec<(&str, Vec<Data>, &str)> = vec![
            ("FormatUint", vec![n("64"), n("16")], r#""40""#),
            (
                "FormatFloat",
                vec![n("3.02"), n("300"), n("4"), n("64")],
                "ERR int 300 overflows byte in argument 1 in call to strconv.FormatFloat",
            ),
            (
                "FormatFloat",
                vec![n("3.02"), n("-1"), n("4"), n("64")],
                "ERR cannot use -1 (type int) as byte in argument 1 to strconv.FormatFloat",
            ),
            (
                "FormatFloat",
                vec![n("3.02"), n("1.0"), n("4"), n("64")],
                "ERR cannot use 1.0 (type float) as int in argument 2 to strconv.FormatFloat",
            ),
            ("FormatBool", vec![Data::Bool(true)], r#""true""#),
            ("FormatInt", vec![n(big), n("10")], &big_q),
            ("FormatInt", vec![n("64"), n("16")], r#""40""#),
            ("FormatUint", vec![n(big), n("10")], &big_q),
            ("FormatUint", vec![n("61"), n("62")], r#""Z""#),
            (
                "FormatFloat",
                vec![n("0.0"), n("102"), n("-1"), n("64")],
                r#""0""#,
            ),
            ("FormatInt", vec![n("8080"), n("10")], r#""8080""#),
            ("FormatInt", vec![n("-255"), n("16")], r#""-ff""#),
            (
                "FormatInt",
                vec![n("5"), n("1")],
                "ERR error in call to strconv.FormatInt: invalid base",
            ),
            ("Atoi", vec![s("42")], "42"),
            ("Atoi", vec![s("-42")], "-42"),
            (
                "Atoi",
                vec![s("4x")],
                r#"ERR error in call to strconv.Atoi: strconv.Atoi: parsing "4x": invalid syntax"#,
            ),
            (
                "Atoi",
                vec![s("99999999999999999999")],
                r#"ERR error in call to strconv.Atoi: strconv.Atoi: parsing "99999999999999999999": value out of range"#,
            ),
            ("ParseInt", vec![s("0x_1F"), n("0"), n("64")], "31"),
            ("ParseInt", vec![s("-0b101"), n("0"), n("8")], "-5"),
            ("ParseInt", vec![s("0777"), n("0"), n("64")], "511"),
            (
                "ParseInt",
                vec![s("128"), n("10"), n("8")],
                r#"ERR error in call to strconv.ParseInt: strconv.ParseInt: parsing "128": value out of range"#,
            ),
            ("ParseInt", vec![s("-128"), n("10"), n("8")], "-128"),
            (
                "ParseInt",
                vec![s("1"), n("1"), n("8")],
                r#"ERR error in call to strconv.ParseInt: strconv.ParseInt: parsing "1": invalid base 1"#,
            ),
            (
                "ParseInt",
                vec![s("1"), n("10"), n("65")],
                r#"ERR error in call to strconv.ParseInt: strconv.ParseInt: parsing "1": invalid bit size 65"#,
            ),
            (
                "ParseInt",
                vec![s("1__0"), n("0"), n("64")],
                r#"ERR error in call to strconv.ParseInt: strconv.ParseInt: parsing "1__0": invalid syntax"#,
            ),
            (
                "ParseUint",
                vec![s("18446744073709551615"), n("10"), n("64")],
                "18446744073709551615",
            ),
            (
                "ParseUint",
                vec![s("+1"), n("10"), n("64")],
                r#"ERR error in call to strconv.ParseUint: strconv.ParseUint: parsing "+1": invalid syntax"#,
            ),
            ("ParseFloat", vec![s("1.5"), n("64")], "1.5"),
            ("ParseFloat", vec![s("100"), n("64")], "1E+2"),
            (
                "ParseFloat",
                vec![s("1e400"), n("64")],
                r#"ERR error in call to strconv.ParseFloat: strconv.ParseFloat: parsing "1e400": value out of range"#,
            ),
            (
                "ParseFloat",
                vec![s("x"), n("64")],
                r#"ERR error in call to strconv.ParseFloat: strconv.ParseFloat: parsing "x": invalid syntax"#,
            ),
            ("ParseBool", vec![s("T")], "true"),
            (
                "ParseBool",
                vec![s("yes")],
                r#"ERR error in call to strconv.ParseBool: strconv.ParseBool: parsing "yes": invalid syntax"#,
            ),
            (
                "Quote",
                vec![s("Hello, 世界\n\u{7}\u{ad}☺\"")],
                r#""\"Hello, 世界\\n\\a\\u00ad☺\\\"\"""#,
            ),
            (
                "QuoteToASCII",
                vec![s("世😀")],
                r#""\"\\u4e16\\U0001f600\"""#,
            ),
            (
                "QuoteToGraphic",
                vec![s("\u{a0}\t")],
                "\"\\\"\u{a0}\\\\t\\\"\"",
            ),
            ("QuoteRune", vec![n("9786")], r#""'☺'""#),
            ("QuoteRune", vec![n("39")], r#""'\\''""#),
            ("QuoteRuneToASCII", vec![n("9786")], r#""'\\u263a'""#),
            ("QuoteRune", vec![n("-1")], r#""'�'""#),
            ("IsPrint", vec![n("173")], "false"),
            ("IsPrint", vec![n("9786")], "true"),
            ("IsGraphic", vec![n("160")], "true"),
            ("Unquote", vec![s(r#""a\tb""#)], r#""a\tb""#),
            ("Unquote", vec![s(r##"#"a\tb"#"##)], r#""a\\tb""#),
            (
                "Unquote",
                vec![s("\"\"\"\n    a\n    b\n    \"\"\"")],
                r#""a\nb""#,
            ),
            ("Unquote", vec![s(r#""\ud83d\ude00""#)], r#""😀""#),
            (
                "Unquote",
                vec![s("'abc")],
                "ERR error in call to strconv.Unquote: invalid string: unmatched quote",
            ),
            (
                "Unquote",
                vec![s("abc")],
                "ERR error in call to strconv.Unquote: invalid syntax",
            ),
        ];
        for (f, args, want) in cases {
            assert_eq!(run(f, &args), want, "strconv.{f}({args:?})");
        }
    }
}
