//! Every example is exercised here, through the commands README gives a newcomer.
//!
//! README's quick start holds exactly two commands: the main job on the bundled
//! example (a `cargo run --release -- …` line) and the tests (`cargo test …`),
//! which `.ci/run` must call. The first is run as written and its output compared
//! with `examples/cue-webservice/expected.yaml`; `UPDATE_GOLDEN=1 cargo test --test
//! examples` rewrites that file.

use std::path::Path;
use std::process::Command;

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

fn velac(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_velac"))
        .args(args)
        .current_dir(ROOT)
        .output()
        .expect("runs velac")
}

#[test]
fn readme_main_command_renders_the_bundled_example() {
    let (main, _) = quick_start();
    let args = main
        .strip_prefix("cargo run --release -- ")
        .expect("the main command runs the release binary");
    let args: Vec<&str> = args.split_whitespace().collect();
    assert!(
        args.iter().any(|a| a.starts_with("examples/")),
        "the main command runs a bundled example: {main}"
    );
    let out = velac(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{main} failed: {stderr}");
    let got = String::from_utf8(out.stdout).expect("UTF-8 output");
    let golden = Path::new(ROOT).join("examples/cue-webservice/expected.yaml");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &got).expect("writes the golden");
        return;
    }
    let want = std::fs::read_to_string(&golden).expect("expected.yaml (UPDATE_GOLDEN=1 writes it)");
    assert_eq!(
        got, want,
        "output of `{main}` changed (UPDATE_GOLDEN=1 to accept)"
    );
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
