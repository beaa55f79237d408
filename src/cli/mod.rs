//! Command line: the only module that prints or picks exit codes.

mod cue;
mod def;
mod diff;
mod plan;
mod render;

use clap::{Parser, Subcommand};
use std::ffi::OsString;

/// Stack size for the evaluation thread (see [`crate::cue::STACK_SIZE`]).
pub use crate::cue::STACK_SIZE;

/// Exit code for success.
pub const EXIT_OK: u8 = 0;
/// Exit code when the input is wrong (evaluation or validation failed).
pub const EXIT_FAIL: u8 = 1;
/// Exit code for usage errors (bad flags, unreadable files).
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "velac",
    version,
    about = "Compile KubeVela Applications offline"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate, export and validate CUE.
    #[command(subcommand)]
    Cue(cue::CueCommand),
    /// Render an Application's Kubernetes objects offline.
    Render(render::RenderArgs),
    /// What changes between two plans (plan directories or application files).
    /// Exit 0 when equal, 1 when different, 2 on error.
    Diff(diff::DiffArgs),
    /// Plan the workflow: plan.json plus the bundle it applies.
    Plan(plan::PlanArgs),
    /// Work with definitions (list, show, vet, schema, render, eval).
    #[command(subcommand)]
    Def(def::DefCommand),
}

/// Runs the CLI with these arguments and returns the exit code.
pub fn run(args: Vec<OsString>) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Cue(c) => cue::run(c),
        Command::Render(a) => render::run(a),
        Command::Def(c) => def::run(c),
        Command::Plan(a) => plan::run(a),
        Command::Diff(a) => diff::run(a),
    }
}
