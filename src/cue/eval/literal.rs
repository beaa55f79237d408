//! Struct and list literals as conjuncts: their fields, embeddings,
//! comprehensions and dynamic fields become arcs of the vertex they are
//! added to (closedness recorded for each), lists' elements, tails and
//! length checks. `unify` calls in here for a literal; everything a
//! field then needs goes back through `unify::add_expr`.

use super::closed::Source;
use super::{
    ArcType, CloseCtx, ConjSrc, Conjunct, Engine, Env, EnvKind, Pattern, PendingComp, PendingKind,
    Tail, bottom,
};
use crate::cue::ast::Constraint;
use crate::cue::ir::{Decl, Expr, ListElem, ListLit, StructLit};
use crate::cue::label::Label;
use crate::cue::value::{ErrCode, VId, Value};
use crate::source::Span;
use std::cell::RefCell;
use std::rc::Rc;

impl Engine {
    fn constraint_arc_type(c: Constraint) -> ArcType {
        match c {
            Constraint::Regular => ArcType::Regular,
            Constraint::Required => ArcType::Required,
            Constraint::Optional => ArcType::Optional,
        }
    }

    pub(super) fn add_struct(
        &mut self,
        v: VId,
        lit: &Rc<StructLit>,
        env: &Rc<Env>,
        cc: CloseCtx,
        span: Span,
    ) {
        if lit.is_struct && !self.mark_struct(v, span) {
            return;
        }
        if lit.struct_if_empty {
            self.vm(v).ext_mut().struct_default.get_or_insert(span);
        }
        let lets = RefCell::new(vec![None; lit.lets.len()]);
        let new_env = Rc::new(Env {
            up: Some(env.clone()),
            kind: EnvKind::Struct {
                vertex: v,
                lit: lit.clone(),
                lets,
            },
        });
        if let Some(t) = cc.target {
            self.add_source(v, t, Source::Lit(lit.clone()));
        }
        // Only struct literals close a vertex: `value?: _` in a definition allows anything.
        self.note_close(v, &cc);
        let src_idx = self.v(v).order.len();
        let via_ref = self.order_ref;
        self.push_order(
            v,
            super::order::OrderSource::literal(lit.clone(), via_ref, cc.explicit, span),
        );
        let needs_embed = lit.decls.iter().any(|d| {
            matches!(
                d,
                Decl::Embed(_) | Decl::Comprehension(_) | Decl::DynField { .. }
            )
        });
        // An open literal with embeddings gets a potential group: it becomes
        // binding only if a closed struct is embedded, and its fields (at any
        // depth) stay allowed inside that embedded struct.
        let potential = if needs_embed && cc.group.is_none() {
            let p = self.fresh_group();
            self.add_source(v, p, Source::Lit(lit.clone()));
            if let Some(t) = cc.target {
                self.delegate(p, t);
                self.delegate(t, p);
            }
            Some(p)
        } else {
            None
        };
        let child = CloseCtx {
            group: cc.group,
            target: cc.group.or(potential).or(cc.target),
            embedded: false,
            optional: false,
            explicit: false,
        };
        let opt_child = CloseCtx {
            optional: true,
            ..child
        };
        let embed_cc = CloseCtx {
            group: cc.group,
            target: cc.group.or(potential),
            embedded: true,
            optional: cc.optional,
            explicit: false,
        };
        for d in &lit.decls {
            match d {
                Decl::Field {
                    label,
                    constraint,
                    value,
                    info,
                    ..
                } => {
                    let a = self.get_or_create_arc(v, *label);
                    self.set_arc_type(a, Self::constraint_arc_type(*constraint));
                    let close = if *constraint == Constraint::Regular {
                        child
                    } else {
                        opt_child
                    };
                    let c = Conjunct {
                        src: ConjSrc::Expr(value.clone(), new_env.clone()),
                        close,
                        span: value.span,
                        via: self.cur_via.clone(),
                        info: info.clone(),
                    };
                    self.push_conjunct(a, c);
                }
                Decl::Pattern {
                    pattern,
                    value,
                    span,
                } => {
                    let m = self.eval(pattern, &new_env);
                    let m = self.pattern_matcher(m);
                    if let Some(t) = cc.target {
                        self.add_source(v, t, Source::Pattern(m.clone()));
                    }
                    let p = Pattern {
                        matcher: m,
                        value: value.clone(),
                        env: new_env.clone(),
                        close: opt_child,
                        span: *span,
                        via: self.cur_via.clone(),
                    };
                    self.add_pattern(v, p);
                }
                Decl::Ellipsis(t, sp) => {
                    if let Some(tg) = cc.target {
                        self.add_source(v, tg, Source::All);
                    }
                    if let Some(t) = t {
                        let p = Pattern {
                            matcher: Value::Top,
                            value: t.clone(),
                            env: new_env.clone(),
                            close: opt_child,
                            span: *sp,
                            via: self.cur_via.clone(),
                        };
                        self.add_pattern(v, p);
                    }
                }
                _ => {}
            }
        }
        for (di, d) in lit.decls.iter().enumerate() {
            match d {
                Decl::Embed(e) => self.add_expr(v, e, &new_env, embed_cc, e.span),
                Decl::Comprehension(c) => self.vm(v).ext_mut().comps.push(PendingComp {
                    kind: PendingKind::Comp(c.clone()),
                    env: new_env.clone(),
                    close: embed_cc,
                }),
                Decl::DynField {
                    label,
                    constraint,
                    value,
                    info,
                    ..
                } => {
                    let kind = PendingKind::DynField(
                        label.clone(),
                        *constraint,
                        value.clone(),
                        info.clone(),
                        src_idx,
                        di,
                    );
                    let close = if *constraint == Constraint::Regular {
                        child
                    } else {
                        opt_child
                    };
                    let p = PendingComp {
                        kind,
                        env: new_env.clone(),
                        close,
                    };
                    if !self.try_dyn_field(v, &p, false) {
                        self.vm(v).ext_mut().comps.push(p);
                    }
                }
                _ => {}
            }
        }
    }

