use super::*;
use crate::state::context::StepContext;
use crate::state::status::AppPhase;
use serde_json::json;
use std::collections::HashMap;

/// Evaluates an `if` against the steps' status.
type Cond = fn(&str, &Json) -> Result<bool, String>;

/// A control command run by someone else.
type Command = fn(&mut WorkflowStatus);

/// Records executions; fails the steps named in `fail`; stops (as a kill
/// would) after `stop_after` checkpoints, keeping the last saved status.
/// `suspend` steps (and deploys with `auto: false`) suspend as the engine's
/// `#Suspend` does; `waits`/`errors` make a step wait or fail with reason
/// Execute that many times before it succeeds.
struct Fake {
    ran: Vec<String>,
    fail: Vec<String>,
    now: Timestamp,
    checkpoints: usize,
    stop_after: Option<usize>,
    saved: Option<WorkflowStatus>,
    /// A control command applied by "someone else" at checkpoint N.
    external: Option<(usize, Command)>,
    mem: HashMap<String, StepContext>,
    waits: HashMap<String, usize>,
    errors: HashMap<String, usize>,
    pending: HashMap<String, usize>,
    pauses: Vec<u32>,
    cond: Option<Cond>,
    timeout: Option<Duration>,
    skipped: Vec<String>,
}

impl Fake {
    fn new() -> Fake {
        Fake {
            ran: Vec::new(),
            fail: Vec::new(),
            now: "2026-11-29T00:00:00Z".parse().unwrap(),
            checkpoints: 0,
            stop_after: None,
            saved: None,
            external: None,
            mem: HashMap::new(),
            waits: HashMap::new(),
            errors: HashMap::new(),
            pending: HashMap::new(),
            pauses: Vec::new(),
            cond: None,
            timeout: None,
            skipped: Vec::new(),
        }
    }
}

fn countdown(m: &mut HashMap<String, usize>, name: &str) -> bool {
    match m.get_mut(name) {
        Some(n) if *n > 0 => {
            *n -= 1;
            true
        }
        _ => false,
    }
}

impl Runner for Fake {
    fn run(&mut self, step: &StepRef, prior: &StepStatus) -> Outcome {
        self.ran.push(step.name.clone());
        let gated = step.type_ == "suspend"
            || (step.type_ == "deploy" && step.properties.get("auto") == Some(&json!(false)));
        if gated {
            let d = step
                .properties
                .get("duration")
                .and_then(Json::as_str)
                .and_then(parse_duration);
            let mem = self.mem.entry(step.id.clone()).or_default();
            let (now, until) = suspend_now(mem, "suspend", d, prior, self.now);
            if now {
                return Outcome::Suspended("Suspended by field suspend".into(), until);
            }
        }
        if countdown(&mut self.waits, &step.name) {
            return Outcome::Waiting("not ready".into());
        }
        if countdown(&mut self.errors, &step.name) {
            return Outcome::Error("flaky".into());
        }
        if self.fail.contains(&step.name) {
            Outcome::Failed("FailedAfterRetries".into(), "boom".into())
        } else if step.type_ == "break" {
            Outcome::Broken("enough".into())
        } else {
            Outcome::Succeeded(String::new())
        }
    }
    fn pending(&mut self, step: &StepRef) -> Option<String> {
        countdown(&mut self.pending, &step.name).then(|| "Pending on Input: x".to_string())
    }
    fn condition(&mut self, _s: &StepRef, expr: &str, wf: &WorkflowStatus) -> Result<bool, String> {
        match self.cond {
            Some(f) => f(expr, &condition_status(wf, &[])),
            None => Err("no conditions here".into()),
        }
    }
    fn begin(&mut self, step: &StepRef) {
        self.mem.remove(&step.id);
    }
    fn finished_without_run(&mut self, step: &StepRef) {
        self.skipped.push(step.name.clone());
    }
    fn group_finished(&mut self, _: &StepRef) {}
    fn checkpoint(&mut self, wf: &mut WorkflowStatus) -> Control {
        self.checkpoints += 1;
        if self.stop_after.is_some_and(|n| self.checkpoints > n) {
            return Control::Stop;
        }
        if let Some((n, f)) = self.external
            && n == self.checkpoints
        {
            let mut disk = wf.clone();
            f(&mut disk);
            *wf = disk.clone();
            self.saved = Some(disk);
            return Control::Stop;
        }
        self.saved = Some(wf.clone());
        Control::Continue
    }
    fn now(&self) -> Timestamp {
        self.now
    }
    fn pause(&mut self, polls: u32, _until: Option<Timestamp>) {
        self.pauses.push(polls);
        self.now = self
            .now
            .checked_add(jiff::SignedDuration::from_secs(10))
            .unwrap();
    }
    fn default_timeout(&self) -> Option<Duration> {
        self.timeout
    }
}

