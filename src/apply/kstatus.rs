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
mod tests {
    use super::*;
    use serde_json::json;

    /// Rows `"case": object => Status "Reason";` (no reason: Current and
    /// Terminating), checked with the function given first.
    macro_rules! check {
        ($f:expr; $($name:literal: $obj:expr => $status:ident $($reason:literal)?;)*) => {
            $(expect($f, $name, &$obj, Status::$status, None $(.or(Some($reason)))?);)*
        };
    }

    fn expect(f: impl Fn(&Value) -> Outcome, name: &str, obj: &Value, st: Status, r: Option<&str>) {
        let out = f(obj);
        let got = (out.status, out.reason.as_deref());
        assert_eq!(got, (st, r), "{name}: {out:?}");
        assert!(!out.message.is_empty(), "{name}: empty message");
    }

    /// An object of `api_kind` ("apps/v1 Deployment") with this spec and status.
    fn obj(api_kind: &str, spec: Value, status: Value) -> Value {
        let (api, kind) = api_kind.split_once(' ').unwrap_or(("v1", api_kind));
        json!({"apiVersion": api, "kind": kind, "metadata": {"name": "x"}, "spec": spec,
            "status": status})
    }

    fn cond(ty: &str, status: &str, reason: &str) -> Value {
        json!({"type": ty, "status": status, "reason": reason, "message": ""})
    }

    /// `{"conditions": [...]}` from `(type, status, reason)` triples.
    fn conds(list: &[(&str, &str, &str)]) -> Value {
        let list: Vec<Value> = list.iter().map(|(t, s, r)| cond(t, s, r)).collect();
        json!({ "conditions": list })
    }

    /// `base` with the top-level fields of `patch` replaced.
    fn with(mut base: Value, patch: Value) -> Value {
        if let (Some(b), Value::Object(p)) = (base.as_object_mut(), patch) {
            b.extend(p);
        }
        base
    }

    #[test]
    fn status_names() {
        use Status::{Current, Failed, InProgress, NotFound, Terminating, Unknown};
        let names = [InProgress, Failed, Current, Terminating, NotFound, Unknown];
        let want = "InProgress Failed Current Terminating NotFound Unknown";
        assert_eq!(names.map(Status::as_str).join(" "), want);
    }

    #[test]
    fn generic_rules_come_before_kind_rules() {
        let stalled = conds(&[("Stalled", "True", "Oops")]);
        let mut deleting = obj("apps/v1 Deployment", json!({}), stalled.clone());
        deleting["metadata"]["deletionTimestamp"] = json!("2024-01-01T00:00:00Z");
        let mut old_gen = obj("example.com/v1 Widget", json!({}), stalled.clone());
        old_gen["metadata"]["generation"] = json!(3);
        old_gen["status"]["observedGeneration"] = json!(2);
        let mut same_gen = old_gen.clone();
        same_gen["status"]["observedGeneration"] = json!("3");
        let cm = |c: &str| obj("ConfigMap", json!({}), conds(&[("Reconciling", c, "")]));
        check! { compute;
            "deletion timestamp wins": deleting => Terminating;
            "generation not observed": old_gen => InProgress "LatestGenerationNotObserved";
            "generation observed, Stalled": same_gen => Failed "Stalled";
            "Stalled deployment": obj("apps/v1 Deployment", json!({}), stalled) => Failed "Stalled";
            "Reconciling=True": cm("True") => InProgress "Reconciling";
            "Reconciling=False ignored": cm("False") => Current;
        }
    }

