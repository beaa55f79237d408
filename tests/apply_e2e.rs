//! The applier end to end, through the CLI: the multi-cluster scenario of
//! ARCHITECTURE.md (join, plan, apply to staging, suspend, status, resume,
//! prod, detach refused), a killed apply resumed, two appliers at once, and
//! an unreachable cluster; and the scenario with a delivery around it
//! (`examples/delivery`: a read-object output fed to a Slack notification
//! after prod).
//!
//! With `VELAC_IT_KUBECONFIG` (contexts `cluster-staging`, `cluster-prod`)
//! these run against real API servers; without it against two in-process
//! fake API servers (`tests/support/fake_apiserver`). No nodes run either
//! way: a test thread marks Deployments ready as their controller would.

#[path = "support/clusters.rs"]
mod clusters;
#[path = "support/sinks.rs"]
mod sinks;

use clusters::{Backend, Readiness, apply, apply_until_staging, ok, plan, server_deployment, text};
use std::path::Path;
use std::sync::Mutex;

/// Real clusters are shared: their tests run one at a time.
static REAL: Mutex<()> = Mutex::new(());

fn guard() -> Option<std::sync::MutexGuard<'static, ()>> {
    if std::env::var_os("VELAC_IT_KUBECONFIG").is_some() {
        Some(REAL.lock().unwrap_or_else(|e| e.into_inner()))
    } else {
        eprintln!(
            "VELAC_IT_KUBECONFIG is not set: running against in-process fake API servers \
             (set it to a kubeconfig with contexts cluster-staging and cluster-prod for real ones)"
        );
        None
    }
}

const APP: &str = "examples/multicluster/app.yaml";
fn joined(tag: &str) -> Backend {
    let b = Backend::new(tag);
    for c in clusters::CLUSTERS {
        let out = ok(&b.join(c));
        assert!(
            out.starts_with(&format!("Successfully add cluster {c}, endpoint: ")),
            "{out}"
        );
    }
    b
}

