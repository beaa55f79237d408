//! `velac apply`: runs a plan directory's workflow against the registered
//! clusters.

use super::cluster::CALL_TIMEOUT;
use super::render::home;
use super::{EXIT_FAIL, EXIT_OK, EXIT_USAGE};
use crate::apply::deploy::Clusters;
use crate::apply::{Event, Events, Options};
use crate::cluster::Registry;
use crate::cluster::api::{Checked, ClusterApi};
use crate::cluster::kube::{KubeCluster, runtime};
use crate::plan::read::PlanDir;
use crate::state::Store;
use crate::state::status::{AppPhase, AppStatus, StepPhase};
use clap::{Args, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(super) enum EventFormat {
    /// One line per event.
    Text,
    /// One JSON object per line (for CI).
    Json,
}

#[derive(Args)]
pub(super) struct ApplyArgs {
    /// Plan directory (`velac plan -o DIR`).
    plan: PathBuf,
    #[command(flatten)]
    run: RunArgs,
}

/// How a plan is run (`apply`, `up`).
#[derive(Args)]
pub(super) struct RunArgs {
    /// Apply without asking.
    #[arg(short = 'y', long)]
    yes: bool,
    /// Take over fields other field managers own.
    #[arg(long)]
    force_conflicts: bool,
    /// Apply a stale plan: older than the last applied revision, made by
    /// another velac, or for a cluster registry that changed since.
    #[arg(long)]
    allow_stale: bool,
    /// Events as text lines or JSON lines.
    #[arg(long = "output", value_enum, default_value = "text")]
    output: EventFormat,
    /// How long a deploy step without its own `timeout` waits for health.
    #[arg(long, default_value = "5m")]
    timeout: String,
    /// Interval between polls of a waiting step (default: the plan's
    /// `health` policy's `probeInterval`, else a backoff from 1s to 10s).
    #[arg(long)]
    poll: Option<String>,
    /// Times a failing step (reason Execute) is tried again before it fails
    /// for good with reason FailedAfterRetries.
    #[arg(long, default_value_t = 10)]
    max_step_retries: u32,
}

/// Prints events: on a terminal, lines above a spinner that shows what the
/// run waits for; elsewhere one line per event (waiting lines only when
/// they change); or JSON lines.
pub(super) struct Printer {
    json: bool,
    last_wait: Mutex<Vec<(String, Vec<String>)>>,
    bar: Option<indicatif::ProgressBar>,
}

impl Printer {
    pub(super) fn new(json: bool) -> Printer {
        let bar = (!json && std::io::stdout().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            b
        });
        Printer {
            json,
            last_wait: Mutex::new(Vec::new()),
            bar,
        }
    }

    fn line(&self, l: &str) {
        match &self.bar {
            Some(b) => b.println(l),
            None => println!("{l}"),
        }
    }

    pub(super) fn say(&self, line: &str) {
        if self.json {
            println!("{}", serde_json::json!({"event": "info", "message": line}));
        } else {
            self.line(line);
        }
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Events for Printer {
    fn emit(&self, e: Event) {
        if self.json {
            println!("{}", e.to_json());
            return;
        }
        let line = match e {
            Event::StepStarted { step, type_ } => {
                if let Some(b) = &self.bar {
                    b.set_message(format!("[{step}] {type_}"));
                }
                format!("[{step}] started ({type_})")
            }
            Event::Applied {
                step,
                cluster,
                object,
            } => format!("[{step}] {cluster}: applied {object}"),
            Event::Waiting { step, services } => {
                if let Some(b) = &self.bar {
                    b.set_message(format!("[{step}] waiting for {}", services.join("; ")));
                    return;
                }
                let mut last = self.last_wait.lock().expect("printer");
                if last.iter().any(|(s, v)| *s == step && *v == services) {
                    return;
                }
                last.retain(|(s, _)| *s != step);
                last.push((step.clone(), services.clone()));
                format!("[{step}] waiting for {}", services.join("; "))
            }
            Event::StepFinished {
                step,
                phase,
                message,
            } => {
                if message.is_empty() {
                    format!("[{step}] {phase}")
                } else {
                    format!("[{step}] {phase}: {message}")
                }
            }
            Event::Deleted { cluster, object } => format!("[gc] {cluster}: deleted {object}"),
            Event::Sent { step, what, result } => format!("[{step}] {what}: {result}"),
            Event::Log { step, message } => format!("[{step}] log: {message}"),
            Event::Warning(m) => format!("warning: {m}"),
        };
        self.line(&line);
    }
}

pub(super) fn duration(flag: &str, v: &str) -> Result<std::time::Duration, u8> {
    crate::apply::workflow::parse_duration(v).ok_or_else(|| {
        eprintln!("velac: {flag}: {v:?} is not a duration (e.g. 30s, 5m, 1h)");
        EXIT_USAGE
    })
}

/// Connects the clusters a plan (and the application's inventory) needs.
/// Clusters are checked against the registry now and against their recorded
/// identity on first use.
pub(super) fn connect(
    plan: &PlanDir,
    reg: &Registry,
    status: Option<&AppStatus>,
    allow_stale: bool,
) -> Result<Clusters, String> {
    if !allow_stale {
        registry_unchanged(plan, reg)?;
    }
    let rt = runtime().map_err(|e| e.to_string())?;
    let mut names = crate::apply::clusters_used(plan);
    let inventory: Vec<String> = status.map(|s| s.clusters_in_use()).unwrap_or_default();
    let mut out: Clusters = Clusters::new();
    names.extend(inventory.iter().cloned());
    names.sort();
    names.dedup();
    let needed = crate::apply::clusters_used(plan);
    for name in names {
        let required = needed.contains(&name);
        let c: Arc<dyn ClusterApi> = if name == "local" {
            match KubeCluster::local(super::hub_context().as_deref(), rt.clone(), CALL_TIMEOUT) {
                Ok(c) => Arc::new(c),
                Err(e) if required => return Err(format!("cluster local: {e}")),
                Err(_) => continue,
            }
        } else {
            let entry = match reg.get(&name) {
                Ok(e) => e,
                Err(e) if required => return Err(e.to_string()),
                Err(_) => continue,
            };
            let kc = KubeCluster::connect(&entry.kubeconfig, rt.clone(), CALL_TIMEOUT)
                .map_err(|e| format!("cluster {name}: {e}"))?;
            Arc::new(Checked::new(kc, &name, entry.identity.clone()))
        };
        out.insert(name, c);
    }
    Ok(out)
}

/// Connects clusters a step names that the plan did not (its `cluster`
/// parameter): `local` is the hub (or the current context), any other name
/// a registered cluster, checked against its recorded identity.
struct RegistryConnect<'a> {
    reg: &'a Registry<'a>,
    rt: Arc<tokio::runtime::Runtime>,
}

impl crate::apply::runner::Connect for RegistryConnect<'_> {
    fn connect(&self, name: &str) -> Result<Arc<dyn ClusterApi>, String> {
        if name == "local" {
            let c = KubeCluster::local(
                super::hub_context().as_deref(),
                self.rt.clone(),
                CALL_TIMEOUT,
            )
            .map_err(|e| format!("cluster local: {e}"))?;
            return Ok(Arc::new(c));
        }
        let entry = self.reg.get(name).map_err(|e| e.to_string())?;
        let kc = KubeCluster::connect(&entry.kubeconfig, self.rt.clone(), CALL_TIMEOUT)
            .map_err(|e| format!("cluster {name}: {e}"))?;
        Ok(Arc::new(Checked::new(kc, name, entry.identity.clone())))
    }
}

