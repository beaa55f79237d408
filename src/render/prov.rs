//! Who set each field of a rendered object, and from which lines
//! (`velac explain`).
//!
//! The positions come from the evaluator ([`crate::cue::eval::origin`]):
//! a template's `output`, `outputs` and `patch` are asked for the origins of
//! their leaves, with the application's properties recorded as the data's
//! positions. What rendering then does in Rust is followed here: a trait
//! patch sets the leaves it changes or adds (their origins are the patch's
//! own leaves, matched through keyed lists as the patch was), and the OAM
//! stamp sets the labels, annotations, names and namespaces it adds. Only
//! renders that explain pay for any of this.

use crate::diff::fields::{Seg, item_key};
use crate::source::Span;
use serde_json::Value as Json;
use std::collections::HashMap;

/// Who decided a field's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetBy {
    /// The component's template (`component <type>`).
    Component(String),
    /// A trait's `outputs` or `patch` (`trait <type>`).
    Trait(String),
    /// The OAM contract velac stamps, as KubeVela does.
    Oam,
}

impl std::fmt::Display for SetBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetBy::Component(t) => write!(f, "component {t}"),
            SetBy::Trait(t) => write!(f, "trait {t}"),
            SetBy::Oam => f.write_str("oam"),
        }
    }
}

/// Each leaf of one object: who set it and where it came from, in the
/// object's order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Origins {
    /// `(path, set by, positions)`.
    pub fields: Vec<(Vec<Seg>, SetBy, Vec<Span>)>,
}

/// Leaves by path while an object is being rendered.
pub(crate) type Work = HashMap<Vec<Seg>, (SetBy, Vec<Span>)>;

/// What a render that explains keeps while a component's objects are made:
/// the workload's leaves, and each auxiliary object's in `outputs` order.
pub(crate) struct Explain {
    pub workload: Work,
    pub aux: Vec<Work>,
}

impl Explain {
    pub fn new(workload: Work) -> Explain {
        Explain {
            workload,
            aux: Vec::new(),
        }
    }

    /// The works in the order of the component's objects (workload first).
    pub fn into_works(self) -> Vec<Work> {
        std::iter::once(self.workload).chain(self.aux).collect()
    }
}

/// An object's origins once the OAM contract is stamped on it: what the
/// stamp added or changed is `oam`'s, from the application (and the
/// component's entry).
pub(crate) fn stamped(
    before: &Json,
    work: &Work,
    o: &super::RenderedObject,
    app_span: Span,
    comp_span: Span,
) -> std::sync::Arc<Origins> {
    let w = after_change(
        before,
        work,
        &o.object,
        &SetBy::Oam,
        None,
        &[app_span, comp_span],
    );
    let owner = match o.trait_type() {
        Some(t) => SetBy::Trait(t.to_string()),
        None => SetBy::Component(o.component_type.clone()),
    };
    std::sync::Arc::new(finish(&o.object, &w, &(owner, vec![comp_span])))
}

/// The evaluator's leaf origins as the work map of one setter.
pub(crate) fn from_leaves(leaves: Vec<(Vec<Seg>, Vec<Span>)>, by: &SetBy) -> Work {
    leaves
        .into_iter()
        .map(|(p, s)| (p, (by.clone(), s)))
        .collect()
}

/// The leaves of a JSON value (scalars, empty maps and lists), in order.
pub(crate) fn leaves(j: &Json) -> Vec<(Vec<Seg>, &Json)> {
    fn go<'a>(j: &'a Json, path: &mut Vec<Seg>, out: &mut Vec<(Vec<Seg>, &'a Json)>) {
        match j {
            Json::Object(m) if !m.is_empty() => {
                for (k, v) in m {
                    path.push(Seg::Key(k.clone()));
                    go(v, path, out);
                    path.pop();
                }
            }
            Json::Array(a) if !a.is_empty() => {
                for (i, v) in a.iter().enumerate() {
                    path.push(Seg::Index(i));
                    go(v, path, out);
                    path.pop();
                }
            }
            _ => out.push((path.clone(), j)),
        }
    }
    let mut out = Vec::new();
    go(j, &mut Vec::new(), &mut out);
    out
}

/// The path in `to` of what is at `path` in `from`: fields by name, list
/// items by their identifying field (`name`, `key`…), else an equal item,
/// else the same index.
pub(crate) fn align(path: &[Seg], from: &Json, to: &Json) -> Option<Vec<Seg>> {
    let (mut a, mut b) = (from, to);
    let mut out = Vec::with_capacity(path.len());
    for seg in path {
        match seg {
            Seg::Key(k) => {
                a = a.get(k)?;
                b = b.get(k)?;
                out.push(seg.clone());
            }
            Seg::Index(i) => {
                let (Json::Array(la), Json::Array(lb)) = (a, b) else {
                    return None;
                };
                let item = la.get(*i)?;
                let j = item_key(la, lb)
                    .and_then(|k| lb.iter().position(|x| x.get(k) == item.get(k)))
                    .or_else(|| lb.iter().position(|x| x == item))
                    .or_else(|| (*i < lb.len()).then_some(*i))?;
                a = item;
                b = &lb[j];
                out.push(Seg::Index(j));
            }
        }
    }
    Some(out)
}

