//! `velac plan`: the multi-cluster scenario's plan as an insta snapshot, byte-identical
//! reruns, and plan directories that are never confused with anything else.

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[path = "support/offline.rs"]
mod offline;
use offline::velac;

fn temp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("velac-plan-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn plan(out: &Path) -> std::process::Output {
    velac(&[
        "plan",
        "examples/multicluster/app.yaml",
        "--clusters",
        "examples/multicluster/clusters.yaml",
        "-o",
        &out.display().to_string(),
    ])
}

#[test]
fn scenario_plan_is_a_snapshot_and_deterministic() {
    let (a, b) = (temp("a"), temp("b"));
    let r = plan(&a);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(plan(&b).status.success());
    let text = std::fs::read_to_string(a.join("plan.json")).expect("plan.json");
    assert_eq!(
        text,
        std::fs::read_to_string(b.join("plan.json")).unwrap(),
        "same inputs, same bytes"
    );
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v["formatVersion"], 1);
    assert_eq!(v["revision"]["name"], "example-app-v1");
    assert_eq!(v["mode"]["steps"], "StepByStep");
    let steps: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["deploy-staging", "manual-approval", "deploy-prod"]);
    let objs = |i: usize| {
        v["steps"][i]["placements"][0]["objects"]
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!((objs(0), objs(1), objs(2)), (1, 0, 2));
    assert_eq!(v["steps"][2]["placements"][0]["cluster"], "cluster-prod");
    // Every object the plan names is in the bundle, with the digest of what is there.
    for s in v["steps"].as_array().unwrap() {
        for p in s["placements"].as_array().into_iter().flatten() {
            for o in p["objects"].as_array().unwrap() {
                assert!(a.join(o["path"].as_str().unwrap()).is_file(), "{o}");
            }
        }
    }
    // The plan itself, reviewed as an insta snapshot (`cargo insta review`).
    insta::with_settings!({description => "velac plan examples/multicluster/app.yaml --clusters examples/multicluster/clusters.yaml", omit_expression => true}, {
        insta::assert_snapshot!("multicluster_plan", text);
    });
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn plan_directories_are_only_replaced_by_plans() {
    let d = temp("c");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("notes.txt"), "mine").unwrap();
    let r = plan(&d);
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stderr).contains("refusing to replace"));
    let _ = std::fs::remove_dir_all(&d);
    // A changed input changes the inputs digest and the revision hash.
    let e = temp("e");
    let app = e.join("app.yaml");
    std::fs::create_dir_all(&e).unwrap();
    let text =
        std::fs::read_to_string(Path::new(ROOT).join("examples/multicluster/app.yaml")).unwrap();
    std::fs::write(&app, text.replace("replicas: 3", "replicas: 4")).unwrap();
    let out = e.join("plan");
    let r = velac(&[
        "plan",
        &app.display().to_string(),
        "--clusters",
        "examples/multicluster/clusters.yaml",
        "-o",
        &out.display().to_string(),
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let changed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    // The scenario's own plan, the snapshot's.
    let base = temp("base");
    assert!(plan(&base).status.success());
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(base.join("plan.json")).unwrap()).unwrap();
    let _ = std::fs::remove_dir_all(&base);
    assert_ne!(changed["inputsDigest"], golden["inputsDigest"]);
    assert_ne!(changed["revision"]["hash"], golden["revision"]["hash"]);
    assert_eq!(
        changed["steps"][0], golden["steps"][0],
        "staging is unchanged"
    );
    let _ = std::fs::remove_dir_all(&e);
}

#[cfg(unix)]
#[test]
fn a_plan_holding_a_secret_is_its_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp("secret");
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
            stringData: {password: hunter2}
