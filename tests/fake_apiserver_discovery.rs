//! The fake API server against the real kube 5 client, over real HTTP: discovery
//! (legacy, aggregated, pinned), connecting through plain configs and kubeconfigs,
//! the CRD lifecycle, error `Status` documents and fault injection (failures,
//! unreachability, latency).
//!
//! The fake stands in for real API servers in velac's applier tests, so it must
//! behave like one towards kube: anything kube relies on here has to hold for the
//! applier tests to mean something.

#[path = "support/fake_apiserver/mod.rs"]
mod fake_apiserver;
#[path = "support/kube_helpers.rs"]
mod kube_helpers;

use fake_apiserver::{FakeApiServer, kubeconfig_yaml};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch};
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::{self, Discovery, Scope};
use kube_helpers::{api_error, client, configmap, crd, deployment, dynamic_crds, names, ssa};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn has_status_subresource(caps: &discovery::ApiCapabilities) -> bool {
    caps.subresources
        .iter()
        .any(|(sub, _)| sub.plural == "status")
}

#[tokio::test]
async fn version_and_legacy_discovery() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    let info = client.apiserver_version().await.unwrap();
    assert_eq!((info.major.as_str(), info.minor.as_str()), ("1", "31"));

    let discovery = Discovery::new(client.clone()).run().await.unwrap();
    for group in [
        "",
        "apps",
        "batch",
        "networking.k8s.io",
        "autoscaling",
        "policy",
        "rbac.authorization.k8s.io",
        "apiextensions.k8s.io",
    ] {
        assert!(discovery.has_group(group), "group {group:?} discovered");
    }
    let resolve = |group: &str, version: &str, kind: &str| {
        discovery
            .resolve_gvk(&GroupVersionKind::gvk(group, version, kind))
            .unwrap()
    };
    let (ar, caps) = resolve("apps", "v1", "Deployment");
    assert_eq!(ar.plural, "deployments");
    assert_eq!(caps.scope, Scope::Namespaced);
    assert!(has_status_subresource(&caps));
    assert_eq!(resolve("", "v1", "Namespace").1.scope, Scope::Cluster);
    let (_, caps) = resolve("rbac.authorization.k8s.io", "v1", "ClusterRole");
    assert_eq!(caps.scope, Scope::Cluster);
    let (ar, _) = resolve("autoscaling", "v2", "HorizontalPodAutoscaler");
    assert_eq!(ar.plural, "horizontalpodautoscalers");
    let (_, caps) = resolve("", "v1", "ConfigMap");
    assert!(
        caps.subresources.is_empty(),
        "ConfigMap has no status subresource"
    );

    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert!(
        paths.contains(&"/apis".to_string()) && paths.contains(&"/api/v1".to_string()),
        "{paths:?}"
    );
}

#[tokio::test]
async fn aggregated_discovery() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    let discovery = Discovery::new(client.clone())
        .run_aggregated()
        .await
        .unwrap();
    let (ar, caps) = discovery
        .resolve_gvk(&GroupVersionKind::gvk("apps", "v1", "StatefulSet"))
        .unwrap();
    assert_eq!(ar.plural, "statefulsets");
    assert!(has_status_subresource(&caps));
    let (ar, caps) = discovery
        .resolve_gvk(&GroupVersionKind::gvk("", "v1", "Secret"))
        .unwrap();
    assert_eq!(
        (ar.plural.as_str(), caps.scope),
        ("secrets", Scope::Namespaced)
    );
    assert_eq!(
        server.requests().len(),
        2,
        "aggregated discovery is two requests"
    );
}

#[tokio::test]
async fn pinned_kind_and_group() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    let (ar, caps) =
        discovery::pinned_kind(&client, &GroupVersionKind::gvk("batch", "v1", "CronJob"))
            .await
            .unwrap();
    assert_eq!(
        (ar.plural.as_str(), caps.scope),
        ("cronjobs", Scope::Namespaced)
    );
    let group = discovery::group(&client, "rbac.authorization.k8s.io")
        .await
        .unwrap();
    assert_eq!(group.preferred_version_or_latest(), "v1");
    let err = discovery::pinned_kind(
        &client,
        &GroupVersionKind::gvk("nope.example.com", "v1", "Thing"),
    )
    .await
    .unwrap_err();
    assert_eq!(api_error(err).code, 404);
}

