//! Where an evaluated value came from: for each concrete leaf, the source
//! positions of the conjuncts that decided it (`velac explain`).
//!
//! Nothing here runs during evaluation: a vertex keeps its conjuncts (each
//! with its span, its expression and the scope it was written in), so the
//! question is answered afterwards from what the evaluator kept. A conjunct
//! decides a leaf when it is concrete: a literal, data (with the position
//! its reader recorded, see [`Engine::set_data_span`]), a reference to a
//! concrete value (followed to where that value came from, then the
//! reference itself), or a computed value (interpolation, arithmetic, a
//! call: the expression and the values it refers to). Types, bounds and
//! disjunctions only constrain, unless nothing concrete was given: then the
//! default that was chosen decided. References come before the expression
//! that refers to them, so the first position is where the value was
//! written, the last where the template placed it.

use super::{ConjSrc, Engine, Env};
use crate::cue::ast::BinOp;
use crate::cue::ir::{Expr, ExprKind, Part};
use crate::cue::label::Label;
use crate::cue::value::{VId, Value};
use crate::source::Span;
use std::rc::Rc;

/// One step of a leaf's path: a field or a list index.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    /// A regular field.
    Key(String),
    /// A list element.
    Index(usize),
}

/// How far references are followed (they cannot loop in an evaluated
/// value, but a bound keeps a pathological one cheap).
const MAX_HOPS: usize = 64;

/// What one conjunct says about a leaf.
enum Says {
    /// It gave the value.
    Concrete(Vec<Span>),
    /// A disjunction whose default was chosen (it decides only when nothing
    /// concrete was given).
    Default(Vec<Span>),
    /// A type, bound or other constraint.
    Constraint,
}

impl Engine {
    /// Records where data built into `v` (by [`Engine::add_json`]) was read
    /// from, so that leaves taken from it point at their own line. Only
    /// callers that explain values do this; evaluation never reads it.
    pub fn set_data_span(&mut self, v: VId, span: Span) {
        self.data_spans.insert(v, span);
    }

    /// Records where the key of the data field `v` was written (a
    /// comprehension's key variable points there).
    pub fn set_key_span(&mut self, v: VId, span: Span) {
        self.key_spans.insert(v, span);
    }

    /// The vertex data was injected into `field` as, once evaluated: the
    /// root of the data's own vertices (to give them positions).
    pub fn data_root(&mut self, field: VId) -> Option<VId> {
        let f = self.deref(field);
        self.v(f).conjuncts.iter().find_map(|c| match &c.src {
            ConjSrc::Value(Value::Vertex(w)) if self.v(*w).built => Some(*w),
            _ => None,
        })
    }

    /// The concrete leaves under `v` with their origins, in export order
    /// (regular fields and list elements; paths relative to `v`).
    pub fn leaf_origins(&mut self, v: VId) -> Vec<(Vec<Seg>, Vec<Span>)> {
        let mut out = Vec::new();
        self.walk(|e| e.leaves_into(v, &mut Vec::new(), &mut out, 0));
        out
    }

    fn leaves_into(
        &mut self,
        v: VId,
        path: &mut Vec<Seg>,
        out: &mut Vec<(Vec<Seg>, Vec<Span>)>,
        depth: usize,
    ) {
        let Ok(w) = self.resolve_vertex(v, Span::default()) else {
            return;
        };
        if depth > 200 || self.walk_enter(w).is_err() {
            return;
        }
        let vx = self.v(w);
        if vx.list.is_some() {
            let elems: Vec<(u32, VId)> = vx
                .arcs
                .iter()
                .filter_map(|a| match self.v(a.id).label {
                    Label::Index(i) => Some((i, a.id)),
                    _ => None,
                })
                .collect();
            for (i, a) in elems {
                path.push(Seg::Index(i as usize));
                self.leaves_into(a, path, out, depth + 1);
                path.pop();
            }
        } else if vx.is_struct {
            for (k, a) in self.regular_fields(w) {
                path.push(Seg::Key(k));
                self.leaves_into(a, path, out, depth + 1);
                path.pop();
            }
        } else {
            let spans = self.origins(v);
            out.push((path.clone(), spans));
        }
        self.walk_leave();
    }

    /// Where the value of `v` came from (never empty for a vertex with
    /// conjuncts or recorded data).
    pub fn origins(&mut self, v: VId) -> Vec<Span> {
        let mut out = Vec::new();
        self.origins_into(v, &mut out, 0);
        dedup(&mut out);
        out
    }

