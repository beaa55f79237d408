//! The applier's side of the workflow machine: each leaf step runs its
//! definition's CUE template through the step engine, with `parameter` (the
//! step's properties, inputs applied) and `context` as KubeVela gives them;
//! outputs go to the workflow context; every transition is recorded in the
//! state, so a killed apply goes on where it stopped.

use super::deploy::Ctx;
use super::host::StepHost;
use super::workflow::{self, Control, Outcome, Runner};
use super::{Event, Options};
use crate::cluster::api::{ClusterApi, ObjRef};
use crate::plan::read::StepRef;
use crate::state::status::{AppStatus, StepStatus, WorkflowStatus};
use crate::state::{AppKey, Store, WorkflowContext};
use crate::step::dataflow;
use jiff::Timestamp;
use serde_json::{Map, Value as Json, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Connects a cluster the plan did not name in advance (a step's `cluster`
/// parameter, a placement computed while running).
pub trait Connect: Sync {
    /// The cluster `name` (`local`: the hub, or the current context).
    fn connect(&self, name: &str) -> Result<Arc<dyn ClusterApi>, String>;
}

/// Runs a plan's steps and records what they do.
pub(crate) struct Applier<'a> {
    /// What deploys need (plan, clusters, options, events).
    pub ctx: Ctx<'a>,
    /// The state store.
    pub home: &'a dyn Store,
    /// The application.
    pub key: AppKey,
    /// Its status as this run keeps it.
    pub status: AppStatus,
    /// The workflow as this run last wrote it: a different one on disk
    /// means a control command ran meanwhile.
    pub written: Option<WorkflowStatus>,
    /// Variables and step memory.
    pub wfctx: WorkflowContext,
    /// The context as last saved.
    pub saved_ctx: Option<WorkflowContext>,
    /// Compiled step templates by step type.
    pub templates: HashMap<String, crate::step::Template>,
    /// Connects clusters the plan did not name.
    pub connect: Option<&'a dyn Connect>,
    /// Clusters connected while running.
    pub extra: Mutex<HashMap<String, Arc<dyn ClusterApi>>>,
    /// `context` fields every step shares.
    pub base_context: Map<String, Json>,
    /// Enclosing step group of each sub-step, by step id.
    pub groups: HashMap<String, String>,
}

impl Applier<'_> {
    /// The options of this run.
    pub fn opts(&self) -> &Options {
        self.ctx.opts
    }

    /// A cluster by name (`""` and `local` are the hub), connecting it on
    /// first use when the plan did not name it.
    pub fn cluster(&self, name: &str) -> Result<Arc<dyn ClusterApi>, String> {
        let name = if name.is_empty() { "local" } else { name };
        if let Some(c) = self.ctx.clusters.get(name) {
            return Ok(c.clone());
        }
        let mut extra = self.extra.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = extra.get(name) {
            return Ok(c.clone());
        }
        let c = match self.connect {
            Some(k) => k.connect(name)?,
            None => return Err(format!("cluster {name} is not connected")),
        };
        extra.insert(name.to_string(), c.clone());
        Ok(c)
    }

    /// Records objects applied (the inventory garbage collection works
    /// from).
    pub fn record(&mut self, applied: Vec<crate::state::status::AppliedResource>) {
        for a in applied {
            self.status.applied_resources.retain(|x| {
                (&x.cluster, &x.api_version, &x.kind, &x.namespace, &x.name)
                    != (&a.cluster, &a.api_version, &a.kind, &a.namespace, &a.name)
            });
            self.status.applied_resources.push(a);
        }
        self.status.applied_resources.sort();
    }

    /// Updates services' health.
    pub fn set_services(&mut self, svcs: &[crate::state::status::ServiceStatus]) {
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
    pub fn health_setting(&self, key: &str) -> Option<Duration> {
        self.ctx
            .plan
            .plan
            .policies
            .iter()
            .find(|p| p.type_ == "health")
            .and_then(|p| p.properties.get(key).and_then(Json::as_u64))
            .map(Duration::from_secs)
    }

    /// Writes the workflow context when it changed.
    pub fn try_save_context(&mut self) -> Result<(), crate::state::StateError> {
        if self.saved_ctx.as_ref() == Some(&self.wfctx) {
            return Ok(());
        }
        self.home.save_context(&self.key, &self.wfctx)?;
        self.saved_ctx = Some(self.wfctx.clone());
        Ok(())
    }

    /// [`Applier::try_save_context`], warning when it fails.
    pub fn save_context(&mut self) {
        if let Err(e) = self.try_save_context() {
            self.ctx.events.emit(Event::Warning(format!(
                "cannot record the workflow context: {e}"
            )));
        }
    }

    /// A component as the application declares it.
    pub fn component(&self, name: &str) -> Option<Json> {
        self.ctx
            .plan
            .plan
            .application
            .object
            .pointer("/spec/components")?
            .as_array()?
            .iter()
            .find(|c| c.get("name").and_then(Json::as_str) == Some(name))
            .cloned()
    }

    /// Whether a variable (or a part of one, or a path inside one) holds a
    /// value a step took from a Secret or a config.
    pub fn is_sensitive(&self, from: &str) -> bool {
        self.wfctx.sensitive.iter().any(|s| overlaps(s, from))
    }

    /// The step's `context`.
    fn step_context(&self, step: &StepRef) -> Json {
        let mut m = self.base_context.clone();
        m.insert("stepName".into(), json!(step.name));
        m.insert("stepSessionID".into(), json!(step.id));
        m.insert(
            "spanID".into(),
            json!(format!("{}-{}", step.id, Timestamp::now().as_millisecond())),
        );
        if let Some(g) = self.groups.get(&step.id) {
            m.insert("stepGroupName".into(), json!(g));
        }
        Json::Object(m)
    }

    /// The value an input reads, if it is there: a variable (`from` split on
    /// dots), else a path of the step's `context` or `parameter`.
    fn input_value(&self, step: &StepRef, from: &str) -> Option<Json> {
        if let Ok(path) = dataflow::parse_path(from)
            && let Some(v) = dataflow::get_path(&Json::Object(self.wfctx.vars.clone()), &path)
        {
            return Some(v.clone());
        }
        if let Some(rest) = from.strip_prefix("context.") {
            let c = self.step_context(step);
            return dataflow::parse_path(rest)
                .ok()
                .and_then(|p| dataflow::get_path(&c, &p).cloned());
        }
        if let Some(rest) = from.strip_prefix("parameter.") {
            return dataflow::parse_path(rest)
                .ok()
                .and_then(|p| dataflow::get_path(&step.properties, &p).cloned());
        }
        None
    }

    fn inputs(step: &StepRef) -> Vec<(String, String)> {
        step.inputs
            .iter()
            .map(|i| {
                let s = |k: &str| i.get(k).and_then(Json::as_str).unwrap_or("").to_string();
                (s("from"), s("parameterKey"))
            })
            .collect()
    }

    fn output_specs(step: &StepRef) -> Vec<crate::step::OutputSpec> {
        step.outputs
            .iter()
            .map(|o| {
                let s = |k: &str| o.get(k).and_then(Json::as_str).unwrap_or("").to_string();
                crate::step::OutputSpec {
                    name: s("name"),
                    value_from: s("valueFrom"),
                }
            })
            .collect()
    }

    /// Publishes outputs; an output that cannot be taken is null. Returns a
    /// message for the first that failed.
    fn publish(
        &mut self,
        outputs: Vec<(String, Result<Json, String>)>,
        sensitive: bool,
    ) -> Option<String> {
        let mut failed = None;
        for (name, v) in outputs {
            let value = match v {
                Ok(v) => v,
                Err(e) => {
                    failed.get_or_insert(format!("failed to get output {name:?}: {e}"));
                    Json::Null
                }
            };
            if let Err(e) = self.set_var(&name, value) {
                failed.get_or_insert(format!("cannot set output {name:?}: {e}"));
            }
            if sensitive {
                self.wfctx.sensitive.insert(name);
            } else {
                self.wfctx.sensitive.remove(&name);
            }
        }
        failed
    }

    /// Sets a variable at its path (a name with `.` or `[` is a path).
    pub fn set_var(&mut self, name: &str, value: Json) -> Result<(), String> {
        let path = dataflow::var_path(name)?;
        let mut root = Json::Object(std::mem::take(&mut self.wfctx.vars));
        let r = dataflow::set_path(&mut root, &path, value);
        if let Json::Object(m) = root {
            self.wfctx.vars = m;
        }
        r
    }
}

/// Whether two variable paths name the same value or one holds the other.
pub fn overlaps(a: &str, b: &str) -> bool {
    let within =
        |x: &str, y: &str| x == y || x.strip_prefix(y).is_some_and(|r| r.starts_with(['.', '[']));
    within(a, b) || within(b, a)
}

/// An error text with its quoted values left out (`"…"`).
pub fn redact(msg: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in msg.chars() {
        if quoted {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
                out.push_str("…\"");
            }
            continue;
        }
        out.push(c);
        if c == '"' {
            quoted = true;
        }
    }
    out
}