    #[test]
    fn deployment_rules() {
        let new_rs = ("Progressing", "True", "NewReplicaSetAvailable");
        let avail = ("Available", "True", "");
        let counts = json!({"replicas": 3, "updatedReplicas": 3, "readyReplicas": 3,
            "availableReplicas": 3});
        let good = with(conds(&[new_rs, avail]), counts);
        let spec = json!({"replicas": 3, "progressDeadlineSeconds": 600});
        let d = |p: Value| obj("apps/v1 Deployment", spec.clone(), with(good.clone(), p));
        let updating = conds(&[("Progressing", "True", "x"), ("Available", "True", "")]);
        let unavailable = conds(&[new_rs, ("Available", "False", "")]);
        let stuck = conds(&[("Progressing", "False", "ProgressDeadlineExceeded"), avail]);
        let one = json!({"replicas": 1, "updatedReplicas": 1, "readyReplicas": 1,
            "availableReplicas": 1, "conditions": [cond("Available", "True", "")]});
        let no_deadline = |spec: Value| obj("extensions/v1beta1 Deployment", spec, one.clone());
        let available = compute(&d(json!({}))).message;
        assert_eq!(available, "Deployment is available. Replicas: 3");
        assert_eq!(compute(&d(json!({"replicas": 1}))).message, "Replicas: 1/3");
        check! { compute;
            "available": d(json!({})) => Current;
            "deadline exceeded": d(stuck) => Failed "ProgressDeadlineExceeded";
            "too few replicas": d(json!({"replicas": 1})) => InProgress "LessReplicas";
            "too few updated": d(json!({"updatedReplicas": 2})) => InProgress "LessUpdated";
            "old pods terminating": d(json!({"replicas": 4})) => InProgress "ExtraPods";
            "not available": d(json!({"availableReplicas": 2})) => InProgress "LessAvailable";
            "not ready": d(json!({"readyReplicas": 2})) => InProgress "LessReady";
            "new RS not available": d(updating) => InProgress "ReplicaSetNotAvailable";
            "Available=False": d(unavailable) => InProgress "DeploymentNotAvailable";
            "1 replica by default, no deadline": no_deadline(json!({})) => Current;
            "deadline i32::MAX is none":
                no_deadline(json!({"progressDeadlineSeconds": 2147483647})) => Current;
            "missing status":
                obj("apps/v1 Deployment", spec.clone(), Value::Null) => InProgress "LessReplicas";
        }
    }

    #[test]
    fn statefulset_rules() {
        let good = json!({"replicas": 3, "readyReplicas": 3, "currentReplicas": 3,
            "updatedReplicas": 3, "currentRevision": "r1", "updateRevision": "r1"});
        let sts = |spec: Value, status: Value| {
            let spec = with(json!({"replicas": 3}), spec);
            obj("apps/v1 StatefulSet", spec, with(good.clone(), status))
        };
        let s = |status: Value| sts(json!({}), status);
        let part = json!({"updateStrategy": {"rollingUpdate": {"partition": 1}}});
        let on_delete = json!({"updateStrategy": {"type": "OnDelete"}});
        let rolled = json!({"updatedReplicas": 2, "currentReplicas": 1, "updateRevision": "r2"});
        check! { compute;
            "all current": s(json!({})) => Current;
            "OnDelete": sts(on_delete, json!({"replicas": 0})) => Current;
            "too few replicas": s(json!({"replicas": 2})) => InProgress "LessReplicas";
            "not ready": s(json!({"readyReplicas": 2})) => InProgress "LessReady";
            "extra pods": s(json!({"replicas": 4})) => InProgress "ExtraPods";
            "partition reached": sts(part.clone(), rolled) => Current;
            "partition not reached":
                sts(part, json!({"updatedReplicas": 1})) => InProgress "PartitionRollout";
            "too few current": s(json!({"currentReplicas": 2})) => InProgress "LessCurrent";
            "revision mismatch":
                s(json!({"updateRevision": "r2"})) => InProgress "RevisionMismatch";
        }
    }

    #[test]
    fn daemonset_rules() {
        let good = json!({"observedGeneration": 2, "desiredNumberScheduled": 2, "numberReady": 2,
            "currentNumberScheduled": 2, "updatedNumberScheduled": 2, "numberAvailable": 2});
        let ds_gen = |generation: Value, status: Value| {
            let mut o = obj("apps/v1 DaemonSet", json!({}), with(good.clone(), status));
            o["metadata"]["generation"] = generation;
            o
        };
        let ds = |status: Value| ds_gen(json!(2), status);
        check! { compute;
            "all scheduled": ds(json!({})) => Current;
            "no generation": ds_gen(Value::Null, json!({})) => InProgress "NoGeneration";
            "no observed generation":
                ds(json!({"observedGeneration": null})) => InProgress "NoObservedGeneration";
            "old generation":
                ds_gen(json!(3), json!({})) => InProgress "LatestGenerationNotObserved";
            "no desired number":
                ds(json!({"desiredNumberScheduled": null})) => InProgress "NoDesiredNumber";
            "too few current": ds(json!({"currentNumberScheduled": 1})) => InProgress "LessCurrent";
            "too few updated": ds(json!({"updatedNumberScheduled": 1})) => InProgress "LessUpdated";
            "too few available": ds(json!({"numberAvailable": 1})) => InProgress "LessAvailable";
            "too few ready": ds(json!({"numberReady": 1})) => InProgress "LessReady";
        }
    }

