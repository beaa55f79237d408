//! `velac diff --live PLAN_DIR|APP.yaml`: what `velac apply` of that plan
//! would change on the registered clusters (and the hub), found with
//! server-side apply dry runs; the report has `velac diff`'s shape.

use super::apply::{connect, registry_unchanged};
use super::diff::DiffArgs;
use super::render::{Revision as Which, render_inputs_at, store};
use crate::apply::preview;
use crate::cluster::Registry;
use crate::diff::{self, Report};
use crate::plan::read::PlanDir;
use crate::render::bundle;
use std::io::IsTerminal;
use std::path::Path;

/// The plan to compare: a plan directory as it is, or an application
/// planned as `velac plan` would (the revision after the last applied) —
/// unless it is the last applied revision unchanged: then that revision,
/// so that an application diffed right after its apply shows nothing (a
/// new revision would relabel every object, as KubeVela does not for an
/// unchanged application).
pub(super) fn plan_of(target: &Path, a: &DiffArgs) -> Result<PlanDir, ()> {
    if target.is_dir() {
        return PlanDir::read(target).map_err(|e| eprintln!("velac: {e}"));
    }
    let render = |which| {
        let mut r = render_inputs_at(
            target,
            &a.defs,
            a.clusters.as_deref(),
            &a.kube_version,
            which,
            false,
        )
        .map_err(|_| ())?;
        let plan = super::plan::plan_of(&mut r)
            .map_err(|d| eprint!("{}", crate::diag::render_all(&d, &r.sources)))?;
        Ok::<_, ()>((r, plan))
    };
    // Rendered as the last applied revision first (revision 1 when none,
    // which is also the next).
    let (mut r, mut plan) = render(Which::Last)?;
    let unchanged = r
        .last_applied
        .as_ref()
        .is_none_or(|l| plan.plan["revision"]["hash"] == l.revision_hash.as_str());
    if !unchanged {
        (r, plan) = render(Which::Next)?;
    }
    r.warn();
    let mut files = bundle::files(&r.placed).map_err(|d| eprint!("{}", d.render(&r.sources)))?;
    let mut text = serde_json::to_string_pretty(&plan.plan).expect("JSON serialises");
    text.push('\n');
    files.push((super::plan::PLAN_FILE.to_string(), text));
    if !plan.kept.is_empty() {
        files.push((
            crate::plan::sensitive::FILE.to_string(),
            plan.kept.file_text(),
        ));
    }
    PlanDir::from_files(files, target).map_err(|e| eprintln!("velac: {e}"))
}

/// Compares the plan with the live clusters; errors are printed (every one
/// names its cluster) and mean exit 2.
pub(super) fn report(target: &Path, a: &DiffArgs) -> Result<Report, ()> {
    let home = store().map_err(|(msg, _)| eprintln!("velac: {msg}"))?;
    let plan = plan_of(target, a)?;
    compare(home.as_ref(), &plan, target.is_dir(), a.parallelism)
}

/// Compares a plan with the live clusters (a plan directory made earlier
/// is checked against the cluster registry first); errors are printed.
pub(super) fn compare(
    home: &dyn crate::state::Store,
    plan: &PlanDir,
    made_earlier: bool,
    parallelism: usize,
) -> Result<Report, ()> {
    let key = crate::apply::app_key(plan);
    let status = home.status(&key).map_err(|e| eprintln!("velac: {e}"))?;
    let reg = Registry::new(home);
    if made_earlier && let Err(e) = registry_unchanged(plan, &reg) {
        eprintln!("velac: warning: {e}");
    }
    let clusters =
        connect(plan, &reg, status.as_ref(), true).map_err(|e| eprintln!("velac: {e}"))?;
    let applied = status
        .as_ref()
        .map(|s| s.applied_resources.clone())
        .unwrap_or_default();
    // What steps' own calls applied in the last run stays, as collection
    // keeps it.
    let step_applied = home
        .context(&key)
        .ok()
        .flatten()
        .map(|c| crate::apply::runner::step_applied(&c))
        .unwrap_or_default();
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.enable_steady_tick(std::time::Duration::from_millis(120));
        b.set_message("comparing with the live clusters");
        b
    });
    let progress = |done: usize, total: usize| {
        if let Some(b) = &bar {
            b.set_message(format!(
                "compared {done}/{total} objects with the live clusters"
            ));
        }
    };
    let found = preview::preview(
        plan,
        &clusters,
        &applied,
        &step_applied,
        &preview::Scope {
            parallelism,
            ..preview::Scope::default()
        },
        &progress,
    );
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    for w in &found.warnings {
        eprintln!("velac: warning: {w}");
    }
    if !found.errors.is_empty() {
        for e in &found.errors {
            eprintln!("velac: {e}");
        }
        return Err(());
    }
    Ok(diff::from_preview(&found))
}
