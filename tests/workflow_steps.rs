//! Workflow steps as KubeVela runs them, through the CLI: the built-in
//! catalogue's CUE templates with their providers, data passed through
//! outputs and inputs, `if`, timeouts, step groups, custom definitions, and
//! what reaches the outside (HTTP bodies and emails, recorded by local
//! sinks). Clusters are the in-process fake API servers, or real ones with
//! `VELAC_IT_KUBECONFIG`; tests that inject what a real cluster cannot say
//! so.

#[path = "support/clusters.rs"]
mod clusters;
#[path = "support/sinks.rs"]
mod sinks;

use clusters::{Backend, apply, ok, text};
use serde_json::{Value, json};
use sinks::{HttpSink, SmtpSink};
use std::path::PathBuf;

const HEAD: &str = "apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: app
  namespace: default
spec:
  components:
    - name: settings
      type: k8s-objects
      properties:
        objects:
          - apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              mode: demo
";

/// Clusters cluster-staging and cluster-prod joined, and a `local` context.
fn backend(tag: &str) -> Backend {
    let b = Backend::new(tag).with_local();
    ok(&b.join("cluster-staging"));
    ok(&b.join("cluster-prod"));
    b
}

/// Writes the application (HEAD + `rest`, which starts at `  workflow:` or
/// `  policies:`) and plans it.
fn plan(b: &Backend, rest: &str, defs: &[&str]) -> PathBuf {
    let app = b.dir.join("app.yaml");
    std::fs::write(&app, format!("{HEAD}{rest}")).unwrap();
    let dir = b.dir.join("plan");
    let _ = std::fs::remove_dir_all(&dir);
    let mut args = vec!["plan", app.to_str().unwrap(), "-o", dir.to_str().unwrap()];
    for d in defs {
        args.extend(["-d", d]);
    }
    ok(&b.velac(&args));
    dir
}

/// `velac status app -o json`.
fn status(b: &Backend) -> Value {
    serde_json::from_str(&ok(&b.velac(&["status", "app", "-o", "json"]))).unwrap()
}

/// A step's status by name (sub-steps included).
fn step(st: &Value, name: &str) -> Value {
    fn find(steps: &Value, name: &str) -> Option<Value> {
        for s in steps.as_array()? {
            if s["name"] == name {
                return Some(s.clone());
            }
            if let Some(x) = find(&s["subSteps"], name) {
                return Some(x);
            }
        }
        None
    }
    find(&st["workflow"]["steps"], name).unwrap_or_else(|| panic!("no step {name} in {st}"))
}

fn phase(st: &Value, name: &str) -> String {
    step(st, name)["phase"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn secret(name: &str, data: &[(&str, &str)]) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": name, "namespace": "default"},
        "stringData": data.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
    })
}

