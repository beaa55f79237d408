//! `velac diff OLD NEW`: what changes between two plans, for review and CI.
//! Exit 0 when equal, 1 when different, 2 on any error.

use super::EXIT_USAGE;
use super::render::render_inputs;
use crate::diff::{self, PlanView};
use crate::render::{self, bundle};
use clap::{Args, ValueEnum};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum Format {
    Text,
    Json,
    Markdown,
}

#[derive(Args)]
pub(super) struct DiffArgs {
    /// The old side: a plan directory, or an application file planned on the fly.
    old: PathBuf,
    /// The new side, likewise.
    new: PathBuf,
    /// Definitions for application files (repeatable).
    #[arg(short = 'd', long = "definitions")]
    defs: Vec<PathBuf>,
    /// Cluster list for application files.
    #[arg(long = "clusters")]
    clusters: Option<PathBuf>,
    /// Kubernetes version for clusters whose version is not given.
    #[arg(long = "kube-version", default_value = render::DEFAULT_KUBE_VERSION)]
    kube_version: String,
    /// Report format.
    #[arg(long = "output", value_enum, default_value = "text")]
    output: Format,
}

/// One side as a plan view; errors are printed, and mean exit 2.
fn side(p: &Path, a: &DiffArgs) -> Result<PlanView, ()> {
    if p.is_dir() {
        let plan_text = std::fs::read_to_string(p.join(super::plan::PLAN_FILE)).map_err(|e| {
            eprintln!("velac: {}: not a plan directory ({e})", p.display());
        })?;
        let plan: serde_json::Value = serde_json::from_str(&plan_text).map_err(|e| {
            eprintln!("velac: {}: invalid plan.json: {e}", p.display());
        })?;
        let mut objects = BTreeMap::new();
        let mut sources = crate::source::SourceMap::new();
        for s in plan["steps"].as_array().into_iter().flatten() {
            for step in std::iter::once(s).chain(s["subSteps"].as_array().into_iter().flatten()) {
                for pl in step["placements"].as_array().into_iter().flatten() {
                    for o in pl["objects"].as_array().into_iter().flatten() {
                        let rel = o["path"].as_str().unwrap_or_default();
                        let file = p.join(rel);
                        let text = std::fs::read_to_string(&file).map_err(|e| {
                            eprintln!("velac: {}: {e}", file.display());
                        })?;
                        let docs = crate::yaml::parse_str(
                            &mut sources,
                            &file.display().to_string(),
                            &text,
                        )
                        .map_err(|d| eprint!("{}", d.render(&sources)))?;
                        let obj = docs.first().map(|d| d.to_json()).unwrap_or_default();
                        objects.insert(rel.to_string(), obj);
                    }
                }
            }
        }
        return Ok(PlanView::new(&plan, objects));
    }
    let mut r =
        render_inputs(p, &a.defs, a.clusters.as_deref(), &a.kube_version).map_err(|_| ())?;
    let plan = super::plan::plan_of(&mut r)
        .map_err(|d| eprint!("{}", crate::diag::render_all(&d, &r.sources)))?;
    let objects = r
        .placed
        .iter()
        .map(|(o, t)| (bundle::path(o, t), o.object.clone()))
        .collect();
    Ok(PlanView::new(&plan, objects))
}

pub(super) fn run(a: DiffArgs) -> u8 {
    let (Ok(old), Ok(new)) = (side(&a.old, &a), side(&a.new, &a)) else {
        return EXIT_USAGE;
    };
    let report = diff::compare(&old, &new);
    let out = match a.output {
        Format::Text => diff::text(&report),
        Format::Markdown => diff::markdown(&report),
        Format::Json => {
            serde_json::to_string_pretty(&diff::json(&report)).expect("JSON serialises") + "\n"
        }
    };
    print!("{out}");
    u8::from(!report.is_empty())
}
