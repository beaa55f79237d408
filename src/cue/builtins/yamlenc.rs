//! `yaml.Marshal`: CUE's YAML encoding rules fed through a re-implementation of the parts of
//! go-yaml v3's emitter that CUE uses (block style, indent 2, line width 80, no comments).
//!
//! Quoting, as CUE v0.14.1 does it:
//! * strings YAML 1.1 would read as booleans (`yes`, `on`, `y`, `true`, …), dates, times,
//!   base-60 numbers and `0x…` are double-quoted by CUE itself;
//! * strings that a YAML 1.2 reader would take as null, a number or a bool (`""`, `null`,
//!   `1`, `1.5`, `0o7`, `1_000`, `.inf`, `<<`) are double-quoted by go-yaml;
//! * strings that cannot be plain (leading/trailing space, `: `, ` #`, leading indicator
//!   characters like `-`, `*`, `&`, `#`) are single-quoted, or double-quoted when they hold
//!   control characters or non-BMP characters, which get escaped;
//! * multi-line strings use literal blocks (`|-`, `|`, `|+`), falling back to double
//!   quotes when a line has trailing spaces or a character needs escaping;
//! * long plain and quoted strings are folded at spaces past column 80;
//! * bytes are written as `!!binary <base64>`; empty lists and structs as `[]` and `{}`.

use super::Data;
use super::yamlquote::{
    Analysis, Scalar, Style, analyze, is_break, printable, scalar_of, string_scalar,
};

/// Encodes one document, including the final newline.
pub(super) fn encode(d: &Data) -> String {
    let mut e = Emitter::default();
    e.node(d, Ctx::default());
    e.write_indent();
    e.out
}

/// Where a node sits, as far as the emitter cares.
#[derive(Clone, Copy, Default)]
struct Ctx {
    /// The node is an item of a block sequence (affects indentation).
    seq_item: bool,
    /// The node is a mapping key written as `key:`.
    simple_key: bool,
}

const BEST_INDENT: i64 = 2;
const BEST_WIDTH: usize = 80;

struct Emitter {
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
    indent: i64,
    indents: Vec<i64>,
    flow_level: usize,
}

