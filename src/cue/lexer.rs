//! Pre-lexing pass: automatic comma insertion, comment capture and the
//! rewrites that keep the PEG grammar cheap.
//!
//! CUE inserts a comma after a line's last token when that token is an
//! identifier, keyword, literal, `)`, `]`, `}`, `?` or `...` (spec §Commas).
//! A PEG grammar has no token stream to look back on, so this pass scans the
//! text once, understands strings (raw `#"…"#`, multi-line, interpolations),
//! attributes and comments, and replaces each comma-inducing newline by
//! [`MARKER`]. Every rewrite swaps one byte for one byte (or a multi-byte
//! character for as many spaces), so byte offsets, and with them every span,
//! stay exact; the parser reads text from the original source. The same scan
//! records comments, which the parser attaches to fields, and then blanks them,
//! along with tabs and carriage returns, so that whitespace is only `' '` and
//! `'\n'` for the grammar. In raw strings the `#`s of delimiters and escapes, and
//! the quotes and backslashes that are plain content, become [`RAW`], so the
//! grammar delimits them without pest's stack.

/// Stands in for a newline that CUE turns into a comma.
pub const MARKER: u8 = 0x1E;
/// Replaces the `{` that opens a struct literal written in plain JSON.
pub const JSON_OPEN: u8 = 0x02;
/// Replaces the `}` that closes it.
pub const JSON_CLOSE: u8 = 0x03;
/// Replaces the `#`s and the content quotes and backslashes of a raw string.
pub const RAW: u8 = 0x05;

/// A `//` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Byte offset of `//`.
    pub start: u32,
    /// Byte offset just past the comment text.
    pub end: u32,
    /// 0-based line number.
    pub line: u32,
    /// True when nothing but whitespace precedes it on its line.
    pub own_line: bool,
}

/// The text handed to pest plus the comments found.
#[derive(Debug)]
pub struct Prepared {
    /// Source with comma newlines replaced by [`MARKER`].
    pub text: String,
    /// Every comment, in order.
    pub comments: Vec<Comment>,
    /// Offset where nesting went deeper than [`max_nesting`], if it did.
    pub too_deep: Option<usize>,
    /// Offset of the first string literal that is not closed, if any.
    pub unterminated: Option<usize>,
}

/// Deepest bracket/interpolation nesting, and longest run of operators, accepted.
/// The parser and evaluator recurse along nesting; bounding it here keeps every
/// later stage within its stack: a default thread's 2 MB, or on a thread with
/// [`crate::cue::STACK_SIZE`] (see [`crate::cue::allow_deep_nesting`]) ten
/// times fewer levels than overflow it (100,000 do). CUE has no limit.
pub fn max_nesting() -> usize {
    if crate::cue::deep_stack() {
        10_000
    } else {
        300
    }
}

struct Scanner<'a> {
    src: &'a [u8],
    out: Vec<u8>,
    pos: usize,
    line: u32,
    line_has_token: bool,
    trigger: bool,
    comments: Vec<Comment>,
    nesting: usize,
    operators: usize,
    too_deep: Option<usize>,
    unterminated: Option<usize>,
    max_nesting: usize,
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b'#' || b >= 0x80
}

/// Runs the pass. Never fails: malformed input is left for the parser to report.
pub fn prepare(src: &str) -> Prepared {
    let mut s = Scanner {
        src: src.as_bytes(),
        out: src.as_bytes().to_vec(),
        pos: 0,
        line: 0,
        line_has_token: false,
        trigger: false,
        comments: Vec::new(),
        nesting: 0,
        operators: 0,
        too_deep: None,
        unterminated: None,
        max_nesting: max_nesting(),
    };
    if src.starts_with('\u{FEFF}') {
        s.out[..3].fill(b' ');
        s.pos = 3;
    }
    s.code(false);
    // Only whole characters were replaced, each by ASCII bytes, so the text is still UTF-8.
    let text = String::from_utf8(s.out).unwrap_or_else(|_| src.to_string());
    Prepared {
        text,
        comments: s.comments,
        too_deep: s.too_deep,
        unterminated: s.unterminated,
    }
}

