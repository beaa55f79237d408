//! Expanding a vertex: processing its conjuncts (expressions, values, other
//! vertices shared or copied) into arcs and a value, with closedness and
//! kind conflicts. Struct and list literals are added by `literal`; arcs and
//! pattern constraints are kept by `arcs`.

use super::closed::Source;
use super::{ArcType, CloseCtx, ConjSrc, Conjunct, Engine, Env, Status, bottom};
use crate::cue::ast::BinOp;
use crate::cue::ir::{Expr, ExprKind, Func};
use crate::cue::value::{ErrCode, Kinds, VId, Value, meet};
use crate::source::Span;
use std::rc::Rc;

impl Engine {
    /// Processes a vertex's conjuncts (once). Children stay unprocessed.
    ///
    /// A conjunct that runs into a cycle (it needs a vertex still being
    /// expanded) is retried after the others, so that `x: y + 1, y: x - 1,
    /// x: 2` resolves; a vertex whose value still depended on such a cycle is
    /// marked provisional and recomputed once the cycle has unwound.
    pub(crate) fn expand(&mut self, v: VId) {
        let v = self.deref(v);
        match self.v(v).status {
            Status::Unprocessed => {}
            Status::Expanded
                if !self.v(v).provisional().is_empty() && !self.expanding.contains(&v) =>
            {
                // Recompute once a vertex it needed has finished, or has at least
                // become concrete; otherwise the recomputation would meet the same cycle.
                let ready = self
                    .v(v)
                    .provisional()
                    .iter()
                    .any(|&d| !self.expanding.contains(&d) || self.v(d).value.is_atom());
                if !ready {
                    return;
                }
                self.reset(v);
            }
            _ => return,
        }
        self.vm(v).status = Status::Expanding;
        if !self.enter() {
            self.leave();
            let b = self.limit_error(Some(v), None);
            self.set_err(v, b);
            self.vm(v).status = Status::Expanded;
            return;
        }
        if self.v(v).depth > self.max_depth {
            let spans = self.v(v).conjuncts.iter().take(2).map(|c| c.span).collect();
            self.set_err(
                v,
                bottom(ErrCode::StructuralCycle, "structural cycle", spans),
            );
            self.vm(v).status = Status::Expanded;
            self.leave();
            return;
        }
        self.expanding.push(v);
        let outer = self.cycle_hit.take();
        let outer_ref = self.order_ref.take();
        let n = self.v(v).conjuncts.len();
        let sole = self.one_reference(v);
        let mut retry = Vec::new();
        for i in 0..n {
            if i > 0 && sole && self.v(v).forward.is_some() {
                // The others name the same vertex: `x: #D, x: #D` is `x: #D`.
                break;
            }
            let c = self.v(v).conjuncts[i].clone();
            let err_before = self.v(v).err.clone();
            self.process(v, c, sole && i == 0);
            if self.cycle_hit.take().is_some() {
                // What a cyclic conjunct concluded is not final: retry it last.
                self.vm(v).err = err_before;
                retry.push(self.v(v).conjuncts[i].clone());
            }
        }
        for c in retry {
            self.process(v, c, false);
            if let Some(dep) = self.cycle_hit.take() {
                // Still cyclic: fine if another conjunct made the value concrete.
                let resolved = self.v(v).value.is_atom() && self.v(v).err.is_none();
                if !resolved && dep != v && !self.v(v).provisional().contains(&dep) {
                    self.vm(v).ext_mut().provisional.push(dep);
                }
            }
        }
        self.cycle_hit = outer;
        if self.v(v).has_disjs() {
            self.resolve_disjunctions(v);
        }
        if self.v(v).forward.is_none() {
            self.vm(v).patterns_live = true;
            self.apply_patterns(v);
            self.run_pending(v);
            self.default_to_struct(v);
            self.apply_tails(v);
            self.check_list(v);
            self.check_closed(v);
        }
        self.expanding.pop();
        self.order_ref = outer_ref;
        self.vm(v).status = Status::Expanded;
        if let Some(&dep) = self.v(v).provisional().first() {
            // Whoever needed this value now depends on the cycle too.
            self.cycle_hit.get_or_insert(dep);
        }
        self.leave();
    }

