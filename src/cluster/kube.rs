//! A real cluster through the `kube` client: server-side apply as field
//! manager `velac`, discovery per group-version (cached; only the groups a
//! plan uses are asked for), and the API server's errors mapped to
//! [`ApiError`] so that conflicts name the competing managers.

use super::api::{ApiError, ClusterApi, ObjRef};
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::GroupVersion;
use kube::discovery::{ApiCapabilities, ApiResource, Scope};
use kube::{Client, Config};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::runtime::Runtime;

/// The field manager of every write.
pub const FIELD_MANAGER: &str = "velac";

/// A shared runtime for blocking calls from the applier's threads.
pub fn runtime() -> Result<Arc<Runtime>, ApiError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map(Arc::new)
        .map_err(|e| ApiError::Other(format!("cannot start the I/O runtime: {e}")))
}

type Resources = Vec<(ApiResource, ApiCapabilities)>;

/// One cluster reached through kube.
pub struct KubeCluster {
    rt: Arc<Runtime>,
    client: Client,
    /// Per group-version: the served resources (`None`: not served).
    discovered: Mutex<HashMap<String, Option<Resources>>>,
    timeout: Duration,
}

fn from_kube(e: kube::Error) -> ApiError {
    match e {
        kube::Error::Api(s) => {
            if s.code == 409 && s.reason == "Conflict" && s.message.contains("conflict") {
                let managers = conflict_managers(&s.message);
                return ApiError::Conflict {
                    message: s.message.clone(),
                    managers,
                };
            }
            ApiError::Api {
                code: s.code,
                reason: s.reason.clone(),
                message: s.message.clone(),
            }
        }
        kube::Error::HyperError(e) => ApiError::Unreachable(e.to_string()),
        kube::Error::Service(e) => ApiError::Unreachable(e.to_string()),
        other => ApiError::Other(other.to_string()),
    }
}

