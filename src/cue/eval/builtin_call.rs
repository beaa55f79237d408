//! Calls of predeclared and package functions; conversion to and from data.

use super::{ArcType, CloseCtx, ConjSrc, Conjunct, Engine, Env, ListInfo, Status, bottom};
use crate::cue::builtins::{Arity, Builtin, CallError, Data};
use crate::cue::ir::{Expr, Func};
use crate::cue::label::Label;
use crate::cue::num::{Int, Num};
use crate::cue::value::{Bottom, Constraint, ErrCode, FuncRef, Kinds, VId, Validator, Value};
use crate::source::Span;
use std::rc::Rc;

impl Engine {
    pub(crate) fn call(&mut self, f: &Expr, args: &[Expr], env: &Rc<Env>, span: Span) -> Value {
        let fv = self.eval(f, env);
        match fv {
            Value::Func(FuncRef::Predeclared(p)) => self.call_predeclared(p, f, args, env, span),
            Value::Func(FuncRef::Pkg(b)) => {
                let vals: Vec<Value> = args.iter().map(|a| self.eval(a, env)).collect();
                self.call_builtin(b, vals, span)
            }
            Value::Bottom(_) => fv,
            other => Value::err(format!("cannot call non-function {other}"), vec![span]),
        }
    }

    fn call_predeclared(
        &mut self,
        p: Func,
        f: &Expr,
        args: &[Expr],
        env: &Rc<Env>,
        span: Span,
    ) -> Value {
        let name = format!("{p:?}").to_lowercase();
        let want = match p {
            Func::Len | Func::Close | Func::And | Func::Or => 1,
            _ => 2,
        };
        if args.len() != want {
            return Value::err(
                format!("{name}: expected {want} argument(s), got {}", args.len()),
                vec![span],
            );
        }
        match p {
            Func::Close | Func::And | Func::Or => {
                // Handled as a conjunct so that closedness and disjunctions apply.
                let call = Rc::new(crate::cue::ir::ExprNode {
                    kind: crate::cue::ir::ExprKind::Call(f.clone(), args.to_vec()),
                    span,
                });
                self.temp(&call, env)
            }
            Func::Len => {
                let v = self.eval(&args[0], env);
                match self.concrete(v, span) {
                    Ok(Value::Str(s)) => Value::num(Num::int(s.len() as i64)),
                    Ok(Value::Bytes(b)) => Value::num(Num::int(b.len() as i64)),
                    Ok(Value::Vertex(w)) => {
                        let vx = self.v(w);
                        if vx.list.is_some() {
                            Value::num(Num::int(vx.arcs.len() as i64))
                        } else {
                            let n = vx
                                .arcs
                                .iter()
                                .filter(|r| {
                                    self.v(r.id).arc_type == ArcType::Regular
                                        && r.label.is_regular()
                                })
                                .count();
                            Value::num(Num::int(n as i64))
                        }
                    }
                    Ok(other) => Value::err(
                        format!("invalid argument {other} (type {}) for len", other.kind()),
                        vec![span],
                    ),
                    Err(b) => Value::Bottom(b),
                }
            }
            Func::Div | Func::Mod | Func::Quo | Func::Rem => {
                let a = self.eval(&args[0], env);
                let b = self.eval(&args[1], env);
                let (a, b) = match (self.concrete(a, span), self.concrete(b, span)) {
                    (Ok(a), Ok(b)) => (a, b),
                    (Err(e), _) | (_, Err(e)) => return Value::Bottom(e),
                };
                let op = match p {
                    Func::Div => crate::cue::ast::BinOp::IntDiv,
                    Func::Mod => crate::cue::ast::BinOp::IntMod,
                    Func::Quo => crate::cue::ast::BinOp::IntQuo,
                    _ => crate::cue::ast::BinOp::IntRem,
                };
                self.binop_values(op, a, b, span)
            }
        }
    }

    /// Calls a package function, or makes a validator when one argument is missing.
    pub(crate) fn call_builtin(
        &mut self,
        b: &'static Builtin,
        args: Vec<Value>,
        span: Span,
    ) -> Value {
        let n = args.len();
        let fits = match b.arity {
            Arity::Exact(k) => n == k,
            Arity::AtLeast(k) => n >= k,
        };
        let validator = b.returns_bool && matches!(b.arity, Arity::Exact(k) if k == n + 1);
        if !fits && !validator {
            return Value::err(
                format!(
                    "{}.{}: wrong number of arguments ({n})",
                    short_pkg(b),
                    b.name
                ),
                vec![span],
            );
        }
        let mut data = Vec::with_capacity(n);
        for a in args {
            match self.data_of(a, span) {
                Ok(d) => data.push(d),
                Err(e) => return Value::Bottom(e),
            }
        }
        if validator {
            return Value::Constraint(Rc::new(Constraint {
                kinds: Kinds::TOP,
                bounds: Vec::new(),
                validators: vec![Validator {
                    builtin: b,
                    args: data,
                }],
            }));
        }
        match (b.f)(&data) {
            Ok(d) => self.from_data(&d),
            Err(CallError::Incomplete(m)) => Value::incomplete(m, vec![span]),
            // Builtins phrase their messages completely, as CUE prints them.
            Err(CallError::Error(m)) => Value::err(m, vec![span]),
        }
    }

    /// Converts a value to concrete data (structs keep their export order).
    pub(crate) fn data_of(&mut self, v: Value, span: Span) -> Result<Data, Rc<Bottom>> {
        self.walk(|e| e.data_walk(v, span))
    }