    /// Records an order source, growing the list one by one (most vertices have one).
    pub(super) fn push_order(&mut self, v: VId, src: super::order::OrderSource) {
        let order = &mut self.vm(v).order;
        if order.len() == order.capacity() {
            order.reserve_exact(order.len().max(1));
        }
        order.push(src);
    }

    /// Unifies constant data (a strict-JSON literal): like a struct literal
    /// with quoted labels, minus the scope it never needs.
    pub(super) fn add_const_struct(
        &mut self,
        v: VId,
        e: &Expr,
        fields: &[(Label, Expr)],
        env: &Rc<Env>,
        cc: CloseCtx,
    ) {
        let span = e.span;
        if !self.mark_struct(v, span) {
            return;
        }
        if let Some(t) = cc.target {
            for (l, _) in fields {
                self.add_source(v, t, Source::Label(*l));
            }
        }
        self.note_close(v, &cc);
        let pos = self.order_ref.unwrap_or(span);
        self.push_order(
            v,
            super::order::OrderSource::constant(e.clone(), pos, cc.explicit),
        );
        let child = CloseCtx {
            group: cc.group,
            target: cc.group.or(cc.target),
            embedded: false,
            optional: false,
            explicit: false,
        };
        for (l, value) in fields {
            self.add_const_child(v, *l, value, env, child);
        }
    }

    /// Gives `v` the regular arc `label` with the constant `value` (JSON data).
    fn add_const_child(&mut self, v: VId, label: Label, value: &Expr, env: &Rc<Env>, cc: CloseCtx) {
        let a = self.get_or_create_arc(v, label);
        self.set_arc_type(a, ArcType::Regular);
        let c = Conjunct {
            src: ConjSrc::Expr(value.clone(), env.clone()),
            close: cc,
            span: value.span,
            via: self.cur_via.clone(),
            info: None,
        };
        self.push_conjunct(a, c);
    }

    pub(super) fn add_const_list(
        &mut self,
        v: VId,
        elems: &[Expr],
        env: &Rc<Env>,
        cc: CloseCtx,
        span: Span,
    ) {
        if !self.mark_list(v, span) {
            return;
        }
        let child = element_ctx(&cc);
        for (i, e) in elems.iter().enumerate() {
            self.add_const_child(v, Label::Index(i as u32), e, env, child);
        }
        let n = elems.len();
        let info = self.vm(v).list.get_or_insert_with(Default::default);
        match info.closed_len {
            Some(c) if c != n => info.conflict = Some((n, c)),
            _ => info.closed_len = Some(n),
        }
        info.max_len = info.max_len.max(n);
    }

