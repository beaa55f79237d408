//! The Application (`core.oam.dev/v1beta1`) as a typed IR.
//!
//! Input files may hold several YAML documents: one `Application` plus
//! standalone `Policy` and `Workflow` objects (`core.oam.dev/v1alpha1`), as
//! `vela dry-run` accepts. Reading is strict: a misspelt field is an error
//! with a suggestion, because a silently ignored `propertes:` renders the
//! wrong thing. Free-form `properties` stay YAML nodes so that later stages can
//! point errors at the exact line.

mod read;

pub use read::nearest;
use read::{Obj, join, wrong_type};

use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap, Span};
use crate::yaml::{Kind, Node};

/// A model error: what, where (field path and position).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
#[non_exhaustive]
pub struct ModelError {
    /// What is wrong.
    pub message: String,
    /// Field path in the document (`spec.components[0].type`).
    pub path: String,
    /// Position of the offending node.
    pub span: Span,
}

impl ModelError {
    pub(crate) fn new(message: impl Into<String>, path: String, span: Span) -> ModelError {
        ModelError {
            message: message.into(),
            path,
            span,
        }
    }

    /// As a diagnostic.
    pub fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error(self.message.clone())
            .with_path(self.path.clone())
            .with_span(self.span)
    }
}

/// Everything read from the application files.
#[derive(Clone, Debug)]
pub struct AppFile {
    /// The application.
    pub app: Application,
    /// Standalone `Policy` objects, in file order.
    pub policies: Vec<Policy>,
    /// Standalone `Workflow` objects, in file order.
    pub workflows: Vec<ExternalWorkflow>,
}

/// An `Application`.
#[derive(Clone, Debug)]
pub struct Application {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` (default `default`).
    pub namespace: String,
    /// `metadata.labels`, in document order.
    pub labels: Vec<(String, String)>,
    /// `metadata.annotations`, in document order.
    pub annotations: Vec<(String, String)>,
    /// `spec.components`, in order.
    pub components: Vec<Component>,
    /// `spec.policies`, in order.
    pub policies: Vec<Policy>,
    /// `spec.workflow`.
    pub workflow: Option<Workflow>,
    /// The whole document.
    pub span: Span,
}

/// One component.
#[derive(Clone, Debug, PartialEq)]
pub struct Component {
    /// Unique name.
    pub name: String,
    /// ComponentDefinition name.
    pub type_: String,
    /// Free-form properties (the template's `parameter`), if given.
    pub properties: Option<Node>,
    /// Traits in order.
    pub traits: Vec<Trait>,
    /// Components this one waits for.
    pub depends_on: Vec<String>,
    /// Inputs from workflow variables.
    pub inputs: Vec<Input>,
    /// Outputs published after apply.
    pub outputs: Vec<Output>,
    /// Pinned component revision name.
    pub external_revision: Option<String>,
    /// The component entry.
    pub span: Span,
    /// Position of `type`.
    pub type_span: Span,
    /// Path of the entry (`spec.components[0]`).
    pub path: String,
}

/// One trait of a component.
#[derive(Clone, Debug, PartialEq)]
pub struct Trait {
    /// TraitDefinition name.
    pub type_: String,
    /// Free-form properties, if given.
    pub properties: Option<Node>,
    /// The trait entry.
    pub span: Span,
    /// Position of `type`.
    pub type_span: Span,
    /// Path of the entry.
    pub path: String,
}

/// `{from, parameterKey}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// Variable name.
    pub from: String,
    /// Where it goes (`properties.x` relative, or `traits[0]…`).
    pub parameter_key: String,
}

/// `{name, valueFrom}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// Variable name.
    pub name: String,
    /// CUE path evaluated on the applied objects.
    pub value_from: String,
}

/// An application policy.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Name (optional in the schema; needed to be referenced).
    pub name: String,
    /// PolicyDefinition name.
    pub type_: String,
    /// Properties, if given.
    pub properties: Option<Node>,
    /// The entry.
    pub span: Span,
    /// Position of `type`.
    pub type_span: Span,
    /// Path of the entry.
    pub path: String,
}

/// Step ordering mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One after another.
    StepByStep,
    /// By `dependsOn`.
    Dag,
}

/// `spec.workflow`.
#[derive(Clone, Debug)]
pub struct Workflow {
    /// Name of an external `Workflow` object (exclusive with `steps`).
    pub ref_: Option<String>,
    /// Mode of top-level steps, if set.
    pub mode_steps: Option<Mode>,
    /// Mode of sub-steps, if set.
    pub mode_sub_steps: Option<Mode>,
    /// Steps in order.
    pub steps: Vec<Step>,
}

