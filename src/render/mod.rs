//! Rendering: an Application's components and traits into Kubernetes objects
//! for one target (cluster, namespace), offline.
//!
//! Per component, as upstream: evaluate the component template with
//! `parameter` (its properties) and `context` → `output` (the workload) and
//! `outputs` (auxiliaries, in declaration order); then each trait in order,
//! seeing `context.output`/`context.outputs` as left by the previous ones:
//! its `errs` fail the render, its `outputs` are appended, its `patch` is
//! applied to the workload with the patch strategies ([`patch`]) and its
//! `patchOutputs` to the auxiliaries of the same name. Finally every object
//! gets the OAM labels, annotations, name and namespace.

pub mod bundle;
mod check;
mod context;
mod eval;
mod locate;
mod oam;
pub mod patch;
pub mod prov;
mod share;

pub use check::check_policies_and_steps;
pub use context::{ClusterVersion, DEFAULT_KUBE_VERSION};

use crate::definition::{Catalog, DefKind, Definition};
use crate::diag::Diagnostic;
use crate::model::{Application, Component, Trait, nearest};
use crate::source::{SourceMap, Span};
use eval::{EvalFailure, Evaluated, evaluate};
pub(crate) use locate::validate;
use locate::{failure, located};
use serde_json::{Map, Value as Json};
use std::rc::Rc;

/// Where objects are rendered for.
#[derive(Clone, Debug)]
pub struct Target {
    /// `context.cluster` (`""` for the hub / local cluster).
    pub cluster: String,
    /// Placement namespace; `None` means the application's.
    pub namespace: Option<String>,
    /// Environment name (env-binding), if any.
    pub env: Option<String>,
    /// Workflow step, if any.
    pub step: Option<String>,
    /// `context.clusterVersion`.
    pub cluster_version: ClusterVersion,
    /// `context.replicaKey` (replication policy).
    pub replica_key: String,
    /// Application revision number (`<app>-v<N>`).
    pub revision: u32,
}

impl Target {
    /// `<app>-v<N>`.
    pub fn app_revision(&self, app: &str) -> String {
        format!("{app}-v{}", self.revision)
    }

    /// The namespace objects land in unless their template says otherwise.
    pub fn namespace_for(&self, app: &Application) -> String {
        match &self.namespace {
            Some(n) if !n.is_empty() => n.clone(),
            _ => app.namespace.clone(),
        }
    }

    /// The cluster name shown in provenance (`local` for the hub).
    pub fn cluster_name(&self) -> &str {
        if self.cluster.is_empty() {
            "local"
        } else {
            &self.cluster
        }
    }
}

/// What a rendered object is to its component.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ObjectRole {
    /// The component's `output`.
    Workload,
    /// One of the component's `outputs`.
    Auxiliary {
        /// The `outputs` key.
        output: String,
    },
    /// One of a trait's `outputs`.
    Trait {
        /// Trait type.
        trait_type: String,
        /// The `outputs` key.
        output: String,
    },
}

/// One rendered object with its provenance.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderedObject {
    /// Component name.
    pub component: String,
    /// Component type.
    pub component_type: String,
    /// Workload, auxiliary or trait output.
    pub role: ObjectRole,
    /// The object.
    pub object: Json,
    /// Who set each field, when the render was asked to explain.
    pub origins: Option<std::sync::Arc<prov::Origins>>,
}

impl RenderedObject {
    /// The trait that produced it, if any.
    pub fn trait_type(&self) -> Option<&str> {
        match &self.role {
            ObjectRole::Trait { trait_type, .. } => Some(trait_type),
            _ => None,
        }
    }

    /// The `outputs` key, `None` for the workload.
    pub fn output_name(&self) -> Option<&str> {
        match &self.role {
            ObjectRole::Workload => None,
            ObjectRole::Auxiliary { output } | ObjectRole::Trait { output, .. } => Some(output),
        }
    }

    /// `apiVersion`, `kind`, `metadata.namespace`, `metadata.name`.
    pub fn id(&self) -> (&str, &str, &str, &str) {
        let s = |p: &str| self.object.pointer(p).and_then(Json::as_str).unwrap_or("");
        (
            s("/apiVersion"),
            s("/kind"),
            s("/metadata/namespace"),
            s("/metadata/name"),
        )
    }
}

