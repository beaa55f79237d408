use super::*;
use crate::source::SourceMap;

fn app(text: &str) -> AppFile {
    let mut sm = SourceMap::new();
    let id = sm.add("app.yaml", text);
    crate::model::load(&sm, id).unwrap_or_else(|d| panic!("{}", d.render(&sm)))
}

fn clusters(text: &str) -> ClusterSet {
    let mut sm = SourceMap::new();
    let id = sm.add("clusters.yaml", text);
    ClusterSet::load(&sm, id).unwrap()
}

const HEAD: &str = "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec:\n  components:\n    - {name: web, type: webservice, properties: {image: nginx, env: [{name: A, value: '1'}], ports: [{port: 80}]}, traits: [{type: scaler, properties: {replicas: 1}}, {type: labels, properties: {a: b}}]}\n    - {name: web-2, type: webservice, properties: {image: httpd}}\n    - {name: db, type: worker, properties: {image: postgres}}\n";

/// Summary of a placement: `cluster/ns: name(type){props}[traits]`.
fn show(d: &Deployment) -> String {
    let comps: Vec<String> = d
        .components
        .iter()
        .map(|(c, k)| {
            let props = c
                .properties
                .as_ref()
                .map(|p| p.to_json().to_string())
                .unwrap_or_default();
            let traits: Vec<String> = c
                .traits
                .iter()
                .map(|t| {
                    format!(
                        "{}{}",
                        t.type_,
                        t.properties
                            .as_ref()
                            .map(|p| p.to_json().to_string())
                            .unwrap_or_default()
                    )
                })
                .collect();
            let key = if k.is_empty() {
                String::new()
            } else {
                format!("@{k}")
            };
            format!("{}{key}({}){props}[{}]", c.name, c.type_, traits.join(","))
        })
        .collect();
    format!("{}/{}: {}", d.cluster, d.namespace, comps.join(" "))
}

fn place(policies: &str, workflow: &str, cl: &ClusterSet) -> Result<Vec<String>, String> {
    let f = app(&format!("{HEAD}  policies:\n{policies}{workflow}"));
    deployments(&f, cl)
        .map(|ds| {
            ds.iter()
                .map(|d| format!("{} {}", d.step, show(d)))
                .collect()
        })
        .map_err(|e| {
            e.iter()
                .map(|d| format!("{}: {}", d.path.clone().unwrap_or_default(), d.message))
                .collect::<Vec<_>>()
                .join("\n")
        })
}

fn two() -> ClusterSet {
    clusters(
        "- {name: east, labels: {region: east, tier: prod}}\n- {name: west, labels: {region: west, tier: prod}, kubeVersion: '1.24'}\n",
    )
}

#[test]
fn env_binding_merge_rules() {
    let policies = "    - name: envs\n      type: env-binding\n      properties:\n        envs:\n          - name: e\n            placement: {clusterSelector: {name: east}, namespaceSelector: {name: ns1}}\n            patch:\n              components:\n                - name: web\n                  properties: {env: [{name: B, value: '2'}], image: nginx:2, extra: null}\n                  traits: [{type: scaler, properties: {replicas: 3}}, {type: labels, disable: true}, {type: expose, properties: {port: [80]}}]\n                - name: cache\n                  type: worker\n                  properties: {image: redis}\n                - {type: worker, properties: {cmd: [run]}}\n";
    let got = place(policies, "", &two()).unwrap();
    // `web` also matches `web-2` (unanchored); lists are replaced, null is kept;
    // a disabled trait goes, a new one is appended; type-only patches hit all
    // of that type (the new `cache` too); an unmatched name adds a component.
    assert_eq!(
        got,
        vec![
            "deploy-envs-e east/ns1: web(webservice){\"image\":\"nginx:2\",\"env\":[{\"name\":\"B\",\"value\":\"2\"}],\"ports\":[{\"port\":80}],\"extra\":null}[scaler{\"replicas\":3},expose{\"port\":[80]}] web-2(webservice){\"image\":\"nginx:2\",\"env\":[{\"name\":\"B\",\"value\":\"2\"}],\"extra\":null}[scaler{\"replicas\":3},expose{\"port\":[80]}] db(worker){\"image\":\"postgres\",\"cmd\":[\"run\"]}[] cache(worker){\"image\":\"redis\",\"cmd\":[\"run\"]}[]".to_string()
        ]
    );
}

