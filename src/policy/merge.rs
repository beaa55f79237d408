//! KubeVela's component patch routine, shared by `env-binding` and
//! `override` (`pkg/policy/envbinding/patch.go`): patch entries select
//! components by an unanchored name pattern and/or type; a type change
//! replaces the component; otherwise properties are deep-merged (maps merge,
//! everything else, lists included, is replaced; `null` is kept), traits are
//! matched by type (duplicates collapse to the first), `disable: true`
//! removes a trait; a name that matches nothing adds a component. A selector
//! list keeps only the components it names, in application order; an empty
//! list keeps none.
//!
//! Properties stay YAML nodes, so a value that came from a patch still points
//! at the patch's line when it is wrong.

use super::PolicyError;
use crate::model::{Component, Trait};
use crate::yaml::{Kind, Node};

/// One entry of `patch.components` (env-binding) or `components` (override).
#[derive(Clone, Debug)]
pub struct ComponentPatch {
    /// Name pattern (`*` is `.*`; unanchored), if any.
    pub name: Option<String>,
    /// Component type, if any.
    pub type_: Option<String>,
    /// Properties to merge.
    pub properties: Option<Node>,
    /// Trait patches.
    pub traits: Vec<TraitPatch>,
    /// Pinned revision.
    pub external_revision: Option<String>,
    /// The entry, for errors.
    pub node: Node,
}

/// One trait patch.
#[derive(Clone, Debug)]
pub struct TraitPatch {
    /// Trait type.
    pub type_: String,
    /// Properties to merge.
    pub properties: Option<Node>,
    /// Remove the trait.
    pub disable: bool,
    /// The entry.
    pub node: Node,
}

impl ComponentPatch {
    /// Reads one entry (its shape was checked against the policy schema).
    pub fn from_node(n: &Node) -> ComponentPatch {
        let s = |k: &str| n.get(k).and_then(Node::as_str).map(String::from);
        let traits = match n.get("traits").map(|t| &t.kind) {
            Some(Kind::Seq(items)) => items
                .iter()
                .map(|t| TraitPatch {
                    type_: t
                        .get("type")
                        .and_then(Node::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    properties: t
                        .get("properties")
                        .filter(|p| p.kind != Kind::Null)
                        .cloned(),
                    disable: t.get("disable").is_some_and(|d| d.kind == Kind::Bool(true)),
                    node: t.clone(),
                })
                .collect(),
            _ => Vec::new(),
        };
        ComponentPatch {
            name: s("name").filter(|x| !x.is_empty()),
            type_: s("type").filter(|x| !x.is_empty()),
            properties: n
                .get("properties")
                .filter(|p| p.kind != Kind::Null)
                .cloned(),
            traits,
            external_revision: s("externalRevision").filter(|x| !x.is_empty()),
            node: n.clone(),
        }
    }
}

/// Deep merge: maps merge key by key, anything else in the patch replaces.
pub fn merge_nodes(base: &Node, patch: &Node) -> Node {
    match (&base.kind, &patch.kind) {
        (Kind::Map(b), Kind::Map(p)) => {
            let mut out = b.clone();
            for (k, v) in p {
                match out.iter_mut().find(|(bk, _)| bk.name == k.name) {
                    Some((_, bv)) => *bv = merge_nodes(bv, v),
                    None => out.push((k.clone(), v.clone())),
                }
            }
            Node {
                span: base.span,
                kind: Kind::Map(out),
            }
        }
        _ => patch.clone(),
    }
}

fn merge_props(base: &Option<Node>, patch: &Option<Node>) -> Option<Node> {
    match (base, patch) {
        (Some(b), Some(p)) => Some(merge_nodes(b, p)),
        (None, Some(p)) => Some(p.clone()),
        (b, None) => b.clone(),
    }
}

fn new_trait(t: &TraitPatch, path: &str) -> Trait {
    Trait {
        type_: t.type_.clone(),
        properties: t.properties.clone(),
        span: t.node.span,
        type_span: t.node.get("type").map_or(t.node.span, |n| n.span),
        path: path.to_string(),
    }
}

/// Merges one patch entry into a component of the same type.
fn merge_component(c: &mut Component, p: &ComponentPatch) {
    c.properties = merge_props(&c.properties, &p.properties);
    if let Some(r) = &p.external_revision {
        c.external_revision = Some(r.clone());
    }
    // Traits by type: the first of each type stands for all of them.
    let mut traits: Vec<Trait> = Vec::new();
    for t in c.traits.drain(..) {
        if !traits.iter().any(|x| x.type_ == t.type_) {
            traits.push(t);
        }
    }
    for tp in &p.traits {
        match traits.iter().position(|t| t.type_ == tp.type_) {
            Some(i) if tp.disable => {
                traits.remove(i);
            }
            Some(i) => traits[i].properties = merge_props(&traits[i].properties, &tp.properties),
            None if !tp.disable => traits.push(new_trait(tp, &c.path)),
            None => {}
        }
    }
    c.traits = traits;
}

/// A component made from a patch (a type change, or a name nothing matched).
fn from_patch(name: &str, p: &ComponentPatch, like: Option<&Component>) -> Component {
    let span = p.node.span;
    Component {
        name: name.to_string(),
        type_: p.type_.clone().unwrap_or_default(),
        properties: p.properties.clone(),
        traits: p
            .traits
            .iter()
            .filter(|t| !t.disable)
            .map(|t| new_trait(t, like.map_or("", |c| c.path.as_str())))
            .collect(),
        depends_on: like.map(|c| c.depends_on.clone()).unwrap_or_default(),
        inputs: like.map(|c| c.inputs.clone()).unwrap_or_default(),
        outputs: like.map(|c| c.outputs.clone()).unwrap_or_default(),
        external_revision: p.external_revision.clone(),
        span,
        type_span: p.node.get("type").map_or(span, |n| n.span),
        path: like.map_or_else(String::new, |c| c.path.clone()),
    }
}

/// Upstream's test for "could name a new component": a DNS label somewhere
/// in the pattern.
fn could_name_component(name: &str) -> bool {
    let b = name.as_bytes();
    (0..b.len()).any(|i| b[i].is_ascii_lowercase())
}

/// Applies patch entries in order, then the selector.
pub fn patch_components(
    components: &[Component],
    patches: &[ComponentPatch],
    selector: Option<&[String]>,
) -> Result<Vec<Component>, PolicyError> {
    let mut out: Vec<Component> = components.to_vec();
    for p in patches {
        match &p.name {
            None => {
                for c in out.iter_mut() {
                    if p.type_.as_ref().is_none_or(|t| *t == c.type_) {
                        merge_component(c, p);
                    }
                }
            }
            Some(pattern) => {
                let re = regex::Regex::new(&pattern.replace('*', ".*")).map_err(|e| {
                    PolicyError::at(
                        format!("invalid component name pattern {pattern:?}: {e}"),
                        p.node.get("name").unwrap_or(&p.node).span,
                    )
                })?;
                let mut matched = false;
                for c in out.iter_mut() {
                    if !re.is_match(&c.name) {
                        continue;
                    }
                    matched = true;
                    match &p.type_ {
                        Some(t) if *t != c.type_ => *c = from_patch(&c.name.clone(), p, Some(c)),
                        _ => merge_component(c, p),
                    }
                }
                if !matched && could_name_component(pattern) {
                    out.push(from_patch(pattern, p, None));
                }
            }
        }
    }
    if let Some(sel) = selector {
        out.retain(|c| sel.contains(&c.name));
    }
    Ok(out)
}
