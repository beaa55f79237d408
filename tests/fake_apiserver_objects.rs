//! The fake API server against the real kube 5 client, over real HTTP: objects
//! and the verbs on them. Server-side apply (no-op re-applies, conflicts between
//! managers and forcing, removal of fields a manager stops applying), `/status`
//! patches, label and field selectors, create/replace/delete and JSON patches,
//! dry runs, concurrent writers, and malformed requests answered with 4xx
//! `Status` documents.
//!
//! The fake stands in for real API servers in velac's applier tests, so it must
//! behave like one towards kube: the applier's outcomes (what was stored, who
//! owns which field, which error came back) are only meaningful if these hold.

#[path = "support/fake_apiserver/mod.rs"]
mod fake_apiserver;
#[path = "support/kube_helpers.rs"]
mod kube_helpers;

use fake_apiserver::FakeApiServer;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::api::rbac::v1::ClusterRole;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube_helpers::{api_error, client, configmap, deployment, names, raw, rv, ssa};
use serde_json::{Value, json};

const APPLY: &str = "application/apply-patch+yaml";
const MERGE: &str = "application/merge-patch+json";
const JSON_PATCH: &str = "application/json-patch+json";

/// The managed-fields set of `manager` on `obj`, or null if it owns nothing.
fn fields_of(obj: &impl kube::Resource, manager: &str) -> Value {
    let managed = obj.meta().managed_fields.as_ref().unwrap();
    let entry = managed
        .iter()
        .find(|m| m.manager.as_deref() == Some(manager));
    entry
        .map(|e| serde_json::to_value(&e.fields_v1).unwrap())
        .unwrap_or(Value::Null)
}

/// Server-side applies `body` to the Deployment `web`.
async fn apply_web(
    deployments: &Api<Deployment>,
    params: PatchParams,
    body: Value,
) -> kube::Result<Deployment> {
    deployments.patch("web", &params, &Patch::Apply(body)).await
}

#[tokio::test]
async fn apply_creates_then_reapply_is_a_no_op() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    let deployments: Api<Deployment> = Api::namespaced(client, "default");
    let apply = |body: Value| apply_web(&deployments, ssa("velac"), body);
    let created = apply(deployment("web", 2)).await.unwrap();
    let meta = &created.metadata;
    assert_eq!(meta.generation, Some(1));
    assert!(
        meta.uid.as_deref().is_some_and(|u| u.len() == 36),
        "{:?}",
        meta.uid
    );
    assert!(meta.creation_timestamp.is_some());
    let managed = meta.managed_fields.as_ref().unwrap();
    assert_eq!(managed.len(), 1);
    assert_eq!(
        (
            managed[0].manager.as_deref(),
            managed[0].operation.as_deref()
        ),
        (Some("velac"), Some("Apply"))
    );
    let fields = serde_json::to_value(&managed[0].fields_v1).unwrap();
    assert_eq!(
        fields.pointer("/f:spec/f:replicas"),
        Some(&json!({})),
        "{fields}"
    );
    assert_eq!(
        fields.pointer("/f:metadata/f:labels/f:app"),
        Some(&json!({})),
        "{fields}"
    );

    let again = apply(deployment("web", 2)).await.unwrap();
    assert_eq!(
        rv(&again),
        rv(&created),
        "a no-op apply keeps the resourceVersion"
    );
    assert_eq!(
        again.metadata.managed_fields,
        created.metadata.managed_fields
    );

    let changed = apply(deployment("web", 3)).await.unwrap();
    assert_ne!(rv(&changed), rv(&created));
    assert_eq!(
        changed.metadata.generation,
        Some(2),
        "a spec change bumps generation"
    );
    assert_eq!(changed.metadata.uid, created.metadata.uid);

    let mut labelled = deployment("web", 3);
    labelled["metadata"]["labels"]["extra"] = json!("yes");
    let relabelled = apply(labelled).await.unwrap();
    assert_eq!(
        relabelled.metadata.generation,
        Some(2),
        "metadata changes leave generation alone"
    );

    let stored = server
        .object("apps/v1", "Deployment", Some("default"), "web")
        .unwrap();
    assert_eq!(stored["spec"]["replicas"], json!(3));
    let apply = server
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(
        apply.path,
        "/apis/apps/v1/namespaces/default/deployments/web"
    );
    assert_eq!(apply.content_type.as_deref(), Some(APPLY));
    assert_eq!(apply.param("fieldManager").as_deref(), Some("velac"));
    assert_eq!(apply.body.unwrap()["spec"]["replicas"], json!(2));
}

