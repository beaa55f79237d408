//! AST → IR: scope resolution and literal decoding.
//!
//! Scopes mirror the environments the evaluator builds at run time, one for
//! one: every struct literal opens a scope (its fields, lets and aliases), a
//! pattern constraint's value opens one holding the matched label, and every
//! `for` or `let` clause opens one. A reference compiles to "walk out `up`
//! scopes, then take this field/let/variable", so the evaluator never looks
//! a name up twice. Unknown names are compile errors, as in CUE.

use super::ast::{self, BinOp, Constraint, ExprKind as A, UnaryOp};
use super::builtins;
use super::ir::*;
use super::label::Label;
use super::num::Num;
use crate::diag::Diagnostic;
use crate::source::Span;
use std::collections::HashMap;
use std::rc::Rc;

/// A compile error (unknown reference, bad literal, misplaced construct).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CompileError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub span: Span,
}

impl CompileError {
    /// As a diagnostic.
    pub fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error(self.message.clone()).with_span(self.span)
    }
}

enum Scope {
    Struct {
        fields: HashMap<String, Label>,
        lets: HashMap<String, u32>,
        dyn_aliases: HashMap<String, ast::Expr>,
    },
    Pattern {
        alias: Option<String>,
        field_alias: Option<String>,
    },
    Vars {
        names: [Option<String>; 2],
    },
}

struct Compiler {
    scopes: Vec<Scope>,
    imports: HashMap<String, String>,
    errors: Vec<CompileError>,
}

/// Compiles one file. `extra_root_fields` are top-level field names declared in
/// other files of the same package (they share the package scope).
pub fn compile_file(
    file: &ast::File,
    extra_root_fields: &[String],
) -> Result<Program, Vec<CompileError>> {
    compile_file_with(file, extra_root_fields, &[])
}

/// [`compile_file`] where `source_packages` (import paths of packages written
/// in CUE, given to the engine with `Engine::add_package`) may be imported
/// too.
pub fn compile_file_with(
    file: &ast::File,
    extra_root_fields: &[String],
    source_packages: &[&str],
) -> Result<Program, Vec<CompileError>> {
    let mut c = Compiler {
        scopes: Vec::new(),
        imports: HashMap::new(),
        errors: Vec::new(),
    };
    for imp in &file.imports {
        let local = match &imp.name {
            Some(n) => n.name.clone(),
            None => imp.path.rsplit('/').next().unwrap_or(&imp.path).to_string(),
        };
        if !builtins::is_package(&imp.path) && !source_packages.contains(&imp.path.as_str()) {
            c.err(imp.span, format!("package {:?} not found", imp.path));
        }
        c.imports.insert(local, imp.path.clone());
    }

    let root = c.struct_lit(&file.decls, file.span, extra_root_fields);
    if c.errors.is_empty() {
        Ok(Program {
            root,
            package: file.package.as_ref().map(|p| p.name.clone()),
        })
    } else {
        Err(c.errors)
    }
}

/// Top-level field names of a file (for sharing a package scope).
pub fn root_field_names(file: &ast::File) -> Vec<String> {
    let mut out = Vec::new();
    for d in &file.decls {
        if let ast::Decl::Field(f) = d {
            if let ast::LabelKind::Ident(n) = &f.label.kind {
                out.push(n.clone());
            }
            if let Some(a) = &f.label.alias {
                out.push(a.name.clone());
            }
        }
    }
    out
}

fn node(kind: ExprKind, span: Span) -> Expr {
    Rc::new(ExprNode { kind, span })
}

