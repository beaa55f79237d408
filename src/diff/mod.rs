//! What changes between two plans, or between a plan and the live clusters:
//! objects added, changed or removed per cluster (with a line per changed
//! field and a unified YAML diff), and steps added, changed or removed.
//!
//! Pure: both sides are [`PlanView`]s, read from a plan directory or made in
//! memory from an application, or a live preview made by the applier.
//! Secret `data` and `stringData` values (and the last-applied annotation
//! that would repeat them) never reach a report: they are replaced by a
//! mask before anything is shown, and a changed value shows only that it
//! changed.

pub mod fields;

pub use fields::Field;

use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;

/// One side of a diff.
#[derive(Clone, Debug, Default)]
pub struct PlanView {
    /// Objects by bundle path (`cluster/namespace/kind.name.yaml`).
    pub objects: BTreeMap<String, Json>,
    /// Steps by name (their plan entries, placements removed).
    pub steps: Vec<(String, Json)>,
    /// Where each field's value was written, by bundle path then field
    /// path (`app.yaml:47:35`), when this side is an application file.
    pub origins: BTreeMap<String, std::collections::HashMap<String, String>>,
}

impl PlanView {
    /// From a plan (`plan.json`) and its bundle files (`path → object`).
    pub fn new(plan: &Json, objects: BTreeMap<String, Json>) -> PlanView {
        let mut steps = Vec::new();
        for s in plan["steps"].as_array().into_iter().flatten() {
            collect_steps(s, &mut steps);
        }
        PlanView {
            objects,
            steps,
            origins: BTreeMap::new(),
        }
    }
}

fn collect_steps(s: &Json, out: &mut Vec<(String, Json)>) {
    let mut entry = s.clone();
    if let Json::Object(m) = &mut entry {
        m.remove("placements");
        m.remove("id");
        m.remove("subSteps");
    }
    out.push((s["name"].as_str().unwrap_or_default().to_string(), entry));
    for sub in s["subSteps"].as_array().into_iter().flatten() {
        collect_steps(sub, out);
    }
}

/// How an object or step changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Only in the new plan.
    Added,
    /// In both, different.
    Changed,
    /// Only in the old plan.
    Removed,
}

impl Change {
    fn word(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Changed => "changed",
            Change::Removed => "removed",
        }
    }

    fn sign(self) -> char {
        match self {
            Change::Added => '+',
            Change::Changed => '~',
            Change::Removed => '-',
        }
    }
}

/// One changed object.
#[derive(Clone, Debug)]
pub struct ObjectChange {
    /// Cluster (first path segment).
    pub cluster: String,
    /// Bundle path.
    pub path: String,
    /// What happened.
    pub change: Change,
    /// Unified diff of the (masked) YAML.
    pub diff: String,
    /// Changed leaves (masked), for a changed object.
    pub fields: Vec<Field>,
    /// Field managers whose fields apply would take over (live diffs).
    pub conflicts: Vec<String>,
}

/// One changed step.
#[derive(Clone, Debug)]
pub struct StepChange {
    /// Step name.
    pub name: String,
    /// What happened.
    pub change: Change,
    /// Fields that differ (for a changed step).
    pub fields: Vec<String>,
}

/// The differences between two plans.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Object changes, by path.
    pub objects: Vec<ObjectChange>,
    /// Step changes, in the new plan's order (removed ones last).
    pub steps: Vec<StepChange>,
}

impl Report {
    /// No difference at all.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.steps.is_empty()
    }
}

/// kubectl's and Flux's convention: a Secret value shows as `***`, with
/// `(before)`/`(after)` so a changed value is a changed line.
const MASK: &str = "***";

/// Where a Secret's values are: its `data` and `stringData`, and kubectl's
/// last-applied annotation (a copy of what was applied).
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

fn is_secret(o: Option<&Json>) -> bool {
    o.is_some_and(|o| o["kind"] == "Secret" && o["apiVersion"] == "v1")
}

/// The secret-bearing values of one side, as `(field, key) → value`.
fn secret_values(o: &mut Json) -> Vec<(&'static str, String, &mut Json)> {
    let mut out = Vec::new();
    let Some(m) = o.as_object_mut() else {
        return out;
    };
    for (field, v) in m.iter_mut() {
        let field: &'static str = match field.as_str() {
            "data" => "data",
            "stringData" => "stringData",
            "metadata" => {
                if let Some(a) = v
                    .get_mut("annotations")
                    .and_then(|a| a.get_mut(LAST_APPLIED))
                {
                    out.push(("annotations", LAST_APPLIED.to_string(), a));
                }
                continue;
            }
            _ => continue,
        };
        if let Json::Object(vals) = v {
            for (k, x) in vals.iter_mut() {
                out.push((field, k.clone(), x));
            }
        }
    }
    out
}

