//! Conformance against CUE v0.14.1 (KubeVela mode), from `../shared/conformance`.
//!
//! * `traps/`: 50 cases that isolate rules KubeVela templates depend on. All must match.
//! * `cue-v0.14.1/`: per-field goldens for CUE's own test inputs. The KubeVela subset
//!   must reach 90 % equal `ok` values and 85 % status agreement; every `cycle/` input
//!   must terminate; every `benchmarks/` input must finish in under a second (checked
//!   in optimised builds; debug builds get ten times that).
//!
//! Deliberate divergences live in `tests/conformance_overrides.json` with a reason.
//! Error text is never compared. Run with `--nocapture` to see the figures.

/// Writes straight to stderr, past the test harness's capture: skip notices and
/// figures must show in every run, not only when a test fails.
macro_rules! report {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use velac::cue::Evaluation;
use velac::cue::label::Label;

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance");
    if p.exists() {
        Some(p)
    } else {
        report!(
            "skipped: {} is absent (conformance material not available)",
            p.display()
        );
        None
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Ok,
    Incomplete,
    Error,
}

fn status_of(s: &str) -> Status {
    match s {
        "ok" => Status::Ok,
        "incomplete" => Status::Incomplete,
        _ => Status::Error,
    }
}

/// Outcome of evaluating one field: status and value.
type FieldResult = (Status, Option<Json>);

/// Evaluates a file and reports the named top-level fields; `None` names mean the whole file.
fn evaluate(src: String, fields: Vec<String>) -> Result<Vec<FieldResult>, String> {
    let mut ev = match Evaluation::from_source("input.cue", &src) {
        Ok(ev) => ev,
        Err(d) => {
            return Err(d
                .iter()
                .map(|x| x.message.clone())
                .collect::<Vec<_>>()
                .join("; "));
        }
    };
    let mut out = Vec::new();
    for f in fields {
        let label = if f.starts_with('"') {
            Label::string(&serde_json::from_str::<String>(&f).unwrap_or_default())
        } else {
            Label::from_ident(&f)
        };
        let root = ev.root;
        let Some(v) = ev.engine.lookup_label(root, label) else {
            out.push((Status::Error, None));
            continue;
        };
        out.push(match ev.export(v) {
            Ok(j) => (Status::Ok, Some(j)),
            Err(e) if e.all_incomplete() => (Status::Incomplete, None),
            Err(_) => (Status::Error, None),
        });
    }
    Ok(out)
}

/// Runs `f` on a big-stack thread with a time limit; `None` on timeout or panic.
fn with_limit<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> (Option<T>, Duration) {
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    std::thread::Builder::new()
        .stack_size(velac::cli::STACK_SIZE)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .expect("spawn evaluation thread");
    let r = rx.recv_timeout(limit).ok();
    (r, start.elapsed())
}

/// JSON equality ignoring object key order; numbers compared by value.
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
            let (p, q) = (x.to_string(), y.to_string());
            p == q
                || match (
                    velac::cue::num::Num::parse_literal(&p),
                    velac::cue::num::Num::parse_literal(&q),
                ) {
                    (Some(m), Some(n)) => m == n,
                    _ => false,
                }
        }
        _ => a == b,
    }
}

fn overrides() -> Json {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance_overrides.json");
    std::fs::read_to_string(p)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Json::Null)
}

