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

/// Unifies two disjunctions (a plain value is a one-alternative unmarked one):
/// alternatives meet pairwise, failures drop out, equal results merge, and an
/// alternative is a default when it is one on every marked side (spec U0–U2).
fn meet_disj(x: &Disj, y: &Disj) -> Value {
    let mut out: Vec<(Value, bool)> = Vec::new();
    let mut last_err = None;
    for (a, fa) in &x.items {
        for (b, fb) in &y.items {
            // Most failed alternatives are dropped: their message is only
            // written when every alternative fails (below).
            let m = quietly(|| meet(a, b));
            if m.is_bottom() {
                last_err = Some((a, b));
                continue;
            }
            let flag = (*fa || !x.marked) && (*fb || !y.marked);
            match out.iter().position(|(o, _)| same_value(o, &m)) {
                Some(p) => out[p].1 |= flag,
                None => out.push((m, flag)),
            }
        }
    }
    match out.len() {
        0 => match last_err {
            Some((a, b)) => meet(a, b),
            None => Value::err("empty disjunction", vec![]),
        },
        1 => out.pop().map(|(v, _)| v).unwrap_or(Value::Top),
        _ => {
            let marked = x.marked || y.marked;
            let any = out.iter().any(|(_, f)| *f);
            let items = out
                .into_iter()
                .map(|(v, f)| (v, f && marked && any))
                .collect();
            Value::Disj(Rc::new(Disj { items, marked }))
        }
    }
}

/// A disjunction value from alternatives: duplicates merged, a lone survivor
/// returned as itself, marks kept only when some alternative is still marked.
pub fn disj_value(items: Vec<(Value, bool)>, marked: bool) -> Value {
    meet_disj(
        &Disj { items, marked },
        &Disj {
            items: vec![(Value::Top, false)],
            marked: false,
        },
    )
}

/// Equality for merging alternatives: same kind and value, or same constraint.
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Top, Value::Top) => true,
        (Value::Constraint(_), Value::Constraint(_)) | (Value::Disj(_), Value::Disj(_)) => {
            a.to_string() == b.to_string()
        }
        _ => a.kind() == b.kind() && scalar_eq(a, b) == Some(true),
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

fn bound_kinds(b: &Bound) -> Kinds {
    match b.op {
        BoundOp::Match | BoundOp::NotMatch => Kinds::STRING.or(Kinds::BYTES),
        BoundOp::Ne => Kinds::TOP,
        _ => match &b.value {
            Value::Num(_) => Kinds::NUMBER,
            v => v.kind(),
        },
    }
}

/// The kinds a predeclared type admits and its implied bounds.
pub fn predecl_constraint(p: super::ir::Predecl) -> Value {
    use super::ir::Predecl as P;
    let int_range = |lo: &str, hi: &str| -> Value {
        let mut c = Constraint {
            kinds: Kinds::INT,
            bounds: Vec::new(),
            validators: Vec::new(),
        };
        for (op, s) in [(BoundOp::Ge, lo), (BoundOp::Le, hi)] {
            if let Some(n) = Num::parse_literal(s) {
                c.bounds.push(Bound {
                    op,
                    value: Value::num(n),
                    regex: None,
                });
            }
        }
        Value::Constraint(Rc::new(c))
    };
    match p {
        P::Int => Value::kinds(Kinds::INT),
        P::Float => Value::kinds(Kinds::FLOAT),
        P::Number => Value::kinds(Kinds::NUMBER),
        P::String => Value::kinds(Kinds::STRING),
        P::Bytes => Value::kinds(Kinds::BYTES),
        P::Bool => Value::kinds(Kinds::BOOL),
        P::Null => Value::Null,
        P::Uint => {
            let mut c = Constraint {
                kinds: Kinds::INT,
                bounds: Vec::new(),
                validators: Vec::new(),
            };
            c.bounds.push(Bound {
                op: BoundOp::Ge,
                value: Value::num(Num::int(0)),
                regex: None,
            });
            Value::Constraint(Rc::new(c))
        }
        P::Rune => int_range("0", "0x10FFFF"),
        P::Int8 => int_range("-128", "127"),
        P::Int16 => int_range("-32768", "32767"),
        P::Int32 => int_range("-2147483648", "2147483647"),
        P::Int64 => int_range("-9223372036854775808", "9223372036854775807"),
        P::Int128 => int_range(
            "-170141183460469231731687303715884105728",
            "170141183460469231731687303715884105727",
        ),
        P::Uint8 => int_range("0", "255"),
        P::Uint16 => int_range("0", "65535"),
        P::Uint32 => int_range("0", "4294967295"),
        P::Uint64 => int_range("0", "18446744073709551615"),
        P::Uint128 => int_range("0", "340282366920938463463374607431768211455"),
        P::Float32 | P::Float64 => {
            let lim = if p == P::Float32 {
                "3.40282346638528859811704183484516925440e+38"
            } else {
                "1.797693134862315708145274237317043567981e+308"
            };
            let mut c = Constraint {
                kinds: Kinds::NUMBER,
                bounds: Vec::new(),
                validators: Vec::new(),
            };
            if let Some(n) = Num::parse_literal(lim) {
                c.bounds.push(Bound {
                    op: BoundOp::Ge,
                    value: Value::num(n.neg()),
                    regex: None,
                });
                c.bounds.push(Bound {
                    op: BoundOp::Le,
                    value: Value::num(n),
                    regex: None,
                });
            }
            Value::Constraint(Rc::new(c))
        }
    }
}

