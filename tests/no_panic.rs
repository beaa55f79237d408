//! Property tests: parsing and evaluating arbitrary input never panics.
//!
//! Two generators: arbitrary text (mostly syntax errors), and CUE-shaped
//! text assembled from the language's pieces (fields, definitions,
//! disjunctions, comprehensions, references, builtins) so that evaluation is
//! exercised deeply. Whatever the input, the result is a value or an error.

use proptest::prelude::*;
use velac::cue::Evaluation;

fn eval_all(src: &str) {
    if std::env::var_os("VELAC_TRACE_INPUTS").is_some() {
        std::fs::write("/tmp/velac_last_input.cue", src).ok();
    }
    let src = src.to_string();
    let r = std::thread::Builder::new()
        .stack_size(velac::cli::STACK_SIZE)
        .spawn(move || {
            if let Ok(mut ev) = Evaluation::from_source("p.cue", &src) {
                let root = ev.root;
                let _ = ev.export(root);
                let _ = ev.format(root);
            }
        })
        .expect("spawn")
        .join();
    assert!(r.is_ok(), "panicked");
}

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1".to_string()),
        Just("2.5".to_string()),
        Just("\"s\"".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("_".to_string()),
        Just("_|_".to_string()),
        Just("int".to_string()),
        Just("string".to_string()),
        Just(">=1".to_string()),
        Just("=~\"^a\"".to_string()),
        Just("[...int]".to_string()),
        Just("{...}".to_string()),
        Just("a".to_string()),
        Just("b.c".to_string()),
        Just("#D".to_string()),
        Just("x[0]".to_string()),
        Just("len(a)".to_string()),
        Just("\"v\\(a)\"".to_string()),
        Just("close({c: 1})".to_string()),
    ]
}

fn expr() -> impl Strategy<Value = String> {
    atom().prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} & {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("*{a} | {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{{a: {a}, b: {{c: {b}}}}}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("[{a}, {b}]")),
            inner
                .clone()
                .prop_map(|a| format!("[for k, v in {{p: {a}, q: 1}} {{v}}]")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("{{if {a} != _|_ {{z: {b}}}}}")),
            inner.clone().prop_map(|a| format!("{{[string]: {a}}}")),
        ]
    })
}

fn file() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(vec!["a", "b", "x", "#D", "_h", "c?"]),
            expr(),
        ),
        1..6,
    )
    .prop_map(|fields| {
        fields
            .into_iter()
            .map(|(l, e)| format!("{l}: {e}\n"))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
        eval_all(&s);
    }

    #[test]
    fn cue_shaped_text_never_panics(s in file()) {
        eval_all(&s);
    }
}

/// Pathological nesting is an error, not a stack overflow (on a default-size test thread).
#[test]
fn deep_nesting_is_an_error() {
    let cases = [
        format!("a: {}{}", "[".repeat(100_000), "]".repeat(100_000)),
        format!("a: {}1", "-".repeat(100_000)),
        format!("a: {}1{}", "{b: ".repeat(100_000), "}".repeat(100_000)),
        format!("a: \"{}x{}\"", "\\(\"".repeat(5_000), "\")".repeat(5_000)),
        format!("a: {}1{}", "{\"b\": ".repeat(50_000), "}".repeat(50_000)),
    ];
    for src in cases {
        let err = Evaluation::from_source("deep.cue", &src)
            .err()
            .expect("rejected");
        assert!(
            err[0].message.contains("nesting too deep"),
            "{}",
            err[0].message
        );
    }
}

/// Plan-shaped JSON: the applier reads plans written by anyone (or edited by
/// hand); a bad one is an error, never a panic.
fn plan_json() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        Just(r#""formatVersion": 1"#.to_string()),
        Just(r#""formatVersion": "1""#.to_string()),
        Just(r#""velacVersion": "0.1.0""#.to_string()),
        Just(r#""application": {"name": "a", "namespace": "d"}"#.to_string()),
        Just(r#""application": []"#.to_string()),
        Just(r#""revision": {"name": "a-v1", "number": 1, "hash": "h"}"#.to_string()),
        Just(r#""revision": {"number": -1}"#.to_string()),
        Just(r#""inputsDigest": "x""#.to_string()),
        Just(r#""mode": {"steps": "DAG", "subSteps": "DAG"}"#.to_string()),
        Just(r#""definitions": []"#.to_string()),
        Just(r#""clusters": [{"name": "c", "endpoint": "e"}]"#.to_string()),
        Just(r#""steps": []"#.to_string()),
        Just(r#""steps": [{"id": "i", "name": "s", "type": "deploy", "placements": [{"cluster": "c", "namespace": "", "env": null, "objects": [{"apiVersion": "v1", "kind": "ConfigMap", "namespace": "d", "name": "n", "component": "c", "trait": null, "outputName": null, "digest": "sha256:0", "path": "c/d/x.yaml"}]}]}]"#.to_string()),
        Just(r#""steps": [{"subSteps": 3}]"#.to_string()),
        "[a-z\"{}\\[\\]:, 0-9]{0,20}",
    ];
    prop::collection::vec(field, 0..10).prop_map(|fs| format!("{{{}}}", fs.join(", ")))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn plan_files_never_panic(plan in plan_json(), object in "[a-z:{}\\[\\] \n-]{0,40}") {
        let files = vec![
            ("plan.json".to_string(), plan),
            ("c/d/x.yaml".to_string(), object),
        ];
        let _ = velac::plan::read::PlanDir::from_files(files, std::path::Path::new("p"));
    }
}
