//! `vela/kube`: objects on registered clusters, written by server-side apply
//! as field manager `velac`, labelled with the application as KubeVela
//! labels what a workflow applies, and recorded in the application's
//! inventory (garbage-collected with it).
//!
//! A read never fails the step: as upstream, `$returns.err` says why, and
//! the engine adds it to the step's message if the step then fails or
//! waits. Reading the Application itself (`core.oam.dev/v1beta1`, on the
//! hub) answers from the plan and the status velac keeps, since velac does
//! not run KubeVela's controller.

use crate::apply::Event;
use crate::apply::deploy::APP_LABEL;
use crate::apply::gc::label;
use crate::apply::host::StepHost;
use crate::cluster::api::{ApiError, ClusterApi, ObjRef, retry};
use crate::state::AppKey;
use crate::state::status::AppliedResource;
use crate::step::{Call, Reply};
use serde_json::{Value as Json, json};
use std::sync::Arc;

/// Label naming the application's namespace.
const APP_NS_LABEL: &str = "app.oam.dev/namespace";

/// Runs one `vela/kube` function.
pub fn call(h: &mut StepHost, call: &Call) -> Result<Reply, String> {
    let returns = match call.func.name {
        "apply" => apply(h, call, &object(&call.params, "value")?, false)?,
        "apply-in-parallel" => {
            let items = call
                .params
                .get("value")
                .and_then(Json::as_array)
                .cloned()
                .ok_or("$params.value must be a list of objects")?;
            let mut out = Vec::new();
            for (i, it) in items.iter().enumerate() {
                let sub = Call {
                    path: format!("{}[{i}]", call.path),
                    ..call.clone()
                };
                out.push(apply(h, &sub, it, false)?["value"].take());
            }
            json!({ "value": out })
        }
        "read" => read(h, call),
        "list" => list(h, call),
        "delete" => delete(h, call),
        "patch" => patch(h, call)?,
        other => return Err(format!("function {other:?} not found in provider \"kube\"")),
    };
    Ok(Reply {
        returns: Some(returns),
        wait: None,
    })
}

fn object(p: &Json, key: &str) -> Result<Json, String> {
    match p.get(key) {
        Some(v @ Json::Object(_)) => Ok(v.clone()),
        _ => Err(format!("$params.{key} must be a Kubernetes object")),
    }
}

fn cluster_name(p: &Json) -> String {
    match p.get("cluster").and_then(Json::as_str) {
        Some("") | None => "local".into(),
        Some(c) => c.into(),
    }
}

/// Namespace `default` when none is given (as upstream, not the
/// application's), except for kinds known to be cluster-scoped.
fn with_namespace(mut obj: Json) -> Json {
    let kind = obj.get("kind").and_then(Json::as_str).unwrap_or_default();
    if !crate::render::bundle::cluster_scoped(kind)
        && obj.pointer("/metadata/namespace").is_none()
        && let Some(m) = obj.pointer_mut("/metadata").and_then(Json::as_object_mut)
    {
        m.insert("namespace".into(), json!("default"));
    }
    obj
}

fn connect(h: &StepHost, name: &str) -> Result<Arc<dyn ClusterApi>, String> {
    h.app.cluster(name)
}

