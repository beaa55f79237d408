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