#[test]
fn scenario_staging_suspend_resume_prod() {
    let _g = guard();
    let b = joined("scenario");
    let list = ok(&b.velac(&["cluster", "list"]));
    let lines: Vec<&str> = list.lines().collect();
    assert!(
        lines[0].starts_with("CLUSTER")
            && lines[0].contains("TYPE")
            && lines[0].contains("ENDPOINT"),
        "{list}"
    );
    assert!(
        list.contains("cluster-staging") && list.contains("cluster-prod"),
        "{list}"
    );
    assert!(
        !list.contains("fake-token"),
        "no credentials in listings: {list}"
    );

    let dir = b.dir.join("plan-v1");
    let planned = plan(&b, Path::new(APP), &dir);
    assert!(planned.starts_with("planned example-app-v1 "), "{planned}");

    let _ready = Readiness::start(&b, "example-app");
    let out = ok(&apply(&b, &dir, &[]));
    assert!(
        out.contains(
            "[deploy-staging] cluster-staging: applied Deployment default/hello-world-server"
        ),
        "{out}"
    );
    assert!(
        out.contains("workflow suspended at manual-approval"),
        "{out}"
    );
    assert!(
        !out.contains("cluster-prod: applied"),
        "prod waits for the approval: {out}"
    );

    let st = ok(&b.velac(&["status", "example-app"]));
    assert!(st.contains("Details:      workflowSuspending"), "{st}");
    assert!(
        st.contains("name: deploy-staging\n    type: deploy2env\n    phase: succeeded"),
        "{st}"
    );
    assert!(
        st.contains("name: manual-approval\n    type: suspend\n    phase: suspending"),
        "{st}"
    );
    assert!(
        st.contains("- Name: hello-world-server  Env: staging\n    Cluster: cluster-staging"),
        "{st}"
    );
    assert!(st.contains("Message: Ready:1/1"), "{st}");

    let detach = b.velac(&["cluster", "detach", "cluster-staging"]);
    assert_eq!(detach.status.code(), Some(1), "{}", text(&detach));
    assert!(
        String::from_utf8_lossy(&detach.stderr)
            .contains("application default/example-app (env: staging) is currently using cluster cluster-staging"),
        "{}",
        text(&detach)
    );

    let resumed = ok(&b.velac(&["workflow", "resume", "example-app"]));
    assert_eq!(resumed, "Successfully resume workflow: example-app\n");
    let out = ok(&apply(&b, &dir, &[]));
    assert!(
        out.contains("[deploy-prod] cluster-prod: applied Deployment default/hello-world-server"),
        "{out}"
    );
    assert!(
        out.contains("[deploy-prod] cluster-prod: applied Deployment default/data-worker"),
        "{out}"
    );
    assert!(
        !out.contains("[deploy-staging]"),
        "succeeded steps are not run again: {out}"
    );
    assert!(out.contains("application example-app is running"), "{out}");

    let st = ok(&b.velac(&["status", "example-app"]));
    assert!(st.contains("Details:      running"), "{st}");
    assert!(st.contains("Healthy:      ✅"), "{st}");
    assert!(
        st.contains("- Name: hello-world-server  Env: prod\n    Cluster: cluster-prod"),
        "{st}"
    );
    assert!(st.contains("Message: Ready:3/3"), "{st}");
    assert!(st.contains("- Name: data-worker  Env: prod"), "{st}");
    let prod = server_deployment(&b, "cluster-prod").expect("deployed to prod");
    assert_eq!(prod["spec"]["replicas"], 3);
    assert!(
        b.get(
            "cluster-staging",
            "apps/v1",
            "Deployment",
            "default",
            "data-worker"
        )
        .is_none()
    );

    let apps = ok(&b.velac(&["get", "apps"]));
    assert!(apps.starts_with("NAME"), "{apps}");
    assert!(
        apps.contains("example-app") && apps.contains("running") && apps.contains("true"),
        "{apps}"
    );

    let json = ok(&b.velac(&["status", "example-app", "-o", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["status"], "running");
    assert_eq!(v["workflow"]["mode"], "StepByStep-DAG");
    let refreshed = ok(&b.velac(&["status", "example-app", "--refresh"]));
    assert!(refreshed.contains("Message: Ready:3/3"), "{refreshed}");
    assert!(!refreshed.contains("Drifted:"), "{refreshed}");

    // The clusters hold what was applied: the live diff is empty, of the
    // plan and of the application file.
    for what in [dir.to_str().unwrap(), APP] {
        let live = b.velac(&["diff", "--live", what]);
        assert_eq!(live.status.code(), Some(0), "{}", text(&live));
        assert_eq!(String::from_utf8_lossy(&live.stdout), "no changes\n");
    }

    let detach = b.velac(&["cluster", "detach", "cluster-prod"]);
    assert_eq!(detach.status.code(), Some(1), "{}", text(&detach));

    // Applying the same plan again changes nothing and says so.
    let again = ok(&apply(&b, &dir, &[]));
    assert!(!again.contains("applied"), "{again}");
    let stale = plan(&b, Path::new(APP), &b.dir.join("plan-v2"));
    assert!(
        stale.starts_with("planned example-app-v2 "),
        "the next plan is the next revision: {stale}"
    );
}

#[test]
fn a_killed_apply_is_resumed_and_converges() {
    let _g = guard();
    let b = joined("crash");
    let dir = b.dir.join("plan");
    plan(&b, Path::new(APP), &dir);
    // No readiness yet: the apply waits in deploy-staging; kill it there.
    let mut child = apply_until_staging(&b, &dir);
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    let before = server_deployment(&b, "cluster-staging").unwrap();
    let st = ok(&b.velac(&["status", "example-app"]));
    assert!(
        st.contains("name: deploy-staging\n    type: deploy2env\n    phase: running"),
        "{st}"
    );

    // A second apply while nothing holds the lock: it goes on from the step
    // that was running and applies nothing twice.
    let _ready = Readiness::start(&b, "example-app");
    let out = ok(&apply(&b, &dir, &[]));
    assert!(
        out.contains("workflow suspended at manual-approval"),
        "{out}"
    );
    let after = server_deployment(&b, "cluster-staging").unwrap();
    assert_eq!(
        before["metadata"]["uid"], after["metadata"]["uid"],
        "not re-created"
    );
    assert_eq!(
        before["metadata"]["generation"], after["metadata"]["generation"],
        "spec not changed again"
    );
}

#[test]
fn a_second_apply_is_refused_while_one_runs() {
    let _g = guard();
    let b = joined("concurrent");
    let dir = b.dir.join("plan");
    plan(&b, Path::new(APP), &dir);
    // The first holds the lock while it waits for readiness.
    let mut first = apply_until_staging(&b, &dir);
    let second = apply(&b, &dir, &[]);
    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(second.status.code(), Some(1), "{}", text(&second));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("application default/example-app is locked by pid"),
        "{err}"
    );
    assert!(err.contains("velac apply"), "{err}");
}

#[test]
fn an_unreachable_cluster_fails_its_step_and_names_it() {
    let _g = guard();
    let b = joined("unreachable");
    if b.real() {
        eprintln!("skipped against real clusters: an outage cannot be injected there");
        return;
    }
    let dir = b.dir.join("plan");
    plan(&b, Path::new(APP), &dir);
    let _ready = Readiness::start(&b, "example-app");
    ok(&apply(&b, &dir, &[]));
    ok(&b.velac(&["workflow", "resume", "example-app"]));
    b.fakes["cluster-prod"].set_unreachable(true);
    // Tried again, as KubeVela retries a failing step, then failed for good.
    let out = apply(&b, &dir, &["--max-step-retries", "2"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let all = text(&out);
    assert!(
        all.contains("(retry 2 of 2)")
            && all.contains(
                "[deploy-prod] failed: FailedAfterRetries: deploy (multicluster.deploy): cluster cluster-prod"
            ),
        "{all}"
    );
    assert!(all.contains("unreachable"), "{all}");
    let st = ok(&b.velac(&["status", "example-app"]));
    assert!(st.contains("Details:      workflowFailed"), "{st}");
    assert!(
        st.contains("name: deploy-staging\n    type: deploy2env\n    phase: succeeded"),
        "{st}"
    );
}

#[test]
fn delivery_scenario_reads_staging_and_notifies_after_prod() {
    let _g = guard();
    let b = Backend::new("delivery").with_local();
    for c in clusters::CLUSTERS {
        ok(&b.join(c));
    }
    let slack = sinks::HttpSink::start();
    b.put(
        "local",
        serde_json::json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "delivery-hooks", "namespace": "default"},
            "stringData": {"slack": format!("{}/services/T000/B000/XXXX", slack.url())}}),
    );
    let dir = b.dir.join("plan");
    plan(&b, Path::new("examples/delivery/app.yaml"), &dir);
    let plan_text = std::fs::read_to_string(dir.join("plan.json")).unwrap();
    assert!(
        !plan_text.contains("XXXX"),
        "the webhook URL is not in the plan"
    );
    let _ready = Readiness::start(&b, "example-app");
    let out = ok(&apply(&b, &dir, &[]));
    assert!(
        out.contains("workflow suspended at manual-approval"),
        "{out}"
    );
    let st: serde_json::Value =
        serde_json::from_str(&ok(&b.velac(&["status", "example-app", "-o", "json"]))).unwrap();
    assert_eq!(
        st["outputs"]["staging-summary"],
        "staging serves 1 of 1 replicas"
    );
    assert!(slack.requests().is_empty(), "nothing sent before prod");
    ok(&b.velac(&["workflow", "resume", "example-app"]));
    let out = ok(&apply(&b, &dir, &[]));
    assert!(out.contains("application example-app is running"), "{out}");
    let sent = slack.to("/services/T000/B000/XXXX");
    assert_eq!(sent.len(), 1, "one notification");
    assert_eq!(
        sent[0].json(),
        serde_json::json!({"text": "staging serves 1 of 1 replicas"})
    );
    assert!(
        !out.contains("XXXX"),
        "the URL's secret part is not printed: {out}"
    );
    let st = ok(&b.velac(&["status", "example-app"]));
    assert!(
        st.contains("name: notify\n    type: notification\n    phase: succeeded"),
        "{st}"
    );
    assert!(st.contains("Message: Ready:3/3"), "{st}");
}

