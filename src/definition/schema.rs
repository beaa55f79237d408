//! A definition's `parameter` as a JSON Schema (draft 2020-12).
//!
//! Built from the template's syntax, as upstream builds its OpenAPI schemas:
//! types, literals and enums, defaults (`*x | y`), bounds, `=~` patterns,
//! optional and required fields, open and closed structs (definitions and
//! `close()` are closed), pattern fields (`[string]: T`), lists (`[...T]`)
//! and references to the template's `#Definitions`. Anything the schema
//! cannot state (references to other fields, builtin calls, comprehensions)
//! becomes "anything" or an open struct, so validation never rejects what
//! CUE would accept; CUE still checks everything at evaluation.
//! `// +usage=` comments become descriptions; a `// +sensitive` comment
//! marks the field `writeOnly` (its values are kept out of `plan.json`).

use crate::cue::ast::{self, BinOp, Decl, Expr, ExprKind, LabelKind, ListElem, StrPart, UnaryOp};
use serde_json::{Map, Value as Json, json};

/// Builds the schema of the top-level `parameter` field of a template file
/// (`{}` when there is none, as a template without parameters takes anything).
pub fn parameter_schema(file: &ast::File) -> Json {
    let g = Gen { file, depth: 0 };
    let fields: Vec<&ast::Field> = file
        .decls
        .iter()
        .filter_map(|d| match d {
            Decl::Field(f) if label_name(&f.label).as_deref() == Some("parameter") => Some(&**f),
            _ => None,
        })
        .collect();
    let mut schema = match fields.as_slice() {
        [] => json!({"type": "object"}),
        [one] => g.expr(&one.value, false),
        many => json!({"allOf": many.iter().map(|f| g.expr(&f.value, false)).collect::<Vec<_>>()}),
    };
    if let Json::Object(m) = &mut schema {
        m.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
    }
    schema
}

/// The `+usage=` text of a field's comments.
pub fn usage(docs: &[String]) -> Option<String> {
    docs.iter()
        .find_map(|l| l.trim().strip_prefix("+usage="))
        .map(|s| s.trim().to_string())
}

/// Whether a field's comments mark it `+sensitive` (a velac extension:
/// values that must not be repeated where plans are reviewed).
pub fn sensitive(docs: &[String]) -> bool {
    docs.iter()
        .any(|l| matches!(l.trim(), "+sensitive" | "+sensitive=true"))
}

/// Marks a field's schema sensitive when its comments say so.
fn mark(docs: &[String], s: &mut Json) {
    if let Json::Object(m) = s {
        if let Some(u) = usage(docs) {
            m.insert("description".into(), json!(u));
        }
        if sensitive(docs) {
            m.insert("writeOnly".into(), json!(true));
        }
    }
}

fn label_name(l: &ast::Label) -> Option<String> {
    match &l.kind {
        LabelKind::Ident(s) | LabelKind::String(s) => Some(s.clone()),
        _ => None,
    }
}

struct Gen<'a> {
    file: &'a ast::File,
    depth: usize,
}

/// Nesting beyond this (recursive definitions) is "anything".
const MAX_DEPTH: usize = 24;