/// Renders every placement of an application (see [`crate::policy`]): each
/// component as patched for its placement, with that cluster's `context`.
/// Errors of all placements are reported together, each once.
pub fn render_deployments(
    app: &Application,
    deployments: &[crate::policy::Deployment],
    clusters: &crate::policy::ClusterSet,
    default_version: &ClusterVersion,
    revision: u32,
    catalog: &mut Catalog,
    sources: &mut SourceMap,
) -> Result<Vec<(RenderedObject, Target)>, Vec<Diagnostic>> {
    render_all(
        app,
        deployments,
        clusters,
        default_version,
        revision,
        catalog,
        sources,
        false,
        false,
    )
}

/// [`render_deployments`] of a whole application, as the commands render
/// it: a component no step deploys is checked too, and with `explain`
/// each object records who set each of its fields
/// ([`RenderedObject::origins`]).
pub fn render_application(
    app: &Application,
    deployments: &[crate::policy::Deployment],
    clusters: &crate::policy::ClusterSet,
    default_version: &ClusterVersion,
    revision: u32,
    catalog: &mut Catalog,
    sources: &mut SourceMap,
    explain: bool,
) -> Result<Vec<(RenderedObject, Target)>, Vec<Diagnostic>> {
    render_all(
        app,
        deployments,
        clusters,
        default_version,
        revision,
        catalog,
        sources,
        explain,
        true,
    )
}

#[allow(clippy::too_many_arguments)]
fn render_all(
    app: &Application,
    deployments: &[crate::policy::Deployment],
    clusters: &crate::policy::ClusterSet,
    default_version: &ClusterVersion,
    revision: u32,
    catalog: &mut Catalog,
    sources: &mut SourceMap,
    explain: bool,
    check_all: bool,
) -> Result<Vec<(RenderedObject, Target)>, Vec<Diagnostic>> {
    // `context.components` lists the application's components, as upstream.
    let components = Json::Array(app.components.iter().map(context::component_json).collect());
    let mut out = Vec::new();
    let mut errs: Vec<Diagnostic> = Vec::new();
    let mut shared = share::Shared::new(
        deployments
            .iter()
            .flat_map(|d| d.components.iter().map(|(c, _)| c.name.as_str())),
    );
    for d in deployments {
        let version = match clusters
            .get(&d.cluster)
            .and_then(|c| c.kube_version.as_deref())
        {
            Some(v) => ClusterVersion::parse(v)
                .map_err(|e| vec![Diagnostic::error(format!("cluster {:?}: {e}", d.cluster))])?,
            None => default_version.clone(),
        };
        for (c, key) in &d.components {
            let target = Target {
                cluster: if d.named_cluster {
                    d.cluster.clone()
                } else {
                    String::new()
                },
                namespace: Some(d.namespace.clone()).filter(|n| !n.is_empty()),
                env: d.env.clone(),
                step: Some(d.step.clone()),
                cluster_version: version.clone(),
                replica_key: key.clone(),
                revision,
            };
            let share = (!explain && shared.worth(c)).then_some(&mut shared);
            let rendered = render_component(
                app,
                c,
                catalog,
                sources,
                &target,
                &components,
                explain,
                share,
            );
            shared.placed(c);
            match rendered {
                Ok(objs) => out.extend(objs.into_iter().map(|o| (o, target.clone()))),
                Err(e) => {
                    for x in e {
                        if !errs.contains(&x) {
                            errs.push(x);
                        }
                    }
                }
            }
        }
    }
    // A component no step deploys is still checked: its definition, its
    // traits and its properties, rendered once for the local cluster and
    // dropped, so a mistake does not wait for the workflow to change.
    for c in app.components.iter().filter(|_| check_all) {
        if deployments
            .iter()
            .any(|d| d.components.iter().any(|(x, _)| x.name == c.name))
        {
            continue;
        }
        let target = Target {
            cluster: String::new(),
            namespace: None,
            env: None,
            step: None,
            cluster_version: default_version.clone(),
            replica_key: String::new(),
            revision,
        };
        if let Err(e) =
            render_component(app, c, catalog, sources, &target, &components, false, None)
        {
            for x in e {
                if !errs.contains(&x) {
                    errs.push(x);
                }
            }
        }
    }
    if errs.is_empty() { Ok(out) } else { Err(errs) }
}