fn step(name: &str, type_: &str) -> StepRef {
    serde_json::from_value(json!({"id": format!("id-{name}"), "name": name, "type": type_}))
        .unwrap()
}

fn with(mut s: StepRef, f: impl FnOnce(&mut StepRef)) -> StepRef {
    f(&mut s);
    s
}

fn scenario() -> Vec<StepRef> {
    vec![
        step("deploy-staging", "deploy2env"),
        step("manual-approval", "suspend"),
        step("deploy-prod", "deploy2env"),
    ]
}

fn phases(wf: &WorkflowStatus) -> Vec<(&str, StepPhase)> {
    wf.steps
        .iter()
        .map(|s| (s.name.as_str(), s.phase))
        .collect()
}

#[test]
fn scenario_stops_at_the_suspend_and_resume_finishes_it() {
    let steps = scenario();
    let mut wf = init(&steps, "StepByStep-DAG", "example-app-v1");
    let mut r = Fake::new();
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["deploy-staging", "manual-approval"]);
    assert!(wf.suspend);
    assert_eq!(wf.status, WorkflowState::Suspending);
    assert_eq!(app_phase(&wf, true), AppPhase::WorkflowSuspending);
    assert_eq!(
        phases(&wf),
        [
            ("deploy-staging", StepPhase::Succeeded),
            ("manual-approval", StepPhase::Suspending),
            ("deploy-prod", StepPhase::Pending)
        ]
    );
    assert_eq!(wf.steps[1].message, "Suspended by field suspend");
    // Applying again without a resume changes nothing.
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["deploy-staging", "manual-approval"]);
    assert!(wf.suspend);

    assert_eq!(resume(&mut wf, "example-app", None), Ok(true));
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(
        r.ran,
        [
            "deploy-staging",
            "manual-approval",
            "manual-approval",
            "deploy-prod"
        ]
    );
    assert!(wf.finished && !wf.suspend && !wf.terminated);
    assert_eq!(wf.status, WorkflowState::Succeeded);
    assert_eq!(app_phase(&wf, true), AppPhase::Running);
    assert_eq!(app_phase(&wf, false), AppPhase::Unhealthy);
    // Control commands on a succeeded workflow are refused, as upstream.
    assert_eq!(
        resume(&mut wf, "example-app", None).unwrap_err().0,
        "resume workflow not allowed because application example-app is running"
    );
}

#[test]
fn a_killed_run_resumes_without_rerunning_succeeded_steps() {
    let steps = vec![
        step("a", "deploy"),
        step("b", "deploy"),
        step("c", "deploy"),
    ];
    let mut wf = init(&steps, "StepByStep-DAG", "app-v1");
    let mut r = Fake::new();
    // Checkpoints: start, a running, a succeeded, b running — killed there.
    r.stop_after = Some(4);
    advance(&steps, false, true, &mut wf, &mut r);
    let disk = r.saved.clone().unwrap();
    assert_eq!(disk.steps[0].phase, StepPhase::Succeeded);
    assert_eq!(disk.steps[1].phase, StepPhase::Running);
    let mut wf = disk;
    let mut r2 = Fake::new();
    advance(&steps, false, true, &mut wf, &mut r2);
    assert_eq!(
        r2.ran,
        ["b", "c"],
        "a succeeded before the kill and is not run again"
    );
    assert_eq!(wf.status, WorkflowState::Succeeded);
}