/// The cluster snapshot the plan was made with must still be the registry's:
/// a cluster joined, detached, moved or relabelled since could change the
/// placements (topology label selectors), so the plan is stale.
pub(super) fn registry_unchanged(plan: &PlanDir, reg: &Registry) -> Result<(), String> {
    let now = reg.snapshot().map_err(|e| e.to_string())?;
    let stale = |why: String| {
        Err(format!(
            "stale plan: {why} since the plan was made; plan again, or pass --allow-stale"
        ))
    };
    for c in &now.clusters {
        let Some(then) = plan.plan.clusters.iter().find(|p| p.name == c.name) else {
            return stale(format!("cluster {} was joined", c.name));
        };
        if then.endpoint != c.endpoint {
            return stale(format!(
                "cluster {} moved from {} to {}",
                c.name, then.endpoint, c.endpoint
            ));
        }
        let labels: std::collections::BTreeMap<String, String> = c.labels.iter().cloned().collect();
        if then.labels != labels {
            return stale(format!("the labels of cluster {} changed", c.name));
        }
    }
    if let Some(gone) = plan
        .plan
        .clusters
        .iter()
        .find(|p| !now.clusters.iter().any(|c| c.name == p.name))
    {
        return stale(format!("cluster {} was detached", gone.name));
    }
    Ok(())
}

fn confirm(plan: &PlanDir, clusters: &[String]) -> bool {
    let p = &plan.plan;
    eprint!(
        "Apply {} ({}) of {}/{} to {}? [y/N] ",
        p.revision.name,
        p.revision.hash,
        p.application.namespace,
        p.application.name,
        clusters.join(", ")
    );
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).is_ok()
        && matches!(line.trim(), "y" | "Y" | "yes" | "Yes")
}

