//! Placement: which components go to which cluster and namespace, step by
//! step, as KubeVela's workflow would deploy them.
//!
//! Deploy-like steps are taken from the workflow (or generated as KubeVela
//! generates them when there is none): `deploy2env` places one env of an
//! `env-binding` policy; `deploy` places the clusters of its `topology`
//! policies with its `override` and `replication` policies applied in order;
//! `apply-component` places one component. Every placement carries the
//! components as patched for it, so the renderer evaluates each one with
//! that cluster's `context`.

mod clusters;
pub mod merge;
mod steps;

pub use clusters::{CONTROL_PLANE_LABEL, Cluster, ClusterSet};

use crate::diag::Diagnostic;
use crate::model::{AppFile, Component, Policy, Step, nearest};
use crate::source::Span;
use crate::yaml::{Kind, Node};
use merge::{ComponentPatch, patch_components};

/// A placement error, or a diagnostic from reading the cluster file.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// What is wrong, and where.
    #[error("{message}")]
    At {
        /// Message.
        message: String,
        /// Position.
        span: Span,
    },
    /// Already a diagnostic.
    #[error("{}", .0.message)]
    Diag(Diagnostic),
}

impl PolicyError {
    pub(crate) fn at(message: impl Into<String>, span: Span) -> PolicyError {
        PolicyError::At {
            message: message.into(),
            span,
        }
    }

    /// As a diagnostic.
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            PolicyError::At { message, span } => {
                Diagnostic::error(message.clone()).with_span(*span)
            }
            PolicyError::Diag(d) => d.clone(),
        }
    }
}

/// Components placed on one cluster and namespace by one step.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// Step name.
    pub step: String,
    /// Env (env-binding), if any.
    pub env: Option<String>,
    /// Cluster name.
    pub cluster: String,
    /// Namespace; empty means the application's.
    pub namespace: String,
    /// The components, patched for this placement, each with its replica key.
    pub components: Vec<(Component, String)>,
    /// Whether `context.cluster` names the cluster (deploy steps) or is empty
    /// (components applied to the hub by `apply-component`).
    pub named_cluster: bool,
}

/// Every placement of the application, in workflow order.
pub fn deployments(
    file: &AppFile,
    clusters: &ClusterSet,
) -> Result<Vec<Deployment>, Vec<Diagnostic>> {
    let all = workflow_steps(file)?;
    let mut shape = steps::check(&all);
    // The plan's defaults: a given workflow runs step by step.
    let step_by_step = match file.app.workflow.as_ref() {
        Some(w) => w
            .mode_steps
            .is_none_or(|m| m == crate::model::Mode::StepByStep),
        None => false,
    };
    let component_outputs: Vec<String> = file
        .app
        .components
        .iter()
        .flat_map(|c| c.outputs.iter().map(|o| o.name.clone()))
        .collect();
    shape.extend(steps::check_data_flow(
        &all,
        step_by_step,
        &component_outputs,
    ));
    if !shape.is_empty() {
        return Err(shape);
    }
    let steps = steps_of(file)?;
    let mut out = Vec::new();
    let mut errs = Vec::new();
    for s in &steps {
        match place_step(file, clusters, s) {
            Ok(d) => out.extend(d),
            Err(e) => errs.push(e.to_diagnostic().with_path(format!("step {:?}", s.name))),
        }
    }
    if errs.is_empty() { Ok(out) } else { Err(errs) }
}

/// The workflow's top-level steps (a `ref` names a standalone Workflow), or
/// the steps KubeVela generates when there are none.
pub fn workflow_steps(file: &AppFile) -> Result<Vec<Step>, Vec<Diagnostic>> {
    let app = &file.app;
    let explicit = match &app.workflow {
        Some(w) if w.ref_.is_some() => {
            let name = w.ref_.as_deref().unwrap_or_default();
            match file.workflows.iter().find(|x| x.name == name) {
                Some(x) => x.workflow.steps.clone(),
                None => {
                    return Err(vec![
                        Diagnostic::error(format!("workflow {name:?} is not in the file"))
                            .with_path("spec.workflow.ref")
                            .with_span(app.span),
                    ]);
                }
            }
        }
        Some(w) => w.steps.clone(),
        None => Vec::new(),
    };
    if explicit.is_empty() {
        Ok(default_steps(file))
    } else {
        Ok(explicit)
    }
}

/// The steps to run, sub-steps after their group.
fn steps_of(file: &AppFile) -> Result<Vec<Step>, Vec<Diagnostic>> {
    let mut flat = Vec::new();
    for s in workflow_steps(file)? {
        let subs = s.sub_steps.clone();
        flat.push(s);
        flat.extend(subs);
    }
    Ok(flat)
}