#[test]
fn notification_sends_every_channel_once_in_kubevela_shapes() {
    let b = backend("notify");
    let sink = HttpSink::start();
    let smtp = SmtpSink::start();
    // The DingTalk URL is kept in a Secret, as teams keep webhook tokens.
    b.put(
        "local",
        secret(
            "hooks",
            &[("ding", &format!("{}/ding?access_token=t0k3n", sink.url()))],
        ),
    );
    let wf = format!(
        "  workflow:
    steps:
      - name: notify
        type: notification
        properties:
          slack:
            url:
              value: {url}/slack
            message:
              text: deployed app
          dingding:
            url:
              secretRef:
                name: hooks
                key: ding
            message:
              msgtype: text
              text:
                content: deployed app
          lark:
            url:
              value: {url}/lark
            message:
              msg_type: text
              content: '{{\"text\":\"deployed app\"}}'
          email:
            from:
              address: velac@example.com
              alias: velac
              password:
                value: s3cret
              host: 127.0.0.1
              port: {port}
            to: [ops@example.com, dev@example.com]
            content:
              subject: app delivered
              body: <b>app</b> is running
",
        url = sink.url(),
        port = smtp.port()
    );
    let dir = plan(&b, &wf, &[]);
    let out = apply(&b, &dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let order: Vec<String> = sink
        .requests()
        .iter()
        .map(|r| r.path.split('?').next().unwrap().to_string())
        .collect();
    assert_eq!(
        order,
        ["/ding", "/lark", "/slack"],
        "KubeVela's channel order"
    );
    for r in sink.requests() {
        assert_eq!(r.method, "POST");
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
    insta::assert_json_snapshot!("notification_slack", sink.to("/slack")[0].json());
    insta::assert_json_snapshot!("notification_dingding", sink.to("/ding")[0].json());
    insta::assert_json_snapshot!("notification_lark", sink.to("/lark")[0].json());
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1, "one email");
    let m = &mails[0];
    assert_eq!(m.auth, "\0velac@example.com\0s3cret");
    assert_eq!(m.from, "<velac@example.com>");
    assert_eq!(m.to, ["<ops@example.com>", "<dev@example.com>"]);
    assert!(
        m.data.contains("From: velac <velac@example.com>"),
        "{}",
        m.data
    );
    assert!(m.data.contains("Subject: app delivered"), "{}", m.data);
    assert!(m.data.contains("Content-Type: text/html"), "{}", m.data);
    assert!(m.data.contains("<b>app</b> is running"), "{}", m.data);
    // Neither the token nor the password shows in what velac printed or kept.
    let said = text(&out);
    assert!(
        !said.contains("t0k3n") && !said.contains("s3cret"),
        "{said}"
    );
    let st = ok(&b.velac(&["status", "app", "-o", "yaml"]));
    assert!(!st.contains("t0k3n") && !st.contains("s3cret"), "{st}");
}

#[test]
fn webhook_sends_the_application_or_its_data_and_a_refusal_fails_the_step() {
    let b = backend("webhook");
    let sink = HttpSink::start();
    sink.respond("/refuse", 503, "{\"error\": \"maintenance window\"}");
    let wf = format!(
        "  workflow:
    steps:
      - name: whole-app
        type: webhook
        properties:
          url:
            value: {url}/app
      - name: some-data
        type: webhook
        properties:
          url:
            value: {url}/data
          data:
            release: v2
            ready: true
      - name: refused
        type: webhook
        properties:
          url:
            value: {url}/refuse
      - name: after
        type: print-message-in-status
        properties:
          message: not reached
",
        url = sink.url()
    );
    let dir = plan(&b, &wf, &[]);
    let out = apply(&b, &dir, &["--max-step-retries", "0"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let app = sink.to("/app")[0].json();
    assert_eq!(app["kind"], "Application");
    assert_eq!(app["metadata"]["name"], "app");
    assert_eq!(app["spec"]["components"][0]["name"], "settings");
    assert_eq!(app["status"]["status"], "runningWorkflow");
    insta::assert_json_snapshot!("webhook_data", sink.to("/data")[0].json());
    let st = status(&b);
    let refused = step(&st, "refused");
    assert_eq!(refused["phase"], "failed");
    assert_eq!(refused["reason"], "Action");
    assert_eq!(
        refused["message"],
        "the webhook answered 503: {\"error\": \"maintenance window\"}"
    );
    assert_eq!(phase(&st, "after"), "skipped");
    assert_eq!(st["status"], "workflowFailed");
    assert_eq!(
        sink.to("/refuse").len(),
        1,
        "the refused POST is not repeated"
    );
}

#[test]
fn data_flows_from_a_read_through_outputs_and_inputs_into_an_apply() {
    let b = backend("flow");
    let sink = HttpSink::start();
    sink.respond(
        "/version",
        200,
        "{\"version\": \"1.2.3\", \"channel\": \"stable\"}",
    );
    b.put(
        "cluster-staging",
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "source", "namespace": "default"},
               "data": {"greeting": "hello from staging"}}),
    );
    let wf = format!(
        "  workflow:
    steps:
      - name: read
        type: read-object
        properties:
          apiVersion: v1
          kind: ConfigMap
          name: source
          cluster: cluster-staging
        outputs:
          - name: greeting
            valueFrom: output.value.data.greeting
      - name: ask
        type: request
        properties:
          url: {url}/version
        outputs:
          - name: release.version
            valueFrom: response.version
      - name: copy
        type: apply-object
        if: inputs[\"release.version\"] == \"1.2.3\"
        inputs:
          - from: greeting
            parameterKey: value.data.greeting
          - from: release.version
            parameterKey: value.data.version
        properties:
          cluster: cluster-prod
          value:
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: copy
              namespace: default
            data:
              kept: 'true'
      - name: on-failure
        type: print-message-in-status
        if: status.ask.failed
        properties:
          message: the request failed
      - name: report
        type: print-message-in-status
        inputs:
          - from: greeting
            parameterKey: message
        properties:
          message: placeholder
",
        url = sink.url()
    );
    let dir = plan(&b, &wf, &[]);
    let out = apply(&b, &dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let copy = b
        .get("cluster-prod", "v1", "ConfigMap", "default", "copy")
        .unwrap_or_else(|| {
            panic!(
                "not applied on cluster-prod: {}\n{}",
                text(&out),
                status(&b)
            )
        });
    assert_eq!(
        copy["data"],
        json!({"greeting": "hello from staging", "kept": "true", "version": "1.2.3"})
    );
    assert_eq!(copy["metadata"]["labels"]["app.oam.dev/name"], "app");
    let st = status(&b);
    assert_eq!(phase(&st, "on-failure"), "skipped");
    assert_eq!(step(&st, "report")["message"], "hello from staging");
    assert_eq!(st["status"], "running");
}

#[test]
fn outputs_survive_a_suspend_and_a_new_process() {
    let b = backend("suspend");
    b.put(
        "local",
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "ticket", "namespace": "default"},
               "data": {"id": "CHG-42"}}),
    );
    let wf = "  workflow:
    steps:
      - name: read
        type: read-object
        properties:
          apiVersion: v1
          kind: ConfigMap
          name: ticket
        outputs:
          - name: ticket
            valueFrom: output.value.data.id
      - name: approve
        type: suspend
      - name: record
        type: export2config
        inputs:
          - from: ticket
            parameterKey: data.ticket
        properties:
          configName: approved
          data: {}
