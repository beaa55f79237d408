//! State kept in a hub cluster (`--hub`/`VELAC_HUB`): the scenario with the
//! registry as KubeVela-compatible Secrets in `vela-system`, status in a
//! ConfigMap replaced with resourceVersion checks, run locks as Leases
//! (refused while held, taken over once expired), clusters joined by
//! KubeVela itself usable, the workflow context (step outputs) in a Secret,
//! and nothing written to the local state directory.
//! Runs against fake API servers only (the hub's contents are inspected).

#[path = "support/clusters.rs"]
mod clusters;
#[path = "support/sinks.rs"]
mod sinks;

use clusters::{Backend, Readiness, apply, ok, plan, text};
use serde_json::{Value, json};
use std::path::Path;

fn setup(tag: &str) -> Option<Backend> {
    if std::env::var_os("VELAC_IT_KUBECONFIG").is_some() {
        eprintln!(
            "apply_hub: runs against fake API servers only (it inspects the hub's objects); skipped"
        );
        return None;
    }
    let b = Backend::new(tag).with_hub();
    for c in clusters::CLUSTERS {
        ok(&b.join(c));
    }
    Some(b)
}

fn hub_object(b: &Backend, api: &str, kind: &str, name: &str) -> Option<Value> {
    b.hub
        .as_ref()
        .unwrap()
        .object(api, kind, Some("vela-system"), name)
}

#[test]
fn scenario_with_state_in_the_hub() {
    let Some(b) = setup("hub") else { return };
    let secret =
        hub_object(&b, "v1", "Secret", "cluster-staging").expect("cluster secret in vela-system");
    assert_eq!(
        secret["metadata"]["labels"]["cluster.core.oam.dev/cluster-credential-type"],
        "ServiceAccountToken"
    );
    let endpoint = secret["data"]["endpoint"].as_str().unwrap();
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(endpoint)
        .unwrap();
    assert_eq!(
        String::from_utf8(decoded).unwrap(),
        b.fakes["cluster-staging"].url()
    );
    let list = ok(&b.velac(&["cluster", "list"]));
    assert!(
        list.lines().nth(1).unwrap().starts_with("local"),
        "the hub is local: {list}"
    );
    assert!(
        list.contains("cluster-staging") && list.contains("cluster-prod"),
        "{list}"
    );

    let dir = b.dir.join("plan");
    plan(&b, Path::new("examples/multicluster/app.yaml"), &dir);
    let _ready = Readiness::start(&b, "example-app");
    let out = ok(&apply(&b, &dir, &[]));
    assert!(
        out.contains("workflow suspended at manual-approval"),
        "{out}"
    );
    let cm = hub_object(&b, "v1", "ConfigMap", "velac-status.default.example-app")
        .expect("status in the hub");
    let st: Value = serde_json::from_str(cm["data"]["status.json"].as_str().unwrap()).unwrap();
    assert_eq!(st["status"], "workflowSuspending");
    assert!(
        hub_object(
            &b,
            "coordination.k8s.io/v1",
            "Lease",
            "velac-lock.default.example-app"
        )
        .is_none(),
        "released"
    );
    assert!(
        hub_object(&b, "v1", "Secret", "velac-plan.default.example-app-v1").is_some(),
        "plan kept"
    );

    assert_eq!(
        ok(&b.velac(&["workflow", "resume", "example-app"])),
        "Successfully resume workflow: example-app\n"
    );
    ok(&apply(&b, &dir, &[]));
    let status = ok(&b.velac(&["status", "example-app"]));
    assert!(
        status.contains("Details:      running") && status.contains("Message: Ready:3/3"),
        "{status}"
    );
    let detach = b.velac(&["cluster", "detach", "cluster-prod"]);
    assert_eq!(detach.status.code(), Some(1), "{}", text(&detach));
    assert!(
        !b.home.exists(),
        "nothing written to the local state directory"
    );
}

