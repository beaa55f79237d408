//! `velac completion` and `velac man`: the scripts load in their shells and
//! complete velac's own commands; the manual pages name every command.

use std::process::{Command, Output};

fn velac(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_velac"))
        .args(args)
        .output()
        .expect("velac runs")
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn bash_completion_loads_and_completes_commands_and_flags() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("skipped: bash is not installed");
        return;
    }
    let script = std::env::temp_dir().join(format!("velac-completion-{}.bash", std::process::id()));
    std::fs::write(&script, stdout(&velac(&["completion", "bash"]))).unwrap();
    let complete = |words: &str| -> String {
        let line = format!("velac {words}");
        let probe = format!(
            "source {}; COMP_WORDS=({line}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; \
             _velac velac \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; echo \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let o = Command::new("bash").args(["-c", &probe]).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    assert_eq!(complete("ren"), "render");
    let flags = complete("plan --gr");
    assert_eq!(flags, "--graph");
    let _ = std::fs::remove_file(&script);
}

#[test]
fn every_shell_gets_a_script_naming_the_commands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let s = stdout(&velac(&["completion", shell]));
        for cmd in ["render", "plan", "diff", "apply", "explain"] {
            assert!(s.contains(cmd), "{shell} script lacks {cmd}");
        }
    }
    let o = velac(&["completion", "tcsh"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn man_pages_name_every_command() {
    let page = stdout(&velac(&["man"]));
    assert!(page.contains(".TH velac 1"), "{page}");
    for cmd in ["render", "plan", "diff", "apply", "explain", "completion"] {
        assert!(page.contains(cmd), "velac(1) lacks {cmd}");
    }
    let dir = std::env::temp_dir().join(format!("velac-man-{}", std::process::id()));
    stdout(&velac(&["man", "--out-dir", dir.to_str().unwrap()]));
    for page in [
        "velac.1",
        "velac-render.1",
        "velac-plan.1",
        "velac-cluster-join.1",
    ] {
        assert!(dir.join(page).is_file(), "no {page}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
