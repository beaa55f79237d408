//! Health of a service (one component on one cluster) from its live objects.
//!
//! As KubeVela does: a definition's `status.healthPolicy` is CUE evaluated
//! with `context.output` (the live workload), `context.outputs.<name>` (live
//! auxiliaries, or for a trait the objects it output) and `parameter` (the
//! properties); `isHealth` decides and `customStatus`' `message` is shown
//! (`Ready:3/3`). Where a definition has no `healthPolicy`, velac uses the
//! kstatus rules on every object instead of KubeVela's "always healthy", so
//! an unready object without a policy is not reported healthy.

use super::kstatus;
use crate::cue::{Evaluation, add_program, inject_json, load};
use crate::source::{SourceMap, Span};
use crate::state::status::{ServiceStatus, TraitStatus, WorkloadDefinition};
use serde_json::{Map, Value as Json, json};

/// The status snippets of one definition (from the plan's `definitions`).
#[derive(Clone, Debug, Default)]
pub struct Snippets {
    /// `status.healthPolicy`.
    pub health_policy: Option<String>,
    /// `status.customStatus`.
    pub custom_status: Option<String>,
}

/// Result of one snippet pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    /// Healthy.
    pub healthy: bool,
    /// Message to show.
    pub message: String,
}

/// Evaluates `snippet` with `parameter` and `context`; returns the exported
/// value of `field`, or the error text.
fn eval_field(
    snippet: &str,
    parameter: &Json,
    context: &Json,
    field: &str,
) -> Result<Option<Json>, String> {
    thread_local! {
        /// Snippets compiled once per thread: a status refresh judges many
        /// services with the same few definitions.
        static COMPILED: std::cell::RefCell<std::collections::HashMap<String, Vec<std::rc::Rc<crate::cue::ir::Program>>>> =
            Default::default();
    }
    let cached = COMPILED.with(|c| c.borrow().get(snippet).cloned());
    let programs = match cached {
        Some(p) => p,
        None => {
            let mut sources = SourceMap::new();
            // Upstream compiles the snippet with `context` and `parameter` beside it.
            let id = sources.add("status", format!("{snippet}\ncontext: _\nparameter: _\n"));
            let p = load(&sources, &[id]).map_err(|d| {
                d.first()
                    .map_or_else(|| "cannot compile".to_string(), |d| d.message.clone())
            })?;
            COMPILED.with(|c| c.borrow_mut().insert(snippet.to_string(), p.clone()));
            p
        }
    };
    let mut ev = Evaluation::new(&[], SourceMap::new());
    for p in &programs {
        add_program(&mut ev.engine, ev.root, p);
    }
    let id = crate::source::FileId(0);
    let span = Span::new(id, 0, 0);
    inject_json(&mut ev.engine, ev.root, "parameter", parameter, span);
    inject_json(&mut ev.engine, ev.root, "context", context, span);
    let Some(v) = ev.lookup(field) else {
        return Ok(None);
    };
    match ev.export(v) {
        Ok(j) => Ok(Some(j)),
        Err(e) => match e.0.iter().find(|x| !x.incomplete) {
            Some(x) => Err(format!("{}: {}", x.path, x.msg)),
            None => Ok(None),
        },
    }
}

/// Applies a definition's snippets to live objects; without a
/// `healthPolicy`, every object must be kstatus-Current.
pub fn judge(snippets: &Snippets, parameter: &Json, context: &Json, objects: &[&Json]) -> Health {
    let healthy = match &snippets.health_policy {
        Some(p) => match eval_field(p, parameter, context, "isHealth") {
            Ok(Some(Json::Bool(b))) => Ok(b),
            Ok(_) => Ok(false),
            Err(e) => Err(format!("healthPolicy: {e}")),
        },
        None => Ok(objects
            .iter()
            .all(|o| kstatus::compute(o).status == kstatus::Status::Current)),
    };
    let message = match &snippets.custom_status {
        Some(c) => match eval_field(c, parameter, context, "message") {
            Ok(Some(Json::String(s))) => s,
            Ok(_) => String::new(),
            Err(e) => format!("customStatus: {e}"),
        },
        None if snippets.health_policy.is_none() => objects
            .iter()
            .map(|o| kstatus::compute(o))
            .find(|r| r.status != kstatus::Status::Current)
            .map(|r| r.message)
            .unwrap_or_default(),
        None => String::new(),
    };
    match healthy {
        Ok(h) => Health {
            healthy: h,
            message,
        },
        Err(e) => Health {
            healthy: false,
            message: e,
        },
    }
}

