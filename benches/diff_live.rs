//! `velac diff --live` against `kubectl diff --server-side` on the same
//! objects: 500 ConfigMaps on each of two clusters, applied by velac, then
//! one changed on each; both tools find the two changes with server-side
//! apply dry runs (same field manager, same bodies), timed by hyperfine in
//! one run, with peak memory from `/usr/bin/time -v`.
//!
//! Real API servers when `VELAC_BENCH_KUBECONFIG` names a kubeconfig with
//! contexts `cluster-staging` and `cluster-prod` (the objects go to a
//! namespace of their own, deleted afterwards); otherwise the tests'
//! in-process fake API servers.
//!
//! `cargo bench --bench diff_live` (needs hyperfine, kubectl and
//! /usr/bin/time: `apt-get install hyperfine kubectl time`).

#[path = "../tests/support/fake_apiserver/mod.rs"]
#[allow(missing_docs)]
mod fake_apiserver;
#[path = "support/tools.rs"]
mod tools;

use fake_apiserver::{FakeApiServer, kubeconfig_yaml};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use tools::{have, peak_rss_mb, run};

const COMPONENTS: usize = 50;
const PER_COMPONENT: usize = 10;
const CLUSTERS: [&str; 2] = ["cluster-staging", "cluster-prod"];
const NAMESPACE: &str = "velac-bench-diff";

fn app() -> String {
    let mut s = format!(
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: bench\n  namespace: {NAMESPACE}\nspec:\n  components:\n"
    );
    for i in 0..COMPONENTS {
        s.push_str(&format!(
            "    - name: part-{i:02}\n      type: k8s-objects\n      properties:\n        objects:\n"
        ));
        for j in 0..PER_COMPONENT {
            s.push_str(&format!(
                "          - apiVersion: v1\n            kind: ConfigMap\n            metadata: {{name: cm-{i:02}-{j}}}\n            data: {{index: \"{i}-{j}\", mode: fast}}\n"
            ));
        }
    }
    s.push_str("  policies:\n    - name: both\n      type: topology\n      properties:\n        clusters: [cluster-staging, cluster-prod]\n");
    s.push_str("  workflow:\n    steps:\n      - name: deploy\n        type: deploy\n        properties:\n          policies: [both]\n          parallelism: 10\n");
    s
}

/// kubectl's input: the plan's objects as velac sends them (with the
/// ApplySet membership label velac adds), one JSON file each.
fn kubectl_inputs(dir: &Path, applyset: &str) {
    for c in CLUSTERS {
        let out = dir.join("kubectl-input").join(c);
        std::fs::create_dir_all(&out).unwrap();
        let src = dir.join("plan").join(c).join(NAMESPACE);
        for e in std::fs::read_dir(&src).unwrap().flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap();
            let mut obj: Value = serde_saphyr::from_str(&text).unwrap();
            obj["metadata"]["labels"]["applyset.kubernetes.io/part-of"] = json!(applyset);
            let name = e.file_name().to_string_lossy().replace(".yaml", ".json");
            std::fs::write(out.join(name), serde_json::to_string(&obj).unwrap()).unwrap();
        }
    }
}

