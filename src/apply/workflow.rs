//! The workflow state machine, as KubeVela's workflow engine runs it: which
//! step runs next, which is skipped, where a run stops (suspend), which
//! steps are polled again (a wait, an error to retry, inputs not there yet),
//! and what the control commands (resume, suspend, terminate, restart)
//! change.
//!
//! Pure apart from the [`Runner`] it is given: the runner executes leaf
//! steps (their CUE templates) and persists every transition, so a run
//! killed at any point starts again from the last recorded phase. A step
//! recorded as `running` runs again (side-effecting calls already made in
//! its attempt are not repeated); `succeeded` steps never do.

use crate::plan::read::StepRef;
use crate::state::context::{StepContext, SuspendMark};
use crate::state::status::{StepPhase, StepStatus, WorkflowState, WorkflowStatus};
use jiff::Timestamp;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::time::Duration;

/// What one run of a leaf step ended with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Done, with a message.
    Succeeded(String),
    /// Not done yet (a wait): the step stays running and is run again.
    Waiting(String),
    /// Suspended: message, and when it resumes by itself (RFC 3339).
    Suspended(String, Option<String>),
    /// Failed for good: reason (`Action`, `Timeout`, `FailedAfterRetries`,
    /// `Input`, …) and message.
    Failed(String, String),
    /// Failed, to be tried again (reason `Execute`).
    Error(String),
    /// `#Break`: the step succeeds and the workflow ends here.
    Broken(String),
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
    /// Runs a leaf step once; `prior` is its status before this run.
    fn run(&mut self, step: &StepRef, prior: &StepStatus) -> Outcome;
    /// Why the step cannot start yet (`Pending on Input: x`), if so.
    fn pending(&mut self, step: &StepRef) -> Option<String>;
    /// Evaluates a step's `if`.
    fn condition(
        &mut self,
        step: &StepRef,
        expr: &str,
        wf: &WorkflowStatus,
    ) -> Result<bool, String>;
    /// A step starts a new attempt: what its last attempt kept is dropped.
    fn begin(&mut self, step: &StepRef);
    /// A step finished without running (skipped, timed out): its outputs
    /// are published as null.
    fn finished_without_run(&mut self, step: &StepRef);
    /// A step group finished: its outputs are taken from its own
    /// `parameter` and `context`.
    fn group_finished(&mut self, step: &StepRef);
    /// Persists the workflow status; may adopt changes made meanwhile by a
    /// control command (then says [`Control::Stop`]).
    fn checkpoint(&mut self, wf: &mut WorkflowStatus) -> Control;
    /// Now.
    fn now(&self) -> Timestamp;
    /// Waits before the steps still running are polled again: `polls` is
    /// how many polls in a row found nothing finished, `until` the nearest
    /// deadline.
    fn pause(&mut self, polls: u32, until: Option<Timestamp>);
    /// How long a step without a `timeout` may run in one apply.
    fn default_timeout(&self) -> Option<Duration>;
}

