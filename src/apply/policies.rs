//! Resource policies, as the applier honours them: `read-only`,
//! `take-over`, `shared-resource`, `apply-once` and `garbage-collect`.
//!
//! Every rule has a selector (KubeVela's `resource_policy_types.go`): each
//! list it gives must contain the object's value, and a rule with no list
//! matches nothing.

use crate::plan::read::{ObjectRef, PolicyRef};
use serde_json::Value as Json;

/// What a selector is matched against.
pub struct Subject<'a> {
    /// The object as planned.
    pub obj: &'a ObjectRef,
    /// Its component's type.
    pub component_type: &'a str,
}

fn list(sel: &Json, key: &str) -> Option<Vec<String>> {
    sel.get(key)?.as_array().map(|a| {
        a.iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    })
}

/// Whether a rule's `selector` picks this object.
pub fn matches(sel: &Json, s: &Subject) -> bool {
    let oam_type = if s.obj.output_name.is_none() {
        "WORKLOAD"
    } else {
        "TRAIT"
    };
    let checks: [(&str, Option<&str>); 6] = [
        ("componentNames", Some(&s.obj.component)),
        ("componentTypes", Some(s.component_type)),
        ("oamTypes", Some(oam_type)),
        ("traitTypes", s.obj.trait_type.as_deref()),
        ("resourceTypes", Some(&s.obj.kind)),
        ("resourceNames", Some(&s.obj.name)),
    ];
    let mut any = false;
    for (key, value) in checks {
        if let Some(allowed) = list(sel, key) {
            any = true;
            if !value.is_some_and(|v| allowed.iter().any(|a| a == v)) {
                return false;
            }
        }
    }
    any
}

/// The first rule of the first policy of `type_` whose selector picks the
/// object (rules without a selector pick everything where `all_if_empty`).
fn rule<'p>(
    policies: &'p [PolicyRef],
    type_: &str,
    s: &Subject,
    all_if_empty: bool,
) -> Option<&'p Json> {
    policies
        .iter()
        .filter(|p| p.type_ == type_)
        .flat_map(|p| {
            p.properties
                .get("rules")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
        })
        .find(|r| match r.get("selector") {
            Some(sel) => matches(sel, s),
            None => all_if_empty,
        })
}

/// Never written; must exist.
pub fn read_only(policies: &[PolicyRef], s: &Subject) -> bool {
    rule(policies, "read-only", s, false).is_some()
}

/// May adopt an object that another owner (or nobody) manages.
pub fn take_over(policies: &[PolicyRef], s: &Subject) -> bool {
    rule(policies, "take-over", s, false).is_some()
}

/// May be shared with other applications (and is then not deleted).
pub fn shared(policies: &[PolicyRef], s: &Subject) -> bool {
    rule(policies, "shared-resource", s, false).is_some()
}

/// `apply-once`: the paths whose live values win over the plan's (`*`: the
/// whole object is only created, never updated). `None`: not applied once.
pub fn apply_once_paths(policies: &[PolicyRef], s: &Subject) -> Option<Vec<String>> {
    let enabled = policies.iter().any(|p| {
        p.type_ == "apply-once" && p.properties.get("enable").and_then(Json::as_bool) == Some(true)
    });
    if !enabled {
        return None;
    }
    let has_rules = policies.iter().any(|p| {
        p.type_ == "apply-once"
            && p.properties
                .get("rules")
                .and_then(Json::as_array)
                .is_some_and(|r| !r.is_empty())
    });
    if !has_rules {
        return Some(vec!["*".into()]);
    }
    let r = rule(policies, "apply-once", s, true)?;
    let paths = r
        .pointer("/strategy/path")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_else(|| vec!["*".into()]);
    Some(paths)
}

/// Keeps the live values of `paths` (dotted, `spec.replicas`) in `obj`.
pub fn keep_live_paths(obj: &mut Json, live: &Json, paths: &[String]) {
    for p in paths {
        let ptr: String = p
            .split('.')
            .filter(|s| !s.is_empty())
            .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
            .collect();
        let Some(v) = live.pointer(&ptr) else {
            continue;
        };
        let mut cur = &mut *obj;
        let parts: Vec<&str> = p.split('.').filter(|s| !s.is_empty()).collect();
        for (i, part) in parts.iter().enumerate() {
            if !cur.is_object() {
                break;
            }
            let m = cur.as_object_mut().expect("checked");
            if i + 1 == parts.len() {
                m.insert((*part).to_string(), v.clone());
                break;
            }
            cur = m
                .entry((*part).to_string())
                .or_insert_with(|| Json::Object(Default::default()));
        }
    }
}

