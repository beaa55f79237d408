//! The cluster registry: clusters joined from kubeconfigs, kept under
//! `$VELAC_HOME/clusters/<name>.json` (owner-only, as they hold
//! credentials), and the snapshot placement reads from them.
//!
//! An entry keeps a one-context kubeconfig of its own: certificate files are
//! inlined at join (the registry must not depend on files that move), token
//! files and exec plugins are kept as they are (they rotate; KubeVela
//! resolves exec plugins to a static token at join, which then expires).
//! `local` is reserved: it is the current context of the user's own
//! kubeconfig, as the hub is in KubeVela.

pub mod api;
pub mod hub;
pub mod kube;

use crate::policy::{CONTROL_PLANE_LABEL, Cluster, ClusterSet};
use crate::state::{StateError, Store};
use ::kube::config::{Kubeconfig, NamedAuthInfo, NamedCluster, NamedContext};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::Path;

/// Errors of registry operations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// The state store failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// The kubeconfig is unusable.
    #[error("{0}")]
    Kubeconfig(String),
    /// No such cluster.
    #[error("cluster {name:?} not found{hint}")]
    NotFound {
        /// Name asked for.
        name: String,
        /// ` (did you mean …?)` or the registered names.
        hint: String,
    },
    /// A name that cannot be used.
    #[error("{0}")]
    BadName(String),
    /// Joining over an existing entry.
    #[error("cluster {0:?} already exists (detach it first, or join under another --name)")]
    Exists(String),
    /// Detaching a cluster applications still use.
    #[error("cluster {cluster} is in use: {}", apps.join(", "))]
    InUse {
        /// The cluster.
        cluster: String,
        /// `application ns/app (env: e) places workloads there`, one per app.
        apps: Vec<String>,
    },
    /// A label operation that does not apply.
    #[error("{0}")]
    Label(String),
}

/// One registered cluster.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Name used in policies.
    pub name: String,
    /// Labels (topology's `clusterLabelSelector` matches them).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// API server URL.
    pub endpoint: String,
    /// `X509Certificate`, `ServiceAccountToken`, `Exec` or `Other`
    /// (KubeVela's credential types, plus exec kept as exec).
    pub credential_type: String,
    /// `major.minor` the server reported at join.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_version: Option<String>,
    /// The uid of the cluster's `kube-system` namespace, read at join: the
    /// applier checks it so a reused name never deploys to another cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// When it was joined.
    pub joined_at: String,
    /// The credentials: a kubeconfig with this one cluster, user and context.
    pub kubeconfig: Kubeconfig,
}

impl Entry {
    /// The entry as placement sees it (no credentials).
    pub fn cluster(&self) -> Cluster {
        let mut labels: Vec<(String, String)> = self
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !self.labels.contains_key(CONTROL_PLANE_LABEL) {
            labels.push((CONTROL_PLANE_LABEL.into(), "false".into()));
            labels.sort();
        }
        Cluster {
            name: self.name.clone(),
            labels,
            endpoint: self.endpoint.clone(),
            kube_version: self.kube_version.clone(),
        }
    }
}

/// Checks a cluster name (DNS-1123 label; `local` is the hub).
pub fn check_name(name: &str) -> Result<(), ClusterError> {
    if name == "local" {
        return Err(ClusterError::BadName(
            "\"local\" is reserved for the hub (the current context of your own kubeconfig)".into(),
        ));
    }
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(ClusterError::BadName(format!(
            "invalid cluster name {name:?}: use lower-case letters, digits and '-' (at most 63)"
        )))
    }
}

/// Parses `k=v,k2=v2`.
pub fn parse_labels(s: &str) -> Result<BTreeMap<String, String>, ClusterError> {
    let mut m = BTreeMap::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((k, v)) = part.split_once('=') else {
            return Err(ClusterError::Label(format!(
                "label {part:?} is not of the form key=value"
            )));
        };
        if k.trim().is_empty() {
            return Err(ClusterError::Label(format!(
                "label {part:?} has an empty key"
            )));
        }
        m.insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(m)
}

