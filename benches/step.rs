//! Workflow step engine overhead per step, IO excluded: a step's template
//! evaluated, its provider calls found and run against a host that answers
//! at once, results filled back and the value evaluated again, outputs
//! taken. What a real step adds on top is its IO (API server, HTTP, SMTP).

use serde_json::{Value, json};
use velac::definition::{Catalog, DefKind};
use velac::source::SourceMap;
use velac::step::{Call, Host, OutputSpec, Reply, Template, run};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

/// Answers every call at once, as an instant provider would.
struct Instant;

impl Host for Instant {
    fn call(&mut self, call: &Call) -> Result<Reply, String> {
        let returns = match (call.func.provider, call.func.name) {
            ("kube", "read") => Some(json!({"value": {
                "apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": "hooks", "namespace": "default"},
                "data": {"url": "aHR0cDovL2hvb2tzLmV4YW1wbGUvYQ==", "status": "cnVubmluZw=="},
                "status": {"status": "running", "readyReplicas": 1}, "spec": {"replicas": 1}}})),
            ("kube", "apply") => {
                let mut v = call.params["value"].clone();
                v["status"] = json!({"readyReplicas": 1});
                Some(json!({ "value": v }))
            }
            ("util", "string") => Some(json!({"str": "http://hooks.example/a"})),
            ("http", "do") => Some(
                json!({"statusCode": 200, "body": "{\"ok\": true}", "header": {}, "trailer": {}}),
            ),
            _ => None,
        };
        Ok(Reply {
            returns,
            wait: None,
        })
    }
    fn var_get(&mut self, _: &str) -> Option<Value> {
        None
    }
    fn var_put(&mut self, _: &str, _: Value) -> Result<(), String> {
        Ok(())
    }
    fn suspend(&mut self, _: &str, _: Option<&str>) -> Result<bool, String> {
        Ok(false)
    }
}

fn template(name: &str) -> Template {
    let mut sources = SourceMap::new();
    let mut catalog = Catalog::builtin();
    let d = catalog
        .get(&mut sources, DefKind::WorkflowStep, name)
        .expect("loads")
        .expect("built in");
    Template::compile(name, &d.template).expect("compiles")
}

fn case(name: &str) -> (Value, Vec<OutputSpec>) {
    let secret = json!({"secretRef": {"name": "hooks", "key": "url"}});
    let props = match name {
        "deploy" => json!({}),
        "suspend" => json!({}),
        "read-object" => json!({"apiVersion": "v1", "kind": "ConfigMap", "name": "c"}),
        "webhook" => json!({"url": {"value": "http://hooks.example/w"}}),
        "request" => json!({"url": "http://api.example/v", "method": "POST", "body": {"a": 1}}),
        "apply-deployment" => json!({"image": "nginx"}),
        "notification" => json!({
            "slack": {"url": secret, "message": {"text": "done"}},
            "dingding": {"url": {"value": "http://hooks.example/d"}, "message": {"text": {"content": "done"}}},
            "lark": {"url": secret, "message": {"msg_type": "text", "content": "{}"}},
            "email": {"from": {"address": "a@b.c", "password": {"value": "p"}, "host": "smtp"},
                      "to": ["x@y.z"], "content": {"subject": "s", "body": "b"}}}),
        other => panic!("no case {other}"),
    };
    let outs = match name {
        "read-object" => vec![OutputSpec {
            name: "v".into(),
            value_from: "output.value.metadata.name".into(),
        }],
        _ => Vec::new(),
    };
    (props, outs)
}

fn context() -> Value {
    json!({"name": "app", "namespace": "default", "appName": "app", "appRevision": "app-v1",
           "stepName": "s", "stepSessionID": "abcdefghij", "spanID": "x"})
}

/// One run of a step whose template is compiled already (what the applier
/// does for every step and every poll).
#[divan::bench(args = ["suspend", "deploy", "read-object", "apply-deployment", "request", "webhook", "notification"], sample_count = 50)]
fn run_step(b: divan::Bencher, name: &str) {
    let t = template(name);
    let (props, outs) = case(name);
    let ctx = context();
    b.bench_local(|| {
        let r = run(&t, &ctx, &props, &outs, &mut Instant);
        assert!(
            matches!(r.outcome, velac::step::Outcome::Succeeded),
            "{name}: {:?} {}",
            r.outcome,
            r.message
        );
        r
    });
}

/// Compiling a template (once per step type per apply).
#[divan::bench(args = ["deploy", "notification"], sample_count = 20)]
fn compile(b: divan::Bencher, name: &str) {
    let mut sources = SourceMap::new();
    let mut catalog = Catalog::builtin();
    let text = catalog
        .get(&mut sources, DefKind::WorkflowStep, name)
        .expect("loads")
        .expect("built in")
        .template
        .clone();
    b.bench_local(|| Template::compile(name, &text).expect("compiles"));
}