",
    )
    .unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let out = dir.join("plan");
    let o = velac(&["plan", app.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(mode(&out), 0o700);
    assert_eq!(mode(&out.join("plan.json")), 0o600);
    assert_eq!(mode(&out.join("local/default/secret.creds.yaml")), 0o600);
    assert_eq!(mode(&out.join("local/default")), 0o700);
    // render -o of the same bundle, likewise.
    let bundle = dir.join("bundle");
    let o = velac(&[
        "render",
        app.to_str().unwrap(),
        "-o",
        bundle.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert_eq!(mode(&bundle), 0o700);
    assert_eq!(mode(&bundle.join("local/default/secret.creds.yaml")), 0o600);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Secret values and what definitions mark `+sensitive` are kept out of
/// plan.json (digests stand for them) and in the owner-only
/// sensitive.json; reading the plan puts them back, checked.
#[cfg(unix)]
#[test]
fn plan_json_never_repeats_secret_values() {
    use std::os::unix::fs::PermissionsExt;
    use velac::plan::read::PlanDir;
    let dir = temp("sensitive");
    let app = Path::new(ROOT).join("tests/plan/secrets.yaml");
    let out = dir.join("plan");
    let plan_to = |out: &Path, app: &Path| {
        let o = velac(&["plan", app.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    plan_to(&out, &app);
    let secrets = [
        "hunter2-very-secret",
        "private-key-material",
        "step-token-value",
        "hook-secret",
    ];
    let text = std::fs::read_to_string(out.join("plan.json")).unwrap();
    for s in secrets {
        assert!(!text.contains(s), "plan.json repeats {s}");
    }
    let kept = std::fs::read_to_string(out.join("sensitive.json")).unwrap();
    for s in secrets {
        assert!(kept.contains(s), "sensitive.json lacks {s}");
    }
    // What is not sensitive stays readable for review.
    assert!(text.contains("\"image\": \"nginx:1.25\""));
    assert!(text.contains("\"secretName\": \"copy\""));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&out), 0o700);
    assert_eq!(mode(&out.join("sensitive.json")), 0o600);

    // The applier reads the values back: services, steps, the Application.
    let p = PlanDir::read(&out).unwrap();
    let deploy = &p.plan.steps[0];
    let db = deploy.placements[0]
        .services
        .iter()
        .find(|s| s.name == "db-creds")
        .unwrap();
    assert_eq!(
        db.properties["objects"][0]["stringData"]["password"],
        "hunter2-very-secret"
    );
    assert_eq!(
        p.plan.steps[1].properties["data"]["token"],
        "step-token-value"
    );
    assert_eq!(
        p.plan.application.object["spec"]["workflow"]["steps"][2]["properties"]["url"]["value"],
        "https://hooks.example.com/T0/B0/hook-secret"
    );

    // Planned twice, the same bytes; diffed, nothing changes.
    let again = dir.join("again");
    plan_to(&again, &app);
    for f in ["plan.json", "sensitive.json"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(again.join(f)).unwrap(),
            "{f} differs between two plans"
        );
    }
    let same = velac(&["diff", out.to_str().unwrap(), again.to_str().unwrap()]);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stdout)
    );
    // A changed secret shows as a change, never as the value.
    let changed_app = dir.join("changed.yaml");
    std::fs::write(
        &changed_app,
        std::fs::read_to_string(&app)
            .unwrap()
            .replace("step-token-value", "rotated-token-value"),
    )
    .unwrap();
    let changed = dir.join("changed");
    plan_to(&changed, &changed_app);
    let d = velac(&["diff", out.to_str().unwrap(), changed.to_str().unwrap()]);
    let report = String::from_utf8_lossy(&d.stdout);
    assert_eq!(d.status.code(), Some(1), "{report}");
    assert!(report.contains("step export (properties)"), "{report}");
    assert!(!report.contains("token-value"), "{report}");

    // Without sensitive.json, or with a value changed in it, the plan is refused.
    let kept_path = changed.join("sensitive.json");
    std::fs::write(&kept_path, kept.replace("step-token-value", "forged-value")).unwrap();
    let e = PlanDir::read(&changed)
        .err()
        .expect("a forged value is refused");
    assert!(
        e.to_string().contains("changed since it was planned"),
        "{e}"
    );
    std::fs::remove_file(&kept_path).unwrap();
    let e = PlanDir::read(&changed)
        .err()
        .expect("a missing sensitive.json is refused");
    assert!(e.to_string().contains("is not in sensitive.json"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