/// Prints where the workflow ended and returns the exit code: 0 when it
/// succeeded or waits at a suspend, 1 otherwise.
pub(super) fn report(st: &AppStatus, out: &Printer) -> u8 {
    let app = &st.name;
    let Some(wf) = &st.workflow else {
        return EXIT_FAIL;
    };
    match st.status {
        AppPhase::WorkflowSuspending => {
            let at: Vec<String> = wf
                .steps
                .iter()
                .filter(|s| s.phase == StepPhase::Suspending)
                .map(|s| s.name.clone())
                .collect();
            out.say(&format!(
                "workflow suspended at {}; run `velac workflow resume {app}` and apply again (or `velac workflow resume {app} --apply`)",
                at.join(", ")
            ));
            EXIT_OK
        }
        AppPhase::Running => {
            out.say(&format!("application {app} is running"));
            EXIT_OK
        }
        phase => {
            out.say(&format!("application {app}: {}", phase.as_str()));
            EXIT_FAIL
        }
    }
}

/// Applies a plan directory, sleeping through suspends with a `duration`.
pub(super) fn run_plan(home: &dyn Store, plan: &PlanDir, opts: &Options, out: &Printer) -> u8 {
    let reg = Registry::new(home);
    let key = crate::apply::app_key(plan);
    loop {
        let last = match home.status(&key) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("velac: {e}");
                return EXIT_FAIL;
            }
        };
        let clusters = match connect(plan, &reg, last.as_ref(), opts.allow_stale) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("velac: {e}");
                return EXIT_FAIL;
            }
        };
        let rt = match runtime() {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("velac: {e}");
                return EXIT_FAIL;
            }
        };
        let more = RegistryConnect { reg: &reg, rt };
        let st = match crate::apply::apply_connected(plan, home, &clusters, Some(&more), opts, out)
        {
            Ok(s) => s,
            Err(e) => {
                eprintln!("velac: {e}");
                return EXIT_FAIL;
            }
        };
        if let Some(until) = timed_resume(&st) {
            out.say(&format!(
                "suspended until {until}; waiting (Ctrl-C stops; apply again later to continue)"
            ));
            let now = jiff::Timestamp::now();
            let wait = until.duration_since(now).unsigned_abs();
            std::thread::sleep(wait + std::time::Duration::from_millis(200));
            continue;
        }
        return report(&st, out);
    }
}

/// When every suspended step resumes by itself, the earliest time one does.
fn timed_resume(st: &AppStatus) -> Option<jiff::Timestamp> {
    let wf = st.workflow.as_ref().filter(|w| w.suspend)?;
    let mut times = Vec::new();
    let mut all = true;
    fn walk(
        steps: &[crate::state::status::StepStatus],
        times: &mut Vec<jiff::Timestamp>,
        all: &mut bool,
    ) {
        for s in steps {
            if s.phase == StepPhase::Suspending {
                match s.resume_at.as_deref().and_then(|t| t.parse().ok()) {
                    Some(t) => times.push(t),
                    None => *all = false,
                }
            }
            walk(&s.sub_steps, times, all);
        }
    }
    walk(&wf.steps, &mut times, &mut all);
    if all { times.into_iter().min() } else { None }
}

impl RunArgs {
    /// The applier's options; a bad duration is printed (exit 2).
    pub(super) fn options(&self) -> Result<Options, u8> {
        let timeout = duration("--timeout", &self.timeout)?;
        let poll = self
            .poll
            .as_deref()
            .map(|p| duration("--poll", p))
            .transpose()?;
        Ok(Options {
            force_conflicts: self.force_conflicts,
            allow_stale: self.allow_stale,
            step_timeout: timeout,
            poll,
            max_retries: self.max_step_retries,
            ..Options::default()
        })
    }

    /// Whether to go on: `--yes`, or a yes on the terminal; prints why not.
    pub(super) fn confirmed(&self, plan: &PlanDir) -> Result<(), u8> {
        if self.yes {
            return Ok(());
        }
        if !std::io::stdin().is_terminal() {
            eprintln!("velac: pass --yes to apply without a confirmation prompt");
            return Err(EXIT_USAGE);
        }
        if !confirm(plan, &crate::apply::clusters_used(plan)) {
            eprintln!("velac: not applied");
            return Err(EXIT_FAIL);
        }
        Ok(())
    }

    /// Events as JSON lines.
    pub(super) fn json(&self) -> bool {
        self.output == EventFormat::Json
    }
}

pub(super) fn run(a: ApplyArgs) -> u8 {
    let home = match home() {
        Ok(h) => h,
        Err(code) => return code,
    };
    let opts = match a.run.options() {
        Ok(o) => o,
        Err(c) => return c,
    };
    if !a.plan.join("plan.json").is_file() {
        eprintln!(
            "velac: {}: not a plan directory (no plan.json; make one with `velac plan APP -o DIR`)",
            a.plan.display()
        );
        return EXIT_USAGE;
    }
    let plan = match PlanDir::read(&a.plan) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("velac: {e}");
            return EXIT_FAIL;
        }
    };
    if let Err(c) = a.run.confirmed(&plan) {
        return c;
    }
    let out = Printer::new(a.run.json());
    run_plan(home.as_ref(), &plan, &opts, &out)
}
