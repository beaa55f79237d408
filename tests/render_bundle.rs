//! `velac render -o DIR`: the bundle tree, its index, determinism, and
//! nothing half-written when rendering fails.

use std::path::{Path, PathBuf};

#[path = "support/offline.rs"]
mod offline;
use offline::velac;

fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().display().to_string();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

fn temp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("velac-bundle-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn bundle_tree_index_and_determinism() {
    let out = temp("a");
    let o = out.display().to_string();
    let r = velac(&["render", "examples/webapp/app.yaml", "-o", &o]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let files = tree(&out);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "index.json",
            "local/shop/deployment.frontend.yaml",
            "local/shop/deployment.orders-worker.yaml",
            "local/shop/service.frontend.yaml",
        ]
    );
    let index: serde_json::Value = serde_json::from_slice(&files[0].1).unwrap();
    let first = &index["objects"][0];
    assert_eq!(first["path"], "local/shop/deployment.frontend.yaml");
    assert_eq!(first["component"], "frontend");
    assert_eq!(first["trait"], serde_json::Value::Null);
    assert_eq!(index["objects"][1]["outputName"], "webserviceExpose");
    // Same inputs, byte-identical bundle.
    let again = temp("b");
    let a = again.display().to_string();
    assert!(
        velac(&["render", "examples/webapp/app.yaml", "-o", &a])
            .status
            .success()
    );
    assert_eq!(tree(&again), files);
    // Each file is the object as `render` prints it.
    let stdout = velac(&["render", "examples/webapp/app.yaml"]).stdout;
    let text = String::from_utf8(stdout).unwrap();
    let deploy = String::from_utf8(files[1].1.clone()).unwrap();
    assert!(text.contains(&deploy));
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&again);
}

#[test]
fn failures_write_nothing_and_foreign_directories_are_kept() {
    let dir = temp("c");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: x}\nspec:\n  components:\n    - {name: a, type: webservice, properties: {image: nginx}}\n    - {name: b, type: nope}\n",
    )
    .unwrap();
    let out = dir.join("out");
    let r = velac(&[
        "render",
        &bad.display().to_string(),
        "-o",
        &out.display().to_string(),
    ]);
    assert_eq!(r.status.code(), Some(1));
    assert!(!out.exists(), "a failed render leaves no bundle");
    // A directory that is not a bundle is not replaced.
    let foreign = dir.join("mine");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "keep").unwrap();
    let r = velac(&[
        "render",
        "examples/webapp/app.yaml",
        "-o",
        &foreign.display().to_string(),
    ]);
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stderr).contains("refusing to replace"));
    assert_eq!(
        std::fs::read_to_string(foreign.join("notes.txt")).unwrap(),
        "keep"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn json_output_has_provenance() {
    let r = velac(&["render", "examples/webapp/app.yaml", "--output", "json"]);
    assert!(r.status.success());
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let objs = v["objects"].as_array().unwrap();
    assert_eq!(objs.len(), 3);
    for o in objs {
        for k in [
            "cluster",
            "namespace",
            "env",
            "step",
            "component",
            "trait",
            "outputName",
            "object",
        ] {
            assert!(o.get(k).is_some(), "{k} missing in {o}");
        }
    }
    assert_eq!(objs[0]["cluster"], "local");
    assert_eq!(objs[0]["object"]["kind"], "Deployment");
}