#[tokio::test]
async fn conflicts_with_another_manager_and_force() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    let deployments: Api<Deployment> = Api::namespaced(client, "default");
    let apply = |params: PatchParams, body: Value| apply_web(&deployments, params, body);
    apply(ssa("alice"), deployment("web", 2)).await.unwrap();

    // Same values are shared, not conflicting.
    apply(ssa("bob"), deployment("web", 2)).await.unwrap();

    let status = api_error(apply(ssa("bob"), deployment("web", 5)).await.unwrap_err());
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
    assert_eq!(
        status.message,
        "Apply failed with 1 conflict: conflict with \"alice\": .spec.replicas"
    );
    let causes = status.details.unwrap().causes;
    assert_eq!(causes.len(), 1);
    assert_eq!(causes[0].reason, "FieldManagerConflict");
    assert_eq!(causes[0].field, ".spec.replicas");
    assert_eq!(causes[0].message, "conflict with \"alice\"");

    let forced = apply(ssa("bob").force(), deployment("web", 5))
        .await
        .unwrap();
    assert_eq!(forced.spec.replicas, Some(5));
    let now = deployments.get("web").await.unwrap();
    assert!(
        fields_of(&now, "bob")
            .pointer("/f:spec/f:replicas")
            .is_some()
    );
    assert!(
        fields_of(&now, "alice")
            .pointer("/f:spec/f:replicas")
            .is_none(),
        "force moved ownership"
    );
    assert!(
        fields_of(&now, "alice")
            .pointer("/f:spec/f:selector")
            .is_some(),
        "shared fields stay shared"
    );

    // An Update manager (merge patch) is named with its apiVersion.
    let patch = PatchParams {
        field_manager: Some("kubectl-edit".into()),
        ..Default::default()
    };
    let merge = Patch::Merge(json!({"spec": {"replicas": 7}}));
    deployments.patch("web", &patch, &merge).await.unwrap();
    let err = apply(ssa("bob"), deployment("web", 5)).await.unwrap_err();
    assert_eq!(
        api_error(err).message,
        "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using apps/v1: .spec.replicas"
    );

    // Several conflicts are grouped by manager.
    let mut other = deployment("web", 9);
    other["metadata"]["labels"]["app"] = json!("other");
    let status = api_error(apply(ssa("carol"), other).await.unwrap_err());
    let message = &status.message;
    assert!(message.starts_with("Apply failed with "), "{message}");
    assert!(
        message.contains("conflicts with \"kubectl-edit\" using apps/v1:\n- .spec.replicas"),
        "{message}"
    );
    assert!(status.details.unwrap().causes.len() >= 3);
}

#[tokio::test]
async fn fields_a_manager_stops_applying_are_removed() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    let mut full = configmap("cfg", json!({"k1": "v1", "k2": "v2", "shared": "s"}));
    full["metadata"]["labels"] = json!({"a": "1", "b": "2"});
    full["metadata"]["annotations"] = json!({"note": "x"});
    cms.patch("cfg", &ssa("velac"), &Patch::Apply(full))
        .await
        .unwrap();
    let shared = configmap("cfg", json!({"shared": "s"}));
    cms.patch("cfg", &ssa("other"), &Patch::Apply(shared))
        .await
        .unwrap();
    let mut slim = configmap("cfg", json!({"k1": "v1"}));
    slim["metadata"]["labels"] = json!({"a": "1"});
    let cm = cms
        .patch("cfg", &ssa("velac"), &Patch::Apply(slim))
        .await
        .unwrap();
    let data = cm.data.unwrap();
    assert_eq!(
        data.keys().collect::<Vec<_>>(),
        ["k1", "shared"],
        "k2 removed, shared kept"
    );
    assert_eq!(
        cm.metadata.labels.unwrap().keys().collect::<Vec<_>>(),
        ["a"]
    );
    assert!(
        cm.metadata.annotations.is_none(),
        "emptied annotations map is dropped"
    );
    assert_eq!(
        cm.metadata.generation, None,
        "kinds without spec have no generation"
    );
}

