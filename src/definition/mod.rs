//! Definitions: the catalogue of component, trait, policy and workflow-step
//! types an Application refers to.
//!
//! Built-in definitions (`definitions/` in the repository) are embedded in the
//! binary; `-d PATH` adds user definitions, which override a built-in of the
//! same kind and name. A template is compiled the first time it is used and
//! the compiled program is shared by every render after that, never re-parsed.

mod builtin;
pub mod doc;
pub mod schema;
mod source;

use crate::cue::ir::Program;
use crate::diag::Diagnostic;
use crate::source::{SourceMap, Span};
use serde_json::{Map, Value as Json};
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// What a definition defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DefKind {
    /// `ComponentDefinition`.
    Component,
    /// `TraitDefinition`.
    Trait,
    /// `PolicyDefinition`.
    Policy,
    /// `WorkflowStepDefinition`.
    WorkflowStep,
}

impl DefKind {
    /// The Kubernetes kind.
    pub fn object_kind(self) -> &'static str {
        match self {
            DefKind::Component => "ComponentDefinition",
            DefKind::Trait => "TraitDefinition",
            DefKind::Policy => "PolicyDefinition",
            DefKind::WorkflowStep => "WorkflowStepDefinition",
        }
    }

    /// The `type` in `vela def` source form.
    pub fn source_type(self) -> &'static str {
        match self {
            DefKind::Component => "component",
            DefKind::Trait => "trait",
            DefKind::Policy => "policy",
            DefKind::WorkflowStep => "workflow-step",
        }
    }
}

/// Loading errors.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DefinitionError {
    /// Something is wrong at a position.
    #[error("{message}")]
    At {
        /// What.
        message: String,
        /// Where.
        span: Option<Span>,
    },
    /// CUE parse, compile or evaluation errors.
    #[error("CUE errors")]
    Cue(Vec<Diagnostic>),
}

impl DefinitionError {
    pub(crate) fn at(message: impl Into<String>, span: Span) -> DefinitionError {
        DefinitionError::At {
            message: message.into(),
            span: Some(span),
        }
    }

    /// As diagnostics.
    pub fn to_diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            DefinitionError::At { message, span } => {
                let mut d = Diagnostic::error(message.clone());
                if let Some(s) = span {
                    d = d.with_span(*s);
                }
                vec![d]
            }
            DefinitionError::Cue(ds) => ds.clone(),
        }
    }
}

/// A definition as read, before compilation.
#[derive(Clone, Debug)]
pub(crate) struct RawDefinition {
    name: String,
    kind: DefKind,
    description: String,
    labels: Vec<(String, String)>,
    annotations: Vec<(String, String)>,
    spec: Map<String, Json>,
    template: String,
    compile_text: String,
    file_name: String,
}

/// Where a definition came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Embedded in the binary (path under `definitions/`).
    Builtin(String),
    /// A user file.
    File(PathBuf),
}

/// One definition.
#[derive(Debug)]
pub struct Definition {
    /// Name (the `type` users write).
    pub name: String,
    /// What it defines.
    pub kind: DefKind,
    /// One-line description.
    pub description: String,
    /// Object labels.
    pub labels: Vec<(String, String)>,
    /// Object annotations (description and alias included).
    pub annotations: Vec<(String, String)>,
    /// `spec` without the schematic: workload, status, appliesToWorkloads, …
    pub spec: Map<String, Json>,
    /// The template as KubeVela stores it (`spec.schematic.cue.template`).
    pub template: String,
    /// Where it came from.
    pub origin: Origin,
    compile_text: String,
    file_name: String,
    program: OnceCell<Result<Rc<Program>, Vec<Diagnostic>>>,
    schema: OnceCell<Result<Rc<CompiledSchema>, Vec<Diagnostic>>>,
}

/// A parameter schema and its compiled validator.
type CompiledSchema = (Json, jsonschema::Validator);

/// One property that does not fit a definition's parameter schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaViolation {
    /// Path inside the properties (keys and list indexes).
    pub path: Vec<String>,
    /// What is wrong.
    pub message: String,
    /// For a missing required property: its name.
    pub missing: Option<String>,
    /// For fields that are not allowed: their names.
    pub unexpected: Vec<String>,
}

