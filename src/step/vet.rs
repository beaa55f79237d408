//! Checking a step template without running it: it compiles against the
//! provider packages, evaluates without conflicts (every call is unified
//! with its function's schema, so a misspelt or mistyped parameter shows),
//! and every call it makes before any result comes back names a function
//! velac has.

use super::{Template, calls, legacy, packages};
use crate::cue::Evaluation;
use crate::source::{FileId, SourceMap, Span};
use serde_json::json;

/// Problems found in a template, each one line.
pub fn vet(name: &str, text: &str) -> Vec<String> {
    let t = match Template::compile(name, text) {
        Ok(t) => t,
        Err(ds) => return ds.into_iter().map(|d| d.message).collect(),
    };
    let mut ev = Evaluation::with_packages(
        std::slice::from_ref(&t.program),
        &packages::compiled_for(&t.imports),
        SourceMap::new(),
    );
    let span = Span::new(FileId(0), 0, 0);
    let root = ev.root;
    let context = json!({
        "name": "app", "namespace": "default", "appName": "app", "appRevision": "app-v1",
        "appRevisionNum": 1, "appLabels": {}, "appAnnotations": {}, "workflowName": "",
        "publishVersion": "", "stepName": name, "stepSessionID": "vet", "spanID": "vet",
    });
    crate::cue::inject_json(&mut ev.engine, root, "context", &context, span);
    let mut out = Vec::new();
    if let Some(e) = ev.errors(root) {
        out.push(super::export_errors(&ev, &e));
    }
    for s in calls::find(&mut ev, super::MAX_CALL_DEPTH) {
        if let Err(e) = legacy::resolve(&s.provider, &s.do_) {
            out.push(format!("{}: {e}", calls::path_text(&s.path)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn templates_are_checked_against_the_provider_schemas() {
        let ok = "import \"vela/kube\"\nparameter: n: string\nr: kube.#Read & {$params: value: {kind: \"K\", metadata: name: parameter.n}}\n";
        assert!(super::vet("t", ok).is_empty(), "{:?}", super::vet("t", ok));
        let typo = "import \"vela/kube\"\nr: kube.#Read & {$params: {value: {}, clustr: \"x\"}}\n";
        let e = super::vet("t", typo);
        assert!(e.iter().any(|m| m.contains("clustr")), "{e:?}");
        let mistyped =
            "import \"vela/http\"\nr: http.#HTTPDo & {$params: {url: \"u\", method: \"PATCH\"}}\n";
        assert!(!super::vet("t", mistyped).is_empty());
        let unknown = "import \"vela/kube\"\nr: kube.#Nope & {}\n";
        assert!(!super::vet("t", unknown).is_empty());
    }
}
