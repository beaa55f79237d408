//! Package `list`.
//!
//! `Sort`, `SortStable`, `IsSorted` and `MatchN` take CUE comparators or schemas and are left
//! to the evaluator. Arithmetic (`Sum`, `Avg`, `Range`, …) uses apd's 34-digit decimals, and
//! results are converted back like every apd result: integral values become ints, so
//! `list.Sum([1.5, 2.5])` is the int `4` and `list.Max([1.0, 2.0])` is `2`.

use super::args::{Args, Res, equal, show};
use super::dec::{self, to_num};
use super::{Builtin, CallError, Data, Func};
use crate::cue::num::{Dec, Num};
use std::cmp::Ordering;

/// Largest list these functions build; CUE itself would run out of memory beyond this.
const MAX_LEN: usize = 1 << 22;

/// One entry of this package's table.
const fn f(name: &'static str, n: usize, returns_bool: bool, func: Func) -> Builtin {
    Builtin::exact("list", name, n, returns_bool, func)
}

pub(super) static FUNCS: &[Builtin] = &[
    f("Drop", 2, false, drop),
    f("FlattenN", 2, false, flatten_n),
    f("Repeat", 2, false, repeat),
    f("Concat", 1, false, concat),
    f("Take", 2, false, take),
    f("Slice", 3, false, slice),
    f("Reverse", 1, false, reverse),
    f("MinItems", 2, true, min_items),
    f("MaxItems", 2, true, max_items),
    f("UniqueItems", 1, true, unique_items),
    f("Contains", 2, true, contains),
    f("Avg", 1, false, avg),
    f("Max", 1, false, max),
    f("Min", 1, false, min),
    f("Product", 1, false, product),
    f("Range", 3, false, range),
    f("Sum", 1, false, sum),
    f("SortStrings", 1, false, sort_strings),
    f("IsSortedStrings", 1, true, is_sorted_strings),
];

fn list_and_n<'a>(
    name: &'static str,
    v: &'a [Data],
) -> Result<(Args<'a>, &'a [Data], i64), CallError> {
    let a = Args::new(name, v, 2)?;
    let (l, n) = (a.list(0)?, a.int(1)?);
    Ok((a, l, n))
}

fn drop(v: &[Data]) -> Res {
    let (a, l, n) = list_and_n("list.Drop", v)?;
    if n < 0 {
        return a.fail("negative index");
    }
    Ok(Data::List(l.get(n as usize..).unwrap_or_default().to_vec()))
}

fn take(v: &[Data]) -> Res {
    let (a, l, n) = list_and_n("list.Take", v)?;
    if n < 0 {
        return a.fail("negative index");
    }
    Ok(Data::List(l[..l.len().min(n as usize)].to_vec()))
}

fn slice(v: &[Data]) -> Res {
    let a = Args::new("list.Slice", v, 3)?;
    let (l, i, j) = (a.list(0)?, a.int(1)?, a.int(2)?);
    if i < 0 {
        return a.fail("negative index");
    }
    if i > j {
        return a.fail(format!("invalid index: {i} > {j}"));
    }
    if i as u64 > l.len() as u64 || j as u64 > l.len() as u64 {
        return a.fail("slice bounds out of range");
    }
    Ok(Data::List(l[i as usize..j as usize].to_vec()))
}

fn reverse(v: &[Data]) -> Res {
    let a = Args::new("list.Reverse", v, 1)?;
    Ok(Data::List(a.list(0)?.iter().rev().cloned().collect()))
}

fn flatten_n(v: &[Data]) -> Res {
    let a = Args::new("list.FlattenN", v, 2)?;
    let depth = a.int(1)?;
    let Data::List(l) = &v[0] else {
        return a.fail(format!(
            "cannot use value {} (type {}) as list",
            show(&v[0]),
            super::args::kind(&v[0])
        ));
    };
    let mut out = Vec::new();
    flatten_into(l, depth, &mut out);
    Ok(Data::List(out))
}

fn flatten_into(l: &[Data], depth: i64, out: &mut Vec<Data>) {
    for e in l {
        match e {
            Data::List(inner) if depth != 0 => flatten_into(inner, depth.saturating_sub(1), out),
            _ => out.push(e.clone()),
        }
    }
}