    #[test]
    fn replicaset_rules() {
        let good = |n: i64| {
            json!({"replicas": n, "fullyLabeledReplicas": n, "availableReplicas": n,
                "readyReplicas": n})
        };
        let spec = json!({"replicas": 2});
        let rs = |p: Value| obj("apps/v1 ReplicaSet", spec.clone(), with(good(2), p));
        let failure = conds(&[("ReplicaFailure", "True", "FailedCreate")]);
        check! { compute;
            "available": rs(json!({})) => Current;
            "1 replica by default": obj("apps/v1 ReplicaSet", json!({}), good(1)) => Current;
            "replica failure": rs(failure) => InProgress "ReplicaFailure";
            "too few labelled": rs(json!({"fullyLabeledReplicas": 1})) => InProgress "LessLabelled";
            "too few available": rs(json!({"availableReplicas": 1})) => InProgress "LessAvailable";
            "too few ready": rs(json!({"readyReplicas": 1})) => InProgress "LessReady";
            "extra pods": rs(json!({"replicas": 3})) => InProgress "ExtraPods";
        }
    }

    #[test]
    fn job_rules_with_and_without_waiting_for_completion() {
        let job = |suspend: bool, status: Value| {
            obj("batch/v1 Job", json!({ "suspend": suspend }), status)
        };
        let started = job(false, json!({"startTime": "2024-01-01T00:00:00Z"}));
        let done = |c: (&str, &str, &str)| job(false, with(conds(&[c]), json!({"startTime": "t"})));
        let (complete, failed) = (("Complete", "True", ""), ("Failed", "True", "Backoff"));
        let suspended = conds(&[("Suspended", "True", "JobSuspended")]);
        let waiting = |o: &Value| compute_with(o, true);
        check! { compute;
            "started": started.clone() => Current;
            "not started": job(false, json!({})) => InProgress "JobNotStarted";
            "empty startTime": job(false, json!({"startTime": ""})) => InProgress "JobNotStarted";
            "complete": done(complete) => Current;
            "failed": done(failed) => Failed "JobFailed";
            "suspended": job(true, suspended.clone()) => Current;
            "resuming": job(false, suspended) => InProgress "JobNotStarted";
        }
        check! { waiting;
            "started, waiting": started => InProgress "JobNotComplete";
            "complete, waiting": done(complete) => Current;
            "failed, waiting": done(failed) => Failed "JobFailed";
            "not started, waiting": job(false, json!({})) => InProgress "JobNotStarted";
        }
    }

