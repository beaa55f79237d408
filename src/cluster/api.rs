//! What the applier needs from one cluster, as a trait: the kube client
//! implements it for real clusters, tests implement it to record calls and
//! inject faults. Calls block (the applier runs clusters on threads), which
//! keeps the applier's logic free of async plumbing.

use serde_json::Value as Json;

/// Identifies one object on a cluster.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef {
    /// `apps/v1`.
    pub api_version: String,
    /// `Deployment`.
    pub kind: String,
    /// Empty for cluster-scoped objects.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl ObjRef {
    /// A reference; the namespace of a kind known to be cluster-scoped is
    /// dropped (rendering gives every object one, as upstream does), so one
    /// object has one reference in plans, inventories and requests.
    pub fn new(
        api_version: impl Into<String>,
        kind: impl Into<String>,
        namespace: impl Into<String>,
        name: impl Into<String>,
    ) -> ObjRef {
        let kind = kind.into();
        let namespace = if crate::render::bundle::cluster_scoped(&kind) {
            String::new()
        } else {
            namespace.into()
        };
        ObjRef {
            api_version: api_version.into(),
            kind,
            namespace,
            name: name.into(),
        }
    }

    /// The reference of an object (`apiVersion`, `kind`, `metadata`).
    pub fn of(obj: &Json) -> ObjRef {
        let s = |p: &str| {
            obj.pointer(p)
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string()
        };
        ObjRef::new(
            s("/apiVersion"),
            s("/kind"),
            s("/metadata/namespace"),
            s("/metadata/name"),
        )
    }

    /// The API group (empty for the core group).
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }
}

impl From<&crate::plan::read::ObjectRef> for ObjRef {
    fn from(o: &crate::plan::read::ObjectRef) -> ObjRef {
        ObjRef::new(&o.api_version, &o.kind, &o.namespace, &o.name)
    }
}

impl From<&crate::state::status::AppliedResource> for ObjRef {
    fn from(a: &crate::state::status::AppliedResource) -> ObjRef {
        ObjRef::new(&a.api_version, &a.kind, &a.namespace, &a.name)
    }
}

impl std::fmt::Display for ObjRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// Server-side apply conflicts with other field managers.
    #[error("{message} (managers: {}; rerun with --force-conflicts to take the fields over)", managers.join(", "))]
    Conflict {
        /// The server's message (lists the fields).
        message: String,
        /// The competing managers.
        managers: Vec<String>,
    },
    /// The cluster does not serve this kind.
    #[error("the cluster does not serve {kind} in {api_version} (is its CRD installed?)")]
    UnknownKind {
        /// API version.
        api_version: String,
        /// Kind.
        kind: String,
    },
    /// The server refused the request.
    #[error("{code} {reason}: {message}")]
    Api {
        /// HTTP status.
        code: u16,
        /// Kubernetes reason (`Forbidden`, `Invalid`, …).
        reason: String,
        /// The server's message.
        message: String,
    },
    /// No answer from the server.
    #[error("cluster unreachable: {0}")]
    Unreachable(String),
    /// Anything else (bad credentials file, exec plugin failure, …).
    #[error("{0}")]
    Other(String),
}

impl ApiError {
    /// Worth retrying (network trouble, server overload).
    pub fn transient(&self) -> bool {
        match self {
            ApiError::Unreachable(_) => true,
            ApiError::Api { code, .. } => matches!(code, 429 | 500 | 502 | 503 | 504),
            _ => false,
        }
    }
}

/// Runs a call, trying again a few times (0.3 s, 0.6 s, 1.2 s apart) while
/// it fails for a reason that may pass ([`ApiError::transient`]).
pub fn retry<T>(mut f: impl FnMut() -> Result<T, ApiError>) -> Result<T, ApiError> {
    let mut wait = std::time::Duration::from_millis(300);
    for _ in 0..3 {
        match f() {
            Err(e) if e.transient() => {
                std::thread::sleep(wait);
                wait *= 2;
            }
            other => return other,
        }
    }
    f()
}

