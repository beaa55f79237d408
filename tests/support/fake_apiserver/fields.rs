//! Field ownership and the merge algorithms behind apply and patches.
//!
//! The real API server tracks ownership with structured-merge-diff, driven by
//! OpenAPI schemas. Without schemas one rule is used everywhere: maps are
//! recursed into, anything else (scalar, list, empty map) is one leaf. Lists
//! are therefore atomic: whoever sets a list owns all of it.

use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// Map keys from the object root down to a leaf.
pub(crate) type FieldPath = Vec<String>;
/// The leaves one manager owns.
pub(crate) type FieldSet = BTreeSet<FieldPath>;

/// Which part of an object a write may touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The main resource; `.status` is out of reach when the kind has a status subresource.
    Main { status_subresource: bool },
    /// The `/status` subresource: only `.status`.
    Status,
}

/// Metadata the server sets; it is nobody's field and clients cannot own it.
const SERVER_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// One `metadata.managedFields` entry.
#[derive(Clone, Debug)]
pub(crate) struct Manager {
    pub name: String,
    /// Operation `Apply` (server-side apply) rather than `Update` (any other write).
    pub apply: bool,
    /// Written through the `/status` subresource.
    pub status: bool,
    pub api_version: String,
    pub time: String,
    pub fields: FieldSet,
}

impl Manager {
    /// A manager owning nothing yet.
    pub fn new(name: &str, apply: bool, scope: Scope, api_version: &str, time: &str) -> Manager {
        Manager {
            name: name.to_string(),
            apply,
            status: scope == Scope::Status,
            api_version: api_version.to_string(),
            time: time.to_string(),
            fields: FieldSet::new(),
        }
    }

    /// The real server keys entries by manager, operation, subresource and,
    /// for updates only, apiVersion; `time` is never part of the identity.
    pub fn same_identity(&self, other: &Manager) -> bool {
        self.name == other.name
            && self.apply == other.apply
            && self.status == other.status
            && (self.apply || self.api_version == other.api_version)
    }

    /// The manager as the real server names it in conflict messages.
    pub fn label(&self) -> String {
        let mut label = format!("{:?}", self.name);
        if self.status {
            label.push_str(" with subresource \"status\"");
        }
        if !self.apply {
            label.push_str(&format!(" using {}", self.api_version));
        }
        label
    }

    fn to_json(&self) -> Value {
        let mut entry = json!({
            "manager": self.name,
            "operation": if self.apply { "Apply" } else { "Update" },
            "apiVersion": self.api_version,
            "time": self.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": fields_v1(&self.fields),
        });
        if self.status {
            entry["subresource"] = json!("status");
        }
        entry
    }
}

/// Equal ownership, ignoring timestamps: such a write changed nothing.
pub(crate) fn same_ownership(a: &[Manager], b: &[Manager]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.same_identity(y) && x.api_version == y.api_version && x.fields == y.fields
        })
}

/// `metadata.managedFields` for a list of managers.
pub(crate) fn managed_fields(managers: &[Manager]) -> Value {
    Value::Array(managers.iter().map(Manager::to_json).collect())
}

/// The fieldsV1 rendering of a set: `{"f:spec":{"f:replicas":{}}}`.
fn fields_v1(set: &FieldSet) -> Value {
    let mut root = Value::Object(Map::new());
    for path in set {
        let keys: Vec<String> = path.iter().map(|k| format!("f:{k}")).collect();
        set_leaf(&mut root, &keys, Value::Object(Map::new()));
    }
    root
}

/// A field path as conflict messages print it: `.spec.replicas`.
pub(crate) fn path_string(path: &[String]) -> String {
    path.iter().map(|k| format!(".{k}")).collect()
}

