//! The CUE syntax tree: what the parser produces, with a span on every node.
//!
//! The tree stays close to the source: shorthand chains `a: b: 1` are kept as
//! nested single-field structs (as CUE does), strings keep their interpolation
//! parts, and numbers keep their literal text (their value is decided by the
//! evaluator, which knows about big integers, decimals and SI multipliers).

use crate::source::Span;

/// One parsed file.
#[derive(Clone, Debug)]
pub struct File {
    /// `package x`, if present.
    pub package: Option<Ident>,
    /// Import declarations in order.
    pub imports: Vec<Import>,
    /// Top-level declarations.
    pub decls: Vec<Decl>,
    /// Whole file.
    pub span: Span,
}

/// An identifier occurrence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    /// The name, including a leading `#`, `_` or `_#`.
    pub name: String,
    /// Where it is.
    pub span: Span,
}

/// `import name "path"`.
#[derive(Clone, Debug)]
pub struct Import {
    /// Explicit local name, if any.
    pub name: Option<Ident>,
    /// Import path, e.g. `encoding/json`.
    pub path: String,
    /// The whole spec.
    pub span: Span,
}

/// A declaration inside a struct (or at file level).
#[derive(Clone, Debug)]
pub enum Decl {
    /// `label: value`.
    Field(Box<Field>),
    /// An expression used as a declaration.
    Embed(Expr),
    /// `for`/`if`/`let` clauses followed by a struct.
    Comprehension(Box<Comprehension>),
    /// `let x = expr`.
    Let(Box<LetClause>),
    /// `...` or `...T`.
    Ellipsis(Option<Expr>, Span),
    /// A declaration attribute `@x(…)`.
    Attribute(Attribute),
}

/// Whether a field must, may or should appear.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Constraint {
    /// `a: v`
    Regular,
    /// `a?: v`
    Optional,
    /// `a!: v`
    Required,
}

/// A field declaration.
#[derive(Clone, Debug)]
pub struct Field {
    /// The label.
    pub label: Label,
    /// `?`, `!` or neither.
    pub constraint: Constraint,
    /// The value (for `a: b: 1`, a struct holding `b: 1`).
    pub value: Expr,
    /// Trailing attributes.
    pub attrs: Vec<Attribute>,
    /// Doc comment lines (text after `//`), from the comment group right above.
    pub docs: Vec<String>,
    /// Comment on the same line, after the field.
    pub line_comment: Option<String>,
    /// Whole field.
    pub span: Span,
}

/// A field label.
#[derive(Clone, Debug)]
pub struct Label {
    /// `X=` alias on the label.
    pub alias: Option<Ident>,
    /// What kind of label.
    pub kind: LabelKind,
    /// The label text.
    pub span: Span,
}

/// The forms a label takes.
#[derive(Clone, Debug)]
pub enum LabelKind {
    /// `name`, `#Def`, `_hidden` (referable).
    Ident(String),
    /// `"quoted"` (not referable by identifier).
    String(String),
    /// `(expr)` or an interpolated string.
    Dynamic(Expr),
    /// `[pattern]`.
    Pattern(Expr),
}

/// `@name(body)`.
#[derive(Clone, Debug)]
pub struct Attribute {
    /// Attribute name.
    pub name: String,
    /// Raw text between the parentheses.
    pub body: String,
    /// Where it is.
    pub span: Span,
}

/// `let name = expr`.
#[derive(Clone, Debug)]
pub struct LetClause {
    /// Bound name.
    pub name: Ident,
    /// Bound expression.
    pub value: Expr,
    /// Whole clause.
    pub span: Span,
}

/// A comprehension: clauses and the struct they produce.
#[derive(Clone, Debug)]
pub struct Comprehension {
    /// `for`, `if` and `let` clauses in order.
    pub clauses: Vec<Clause>,
    /// The produced struct.
    pub body: StructLit,
    /// Whole comprehension.
    pub span: Span,
}