";
    let dir = plan(&b, wf, &[]);
    let out = apply(&b, &dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let st = status(&b);
    assert_eq!(st["status"], "workflowSuspending");
    assert_eq!(phase(&st, "approve"), "suspending");
    // The variable waits in the state, owner-only.
    let ctx = b.home.join("apps/default/app/context.json");
    let kept: Value = serde_json::from_str(&std::fs::read_to_string(&ctx).unwrap()).unwrap();
    assert_eq!(kept["vars"]["ticket"], "CHG-42");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&ctx).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    ok(&b.velac(&["workflow", "resume", "app"]));
    let out = apply(&b, &dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let cm = b
        .get("local", "v1", "ConfigMap", "default", "approved")
        .expect("exported");
    assert_eq!(cm["data"]["ticket"], "CHG-42");
}

#[test]
fn a_killed_apply_goes_on_with_its_outputs_and_without_writing_twice() {
    let b = backend("kill");
    if b.real() {
        eprintln!("skipped against real clusters: the test counts requests a fake recorded");
        return;
    }
    b.put(
        "local",
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "release", "namespace": "default"},
               "data": {"tag": "r-7"}}),
    );
    let wf = "  workflow:
    steps:
      - name: read
        type: read-object
        properties:
          apiVersion: v1
          kind: ConfigMap
          name: release
        outputs:
          - name: tag
            valueFrom: output.value.data.tag
      - name: web
        type: apply-deployment
        properties:
          image: nginx
          replicas: 2
      - name: record
        type: export2config
        inputs:
          - from: tag
            parameterKey: data.tag
        properties:
          configName: deployed
          data: {}
