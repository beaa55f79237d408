//! The compiled form the evaluator runs: references resolved, literals decoded.
//!
//! Compilation ([`super::compile`]) turns an AST into these shared, immutable
//! nodes once; every evaluation of a template reuses them. References carry
//! the number of scopes to walk out (`up`) and what they name there, so the
//! evaluator never looks names up by string.

use super::ast::{BinOp, Constraint, UnaryOp};
use super::label::Label;
use super::num::Num;
use crate::source::Span;
use std::rc::Rc;

/// A shared expression node.
pub type Expr = Rc<ExprNode>;

/// An expression with its source span.
#[derive(Debug)]
pub struct ExprNode {
    /// What it is.
    pub kind: ExprKind,
    /// Where it came from.
    pub span: Span,
}

/// Predeclared type identifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // names are the CUE identifiers
pub enum Predecl {
    Int,
    Float,
    Number,
    String,
    Bytes,
    Bool,
    Null,
    Uint,
    Rune,
    Int8,
    Int16,
    Int32,
    Int64,
    Int128,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    Uint128,
    Float32,
    Float64,
}

/// Predeclared functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // names are the CUE identifiers
pub enum Func {
    Len,
    Close,
    And,
    Or,
    Div,
    Mod,
    Quo,
    Rem,
}

/// A resolved reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ref {
    /// A field of the struct scope `up` levels out.
    Field {
        /// Scopes to walk out.
        up: u32,
        /// The field.
        label: Label,
    },
    /// A `let` of the struct scope `up` levels out.
    Let {
        /// Scopes to walk out.
        up: u32,
        /// Index into that struct's `lets`.
        slot: u32,
    },
    /// A comprehension variable (`for k, v` slots 0 and 1; `let` clause slot 0).
    Var {
        /// Scopes to walk out.
        up: u32,
        /// Slot.
        slot: u32,
    },
    /// The label matched by a pattern constraint (`[X=string]: … X …`).
    PatternLabel {
        /// Scopes to walk out.
        up: u32,
    },
    /// The field matched by a pattern constraint (`X=[string]: … X …`).
    PatternField {
        /// Scopes to walk out.
        up: u32,
    },
}

/// Expression forms.
#[derive(Debug)]
pub enum ExprKind {
    /// `_`
    Top,
    /// `_|_`
    Bottom,
    /// `null`
    Null,
    /// `true`/`false`
    Bool(bool),
    /// A number literal.
    Num(Rc<Num>),
    /// A string literal.
    Str(Rc<str>),
    /// A bytes literal.
    Bytes(Rc<[u8]>),
    /// A predeclared type.
    Type(Predecl),
    /// A predeclared function.
    Func(Func),
    /// A member of an imported package (`strings.ToLower`, `math.Pi`).
    PkgMember(Rc<str>, Rc<str>),
    /// An imported package used as a value (only valid under a selector).
    Package(Rc<str>),
    /// A resolved reference.
    Ref(Ref),
    /// An alias of a field with a dynamic label (`X="a-\(k)": …`): the label
    /// expression is evaluated in the struct scope `up` levels out.
    DynRef(u32, Expr),
    /// `x.sel`
    Selector(Expr, Label),
    /// `x[i]`
    Index(Expr, Expr),
    /// `x[a:b]`
    Slice(Expr, Option<Expr>, Option<Expr>),
    /// `f(args)`
    Call(Expr, Vec<Expr>),
    /// Unary operator (not the default marker).
    Unary(UnaryOp, Expr),
    /// Binary operator other than `|`.
    Binary(BinOp, Expr, Expr),
    /// A flattened disjunction: operands with their default marks.
    Disj(Vec<(Expr, bool)>),
    /// `{…}`
    Struct(Rc<StructLit>),
    /// `[…]`
    List(Rc<ListLit>),
    /// An interpolated string (or bytes when the flag is set).
    Interp(Vec<Part>, bool),
    /// A struct of constant data (from a strict-JSON literal): no scopes, no
    /// references, so it is unified without building an environment.
    ConstStruct(Vec<(Label, Expr)>),
    /// A closed list of constant data.
    ConstList(Vec<Expr>),
}

