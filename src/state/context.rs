//! The workflow's context: what steps pass to each other and what a step
//! keeps between its runs. KubeVela keeps this in a ConfigMap, in plain
//! text (kubevela#7153); velac keeps it owner-only in the state directory,
//! or in a Secret on the hub, never in the status.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use std::collections::{BTreeMap, BTreeSet};

/// One run of an application's workflow.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowContext {
    /// The revision this context belongs to (a new revision starts afresh).
    pub revision: String,
    /// Variables set by steps' `outputs` (and `builtin.#DoVar`).
    #[serde(default)]
    pub vars: Map<String, Json>,
    /// Variables whose value came from a Secret or a sensitive call: their
    /// values are never shown.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub sensitive: BTreeSet<String>,
    /// Per step id.
    #[serde(default)]
    pub steps: BTreeMap<String, StepContext>,
    /// Objects the steps' own calls applied in this revision (garbage
    /// collection keeps them, as it keeps the plan's objects).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applied: Vec<super::status::AppliedResource>,
}

/// What one step keeps between its runs (the current attempt only: it is
/// cleared when the step starts again from scratch).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct StepContext {
    /// Failed runs (reason `Execute`) of this attempt.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retries: u32,
    /// `#Suspend` calls met, by call path.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub suspended: BTreeMap<String, SuspendMark>,
    /// Results of side-effecting calls already made in this attempt, by
    /// call path and parameters' digest: they are not made again.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub memo: BTreeMap<String, Json>,
    /// Since when a metrics check has held (`metrics.#PromCheck`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_since: Option<String>,
    /// Since when a metrics check has failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_failing_since: Option<String>,
}

/// When a `#Suspend` suspended the step, and until when (with `duration`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct SuspendMark {
    /// RFC 3339.
    pub since: String,
    /// RFC 3339; the step resumes by itself then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Resumed (by hand, or its time passed): the suspend lets the step go
    /// on for the rest of its attempt, retries included.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resumed: bool,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl WorkflowContext {
    /// An empty context for a revision.
    pub fn new(revision: &str) -> WorkflowContext {
        WorkflowContext {
            revision: revision.into(),
            ..WorkflowContext::default()
        }
    }

    /// The context of a step, created if missing.
    pub fn step(&mut self, id: &str) -> &mut StepContext {
        self.steps.entry(id.to_string()).or_default()
    }
}