/// Compares two concrete scalars of the same kind family.
pub fn cmp_scalars(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => Some(x.cmp_num(y)),
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (Value::Bytes(x), Value::Bytes(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Equality of concrete scalars (numbers by value, regardless of kind).
pub fn scalar_eq(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Null, Value::Null) => Some(true),
        (Value::Bool(x), Value::Bool(y)) => Some(x == y),
        (Value::Num(x), Value::Num(y)) => Some(x.cmp_num(y) == Ordering::Equal),
        (Value::Str(x), Value::Str(y)) => Some(x == y),
        (Value::Bytes(x), Value::Bytes(y)) => Some(x == y),
        (x, y) if x.is_atom() && y.is_atom() => Some(false),
        _ => None,
    }
}

/// Identity of atoms for unification: `1` and `1.0` differ (mismatched kinds).
fn atoms_identical(a: &Value, b: &Value) -> bool {
    a.kind() == b.kind() && scalar_eq(a, b) == Some(true)
}

/// Checks `v` (a concrete atom) against a bound; returns an error message on failure.
pub fn check_bound(v: &Value, b: &Bound) -> Result<(), String> {
    let ok = match b.op {
        BoundOp::Match | BoundOp::NotMatch => {
            let text = match v {
                Value::Str(s) => s.to_string(),
                Value::Bytes(bs) => String::from_utf8_lossy(bs).into_owned(),
                _ => {
                    return Err(format!(
                        "conflicting values {v} and {}{}",
                        b.op.symbol(),
                        b.value
                    ));
                }
            };
            let m = b.regex.as_ref().is_some_and(|r| r.is_match(&text));
            m == (b.op == BoundOp::Match)
        }
        BoundOp::Ne => scalar_eq(v, &b.value) != Some(true),
        op => match cmp_scalars(v, &b.value) {
            Some(o) => match op {
                BoundOp::Lt => o == Ordering::Less,
                BoundOp::Le => o != Ordering::Greater,
                BoundOp::Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            },
            None => {
                return Err(format!(
                    "conflicting values {v} and {}{} (mismatched types {} and {})",
                    b.op.symbol(),
                    b.value,
                    v.kind(),
                    bound_kinds(b)
                ));
            }
        },
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid value {v} (out of bound {}{})",
            b.op.symbol(),
            b.value
        ))
    }
}

/// Runs a validator on concrete data; `shown` is how the value appears in messages.
pub fn check_validator(shown: &str, data: Data, val: &Validator) -> Result<(), Value> {
    let mut args = vec![data];
    args.extend(val.args.iter().cloned());
    match (val.builtin.f)(&args) {
        Ok(Data::Bool(true)) => Ok(()),
        Ok(_) => {
            let detail = super::builtins::validator_detail(val.builtin, &args)
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            Err(Value::err(
                format!("invalid value {shown} (does not satisfy {val}){detail}"),
                vec![],
            ))
        }
        Err(CallError::Incomplete(m)) => Err(Value::incomplete(m, vec![])),
        Err(CallError::Error(m)) => Err(Value::err(
            format!("invalid value {shown} (does not satisfy {val}): {m}"),
            vec![],
        )),
    }
}

thread_local! {
    /// Set while a failure's message would be thrown away (see [`quietly`]).
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static QUIET_MISMATCH: Value = Value::err("conflicting values", vec![]);
}

/// Runs `f` with conflict messages left unwritten: a conflict is still a
/// bottom, but a shared one. `meet` is pure, so the caller can run it again
/// for the message it keeps.
fn quietly<T>(f: impl FnOnce() -> T) -> T {
    /// Restores the outer setting however `f` ends (a caught panic included).
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            QUIET.with(|q| q.set(self.0));
        }
    }
    let _restore = Restore(QUIET.with(|q| q.replace(true)));
    f()
}