/// Garbage collection of an object the new revision no longer has: `false`
/// when a `garbage-collect` rule says `never` or `onAppDelete`, or
/// `keepLegacyResource` is set.
pub fn collect(policies: &[PolicyRef], s: &Subject) -> bool {
    let keep_all = policies.iter().any(|p| {
        p.type_ == "garbage-collect"
            && p.properties
                .get("keepLegacyResource")
                .and_then(Json::as_bool)
                == Some(true)
    });
    if keep_all {
        return false;
    }
    match rule(policies, "garbage-collect", s, false) {
        Some(r) => matches!(
            r.get("strategy")
                .and_then(Json::as_str)
                .unwrap_or("onAppUpdate"),
            "onAppUpdate"
        ),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(kind: &str, component: &str, trait_: Option<&str>, output: Option<&str>) -> ObjectRef {
        serde_json::from_value(json!({
            "apiVersion": "v1", "kind": kind, "namespace": "default", "name": format!("{component}-x"),
            "component": component, "trait": trait_, "outputName": output,
            "digest": "sha256:0", "path": "p"
        }))
        .unwrap()
    }

    fn policy(type_: &str, props: Json) -> PolicyRef {
        serde_json::from_value(json!({"name": type_, "type": type_, "properties": props})).unwrap()
    }

    #[test]
    fn selectors_need_every_given_list_to_match() {
        let o = obj("Service", "web", Some("expose"), Some("web"));
        let s = Subject {
            obj: &o,
            component_type: "webservice",
        };
        assert!(matches(&json!({"componentNames": ["web"]}), &s));
        assert!(matches(
            &json!({"componentNames": ["web"], "resourceTypes": ["Service"]}),
            &s
        ));
        assert!(!matches(
            &json!({"componentNames": ["web"], "resourceTypes": ["Deployment"]}),
            &s
        ));
        assert!(matches(
            &json!({"traitTypes": ["expose"], "oamTypes": ["TRAIT"]}),
            &s
        ));
        assert!(!matches(&json!({"oamTypes": ["WORKLOAD"]}), &s));
        assert!(!matches(&json!({}), &s), "an empty selector picks nothing");
    }

    #[test]
    fn garbage_collect_rules() {
        let o = obj("ConfigMap", "db", None, Some("cfg"));
        let s = Subject {
            obj: &o,
            component_type: "worker",
        };
        assert!(collect(&[], &s));
        let never = policy(
            "garbage-collect",
            json!({"rules": [{"selector": {"resourceTypes": ["ConfigMap"]}, "strategy": "never"}]}),
        );
        assert!(!collect(&[never], &s));
        let keep = policy("garbage-collect", json!({"keepLegacyResource": true}));
        assert!(!collect(&[keep], &s));
        let other = policy(
            "garbage-collect",
            json!({"rules": [{"selector": {"resourceTypes": ["Secret"]}, "strategy": "never"}]}),
        );
        assert!(collect(&[other], &s));
    }

    #[test]
    fn apply_once_paths_and_keeping_live_values() {
        let o = obj("Deployment", "web", None, None);
        let s = Subject {
            obj: &o,
            component_type: "webservice",
        };
        assert_eq!(apply_once_paths(&[], &s), None);
        let all = policy("apply-once", json!({"enable": true}));
        assert_eq!(apply_once_paths(&[all], &s), Some(vec!["*".to_string()]));
        let some = policy(
            "apply-once",
            json!({"enable": true, "rules": [{"selector": {"componentNames": ["web"]}, "strategy": {"path": ["spec.replicas"]}}]}),
        );
        let paths = apply_once_paths(&[some], &s).unwrap();
        assert_eq!(paths, vec!["spec.replicas".to_string()]);
        let mut planned = json!({"spec": {"replicas": 1, "x": 1}});
        keep_live_paths(&mut planned, &json!({"spec": {"replicas": 5}}), &paths);
        assert_eq!(planned, json!({"spec": {"replicas": 5, "x": 1}}));
    }

    #[test]
    fn read_only_take_over_and_shared() {
        let o = obj("Secret", "db", None, Some("creds"));
        let s = Subject {
            obj: &o,
            component_type: "worker",
        };
        let ro = policy(
            "read-only",
            json!({"rules": [{"selector": {"resourceTypes": ["Secret"]}}]}),
        );
        let to = policy(
            "take-over",
            json!({"rules": [{"selector": {"componentNames": ["db"]}}]}),
        );
        let sh = policy(
            "shared-resource",
            json!({"rules": [{"selector": {"resourceNames": ["db-x"]}}]}),
        );
        assert!(read_only(std::slice::from_ref(&ro), &s));
        assert!(!read_only(std::slice::from_ref(&to), &s));
        assert!(take_over(&[to], &s));
        assert!(shared(&[sh], &s));
    }
}
