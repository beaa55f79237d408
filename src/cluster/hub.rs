//! The state kept in a hub cluster (`--hub CONTEXT`), so that CI runners and
//! people share one truth. Everything lives in namespace `vela-system`:
//!
//! - clusters: Secrets named after the cluster, in KubeVela's layout (label
//!   `cluster.core.oam.dev/cluster-credential-type`, data `endpoint`,
//!   `ca.crt`, `token` or `tls.crt`/`tls.key`), so `vela cluster list` sees
//!   velac's clusters and velac uses clusters joined by `vela cluster join`;
//!   velac adds `velac.entry` (its own entry: exec plugins, identity);
//! - application status: ConfigMap `velac-status.<namespace>.<app>`,
//!   replaced with resourceVersion checks (a concurrent update makes the
//!   other writer read again, never overwrites);
//! - applied plans: Secret `velac-plan.<namespace>.<revision>` (a bundle
//!   may hold Secrets);
//! - run locks: Lease `velac-lock.<namespace>.<app>`, renewed while the run
//!   lasts; a holder that died stops renewing and the lease can be taken
//!   over once it expired.

use super::api::{ApiError, ClusterApi, ObjRef};
use crate::state::status::AppStatus;
use crate::state::{AppKey, StateError, Store, WorkflowContext};
use base64::Engine;
use serde_json::{Value as Json, json};
use std::any::Any;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The namespace KubeVela keeps cluster credentials in.
pub const NAMESPACE: &str = "vela-system";
const CREDENTIAL_TYPE: &str = "cluster.core.oam.dev/cluster-credential-type";
const KIND_LABEL: &str = "velac.dev/kind";
/// How long a run lock lives without renewal.
const LEASE_SECONDS: i64 = 30;
/// Secrets and ConfigMaps hold at most 1 MiB.
const MAX_OBJECT: usize = 1 << 20;

fn hub_err(e: ApiError) -> StateError {
    StateError::Hub(e.to_string())
}

fn b64(s: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn unb64(v: &Json) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v.as_str()?)
        .ok()?;
    String::from_utf8(bytes).ok()
}

fn is_code(e: &ApiError, code: u16) -> bool {
    matches!(e, ApiError::Api { code: c, .. } if *c == code)
}

/// State in a hub cluster.
pub struct Hub {
    api: Arc<dyn ClusterApi>,
    name: String,
}

impl Hub {
    /// Connects to a context of the user's kubeconfig and makes sure
    /// `vela-system` exists.
    pub fn connect(context: &str) -> Result<Hub, StateError> {
        let rt = super::kube::runtime().map_err(hub_err)?;
        let c = super::kube::KubeCluster::local(Some(context), rt, Duration::from_secs(15))
            .map_err(hub_err)?;
        Hub::with(Arc::new(c), context)
    }

    /// A hub reached through any [`ClusterApi`] (tests use fakes).
    pub fn with(api: Arc<dyn ClusterApi>, name: &str) -> Result<Hub, StateError> {
        let ns = ObjRef::new("v1", "Namespace", "", NAMESPACE);
        if api.get(&ns).map_err(hub_err)?.is_none() {
            let obj =
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}});
            match api.create(&obj) {
                Ok(_) => {}
                Err(e) if is_code(&e, 409) => {}
                Err(e) => return Err(hub_err(e)),
            }
        }
        Ok(Hub {
            api,
            name: name.into(),
        })
    }

    fn context_name(app: &AppKey) -> String {
        format!("velac-context.{}.{}", app.namespace, app.name)
    }

    fn status_name(app: &AppKey) -> String {
        format!("velac-status.{}.{}", app.namespace, app.name)
    }

    fn get(&self, kind: &str, api_version: &str, name: &str) -> Result<Option<Json>, StateError> {
        self.api
            .get(&ObjRef::new(api_version, kind, NAMESPACE, name))
            .map_err(hub_err)
    }
}

fn parse_status(cm: &Json) -> Result<Option<AppStatus>, StateError> {
    match cm.pointer("/data/status.json").and_then(Json::as_str) {
        Some(t) => serde_json::from_str(t)
            .map(Some)
            .map_err(|e| StateError::Hub(format!("corrupt status in the hub: {e}"))),
        None => Ok(None),
    }
}