#[tokio::test]
async fn status_subresource_merge_patch() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    let deployments: Api<Deployment> = Api::namespaced(client, "default");
    let mut with_status = deployment("web", 1);
    with_status["status"] = json!({"replicas": 42});
    let created = deployments
        .patch("web", &ssa("velac"), &Patch::Apply(with_status))
        .await
        .unwrap();
    assert!(
        created.status.is_none(),
        "status in an apply to the main resource is ignored"
    );

    let patch = PatchParams::default();
    let merge = json!({"status": {"readyReplicas": 1, "replicas": 1}, "spec": {"replicas": 9}});
    let patched = deployments
        .patch_status("web", &patch, &Patch::Merge(merge))
        .await
        .unwrap();
    assert_eq!(patched.status.as_ref().unwrap().ready_replicas, Some(1));
    assert_eq!(
        patched.spec.replicas,
        Some(1),
        "a status patch changes only .status"
    );
    assert_eq!(patched.metadata.generation, Some(1));
    let managed = patched.metadata.managed_fields.unwrap();
    let status_entry = managed
        .iter()
        .find(|m| m.subresource.as_deref() == Some("status"))
        .unwrap();
    assert_eq!(
        (
            status_entry.manager.as_deref(),
            status_entry.operation.as_deref()
        ),
        (Some("unknown"), Some("Update"))
    );

    // A main-resource merge patch cannot change status either.
    let merge = Patch::Merge(json!({"status": {"readyReplicas": 5}}));
    let main = deployments.patch("web", &patch, &merge).await.unwrap();
    assert_eq!(main.status.unwrap().ready_replicas, Some(1));
    // ...and re-applying keeps the status.
    let reapplied = deployments
        .patch("web", &ssa("velac"), &Patch::Apply(deployment("web", 1)))
        .await
        .unwrap();
    assert_eq!(reapplied.status.unwrap().ready_replicas, Some(1));
}

#[tokio::test]
async fn list_with_label_selectors() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    let ns: Api<Namespace> = Api::all(client.clone());
    let other: Namespace = serde_json::from_value(json!({"metadata": {"name": "other"}})).unwrap();
    ns.create(&PostParams::default(), &other).await.unwrap();
    for (ns, name, labels) in [
        ("default", "a", json!({"app": "web", "tier": "front"})),
        ("default", "b", json!({"app": "api"})),
        ("default", "c", json!({})),
        ("other", "d", json!({"app": "web"})),
    ] {
        let cms: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
        let mut cm = configmap(name, Value::Null);
        cm["metadata"]["labels"] = labels;
        cms.patch(name, &ssa("velac"), &Patch::Apply(cm))
            .await
            .unwrap();
    }
    let default: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let all: Api<ConfigMap> = Api::all(client.clone());
    let select = |s: &str| ListParams::default().labels(s);
    assert_eq!(
        names(default.list(&select("app=web")).await.unwrap()),
        ["a"]
    );
    assert_eq!(
        names(default.list(&select("app!=web")).await.unwrap()),
        ["b", "c"]
    );
    assert_eq!(names(default.list(&select("tier")).await.unwrap()), ["a"]);
    assert_eq!(
        names(default.list(&select("!tier")).await.unwrap()),
        ["b", "c"]
    );
    assert_eq!(
        names(default.list(&select("app,app!=api")).await.unwrap()),
        ["a"]
    );
    assert_eq!(
        names(default.list(&select("app in (web, api)")).await.unwrap()),
        ["a", "b"]
    );
    assert_eq!(
        names(all.list(&select("app=web")).await.unwrap()),
        ["a", "d"]
    );
    let list = all.list(&ListParams::default()).await.unwrap();
    assert!(list.metadata.resource_version.is_some());
    assert_eq!(names(list), ["a", "b", "c", "d"]);
    let by_name = ListParams::default().fields("metadata.name=b");
    assert_eq!(names(default.list(&by_name).await.unwrap()), ["b"]);
    let err = default.list(&select("a b c")).await.unwrap_err();
    assert_eq!(api_error(err).code, 400);

    // Raw list shape: kind, resourceVersion, items without types for built-ins.
    let path = "/api/v1/namespaces/default/configmaps?labelSelector=app%3Dweb";
    let raw: Value = client.request(raw("GET", path, None, b"")).await.unwrap();
    assert_eq!(raw["kind"], "ConfigMapList");
    assert_eq!(raw["items"][0]["metadata"]["name"], "a");
    assert!(raw["items"][0].get("kind").is_none());
}

