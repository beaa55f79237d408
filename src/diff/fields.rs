//! Field-level summaries of a changed object: one entry per changed leaf,
//! `spec.replicas: 3 → 5`, `+ metadata.labels.team: payments`.
//!
//! Lists whose items all carry a unique identifying field (containers and
//! env by `name`, volume mounts by `mountPath`, ports by `containerPort`…)
//! are matched by it, as dyff and Argo CD do, so a reordered or inserted
//! item does not show as every later item changing. Paths are CUE's form
//! (`spec.template.spec.containers[0].image`,
//! `metadata.labels."app.oam.dev/name"`), with the index an item has on the
//! side where it exists (the new one when on both).

pub use crate::cue::eval::origin::Seg;
use serde_json::Value as Json;

/// One changed leaf.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Where, in CUE's form.
    pub path: String,
    /// The old value (`None`: added).
    pub before: Option<Json>,
    /// The new value (`None`: removed).
    pub after: Option<Json>,
    /// Where the value was written (`app.yaml:47:35`), when the side it
    /// comes from is an application file rendered with its origins.
    pub origin: Option<String>,
}

/// Fields that identify a list item, in order of preference.
const ITEM_KEYS: [&str; 8] = [
    "name",
    "key",
    "mountPath",
    "containerPort",
    "port",
    "devicePath",
    "ip",
    "type",
];

/// The changed leaves between two values.
pub fn leaves(before: &Json, after: &Json) -> Vec<Field> {
    let mut out = Vec::new();
    walk(&mut Vec::new(), before, after, &mut out);
    out
}

fn walk(path: &mut Vec<Seg>, a: &Json, b: &Json, out: &mut Vec<Field>) {
    if a == b {
        return;
    }
    match (a, b) {
        (Json::Object(x), Json::Object(y)) if !x.is_empty() || !y.is_empty() => {
            for (k, va) in x {
                path.push(Seg::Key(k.clone()));
                match y.get(k) {
                    Some(vb) => walk(path, va, vb, out),
                    None => all(path, va, false, out),
                }
                path.pop();
            }
            for (k, vb) in y {
                if !x.contains_key(k) {
                    path.push(Seg::Key(k.clone()));
                    all(path, vb, true, out);
                    path.pop();
                }
            }
        }
        (Json::Array(x), Json::Array(y)) if !x.is_empty() && !y.is_empty() => {
            lists(path, x, y, out);
        }
        _ => out.push(Field {
            path: path_text(path),
            before: Some(a.clone()),
            after: Some(b.clone()),
            origin: None,
        }),
    }
}

/// Every leaf of a value that is only on one side.
fn all(path: &mut Vec<Seg>, v: &Json, added: bool, out: &mut Vec<Field>) {
    match v {
        Json::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                path.push(Seg::Key(k.clone()));
                all(path, x, added, out);
                path.pop();
            }
        }
        Json::Array(l) if !l.is_empty() => {
            for (i, x) in l.iter().enumerate() {
                path.push(Seg::Index(i));
                all(path, x, added, out);
                path.pop();
            }
        }
        _ => out.push(Field {
            path: path_text(path),
            before: (!added).then(|| v.clone()),
            after: added.then(|| v.clone()),
            origin: None,
        }),
    }
}

/// The field that identifies every item of both lists, uniquely on each side.
pub fn item_key(x: &[Json], y: &[Json]) -> Option<&'static str> {
    ITEM_KEYS.into_iter().find(|k| {
        [x, y].iter().all(|l| {
            let mut ids: Vec<String> = Vec::with_capacity(l.len());
            for it in *l {
                match it.get(*k) {
                    Some(v @ (Json::String(_) | Json::Number(_))) => ids.push(v.to_string()),
                    _ => return false,
                }
            }
            let n = ids.len();
            ids.sort_unstable();
            ids.dedup();
            ids.len() == n
        })
    })
}

