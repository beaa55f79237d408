//! `velac explain`: goldens for the bundled examples and a test application
//! (an env-binding patch, an override policy, a `+patchKey` trait, a
//! `jsonMergePatch` trait, template defaults, OAM labels), the rules a
//! reviewer relies on, and a sweep over every application in `examples/`
//! and `tests/`: every rendered leaf has a position on a real line of a
//! real file.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CLUSTERS: &str = "examples/multicluster/clusters.yaml";

fn velac(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_velac"))
        .args(args)
        .env(
            "VELAC_HOME",
            std::env::temp_dir().join("velac-explain-no-home"),
        )
        .env_remove("VELAC_HUB")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("velac runs")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\n{}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn explain_json(args: &[&str]) -> Value {
    let mut all = vec!["explain"];
    all.extend(args);
    all.extend(["--output", "json"]);
    serde_json::from_str(&ok(&velac(&all))).unwrap()
}

/// The fields of the objects of `component` on `cluster`, by path.
fn fields<'a>(j: &'a Value, component: &str, cluster: &str, kind: &str) -> Vec<&'a Value> {
    j["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["component"] == component && o["cluster"] == cluster && o["kind"] == kind)
        .flat_map(|o| o["fields"].as_array().unwrap())
        .collect()
}

fn field<'a>(fs: &[&'a Value], path: &str) -> &'a Value {
    fs.iter()
        .copied()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no field {path}"))
}

#[test]
fn goldens_for_the_examples() {
    insta::assert_snapshot!(
        "explain_webapp",
        ok(&velac(&["explain", "examples/webapp/app.yaml"]))
    );
    insta::assert_snapshot!(
        "explain_multicluster_env_binding",
        ok(&velac(&[
            "explain",
            "examples/multicluster/app.yaml",
            "--clusters",
            CLUSTERS
        ]))
    );
    insta::assert_snapshot!(
        "explain_override_patchkey_merge_patch",
        ok(&velac(&[
            "explain",
            "tests/explain/override.yaml",
            "--clusters",
            CLUSTERS,
            "--cluster",
            "cluster-prod"
        ]))
    );
}