/// Looks a definition up, with a "did you mean" hint when it is unknown.
pub fn lookup(
    catalog: &mut Catalog,
    sources: &mut SourceMap,
    kind: DefKind,
    name: &str,
    path: &str,
    span: Span,
) -> Result<Rc<Definition>, Vec<Diagnostic>> {
    if let Some(d) = catalog.get(sources, kind, name)? {
        return Ok(d);
    }
    let what = match kind {
        DefKind::Component => "component type",
        DefKind::Trait => "trait type",
        DefKind::Policy => "policy type",
        DefKind::WorkflowStep => "workflow step type",
    };
    let mut msg = format!("unknown {what} {name:?}");
    let names = catalog.names(kind);
    if let Some(s) = nearest(name, &names) {
        msg.push_str(&format!(" (did you mean {s:?}?)"));
    } else {
        msg.push_str("; give its definition with -d");
    }
    Err(vec![Diagnostic::error(msg).with_path(path).with_span(span)])
}

fn render_component(
    app: &Application,
    comp: &Component,
    catalog: &mut Catalog,
    sources: &mut SourceMap,
    target: &Target,
    components: &Json,
    explain: bool,
    shared: Option<&mut share::Shared>,
) -> Result<Vec<RenderedObject>, Vec<Diagnostic>> {
    let def = lookup(
        catalog,
        sources,
        DefKind::Component,
        &comp.type_,
        &format!("{}.type", comp.path),
        comp.type_span,
    )?;
    let mut traits = Vec::new();
    for t in &comp.traits {
        let d = lookup(
            catalog,
            sources,
            DefKind::Trait,
            &t.type_,
            &format!("{}.type", t.path),
            t.type_span,
        )?;
        traits.push((t, d));
    }
    check_conflicts(comp, &traits)?;
    let ctx = context::base(app, comp, target);
    let (mut objs, works) = match shared {
        Some(shared) => {
            let defs: Vec<&Definition> = std::iter::once(&*def)
                .chain(traits.iter().map(|(_, d)| &**d))
                .collect();
            let key = shared.key(&defs, &ctx);
            let outcome = match shared.get(comp, &key) {
                Some(o) => o.clone(),
                None => {
                    let o =
                        evaluate_component(comp, &def, &traits, &ctx, components, sources, false)
                            .map(|(objs, _)| objs);
                    shared.put(comp, key, o.clone());
                    o
                }
            };
            (outcome?, None)
        }
        None => evaluate_component(comp, &def, &traits, &ctx, components, sources, explain)?,
    };
    for (i, o) in objs.iter_mut().enumerate() {
        let before = works.as_ref().map(|_| o.object.clone());
        oam::stamp(app, target, &comp.type_, o, &stable_hash);
        oam::sort_keys(&mut o.object);
        if let (Some(w), Some(before)) = (&works, before) {
            o.origins = Some(prov::stamped(&before, &w[i], o, app.span, comp.span));
        }
    }
    Ok(objs)
}

/// A component's objects before the OAM stamp, with who set each field
/// when asked.
type Evaluation = (Vec<RenderedObject>, Option<Vec<prov::Work>>);

