//! String literals: escapes, multi-line indentation, plain text of a literal.

use crate::cue::ast::StrPart;

pub(super) fn single_text(parts: &[StrPart]) -> Option<String> {
    let mut s = String::new();
    for p in parts {
        match p {
            StrPart::Text(t) => s.push_str(t),
            StrPart::Interp(_) => return None,
        }
    }
    Some(s)
}

/// Removes the newline after the opening quotes, the closing line, and the
/// closing line's indentation from every line (spec §String literals).
pub(super) fn strip_multiline(texts: &mut [Option<String>]) -> Result<(), String> {
    let first = texts.iter_mut().flatten().next();
    if let Some(t) = first {
        if let Some(r) = t.strip_prefix("\r\n").or_else(|| t.strip_prefix('\n')) {
            *t = r.to_string();
        } else {
            return Err("multi-line string must start with a newline".into());
        }
    }
    let indent = match texts.last_mut() {
        Some(Some(t)) => {
            let nl = t
                .rfind('\n')
                .ok_or("closing quotes of a multi-line string must be on their own line")?;
            let ind = t[nl + 1..].to_string();
            if !ind.chars().all(|c| c == ' ' || c == '\t') {
                return Err(
                    "closing quotes of a multi-line string must be on their own line".into(),
                );
            }
            let cut = if nl > 0 && t.as_bytes()[nl - 1] == b'\r' {
                nl - 1
            } else {
                nl
            };
            t.truncate(cut);
            ind
        }
        _ => return Err("closing quotes of a multi-line string must be on their own line".into()),
    };
    if indent.is_empty() {
        return Ok(());
    }
    let mut at_line_start = true;
    for t in texts.iter_mut() {
        let Some(t) = t else {
            at_line_start = false;
            continue;
        };
        let mut out = String::with_capacity(t.len());
        let mut rest = t.as_str();
        loop {
            if at_line_start {
                if let Some(r) = rest.strip_prefix(indent.as_str()) {
                    rest = r;
                } else if !(rest.starts_with('\n') || rest.starts_with("\r\n") || rest.is_empty()) {
                    return Err("invalid whitespace in multi-line string: lines must start with the closing line's indentation".into());
                }
            }
            match rest.find('\n') {
                Some(i) => {
                    out.push_str(&rest[..=i]);
                    rest = &rest[i + 1..];
                    at_line_start = true;
                }
                None => {
                    out.push_str(rest);
                    at_line_start = rest.is_empty() && at_line_start;
                    break;
                }
            }
        }
        *t = out;
    }
    Ok(())
}

/// Decodes escapes of a string written with `hashes` leading `#`.
pub(super) fn unescape(s: &str, hashes: usize) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.char_indices().peekable();
    let marker: String = "#".repeat(hashes);
    while let Some((i, c)) = chars.next() {
        if c != '\\' || !s[i + 1..].starts_with(&marker) {
            out.push(c);
            continue;
        }
        for _ in 0..hashes {
            chars.next();
        }
        let Some((_, e)) = chars.next() else {
            return Err("unterminated escape sequence".into());
        };
        let mut hex = |n: usize| -> Result<u32, String> {
            let mut v = 0u32;
            for _ in 0..n {
                let (_, d) = chars.next().ok_or("short escape sequence")?;
                v = v * 16 + d.to_digit(16).ok_or("invalid hex digit in escape")?;
            }
            Ok(v)
        };
        match e {
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\u{b}'),
            '\\' => out.push('\\'),
            '/' => out.push('/'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            '\n' => {}
            'u' => out.push(char::from_u32(hex(4)?).ok_or("invalid unicode escape")?),
            'U' => out.push(char::from_u32(hex(8)?).ok_or("invalid unicode escape")?),
            'x' => out.push(char::from_u32(hex(2)?).ok_or("invalid byte escape")?),
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    let (_, d) = chars.next().ok_or("short octal escape")?;
                    v = v * 8 + d.to_digit(8).ok_or("invalid octal escape")?;
                }
                out.push(char::from_u32(v).ok_or("invalid octal escape")?);
            }
            other => return Err(format!("unknown escape sequence \\{other}")),
        }
    }
    Ok(out)
}