impl Scanner<'_> {
    fn peek(&self, off: usize) -> u8 {
        self.src.get(self.pos + off).copied().unwrap_or(0)
    }

    fn token(&mut self, trigger: bool) {
        self.trigger = trigger;
        self.line_has_token = true;
        // `trigger` tokens end an operand; runs of the others (operators) nest.
        self.operators = if trigger { 0 } else { self.operators + 1 };
        if self.operators > self.max_nesting {
            self.too_deep.get_or_insert(self.pos);
        }
    }

    fn open(&mut self) {
        self.nesting += 1;
        if self.nesting > self.max_nesting {
            self.too_deep.get_or_insert(self.pos);
        }
    }

    /// Scans code until the end, or (inside an interpolation) the closing `)`.
    fn code(&mut self, interp: bool) {
        let mut depth = 0usize;
        while self.pos < self.src.len() {
            let b = self.src[self.pos];
            match b {
                b'\n' => {
                    if self.trigger && !interp {
                        self.out[self.pos] = MARKER;
                    }
                    self.trigger = false;
                    self.line += 1;
                    self.line_has_token = false;
                    self.pos += 1;
                }
                b' ' => self.pos += 1,
                b'\t' | b'\r' | 0x0C => {
                    self.out[self.pos] = b' ';
                    self.pos += 1;
                }
                // A struct literal in plain JSON (as KubeVela injects parameters and
                // context) is handed to the parser as one token and decoded by a
                // dedicated JSON reader: JSON is a subset of CUE with the same meaning.
                b'{' if !interp => match json_object_len(&self.src[self.pos..]) {
                    Some(n) => {
                        self.out[self.pos] = JSON_OPEN;
                        self.out[self.pos + n - 1] = JSON_CLOSE;
                        self.line += self.src[self.pos..self.pos + n]
                            .iter()
                            .filter(|&&b| b == b'\n')
                            .count() as u32;
                        self.pos += n;
                        self.token(true);
                    }
                    None => {
                        self.pos += 1;
                        self.open();
                        self.token(false);
                    }
                },
                b'/' if self.peek(1) == b'/' => {
                    let start = self.pos;
                    while self.pos < self.src.len() && self.src[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                    self.comments.push(Comment {
                        start: start as u32,
                        end: self.pos as u32,
                        line: self.line,
                        own_line: !self.line_has_token,
                    });
                    self.out[start..self.pos].fill(b' ');
                }
                b'"' | b'\'' => {
                    let closed = self.string(0);
                    self.token(closed);
                }
                b'@' => {
                    self.attribute();
                    self.token(true);
                }
                b'#' => {
                    let mut n = 0;
                    while self.peek(n) == b'#' {
                        n += 1;
                    }
                    if matches!(self.peek(n), b'"' | b'\'') {
                        self.out[self.pos..self.pos + n].fill(RAW);
                        self.pos += n;
                        let closed = self.string(n);
                        self.token(closed);
                    } else {
                        while self.pos < self.src.len() && is_ident_byte(self.src[self.pos]) {
                            self.pos += 1;
                        }
                        self.token(true);
                    }
                }
                b'0'..=b'9' => {
                    self.number();
                    self.token(true);
                }
                b'.' if self.peek(1).is_ascii_digit() => {
                    self.number();
                    self.token(true);
                }
                b'.' if self.peek(1) == b'.' && self.peek(2) == b'.' => {
                    self.pos += 3;
                    self.token(true);
                }
                _ if is_ident_byte(b) => {
                    while self.pos < self.src.len() && is_ident_byte(self.src[self.pos]) {
                        self.pos += 1;
                    }
                    self.token(true);
                }
                b'(' => {
                    depth += 1;
                    self.pos += 1;
                    self.open();
                    self.token(false);
                }
                b')' => {
                    self.pos += 1;
                    if interp && depth == 0 {
                        return;
                    }
                    depth = depth.saturating_sub(1);
                    self.nesting = self.nesting.saturating_sub(1);
                    self.token(true);
                }
                b'[' => {
                    self.pos += 1;
                    self.open();
                    self.token(false);
                }
                b']' | b'}' => {
                    self.pos += 1;
                    self.nesting = self.nesting.saturating_sub(1);
                    self.token(true);
                }
                b'?' => {
                    self.pos += 1;
                    self.token(true);
                }
                _ => {
                    self.pos += 1;
                    self.token(false);
                }
            }
        }
    }

    fn number(&mut self) {
        let hex = self.peek(0) == b'0' && matches!(self.peek(1), b'x' | b'X');
        while self.pos < self.src.len() {
            let b = self.src[self.pos];
            if b.is_ascii_alphanumeric() || b == b'_' {
                self.pos += 1;
                if !hex && matches!(b, b'e' | b'E') && matches!(self.peek(0), b'+' | b'-') {
                    self.pos += 1;
                }
            } else if b == b'.' && self.peek(1) != b'.' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// Skips an attribute `@name(…)` whole: its body is free text, where `//`
    /// does not start a comment. Parentheses nest, as the grammar has them.
    fn attribute(&mut self) {
        self.pos += 1;
        while self.pos < self.src.len() && is_ident_byte(self.src[self.pos]) {
            self.pos += 1;
        }
        if self.peek(0) != b'(' {
            return;
        }
        let mut depth = 0usize;
        while self.pos < self.src.len() {
            match self.src[self.pos] {
                b'(' => depth += 1,
                b')' => depth -= 1,
                b'\n' => self.line += 1,
                _ => {}
            }
            self.pos += 1;
            if depth == 0 {
                return;
            }
        }
    }

    /// Scans a string whose opening quote is at `pos`, preceded by `hashes` `#`s.
    /// Returns false when the string is not closed (the parser reports it).
    fn string(&mut self, hashes: usize) -> bool {
        let start = self.pos - hashes;
        let q = self.src[self.pos];
        let multi = self.peek(1) == q && self.peek(2) == q;
        self.pos += if multi { 3 } else { 1 };
        while self.pos < self.src.len() {
            let b = self.src[self.pos];
            if b == b'\\' && (0..hashes).all(|i| self.peek(1 + i) == b'#') {
                self.out[self.pos + 1..self.pos + 1 + hashes].fill(RAW);
                self.pos += 1 + hashes;
                if self.peek(0) == b'(' {
                    self.pos += 1;
                    let trigger = self.trigger;
                    self.open();
                    self.code(true);
                    self.nesting = self.nesting.saturating_sub(1);
                    self.trigger = trigger;
                } else if self.pos < self.src.len() {
                    self.pos += 1;
                }
                continue;
            }
            let closes = if multi {
                b == q && self.peek(1) == q && self.peek(2) == q
            } else {
                b == q
            };
            let quote_len = if multi { 3 } else { 1 };
            if closes && (0..hashes).all(|i| self.peek(quote_len + i) == b'#') {
                self.pos += quote_len;
                self.out[self.pos..self.pos + hashes].fill(RAW);
                self.pos += hashes;
                return true;
            }
            if b == b'\n' {
                if !multi {
                    break;
                }
                self.line += 1;
            }
            if hashes > 0 && (b == q || b == b'\\') {
                self.out[self.pos] = RAW;
            }
            self.pos += 1;
        }
        self.unterminated.get_or_insert(start);
        false
    }
}

/// Length of the JSON object starting at `s[0] == b'{'`, if the whole object is
/// strict JSON (no comments, no trailing commas, no interpolation, no CUE-only syntax).
pub fn json_object_len(s: &[u8]) -> Option<usize> {
    let mut p = 0;
    json_value(s, &mut p, 0)?;
    Some(p)
}

fn json_ws(s: &[u8], p: &mut usize) {
    while *p < s.len() && matches!(s[*p], b' ' | b'\t' | b'\n' | b'\r') {
        *p += 1;
    }
}

fn json_value(s: &[u8], p: &mut usize, depth: u32) -> Option<()> {
    if depth > 200 {
        return None;
    }
    json_ws(s, p);
    match *s.get(*p)? {
        b'{' => {
            *p += 1;
            json_ws(s, p);
            if s.get(*p) == Some(&b'}') {
                *p += 1;
                return Some(());
            }
            loop {
                json_ws(s, p);
                json_string(s, p)?;
                json_ws(s, p);
                (s.get(*p) == Some(&b':')).then_some(())?;
                *p += 1;
                json_value(s, p, depth + 1)?;
                json_ws(s, p);
                match s.get(*p)? {
                    b',' => *p += 1,
                    b'}' => {
                        *p += 1;
                        return Some(());
                    }
                    _ => return None,
                }
            }
        }
        b'[' => {
            *p += 1;
            json_ws(s, p);
            if s.get(*p) == Some(&b']') {
                *p += 1;
                return Some(());
            }
            loop {
                json_value(s, p, depth + 1)?;
                json_ws(s, p);
                match s.get(*p)? {
                    b',' => *p += 1,
                    b']' => {
                        *p += 1;
                        return Some(());
                    }
                    _ => return None,
                }
            }
        }
        b'"' => json_string(s, p),
        b't' => json_word(s, p, b"true"),
        b'f' => json_word(s, p, b"false"),
        b'n' => json_word(s, p, b"null"),
        b'-' | b'0'..=b'9' => json_number(s, p),
        _ => None,
    }
}

fn json_word(s: &[u8], p: &mut usize, w: &[u8]) -> Option<()> {
    s.get(*p..*p + w.len()).filter(|x| *x == w)?;
    *p += w.len();
    let next = s.get(*p).copied().unwrap_or(b' ');
    (!(next.is_ascii_alphanumeric() || next == b'_')).then_some(())
}

fn json_string(s: &[u8], p: &mut usize) -> Option<()> {
    (s.get(*p) == Some(&b'"')).then_some(())?;
    *p += 1;
    loop {
        match *s.get(*p)? {
            b'"' => {
                *p += 1;
                return Some(());
            }
            b'\\' => match *s.get(*p + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => *p += 2,
                b'u' => {
                    let hex = s.get(*p + 2..*p + 6)?;
                    hex.iter().all(u8::is_ascii_hexdigit).then_some(())?;
                    *p += 6;
                }
                _ => return None,
            },
            c if c < 0x20 => return None,
            _ => *p += 1,
        }
    }
}

fn json_number(s: &[u8], p: &mut usize) -> Option<()> {
    let start = *p;
    if s.get(*p) == Some(&b'-') {
        *p += 1;
    }
    let digits = |p: &mut usize| {
        let b = *p;
        while *p < s.len() && s[*p].is_ascii_digit() {
            *p += 1;
        }
        *p > b
    };
    if s.get(*p) == Some(&b'0') {
        *p += 1;
    } else if !digits(p) {
        return None;
    }
    if s.get(*p) == Some(&b'.') {
        *p += 1;
        digits(p).then_some(())?;
    }
    if matches!(s.get(*p), Some(b'e' | b'E')) {
        *p += 1;
        if matches!(s.get(*p), Some(b'+' | b'-')) {
            *p += 1;
        }
        digits(p).then_some(())?;
    }
    let next = s.get(*p).copied().unwrap_or(b' ');
    (*p > start && !(next.is_ascii_alphanumeric() || next == b'_' || next == b'.')).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(src: &str) -> String {
        prepare(src)
            .text
            .replace(MARKER as char, ";")
            .replace(RAW as char, "%")
    }

    #[test]
    fn inserts_after_trigger_tokens_only() {
        assert_eq!(marks("a: 1\nb: x +\n  2\n"), "a: 1;b: x +\n  2;");
        assert_eq!(marks("a: {\n\tb: 1\n}\n"), "a: {\n b: 1;};");
        assert_eq!(marks("a: {\n}\n"), "a: \u{2}\n\u{3};");
        assert_eq!(marks("a: [...]\nb: c?\n"), "a: [...];b: c?;");
        assert_eq!(marks("x: _|_\n"), "x: _|_;");
    }

    #[test]
    fn comments_keep_their_newline_marked() {
        let p = prepare("// doc\na: 1 // tail\nb: 2");
        assert_eq!(
            p.text.replace(MARKER as char, ";"),
            "      \na: 1        ;b: 2"
        );
        assert_eq!(p.comments.len(), 2);
        assert!(p.comments[0].own_line);
        assert!(!p.comments[1].own_line);
        assert_eq!(p.comments[1].line, 1);
    }

    #[test]
    fn json_objects_are_recognised() {
        assert_eq!(
            json_object_len(br#"{"a": [1, -2.5e3, true, null, {"b": "x\n"}]} tail"#),
            Some(44)
        );
        for bad in [
            &b"{a: 1}"[..],
            b"{\"a\": 1,}",
            b"{\"a\": \"\\(x)\"}",
            b"{\"a\": 01}",
            b"{\"a\": 1 // c\n}",
        ] {
            assert_eq!(
                json_object_len(bad),
                None,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn strings_are_opaque() {
        assert_eq!(marks("a: \"x // y\"\n"), "a: \"x // y\";");
        assert_eq!(marks("a: #\"x\"y\"#\n"), "a: %\"x%y\"%;");
        assert_eq!(
            marks("a: ##\"\\#(x)\\##(y)\\\"#\"##\n"),
            "a: %%\"%#(x)\\%%(y)%%#\"%%;"
        );
        assert_eq!(marks("a: \"open\nb: 1\n"), "a: \"open\nb: 1;");
        assert!(prepare("a: \"open\n").unterminated.is_some());
        assert!(prepare("a: #\"x\"\n").unterminated.is_some());
        assert_eq!(
            marks("a: \"\"\"\n  x\n  \"\"\"\n"),
            "a: \"\"\"\n  x\n  \"\"\";"
        );
        assert_eq!(marks("a: \"\\(b + \"c\")\"\n"), "a: \"\\(b + \"c\")\";");
        assert_eq!(marks("a: 1e+3\n"), "a: 1e+3;");
    }

    #[test]
    fn attribute_bodies_are_not_comments() {
        let p = prepare("a: 1 @go(http://x, (y))\nb: 2 // c\n");
        assert_eq!(
            p.text.replace(MARKER as char, ";"),
            "a: 1 @go(http://x, (y));b: 2     ;"
        );
        assert_eq!(p.comments.len(), 1);
    }
}