impl Gen<'_> {
    fn deeper(&self) -> Gen<'_> {
        Gen {
            file: self.file,
            depth: self.depth + 1,
        }
    }

    fn expr(&self, e: &Expr, closed: bool) -> Json {
        if self.depth > MAX_DEPTH {
            return json!({});
        }
        match &e.kind {
            ExprKind::Null => json!({"type": "null"}),
            ExprKind::Bool(b) => json!({"const": b}),
            ExprKind::Number(n) => {
                number_literal(n).map_or(json!({"type": "number"}), |v| json!({"const": v}))
            }
            ExprKind::String(parts) => match plain(parts) {
                Some(s) => json!({"const": s}),
                None => json!({"type": "string"}),
            },
            ExprKind::Ident(name) => self.ident(name, closed),
            ExprKind::Paren(x) | ExprKind::Alias(_, x) => self.expr(x, closed),
            ExprKind::Unary(op, x) => self.unary(*op, x, closed),
            ExprKind::Binary(BinOp::Or, _, _) => self.disjunction(e, closed),
            ExprKind::Binary(BinOp::And, a, b) => {
                let (a, b) = (self.expr(a, closed), self.expr(b, closed));
                and(a, b)
            }
            ExprKind::Struct(lit) => self.structure(&lit.decls, closed),
            ExprKind::JsonText(_) => match crate::cue::parser::expand_json(e) {
                Ok(tree) => self.expr(&tree, closed),
                Err(_) => json!({}),
            },
            ExprKind::JsonObject(fields) => {
                let mut props = Map::new();
                for (k, _, v) in fields {
                    props.insert(k.clone(), self.deeper().expr(v, false));
                }
                json!({"type": "object", "properties": props})
            }
            ExprKind::List(elems) => self.list(elems),
            ExprKind::JsonArray(items) => {
                let items: Vec<Json> = items.iter().map(|x| self.deeper().expr(x, false)).collect();
                json!({"type": "array", "prefixItems": items, "minItems": items.len(), "maxItems": items.len()})
            }
            ExprKind::Call(f, args) if is_ident(f, "close") && args.len() == 1 => {
                self.expr(&args[0], true)
            }
            _ => json!({}),
        }
    }

    fn ident(&self, name: &str, closed: bool) -> Json {
        match name {
            "string" => json!({"type": "string"}),
            "bytes" => json!({"type": "string"}),
            "bool" => json!({"type": "boolean"}),
            "int" => json!({"type": "integer"}),
            "float" | "number" => json!({"type": "number"}),
            "null" => json!({"type": "null"}),
            "uint" => json!({"type": "integer", "minimum": 0}),
            "int8" => json!({"type": "integer", "minimum": -128, "maximum": 127}),
            "int16" => json!({"type": "integer", "minimum": -32768, "maximum": 32767}),
            "int32" => json!({"type": "integer", "minimum": i32::MIN, "maximum": i32::MAX}),
            "int64" => json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX}),
            "uint8" => json!({"type": "integer", "minimum": 0, "maximum": 255}),
            "uint16" => json!({"type": "integer", "minimum": 0, "maximum": 65535}),
            "uint32" => json!({"type": "integer", "minimum": 0, "maximum": u32::MAX}),
            "uint64" => json!({"type": "integer", "minimum": 0, "maximum": u64::MAX}),
            n if n.starts_with('#') => self.top_level(n, true).unwrap_or_else(|| json!({})),
            // A hidden helper (`_settings`) of the template: open, as it is written.
            n if n.starts_with('_') && n.len() > 1 => {
                self.top_level(n, closed).unwrap_or_else(|| json!({}))
            }
            _ => {
                let _ = closed;
                json!({})
            }
        }
    }

    /// A top-level `#Def` (closed, as definitions are) or hidden field of the template.
    fn top_level(&self, name: &str, closed: bool) -> Option<Json> {
        let f = self.file.decls.iter().find_map(|d| match d {
            Decl::Field(f) if label_name(&f.label).as_deref() == Some(name) => Some(f),
            _ => None,
        })?;
        Some(self.deeper().expr(&f.value, closed))
    }

    fn unary(&self, op: UnaryOp, x: &Expr, closed: bool) -> Json {
        let num = || number_of(x);
        match op {
            UnaryOp::Default => self.expr(x, closed),
            UnaryOp::Neg => match num().and_then(|n| negate(&n)) {
                Some(n) => json!({"const": n}),
                None => json!({}),
            },
            UnaryOp::Ge => num().map_or(json!({}), |n| json!({"type": "number", "minimum": n})),
            UnaryOp::Gt => num().map_or(
                json!({}),
                |n| json!({"type": "number", "exclusiveMinimum": n}),
            ),
            UnaryOp::Le => num().map_or(json!({}), |n| json!({"type": "number", "maximum": n})),
            UnaryOp::Lt => num().map_or(
                json!({}),
                |n| json!({"type": "number", "exclusiveMaximum": n}),
            ),
            UnaryOp::Match => match string_of(x) {
                Some(re) => json!({"type": "string", "pattern": re}),
                None => json!({"type": "string"}),
            },
            UnaryOp::NotMatch => match string_of(x) {
                Some(re) => json!({"type": "string", "not": {"pattern": re}}),
                None => json!({"type": "string"}),
            },
            UnaryOp::Ne => match literal(x) {
                Some(v) => json!({"not": {"const": v}}),
                None => json!({}),
            },
            UnaryOp::Pos | UnaryOp::Not => json!({}),
        }
    }

    fn disjunction(&self, e: &Expr, closed: bool) -> Json {
        let mut alts = Vec::new();
        flatten_or(e, &mut alts);
        let mut default = None;
        let mut schemas = Vec::new();
        for a in &alts {
            let (inner, marked) = match &a.kind {
                ExprKind::Unary(UnaryOp::Default, x) => (&**x, true),
                _ => (*a, false),
            };
            if marked && default.is_none() {
                default = literal(inner);
            }
            schemas.push(self.expr(inner, closed));
        }
        // All literals: an enum.
        let consts: Option<Vec<Json>> = schemas.iter().map(|s| s.get("const").cloned()).collect();
        let mut out = match consts {
            Some(c) => {
                let mut uniq: Vec<Json> = Vec::new();
                for v in c {
                    if !uniq.contains(&v) {
                        uniq.push(v);
                    }
                }
                json!({"enum": uniq})
            }
            None => {
                let mut uniq: Vec<Json> = Vec::new();
                for s in schemas {
                    if !uniq.contains(&s) {
                        uniq.push(s);
                    }
                }
                // `*5 | int`: the literal is covered by the type.
                if uniq.len() == 2
                    && uniq[0].get("const").is_some()
                    && covers(&uniq[1], &uniq[0]["const"])
                {
                    uniq.remove(0);
                }
                if uniq.len() == 1 {
                    uniq.remove(0)
                } else {
                    json!({"anyOf": uniq})
                }
            }
        };
        if let (Some(d), Json::Object(m)) = (default, &mut out) {
            m.insert("default".into(), d);
        }
        out
    }

    fn structure(&self, decls: &[Decl], closed: bool) -> Json {
        let mut props = Map::new();
        let mut required = Vec::new();
        let mut open = !closed;
        let mut extra: Option<Json> = None;
        let mut patterns = Map::new();
        let mut embeds = Vec::new();
        for d in decls {
            match d {
                Decl::Field(f) => match &f.label.kind {
                    LabelKind::Ident(n) | LabelKind::String(n) => {
                        if n.starts_with('#')
                            || (n.starts_with('_') && matches!(f.label.kind, LabelKind::Ident(_)))
                        {
                            continue;
                        }
                        let mut s = self.deeper().expr(&f.value, false);
                        mark(&f.docs, &mut s);
                        let optional = f.constraint == ast::Constraint::Optional;
                        if !optional && must_be_given(&s) && !required.contains(&json!(n)) {
                            required.push(json!(n));
                        }
                        match props.get_mut(n) {
                            Some(prev) => *prev = and(prev.take(), s),
                            None => {
                                props.insert(n.clone(), s);
                            }
                        }
                    }
                    LabelKind::Pattern(p) => {
                        let mut v = self.deeper().expr(&f.value, false);
                        if let (true, Json::Object(m)) = (sensitive(&f.docs), &mut v) {
                            m.insert("writeOnly".into(), json!(true));
                        }
                        match pattern_regex(p) {
                            Some(re) => {
                                patterns.insert(re, v);
                            }
                            None => extra = Some(v),
                        }
                    }
                    LabelKind::Dynamic(_) => open = true,
                },
                Decl::Ellipsis(..) | Decl::Comprehension(_) => open = true,
                Decl::Embed(e) => embeds.push(self.expr(e, closed)),
                Decl::Let(_) | Decl::Attribute(_) => {}
            }
        }
        let mut m = Map::new();
        m.insert("type".into(), json!("object"));
        if !props.is_empty() {
            m.insert("properties".into(), Json::Object(props));
        }
        if !required.is_empty() {
            m.insert("required".into(), Json::Array(required));
        }
        if !patterns.is_empty() {
            m.insert("patternProperties".into(), Json::Object(patterns));
        }
        match (extra, open || !embeds.is_empty()) {
            (Some(x), _) => {
                m.insert("additionalProperties".into(), x);
            }
            (None, false) => {
                m.insert("additionalProperties".into(), json!(false));
            }
            (None, true) => {}
        }
        let own = Json::Object(m);
        embeds.into_iter().fold(own, and)
    }

    fn list(&self, elems: &[ListElem]) -> Json {
        let mut fixed = Vec::new();
        let mut tail: Option<Json> = None;
        for e in elems {
            match e {
                ListElem::Expr(x) => fixed.push(self.deeper().expr(x, false)),
                ListElem::Ellipsis(t, _) => {
                    tail = Some(
                        t.as_ref()
                            .map_or(json!({}), |t| self.deeper().expr(t, false)),
                    );
                }
                ListElem::Comprehension(_) => tail = Some(json!({})),
            }
        }
        let mut m = Map::new();
        m.insert("type".into(), json!("array"));
        if !fixed.is_empty() {
            m.insert("minItems".into(), json!(fixed.len()));
            m.insert("prefixItems".into(), Json::Array(fixed.clone()));
        }
        match tail {
            Some(t) => {
                if t != json!({}) {
                    m.insert("items".into(), t);
                }
            }
            None => {
                m.insert("maxItems".into(), json!(fixed.len()));
            }
        }
        Json::Object(m)
    }
}

