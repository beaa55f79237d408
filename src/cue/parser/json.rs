//! The syntax tree of a strict-JSON literal kept as text, for readers that
//! walk the tree (definition schemas); the compiler reads the text itself.

use crate::cue::ast::*;
use crate::cue::jsonlit::{Build, JsonError, read};
use crate::source::Span;
use std::borrow::Cow;

/// Builds the tree form: objects and arrays as `JsonObject` / `JsonArray`.
struct Tree;

impl Build for Tree {
    type Value = Expr;
    fn null(&mut self, span: Span) -> Expr {
        Expr {
            kind: ExprKind::Null,
            span,
        }
    }
    fn boolean(&mut self, b: bool, span: Span) -> Expr {
        Expr {
            kind: ExprKind::Bool(b),
            span,
        }
    }
    fn number(&mut self, text: &str, span: Span) -> Expr {
        Expr {
            kind: ExprKind::Number(text.to_string()),
            span,
        }
    }
    fn string(&mut self, s: Cow<'_, str>, span: Span) -> Expr {
        Expr {
            kind: ExprKind::String(vec![StrPart::Text(s.into_owned())]),
            span,
        }
    }
    fn object(&mut self, fields: Vec<(Cow<'_, str>, Span, Expr)>, span: Span) -> Expr {
        let fields = fields
            .into_iter()
            .map(|(k, ks, v)| (k.into_owned(), ks, v))
            .collect();
        Expr {
            kind: ExprKind::JsonObject(fields),
            span,
        }
    }
    fn array(&mut self, items: Vec<Expr>, span: Span) -> Expr {
        Expr {
            kind: ExprKind::JsonArray(items),
            span,
        }
    }
}

/// The tree form of a `JsonText` node (any other node is returned as is).
pub fn expand_json(e: &Expr) -> Result<Expr, JsonError> {
    match &e.kind {
        ExprKind::JsonText(text) => read(&mut Tree, text, e.span),
        _ => Ok(e.clone()),
    }
}
