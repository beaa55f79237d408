//! Strict-JSON struct literals, read from their source text.
//!
//! The pre-lexer marks struct literals written in strict JSON and the parser
//! keeps them as text ([`super::ast::ExprKind::JsonText`]). This reader walks
//! such text once and hands each value to a [`Build`]er: the compiler builds
//! constant data from it, `parser::expand_json` the syntax tree. The pre-lexer
//! already checked the syntax, so the reader is a plain descent; it still
//! reports (never panics on) text that is not JSON.

use crate::source::Span;
use std::borrow::Cow;

/// What to make of each JSON value. Strings are borrowed from the text when
/// they hold no escape.
pub trait Build {
    /// What a value becomes.
    type Value;
    /// `null`.
    fn null(&mut self, span: Span) -> Self::Value;
    /// `true` / `false`.
    fn boolean(&mut self, b: bool, span: Span) -> Self::Value;
    /// A number, as written.
    fn number(&mut self, text: &str, span: Span) -> Self::Value;
    /// A string, unescaped.
    fn string(&mut self, s: Cow<'_, str>, span: Span) -> Self::Value;
    /// An object: keys (with their spans) and values, in order.
    fn object(&mut self, fields: Vec<(Cow<'_, str>, Span, Self::Value)>, span: Span)
    -> Self::Value;
    /// An array.
    fn array(&mut self, items: Vec<Self::Value>, span: Span) -> Self::Value;
}

/// Why the text could not be read, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// What is wrong.
    pub message: &'static str,
    /// Where.
    pub span: Span,
}

/// Reads the JSON value in `text`, which sits at `at` in its file.
pub fn read<B: Build>(b: &mut B, text: &str, at: Span) -> Result<B::Value, JsonError> {
    let mut r = Reader {
        text,
        src: text.as_bytes(),
        pos: 0,
        at,
    };
    r.value(b)
}

struct Reader<'a> {
    text: &'a str,
    src: &'a [u8],
    pos: usize,
    at: Span,
}

impl<'a> Reader<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.src.get(self.pos) {
            self.pos += 1;
        }
    }

    fn span(&self, start: usize) -> Span {
        Span {
            file: self.at.file,
            start: self.at.start + start as u32,
            end: self.at.start + self.pos as u32,
        }
    }

    fn fail<T>(&self, message: &'static str) -> Result<T, JsonError> {
        let at = self.at.start + self.pos as u32;
        Err(JsonError {
            message,
            span: Span {
                file: self.at.file,
                start: at,
                end: at + 1,
            },
        })
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.src.get(self.pos) == Some(&c);
        self.pos += hit as usize;
        hit
    }

    fn word<T>(&mut self, w: &str, v: T) -> Result<T, JsonError> {
        if self.src[self.pos..].starts_with(w.as_bytes()) {
            self.pos += w.len();
            Ok(v)
        } else {
            self.fail("invalid JSON literal")
        }
    }

    fn value<B: Build>(&mut self, b: &mut B) -> Result<B::Value, JsonError> {
        self.ws();
        let start = self.pos;
        match self.src.get(self.pos) {
            Some(b'{') => {
                self.pos += 1;
                let mut fields = Vec::new();
                loop {
                    self.ws();
                    if self.eat(b'}') {
                        break;
                    }
                    let kstart = self.pos;
                    let key = self.string()?;
                    let kspan = self.span(kstart);
                    self.ws();
                    if !self.eat(b':') {
                        return self.fail("expected ':' in JSON object");
                    }
                    let value = self.value(b)?;
                    fields.push((key, kspan, value));
                    self.ws();
                    self.eat(b',');
                }
                Ok(b.object(fields, self.span(start)))
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.eat(b']') {
                        break;
                    }
                    items.push(self.value(b)?);
                    self.ws();
                    self.eat(b',');
                }
                Ok(b.array(items, self.span(start)))
            }
            Some(b'"') => {
                let s = self.string()?;
                Ok(b.string(s, self.span(start)))
            }
            Some(b't') => {
                let v = self.word("true", true)?;
                Ok(b.boolean(v, self.span(start)))
            }
            Some(b'f') => {
                let v = self.word("false", false)?;
                Ok(b.boolean(v, self.span(start)))
            }
            Some(b'n') => {
                self.word("null", ())?;
                Ok(b.null(self.span(start)))
            }
            Some(b'-' | b'0'..=b'9') => {
                while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') =
                    self.src.get(self.pos)
                {
                    self.pos += 1;
                }
                match self.text.get(start..self.pos) {
                    Some(t) => Ok(b.number(t, self.span(start))),
                    None => self.fail("invalid number"),
                }
            }
            Some(_) => self.fail("invalid JSON literal"),
            None => self.fail("unexpected end of JSON"),
        }
    }

    fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        if !self.eat(b'"') {
            return self.fail("expected a string");
        }
        let mut out = String::new();
        loop {
            let rest = &self.src[self.pos..];
            let run = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\')
                .unwrap_or(rest.len());
            // Quotes and backslashes are ASCII, so the run ends on a character boundary.
            let Some(text) = self.text.get(self.pos..self.pos + run) else {
                return self.fail("invalid string");
            };
            self.pos += run;
            match self.src.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    if out.is_empty() {
                        return Ok(Cow::Borrowed(text));
                    }
                    out.push_str(text);
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    out.push_str(text);
                    let e = self.src.get(self.pos + 1).copied().unwrap_or(b'"');
                    self.pos += 2;
                    match e {
                        b'n' => out.push('\n'),
                        b't' => out.push('\t'),
                        b'r' => out.push('\r'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp)
                                && self.src.get(self.pos..self.pos + 2) == Some(b"\\u")
                            {
                                self.pos += 2;
                                let lo = self.hex4()?;
                                cp = 0x10000
                                    + ((cp - 0xD800) << 10)
                                    + (lo.wrapping_sub(0xDC00) & 0x3FF);
                            }
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        }
                        b'"' | b'\\' | b'/' => out.push(e as char),
                        _ => return self.fail("invalid escape in JSON string"),
                    }
                }
                _ => return self.fail("unterminated string"),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let h = self
            .src
            .get(self.pos..self.pos + 4)
            .and_then(|b| std::str::from_utf8(b).ok());
        match h.and_then(|t| u32::from_str_radix(t, 16).ok()) {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => self.fail("invalid \\u escape"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    /// Renders what the reader saw, to check spans and decoding.
    struct Show;

    impl Build for Show {
        type Value = String;
        fn null(&mut self, s: Span) -> String {
            format!("null@{}", s.start)
        }
        fn boolean(&mut self, b: bool, s: Span) -> String {
            format!("{b}@{}", s.start)
        }
        fn number(&mut self, t: &str, s: Span) -> String {
            format!("{t}@{}-{}", s.start, s.end)
        }
        fn string(&mut self, v: Cow<'_, str>, s: Span) -> String {
            let kind = if matches!(v, Cow::Borrowed(_)) {
                "b"
            } else {
                "o"
            };
            format!("{v:?}{kind}@{}", s.start)
        }
        fn object(&mut self, f: Vec<(Cow<'_, str>, Span, String)>, s: Span) -> String {
            let parts: Vec<_> = f
                .iter()
                .map(|(k, ks, v)| format!("{k}@{}:{v}", ks.start))
                .collect();
            format!("{{{}}}@{}-{}", parts.join(","), s.start, s.end)
        }
        fn array(&mut self, items: Vec<String>, s: Span) -> String {
            format!("[{}]@{}", items.join(","), s.start)
        }
    }

    fn show(text: &str) -> Result<String, JsonError> {
        let at = Span {
            file: FileId(0),
            start: 100,
            end: 100 + text.len() as u32,
        };
        read(&mut Show, text, at)
    }

    #[test]
    fn values_spans_and_escapes() {
        assert_eq!(
            show(r#"{"a": [1, -2.5e3, true, null], "b\n": "x\u00e9y", "c": "plain"}"#).unwrap(),
            r#"{a@101:[1@107-108,-2.5e3@110-116,true@118,null@124]@106,b
@131:"xéy"o@138,c@150:"plain"b@155}@100-163"#
        );
        assert_eq!(
            show(r#"{"s": "\ud83d\ude00"}"#).unwrap(),
            r#"{s@101:"😀"o@106}@100-121"#
        );
    }

    #[test]
    fn malformed_text_is_an_error() {
        for bad in [
            r#"{"a" 1}"#,
            r#"{"a": tru}"#,
            r#"{"a": "x"#,
            r#"{"a": "\q"}"#,
            "{",
            "",
            "{\"a\": @}",
        ] {
            assert!(show(bad).is_err(), "{bad}");
        }
    }
}