/// One comprehension clause.
#[derive(Clone, Debug)]
pub enum Clause {
    /// `for k, v in src` (`key` is `None` for `for v in src`).
    For {
        /// Key or index variable.
        key: Option<Ident>,
        /// Value variable.
        value: Ident,
        /// Iterated expression.
        source: Expr,
        /// Whole clause.
        span: Span,
    },
    /// `if cond`.
    If(Expr, Span),
    /// `let x = e`.
    Let(LetClause),
}

/// `{ decls }`.
#[derive(Clone, Debug)]
pub struct StructLit {
    /// Declarations in source order.
    pub decls: Vec<Decl>,
    /// Braces included.
    pub span: Span,
}

/// One list element.
#[derive(Clone, Debug)]
pub enum ListElem {
    /// A value.
    Expr(Expr),
    /// A comprehension yielding elements.
    Comprehension(Box<Comprehension>),
    /// `...` or `...T`: the list is open, extra elements unify with `T`.
    Ellipsis(Option<Expr>, Span),
}

/// One part of a string literal.
#[derive(Clone, Debug)]
pub enum StrPart {
    /// Decoded text.
    Text(String),
    /// `\(expr)`.
    Interp(Expr),
}

/// An expression.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// Unary operators (including bound prefixes and the default marker).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // names are the operators
pub enum UnaryOp {
    Neg,
    Pos,
    Not,
    Default,
    Lt,
    Le,
    Gt,
    Ge,
    Ne,
    Match,
    NotMatch,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // names are the operators
pub enum BinOp {
    Or,
    And,
    LOr,
    LAnd,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Match,
    NotMatch,
    Add,
    Sub,
    Mul,
    Div,
    IntDiv,
    IntMod,
    IntQuo,
    IntRem,
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "|",
            BinOp::And => "&",
            BinOp::LOr => "||",
            BinOp::LAnd => "&&",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Match => "=~",
            BinOp::NotMatch => "!~",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::IntDiv => "div",
            BinOp::IntMod => "mod",
            BinOp::IntQuo => "quo",
            BinOp::IntRem => "rem",
        }
    }
}

/// Expression forms.
#[derive(Clone, Debug)]
pub enum ExprKind {
    /// `_|_`
    Bottom,
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number literal as written (`1_000`, `0x10`, `1.5Ki`, `1e3`).
    Number(String),
    /// A string literal (parts; a plain string has one `Text` part).
    String(Vec<StrPart>),
    /// A bytes literal.
    Bytes(Vec<StrPart>),
    /// An identifier reference (including `_`, predeclared names and imports).
    Ident(String),
    /// `x.sel`
    Selector(Box<Expr>, String, Span),
    /// `x[i]`
    Index(Box<Expr>, Box<Expr>),
    /// `x[a:b]`
    Slice(Box<Expr>, Option<Box<Expr>>, Option<Box<Expr>>),
    /// `f(args)`
    Call(Box<Expr>, Vec<Expr>),
    /// Unary operator application.
    Unary(UnaryOp, Box<Expr>),
    /// Binary operator application.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `{…}`
    Struct(StructLit),
    /// `[…]`
    List(Vec<ListElem>),
    /// `X=expr` (value alias).
    Alias(Ident, Box<Expr>),
    /// `(expr)`; kept so that `(a|b)` stays one operand for defaults.
    Paren(Box<Expr>),
    /// A struct literal written in strict JSON, as its source text (the node's
    /// span says where it starts). Data-heavy files are mostly such literals:
    /// kept as text, they cost one allocation instead of a tree, and the
    /// compiler reads them straight into constant data. `parser::expand_json`
    /// gives the tree form for other readers.
    JsonText(Box<str>),
    /// A struct literal written in strict JSON: keys (with their spans) and values.
    JsonObject(Vec<(String, Span, Expr)>),
    /// A list literal inside such a struct.
    JsonArray(Vec<Expr>),
}
