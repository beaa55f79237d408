//! `velac workflow resume|suspend|terminate|restart`: KubeVela's workflow
//! control, on the state directory. A running apply sees the change at its
//! next checkpoint.

use super::apply::{Printer, run_plan};
use super::render::home;
use super::{EXIT_FAIL, EXIT_OK, EXIT_USAGE};
use crate::apply::workflow;
use crate::state::status::AppStatus;
use crate::state::{AppKey, Store};
use clap::{Args, Subcommand};

#[derive(Args)]
pub(super) struct AppArg {
    /// Application name.
    pub app: String,
    /// Namespace (default: the only application of that name).
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
}

#[derive(Subcommand)]
pub(super) enum WorkflowCommand {
    /// Resume a suspended workflow (all suspended steps, or --step).
    Resume {
        #[command(flatten)]
        app: AppArg,
        /// Only this step.
        #[arg(long)]
        step: Option<String>,
        /// Continue applying right away (from the plan kept in the state).
        #[arg(long)]
        apply: bool,
    },
    /// Suspend a running workflow (all running steps, or --step).
    Suspend {
        #[command(flatten)]
        app: AppArg,
        /// Only this step.
        #[arg(long)]
        step: Option<String>,
    },
    /// Terminate the workflow: unfinished steps fail.
    Terminate {
        #[command(flatten)]
        app: AppArg,
    },
    /// Start the workflow again (from the first step, or from --step).
    Restart {
        #[command(flatten)]
        app: AppArg,
        /// Restart from this top-level step.
        #[arg(long)]
        step: Option<String>,
    },
}

/// Finds the application: by namespace, or the only one of that name.
pub(super) fn find(home: &dyn Store, a: &AppArg) -> Result<(AppKey, AppStatus), u8> {
    let apps = home.apps().map_err(|e| {
        eprintln!("velac: {e}");
        EXIT_FAIL
    })?;
    let hits: Vec<(AppKey, AppStatus)> = apps
        .into_iter()
        .filter(|(k, _)| k.name == a.app && a.namespace.as_ref().is_none_or(|n| *n == k.namespace))
        .collect();
    match hits.len() {
        1 => Ok(hits.into_iter().next().expect("one")),
        0 => {
            eprintln!(
                "velac: application {}{} not found (it was never applied here)",
                a.namespace
                    .as_ref()
                    .map(|n| format!("{n}/"))
                    .unwrap_or_default(),
                a.app
            );
            Err(EXIT_FAIL)
        }
        _ => {
            let nss: Vec<String> = hits.iter().map(|(k, _)| k.namespace.clone()).collect();
            eprintln!(
                "velac: application {} exists in namespaces {}; pick one with -n",
                a.app,
                nss.join(", ")
            );
            Err(EXIT_USAGE)
        }
    }
}

pub(super) fn run(c: WorkflowCommand) -> u8 {
    let home = match home() {
        Ok(h) => h,
        Err(code) => return code,
    };
    let a = match &c {
        WorkflowCommand::Resume { app, .. }
        | WorkflowCommand::Suspend { app, .. }
        | WorkflowCommand::Terminate { app }
        | WorkflowCommand::Restart { app, .. } => app,
    };
    let home = home.as_ref();
    let (key, st) = match find(home, a) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let name = key.name.clone();
    if st.workflow.is_none() && !matches!(c, WorkflowCommand::Restart { .. }) {
        eprintln!("velac: the workflow in application {name} is not running");
        return EXIT_FAIL;
    }
    let now = jiff::Timestamp::now();
    let revision = st
        .latest_revision
        .as_ref()
        .map(|r| r.name.clone())
        .unwrap_or_default();
    let kept = || crate::apply::kept_plan(home, &key, &revision).map_err(|e| e.to_string());
    let apply_after = matches!(c, WorkflowCommand::Resume { apply: true, .. });
    let result = home.update_status(&key, |s| -> Result<String, String> {
        let Some(s) = s else {
            return Err(format!("the workflow in application {name} is not running"));
        };
        let healthy = s.services.iter().all(|x| x.healthy);
        let msg = match &c {
            WorkflowCommand::Resume { step, .. } => {
                let wf = s.workflow.as_mut().ok_or("the workflow is not running")?;
                match workflow::resume(wf, &name, step.as_deref()).map_err(|e| e.0)? {
                    true => format!("Successfully resume workflow: {name}"),
                    false => format!("workflow {name} is not suspended."),
                }
            }
            WorkflowCommand::Suspend { step, .. } => {
                let wf = s.workflow.as_mut().ok_or("the workflow is not running")?;
                workflow::suspend(wf, &name, step.as_deref()).map_err(|e| e.0)?;
                format!("Successfully suspend workflow: {name}")
            }
            WorkflowCommand::Terminate { .. } => {
                let wf = s.workflow.as_mut().ok_or("the workflow is not running")?;
                workflow::terminate(wf, &name, now).map_err(|e| e.0)?;
                format!("Successfully terminate workflow: {name}")
            }
            WorkflowCommand::Restart { step: None, .. } => {
                s.workflow = None;
                format!("Successfully restart workflow: {name}")
            }
            WorkflowCommand::Restart {
                step: Some(step), ..
            } => {
                let plan = kept()?;
                let wf = s.workflow.as_mut().ok_or("the workflow is not running")?;
                workflow::restart_from(wf, &plan.plan.steps, plan.plan.mode.steps == "DAG", step)
                    .map_err(|e| e.0)?;
                format!("Successfully restart workflow {name} from step {step}")
            }
        };
        if let Some(wf) = &s.workflow {
            s.status = workflow::app_phase(wf, healthy);
        } else {
            s.status = crate::state::status::AppPhase::Starting;
        }
        Ok(msg)
    });
    match result {
        Ok(Ok(msg)) => println!("{msg}"),
        Ok(Err(e)) => {
            eprintln!("velac: {e}");
            return EXIT_FAIL;
        }
        Err(e) => {
            eprintln!("velac: {e}");
            return EXIT_FAIL;
        }
    }
    if !apply_after {
        return EXIT_OK;
    }
    let plan = match kept() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("velac: {e}");
            return EXIT_FAIL;
        }
    };
    let out = Printer::new(false);
    run_plan(home, &plan, &crate::apply::Options::default(), &out)
}
