//! Argument decoding and CUE-style error texts shared by all packages.
//!
//! CUE checks argument *kinds* before calling a builtin (messages count arguments from 1) and
//! converts values inside the call (messages count from 0). Both wordings are reproduced here.

use super::{CallError, Data};
use crate::cue::num::Num;
use num_bigint::{BigInt, Sign};
use num_traits::ToPrimitive;
use std::borrow::Cow;

/// Result type of every builtin.
pub(super) type Res = Result<Data, CallError>;

/// Shorthand for a plain error.
pub(super) fn err<T>(msg: impl Into<String>) -> Result<T, CallError> {
    Err(CallError::Error(msg.into()))
}

/// The arguments of one call, with the qualified function name for messages.
pub(super) struct Args<'a> {
    /// `pkg.Name`, e.g. `strings.ToLower` or `encoding/json.Marshal`.
    pub name: &'static str,
    pub v: &'a [Data],
}

/// CUE's name for the kind of a value.
pub(super) fn kind(d: &Data) -> &'static str {
    match d {
        Data::Null => "null",
        Data::Bool(_) => "bool",
        Data::Num(Num::Int(_)) => "int",
        Data::Num(Num::Float(_)) => "float",
        Data::Str(_) => "string",
        Data::Bytes(_) => "bytes",
        Data::List(_) => "list",
        Data::Struct(_) => "struct",
    }
}

impl<'a> Args<'a> {
    /// Checks the argument count (the evaluator normally does this already).
    pub fn new(name: &'static str, v: &'a [Data], n: usize) -> Result<Self, CallError> {
        if v.len() != n {
            let which = if v.len() > n {
                "too many"
            } else {
                "not enough"
            };
            return err(format!(
                "{which} arguments in call to {name} (have {}, want {n})",
                v.len()
            ));
        }
        Ok(Args { name, v })
    }

    /// The error for an argument of the wrong kind (`want` in CUE's kind spelling).
    pub fn kind_err<T>(&self, i: usize, want: &str) -> Result<T, CallError> {
        let d = &self.v[i];
        err(format!(
            "cannot use {} (type {}) as {want} in argument {} to {}",
            show(d),
            kind(d),
            i + 1,
            self.name
        ))
    }

    /// Wraps a message the way CUE reports errors returned by a Go builtin.
    pub fn fail<T>(&self, msg: impl std::fmt::Display) -> Result<T, CallError> {
        err(format!("error in call to {}: {msg}", self.name))
    }