fn synthetic(name: &str, type_: &str, props: Node, span: Span) -> Step {
    Step {
        name: name.to_string(),
        type_: type_.to_string(),
        alias: None,
        if_: None,
        timeout: None,
        depends_on: Vec::new(),
        inputs: Vec::new(),
        outputs: Vec::new(),
        properties: Some(props),
        mode: None,
        sub_steps: Vec::new(),
        span,
        type_span: span,
        path: "spec.workflow (generated)".into(),
    }
}

fn map_node(span: Span, entries: Vec<(&str, Node)>) -> Node {
    Node {
        span,
        kind: Kind::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    (
                        crate::yaml::Key {
                            span,
                            name: k.to_string(),
                        },
                        v,
                    )
                })
                .collect(),
        ),
    }
}

fn str_node(span: Span, s: &str) -> Node {
    Node {
        span,
        kind: Kind::String(s.to_string()),
    }
}

/// KubeVela's default workflow (`pkg/workflow/step/generator.go`).
fn default_steps(file: &AppFile) -> Vec<Step> {
    let app = &file.app;
    let span = app.span;
    let of = |t: &str| {
        app.policies
            .iter()
            .filter(|p| p.type_ == t)
            .collect::<Vec<_>>()
    };
    let (topologies, overrides, envs) = (of("topology"), of("override"), of("env-binding"));
    let names =
        |ps: &[&Policy]| -> Vec<Node> { ps.iter().map(|p| str_node(span, &p.name)).collect() };
    if !topologies.is_empty() {
        return topologies
            .iter()
            .map(|t| {
                let mut ps = names(&overrides);
                ps.push(str_node(span, &t.name));
                let props = map_node(
                    span,
                    vec![(
                        "policies",
                        Node {
                            span,
                            kind: Kind::Seq(ps),
                        },
                    )],
                );
                synthetic(&format!("deploy-{}", t.name), "deploy", props, span)
            })
            .collect();
    }
    if !overrides.is_empty() {
        let props = map_node(
            span,
            vec![(
                "policies",
                Node {
                    span,
                    kind: Kind::Seq(names(&overrides)),
                },
            )],
        );
        return vec![synthetic("deploy", "deploy", props, span)];
    }
    if !envs.is_empty() {
        let mut steps = Vec::new();
        for p in envs {
            for env in env_entries(p) {
                let Some(env_name) = env.get("name").and_then(Node::as_str) else {
                    continue;
                };
                let props = map_node(
                    span,
                    vec![
                        ("policy", str_node(span, &p.name)),
                        ("env", str_node(span, env_name)),
                    ],
                );
                steps.push(synthetic(
                    &format!("deploy-{}-{env_name}", p.name),
                    "deploy2env",
                    props,
                    span,
                ));
            }
        }
        return steps;
    }
    app.components
        .iter()
        .map(|c| {
            let props = map_node(span, vec![("component", str_node(span, &c.name))]);
            // As KubeVela's generator does: the component's outputs and
            // dependencies become the step's.
            let mut s = synthetic(&c.name, "apply-component", props, c.span);
            s.outputs = c.outputs.clone();
            s.depends_on = c.depends_on.clone();
            // An input's key is relative to the component's properties
            // (unless it names `properties` or `traits[…]`), and the step
            // takes the component as its `value`.
            s.inputs = c
                .inputs
                .iter()
                .map(|i| {
                    let k = &i.parameter_key;
                    let key = if k.is_empty() {
                        String::new()
                    } else if k.starts_with("properties") || k.starts_with("traits[") {
                        format!("value.{k}")
                    } else {
                        format!("value.properties.{k}")
                    };
                    crate::model::Input {
                        from: i.from.clone(),
                        parameter_key: key,
                    }
                })
                .collect();
            s
        })
        .collect()
}

fn env_entries(p: &Policy) -> Vec<&Node> {
    match p
        .properties
        .as_ref()
        .and_then(|n| n.get("envs"))
        .map(|e| &e.kind)
    {
        Some(Kind::Seq(items)) => items.iter().collect(),
        _ => Vec::new(),
    }
}

fn prop<'a>(s: &'a Step, key: &str) -> Option<&'a Node> {
    s.properties
        .as_ref()
        .and_then(|p| p.get(key))
        .filter(|n| n.kind != Kind::Null)
}

