//! kstatus: whether a live Kubernetes object has reached its desired state.
//!
//! A pure function of the object as the API server returns it (a
//! `serde_json::Value`), following the rules of kstatus from
//! kubernetes-sigs/cli-utils: generic checks first (deletion, observed
//! generation, `Reconciling`/`Stalled` conditions), then rules per kind for
//! the built-in workloads, then the `Ready` condition for everything else.
//!
//! Differences from upstream, all because this module never reads the clock
//! or fails: a Pod's `PodScheduled=False/Unschedulable` condition counts as
//! Failed as soon as it has a `lastTransitionTime` (upstream waits 15 s after
//! creation); odd input (not an object, no `kind`, an unknown Pod phase) is
//! `Unknown` instead of an error; numbers given as strings or integral floats
//! are read, anything else non-numeric counts as missing; kinds without rules
//! follow their `Ready` condition when they have one. Like upstream,
//! `extensions` Deployments, DaemonSets and ReplicaSets follow the `apps`
//! rules and CronJobs are always Current.

use serde_json::Value;

/// kstatus result of one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Still moving towards the desired state.
    InProgress,
    /// Failed or stuck; will not get there without a change.
    Failed,
    /// Has reached the desired state.
    Current,
    /// Being deleted.
    Terminating,
    /// Does not exist (for callers; `compute` never returns it).
    NotFound,
    /// Cannot be told from the object.
    Unknown,
}

impl Status {
    /// The kstatus name, e.g. `"InProgress"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::InProgress => "InProgress",
            Status::Failed => "Failed",
            Status::Current => "Current",
            Status::Terminating => "Terminating",
            Status::NotFound => "NotFound",
            Status::Unknown => "Unknown",
        }
    }
}

/// Status plus a one-line human message (e.g. "Replicas: 1/3").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The computed status.
    pub status: Status,
    /// A CamelCase reason when not Current (e.g. `LessReplicas`).
    pub reason: Option<String>,
    /// One line for people.
    pub message: String,
}

/// Compute kstatus of a live object (apiVersion/kind read from the object itself).
pub fn compute(obj: &Value) -> Outcome {
    compute_with(obj, false)
}

