//! Documentation views of a definition: the parameter table (`velac def
//! show`, `docs/definitions.md`) and the Kubernetes object (`velac def render`).

use super::Definition;
use serde_json::{Map, Value as Json, json};

/// One parameter row.
struct Row {
    name: String,
    description: String,
    ty: String,
    required: bool,
    default: String,
}

/// A Markdown section: title, description, parameter table.
pub fn markdown(d: &Definition, schema: &Json) -> String {
    let mut out = format!("## {} ({})\n\n", d.name, d.kind.source_type());
    if !d.description.is_empty() {
        out.push_str(&d.description);
        out.push_str("\n\n");
    }
    let mut rows = Vec::new();
    flatten(schema, "", &mut rows, 0);
    if rows.is_empty() {
        out.push_str("No parameters.\n");
        return out;
    }
    out.push_str("| NAME | DESCRIPTION | TYPE | REQUIRED | DEFAULT |\n|---|---|---|---|---|\n");
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            cell(&r.name),
            cell(&r.description),
            cell(&r.ty),
            r.required,
            cell(&r.default)
        ));
    }
    out
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The object schema inside `allOf` merges, if any.
fn object_parts(s: &Json) -> Vec<&Json> {
    match s.get("allOf").and_then(Json::as_array) {
        Some(parts) => parts.iter().flat_map(object_parts).collect(),
        None if s.get("properties").is_some() => vec![s],
        None => Vec::new(),
    }
}

fn flatten(s: &Json, prefix: &str, rows: &mut Vec<Row>, depth: usize) {
    if depth > 8 {
        return;
    }
    for part in object_parts(s) {
        let required: Vec<&str> = part
            .get("required")
            .and_then(Json::as_array)
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        let Some(props) = part.get("properties").and_then(Json::as_object) else {
            continue;
        };
        for (k, p) in props {
            let name = format!("{prefix}{k}");
            rows.push(Row {
                name: name.clone(),
                description: p
                    .get("description")
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_string(),
                ty: type_name(p),
                required: required.contains(&k.as_str()),
                default: p.get("default").map(Json::to_string).unwrap_or_default(),
            });
            flatten(p, &format!("{name}."), rows, depth + 1);
            if let Some(items) = p.get("items") {
                flatten(items, &format!("{name}[]."), rows, depth + 1);
            }
        }
    }
}

fn type_name(p: &Json) -> String {
    if let Some(e) = p.get("enum").and_then(Json::as_array) {
        return e
            .iter()
            .map(Json::to_string)
            .collect::<Vec<_>>()
            .join(" or ");
    }
    if let Some(c) = p.get("const") {
        return c.to_string();
    }
    if let Some(alts) = p.get("anyOf").and_then(Json::as_array) {
        return alts.iter().map(type_name).collect::<Vec<_>>().join(" or ");
    }
    match p.get("type").and_then(Json::as_str) {
        Some("integer") => "int".into(),
        Some("boolean") => "bool".into(),
        Some("object") => "map".into(),
        Some("array") => match p.get("items") {
            Some(i) => format!("[]{}", type_name(i)),
            None => "list".into(),
        },
        Some(t) => t.to_string(),
        None if p.get("allOf").is_some() => "map".into(),
        None => "any".into(),
    }
}

/// The definition as the Kubernetes object `vela def render` writes.
pub fn object(d: &Definition) -> Json {
    let mut meta = Map::new();
    meta.insert("name".into(), json!(d.name));
    if !d.annotations.is_empty() {
        meta.insert("annotations".into(), pairs(&d.annotations));
    }
    if !d.labels.is_empty() {
        meta.insert("labels".into(), pairs(&d.labels));
    }
    let mut spec = d.spec.clone();
    spec.insert("schematic".into(), json!({"cue": {"template": d.template}}));
    json!({
        "apiVersion": "core.oam.dev/v1beta1",
        "kind": d.kind.object_kind(),
        "metadata": meta,
        "spec": spec,
    })
}

fn pairs(p: &[(String, String)]) -> Json {
    Json::Object(p.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}
