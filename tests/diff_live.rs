//! `velac diff --live`: what applying a plan would change on the clusters,
//! found with server-side apply dry runs. Against the in-process fake API
//! servers, or real ones when `VELAC_IT_KUBECONFIG` names contexts
//! `cluster-staging` and `cluster-prod`: in sync right after apply, foreign
//! labels are not drift, a scaled Deployment shows `7 → 3` naming the
//! manager, a deleted object is added, a new plan's image change and dropped
//! component show, Secret values never do, an unreachable cluster exits 2
//! naming it. The report goldens and the request log need the fakes.

#[path = "support/clusters.rs"]
mod clusters;

use clusters::{Backend, Readiness, apply, ok, text};
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// A webservice, a ConfigMap and a Secret on both clusters, in a namespace
/// of the test's own (so runs against real clusters do not meet).
fn app(ns: &str, image: &str, secret: &str, with_extra: bool) -> String {
    let extra = if with_extra {
        "    - name: extra
      type: k8s-objects
      properties:
        objects:
          - apiVersion: v1
            kind: ConfigMap
            metadata: {name: extra}
            data: {k: v}
"
    } else {
        ""
    };
    format!(
        "apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: live
  namespace: {ns}
spec:
  components:
    - name: web
      type: webservice
      properties:
        image: {image}
      traits:
        - type: scaler
          properties: {{replicas: 3}}
    - name: conf
      type: k8s-objects
      properties:
        objects:
          - apiVersion: v1
            kind: ConfigMap
            metadata: {{name: settings}}
            data: {{mode: fast}}
          - apiVersion: v1
            kind: Secret
            metadata: {{name: creds}}
            stringData: {{password: {secret}}}
{extra}  policies:
    - name: both
      type: topology
      properties:
        clusters: [cluster-staging, cluster-prod]
  workflow:
    steps:
      - name: deploy
        type: deploy
        properties:
          policies: [both]
"
    )
}

fn setup(tag: &str) -> Backend {
    let b = Backend::new(tag);
    ok(&b.join("cluster-staging"));
    ok(&b.join("cluster-prod"));
    b
}

/// A namespace per run, so real clusters can be reused.
fn namespace(tag: &str) -> String {
    format!("live-{tag}-{}", std::process::id())
}

fn plan_app(b: &Backend, name: &str, body: &str) -> PathBuf {
    let f = b.dir.join(format!("{name}.yaml"));
    std::fs::write(&f, body).unwrap();
    let dir = b.dir.join(name);
    ok(&b.velac(&["plan", f.to_str().unwrap(), "-o", dir.to_str().unwrap()]));
    dir
}

fn diff(b: &Backend, dir: &Path, output: &str) -> std::process::Output {
    b.velac(&["diff", "--live", dir.to_str().unwrap(), "--output", output])
}

fn dynamic(
    b: &Backend,
    rt: &tokio::runtime::Runtime,
    cluster: &str,
    (api_version, kind): (&str, &str),
    ns: &str,
) -> Api<DynamicObject> {
    let client = b.client(rt, cluster);
    let (g, v) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let ar = ApiResource::from_gvk(&GroupVersionKind::gvk(g, v, kind));
    Api::namespaced_with(client, ns, &ar)
}

/// A merge patch as another field manager would send it (kubectl's
/// `scale`, `label`, …): an update that takes the fields it sets.
fn patch_as(
    b: &Backend,
    cluster: &str,
    kind: (&str, &str),
    ns: &str,
    name: &str,
    patch: Value,
    manager: &str,
) {
    let rt = clusters::runtime();
    let api = dynamic(b, &rt, cluster, kind, ns);
    let pp = PatchParams {
        field_manager: Some(manager.into()),
        ..PatchParams::default()
    };
    rt.block_on(api.patch(name, &pp, &Patch::Merge(&patch)))
        .unwrap();
}