/// The velac entry a cluster Secret holds, or one made from KubeVela's
/// fields (a cluster joined with `vela cluster join`).
fn entry_of(secret: &Json) -> Option<Json> {
    let data = secret.get("data")?;
    if let Some(e) = data.get("velac.entry").and_then(unb64)
        && let Ok(v) = serde_json::from_str::<Json>(&e)
    {
        return Some(v);
    }
    let name = secret.pointer("/metadata/name")?.as_str()?;
    let endpoint = data.get("endpoint").and_then(unb64)?;
    let mut user = json!({});
    if let Some(t) = data.get("token").and_then(unb64) {
        user["token"] = json!(t);
    }
    if let (Some(c), Some(k)) = (data.get("tls.crt"), data.get("tls.key")) {
        user["client-certificate-data"] = c.clone();
        user["client-key-data"] = k.clone();
    }
    let mut cluster = json!({"server": endpoint});
    match data.get("ca.crt") {
        Some(ca) => cluster["certificate-authority-data"] = ca.clone(),
        None => cluster["insecure-skip-tls-verify"] = json!(true),
    }
    let labels: serde_json::Map<String, Json> = secret
        .pointer("/metadata/labels")
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !k.starts_with("cluster.core.oam.dev/"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    let kind = secret
        .pointer(&format!(
            "/metadata/labels/{}",
            CREDENTIAL_TYPE.replace('/', "~1")
        ))
        .cloned()
        .unwrap_or(json!("Other"));
    Some(json!({
        "name": name,
        "labels": labels,
        "endpoint": endpoint,
        "credentialType": kind,
        "joinedAt": secret.pointer("/metadata/creationTimestamp").cloned().unwrap_or(json!("")),
        "kubeconfig": {
            "clusters": [{"name": name, "cluster": cluster}],
            "users": [{"name": name, "user": user}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
            "current-context": name,
        },
    }))
}

/// A cluster Secret in KubeVela's layout, with velac's entry beside.
fn secret_of(name: &str, entry: &Json) -> Json {
    let mut data = serde_json::Map::new();
    data.insert(
        "velac.entry".into(),
        json!(b64(entry.to_string().as_bytes())),
    );
    if let Some(ep) = entry["endpoint"].as_str() {
        data.insert("endpoint".into(), json!(b64(ep.as_bytes())));
    }
    let kc = &entry["kubeconfig"];
    if let Some(ca) = kc.pointer("/clusters/0/cluster/certificate-authority-data") {
        data.insert("ca.crt".into(), ca.clone());
    }
    let user = kc.pointer("/users/0/user").cloned().unwrap_or_default();
    if let Some(t) = user.get("token").and_then(Json::as_str) {
        data.insert("token".into(), json!(b64(t.as_bytes())));
    }
    if let (Some(c), Some(k)) = (
        user.get("client-certificate-data"),
        user.get("client-key-data"),
    ) {
        data.insert("tls.crt".into(), c.clone());
        data.insert("tls.key".into(), k.clone());
    }
    let mut labels: serde_json::Map<String, Json> =
        entry["labels"].as_object().cloned().unwrap_or_default();
    labels.insert(CREDENTIAL_TYPE.into(), entry["credentialType"].clone());
    json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels},
        "data": data,
    })
}

/// Holds a Lease and renews it until dropped.
struct LeaseGuard {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    api: Arc<dyn ClusterApi>,
    name: String,
    who: String,
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        // Only our own lease: after a stall, someone may have taken it over.
        let r = ObjRef::new("coordination.k8s.io/v1", "Lease", NAMESPACE, &self.name);
        if let Ok(Some(l)) = self.api.get(&r)
            && l.pointer("/spec/holderIdentity").and_then(Json::as_str) == Some(self.who.as_str())
        {
            let _ = self.api.delete(&r);
        }
    }
}

fn micro_now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S.%6fZ")
        .to_string()
}

fn lease_expired(lease: &Json) -> bool {
    let renewed = lease
        .pointer("/spec/renewTime")
        .and_then(Json::as_str)
        .and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let secs = lease
        .pointer("/spec/leaseDurationSeconds")
        .and_then(Json::as_i64)
        .unwrap_or(LEASE_SECONDS);
    renewed.is_none_or(|t| jiff::Timestamp::now().as_second() > t.as_second().saturating_add(secs))
}

impl Store for Hub {
    fn status(&self, app: &AppKey) -> Result<Option<AppStatus>, StateError> {
        match self.get("ConfigMap", "v1", &Self::status_name(app))? {
            Some(cm) => parse_status(&cm),
            None => Ok(None),
        }
    }

