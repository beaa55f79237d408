//! Evaluating one template with its `parameter` and `context`.
//!
//! Upstream concatenates template text, `parameter: <json>` and
//! `context: <json>` and compiles the lot for every render. velac compiles the
//! template once (see [`crate::definition`]) and injects both values as data
//! into a fresh evaluation, which is the same CUE value without re-parsing.

use crate::cue::eval::origin::Seg;
use crate::cue::eval::{DocTree, Engine, ExportErrors};
use crate::cue::label::Label;
use crate::cue::value::VId;
use crate::cue::{add_program, inject_json};
use crate::definition::Definition;
use crate::diag::Diagnostic;
use crate::source::{SourceMap, Span};
use serde_json::Value as Json;

/// What a template produced.
pub(crate) struct Evaluated {
    engine: Engine,
    root: VId,
}

/// A template failed: CUE diagnostics, or the template's own `errs`.
pub(crate) enum EvalFailure {
    /// CUE errors (compile, conflict, incomplete output, …).
    Cue(Vec<Diagnostic>),
    /// Non-empty `errs`.
    User(Vec<String>),
}

/// Evaluates a definition's template with `parameter` and `context`.
pub(crate) fn evaluate(
    def: &Definition,
    sources: &mut SourceMap,
    parameter: &Json,
    param_span: Span,
    context: &Json,
    context_span: Span,
    check_errs: bool,
) -> Result<Evaluated, EvalFailure> {
    let program = def.program(sources).map_err(EvalFailure::Cue)?;
    let mut engine = Engine::new();
    let root = engine.new_root();
    add_program(&mut engine, root, &program);
    inject_json(&mut engine, root, "parameter", parameter, param_span);
    inject_json(&mut engine, root, "context", context, context_span);
    let mut ev = Evaluated { engine, root };
    // `errs` first: a template reports its own problems there, and they read
    // better than the conflicts they usually cause.
    if let Some(errs) = ev.field("errs").filter(|_| check_errs)
        && let Ok(Json::Array(items)) = ev.engine.export(errs)
    {
        let msgs: Vec<String> = items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), String::from))
            .collect();
        if !msgs.is_empty() {
            return Err(EvalFailure::User(msgs));
        }
    }
    // Upstream's `Validate()`: any error anywhere fails, incompleteness does not.
    if let Err(e) = ev.engine.check(root) {
        let real: Vec<_> = e.0.into_iter().filter(|x| !x.incomplete).collect();
        if !real.is_empty() {
            return Err(EvalFailure::Cue(diagnostics(&ExportErrors(real))));
        }
    }
    Ok(ev)
}

impl Evaluated {
    /// A top-level regular field.
    pub fn field(&mut self, name: &str) -> Option<VId> {
        self.engine.lookup_field(self.root, Label::from_ident(name))
    }

    /// Exports a field; `Ok(None)` when the template has no such field.
    pub fn export(&mut self, name: &str) -> Result<Option<Json>, Vec<Diagnostic>> {
        let Some(v) = self.field(name) else {
            return Ok(None);
        };
        self.engine.export(v).map(Some).map_err(|e| diagnostics(&e))
    }

    /// Exports the regular fields of a struct field one by one, ignoring
    /// incompleteness of the struct itself.
    pub fn export_fields(&mut self, name: &str) -> Result<Option<Json>, Vec<Diagnostic>> {
        let Some(v) = self.field(name) else {
            return Ok(None);
        };
        let mut out = serde_json::Map::new();
        for (k, a) in self.engine.regular_fields(v) {
            let j = self.engine.export(a).map_err(|e| diagnostics(&e))?;
            out.insert(k, j);
        }
        Ok(Some(Json::Object(out)))
    }

    /// Exports a field together with its comments (for patches).
    pub fn export_with_docs(
        &mut self,
        name: &str,
    ) -> Result<Option<(Json, DocTree)>, Vec<Diagnostic>> {
        let Some(v) = self.field(name) else {
            return Ok(None);
        };
        let j = self.engine.export(v).map_err(|e| diagnostics(&e))?;
        Ok(Some((j, self.engine.doc_tree(v))))
    }
}

impl Evaluated {
    /// Records where each value of the injected `parameter` was written
    /// (its node in the application), so origins point at its own line.
    pub fn mark_data(&mut self, node: Option<&crate::yaml::Node>) {
        let Some(node) = node else { return };
        let Some(p) = self.field("parameter") else {
            return;
        };
        if let Some(root) = self.engine.data_root(p) {
            self.mark(root, node);
        }
    }

    fn mark(&mut self, v: VId, node: &crate::yaml::Node) {
        use crate::yaml::Kind;
        self.engine.set_data_span(v, node.span);
        match &node.kind {
            Kind::Map(m) => {
                for (k, child) in m {
                    if let Some(a) = self.engine.lookup_label(v, Label::string(&k.name)) {
                        self.engine.set_key_span(a, k.span);
                        self.mark(a, child);
                    }
                }
            }
            Kind::Seq(items) => {
                for (i, child) in items.iter().enumerate() {
                    if let Some(a) = self.engine.lookup_label(v, Label::Index(i as u32)) {
                        self.mark(a, child);
                    }
                }
            }
            _ => {}
        }
    }

    /// The origins of the leaves under a path of regular fields
    /// (`["outputs", "service"]`); empty when there is no such field.
    pub fn origins_at(&mut self, path: &[&str]) -> Vec<(Vec<Seg>, Vec<Span>)> {
        let mut v = self.root;
        for p in path {
            match self.engine.lookup_field(v, Label::string(p)) {
                Some(a) => v = a,
                None => return Vec::new(),
            }
        }
        self.engine.leaf_origins(v)
    }
}

fn diagnostics(errs: &ExportErrors) -> Vec<Diagnostic> {
    errs.0
        .iter()
        .map(|e| {
            let mut d = Diagnostic::error(e.msg.clone()).with_path(e.path.clone());
            d.spans = e.spans.clone();
            d
        })
        .collect()
}
