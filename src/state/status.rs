//! An application's status, in KubeVela's field names and phases, so that
//! what `velac status -o yaml` prints reads like `vela status -o yaml`.

use serde::{Deserialize, Serialize};

/// Now, as RFC 3339 UTC with whole seconds (`2026-11-29T02:01:14Z`).
pub fn now() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// The application phase (`status.status` upstream).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub enum AppPhase {
    /// Nothing ran yet.
    #[default]
    Starting,
    /// The workflow is executing.
    RunningWorkflow,
    /// The workflow waits at a suspend step (or was suspended).
    WorkflowSuspending,
    /// The workflow was terminated by hand.
    WorkflowTerminated,
    /// A step failed for good.
    WorkflowFailed,
    /// The workflow succeeded and every service is healthy.
    Running,
    /// The workflow succeeded but a service is not healthy.
    Unhealthy,
}

impl AppPhase {
    /// The upstream spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AppPhase::Starting => "starting",
            AppPhase::RunningWorkflow => "runningWorkflow",
            AppPhase::WorkflowSuspending => "workflowSuspending",
            AppPhase::WorkflowTerminated => "workflowTerminated",
            AppPhase::WorkflowFailed => "workflowFailed",
            AppPhase::Running => "running",
            AppPhase::Unhealthy => "unhealthy",
        }
    }
}

/// The workflow run's state (`status.workflow.status`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub enum WorkflowState {
    /// Not started.
    #[default]
    Initializing,
    /// Steps are running.
    Executing,
    /// Stopped at a suspend.
    Suspending,
    /// Terminated by hand.
    Terminated,
    /// A step failed for good.
    Failed,
    /// Every step finished and none failed.
    Succeeded,
}

/// A step's phase.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub enum StepPhase {
    /// Not started.
    #[default]
    Pending,
    /// Started, not finished (also: resumed, to be completed).
    Running,
    /// Done.
    Succeeded,
    /// Failed (see the reason).
    Failed,
    /// Skipped by `if` or a failed dependency.
    Skipped,
    /// Waiting for a resume.
    Suspending,
}

impl StepPhase {
    /// The upstream spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            StepPhase::Pending => "pending",
            StepPhase::Running => "running",
            StepPhase::Succeeded => "succeeded",
            StepPhase::Failed => "failed",
            StepPhase::Skipped => "skipped",
            StepPhase::Suspending => "suspending",
        }
    }
}

/// The revision a status belongs to (`status.latestRevision`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    /// `<app>-v<N>`.
    pub name: String,
    /// N.
    pub revision: u32,
    /// The plan's revision hash.
    pub revision_hash: String,
}

/// One step's status.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct StepStatus {
    /// The plan's step id.
    pub id: String,
    /// Step name.
    pub name: String,
    /// Step type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Phase.
    pub phase: StepPhase,
    /// Reason (`Suspend`, `Terminate`, `Timeout`, `Skip`, `Execute`, …).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// When the step first ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_execute_time: Option<String>,
    /// When the step last ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_execute_time: Option<String>,
    /// A suspend with `duration` resumes by itself at this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_at: Option<String>,
    /// Sub-steps of a step group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_steps: Vec<StepStatus>,
}

/// The workflow's status.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowStatus {
    /// Revision this run applies.
    pub app_revision: String,
    /// `<steps>-<subSteps>`, e.g. `StepByStep-DAG`.
    pub mode: String,
    /// Run state.
    pub status: WorkflowState,
    /// Why it stopped, when it did.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Waiting for a resume.
    pub suspend: bool,
    /// Terminated by hand.
    pub terminated: bool,
    /// Every step finished.
    pub finished: bool,
    /// Start of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// End of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Steps, in plan order.
    pub steps: Vec<StepStatus>,
}

/// `{apiVersion, kind}` of a service's workload.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadDefinition {
    /// API version.
    pub api_version: String,
    /// Kind.
    pub kind: String,
}

/// A trait's health.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct TraitStatus {
    /// Trait type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Healthy.
    pub healthy: bool,
    /// `customStatus` message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// One component on one cluster/namespace (`status.services[]`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ServiceStatus {
    /// Component name.
    pub name: String,
    /// Env (env-binding), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// Cluster (`local` is the hub).
    pub cluster: String,
    /// Namespace.
    pub namespace: String,
    /// Component type.
    #[serde(rename = "type")]
    pub type_: String,
    /// The workload's kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_definition: Option<WorkloadDefinition>,
    /// Workload and every trait healthy.
    pub healthy: bool,
    /// Workload healthy.
    pub workload_healthy: bool,
    /// Workload message, else the first trait message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Traits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traits: Vec<TraitStatus>,
    /// Its live objects differ from what was applied (`status --refresh`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drifted: bool,
    /// What drifted: `Deployment ns/web: spec.replicas`, or `… (deleted)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<String>,
}

/// An object the application applied (`status.appliedResources[]`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
#[serde(rename_all = "camelCase")]
pub struct AppliedResource {
    /// Cluster.
    pub cluster: String,
    /// API version.
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Namespace (empty for cluster-scoped objects).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Name.
    pub name: String,
    /// The object's uid on that cluster.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
}

/// A component of the application (for `get apps`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub struct ComponentRef {
    /// Name.
    pub name: String,
    /// Type.
    #[serde(rename = "type")]
    pub type_: String,
}

/// Everything velac knows about one application.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    /// Application name.
    pub name: String,
    /// Application namespace.
    pub namespace: String,
    /// First apply.
    pub created_at: String,
    /// Phase.
    pub status: AppPhase,
    /// Components of the latest revision.
    #[serde(default)]
    pub components: Vec<ComponentRef>,
    /// The revision of the latest run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_revision: Option<Revision>,
    /// The last revision whose workflow succeeded (garbage collection compares
    /// against it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_succeeded_revision: Option<Revision>,
    /// The workflow of the latest run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<WorkflowStatus>,
    /// Services' health.
    #[serde(default)]
    pub services: Vec<ServiceStatus>,
    /// Objects applied, per cluster.
    #[serde(default)]
    pub applied_resources: Vec<AppliedResource>,
}

impl AppStatus {
    /// A fresh status.
    pub fn new(name: &str, namespace: &str) -> AppStatus {
        AppStatus {
            name: name.into(),
            namespace: namespace.into(),
            created_at: now(),
            ..AppStatus::default()
        }
    }

    /// Clusters the application has workloads on (a cluster is not detached
    /// while this names it).
    pub fn clusters_in_use(&self) -> Vec<String> {
        let mut c: Vec<String> = self
            .applied_resources
            .iter()
            .map(|r| r.cluster.clone())
            .chain(self.services.iter().map(|s| s.cluster.clone()))
            .collect();
        c.sort();
        c.dedup();
        c
    }
}