/// Evaluates a component and its traits for one `context`: the objects
/// before the OAM stamp, and with `explain` who set each of their fields.
fn evaluate_component(
    comp: &Component,
    def: &Rc<Definition>,
    traits: &[(&Trait, Rc<Definition>)],
    ctx: &Map<String, Json>,
    components: &Json,
    sources: &mut SourceMap,
    explain: bool,
) -> Result<Evaluation, Vec<Diagnostic>> {
    let where_ = format!("component {:?} ({})", comp.name, comp.type_);
    let (params, pspan) = properties(comp.properties.as_ref(), comp.span);
    def.program(sources)
        .map_err(|d| located(d, &where_, None, ""))?;
    validate(
        def,
        &params,
        &where_,
        &comp.path,
        comp.properties.as_ref(),
        comp.span,
    )?;
    let ctx_span = comp.span;
    let comp_ctx = context::with_components(ctx.clone(), &def.template, components);
    let mut ev = evaluate(def, sources, &params, pspan, &comp_ctx, ctx_span, true)
        .map_err(|f| failure(f, &where_, comp.properties.as_ref(), &comp.path, comp.span))?;
    let output = ev
        .export("output")
        .map_err(|d| located(d, &where_, comp.properties.as_ref(), &comp.path))?;
    let Some(mut workload) = output else {
        return Err(vec![
            Diagnostic::error(format!("{where_}: the template has no `output`"))
                .with_span(comp.type_span),
        ]);
    };
    check_kind(&workload, &format!("{where_}: output"), comp.type_span)?;
    if !workload.is_object() {
        return Err(vec![
            Diagnostic::error(format!(
                "{where_}: `output` must be an object, found {}",
                kind_of(&workload)
            ))
            .with_span(comp.type_span),
        ]);
    }
    let by = prov::SetBy::Component(comp.type_.clone());
    let mut explained = explain.then(|| {
        ev.mark_data(comp.properties.as_ref());
        prov::Explain::new(prov::from_leaves(ev.origins_at(&["output"]), &by))
    });
    let mut aux: Vec<RenderedObject> = Vec::new();
    for (name, obj) in outputs(&mut ev, &where_, comp)? {
        if let Some(x) = explained.as_mut() {
            x.aux
                .push(prov::from_leaves(ev.origins_at(&["outputs", &name]), &by));
        }
        aux.push(RenderedObject {
            component: comp.name.clone(),
            component_type: comp.type_.clone(),
            role: ObjectRole::Auxiliary { output: name },
            object: obj,
            origins: None,
        });
    }
    for (t, tdef) in traits {
        check_applies(comp, t, tdef, def, &workload)?;
        apply_trait(
            t,
            tdef,
            ctx,
            components,
            comp,
            sources,
            &mut workload,
            &mut aux,
            explained.as_mut(),
        )?;
    }
    let mut objs = vec![RenderedObject {
        component: comp.name.clone(),
        component_type: comp.type_.clone(),
        role: ObjectRole::Workload,
        object: workload,
        origins: None,
    }];
    objs.extend(aux);
    Ok((objs, explained.map(prov::Explain::into_works)))
}

/// Whether an object is a Secret (its values must stay private on disk).
pub fn holds_secret(o: &Json) -> bool {
    o["kind"] == "Secret" && o["apiVersion"] == "v1"
}

