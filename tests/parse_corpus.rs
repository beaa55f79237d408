//! Every CUE input of the shared conformance material must parse.

/// Writes straight to stderr, past the test harness's capture: skip notices and
/// figures must show in every run, not only when a test fails.
macro_rules! report {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

use std::path::Path;
use velac::cue::parser::parse_file;
use velac::source::FileId;

#[test]
fn conformance_inputs_parse() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance");
    if !root.exists() {
        report!("skipped: {} is absent", root.display());
        return;
    }
    let mut failures = Vec::new();
    let mut n = 0;
    for dir in ["cue-v0.14.1", "traps"] {
        let mut entries: Vec<_> = std::fs::read_dir(root.join(dir))
            .expect("readable conformance dir")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "cue"))
            .collect();
        entries.sort();
        for p in entries {
            n += 1;
            let src = std::fs::read_to_string(&p).expect("readable input");
            // A file whose golden is a file-level error may fail to parse.
            let golden = std::fs::read_to_string(p.with_extension("jsonl")).unwrap_or_default();
            let file_error = golden.contains("\"field\":\"\",\"status\":\"error\"");
            if let (Err(e), false) = (parse_file(FileId(0), &src), file_error) {
                let (line, col) = line_col(&src, e.span.start as usize);
                failures.push(format!("{}:{line}:{col}: {}", p.display(), e.message));
            }
        }
    }
    report!("parsed {} of {n} inputs", n - failures.len());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn line_col(src: &str, off: usize) -> (usize, usize) {
    let before = &src[..off.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}
