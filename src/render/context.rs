//! The `context` value templates see, assembled as KubeVela assembles it.

use super::Target;
use crate::model::{Application, Component};
use serde_json::{Map, Value as Json, json};

/// The Kubernetes version a template sees as `context.clusterVersion`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterVersion {
    /// `"1"`.
    pub major: String,
    /// `"28"` (templates see it as an int).
    pub minor: String,
    /// `"v1.28.0"`.
    pub git_version: String,
    /// `"linux/amd64"`.
    pub platform: String,
}

/// The version used when the target cluster's is unknown (`--kube-version`
/// overrides it). A recent minor, so version-gated templates pick current APIs.
pub const DEFAULT_KUBE_VERSION: &str = "1.31";

impl ClusterVersion {
    /// Parses `1.28`, `v1.28` or `v1.28.3`.
    pub fn parse(s: &str) -> Result<ClusterVersion, String> {
        let t = s.trim().trim_start_matches('v');
        let mut parts = t.split('.');
        let major = parts.next().unwrap_or_default();
        let minor = parts.next().unwrap_or_default();
        let patch = parts.next().unwrap_or("0");
        let num = |x: &str| !x.is_empty() && x.chars().all(|c| c.is_ascii_digit());
        if !num(major) || !num(minor) || !num(patch) || parts.next().is_some() {
            return Err(format!(
                "invalid Kubernetes version {s:?}: expected MAJOR.MINOR such as 1.28"
            ));
        }
        Ok(ClusterVersion {
            major: major.to_string(),
            minor: minor.to_string(),
            git_version: format!("v{major}.{minor}.{patch}"),
            platform: "linux/amd64".into(),
        })
    }

    fn to_json(&self) -> Json {
        // Upstream turns the minor into an int ("28+" → 28).
        let minor: i64 = self
            .minor
            .trim_end_matches(|c: char| !c.is_ascii_digit())
            .parse()
            .unwrap_or(0);
        json!({
            "gitVersion": self.git_version,
            "major": self.major,
            "minor": minor,
            "platform": self.platform,
        })
    }
}

impl Default for ClusterVersion {
    fn default() -> ClusterVersion {
        ClusterVersion::parse(DEFAULT_KUBE_VERSION).expect("valid default version")
    }
}

fn pairs(p: &[(String, String)]) -> Json {
    Json::Object(
        p.iter()
            .map(|(k, v)| (k.clone(), Json::String(v.clone())))
            .collect(),
    )
}

/// A component as the `context.components` list shows it (the Application
/// spec entry, empty fields left out).
pub(crate) fn component_json(c: &Component) -> Json {
    let mut m = Map::new();
    m.insert("name".into(), json!(c.name));
    m.insert("type".into(), json!(c.type_));
    if let Some(r) = &c.external_revision {
        m.insert("externalRevision".into(), json!(r));
    }
    if let Some(p) = &c.properties {
        m.insert("properties".into(), p.to_json());
    }
    if !c.depends_on.is_empty() {
        m.insert("dependsOn".into(), json!(c.depends_on));
    }
    if !c.inputs.is_empty() {
        let v: Vec<Json> = c
            .inputs
            .iter()
            .map(|i| json!({"from": i.from, "parameterKey": i.parameter_key}))
            .collect();
        m.insert("inputs".into(), Json::Array(v));
    }
    if !c.outputs.is_empty() {
        let v: Vec<Json> = c
            .outputs
            .iter()
            .map(|o| json!({"name": o.name, "valueFrom": o.value_from}))
            .collect();
        m.insert("outputs".into(), Json::Array(v));
    }
    if !c.traits.is_empty() {
        let v: Vec<Json> = c
            .traits
            .iter()
            .map(|t| {
                let mut tm = Map::new();
                tm.insert("type".into(), json!(t.type_));
                if let Some(p) = &t.properties {
                    tm.insert("properties".into(), p.to_json());
                }
                Json::Object(tm)
            })
            .collect();
        m.insert("traits".into(), Json::Array(v));
    }
    Json::Object(m)
}

/// `ctx` plus `components` when the template can read it (keys sorted, as
/// upstream's Go map marshals).
/// Templates that cannot read it are evaluated without the list, which keeps
/// a render linear in the number of components.
pub(crate) fn with_components(ctx: Map<String, Json>, template: &str, components: &Json) -> Json {
    let mut entries: Vec<(String, Json)> = ctx.into_iter().collect();
    if super::share::reads(template).includes("components") {
        entries.push(("components".into(), components.clone()));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Json::Object(entries.into_iter().collect())
}

/// The base context of one component render (keys sorted, as upstream
/// marshals a Go map).
pub(crate) fn base(app: &Application, comp: &Component, t: &Target) -> Map<String, Json> {
    let publish = app
        .annotations
        .iter()
        .find(|(k, _)| k == "app.oam.dev/publishVersion")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let revision = comp
        .external_revision
        .clone()
        .unwrap_or_else(|| format!("{}-v{}", comp.name, t.revision));
    let mut m = Map::new();
    m.insert("appAnnotations".into(), pairs(&app.annotations));
    m.insert("appLabels".into(), pairs(&app.labels));
    m.insert("appName".into(), json!(app.name));
    m.insert("appRevision".into(), json!(t.app_revision(&app.name)));
    m.insert("appRevisionNum".into(), json!(t.revision));
    m.insert("cluster".into(), json!(t.cluster));
    m.insert("clusterVersion".into(), t.cluster_version.to_json());
    m.insert("componentType".into(), json!(comp.type_));
    m.insert("name".into(), json!(comp.name));
    m.insert("namespace".into(), json!(t.namespace_for(app)));
    m.insert("publishVersion".into(), json!(publish));
    m.insert("replicaKey".into(), json!(t.replica_key));
    m.insert("revision".into(), json!(revision));
    m.insert("workflowName".into(), json!(app.name));
    m
}

#[cfg(test)]
mod tests {
    use super::super::share::reads;

    #[test]
    fn which_templates_read_the_component_list() {
        let r = |t: &str| reads(t).includes("components");
        assert!(!r(
            "output: metadata: name: context.name\nx: context.output.spec"
        ));
        assert!(r("n: len(context.components)"));
        assert!(r("for k, v in context {x: v}"));
        assert!(r("a: json.Marshal(context)"));
        assert!(r("a: context[\"components\"]"));
        assert!(!r("mycontext: 1\ncontextName: context.name"));
    }
}
