//! `velac plan`: the workflow plan and the bundle it applies, written together.

use super::render::{Rendered, fail, render_inputs};
use super::{EXIT_FAIL, EXIT_OK};
use crate::plan::sensitive;
use crate::render::{self, bundle};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub(super) struct PlanArgs {
    /// Application file (YAML; may also hold Policy and Workflow objects).
    app: PathBuf,
    /// Definitions to add (file or directory, recursive; repeatable).
    #[arg(short = 'd', long = "definitions")]
    defs: Vec<PathBuf>,
    /// Clusters placement chooses from (YAML list of `{name, labels, endpoint,
    /// kubeVersion}`). Default: the cluster registry.
    #[arg(long = "clusters")]
    clusters: Option<PathBuf>,
    /// Kubernetes version for clusters whose version is not given.
    #[arg(long = "kube-version", default_value = render::DEFAULT_KUBE_VERSION)]
    kube_version: String,
    /// Plan directory to write (`plan.json` plus the bundle tree).
    #[arg(short = 'o', long = "out-dir", required_unless_present = "graph")]
    out_dir: Option<PathBuf>,
    /// Print the workflow as a graph (steps, order, dependencies, clusters deployed to).
    #[arg(long = "graph", value_enum)]
    graph: Option<GraphFormat>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(super) enum GraphFormat {
    Dot,
    Mermaid,
}

/// Marker file of a plan directory.
pub(super) const PLAN_FILE: &str = "plan.json";

/// A plan, and the values kept out of its `plan.json` (for `sensitive.json`).
pub(super) struct Planned {
    pub(super) plan: serde_json::Value,
    pub(super) kept: sensitive::Kept,
}

/// The workflow's steps and every definition the plan records.
struct Parts {
    steps: Vec<crate::model::Step>,
    definitions: Vec<std::rc::Rc<crate::definition::Definition>>,
}

/// The plan of a rendered application, as the revision after the last one
/// applied.
pub(super) fn plan_of(r: &mut Rendered) -> Result<Planned, Vec<crate::diag::Diagnostic>> {
    let parts = parts(r)?;
    let values = sensitive::secret_values(r.placed.iter().map(|(o, _)| &o.object));
    Ok(plan_with(r, &parts, None, &values))
}

fn parts(r: &mut Rendered) -> Result<Parts, Vec<crate::diag::Diagnostic>> {
    let steps = crate::policy::workflow_steps(&r.file)?;
    let mut definitions = r.catalog.used();
    // Every step's template goes into the plan, generated steps' too: the
    // applier runs exactly what was reviewed.
    for s in steps
        .iter()
        .flat_map(|s| std::iter::once(s).chain(&s.sub_steps))
    {
        let name = match s.type_.as_str() {
            "builtin-apply-component" => "apply-component",
            "step-group" => continue,
            other => other,
        };
        let kind = crate::definition::DefKind::WorkflowStep;
        if definitions.iter().any(|d| d.kind == kind && d.name == name) {
            continue;
        }
        match r.catalog.get(&mut r.sources, kind, name)? {
            Some(d) => definitions.push(d),
            None => {
                return Err(vec![
                    crate::diag::Diagnostic::error(format!(
                        "unknown workflow step type {name:?}; give its definition with -d"
                    ))
                    .with_path(format!("{}.type", s.path))
                    .with_span(s.type_span),
                ]);
            }
        }
    }
    definitions.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    Ok(Parts { steps, definitions })
}

/// The parameter schemas of `definitions` that mark something sensitive.
fn marked(definitions: &[std::rc::Rc<crate::definition::Definition>]) -> sensitive::Marked {
    use crate::definition::DefKind;
    definitions
        .iter()
        .filter_map(|d| {
            let holder = match d.kind {
                DefKind::Component => sensitive::Holder::Component,
                DefKind::Trait => sensitive::Holder::Trait,
                DefKind::Policy => sensitive::Holder::Policy,
                DefKind::WorkflowStep => sensitive::Holder::Step,
            };
            let schema = d.parameter_schema().ok()?;
            sensitive::marks(&schema).then(|| ((holder, d.name.clone()), schema))
        })
        .collect()
}

/// The plan, with the Secret values in `values` and what definitions mark
/// sensitive kept out of it; the objects' digests computed by the caller
/// when given.
fn plan_with(
    r: &Rendered,
    parts: &Parts,
    digests: Option<&[String]>,
    values: &std::collections::HashSet<String>,
) -> Planned {
    let mut plan = crate::plan::build(&crate::plan::PlanInputs {
        file: &r.file,
        app_text: &r.app_text,
        steps: &parts.steps,
        objects: &r.placed,
        digests,
        deployments: &r.deployments,
        definitions: &parts.definitions,
        clusters: &r.clusters,
        revision: r.revision,
        kube_version: &r.kube_version,
    });
    let kept = sensitive::redact(&mut plan, values, &marked(&parts.definitions));
    Planned { plan, kept }
}

pub(super) fn run(a: PlanArgs) -> u8 {
    let mut r = match render_inputs(&a.app, &a.defs, a.clusters.as_deref(), &a.kube_version) {
        Ok(r) => r,
        Err(code) => return code,
    };
    // With -o, the bundle's files go to the writer threads while the plan is
    // made, and the objects' bodies are dropped first: a fleet's plan then
    // never holds its objects, their files and the plan tree at once.
    let parts = match parts(&mut r) {
        Ok(p) => p,
        Err(d) => return fail(&d, &r.sources),
    };
    // Read before the objects are reduced to their identity below.
    let values = sensitive::secret_values(r.placed.iter().map(|(o, _)| &o.object));
    let mut tree = None;
    let mut digests = None;
    if let Some(out_dir) = &a.out_dir {
        // A plan holding a Secret, or values a definition marks sensitive
        // (kept in sensitive.json), is its owner's only.
        let private = r
            .placed
            .iter()
            .any(|(o, _)| crate::render::holds_secret(&o.object))
            || !marked(&parts.definitions).is_empty();
        let mut t = match crate::fsutil::TreeWriter::begin(out_dir, PLAN_FILE, private) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("velac: {e}");
                return EXIT_FAIL;
            }
        };
        let written = match bundle::each_object_file(&r.placed, |path, text| t.add(&path, text)) {
            Ok(w) => w,
            Err(d) => return fail(&[d], &r.sources),
        };
        t.add(bundle::INDEX, bundle::index_text(&r.placed, &written));
        digests = Some(
            r.placed
                .iter()
                .map(|(o, _)| crate::plan::digest(&o.object))
                .collect::<Vec<_>>(),
        );
        for (o, _) in &mut r.placed {
            o.object = identity(&o.object);
        }
        tree = Some(t);
    }
    let Planned { plan, kept } = plan_with(&r, &parts, digests.as_deref(), &values);
    if let Some(g) = a.graph {
        let f = match g {
            GraphFormat::Dot => crate::plan::graph::Format::Dot,
            GraphFormat::Mermaid => crate::plan::graph::Format::Mermaid,
        };
        print!("{}", crate::plan::graph::draw(&plan, f));
    }
    let (Some(out_dir), Some(mut tree)) = (&a.out_dir, tree) else {
        return EXIT_OK;
    };
    let line = format!(
        "planned {} ({}): {} steps, {} objects; wrote {}",
        plan["revision"]["name"].as_str().unwrap_or_default(),
        plan["revision"]["hash"].as_str().unwrap_or_default(),
        plan["steps"].as_array().map_or(0, Vec::len),
        r.placed.len(),
        out_dir.display()
    );
    let mut text = serde_json::to_string_pretty(&plan).expect("JSON serialises");
    drop(plan);
    text.push('\n');
    if !kept.is_empty() {
        tree.add(sensitive::FILE, kept.file_text());
    }
    tree.add(PLAN_FILE, text);
    if let Err(e) = tree.finish() {
        eprintln!("velac: {e}");
        return EXIT_FAIL;
    }
    // With a graph on stdout, the summary goes to stderr.
    if a.graph.is_some() {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
    EXIT_OK
}

/// What names an object (`RenderedObject::id` reads only this), for an
/// object whose body has been written and digested already.
fn identity(o: &serde_json::Value) -> serde_json::Value {
    let s = |p: &str| o.pointer(p).cloned().unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "apiVersion": s("/apiVersion"),
        "kind": s("/kind"),
        "metadata": {"name": s("/metadata/name"), "namespace": s("/metadata/namespace")},
    })
}
