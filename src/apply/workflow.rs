//! The workflow state machine, as KubeVela's workflow engine runs it: which
//! step runs next, which is skipped, where a run stops (suspend), and what
//! the control commands (resume, suspend, terminate, restart) change.
//!
//! Pure apart from the [`Runner`] it is given: the runner executes leaf
//! steps against clusters and persists every transition, so a run killed at
//! any point starts again from the last recorded phase. A step recorded as
//! `running` is executed again (applies are idempotent); `succeeded` steps
//! never are.

use crate::plan::read::StepRef;
use crate::state::status::{StepPhase, StepStatus, WorkflowState, WorkflowStatus};
use jiff::Timestamp;
use serde_json::Value as Json;

/// What a leaf step ended with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Done.
    Succeeded(String),
    /// Failed for good: reason (`Timeout`, `FailedAfterRetries`, …) and message.
    Failed(String, String),
}

/// Whether to go on after a checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Go on.
    Continue,
    /// Someone suspended or terminated the workflow: stop here.
    Stop,
}

/// Executes leaf steps and records progress.
pub trait Runner {
    /// Runs a deploy-like step; `deadline` comes from the step's `timeout`.
    fn run(&mut self, step: &StepRef, deadline: Option<Timestamp>) -> Outcome;
    /// Persists the workflow status; may adopt changes made meanwhile by a
    /// control command (then says [`Control::Stop`]).
    fn checkpoint(&mut self, wf: &mut WorkflowStatus) -> Control;
    /// Now.
    fn now(&self) -> Timestamp;
}

/// Parses a Go-style duration (`90s`, `1m30s`, `2h`, `500ms`).
pub fn parse_duration(s: &str) -> Option<std::time::Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let (mut total, mut num, mut rest) = (0f64, String::new(), s);
    while !rest.is_empty() {
        let c = rest.chars().next()?;
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            rest = &rest[1..];
            continue;
        }
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let n: f64 = num.parse().ok()?;
        num.clear();
        total += n * match unit {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
    }
    if !num.is_empty() {
        return None;
    }
    Some(std::time::Duration::from_secs_f64(total))
}

fn add(t: Timestamp, d: std::time::Duration) -> Timestamp {
    jiff::SignedDuration::try_from(d)
        .ok()
        .and_then(|d| t.checked_add(d).ok())
        .unwrap_or(t)
}

fn ts(s: &Option<String>) -> Option<Timestamp> {
    s.as_deref().and_then(|s| s.parse().ok())
}

/// A fresh workflow status for a plan's steps.
pub fn init(steps: &[StepRef], mode: &str, revision: &str) -> WorkflowStatus {
    fn st(s: &StepRef) -> StepStatus {
        StepStatus {
            id: s.id.clone(),
            name: s.name.clone(),
            type_: s.type_.clone(),
            sub_steps: s.sub_steps.iter().map(st).collect(),
            ..StepStatus::default()
        }
    }
    WorkflowStatus {
        app_revision: revision.into(),
        mode: mode.into(),
        status: WorkflowState::Initializing,
        steps: steps.iter().map(st).collect(),
        ..WorkflowStatus::default()
    }
}

/// Finished: succeeded, skipped or failed.
fn finished(p: StepPhase) -> bool {
    matches!(
        p,
        StepPhase::Succeeded | StepPhase::Skipped | StepPhase::Failed
    )
}

/// Where a pass over a list of steps ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pass {
    /// Every step finished.
    Done,
    /// A step waits for a resume.
    Suspended,
    /// A control command stopped the run.
    Stopped,
}

struct Machine<'a> {
    runner: &'a mut dyn Runner,
    sub_mode_dag: bool,
    /// Evaluates `if` conditions against the steps' status.
    cond: &'a dyn Fn(&str, &Json) -> Result<bool, String>,
}

/// `status` as `if` conditions see it: by step name, the phase plus the
/// booleans KubeVela adds.
pub fn condition_status(wf: &WorkflowStatus) -> Json {
    fn add(m: &mut serde_json::Map<String, Json>, s: &StepStatus) {
        m.insert(
            s.name.clone(),
            serde_json::json!({
                "id": s.id, "name": s.name, "type": s.type_, "phase": s.phase.as_str(),
                "reason": s.reason, "message": s.message,
                "succeeded": s.phase == StepPhase::Succeeded,
                "failed": s.phase == StepPhase::Failed,
                "skipped": s.phase == StepPhase::Skipped,
                "timeout": s.reason == "Timeout",
                "failedAfterRetries": s.reason == "FailedAfterRetries",
                "terminate": s.reason == "Terminate",
            }),
        );
        for x in &s.sub_steps {
            add(m, x);
        }
    }
    let mut m = serde_json::Map::new();
    for s in &wf.steps {
        add(&mut m, s);
    }
    Json::Object(m)
}

