//! `velac cluster`: the registry of clusters placement and the applier use.
//! Nothing here prints a token or a key.

use super::render::home;
use super::{EXIT_FAIL, EXIT_OK, EXIT_USAGE};
use crate::cluster::api::ClusterApi;
use crate::cluster::kube::{KubeCluster, runtime};
use crate::cluster::{Entry, Registry, check_name, describe, extract, parse_labels};
use clap::Subcommand;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Subcommand)]
pub(super) enum ClusterCommand {
    /// Register a cluster from a kubeconfig (its current context, or --context).
    Join {
        /// Kubeconfig file.
        kubeconfig: PathBuf,
        /// Name to register it under (default: the context's cluster name).
        #[arg(short = 'n', long)]
        name: Option<String>,
        /// Context to use (default: the file's current-context).
        #[arg(long)]
        context: Option<String>,
        /// Labels, `k=v,k2=v2`.
        #[arg(long)]
        labels: Option<String>,
    },
    /// List registered clusters.
    #[command(alias = "ls")]
    List,
    /// Remove a cluster (refused while an application places workloads there).
    Detach {
        /// Cluster name.
        name: String,
    },
    /// Rename a cluster.
    Rename {
        /// Current name.
        old: String,
        /// New name.
        new: String,
    },
    /// Check that a cluster answers.
    Probe {
        /// Cluster name.
        name: String,
    },
    /// Add or remove labels.
    #[command(subcommand)]
    Labels(LabelsCommand),
}

#[derive(Subcommand)]
pub(super) enum LabelsCommand {
    /// Add or replace labels: `velac cluster labels add NAME k=v,k2=v2`.
    Add {
        /// Cluster name.
        name: String,
        /// Labels.
        labels: String,
    },
    /// Remove labels: `velac cluster labels del NAME k1,k2`.
    Del {
        /// Cluster name.
        name: String,
        /// Label keys.
        keys: String,
    },
}

/// How long one call to a cluster may take.
pub(super) const CALL_TIMEOUT: Duration = Duration::from_secs(15);

fn fail(e: impl std::fmt::Display) -> u8 {
    eprintln!("velac: {e}");
    EXIT_FAIL
}

pub(super) fn run(c: ClusterCommand) -> u8 {
    let home = match home() {
        Ok(h) => h,
        Err(code) => return code,
    };
    let reg = Registry::new(home.as_ref());
    match c {
        ClusterCommand::Join {
            kubeconfig,
            name,
            context,
            labels,
        } => join(
            &reg,
            &kubeconfig,
            name,
            context.as_deref(),
            labels.as_deref(),
        ),
        ClusterCommand::List => list(&reg),
        ClusterCommand::Detach { name } => match reg.detach(&name) {
            Ok(_) => {
                println!("Detach cluster {name} successfully.");
                EXIT_OK
            }
            Err(e) => fail(e),
        },
        ClusterCommand::Rename { old, new } => match reg.rename(&old, &new) {
            Ok(()) => {
                println!("Rename cluster {old} to {new} successfully.");
                EXIT_OK
            }
            Err(e) => fail(e),
        },
        ClusterCommand::Probe { name } => probe(&reg, &name),
        ClusterCommand::Labels(LabelsCommand::Add { name, labels }) => {
            match parse_labels(&labels).and_then(|l| reg.labels_add(&name, &l)) {
                Ok(()) => {
                    println!("Successfully update labels for cluster {name}.");
                    EXIT_OK
                }
                Err(e) => fail(e),
            }
        }
        ClusterCommand::Labels(LabelsCommand::Del { name, keys }) => {
            let keys: Vec<String> = keys
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_string)
                .collect();
            match reg.labels_del(&name, &keys) {
                Ok(()) => {
                    println!("Successfully update labels for cluster {name}.");
                    EXIT_OK
                }
                Err(e) => fail(e),
            }
        }
    }
}