fn repeat(v: &[Data]) -> Res {
    let (a, l, n) = list_and_n("list.Repeat", v)?;
    if n < 0 {
        return a.fail("negative count");
    }
    if !l.is_empty() && n as u128 * l.len() as u128 > MAX_LEN as u128 {
        return a.fail("result list too large");
    }
    let n = if l.is_empty() { 0 } else { n as usize };
    Ok(Data::List(
        l.iter().cloned().cycle().take(l.len() * n).collect(),
    ))
}

fn concat(v: &[Data]) -> Res {
    let a = Args::new("list.Concat", v, 1)?;
    let mut out = Vec::new();
    for e in a.list(0)? {
        match e {
            Data::List(inner) => out.extend(inner.iter().cloned()),
            _ => {
                let k = super::args::kind(e);
                return a.fail(format!("cannot use value {} (type {k}) as list", show(e)));
            }
        }
    }
    Ok(Data::List(out))
}

fn min_items(v: &[Data]) -> Res {
    let (_, l, n) = list_and_n("list.MinItems", v)?;
    Ok(Data::Bool(l.len() as i64 >= n))
}

fn max_items(v: &[Data]) -> Res {
    let (_, l, n) = list_and_n("list.MaxItems", v)?;
    Ok(Data::Bool(l.len() as i64 <= n))
}

/// The first pair of equal elements (lowest first index, then lowest second index).
fn first_duplicate(l: &[Data]) -> Option<(usize, usize)> {
    (0..l.len()).find_map(|i| {
        (i + 1..l.len())
            .find(|&j| equal(&l[i], &l[j]))
            .map(|j| (i, j))
    })
}

fn unique_items(v: &[Data]) -> Res {
    let a = Args::new("list.UniqueItems", v, 1)?;
    Ok(Data::Bool(first_duplicate(a.list(0)?).is_none()))
}

fn contains(v: &[Data]) -> Res {
    let a = Args::new("list.Contains", v, 2)?;
    Ok(Data::Bool(a.list(0)?.iter().any(|e| equal(e, &v[1]))))
}

/// Reasons CUE gives when these validators fail (`MinItems` is incomplete on open lists).
pub(super) fn validator_detail(name: &str, v: &[Data]) -> Option<String> {
    match name {
        "MinItems" => {
            let (_, l, n) = list_and_n("list.MinItems", v).ok()?;
            let c = l.len();
            ((c as i64) < n).then(|| format!("len(list) < MinItems({n}) ({c} < {n})"))
        }
        "MaxItems" => {
            let (_, l, n) = list_and_n("list.MaxItems", v).ok()?;
            let c = l.len();
            (c as i64 > n).then(|| format!("len(list) > MaxItems({n}) ({c} > {n})"))
        }
        "UniqueItems" => {
            let Some(Data::List(l)) = v.first() else {
                return None;
            };
            let (i, j) = first_duplicate(l)?;
            Some(match &l[i] {
                Data::List(_) | Data::Struct(_) => format!("equal values at position {i} and {j}"),
                x => format!("equal value ({}) at position {i} and {j}", show(x)),
            })
        }
        _ => None,
    }
}

fn numbers<'a>(name: &'static str, v: &'a [Data]) -> Result<(Args<'a>, Vec<Dec>), CallError> {
    let a = Args::new(name, v, 1)?;
    let xs = a.num_list(0)?.into_iter().map(Num::to_dec).collect();
    Ok((a, xs))
}

fn out(a: &Args, d: Dec) -> Res {
    match to_num(d) {
        Ok(n) => Ok(Data::Num(n)),
        Err(e) => a.fail(e),
    }
}

fn sum_of(xs: &[Dec]) -> Dec {
    xs.iter().fold(dec::from_int(0), |s, x| x.add(&s))
}

fn sum(v: &[Data]) -> Res {
    let (a, xs) = numbers("list.Sum", v)?;
    out(&a, sum_of(&xs))
}

fn product(v: &[Data]) -> Res {
    let (a, xs) = numbers("list.Product", v)?;
    out(&a, xs.iter().fold(dec::from_int(1), |p, x| x.mul(&p)))
}

