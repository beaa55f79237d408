//! What the real API server and its controllers add to written objects,
//! as far as health checks and steps read it: defaulting of `spec.replicas`,
//! a Secret's `stringData` folded into `data`, and, for benchmarks,
//! Deployments and StatefulSets rolled out at once.

use super::catalogue::ResourceType;
use serde_json::{Value, json};

/// Defaults `spec.replicas` to 1 for the kinds whose status rules compare
/// against it; with `roll_out`, sets the status a controller would report
/// once every replica is ready.
pub(crate) fn default_and_roll_out(
    rt: &ResourceType,
    obj: &mut Value,
    before: Option<&Value>,
    roll_out: bool,
) {
    if rt.group != "apps" {
        return;
    }
    if matches!(
        rt.kind.as_str(),
        "Deployment" | "StatefulSet" | "ReplicaSet"
    ) && let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut)
        && !spec.contains_key("replicas")
    {
        spec.insert("replicas".into(), json!(1));
    }
    if !roll_out || !matches!(rt.kind.as_str(), "Deployment" | "StatefulSet") {
        return;
    }
    let n = obj.pointer("/spec/replicas").cloned().unwrap_or(json!(1));
    let generation = before
        .and_then(|b| b.pointer("/metadata/generation").and_then(Value::as_u64))
        .unwrap_or(0)
        + u64::from(before.is_none_or(|b| b.get("spec") != obj.get("spec")));
    obj["status"] = json!({
        "observedGeneration": generation.max(1), "replicas": n, "updatedReplicas": n,
        "readyReplicas": n, "availableReplicas": n, "currentReplicas": n,
        "conditions": [
            {"type": "Available", "status": "True"},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}
        ]
    });
}

/// A Secret's `stringData` becomes base64 `data` (write-only, as the real
/// server stores it).
pub(crate) fn fold_string_data(rt: &ResourceType, obj: &mut Value) {
    use base64::Engine as _;
    if !(rt.group.is_empty() && rt.kind == "Secret") {
        return;
    }
    let Some(Value::Object(sd)) = obj
        .as_object_mut()
        .and_then(|m| m.shift_remove("stringData"))
    else {
        return;
    };
    let data = obj
        .as_object_mut()
        .map(|m| m.entry("data").or_insert_with(|| json!({})));
    if let Some(Value::Object(d)) = data {
        for (k, v) in sd {
            let text = v.as_str().unwrap_or_default().to_string();
            d.insert(
                k,
                json!(base64::engine::general_purpose::STANDARD.encode(text)),
            );
        }
    }
}