fn read_b64_file(path: &str) -> Result<String, ClusterError> {
    let bytes = std::fs::read(path)
        .map_err(|e| ClusterError::Kubeconfig(format!("cannot read {path}: {e}")))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Refuses a kubeconfig file that kube-client cannot read without panicking:
/// it decodes a file that opens with a UTF-16 byte-order mark two bytes at
/// a time and indexes past the end when an odd number follows (kube-client
/// 5.0.0, `file_config::read_path`; found by the `kubeconfig` fuzz target).
/// Such a file is not UTF-16 at all. An unreadable file passes: kube says
/// why it cannot read it.
pub fn check_kubeconfig_file(path: &Path) -> Result<(), ClusterError> {
    let Ok(bytes) = std::fs::read(path) else {
        return Ok(());
    };
    if matches!(bytes.as_slice(), [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]) && bytes.len() % 2 == 1 {
        return Err(ClusterError::Kubeconfig(format!(
            "{}: not a valid kubeconfig: it starts with a UTF-16 byte-order mark \
             but has an odd number of bytes",
            path.display()
        )));
    }
    Ok(())
}

/// [`check_kubeconfig_file`] for each file of the user's own kubeconfig
/// (`$KUBECONFIG`, else `~/.kube/config`), as kube-client finds them.
pub fn check_user_kubeconfig() -> Result<(), ClusterError> {
    let paths: Vec<std::path::PathBuf> = match std::env::var_os("KUBECONFIG") {
        Some(v) if !v.is_empty() => std::env::split_paths(&v).collect(),
        _ => std::env::var_os("HOME")
            .map(|h| std::path::PathBuf::from(h).join(".kube/config"))
            .into_iter()
            .collect(),
    };
    // None there at all: say so plainly (kube's own words quote a Debug path).
    if !paths.iter().any(|p| p.exists()) {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(ClusterError::Kubeconfig(format!(
            "not found at {} (set KUBECONFIG to yours: `local` is its current context)",
            if shown.is_empty() {
                "$HOME/.kube/config".to_string()
            } else {
                shown.join(", ")
            }
        )));
    }
    paths
        .iter()
        .filter(|p| p.exists())
        .try_for_each(|p| check_kubeconfig_file(p))
}

/// The cluster, user and context a kubeconfig names, as a self-contained
/// one-context kubeconfig; plus the default name (the context's cluster).
pub fn extract(path: &Path, context: Option<&str>) -> Result<(Kubeconfig, String), ClusterError> {
    check_kubeconfig_file(path)?;
    let kc = Kubeconfig::read_from(path)
        .map_err(|e| ClusterError::Kubeconfig(format!("{}: {e}", path.display())))?;
    let ctx_name = match context.map(str::to_string).or(kc.current_context.clone()) {
        Some(c) => c,
        None => {
            return Err(ClusterError::Kubeconfig(format!(
                "{}: no current-context; pick one with --context",
                path.display()
            )));
        }
    };
    let Some(ctx) = kc.contexts.iter().find(|c| c.name == ctx_name) else {
        let names: Vec<&str> = kc.contexts.iter().map(|c| c.name.as_str()).collect();
        return Err(ClusterError::Kubeconfig(format!(
            "{}: no context {ctx_name:?} (contexts: {})",
            path.display(),
            names.join(", ")
        )));
    };
    let Some(c) = &ctx.context else {
        return Err(ClusterError::Kubeconfig(format!(
            "{}: context {ctx_name:?} is empty",
            path.display()
        )));
    };
    let mut cluster = kc
        .clusters
        .iter()
        .find(|x| x.name == c.cluster)
        .cloned()
        .ok_or_else(|| {
            ClusterError::Kubeconfig(format!(
                "{}: context {ctx_name:?} names cluster {:?}, which the file does not define",
                path.display(),
                c.cluster
            ))
        })?;
    if let Some(cl) = &mut cluster.cluster
        && cl.certificate_authority_data.is_none()
        && let Some(p) = cl.certificate_authority.take()
    {
        cl.certificate_authority_data = Some(read_b64_file(&p)?);
    }
    let mut user = match &c.user {
        Some(u) => kc
            .auth_infos
            .iter()
            .find(|x| &x.name == u)
            .cloned()
            .ok_or_else(|| {
                ClusterError::Kubeconfig(format!(
                    "{}: context {ctx_name:?} names user {u:?}, which the file does not define",
                    path.display()
                ))
            })?,
        None => NamedAuthInfo {
            name: "user".into(),
            auth_info: None,
            other: BTreeMap::new(),
        },
    };
    if let Some(a) = &mut user.auth_info {
        if a.client_certificate_data.is_none()
            && let Some(p) = a.client_certificate.take()
        {
            a.client_certificate_data = Some(read_b64_file(&p)?);
        }
        if a.client_key_data.is_none()
            && let Some(p) = a.client_key.take()
        {
            a.client_key_data = Some(read_b64_file(&p)?.into());
        }
    }
    let default_name = cluster.name.clone();
    let one = Kubeconfig {
        clusters: vec![cluster],
        auth_infos: vec![user.clone()],
        contexts: vec![NamedContext {
            name: ctx_name.clone(),
            context: Some(::kube::config::Context {
                cluster: c.cluster.clone(),
                user: Some(user.name.clone()),
                namespace: c.namespace.clone(),
                extensions: None,
                other: BTreeMap::new(),
            }),
            other: BTreeMap::new(),
        }],
        current_context: Some(ctx_name),
        ..Kubeconfig::default()
    };
    Ok((one, default_name))
}

/// The endpoint and credential type of a one-context kubeconfig.
pub fn describe(kc: &Kubeconfig) -> (String, String) {
    let endpoint = kc
        .clusters
        .first()
        .and_then(|c: &NamedCluster| c.cluster.as_ref())
        .and_then(|c| c.server.clone())
        .unwrap_or_else(|| "-".into());
    let kind = match kc.auth_infos.first().and_then(|u| u.auth_info.as_ref()) {
        Some(a) if a.exec.is_some() => "Exec",
        Some(a) if a.client_certificate_data.is_some() => "X509Certificate",
        Some(a) if a.token.is_some() || a.token_file.is_some() => "ServiceAccountToken",
        _ => "Other",
    };
    (endpoint, kind.into())
}

/// The registry, in a state store.
pub struct Registry<'a> {
    store: &'a dyn Store,
}

