//! What the applier sends and how it reacts, against the in-process fake API
//! servers (they record every request): namespaces first, the kind order,
//! server-side apply as field manager `velac`, ApplySet membership, CRDs
//! waited for, conflicts naming the other manager, adoption refused without
//! take-over, garbage collection and its policies, stale and tampered plans,
//! JSON events, and a suspend that resumes by itself.

#[path = "support/clusters.rs"]
mod clusters;

use clusters::{Backend, Readiness, apply, ok, text};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const HEAD: &str = "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: app\n  namespace: default\nspec:\n";

/// Policies and a workflow that deploy to cluster-staging only.
const TO_STAGING: &str = "  policies:
    - name: staging
      type: topology
      properties:
        clusters: [cluster-staging]
  workflow:
    steps:
      - name: deploy
        type: deploy
        properties:
          policies: [staging]
";

fn setup(tag: &str) -> Option<Backend> {
    if std::env::var_os("VELAC_IT_KUBECONFIG").is_some() {
        eprintln!(
            "apply_requests: these tests inspect the fake API servers' request logs; skipped against real clusters"
        );
        return None;
    }
    let b = Backend::new(tag);
    ok(&b.join("cluster-staging"));
    ok(&b.join("cluster-prod"));
    Some(b)
}

fn write_app(b: &Backend, name: &str, body: &str) -> PathBuf {
    let p = b.dir.join(name);
    std::fs::write(&p, format!("{HEAD}{body}")).unwrap();
    p
}

fn plan(b: &Backend, app: &Path, out: &str) -> PathBuf {
    let dir = b.dir.join(out);
    ok(&b.velac(&["plan", app.to_str().unwrap(), "-o", dir.to_str().unwrap()]));
    dir
}

fn webservice(name: &str) -> String {
    format!("    - name: {name}\n      type: webservice\n      properties:\n        image: nginx\n")
}

#[test]
fn namespaces_first_then_kind_order_all_by_server_side_apply() {
    let Some(b) = setup("shapes") else { return };
    let body = format!(
        "  components:
    - name: web
      type: webservice
      properties:
        image: nginx
        port: 80
      traits:
        - type: expose
          properties:
            port: [80]
    - name: cfg
      type: k8s-objects
      properties:
        objects:
          - apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
              namespace: team-a
            data:
              mode: fast
{TO_STAGING}"
    );
    let dir = plan(&b, &write_app(&b, "app.yaml", &body), "plan");
    let fake = &b.fakes["cluster-staging"];
    fake.clear_requests();
    let _ready = Readiness::start(&b, "app");
    ok(&apply(&b, &dir, &[]));
    let writes: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect();
    let paths: Vec<String> = writes.iter().map(|r| r.path.clone()).collect();
    let pos = |needle: &str| {
        paths
            .iter()
            .position(|p| p.ends_with(needle))
            .unwrap_or_else(|| panic!("no write to {needle}: {paths:#?}"))
    };
    // The new namespace, then the ApplySet parent, then config, service, workload.
    assert!(
        pos("/namespaces/team-a") < pos("/secrets/velac-applyset-app"),
        "{paths:#?}"
    );
    assert!(
        pos("/secrets/velac-applyset-app") < pos("/configmaps/settings"),
        "{paths:#?}"
    );
    assert!(
        pos("/configmaps/settings") < pos("/services/web"),
        "{paths:#?}"
    );
    assert!(pos("/services/web") < pos("/deployments/web"), "{paths:#?}");
    assert!(
        b.fakes["cluster-prod"]
            .requests()
            .iter()
            .all(|r| r.method == "GET" || !r.path.contains("deployments"))
    );
    for w in writes.iter().filter(|w| !w.path.contains("/status")) {
        assert_eq!(w.method, "PATCH", "{}", w.path);
        assert_eq!(
            w.content_type.as_deref(),
            Some("application/apply-patch+yaml"),
            "{}",
            w.path
        );
        assert_eq!(
            w.param("fieldManager").as_deref(),
            Some("velac"),
            "{}",
            w.path
        );
        if !w.path.contains("velac-applyset") {
            assert_eq!(
                w.param("force"),
                None,
                "no force without --force-conflicts: {}",
                w.path
            );
        }
    }
    let dep = writes
        .iter()
        .find(|w| w.path.ends_with("/deployments/web"))
        .unwrap();
    let body = dep.body.as_ref().unwrap();
    assert_eq!(body["metadata"]["labels"]["app.oam.dev/name"], "app");
    let id = body["metadata"]["labels"]["applyset.kubernetes.io/part-of"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(id.starts_with("applyset-") && id.ends_with("-v1"), "{id}");
    let parent = fake
        .object("v1", "Secret", Some("default"), "velac-applyset-app")
        .unwrap();
    assert_eq!(
        parent["metadata"]["labels"]["applyset.kubernetes.io/id"],
        json!(id)
    );
    let gks = parent["metadata"]["annotations"]["applyset.kubernetes.io/contains-group-kinds"]
        .as_str()
        .unwrap();
    assert_eq!(gks, "ConfigMap,Deployment.apps,Service");
    assert_eq!(
        parent["metadata"]["annotations"]["applyset.kubernetes.io/additional-namespaces"],
        "team-a"
    );
}

#[test]
fn crds_are_applied_and_established_before_their_resources() {
    let Some(b) = setup("crd") else { return };
    let body = format!(
        "  components:
    - name: widgets
      type: k8s-objects
      properties:
        objects:
          - apiVersion: example.com/v1
            kind: Widget
            metadata:
              name: w1
              namespace: default
            spec:
              size: 3
          - apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.example.com
            spec:
              group: example.com
              scope: Namespaced
              names: {{plural: widgets, singular: widget, kind: Widget}}
              versions:
                - name: v1
                  served: true
                  storage: true
                  schema:
                    openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}
{TO_STAGING}"
    );
    let dir = plan(&b, &write_app(&b, "app.yaml", &body), "plan");
    let out = ok(&apply(&b, &dir, &[]));
    let crd = out
        .find("applied CustomResourceDefinition widgets.example.com")
        .expect(&out);
    let cr = out.find("applied Widget default/w1").expect(&out);
    assert!(crd < cr, "{out}");
    let w = b.fakes["cluster-staging"]
        .object("example.com/v1", "Widget", Some("default"), "w1")
        .unwrap();
    assert_eq!(w["spec"]["size"], 3);
}

