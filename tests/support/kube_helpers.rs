//! Helpers shared by the tests that drive the fake API server with kube.

// Each test binary uses a different part of these helpers.
#![allow(dead_code)]

use crate::fake_apiserver::{FakeApiServer, kubeconfig_yaml};
use kube::api::{Api, DynamicObject, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};

/// A kube client configured through a kubeconfig pointing at `server`.
pub async fn client(server: &FakeApiServer) -> kube::Client {
    let yaml = kubeconfig_yaml(&[("fake", &server.url())]);
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&yaml).expect("kubeconfig parses");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("config from kubeconfig");
    kube::Client::try_from(config).expect("client")
}

/// The `Status` of an API error; panics on any other error.
pub fn api_error(err: kube::Error) -> kube::core::Status {
    match err {
        kube::Error::Api(status) => *status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Server-side apply parameters for `manager`.
pub fn ssa(manager: &str) -> PatchParams {
    PatchParams::apply(manager)
}

/// The object's resourceVersion, or "" if it has none.
pub fn rv(obj: &impl kube::Resource) -> String {
    obj.meta().resource_version.clone().unwrap_or_default()
}

/// An apps/v1 Deployment labelled `app: name`, as an apply body.
pub fn deployment(name: &str, replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    })
}

/// A v1 ConfigMap apply body named `name`, with `data` unless it is null.
pub fn configmap(name: &str, data: Value) -> Value {
    let mut cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}});
    if !data.is_null() {
        cm["data"] = data;
    }
    cm
}

/// The namespaced `widgets.example.com` CRD (kind Widget, v1 with `/status`).
pub fn crd() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com", "scope": "Namespaced",
            "names": {
                "kind": "Widget", "plural": "widgets",
                "singular": "widget", "listKind": "WidgetList",
            },
            "versions": [{
                "name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object", "x-kubernetes-preserve-unknown-fields": true,
                    },
                },
            }],
        },
    })
}

/// CustomResourceDefinitions as dynamic objects, so tests see the raw status.
pub fn dynamic_crds(client: &kube::Client) -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
        "customresourcedefinitions",
    );
    Api::all_with(client.clone(), &ar)
}

/// A raw request for `kube::Client::request`, optionally with a content type.
pub fn raw(
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> hyper::Request<Vec<u8>> {
    let mut request = hyper::Request::builder().method(method).uri(path);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.body(body.to_vec()).expect("valid request")
}

/// Names of the items of a list, in order.
pub fn names<K: kube::Resource + Clone>(list: kube::core::ObjectList<K>) -> Vec<String> {
    list.items
        .into_iter()
        .filter_map(|k| k.meta().name.clone())
        .collect()
}
