//! `velac status APP` in `vela status`' layout, and `velac get apps`.

use super::render::home;
use super::workflow::{AppArg, find};
use super::{EXIT_FAIL, EXIT_OK};
use crate::state::status::{AppStatus, StepStatus};
use clap::{Args, Subcommand, ValueEnum};
use std::fmt::Write;

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum StatusFormat {
    /// Human-readable.
    Text,
    /// The status object as YAML.
    Yaml,
    /// The status object as JSON.
    Json,
}

#[derive(Args)]
pub(super) struct StatusArgs {
    #[command(flatten)]
    app: AppArg,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: StatusFormat,
    /// Judge health again from the clusters' live objects first, and
    /// compare them with what was applied (drift).
    #[arg(long)]
    refresh: bool,
}

#[derive(Subcommand)]
pub(super) enum GetCommand {
    /// Applications in the state directory.
    Apps,
}

fn mark(b: bool) -> &'static str {
    if b { "✅" } else { "❌" }
}

/// The text layout of `vela status`.
pub fn text(st: &AppStatus) -> String {
    let mut s = String::new();
    let healthy = st.services.iter().all(|x| x.healthy);
    let _ = writeln!(s, "About:\n");
    let _ = writeln!(s, "  Name:         {}", st.name);
    let _ = writeln!(s, "  Namespace:    {}", st.namespace);
    let _ = writeln!(s, "  Created at:   {}", st.created_at);
    if let Some(r) = &st.latest_revision {
        let _ = writeln!(s, "  Revision:     {} ({})", r.name, r.revision_hash);
    }
    let _ = writeln!(s, "  Healthy:      {}", mark(healthy));
    let _ = writeln!(s, "  Details:      {}", st.status.as_str());
    if let Some(wf) = &st.workflow {
        let _ = writeln!(s, "\nWorkflow:\n");
        let _ = writeln!(s, "  mode: {}", wf.mode);
        let _ = writeln!(s, "  finished: {}", wf.finished);
        let _ = writeln!(s, "  Suspend: {}", wf.suspend);
        let _ = writeln!(s, "  Terminated: {}", wf.terminated);
        let _ = writeln!(s, "  Steps");
        fn steps(s: &mut String, list: &[StepStatus], indent: &str) {
            for x in list {
                let _ = writeln!(s, "{indent}- id: {}", x.id);
                let _ = writeln!(s, "{indent}  name: {}", x.name);
                let _ = writeln!(s, "{indent}  type: {}", x.type_);
                let _ = writeln!(s, "{indent}  phase: {}", x.phase.as_str());
                if !x.reason.is_empty() {
                    let _ = writeln!(s, "{indent}  reason: {}", x.reason);
                }
                if !x.message.is_empty() {
                    let _ = writeln!(s, "{indent}  message: {}", x.message);
                }
                if !x.sub_steps.is_empty() {
                    let _ = writeln!(s, "{indent}  subSteps:");
                    steps(s, &x.sub_steps, &format!("{indent}    "));
                }
            }
        }
        steps(&mut s, &wf.steps, "  ");
    }
    if !st.services.is_empty() {
        let _ = writeln!(s, "\nServices:\n");
        for v in &st.services {
            match &v.env {
                Some(e) => {
                    let _ = writeln!(s, "  - Name: {}  Env: {e}", v.name);
                }
                None => {
                    let _ = writeln!(s, "  - Name: {}", v.name);
                }
            }
            let _ = writeln!(s, "    Cluster: {}", v.cluster);
            let _ = writeln!(s, "    Namespace: {}", v.namespace);
            let _ = writeln!(s, "    Type: {}", v.type_);
            let _ = writeln!(s, "    Health: {}", mark(v.healthy));
            if !v.message.is_empty() {
                let _ = writeln!(s, "      Message: {}", v.message);
            }
            if v.drifted {
                let _ = writeln!(s, "    Drifted:");
                for d in &v.drift {
                    let _ = writeln!(s, "      - {d}");
                }
            }
            if v.traits.is_empty() {
                let _ = writeln!(s, "    No trait applied");
            } else {
                let _ = writeln!(s, "    Traits:");
                for t in &v.traits {
                    let _ = writeln!(s, "      Type: {}", t.type_);
                    let _ = writeln!(s, "      Health: {}", mark(t.healthy));
                    if !t.message.is_empty() {
                        let _ = writeln!(s, "        Message: {}", t.message);
                    }
                }
            }
        }
    }
    s
}

