//! The applier's library entry point with in-memory clusters that inject
//! faults: transient errors are retried and nothing is applied twice, a
//! failed step leaves what succeeded alone and a restart finishes the job,
//! and the run lock refuses a second applier. No network, no processes.

use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use velac::apply::deploy::Clusters;
use velac::apply::{Event, Events, Options};
use velac::cluster::api::{ApiError, ClusterApi, ObjRef};
use velac::plan::read::PlanDir;
use velac::state::status::{AppPhase, StepPhase};
use velac::state::{Home, Store};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A cluster in memory. Deployments are ready as soon as they are applied.
#[derive(Default)]
struct Mem {
    objects: Mutex<HashMap<ObjRef, Value>>,
    applies: Mutex<HashMap<ObjRef, usize>>,
    /// Errors the next calls return, in order.
    faults: Mutex<Vec<ApiError>>,
}

impl Mem {
    fn fault(&self) -> Result<(), ApiError> {
        let mut f = self.faults.lock().unwrap();
        if f.is_empty() {
            Ok(())
        } else {
            Err(f.remove(0))
        }
    }
    fn applied(&self, kind: &str, name: &str) -> usize {
        self.applies
            .lock()
            .unwrap()
            .iter()
            .filter(|(r, _)| r.kind == kind && r.name == name)
            .map(|(_, n)| *n)
            .sum()
    }
}

impl ClusterApi for Mem {
    fn identity(&self) -> Result<String, ApiError> {
        Ok("mem".into())
    }
    fn apply(&self, obj: &Value, _force: bool) -> Result<Value, ApiError> {
        self.fault()?;
        let r = ObjRef::of(obj);
        *self.applies.lock().unwrap().entry(r.clone()).or_default() += 1;
        let mut live = obj.clone();
        live["metadata"]["uid"] = json!(format!("uid-{}", r.name));
        live["metadata"]["generation"] = json!(1);
        if r.kind == "Deployment" {
            let n = live
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            live["spec"]["replicas"] = json!(n);
            live["status"] = json!({"observedGeneration": 1, "replicas": n, "updatedReplicas": n, "readyReplicas": n, "availableReplicas": n});
        }
        self.objects.lock().unwrap().insert(r, live.clone());
        Ok(live)
    }
    fn dry_run_apply(&self, _obj: &Value, _force: bool) -> Result<Value, ApiError> {
        Err(ApiError::Other("this test cluster has no dry run".into()))
    }
    fn get(&self, r: &ObjRef) -> Result<Option<Value>, ApiError> {
        self.fault()?;
        Ok(self.objects.lock().unwrap().get(r).cloned())
    }
    fn list(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        _selector: &str,
    ) -> Result<Vec<Value>, ApiError> {
        self.fault()?;
        Ok(self
            .objects
            .lock()
            .unwrap()
            .iter()
            .filter(|(r, _)| {
                r.api_version == api_version
                    && r.kind == kind
                    && (namespace.is_empty() || r.namespace == namespace)
            })
            .map(|(_, o)| o.clone())
            .collect())
    }
    fn delete(&self, r: &ObjRef) -> Result<bool, ApiError> {
        self.fault()?;
        Ok(self.objects.lock().unwrap().remove(r).is_some())
    }
    fn create(&self, obj: &Value) -> Result<Value, ApiError> {
        self.apply(obj, false)
    }
    fn replace(&self, obj: &Value) -> Result<Value, ApiError> {
        self.apply(obj, false)
    }
    fn rediscover(&self) {}
}

