//! Unquoting CUE string literals (`"…"`, `'…'`, `#"…"#`, `"""` multi-line), as used by
//! `strconv.Unquote` and for JSON strings (CUE parses JSON as CUE).

const SYNTAX: &str = "invalid syntax";
const BAD_WS: &str = "invalid string: invalid whitespace";
const NO_NEWLINE: &str =
    "invalid string: opening quote of multiline string must be followed by newline";
const UNMATCHED: &str = "invalid string: unmatched quote";
const SURROGATE: &str = "unmatched surrogate pair";
const ESCAPED_LAST: &str = "last newline of multiline string cannot be escaped";

struct Quote<'a> {
    /// `"` or `'`.
    ch: u8,
    /// 1, or 3 for multi-line strings.
    num_ch: usize,
    hashes: usize,
    multiline: bool,
    /// Indentation removed from every line of a multi-line string.
    ws: &'a str,
}

/// The decoded string of a complete CUE string literal.
pub(super) fn unquote_cue(s: &str) -> Result<String, &'static str> {
    let hashes = s.bytes().take_while(|&b| b == b'#').count();
    let body = &s[hashes..];
    let ch = match body.as_bytes().first() {
        Some(&c @ (b'"' | b'\'')) => c,
        _ => return Err(SYNTAX),
    };
    let b = body.as_bytes();
    let (num_ch, mut start) = if b.len() > 3 && b[1] == ch && b[2] == ch {
        match b[3] {
            b'\n' => (3, hashes + 4),
            b'\r' if b.get(4) == Some(&b'\n') => (3, hashes + 5),
            _ => return Err(NO_NEWLINE),
        }
    } else {
        (1, hashes + 1)
    };
    // The literal must end with the mirrored opening delimiter.
    let open = &s.as_bytes()[..num_ch + hashes];
    let sb = s.as_bytes();
    if sb.len() < open.len()
        || open
            .iter()
            .enumerate()
            .any(|(i, &c)| sb[sb.len() - 1 - i] != c)
    {
        return Err(UNMATCHED);
    }
    let multiline = num_ch == 3;
    let mut ws = "";
    if multiline {
        let end = s.len() - open.len();
        let head = &s[..end];
        let trimmed = head.trim_end_matches(|c: char| c != '\n' && c.is_whitespace());
        ws = &s[trimmed.len()..end];
        if start > s.len() || start > end + 1 {
            return Err(UNMATCHED);
        }
        if s.as_bytes().get(start) != Some(&b'\n') {
            if !s[start..].starts_with(ws) {
                return Err(BAD_WS);
            }
            start += ws.len();
        }
    }
    let q = Quote {
        ch,
        num_ch,
        hashes,
        multiline,
        ws,
    };
    let bytes = unquote_body(&s[start.min(s.len())..], &q)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

enum Piece {
    Char(u32, bool),
    EndQuote,
    EndExpr,
    EscapedNewline,
}

fn unquote_body(mut s: &str, q: &Quote) -> Result<Vec<u8>, &'static str> {
    if !q.multiline && s.contains(['\n', '\r']) {
        return Err(SYNTAX);
    }
    let mut buf = Vec::with_capacity(s.len());
    let mut strip_nl = false;
    let mut escaped_nl = false;
    while let Some(&c) = s.as_bytes().first() {
        if c == b'\r' {
            s = &s[1..];
            escaped_nl = false;
            continue;
        }
        if c == b'\n' {
            s = skip_ws(&s[1..], q)?;
            strip_nl = true;
            escaped_nl = false;
            buf.push(b'\n');
            continue;
        }
        let (mut piece, mut rest) = next_piece(s, q)?;
        if let Piece::Char(v, _) = piece
            && (0xD800..0xE000).contains(&v)
        {
            if v >= 0xDC00 {
                return Err(SURROGATE);
            }
            let (low, r2) = next_piece(rest, q)?;
            match low {
                Piece::Char(l, _) if (0xDC00..0xE000).contains(&l) => {
                    piece = Piece::Char(0x10000 + (v - 0xD800) * 0x400 + (l - 0xDC00), true);
                    rest = r2;
                }
                _ => return Err(SURROGATE),
            }
        }
        s = rest;
        match piece {
            Piece::EscapedNewline => {
                s = skip_ws(s, q)?;
                escaped_nl = true;
            }
            Piece::EndQuote => {
                if escaped_nl {
                    return Err(ESCAPED_LAST);
                }
                if strip_nl {
                    buf.pop();
                }
                return Ok(buf);
            }
            Piece::EndExpr => return Ok(buf),
            Piece::Char(v, multibyte) => {
                strip_nl = false;
                escaped_nl = false;
                if multibyte {
                    let c = char::from_u32(v).unwrap_or('\u{FFFD}');
                    buf.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                } else {
                    buf.push(v as u8);
                }
            }
        }
    }
    Err(UNMATCHED)
}