fn strings(n: Option<&Node>) -> Option<Vec<String>> {
    match n.map(|n| &n.kind) {
        Some(Kind::Seq(items)) => Some(
            items
                .iter()
                .filter_map(|i| i.as_str().map(String::from))
                .collect(),
        ),
        _ => None,
    }
}

fn find_policy<'a>(file: &'a AppFile, name: &str, at: Span) -> Result<&'a Policy, PolicyError> {
    file.app
        .policies
        .iter()
        .chain(&file.policies)
        .find(|p| p.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = file
                .app
                .policies
                .iter()
                .chain(&file.policies)
                .map(|p| p.name.as_str())
                .collect();
            let hint = nearest(name, &names)
                .map(|s| format!(" (did you mean {s:?}?)"))
                .unwrap_or_default();
            PolicyError::at(format!("policy {name:?} not found{hint}"), at)
        })
}

fn check_cluster(clusters: &ClusterSet, name: &str, at: Span) -> Result<(), PolicyError> {
    if clusters.get(name).is_some() {
        return Ok(());
    }
    let hint = nearest(name, &clusters.names())
        .map(|s| format!(" (did you mean {s:?}?)"))
        .unwrap_or_else(|| " (give the cluster list with --clusters)".into());
    Err(PolicyError::at(
        format!("unknown cluster {name:?}{hint}"),
        at,
    ))
}

fn with_keys(comps: Vec<Component>) -> Vec<(Component, String)> {
    comps.into_iter().map(|c| (c, String::new())).collect()
}

fn place_step(
    file: &AppFile,
    clusters: &ClusterSet,
    s: &Step,
) -> Result<Vec<Deployment>, PolicyError> {
    match s.type_.as_str() {
        "deploy2env" => deploy2env(file, clusters, s),
        "deploy" => deploy(file, clusters, s),
        "apply-component" | "builtin-apply-component" => {
            let name = prop(s, "component")
                .and_then(Node::as_str)
                .unwrap_or_default();
            let c = file
                .app
                .components
                .iter()
                .find(|c| c.name == name)
                .ok_or_else(|| {
                    PolicyError::at(
                        format!("component {name:?} is not in the application"),
                        prop(s, "component").map_or(s.span, |n| n.span),
                    )
                })?;
            let cluster = prop(s, "cluster")
                .and_then(Node::as_str)
                .unwrap_or_default();
            if !cluster.is_empty() {
                check_cluster(
                    clusters,
                    cluster,
                    prop(s, "cluster").map_or(s.span, |n| n.span),
                )?;
            }
            Ok(vec![Deployment {
                step: s.name.clone(),
                env: None,
                cluster: if cluster.is_empty() {
                    "local".into()
                } else {
                    cluster.to_string()
                },
                namespace: prop(s, "namespace")
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_string(),
                components: with_keys(vec![c.clone()]),
                named_cluster: !cluster.is_empty(),
            }])
        }
        // The deprecated steps that apply the whole application.
        "apply-application" | "apply-application-in-parallel" | "apply-remaining" => {
            let except = strings(prop(s, "exceptions")).unwrap_or_default();
            let comps: Vec<Component> = file
                .app
                .components
                .iter()
                .filter(|c| !except.contains(&c.name))
                .cloned()
                .collect();
            Ok(vec![Deployment {
                step: s.name.clone(),
                env: None,
                cluster: "local".into(),
                namespace: String::new(),
                components: with_keys(comps),
                named_cluster: false,
            }])
        }
        "deploy2runtime" => {
            let names = match strings(prop(s, "clusters")) {
                Some(n) => {
                    for c in &n {
                        check_cluster(clusters, c, prop(s, "clusters").map_or(s.span, |x| x.span))?;
                    }
                    n
                }
                None => clusters
                    .clusters
                    .iter()
                    .map(|c| c.name.clone())
                    .filter(|n| n != "local")
                    .collect(),
            };
            Ok(names
                .into_iter()
                .map(|c| Deployment {
                    step: s.name.clone(),
                    env: None,
                    cluster: c,
                    namespace: String::new(),
                    components: with_keys(file.app.components.clone()),
                    named_cluster: true,
                })
                .collect())
        }
        _ => Ok(Vec::new()),
    }
}

