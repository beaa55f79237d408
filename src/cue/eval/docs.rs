//! Doc comments of an evaluated value, by field path.
//!
//! KubeVela reads `// +patchKey=…` and `// +patchStrategy=…` from the
//! comments of the *evaluated* patch, including fields produced by `if` and
//! `for`. The evaluator keeps each field's declarations, so this walk only
//! collects what they say.

use super::{ArcType, Engine};
use crate::cue::label::Label;
use crate::cue::value::VId;

/// Doc comment lines of a value and of the fields and elements below it;
/// subtrees without any comment are left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocTree {
    /// Comment lines on this field (text after `//`).
    pub docs: Vec<String>,
    /// Regular fields with comments somewhere below, in export order.
    pub fields: Vec<(String, DocTree)>,
    /// List elements with comments somewhere below.
    pub elems: Vec<(usize, DocTree)>,
    /// This value is an open list (`[...]`, `[...T]`): it does not fix the
    /// length of what it is unified with.
    pub open_list: bool,
    /// The element constraint of an open list (`T` in `[...T]`), exported,
    /// when it is concrete enough to export.
    pub tail: Option<serde_json::Value>,
}

impl DocTree {
    /// The subtree of a field, if it has any comment.
    pub fn field(&self, name: &str) -> Option<&DocTree> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }

    /// The subtree of a list element, if it has any comment.
    pub fn elem(&self, i: usize) -> Option<&DocTree> {
        self.elems.iter().find(|(n, _)| *n == i).map(|(_, t)| t)
    }

    fn is_empty(&self) -> bool {
        self.docs.is_empty() && self.fields.is_empty() && self.elems.is_empty() && !self.open_list
    }
}

/// Deeper values than this are not searched for comments (exported values
/// are far shallower; this only bounds the walk).
const MAX_DEPTH: usize = 200;

impl Engine {
    /// The comments of `v` (a field vertex) and everything below it.
    pub fn doc_tree(&mut self, v: VId) -> DocTree {
        let mut t = self.doc_children(v, 0);
        t.docs = self.docs(v);
        t
    }

    /// The element constraint an open list applies past its last element.
    fn tail_value(&mut self, v: VId, info: &super::ListInfo) -> Option<serde_json::Value> {
        let n = self.v(v).arcs.len();
        let tails: Vec<_> = info
            .tails
            .iter()
            .filter(|t| t.expr.is_some() && t.env.is_some() && t.from <= n)
            .cloned()
            .collect();
        if tails.is_empty() {
            return None;
        }
        let r = self.new_root();
        for t in tails {
            let (Some(e), Some(env)) = (t.expr, t.env) else {
                continue;
            };
            let span = e.span;
            self.push_conjunct(
                r,
                super::Conjunct {
                    src: super::ConjSrc::Expr(e, env),
                    close: t.close,
                    span,
                    via: t.via.clone(),
                    info: None,
                },
            );
        }
        self.export(r).ok()
    }

    /// The regular fields of a struct vertex in export order, with their
    /// vertices (no export, no error check).
    pub fn regular_fields(&mut self, v: VId) -> Vec<(String, VId)> {
        let v = self.deref(v);
        self.expand(v);
        let v = self.deref(v);
        if !self.v(v).is_struct {
            return Vec::new();
        }
        self.ordered_arcs(v)
            .into_iter()
            .filter_map(|a| match (self.v(a).label, self.v(a).arc_type) {
                (Label::Str(s), ArcType::Regular) => Some((s.as_str().to_string(), a)),
                _ => None,
            })
            .collect()
    }

    fn doc_children(&mut self, v: VId, depth: usize) -> DocTree {
        let mut t = DocTree::default();
        let v = self.deref(v);
        self.expand(v);
        let v = self.deref(v);
        if depth > MAX_DEPTH {
            return t;
        }
        if self.v(v).is_struct {
            for a in self.ordered_arcs(v) {
                let (label, at) = (self.v(a).label, self.v(a).arc_type);
                let Label::Str(s) = label else { continue };
                if at != ArcType::Regular {
                    continue;
                }
                let mut sub = self.doc_children(a, depth + 1);
                sub.docs = self.docs(a);
                if !sub.is_empty() {
                    t.fields.push((s.as_str().to_string(), sub));
                }
            }
        } else if let Some(info) = self.v(v).list.clone() {
            if info.closed_len.is_none() {
                t.open_list = true;
                t.tail = self.tail_value(v, &info);
            }
            let arcs = self.v(v).arc_ids();
            for (i, a) in arcs.into_iter().enumerate() {
                let sub = self.doc_children(a, depth + 1);
                if !sub.is_empty() {
                    t.elems.push((i, sub));
                }
            }
        }
        t
    }
}
