//! Finishing values: export to JSON, error collection, field order.

use super::expr::default_of;
use super::{ArcType, Engine};
use crate::cue::label::Label;
use crate::cue::value::{Bottom, VId, Value, check_validator};
use crate::source::Span;
use std::rc::Rc;

/// One export failure: where, what, and the positions involved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportError {
    /// Field path (`a.b.0.c`), empty for the root.
    pub path: String,
    /// CUE-style message.
    pub msg: String,
    /// Positions involved.
    pub spans: Vec<Span>,
    /// True when the value is only incomplete (not concrete yet), not wrong.
    pub incomplete: bool,
}

/// All errors of one export.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} export error(s)", .0.len())]
pub struct ExportErrors(pub Vec<ExportError>);

impl ExportErrors {
    /// True when every error is an incomplete value.
    pub fn all_incomplete(&self) -> bool {
        self.0.iter().all(|e| e.incomplete)
    }
}

impl Engine {
    /// Arcs in export order.
    pub(crate) fn ordered_arcs(&mut self, v: VId) -> Vec<VId> {
        self.field_order(v)
    }

    fn push_err(&self, v: VId, b: &Rc<Bottom>, errs: &mut Vec<ExportError>) {
        let path = b.path.clone().unwrap_or_else(|| self.route_path(v));
        errs.push(ExportError {
            path,
            msg: b.msg.clone(),
            spans: b.spans.clone(),
            incomplete: b.is_incomplete(),
        });
    }

    /// Exports a vertex to JSON, collecting every error below it.
    pub fn export(&mut self, v: VId) -> Result<serde_json::Value, ExportErrors> {
        let mut sink = ValueSink::default();
        let mut errs = Vec::new();
        let ok = self.walk(|e| {
            e.route.0 = Some(v);
            e.export_into(v, &mut sink, &mut errs)
        });
        self.outcome(ok, errs)?;
        sink.finish().ok_or_else(|| ExportErrors(Vec::new()))
    }

    /// Every error below a vertex, found as [`Engine::export`] finds them but
    /// without building the value (a template's validation needs only these).
    pub fn check(&mut self, v: VId) -> Result<(), ExportErrors> {
        let mut errs = Vec::new();
        let ok = self.walk(|e| {
            e.route.0 = Some(v);
            e.export_into(v, &mut NullSink, &mut errs)
        });
        self.outcome(ok, errs)
    }

    /// The result of a walk: its errors, or only the budget's when the budget
    /// ran out (the others are its echoes: values cut short).
    fn outcome(&self, ok: bool, errs: Vec<ExportError>) -> Result<(), ExportErrors> {
        if let Some(b) = self.budget_error() {
            return Err(ExportErrors(vec![ExportError {
                path: b.path.clone().unwrap_or_default(),
                msg: b.msg.clone(),
                spans: b.spans.clone(),
                incomplete: false,
            }]));
        }
        if ok && errs.is_empty() {
            Ok(())
        } else {
            Err(ExportErrors(errs))
        }
    }

    /// Exports a vertex as JSON text the way `cue export` prints it (4-space
    /// indentation, CUE's field order and number spellings), without building
    /// an intermediate value.
    ///
    /// Indented text grows with the square of the nesting depth: a value
    /// 10,000 levels deep with an error at the bottom would build 200 MB of
    /// text only to report the error. Past [`DEEP`] levels the text is given
    /// up and made again once the walk has found no error.
    pub fn export_json_text(&mut self, v: VId) -> Result<String, ExportErrors> {
        let mut sink = TextSink {
            give_up: Some(DEEP),
            ..TextSink::default()
        };
        self.text_into(v, &mut sink)?;
        if !sink.gave_up {
            return Ok(sink.out);
        }
        let mut sink = TextSink::default();
        self.text_into(v, &mut sink)?;
        Ok(sink.out)
    }

