//! CUE's YAML quoting decisions and go-yaml v3's analysis of scalars (which styles a string
//! may be written in). See `yamlenc` for the rules in prose.

use super::Data;
use crate::cue::num::Num;

/// A scalar ready for the emitter.
pub(super) struct Scalar {
    pub value: String,
    /// `Some("!!binary")` for bytes; strings, numbers, bools and null carry no tag.
    pub tag: Option<&'static str>,
    pub style: Style,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// Strings CUE always quotes because YAML 1.1 gives them another meaning.
pub(super) fn legacy(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "t"
            | "T"
            | "f"
            | "F"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
            | ".Nan"
    )
}

/// CUE's regexp for dates, times and base-60 numbers, plus `0x…`:
/// `^[-+0-9:. \t]+([-:]|[tT])[-+0-9:. \t]+[zZ]?$|^0x[a-fA-F0-9]+$`.
pub(super) fn date_like(s: &str) -> bool {
    if let Some(h) = s.strip_prefix("0x") {
        return !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit());
    }
    let body = s.strip_suffix(['z', 'Z']).unwrap_or(s);
    let class = |c: u8| matches!(c, b'-' | b'+' | b'0'..=b'9' | b':' | b'.' | b' ' | b'\t');
    let b = body.as_bytes();
    // Some separator ([-:] or t/T) with at least one class byte on each side; t/T are not in
    // the class, so only one of them may appear, as the separator.
    (1..b.len().saturating_sub(1)).any(|i| {
        matches!(b[i], b'-' | b':' | b't' | b'T')
            && b[..i].iter().all(|&c| class(c))
            && b[i + 1..].iter().all(|&c| class(c))
    })
}

/// The quoting decision CUE makes before go-yaml sees the string.
pub(super) fn string_scalar(s: &str) -> Scalar {
    let style = if s.contains('\n') {
        Style::Literal
    } else if legacy(s) || date_like(s) {
        Style::Double
    } else if super::yaml::resolve(s) != "!!str" {
        // go-yaml: a plain string that would read back as something else is forced into
        // double quotes.
        Style::Double
    } else {
        Style::Plain
    };
    Scalar {
        value: s.to_string(),
        tag: None,
        style,
    }
}

pub(super) fn scalar_of(d: &Data) -> Option<Scalar> {
    let plain = |v: String| {
        Some(Scalar {
            value: v,
            tag: None,
            style: Style::Plain,
        })
    };
    match d {
        Data::Null => plain("null".into()),
        Data::Bool(b) => plain(b.to_string()),
        Data::Num(Num::Int(i)) => plain(i.to_string()),
        // CUE exports floats with apd's spelling, adding a `.` when nothing marks a float.
        Data::Num(Num::Float(f)) => {
            let mut s = super::dec::apd_string(f);
            if !s.contains(['.', 'e', 'E']) {
                s.push('.');
            }
            plain(s)
        }
        Data::Str(s) => Some(string_scalar(s)),
        Data::Bytes(b) => {
            use base64::Engine;
            let v = base64::engine::general_purpose::STANDARD.encode(b);
            Some(Scalar {
                value: v,
                tag: Some("!!binary"),
                style: Style::Plain,
            })
        }
        Data::List(_) | Data::Struct(_) => None,
    }
}

/// What go-yaml's analysis of a scalar allows.
pub(super) struct Analysis {
    pub multiline: bool,
    pub flow_plain: bool,
    pub block_plain: bool,
    pub single: bool,
    pub block: bool,
}

/// Go-yaml's notion of printable characters (no C1 controls, surrogates, BOM or non-BMP).
pub(super) fn printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

pub(super) fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

pub(super) fn analyze(v: &str) -> Analysis {
    if v.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain: false,
            block_plain: true,
            single: true,
            block: false,
        };
    }
    let (mut flow_ind, mut block_ind) = (false, false);
    if v.starts_with("---") || v.starts_with("...") {
        flow_ind = true;
        block_ind = true;
    }
    let (mut breaks, mut special, mut tabs) = (false, false, false);
    let (mut lead_space, mut lead_break, mut trail_space, mut trail_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut prev_space, mut prev_break) = (false, false);
    let mut preceded_ws = true;
    let chars: Vec<char> = v.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let followed_ws = chars.get(i + 1).is_none_or(|&n| n == ' ' || n == '\t');
        let last = i + 1 == chars.len();
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => {
                    flow_ind = true;
                    block_ind = true;
                }
                '?' | ':' => {
                    flow_ind = true;
                    block_ind |= followed_ws;
                }
                '-' if followed_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        } else {
            match c {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_ind = true,
                ':' => {
                    flow_ind = true;
                    block_ind |= followed_ws;
                }
                '#' if preceded_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        }
        if c == '\t' {
            tabs = true;
        } else if !printable(c) {
            special = true;
        }
        if c == ' ' {
            lead_space |= i == 0;
            trail_space |= last;
            break_space |= prev_break;
            (prev_space, prev_break) = (true, false);
        } else if is_break(c) {
            breaks = true;
            lead_break |= i == 0;
            trail_break |= last;
            space_break |= prev_space;
            (prev_space, prev_break) = (false, true);
        } else {
            (prev_space, prev_break) = (false, false);
        }
        preceded_ws = matches!(c, ' ' | '\t' | '\0') || is_break(c);
    }
    let mut a = Analysis {
        multiline: breaks,
        flow_plain: true,
        block_plain: true,
        single: true,
        block: true,
    };
    if lead_space || lead_break || trail_space || trail_break {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if trail_space {
        a.block = false;
    }
    if break_space {
        a.flow_plain = false;
        a.block_plain = false;
        a.single = false;
    }
    if space_break || tabs || special {
        a.flow_plain = false;
        a.block_plain = false;
        a.single = false;
    }
    if space_break || special {
        a.block = false;
    }
    if breaks {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if flow_ind {
        a.flow_plain = false;
    }
    if block_ind {
        a.block_plain = false;
    }
    a
}