    fn origins_into(&mut self, v: VId, out: &mut Vec<Span>, hops: usize) {
        if hops > MAX_HOPS {
            return;
        }
        let w = self.deref(v);
        if let Some(s) = self.data_spans.get(&w).or_else(|| self.data_spans.get(&v)) {
            out.push(*s);
            return;
        }
        let conjuncts: Vec<(ConjSrc, Span)> = self
            .v(w)
            .conjuncts
            .iter()
            .chain(if w == v {
                [].iter()
            } else {
                self.v(v).conjuncts.iter()
            })
            .map(|c| (c.src.clone(), c.span))
            .collect();
        let mut concrete = Vec::new();
        let mut defaults = Vec::new();
        for (src, span) in &conjuncts {
            if let ConjSrc::Value(Value::Vertex(a)) = src
                && let Some(s) = self.copied_by_call(w, *a, hops)
            {
                concrete.extend(s);
                continue;
            }
            match self.part(src, *span, hops) {
                Says::Concrete(s) => concrete.extend(s),
                Says::Default(s) => defaults.extend(s),
                Says::Constraint => {}
            }
        }
        if !concrete.is_empty() {
            out.extend(concrete);
        } else if !defaults.is_empty() {
            out.extend(defaults);
        } else {
            // Nothing concrete on record (a value computed from constraints,
            // or shared data without a position): every declaration.
            out.extend(conjuncts.iter().map(|(_, s)| *s));
        }
    }

    fn part(&mut self, src: &ConjSrc, span: Span, hops: usize) -> Says {
        match src {
            ConjSrc::Value(Value::Vertex(a)) => {
                let mut s = Vec::new();
                self.origins_into(*a, &mut s, hops + 1);
                if s.is_empty() {
                    s.push(span);
                }
                Says::Concrete(s)
            }
            ConjSrc::Value(x) if x.is_atom() => Says::Concrete(vec![span]),
            ConjSrc::Value(_) => Says::Constraint,
            ConjSrc::Expr(e, env) => self.expr_part(e, env, hops),
        }
    }

    fn expr_part(&mut self, e: &Expr, env: &Rc<Env>, hops: usize) -> Says {
        match &e.kind {
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Num(_)
            | ExprKind::Str(_)
            | ExprKind::Bytes(_) => Says::Concrete(vec![e.span]),
            ExprKind::Ref(crate::cue::ir::Ref::Var { up, slot: 0 }) => {
                // A comprehension's key: where the key was written, when
                // the iterated value is data with positions.
                let field = super::expr::env_at(env, *up).and_then(|x| match &x.kind {
                    super::EnvKind::Vars([_, Value::Vertex(a)]) => Some(*a),
                    _ => None,
                });
                let key = field.and_then(|a| self.key_span(a, hops));
                Says::Concrete(key.into_iter().chain([e.span]).collect())
            }
            ExprKind::Ref(_) | ExprKind::Selector(..) | ExprKind::Index(..) => {
                match self.target(e, env) {
                    Value::Vertex(t) => {
                        let Ok(t) = self.resolve_vertex(t, e.span) else {
                            return Says::Constraint;
                        };
                        let vx = self.v(t);
                        let concrete = vx.value.is_atom()
                            || matches!(&vx.value, Value::Disj(d) if super::expr::default_of(d).is_some_and(|x| x.is_atom()));
                        if !concrete {
                            return Says::Constraint;
                        }
                        let mut s = Vec::new();
                        self.origins_into(t, &mut s, hops + 1);
                        s.push(e.span);
                        Says::Concrete(s)
                    }
                    x if x.is_atom() => Says::Concrete(vec![e.span]),
                    _ => Says::Constraint,
                }
            }
            ExprKind::Disj(items) => {
                let defaults: Vec<&Expr> =
                    items.iter().filter(|(_, d)| *d).map(|(x, _)| x).collect();
                match defaults.as_slice() {
                    [d] => match self.expr_part(d, env, hops) {
                        Says::Concrete(mut s) | Says::Default(mut s) => {
                            s.push(e.span);
                            Says::Default(s)
                        }
                        Says::Constraint => Says::Default(vec![d.span]),
                    },
                    _ => Says::Constraint,
                }
            }
            ExprKind::Interp(..)
            | ExprKind::Binary(..)
            | ExprKind::Call(..)
            | ExprKind::Slice(..) => {
                if matches!(&e.kind, ExprKind::Binary(BinOp::And | BinOp::Or, ..)) {
                    return Says::Constraint;
                }
                let mut s = Vec::new();
                self.refs_in(e, env, &mut s, hops);
                s.push(e.span);
                Says::Concrete(s)
            }
            _ => Says::Constraint,
        }
    }

