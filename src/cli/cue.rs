//! `velac cue export|eval|vet`.

use super::{EXIT_FAIL, EXIT_OK, EXIT_USAGE};
use crate::cue::{self, Evaluation};
use crate::diag::render_all;
use crate::source::SourceMap;
use clap::{Args, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

#[derive(Subcommand)]
pub(super) enum CueCommand {
    /// Export concrete values as JSON or YAML.
    Export(ExportArgs),
    /// Print the evaluated value as CUE (non-concrete values allowed).
    Eval(EvalArgs),
    /// Check that the files evaluate without errors.
    Vet(VetArgs),
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub(super) enum OutFormat {
    Json,
    Yaml,
}

#[derive(Args)]
pub(super) struct ExportArgs {
    /// CUE files, or directories whose `.cue` files to take (unified into one value).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Export this expression instead of the whole value (repeatable).
    #[arg(short = 'e', long = "expression")]
    expr: Vec<String>,
    /// Output encoding.
    #[arg(long = "out", value_enum, default_value = "json")]
    out: OutFormat,
}

#[derive(Args)]
pub(super) struct EvalArgs {
    /// CUE files, or directories whose `.cue` files to take.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Evaluate this expression instead of the whole value (repeatable).
    #[arg(short = 'e', long = "expression")]
    expr: Vec<String>,
}

#[derive(Args)]
pub(super) struct VetArgs {
    /// CUE files, or directories whose `.cue` files to take.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

pub(super) fn run(c: CueCommand) -> u8 {
    match c {
        CueCommand::Export(a) => export(a),
        CueCommand::Eval(a) => eval(a),
        CueCommand::Vet(a) => vet(a),
    }
}

/// Files as given, with each directory replaced by its `.cue` files in name order
/// (as `cue export ./dir` takes a package's files).
fn expand(args: &[PathBuf]) -> Result<Vec<PathBuf>, u8> {
    let mut out = Vec::new();
    for a in args {
        if !a.is_dir() {
            out.push(a.clone());
            continue;
        }
        let entries = std::fs::read_dir(a).map_err(|e| {
            eprintln!("velac: cannot read directory {}: {e}", a.display());
            EXIT_USAGE
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "cue"))
            .collect();
        if files.is_empty() {
            eprintln!("velac: no .cue files in {}", a.display());
            return Err(EXIT_USAGE);
        }
        files.sort();
        out.extend(files);
    }
    Ok(out)
}

fn load(
    files: &[PathBuf],
    exprs: &[String],
) -> Result<(Evaluation, Vec<Option<crate::cue::value::VId>>), u8> {
    let mut sources = SourceMap::new();
    let mut ids = Vec::new();
    for f in expand(files)? {
        let f = &f;
        match std::fs::read_to_string(f) {
            Ok(t) => ids.push(sources.add(f.display().to_string(), t)),
            Err(e) => {
                eprintln!("velac: cannot read {}: {e}", f.display());
                return Err(EXIT_USAGE);
            }
        }
    }
    let mut programs = match cue::load(&sources, &ids) {
        Ok(p) => p,
        Err(d) => {
            eprint!("{}", render_all(&d, &sources));
            return Err(EXIT_FAIL);
        }
    };
    let mut names = Vec::new();
    for (i, e) in exprs.iter().enumerate() {
        let name = format!("_velac_expr_{i}");
        let id = sources.add(format!("expression {e:?}"), format!("{name}: ({e})"));
        match cue::load_expression(&sources, id, &ids) {
            Ok(p) => programs.push(p),
            Err(d) => {
                eprint!("{}", render_all(&d, &sources));
                return Err(EXIT_FAIL);
            }
        }
        names.push(name);
    }
    let mut ev = Evaluation::new(&programs, sources);
    let targets = if names.is_empty() {
        vec![Some(ev.root)]
    } else {
        names.iter().map(|n| ev.lookup_any(n)).collect()
    };
    Ok((ev, targets))
}

fn export(a: ExportArgs) -> u8 {
    let (mut ev, targets) = match load(&a.files, &a.expr) {
        Ok(x) => x,
        Err(c) => return c,
    };
    let Some(targets) = targets.into_iter().collect::<Option<Vec<_>>>() else {
        eprintln!("velac: expression not found");
        return EXIT_FAIL;
    };
    if a.out == OutFormat::Json {
        return export_json(ev, &targets);
    }
    let mut out = String::new();
    for t in targets {
        let text = ev.export_yaml(t).map(|y| {
            if out.is_empty() {
                y
            } else {
                format!("---\n{y}")
            }
        });
        match text {
            // The first (usually only) document is moved, not copied.
            Ok(t) if out.is_empty() => out = t,
            Ok(t) => out.push_str(&t),
            Err(errs) => return failed(&ev, &errs),
        }
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
    finished(ev)
}

/// JSON goes to stdout as it is made (a deep value's indented text can be
/// far larger than the value), once every target has been checked: nothing
/// is written when one has an error.
fn export_json(mut ev: Evaluation, targets: &[crate::cue::value::VId]) -> u8 {
    if targets.len() > 1 {
        for &t in targets {
            if let Err(errs) = ev.engine.check(t) {
                return failed(&ev, &errs);
            }
        }
    }
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    for &t in targets {
        // A closed stdout is the reader's choice, not an error of the value.
        if let Err(errs) = ev.engine.export_json_to(t, &mut w) {
            return failed(&ev, &errs);
        }
    }
    let _ = w.flush();
    drop(w);
    finished(ev)
}

fn failed(ev: &Evaluation, errs: &crate::cue::eval::ExportErrors) -> u8 {
    eprint!("{}", render_all(&ev.diagnostics(errs), &ev.sources));
    stats(ev);
    EXIT_FAIL
}

fn finished(ev: Evaluation) -> u8 {
    stats(&ev);
    // The process ends here; handing the vertex arena back to the allocator
    // piece by piece would cost a quarter of the run for nothing.
    std::mem::forget(ev);
    EXIT_OK
}

/// With `VELAC_STATS` set, what the evaluation cost.
fn stats(ev: &Evaluation) {
    if std::env::var_os("VELAC_STATS").is_some() {
        eprintln!(
            "velac: {} vertices, {} branches",
            ev.engine.vertex_count(),
            ev.engine.branch_count()
        );
    }
}

fn eval(a: EvalArgs) -> u8 {
    let (mut ev, targets) = match load(&a.files, &a.expr) {
        Ok(x) => x,
        Err(c) => return c,
    };
    let mut out = String::new();
    for t in targets.into_iter().flatten() {
        out.push_str(&ev.format(t));
        out.push('\n');
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
    match ev.errors(ev.root) {
        Some(errs) => {
            eprint!("{}", render_all(&ev.diagnostics(&errs), &ev.sources));
            EXIT_FAIL
        }
        None => EXIT_OK,
    }
}

fn vet(a: VetArgs) -> u8 {
    let (mut ev, _) = match load(&a.files, &[]) {
        Ok(x) => x,
        Err(c) => return c,
    };
    let root = ev.root;
    match ev.export(root) {
        Ok(_) => EXIT_OK,
        Err(errs) => {
            eprint!("{}", render_all(&ev.diagnostics(&errs), &ev.sources));
            EXIT_FAIL
        }
    }
}
