//! `velac def list|show|vet|schema|render|eval`: the definition author's tools.

use super::render::{fail, load_catalog};
use super::{EXIT_FAIL, EXIT_OK, EXIT_USAGE};
use crate::definition::{Catalog, DefKind, Definition, Origin};
use crate::diag::Diagnostic;
use crate::source::{SourceMap, Span};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value as Json, json};
use std::path::PathBuf;
use std::rc::Rc;

#[derive(Subcommand)]
pub(super) enum DefCommand {
    /// List the catalogue (built-ins plus -d paths).
    List(ListArgs),
    /// Document a definition's parameters.
    Show(NameArgs),
    /// Check definition files: they parse, their template compiles, their schema builds.
    Vet(VetArgs),
    /// Print a definition's parameter schema (JSON Schema 2020-12).
    Schema(NameArgs),
    /// Turn a `.cue` definition into its Kubernetes object (YAML).
    Render(RenderDefArgs),
    /// Evaluate a template with a parameter and a context; print the raw result as JSON.
    Eval(EvalArgs),
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(super) enum KindArg {
    Component,
    Trait,
    Policy,
    #[value(name = "workflow-step")]
    WorkflowStep,
}

impl KindArg {
    fn kind(self) -> DefKind {
        match self {
            KindArg::Component => DefKind::Component,
            KindArg::Trait => DefKind::Trait,
            KindArg::Policy => DefKind::Policy,
            KindArg::WorkflowStep => DefKind::WorkflowStep,
        }
    }
}

#[derive(Args)]
pub(super) struct ListArgs {
    /// Definitions to add (file or directory; repeatable).
    #[arg(short = 'd', long = "definitions")]
    defs: Vec<PathBuf>,
}

#[derive(Args)]
pub(super) struct NameArgs {
    /// Definition name.
    name: String,
    /// Which kind, when several kinds share the name.
    #[arg(long = "kind", value_enum)]
    kind: Option<KindArg>,
    /// Definitions to add (file or directory; repeatable).
    #[arg(short = 'd', long = "definitions")]
    defs: Vec<PathBuf>,
}

#[derive(Args)]
pub(super) struct VetArgs {
    /// Definition files (`.cue` or YAML) or directories.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

#[derive(Args)]
pub(super) struct RenderDefArgs {
    /// A `.cue` definition file.
    file: PathBuf,
}

#[derive(Args)]
pub(super) struct EvalArgs {
    /// Definition name.
    name: String,
    /// Which kind, when several kinds share the name.
    #[arg(long = "kind", value_enum)]
    kind: Option<KindArg>,
    /// The parameter (JSON or YAML file).
    #[arg(long = "parameter")]
    parameter: Option<PathBuf>,
    /// The context (JSON or YAML file).
    #[arg(long = "context")]
    context: Option<PathBuf>,
    /// Definitions to add (file or directory; repeatable).
    #[arg(short = 'd', long = "definitions")]
    defs: Vec<PathBuf>,
}

pub(super) fn run(c: DefCommand) -> u8 {
    match c {
        DefCommand::List(a) => list(a),
        DefCommand::Show(a) => show(a),
        DefCommand::Vet(a) => vet(a),
        DefCommand::Schema(a) => schema(a),
        DefCommand::Render(a) => render_def(a),
        DefCommand::Eval(a) => eval(a),
    }
}

fn print(s: &str) -> u8 {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => EXIT_OK,
        Err(_) => EXIT_FAIL,
    }
}

fn list(a: ListArgs) -> u8 {
    let mut sources = SourceMap::new();
    let mut catalog = match load_catalog(&mut sources, &a.defs) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let all = match catalog.all(&mut sources) {
        Ok(a) => a,
        Err(d) => return fail(&d, &sources),
    };
    let rows: Vec<[String; 4]> = all
        .iter()
        .map(|d| {
            let src = match &d.origin {
                Origin::Builtin(_) => "built-in".to_string(),
                Origin::File(p) => p.display().to_string(),
            };
            [
                d.name.clone(),
                d.kind.source_type().to_string(),
                src,
                d.description.clone(),
            ]
        })
        .collect();
    print(&table(&["NAME", "TYPE", "SOURCE", "DESCRIPTION"], &rows))
}

/// A plain aligned table (the last column is not padded).
fn table(header: &[&str; 4], rows: &[[String; 4]]) -> String {
    let mut w = header.map(|h| h.chars().count());
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let line = |cells: [&str; 4]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i == 3 {
                s.push_str(c);
            } else {
                s.push_str(c);
                s.push_str(&" ".repeat(w[i] - c.chars().count() + 2));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(*header);
    for r in rows {
        out.push_str(&line([&r[0], &r[1], &r[2], &r[3]]));
    }
    out
}

/// Finds a definition by name (and kind, if given).
fn find(
    catalog: &mut Catalog,
    sources: &mut SourceMap,
    name: &str,
    kind: Option<KindArg>,
) -> Result<Rc<Definition>, Vec<Diagnostic>> {
    let kinds: Vec<DefKind> = match kind {
        Some(k) => vec![k.kind()],
        None => vec![
            DefKind::Component,
            DefKind::Trait,
            DefKind::Policy,
            DefKind::WorkflowStep,
        ],
    };
    let mut found = Vec::new();
    for k in kinds {
        if let Some(d) = catalog.get(sources, k, name)? {
            found.push(d);
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => {
            let mut names: Vec<&str> = Vec::new();
            for k in [
                DefKind::Component,
                DefKind::Trait,
                DefKind::Policy,
                DefKind::WorkflowStep,
            ] {
                names.extend(catalog.names(k));
            }
            let mut msg = format!("no definition named {name:?}");
            if let Some(s) = crate::model::nearest(name, &names) {
                msg.push_str(&format!(" (did you mean {s:?}?)"));
            }
            Err(vec![Diagnostic::error(msg)])
        }
        _ => Err(vec![Diagnostic::error(format!(
            "{name:?} names a {}; choose one with --kind",
            found
                .iter()
                .map(|d| d.kind.source_type())
                .collect::<Vec<_>>()
                .join(" and a ")
        ))]),
    }
}

fn with_def(
    name: &str,
    kind: Option<KindArg>,
    defs: &[PathBuf],
    f: impl FnOnce(&Definition, &mut SourceMap) -> Result<String, Vec<Diagnostic>>,
) -> u8 {
    let mut sources = SourceMap::new();
    let mut catalog = match load_catalog(&mut sources, defs) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let def = match find(&mut catalog, &mut sources, name, kind) {
        Ok(d) => d,
        Err(d) => return fail(&d, &sources),
    };
    match f(&def, &mut sources) {
        Ok(s) => print(&s),
        Err(d) => fail(&d, &sources),
    }
}

fn schema(a: NameArgs) -> u8 {
    with_def(&a.name, a.kind, &a.defs, |d, _| {
        let s = d.parameter_schema()?;
        Ok(serde_json::to_string_pretty(&s).expect("JSON serialises") + "\n")
    })
}

fn show(a: NameArgs) -> u8 {
    with_def(&a.name, a.kind, &a.defs, |d, _| {
        let s = d.parameter_schema()?;
        Ok(crate::definition::doc::markdown(d, &s))
    })
}

fn vet(a: VetArgs) -> u8 {
    let mut sources = SourceMap::new();
    for f in &a.files {
        if !f.exists() {
            eprintln!("velac: {} does not exist", f.display());
            return EXIT_USAGE;
        }
        let mut catalog = Catalog::empty();
        if let Err(d) = catalog.load_path(&mut sources, f) {
            return fail(&d, &sources);
        }
        let all = match catalog.all(&mut sources) {
            Ok(a) => a,
            Err(d) => return fail(&d, &sources),
        };
        let mut notes = Vec::new();
        for d in &all {
            if let Err(e) = d.parameter_schema() {
                return fail(&e, &sources);
            }
            if let Err(e) = d.program(&mut sources) {
                // Workflow steps import KubeVela's runtime providers (`vela/kube`, …),
                // which velac's plan and applier implement natively.
                let providers: Vec<&str> = e
                    .iter()
                    .filter_map(|x| x.message.strip_prefix("package \"vela/"))
                    .filter_map(|m| m.split_once('"').map(|(p, _)| p))
                    .collect();
                if providers.len() != e.len() {
                    return fail(&e, &sources);
                }
                notes.push(format!(
                    "{}: imports the KubeVela runtime package vela/{}; parameter schema checked, template not evaluated",
                    d.name,
                    providers.join(", vela/")
                ));
            }
        }
        println!("Validation {} succeed.", f.display());
        for n in notes {
            println!("  note: {n}");
        }
    }
    EXIT_OK
}

fn render_def(a: RenderDefArgs) -> u8 {
    let mut sources = SourceMap::new();
    let mut catalog = Catalog::empty();
    if !a.file.is_file() {
        eprintln!("velac: {} is not a file", a.file.display());
        return EXIT_USAGE;
    }
    if let Err(d) = catalog.load_path(&mut sources, &a.file) {
        return fail(&d, &sources);
    }
    let all = match catalog.all(&mut sources) {
        Ok(a) => a,
        Err(d) => return fail(&d, &sources),
    };
    let mut out = String::new();
    for d in &all {
        out.push_str("---\n");
        out.push_str(&crate::cue::builtins::json_to_yaml(
            &crate::definition::doc::object(d),
        ));
    }
    print(&out)
}

/// Reads a JSON or YAML data file.
fn data_file(sources: &mut SourceMap, p: &PathBuf) -> Result<(Json, Span), u8> {
    let text = std::fs::read_to_string(p).map_err(|e| {
        eprintln!("velac: cannot read {}: {e}", p.display());
        EXIT_USAGE
    })?;
    let id = sources.add(p.display().to_string(), text);
    let docs = crate::yaml::parse_documents(sources, id).map_err(|d| fail(&[d], sources))?;
    match docs.as_slice() {
        [one] => Ok((one.to_json(), one.span)),
        [] => Ok((json!({}), Span::new(id, 0, 0))),
        _ => Err(fail(
            &[Diagnostic::error("expected one document").with_span(docs[1].span)],
            sources,
        )),
    }
}

fn eval(a: EvalArgs) -> u8 {
    let mut sources = SourceMap::new();
    let mut catalog = match load_catalog(&mut sources, &a.defs) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let def = match find(&mut catalog, &mut sources, &a.name, a.kind) {
        Ok(d) => d,
        Err(d) => return fail(&d, &sources),
    };
    let empty = Span::default();
    let (parameter, pspan) = match &a.parameter {
        Some(p) => match data_file(&mut sources, p) {
            Ok(x) => x,
            Err(c) => return c,
        },
        None => (json!({}), empty),
    };
    let (context, _) = match &a.context {
        Some(p) => match data_file(&mut sources, p) {
            Ok(x) => x,
            Err(c) => return c,
        },
        None => (json!({}), empty),
    };
    match crate::render::eval_raw(&def, &mut sources, &parameter, &context, pspan) {
        Ok(j) => print(&(serde_json::to_string_pretty(&j).expect("JSON serialises") + "\n")),
        Err(d) => fail(&d, &sources),
    }
}
