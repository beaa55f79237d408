//! Two clusters for the applier's end-to-end tests: real API servers when
//! `VELAC_IT_KUBECONFIG` names a kubeconfig with contexts `cluster-staging`
//! and `cluster-prod`, otherwise two in-process fake API servers. The tests
//! are the same either way; only what they can inject (latency, outages)
//! differs.

#![allow(dead_code)]

#[path = "fake_apiserver/mod.rs"]
pub mod fake_apiserver;

use fake_apiserver::{FakeApiServer, kubeconfig_yaml};
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The cluster names of the scenario.
pub const CLUSTERS: [&str; 2] = ["cluster-staging", "cluster-prod"];

/// The clusters of one test, plus its own state directory.
pub struct Backend {
    /// Fake servers by cluster name (empty against real clusters).
    pub fakes: HashMap<String, FakeApiServer>,
    kubeconfigs: HashMap<String, (PathBuf, Option<String>)>,
    /// `VELAC_HOME` of this test.
    pub home: PathBuf,
    /// Scratch directory.
    pub dir: PathBuf,
    /// A hub cluster keeping the state (`--hub hub`), when set.
    pub hub: Option<FakeApiServer>,
    /// The current context of velac's kubeconfig (`local` to steps), when
    /// set and fake.
    pub local: Option<FakeApiServer>,
    /// A kubeconfig whose current context is `local`, when set.
    local_kubeconfig: Option<PathBuf>,
}