";
    let dir = plan(&b, wf, &[]);
    let mut child = b
        .command(&["apply", dir.to_str().unwrap(), "--yes", "--poll", "100ms"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let local = b.local.as_ref().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while local
        .object("apps/v1", "Deployment", Some("default"), "web")
        .is_none()
    {
        assert!(std::time::Instant::now() < deadline, "never applied");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().unwrap();
    let _ = child.wait();
    let patches = |l: &clusters::fake_apiserver::FakeApiServer| {
        l.requests()
            .iter()
            .filter(|r| r.method == "PATCH" && r.path.ends_with("/deployments/web"))
            .count()
    };
    assert_eq!(patches(local), 1);
    // Ready now; the next apply reads it back instead of applying again.
    b.set_status(
        "local",
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"}}),
        json!({"readyReplicas": 2, "replicas": 2}),
    );
    let out = apply(&b, &dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(patches(local), 1, "not written twice in one attempt");
    assert_eq!(phase(&status(&b), "web"), "succeeded");
    // The output taken before the kill is still there for the step after it.
    let cm = b
        .get("local", "v1", "ConfigMap", "default", "deployed")
        .expect("recorded");
    assert_eq!(cm["data"]["tag"], "r-7");
}

#[test]
fn a_step_past_its_timeout_fails_and_if_sees_it() {
    let b = backend("timeout");
    let wf = "  workflow:
    steps:
      - name: never-ready
        type: apply-deployment
        timeout: 2s
        properties:
          image: nginx
      - name: next
        type: print-message-in-status
        properties:
          message: skipped after a failure
      - name: cleanup
        type: print-message-in-status
        if: status[\"never-ready\"].timeout
        properties:
          message: cleaning up after the timeout
";
    let dir = plan(&b, wf, &[]);
    let out = apply(&b, &dir, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let st = status(&b);
    let s = step(&st, "never-ready");
    assert_eq!(
        (s["phase"].as_str(), s["reason"].as_str()),
        (Some("failed"), Some("Timeout"))
    );
    assert_eq!(phase(&st, "next"), "skipped");
    assert_eq!(
        step(&st, "cleanup")["message"],
        "cleaning up after the timeout"
    );
}

#[test]
fn a_step_group_runs_its_sub_steps_as_a_dag_passing_data() {
    let b = backend("group");
    let sink = HttpSink::start();
    sink.respond("/token", 200, "{\"token\": \"abc\"}");
    let wf = format!(
        "  workflow:
    steps:
      - name: prepare
        type: step-group
        subSteps:
          - name: fetch
            type: request
            properties:
              url: {url}/token
            outputs:
              - name: token
                valueFrom: response.token
          - name: use
            type: export2secret
            dependsOn: [fetch]
            inputs:
              - from: token
                parameterKey: data.token
            properties:
              secretName: api-token
              data: {{}}
          - name: independent
            type: print-message-in-status
            properties:
              message: ran alongside
      - name: done
        type: print-message-in-status
        inputs:
          - from: token
        properties:
          message: all set
",
        url = sink.url()
    );
    let dir = plan(&b, &wf, &[]);
    let out = apply(&b, &dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let st = status(&b);
    for s in ["prepare", "fetch", "use", "independent", "done"] {
        assert_eq!(phase(&st, s), "succeeded", "{s}: {st}");
    }
    let sec = b
        .get("local", "v1", "Secret", "default", "api-token")
        .expect("secret");
    assert_eq!(sec["data"]["token"], "YWJj", "base64 of abc");
    // A value read from an answer and put in a Secret is not echoed.
    let shown = ok(&b.velac(&["status", "app"]));
    assert!(!shown.contains("\"abc\""), "{shown}");
}

#[test]
fn a_request_refused_reports_the_code_and_the_body() {
    let b = backend("request");
    let sink = HttpSink::start();
    sink.respond(
        "/deploy-gate",
        409,
        "gate closed: change freeze until Friday",
    );
    let wf = format!(
        "  workflow:
    steps:
      - name: gate
        type: request
        properties:
          url: {url}/deploy-gate
          method: POST
          body:
            app: app
          header:
            X-Token: abc
",
        url = sink.url()
    );
    let dir = plan(&b, &wf, &[]);
    let out = apply(&b, &dir, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let st = status(&b);
    let gate = step(&st, "gate");
    assert_eq!(gate["reason"], "Action");
    assert_eq!(
        gate["message"].as_str().unwrap(),
        format!(
            "request of {}/deploy-gate is fail: 409: gate closed: change freeze until Friday",
            sink.url()
        )
    );
    let sent = &sink.to("/deploy-gate")[0];
    assert_eq!(sent.header("x-token"), Some("abc"));
    assert_eq!(sent.json(), json!({"app": "app"}));
}

#[test]
fn custom_step_definitions_run_from_cue_and_yaml() {
    let b = backend("custom");
    let defs = b.dir.join("defs");
    std::fs::create_dir_all(&defs).unwrap();
    std::fs::write(
        defs.join("stamp.cue"),
        r#"import (
	"vela/kube"
	"vela/builtin"
)

stamp: {
	type: "workflow-step"
	description: "Writes a ConfigMap stamped with the step and waits until it carries the stamp."
}
template: {
	write: kube.#Apply & {
		$params: value: {
			apiVersion: "v1"
			kind:       "ConfigMap"
			metadata: {name: parameter.name, namespace: context.namespace}
			data: stamp: "\(context.stepName)@\(context.appRevision)"
		}
	}
	check: builtin.#ConditionalWait & {
		$params: continue: write.$returns.value.data.stamp != _|_
	}
	stamped: write.$returns.value.data.stamp
	parameter: name: string
}
"#,
    )
    .unwrap();
    std::fs::write(
        defs.join("legacy.yaml"),
        r#"apiVersion: core.oam.dev/v1beta1
kind: WorkflowStepDefinition
metadata:
  name: legacy-note
  annotations:
    definition.oam.dev/description: A step in KubeVela's older style (vela/op).
spec:
  schematic:
    cue:
      template: |
        import "vela/op"

        read: op.#Read & {
          value: {
            apiVersion: "v1"
            kind:       "ConfigMap"
            metadata: {name: parameter.from, namespace: context.namespace}
          }
        }
        note: op.#Message & {message: "stamp is \(read.value.data.stamp)"}
        parameter: from: string
"#,
    )
    .unwrap();
    let d = defs.to_str().unwrap();
    let vet = ok(&b.velac(&["def", "vet", d]));
    assert!(vet.contains("stamp: step template evaluated"), "{vet}");
    let wf = "  workflow:
    steps:
      - name: first
        type: stamp
        properties:
          name: stamped
        outputs:
          - name: stamp
            valueFrom: stamped
      - name: second
        type: legacy-note
        properties:
          from: stamped
";
    let dir = plan(&b, wf, &[d]);
    let p: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap();
    let tpl = p["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "stamp")
        .expect("the plan holds the custom template");
    assert!(tpl["template"].as_str().unwrap().contains("kube.#Apply"));
    let out = apply(&b, &dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let st = status(&b);
    assert_eq!(step(&st, "second")["message"], "stamp is first@app-v1");
    // A template that does not fit its provider's schema is caught by vet.
    std::fs::write(
        defs.join("broken.cue"),
        "import \"vela/kube\"\nbroken: {type: \"workflow-step\"}\ntemplate: {\n\tr: kube.#Read & {$params: {value: {}, clustr: \"x\"}}\n}\n",
    )
    .unwrap();
    let bad = b.velac(&["def", "vet", defs.join("broken.cue").to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(text(&bad).contains("clustr"), "{}", text(&bad));
}

#[test]
fn steps_that_need_kubevelas_controller_are_refused_when_planning() {
    let b = backend("refuse");
    let app = b.dir.join("app.yaml");
    std::fs::write(
        &app,
        format!(
            "{HEAD}  workflow:
    steps:
      - name: migrate
        type: vela-cli
        properties:
          command: [vela, version]
"
        ),
    )
    .unwrap();
    let out = b.velac(&[
        "plan",
        app.to_str().unwrap(),
        "-o",
        b.dir.join("p").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("step \"migrate\": type \"vela-cli\" needs KubeVela's controller"),
        "{err}"
    );
    assert!(err.contains("app.yaml:"), "{err}");
    assert!(!b.dir.join("p").exists(), "nothing written");
}

#[test]
fn tls_settings_that_cannot_be_used_fail_the_call_loudly() {
    let b = backend("tls");
    let sink = HttpSink::start();
    b.put(
        "local",
        secret("bad-tls", &[("ca.crt", "not a certificate")]),
    );
    let wf = format!(
        "  workflow:
    steps:
      - name: missing
        type: tls-request
        properties:
          url: {url}/a
          secret: nowhere
      - name: garbage
        type: tls-request
        if: always
        properties:
          url: {url}/b
          secret: bad-tls
",
        url = sink.url()
    );
    let defs = b.dir.join("tls.cue");
    std::fs::write(
        &defs,
        r#"import "vela/http"

"tls-request": {
	type: "workflow-step"
	description: "GETs a URL with a client TLS configuration from a Secret."
}
template: {
	req: http.#HTTPGet & {$params: {url: parameter.url, tls_config: secret: parameter.secret}}
	parameter: {url: string, secret: string}
}
"#,
    )
    .unwrap();
    let dir = plan(&b, &wf, &[defs.to_str().unwrap()]);
    let out = apply(&b, &dir, &["--max-step-retries", "0"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let st = status(&b);
    let m = step(&st, "missing");
    assert_eq!(m["reason"], "FailedAfterRetries");
    assert!(
        m["message"]
            .as_str()
            .unwrap()
            .contains("secret default/nowhere not found"),
        "{m}"
    );
    let g = step(&st, "garbage");
    assert!(
        g["message"]
            .as_str()
            .unwrap()
            .contains("secret default/bad-tls: ca.crt"),
        "{g}"
    );
    assert!(
        sink.requests().is_empty(),
        "nothing was sent without its TLS settings"
    );
}

#[test]
fn provider_functions_a_custom_step_can_call() {
    let b = backend("providers");
    let sink = HttpSink::start();
    b.put("local", secret("api", &[("token", "Bearer t0k3n")]));
    b.put(
        "local",
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "default", "labels": {"app.oam.dev/name": "app"}},
               "spec": {"selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web"}},
                                     "spec": {"containers": [{"name": "web", "image": "nginx:1"},
                                                             {"name": "log", "image": "busybox"}]}}}}),
    );
    let defs = b.dir.join("everything.cue");
    std::fs::write(
        &defs,
        r#"import (
	"vela/kube"
	"vela/util"
	"vela/http"
)

everything: {
	type: "workflow-step"
	description: "Calls kube, util and http functions a step template may use."
}
template: {
	// Two ConfigMaps at once.
	both: kube.#ApplyInParallel & {
		$params: value: [
			{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "one", namespace: "default"}, data: n: "1"},
			{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "two", namespace: "default"}, data: n: "2"},
		]
	}
	// The live Deployment patched by container name (the trait strategies).
	bump: kube.#Patch & {
		$params: {
			value: {apiVersion: "apps/v1", kind: "Deployment", metadata: {name: "web", namespace: "default"}}
			// Changing a value needs retainKeys, as in KubeVela (plain
			// unification would conflict with the live image).
			patch: spec: template: spec: {
				// +patchKey=name
				containers: [{
					name: "web"
					// +patchStrategy=retainKeys
					image: "nginx:2"
				}]
			}
		}
	}
	// The same strategies offline.
	offline: util.#PatchK8sObject & {
		$params: {
			value: {spec: containers: [{name: "a", image: "x"}, {name: "b", image: "y"}]}
			patch: spec: {
				// +patchKey=name
				containers: [{
					name: "b"
					// +patchStrategy=retainKeys
					image: "z"
				}]
			}
		}
	}
	listed: kube.#List & {
		$params: {
			resource: {apiVersion: "v1", kind: "ConfigMap"}
			filter: {namespace: "default", matchingLabels: "app.oam.dev/name": "app"}
		}
	}
	call: http.#HTTPPost & {
		$params: {
			url: parameter.url
			request: {
				body: "{}"
				headersFromSecret: [{header: "Authorization", secret: "api", key: "token"}]
			}
		}
	}
	images: [for c in offline.$returns.result.spec.containers {c.image}]
	count: len(listed.$returns.values.items)
	parameter: url: string
}
"#,
    )
    .unwrap();
    let wf = format!(
        "  workflow:
    steps:
      - name: all
        type: everything
        properties:
          url: {url}/hook
        outputs:
          - name: images
            valueFrom: images
          - name: count
            valueFrom: count
",
        url = sink.url()
    );
    let dir = plan(&b, &wf, &[defs.to_str().unwrap()]);
    let out = apply(&b, &dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
    for n in ["one", "two"] {
        assert!(
            b.get("local", "v1", "ConfigMap", "default", n).is_some(),
            "{n}"
        );
    }
    let web = b
        .get("local", "apps/v1", "Deployment", "default", "web")
        .unwrap();
    let images: Vec<&str> = web["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["image"].as_str().unwrap())
        .collect();
    assert_eq!(
        images,
        ["nginx:2", "busybox"],
        "patched by name, the rest kept"
    );
    let hook = &sink.to("/hook")[0];
    assert_eq!(hook.header("authorization"), Some("Bearer t0k3n"));
    let ctx: Value = serde_json::from_str(
        &std::fs::read_to_string(b.home.join("apps/default/app/context.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(ctx["vars"]["images"], json!(["x", "z"]));
    assert!(ctx["vars"]["count"].as_u64().unwrap() >= 2, "{ctx}");
    // A header read from a Secret makes the step's outputs sensitive.
    assert_eq!(status(&b)["outputs"]["images"], "*** (sensitive)");
    assert!(!text(&out).contains("t0k3n"));
}
