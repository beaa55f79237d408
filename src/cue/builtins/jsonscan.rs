//! A byte-at-a-time JSON scanner with the behaviour and messages of Go's `encoding/json`
//! scanner, used by `Valid`, `Compact`, `Indent` and to split JSON streams.

/// What a byte meant (Go's scan codes, in the same order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Op {
    Continue,
    BeginLiteral,
    BeginObject,
    ObjectKey,
    ObjectValue,
    EndObject,
    BeginArray,
    ArrayValue,
    EndArray,
    SkipSpace,
    End,
    Error,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum St {
    BeginValue,
    BeginValueOrEmpty,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    InStringEscU(u8),
    Neg,
    Zero,
    Digits,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    /// Inside `true`/`false`/`null`: the rest still expected.
    Lit(&'static [u8], &'static str),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    ObjectKey,
    ObjectValue,
    Array,
}

const MAX_DEPTH: usize = 10000;

/// Go's scanner state.
pub(super) struct Scanner {
    st: St,
    stack: Vec<Ctx>,
    /// Bytes consumed so far (for messages).
    pub bytes: usize,
    pub err: Option<String>,
    end_top: bool,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// Go's `quoteChar`: how a byte is shown in a syntax error.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => r"'\''".into(),
        b'"' => "'\"'".into(),
        _ => {
            let q = super::strconv::go_quote(&char::from(c).to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

impl Scanner {
    pub fn new() -> Scanner {
        Scanner {
            st: St::BeginValue,
            stack: Vec::new(),
            bytes: 0,
            err: None,
            end_top: false,
        }
    }

    fn error(&mut self, c: u8, ctx: &str) -> Op {
        if self.err.is_none() {
            self.err = Some(format!("invalid character {} {ctx}", quote_char(c)));
        }
        Op::Error
    }

    fn push(&mut self, ctx: Ctx, st: St, op: Op) -> Op {
        if self.stack.len() >= MAX_DEPTH {
            self.err = Some("exceeded max depth".into());
            return Op::Error;
        }
        self.stack.push(ctx);
        self.st = st;
        op
    }

    /// Feeds one byte.
    pub fn step(&mut self, c: u8) -> Op {
        self.bytes += 1;
        if self.err.is_some() {
            return Op::Error;
        }
        match self.st {
            St::BeginValueOrEmpty if c == b']' => self.end_value(c),
            St::BeginValue | St::BeginValueOrEmpty => self.begin_value(c),
            St::BeginStringOrEmpty if is_space(c) => Op::SkipSpace,
            St::BeginStringOrEmpty if c == b'}' => {
                if let Some(top) = self.stack.last_mut() {
                    *top = Ctx::ObjectValue;
                }
                self.end_value(c)
            }
            St::BeginStringOrEmpty | St::BeginString => {
                if is_space(c) {
                    Op::SkipSpace
                } else if c == b'"' {
                    self.st = St::InString;
                    Op::BeginLiteral
                } else {
                    self.error(c, "looking for beginning of object key string")
                }
            }
            St::EndValue => self.end_value(c),
            St::EndTop => {
                if is_space(c) {
                    Op::End
                } else {
                    self.error(c, "after top-level value")
                }
            }
            St::InString => match c {
                b'"' => {
                    self.st = St::EndValue;
                    Op::Continue
                }
                b'\\' => {
                    self.st = St::InStringEsc;
                    Op::Continue
                }
                c if c < 0x20 => self.error(c, "in string literal"),
                _ => Op::Continue,
            },
            St::InStringEsc => match c {
                b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {
                    self.st = St::InString;
                    Op::Continue
                }
                b'u' => {
                    self.st = St::InStringEscU(0);
                    Op::Continue
                }
                _ => self.error(c, "in string escape code"),
            },
            St::InStringEscU(n) => {
                if !c.is_ascii_hexdigit() {
                    return self.error(c, "in \\u hexadecimal character escape");
                }
                self.st = if n == 3 {
                    St::InString
                } else {
                    St::InStringEscU(n + 1)
                };
                Op::Continue
            }
            St::Neg => match c {
                b'0' => {
                    self.st = St::Zero;
                    Op::Continue
                }
                b'1'..=b'9' => {
                    self.st = St::Digits;
                    Op::Continue
                }
                _ => self.error(c, "in numeric literal"),
            },
            St::Digits | St::Zero => match c {
                b'0'..=b'9' if self.st == St::Digits => Op::Continue,
                b'.' => {
                    self.st = St::Dot;
                    Op::Continue
                }
                b'e' | b'E' => {
                    self.st = St::E;
                    Op::Continue
                }
                _ => self.end_value(c),
            },
            St::Dot => {
                if c.is_ascii_digit() {
                    self.st = St::Dot0;
                    Op::Continue
                } else {
                    self.error(c, "after decimal point in numeric literal")
                }
            }
            St::Dot0 => match c {
                b'0'..=b'9' => Op::Continue,
                b'e' | b'E' => {
                    self.st = St::E;
                    Op::Continue
                }
                _ => self.end_value(c),
            },
            St::E | St::ESign => match c {
                b'+' | b'-' if self.st == St::E => {
                    self.st = St::ESign;
                    Op::Continue
                }
                b'0'..=b'9' => {
                    self.st = St::E0;
                    Op::Continue
                }
                _ => self.error(c, "in exponent of numeric literal"),
            },
            St::E0 => {
                if c.is_ascii_digit() {
                    Op::Continue
                } else {
                    self.end_value(c)
                }
            }
            St::Lit(rest, word) => {
                if c != rest[0] {
                    let ctx = format!("in literal {word} (expecting '{}')", rest[0] as char);
                    return self.error(c, &ctx);
                }
                self.st = if rest.len() == 1 {
                    St::EndValue
                } else {
                    St::Lit(&rest[1..], word)
                };
                Op::Continue
            }
        }
    }

    fn begin_value(&mut self, c: u8) -> Op {
        if is_space(c) {
            return Op::SkipSpace;
        }
        match c {
            b'{' => self.push(Ctx::ObjectKey, St::BeginStringOrEmpty, Op::BeginObject),
            b'[' => self.push(Ctx::Array, St::BeginValueOrEmpty, Op::BeginArray),
            b'"' => {
                self.st = St::InString;
                Op::BeginLiteral
            }
            b'-' => {
                self.st = St::Neg;
                Op::BeginLiteral
            }
            b'0' => {
                self.st = St::Zero;
                Op::BeginLiteral
            }
            b'1'..=b'9' => {
                self.st = St::Digits;
                Op::BeginLiteral
            }
            b't' => {
                self.st = St::Lit(b"rue", "true");
                Op::BeginLiteral
            }
            b'f' => {
                self.st = St::Lit(b"alse", "false");
                Op::BeginLiteral
            }
            b'n' => {
                self.st = St::Lit(b"ull", "null");
                Op::BeginLiteral
            }
            _ => self.error(c, "looking for beginning of value"),
        }
    }

    fn end_value(&mut self, c: u8) -> Op {
        let Some(&top) = self.stack.last() else {
            self.st = St::EndTop;
            self.end_top = true;
            return self.step_end_top(c);
        };
        if is_space(c) {
            self.st = St::EndValue;
            return Op::SkipSpace;
        }
        match top {
            Ctx::ObjectKey => {
                if c == b':' {
                    *self.stack.last_mut().expect("non-empty") = Ctx::ObjectValue;
                    self.st = St::BeginValue;
                    Op::ObjectKey
                } else {
                    self.error(c, "after object key")
                }
            }
            Ctx::ObjectValue => match c {
                b',' => {
                    *self.stack.last_mut().expect("non-empty") = Ctx::ObjectKey;
                    self.st = St::BeginString;
                    Op::ObjectValue
                }
                b'}' => {
                    self.stack.pop();
                    self.st = St::EndValue;
                    if self.stack.is_empty() {
                        self.st = St::EndTop;
                        self.end_top = true;
                    }
                    Op::EndObject
                }
                _ => self.error(c, "after object key:value pair"),
            },
            Ctx::Array => match c {
                b',' => {
                    self.st = St::BeginValue;
                    Op::ArrayValue
                }
                b']' => {
                    self.stack.pop();
                    self.st = St::EndValue;
                    if self.stack.is_empty() {
                        self.st = St::EndTop;
                        self.end_top = true;
                    }
                    Op::EndArray
                }
                _ => self.error(c, "after array element"),
            },
        }
    }

    fn step_end_top(&mut self, c: u8) -> Op {
        if is_space(c) {
            Op::End
        } else {
            self.error(c, "after top-level value")
        }
    }

    /// True once a complete top-level value has been read.
    pub fn done(&self) -> bool {
        self.end_top
    }

    /// Signals the end of input; `Op::Error` with [`Scanner::err`] set if it was incomplete.
    pub fn eof(&mut self) -> Op {
        if self.err.is_some() {
            return Op::Error;
        }
        if self.end_top {
            return Op::End;
        }
        // Like Go: a trailing space completes numbers, literals and strings.
        self.step(b' ');
        self.bytes -= 1;
        if self.end_top {
            return Op::End;
        }
        if self.err.is_none() {
            self.err = Some("unexpected end of JSON input".into());
        }
        Op::Error
    }
}

/// Go's `json.Valid`.
pub(super) fn valid(src: &[u8]) -> bool {
    check(src).is_ok()
}

/// Scans a whole document; the Go syntax error on failure.
pub(super) fn check(src: &[u8]) -> Result<(), String> {
    let mut s = Scanner::new();
    for &c in src {
        if s.step(c) == Op::Error {
            break;
        }
    }
    match s.eof() {
        Op::Error => Err(s.err.unwrap_or_default()),
        _ => Ok(()),
    }
}

/// Go's `json.Compact` (without HTML escaping).
pub(super) fn compact(src: &[u8]) -> Result<Vec<u8>, String> {
    let mut s = Scanner::new();
    let mut out = Vec::with_capacity(src.len());
    for &c in src {
        let op = s.step(c);
        if op == Op::Error {
            break;
        }
        if op < Op::SkipSpace {
            out.push(c);
        }
    }
    match s.eof() {
        Op::Error => Err(s.err.unwrap_or_default()),
        _ => Ok(out),
    }
}

/// Go's `json.Indent`.
pub(super) fn indent(src: &[u8], prefix: &str, ind: &str) -> Result<Vec<u8>, String> {
    let mut s = Scanner::new();
    let mut out = Vec::with_capacity(src.len() * 2);
    let mut need_indent = false;
    let mut depth = 0usize;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.extend_from_slice(prefix.as_bytes());
        for _ in 0..depth {
            out.extend_from_slice(ind.as_bytes());
        }
    };
    for &c in src {
        let op = s.step(c);
        if op == Op::SkipSpace {
            continue;
        }
        if op == Op::Error {
            break;
        }
        if need_indent && op != Op::EndObject && op != Op::EndArray {
            need_indent = false;
            depth += 1;
            newline(&mut out, depth);
        }
        if op == Op::Continue {
            out.push(c);
            continue;
        }
        match c {
            b'{' | b'[' => {
                need_indent = true;
                out.push(c);
            }
            b',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            b'}' | b']' => {
                if need_indent {
                    need_indent = false;
                } else {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    match s.eof() {
        Op::Error => Err(s.err.unwrap_or_default()),
        _ => Ok(out),
    }
}

/// Go's `json.HTMLEscape`.
pub(super) fn html_escape(src: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(src.len());
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        if matches!(c, b'<' | b'>' | b'&') {
            out.extend_from_slice(format!("\\u00{c:02x}").as_bytes());
        } else if c == 0xE2 && i + 2 < src.len() && src[i + 1] == 0x80 && src[i + 2] & !1 == 0xA8 {
            out.extend_from_slice(format!("\\u202{:x}", src[i + 2] & 0xF).as_bytes());
            i += 2;
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// Splits a stream of JSON values (Go's `json.Decoder`); errors carry Go's message.
pub(super) fn split_stream(src: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < src.len() && is_space(src[i]) {
            i += 1;
        }
        if i == src.len() {
            return Ok(out);
        }
        let start = i;
        let mut s = Scanner::new();
        while i < src.len() {
            let op = s.step(src[i]);
            if op == Op::Error {
                return Err(s.err.unwrap_or_default());
            }
            // A value ends on its closing byte, or just before the byte that ended a number.
            if s.done() {
                if matches!(op, Op::EndObject | Op::EndArray | Op::Continue) {
                    i += 1;
                }
                break;
            }
            i += 1;
        }
        if !s.done() && s.eof() == Op::Error {
            return Err(s.err.unwrap_or_default());
        }
        out.push(&src[start..i]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_matches_go() {
        assert!(valid(b" {\"a\": [1, 2.5e3, true, null, \"x\\u00e9\"]} "));
        assert_eq!(
            check(b"{\"a\" 1}"),
            Err("invalid character '1' after object key".into())
        );
        assert_eq!(
            check(b"[1,]"),
            Err("invalid character ']' looking for beginning of value".into())
        );
        assert_eq!(
            check(b"01"),
            Err("invalid character '1' after top-level value".into())
        );
        assert_eq!(check(b"[1"), Err("unexpected end of JSON input".into()));
        assert_eq!(
            check(b"tru"),
            Err("invalid character ' ' in literal true (expecting 'e')".into())
        );
        assert_eq!(
            check(b"trUe"),
            Err("invalid character 'U' in literal true (expecting 'u')".into())
        );
        assert_eq!(
            check(b"\"\n\""),
            Err("invalid character '\\n' in string literal".into())
        );
        assert_eq!(check(b""), Err("unexpected end of JSON input".into()));
        assert_eq!(compact(b" [1, 2] ").unwrap(), b"[1,2]");
        assert_eq!(
            indent(b"{\"a\": 1, \"b\": 2}", "", "  ").unwrap(),
            b"{\n  \"a\": 1,\n  \"b\": 2\n}"
        );
        assert_eq!(
            indent(b"{\"a\":[],\"b\":{}} ", ">", "\t").unwrap(),
            b"{\n>\t\"a\": [],\n>\t\"b\": {}\n>} "
        );
        assert_eq!(
            html_escape(b"a<b>&\xe2\x80\xa8"),
            b"a\\u003cb\\u003e\\u0026\\u2028"
        );
        let parts = split_stream(b"{\"a\": 1}{\"b\": 2} 1 2 [3]4").unwrap();
        let got: Vec<&str> = parts
            .iter()
            .map(|p| std::str::from_utf8(p).unwrap())
            .collect();
        assert_eq!(got, ["{\"a\": 1}", "{\"b\": 2}", "1", "2", "[3]", "4"]);
        assert!(split_stream(b"{\"a\": 1}}").is_err());
    }
}
