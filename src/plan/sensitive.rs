//! Values kept out of `plan.json`: whatever a component, trait, policy or
//! step's properties hold that lands in a Secret's `data`/`stringData`
//! (a property value equal to one of the bundle's Secret values, plain or
//! base64), and whatever a definition marks `// +sensitive` (`writeOnly` in
//! its parameter schema, every scalar under it).
//!
//! Each such value is replaced by `(sensitive sha256:…)`, the digest of its
//! canonical JSON, and kept in `sensitive.json` beside the bundle, which is
//! owner-only as the bundle's Secrets are. Reading the plan puts the values
//! back after checking every digest, so the applier runs exactly what was
//! planned, while `plan.json` can be reviewed, diffed or committed: a review
//! sees that a value changed (its digest did), never the value.

use serde_json::{Map, Value as Json, json};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The file of a plan directory that holds the values.
pub const FILE: &str = "sensitive.json";

/// What stands for a value in `plan.json`: `(sensitive sha256:<hex>)`.
const OPEN: &str = "(sensitive ";

/// The values kept out of `plan.json`, by digest (`sha256:<hex>`).
#[derive(Default, Debug, Clone, PartialEq)]
pub struct Kept(BTreeMap<String, Json>);

/// What a `properties` object configures, by where `plan.json` holds it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Holder {
    /// A component (application components, placements' services).
    Component,
    /// A trait of a component.
    Trait,
    /// A policy.
    Policy,
    /// A workflow step.
    Step,
}

/// Parameter schemas that mark something sensitive, by holder and type.
pub type Marked = HashMap<(Holder, String), Json>;

impl Kept {
    /// No value was kept out.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `sensitive.json`'s text (deterministic: keys sorted).
    pub fn file_text(&self) -> String {
        let mut t = serde_json::to_string_pretty(&json!({"formatVersion": 1, "values": self.0}))
            .expect("JSON serialises");
        t.push('\n');
        t
    }

    /// Reads `sensitive.json`, checking every value against its digest.
    pub fn parse(text: &str) -> Result<Kept, String> {
        let raw: Json = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let Some(values) = raw.get("values").and_then(Json::as_object) else {
            return Err("no \"values\" object".into());
        };
        let mut out = BTreeMap::new();
        for (d, v) in values {
            if crate::plan::digest(v) != *d {
                return Err(format!(
                    "the value kept as {d} changed since it was planned; plan again"
                ));
            }
            out.insert(d.clone(), v.clone());
        }
        Ok(Kept(out))
    }

    fn keep(&mut self, node: &mut Json) {
        let v = node.take();
        let d = crate::plan::digest(&v);
        *node = Json::String(format!("{OPEN}{d})"));
        self.0.insert(d, v);
    }
}

/// Whether a parameter schema marks anything sensitive.
pub fn marks(schema: &Json) -> bool {
    match schema {
        Json::Object(m) => m.get("writeOnly") == Some(&Json::Bool(true)) || m.values().any(marks),
        Json::Array(a) => a.iter().any(marks),
        _ => false,
    }
}

/// The values of the Secrets among `objects`: `stringData` values, and
/// `data` values both as written (base64) and decoded when that is text.
pub fn secret_values<'a>(objects: impl IntoIterator<Item = &'a Json>) -> HashSet<String> {
    use base64::Engine as _;
    let mut out = HashSet::new();
    for o in objects
        .into_iter()
        .filter(|o| crate::render::holds_secret(o))
    {
        let strings = |k: &str| {
            o.get(k)
                .and_then(Json::as_object)
                .into_iter()
                .flat_map(Map::values)
                .filter_map(Json::as_str)
                .filter(|s| !s.is_empty())
        };
        out.extend(strings("stringData").map(str::to_string));
        for s in strings("data") {
            out.insert(s.to_string());
            if let Ok(b) = base64::engine::general_purpose::STANDARD.decode(s)
                && let Ok(t) = String::from_utf8(b)
                && !t.is_empty()
            {
                out.insert(t);
            }
        }
    }
    out
}

