//! Trait patches: KubeVela's strategic unify, on exported JSON.
//!
//! KubeVela applies a trait's `patch` by re-printing base and patch as CUE,
//! opening every base list (`[a, b, ...]`), rewriting keyed patch lists to line
//! up with the base, and unifying. This module does the same on JSON values
//! with the patch's comment tags alongside:
//!
//! * no tag: lists unify by index; a patch list shorter than the base list is
//!   an error ("incompatible list lengths"), a longer one appends; scalars
//!   must be equal;
//! * `+patchKey=k` (inherited by nested lists; dotted paths; `a,b` for
//!   several keys): elements are matched by the key's value, unmatched base
//!   elements kept, new ones appended; when the patch elements do not carry
//!   the key the list falls back to index unification, as upstream;
//! * `+patchStrategy=retainKeys`: the field's base value is replaced (for a
//!   keyed list, matched elements are replaced whole);
//! * `+patchStrategy=replace` on a list: the base list is replaced;
//! * `+patchStrategy=jsonMergePatch` / `jsonPatch` on `patch` itself: RFC 7396
//!   merge, or the RFC 6902 operations in `patch.operations`.
//!
//! One deliberate difference: the patch is exported first, so defaults are
//! already chosen. Upstream prints an unresolved default such as
//! `*"workdir" | string`, which is not a literal key and silently disables
//! keyed merging (the `init-container` failure in CUE.md §4); velac merges by
//! the default's value instead.

use crate::cue::eval::DocTree;
use serde_json::{Map, Value as Json};

/// Why a patch could not be applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatchError {
    /// Two different values for one field.
    #[error("{path}: conflicting values {base} and {patch}")]
    Conflict {
        /// Field path in the object.
        path: String,
        /// The object's value.
        base: String,
        /// The patch's value.
        patch: String,
    },
    /// A closed patch list shorter than the base list.
    #[error("{path}: incompatible list lengths ({patch} and {base})")]
    ListLength {
        /// Field path in the object.
        path: String,
        /// Patch list length.
        patch: usize,
        /// Base list length.
        base: usize,
    },
    /// A JSON patch operation failed.
    #[error("failed to apply json patch: {0}")]
    JsonPatch(String),
}

/// Strategy named in a comment tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Strategy {
    None,
    RetainKeys,
    Replace,
    JsonMergePatch,
    JsonPatch,
}

/// The `+key=value` tags of comment lines (KubeVela's reading: one word
/// values only, later lines win).
fn tags(docs: &[String]) -> (Option<String>, Strategy) {
    let mut key = None;
    let mut strategy = Strategy::None;
    for line in docs {
        let line = line.trim();
        let Some(rest) = line.strip_prefix('+') else {
            continue;
        };
        let Some((k, v)) = rest.split_once('=') else {
            continue;
        };
        let v = v.trim();
        if v.split_whitespace().count() > 1 {
            continue;
        }
        match k.trim() {
            "patchKey" => key = Some(v.to_string()),
            "patchStrategy" => {
                strategy = match v {
                    "retainKeys" => Strategy::RetainKeys,
                    "replace" => Strategy::Replace,
                    "jsonMergePatch" => Strategy::JsonMergePatch,
                    "jsonPatch" => Strategy::JsonPatch,
                    _ => Strategy::None,
                }
            }
            _ => {}
        }
    }
    (key, strategy)
}

/// Applies `patch` (with its comment tree; the root's docs are the `patch`
/// field's own comments) to `base`.
pub fn apply(base: &Json, patch: &Json, docs: &DocTree) -> Result<Json, PatchError> {
    match tags(&docs.docs).1 {
        Strategy::JsonMergePatch => {
            let mut out = base.clone();
            merge_patch(&mut out, patch);
            Ok(out)
        }
        Strategy::JsonPatch => json_patch(base, patch.get("operations").unwrap_or(&Json::Null)),
        _ => unify(base, patch, Some(docs), None, ""),
    }
}

fn empty() -> &'static DocTree {
    static EMPTY: std::sync::OnceLock<DocTree> = std::sync::OnceLock::new();
    EMPTY.get_or_init(DocTree::default)
}