/// A piece of an interpolation.
#[derive(Debug)]
pub enum Part {
    /// Literal text.
    Text(Rc<str>),
    /// `\(expr)`.
    Expr(Expr),
}

/// Where a field came from, for docs and errors.
#[derive(Debug, Default)]
pub struct FieldInfo {
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// Same-line comment.
    pub line_comment: Option<String>,
    /// Attributes as `(name, body)`.
    pub attrs: Vec<(String, String)>,
    /// The field.
    pub span: Span,
}

/// A struct declaration.
#[derive(Debug)]
pub enum Decl {
    /// `label: value` with a static label.
    Field {
        /// The label.
        label: Label,
        /// `?`/`!`/regular.
        constraint: Constraint,
        /// The value.
        value: Expr,
        /// The whole declaration.
        span: Span,
        /// Docs and attributes, when the field has any.
        info: Option<Rc<FieldInfo>>,
    },
    /// `(expr): value` or `"\(x)": value`.
    DynField {
        /// The label expression (must give a string).
        label: Expr,
        /// `?`/`!`/regular.
        constraint: Constraint,
        /// The value.
        value: Expr,
        /// The whole declaration.
        span: Span,
        /// Docs and attributes, when the field has any.
        info: Option<Rc<FieldInfo>>,
    },
    /// `[pattern]: value`; the value is compiled in a scope holding the label.
    Pattern {
        /// Constraint on labels.
        pattern: Expr,
        /// Value for matching fields.
        value: Expr,
        /// Span of the declaration.
        span: Span,
    },
    /// An embedded expression.
    Embed(Expr),
    /// A comprehension.
    Comprehension(Rc<Comprehension>),
    /// `...` (opens the struct; `...T` constrains undeclared fields).
    Ellipsis(Option<Expr>, Span),
}

/// A struct literal.
#[derive(Debug)]
pub struct StructLit {
    /// Declarations (lets excluded).
    pub decls: Vec<Decl>,
    /// `let` expressions, by slot.
    pub lets: Vec<Expr>,
    /// False when the literal only embeds values (then it *is* those values).
    pub is_struct: bool,
    /// Only comprehensions: the literal is whatever they yield (`{if c {5}}`
    /// is 5), and an empty struct when they yield nothing.
    pub struct_if_empty: bool,
    /// Braces included.
    pub span: Span,
}

/// A comprehension clause.
#[derive(Debug)]
pub enum Clause {
    /// `for k, v in source` (opens a two-slot scope).
    For {
        /// Iterated expression.
        source: Expr,
        /// Clause span.
        span: Span,
    },
    /// `if cond`.
    If(Expr),
    /// `let x = e` (opens a one-slot scope).
    Let(Expr),
}

/// `clauses { body }`.
#[derive(Debug)]
pub struct Comprehension {
    /// Clauses in order.
    pub clauses: Vec<Clause>,
    /// The produced struct.
    pub body: Expr,
    /// Whole comprehension.
    pub span: Span,
}

/// A list element.
#[derive(Debug)]
pub enum ListElem {
    /// One element.
    Expr(Expr),
    /// A comprehension; each iteration yields one element (its body).
    Comprehension(Rc<Comprehension>),
}

/// A list literal.
#[derive(Debug)]
pub struct ListLit {
    /// Elements before any `...`.
    pub elems: Vec<ListElem>,
    /// `Some` when the list is open: `Some(None)` for `...`, `Some(Some(T))` for `...T`.
    pub tail: Option<Option<Expr>>,
    /// Brackets included.
    pub span: Span,
}

