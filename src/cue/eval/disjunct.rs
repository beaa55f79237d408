//! Disjunctions and defaults.
//!
//! Alternatives are flattened with the spec's default rules (a marked
//! disjunction keeps the marks of marked terms and drops those of unmarked
//! ones; an unmarked one keeps inner marks). Scalar-only disjunctions are
//! resolved on values directly. Otherwise each alternative of the first
//! disjunction gets a *branch*: a clone of the vertex with that choice fixed,
//! which re-processes all conjuncts and resolves the remaining disjunctions
//! itself, so the cross product is explored depth first and pruned as soon
//! as a branch fails. Failed branches are dropped, equal ones merged; one
//! survivor replaces the vertex, several make an ambiguous value whose
//! default (if unique) is used where a concrete value is needed.

use super::merge::{Merged, same_scalar};
use super::{CloseCtx, ConjSrc, Conjunct, Engine, Env, PendingDisj, Status, bottom};
use crate::cue::ir::{Expr, ExprKind};
use crate::cue::value::{Disj, ErrCode, VId, Value, meet};
use crate::source::Span;
use std::rc::Rc;

impl Engine {
    pub(crate) fn add_disj(
        &mut self,
        v: VId,
        e: &Expr,
        items: &[(Expr, bool)],
        env: &Rc<Env>,
        cc: CloseCtx,
        span: Span,
    ) {
        if let Some(d) = self.const_disj(e, items, env) {
            self.meet_value(v, d, span);
            return;
        }
        // The same disjunction (same expression, equivalent environment) unified
        // twice is unified once: `D & D` is `D`.
        let key = Rc::as_ptr(e) as usize;
        let seen = self.v(v).ext().and_then(|x| {
            x.disj_keys
                .iter()
                .find(|(k, en, _)| *k == key && Env::equivalent(en, env))
                .map(|(_, _, seq)| *seq)
        });
        if let Some(seq) = seen {
            if let Some(&j) = self.v(v).choices.as_ref().and_then(|c| c.get(seq)) {
                let (alts, _) = self.flatten_disj(items, env);
                if let Some((src, _)) = alts.into_iter().nth(j) {
                    self.process_src(v, src, cc, span);
                }
            }
            return;
        }
        let (alts, has_default) = self.flatten_disj(items, env);
        let origin = Some((e.clone(), env.clone()));
        if let Some(seq) = self.push_disj(v, alts, has_default, origin, cc, span) {
            self.vm(v).ext_mut().disj_keys.push((key, env.clone(), seq));
        }
    }

    /// Records a disjunction at `v`, or applies the fixed choice of a branch.
    /// Returns its sequence number when it takes part in branching (scalar
    /// disjunctions are met into the value and have none).
    pub(crate) fn push_disj(
        &mut self,
        v: VId,
        alts: Vec<(ConjSrc, bool)>,
        has_default: bool,
        origin: Option<(Expr, Rc<Env>)>,
        cc: CloseCtx,
        span: Span,
    ) -> Option<usize> {
        let alts: Vec<(ConjSrc, bool)> = alts
            .into_iter()
            .filter(|(a, _)| !matches!(a, ConjSrc::Value(Value::Bottom(_))))
            .collect();
        if alts.is_empty() {
            self.set_err(v, bottom(ErrCode::Eval, "empty disjunction", vec![span]));
            return None;
        }
        if alts.len() == 1 {
            let (src, _) = alts.into_iter().next().expect("one alternative");
            self.process_src(v, src, cc, span);
            return None;
        }
        // Scalar alternatives meet into the value directly: defaults and
        // elimination work on values, no branch is needed.
        let scalar = alts.iter().all(|(a, _)| match a {
            ConjSrc::Value(x) => is_scalar(x),
            ConjSrc::Expr(..) => false,
        });
        if scalar {
            let d = scalar_disj(alts, has_default);
            self.meet_value(v, d, span);
            return None;
        }
        let seq = self.v(v).ext().map_or(0, |x| x.disj_seen);
        self.vm(v).ext_mut().disj_seen += 1;
        if let Some(ch) = self.v(v).choices.clone()
            && let Some(&j) = ch.get(seq)
        {
            let src = alts[j.min(alts.len() - 1)].0.clone();
            self.vm(v).ext_mut().last_fixed = origin.map(|(e, en)| (seq, e, en));
            self.process_src(v, src, cc, span);
            return Some(seq);
        }
        self.vm(v).ext_mut().disjs.push(PendingDisj {
            alts,
            has_default,
            origin,
            close: cc,
            span,
        });
        Some(seq)
    }

