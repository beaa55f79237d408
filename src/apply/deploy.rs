//! Executing deploy-like steps on clusters: namespaces first, CRDs next
//! (waited for until Established, then rediscovered), then every other
//! object in kind order, `parallelism` at a time per cluster and clusters in
//! parallel; then the step waits until its services are healthy.

use super::health::{LiveObject, ServiceInput, Snippets, service_status};
use super::policies::{self, Subject};
use super::{Event, Events, Options, order};
use crate::cluster::api::{ApiError, ClusterApi, ObjRef};
use crate::plan::read::{ObjectRef, Placement, PlanDir, StepRef};
use crate::state::status::{AppliedResource, ServiceStatus};
use serde_json::{Value as Json, json};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Clusters by name.
pub type Clusters = HashMap<String, Arc<dyn ClusterApi>>;

/// Label naming the application an object belongs to (set by rendering).
pub const APP_LABEL: &str = "app.oam.dev/name";
/// ApplySet membership label.
pub const PART_OF: &str = "applyset.kubernetes.io/part-of";

/// Live objects by `(apiVersion, namespace)`, then by name.
type Listed = HashMap<(String, String), HashMap<String, Json>>;

/// What one deploy of one placement did.
#[derive(Default)]
pub struct Placed {
    /// Objects written (or found, for read-only ones).
    pub applied: Vec<AppliedResource>,
}

/// The ApplySet id of an application's parent Secret (KEP-3659:
/// `applyset-<base64url(sha256(name.namespace.kind.group))>-v1`).
pub fn applyset_id(app: &str, namespace: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let name = parent_name(app);
    let h = sha2::Sha256::digest(format!("{name}.{namespace}.Secret.").as_bytes());
    format!(
        "applyset-{}-v1",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h)
    )
}

fn parent_name(app: &str) -> String {
    format!("velac-applyset-{app}")
}

/// Everything a deploy needs, shared by the placement threads.
pub struct Ctx<'a> {
    /// The plan.
    pub plan: &'a PlanDir,
    /// Connected clusters.
    pub clusters: &'a Clusters,
    /// Options.
    pub opts: &'a Options,
    /// Event sink.
    pub events: &'a dyn Events,
    /// Objects the application already owns (no ownership check needed).
    pub owned: &'a HashSet<(String, ObjRef)>,
}

/// The object apply sends for a planned one, or `None` when it sends
/// nothing (a read-only object, or one applied once and already there).
/// `live` is the object on the cluster when it was read (it must be when
/// the object is not `known` to be the application's, or applied once).
/// `Err` is apply's refusal to adopt an object another owner manages.
pub fn outgoing(
    plan: &PlanDir,
    component_type: &str,
    o: &ObjectRef,
    planned: &Json,
    applyset: &str,
    known: bool,
    live: Option<&Json>,
) -> Result<Option<Json>, String> {
    let r = ObjRef::of(planned);
    let app = plan.plan.application.name.as_str();
    let subj = Subject {
        obj: o,
        component_type,
    };
    let pols = &plan.plan.policies;
    if policies::read_only(pols, &subj) {
        return Ok(None);
    }
    let once = policies::apply_once_paths(pols, &subj);
    let mut obj = planned.clone();
    if let Some(live) = live {
        let owner = live
            .pointer(&format!(
                "/metadata/labels/{}",
                APP_LABEL.replace('/', "~1")
            ))
            .and_then(Json::as_str);
        if !known
            && owner != Some(app)
            && !policies::take_over(pols, &subj)
            && !policies::shared(pols, &subj)
        {
            return Err(format!(
                "{r} already exists and is {}; add a take-over (or shared-resource) policy to adopt it",
                owner.map_or("not managed by any application".into(), |a| format!(
                    "managed by application {a}"
                ))
            ));
        }
        if let Some(paths) = &once {
            if paths.iter().any(|x| x == "*") {
                return Ok(None);
            }
            policies::keep_live_paths(&mut obj, live, paths);
        }
    }
    if let Some(m) = obj.pointer_mut("/metadata").and_then(Json::as_object_mut) {
        let labels = m.entry("labels").or_insert_with(|| json!({}));
        if let Some(l) = labels.as_object_mut() {
            l.insert(PART_OF.into(), json!(applyset));
        }
    }
    Ok(Some(obj))
}