/// Unifies an (open) base with a patch value at `path`.
fn unify(
    base: &Json,
    patch: &Json,
    docs: Option<&DocTree>,
    key: Option<&str>,
    path: &str,
) -> Result<Json, PatchError> {
    let docs = docs.unwrap_or(empty());
    match (base, patch) {
        (Json::Object(b), Json::Object(p)) => {
            let mut out = b.clone();
            for (k, pv) in p {
                let sub = docs.field(k);
                let (own_key, strategy) =
                    sub.map(|s| tags(&s.docs)).unwrap_or((None, Strategy::None));
                let key = own_key.as_deref().or(key);
                let child = join(path, k);
                let merged = match (out.get(k), pv) {
                    (None, _) => pv.clone(),
                    (Some(Json::Array(bl)), Json::Array(pl)) => {
                        if strategy == Strategy::Replace {
                            pv.clone()
                        } else {
                            let mut bl = bl.clone();
                            let retain = strategy == Strategy::RetainKeys;
                            match key.and_then(|k| align(&mut bl, pl, k, retain)) {
                                Some(aligned) => {
                                    let elems: Vec<_> = aligned
                                        .into_iter()
                                        .map(|(v, from)| {
                                            (v, from.and_then(|i| sub.and_then(|d| d.elem(i))))
                                        })
                                        .collect();
                                    unify_lists(&bl, &elems, true, key, &child)?
                                }
                                None => {
                                    let open = sub.is_some_and(|d| d.open_list);
                                    let tail = sub.and_then(|d| d.tail.as_ref());
                                    unify_open(&bl, &by_index(pl, sub), open, tail, key, &child)?
                                }
                            }
                        }
                    }
                    (Some(_), Json::Array(_)) => unify(&out[k], pv, sub, key, &child)?,
                    (Some(_), _) if strategy == Strategy::RetainKeys => pv.clone(),
                    (Some(bv), _) => unify(bv, pv, sub, key, &child)?,
                };
                out.insert(k.clone(), merged);
            }
            Ok(Json::Object(out))
        }
        (Json::Array(b), Json::Array(p)) => unify_open(
            b,
            &by_index(p, Some(docs)),
            docs.open_list,
            docs.tail.as_ref(),
            key,
            path,
        ),
        (b, p) if same_scalar(b, p) => Ok(b.clone()),
        (b, p) => Err(PatchError::Conflict {
            path: path.to_string(),
            base: short(b),
            patch: short(p),
        }),
    }
}

/// Patch list elements with their comment trees.
fn by_index<'a>(list: &[Json], docs: Option<&'a DocTree>) -> Vec<(Json, Option<&'a DocTree>)> {
    list.iter()
        .enumerate()
        .map(|(i, v)| (v.clone(), docs.and_then(|d| d.elem(i))))
        .collect()
}

/// Index-wise unification with a patch list that may itself be open
/// (`[...T]`): base elements past its end are kept, unified with `T` if any.
fn unify_open(
    base: &[Json],
    patch: &[(Json, Option<&DocTree>)],
    open: bool,
    tail: Option<&Json>,
    key: Option<&str>,
    path: &str,
) -> Result<Json, PatchError> {
    let Some(t) = tail.filter(|_| open && base.len() > patch.len()) else {
        return unify_lists(base, patch, open, key, path);
    };
    let mut full: Vec<(Json, Option<&DocTree>)> = patch.to_vec();
    full.extend(std::iter::repeat_n(
        (t.clone(), None),
        base.len() - patch.len(),
    ));
    unify_lists(base, &full, true, key, path)
}

/// Index-wise unification of an open base list with a patch list (`open`
/// when it was re-aligned by key, which ends it with `...`).
fn unify_lists(
    base: &[Json],
    patch: &[(Json, Option<&DocTree>)],
    open: bool,
    key: Option<&str>,
    path: &str,
) -> Result<Json, PatchError> {
    if !open && patch.len() < base.len() {
        return Err(PatchError::ListLength {
            path: path.to_string(),
            patch: patch.len(),
            base: base.len(),
        });
    }
    let n = base.len().max(patch.len());
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let child = format!("{path}.{i}");
        out.push(match (base.get(i), patch.get(i)) {
            (Some(b), Some((p, d))) => unify(b, p, *d, key, &child)?,
            (Some(b), None) => b.clone(),
            (None, Some((p, _))) => p.clone(),
            (None, None) => unreachable!("i < max(len)"),
        });
    }
    Ok(Json::Array(out))
}