#[tokio::test]
async fn create_replace_delete() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let cm: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "x"}, "data": {"a": "1"}})).unwrap();
    let created = cms.create(&PostParams::default(), &cm).await.unwrap();
    let err = cms.create(&PostParams::default(), &cm).await.unwrap_err();
    assert_eq!(api_error(err).reason, "AlreadyExists");

    let mut replacement = created.clone();
    replacement.data = Some([("a".to_string(), "2".to_string())].into());
    let replaced = cms
        .replace("x", &PostParams::default(), &replacement)
        .await
        .unwrap();
    assert_eq!(replaced.data.as_ref().unwrap()["a"], "2");
    let err = cms
        .replace("x", &PostParams::default(), &replacement)
        .await
        .unwrap_err();
    let status = api_error(err);
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
    assert!(
        status.message.ends_with(
            "the object has been modified; please apply your changes to the latest version and try again"
        ),
        "{}",
        status.message
    );

    let path = "/api/v1/namespaces/default/configmaps/x";
    let ops = json!([
        {"op": "add", "path": "/data/b", "value": "3"},
        {"op": "test", "path": "/data/a", "value": "2"},
    ]);
    let request = raw("PATCH", path, Some(JSON_PATCH), ops.to_string().as_bytes());
    let patched: ConfigMap = client.request(request).await.unwrap();
    assert_eq!(patched.data.unwrap()["b"], "3");
    let failing = json!([{"op": "test", "path": "/data/a", "value": "nope"}]);
    let request = raw(
        "PATCH",
        path,
        Some(JSON_PATCH),
        failing.to_string().as_bytes(),
    );
    assert_eq!(
        api_error(client.request_text(request).await.unwrap_err()).code,
        422
    );

    let deleted = cms.delete("x", &DeleteParams::default()).await.unwrap();
    assert!(deleted.left().is_some());
    assert!(cms.get_opt("x").await.unwrap().is_none());
}

#[tokio::test]
async fn deleting_a_namespace_deletes_its_objects() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    let nss: Api<Namespace> = Api::all(client.clone());
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}});
    let created = nss
        .patch("team", &ssa("velac"), &Patch::Apply(ns))
        .await
        .unwrap();
    assert_eq!(
        created.metadata.labels.unwrap()["kubernetes.io/metadata.name"],
        "team"
    );
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "team");
    cms.patch(
        "x",
        &ssa("velac"),
        &Patch::Apply(configmap("x", Value::Null)),
    )
    .await
    .unwrap();
    nss.delete("team", &DeleteParams::default()).await.unwrap();
    assert!(
        server
            .object("v1", "ConfigMap", Some("team"), "x")
            .is_none()
    );
    assert_eq!(server.objects().len(), 2);
}

#[tokio::test]
async fn dry_run_does_not_store() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    let cm = configmap("x", json!({"a": "1"}));
    let result = cms
        .patch("x", &ssa("velac").dry_run(), &Patch::Apply(cm))
        .await
        .unwrap();
    assert_eq!(result.data.unwrap()["a"], "1");
    assert!(
        server
            .object("v1", "ConfigMap", Some("default"), "x")
            .is_none()
    );
    assert_eq!(server.requests()[0].param("dryRun").as_deref(), Some("All"));
}