/// One live object of a service and what produced it.
pub struct LiveObject<'a> {
    /// Trait type, `None` for the component's own objects.
    pub trait_type: Option<&'a str>,
    /// `outputs` key, `None` for the workload.
    pub output_name: Option<&'a str>,
    /// The object as read from the cluster (`None`: missing).
    pub live: Option<&'a Json>,
}

/// What a service's health is judged with.
pub struct ServiceInput<'a> {
    /// Component name.
    pub name: &'a str,
    /// Component type.
    pub type_: &'a str,
    /// Env, if any.
    pub env: Option<&'a str>,
    /// Cluster.
    pub cluster: &'a str,
    /// Namespace.
    pub namespace: &'a str,
    /// Component properties.
    pub properties: &'a Json,
    /// Traits: type and properties.
    pub traits: Vec<(&'a str, &'a Json)>,
    /// The application name (for `context`).
    pub app: &'a str,
}

/// The service's status: workload and traits judged on the live objects.
pub fn service_status(
    s: &ServiceInput,
    objects: &[LiveObject],
    snippets: &dyn Fn(&str, bool) -> Snippets,
) -> ServiceStatus {
    let base_context = |output: Option<&Json>, outputs: Map<String, Json>| {
        let mut c = json!({
            "name": s.name,
            "appName": s.app,
            "namespace": s.namespace,
            "cluster": s.cluster,
            "outputs": outputs,
        });
        if let Some(o) = output {
            c["output"] = o.clone();
        }
        c
    };
    // The component's own objects that are not on the cluster.
    let missing: Vec<String> = objects
        .iter()
        .filter(|o| o.trait_type.is_none() && o.live.is_none())
        .map(|o| {
            o.output_name
                .map_or("workload".into(), |n| format!("output {n}"))
        })
        .collect();
    let workload = objects
        .iter()
        .find(|o| o.trait_type.is_none() && o.output_name.is_none())
        .and_then(|o| o.live);
    let comp_outputs: Map<String, Json> = objects
        .iter()
        .filter(|o| o.trait_type.is_none())
        .filter_map(|o| Some((o.output_name?.to_string(), o.live?.clone())))
        .collect();
    let comp_objects: Vec<&Json> = objects
        .iter()
        .filter(|o| o.trait_type.is_none())
        .filter_map(|o| o.live)
        .collect();
    let wl = if !missing.is_empty() {
        Health {
            healthy: false,
            message: format!("{} not found", missing.join(", ")),
        }
    } else {
        judge(
            &snippets(s.type_, false),
            s.properties,
            &base_context(workload, comp_outputs),
            &comp_objects,
        )
    };
    let mut traits = Vec::new();
    for (t, props) in &s.traits {
        let outs: Vec<&LiveObject> = objects
            .iter()
            .filter(|o| o.trait_type == Some(*t))
            .collect();
        let gone: Vec<&str> = outs
            .iter()
            .filter(|o| o.live.is_none())
            .filter_map(|o| o.output_name)
            .collect();
        let h = if !gone.is_empty() {
            Health {
                healthy: false,
                message: format!("{} not found", gone.join(", ")),
            }
        } else {
            let outputs: Map<String, Json> = outs
                .iter()
                .filter_map(|o| Some((o.output_name?.to_string(), o.live?.clone())))
                .collect();
            let live: Vec<&Json> = outs.iter().filter_map(|o| o.live).collect();
            judge(
                &snippets(t, true),
                props,
                &base_context(workload, outputs),
                &live,
            )
        };
        traits.push(TraitStatus {
            type_: (*t).to_string(),
            healthy: h.healthy,
            message: h.message,
        });
    }
    let message = if wl.message.is_empty() {
        traits
            .iter()
            .map(|t| t.message.clone())
            .find(|m| !m.is_empty())
            .unwrap_or_default()
    } else {
        wl.message.clone()
    };
    ServiceStatus {
        name: s.name.into(),
        env: s.env.map(str::to_string),
        cluster: s.cluster.into(),
        namespace: s.namespace.into(),
        type_: s.type_.into(),
        workload_definition: workload.map(|w| WorkloadDefinition {
            api_version: w["apiVersion"].as_str().unwrap_or_default().into(),
            kind: w["kind"].as_str().unwrap_or_default().into(),
        }),
        healthy: wl.healthy && traits.iter().all(|t| t.healthy),
        workload_healthy: wl.healthy,
        message,
        traits,
        ..ServiceStatus::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webservice() -> Snippets {
        let mut cat = crate::definition::Catalog::builtin();
        let mut sources = SourceMap::new();
        let d = cat
            .get(
                &mut sources,
                crate::definition::DefKind::Component,
                "webservice",
            )
            .expect("loads")
            .expect("built-in webservice");
        Snippets {
            health_policy: d.health_policy().map(str::to_string),
            custom_status: d.custom_status().map(str::to_string),
        }
    }

    fn deployment(spec: u32, ready: Option<u32>) -> Json {
        let mut d = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "generation": 1},
            "spec": {"replicas": spec},
            "status": {"observedGeneration": 1, "replicas": spec, "updatedReplicas": spec}
        });
        if let Some(r) = ready {
            d["status"]["readyReplicas"] = json!(r);
        }
        d
    }

    fn svc_input<'a>(props: &'a Json) -> ServiceInput<'a> {
        ServiceInput {
            name: "web",
            type_: "webservice",
            env: Some("prod"),
            cluster: "cluster-prod",
            namespace: "default",
            properties: props,
            traits: vec![("scaler", props)],
            app: "app",
        }
    }

    #[test]
    fn webservice_ready_three_of_three_is_healthy() {
        let props = json!({"image": "nginx"});
        let live = deployment(3, Some(3));
        let objs = [LiveObject {
            trait_type: None,
            output_name: None,
            live: Some(&live),
        }];
        let st = service_status(&svc_input(&props), &objs, &|t, _| {
            if t == "webservice" {
                webservice()
            } else {
                Snippets::default()
            }
        });
        assert_eq!(st.message, "Ready:3/3");
        assert!(st.healthy && st.workload_healthy);
        assert_eq!(st.traits[0].type_, "scaler");
        assert!(
            st.traits[0].healthy,
            "a patch-only trait without a policy is healthy"
        );
    }

    #[test]
    fn webservice_not_ready_is_unhealthy_with_its_message() {
        let props = json!({"image": "nginx"});
        let live = deployment(3, Some(1));
        let objs = [LiveObject {
            trait_type: None,
            output_name: None,
            live: Some(&live),
        }];
        let st = service_status(&svc_input(&props), &objs, &|_, _| webservice());
        assert_eq!(st.message, "Ready:1/3");
        assert!(!st.healthy);
    }

    #[test]
    fn missing_workload_is_unhealthy() {
        let props = json!({});
        let objs = [LiveObject {
            trait_type: None,
            output_name: None,
            live: None,
        }];
        let st = service_status(&svc_input(&props), &objs, &|_, _| webservice());
        assert!(!st.healthy);
        assert_eq!(st.message, "workload not found");
    }

    #[test]
    fn without_a_policy_kstatus_decides() {
        let props = json!({});
        let live = deployment(2, Some(0));
        let objs = [LiveObject {
            trait_type: None,
            output_name: None,
            live: Some(&live),
        }];
        let st = service_status(&svc_input(&props), &objs, &|_, _| Snippets::default());
        assert!(!st.workload_healthy);
        assert!(!st.message.is_empty());
    }

    #[test]
    fn a_broken_policy_is_unhealthy_and_says_why() {
        let s = Snippets {
            health_policy: Some("isHealth: context.output.spec.replicas & \"x\"".into()),
            custom_status: None,
        };
        let live = deployment(1, Some(1));
        let h = judge(&s, &json!({}), &json!({"output": live}), &[]);
        assert!(!h.healthy);
        assert!(h.message.starts_with("healthPolicy:"), "{}", h.message);
    }
}