/// Re-orders a patch list to line up with the base by key, as upstream's
/// list merge does: one `{}` per keyed base element (the matched patch
/// element in its place), then new patch elements in patch order. `None`
/// means "merge by index instead" (no patch element has the key, or a key
/// value is not a scalar). With `retain`, matched base elements are emptied
/// so the patch element replaces them.
fn align(
    base: &mut [Json],
    patch: &[Json],
    keys: &str,
    retain: bool,
) -> Option<Vec<(Json, Option<usize>)>> {
    let mut pending: Vec<(String, usize)> = Vec::new();
    let mut out = Vec::new();
    for key in keys.split(',') {
        let parts: Vec<&str> = key.split('.').collect();
        let mut found = false;
        for (i, e) in patch.iter().enumerate() {
            let Some(v) = lookup(e, &parts) else { continue };
            found = true;
            let id = scalar_id(key, v)?;
            pending.retain(|(k, _)| *k != id);
            pending.push((id, i));
        }
        if !found {
            if patch.is_empty() {
                continue;
            }
            return None;
        }
        for b in base.iter_mut() {
            let Some(v) = lookup(b, &parts) else { continue };
            let id = scalar_id(key, v)?;
            match pending.iter().position(|(k, _)| *k == id) {
                Some(at) => {
                    let (_, i) = pending.remove(at);
                    if retain {
                        *b = Json::Object(Map::new());
                    }
                    out.push((patch[i].clone(), Some(i)));
                }
                None => out.push((Json::Object(Map::new()), None)),
            }
        }
    }
    for (i, e) in patch.iter().enumerate() {
        if pending.iter().any(|(_, j)| *j == i) {
            out.push((e.clone(), Some(i)));
        }
    }
    Some(out)
}

fn lookup<'a>(v: &'a Json, parts: &[&str]) -> Option<&'a Json> {
    parts.iter().try_fold(v, |v, p| v.as_object()?.get(*p))
}

/// A key value's identity; only scalars (literals upstream) qualify.
fn scalar_id(key: &str, v: &Json) -> Option<String> {
    match v {
        Json::Object(_) | Json::Array(_) => None,
        s => Some(format!("{key}\u{0}{s}")),
    }
}

fn same_scalar(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            let (xs, ys) = (x.to_string(), y.to_string());
            let float = |s: &str| s.contains(['.', 'e', 'E']);
            xs == ys
                || (float(&xs) == float(&ys) && x.as_f64().is_some() && x.as_f64() == y.as_f64())
        }
        _ => a == b,
    }
}

fn short(v: &Json) -> String {
    match v {
        Json::Object(_) => "struct".into(),
        Json::Array(_) => "list".into(),
        s => s.to_string(),
    }
}

fn join(path: &str, k: &str) -> String {
    if path.is_empty() {
        k.to_string()
    } else {
        format!("{path}.{k}")
    }
}

/// RFC 7396: objects merge recursively, `null` deletes, anything else replaces.
fn merge_patch(target: &mut Json, patch: &Json) {
    let Json::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Json::Object(Map::new());
    }
    let Json::Object(t) = target else { return };
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            merge_patch(t.entry(k.clone()).or_insert(Json::Null), v);
        }
    }
}

/// RFC 6902 operations.
fn json_patch(base: &Json, ops: &Json) -> Result<Json, PatchError> {
    let p: json_patch::Patch = serde_json::from_value(ops.clone())
        .map_err(|e| PatchError::JsonPatch(format!("invalid operations: {e}")))?;
    let mut out = base.clone();
    json_patch::patch(&mut out, &p).map_err(|e| PatchError::JsonPatch(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests;
