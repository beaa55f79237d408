//! An in-process fake Kubernetes API server for integration tests.
//!
//! It speaks real HTTP/1.1 on `127.0.0.1` (random port), so the `velac`
//! binary can be pointed at it through a kubeconfig and run as a child
//! process, and every request can be asserted on afterwards. It models a
//! faithful-enough subset of the real server rather than mocking our calls:
//! discovery (legacy and aggregated), namespaced and cluster-scoped objects,
//! server-side apply with field ownership and conflicts, merge and JSON
//! patches, `/status`, CRDs that become Established after a few reads, and
//! `Status` error documents as the real server words them.
//!
//! The server runs on its own thread with its own tokio runtime, so tests may
//! be synchronous or async; dropping the handle stops it.
//!
//! Known gaps: no watch, deletecollection, pagination (`limit` is ignored),
//! authentication (any token is accepted), schema validation, admission or
//! defaulting; without schemas, lists are atomic for apply (no merge keys)
//! and strategic merge patch behaves as a JSON merge patch; apply bodies must
//! be JSON (as kube sends them), not YAML; deletion is immediate (no
//! finalizers, no garbage collection except a namespace's contents).

// Each test binary uses a different part of this support module.
#![allow(dead_code)]

mod api;
mod catalogue;
mod controllers;
mod fields;
mod objects;
mod params;
mod status;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// A running fake API server; dropping it stops the server.
pub struct FakeApiServer {
    url: String,
    shared: Arc<Mutex<Shared>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// One request as the server received it.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    pub method: String,
    /// The path as sent (still percent-encoded),
    /// e.g. `/apis/apps/v1/namespaces/default/deployments/web`.
    pub path: String,
    /// The raw query string without `?`; empty when there was none.
    pub query: String,
    pub content_type: Option<String>,
    /// The body parsed as JSON; a non-JSON body is kept as a JSON string.
    pub body: Option<Value>,
}

