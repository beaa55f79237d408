//! `velac explain`: for every leaf of every rendered object, who set it and
//! from which lines.
//!
//! Rendering records the origins ([`crate::render::prov`]); this stage
//! names them for people: a value whose deciding line is in a policy's
//! properties (an env-binding or override patch) is that policy's, the
//! user's own lines (the application file) come before the definitions',
//! and positions read `file:line:col`. Pure: rendered objects in, a report
//! out.

use crate::diff::fields::{Seg, path_text, show};
use crate::model::AppFile;
use crate::render::prov::SetBy;
use crate::render::{RenderedObject, Target, bundle};
use crate::source::{FileId, SourceMap, Span};
use serde_json::{Value as Json, json};
use std::collections::HashMap;

/// One explained leaf.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// CUE's form: `spec.template.spec.containers[0].image`.
    pub path: String,
    /// The value.
    pub value: Json,
    /// `component <type>`, `trait <type>`, `policy <name>` or `oam`.
    pub set_by: String,
    /// `file:line:col`, the user's own line first.
    pub from: Vec<String>,
}

/// One explained object.
#[derive(Clone, Debug)]
pub struct Object {
    /// Where and what, as `render --output json` names it.
    pub header: serde_json::Map<String, Json>,
    /// `# component … (cluster …)`, as `render` heads it.
    pub title: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// Its leaves.
    pub fields: Vec<Field>,
}

/// Positions of policy properties, by `(file, offset)`: a value read from
/// one of them was decided by that policy.
fn policy_positions(file: &AppFile) -> HashMap<(FileId, u32), String> {
    fn walk(n: &crate::yaml::Node, name: &str, out: &mut HashMap<(FileId, u32), String>) {
        out.insert((n.span.file, n.span.start), name.to_string());
        match &n.kind {
            crate::yaml::Kind::Map(m) => m.iter().for_each(|(_, c)| walk(c, name, out)),
            crate::yaml::Kind::Seq(s) => s.iter().for_each(|c| walk(c, name, out)),
            _ => {}
        }
    }
    let mut out = HashMap::new();
    for p in file.app.policies.iter().chain(&file.policies) {
        if let Some(props) = &p.properties {
            walk(props, &p.name, &mut out);
        }
    }
    out
}

/// Explains rendered objects (rendered with origins). `user` is the
/// application file: its lines come first.
pub fn explain(
    objs: &[(RenderedObject, Target)],
    file: &AppFile,
    user: FileId,
    sources: &SourceMap,
) -> Vec<Object> {
    let policies = policy_positions(file);
    let pos = |s: &Span| {
        let p = sources.position(*s);
        format!("{}:{}:{}", p.name, p.line, p.col)
    };
    objs.iter()
        .map(|(o, t)| {
            let mut fields = Vec::new();
            let secret = o.object["kind"] == "Secret" && o.object["apiVersion"] == "v1";
            if let Some(origins) = &o.origins {
                for (path, by, spans) in &origins.fields {
                    let mut f = field(&o.object, path, by, spans, user, &policies, &pos);
                    if secret && holds_secret(path) {
                        f.value = Json::String("***".into());
                    }
                    fields.push(f);
                }
            }
            let mut at = format!("cluster {}", t.cluster_name());
            if let Some(e) = &t.env {
                at.push_str(&format!(", env {e}"));
            }
            if let Some(st) = &t.step {
                at.push_str(&format!(", step {st}"));
            }
            let (_, kind, _, name) = o.id();
            Object {
                header: bundle::provenance(o, t),
                title: format!("# {} ({at})", bundle::describe(o)),
                kind: kind.to_string(),
                name: name.to_string(),
                fields,
            }
        })
        .collect()
}

fn field(
    obj: &Json,
    path: &[Seg],
    by: &SetBy,
    spans: &[Span],
    user: FileId,
    policies: &HashMap<(FileId, u32), String>,
    pos: &dyn Fn(&Span) -> String,
) -> Field {
    let value = crate::render::prov::at(obj, path)
        .cloned()
        .unwrap_or(Json::Null);
    // The user's own lines first, in the order the evaluator gave them.
    let (mut mine, theirs): (Vec<&Span>, Vec<&Span>) = spans
        .iter()
        .partition(|s| s.file == user || policies.contains_key(&(s.file, s.start)));
    let policy = mine
        .iter()
        .find_map(|s| policies.get(&(s.file, s.start)).cloned());
    mine.extend(theirs);
    let set_by = match (&policy, by) {
        (_, SetBy::Oam) => by.to_string(),
        (Some(p), _) => format!("policy {p}"),
        (None, _) => by.to_string(),
    };
    // One position per line: a value and the expression around it on the
    // same line say the same thing.
    let mut lines = std::collections::HashSet::new();
    let from = mine
        .into_iter()
        .map(pos)
        .filter(|p| lines.insert(p.rsplit_once(':').map_or(p.clone(), |(l, _)| l.to_string())))
        .collect();
    Field {
        path: path_text(path),
        value,
        set_by,
        from,
    }
}

/// Where a Secret keeps what must never be shown: its values, and the
/// last-applied annotation that repeats them.
fn holds_secret(path: &[Seg]) -> bool {
    match path {
        [Seg::Key(f), ..] if f == "data" || f == "stringData" => true,
        [Seg::Key(m), Seg::Key(a), Seg::Key(k), ..] => {
            m == "metadata"
                && a == "annotations"
                && k == "kubectl.kubernetes.io/last-applied-configuration"
        }
        _ => false,
    }
}

/// Whether `path` is `prefix` or lies under it.
pub fn under(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// The text layout: per object its header comment, then a line per field,
/// `spec.replicas: 3  ← trait scaler, app.yaml:47:35, …`.
pub fn text(objs: &[Object]) -> String {
    let mut s = String::new();
    for (i, o) in objs.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str(&o.title);
        s.push('\n');
        for f in &o.fields {
            s.push_str(&format!(
                "{}: {}  ← {}, {}\n",
                f.path,
                show(&f.value),
                f.set_by,
                f.from.join(", ")
            ));
        }
    }
    s
}

/// The JSON layout.
pub fn json(objs: &[Object]) -> Json {
    let items: Vec<Json> = objs
        .iter()
        .map(|o| {
            let mut m = o.header.clone();
            m.remove("step");
            m.insert("kind".into(), json!(o.kind));
            m.insert("name".into(), json!(o.name));
            m.insert(
                "fields".into(),
                Json::Array(
                    o.fields
                        .iter()
                        .map(|f| json!({"path": f.path, "value": f.value, "setBy": f.set_by, "from": f.from}))
                        .collect(),
                ),
            );
            Json::Object(m)
        })
        .collect();
    json!({ "objects": items })
}

#[cfg(test)]
mod tests {
    use super::under;

    #[test]
    fn field_prefixes_stop_at_segment_boundaries() {
        assert!(under("spec.replicas", "spec"));
        assert!(under("spec.containers[0].image", "spec.containers"));
        assert!(under("spec.replicas", "spec.replicas"));
        assert!(!under("spec.replicasx", "spec.replicas"));
        assert!(!under("specs", "spec"));
    }
}