#[tokio::test]
async fn plain_http_config_without_kubeconfig() {
    let server = FakeApiServer::start();
    let config = kube::Config::new(server.url().parse().unwrap());
    let client = kube::Client::try_from(config).unwrap();
    let namespaces: Api<Namespace> = Api::all(client);
    let listed = namespaces.list(&ListParams::default()).await.unwrap();
    assert_eq!(names(listed), ["default", "kube-system"]);
}

#[test]
fn kubeconfig_with_two_clusters() {
    let yaml = kubeconfig_yaml(&[
        ("east", "http://127.0.0.1:1"),
        ("west", "http://127.0.0.1:2"),
    ]);
    let config = kube::config::Kubeconfig::from_yaml(&yaml).unwrap();
    assert_eq!(config.current_context.as_deref(), Some("east"));
    assert_eq!(config.clusters.len(), 2);
    assert_eq!(
        config.clusters[1]
            .cluster
            .as_ref()
            .unwrap()
            .server
            .as_deref(),
        Some("http://127.0.0.1:2")
    );
    let users: Vec<_> = config.auth_infos.iter().map(|a| a.name.clone()).collect();
    assert_eq!(users, ["east", "west"]);
}

#[tokio::test]
async fn kubeconfig_file_selects_a_cluster() {
    let east = FakeApiServer::start();
    let west = FakeApiServer::start();
    let dir = std::env::temp_dir().join(format!("fakeapi-kubeconfig-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config");
    std::fs::write(
        &path,
        kubeconfig_yaml(&[("east", &east.url()), ("west", &west.url())]),
    )
    .unwrap();
    let kubeconfig = kube::config::Kubeconfig::read_from(&path).unwrap();
    let options = kube::config::KubeConfigOptions {
        context: Some("west".into()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .unwrap();
    let namespaces: Api<Namespace> = Api::all(kube::Client::try_from(config).unwrap());
    let uid = namespaces
        .get("kube-system")
        .await
        .unwrap()
        .metadata
        .uid
        .unwrap();
    assert_eq!(
        json!(uid),
        west.object("v1", "Namespace", None, "kube-system").unwrap()["metadata"]["uid"]
    );
    assert!(east.requests().is_empty());
    assert_eq!(west.requests()[0].path, "/api/v1/namespaces/kube-system");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn usable_without_an_async_runtime_and_stops_on_drop() {
    let server = FakeApiServer::start();
    let url = server.url();
    let address = url.trim_start_matches("http://").to_string();
    {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream
            .write_all(
                b"GET /api/v1/namespaces/x/pods/y HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
            )
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
        assert!(answer.contains("\"reason\":\"NotFound\""), "{answer}");
    }
    drop(server);
    assert!(
        std::net::TcpStream::connect(&address).is_err(),
        "the port is closed after drop"
    );
}

#[tokio::test]
async fn seeded_objects_and_cluster_identity() {
    let one = FakeApiServer::start();
    let two = FakeApiServer::start();
    let uid = |s: &FakeApiServer| {
        s.object("v1", "Namespace", None, "kube-system").unwrap()["metadata"]["uid"].clone()
    };
    assert_ne!(uid(&one), uid(&two));
    assert_eq!(uid(&one), uid(&one));

    let mut seeded = deployment("web", 4);
    seeded["metadata"]["namespace"] = json!("default");
    one.insert(seeded);
    let client = client(&one).await;
    let deployments: Api<Deployment> = Api::namespaced(client, "default");
    let err = deployments
        .patch("web", &ssa("velac"), &Patch::Apply(deployment("web", 2)))
        .await
        .unwrap_err();
    assert_eq!(
        api_error(err).message,
        "Apply failed with 1 conflict: conflict with \"seed\" using apps/v1: .spec.replicas"
    );
    let listed = one.objects();
    let kinds: Vec<&str> = listed.iter().map(|o| o["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["Deployment", "Namespace", "Namespace"],
        "sorted by apiVersion (\"apps/v1\" < \"v1\") first"
    );
}

fn has_condition(conditions: &[Value], type_: &str) -> bool {
    conditions
        .iter()
        .any(|c| c["type"] == type_ && c["status"] == "True")
}

fn condition_is_true(crd: &CustomResourceDefinition, type_: &str) -> bool {
    let conditions = crd.status.as_ref().and_then(|s| s.conditions.as_ref());
    conditions.is_some_and(|cs| cs.iter().any(|c| c.type_ == type_ && c.status == "True"))
}

async fn apply_crd(crds: &Api<CustomResourceDefinition>) -> CustomResourceDefinition {
    crds.patch("widgets.example.com", &ssa("velac"), &Patch::Apply(crd()))
        .await
        .unwrap()
}

#[tokio::test]
async fn crd_is_established_after_reads_then_serves_its_kind() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let established = |c: &CustomResourceDefinition| condition_is_true(c, "Established");
    let created = apply_crd(&crds).await;
    assert!(!established(&created));
    assert!(condition_is_true(&created, "NamesAccepted"));

    let gvk = GroupVersionKind::gvk("example.com", "v1", "Widget");
    let ar = ApiResource::from_gvk_with_plural(&gvk, "widgets");
    let widgets: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &ar);
    let widget = json!({
        "apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
        "spec": {"size": 1}, "status": {"ok": true},
    });
    let err = widgets
        .patch("w", &ssa("velac"), &Patch::Apply(widget.clone()))
        .await
        .unwrap_err();
    assert_eq!(api_error(err).code, 404, "not served before Established");

    assert!(!established(
        &crds.get("widgets.example.com").await.unwrap()
    ));
    assert!(!established(
        &crds.get("widgets.example.com").await.unwrap()
    ));
    assert!(
        established(&crds.get("widgets.example.com").await.unwrap()),
        "third read sees Established"
    );

    let (found, caps) = discovery::pinned_kind(&client, &gvk).await.unwrap();
    assert_eq!(
        (found.plural.as_str(), caps.scope),
        ("widgets", Scope::Namespaced)
    );
    let discovery = Discovery::new(client.clone()).run().await.unwrap();
    assert!(discovery.resolve_gvk(&gvk).is_some());

    let applied = widgets
        .patch("w", &ssa("velac"), &Patch::Apply(widget))
        .await
        .unwrap();
    assert_eq!(applied.data["spec"]["size"], json!(1));
    assert!(
        applied.data.get("status").is_none(),
        "the CRD has a status subresource"
    );
    assert_eq!(applied.metadata.generation, Some(1));
    let listed = widgets.list(&ListParams::default()).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(
        listed.items[0].types.as_ref().unwrap().kind,
        "Widget",
        "custom resources keep their types in lists"
    );

    // Re-applying the CRD keeps it Established.
    assert!(established(&apply_crd(&crds).await));

    crds.delete("widgets.example.com", &DeleteParams::default())
        .await
        .unwrap();
    assert!(
        server
            .object("example.com/v1", "Widget", Some("default"), "w")
            .is_none()
    );
    let err = widgets.get("w").await.unwrap_err();
    assert_eq!(
        api_error(err).message,
        "the server could not find the requested resource"
    );
}

#[tokio::test]
async fn crd_delay_is_configurable() {
    let server = FakeApiServer::start();
    server.set_crd_establish_delay(0);
    let client = client(&server).await;
    let crds = dynamic_crds(&client);
    let created = crds
        .patch("widgets.example.com", &ssa("velac"), &Patch::Apply(crd()))
        .await
        .unwrap();
    let conditions = created.data["status"]["conditions"]
        .as_array()
        .unwrap()
        .clone();
    assert!(has_condition(&conditions, "Established"), "{conditions:?}");
    let widget = GroupVersionKind::gvk("example.com", "v1", "Widget");
    assert!(discovery::pinned_kind(&client, &widget).await.is_ok());

    let invalid = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "bad.example.com"}, "spec": {"group": "example.com"},
    });
    let err = crds
        .patch("bad.example.com", &ssa("velac"), &Patch::Apply(invalid))
        .await
        .unwrap_err();
    assert_eq!(api_error(err).code, 422);
}

