//! What applying a plan would change on the clusters that are there, without
//! writing anything: every object the plan applies is sent to its cluster as
//! the server-side apply `velac apply` would send (same body, field manager
//! `velac`) with `dryRun=All`, and the server's answer is compared with the
//! live object. The live state is the truth, so server defaults, `status`
//! and fields other managers own are never drift: they are the same on both
//! sides. Inventory entries that garbage collection would delete are
//! removals.
//!
//! Clusters run in parallel; within one, `parallelism` workers take the
//! objects, and the live objects are listed once per kind and namespace.

use super::deploy::{Clusters, applyset_id, outgoing};
use super::gc::{self, Fate};
use crate::cluster::api::{ApiError, ClusterApi, ObjRef, retry};
use crate::plan::read::{ObjectRef, PlanDir, all_steps};
use crate::state::status::AppliedResource;
use serde_json::Value as Json;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// How an object would change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Not on the cluster: apply creates it.
    Added,
    /// On the cluster, and apply changes it.
    Changed,
    /// In the inventory, not in the plan: collection deletes it.
    Removed,
}

/// One object apply would change.
#[derive(Clone, Debug)]
pub struct LiveChange {
    /// Cluster.
    pub cluster: String,
    /// Bundle path (`<cluster>/<namespace>/<kind>.<name>.yaml`).
    pub path: String,
    /// What happens.
    pub kind: Kind,
    /// The live object, normalised (`None` when added).
    pub before: Option<Json>,
    /// The object after apply, normalised (`None` when removed).
    pub after: Option<Json>,
    /// Other field managers owning fields apply would change: plain apply
    /// stops at them, `--force-conflicts` takes them over (what `after`
    /// shows).
    pub conflicts: Vec<String>,
}

/// What a preview found.
#[derive(Debug, Default)]
pub struct Preview {
    /// Changes, by cluster then path.
    pub changes: Vec<LiveChange>,
    /// Objects or clusters that could not be compared (each names its
    /// cluster); any makes the answer incomplete.
    pub errors: Vec<String>,
    /// Things worth saying that do not stop the comparison.
    pub warnings: Vec<String>,
}

/// Metadata the server owns: never drift.
const SERVER_METADATA: [&str; 7] = [
    "managedFields",
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "selfLink",
    "deletionGracePeriodSeconds",
];

/// An object without what the server keeps for itself (`status` and the
/// server's metadata), as it is compared and shown.
pub fn normalise(obj: &Json) -> Json {
    let mut o = obj.clone();
    if let Some(m) = o.as_object_mut() {
        m.remove("status");
        if let Some(meta) = m.get_mut("metadata").and_then(Json::as_object_mut) {
            for k in SERVER_METADATA {
                meta.remove(k);
            }
        }
    }
    o
}

/// Live objects listed ahead, and the (apiVersion, kind, namespace) groups
/// that were listed.
#[derive(Default)]
struct Listed {
    objects: HashMap<ObjRef, Json>,
    groups: HashSet<(String, String, String)>,
}

/// What comparing one object found: a change, nothing, or an error.
type Outcome = Result<Option<LiveChange>, String>;

/// One object of the plan on one cluster.
struct Item<'a> {
    obj: &'a ObjectRef,
    component_type: String,
}

/// What a preview covers.
#[derive(Clone, Debug)]
pub struct Scope {
    /// Objects compared at once per cluster.
    pub parallelism: usize,
    /// Only the objects of these steps (`None`: every step).
    pub steps: Option<HashSet<String>>,
    /// Whether inventory entries the plan dropped are looked at.
    pub removals: bool,
}

impl Default for Scope {
    fn default() -> Scope {
        Scope {
            parallelism: 5,
            steps: None,
            removals: true,
        }
    }
}