impl Default for Emitter {
    fn default() -> Self {
        Emitter {
            out: String::new(),
            column: 0,
            whitespace: true,
            indention: true,
            indent: -1,
            indents: Vec::new(),
            flow_level: 0,
        }
    }
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
        self.indention = true;
    }

    /// Copies a line-break character from the value.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
            self.indention = true;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in ind.chars() {
            self.put(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    fn increase_indent(&mut self, flow: bool, ctx: Ctx) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if ctx.seq_item {
            self.indent += 2;
        } else {
            self.indent = BEST_INDENT * ((self.indent + BEST_INDENT) / BEST_INDENT);
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn node(&mut self, d: &Data, ctx: Ctx) {
        match d {
            Data::List(items) if items.is_empty() || self.flow_level > 0 => {
                self.empty_flow("[", "]", ctx)
            }
            Data::Struct(f) if f.is_empty() || self.flow_level > 0 => {
                self.empty_flow("{", "}", ctx)
            }
            Data::List(items) => {
                self.increase_indent(false, ctx);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(
                        item,
                        Ctx {
                            seq_item: true,
                            simple_key: false,
                        },
                    );
                }
                self.pop_indent();
            }
            Data::Struct(fields) => {
                self.increase_indent(false, ctx);
                for (k, v) in fields {
                    self.write_indent();
                    let key = string_scalar(k);
                    let a = analyze(&key.value);
                    if !a.multiline && key.value.len() <= 128 {
                        self.scalar(
                            &key,
                            &a,
                            Ctx {
                                seq_item: false,
                                simple_key: true,
                            },
                        );
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.scalar(&key, &a, Ctx::default());
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(v, Ctx::default());
                }
                self.pop_indent();
            }
            _ => {
                if let Some(s) = scalar_of(d) {
                    let a = analyze(&s.value);
                    self.scalar(&s, &a, ctx);
                }
            }
        }
    }

    /// Only empty collections are written in flow style (`[]`, `{}`).
    fn empty_flow(&mut self, open: &str, close: &str, ctx: Ctx) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, ctx);
        self.pop_indent();
        if self.column == 0 {
            self.write_indent();
        }
        self.write_indicator(close, false, false, false);
    }

    fn scalar(&mut self, s: &Scalar, a: &Analysis, ctx: Ctx) {
        let mut style = s.style;
        if ctx.simple_key && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain {
            let allowed = if self.flow_level > 0 {
                a.flow_plain
            } else {
                a.block_plain
            };
            if !allowed || (s.value.is_empty() && (self.flow_level > 0 || ctx.simple_key)) {
                style = Style::Single;
            }
        }
        if style == Style::Single && !a.single {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block || self.flow_level > 0 || ctx.simple_key) {
            style = Style::Double;
        }
        if let Some(tag) = s.tag {
            if !self.whitespace {
                self.put(' ');
            }
            for c in tag.chars() {
                self.put(c);
            }
            self.whitespace = false;
            self.indention = false;
        }
        self.increase_indent(true, ctx);
        let allow_breaks = !ctx.simple_key;
        match style {
            Style::Plain => self.write_plain(&s.value, allow_breaks),
            Style::Single => self.write_single(&s.value, allow_breaks),
            Style::Double => self.write_double(&s.value, allow_breaks),
            Style::Literal => self.write_literal(&s.value),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, v: &str, allow_breaks: bool) {
        if !v.is_empty() && !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = v.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_space {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        if !v.is_empty() {
            self.whitespace = false;
        }
        self.indention = false;
    }

    fn write_single(&mut self, v: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = v.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let inner = i > 0 && i + 1 < chars.len() && chars[i + 1] != ' ';
                if allow_breaks && !spaces && self.column > BEST_WIDTH && inner {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, v: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        // go-yaml checks for a BOM at the *start* of the value for every character.
        let bom = v.starts_with('\u{FEFF}');
        let chars: Vec<char> = v.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !printable(c) || bom || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let esc = match c {
                    '\0' => Some('0'),
                    '\x07' => Some('a'),
                    '\x08' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\x0b' => Some('v'),
                    '\x0c' => Some('f'),
                    '\r' => Some('r'),
                    '\x1b' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                match esc {
                    Some(e) => self.put(e),
                    None => {
                        let u = c as u32;
                        let hex = if u <= 0xFF {
                            format!("x{u:02X}")
                        } else if u <= 0xFFFF {
                            format!("u{u:04X}")
                        } else {
                            format!("U{u:08X}")
                        };
                        hex.chars().for_each(|h| self.put(h));
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < chars.len()
                {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, v: &str) {
        self.write_indicator("|", true, false, false);
        let chars: Vec<char> = v.chars().collect();
        if chars.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        let chomp = match chars.as_slice() {
            [] => Some("-"),
            [.., last] if !is_break(*last) => Some("-"),
            [_] => Some("+"),
            [.., prev, _] if is_break(*prev) => Some("+"),
            _ => None,
        };
        if let Some(ch) = chomp {
            self.write_indicator(ch, false, false, false);
        }
        self.whitespace = true;
        let mut breaks = true;
        for &c in &chars {
            if is_break(c) {
                self.write_break(c);
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cue::num::Num;

    fn s(x: &str) -> Data {
        Data::Str(x.into())
    }

    fn n(x: &str) -> Data {
        Data::Num(Num::parse_literal(x).unwrap())
    }

    fn st(f: &[(&str, Data)]) -> Data {
        Data::Struct(f.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn trap_49_and_cue_encode_tests() {
        let v = st(&[("b", n("1")), ("a", Data::List(vec![n("1"), s("x")]))]);
        assert_eq!(encode(&v), "b: 1\na:\n  - 1\n  - x\n");
        let seq = Data::List(vec![
            n("1"),
            n("2"),
            n("3"),
            st(&[("a", n("1")), ("b", n("2"))]),
        ]);
        let v = st(&[
            ("seq", seq),
            ("a", st(&[("b", st(&[("c", n("3"))]))])),
            ("b", st(&[("x", n("0")), ("y", n("1")), ("z", n("2"))])),
        ]);
        assert_eq!(
            encode(&v),
            "seq:\n  - 1\n  - 2\n  - 3\n  - a: 1\n    b: 2\na:\n  b:\n    c: 3\nb:\n  x: 0\n  \"y\": 1\n  z: 2\n"
        );
        let v = st(&[
            ("str", s("str")),
            ("dec", n("0.3")),
            ("dat", Data::Bytes(vec![0x80])),
            ("nil", Data::Null),
            ("yes", Data::Bool(true)),
            ("e", Data::List(vec![])),
            ("m", st(&[])),
        ]);
        assert_eq!(
            encode(&v),
            "str: str\ndec: 0.3\ndat: !!binary gA==\nnil: null\n\"yes\": true\ne: []\nm: {}\n"
        );
        let text = "{{ range .Alerts }}{{ .Annotations.description }}\n{{ end }}";
        let v = st(&[(
            "receivers",
            Data::List(vec![st(&[
                ("name", s("pager")),
                (
                    "slack_configs",
                    Data::List(vec![st(&[
                        ("text", s(text)),
                        ("channel", s("#cloudmon")),
                        ("send_resolved", Data::Bool(true)),
                    ])]),
                ),
            ])]),
        )]);
        assert_eq!(
            encode(&v),
            "receivers:\n  - name: pager\n    slack_configs:\n      - text: |-\n          {{ range .Alerts }}{{ .Annotations.description }}\n          {{ end }}\n        channel: '#cloudmon'\n        send_resolved: true\n"
        );
    }

    #[test]
    fn quoting_rules() {
        let cases = [
            ("", "\"\""),
            ("true", "\"true\""),
            ("on", "\"on\""),
            ("1", "\"1\""),
            ("1.5", "\"1.5\""),
            ("1_000", "\"1_000\""),
            ("0o17", "\"0o17\""),
            ("0x1F", "\"0x1F\""),
            ("null", "\"null\""),
            ("~", "\"~\""),
            ("2001-12-14", "\"2001-12-14\""),
            ("12:30", "\"12:30\""),
            ("a: b", "'a: b'"),
            ("a:b", "a:b"),
            (" x", "' x'"),
            ("x ", "'x '"),
            ("- x", "'- x'"),
            ("-x", "-x"),
            ("it's", "it's"),
            ("'q'", "'''q'''"),
            ("tab\there", "\"tab\\there\""),
            ("😀", "\"\\U0001F600\""),
            ("é", "é"),
            ("a\nb", "|-\n  a\n  b"),
            ("a\nb\n", "|\n  a\n  b"),
            ("a\n\n", "|+\n  a\n"),
            (" a\nb", "|2-\n   a\n  b"),
            ("a \nb", "\"a \\nb\""),
            ("<<", "\"<<\""),
            ("null-ish", "null-ish"),
        ];
        for (input, want) in cases {
            assert_eq!(encode(&s(input)), format!("{want}\n"), "{input:?}");
        }
        assert_eq!(encode(&n("2.0")), "2.0\n");
        assert_eq!(encode(&Data::Num(Num::from_f64(2.0).unwrap())), "2.\n");
        assert_eq!(encode(&n("1e3")), "1E+3\n");
        assert_eq!(
            encode(&st(&[("a b", n("1")), ("1", n("2"))])),
            "a b: 1\n\"1\": 2\n"
        );
        let nested = Data::List(vec![
            Data::List(vec![n("1"), n("2")]),
            st(&[("k", Data::List(vec![]))]),
        ]);
        assert_eq!(encode(&nested), "- - 1\n  - 2\n- k: []\n");
        assert_eq!(encode(&st(&[("k", s("x\ny"))])), "k: |-\n  x\n  y\n");
        assert_eq!(encode(&st(&[("a\nb", n("1"))])), "? |-\n  a\n  b\n: 1\n");
    }

    #[test]
    fn long_lines_fold_at_80_columns() {
        let words = "lorem ipsum dolor sit amet ".repeat(5);
        let out = encode(&st(&[("k", s(words.trim()))]));
        assert_eq!(
            out,
            "k: lorem ipsum dolor sit amet lorem ipsum dolor sit amet lorem ipsum dolor sit amet\n  lorem ipsum dolor sit amet lorem ipsum dolor sit amet\n"
        );
    }
}