/// One cluster, as the applier uses it.
pub trait ClusterApi: Send + Sync {
    /// The uid of `kube-system` (the cluster's identity).
    fn identity(&self) -> Result<String, ApiError>;
    /// Server-side apply as field manager `velac`; returns the live object.
    fn apply(&self, obj: &Json, force: bool) -> Result<Json, ApiError>;
    /// The same request as [`ClusterApi::apply`] with `dryRun=All`: the
    /// object as the server would store it, nothing written.
    fn dry_run_apply(&self, obj: &Json, force: bool) -> Result<Json, ApiError>;
    /// The live object, `None` when it does not exist.
    fn get(&self, r: &ObjRef) -> Result<Option<Json>, ApiError>;
    /// The objects of a kind in a namespace (all namespaces when empty, or
    /// for a cluster-scoped kind) matching a label selector (`""`: all).
    fn list(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        selector: &str,
    ) -> Result<Vec<Json>, ApiError>;
    /// Deletes an object; `false` when it was already gone.
    fn delete(&self, r: &ObjRef) -> Result<bool, ApiError>;
    /// Creates an object; a 409 `AlreadyExists` when it exists.
    fn create(&self, obj: &Json) -> Result<Json, ApiError>;
    /// Replaces an object, checking its `metadata.resourceVersion`: a 409
    /// `Conflict` when someone changed it since it was read.
    fn replace(&self, obj: &Json) -> Result<Json, ApiError>;
    /// Forgets what discovery learnt (after CRDs were installed).
    fn rediscover(&self);
}

/// A cluster whose identity (the uid of `kube-system`) is checked on first
/// use: a registry name that now points at another cluster is refused before
/// anything is written there. An unreachable cluster is checked again on the
/// next call.
pub struct Checked<C> {
    inner: C,
    name: String,
    expected: Option<String>,
    ok: std::sync::OnceLock<()>,
}

impl<C: ClusterApi> Checked<C> {
    /// Wraps `inner`; `expected` is the identity recorded at join.
    pub fn new(inner: C, name: &str, expected: Option<String>) -> Checked<C> {
        Checked {
            inner,
            name: name.into(),
            expected,
            ok: std::sync::OnceLock::new(),
        }
    }

    fn check(&self) -> Result<(), ApiError> {
        if self.ok.get().is_some() {
            return Ok(());
        }
        if let Some(want) = &self.expected {
            let got = self.inner.identity()?;
            if &got != want {
                return Err(ApiError::Other(format!(
                    "cluster {} is not the cluster that was joined (kube-system uid {got}, registry has {want}); detach and join it again",
                    self.name
                )));
            }
        }
        let _ = self.ok.set(());
        Ok(())
    }
}

impl<C: ClusterApi> ClusterApi for Checked<C> {
    fn identity(&self) -> Result<String, ApiError> {
        self.inner.identity()
    }
    fn apply(&self, obj: &Json, force: bool) -> Result<Json, ApiError> {
        self.check()?;
        self.inner.apply(obj, force)
    }
    fn dry_run_apply(&self, obj: &Json, force: bool) -> Result<Json, ApiError> {
        self.check()?;
        self.inner.dry_run_apply(obj, force)
    }
    fn get(&self, r: &ObjRef) -> Result<Option<Json>, ApiError> {
        self.check()?;
        self.inner.get(r)
    }
    fn list(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        selector: &str,
    ) -> Result<Vec<Json>, ApiError> {
        self.check()?;
        self.inner.list(api_version, kind, namespace, selector)
    }
    fn delete(&self, r: &ObjRef) -> Result<bool, ApiError> {
        self.check()?;
        self.inner.delete(r)
    }
    fn create(&self, obj: &Json) -> Result<Json, ApiError> {
        self.check()?;
        self.inner.create(obj)
    }
    fn replace(&self, obj: &Json) -> Result<Json, ApiError> {
        self.check()?;
        self.inner.replace(obj)
    }
    fn rediscover(&self) {
        self.inner.rediscover();
    }
}