fn main() {
    for tool in ["hyperfine", "kubectl", "/usr/bin/time"] {
        if !have(tool) {
            eprintln!(
                "diff_live: skipped: {tool} is missing (apt-get install hyperfine kubectl time)"
            );
            return;
        }
    }
    let velac = env!("CARGO_BIN_EXE_velac");
    let dir = std::env::temp_dir().join(format!("velac-diff-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // Per cluster: `--kubeconfig K [--context C]` for kubectl.
    let mut servers: Vec<FakeApiServer> = Vec::new();
    let mut access: Vec<String> = Vec::new();
    let real = std::env::var("VELAC_BENCH_KUBECONFIG").ok();
    match &real {
        Some(kc) => {
            eprintln!("diff_live: against the real API servers of {kc}");
            for c in CLUSTERS {
                run(Command::new(velac)
                    .args(["cluster", "join", kc, "--context", c, "--name", c])
                    .env("VELAC_HOME", "home")
                    .current_dir(&dir));
                access.push(format!("--kubeconfig {kc} --context {c}"));
            }
        }
        None => {
            eprintln!(
                "diff_live: against in-process fake API servers (set VELAC_BENCH_KUBECONFIG for real ones)"
            );
            for c in CLUSTERS {
                let s = FakeApiServer::start();
                let kc = format!("{c}.kubeconfig");
                std::fs::write(dir.join(&kc), kubeconfig_yaml(&[(c, &s.url())])).unwrap();
                run(Command::new(velac)
                    .args(["cluster", "join", &kc, "--name", c])
                    .env("VELAC_HOME", "home")
                    .current_dir(&dir));
                access.push(format!("--kubeconfig {kc}"));
                servers.push(s);
            }
        }
    }
    std::fs::write(dir.join("app.yaml"), app()).unwrap();
    eprint!(
        "{}",
        run(Command::new(velac)
            .args(["plan", "app.yaml", "-o", "plan"])
            .env("VELAC_HOME", "home")
            .current_dir(&dir))
    );
    run(Command::new(velac)
        .args(["apply", "plan", "--yes", "--poll", "100ms"])
        .env("VELAC_HOME", "home")
        .current_dir(&dir));
    let applyset = run(Command::new("sh")
        .arg("-c")
        .arg(format!(
            "kubectl {} -n {NAMESPACE} get configmap cm-00-0 -o jsonpath='{{.metadata.labels.applyset\\.kubernetes\\.io/part-of}}'",
            access[0]
        ))
        .current_dir(&dir));
    kubectl_inputs(&dir, &applyset);
    // One object changed on each cluster, by velac's own field manager (so
    // neither tool meets a conflict).
    for (i, (c, a)) in CLUSTERS.iter().zip(&access).enumerate() {
        let f = dir.join(format!("kubectl-input/{c}/configmap.cm-0{i}-{i}.json"));
        let mut obj: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        obj["data"]["mode"] = json!("slow");
        let changed = dir.join(format!("changed-{c}.json"));
        std::fs::write(&changed, obj.to_string()).unwrap();
        run(Command::new("sh")
            .arg("-c")
            .arg(format!(
                "kubectl {a} apply --server-side --validate=false --field-manager velac -f {}",
                changed.display()
            ))
            .current_dir(&dir));
    }
    // Both exit 1 (something would change).
    let velac_cmd = format!(
        "VELAC_HOME=home KUBECONFIG=none {velac} diff --live plan --output json >/dev/null; test $? -eq 1"
    );
    let kubectl_one = |i: usize| {
        format!(
            "kubectl {} diff --server-side --field-manager velac -R -f kubectl-input/{} >/dev/null; test $? -eq 1",
            access[i], CLUSTERS[i]
        )
    };
    // kubectl once per cluster, both at once (velac does clusters in parallel too).
    let kubectl_cmd = format!(
        "({}) & a=$!; ({}) & b=$!; wait $a && wait $b",
        kubectl_one(0),
        kubectl_one(1)
    );
    // Both find the same two changes.
    let o = Command::new(velac)
        .args(["diff", "--live", "plan", "--output", "json"])
        .env("VELAC_HOME", "home")
        .env("KUBECONFIG", "none")
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let changed: Vec<&str> = report["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    eprintln!("velac diff --live: {changed:?}");
    assert_eq!(changed.len(), 2, "{report:#}");
    for (i, cluster) in CLUSTERS.iter().enumerate() {
        let o = Command::new("sh")
            .arg("-c")
            .arg(kubectl_one(i).replace(">/dev/null; test $? -eq 1", ""))
            .current_dir(&dir)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        let files = out.lines().filter(|l| l.starts_with("+++ ")).count();
        eprintln!("kubectl diff --server-side on {cluster}: {files} object(s) differ");
        assert_eq!(files, 1, "{out}{}", String::from_utf8_lossy(&o.stderr));
    }
    let status = Command::new("hyperfine")
        .args(["--warmup", "1", "--runs", "10"])
        .arg("--shell=sh")
        .args([
            "--command-name",
            "velac diff --live (500 ConfigMaps x 2 clusters)",
            &velac_cmd,
        ])
        .args([
            "--command-name",
            "kubectl diff --server-side (same objects)",
            &kubectl_cmd,
        ])
        .args(["--export-markdown", "diff-live.md"])
        .current_dir(&dir)
        .status()
        .expect("hyperfine runs");
    assert!(status.success());
    println!(
        "{}",
        std::fs::read_to_string(dir.join("diff-live.md")).unwrap_or_default()
    );
    for (tool, cmd) in [("velac", &velac_cmd), ("kubectl", &kubectl_cmd)] {
        servers.iter().for_each(FakeApiServer::clear_requests);
        let rss = peak_rss_mb(&dir, cmd);
        let mut by_method: std::collections::BTreeMap<String, usize> = Default::default();
        for s in &servers {
            for r in s.requests() {
                *by_method.entry(r.method).or_default() += 1;
            }
        }
        if servers.is_empty() {
            println!("{tool}: peak RSS {rss}");
        } else {
            println!("{tool}: peak RSS {rss}; requests to both clusters: {by_method:?}");
        }
    }
    if real.is_some() {
        for a in &access {
            let _ = Command::new("sh")
                .arg("-c")
                .arg(format!(
                    "kubectl {a} delete namespace {NAMESPACE} --wait=false"
                ))
                .output();
        }
    }
    drop(servers);
    let _ = std::fs::remove_dir_all(&dir);
}