fn avg(v: &[Data]) -> Res {
    let (a, xs) = numbers("list.Avg", v)?;
    if xs.is_empty() {
        return a.fail("empty list");
    }
    match dec::quo(&sum_of(&xs), &dec::from_int(xs.len() as i64)) {
        Some(q) => out(&a, q),
        None => a.fail("division by zero"),
    }
}

fn extreme(name: &'static str, v: &[Data], want: Ordering) -> Res {
    let (a, xs) = numbers(name, v)?;
    let mut it = xs.into_iter();
    let Some(first) = it.next() else {
        return a.fail("empty list");
    };
    let best = it.fold(first, |m, x| if dec::cmp(&x, &m) == want { x } else { m });
    out(&a, best)
}

fn max(v: &[Data]) -> Res {
    extreme("list.Max", v, Ordering::Greater)
}

fn min(v: &[Data]) -> Res {
    extreme("list.Min", v, Ordering::Less)
}

fn range(v: &[Data]) -> Res {
    let a = Args::new("list.Range", v, 3)?;
    let (start, limit, step) = (a.num(0)?.to_dec(), a.num(1)?.to_dec(), a.num(2)?.to_dec());
    let up = step.coeff.sign() != num_bigint::Sign::Minus;
    if step.coeff.sign() == num_bigint::Sign::NoSign {
        return a.fail("step must be non zero");
    }
    if up && dec::cmp(&start, &limit).is_gt() {
        return a.fail("end must be greater than start when step is positive");
    }
    if !up && dec::cmp(&start, &limit).is_lt() {
        return a.fail("end must be less than start when step is negative");
    }
    // Refuse huge ranges up front (also catches steps too small to move at 34 digits).
    let count = dec::div_prec(&limit.sub(&start), &step, 40, dec::Mode::Ceil);
    if dec::cmp(&count, &dec::from_int(MAX_LEN as i64)).is_gt() {
        return a.fail("result list too large");
    }
    let mut out_list = Vec::new();
    let mut x = start;
    loop {
        let c = dec::cmp(&x, &limit);
        if (up && !c.is_lt()) || (!up && !c.is_gt()) {
            break;
        }
        if out_list.len() >= MAX_LEN {
            return a.fail("result list too large");
        }
        match to_num(x.clone()) {
            Ok(n) => out_list.push(Data::Num(n)),
            Err(e) => return a.fail(e),
        }
        x = step.add(&x);
    }
    Ok(Data::List(out_list))
}

fn sort_strings(v: &[Data]) -> Res {
    let a = Args::new("list.SortStrings", v, 1)?;
    let mut s = a.string_list(0)?;
    s.sort_unstable();
    Ok(super::args::strings(s))
}