    /// Adds a conjunct; a vertex being expanded processes it at once, an
    /// expanded one starts over.
    pub(crate) fn push_conjunct(&mut self, v: VId, c: Conjunct) {
        let st = self.v(v).status;
        if self.v(v).built {
            return;
        }
        let cs = &mut self.vm(v).conjuncts;
        if cs.len() == cs.capacity() {
            // Most vertices get one or two conjuncts; Vec's default first
            // allocation (four) would waste most of the memory of a run.
            cs.reserve_exact(cs.len().max(1));
        }
        // Only a vertex being expanded needs its own copy to process now.
        match st {
            Status::Unprocessed => cs.push(c),
            Status::Expanding => {
                cs.push(c.clone());
                self.process(v, c, false);
            }
            Status::Expanded => {
                cs.push(c);
                self.reset(v);
            }
        }
    }

    /// Forgets everything derived from the conjuncts so they are processed again.
    fn reset(&mut self, v: VId) {
        let vx = self.vm(v);
        vx.status = Status::Unprocessed;
        vx.value = Value::Top;
        vx.is_struct = false;
        vx.deep_ok = false;
        vx.list = None;
        vx.arcs.clear();
        vx.patterns_live = false;
        vx.closed = None;
        vx.forward = None;
        vx.err = None;
        vx.order.clear();
        // Field docs that came through references survive; everything else is derived.
        if let Some(x) = vx.ext.as_mut() {
            let infos = std::mem::take(&mut x.ref_infos);
            **x = super::Extra {
                ref_infos: infos,
                ..Default::default()
            };
        }
    }

    /// True when every conjunct of `v` is a plain reference to one and the
    /// same vertex, in the same closedness context: `v` may then share that
    /// vertex outright (see `add_vertex`), and references repeated by
    /// declarations pasted twice cost nothing more than one.
    fn one_reference(&mut self, v: VId) -> bool {
        let vx = self.v(v);
        let n = vx.conjuncts.len();
        let is_ref = |c: &Conjunct| matches!(&c.src, ConjSrc::Expr(e, _) if matches!(e.kind, ExprKind::Ref(_) | ExprKind::Selector(..)));
        if vx.choices.is_some() || n == 0 || !vx.conjuncts.iter().all(is_ref) {
            return false;
        }
        if n == 1 {
            return true;
        }
        // Closed groups differ per declaration; what matters is that each
        // conjunct is closed (or open) alike: a definition closes all of them
        // to its own fields, and a plain reference is shared only when none is.
        let cc = vx.conjuncts[0].close;
        let alike = |c: &Conjunct| {
            c.close.embedded == cc.embedded
                && c.close.optional == cc.optional
                && c.close.group.is_some() == cc.group.is_some()
                && c.close.target.is_some() == cc.target.is_some()
        };
        if !vx.conjuncts.iter().all(alike) {
            return false;
        }
        let conjs = vx.conjuncts.clone();
        let mut target = None;
        for c in &conjs {
            let ConjSrc::Expr(e, env) = &c.src else {
                return false;
            };
            let val = self.eval(e, env);
            if self.cycle_hit.take().is_some() {
                return false;
            }
            match (val, target) {
                (Value::Vertex(x), None) => target = Some(x),
                (Value::Vertex(x), Some(t)) if x == t => {}
                _ => return false,
            }
        }
        true
    }

    fn process(&mut self, v: VId, c: Conjunct, sole: bool) {
        let outer_via = std::mem::replace(&mut self.cur_via, c.via.clone());
        // A vertex whose conjuncts all are one plain reference may share the
        // referenced vertex outright (see `add_vertex`).
        let outer_sole = std::mem::replace(&mut self.sole_ref, sole.then_some(v));
        self.process_src_of(v, c);
        self.sole_ref = outer_sole;
        self.cur_via = outer_via;
    }