fn decode(v: Json) -> Result<Entry, ClusterError> {
    let name = v["name"].as_str().unwrap_or("?").to_string();
    serde_json::from_value(v).map_err(|e| {
        ClusterError::State(StateError::Corrupt(
            std::path::PathBuf::from(format!("cluster {name}")),
            e.to_string(),
        ))
    })
}

fn encode(e: &Entry) -> Json {
    serde_json::to_value(e).expect("entries serialise")
}

impl<'a> Registry<'a> {
    /// The registry of this store.
    pub fn new(store: &'a dyn Store) -> Registry<'a> {
        Registry { store }
    }

    /// Every entry, in join order (then by name).
    pub fn list(&self) -> Result<Vec<Entry>, ClusterError> {
        let mut out = self
            .store
            .clusters()?
            .into_iter()
            .map(decode)
            .collect::<Result<Vec<_>, _>>()?;
        out.sort_by(|a, b| (&a.joined_at, &a.name).cmp(&(&b.joined_at, &b.name)));
        Ok(out)
    }

    /// One entry.
    pub fn get(&self, name: &str) -> Result<Entry, ClusterError> {
        if let Some(v) = self.store.cluster(name)? {
            return decode(v);
        }
        let names: Vec<String> = self.list()?.into_iter().map(|e| e.name).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let hint = match crate::model::nearest(name, &refs) {
            Some(n) => format!(" (did you mean {n:?}?)"),
            None if names.is_empty() => " (no clusters are joined)".into(),
            None => format!(" (clusters: {})", names.join(", ")),
        };
        Err(ClusterError::NotFound {
            name: name.into(),
            hint,
        })
    }

    /// Adds a new entry; refuses to overwrite.
    pub fn add(&self, e: &Entry) -> Result<(), ClusterError> {
        check_name(&e.name)?;
        if !self.store.put_cluster(&e.name, &encode(e), true)? {
            return Err(ClusterError::Exists(e.name.clone()));
        }
        Ok(())
    }

    /// Replaces an existing entry.
    pub fn save(&self, e: &Entry) -> Result<(), ClusterError> {
        self.store.put_cluster(&e.name, &encode(e), false)?;
        Ok(())
    }

    /// Applications whose status places workloads on `name`.
    pub fn users(&self, name: &str) -> Result<Vec<String>, ClusterError> {
        let mut out = Vec::new();
        for (key, st) in self.store.apps()? {
            if st.clusters_in_use().iter().any(|c| c == name) {
                let envs: Vec<String> = st
                    .services
                    .iter()
                    .filter(|s| s.cluster == name)
                    .filter_map(|s| s.env.clone())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let env = if envs.is_empty() {
                    String::new()
                } else {
                    format!(" (env: {})", envs.join(", "))
                };
                out.push(format!(
                    "application {key}{env} is currently using cluster {name}"
                ));
            }
        }
        Ok(out)
    }

    /// Removes an entry, refused while an application uses the cluster.
    pub fn detach(&self, name: &str) -> Result<Entry, ClusterError> {
        if name == "local" {
            return Err(ClusterError::BadName(
                "cannot detach internal cluster `local`".into(),
            ));
        }
        let e = self.get(name)?;
        let users = self.users(name)?;
        if !users.is_empty() {
            return Err(ClusterError::InUse {
                cluster: name.into(),
                apps: users,
            });
        }
        self.store.remove_cluster(name)?;
        Ok(e)
    }

    /// Renames an entry (refused while applications use the old name: their
    /// status and plans name it).
    pub fn rename(&self, old: &str, new: &str) -> Result<(), ClusterError> {
        check_name(new)?;
        let mut e = self.get(old)?;
        if self.store.cluster(new)?.is_some() {
            return Err(ClusterError::Exists(new.into()));
        }
        let users = self.users(old)?;
        if !users.is_empty() {
            return Err(ClusterError::InUse {
                cluster: old.into(),
                apps: users,
            });
        }
        e.name = new.into();
        self.add(&e)?;
        self.store.remove_cluster(old)?;
        Ok(())
    }

    /// Adds or replaces labels.
    pub fn labels_add(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<(), ClusterError> {
        let mut e = self.get(name)?;
        e.labels.extend(labels.clone());
        self.save(&e)
    }

    /// Removes labels; every key must exist.
    pub fn labels_del(&self, name: &str, keys: &[String]) -> Result<(), ClusterError> {
        let mut e = self.get(name)?;
        for k in keys {
            if e.labels.remove(k).is_none() {
                return Err(ClusterError::Label(format!(
                    "cluster {name} has no such label: {k}"
                )));
            }
        }
        self.save(&e)
    }

    /// The cluster snapshot placement chooses from: `local` plus every entry.
    pub fn snapshot(&self) -> Result<ClusterSet, ClusterError> {
        let mut set = ClusterSet::local_only();
        set.clusters.extend(self.list()?.iter().map(Entry::cluster));
        Ok(set)
    }
}
