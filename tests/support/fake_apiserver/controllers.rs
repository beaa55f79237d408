//! What the real API server and its controllers add to written objects,
//! as far as health checks read it: defaulting of `spec.replicas`, and, for
//! benchmarks, Deployments and StatefulSets rolled out at once.

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
