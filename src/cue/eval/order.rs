//! Field order for export, as CUE v0.12+ computes it.
//!
//! Every struct literal (or piece of data) that contributed to a vertex is an
//! *order source*: its fields, in declaration order, are a chain of "comes
//! before" edges. Sources are visited by position: a literal reached through
//! a reference sits where the reference is; any other literal sits at its
//! last field that made it into the vertex. Sources at the same position form
//! a batch (as do consecutive operands of `&`); each batch's first fields
//! follow the previous batch's last ones. A source that is not an operand of
//! `&` does not reorder fields an earlier source of the same file already
//! placed. The graph is then sorted topologically, breaking ties (and
//! cycles) lexicographically. So `{b: 1, a: 2} & {c: 3, a: 2}` exports
//! `b, c, a`, and `{name, image, if x {command}, ports}` exports `command`
//! first, as CUE does.

use super::Engine;
use crate::cue::ir::{Decl, Expr, ExprKind, StructLit};
use crate::cue::label::Label;
use crate::cue::value::VId;
use crate::source::Span;
use std::rc::Rc;

/// What contributed the fields.
#[derive(Clone, Debug)]
enum Kind {
    /// A struct literal.
    Lit(Rc<StructLit>),
    /// Constant data (a strict-JSON literal, an `ExprKind::ConstStruct` node).
    Const(Expr),
    /// An evaluated vertex shared in (data built from JSON or a builtin).
    Shared(VId),
}

/// A literal or data that contributed fields to a vertex.
#[derive(Clone, Debug)]
pub struct OrderSource {
    kind: Kind,
    via_ref: Option<Span>,
    span: Span,
    explicit: bool,
    /// Labels computed by dynamic fields: (declaration index, label).
    /// (Boxed: few literals have dynamic fields, and every vertex keeps its
    /// sources, so one word here beats a vector's three.)
    #[allow(clippy::box_collection)]
    dyn_labels: Option<Box<Vec<(usize, Label)>>>,
}

impl OrderSource {
    /// A struct literal (reached through `via_ref` if set).
    pub fn literal(
        lit: Rc<StructLit>,
        via_ref: Option<Span>,
        explicit: bool,
        span: Span,
    ) -> OrderSource {
        OrderSource {
            kind: Kind::Lit(lit),
            via_ref,
            span,
            explicit,
            dyn_labels: None,
        }
    }

    /// Constant data; `e` is its `ConstStruct` node.
    pub fn constant(e: Expr, pos: Span, explicit: bool) -> OrderSource {
        OrderSource {
            kind: Kind::Const(e),
            via_ref: Some(pos),
            span: pos,
            explicit,
            dyn_labels: None,
        }
    }

    /// An evaluated vertex shared in, its arcs in order.
    pub fn shared(w: VId, pos: Span, explicit: bool) -> OrderSource {
        OrderSource {
            kind: Kind::Shared(w),
            via_ref: Some(pos),
            span: pos,
            explicit,
            dyn_labels: None,
        }
    }

    /// Records the label a dynamic field of this literal produced.
    pub fn push_dyn(&mut self, decl: usize, label: Label) {
        self.dyn_labels.get_or_insert_default().push((decl, label));
    }

    fn dyns(&self) -> &[(usize, Label)] {
        self.dyn_labels.as_deref().map_or(&[], |d| d.as_slice())
    }

    fn has_dynamic(&self) -> bool {
        !self.dyns().is_empty()
    }

    /// Labels in declaration order (dynamic fields at their declaration).
    /// Inline for the usual small struct: export asks for them per struct.
    fn labels(&self, eng: &Engine) -> smallvec::SmallVec<[Label; 16]> {
        match &self.kind {
            Kind::Const(e) => match &e.kind {
                ExprKind::ConstStruct(fields) => fields.iter().map(|(l, _)| *l).collect(),
                _ => smallvec::SmallVec::new(),
            },
            Kind::Shared(w) => eng.v(*w).arcs.iter().map(|r| r.label).collect(),
            Kind::Lit(lit) => {
                let mut out = smallvec::SmallVec::new();
                for (i, d) in lit.decls.iter().enumerate() {
                    match d {
                        Decl::Field { label, .. } => out.push(*label),
                        Decl::DynField { .. } => {
                            out.extend(self.dyns().iter().filter(|(j, _)| *j == i).map(|(_, l)| *l))
                        }
                        _ => {}
                    }
                }
                out
            }
        }
    }