/// An object without `apiVersion` and `kind` cannot be applied anywhere;
/// better to say so now than at apply time.
fn check_kind(o: &Json, what: &str, span: Span) -> Result<(), Vec<Diagnostic>> {
    let has = |k: &str| {
        o.get(k)
            .and_then(Json::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    if !o.is_object() || (has("apiVersion") && has("kind")) {
        return Ok(());
    }
    Err(vec![
        Diagnostic::error(format!(
            "{what} is not a Kubernetes object: it needs a non-empty apiVersion and kind"
        ))
        .with_span(span),
    ])
}

/// Runs one trait: `errs`, `outputs`, `patch`, `patchOutputs`.
fn apply_trait(
    t: &Trait,
    tdef: &Definition,
    base_ctx: &Map<String, Json>,
    components: &Json,
    comp: &Component,
    sources: &mut SourceMap,
    workload: &mut Json,
    aux: &mut Vec<RenderedObject>,
    mut explained: Option<&mut prov::Explain>,
) -> Result<(), Vec<Diagnostic>> {
    let where_ = format!(
        "component {:?} ({}), trait {:?}",
        comp.name, comp.type_, t.type_
    );
    let mut ctx = base_ctx.clone();
    ctx.insert("output".into(), workload.clone());
    if !aux.is_empty() {
        let outs: Map<String, Json> = aux
            .iter()
            .map(|o| {
                (
                    o.output_name().unwrap_or_default().to_string(),
                    o.object.clone(),
                )
            })
            .collect();
        ctx.insert("outputs".into(), Json::Object(outs));
    }
    let (params, pspan) = properties(t.properties.as_ref(), t.span);
    tdef.program(sources)
        .map_err(|d| located(d, &where_, None, ""))?;
    validate(
        tdef,
        &params,
        &where_,
        &t.path,
        t.properties.as_ref(),
        t.span,
    )?;
    let ctx = context::with_components(ctx, &tdef.template, components);
    let mut ev = evaluate(tdef, sources, &params, pspan, &ctx, t.span, true)
        .map_err(|f| failure(f, &where_, t.properties.as_ref(), &t.path, t.span))?;
    let by = prov::SetBy::Trait(t.type_.clone());
    if explained.is_some() {
        ev.mark_data(t.properties.as_ref());
    }
    for (name, obj) in outputs(&mut ev, &where_, comp)? {
        if let Some(x) = explained.as_deref_mut() {
            x.aux
                .push(prov::from_leaves(ev.origins_at(&["outputs", &name]), &by));
        }
        aux.push(RenderedObject {
            component: comp.name.clone(),
            component_type: comp.type_.clone(),
            role: ObjectRole::Trait {
                trait_type: t.type_.clone(),
                output: name,
            },
            object: obj,
            origins: None,
        });
    }
    let located_t = |d: Vec<Diagnostic>| located(d, &where_, t.properties.as_ref(), &t.path);
    if let Some((p, docs)) = ev.export_with_docs("patch").map_err(located_t)? {
        let patched = patch::apply(workload, &p, &docs).map_err(|e| {
            vec![
                Diagnostic::error(format!("{where_}: cannot patch the workload: {e}"))
                    .with_span(t.span),
            ]
        })?;
        if let Some(x) = explained.as_deref_mut() {
            let pw = prov::from_leaves(ev.origins_at(&["patch"]), &by);
            x.workload = prov::after_change(
                workload,
                &x.workload,
                &patched,
                &by,
                Some((&p, &pw)),
                &[t.span],
            );
        }
        *workload = patched;
    }
    if let Some((Json::Object(p), docs)) = ev.export_with_docs("patchOutputs").map_err(located_t)? {
        for (name, pv) in &p {
            let Some(i) = aux.iter().position(|o| o.output_name() == Some(name)) else {
                continue;
            };
            let sub = docs.field(name).cloned().unwrap_or_default();
            let patched = patch::apply(&aux[i].object, pv, &sub).map_err(|e| {
                vec![
                    Diagnostic::error(format!("{where_}: cannot patch outputs.{name}: {e}"))
                        .with_span(t.span),
                ]
            })?;
            if let Some(x) = explained.as_deref_mut() {
                let pw = prov::from_leaves(ev.origins_at(&["patchOutputs", name]), &by);
                let w = &mut x.aux[i];
                *w = prov::after_change(
                    &aux[i].object,
                    w,
                    &patched,
                    &by,
                    Some((pv, &pw)),
                    &[t.span],
                );
            }
            aux[i].object = patched;
        }
    }
    Ok(())
}

/// The regular fields of `outputs`, in declaration order. As upstream
/// iterates the fields, a comprehension that cannot run yet (over an absent
/// optional list) contributes nothing instead of failing the render.
fn outputs(
    ev: &mut Evaluated,
    where_: &str,
    comp: &Component,
) -> Result<Vec<(String, Json)>, Vec<Diagnostic>> {
    let exported = match ev.export("outputs") {
        Err(_) => ev.export_fields("outputs"),
        ok => ok,
    };
    match exported.map_err(|d| located(d, where_, comp.properties.as_ref(), &comp.path))? {
        None => Ok(Vec::new()),
        Some(Json::Object(m)) => {
            let mut v = Vec::new();
            for (k, o) in m {
                if !o.is_object() {
                    return Err(vec![
                        Diagnostic::error(format!(
                            "{where_}: outputs.{k} must be an object, found {}",
                            kind_of(&o)
                        ))
                        .with_span(comp.span),
                    ]);
                }
                check_kind(&o, &format!("{where_}: outputs.{k}"), comp.span)?;
                v.push((k, o));
            }
            Ok(v)
        }
        Some(other) => Err(vec![
            Diagnostic::error(format!(
                "{where_}: `outputs` must be a struct, found {}",
                kind_of(&other)
            ))
            .with_span(comp.span),
        ]),
    }
}

fn properties(p: Option<&crate::yaml::Node>, fallback: Span) -> (Json, Span) {
    match p {
        Some(n) => (n.to_json(), n.span),
        None => (Json::Object(Map::new()), fallback),
    }
}

fn kind_of(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "bool",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "list",
        Json::Object(_) => "struct",
    }
}

/// The resource name a trait's `appliesToWorkloads` lists (`deployments.apps`).
fn resource_of(def: &Definition, workload: &Json) -> String {
    if let Some(t) = def
        .workload_type()
        .filter(|t| *t != "autodetects.core.oam.dev")
    {
        return t.to_string();
    }
    let api = workload
        .get("apiVersion")
        .and_then(Json::as_str)
        .unwrap_or("");
    let kind = workload
        .get("kind")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_lowercase();
    let plural = if kind.ends_with('s') || kind.ends_with('x') {
        format!("{kind}es")
    } else if let Some(stem) = kind.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{kind}s")
    };
    match api.split_once('/') {
        Some((group, _)) => format!("{plural}.{group}"),
        None => plural,
    }
}