    fn process_src_of(&mut self, v: VId, c: Conjunct) {
        match c.src {
            ConjSrc::Expr(e, env) => self.add_expr(v, &e, &env, c.close, c.span),
            ConjSrc::Value(val) => self.add_value(v, val, c.close, c.span),
        }
    }

    pub(crate) fn add_expr(&mut self, v: VId, e: &Expr, env: &Rc<Env>, cc: CloseCtx, span: Span) {
        match &e.kind {
            ExprKind::Struct(lit) => self.add_struct(v, lit, env, cc, e.span),
            ExprKind::List(lit) => self.add_list(v, lit, env, cc),
            ExprKind::ConstStruct(fields) => self.add_const_struct(v, e, fields, env, cc),
            ExprKind::ConstList(elems) => self.add_const_list(v, elems, env, cc, e.span),
            ExprKind::Binary(BinOp::And, a, b) => {
                let cc = CloseCtx {
                    explicit: true,
                    ..cc
                };
                self.add_expr(v, a, env, cc, a.span);
                self.add_expr(v, b, env, cc, b.span);
            }
            ExprKind::Disj(items) if items.len() == 1 => {
                self.add_expr(v, &items[0].0, env, cc, span)
            }
            ExprKind::Disj(items) => self.add_disj(v, e, items, env, cc, e.span),
            ExprKind::Top => {}
            ExprKind::Call(f, args) if args.len() == 1 => match &f.kind {
                ExprKind::Func(Func::Close) => {
                    let g = self.fresh_group();
                    let cc2 = self.ref_close(v, &cc, &CloseCtx::default(), Some(g));
                    self.add_expr(v, &args[0], env, cc2, span);
                }
                ExprKind::Func(Func::And) => {
                    let list = self.eval(&args[0], env);
                    match self.list_elements(list, e.span) {
                        Ok(elems) => {
                            for el in elems {
                                self.add_value(v, Value::Vertex(el), cc, span);
                            }
                        }
                        Err(b) => self.set_err(v, b),
                    }
                }
                ExprKind::Func(Func::Or) => {
                    let list = self.eval(&args[0], env);
                    match self.list_elements(list, e.span) {
                        Ok(elems) if elems.is_empty() => self.set_err(
                            v,
                            bottom(ErrCode::Eval, "empty list in call to or", vec![e.span]),
                        ),
                        Ok(elems) => {
                            let alts = elems
                                .into_iter()
                                .map(|x| (ConjSrc::Value(Value::Vertex(x)), false))
                                .collect();
                            self.push_disj(v, alts, false, None, cc, span);
                        }
                        Err(b) => self.set_err(v, b),
                    }
                }
                _ => {
                    let val = self.eval(e, env);
                    self.add_value(v, val, cc, span);
                }
            },
            _ => {
                let val = self.eval(e, env);
                self.add_value(v, val, cc, span);
            }
        }
    }

    pub(crate) fn add_value(&mut self, v: VId, val: Value, cc: CloseCtx, span: Span) {
        match val {
            Value::Vertex(w) => self.add_vertex(v, w, cc, span),
            Value::Disj(d) => {
                let alts = d
                    .items
                    .iter()
                    .map(|(x, f)| (ConjSrc::Value(x.clone()), *f))
                    .collect();
                self.push_disj(v, alts, d.marked, None, cc, span);
            }
            Value::Bottom(b) if b.code == ErrCode::Cycle => {
                self.cycle_hit.get_or_insert(v);
            }
            Value::Bottom(b) => {
                let mut b = (*b).clone();
                if b.spans.is_empty() {
                    b.spans.push(span);
                }
                self.set_err(v, Rc::new(b));
            }
            Value::Top => {}
            Value::Func(_) => self.set_err(
                v,
                bottom(
                    ErrCode::Eval,
                    "cannot use a function as a value",
                    vec![span],
                ),
            ),
            other => self.meet_value(v, other, span),
        }
    }