#[tokio::test]
async fn apply_without_field_manager_is_rejected() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    let body = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}"#;
    let request = raw(
        "PATCH",
        "/api/v1/namespaces/default/configmaps/x",
        Some(APPLY),
        body,
    );
    let status = api_error(client.request_text(request).await.unwrap_err());
    assert_eq!((status.code, status.reason.as_str()), (422, "Invalid"));
    assert_eq!(
        status.message,
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
    );
    assert_eq!(status.details.unwrap().causes[0].field, "fieldManager");
    let request = raw(
        "POST",
        "/api/v1/namespaces/default/configmaps",
        None,
        b"not json",
    );
    assert_eq!(
        api_error(client.request_text(request).await.unwrap_err()).code,
        400
    );
    assert_eq!(server.requests()[1].body, Some(json!("not json")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_applies() {
    let server = FakeApiServer::start();
    let cms: Api<ConfigMap> = Api::namespaced(client(&server).await, "default");
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let cms = cms.clone();
            tokio::spawn(async move {
                let name = format!("cm-{i:02}");
                let cm = configmap(&name, json!({"i": i.to_string()}));
                cms.patch(&name, &ssa("velac"), &Patch::Apply(cm))
                    .await
                    .map(|_| ())
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(
        cms.list(&ListParams::default()).await.unwrap().items.len(),
        40
    );
    let versions: std::collections::BTreeSet<String> = server
        .objects()
        .iter()
        .filter_map(|o| {
            o["metadata"]["resourceVersion"]
                .as_str()
                .map(str::to_string)
        })
        .collect();
    assert_eq!(
        versions.len(),
        42,
        "every write got its own resourceVersion"
    );
}

#[tokio::test]
async fn other_write_paths() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "default");
    deployments
        .patch("web", &ssa("velac"), &Patch::Apply(deployment("web", 1)))
        .await
        .unwrap();

    // Server-side apply on /status, by a controller.
    let status = json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "status": {"replicas": 1},
    });
    let with_status = deployments
        .patch_status("web", &ssa("controller"), &Patch::Apply(status))
        .await
        .unwrap();
    assert_eq!(with_status.status.unwrap().replicas, Some(1));
    let managed = with_status.metadata.managed_fields.unwrap();
    let entry = managed
        .into_iter()
        .find(|m| m.manager.as_deref() == Some("controller"))
        .unwrap();
    assert_eq!(
        (entry.operation.as_deref(), entry.subresource.as_deref()),
        (Some("Apply"), Some("status"))
    );

    // Strategic merge patch on a built-in kind behaves as a merge patch here.
    let strategic = Patch::Strategic(json!({"metadata": {"labels": {"x": "y"}}}));
    let patched = deployments
        .patch("web", &PatchParams::default(), &strategic)
        .await
        .unwrap();
    assert_eq!(patched.metadata.labels.unwrap()["x"], "y");

    // Unknown media type.
    let path = "/apis/apps/v1/namespaces/default/deployments/web";
    let request = raw("PATCH", path, Some("application/x-yaml"), b"{}");
    assert_eq!(
        api_error(client.request_text(request).await.unwrap_err()).code,
        415
    );

    // generateName.
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let generated: ConfigMap =
        serde_json::from_value(json!({"metadata": {"generateName": "gen-"}})).unwrap();
    let created = cms
        .create(&PostParams::default(), &generated)
        .await
        .unwrap();
    assert!(created.metadata.name.unwrap().starts_with("gen-"));

    // PUT without resourceVersion is unconditional; PUT of a missing object is 404.
    let mut replacement: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "missing"}})).unwrap();
    let err = cms
        .replace("missing", &PostParams::default(), &replacement)
        .await
        .unwrap_err();
    assert_eq!(api_error(err).code, 404);
    replacement.metadata.name = Some("other".into());
    let err = cms
        .replace("missing", &PostParams::default(), &replacement)
        .await
        .unwrap_err();
    assert_eq!(api_error(err).code, 400);

    // Cluster-scoped kinds live outside namespaces.
    let roles: Api<ClusterRole> = Api::all(client.clone());
    let role = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "reader"}, "rules": [],
    });
    let created = roles
        .patch("reader", &ssa("velac"), &Patch::Apply(role))
        .await
        .unwrap();
    assert!(created.metadata.namespace.is_none());
    let stored = server.object(
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        None,
        "reader",
    );
    assert!(stored.is_some());
}