    /// [`Engine::export_json_text`] written to `to`; nothing is written when
    /// the value has an error. A deep value's text (far larger than the
    /// value) goes out as it is made, once a first walk found no error.
    /// The outer error is the value's, the inner one the writer's.
    pub fn export_json_to(
        &mut self,
        v: VId,
        to: &mut dyn std::io::Write,
    ) -> Result<std::io::Result<()>, ExportErrors> {
        let mut sink = TextSink {
            give_up: Some(DEEP),
            ..TextSink::default()
        };
        self.text_into(v, &mut sink)?;
        if !sink.gave_up {
            return Ok(to.write_all(sink.out.as_bytes()));
        }
        let mut sink = TextSink {
            to: Some(to),
            ..TextSink::default()
        };
        self.text_into(v, &mut sink)?;
        sink.spill(0);
        Ok(sink.failed.map_or(Ok(()), Err))
    }

    fn text_into(&mut self, v: VId, sink: &mut TextSink) -> Result<(), ExportErrors> {
        let mut errs = Vec::new();
        let ok = self.walk(|e| {
            e.route.0 = Some(v);
            e.export_into(v, sink, &mut errs)
        });
        self.outcome(ok, errs)?;
        if !sink.gave_up {
            sink.out.push('\n');
        }
        Ok(())
    }

    /// Walks a vertex in export order, feeding `sink`; false on any error.
    pub(crate) fn export_into(
        &mut self,
        v: VId,
        sink: &mut dyn Sink,
        errs: &mut Vec<ExportError>,
    ) -> bool {
        let v = self.deref(v);
        self.expand(v);
        let v = self.deref(v);
        if let Err(e) = self.walk_enter(v) {
            self.push_err(v, &e, errs);
            return false;
        }
        let ok = self.export_vertex(v, sink, errs);
        self.walk_leave();
        ok
    }

    fn export_vertex(&mut self, v: VId, sink: &mut dyn Sink, errs: &mut Vec<ExportError>) -> bool {
        if let Some(e) = self.v(v).err.clone() {
            self.push_err(v, &e, errs);
            return false;
        }
        let vx = self.v(v);
        if vx.is_struct {
            return self.export_struct(v, sink, errs);
        }
        if vx.list.is_some() {
            let arcs = vx.arc_ids();
            let mut ok = true;
            sink.begin_array();
            for a in arcs {
                sink.element();
                self.route.1.push(self.v(a).label);
                ok &= self.export_into(a, sink, errs);
                self.route.1.pop();
            }
            sink.end_array();
            return ok && self.check_composite_validators(v, errs);
        }
        let val = vx.value.clone();
        self.export_scalar(v, val, sink, errs)
    }

    fn export_scalar(
        &mut self,
        v: VId,
        val: Value,
        sink: &mut dyn Sink,
        errs: &mut Vec<ExportError>,
    ) -> bool {
        let incomplete = |this: &mut Engine, msg: String, errs: &mut Vec<ExportError>| {
            let spans: Vec<_> = this.v(v).conjuncts.iter().map(|c| c.span).collect();
            let b = Rc::new(Bottom {
                code: crate::cue::value::ErrCode::Incomplete,
                msg,
                spans,
                path: None,
            });
            this.push_err(v, &b, errs);
            false
        };
        match val {
            Value::Null => sink.null(),
            Value::Bool(b) => sink.boolean(b),
            Value::Num(n) => sink.number(&n.to_string()),
            Value::Str(s) => sink.string(&s),
            Value::Bytes(b) => {
                use base64::Engine as _;
                sink.string(&base64::engine::general_purpose::STANDARD.encode(&*b))
            }
            Value::Bottom(b) => {
                self.push_err(v, &b, errs);
                return false;
            }
            Value::Disj(d) => {
                return match default_of(&d) {
                    Some(Value::Vertex(b)) => self.export_into(b, sink, errs),
                    Some(other) => self.export_scalar(v, other, sink, errs),
                    None => {
                        let shown = self.short_string(&Value::Disj(d.clone()));
                        incomplete(self, format!("incomplete value {shown}"), errs)
                    }
                };
            }
            Value::Vertex(w) => return self.export_into(w, sink, errs),
            other => return incomplete(self, format!("incomplete value {other}"), errs),
        }
        true
    }

