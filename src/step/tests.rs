//! The engine against a scripted host: call order, results filled back,
//! legacy `vela/op` calls, actions, errors and outputs.

use super::*;
use serde_json::json;

/// Records calls and answers them from a script keyed by `provider.func`.
#[derive(Default)]
struct Script {
    calls: Vec<(String, String, Json)>,
    answers: std::collections::HashMap<String, Result<Reply, String>>,
    vars: Map<String, Json>,
    suspend: bool,
}

impl Script {
    fn answer(mut self, f: &str, returns: Json) -> Script {
        self.answers.insert(
            f.into(),
            Ok(Reply {
                returns: Some(returns),
                wait: None,
            }),
        );
        self
    }
}

impl Host for Script {
    fn call(&mut self, call: &Call) -> Result<Reply, String> {
        let key = format!("{}.{}", call.func.provider, call.func.name);
        self.calls
            .push((key.clone(), call.path.clone(), call.params.clone()));
        self.answers
            .get(&key)
            .cloned()
            .unwrap_or(Ok(Reply::default()))
    }
    fn var_get(&mut self, path: &str) -> Option<Json> {
        self.vars.get(path).cloned()
    }
    fn var_put(&mut self, path: &str, value: Json) -> Result<(), String> {
        self.vars.insert(path.into(), value);
        Ok(())
    }
    fn suspend(&mut self, _label: &str, _d: Option<&str>) -> Result<bool, String> {
        Ok(self.suspend)
    }
}

fn tpl(text: &str) -> Template {
    Template::compile("t", text).unwrap_or_else(|d| panic!("{d:?}"))
}

fn ctx() -> Json {
    json!({"name": "app", "namespace": "ns", "stepName": "s"})
}

fn run_with(text: &str, params: Json, host: &mut Script, outs: &[(&str, &str)]) -> Run {
    let outs: Vec<OutputSpec> = outs
        .iter()
        .map(|(n, v)| OutputSpec {
            name: n.to_string(),
            value_from: v.to_string(),
        })
        .collect();
    run(&tpl(text), &ctx(), &params, &outs, host)
}

#[test]
fn a_read_feeds_the_apply_that_follows_it() {
    let text = r#"
import "vela/kube"
read: kube.#Read & {$params: value: {apiVersion: "v1", kind: "ConfigMap", metadata: {name: parameter.from, namespace: context.namespace}}}
write: kube.#Apply & {$params: {cluster: "c1", value: {apiVersion: "v1", kind: "ConfigMap", metadata: name: "copy", data: read.$returns.value.data}}}
parameter: from: string
"#;
    let mut h = Script::default().answer(
        "kube.read",
        json!({"value": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "src", "namespace": "ns"}, "data": {"k": "v"}}}),
    );
    let r = run_with(
        text,
        json!({"from": "src"}),
        &mut h,
        &[("copied", "write.$params.value.data")],
    );
    assert_eq!(r.outcome, Outcome::Succeeded, "{}", r.message);
    assert_eq!(h.calls.len(), 2);
    assert_eq!(h.calls[0].0, "kube.read");
    assert_eq!(h.calls[0].1, "read");
    assert_eq!(
        h.calls[0].2,
        json!({"cluster": "", "value": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "src", "namespace": "ns"}}})
    );
    assert_eq!(h.calls[1].1, "write");
    assert_eq!(h.calls[1].2["value"]["data"], json!({"k": "v"}));
    assert_eq!(
        r.outputs,
        vec![("copied".to_string(), Ok(json!({"k": "v"})))]
    );
}

