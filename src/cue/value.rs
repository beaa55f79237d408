//! Values: the lattice the evaluator computes in.
//!
//! Scalars and scalar constraints are plain [`Value`]s; structs and lists
//! live in the evaluator's vertex arena and appear here as [`Value::Vertex`].
//! [`meet`] unifies two non-composite values, which covers atoms, basic
//! types, bounds and validators (`int & >=1 & <=5 & 3`).

use super::builtins::{Builtin, CallError, Data};
use super::label::quote;
use super::num::Num;
use crate::source::Span;
use std::cmp::Ordering;
use std::fmt;
use std::rc::Rc;

mod meet;
use meet::bound_kinds;
pub use meet::{
    bound_value, check_bound, check_validator, cmp_scalars, disj_value, meet, meet_constraints,
    predecl_constraint, same_value, scalar_eq,
};

/// Index of a vertex in the evaluator's arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VId(pub u32);

/// A set of value kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Kinds(pub u16);

#[allow(missing_docs)] // names are the kinds
impl Kinds {
    pub const NONE: Kinds = Kinds(0);
    pub const NULL: Kinds = Kinds(1);
    pub const BOOL: Kinds = Kinds(2);
    pub const INT: Kinds = Kinds(4);
    pub const FLOAT: Kinds = Kinds(8);
    pub const STRING: Kinds = Kinds(16);
    pub const BYTES: Kinds = Kinds(32);
    pub const LIST: Kinds = Kinds(64);
    pub const STRUCT: Kinds = Kinds(128);
    pub const NUMBER: Kinds = Kinds(4 | 8);
    pub const SCALAR: Kinds = Kinds(1 | 2 | 4 | 8 | 16 | 32);
    pub const TOP: Kinds = Kinds(255);

    /// Intersection.
    pub fn and(self, o: Kinds) -> Kinds {
        Kinds(self.0 & o.0)
    }

    /// Union.
    pub fn or(self, o: Kinds) -> Kinds {
        Kinds(self.0 | o.0)
    }

    /// True when no kind is left.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True when all of `o` is in `self`.
    pub fn contains(self, o: Kinds) -> bool {
        self.0 & o.0 == o.0 && o.0 != 0
    }

    /// True when `self` and `o` share a kind.
    pub fn intersects(self, o: Kinds) -> bool {
        self.0 & o.0 != 0
    }
}

impl fmt::Display for Kinds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Kinds::TOP {
            return f.write_str("_");
        }
        let mut names = Vec::new();
        let mut k = *self;
        if k.contains(Kinds::NUMBER) {
            names.push("number");
            k = Kinds(k.0 & !Kinds::NUMBER.0);
        }
        for (bit, name) in [
            (Kinds::NULL, "null"),
            (Kinds::BOOL, "bool"),
            (Kinds::INT, "int"),
            (Kinds::FLOAT, "float"),
            (Kinds::STRING, "string"),
            (Kinds::BYTES, "bytes"),
            (Kinds::LIST, "list"),
            (Kinds::STRUCT, "struct"),
        ] {
            if k.intersects(bit) {
                names.push(name);
            }
        }
        if names.is_empty() {
            return f.write_str("_|_");
        }
        f.write_str(&names.join("|"))
    }
}

/// What kind of failure a bottom is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrCode {
    /// Not concrete enough yet (`incomplete value int`, absent optional field).
    Incomplete,
    /// A reference cycle with no value (`x: y, y: x`): incomplete, not an error.
    Cycle,
    /// A real error (conflict, closedness, bad operation).
    Eval,
    /// A value that contains itself.
    StructuralCycle,
    /// Explicit `_|_`.
    User,
}

/// An error value.
#[derive(Clone, Debug)]
pub struct Bottom {
    /// Class of failure.
    pub code: ErrCode,
    /// Message without path or positions.
    pub msg: String,
    /// Contributing positions.
    pub spans: Vec<Span>,
    /// Field path where it occurred, when known.
    pub path: Option<String>,
}

impl Bottom {
    /// True for errors that only mean "not concrete yet".
    pub fn is_incomplete(&self) -> bool {
        matches!(self.code, ErrCode::Incomplete | ErrCode::Cycle)
    }
}

/// Bound operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // names are the operators
pub enum BoundOp {
    Lt,
    Le,
    Gt,
    Ge,
    Ne,
    Match,
    NotMatch,
}

impl BoundOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BoundOp::Lt => "<",
            BoundOp::Le => "<=",
            BoundOp::Gt => ">",
            BoundOp::Ge => ">=",
            BoundOp::Ne => "!=",
            BoundOp::Match => "=~",
            BoundOp::NotMatch => "!~",
        }
    }
}

