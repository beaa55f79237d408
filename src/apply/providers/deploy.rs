//! `vela/multicluster` and `vela/oam`: deploying what the plan rendered.
//! velac never renders while applying: a deploy applies the objects the
//! plan holds for its step's placements (namespaces first, CRDs waited for,
//! kind order, `parallelism` at a time), then waits, without stopping the
//! template, until the services are healthy. The objects are written once
//! per step attempt; while the step waits, only health is probed.

use crate::apply::Event;
use crate::apply::host::StepHost;
use crate::plan::read::{Placement, StepRef};
use crate::step::{Call, Reply};
use serde_json::{Map, Value as Json, json};

/// Runs one `vela/multicluster` or `vela/oam` function.
pub fn call(h: &mut StepHost, call: &Call) -> Result<Reply, String> {
    let plan = &h.app.ctx.plan.plan;
    let object = plan.application.object.clone();
    let components = object
        .pointer("/spec/components")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let by_name = || -> Json {
        Json::Object(
            components
                .iter()
                .filter_map(|c| Some((c.get("name")?.as_str()?.to_string(), c.clone())))
                .collect(),
        )
    };
    let returns = match (call.func.provider, call.func.name) {
        ("multicluster", "deploy") => {
            let step = h.step.clone();
            return deploy(h, call, &step.placements, None, None);
        }
        ("multicluster", "list-clusters") => {
            let names: Vec<&str> = plan
                .clusters
                .iter()
                .map(|c| c.name.as_str())
                .filter(|n| *n != "local")
                .collect();
            json!({"outputs": {"clusters": names}})
        }
        ("multicluster", "get-placements-from-topology-policies") => {
            json!({ "placements": placements(h, &call.params)? })
        }
        ("oam", "load") => json!({ "value": by_name() }),
        ("oam", "load-comps-in-order") => json!({ "value": components }),
        ("oam", "load-policies") => {
            let pols: Map<String, Json> = plan
                .policies
                .iter()
                .map(|p| {
                    (
                        p.name.clone(),
                        json!({"name": p.name, "type": p.type_, "properties": p.properties}),
                    )
                })
                .collect();
            json!({ "value": pols })
        }
        ("oam", "component-apply") => {
            let (places, _) = component_places(h, &call.params)?;
            let value = call.params.get("value").cloned().unwrap_or_default();
            let (places, given) = match super::rerender::placements(h, &value, &places)? {
                Some((p, g)) => (p, Some(g)),
                None => (places, None),
            };
            let wait = call
                .params
                .get("waitHealthy")
                .and_then(Json::as_bool)
                .unwrap_or(true);
            let reply = deploy(h, call, &places, Some(wait), given.as_ref())?;
            let mut r = reply;
            r.returns = Some(outputs(h, &places, true));
            return Ok(r);
        }
        ("oam", "component-render") => {
            let (places, _) = component_places(h, &call.params)?;
            outputs(h, &places, false)
        }
        (p, f) => return Err(format!("function {f:?} not found in provider {p:?}")),
    };
    Ok(Reply {
        returns: Some(returns),
        wait: None,
    })
}

/// The placements of the running step that hold the component `value`
/// names, on `cluster` (`""`: wherever the step put it).
fn component_places(h: &StepHost, p: &Json) -> Result<(Vec<Placement>, String), String> {
    let name = p
        .pointer("/value/name")
        .and_then(Json::as_str)
        .ok_or("$params.value must be a component (with a name)")?
        .to_string();
    let cluster = p.get("cluster").and_then(Json::as_str).unwrap_or("");
    let places: Vec<Placement> = h
        .step
        .placements
        .iter()
        .filter(|pl| {
            cluster.is_empty()
                || pl.cluster == cluster
                || (cluster == "local" && pl.cluster == "local")
        })
        .filter_map(|pl| {
            let objects: Vec<_> = pl
                .objects
                .iter()
                .filter(|o| o.component == name)
                .cloned()
                .collect();
            (!objects.is_empty()).then(|| Placement {
                services: pl
                    .services
                    .iter()
                    .filter(|s| s.name == name)
                    .cloned()
                    .collect(),
                objects,
                ..pl.clone()
            })
        })
        .collect();
    if places.is_empty() {
        return Err(format!(
            "component {name:?} has no objects planned for step {:?}{}",
            h.step.name,
            if cluster.is_empty() {
                String::new()
            } else {
                format!(" on cluster {cluster}")
            }
        ));
    }
    Ok((places, name))
}