#[test]
fn hub_locks_are_leases_refused_while_held_and_taken_over_when_expired() {
    let Some(b) = setup("hub-lock") else { return };
    let dir = b.dir.join("plan");
    plan(&b, Path::new("examples/multicluster/app.yaml"), &dir);
    let hub = b.hub.as_ref().unwrap();
    let now = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S.%6fZ")
        .to_string();
    hub.insert(json!({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": "velac-lock.default.example-app", "namespace": "vela-system"},
        "spec": {"holderIdentity": "pid 7 on ci-runner-3 (user ci, `velac apply`)", "leaseDurationSeconds": 30, "renewTime": now}
    }));
    let refused = apply(&b, &dir, &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused)
            .contains("application default/example-app is locked by pid 7 on ci-runner-3"),
        "{}",
        text(&refused)
    );
    // The holder died an hour ago and stopped renewing.
    let mut lease = hub_object(
        &b,
        "coordination.k8s.io/v1",
        "Lease",
        "velac-lock.default.example-app",
    )
    .unwrap();
    lease["spec"]["renewTime"] = json!("2026-01-01T00:00:00.000000Z");
    hub.insert(lease);
    let _ready = Readiness::start(&b, "example-app");
    let out = ok(&apply(&b, &dir, &[]));
    assert!(
        out.contains("workflow suspended at manual-approval"),
        "{out}"
    );
}

#[test]
fn clusters_joined_by_kubevela_are_usable() {
    let Some(b) = setup("hub-vela") else { return };
    use base64::Engine;
    let enc = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    // What `vela cluster join` writes: no velac entry, just KubeVela's fields.
    b.hub.as_ref().unwrap().insert(json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "vela-joined", "namespace": "vela-system", "labels": {
            "cluster.core.oam.dev/cluster-credential-type": "ServiceAccountToken", "region": "eu"}},
        "data": {"endpoint": enc(&b.fakes["cluster-prod"].url()), "token": enc("a-token")}
    }));
    let list = ok(&b.velac(&["cluster", "list"]));
    assert!(
        list.contains("vela-joined") && list.contains("region=eu"),
        "{list}"
    );
    assert!(!list.contains("a-token"), "{list}");
    let probe = ok(&b.velac(&["cluster", "probe", "vela-joined"]));
    assert!(
        probe.contains("cluster vela-joined is reachable"),
        "{probe}"
    );
}

#[test]
fn outputs_live_in_a_hub_secret_and_survive_a_suspend() {
    let Some(b) = setup("hub-context") else {
        return;
    };
    let slack = sinks::HttpSink::start();
    // The hub is `local` to steps: the notification's URL is read there.
    let hub = b.hub.as_ref().unwrap();
    hub.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}));
    hub.insert(json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "delivery-hooks", "namespace": "default"},
        "data": {"slack": base64_of(&format!("{}/hook", slack.url()))}}));
    let dir = b.dir.join("plan");
    plan(&b, Path::new("examples/delivery/app.yaml"), &dir);
    let _ready = Readiness::start(&b, "example-app");
    let out = ok(&apply(&b, &dir, &[]));
    assert!(
        out.contains("workflow suspended at manual-approval"),
        "{out}"
    );
    let secret = hub_object(&b, "v1", "Secret", "velac-context.default.example-app")
        .expect("the workflow context is a Secret in the hub");
    let ctx: Value = serde_json::from_str(&decode(&secret["data"]["context"])).unwrap();
    assert_eq!(
        ctx["vars"]["staging-summary"],
        "staging serves 1 of 1 replicas"
    );
    // The status ConfigMap does not carry it.
    let cm = hub_object(&b, "v1", "ConfigMap", "velac-status.default.example-app").unwrap();
    assert!(!cm.to_string().contains("staging serves"), "{cm}");
    assert!(!b.home.exists(), "nothing in the local state directory");
    ok(&b.velac(&["workflow", "resume", "example-app"]));
    let out = ok(&apply(&b, &dir, &[]));
    assert!(out.contains("application example-app is running"), "{out}");
    assert_eq!(
        slack.to("/hook")[0].json(),
        json!({"text": "staging serves 1 of 1 replicas"})
    );
}

fn base64_of(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn decode(v: &Value) -> String {
    use base64::Engine;
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap(),
    )
    .unwrap()
}