/// A compiled file.
#[derive(Debug)]
pub struct Program {
    /// The file's declarations as one struct literal (the file scope).
    pub root: Rc<StructLit>,
    /// Package name, if any.
    pub package: Option<String>,
}

impl ExprNode {
    /// True when both expressions are the same text up to positions: the
    /// same forms, labels, literals and resolved references. Evaluated in
    /// equivalent environments they have the same value, which lets the
    /// evaluator treat a disjunction pasted twice as two copies of one
    /// (unification is commutative). Forms it does not compare (calls,
    /// comprehensions, interpolations…) are never the same: a `false` only
    /// costs that shortcut.
    pub fn same_as(&self, other: &ExprNode) -> bool {
        use ExprKind as K;
        match (&self.kind, &other.kind) {
            (K::Top, K::Top) | (K::Bottom, K::Bottom) | (K::Null, K::Null) => true,
            (K::Bool(a), K::Bool(b)) => a == b,
            (K::Num(a), K::Num(b)) => match (&**a, &**b) {
                (Num::Int(x), Num::Int(y)) => x == y,
                (Num::Float(x), Num::Float(y)) => x.coeff == y.coeff && x.exp == y.exp,
                _ => false,
            },
            (K::Str(a), K::Str(b)) => a == b,
            (K::Bytes(a), K::Bytes(b)) => a == b,
            (K::Type(a), K::Type(b)) => a == b,
            (K::Ref(a), K::Ref(b)) => a == b,
            (K::Selector(a, x), K::Selector(b, y)) => x == y && a.same_as(b),
            (K::Index(a, i), K::Index(b, j)) => a.same_as(b) && i.same_as(j),
            (K::Unary(o, a), K::Unary(p, b)) => o == p && a.same_as(b),
            (K::Binary(o, a, x), K::Binary(p, b, y)) => o == p && a.same_as(b) && x.same_as(y),
            (K::Disj(a), K::Disj(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((x, m), (y, n))| m == n && x.same_as(y))
            }
            (K::Struct(a), K::Struct(b)) => a.same_as(b),
            (K::List(a), K::List(b)) => {
                a.elems.len() == b.elems.len()
                    && a.elems.iter().zip(&b.elems).all(|(x, y)| match (x, y) {
                        (ListElem::Expr(x), ListElem::Expr(y)) => x.same_as(y),
                        _ => false,
                    })
                    && match (&a.tail, &b.tail) {
                        (None, None) | (Some(None), Some(None)) => true,
                        (Some(Some(x)), Some(Some(y))) => x.same_as(y),
                        _ => false,
                    }
            }
            (K::ConstStruct(a), K::ConstStruct(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((k, x), (l, y))| k == l && x.same_as(y))
            }
            (K::ConstList(a), K::ConstList(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_as(y))
            }
            _ => false,
        }
    }
}

impl StructLit {
    /// [`ExprNode::same_as`] for struct literals.
    pub fn same_as(&self, other: &StructLit) -> bool {
        self.is_struct == other.is_struct
            && self.struct_if_empty == other.struct_if_empty
            && self.lets.len() == other.lets.len()
            && self.lets.iter().zip(&other.lets).all(|(x, y)| x.same_as(y))
            && self.decls.len() == other.decls.len()
            && self
                .decls
                .iter()
                .zip(&other.decls)
                .all(|(x, y)| match (x, y) {
                    (
                        Decl::Field {
                            label: l,
                            constraint: c,
                            value: x,
                            ..
                        },
                        Decl::Field {
                            label: m,
                            constraint: d,
                            value: y,
                            ..
                        },
                    ) => l == m && c == d && x.same_as(y),
                    (Decl::Embed(x), Decl::Embed(y)) => x.same_as(y),
                    (Decl::Ellipsis(None, _), Decl::Ellipsis(None, _)) => true,
                    (Decl::Ellipsis(Some(x), _), Decl::Ellipsis(Some(y), _)) => x.same_as(y),
                    _ => false,
                })
    }
}