fn check_applies(
    comp: &Component,
    t: &Trait,
    tdef: &Definition,
    cdef: &Definition,
    workload: &Json,
) -> Result<(), Vec<Diagnostic>> {
    let allowed = tdef.applies_to();
    if allowed.is_empty() {
        return Ok(());
    }
    let resource = resource_of(cdef, workload);
    let ok = allowed
        .iter()
        .any(|a| a == "*" || *a == comp.type_ || *a == resource);
    if ok {
        return Ok(());
    }
    Err(vec![
        Diagnostic::error(format!(
            "trait {:?} does not apply to component {:?} (type {}, workload {resource}); it applies to: {}",
            t.type_,
            comp.name,
            comp.type_,
            allowed.join(", ")
        ))
        .with_path(format!("{}.type", t.path))
        .with_span(t.type_span),
    ])
}

fn check_conflicts(
    comp: &Component,
    traits: &[(&Trait, Rc<Definition>)],
) -> Result<(), Vec<Diagnostic>> {
    for (t, d) in traits {
        for other in d.conflicts_with() {
            if let Some((o, _)) = traits
                .iter()
                .find(|(o, _)| o.type_ == other && o.type_ != t.type_)
            {
                return Err(vec![
                    Diagnostic::error(format!(
                        "trait {:?} conflicts with trait {:?} on component {:?}",
                        t.type_, o.type_, comp.name
                    ))
                    .with_path(format!("{}.type", o.path))
                    .with_span(o.type_span)
                    .with_span(t.type_span),
                ]);
            }
        }
    }
    Ok(())
}

/// A short stable hash of an object's metadata, for naming unnamed objects.
fn stable_hash(j: &Json) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for b in j.to_string().bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("{h:08x}")
}

/// The raw result of a template for definition authors (`velac def eval`):
/// `output`/`outputs` for a component; `patch`, `patchOutputs`, `outputs` and
/// `errs` for a trait; absent fields left out; no labels, no patching.
pub fn eval_raw(
    def: &Definition,
    sources: &mut SourceMap,
    parameter: &Json,
    context: &Json,
    span: Span,
) -> Result<Json, Vec<Diagnostic>> {
    let mut ev =
        evaluate(def, sources, parameter, span, context, span, false).map_err(|f| match f {
            EvalFailure::Cue(d) => d,
            EvalFailure::User(m) => m.into_iter().map(Diagnostic::error).collect(),
        })?;
    let fields: &[&str] = match def.kind {
        DefKind::Component => &["output", "outputs"],
        DefKind::Trait => &["patch", "patchOutputs", "outputs", "errs"],
        DefKind::Policy | DefKind::WorkflowStep => &["output", "outputs", "parameter"],
    };
    let mut out = Map::new();
    for f in fields {
        if let Some(v) = ev.export(f)? {
            out.insert((*f).to_string(), v);
        }
    }
    Ok(Json::Object(out))
}
