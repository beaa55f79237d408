//! `velac explain APP.yaml`: who set every field of every rendered object,
//! and from which lines.

use super::render::{Revision, render_inputs_at};
use super::{EXIT_FAIL, EXIT_OK};
use crate::explain::{self, under};
use crate::render;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum Format {
    Text,
    Json,
}

#[derive(Args)]
pub(super) struct ExplainArgs {
    /// Application file.
    app: PathBuf,
    /// Definitions to add (file or directory, recursive; repeatable).
    #[arg(short = 'd', long = "definitions")]
    defs: Vec<PathBuf>,
    /// Clusters placement chooses from (default: the cluster registry).
    #[arg(long = "clusters")]
    clusters: Option<PathBuf>,
    /// Kubernetes version for clusters whose version is not given.
    #[arg(long = "kube-version", default_value = render::DEFAULT_KUBE_VERSION)]
    kube_version: String,
    /// Only this component's objects.
    #[arg(long)]
    component: Option<String>,
    /// Only the objects placed on this cluster.
    #[arg(long)]
    cluster: Option<String>,
    /// Only this field, or the fields under it (`spec.replicas`,
    /// `spec.template.spec.containers[0]`).
    #[arg(long)]
    field: Option<String>,
    /// Report format.
    #[arg(long = "output", value_enum, default_value = "text")]
    output: Format,
}

/// An unknown name, with the nearest known one.
fn unknown(what: &str, name: &str, known: &[&str]) -> u8 {
    match crate::model::nearest(name, known) {
        Some(n) => eprintln!("velac: explain: no {what} {name:?} (did you mean {n:?}?)"),
        None => eprintln!(
            "velac: explain: no {what} {name:?}; there are: {}",
            known.join(", ")
        ),
    }
    EXIT_FAIL
}

pub(super) fn run(a: ExplainArgs) -> u8 {
    let mut r = match render_inputs_at(
        &a.app,
        &a.defs,
        a.clusters.as_deref(),
        &a.kube_version,
        Revision::Next,
        true,
    ) {
        Ok(r) => r,
        Err(code) => return code,
    };
    r.warn();
    if let Some(c) = &a.component {
        let names: Vec<&str> = r
            .file
            .app
            .components
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        if !names.contains(&c.as_str()) {
            return unknown("component", c, &names);
        }
    }
    if let Some(c) = &a.cluster {
        let mut names: Vec<&str> = r.placed.iter().map(|(_, t)| t.cluster_name()).collect();
        names.sort_unstable();
        names.dedup();
        if !names.contains(&c.as_str()) {
            return unknown("placement on cluster", c, &names);
        }
    }
    let picked: Vec<_> = r
        .placed
        .iter()
        .filter(|(o, t)| {
            a.component.as_ref().is_none_or(|c| &o.component == c)
                && a.cluster.as_ref().is_none_or(|c| t.cluster_name() == c)
        })
        .cloned()
        .collect();
    let mut objs = explain::explain(&picked, &r.file, crate::source::FileId(0), &r.sources);
    if let Some(f) = &a.field {
        let all: Vec<String> = objs
            .iter()
            .flat_map(|o| o.fields.iter().map(|x| x.path.clone()))
            .collect();
        if !all.iter().any(|p| under(p, f)) {
            let mut known: Vec<&str> = all.iter().map(String::as_str).collect();
            known.sort_unstable();
            known.dedup();
            return match crate::model::nearest(f, &known) {
                Some(n) => {
                    eprintln!("velac: explain: no field {f:?} (did you mean {n:?}?)");
                    EXIT_FAIL
                }
                None => {
                    eprintln!("velac: explain: no field {f:?} in the selected objects");
                    EXIT_FAIL
                }
            };
        }
        for o in &mut objs {
            o.fields.retain(|x| under(&x.path, f));
        }
        objs.retain(|o| !o.fields.is_empty());
    }
    match a.output {
        Format::Text => print!("{}", explain::text(&objs)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&explain::json(&objs)).expect("JSON serialises")
        ),
    }
    EXIT_OK
}
