//! `velac apply` against `kubectl apply --server-side` on the same bundle:
//! 500 objects (125 webservice components with an `expose` trait, placed on
//! two clusters by a topology policy), timed by hyperfine in one run, with
//! peak memory from `/usr/bin/time -v`.
//!
//! The two clusters are the in-process fake API servers of the tests (no
//! real API server can be installed here); both tools talk to them over
//! HTTP the same way. The fakes roll Deployments out at once, so velac's
//! health wait costs one round of reads. Each run starts from a fresh state
//! directory; the objects exist after the first run, so both tools then do
//! no-op server-side applies, as a re-deploy does.
//!
//! `cargo bench --bench apply_compare` (needs hyperfine, kubectl and
//! /usr/bin/time: `apt-get install hyperfine kubectl time`; kubectl is also
//! Debian's `kubernetes-client`). `VELAC_BASELINE=/path/to/other/velac`
//! adds that build to the same run (its own plan of the same application),
//! to see what a change did.

#[path = "../tests/support/fake_apiserver/mod.rs"]
#[allow(missing_docs)]
mod fake_apiserver;
#[path = "support/tools.rs"]
mod tools;

use fake_apiserver::{FakeApiServer, kubeconfig_yaml};
use std::process::Command;
use tools::{have, peak_rss_mb, run};

const COMPONENTS: usize = 125;
const CLUSTERS: [&str; 2] = ["bench-a", "bench-b"];

fn app() -> String {
    let mut s = String::from(
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: bench\n  namespace: default\nspec:\n  components:\n",
    );
    for i in 0..COMPONENTS {
        s.push_str(&format!(
            "    - name: svc-{i:03}\n      type: webservice\n      properties:\n        image: nginx:1.{i}\n        port: 80\n      traits:\n        - type: expose\n          properties:\n            port: [80]\n"
        ));
    }
    s.push_str("  policies:\n    - name: both\n      type: topology\n      properties:\n        clusters: [bench-a, bench-b]\n");
    s.push_str("  workflow:\n    steps:\n      - name: deploy\n        type: deploy\n        properties:\n          policies: [both]\n          parallelism: 10\n");
    s
}

fn main() {
    for tool in ["hyperfine", "kubectl", "/usr/bin/time"] {
        if !have(tool) {
            eprintln!(
                "apply_compare: skipped: {tool} is missing (apt-get install hyperfine kubectl time)"
            );
            return;
        }
    }
    let velac = env!("CARGO_BIN_EXE_velac");
    let dir = std::env::temp_dir().join(format!("velac-apply-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let servers: Vec<FakeApiServer> = CLUSTERS.iter().map(|_| FakeApiServer::start()).collect();
    for (c, s) in CLUSTERS.iter().zip(&servers) {
        s.set_auto_ready(true);
        std::fs::write(
            dir.join(format!("{c}.kubeconfig")),
            kubeconfig_yaml(&[(c, &s.url())]),
        )
        .unwrap();
    }
    std::fs::write(dir.join("app.yaml"), app()).unwrap();
    // A state directory with both clusters joined, copied fresh for each run.
    for c in CLUSTERS {
        run(Command::new(velac)
            .args(["cluster", "join", &format!("{c}.kubeconfig"), "--name", c])
            .env("VELAC_HOME", "home-template")
            .current_dir(&dir));
    }
    let planned = run(Command::new(velac)
        .args(["plan", "app.yaml", "-o", "plan"])
        .env("VELAC_HOME", "home-template")
        .current_dir(&dir));
    eprint!("{planned}");
    let prepare = "rm -rf home && cp -r home-template home";
    let velac_cmd =
        format!("VELAC_HOME=home KUBECONFIG=none {velac} apply plan --yes --poll 50ms >/dev/null");
    let baseline = std::env::var("VELAC_BASELINE").ok().map(|old| {
        run(Command::new(&old)
            .args(["plan", "app.yaml", "-o", "plan-baseline"])
            .env("VELAC_HOME", "home-template")
            .current_dir(&dir));
        format!(
            "VELAC_HOME=home KUBECONFIG=none {old} apply plan-baseline --yes --poll 50ms >/dev/null"
        )
    });
    let kubectl_cmd = CLUSTERS
        .iter()
        .map(|c| format!("kubectl --kubeconfig {c}.kubeconfig apply --server-side --validate=false --field-manager kubectl-bench -R -f plan/{c} >/dev/null"))
        .collect::<Vec<_>>();
    // kubectl once per cluster, both at once (velac does clusters in parallel too).
    let kubectl_cmd = format!(
        "{} & a=$!; {} & b=$!; wait $a && wait $b",
        kubectl_cmd[0], kubectl_cmd[1]
    );
    // Every command must work before it is timed.
    for cmd in [&velac_cmd, &kubectl_cmd]
        .into_iter()
        .chain(baseline.as_ref())
    {
        run(Command::new("sh").args(["-c", prepare]).current_dir(&dir));
        run(Command::new("sh")
            .args(["-c", &cmd.replace(">/dev/null", "")])
            .current_dir(&dir));
    }
    let status = Command::new("hyperfine")
        .args(["--warmup", "1", "--runs", "10", "--prepare", prepare])
        .arg("--shell=sh")
        .args([
            "--command-name",
            "velac apply (500 objects, 2 clusters)",
            &velac_cmd,
        ])
        .args([
            "--command-name",
            "kubectl apply --server-side (same bundle)",
            &kubectl_cmd,
        ])
        .args(baseline.iter().flat_map(|b| {
            [
                "--command-name",
                "velac apply, VELAC_BASELINE build",
                b.as_str(),
            ]
        }))
        .args(["--export-markdown", "apply-compare.md"])
        .current_dir(&dir)
        .status()
        .expect("hyperfine runs");
    assert!(status.success());
    println!(
        "{}",
        std::fs::read_to_string(dir.join("apply-compare.md")).unwrap_or_default()
    );
    // Peak memory and the requests one run sends, per tool.
    for (tool, cmd) in [("velac", &velac_cmd), ("kubectl", &kubectl_cmd)] {
        run(Command::new("sh").args(["-c", prepare]).current_dir(&dir));
        servers.iter().for_each(FakeApiServer::clear_requests);
        let rss = peak_rss_mb(&dir, cmd);
        let mut by_method: std::collections::BTreeMap<String, usize> = Default::default();
        for s in &servers {
            for r in s.requests() {
                *by_method.entry(r.method).or_default() += 1;
            }
        }
        println!("{tool}: peak RSS {rss}; requests to both clusters: {by_method:?}");
    }
    drop(servers);
    let _ = std::fs::remove_dir_all(&dir);
}
