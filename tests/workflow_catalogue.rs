//! The rest of the built-in step catalogue, each step run through the CLI
//! against the fake API servers (or real ones with `VELAC_IT_KUBECONFIG`):
//! configs and exports, cleaning jobs, JDBC connections, image builds,
//! metrics checks, placement-driven exports, the steps that deploy the
//! whole application, component outputs and inputs in the default
//! workflow, and waiting for another application.

#[path = "support/clusters.rs"]
mod clusters;
#[path = "support/sinks.rs"]
mod sinks;

use base64::Engine as _;
use clusters::{Backend, apply, ok, text};
use serde_json::{Value, json};
use sinks::HttpSink;
use std::path::PathBuf;

fn backend(tag: &str) -> Backend {
    let b = Backend::new(tag).with_local();
    ok(&b.join("cluster-staging"));
    ok(&b.join("cluster-prod"));
    b
}

fn write_app(b: &Backend, name: &str, spec: &str) -> PathBuf {
    let app = b.dir.join(format!("{name}.yaml"));
    std::fs::write(
        &app,
        format!(
            "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n{spec}"
        ),
    )
    .unwrap();
    app
}

fn plan(b: &Backend, name: &str, spec: &str) -> PathBuf {
    let app = write_app(b, name, spec);
    let dir = b.dir.join(format!("plan-{name}"));
    ok(&b.velac(&["plan", app.to_str().unwrap(), "-o", dir.to_str().unwrap()]));
    dir
}

fn status(b: &Backend, app: &str) -> Value {
    serde_json::from_str(&ok(&b.velac(&["status", app, "-o", "json"]))).unwrap()
}

fn step<'a>(st: &'a Value, name: &str) -> &'a Value {
    st["workflow"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name}: {st}"))
}

fn decode(v: &Value) -> String {
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .unwrap(),
    )
    .unwrap()
}

const ONE_CONFIGMAP: &str = "  components:
    - name: first
      type: k8s-objects
      properties:
        objects:
          - apiVersion: v1
            kind: ConfigMap
            metadata:
              name: first
            data:
              n: '1'
    - name: second
      type: k8s-objects
      properties:
        objects:
          - apiVersion: v1
            kind: ConfigMap
            metadata:
              name: second
            data:
              n: '2'
";