/// The step list at `path` (empty: the top level; `[i]`: the sub-steps of
/// top-level step `i`; and so on).
fn list<'a>(wf: &'a mut WorkflowStatus, path: &[usize]) -> &'a mut Vec<StepStatus> {
    let mut l = &mut wf.steps;
    for &i in path {
        l = &mut l[i].sub_steps;
    }
    l
}

/// Runs the workflow as far as it can go now. Returns with the status
/// updated (and checkpointed): finished, suspended or stopped.
pub fn advance(
    steps: &[StepRef],
    steps_dag: bool,
    sub_dag: bool,
    wf: &mut WorkflowStatus,
    runner: &mut dyn Runner,
    cond: &dyn Fn(&str, &Json) -> Result<bool, String>,
) {
    if wf.terminated || wf.finished {
        return;
    }
    let now = runner.now();
    if wf.start_time.is_none() {
        wf.start_time = Some(now.to_string());
    }
    wf.status = WorkflowState::Executing;
    wf.suspend = false;
    wf.message.clear();
    let mut m = Machine {
        runner,
        sub_mode_dag: sub_dag,
        cond,
    };
    if m.runner.checkpoint(wf) == Control::Stop {
        return;
    }
    match m.pass(steps, &[], steps_dag, wf) {
        Pass::Stopped => return,
        Pass::Suspended => {
            wf.suspend = true;
            wf.status = WorkflowState::Suspending;
        }
        Pass::Done => {
            let failed = wf.steps.iter().any(|s| s.phase == StepPhase::Failed);
            wf.finished = true;
            wf.end_time = Some(m.runner.now().to_string());
            wf.status = if failed {
                WorkflowState::Failed
            } else {
                WorkflowState::Succeeded
            };
            if failed {
                wf.terminated = true;
            }
        }
    }
    m.runner.checkpoint(wf);
}