fn mismatch(a: &Value, b: &Value) -> Value {
    if QUIET.with(|q| q.get()) {
        return QUIET_MISMATCH.with(Value::clone);
    }
    let (ka, kb) = (a.kind(), b.kind());
    if ka.intersects(kb) {
        Value::err(format!("conflicting values {b} and {a}"), vec![])
    } else {
        Value::err(
            format!("conflicting values {b} and {a} (mismatched types {kb} and {ka})"),
            vec![],
        )
    }
}

/// Unifies two non-composite values (atoms, constraints, top, bottom).
/// Disjunctions and vertices are the evaluator's business.
pub fn meet(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Bottom(_), _) => a.clone(),
        (_, Value::Bottom(_)) => b.clone(),
        (Value::Top, _) => b.clone(),
        (_, Value::Top) => a.clone(),
        (Value::Disj(x), Value::Disj(y)) => meet_disj(x, y),
        (Value::Disj(x), o) | (o, Value::Disj(x)) => meet_disj(
            x,
            &Disj {
                items: vec![(o.clone(), false)],
                marked: false,
            },
        ),
        (Value::Constraint(c), Value::Constraint(d)) => meet_constraints(c, d),
        (Value::Constraint(c), x) | (x, Value::Constraint(c)) if x.is_atom() => {
            check_atom(x, c, a, b)
        }
        (x, y) if x.is_atom() && y.is_atom() => {
            if atoms_identical(x, y) {
                x.clone()
            } else {
                mismatch(a, b)
            }
        }
        _ => mismatch(a, b),
    }
}

fn check_atom(x: &Value, c: &Constraint, a: &Value, b: &Value) -> Value {
    if !c.kinds.intersects(x.kind()) {
        return mismatch(a, b);
    }
    for bound in &c.bounds {
        if let Err(m) = check_bound(x, bound) {
            return Value::err(m, vec![]);
        }
    }
    if !c.validators.is_empty()
        && let Some(d) = x.to_data()
    {
        for v in &c.validators {
            if let Err(e) = check_validator(&x.to_string(), d.clone(), v) {
                return e;
            }
        }
    }
    x.clone()
}

/// Unifies two constraints, simplifying bounds; collapses `>=x & <=x` to `x`.
pub fn meet_constraints(c: &Constraint, d: &Constraint) -> Value {
    let kinds = c.kinds.and(d.kinds);
    if kinds.is_empty() {
        return mismatch(
            &Value::Constraint(Rc::new(c.clone())),
            &Value::Constraint(Rc::new(d.clone())),
        );
    }
    let mut out = Constraint {
        kinds,
        bounds: Vec::new(),
        validators: c.validators.clone(),
    };
    for v in &d.validators {
        if !out
            .validators
            .iter()
            .any(|w| std::ptr::eq(w.builtin, v.builtin) && w.args == v.args)
        {
            out.validators.push(v.clone());
        }
    }
    for b in c.bounds.iter().chain(d.bounds.iter()) {
        if let Err(e) = add_bound(&mut out, b.clone()) {
            return e;
        }
    }
    simplify(out)
}

/// Builds a constraint from one bound (`>=1`); `kinds` is what the bound implies.
pub fn bound_value(op: BoundOp, value: Value, regex: Option<Rc<regex::Regex>>) -> Value {
    let b = Bound { op, value, regex };
    let kinds = bound_kinds(&b);
    Value::Constraint(Rc::new(Constraint {
        kinds,
        bounds: vec![b],
        validators: Vec::new(),
    }))
}

fn add_bound(c: &mut Constraint, b: Bound) -> Result<(), Value> {
    c.kinds = c.kinds.and(bound_kinds(&b));
    if c.kinds.is_empty() {
        return Err(Value::err(
            format!("conflicting bounds {}{}", b.op.symbol(), b.value),
            vec![],
        ));
    }
    let lower = matches!(b.op, BoundOp::Gt | BoundOp::Ge);
    let upper = matches!(b.op, BoundOp::Lt | BoundOp::Le);
    if (lower || upper)
        && let Some(i) = c.bounds.iter().position(|x| {
            (lower && matches!(x.op, BoundOp::Gt | BoundOp::Ge))
                || (upper && matches!(x.op, BoundOp::Lt | BoundOp::Le))
        })
    {
        let old = &c.bounds[i];
        let Some(o) = cmp_scalars(&b.value, &old.value) else {
            return Err(Value::err(
                format!(
                    "conflicting bounds {}{} and {}{}",
                    old.op.symbol(),
                    old.value,
                    b.op.symbol(),
                    b.value
                ),
                vec![],
            ));
        };
        let tighter = match o {
            Ordering::Equal => matches!(b.op, BoundOp::Gt | BoundOp::Lt),
            Ordering::Greater => lower,
            Ordering::Less => upper,
        };
        if tighter {
            c.bounds[i] = b;
        }
        return Ok(());
    }
    let dup = c.bounds.iter().any(|x| {
        x.op == b.op
            && scalar_eq(&x.value, &b.value) == Some(true)
            && x.value.kind() == b.value.kind()
    });
    if !dup {
        c.bounds.push(b);
    }
    Ok(())
}