    /// Meets a scalar or scalar constraint into a vertex.
    pub(crate) fn meet_value(&mut self, v: VId, val: Value, span: Span) {
        let vx = self.v(v);
        if vx.is_struct || vx.list.is_some() {
            let kind = if vx.is_struct {
                Kinds::STRUCT
            } else {
                Kinds::LIST
            };
            if let Value::Constraint(c) = &val
                && c.kinds.intersects(kind)
                && c.bounds.is_empty()
            {
                self.vm(v)
                    .ext_mut()
                    .validators
                    .extend(c.validators.iter().cloned());
                return;
            }
            // `null | _` meeting a struct keeps the alternatives a struct satisfies.
            if let Value::Disj(d) = &val {
                let kept: Vec<(Value, bool)> = d
                    .items
                    .iter()
                    .filter(|(x, _)| x.kind().intersects(kind))
                    .cloned()
                    .collect();
                if !kept.is_empty() {
                    let old = vx.value.clone();
                    let merged = meet(&old, &crate::cue::value::disj_value(kept, d.marked));
                    self.vm(v).value = merged;
                    return;
                }
            }
            let what = if vx.is_struct { "struct" } else { "list" };
            let mut spans: Vec<Span> = vx.conjuncts.iter().map(|c| c.span).collect();
            spans.push(span);
            let msg = format!(
                "conflicting values {val} and {} (mismatched types {} and {what})",
                if vx.is_struct { "{...}" } else { "[...]" },
                val.kind()
            );
            self.set_err(v, bottom(ErrCode::Eval, msg, spans));
            return;
        }
        let new = meet(&vx.value, &val);
        let vx = self.vm(v);
        if let Value::Bottom(b) = &new {
            let mut b = (**b).clone();
            b.spans.extend(vx.conjuncts.iter().map(|c| c.span));
            b.spans.push(span);
            b.spans.sort();
            b.spans.dedup();
            vx.value = Value::Bottom(Rc::new(b));
        } else {
            vx.value = new;
        }
    }

    /// Unifies the vertex `w` into `v`. A scalar `w` contributes its value; a
    /// struct or list copies its conjuncts (late binding: `#D & {x: 2}`
    /// re-evaluates `#D` with `v` as `self`); data and fixed branches are shared.
    fn add_vertex(&mut self, v: VId, w: VId, cc: CloseCtx, span: Span) {
        if w == v || self.deref(w) == v {
            return;
        }
        if self.v(w).built || self.v(w).choices.is_some() || self.v(w).conjuncts.is_empty() {
            return self.share_vertex(v, w, cc, span);
        }
        if self.is_ancestor(w, v) || self.only_via(v, w) {
            let b = bottom(ErrCode::StructuralCycle, "structural cycle", vec![span]);
            self.set_err(v, b);
            return;
        }
        if self.ref_stack.contains(&(v, w)) {
            return; // a reference cycle adds no information
        }
        if self.v(self.deref(w)).status == Status::Expanding {
            // `w` is still being computed: what we get now may be partial.
            let d = self.deref(w);
            self.cycle_hit.get_or_insert(d);
            return;
        }
        if let Some(p) = self.v(w).parent
            && self.v(p).status != Status::Unprocessed
        {
            self.ensure_patterns(p, w);
        }
        // A scalar `w` contributes its value; finding out means expanding it,
        // which a literal struct or list does not need (and must not pay for:
        // its comprehensions would run twice, once here and once in `v`).
        let literal_composite = self.looks_composite(w, 0);
        if !literal_composite {
            self.expand(w);
        }
        let wd = self.deref(w);
        if !literal_composite {
            let wx = self.v(wd);
            let composite = wx.is_struct || wx.list.is_some() || !wx.arcs.is_empty();
            let branchy = matches!(&wx.value, Value::Disj(d) if d.items.iter().any(|(x, _)| matches!(x, Value::Vertex(_))));
            if !composite && !branchy && wd == w {
                if let Some(e) = wx.err.clone() {
                    self.set_err(v, e);
                    return;
                }
                let val = wx.value.clone();
                self.add_value(v, val, cc, span);
                let infos = self.field_infos(w);
                self.merge_infos(v, infos);
                return;
            }
        }
        let closing = if self.closing_ref(v, w) {
            Some(self.fresh_group())
        } else {
            None
        };
        // Structure sharing: `x: y` with nothing else unified into `x` is `y` itself
        // (no closedness to add, no self-reference that could resolve differently),
        // so `x` forwards to `y` instead of rebuilding it.
        let sole = self.sole_ref.take() == Some(v);
        if sole && closing.is_none() && cc.group.is_none() && cc.target.is_none() {
            self.expand(w);
            let wx = self.v(w);
            if wx.forward.is_none() && wx.provisional().is_empty() && wx.status == Status::Expanded
            {
                self.vm(v).forward = Some(w);
                return;
            }
        }
        // `x: #D` with nothing else unified into `x` is `#D` closed, the same
        // wherever it is referenced (references are lexical): it is computed
        // once and shared. Re-evaluating it per reference multiplies the work
        // of nested disjunctions by every level that names a definition.
        if sole
            && closing.is_some()
            && !cc.embedded
            && !cc.optional
            && self.v(w).label.is_def()
            && let Some(c) = self.closed_copy(w)
        {
            self.vm(v).forward = Some(c);
            return;
        }
        self.ref_stack.push((v, w));
        let outer_ref = self.order_ref;
        self.order_ref = Some(outer_ref.unwrap_or(span));
        let outer_via = self.cur_via.clone();
        self.cur_via = Some(Rc::new(super::ViaNode {
            vertex: w,
            next: outer_via.clone(),
        }));
        let conjs = self.v(w).conjuncts.clone();
        for c in conjs {
            let mut cc2 = self.ref_close(v, &cc, &c.close, closing);
            cc2.optional = cc.optional || c.close.optional;
            match c.src {
                ConjSrc::Expr(e, env) => self.add_expr(v, &e, &env, cc2, c.span),
                ConjSrc::Value(val) => self.add_value(v, val, cc2, c.span),
            }
        }
        self.ref_stack.pop();
        self.order_ref = outer_ref;
        self.cur_via = outer_via;
        let infos = self.field_infos(w);
        self.merge_infos(v, infos);
    }

