//! Reading a plan directory back: `plan.json` as typed data, checked
//! against the bundle files it names, so the applier applies exactly what
//! was reviewed (a changed file is refused, as a changed plan would be).

use super::{FORMAT_VERSION, digest};
use serde::Deserialize;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

/// Why a plan cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// Reading failed.
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// `plan.json` does not have the plan layout.
    #[error("{0}: not a velac plan: {1}")]
    Format(PathBuf, String),
    /// Another plan format version.
    #[error(
        "{path}: plan format {found}, this velac reads format {FORMAT_VERSION}; plan again with this velac"
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// Its format version.
        found: u32,
    },
    /// A bundle file is missing or does not parse.
    #[error("{0}: {1}")]
    Bundle(PathBuf, String),
    /// The values kept out of `plan.json` are missing or changed.
    #[error("{0}: {1}")]
    Sensitive(PathBuf, String),
    /// A bundle file does not match the digest the plan recorded.
    #[error("{0}: changed since it was planned (digest {1} expected); plan again")]
    Tampered(PathBuf, String),
}

/// `{name, namespace}`.
#[derive(Deserialize, Clone, Debug)]
pub struct AppId {
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// The Application as planned (`apiVersion`, `kind`, `metadata`, `spec`).
    #[serde(default)]
    pub object: Json,
}

/// `{name, number, hash}`.
#[derive(Deserialize, Clone, Debug)]
pub struct RevisionId {
    /// `<app>-v<N>`.
    pub name: String,
    /// N.
    pub number: u32,
    /// Content hash.
    pub hash: String,
}

/// Workflow modes.
#[derive(Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Modes {
    /// `StepByStep` or `DAG`.
    pub steps: String,
    /// Mode of step groups' sub-steps.
    pub sub_steps: String,
}

/// A definition the plan used, with its status snippets.
#[derive(Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct DefinitionRef {
    /// Name.
    pub name: String,
    /// `component`, `trait`, `policy`, `workflow-step`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `status.healthPolicy`.
    #[serde(default)]
    pub health_policy: Option<String>,
    /// `status.customStatus`.
    #[serde(default)]
    pub custom_status: Option<String>,
    /// The CUE template (workflow steps: what the applier runs).
    #[serde(default)]
    pub template: Option<String>,
    /// `sha256:` of the template text.
    #[serde(default)]
    pub template_digest: Option<String>,
}

/// A cluster of the snapshot placement used.
#[derive(Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ClusterRef {
    /// Name.
    pub name: String,
    /// Labels at planning time.
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
    /// Endpoint at planning time.
    pub endpoint: String,
    /// Kubernetes version, when known.
    #[serde(default)]
    pub kube_version: Option<String>,
}

impl Plan {
    /// The cluster snapshot the plan was made with, as placement reads it
    /// (steps that place at apply time place on the clusters that were
    /// reviewed).
    pub fn cluster_set(&self) -> crate::policy::ClusterSet {
        crate::policy::ClusterSet {
            clusters: self
                .clusters
                .iter()
                .map(|c| crate::policy::Cluster {
                    name: c.name.clone(),
                    labels: c
                        .labels
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                    endpoint: c.endpoint.clone(),
                    kube_version: c.kube_version.clone(),
                })
                .collect(),
        }
    }
}

/// A policy, as the applier reads it.
#[derive(Deserialize, Clone, Debug)]
pub struct PolicyRef {
    /// Name.
    pub name: String,
    /// Type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Properties.
    #[serde(default)]
    pub properties: Json,
}

/// A trait of a service.
#[derive(Deserialize, Clone, Debug)]
pub struct TraitRef {
    /// Type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Properties.
    #[serde(default)]
    pub properties: Json,
}

/// A component as placed.
#[derive(Deserialize, Clone, Debug)]
pub struct ServiceRef {
    /// Component name.
    pub name: String,
    /// Component type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Properties.
    #[serde(default)]
    pub properties: Json,
    /// Traits.
    #[serde(default)]
    pub traits: Vec<TraitRef>,
}

/// An object of a placement.
#[derive(Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    /// API version.
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Component.
    pub component: String,
    /// Trait type, if a trait made it.
    #[serde(rename = "trait")]
    pub trait_type: Option<String>,
    /// `outputs` key, `None` for the workload.
    pub output_name: Option<String>,
    /// `sha256:` of the object.
    pub digest: String,
    /// Bundle path.
    pub path: String,
}

/// One placement of a deploy-like step.
#[derive(Deserialize, Clone, Debug)]
pub struct Placement {
    /// Cluster.
    pub cluster: String,
    /// Namespace override (empty: the objects' own).
    pub namespace: String,
    /// Env, if any.
    pub env: Option<String>,
    /// Components placed.
    #[serde(default)]
    pub services: Vec<ServiceRef>,
    /// Objects.
    pub objects: Vec<ObjectRef>,
}