impl Definition {
    fn new(raw: RawDefinition, origin: Origin) -> Definition {
        Definition {
            name: raw.name,
            kind: raw.kind,
            description: raw.description,
            labels: raw.labels,
            annotations: raw.annotations,
            spec: raw.spec,
            template: raw.template,
            origin,
            compile_text: raw.compile_text,
            file_name: raw.file_name,
            program: OnceCell::new(),
            schema: OnceCell::new(),
        }
    }

    fn schema_pair(&self) -> Result<Rc<CompiledSchema>, Vec<Diagnostic>> {
        if let Some(s) = self.schema.get() {
            return s.clone();
        }
        let r = (|| {
            let file =
                crate::cue::parser::parse_file(crate::source::FileId(u32::MAX), &self.compile_text)
                    .map_err(|e| {
                        vec![Diagnostic::error(format!("{}: {}", self.name, e.message))]
                    })?;
            let schema = schema::parameter_schema(&file);
            let v = jsonschema::validator_for(&schema).map_err(|e| {
                vec![Diagnostic::error(format!(
                    "definition {:?}: cannot build a parameter schema: {e}",
                    self.name
                ))]
            })?;
            Ok(Rc::new((schema, v)))
        })();
        let _ = self.schema.set(r.clone());
        r
    }

    /// The JSON Schema of the template's `parameter`.
    pub fn parameter_schema(&self) -> Result<Json, Vec<Diagnostic>> {
        self.schema_pair().map(|p| p.0.clone())
    }

    /// The property names the parameter schema declares at a path inside the
    /// properties (keys, or list indexes), for telling typos from real fields.
    pub fn declared_properties(&self, path: &[String]) -> Vec<String> {
        let Ok(pair) = self.schema_pair() else {
            return Vec::new();
        };
        let mut nodes: Vec<&Json> = vec![&pair.0];
        for seg in path {
            let index = seg.chars().all(|c| c.is_ascii_digit());
            nodes = nodes
                .into_iter()
                .flat_map(schema_parts)
                .filter_map(|n| {
                    if index {
                        n.get("items")
                    } else {
                        n.get("properties").and_then(|p| p.get(seg.as_str()))
                    }
                })
                .collect();
        }
        let mut out = Vec::new();
        for n in nodes.into_iter().flat_map(schema_parts) {
            if let Some(p) = n.get("properties").and_then(Json::as_object) {
                out.extend(p.keys().cloned());
            }
        }
        out
    }

    /// Checks properties against the parameter schema (before any CUE runs).
    pub fn validate(&self, properties: &Json) -> Result<Vec<SchemaViolation>, Vec<Diagnostic>> {
        let pair = self.schema_pair()?;
        let mut out = Vec::new();
        for e in pair.1.iter_errors(properties) {
            violations(&e, properties, &mut out);
        }
        Ok(out)
    }

    /// The compiled template (compiled once, on first use). Positions in
    /// errors are those of the definition's file.
    pub fn program(&self, sources: &mut SourceMap) -> Result<Rc<Program>, Vec<Diagnostic>> {
        if let Some(p) = self.program.get() {
            return p.clone();
        }
        // KubeVela appends these stubs so that templates may refer to both.
        let text = format!("{}\ncontext: _\nparameter: _\n", self.compile_text);
        let id = sources.add(self.file_name.clone(), text);
        let r = crate::cue::load_with(sources, &[id], &crate::step::packages::paths())
            .map(|mut ps| ps.remove(0));
        let _ = self.program.set(r.clone());
        r
    }

    fn spec_str(&self, path: &[&str]) -> Option<&str> {
        let mut v = self.spec.get(path[0])?;
        for p in &path[1..] {
            v = v.get(p)?;
        }
        v.as_str()
    }