#[test]
fn traps_all_match() {
    let Some(root) = shared() else { return };
    let dir = root.join("traps");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("traps dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "cue"))
        .collect();
    cases.sort();
    let mut failures = Vec::new();
    for c in &cases {
        let src = std::fs::read_to_string(c).expect("trap source");
        let expected =
            std::fs::read_to_string(c.with_extension("expected")).expect("trap expectation");
        let name = c
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let (res, _) = with_limit(Duration::from_secs(20), move || {
            let mut ev = match Evaluation::from_source("trap.cue", &src) {
                Ok(ev) => ev,
                Err(d) => {
                    return Err(d
                        .iter()
                        .map(|x| x.message.clone())
                        .collect::<Vec<_>>()
                        .join("; "));
                }
            };
            let r = ev.root;
            ev.export(r).map_err(|e| {
                e.0.iter()
                    .map(|x| format!("{}: {}", x.path, x.msg))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
        });
        let Some(res) = res else {
            failures.push(format!("{name}: timed out or crashed"));
            continue;
        };
        let want_error = expected.starts_with("ERROR");
        match (res, want_error) {
            (Ok(_), true) => failures.push(format!("{name}: expected an error, got a value")),
            (Err(e), false) => failures.push(format!("{name}: unexpected error: {e}")),
            (Ok(j), false) => {
                let want: Json = serde_json::from_str(expected.trim()).expect("trap JSON");
                if !json_eq(&j, &want) {
                    failures.push(format!("{name}: got {j}, want {}", expected.trim()));
                }
            }
            (Err(_), true) => {}
        }
    }
    report!(
        "traps: {}/{} match",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "trap failures:\n{}",
        failures.join("\n")
    );
}

#[derive(Default)]
struct Tally {
    ok_total: usize,
    ok_equal: usize,
    records: usize,
    status_agree: usize,
}

#[test]
fn cue_v0141_goldens() {
    let Some(root) = shared() else { return };
    let dir = root.join("cue-v0.14.1");
    let index: Json =
        serde_json::from_str(&std::fs::read_to_string(dir.join("INDEX.json")).expect("INDEX.json"))
            .expect("index JSON");
    let ovr = overrides();
    let limit_bench = if cfg!(debug_assertions) {
        Duration::from_secs(10)
    } else {
        Duration::from_secs(1)
    };
    let mut kv = Tally::default();
    let mut all = Tally::default();
    let mut problems = Vec::new();
    let mut mismatches = Vec::new();
    let mut slowest = (String::new(), Duration::ZERO);
    for t in index.as_array().expect("index list") {
        if t.get("skipped").is_some() {
            continue;
        }
        let test = t["test"].as_str().unwrap_or_default();
        let dirname = t["dir"].as_str().unwrap_or_default();
        let kv_subset = t["kv_subset"].as_bool().unwrap_or(false);
        let stem = test
            .trim_start_matches("cue/testdata/")
            .trim_end_matches(".txtar")
            .replace('/', "__");
        let src = std::fs::read_to_string(dir.join(format!("{stem}.cue"))).expect("input");
        let golden = std::fs::read_to_string(dir.join(format!("{stem}.jsonl"))).expect("golden");
        let records: Vec<Json> = golden
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let fields: Vec<String> = records
            .iter()
            .map(|r| r["field"].as_str().unwrap_or_default().to_string())
            .collect();
        let limit = match dirname {
            "benchmarks" => limit_bench,
            _ => Duration::from_secs(20),
        };
        let wanted = fields.clone();
        let (res, took) = with_limit(limit, move || {
            if wanted.iter().any(|f| f.is_empty()) {
                evaluate(src, vec![]).map(|_| vec![])
            } else {
                evaluate(src, wanted)
            }
        });
        if took > slowest.1 {
            slowest = (stem.clone(), took);
        }
        let Some(res) = res else {
            problems.push(format!("{stem}: did not finish within {limit:?}"));
            continue;
        };
        if dirname == "cycle" || dirname == "benchmarks" {
            continue; // termination (and time) is what counts there
        }
        let ours: Vec<FieldResult> = match res {
            Ok(r) if r.is_empty() && !fields.is_empty() && fields[0].is_empty() => {
                vec![(Status::Ok, None)]
            }
            Ok(r) => r,
            Err(_) => vec![(Status::Error, None); fields.len()],
        };
        for (rec, (st, val)) in records.iter().zip(ours) {
            let field = rec["field"].as_str().unwrap_or_default();
            let key = format!("{stem}:{field}");
            let want_st = status_of(rec["status"].as_str().unwrap_or_default());
            let overridden = ovr.get(&key);
            let want_st = overridden
                .and_then(|o| o.get("status"))
                .and_then(|s| s.as_str())
                .map(status_of)
                .unwrap_or(want_st);
            for tally in [&mut all].into_iter().chain(kv_subset.then_some(&mut kv)) {
                tally.records += 1;
                if st == want_st {
                    tally.status_agree += 1;
                }
                if want_st == Status::Ok {
                    tally.ok_total += 1;
                    let want_val = overridden
                        .and_then(|o| o.get("value"))
                        .unwrap_or(&rec["value"]);
                    if val.as_ref().is_some_and(|v| json_eq(v, want_val)) {
                        tally.ok_equal += 1;
                    }
                }
            }
            if kv_subset
                && (st != want_st
                    || (want_st == Status::Ok
                        && !val.as_ref().is_some_and(|v| json_eq(v, &rec["value"]))))
            {
                mismatches.push(format!(
                    "{key}: got {st:?} {}, want {want_st:?}",
                    val.map(|v| v.to_string()).unwrap_or_default()
                ));
            }
        }
    }
    let pct = |a: usize, b: usize| {
        if b == 0 {
            100.0
        } else {
            100.0 * a as f64 / b as f64
        }
    };
    report!(
        "KubeVela subset: ok values equal {}/{} ({:.1} %), status agreement {}/{} ({:.1} %)",
        kv.ok_equal,
        kv.ok_total,
        pct(kv.ok_equal, kv.ok_total),
        kv.status_agree,
        kv.records,
        pct(kv.status_agree, kv.records)
    );
    report!(
        "all single-file tests: ok values equal {}/{} ({:.1} %), status agreement {}/{} ({:.1} %)",
        all.ok_equal,
        all.ok_total,
        pct(all.ok_equal, all.ok_total),
        all.status_agree,
        all.records,
        pct(all.status_agree, all.records)
    );
    report!("slowest input: {} ({:?})", slowest.0, slowest.1);
    if std::env::var_os("VELAC_CONFORMANCE_VERBOSE").is_some() {
        for m in &mismatches {
            report!("  {m}");
        }
    }
    assert!(
        problems.is_empty(),
        "inputs that did not terminate in time:\n{}",
        problems.join("\n")
    );
    assert!(
        pct(kv.ok_equal, kv.ok_total) >= 90.0,
        "ok values equal below 90 %"
    );
    assert!(
        pct(kv.status_agree, kv.records) >= 85.0,
        "status agreement below 85 %"
    );
}