/// One step.
#[derive(Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct StepRef {
    /// Stable id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Properties.
    #[serde(default)]
    pub properties: Json,
    /// Dependencies (step names).
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// `if` condition.
    #[serde(rename = "if")]
    pub if_: Option<String>,
    /// `timeout` (`30s`, `10m`, `1h`).
    pub timeout: Option<String>,
    /// Step-group mode.
    #[serde(default)]
    pub mode: Option<String>,
    /// `inputs` (`{from, parameterKey}`).
    #[serde(default)]
    pub inputs: Vec<Json>,
    /// `outputs` (`{name, valueFrom}`).
    #[serde(default)]
    pub outputs: Vec<Json>,
    /// Sub-steps.
    #[serde(default)]
    pub sub_steps: Vec<StepRef>,
    /// Placements of deploy-like steps.
    #[serde(default)]
    pub placements: Vec<Placement>,
}

/// A plan, read.
#[derive(Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Layout version.
    pub format_version: u32,
    /// velac that made it.
    pub velac_version: String,
    /// Application.
    pub application: AppId,
    /// Revision.
    pub revision: RevisionId,
    /// Inputs digest.
    pub inputs_digest: String,
    /// Modes.
    pub mode: Modes,
    /// Definitions used.
    pub definitions: Vec<DefinitionRef>,
    /// Cluster snapshot.
    pub clusters: Vec<ClusterRef>,
    /// Policies.
    #[serde(default)]
    pub policies: Vec<PolicyRef>,
    /// Steps.
    pub steps: Vec<StepRef>,
    /// What rendering while applying needs (components with inputs).
    #[serde(default)]
    pub render_at_apply: Option<RenderAtApply>,
}

/// Components rendered while applying, because inputs fill their
/// properties, and what rendering them needs.
#[derive(Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct RenderAtApply {
    /// Their names.
    pub components: Vec<String>,
    /// Kubernetes version for clusters whose version is not known.
    pub kube_version: String,
    /// Component and trait definitions as objects.
    pub definitions: Vec<Json>,
}

/// A plan directory: the plan and its objects, read once and checked.
pub struct PlanDir {
    /// The plan.
    pub plan: Plan,
    /// `plan.json` as read.
    pub bytes: Vec<u8>,
    /// Where it was read from (a directory, or the state's copy).
    pub dir: PathBuf,
    /// `plan.json` and the bundle files, as `(relative path, text)`.
    files: Vec<(String, String)>,
    /// Bundle objects by path, parsed and checked against their digests.
    objects: std::collections::HashMap<String, Json>,
}

