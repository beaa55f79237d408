use super::*;
use crate::cue::Evaluation;
use serde_json::json;

/// Applies a patch written in CUE (comments and all) to a JSON base.
fn run(base: Json, patch_cue: &str) -> Result<Json, PatchError> {
    let mut ev = Evaluation::from_source("patch.cue", patch_cue).unwrap();
    let root = ev.root;
    let patch = ev.export(root).unwrap();
    let docs = ev.engine.doc_tree(root);
    apply(&base, &patch, &docs)
}

fn deploy() -> Json {
    json!({"spec": {"replicas": 1, "template": {"spec": {"containers": [
        {"name": "web", "image": "nginx", "env": [{"name": "A", "value": "1"}]},
        {"name": "side", "image": "busybox"}
    ]}}}})
}

#[test]
fn plain_unification_adds_and_conflicts() {
    let r = run(deploy(), "spec: paused: true").unwrap();
    assert_eq!(r["spec"]["paused"], json!(true));
    assert_eq!(r["spec"]["replicas"], json!(1));
    let e = run(deploy(), "spec: replicas: 3").unwrap_err();
    assert_eq!(e.to_string(), "spec.replicas: conflicting values 1 and 3");
    assert!(run(deploy(), "spec: replicas: 1").is_ok());
}

#[test]
fn lists_without_key_unify_by_index() {
    // A one-element patch list against two containers: closed list too short.
    let e = run(
        deploy(),
        "spec: template: spec: containers: [{resources: {}}]",
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "spec.template.spec.containers: incompatible list lengths (1 and 2)"
    );
    let r = run(json!({"a": [1]}), "a: [1, 2]").unwrap();
    assert_eq!(r, json!({"a": [1, 2]}));
}

#[test]
fn patch_key_matches_appends_and_is_inherited() {
    let r = run(
        deploy(),
        r#"spec: template: spec: {
	// +patchKey=name
	containers: [{name: "side", args: ["x"]}, {name: "new", image: "redis"}, {name: "web", env: [{name: "B", value: "2"}, {name: "A", value: "1"}]}]
}"#,
    )
    .unwrap();
    let cs = &r["spec"]["template"]["spec"]["containers"];
    assert_eq!(cs[0]["name"], "web");
    // env merged by the inherited key: A matched in place, B appended.
    assert_eq!(
        cs[0]["env"],
        json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])
    );
    assert_eq!(
        cs[1],
        json!({"name": "side", "image": "busybox", "args": ["x"]})
    );
    assert_eq!(cs[2], json!({"name": "new", "image": "redis"}));
}

#[test]
fn keyless_patch_elements_fall_back_to_the_first_element() {
    let r = run(
        json!({"cs": [{"name": "a"}]}),
        "// +patchKey=name\ncs: [{image: \"x\"}]",
    )
    .unwrap();
    assert_eq!(r, json!({"cs": [{"name": "a", "image": "x"}]}));
}

#[test]
fn retain_keys_replaces_fields_and_matched_elements() {
    let r = run(
        deploy(),
        "spec: {\n\t// +patchStrategy=retainKeys\n\treplicas: 3\n}",
    )
    .unwrap();
    assert_eq!(r["spec"]["replicas"], json!(3));
    let r = run(
        json!({"x": {"r": {"limits": {"cpu": 1}}, "keep": true}}),
        "x: {\n\t// +patchStrategy=retainKeys\n\tr: requests: cpu: 2\n}",
    )
    .unwrap();
    assert_eq!(
        r,
        json!({"x": {"r": {"requests": {"cpu": 2}}, "keep": true}})
    );
    let r = run(
        deploy(),
        r#"spec: template: spec: {
	// +patchKey=name
	// +patchStrategy=retainKeys
	containers: [{name: "web", image: "httpd"}]
}"#,
    )
    .unwrap();
    let cs = &r["spec"]["template"]["spec"]["containers"];
    assert_eq!(cs[0], json!({"name": "web", "image": "httpd"}));
    assert_eq!(cs[1]["name"], "side");
}

#[test]
fn replace_strategy_on_lists() {
    let r = run(
        json!({"args": ["a", "b", "c"]}),
        "// +patchStrategy=replace\nargs: [\"z\"]",
    )
    .unwrap();
    assert_eq!(r, json!({"args": ["z"]}));
}

#[test]
fn dotted_and_multiple_keys() {
    let base =
        json!({"envFrom": [{"secretRef": {"name": "s1"}}, {"configMapRef": {"name": "c1"}}]});
    let r = run(
        base.clone(),
        r#"// +patchKey=secretRef.name,configMapRef.name
envFrom: [{secretRef: name: "s2"}, {configMapRef: name: "c1", optional: true}]"#,
    )
    .unwrap();
    assert_eq!(
        r,
        json!({"envFrom": [
            {"secretRef": {"name": "s1"}},
            {"configMapRef": {"name": "c1"}, "optional": true},
            {"secretRef": {"name": "s2"}}
        ]})
    );
    let r = run(
        base,
        "// +patchKey=secretRef.name\nenvFrom: [{secretRef: name: \"s1\", optional: true}]",
    )
    .unwrap();
    assert_eq!(
        r["envFrom"][0],
        json!({"secretRef": {"name": "s1"}, "optional": true})
    );
}