impl Ctx<'_> {
    fn app(&self) -> &str {
        &self.plan.plan.application.name
    }

    fn component_type(&self, p: &Placement, component: &str) -> String {
        p.services
            .iter()
            .find(|s| s.name == component)
            .map(|s| s.type_.clone())
            .unwrap_or_default()
    }

    /// Retries transient failures (network, overload) a few times.
    fn retry<T>(&self, f: impl FnMut() -> Result<T, ApiError>) -> Result<T, ApiError> {
        crate::cluster::api::retry(f)
    }

    /// Applies one placement's objects. Errors name the cluster and object.
    pub fn place(&self, step: &StepRef, p: &Placement) -> Result<Placed, String> {
        self.place_with(step, p, None)
    }

    /// [`Ctx::place`], with the objects given by path instead of read from
    /// the plan (a component rendered while applying, with its inputs).
    pub fn place_with(
        &self,
        step: &StepRef,
        p: &Placement,
        given: Option<&HashMap<String, Json>>,
    ) -> Result<Placed, String> {
        let cluster = self
            .clusters
            .get(&p.cluster)
            .ok_or_else(|| format!("cluster {} is not connected", p.cluster))?;
        let mut objs: Vec<(&ObjectRef, Json)> = Vec::new();
        for o in &p.objects {
            let obj = match given.and_then(|g| g.get(&o.path)) {
                Some(x) => x.clone(),
                None => self.plan.object(o).map_err(|e| e.to_string())?,
            };
            objs.push((o, obj));
        }
        let at = |e: ApiError, what: &str| format!("cluster {}: {what}: {e}", p.cluster);
        // Namespaces the objects live in (and the ApplySet parent's).
        let app_ns = &self.plan.plan.application.namespace;
        let mut namespaces: Vec<String> = objs
            .iter()
            .map(|(o, _)| o.namespace.clone())
            .filter(|n| !n.is_empty())
            .collect();
        namespaces.push(app_ns.clone());
        namespaces.sort();
        namespaces.dedup();
        for ns in &namespaces {
            let r = ObjRef::new("v1", "Namespace", "", ns.as_str());
            if self
                .retry(|| cluster.get(&r))
                .map_err(|e| at(e, &r.to_string()))?
                .is_none()
            {
                let obj =
                    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
                self.retry(|| cluster.apply(&obj, false))
                    .map_err(|e| at(e, &r.to_string()))?;
                self.events.emit(Event::Applied {
                    step: step.name.clone(),
                    cluster: p.cluster.clone(),
                    object: r.to_string(),
                });
            }
        }
        self.parent(cluster.as_ref(), &objs, &namespaces)
            .map_err(|e| at(e, "ApplySet parent"))?;
        let id = applyset_id(self.app(), app_ns);
        let refs: Vec<&Json> = objs.iter().map(|(_, o)| o).collect();
        let order = order::apply_order(&refs);
        let mut out = Placed::default();
        // First stage one by one, waiting for CRDs.
        let (first, rest): (Vec<usize>, Vec<usize>) = order
            .into_iter()
            .partition(|&i| order::is_first_stage(&objs[i].0.kind));
        let mut crds = false;
        for i in first {
            let (o, obj) = &objs[i];
            out.applied
                .push(self.apply_one(step, p, cluster.as_ref(), o, obj, &id, None)?);
            if o.kind == "CustomResourceDefinition" {
                self.wait_established(cluster.as_ref(), o)
                    .map_err(|e| format!("cluster {}: {e}", p.cluster))?;
                crds = true;
            }
        }
        if crds {
            cluster.rediscover();
        }
        // Then each kind's objects, `parallelism` at a time (upstream's
        // default is 5).
        let parallelism = step
            .properties
            .get("parallelism")
            .and_then(Json::as_u64)
            .unwrap_or(5)
            .max(1) as usize;
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for i in rest {
            match groups.last_mut() {
                Some(g) if objs[g[0]].0.kind == objs[i].0.kind => g.push(i),
                _ => groups.push(vec![i]),
            }
        }
        for g in groups {
            let listed = self.list_existing(cluster.as_ref(), p, &objs, &g)?;
            // `parallelism` workers take the kind's objects in plan order.
            let next = AtomicUsize::new(0);
            let done: Mutex<Vec<(usize, Result<AppliedResource, String>)>> = Mutex::new(Vec::new());
            std::thread::scope(|sc| {
                for _ in 0..parallelism.min(g.len()) {
                    sc.spawn(|| {
                        loop {
                            let k = next.fetch_add(1, Ordering::Relaxed);
                            let Some(&i) = g.get(k) else { break };
                            let (o, obj) = &objs[i];
                            let r = ObjRef::of(obj);
                            let l = listed.get(&(r.api_version, r.namespace));
                            let res = self.apply_one(step, p, cluster.as_ref(), o, obj, &id, l);
                            done.lock().expect("results").push((k, res));
                        }
                    });
                }
            });
            let mut done = done.into_inner().expect("results");
            done.sort_by_key(|(k, _)| *k);
            for (_, r) in done {
                out.applied.push(r?);
            }
        }
        Ok(out)
    }

    /// The live objects of a kind in each namespace the group writes to, by
    /// name: one list instead of a read per object, for the objects whose
    /// ownership must be checked. A kind the cluster does not serve yet has
    /// none.
    fn list_existing(
        &self,
        cluster: &dyn ClusterApi,
        p: &Placement,
        objs: &[(&ObjectRef, Json)],
        group: &[usize],
    ) -> Result<Listed, String> {
        let mut out = Listed::new();
        for &i in group {
            let r = ObjRef::of(&objs[i].1);
            let key = (r.api_version.clone(), r.namespace.clone());
            if out.contains_key(&key) || self.owned.contains(&(p.cluster.clone(), r.clone())) {
                continue;
            }
            let items = match self.retry(|| cluster.list(&r.api_version, &r.kind, &r.namespace, ""))
            {
                Ok(items) => items,
                Err(ApiError::UnknownKind { .. }) => Vec::new(),
                Err(e) => {
                    return Err(format!(
                        "cluster {}: listing {} in {:?}: {e}",
                        p.cluster, r.kind, r.namespace
                    ));
                }
            };
            let by_name = items
                .into_iter()
                .filter_map(|o| Some((o.pointer("/metadata/name")?.as_str()?.to_string(), o)))
                .collect();
            out.insert(key, by_name);
        }
        Ok(out)
    }

    /// The ApplySet parent: a Secret in the application's namespace naming
    /// the group-kinds and namespaces its members use, written before them.
    fn parent(
        &self,
        cluster: &dyn ClusterApi,
        objs: &[(&ObjectRef, Json)],
        namespaces: &[String],
    ) -> Result<(), ApiError> {
        let app_ns = &self.plan.plan.application.namespace;
        let name = parent_name(self.app());
        let r = ObjRef::new("v1", "Secret", app_ns.as_str(), name.as_str());
        let live = self.retry(|| cluster.get(&r))?;
        let ann = |k: &str| -> Vec<String> {
            live.as_ref()
                .and_then(|l| l.pointer(&format!("/metadata/annotations/{}", k.replace('/', "~1"))))
                .and_then(Json::as_str)
                .map(|s| {
                    s.split(',')
                        .filter(|x| !x.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        // A superset of old and new, so members of the last revision stay
        // findable until garbage collection.
        let mut gks = ann("applyset.kubernetes.io/contains-group-kinds");
        for (o, _) in objs {
            let g = ObjRef::of(&json!({"apiVersion": o.api_version}))
                .group()
                .to_string();
            gks.push(if g.is_empty() {
                o.kind.clone()
            } else {
                format!("{}.{g}", o.kind)
            });
        }
        gks.sort();
        gks.dedup();
        let mut extra = ann("applyset.kubernetes.io/additional-namespaces");
        extra.extend(namespaces.iter().filter(|n| *n != app_ns).cloned());
        extra.sort();
        extra.dedup();
        let obj = json!({
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {
                "name": name, "namespace": app_ns,
                "labels": {"applyset.kubernetes.io/id": applyset_id(self.app(), app_ns), APP_LABEL: self.app()},
                "annotations": {
                    "applyset.kubernetes.io/tooling": format!("velac/v{}", env!("CARGO_PKG_VERSION")),
                    "applyset.kubernetes.io/contains-group-kinds": gks.join(","),
                    "applyset.kubernetes.io/additional-namespaces": extra.join(","),
                },
            },
        });
        self.retry(|| cluster.apply(&obj, true)).map(|_| ())
    }

    fn apply_one(
        &self,
        step: &StepRef,
        p: &Placement,
        cluster: &dyn ClusterApi,
        o: &ObjectRef,
        planned: &Json,
        applyset: &str,
        listed: Option<&HashMap<String, Json>>,
    ) -> Result<AppliedResource, String> {
        let r = ObjRef::of(planned);
        let ctype = self.component_type(p, &o.component);
        let subj = Subject {
            obj: o,
            component_type: &ctype,
        };
        let pols = &self.plan.plan.policies;
        let err = |e: ApiError| format!("cluster {}: {r}: {e}", p.cluster);
        let record = |live: &Json| AppliedResource {
            cluster: p.cluster.clone(),
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
        if policies::read_only(pols, &subj) {
            let live = self
                .retry(|| cluster.get(&r))
                .map_err(err)?
                .ok_or_else(|| {
                    format!(
                        "cluster {}: {r} is read-only (policy read-only) and does not exist",
                        p.cluster
                    )
                })?;
            return Ok(record(&live));
        }
        let known = self.owned.contains(&(p.cluster.clone(), r.clone()));
        let once = policies::apply_once_paths(pols, &subj);
        let live = if !known || once.is_some() {
            match listed {
                Some(m) => m.get(&r.name).cloned(),
                None => self.retry(|| cluster.get(&r)).map_err(err)?,
            }
        } else {
            None
        };
        let obj = match outgoing(
            self.plan,
            &ctype,
            o,
            planned,
            applyset,
            known,
            live.as_ref(),
        ) {
            Ok(Some(obj)) => obj,
            Ok(None) => return Ok(record(live.as_ref().unwrap_or(planned))),
            Err(why) => return Err(format!("cluster {}: {why}", p.cluster)),
        };
        let live = self
            .retry(|| cluster.apply(&obj, self.opts.force_conflicts))
            .map_err(err)?;
        self.events.emit(Event::Applied {
            step: step.name.clone(),
            cluster: p.cluster.clone(),
            object: r.to_string(),
        });
        Ok(record(&live))
    }

    fn wait_established(&self, cluster: &dyn ClusterApi, o: &ObjectRef) -> Result<(), String> {
        let r = ObjRef::new(
            o.api_version.clone(),
            o.kind.clone(),
            String::new(),
            o.name.clone(),
        );
        let until = std::time::Instant::now() + self.opts.crd_timeout;
        loop {
            let live = self
                .retry(|| cluster.get(&r))
                .map_err(|e| format!("{r}: {e}"))?;
            if let Some(l) = &live {
                let k = super::kstatus::compute(l);
                match k.status {
                    super::kstatus::Status::Current => return Ok(()),
                    super::kstatus::Status::Failed => return Err(format!("{r}: {}", k.message)),
                    _ => {}
                }
            }
            if std::time::Instant::now() >= until {
                return Err(format!(
                    "{r}: not Established within {:?}",
                    self.opts.crd_timeout
                ));
            }
            std::thread::sleep(self.opts.poll.unwrap_or(Duration::from_millis(500)));
        }
    }

    /// Health of every service of a step's placements, from the live objects.
    pub fn health(&self, step: &StepRef) -> Vec<ServiceStatus> {
        self.health_of(&step.placements)
    }

    /// Health of every service of some placements, from the live objects.
    pub fn health_of(&self, placements: &[Placement]) -> Vec<ServiceStatus> {
        let snippets = |type_: &str, is_trait: bool| -> Snippets {
            let kind = if is_trait { "trait" } else { "component" };
            self.plan
                .plan
                .definitions
                .iter()
                .find(|d| d.name == type_ && d.type_ == kind)
                .map(|d| Snippets {
                    health_policy: d.health_policy.clone(),
                    custom_status: d.custom_status.clone(),
                })
                .unwrap_or_default()
        };
        // Placements (clusters) are judged in parallel.
        let per: Vec<Vec<ServiceStatus>> = std::thread::scope(|sc| {
            let hs: Vec<_> = placements
                .iter()
                .map(|p| sc.spawn(|| self.placement_health(p, &snippets)))
                .collect();
            hs.into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        per.into_iter().flatten().collect()
    }

    /// The live objects of a placement: one labelled list per kind and
    /// namespace, a read for any object the lists miss.
    pub fn live_objects(&self, p: &Placement) -> HashMap<String, Json> {
        let mut out = HashMap::new();
        let Some(cluster) = self.clusters.get(&p.cluster) else {
            return out;
        };
        let selector = format!("{APP_LABEL}={}", self.app());
        let mut listed: HashSet<(String, String, String)> = HashSet::new();
        let mut by_ref: HashMap<ObjRef, Json> = HashMap::new();
        for o in &p.objects {
            let r = ObjRef::new(&o.api_version, &o.kind, &o.namespace, &o.name);
            let key = (r.api_version.clone(), r.kind.clone(), r.namespace.clone());
            if listed.insert(key) {
                let items = self
                    .retry(|| cluster.list(&r.api_version, &r.kind, &r.namespace, &selector))
                    .unwrap_or_default();
                for it in items {
                    let name = it
                        .pointer("/metadata/name")
                        .and_then(Json::as_str)
                        .unwrap_or_default();
                    by_ref.insert(ObjRef::new(&r.api_version, &r.kind, &r.namespace, name), it);
                }
            }
            let live = match by_ref.get(&r) {
                Some(l) => Some(l.clone()),
                None => self.retry(|| cluster.get(&r)).ok().flatten(),
            };
            if let Some(l) = live {
                out.insert(o.path.clone(), l);
            }
        }
        out
    }

    fn placement_health(
        &self,
        p: &Placement,
        snippets: &(dyn Fn(&str, bool) -> Snippets + Sync),
    ) -> Vec<ServiceStatus> {
        let lives = self.live_objects(p);
        let mut out = Vec::new();
        for s in &p.services {
            let objs: Vec<&ObjectRef> =
                p.objects.iter().filter(|o| o.component == s.name).collect();
            let live: Vec<LiveObject> = objs
                .iter()
                .map(|o| LiveObject {
                    trait_type: o.trait_type.as_deref(),
                    output_name: o.output_name.as_deref(),
                    live: lives.get(&o.path),
                })
                .collect();
            let namespace = objs
                .iter()
                .find(|o| o.output_name.is_none())
                .map(|o| o.namespace.clone())
                .unwrap_or_else(|| {
                    if p.namespace.is_empty() {
                        self.plan.plan.application.namespace.clone()
                    } else {
                        p.namespace.clone()
                    }
                });
            let input = ServiceInput {
                name: &s.name,
                type_: &s.type_,
                env: p.env.as_deref(),
                cluster: &p.cluster,
                namespace: &namespace,
                properties: &s.properties,
                traits: s
                    .traits
                    .iter()
                    .map(|t| (t.type_.as_str(), &t.properties))
                    .collect(),
                app: self.app(),
            };
            out.push(service_status(&input, &live, snippets));
        }
        out
    }
}
