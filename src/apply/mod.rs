//! The applier: runs a plan's workflow against clusters, records every
//! transition in the state directory, and collects what the new revision no
//! longer has.
//!
//! A plan is checked before anything is sent: format and velac version,
//! every bundle file against its digest, each cluster's endpoint against the
//! snapshot the plan was made with and its identity against the registry,
//! and the revision against the last one applied (a stale plan is refused
//! unless the caller allows it). The application's run lock is held for the
//! whole run, so two appliers never interleave.

pub mod deploy;
mod gc;
pub mod health;
pub mod kstatus;
pub mod order;
pub mod policies;
pub mod workflow;

use crate::plan::read::{PlanDir, StepRef, all_steps};
use crate::state::status::{AppStatus, ComponentRef, Revision, WorkflowStatus};
use crate::state::{AppKey, StateError, Store};
use deploy::{Clusters, Ctx};
use jiff::Timestamp;
use serde_json::{Value as Json, json};
use std::time::Duration;
use workflow::{Control, Outcome, Runner};

/// Step types the applier executes.
pub const EXECUTABLE: &[&str] = &[
    "deploy",
    "deploy2env",
    "apply-component",
    "apply-object",
    "suspend",
    "step-group",
    "depends-on-app",
];

/// Tuning and safety switches.
#[derive(Clone, Debug)]
pub struct Options {
    /// Take over fields other managers own (`--force-conflicts`).
    pub force_conflicts: bool,
    /// Apply a plan older than the last applied revision (`--allow-stale`).
    pub allow_stale: bool,
    /// How long a deploy step without its own `timeout` waits for health.
    pub step_timeout: Duration,
    /// Health probe interval; `None`: the `health` policy's `probeInterval`,
    /// else 2 s.
    pub poll: Option<Duration>,
    /// How long CRDs may take to become Established.
    pub crd_timeout: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            force_conflicts: false,
            allow_stale: false,
            step_timeout: Duration::from_secs(300),
            poll: None,
            crd_timeout: Duration::from_secs(60),
        }
    }
}

/// Progress, for the terminal or for CI (`--output json`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A step starts.
    StepStarted {
        /// Step name.
        step: String,
        /// Step type.
        type_: String,
    },
    /// An object was written.
    Applied {
        /// Step.
        step: String,
        /// Cluster.
        cluster: String,
        /// `Kind ns/name`.
        object: String,
    },
    /// A step waits for its services.
    Waiting {
        /// Step.
        step: String,
        /// Unhealthy services: `name (cluster): message`.
        services: Vec<String>,
    },
    /// A step finished (or stopped at a suspend).
    StepFinished {
        /// Step.
        step: String,
        /// Phase.
        phase: String,
        /// Message.
        message: String,
    },
    /// Garbage collection deleted an object.
    Deleted {
        /// Cluster.
        cluster: String,
        /// `Kind ns/name`.
        object: String,
    },
    /// Something worth saying that is not an error.
    Warning(String),
}

impl Event {
    /// One JSON object per event (for `--output json`).
    pub fn to_json(&self) -> Json {
        match self {
            Event::StepStarted { step, type_ } => {
                json!({"event": "stepStarted", "step": step, "type": type_})
            }
            Event::Applied {
                step,
                cluster,
                object,
            } => json!({"event": "applied", "step": step, "cluster": cluster, "object": object}),
            Event::Waiting { step, services } => {
                json!({"event": "waiting", "step": step, "services": services})
            }
            Event::StepFinished {
                step,
                phase,
                message,
            } => json!({"event": "stepFinished", "step": step, "phase": phase, "message": message}),
            Event::Deleted { cluster, object } => {
                json!({"event": "deleted", "cluster": cluster, "object": object})
            }
            Event::Warning(m) => json!({"event": "warning", "message": m}),
        }
    }
}

/// Where events go.
pub trait Events: Sync {
    /// Reports one event.
    fn emit(&self, e: Event);
}

/// Why an apply did not start or could not finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// The state store failed (or another apply holds the lock).
    #[error(transparent)]
    State(#[from] StateError),
    /// The plan is not applicable as it is.
    #[error("{0}")]
    Plan(String),
    /// The plan is older than what was applied.
    #[error("stale plan: {0}; plan again, or pass --allow-stale to apply it anyway")]
    Stale(String),
}

