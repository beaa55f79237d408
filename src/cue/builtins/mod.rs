//! CUE's standard library packages, as pure functions over concrete data.
//!
//! The evaluator turns the (concrete) arguments of a call into [`Data`],
//! calls the function from [`lookup`], and turns the result back into a
//! value. Functions that return `bool` double as validators: called with one
//! argument fewer (`strings.MinRunes(3)`), they constrain a value, which is
//! passed as the first argument.

use crate::cue::num::Num;

/// A concrete CUE value, as builtins see it. Struct fields keep their order.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// int or float
    Num(Num),
    /// string
    Str(String),
    /// bytes
    Bytes(Vec<u8>),
    /// list
    List(Vec<Data>),
    /// struct (regular fields only, in order)
    Struct(Vec<(String, Data)>),
}

/// Why a call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    /// An argument is not concrete enough yet.
    Incomplete(String),
    /// The call is wrong (bad argument, failed parse, …).
    Error(String),
}

/// How many arguments a function takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arity {
    /// Exactly this many.
    Exact(usize),
    /// At least this many.
    AtLeast(usize),
}

/// One function of a package.
pub struct Builtin {
    /// Import path, e.g. `strings` or `encoding/json`.
    pub pkg: &'static str,
    /// Exported name, e.g. `ToLower`.
    pub name: &'static str,
    /// Accepted argument count.
    pub arity: Arity,
    /// True when the result is a bool (usable as a validator).
    pub returns_bool: bool,
    /// The implementation.
    pub f: fn(&[Data]) -> Result<Data, CallError>,
}

/// Standard-library packages velac knows.
pub const PACKAGES: &[&str] = &[
    "strings",
    "strconv",
    "list",
    "math",
    "struct",
    "regexp",
    "encoding/json",
    "encoding/yaml",
    "encoding/base64",
];

/// True when `path` names a supported package.
pub fn is_package(path: &str) -> bool {
    PACKAGES.contains(&path)
}

/// The function `pkg.name`, if supported.
pub fn lookup(pkg: &str, name: &str) -> Option<&'static Builtin> {
    let _ = (pkg, name);
    None
}

/// The constant `pkg.name` (e.g. `math.Pi`), if supported.
pub fn constant(pkg: &str, name: &str) -> Option<Data> {
    let _ = (pkg, name);
    None
}
