//! Evaluating expressions to values.

use super::ops::kind_name;
use super::{ArcType, CloseCtx, ConjSrc, Conjunct, Engine, Env, EnvKind, Status, bottom};
use crate::cue::builtins;
use crate::cue::ir::{Clause, Comprehension, Expr, ExprKind, Part, Ref};
use crate::cue::label::Label;
use crate::cue::num::Num;
use crate::cue::value::{Bottom, Disj, ErrCode, FuncRef, Kinds, VId, Value, predecl_constraint};
use crate::source::Span;
use std::rc::Rc;

impl Engine {
    /// Evaluates an expression (lazily: references give vertices).
    pub(crate) fn eval(&mut self, e: &Expr, env: &Rc<Env>) -> Value {
        if !self.enter() {
            self.leave();
            return Value::Bottom(self.limit_error(None, Some(e.span)));
        }
        let r = self.eval_inner(e, env);
        self.leave();
        r
    }

    fn eval_inner(&mut self, e: &Expr, env: &Rc<Env>) -> Value {
        let span = e.span;
        match &e.kind {
            ExprKind::Top => Value::Top,
            ExprKind::Bottom => Value::bottom(
                ErrCode::User,
                "explicit error (_|_ literal) in source",
                vec![span],
            ),
            ExprKind::Null => Value::Null,
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::Num(n) => Value::Num(n.clone()),
            ExprKind::Str(s) => Value::Str(s.clone()),
            ExprKind::Bytes(b) => Value::Bytes(b.clone()),
            ExprKind::Type(p) => predecl_constraint(*p),
            ExprKind::Func(f) => Value::Func(FuncRef::Predeclared(*f)),
            ExprKind::PkgMember(pkg, name) => {
                if let Some(b) = builtins::lookup(pkg, name) {
                    Value::Func(FuncRef::Pkg(b))
                } else if let Some(d) = builtins::constant(pkg, name) {
                    self.from_data(&d)
                } else if let Some(member) = self.package_member(pkg, name) {
                    match member {
                        Some(v) => Value::Vertex(v),
                        None => Value::err(format!("undefined: {pkg}.{name}"), vec![span]),
                    }
                } else {
                    Value::err(format!("undefined: {pkg}.{name}"), vec![span])
                }
            }
            ExprKind::Package(p) => {
                Value::err(format!("cannot use package {p} as a value"), vec![span])
            }
            ExprKind::Ref(r) => self.eval_ref(r, env, span),
            ExprKind::DynRef(up, label) => {
                let Some(target) = env_at(env, *up) else {
                    return Value::err("internal: scope not found", vec![span]);
                };
                let EnvKind::Struct { vertex, .. } = &target.kind else {
                    return Value::err("internal: alias scope is not a struct", vec![span]);
                };
                let vertex = *vertex;
                let lv = self.eval(label, &target);
                match self.concrete(lv, span) {
                    Ok(Value::Str(s)) => match self.lookup_arc(vertex, Label::string(&s)) {
                        Some(a) => Value::Vertex(a),
                        None => Value::incomplete(format!("field {s:?} not found"), vec![span]),
                    },
                    Ok(other) => Value::err(format!("invalid label {other}"), vec![span]),
                    Err(b) => Value::Bottom(b),
                }
            }
            ExprKind::Selector(x, label) => {
                let base = self.eval(x, env);
                self.select(base, *label, span)
            }
            ExprKind::Index(x, i) => {
                let base = self.eval(x, env);
                let iv = self.eval(i, env);
                self.index(base, iv, span)
            }
            ExprKind::Slice(x, lo, hi) => self.slice(x, lo.as_ref(), hi.as_ref(), env, span),
            ExprKind::Call(f, args) => self.call(f, args, env, span),
            ExprKind::Unary(op, x) => self.unary(*op, x, env, span),
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, env, span, e),
            ExprKind::Disj(_) => self.temp(e, env),
            ExprKind::Struct(_)
            | ExprKind::List(_)
            | ExprKind::ConstStruct(_)
            | ExprKind::ConstList(_) => self.temp(e, env),
            ExprKind::Interp(parts, bytes) => self.interp(parts, *bytes, env, span),
        }
    }

    /// A fresh vertex holding `e` (for composite values in expression position).
    pub(crate) fn temp(&mut self, e: &Expr, env: &Rc<Env>) -> Value {
        let key = (Rc::as_ptr(e) as usize, Rc::as_ptr(env) as usize);
        if self.temp_in_progress(key) {
            // The same expression, in the same scope, is being computed further
            // up: evaluating it again would never end.
            return Value::bottom(ErrCode::StructuralCycle, "structural cycle", vec![e.span]);
        }
        let parent = env_vertex(env);
        let t = self.alloc(parent, Label::Temp);
        self.temp_keys.insert(t, key);
        let c = Conjunct {
            src: ConjSrc::Expr(e.clone(), env.clone()),
            close: CloseCtx::default(),
            span: e.span,
            via: self.cur_via.clone(),
            info: None,
        };
        self.vm(t).conjuncts.push(c);
        self.vm(t).arc_type = ArcType::Regular;
        self.expand(t);
        let t = self.deref(t);
        let vx = self.v(t);
        if !vx.is_struct && vx.list.is_none() && vx.arcs.is_empty() {
            if let Some(e) = &vx.err {
                return Value::Bottom(e.clone());
            }
            if !matches!(&vx.value, Value::Disj(d) if d.items.iter().any(|(x, _)| matches!(x, Value::Vertex(_))))
            {
                return vx.value.clone();
            }
        }
        Value::Vertex(t)
    }

    /// True when a vertex being expanded lies inside a temporary made from the
    /// same expression in the same scope, or inside too many made from the same
    /// expression in re-instantiated scopes (recursion that never bottoms out).
    fn temp_in_progress(&self, key: (usize, usize)) -> bool {
        const MAX_NESTING: usize = 16;
        if self.temp_keys.is_empty() {
            return false;
        }
        let mut same_expr: Vec<VId> = Vec::new();
        for &v in &self.expanding {
            let mut cur = Some(v);
            while let Some(c) = cur {
                if let Some(k) = self.temp_keys.get(&c) {
                    if *k == key {
                        return true;
                    }
                    if k.0 == key.0 && !same_expr.contains(&c) {
                        same_expr.push(c);
                        if same_expr.len() >= MAX_NESTING {
                            return true;
                        }
                    }
                }
                cur = self.v(c).parent;
            }
        }
        false
    }

    fn eval_ref(&mut self, r: &Ref, env: &Rc<Env>, span: Span) -> Value {
        let up = match r {
            Ref::Field { up, .. }
            | Ref::Let { up, .. }
            | Ref::Var { up, .. }
            | Ref::PatternLabel { up }
            | Ref::PatternField { up } => *up,
        };
        let Some(target) = env_at(env, up) else {
            return Value::err("internal: scope not found", vec![span]);
        };
        match (r, &target.kind) {
            (Ref::Field { label, .. }, EnvKind::Struct { vertex, .. }) => {
                let s = *vertex;
                match self.lookup_arc(s, *label) {
                    Some(a) => match self.v(a).arc_type {
                        ArcType::Regular => Value::Vertex(a),
                        _ => Value::incomplete(
                            format!("cannot reference optional field: {}", label.selector()),
                            vec![span],
                        ),
                    },
                    None => Value::incomplete(
                        format!("reference {:?} not found", label.key_text()),
                        vec![span],
                    ),
                }
            }
            (Ref::Let { slot, .. }, EnvKind::Struct { lit, lets, .. }) => {
                let slot = *slot as usize;
                if let Some(v) = lets.borrow().get(slot).cloned().flatten() {
                    return v;
                }
                let cycle = Value::bottom(ErrCode::Cycle, "cycle in let", vec![span]);
                lets.borrow_mut()[slot] = Some(cycle);
                let e = lit.lets[slot].clone();
                let val = self.eval(&e, &target);
                lets.borrow_mut()[slot] = Some(val.clone());
                val
            }
            (Ref::Var { slot, .. }, EnvKind::Vars(vals)) => vals[*slot as usize].clone(),
            (Ref::PatternLabel { .. }, EnvKind::Label(l)) => Value::str(&l.key_text()),
            (Ref::PatternField { .. }, EnvKind::Label(l)) => {
                let s = target.up.as_ref().and_then(|u| match &u.kind {
                    EnvKind::Struct { vertex, .. } => Some(*vertex),
                    _ => None,
                });
                match s.and_then(|s| self.lookup_arc(s, *l)) {
                    Some(a) => Value::Vertex(a),
                    None => Value::err("internal: pattern field not found", vec![span]),
                }
            }
            _ => Value::err("internal: reference does not match its scope", vec![span]),
        }
    }

    /// Resolves a vertex for selection: expanded, forwarded, default chosen.
    pub(crate) fn resolve_vertex(&mut self, w: VId, span: Span) -> Result<VId, Rc<Bottom>> {
        let w = self.deref(w);
        if self.v(w).status == Status::Expanding
            && self.v(w).arcs.is_empty()
            && !self.v(w).is_struct
            && self.v(w).list.is_none()
            && !self.v(w).value.is_atom()
        {
            self.cycle_hit.get_or_insert(w);
            return Err(bottom(ErrCode::Cycle, "cycle detected", vec![span]));
        }
        self.expand(w);
        let w = self.deref(w);
        if let Some(e) = &self.v(w).err
            && !e.is_incomplete()
        {
            return Err(e.clone());
        }
        match self.v(w).value.clone() {
            Value::Bottom(b) => Err(b),
            Value::Disj(d) => match default_of(&d) {
                Some(Value::Vertex(b)) => self.resolve_vertex(b, span),
                _ => Ok(w),
            },
            _ => Ok(w),
        }
    }

    pub(crate) fn select(&mut self, base: Value, label: Label, span: Span) -> Value {
        match base {
            Value::Vertex(w) => {
                let w = match self.resolve_vertex(w, span) {
                    Ok(w) => w,
                    Err(b) => return Value::Bottom(b),
                };
                let vx = self.v(w);
                if !vx.is_struct {
                    if let Value::Disj(_) = &vx.value {
                        return Value::incomplete(
                            format!(
                                "unresolved disjunction {}: cannot select {}",
                                vx.value,
                                label.selector()
                            ),
                            vec![span],
                        );
                    }
                    if vx.list.is_some() {
                        return Value::err(
                            format!("invalid selector {} for a list", label.selector()),
                            vec![span],
                        );
                    }
                    if let Some(e) = &vx.err {
                        return Value::Bottom(e.clone());
                    }
                    if !vx.value.kind().intersects(Kinds::STRUCT) && !matches!(vx.value, Value::Top)
                    {
                        return Value::err(
                            format!(
                                "invalid selector {}: {} is not a struct",
                                label.selector(),
                                vx.value
                            ),
                            vec![span],
                        );
                    }
                }
                match self.lookup_arc(w, label) {
                    Some(a) if self.v(a).arc_type == ArcType::Regular => Value::Vertex(a),
                    Some(_) => self.missing_field(true, label, span),
                    None => {
                        if let Some(e) = self.v(w).err.clone() {
                            return Value::Bottom(e);
                        }
                        self.missing_field(false, label, span)
                    }
                }
            }
            Value::Bottom(_) => base,
            Value::Top | Value::Constraint(_) | Value::Disj(_) => Value::incomplete(
                format!("{base} is not a struct: cannot select {}", label.selector()),
                vec![span],
            ),
            other => Value::err(
                format!(
                    "invalid selector {}: {other} (type {}) is not a struct",
                    label.selector(),
                    other.kind()
                ),
                vec![span],
            ),
        }
    }

    /// The incomplete error of selecting an absent or optional field. Existence
    /// tests (`x.f != _|_`) make the same one at the same place once per
    /// instance of a template, so it is built once and shared.
    fn missing_field(&mut self, optional: bool, label: Label, span: Span) -> Value {
        let key = (optional, label, span);
        if let Some(b) = self.missing.get(&key) {
            return Value::Bottom(b.clone());
        }
        let msg = if optional {
            format!("cannot reference optional field: {}", label.selector())
        } else {
            format!("undefined field: {}", label.selector())
        };
        let v = Value::incomplete(msg, vec![span]);
        if let Value::Bottom(b) = &v {
            self.missing.insert(key, b.clone());
        }
        v
    }

    fn index(&mut self, base: Value, idx: Value, span: Span) -> Value {
        let idx = match self.concrete(idx, span) {
            Ok(i) => i,
            Err(b) => return Value::Bottom(b),
        };
        match base {
            Value::Vertex(w) => {
                let w = match self.resolve_vertex(w, span) {
                    Ok(w) => w,
                    Err(b) => return Value::Bottom(b),
                };
                if self.v(w).list.is_some() {
                    let i = match &idx {
                        Value::Num(n) if n.is_int() => n.to_i64(),
                        _ => {
                            return Value::err(
                                format!("invalid list index {idx} (type {})", idx.kind()),
                                vec![span],
                            );
                        }
                    };
                    let closed = self.v(w).list.as_ref().is_some_and(|l| l.tails.is_empty());
                    let Some(i) = i.filter(|i| *i >= 0) else {
                        return Value::err(
                            format!("invalid index {idx} (index must be non-negative)"),
                            vec![span],
                        );
                    };
                    match self.lookup_arc(w, Label::Index(i as u32)) {
                        Some(a) => Value::Vertex(a),
                        None if closed => Value::err(
                            format!("invalid list index {i} (out of bounds)"),
                            vec![span],
                        ),
                        None => Value::incomplete(
                            format!("invalid list index {i} (out of bounds)"),
                            vec![span],
                        ),
                    }
                } else {
                    match idx {
                        Value::Str(s) => self.select(Value::Vertex(w), Label::string(&s), span),
                        other => Value::err(
                            format!("invalid struct index {other} (type {})", other.kind()),
                            vec![span],
                        ),
                    }
                }
            }
            Value::Bottom(_) => base,
            Value::Top | Value::Constraint(_) => {
                Value::incomplete(format!("cannot index incomplete value {base}"), vec![span])
            }
            other => Value::err(
                format!(
                    "invalid operation: {other}[{idx}] (type {} does not support indexing)",
                    other.kind()
                ),
                vec![span],
            ),
        }
    }

    fn slice(
        &mut self,
        x: &Expr,
        lo: Option<&Expr>,
        hi: Option<&Expr>,
        env: &Rc<Env>,
        span: Span,
    ) -> Value {
        let base = self.eval(x, env);
        let bound = |e: Option<&Expr>, this: &mut Engine| -> Result<Option<i64>, Value> {
            let Some(e) = e else { return Ok(None) };
            let v = this.eval(e, env);
            match this.concrete(v, span) {
                Ok(Value::Num(n)) if n.is_int() => Ok(n.to_i64()),
                Ok(other) => Err(Value::err(
                    format!("invalid slice index {other}"),
                    vec![span],
                )),
                Err(b) => Err(Value::Bottom(b)),
            }
        };
        let lo = match bound(lo, self) {
            Ok(v) => v,
            Err(e) => return e,
        };
        let hi = match bound(hi, self) {
            Ok(v) => v,
            Err(e) => return e,
        };
        let elems = match self.list_elements(base, span) {
            Ok(e) => e,
            Err(b) => return Value::Bottom(b),
        };
        let n = elems.len() as i64;
        let (l, h) = (lo.unwrap_or(0), hi.unwrap_or(n));
        if l < 0 || h > n || l > h {
            return Value::err(
                format!("invalid slice indices [{l}:{h}] (length {n})"),
                vec![span],
            );
        }
        self.make_list(
            elems[l as usize..h as usize]
                .iter()
                .map(|&a| Value::Vertex(a))
                .collect(),
            span,
        )
    }

    /// A closed list vertex of the given element values.
    pub(crate) fn make_list(&mut self, elems: Vec<Value>, span: Span) -> Value {
        let t = self.alloc(None, Label::Temp);
        {
            let tx = self.vm(t);
            tx.arc_type = ArcType::Regular;
            tx.list = Some(Box::new(super::ListInfo {
                closed_len: Some(elems.len()),
                max_len: elems.len(),
                ..Default::default()
            }));
            tx.status = Status::Expanded;
        }
        for (i, el) in elems.into_iter().enumerate() {
            let a = self.alloc(Some(t), Label::Index(i as u32));
            self.push_arc(t, a);
            self.vm(a).arc_type = ArcType::Regular;
            self.vm(a).conjuncts.push(Conjunct::value(el, span));
        }
        Value::Vertex(t)
    }

    /// The element vertices of a (closed) list value.
    pub(crate) fn list_elements(&mut self, val: Value, span: Span) -> Result<Vec<VId>, Rc<Bottom>> {
        match val {
            Value::Vertex(w) => {
                let w = self.resolve_vertex(w, span)?;
                if self.v(w).list.is_none() {
                    return Err(bottom(
                        ErrCode::Eval,
                        "expected a list".to_string(),
                        vec![span],
                    ));
                }
                Ok(self.v(w).arc_ids())
            }
            Value::Bottom(b) => Err(b),
            Value::Top | Value::Constraint(_) | Value::Disj(_) => Err(bottom(
                ErrCode::Incomplete,
                format!("non-concrete list {val}"),
                vec![span],
            )),
            other => Err(bottom(
                ErrCode::Eval,
                format!("cannot use {other} (type {}) as list", other.kind()),
                vec![span],
            )),
        }
    }

    /// Resolves to a concrete value (defaults applied): an atom, or a struct/list vertex.
    pub(crate) fn concrete(&mut self, val: Value, span: Span) -> Result<Value, Rc<Bottom>> {
        match val {
            Value::Vertex(w) => {
                let w0 = self.deref(w);
                if self.v(w0).status == Status::Expanding {
                    let vx = self.v(w0);
                    if !vx.is_struct && vx.list.is_none() {
                        if vx.value.is_atom() {
                            return Ok(vx.value.clone());
                        }
                        self.cycle_hit.get_or_insert(w0);
                        return Err(bottom(ErrCode::Cycle, "cycle detected", vec![span]));
                    }
                }
                let w = self.resolve_vertex(w, span)?;
                let vx = self.v(w);
                if vx.is_struct || vx.list.is_some() {
                    return Ok(Value::Vertex(w));
                }
                if let Some(e) = &vx.err {
                    return Err(e.clone());
                }
                let inner = vx.value.clone();
                self.concrete(inner, span)
            }
            Value::Disj(d) => match default_of(&d) {
                Some(v) => self.concrete(v, span),
                None => Err(bottom(
                    ErrCode::Incomplete,
                    format!("incomplete value {}", Value::Disj(d.clone())),
                    vec![span],
                )),
            },
            Value::Top | Value::Constraint(_) => Err(bottom(
                ErrCode::Incomplete,
                format!("incomplete value {val}"),
                vec![span],
            )),
            Value::Bottom(b) => Err(b),
            other => Ok(other),
        }
    }

    /// Evaluates a condition to a bool.
    pub(crate) fn eval_bool(&mut self, e: &Expr, env: &Rc<Env>) -> Result<bool, Rc<Bottom>> {
        let v = self.eval(e, env);
        match self.concrete(v, e.span) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(bottom(
                ErrCode::Eval,
                format!("cannot use {other} (type {}) as bool", other.kind()),
                vec![e.span],
            )),
            Err(b) => Err(b),
        }
    }

    fn interp(&mut self, parts: &[Part], bytes: bool, env: &Rc<Env>, span: Span) -> Value {
        let mut out = String::new();
        for p in parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Expr(e) => {
                    let v = self.eval(e, env);
                    match self.concrete(v, e.span) {
                        Ok(Value::Str(s)) => out.push_str(&s),
                        Ok(Value::Num(n)) => out.push_str(&n.to_string()),
                        Ok(Value::Bool(b)) => out.push_str(if b { "true" } else { "false" }),
                        Ok(Value::Bytes(b)) => out.push_str(&String::from_utf8_lossy(&b)),
                        Ok(other) => {
                            let shown = self.short_string(&other);
                            return Value::err(
                                format!(
                                    "invalid interpolation: cannot use {shown} (type {}) as type (bool|string|bytes|number)",
                                    kind_name(&other)
                                ),
                                vec![e.span],
                            );
                        }
                        Err(b) if b.is_incomplete() => {
                            return Value::incomplete(
                                format!(
                                    "invalid interpolation: {}",
                                    b.msg.replace("incomplete value", "non-concrete value")
                                ),
                                vec![span],
                            );
                        }
                        Err(b) => return Value::Bottom(b),
                    }
                }
            }
        }
        if bytes {
            Value::Bytes(out.into_bytes().into())
        } else {
            Value::str(&out)
        }
    }

    /// The environments in which a comprehension's body is produced, in order.
    pub(crate) fn comprehension_envs(
        &mut self,
        c: &Comprehension,
        env: &Rc<Env>,
    ) -> Result<Vec<Rc<Env>>, Rc<Bottom>> {
        let mut out = Vec::new();
        self.clauses(c, 0, env.clone(), &mut out)?;
        Ok(out)
    }

    fn clauses(
        &mut self,
        c: &Comprehension,
        i: usize,
        env: Rc<Env>,
        out: &mut Vec<Rc<Env>>,
    ) -> Result<(), Rc<Bottom>> {
        let Some(cl) = c.clauses.get(i) else {
            out.push(env);
            return Ok(());
        };
        match cl {
            Clause::For { source, span } => {
                let src = self.eval(source, &env);
                for (k, v) in self.iterate(src, *span)? {
                    let e2 = Rc::new(Env {
                        up: Some(env.clone()),
                        kind: EnvKind::Vars([k, v]),
                    });
                    self.clauses(c, i + 1, e2, out)?;
                }
                Ok(())
            }
            Clause::If(cond) => {
                if self.eval_bool(cond, &env)? {
                    self.clauses(c, i + 1, env, out)?;
                }
                Ok(())
            }
            Clause::Let(e) => {
                let v = self.eval(e, &env);
                let e2 = Rc::new(Env {
                    up: Some(env.clone()),
                    kind: EnvKind::Vars([v, Value::Top]),
                });
                self.clauses(c, i + 1, e2, out)
            }
        }
    }

    /// Key/value pairs of a struct (regular fields, in order) or list.
    fn iterate(&mut self, src: Value, span: Span) -> Result<Vec<(Value, Value)>, Rc<Bottom>> {
        match src {
            Value::Vertex(w) => {
                if self.v(self.deref(w)).status == Status::Expanding {
                    return Err(bottom(
                        ErrCode::Cycle,
                        "cycle: comprehension over a struct that is being evaluated",
                        vec![span],
                    ));
                }
                let w = self.resolve_vertex(w, span)?;
                if let Some(e) = &self.v(w).err {
                    return Err(e.clone());
                }
                if self.v(w).list.is_some() {
                    let arcs = self.v(w).arc_ids();
                    return Ok(arcs
                        .into_iter()
                        .enumerate()
                        .map(|(i, a)| (Value::num(Num::int(i as i64)), Value::Vertex(a)))
                        .collect());
                }
                if self.v(w).is_struct {
                    let arcs = self.ordered_arcs(w);
                    let mut out = Vec::new();
                    for a in arcs {
                        let (label, at) = (self.v(a).label, self.v(a).arc_type);
                        if at == ArcType::Regular && matches!(label, Label::Str(_)) {
                            out.push((Value::str(&label.key_text()), Value::Vertex(a)));
                        }
                    }
                    return Ok(out);
                }
                let val = self.v(w).value.clone();
                match val {
                    Value::Top | Value::Constraint(_) | Value::Disj(_) => Err(bottom(
                        ErrCode::Incomplete,
                        format!("cannot range over {val} (incomplete)"),
                        vec![span],
                    )),
                    other => Err(bottom(
                        ErrCode::Eval,
                        format!(
                            "cannot range over {other} (found {}, want list or struct)",
                            other.kind()
                        ),
                        vec![span],
                    )),
                }
            }
            Value::Bottom(b) => Err(b),
            Value::Top | Value::Constraint(_) | Value::Disj(_) => Err(bottom(
                ErrCode::Incomplete,
                format!("cannot range over {src} (incomplete)"),
                vec![span],
            )),
            other => Err(bottom(
                ErrCode::Eval,
                format!(
                    "cannot range over {other} (found {}, want list or struct)",
                    other.kind()
                ),
                vec![span],
            )),
        }
    }
}