#[test]
fn conflicts_name_the_other_manager_and_force_takes_the_fields() {
    let Some(b) = setup("conflict") else { return };
    let body = format!("  components:\n{}{TO_STAGING}", webservice("web"));
    let dir = plan(&b, &write_app(&b, "app.yaml", &body), "plan");
    // Someone else set the image with kubectl, on an object of this app.
    b.fakes["cluster-staging"].insert(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app.oam.dev/name": "app"}},
        "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "httpd"}]}}}
    }));
    let out = apply(&b, &dir, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let all = text(&out);
    assert!(all.contains("conflict with \"seed\""), "{all}");
    assert!(all.contains("managers: seed"), "{all}");
    assert!(all.contains("--force-conflicts"), "{all}");
    ok(&b.velac(&["workflow", "restart", "app"]));
    let _ready = Readiness::start(&b, "app");
    ok(&apply(&b, &dir, &["--force-conflicts"]));
    let d = b.fakes["cluster-staging"]
        .object("apps/v1", "Deployment", Some("default"), "web")
        .unwrap();
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx"
    );
}

#[test]
fn objects_of_nobody_are_adopted_only_with_take_over() {
    let Some(b) = setup("takeover") else { return };
    let body = format!("  components:\n{}{TO_STAGING}", webservice("web"));
    b.fakes["cluster-staging"].insert(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": 1}
    }));
    let dir = plan(&b, &write_app(&b, "app.yaml", &body), "plan");
    let out = apply(&b, &dir, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("Deployment default/web already exists and is not managed by any application; add a take-over"),
        "{}",
        text(&out)
    );
    let with = body.replace(
        "  workflow:",
        "    - name: adopt\n      type: take-over\n      properties:\n        rules:\n          - selector: {componentNames: [web]}\n  workflow:",
    );
    let dir = plan(&b, &write_app(&b, "app2.yaml", &with), "plan2");
    let _ready = Readiness::start(&b, "app");
    ok(&apply(&b, &dir, &[]));
}