#[test]
fn calls_run_children_first_in_declaration_order_with_step_attributes_first() {
    let text = r#"
import "vela/builtin"
import "vela/kube"
a: kube.#Read & {$params: value: {kind: "A"}}
b: {
    inner: kube.#Read & {$params: value: {kind: "B-inner"}}
}
c: kube.#Read & {$params: value: {kind: "C"}} @step(1)
#def: kube.#Read & {$params: value: {kind: "never"}}
_hidden: kube.#Read & {$params: value: {kind: "H"}}
m: builtin.#Message & {$params: message: "done"}
"#;
    let mut h = Script::default();
    let r = run_with(text, json!({}), &mut h, &[]);
    assert_eq!(r.outcome, Outcome::Succeeded, "{}", r.message);
    let kinds: Vec<&str> = h
        .calls
        .iter()
        .map(|c| c.2["value"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["C", "A", "B-inner", "H"]);
    assert_eq!(r.message, "done");
}

#[test]
fn legacy_op_calls_keep_parameters_and_results_at_their_top() {
    let text = r#"
import "vela/op"
read: op.#Read & {value: {apiVersion: "v1", kind: "Secret", metadata: name: "s"}}
req: op.#HTTPPost & {url: "http://example.test/x", request: body: read.value.data.token}
code: req.response.statusCode
"#;
    let mut h = Script::default()
        .answer(
            "kube.read",
            json!({"value": {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"token": "t"}}}),
        )
        .answer("http.do", json!({"body": "ok", "statusCode": 201}));
    let r = run_with(text, json!({}), &mut h, &[("code", "code")]);
    assert_eq!(r.outcome, Outcome::Succeeded, "{}", r.message);
    assert_eq!(h.calls[1].0, "http.do");
    assert_eq!(
        h.calls[1].2,
        json!({"method": "POST", "url": "http://example.test/x", "request": {"body": "t"}})
    );
    assert_eq!(r.outputs, vec![("code".to_string(), Ok(json!(201)))]);
}

#[test]
fn a_wait_on_an_absent_field_waits_instead_of_failing() {
    let text = r#"
import "vela/kube"
import "vela/builtin"
output: kube.#Apply & {$params: value: {kind: "Deployment", metadata: name: "d"}}
wait: builtin.#ConditionalWait & {$params: {continue: output.$returns.value.status.readyReplicas == 2, message: "not ready"}}
"#;
    let mut h = Script::default().answer("kube.apply", json!({"value": {"kind": "Deployment"}}));
    let r = run_with(text, json!({}), &mut h, &[("x", "output")]);
    assert_eq!(r.outcome, Outcome::Waiting);
    assert_eq!(r.message, "not ready");
    assert!(r.outputs.is_empty(), "no outputs while running");
    let mut h = Script::default().answer(
        "kube.apply",
        json!({"value": {"kind": "Deployment", "status": {"readyReplicas": 2}}}),
    );
    let r = run_with(text, json!({}), &mut h, &[]);
    assert_eq!(r.outcome, Outcome::Succeeded, "{}", r.message);
}

#[test]
fn fail_suspend_and_break_stop_the_run() {
    let text = r#"
import "vela/builtin"
import "vela/kube"
check: builtin.#Fail & {$params: message: "no \(parameter.x)"}
after: kube.#Read & {$params: value: {kind: "never"}}
"#;
    let mut h = Script::default();
    let r = run_with(text, json!({"x": "way"}), &mut h, &[("p", "parameter.x")]);
    assert_eq!((r.outcome, r.message.as_str()), (Outcome::Failed, "no way"));
    assert!(h.calls.is_empty());
    assert_eq!(r.outputs, vec![("p".to_string(), Ok(json!("way")))]);

    let text = "import \"vela/builtin\"\nhold: builtin.#Suspend & {$params: duration: \"1m\"}\n";
    let mut h = Script {
        suspend: true,
        ..Script::default()
    };
    let r = run_with(text, json!({}), &mut h, &[]);
    assert_eq!(
        (r.outcome, r.message.as_str()),
        (Outcome::Suspended, "Suspended by field hold")
    );
    h.suspend = false;
    let r = run_with(text, json!({}), &mut h, &[]);
    assert_eq!(r.outcome, Outcome::Succeeded);

    let text = "import \"vela/op\"\nstop: op.#Break & {message: \"enough\"}\n";
    let r = run_with(text, json!({}), &mut Script::default(), &[]);
    assert_eq!((r.outcome, r.message.as_str()), (Outcome::Broken, "enough"));
}

