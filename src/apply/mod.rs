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

mod control;
pub mod deploy;
pub mod gc;
pub mod health;
mod host;
pub mod kstatus;
pub mod order;
pub mod policies;
pub mod preview;
mod providers;
pub mod runner;
pub mod workflow;

use crate::plan::read::{PlanDir, all_steps};
use crate::state::status::{AppStatus, ComponentRef, Revision};
use crate::state::{AppKey, StateError, Store, WorkflowContext};
use deploy::{Clusters, Ctx};
use runner::{Applier, Connect};
use serde_json::{Map, Value as Json, json};
use std::collections::HashMap;
use std::time::Duration;

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
    /// Runs of a step that fail with reason `Execute` before it fails for
    /// good (`FailedAfterRetries`): KubeVela's 10.
    pub max_retries: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            force_conflicts: false,
            allow_stale: false,
            step_timeout: Duration::from_secs(300),
            poll: None,
            crd_timeout: Duration::from_secs(60),
            max_retries: 10,
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
    /// A step's call reached outside the clusters (an HTTP request, an
    /// email).
    Sent {
        /// Step.
        step: String,
        /// What (`POST https://host`, `email to 2 recipient(s) via …`).
        what: String,
        /// The answer (a status code, `sent`).
        result: String,
    },
    /// A step logged something (`util.#Log`).
    Log {
        /// Step.
        step: String,
        /// What it logged.
        message: String,
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
            Event::Sent { step, what, result } => {
                json!({"event": "sent", "step": step, "what": what, "result": result})
            }
            Event::Log { step, message } => {
                json!({"event": "log", "step": step, "message": message})
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

/// Clusters a plan deploys to (sorted). Clusters a step's own calls name
/// are connected when first used.
pub fn clusters_used(plan: &PlanDir) -> Vec<String> {
    let mut c: Vec<String> = all_steps(&plan.plan.steps)
        .iter()
        .flat_map(|s| s.placements.iter().map(|p| p.cluster.clone()))
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
    templates(plan)?;
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

/// The recorded steps are the plan's (same names, same nesting).
fn same_shape(
    st: &[crate::state::status::StepStatus],
    steps: &[crate::plan::read::StepRef],
) -> bool {
    st.len() == steps.len()
        && st
            .iter()
            .zip(steps)
            .all(|(a, b)| a.name == b.name && same_shape(&a.sub_steps, &b.sub_steps))
}

/// Compiles every step template the plan holds, by step type; a step
/// whose type has none (and is not a step group) is refused before anything
/// is sent.
pub fn templates(plan: &PlanDir) -> Result<HashMap<String, crate::step::Template>, ApplyError> {
    let p = &plan.plan;
    let mut out = HashMap::new();
    let used: std::collections::HashSet<&str> = all_steps(&p.steps)
        .iter()
        .map(|s| s.type_.as_str())
        .collect();
    for d in p
        .definitions
        .iter()
        .filter(|d| d.type_ == "workflow-step" && used.contains(d.name.as_str()))
    {
        let Some(text) = &d.template else { continue };
        if let Some(want) = &d.template_digest
            && *want != format!("sha256:{}", crate::plan::sha256_hex(text.as_bytes()))
        {
            return Err(ApplyError::Plan(format!(
                "the template of workflow step type {:?} changed since it was planned (digest {want}); plan again",
                d.name
            )));
        }
        let t = crate::step::Template::compile(&d.name, text).map_err(|ds| {
            ApplyError::Plan(format!(
                "the template of workflow step type {:?} does not compile: {}",
                d.name,
                ds.first().map_or("", |x| x.message.as_str())
            ))
        })?;
        out.insert(d.name.clone(), t);
    }
    for s in all_steps(&p.steps) {
        if s.type_ != "step-group" && !out.contains_key(&s.type_) {
            return Err(ApplyError::Plan(format!(
                "step {:?} has type {:?}, whose template the plan does not hold; plan again with this velac",
                s.name, s.type_
            )));
        }
    }
    Ok(out)
}

/// Evaluates a step's `if` (CUE) against the steps' status, the step's
/// available inputs (by their `from`), `context` and `parameter` (the raw
/// properties), as KubeVela does.
pub fn condition(
    expr: &str,
    status: &Json,
    context: &Json,
    inputs: &Json,
    parameter: &Json,
) -> Result<bool, String> {
    // The data is injected; declared here so the expression can refer to it.
    let text = format!("velacIf: {expr}\nstatus: _\ncontext: _\ninputs: _\nparameter: _\n");
    let mut ev = crate::cue::Evaluation::from_source("if", &text)
        .map_err(|d| d.first().map_or_else(String::new, |d| d.message.clone()))?;
    let span = crate::source::Span::new(crate::source::FileId(0), 0, 0);
    for (k, v) in [
        ("status", status),
        ("context", context),
        ("inputs", inputs),
        ("parameter", parameter),
    ] {
        crate::cue::inject_json(&mut ev.engine, ev.root, k, v, span);
    }
    let v = ev.lookup("velacIf").ok_or("no value")?;
    match ev.export(v) {
        Ok(Json::Bool(b)) => Ok(b),
        Ok(other) => Err(format!("invalid if value: {expr:?} is {other}, not a bool")),
        Err(e) => Err(e.0.first().map_or_else(
            || "invalid if value: cannot evaluate".into(),
            |x| format!("invalid if value: {expr:?}: {}", x.msg),
        )),
    }
}

/// `context` fields every step of a plan shares (KubeVela's for an
/// Application; `clusterVersion` is left out: velac has no single hub).
fn base_context(plan: &PlanDir) -> Map<String, Json> {
    let p = &plan.plan;
    let meta = |k: &str| {
        p.application
            .object
            .pointer(&format!("/metadata/{k}"))
            .cloned()
            .filter(Json::is_object)
            .unwrap_or_else(|| json!({}))
    };
    let annotations = meta("annotations");
    let ann = |k: &str| {
        annotations
            .get(k)
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string()
    };
    let mut m = Map::new();
    m.insert("name".into(), json!(p.application.name));
    m.insert("namespace".into(), json!(p.application.namespace));
    m.insert("appName".into(), json!(p.application.name));
    m.insert("appRevision".into(), json!(p.revision.name));
    m.insert("appRevisionNum".into(), json!(p.revision.number));
    m.insert("appLabels".into(), meta("labels"));
    m.insert("appAnnotations".into(), annotations.clone());
    m.insert(
        "workflowName".into(),
        json!(ann("app.oam.dev/workflowName")),
    );
    m.insert(
        "publishVersion".into(),
        json!(ann("app.oam.dev/publishVersion")),
    );
    m.insert("revision".into(), json!(""));
    m.insert("components".into(), Json::Null);
    m.insert("replicaKey".into(), json!(""));
    m.insert("cluster".into(), json!(""));
    m
}

/// Runs (or continues) a plan's workflow. Returns the status it ended with.
pub fn apply(
    plan: &PlanDir,
    home: &dyn Store,
    clusters: &Clusters,
    opts: &Options,
    events: &dyn Events,
) -> Result<AppStatus, ApplyError> {
    apply_connected(plan, home, clusters, None, opts, events)
}

/// [`apply`], connecting clusters the plan did not name in advance (a step's
/// own `cluster`) through `connect`.
pub fn apply_connected(
    plan: &PlanDir,
    home: &dyn Store,
    clusters: &Clusters,
    connect: Option<&dyn Connect>,
    opts: &Options,
    events: &dyn Events,
) -> Result<AppStatus, ApplyError> {
    let key = app_key(plan);
    let _lock = home.lock_run(&key, "velac apply")?;
    let last = home.status(&key)?;
    let start = verify(plan, last.as_ref(), opts)?;
    let templates = templates(plan)?;
    let p = &plan.plan;
    // Variables and step memory belong to one revision's run (a full
    // restart, which clears the workflow, starts them afresh).
    let restarted = last.as_ref().is_some_and(|s| s.workflow.is_none());
    let wfctx = match home.context(&key)? {
        Some(c) if start == Start::Continue && !restarted && c.revision == p.revision.name => c,
        _ => WorkflowContext::new(&p.revision.name),
    };
    let mut status = last
        .clone()
        .unwrap_or_else(|| AppStatus::new(&p.application.name, &p.application.namespace));
    let mode = format!("{}-{}", p.mode.steps, p.mode.sub_steps);
    let mut wf = match (start, &status.workflow) {
        (Start::Continue, Some(w)) => w.clone(),
        _ => workflow::init(&p.steps, &mode, &p.revision.name),
    };
    if !same_shape(&wf.steps, &p.steps) {
        return Err(ApplyError::Plan(format!(
            "the workflow recorded for {} does not match its plan's steps; run `velac workflow restart {}`",
            p.revision.name, p.application.name
        )));
    }
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
        saved_ctx: None,
        wfctx,
        templates,
        connect,
        extra: Default::default(),
        base_context: base_context(plan),
        groups: p
            .steps
            .iter()
            .flat_map(|g| g.sub_steps.iter().map(|s| (s.id.clone(), g.name.clone())))
            .collect(),
    };
    applier.save_context();
    workflow::advance(
        &p.steps,
        p.mode.steps == "DAG",
        p.mode.sub_steps != "StepByStep",
        &mut wf,
        &mut applier,
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
            "definitions": [
                {"name": "deploy", "type": "workflow-step", "digest": "d", "template": "parameter: {}\n"},
                {"name": "broken", "type": "workflow-step", "digest": "d", "template": "a: (\n"},
            ],
            "clusters": [], "policies": [], "steps": steps,
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
    fn steps_without_a_template_that_compiles_are_refused_before_anything_is_sent() {
        let o = Options::default();
        let e = verify(&plan(1, "a", step("notification")), None, &o).unwrap_err();
        assert!(
            e.to_string()
                .contains("type \"notification\", whose template the plan does not hold"),
            "{e}"
        );
        let e = verify(&plan(1, "a", step("broken")), None, &o).unwrap_err();
        assert!(
            e.to_string()
                .contains("the template of workflow step type \"broken\" does not compile"),
            "{e}"
        );
        let group = json!([{"id": "g", "name": "g", "type": "step-group", "subSteps": []}]);
        assert!(verify(&plan(1, "a", group), None, &o).is_ok());
    }

    #[test]
    fn if_conditions_are_cue_over_the_steps_status() {
        let status = json!({"a": {"phase": "failed", "failed": true, "succeeded": false}});
        let ctx = json!({"name": "app"});
        let inputs = json!({"score": 7});
        let param = json!({"threshold": 5});
        let c = |e: &str| condition(e, &status, &ctx, &inputs, &param);
        assert_eq!(c("status.a.failed"), Ok(true));
        assert_eq!(c("status.a.phase == \"succeeded\""), Ok(false));
        assert_eq!(c("context.name == \"app\""), Ok(true));
        assert_eq!(c("inputs.score > parameter.threshold"), Ok(true));
        assert!(c("status.b.failed").is_err());
        assert!(c("\"yes\"").unwrap_err().contains("not a bool"));
    }
}