#[test]
fn a_failed_step_skips_the_rest_but_if_always_runs() {
    let steps = vec![
        step("a", "deploy"),
        step("b", "deploy"),
        with(step("notify", "deploy"), |s| s.if_ = Some("always".into())),
    ];
    let mut wf = init(&steps, "StepByStep-DAG", "app-v1");
    let mut r = Fake::new();
    r.fail = vec!["a".into()];
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["a", "notify"]);
    assert_eq!(
        phases(&wf),
        [
            ("a", StepPhase::Failed),
            ("b", StepPhase::Skipped),
            ("notify", StepPhase::Succeeded)
        ]
    );
    assert_eq!(wf.status, WorkflowState::Failed);
    assert_eq!(app_phase(&wf, true), AppPhase::WorkflowFailed);
}

#[test]
fn dag_runs_what_is_ready_and_waits_behind_a_suspend() {
    let steps = vec![
        step("gate", "suspend"),
        with(step("after-gate", "deploy"), |s| {
            s.depends_on = vec!["gate".into()]
        }),
        step("free", "deploy"),
    ];
    let mut wf = init(&steps, "DAG-DAG", "app-v1");
    let mut r = Fake::new();
    advance(&steps, true, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["gate", "free"]);
    assert!(wf.suspend);
    resume(&mut wf, "app", None).unwrap();
    advance(&steps, true, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["gate", "free", "gate", "after-gate"]);
    assert_eq!(wf.status, WorkflowState::Succeeded);
}

#[test]
fn a_dependency_that_failed_skips_its_dependants_in_dag_mode() {
    let steps = vec![
        step("a", "deploy"),
        with(step("b", "deploy"), |s| s.depends_on = vec!["a".into()]),
        step("c", "deploy"),
    ];
    let mut wf = init(&steps, "DAG-DAG", "app-v1");
    let mut r = Fake::new();
    r.fail = vec!["a".into()];
    advance(&steps, true, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["a", "c"]);
    assert_eq!(wf.steps[1].phase, StepPhase::Skipped);
}

#[test]
fn suspend_with_duration_resumes_by_itself_when_due() {
    let steps = vec![
        with(step("wait", "suspend"), |s| {
            s.properties = json!({"duration": "1m30s"})
        }),
        step("go", "deploy"),
    ];
    let mut wf = init(&steps, "StepByStep-DAG", "app-v1");
    let mut r = Fake::new();
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(
        wf.steps[0].resume_at.as_deref(),
        Some("2026-11-29T00:01:30Z")
    );
    r.now = "2026-11-29T00:01:00Z".parse().unwrap();
    advance(&steps, false, true, &mut wf, &mut r);
    assert!(r.ran == ["wait"] && wf.suspend, "not due yet");
    r.now = "2026-11-29T00:01:31Z".parse().unwrap();
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["wait", "wait", "go"]);
    assert_eq!(wf.status, WorkflowState::Succeeded);
}

#[test]
fn deploy_with_auto_false_waits_for_a_resume_before_deploying() {
    let steps = vec![with(step("prod", "deploy"), |s| {
        s.properties = json!({"auto": false})
    })];
    let mut wf = init(&steps, "StepByStep-DAG", "app-v1");
    let mut r = Fake::new();
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["prod"]);
    assert_eq!(wf.steps[0].phase, StepPhase::Suspending);
    resume(&mut wf, "app", None).unwrap();
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["prod", "prod"]);
    assert_eq!(wf.steps[0].phase, StepPhase::Succeeded);
}

