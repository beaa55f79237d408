//! One evaluation serves every placement that would evaluate a component
//! alike (`src/render/share.rs`). What must hold: a template that reads
//! something of its target (`context.cluster`, `context.clusterVersion`, the
//! whole `context`) still sees each cluster's own value, an override still
//! changes only its cluster, and a render that shares gives, cluster by
//! cluster, the objects of renders that have nothing to share.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

const COMPONENT: &str = r#"
probe: {
    type: "component"
    description: "A ConfigMap naming where it runs."
    attributes: workload: definition: {apiVersion: "v1", kind: "ConfigMap"}
}
template: {
    output: {
        apiVersion: "v1"
        kind:       "ConfigMap"
        data: {
            greeting: parameter.greeting
            cluster:  context.cluster
        }
    }
    parameter: greeting: string
}
"#;

const PLAIN: &str = r#"
plain: {
    type: "component"
    description: "A ConfigMap that reads nothing of its target."
    attributes: workload: definition: {apiVersion: "v1", kind: "ConfigMap"}
}
template: {
    output: {
        apiVersion: "v1"
        kind:       "ConfigMap"
        data: greeting: parameter.greeting
    }
    parameter: greeting: string
}
"#;

const VERSIONED: &str = r#"
versioned: {
    type: "trait"
    description: "Labels the workload with the cluster's minor version."
    attributes: appliesToWorkloads: ["*"]
}
template: {
    patch: metadata: labels: minor: "\(context.clusterVersion.minor)"
}
"#;

const WHOLE: &str = r#"
import "encoding/json"

whole: {
    type: "trait"
    description: "Records the whole context's cluster through a value, not a field."
    attributes: appliesToWorkloads: ["*"]
}
template: {
    let c = context
    patch: metadata: annotations: seen: json.Marshal({cluster: c.cluster})
}
"#;

const APP: &str = r#"
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: share, namespace: demo}
spec:
  components:
    - name: where
      type: probe
      properties: {greeting: hi}
      traits:
        - type: versioned
    - name: same
      type: plain
      properties: {greeting: hello}
      traits:
        - type: whole
    - name: quiet
      type: plain
      properties: {greeting: hey}
  policies:
    - name: three
      type: topology
      properties: {clusters: [east, west, north]}
    - name: louder
      type: override
      properties:
        components:
          - name: quiet
            properties: {greeting: HEY}
    - name: west-only
      type: topology
      properties: {clusters: [west]}
  workflow:
    steps:
      - name: all
        type: deploy
        properties: {policies: [three]}
      - name: west
        type: deploy
        properties: {policies: [west-only, louder]}
"#;

const CLUSTERS: &str = r#"
- {name: east, endpoint: "https://10.0.0.1:6443", kubeVersion: "1.28"}
- {name: west, endpoint: "https://10.0.0.2:6443", kubeVersion: "1.30"}
- {name: north, endpoint: "https://10.0.0.3:6443", kubeVersion: "1.30"}
"#;

fn setup() -> std::path::PathBuf {
    // One directory per test: they run at once.
    let dir = std::env::temp_dir().join(format!(
        "velac-render-share-{}-{}",
        std::process::id(),
        std::thread::current()
            .name()
            .unwrap_or("t")
            .replace("::", "-")
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("defs")).unwrap();
    for (name, text) in [
        ("probe.cue", COMPONENT),
        ("plain.cue", PLAIN),
        ("versioned.cue", VERSIONED),
        ("whole.cue", WHOLE),
    ] {
        std::fs::write(dir.join("defs").join(name), text).unwrap();
    }
    std::fs::write(dir.join("app.yaml"), APP).unwrap();
    std::fs::write(dir.join("clusters.yaml"), CLUSTERS).unwrap();
    dir
}

fn velac(dir: &Path, args: &[&str]) -> Value {
    let mut all: Vec<&str> = args.to_vec();
    all.extend([
        "app.yaml",
        "-d",
        "defs",
        "--clusters",
        "clusters.yaml",
        "--output",
        "json",
    ]);
    let out = Command::new(env!("CARGO_BIN_EXE_velac"))
        .args(&all)
        .env("VELAC_HOME", dir.join("home"))
        .env_remove("VELAC_HUB")
        .current_dir(dir)
        .output()
        .expect("velac runs");
    assert!(
        out.status.success(),
        "velac {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `(cluster, step, component) → object`, from `render --output json`.
fn objects(j: &Value) -> Vec<((String, String, String), Value)> {
    let mut v: Vec<_> = j["objects"]
        .as_array()
        .expect("a list of objects")
        .iter()
        .map(|o| {
            let s = |x: &Value| x.as_str().unwrap_or_default().to_string();
            (
                (s(&o["cluster"]), s(&o["step"]), s(&o["component"])),
                o["object"].clone(),
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn find<'a>(
    objs: &'a [((String, String, String), Value)],
    c: &str,
    s: &str,
    comp: &str,
) -> &'a Value {
    &objs
        .iter()
        .find(|(k, _)| k.0 == c && k.1 == s && k.2 == comp)
        .unwrap_or_else(|| panic!("no {comp} on {c} in step {s}"))
        .1
}

#[test]
fn shared_renders_keep_what_each_target_reads() {
    let dir = setup();
    let rendered = velac(&dir, &["render"]);
    let objs = objects(&rendered);
    assert_eq!(
        objs.len(),
        3 * 3 + 3,
        "three components on three clusters, three on west"
    );
    for (cluster, minor) in [("east", "28"), ("west", "30"), ("north", "30")] {
        let w = find(&objs, cluster, "all", "where");
        assert_eq!(w["data"]["cluster"], cluster);
        assert_eq!(w["metadata"]["labels"]["minor"], minor);
        let s = find(&objs, cluster, "all", "same");
        assert_eq!(
            s["metadata"]["annotations"]["seen"],
            format!("{{\"cluster\":\"{cluster}\"}}")
        );
        assert_eq!(
            find(&objs, cluster, "all", "quiet")["data"]["greeting"],
            "hey"
        );
    }
    // The override applies in its step only, though the cluster is the same.
    assert_eq!(
        find(&objs, "west", "west", "quiet")["data"]["greeting"],
        "HEY"
    );
    assert_eq!(
        find(&objs, "west", "west", "where")["data"]["cluster"],
        "west"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sharing_changes_no_object() {
    // Each cluster rendered by an application placing on it alone (nothing
    // to share across clusters) gives the objects the three-cluster render
    // gave for it.
    let dir = setup();
    let together = objects(&velac(&dir, &["render"]));
    for cluster in ["east", "west", "north"] {
        let alone_app = APP.replace("[east, west, north]", &format!("[{cluster}]"));
        std::fs::write(dir.join("app.yaml"), alone_app).unwrap();
        let on = |objs: &[((String, String, String), Value)]| -> Vec<_> {
            objs.iter()
                .filter(|(k, _)| k.0 == cluster)
                .cloned()
                .collect()
        };
        let alone = objects(&velac(&dir, &["render"]));
        assert_eq!(on(&together), on(&alone), "objects on {cluster}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