    #[test]
    fn pod_rules() {
        let pod = |phase: &str, extra: Value| {
            obj("Pod", json!({}), with(json!({ "phase": phase }), extra))
        };
        let ready = |s: &str| conds(&[("Ready", s, "")]);
        let crash = json!([{"name": "app", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]);
        let unsched = conds(&[("PodScheduled", "False", "Unschedulable")]);
        let mut unsched_since = unsched.clone();
        unsched_since["conditions"][0]["lastTransitionTime"] = json!("2024-01-01T00:00:00Z");
        let crashing = pod("Running", json!({ "containerStatuses": crash }));
        assert!(compute(&crashing).message.contains("app"));
        check! { compute;
            "succeeded": pod("Succeeded", json!({})) => Current;
            "failed phase is done": pod("Failed", json!({})) => Current;
            "running and ready": pod("Running", ready("True")) => Current;
            "running, not ready": pod("Running", ready("False")) => InProgress "PodRunningNotReady";
            "crash looping": crashing => Failed "ContainerCrashLooping";
            "init container crash looping":
                pod("Pending", json!({"initContainerStatuses": crash}))
                => Failed "ContainerCrashLooping";
            "unschedulable, no time": pod("Pending", unsched) => InProgress "PodNotScheduled";
            "unschedulable since": pod("Pending", unsched_since) => Failed "PodUnschedulable";
            "pending": pod("Pending", json!({})) => InProgress "PodPending";
            "no phase": obj("Pod", json!({}), json!({})) => InProgress "PodNotObserved";
            "unknown phase": pod("Unknown", json!({})) => Unknown "UnknownPhase";
        }
    }

    #[test]
    fn service_pvc_and_crd_rules() {
        let svc = |spec: Value| obj("Service", spec, json!({}));
        let lb = |ip: &str| svc(json!({"type": "LoadBalancer", "clusterIP": ip}));
        let pvc = |status: Value| obj("PersistentVolumeClaim", json!({}), status);
        let crd_kind = "apiextensions.k8s.io/v1 CustomResourceDefinition";
        let crd = |c: &[(&str, &str, &str)]| obj(crd_kind, json!({}), conds(c));
        let established = [("NamesAccepted", "True", ""), ("Established", "True", "")];
        check! { compute;
            "ClusterIP service": svc(json!({"clusterIP": "10.0.0.1"})) => Current;
            "LoadBalancer without IP": lb("") => InProgress "NoIPAssigned";
            "LoadBalancer with IP": lb("10.0.0.2") => Current;
            "PVC bound": pvc(json!({"phase": "Bound"})) => Current;
            "PVC pending": pvc(json!({"phase": "Pending"})) => InProgress "NotBound";
            "PVC without status": pvc(Value::Null) => InProgress "NotBound";
            "CRD established": crd(&established) => Current;
            "CRD names rejected":
                crd(&[("NamesAccepted", "False", "NameConflict")]) => Failed "NameConflict";
            "CRD names rejected, no reason":
                crd(&[("NamesAccepted", "False", "")]) => Failed "NamesNotAccepted";
            "CRD installing":
                crd(&[("Established", "False", "Installing")]) => InProgress "Installing";
            "CRD not established": crd(&[("Established", "False", "Broken")]) => Failed "Broken";
            "CRD without conditions": crd(&[]) => InProgress "Installing";
        }
    }

    #[test]
    fn always_current_kinds_and_namespace() {
        let not_ready = conds(&[("Ready", "False", "")]);
        let kinds = "policy/v1 PodDisruptionBudget,v1 ConfigMap,v1 Secret,v1 ServiceAccount,\
            v1 Namespace,batch/v1 CronJob,rbac.authorization.k8s.io/v1 Role,\
            rbac.authorization.k8s.io/v1 ClusterRole,rbac.authorization.k8s.io/v1 RoleBinding,\
            rbac.authorization.k8s.io/v1 ClusterRoleBinding";
        for kind in kinds.split(',') {
            let o = obj(kind, json!({}), not_ready.clone());
            expect(compute, kind, &o, Status::Current, None);
        }
        let mut pdb = obj("policy/v1 PodDisruptionBudget", json!({}), json!({}));
        pdb["metadata"]["generation"] = json!(2);
        pdb["status"]["observedGeneration"] = json!(1);
        check! { compute;
            "PDB not observed": pdb => InProgress "LatestGenerationNotObserved";
            "namespace terminating": obj("Namespace", json!({}), json!({"phase": "Terminating"}))
                => Terminating;
        }
    }

    #[test]
    fn other_kinds_follow_the_ready_condition() {
        let widget = |c: (&str, &str, &str)| obj("example.com/v1 Widget", json!({}), conds(&[c]));
        check! { compute;
            "Ready=True": widget(("Ready", "True", "")) => Current;
            "Ready=False": widget(("Ready", "False", "Waiting")) => InProgress "NotReady";
            "Ready=Unknown": widget(("Ready", "Unknown", "")) => InProgress "NotReady";
            "no Ready condition": widget(("Synced", "False", "")) => Current;
            "no status": obj("example.com/v1 Widget", json!({}), Value::Null) => Current;
            "Deployment of another group":
                obj("example.com/v1 Deployment", json!({}), json!({})) => Current;
        }
    }

    #[test]
    fn numbers_as_strings_and_floats() {
        let status = json!({"replicas": "3", "updatedReplicas": 3.0, "readyReplicas": " 3 ",
            "availableReplicas": "3.0", "conditions": [cond("Available", "True", "")]});
        let spec = |n: Value| json!({ "replicas": n });
        let d = |n: Value| obj("apps/v1 Deployment", spec(n), status.clone());
        check! { compute;
            "string and float counts": d(json!("3")) => Current;
            "non-numeric counts as missing (1)": d(json!("three")) => InProgress "ExtraPods";
            "fraction counts as missing (1)": d(json!(2.5)) => InProgress "ExtraPods";
            "huge unsigned": d(json!(u64::MAX)) => InProgress "LessReplicas";
        }
    }

    #[test]
    fn odd_input_never_panics() {
        check! { compute;
            "null": Value::Null => Unknown "NotAnObject";
            "string": json!("Deployment") => Unknown "NotAnObject";
            "array": json!([{"kind": "Pod"}]) => Unknown "NotAnObject";
            "empty object": json!({}) => Unknown "NoKind";
            "non-string kind": json!({"kind": 7}) => Unknown "NoKind";
        }
        let weird = json!([null, true, "x", "True", "7", -1, 1.5, 1e300, u64::MAX, i64::MIN,
            [1, {"a": null}], {}, {"type": 1, "status": [], "reason": {}}]);
        let kinds = "apps/v1 Deployment,apps/v1 StatefulSet,apps/v1 DaemonSet,apps/v1 ReplicaSet,\
            batch/v1 Job,v1 Pod,v1 Service,v1 PersistentVolumeClaim,v1 Namespace,\
            apiextensions.k8s.io/v1 CustomResourceDefinition,example.com/v1 Widget";
        let types = "Reconciling Stalled Progressing Available ReplicaFailure Failed Complete \
            Suspended Ready PodScheduled NamesAccepted Established";
        let fields = "replicas progressDeadlineSeconds updateStrategy parallelism completions \
            suspend type clusterIP updatedReplicas readyReplicas availableReplicas currentReplicas \
            fullyLabeledReplicas observedGeneration desiredNumberScheduled currentNumberScheduled \
            updatedNumberScheduled numberAvailable numberReady phase startTime currentRevision \
            updateRevision succeeded active failed containerStatuses initContainerStatuses";
        let weird = weird.as_array().cloned().unwrap_or_default();
        for kind in kinds.split(',') {
            for w in &weird {
                let field = |f: &str| (f.to_string(), w.clone());
                let mut spec: serde_json::Map<_, _> =
                    fields.split_whitespace().map(field).collect();
                spec.insert("rollingUpdate".into(), json!({ "partition": w }));
                let mut status = Value::Object(spec.clone());
                let cond = |t| {
                    json!({"type": t, "status": w, "reason": w, "message": w,
                    "lastTransitionTime": w})
                };
                let conds = types.split_whitespace().map(cond).chain([w.clone()]);
                status["conditions"] = Value::Array(conds.collect());
                status["containerStatuses"] = json!([w, {"name": w, "state": {"waiting": w}},
                    {"name": w, "state": {"waiting": {"reason": w}}}]);
                let (api, kind) = kind.split_once(' ').unwrap_or_default();
                let meta = json!({"generation": w, "deletionTimestamp": w});
                let shapes = [
                    json!({"apiVersion": api, "kind": kind, "metadata": w, "spec": w, "status": w}),
                    json!({"apiVersion": w, "kind": kind, "metadata": meta}),
                    json!({"apiVersion": api, "kind": kind, "metadata": {"generation": w},
                        "spec": spec, "status": status}),
                ];
                for o in &shapes {
                    for out in [compute(o), compute_with(o, true)] {
                        let ok = !out.message.is_empty() && out.status != Status::NotFound;
                        assert!(ok, "{o}: {out:?}");
                    }
                }
            }
        }
    }
}