#[test]
fn garbage_collection_deletes_what_the_new_revision_dropped_unless_kept() {
    let Some(b) = setup("gc") else { return };
    let _ready = Readiness::start(&b, "app");
    let v1 = format!(
        "  components:\n{}{}{}{TO_STAGING}",
        webservice("a"),
        webservice("b"),
        webservice("c")
    );
    let d1 = plan(&b, &write_app(&b, "v1.yaml", &v1), "v1");
    ok(&apply(&b, &d1, &[]));
    let fake = &b.fakes["cluster-staging"];
    assert!(
        fake.object("apps/v1", "Deployment", Some("default"), "b")
            .is_some()
    );
    // v2 drops b and c; a garbage-collect rule keeps c.
    let v2 = format!("  components:\n{}{TO_STAGING}", webservice("a")).replace(
        "  workflow:",
        "    - name: keep-c\n      type: garbage-collect\n      properties:\n        rules:\n          - selector: {componentNames: [c]}\n            strategy: never\n  workflow:",
    );
    let d2 = plan(&b, &write_app(&b, "v2.yaml", &v2), "v2");
    let out = ok(&apply(&b, &d2, &[]));
    assert!(
        out.contains("[gc] cluster-staging: deleted Deployment default/b"),
        "{out}"
    );
    assert!(!out.contains("deleted Deployment default/c"), "{out}");
    assert!(
        fake.object("apps/v1", "Deployment", Some("default"), "b")
            .is_none()
    );
    assert!(
        fake.object("apps/v1", "Deployment", Some("default"), "c")
            .is_some()
    );
    assert!(
        fake.object("apps/v1", "Deployment", Some("default"), "a")
            .is_some()
    );

    // The v1 plan is stale now; a changed bundle file is refused too.
    let stale = apply(&b, &d1, &[]);
    assert_eq!(stale.status.code(), Some(1), "{}", text(&stale));
    assert!(
        text(&stale)
            .contains("stale plan: the plan is app-v1 but the last applied revision is app-v2"),
        "{}",
        text(&stale)
    );
    let d3 = plan(&b, &write_app(&b, "v3.yaml", &v2), "v3");
    let f = d3.join("cluster-staging/default/deployment.a.yaml");
    let t = std::fs::read_to_string(&f)
        .unwrap()
        .replace("nginx", "evil");
    std::fs::write(&f, t).unwrap();
    let tampered = apply(&b, &d3, &[]);
    assert_eq!(tampered.status.code(), Some(1), "{}", text(&tampered));
    assert!(
        text(&tampered).contains("changed since it was planned"),
        "{}",
        text(&tampered)
    );
}

#[test]
fn json_events_and_a_suspend_that_resumes_by_itself() {
    let Some(b) = setup("events") else { return };
    let body = format!("  components:\n{}{TO_STAGING}", webservice("web")).replace(
        "  workflow:\n    steps:\n",
        "  workflow:\n    steps:\n      - name: pause\n        type: suspend\n        properties:\n          duration: 1s\n",
    );
    let dir = plan(&b, &write_app(&b, "app.yaml", &body), "plan");
    let _ready = Readiness::start(&b, "app");
    let t0 = std::time::Instant::now();
    let out = ok(&apply(&b, &dir, &["--output", "json"]));
    assert!(
        t0.elapsed() >= std::time::Duration::from_secs(1),
        "waited for the suspend"
    );
    let events: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect(l))
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"stepStarted")
            && kinds.contains(&"applied")
            && kinds.contains(&"stepFinished"),
        "{kinds:?}"
    );
    let applied = events
        .iter()
        .find(|e| e["event"] == "applied" && e["object"] == "Deployment default/web")
        .unwrap();
    assert_eq!(applied["cluster"], "cluster-staging");
    assert_eq!(applied["step"], "deploy");
    let last = events.last().unwrap();
    assert_eq!(last["message"], "application app is running");
}

#[test]
fn a_registry_change_since_planning_makes_the_plan_stale() {
    let Some(b) = setup("registry") else { return };
    let body = format!("  components:\n{}{TO_STAGING}", webservice("web"));
    let dir = plan(&b, &write_app(&b, "app.yaml", &body), "plan");
    ok(&b.velac(&["cluster", "labels", "add", "cluster-prod", "tier=gold"]));
    let out = apply(&b, &dir, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(
            "stale plan: the labels of cluster cluster-prod changed since the plan was made"
        ),
        "{}",
        text(&out)
    );
    assert!(
        b.fakes["cluster-staging"]
            .object("apps/v1", "Deployment", Some("default"), "web")
            .is_none(),
        "nothing applied"
    );
    let _ready = Readiness::start(&b, "app");
    ok(&apply(&b, &dir, &["--allow-stale"]));
}