    fn export_struct(&mut self, v: VId, sink: &mut dyn Sink, errs: &mut Vec<ExportError>) -> bool {
        let arcs = self.ordered_arcs(v);
        let mut ok = true;
        sink.begin_object();
        for a in arcs {
            let (label, at) = (self.v(a).label, self.v(a).arc_type);
            let Label::Str(s) = label else { continue };
            self.route.1.push(label);
            match at {
                ArcType::Regular => {
                    sink.key(s.as_str());
                    ok &= self.export_into(a, sink, errs);
                }
                ArcType::Required => {
                    let spans = self.v(a).conjuncts.iter().map(|c| c.span).collect();
                    let b = Rc::new(Bottom {
                        code: crate::cue::value::ErrCode::Incomplete,
                        msg: "field is required but not present".into(),
                        spans,
                        path: None,
                    });
                    self.push_err(a, &b, errs);
                    ok = false;
                }
                ArcType::Optional => {
                    // An optional field is not exported, but an error in it still counts.
                    if let Some(e) = self
                        .v(a)
                        .err
                        .clone()
                        .filter(|e| !e.is_incomplete() && e.msg == "field not allowed")
                    {
                        self.push_err(a, &e, errs);
                        ok = false;
                    }
                }
            }
            self.route.1.pop();
        }
        sink.end_object();
        ok && self.check_composite_validators(v, errs)
    }

    fn check_composite_validators(&mut self, v: VId, errs: &mut Vec<ExportError>) -> bool {
        let vals = self.v(v).validators().to_vec();
        if vals.is_empty() {
            return true;
        }
        let span = self
            .v(v)
            .conjuncts
            .first()
            .map(|c| c.span)
            .unwrap_or_default();
        let data = match self.data_of(Value::Vertex(v), span) {
            Ok(d) => d,
            Err(b) => {
                self.push_err(v, &b, errs);
                return false;
            }
        };
        let shown = self.short_string(&Value::Vertex(v));
        for val in vals {
            if let Err(Value::Bottom(b)) = check_validator(&shown, data.clone(), &val) {
                let mut b = (*b).clone();
                b.spans = self.v(v).conjuncts.iter().map(|c| c.span).collect();
                self.push_err(v, &Rc::new(b), errs);
                return false;
            }
        }
        true
    }

    /// The first real (not incomplete) error in a vertex or below it.
    pub(crate) fn deep_error(&mut self, v: VId) -> Option<Rc<Bottom>> {
        self.walk(|e| e.deep_error_at(v, 0))
    }

    fn deep_error_at(&mut self, v: VId, depth: u32) -> Option<Rc<Bottom>> {
        if depth > 200 {
            return None;
        }
        let v = self.deref(v);
        self.expand(v);
        let v = self.deref(v);
        if self.v(v).deep_ok {
            return None;
        }
        if let Some(e) = &self.v(v).err
            && !e.is_incomplete()
        {
            return Some(e.clone());
        }
        if let Value::Bottom(b) = &self.v(v).value
            && !b.is_incomplete()
        {
            return Some(b.clone());
        }
        let arcs = self.v(v).arc_ids();
        for a in arcs {
            let at = self.v(a).arc_type;
            if at == ArcType::Optional {
                if let Some(e) = self
                    .v(a)
                    .err
                    .clone()
                    .filter(|e| e.msg == "field not allowed")
                {
                    return Some(e);
                }
                continue;
            }
            if let Err(e) = self.walk_enter(a) {
                return Some(e);
            }
            let e = self.deep_error_at(a, depth + 1);
            self.walk_leave();
            if e.is_some() {
                return e;
            }
        }
        // A subtree still waiting on a cycle may change; only settled ones are remembered.
        if self.v(v).status == super::Status::Expanded && self.v(v).provisional().is_empty() {
            self.vm(v).deep_ok = true;
        }
        None
    }

    /// A short CUE rendering of a value for messages (`{a:1,b:"x"}`).
    pub(crate) fn short_string(&mut self, v: &Value) -> String {
        self.short_at(v, 0)
    }