    /// Span of the declaration of `label` in this literal.
    fn decl_span(&self, label: Label) -> Option<Span> {
        let Kind::Lit(lit) = &self.kind else {
            return None;
        };
        for (i, d) in lit.decls.iter().enumerate() {
            match d {
                Decl::Field { label: l, span, .. } if *l == label => return Some(*span),
                Decl::DynField { span, .. }
                    if self.dyns().iter().any(|(j, l)| *j == i && *l == label) =>
                {
                    return Some(*span);
                }
                _ => {}
            }
        }
        None
    }
}

fn cmp_labels(a: &Label, b: &Label) -> std::cmp::Ordering {
    match (a, b) {
        (Label::Index(x), Label::Index(y)) => x.cmp(y),
        (Label::Index(_), _) => std::cmp::Ordering::Less,
        (_, Label::Index(_)) => std::cmp::Ordering::Greater,
        _ => a.key_text().cmp(&b.key_text()),
    }
}

/// The "comes before" graph over a struct's labels. Structs have few fields,
/// so nodes live in a vector and lookups are linear scans.
struct Graph {
    labels: Vec<Label>,
    out: Vec<Vec<usize>>,
    owner: Vec<Option<usize>>,
}

impl Graph {
    fn index(&self, l: Label) -> Option<usize> {
        self.labels.iter().position(|x| *x == l)
    }

    fn edge(&mut self, a: usize, b: usize) {
        if a != b && !self.out[a].contains(&b) {
            self.out[a].push(b);
        }
    }

    /// Tarjan's strongly connected components.
    fn sccs(&self) -> Vec<Vec<usize>> {
        let n = self.labels.len();
        let mut index = vec![usize::MAX; n];
        let mut low = vec![0; n];
        let mut on = vec![false; n];
        let mut stack = Vec::new();
        let mut out = Vec::new();
        let mut counter = 0;
        for root in 0..n {
            if index[root] != usize::MAX {
                continue;
            }
            // Iterative DFS: (node, next edge position).
            let mut work = vec![(root, 0usize)];
            index[root] = counter;
            low[root] = counter;
            counter += 1;
            stack.push(root);
            on[root] = true;
            while let Some(&mut (v, ref mut ei)) = work.last_mut() {
                if let Some(&w) = self.out[v].get(*ei) {
                    *ei += 1;
                    if index[w] == usize::MAX {
                        index[w] = counter;
                        low[w] = counter;
                        counter += 1;
                        stack.push(w);
                        on[w] = true;
                        work.push((w, 0));
                    } else if on[w] {
                        low[v] = low[v].min(index[w]);
                    }
                } else {
                    work.pop();
                    if let Some(&(p, _)) = work.last() {
                        low[p] = low[p].min(low[v]);
                    }
                    if low[v] == index[v] {
                        let mut comp = Vec::new();
                        while let Some(w) = stack.pop() {
                            on[w] = false;
                            comp.push(w);
                            if w == v {
                                break;
                            }
                        }
                        out.push(comp);
                    }
                }
            }
        }
        out
    }