#[test]
fn a_step_past_its_timeout_fails_with_reason_timeout() {
    let steps = vec![with(step("slow", "deploy"), |s| {
        s.timeout = Some("1m".into())
    })];
    let mut wf = init(&steps, "StepByStep-DAG", "app-v1");
    wf.steps[0].phase = StepPhase::Running;
    wf.steps[0].first_execute_time = Some("2026-11-28T23:58:00Z".into());
    let mut r = Fake::new();
    advance(&steps, false, true, &mut wf, &mut r);
    assert!(r.ran.is_empty());
    assert_eq!(wf.steps[0].phase, StepPhase::Failed);
    assert_eq!(wf.steps[0].reason, "Timeout");
}

#[test]
fn terminate_fails_unfinished_steps_and_resume_is_refused() {
    let steps = scenario();
    let mut wf = init(&steps, "StepByStep-DAG", "app-v1");
    let mut r = Fake::new();
    advance(&steps, false, true, &mut wf, &mut r);
    terminate(&mut wf, "app", r.now).unwrap();
    assert_eq!(wf.steps[1].phase, StepPhase::Failed);
    assert_eq!(wf.steps[1].reason, "Terminate");
    assert_eq!(app_phase(&wf, true), AppPhase::WorkflowTerminated);
    assert_eq!(
        resume(&mut wf, "app", None).unwrap_err().0,
        "can not resume a terminated workflow"
    );
    // An apply of a terminated workflow does nothing.
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["deploy-staging", "manual-approval"]);
}

#[test]
fn suspend_by_hand_stops_the_run_at_the_next_checkpoint() {
    let steps = vec![step("a", "deploy"), step("b", "deploy")];
    let mut wf = init(&steps, "StepByStep-DAG", "app-v1");
    let mut r = Fake::new();
    // Someone runs `workflow suspend` while `a` is running.
    r.external = Some((2, |wf| suspend(wf, "app", None).unwrap()));
    advance(&steps, false, true, &mut wf, &mut r);
    assert!(r.ran.is_empty());
    assert!(wf.suspend);
    assert_eq!(wf.steps[0].phase, StepPhase::Suspending);
    resume(&mut wf, "app", None).unwrap();
    let mut r = Fake::new();
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["a", "b"]);
}

#[test]
fn restart_from_a_step_reruns_it_and_what_follows() {
    let steps = vec![
        step("a", "deploy"),
        step("b", "deploy"),
        step("c", "deploy"),
    ];
    let mut wf = init(&steps, "StepByStep-DAG", "app-v1");
    let mut r = Fake::new();
    r.fail = vec!["b".into()];
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(wf.status, WorkflowState::Failed);
    restart_from(&mut wf, &steps, false, "b").unwrap();
    r.fail.clear();
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["a", "b", "b", "c"]);
    assert_eq!(wf.status, WorkflowState::Succeeded);
    assert!(restart_from(&mut wf, &steps, false, "nope").is_err());
}

#[test]
fn step_groups_run_their_sub_steps_and_aggregate() {
    let group = with(step("group", "step-group"), |s| {
        s.sub_steps = vec![step("x", "deploy"), step("y", "deploy")];
    });
    let steps = vec![group, step("after", "deploy")];
    let mut wf = init(&steps, "StepByStep-DAG", "app-v1");
    let mut r = Fake::new();
    r.fail = vec!["y".into()];
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["x", "y"]);
    assert_eq!(wf.steps[0].phase, StepPhase::Failed);
    assert_eq!(wf.steps[0].sub_steps[0].phase, StepPhase::Succeeded);
    assert_eq!(wf.steps[1].phase, StepPhase::Skipped);
}

#[test]
fn if_conditions_see_earlier_steps_status() {
    let steps = vec![
        step("a", "deploy"),
        with(step("on-fail", "deploy"), |s| {
            s.if_ = Some("status.a.failed".into())
        }),
        with(step("on-ok", "deploy"), |s| {
            s.if_ = Some("status.a.succeeded".into());
        }),
    ];
    let cond = |expr: &str, status: &Json| -> Result<bool, String> {
        let (step, field) = expr
            .strip_prefix("status.")
            .and_then(|e| e.split_once('.'))
            .ok_or("bad")?;
        status[step][field]
            .as_bool()
            .ok_or_else(|| "not a bool".to_string())
    };
    let mut wf = init(&steps, "StepByStep-DAG", "app-v1");
    let mut r = Fake::new();
    r.cond = Some(cond);
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["a", "on-ok"]);
    assert_eq!(wf.steps[1].phase, StepPhase::Skipped);
}

