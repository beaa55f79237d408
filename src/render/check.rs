//! Policies and workflow steps are carried out by the plan and the applier;
//! at render time their types must exist and their properties must fit their
//! definitions' parameter schemas, so a typo fails here, with its line,
//! rather than halfway through a delivery.

use super::{lookup, validate};
use crate::definition::{Catalog, DefKind};
use crate::diag::Diagnostic;
use crate::model::{AppFile, Policy, Step};
use crate::source::SourceMap;
use serde_json::{Map, Value as Json};

/// Step types KubeVela runs without a definition object, and the definition
/// that describes their parameters.
fn step_definition(ty: &str) -> &str {
    match ty {
        "builtin-apply-component" => "apply-component",
        other => other,
    }
}

/// KubeVela's built-in steps that only an in-cluster controller can carry
/// out, with why. velac runs workflows from the client and refuses them
/// when it plans, before anything is applied; a definition of the same name
/// given with `-d` replaces them.
const CONTROLLER_ONLY: &[(&str, &str)] = &[
    (
        "apply-terraform-config",
        "it hands a Configuration to the Terraform controller and waits for it to report Available",
    ),
    (
        "apply-terraform-provider",
        "it needs the Terraform addon's config templates and controller",
    ),
    (
        "deploy-cloud-resource",
        "it dispatches Terraform-backed components through KubeVela's env-binding controller",
    ),
    (
        "share-cloud-resource",
        "it shares Terraform-backed resources through KubeVela's controller",
    ),
    (
        "collect-service-endpoints",
        "it reads the endpoints KubeVela's ResourceTracker records, which only the controller keeps",
    ),
    (
        "vela-cli",
        "it runs a Job under KubeVela's service account (kubevela-vela-core) with its RBAC",
    ),
    (
        "restart-workflow",
        "it schedules a restart that KubeVela's controller carries out; run `velac workflow restart` (e.g. from cron) instead",
    ),
];

/// Why a step type needs KubeVela's controller, if it is one of those.
pub fn controller_only(ty: &str) -> Option<&'static str> {
    CONTROLLER_ONLY
        .iter()
        .find(|(n, _)| *n == ty)
        .map(|(_, why)| *why)
}

/// Checks every policy (inline and standalone) and workflow step.
pub fn check_policies_and_steps(
    file: &AppFile,
    catalog: &mut Catalog,
    sources: &mut SourceMap,
) -> Result<(), Vec<Diagnostic>> {
    let mut errs = Vec::new();
    for p in file.app.policies.iter().chain(&file.policies) {
        if let Err(e) = check_policy(p, catalog, sources) {
            errs.extend(e);
        }
    }
    let workflows = file
        .app
        .workflow
        .iter()
        .chain(file.workflows.iter().map(|w| &w.workflow));
    for w in workflows {
        for s in &w.steps {
            if let Err(e) = check_step(s, catalog, sources) {
                errs.extend(e);
            }
            for sub in &s.sub_steps {
                if let Err(e) = check_step(sub, catalog, sources) {
                    errs.extend(e);
                }
            }
        }
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

fn check_policy(
    p: &Policy,
    catalog: &mut Catalog,
    sources: &mut SourceMap,
) -> Result<(), Vec<Diagnostic>> {
    let type_path = if p.path.is_empty() {
        "type".to_string()
    } else {
        format!("{}.type", p.path)
    };
    let def = lookup(
        catalog,
        sources,
        DefKind::Policy,
        &p.type_,
        &type_path,
        p.type_span,
    )?;
    let props = p
        .properties
        .as_ref()
        .map_or(Json::Object(Map::new()), |n| n.to_json());
    let name = if p.name.is_empty() {
        p.type_.clone()
    } else {
        p.name.clone()
    };
    let entry = p.path.clone();
    validate(
        &def,
        &props,
        &format!("policy {name:?} ({})", p.type_),
        &entry,
        p.properties.as_ref(),
        p.span,
    )
}

fn check_step(
    s: &Step,
    catalog: &mut Catalog,
    sources: &mut SourceMap,
) -> Result<(), Vec<Diagnostic>> {
    let ty = step_definition(&s.type_);
    if !catalog.contains(DefKind::WorkflowStep, ty)
        && let Some(why) = controller_only(ty)
    {
        return Err(vec![
            Diagnostic::error(format!(
                "step {:?}: type {ty:?} needs KubeVela's controller in the cluster: {why}; velac runs workflows from the client and cannot execute it (give a definition of your own with -d to replace it)",
                s.name
            ))
            .with_path(format!("{}.type", s.path))
            .with_span(s.type_span),
        ]);
    }
    let def = lookup(
        catalog,
        sources,
        DefKind::WorkflowStep,
        ty,
        &format!("{}.type", s.path),
        s.type_span,
    )?;
    let props = s
        .properties
        .as_ref()
        .map_or(Json::Object(Map::new()), |n| n.to_json());
    validate(
        &def,
        &props,
        &format!("step {:?} ({})", s.name, s.type_),
        &s.path,
        s.properties.as_ref(),
        s.span,
    )
}