    fn spec_strings(&self, key: &str) -> Vec<String> {
        self.spec
            .get(key)
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `spec.workload.definition` as `(apiVersion, kind)`, if declared.
    pub fn workload(&self) -> Option<(&str, &str)> {
        Some((
            self.spec_str(&["workload", "definition", "apiVersion"])?,
            self.spec_str(&["workload", "definition", "kind"])?,
        ))
    }

    /// `spec.workload.type` (`deployments.apps`, `autodetects.core.oam.dev`).
    pub fn workload_type(&self) -> Option<&str> {
        self.spec_str(&["workload", "type"])
    }

    /// `spec.status.healthPolicy`.
    pub fn health_policy(&self) -> Option<&str> {
        self.spec_str(&["status", "healthPolicy"])
    }

    /// `spec.status.customStatus`.
    pub fn custom_status(&self) -> Option<&str> {
        self.spec_str(&["status", "customStatus"])
    }

    /// `spec.appliesToWorkloads` (traits).
    pub fn applies_to(&self) -> Vec<String> {
        self.spec_strings("appliesToWorkloads")
    }

    /// `spec.conflictsWith` (traits).
    pub fn conflicts_with(&self) -> Vec<String> {
        self.spec_strings("conflictsWith")
    }

    /// `spec.podDisruptive` (traits).
    pub fn pod_disruptive(&self) -> bool {
        self.spec
            .get("podDisruptive")
            .and_then(Json::as_bool)
            .unwrap_or(false)
    }

    /// `spec.stage` (traits): `PreDispatch`, `DefaultDispatch` or `PostDispatch`.
    pub fn stage(&self) -> &str {
        self.spec_str(&["stage"]).unwrap_or("DefaultDispatch")
    }
}

/// All definitions known to one run.
///
/// Built-ins are parsed lazily: a run that renders two component types reads
/// two files, not the whole catalogue. Their path names them
/// (`component/webservice.cue` defines the component `webservice`), which a
/// test checks for every embedded file.
#[derive(Debug, Default)]
pub struct Catalog {
    defs: BTreeMap<(DefKind, String), Slot>,
}

#[derive(Debug)]
enum Slot {
    Builtin(&'static str, &'static str),
    Loaded(Rc<Definition>),
}

fn kind_of_dir(dir: &str) -> Option<DefKind> {
    match dir {
        "component" => Some(DefKind::Component),
        "trait" => Some(DefKind::Trait),
        "policy" => Some(DefKind::Policy),
        "workflowstep" => Some(DefKind::WorkflowStep),
        _ => None,
    }
}

impl Catalog {
    /// The built-in catalogue (nothing parsed yet).
    pub fn builtin() -> Catalog {
        let mut c = Catalog::default();
        for (path, text) in builtin::FILES {
            let Some((dir, file)) = path.split_once('/') else {
                continue;
            };
            let (Some(kind), Some(name)) = (kind_of_dir(dir), file.strip_suffix(".cue")) else {
                continue;
            };
            c.defs
                .insert((kind, name.to_string()), Slot::Builtin(path, text));
        }
        c
    }

    /// An empty catalogue.
    pub fn empty() -> Catalog {
        Catalog::default()
    }

    fn insert(&mut self, raw: RawDefinition, origin: Origin) {
        let key = (raw.kind, raw.name.clone());
        self.defs
            .insert(key, Slot::Loaded(Rc::new(Definition::new(raw, origin))));
    }

    /// Adds the definitions in a file or directory (recursively, `.cue`,
    /// `.yaml` and `.yml` files in name order), overriding earlier ones.
    pub fn load_path(
        &mut self,
        sources: &mut SourceMap,
        path: &Path,
    ) -> Result<(), Vec<Diagnostic>> {
        let mut files = Vec::new();
        collect(path, &mut files, true).map_err(|e| vec![Diagnostic::error(e)])?;
        for f in files {
            let text = std::fs::read_to_string(&f)
                .map_err(|e| vec![Diagnostic::error(format!("{}: {e}", f.display()))])?;
            let id = sources.add(f.display().to_string(), text);
            let is_cue = f.extension().is_some_and(|e| e == "cue");
            if is_cue {
                let raw = source::from_cue(sources, id).map_err(|e| e.to_diagnostics())?;
                self.insert(raw, Origin::File(f.clone()));
            } else {
                let docs = crate::yaml::parse_documents(sources, id).map_err(|d| vec![d])?;
                for doc in &docs {
                    let raw =
                        source::from_yaml(sources, id, doc).map_err(|e| e.to_diagnostics())?;
                    self.insert(raw, Origin::File(f.clone()));
                }
            }
        }
        Ok(())
    }

    /// Adds definitions given as objects (`ComponentDefinition`, …, as a
    /// plan records them), overriding earlier ones.
    pub fn load_objects(
        &mut self,
        sources: &mut SourceMap,
        name: &str,
        objects: &[Json],
    ) -> Result<(), Vec<Diagnostic>> {
        for o in objects {
            let id = sources.add(name.to_string(), o.to_string());
            let docs = crate::yaml::parse_documents(sources, id).map_err(|d| vec![d])?;
            for doc in &docs {
                let raw = source::from_yaml(sources, id, doc).map_err(|e| e.to_diagnostics())?;
                self.insert(raw, Origin::File(PathBuf::from(name)));
            }
        }
        Ok(())
    }