    pub fn str(&self, i: usize) -> Result<&'a str, CallError> {
        match &self.v[i] {
            Data::Str(s) => Ok(s),
            _ => self.kind_err(i, "string"),
        }
    }

    /// A `bytes | string` argument as bytes.
    pub fn bytes(&self, i: usize) -> Result<Cow<'a, [u8]>, CallError> {
        match &self.v[i] {
            Data::Str(s) => Ok(Cow::Borrowed(s.as_bytes())),
            Data::Bytes(b) => Ok(Cow::Borrowed(b)),
            _ => self.kind_err(i, "(string|bytes)"),
        }
    }

    pub fn bool(&self, i: usize) -> Result<bool, CallError> {
        match &self.v[i] {
            Data::Bool(b) => Ok(*b),
            _ => self.kind_err(i, "bool"),
        }
    }

    pub fn num(&self, i: usize) -> Result<&'a Num, CallError> {
        match &self.v[i] {
            Data::Num(n) => Ok(n),
            _ => self.kind_err(i, "number"),
        }
    }

    pub fn big_int(&self, i: usize) -> Result<BigInt, CallError> {
        match &self.v[i] {
            Data::Num(Num::Int(n)) => Ok(n.to_big()),
            _ => self.kind_err(i, "int"),
        }
    }

    /// A Go integer of `bits` bits, named `typ` in errors. Like CUE: the magnitude must fit
    /// in `bits` bits, values beyond `int64` saturate, and narrower types wrap around.
    pub fn int_bits(&self, i: usize, bits: u32, typ: &str) -> Result<i64, CallError> {
        let n = match &self.v[i] {
            Data::Num(Num::Int(n)) => n.to_big(),
            _ => return self.kind_err(i, "int"),
        };
        if n.bits() > bits as u64 {
            return err(format!(
                "int {n} overflows {typ} in argument {i} in call to {}",
                self.name
            ));
        }
        let v = n.to_i64().unwrap_or(if n.sign() == Sign::Minus {
            i64::MIN
        } else {
            i64::MAX
        });
        let shift = 64 - bits;
        Ok((v << shift) >> shift)
    }

    /// A Go `int` (64 bits).
    pub fn int(&self, i: usize) -> Result<i64, CallError> {
        self.int_bits(i, 64, "int64")
    }

    /// A non-negative Go integer of `bits` bits (`uint8`, `byte`, …).
    pub fn uint_bits(&self, i: usize, bits: u32, typ: &str) -> Result<u64, CallError> {
        let n = match &self.v[i] {
            Data::Num(Num::Int(n)) => n.to_big(),
            _ => return self.kind_err(i, "int"),
        };
        if n.sign() == Sign::Minus {
            let d = &self.v[i];
            return err(format!(
                "cannot use {} (type int) as {typ} in argument {i} to {}",
                show(d),
                self.name
            ));
        }
        if n.bits() > bits as u64 {
            return err(format!(
                "int {n} overflows {typ} in argument {i} in call to {}",
                self.name
            ));
        }
        Ok(n.to_u64().unwrap_or(u64::MAX))
    }

    /// A number as Go `float64`, with CUE's range errors.
    pub fn float64(&self, i: usize) -> Result<f64, CallError> {
        let n = self.num(i)?;
        let f = n.to_f64();
        let why = if f.is_infinite() {
            Some(if f > 0.0 {
                "rounded up"
            } else {
                "rounded down"
            })
        } else if f == 0.0 && n.signum() != 0 {
            Some(if n.signum() > 0 {
                "rounded down"
            } else {
                "rounded up"
            })
        } else {
            None
        };
        match why {
            Some(w) => err(format!(
                "cannot use {} (type {}) as float64 in argument {i} to {}: value was {w}",
                show(&self.v[i]),
                kind(&self.v[i]),
                self.name
            )),
            None => Ok(f),
        }
    }

    pub fn list(&self, i: usize) -> Result<&'a [Data], CallError> {
        match &self.v[i] {
            Data::List(l) => Ok(l),
            _ => self.kind_err(i, "list"),
        }
    }

    pub fn strct(&self, i: usize) -> Result<&'a [(String, Data)], CallError> {
        match &self.v[i] {
            Data::Struct(s) => Ok(s),
            _ => self.kind_err(i, "struct"),
        }
    }

    /// A list whose elements must all be strings.
    pub fn string_list(&self, i: usize) -> Result<Vec<&'a str>, CallError> {
        self.list(i)?
            .iter()
            .enumerate()
            .map(|(j, e)| match e {
                Data::Str(s) => Ok(s.as_str()),
                _ => err(format!(
                    "invalid list element {j} in argument {i} to call: cannot use value {} ({}) as string",
                    show(e),
                    kind(e)
                )),
            })
            .collect()
    }

    /// A list whose elements must all be numbers.
    pub fn num_list(&self, i: usize) -> Result<Vec<&'a Num>, CallError> {
        self.list(i)?
            .iter()
            .enumerate()
            .map(|(j, e)| match e {
                Data::Num(n) => Ok(n),
                _ => err(format!(
                    "invalid list element {j} in argument {i} to call: cannot use value {} ({}) as number",
                    show(e),
                    kind(e)
                )),
            })
            .collect()
    }
}

/// An int result.
pub(super) fn int(v: i64) -> Data {
    Data::Num(Num::int(v))
}

/// A string result.
pub(super) fn string(s: impl Into<String>) -> Data {
    Data::Str(s.into())
}

/// A list of strings.
pub(super) fn strings<S: Into<String>>(v: impl IntoIterator<Item = S>) -> Data {
    Data::List(v.into_iter().map(|s| Data::Str(s.into())).collect())
}