#[test]
fn type_change_replaces_and_selectors_filter() {
    let policies = "    - name: envs\n      type: env-binding\n      properties:\n        envs:\n          - name: a\n            selector: {components: [db, web]}\n            patch: {components: [{name: '^db$', type: task, properties: {image: busybox}}]}\n          - name: none\n            selector: {components: []}\n";
    let got = place(policies, "", &two()).unwrap();
    assert_eq!(
        got,
        vec![
            "deploy-envs-a local/: web(webservice){\"image\":\"nginx\",\"env\":[{\"name\":\"A\",\"value\":\"1\"}],\"ports\":[{\"port\":80}]}[scaler{\"replicas\":1},labels{\"a\":\"b\"}] db(task){\"image\":\"busybox\"}[]".to_string(),
            "deploy-envs-none local/: ".to_string(),
        ]
    );
}

#[test]
fn topology_override_and_replication() {
    let policies = "    - {name: prod, type: topology, properties: {clusterLabelSelector: {tier: prod}, namespace: apps}}\n    - {name: hub, type: topology, properties: {clusters: [local, east]}}\n    - {name: big, type: override, properties: {components: [{name: web, traits: [{type: scaler, properties: {replicas: 5}}]}], selector: [web, db]}}\n    - {name: small, type: override, properties: {components: [{type: worker, properties: {image: pg:16}}]}}\n    - {name: per-region, type: replication, properties: {keys: [us, eu], selector: [db]}}\n";
    let wf = "  workflow:\n    steps:\n      - {name: go, type: deploy, properties: {policies: [big, small, per-region, prod, hub]}}\n";
    let got = place(policies, wf, &two()).unwrap();
    let summary: Vec<&str> = got.iter().map(|s| s.split(':').next().unwrap()).collect();
    // Label selection keeps the cluster list's order; placements are de-duplicated.
    assert_eq!(
        summary,
        ["go east/apps", "go west/apps", "go local/", "go east/"]
    );
    assert!(got[0].contains("web(webservice)"), "{}", got[0]);
    assert!(got[0].contains("scaler{\"replicas\":5}"));
    assert!(got[0].contains("db@us(worker){\"image\":\"pg:16\"}"));
    assert!(got[0].contains("db@eu(worker)"), "{}", got[0]);
    assert!(
        !got[0].contains("web-2"),
        "the override's selector drops web-2"
    );
}

#[test]
fn default_steps_follow_kubevela() {
    let f = app(HEAD);
    let ds = deployments(&f, &ClusterSet::local_only()).unwrap();
    let steps: Vec<&str> = ds.iter().map(|d| d.step.as_str()).collect();
    assert_eq!(steps, ["web", "web-2", "db"]);
    assert!(ds.iter().all(|d| !d.named_cluster && d.cluster == "local"));
    let got = place("    - {name: t1, type: topology, properties: {clusters: [east]}}\n    - {name: o, type: override, properties: {components: []}}\n", "", &two()).unwrap();
    assert!(got[0].starts_with("deploy-t1 east/"), "{got:?}");
    let got = place(
        "    - {name: o, type: override, properties: {components: []}}\n",
        "",
        &two(),
    )
    .unwrap();
    assert!(got[0].starts_with("deploy local/"), "{got:?}");
}

