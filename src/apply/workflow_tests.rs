use super::*;
use crate::state::status::AppPhase;
use serde_json::json;

/// A control command run by someone else.
type Command = fn(&mut WorkflowStatus);

/// Records executions; fails the steps named in `fail`; stops (as a kill
/// would) after `stop_after` checkpoints, keeping the last saved status.
struct Fake {
    ran: Vec<String>,
    fail: Vec<String>,
    now: Timestamp,
    checkpoints: usize,
    stop_after: Option<usize>,
    saved: Option<WorkflowStatus>,
    /// A control command applied by "someone else" at checkpoint N.
    external: Option<(usize, Command)>,
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
        }
    }
}

impl Runner for Fake {
    fn run(&mut self, step: &StepRef, _deadline: Option<Timestamp>) -> Outcome {
        self.ran.push(step.name.clone());
        if self.fail.contains(&step.name) {
            Outcome::Failed("FailedAfterRetries".into(), "boom".into())
        } else {
            Outcome::Succeeded(String::new())
        }
    }
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

fn no_cond(_: &str, _: &Json) -> Result<bool, String> {
    Err("no conditions here".into())
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
    advance(&steps, false, true, &mut wf, &mut r, &no_cond);
    assert_eq!(r.ran, ["deploy-staging"]);
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
    advance(&steps, false, true, &mut wf, &mut r, &no_cond);
    assert_eq!(r.ran, ["deploy-staging"]);
    assert!(wf.suspend);

    assert_eq!(resume(&mut wf, "example-app", None), Ok(true));
    advance(&steps, false, true, &mut wf, &mut r, &no_cond);
    assert_eq!(r.ran, ["deploy-staging", "deploy-prod"]);
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
    advance(&steps, false, true, &mut wf, &mut r, &no_cond);
    let disk = r.saved.clone().unwrap();
    assert_eq!(disk.steps[0].phase, StepPhase::Succeeded);
    assert_eq!(disk.steps[1].phase, StepPhase::Running);
    let mut wf = disk;
    let mut r2 = Fake::new();
    advance(&steps, false, true, &mut wf, &mut r2, &no_cond);
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
    advance(&steps, false, true, &mut wf, &mut r, &no_cond);
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
    advance(&steps, true, true, &mut wf, &mut r, &no_cond);
    assert_eq!(r.ran, ["free"]);
    assert!(wf.suspend);
    resume(&mut wf, "app", None).unwrap();
    advance(&steps, true, true, &mut wf, &mut r, &no_cond);
    assert_eq!(r.ran, ["free", "after-gate"]);
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
    advance(&steps, true, true, &mut wf, &mut r, &no_cond);
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
    advance(&steps, false, true, &mut wf, &mut r, &no_cond);
    assert_eq!(
        wf.steps[0].resume_at.as_deref(),
        Some("2026-11-29T00:01:30Z")
    );
    r.now = "2026-11-29T00:01:00Z".parse().unwrap();
    advance(&steps, false, true, &mut wf, &mut r, &no_cond);
    assert!(r.ran.is_empty() && wf.suspend, "not due yet");
    r.now = "2026-11-29T00:01:31Z".parse().unwrap();
    advance(&steps, false, true, &mut wf, &mut r, &no_cond);
    assert_eq!(r.ran, ["go"]);
    assert_eq!(wf.status, WorkflowState::Succeeded);
}

#[test]
fn deploy_with_auto_false_waits_for_a_resume_before_deploying() {
    let steps = vec![with(step("prod", "deploy"), |s| {
        s.properties = json!({"auto": false})
    })];
    let mut wf = init(&steps, "StepByStep-DAG", "app-v1");
    let mut r = Fake::new();
    advance(&steps, false, true, &mut wf, &mut r, &no_cond);
    assert!(r.ran.is_empty());
    assert_eq!(wf.steps[0].phase, StepPhase::Suspending);
    resume(&mut wf, "app", None).unwrap();
    advance(&steps, false, true, &mut wf, &mut r, &no_cond);
    assert_eq!(r.ran, ["prod"]);
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
    advance(&steps, false, true, &mut wf, &mut r, &no_cond);
    assert!(r.ran.is_empty());
    assert_eq!(wf.steps[0].phase, StepPhase::Failed);
    assert_eq!(wf.steps[0].reason, "Timeout");
}

#[test]
fn terminate_fails_unfinished_steps_and_resume_is_refused() {
    let steps = scenario();
    let mut wf = init(&steps, "StepByStep-DAG", "app-v1");
    let mut r = Fake::new();
    advance(&steps, false, true, &mut wf, &mut r, &no_cond);
    terminate(&mut wf, "app", r.now).unwrap();
    assert_eq!(wf.steps[1].phase, StepPhase::Failed);
    assert_eq!(wf.steps[1].reason, "Terminate");
    assert_eq!(app_phase(&wf, true), AppPhase::WorkflowTerminated);
    assert_eq!(
        resume(&mut wf, "app", None).unwrap_err().0,
        "can not resume a terminated workflow"
    );
    // An apply of a terminated workflow does nothing.
    advance(&steps, false, true, &mut wf, &mut r, &no_cond);
    assert_eq!(r.ran, ["deploy-staging"]);
}

#[test]
fn suspend_by_hand_stops_the_run_at_the_next_checkpoint() {
    let steps = vec![step("a", "deploy"), step("b", "deploy")];
    let mut wf = init(&steps, "StepByStep-DAG", "app-v1");
    let mut r = Fake::new();
    // Someone runs `workflow suspend` while `a` is running.
    r.external = Some((2, |wf| suspend(wf, "app", None).unwrap()));
    advance(&steps, false, true, &mut wf, &mut r, &no_cond);
    assert!(r.ran.is_empty());
    assert!(wf.suspend);
    assert_eq!(wf.steps[0].phase, StepPhase::Suspending);
    resume(&mut wf, "app", None).unwrap();
    let mut r = Fake::new();
    advance(&steps, false, true, &mut wf, &mut r, &no_cond);
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
    advance(&steps, false, true, &mut wf, &mut r, &no_cond);
    assert_eq!(wf.status, WorkflowState::Failed);
    restart_from(&mut wf, &steps, false, "b").unwrap();
    r.fail.clear();
    advance(&steps, false, true, &mut wf, &mut r, &no_cond);
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
    advance(&steps, false, true, &mut wf, &mut r, &no_cond);
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
    advance(&steps, false, true, &mut wf, &mut r, &cond);
    assert_eq!(r.ran, ["a", "on-ok"]);
    assert_eq!(wf.steps[1].phase, StepPhase::Skipped);
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
