//! The plan: what the applier will do, step by step, written as
//! `plan.json` next to the bundle tree. Pure: it is built from the
//! application, the placements' rendered objects, the definitions used and
//! the cluster list, and the same inputs give the same bytes.
//!
//! Digests are SHA-256 over canonical JSON (keys sorted, compact), so a plan
//! names exactly the objects a reviewer saw; `inputsDigest` lets the applier
//! refuse a plan whose inputs changed since it was made.

pub mod graph;
pub mod read;
pub mod sensitive;

use crate::definition::Definition;
use crate::model::{AppFile, Mode, Step};
use crate::policy::{ClusterSet, Deployment};
use crate::render::{RenderedObject, Target, bundle};
use serde_json::{Map, Value as Json, json};
use sha2::{Digest, Sha256};
use std::rc::Rc;

/// Version of the `plan.json` layout.
pub const FORMAT_VERSION: u32 = 1;

/// Canonical JSON: keys sorted at every level, no spaces.
pub fn canonical(v: &Json) -> String {
    let mut out = Vec::new();
    write_canonical(v, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("JSON text is UTF-8")
}

/// Writes the canonical JSON of `v` without building a sorted copy: keys
/// are sorted as they are written (digests of thousands of objects are a
/// large part of planning).
fn write_canonical(v: &Json, w: &mut impl std::io::Write) -> std::io::Result<()> {
    match v {
        Json::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_unstable();
            w.write_all(b"{")?;
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    w.write_all(b",")?;
                }
                serde_json::to_writer(&mut *w, k)?;
                w.write_all(b":")?;
                write_canonical(&m[k], w)?;
            }
            w.write_all(b"}")
        }
        Json::Array(a) => write_canonical_list(a, w),
        scalar => serde_json::to_writer(&mut *w, scalar).map_err(std::io::Error::other),
    }
}

/// A hasher as a writer, so canonical JSON goes straight into the digest.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(&mut self.0, buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// [`write_canonical`] of a list given as a slice.
fn write_canonical_list(a: &[Json], w: &mut impl std::io::Write) -> std::io::Result<()> {
    w.write_all(b"[")?;
    for (i, x) in a.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        write_canonical(x, w)?;
    }
    w.write_all(b"]")
}

/// `sha256:<hex>` of a value's canonical JSON.
pub fn digest(v: &Json) -> String {
    // Buffered: the hasher is fed in blocks rather than token by token.
    let mut w = std::io::BufWriter::with_capacity(8192, HashWriter(Sha256::new()));
    write_canonical(v, &mut w).expect("hashing cannot fail");
    let h = w.into_inner().map_err(|_| ()).expect("hashing cannot fail");
    format!("sha256:{}", hex(&h.0.finalize()))
}

/// Everything a plan is made from.
pub struct PlanInputs<'a> {
    /// The application file as read.
    pub file: &'a AppFile,
    /// The application file's text (for the inputs digest).
    pub app_text: &'a str,
    /// The workflow's top-level steps (explicit or generated).
    pub steps: &'a [Step],
    /// Rendered objects with their placements.
    pub objects: &'a [(RenderedObject, Target)],
    /// The objects' [`digest`]s, in the same order, when the caller has
    /// them already (and may have dropped the objects' bodies since).
    pub digests: Option<&'a [String]>,
    /// The placements, with their components as patched for each.
    pub deployments: &'a [Deployment],
    /// Definitions the run used.
    pub definitions: &'a [Rc<Definition>],
    /// The cluster list placement chose from.
    pub clusters: &'a ClusterSet,
    /// Revision number (`<app>-v<N>`).
    pub revision: u32,
    /// Kubernetes version for clusters whose version is not known.
    pub kube_version: &'a str,
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::StepByStep => "StepByStep",
        Mode::Dag => "DAG",
    }
}

