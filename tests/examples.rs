//! Every example is exercised here, through the commands README gives a newcomer.
//!
//! README's quick start holds exactly two commands: the main job on a bundled
//! example (a `cargo run --release -- …` line) and the tests (`cargo test …`),
//! which `.ci/run` must call. The first is run as written and its output compared
//! with the example's `expected.yaml`. Every other example directory is run the
//! way its kind is used: `velac render app.yaml [-d definitions] [--clusters
//! clusters.yaml]` for an
//! application, `velac cue export DIR -e output -e outputs --out yaml` for a
//! CUE template. `UPDATE_GOLDEN=1 cargo test --test examples` rewrites the
//! `expected.yaml` files.

use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The two commands of README's quick start (lines of its first shell block).
fn quick_start() -> (String, String) {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).expect("README.md");
    let block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README has a ```sh block with the quick start");
    let cmds: Vec<&str> = block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(
        cmds.len(),
        2,
        "README quick start must hold exactly two commands: {cmds:?}"
    );
    (cmds[0].to_string(), cmds[1].to_string())
}

#[path = "support/offline.rs"]
mod offline;
use offline::velac;

/// Runs velac and compares stdout with a golden file.
fn check_golden(args: &[&str], golden: &Path) {
    let out = velac(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "velac {args:?} failed: {stderr}");
    let got = String::from_utf8(out.stdout).expect("UTF-8 output");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(golden, &got).expect("writes the golden");
        return;
    }
    let want = std::fs::read_to_string(golden)
        .unwrap_or_else(|_| panic!("{} (UPDATE_GOLDEN=1 writes it)", golden.display()));
    assert_eq!(
        got, want,
        "output of velac {args:?} changed (UPDATE_GOLDEN=1 to accept)"
    );
}

#[test]
fn readme_main_command_renders_the_bundled_example() {
    let (main, _) = quick_start();
    let args = main
        .strip_prefix("cargo run --release -- ")
        .expect("the main command runs the release binary");
    let args: Vec<&str> = args.split_whitespace().collect();
    let example = args
        .iter()
        .find(|a| a.starts_with("examples/"))
        .unwrap_or_else(|| panic!("the main command runs a bundled example: {main}"));
    let dir = Path::new(ROOT).join(example);
    let dir = if dir.is_dir() {
        dir
    } else {
        dir.parent().expect("in a directory").to_path_buf()
    };
    check_golden(&args, &dir.join("expected.yaml"));
}

#[test]
fn every_example_is_rendered() {
    let mut dirs: Vec<_> = std::fs::read_dir(Path::new(ROOT).join("examples"))
        .expect("examples/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 2, "examples/ holds the bundled examples");
    for dir in dirs {
        let rel = dir
            .strip_prefix(ROOT)
            .expect("under the repo")
            .display()
            .to_string();
        let mut args: Vec<String> = Vec::new();
        if dir.join("app.yaml").is_file() {
            args.extend(["render".into(), format!("{rel}/app.yaml")]);
            if dir.join("definitions").is_dir() {
                args.extend(["-d".into(), format!("{rel}/definitions")]);
            }
            if dir.join("clusters.yaml").is_file() {
                args.extend(["--clusters".into(), format!("{rel}/clusters.yaml")]);
            }
        } else if dir.join("template.cue").is_file() {
            args.extend(
                [
                    "cue", "export", &rel, "-e", "output", "-e", "outputs", "--out", "yaml",
                ]
                .map(String::from),
            );
        } else {
            panic!("{rel}: an example holds app.yaml or template.cue");
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        check_golden(&args, &dir.join("expected.yaml"));
    }
}

#[test]
fn readme_test_command_is_what_ci_runs() {
    let (_, tests) = quick_start();
    assert!(
        tests.starts_with("cargo test"),
        "second command runs the tests: {tests}"
    );
    let ci = std::fs::read_to_string(Path::new(ROOT).join(".ci/run")).expect(".ci/run");
    assert!(
        ci.lines().any(|l| l.trim() == tests),
        ".ci/run must call README's test command `{tests}`"
    );
}

#[test]
fn bundled_example_vets_and_evaluates() {
    let out = velac(&["cue", "vet", "examples/cue-webservice"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `eval` shows the disjunction with its default; `export` takes the default.
    let e = ["examples/cue-webservice", "-e", "parameter.exposeType"];
    let out = velac(&[&["cue", "eval"][..], &e].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "*\"ClusterIP\" | \"NodePort\" | \"LoadBalancer\""
    );
    let out = velac(&[&["cue", "export"][..], &e].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "\"ClusterIP\"");
}

/// `docs/definitions.md` is what `velac def doc` prints for the built-ins.
#[test]
fn definitions_reference_is_generated() {
    check_golden(
        &["def", "doc"],
        &Path::new(ROOT).join("docs/definitions.md"),
    );
}