fn is_sorted_strings(v: &[Data]) -> Res {
    let a = Args::new("list.IsSortedStrings", v, 1)?;
    let s = a.string_list(0)?;
    Ok(Data::Bool(s.windows(2).all(|w| w[0] <= w[1])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cue::builtins::{CallError, lookup, validator_detail as detail};

    fn n(s: &str) -> Data {
        let neg = s.starts_with('-');
        let v = Num::parse_literal(s.trim_start_matches('-')).unwrap();
        Data::Num(if neg { v.neg() } else { v })
    }

    fn l(xs: &[&str]) -> Data {
        Data::List(xs.iter().map(|s| n(s)).collect())
    }

    fn show_res(r: Res) -> String {
        match r {
            Ok(d) => show(&d),
            Err(CallError::Error(m) | CallError::Incomplete(m)) => format!("ERR {m}"),
        }
    }

    #[test]
    fn txtar_gen_cases() {
        let s = |x: &str| Data::Str(x.into());
        let nested = Data::List(vec![
            n("1"),
            Data::List(vec![l(&["2", "3"]), l(&[])]),
            l(&["4"]),
        ]);
        let cases: Vec<(&str, Vec<Data>, &str)> = vec![
            ("Avg", vec![l(&["1", "2", "3", "4"])], "2.5"),
            (
                "Avg",
                vec![l(&[])],
                "ERR error in call to list.Avg: empty list",
            ),
            (
                "Avg",
                vec![s("foo")],
                "ERR cannot use \"foo\" (type string) as list in argument 1 to list.Avg",
            ),
            ("Drop", vec![l(&["1", "2", "3", "4"]), n("0")], "[1,2,3,4]"),
            ("Drop", vec![l(&["1", "2", "3", "4"]), n("2")], "[3,4]"),
            ("Drop", vec![l(&["1", "2", "3", "4"]), n("10")], "[]"),
            (
                "Drop",
                vec![l(&["1", "2", "3", "4"]), n("-1")],
                "ERR error in call to list.Drop: negative index",
            ),
            ("FlattenN", vec![nested.clone(), n("-1")], "[1,2,3,4]"),
            (
                "FlattenN",
                vec![nested.clone(), n("0")],
                "[1,[[2,3],[]],[4]]",
            ),
            ("FlattenN", vec![nested.clone(), n("1")], "[1,[2,3],[],4]"),
            ("FlattenN", vec![nested.clone(), n("2")], "[1,2,3,4]"),
            (
                "FlattenN",
                vec![s("foo"), n("1")],
                "ERR error in call to list.FlattenN: cannot use value \"foo\" (type string) as list",
            ),
            (
                "FlattenN",
                vec![l(&[]), s("foo")],
                "ERR cannot use \"foo\" (type string) as int in argument 2 to list.FlattenN",
            ),
            ("Max", vec![l(&["1", "2", "3", "4"])], "4"),
            (
                "Max",
                vec![l(&[])],
                "ERR error in call to list.Max: empty list",
            ),
            ("Min", vec![l(&["1", "2", "3", "4"])], "1"),
            ("Product", vec![l(&["1", "2", "3", "4"])], "24"),
            ("Product", vec![l(&[])], "1"),
            (
                "Range",
                vec![n("0"), n("5"), n("0")],
                "ERR error in call to list.Range: step must be non zero",
            ),
            (
                "Range",
                vec![n("5"), n("0"), n("1")],
                "ERR error in call to list.Range: end must be greater than start when step is positive",
            ),
            (
                "Range",
                vec![n("0"), n("5"), n("-1")],
                "ERR error in call to list.Range: end must be less than start when step is negative",
            ),
            ("Range", vec![n("0"), n("5"), n("1")], "[0,1,2,3,4]"),
            ("Range", vec![n("0"), n("1"), n("1")], "[0]"),
            ("Range", vec![n("0"), n("5"), n("2")], "[0,2,4]"),
            ("Range", vec![n("5"), n("0"), n("-1")], "[5,4,3,2,1]"),
            (
                "Range",
                vec![n("0"), n("5"), n("0.5")],
                "[0,0.5,1,1.5,2,2.5,3,3.5,4,4.5]",
            ),
            (
                "Slice",
                vec![l(&["1", "2", "3", "4"]), n("1"), n("3")],
                "[2,3]",
            ),
            (
                "Slice",
                vec![l(&["1", "2", "3", "4"]), n("-1"), n("3")],
                "ERR error in call to list.Slice: negative index",
            ),
            (
                "Slice",
                vec![l(&["1", "2", "3", "4"]), n("3"), n("1")],
                "ERR error in call to list.Slice: invalid index: 3 > 1",
            ),
            (
                "Slice",
                vec![l(&["1", "2", "3", "4"]), n("5"), n("5")],
                "ERR error in call to list.Slice: slice bounds out of range",
            ),
            (
                "Slice",
                vec![l(&["1", "2", "3", "4"]), n("1"), n("5")],
                "ERR error in call to list.Slice: slice bounds out of range",
            ),
            (
                "SortStrings",
                vec![Data::List(vec![s("b"), s("a")])],
                "[\"a\",\"b\"]",
            ),
            (
                "SortStrings",
                vec![l(&["1", "2"])],
                "ERR invalid list element 0 in argument 0 to call: cannot use value 1 (int) as string",
            ),
            ("Sum", vec![l(&["1", "2", "3", "4"])], "10"),
            ("Sum", vec![l(&[])], "0"),
            ("Sum", vec![l(&["1.5", "2.5"])], "4"),
            ("Take", vec![l(&["1", "2", "3", "4"]), n("0")], "[]"),
            ("Take", vec![l(&["1", "2", "3", "4"]), n("2")], "[1,2]"),
            ("Take", vec![l(&["1", "2", "3", "4"]), n("10")], "[1,2,3,4]"),
            (
                "Take",
                vec![l(&["1", "2", "3", "4"]), n("-1")],
                "ERR error in call to list.Take: negative index",
            ),
            ("MinItems", vec![l(&["1", "2", "3", "4"]), n("2")], "true"),
            ("MinItems", vec![l(&["1", "2", "3", "4"]), n("5")], "false"),
            ("MaxItems", vec![l(&["1", "2", "3", "4"]), n("5")], "true"),
            ("MaxItems", vec![l(&["1", "2", "3", "4"]), n("2")], "false"),
            ("Avg", vec![l(&["4", "8", "12"])], "8"),
            ("Repeat", vec![l(&["1", "2"]), n("3")], "[1,2,1,2,1,2]"),
            ("Repeat", vec![l(&[]), n("3")], "[]"),
            ("Repeat", vec![l(&["1"]), n("0")], "[]"),
            (
                "Repeat",
                vec![l(&["1"]), n("-1")],
                "ERR error in call to list.Repeat: negative count",
            ),
            (
                "Repeat",
                vec![Data::List(vec![s("x")]), n("2")],
                "[\"x\",\"x\"]",
            ),
            (
                "Concat",
                vec![Data::List(vec![l(&["1"]), l(&["2", "3"])])],
                "[1,2,3]",
            ),
            ("Concat", vec![Data::List(vec![l(&[])])], "[]"),
            (
                "Concat",
                vec![n("1")],
                "ERR cannot use 1 (type int) as list in argument 1 to list.Concat",
            ),
            (
                "Concat",
                vec![Data::List(vec![n("1"), l(&["2"])])],
                "ERR error in call to list.Concat: cannot use value 1 (type int) as list",
            ),
            ("Reverse", vec![l(&["1", "2", "3", "4"])], "[4,3,2,1]"),
            // trap 45
            (
                "Concat",
                vec![Data::List(vec![l(&["1"]), l(&["2", "3"])])],
                "[1,2,3]",
            ),
            (
                "FlattenN",
                vec![
                    Data::List(vec![Data::List(vec![n("1"), l(&["2"])]), l(&["3"])]),
                    n("1"),
                ],
                "[1,[2],3]",
            ),
            ("Contains", vec![l(&["1", "2"]), n("2")], "true"),
            (
                "Range",
                vec![n("0"), n("1e40"), n("1")],
                "ERR error in call to list.Range: result list too large",
            ),
            (
                "Range",
                vec![n("0"), n("1"), n("1e-40")],
                "ERR error in call to list.Range: result list too large",
            ),
            (
                "Reverse",
                vec![s("bad")],
                "ERR cannot use \"bad\" (type string) as list in argument 1 to list.Reverse",
            ),
            ("Contains", vec![l(&["1", "2"]), n("2")], "true"),
            ("Contains", vec![l(&["1.0"]), n("1")], "true"),
            ("Contains", vec![l(&["1", "2"]), s("2")], "false"),
            ("UniqueItems", vec![l(&["1", "2", "3"])], "true"),
            ("UniqueItems", vec![l(&["1", "2", "1"])], "false"),
            (
                "IsSortedStrings",
                vec![Data::List(vec![s("a"), s("b")])],
                "true",
            ),
        ];
        for (f, args, want) in cases {
            let b = lookup("list", f).unwrap();
            assert_eq!(show_res((b.f)(&args)), want, "list.{f}");
        }
    }

    #[test]
    fn validator_details() {
        let b = lookup("list", "MinItems").unwrap();
        assert_eq!(
            detail(b, &[l(&[]), n("1")]).as_deref(),
            Some("len(list) < MinItems(1) (0 < 1)")
        );
        let b = lookup("list", "MaxItems").unwrap();
        assert_eq!(
            detail(b, &[l(&["0", "1"]), n("1")]).as_deref(),
            Some("len(list) > MaxItems(1) (2 > 1)")
        );
        let b = lookup("list", "UniqueItems").unwrap();
        assert_eq!(
            detail(b, &[l(&["1", "2", "1"])]).as_deref(),
            Some("equal value (1) at position 0 and 2")
        );
        let st = |k: &str| Data::Struct(vec![(k.into(), n("1"))]);
        let args = [Data::List(vec![st("a"), st("a")])];
        assert_eq!(
            detail(b, &args).as_deref(),
            Some("equal values at position 0 and 1")
        );
    }
}
