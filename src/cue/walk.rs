//! Walking an evaluated value: the children of a struct or list with their
//! labels, kinds and attributes, for callers that look for structure in a
//! value rather than export it (a workflow step finds its provider calls so).

use super::Evaluation;
use super::eval::ArcType;
use super::label::Label;
use super::value::{VId, Value};

/// One child of a struct (any field: regular, optional, hidden, definition)
/// or a list (its elements).
#[derive(Clone, Debug)]
pub struct Child {
    /// The field's label, or the element's index.
    pub label: Label,
    /// `a?:` or `a!:` without a regular value.
    pub optional: bool,
    /// The child.
    pub vertex: VId,
    /// Attributes of the field's declarations, as `(name, body)`.
    pub attrs: Vec<(String, String)>,
}

impl Evaluation {
    /// The vertex a value settles on: itself, or the default of a
    /// disjunction whose default is a struct or list.
    fn settle(&mut self, v: VId) -> VId {
        let mut v = self.engine.deref(v);
        for _ in 0..8 {
            self.engine.expand(v);
            v = self.engine.deref(v);
            let Value::Disj(d) = &self.engine.v(v).value else {
                break;
            };
            match super::eval::default_of(d) {
                Some(Value::Vertex(w)) => v = self.engine.deref(w),
                _ => break,
            }
        }
        v
    }

    /// The children of `v`, in the order export writes them (structs) or by
    /// index (lists). A scalar, an error or an incomplete value has none.
    pub fn children(&mut self, v: VId) -> Vec<Child> {
        let v = self.settle(v);
        if self.engine.v(v).err.is_some() {
            return Vec::new();
        }
        let (is_struct, is_list) = {
            let vx = self.engine.v(v);
            (vx.is_struct, vx.list.is_some())
        };
        let arcs = if is_struct {
            self.engine.ordered_arcs(v)
        } else if is_list {
            self.engine.v(v).arc_ids()
        } else {
            return Vec::new();
        };
        arcs.into_iter()
            .map(|a| {
                let vx = self.engine.v(a);
                let attrs = self
                    .engine
                    .field_infos(a)
                    .iter()
                    .flat_map(|i| i.attrs.iter().cloned())
                    .collect();
                Child {
                    label: vx.label,
                    optional: vx.arc_type != ArcType::Regular,
                    vertex: a,
                    attrs,
                }
            })
            .collect()
    }

    /// The concrete string at `v`, if it is one.
    pub fn string_at(&mut self, v: VId) -> Option<String> {
        match self.engine.export(v) {
            Ok(serde_json::Value::String(s)) => Some(s),
            _ => None,
        }
    }
}