/// The application a plan is for.
pub fn app_key(plan: &PlanDir) -> AppKey {
    AppKey {
        namespace: plan.plan.application.namespace.clone(),
        name: plan.plan.application.name.clone(),
    }
}

/// Clusters a plan deploys to (sorted).
pub fn clusters_used(plan: &PlanDir) -> Vec<String> {
    let mut c: Vec<String> = all_steps(&plan.plan.steps)
        .iter()
        .flat_map(|s| s.placements.iter().map(|p| p.cluster.clone()))
        .chain(
            all_steps(&plan.plan.steps)
                .iter()
                .filter(|s| s.type_ == "apply-object")
                .map(|s| {
                    s.properties
                        .get("cluster")
                        .and_then(Json::as_str)
                        .filter(|c| !c.is_empty())
                        .unwrap_or("local")
                        .to_string()
                }),
        )
        .collect();
    c.sort();
    c.dedup();
    c
}

/// How a verified plan relates to the state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// A new revision: the workflow starts from its first step.
    Fresh,
    /// The revision being run: the workflow goes on where it stopped.
    Continue,
}

/// Checks a plan against the state before anything is sent.
pub fn verify(
    plan: &PlanDir,
    last: Option<&AppStatus>,
    opts: &Options,
) -> Result<Start, ApplyError> {
    let p = &plan.plan;
    if p.velac_version != env!("CARGO_PKG_VERSION") && !opts.allow_stale {
        return Err(ApplyError::Stale(format!(
            "the plan was made by velac {}, this is velac {}",
            p.velac_version,
            env!("CARGO_PKG_VERSION")
        )));
    }
    for s in all_steps(&p.steps) {
        // Step outputs come from a step's CUE value, which the native steps
        // do not have: refuse rather than run with inputs left empty.
        if !s.inputs.is_empty() || !s.outputs.is_empty() {
            return Err(ApplyError::Plan(format!(
                "step {:?} declares inputs or outputs, which velac apply does not pass between steps",
                s.name
            )));
        }
        if !EXECUTABLE.contains(&s.type_.as_str()) {
            return Err(ApplyError::Plan(format!(
                "step {:?} has type {:?}, which velac apply cannot execute (it runs: {})",
                s.name,
                s.type_,
                EXECUTABLE.join(", ")
            )));
        }
    }
    let latest = last.and_then(|s| s.latest_revision.as_ref());
    let Some(latest) = latest else {
        if p.revision.number != 1 && !opts.allow_stale {
            return Err(ApplyError::Stale(format!(
                "the plan is revision {} but nothing was applied yet (expected {}-v1)",
                p.revision.name, p.application.name
            )));
        }
        return Ok(Start::Fresh);
    };
    if p.revision.number == latest.revision && p.revision.hash == latest.revision_hash {
        return Ok(Start::Continue);
    }
    if p.revision.number == latest.revision + 1 || opts.allow_stale {
        return Ok(Start::Fresh);
    }
    Err(ApplyError::Stale(if p.revision.number == latest.revision {
        format!(
            "{} was already applied with other contents (hash {}, this plan {})",
            latest.name, latest.revision_hash, p.revision.hash
        )
    } else {
        format!(
            "the plan is {} but the last applied revision is {}",
            p.revision.name, latest.name
        )
    }))
}

/// The plan an application's latest run applied, from the state.
pub fn kept_plan(home: &dyn Store, key: &AppKey, revision: &str) -> Result<PlanDir, ApplyError> {
    let files = home
        .plan_files(key, revision)?
        .ok_or_else(|| ApplyError::Plan(format!("the state keeps no plan for {revision}")))?;
    let origin = std::path::PathBuf::from(format!("{} ({key} {revision})", home.describe()));
    PlanDir::from_files(files, &origin).map_err(|e| ApplyError::Plan(e.to_string()))
}