/// Like [`compute`]; with `wait_for_job_completion` a Job must be Complete
/// (not just started) to count as Current.
pub fn compute_with(obj: &Value, wait_for_job_completion: bool) -> Outcome {
    if !obj.is_object() {
        return outcome(Status::Unknown, Some("NotAnObject"), "not a JSON object");
    }
    let kind = match str_at(obj, &["kind"]) {
        Some(k) if !k.is_empty() => k,
        _ => return outcome(Status::Unknown, Some("NoKind"), "object has no kind"),
    };
    if is_set(get(obj, &["metadata", "deletionTimestamp"])) {
        return outcome(Status::Terminating, None, "scheduled for deletion");
    }
    let generation = int_at(obj, &["metadata", "generation"]);
    let observed = int_at(obj, &["status", "observedGeneration"]);
    if let Some((g, o)) = generation.zip(observed).filter(|(g, o)| g != o) {
        let msg = format!("{kind} generation {g} not yet observed (observed: {o})");
        return in_progress("LatestGenerationNotObserved", msg);
    }
    for c in conditions(obj) {
        if c.ty == "Reconciling" && c.status == "True" {
            return in_progress("Reconciling", c.message_or("reconciling"));
        }
        if c.ty == "Stalled" && c.status == "True" {
            return failed("Stalled", c.message_or("stalled"));
        }
    }
    let api_version = str_at(obj, &["apiVersion"]).unwrap_or("");
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    match (group, kind) {
        ("apps" | "extensions", "Deployment") => deployment(obj),
        ("apps", "StatefulSet") => stateful_set(obj),
        ("apps" | "extensions", "DaemonSet") => daemon_set(obj, kind),
        ("apps" | "extensions", "ReplicaSet") => replica_set(obj),
        ("batch", "Job") => job(obj, wait_for_job_completion),
        ("", "Pod") => pod(obj),
        ("", "Service") => service(obj),
        ("", "PersistentVolumeClaim") => pvc(obj),
        ("", "Namespace") if str_at(obj, &["status", "phase"]) == Some("Terminating") => {
            outcome(Status::Terminating, None, "Namespace is terminating")
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => crd(obj),
        ("policy", "PodDisruptionBudget")
        | ("", "ConfigMap" | "Secret" | "Namespace" | "ServiceAccount")
        | ("batch", "CronJob")
        | (
            "rbac.authorization.k8s.io",
            "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding",
        ) => current(format!("{kind} is always current once it exists")),
        _ => ready_condition(obj),
    }
}

fn deployment(obj: &Value) -> Outcome {
    let progressing = condition(obj, "Progressing");
    let deadline_exceeded = |c: &&Condition| c.reason == "ProgressDeadlineExceeded";
    if let Some(c) = progressing.as_ref().filter(deadline_exceeded) {
        return failed(c.reason, c.message_or("progress deadline exceeded"));
    }
    let spec = int_at(obj, &["spec", "replicas"]).unwrap_or(1);
    let replicas = count(obj, "replicas");
    let updated = count(obj, "updatedReplicas");
    let before_extra = [
        ("replicas", "LessReplicas", "Replicas"),
        ("updatedReplicas", "LessUpdated", "Updated"),
    ];
    let available = ("availableReplicas", "LessAvailable", "Available");
    let counts = first_short(obj, spec, &before_extra)
        .or_else(|| extra_pods(replicas, spec))
        .or_else(|| first_short(obj, updated, &[available]))
        .or_else(|| first_short(obj, spec, &[("readyReplicas", "LessReady", "Ready")]));
    if let Some(o) = counts {
        return o;
    }
    // Without a deadline (unset, or i32::MAX meaning "none") the controller
    // never reports NewReplicaSetAvailable.
    let deadline = int_at(obj, &["spec", "progressDeadlineSeconds"]);
    let new_rs_available = progressing
        .as_ref()
        .is_some_and(|c| c.status == "True" && c.reason == "NewReplicaSetAvailable");
    if deadline.is_some_and(|d| d != i64::from(i32::MAX)) && !new_rs_available {
        return in_progress("ReplicaSetNotAvailable", "new ReplicaSet not available yet");
    }
    if condition(obj, "Available").is_none_or(|c| c.status != "True") {
        return in_progress("DeploymentNotAvailable", "Deployment not available yet");
    }
    current(format!("Deployment is available. Replicas: {replicas}"))
}

fn stateful_set(obj: &Value) -> Outcome {
    if str_at(obj, &["spec", "updateStrategy", "type"]) == Some("OnDelete") {
        return current("StatefulSet uses the OnDelete update strategy");
    }
    let spec = int_at(obj, &["spec", "replicas"]).unwrap_or(1);
    let replicas = count(obj, "replicas");
    let checks = [
        ("replicas", "LessReplicas", "Replicas"),
        ("readyReplicas", "LessReady", "Ready"),
    ];
    if let Some(o) = first_short(obj, spec, &checks).or_else(|| extra_pods(replicas, spec)) {
        return o;
    }
    let updated = count(obj, "updatedReplicas");
    let rolling = ["spec", "updateStrategy", "rollingUpdate", "partition"];
    if let Some(partition) = int_at(obj, &rolling) {
        let want = spec.saturating_sub(partition);
        let checks = [("updatedReplicas", "PartitionRollout", "Updated")];
        return first_short(obj, want, &checks).unwrap_or_else(|| {
            current(format!("Partitioned rollout complete. Updated: {updated}"))
        });
    }
    let checks = [("currentReplicas", "LessCurrent", "Current")];
    if let Some(o) = first_short(obj, spec, &checks) {
        return o;
    }
    let current_rev = str_at(obj, &["status", "currentRevision"]).unwrap_or("");
    let update_rev = str_at(obj, &["status", "updateRevision"]).unwrap_or("");
    if current_rev != update_rev {
        let msg = format!("revision {current_rev:?} not yet updated to {update_rev:?}");
        return in_progress("RevisionMismatch", msg);
    }
    current(format!("StatefulSet is ready. Replicas: {replicas}"))
}

fn daemon_set(obj: &Value, kind: &str) -> Outcome {
    // Unlike the generic check, a DaemonSet must have both generations.
    if int_at(obj, &["metadata", "generation"]).is_none() {
        return in_progress("NoGeneration", format!("{kind} has no generation"));
    }
    if int_at(obj, &["status", "observedGeneration"]).is_none() {
        return in_progress(
            "NoObservedGeneration",
            format!("{kind} has no observed generation"),
        );
    }
    let Some(desired) = int_at(obj, &["status", "desiredNumberScheduled"]) else {
        return in_progress("NoDesiredNumber", "no status.desiredNumberScheduled yet");
    };
    let checks = [
        ("currentNumberScheduled", "LessCurrent", "Current"),
        ("updatedNumberScheduled", "LessUpdated", "Updated"),
        ("numberAvailable", "LessAvailable", "Available"),
        ("numberReady", "LessReady", "Ready"),
    ];
    first_short(obj, desired, &checks)
        .unwrap_or_else(|| current(format!("All pods scheduled and ready. Replicas: {desired}")))
}

fn replica_set(obj: &Value) -> Outcome {
    if let Some(c) = condition(obj, "ReplicaFailure").filter(|c| c.status == "True") {
        return in_progress(
            "ReplicaFailure",
            c.message_or("replica failure; check the Pods"),
        );
    }
    let spec = int_at(obj, &["spec", "replicas"]).unwrap_or(1);
    let replicas = count(obj, "replicas");
    let checks = [
        ("fullyLabeledReplicas", "LessLabelled", "Labelled"),
        ("availableReplicas", "LessAvailable", "Available"),
        ("readyReplicas", "LessReady", "Ready"),
    ];
    first_short(obj, spec, &checks)
        .or_else(|| extra_pods(replicas, spec))
        .unwrap_or_else(|| current(format!("ReplicaSet is available. Replicas: {replicas}")))
}

/// The first `(status field, reason, label)` whose count is below `want`,
/// as InProgress "label: count/want".
fn first_short(obj: &Value, want: i64, checks: &[(&str, &str, &str)]) -> Option<Outcome> {
    checks.iter().find_map(|&(field, reason, label)| {
        let n = count(obj, field);
        (want > n).then(|| in_progress(reason, format!("{label}: {n}/{want}")))
    })
}

fn extra_pods(replicas: i64, spec: i64) -> Option<Outcome> {
    let extra = replicas.saturating_sub(spec);
    (extra > 0).then(|| in_progress("ExtraPods", format!("Pending termination: {extra}")))
}

fn job(obj: &Value, wait_for_completion: bool) -> Outcome {
    let parallelism = int_at(obj, &["spec", "parallelism"]).unwrap_or(1);
    let total = int_at(obj, &["spec", "completions"]).unwrap_or(parallelism);
    let [s, a, f] = ["succeeded", "active", "failed"].map(|k| count(obj, k));
    let suspend = get(obj, &["spec", "suspend"]).is_some_and(|v| v == true || v == "true");
    for c in conditions(obj).into_iter().filter(|c| c.status == "True") {
        match c.ty {
            "Failed" => return failed("JobFailed", format!("Job failed. Failed: {f}/{total}")),
            "Complete" => return current(format!("Job completed. Succeeded: {s}/{total}")),
            "Suspended" if suspend => return current("Job is suspended"),
            _ => {}
        }
    }
    if !is_set(get(obj, &["status", "startTime"])) {
        return in_progress("JobNotStarted", "Job not started");
    }
    let msg = format!("Job in progress. Succeeded: {s}, active: {a}, failed: {f}");
    if wait_for_completion {
        return in_progress("JobNotComplete", msg);
    }
    current(msg)
}

fn pod(obj: &Value) -> Outcome {
    let phase = str_at(obj, &["status", "phase"]).unwrap_or("");
    match phase {
        "Succeeded" => return current("Pod completed successfully"),
        "Failed" => return current("Pod completed, but not successfully"),
        "Running" if condition(obj, "Ready").is_some_and(|c| c.status == "True") => {
            return current("Pod is ready");
        }
        _ => {}
    }
    let crashing: Vec<&str> = ["initContainerStatuses", "containerStatuses"]
        .iter()
        .filter_map(|list| get(obj, &["status", list]).and_then(Value::as_array))
        .flatten()
        .filter(|cs| str_at(cs, &["state", "waiting", "reason"]) == Some("CrashLoopBackOff"))
        .map(|cs| str_at(cs, &["name"]).unwrap_or("<unnamed>"))
        .collect();
    if !crashing.is_empty() {
        let msg = format!("Containers in CrashLoopBackOff: {}", crashing.join(","));
        return failed("ContainerCrashLooping", msg);
    }
    match phase {
        "Running" => in_progress("PodRunningNotReady", "Pod is running but not ready"),
        "Pending" => match condition(obj, "PodScheduled") {
            Some(c) if c.status == "False" && c.reason == "Unschedulable" => {
                if c.has_transition_time {
                    failed("PodUnschedulable", c.message_or("Pod cannot be scheduled"))
                } else {
                    in_progress("PodNotScheduled", "Pod not scheduled yet")
                }
            }
            _ => in_progress("PodPending", "Pod is pending"),
        },
        "" => in_progress("PodNotObserved", "Pod phase not reported yet"),
        other => outcome(
            Status::Unknown,
            Some("UnknownPhase"),
            format!("Pod phase {other:?}"),
        ),
    }
}

fn service(obj: &Value) -> Outcome {
    let ty = str_at(obj, &["spec", "type"]).unwrap_or("ClusterIP");
    let cluster_ip = str_at(obj, &["spec", "clusterIP"]).unwrap_or("");
    if ty == "LoadBalancer" && cluster_ip.is_empty() {
        return in_progress("NoIPAssigned", "LoadBalancer Service has no cluster IP yet");
    }
    current("Service is ready")
}

fn pvc(obj: &Value) -> Outcome {
    match str_at(obj, &["status", "phase"]) {
        Some("Bound") => current("PVC is Bound"),
        phase => {
            let phase = phase.unwrap_or("unknown");
            in_progress("NotBound", format!("PVC is not Bound. Phase: {phase}"))
        }
    }
}

fn crd(obj: &Value) -> Outcome {
    for c in conditions(obj) {
        match (c.ty, c.status) {
            ("NamesAccepted", "False") => {
                let reason = non_empty_or(c.reason, "NamesNotAccepted");
                return failed(reason, c.message_or("names not accepted"));
            }
            ("Established", "False") if c.reason != "Installing" => {
                let reason = non_empty_or(c.reason, "NotEstablished");
                return failed(reason, c.message_or("not established"));
            }
            ("Established", "True") => return current("CRD is established"),
            _ => {}
        }
    }
    in_progress("Installing", "CRD install in progress")
}

fn ready_condition(obj: &Value) -> Outcome {
    match condition(obj, "Ready") {
        Some(c) if c.status == "True" => current(c.message_or("Resource is ready")),
        Some(c) => in_progress("NotReady", c.message_or("Ready condition is not True")),
        None => current("Resource is current"),
    }
}

/// One entry of `status.conditions`; fields that are not strings read as "".
struct Condition<'a> {
    ty: &'a str,
    status: &'a str,
    reason: &'a str,
    message: &'a str,
    has_transition_time: bool,
}