    fn process_src(&mut self, v: VId, src: ConjSrc, cc: CloseCtx, span: Span) {
        match src {
            ConjSrc::Expr(e, env) => self.add_expr(v, &e, &env, cc, span),
            ConjSrc::Value(val) => self.add_value(v, val, cc, span),
        }
    }

    /// The value of a disjunction of constants (`*"TCP" | "UDP"`, `*true | bool`),
    /// computed once per expression: a template instantiated a thousand times
    /// would otherwise rebuild the same value a thousand times. `None` for any
    /// other disjunction.
    fn const_disj(&mut self, e: &Expr, items: &[(Expr, bool)], env: &Rc<Env>) -> Option<Value> {
        let key = Rc::as_ptr(e) as usize;
        if let Some((_, d)) = self.const_disjs.get(&key) {
            return d.clone();
        }
        let d = if items.iter().all(|(x, _)| is_constant(x)) {
            let (alts, has_default) = self.flatten_disj(items, env);
            let alts: Vec<_> = alts
                .into_iter()
                .filter(|(a, _)| !matches!(a, ConjSrc::Value(Value::Bottom(_))))
                .collect();
            (alts.len() > 1
                && alts
                    .iter()
                    .all(|(a, _)| matches!(a, ConjSrc::Value(x) if is_scalar(x))))
            .then(|| scalar_disj(alts, has_default))
        } else {
            None
        };
        // The entry holds the expression, so its address is not reused.
        self.const_disjs.insert(key, (e.clone(), d.clone()));
        d
    }

    /// Flattens disjunction terms into alternatives with default marks.
    fn flatten_disj(
        &mut self,
        items: &[(Expr, bool)],
        env: &Rc<Env>,
    ) -> (Vec<(ConjSrc, bool)>, bool) {
        let marked = items.iter().any(|(_, m)| *m);
        let mut out = Vec::new();
        let mut inner_default = false;
        for (e, m) in items {
            let (sub, sub_hd): (Vec<(ConjSrc, bool)>, bool) = match &e.kind {
                ExprKind::Disj(inner) if inner.len() > 1 => self.flatten_disj(inner, env),
                _ => match self.alt_scalar(e, env) {
                    Some(Value::Disj(d)) => {
                        let hd = d.marked;
                        (
                            d.items
                                .iter()
                                .map(|(x, f)| (ConjSrc::Value(x.clone()), *f))
                                .collect(),
                            hd,
                        )
                    }
                    Some(val) => (vec![(ConjSrc::Value(val), false)], false),
                    None => (vec![(ConjSrc::Expr(e.clone(), env.clone()), false)], false),
                },
            };
            for (src, f) in sub {
                let flag = if marked {
                    *m && (!sub_hd || f)
                } else {
                    inner_default |= sub_hd;
                    f
                };
                out.push((src, flag));
            }
        }
        (out, marked || inner_default)
    }

    /// The value of an alternative when it is a scalar (so it can be resolved without a branch).
    fn alt_scalar(&mut self, e: &Expr, env: &Rc<Env>) -> Option<Value> {
        match &e.kind {
            ExprKind::Struct(_) | ExprKind::List(_) => None,
            ExprKind::Binary(crate::cue::ast::BinOp::And, ..) => None,
            ExprKind::Call(..) => None,
            _ => {
                let val = self.eval(e, env);
                self.scalar_of(val)
            }
        }
    }