/// Evaluates a step's `if` (CUE) against the steps' status.
pub fn condition(expr: &str, status: &Json, context: &Json) -> Result<bool, String> {
    // `status` and `context` are injected as data; declared here so the
    // expression can refer to them.
    let text = format!("velacIf: {expr}\nstatus: _\ncontext: _\n");
    let mut ev = crate::cue::Evaluation::from_source("if", &text)
        .map_err(|d| d.first().map_or_else(String::new, |d| d.message.clone()))?;
    let span = crate::source::Span::new(crate::source::FileId(0), 0, 0);
    crate::cue::inject_json(&mut ev.engine, ev.root, "status", status, span);
    crate::cue::inject_json(&mut ev.engine, ev.root, "context", context, span);
    let v = ev.lookup("velacIf").ok_or("no value")?;
    match ev.export(v) {
        Ok(Json::Bool(b)) => Ok(b),
        Ok(other) => Err(format!("{expr:?} is {other}, not a bool")),
        Err(e) => Err(e.0.first().map_or_else(
            || "cannot evaluate".into(),
            |x| format!("{expr:?}: {}", x.msg),
        )),
    }
}

struct Applier<'a> {
    ctx: Ctx<'a>,
    home: &'a dyn Store,
    key: AppKey,
    status: AppStatus,
    /// The workflow as this run last wrote it: a different one on disk
    /// means a control command ran meanwhile.
    written: Option<WorkflowStatus>,
}

impl Runner for Applier<'_> {
    fn run(&mut self, step: &StepRef, deadline: Option<Timestamp>) -> Outcome {
        self.ctx.events.emit(Event::StepStarted {
            step: step.name.clone(),
            type_: step.type_.clone(),
        });
        let out = match step.type_.as_str() {
            "deploy" | "deploy2env" | "apply-component" => self.deploy(step, deadline),
            "apply-object" => self.apply_object(step),
            "depends-on-app" => self.depends_on_app(step, deadline),
            other => Outcome::Failed(
                "Execute".into(),
                format!("velac cannot execute step type {other:?}"),
            ),
        };
        let (phase, message) = match &out {
            Outcome::Succeeded(m) => ("succeeded", m.clone()),
            Outcome::Failed(r, m) => ("failed", format!("{r}: {m}")),
        };
        self.ctx.events.emit(Event::StepFinished {
            step: step.name.clone(),
            phase: phase.into(),
            message,
        });
        out
    }

    fn checkpoint(&mut self, wf: &mut WorkflowStatus) -> Control {
        let written = self.written.clone();
        let mine = self.status.clone();
        let res = self.home.update_status(&self.key, |disk| {
            let d = disk.get_or_insert_with(|| mine.clone());
            if let (Some(theirs), Some(w)) = (&d.workflow, &written)
                && theirs != w
                && theirs.app_revision == wf.app_revision
            {
                *wf = theirs.clone();
                return Control::Stop;
            }
            let healthy = mine.services.iter().all(|s| s.healthy);
            *d = AppStatus {
                created_at: d.created_at.clone(),
                status: workflow::app_phase(wf, healthy),
                workflow: Some(wf.clone()),
                ..mine.clone()
            };
            Control::Continue
        });
        match res {
            Ok(Control::Continue) => {
                self.written = Some(wf.clone());
                self.status.workflow = Some(wf.clone());
                Control::Continue
            }
            Ok(Control::Stop) => {
                self.ctx.events.emit(Event::Warning(
                    "the workflow was suspended or terminated by a workflow command; stopping"
                        .into(),
                ));
                Control::Stop
            }
            Err(e) => {
                self.ctx
                    .events
                    .emit(Event::Warning(format!("cannot record progress: {e}")));
                Control::Stop
            }
        }
    }

    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