fn deploy2env(
    file: &AppFile,
    clusters: &ClusterSet,
    s: &Step,
) -> Result<Vec<Deployment>, PolicyError> {
    let policy_name = prop(s, "policy").and_then(Node::as_str).unwrap_or_default();
    let policy = if policy_name.is_empty() {
        file.app
            .policies
            .iter()
            .find(|p| p.type_ == "env-binding")
            .ok_or_else(|| PolicyError::at("no env-binding policy in the application", s.span))?
    } else {
        find_policy(
            file,
            policy_name,
            prop(s, "policy").map_or(s.span, |n| n.span),
        )?
    };
    if policy.type_ != "env-binding" {
        return Err(PolicyError::at(
            format!(
                "policy {:?} is a {}, not an env-binding",
                policy.name, policy.type_
            ),
            prop(s, "policy").map_or(s.span, |n| n.span),
        ));
    }
    let env_name = prop(s, "env").and_then(Node::as_str).unwrap_or_default();
    let envs = env_entries(policy);
    let Some(env) = envs
        .iter()
        .find(|e| e.get("name").and_then(Node::as_str) == Some(env_name))
    else {
        let names: Vec<&str> = envs
            .iter()
            .filter_map(|e| e.get("name").and_then(Node::as_str))
            .collect();
        let hint = nearest(env_name, &names)
            .map(|x| format!(" (did you mean {x:?}?)"))
            .unwrap_or_default();
        return Err(PolicyError::at(
            format!("env {env_name:?} is not in policy {:?}{hint}", policy.name),
            prop(s, "env").map_or(s.span, |n| n.span),
        ));
    };
    let placement = env.get("placement");
    let cs = placement.and_then(|p| p.get("clusterSelector"));
    let ns = placement.and_then(|p| p.get("namespaceSelector"));
    if let Some(l) = cs
        .and_then(|c| c.get("labels"))
        .filter(|l| l.kind != Kind::Null)
    {
        return Err(PolicyError::at(
            "cluster selector does not support label selector for now",
            l.span,
        ));
    }
    if let Some(l) = ns
        .and_then(|c| c.get("labels"))
        .filter(|l| l.kind != Kind::Null)
    {
        return Err(PolicyError::at(
            "namespace selector in cluster-gateway does not support label selector for now",
            l.span,
        ));
    }
    let cluster = cs
        .and_then(|c| c.get("name"))
        .and_then(Node::as_str)
        .filter(|c| !c.is_empty())
        .unwrap_or("local");
    check_cluster(
        clusters,
        cluster,
        cs.and_then(|c| c.get("name")).map_or(env.span, |n| n.span),
    )?;
    let namespace = ns
        .and_then(|c| c.get("name"))
        .and_then(Node::as_str)
        .unwrap_or_default();
    let patches: Vec<ComponentPatch> = match env
        .get("patch")
        .and_then(|p| p.get("components"))
        .map(|c| &c.kind)
    {
        Some(Kind::Seq(items)) => items.iter().map(ComponentPatch::from_node).collect(),
        _ => Vec::new(),
    };
    let selector = strings(env.get("selector").and_then(|s| s.get("components")));
    let comps = patch_components(&file.app.components, &patches, selector.as_deref())?;
    Ok(vec![Deployment {
        step: s.name.clone(),
        env: Some(env_name.to_string()),
        cluster: cluster.to_string(),
        namespace: namespace.to_string(),
        components: with_keys(comps),
        named_cluster: true,
    }])
}

