//! Runs the velac binary from the repository root as an offline user would:
//! no state directory (no joined clusters, nothing applied), no kubeconfig
//! of the machine's, no hub.

#![allow(dead_code)]

use std::process::{Command, Output};

/// `velac ARGS` from the repository root, with no state.
pub fn velac(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_velac"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env(
            "VELAC_HOME",
            std::env::temp_dir().join("velac-tests-no-home"),
        )
        .env(
            "KUBECONFIG",
            std::env::temp_dir().join("velac-tests-no-kubeconfig"),
        )
        .env_remove("VELAC_HUB")
        .output()
        .expect("runs velac")
}
