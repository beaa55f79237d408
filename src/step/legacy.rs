//! Calls by name: every `(#provider, #do)` a template may use, mapped to the
//! provider function velac runs, and how its parameters and results are
//! laid out (`$params`/`$returns`, or the legacy `vela/op` style that keeps
//! both at the call's top level).

/// Where a call keeps its parameters and results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// `$params` in, `$returns` out.
    Params,
    /// `vela/op`: parameters and results are the call's own fields.
    Legacy,
}

/// A provider function, by its canonical (new-style) names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Func {
    /// `kube`, `builtin`, `http`, …
    pub provider: &'static str,
    /// `apply`, `read`, `do`, …
    pub name: &'static str,
    /// Layout of this call.
    pub style: Style,
}

/// Every function: `(provider, #do)` of the new packages.
const FUNCS: &[(&str, &str)] = &[
    ("builtin", "wait"),
    ("builtin", "suspend"),
    ("builtin", "break"),
    ("builtin", "fail"),
    ("builtin", "message"),
    ("builtin", "var"),
    ("kube", "apply"),
    ("kube", "apply-in-parallel"),
    ("kube", "patch"),
    ("kube", "read"),
    ("kube", "list"),
    ("kube", "delete"),
    ("http", "do"),
    ("util", "string"),
    ("util", "log"),
    ("util", "patch-k8s-object"),
    ("email", "send"),
    ("config", "create"),
    ("config", "read"),
    ("config", "list"),
    ("config", "delete"),
    ("metrics", "promCheck"),
    ("time", "timestamp"),
    ("time", "date"),
    ("multicluster", "list-clusters"),
    ("multicluster", "get-placements-from-topology-policies"),
    ("multicluster", "deploy"),
    ("oam", "component-apply"),
    ("oam", "component-render"),
    ("oam", "load"),
    ("oam", "load-policies"),
    ("oam", "load-comps-in-order"),
];

/// `vela/op` names that differ from the new function's `#do`.
const OP_RENAMES: &[(&str, &str, &str)] = &[
    ("create-config", "config", "create"),
    ("read-config", "config", "read"),
    ("list-config", "config", "list"),
    ("delete-config", "config", "delete"),
];

/// The function a call names, or why there is none.
pub fn resolve(provider: &str, do_: &str) -> Result<Func, String> {
    if provider == "op" {
        if let Some((_, p, n)) = OP_RENAMES.iter().find(|(d, _, _)| *d == do_) {
            return Ok(Func {
                provider: p,
                name: n,
                style: Style::Legacy,
            });
        }
        // Config functions are only reachable by their op names.
        return FUNCS
            .iter()
            .find(|(p, n)| *n == do_ && *p != "config")
            .map(|(p, n)| Func {
                provider: p,
                name: n,
                style: Style::Legacy,
            })
            .ok_or_else(|| format!("function {do_:?} not found in provider \"op\""));
    }
    if !FUNCS.iter().any(|(p, _)| *p == provider) {
        return Err(format!("provider {provider:?} not found"));
    }
    FUNCS
        .iter()
        .find(|(p, n)| *p == provider && *n == do_)
        .map(|(p, n)| Func {
            provider: p,
            name: n,
            style: Style::Params,
        })
        .ok_or_else(|| format!("function {do_:?} not found in provider {provider:?}"))
}

/// Fields of a legacy call that hold results, not parameters.
pub fn legacy_results(f: Func) -> &'static [&'static str] {
    match (f.provider, f.name) {
        ("http", "do") => &["response"],
        ("kube", "list") => &["list"],
        ("kube", "patch") | ("util", "patch-k8s-object") => &["result"],
        ("util", "string") => &["str"],
        ("time", "timestamp") => &["timestamp"],
        ("time", "date") => &["date"],
        ("config", "read") => &["config"],
        ("config", "list") => &["configs"],
        ("multicluster", "list-clusters") => &["outputs"],
        ("multicluster", "get-placements-from-topology-policies") => &["placements"],
        ("oam", "component-render") => &["output", "outputs"],
        ("oam", "load" | "load-policies" | "load-comps-in-order") => &["value"],
        ("metrics", "promCheck") => &["result", "failed", "message"],
        _ => &[],
    }
}

/// A legacy call's results, as the fields to merge into the call: HTTP
/// responses go to `response` (as KubeVela v1.9 put them, and as templates
/// of that time read them), a list to `list`, everything else as returned.
pub fn legacy_fill(f: Func, returns: &serde_json::Value) -> serde_json::Value {
    match (f.provider, f.name) {
        ("http", "do") => serde_json::json!({ "response": returns }),
        ("kube", "list") => {
            serde_json::json!({ "list": returns.get("values").cloned().unwrap_or_default() })
        }
        _ => returns.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_as_upstream_spells_them() {
        assert_eq!(resolve("kube", "apply").unwrap().style, Style::Params);
        let f = resolve("op", "read-config").unwrap();
        assert_eq!(
            (f.provider, f.name, f.style),
            ("config", "read", Style::Legacy)
        );
        let f = resolve("op", "do").unwrap();
        assert_eq!((f.provider, f.name), ("http", "do"));
        assert_eq!(
            resolve("op", "read").map(|f| f.provider),
            Ok("kube"),
            "op's read is the kube read, not config's"
        );
        assert_eq!(
            resolve("kube", "nope").unwrap_err(),
            "function \"nope\" not found in provider \"kube\""
        );
        assert_eq!(
            resolve("helm", "render").unwrap_err(),
            "provider \"helm\" not found"
        );
    }
}
