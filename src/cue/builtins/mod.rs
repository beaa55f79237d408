//! CUE's standard library packages, as pure functions over concrete data.
//!
//! The evaluator turns the (concrete) arguments of a call into [`Data`],
//! calls the function from [`lookup`], and turns the result back into a
//! value. Functions that return `bool` double as validators: called with one
//! argument fewer (`strings.MinRunes(3)`), they constrain a value, which is
//! passed as the first argument.
//!
//! # Conventions (behaviour of CUE v0.14.1)
//!
//! * **Messages are complete.** `CallError::Error(m)` holds the text CUE prints after
//!   `path: `, e.g. `error in call to strings.ByteAt: index out of range` or
//!   `cannot use 1 (type int) as string in argument 1 to strings.ToLower`. The evaluator
//!   prints it as is; it must not add its own `error in call to` prefix.
//! * **Argument numbering** follows CUE's quirks: kind mismatches count from 1 (`argument 1`),
//!   conversion failures inside the call (overflow, bad list element) count from 0.
//! * **Direct calls** (`list.MinItems([1], 2)`) return `Ok(Data::Bool(false))` when the check
//!   fails; CUE only reports a reason when the function is used as a validator.
//! * **Validators** (`x: list.MinItems(2) & [1]`): the evaluator prepends the constrained value
//!   to the arguments and calls `f`.
//!   - `Ok(Bool(true))` passes.
//!   - `Ok(Bool(false))` fails with `invalid value [1] (does not satisfy list.MinItems(2))`,
//!     built by the evaluator, followed by `: DETAIL` when [`validator_detail`] returns one
//!     (trap 50: `…: len(fields) > MaxFields(1) (2 > 1)`).
//!   - `Err(e)` fails with the same prefix followed by `: ` and the message of `e`
//!     (e.g. `regexp.Valid & "a)"`); `Incomplete` keeps the failure incomplete.
//!   - `struct.MinFields` and `list.MinItems` failures are *incomplete* in CUE when the
//!     struct/list is still open (more fields/elements may come); only the evaluator knows
//!     openness, so it must downgrade those to incomplete itself.
//! * **Numbers**: results CUE computes with apd decimals come back as `Int` when integral
//!   (`math.Abs(-2.0)` is `2`, `list.Sum([1.5, 2.5])` is `4`); results computed with Go
//!   `float64` are always `Float`. Non-finite results (NaN, ±Inf), which CUE would carry as
//!   special decimals, are reported as errors here.
//! * The evaluator only passes concrete data. Functions never panic; they validate their
//!   arguments and return `Err` for anything unexpected.

use crate::cue::num::Num;

mod args;
mod base64;
mod bigmath;
mod dec;
mod floatfmt;
mod json;
mod jsonscan;
mod list;
mod literal;
mod math;
mod regexp;
mod strconv;
mod strings;
mod structs;
mod yaml;
mod yamlenc;
mod yamlquote;

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
    pub f: Func,
}

/// The signature every builtin implements.
pub type Func = fn(&[Data]) -> Result<Data, CallError>;

impl Builtin {
    /// A function of `pkg` taking exactly `n` arguments (how the package tables list them).
    pub(crate) const fn exact(
        pkg: &'static str,
        name: &'static str,
        n: usize,
        returns_bool: bool,
        f: Func,
    ) -> Builtin {
        Builtin {
            pkg,
            name,
            arity: Arity::Exact(n),
            returns_bool,
            f,
        }
    }
}

/// Encodes data as a YAML document the way CUE's encoder (go-yaml v3) does.
pub fn yaml_encode(d: &Data) -> String {
    yamlenc::encode(d)
}

/// Encodes a JSON value as a YAML document the way `cue export --out yaml`
/// prints it (YAML 1.1 look-alikes such as `"on"` or `"0644"` stay quoted).
pub fn json_to_yaml(j: &serde_json::Value) -> String {
    yaml_encode(&data_of_json(j))
}

/// A JSON value as builtin data (numbers keep their literal text).
pub fn data_of_json(j: &serde_json::Value) -> Data {
    use serde_json::Value as J;
    match j {
        J::Null => Data::Null,
        J::Bool(b) => Data::Bool(*b),
        J::Number(n) => {
            let t = n.to_string();
            Num::parse_literal(&t).map_or(Data::Str(t), Data::Num)
        }
        J::String(s) => Data::Str(s.clone()),
        J::Array(a) => Data::List(a.iter().map(data_of_json).collect()),
        J::Object(m) => Data::Struct(
            m.iter()
                .map(|(k, v)| (k.clone(), data_of_json(v)))
                .collect(),
        ),
    }
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

/// Every package's function table, in a fixed order.
fn packages() -> [&'static [Builtin]; 9] {
    [
        strings::FUNCS,
        strconv::FUNCS,
        list::FUNCS,
        math::FUNCS,
        structs::FUNCS,
        regexp::FUNCS,
        json::FUNCS,
        yaml::FUNCS,
        base64::FUNCS,
    ]
}

/// The function `name` of package `pkg` (its import path, e.g. `encoding/yaml`).
pub fn lookup(pkg: &str, name: &str) -> Option<&'static Builtin> {
    all().find(|b| b.pkg == pkg && b.name == name)
}

