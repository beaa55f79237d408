//! Go's `strconv.FormatFloat` and `ParseFloat` for `float64`/`float32`.
//!
//! Digit generation relies on Rust's formatter, which like Go produces the shortest
//! round-tripping digits or correctly rounded fixed-precision digits; the layout
//! (`e+06`, `%g` switching, `b`/`x` formats) follows Go.

use num_bigint::BigUint;
use num_traits::{ToPrimitive, Zero};

/// Decimal digits of a float: value = 0.d₁d₂… × 10^dp, trailing zeros trimmed.
struct Digits {
    d: Vec<u8>,
    dp: i64,
}

/// Parses Rust's `{:e}` output into digits.
fn digits_from_sci(s: &str) -> Digits {
    let s = s.trim_start_matches('-');
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let mut d: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    while d.last() == Some(&b'0') {
        d.pop();
    }
    if d.is_empty() {
        return Digits { d, dp: 0 };
    }
    Digits { d, dp: exp + 1 }
}

fn shortest(v: f64, f32: bool) -> Digits {
    digits_from_sci(&if f32 {
        format!("{:e}", v as f32)
    } else {
        format!("{v:e}")
    })
}

fn fixed(v: f64, f32: bool, n: usize) -> Digits {
    let p = n.saturating_sub(1);
    digits_from_sci(&if f32 {
        format!("{:.*e}", p, v as f32)
    } else {
        format!("{v:.p$e}")
    })
}

/// Go's `%e` layout with `prec` fractional digits.
fn fmt_e(out: &mut String, d: &Digits, prec: usize, ch: char) {
    out.push(d.d.first().map_or('0', |&c| c as char));
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(d.d.get(i).map_or('0', |&c| c as char));
        }
    }
    out.push(ch);
    let exp = if d.d.is_empty() { 0 } else { d.dp - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    let e = exp.unsigned_abs();
    if e < 10 {
        out.push('0');
    }
    out.push_str(&e.to_string());
}

