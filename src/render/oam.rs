//! The OAM contract stamped on every rendered object: labels, annotations,
//! default names and namespaces (upstream `SetOAMContract` and friends).

use super::{ObjectRole, RenderedObject, Target};
use crate::model::Application;
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

/// Annotations never copied from the application onto its objects.
const FILTERED_ANNOTATIONS: &[&str] = &[
    "app.oam.dev/inplace-upgrade",
    "filter.oam.dev/label-keys",
    "filter.oam.dev/annotation-keys",
    "kubectl.kubernetes.io/last-applied-configuration",
];

fn annotation<'a>(app: &'a Application, key: &str) -> Option<&'a str> {
    app.annotations
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn filter_list(app: &Application, key: &str) -> Vec<String> {
    annotation(app, key)
        .map(|s| s.split(',').map(|x| x.trim().to_string()).collect())
        .unwrap_or_default()
}

/// Sorts object keys at every level: rendered objects read like `kubectl get
/// -o yaml` and `vela dry-run` output, and diffs between renders do not
/// depend on the order a template happened to declare fields in.
pub(crate) fn sort_keys(v: &mut Json) {
    match v {
        Json::Object(m) => {
            if !m.keys().is_sorted() {
                m.sort_keys();
            }
            m.values_mut().for_each(sort_keys);
        }
        Json::Array(a) => a.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

/// Stamps the contract on one object, in place.
pub(crate) fn stamp(
    app: &Application,
    t: &Target,
    comp_type: &str,
    o: &mut RenderedObject,
    trait_name_hash: &dyn Fn(&Json) -> String,
) {
    let trait_type = o.trait_type().map(str::to_string);
    let role = o.role.clone();
    let component = o.component.clone();
    let Json::Object(obj) = &mut o.object else {
        return;
    };
    let meta = obj
        .entry("metadata")
        .or_insert_with(|| Json::Object(Map::new()));
    if !meta.is_object() {
        *meta = Json::Object(Map::new());
    }
    let Json::Object(meta) = meta else { return };

    // Names: the workload takes the component's name; unnamed auxiliaries get
    // `<component>-<type>-<hash>` (upstream hashes a Go dump; ours is stable).
    let unnamed = meta
        .get("name")
        .and_then(Json::as_str)
        .is_none_or(str::is_empty);
    if unnamed {
        let name = match &role {
            ObjectRole::Workload => component.clone(),
            _ => {
                let ty = trait_type
                    .as_deref()
                    .unwrap_or("auxiliaryworkload")
                    .to_lowercase();
                format!(
                    "{component}-{ty}-{}",
                    trait_name_hash(&Json::Object(meta.clone()))
                )
            }
        };
        meta.insert("name".into(), Json::String(name));
    }

    // Labels: the object's own, then the application's (minus filtered keys),
    // then the OAM labels, later ones winning; written sorted, as upstream's
    // maps serialise.
    let mut labels: BTreeMap<String, Json> = meta
        .get("labels")
        .and_then(Json::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let mut common: BTreeMap<String, String> = app.labels.iter().cloned().collect();
    common.insert("app.oam.dev/name".into(), app.name.clone());
    common.insert("app.oam.dev/namespace".into(), app.namespace.clone());
    common.insert("app.oam.dev/appRevision".into(), t.app_revision(&app.name));
    common.insert("app.oam.dev/component".into(), component.clone());
    for k in filter_list(app, "filter.oam.dev/label-keys") {
        common.remove(&k);
    }
    match &role {
        ObjectRole::Workload => {
            labels.insert("workload.oam.dev/type".into(), comp_type.into());
            labels.insert("app.oam.dev/resourceType".into(), "WORKLOAD".into());
        }
        ObjectRole::Auxiliary { output } | ObjectRole::Trait { output, .. } => {
            let ty = trait_type
                .clone()
                .unwrap_or_else(|| "AuxiliaryWorkload".into());
            labels.insert("trait.oam.dev/type".into(), ty.into());
            labels.insert("trait.oam.dev/resource".into(), output.clone().into());
            labels.insert("app.oam.dev/resourceType".into(), "TRAIT".into());
        }
    }
    if !t.replica_key.is_empty() {
        labels.insert(
            "app.oam.dev/replicaKey".into(),
            t.replica_key.clone().into(),
        );
    }
    for (k, v) in common {
        labels.insert(k, v.into());
    }
    meta.insert("labels".into(), Json::Object(labels.into_iter().collect()));

    // Annotations: the application's override the object's; filtered keys go.
    let mut annos: BTreeMap<String, Json> = meta
        .get("annotations")
        .and_then(Json::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    for (k, v) in &app.annotations {
        annos.insert(k.clone(), v.clone().into());
    }
    let mut drop: Vec<String> = FILTERED_ANNOTATIONS.iter().map(|s| s.to_string()).collect();
    drop.extend(filter_list(app, "filter.oam.dev/annotation-keys"));
    for k in drop {
        annos.remove(&k);
    }
    if annos.is_empty() {
        meta.remove("annotations");
    } else {
        meta.insert(
            "annotations".into(),
            Json::Object(annos.into_iter().collect()),
        );
    }

    // Namespace: the target's unless the template chose one; never on a Namespace.
    let is_namespace = obj.get("kind").and_then(Json::as_str) == Some("Namespace")
        && obj.get("apiVersion").and_then(Json::as_str) == Some("v1");
    if !is_namespace && let Some(Json::Object(meta)) = obj.get_mut("metadata") {
        let empty = meta
            .get("namespace")
            .and_then(Json::as_str)
            .is_none_or(str::is_empty);
        if empty {
            meta.insert("namespace".into(), Json::String(t.namespace_for(app)));
        }
    }
}