#[derive(Default)]
struct Log(Mutex<Vec<Event>>);
impl Events for Log {
    fn emit(&self, e: Event) {
        self.0.lock().unwrap().push(e);
    }
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("velac-faults-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Plans the multi-cluster scenario with the binary (no registry needed).
fn plan(dir: &Path) -> PlanDir {
    let out = dir.join("plan");
    let o = Command::new(env!("CARGO_BIN_EXE_velac"))
        .args([
            "plan",
            "examples/multicluster/app.yaml",
            "--clusters",
            "examples/multicluster/clusters.yaml",
            "-o",
        ])
        .arg(&out)
        .env("VELAC_HOME", dir.join("home"))
        .current_dir(ROOT)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    PlanDir::read(&out).unwrap()
}

fn clusters() -> (Arc<Mem>, Arc<Mem>, Clusters) {
    let (s, p) = (Arc::new(Mem::default()), Arc::new(Mem::default()));
    let mut c = Clusters::new();
    c.insert("cluster-staging".into(), s.clone() as Arc<dyn ClusterApi>);
    c.insert("cluster-prod".into(), p.clone() as Arc<dyn ClusterApi>);
    (s, p, c)
}

fn opts() -> Options {
    Options {
        poll: Some(std::time::Duration::from_millis(10)),
        ..Options::default()
    }
}

fn resume(home: &dyn Store, plan: &PlanDir) {
    home.update_status(&velac::apply::app_key(plan), |s| {
        let wf = s.as_mut().unwrap().workflow.as_mut().unwrap();
        assert!(velac::apply::workflow::resume(wf, "example-app", None).unwrap());
    })
    .unwrap();
}

#[test]
fn transient_faults_are_retried_and_nothing_is_applied_twice() {
    let dir = scratch("transient");
    let plan = plan(&dir);
    let home_dir = Home::at(dir.join("home"));
    let home: &dyn Store = &home_dir;
    let (staging, prod, clusters) = clusters();
    staging.faults.lock().unwrap().extend([
        ApiError::Unreachable("connection reset".into()),
        ApiError::Api {
            code: 503,
            reason: "ServiceUnavailable".into(),
            message: "busy".into(),
        },
    ]);
    let log = Log::default();
    let st = velac::apply::apply(&plan, home, &clusters, &opts(), &log).unwrap();
    assert_eq!(st.status, AppPhase::WorkflowSuspending);
    assert_eq!(staging.applied("Deployment", "hello-world-server"), 1);
    assert_eq!(prod.applied("Deployment", "hello-world-server"), 0);
    let svc = &st.services[0];
    assert_eq!(
        (
            svc.name.as_str(),
            svc.cluster.as_str(),
            svc.message.as_str()
        ),
        ("hello-world-server", "cluster-staging", "Ready:1/1")
    );

    resume(home, &plan);
    let st = velac::apply::apply(&plan, home, &clusters, &opts(), &log).unwrap();
    assert_eq!(st.status, AppPhase::Running);
    assert_eq!(
        staging.applied("Deployment", "hello-world-server"),
        1,
        "staging is not applied again"
    );
    assert_eq!(prod.applied("Deployment", "hello-world-server"), 1);
    assert_eq!(prod.applied("Deployment", "data-worker"), 1);
    let prod_msgs: Vec<(&str, &str)> = st
        .services
        .iter()
        .filter(|s| s.cluster == "cluster-prod")
        .map(|s| (s.name.as_str(), s.message.as_str()))
        .collect();
    assert_eq!(
        prod_msgs,
        [
            ("hello-world-server", "Ready:3/3"),
            ("data-worker", "Ready:1/1")
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failed_step_keeps_what_succeeded_and_a_restart_finishes() {
    let dir = scratch("restart");
    let plan = plan(&dir);
    let home_dir = Home::at(dir.join("home"));
    let home: &dyn Store = &home_dir;
    let (staging, prod, clusters) = clusters();
    let log = Log::default();
    velac::apply::apply(&plan, home, &clusters, &opts(), &log).unwrap();
    resume(home, &plan);
    // Refused on the first try and on every retry (KubeVela tries a failing
    // step again ten times).
    let forbidden = ApiError::Api {
        code: 403,
        reason: "Forbidden".into(),
        message: "deployments.apps is forbidden".into(),
    };
    let tries = opts().max_retries as usize + 1;
    prod.faults
        .lock()
        .unwrap()
        .extend(std::iter::repeat_n(forbidden, tries));
    let st = velac::apply::apply(&plan, home, &clusters, &opts(), &log).unwrap();
    assert_eq!(st.status, AppPhase::WorkflowFailed);
    let wf = st.workflow.as_ref().unwrap();
    assert_eq!(wf.steps[2].phase, StepPhase::Failed);
    assert_eq!(wf.steps[2].reason, "FailedAfterRetries");
    assert!(
        wf.steps[2].message.contains("403 Forbidden"),
        "{}",
        wf.steps[2].message
    );
    // Terminated by the failure: applying again does nothing until a restart.
    velac::apply::apply(&plan, home, &clusters, &opts(), &log).unwrap();
    assert_eq!(prod.applied("Deployment", "hello-world-server"), 0);
    home.update_status(&velac::apply::app_key(&plan), |s| {
        let s = s.as_mut().unwrap();
        velac::apply::workflow::restart_from(
            s.workflow.as_mut().unwrap(),
            &plan.plan.steps,
            false,
            "deploy-prod",
        )
        .unwrap();
    })
    .unwrap();
    let st = velac::apply::apply(&plan, home, &clusters, &opts(), &log).unwrap();
    assert_eq!(st.status, AppPhase::Running);
    assert_eq!(staging.applied("Deployment", "hello-world-server"), 1);
    assert_eq!(prod.applied("Deployment", "hello-world-server"), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_step_that_fails_once_is_tried_again_and_goes_on() {
    let dir = scratch("retry");
    let plan = plan(&dir);
    let home_dir = Home::at(dir.join("home"));
    let home: &dyn Store = &home_dir;
    let (_, prod, clusters) = clusters();
    let log = Log::default();
    velac::apply::apply(&plan, home, &clusters, &opts(), &log).unwrap();
    resume(home, &plan);
    prod.faults.lock().unwrap().push(ApiError::Api {
        code: 403,
        reason: "Forbidden".into(),
        message: "not yet".into(),
    });
    let st = velac::apply::apply(&plan, home, &clusters, &opts(), &log).unwrap();
    assert_eq!(st.status, AppPhase::Running);
    assert_eq!(prod.applied("Deployment", "hello-world-server"), 1);
    let warned = log.0.lock().unwrap().iter().any(|e| {
        matches!(e, velac::apply::Event::Warning(w) if w.contains("403 Forbidden: not yet (retry 1 of 10)"))
    });
    assert!(warned, "the retry is said");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn retries_already_spent_are_remembered_across_runs() {
    let dir = scratch("spent");
    let plan = plan(&dir);
    let home_dir = Home::at(dir.join("home"));
    let home: &dyn Store = &home_dir;
    let (_, prod, clusters) = clusters();
    let log = Log::default();
    velac::apply::apply(&plan, home, &clusters, &opts(), &log).unwrap();
    resume(home, &plan);
    // An earlier run, killed since, left deploy-prod failing (reason
    // Execute, to be tried again) with every retry spent.
    let key = velac::apply::app_key(&plan);
    home.update_status(&key, |s| {
        let st = &mut s.as_mut().unwrap().workflow.as_mut().unwrap().steps[2];
        st.phase = StepPhase::Failed;
        st.reason = "Execute".into();
        st.first_execute_time = Some("2026-12-07T00:00:00Z".into());
    })
    .unwrap();
    let mut ctx = home.context(&key).unwrap().expect("kept");
    let id = plan.plan.steps[2].id.clone();
    ctx.step(&id).retries = opts().max_retries;
    home.save_context(&key, &ctx).unwrap();
    prod.faults.lock().unwrap().push(ApiError::Api {
        code: 403,
        reason: "Forbidden".into(),
        message: "once more".into(),
    });
    let st = velac::apply::apply(&plan, home, &clusters, &opts(), &log).unwrap();
    let wf = st.workflow.as_ref().unwrap();
    assert_eq!(wf.steps[2].reason, "FailedAfterRetries");
    assert_eq!(prod.applied("Deployment", "hello-world-server"), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_second_applier_is_refused_while_the_lock_is_held() {
    let dir = scratch("lock");
    let plan = plan(&dir);
    let home_dir = Home::at(dir.join("home"));
    let home: &dyn Store = &home_dir;
    let (_, _, clusters) = clusters();
    let held = home
        .lock_run(&velac::apply::app_key(&plan), "velac apply other")
        .unwrap();
    let e = velac::apply::apply(&plan, home, &clusters, &opts(), &Log::default()).unwrap_err();
    assert!(e.to_string().contains("is locked by pid"), "{e}");
    assert!(e.to_string().contains("velac apply other"), "{e}");
    drop(held);
    velac::apply::apply(&plan, home, &clusters, &opts(), &Log::default()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