#[test]
fn a_waiting_step_is_polled_with_a_growing_backoff_until_it_finishes() {
    let steps = vec![step("slow", "deploy"), step("next", "deploy")];
    let mut wf = init(&steps, "StepByStep-DAG", "app-v1");
    let mut r = Fake::new();
    r.waits.insert("slow".into(), 3);
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["slow", "slow", "slow", "slow", "next"]);
    assert_eq!(r.pauses, [1, 2, 3], "each fruitless poll backs off further");
    assert_eq!(wf.status, WorkflowState::Succeeded);
}

#[test]
fn execute_errors_leave_the_step_unfinished_and_are_tried_again() {
    let steps = vec![step("flaky", "deploy")];
    let mut wf = init(&steps, "StepByStep-DAG", "app-v1");
    let mut r = Fake::new();
    r.errors.insert("flaky".into(), 2);
    r.external = None;
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["flaky", "flaky", "flaky"]);
    assert_eq!(wf.steps[0].phase, StepPhase::Succeeded);
    assert!(finished(&StepStatus {
        phase: StepPhase::Failed,
        reason: "Action".into(),
        ..StepStatus::default()
    }));
    assert!(!finished(&StepStatus {
        phase: StepPhase::Failed,
        reason: "Execute".into(),
        ..StepStatus::default()
    }));
}

#[test]
fn in_dag_mode_a_waiting_step_does_not_hold_back_its_siblings() {
    let steps = vec![
        step("slow", "deploy"),
        step("quick", "deploy"),
        with(step("after-quick", "deploy"), |s| {
            s.depends_on = vec!["quick".into()]
        }),
    ];
    let mut wf = init(&steps, "DAG-DAG", "app-v1");
    let mut r = Fake::new();
    r.waits.insert("slow".into(), 2);
    advance(&steps, true, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["slow", "quick", "after-quick", "slow", "slow"]);
    assert_eq!(wf.status, WorkflowState::Succeeded);
}

#[test]
fn a_step_waits_pending_for_its_inputs_while_something_can_still_set_them() {
    // The producer runs (it waits twice) while the consumer is pending.
    let steps = vec![step("producer", "deploy"), step("consumer", "deploy")];
    let mut wf = init(&steps, "DAG-DAG", "app-v1");
    let mut r = Fake::new();
    r.waits.insert("producer".into(), 2);
    r.pending.insert("consumer".into(), 3);
    advance(&steps, true, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["producer", "producer", "producer", "consumer"]);
    assert_eq!(wf.status, WorkflowState::Succeeded);

    // Nothing left that could set them: the step fails (reason Input)
    // instead of waiting for ever, as KubeVela would.
    let steps = vec![step("consumer", "deploy")];
    let mut wf = init(&steps, "DAG-DAG", "app-v1");
    let mut r = Fake::new();
    r.pending.insert("consumer".into(), 1000);
    advance(&steps, true, true, &mut wf, &mut r);
    assert!(r.ran.is_empty());
    assert_eq!(wf.steps[0].phase, StepPhase::Failed);
    assert_eq!(wf.steps[0].reason, "Input");
    assert_eq!(
        wf.steps[0].message,
        "Pending on Input: x: no step left can set it"
    );
    assert_eq!(r.skipped, ["consumer"], "its outputs are published as null");
}

#[test]
fn a_step_pending_behind_a_suspended_one_waits_for_the_resume() {
    let steps = vec![step("gate", "suspend"), step("consumer", "deploy")];
    let mut wf = init(&steps, "DAG-DAG", "app-v1");
    let mut r = Fake::new();
    r.pending.insert("consumer".into(), 1000);
    advance(&steps, true, true, &mut wf, &mut r);
    assert!(wf.suspend, "suspended, not failed");
    assert_eq!(wf.steps[1].phase, StepPhase::Pending);
}