/// `op value`, e.g. `>=1` or `=~"^a"`.
#[derive(Clone, Debug)]
pub struct Bound {
    /// The operator.
    pub op: BoundOp,
    /// The operand (a concrete scalar).
    pub value: Value,
    /// Compiled pattern for `=~`/`!~`.
    pub regex: Option<Rc<regex::Regex>>,
}

/// A builtin applied to all but its first argument, used as a constraint.
#[derive(Clone)]
pub struct Validator {
    /// The function.
    pub builtin: &'static Builtin,
    /// The arguments after the first.
    pub args: Vec<Data>,
}

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self)
    }
}

impl fmt::Display for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pkg = self
            .builtin
            .pkg
            .rsplit('/')
            .next()
            .unwrap_or(self.builtin.pkg);
        let args: Vec<String> = self.args.iter().map(data_to_string).collect();
        write!(f, "{pkg}.{}({})", self.builtin.name, args.join(", "))
    }
}

/// A non-concrete scalar constraint: kinds, bounds and validators.
#[derive(Clone, Debug)]
pub struct Constraint {
    /// Admitted kinds.
    pub kinds: Kinds,
    /// Bounds, simplified (at most one lower and one upper numeric bound).
    pub bounds: Vec<Bound>,
    /// Validators.
    pub validators: Vec<Validator>,
}

/// A set of alternatives with default marks.
#[derive(Clone, Debug)]
pub struct Disj {
    /// Alternatives (no bottoms, no duplicates).
    pub items: Vec<(Value, bool)>,
    /// True when the disjunction was marked (had defaults, even if they were
    /// eliminated since: `⟨v, _|_⟩` in the spec's notation).
    pub marked: bool,
}

impl Disj {
    /// True when some alternative is marked default.
    pub fn has_default(&self) -> bool {
        self.items.iter().any(|(_, d)| *d)
    }
}

/// A builtin function as a value (before it is called).
#[derive(Clone, Copy, Debug)]
pub enum FuncRef {
    /// `len`, `close`, … (see [`super::ir::Func`]).
    Predeclared(super::ir::Func),
    /// A package function.
    Pkg(&'static Builtin),
}

impl fmt::Debug for Builtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.pkg, self.name)
    }
}

/// A value.
#[derive(Clone, Debug)]
pub enum Value {
    /// `_`
    Top,
    /// An error.
    Bottom(Rc<Bottom>),
    /// `null`
    Null,
    /// A bool.
    Bool(bool),
    /// A number.
    Num(Rc<Num>),
    /// A string.
    Str(Rc<str>),
    /// Bytes.
    Bytes(Rc<[u8]>),
    /// A scalar constraint.
    Constraint(Rc<Constraint>),
    /// Unresolved alternatives.
    Disj(Rc<Disj>),
    /// A struct or list (or anything still being unified) in the arena.
    Vertex(VId),
    /// A builtin function.
    Func(FuncRef),
}

impl Value {
    /// An error value.
    pub fn bottom(code: ErrCode, msg: impl Into<String>, spans: Vec<Span>) -> Value {
        Value::Bottom(Rc::new(Bottom {
            code,
            msg: msg.into(),
            spans,
            path: None,
        }))
    }

    /// An evaluation error.
    pub fn err(msg: impl Into<String>, spans: Vec<Span>) -> Value {
        Value::bottom(ErrCode::Eval, msg, spans)
    }

    /// An incomplete-value error.
    pub fn incomplete(msg: impl Into<String>, spans: Vec<Span>) -> Value {
        Value::bottom(ErrCode::Incomplete, msg, spans)
    }

    /// A number value.
    pub fn num(n: Num) -> Value {
        Value::Num(Rc::new(n))
    }

    /// A string value.
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    /// A basic type. The plain ones (`int`, `string`, …) are shared: a
    /// template names them in every instance, and a constraint is never
    /// changed in place.
    pub fn kinds(k: Kinds) -> Value {
        thread_local! {
            static PLAIN: std::cell::RefCell<Vec<(u16, Rc<Constraint>)>> =
                const { std::cell::RefCell::new(Vec::new()) };
        }
        let shared = PLAIN.with(|p| {
            let mut p = p.borrow_mut();
            if let Some((_, c)) = p.iter().find(|(b, _)| *b == k.0) {
                return c.clone();
            }
            let c = Rc::new(Constraint {
                kinds: k,
                bounds: Vec::new(),
                validators: Vec::new(),
            });
            p.push((k.0, c.clone()));
            c
        });
        Value::Constraint(shared)
    }

    /// True for bottom.
    pub fn is_bottom(&self) -> bool {
        matches!(self, Value::Bottom(_))
    }

