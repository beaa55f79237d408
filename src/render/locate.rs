//! Pointing problems at the application's lines: a property that breaks
//! its definition's schema, a template error in `parameter.x…`, a
//! template's own `errs`, each named with its component or trait and placed
//! on the property's line in the application (with a near-miss key named
//! as a typo).

use super::eval::EvalFailure;
use crate::definition::Definition;
use crate::diag::Diagnostic;
use crate::model::nearest;
use crate::source::Span;
use serde_json::Value as Json;

/// Checks properties against the definition's parameter schema, pointing
/// each violation at its line in the application.
pub(crate) fn validate(
    def: &Definition,
    params: &Json,
    where_: &str,
    entry_path: &str,
    props: Option<&crate::yaml::Node>,
    entry_span: Span,
) -> Result<(), Vec<Diagnostic>> {
    let violations = def.validate(params)?;
    if violations.is_empty() {
        return Ok(());
    }
    Err(violations
        .into_iter()
        .map(|v| {
            let node = props.and_then(|p| p.at_path(&v.path));
            let mut span = node.map_or(entry_span, |n| n.span);
            let mut message = v.message;
            let declared = def.declared_properties(&v.path);
            // A required property missing next to a near-miss is a typo.
            if let (
                Some(want),
                Some(crate::yaml::Node {
                    kind: crate::yaml::Kind::Map(m),
                    ..
                }),
            ) = (&v.missing, node)
                && let Some((k, _)) = m.iter().find(|(k, _)| {
                    k.name != *want
                        && !declared.contains(&k.name)
                        && nearest(&k.name, &[want.as_str()]).is_some()
                })
            {
                message.push_str(&format!(" (found {:?}: misspelt?)", k.name));
                span = k.span;
            }
            let mut path = property_path(entry_path, &v.path);
            // A field that is not allowed: point at its key.
            if let (
                Some(first),
                Some(crate::yaml::Node {
                    kind: crate::yaml::Kind::Map(m),
                    ..
                }),
            ) = (v.unexpected.first(), node)
                && let Some((k, _)) = m.iter().find(|(k, _)| k.name == *first)
            {
                span = k.span;
                path = property_path(entry_path, &[v.path.clone(), vec![first.clone()]].concat());
                let names: Vec<&str> = declared.iter().map(String::as_str).collect();
                message = match nearest(first, &names) {
                    Some(n) => format!("field not allowed (did you mean {n:?}?)"),
                    None => "field not allowed".to_string(),
                };
            }
            Diagnostic::error(message)
                .with_path(format!("{where_}: {path}"))
                .with_span(span)
        })
        .collect())
}

pub(super) fn failure(
    f: EvalFailure,
    where_: &str,
    props: Option<&crate::yaml::Node>,
    entry: &str,
    span: Span,
) -> Vec<Diagnostic> {
    match f {
        EvalFailure::Cue(d) => located(d, where_, props, entry),
        EvalFailure::User(msgs) => msgs
            .into_iter()
            .map(|m| Diagnostic::error(format!("{where_}: {m}")).with_span(span))
            .collect(),
    }
}

/// Puts the component/trait in front of each message and, for errors in
/// `parameter.x…`, points first at the property's line in the application.
pub(super) fn located(
    ds: Vec<Diagnostic>,
    where_: &str,
    props: Option<&crate::yaml::Node>,
    entry: &str,
) -> Vec<Diagnostic> {
    ds.into_iter()
        .map(|mut d| {
            if let (Some(path), Some(p)) = (&d.path, props)
                && let Some(rest) = path.strip_prefix("parameter.")
            {
                let parts: Vec<String> = rest.split('.').map(String::from).collect();
                if let Some(n) = p.at_path(&parts) {
                    d.spans.retain(|s| *s != p.span);
                    d.spans.insert(0, n.span);
                    // Name the property as the application spells it.
                    d.path = Some(property_path(entry, &parts));
                }
            }
            d.path = Some(match d.path.take() {
                Some(p) => format!("{where_}: {p}"),
                None => where_.to_string(),
            });
            d
        })
        .collect()
}

/// `spec.components[0].properties.ports[0].port` for a path inside properties.
fn property_path(entry: &str, segs: &[String]) -> String {
    let mut path = if entry.is_empty() {
        "properties".to_string()
    } else {
        format!("{entry}.properties")
    };
    for seg in segs {
        let ident = !seg.is_empty()
            && seg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !seg.is_empty() && seg.chars().all(|c| c.is_ascii_digit()) {
            path.push_str(&format!("[{seg}]"));
        } else if ident {
            path.push('.');
            path.push_str(seg);
        } else {
            path.push_str(&format!("[{seg:?}]"));
        }
    }
    path
}