#[test]
fn configs_and_exports_in_kubevelas_layout() {
    let b = backend("configs");
    // A config template, as `vela config-template apply` leaves it.
    b.put(
        "local",
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "vela-system"}}),
    );
    b.put(
        "local",
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "config-template-endpoint", "namespace": "vela-system"},
               "data": {"template": "metadata: {name: \"endpoint\", scope: \"system\", sensitive: false}\ntemplate: {\n\tparameter: {url: string}\n\toutput: {type: \"Opaque\", stringData: {url: parameter.url}}\n}\n"}}),
    );
    let spec = format!(
        "{ONE_CONFIGMAP}  workflow:
    steps:
      - name: to-configmap
        type: export2config
        properties:
          configName: exported
          data:
            a: '1'
      - name: to-registry-secret
        type: export2secret
        properties:
          secretName: registry
          kind: docker-registry
          dockerRegistry:
            username: bot
            password: hunter2
            server: reg.example.com
      - name: save-db
        type: create-config
        properties:
          name: db
          config:
            host: db.internal
            port: 5432
      - name: save-endpoint
        type: create-config
        properties:
          name: api
          template: endpoint
          config:
            url: https://api.example.com
      - name: read-db
        type: read-config
        properties:
          name: db
        outputs:
          - name: dbhost
            valueFrom: output.config.host
      - name: list-endpoints
        type: list-config
        properties:
          template: endpoint
        outputs:
          - name: endpoints
            valueFrom: output.configs
      - name: say
        type: print-message-in-status
        inputs:
          - from: dbhost
            parameterKey: message
        properties:
          message: x
      - name: drop-db
        type: delete-config
        properties:
          name: db
"
    );
    let dir = plan(&b, "app", &spec);
    let out = apply(&b, &dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let cm = b
        .get("local", "v1", "ConfigMap", "default", "exported")
        .unwrap();
    assert_eq!(cm["data"], json!({"a": "1"}));
    let reg = b
        .get("local", "v1", "Secret", "default", "registry")
        .unwrap();
    assert_eq!(reg["type"], "kubernetes.io/dockerconfigjson");
    let docker: Value = serde_json::from_str(&decode(&reg["data"][".dockerconfigjson"])).unwrap();
    assert_eq!(
        docker,
        json!({"auths": {"reg.example.com": {"username": "bot", "password": "hunter2", "auth": "Ym90Omh1bnRlcjI="}}})
    );
    let api = b.get("local", "v1", "Secret", "default", "api").unwrap();
    assert_eq!(
        api["metadata"]["labels"]["config.oam.dev/catalog"],
        "velacore-config"
    );
    assert_eq!(api["metadata"]["labels"]["config.oam.dev/type"], "endpoint");
    assert_eq!(api["metadata"]["labels"]["config.oam.dev/scope"], "system");
    assert_eq!(decode(&api["data"]["url"]), "https://api.example.com");
    assert_eq!(
        serde_json::from_str::<Value>(&decode(&api["data"]["input-properties"])).unwrap(),
        json!({"url": "https://api.example.com"})
    );
    assert!(
        b.get("local", "v1", "Secret", "default", "db").is_none(),
        "deleted by delete-config"
    );
    let st = status(&b, "app");
    assert_eq!(step(&st, "say")["message"], "db.internal");
    // Values read from configs are masked in the status.
    assert_eq!(st["outputs"]["dbhost"], "*** (sensitive)");
    assert_eq!(st["outputs"]["endpoints"], "*** (sensitive)");
    let shown = ok(&b.velac(&["status", "app"]));
    assert!(
        !shown.contains("hunter2") && !shown.contains("api.example.com"),
        "{shown}"
    );
}