/// Re-judges health from the live objects of the plan that was applied.
fn refresh(
    home: &dyn crate::state::Store,
    key: &crate::state::AppKey,
    st: &AppStatus,
) -> Result<AppStatus, String> {
    let rev = st
        .latest_revision
        .as_ref()
        .ok_or("nothing was applied yet")?;
    let plan = crate::apply::kept_plan(home, key, &rev.name).map_err(|e| e.to_string())?;
    let reg = crate::cluster::Registry::new(home);
    let clusters = super::apply::connect(&plan, &reg, Some(st), true)?;
    let opts = crate::apply::Options::default();
    let quiet = Quiet;
    let owned = std::collections::HashSet::new();
    let ctx = crate::apply::deploy::Ctx {
        plan: &plan,
        clusters: &clusters,
        opts: &opts,
        events: &quiet,
        owned: &owned,
    };
    let mut fresh = Vec::new();
    for s in crate::plan::read::all_steps(&plan.plan.steps) {
        // Only services of steps that ran are judged.
        let ran = st
            .workflow
            .as_ref()
            .is_some_and(|w| has_run(&w.steps, &s.name));
        if ran {
            fresh.extend(ctx.health(s));
        }
    }
    drift(home, key, st, &plan, &clusters, &mut fresh);
    home.update_status(key, |disk| {
        let Some(d) = disk else {
            return Err("the application's status disappeared".to_string());
        };
        d.services = fresh.clone();
        if let Some(wf) = &d.workflow {
            d.status = crate::apply::workflow::app_phase(wf, d.services.iter().all(|x| x.healthy));
        }
        Ok(d.clone())
    })
    .map_err(|e| e.to_string())?
}

/// Marks the services whose live objects differ from what was applied:
/// the same comparison as `diff --live` (a server-side apply dry run of
/// each applied object), for the steps that ran. A cluster that cannot be
/// compared is reported, and its services keep no drift mark.
fn drift(
    home: &dyn crate::state::Store,
    key: &crate::state::AppKey,
    st: &AppStatus,
    plan: &crate::plan::read::PlanDir,
    clusters: &crate::apply::deploy::Clusters,
    services: &mut [crate::state::status::ServiceStatus],
) {
    use crate::apply::preview::{self, Kind, Scope};
    let ran: std::collections::HashSet<String> = crate::plan::read::all_steps(&plan.plan.steps)
        .iter()
        .filter(|s| {
            st.workflow
                .as_ref()
                .is_some_and(|w| has_run(&w.steps, &s.name))
        })
        .map(|s| s.name.clone())
        .collect();
    let step_applied = home
        .context(key)
        .ok()
        .flatten()
        .map(|c| crate::apply::runner::step_applied(&c))
        .unwrap_or_default();
    let scope = Scope {
        steps: Some(ran),
        removals: false,
        ..Scope::default()
    };
    let found = preview::preview(
        plan,
        clusters,
        &st.applied_resources,
        &step_applied,
        &scope,
        &|_, _| {},
    );
    for e in &found.errors {
        eprintln!("velac: warning: drift not known: {e}");
    }
    // Which component (and env) each bundle path belongs to. Components
    // rendered while applying, from their inputs, differ from the plan by
    // design: their drift is not known here.
    let rendered_late: Vec<&str> = plan
        .plan
        .render_at_apply
        .as_ref()
        .map(|r| r.components.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let mut owner: std::collections::HashMap<
        &str,
        (&str, Option<&str>, crate::cluster::api::ObjRef),
    > = Default::default();
    for s in crate::plan::read::all_steps(&plan.plan.steps) {
        for pl in &s.placements {
            for o in &pl.objects {
                if rendered_late.contains(&o.component.as_str()) {
                    continue;
                }
                let r = crate::cluster::api::ObjRef::from(o);
                owner.insert(
                    o.path.as_str(),
                    (o.component.as_str(), pl.env.as_deref(), r),
                );
            }
        }
    }
    for c in &found.changes {
        let Some((component, env, r)) = owner.get(c.path.as_str()) else {
            continue;
        };
        let lines: Vec<String> = match c.kind {
            // Missing now, but only drift if it was applied (a step that
            // failed may never have written it).
            Kind::Added => {
                let applied = st
                    .applied_resources
                    .iter()
                    .any(|a| a.cluster == c.cluster && crate::cluster::api::ObjRef::from(a) == *r);
                if !applied {
                    continue;
                }
                vec![format!("{r} (deleted)")]
            }
            _ => {
                let (a, b) = crate::diff::masked(c.before.as_ref(), c.after.as_ref());
                crate::diff::fields::leaves(&a.unwrap_or_default(), &b.unwrap_or_default())
                    .into_iter()
                    .map(|f| format!("{r}: {}", f.path))
                    .collect()
            }
        };
        for sv in services.iter_mut().filter(|sv| {
            sv.name == *component && sv.cluster == c.cluster && sv.env.as_deref() == *env
        }) {
            sv.drifted = true;
            sv.drift.extend(lines.iter().cloned());
        }
    }
}

fn has_run(steps: &[StepStatus], name: &str) -> bool {
    steps
        .iter()
        .any(|s| (s.name == name && s.first_execute_time.is_some()) || has_run(&s.sub_steps, name))
}

struct Quiet;
impl crate::apply::Events for Quiet {
    fn emit(&self, _: crate::apply::Event) {}
}

/// The workflow's variables as status shows them: values that came from a
/// Secret (or a config) are masked.
pub fn outputs(ctx: &crate::state::WorkflowContext) -> serde_json::Map<String, serde_json::Value> {
    ctx.vars
        .iter()
        .map(|(k, v)| {
            let shown = if ctx
                .sensitive
                .iter()
                .any(|s| crate::apply::runner::overlaps(s, k))
            {
                serde_json::json!("*** (sensitive)")
            } else {
                v.clone()
            };
            (k.clone(), shown)
        })
        .collect()
}

/// The Outputs section of the text layout.
fn outputs_text(vars: &serde_json::Map<String, serde_json::Value>) -> String {
    if vars.is_empty() {
        return String::new();
    }
    let mut s = String::from("\nOutputs:\n\n");
    for (k, v) in vars {
        let shown = match v {
            serde_json::Value::String(t) => t.clone(),
            other => other.to_string(),
        };
        let _ = writeln!(s, "  {k}: {shown}");
    }
    s
}

pub(super) fn run(a: StatusArgs) -> u8 {
    let home = match home() {
        Ok(h) => h,
        Err(code) => return code,
    };
    let (key, mut st) = match find(home.as_ref(), &a.app) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if a.refresh {
        match refresh(home.as_ref(), &key, &st) {
            Ok(s) => st = s,
            Err(e) => {
                eprintln!("velac: --refresh: {e}");
                return EXIT_FAIL;
            }
        }
    }
    // Variables of the run the status describes, masked where sensitive.
    let vars = match home.context(&key) {
        Ok(Some(c))
            if st
                .latest_revision
                .as_ref()
                .is_some_and(|r| r.name == c.revision) =>
        {
            outputs(&c)
        }
        _ => serde_json::Map::new(),
    };
    let mut j = serde_json::to_value(&st).expect("status serialises");
    if !vars.is_empty() {
        j["outputs"] = serde_json::Value::Object(vars.clone());
    }
    match a.output {
        StatusFormat::Text => print!("{}{}", text(&st), outputs_text(&vars)),
        StatusFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&j).expect("status serialises")
        ),
        StatusFormat::Yaml => print!("{}", crate::cue::builtins::json_to_yaml(&j)),
    }
    EXIT_OK
}

