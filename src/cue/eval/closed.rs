//! Closedness: which fields a closed struct allows.
//!
//! Every closed context (a referenced definition, a `close()` call) gets a
//! group id. Conjuncts carry the group of the context they come from (see
//! [`CloseCtx`]). At each vertex a group collects *sources* of allowed labels:
//! the labels, patterns and `...` of its struct literals, and *delegates*
//! (another group whose labels count too, which is how embedding works). A
//! group reached by a non-embedded conjunct is *required*: every regular
//! field of the vertex must be allowed by every required group. So
//! `#A & #B` intersects (two required groups), `{#A, b: 1}` unions (the
//! literal's group delegates to `#A`'s), and a definition's own literals,
//! however many, union within its one group.

use super::{CloseCtx, Engine, Gid};
use crate::cue::ir::{Decl, StructLit};
use crate::cue::label::Label;
use crate::cue::value::{ErrCode, VId, Value};
use std::rc::Rc;

/// A source of allowed labels for a group.
#[derive(Clone, Debug)]
pub enum Source {
    /// The static labels, patterns and ellipsis of a literal.
    Lit(Rc<StructLit>),
    /// One label (a dynamic field).
    Label(Label),
    /// A pattern constraint.
    Pattern(Value),
    /// Anything (`...`).
    All,
}

/// Per-vertex closedness state.
#[derive(Clone, Debug, Default)]
pub struct CloseState {
    /// Groups every field must satisfy.
    pub required: Vec<Gid>,
    /// Allowed-label sources per group.
    pub sources: Vec<(Gid, Source)>,
}

impl Engine {
    fn close_state(&mut self, v: VId) -> &mut CloseState {
        self.vm(v).closed.get_or_insert_with(Default::default)
    }

    /// Marks `g` as required at `v`.
    pub(crate) fn require(&mut self, v: VId, g: Gid) {
        let st = self.close_state(v);
        if !st.required.contains(&g) {
            st.required.push(g);
        }
    }

    /// Adds an allowed-label source to group `g` at `v`.
    pub(crate) fn add_source(&mut self, v: VId, g: Gid, s: Source) {
        self.close_state(v).sources.push((g, s));
    }

    /// Records that a struct literal of a closed group was unified into `v`.
    pub(crate) fn note_close(&mut self, v: VId, cc: &CloseCtx) {
        if let (Some(g), false) = (cc.group, cc.embedded) {
            self.require(v, g);
        }
    }

    /// The context for the conjuncts a reference to `w` copies into a vertex
    /// reached with `cc`: definitions (and anything already closed) open a group.
    pub(crate) fn ref_close(
        &mut self,
        v: VId,
        cc: &CloseCtx,
        own: &CloseCtx,
        closing: Option<Gid>,
    ) -> CloseCtx {
        let inner = own.group.or(closing);
        match inner {
            Some(g) => {
                if let Some(t) = cc.target {
                    if t != g {
                        self.delegate(t, g);
                        if cc.embedded {
                            // Embedding disregards the embedded struct's closedness for
                            // the fields the embedding literal declares, at every depth.
                            self.delegate(g, t);
                        }
                    }
                    if cc.embedded {
                        self.require(v, t);
                    }
                }
                CloseCtx {
                    group: Some(g),
                    target: Some(g),
                    embedded: cc.embedded,
                    optional: cc.optional,
                    explicit: cc.explicit,
                }
            }
            None => *cc,
        }
    }

    fn allowed(
        &self,
        v: VId,
        g: Gid,
        label: Label,
        seen: &mut smallvec::SmallVec<[Gid; 8]>,
    ) -> bool {
        if seen.contains(&g) {
            return false;
        }
        seen.push(g);
        let Some(st) = &self.v(v).closed else {
            return true;
        };
        for (gid, src) in &st.sources {
            if *gid != g {
                continue;
            }
            let ok = match src {
                Source::All => true,
                Source::Label(l) => *l == label,
                Source::Pattern(m) => self.pattern_matches(m, label),
                Source::Lit(lit) => lit.decls.iter().any(|d| match d {
                    Decl::Field { label: l, .. } => *l == label,
                    Decl::Ellipsis(..) => true,
                    _ => false,
                }),
            };
            if ok {
                return true;
            }
        }
        let Some(delegates) = self.delegates.get(&g) else {
            return false;
        };
        delegates.iter().any(|&d| self.allowed(v, d, label, seen))
    }

    /// Group `from` allows whatever group `to` allows, at every vertex.
    pub(crate) fn delegate(&mut self, from: Gid, to: Gid) {
        let ds = self.delegates.entry(from).or_default();
        if !ds.contains(&to) {
            ds.push(to);
        }
    }

    /// Marks fields that a closed struct does not allow.
    pub(crate) fn check_closed(&mut self, v: VId) {
        let Some(st) = &self.v(v).closed else { return };
        if st.required.is_empty() {
            return;
        }
        let required = st.required.clone();
        let arcs = self.v(v).arc_ids();
        for a in arcs {
            let label = self.v(a).label;
            if !matches!(label, Label::Str(_)) {
                continue;
            }
            let ok = required
                .iter()
                .all(|&g| self.allowed(v, g, label, &mut smallvec::SmallVec::new()));
            if !ok {
                let mut spans: Vec<_> = self.v(a).conjuncts.iter().map(|c| c.span).collect();
                spans.sort();
                spans.dedup();
                let b = super::bottom(ErrCode::Eval, "field not allowed", spans);
                self.set_err(a, b);
            }
        }
    }
}
