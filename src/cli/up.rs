//! `velac up APP.yaml`: `vela up`'s habit in one command. Plans the
//! application as `diff --live` does (the revision after the last applied,
//! or that revision when nothing changed), shows what applying it changes
//! on the live clusters, asks (or `--yes`), applies, and prints the status.
//! The plan is kept in the state as the revision's plan, as `apply` keeps
//! any plan it runs; no plan directory is written. Exit codes are apply's.

use super::apply::{Printer, RunArgs, run_plan};
use super::diff::{DiffArgs, Format};
use super::render::home;
use super::{EXIT_FAIL, diff_live};
use crate::render;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub(super) struct UpArgs {
    /// Application file (YAML; may also hold Policy and Workflow objects).
    app: PathBuf,
    /// Definitions to add (file or directory, recursive; repeatable).
    #[arg(short = 'd', long = "definitions")]
    defs: Vec<PathBuf>,
    /// Kubernetes version for clusters whose version is not known.
    #[arg(long = "kube-version", default_value = render::DEFAULT_KUBE_VERSION)]
    kube_version: String,
    /// Objects compared at once per cluster for the live diff.
    #[arg(long, default_value_t = 5)]
    parallelism: usize,
    #[command(flatten)]
    run: RunArgs,
}

pub(super) fn run(a: UpArgs) -> u8 {
    let home = match home() {
        Ok(h) => h,
        Err(code) => return code,
    };
    let opts = match a.run.options() {
        Ok(o) => o,
        Err(c) => return c,
    };
    if a.app.is_dir() {
        eprintln!(
            "velac: {}: up takes an application file; apply a plan directory with `velac apply`",
            a.app.display()
        );
        return super::EXIT_USAGE;
    }
    let args = DiffArgs {
        old: a.app.clone(),
        new: None,
        live: true,
        parallelism: a.parallelism,
        defs: a.defs.clone(),
        clusters: None,
        kube_version: a.kube_version.clone(),
        output: Format::Text,
    };
    // Render and plan errors are printed where they are found.
    let Ok(plan) = diff_live::plan_of(&a.app, &args) else {
        return EXIT_FAIL;
    };
    let out = Printer::new(a.run.json());
    let p = &plan.plan;
    // What applying changes on the live clusters; without it (a cluster
    // not reachable, say), apply still goes step by step and says so.
    match diff_live::compare(home.as_ref(), &plan, false, a.parallelism) {
        Ok(r) if a.run.json() => println!(
            "{}",
            serde_json::json!({"event": "diff", "revision": p.revision.name, "report": crate::diff::json(&r)})
        ),
        Ok(r) => out.say(&format!(
            "{} ({}) of {}/{} on the live clusters:\n{}",
            p.revision.name,
            p.revision.hash,
            p.application.namespace,
            p.application.name,
            crate::diff::summary(&r).trim_end()
        )),
        Err(()) => eprintln!("velac: warning: no live diff (see above); applying goes on"),
    }
    if let Err(c) = a.run.confirmed(&plan) {
        return c;
    }
    let code = run_plan(home.as_ref(), &plan, &opts, &out);
    let key = crate::apply::app_key(&plan);
    match home.status(&key) {
        Ok(Some(st)) if a.run.json() => {
            println!("{}", serde_json::json!({"event": "status", "status": st}))
        }
        Ok(Some(st)) => out.say(super::status::text(&st).trim_end()),
        Ok(None) => {}
        Err(e) => eprintln!("velac: {e}"),
    }
    code
}
