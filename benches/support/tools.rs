//! What the benchmarks that time velac against another tool share: finding
//! the tools, running a command that must succeed, peak memory of a shell
//! command from `/usr/bin/time -v`.

use std::path::Path;
use std::process::Command;

/// Whether a tool is on PATH (or the path exists and runs).
pub fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs a command that must succeed; its stdout.
pub fn run(cmd: &mut Command) -> String {
    let o = cmd.output().expect("runs");
    assert!(
        o.status.success(),
        "{:?}: {}{}",
        cmd,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Peak RSS of a shell command, as `N MB` (`?` when unknown).
pub fn peak_rss_mb(dir: &Path, shell: &str) -> String {
    let o = Command::new("/usr/bin/time")
        .args(["-v", "sh", "-c", shell])
        .current_dir(dir)
        .output()
        .expect("time runs");
    let err = String::from_utf8_lossy(&o.stderr);
    err.lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|k| k.trim().parse::<f64>().ok())
        .map_or_else(|| "?".into(), |k| format!("{:.0} MB", k / 1024.0))
}