/// The value at a path, if there is one.
pub(crate) fn at<'a>(j: &'a Json, path: &[Seg]) -> Option<&'a Json> {
    path.iter().try_fold(j, |cur, s| match s {
        Seg::Key(k) => cur.get(k),
        Seg::Index(i) => cur.get(*i),
    })
}

/// After a step changed `before` into `after`: leaves it left as they were
/// keep their origins; the others are `by`'s, from `source`'s matching leaf
/// (a patch's own origins), else `fallback`.
pub(crate) fn after_change(
    before: &Json,
    work: &Work,
    after: &Json,
    by: &SetBy,
    source: Option<(&Json, &Work)>,
    fallback: &[Span],
) -> Work {
    let mut out = Work::new();
    for (p, v) in leaves(after) {
        let kept = align(&p, after, before)
            .filter(|q| at(before, q) == Some(v))
            .and_then(|q| work.get(&q).cloned());
        let entry = kept.unwrap_or_else(|| {
            let from = source
                .and_then(|(src, w)| align(&p, after, src).and_then(|q| w.get(&q).cloned()))
                .map(|(_, s)| s)
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| fallback.to_vec());
            (by.clone(), from)
        });
        out.insert(p, entry);
    }
    out
}

/// The finished record of an object: every leaf, in its order; a leaf
/// nothing recorded (none should be) is `fallback`'s.
pub(crate) fn finish(obj: &Json, work: &Work, fallback: &(SetBy, Vec<Span>)) -> Origins {
    Origins {
        fields: leaves(obj)
            .into_iter()
            .map(|(p, _)| {
                let (by, from) = work
                    .get(&p)
                    .cloned()
                    .filter(|(_, s)| !s.is_empty())
                    .unwrap_or_else(|| fallback.clone());
                (p, by, from)
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn span(n: u32) -> Span {
        Span::new(crate::source::FileId(0), n as usize, n as usize)
    }

    #[test]
    fn a_keyed_patch_sets_what_it_changes_and_adds() {
        let before =
            json!({"spec": {"containers": [{"name": "web", "image": "a"}], "replicas": 1}});
        let comp = SetBy::Component("webservice".into());
        let work = from_leaves(
            vec![
                (
                    vec![
                        Seg::Key("spec".into()),
                        Seg::Key("containers".into()),
                        Seg::Index(0),
                        Seg::Key("name".into()),
                    ],
                    vec![span(1)],
                ),
                (
                    vec![
                        Seg::Key("spec".into()),
                        Seg::Key("containers".into()),
                        Seg::Index(0),
                        Seg::Key("image".into()),
                    ],
                    vec![span(2)],
                ),
                (
                    vec![Seg::Key("spec".into()), Seg::Key("replicas".into())],
                    vec![span(3)],
                ),
            ],
            &comp,
        );
        // The patch puts a sidecar first and sets the web image; the result
        // keeps web where it was (patchKey appends).
        let patch = json!({"spec": {"containers": [{"name": "side", "image": "s"}, {"name": "web", "image": "b"}]}});
        let pw = from_leaves(
            vec![
                (
                    vec![
                        Seg::Key("spec".into()),
                        Seg::Key("containers".into()),
                        Seg::Index(0),
                        Seg::Key("name".into()),
                    ],
                    vec![span(10)],
                ),
                (
                    vec![
                        Seg::Key("spec".into()),
                        Seg::Key("containers".into()),
                        Seg::Index(0),
                        Seg::Key("image".into()),
                    ],
                    vec![span(11)],
                ),
                (
                    vec![
                        Seg::Key("spec".into()),
                        Seg::Key("containers".into()),
                        Seg::Index(1),
                        Seg::Key("image".into()),
                    ],
                    vec![span(12)],
                ),
            ],
            &SetBy::Trait("sidecar".into()),
        );
        let after = json!({"spec": {"containers": [{"name": "web", "image": "b"}, {"name": "side", "image": "s"}], "replicas": 1}});
        let t = SetBy::Trait("sidecar".into());
        let w = after_change(&before, &work, &after, &t, Some((&patch, &pw)), &[span(99)]);
        let got = finish(&after, &w, &(comp.clone(), vec![span(0)]));
        let by: Vec<(String, String, u32)> = got
            .fields
            .iter()
            .map(|(p, b, s)| (crate::diff::fields::path_text(p), b.to_string(), s[0].start))
            .collect();
        assert_eq!(
            by,
            vec![
                (
                    "spec.containers[0].name".into(),
                    "component webservice".into(),
                    1
                ),
                (
                    "spec.containers[0].image".into(),
                    "trait sidecar".into(),
                    12
                ),
                ("spec.containers[1].name".into(), "trait sidecar".into(), 10),
                (
                    "spec.containers[1].image".into(),
                    "trait sidecar".into(),
                    11
                ),
                ("spec.replicas".into(), "component webservice".into(), 3),
            ]
        );
    }
}