    /// A definition by kind and name, parsed on first request.
    pub fn get(
        &mut self,
        sources: &mut SourceMap,
        kind: DefKind,
        name: &str,
    ) -> Result<Option<Rc<Definition>>, Vec<Diagnostic>> {
        let key = (kind, name.to_string());
        let Some(slot) = self.defs.get(&key) else {
            return Ok(None);
        };
        let def = match slot {
            Slot::Loaded(d) => return Ok(Some(d.clone())),
            Slot::Builtin(path, text) => {
                let id = sources.add(format!("definitions/{path}"), *text);
                let raw = source::from_cue(sources, id).map_err(|e| e.to_diagnostics())?;
                if raw.kind != kind || raw.name != name {
                    return Err(vec![Diagnostic::error(format!(
                        "built-in definitions/{path} defines {} {:?}; its path says {} {name:?}",
                        raw.kind.source_type(),
                        raw.name,
                        kind.source_type()
                    ))]);
                }
                Rc::new(Definition::new(raw, Origin::Builtin((*path).to_string())))
            }
        };
        self.defs.insert(key, Slot::Loaded(def.clone()));
        Ok(Some(def))
    }

    /// Every definition, by kind then name (parsing all built-ins).
    pub fn all(&mut self, sources: &mut SourceMap) -> Result<Vec<Rc<Definition>>, Vec<Diagnostic>> {
        let keys: Vec<_> = self.defs.keys().cloned().collect();
        let mut out = Vec::new();
        for (k, n) in keys {
            out.extend(self.get(sources, k, &n)?);
        }
        Ok(out)
    }

    /// The definitions this run has used so far (parsed), by kind then name.
    pub fn used(&self) -> Vec<Rc<Definition>> {
        self.defs
            .values()
            .filter_map(|s| match s {
                Slot::Loaded(d)
                    if matches!(d.origin, Origin::Builtin(_))
                        || d.program.get().is_some()
                        || d.schema.get().is_some() =>
                {
                    Some(d.clone())
                }
                _ => None,
            })
            .collect()
    }

    /// Names of one kind (for "did you mean" hints).
    pub fn names(&self, kind: DefKind) -> Vec<&str> {
        self.defs
            .keys()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| n.as_str())
            .collect()
    }

    /// Whether a definition of that kind and name exists.
    pub fn contains(&self, kind: DefKind, name: &str) -> bool {
        self.defs.contains_key(&(kind, name.to_string()))
    }
}

/// The violations one validation error stands for. When no alternative of a
/// disjunction fits, the alternative that came closest (fewest errors, then
/// the deepest) speaks for it, so the message names the field that is wrong
/// rather than the whole value.
fn violations(e: &jsonschema::ValidationError<'_>, props: &Json, out: &mut Vec<SchemaViolation>) {
    use jsonschema::error::ValidationErrorKind as K;
    if let K::AnyOf { context } | K::OneOfNotValid { context } = e.kind() {
        let depth = |errs: &Vec<jsonschema::ValidationError<'static>>| {
            errs.iter()
                .map(|x| x.instance_path().as_str().len())
                .max()
                .unwrap_or(0)
        };
        let best = context
            .iter()
            .filter(|errs| !errs.is_empty())
            .min_by_key(|errs| (errs.len(), std::cmp::Reverse(depth(errs))));
        if let Some(errs) = best.filter(|errs| depth(errs) > e.instance_path().as_str().len()) {
            for x in errs {
                violations(x, props, out);
            }
            return;
        }
    }
    let at = e.instance_path().as_str();
    out.push(SchemaViolation {
        path: pointer_segments(at),
        message: violation_message(e, props, at),
        missing: match e.kind() {
            K::Required { property } => property.as_str().map(String::from),
            _ => None,
        },
        unexpected: match e.kind() {
            K::AdditionalProperties { unexpected } => unexpected.clone(),
            _ => Vec::new(),
        },
    });
}

/// A schema and the alternatives and conjuncts inside it.
fn schema_parts(s: &Json) -> Vec<&Json> {
    let mut out = vec![s];
    for k in ["allOf", "anyOf"] {
        if let Some(a) = s.get(k).and_then(Json::as_array) {
            out.extend(a.iter().flat_map(schema_parts));
        }
    }
    out
}