    /// Topological order, lexicographic among ready components.
    fn sort(&self) -> Vec<Label> {
        let mut comps = self.sccs();
        for c in &mut comps {
            c.sort_by(|&a, &b| cmp_labels(&self.labels[a], &self.labels[b]));
        }
        let mut comp_of = vec![0; self.labels.len()];
        for (ci, c) in comps.iter().enumerate() {
            for &n in c {
                comp_of[n] = ci;
            }
        }
        let mut indeg = vec![0usize; comps.len()];
        let mut succ: Vec<Vec<usize>> = vec![Vec::new(); comps.len()];
        for (a, outs) in self.out.iter().enumerate() {
            for &b in outs {
                let (ca, cb) = (comp_of[a], comp_of[b]);
                if ca != cb && !succ[ca].contains(&cb) {
                    succ[ca].push(cb);
                    indeg[cb] += 1;
                }
            }
        }
        let cmp = |a: &usize, b: &usize| {
            let (ka, kb) = (&comps[*a], &comps[*b]);
            for (x, y) in ka.iter().zip(kb.iter()) {
                let o = cmp_labels(&self.labels[*x], &self.labels[*y]);
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
            ka.len().cmp(&kb.len())
        };
        let mut ready: Vec<usize> = (0..comps.len()).filter(|&c| indeg[c] == 0).collect();
        let mut out = Vec::with_capacity(self.labels.len());
        while !ready.is_empty() {
            // The smallest ready component goes next.
            let (pos, _) = ready
                .iter()
                .enumerate()
                .min_by(|(_, a), (_, b)| cmp(a, b))
                .expect("non-empty");
            let c = ready.swap_remove(pos);
            out.extend(comps[c].iter().map(|&n| self.labels[n]));
            for &s in &succ[c] {
                indeg[s] -= 1;
                if indeg[s] == 0 {
                    ready.push(s);
                }
            }
        }
        out
    }
}

impl Engine {
    /// The arcs of `v` in the order CUE exports them.
    pub(crate) fn field_order(&self, v: VId) -> Vec<VId> {
        let vx = self.v(v);
        let arcs = vx.arc_ids();
        let order: &[OrderSource] = &vx.order;
        if arcs.len() <= 1 || order.is_empty() || vx.list.is_some() {
            return arcs;
        }
        // Common case: one source declared every field, in insertion order.
        if order.len() == 1 {
            let labels = order[0].labels(self);
            if labels.len() == arcs.len()
                && arcs
                    .iter()
                    .zip(&labels)
                    .all(|(&a, l)| self.v(a).label == *l)
            {
                return arcs;
            }
        }
        let sources = order;
        let arc_labels: Vec<Label> = arcs.iter().map(|&a| self.v(a).label).collect();
        // Position of each source: its reference, else its last field present (in arc order).
        let mut metas: Vec<(usize, (u32, u32), bool)> = Vec::new();
        for (i, s) in sources.iter().enumerate() {
            let pos = match s.via_ref {
                Some(r) => r,
                None => arc_labels
                    .iter()
                    .rev()
                    .find_map(|l| s.decl_span(*l))
                    .unwrap_or(s.span),
            };
            metas.push((i, (pos.file.0, pos.start), s.has_dynamic()));
        }
        metas.sort_by(|a, b| a.1.cmp(&b.1).then(a.2.cmp(&b.2)));
        // Usual case: one chain (every source at its own position, none an operand
        // of `&`, no dynamic fields). The order is then each field where it first
        // appears, sources taken by position.
        if metas.windows(2).all(|w| w[0].1 != w[1].1)
            && metas.iter().all(|m| !m.2 && !sources[m.0].explicit)
        {
            let mut out: Vec<VId> = Vec::with_capacity(arcs.len());
            let mut placed = vec![false; arcs.len()];
            for (i, _, _) in &metas {
                for l in sources[*i].labels(self) {
                    if let Some(k) = arc_labels.iter().position(|x| *x == l)
                        && !placed[k]
                    {
                        placed[k] = true;
                        out.push(arcs[k]);
                    }
                }
            }
            if out.len() == arcs.len() {
                return out;
            }
        }
        // Batches: same position (no dynamic fields); consecutive explicit batches merge.
        let mut batches: Vec<Vec<usize>> = Vec::new();
        let mut cur: Vec<usize> = Vec::new();
        let mut cur_pos = None;
        let explicit =
            |b: &Vec<usize>| b.len() > 1 || b.first().is_some_and(|&i| sources[i].explicit);
        let push_batch = |batches: &mut Vec<Vec<usize>>, b: Vec<usize>| {
            if b.is_empty() {
                return;
            }
            if let Some(last) = batches.last_mut()
                && explicit(&b)
                && explicit(last)
            {
                last.extend(b);
                return;
            }
            batches.push(b);
        };
        for (i, pos, dynamic) in &metas {
            if cur.is_empty() || (cur_pos == Some(*pos) && !dynamic) {
                cur.push(*i);
            } else {
                push_batch(&mut batches, std::mem::take(&mut cur));
                cur.push(*i);
            }
            cur_pos = Some(*pos);
        }
        push_batch(&mut batches, cur);
        let n = arc_labels.len();
        let mut g = Graph {
            labels: arc_labels.clone(),
            out: vec![Vec::new(); n],
            owner: vec![None; n],
        };
        let mut previous: Vec<usize> = Vec::new();
        for batch in &batches {
            let is_explicit = explicit(batch);
            let mut next = Vec::new();
            for &si in batch {
                let s = &sources[si];
                let mut prev = previous.clone();
                for l in s.labels(self) {
                    let Some(n) = g.index(l) else { continue };
                    match g.owner[n] {
                        Some(o) if o == si => continue,
                        Some(_) if !is_explicit && !s.explicit => continue,
                        _ => {}
                    }
                    g.owner[n] = Some(si);
                    for &p in &prev {
                        g.edge(p, n);
                    }
                    prev = vec![n];
                }
                next.extend(prev);
            }
            previous = next;
        }
        let order = g.sort();
        order
            .into_iter()
            .filter_map(|l| arc_labels.iter().position(|x| *x == l).map(|i| arcs[i]))
            .collect()
    }
}
