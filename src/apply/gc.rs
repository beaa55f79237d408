//! Garbage collection after a successful workflow: objects the application
//! applied before (its inventory, `appliedResources`) that the new revision
//! no longer has are deleted, newest kinds first, unless a policy keeps them.
//!
//! An object is deleted only if it is still ours: same uid as recorded and
//! labelled with this application. A cluster that cannot be reached keeps
//! its entries in the inventory, so the next successful run retries.

use super::deploy::APP_LABEL;
use super::policies::{self, Subject};
use super::{Applier, ApplyError, Event, order};
use crate::cluster::api::ObjRef;
use crate::plan::read::{ObjectRef, Plan, PlanDir, all_steps};
use crate::state::status::{AppliedResource, Revision};
use serde_json::Value as Json;

/// A label of an object, if it has it.
pub(crate) fn label<'a>(live: &'a Json, key: &str) -> Option<&'a str> {
    live.pointer(&format!("/metadata/labels/{}", key.replace('/', "~1")))
        .and_then(Json::as_str)
}

/// What collection does with a stale inventory entry, given its live object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Someone else's now (re-created or adopted): forgotten, never deleted.
    Forget,
    /// A policy keeps it (`garbage-collect`, `shared-resource`, `read-only`).
    Keep,
    /// Deleted.
    Delete,
}

/// The inventory entries a plan no longer has: what collection considers
/// after the plan's workflow (`step_applied`: what steps' own calls applied
/// in this revision, which stays too).
pub fn stale(
    p: &Plan,
    applied: &[AppliedResource],
    step_applied: &[(String, ObjRef)],
) -> Vec<AppliedResource> {
    let mut keep: std::collections::HashSet<(String, ObjRef)> =
        step_applied.iter().cloned().collect();
    for s in all_steps(&p.steps) {
        for pl in &s.placements {
            for o in &pl.objects {
                keep.insert((pl.cluster.clone(), ObjRef::from(o)));
            }
        }
    }
    applied
        .iter()
        .filter(|r| !keep.contains(&key_of(r)))
        .cloned()
        .collect()
}

fn key_of(r: &AppliedResource) -> (String, ObjRef) {
    (r.cluster.clone(), ObjRef::from(r))
}

/// Whether collection deletes a stale entry whose object is `live`: only
/// if it is still this application's (its label, the recorded uid) and no
/// policy keeps it.
pub fn fate(p: &Plan, r: &AppliedResource, live: &Json) -> Fate {
    let uid = live
        .pointer("/metadata/uid")
        .and_then(Json::as_str)
        .unwrap_or_default();
    if label(live, APP_LABEL) != Some(p.application.name.as_str())
        || (!r.uid.is_empty() && uid != r.uid)
    {
        return Fate::Forget;
    }
    let planned = ObjectRef {
        api_version: r.api_version.clone(),
        kind: r.kind.clone(),
        namespace: r.namespace.clone(),
        name: r.name.clone(),
        component: label(live, "app.oam.dev/component")
            .unwrap_or_default()
            .into(),
        trait_type: label(live, "trait.oam.dev/type").map(str::to_string),
        output_name: label(live, "trait.oam.dev/resource")
            .map(str::to_string)
            .or_else(|| {
                (label(live, "app.oam.dev/resourceType") == Some("TRAIT")).then(String::new)
            }),
        digest: String::new(),
        path: String::new(),
    };
    let ctype = label(live, "workload.oam.dev/type").unwrap_or_default();
    let subj = Subject {
        obj: &planned,
        component_type: ctype,
    };
    if !policies::collect(&p.policies, &subj)
        || policies::shared(&p.policies, &subj)
        || policies::read_only(&p.policies, &subj)
    {
        return Fate::Keep;
    }
    Fate::Delete
}

/// Deletes what the new revision dropped, then records the revision as the
/// last successful one.
pub(super) fn collect(a: &mut Applier, plan: &PlanDir) -> Result<(), ApplyError> {
    let p = &plan.plan;
    let stale = stale(
        p,
        &a.status.applied_resources,
        &super::runner::step_applied(&a.wfctx),
    );
    let objs: Vec<Json> = stale
        .iter()
        .map(|r| serde_json::json!({"kind": r.kind}))
        .collect();
    let refs: Vec<&Json> = objs.iter().collect();
    let mut gone: Vec<AppliedResource> = Vec::new();
    for i in order::delete_order(&refs) {
        let r = &stale[i];
        let (cluster_name, oref) = key_of(r);
        let cluster = match a.cluster(&cluster_name) {
            Ok(c) => c,
            Err(e) => {
                a.ctx.events.emit(Event::Warning(format!(
                    "garbage collection: {e}; {oref} kept for later"
                )));
                continue;
            }
        };
        let live = match cluster.get(&oref) {
            Ok(Some(l)) => l,
            Ok(None) => {
                gone.push(r.clone());
                continue;
            }
            Err(e) => {
                a.ctx.events.emit(Event::Warning(format!(
                    "garbage collection: cluster {cluster_name}: {oref}: {e}; kept for later"
                )));
                continue;
            }
        };
        match fate(p, r, &live) {
            Fate::Forget => {
                gone.push(r.clone());
                continue;
            }
            Fate::Keep => continue,
            Fate::Delete => {}
        }
        match cluster.delete(&oref) {
            Ok(_) => {
                a.ctx.events.emit(Event::Deleted {
                    cluster: cluster_name.clone(),
                    object: oref.to_string(),
                });
                gone.push(r.clone());
            }
            Err(e) => a.ctx.events.emit(Event::Warning(format!(
                "garbage collection: cluster {cluster_name}: cannot delete {oref}: {e}; kept for later"
            ))),
        }
    }
    let home = a.home;
    let key = a.key.clone();
    a.status.applied_resources.retain(|r| !gone.contains(r));
    let applied = a.status.applied_resources.clone();
    let rev = Revision {
        name: p.revision.name.clone(),
        revision: p.revision.number,
        revision_hash: p.revision.hash.clone(),
    };
    home.update_status(&key, |s| {
        if let Some(s) = s {
            s.applied_resources = applied.clone();
            s.last_succeeded_revision = Some(rev.clone());
        }
    })?;
    Ok(())
}