fn deploy(file: &AppFile, clusters: &ClusterSet, s: &Step) -> Result<Vec<Deployment>, PolicyError> {
    let names = strings(prop(s, "policies")).unwrap_or_default();
    let at = prop(s, "policies").map_or(s.span, |n| n.span);
    let mut placements: Vec<(String, String)> = Vec::new();
    let mut comps = file.app.components.clone();
    let mut keyed: Option<Vec<(Component, String)>> = None;
    let mut saw_topology = false;
    // Named policies, then `inlinePolicies` (auto-named as upstream does).
    let mut policies: Vec<Policy> = Vec::new();
    for name in &names {
        policies.push(find_policy(file, name, at)?.clone());
    }
    if let Some(Node {
        kind: Kind::Seq(items),
        ..
    }) = prop(s, "inlinePolicies")
    {
        for (i, n) in items.iter().enumerate() {
            let type_ = n
                .get("type")
                .and_then(Node::as_str)
                .unwrap_or_default()
                .to_string();
            let name = n
                .get("name")
                .and_then(Node::as_str)
                .map_or_else(|| format!("inline-{type_}-policy-{i}"), String::from);
            policies.push(Policy {
                name,
                type_span: n.get("type").map_or(n.span, |t| t.span),
                type_,
                properties: n
                    .get("properties")
                    .filter(|p| p.kind != Kind::Null)
                    .cloned(),
                span: n.span,
                path: format!("{}.properties.inlinePolicies[{i}]", s.path),
            });
        }
    }
    for p in &policies {
        let props = p.properties.as_ref();
        match p.type_.as_str() {
            "topology" => {
                saw_topology = true;
                for pl in topology(p, clusters)? {
                    if !placements.contains(&pl) {
                        placements.push(pl);
                    }
                }
            }
            "override" => {
                let patches: Vec<ComponentPatch> = match props
                    .and_then(|n| n.get("components"))
                    .map(|c| &c.kind)
                {
                    Some(Kind::Seq(items)) => items.iter().map(ComponentPatch::from_node).collect(),
                    _ => Vec::new(),
                };
                let selector = strings(props.and_then(|n| n.get("selector")));
                comps = patch_components(&comps, &patches, selector.as_deref())?;
            }
            "replication" => {
                let keys = strings(props.and_then(|n| n.get("keys"))).unwrap_or_default();
                let selector = strings(props.and_then(|n| n.get("selector")));
                let (picked, rest): (Vec<Component>, Vec<Component>) = comps
                    .iter()
                    .cloned()
                    .partition(|c| selector.as_ref().is_none_or(|s| s.contains(&c.name)));
                if picked.is_empty() {
                    return Err(PolicyError::at(
                        format!("replication policy {:?} selects no component", p.name),
                        p.span,
                    ));
                }
                let mut out = with_keys(rest);
                for c in picked {
                    for k in &keys {
                        out.push((c.clone(), k.clone()));
                    }
                }
                keyed = Some(out);
            }
            _ => {}
        }
    }
    if !saw_topology {
        placements.push(("local".into(), String::new()));
    }
    let components = keyed.unwrap_or_else(|| with_keys(comps));
    Ok(placements
        .into_iter()
        .map(|(cluster, namespace)| Deployment {
            step: s.name.clone(),
            env: None,
            cluster,
            namespace,
            components: components.clone(),
            named_cluster: true,
        })
        .collect())
}

/// The `(cluster, namespace)` placements of one topology policy.
/// The `(cluster, namespace)` placements of a topology policy given as JSON
/// (the applier asks while running, on the cluster snapshot of the plan),
/// by the same rules as planning.
pub fn topology_of(
    name: &str,
    properties: &serde_json::Value,
    clusters: &ClusterSet,
) -> Result<Vec<(String, String)>, String> {
    let mut sources = crate::source::SourceMap::new();
    let text = properties.to_string();
    let node = crate::yaml::parse_str(&mut sources, "policy", &text)
        .map_err(|d| d.message)?
        .into_iter()
        .next();
    let p = Policy {
        name: name.to_string(),
        type_: "topology".into(),
        properties: node,
        span: Span::default(),
        type_span: Span::default(),
        path: String::new(),
    };
    topology(&p, clusters).map_err(|e| e.to_string())
}

fn topology(p: &Policy, clusters: &ClusterSet) -> Result<Vec<(String, String)>, PolicyError> {
    let props = p.properties.as_ref();
    let ns = props
        .and_then(|n| n.get("namespace"))
        .and_then(Node::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(list) = strings(props.and_then(|n| n.get("clusters"))) {
        let at = props
            .and_then(|n| n.get("clusters"))
            .map_or(p.span, |n| n.span);
        let mut out = Vec::new();
        for c in list {
            check_cluster(clusters, &c, at)?;
            out.push((c, ns.clone()));
        }
        return Ok(out);
    }
    if let Some(Kind::Map(sel)) = props
        .and_then(|n| n.get("clusterLabelSelector"))
        .map(|n| &n.kind)
    {
        let want: Vec<(String, String)> = sel
            .iter()
            .map(|(k, v)| {
                (
                    k.name.clone(),
                    v.as_str()
                        .map_or_else(|| v.to_json().to_string(), String::from),
                )
            })
            .collect();
        let out: Vec<(String, String)> = clusters
            .clusters
            .iter()
            .filter(|c| want.iter().all(|w| c.labels.contains(w)))
            .map(|c| (c.name.clone(), ns.clone()))
            .collect();
        let allow_empty = props
            .and_then(|n| n.get("allowEmpty"))
            .is_some_and(|b| b.kind == Kind::Bool(true));
        if out.is_empty() && !allow_empty {
            return Err(PolicyError::at(
                format!(
                    "policy {:?}: failed to find any cluster matches given labels",
                    p.name
                ),
                props
                    .and_then(|n| n.get("clusterLabelSelector"))
                    .map_or(p.span, |n| n.span),
            ));
        }
        return Ok(out);
    }
    Ok(vec![("local".into(), ns)])
}

#[cfg(test)]
mod tests;