fn flatten_or<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Binary(BinOp::Or, a, b) => {
            flatten_or(a, out);
            flatten_or(b, out);
        }
        _ => out.push(e),
    }
}

/// Conjunction of two schemas: merged when they do not overlap, `allOf` otherwise.
fn and(a: Json, b: Json) -> Json {
    if a == json!({}) {
        return b;
    }
    if b == json!({}) {
        return a;
    }
    if let (Json::Object(x), Json::Object(y)) = (&a, &b) {
        let compatible_type = match (x.get("type"), y.get("type")) {
            (Some(t1), Some(t2)) => {
                t1 == t2
                    || (t1 == "number" && t2 == "integer")
                    || (t1 == "integer" && t2 == "number")
            }
            _ => true,
        };
        let overlap = x.keys().any(|k| k != "type" && y.contains_key(k));
        if compatible_type && !overlap {
            let mut m = x.clone();
            for (k, v) in y {
                // The narrower type wins (`number & int` is int).
                let take = k != "type" || v == "integer" || !m.contains_key("type");
                if take {
                    m.insert(k.clone(), v.clone());
                }
            }
            return Json::Object(m);
        }
    }
    json!({"allOf": [a, b]})
}

/// Whether a regular field must come from the properties: a scalar type
/// without a default. Structs and lists are complete when empty (`{}`, `[]`),
/// and fields of unknown shape are left to CUE.
fn must_be_given(s: &Json) -> bool {
    if s.get("default").is_some() || s.get("const").is_some() {
        return false;
    }
    if s.get("enum").is_some() {
        return true;
    }
    if let Some(alts) = s.get("anyOf").and_then(Json::as_array) {
        return alts.iter().all(must_be_given);
    }
    matches!(
        s.get("type").and_then(Json::as_str),
        Some("string" | "integer" | "number" | "boolean" | "null")
    )
}

