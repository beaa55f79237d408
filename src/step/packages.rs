//! The provider packages a step template may import (`vela/kube`,
//! `vela/builtin`, `vela/op`, …), written here in CUE: each function is a
//! definition carrying `#provider` and `#do`, which the engine recognises as
//! a call. They are compiled once per thread and shared by every evaluation.

use crate::cue::ir::Program;
use crate::source::SourceMap;
use std::rc::Rc;

/// Import path and source of every package.
pub const SOURCES: &[(&str, &str)] = &[
    ("vela/builtin", include_str!("packages/builtin.cue")),
    ("vela/config", include_str!("packages/config.cue")),
    ("vela/email", include_str!("packages/email.cue")),
    ("vela/http", include_str!("packages/http.cue")),
    ("vela/kube", include_str!("packages/kube.cue")),
    ("vela/metrics", include_str!("packages/metrics.cue")),
    (
        "vela/multicluster",
        include_str!("packages/multicluster.cue"),
    ),
    ("vela/oam", include_str!("packages/oam.cue")),
    ("vela/op", include_str!("packages/op.cue")),
    ("vela/time", include_str!("packages/time.cue")),
    ("vela/util", include_str!("packages/util.cue")),
];

/// The import paths.
pub fn paths() -> Vec<&'static str> {
    SOURCES.iter().map(|(p, _)| *p).collect()
}

thread_local! {
    static COMPILED: std::cell::RefCell<Vec<(&'static str, Rc<Program>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// One package, compiled on first use in this thread.
fn compiled_one(path: &'static str, text: &'static str) -> Rc<Program> {
    COMPILED.with(|c| {
        if let Some((_, p)) = c.borrow().iter().find(|(q, _)| *q == path) {
            return p.clone();
        }
        let mut sources = SourceMap::new();
        let id = sources.add(format!("<{path}>"), text.to_string());
        let p = crate::cue::load(&sources, &[id])
            .unwrap_or_else(|d| panic!("built-in package {path} does not compile: {d:?}"))
            .remove(0);
        c.borrow_mut().push((path, p.clone()));
        p
    })
}

/// Every package, compiled.
pub fn compiled() -> Vec<(&'static str, Rc<Program>)> {
    SOURCES
        .iter()
        .map(|(path, text)| (*path, compiled_one(path, text)))
        .collect()
}

/// The packages among `imports`, compiled (a template pays only for what
/// it imports).
pub fn compiled_for(imports: &[String]) -> Vec<(&'static str, Rc<Program>)> {
    SOURCES
        .iter()
        .filter(|(path, _)| imports.iter().any(|i| i == path))
        .map(|(path, text)| (*path, compiled_one(path, text)))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_package_compiles_and_declares_calls() {
        for (path, p) in super::compiled() {
            let mut ev = crate::cue::Evaluation::new(&[p], crate::source::SourceMap::new());
            let root = ev.root;
            let kids = ev.children(root);
            assert!(!kids.is_empty(), "{path} has no members");
        }
    }
}