/// A host for templates that make no calls (a group's outputs).
struct NoCalls;

impl crate::step::Host for NoCalls {
    fn call(&mut self, c: &crate::step::Call) -> Result<crate::step::Reply, String> {
        Err(format!("{}: a step group makes no calls", c.path))
    }
    fn var_get(&mut self, _: &str) -> Option<Json> {
        None
    }
    fn var_put(&mut self, _: &str, _: Json) -> Result<(), String> {
        Err("a step group sets no variables".into())
    }
    fn suspend(&mut self, _: &str, _: Option<&str>) -> Result<bool, String> {
        Ok(false)
    }
}

/// Backoff between polls of waiting steps: 0.05 s × 2^n as KubeVela
/// computes it, at least 1 s and at most 10 s (a person is waiting).
pub fn backoff(polls: u32) -> Duration {
    let s = 0.05 * 2f64.powi(polls.min(16) as i32);
    Duration::from_secs_f64(s.clamp(1.0, 10.0))
}

impl Runner for Applier<'_> {
    fn run(&mut self, step: &StepRef, prior: &StepStatus) -> Outcome {
        // Said once per attempt, not on every poll or retry.
        if !matches!(prior.reason.as_str(), "Wait" | "Execute") {
            self.ctx.events.emit(Event::StepStarted {
                step: step.name.clone(),
                type_: step.type_.clone(),
            });
        }
        let Some(template) = self.templates.get(&step.type_).cloned() else {
            return Outcome::Failed(
                "Execute".into(),
                format!("the plan holds no template for step type {:?}", step.type_),
            );
        };
        // parameter = properties, with inputs put at their parameterKey.
        let mut parameter = match &step.properties {
            Json::Null => json!({}),
            p => p.clone(),
        };
        // A generated step's inputs fill the component (`value.…`), which
        // starts as the application has it.
        if step.type_ == "apply-component"
            && parameter.get("value").is_none()
            && Self::inputs(step)
                .iter()
                .any(|(_, k)| k.starts_with("value."))
            && let Some(c) = parameter
                .get("component")
                .and_then(Json::as_str)
                .and_then(|n| self.component(n))
        {
            parameter["value"] = c;
        }
        let mut tainted = false;
        for (from, key) in Self::inputs(step) {
            tainted |= self.is_sensitive(&from);
            let failed = match self.input_value(step, &from) {
                None => Some(format!("input {from:?} is not set")),
                Some(_) if key.is_empty() => None,
                Some(v) => dataflow::parse_path(&key)
                    .and_then(|p| dataflow::set_path(&mut parameter, &p, v))
                    .err()
                    .map(|e| format!("input {from:?}: {e}")),
            };
            if let Some(why) = failed {
                self.finished_without_run(step);
                return Outcome::Failed("Input".into(), why);
            }
        }
        let context = self.step_context(step);
        let outputs = Self::output_specs(step);
        let mut host = StepHost::new(self, step, prior);
        // A step fed a sensitive value keeps what it makes of it private.
        host.sensitive = tainted;
        let run = crate::step::run(&template, &context, &parameter, &outputs, &mut host);
        let (until, sensitive, said) = (host.until.take(), host.sensitive, host.said_waiting);
        let puts = std::mem::take(&mut host.puts);
        if sensitive {
            self.wfctx.sensitive.extend(puts);
        }
        // Error texts can quote values; a step that handled secrets says
        // where it failed, not what the values were.
        let mut run = run;
        if sensitive && matches!(run.outcome, crate::step::Outcome::Error) {
            run.message = redact(&run.message);
        }
        use crate::step::Outcome as O;
        let retries_left = |a: &mut Self| {
            let max = a.opts().max_retries;
            let mem = a.wfctx.step(&step.id);
            mem.retries += 1;
            (mem.retries <= max).then_some((mem.retries, max))
        };
        let out = match run.outcome {
            O::Succeeded | O::Failed | O::Broken => {
                let note = self
                    .publish(run.outputs, sensitive)
                    .map(|n| if sensitive { redact(&n) } else { n });
                let msg = note.unwrap_or(run.message);
                match run.outcome {
                    O::Succeeded => Outcome::Succeeded(msg),
                    O::Failed => Outcome::Failed("Action".into(), msg),
                    _ => Outcome::Broken(msg),
                }
            }
            O::Waiting => {
                if !said {
                    self.ctx.events.emit(Event::Waiting {
                        step: step.name.clone(),
                        services: vec![run.message.clone()],
                    });
                }
                Outcome::Waiting(run.message)
            }
            O::Suspended => Outcome::Suspended(run.message, until),
            O::Error => {
                if let Some((n, max)) = retries_left(self) {
                    self.ctx.events.emit(Event::Warning(format!(
                        "step {}: {} (retry {n} of {max})",
                        step.name, run.message
                    )));
                    Outcome::Error(run.message)
                } else {
                    let _ = self.publish(
                        outputs
                            .iter()
                            .map(|o| (o.name.clone(), Ok(Json::Null)))
                            .collect(),
                        false,
                    );
                    Outcome::Failed("FailedAfterRetries".into(), run.message)
                }
            }
        };
        if !matches!(out, Outcome::Error(_) | Outcome::Waiting(_)) {
            let (phase, message) = match &out {
                Outcome::Succeeded(m) | Outcome::Broken(m) => ("succeeded", m.clone()),
                Outcome::Suspended(m, _) => ("suspending", m.clone()),
                Outcome::Failed(r, m) => ("failed", format!("{r}: {m}")),
                _ => ("running", String::new()),
            };
            self.ctx.events.emit(Event::StepFinished {
                step: step.name.clone(),
                phase: phase.into(),
                message,
            });
        }
        if let Err(e) = self.try_save_context() {
            // What the step did must be on record before it counts: without
            // it, a later run could repeat a call.
            return Outcome::Error(format!("cannot record the workflow context: {e}"));
        }
        out
    }

    fn pending(&mut self, step: &StepRef) -> Option<String> {
        Self::inputs(step)
            .into_iter()
            .find(|(from, _)| self.input_value(step, from).is_none())
            .map(|(from, _)| format!("Pending on Input: {from}"))
    }

    fn condition(
        &mut self,
        step: &StepRef,
        expr: &str,
        wf: &WorkflowStatus,
    ) -> Result<bool, String> {
        let mut inputs = Map::new();
        for (from, _) in Self::inputs(step) {
            if let Some(v) = self.input_value(step, &from) {
                inputs.insert(from, v);
            }
        }
        super::condition(
            expr,
            &workflow::condition_status(wf, &self.ctx.plan.plan.steps),
            &self.step_context(step),
            &Json::Object(inputs),
            &step.properties,
        )
    }

    /// A new attempt: the step's memory and what it output last time go.
    fn begin(&mut self, step: &StepRef) {
        self.wfctx.steps.remove(&step.id);
        for o in Self::output_specs(step) {
            if let Ok(path) = dataflow::var_path(&o.name) {
                let mut root = Json::Object(std::mem::take(&mut self.wfctx.vars));
                dataflow::remove_path(&mut root, &path);
                if let Json::Object(m) = root {
                    self.wfctx.vars = m;
                }
            }
            self.wfctx.sensitive.remove(&o.name);
        }
        self.save_context();
    }

    fn group_finished(&mut self, step: &StepRef) {
        let outputs = Self::output_specs(step);
        if outputs.is_empty() {
            return;
        }
        // A group has no template: its outputs see its own parameter and
        // context only.
        let run = crate::step::Template::compile("step-group", "").map(|t| {
            crate::step::run(
                &t,
                &self.step_context(step),
                &step.properties,
                &outputs,
                &mut NoCalls,
            )
        });
        if let Ok(r) = run {
            let _ = self.publish(r.outputs, false);
        }
        self.save_context();
    }

    fn finished_without_run(&mut self, step: &StepRef) {
        let outs = Self::output_specs(step)
            .into_iter()
            .map(|o| (o.name, Ok(Json::Null)))
            .collect();
        let _ = self.publish(outs, false);
        self.save_context();
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
            // `workflow restart` cleared the workflow meanwhile.
            if d.workflow.is_none() && written.is_some() {
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
                let healthy = self.status.services.iter().all(|s| s.healthy);
                self.status.status = workflow::app_phase(wf, healthy);
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

    fn pause(&mut self, polls: u32, until: Option<Timestamp>) {
        let base = self
            .ctx
            .opts
            .poll
            .or_else(|| self.health_setting("probeInterval"))
            .unwrap_or_else(|| backoff(polls));
        let wait = match until {
            Some(t) => {
                let left = t.duration_since(Timestamp::now()).unsigned_abs();
                base.min(left + Duration::from_millis(50))
            }
            None => base,
        };
        std::thread::sleep(wait);
    }

    fn default_timeout(&self) -> Option<Duration> {
        Some(self.ctx.opts.step_timeout)
    }
}

/// `(cluster, object)` keys of what the steps applied in this revision (kept
/// by garbage collection).
pub fn step_applied(ctx: &WorkflowContext) -> Vec<(String, ObjRef)> {
    ctx.applied
        .iter()
        .map(|a| {
            (
                a.cluster.clone(),
                ObjRef::new(&a.api_version, &a.kind, &a.namespace, &a.name),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_left_out_and_paths_overlap_both_ways() {
        assert_eq!(
            redact(r#"a.b: conflicting values "s3cr\"et" and "x""#),
            r#"a.b: conflicting values "…" and "…""#
        );
        assert!(overlaps("db", "db.password"));
        assert!(overlaps("db.password", "db"));
        assert!(overlaps("list[0]", "list"));
        assert!(!overlaps("db", "dbx"));
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(30), Duration::from_secs(10));
    }
}
