//! The kinds the fake serves and the discovery documents that describe them.

use super::params::{now, text};
use serde_json::{Value, json};

/// One served resource at one group version.
#[derive(Clone, Debug)]
pub(crate) struct ResourceType {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub namespaced: bool,
    /// Has a `/status` subresource, so writes to the main resource leave `.status` alone.
    pub status: bool,
    /// The CustomResourceDefinition serving this type; `None` for built-in kinds.
    pub crd: Option<String>,
}

impl ResourceType {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The resource as error messages name it: `deployments.apps`, `configmaps`.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    pub fn is_crd(&self) -> bool {
        self.group == "apiextensions.k8s.io" && self.kind == "CustomResourceDefinition"
    }

    pub fn is_namespace(&self) -> bool {
        self.group.is_empty() && self.kind == "Namespace"
    }
}

/// (group, version, kind, plural, namespaced, status subresource)
const BUILT_IN: &[(&str, &str, &str, &str, bool, bool)] = &[
    ("", "v1", "Namespace", "namespaces", false, true),
    ("", "v1", "ConfigMap", "configmaps", true, false),
    ("", "v1", "Secret", "secrets", true, false),
    ("", "v1", "Service", "services", true, true),
    ("", "v1", "Endpoints", "endpoints", true, false),
    ("", "v1", "ServiceAccount", "serviceaccounts", true, false),
    (
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
        true,
    ),
    ("", "v1", "Pod", "pods", true, true),
    ("coordination.k8s.io", "v1", "Lease", "leases", true, false),
    ("apps", "v1", "Deployment", "deployments", true, true),
    ("apps", "v1", "StatefulSet", "statefulsets", true, true),
    ("apps", "v1", "DaemonSet", "daemonsets", true, true),
    ("apps", "v1", "ReplicaSet", "replicasets", true, true),
    ("batch", "v1", "Job", "jobs", true, true),
    ("batch", "v1", "CronJob", "cronjobs", true, true),
    (
        "networking.k8s.io",
        "v1",
        "Ingress",
        "ingresses",
        true,
        true,
    ),
    (
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
        true,
    ),
    (
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
        true,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        true,
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
        false,
    ),
    (
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        true,
    ),
];

/// What the real server advertises; watch and deletecollection are advertised
/// too, although the fake answers them with 405.
const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const STATUS_VERBS: &[&str] = &["get", "patch", "update"];

/// The served types: the built-in ones plus those of established CRDs.
pub(crate) struct Catalogue {
    types: Vec<ResourceType>,
}

impl Catalogue {
    pub fn built_in() -> Catalogue {
        let types = BUILT_IN
            .iter()
            .map(
                |&(group, version, kind, plural, namespaced, status)| ResourceType {
                    group: group.into(),
                    version: version.into(),
                    kind: kind.into(),
                    plural: plural.into(),
                    singular: kind.to_lowercase(),
                    namespaced,
                    status,
                    crd: None,
                },
            )
            .collect();
        Catalogue { types }
    }

