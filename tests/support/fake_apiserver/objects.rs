//! Helpers on object documents for the verbs in `api.rs`: metadata access,
//! what a read shows, field managers of updates, and the checks a write
//! passes (identity, resourceVersion).

use super::api::Key;
use super::catalogue::ResourceType;
use super::fields::{Manager, Scope};
use super::params::{now, param, text};
use super::status::{Reply, bad_request, details, status};
use serde_json::{Map, Value, json};

pub(crate) fn namespace_of(key: &Key) -> Option<&str> {
    Some(key.2.as_str()).filter(|ns| !ns.is_empty())
}

pub(crate) fn group_of(api_version: &str) -> String {
    api_version
        .rsplit_once('/')
        .map(|(g, _)| g.to_string())
        .unwrap_or_default()
}

/// The object's metadata map, created when missing or malformed.
pub(crate) fn metadata(obj: &mut Value) -> &mut Map<String, Value> {
    if !obj.is_object() {
        *obj = json!({});
    }
    if !obj.get("metadata").is_some_and(Value::is_object) {
        obj["metadata"] = json!({});
    }
    match obj.get_mut("metadata") {
        Some(Value::Object(meta)) => meta,
        _ => unreachable!("metadata was made an object above"),
    }
}

/// `obj` as served at `rt`'s version.
pub(crate) fn present(rt: &ResourceType, obj: &Value) -> Value {
    let mut obj = obj.clone();
    if let Some(map) = obj.as_object_mut() {
        map.insert("apiVersion".into(), json!(rt.api_version()));
    }
    obj
}

/// `base` with the `.status` of `from` (or none, if `from` has none).
pub(crate) fn with_status(base: &Value, from: &Value) -> Value {
    let mut out = base.clone();
    if let Some(map) = out.as_object_mut() {
        match from.get("status") {
            Some(status) => map.insert("status".into(), status.clone()),
            None => map.shift_remove("status"),
        };
    }
    out
}

/// The manager of a non-apply write: `fieldManager`, or "unknown".
pub(crate) fn updater(rt: &ResourceType, query: &[(String, String)], scope: Scope) -> Manager {
    let name = param(query, "fieldManager")
        .filter(|m| !m.is_empty())
        .unwrap_or("unknown");
    Manager::new(name, false, scope, &rt.api_version(), &now())
}

/// A request body that must be an object of `rt`'s kind; missing apiVersion
/// and kind are filled in, as the real server does for JSON bodies.
pub(crate) fn parse_object(rt: &ResourceType, body: &[u8]) -> Result<Value, Reply> {
    let mut obj: Value = serde_json::from_slice(body)
        .map_err(|e| bad_request(format!("the body is not JSON: {e}")))?;
    let Some(map) = obj.as_object_mut() else {
        return Err(bad_request("the body must be a JSON object"));
    };
    for (field, expected) in [("apiVersion", rt.api_version()), ("kind", rt.kind.clone())] {
        match map.get(field).and_then(Value::as_str) {
            None => {
                map.insert(field.into(), json!(expected));
            }
            Some(given) if given != expected => {
                return Err(bad_request(format!(
                    "{field} {given:?} does not match the expected {expected:?}"
                )));
            }
            Some(_) => {}
        }
    }
    if map.get("metadata").is_some_and(|m| !m.is_object()) {
        return Err(bad_request("metadata must be an object"));
    }
    Ok(obj)
}

/// The body's name and namespace, where given, must be those of the URL.
pub(crate) fn check_identity(obj: &Value, name: &str, ns: Option<&str>) -> Result<(), Reply> {
    let given = |p: &str| Some(text(obj, p)).filter(|s| !s.is_empty());
    if let Some(given) = given("/metadata/name").filter(|g| *g != name) {
        return Err(bad_request(format!(
            "the name of the object ({given}) does not match the name on the URL ({name})"
        )));
    }
    if let (Some(given), Some(ns)) = (given("/metadata/namespace"), ns)
        && given != ns
    {
        let message =
            "the namespace of the provided object does not match the namespace sent on the request";
        return Err(bad_request(message));
    }
    Ok(())
}

/// Optimistic concurrency: a resourceVersion in the body must be the live one.
pub(crate) fn check_resource_version(
    rt: &ResourceType,
    live: &Value,
    body: &Value,
) -> Option<Reply> {
    let wanted = text(body, "/metadata/resourceVersion");
    if wanted.is_empty() || wanted == text(live, "/metadata/resourceVersion") {
        return None;
    }
    let name = text(live, "/metadata/name");
    let message = format!(
        "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; \
         please apply your changes to the latest version and try again",
        rt.qualified()
    );
    Some(status(409, "Conflict", message, details(rt, name)))
}