#[test]
fn errors_name_the_call_and_read_errors_are_said() {
    let text = r#"
import "vela/kube"
import "encoding/base64"
read: kube.#Read & {$params: value: {kind: "Secret", metadata: name: "s"}}
apply: kube.#Apply & {$params: value: {kind: "X", data: base64.Decode(null, read.$returns.value.data.key)}}
"#;
    let mut h = Script::default().answer(
        "kube.read",
        json!({"value": {"kind": "Secret", "metadata": {"name": "s"}}, "err": "secrets \"s\" not found"}),
    );
    let r = run_with(text, json!({}), &mut h, &[]);
    assert_eq!(r.outcome, Outcome::Error);
    assert!(
        r.message.starts_with("apply (kube.apply): $params: "),
        "{}",
        r.message
    );
    assert!(
        r.message.ends_with("(read: secrets \"s\" not found)"),
        "{}",
        r.message
    );

    let mut h = Script::default();
    h.answers
        .insert("kube.apply".into(), Err("403 Forbidden: nope".into()));
    let r = run_with(
        "import \"vela/kube\"\nx: kube.#Apply & {$params: value: {kind: \"X\"}}\n",
        json!({}),
        &mut h,
        &[],
    );
    assert_eq!(
        (r.outcome, r.message.as_str()),
        (Outcome::Error, "x (kube.apply): 403 Forbidden: nope")
    );

    let r = run_with("a: 1\na: 2\n", json!({}), &mut Script::default(), &[]);
    assert_eq!(r.outcome, Outcome::Error);
    assert!(r.message.contains("conflicting values"), "{}", r.message);

    let bad = "import \"vela/kube\"\nx: kube.#Nope & {}\n";
    let r = run_with(bad, json!({}), &mut Script::default(), &[]);
    assert_eq!(r.outcome, Outcome::Error);
}

#[test]
fn variables_and_returns_fallback_for_outputs() {
    let text = r#"
import "vela/builtin"
import "vela/kube"
put: builtin.#DoVar & {$params: {method: "Put", path: "x", value: 42}}
get: builtin.#DoVar & {$params: {path: "x"}}
got: get.$returns.value
output: kube.#Read & {$params: value: {kind: "K"}}
"#;
    let mut h = Script::default().answer("kube.read", json!({"value": {"kind": "K", "n": 1}}));
    let r = run_with(
        text,
        json!({}),
        &mut h,
        &[
            ("g", "got"),
            ("v", "output.value.n"),
            ("missing", "nowhere"),
        ],
    );
    assert_eq!(r.outcome, Outcome::Succeeded, "{}", r.message);
    assert_eq!(r.outputs[0], ("g".to_string(), Ok(json!(42))));
    assert_eq!(r.outputs[1], ("v".to_string(), Ok(json!(1))));
    assert!(r.outputs[2].1.is_err());
}

#[test]
fn patch_calls_carry_the_patch_strategies_of_their_comments() {
    let text = r#"
import "vela/kube"
bump: kube.#Patch & {
	$params: {
		value: {apiVersion: "apps/v1", kind: "Deployment", metadata: {name: "web", namespace: "default"}}
		patch: spec: template: spec: {
			// +patchKey=name
			containers: [{name: "web", image: "nginx:2"}]
		}
	}
}
"#;
    struct Docs(Option<crate::cue::eval::DocTree>);
    impl Host for Docs {
        fn call(&mut self, call: &Call) -> Result<Reply, String> {
            self.0 = call.patch_docs.clone();
            Ok(Reply::default())
        }
        fn var_get(&mut self, _: &str) -> Option<Json> {
            None
        }
        fn var_put(&mut self, _: &str, _: Json) -> Result<(), String> {
            Ok(())
        }
        fn suspend(&mut self, _: &str, _: Option<&str>) -> Result<bool, String> {
            Ok(false)
        }
    }
    let mut h = Docs(None);
    let r = run(&tpl(text), &ctx(), &json!({}), &[], &mut h);
    assert_eq!(r.outcome, Outcome::Succeeded, "{}", r.message);
    let docs = h.0.expect("docs");
    let c = docs
        .field("spec")
        .and_then(|d| d.field("template"))
        .and_then(|d| d.field("spec"))
        .and_then(|d| d.field("containers"))
        .unwrap_or_else(|| panic!("{docs:?}"));
    assert!(c.docs.iter().any(|d| d.contains("+patchKey=name")), "{c:?}");
}