impl Backend {
    /// Real clusters if configured, else fakes.
    pub fn new(tag: &str) -> Backend {
        let dir = std::env::temp_dir().join(format!("velac-it-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut fakes = HashMap::new();
        let mut kubeconfigs = HashMap::new();
        match std::env::var_os("VELAC_IT_KUBECONFIG") {
            Some(kc) => {
                for c in CLUSTERS {
                    kubeconfigs.insert(c.to_string(), (PathBuf::from(&kc), Some(c.to_string())));
                }
            }
            None => {
                for c in CLUSTERS {
                    let f = FakeApiServer::start();
                    let path = dir.join(format!("{c}.kubeconfig"));
                    std::fs::write(&path, kubeconfig_yaml(&[(c, &f.url())])).unwrap();
                    kubeconfigs.insert(c.to_string(), (path, None));
                    fakes.insert(c.to_string(), f);
                }
            }
        }
        Backend {
            fakes,
            kubeconfigs,
            home: dir.join("home"),
            dir,
            hub: None,
            local: None,
            local_kubeconfig: None,
        }
    }

    /// Gives velac a current kubeconfig context, the cluster steps call
    /// `local` (the `""` cluster): a third fake, or against real clusters the
    /// current context of `VELAC_IT_KUBECONFIG`. The state stays local.
    pub fn with_local(mut self) -> Backend {
        match std::env::var_os("VELAC_IT_KUBECONFIG") {
            Some(kc) => self.local_kubeconfig = Some(PathBuf::from(kc)),
            None => {
                let f = FakeApiServer::start();
                let path = self.dir.join("local.kubeconfig");
                std::fs::write(&path, kubeconfig_yaml(&[("local", &f.url())])).unwrap();
                self.local = Some(f);
                self.local_kubeconfig = Some(path);
            }
        }
        self
    }

    fn kubeconfig_of(&self, name: &str) -> (PathBuf, Option<String>) {
        if name == "local" {
            let kc = self.local_kubeconfig.clone().expect("with_local()");
            return (kc, None);
        }
        self.kubeconfigs[name].clone()
    }

    /// A handle on one cluster (`local` included) that other threads can use.
    pub fn handle(&self, cluster: &str) -> ClusterHandle {
        let (kubeconfig, context) = self.kubeconfig_of(cluster);
        ClusterHandle {
            kubeconfig,
            context,
        }
    }

    /// Server-side applies an object on a cluster (`local` included), as a
    /// test's own setup.
    pub fn put(&self, cluster: &str, obj: Value) {
        self.handle(cluster).put(obj);
    }

    /// Merges `status` into an object's status subresource.
    pub fn set_status(&self, cluster: &str, obj: Value, status: Value) {
        self.handle(cluster).set_status(obj, status);
    }

    /// Objects of a kind in a namespace.
    pub fn list(&self, cluster: &str, api_version: &str, kind: &str, ns: &str) -> Vec<Value> {
        self.handle(cluster).list(api_version, kind, ns)
    }

    /// Keeps the state in a third (fake) cluster, context `hub` of a
    /// kubeconfig that velac sees as the user's own.
    pub fn with_hub(mut self) -> Backend {
        let hub = FakeApiServer::start();
        let mut all = vec![("hub".to_string(), hub.url())];
        all.extend(self.fakes.iter().map(|(n, f)| (n.clone(), f.url())));
        let refs: Vec<(&str, &str)> = all.iter().map(|(n, u)| (n.as_str(), u.as_str())).collect();
        std::fs::write(self.dir.join("all.kubeconfig"), kubeconfig_yaml(&refs)).unwrap();
        self.hub = Some(hub);
        self
    }

    /// Against real API servers.
    pub fn real(&self) -> bool {
        self.fakes.is_empty()
    }

    /// Runs velac with this test's state directory (and no hub: `local` is
    /// not used by these tests).
    pub fn velac(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("velac runs")
    }

    /// The velac command, not started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_velac"));
        c.args(args)
            .env("VELAC_HOME", &self.home)
            .env("KUBECONFIG", self.dir.join("no-hub-kubeconfig"))
            .env_remove("VELAC_HUB")
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if self.hub.is_some() {
            c.env("KUBECONFIG", self.dir.join("all.kubeconfig"))
                .env("VELAC_HUB", "hub");
        }
        if let Some(kc) = &self.local_kubeconfig {
            c.env("KUBECONFIG", kc);
        }
        c
    }

    /// `velac cluster join` arguments for one cluster.
    pub fn join(&self, name: &str) -> Output {
        let (path, ctx) = &self.kubeconfigs[name];
        let mut args = vec!["cluster", "join", path.to_str().unwrap(), "--name", name];
        if let Some(c) = ctx {
            args.extend(["--context", c.as_str()]);
        }
        self.velac(&args)
    }

    /// A kube client for one cluster.
    pub fn client(&self, rt: &tokio::runtime::Runtime, name: &str) -> kube::Client {
        let (path, ctx) = &self.kubeconfig_of(name);
        rt.block_on(async {
            let kc = kube::config::Kubeconfig::read_from(path).unwrap();
            let opts = kube::config::KubeConfigOptions {
                context: ctx.clone(),
                ..Default::default()
            };
            let cfg = kube::Config::from_custom_kubeconfig(kc, &opts)
                .await
                .unwrap();
            kube::Client::try_from(cfg).unwrap()
        })
    }

    /// A live object, read with kube.
    pub fn get(
        &self,
        cluster: &str,
        api_version: &str,
        kind: &str,
        ns: &str,
        name: &str,
    ) -> Option<Value> {
        let rt = runtime();
        let client = self.client(&rt, cluster);
        let api = dynamic(client, api_version, kind, Some(ns));
        rt.block_on(api.get_opt(name))
            .unwrap()
            .map(|o| serde_json::to_value(o).unwrap())
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One cluster, reachable from any thread.
#[derive(Clone)]
pub struct ClusterHandle {
    kubeconfig: PathBuf,
    context: Option<String>,
}

impl ClusterHandle {
    fn client(&self, rt: &tokio::runtime::Runtime) -> kube::Client {
        rt.block_on(async {
            let kc = kube::config::Kubeconfig::read_from(&self.kubeconfig).unwrap();
            let opts = kube::config::KubeConfigOptions {
                context: self.context.clone(),
                ..Default::default()
            };
            let cfg = kube::Config::from_custom_kubeconfig(kc, &opts)
                .await
                .unwrap();
            kube::Client::try_from(cfg).unwrap()
        })
    }

    /// Server-side applies an object.
    pub fn put(&self, obj: Value) {
        let rt = runtime();
        let r = obj_ref(&obj);
        let api = dynamic(self.client(&rt), &r.0, &r.1, r.2.as_deref());
        rt.block_on(api.patch(
            &r.3,
            &PatchParams::apply("velac-test").force(),
            &Patch::Apply(&obj),
        ))
        .unwrap();
    }

    /// Merges `status` into an object's status subresource.
    pub fn set_status(&self, obj: Value, status: Value) {
        let rt = runtime();
        let r = obj_ref(&obj);
        let api = dynamic(self.client(&rt), &r.0, &r.1, r.2.as_deref());
        rt.block_on(api.patch_status(
            &r.3,
            &PatchParams::default(),
            &Patch::Merge(&json!({ "status": status })),
        ))
        .unwrap();
    }

    /// Objects of a kind in a namespace.
    pub fn list(&self, api_version: &str, kind: &str, ns: &str) -> Vec<Value> {
        let rt = runtime();
        let api = dynamic(self.client(&rt), api_version, kind, Some(ns));
        rt.block_on(api.list(&ListParams::default()))
            .map(|l| {
                l.items
                    .into_iter()
                    .map(|o| serde_json::to_value(o).unwrap())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// `(apiVersion, kind, namespace, name)` of an object.
fn obj_ref(obj: &Value) -> (String, String, Option<String>, String) {
    let s = |p: &str| obj.pointer(p).and_then(Value::as_str).map(str::to_string);
    (
        s("/apiVersion").unwrap_or_default(),
        s("/kind").unwrap_or_default(),
        s("/metadata/namespace"),
        s("/metadata/name").unwrap_or_default(),
    )
}

/// A small runtime for test-side kube calls.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn dynamic(
    client: kube::Client,
    api_version: &str,
    kind: &str,
    ns: Option<&str>,
) -> Api<DynamicObject> {
    let (g, v) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let ar = ApiResource::from_gvk(&GroupVersionKind::gvk(g, v, kind));
    match ns {
        Some(n) => Api::namespaced_with(client, n, &ar),
        None => Api::all_with(client, &ar),
    }
}

/// Plays the part of the missing kubelets and controllers: Deployments of
/// `app` become ready (status patched as the controller would) until stopped.
pub struct Readiness {
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Readiness {
    /// Starts simulating readiness on every cluster of `b`.
    pub fn start(b: &Backend, app: &str) -> Readiness {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let rt = runtime();
        let clients: Vec<kube::Client> = CLUSTERS.iter().map(|c| b.client(&rt, c)).collect();
        let selector = format!("app.oam.dev/name={app}");
        let handle = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                for c in &clients {
                    let api = dynamic(c.clone(), "apps/v1", "Deployment", None);
                    let Ok(list) = rt.block_on(api.list(&ListParams::default().labels(&selector)))
                    else {
                        continue;
                    };
                    for d in list.items {
                        let d = serde_json::to_value(&d).unwrap();
                        let want = d
                            .pointer("/spec/replicas")
                            .and_then(Value::as_i64)
                            .unwrap_or(1);
                        let generation = d
                            .pointer("/metadata/generation")
                            .and_then(Value::as_i64)
                            .unwrap_or(1);
                        let ready = d.pointer("/status/readyReplicas").and_then(Value::as_i64);
                        let observed = d
                            .pointer("/status/observedGeneration")
                            .and_then(Value::as_i64);
                        if ready == Some(want) && observed == Some(generation) {
                            continue;
                        }
                        let ns = d
                            .pointer("/metadata/namespace")
                            .and_then(Value::as_str)
                            .unwrap_or("default");
                        let name = d
                            .pointer("/metadata/name")
                            .and_then(Value::as_str)
                            .unwrap_or_default();
                        let api = dynamic(c.clone(), "apps/v1", "Deployment", Some(ns));
                        let status = json!({"status": {
                            "observedGeneration": generation, "replicas": want, "updatedReplicas": want,
                            "readyReplicas": want, "availableReplicas": want,
                            "conditions": [
                                {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}
                            ]
                        }});
                        let _ = rt.block_on(api.patch_status(
                            name,
                            &PatchParams::default(),
                            &Patch::Merge(&status),
                        ));
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        });
        Readiness {
            stop,
            handle: Some(handle),
        }
    }
}

impl Drop for Readiness {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// stdout and stderr of a run, for assertion messages.
pub fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Asserts success and returns stdout.
pub fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", text(o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Plans `app` into `dir` (relative to the repository).
pub fn plan(b: &Backend, app: &Path, dir: &Path) -> String {
    ok(&b.velac(&["plan", app.to_str().unwrap(), "-o", dir.to_str().unwrap()]))
}

/// `velac apply DIR --yes`, polling fast, with `extra` flags.
pub fn apply(b: &Backend, dir: &Path, extra: &[&str]) -> Output {
    let mut args = apply_args(dir);
    args.extend(extra);
    b.velac(&args)
}

/// `apply DIR --yes`, polling fast, within a minute.
fn apply_args(dir: &Path) -> Vec<&str> {
    vec![
        "apply",
        dir.to_str().unwrap(),
        "--yes",
        "--poll",
        "100ms",
        "--timeout",
        "60s",
    ]
}

/// The scenario's hello-world-server Deployment on `cluster`, if it exists.
pub fn server_deployment(b: &Backend, cluster: &str) -> Option<Value> {
    b.get(
        cluster,
        "apps/v1",
        "Deployment",
        "default",
        "hello-world-server",
    )
}

/// Starts the scenario's apply in the background and returns once it has
/// written hello-world-server to staging; without readiness it then waits
/// there, holding the lock.
pub fn apply_until_staging(b: &Backend, dir: &Path) -> Child {
    let child = b
        .command(&apply_args(dir))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while server_deployment(b, "cluster-staging").is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the apply never reached staging"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child
}