    pub fn find(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceType> {
        self.types
            .iter()
            .find(|t| t.group == group && t.version == version && t.plural == plural)
    }

    pub fn find_kind(&self, group: &str, kind: &str) -> Option<&ResourceType> {
        self.types
            .iter()
            .find(|t| t.group == group && t.kind == kind)
    }

    pub fn serves(&self, group: &str, version: &str) -> bool {
        self.types
            .iter()
            .any(|t| t.group == group && t.version == version)
    }

    /// Serves the versions of an established CRD, replacing what it served before.
    pub fn register_crd(&mut self, crd: &Value) {
        let name = text(crd, "/metadata/name");
        self.unregister_crd(name);
        let kind = text(crd, "/spec/names/kind");
        let singular = match text(crd, "/spec/names/singular") {
            "" => kind.to_lowercase(),
            given => given.to_string(),
        };
        let versions = crd.pointer("/spec/versions").and_then(Value::as_array);
        for version in versions.into_iter().flatten() {
            if version.get("served") == Some(&Value::Bool(false)) {
                continue;
            }
            self.types.push(ResourceType {
                group: text(crd, "/spec/group").into(),
                version: text(version, "/name").into(),
                kind: kind.into(),
                plural: text(crd, "/spec/names/plural").into(),
                singular: singular.clone(),
                namespaced: text(crd, "/spec/scope") != "Cluster",
                status: version.pointer("/subresources/status").is_some(),
                crd: Some(name.into()),
            });
        }
    }

    pub fn unregister_crd(&mut self, name: &str) {
        self.types.retain(|t| t.crd.as_deref() != Some(name));
    }

    /// Non-core groups in the order they were first served.
    fn groups(&self) -> Vec<&str> {
        let mut groups: Vec<&str> = Vec::new();
        for t in &self.types {
            if !t.group.is_empty() && !groups.contains(&t.group.as_str()) {
                groups.push(&t.group);
            }
        }
        groups
    }

    /// A group's versions, preferred (highest priority) first.
    fn versions(&self, group: &str) -> Vec<&str> {
        let mut versions: Vec<&str> = Vec::new();
        for t in self.types.iter().filter(|t| t.group == group) {
            if !versions.contains(&t.version.as_str()) {
                versions.push(&t.version);
            }
        }
        versions.sort_by(|a, b| version_priority(b).cmp(&version_priority(a)).then(a.cmp(b)));
        versions
    }

    /// `GET /version`
    pub fn version_info() -> Value {
        json!({
            "major": "1", "minor": "31", "gitVersion": "v1.31.0",
            "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
            "buildDate": "2024-08-13T00:00:00Z", "goVersion": "go1.22.5", "compiler": "gc",
            "platform": "linux/amd64",
        })
    }

    /// `GET /api`
    pub fn core_versions(port: u16) -> Value {
        json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": format!("127.0.0.1:{port}")}],
        })
    }

    /// `GET /apis/{group}`, or `None` when the group is not served.
    pub fn group(&self, group: &str) -> Option<Value> {
        let versions: Vec<Value> = self
            .versions(group)
            .into_iter()
            .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
            .collect();
        let preferred = versions.first()?.clone();
        Some(
            json!({"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": versions, "preferredVersion": preferred}),
        )
    }

    /// `GET /apis`
    pub fn group_list(&self) -> Value {
        let groups: Vec<Value> = self
            .groups()
            .into_iter()
            .filter_map(|g| self.group(g))
            .collect();
        json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
    }

    /// `GET /api/v1` and `GET /apis/{group}/{version}`
    pub fn resource_list(&self, group: &str, version: &str) -> Value {
        let mut resources = Vec::new();
        for t in self
            .types
            .iter()
            .filter(|t| t.group == group && t.version == version)
        {
            resources.push(json!({
                "name": t.plural, "singularName": t.singular, "namespaced": t.namespaced,
                "kind": t.kind, "verbs": VERBS,
            }));
            if t.status {
                resources.push(json!({
                    "name": format!("{}/status", t.plural), "singularName": "", "namespaced": t.namespaced,
                    "kind": t.kind, "verbs": STATUS_VERBS,
                }));
            }
        }
        let group_version = if group.is_empty() {
            version.to_string()
        } else {
            format!("{group}/{version}")
        };
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
    }

    /// Aggregated discovery (apidiscovery.k8s.io/v2) for `/api` (`core`) or `/apis`.
    pub fn aggregated(&self, core: bool) -> Value {
        let groups = if core { vec![""] } else { self.groups() };
        let items: Vec<Value> = groups
            .into_iter()
            .map(|group| {
                let versions: Vec<Value> = self
                    .versions(group)
                    .into_iter()
                    .map(|version| {
                        let resources: Vec<Value> = self
                            .types
                            .iter()
                            .filter(|t| t.group == group && t.version == version)
                            .map(aggregated_resource)
                            .collect();
                        json!({"version": version, "freshness": "Current", "resources": resources})
                    })
                    .collect();
                let metadata = if core {
                    json!({})
                } else {
                    json!({"name": group})
                };
                json!({"metadata": metadata, "versions": versions})
            })
            .collect();
        json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items})
    }
}