/// For `int`, the tightest inclusive integer range of a numeric bound pair.
fn int_range(lo: &Bound, hi: &Bound) -> Option<(num_bigint::BigInt, num_bigint::BigInt)> {
    let (Value::Num(l), Value::Num(h)) = (&lo.value, &hi.value) else {
        return None;
    };
    let (ld, hd) = (l.to_dec(), h.to_dec());
    let mut lo_i = ld.trunc();
    if ld.is_integral() {
        if lo.op == BoundOp::Gt {
            lo_i += 1;
        }
    } else if ld.coeff.sign() != num_bigint::Sign::Minus {
        lo_i += 1;
    }
    let mut hi_i = hd.trunc();
    if hd.is_integral() {
        if hi.op == BoundOp::Lt {
            hi_i -= 1;
        }
    } else if hd.coeff.sign() == num_bigint::Sign::Minus {
        hi_i -= 1;
    }
    Some((lo_i, hi_i))
}

fn simplify(c: Constraint) -> Value {
    let lo = c
        .bounds
        .iter()
        .find(|b| matches!(b.op, BoundOp::Gt | BoundOp::Ge));
    let hi = c
        .bounds
        .iter()
        .find(|b| matches!(b.op, BoundOp::Lt | BoundOp::Le));
    if let (Some(l), Some(h), true) = (lo, hi, c.kinds == Kinds::INT)
        && let Some((a, b)) = int_range(l, h)
        && a == b
    {
        let x = Value::num(Num::Int(super::num::Int::from_big(a)));
        let rest = Constraint {
            kinds: c.kinds,
            bounds: c
                .bounds
                .iter()
                .filter(|b| matches!(b.op, BoundOp::Ne | BoundOp::Match | BoundOp::NotMatch))
                .cloned()
                .collect(),
            validators: c.validators.clone(),
        };
        return check_atom(&x, &rest, &x, &Value::Constraint(Rc::new(rest.clone())));
    }
    if let (Some(l), Some(h)) = (lo, hi)
        && let Some(o) = cmp_scalars(&l.value, &h.value)
    {
        let both_incl = l.op == BoundOp::Ge && h.op == BoundOp::Le;
        if o == Ordering::Greater || (o == Ordering::Equal && !both_incl) {
            return Value::err(
                format!(
                    "incompatible number bounds {}{} and {}{}",
                    h.op.symbol(),
                    h.value,
                    l.op.symbol(),
                    l.value
                ),
                vec![],
            );
        }
        if o == Ordering::Equal {
            // keepvalidators=0: a range admitting one value is that value.
            let mut x = l.value.clone();
            if let Value::Num(n) = &x {
                if c.kinds == Kinds::INT && !n.is_int() {
                    x = Value::num(Num::Int(super::num::Int::from_big(n.to_dec().trunc())));
                } else if c.kinds == Kinds::FLOAT && n.is_int() {
                    x = Value::num(Num::Float(n.to_dec()));
                }
            }
            let rest = Constraint {
                kinds: c.kinds,
                bounds: c
                    .bounds
                    .iter()
                    .filter(|b| {
                        !matches!(b.op, BoundOp::Gt | BoundOp::Ge | BoundOp::Lt | BoundOp::Le)
                    })
                    .cloned()
                    .collect(),
                validators: c.validators.clone(),
            };
            return check_atom(&x, &rest, &x, &Value::Constraint(Rc::new(rest.clone())));
        }
    }
    Value::Constraint(Rc::new(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(i: i64) -> Value {
        Value::num(Num::int(i))
    }

    #[test]
    fn meets() {
        let int = Value::kinds(Kinds::INT);
        assert_eq!(meet(&int, &n(3)).to_string(), "3");
        assert!(meet(&int, &Value::str("x")).is_bottom());
        let ge = bound_value(BoundOp::Ge, n(1), None);
        let le = bound_value(BoundOp::Le, n(5), None);
        let r = meet(&meet(&int, &ge), &le);
        assert_eq!(r.to_string(), "int & >=1 & <=5");
        assert!(meet(&r, &n(7)).is_bottom());
        assert_eq!(meet(&r, &n(3)).to_string(), "3");
        let one = meet(
            &bound_value(BoundOp::Ge, n(1), None),
            &bound_value(BoundOp::Le, n(1), None),
        );
        assert_eq!(one.to_string(), "1");
        assert!(meet(&n(1), &Value::num(Num::parse_literal("1.0").unwrap())).is_bottom());
        let Value::Bottom(b) = meet(&n(1), &n(2)) else {
            panic!()
        };
        assert_eq!(b.msg, "conflicting values 2 and 1");
    }
}