/// Applies one object (or, when this call already applied it in this
/// attempt, reads it back: the step sees fresh status without a second
/// write). `take` takes fields other managers own (a patch of a live
/// object means to change them).
fn apply(h: &mut StepHost, call: &Call, value: &Json, take: bool) -> Result<Json, String> {
    let cname = cluster_name(&call.params);
    let cluster = connect(h, &cname)?;
    let mut obj = with_namespace(value.clone());
    let (app, app_ns) = (h.app_name(), h.app_namespace());
    if let Some(m) = obj.pointer_mut("/metadata").and_then(Json::as_object_mut) {
        let labels = m.entry("labels").or_insert_with(|| json!({}));
        if let Some(l) = labels.as_object_mut() {
            l.insert(APP_LABEL.into(), json!(app));
            l.insert(APP_NS_LABEL.into(), json!(app_ns));
        }
    }
    let r = ObjRef::of(&obj);
    if r.name.is_empty() || r.kind.is_empty() {
        return Err("the object needs apiVersion, kind and metadata.name".into());
    }
    if r.kind == "Secret" {
        h.sensitive = true;
    }
    let at = |e: ApiError| format!("cluster {cname}: {r}: {e}");
    let sub = Call {
        params: json!({"cluster": cname, "value": obj}),
        ..call.clone()
    };
    if h.recalled(&sub).is_some()
        && let Some(live) = retry(|| cluster.get(&r)).map_err(at)?
    {
        return Ok(json!({ "value": live }));
    }
    // As for deploys: an object that exists and is not this application's
    // is only adopted with a take-over (or shared-resource) policy.
    if let Some(live) = retry(|| cluster.get(&r)).map_err(at)? {
        let ours = label(&live, APP_LABEL) == Some(app.as_str())
            && label(&live, APP_NS_LABEL).is_none_or(|n| n == app_ns);
        if !ours && !adoptable(h, &r) {
            let whose = match label(&live, APP_LABEL) {
                Some(o) => format!("managed by application {o}"),
                None => "not managed by any application".into(),
            };
            return Err(format!(
                "cluster {cname}: {r} already exists and is {whose}; add a take-over (or shared-resource) policy to adopt it"
            ));
        }
    }
    let force = take || h.app.opts().force_conflicts;
    let live = retry(|| cluster.apply(&obj, force)).map_err(at)?;
    h.app.ctx.events.emit(Event::Applied {
        step: h.step.name.clone(),
        cluster: cname.clone(),
        object: r.to_string(),
    });
    let rec = AppliedResource {
        cluster: cname.clone(),
        api_version: r.api_version.clone(),
        kind: r.kind.clone(),
        namespace: r.namespace.clone(),
        name: r.name.clone(),
        uid: live
            .pointer("/metadata/uid")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string(),
    };
    h.app.record(vec![rec.clone()]);
    h.app.wfctx.applied.retain(|x| {
        (&x.cluster, &x.api_version, &x.kind, &x.namespace, &x.name)
            != (
                &rec.cluster,
                &rec.api_version,
                &rec.kind,
                &rec.namespace,
                &rec.name,
            )
    });
    h.app.wfctx.applied.push(rec);
    h.remember(&sub, json!({"applied": true}));
    Ok(json!({ "value": live }))
}

/// Whether a take-over or shared-resource policy selects an object a step
/// writes (it belongs to no component: only kind, name and namespace rules
/// can select it).
fn adoptable(h: &StepHost, r: &ObjRef) -> bool {
    use crate::apply::policies::{Subject, shared, take_over};
    let obj = crate::plan::read::ObjectRef {
        api_version: r.api_version.clone(),
        kind: r.kind.clone(),
        namespace: r.namespace.clone(),
        name: r.name.clone(),
        component: String::new(),
        trait_type: None,
        output_name: None,
        digest: String::new(),
        path: String::new(),
    };
    let subj = Subject {
        obj: &obj,
        component_type: "",
    };
    let pols = &h.app.ctx.plan.plan.policies;
    take_over(pols, &subj) || shared(pols, &subj)
}

/// The object a read or delete names: `apiVersion`, `kind` and `metadata`
/// with the namespace defaulted.
fn target(value: &Json) -> ObjRef {
    ObjRef::of(&with_namespace(value.clone()))
}

fn read(h: &mut StepHost, call: &Call) -> Json {
    let Ok(value) = object(&call.params, "value") else {
        return json!({"err": "$params.value must name an object (apiVersion, kind, metadata)"});
    };
    let cname = cluster_name(&call.params);
    let r = target(&value);
    if r.kind == "Secret" {
        h.sensitive = true;
    }
    if cname == "local"
        && r.kind == "Application"
        && r.api_version == "core.oam.dev/v1beta1"
        && let Some(app) = application(h, &r)
    {
        return json!({ "value": app });
    }
    let got = connect(h, &cname).and_then(|c| retry(|| c.get(&r)).map_err(|e| e.to_string()));
    match got {
        Ok(Some(live)) => json!({ "value": live }),
        Ok(None) => json!({"value": value, "err": format!("{r} not found on cluster {cname}")}),
        Err(e) => json!({"value": value, "err": format!("cluster {cname}: {r}: {e}")}),
    }
}

/// An Application velac manages, as the plan it applied holds it, with the
/// status velac keeps (`status.status` is its phase).
fn application(h: &StepHost, r: &ObjRef) -> Option<Json> {
    let key = AppKey {
        namespace: r.namespace.clone(),
        name: r.name.clone(),
    };
    let mine = key.namespace == h.app_namespace() && key.name == h.app_name();
    let (object, status) = if mine {
        (
            h.app.ctx.plan.plan.application.object.clone(),
            h.app.status.clone(),
        )
    } else {
        let status = h.app.home.status(&key).ok()??;
        let rev = status.latest_revision.as_ref()?.name.clone();
        let plan = crate::apply::kept_plan(h.app.home, &key, &rev).ok()?;
        (plan.plan.application.object.clone(), status)
    };
    let mut obj = if object.is_object() {
        object
    } else {
        json!({"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
               "metadata": {"name": key.name, "namespace": key.namespace}})
    };
    let mut st = serde_json::to_value(&status).unwrap_or_default();
    if let Some(m) = st.as_object_mut() {
        m.remove("name");
        m.remove("namespace");
        m.remove("appliedResources");
        m.insert("status".into(), json!(status.status.as_str()));
    }
    obj["status"] = st;
    Some(obj)
}

