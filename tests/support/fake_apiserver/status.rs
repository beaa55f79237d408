//! Replies, and `Status` failure documents worded as the real server words them.

use super::catalogue::ResourceType;
use super::fields;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A status code and a JSON document.
pub(crate) struct Reply {
    pub code: u16,
    pub content_type: &'static str,
    pub body: Value,
}

pub(crate) const JSON: &str = "application/json";
pub(crate) const AGGREGATED: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

pub(crate) fn ok(body: Value) -> Reply {
    Reply {
        code: 200,
        content_type: JSON,
        body,
    }
}

pub(crate) fn discovery(body: Value) -> Reply {
    Reply {
        code: 200,
        content_type: AGGREGATED,
        body,
    }
}

/// The reason the real server gives with an HTTP status code.
pub(crate) fn reason_for(code: u16) -> &'static str {
    match code {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        410 => "Expired",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "",
    }
}

/// A `Status` failure document.
pub(crate) fn status(code: u16, reason: &str, message: impl Into<String>, details: Value) -> Reply {
    let mut body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message.into(), "reason": reason, "code": code,
    });
    if !details.is_null() {
        body["details"] = details;
    }
    Reply {
        code,
        content_type: JSON,
        body,
    }
}

pub(crate) fn details(rt: &ResourceType, name: &str) -> Value {
    let mut details = json!({"name": name, "kind": rt.plural});
    if !rt.group.is_empty() {
        details["group"] = json!(rt.group);
    }
    details
}

pub(crate) fn bad_request(message: impl Into<String>) -> Reply {
    status(400, "BadRequest", message, Value::Null)
}

pub(crate) fn not_found(rt: &ResourceType, name: &str) -> Reply {
    status(
        404,
        "NotFound",
        format!("{} \"{name}\" not found", rt.qualified()),
        details(rt, name),
    )
}

pub(crate) fn invalid(rt: &ResourceType, name: &str, message: &str) -> Reply {
    let kind = if rt.group.is_empty() {
        rt.kind.clone()
    } else {
        format!("{}.{}", rt.kind, rt.group)
    };
    let mut details = details(rt, name);
    details["kind"] = json!(rt.kind);
    status(
        422,
        "Invalid",
        format!("{kind} \"{name}\" is invalid: {message}"),
        details,
    )
}

pub(crate) fn no_route() -> Reply {
    let causes = json!({"causes": [{"reason": "UnexpectedServerResponse", "message": "404 page not found"}]});
    status(
        404,
        "NotFound",
        "the server could not find the requested resource",
        causes,
    )
}

pub(crate) fn method_not_allowed() -> Reply {
    status(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
        Value::Null,
    )
}

/// The 422 the real server gives for bad PatchOptions, before it looks the object up.
pub(crate) fn invalid_patch_options(field: &str, reason: &str, message: &str) -> Reply {
    let details = json!({
        "group": "meta.k8s.io", "kind": "PatchOptions",
        "causes": [{"reason": reason, "message": message, "field": field}],
    });
    let text = format!("PatchOptions.meta.k8s.io \"\" is invalid: {field}: {message}");
    status(422, "Invalid", text, details)
}

/// The 409 for an apply conflict, worded like structured-merge-diff.
pub(crate) fn conflict_reply(
    rt: &ResourceType,
    name: &str,
    conflicts: Vec<fields::Conflict>,
) -> Reply {
    // A StatusCause's type travels as "reason" on the wire (Go field `Type`, JSON key `reason`).
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|c| {
            json!({
                "reason": "FieldManagerConflict",
                "message": format!("conflict with {}", c.manager),
                "field": fields::path_string(&c.field),
            })
        })
        .collect();
    let message = if let [only] = conflicts.as_slice() {
        format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            only.manager,
            fields::path_string(&only.field)
        )
    } else {
        let mut by_manager: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for c in &conflicts {
            by_manager
                .entry(&c.manager)
                .or_default()
                .push(fields::path_string(&c.field));
        }
        let lines: Vec<String> = by_manager
            .into_iter()
            .flat_map(|(manager, paths)| {
                std::iter::once(format!("conflicts with {manager}:"))
                    .chain(paths.into_iter().map(|p| format!("- {p}")))
            })
            .collect();
        format!(
            "Apply failed with {} conflicts: {}",
            conflicts.len(),
            lines.join("\n")
        )
    };
    let mut details = details(rt, name);
    details["causes"] = Value::Array(causes);
    status(409, "Conflict", message, details)
}
