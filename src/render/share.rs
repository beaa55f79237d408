//! One evaluation for every placement that would evaluate a component alike.
//!
//! A fleet deploys the same component to many clusters, and what an
//! evaluation takes from its target is only the `context` fields its
//! templates name. When two placements give the same component (after
//! overrides, positions included) and the same values for every `context`
//! field its definitions can read, their evaluations are equal: the second
//! reuses the first's objects (or errors), and only the OAM stamp, which
//! does depend on the target, is applied per placement.
//!
//! What a template can read is found in its text: `context.<field>` reads
//! that field; any other use of `context` (iterating it, indexing it,
//! passing it whole) reads everything. A name that merely contains
//! `context` or a comment mentioning it only makes the test stricter: an
//! over-approximation costs a shared evaluation, never a wrong object.

use super::RenderedObject;
use crate::definition::{DefKind, Definition};
use crate::diag::Diagnostic;
use crate::model::Component;
use serde_json::{Map, Value as Json};
use std::collections::{BTreeSet, HashMap};

/// The `context` fields a template can read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Reads {
    /// It uses `context` other than as `context.<field>`.
    All,
    /// Only these fields.
    Fields(BTreeSet<String>),
}

impl Reads {
    /// Whether `field` may be read.
    pub fn includes(&self, field: &str) -> bool {
        match self {
            Reads::All => true,
            Reads::Fields(f) => f.contains(field),
        }
    }
}

/// Scans a template for its uses of `context`.
pub(crate) fn reads(template: &str) -> Reads {
    let b = template.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'#' || c == b'$';
    let mut fields = BTreeSet::new();
    let mut from = 0;
    while let Some(i) = template[from..].find("context") {
        let at = from + i;
        from = at + "context".len();
        // Part of a longer ASCII name; a non-ASCII neighbour counts as a use.
        if (at > 0 && ident(b[at - 1])) || b.get(from).is_some_and(|&c| ident(c)) {
            continue;
        }
        let Some(rest) = template[from..].strip_prefix('.') else {
            return Reads::All;
        };
        let len = rest.bytes().take_while(|&c| ident(c)).count();
        // `context."x"`, `context.(…)` or a non-ASCII name: read as a whole.
        if len == 0 || rest.as_bytes().get(len).is_some_and(|c| !c.is_ascii()) {
            return Reads::All;
        }
        fields.insert(rest[..len].to_string());
    }
    Reads::Fields(fields)
}

/// What one component evaluation gave (before the OAM stamp).
type Outcome = Result<Vec<RenderedObject>, Vec<Diagnostic>>;

/// Evaluations already done in one render, by component name, each kept
/// until the last placement of its component has been rendered.
#[derive(Default)]
pub(crate) struct Shared {
    reads: HashMap<(DefKind, String), Reads>,
    done: HashMap<String, Vec<Entry>>,
    /// Placements still to render, by component name.
    left: HashMap<String, usize>,
}

struct Entry {
    component: Component,
    context: Vec<(String, Json)>,
    outcome: Outcome,
}

impl Shared {
    /// Ready for these placements (component names, repeated per placement).
    pub fn new<'a>(placements: impl Iterator<Item = &'a str>) -> Shared {
        let mut s = Shared::default();
        for name in placements {
            *s.left.entry(name.to_string()).or_default() += 1;
        }
        s
    }

    /// Whether sharing can pay for `comp`: an evaluation is kept, or another
    /// placement comes after this one (a component placed once copies
    /// nothing and computes no key).
    pub fn worth(&self, comp: &Component) -> bool {
        self.done.contains_key(&comp.name) || self.left.get(&comp.name).is_some_and(|&n| n > 1)
    }

    /// One placement of `comp` is rendered: forget its evaluations after the
    /// last, so a fleet's render holds one component's objects, not all.
    pub fn placed(&mut self, comp: &Component) {
        if let Some(n) = self.left.get_mut(&comp.name) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.done.remove(&comp.name);
            }
        }
    }

    /// The values of the fields of `ctx` that the definitions can read.
    pub fn key(&mut self, defs: &[&Definition], ctx: &Map<String, Json>) -> Vec<(String, Json)> {
        for d in defs {
            self.reads
                .entry((d.kind, d.name.clone()))
                .or_insert_with(|| reads(&d.template));
        }
        let reads: Vec<&Reads> = defs
            .iter()
            .map(|d| &self.reads[&(d.kind, d.name.clone())])
            .collect();
        ctx.iter()
            .filter(|(k, _)| reads.iter().any(|r| r.includes(k)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// A previous evaluation of the same component with the same key.
    pub fn get(&self, comp: &Component, key: &[(String, Json)]) -> Option<&Outcome> {
        self.done
            .get(&comp.name)?
            .iter()
            .find(|e| e.context == key && e.component == *comp)
            .map(|e| &e.outcome)
    }

    /// Records an evaluation.
    pub fn put(&mut self, comp: &Component, key: Vec<(String, Json)>, outcome: Outcome) {
        self.done.entry(comp.name.clone()).or_default().push(Entry {
            component: comp.clone(),
            context: key,
            outcome,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::{Reads, reads};

    fn fields(xs: &[&str]) -> Reads {
        Reads::Fields(xs.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn what_a_template_reads_of_its_context() {
        assert_eq!(
            reads("output: metadata: name: context.name\nx: context.output.spec"),
            fields(&["name", "output"])
        );
        assert_eq!(
            reads("n: \"\\(context.namespace)-x\""),
            fields(&["namespace"])
        );
        assert_eq!(
            reads("mycontext: 1\ncontextName: context.appName"),
            fields(&["appName"])
        );
        assert_eq!(reads("a: 1"), fields(&[]));
        assert_eq!(reads("for k, v in context {x: v}"), Reads::All);
        assert_eq!(reads("a: json.Marshal(context)"), Reads::All);
        assert_eq!(reads("a: context[\"cluster\"]"), Reads::All);
        assert_eq!(reads("a: context.\"cluster\""), Reads::All);
        assert_eq!(reads("let c = context\nx: c.cluster"), Reads::All);
        assert_eq!(reads("a: context.clusterÅ"), Reads::All);
        assert_eq!(reads("a: context"), Reads::All);
    }
}