#[test]
fn placement_errors_name_the_step() {
    let envs = "    - name: envs\n      type: env-binding\n      properties:\n        envs:\n          - {name: staging, placement: {clusterSelector: {name: nowhere}}}\n          - {name: lab, placement: {clusterSelector: {labels: {a: b}}}}\n";
    let wf = "  workflow:\n    steps:\n      - {name: s1, type: deploy2env, properties: {policy: envs, env: stagin}}\n      - {name: s2, type: deploy2env, properties: {policy: envs, env: staging}}\n      - {name: s3, type: deploy2env, properties: {policy: envs, env: lab}}\n      - {name: s4, type: deploy, properties: {policies: [nope]}}\n";
    let e = place(envs, wf, &two()).unwrap_err();
    assert_eq!(
        e,
        "step \"s1\": env \"stagin\" is not in policy \"envs\" (did you mean \"staging\"?)\n\
         step \"s2\": unknown cluster \"nowhere\" (give the cluster list with --clusters)\n\
         step \"s3\": cluster selector does not support label selector for now\n\
         step \"s4\": policy \"nope\" not found"
    );
    let e = place(
        "    - {name: t, type: topology, properties: {clusterLabelSelector: {tier: dev}}}\n",
        "",
        &two(),
    )
    .unwrap_err();
    assert!(
        e.contains("failed to find any cluster matches given labels"),
        "{e}"
    );
    assert!(place("    - {name: t, type: topology, properties: {clusterLabelSelector: {tier: dev}, allowEmpty: true}}\n", "", &two()).unwrap().is_empty());
}

#[test]
fn cluster_file_rules() {
    let c = two();
    assert_eq!(c.names(), ["local", "east", "west"]);
    assert_eq!(c.get("west").unwrap().kube_version.as_deref(), Some("1.24"));
    assert!(
        c.get("east")
            .unwrap()
            .labels
            .contains(&(CONTROL_PLANE_LABEL.to_string(), "false".to_string()))
    );
    let mut sm = SourceMap::new();
    let id = sm.add("c.yaml", "- {name: local}\n");
    assert!(
        ClusterSet::load(&sm, id)
            .unwrap_err()
            .to_string()
            .contains("always present")
    );
    let id = sm.add("c.yaml", "- {nmae: x}\n");
    assert!(
        ClusterSet::load(&sm, id)
            .unwrap_err()
            .to_string()
            .contains("did you mean \"name\"")
    );
}

#[test]
fn inline_policies_of_a_deploy_step() {
    let wf = "  workflow:\n    steps:\n      - name: go\n        type: deploy\n        properties:\n          inlinePolicies:\n            - {type: topology, properties: {clusters: [west]}}\n            - {type: override, properties: {components: [{name: db, properties: {image: pg:17}}], selector: [db]}}\n";
    let got = place(
        "    - {name: unused, type: topology, properties: {clusters: [east]}}\n",
        wf,
        &two(),
    )
    .unwrap();
    assert_eq!(
        got,
        vec!["go west/: db(worker){\"image\":\"pg:17\"}[]".to_string()]
    );
}

#[test]
fn workflow_shape_errors() {
    let wf = "  workflow:\n    mode: {steps: DAG}\n    steps:\n      - {name: a, type: suspend, dependsOn: [c]}\n      - {name: b, type: suspend, dependsOn: [a]}\n      - {name: c, type: suspend, dependsOn: [b]}\n      - {name: d, type: suspend, dependsOn: [bb]}\n      - {name: d, type: suspend}\n";
    let e = place(
        "    - {name: t, type: topology, properties: {clusters: [east]}}\n",
        wf,
        &two(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        "spec.workflow.steps[4].name: duplicate step name \"d\"\n\
         spec.workflow.steps[3].dependsOn: step \"d\" depends on \"bb\", which is not a step here (did you mean \"b\"?)\n\
         spec.workflow.steps[0].dependsOn: dependency cycle: a -> c -> b -> a"
    );
}

#[test]
fn overrides_apply_in_the_steps_order() {
    let policies = "    - {name: one, type: override, properties: {components: [{name: db, properties: {image: pg:15}}]}}\n    - {name: two, type: override, properties: {components: [{name: db, properties: {image: pg:16}}]}}\n";
    let run = |order: &str| {
        let wf = format!(
            "  workflow:\n    steps:\n      - {{name: go, type: deploy, properties: {{policies: [{order}]}}}}\n"
        );
        place(policies, &wf, &two()).unwrap().join("\n")
    };
    assert!(run("one, two").contains("db(worker){\"image\":\"pg:16\"}"));
    assert!(run("two, one").contains("db(worker){\"image\":\"pg:15\"}"));
}
