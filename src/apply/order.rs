//! The order objects are applied in, and deleted in (reversed).
//!
//! Two stages, as Flux and kapp do: first what other objects need to exist
//! (Namespaces, CustomResourceDefinitions — the applier waits for these to
//! be Established and rediscovers), then everything else in a kind order
//! close to Helm's and cli-utils': policy and identity before configuration,
//! configuration before workloads, workloads before what routes to or
//! scales them, webhooks last. Kinds not listed (custom resources) come after
//! the listed ones. Within a kind, the plan's order is kept.

use serde_json::Value as Json;

/// Kinds in apply order.
const KIND_ORDER: &[&str] = &[
    "Namespace",
    "CustomResourceDefinition",
    "PriorityClass",
    "ResourceQuota",
    "LimitRange",
    "StorageClass",
    "IngressClass",
    "RuntimeClass",
    "NetworkPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Kinds applied (and waited for) before everything else.
pub fn is_first_stage(kind: &str) -> bool {
    matches!(kind, "Namespace" | "CustomResourceDefinition")
}

fn rank(kind: &str) -> usize {
    KIND_ORDER
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(KIND_ORDER.len())
}

/// Indices of `objects` in apply order (stable within a kind).
pub fn apply_order(objects: &[&Json]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..objects.len()).collect();
    idx.sort_by_key(|&i| rank(objects[i]["kind"].as_str().unwrap_or("")));
    idx
}

/// Indices in delete order: the reverse of the apply order.
pub fn delete_order(objects: &[&Json]) -> Vec<usize> {
    let mut idx = apply_order(objects);
    idx.reverse();
    idx
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kinds(order: &[usize], objs: &[Json]) -> Vec<String> {
        order
            .iter()
            .map(|&i| objs[i]["kind"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn namespaces_and_crds_first_custom_resources_after_known_kinds() {
        let objs: Vec<Json> = [
            "Ingress",
            "Widget",
            "Deployment",
            "Service",
            "ConfigMap",
            "CustomResourceDefinition",
            "Namespace",
            "Secret",
            "HorizontalPodAutoscaler",
            "ServiceAccount",
        ]
        .iter()
        .map(|k| json!({"kind": k}))
        .collect();
        let refs: Vec<&Json> = objs.iter().collect();
        assert_eq!(
            kinds(&apply_order(&refs), &objs),
            [
                "Namespace",
                "CustomResourceDefinition",
                "ServiceAccount",
                "Secret",
                "ConfigMap",
                "Service",
                "Deployment",
                "HorizontalPodAutoscaler",
                "Ingress",
                "Widget"
            ]
        );
        let del = kinds(&delete_order(&refs), &objs);
        assert_eq!(del.first().map(String::as_str), Some("Widget"));
        assert_eq!(del.last().map(String::as_str), Some("Namespace"));
    }

    #[test]
    fn same_kind_keeps_plan_order() {
        let objs: Vec<Json> = ["b", "a", "c"]
            .iter()
            .map(|n| json!({"kind": "Deployment", "metadata": {"name": n}}))
            .collect();
        let refs: Vec<&Json> = objs.iter().collect();
        assert_eq!(apply_order(&refs), vec![0, 1, 2]);
    }
}