impl Recorded {
    /// The decoded value of query parameter `key`, e.g. `fieldManager`.
    pub fn param(&self, key: &str) -> Option<String> {
        params::parse_query(&self.query)
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

/// State shared between the handle and the server thread.
struct Shared {
    cluster: api::Cluster,
    requests: Vec<Recorded>,
    latency: Duration,
    fail_next: usize,
    fail_status: u16,
    unreachable: bool,
}

/// Makes uids differ between servers started by the same process.
static SERVERS_STARTED: AtomicU32 = AtomicU32::new(0);

impl FakeApiServer {
    /// Starts a server on `127.0.0.1` at a free port.
    pub fn start() -> FakeApiServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let port = listener.local_addr().expect("listener address").port();
        let index = SERVERS_STARTED.fetch_add(1, Ordering::Relaxed);
        let uid_prefix = format!("{port:04x}{:04x}", index & 0xffff);
        let shared = Arc::new(Mutex::new(Shared {
            cluster: api::Cluster::new(port, uid_prefix),
            requests: Vec::new(),
            latency: Duration::ZERO,
            fail_next: 0,
            fail_status: 500,
            unreachable: false,
        }));
        let (shutdown, stopped) = tokio::sync::oneshot::channel();
        let server_state = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("fake-apiserver-{port}"))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("tokio runtime for the fake API server");
                runtime.block_on(accept_loop(listener, server_state, stopped));
            })
            .expect("spawn the fake API server thread");
        FakeApiServer {
            url: format!("http://127.0.0.1:{port}"),
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Every request received so far, oldest first, including those answered
    /// with an error or an injected failure (not those dropped while unreachable).
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// The stored object, as served at `api_version`.
    pub fn object(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<Value> {
        self.lock()
            .cluster
            .object(api_version, kind, namespace, name)
    }

    /// All stored objects sorted by (apiVersion, kind, namespace, name),
    /// including the `default` and `kube-system` namespaces.
    pub fn objects(&self) -> Vec<Value> {
        self.lock().cluster.objects()
    }

    /// Seeds an object as if someone else had created it: manager "seed",
    /// operation Update. A seeded CRD is Established at once.
    ///
    /// # Panics
    /// When `obj` lacks apiVersion, kind or metadata.name.
    pub fn insert(&self, obj: Value) {
        if let Err(message) = self.lock().cluster.seed(obj, "seed") {
            panic!("FakeApiServer::insert: {message}");
        }
    }

    /// Delays every response by `d` (the request still takes effect at once),
    /// so a test can kill a client while it waits.
    pub fn set_latency(&self, d: Duration) {
        self.lock().latency = d;
    }

    /// The next `n` mutating requests (POST, PUT, PATCH, DELETE) fail with
    /// `status` and a `Status` body, without taking effect. kube retries 429,
    /// 503 and 504 by itself, so prefer 500 to see a failure at once.
    pub fn fail_next(&self, n: usize, status: u16) {
        let mut shared = self.lock();
        shared.fail_next = n;
        shared.fail_status = status;
    }

    /// While `yes`, connections are closed without an answer (new ones at
    /// once, kept-alive ones on their next request); such requests are not recorded.
    pub fn set_unreachable(&self, yes: bool) {
        self.lock().unreachable = yes;
    }

    /// How many GETs of a newly created CRD still see it not Established (default 2).
    pub fn set_crd_establish_delay(&self, gets: usize) {
        self.lock().cluster.crd_establish_delay = gets;
    }

    /// Rolls out written Deployments and StatefulSets at once, as their
    /// controllers would on a cluster with nodes.
    pub fn set_auto_ready(&self, yes: bool) {
        self.lock().cluster.auto_ready = yes;
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        lock(&self.shared)
    }
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A test that panicked while holding the lock must not hide the state from the others.
fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A kubeconfig with one cluster, context and user per `(name, url)`; the
/// first is the current context. Users carry a dummy bearer token.
pub fn kubeconfig_yaml(servers: &[(&str, &str)]) -> String {
    // JSON strings are valid YAML scalars, so names and URLs need no escaping rules of their own.
    let q = |s: &str| Value::from(s).to_string();
    let mut clusters = String::new();
    let mut contexts = String::new();
    let mut users = String::new();
    for (name, url) in servers {
        clusters.push_str(&format!(
            "- name: {}\n  cluster:\n    server: {}\n",
            q(name),
            q(url)
        ));
        contexts.push_str(&format!(
            "- name: {0}\n  context:\n    cluster: {0}\n    user: {0}\n",
            q(name)
        ));
        users.push_str(&format!(
            "- name: {}\n  user:\n    token: {}\n",
            q(name),
            q(&format!("fake-token-{name}"))
        ));
    }
    let current = servers.first().map_or_else(|| q(""), |(name, _)| q(name));
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n{clusters}contexts:\n{contexts}users:\n{users}current-context: {current}\n"
    )
}

async fn accept_loop(
    listener: std::net::TcpListener,
    shared: Arc<Mutex<Shared>>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        let stream = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        if lock(&shared).unreachable {
            drop(stream);
            continue;
        }
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let service = service_fn(move |req| serve(Arc::clone(&shared), req));
            // Errors here are clients going away or connections refused on purpose.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Answers one HTTP request. An `Err` makes hyper drop the connection without
/// answering, which is how an unreachable server looks to the client.
async fn serve(
    shared: Arc<Mutex<Shared>>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let refused = || {
        std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "fake API server is unreachable",
        )
    };
    if lock(&shared).unreachable {
        return Err(refused());
    }
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    let header = |name: hyper::header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let request = api::ApiRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        content_type: header(hyper::header::CONTENT_TYPE),
        accept: header(hyper::header::ACCEPT),
        body: body.to_vec(),
    };
    let (reply, latency) = {
        let mut shared = lock(&shared);
        if shared.unreachable {
            return Err(refused());
        }
        shared.requests.push(record(&request));
        let mutating = matches!(request.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE");
        let reply = if mutating && shared.fail_next > 0 {
            shared.fail_next -= 1;
            let code = shared.fail_status;
            let message = format!("injected failure {code} from the fake API server");
            status::status(code, status::reason_for(code), message, Value::Null)
        } else {
            shared.cluster.handle(&request)
        };
        (reply, shared.latency)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let code = StatusCode::from_u16(reply.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::new(Full::new(Bytes::from(reply.body.to_string())));
    *response.status_mut() = code;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(reply.content_type),
    );
    Ok(response)
}

fn record(request: &api::ApiRequest) -> Recorded {
    let body = (!request.body.is_empty()).then(|| {
        serde_json::from_slice(&request.body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&request.body).into_owned()))
    });
    Recorded {
        method: request.method.clone(),
        path: request.path.clone(),
        query: request.query.clone(),
        content_type: request.content_type.clone(),
        body,
    }
}
