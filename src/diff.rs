//! What changes between two plans: objects added, changed or removed per
//! cluster (with unified YAML diffs), and steps added, changed or removed.
//!
//! Pure: both sides are [`PlanView`]s, read from a plan directory or made in
//! memory from an application. Secret `data` and `stringData` values never
//! reach a report: they are replaced by a mask before anything is compared
//! for display, and a changed value shows only that it changed.

use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;

/// One side of a diff.
#[derive(Clone, Debug, Default)]
pub struct PlanView {
    /// Objects by bundle path (`cluster/namespace/kind.name.yaml`).
    pub objects: BTreeMap<String, Json>,
    /// Steps by name (their plan entries, placements removed).
    pub steps: Vec<(String, Json)>,
}

impl PlanView {
    /// From a plan (`plan.json`) and its bundle files (`path → object`).
    pub fn new(plan: &Json, objects: BTreeMap<String, Json>) -> PlanView {
        let mut steps = Vec::new();
        for s in plan["steps"].as_array().into_iter().flatten() {
            collect_steps(s, &mut steps);
        }
        PlanView { objects, steps }
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

/// A Secret's values replaced by the mask.
fn masked(o: &Json, side: &str) -> Json {
    let mut o = o.clone();
    if o["kind"] == "Secret" && o["apiVersion"] == "v1" {
        for field in ["data", "stringData"] {
            if let Some(Json::Object(m)) = o.get_mut(field) {
                for v in m.values_mut() {
                    *v = Json::String(format!("{MASK} ({side})"));
                }
            }
        }
    }
    o
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
        let cluster = p.split('/').next().unwrap_or_default().to_string();
        let (a, b) = (old.objects.get(p), new.objects.get(p));
        let (change, before, after) = match (a, b) {
            (Some(x), Some(y)) if x == y => continue,
            (Some(x), Some(y)) => (
                Change::Changed,
                yaml(&masked(x, "before")),
                yaml(&masked(y, "after")),
            ),
            (None, Some(y)) => (Change::Added, String::new(), yaml(&masked(y, "after"))),
            (Some(x), None) => (Change::Removed, yaml(&masked(x, "before")), String::new()),
            (None, None) => continue,
        };
        r.objects.push(ObjectChange {
            cluster,
            path: p.clone(),
            change,
            diff: unified(p, &before, &after),
        });
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
            "  {} {} ({})\n",
            o.change.sign(),
            o.path,
            o.change.word()
        ));
    }
    for o in &r.objects {
        s.push('\n');
        s.push_str(&o.diff);
    }
    s
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
                "<details><summary>{} <code>{}</code></summary>\n\n```diff\n{}```\n\n</details>\n\n",
                o.change.word(),
                o.path,
                o.diff
            ));
        }
    }
    s
}

/// JSON for tools.
pub fn json(r: &Report) -> Json {
    json!({
        "changed": !r.is_empty(),
        "steps": r.steps.iter().map(|s| json!({"name": s.name, "change": s.change.word(), "fields": s.fields})).collect::<Vec<_>>(),
        "objects": r.objects.iter().map(|o| json!({"cluster": o.cluster, "path": o.path, "change": o.change.word(), "diff": o.diff})).collect::<Vec<_>>(),
    })
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
        assert!(compare(&old, &old).is_empty());
        assert_eq!(text(&compare(&new, &new)), "no changes\n");
    }
}