/// Replaces the sensitive values of every `properties` object in `plan`
/// (definitions and the definitions rendered at apply excepted: they hold
/// templates, not values) and returns them.
pub fn redact(plan: &mut Json, values: &HashSet<String>, marked: &Marked) -> Kept {
    let mut kept = Kept::default();
    if values.is_empty() && marked.is_empty() {
        return kept;
    }
    pass(plan, values, marked, &mut kept);
    // A marked value may also stand where nothing marks it (an override
    // policy giving a component's marked parameter): kept there too.
    let more: HashSet<String> = kept
        .0
        .values()
        .filter_map(Json::as_str)
        .filter(|s| !values.contains(*s))
        .map(str::to_string)
        .collect();
    if !more.is_empty() {
        pass(
            plan,
            &values.union(&more).cloned().collect(),
            marked,
            &mut kept,
        );
    }
    kept
}

fn pass(plan: &mut Json, values: &HashSet<String>, marked: &Marked, kept: &mut Kept) {
    if let Json::Object(m) = plan {
        for (k, v) in m.iter_mut() {
            if k != "definitions" && k != "renderAtApply" {
                Redactor {
                    values,
                    marked,
                    kept: &mut *kept,
                }
                .holders(v, holder_of(k));
            }
        }
    }
}

/// Puts the kept values back; a digest with no value is an error (the plan
/// was copied without its `sensitive.json`).
pub fn restore(plan: &mut Json, kept: Option<&Kept>) -> Result<(), String> {
    match plan {
        Json::String(s) => {
            if let Some(d) = s.strip_prefix(OPEN).and_then(|r| r.strip_suffix(')')) {
                match kept.and_then(|k| k.0.get(d)) {
                    Some(v) => *plan = v.clone(),
                    None => {
                        return Err(format!(
                            "a sensitive value ({d}) is not in {FILE}; copy the whole plan directory, or plan again"
                        ));
                    }
                }
            }
            Ok(())
        }
        Json::Array(a) => a.iter_mut().try_for_each(|v| restore(v, kept)),
        Json::Object(m) => m.values_mut().try_for_each(|v| restore(v, kept)),
        _ => Ok(()),
    }
}

/// Which holder a list under this key holds.
fn holder_of(key: &str) -> Option<Holder> {
    match key {
        "components" | "services" => Some(Holder::Component),
        "traits" => Some(Holder::Trait),
        "policies" => Some(Holder::Policy),
        "steps" | "subSteps" => Some(Holder::Step),
        _ => None,
    }
}

struct Redactor<'a> {
    values: &'a HashSet<String>,
    marked: &'a Marked,
    kept: &'a mut Kept,
}

