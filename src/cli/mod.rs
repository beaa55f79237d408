//! Command line: the only module that prints or picks exit codes.

mod apply;
mod cluster;
mod completion;
mod cue;
mod def;
mod diff;
mod diff_live;
mod explain;
mod plan;
mod render;
mod status;
mod up;
mod workflow;

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

/// `--hub CONTEXT` (or `VELAC_HUB`): keep the registry and application state
/// in that cluster instead of `$VELAC_HOME`.
static HUB: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

/// The hub context, if one was given.
fn hub_context() -> Option<String> {
    HUB.get()
        .cloned()
        .flatten()
        .or_else(|| std::env::var("VELAC_HUB").ok().filter(|h| !h.is_empty()))
}

#[derive(Parser)]
#[command(
    name = "velac",
    version,
    about = "Compile KubeVela Applications offline, and deliver them to clusters"
)]
struct Cli {
    /// Keep the cluster registry and application state in this kubeconfig
    /// context's cluster (shared by CI runners and people) instead of
    /// `$VELAC_HOME`. Also `VELAC_HUB`.
    #[arg(long, global = true, value_name = "CONTEXT")]
    hub: Option<String>,
    /// Most values (vertices) one CUE evaluation may create before it stops
    /// with an error: a bound on its memory (0.5 to 1.7 KB a value) and time.
    /// Default 2,500,000. Also `VELAC_EVAL_BUDGET`.
    #[arg(long, global = true, value_name = "N", value_parser = crate::cue::parse_eval_budget)]
    eval_budget: Option<usize>,
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
    /// What changes between two plans (plan directories or application
    /// files), or what a plan would change on the live clusters (--live).
    /// Exit 0 when nothing changes, 1 when something does, 2 on error.
    Diff(diff::DiffArgs),
    /// Why each field of each rendered object has its value: who set it
    /// (component, trait, policy, oam) and from which lines.
    Explain(explain::ExplainArgs),
    /// Plan the workflow: plan.json plus the bundle it applies.
    Plan(plan::PlanArgs),
    /// Work with definitions (list, show, vet, schema, render, eval).
    #[command(subcommand)]
    Def(def::DefCommand),
    /// Run a plan's workflow against the registered clusters.
    Apply(apply::ApplyArgs),
    /// Plan an application, show what it changes on the live clusters,
    /// ask, apply and print the status (`vela up`). Exit codes as apply.
    Up(up::UpArgs),
    /// The cluster registry (join, list, detach, rename, probe, labels).
    #[command(subcommand)]
    Cluster(cluster::ClusterCommand),
    /// Resume, suspend, terminate or restart an application's workflow.
    #[command(subcommand)]
    Workflow(workflow::WorkflowCommand),
    /// An application's status: workflow steps and services' health.
    Status(status::StatusArgs),
    /// List applications.
    #[command(subcommand)]
    Get(status::GetCommand),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completion(completion::CompletionArgs),
    /// Print the manual page velac(1), or write one per command.
    Man(completion::ManArgs),
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
    let _ = HUB.set(cli.hub.clone());
    // Set on every run: tests run many commands in one process.
    let budget = match (cli.eval_budget, std::env::var("VELAC_EVAL_BUDGET")) {
        (Some(n), _) => n,
        (None, Ok(s)) if !s.is_empty() => match crate::cue::parse_eval_budget(&s) {
            Ok(n) => n,
            Err(e) => {
                eprintln!("velac: VELAC_EVAL_BUDGET: {e}");
                return EXIT_USAGE;
            }
        },
        _ => crate::cue::DEFAULT_EVAL_BUDGET,
    };
    crate::cue::set_eval_budget(budget);
    match cli.command {
        Command::Cue(c) => cue::run(c),
        Command::Render(a) => render::run(a),
        Command::Def(c) => def::run(c),
        Command::Plan(a) => plan::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Apply(a) => apply::run(a),
        Command::Up(a) => up::run(a),
        Command::Cluster(c) => cluster::run(c),
        Command::Workflow(c) => workflow::run(c),
        Command::Status(a) => status::run(a),
        Command::Get(c) => status::get(c),
        Command::Completion(a) => completion::completion(a),
        Command::Man(a) => completion::man(a),
    }
}

/// Left-aligned columns separated by two spaces, as kubectl prints them.
fn table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == N {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = width[i]));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}