/// The component's objects as `output` (the workload) and `outputs` (by
/// output name): live ones after an apply, planned ones for a render.
fn outputs(h: &StepHost, places: &[Placement], live: bool) -> Json {
    let mut output = Json::Null;
    let mut outs = Map::new();
    for pl in places {
        let lives = if live {
            h.app.ctx.live_objects(pl)
        } else {
            Default::default()
        };
        for o in &pl.objects {
            let obj = if live {
                lives.get(&o.path).cloned()
            } else {
                h.app.ctx.plan.object(o).ok()
            };
            let Some(obj) = obj else { continue };
            match &o.output_name {
                None if output.is_null() => output = obj,
                None => {}
                Some(n) => {
                    outs.entry(n.clone()).or_insert(obj);
                }
            }
        }
    }
    let mut r = Map::new();
    if !output.is_null() {
        r.insert("output".into(), output);
    }
    r.insert("outputs".into(), Json::Object(outs));
    Json::Object(r)
}

/// Applies placements once per attempt, then probes their health: a wait
/// (not an error) while a service is not healthy. `wait_healthy: Some(false)`
/// does not wait.
fn deploy(
    h: &mut StepHost,
    call: &Call,
    places: &[Placement],
    wait_healthy: Option<bool>,
    given: Option<&super::rerender::Given>,
) -> Result<Reply, String> {
    let marker = Call {
        params: json!({"placements": places.iter().map(|p| &p.cluster).collect::<Vec<_>>(), "call": call.params}),
        ..call.clone()
    };
    if let Some(n) = call.params.get("parallelism").and_then(Json::as_i64)
        && n < 1
    {
        return Err(format!("parallelism must be at least 1, not {n}"));
    }
    if h.recalled(&marker).is_none() {
        let mut step: StepRef = h.step.clone();
        // The call's parallelism (the template decides it) is what counts.
        if let Some(n) = call.params.get("parallelism").filter(|n| n.is_i64()) {
            step.properties["parallelism"] = n.clone();
        }
        let results: Vec<Result<crate::apply::deploy::Placed, String>> = std::thread::scope(|sc| {
            let ctx = &h.app.ctx;
            let hs: Vec<_> = places
                .iter()
                .map(|p| {
                    let step = &step;
                    sc.spawn(move || ctx.place_with(step, p, given))
                })
                .collect();
            hs.into_iter()
                .map(|x| {
                    x.join()
                        .unwrap_or_else(|_| Err("apply thread panicked".into()))
                })
                .collect()
        });
        let mut errors = Vec::new();
        for r in results {
            match r {
                Ok(p) => h.app.record(p.applied),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors.join("; "));
        }
        h.remember(&marker, json!({"applied": true}));
    }
    if wait_healthy == Some(false) {
        return Ok(Reply::default());
    }
    let started = std::time::Instant::now();
    let mut svcs = h.app.ctx.health_of(places);
    // A probe slower than the health policy's probeTimeout counts as failed.
    if let Some(limit) = h.app.health_setting("probeTimeout")
        && started.elapsed() > limit
    {
        for s in &mut svcs {
            s.healthy = false;
            s.message = format!(
                "health probe took longer than probeTimeout ({}s)",
                limit.as_secs()
            );
        }
    }
    h.app.set_services(&svcs);
    let bad: Vec<String> = svcs
        .iter()
        .filter(|s| !s.healthy)
        .map(|s| format!("{} ({}): {}", s.name, s.cluster, s.message))
        .collect();
    if bad.is_empty() {
        return Ok(Reply::default());
    }
    h.app.ctx.events.emit(Event::Waiting {
        step: h.step.name.clone(),
        services: bad.clone(),
    });
    h.said_waiting = true;
    Ok(Reply {
        returns: None,
        wait: Some(format!("not healthy yet: {}", bad.join("; "))),
    })
}

/// The placements named topology policies select (`local` without any), by
/// the planner's rules, on the cluster snapshot the plan was made with.
fn placements(h: &StepHost, p: &Json) -> Result<Vec<Json>, String> {
    let plan = &h.app.ctx.plan.plan;
    let names: Vec<&str> = p
        .get("policies")
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    let clusters = plan.cluster_set();
    let mut out = Vec::new();
    for n in &names {
        let pol = plan
            .policies
            .iter()
            .find(|x| x.name == *n)
            .ok_or_else(|| format!("policy {n:?} is not in the application"))?;
        if pol.type_ != "topology" {
            continue;
        }
        for (cluster, namespace) in crate::policy::topology_of(n, &pol.properties, &clusters)? {
            out.push(json!({"cluster": cluster, "namespace": namespace}));
        }
    }
    if out.is_empty() {
        out.push(json!({"cluster": "local", "namespace": ""}));
    }
    Ok(out)
}