impl Redactor<'_> {
    /// Finds `{type, properties}` objects, knowing what a list holds from
    /// its key.
    fn holders(&mut self, node: &mut Json, holder: Option<Holder>) {
        match node {
            Json::Array(a) => a.iter_mut().for_each(|v| self.holders(v, holder)),
            Json::Object(m) => {
                let schema = holder
                    .zip(m.get("type").and_then(Json::as_str))
                    .and_then(|(h, t)| {
                        // Generated apply steps run the `apply-component` step.
                        let t = if t == "builtin-apply-component" {
                            "apply-component"
                        } else {
                            t
                        };
                        self.marked.get(&(h, t.to_string()))
                    });
                let schema = schema.map(|s| vec![s]).unwrap_or_default();
                for (k, v) in m.iter_mut() {
                    if k == "properties" {
                        self.value(v, &schema, false);
                    } else {
                        self.holders(v, holder_of(k));
                    }
                }
            }
            _ => {}
        }
    }

    /// Keeps what is sensitive in one value, `schemas` describing it.
    fn value(&mut self, node: &mut Json, schemas: &[&Json], forced: bool) {
        let parts: Vec<&Json> = schemas.iter().flat_map(|s| parts(s)).collect();
        let forced = forced
            || parts
                .iter()
                .any(|s| s.get("writeOnly") == Some(&json!(true)));
        match node {
            Json::Null => {}
            // Kept already (a second pass).
            Json::String(s) if is_marker(s) => {}
            Json::String(s) if forced || self.values.contains(s.as_str()) => self.kept.keep(node),
            Json::Bool(_) | Json::Number(_) if forced => self.kept.keep(node),
            Json::Object(m) => {
                for (k, v) in m.iter_mut() {
                    let inner: Vec<&Json> = parts
                        .iter()
                        .flat_map(|s| {
                            let named = s.get("properties").and_then(|p| p.get(k.as_str()));
                            let patterns = s
                                .get("patternProperties")
                                .and_then(Json::as_object)
                                .into_iter()
                                .flat_map(Map::values);
                            let extra = s.get("additionalProperties").filter(|x| x.is_object());
                            named.into_iter().chain(patterns).chain(extra)
                        })
                        .collect();
                    self.value(v, &inner, forced);
                }
            }
            Json::Array(a) => {
                for (i, v) in a.iter_mut().enumerate() {
                    let inner: Vec<&Json> = parts
                        .iter()
                        .flat_map(|s| {
                            let fixed = s.get("prefixItems").and_then(|p| p.get(i));
                            fixed.into_iter().chain(s.get("items"))
                        })
                        .collect();
                    self.value(v, &inner, forced);
                }
            }
            _ => {}
        }
    }
}

fn is_marker(s: &str) -> bool {
    s.starts_with(OPEN) && s.ends_with(')')
}

