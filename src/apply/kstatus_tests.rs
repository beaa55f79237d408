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
    let job =
        |suspend: bool, status: Value| obj("batch/v1 Job", json!({ "suspend": suspend }), status);
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
    let pod =
        |phase: &str, extra: Value| obj("Pod", json!({}), with(json!({ "phase": phase }), extra));
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
            let mut spec: serde_json::Map<_, _> = fields.split_whitespace().map(field).collect();
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