    /// Optimistic: read, change, write back with the resourceVersion read;
    /// on a conflict read again.
    fn update_status_with(
        &self,
        app: &AppKey,
        f: &mut dyn FnMut(&mut Option<AppStatus>),
    ) -> Result<(), StateError> {
        let name = Self::status_name(app);
        for _ in 0..20 {
            let cm = self.get("ConfigMap", "v1", &name)?;
            let before = match &cm {
                Some(c) => parse_status(c)?,
                None => None,
            };
            let mut s = before.clone();
            f(&mut s);
            if s == before {
                return Ok(());
            }
            let res = match (&cm, &s) {
                (Some(_), None) => self
                    .api
                    .delete(&ObjRef::new("v1", "ConfigMap", NAMESPACE, &name))
                    .map(|_| Json::Null),
                (None, None) => return Ok(()),
                (old, Some(s)) => {
                    let text = serde_json::to_string_pretty(s).expect("status serialises");
                    let mut obj = json!({
                        "apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": name, "namespace": NAMESPACE, "labels": {
                            KIND_LABEL: "status",
                            "velac.dev/app-namespace": app.namespace,
                            "velac.dev/app-name": app.name,
                        }},
                        "data": {"status.json": text},
                    });
                    match old {
                        Some(o) => {
                            obj["metadata"]["resourceVersion"] =
                                o["metadata"]["resourceVersion"].clone();
                            self.api.replace(&obj)
                        }
                        None => self.api.create(&obj),
                    }
                }
            };
            match res {
                Ok(_) => return Ok(()),
                Err(e) if is_code(&e, 409) => continue,
                Err(e) => return Err(hub_err(e)),
            }
        }
        Err(StateError::Hub(format!(
            "status of {app} kept changing under us; try again"
        )))
    }

    fn apps(&self) -> Result<Vec<(AppKey, AppStatus)>, StateError> {
        let items = self
            .api
            .list(
                "v1",
                "ConfigMap",
                NAMESPACE,
                &format!("{KIND_LABEL}=status"),
            )
            .map_err(hub_err)?;
        let mut out = Vec::new();
        for cm in items {
            let label = |k: &str| {
                cm.pointer(&format!("/metadata/labels/{}", k.replace('/', "~1")))
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            if let Some(s) = parse_status(&cm)? {
                let key = AppKey {
                    namespace: label("velac.dev/app-namespace"),
                    name: label("velac.dev/app-name"),
                };
                out.push((key, s));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    fn save_plan(
        &self,
        app: &AppKey,
        revision: &str,
        files: &[(String, String)],
    ) -> Result<(), StateError> {
        let text = serde_json::to_string(files).expect("files serialise");
        if text.len() > MAX_OBJECT * 3 / 4 {
            return Err(StateError::Hub(format!(
                "the plan of {revision} is {} KiB, more than a hub Secret holds; use the local state directory for it",
                text.len() / 1024
            )));
        }
        let name = format!("velac-plan.{}.{revision}", app.namespace);
        let obj = json!({
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": name, "namespace": NAMESPACE, "labels": {
                KIND_LABEL: "plan", "velac.dev/app-namespace": app.namespace, "velac.dev/app-name": app.name,
            }},
            "data": {"plan": b64(text.as_bytes())},
        });
        self.api.apply(&obj, true).map(|_| ()).map_err(hub_err)
    }

    fn plan_files(
        &self,
        app: &AppKey,
        revision: &str,
    ) -> Result<Option<Vec<(String, String)>>, StateError> {
        let name = format!("velac-plan.{}.{revision}", app.namespace);
        let Some(s) = self.get("Secret", "v1", &name)? else {
            return Ok(None);
        };
        let text = s
            .pointer("/data/plan")
            .and_then(unb64)
            .ok_or_else(|| StateError::Hub(format!("secret {name} holds no plan")))?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StateError::Hub(format!("secret {name}: {e}")))
    }

    fn context(&self, app: &AppKey) -> Result<Option<WorkflowContext>, StateError> {
        let name = Self::context_name(app);
        let Some(s) = self.get("Secret", "v1", &name)? else {
            return Ok(None);
        };
        let text = s
            .pointer("/data/context")
            .and_then(unb64)
            .ok_or_else(|| StateError::Hub(format!("secret {name} holds no context")))?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StateError::Hub(format!("secret {name}: {e}")))
    }

    /// A Secret, not a ConfigMap: outputs may carry what steps read from
    /// Secrets.
    fn save_context(&self, app: &AppKey, ctx: &WorkflowContext) -> Result<(), StateError> {
        let text = serde_json::to_string(ctx).expect("context serialises");
        if text.len() > MAX_OBJECT * 3 / 4 {
            return Err(StateError::Hub(format!(
                "the workflow context of {app} is {} KiB, more than a hub Secret holds",
                text.len() / 1024
            )));
        }
        let obj = json!({
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": Self::context_name(app), "namespace": NAMESPACE, "labels": {
                KIND_LABEL: "context", "velac.dev/app-namespace": app.namespace, "velac.dev/app-name": app.name,
            }},
            "data": {"context": b64(text.as_bytes())},
        });
        self.api.apply(&obj, true).map(|_| ()).map_err(hub_err)
    }

    fn lock_run(&self, app: &AppKey, command: &str) -> Result<Box<dyn Any + Send>, StateError> {
        let name = format!("velac-lock.{}.{}", app.namespace, app.name);
        let who = crate::state::holder(command);
        let lease = |rv: Option<&Json>| {
            let mut l = json!({
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": name, "namespace": NAMESPACE},
                "spec": {"holderIdentity": who, "leaseDurationSeconds": LEASE_SECONDS,
                         "acquireTime": micro_now(), "renewTime": micro_now()},
            });
            if let Some(rv) = rv {
                l["metadata"]["resourceVersion"] = rv.clone();
            }
            l
        };
        let locked = |holder: &Json| StateError::Locked {
            app: app.to_string(),
            holder: holder.as_str().unwrap_or("another process").to_string(),
        };
        match self.api.create(&lease(None)) {
            Ok(_) => {}
            Err(e) if is_code(&e, 409) => {
                let cur = self
                    .get("Lease", "coordination.k8s.io/v1", &name)?
                    .unwrap_or_default();
                if !lease_expired(&cur) {
                    return Err(locked(&cur["spec"]["holderIdentity"]));
                }
                // The holder stopped renewing (it died): take over.
                if let Err(e) = self
                    .api
                    .replace(&lease(Some(&cur["metadata"]["resourceVersion"])))
                {
                    return Err(if is_code(&e, 409) {
                        locked(&json!("another process that took the expired lock first"))
                    } else {
                        hub_err(e)
                    });
                }
            }
            Err(e) => return Err(hub_err(e)),
        }
        let stop = Arc::new(AtomicBool::new(false));
        let (api, n, s, me) = (self.api.clone(), name.clone(), stop.clone(), who.clone());
        let thread = std::thread::spawn(move || {
            let r = ObjRef::new("coordination.k8s.io/v1", "Lease", NAMESPACE, &n);
            let mut waited = Duration::ZERO;
            while !s.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                waited += Duration::from_millis(200);
                if waited < Duration::from_secs((LEASE_SECONDS / 3) as u64) {
                    continue;
                }
                waited = Duration::ZERO;
                if let Ok(Some(mut l)) = api.get(&r)
                    && l.pointer("/spec/holderIdentity").and_then(Json::as_str) == Some(me.as_str())
                {
                    l["spec"]["renewTime"] = json!(micro_now());
                    let _ = api.replace(&l);
                }
            }
        });
        Ok(Box::new(LeaseGuard {
            stop,
            thread: Some(thread),
            api: self.api.clone(),
            name,
            who,
        }))
    }

    fn clusters(&self) -> Result<Vec<Json>, StateError> {
        let items = self
            .api
            .list("v1", "Secret", NAMESPACE, CREDENTIAL_TYPE)
            .map_err(hub_err)?;
        Ok(items.iter().filter_map(entry_of).collect())
    }

    fn cluster(&self, name: &str) -> Result<Option<Json>, StateError> {
        Ok(self
            .get("Secret", "v1", name)?
            .filter(|s| {
                s.pointer(&format!(
                    "/metadata/labels/{}",
                    CREDENTIAL_TYPE.replace('/', "~1")
                ))
                .is_some()
            })
            .and_then(|s| entry_of(&s)))
    }

    fn put_cluster(&self, name: &str, entry: &Json, create: bool) -> Result<bool, StateError> {
        let obj = secret_of(name, entry);
        if create {
            return match self.api.create(&obj) {
                Ok(_) => Ok(true),
                Err(e) if is_code(&e, 409) => Ok(false),
                Err(e) => Err(hub_err(e)),
            };
        }
        self.api.apply(&obj, true).map(|_| true).map_err(hub_err)
    }

    fn remove_cluster(&self, name: &str) -> Result<(), StateError> {
        self.api
            .delete(&ObjRef::new("v1", "Secret", NAMESPACE, name))
            .map(|_| ())
            .map_err(hub_err)
    }

    fn describe(&self) -> String {
        format!("hub {} (namespace {NAMESPACE})", self.name)
    }
}