fn selector(labels: Option<&Json>) -> String {
    labels
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn list(h: &mut StepHost, call: &Call) -> Json {
    // Upstream's schema says `resource`, its code reads `value`: accept both.
    let res = call
        .params
        .get("resource")
        .or_else(|| call.params.get("value"))
        .cloned()
        .unwrap_or_default();
    let s = |k: &str| res.get(k).and_then(Json::as_str).unwrap_or_default();
    let (api, kind) = (s("apiVersion"), s("kind"));
    if kind == "Secret" {
        h.sensitive = true;
    }
    let filter = call.params.get("filter");
    let ns = filter
        .and_then(|f| f.get("namespace"))
        .and_then(Json::as_str)
        .unwrap_or_default();
    let sel = selector(filter.and_then(|f| f.get("matchingLabels")));
    let cname = cluster_name(&call.params);
    match connect(h, &cname).and_then(|c| {
        retry(|| c.list(api, kind, ns, &sel)).map_err(|e| format!("cluster {cname}: {e}"))
    }) {
        Ok(items) => json!({"values": {"apiVersion": "v1", "kind": "List", "items": items}}),
        Err(e) => json!({ "err": e }),
    }
}

fn delete(h: &mut StepHost, call: &Call) -> Json {
    let Ok(value) = object(&call.params, "value") else {
        return json!({"err": "$params.value must name an object (apiVersion, kind, metadata)"});
    };
    let cname = cluster_name(&call.params);
    let cluster = match connect(h, &cname) {
        Ok(c) => c,
        Err(e) => return json!({ "err": e }),
    };
    let r = target(&value);
    let mut doomed = Vec::new();
    match call.params.get("filter") {
        Some(f) => {
            let ns = f
                .get("namespace")
                .and_then(Json::as_str)
                .unwrap_or(&r.namespace);
            let sel = selector(f.get("matchingLabels"));
            match retry(|| cluster.list(&r.api_version, &r.kind, ns, &sel)) {
                Ok(items) => doomed.extend(
                    items
                        .iter()
                        .map(ObjRef::of)
                        .map(|x| ObjRef::new(&r.api_version, &r.kind, &x.namespace, &x.name)),
                ),
                Err(ApiError::UnknownKind { .. }) => {}
                Err(e) => return json!({"err": format!("cluster {cname}: {e}")}),
            }
        }
        None if !r.name.is_empty() => doomed.push(r),
        None => return json!({"err": "give metadata.name or a filter"}),
    }
    let mut errs = Vec::new();
    for d in doomed {
        match retry(|| cluster.delete(&d)) {
            Ok(true) => h.app.ctx.events.emit(Event::Deleted {
                cluster: cname.clone(),
                object: d.to_string(),
            }),
            Ok(false) => {}
            Err(e) => errs.push(format!("{d}: {e}")),
        }
    }
    if errs.is_empty() {
        json!({})
    } else {
        json!({"err": format!("cluster {cname}: {}", errs.join("; "))})
    }
}

/// Reads the live object, applies the patch with the trait patch strategies
/// and applies the result.
fn patch(h: &mut StepHost, call: &Call) -> Result<Json, String> {
    let value = object(&call.params, "value")?;
    let p = object(&call.params, "patch")?;
    let cname = cluster_name(&call.params);
    let cluster = connect(h, &cname)?;
    let r = target(&value);
    let live = retry(|| cluster.get(&r))
        .map_err(|e| format!("cluster {cname}: {r}: {e}"))?
        .ok_or_else(|| format!("cluster {cname}: {r} not found"))?;
    let docs = call.patch_docs.clone().unwrap_or_default();
    let mut merged = crate::render::patch::apply(&live, &p, &docs).map_err(|e| e.to_string())?;
    if let Some(m) = merged
        .pointer_mut("/metadata")
        .and_then(Json::as_object_mut)
    {
        for k in [
            "managedFields",
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "generation",
        ] {
            m.remove(k);
        }
    }
    if let Some(m) = merged.as_object_mut() {
        m.remove("status");
    }
    let applied = apply(h, call, &merged, true)?;
    Ok(json!({ "result": applied["value"] }))
}
