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
        let path = b.path.clone().unwrap_or_else(|| self.path(v));
        errs.push(ExportError {
            path,
            msg: b.msg.clone(),
            spans: b.spans.clone(),
            incomplete: b.is_incomplete(),
        });
    }

    /// Exports a vertex to JSON, collecting every error below it.
    pub fn export(&mut self, v: VId) -> Result<serde_json::Value, ExportErrors> {
        let mut errs = Vec::new();
        let out = self.export_value(v, &mut errs);
        match out {
            Some(j) if errs.is_empty() => Ok(j),
            _ => Err(ExportErrors(errs)),
        }
    }

    fn export_value(&mut self, v: VId, errs: &mut Vec<ExportError>) -> Option<serde_json::Value> {
        let v = self.deref(v);
        self.expand(v);
        let v = self.deref(v);
        if let Some(e) = self.v(v).err.clone() {
            self.push_err(v, &e, errs);
            return None;
        }
        let vx = self.v(v);
        if vx.is_struct {
            return self.export_struct(v, errs);
        }
        if vx.list.is_some() {
            let arcs = vx.arcs.clone();
            let mut out = Vec::with_capacity(arcs.len());
            let mut ok = true;
            for a in arcs {
                match self.export_value(a, errs) {
                    Some(j) => out.push(j),
                    None => ok = false,
                }
            }
            if ok && !self.check_composite_validators(v, errs) {
                ok = false;
            }
            return ok.then_some(serde_json::Value::Array(out));
        }
        let val = vx.value.clone();
        self.export_scalar(v, val, errs)
    }

    fn export_scalar(
        &mut self,
        v: VId,
        val: Value,
        errs: &mut Vec<ExportError>,
    ) -> Option<serde_json::Value> {
        let spans: Vec<_> = self.v(v).conjuncts.iter().map(|c| c.span).collect();
        match val {
            Value::Null => Some(serde_json::Value::Null),
            Value::Bool(b) => Some(serde_json::Value::Bool(b)),
            Value::Num(n) => Some(num_json(&n.to_string())),
            Value::Str(s) => Some(serde_json::Value::String(s.to_string())),
            Value::Bytes(b) => {
                use base64::Engine as _;
                Some(serde_json::Value::String(
                    base64::engine::general_purpose::STANDARD.encode(&*b),
                ))
            }
            Value::Bottom(b) => {
                self.push_err(v, &b, errs);
                None
            }
            Value::Disj(d) => match default_of(&d) {
                Some(Value::Vertex(b)) => self.export_value(b, errs),
                Some(other) => self.export_scalar(v, other, errs),
                None => {
                    let shown = self.short_string(&Value::Disj(d.clone()));
                    let b = Rc::new(Bottom {
                        code: crate::cue::value::ErrCode::Incomplete,
                        msg: format!("incomplete value {shown}"),
                        spans,
                        path: None,
                    });
                    self.push_err(v, &b, errs);
                    None
                }
            },
            Value::Vertex(w) => self.export_value(w, errs),
            other => {
                let b = Rc::new(Bottom {
                    code: crate::cue::value::ErrCode::Incomplete,
                    msg: format!("incomplete value {other}"),
                    spans,
                    path: None,
                });
                self.push_err(v, &b, errs);
                None
            }
        }
    }

    fn export_struct(&mut self, v: VId, errs: &mut Vec<ExportError>) -> Option<serde_json::Value> {
        let arcs = self.ordered_arcs(v);
        let mut map = serde_json::Map::new();
        let mut ok = true;
        for a in arcs {
            let (label, at) = (self.v(a).label, self.v(a).arc_type);
            let Label::Str(s) = label else { continue };
            match at {
                ArcType::Regular => match self.export_value(a, errs) {
                    Some(j) => {
                        map.insert(s.as_str().to_string(), j);
                    }
                    None => ok = false,
                },
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
        }
        if ok && !self.check_composite_validators(v, errs) {
            ok = false;
        }
        ok.then_some(serde_json::Value::Object(map))
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
        self.deep_error_at(v, 0)
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
        let arcs = self.v(v).arcs.clone();
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
            if let Some(e) = self.deep_error_at(a, depth + 1) {
                return Some(e);
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
                    let arcs: Vec<VId> = vx.arcs.clone();
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
                    let arcs = vx.arcs.clone();
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

fn num_json(text: &str) -> serde_json::Value {
    match serde_json::from_str::<serde_json::Number>(text) {
        Ok(n) => serde_json::Value::Number(n),
        Err(_) => serde_json::Value::String(text.to_string()),
    }
}
