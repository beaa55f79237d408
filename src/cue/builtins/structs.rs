//! Package `struct` (Go package name `structs`): field-count validators.
//!
//! Only regular fields count, which is exactly what [`Data::Struct`] holds.

use super::args::{Args, Res};
use super::{Arity, Builtin, Data};

pub(super) static FUNCS: &[Builtin] = &[
    Builtin {
        pkg: "struct",
        name: "MinFields",
        arity: Arity::Exact(2),
        returns_bool: true,
        f: min_fields,
    },
    Builtin {
        pkg: "struct",
        name: "MaxFields",
        arity: Arity::Exact(2),
        returns_bool: true,
        f: max_fields,
    },
];

fn counts(name: &'static str, v: &[Data]) -> Result<(usize, i64), super::CallError> {
    let a = Args::new(name, v, 2)?;
    Ok((a.strct(0)?.len(), a.int(1)?))
}

fn min_fields(v: &[Data]) -> Res {
    let (count, n) = counts("struct.MinFields", v)?;
    Ok(Data::Bool(count as i64 >= n))
}

fn max_fields(v: &[Data]) -> Res {
    let (count, n) = counts("struct.MaxFields", v)?;
    Ok(Data::Bool(count as i64 <= n))
}

/// CUE's reason for a failed check. A `MinFields` failure is incomplete, not an error, while
/// the struct is open (see the module docs of `builtins`).
pub(super) fn validator_detail(name: &str, v: &[Data]) -> Option<String> {
    match name {
        "MinFields" => {
            let (c, n) = counts("struct.MinFields", v).ok()?;
            ((c as i64) < n).then(|| format!("len(fields) < MinFields({n}) ({c} < {n})"))
        }
        "MaxFields" => {
            let (c, n) = counts("struct.MaxFields", v).ok()?;
            (c as i64 > n).then(|| format!("len(fields) > MaxFields({n}) ({c} > {n})"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cue::builtins::{lookup, validator_detail as detail};
    use crate::cue::num::Num;

    fn st(n: usize) -> Data {
        Data::Struct(
            (0..n)
                .map(|i| (format!("f{i}"), Data::Num(Num::int(i as i64))))
                .collect(),
        )
    }

    #[test]
    fn trap_50_and_txtar() {
        let max = lookup("struct", "MaxFields").unwrap();
        let min = lookup("struct", "MinFields").unwrap();
        let one = Data::Num(Num::int(1));
        let args = [st(2), one.clone()];
        assert_eq!((max.f)(&args), Ok(Data::Bool(false)));
        assert_eq!(
            detail(max, &args).as_deref(),
            Some("len(fields) > MaxFields(1) (2 > 1)")
        );
        assert_eq!((min.f)(&[st(1), one.clone()]), Ok(Data::Bool(true)));
        assert_eq!((min.f)(&[st(0), one.clone()]), Ok(Data::Bool(false)));
        assert_eq!(
            detail(min, &[st(0), one.clone()]).as_deref(),
            Some("len(fields) < MinFields(1) (0 < 1)")
        );
        assert_eq!(detail(max, &[st(1), one.clone()]), None);
        let zero = Data::Num(Num::int(0));
        assert_eq!(
            detail(max, &[st(1), zero.clone()]).as_deref(),
            Some("len(fields) > MaxFields(0) (1 > 0)")
        );
        assert_eq!(
            (min.f)(&[Data::Str(String::new()), zero]),
            Err(super::super::CallError::Error(
                "cannot use \"\" (type string) as struct in argument 1 to struct.MinFields".into()
            ))
        );
    }
}