/// Parses a Go-style duration (`90s`, `1m30s`, `2h`, `500ms`).
pub fn parse_duration(s: &str) -> Option<std::time::Duration> {
    crate::duration::parse(s)
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

/// Finished: succeeded, skipped, or failed for a reason other than an
/// error that is tried again.
pub fn finished(s: &StepStatus) -> bool {
    match s.phase {
        StepPhase::Succeeded | StepPhase::Skipped => true,
        StepPhase::Failed => s.reason != "Execute",
        _ => false,
    }
}

/// A `#Suspend` met while running a step: whether the step suspends now,
/// and until when it stays suspended. A suspend met for the first time
/// suspends (until `duration` passed, if given); met again, it lets the
/// step go on once the workflow was resumed by hand (`prior` is running
/// again) or its time passed. A manual resume wins over a duration.
pub fn suspend_now(
    mem: &mut StepContext,
    label: &str,
    duration: Option<Duration>,
    prior: &StepStatus,
    now: Timestamp,
) -> (bool, Option<String>) {
    if let Some(m) = mem.suspended.get_mut(label) {
        let due = m
            .until
            .as_deref()
            .and_then(|t| t.parse::<Timestamp>().ok())
            .is_some_and(|t| t <= now);
        if m.resumed || prior.phase == StepPhase::Running || due {
            m.resumed = true;
            return (false, None);
        }
        return (true, m.until.clone());
    }
    let until = duration.map(|d| add(now, d).to_string());
    mem.suspended.insert(
        label.to_string(),
        SuspendMark {
            since: now.to_string(),
            until: until.clone(),
            resumed: false,
        },
    );
    (true, until)
}

/// Where a pass over a list of steps ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pass {
    /// Every step finished.
    Done,
    /// Some step runs on (waits, retries, or waits for its inputs): poll.
    Busy,
    /// A step waits for a resume.
    Suspended,
    /// A control command stopped the run.
    Stopped,
}

/// How one step's execution left it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    Finished,
    Running,
    Suspended,
    Stopped,
}

struct Machine<'a> {
    runner: &'a mut dyn Runner,
    sub_mode_dag: bool,
    /// When this apply first ran each step (by id): `--timeout` counts
    /// from there.
    started: HashMap<String, Timestamp>,
    /// Steps finished in this apply (a poll that finishes none backs off).
    finished_count: usize,
    /// In the current sweep: a leaf step ran and is still running.
    ran_busy: bool,
    /// In the current sweep: a step is suspended.
    suspended_seen: bool,
    /// In the current sweep: steps waiting for inputs, by position.
    stuck: Vec<(Vec<usize>, usize)>,
}

