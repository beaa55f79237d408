//! CLI golden tests: run the `velac` binary on each `tests/cli/*.txtar` case and
//! compare stdout, stderr and the exit code with the case's sections.
//!
//! A case is `# description`, an `args:` line, input files as `-- name --`
//! sections, and the expected `-- stdout --`, `-- stderr --` and `-- exit --`.
//! `UPDATE_GOLDEN=1 cargo test --test cli` rewrites the expected sections.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const OUTPUTS: [&str; 3] = ["stdout", "stderr", "exit"];

struct Case {
    header: Vec<String>,
    sections: Vec<(String, String)>,
}

fn parse(text: &str) -> Case {
    let mut header = Vec::new();
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches('\n');
        if let Some(name) = bare.strip_prefix("-- ").and_then(|r| r.strip_suffix(" --")) {
            sections.push((name.to_string(), String::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push_str(line);
        } else {
            header.push(bare.to_string());
        }
    }
    Case { header, sections }
}

fn render(c: &Case, outputs: &BTreeMap<&str, String>) -> String {
    let mut out = String::new();
    for h in &c.header {
        out.push_str(h);
        out.push('\n');
    }
    for (name, body) in c
        .sections
        .iter()
        .filter(|(n, _)| !OUTPUTS.contains(&n.as_str()))
    {
        out.push_str(&format!("-- {name} --\n{body}"));
    }
    for name in OUTPUTS {
        out.push_str(&format!("-- {name} --\n{}", outputs[name]));
    }
    out
}

fn run_case(path: &Path, update: bool) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let case = parse(&text);
    let args = case
        .header
        .iter()
        .find_map(|h| h.strip_prefix("args:"))
        .ok_or("missing args: line")?
        .split_whitespace()
        .map(String::from)
        .collect::<Vec<_>>();
    let dir = std::env::temp_dir().join(format!(
        "velac-cli-{}-{}",
        std::process::id(),
        path.file_stem().unwrap_or_default().to_string_lossy()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for (name, body) in case
        .sections
        .iter()
        .filter(|(n, _)| !OUTPUTS.contains(&n.as_str()))
    {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(p, body).map_err(|e| e.to_string())?;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_velac"))
        .args(&args)
        .current_dir(&dir)
        // An empty state directory: no joined clusters, nothing applied;
        // no kubeconfig of the machine's (no `local` hub), no hub.
        .env("VELAC_HOME", dir.join(".velac-home"))
        .env("KUBECONFIG", dir.join(".no-kubeconfig"))
        .env_remove("VELAC_HUB")
        .output()
        .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);
    let mut got = BTreeMap::new();
    got.insert("stdout", String::from_utf8_lossy(&out.stdout).into_owned());
    got.insert("stderr", String::from_utf8_lossy(&out.stderr).into_owned());
    got.insert("exit", format!("{}\n", out.status.code().unwrap_or(-1)));
    let rendered = render(&case, &got);
    if update {
        std::fs::write(path, rendered).map_err(|e| e.to_string())?;
        return Ok(());
    }
    if rendered != text {
        let want: BTreeMap<&str, &str> = case
            .sections
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_str()))
            .collect();
        let mut diff = String::new();
        for name in OUTPUTS {
            if want.get(name).copied() != Some(got[name].as_str()) {
                diff.push_str(&format!(
                    "{name}:\n  want: {:?}\n  got:  {:?}\n",
                    want.get(name),
                    got[name]
                ));
            }
        }
        return Err(diff);
    }
    Ok(())
}

#[test]
fn cli_goldens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/cli")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txtar"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            run_case(c, update)
                .err()
                .map(|e| format!("{}:\n{e}", c.display()))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