/// A standalone `Workflow` object.
#[derive(Clone, Debug)]
pub struct ExternalWorkflow {
    /// `metadata.name`.
    pub name: String,
    /// Its steps and modes.
    pub workflow: Workflow,
}

/// A workflow step (or sub-step).
#[derive(Clone, Debug)]
pub struct Step {
    /// Step name.
    pub name: String,
    /// WorkflowStepDefinition name.
    pub type_: String,
    /// `meta.alias`.
    pub alias: Option<String>,
    /// `if` condition (CUE expression or `always`).
    pub if_: Option<String>,
    /// Go duration.
    pub timeout: Option<String>,
    /// Steps this one waits for.
    pub depends_on: Vec<String>,
    /// Inputs.
    pub inputs: Vec<Input>,
    /// Outputs.
    pub outputs: Vec<Output>,
    /// Properties, if given.
    pub properties: Option<Node>,
    /// Mode of the sub-steps.
    pub mode: Option<Mode>,
    /// Sub-steps (top-level steps only).
    pub sub_steps: Vec<Step>,
    /// The entry.
    pub span: Span,
    /// Position of `type`.
    pub type_span: Span,
    /// Path of the entry.
    pub path: String,
}

const METADATA: &[&str] = &[
    "name",
    "namespace",
    "labels",
    "annotations",
    "generateName",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "finalizers",
    "ownerReferences",
    "managedFields",
    "selfLink",
];

/// Reads an application file (one or more YAML documents).
pub fn load(sources: &SourceMap, file: FileId) -> Result<AppFile, Diagnostic> {
    let docs = crate::yaml::parse_documents(sources, file)?;
    from_documents(
        &docs,
        sources.file(file).text.is_empty(),
        Span::new(file, 0, 0),
    )
    .map_err(|e| e.to_diagnostic())
}

fn from_documents(docs: &[Node], empty: bool, file_span: Span) -> Result<AppFile, ModelError> {
    let mut app = None;
    let mut policies = Vec::new();
    let mut workflows = Vec::new();
    for doc in docs {
        let kind = doc.get("kind").and_then(Node::as_str).unwrap_or_default();
        let api = doc
            .get("apiVersion")
            .and_then(Node::as_str)
            .unwrap_or_default();
        match kind {
            "Application" => {
                if app.is_some() {
                    return Err(ModelError::new(
                        "a file holds one Application; found a second one",
                        String::new(),
                        doc.span,
                    ));
                }
                check_api(doc, api, "core.oam.dev/v1beta1")?;
                app = Some(application(doc)?);
            }
            "Policy" => {
                check_api(doc, api, "core.oam.dev/v1alpha1")?;
                policies.push(external_policy(doc)?);
            }
            "Workflow" => {
                check_api(doc, api, "core.oam.dev/v1alpha1")?;
                workflows.push(external_workflow(doc)?);
            }
            _ => {
                let found = doc.get("kind").unwrap_or(doc);
                let msg = if kind.is_empty() {
                    "expected an object with kind Application, Policy or Workflow".to_string()
                } else {
                    format!("expected kind Application, Policy or Workflow, found {kind:?}")
                };
                return Err(ModelError::new(msg, "kind".into(), found.span));
            }
        }
    }
    let Some(app) = app else {
        let msg = if empty || docs.is_empty() {
            "the file is empty; expected an Application"
        } else {
            "no Application in the file"
        };
        return Err(ModelError::new(msg, String::new(), file_span));
    };
    Ok(AppFile {
        app,
        policies,
        workflows,
    })
}

fn check_api(doc: &Node, api: &str, want: &str) -> Result<(), ModelError> {
    if api == want {
        return Ok(());
    }
    let n = doc.get("apiVersion").unwrap_or(doc);
    Err(ModelError::new(
        format!("expected apiVersion {want:?}, found {api:?}"),
        "apiVersion".into(),
        n.span,
    ))
}

/// `metadata` of an object: name (required), namespace, labels, annotations.
struct Meta {
    name: String,
    namespace: Option<String>,
    labels: Vec<(String, String)>,
    annotations: Vec<(String, String)>,
}

fn read_meta(top: &Obj) -> Result<Meta, ModelError> {
    let Some(m) = top.get("metadata") else {
        return Err(ModelError::new(
            "missing required field \"metadata\"",
            "metadata".into(),
            top.node.span,
        ));
    };
    let m = Obj::new(m, "metadata", METADATA)?;
    let (name, span) = m.string("name")?;
    check_name(&name, "metadata.name", span)?;
    Ok(Meta {
        name,
        namespace: m.opt_string("namespace")?,
        labels: m.string_map("labels")?,
        annotations: m.string_map("annotations")?,
    })
}