    /// A value's scalar content, or `None` for structs and lists.
    pub(crate) fn scalar_of(&mut self, val: Value) -> Option<Value> {
        match val {
            Value::Vertex(w) => {
                if self.v(w).status == Status::Expanding {
                    return None;
                }
                self.expand(w);
                let w = self.deref(w);
                let vx = self.v(w);
                if vx.is_struct || vx.list.is_some() || !vx.arcs.is_empty() {
                    return None;
                }
                if let Some(e) = &vx.err {
                    return Some(Value::Bottom(e.clone()));
                }
                match &vx.value {
                    Value::Disj(d)
                        if d.items.iter().any(|(x, _)| matches!(x, Value::Vertex(_))) =>
                    {
                        None
                    }
                    other => Some(other.clone()),
                }
            }
            Value::Disj(d) if d.items.iter().any(|(x, _)| matches!(x, Value::Vertex(_))) => None,
            other => Some(other),
        }
    }

    /// Resolves the disjunctions collected while expanding `v`.
    pub(crate) fn resolve_disjunctions(&mut self, v: VId) {
        let disjs = match self.vm(v).ext.as_mut() {
            Some(x) => std::mem::take(&mut x.disjs),
            None => return,
        };
        if self.v(v).err.as_ref().is_some_and(|e| !e.is_incomplete()) || self.v(v).value.is_bottom()
        {
            return;
        }
        if self.try_scalar_disjunctions(v, &disjs) {
            return;
        }
        // Branching on the first disjunction expands every branch, which resolves the
        // rest inside it: a tree as wide as the product of the alternatives. Unification
        // only adds, so a conflict already present below `v` dooms every branch; finding
        // it here prunes the tree to the consistent choices (linear for CUE's
        // `l: [1] | [2]` repeated n times, instead of 2^n).
        if disjs.len() > 1 {
            // Patterns (`[string]: 1`) are otherwise applied after the disjunctions.
            self.apply_patterns(v);
            if let Some(e) = self.deep_error(v) {
                self.set_err(v, e);
                return;
            }
        }
        let first = &disjs[0];
        let mut base = self.v(v).choices.as_deref().cloned().unwrap_or_default();
        // Choices index disjunctions in encounter order; pad for any resolved inline.
        let first_seq = self.v(v).ext().map_or(0, |x| x.disj_seen) - disjs.len();
        base.resize(first_seq, 0);
        let from = self.symmetric_start(v, first, first_seq, &base);
        let mut results = Merged::default();
        let mut has_default = first.has_default;
        let mut errors: Vec<Rc<crate::cue::value::Bottom>> = Vec::new();
        for (j, (_, flag)) in first.alts.iter().enumerate().skip(from) {
            let mut choices = base.clone();
            choices.push(j);
            let (parent, label) = (self.v(v).parent, self.v(v).label);
            let b = self.alloc(parent, label);
            self.branches += 1;
            {
                let (conj, at) = (self.v(v).conjuncts.clone(), self.v(v).arc_type);
                let infos = self
                    .v(v)
                    .ext()
                    .map(|x| x.ref_infos.clone())
                    .unwrap_or_default();
                let bx = self.vm(b);
                bx.conjuncts = conj;
                bx.arc_type = at;
                if !infos.is_empty() {
                    bx.ext_mut().ref_infos = infos;
                }
                bx.choices = Some(Rc::new(choices));
                bx.patterns_applied = u32::MAX;
            }
            self.expand(b);
            let b = self.deref(b);
            let outer = *flag || !first.has_default;
            let items: Vec<(Value, bool, bool)> = match &self.v(b).value {
                Value::Disj(d) if self.v(b).forward.is_none() => {
                    let hd = d.marked;
                    d.items.iter().map(|(x, f)| (x.clone(), *f, hd)).collect()
                }
                _ => vec![(Value::Vertex(b), true, false)],
            };
            for (item, f, hd) in items {
                has_default |= hd;
                if let Some(e) = self.branch_error(&item) {
                    errors.push(e);
                    continue;
                }
                let flag = outer && (f || !hd);
                self.merge_alt(&mut results, item, flag);
            }
        }
        self.settle(v, results.items, has_default, errors, first.span);
    }