fn predeclared(name: &str) -> Option<ExprKind> {
    let n = name.strip_prefix("__").unwrap_or(name);
    Some(match n {
        "int" => ExprKind::Type(Predecl::Int),
        "float" => ExprKind::Type(Predecl::Float),
        "number" => ExprKind::Type(Predecl::Number),
        "string" => ExprKind::Type(Predecl::String),
        "bytes" => ExprKind::Type(Predecl::Bytes),
        "bool" => ExprKind::Type(Predecl::Bool),
        "uint" => ExprKind::Type(Predecl::Uint),
        "rune" => ExprKind::Type(Predecl::Rune),
        "int8" => ExprKind::Type(Predecl::Int8),
        "int16" => ExprKind::Type(Predecl::Int16),
        "int32" => ExprKind::Type(Predecl::Int32),
        "int64" => ExprKind::Type(Predecl::Int64),
        "int128" => ExprKind::Type(Predecl::Int128),
        "uint8" | "byte" => ExprKind::Type(Predecl::Uint8),
        "uint16" => ExprKind::Type(Predecl::Uint16),
        "uint32" => ExprKind::Type(Predecl::Uint32),
        "uint64" => ExprKind::Type(Predecl::Uint64),
        "uint128" => ExprKind::Type(Predecl::Uint128),
        "float32" => ExprKind::Type(Predecl::Float32),
        "float64" => ExprKind::Type(Predecl::Float64),
        "len" => ExprKind::Func(Func::Len),
        "close" => ExprKind::Func(Func::Close),
        "and" => ExprKind::Func(Func::And),
        "or" => ExprKind::Func(Func::Or),
        "div" => ExprKind::Func(Func::Div),
        "mod" => ExprKind::Func(Func::Mod),
        "quo" => ExprKind::Func(Func::Quo),
        "rem" => ExprKind::Func(Func::Rem),
        "null" => ExprKind::Null,
        "true" => ExprKind::Bool(true),
        "false" => ExprKind::Bool(false),
        "_" => ExprKind::Top,
        _ => return None,
    })
}

impl Compiler {
    fn err(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(CompileError {
            message: message.into(),
            span,
        });
    }

    fn resolve(&mut self, name: &str, span: Span) -> ExprKind {
        if name == "_" {
            return ExprKind::Top;
        }
        for (depth, scope) in self.scopes.iter().rev().enumerate() {
            let up = depth as u32;
            match scope {
                Scope::Struct {
                    fields,
                    lets,
                    dyn_aliases,
                } => {
                    if let Some(&label) = fields.get(name) {
                        return ExprKind::Ref(Ref::Field { up, label });
                    }
                    if let Some(&slot) = lets.get(name) {
                        return ExprKind::Ref(Ref::Let { up, slot });
                    }
                    if let Some(label_expr) = dyn_aliases.get(name).cloned() {
                        // Compile the label as if written in that struct's scope.
                        let keep = self.scopes.len() - depth;
                        let saved = self.scopes.split_off(keep);
                        let e = self.expr(&label_expr);
                        self.scopes.extend(saved);
                        return ExprKind::DynRef(up, e);
                    }
                }
                Scope::Pattern { alias, field_alias } => {
                    if alias.as_deref() == Some(name) {
                        return ExprKind::Ref(Ref::PatternLabel { up });
                    }
                    if field_alias.as_deref() == Some(name) {
                        return ExprKind::Ref(Ref::PatternField { up });
                    }
                }
                Scope::Vars { names } => {
                    for (slot, n) in names.iter().enumerate().rev() {
                        if n.as_deref() == Some(name) {
                            return ExprKind::Ref(Ref::Var {
                                up,
                                slot: slot as u32,
                            });
                        }
                    }
                }
            }
        }
        if let Some(path) = self.imports.get(name) {
            return ExprKind::Package(path.as_str().into());
        }
        if let Some(k) = predeclared(name) {
            return k;
        }
        self.err(span, format!("reference {name:?} not found"));
        ExprKind::Bottom
    }