#[tokio::test]
async fn crd_with_several_versions() {
    let server = FakeApiServer::start();
    server.set_crd_establish_delay(0);
    let client = client(&server).await;
    let mut definition = crd();
    definition["spec"]["versions"] = json!([
        {"name": "v1alpha1", "served": false, "storage": false},
        {"name": "v1beta1", "served": true, "storage": false},
        {"name": "v1", "served": true, "storage": true},
    ]);
    definition["spec"]["scope"] = json!("Cluster");
    dynamic_crds(&client)
        .patch(
            "widgets.example.com",
            &ssa("velac"),
            &Patch::Apply(definition),
        )
        .await
        .unwrap();
    let group = discovery::group(&client, "example.com").await.unwrap();
    assert_eq!(group.preferred_version_or_latest(), "v1");
    assert_eq!(group.versions().collect::<Vec<_>>(), ["v1", "v1beta1"]);
    let (v1, caps) = group.recommended_kind("Widget").unwrap();
    assert_eq!(caps.scope, Scope::Cluster);
    assert!(caps.subresources.is_empty());
    let widget = json!({
        "apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
        "status": {"kept": true},
    });
    let applied = Api::<DynamicObject>::all_with(client.clone(), &v1)
        .patch("w", &ssa("velac"), &Patch::Apply(widget))
        .await
        .unwrap();
    assert_eq!(
        applied.data["status"]["kept"],
        json!(true),
        "no status subresource: status is ordinary data"
    );
    let beta = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("example.com", "v1beta1", "Widget"),
        "widgets",
    );
    let read = Api::<DynamicObject>::all_with(client, &beta)
        .get("w")
        .await
        .unwrap();
    assert_eq!(read.types.unwrap().api_version, "example.com/v1beta1");
}