/// Compiles a pattern once per thread: templates test the same few patterns
/// for every component.
pub(crate) fn compiled_regex(pat: &str) -> Result<Rc<regex::Regex>, regex::Error> {
    thread_local! {
        static CACHE: std::cell::RefCell<std::collections::HashMap<String, Rc<regex::Regex>>> =
            Default::default();
    }
    if let Some(r) = CACHE.with(|c| c.borrow().get(pat).cloned()) {
        return Ok(r);
    }
    let r = Rc::new(regex::Regex::new(pat)?);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() > 4096 {
            c.clear();
        }
        c.insert(pat.to_string(), r.clone());
    });
    Ok(r)
}

/// The environment `up` levels out.
pub(crate) fn env_at(env: &Rc<Env>, up: u32) -> Option<Rc<Env>> {
    let mut e = env.clone();
    for _ in 0..up {
        e = e.up.clone()?;
    }
    Some(e)
}

/// The vertex of the innermost struct environment.
pub(crate) fn env_vertex(env: &Rc<Env>) -> Option<VId> {
    let mut e = Some(env.clone());
    while let Some(x) = e {
        if let EnvKind::Struct { vertex, .. } = &x.kind {
            return Some(*vertex);
        }
        e = x.up.clone();
    }
    None
}

/// The default of a disjunction, if there is exactly one candidate.
pub(crate) fn default_of(d: &Disj) -> Option<Value> {
    let defaults: Vec<&Value> = d.items.iter().filter(|(_, f)| *f).map(|(v, _)| v).collect();
    if defaults.len() == 1 {
        return Some(defaults[0].clone());
    }
    None
}