/// Kubernetes object names: DNS-1123 subdomain.
fn check_name(name: &str, path: &str, span: Span) -> Result<(), ModelError> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(ModelError::new(
            format!(
                "invalid name {name:?}: expected lowercase letters, digits, '-' or '.', starting and ending with a letter or digit"
            ),
            path.to_string(),
            span,
        ))
    }
}

fn application(doc: &Node) -> Result<Application, ModelError> {
    let top = Obj::new(
        doc,
        "",
        &["apiVersion", "kind", "metadata", "spec", "status"],
    )?;
    let meta = read_meta(&top)?;
    let Some(spec) = top.get("spec") else {
        return Err(ModelError::new(
            "missing required field \"spec\"",
            "spec".into(),
            doc.span,
        ));
    };
    let spec = Obj::new(spec, "spec", &["components", "policies", "workflow"])?;
    let comps = spec.list("components")?;
    if spec.get("components").is_none() {
        return Err(ModelError::new(
            "missing required field \"components\"",
            "spec.components".into(),
            spec.node.span,
        ));
    }
    let mut components: Vec<Component> = Vec::new();
    for (i, c) in comps.iter().enumerate() {
        let c = component(c, &format!("spec.components[{i}]"))?;
        if let Some(prev) = components.iter().find(|p| p.name == c.name) {
            return Err(ModelError::new(
                format!("duplicate component name {:?} (also {})", c.name, prev.path),
                join(&c.path, "name"),
                c.span,
            ));
        }
        components.push(c);
    }
    let policies = spec
        .list("policies")?
        .iter()
        .enumerate()
        .map(|(i, p)| policy(p, &format!("spec.policies[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let workflow = spec
        .get("workflow")
        .map(|w| workflow(w, "spec.workflow", true))
        .transpose()?;
    Ok(Application {
        name: meta.name,
        namespace: meta.namespace.unwrap_or_else(|| "default".into()),
        labels: meta.labels,
        annotations: meta.annotations,
        components,
        policies,
        workflow,
        span: doc.span,
    })
}

fn component(n: &Node, path: &str) -> Result<Component, ModelError> {
    let o = Obj::new(
        n,
        path,
        &[
            "name",
            "type",
            "properties",
            "traits",
            "dependsOn",
            "inputs",
            "outputs",
            "externalRevision",
            "scopes",
        ],
    )?;
    let (name, name_span) = o.string("name")?;
    check_name(&name, &o.child("name"), name_span)?;
    let (type_, type_span) = o.string("type")?;
    let props = properties(&o)?;
    let traits = o
        .list("traits")?
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let tp = format!("{path}.traits[{i}]");
            let to = Obj::new(t, &tp, &["type", "properties"])?;
            let (type_, type_span) = to.string("type")?;
            Ok(Trait {
                type_,
                properties: properties(&to)?,
                span: t.span,
                type_span,
                path: tp,
            })
        })
        .collect::<Result<Vec<_>, ModelError>>()?;
    Ok(Component {
        name,
        type_,
        properties: props,
        traits,
        depends_on: o.strings("dependsOn")?,
        inputs: inputs(&o)?,
        outputs: outputs(&o)?,
        external_revision: o.opt_string("externalRevision")?,
        span: n.span,
        type_span,
        path: path.to_string(),
    })
}

/// `properties` must be a map when present.
fn properties(o: &Obj) -> Result<Option<Node>, ModelError> {
    match o.get("properties") {
        None => Ok(None),
        Some(p) if matches!(p.kind, Kind::Map(_)) => Ok(Some(p.clone())),
        Some(p) => Err(wrong_type(p, &o.child("properties"), "a map")),
    }
}

fn inputs(o: &Obj) -> Result<Vec<Input>, ModelError> {
    o.list("inputs")?
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let io = Obj::new(
                n,
                &format!("{}[{i}]", o.child("inputs")),
                &["from", "parameterKey"],
            )?;
            Ok(Input {
                from: io.string("from")?.0,
                parameter_key: io.opt_string("parameterKey")?.unwrap_or_default(),
            })
        })
        .collect()
}

fn outputs(o: &Obj) -> Result<Vec<Output>, ModelError> {
    o.list("outputs")?
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let oo = Obj::new(
                n,
                &format!("{}[{i}]", o.child("outputs")),
                &["name", "valueFrom"],
            )?;
            Ok(Output {
                name: oo.string("name")?.0,
                value_from: oo.string("valueFrom")?.0,
            })
        })
        .collect()
}