/// The managers a server-side apply conflict names: `conflict with "kubectl"
/// using apps/v1: …` (one field) or `conflicts with "helm":` (several).
pub fn conflict_managers(msg: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in msg.split("with \"").skip(1) {
        if let Some(end) = part.find('"') {
            let m = part[..end].to_string();
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    out
}

impl KubeCluster {
    /// Connects with a kubeconfig (its current context). Nothing is sent yet.
    pub fn connect(
        kc: &Kubeconfig,
        rt: Arc<Runtime>,
        timeout: Duration,
    ) -> Result<KubeCluster, ApiError> {
        let cfg = rt
            .block_on(Config::from_custom_kubeconfig(
                kc.clone(),
                &KubeConfigOptions::default(),
            ))
            .map_err(|e| ApiError::Other(format!("kubeconfig: {e}")))?;
        Self::with_config(cfg, rt, timeout)
    }

    /// Connects with a context of the user's own kubeconfig (`$KUBECONFIG`
    /// or `~/.kube/config`; `None`: its current context): the hub, `local`.
    pub fn local(
        context: Option<&str>,
        rt: Arc<Runtime>,
        timeout: Duration,
    ) -> Result<KubeCluster, ApiError> {
        let opts = KubeConfigOptions {
            context: context.map(str::to_string),
            ..KubeConfigOptions::default()
        };
        super::check_user_kubeconfig()
            .map_err(|e| ApiError::Other(format!("your kubeconfig: {e}")))?;
        let cfg = rt
            .block_on(Config::from_kubeconfig(&opts))
            .map_err(|e| ApiError::Other(format!("your kubeconfig: {e}")))?;
        Self::with_config(cfg, rt, timeout)
    }

    fn with_config(
        mut cfg: Config,
        rt: Arc<Runtime>,
        timeout: Duration,
    ) -> Result<KubeCluster, ApiError> {
        cfg.connect_timeout = Some(timeout);
        cfg.read_timeout = Some(timeout);
        cfg.write_timeout = Some(timeout);
        let client = {
            let _enter = rt.enter();
            Client::try_from(cfg).map_err(|e| ApiError::Other(format!("client: {e}")))?
        };
        Ok(KubeCluster {
            rt,
            client,
            discovered: Mutex::new(HashMap::new()),
            timeout,
        })
    }

    /// `major.minor` of the server.
    pub fn version(&self) -> Result<String, ApiError> {
        let v = self
            .rt
            .block_on(self.bounded(self.client.apiserver_version()))?
            .map_err(from_kube)?;
        let minor: String = v.minor.chars().take_while(char::is_ascii_digit).collect();
        Ok(format!("{}.{}", v.major, minor))
    }

    async fn bounded<T>(&self, f: impl Future<Output = T>) -> Result<T, ApiError> {
        tokio::time::timeout(self.timeout, f)
            .await
            .map_err(|_| ApiError::Unreachable(format!("no answer within {:?}", self.timeout)))
    }

    fn resource(&self, r: &ObjRef) -> Result<(ApiResource, ApiCapabilities), ApiError> {
        let gv_key = r.api_version.clone();
        let cached = self
            .discovered
            .lock()
            .expect("discovery cache")
            .get(&gv_key)
            .cloned();
        let resources = match cached {
            Some(x) => x,
            None => {
                let gv: GroupVersion = r.api_version.parse().map_err(|_| {
                    ApiError::Other(format!("{r}: bad apiVersion {:?}", r.api_version))
                })?;
                let got = self
                    .rt
                    .block_on(self.bounded(kube::discovery::pinned_group(&self.client, &gv)))?;
                let found = match got {
                    Ok(g) => Some(g.versioned_resources(&gv.version)),
                    Err(kube::Error::Api(s)) if s.code == 404 => None,
                    Err(e) => return Err(from_kube(e)),
                };
                self.discovered
                    .lock()
                    .expect("discovery cache")
                    .insert(gv_key, found.clone());
                found
            }
        };
        resources
            .and_then(|rs| rs.into_iter().find(|(ar, _)| ar.kind == r.kind))
            .ok_or_else(|| ApiError::UnknownKind {
                api_version: r.api_version.clone(),
                kind: r.kind.clone(),
            })
    }

    fn api(&self, r: &ObjRef) -> Result<Api<DynamicObject>, ApiError> {
        let (ar, caps) = self.resource(r)?;
        Ok(match caps.scope {
            Scope::Cluster => Api::all_with(self.client.clone(), &ar),
            Scope::Namespaced => {
                if r.namespace.is_empty() {
                    return Err(ApiError::Other(format!(
                        "{r}: namespaced kind without a namespace"
                    )));
                }
                Api::namespaced_with(self.client.clone(), &r.namespace, &ar)
            }
        })
    }

    /// Server-side apply as [`FIELD_MANAGER`], for real or as a dry run.
    fn server_side_apply(&self, obj: &Json, force: bool, dry: bool) -> Result<Json, ApiError> {
        let r = ObjRef::of(obj);
        let api = self.api(&r)?;
        // A cluster-scoped object carries no namespace (rendering may have
        // given it one).
        let stripped;
        let obj = match self.resource(&r)?.1.scope {
            Scope::Cluster if obj.pointer("/metadata/namespace").is_some() => {
                let mut o = obj.clone();
                if let Some(m) = o.pointer_mut("/metadata").and_then(Json::as_object_mut) {
                    m.remove("namespace");
                }
                stripped = o;
                &stripped
            }
            _ => obj,
        };
        let mut pp = PatchParams::apply(FIELD_MANAGER);
        if force {
            pp = pp.force();
        }
        if dry {
            pp = pp.dry_run();
        }
        let live = self
            .rt
            .block_on(self.bounded(api.patch(&r.name, &pp, &Patch::Apply(obj))))?
            .map_err(from_kube)?;
        serde_json::to_value(live).map_err(|e| ApiError::Other(e.to_string()))
    }
}

impl ClusterApi for KubeCluster {
    fn identity(&self) -> Result<String, ApiError> {
        let r = ObjRef::new("v1", "Namespace", "", "kube-system");
        let ns = self.get(&r)?.ok_or_else(|| {
            ApiError::Other("the cluster has no kube-system namespace to identify it by".into())
        })?;
        Ok(ns
            .pointer("/metadata/uid")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string())
    }

    fn apply(&self, obj: &Json, force: bool) -> Result<Json, ApiError> {
        self.server_side_apply(obj, force, false)
    }

    fn dry_run_apply(&self, obj: &Json, force: bool) -> Result<Json, ApiError> {
        self.server_side_apply(obj, force, true)
    }

    fn get(&self, r: &ObjRef) -> Result<Option<Json>, ApiError> {
        let api = self.api(r)?;
        let got = self
            .rt
            .block_on(self.bounded(api.get_opt(&r.name)))?
            .map_err(from_kube)?;
        got.map(|o| serde_json::to_value(o).map_err(|e| ApiError::Other(e.to_string())))
            .transpose()
    }
    fn list(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        selector: &str,
    ) -> Result<Vec<Json>, ApiError> {
        let (ar, caps) = self.resource(&ObjRef::new(api_version, kind, namespace, ""))?;
        let api: Api<DynamicObject> = match caps.scope {
            Scope::Namespaced if !namespace.is_empty() => {
                Api::namespaced_with(self.client.clone(), namespace, &ar)
            }
            _ => Api::all_with(self.client.clone(), &ar),
        };
        let list = self
            .rt
            .block_on(self.bounded(api.list(&kube::api::ListParams::default().labels(selector))))?
            .map_err(from_kube)?;
        // List items of built-in kinds come without apiVersion and kind.
        list.items
            .into_iter()
            .map(|o| {
                let mut v = serde_json::to_value(o).map_err(|e| ApiError::Other(e.to_string()))?;
                if let Some(m) = v.as_object_mut() {
                    m.insert("apiVersion".into(), Json::String(ar.api_version.clone()));
                    m.insert("kind".into(), Json::String(ar.kind.clone()));
                }
                Ok(v)
            })
            .collect()
    }

    fn delete(&self, r: &ObjRef) -> Result<bool, ApiError> {
        let api = self.api(r)?;
        let dp = DeleteParams::background();
        match self.rt.block_on(self.bounded(api.delete(&r.name, &dp)))? {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
            Err(e) => Err(from_kube(e)),
        }
    }

    fn create(&self, obj: &Json) -> Result<Json, ApiError> {
        let api = self.api(&ObjRef::of(obj))?;
        let o: DynamicObject =
            serde_json::from_value(obj.clone()).map_err(|e| ApiError::Other(e.to_string()))?;
        let live = self
            .rt
            .block_on(self.bounded(api.create(&PostParams::default(), &o)))?
            .map_err(from_kube)?;
        serde_json::to_value(live).map_err(|e| ApiError::Other(e.to_string()))
    }

    fn replace(&self, obj: &Json) -> Result<Json, ApiError> {
        let r = ObjRef::of(obj);
        let api = self.api(&r)?;
        let o: DynamicObject =
            serde_json::from_value(obj.clone()).map_err(|e| ApiError::Other(e.to_string()))?;
        let live = self
            .rt
            .block_on(self.bounded(api.replace(&r.name, &PostParams::default(), &o)))?
            .map_err(from_kube)?;
        serde_json::to_value(live).map_err(|e| ApiError::Other(e.to_string()))
    }

    fn rediscover(&self) {
        // Misses may be served now, and served group-versions may have
        // gained kinds: forget everything.
        self.discovered.lock().expect("discovery cache").clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_message_names_every_manager_once() {
        let m = "Apply failed with 2 conflicts: conflict with \"kubectl\" using apps/v1: .spec.replicas\nconflict with \"helm\" using apps/v1: .spec.template\nconflict with \"kubectl\" using apps/v1: .spec.x";
        assert_eq!(conflict_managers(m), vec!["kubectl", "helm"]);
        let grouped = "Apply failed with 2 conflicts: conflicts with \"kubectl\" using apps/v1:\n- .spec.replicas\n- .spec.x";
        assert_eq!(conflict_managers(grouped), vec!["kubectl"]);
    }
}
