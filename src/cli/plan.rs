//! `velac plan`: the workflow plan and the bundle it applies, written together.

use super::render::{Rendered, fail, render_inputs};
use super::{EXIT_FAIL, EXIT_OK};
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

/// The plan of a rendered application, as the revision after the last one
/// applied.
pub(super) fn plan_of(r: &mut Rendered) -> Result<serde_json::Value, Vec<crate::diag::Diagnostic>> {
    plan_with(r, None)
}

/// [`plan_of`] with the objects' digests computed by the caller.
fn plan_with(
    r: &mut Rendered,
    digests: Option<&[String]>,
) -> Result<serde_json::Value, Vec<crate::diag::Diagnostic>> {
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
    Ok(crate::plan::build(&crate::plan::PlanInputs {
        file: &r.file,
        app_text: &r.app_text,
        steps: &steps,
        objects: &r.placed,
        digests,
        deployments: &r.deployments,
        definitions: &definitions,
        clusters: &r.clusters,
        revision: r.revision,
        kube_version: &r.kube_version,
    }))
}

pub(super) fn run(a: PlanArgs) -> u8 {
    let mut r = match render_inputs(&a.app, &a.defs, a.clusters.as_deref(), &a.kube_version) {
        Ok(r) => r,
        Err(code) => return code,
    };
    // With -o, the bundle's files go to the writer threads while the plan is
    // made, and the objects' bodies are dropped first: a fleet's plan then
    // never holds its objects, their files and the plan tree at once.
    let mut tree = None;
    let mut digests = None;
    if let Some(out_dir) = &a.out_dir {
        // A plan holding a Secret is its owner's only.
        let private = r
            .placed
            .iter()
            .any(|(o, _)| crate::render::holds_secret(&o.object));
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
    let plan = match plan_with(&mut r, digests.as_deref()) {
        Ok(p) => p,
        Err(d) => return fail(&d, &r.sources),
    };
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