/// A schema and the alternatives and conjuncts it is made of.
fn parts(s: &Json) -> Vec<&Json> {
    let mut out = vec![s];
    for k in ["allOf", "anyOf", "oneOf"] {
        if let Some(a) = s.get(k).and_then(Json::as_array) {
            out.extend(a.iter().flat_map(parts));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(v: &[&str]) -> HashSet<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn secret_values_are_read_plain_and_decoded() {
        let s = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "stringData": {"user": "admin", "empty": ""}, "data": {"pw": "aHVudGVyMg=="}});
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": "visible"}});
        let got = secret_values([&s, &cm]);
        assert_eq!(got, values(&["admin", "aHVudGVyMg==", "hunter2"]));
    }

    #[test]
    fn properties_holding_secret_values_keep_digests_and_come_back() {
        let mut plan = json!({
            "application": {"object": {"spec": {"components": [{"name": "db", "type": "x",
                "properties": {"password": "hunter2", "image": "postgres", "n": ["hunter2", 3]},
                "traits": [{"type": "t", "properties": {"env": {"PW": "hunter2"}}}]}]}}},
            "steps": [{"name": "deploy", "type": "deploy", "properties": {},
                "placements": [{"cluster": "c", "services": [{"name": "db", "type": "x",
                    "properties": {"password": "hunter2"}}]}]}],
            "definitions": [{"name": "x", "template": "hunter2"}],
        });
        let before = plan.clone();
        let kept = redact(&mut plan, &values(&["hunter2"]), &Marked::new());
        let text = json!([plan["application"], plan["steps"]]).to_string();
        assert!(!text.contains("hunter2"), "{text}");
        // Definitions are not properties.
        assert_eq!(plan["definitions"], before["definitions"]);
        let d = crate::plan::digest(&json!("hunter2"));
        assert_eq!(
            plan.pointer("/steps/0/placements/0/services/0/properties/password"),
            Some(&json!(format!("(sensitive {d})")))
        );
        assert_eq!(
            plan.pointer("/application/object/spec/components/0/properties/image"),
            Some(&json!("postgres"))
        );
        // Through the file and back.
        let kept = Kept::parse(&kept.file_text()).unwrap();
        restore(&mut plan, Some(&kept)).unwrap();
        assert_eq!(plan, before);
    }

    #[test]
    fn marked_parameters_keep_every_scalar_under_them() {
        let schema = json!({"type": "object", "properties": {
            "data": {"type": "object", "writeOnly": true},
            "registry": {"anyOf": [{"type": "object", "properties": {"password": {"type": "string", "writeOnly": true}}}]},
            "list": {"type": "array", "items": {"properties": {"token": {"writeOnly": true}}}},
        }});
        let marked: Marked = [((Holder::Step, "export".to_string()), schema)].into();
        let mut plan = json!({"steps": [{"name": "s", "type": "export", "properties": {
            "data": {"a": "one", "b": 2, "c": null, "d": {"e": true}},
            "registry": {"password": "pw", "user": "me"},
            "list": [{"token": "t1", "name": "n"}],
            "name": "visible",
        }}]});
        let kept = redact(&mut plan, &HashSet::new(), &marked);
        let p = &plan["steps"][0]["properties"];
        for ptr in [
            "/data/a",
            "/data/b",
            "/data/d/e",
            "/registry/password",
            "/list/0/token",
        ] {
            assert!(
                p.pointer(ptr).unwrap().as_str().unwrap().starts_with(OPEN),
                "{ptr}: {p}"
            );
        }
        assert_eq!(p["data"]["c"], Json::Null);
        assert_eq!(p["registry"]["user"], "me");
        assert_eq!(p["list"][0]["name"], "n");
        assert_eq!(p["name"], "visible");
        assert_eq!(kept.0.len(), 5);
        // The same type elsewhere (a component) is not marked.
        let mut other = json!({"application": {"object": {"spec": {"components": [
            {"type": "export", "properties": {"data": {"a": "one"}}}]}}}});
        assert!(redact(&mut other, &HashSet::new(), &marked).is_empty());
    }

    #[test]
    fn a_marked_value_is_kept_wherever_it_stands() {
        let schema = json!({"properties": {"password": {"type": "string", "writeOnly": true}}});
        let marked: Marked = [((Holder::Component, "db".to_string()), schema)].into();
        let mut plan = json!({"application": {"object": {"spec": {
            "components": [{"name": "d", "type": "db", "properties": {"password": "p1"}}],
            "policies": [{"type": "override", "properties": {"components": [
                {"name": "d", "properties": {"password": "p2-from-override"}}]}}]}}},
            "steps": [{"type": "deploy", "properties": {}, "placements": [{"services": [
                {"name": "d", "type": "db", "properties": {"password": "p2-from-override"}}]}]}]});
        let kept = redact(&mut plan, &HashSet::new(), &marked);
        let text = plan.to_string();
        assert!(
            !text.contains("p1") && !text.contains("p2-from-override"),
            "{text}"
        );
        assert_eq!(kept.0.len(), 2);
    }

    #[test]
    fn a_changed_value_or_a_missing_file_is_refused() {
        let mut plan = json!({"policies": [{"type": "p", "properties": {"k": "v"}}]});
        let kept = redact(&mut plan, &values(&["v"]), &Marked::new());
        let forged = kept.file_text().replace("\"v\"", "\"w\"");
        assert!(
            Kept::parse(&forged)
                .unwrap_err()
                .contains("changed since it was planned")
        );
        let mut copy = plan.clone();
        let e = restore(&mut copy, None).unwrap_err();
        assert!(e.contains(FILE), "{e}");
        assert!(!e.contains("\"v\""));
    }

    #[test]
    fn nothing_to_keep_leaves_the_plan_alone() {
        let mut plan = json!({"steps": [{"type": "deploy", "properties": {"policies": ["a"]}}]});
        let before = plan.clone();
        assert!(redact(&mut plan, &HashSet::new(), &Marked::new()).is_empty());
        assert_eq!(plan, before);
        restore(&mut plan, None).unwrap();
    }
}
