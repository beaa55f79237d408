//! Carrying out a step's provider calls: each function goes to its provider
//! (`providers/`), variables and suspends to the workflow context. A call
//! with side effects (an HTTP request other than GET, an email, an apply)
//! is made at most once per step attempt: when the step runs again (it
//! waits, or is retried after an error) the call's recorded result is used
//! instead, so a notification is never sent twice.

use super::providers;
use super::runner::Applier;
use crate::plan::read::StepRef;
use crate::state::status::StepStatus;
use crate::step::{Call, Host, Reply};
use serde_json::Value as Json;

/// One run of one step.
pub(crate) struct StepHost<'r, 'a> {
    /// The applier (clusters, state, events).
    pub app: &'r mut Applier<'a>,
    /// The step.
    pub step: &'r StepRef,
    /// Its status before this run.
    pub prior: &'r StepStatus,
    /// Set by a `#Suspend` with a duration: when the step resumes by itself.
    pub until: Option<String>,
    /// Set when the step read a Secret or a config: its outputs are
    /// sensitive and never shown.
    pub sensitive: bool,
    /// Set when a provider already said what the step waits for (a deploy
    /// names its unhealthy services).
    pub said_waiting: bool,
    /// Variables `#DoVar` set (sensitive when the step is).
    pub puts: Vec<String>,
}

impl<'r, 'a> StepHost<'r, 'a> {
    /// A host for one run.
    pub fn new(app: &'r mut Applier<'a>, step: &'r StepRef, prior: &'r StepStatus) -> Self {
        StepHost {
            app,
            step,
            prior,
            until: None,
            sensitive: false,
            said_waiting: false,
            puts: Vec::new(),
        }
    }

    /// A call's memo key: its path, and for an apply the object too (an
    /// apply of other content is another write). A message or a request is
    /// sent once per attempt whatever its body became meanwhile (a webhook
    /// that sends the Application sends a changed status on the next run).
    fn memo_key(call: &Call) -> String {
        if call.func.provider == "kube" {
            format!("{}@{}", call.path, crate::plan::digest(&call.params))
        } else {
            call.path.clone()
        }
    }

    /// The recorded result of this call in this attempt, if it was made.
    pub fn recalled(&mut self, call: &Call) -> Option<Json> {
        self.app
            .wfctx
            .steps
            .get(&self.step.id)
            .and_then(|m| m.memo.get(&Self::memo_key(call)).cloned())
    }

    /// Records that this call was made, with what it returned.
    pub fn remember(&mut self, call: &Call, result: Json) {
        let id = self.step.id.clone();
        self.app
            .wfctx
            .step(&id)
            .memo
            .insert(Self::memo_key(call), result);
        // Recorded at once: a kill right after must not repeat the call.
        self.app.save_context();
    }

    /// The application's namespace.
    pub fn app_namespace(&self) -> String {
        self.app.ctx.plan.plan.application.namespace.clone()
    }

    /// The application's name.
    pub fn app_name(&self) -> String {
        self.app.ctx.plan.plan.application.name.clone()
    }
}

impl Host for StepHost<'_, '_> {
    fn call(&mut self, call: &Call) -> Result<Reply, String> {
        match call.func.provider {
            "kube" => providers::kube::call(self, call),
            "http" => providers::http::call(self, call),
            "util" => providers::util::call(self, call),
            "time" => providers::util::time(call),
            "email" => providers::email::call(self, call),
            "config" => providers::config::call(self, call),
            "metrics" => providers::metrics::call(self, call),
            "multicluster" | "oam" => providers::deploy::call(self, call),
            p => Err(format!("provider {p:?} not found")),
        }
    }

    fn var_get(&mut self, path: &str) -> Option<Json> {
        let p = crate::step::dataflow::parse_path(path).ok()?;
        crate::step::dataflow::get_path(&Json::Object(self.app.wfctx.vars.clone()), &p).cloned()
    }

    fn var_put(&mut self, path: &str, value: Json) -> Result<(), String> {
        self.puts.push(path.to_string());
        self.app.set_var(path, value)
    }

    fn suspend(&mut self, label: &str, duration: Option<&str>) -> Result<bool, String> {
        let d = match duration {
            Some(s) => Some(super::workflow::parse_duration(s).ok_or_else(|| {
                format!("suspend duration {s:?} is not a duration (e.g. 30s, 5m, 1h)")
            })?),
            None => None,
        };
        let now = jiff::Timestamp::now();
        let id = self.step.id.clone();
        let (suspend, until) =
            super::workflow::suspend_now(self.app.wfctx.step(&id), label, d, self.prior, now);
        self.until = until;
        Ok(suspend)
    }
}