/// Malformed requests get 4xx `Status` answers; the server keeps serving.
#[tokio::test]
async fn bad_requests_do_not_break_the_server() {
    let server = FakeApiServer::start();
    let client = client(&server).await;
    let cm = "/api/v1/namespaces/default/configmaps/x";
    let cm_m = &format!("{cm}?fieldManager=m");
    let cms = "/api/v1/namespaces/default/configmaps";
    let deploy = "/apis/apps/v1/namespaces/default/deployments/web";
    let mut seed = configmap("x", json!({"a": "1"}));
    seed["metadata"]["namespace"] = json!("default");
    server.insert(seed);
    // (method, path, content type, body)
    let mut cases: Vec<(&str, String, Option<&str>, &str)> = Vec::new();
    for path in [
        "/apis/apps/v1/namespaces/%ZZ/deployments",
        "/api/v1/namespaces/default/configmaps/x/status",
        "/api/v1/configmaps/x",
        "/api/v2/pods",
        "/apis/apps",
        "/apis/nope",
        "/healthz",
    ] {
        cases.push(("GET", path.into(), None, ""));
    }
    cases.push(("OPTIONS", cm.into(), None, ""));
    for (path, body) in [
        (cm, "{}"),
        ("/apis/apps/v1/deployments", "{}"),
        (cms, "[]"),
        (cms, r#"{"metadata": 5}"#),
        (cms, r#"{"kind": "Secret", "metadata": {"name": "s"}}"#),
        (cms, "{}"),
        (cms, r#"{"metadata": {"name": "y", "namespace": "other"}}"#),
    ] {
        cases.push(("POST", path.into(), None, body));
    }
    cases.push(("PUT", cm.into(), None, "null"));
    let deploy_status = &format!("{deploy}/status?fieldManager=m");
    let force = &format!("{cm}?force=true");
    for (path, content_type, body) in [
        (cm, Some(APPLY), r#""text""#),
        (
            cm,
            Some(APPLY),
            r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": "x"}"#,
        ),
        (
            cm_m,
            Some(APPLY),
            r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": "x"}"#,
        ),
        (cm_m, Some(APPLY), "apiVersion: v1\nkind: ConfigMap\n"),
        (
            cm_m,
            Some(APPLY),
            r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "other"}}"#,
        ),
        (
            deploy_status,
            Some(APPLY),
            r#"{"apiVersion": "apps/v1", "kind": "Deployment"}"#,
        ),
        (cm, Some(MERGE), "5"),
        (cm, Some(MERGE), r#"{"metadata": null}"#),
        (force, Some(MERGE), "{}"),
        (cm, Some(MERGE), r#"{"metadata": {"resourceVersion": "1"}}"#),
        (cm, Some(JSON_PATCH), "{}"),
        (
            cm,
            Some(JSON_PATCH),
            r#"[{"op": "remove", "path": "/data/nope"}]"#,
        ),
        (
            cm,
            Some(JSON_PATCH),
            r#"[{"op": "add", "path": "data", "value": 1}]"#,
        ),
        (
            cm,
            Some(JSON_PATCH),
            r#"[{"op": "replace", "path": "", "value": 1}]"#,
        ),
        (
            cm,
            Some(JSON_PATCH),
            r#"[{"op": "move", "from": "/nope", "path": "/x"}]"#,
        ),
        (
            cm,
            Some(JSON_PATCH),
            r#"[{"op": "add", "path": "/data/z/0/1", "value": 1}]"#,
        ),
        (
            cm,
            Some(JSON_PATCH),
            r#"[{"op": "frobnicate", "path": "/x"}]"#,
        ),
        (
            cm,
            Some("application/strategic-merge-patch+json"),
            r#"{"extra": 1e400}"#,
        ),
        (cm, None, "{}"),
    ] {
        cases.push(("PATCH", path.into(), content_type, body));
    }
    cases.push(("DELETE", format!("{cms}/nope"), None, ""));
    cases.push(("DELETE", format!("{deploy}/status"), None, ""));
    for query in [
        "labelSelector=a%20in%20(b",
        "labelSelector=%E2%82",
        "fieldSelector=spec.x%3D1",
        "watch=true",
        "limit=1&continue=zzz",
    ] {
        cases.push(("GET", format!("{cms}?{query}"), None, ""));
    }
    assert_eq!(cases.len(), 42);

    for (method, path, content_type, body) in cases {
        let request = raw(method, &path, content_type, body.as_bytes());
        match client.request_text(request).await {
            Ok(_) => {}
            Err(kube::Error::Api(status)) => {
                assert!(
                    (400..500).contains(&status.code),
                    "{method} {path} {body}: {status:?}"
                );
                assert!(!status.reason.is_empty(), "{method} {path}: {status:?}");
            }
            Err(other) => panic!("{method} {path} {body}: {other:?}"),
        }
    }
    let stored = server
        .object("v1", "ConfigMap", Some("default"), "x")
        .unwrap();
    assert_eq!(stored["metadata"]["name"], "x");
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    cms.get("x").await.unwrap();
}