impl Applier<'_> {
    fn record(&mut self, applied: Vec<crate::state::status::AppliedResource>) {
        for a in applied {
            self.status.applied_resources.retain(|x| {
                (&x.cluster, &x.api_version, &x.kind, &x.namespace, &x.name)
                    != (&a.cluster, &a.api_version, &a.kind, &a.namespace, &a.name)
            });
            self.status.applied_resources.push(a);
        }
        self.status.applied_resources.sort();
    }

    fn set_services(&mut self, svcs: &[crate::state::status::ServiceStatus]) {
        for s in svcs {
            match self.status.services.iter_mut().find(|x| {
                (&x.name, &x.cluster, &x.namespace, &x.env)
                    == (&s.name, &s.cluster, &s.namespace, &s.env)
            }) {
                Some(x) => *x = s.clone(),
                None => self.status.services.push(s.clone()),
            }
        }
    }

    /// A setting of the `health` policy, in seconds.
    fn health_setting(&self, key: &str) -> Option<Duration> {
        self.ctx
            .plan
            .plan
            .policies
            .iter()
            .find(|p| p.type_ == "health")
            .and_then(|p| p.properties.get(key).and_then(Json::as_u64))
            .map(Duration::from_secs)
    }

    fn interval(&self) -> Duration {
        let policy = self.health_setting("probeInterval");
        self.ctx
            .opts
            .poll
            .or(policy)
            .unwrap_or(Duration::from_secs(2))
    }

    fn deploy(&mut self, step: &StepRef, deadline: Option<Timestamp>) -> Outcome {
        let results: Vec<Result<deploy::Placed, String>> = std::thread::scope(|sc| {
            let ctx = &self.ctx;
            let hs: Vec<_> = step
                .placements
                .iter()
                .map(|p| sc.spawn(move || ctx.place(step, p)))
                .collect();
            hs.into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("apply thread panicked".into()))
                })
                .collect()
        });
        let mut errors = Vec::new();
        for r in results {
            match r {
                Ok(p) => self.record(p.applied),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Outcome::Failed("Execute".into(), errors.join("; "));
        }
        let deadline = deadline.unwrap_or_else(|| {
            let d = jiff::SignedDuration::try_from(self.ctx.opts.step_timeout).unwrap_or_default();
            Timestamp::now()
                .checked_add(d)
                .unwrap_or_else(|_| Timestamp::now())
        });
        let interval = self.interval();
        let probe_timeout = self.health_setting("probeTimeout");
        loop {
            let started = std::time::Instant::now();
            let mut svcs = self.ctx.health(step);
            // A probe slower than the health policy's probeTimeout counts as failed.
            if let Some(limit) = probe_timeout
                && started.elapsed() > limit
            {
                for s in &mut svcs {
                    s.healthy = false;
                    s.message = format!(
                        "health probe took longer than probeTimeout ({}s)",
                        limit.as_secs()
                    );
                }
            }
            self.set_services(&svcs);
            let bad: Vec<String> = svcs
                .iter()
                .filter(|s| !s.healthy)
                .map(|s| format!("{} ({}): {}", s.name, s.cluster, s.message))
                .collect();
            if bad.is_empty() {
                return Outcome::Succeeded(String::new());
            }
            if Timestamp::now() >= deadline {
                return Outcome::Failed(
                    "Timeout".into(),
                    format!("not healthy in time: {}", bad.join("; ")),
                );
            }
            self.ctx.events.emit(Event::Waiting {
                step: step.name.clone(),
                services: bad,
            });
            // Let control commands (suspend, terminate) be seen while waiting.
            if let Some(mut wf) = self.status.workflow.clone()
                && self.checkpoint(&mut wf) == Control::Stop
            {
                self.status.workflow = Some(wf);
                return Outcome::Failed("Terminate".into(), "stopped by a workflow command".into());
            }
            std::thread::sleep(interval);
        }
    }

    fn apply_object(&mut self, step: &StepRef) -> Outcome {
        let Some(obj) = step.properties.get("value").filter(|v| v.is_object()) else {
            return Outcome::Failed(
                "Execute".into(),
                "apply-object: properties.value is not an object".into(),
            );
        };
        let cluster = step
            .properties
            .get("cluster")
            .and_then(Json::as_str)
            .filter(|c| !c.is_empty())
            .unwrap_or("local");
        let Some(c) = self.ctx.clusters.get(cluster) else {
            return Outcome::Failed(
                "Execute".into(),
                format!("cluster {cluster} is not connected"),
            );
        };
        let mut obj = obj.clone();
        if obj.pointer("/metadata/namespace").is_none()
            && let Some(m) = obj.pointer_mut("/metadata").and_then(Json::as_object_mut)
        {
            m.insert(
                "namespace".into(),
                json!(self.ctx.plan.plan.application.namespace),
            );
        }
        match c.apply(&obj, self.ctx.opts.force_conflicts) {
            Ok(live) => {
                let r = crate::cluster::api::ObjRef::of(&live);
                self.ctx.events.emit(Event::Applied {
                    step: step.name.clone(),
                    cluster: cluster.into(),
                    object: r.to_string(),
                });
                Outcome::Succeeded(String::new())
            }
            Err(e) => Outcome::Failed("Execute".into(), format!("cluster {cluster}: {e}")),
        }
    }

    fn depends_on_app(&mut self, step: &StepRef, deadline: Option<Timestamp>) -> Outcome {
        let name = step
            .properties
            .get("name")
            .and_then(Json::as_str)
            .unwrap_or_default();
        let namespace = step
            .properties
            .get("namespace")
            .and_then(Json::as_str)
            .unwrap_or(&self.ctx.plan.plan.application.namespace);
        let key = AppKey {
            namespace: namespace.into(),
            name: name.into(),
        };
        let deadline = deadline.unwrap_or_else(|| {
            let d = jiff::SignedDuration::try_from(self.ctx.opts.step_timeout).unwrap_or_default();
            Timestamp::now()
                .checked_add(d)
                .unwrap_or_else(|_| Timestamp::now())
        });
        loop {
            let phase = match self.home.status(&key) {
                Ok(Some(s)) => s.status,
                Ok(None) => {
                    return Outcome::Failed(
                        "Execute".into(),
                        format!("application {key} was never applied"),
                    );
                }
                Err(e) => return Outcome::Failed("Execute".into(), e.to_string()),
            };
            if phase == crate::state::status::AppPhase::Running {
                return Outcome::Succeeded(String::new());
            }
            if Timestamp::now() >= deadline {
                return Outcome::Failed(
                    "Timeout".into(),
                    format!("application {key} is {}, not running", phase.as_str()),
                );
            }
            std::thread::sleep(self.interval());
        }
    }
}