impl PlanDir {
    /// Reads and checks a plan directory: format version, and every bundle
    /// file against its digest.
    pub fn read(dir: &Path) -> Result<PlanDir, PlanError> {
        let path = dir.join("plan.json");
        let bytes = std::fs::read(&path).map_err(|e| PlanError::Io(path.clone(), e))?;
        let plan = parse_plan(&path, &bytes)?;
        let mut files = vec![(
            "plan.json".to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        )];
        // The values kept out of plan.json, when it has any.
        let kept = dir.join(super::sensitive::FILE);
        match std::fs::read_to_string(&kept) {
            Ok(text) => files.push((super::sensitive::FILE.to_string(), text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(PlanError::Io(kept, e)),
        }
        let mut seen = std::collections::HashSet::new();
        for s in all_steps(&plan.steps) {
            for p in &s.placements {
                for o in &p.objects {
                    if !seen.insert(o.path.clone()) {
                        continue;
                    }
                    let f = dir.join(&o.path);
                    let text =
                        std::fs::read_to_string(&f).map_err(|e| PlanError::Io(f.clone(), e))?;
                    files.push((o.path.clone(), text));
                }
            }
        }
        PlanDir::from_files(files, dir)
    }

    /// A plan from its files (`plan.json` among them), as the state keeps it.
    pub fn from_files(files: Vec<(String, String)>, origin: &Path) -> Result<PlanDir, PlanError> {
        let path = origin.join("plan.json");
        let bytes = files
            .iter()
            .find(|(r, _)| r == "plan.json")
            .map(|(_, t)| t.clone().into_bytes())
            .ok_or_else(|| PlanError::Format(path.clone(), "no plan.json".into()))?;
        let kept = match files.iter().find(|(r, _)| r == super::sensitive::FILE) {
            Some((r, text)) => Some(
                super::sensitive::Kept::parse(text)
                    .map_err(|e| PlanError::Sensitive(origin.join(r), e))?,
            ),
            None => None,
        };
        // The values kept out of plan.json go back in, each digest checked.
        let mut raw = raw_plan(&path, &bytes)?;
        super::sensitive::restore(&mut raw, kept.as_ref())
            .map_err(|e| PlanError::Sensitive(path.clone(), e))?;
        let plan = typed(&path, raw)?;
        // Each bundle file once, in plan order.
        let mut jobs: Vec<(&str, &str)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for s in all_steps(&plan.steps) {
            for p in &s.placements {
                for o in &p.objects {
                    if seen.insert(o.path.as_str()) {
                        jobs.push((o.path.as_str(), o.digest.as_str()));
                    }
                }
            }
        }
        let texts: std::collections::HashMap<&str, &str> = files
            .iter()
            .map(|(r, t)| (r.as_str(), t.as_str()))
            .collect();
        let read = |(rel, want): (&str, &str)| -> Result<Json, PlanError> {
            let f = origin.join(rel);
            let text = texts
                .get(rel)
                .ok_or_else(|| PlanError::Bundle(f.clone(), "missing from the plan".into()))?;
            let obj = read_object(&f, text).map_err(|m| PlanError::Bundle(f.clone(), m))?;
            if digest(&obj) != want {
                return Err(PlanError::Tampered(f, want.to_string()));
            }
            Ok(obj)
        };
        // Parsed on every core (a fleet's plan has thousands of files); the
        // first error in plan order is the one reported, as when read in turn.
        let parsed = in_chunks(&jobs, read);
        let mut objects = std::collections::HashMap::with_capacity(jobs.len());
        for ((rel, _), obj) in jobs.iter().zip(parsed) {
            objects.insert(rel.to_string(), obj?);
        }
        drop(texts);
        Ok(PlanDir {
            plan,
            bytes,
            dir: origin.to_path_buf(),
            files,
            objects,
        })
    }

    /// A bundle object (checked against its digest when the plan was read).
    pub fn object(&self, o: &ObjectRef) -> Result<Json, PlanError> {
        self.objects
            .get(&o.path)
            .cloned()
            .ok_or_else(|| PlanError::Format(self.dir.join(&o.path), "not in the plan".into()))
    }

    /// `plan.json` and every bundle file, as `(relative path, text)`.
    pub fn files(&self) -> &[(String, String)] {
        &self.files
    }
}

/// A bundle file's object: its first YAML document, as JSON; an error is
/// the located message.
pub(crate) fn read_object(path: &Path, text: &str) -> Result<Json, String> {
    let mut sources = crate::source::SourceMap::new();
    let docs = crate::yaml::parse_str(&mut sources, &path.display().to_string(), text)
        .map_err(|d| d.render(&sources).trim_end().to_string())?;
    Ok(docs.first().map(|d| d.to_json()).unwrap_or_default())
}

/// `f` over `items` on up to [`std::thread::available_parallelism`] threads
/// (at most 8), each taking a contiguous chunk; results in `items`' order.
pub(crate) fn in_chunks<T: Copy + Sync, R: Send>(items: &[T], f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 8);
    // Small plans are not worth a thread.
    if threads == 1 || items.len() < 64 {
        return items.iter().map(|&t| f(t)).collect();
    }
    let size = items.len().div_ceil(threads);
    std::thread::scope(|sc| {
        let handles: Vec<_> = items
            .chunks(size)
            .map(|c| sc.spawn(|| c.iter().map(|&t| f(t)).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a plan reader thread panicked"))
            .collect()
    })
}

/// `plan.json`'s layout (values kept out of it stand as their digests).
fn parse_plan(path: &Path, bytes: &[u8]) -> Result<Plan, PlanError> {
    typed(path, raw_plan(path, bytes)?)
}

/// `plan.json` as JSON, of this format version.
fn raw_plan(path: &Path, bytes: &[u8]) -> Result<Json, PlanError> {
    let raw: Json = serde_json::from_slice(bytes)
        .map_err(|e| PlanError::Format(path.to_path_buf(), e.to_string()))?;
    if let Some(v) = raw.get("formatVersion").and_then(Json::as_u64)
        && v != u64::from(FORMAT_VERSION)
    {
        return Err(PlanError::Version {
            path: path.to_path_buf(),
            found: u32::try_from(v).unwrap_or(u32::MAX),
        });
    }
    Ok(raw)
}

fn typed(path: &Path, raw: Json) -> Result<Plan, PlanError> {
    serde_json::from_value(raw).map_err(|e| PlanError::Format(path.to_path_buf(), e.to_string()))
}

/// Every step, sub-steps after their group, depth first.
pub fn all_steps(steps: &[StepRef]) -> Vec<&StepRef> {
    let mut out = Vec::new();
    for s in steps {
        out.push(s);
        out.extend(all_steps(&s.sub_steps));
    }
    out
}
