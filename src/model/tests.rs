use super::*;

fn load_str(text: &str) -> Result<AppFile, String> {
    let mut sm = SourceMap::new();
    let id = sm.add("app.yaml", text);
    load(&sm, id).map_err(|d| d.render(&sm))
}

const APP: &str = "\
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: example-app
  labels: {team: a}
spec:
  components:
    - name: web
      type: webservice
      properties: {image: nginx, port: 80}
      traits:
        - type: scaler
          properties: {replicas: 2}
      dependsOn: [db]
    - name: db
      type: worker
      externalRevision: db-v3
  policies:
    - name: topo
      type: topology
      properties: {clusters: [local]}
  workflow:
    mode: {steps: DAG}
    steps:
      - name: group
        type: step-group
        meta: {alias: G}
        if: always
        timeout: 1m
        subSteps:
          - {name: a, type: suspend, properties: {duration: 10s}}
---
apiVersion: core.oam.dev/v1alpha1
kind: Policy
metadata: {name: extra}
type: override
properties: {components: []}
";

#[test]
fn reads_every_part() {
    let f = load_str(APP).unwrap();
    let a = &f.app;
    assert_eq!(
        (a.name.as_str(), a.namespace.as_str()),
        ("example-app", "default")
    );
    assert_eq!(a.labels, vec![("team".to_string(), "a".to_string())]);
    assert_eq!(a.components.len(), 2);
    let web = &a.components[0];
    assert_eq!(web.type_, "webservice");
    assert_eq!(web.traits[0].type_, "scaler");
    assert_eq!(web.depends_on, vec!["db"]);
    assert_eq!(
        web.properties.as_ref().unwrap().to_json(),
        serde_json::json!({"image": "nginx", "port": 80})
    );
    assert_eq!(a.components[1].external_revision.as_deref(), Some("db-v3"));
    assert_eq!(a.policies[0].type_, "topology");
    let w = a.workflow.as_ref().unwrap();
    assert_eq!(w.mode_steps, Some(Mode::Dag));
    assert_eq!(w.steps[0].alias.as_deref(), Some("G"));
    assert_eq!(w.steps[0].sub_steps[0].type_, "suspend");
    assert_eq!(f.policies[0].name, "extra");
}

#[test]
fn errors_name_path_position_and_suggestion() {
    let bad = APP.replace("      properties: {image", "      propertis: {image");
    assert_eq!(
        load_str(&bad).unwrap_err(),
        "spec.components[0].propertis: unknown field \"propertis\" (did you mean \"properties\"?):\n    app.yaml:10:7"
    );
    let bad = APP.replace("type: worker", "type: 3");
    assert_eq!(
        load_str(&bad).unwrap_err(),
        "spec.components[1].type: expected a string, found number:\n    app.yaml:16:13"
    );
    let bad = APP.replace("- name: db\n", "- name: web\n");
    assert!(
        load_str(&bad)
            .unwrap_err()
            .starts_with("spec.components[1].name: duplicate component name \"web\"")
    );
    let bad = APP.replace("steps: DAG", "steps: Dag");
    assert!(
        load_str(&bad)
            .unwrap_err()
            .contains("expected \"StepByStep\" or \"DAG\", found \"Dag\"")
    );
    assert!(load_str("").unwrap_err().contains("empty"));
    assert!(
        load_str("kind: Deployment\n")
            .unwrap_err()
            .contains("found \"Deployment\"")
    );
}