#[test]
fn clean_jobs_jdbc_connection_and_an_image_build() {
    let b = backend("jobs");
    let labels = json!({"workflow.oam.dev/name": "app"});
    let pod_spec =
        json!({"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]});
    b.put(
        "local",
        json!({"apiVersion": "batch/v1", "kind": "Job",
               "metadata": {"name": "old-job", "namespace": "default", "labels": labels},
               "spec": {"template": {"metadata": {"labels": {"x": "y"}}, "spec": pod_spec}}}),
    );
    b.put(
        "local",
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "old-pod", "namespace": "default", "labels": labels},
               "spec": pod_spec}),
    );
    b.put(
        "local",
        json!({"apiVersion": "v1", "kind": "Secret",
               "metadata": {"name": "rds", "namespace": "default"},
               "stringData": {"DB_HOST": "rds.internal", "DB_PORT": "3306", "DB_NAME": "shop",
                              "DB_USER": "shop", "DB_PASSWORD": "pw"}}),
    );
    let spec = format!(
        "{ONE_CONFIGMAP}  workflow:
    steps:
      - name: clean
        type: clean-jobs
      - name: jdbc
        type: generate-jdbc-connection
        properties:
          name: rds
          namespace: default
        outputs:
          - name: jdbc-url
            valueFrom: env[0].value
      - name: build
        type: build-push-image
        properties:
          context:
            git: github.com/example/app
            branch: main
          image: reg.example.com/app:v1
          platform: linux/arm64
          buildArgs: [MODE=prod]
          credentials:
            image:
              name: registry
"
    );
    let dir = plan(&b, "app", &spec);
    // Plays the kubelet: the build Pod succeeds once it exists.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s2 = stop.clone();
    let kubelet = {
        let local = b.handle("local");
        std::thread::spawn(move || {
            while !s2.load(std::sync::atomic::Ordering::Relaxed) {
                for p in local.list("v1", "Pod", "default") {
                    let name = p["metadata"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    if name.ends_with("-kaniko") && p["status"]["phase"] != "Succeeded" {
                        // List items carry no kind: name the object in full.
                        let pod = json!({"apiVersion": "v1", "kind": "Pod",
                                         "metadata": {"name": name, "namespace": "default"}});
                        local.set_status(pod, json!({"phase": "Succeeded"}));
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        })
    };
    let out = apply(&b, &dir, &[]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    kubelet.join().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        b.get("local", "batch/v1", "Job", "default", "old-job")
            .is_none()
    );
    assert!(b.get("local", "v1", "Pod", "default", "old-pod").is_none());
    let st = status(&b, "app");
    assert_eq!(
        st["outputs"]["jdbc-url"], "*** (sensitive)",
        "built from a Secret"
    );
    let ctx: Value = serde_json::from_str(
        &std::fs::read_to_string(b.home.join("apps/default/app/context.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        ctx["vars"]["jdbc-url"],
        "jdbc://rds.internal:3306/shop?characterEncoding=utf8&useSSL=false"
    );
    let pod = b
        .list("local", "v1", "Pod", "default")
        .into_iter()
        .find(|p| p["metadata"]["name"].as_str().unwrap().ends_with("-kaniko"))
        .expect("the build Pod");
    let args: Vec<String> = pod["spec"]["containers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    for want in [
        "--destination=reg.example.com/app:v1",
        "--context=git://github.com/example/app#refs/heads/main",
        "--build-arg=MODE=prod",
    ] {
        assert!(args.iter().any(|a| a == want), "{want} in {args:?}");
    }
}

#[test]
fn metrics_checks_and_placement_driven_exports() {
    let b = backend("metrics");
    let prom = HttpSink::start();
    prom.respond(
        "/api/v1/query",
        200,
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1765000000,\"0.998\"]}]}}",
    );
    let spec = format!(
        "{ONE_CONFIGMAP}  policies:
    - name: both
      type: topology
      properties:
        clusters: [cluster-staging, cluster-prod]
  workflow:
    steps:
      - name: check
        type: check-metrics
        properties:
          query: sum(rate(ok[5m]))/sum(rate(all[5m]))
          metricEndpoint: {url}
          condition: '>=0.95'
          duration: 0s
      - name: share
        type: export-data
        properties:
          name: shared
          data:
            region: eu
          topology: both
      - name: service
        type: export-service
        properties:
          name: db-proxy
          ip: 10.1.2.3
          port: 5432
          targetPort: 15432
          topology: both
",
        url = prom.url()
    );
    let dir = plan(&b, "app", &spec);
    let out = apply(&b, &dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let q = &prom.to("/api/v1/query")[0];
    assert!(
        q.path.contains("query=sum%28rate%28ok%5B5m%5D%29%29"),
        "{}",
        q.path
    );
    for c in ["cluster-staging", "cluster-prod"] {
        let cm = b.get(c, "v1", "ConfigMap", "default", "shared").unwrap();
        assert_eq!(cm["data"], json!({"region": "eu"}));
        let svc = b.get(c, "v1", "Service", "default", "db-proxy").unwrap();
        assert_eq!(svc["spec"]["ports"][0]["targetPort"], 15432);
        let ep = b.get(c, "v1", "Endpoints", "default", "db-proxy").unwrap();
        assert_eq!(ep["subsets"][0]["addresses"][0]["ip"], "10.1.2.3");
    }
    // A check that does not hold fails once failDuration passed.
    prom.respond(
        "/api/v1/query",
        200,
        "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1765000000,\"0.5\"]}}",
    );
    let spec = format!(
        "{ONE_CONFIGMAP}  workflow:
    steps:
      - name: check
        type: check-metrics
        properties:
          query: up
          metricEndpoint: {url}
          condition: '>=0.95'
          failDuration: 1s
",
        url = prom.url()
    );
    let dir = plan(&b, "bad", &spec);
    let out = apply(&b, &dir, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let s = status(&b, "bad");
    let check = step(&s, "check");
    assert_eq!(check["reason"], "Action");
    assert!(
        check["message"]
            .as_str()
            .unwrap()
            .contains("0.5 >=0.95 does not hold"),
        "{check}"
    );
}

#[test]
fn steps_that_deliver_the_whole_application() {
    let b = backend("whole");
    let spec = format!(
        "{ONE_CONFIGMAP}  policies:
    - name: prod
      type: topology
      properties:
        clusters: [cluster-prod]
  workflow:
    steps:
      - name: everything
        type: apply-application
      - name: all-but-second
        type: apply-remaining
        properties:
          exceptions: [second]
      - name: in-parallel
        type: apply-application-in-parallel
      - name: runtime
        type: deploy2runtime
        properties:
          clusters: [cluster-staging]
      - name: to-prod
        type: deploy
        properties:
          policies: [prod]
"
    );
    let dir = plan(&b, "app", &spec);
    let out = apply(&b, &dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
    for (cluster, name) in [
        ("local", "first"),
        ("local", "second"),
        ("cluster-staging", "first"),
        ("cluster-staging", "second"),
        ("cluster-prod", "first"),
        ("cluster-prod", "second"),
    ] {
        assert!(
            b.get(cluster, "v1", "ConfigMap", "default", name).is_some(),
            "{name} on {cluster}"
        );
    }
    let st = status(&b, "app");
    for s in [
        "everything",
        "all-but-second",
        "in-parallel",
        "runtime",
        "to-prod",
    ] {
        assert_eq!(step(&st, s)["phase"], "succeeded", "{s}");
    }
}

#[test]
fn a_default_workflow_passes_component_outputs_and_depends_on_another_app() {
    let b = backend("depends");
    // `base` first: its own default workflow applies each component as a step.
    let base = "  components:
    - name: db
      type: k8s-objects
      properties:
        objects:
          - apiVersion: v1
            kind: ConfigMap
            metadata:
              name: db-settings
            data:
              host: db.internal
      outputs:
        - name: dbhost
          valueFrom: output.data.host
    - name: web
      type: k8s-objects
      dependsOn: [db]
      inputs:
        - from: dbhost
          parameterKey: objects[0].data.dbhost
      properties:
        objects:
          - apiVersion: v1
            kind: ConfigMap
            metadata:
              name: web-settings
            data:
              mode: web
";
    let dir = plan(&b, "base", base);
    let p: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap();
    assert_eq!(p["steps"][1]["dependsOn"], json!(["db"]));
    let out = apply(&b, &dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let st = status(&b, "base");
    assert_eq!(st["status"], "running");
    assert_eq!(st["outputs"]["dbhost"], "db.internal");
    // `web` was rendered once its input was there.
    assert_eq!(
        p["renderAtApply"]["components"],
        json!(["web"]),
        "the plan says which components render while applying"
    );
    let web = b
        .get("local", "v1", "ConfigMap", "default", "web-settings")
        .unwrap();
    assert_eq!(web["data"], json!({"dbhost": "db.internal", "mode": "web"}));
    assert!(
        text(&out).contains("component web rendered while applying"),
        "{}",
        text(&out)
    );
    // `app` waits for `base` (velac keeps its phase: no KubeVela controller
    // needed).
    let spec = format!(
        "{ONE_CONFIGMAP}  workflow:
    steps:
      - name: wait-base
        type: depends-on-app
        properties:
          name: base
          namespace: default
      - name: wait-missing
        type: depends-on-app
        timeout: 3s
        properties:
          name: nowhere
          namespace: default
"
    );
    let dir = plan(&b, "app", &spec);
    let out = apply(&b, &dir, &["--max-step-retries", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let st = status(&b, "app");
    assert_eq!(step(&st, "wait-base")["phase"], "succeeded");
    let missing = step(&st, "wait-missing");
    assert_eq!(missing["phase"], "failed");
    assert!(
        missing["message"].as_str().unwrap().contains("not found"),
        "says why: {missing}"
    );
}