/// Runs (or continues) a plan's workflow. Returns the status it ended with.
pub fn apply(
    plan: &PlanDir,
    home: &dyn Store,
    clusters: &Clusters,
    opts: &Options,
    events: &dyn Events,
) -> Result<AppStatus, ApplyError> {
    let key = app_key(plan);
    let _lock = home.lock_run(&key, "velac apply")?;
    let last = home.status(&key)?;
    let start = verify(plan, last.as_ref(), opts)?;
    let p = &plan.plan;
    let mut status = last
        .clone()
        .unwrap_or_else(|| AppStatus::new(&p.application.name, &p.application.namespace));
    let mode = format!("{}-{}", p.mode.steps, p.mode.sub_steps);
    let mut wf = match (start, &status.workflow) {
        (Start::Continue, Some(w)) => w.clone(),
        _ => workflow::init(&p.steps, &mode, &p.revision.name),
    };
    if start == Start::Fresh {
        home.save_plan(&key, &p.revision.name, plan.files())?;
        let number = status
            .latest_revision
            .as_ref()
            .map_or(p.revision.number, |l| p.revision.number.max(l.revision + 1));
        status.latest_revision = Some(Revision {
            name: p.revision.name.clone(),
            revision: number,
            revision_hash: p.revision.hash.clone(),
        });
        status.components = p
            .steps
            .iter()
            .flat_map(|s| all_steps(std::slice::from_ref(s)))
            .flat_map(|s| s.placements.iter().flat_map(|pl| pl.services.iter()))
            .fold(Vec::new(), |mut acc: Vec<ComponentRef>, s| {
                if !acc.iter().any(|c| c.name == s.name) {
                    acc.push(ComponentRef {
                        name: s.name.clone(),
                        type_: s.type_.clone(),
                    });
                }
                acc
            });
        // Services of the new revision are judged afresh.
        status.services.clear();
    }
    let owned: std::collections::HashSet<(String, crate::cluster::api::ObjRef)> = status
        .applied_resources
        .iter()
        .map(|a| {
            (
                a.cluster.clone(),
                crate::cluster::api::ObjRef::new(&a.api_version, &a.kind, &a.namespace, &a.name),
            )
        })
        .collect();
    let mut applier = Applier {
        ctx: Ctx {
            plan,
            clusters,
            opts,
            events,
            owned: &owned,
        },
        home,
        key: key.clone(),
        written: status.workflow.clone().filter(|_| start == Start::Continue),
        status,
    };
    let context = json!({
        "name": p.application.name, "namespace": p.application.namespace,
        "appName": p.application.name, "appRevision": p.revision.name,
    });
    let cond = |expr: &str, st: &Json| condition(expr, st, &context);
    workflow::advance(
        &p.steps,
        p.mode.steps == "DAG",
        p.mode.sub_steps != "StepByStep",
        &mut wf,
        &mut applier,
        &cond,
    );
    let succeeded = wf.status == crate::state::status::WorkflowState::Succeeded;
    if succeeded {
        gc::collect(&mut applier, plan)?;
    }
    Ok(home.status(&key)?.unwrap_or(applier.status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::status::Revision;

    fn plan(number: u32, hash: &str, steps: Json) -> PlanDir {
        let p = json!({
            "formatVersion": 1, "velacVersion": env!("CARGO_PKG_VERSION"),
            "application": {"name": "app", "namespace": "default"},
            "revision": {"name": format!("app-v{number}"), "number": number, "hash": hash},
            "inputsDigest": "sha256:0", "mode": {"steps": "StepByStep", "subSteps": "DAG"},
            "definitions": [], "clusters": [], "policies": [], "steps": steps,
        });
        PlanDir::from_files(
            vec![("plan.json".into(), p.to_string())],
            std::path::Path::new("p"),
        )
        .unwrap()
    }

    fn applied(number: u32, hash: &str) -> AppStatus {
        AppStatus {
            latest_revision: Some(Revision {
                name: format!("app-v{number}"),
                revision: number,
                revision_hash: hash.into(),
            }),
            ..AppStatus::new("app", "default")
        }
    }

    fn step(type_: &str) -> Json {
        json!([{"id": "x", "name": "s", "type": type_}])
    }

    #[test]
    fn revisions_decide_between_fresh_continue_and_stale() {
        let o = Options::default();
        assert_eq!(
            verify(&plan(1, "a", step("deploy")), None, &o).unwrap(),
            Start::Fresh
        );
        let e = verify(&plan(2, "a", step("deploy")), None, &o).unwrap_err();
        assert!(e.to_string().contains("nothing was applied yet"), "{e}");
        let last = applied(2, "h");
        assert_eq!(
            verify(&plan(2, "h", step("deploy")), Some(&last), &o).unwrap(),
            Start::Continue
        );
        assert_eq!(
            verify(&plan(3, "z", step("deploy")), Some(&last), &o).unwrap(),
            Start::Fresh
        );
        let e = verify(&plan(2, "other", step("deploy")), Some(&last), &o).unwrap_err();
        assert!(
            e.to_string()
                .contains("app-v2 was already applied with other contents"),
            "{e}"
        );
        let e = verify(&plan(1, "a", step("deploy")), Some(&last), &o).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "stale plan: the plan is app-v1 but the last applied revision is app-v2"
            ),
            "{e}"
        );
        let stale_ok = Options {
            allow_stale: true,
            ..Options::default()
        };
        assert_eq!(
            verify(&plan(1, "a", step("deploy")), Some(&last), &stale_ok).unwrap(),
            Start::Fresh
        );
    }

    #[test]
    fn steps_it_cannot_run_are_refused_before_anything_is_sent() {
        let o = Options::default();
        let e = verify(&plan(1, "a", step("notification")), None, &o).unwrap_err();
        assert!(
            e.to_string()
                .contains("type \"notification\", which velac apply cannot execute"),
            "{e}"
        );
        let with_inputs = json!([{"id": "x", "name": "s", "type": "deploy", "inputs": [{"from": "v", "parameterKey": "k"}]}]);
        let e = verify(&plan(1, "a", with_inputs), None, &o).unwrap_err();
        assert!(e.to_string().contains("declares inputs or outputs"), "{e}");
    }

    #[test]
    fn if_conditions_are_cue_over_the_steps_status() {
        let status = json!({"a": {"phase": "failed", "failed": true, "succeeded": false}});
        let ctx = json!({"name": "app"});
        assert_eq!(condition("status.a.failed", &status, &ctx), Ok(true));
        assert_eq!(
            condition("status.a.phase == \"succeeded\"", &status, &ctx),
            Ok(false)
        );
        assert_eq!(
            condition("context.name == \"app\"", &status, &ctx),
            Ok(true)
        );
        assert!(condition("status.b.failed", &status, &ctx).is_err());
        assert!(
            condition("\"yes\"", &status, &ctx)
                .unwrap_err()
                .contains("not a bool")
        );
    }
}
