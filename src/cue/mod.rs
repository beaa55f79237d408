//! The CUE language: parsing, evaluation and export.
//!
//! This module knows nothing of KubeVela. The stages are:
//!
//! 1. [`parser::parse_file`]: text → [`ast::File`] (spans on every node, comments kept);
//! 2. [`compile::compile_file`]: AST → [`ir::Program`] (references resolved once);
//! 3. [`Evaluation`]: programs unified into one root [`eval::Engine`] vertex;
//! 4. [`Evaluation::export`]: a vertex → JSON, or every error with its path and positions.
//!
//!
//! Parsing and evaluation recurse along the nesting of the input. The lexer
//! bounds source nesting and the engine bounds value depth, so a run always
//! ends, but deep inputs within those bounds need more stack than a default
//! thread has: evaluate them on a thread with [`STACK_SIZE`], as the CLI does.
//!
//! ```
//! use velac::cue::Evaluation;
//! let mut ev = Evaluation::from_source("example.cue", "a: *1 | 2\nb: a + 1").unwrap();
//! let root = ev.root;
//! assert_eq!(ev.export(root).unwrap(), serde_json::json!({"a": 1, "b": 2}));
//! ```

/// Stack that evaluating any input within the engine's limits fits in (only the
/// touched part is ever mapped).
pub const STACK_SIZE: usize = 512 * 1024 * 1024;

thread_local! {
    static DEEP_STACK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Declares that the calling thread runs on a [`STACK_SIZE`] stack, so CUE
/// on it may nest as deep as people nest data (10,000 levels, where CUE has
/// no limit). Other threads keep limits that fit a default 2 MB stack (300
/// levels of literals, 400 of values): the parser, evaluator and export
/// recurse once per level.
pub fn allow_deep_nesting() {
    DEEP_STACK.with(|d| d.set(true));
}

/// True on a thread that called [`allow_deep_nesting`].
pub(crate) fn deep_stack() -> bool {
    DEEP_STACK.with(|d| d.get())
}

pub mod ast;
pub mod builtins;
pub mod compile;
pub mod eval;
mod format;
pub mod fxhash;
pub mod ir;
pub mod jsonlit;
pub mod label;
pub mod lexer;
pub mod num;
pub mod parser;
pub mod value;
pub mod walk;

use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap, Span};
use eval::{CloseCtx, ConjSrc, Conjunct, Engine, Env, EnvKind, ExportErrors};
pub use eval::{DEFAULT_EVAL_BUDGET, eval_budget, parse_eval_budget, set_eval_budget};
use ir::{ExprKind, ExprNode, Program};
use label::Label;
use std::rc::Rc;
use value::{VId, Value};

/// Parses and compiles files into programs. Files with the same `package`
/// clause share their top-level scope; package-less files each have their own.
pub fn load(sources: &SourceMap, files: &[FileId]) -> Result<Vec<Rc<Program>>, Vec<Diagnostic>> {
    load_with(sources, files, &[])
}

