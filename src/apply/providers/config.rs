//! `vela/config`: KubeVela configs, Secrets on the hub (or the current
//! context) in KubeVela's layout, so `vela config` and velac read each
//! other's: labels `config.oam.dev/catalog: velacore-config` and
//! `config.oam.dev/type`, annotations for alias and description, the
//! properties as JSON under `input-properties`. A config made from a
//! template (ConfigMap `config-template-<name>`) runs the template's CUE
//! with `context` and `template.parameter`, honours its validation, takes
//! its `output` Secret and applies its `outputs`.

use crate::apply::host::StepHost;
use crate::cluster::api::{ClusterApi, ObjRef};
use crate::step::{Call, Reply};
use base64::Engine as _;
use serde_json::{Map, Value as Json, json};
use std::sync::Arc;

const CATALOG: &str = "config.oam.dev/catalog";
const CATALOG_VALUE: &str = "velacore-config";
const TYPE: &str = "config.oam.dev/type";
const SCOPE: &str = "config.oam.dev/scope";
const ALIAS: &str = "config.oam.dev/alias";
const DESCRIPTION: &str = "config.oam.dev/description";
const SENSITIVE: &str = "config.oam.dev/sensitive";
const TEMPLATE_NS: &str = "config.oam.dev/template-namespace";
const PROPERTIES: &str = "input-properties";
const OBJECTS: &str = "objects-reference";

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn unb64(v: &Json) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str()?)
        .ok()
}

fn str_param<'a>(p: &'a Json, k: &str) -> Result<&'a str, String> {
    p.get(k)
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("$params.{k} must be a non-empty string"))
}

/// Runs one `vela/config` function.
pub fn call(h: &mut StepHost, call: &Call) -> Result<Reply, String> {
    let hub = h.app.cluster("local")?;
    let p = &call.params;
    let returns = match call.func.name {
        "create" => {
            create(h, &hub, p)?;
            None
        }
        "read" => {
            h.sensitive = true;
            Some(json!({ "config": read(&hub, p)? }))
        }
        "list" => {
            h.sensitive = true;
            Some(json!({ "configs": list(&hub, p)? }))
        }
        "delete" => {
            delete(&hub, p)?;
            None
        }
        other => {
            return Err(format!(
                "function {other:?} not found in provider \"config\""
            ));
        }
    };
    Ok(Reply {
        returns,
        wait: None,
    })
}

fn secret_ref(p: &Json) -> Result<ObjRef, String> {
    Ok(ObjRef::new(
        "v1",
        "Secret",
        str_param(p, "namespace")?,
        str_param(p, "name")?,
    ))
}