#[tokio::test]
async fn not_found_is_a_status() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let status = api_error(cms.get("missing").await.unwrap_err());
    assert_eq!((status.code, status.reason.as_str()), (404, "NotFound"));
    assert_eq!(status.message, "configmaps \"missing\" not found");
    assert!(cms.get_opt("missing").await.unwrap().is_none());
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "default");
    assert_eq!(
        api_error(deployments.get("x").await.unwrap_err()).message,
        "deployments.apps \"x\" not found"
    );

    let bogus =
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("apps", "v1", "Gizmo"), "gizmos");
    let gizmos: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &bogus);
    let status = api_error(gizmos.get("x").await.unwrap_err());
    assert_eq!((status.code, status.reason.as_str()), (404, "NotFound"));

    let elsewhere: Api<ConfigMap> = Api::namespaced(client, "nowhere");
    let cm = configmap("x", Value::Null);
    let err = elsewhere
        .patch("x", &ssa("velac"), &Patch::Apply(cm))
        .await
        .unwrap_err();
    assert_eq!(api_error(err).message, "namespaces \"nowhere\" not found");
}

#[tokio::test]
async fn fail_next_and_recording() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    let cm = configmap("x", json!({"a": "b"}));
    server.fail_next(1, 500);
    let err = cms
        .patch("x", &ssa("velac"), &Patch::Apply(cm.clone()))
        .await
        .unwrap_err();
    let status = api_error(err);
    assert_eq!(
        (status.code, status.reason.as_str()),
        (500, "InternalError")
    );
    assert!(
        server
            .object("v1", "ConfigMap", Some("default"), "x")
            .is_none()
    );
    assert!(
        cms.get_opt("x").await.unwrap().is_none(),
        "reads are not failed"
    );
    cms.patch("x", &ssa("velac"), &Patch::Apply(cm))
        .await
        .unwrap();
    let methods: Vec<String> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["PATCH", "GET", "PATCH"]);
    server.clear_requests();
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn unreachable_then_back() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    cms.list(&ListParams::default()).await.unwrap(); // keeps a pooled connection
    server.set_unreachable(true);
    for _ in 0..2 {
        match cms.list(&ListParams::default()).await {
            Err(kube::Error::Api(status)) => panic!("expected a transport error, got {status:?}"),
            Err(_) => {}
            Ok(_) => panic!("expected a transport error"),
        }
    }
    server.set_unreachable(false);
    cms.list(&ListParams::default()).await.unwrap();
}

#[tokio::test]
async fn latency_delays_answers() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    server.set_latency(Duration::from_millis(300));
    let started = Instant::now();
    client.apiserver_version().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn latency_lets_a_write_land_before_its_answer_and_drop_does_not_wait() {
    let server = FakeApiServer::start();
    let cms: Api<ConfigMap> = Api::namespaced(client(&server).await, "default");
    server.set_latency(Duration::from_secs(30));
    let pending = tokio::spawn(async move {
        cms.patch(
            "slow",
            &ssa("velac"),
            &Patch::Apply(configmap("slow", Value::Null)),
        )
        .await
    });
    let deadline = Instant::now() + Duration::from_secs(5);
    while server
        .object("v1", "ConfigMap", Some("default"), "slow")
        .is_none()
    {
        assert!(
            Instant::now() < deadline,
            "the write lands before its answer"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        pending.await.unwrap().is_err(),
        "the client sees the connection go away"
    );
}