fn delete(b: &Backend, cluster: &str, kind: (&str, &str), ns: &str, name: &str) {
    let rt = clusters::runtime();
    let api = dynamic(b, &rt, cluster, kind, ns);
    rt.block_on(api.delete(name, &DeleteParams::default()))
        .unwrap();
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Everything a run printed, checked for the Secret's value in every form.
fn assert_no_secret(o: &std::process::Output, secret: &str) {
    use base64::Engine;
    let all = text(o);
    let b64 = base64::engine::general_purpose::STANDARD.encode(secret);
    assert!(
        !all.contains(secret),
        "the Secret's value was shown:\n{all}"
    );
    assert!(
        !all.contains(&b64),
        "the Secret's value was shown (base64):\n{all}"
    );
}

/// The namespace the test's objects are in, replaced for snapshots.
fn stable(s: &str, ns: &str) -> String {
    s.replace(ns, "NS")
}

#[test]
fn in_sync_after_apply_then_drift_deletion_and_a_new_plan() {
    let b = setup("sync");
    let ns = namespace("sync");
    let _ready = Readiness::start(&b, "live");
    let v1 = plan_app(&b, "v1", &app(&ns, "nginx:1.25", "hunter2-v1", true));
    // Before anything is applied, everything is added.
    let first = diff(&b, &v1, "json");
    assert_eq!(first.status.code(), Some(1), "{}", text(&first));
    let j: Value = serde_json::from_slice(&first.stdout).unwrap();
    assert!(
        j["objects"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["change"] == "added"),
        "{j:#}"
    );
    assert_no_secret(&first, "hunter2-v1");
    ok(&apply(&b, &v1, &[]));

    // Right after apply: nothing to change, in every format.
    for format in ["text", "json", "markdown"] {
        let o = diff(&b, &v1, format);
        assert_eq!(o.status.code(), Some(0), "{format}: {}", text(&o));
    }
    assert_eq!(stdout(&diff(&b, &v1, "text")), "no changes\n");

    // A label another manager adds is not drift.
    patch_as(
        &b,
        "cluster-prod",
        ("v1", "ConfigMap"),
        &ns,
        "settings",
        json!({"metadata": {"labels": {"team": "payments"}}}),
        "kubectl-label",
    );
    let o = diff(&b, &v1, "text");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // Scaled by hand: apply would take spec.replicas back, from its manager.
    patch_as(
        &b,
        "cluster-prod",
        ("apps/v1", "Deployment"),
        &ns,
        "web",
        json!({"spec": {"replicas": 7}}),
        "kubectl-scale",
    );
    let o = diff(&b, &v1, "text");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = stdout(&o);
    let path = format!("cluster-prod/{ns}/deployment.web.yaml");
    assert!(
        t.contains(&format!(
            "  ~ {path} (changed; fields owned by kubectl-scale: apply needs --force-conflicts)"
        )),
        "{t}"
    );
    assert!(t.contains("  spec.replicas: 7 → 3\n"), "{t}");
    assert!(t.contains("-  replicas: 7\n+  replicas: 3\n"), "{t}");
    assert!(!t.contains("cluster-staging"), "staging is in sync:\n{t}");
    let j: Value = serde_json::from_slice(&diff(&b, &v1, "json").stdout).unwrap();
    assert_eq!(j["changed"], true);
    let objs = j["objects"].as_array().unwrap();
    assert_eq!(objs.len(), 1, "{j:#}");
    assert_eq!(objs[0]["cluster"], "cluster-prod");
    assert_eq!(objs[0]["path"], path);
    assert_eq!(objs[0]["change"], "changed");
    assert_eq!(objs[0]["conflicts"], json!(["kubectl-scale"]));
    assert_eq!(
        objs[0]["fields"],
        json!([{"path": "spec.replicas", "before": 7, "after": 3}])
    );
    let m = stdout(&diff(&b, &v1, "markdown"));
    assert!(
        m.starts_with("**velac diff:** 0 added, 1 changed, 0 removed objects"),
        "{m}"
    );
    assert!(m.contains("- `spec.replicas: 7 → 3`"), "{m}");

    // A deleted object is added again.
    delete(&b, "cluster-staging", ("v1", "ConfigMap"), &ns, "settings");
    let j: Value = serde_json::from_slice(&diff(&b, &v1, "json").stdout).unwrap();
    let added: Vec<&Value> = j["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["change"] == "added")
        .collect();
    assert_eq!(added.len(), 1, "{j:#}");
    assert_eq!(
        added[0]["path"],
        format!("cluster-staging/{ns}/configmap.settings.yaml")
    );

    // A new plan: another image, another password, the extra component gone.
    let v2 = plan_app(&b, "v2", &app(&ns, "nginx:1.26", "hunter2-v2", false));
    for format in ["text", "json", "markdown"] {
        let o = diff(&b, &v2, format);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert_no_secret(&o, "hunter2-v1");
        assert_no_secret(&o, "hunter2-v2");
    }
    let o = diff(&b, &v2, "text");
    let t = stdout(&o);
    for c in ["cluster-staging", "cluster-prod"] {
        assert!(
            t.contains(&format!("  - {c}/{ns}/configmap.extra.yaml (removed)")),
            "{t}"
        );
        assert!(
            t.contains(&format!("  ~ {c}/{ns}/secret.creds.yaml (changed)")),
            "{t}"
        );
    }
    assert!(
        t.contains("  spec.template.spec.containers[0].image: nginx:1.25 → nginx:1.26\n"),
        "{t}"
    );
    assert!(
        t.contains("  data.password: *** (before) → *** (after)\n"),
        "{t}"
    );
    // The application file itself works as the plan.
    let f = b.dir.join("v2.yaml");
    let o = b.velac(&["diff", "--live", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(stdout(&o), t);
}

#[test]
fn an_unreachable_cluster_exits_2_naming_it() {
    let b = setup("down");
    let ns = namespace("down");
    let _ready = Readiness::start(&b, "live");
    let v1 = plan_app(&b, "v1", &app(&ns, "nginx:1.25", "hunter2", false));
    ok(&apply(&b, &v1, &[]));
    // The registry's prod now points at a port nobody listens on.
    let entry = b.home.join("clusters/cluster-prod.json");
    let mut e: Value = serde_json::from_str(&std::fs::read_to_string(&entry).unwrap()).unwrap();
    e["kubeconfig"]["clusters"][0]["cluster"]["server"] = json!("https://127.0.0.1:9");
    std::fs::write(&entry, serde_json::to_string(&e).unwrap()).unwrap();
    let o = b.velac(&["diff", "--live", v1.to_str().unwrap(), "--output", "json"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cluster cluster-prod"), "{err}");
    assert!(stdout(&o).is_empty(), "no partial report:\n{}", text(&o));
    assert_no_secret(&o, "hunter2");

    // The registry's prod now reaches staging: another cluster, refused as
    // apply refuses it.
    let staging: Value = serde_json::from_str(
        &std::fs::read_to_string(b.home.join("clusters/cluster-staging.json")).unwrap(),
    )
    .unwrap();
    e["kubeconfig"] = staging["kubeconfig"].clone();
    std::fs::write(&entry, serde_json::to_string(&e).unwrap()).unwrap();
    let o = b.velac(&["diff", "--live", v1.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cluster cluster-prod is not the cluster that was joined"),
        "{err}"
    );
}

/// Fakes only: the request log and exact report goldens.
#[test]
fn dry_runs_only_and_report_goldens() {
    let b = setup("golden");
    if b.real() {
        eprintln!(
            "diff_live: the request log and goldens need the fake API servers; skipped against real clusters"
        );
        return;
    }
    let ns = "golden";
    let ready = Readiness::start(&b, "live");
    let v1 = plan_app(&b, "v1", &app(ns, "nginx:1.25", "hunter2-v1", true));
    ok(&apply(&b, &v1, &[]));
    patch_as(
        &b,
        "cluster-prod",
        ("apps/v1", "Deployment"),
        ns,
        "web",
        json!({"spec": {"replicas": 7}}),
        "kubectl-scale",
    );
    let v2 = plan_app(&b, "v2", &app(ns, "nginx:1.26", "hunter2-v2", false));
    // Nothing but the diffs talks to the clusters from here on.
    drop(ready);
    for f in b.fakes.values() {
        f.clear_requests();
    }
    let mut outs = Vec::new();
    for format in ["text", "json", "markdown"] {
        let o = diff(&b, &v2, format);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert_no_secret(&o, "hunter2-v1");
        assert_no_secret(&o, "hunter2-v2");
        outs.push(stable(&stdout(&o), ns));
    }
    insta::assert_snapshot!("diff_live_text", outs[0]);
    insta::assert_snapshot!("diff_live_json", outs[1]);
    insta::assert_snapshot!("diff_live_markdown", outs[2]);
    // Reads and dry runs only, every apply as velac would send it.
    for (name, f) in &b.fakes {
        let reqs = f.requests();
        assert!(!reqs.is_empty());
        for r in &reqs {
            match r.method.as_str() {
                "GET" => {}
                "PATCH" => {
                    assert_eq!(r.param("dryRun").as_deref(), Some("All"), "{name}: {r:?}");
                    assert_eq!(
                        r.param("fieldManager").as_deref(),
                        Some("velac"),
                        "{name}: {r:?}"
                    );
                    assert_eq!(
                        r.content_type.as_deref(),
                        Some("application/apply-patch+yaml"),
                        "{name}: {r:?}"
                    );
                    let body = r.body.as_ref().unwrap();
                    assert!(
                        body.pointer("/metadata/labels/applyset.kubernetes.io~1part-of")
                            .is_some(),
                        "the same body as apply's: {body}"
                    );
                }
                other => panic!("{name}: diff --live sent {other} {}", r.path),
            }
        }
    }
}

#[test]
fn garbage_collect_policies_and_unowned_objects() {
    let b = setup("policies");
    let ns = namespace("policies");
    let _ready = Readiness::start(&b, "live");
    let v1 = plan_app(&b, "v1", &app(&ns, "nginx:1.25", "pw-one", true));
    ok(&apply(&b, &v1, &[]));
    // A garbage-collect rule keeps the dropped component: not removed.
    let kept = app(&ns, "nginx:1.25", "pw-one", false).replace(
        "  policies:\n",
        "  policies:\n    - name: keep\n      type: garbage-collect\n      properties:\n        rules:\n          - selector: {componentNames: [extra]}\n            strategy: never\n",
    );
    let v2 = plan_app(&b, "v2", &kept);
    let j: Value = serde_json::from_slice(&diff(&b, &v2, "json").stdout).unwrap();
    assert!(
        j["objects"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["change"] == "changed"),
        "only the new revision's labels change, nothing is removed: {j:#}"
    );
    // An object someone else re-created is not this application's to delete.
    delete(&b, "cluster-staging", ("v1", "ConfigMap"), &ns, "extra");
    b.put(
        "cluster-staging",
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "extra", "namespace": ns}, "data": {"k": "theirs"}}),
    );
    let v3 = plan_app(&b, "v3", &app(&ns, "nginx:1.25", "pw-one", false));
    let t = stdout(&diff(&b, &v3, "text"));
    assert!(
        t.contains(&format!(
            "  - cluster-prod/{ns}/configmap.extra.yaml (removed)"
        )),
        "{t}"
    );
    assert!(
        !t.contains(&format!("cluster-staging/{ns}/configmap.extra.yaml")),
        "{t}"
    );
    // An object of nobody in the plan's way: apply would refuse it, so the
    // diff is an error naming the cluster.
    b.put(
        "cluster-staging",
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "other", "namespace": ns}, "data": {"k": "x"}}),
    );
    let clash = app(&ns, "nginx:1.25", "pw-one", false).replace(
        "            data: {mode: fast}\n",
        "            data: {mode: fast}\n          - apiVersion: v1\n            kind: ConfigMap\n            metadata: {name: other}\n            data: {k: y}\n",
    );
    let v4 = plan_app(&b, "v4", &clash);
    let o = diff(&b, &v4, "text");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cluster cluster-staging: ConfigMap")
            && err.contains("/other already exists and is not managed by any application"),
        "{err}"
    );
}

