//! Reading one definition from its two source forms.
//!
//! * `.cue` in `vela def` layout: a metadata field `<name>: {type, description,
//!   attributes, …}` and `template: {…}`, imports at the top.
//! * YAML objects (`ComponentDefinition`, `TraitDefinition`,
//!   `PolicyDefinition`, `WorkflowStepDefinition`) holding the template as the
//!   string `spec.schematic.cue.template`.
//!
//! Either way the template is compiled from a text that keeps the original
//! byte offsets (everything outside the template is blanked, a YAML block is
//! re-indented in place), so every template error points at the line the user
//! wrote.

use super::{DefKind, DefinitionError, RawDefinition};
use crate::cue::ast;
use crate::source::{FileId, SourceMap, Span};
use crate::yaml::{Kind, Node};
use serde_json::{Map, Value as Json};

/// Reads a `.cue` definition file.
pub(crate) fn from_cue(
    sources: &mut SourceMap,
    file: FileId,
) -> Result<RawDefinition, DefinitionError> {
    let text = sources.file(file).text.clone();
    let name = sources.file(file).name.clone();
    let ast = crate::cue::parser::parse_file(file, &text)
        .map_err(|e| DefinitionError::Cue(vec![e.to_diagnostic()]))?;
    let mut template = None;
    let mut meta = Vec::new();
    for d in &ast.decls {
        match d {
            ast::Decl::Field(f) => match label_text(&f.label) {
                Some(l) if l == "template" => template = Some(f),
                Some(_) => meta.push(f),
                None => {
                    return Err(DefinitionError::at(
                        "a definition file holds a metadata field and `template` only",
                        f.span,
                    ));
                }
            },
            ast::Decl::Attribute(_) => {}
            other => {
                return Err(DefinitionError::at(
                    "a definition file holds a metadata field and `template` only",
                    decl_span(other),
                ));
            }
        }
    }
    let (Some(tpl), [m]) = (template, meta.as_slice()) else {
        let msg = if template.is_none() {
            "missing `template: {...}`".to_string()
        } else {
            format!(
                "expected one metadata field besides `template`, found {}",
                meta.len()
            )
        };
        return Err(DefinitionError::at(msg, ast.span));
    };
    let def_name = label_text(&m.label).unwrap_or_default();
    if !matches!(
        tpl.value.kind,
        ast::ExprKind::Struct(_) | ast::ExprKind::JsonText(_) | ast::ExprKind::JsonObject(_)
    ) {
        return Err(DefinitionError::at(
            "`template` must be a struct",
            tpl.value.span,
        ));
    }
    let body = &tpl.value;
    // Metadata: imports + the metadata field, evaluated on their own.
    // The prologue (package clause, imports) runs up to the first declaration.
    let prologue = (
        0,
        ast.decls.first().map_or(0, |d| decl_span(d).start as usize),
    );
    // Imports only when the metadata needs them: a template may import a
    // provider package (`vela/helm`) that only matters once it is rendered.
    let meta_only = [(m.span.start as usize, m.span.end as usize)];
    let mut ev = match eval_meta(sources, &name, &text, &meta_only) {
        Ok(ev) => ev,
        Err(_) => eval_meta(sources, &name, &text, &[prologue, meta_only[0]])?,
    };
    let mv = ev
        .lookup_any(&def_name)
        .ok_or_else(|| DefinitionError::at("metadata field not found", m.span))?;
    let meta_json = ev
        .export(mv)
        .map_err(|e| DefinitionError::Cue(ev.diagnostics(&e)))?;
    // Template: imports + the body of `template`, braces blanked.
    // `template: {…}` keeps what is inside the braces; the shorthand
    // `template: output: {…}` keeps the whole value.
    let (bs, be) = (body.span.start as usize, body.span.end as usize);
    let braced = text.as_bytes().get(bs) == Some(&b'{') && be > bs + 1;
    let inner = if braced { (bs + 1, be - 1) } else { (bs, be) };
    let keep_tpl = [prologue, inner];
    let compile_text = blank_except(&text, &keep_tpl);
    let chart = chart_string(&text, &ast, inner);
    let Json::Object(meta_obj) = meta_json else {
        return Err(DefinitionError::at(
            "the metadata field must be a struct",
            m.span,
        ));
    };
    raw_from_meta(def_name, meta_obj, chart, compile_text, name, m.span)
}

