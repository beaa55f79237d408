//! One diagnostic shape for every stage.
//!
//! Stage errors (parse, eval, export, …) turn into a [`Diagnostic`]: a field
//! path, a message and every source position that contributed. The plain
//! rendering imitates CUE's own (`path: message:` followed by one indented
//! `file:line:col` per position), because KubeVela users already read that
//! format.

use crate::source::{SourceMap, Span};
use std::fmt::Write as _;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The operation failed.
    Error,
    /// Worth knowing; the operation went on.
    Warning,
}

/// A located message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Field path the problem is at (`a.b[0].c`), when there is one.
    pub path: Option<String>,
    /// What went wrong, lowercase, no trailing period.
    pub message: String,
    /// Every source position involved, most relevant first.
    pub spans: Vec<Span>,
    /// Extra lines (context such as the component or trait).
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error with a message and no position.
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            path: None,
            message: message.into(),
            spans: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds a position.
    pub fn with_span(mut self, span: Span) -> Diagnostic {
        self.spans.push(span);
        self
    }

    /// Sets the field path.
    pub fn with_path(mut self, path: impl Into<String>) -> Diagnostic {
        let p = path.into();
        self.path = if p.is_empty() { None } else { Some(p) };
        self
    }

    /// Renders in CUE's plain format.
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        if let Some(p) = &self.path {
            out.push_str(p);
            out.push_str(": ");
        }
        out.push_str(&self.message);
        let mut seen = Vec::new();
        for s in &self.spans {
            if (s.file.0 as usize) < sources.len() {
                let pos = sources.position(*s).to_string();
                if !seen.contains(&pos) {
                    seen.push(pos);
                }
            }
        }
        if !seen.is_empty() {
            out.push(':');
            for p in seen {
                let _ = write!(out, "\n    {p}");
            }
        }
        for n in &self.notes {
            let _ = write!(out, "\n{n}");
        }
        out
    }
}

/// Renders a list of diagnostics, one block per diagnostic.
pub fn render_all(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&d.render(sources));
        out.push('\n');
    }
    out
}