/// Whether a type schema admits a literal (for `*5 | int`).
fn covers(schema: &Json, v: &Json) -> bool {
    match schema.get("type").and_then(Json::as_str) {
        Some("string") => v.is_string() && schema.as_object().is_some_and(|m| m.len() == 1),
        Some("integer") => v.is_i64() || v.is_u64(),
        Some("number") => v.is_number(),
        Some("boolean") => v.is_boolean(),
        _ => false,
    }
}

fn is_ident(e: &Expr, name: &str) -> bool {
    matches!(&e.kind, ExprKind::Ident(n) if n == name)
}

fn plain(parts: &[StrPart]) -> Option<String> {
    match parts {
        [] => Some(String::new()),
        [StrPart::Text(t)] => Some(t.clone()),
        _ => None,
    }
}

fn string_of(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::String(p) => plain(p),
        ExprKind::Paren(x) => string_of(x),
        _ => None,
    }
}

fn number_literal(n: &str) -> Option<Json> {
    let t = n.replace('_', "");
    if let Ok(i) = t.parse::<i64>() {
        return Some(json!(i));
    }
    t.parse::<f64>()
        .ok()
        .and_then(|f| serde_json::Number::from_f64(f).map(Json::Number))
}

fn negate(v: &Json) -> Option<Json> {
    let n = v.as_number()?;
    n.as_i64()
        .map(|i| json!(-i))
        .or_else(|| n.as_f64().map(|f| json!(-f)))
}

fn number_of(e: &Expr) -> Option<Json> {
    match &e.kind {
        ExprKind::Number(n) => number_literal(n),
        ExprKind::Unary(UnaryOp::Neg, x) => negate(&number_of(x)?),
        ExprKind::Paren(x) => number_of(x),
        _ => None,
    }
}

fn literal(e: &Expr) -> Option<Json> {
    match &e.kind {
        ExprKind::Null => Some(Json::Null),
        ExprKind::Bool(b) => Some(json!(b)),
        ExprKind::Number(_) | ExprKind::Unary(UnaryOp::Neg, _) => number_of(e),
        ExprKind::String(p) => plain(p).map(Json::String),
        ExprKind::Paren(x) => literal(x),
        ExprKind::List(elems) => elems
            .iter()
            .map(|x| match x {
                ListElem::Expr(x) => literal(x),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(Json::Array),
        ExprKind::Struct(lit) if lit.decls.is_empty() => Some(json!({})),
        ExprKind::JsonObject(f) if f.is_empty() => Some(json!({})),
        ExprKind::JsonText(_) => crate::cue::parser::expand_json(e)
            .ok()
            .and_then(|tree| literal(&tree)),
        _ => None,
    }
}

/// `[string]` → any key (None); `[=~"re"]` → that regex.
fn pattern_regex(p: &Expr) -> Option<String> {
    match &p.kind {
        ExprKind::Unary(UnaryOp::Match, x) => string_of(x),
        ExprKind::Binary(BinOp::And, a, b) => pattern_regex(a).or_else(|| pattern_regex(b)),
        _ => None,
    }
}