    fn short_at(&mut self, v: &Value, depth: u32) -> String {
        match v {
            Value::Vertex(w) => {
                if depth > 4 {
                    return "{...}".into();
                }
                let w = self.deref(*w);
                self.expand(w);
                let w = self.deref(w);
                let vx = self.v(w);
                if vx.is_struct {
                    let arcs: Vec<VId> = vx.arc_ids();
                    let mut parts = Vec::new();
                    for a in arcs {
                        let (l, at) = (self.v(a).label, self.v(a).arc_type);
                        if !l.is_regular() {
                            continue;
                        }
                        let mark = match at {
                            ArcType::Regular => "",
                            ArcType::Required => "!",
                            ArcType::Optional => "?",
                        };
                        let inner = self.short_at(&Value::Vertex(a), depth + 1);
                        parts.push(format!("{}{mark}:{inner}", l.selector()));
                    }
                    format!("{{{}}}", parts.join(","))
                } else if vx.list.is_some() {
                    let arcs = vx.arc_ids();
                    let open = vx.list.as_ref().is_some_and(|l| !l.tails.is_empty());
                    let mut parts: Vec<String> = arcs
                        .iter()
                        .map(|a| self.short_at(&Value::Vertex(*a), depth + 1))
                        .collect();
                    if open {
                        parts.push("...".into());
                    }
                    format!("[{}]", parts.join(","))
                } else if let Some(e) = &vx.err {
                    let _ = e;
                    "_|_".into()
                } else {
                    let val = vx.value.clone();
                    self.short_at(&val, depth + 1)
                }
            }
            Value::Disj(d) => {
                let items = d.items.clone();
                let parts: Vec<String> = items
                    .iter()
                    .map(|(x, f)| {
                        let s = self.short_at(x, depth + 1);
                        if *f { format!("*{s}") } else { s }
                    })
                    .collect();
                parts.join(" | ")
            }
            other => other.to_string(),
        }
    }
}

/// Receives an exported value piece by piece.
pub(crate) trait Sink {
    fn null(&mut self);
    fn boolean(&mut self, b: bool);
    /// A number in CUE's spelling (valid JSON).
    fn number(&mut self, text: &str);
    fn string(&mut self, s: &str);
    fn begin_object(&mut self);
    fn key(&mut self, k: &str);
    fn end_object(&mut self);
    fn begin_array(&mut self);
    /// Before each array element.
    fn element(&mut self);
    fn end_array(&mut self);
}

/// Discards the value.
struct NullSink;

impl Sink for NullSink {
    fn null(&mut self) {}
    fn boolean(&mut self, _: bool) {}
    fn number(&mut self, _: &str) {}
    fn string(&mut self, _: &str) {}
    fn begin_object(&mut self) {}
    fn key(&mut self, _: &str) {}
    fn end_object(&mut self) {}
    fn begin_array(&mut self) {}
    fn element(&mut self) {}
    fn end_array(&mut self) {}
}

/// Builds a `serde_json::Value`.
#[derive(Default)]
struct ValueSink {
    stack: Vec<(serde_json::Value, Option<String>)>,
    result: Option<serde_json::Value>,
    key: Option<String>,
}

impl ValueSink {
    fn put(&mut self, v: serde_json::Value) {
        match self.stack.last_mut() {
            Some((serde_json::Value::Object(m), _)) => {
                let k = self.key.take().unwrap_or_default();
                m.insert(k, v);
            }
            Some((serde_json::Value::Array(a), _)) => a.push(v),
            _ => self.result = Some(v),
        }
    }

    fn finish(self) -> Option<serde_json::Value> {
        self.result
    }
}

impl Sink for ValueSink {
    fn null(&mut self) {
        self.put(serde_json::Value::Null);
    }
    fn boolean(&mut self, b: bool) {
        self.put(serde_json::Value::Bool(b));
    }
    fn number(&mut self, text: &str) {
        let n = serde_json::from_str::<serde_json::Number>(text)
            .map(serde_json::Value::Number)
            .unwrap_or_else(|_| serde_json::Value::String(text.to_string()));
        self.put(n);
    }
    fn string(&mut self, s: &str) {
        self.put(serde_json::Value::String(s.to_string()));
    }
    fn begin_object(&mut self) {
        let k = self.key.take();
        self.stack
            .push((serde_json::Value::Object(serde_json::Map::new()), k));
    }
    fn key(&mut self, k: &str) {
        self.key = Some(k.to_string());
    }
    fn end_object(&mut self) {
        if let Some((v, k)) = self.stack.pop() {
            self.key = k;
            self.put(v);
        }
    }
    fn begin_array(&mut self) {
        let k = self.key.take();
        self.stack.push((serde_json::Value::Array(Vec::new()), k));
    }
    fn element(&mut self) {}
    fn end_array(&mut self) {
        self.end_object();
    }
}