fn create(h: &mut StepHost, hub: &Arc<dyn ClusterApi>, p: &Json) -> Result<(), String> {
    let r = secret_ref(p)?;
    let config = p.get("config").cloned().unwrap_or_else(|| json!({}));
    let template = p.get("template").and_then(Json::as_str).unwrap_or("");
    let mut labels = Map::new();
    let mut annotations = Map::new();
    let mut data = Map::new();
    let mut secret_type = Json::Null;
    let mut objects = Vec::new();
    let mut type_name = String::new();
    if !template.is_empty() {
        let (tns, tname) = template
            .split_once('/')
            .unwrap_or(("vela-system", template));
        type_name = tname.to_string();
        let t = load_template(hub, tns, tname)?;
        let out = render(&t.text, &r, &config)?;
        if let Some(msg) = out
            .pointer("/validation/$returns/message")
            .and_then(Json::as_str)
            .filter(|m| !m.is_empty())
        {
            return Err(format!("config template {tname}: {msg}"));
        }
        if let Some(o) = out.get("output") {
            for (k, v) in o
                .pointer("/metadata/labels")
                .and_then(Json::as_object)
                .into_iter()
                .flatten()
            {
                labels.insert(k.clone(), v.clone());
            }
            for (k, v) in o
                .pointer("/metadata/annotations")
                .and_then(Json::as_object)
                .into_iter()
                .flatten()
            {
                annotations.insert(k.clone(), v.clone());
            }
            for (k, v) in o
                .get("data")
                .and_then(Json::as_object)
                .into_iter()
                .flatten()
            {
                data.insert(k.clone(), v.clone());
            }
            for (k, v) in o
                .get("stringData")
                .and_then(Json::as_object)
                .into_iter()
                .flatten()
            {
                data.insert(k.clone(), json!(b64(v.as_str().unwrap_or("").as_bytes())));
            }
            if let Some(t) = o.get("type") {
                secret_type = t.clone();
            }
        }
        if let Some(os) = out.get("outputs").and_then(Json::as_object) {
            objects = os.values().cloned().collect();
        }
        if secret_type.is_null() {
            secret_type = json!(format!("/{tname}"));
        }
        labels.insert(SCOPE.into(), json!(t.scope));
        annotations.insert(SENSITIVE.into(), json!(t.sensitive.to_string()));
        annotations.insert(TEMPLATE_NS.into(), json!(tns));
    }
    labels.insert(CATALOG.into(), json!(CATALOG_VALUE));
    labels.insert(TYPE.into(), json!(type_name));
    labels.insert(crate::apply::deploy::APP_LABEL.into(), json!(h.app_name()));
    labels.insert("app.oam.dev/namespace".into(), json!(h.app_namespace()));
    for k in [ALIAS, DESCRIPTION] {
        annotations.entry(k.to_string()).or_insert(json!(""));
    }
    let props = serde_json::to_vec(&config).map_err(|e| e.to_string())?;
    data.insert(PROPERTIES.into(), json!(b64(&props)));
    if !objects.is_empty() {
        let refs: Vec<Json> = objects
            .iter()
            .map(|o| {
                let r = ObjRef::of(o);
                json!({"apiVersion": r.api_version, "kind": r.kind, "namespace": r.namespace, "name": r.name})
            })
            .collect();
        data.insert(
            OBJECTS.into(),
            json!(b64(&serde_json::to_vec(&refs).unwrap_or_default())),
        );
    }
    // A config is not turned into another type of config.
    if let Some(live) = hub.get(&r).map_err(|e| format!("{r}: {e}"))? {
        let live_type = live
            .pointer(&format!("/metadata/labels/{}", TYPE.replace('/', "~1")))
            .and_then(Json::as_str);
        if live_type.is_some_and(|t| t != type_name) {
            return Err(format!(
                "{r} is a config of type {:?}; the type of a config can not be changed",
                live_type.unwrap_or_default()
            ));
        }
    }
    let mut secret = json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": r.name, "namespace": r.namespace, "labels": labels, "annotations": annotations},
        "data": data,
    });
    if !secret_type.is_null() {
        secret["type"] = secret_type;
    }
    h.sensitive = true;
    for o in &objects {
        hub.apply(o, false)
            .map_err(|e| format!("{}: {e}", ObjRef::of(o)))?;
    }
    hub.apply(&secret, false).map_err(|e| format!("{r}: {e}"))?;
    Ok(())
}

struct Template {
    text: String,
    scope: String,
    sensitive: bool,
}