fn eval_meta(
    sources: &mut SourceMap,
    name: &str,
    text: &str,
    keep: &[(usize, usize)],
) -> Result<crate::cue::Evaluation, DefinitionError> {
    let id = sources.add(name.to_string(), blank_except(text, keep));
    let programs = crate::cue::load_with(sources, &[id], &crate::step::packages::paths())
        .map_err(DefinitionError::Cue)?;
    Ok(crate::cue::Evaluation::new(&programs, SourceMap::new()))
}

/// The template as KubeVela stores it (`spec.schematic.cue.template`):
/// imports, then the body dedented.
fn chart_string(text: &str, file: &ast::File, inner: (usize, usize)) -> String {
    let mut out = String::new();
    for i in &file.imports {
        out.push_str(&format!(
            "import {}{:?}\n",
            i.name
                .as_ref()
                .map(|n| format!("{} ", n.name))
                .unwrap_or_default(),
            i.path
        ));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    let body = &text[inner.0..inner.1];
    let lines: Vec<&str> = body.lines().collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    for l in lines.iter().skip_while(|l| l.trim().is_empty()) {
        out.push_str(l.get(indent..).unwrap_or("").trim_end());
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn raw_from_meta(
    name: String,
    meta: Map<String, Json>,
    template: String,
    compile_text: String,
    file_name: String,
    span: Span,
) -> Result<RawDefinition, DefinitionError> {
    let ty = meta.get("type").and_then(Json::as_str).unwrap_or_default();
    let kind = match ty {
        "component" => DefKind::Component,
        "trait" => DefKind::Trait,
        "policy" => DefKind::Policy,
        "workflow-step" => DefKind::WorkflowStep,
        other => {
            return Err(DefinitionError::at(
                format!(
                    "{name}.type: expected \"component\", \"trait\", \"policy\" or \"workflow-step\", found {other:?}"
                ),
                span,
            ));
        }
    };
    let str_map = |k: &str| -> Vec<(String, String)> {
        meta.get(k)
            .and_then(Json::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), String::from),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    // `vela def render` keeps `*.oam.dev` keys and files the rest under a prefix.
    let prefixed = |m: Vec<(String, String)>| -> Vec<(String, String)> {
        m.into_iter()
            .map(|(k, v)| {
                if k.contains("oam.dev") {
                    (k, v)
                } else {
                    (format!("custom.definition.oam.dev/{k}"), v)
                }
            })
            .collect()
    };
    let mut annotations = prefixed(str_map("annotations"));
    let description = meta
        .get("description")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string();
    if !description.is_empty() {
        annotations.push(("definition.oam.dev/description".into(), description.clone()));
    }
    if let Some(alias) = meta
        .get("alias")
        .and_then(Json::as_str)
        .filter(|a| !a.is_empty())
    {
        annotations.push(("definition.oam.dev/alias".into(), alias.to_string()));
    }
    let spec = meta
        .get("attributes")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    Ok(RawDefinition {
        name,
        kind,
        description,
        labels: prefixed(str_map("labels")),
        annotations,
        spec,
        template,
        compile_text,
        file_name,
    })
}

/// Reads a definition object from YAML.
pub(crate) fn from_yaml(
    sources: &SourceMap,
    file: FileId,
    doc: &Node,
) -> Result<RawDefinition, DefinitionError> {
    let kind_s = doc.get("kind").and_then(Node::as_str).unwrap_or_default();
    let kind = match kind_s {
        "ComponentDefinition" => DefKind::Component,
        "TraitDefinition" => DefKind::Trait,
        "PolicyDefinition" => DefKind::Policy,
        "WorkflowStepDefinition" => DefKind::WorkflowStep,
        other => {
            return Err(DefinitionError::at(
                format!(
                    "kind: expected ComponentDefinition, TraitDefinition, PolicyDefinition or WorkflowStepDefinition, found {other:?}"
                ),
                doc.get("kind").unwrap_or(doc).span,
            ));
        }
    };
    let meta = doc.get("metadata");
    let name = meta
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str)
        .ok_or_else(|| DefinitionError::at("metadata.name: missing required field", doc.span))?
        .to_string();
    let pairs = |k: &str| -> Vec<(String, String)> {
        match meta.and_then(|m| m.get(k)).map(|n| &n.kind) {
            Some(Kind::Map(m)) => m
                .iter()
                .map(|(k, v)| (k.name.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect(),
            _ => Vec::new(),
        }
    };
    let annotations = pairs("annotations");
    let description = annotations
        .iter()
        .find(|(k, _)| k == "definition.oam.dev/description")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let spec_node = doc
        .get("spec")
        .ok_or_else(|| DefinitionError::at("spec: missing required field", doc.span))?;
    let tpl_node = spec_node
        .get("schematic")
        .and_then(|s| s.get("cue"))
        .and_then(|c| c.get("template"))
        .ok_or_else(|| {
            DefinitionError::at(
                "spec.schematic.cue.template: missing (only CUE schematics are supported)",
                spec_node.span,
            )
        })?;
    let template = tpl_node
        .as_str()
        .ok_or_else(|| {
            DefinitionError::at(
                "spec.schematic.cue.template: expected a string",
                tpl_node.span,
            )
        })?
        .to_string();
    let text = &sources.file(file).text;
    let compile_text =
        in_place(text, tpl_node.span.start as usize, &template).unwrap_or_else(|| template.clone());
    let mut spec = match spec_node.to_json() {
        Json::Object(m) => m,
        _ => Map::new(),
    };
    spec.remove("schematic");
    Ok(RawDefinition {
        name,
        kind,
        description,
        labels: pairs("labels"),
        annotations,
        spec,
        template,
        compile_text,
        file_name: sources.file(file).name.clone(),
    })
}

/// Lays a YAML block scalar's content back over blank lines at its original
/// lines and columns, so template positions are YAML positions. `None` when
/// the string is not a plain block (quoted, folded), which then compiles
/// with positions relative to the template.
fn in_place(text: &str, at: usize, template: &str) -> Option<String> {
    let tpl_lines: Vec<&str> = template.lines().collect();
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let at_line_no = text[..line_start].matches('\n').count();
    let lines: Vec<&str> = text.lines().collect();
    // The crate reports either the `|` indicator's line or the first content line.
    [at_line_no + 1, at_line_no]
        .into_iter()
        .find_map(|first| lay_over(&lines, first, &tpl_lines))
}

/// The template laid over `lines` from line index `first`, if it matches there.
fn lay_over(lines: &[&str], first: usize, tpl_lines: &[&str]) -> Option<String> {
    let body = lines.get(first..)?;
    if body.len() < tpl_lines.len() {
        return None;
    }
    let indent = body
        .iter()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())?;
    for (t, b) in tpl_lines.iter().zip(body) {
        let same = b.get(indent..).unwrap_or("").trim_end() == t.trim_end();
        if !(same || t.trim().is_empty() && b.trim().is_empty()) {
            return None;
        }
    }
    let mut out = "\n".repeat(first);
    for t in tpl_lines {
        if !t.is_empty() {
            out.push_str(&" ".repeat(indent));
            out.push_str(t);
        }
        out.push('\n');
    }
    Some(out)
}

/// The text with everything outside `keep` (byte ranges) replaced by spaces,
/// newlines kept, so offsets and line numbers stay those of the file.
pub(crate) fn blank_except(text: &str, keep: &[(usize, usize)]) -> String {
    text.char_indices()
        .map(|(i, c)| {
            if c.is_whitespace() || keep.iter().any(|&(a, b)| i >= a && i < b) {
                c
            } else {
                ' '
            }
        })
        .collect()
}

fn label_text(l: &ast::Label) -> Option<String> {
    match &l.kind {
        ast::LabelKind::Ident(s) | ast::LabelKind::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn decl_span(d: &ast::Decl) -> Span {
    match d {
        ast::Decl::Field(f) => f.span,
        ast::Decl::Embed(e) => e.span,
        ast::Decl::Comprehension(c) => c.span,
        ast::Decl::Let(l) => l.span,
        ast::Decl::Ellipsis(_, s) => *s,
        ast::Decl::Attribute(a) => a.span,
    }
}