/// A stable 10-character step id (upstream draws random ones; a plan must
/// not change between two runs).
fn step_id(app: &str, path: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    Sha256::digest(format!("{app}\u{0}{path}").as_bytes())
        .iter()
        .take(10)
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

fn clusters_json(c: &ClusterSet) -> Json {
    Json::Array(
        c.clusters
            .iter()
            .map(|c| {
                json!({
                    "name": c.name,
                    "labels": c.labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<Map<_, _>>(),
                    "endpoint": c.endpoint,
                    "kubeVersion": c.kube_version,
                })
            })
            .collect(),
    )
}

/// The components of a placement as the applier needs them to judge health:
/// type and properties (the status snippets' `parameter`), traits too.
fn service_json(c: &crate::model::Component) -> Json {
    let props = |p: &Option<crate::yaml::Node>| p.as_ref().map_or(json!({}), |n| n.to_json());
    json!({
        "name": c.name,
        "type": c.type_,
        "properties": props(&c.properties),
        "traits": c.traits.iter().map(|t| json!({"type": t.type_, "properties": props(&t.properties)})).collect::<Vec<_>>(),
    })
}

/// The placements (cluster, namespace, env) of one step, with their services
/// and objects.
fn placements(step: &str, inp: &PlanInputs) -> Json {
    let (deployments, objects) = (inp.deployments, inp.objects);
    type Place = (String, String, Option<String>, Vec<Json>, Vec<Json>);
    let mut out: Vec<Place> = Vec::new();
    let mut seen: std::collections::HashMap<usize, std::collections::HashSet<String>> =
        Default::default();
    let mut index: std::collections::HashMap<(String, String, Option<String>), usize> =
        Default::default();
    let mut slot = |out: &mut Vec<Place>, cluster: &str, ns: &str, env: &Option<String>| -> usize {
        *index
            .entry((cluster.to_string(), ns.to_string(), env.clone()))
            .or_insert_with(|| {
                out.push((
                    cluster.to_string(),
                    ns.to_string(),
                    env.clone(),
                    Vec::new(),
                    Vec::new(),
                ));
                out.len() - 1
            })
    };
    for d in deployments.iter().filter(|d| d.step == step) {
        let cluster = if d.named_cluster {
            d.cluster.as_str()
        } else {
            "local"
        };
        let i = slot(&mut out, cluster, &d.namespace, &d.env);
        for (c, _) in &d.components {
            let svc = service_json(c);
            // Seen by content, in linear time (a fleet places thousands).
            if seen.entry(i).or_default().insert(canonical(&svc)) {
                out[i].3.push(svc);
            }
        }
    }
    for (i, (o, t)) in objects
        .iter()
        .enumerate()
        .filter(|(_, (_, t))| t.step.as_deref() == Some(step))
    {
        let (api, kind, ns, name) = o.id();
        let path = bundle::path(o, t);
        let entry = json!({
            "apiVersion": api,
            "kind": kind,
            "namespace": ns,
            "name": name,
            "component": o.component,
            "trait": o.trait_type(),
            "outputName": o.output_name(),
            "digest": inp.digests.map_or_else(|| digest(&o.object), |d| d[i].clone()),
            "path": path,
        });
        let place_ns = t.namespace.clone().unwrap_or_default();
        let i = slot(&mut out, t.cluster_name(), &place_ns, &t.env);
        out[i].4.push(entry);
    }
    Json::Array(
        out.into_iter()
            .map(|(cluster, namespace, env, services, objects)| {
                // Moved in, not serialised through `json!` (a deep copy).
                let mut m = Map::new();
                m.insert("cluster".into(), Json::String(cluster));
                m.insert("namespace".into(), Json::String(namespace));
                m.insert("env".into(), env.map_or(Json::Null, Json::String));
                m.insert("services".into(), Json::Array(services));
                m.insert("objects".into(), Json::Array(objects));
                Json::Object(m)
            })
            .collect(),
    )
}

fn step_json(app: &str, s: &Step, parent: &str, inp: &PlanInputs) -> Json {
    let path = if parent.is_empty() {
        s.name.clone()
    } else {
        format!("{parent}/{}", s.name)
    };
    let mut m = Map::new();
    m.insert("id".into(), json!(step_id(app, &path)));
    m.insert("name".into(), json!(s.name));
    m.insert("type".into(), json!(s.type_));
    if let Some(a) = &s.alias {
        m.insert("alias".into(), json!(a));
    }
    m.insert(
        "properties".into(),
        s.properties.as_ref().map_or(json!({}), |p| p.to_json()),
    );
    m.insert("dependsOn".into(), json!(s.depends_on));
    m.insert("if".into(), json!(s.if_));
    m.insert("timeout".into(), json!(s.timeout));
    m.insert(
        "inputs".into(),
        Json::Array(
            s.inputs
                .iter()
                .map(|i| json!({"from": i.from, "parameterKey": i.parameter_key}))
                .collect(),
        ),
    );
    m.insert(
        "outputs".into(),
        Json::Array(
            s.outputs
                .iter()
                .map(|o| json!({"name": o.name, "valueFrom": o.value_from}))
                .collect(),
        ),
    );
    if !s.sub_steps.is_empty() || s.type_ == "step-group" {
        m.insert("mode".into(), json!(s.mode.map(mode_name)));
        m.insert(
            "subSteps".into(),
            Json::Array(
                s.sub_steps
                    .iter()
                    .map(|x| step_json(app, x, &path, inp))
                    .collect(),
            ),
        );
    }
    let places = placements(&s.name, inp);
    if places.as_array().is_some_and(|a| !a.is_empty()) {
        m.insert("placements".into(), places);
    }
    Json::Object(m)
}

fn props(p: &Option<crate::yaml::Node>) -> Json {
    p.as_ref().map_or(json!({}), |n| n.to_json())
}

fn io_json(s: &[crate::model::Input], o: &[crate::model::Output]) -> (Json, Json) {
    (
        Json::Array(
            s.iter()
                .map(|i| json!({"from": i.from, "parameterKey": i.parameter_key}))
                .collect(),
        ),
        Json::Array(
            o.iter()
                .map(|o| json!({"name": o.name, "valueFrom": o.value_from}))
                .collect(),
        ),
    )
}

fn source_step(s: &Step) -> Json {
    let mut m = Map::new();
    m.insert("name".into(), json!(s.name));
    m.insert("type".into(), json!(s.type_));
    if let Some(p) = &s.properties {
        m.insert("properties".into(), p.to_json());
    }
    if !s.depends_on.is_empty() {
        m.insert("dependsOn".into(), json!(s.depends_on));
    }
    if let Some(x) = &s.if_ {
        m.insert("if".into(), json!(x));
    }
    if let Some(t) = &s.timeout {
        m.insert("timeout".into(), json!(t));
    }
    let (inputs, outputs) = io_json(&s.inputs, &s.outputs);
    if !s.inputs.is_empty() {
        m.insert("inputs".into(), inputs);
    }
    if !s.outputs.is_empty() {
        m.insert("outputs".into(), outputs);
    }
    if let Some(mode) = s.mode {
        m.insert("mode".into(), json!(mode_name(mode)));
    }
    if !s.sub_steps.is_empty() {
        m.insert(
            "subSteps".into(),
            Json::Array(s.sub_steps.iter().map(source_step).collect()),
        );
    }
    Json::Object(m)
}

/// The Application as the plan holds it (what steps that read the
/// Application, such as `webhook` without `data`, see).
fn application_object(file: &AppFile) -> Json {
    let app = &file.app;
    let map = |kv: &[(String, String)]| -> Json {
        Json::Object(kv.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
    };
    let components: Vec<Json> = app
        .components
        .iter()
        .map(|c| {
            let mut m = Map::new();
            m.insert("name".into(), json!(c.name));
            m.insert("type".into(), json!(c.type_));
            m.insert("properties".into(), props(&c.properties));
            if !c.traits.is_empty() {
                m.insert(
                    "traits".into(),
                    Json::Array(
                        c.traits
                            .iter()
                            .map(|t| json!({"type": t.type_, "properties": props(&t.properties)}))
                            .collect(),
                    ),
                );
            }
            if !c.depends_on.is_empty() {
                m.insert("dependsOn".into(), json!(c.depends_on));
            }
            let (inputs, outputs) = io_json(&c.inputs, &c.outputs);
            if !c.inputs.is_empty() {
                m.insert("inputs".into(), inputs);
            }
            if !c.outputs.is_empty() {
                m.insert("outputs".into(), outputs);
            }
            if let Some(r) = &c.external_revision {
                m.insert("externalRevision".into(), json!(r));
            }
            Json::Object(m)
        })
        .collect();
    let mut spec = Map::new();
    spec.insert("components".into(), Json::Array(components));
    if !app.policies.is_empty() {
        spec.insert(
            "policies".into(),
            Json::Array(
                app.policies
                    .iter()
                    .map(|p| json!({"name": p.name, "type": p.type_, "properties": props(&p.properties)}))
                    .collect(),
            ),
        );
    }
    if let Some(w) = &app.workflow {
        let mut wm = Map::new();
        if let Some(r) = &w.ref_ {
            wm.insert("ref".into(), json!(r));
        }
        if w.mode_steps.is_some() || w.mode_sub_steps.is_some() {
            wm.insert(
                "mode".into(),
                json!({"steps": w.mode_steps.map(mode_name), "subSteps": w.mode_sub_steps.map(mode_name)}),
            );
        }
        if !w.steps.is_empty() {
            wm.insert(
                "steps".into(),
                Json::Array(w.steps.iter().map(source_step).collect()),
            );
        }
        spec.insert("workflow".into(), Json::Object(wm));
    }
    json!({
        "apiVersion": "core.oam.dev/v1beta1",
        "kind": "Application",
        "metadata": {
            "name": app.name,
            "namespace": app.namespace,
            "labels": map(&app.labels),
            "annotations": map(&app.annotations),
        },
        "spec": spec,
    })
}

/// Builds `plan.json`.
pub fn build(inp: &PlanInputs) -> Json {
    let app = &inp.file.app;
    let given = app.workflow.is_some();
    let wf = app.workflow.as_ref();
    // Upstream's defaults: a given workflow runs step by step, a generated one as a DAG.
    let steps_mode =
        wf.and_then(|w| w.mode_steps)
            .unwrap_or(if given { Mode::StepByStep } else { Mode::Dag });
    let sub_mode = wf.and_then(|w| w.mode_sub_steps).unwrap_or(Mode::Dag);
    let steps: Vec<Json> = inp
        .steps
        .iter()
        .map(|s| step_json(&app.name, s, "", inp))
        .collect();
    let defs: Vec<Json> = inp
        .definitions
        .iter()
        .map(|d| {
            let mut m = json!({
                "name": d.name,
                "type": d.kind.source_type(),
                "digest": digest(&json!({"template": d.template, "spec": d.spec})),
            });
            // The applier runs exactly the step template that was reviewed.
            if d.kind == crate::definition::DefKind::WorkflowStep {
                m["template"] = json!(d.template);
                m["templateDigest"] =
                    json!(format!("sha256:{}", sha256_hex(d.template.as_bytes())));
            }
            // The applier judges health with these; it never renders.
            if let Some(h) = d.health_policy() {
                m["healthPolicy"] = json!(h);
            }
            if let Some(c) = d.custom_status() {
                m["customStatus"] = json!(c);
            }
            m
        })
        .collect();
    let clusters = clusters_json(inp.clusters);
    // Health probing and resource policies are the applier's to honour.
    let policies: Vec<Json> = app
        .policies
        .iter()
        .chain(&inp.file.policies)
        .map(|p| {
            json!({
                "name": p.name,
                "type": p.type_,
                "properties": p.properties.as_ref().map_or(json!({}), |n| n.to_json()),
            })
        })
        .collect();
    let inputs_digest = digest(&json!({
        "application": sha256_hex(inp.app_text.as_bytes()),
        "definitions": defs,
        "clusters": clusters,
    }));
    // The revision hash covers what would be applied: steps and objects.
    // The canonical JSON of `{"definitions": …, "steps": …}`, streamed.
    let revision_hash = {
        use std::io::Write as _;
        let mut w = std::io::BufWriter::with_capacity(8192, HashWriter(Sha256::new()));
        (|| {
            w.write_all(b"{\"definitions\":")?;
            write_canonical_list(&defs, &mut w)?;
            w.write_all(b",\"steps\":")?;
            write_canonical_list(&steps, &mut w)?;
            w.write_all(b"}")
        })()
        .expect("hashing cannot fail");
        let h = w.into_inner().map_err(|_| ()).expect("hashing cannot fail");
        hex(&h.0.finalize())
    };
    // Built by moving the parts in: `json!` would copy every placement.
    let mut plan = Map::new();
    plan.insert("formatVersion".into(), json!(FORMAT_VERSION));
    plan.insert("velacVersion".into(), json!(env!("CARGO_PKG_VERSION")));
    plan.insert(
        "application".into(),
        json!({
            "name": app.name,
            "namespace": app.namespace,
            "object": application_object(inp.file),
        }),
    );
    plan.insert(
        "revision".into(),
        json!({
            "name": format!("{}-v{}", app.name, inp.revision),
            "number": inp.revision,
            "hash": &revision_hash[..16],
        }),
    );
    plan.insert("inputsDigest".into(), json!(inputs_digest));
    plan.insert(
        "mode".into(),
        json!({"steps": mode_name(steps_mode), "subSteps": mode_name(sub_mode)}),
    );
    plan.insert("definitions".into(), Json::Array(defs));
    plan.insert("clusters".into(), clusters);
    plan.insert("policies".into(), Json::Array(policies));
    plan.insert("steps".into(), Json::Array(steps));
    let mut plan = Json::Object(plan);
    // Components whose inputs fill properties while the workflow runs are
    // rendered then, by the definitions recorded here (digests above).
    if app.components.iter().any(|c| !c.inputs.is_empty()) {
        let objects: Vec<Json> = inp
            .definitions
            .iter()
            .filter(|d| {
                matches!(
                    d.kind,
                    crate::definition::DefKind::Component | crate::definition::DefKind::Trait
                )
            })
            .map(|d| crate::definition::doc::object(d))
            .collect();
        plan["renderAtApply"] = json!({
            "components": app.components.iter().filter(|c| !c.inputs.is_empty()).map(|c| c.name.clone()).collect::<Vec<_>>(),
            "kubeVersion": inp.kube_version,
            "definitions": objects,
        });
    }
    plan
}