/// `velac up`: plans the application, shows what it changes on the live
/// clusters, asks (or --yes), applies, prints the status; the plan it ran
/// is kept in the state as the revision's plan. Run again after the
/// approval, it continues the same revision; a third time it changes nothing.
#[test]
fn up_plans_shows_the_live_diff_applies_and_reports() {
    let _g = guard();
    let b = joined("up");
    // The scenario under names of its own: real clusters keep what the
    // other tests (and earlier runs) applied.
    let id = std::process::id();
    let (name, server, worker) = (
        format!("up-{id}"),
        format!("up-server-{id}"),
        format!("up-worker-{id}"),
    );
    let app = b.dir.join("up.yaml");
    std::fs::write(
        &app,
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(APP))
            .unwrap()
            .replace("example-app", &name)
            .replace("hello-world-server", &server)
            .replace("data-worker", &worker),
    )
    .unwrap();
    let up = |extra: &[&str]| {
        let mut args = vec![
            "up",
            app.to_str().unwrap(),
            "--poll",
            "100ms",
            "--timeout",
            "60s",
        ];
        args.extend(extra);
        b.velac(&args)
    };
    let deployed = |cluster: &str, n: &str| b.get(cluster, "apps/v1", "Deployment", "default", n);
    // No terminal to ask on and no --yes: nothing is done.
    let refused = up(&[]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("pass --yes"), "{}", text(&refused));
    assert!(deployed("cluster-staging", &server).is_none());

    let _ready = Readiness::start(&b, &name);
    let out = ok(&up(&["--yes"]));
    assert!(
        out.contains(&format!("{name}-v1 ("))
            && out.contains(&format!("of default/{name} on the live clusters:")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "  + cluster-staging/default/deployment.{server}.yaml (added)"
        )),
        "{out}"
    );
    assert!(out.contains("3 to add, 0 to change, 0 to remove"), "{out}");
    assert!(
        out.contains(&format!(
            "[deploy-staging] cluster-staging: applied Deployment default/{server}"
        )),
        "{out}"
    );
    assert!(
        out.contains("workflow suspended at manual-approval"),
        "{out}"
    );
    // The status follows the run.
    assert!(out.contains("Details:      workflowSuspending"), "{out}");
    let kept = b
        .home
        .join(format!("apps/default/{name}/revisions/{name}-v1.json"));
    assert!(kept.is_file(), "the plan is kept as the revision's plan");

    ok(&b.velac(&["workflow", "resume", &name]));
    let out = ok(&up(&["--yes"]));
    assert!(
        out.contains(&format!("{name}-v1 (")),
        "the same revision goes on: {out}"
    );
    assert!(out.contains("2 to add, 0 to change, 0 to remove"), "{out}");
    assert!(
        out.contains(&format!(
            "[deploy-prod] cluster-prod: applied Deployment default/{server}"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("application {name} is running")),
        "{out}"
    );
    assert!(out.contains("Details:      running"), "{out}");
    assert_eq!(
        deployed("cluster-prod", &server).unwrap()["spec"]["replicas"],
        3
    );

    let out = ok(&up(&["--yes", "--output", "json"]));
    let events: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(events[0]["event"], "diff", "{out}");
    assert_eq!(
        events[0]["report"]["objects"],
        serde_json::json!([]),
        "{out}"
    );
    assert!(!out.contains("\"applied\""), "nothing to apply: {out}");
    let last = events.last().unwrap();
    assert_eq!(last["event"], "status", "{out}");
    assert_eq!(last["status"]["status"], "running", "{out}");
}