fn aggregated_resource(t: &ResourceType) -> Value {
    let response_kind = json!({"group": t.group, "version": t.version, "kind": t.kind});
    let subresources: Vec<Value> = if t.status {
        vec![json!({"subresource": "status", "responseKind": response_kind, "verbs": STATUS_VERBS})]
    } else {
        Vec::new()
    };
    json!({
        "resource": t.plural,
        "responseKind": response_kind,
        "scope": if t.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": t.singular,
        "verbs": VERBS,
        "subresources": subresources,
    })
}

/// Kubernetes version order: GA before beta before alpha, higher numbers
/// first; versions that do not look like `v1beta2` sort last.
fn version_priority(version: &str) -> (u8, u64, u64) {
    let Some(rest) = version.strip_prefix('v') else {
        return (0, 0, 0);
    };
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let Ok(major) = rest[..digits].parse::<u64>() else {
        return (0, 0, 0);
    };
    let stage = |prefix: &str, rank: u8| {
        let n = rest[digits..].strip_prefix(prefix)?.parse::<u64>().ok()?;
        Some((rank, major, n))
    };
    match &rest[digits..] {
        "" => (3, major, 0),
        _ => stage("beta", 2)
            .or_else(|| stage("alpha", 1))
            .unwrap_or((0, 0, 0)),
    }
}

// ---- CustomResourceDefinition objects ----

/// The checks the real server makes that a client is likely to trip over.
pub(crate) fn validate_crd(crd: &Value, name: &str) -> Result<(), String> {
    let field = |p: &str| text(crd, p);
    for (pointer, path) in [
        ("/spec/group", "spec.group"),
        ("/spec/names/plural", "spec.names.plural"),
        ("/spec/names/kind", "spec.names.kind"),
        ("/spec/scope", "spec.scope"),
    ] {
        if field(pointer).is_empty() {
            return Err(format!("{path}: Required value"));
        }
    }
    if !matches!(field("/spec/scope"), "Namespaced" | "Cluster") {
        return Err(
            "spec.scope: Unsupported value: supported values: \"Cluster\", \"Namespaced\"".into(),
        );
    }
    let expected = format!("{}.{}", field("/spec/names/plural"), field("/spec/group"));
    if name != expected {
        return Err(format!(
            "metadata.name: Invalid value: {name:?}: must be spec.names.plural+\".\"+spec.group"
        ));
    }
    let versions = crd.pointer("/spec/versions").and_then(Value::as_array);
    if versions.is_none_or(|v| v.iter().all(|v| text(v, "/name").is_empty())) {
        return Err("spec.versions: Required value: must have at least one named version".into());
    }
    Ok(())
}

/// A condition of `kind` that holds (status True) as of now.
pub(crate) fn condition(kind: &str, reason: &str, message: &str) -> Value {
    json!({
        "type": kind, "status": "True", "lastTransitionTime": now(),
        "reason": reason, "message": message,
    })
}

/// A new CRD's status: names accepted, not Established yet.
pub(crate) fn initial_crd_status(crd: &Value) -> Value {
    let versions = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let storage = versions
        .iter()
        .find(|v| v.get("storage") == Some(&json!(true)))
        .or(versions.first());
    let stored: Vec<Value> = storage
        .and_then(|v| v.get("name"))
        .cloned()
        .into_iter()
        .collect();
    json!({
        "conditions": [
            condition("NamesAccepted", "NoConflicts", "no conflicts found"),
            {
                "type": "Established", "status": "False", "lastTransitionTime": now(),
                "reason": "Installing", "message": "the initial names have been accepted",
            },
        ],
        "acceptedNames": crd.pointer("/spec/names").cloned().unwrap_or_else(|| json!({})),
        "storedVersions": stored,
    })
}

pub(crate) fn is_established(crd: &Value) -> bool {
    let conditions = crd.pointer("/status/conditions").and_then(Value::as_array);
    conditions.into_iter().flatten().any(|c| {
        c.get("type") == Some(&json!("Established")) && c.get("status") == Some(&json!("True"))
    })
}