fn skip_ws<'a>(s: &'a str, q: &Quote) -> Result<&'a str, &'static str> {
    if !q.multiline {
        return Err(BAD_WS);
    }
    if let Some(r) = s.strip_prefix(q.ws) {
        return Ok(r);
    }
    if s.starts_with('\n') || s.starts_with("\r\n") {
        return Ok(s);
    }
    Err(BAD_WS)
}

/// Decodes one character, escape or terminator at the start of `s`.
fn next_piece<'a>(s: &'a str, q: &Quote) -> Result<(Piece, &'a str), &'static str> {
    let b = s.as_bytes();
    let c = b[0];
    if c == q.ch {
        let closes = (1..q.num_ch).all(|i| b.get(i) == Some(&q.ch))
            && (0..q.hashes).all(|i| b.get(q.num_ch + i) == Some(&b'#'));
        if !closes {
            return Ok((Piece::Char(c as u32, false), &s[1..]));
        }
        if b.len() != q.num_ch + q.hashes {
            return Err(SYNTAX);
        }
        return Ok((Piece::EndQuote, ""));
    }
    if c >= 0x80 {
        let ch = s.chars().next().unwrap_or('\u{FFFD}');
        return Ok((Piece::Char(ch as u32, true), &s[ch.len_utf8()..]));
    }
    if c != b'\\' {
        return Ok((Piece::Char(c as u32, false), &s[1..]));
    }
    if b.len() <= 1 + q.hashes || !(1..=q.hashes).all(|i| b[i] == b'#') {
        return Ok((Piece::Char(b'\\' as u32, false), &s[1..]));
    }
    let e = b[1 + q.hashes];
    let rest = &s[2 + q.hashes..];
    let simple = |v: u8| Ok((Piece::Char(v as u32, false), rest));
    match e {
        b'a' => simple(7),
        b'b' => simple(8),
        b'f' => simple(12),
        b'n' => simple(b'\n'),
        b'r' => simple(b'\r'),
        b't' => simple(b'\t'),
        b'v' => simple(11),
        b'/' => simple(b'/'),
        b'\\' => simple(b'\\'),
        b'\'' | b'"' if e == q.ch => simple(e),
        b'x' | b'u' | b'U' => {
            let n = match e {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let hex = rest.get(..n).ok_or(SYNTAX)?;
            if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                return Err(SYNTAX);
            }
            let v = u32::from_str_radix(hex, 16).map_err(|_| SYNTAX)?;
            if e == b'x' {
                if q.ch == b'"' {
                    return Err(SYNTAX);
                }
                return Ok((Piece::Char(v, false), &rest[n..]));
            }
            if v > 0x10FFFF {
                return Err(SYNTAX);
            }
            Ok((Piece::Char(v, true), &rest[n..]))
        }
        b'0'..=b'7' => {
            let oct = rest.get(..2).ok_or(SYNTAX)?;
            if q.ch == b'"' || !oct.bytes().all(|d| (b'0'..=b'7').contains(&d)) {
                return Err(SYNTAX);
            }
            let v = u32::from_str_radix(&format!("{}{oct}", e as char), 8).map_err(|_| SYNTAX)?;
            if v > 255 {
                return Err(SYNTAX);
            }
            Ok((Piece::Char(v, false), &rest[2..]))
        }
        b'(' if rest.is_empty() => Ok((Piece::EndExpr, rest)),
        b'\r' if rest.starts_with('\n') => Ok((Piece::EscapedNewline, &rest[1..])),
        b'\n' => Ok((Piece::EscapedNewline, rest)),
        _ => Err(SYNTAX),
    }
}

#[cfg(test)]
mod tests {
    use super::unquote_cue as u;

    #[test]
    fn cue_string_literals() {
        assert_eq!(u(r#""a\"b""#), Ok("a\"b".into()));
        assert_eq!(u(r#"'a\x41\101'"#), Ok("aAA".into()));
        assert_eq!(u(r#""\x41""#), Err("invalid syntax"));
        assert_eq!(u("\"\"\"\n\ta\n\t  b\n\t\"\"\""), Ok("a\n  b".into()));
        assert_eq!(u("\"\"\"\n  a\\\n  b\n  \"\"\""), Ok("ab".into()));
        assert_eq!(u("\"\"\"a\"\"\""), Err(super::NO_NEWLINE));
        assert_eq!(u(r##"#"a"b"#"##), Ok("a\"b".into()));
        assert_eq!(u(r##"#"a\#nb"#"##), Ok("a\nb".into()));
        assert_eq!(u(r#""\ud800""#), Err(super::SURROGATE));
        assert_eq!(u(r#""a"b""#), Err("invalid syntax"));
        assert_eq!(u(""), Err("invalid syntax"));
        assert_eq!(u("\""), Err(super::UNMATCHED));
    }
}
