//! Finding provider calls in an evaluated step: any struct with a concrete
//! `#do`, visited depth first with children before their parent, fields in
//! declaration order except that fields carrying `@step(n)` come first, by
//! n. Paths through a definition (`#x`) are not visited: calls written
//! inside a definition only run where the definition is used.

use crate::cue::Evaluation;
use crate::cue::label::Label;
use crate::cue::value::VId;

/// One call found in the value.
#[derive(Clone, Debug)]
pub struct Site {
    /// Labels from the root.
    pub path: Vec<Label>,
    /// The call's vertex in the evaluation it was found in.
    pub vertex: VId,
    /// `#provider` (`builtin` when absent).
    pub provider: String,
    /// `#do`.
    pub do_: String,
}

/// A path as CUE selectors (`webhook.req`, `apply."cluster-a"`, `list[2]`).
pub fn path_text(path: &[Label]) -> String {
    let mut out = String::new();
    for l in path {
        match l {
            Label::Index(i) => out.push_str(&format!("[{i}]")),
            other => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&other.selector());
            }
        }
    }
    out
}

fn step_order(attrs: &[(String, String)]) -> Option<i64> {
    attrs
        .iter()
        .find(|(n, _)| n == "step")
        .and_then(|(_, b)| b.trim().parse().ok())
}

/// Every call in the value, in execution order. Values nested deeper than
/// `max_depth` are not searched (a template's calls sit near its top).
pub fn find(ev: &mut Evaluation, max_depth: usize) -> Vec<Site> {
    let mut out = Vec::new();
    let root = ev.root;
    let mut path = Vec::new();
    visit(ev, root, &mut path, &mut out, max_depth);
    out
}

fn visit(
    ev: &mut Evaluation,
    v: VId,
    path: &mut Vec<Label>,
    out: &mut Vec<Site>,
    depth_left: usize,
) {
    if depth_left == 0 {
        return;
    }
    let mut kids = ev.children(v);
    let mut own: Option<(String, String)> = None;
    for k in &kids {
        match k.label {
            Label::Def(s) if s.as_str() == "do" => {
                if let Some(d) = ev.string_at(k.vertex) {
                    own.get_or_insert_with(|| (String::new(), String::new())).1 = d;
                }
            }
            Label::Def(s) if s.as_str() == "provider" => {
                if let Some(p) = ev.string_at(k.vertex) {
                    own.get_or_insert_with(|| (String::new(), String::new())).0 = p;
                }
            }
            _ => {}
        }
    }
    kids.retain(|k| !k.label.is_def());
    // A stable sort keeps declaration order among equals.
    kids.sort_by_key(|k| step_order(&k.attrs).unwrap_or(i64::MAX));
    for k in kids {
        path.push(k.label);
        visit(ev, k.vertex, path, out, depth_left - 1);
        path.pop();
    }
    if let Some((provider, do_)) = own.filter(|(_, d)| !d.is_empty()) {
        out.push(Site {
            path: path.clone(),
            vertex: v,
            provider: if provider.is_empty() {
                "builtin".into()
            } else {
                provider
            },
            do_,
        });
    }
}