fn pointer_segments(p: &str) -> Vec<String> {
    p.split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn kind_name(v: Option<&Json>) -> &'static str {
    match v {
        None => "nothing",
        Some(Json::Null) => "null",
        Some(Json::Bool(_)) => "bool",
        Some(Json::Number(n)) if n.is_i64() || n.is_u64() => "int",
        Some(Json::Number(_)) => "number",
        Some(Json::String(_)) => "string",
        Some(Json::Array(_)) => "list",
        Some(Json::Object(_)) => "map",
    }
}

/// A schema violation in words close to CUE's.
fn violation_message(e: &jsonschema::ValidationError<'_>, props: &Json, at: &str) -> String {
    use jsonschema::error::{TypeKind, ValidationErrorKind as K};
    let found = props.pointer(at);
    let shown = found.map(|v| v.to_string()).unwrap_or_default();
    match e.kind() {
        K::Required { property } => format!("missing required property {property}"),
        K::Type { kind } => {
            let want = match kind {
                TypeKind::Single(t) => format!("{t:?}").to_lowercase(),
                TypeKind::Multiple(ts) => format!("{ts:?}").to_lowercase(),
            };
            let want = want
                .replace("integer", "int")
                .replace("object", "map")
                .replace("array", "list")
                .replace("boolean", "bool");
            format!("expected {want}, found {} {shown}", kind_name(found))
        }
        K::AdditionalProperties { unexpected } => format!(
            "field{} not allowed: {}",
            if unexpected.len() > 1 { "s" } else { "" },
            unexpected.join(", ")
        ),
        K::Enum { options } => format!("{shown} is not one of {options}"),
        K::Constant { expected_value } => format!("expected {expected_value}, found {shown}"),
        K::Minimum { limit } => format!("{shown} is less than the minimum {limit}"),
        K::ExclusiveMinimum { limit } => format!("{shown} must be greater than {limit}"),
        K::Maximum { limit } => format!("{shown} is greater than the maximum {limit}"),
        K::ExclusiveMaximum { limit } => format!("{shown} must be less than {limit}"),
        K::Pattern { pattern } => format!("{shown} does not match {pattern:?}"),
        K::MaxItems { limit } => format!("expected at most {limit} items"),
        K::MinItems { limit } => format!("expected at least {limit} items"),
        K::AnyOf { context } | K::OneOfNotValid { context } => {
            // Alternatives that each fail on one simple check read as "expected A or B".
            let wants: Option<Vec<String>> = context
                .iter()
                .map(|errs| match errs.as_slice() {
                    [one] => match one.kind() {
                        K::Type {
                            kind: TypeKind::Single(t),
                        } => Some(format!("{t:?}").to_lowercase()),
                        K::Constant { expected_value } => Some(expected_value.to_string()),
                        K::Enum { options } => Some(format!("one of {options}")),
                        K::Pattern { pattern } => Some(format!("a string matching {pattern:?}")),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            match wants {
                Some(w) if !w.is_empty() => {
                    let w = w
                        .join(" or ")
                        .replace("integer", "int")
                        .replace("object", "map")
                        .replace("array", "list")
                        .replace("boolean", "bool");
                    format!("expected {w}, found {} {shown}", kind_name(found))
                }
                _ => format!("{shown} matches none of the allowed forms"),
            }
        }
        // `!=` and `!~` bounds, as CUE words them.
        K::Not { schema } => match (schema.get("const"), schema.get("pattern")) {
            (Some(v), _) => format!("invalid value {shown} (out of bound !={v})"),
            (_, Some(Json::String(re))) => {
                format!(
                    "invalid value {shown} (out of bound !~{})",
                    Json::from(re.as_str())
                )
            }
            _ => format!("invalid value {shown} (matches a form that is not allowed)"),
        },
        // The validator's own words for the rest, never a Debug dump.
        _ => e.to_string(),
    }
}

fn collect(path: &Path, out: &mut Vec<PathBuf>, explicit: bool) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            collect(&e, out, false)?;
        }
    } else if explicit
        || path
            .extension()
            .is_some_and(|e| e == "cue" || e == "yaml" || e == "yml")
    {
        out.push(path.to_path_buf());
    }
    Ok(())
}

#[cfg(test)]
mod tests;