    /// Adds a dynamic field if its label can be computed; false to retry later.
    pub(super) fn try_dyn_field(&mut self, v: VId, p: &PendingComp, last_try: bool) -> bool {
        let PendingKind::DynField(label, constraint, value, info, src_idx, decl_idx) = &p.kind
        else {
            return true;
        };
        let lv = self.eval(label, &p.env);
        let l = match self.concrete(lv, label.span) {
            Ok(Value::Str(s)) => Label::string(&s),
            Ok(other) => {
                let msg = format!("invalid label type {}: must be a string", other.kind());
                self.set_err(v, bottom(ErrCode::Eval, msg, vec![label.span]));
                return true;
            }
            Err(b) if b.is_incomplete() && !last_try => return false,
            Err(b) => {
                self.set_err(v, b);
                return true;
            }
        };
        let a = self.get_or_create_arc(v, l);
        self.set_arc_type(a, Self::constraint_arc_type(*constraint));
        if let Some(src) = self.vm(v).order.get_mut(*src_idx) {
            src.push_dyn(*decl_idx, l);
        }
        if let Some(t) = p.close.target {
            self.add_source(v, t, Source::Label(l));
        }
        let c = Conjunct {
            src: ConjSrc::Expr(value.clone(), p.env.clone()),
            close: p.close,
            span: value.span,
            via: self.cur_via.clone(),
            info: info.clone(),
        };
        self.push_conjunct(a, c);
        true
    }

    pub(super) fn add_list(&mut self, v: VId, lit: &Rc<ListLit>, env: &Rc<Env>, cc: CloseCtx) {
        if !self.mark_list(v, lit.span) {
            return;
        }
        let child = element_ctx(&cc);
        let mut idx = 0u32;
        for el in &lit.elems {
            match el {
                ListElem::Expr(e) => {
                    let a = self.get_or_create_arc(v, Label::Index(idx));
                    self.set_arc_type(a, ArcType::Regular);
                    self.push_conjunct(
                        a,
                        Conjunct {
                            src: ConjSrc::Expr(e.clone(), env.clone()),
                            close: child,
                            span: e.span,
                            via: self.cur_via.clone(),
                            info: None,
                        },
                    );
                    idx += 1;
                }
                ListElem::Comprehension(c) => match self.comprehension_envs(c, env) {
                    Ok(envs) => {
                        for env2 in envs {
                            let a = self.get_or_create_arc(v, Label::Index(idx));
                            self.set_arc_type(a, ArcType::Regular);
                            let src = ConjSrc::Expr(c.body.clone(), env2);
                            self.push_conjunct(
                                a,
                                Conjunct {
                                    src,
                                    close: child,
                                    span: c.body.span,
                                    via: self.cur_via.clone(),
                                    info: None,
                                },
                            );
                            idx += 1;
                        }
                    }
                    Err(b) => self.set_err(v, b),
                },
            }
        }
        let n = idx as usize;
        let via = self.cur_via.clone();
        let info = self.vm(v).list.get_or_insert_with(Default::default);
        match &lit.tail {
            None => match info.closed_len {
                Some(c) if c != n => info.conflict = Some((n, c)),
                _ => info.closed_len = Some(n),
            },
            Some(t) => info.tails.push(Tail {
                from: n,
                expr: t.clone(),
                env: Some(env.clone()),
                close: CloseCtx {
                    optional: true,
                    explicit: false,
                    ..child
                },
                via,
            }),
        }
        info.max_len = info.max_len.max(n);
    }

    pub(super) fn apply_tails(&mut self, v: VId) {
        let Some(info) = self.v(v).list.clone() else {
            return;
        };
        if info.tails.iter().all(|t| t.expr.is_none()) {
            return;
        }
        let arcs = self.v(v).arc_ids();
        for a in arcs {
            let Label::Index(i) = self.v(a).label else {
                continue;
            };
            for tail in &info.tails {
                if let (Some(t), Some(env)) = (&tail.expr, &tail.env)
                    && (i as usize) >= tail.from
                {
                    let c = Conjunct {
                        src: ConjSrc::Expr(t.clone(), env.clone()),
                        close: tail.close,
                        span: t.span,
                        via: tail.via.clone(),
                        info: None,
                    };
                    self.push_conjunct(a, c);
                }
            }
        }
    }

    pub(super) fn check_list(&mut self, v: VId) {
        let Some(info) = &self.v(v).list else { return };
        let conflict = info.conflict.or(match info.closed_len {
            Some(c) if info.max_len > c => Some((c, info.max_len)),
            _ => None,
        });
        if let Some((a, b)) = conflict {
            let (a, b) = (a.min(b), a.max(b));
            let spans = self.v(v).conjuncts.iter().map(|c| c.span).collect();
            let msg = format!("incompatible list lengths ({a} and {b})");
            self.set_err(v, bottom(ErrCode::Eval, msg, spans));
        }
    }
}

/// The closedness a list element gets: its list's group, both as the one
/// declaring its fields and the one collecting them; nothing else carries over.
fn element_ctx(cc: &CloseCtx) -> CloseCtx {
    CloseCtx {
        group: cc.group,
        target: cc.group,
        embedded: false,
        optional: false,
        explicit: false,
    }
}