    /// The definition `w` closed, evaluated once per evaluation: a vertex
    /// beside `w` whose one conjunct is `w` (so it is closed as any reference
    /// to `w` from outside is). `None` while it is being computed (a
    /// definition reached from within itself is evaluated in place) or when
    /// its value is still provisional.
    fn closed_copy(&mut self, w: VId) -> Option<VId> {
        let c = match self.closed_copies.get(&w) {
            Some(&c) => c,
            None => {
                let (parent, label) = (self.v(w).parent, self.v(w).label);
                let span = self.v(w).conjuncts.first().map(|c| c.span)?;
                let c = self.alloc(parent, label);
                self.vm(c)
                    .conjuncts
                    .push(Conjunct::value(Value::Vertex(w), span));
                self.closed_copies.insert(w, c);
                c
            }
        };
        if self.v(c).status == Status::Expanding {
            return None;
        }
        self.expand(c);
        let cx = self.v(c);
        (cx.status == Status::Expanded && cx.provisional().is_empty()).then_some(c)
    }

    /// True when `w` is visibly a struct or list: one of its conjuncts is a
    /// struct or list literal, directly or through plain references (followed
    /// without expanding anything they point to).
    fn looks_composite(&mut self, w: VId, depth: u32) -> bool {
        if depth > 8 {
            return false;
        }
        // Up to the first reference nothing is evaluated, so those conjuncts are
        // read in place; only from a reference on is a copy needed (evaluating
        // it may change the arena).
        let mut first_ref = None;
        for (i, c) in self.v(w).conjuncts.iter().enumerate() {
            match self.looks(c) {
                Looks::Composite => return true,
                Looks::Ref => {
                    first_ref = Some(i);
                    break;
                }
                Looks::Other => {}
            }
        }
        let Some(start) = first_ref else {
            return false;
        };
        let conjs = self.v(w).conjuncts.clone();
        for c in conjs.into_iter().skip(start) {
            match self.looks(&c) {
                Looks::Composite => return true,
                Looks::Ref => {
                    if let ConjSrc::Expr(e, env) = &c.src
                        && let Value::Vertex(x) = self.eval(e, env)
                        && x != w
                        && self.v(x).status != Status::Expanding
                        && self.looks_composite(x, depth + 1)
                    {
                        return true;
                    }
                }
                Looks::Other => {}
            }
        }
        false
    }