/// `status` as `if` conditions see it: by step name, the steps that have a
/// status (ran, or wait for their inputs), with the booleans KubeVela adds;
/// a step is also listed under its `properties.name` (else `.component`)
/// when that name is free (`status["my-comp"]` for an `apply-component`).
pub fn condition_status(wf: &WorkflowStatus, steps: &[StepRef]) -> Json {
    fn add(m: &mut serde_json::Map<String, Json>, s: &StepStatus) {
        if s.phase != StepPhase::Pending || s.first_execute_time.is_some() {
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
        }
        for x in &s.sub_steps {
            add(m, x);
        }
    }
    let mut m = serde_json::Map::new();
    for s in &wf.steps {
        add(&mut m, s);
    }
    for s in crate::plan::read::all_steps(steps) {
        let alias = ["name", "component"]
            .iter()
            .find_map(|k| s.properties.get(*k).and_then(Json::as_str));
        if let (Some(a), Some(v)) = (alias, m.get(&s.name).cloned())
            && !m.contains_key(a)
        {
            m.insert(a.to_string(), v);
        }
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

/// Runs the workflow as far as it can go now: steps that wait are polled
/// (with a backoff) until they finish, time out, or a control command stops
/// the run. Returns with the status updated (and checkpointed): finished,
/// suspended or stopped.
pub fn advance(
    steps: &[StepRef],
    steps_dag: bool,
    sub_dag: bool,
    wf: &mut WorkflowStatus,
    runner: &mut dyn Runner,
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
        started: HashMap::new(),
        finished_count: 0,
        ran_busy: false,
        suspended_seen: false,
        stuck: Vec::new(),
    };
    if m.runner.checkpoint(wf) == Control::Stop {
        return;
    }
    let mut polls = 0u32;
    loop {
        let before = m.finished_count;
        m.ran_busy = false;
        m.suspended_seen = false;
        m.stuck.clear();
        let mut pass = m.pass(steps, &[], steps_dag, wf);
        if pass == Pass::Busy && !m.ran_busy {
            // Nothing runs: steps waiting for inputs wait for a suspended
            // step, or for nothing that can still come.
            if m.suspended_seen {
                pass = Pass::Suspended;
            } else if !m.stuck.is_empty() {
                if !m.fail_stuck(steps, wf) {
                    return;
                }
                continue;
            }
        }
        match pass {
            Pass::Stopped => return,
            Pass::Suspended => {
                wf.suspend = true;
                wf.status = WorkflowState::Suspending;
                break;
            }
            Pass::Done => {
                let failed = wf.steps.iter().any(|s| s.phase == StepPhase::Failed);
                wf.finished = true;
                wf.end_time = Some(m.runner.now().to_string());
                wf.status = if wf.terminated {
                    WorkflowState::Terminated
                } else if failed {
                    WorkflowState::Failed
                } else {
                    WorkflowState::Succeeded
                };
                if failed {
                    wf.terminated = true;
                }
                break;
            }
            Pass::Busy => {
                polls = if m.finished_count > before {
                    0
                } else {
                    polls + 1
                };
                let until = m.nearest_deadline(steps, wf);
                m.runner.pause(polls, until);
                if m.runner.checkpoint(wf) == Control::Stop {
                    return;
                }
            }
        }
    }
    m.runner.checkpoint(wf);
}

impl Machine<'_> {
    fn save(&mut self, wf: &mut WorkflowStatus) -> bool {
        self.runner.checkpoint(wf) == Control::Continue
    }

    /// The earliest time a running step times out.
    fn nearest_deadline(&self, steps: &[StepRef], wf: &WorkflowStatus) -> Option<Timestamp> {
        fn walk(m: &Machine, steps: &[StepRef], st: &[StepStatus], out: &mut Vec<Timestamp>) {
            for (s, x) in steps.iter().zip(st) {
                if !finished(x) && x.phase != StepPhase::Suspending {
                    out.extend(m.deadline_reason(s, x).map(|(t, _)| t));
                }
                walk(m, &s.sub_steps, &x.sub_steps, out);
            }
        }
        let mut out = Vec::new();
        walk(self, steps, &wf.steps, &mut out);
        out.into_iter().min()
    }

    /// When a step times out, and what its message then says: its own
    /// `timeout` counts from its first execution (as upstream), the default
    /// (`--timeout`) from when this apply started it.
    fn deadline_reason(&self, s: &StepRef, st: &StepStatus) -> Option<(Timestamp, String)> {
        match s.timeout.as_deref().and_then(parse_duration) {
            Some(d) => {
                let from = ts(&st.first_execute_time)?;
                Some((add(from, d), "step timed out".into()))
            }
            // A group's sub-steps each have their own bound.
            None if s.type_ == "step-group" => None,
            None => {
                let d = self.runner.default_timeout()?;
                let from = *self.started.get(&s.id)?;
                Some((
                    add(from, d),
                    format!("not finished within {} (--timeout)", show_duration(d)),
                ))
            }
        }
    }

    /// One pass over the step list at `path`.
    fn pass(
        &mut self,
        steps: &[StepRef],
        path: &[usize],
        dag: bool,
        wf: &mut WorkflowStatus,
    ) -> Pass {
        let mut busy = false;
        loop {
            let mut progressed = false;
            for (i, s) in steps.iter().enumerate() {
                if finished(&list(wf, path)[i]) {
                    continue;
                }
                if list(wf, path)[i].phase == StepPhase::Pending {
                    // Dependencies first, then inputs: `if` may read both.
                    let st = list(wf, path);
                    let unmet = s.depends_on.iter().find(|d| {
                        st.iter()
                            .find(|x| &x.name == *d)
                            .is_some_and(|x| !finished(x))
                    });
                    if let Some(d) = unmet {
                        st[i].message = format!("Pending on DependsOn: {d}");
                        if dag {
                            continue;
                        }
                        break;
                    }
                    if !wf.terminated
                        && let Some(msg) = self.runner.pending(s)
                    {
                        let now = self.runner.now();
                        let st = &mut list(wf, path)[i];
                        if st.message != msg {
                            st.message = msg;
                            st.first_execute_time.get_or_insert(now.to_string());
                            if !self.save(wf) {
                                return Pass::Stopped;
                            }
                        }
                        self.stuck.push((path.to_vec(), i));
                        busy = true;
                        if dag {
                            continue;
                        }
                        break;
                    }
                    let verdict = if wf.terminated {
                        Ok(true)
                    } else {
                        self.skip(s, i, path, dag, wf)
                    };
                    if verdict != Ok(false) {
                        let st = &mut list(wf, path)[i];
                        mark_skipped(st);
                        st.message = match &verdict {
                            Err(e) => format!("pre check error: {e}"),
                            Ok(_) => String::new(),
                        };
                        self.runner.finished_without_run(s);
                        self.finished_count += 1;
                        progressed = true;
                        if !self.save(wf) {
                            return Pass::Stopped;
                        }
                        continue;
                    }
                }
                match self.exec(s, path, i, wf) {
                    End::Finished => {
                        self.finished_count += 1;
                        progressed = true;
                    }
                    End::Stopped => return Pass::Stopped,
                    End::Running => {
                        busy = true;
                        if s.type_ != "step-group" {
                            self.ran_busy = true;
                        }
                        if !dag {
                            break;
                        }
                    }
                    End::Suspended => {
                        self.suspended_seen = true;
                        if !dag {
                            break;
                        }
                    }
                }
            }
            if !dag || !progressed {
                break;
            }
        }
        let st = list(wf, path);
        if st.iter().all(finished) {
            Pass::Done
        } else if busy {
            Pass::Busy
        } else {
            // Suspended, or (step by step) stopped before a step whose
            // dependency comes later (refused when planning).
            Pass::Suspended
        }
    }

    /// Fails the steps waiting for inputs that no step left can set.
    fn fail_stuck(&mut self, steps: &[StepRef], wf: &mut WorkflowStatus) -> bool {
        let stuck = std::mem::take(&mut self.stuck);
        let now = self.runner.now();
        for (path, i) in &stuck {
            let mut level = steps;
            for &k in path {
                level = &level[k].sub_steps;
            }
            let st = &mut list(wf, path)[*i];
            let why = format!("{}: no step left can set it", st.message);
            fail(st, "Input", &why, now);
            self.runner.finished_without_run(&level[*i]);
            self.finished_count += 1;
        }
        self.save(wf)
    }

    fn skip(
        &mut self,
        s: &StepRef,
        i: usize,
        path: &[usize],
        dag: bool,
        wf: &mut WorkflowStatus,
    ) -> Result<bool, String> {
        match s.if_.as_deref().map(str::trim) {
            Some("always") => return Ok(false),
            Some(expr) => return self.runner.condition(s, expr, wf).map(|run| !run),
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

    fn exec(&mut self, s: &StepRef, path: &[usize], i: usize, wf: &mut WorkflowStatus) -> End {
        let now = self.runner.now();
        let group = s.type_ == "step-group";
        let prior = list(wf, path)[i].clone();
        if prior.phase == StepPhase::Suspending && !group {
            let due = ts(&prior.resume_at).is_some_and(|t| t <= now);
            if !due {
                return End::Suspended;
            }
        }
        self.started.entry(s.id.clone()).or_insert(now);
        if let Some((deadline, why)) = self.deadline_reason(s, &prior)
            && deadline <= now
        {
            let st = &mut list(wf, path)[i];
            fail(st, "Timeout", &why, now);
            for x in st.sub_steps.iter_mut().filter(|x| !finished(x)) {
                fail(x, "Timeout", "step group timed out", now);
            }
            self.runner.finished_without_run(s);
            return if self.save(wf) {
                End::Finished
            } else {
                End::Stopped
            };
        }
        if prior.phase == StepPhase::Pending {
            self.runner.begin(s);
        }
        let st = &mut list(wf, path)[i];
        st.phase = StepPhase::Running;
        if st.reason == "Suspend" {
            st.reason.clear();
            st.message.clear();
        }
        st.resume_at = None;
        st.first_execute_time.get_or_insert(now.to_string());
        st.last_execute_time = Some(now.to_string());
        if prior.phase != StepPhase::Running && !self.save(wf) {
            return End::Stopped;
        }
        if group {
            return self.exec_group(s, path, i, wf);
        }
        let outcome = self.runner.run(s, &prior);
        let now = self.runner.now();
        let st = &mut list(wf, path)[i];
        st.last_execute_time = Some(now.to_string());
        let end = match outcome {
            Outcome::Succeeded(msg) => {
                st.phase = StepPhase::Succeeded;
                st.reason.clear();
                st.message = msg;
                End::Finished
            }
            Outcome::Waiting(msg) => {
                st.phase = StepPhase::Running;
                st.reason = "Wait".into();
                st.message = msg;
                End::Running
            }
            Outcome::Suspended(msg, until) => {
                st.phase = StepPhase::Suspending;
                st.reason = "Suspend".into();
                st.message = msg;
                st.resume_at = until;
                End::Suspended
            }
            Outcome::Failed(reason, msg) => {
                fail(st, &reason, &msg, now);
                End::Finished
            }
            Outcome::Error(msg) => {
                st.phase = StepPhase::Failed;
                st.reason = "Execute".into();
                st.message = msg;
                End::Running
            }
            Outcome::Broken(msg) => {
                st.phase = StepPhase::Succeeded;
                st.reason = "Terminate".into();
                st.message = msg;
                wf.terminated = true;
                End::Finished
            }
        };
        if self.save(wf) { end } else { End::Stopped }
    }

    fn exec_group(
        &mut self,
        s: &StepRef,
        path: &[usize],
        i: usize,
        wf: &mut WorkflowStatus,
    ) -> End {
        let dag = match s.mode.as_deref() {
            Some("StepByStep") => false,
            Some(_) => true,
            None => self.sub_mode_dag,
        };
        let sub: Vec<usize> = path.iter().copied().chain([i]).collect();
        match self.pass(&s.sub_steps, &sub, dag, wf) {
            Pass::Stopped => End::Stopped,
            Pass::Suspended => {
                // As KubeVela shows it: a group with a suspended sub-step is
                // suspending too (a resume runs both again).
                list(wf, path)[i].phase = StepPhase::Suspending;
                End::Suspended
            }
            Pass::Busy => End::Running,
            Pass::Done => {
                let now = self.runner.now();
                let st = &mut list(wf, path)[i];
                let rank = |r: &str| match r {
                    "FailedAfterRetries" => 0,
                    "Timeout" => 1,
                    "Action" => 2,
                    "Terminate" => 3,
                    _ => 4,
                };
                let failed = st
                    .sub_steps
                    .iter()
                    .filter(|x| x.phase == StepPhase::Failed)
                    .min_by_key(|x| rank(&x.reason))
                    .cloned();
                match failed {
                    Some(f) => fail(st, &f.reason, &format!("sub-step {} failed", f.name), now),
                    None if st.sub_steps.iter().all(|x| x.phase == StepPhase::Skipped)
                        && !st.sub_steps.is_empty() =>
                    {
                        st.phase = StepPhase::Skipped;
                        st.reason = "Skip".into();
                    }
                    None => {
                        st.phase = StepPhase::Succeeded;
                        st.reason.clear();
                    }
                }
                self.runner.group_finished(s);
                if self.save(wf) {
                    End::Finished
                } else {
                    End::Stopped
                }
            }
        }
    }
}

/// A duration as Go prints it (`5m0s` is shown `5m`).
fn show_duration(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, s) => format!("{h}h{m}m{s}s"),
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
pub use super::control::{ControlError, app_phase, restart_from, resume, suspend, terminate};

#[cfg(test)]
#[path = "workflow_tests.rs"]
mod tests;