/// Compares a plan with the live clusters. `applied` is the application's
/// inventory (from the state; empty when nothing was applied) and
/// `step_applied` what steps' own calls applied in the last run (kept, as
/// collection keeps it). `progress` is told `(done, total)` as objects are
/// compared.
pub fn preview(
    plan: &PlanDir,
    clusters: &Clusters,
    applied: &[AppliedResource],
    step_applied: &[(String, ObjRef)],
    scope: &Scope,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Preview {
    let parallelism = scope.parallelism;
    let p = &plan.plan;
    let mut out = Preview::default();
    if let Some(r) = &p.render_at_apply {
        out.warnings.push(format!(
            "component(s) {} take inputs from steps and are rendered while applying; their objects are compared as planned",
            r.components.join(", ")
        ));
    }
    // The plan's objects per cluster, each once, in plan order.
    let mut per: HashMap<&str, Vec<Item>> = HashMap::new();
    let mut seen: HashSet<(&str, ObjRef)> = HashSet::new();
    for s in all_steps(&p.steps) {
        if scope
            .steps
            .as_ref()
            .is_some_and(|only| !only.contains(&s.name))
        {
            continue;
        }
        for pl in &s.placements {
            for o in &pl.objects {
                let r = ObjRef::from(o);
                if !seen.insert((pl.cluster.as_str(), r)) {
                    continue;
                }
                let component_type = pl
                    .services
                    .iter()
                    .find(|s| s.name == o.component)
                    .map(|s| s.type_.clone())
                    .unwrap_or_default();
                per.entry(pl.cluster.as_str()).or_default().push(Item {
                    obj: o,
                    component_type,
                });
            }
        }
    }
    let stale = if scope.removals {
        gc::stale(p, applied, step_applied)
    } else {
        Vec::new()
    };
    let mut names: Vec<&str> = per.keys().copied().collect();
    names.extend(stale.iter().map(|r| r.cluster.as_str()));
    names.sort_unstable();
    names.dedup();
    let total = per.values().map(Vec::len).sum::<usize>() + stale.len();
    let done = AtomicUsize::new(0);
    let owned: HashSet<(String, ObjRef)> = applied
        .iter()
        .map(|r| (r.cluster.clone(), ObjRef::from(r)))
        .collect();
    let results: Vec<Preview> = std::thread::scope(|sc| {
        let handles: Vec<_> = names
            .iter()
            .map(|name| {
                let items = per.get(name).map(Vec::as_slice).unwrap_or_default();
                let gone: Vec<&AppliedResource> =
                    stale.iter().filter(|r| r.cluster == *name).collect();
                let (done, owned) = (&done, &owned);
                sc.spawn(move || {
                    let Some(cluster) = clusters.get(*name) else {
                        // A cluster only the inventory names (detached since,
                        // or unreachable): collection would keep its entries
                        // for later, so there is nothing to remove there now.
                        return if items.is_empty() {
                            Preview {
                                warnings: vec![format!(
                                    "cluster {name} is not connected: what the application left there is not compared"
                                )],
                                ..Preview::default()
                            }
                        } else {
                            Preview {
                                errors: vec![format!("cluster {name} is not connected")],
                                ..Preview::default()
                            }
                        };
                    };
                    let tick = || progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                    let on = OnCluster {
                        plan,
                        name,
                        cluster,
                        owned,
                        failed: AtomicBool::new(false),
                    };
                    let mut r = on.compare(items, parallelism, &tick);
                    if !on.failed.load(Ordering::Relaxed) {
                        on.removals(&gone, &mut r, &tick);
                    }
                    r
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| Preview {
                    errors: vec!["a comparison thread panicked".into()],
                    ..Preview::default()
                })
            })
            .collect()
    });
    for r in results {
        out.changes.extend(r.changes);
        out.errors.extend(r.errors);
        out.warnings.extend(r.warnings);
    }
    // A cluster's own failure is met by each worker that was busy there.
    let mut seen = HashSet::new();
    out.errors.retain(|e| seen.insert(e.clone()));
    out.changes
        .sort_by(|a, b| (&a.cluster, &a.path).cmp(&(&b.cluster, &b.path)));
    out
}

/// One cluster's share of the work.
struct OnCluster<'a> {
    plan: &'a PlanDir,
    name: &'a str,
    cluster: &'a Arc<dyn ClusterApi>,
    owned: &'a HashSet<(String, ObjRef)>,
    /// Set at the first error that is the cluster's rather than an
    /// object's (unreachable, identity): the remaining objects are skipped.
    failed: AtomicBool,
}

impl OnCluster<'_> {
    fn fatal(e: &ApiError) -> bool {
        matches!(e, ApiError::Unreachable(_) | ApiError::Other(_))
    }

    /// The live objects of the items: one list per kind and namespace that
    /// has several, a read for the others. Objects of a listed group that
    /// the list lacks are not there.
    fn live(&self, items: &[Item]) -> Result<Listed, ApiError> {
        let mut groups: std::collections::BTreeMap<(String, String, String), usize> =
            Default::default();
        for it in items {
            let o = it.obj;
            *groups
                .entry((
                    o.api_version.clone(),
                    o.kind.clone(),
                    ObjRef::new(&o.api_version, &o.kind, &o.namespace, "").namespace,
                ))
                .or_default() += 1;
        }
        let mut out = Listed::default();
        for ((api, kind, ns), n) in &groups {
            if *n < 2 {
                continue;
            }
            match retry(|| self.cluster.list(api, kind, ns, "")) {
                Ok(items) => {
                    for it in items {
                        let r = ObjRef::of(&it);
                        out.objects
                            .insert(ObjRef::new(api, kind, ns.as_str(), r.name), it);
                    }
                    out.groups.insert((api.clone(), kind.clone(), ns.clone()));
                }
                // Not served yet (its CRD is in the plan): nothing live.
                Err(ApiError::UnknownKind { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    fn compare(&self, items: &[Item], parallelism: usize, tick: &(dyn Fn() + Sync)) -> Preview {
        let mut out = Preview::default();
        if items.is_empty() {
            return out;
        }
        let listed = match self.live(items) {
            Ok(l) => l,
            Err(e) => {
                self.failed.store(true, Ordering::Relaxed);
                out.errors.push(format!("cluster {}: {e}", self.name));
                return out;
            }
        };
        let app = &self.plan.plan.application;
        let id = applyset_id(&app.name, &app.namespace);
        let next = AtomicUsize::new(0);
        let found: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::new());
        std::thread::scope(|sc| {
            for _ in 0..parallelism.max(1).min(items.len()) {
                sc.spawn(|| {
                    loop {
                        if self.failed.load(Ordering::Relaxed) {
                            break;
                        }
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(it) = items.get(k) else { break };
                        let res = self
                            .one(it, &listed, &id, items)
                            .map_err(|e| redact(e, self.plan, it.obj));
                        tick();
                        found.lock().expect("results").push((k, res));
                    }
                });
            }
        });
        let mut found = found.into_inner().expect("results");
        found.sort_by_key(|(k, _)| *k);
        for (_, r) in found {
            match r {
                Ok(Some(c)) => out.changes.push(c),
                Ok(None) => {}
                Err(e) => out.errors.push(e),
            }
        }
        out
    }

    /// One object: `None` when apply would leave it as it is.
    fn one(
        &self,
        it: &Item,
        listed: &Listed,
        applyset: &str,
        items: &[Item],
    ) -> Result<Option<LiveChange>, String> {
        let o = it.obj;
        let r = ObjRef::from(o);
        let fail = |e: ApiError| {
            let e = if o.kind == "Secret" { withheld(e) } else { e };
            if Self::fatal(&e) {
                self.failed.store(true, Ordering::Relaxed);
                format!("cluster {}: {e}", self.name)
            } else {
                format!("cluster {}: {r}: {e}", self.name)
            }
        };
        let planned = self.plan.object(o).map_err(|e| e.to_string())?;
        let group = (r.api_version.clone(), r.kind.clone(), r.namespace.clone());
        let live = match listed.objects.get(&r) {
            Some(l) => Some(l.clone()),
            None if listed.groups.contains(&group) => None,
            None => match retry(|| self.cluster.get(&r)) {
                Ok(l) => l,
                Err(ApiError::UnknownKind { .. }) if crd_in(items, self.plan, &r) => None,
                Err(e) => return Err(fail(e)),
            },
        };
        let known = self.owned.contains(&(self.name.to_string(), r.clone()));
        let sent = match outgoing(
            self.plan,
            &it.component_type,
            o,
            &planned,
            applyset,
            known,
            live.as_ref(),
        ) {
            Ok(Some(s)) => s,
            Ok(None) if live.is_none() && is_read_only(self.plan, it) => {
                return Err(format!(
                    "cluster {}: {r} is read-only (policy read-only) and does not exist: apply would fail",
                    self.name
                ));
            }
            Ok(None) => return Ok(None),
            Err(why) => return Err(format!("cluster {}: {why}: apply would fail", self.name)),
        };
        let change = |kind, before: Option<&Json>, after: &Json, conflicts| LiveChange {
            cluster: self.name.to_string(),
            path: o.path.clone(),
            kind,
            before: before.map(normalise),
            after: Some(normalise(after)),
            conflicts,
        };
        let mut conflicts = Vec::new();
        let result = match retry(|| self.cluster.dry_run_apply(&sent, false)) {
            Ok(x) => x,
            Err(ApiError::Conflict { managers, .. }) => {
                conflicts = managers;
                retry(|| self.cluster.dry_run_apply(&sent, true)).map_err(fail)?
            }
            // Apply creates the namespace, or the CRD, first: the object is
            // new, as sent.
            Err(ApiError::Api { code: 404, .. }) if live.is_none() => {
                return Ok(Some(change(Kind::Added, None, &sent, conflicts)));
            }
            Err(ApiError::UnknownKind { .. }) if crd_in(items, self.plan, &r) => {
                return Ok(Some(change(Kind::Added, None, &sent, conflicts)));
            }
            Err(e) => return Err(fail(e)),
        };
        match &live {
            None => Ok(Some(change(Kind::Added, None, &sent, conflicts))),
            Some(l) if normalise(l) == normalise(&result) => Ok(None),
            Some(l) => Ok(Some(change(Kind::Changed, Some(l), &result, conflicts))),
        }
    }

    /// Stale inventory entries collection would delete.
    fn removals(&self, gone: &[&AppliedResource], out: &mut Preview, tick: &dyn Fn()) {
        for r in gone {
            let oref = ObjRef::from(*r);
            let res = retry(|| self.cluster.get(&oref));
            tick();
            let live = match res {
                Ok(Some(l)) => l,
                Ok(None) | Err(ApiError::UnknownKind { .. }) => continue,
                Err(e) => {
                    out.errors
                        .push(format!("cluster {}: {oref}: {e}", self.name));
                    continue;
                }
            };
            if gc::fate(&self.plan.plan, r, &live) != Fate::Delete {
                continue;
            }
            out.changes.push(LiveChange {
                cluster: self.name.to_string(),
                path: crate::render::bundle::path_for(
                    self.name,
                    &oref.kind,
                    &oref.namespace,
                    &oref.name,
                ),
                kind: Kind::Removed,
                before: Some(normalise(&live)),
                after: None,
                conflicts: Vec::new(),
            });
        }
    }
}

/// A server's answer about a Secret without its message: a refusal may
/// quote the values (escaped, folded, in part), so only its code, reason and
/// the competing managers are kept.
fn withheld(e: ApiError) -> ApiError {
    const WHY: &str = "the server's message is withheld: it may quote the Secret's values";
    match e {
        ApiError::Api { code, reason, .. } => ApiError::Api {
            code,
            reason,
            message: WHY.into(),
        },
        ApiError::Conflict { managers, .. } => ApiError::Conflict {
            message: WHY.into(),
            managers,
        },
        other => other,
    }
}

/// An error about a Secret without its values, plain or base64 (a second
/// line of defence, for messages of our own that name the object).
fn redact(msg: String, plan: &PlanDir, o: &ObjectRef) -> String {
    use base64::Engine;
    if o.kind != "Secret" {
        return msg;
    }
    let Ok(obj) = plan.object(o) else { return msg };
    let mut values: Vec<String> = Vec::new();
    for field in ["data", "stringData"] {
        for v in obj[field].as_object().into_iter().flat_map(|m| m.values()) {
            let Some(s) = v.as_str() else { continue };
            values.push(s.to_string());
            let b64 = base64::engine::general_purpose::STANDARD;
            if field == "data" {
                if let Ok(plain) = b64.decode(s) {
                    values.push(String::from_utf8_lossy(&plain).into_owned());
                }
            } else {
                values.push(b64.encode(s));
            }
        }
    }
    // Longest first, so a value inside another is not left half-masked.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    let mut out = msg;
    for v in values.iter().filter(|v| v.len() >= 3) {
        out = out.replace(v.as_str(), "***");
    }
    out
}

fn is_read_only(plan: &PlanDir, it: &Item) -> bool {
    super::policies::read_only(
        &plan.plan.policies,
        &super::policies::Subject {
            obj: it.obj,
            component_type: &it.component_type,
        },
    )
}

/// Whether the cluster's objects include the CRD that serves `r`'s kind.
fn crd_in(items: &[Item], plan: &PlanDir, r: &ObjRef) -> bool {
    items
        .iter()
        .filter(|i| i.obj.kind == "CustomResourceDefinition")
        .filter_map(|i| plan.object(i.obj).ok())
        .any(|crd| {
            crd.pointer("/spec/group").and_then(Json::as_str) == Some(r.group())
                && crd.pointer("/spec/names/kind").and_then(Json::as_str) == Some(r.kind.as_str())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_metadata_and_status_are_not_compared() {
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "uid": "u", "resourceVersion": "7", "generation": 2,
                "creationTimestamp": "t", "managedFields": [{"manager": "x"}], "labels": {"k": "v"}},
            "data": {"x": "1"}, "status": {"y": 1}});
        assert_eq!(
            normalise(&live),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "labels": {"k": "v"}}, "data": {"x": "1"}})
        );
        use crate::render::bundle::path_for;
        let r = ObjRef::new("v1", "Namespace", "x", "n");
        assert_eq!(
            path_for("prod", &r.kind, &r.namespace, &r.name),
            "prod/_cluster/namespace.n.yaml"
        );
        let r = ObjRef::new("apps/v1", "Deployment", "ns", "web");
        assert_eq!(
            path_for("prod", &r.kind, &r.namespace, &r.name),
            "prod/ns/deployment.web.yaml"
        );
    }
}