/// Both sides with a Secret's values masked: a value equal on both sides is
/// `***`, one that differs `*** (before)` and `*** (after)` (kubectl's and
/// Flux's convention), so only changed values show as changed lines.
pub fn masked(before: Option<&Json>, after: Option<&Json>) -> (Option<Json>, Option<Json>) {
    let (mut a, mut b) = (before.cloned(), after.cloned());
    if !(is_secret(before) || is_secret(after)) {
        return (a, b);
    }
    // Each side's values as they are, then each side masked against the
    // other's.
    type Values = Vec<(&'static str, String, Json)>;
    let values = |o: &mut Option<Json>| -> Values {
        o.as_mut()
            .map(|x| {
                secret_values(x)
                    .into_iter()
                    .map(|(f, k, v)| (f, k, v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (old, new) = (values(&mut a), values(&mut b));
    let mask = |o: &mut Option<Json>, other: &Values, side: &str| {
        for (f, k, v) in o.as_mut().map(secret_values).unwrap_or_default() {
            let equal = other
                .iter()
                .any(|(f2, k2, v2)| *f2 == f && *k2 == k && v2 == v);
            *v = Json::String(if equal {
                MASK.into()
            } else {
                format!("{MASK} ({side})")
            });
        }
    };
    mask(&mut a, &new, "before");
    mask(&mut b, &old, "after");
    (a, b)
}

/// One object's change as a report shows it, from its unmasked sides.
pub fn object_change(
    cluster: &str,
    path: &str,
    change: Change,
    before: Option<&Json>,
    after: Option<&Json>,
    conflicts: Vec<String>,
) -> ObjectChange {
    let (a, b) = masked(before, after);
    let text = |o: &Option<Json>| o.as_ref().map(yaml).unwrap_or_default();
    let fields = match (&a, &b) {
        (Some(x), Some(y)) => fields::leaves(x, y),
        _ => Vec::new(),
    };
    ObjectChange {
        cluster: cluster.to_string(),
        path: path.to_string(),
        change,
        diff: unified(path, &text(&a), &text(&b)),
        fields,
        conflicts,
    }
}

fn yaml(o: &Json) -> String {
    crate::cue::builtins::json_to_yaml(o)
}

fn unified(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// Compares two plans.
pub fn compare(old: &PlanView, new: &PlanView) -> Report {
    let mut r = Report::default();
    let paths: std::collections::BTreeSet<&String> =
        old.objects.keys().chain(new.objects.keys()).collect();
    for p in paths {
        let cluster = p.split('/').next().unwrap_or_default();
        let (a, b) = (old.objects.get(p), new.objects.get(p));
        let change = match (a, b) {
            (Some(x), Some(y)) if x == y => continue,
            (Some(_), Some(_)) => Change::Changed,
            (None, Some(_)) => Change::Added,
            (Some(_), None) => Change::Removed,
            (None, None) => continue,
        };
        let mut c = object_change(cluster, p, change, a, b, Vec::new());
        // A field's origin is where its new value was written (its old
        // one, for a removed field).
        for f in &mut c.fields {
            let side = if f.after.is_some() { new } else { old };
            f.origin = side.origins.get(p).and_then(|m| m.get(&f.path)).cloned();
        }
        r.objects.push(c);
    }
    for (name, s) in &new.steps {
        match old.steps.iter().find(|(n, _)| n == name) {
            None => r.steps.push(StepChange {
                name: name.clone(),
                change: Change::Added,
                fields: Vec::new(),
            }),
            Some((_, o)) if o != s => {
                let keys: std::collections::BTreeSet<&String> = o
                    .as_object()
                    .into_iter()
                    .flat_map(Map::keys)
                    .chain(s.as_object().into_iter().flat_map(Map::keys))
                    .collect();
                let fields = keys
                    .into_iter()
                    .filter(|k| o.get(*k) != s.get(*k))
                    .cloned()
                    .collect();
                r.steps.push(StepChange {
                    name: name.clone(),
                    change: Change::Changed,
                    fields,
                });
            }
            Some(_) => {}
        }
    }
    for (name, _) in &old.steps {
        if !new.steps.iter().any(|(n, _)| n == name) {
            r.steps.push(StepChange {
                name: name.clone(),
                change: Change::Removed,
                fields: Vec::new(),
            });
        }
    }
    r
}

/// Plain text: a summary line per change, then the diffs.
pub fn text(r: &Report) -> String {
    if r.is_empty() {
        return "no changes\n".into();
    }
    let mut s = lines(r);
    for o in &r.objects {
        s.push('\n');
        for f in &o.fields {
            s.push_str(&format!("  {}\n", fields::line(f)));
        }
        s.push_str(&o.diff);
    }
    s
}

/// The report without its field lines: one line per changed step and
/// object, then the counts (what `velac up` shows before it asks).
pub fn summary(r: &Report) -> String {
    if r.is_empty() {
        return "no changes\n".into();
    }
    let count = |c: Change| r.objects.iter().filter(|o| o.change == c).count();
    let mut s = lines(r);
    s.push_str(&format!(
        "{} to add, {} to change, {} to remove\n",
        count(Change::Added),
        count(Change::Changed),
        count(Change::Removed)
    ));
    s
}

/// A line per changed step, then per cluster a line per changed object.
fn lines(r: &Report) -> String {
    let mut s = String::new();
    for st in &r.steps {
        s.push_str(&format!("{} step {}", st.change.sign(), st.name));
        if !st.fields.is_empty() {
            s.push_str(&format!(" ({})", st.fields.join(", ")));
        }
        s.push('\n');
    }
    let mut cluster = "";
    for o in &r.objects {
        if o.cluster != cluster {
            cluster = &o.cluster;
            s.push_str(&format!("cluster {cluster}:\n"));
        }
        s.push_str(&format!(
            "  {} {} ({}{})\n",
            o.change.sign(),
            o.path,
            o.change.word(),
            conflict_note(o)
        ));
    }
    s
}

/// `; fields owned by kubectl: apply needs --force-conflicts`.
fn conflict_note(o: &ObjectChange) -> String {
    if o.conflicts.is_empty() {
        return String::new();
    }
    format!(
        "; fields owned by {}: apply needs --force-conflicts",
        o.conflicts.join(", ")
    )
}

/// Markdown for a pull-request comment.
pub fn markdown(r: &Report) -> String {
    if r.is_empty() {
        return "**velac diff:** no changes.\n".into();
    }
    let count = |c: Change| r.objects.iter().filter(|o| o.change == c).count();
    let mut s = format!(
        "**velac diff:** {} added, {} changed, {} removed objects; {} step changes.\n\n",
        count(Change::Added),
        count(Change::Changed),
        count(Change::Removed),
        r.steps.len()
    );
    if !r.steps.is_empty() {
        s.push_str("| step | change | fields |\n|---|---|---|\n");
        for st in &r.steps {
            s.push_str(&format!(
                "| `{}` | {} | {} |\n",
                st.name,
                st.change.word(),
                st.fields.join(", ")
            ));
        }
        s.push('\n');
    }
    let mut by_cluster: BTreeMap<&str, Vec<&ObjectChange>> = BTreeMap::new();
    for o in &r.objects {
        by_cluster.entry(&o.cluster).or_default().push(o);
    }
    for (cluster, objs) in by_cluster {
        s.push_str(&format!("### cluster `{cluster}`\n\n"));
        for o in objs {
            s.push_str(&format!(
                "<details><summary>{} <code>{}</code>{}</summary>\n\n",
                o.change.word(),
                o.path,
                conflict_note(o)
            ));
            for f in &o.fields {
                s.push_str(&format!("- `{}`\n", fields::line(f).replace('`', "'")));
            }
            if !o.fields.is_empty() {
                s.push('\n');
            }
            s.push_str(&format!("```diff\n{}```\n\n</details>\n\n", o.diff));
        }
    }
    s
}

/// JSON for tools.
pub fn json(r: &Report) -> Json {
    json!({
        "changed": !r.is_empty(),
        "steps": r.steps.iter().map(|s| json!({"name": s.name, "change": s.change.word(), "fields": s.fields})).collect::<Vec<_>>(),
        "objects": r.objects.iter().map(|o| json!({
            "cluster": o.cluster,
            "path": o.path,
            "change": o.change.word(),
            "fields": o.fields.iter().map(field_json).collect::<Vec<_>>(),
            "conflicts": o.conflicts,
            "diff": o.diff,
        })).collect::<Vec<_>>(),
    })
}

fn field_json(f: &Field) -> Json {
    let mut m = Map::new();
    m.insert("path".into(), json!(f.path));
    if let Some(b) = &f.before {
        m.insert("before".into(), b.clone());
    }
    if let Some(a) = &f.after {
        m.insert("after".into(), a.clone());
    }
    Json::Object(m)
}

/// A live preview as a report (no step changes: the steps are what the
/// plan runs, not what the clusters hold).
pub fn from_preview(p: &crate::apply::preview::Preview) -> Report {
    use crate::apply::preview::Kind;
    let objects = p
        .changes
        .iter()
        .map(|c| {
            let change = match c.kind {
                Kind::Added => Change::Added,
                Kind::Changed => Change::Changed,
                Kind::Removed => Change::Removed,
            };
            object_change(
                &c.cluster,
                &c.path,
                change,
                c.before.as_ref(),
                c.after.as_ref(),
                c.conflicts.clone(),
            )
        })
        .collect();
    Report {
        objects,
        steps: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(objs: &[(&str, Json)], steps: &[(&str, Json)]) -> PlanView {
        PlanView {
            objects: objs
                .iter()
                .map(|(p, o)| (p.to_string(), o.clone()))
                .collect(),
            steps: steps
                .iter()
                .map(|(n, s)| (n.to_string(), s.clone()))
                .collect(),
            origins: BTreeMap::new(),
        }
    }

    #[test]
    fn changes_and_masking() {
        let secret = |v: &str| json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"token": v}});
        let deploy = |r: i64| json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": r}});
        let old = view(
            &[
                ("prod/ns/secret.s.yaml", secret("c2VjcmV0MQ==")),
                ("prod/ns/deployment.web.yaml", deploy(1)),
                ("prod/ns/configmap.gone.yaml", json!({"kind": "ConfigMap"})),
            ],
            &[
                (
                    "deploy",
                    json!({"name": "deploy", "type": "deploy", "properties": {}}),
                ),
                ("old", json!({"name": "old"})),
            ],
        );
        let new = view(
            &[
                ("prod/ns/secret.s.yaml", secret("c2VjcmV0Mg==")),
                ("prod/ns/deployment.web.yaml", deploy(3)),
                ("stage/ns/deployment.web.yaml", deploy(1)),
            ],
            &[
                (
                    "deploy",
                    json!({"name": "deploy", "type": "deploy", "properties": {"auto": false}}),
                ),
                ("new", json!({"name": "new"})),
            ],
        );
        let r = compare(&old, &new);
        let t = text(&r);
        assert!(!t.contains("c2VjcmV0"), "secret values never shown:\n{t}");
        assert!(t.contains("~ prod/ns/secret.s.yaml (changed)"), "{t}");
        assert!(t.contains("- prod/ns/configmap.gone.yaml (removed)"));
        assert!(t.contains("+ stage/ns/deployment.web.yaml (added)"));
        assert!(t.contains("-  replicas: 1\n+  replicas: 3"), "{t}");
        assert!(t.contains("~ step deploy (properties)"));
        assert!(t.contains("+ step new") && t.contains("- step old"));
        let m = markdown(&r);
        assert!(
            m.starts_with("**velac diff:** 1 added, 2 changed, 1 removed objects; 3 step changes."),
            "{m}"
        );
        assert!(!m.contains("c2VjcmV0"));
        assert_eq!(json(&r)["changed"], true);
        // Only the changed value is marked changed; the Secret's values stay hidden.
        let two = |a: &str, b: &str| {
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s",
            "annotations": {LAST_APPLIED: format!("{{\"data\":{{\"a\":\"{a}\"}}}}")}}, "data": {"a": a, "b": b}})
        };
        let c = object_change(
            "c",
            "c/ns/secret.s.yaml",
            Change::Changed,
            Some(&two("c2VjcmV0MQ==", "same")),
            Some(&two("c2VjcmV0Mg==", "same")),
            Vec::new(),
        );
        let lines: Vec<String> = c.fields.iter().map(fields::line).collect();
        assert_eq!(
            lines,
            vec![
                "metadata.annotations.\"kubectl.kubernetes.io/last-applied-configuration\": *** (before) → *** (after)",
                "data.a: *** (before) → *** (after)"
            ]
        );
        assert!(
            c.diff.contains("   b: '***'") || c.diff.contains("   b: ***"),
            "{}",
            c.diff
        );
        assert!(
            !c.diff.contains("c2VjcmV0") && !c.diff.contains("same"),
            "{}",
            c.diff
        );
        assert!(compare(&old, &old).is_empty());
        assert_eq!(text(&compare(&new, &new)), "no changes\n");
    }
}
