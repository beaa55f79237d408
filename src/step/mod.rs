//! The workflow step engine: a step is its definition's CUE template,
//! evaluated with `parameter` (the step's properties, inputs applied) and
//! `context`; the provider calls found in it run one at a time, each result
//! filled back at the call's path and the whole value evaluated again, until
//! no call is left or an action (wait, suspend, fail, break) stops the run.
//!
//! Pure apart from the [`Host`] it is given, which carries out the calls
//! (the applier's implementation talks to clusters, HTTP endpoints and SMTP
//! servers, and keeps variables and suspend times in the state). `cue` still
//! knows nothing of KubeVela: this module drives it through the same
//! evaluate/export API rendering uses, plus the provider packages of
//! [`packages`].

pub mod calls;
pub mod dataflow;
pub mod fill;
pub mod legacy;
pub mod packages;
mod vet;

pub use vet::vet;

use crate::cue::Evaluation;
use crate::cue::ir::Program;
use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap, Span};
use legacy::{Func, Style};
use serde_json::{Map, Value as Json, json};
use std::rc::Rc;

/// Calls one run executes at most (a template that keeps producing calls is
/// stopped rather than run forever).
pub const MAX_CALLS: usize = 500;
/// How deep calls are searched for below the template's root.
pub(crate) const MAX_CALL_DEPTH: usize = 24;

/// A step definition's template, compiled once.
#[derive(Clone, Debug)]
pub struct Template {
    /// The step type.
    pub name: String,
    program: Rc<Program>,
    /// Top-level field names (output expressions refer to them).
    fields: Vec<String>,
    /// Import paths (only these packages are loaded).
    imports: Vec<String>,
}

impl Template {
    /// Compiles a template as KubeVela stores it (imports, then the body).
    pub fn compile(name: &str, text: &str) -> Result<Template, Vec<Diagnostic>> {
        let mut sources = SourceMap::new();
        // Templates may refer to both before they are given.
        let id = sources.add(
            format!("workflowstep/{name}"),
            format!("{text}\ncontext: _\nparameter: _\n"),
        );
        let program = crate::cue::load_with(&sources, &[id], &packages::paths())
            .map_err(|d| render_diags(&sources, d))?
            .remove(0);
        let (fields, imports) = crate::cue::parser::parse_file(id, &sources.file(id).text)
            .map(|a| {
                (
                    top_fields(&a.decls),
                    a.imports.iter().map(|i| i.path.clone()).collect(),
                )
            })
            .unwrap_or_default();
        Ok(Template {
            name: name.into(),
            program,
            fields,
            imports,
        })
    }
}