    /// True for null, bool, number, string and bytes.
    pub fn is_atom(&self) -> bool {
        matches!(
            self,
            Value::Null | Value::Bool(_) | Value::Num(_) | Value::Str(_) | Value::Bytes(_)
        )
    }

    /// The kinds a non-vertex value may take.
    pub fn kind(&self) -> Kinds {
        match self {
            Value::Top => Kinds::TOP,
            Value::Bottom(_) => Kinds::NONE,
            Value::Null => Kinds::NULL,
            Value::Bool(_) => Kinds::BOOL,
            Value::Num(n) if n.is_int() => Kinds::INT,
            Value::Num(_) => Kinds::FLOAT,
            Value::Str(_) => Kinds::STRING,
            Value::Bytes(_) => Kinds::BYTES,
            Value::Constraint(c) => c.kinds,
            Value::Disj(d) => d.items.iter().fold(Kinds::NONE, |k, (v, _)| k.or(v.kind())),
            Value::Vertex(_) => Kinds::LIST.or(Kinds::STRUCT),
            Value::Func(_) => Kinds::NONE,
        }
    }

    /// Concrete scalar to builtin data.
    pub fn to_data(&self) -> Option<Data> {
        Some(match self {
            Value::Null => Data::Null,
            Value::Bool(b) => Data::Bool(*b),
            Value::Num(n) => Data::Num((**n).clone()),
            Value::Str(s) => Data::Str(s.to_string()),
            Value::Bytes(b) => Data::Bytes(b.to_vec()),
            _ => return None,
        })
    }

    /// Builtin scalar data to a value (lists and structs are the evaluator's job).
    pub fn from_scalar_data(d: &Data) -> Option<Value> {
        Some(match d {
            Data::Null => Value::Null,
            Data::Bool(b) => Value::Bool(*b),
            Data::Num(n) => Value::num(n.clone()),
            Data::Str(s) => Value::str(s),
            Data::Bytes(b) => Value::Bytes(Rc::from(b.as_slice())),
            _ => return None,
        })
    }
}

/// Writes bytes as a CUE bytes literal.
pub fn quote_bytes(b: &[u8]) -> String {
    let mut out = String::from("'");
    for &c in b {
        match c {
            b'\'' => out.push_str("\\'"),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            0x20..=0x7e => out.push(c as char),
            _ => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push('\'');
    out
}

/// Renders data the way CUE prints values in messages.
pub fn data_to_string(d: &Data) -> String {
    match d {
        Data::Null => "null".into(),
        Data::Bool(b) => b.to_string(),
        Data::Num(n) => n.to_string(),
        Data::Str(s) => quote(s),
        Data::Bytes(b) => quote_bytes(b),
        Data::List(l) => format!(
            "[{}]",
            l.iter().map(data_to_string).collect::<Vec<_>>().join(",")
        ),
        Data::Struct(fs) => format!(
            "{{{}}}",
            fs.iter()
                .map(|(k, v)| format!(
                    "{}:{}",
                    super::label::Label::string(k).selector(),
                    data_to_string(v)
                ))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

impl fmt::Display for Value {
    /// Scalars as CUE source; composite values need the evaluator (see `format`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Top => f.write_str("_"),
            Value::Bottom(_) => f.write_str("_|_"),
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Num(n) => write!(f, "{n}"),
            Value::Str(s) => f.write_str(&quote(s)),
            Value::Bytes(b) => f.write_str(&quote_bytes(b)),
            Value::Constraint(c) => write!(f, "{c}"),
            Value::Disj(d) => {
                let parts: Vec<String> = d
                    .items
                    .iter()
                    .map(|(v, def)| if *def { format!("*{v}") } else { v.to_string() })
                    .collect();
                f.write_str(&parts.join(" | "))
            }
            Value::Vertex(_) => f.write_str("{...}"),
            Value::Func(FuncRef::Predeclared(p)) => {
                write!(f, "{}", format!("{p:?}").to_lowercase())
            }
            Value::Func(FuncRef::Pkg(b)) => write!(
                f,
                "{}.{}",
                b.pkg.rsplit('/').next().unwrap_or(b.pkg),
                b.name
            ),
        }
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        let implied = self
            .bounds
            .iter()
            .fold(Kinds::NONE, |k, b| k.or(bound_kinds(b)));
        let show_kind = self.bounds.is_empty() && self.validators.is_empty()
            || (self.kinds != implied && self.kinds != Kinds::TOP);
        if show_kind {
            parts.push(self.kinds.to_string());
        }
        for b in &self.bounds {
            parts.push(format!("{}{}", b.op.symbol(), b.value));
        }
        for v in &self.validators {
            parts.push(v.to_string());
        }
        f.write_str(&parts.join(" & "))
    }
}