    /// What a conjunct shows without evaluating anything.
    fn looks(&self, c: &Conjunct) -> Looks {
        match &c.src {
            ConjSrc::Expr(e, _) => match &e.kind {
                ExprKind::Struct(l) if l.is_struct => Looks::Composite,
                ExprKind::List(_) => Looks::Composite,
                ExprKind::Ref(crate::cue::ir::Ref::Field { .. }) => Looks::Ref,
                _ => Looks::Other,
            },
            ConjSrc::Value(Value::Vertex(x)) => {
                let x = self.deref(*x);
                if self.v(x).is_struct || self.v(x).list.is_some() {
                    Looks::Composite
                } else {
                    Looks::Other
                }
            }
            _ => Looks::Other,
        }
    }

    /// Remembers the field declarations of a referenced vertex (for docs).
    fn merge_infos(&mut self, v: VId, infos: Vec<Rc<crate::cue::ir::FieldInfo>>) {
        if infos.is_empty() {
            return;
        }
        let x = self.vm(v).ext_mut();
        for i in infos {
            if !x.ref_infos.iter().any(|o| Rc::ptr_eq(o, &i)) {
                x.ref_infos.push(i);
            }
        }
    }

    /// True when everything `v` holds was itself copied from `w`: unifying
    /// `w` in again would repeat `w` inside itself without end (a structural
    /// cycle, as in `#T: {a: #T}` or `#D: {a: {}} & {[string]: #D}`).
    /// Recursion that data drives (`#Tree: {children: [...#Tree]}` applied to
    /// finite input) always has a conjunct from elsewhere, so it passes.
    fn only_via(&self, v: VId, w: VId) -> bool {
        let cs = &self.v(v).conjuncts;
        !cs.is_empty() && cs.iter().all(|c| super::via_contains(&c.via, w))
    }

    /// A reference closes when it reaches into a definition that does not enclose `v`.
    fn closing_ref(&self, v: VId, w: VId) -> bool {
        let mut cur = Some(w);
        while let Some(c) = cur {
            if self.v(c).label.is_def() && c != v && !self.is_ancestor(c, v) {
                return true;
            }
            cur = self.v(c).parent;
        }
        false
    }

    /// Unifies an evaluated vertex into `v` structurally.
    fn share_vertex(&mut self, v: VId, w: VId, cc: CloseCtx, span: Span) {
        self.expand(w);
        let w = self.deref(w);
        if let Some(e) = self.vertex_error(w) {
            self.set_err(v, e);
            return;
        }
        let (is_struct, list) = (self.v(w).is_struct, self.v(w).list.clone());
        if !is_struct && list.is_none() {
            let val = self.v(w).value.clone();
            self.add_value(v, val, cc, span);
            return;
        }
        if is_struct && !self.mark_struct(v, span) {
            return;
        }
        if let Some(l) = &list {
            if !self.mark_list(v, span) {
                return;
            }
            let n = self.v(w).arcs.len();
            let info = self.vm(v).list.get_or_insert_with(Default::default);
            if l.closed_len.is_some() {
                match info.closed_len {
                    Some(c) if c != n => info.conflict = Some((c, n)),
                    _ => info.closed_len = Some(n),
                }
            }
            info.max_len = info.max_len.max(n);
            info.tails.extend(l.tails.iter().cloned());
        }
        let child = CloseCtx {
            group: cc.group,
            target: cc.group,
            embedded: false,
            optional: cc.optional,
            explicit: false,
        };
        let pos = self.order_ref.unwrap_or(span);
        self.push_order(v, super::order::OrderSource::shared(w, pos, cc.explicit));
        let arcs = self.v(w).arc_ids();
        for a in arcs {
            let (label, at) = (self.v(a).label, self.v(a).arc_type);
            if let (Some(t), true) = (cc.target, is_struct) {
                // The shared value's fields are declared by it, as a literal's are.
                self.add_source(v, t, Source::Label(label));
            }
            let c = self.get_or_create_arc(v, label);
            self.set_arc_type(c, at);
            let infos = self.field_infos(a);
            self.merge_infos(c, infos);
            self.push_conjunct(
                c,
                Conjunct {
                    src: ConjSrc::Value(Value::Vertex(a)),
                    close: child,
                    span,
                    via: self.cur_via.clone(),
                    info: None,
                },
            );
        }
        let vals = self.v(w).validators().to_vec();
        if !vals.is_empty() {
            self.vm(v).ext_mut().validators.extend(vals);
        }
    }

