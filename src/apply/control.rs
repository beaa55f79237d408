//! The workflow control commands (`velac workflow resume|suspend|terminate|
//! restart`) as KubeVela words and applies them, and the application phase a
//! workflow state stands for. A running apply sees their changes at its next
//! checkpoint.

use crate::plan::read::StepRef;
use crate::state::status::{StepPhase, StepStatus, WorkflowState, WorkflowStatus};
use jiff::Timestamp;

/// A control command that cannot be carried out, with KubeVela's wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ControlError(pub String);

fn each_step(steps: &mut [StepStatus], f: &mut dyn FnMut(&mut StepStatus)) {
    for s in steps {
        f(s);
        each_step(&mut s.sub_steps, f);
    }
}

fn not_while_succeeded(wf: &WorkflowStatus, cmd: &str, app: &str) -> Result<(), ControlError> {
    if wf.status == WorkflowState::Succeeded {
        return Err(ControlError(format!(
            "{cmd} workflow not allowed because application {app} is running"
        )));
    }
    Ok(())
}

/// `workflow resume [--step S]`: suspending steps (or only S) run again.
/// `Ok(false)` when the workflow is not suspended (nothing to do).
pub fn resume(
    wf: &mut WorkflowStatus,
    app: &str,
    step: Option<&str>,
) -> Result<bool, ControlError> {
    not_while_succeeded(wf, "resume", app)?;
    if wf.terminated {
        return Err(ControlError("can not resume a terminated workflow".into()));
    }
    let mut found = step.is_none();
    let mut any = false;
    each_step(&mut wf.steps, &mut |s| {
        if step.is_none_or(|n| n == s.name) {
            found |= step.is_some();
            if s.phase == StepPhase::Suspending {
                s.phase = StepPhase::Running;
                any = true;
            }
        }
    });
    if !found {
        return Err(ControlError(format!(
            "can not find step {:?}",
            step.unwrap_or_default()
        )));
    }
    if !wf.suspend && !any {
        return Ok(false);
    }
    wf.suspend = false;
    wf.status = WorkflowState::Executing;
    Ok(true)
}

/// `workflow suspend [--step S]`: running steps (or only S) wait for a resume.
pub fn suspend(wf: &mut WorkflowStatus, app: &str, step: Option<&str>) -> Result<(), ControlError> {
    not_while_succeeded(wf, "suspend", app)?;
    if wf.terminated {
        return Err(ControlError("can not suspend a terminated workflow".into()));
    }
    let mut found = step.is_none();
    each_step(&mut wf.steps, &mut |s| {
        if step.is_none_or(|n| n == s.name) {
            found |= step.is_some();
            if s.phase == StepPhase::Running {
                s.phase = StepPhase::Suspending;
                s.reason = "Suspend".into();
            }
        }
    });
    if !found {
        return Err(ControlError(format!(
            "can not find step {:?}",
            step.unwrap_or_default()
        )));
    }
    wf.suspend = true;
    wf.status = WorkflowState::Suspending;
    Ok(())
}

/// `workflow terminate`: unfinished steps fail with reason `Terminate`.
pub fn terminate(wf: &mut WorkflowStatus, app: &str, now: Timestamp) -> Result<(), ControlError> {
    not_while_succeeded(wf, "terminate", app)?;
    wf.terminated = true;
    wf.suspend = false;
    wf.status = WorkflowState::Terminated;
    wf.end_time = Some(now.to_string());
    each_step(&mut wf.steps, &mut |s| match s.phase {
        StepPhase::Running | StepPhase::Suspending => {
            s.phase = StepPhase::Failed;
            s.reason = "Terminate".into();
        }
        StepPhase::Failed if !matches!(s.reason.as_str(), "FailedAfterRetries" | "Timeout") => {
            s.reason = "Terminate".into();
        }
        _ => {}
    });
    Ok(())
}

/// `workflow restart --step S`: S, and every step that comes after it
/// (step by step) or depends on it (DAG), run again.
pub fn restart_from(
    wf: &mut WorkflowStatus,
    steps: &[StepRef],
    steps_dag: bool,
    step: &str,
) -> Result<(), ControlError> {
    let Some(pos) = steps.iter().position(|s| s.name == step) else {
        return Err(ControlError(format!(
            "can not find top-level step {step:?} (steps: {})",
            steps
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let mut reset = vec![step.to_string()];
    if steps_dag {
        let mut grew = true;
        while grew {
            grew = false;
            for s in steps {
                if !reset.contains(&s.name) && s.depends_on.iter().any(|d| reset.contains(d)) {
                    reset.push(s.name.clone());
                    grew = true;
                }
            }
        }
    } else {
        reset.extend(steps[pos..].iter().map(|s| s.name.clone()));
    }
    for s in wf.steps.iter_mut().filter(|s| reset.contains(&s.name)) {
        let (id, name, type_) = (s.id.clone(), s.name.clone(), s.type_.clone());
        let subs: Vec<StepStatus> = s
            .sub_steps
            .iter()
            .map(|x| StepStatus {
                id: x.id.clone(),
                name: x.name.clone(),
                type_: x.type_.clone(),
                ..StepStatus::default()
            })
            .collect();
        *s = StepStatus {
            id,
            name,
            type_,
            sub_steps: subs,
            ..StepStatus::default()
        };
    }
    wf.terminated = false;
    wf.suspend = false;
    wf.finished = false;
    wf.end_time = None;
    wf.status = WorkflowState::Executing;
    Ok(())
}

/// The application phase for a workflow state and services' health.
pub fn app_phase(wf: &WorkflowStatus, all_healthy: bool) -> crate::state::status::AppPhase {
    use crate::state::status::AppPhase;
    if wf.suspend {
        return AppPhase::WorkflowSuspending;
    }
    match wf.status {
        WorkflowState::Terminated => AppPhase::WorkflowTerminated,
        WorkflowState::Failed => {
            let mut manual = true;
            let mut any = false;
            let mut steps = wf.steps.clone();
            each_step(&mut steps, &mut |s| {
                if s.phase == StepPhase::Failed {
                    any = true;
                    manual &= s.reason == "Terminate";
                }
            });
            if any && manual {
                AppPhase::WorkflowTerminated
            } else {
                AppPhase::WorkflowFailed
            }
        }
        WorkflowState::Succeeded if all_healthy => AppPhase::Running,
        WorkflowState::Succeeded => AppPhase::Unhealthy,
        WorkflowState::Suspending => AppPhase::WorkflowSuspending,
        WorkflowState::Initializing | WorkflowState::Executing => AppPhase::RunningWorkflow,
    }
}
