//! Arcs and patterns: finding and creating a vertex's fields (with an
//! index for large structs), applying pattern constraints (`[string]: T`)
//! to the fields they match, and the comprehensions left pending until the
//! fields they read exist.

use super::{ConjSrc, Conjunct, Engine, Env, EnvKind, Pattern, PendingKind};
use crate::cue::label::Label;
use crate::cue::value::{VId, Value, meet};
use std::rc::Rc;

/// Structs with more arcs than this look labels up in an index.
const ARC_INDEX_MIN: usize = 32;

impl Engine {
    /// The arc `label` of `v`, created if missing.
    pub(crate) fn get_or_create_arc(&mut self, v: VId, label: Label) -> VId {
        if let Some(a) = self.find_arc(v, label) {
            return a;
        }
        let a = self.alloc(Some(v), label);
        self.vm(v).arcs.push(super::ArcRef { id: a, label });
        if self.v(v).arcs.len() > ARC_INDEX_MIN {
            // Large structs (a root with a thousand components) get a label index.
            let mut idx = self
                .vm(v)
                .ext
                .as_mut()
                .and_then(|x| x.arc_index.take())
                .unwrap_or_default();
            if idx.is_empty() {
                for r in &self.v(v).arcs {
                    idx.insert(r.label, r.id);
                }
            } else {
                idx.insert(label, a);
            }
            self.vm(v).ext_mut().arc_index = Some(idx);
        }
        if self.v(v).patterns_live {
            self.ensure_patterns(v, a);
        }
        a
    }

    /// The arc `label` of `v` if it exists (no expansion).
    pub(crate) fn find_arc(&self, v: VId, label: Label) -> Option<VId> {
        let vx = self.v(v);
        if vx.arcs.len() > ARC_INDEX_MIN
            && let Some(idx) = vx.ext().and_then(|x| x.arc_index.as_ref())
        {
            return idx.get(&label).copied();
        }
        vx.arcs.iter().find(|r| r.label == label).map(|r| r.id)
    }

    /// Adds `a`, a child of `v`, after the existing arcs.
    pub(crate) fn push_arc(&mut self, v: VId, a: VId) {
        let label = self.v(a).label;
        self.vm(v).arcs.push(super::ArcRef { id: a, label });
    }

    /// Looks up an arc after expanding `v` (its patterns applied).
    pub(crate) fn lookup_arc(&mut self, v: VId, label: Label) -> Option<VId> {
        let v = self.deref(v);
        self.expand(v);
        let v = self.deref(v);
        let a = self.find_arc(v, label)?;
        self.ensure_patterns(v, a);
        Some(a)
    }

    pub(super) fn add_pattern(&mut self, v: VId, p: Pattern) {
        self.vm(v).ext_mut().patterns.push(p);
        if self.v(v).patterns_live {
            self.apply_patterns(v);
        }
    }

    pub(crate) fn apply_patterns(&mut self, v: VId) {
        if self.v(v).patterns().is_empty() {
            return;
        }
        let arcs = self.v(v).arc_ids();
        for a in arcs {
            self.ensure_patterns(v, a);
        }
    }

    /// Applies the patterns of `v` that `a` has not seen yet.
    pub(crate) fn ensure_patterns(&mut self, v: VId, a: VId) {
        let total = self.v(v).patterns().len();
        let done = self.v(a).patterns_applied as usize;
        if done >= total {
            return;
        }
        self.vm(a).patterns_applied = total as u32;
        let label = self.v(a).label;
        if !matches!(label, Label::Str(_)) {
            return;
        }
        for i in done..total {
            let p = self.v(v).patterns()[i].clone();
            if !self.pattern_matches(&p.matcher, label) {
                continue;
            }
            let env = Rc::new(Env {
                up: Some(p.env.clone()),
                kind: EnvKind::Label(label),
            });
            self.push_conjunct(
                a,
                Conjunct {
                    src: ConjSrc::Expr(p.value.clone(), env),
                    close: p.close,
                    span: p.span,
                    via: p.via.clone(),
                    info: None,
                },
            );
        }
    }

    pub(super) fn pattern_matcher(&mut self, m: Value) -> Value {
        match m {
            Value::Vertex(w) => {
                self.expand(w);
                let w = self.deref(w);
                self.v(w).value.clone()
            }
            other => other,
        }
    }

    /// True when a regular label matches a pattern's label constraint.
    pub(crate) fn pattern_matches(&self, m: &Value, label: Label) -> bool {
        let Label::Str(s) = label else { return false };
        match m {
            Value::Top => true,
            Value::Str(x) => **x == *s.as_str(),
            Value::Disj(d) => d.items.iter().any(|(x, _)| self.pattern_matches(x, label)),
            Value::Constraint(_) => !meet(m, &Value::str(s.as_str())).is_bottom(),
            _ => false,
        }
    }

    /// A comprehension-only literal whose comprehensions decided nothing is `{}`.
    pub(super) fn default_to_struct(&mut self, v: VId) {
        let Some(span) = self.v(v).ext().and_then(|x| x.struct_default) else {
            return;
        };
        let vx = self.v(v);
        if !vx.is_struct && vx.list.is_none() && matches!(vx.value, Value::Top) && vx.err.is_none()
        {
            self.mark_struct(v, span);
        }
    }

    /// Runs deferred comprehensions and dynamic fields until none are left.
    pub(super) fn run_pending(&mut self, v: VId) {
        let mut rounds = 0;
        while let Some(x) = self.vm(v).ext.as_mut() {
            let pending = std::mem::take(&mut x.comps);
            if pending.is_empty() {
                break;
            }
            rounds += 1;
            let mut retry = Vec::new();
            let mut progressed = false;
            for p in pending {
                match &p.kind {
                    PendingKind::Comp(c) => {
                        progressed = true;
                        match self.comprehension_envs(c, &p.env) {
                            Ok(envs) => {
                                for env in envs {
                                    self.add_expr(v, &c.body, &env, p.close, c.span);
                                }
                            }
                            Err(b) => self.set_err(v, b),
                        }
                    }
                    PendingKind::DynField(..) => {
                        if self.try_dyn_field(v, &p, false) {
                            progressed = true;
                        } else {
                            retry.push(p);
                        }
                    }
                }
            }
            if !progressed || rounds > 1000 {
                for p in retry {
                    self.try_dyn_field(v, &p, true);
                }
                break;
            }
            self.vm(v).ext_mut().comps.extend(retry);
        }
    }
}
