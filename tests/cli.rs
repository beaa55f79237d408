//! CLI snapshot tests. Each `tests/cli/*.txtar` case is a `# description`
//! line, an `args:` line and the input files as `-- name --` sections; it
//! runs with the `velac` binary in a scratch directory holding those files,
//! and its stdout, stderr and exit code are one insta snapshot,
//! `tests/snapshots/cli__cli@<case>.txtar.snap`.
//!
//! A changed output fails the test and leaves a `.snap.new` beside the
//! snapshot: review with `cargo insta review`, or accept every change with
//! `INSTA_UPDATE=always cargo test --release --test cli`. A new case is a new
//! `.txtar` file; its first run writes the snapshot to review.

use std::path::Path;
use std::process::Command;

/// The case's description and arguments, from its comment lines.
fn header(case: &simple_txtar::Archive) -> (String, Vec<String>) {
    let mut description = String::new();
    let mut args = None;
    for line in case.comment().lines() {
        if let Some(d) = line.strip_prefix('#') {
            description = d.trim().to_string();
        } else if let Some(a) = line.strip_prefix("args:") {
            args = Some(a.split_whitespace().map(String::from).collect());
        }
    }
    (description, args.expect("the case has an args: line"))
}

/// Runs the case in `dir`: `-- stdout --`, `-- stderr --` and `-- exit --`
/// sections, as txtar would hold them.
fn run(case: &simple_txtar::Archive, args: &[String], dir: &Path) -> String {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("scratch directory");
    for f in case.iter() {
        let p = dir.join(&f.name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("input directory");
        }
        std::fs::write(p, &f.content).expect("input file");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_velac"))
        .args(args)
        .current_dir(dir)
        // An empty state directory: no joined clusters, nothing applied;
        // no kubeconfig of the machine's (no `local` hub), no hub.
        .env("VELAC_HOME", dir.join(".velac-home"))
        .env("KUBECONFIG", dir.join(".no-kubeconfig"))
        .env_remove("VELAC_HUB")
        .output()
        .expect("velac runs");
    let _ = std::fs::remove_dir_all(dir);
    format!(
        "-- stdout --\n{}-- stderr --\n{}-- exit --\n{}\n",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        out.status.code().unwrap_or(-1)
    )
}

#[test]
fn cli() {
    insta::glob!("cli/*.txtar", |path| {
        let text = std::fs::read_to_string(path).expect("readable case");
        let case = simple_txtar::Archive::from(text.as_str());
        let (description, args) = header(&case);
        let dir = std::env::temp_dir().join(format!(
            "velac-cli-{}-{}",
            std::process::id(),
            path.file_stem().unwrap_or_default().to_string_lossy()
        ));
        let got = run(&case, &args, &dir);
        // The scratch directory, should a message name it.
        let scratch = regex_escape(&dir.display().to_string());
        insta::with_settings!({
            description => format!("{description}\nvelac {}", args.join(" ")),
            omit_expression => true,
            filters => vec![(scratch.as_str(), "[CASE]")],
        }, {
            insta::assert_snapshot!(got);
        });
    });
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}