/// [`load`] for files that may also import the packages written in CUE
/// named in `source_packages` (see [`Evaluation::with_packages`]).
pub fn load_with(
    sources: &SourceMap,
    files: &[FileId],
    source_packages: &[&str],
) -> Result<Vec<Rc<Program>>, Vec<Diagnostic>> {
    let mut asts = Vec::new();
    let mut diags = Vec::new();
    for &f in files {
        match parser::parse_file(f, &sources.file(f).text) {
            Ok(a) => asts.push(a),
            Err(e) => diags.push(e.to_diagnostic()),
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut programs = Vec::new();
    for (i, a) in asts.iter().enumerate() {
        let mut extra = Vec::new();
        if let Some(pkg) = &a.package {
            for (j, b) in asts.iter().enumerate() {
                if i != j && b.package.as_ref().is_some_and(|p| p.name == pkg.name) {
                    extra.extend(compile::root_field_names(b));
                }
            }
        }
        match compile::compile_file_with(a, &extra, source_packages) {
            Ok(p) => programs.push(Rc::new(p)),
            Err(errs) => diags.extend(errs.iter().map(|e| e.to_diagnostic())),
        }
    }
    if diags.is_empty() {
        Ok(programs)
    } else {
        Err(diags)
    }
}

/// One evaluation: programs unified into a root vertex.
pub struct Evaluation {
    /// The engine holding all vertices.
    pub engine: Engine,
    /// The root (all files unified).
    pub root: VId,
    /// Source files, for rendering errors.
    pub sources: SourceMap,
}

impl Evaluation {
    /// Unifies compiled programs into a fresh root.
    pub fn new(programs: &[Rc<Program>], sources: SourceMap) -> Evaluation {
        let mut engine = Engine::new();
        let root = engine.new_root();
        for p in programs {
            add_program(&mut engine, root, p);
        }
        Evaluation {
            engine,
            root,
            sources,
        }
    }

    /// Unifies compiled programs into a fresh root, with packages written in
    /// CUE importable by path (compile the programs with [`load_with`]).
    pub fn with_packages(
        programs: &[Rc<Program>],
        packages: &[(&str, Rc<Program>)],
        sources: SourceMap,
    ) -> Evaluation {
        let mut engine = Engine::new();
        for (path, p) in packages {
            engine.add_package(path, p.clone());
        }
        let root = engine.new_root();
        for p in programs {
            add_program(&mut engine, root, p);
        }
        Evaluation {
            engine,
            root,
            sources,
        }
    }

    /// Parses, compiles and evaluates one source text.
    pub fn from_source(name: &str, text: &str) -> Result<Evaluation, Vec<Diagnostic>> {
        let mut sources = SourceMap::new();
        let id = sources.add(name, text);
        let programs = load(&sources, &[id])?;
        Ok(Evaluation::new(&programs, sources))
    }

    /// The vertex at a dotted path of regular labels (`a.b.c`), if it exists.
    pub fn lookup(&mut self, path: &str) -> Option<VId> {
        let mut v = self.root;
        for part in path.split('.').filter(|p| !p.is_empty()) {
            let label = match part.parse::<u32>() {
                Ok(i) if self.engine.is_list_vertex(v) => Label::Index(i),
                _ => Label::from_ident(part),
            };
            v = self.engine.lookup_field(v, label)?;
        }
        Some(v)
    }

    /// Exports a vertex as JSON.
    pub fn export(&mut self, v: VId) -> Result<serde_json::Value, ExportErrors> {
        self.engine.export(v)
    }

    /// Turns export errors into diagnostics.
    pub fn diagnostics(&self, errs: &ExportErrors) -> Vec<Diagnostic> {
        errs.0
            .iter()
            .map(|e| {
                let mut d = Diagnostic::error(e.msg.clone()).with_path(e.path.clone());
                d.spans = e.spans.clone();
                d
            })
            .collect()
    }
}

/// Adds a compiled file to a root vertex.
pub fn add_program(engine: &mut Engine, root: VId, p: &Program) {
    let top = Rc::new(Env {
        up: None,
        kind: EnvKind::Vars([Value::Top, Value::Top]),
    });
    let span = p.root.span;
    let e = Rc::new(ExprNode {
        kind: ExprKind::Struct(p.root.clone()),
        span,
    });
    engine.add_conjunct(
        root,
        Conjunct {
            src: ConjSrc::Expr(e, top),
            close: CloseCtx::default(),
            span,
            via: None,
            info: None,
        },
    );
}

/// Adds a JSON value at a top-level field of `root` (how KubeVela injects `parameter` and `context`).
pub fn inject_json(
    engine: &mut Engine,
    root: VId,
    field: &str,
    json: &serde_json::Value,
    span: Span,
) {
    let a = engine.field_arc(root, Label::from_ident(field));
    engine.add_json(a, json, span);
}

/// Compiles an extra file holding `-e` expressions; it sees the top-level
/// fields of `files` as its own scope.
pub fn load_expression(
    sources: &SourceMap,
    id: FileId,
    files: &[FileId],
) -> Result<Rc<Program>, Vec<Diagnostic>> {
    let ast =
        parser::parse_file(id, &sources.file(id).text).map_err(|e| vec![e.to_diagnostic()])?;
    let mut extra = Vec::new();
    for &f in files {
        if let Ok(a) = parser::parse_file(f, &sources.file(f).text) {
            extra.extend(compile::root_field_names(&a));
        }
    }
    compile::compile_file(&ast, &extra)
        .map(Rc::new)
        .map_err(|errs| errs.iter().map(|e| e.to_diagnostic()).collect())
}

impl Evaluation {
    /// A top-level field of any kind (regular, hidden, definition).
    pub fn lookup_any(&mut self, name: &str) -> Option<VId> {
        self.engine.lookup_label(self.root, Label::from_ident(name))
    }

    /// The value as CUE text (`cue eval` style).
    pub fn format(&mut self, v: VId) -> String {
        self.engine.format(v)
    }

    /// Exports a vertex as JSON text, formatted as `cue export` prints it.
    pub fn export_json_text(&mut self, v: VId) -> Result<String, ExportErrors> {
        self.engine.export_json_text(v)
    }

    /// Exports a vertex as a YAML document, formatted as `cue export --out yaml` prints it.
    pub fn export_yaml(&mut self, v: VId) -> Result<String, ExportErrors> {
        match self.engine.data(v) {
            Some(d) => Ok(builtins::yaml_encode(&d)),
            None => match self.engine.export(v) {
                Err(e) => Err(e),
                Ok(_) => Err(ExportErrors(Vec::new())),
            },
        }
    }

    /// Real errors (not mere incompleteness) at or below `v`, if any.
    pub fn errors(&mut self, v: VId) -> Option<ExportErrors> {
        match self.engine.export(v) {
            Ok(_) => None,
            Err(e) => {
                let real: Vec<_> = e.0.into_iter().filter(|x| !x.incomplete).collect();
                (!real.is_empty()).then_some(ExportErrors(real))
            }
        }
    }
}
