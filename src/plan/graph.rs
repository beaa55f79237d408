//! The workflow of a plan as a graph: steps in their order (or by
//! `dependsOn` in DAG mode), step groups as clusters of sub-steps, and the
//! clusters each deploy-like step deploys to.

use serde_json::Value as Json;

/// Graph syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Graphviz.
    Dot,
    /// Mermaid flowchart (renders in GitHub Markdown).
    Mermaid,
}

struct Node {
    id: String,
    label: String,
    group: Option<usize>,
}

/// The edges of one level of steps: in order for StepByStep, by `dependsOn`
/// (or none) for DAG.
fn edges_of(steps: &[Json], dag: bool, ids: &[String], out: &mut Vec<(String, String, String)>) {
    for (i, s) in steps.iter().enumerate() {
        let deps: Vec<&str> = s["dependsOn"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .collect();
        if !deps.is_empty() {
            for d in deps {
                if let Some(j) = steps.iter().position(|x| x["name"] == d) {
                    out.push((ids[j].clone(), ids[i].clone(), String::new()));
                }
            }
        } else if !dag && i > 0 {
            out.push((ids[i - 1].clone(), ids[i].clone(), String::new()));
        }
    }
}

fn label(s: &Json) -> String {
    let mut l = format!(
        "{} ({})",
        s["name"].as_str().unwrap_or_default(),
        s["type"].as_str().unwrap_or_default()
    );
    if let Some(c) = s["if"].as_str() {
        l.push_str(&format!(" if {c}"));
    }
    l
}

/// Draws a plan's workflow.
pub fn draw(plan: &Json, format: Format) -> String {
    let dag = plan["mode"]["steps"] == "DAG";
    let sub_dag = plan["mode"]["subSteps"] != "StepByStep";
    let top: Vec<Json> = plan["steps"].as_array().cloned().unwrap_or_default();
    let mut nodes: Vec<Node> = Vec::new();
    let mut edges: Vec<(String, String, String)> = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    let mut clusters: Vec<String> = Vec::new();
    let top_ids: Vec<String> = (0..top.len()).map(|i| format!("s{i}")).collect();
    for (i, s) in top.iter().enumerate() {
        nodes.push(Node {
            id: top_ids[i].clone(),
            label: label(s),
            group: None,
        });
        let subs: Vec<Json> = s["subSteps"].as_array().cloned().unwrap_or_default();
        if !subs.is_empty() {
            groups.push(s["name"].as_str().unwrap_or_default().to_string());
            let g = groups.len() - 1;
            let ids: Vec<String> = (0..subs.len()).map(|j| format!("s{i}_{j}")).collect();
            for (j, sub) in subs.iter().enumerate() {
                nodes.push(Node {
                    id: ids[j].clone(),
                    label: label(sub),
                    group: Some(g),
                });
                edges.push((top_ids[i].clone(), ids[j].clone(), String::new()));
                deploys(sub, &ids[j], &mut clusters, &mut edges);
            }
            let group_dag = s["mode"].as_str().map_or(sub_dag, |m| m != "StepByStep");
            edges_of(&subs, group_dag, &ids, &mut edges);
        }
        deploys(s, &top_ids[i], &mut clusters, &mut edges);
    }
    edges_of(&top, dag, &top_ids, &mut edges);
    match format {
        Format::Dot => dot(plan, &nodes, &groups, &clusters, &edges),
        Format::Mermaid => mermaid(&nodes, &groups, &clusters, &edges),
    }
}

fn deploys(
    s: &Json,
    id: &str,
    clusters: &mut Vec<String>,
    edges: &mut Vec<(String, String, String)>,
) {
    for p in s["placements"].as_array().into_iter().flatten() {
        let c = p["cluster"].as_str().unwrap_or_default().to_string();
        if !clusters.contains(&c) {
            clusters.push(c.clone());
        }
        let n = p["objects"].as_array().map_or(0, Vec::len);
        let k = clusters.iter().position(|x| *x == c).unwrap_or(0);
        let mut what = format!("{n} object{}", if n == 1 { "" } else { "s" });
        if let Some(e) = p["env"].as_str() {
            what = format!("env {e}, {what}");
        }
        edges.push((id.to_string(), format!("c{k}"), what));
    }
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn dot(
    plan: &Json,
    nodes: &[Node],
    groups: &[String],
    clusters: &[String],
    edges: &[(String, String, String)],
) -> String {
    let mut s = format!(
        "digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=box, style=rounded];\n",
        esc(plan["revision"]["name"].as_str().unwrap_or("plan"))
    );
    for n in nodes.iter().filter(|n| n.group.is_none()) {
        s.push_str(&format!("  {} [label=\"{}\"];\n", n.id, esc(&n.label)));
    }
    for (g, name) in groups.iter().enumerate() {
        s.push_str(&format!(
            "  subgraph cluster_g{g} {{\n    label=\"{}\";\n",
            esc(name)
        ));
        for n in nodes.iter().filter(|n| n.group == Some(g)) {
            s.push_str(&format!("    {} [label=\"{}\"];\n", n.id, esc(&n.label)));
        }
        s.push_str("  }\n");
    }
    for (k, c) in clusters.iter().enumerate() {
        s.push_str(&format!(
            "  c{k} [label=\"cluster {}\", shape=cylinder];\n",
            esc(c)
        ));
    }
    for (a, b, l) in edges {
        if l.is_empty() {
            s.push_str(&format!("  {a} -> {b};\n"));
        } else {
            s.push_str(&format!(
                "  {a} -> {b} [label=\"{}\", style=dashed];\n",
                esc(l)
            ));
        }
    }
    s.push_str("}\n");
    s
}

fn mermaid(
    nodes: &[Node],
    groups: &[String],
    clusters: &[String],
    edges: &[(String, String, String)],
) -> String {
    let q = |t: &str| t.replace('"', "#quot;");
    let mut s = String::from("flowchart LR\n");
    for n in nodes.iter().filter(|n| n.group.is_none()) {
        s.push_str(&format!("  {}[\"{}\"]\n", n.id, q(&n.label)));
    }
    for (g, name) in groups.iter().enumerate() {
        s.push_str(&format!("  subgraph g{g}[\"{}\"]\n", q(name)));
        for n in nodes.iter().filter(|n| n.group == Some(g)) {
            s.push_str(&format!("    {}[\"{}\"]\n", n.id, q(&n.label)));
        }
        s.push_str("  end\n");
    }
    for (k, c) in clusters.iter().enumerate() {
        s.push_str(&format!("  c{k}[(\"cluster {}\")]\n", q(c)));
    }
    for (a, b, l) in edges {
        if l.is_empty() {
            s.push_str(&format!("  {a} --> {b}\n"));
        } else {
            s.push_str(&format!("  {a} -.->|\"{}\"| {b}\n", q(l)));
        }
    }
    s
}