#[test]
fn status_refresh_reports_drift_per_service() {
    let b = setup("drift");
    let ns = namespace("drift");
    let _ready = Readiness::start(&b, "live");
    let v1 = plan_app(&b, "v1", &app(&ns, "nginx:1.25", "pw-drift", false));
    ok(&apply(&b, &v1, &[]));
    let status = |b: &Backend| -> Value {
        let o = b.velac(&["status", "live", "-n", &ns, "--refresh", "-o", "json"]);
        assert_no_secret(&o, "pw-drift");
        serde_json::from_str(&ok(&o)).unwrap()
    };
    let st = status(&b);
    let services = st["services"].as_array().unwrap();
    assert_eq!(services.len(), 4, "{st:#}");
    assert!(
        services.iter().all(|s| s.get("drifted").is_none()),
        "{st:#}"
    );
    assert!(ok(&b.velac(&["get", "apps"])).contains("DRIFT"));

    patch_as(
        &b,
        "cluster-prod",
        ("apps/v1", "Deployment"),
        &ns,
        "web",
        json!({"spec": {"replicas": 7}}),
        "kubectl-scale",
    );
    delete(&b, "cluster-staging", ("v1", "Secret"), &ns, "creds");
    let st = status(&b);
    let find = |name: &str, cluster: &str| -> Value {
        st["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name && s["cluster"] == cluster)
            .cloned()
            .unwrap()
    };
    let web = find("web", "cluster-prod");
    assert_eq!(web["drifted"], true, "{st:#}");
    assert_eq!(
        web["drift"],
        json!([format!("Deployment {ns}/web: spec.replicas")])
    );
    let conf = find("conf", "cluster-staging");
    assert_eq!(
        conf["drift"],
        json!([format!("Secret {ns}/creds (deleted)")]),
        "{st:#}"
    );
    assert!(
        find("web", "cluster-staging").get("drifted").is_none(),
        "{st:#}"
    );
    assert!(
        find("conf", "cluster-prod").get("drifted").is_none(),
        "{st:#}"
    );
    let t = ok(&b.velac(&["status", "live", "-n", &ns]));
    assert!(
        t.contains(&format!(
            "    Drifted:\n      - Deployment {ns}/web: spec.replicas\n"
        )),
        "{t}"
    );
    let apps = ok(&b.velac(&["get", "apps"]));
    let line = apps.lines().find(|l| l.contains("live")).unwrap();
    assert!(line.split_whitespace().any(|c| c == "true"), "{apps}");
}

#[test]
fn a_cluster_only_the_inventory_names_is_skipped_with_a_warning() {
    let b = setup("gone");
    let ns = namespace("gone");
    let _ready = Readiness::start(&b, "live");
    let v1 = plan_app(&b, "v1", &app(&ns, "nginx:1.25", "pw-gone", false));
    ok(&apply(&b, &v1, &[]));
    // Prod leaves the registry; the next plan deploys to staging only.
    std::fs::remove_file(b.home.join("clusters/cluster-prod.json")).unwrap();
    let staging_only = app(&ns, "nginx:1.25", "pw-gone", false).replace(
        "clusters: [cluster-staging, cluster-prod]",
        "clusters: [cluster-staging]",
    );
    let v2 = plan_app(&b, "v2", &staging_only);
    let o = diff(&b, &v2, "json");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("warning: cluster cluster-prod is not connected"),
        "{err}"
    );
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        j["objects"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["cluster"] == "cluster-staging"),
        "{j:#}"
    );
}