    /// A leaf copied out of data that `list.Concat` made (templates build
    /// `env`, `ports` and `volumes` that way): the origins of the argument
    /// element it was copied from. `None` for anything else.
    fn copied_by_call(&mut self, leaf: VId, a: VId, hops: usize) -> Option<Vec<Span>> {
        if !self.v(a).built || self.data_spans.contains_key(&a) {
            return None;
        }
        // Where `a` lies in the data: labels from its root down.
        let mut rel = Vec::new();
        let mut r = a;
        while let Some(p) = self.v(r).parent {
            rel.push(self.v(r).label);
            r = p;
        }
        rel.reverse();
        if self.data_spans.contains_key(&r) {
            return None;
        }
        // The vertex that holds the data as its value, as many levels up.
        let mut holder = leaf;
        for _ in 0..rel.len() {
            holder = self.v(holder).parent?;
        }
        let Some(Label::Index(mut i)) = rel.first().copied() else {
            return None;
        };
        let call = self.v(holder).conjuncts.iter().find_map(|c| match &c.src {
            ConjSrc::Expr(e, env) => match &e.kind {
                ExprKind::Call(f, args)
                    if args.len() == 1
                        && matches!(&f.kind, ExprKind::PkgMember(p, n) if &**p == "list" && &**n == "Concat") =>
                {
                    Some((args[0].clone(), env.clone()))
                }
                _ => None,
            },
            _ => None,
        })?;
        let Value::Vertex(lists) = self.target(&call.0, &call.1) else {
            return None;
        };
        let lists = self.resolve_vertex(lists, call.0.span).ok()?;
        let mut elem = None;
        for k in self.v(lists).arc_ids() {
            let list = self.resolve_vertex(k, call.0.span).ok()?;
            let n = self.v(list).arcs.len() as u32;
            if i < n {
                elem = self.lookup_arc(list, Label::Index(i));
                break;
            }
            i -= n;
        }
        let mut x = elem?;
        for l in &rel[1..] {
            let y = self.resolve_vertex(x, call.0.span).ok()?;
            x = self.lookup_arc(y, *l)?;
        }
        let mut out = Vec::new();
        self.origins_into(x, &mut out, hops + 1);
        (!out.is_empty()).then_some(out)
    }

    /// Where the key of field `a` was written: recorded for data, else
    /// found through what the field was unified with.
    fn key_span(&mut self, a: VId, hops: usize) -> Option<Span> {
        if hops > MAX_HOPS {
            return None;
        }
        if let Some(s) = self.key_spans.get(&a) {
            return Some(*s);
        }
        let srcs: Vec<ConjSrc> = self.v(a).conjuncts.iter().map(|c| c.src.clone()).collect();
        srcs.into_iter().find_map(|src| match src {
            ConjSrc::Value(Value::Vertex(b)) => self.key_span(b, hops + 1),
            ConjSrc::Expr(e, env)
                if matches!(
                    e.kind,
                    ExprKind::Ref(_) | ExprKind::Selector(..) | ExprKind::Index(..)
                ) =>
            {
                match self.target(&e, &env) {
                    Value::Vertex(b) if b != a => self.key_span(b, hops + 1),
                    _ => None,
                }
            }
            _ => None,
        })
    }

    /// What a reference, selection or index leads to: the vertex itself
    /// where there is one (evaluating it would give a scalar's value, and
    /// lose where it came from).
    fn target(&mut self, e: &Expr, env: &Rc<Env>) -> Value {
        let (base, label) = match &e.kind {
            ExprKind::Selector(x, label) => (self.target(x, env), Some(*label)),
            ExprKind::Index(x, i) => {
                let base = self.target(x, env);
                match self.eval(i, env) {
                    Value::Num(n) => match n.to_i64().and_then(|i| u32::try_from(i).ok()) {
                        Some(i) => (base, Some(Label::Index(i))),
                        None => return self.eval(e, env),
                    },
                    Value::Str(s) => (base, Some(Label::string(&s))),
                    _ => return self.eval(e, env),
                }
            }
            _ => return self.eval(e, env),
        };
        match (base, label) {
            (Value::Vertex(w), Some(l)) => {
                let Ok(w) = self.resolve_vertex(w, e.span) else {
                    return self.eval(e, env);
                };
                match self.lookup_arc(w, l) {
                    Some(a) => Value::Vertex(a),
                    None => self.eval(e, env),
                }
            }
            _ => self.eval(e, env),
        }
    }