fn lists(path: &mut Vec<Seg>, x: &[Json], y: &[Json], out: &mut Vec<Field>) {
    let Some(k) = item_key(x, y) else {
        for i in 0..x.len().max(y.len()) {
            path.push(Seg::Index(i));
            match (x.get(i), y.get(i)) {
                (Some(a), Some(b)) => walk(path, a, b, out),
                (Some(a), None) => all(path, a, false, out),
                (None, Some(b)) => all(path, b, true, out),
                (None, None) => {}
            }
            path.pop();
        }
        return;
    };
    let find = |l: &[Json], id: &Json| l.iter().position(|it| it.get(k) == Some(id));
    for (i, a) in x.iter().enumerate() {
        if find(y, &a[k]).is_none() {
            path.push(Seg::Index(i));
            all(path, a, false, out);
            path.pop();
        }
    }
    for (j, b) in y.iter().enumerate() {
        path.push(Seg::Index(j));
        match find(x, &b[k]) {
            Some(i) => walk(path, &x[i], b, out),
            None => all(path, b, true, out),
        }
        path.pop();
    }
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == '$')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == '$')
}

/// A path in CUE's form: `spec.containers[0].image`, `labels."app.oam.dev/name"`.
pub fn path_text(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                if is_ident(k) {
                    s.push_str(k);
                } else {
                    s.push_str(&Json::String(k.clone()).to_string());
                }
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    if s.is_empty() { "(root)".into() } else { s }
}

/// A value as a summary line shows it: plain strings bare, others as JSON.
pub fn show(v: &Json) -> String {
    match v {
        Json::String(s)
            if !s.is_empty() && s.trim() == s && !s.contains(['\n', '"']) && !s.contains(" → ") =>
        {
            s.clone()
        }
        other => other.to_string(),
    }
}

/// `spec.replicas: 3 → 5`, `+ path: v`, `- path: v`, then where the value
/// was written when known (`  (app.yaml:47:35)`).
pub fn line(f: &Field) -> String {
    let l = bare_line(f);
    match &f.origin {
        Some(o) => format!("{l}  ({o})"),
        None => l,
    }
}

fn bare_line(f: &Field) -> String {
    match (&f.before, &f.after) {
        (Some(a), Some(b)) => format!("{}: {} → {}", f.path, show(a), show(b)),
        (None, Some(b)) => format!("+ {}: {}", f.path, show(b)),
        (Some(a), None) => format!("- {}: {}", f.path, show(a)),
        (None, None) => f.path.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(a: Json, b: Json) -> Vec<String> {
        leaves(&a, &b).iter().map(line).collect()
    }

    #[test]
    fn scalars_maps_and_quoted_keys() {
        assert_eq!(
            lines(
                json!({"spec": {"replicas": 3}, "metadata": {"labels": {"app.oam.dev/name": "a"}}}),
                json!({"spec": {"replicas": 5}, "metadata": {"labels": {"app.oam.dev/name": "a", "team": "payments"}}})
            ),
            vec!["spec.replicas: 3 → 5", "+ metadata.labels.team: payments"]
        );
        assert_eq!(
            lines(
                json!({"metadata": {"labels": {"app.oam.dev/name": "a"}}}),
                json!({"metadata": {}})
            ),
            vec![r#"- metadata.labels."app.oam.dev/name": a"#]
        );
        assert_eq!(
            lines(json!({"a": "x"}), json!({"a": ""})),
            vec![r#"a: x → """#]
        );
        assert_eq!(
            lines(json!({"a": {"b": 1}}), json!({"a": 2})),
            vec![r#"a: {"b":1} → 2"#]
        );
    }

    #[test]
    fn keyed_items_match_by_name_not_index() {
        let before = json!({"containers": [
            {"name": "web", "image": "a"},
            {"name": "sidecar", "image": "s"}
        ]});
        let after = json!({"containers": [
            {"name": "init", "image": "i"},
            {"name": "web", "image": "b"},
            {"name": "sidecar", "image": "s"}
        ]});
        assert_eq!(
            lines(before, after),
            vec![
                "+ containers[0].name: init",
                "+ containers[0].image: i",
                "containers[1].image: a → b",
            ]
        );
        // Without a shared key: by index.
        assert_eq!(
            lines(
                json!({"args": ["a", "b"]}),
                json!({"args": ["a", "c", "d"]})
            ),
            vec!["args[1]: b → c", "+ args[2]: d"]
        );
        // Ports by containerPort when they have no names.
        assert_eq!(
            lines(
                json!({"ports": [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 443}]}),
                json!({"ports": [{"containerPort": 443}, {"containerPort": 80, "protocol": "UDP"}]})
            ),
            vec!["ports[1].protocol: TCP → UDP"]
        );
    }
}