/// Go's `%f` layout with `prec` fractional digits.
fn fmt_f(out: &mut String, d: &Digits, prec: usize) {
    if d.dp > 0 {
        for i in 0..d.dp as usize {
            out.push(d.d.get(i).map_or('0', |&c| c as char));
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec as i64 {
            let j = d.dp + i - 1;
            let c = if j >= 0 {
                d.d.get(j as usize).copied()
            } else {
                None
            };
            out.push(c.map_or('0', |c| c as char));
        }
    }
}

/// `FormatFloat(v, fmt, prec, bitSize)`; `None` for an illegal bit size.
pub(super) fn format_float(v: f64, fmt: u8, prec: i64, bit_size: i64) -> Option<String> {
    let f32 = match bit_size {
        32 => true,
        64 => false,
        _ => return None,
    };
    let v = if f32 { v as f32 as f64 } else { v };
    if v.is_nan() {
        return Some("NaN".into());
    }
    if v.is_infinite() {
        return Some(if v > 0.0 { "+Inf" } else { "-Inf" }.into());
    }
    let mut out = String::new();
    let neg = v.is_sign_negative();
    match fmt {
        b'b' => {
            if neg {
                out.push('-');
            }
            out.push_str(&fmt_b(v.abs(), f32));
            return Some(out);
        }
        b'x' | b'X' => {
            if neg {
                out.push('-');
            }
            out.push_str(&fmt_x(v.abs(), f32, prec, fmt == b'X'));
            return Some(out);
        }
        b'f' if prec >= 0 => {
            let p = prec as usize;
            return Some(if f32 {
                format!("{:.p$}", v as f32)
            } else {
                format!("{v:.p$}")
            });
        }
        b'e' | b'E' | b'f' | b'g' | b'G' => {}
        _ => return Some(format!("%{}", fmt as char)),
    }
    if neg {
        out.push('-');
    }
    let a = v.abs();
    let short = prec < 0;
    let mut prec = prec.max(0) as usize;
    let d = if short {
        shortest(a, f32)
    } else if matches!(fmt, b'e' | b'E') {
        fixed(a, f32, prec + 1)
    } else {
        prec = prec.max(1);
        fixed(a, f32, prec)
    };
    let nd = d.d.len();
    match fmt {
        b'e' | b'E' => {
            let p = if short { nd.saturating_sub(1) } else { prec };
            fmt_e(&mut out, &d, p, fmt as char);
        }
        b'f' => fmt_f(&mut out, &d, (nd as i64 - d.dp).max(0) as usize),
        _ => {
            if short {
                prec = nd;
            }
            let mut eprec = if short { 6 } else { prec as i64 };
            if !short && eprec > nd as i64 && nd as i64 >= d.dp {
                eprec = nd as i64;
            }
            let exp = d.dp - 1;
            let e = if fmt == b'g' { 'e' } else { 'E' };
            if exp < -4 || exp >= eprec {
                fmt_e(&mut out, &d, prec.min(nd).saturating_sub(1), e);
            } else {
                let p = if prec as i64 > d.dp { nd } else { prec };
                fmt_f(&mut out, &d, (p as i64 - d.dp).max(0) as usize);
            }
        }
    }
    Some(out)
}

/// Mantissa and binary exponent: v = mant × 2^exp, with Go's conventions for subnormals.
fn decompose(v: f64, f32: bool) -> (u64, i64, u32) {
    if f32 {
        let bits = (v as f32).to_bits();
        let e = ((bits >> 23) & 0xff) as i64;
        let m = (bits & 0x7f_ffff) as u64;
        let (m, e) = if e == 0 { (m, 1) } else { (m | 1 << 23, e) };
        (m, e - 127 - 23, 23)
    } else {
        let bits = v.to_bits();
        let e = ((bits >> 52) & 0x7ff) as i64;
        let m = bits & ((1 << 52) - 1);
        let (m, e) = if e == 0 { (m, 1) } else { (m | 1 << 52, e) };
        (m, e - 1023 - 52, 52)
    }
}

fn fmt_b(v: f64, f32: bool) -> String {
    let (m, e, _) = decompose(v, f32);
    format!("{m}p{}{e}", if e >= 0 { "+" } else { "" })
}

/// Go's `%x`: `0x1.8p+01`, with `prec` hex digits (-1 = as many as needed).
fn fmt_x(v: f64, f32: bool, prec: i64, upper: bool) -> String {
    let (m, e, bits) = decompose(v, f32);
    let mut exp = e + bits as i64;
    let mut mant = m << (60 - bits);
    if mant == 0 {
        exp = 0;
    }
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = (mant << shift) & ((1 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut out = String::from(if upper { "0X" } else { "0x" });
    out.push(if (mant >> 60) & 1 == 1 { '1' } else { '0' });
    mant <<= 4;
    if prec < 0 && mant != 0 {
        out.push('.');
        while mant != 0 {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push('.');
        for _ in 0..prec {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    }
    out.push(if upper { 'P' } else { 'p' });
    out.push(if exp < 0 { '-' } else { '+' });
    let e = exp.unsigned_abs();
    out.push_str(&format!("{e:02}"));
    out
}

/// Why `ParseFloat` failed.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ParseErr {
    Syntax,
    Range,
}

/// Go's `ParseFloat(s, bitSize)` (bit size 32 rounds to `float32`).
pub(super) fn parse_float(s: &str, bit_size: i64) -> Result<f64, ParseErr> {
    let f32 = bit_size == 32;
    let (neg, body) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Ok(if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    if lower == "nan" && body.len() == s.len() {
        return Ok(f64::NAN);
    }
    let v = if let Some(hex) = lower.strip_prefix("0x") {
        if !super::strconv::underscore_ok(s) {
            return Err(ParseErr::Syntax);
        }
        parse_hex(&hex.replace('_', ""), f32)?
    } else {
        if !decimal_syntax(body) {
            return Err(ParseErr::Syntax);
        }
        let r = if f32 {
            body.parse::<f32>().map(f64::from)
        } else {
            body.parse::<f64>()
        };
        r.map_err(|_| ParseErr::Syntax)?
    };
    if v.is_infinite() {
        return Err(ParseErr::Range);
    }
    Ok(if neg { -v } else { v })
}

/// `digits [. digits] [e [sign] digits]` with at least one mantissa digit.
fn decimal_syntax(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let mut nd = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        nd += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            nd += 1;
        }
    }
    if nd == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

/// A hex float body (after `0x`): hex digits with an optional point, then a required `p`
/// exponent. Rounded once to the target precision.
fn parse_hex(s: &str, f32: bool) -> Result<f64, ParseErr> {
    let (mant, exp) = s.split_once('p').ok_or(ParseErr::Syntax)?;
    let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseErr::Syntax);
    }
    let mag: i64 = digits.parse().unwrap_or(i64::MAX).min(100_000);
    let exp = if exp.starts_with('-') { -mag } else { mag };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let hex = int
        .chars()
        .chain(frac.chars())
        .all(|c| c.is_ascii_hexdigit());
    if int.len() + frac.len() == 0 || !hex {
        return Err(ParseErr::Syntax);
    }
    let m = BigUint::parse_bytes(format!("{int}{frac}0").as_bytes(), 16).ok_or(ParseErr::Syntax)?;
    Ok(scaled_to_float(&m, exp - 4 * frac.len() as i64 - 4, f32))
}

/// Exactly 2^k for k in [-1022, 1023].
fn pow2(k: i64) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// Correctly rounded `m × 2^e` as float64 (or float32 widened).
pub(super) fn scaled_to_float(m: &BigUint, e: i64, f32: bool) -> f64 {
    if m.is_zero() {
        return 0.0;
    }
    let (mbits, emin, emax) = if f32 {
        (24i64, -149i64, 104i64)
    } else {
        (53, -1074, 971)
    };
    let len = m.bits() as i64;
    // Exponent of the last kept bit, limited by the subnormal range.
    let lsb = (e + len - mbits).max(emin);
    if lsb > emax {
        return f64::INFINITY;
    }
    let shift = lsb - e;
    let (mut q, half_cmp) = if shift > 0 {
        let q = m >> shift as u64;
        let rem = m - (&q << shift as u64);
        let half = BigUint::from(1u32) << (shift as u64 - 1);
        (q, rem.cmp(&half))
    } else {
        (m << (-shift) as u64, std::cmp::Ordering::Less)
    };
    let odd = q.bit(0);
    if half_cmp == std::cmp::Ordering::Greater || (half_cmp == std::cmp::Ordering::Equal && odd) {
        q += 1u32;
    }
    let q = q.to_f64().unwrap_or(f64::INFINITY);
    // Both products are exact: q has at most 54 bits and the result is representable.
    let r = if lsb < -1022 {
        q * pow2(lsb + 600) * pow2(-600)
    } else {
        q * pow2(lsb)
    };
    if f32 { (r as f32) as f64 } else { r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_like_go() {
        let cases: &[(f64, u8, i64, i64, &str)] = &[
            (3.02, b'f', 4, 64, "3.0200"),
            (0.0, b'f', -1, 64, "0"),
            (1.5, b'e', -1, 64, "1.5e+00"),
            (123456.0, b'e', 3, 64, "1.235e+05"),
            (1e21, b'g', -1, 64, "1e+21"),
            (100.0, b'g', -1, 64, "100"),
            (1e-5, b'g', -1, 64, "1e-05"),
            (0.0001, b'g', -1, 64, "0.0001"),
            (123456789.0, b'g', -1, 64, "1.23456789e+08"),
            (100.0, b'g', 3, 64, "100"),
            (1.0, b'g', 5, 64, "1"),
            (1234.5678, b'g', 6, 64, "1234.57"),
            (1234.5678, b'G', 2, 64, "1.2E+03"),
            (0.1, b'f', -1, 32, "0.1"),
            (0.1, b'f', 10, 32, "0.1000000015"),
            (1.0, b'b', -1, 64, "4503599627370496p-52"),
            (1.0, b'x', -1, 64, "0x1p+00"),
            (3.0, b'x', -1, 64, "0x1.8p+01"),
            (1.0, b'X', 2, 64, "0X1.00P+00"),
            (-2.5, b'f', -1, 64, "-2.5"),
            (2.5, b'f', 0, 64, "2"),
            (1.0, b'z', -1, 64, "%z"),
            (f64::INFINITY, b'f', -1, 64, "+Inf"),
        ];
        for &(v, f, p, b, want) in cases {
            assert_eq!(
                format_float(v, f, p, b).as_deref(),
                Some(want),
                "{v} {} {p} {b}",
                f as char
            );
        }
        assert_eq!(format_float(1.0, b'f', -1, 16), None);
    }

    #[test]
    fn parse_like_go() {
        assert_eq!(parse_float("1.5", 64), Ok(1.5));
        assert_eq!(parse_float("-.5e1", 64), Ok(-5.0));
        assert_eq!(parse_float("0x1.8p1", 64), Ok(3.0));
        assert_eq!(parse_float("0x_1p-2", 64), Ok(0.25));
        assert_eq!(parse_float("1e400", 64), Err(ParseErr::Range));
        assert_eq!(parse_float("1_000", 64), Err(ParseErr::Syntax));
        assert_eq!(parse_float("1e", 64), Err(ParseErr::Syntax));
        assert_eq!(parse_float("+nan", 64), Err(ParseErr::Syntax));
        assert!(parse_float("NaN", 64).unwrap().is_nan());
        assert_eq!(parse_float("0.1", 32), Ok(0.1f32 as f64));
    }
}