#[test]
fn env_patches_and_overrides_name_their_own_lines() {
    let app = "examples/multicluster/app.yaml";
    let text = std::fs::read_to_string(app).unwrap();
    let line_of = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .unwrap()
    };
    let j = explain_json(&[app, "--clusters", CLUSTERS]);
    // Prod's replicas come from the env patch, not the base trait.
    let prod = field(
        &fields(&j, "hello-world-server", "cluster-prod", "Deployment"),
        "spec.replicas",
    );
    assert_eq!(prod["value"], 3);
    assert_eq!(prod["setBy"], "policy example-multi-env-policy");
    let first = prod["from"][0].as_str().unwrap();
    assert_eq!(
        first,
        format!("{app}:{}:35", line_of("replicas: 3")),
        "{prod}"
    );
    assert!(
        !prod["from"].as_array().unwrap().iter().any(|p| p
            .as_str()
            .unwrap()
            .starts_with(&format!("{app}:{}:", line_of("replicas: 1")))),
        "the base line is not a reason: {prod}"
    );
    let staging = field(
        &fields(&j, "hello-world-server", "cluster-staging", "Deployment"),
        "spec.replicas",
    );
    assert_eq!(staging["setBy"], "trait scaler");
    assert_eq!(
        staging["from"][0],
        format!("{app}:{}:23", line_of("replicas: 1"))
    );

    // An override policy's image: its line first, then the template's.
    let app = "tests/explain/override.yaml";
    let j = explain_json(&[app, "--clusters", CLUSTERS]);
    let objs = j["objects"].as_array().unwrap();
    let prod_step = objs
        .iter()
        .find(|o| {
            o["cluster"] == "cluster-prod"
                && o["kind"] == "Deployment"
                && o["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["value"] == "nginx:1.27")
        })
        .expect("the overridden Deployment");
    let image = prod_step["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "spec.template.spec.containers[0].image")
        .unwrap();
    assert_eq!(image["setBy"], "policy prod-image");
    assert!(
        image["from"][0]
            .as_str()
            .unwrap()
            .starts_with("tests/explain/override.yaml:43:"),
        "{image}"
    );
    assert!(
        image["from"][1]
            .as_str()
            .unwrap()
            .starts_with("definitions/component/webservice.cue:"),
        "{image}"
    );

    // OAM labels are oam's; template constants point into the definition;
    // a trait's keyed patch and a JSON merge patch are the traits'.
    let fs: Vec<&Value> = prod_step["fields"].as_array().unwrap().iter().collect();
    for p in [
        "metadata.labels.\"app.oam.dev/name\"",
        "metadata.labels.\"app.oam.dev/component\"",
        "metadata.labels.\"app.oam.dev/appRevision\"",
    ] {
        assert_eq!(field(&fs, p)["setBy"], "oam", "{p}");
    }
    let kind = field(&fs, "kind");
    assert_eq!(kind["setBy"], "component webservice");
    assert!(
        kind["from"][0]
            .as_str()
            .unwrap()
            .starts_with("definitions/component/webservice.cue:")
    );
    let protocol = field(&fs, "spec.template.spec.containers[0].ports[0].protocol");
    assert_eq!(protocol["value"], "TCP");
    assert!(
        protocol["from"][0]
            .as_str()
            .unwrap()
            .starts_with("definitions/component/webservice.cue:")
    );
    let extra = field(&fs, "spec.template.spec.containers[0].env[1].value");
    assert_eq!(extra["setBy"], "trait env");
    assert!(
        extra["from"][0]
            .as_str()
            .unwrap()
            .starts_with("tests/explain/override.yaml:24:"),
        "{extra}"
    );
    let merged = field(&fs, "spec.revisionHistoryLimit");
    assert_eq!(merged["setBy"], "trait json-merge-patch");
    assert!(
        merged["from"][0]
            .as_str()
            .unwrap()
            .starts_with("tests/explain/override.yaml:28:"),
        "{merged}"
    );
}

#[test]
fn narrowing_and_unknown_names() {
    let one = ok(&velac(&[
        "explain",
        "examples/webapp/app.yaml",
        "--component",
        "frontend",
        "--field",
        "spec.replicas",
    ]));
    assert_eq!(
        one.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .count(),
        1,
        "{one}"
    );
    assert!(
        one.contains("spec.replicas: 3  ← trait scaler, examples/webapp/app.yaml:"),
        "{one}"
    );
    let o = velac(&[
        "explain",
        "examples/webapp/app.yaml",
        "--component",
        "frontnd",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("no component \"frontnd\" (did you mean \"frontend\"?)"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = velac(&[
        "explain",
        "examples/webapp/app.yaml",
        "--field",
        "spec.replica",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("did you mean \"spec.replicas\"?"));
    let o = velac(&["explain", "examples/webapp/app.yaml", "--cluster", "prod"]);
    assert_eq!(o.status.code(), Some(1));
}

/// Every application file the repository holds (examples, CLI cases,
/// compat apps), with the cluster list it needs.
fn applications(scratch: &Path) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["examples", "tests/compat/apps", "tests/explain"] {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "yaml")
                    && std::fs::read_to_string(&p).is_ok_and(|t| t.contains("kind: Application"))
                {
                    out.push(p);
                }
            }
        }
    }
    // The CLI cases hold their applications inline.
    for e in std::fs::read_dir(root.join("tests/cli")).unwrap().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap();
        if let Some(rest) = text.split("-- app.yaml --\n").nth(1) {
            let app = rest.split("\n-- ").next().unwrap();
            if app.contains("kind: Application") {
                let f = scratch.join(format!(
                    "{}.yaml",
                    e.path().file_stem().unwrap().to_string_lossy()
                ));
                std::fs::write(&f, app).unwrap();
                out.push(f);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_rendered_leaf_has_a_real_position() {
    let scratch = std::env::temp_dir().join(format!("velac-explain-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (mut apps, mut leaves) = (0, 0);
    for app in applications(&scratch) {
        let a = app.to_str().unwrap();
        let o = velac(&["explain", a, "--clusters", CLUSTERS, "--output", "json"]);
        if !o.status.success() {
            // Applications that are meant to fail (error cases) fail alike
            // in render; they have nothing to explain.
            let r = velac(&["render", a, "--clusters", CLUSTERS]);
            assert!(
                !r.status.success(),
                "{a}: explain failed where render did not: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            continue;
        }
        apps += 1;
        let j: Value = serde_json::from_slice(&o.stdout).unwrap();
        let rendered = velac(&["render", a, "--clusters", CLUSTERS, "--output", "json"]);
        let r: Value = serde_json::from_slice(&rendered.stdout).unwrap();
        assert_eq!(
            j["objects"].as_array().unwrap().len(),
            r["objects"].as_array().unwrap().len(),
            "{a}: explain covers what render renders"
        );
        for obj in j["objects"].as_array().unwrap() {
            for f in obj["fields"].as_array().unwrap() {
                leaves += 1;
                let from = f["from"].as_array().unwrap();
                assert!(!from.is_empty(), "{a}: {} has no position", f["path"]);
                for p in from {
                    let p = p.as_str().unwrap();
                    let mut parts = p.rsplitn(3, ':');
                    let (col, line, file) = (
                        parts.next().unwrap(),
                        parts.next().unwrap(),
                        parts.next().unwrap(),
                    );
                    let (line, col): (usize, usize) = (line.parse().unwrap(), col.parse().unwrap());
                    let path = if Path::new(file).is_absolute() {
                        PathBuf::from(file)
                    } else {
                        root.join(file)
                    };
                    let text = std::fs::read_to_string(&path)
                        .unwrap_or_else(|e| panic!("{a}: {} points at {p}: {e}", f["path"]));
                    let l = text
                        .lines()
                        .nth(line - 1)
                        .unwrap_or_else(|| panic!("{a}: {p}: no such line"));
                    assert!(
                        col >= 1 && col <= l.chars().count() + 1,
                        "{a}: {p}: no such column"
                    );
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(
        apps >= 40 && leaves > 2000,
        "{apps} applications, {leaves} leaves"
    );
    eprintln!("explain: {apps} applications, {leaves} leaves, every one with a real position");
}

#[test]
fn secret_values_are_never_shown() {
    let dir = std::env::temp_dir().join(format!("velac-explain-secret-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let app = dir.join("app.yaml");
    std::fs::write(
        &app,
        "apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: s
spec:
  components:
    - name: creds
      type: k8s-objects
      properties:
        objects:
          - apiVersion: v1
            kind: Secret
            metadata: {name: creds}
            stringData: {password: hunter2-plain}
            data: {token: aHVudGVyMi1iNjQ=}
",
    )
    .unwrap();
    for format in ["text", "json"] {
        let out = ok(&velac(&[
            "explain",
            app.to_str().unwrap(),
            "--output",
            format,
        ]));
        assert!(
            !out.contains("hunter2-plain") && !out.contains("aHVudGVyMi1iNjQ="),
            "{out}"
        );
        assert!(
            out.contains("stringData.password") && out.contains("***"),
            "{out}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
