//! Reads a strict-JSON struct literal straight into the AST (spans included).
//! The pre-lexer already checked the syntax, so this reader is a simple
//! descent over the original text.

use super::{PResult, ParseError};
use crate::cue::ast::*;
use crate::source::{FileId, Span};

pub(super) struct Reader<'a> {
    /// The source text; `src` is its bytes.
    pub(super) text: &'a str,
    pub(super) src: &'a [u8],
    pub(super) pos: usize,
    pub(super) file: FileId,
}

impl Reader<'_> {
    fn ws(&mut self) {
        while self.pos < self.src.len()
            && matches!(self.src[self.pos], b' ' | b'\t' | b'\n' | b'\r')
        {
            self.pos += 1;
        }
    }

    fn span(&self, start: usize) -> Span {
        Span::new(self.file, start, self.pos)
    }

    fn fail<T>(&self, msg: &str) -> PResult<T> {
        Err(ParseError {
            message: msg.into(),
            span: Span::new(self.file, self.pos, self.pos + 1),
        })
    }

    pub(super) fn value(&mut self) -> PResult<Expr> {
        self.ws();
        let start = self.pos;
        let kind = match self.src.get(self.pos) {
            Some(b'{') => {
                self.pos += 1;
                let mut fields = Vec::new();
                loop {
                    self.ws();
                    if self.src.get(self.pos) == Some(&b'}') {
                        self.pos += 1;
                        break;
                    }
                    let kstart = self.pos;
                    let key = self.string()?;
                    let kspan = self.span(kstart);
                    self.ws();
                    self.pos += 1; // ':'
                    let value = self.value()?;
                    fields.push((key, kspan, value));
                    self.ws();
                    if self.src.get(self.pos) == Some(&b',') {
                        self.pos += 1;
                    }
                }
                ExprKind::JsonObject(fields)
            }
            Some(b'[') => {
                self.pos += 1;
                let mut elems = Vec::new();
                loop {
                    self.ws();
                    if self.src.get(self.pos) == Some(&b']') {
                        self.pos += 1;
                        break;
                    }
                    elems.push(self.value()?);
                    self.ws();
                    if self.src.get(self.pos) == Some(&b',') {
                        self.pos += 1;
                    }
                }
                ExprKind::JsonArray(elems)
            }
            Some(b'"') => ExprKind::String(vec![StrPart::Text(self.string()?)]),
            Some(b't') => {
                self.pos += 4;
                ExprKind::Bool(true)
            }
            Some(b'f') => {
                self.pos += 5;
                ExprKind::Bool(false)
            }
            Some(b'n') => {
                self.pos += 4;
                ExprKind::Null
            }
            Some(_) => {
                while self.pos < self.src.len()
                    && matches!(
                        self.src[self.pos],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.pos += 1;
                }
                match self.text.get(start..self.pos) {
                    Some(t) => ExprKind::Number(t.to_string()),
                    None => return self.fail("invalid number"),
                }
            }
            None => return self.fail("unexpected end of JSON"),
        };
        Ok(Expr {
            kind,
            span: self.span(start),
        })
    }

    fn string(&mut self) -> PResult<String> {
        self.pos += 1; // opening quote
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
                Some(b'"') if out.is_empty() => {
                    self.pos += 1;
                    return Ok(text.to_string());
                }
                Some(b'"') => {
                    out.push_str(text);
                    self.pos += 1;
                    return Ok(out);
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
                        other => out.push(other as char),
                    }
                }
                _ => return self.fail("unterminated string"),
            }
        }
    }

    fn hex4(&mut self) -> PResult<u32> {
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
