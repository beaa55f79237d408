//! The bundle tree: one file per object under `<cluster>/<namespace>/`, plus
//! an index with each object's provenance. Pure: this builds the file list,
//! [`crate::fsutil`] writes it.

use super::{RenderedObject, Target};
use crate::diag::Diagnostic;
use serde_json::{Value as Json, json};

/// Kinds that live outside namespaces (their files go under `_cluster/`).
/// Without a cluster to ask, the built-in API's list is what we know.
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "VolumeAttachment",
    "CSIDriver",
    "CSINode",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "FlowSchema",
    "RuntimeClass",
    "IngressClass",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "CertificateSigningRequest",
    "ClusterIssuer",
];

/// Whether objects of this kind are cluster-scoped.
pub fn cluster_scoped(kind: &str) -> bool {
    CLUSTER_SCOPED.contains(&kind)
}

/// Where an object lives in a bundle: `<cluster>/<namespace>/<kind>.<name>.yaml`,
/// cluster-scoped objects under `_cluster/`.
pub fn path(o: &RenderedObject, t: &Target) -> String {
    let (_, kind, ns, name) = o.id();
    path_for(t.cluster_name(), kind, ns, name)
}

/// [`path`] from the object's cluster, kind, namespace and name.
pub fn path_for(cluster: &str, kind: &str, ns: &str, name: &str) -> String {
    let dir = if cluster_scoped(kind) || ns.is_empty() {
        "_cluster"
    } else {
        ns
    };
    format!("{cluster}/{dir}/{}.{name}.yaml", kind.to_lowercase())
}

/// Provenance of one object, as the index and `render --output json` show it.
pub fn provenance(o: &RenderedObject, t: &Target) -> serde_json::Map<String, Json> {
    let (_, _, ns, _) = o.id();
    let mut m = serde_json::Map::new();
    m.insert("cluster".into(), json!(t.cluster_name()));
    m.insert("namespace".into(), json!(ns));
    m.insert("env".into(), json!(t.env));
    m.insert("step".into(), json!(t.step));
    m.insert("component".into(), json!(o.component));
    m.insert("trait".into(), json!(o.trait_type()));
    m.insert("outputName".into(), json!(o.output_name()));
    m
}

/// The files of a bundle: `(relative path, contents)`, sorted by path.
/// Two objects that would land in the same file are an error.
pub fn files(objects: &[(RenderedObject, Target)]) -> Result<Vec<(String, String)>, Diagnostic> {
    let mut out: Vec<(String, String)> = Vec::new();
    let written = each_object_file(objects, |path, text| out.push((path, text)))?;
    out.push((INDEX.to_string(), index_text(objects, &written)));
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Hands each object's file to `emit` as `(relative path, YAML)`, in plan
/// order, so that a writer can take it while the next is made. An object
/// applied by two steps to one cluster is one file; two different objects
/// for one path are an error, found before `emit` sees the second. Returns
/// the positions of the objects that got a file, for [`index_text`].
pub fn each_object_file(
    objects: &[(RenderedObject, Target)],
    mut emit: impl FnMut(String, String),
) -> Result<Vec<usize>, Diagnostic> {
    let mut written = Vec::with_capacity(objects.len());
    // Path → the first object written there.
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    for (i, (o, t)) in objects.iter().enumerate() {
        let path = path(o, t);
        let text = crate::cue::builtins::json_to_yaml(&o.object);
        if let Some(&first) = seen.get(&path) {
            let (x, _) = &objects[first];
            if crate::cue::builtins::json_to_yaml(&x.object) == text {
                continue;
            }
            return Err(Diagnostic::error(format!(
                "two different objects would be written to {path}: {} and {}",
                describe(x),
                describe(o)
            )));
        }
        seen.insert(path.clone(), i);
        written.push(i);
        emit(path, text);
    }
    Ok(written)
}

/// `index.json`: the object and provenance of each file
/// [`each_object_file`] wrote (`written`), pretty-printed as it is
/// serialised (a fleet's index is thousands of entries; no tree of them is
/// built).
pub fn index_text(objects: &[(RenderedObject, Target)], written: &[usize]) -> String {
    use serde::ser::{SerializeMap, SerializeSeq};
    struct Entries<'a>(&'a [(RenderedObject, Target)], &'a [usize]);
    impl serde::Serialize for Entries<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut q = s.serialize_seq(Some(self.1.len()))?;
            for &i in self.1 {
                let (o, t) = &self.0[i];
                let path = path(o, t);
                let (api, kind, _, name) = o.id();
                let mut entry = provenance(o, t);
                entry.insert("path".into(), json!(path));
                entry.insert("apiVersion".into(), json!(api));
                entry.insert("kind".into(), json!(kind));
                entry.insert("name".into(), json!(name));
                q.serialize_element(&entry)?;
            }
            q.end()
        }
    }
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::pretty(&mut out);
    let mut m = serde::Serializer::serialize_map(&mut ser, Some(1)).expect("in memory");
    m.serialize_entry("objects", &Entries(objects, written))
        .expect("JSON values serialise");
    SerializeMap::end(m).expect("in memory");
    out.push(b'\n');
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Name of the index file at the bundle root.
pub const INDEX: &str = "index.json";

/// `component web (webservice), trait expose, output service`.
pub fn describe(o: &RenderedObject) -> String {
    let mut s = format!("component {} ({})", o.component, o.component_type);
    match (o.trait_type(), o.output_name()) {
        (Some(t), Some(n)) => s.push_str(&format!(", trait {t}, output {n}")),
        (None, Some(n)) => s.push_str(&format!(", output {n}")),
        _ => s.push_str(", workload"),
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::ObjectRole;

    fn obj(component: &str, replicas: u32) -> (RenderedObject, Target) {
        let o = RenderedObject {
            component: component.into(),
            component_type: "webservice".into(),
            role: ObjectRole::Workload,
            object: json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "prod"}, "spec": {"replicas": replicas}}),
            origins: None,
        };
        let t = Target {
            cluster: "east".into(),
            namespace: None,
            env: None,
            step: None,
            cluster_version: Default::default(),
            replica_key: String::new(),
            revision: 1,
        };
        (o, t)
    }

    #[test]
    fn one_file_per_object_and_no_two_objects_in_one_file() {
        let written = files(&[obj("a", 1), obj("a", 1)]).unwrap();
        let names: Vec<&str> = written.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(names, ["east/prod/deployment.web.yaml", "index.json"]);
        let err = files(&[obj("a", 1), obj("b", 2)]).unwrap_err();
        assert_eq!(
            err.message,
            "two different objects would be written to east/prod/deployment.web.yaml: \
             component a (webservice), workload and component b (webservice), workload"
        );
    }
}