/// Calls `pkg.f(args)` and shows the result, or `ERR message` (for the packages' tests).
#[cfg(test)]
pub(crate) fn call_shown(pkg: &str, f: &str, args: &[Data]) -> String {
    match (super::lookup(pkg, f).expect("builtin exists").f)(args) {
        Ok(d) => show(&d),
        Err(super::CallError::Error(m) | super::CallError::Incomplete(m)) => format!("ERR {m}"),
    }
}

/// CUE's compact rendering of a value in messages: `{x:1,y:2}`, `[1,"a"]`, `'b'`.
/// Values nested deeper than 100 levels are elided as `...` (messages stay small and the
/// recursion bounded).
pub(super) fn show(d: &Data) -> String {
    let mut s = String::new();
    show_into(d, &mut s, 0);
    s
}

fn show_into(d: &Data, out: &mut String, depth: usize) {
    if depth > 100 {
        out.push_str("...");
        return;
    }
    match d {
        Data::Null => out.push_str("null"),
        Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Data::Num(n) => out.push_str(&n.to_string()),
        Data::Str(s) => out.push_str(&quote_cue(s, '"')),
        Data::Bytes(b) => out.push_str(&quote_bytes(b)),
        Data::List(l) => {
            out.push('[');
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                show_into(e, out, depth + 1);
            }
            out.push(']');
        }
        Data::Struct(fields) => {
            out.push('{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&label(k));
                out.push(':');
                show_into(v, out, depth + 1);
            }
            out.push('}');
        }
    }
}

/// A field label as CUE prints it: bare when it is a plain identifier, quoted otherwise.
pub(super) fn label(k: &str) -> String {
    let mut cs = k.chars();
    let ident = matches!(cs.next(), Some(c) if c.is_alphabetic() || c == '$')
        && cs.all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    if ident {
        k.to_string()
    } else {
        quote_cue(k, '"')
    }
}

/// Quotes a string with CUE's escapes.
pub(super) fn quote_cue(s: &str, q: char) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

fn quote_bytes(b: &[u8]) -> String {
    let mut out = String::from("'");
    for chunk in b.utf8_chunks() {
        let q = quote_cue(chunk.valid(), '\'');
        out.push_str(&q[1..q.len() - 1]);
        for x in chunk.invalid() {
            out.push_str(&format!("\\x{x:02x}"));
        }
    }
    out.push('\'');
    out
}

/// CUE equality of concrete values: numbers by value across kinds, structs regardless of
/// field order, lists element-wise.
pub(super) fn equal(a: &Data, b: &Data) -> bool {
    match (a, b) {
        (Data::Num(x), Data::Num(y)) => x.cmp_num(y).is_eq(),
        (Data::List(x), Data::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        (Data::Struct(x), Data::Struct(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && equal(v, v2)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_values_like_cue() {
        let v = Data::Struct(vec![
            ("x".into(), int(1)),
            (
                "a-b".into(),
                Data::List(vec![Data::Str("q\"".into()), Data::Bytes(vec![0xff])]),
            ),
        ]);
        assert_eq!(show(&v), r#"{x:1,"a-b":["q\"",'\xff']}"#);
        let a = Args::new("t.F", &[], 1);
        assert_eq!(
            a.err().unwrap(),
            CallError::Error("not enough arguments in call to t.F (have 0, want 1)".into())
        );
    }

    #[test]
    fn int_conversions_report_like_cue() {
        let v = [
            int(300),
            int(-1),
            Data::Num(Num::parse_literal("1.0").unwrap()),
        ];
        let a = Args {
            name: "strconv.FormatFloat",
            v: &v,
        };
        assert_eq!(
            a.uint_bits(0, 8, "byte").unwrap_err(),
            CallError::Error(
                "int 300 overflows byte in argument 0 in call to strconv.FormatFloat".into()
            )
        );
        assert_eq!(
            a.uint_bits(1, 8, "byte").unwrap_err(),
            CallError::Error(
                "cannot use -1 (type int) as byte in argument 1 to strconv.FormatFloat".into()
            )
        );
        assert_eq!(
            a.int(2).unwrap_err(),
            CallError::Error(
                "cannot use 1.0 (type float) as int in argument 3 to strconv.FormatFloat".into()
            )
        );
    }
}
