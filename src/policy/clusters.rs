//! The cluster snapshot placement decides over: `local` (the hub) plus the
//! clusters of `--clusters FILE`, a YAML list of `{name, labels, endpoint,
//! kubeVersion}`.

use super::PolicyError;
use crate::model::nearest;
use crate::source::{FileId, SourceMap, Span};
use crate::yaml::{Kind, Node};

/// One cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    /// Name (`local` is the hub).
    pub name: String,
    /// Labels, sorted by key.
    pub labels: Vec<(String, String)>,
    /// API server URL (`-` for local).
    pub endpoint: String,
    /// Kubernetes version (`1.28`), if known.
    pub kube_version: Option<String>,
}

/// The clusters known to one run; `local` first.
#[derive(Clone, Debug)]
pub struct ClusterSet {
    /// In selection order: `local`, then the file's order.
    pub clusters: Vec<Cluster>,
}

/// Label KubeVela puts on the hub (and, as `"false"`, on joined clusters).
pub const CONTROL_PLANE_LABEL: &str = "cluster.core.oam.dev/control-plane";

fn local() -> Cluster {
    Cluster {
        name: "local".into(),
        labels: vec![(CONTROL_PLANE_LABEL.into(), "true".into())],
        endpoint: "-".into(),
        kube_version: None,
    }
}

impl ClusterSet {
    /// Only the local cluster.
    pub fn local_only() -> ClusterSet {
        ClusterSet {
            clusters: vec![local()],
        }
    }

    /// `local` plus the clusters of a YAML list.
    pub fn load(sources: &SourceMap, file: FileId) -> Result<ClusterSet, PolicyError> {
        let docs = crate::yaml::parse_documents(sources, file).map_err(PolicyError::Diag)?;
        let whole = Span::new(file, 0, 0);
        let items = match docs.as_slice() {
            [] => &[][..],
            [
                Node {
                    kind: Kind::Seq(items),
                    ..
                },
            ] => items.as_slice(),
            [other, ..] => return Err(PolicyError::at("expected a list of clusters", other.span)),
        };
        let mut set = ClusterSet::local_only();
        for (i, n) in items.iter().enumerate() {
            let Kind::Map(fields) = &n.kind else {
                return Err(PolicyError::at(format!("[{i}]: expected a map"), n.span));
            };
            for (k, _) in fields {
                let allowed = ["name", "labels", "endpoint", "kubeVersion"];
                if !allowed.contains(&k.name.as_str()) {
                    let hint = nearest(&k.name, &allowed)
                        .map(|s| format!(" (did you mean {s:?}?)"))
                        .unwrap_or_default();
                    return Err(PolicyError::at(
                        format!("[{i}].{}: unknown field{hint}", k.name),
                        k.span,
                    ));
                }
            }
            let s = |k: &str| n.get(k).and_then(Node::as_str).map(String::from);
            let Some(name) = s("name").filter(|x| !x.is_empty()) else {
                return Err(PolicyError::at(
                    format!("[{i}]: missing required field \"name\""),
                    n.span,
                ));
            };
            if set.get(&name).is_some() {
                let what = if name == "local" {
                    "\"local\" is the hub and always present".to_string()
                } else {
                    format!("duplicate cluster {name:?}")
                };
                return Err(PolicyError::at(
                    format!("[{i}].name: {what}"),
                    n.get("name").map_or(n.span, |x| x.span),
                ));
            }
            let mut labels: Vec<(String, String)> = match n.get("labels").map(|l| &l.kind) {
                Some(Kind::Map(m)) => m
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.name.clone(),
                            v.as_str()
                                .map_or_else(|| v.to_json().to_string(), String::from),
                        )
                    })
                    .collect(),
                _ => Vec::new(),
            };
            if !labels.iter().any(|(k, _)| k == CONTROL_PLANE_LABEL) {
                labels.push((CONTROL_PLANE_LABEL.into(), "false".into()));
            }
            labels.sort();
            let kube_version = match n.get("kubeVersion").map(|v| &v.kind) {
                Some(Kind::String(v)) => Some(v.clone()),
                Some(Kind::Number(v)) => Some(v.to_string()),
                _ => None,
            };
            set.clusters.push(Cluster {
                name,
                labels,
                endpoint: s("endpoint").unwrap_or_default(),
                kube_version,
            });
        }
        let _ = whole;
        Ok(set)
    }

    /// A cluster by name.
    pub fn get(&self, name: &str) -> Option<&Cluster> {
        self.clusters.iter().find(|c| c.name == name)
    }

    /// Names, for hints.
    pub fn names(&self) -> Vec<&str> {
        self.clusters.iter().map(|c| c.name.as_str()).collect()
    }
}