    /// The first alternative worth a branch. When the disjunction just
    /// fixed is this one pasted again (`x: (A|B) & (A|B) & …`), choosing
    /// (B, A) gives what (A, B) gave, since unification is commutative: only
    /// choices in non-decreasing order are tried, so n copies of a k-way
    /// disjunction cost the multisets of size n (polynomial), not k^n, and
    /// find the same values.
    fn symmetric_start(&self, v: VId, first: &PendingDisj, seq: usize, base: &[usize]) -> usize {
        let vx = self.v(v);
        let fixed = vx.choices.as_ref().map_or(0, |c| c.len());
        let Some((prev, e, env)) = vx.ext().and_then(|x| x.last_fixed.as_ref()) else {
            return 0;
        };
        let Some((g, genv)) = &first.origin else {
            return 0;
        };
        let same = (Rc::ptr_eq(e, g) || e.same_as(g)) && Env::alike(env, genv);
        if seq == 0 || fixed != seq || *prev != seq - 1 || !same {
            return 0;
        }
        base[seq - 1]
    }

    /// Stores the outcome of a disjunction in `v`.
    fn settle(
        &mut self,
        v: VId,
        results: Vec<(Value, bool)>,
        has_default: bool,
        errors: Vec<Rc<crate::cue::value::Bottom>>,
        span: Span,
    ) {
        // The branches replace whatever the container built before branching.
        {
            let vx = self.vm(v);
            vx.is_struct = false;
            vx.list = None;
            vx.arcs.clear();
            if let Some(x) = vx.ext.as_mut() {
                x.patterns.clear();
                x.comps.clear();
            }
            vx.closed = None;
            vx.value = Value::Top;
        }
        match results.len() {
            0 => {
                let b = if errors.len() == 1 {
                    errors[0].clone()
                } else {
                    let mut spans: Vec<Span> = errors
                        .iter()
                        .flat_map(|e| e.spans.iter().copied())
                        .collect();
                    spans.push(span);
                    spans.sort();
                    spans.dedup();
                    let msgs: Vec<String> = errors.iter().map(|e| e.msg.clone()).collect();
                    let msg = format!(
                        "{} errors in empty disjunction: {}",
                        errors.len(),
                        msgs.join("; ")
                    );
                    let code = if errors.iter().all(|e| e.is_incomplete()) {
                        ErrCode::Incomplete
                    } else {
                        ErrCode::Eval
                    };
                    bottom(code, msg, spans)
                };
                self.set_err(v, b);
            }
            1 => match results.into_iter().next().expect("one result").0 {
                Value::Vertex(b) => self.vm(v).forward = Some(b),
                val => self.vm(v).value = val,
            },
            _ => {
                let has_default = has_default && results.iter().any(|(_, f)| *f);
                let items = results
                    .into_iter()
                    .map(|(x, f)| (x, f && has_default))
                    .collect();
                // Marked only when some alternative is a default: a branch
                // whose own disjunction left several values, none a default,
                // must not make the single values of other branches look
                // like defaults (`({a:1} | {b:1}) & ({a:1} | {b:2})` has
                // three values and no default).
                self.vm(v).value = Value::Disj(Rc::new(Disj {
                    items,
                    marked: has_default,
                }));
            }
        }
    }