    /// The origins of the values an expression refers to.
    fn refs_in(&mut self, e: &Expr, env: &Rc<Env>, out: &mut Vec<Span>, hops: usize) {
        match &e.kind {
            ExprKind::Ref(_) | ExprKind::Selector(..) | ExprKind::Index(..) => {
                if let Value::Vertex(t) = self.target(e, env) {
                    self.origins_into(t, out, hops + 1);
                }
            }
            ExprKind::Interp(parts, _) => {
                for p in parts.iter() {
                    if let Part::Expr(x) = p {
                        self.refs_in(x, env, out, hops);
                    }
                }
            }
            ExprKind::Binary(_, a, b) => {
                self.refs_in(a, env, out, hops);
                self.refs_in(b, env, out, hops);
            }
            ExprKind::Unary(_, a) => self.refs_in(a, env, out, hops),
            ExprKind::Call(_, args) => {
                for a in args {
                    self.refs_in(a, env, out, hops);
                }
            }
            _ => {}
        }
    }
}

fn dedup(v: &mut Vec<Span>) {
    let mut seen = std::collections::HashSet::new();
    v.retain(|s| seen.insert(*s));
}

#[cfg(test)]
mod tests {
    use crate::cue::Evaluation;

    /// `line:col` of each origin of the leaf at `path`.
    fn at(src: &str, path: &str) -> Vec<String> {
        let mut ev = Evaluation::from_source("t.cue", src).unwrap();
        let v = ev.lookup(path).unwrap();
        let spans = ev.engine.origins(v);
        spans
            .iter()
            .map(|s| {
                let p = ev.sources.position(*s);
                format!("{}:{}", p.line, p.col)
            })
            .collect()
    }

    #[test]
    fn literals_references_defaults_and_computed_values() {
        // A literal: its own line.
        assert_eq!(at("a: 1\n", "a"), ["1:4"]);
        // A reference: where the value was written, then the reference.
        let src = "p: {x: 3}\nout: {r: p.x}\n";
        assert_eq!(at(src, "out.r"), ["1:8", "2:10"]);
        // A default decides only when nothing concrete is given.
        let src = "p: {x: *2 | int}\nout: r: p.x\n";
        assert_eq!(at(src, "out.r"), ["1:9", "1:8", "2:9"]);
        let src = "p: {x: *2 | int}\np: x: 5\nout: r: p.x\n";
        assert_eq!(at(src, "out.r"), ["2:7", "3:9"]);
        // Types and bounds only constrain.
        assert_eq!(at("a: int & >=1\na: 4\n", "a"), ["2:4"]);
        // Computed: the values it reads, then the expression.
        let src = "n: \"web\"\nk: 2\nname: \"\\(n)-svc\"\ntwice: k * 2\n";
        assert_eq!(at(src, "name"), ["1:4", "3:7"]);
        assert_eq!(at(src, "twice"), ["2:4", "4:8"]);
        // Comprehension variables lead back to the list they range over.
        let src = "l: [\"a\", \"b\"]\nout: {for i, x in l {\"f\\(i)\": x}}\n";
        assert_eq!(at(src, "out.f1"), ["1:10", "2:31"]);
    }

    #[test]
    fn data_points_at_the_position_its_reader_recorded() {
        let mut ev = Evaluation::from_source(
            "t.cue",
            "parameter: {replicas: *1 | int, image: string}\nout: {n: parameter.replicas, i: parameter.image}\n",
        )
        .unwrap();
        let span = crate::source::Span::new(crate::source::FileId(0), 0, 0);
        let data = serde_json::json!({"replicas": 3, "image": "nginx"});
        crate::cue::inject_json(&mut ev.engine, ev.root, "parameter", &data, span);
        let p = ev
            .engine
            .lookup_field(ev.root, crate::cue::label::Label::from_ident("parameter"))
            .unwrap();
        let root = ev.engine.data_root(p).unwrap();
        let (_, r) = ev
            .engine
            .regular_fields(root)
            .into_iter()
            .find(|(k, _)| k == "replicas")
            .unwrap();
        let where_ = crate::source::Span::new(crate::source::FileId(0), 47, 48);
        ev.engine.set_data_span(r, where_);
        let out = ev.lookup("out").unwrap();
        let leaves = ev.engine.leaf_origins(out);
        assert_eq!(leaves.len(), 2);
        assert_eq!(leaves[0].0, vec![super::Seg::Key("n".into())]);
        assert_eq!(leaves[0].1[0], where_);
        // Data without a recorded position: where it was injected.
        assert_eq!(leaves[1].1[0], span);
    }
}
