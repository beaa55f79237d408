//! `velac diff OLD NEW`: what changes between two plans, for review and CI;
//! `velac diff --live PLAN`: what applying a plan would change on the
//! clusters that are there. Exit 0 when nothing changes, 1 when something
//! does, 2 on any error.

use super::EXIT_USAGE;
use super::render::{Revision, render_inputs_at};
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
    /// The old side: a plan directory, or an application file planned on the
    /// fly (with --live: the plan to compare with the live clusters).
    pub(super) old: PathBuf,
    /// The new side, likewise (not with --live).
    pub(super) new: Option<PathBuf>,
    /// Compare with the live clusters: a server-side apply dry run of every
    /// object the plan applies, against the object on its cluster.
    #[arg(long)]
    pub(super) live: bool,
    /// With --live: objects compared at once per cluster.
    #[arg(long, default_value_t = 5)]
    pub(super) parallelism: usize,
    /// Definitions for application files (repeatable).
    #[arg(short = 'd', long = "definitions")]
    pub(super) defs: Vec<PathBuf>,
    /// Cluster list for application files.
    #[arg(long = "clusters")]
    pub(super) clusters: Option<PathBuf>,
    /// Kubernetes version for clusters whose version is not given.
    #[arg(long = "kube-version", default_value = render::DEFAULT_KUBE_VERSION)]
    pub(super) kube_version: String,
    /// Report format.
    #[arg(long = "output", value_enum, default_value = "text")]
    pub(super) output: Format,
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
        let mut rels: Vec<&str> = Vec::new();
        for s in plan["steps"].as_array().into_iter().flatten() {
            for step in std::iter::once(s).chain(s["subSteps"].as_array().into_iter().flatten()) {
                for pl in step["placements"].as_array().into_iter().flatten() {
                    for o in pl["objects"].as_array().into_iter().flatten() {
                        rels.push(o["path"].as_str().unwrap_or_default());
                    }
                }
            }
        }
        // Read and parsed on every core; the first error in plan order is
        // the one printed.
        let read = |rel: &str| -> Result<serde_json::Value, String> {
            let file = p.join(rel);
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("velac: {}: {e}\n", file.display()))?;
            crate::plan::read::read_object(&file, &text).map_err(|m| m + "\n")
        };
        let mut objects = BTreeMap::new();
        for (rel, obj) in rels.iter().zip(crate::plan::read::in_chunks(&rels, read)) {
            objects.insert(rel.to_string(), obj.map_err(|m| eprint!("{m}"))?);
        }
        return Ok(PlanView::new(&plan, objects));
    }
    // Origins only where they are shown (text and markdown).
    let explain = !matches!(a.output, Format::Json);
    let mut r = render_inputs_at(
        p,
        &a.defs,
        a.clusters.as_deref(),
        &a.kube_version,
        Revision::Next,
        explain,
    )
    .map_err(|_| ())?;
    r.warn();
    // Values kept out of the plan stand as their digests, as in plan.json.
    let plan = super::plan::plan_of(&mut r)
        .map_err(|d| eprint!("{}", crate::diag::render_all(&d, &r.sources)))?
        .plan;
    let objects = r
        .placed
        .iter()
        .map(|(o, t)| (bundle::path(o, t), o.object.clone()))
        .collect();
    let mut view = PlanView::new(&plan, objects);
    if !explain {
        return Ok(view);
    }
    // Each field's value as the user wrote it: the first position explain
    // gives (the user's own line when there is one).
    let explained =
        crate::explain::explain(&r.placed, &r.file, crate::source::FileId(0), &r.sources);
    for ((o, t), e) in r.placed.iter().zip(explained) {
        let m = view.origins.entry(bundle::path(o, t)).or_default();
        for f in e.fields {
            if let Some(first) = f.from.into_iter().next() {
                m.insert(f.path, first);
            }
        }
    }
    Ok(view)
}

pub(super) fn run(a: DiffArgs) -> u8 {
    let report = match (&a.new, a.live) {
        (Some(new), false) => {
            let (Ok(old), Ok(new)) = (side(&a.old, &a), side(new, &a)) else {
                return EXIT_USAGE;
            };
            diff::compare(&old, &new)
        }
        (None, true) => match super::diff_live::report(&a.old, &a) {
            Ok(r) => r,
            Err(()) => return EXIT_USAGE,
        },
        (Some(_), true) => {
            eprintln!("velac: diff --live takes one plan (or application), not two");
            return EXIT_USAGE;
        }
        (None, false) => {
            eprintln!("velac: diff needs two plans (or applications), or --live and one");
            return EXIT_USAGE;
        }
    };
    print_report(&report, a.output)
}

fn print_report(report: &diff::Report, format: Format) -> u8 {
    let out = match format {
        Format::Text => diff::text(report),
        Format::Markdown => diff::markdown(report),
        Format::Json => {
            serde_json::to_string_pretty(&diff::json(report)).expect("JSON serialises") + "\n"
        }
    };
    print!("{out}");
    u8::from(!report.is_empty())
}