    fn struct_lit(
        &mut self,
        decls_in: &[ast::Decl],
        span: Span,
        extra_fields: &[String],
    ) -> Rc<StructLit> {
        let mut fields = HashMap::new();
        let mut lets = HashMap::new();
        let mut dyn_aliases = HashMap::new();
        let mut let_decls = Vec::new();
        for n in extra_fields {
            fields.insert(n.clone(), Label::from_ident(n));
        }
        for d in decls_in {
            match d {
                ast::Decl::Field(f) => {
                    let label = match &f.label.kind {
                        ast::LabelKind::Ident(n) => {
                            let l = Label::from_ident(n);
                            fields.insert(n.clone(), l);
                            Some(l)
                        }
                        ast::LabelKind::String(s) => Some(Label::string(s)),
                        _ => None,
                    };
                    if let (Some(a), Some(l)) = (&f.label.alias, label) {
                        fields.insert(a.name.clone(), l);
                    }
                    if let (Some(a), ast::LabelKind::Dynamic(e)) = (&f.label.alias, &f.label.kind) {
                        dyn_aliases.insert(a.name.clone(), e.clone());
                    }
                    if let (ast::ExprKind::Alias(a, _), Some(l)) = (&f.value.kind, label) {
                        fields.insert(a.name.clone(), l);
                    }
                }
                ast::Decl::Let(l) => {
                    if lets.contains_key(&l.name.name) {
                        self.err(
                            l.name.span,
                            format!("{} redeclared in this block", l.name.name),
                        );
                    }
                    lets.insert(l.name.name.clone(), let_decls.len() as u32);
                    let_decls.push(l);
                }
                _ => {}
            }
        }
        self.scopes.push(Scope::Struct {
            fields,
            lets,
            dyn_aliases,
        });
        let lets: Vec<Expr> = let_decls.iter().map(|l| self.expr(&l.value)).collect();
        let mut decls = Vec::new();
        let mut has_embed = false;
        let mut has_comp = false;
        let mut structural = false;
        for d in decls_in {
            match d {
                ast::Decl::Field(f) => {
                    // Definitions and hidden fields may accompany an embedded scalar.
                    if !matches!(&f.label.kind, ast::LabelKind::Ident(n) if !Label::from_ident(n).is_regular())
                    {
                        structural = true;
                    }
                    decls.push(self.field(f));
                }
                ast::Decl::Embed(e) => {
                    has_embed = true;
                    decls.push(Decl::Embed(self.expr(e)));
                }
                ast::Decl::Comprehension(c) => {
                    has_comp = true;
                    decls.push(Decl::Comprehension(self.comprehension(c)));
                }
                ast::Decl::Ellipsis(e, span) => {
                    structural = true;
                    decls.push(Decl::Ellipsis(e.as_ref().map(|e| self.expr(e)), *span));
                }
                ast::Decl::Let(_) | ast::Decl::Attribute(_) => {}
            }
        }
        self.scopes.pop();
        Rc::new(StructLit {
            decls,
            lets,
            is_struct: structural || (!has_embed && !has_comp),
            struct_if_empty: has_comp && !has_embed && !structural,
            span,
        })
    }

    fn field(&mut self, f: &ast::Field) -> Decl {
        // Most fields have no comments or attributes; only those that do carry an info.
        let span = f.span;
        let documented = !f.docs.is_empty() || f.line_comment.is_some() || !f.attrs.is_empty();
        let info = documented.then(|| {
            Rc::new(FieldInfo {
                docs: f.docs.clone(),
                line_comment: f.line_comment.clone(),
                attrs: f
                    .attrs
                    .iter()
                    .map(|a| (a.name.clone(), a.body.clone()))
                    .collect(),
                span,
            })
        });
        let value_ast = match &f.value.kind {
            A::Alias(_, inner) => inner.as_ref(),
            _ => &f.value,
        };
        match &f.label.kind {
            ast::LabelKind::Ident(n) => Decl::Field {
                label: Label::from_ident(n),
                constraint: f.constraint,
                value: self.expr(value_ast),
                span,
                info,
            },
            ast::LabelKind::String(s) => Decl::Field {
                label: Label::string(s),
                constraint: f.constraint,
                value: self.expr(value_ast),
                span,
                info,
            },
            ast::LabelKind::Dynamic(e) => {
                let e = match &e.kind {
                    A::Alias(_, inner) => inner.as_ref(),
                    _ => e,
                };
                Decl::DynField {
                    label: self.expr(e),
                    constraint: f.constraint,
                    value: self.expr(value_ast),
                    span,
                    info,
                }
            }
            ast::LabelKind::Pattern(p) => {
                let (alias, pat) = match &p.kind {
                    A::Alias(a, inner) => (Some(a.name.clone()), inner.as_ref()),
                    _ => (None, p),
                };
                let field_alias = f.label.alias.as_ref().map(|a| a.name.clone());
                let pattern = self.expr(pat);
                self.scopes.push(Scope::Pattern { alias, field_alias });
                let value = self.expr(value_ast);
                self.scopes.pop();
                Decl::Pattern {
                    pattern,
                    value,
                    span: f.span,
                }
            }
        }
    }