    /// Scalar fast path; false when some alternative is a struct or list.
    fn try_scalar_disjunctions(&mut self, v: VId, disjs: &[PendingDisj]) -> bool {
        {
            let vx = self.v(v);
            if vx.is_struct || vx.list.is_some() || !vx.arcs.is_empty() || vx.has_comps() {
                return false;
            }
        }
        let mut sets: Vec<(Vec<(Value, bool)>, bool)> = Vec::new();
        for d in disjs {
            let mut alts = Vec::new();
            for (src, f) in &d.alts {
                let val = match src {
                    ConjSrc::Value(x) => self.scalar_of(x.clone()),
                    ConjSrc::Expr(e, env) => self.alt_scalar(e, env),
                };
                match val {
                    Some(Value::Disj(inner)) => {
                        for (x, g) in &inner.items {
                            alts.push((x.clone(), *f && (*g || !inner.marked)));
                        }
                    }
                    Some(x) => alts.push((x, *f)),
                    None => return false,
                }
            }
            sets.push((alts, d.has_default));
        }
        let mut acc: Vec<(Value, bool)> = vec![(self.v(v).value.clone(), true)];
        let mut acc_hd = false;
        let mut last_err = None;
        for (alts, hd) in sets {
            let mut next: Vec<(Value, bool)> = Vec::new();
            for (a, fa) in &acc {
                for (b, fb) in &alts {
                    let m = meet(a, b);
                    if let Value::Bottom(e) = &m {
                        last_err = Some(e.clone());
                        continue;
                    }
                    let flag = (*fa || !acc_hd) && (*fb || !hd);
                    match next.iter().position(|(x, _)| same_scalar(x, &m)) {
                        Some(p) => next[p].1 |= flag,
                        None => next.push((m, flag)),
                    }
                }
            }
            acc = next;
            acc_hd |= hd;
            if acc.is_empty() {
                break;
            }
        }
        let span = disjs[0].span;
        match acc.len() {
            0 => {
                let b = last_err
                    .unwrap_or_else(|| bottom(ErrCode::Eval, "empty disjunction", vec![span]));
                let mut b = (*b).clone();
                b.spans.push(span);
                self.vm(v).value = Value::Bottom(Rc::new(b));
            }
            1 => self.vm(v).value = acc.pop().expect("one value").0,
            _ => {
                let hd = acc_hd && acc.iter().any(|(_, f)| *f);
                let items = acc.into_iter().map(|(x, f)| (x, f && hd)).collect();
                self.vm(v).value = Value::Disj(Rc::new(Disj {
                    items,
                    marked: true,
                }));
            }
        }
        true
    }

    /// The first real (non-incomplete) error anywhere in a branch.
    fn branch_error(&mut self, item: &Value) -> Option<Rc<crate::cue::value::Bottom>> {
        match item {
            Value::Bottom(b) => Some(b.clone()),
            Value::Vertex(b) => {
                // A branch that failed at its top (even as merely incomplete, like a
                // reference to an absent optional field) is dropped; below the top
                // only real errors count.
                if let Some(e) = self.vertex_error(*b) {
                    return Some(e);
                }
                self.deep_error(*b)
            }
            _ => None,
        }
    }
}

impl Conjunct {
    /// A conjunct holding a value.
    pub fn value(v: Value, span: Span) -> Conjunct {
        Conjunct {
            src: ConjSrc::Value(v),
            close: CloseCtx::default(),
            span,
            via: None,
            info: None,
        }
    }
}

/// True for literal constants and basic types, and disjunctions of them.
fn is_constant(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Null
        | ExprKind::Bool(_)
        | ExprKind::Num(_)
        | ExprKind::Str(_)
        | ExprKind::Bytes(_)
        | ExprKind::Type(_) => true,
        ExprKind::Disj(items) => items.iter().all(|(x, _)| is_constant(x)),
        _ => false,
    }
}

/// A value that a scalar disjunction may hold as an alternative.
fn is_scalar(x: &Value) -> bool {
    !matches!(x, Value::Vertex(_) | Value::Func(_))
        && !matches!(x, Value::Disj(d) if d.items.iter().any(|(i, _)| matches!(i, Value::Vertex(_))))
}

/// The disjunction value of scalar alternatives.
fn scalar_disj(alts: Vec<(ConjSrc, bool)>, has_default: bool) -> Value {
    let mut items = Vec::with_capacity(alts.len());
    for (a, f) in alts {
        let ConjSrc::Value(x) = a else { continue };
        match x {
            // A nested disjunction keeps its own marks under a marked term
            // and loses them under an unmarked one (spec M2/M3).
            Value::Disj(inner) => {
                for (i, g) in &inner.items {
                    items.push((
                        i.clone(),
                        if has_default {
                            f && (*g || !inner.marked)
                        } else {
                            *g
                        },
                    ));
                }
            }
            other => items.push((other, f)),
        }
    }
    crate::cue::value::disj_value(items, has_default)
}