/// The part of `obj` a writer in `scope` controls, without server-set metadata.
pub(crate) fn tracked(obj: &Value, scope: Scope) -> Value {
    let mut out = Map::new();
    for (key, value) in obj.as_object().into_iter().flatten() {
        let keep = match (scope, key.as_str()) {
            (_, "apiVersion" | "kind") => false,
            (Scope::Status, key) => key == "status",
            (Scope::Main { status_subresource }, "status") => !status_subresource,
            _ => true,
        };
        if !keep {
            continue;
        }
        if let ("metadata", Some(meta)) = (key.as_str(), value.as_object()) {
            let meta: Map<String, Value> = meta
                .iter()
                .filter(|(k, _)| !SERVER_METADATA.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !meta.is_empty() {
                out.insert(key.clone(), Value::Object(meta));
            }
        } else {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

/// Every leaf path in `value`.
pub(crate) fn leaves(value: &Value) -> FieldSet {
    fn walk(value: &Value, path: &mut FieldPath, out: &mut FieldSet) {
        match value {
            Value::Object(map) if !map.is_empty() || path.is_empty() => {
                for (key, child) in map {
                    path.push(key.clone());
                    walk(child, path, out);
                    path.pop();
                }
            }
            _ => {
                out.insert(path.clone());
            }
        }
    }
    let mut out = FieldSet::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

/// The value at `path`; array elements are addressed by index (for JSON patch).
pub(crate) fn get<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(value, |cur, key| match cur {
        Value::Object(map) => map.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

fn get_mut<'a>(value: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |cur, key| match cur {
        Value::Object(map) => map.get_mut(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
        _ => None,
    })
}

fn as_map(value: &mut Value) -> &mut Map<String, Value> {
    if !value.is_object() {
        *value = Value::Object(Map::new());
    }
    match value {
        Value::Object(map) => map,
        _ => unreachable!("replaced by an object above"),
    }
}

fn is_empty_map(value: &Value) -> bool {
    value.as_object().is_some_and(Map::is_empty)
}

/// Sets the leaf at `path`, creating maps on the way. An empty map only
/// asserts that the map exists, so it never wipes keys already there.
pub(crate) fn set_leaf(target: &mut Value, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = target;
    for key in parents {
        cur = as_map(cur).entry(key.clone()).or_insert(Value::Null);
    }
    let map = as_map(cur);
    if is_empty_map(&value) && map.get(last).is_some_and(Value::is_object) {
        return;
    }
    map.insert(last.clone(), value);
}

/// Removes the leaf at `path`, then the nested maps that removal emptied
/// (a `labels: {}` nobody owns any more goes too); top-level keys stay.
pub(crate) fn remove_leaf(target: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let Some(Value::Object(map)) = get_mut(target, parents) else {
        return;
    };
    map.shift_remove(last);
    for depth in (2..=parents.len()).rev() {
        if !get(target, &parents[..depth]).is_some_and(is_empty_map) {
            break;
        }
        if let Some(Value::Object(parent)) = get_mut(target, &parents[..depth - 1]) {
            parent.shift_remove(&parents[depth - 1]);
        }
    }
}

fn drop_nulls(value: &mut Value) {
    if let Value::Object(map) = value {
        map.retain(|_, v| !v.is_null());
        map.values_mut().for_each(drop_nulls);
    }
}

/// Another manager owns a field the applied configuration sets differently.
pub(crate) struct Conflict {
    /// The other manager, as [`Manager::label`] prints it.
    pub manager: String,
    pub field: FieldPath,
}

/// Server-side apply of `config` by `me` onto `live` (the stored object or a
/// fresh skeleton), updating `managers`. Fields `me` applied before and no
/// longer applies are removed unless someone else owns them too.
pub(crate) fn apply(
    live: &mut Value,
    managers: &mut Vec<Manager>,
    config: &Value,
    me: Manager,
    scope: Scope,
    force: bool,
) -> Result<(), Vec<Conflict>> {
    let mut config = tracked(config, scope);
    // `field: null` in an applied configuration means "not mine".
    drop_nulls(&mut config);
    let applied = leaves(&config);
    let mine = managers.iter().position(|m| m.same_identity(&me));

    // Two paths overlap when one is a prefix of the other; an applied empty
    // map does not overlap the keys inside it.
    let overlaps = |owned: &FieldPath| {
        applied.iter().any(|p| {
            let inside = owned.starts_with(p)
                && (owned.len() == p.len() || !get(&config, p).is_some_and(Value::is_object));
            inside || p.starts_with(owned)
        })
    };
    // `{}` applied over an existing map agrees with it.
    let agrees = |path: &FieldPath| {
        let (now, wanted) = (get(live, path), get(&config, path));
        now == wanted || (wanted.is_some_and(is_empty_map) && now.is_some_and(Value::is_object))
    };
    let mut conflicts = Vec::new();
    for (i, manager) in managers.iter().enumerate() {
        if Some(i) != mine {
            for owned in manager.fields.iter().filter(|f| overlaps(f) && !agrees(f)) {
                conflicts.push((i, owned.clone()));
            }
        }
    }
    if !conflicts.is_empty() && !force {
        return Err(conflicts
            .into_iter()
            .map(|(i, field)| Conflict {
                manager: managers[i].label(),
                field,
            })
            .collect());
    }
    // Forcing takes the conflicting fields away from their owners.
    for (i, field) in &conflicts {
        managers[*i].fields.remove(field);
    }

    if let Some(i) = mine {
        let dropped: Vec<FieldPath> = managers[i].fields.difference(&applied).cloned().collect();
        for path in dropped {
            let shared = managers.iter().enumerate().any(|(j, m)| {
                j != i
                    && m.fields
                        .iter()
                        .any(|f| f.starts_with(&path) || path.starts_with(f))
            });
            if !shared {
                remove_leaf(live, &path);
            }
        }
    }
    for path in &applied {
        if let Some(value) = get(&config, path) {
            set_leaf(live, path, value.clone());
        }
    }
    match mine {
        Some(i) => {
            let entry = &mut managers[i];
            entry.fields = applied;
            entry.time = me.time;
            entry.api_version = me.api_version;
        }
        None => managers.push(Manager {
            fields: applied,
            ..me
        }),
    }
    managers.retain(|m| !m.fields.is_empty());
    Ok(())
}

/// Ownership after any write other than apply: the writer takes every leaf
/// whose value it changed, and leaves that disappeared leave every set.
pub(crate) fn record_update(
    managers: &mut Vec<Manager>,
    before: Option<&Value>,
    after: &Value,
    me: Manager,
    scope: Scope,
) {
    let old = before.map_or_else(|| json!({}), |b| tracked(b, scope));
    let new = tracked(after, scope);
    let old_leaves = leaves(&old);
    let new_leaves = leaves(&new);
    let gone: Vec<FieldPath> = old_leaves.difference(&new_leaves).cloned().collect();
    let changed: FieldSet = new_leaves
        .into_iter()
        .filter(|p| !p.is_empty() && get(&old, p) != get(&new, p))
        .collect();
    for manager in managers.iter_mut() {
        let other = !manager.same_identity(&me);
        manager.fields.retain(|f| {
            let disappeared = gone.iter().any(|g| f.starts_with(g));
            let taken = other && changed.contains(f);
            !(disappeared || taken)
        });
    }
    if !changed.is_empty() {
        match managers.iter_mut().find(|m| m.same_identity(&me)) {
            Some(entry) => {
                entry.fields.extend(changed);
                entry.time = me.time;
            }
            None => managers.push(Manager {
                fields: changed,
                ..me
            }),
        }
    }
    managers.retain(|m| !m.fields.is_empty());
}

/// JSON merge patch (RFC 7386): maps merge, `null` deletes, anything else replaces.
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    let target = as_map(target);
    for (key, value) in patch {
        if value.is_null() {
            target.shift_remove(key);
        } else {
            merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// JSON patch (RFC 6902) with all six operations.
pub(crate) fn json_patch(doc: &mut Value, ops: &Value) -> Result<(), String> {
    let ops = ops
        .as_array()
        .ok_or("a JSON patch must be an array of operations")?;
    for op in ops {
        let name = op
            .get("op")
            .and_then(Value::as_str)
            .ok_or("an operation lacks \"op\"")?;
        let path = pointer(op, "path")?;
        let value = || {
            op.get("value")
                .cloned()
                .ok_or(format!("{name}: \"value\" is missing"))
        };
        match name {
            "add" => insert_at(doc, &path, value()?)?,
            "remove" => drop(take_at(doc, &path)?),
            "replace" => {
                take_at(doc, &path)?;
                insert_at(doc, &path, value()?)?;
            }
            "move" => {
                let moved = take_at(doc, &pointer(op, "from")?)?;
                insert_at(doc, &path, moved)?;
            }
            "copy" => {
                let from = pointer(op, "from")?;
                let copied = get(doc, &from)
                    .cloned()
                    .ok_or("copy: \"from\" does not exist")?;
                insert_at(doc, &path, copied)?;
            }
            "test" if get(doc, &path) == Some(&value()?) => {}
            "test" => return Err(format!("test failed at {}", op["path"])),
            other => return Err(format!("unknown JSON patch operation {other:?}")),
        }
    }
    Ok(())
}

/// A JSON pointer (RFC 6901) split into unescaped segments.
fn pointer(op: &Value, key: &str) -> Result<Vec<String>, String> {
    let text = op
        .get(key)
        .and_then(Value::as_str)
        .ok_or(format!("\"{key}\" is missing"))?;
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let rest = text
        .strip_prefix('/')
        .ok_or(format!("{text:?} is not a JSON pointer"))?;
    Ok(rest
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn insert_at(doc: &mut Value, path: &[String], value: Value) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else {
        *doc = value;
        return Ok(());
    };
    match get_mut(doc, parents) {
        Some(Value::Object(map)) => {
            map.insert(last.clone(), value);
        }
        Some(Value::Array(items)) => {
            let index = if last == "-" {
                items.len()
            } else {
                last.parse().unwrap_or(usize::MAX)
            };
            if index > items.len() {
                return Err(format!("index {last} is out of range"));
            }
            items.insert(index, value);
        }
        _ => {
            return Err(format!(
                "the parent of {} does not exist",
                path_string(path)
            ));
        }
    }
    Ok(())
}

fn take_at(doc: &mut Value, path: &[String]) -> Result<Value, String> {
    let missing = || format!("{} does not exist", path_string(path));
    let Some((last, parents)) = path.split_last() else {
        return Ok(std::mem::take(doc));
    };
    match get_mut(doc, parents) {
        Some(Value::Object(map)) => map.shift_remove(last).ok_or_else(missing),
        Some(Value::Array(items)) => match last.parse::<usize>() {
            Ok(i) if i < items.len() => Ok(items.remove(i)),
            _ => Err(missing()),
        },
        _ => Err(missing()),
    }
}