impl Machine<'_> {
    fn save(&mut self, wf: &mut WorkflowStatus) -> bool {
        self.runner.checkpoint(wf) == Control::Continue
    }

    /// One pass over the step list at `path`.
    fn pass(
        &mut self,
        steps: &[StepRef],
        path: &[usize],
        dag: bool,
        wf: &mut WorkflowStatus,
    ) -> Pass {
        let mut suspended = false;
        loop {
            let mut progressed = false;
            for (i, s) in steps.iter().enumerate() {
                let phase = list(wf, path)[i].phase;
                if finished(phase) {
                    continue;
                }
                if phase == StepPhase::Pending {
                    let st = list(wf, path);
                    let deps_done = s.depends_on.iter().all(|d| {
                        st.iter()
                            .find(|x| &x.name == d)
                            .is_none_or(|x| finished(x.phase))
                    });
                    if !deps_done {
                        if dag {
                            continue;
                        }
                        break;
                    }
                    let verdict = self.skip(s, i, path, dag, wf);
                    let now = self.runner.now();
                    let st = &mut list(wf, path)[i];
                    match &verdict {
                        Ok(false) => {}
                        Ok(true) => mark_skipped(st),
                        Err(e) => fail(st, "Execute", &format!("if: {e}"), now),
                    }
                    if verdict != Ok(false) {
                        progressed = true;
                        if !self.save(wf) {
                            return Pass::Stopped;
                        }
                        continue;
                    }
                }
                match self.exec(s, path, i, wf) {
                    Pass::Done => progressed = true,
                    Pass::Stopped => return Pass::Stopped,
                    Pass::Suspended => {
                        suspended = true;
                        if !dag {
                            return Pass::Suspended;
                        }
                    }
                }
            }
            if !dag || !progressed {
                break;
            }
        }
        let st = list(wf, path);
        if st.iter().all(|s| finished(s.phase)) {
            Pass::Done
        } else if suspended || st.iter().any(|s| s.phase == StepPhase::Suspending) {
            Pass::Suspended
        } else {
            // Step by step, stopped before a step whose dependency comes later.
            Pass::Suspended
        }
    }

    fn skip(
        &self,
        s: &StepRef,
        i: usize,
        path: &[usize],
        dag: bool,
        wf: &mut WorkflowStatus,
    ) -> Result<bool, String> {
        match s.if_.as_deref().map(str::trim) {
            Some("always") => return Ok(false),
            Some(expr) => return (self.cond)(expr, &condition_status(wf)).map(|run| !run),
            None => {}
        }
        let st = list(wf, path);
        if s.depends_on.is_empty() && !dag {
            // Step by step: skipped when an earlier step did not succeed.
            return Ok(st[..i]
                .iter()
                .any(|x| !matches!(x.phase, StepPhase::Succeeded | StepPhase::Skipped)));
        }
        Ok(!s.depends_on.iter().all(|d| {
            st.iter()
                .find(|x| &x.name == d)
                .is_none_or(|x| x.phase == StepPhase::Succeeded)
        }))
    }

    fn exec(&mut self, s: &StepRef, path: &[usize], i: usize, wf: &mut WorkflowStatus) -> Pass {
        let now = self.runner.now();
        let auto_false =
            s.type_ == "deploy" && s.properties.get("auto") == Some(&Json::Bool(false));
        let st = &mut list(wf, path)[i];
        // A suspend step, or a deploy with `auto: false` before it deploys.
        let suspends = s.type_ == "suspend"
            || (auto_false
                && (st.first_execute_time.is_none() || st.phase == StepPhase::Suspending));
        if suspends {
            let due = ts(&st.resume_at).is_some_and(|t| t <= now);
            match st.phase {
                StepPhase::Suspending if !due => return Pass::Suspended,
                StepPhase::Suspending | StepPhase::Running if st.first_execute_time.is_some() => {
                    // Resumed, by hand or because its duration passed.
                    st.resume_at = None;
                    st.reason.clear();
                    st.message.clear();
                    if s.type_ == "suspend" {
                        st.phase = StepPhase::Succeeded;
                        st.last_execute_time = Some(now.to_string());
                        return if self.save(wf) {
                            Pass::Done
                        } else {
                            Pass::Stopped
                        };
                    }
                    st.phase = StepPhase::Running;
                }
                _ => {
                    st.phase = StepPhase::Suspending;
                    st.reason = "Suspend".into();
                    st.message = s
                        .properties
                        .get("message")
                        .and_then(Json::as_str)
                        .map_or_else(|| "Suspended by field suspend".into(), str::to_string);
                    st.first_execute_time = Some(now.to_string());
                    st.last_execute_time = Some(now.to_string());
                    st.resume_at = s
                        .properties
                        .get("duration")
                        .and_then(Json::as_str)
                        .and_then(parse_duration)
                        .map(|d| add(now, d).to_string());
                    return if self.save(wf) {
                        Pass::Suspended
                    } else {
                        Pass::Stopped
                    };
                }
            }
        }
        // The timeout counts from the first execution.
        let timeout = s.timeout.as_deref().and_then(parse_duration);
        let deadline = timeout.map(|d| add(ts(&st.first_execute_time).unwrap_or(now), d));
        if deadline.is_some_and(|d| d <= now) {
            fail(st, "Timeout", "step timed out", now);
            for x in st.sub_steps.iter_mut().filter(|x| !finished(x.phase)) {
                fail(x, "Timeout", "step group timed out", now);
            }
            return if self.save(wf) {
                Pass::Done
            } else {
                Pass::Stopped
            };
        }
        st.phase = StepPhase::Running;
        st.reason.clear();
        st.message.clear();
        st.first_execute_time.get_or_insert(now.to_string());
        st.last_execute_time = Some(now.to_string());
        if !self.save(wf) {
            return Pass::Stopped;
        }
        if s.type_ == "step-group" {
            let dag = match s.mode.as_deref() {
                Some("StepByStep") => false,
                Some(_) => true,
                None => self.sub_mode_dag,
            };
            let sub: Vec<usize> = path.iter().copied().chain([i]).collect();
            match self.pass(&s.sub_steps, &sub, dag, wf) {
                Pass::Stopped => return Pass::Stopped,
                Pass::Suspended => return Pass::Suspended,
                Pass::Done => {
                    let now = self.runner.now();
                    let st = &mut list(wf, path)[i];
                    match st
                        .sub_steps
                        .iter()
                        .find(|x| x.phase == StepPhase::Failed)
                        .cloned()
                    {
                        Some(f) => fail(st, &f.reason, &format!("sub-step {} failed", f.name), now),
                        None => st.phase = StepPhase::Succeeded,
                    }
                    return if self.save(wf) {
                        Pass::Done
                    } else {
                        Pass::Stopped
                    };
                }
            }
        }
        let outcome = self.runner.run(s, deadline);
        let now = self.runner.now();
        let st = &mut list(wf, path)[i];
        match outcome {
            Outcome::Succeeded(msg) => {
                st.phase = StepPhase::Succeeded;
                st.message = msg;
            }
            Outcome::Failed(reason, msg) => fail(st, &reason, &msg, now),
        }
        st.last_execute_time = Some(now.to_string());
        if self.save(wf) {
            Pass::Done
        } else {
            Pass::Stopped
        }
    }
}

fn mark_skipped(s: &mut StepStatus) {
    s.phase = StepPhase::Skipped;
    s.reason = "Skip".into();
    for x in &mut s.sub_steps {
        mark_skipped(x);
    }
}

fn fail(s: &mut StepStatus, reason: &str, msg: &str, now: Timestamp) {
    s.phase = StepPhase::Failed;
    s.reason = reason.into();
    s.message = msg.into();
    s.first_execute_time.get_or_insert(now.to_string());
    s.last_execute_time = Some(now.to_string());
}

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

#[cfg(test)]
#[path = "workflow_tests.rs"]
mod tests;