impl<'a> Condition<'a> {
    fn message_or(&self, default: &'a str) -> &'a str {
        non_empty_or(self.message, default)
    }
}

fn non_empty_or<'a>(s: &'a str, default: &'a str) -> &'a str {
    Some(s).filter(|s| !s.is_empty()).unwrap_or(default)
}

fn conditions(obj: &Value) -> Vec<Condition<'_>> {
    let list = get(obj, &["status", "conditions"]).and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter(|c| c.is_object())
        .map(|c| {
            let field = |k: &str| str_at(c, &[k]).unwrap_or("");
            Condition {
                ty: field("type"),
                status: field("status"),
                reason: field("reason"),
                message: field("message"),
                has_transition_time: !field("lastTransitionTime").is_empty(),
            }
        })
        .collect()
}

fn condition<'a>(obj: &'a Value, ty: &str) -> Option<Condition<'a>> {
    conditions(obj).into_iter().find(|c| c.ty == ty)
}

fn get<'a>(obj: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(obj, |v, k| v.get(k))
}

fn str_at<'a>(obj: &'a Value, path: &[&str]) -> Option<&'a str> {
    get(obj, path).and_then(Value::as_str)
}

/// Present and meaningful: not null and not an empty string.
fn is_set(v: Option<&Value>) -> bool {
    v.is_some_and(|v| !v.is_null() && v != "")
}