fn load_template(hub: &Arc<dyn ClusterApi>, ns: &str, name: &str) -> Result<Template, String> {
    let r = ObjRef::new("v1", "ConfigMap", ns, format!("config-template-{name}"));
    let cm = hub
        .get(&r)
        .map_err(|e| format!("{r}: {e}"))?
        .ok_or_else(|| format!("config template {ns}/{name} not found ({r})"))?;
    let d = |k: &str| {
        cm.pointer(&format!("/data/{k}"))
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let text = d("template");
    // The template's metadata sits next to it, as `metadata: {scope, sensitive}`.
    let meta = crate::cue::Evaluation::from_source("config-template", &text)
        .ok()
        .and_then(|mut ev| {
            let v = ev.lookup("metadata")?;
            ev.export(v).ok()
        })
        .unwrap_or_default();
    Ok(Template {
        text,
        scope: meta
            .get("scope")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string(),
        sensitive: meta
            .get("sensitive")
            .and_then(Json::as_bool)
            .unwrap_or(false),
    })
}

/// Evaluates a config template: `context` and `template.parameter` given,
/// `template` exported.
fn render(text: &str, r: &ObjRef, config: &Json) -> Result<Json, String> {
    let mut ev = crate::cue::Evaluation::from_source("config-template", text)
        .map_err(|d| d.first().map_or_else(String::new, |d| d.message.clone()))?;
    let span = crate::source::Span::new(crate::source::FileId(0), 0, 0);
    let root = ev.root;
    crate::cue::inject_json(
        &mut ev.engine,
        root,
        "context",
        &json!({"name": r.name, "namespace": r.namespace}),
        span,
    );
    let t = ev
        .engine
        .field_arc(root, crate::cue::label::Label::from_ident("template"));
    crate::cue::inject_json(&mut ev.engine, t, "parameter", config, span);
    let v = ev
        .lookup("template")
        .ok_or("the config template has no `template`")?;
    ev.export(v).map_err(|e| {
        e.0.first().map_or_else(String::new, |x| {
            format!("config template: {}: {}", x.path, x.msg)
        })
    })
}

fn read(hub: &Arc<dyn ClusterApi>, p: &Json) -> Result<Json, String> {
    let r = secret_ref(p)?;
    let s = hub
        .get(&r)
        .map_err(|e| format!("{r}: {e}"))?
        .ok_or_else(|| format!("config {}/{} not found", r.namespace, r.name))?;
    config_of(&s).ok_or_else(|| {
        format!(
            "config {}/{} is sensitive or holds no properties",
            r.namespace, r.name
        )
    })
}

/// A config Secret's properties; none for a sensitive one.
fn config_of(s: &Json) -> Option<Json> {
    let sensitive = s
        .pointer(&format!(
            "/metadata/annotations/{}",
            SENSITIVE.replace('/', "~1")
        ))
        .and_then(Json::as_str)
        == Some("true");
    if sensitive {
        return None;
    }
    let raw = unb64(s.pointer(&format!("/data/{PROPERTIES}"))?)?;
    serde_json::from_slice(&raw).ok()
}

fn list(hub: &Arc<dyn ClusterApi>, p: &Json) -> Result<Json, String> {
    let template = str_param(p, "template")?;
    let template = template.rsplit('/').next().unwrap_or(template);
    let ns = str_param(p, "namespace")?;
    let sel = format!("{CATALOG}={CATALOG_VALUE},{TYPE}={template}");
    let items = hub
        .list("v1", "Secret", ns, &sel)
        .map_err(|e| format!("listing configs in {ns}: {e}"))?;
    let ann = |s: &Json, k: &str| {
        s.pointer(&format!("/metadata/annotations/{}", k.replace('/', "~1")))
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string()
    };
    Ok(Json::Array(
        items
            .iter()
            .filter_map(|s| {
                Some(json!({
                    "name": s.pointer("/metadata/name")?.as_str()?,
                    "alias": ann(s, ALIAS),
                    "description": ann(s, DESCRIPTION),
                    "config": config_of(s)?,
                }))
            })
            .collect(),
    ))
}

fn delete(hub: &Arc<dyn ClusterApi>, p: &Json) -> Result<(), String> {
    let r = secret_ref(p)?;
    let Some(s) = hub.get(&r).map_err(|e| format!("{r}: {e}"))? else {
        return Err(format!("config {}/{} not found", r.namespace, r.name));
    };
    let catalog = s
        .pointer(&format!("/metadata/labels/{}", CATALOG.replace('/', "~1")))
        .and_then(Json::as_str);
    if catalog != Some(CATALOG_VALUE) {
        return Err(format!("{r} is not a config"));
    }
    if let Some(raw) = s.pointer(&format!("/data/{OBJECTS}")).and_then(unb64)
        && let Ok(refs) = serde_json::from_slice::<Vec<Json>>(&raw)
    {
        for o in refs {
            let x = |k: &str| o.get(k).and_then(Json::as_str).unwrap_or_default();
            let or = ObjRef::new(x("apiVersion"), x("kind"), x("namespace"), x("name"));
            hub.delete(&or).map_err(|e| format!("{or}: {e}"))?;
        }
    }
    hub.delete(&r).map_err(|e| format!("{r}: {e}"))?;
    Ok(())
}