    fn comprehension(&mut self, c: &ast::Comprehension) -> Rc<Comprehension> {
        let mut clauses = Vec::new();
        let mut pushed = 0;
        for cl in &c.clauses {
            match cl {
                ast::Clause::For {
                    key,
                    value,
                    source,
                    span,
                } => {
                    let src = self.expr(source);
                    clauses.push(Clause::For {
                        source: src,
                        span: *span,
                    });
                    self.scopes.push(Scope::Vars {
                        names: [
                            key.as_ref().map(|k| k.name.clone()),
                            Some(value.name.clone()),
                        ],
                    });
                    pushed += 1;
                }
                ast::Clause::If(e, _) => {
                    let e = self.expr(e);
                    clauses.push(Clause::If(e));
                }
                ast::Clause::Let(l) => {
                    let e = self.expr(&l.value);
                    clauses.push(Clause::Let(e));
                    self.scopes.push(Scope::Vars {
                        names: [Some(l.name.name.clone()), None],
                    });
                    pushed += 1;
                }
            }
        }
        let body = self.struct_lit(&c.body.decls, c.body.span, &[]);
        let body = node(ExprKind::Struct(body), c.body.span);
        for _ in 0..pushed {
            self.scopes.pop();
        }
        Rc::new(Comprehension {
            clauses,
            body,
            span: c.span,
        })
    }

    fn disj_operands(&mut self, e: &ast::Expr, out: &mut Vec<(Expr, bool)>) {
        match &e.kind {
            A::Binary(BinOp::Or, l, r) => {
                self.disj_operands(l, out);
                self.disj_operands(r, out);
            }
            A::Unary(UnaryOp::Default, x) => out.push((self.expr(x), true)),
            _ => out.push((self.expr(e), false)),
        }
    }

    fn expr(&mut self, e: &ast::Expr) -> Expr {
        let span = e.span;
        let kind = match &e.kind {
            A::Bottom => ExprKind::Bottom,
            A::Null => ExprKind::Null,
            A::Bool(b) => ExprKind::Bool(*b),
            A::Number(s) => match Num::parse_literal(s) {
                Some(n) => ExprKind::Num(Rc::new(n)),
                None => {
                    self.err(span, format!("invalid number literal {s}"));
                    ExprKind::Bottom
                }
            },
            A::String(parts) => self.string(parts, false),
            A::Bytes(parts) => self.string(parts, true),
            A::Ident(name) => self.resolve(name, span),
            A::Selector(x, name, sspan) => {
                let xe = self.expr(x);
                if let ExprKind::Package(p) = &xe.kind {
                    // Unknown members fail where they are evaluated, as in CUE.
                    let _ = sspan;
                    ExprKind::PkgMember(p.clone(), name.as_str().into())
                } else {
                    ExprKind::Selector(xe, Label::from_ident(name))
                }
            }
            A::Index(x, i) => ExprKind::Index(self.expr(x), self.expr(i)),
            A::Slice(x, lo, hi) => ExprKind::Slice(
                self.expr(x),
                lo.as_ref().map(|e| self.expr(e)),
                hi.as_ref().map(|e| self.expr(e)),
            ),
            A::Call(f, args) => {
                let f = self.expr(f);
                let args = args.iter().map(|a| self.expr(a)).collect();
                ExprKind::Call(f, args)
            }
            A::Unary(UnaryOp::Default, x) => ExprKind::Disj(vec![(self.expr(x), true)]),
            A::Unary(op, x) => ExprKind::Unary(*op, self.expr(x)),
            A::Binary(BinOp::Or, _, _) => {
                let mut ops = Vec::new();
                self.disj_operands(e, &mut ops);
                ExprKind::Disj(ops)
            }
            A::Binary(op, l, r) => ExprKind::Binary(*op, self.expr(l), self.expr(r)),
            A::Struct(s) => ExprKind::Struct(self.struct_lit(&s.decls, s.span, &[])),
            A::List(elems) => ExprKind::List(self.list(elems, span)),
            A::JsonText(text) => {
                return match super::jsonlit::read(&mut ConstData(&mut self.errors), text, span) {
                    Ok(e) => e,
                    Err(e) => {
                        self.err(e.span, e.message);
                        node(ExprKind::Bottom, span)
                    }
                };
            }
            A::JsonObject(fields) => ExprKind::ConstStruct(
                fields
                    .iter()
                    .map(|(k, _, v)| (Label::string(k), self.expr(v)))
                    .collect(),
            ),
            A::JsonArray(elems) => {
                ExprKind::ConstList(elems.iter().map(|e| self.expr(e)).collect())
            }
            A::Alias(_, x) => return self.expr(x),
            A::Paren(x) => return self.expr(x),
        };
        node(kind, span)
    }