#[test]
fn json_merge_patch_and_json_patch() {
    let base = json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"replicas": 1}});
    let r = run(
        base.clone(),
        "// +patchStrategy=jsonMergePatch\nmetadata: labels: {a: null, c: \"3\"}\nspec: replicas: 4",
    );
    // The strategy tag sits on the patch value's own doc (here: the file root has none).
    assert!(
        r.is_err(),
        "without the tag on `patch` itself this is plain unification"
    );
    let docs = DocTree {
        docs: vec!["+patchStrategy=jsonMergePatch".into()],
        ..Default::default()
    };
    let patch = json!({"metadata": {"labels": {"a": null, "c": "3"}}, "spec": {"replicas": 4}});
    let r = apply(&base, &patch, &docs).unwrap();
    assert_eq!(
        r,
        json!({"metadata": {"labels": {"b": "2", "c": "3"}}, "spec": {"replicas": 4}})
    );
    let docs = DocTree {
        docs: vec![" +patchStrategy=jsonPatch".into()],
        ..Default::default()
    };
    let ops = json!({"operations": [
        {"op": "replace", "path": "/spec/replicas", "value": 5},
        {"op": "add", "path": "/metadata/labels/d", "value": "4"},
        {"op": "remove", "path": "/metadata/labels/a"}
    ]});
    let r = apply(&base, &ops, &docs).unwrap();
    assert_eq!(
        r,
        json!({"metadata": {"labels": {"b": "2", "d": "4"}}, "spec": {"replicas": 5}})
    );
    let bad = json!({"operations": [{"op": "remove", "path": "/nope"}]});
    assert!(matches!(
        apply(&base, &bad, &docs),
        Err(PatchError::JsonPatch(_))
    ));
}

#[test]
fn tags_survive_comprehensions() {
    let r = run(
        deploy(),
        "_kind: \"Deployment\"\nspec: {\n\tif _kind == \"Deployment\" {\n\t\t// +patchStrategy=retainKeys\n\t\treplicas: 7\n\t}\n}",
    )
    .unwrap();
    assert_eq!(r["spec"]["replicas"], json!(7));
}

#[test]
fn docs_of_a_field_defined_by_reference() {
    let src = "parameter: {operations: [{op: \"remove\"}]}\n// +patchStrategy=jsonPatch\npatch: parameter\n";
    let mut ev = Evaluation::from_source("t.cue", src).unwrap();
    let v = ev.lookup("patch").unwrap();
    assert_eq!(
        ev.engine.docs(v),
        vec![" +patchStrategy=jsonPatch".to_string()]
    );
}

#[test]
fn docs_survive_injected_data() {
    let src = "parameter: {operations: [...{...}]}\n// +patchStrategy=jsonPatch\npatch: parameter\nparameter: _\n";
    let mut sm = crate::source::SourceMap::new();
    let id = sm.add("t.cue", src);
    let progs = crate::cue::load(&sm, &[id]).unwrap();
    let mut ev = Evaluation::new(&progs, sm);
    let root = ev.root;
    crate::cue::inject_json(
        &mut ev.engine,
        root,
        "parameter",
        &json!({"operations": [{"op": "remove", "path": "/x"}]}),
        crate::source::Span::default(),
    );
    let v = ev.lookup("patch").unwrap();
    assert_eq!(
        ev.engine.docs(v),
        vec![" +patchStrategy=jsonPatch".to_string()]
    );
}

#[test]
fn docs_after_a_documented_struct() {
    let src = "\tparameter: {\n\t\t// +usage=ops\n\t\toperations: [...{...}]\n\t}\n\n\t// +patchStrategy=jsonPatch\n\tpatch: parameter\n";
    let mut ev = Evaluation::from_source("t.cue", src).unwrap();
    let v = ev.lookup("patch").unwrap();
    assert_eq!(
        ev.engine.docs(v),
        vec![" +patchStrategy=jsonPatch".to_string()]
    );
}

#[test]
fn docs_survive_export() {
    let src = "parameter: {operations: [...{...}]}\n// +patchStrategy=jsonPatch\npatch: parameter\nparameter: _\n";
    let mut ev = Evaluation::from_source("t.cue", src).unwrap();
    let root = ev.root;
    let _ = ev.export(root);
    let v = ev.lookup("patch").unwrap();
    assert_eq!(
        ev.engine.docs(v),
        vec![" +patchStrategy=jsonPatch".to_string()]
    );
}

#[test]
fn open_patch_lists_constrain_every_element() {
    let r = run(deploy(), "spec: template: spec: containers: [...{terminationMessagePolicy: \"FallbackToLogsOnError\"}]").unwrap();
    let cs = r["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(cs.len(), 2);
    assert!(
        cs.iter()
            .all(|c| c["terminationMessagePolicy"] == "FallbackToLogsOnError")
    );
    // An open list without a constraint keeps the base elements as they are.
    let r = run(json!({"a": [1, 2]}), "a: [1, ...]").unwrap();
    assert_eq!(r, json!({"a": [1, 2]}));
}