#[test]
fn a_resumed_suspend_stays_resumed_through_retries() {
    let steps = vec![with(step("prod", "deploy"), |s| {
        s.properties = json!({"auto": false})
    })];
    let mut wf = init(&steps, "StepByStep-DAG", "app-v1");
    let mut r = Fake::new();
    advance(&steps, false, true, &mut wf, &mut r);
    resume(&mut wf, "app", None).unwrap();
    r.errors.insert("prod".into(), 2);
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["prod", "prod", "prod", "prod"]);
    assert_eq!(
        wf.steps[0].phase,
        StepPhase::Succeeded,
        "no second approval"
    );
}

#[test]
fn a_step_that_keeps_waiting_fails_after_the_default_timeout() {
    let steps = vec![step("stuck", "deploy"), step("later", "deploy")];
    let mut wf = init(&steps, "StepByStep-DAG", "app-v1");
    let mut r = Fake::new();
    r.waits.insert("stuck".into(), 1000);
    r.timeout = Some(Duration::from_secs(60));
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(wf.steps[0].reason, "Timeout");
    assert_eq!(wf.steps[1].phase, StepPhase::Skipped);
    assert_eq!(wf.status, WorkflowState::Failed);
}

#[test]
fn a_break_ends_the_workflow_with_the_step_succeeded() {
    let steps = vec![step("stop", "break"), step("never", "deploy")];
    let mut wf = init(&steps, "StepByStep-DAG", "app-v1");
    let mut r = Fake::new();
    advance(&steps, false, true, &mut wf, &mut r);
    assert_eq!(r.ran, ["stop"]);
    assert_eq!(
        (wf.steps[0].phase, wf.steps[0].reason.as_str()),
        (StepPhase::Succeeded, "Terminate")
    );
    assert_eq!(wf.steps[1].phase, StepPhase::Skipped);
    assert_eq!(wf.status, WorkflowState::Terminated);
    assert_eq!(app_phase(&wf, true), AppPhase::WorkflowTerminated);
}

#[test]
fn a_manual_resume_wins_over_a_suspend_duration() {
    let mut mem = StepContext::default();
    let t0: Timestamp = "2026-11-29T00:00:00Z".parse().unwrap();
    let pending = StepStatus::default();
    let (now, until) = suspend_now(&mut mem, "s", Some(Duration::from_secs(60)), &pending, t0);
    assert!(now);
    assert_eq!(until.as_deref(), Some("2026-11-29T00:01:00Z"));
    let suspended = StepStatus {
        phase: StepPhase::Suspending,
        ..StepStatus::default()
    };
    assert!(
        suspend_now(&mut mem, "s", None, &suspended, t0).0,
        "not due"
    );
    let resumed = StepStatus {
        phase: StepPhase::Running,
        ..StepStatus::default()
    };
    assert!(!suspend_now(&mut mem, "s", None, &resumed, t0).0);
    let later: Timestamp = "2026-11-29T00:01:00Z".parse().unwrap();
    assert!(
        !suspend_now(&mut mem, "s", None, &suspended, later).0,
        "due"
    );
    assert!(
        suspend_now(&mut mem, "second", None, &resumed, later).0,
        "a second #Suspend suspends again"
    );
}

#[test]
fn go_durations() {
    let d = |s| parse_duration(s).map(|d| d.as_millis());
    assert_eq!(d("90s"), Some(90_000));
    assert_eq!(d("1m30s"), Some(90_000));
    assert_eq!(d("2h"), Some(7_200_000));
    assert_eq!(d("500ms"), Some(500));
    assert_eq!(d("1.5m"), Some(90_000));
    assert_eq!(d("10"), None);
    assert_eq!(d("5x"), None);
    assert_eq!(d(""), None);
}