    fn list(&mut self, elems: &[ast::ListElem], span: Span) -> Rc<ListLit> {
        let mut out = Vec::new();
        let mut tail = None;
        for (i, el) in elems.iter().enumerate() {
            match el {
                ast::ListElem::Expr(e) => out.push(ListElem::Expr(self.expr(e))),
                ast::ListElem::Comprehension(c) => {
                    out.push(ListElem::Comprehension(self.comprehension(c)))
                }
                ast::ListElem::Ellipsis(t, espan) => {
                    if i + 1 != elems.len() {
                        self.err(*espan, "ellipsis must be the last element of a list");
                    }
                    tail = Some(t.as_ref().map(|t| self.expr(t)));
                }
            }
        }
        Rc::new(ListLit {
            elems: out,
            tail,
            span,
        })
    }

    fn string(&mut self, parts: &[ast::StrPart], bytes: bool) -> ExprKind {
        if let [ast::StrPart::Text(t)] = parts {
            return if bytes {
                ExprKind::Bytes(Rc::from(t.as_bytes()))
            } else {
                ExprKind::Str(Rc::from(t.as_str()))
            };
        }
        let parts = parts
            .iter()
            .map(|p| match p {
                ast::StrPart::Text(t) => Part::Text(Rc::from(t.as_str())),
                ast::StrPart::Interp(e) => Part::Expr(self.expr(e)),
            })
            .collect();
        ExprKind::Interp(parts, bytes)
    }
}

/// Builds constant data straight from a strict-JSON literal's text.
struct ConstData<'a>(&'a mut Vec<CompileError>);

impl super::jsonlit::Build for ConstData<'_> {
    type Value = Expr;
    fn null(&mut self, span: Span) -> Expr {
        node(ExprKind::Null, span)
    }
    fn boolean(&mut self, b: bool, span: Span) -> Expr {
        node(ExprKind::Bool(b), span)
    }
    fn number(&mut self, text: &str, span: Span) -> Expr {
        match Num::parse_literal(text) {
            Some(n) => node(ExprKind::Num(Rc::new(n)), span),
            None => {
                self.0.push(CompileError {
                    message: format!("invalid number literal {text}"),
                    span,
                });
                node(ExprKind::Bottom, span)
            }
        }
    }
    fn string(&mut self, s: std::borrow::Cow<'_, str>, span: Span) -> Expr {
        node(ExprKind::Str(Rc::from(&*s)), span)
    }
    fn object(&mut self, fields: Vec<(std::borrow::Cow<'_, str>, Span, Expr)>, span: Span) -> Expr {
        // Built at its exact size (collecting in place would keep the reader's
        // larger buffer for the whole run).
        let mut out = Vec::with_capacity(fields.len());
        out.extend(fields.into_iter().map(|(k, _, v)| (Label::string(&k), v)));
        node(ExprKind::ConstStruct(out), span)
    }
    fn array(&mut self, mut items: Vec<Expr>, span: Span) -> Expr {
        items.shrink_to_fit();
        node(ExprKind::ConstList(items), span)
    }
}

/// True if the constraint admits a regular field.
pub fn is_regular(c: Constraint) -> bool {
    c == Constraint::Regular
}