/// All functions of all supported packages.
pub fn all() -> impl Iterator<Item = &'static Builtin> {
    packages().into_iter().flatten()
}

/// A package constant such as `math.Pi` or `strconv.IntSize`.
pub fn constant(pkg: &str, name: &str) -> Option<Data> {
    match pkg {
        "math" => math::constant(name),
        "strconv" if name == "IntSize" => Some(Data::Num(Num::int(64))),
        _ => None,
    }
}

/// The reason CUE appends to a failed validator, e.g. `len(list) > MaxItems(1) (2 > 1)`.
///
/// `args` are the same arguments given to `f` (constrained value first). Returns `None` when
/// CUE prints no reason or when the arguments do not fail the check.
pub fn validator_detail(b: &Builtin, args: &[Data]) -> Option<String> {
    match b.pkg {
        "list" => list::validator_detail(b.name, args),
        "struct" => structs::validator_detail(b.name, args),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cue::num::Num;

    #[test]
    fn registry_is_consistent() {
        let mut seen = std::collections::HashSet::new();
        for b in all() {
            assert!(
                seen.insert((b.pkg, b.name)),
                "duplicate {}.{}",
                b.pkg,
                b.name
            );
            assert!(std::ptr::eq(lookup(b.pkg, b.name).unwrap(), b));
        }
        assert!(lookup("strings", "NoSuch").is_none());
        assert!(all().all(|b| is_package(b.pkg)));
        assert_eq!(
            constant("strconv", "IntSize"),
            Some(Data::Num(Num::int(64)))
        );
        assert!(constant("math", "Pi").is_some());
    }

    fn samples() -> Vec<Data> {
        let big = Num::parse_literal("123456789012345678901234567890123456789").unwrap();
        vec![
            Data::Null,
            Data::Bool(true),
            Data::Num(Num::int(0)),
            Data::Num(Num::int(-1)),
            Data::Num(Num::int(i64::MAX)),
            Data::Num(Num::int(i64::MIN)),
            Data::Num(big.clone()),
            Data::Num(big.neg()),
            Data::Num(Num::parse_literal("2.5").unwrap()),
            Data::Num(Num::parse_literal("1e400").unwrap()),
            Data::Num(Num::parse_literal("-1e-400").unwrap()),
            Data::Str(String::new()),
            Data::Str("a: [b, {c}]\n\u{0}é😀".into()),
            Data::Str("(?P<x>a+)|*".into()),
            Data::Str("&a [*a, {<<: *a}]".into()),
            Data::Str("[[[{\"a\": -".into()),
            Data::Str("- - x\n  - ? |\n    k\n  : v\n".into()),
            Data::Str("0x1p-2".into()),
            Data::Bytes(vec![0xff, 0, b'a']),
            Data::List(vec![]),
            Data::List(vec![Data::Num(Num::int(3)), Data::Str("x".into())]),
            Data::List(vec![Data::List(vec![Data::Num(Num::int(1))])]),
            Data::Struct(vec![]),
            Data::Struct(vec![("a".into(), Data::List(vec![Data::Null]))]),
        ]
    }

    /// Calls every builtin with many argument lists; none may panic.
    #[test]
    fn no_panics_on_arbitrary_arguments() {
        let s = samples();
        for b in all() {
            if std::env::var("FUZZ_TRACE").is_ok() {
                eprintln!("fuzz {}.{}", b.pkg, b.name);
            }
            let n = match b.arity {
                Arity::Exact(n) | Arity::AtLeast(n) => n,
            };
            let _ = (b.f)(&[]);
            let _ = (b.f)(&s[..n.saturating_sub(1).min(s.len())]);
            for (i, x) in s.iter().enumerate() {
                let mut args = vec![x.clone(); n];
                let _ = (b.f)(&args);
                for (k, y) in s.iter().enumerate() {
                    if n > 1 {
                        args[(i + k) % n] = y.clone();
                        let _ = (b.f)(&args);
                        args[n - 1] = s[(i * 7 + k) % s.len()].clone();
                        let _ = (b.f)(&args);
                    }
                }
                let r = (b.f)(&args);
                if let Ok(Data::Bool(false)) = r {
                    let _ = validator_detail(b, &args);
                }
            }
        }
    }
}
