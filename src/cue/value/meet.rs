//! Meeting non-composite values: atoms, kinds, bounds, validators and
//! disjunctions of them, with the simplification that keeps `int & >=1 &
//! <=5 & 3` as `3` and the messages of their conflicts. The evaluator calls
//! [`meet`] for everything that is not a struct or a list.

use super::*;

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

pub(super) fn bound_kinds(b: &Bound) -> Kinds {
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
pub fn predecl_constraint(p: crate::cue::ir::Predecl) -> Value {
    use crate::cue::ir::Predecl as P;
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
            let detail = crate::cue::builtins::validator_detail(val.builtin, &args)
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
        let x = Value::num(Num::Int(crate::cue::num::Int::from_big(a)));
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
                    x = Value::num(Num::Int(crate::cue::num::Int::from_big(n.to_dec().trunc())));
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