    fn data_walk(&mut self, v: Value, span: Span) -> Result<Data, Rc<Bottom>> {
        let v = self.concrete(v, span)?;
        match v {
            Value::Vertex(w) => {
                if let Some(e) = self.vertex_error(w) {
                    return Err(e);
                }
                self.walk_enter(w)?;
                let d = self.data_of_vertex(w, span);
                self.walk_leave();
                d
            }
            Value::Func(_) => Err(bottom(
                ErrCode::Eval,
                "cannot use a function as data",
                vec![span],
            )),
            other => other.to_data().ok_or_else(|| {
                bottom(
                    ErrCode::Incomplete,
                    format!("incomplete value {other}"),
                    vec![span],
                )
            }),
        }
    }

    fn data_of_vertex(&mut self, w: VId, span: Span) -> Result<Data, Rc<Bottom>> {
        if self.v(w).list.is_some() {
            let arcs = self.v(w).arc_ids();
            let mut out = Vec::with_capacity(arcs.len());
            for a in arcs {
                out.push(self.data_walk(Value::Vertex(a), span)?);
            }
            return Ok(Data::List(out));
        }
        let arcs = self.ordered_arcs(w);
        let mut out = Vec::new();
        for a in arcs {
            let (label, at) = (self.v(a).label, self.v(a).arc_type);
            if !matches!(label, Label::Str(_)) {
                continue;
            }
            match at {
                ArcType::Regular => {
                    out.push((label.key_text(), self.data_walk(Value::Vertex(a), span)?))
                }
                ArcType::Required => {
                    return Err(bottom(
                        ErrCode::Incomplete,
                        format!("field is required but not present: {}", label.selector()),
                        vec![span],
                    ));
                }
                ArcType::Optional => {}
            }
        }
        Ok(Data::Struct(out))
    }

    /// The concrete data of a vertex (export semantics), if it has no error.
    pub fn data(&mut self, v: VId) -> Option<Data> {
        let span = self
            .v(v)
            .conjuncts
            .first()
            .map(|c| c.span)
            .unwrap_or_default();
        let d = self.data_of(Value::Vertex(v), span).ok();
        // A value cut short by the budget is not the value.
        d.filter(|_| self.budget_error().is_none())
    }

    /// Builds a value from data (lists and structs become built vertices).
    pub fn from_data(&mut self, d: &Data) -> Value {
        if let Some(v) = Value::from_scalar_data(d) {
            return v;
        }
        Value::Vertex(self.build_data(None, Label::Temp, d))
    }

    fn build_data(&mut self, parent: Option<VId>, label: Label, d: &Data) -> VId {
        let v = self.alloc(parent, label);
        {
            let vx = self.vm(v);
            vx.built = true;
            vx.status = Status::Expanded;
            vx.arc_type = ArcType::Regular;
        }
        match d {
            Data::List(items) => {
                self.vm(v).list = Some(Box::new(ListInfo {
                    closed_len: Some(items.len()),
                    max_len: items.len(),
                    ..Default::default()
                }));
                for (i, it) in items.iter().enumerate() {
                    let a = self.build_data(Some(v), Label::Index(i as u32), it);
                    self.push_arc(v, a);
                }
            }
            Data::Struct(fields) => {
                self.vm(v).is_struct = true;
                for (k, it) in fields {
                    let a = self.build_data(Some(v), Label::string(k), it);
                    self.push_arc(v, a);
                }
            }
            scalar => {
                self.vm(v).value = Value::from_scalar_data(scalar).unwrap_or(Value::Top);
            }
        }
        v
    }

    /// Builds a value from JSON (numbers keep their spelling: `1` is an int, `1.0` a float).
    pub fn from_json(&mut self, j: &serde_json::Value) -> Value {
        match j {
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
                Value::Vertex(self.build_json(None, Label::Temp, j))
            }
            scalar => json_scalar(scalar),
        }
    }

    fn build_json(&mut self, parent: Option<VId>, label: Label, j: &serde_json::Value) -> VId {
        let v = self.alloc(parent, label);
        {
            let vx = self.vm(v);
            vx.built = true;
            vx.status = Status::Expanded;
            vx.arc_type = ArcType::Regular;
        }
        match j {
            serde_json::Value::Array(items) => {
                self.vm(v).list = Some(Box::new(ListInfo {
                    closed_len: Some(items.len()),
                    max_len: items.len(),
                    ..Default::default()
                }));
                for (i, it) in items.iter().enumerate() {
                    let a = self.build_json(Some(v), Label::Index(i as u32), it);
                    self.push_arc(v, a);
                }
            }
            serde_json::Value::Object(m) => {
                self.vm(v).is_struct = true;
                for (k, it) in m {
                    let a = self.build_json(Some(v), Label::string(k), it);
                    self.push_arc(v, a);
                }
            }
            scalar => self.vm(v).value = json_scalar(scalar),
        }
        v
    }

    /// Adds a JSON value as a conjunct of `v` (how `parameter` and `context` are injected).
    pub fn add_json(&mut self, v: VId, j: &serde_json::Value, span: Span) {
        let val = self.from_json(j);
        self.push_conjunct(
            v,
            Conjunct {
                src: ConjSrc::Value(val),
                close: CloseCtx::default(),
                span,
                via: None,
                info: None,
            },
        );
    }
}

fn json_scalar(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match Num::parse_literal(&n.to_string()) {
            Some(x) => Value::num(x),
            None => Value::num(Num::Int(Int::Small(0))),
        },
        serde_json::Value::String(s) => Value::str(s),
        _ => Value::Top,
    }
}

fn short_pkg(b: &Builtin) -> &'static str {
    b.pkg.rsplit('/').next().unwrap_or(b.pkg)
}