    fn kind_conflict(&mut self, v: VId, what: &str, span: Span) {
        let vx = self.v(v);
        let other = if vx.is_struct {
            "{...}".to_string()
        } else if vx.list.is_some() {
            "[...]".to_string()
        } else {
            vx.value.to_string()
        };
        let okind = if vx.is_struct {
            "struct".to_string()
        } else if vx.list.is_some() {
            "list".to_string()
        } else {
            vx.value.kind().to_string()
        };
        let sample = if what == "struct" { "{...}" } else { "[...]" };
        let mut spans: Vec<Span> = vx.conjuncts.iter().map(|c| c.span).collect();
        spans.push(span);
        let msg = format!(
            "conflicting values {sample} and {other} (mismatched types {what} and {okind})"
        );
        self.set_err(v, bottom(ErrCode::Eval, msg, spans));
    }

    /// Marks `v` as a struct; false (and an error) if it cannot be one.
    pub(crate) fn mark_struct(&mut self, v: VId, span: Span) -> bool {
        let vx = self.v(v);
        if vx.list.is_some()
            || (!vx.value.kind().intersects(Kinds::STRUCT) && !vx.value.is_bottom())
        {
            self.kind_conflict(v, "struct", span);
            return false;
        }
        self.vm(v).is_struct = true;
        self.take_composite_validators(v);
        true
    }

    /// A validator met before the struct or list it constrains moves to
    /// `validators`; scalar alternatives of a disjunction drop out.
    fn take_composite_validators(&mut self, v: VId) {
        if let Value::Disj(d) = &self.v(v).value {
            let kind = if self.v(v).is_struct {
                Kinds::STRUCT
            } else {
                Kinds::LIST
            };
            let kept: Vec<(Value, bool)> = d
                .items
                .iter()
                .filter(|(x, _)| x.kind().intersects(kind))
                .cloned()
                .collect();
            let marked = d.marked;
            self.vm(v).value = crate::cue::value::disj_value(kept, marked);
        }
        if let Value::Constraint(c) = &self.v(v).value
            && !c.validators.is_empty()
            && c.bounds.is_empty()
        {
            let vals = c.validators.clone();
            let vx = self.vm(v);
            vx.ext_mut().validators.extend(vals);
            vx.value = Value::Top;
        }
    }

    /// Marks `v` as a list; false (and an error) if it cannot be one.
    pub(crate) fn mark_list(&mut self, v: VId, span: Span) -> bool {
        let vx = self.v(v);
        if vx.is_struct || (!vx.value.kind().intersects(Kinds::LIST) && !vx.value.is_bottom()) {
            self.kind_conflict(v, "list", span);
            return false;
        }
        self.vm(v).list.get_or_insert_with(Default::default);
        self.take_composite_validators(v);
        true
    }

    pub(crate) fn set_arc_type(&mut self, a: VId, t: ArcType) {
        let vx = self.vm(a);
        if t < vx.arc_type {
            vx.arc_type = t;
        }
    }
}

/// What a conjunct shows of its kind without being evaluated (see `looks_composite`).
enum Looks {
    /// A struct or list literal, or a shared struct or list.
    Composite,
    /// A field reference, to follow.
    Ref,
    /// Anything else.
    Other,
}