fn join(
    reg: &Registry,
    path: &std::path::Path,
    name: Option<String>,
    context: Option<&str>,
    labels: Option<&str>,
) -> u8 {
    if !path.is_file() {
        eprintln!("velac: kubeconfig {} does not exist", path.display());
        return EXIT_USAGE;
    }
    let (kc, default_name) = match extract(path, context) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let name = name.unwrap_or(default_name);
    if let Err(e) = check_name(&name) {
        return fail(e);
    }
    let labels = match labels.map(parse_labels).transpose() {
        Ok(l) => l.unwrap_or_default(),
        Err(e) => return fail(e),
    };
    if reg.get(&name).is_ok() {
        return fail(crate::cluster::ClusterError::Exists(name));
    }
    // Join only what answers: the version and identity are recorded now.
    let rt = match runtime() {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    // A user who may not read namespaces joins without an identity check.
    let probe = KubeCluster::connect(&kc, rt, CALL_TIMEOUT).and_then(|c| {
        let version = c.version()?;
        let identity = match c.identity() {
            Ok(id) => Some(id),
            Err(crate::cluster::api::ApiError::Api { code: 403, .. }) => None,
            Err(e) => return Err(e),
        };
        Ok((version, identity))
    });
    let (version, identity) = match probe {
        Ok(x) => x,
        Err(e) => return fail(format!("cannot join {name}: {e}")),
    };
    let (endpoint, credential_type) = describe(&kc);
    let entry = Entry {
        name: name.clone(),
        labels,
        endpoint: endpoint.clone(),
        credential_type,
        kube_version: Some(version),
        identity,
        joined_at: crate::state::status::now(),
        kubeconfig: kc,
    };
    match reg.add(&entry) {
        Ok(()) => {
            println!("Successfully add cluster {name}, endpoint: {endpoint}.");
            EXIT_OK
        }
        Err(e) => fail(e),
    }
}

/// The user's own kubeconfig's current context, as `local` (the hub).
fn local_endpoint() -> Option<String> {
    crate::cluster::check_user_kubeconfig().ok()?;
    let kc = kube::config::Kubeconfig::read().ok()?;
    let ctx = kc.current_context.clone()?;
    let c = kc
        .contexts
        .iter()
        .find(|c| c.name == ctx)?
        .context
        .clone()?;
    kc.clusters
        .iter()
        .find(|x| x.name == c.cluster)?
        .cluster
        .as_ref()?
        .server
        .clone()
}

fn list(reg: &Registry) -> u8 {
    let entries = match reg.list() {
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    let mut rows: Vec<[String; 4]> = Vec::new();
    if let Some(ep) = local_endpoint() {
        rows.push(["local".into(), "Internal".into(), ep, String::new()]);
    }
    for e in &entries {
        let labels: Vec<String> = e
            .labels
            .iter()
            .filter(|(k, _)| !k.starts_with("cluster.core.oam.dev/"))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut first = true;
        for l in labels
            .iter()
            .map(Some)
            .chain(labels.is_empty().then_some(None))
        {
            let l = l.cloned().unwrap_or_default();
            if first {
                rows.push([
                    e.name.clone(),
                    e.credential_type.clone(),
                    e.endpoint.clone(),
                    l,
                ]);
                first = false;
            } else {
                rows.push([String::new(), String::new(), String::new(), l]);
            }
        }
    }
    if rows.is_empty() {
        println!("No cluster found.");
        return EXIT_OK;
    }
    print!(
        "{}",
        super::table(&["CLUSTER", "TYPE", "ENDPOINT", "LABELS"], &rows)
    );
    EXIT_OK
}

fn probe(reg: &Registry, name: &str) -> u8 {
    let entry = match reg.get(name) {
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    let rt = match runtime() {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let r = KubeCluster::connect(&entry.kubeconfig, rt, CALL_TIMEOUT).and_then(|c| {
        let v = c.version()?;
        let id = c.identity()?;
        Ok((v, id))
    });
    match r {
        Ok((v, id)) if entry.identity.as_deref().is_none_or(|x| x == id) => {
            println!(
                "cluster {name} is reachable: Kubernetes {v}, endpoint {}",
                entry.endpoint
            );
            EXIT_OK
        }
        Ok(_) => fail(format!(
            "cluster {name} answers, but it is not the cluster that was joined (kube-system uid changed); detach and join it again"
        )),
        Err(e) => fail(format!("cluster {name} is not reachable: {e}")),
    }
}