fn policy(n: &Node, path: &str) -> Result<Policy, ModelError> {
    let o = Obj::new(n, path, &["name", "type", "properties"])?;
    let (type_, type_span) = o.string("type")?;
    Ok(Policy {
        name: o.opt_string("name")?.unwrap_or_default(),
        type_,
        properties: properties(&o)?,
        span: n.span,
        type_span,
        path: path.to_string(),
    })
}

fn external_policy(doc: &Node) -> Result<Policy, ModelError> {
    let o = Obj::new(
        doc,
        "",
        &["apiVersion", "kind", "metadata", "type", "properties"],
    )?;
    let meta = read_meta(&o)?;
    let (type_, type_span) = o.string("type")?;
    Ok(Policy {
        name: meta.name,
        type_,
        properties: properties(&o)?,
        span: doc.span,
        type_span,
        path: String::new(),
    })
}

fn external_workflow(doc: &Node) -> Result<ExternalWorkflow, ModelError> {
    let o = Obj::new(
        doc,
        "",
        &["apiVersion", "kind", "metadata", "mode", "steps"],
    )?;
    let meta = read_meta(&o)?;
    Ok(ExternalWorkflow {
        name: meta.name,
        workflow: workflow_body(&o, false)?,
    })
}

fn workflow(n: &Node, path: &str, allow_ref: bool) -> Result<Workflow, ModelError> {
    let o = Obj::new(n, path, &["ref", "mode", "steps"])?;
    let w = workflow_body(&o, allow_ref)?;
    if w.ref_.is_some() && !w.steps.is_empty() {
        return Err(ModelError::new(
            "\"ref\" and \"steps\" are mutually exclusive",
            o.child("ref"),
            n.span,
        ));
    }
    Ok(w)
}

fn workflow_body(o: &Obj, allow_ref: bool) -> Result<Workflow, ModelError> {
    let (mode_steps, mode_sub_steps) = match o.get("mode") {
        None => (None, None),
        Some(m) => {
            let mo = Obj::new(m, &o.child("mode"), &["steps", "subSteps"])?;
            (mode(&mo, "steps")?, mode(&mo, "subSteps")?)
        }
    };
    let steps = o
        .list("steps")?
        .iter()
        .enumerate()
        .map(|(i, s)| step(s, &format!("{}[{i}]", o.child("steps")), true))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Workflow {
        ref_: if allow_ref {
            o.opt_string("ref")?
        } else {
            None
        },
        mode_steps,
        mode_sub_steps,
        steps,
    })
}

fn mode(o: &Obj, key: &str) -> Result<Option<Mode>, ModelError> {
    let Some(n) = o.get(key) else { return Ok(None) };
    match n.as_str() {
        Some("StepByStep") => Ok(Some(Mode::StepByStep)),
        Some("DAG") => Ok(Some(Mode::Dag)),
        _ => Err(ModelError::new(
            format!(
                "expected \"StepByStep\" or \"DAG\", found {}",
                n.as_str()
                    .map_or(n.kind_name().to_string(), |s| format!("{s:?}"))
            ),
            o.child(key),
            n.span,
        )),
    }
}

fn step(n: &Node, path: &str, top: bool) -> Result<Step, ModelError> {
    let mut allowed = vec![
        "name",
        "type",
        "meta",
        "if",
        "timeout",
        "dependsOn",
        "inputs",
        "outputs",
        "properties",
    ];
    if top {
        allowed.extend(["mode", "subSteps"]);
    }
    let o = Obj::new(n, path, &allowed)?;
    let alias = match o.get("meta") {
        None => None,
        Some(m) => Obj::new(m, &o.child("meta"), &["alias"])?.opt_string("alias")?,
    };
    let mode = mode(&o, "mode")?;
    let sub_steps = o
        .list("subSteps")?
        .iter()
        .enumerate()
        .map(|(i, s)| step(s, &format!("{}[{i}]", o.child("subSteps")), false))
        .collect::<Result<Vec<_>, _>>()?;
    let if_ = match o.get("if") {
        None => None,
        Some(Node {
            kind: Kind::Bool(b),
            ..
        }) => Some(b.to_string()),
        Some(x) => Some(read::as_string(x, &o.child("if"))?),
    };
    let (type_, type_span) = o.string("type")?;
    Ok(Step {
        name: o.string("name")?.0,
        type_,
        type_span,
        alias,
        if_,
        timeout: o.opt_string("timeout")?,
        depends_on: o.strings("dependsOn")?,
        inputs: inputs(&o)?,
        outputs: outputs(&o)?,
        properties: properties(&o)?,
        mode,
        sub_steps,
        span: n.span,
        path: path.to_string(),
    })
}

#[cfg(test)]
mod tests;