/// Text nested deeper than this is made only once the value is known to have
/// no error (its indentation alone is 2·depth² bytes: 8 KB at this depth).
const DEEP: usize = 64;

/// Writes indented JSON text.
#[derive(Default)]
struct TextSink<'a> {
    out: String,
    /// Per open container: has it any entry yet.
    open: Vec<bool>,
    /// Where the text goes as it grows, if anywhere.
    to: Option<&'a mut dyn std::io::Write>,
    /// The first error writing it.
    failed: Option<std::io::Error>,
    /// Nesting past which the text is dropped (the walk goes on for errors).
    give_up: Option<usize>,
    /// True once it was.
    gave_up: bool,
}

impl TextSink<'_> {
    /// Hands the text over to the writer once it has `at_least` bytes.
    fn spill(&mut self, at_least: usize) {
        let Some(to) = self.to.as_mut() else { return };
        if self.out.len() < at_least.max(1) {
            return;
        }
        if self.failed.is_none()
            && let Err(e) = to.write_all(self.out.as_bytes())
        {
            self.failed = Some(e);
        }
        self.out.clear();
    }

    fn newline(&mut self) {
        const SPACES: &str = "                                                                ";
        if self.gave_up {
            return;
        }
        self.spill(1 << 16);
        self.out.push('\n');
        let mut n = self.open.len() * 4;
        while n > 0 {
            let k = n.min(SPACES.len());
            self.out.push_str(&SPACES[..k]);
            n -= k;
        }
    }

    fn open(&mut self, c: char) {
        if self.give_up.is_some_and(|d| self.open.len() >= d) {
            // What is still appended (scalars, keys) is linear; it is dropped.
            self.gave_up = true;
        }
        if self.gave_up {
            self.out = String::new();
            return;
        }
        self.out.push(c);
        self.open.push(false);
    }

    fn close(&mut self, c: char) {
        if self.gave_up {
            return;
        }
        if self.open.pop() == Some(true) {
            self.newline();
        }
        self.out.push(c);
    }

    fn entry(&mut self) {
        if self.gave_up {
            return;
        }
        if let Some(first) = self.open.last_mut() {
            let had = std::mem::replace(first, true);
            if had {
                self.out.push(',');
            }
            self.newline();
        }
    }
}

impl Sink for TextSink<'_> {
    fn null(&mut self) {
        self.out.push_str("null");
    }
    fn boolean(&mut self, b: bool) {
        self.out.push_str(if b { "true" } else { "false" });
    }
    fn number(&mut self, text: &str) {
        self.out.push_str(text);
    }
    fn string(&mut self, s: &str) {
        json_quote(&mut self.out, s);
    }
    fn begin_object(&mut self) {
        self.open('{');
    }
    fn key(&mut self, k: &str) {
        self.entry();
        json_quote(&mut self.out, k);
        self.out.push_str(": ");
    }
    fn end_object(&mut self) {
        self.close('}');
    }
    fn begin_array(&mut self) {
        self.open('[');
    }
    fn element(&mut self) {
        self.entry();
    }
    fn end_array(&mut self) {
        self.close(']');
    }
}

/// JSON string quoting as CUE prints it (no HTML escaping). Runs that need no
/// escape are copied whole: output is mostly such runs.
fn json_quote(out: &mut String, s: &str) {
    out.push('"');
    let b = s.as_bytes();
    let mut run = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        // U+2028 and U+2029 are E2 80 A8 / E2 80 A9 in UTF-8.
        let special = c < 0x20
            || c == b'"'
            || c == b'\\'
            || (c == 0xE2
                && b.get(i + 1) == Some(&0x80)
                && matches!(b.get(i + 2), Some(0xA8 | 0xA9)));
        if !special {
            i += 1;
            continue;
        }
        out.push_str(&s[run..i]);
        let width = if c == 0xE2 { 3 } else { 1 };
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0C => out.push_str("\\f"),
            0xE2 => out.push_str(if b[i + 2] == 0xA8 {
                "\\u2028"
            } else {
                "\\u2029"
            }),
            c => {
                use std::fmt::Write as _;
                let _ = write!(out, "\\u{:04x}", c);
            }
        }
        i += width;
        run = i;
    }
    out.push_str(&s[run..]);
    out.push('"');
}
