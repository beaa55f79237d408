//! Components whose `inputs` fill their properties while the workflow runs
//! (KubeVela's component-level inputs, in the default workflow) cannot be
//! rendered when planning: their step renders them once the inputs are
//! there, by the definitions the plan recorded (and digested), with the
//! placements and cluster snapshot of the plan. Every other component is
//! applied as planned.

use crate::apply::Event;
use crate::apply::host::StepHost;
use crate::plan::read::{ObjectRef, Placement, ServiceRef, TraitRef};
use crate::source::SourceMap;
use serde_json::Value as Json;
use std::collections::HashMap;

/// Objects given by placement path, to apply instead of the plan's.
pub type Given = HashMap<String, Json>;

/// The placements of `value` (a component, inputs applied) rendered now,
/// when its inputs changed it; `None` when the planned objects stand.
pub fn placements(
    h: &StepHost,
    value: &Json,
    planned: &[Placement],
) -> Result<Option<(Vec<Placement>, Given)>, String> {
    let plan = &h.app.ctx.plan.plan;
    let Some(ra) = &plan.render_at_apply else {
        return Ok(None);
    };
    let name = value.get("name").and_then(Json::as_str).unwrap_or_default();
    if !ra.components.iter().any(|c| c == name) || h.app.component(name).as_ref() == Some(value) {
        return Ok(None);
    }
    let bad = |what: &str, ds: Vec<crate::diag::Diagnostic>| {
        format!(
            "component {name:?} with its inputs: {what}: {}",
            ds.iter()
                .map(|d| match &d.path {
                    Some(p) if !p.is_empty() => format!("{p}: {}", d.message),
                    _ => d.message.clone(),
                })
                .collect::<Vec<_>>()
                .join("; ")
        )
    };
    // The application with this component as the inputs made it.
    let mut app = plan.application.object.clone();
    if let Some(list) = app
        .pointer_mut("/spec/components")
        .and_then(Json::as_array_mut)
        && let Some(slot) = list
            .iter_mut()
            .find(|c| c.get("name").and_then(Json::as_str) == Some(name))
    {
        *slot = value.clone();
    }
    let mut sources = SourceMap::new();
    let id = sources.add("<application, inputs applied>", app.to_string());
    let file = crate::model::load(&sources, id).map_err(|d| bad("invalid", vec![d]))?;
    let mut catalog = crate::definition::Catalog::empty();
    catalog
        .load_objects(&mut sources, "<plan definitions>", &ra.definitions)
        .map_err(|d| bad("definitions", d))?;
    let clusters = plan.cluster_set();
    let deployments: Vec<_> = crate::policy::deployments(&file, &clusters)
        .map_err(|d| bad("placement", d))?
        .into_iter()
        .filter(|d| d.step == h.step.name)
        .collect();
    let version = crate::render::ClusterVersion::parse(&ra.kube_version)
        .map_err(|e| format!("kube version {:?}: {e}", ra.kube_version))?;
    let rendered = crate::render::render_deployments(
        &file.app,
        &deployments,
        &clusters,
        &version,
        plan.revision.number,
        &mut catalog,
        &mut sources,
    )
    .map_err(|d| bad("render", d))?;
    let svc = ServiceRef {
        name: name.to_string(),
        type_: value
            .get("type")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string(),
        properties: value.get("properties").cloned().unwrap_or(Json::Null),
        traits: value
            .get("traits")
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .map(|t| TraitRef {
                        type_: t
                            .get("type")
                            .and_then(Json::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        properties: t.get("properties").cloned().unwrap_or(Json::Null),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    let mut given = Given::new();
    let mut out = Vec::new();
    for p in planned {
        let mut objects = Vec::new();
        for (o, t) in rendered
            .iter()
            .filter(|(o, t)| o.component == name && t.cluster_name() == p.cluster)
        {
            let (api, kind, ns, n) = o.id();
            let path = format!("apply-time/{}/{ns}/{kind}.{n}", p.cluster);
            given.insert(path.clone(), o.object.clone());
            let _ = t;
            objects.push(ObjectRef {
                api_version: api.into(),
                kind: kind.into(),
                namespace: ns.into(),
                name: n.into(),
                component: name.into(),
                trait_type: o.trait_type().map(str::to_string),
                output_name: o.output_name().map(str::to_string),
                digest: crate::plan::digest(&o.object),
                path,
            });
        }
        out.push(Placement {
            services: vec![svc.clone()],
            objects,
            ..p.clone()
        });
    }
    h.app.ctx.events.emit(Event::Warning(format!(
        "step {}: component {name} rendered while applying, as its inputs filled its properties",
        h.step.name
    )));
    Ok(Some((out, given)))
}