/// Labels a template declares at its top, also inside top-level `if` and
/// `for` bodies (`if … { response: … }`): what an output may refer to.
fn top_fields(decls: &[crate::cue::ast::Decl]) -> Vec<String> {
    use crate::cue::ast::{Decl, LabelKind};
    let mut out = Vec::new();
    for d in decls {
        match d {
            Decl::Field(f) => match &f.label.kind {
                LabelKind::Ident(n) => out.push(n.clone()),
                LabelKind::String(s) if crate::cue::label::is_identifier(s) => out.push(s.clone()),
                _ => {}
            },
            Decl::Comprehension(c) => out.extend(top_fields(&c.body.decls)),
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

fn render_diags(sources: &SourceMap, ds: Vec<Diagnostic>) -> Vec<Diagnostic> {
    ds.into_iter()
        .map(|mut d| {
            if let Some(s) = d.spans.first()
                && d.spans.len() == 1
            {
                let f = sources.file(s.file);
                let (line, col) = f.line_col(s.start);
                d.message = format!("{} ({}:{line}:{col})", d.message, f.name);
            }
            d
        })
        .collect()
}

/// A provider call, as the host sees it.
#[derive(Clone, Debug)]
pub struct Call {
    /// The function.
    pub func: Func,
    /// The call's path in the template (`webhook.req`), for messages and for
    /// recognising the same call on the next run.
    pub path: String,
    /// Its parameters (`$params`, or a legacy call's own fields).
    pub params: Json,
    /// The comments of its `patch` parameter (`+patchKey`, …), for the
    /// functions that patch an object.
    pub patch_docs: Option<crate::cue::eval::DocTree>,
}

/// What a provider function gave back.
#[derive(Clone, Debug, Default)]
pub struct Reply {
    /// The results (`$returns`), if the function has any.
    pub returns: Option<Json>,
    /// Set when the function waits (a deploy whose services are not healthy
    /// yet): the step goes on but stays running, with this message.
    pub wait: Option<String>,
}

/// Carries out calls for the engine.
pub trait Host {
    /// Runs a provider function other than `vela/builtin`'s; `Err` is a
    /// failure of the call (the step fails with reason `Execute`).
    fn call(&mut self, call: &Call) -> Result<Reply, String>;
    /// A workflow variable (`builtin.#DoVar` Get).
    fn var_get(&mut self, path: &str) -> Option<Json>;
    /// Sets a workflow variable (`builtin.#DoVar` Put).
    fn var_put(&mut self, path: &str, value: Json) -> Result<(), String>;
    /// A `#Suspend` at `label`: `Ok(true)` when the step suspends now,
    /// `Ok(false)` when it was resumed (or its duration passed) and goes on.
    fn suspend(&mut self, label: &str, duration: Option<&str>) -> Result<bool, String>;
}

/// How a run of a step ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every call ran: the step succeeded.
    Succeeded,
    /// A wait: the step stays running and runs again later.
    Waiting,
    /// A `#Suspend`: the workflow suspends at this step.
    Suspended,
    /// `#Fail`: reason `Action`.
    Failed,
    /// `#Break`: the step succeeds with reason `Terminate` and the workflow
    /// ends.
    Broken,
    /// A call or the template failed (reason `Execute`; tried again).
    Error,
}

/// The result of one run.
#[derive(Clone, Debug)]
pub struct Run {
    /// How it ended.
    pub outcome: Outcome,
    /// The step's message.
    pub message: String,
    /// Outputs (`name`, value or why it has none), once the step finished.
    pub outputs: Vec<(String, Result<Json, String>)>,
    /// Calls executed.
    pub calls: usize,
}

/// `outputs[]` of a step.
#[derive(Clone, Debug)]
pub struct OutputSpec {
    /// Variable name.
    pub name: String,
    /// Path or CUE expression.
    pub value_from: String,
}

/// One evaluation of the template with what is known so far.
pub(crate) struct State<'a> {
    template: &'a Template,
    context: &'a Json,
    parameter: &'a Json,
    fills: Vec<Rc<Program>>,
    packages: Vec<(&'static str, Rc<Program>)>,
}

impl State<'_> {
    pub(crate) fn evaluate(&self, extra: Option<Rc<Program>>) -> Evaluation {
        self.evaluate_with(extra, &[])
    }

    /// [`State::evaluate`] with more packages importable (an output
    /// expression's own imports).
    pub(crate) fn evaluate_with(
        &self,
        extra: Option<Rc<Program>>,
        more: &[(&'static str, Rc<Program>)],
    ) -> Evaluation {
        let mut programs = vec![self.template.program.clone()];
        programs.extend(self.fills.iter().cloned());
        programs.extend(extra);
        let mut packages = self.packages.clone();
        packages.extend(more.iter().cloned());
        let mut ev = Evaluation::with_packages(&programs, &packages, SourceMap::new());
        let span = Span::new(FileId(0), 0, 0);
        let root = ev.root;
        crate::cue::inject_json(&mut ev.engine, root, "context", self.context, span);
        crate::cue::inject_json(&mut ev.engine, root, "parameter", self.parameter, span);
        ev
    }

    fn add_fill(&mut self, path: &[crate::cue::label::Label], value: &Json) -> Result<(), String> {
        let text = fill::text(path, value);
        let mut sources = SourceMap::new();
        let id = sources.add("<result>", text);
        let p = crate::cue::load(&sources, &[id])
            .map_err(|d| d.first().map_or_else(String::new, |d| d.message.clone()))?
            .remove(0);
        self.fills.push(p);
        Ok(())
    }
}

/// Up to three export errors as one line (`path: message`).
pub(crate) fn export_errors(_ev: &Evaluation, e: &crate::cue::eval::ExportErrors) -> String {
    e.0.iter()
        .take(3)
        .map(|x| {
            if x.path.is_empty() {
                x.msg.clone()
            } else {
                format!("{}: {}", x.path, x.msg)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
        + if e.0.len() > 3 { " (and more)" } else { "" }
}

/// A legacy call's parameters: its regular fields, leaving out result
/// fields that are not filled yet.
fn legacy_params(ev: &mut Evaluation, site: &calls::Site, f: Func) -> Result<Json, String> {
    let mut out = Map::new();
    for k in ev.children(site.vertex) {
        let Some(name) = k.label.str() else { continue };
        if k.optional {
            continue;
        }
        match ev.export(k.vertex) {
            Ok(v) => {
                out.insert(name.to_string(), v);
            }
            Err(e) if legacy::legacy_results(f).contains(&name) && e.all_incomplete() => {}
            Err(e) => return Err(format!("{name}: {}", export_errors(ev, &e))),
        }
    }
    Ok(Json::Object(out))
}

fn params(ev: &mut Evaluation, site: &calls::Site, f: Func) -> Result<Json, String> {
    if f.style == Style::Legacy {
        return legacy_params(ev, site, f);
    }
    let p = ev
        .children(site.vertex)
        .into_iter()
        .find(|k| k.label.str() == Some("$params"));
    match p {
        None => Ok(json!({})),
        Some(k) => ev
            .export(k.vertex)
            .map_err(|e| format!("$params: {}", export_errors(ev, &e))),
    }
}

/// A `wait`'s `continue`: an incomplete condition (a field that is not there
/// yet, such as a status the controller has not written) means "not yet",
/// where KubeVela fails the step and retries it.
fn wait_continue(
    ev: &mut Evaluation,
    site: &calls::Site,
    f: Func,
) -> Result<(bool, Option<String>), String> {
    let holder = if f.style == Style::Legacy {
        Some(site.vertex)
    } else {
        ev.children(site.vertex)
            .into_iter()
            .find(|k| k.label.str() == Some("$params"))
            .map(|k| k.vertex)
    };
    let Some(h) = holder else {
        return Ok((false, None));
    };
    let mut cont = false;
    let mut message = None;
    for k in ev.children(h) {
        match k.label.str() {
            Some("continue") => match ev.export(k.vertex) {
                Ok(Json::Bool(b)) => cont = b,
                Ok(other) => return Err(format!("continue is {other}, not a bool")),
                Err(e) if e.all_incomplete() => {}
                Err(e) => return Err(format!("continue: {}", export_errors(ev, &e))),
            },
            Some("message") => message = ev.string_at(k.vertex),
            _ => {}
        }
    }
    Ok((cont, message))
}

/// The comments of a patching call's `patch` (they carry the strategies).
fn patch_docs(
    ev: &mut Evaluation,
    site: &calls::Site,
    f: Func,
) -> Option<crate::cue::eval::DocTree> {
    if !matches!(
        (f.provider, f.name),
        ("kube", "patch") | ("util", "patch-k8s-object")
    ) {
        return None;
    }
    let holder = if f.style == Style::Legacy {
        site.vertex
    } else {
        ev.children(site.vertex)
            .into_iter()
            .find(|k| k.label.str() == Some("$params"))?
            .vertex
    };
    let p = ev
        .children(holder)
        .into_iter()
        .find(|k| k.label.str() == Some("patch"))?;
    Some(ev.engine.doc_tree(p.vertex))
}

fn str_param<'a>(p: &'a Json, key: &str) -> Option<&'a str> {
    p.get(key).and_then(Json::as_str)
}

/// Runs a step: evaluates the template, executes its calls in order, and
/// evaluates `outputs` once the step finished.
pub fn run(
    template: &Template,
    context: &Json,
    parameter: &Json,
    outputs: &[OutputSpec],
    host: &mut dyn Host,
) -> Run {
    let mut st = State {
        template,
        context,
        parameter,
        fills: Vec::new(),
        packages: packages::compiled_for(&template.imports),
    };
    let mut done: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut message = String::new();
    let mut waiting: Option<String> = None;
    // `$returns.err` of calls that reported one (a read that failed), said
    // when the step fails or waits because of it.
    let mut notes: Vec<String> = Vec::new();
    let mut executed = 0;
    let finish = |outcome: Outcome, message: String, executed: usize| Run {
        outcome,
        message,
        outputs: Vec::new(),
        calls: executed,
    };
    let finished = |st: &State, outcome: Outcome, message: String, executed: usize| Run {
        outputs: outputs
            .iter()
            .map(|o| (o.name.clone(), dataflow::output(st, &o.value_from)))
            .collect(),
        outcome,
        message,
        calls: executed,
    };
    let with_notes = |m: String, notes: &[String]| {
        if notes.is_empty() {
            m
        } else {
            format!("{m} ({})", notes.join("; "))
        }
    };
    loop {
        let mut ev = st.evaluate(None);
        let sites = calls::find(&mut ev, MAX_CALL_DEPTH);
        let Some(site) = sites
            .into_iter()
            .find(|s| !done.contains(&calls::path_text(&s.path)))
        else {
            // Nothing left to call: the template must now hold together.
            let root = ev.root;
            if let Some(e) = ev.errors(root) {
                let m = format!("step template: {}", export_errors(&ev, &e));
                return finish(Outcome::Error, with_notes(m, &notes), executed);
            }
            break;
        };
        if executed >= MAX_CALLS {
            return finish(
                Outcome::Error,
                format!("the template made more than {MAX_CALLS} provider calls in one run"),
                executed,
            );
        }
        let path = calls::path_text(&site.path);
        done.insert(path.clone());
        executed += 1;
        let func = match legacy::resolve(&site.provider, &site.do_) {
            Ok(f) => f,
            Err(e) => return finish(Outcome::Error, format!("{path}: {e}"), executed),
        };
        let label = site
            .path
            .last()
            .map_or_else(|| path.clone(), |l| l.to_string());
        if func.provider == "builtin" && func.name == "wait" {
            let (cont, msg) = match wait_continue(&mut ev, &site, func) {
                Ok(x) => x,
                Err(e) => {
                    let m = format!("{path} (builtin.wait): {e}");
                    return finish(Outcome::Error, with_notes(m, &notes), executed);
                }
            };
            if !cont {
                let m = msg.unwrap_or_default();
                return finish(Outcome::Waiting, with_notes(m, &notes), executed);
            }
            continue;
        }
        let p = match params(&mut ev, &site, func) {
            Ok(p) => p,
            Err(e) => {
                let m = format!("{path} ({}.{}): {e}", func.provider, func.name);
                return finish(Outcome::Error, with_notes(m, &notes), executed);
            }
        };
        let msg = str_param(&p, "message").map(str::to_string);
        let reply = match (func.provider, func.name) {
            ("builtin", "message") => {
                if let Some(m) = msg.filter(|m| !m.is_empty()) {
                    message = m;
                }
                Reply::default()
            }
            ("builtin", "fail") => {
                return finished(&st, Outcome::Failed, msg.unwrap_or_default(), executed);
            }
            ("builtin", "break") => {
                return finished(&st, Outcome::Broken, msg.unwrap_or_default(), executed);
            }
            ("builtin", "suspend") => match host.suspend(&path, str_param(&p, "duration")) {
                Ok(true) => {
                    let m = msg.unwrap_or_else(|| format!("Suspended by field {label}"));
                    return finish(Outcome::Suspended, m, executed);
                }
                Ok(false) => Reply::default(),
                Err(e) => return finish(Outcome::Error, format!("{path}: {e}"), executed),
            },
            ("builtin", "var") => {
                let key = str_param(&p, "path").unwrap_or_default().to_string();
                if str_param(&p, "method") == Some("Put") {
                    let value = p.get("value").cloned().unwrap_or(Json::Null);
                    if let Err(e) = host.var_put(&key, value) {
                        return finish(Outcome::Error, format!("{path}: {e}"), executed);
                    }
                    Reply::default()
                } else {
                    match host.var_get(&key) {
                        Some(v) => Reply {
                            returns: Some(json!({ "value": v })),
                            wait: None,
                        },
                        None => {
                            return finish(
                                Outcome::Error,
                                format!("{path}: variable {key:?} is not set"),
                                executed,
                            );
                        }
                    }
                }
            }
            _ => {
                let call = Call {
                    func,
                    path: path.clone(),
                    params: p,
                    patch_docs: patch_docs(&mut ev, &site, func),
                };
                match host.call(&call) {
                    Ok(r) => r,
                    Err(e) => {
                        let m = format!("{path} ({}.{}): {e}", func.provider, func.name);
                        return finish(Outcome::Error, with_notes(m, &notes), executed);
                    }
                }
            }
        };
        if let Some(w) = reply.wait {
            waiting = Some(w);
        }
        if let Some(r) = reply.returns {
            if let Some(e) = r
                .get("err")
                .and_then(Json::as_str)
                .filter(|e| !e.is_empty())
            {
                notes.push(format!("{path}: {e}"));
            }
            let value = match func.style {
                Style::Params => json!({ "$returns": r }),
                Style::Legacy => legacy::legacy_fill(func, &r),
            };
            if let Err(e) = st.add_fill(&site.path, &value) {
                return finish(
                    Outcome::Error,
                    format!("{path}: cannot use the result: {e}"),
                    executed,
                );
            }
        }
    }
    if let Some(w) = waiting {
        return finish(Outcome::Waiting, with_notes(w, &notes), executed);
    }
    finished(&st, Outcome::Succeeded, message, executed)
}

#[cfg(test)]
mod tests;