/// An integer at `path`: a JSON integer, an integral float, or a string of
/// one; anything else is missing.
fn int_at(obj: &Value, path: &[&str]) -> Option<i64> {
    let from_float = |f: f64| {
        let in_range = f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18;
        in_range.then_some(f as i64)
    };
    match get(obj, path)? {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_u64().map(|_| i64::MAX))
            .or_else(|| n.as_f64().and_then(from_float)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(from_float))
        }
        _ => None,
    }
}

/// `status.<field>` as a count, 0 when missing.
fn count(obj: &Value, field: &str) -> i64 {
    int_at(obj, &["status", field]).unwrap_or(0)
}

fn outcome(status: Status, reason: Option<&str>, message: impl Into<String>) -> Outcome {
    let reason = reason.map(str::to_string);
    Outcome {
        status,
        reason,
        message: message.into(),
    }
}

fn current(message: impl Into<String>) -> Outcome {
    outcome(Status::Current, None, message)
}

fn in_progress(reason: &str, message: impl Into<String>) -> Outcome {
    outcome(Status::InProgress, Some(reason), message)
}

fn failed(reason: &str, message: impl Into<String>) -> Outcome {
    outcome(Status::Failed, Some(reason), message)
}

#[cfg(test)]
#[path = "kstatus_tests.rs"]
mod tests;