/// `5s`, `3m`, `2h`, `4d` since an RFC 3339 time.
fn age(since: &str) -> String {
    let Ok(t) = since.parse::<jiff::Timestamp>() else {
        return "<unknown>".into();
    };
    let secs = jiff::Timestamp::now().duration_since(t).as_secs().max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

pub(super) fn get(c: GetCommand) -> u8 {
    let GetCommand::Apps = c;
    let home = match home() {
        Ok(h) => h,
        Err(code) => return code,
    };
    let apps = match home.apps() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("velac: {e}");
            return EXIT_FAIL;
        }
    };
    if apps.is_empty() {
        println!("No applications found.");
        return EXIT_OK;
    }
    let rows: Vec<[String; 8]> = apps
        .iter()
        .map(|(k, s)| {
            let healthy = if s.services.is_empty() {
                String::new()
            } else {
                s.services.iter().all(|x| x.healthy).to_string()
            };
            let message = s
                .services
                .iter()
                .map(|x| x.message.as_str())
                .find(|m| !m.is_empty())
                .unwrap_or_default();
            [
                if k.namespace == "default" {
                    k.name.clone()
                } else {
                    format!("{}/{}", k.namespace, k.name)
                },
                s.components
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                s.components
                    .iter()
                    .map(|c| c.type_.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                s.status.as_str().into(),
                healthy,
                if s.services.is_empty() {
                    String::new()
                } else {
                    s.services.iter().any(|x| x.drifted).to_string()
                },
                message.into(),
                age(&s.created_at),
            ]
        })
        .collect();
    print!(
        "{}",
        super::table(
            &[
                "NAME",
                "COMPONENT",
                "TYPE",
                "PHASE",
                "HEALTHY",
                "DRIFT",
                "STATUS",
                "AGE"
            ],
            &rows
        )
    );
    EXIT_OK
}
