//! Operators: unary and binary expressions on evaluated values (arithmetic,
//! comparison, boolean logic, list equality, bounds built from `<`/`>=`…),
//! with CUE's messages for operands of the wrong kind or not yet concrete.
//! `expr.rs` evaluates the operands and calls in here.

use super::expr::{compiled_regex, default_of};
use super::{Engine, Env};
use crate::cue::ast::{BinOp, UnaryOp};
use crate::cue::ir::{Expr, ExprKind};
use crate::cue::num::Num;
use crate::cue::value::{Bottom, BoundOp, VId, Value, bound_value, cmp_scalars, meet, scalar_eq};
use crate::source::Span;
use std::cmp::Ordering;
use std::rc::Rc;

impl Engine {
    pub(super) fn unary(&mut self, op: UnaryOp, x: &Expr, env: &Rc<Env>, span: Span) -> Value {
        let v = self.eval(x, env);
        let v = match self.concrete(v, span) {
            Ok(v) => v,
            Err(b) => {
                if b.is_incomplete() {
                    return Value::incomplete(
                        format!("{} (operand to {})", b.msg, unary_symbol(op)),
                        b.spans.clone(),
                    );
                }
                return Value::Bottom(b);
            }
        };
        let bad = |v: &Value| {
            Value::err(
                format!(
                    "invalid operation {}{v} (type {})",
                    unary_symbol(op),
                    v.kind()
                ),
                vec![span],
            )
        };
        match op {
            UnaryOp::Neg => match &v {
                Value::Num(n) => Value::num(n.neg()),
                _ => bad(&v),
            },
            UnaryOp::Pos => match &v {
                Value::Num(_) => v,
                _ => bad(&v),
            },
            UnaryOp::Not => match &v {
                Value::Bool(b) => Value::Bool(!b),
                _ => bad(&v),
            },
            UnaryOp::Default => v,
            UnaryOp::Lt | UnaryOp::Le | UnaryOp::Gt | UnaryOp::Ge => {
                if !matches!(v, Value::Num(_) | Value::Str(_) | Value::Bytes(_)) {
                    return bad(&v);
                }
                let bop = match op {
                    UnaryOp::Lt => BoundOp::Lt,
                    UnaryOp::Le => BoundOp::Le,
                    UnaryOp::Gt => BoundOp::Gt,
                    _ => BoundOp::Ge,
                };
                bound_value(bop, v, None)
            }
            UnaryOp::Ne => {
                if !v.is_atom() {
                    return bad(&v);
                }
                bound_value(BoundOp::Ne, v, None)
            }
            UnaryOp::Match | UnaryOp::NotMatch => {
                let Value::Str(s) = &v else { return bad(&v) };
                match compiled_regex(s) {
                    Ok(re) => {
                        let bop = if op == UnaryOp::Match {
                            BoundOp::Match
                        } else {
                            BoundOp::NotMatch
                        };
                        bound_value(bop, v.clone(), Some(re))
                    }
                    Err(e) => {
                        Value::err(format!("invalid regular expression {s:?}: {e}"), vec![span])
                    }
                }
            }
        }
    }

    pub(super) fn binary(
        &mut self,
        op: BinOp,
        a: &Expr,
        b: &Expr,
        env: &Rc<Env>,
        span: Span,
        whole: &Expr,
    ) -> Value {
        match op {
            BinOp::And => {
                let va = self.eval(a, env);
                let vb = self.eval(b, env);
                match (self.scalar_of(va.clone()), self.scalar_of(vb.clone())) {
                    (Some(x), Some(y))
                        if !matches!(x, Value::Disj(_)) && !matches!(y, Value::Disj(_)) =>
                    {
                        let m = meet(&x, &y);
                        if let Value::Bottom(bt) = &m {
                            let mut bt = (**bt).clone();
                            bt.spans.extend([a.span, b.span]);
                            return Value::Bottom(Rc::new(bt));
                        }
                        m
                    }
                    _ => self.temp(whole, env),
                }
            }
            BinOp::Or => self.temp(whole, env),
            BinOp::Eq | BinOp::Ne
                if matches!(b.kind, ExprKind::Bottom) || matches!(a.kind, ExprKind::Bottom) =>
            {
                let x = if matches!(b.kind, ExprKind::Bottom) {
                    a
                } else {
                    b
                };
                let exists = self.exists(x, env);
                Value::Bool(if op == BinOp::Ne { exists } else { !exists })
            }
            BinOp::LAnd | BinOp::LOr => {
                let l = match self.eval_bool_operand(a, env, op) {
                    Ok(v) => v,
                    Err(e) => return e,
                };
                if (op == BinOp::LAnd && !l) || (op == BinOp::LOr && l) {
                    return Value::Bool(l);
                }
                match self.eval_bool_operand(b, env, op) {
                    Ok(r) => Value::Bool(r),
                    Err(e) => e,
                }
            }
            _ => {
                let va = self.eval(a, env);
                let vb = self.eval(b, env);
                let x = match self.concrete(va, a.span) {
                    Ok(x) => x,
                    Err(e) => return operand_error(e, op),
                };
                let y = match self.concrete(vb, b.span) {
                    Ok(y) => y,
                    Err(e) => return operand_error(e, op),
                };
                self.binop_values(op, x, y, span)
            }
        }
    }

    pub(super) fn eval_bool_operand(
        &mut self,
        e: &Expr,
        env: &Rc<Env>,
        op: BinOp,
    ) -> Result<bool, Value> {
        let v = self.eval(e, env);
        match self.concrete(v, e.span) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(Value::err(
                format!(
                    "invalid operand {other} ('{}' requires bool, found {})",
                    op.symbol(),
                    other.kind()
                ),
                vec![e.span],
            )),
            Err(b) => Err(operand_error(b, op)),
        }
    }

    /// `x != _|_`: does `x` evaluate without error to something concrete or composite?
    pub(super) fn exists(&mut self, x: &Expr, env: &Rc<Env>) -> bool {
        let v = self.eval(x, env);
        match v {
            Value::Bottom(_) | Value::Top | Value::Constraint(_) | Value::Func(_) => false,
            Value::Disj(d) => default_of(&d).is_some_and(|v| v.is_atom()),
            Value::Vertex(w) => {
                let Ok(w) = self.resolve_vertex(w, x.span) else {
                    return false;
                };
                let vx = self.v(w);
                if vx.is_struct || vx.list.is_some() {
                    if vx.err.is_some() {
                        return false;
                    }
                    return self.deep_error(w).is_none();
                }
                if vx.err.is_some() {
                    return false;
                }
                match vx.value.clone() {
                    Value::Disj(d) => default_of(&d).is_some_and(|v| v.is_atom()),
                    other => other.is_atom(),
                }
            }
            atom => atom.is_atom(),
        }
    }

    /// Applies a binary operator to concrete operands.
    pub(crate) fn binop_values(&mut self, op: BinOp, x: Value, y: Value, span: Span) -> Value {
        let invalid = |x: &Value, y: &Value| {
            Value::err(
                format!(
                    "invalid operands {x} and {y} to '{}' (type {} and {})",
                    op.symbol(),
                    kind_name(x),
                    kind_name(y)
                ),
                vec![span],
            )
        };
        match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => match (&x, &y) {
                (Value::Num(a), Value::Num(b)) => {
                    // Out of range in, out of range out: as CUE, an error,
                    // never a number of hundreds of thousands of digits.
                    let range =
                        || Value::err("failed arithmetic: exponent out of range", vec![span]);
                    if !a.in_exponent_range() || !b.in_exponent_range() {
                        return range();
                    }
                    let r = match op {
                        BinOp::Add => a.add(b),
                        BinOp::Sub => a.sub(b),
                        BinOp::Mul => a.mul(b),
                        _ => match a.quo(b) {
                            Some(q) => q,
                            None => return Value::err("division by zero", vec![span]),
                        },
                    };
                    if r.in_exponent_range() {
                        Value::num(r)
                    } else {
                        range()
                    }
                }
                (Value::Str(a), Value::Str(b)) if op == BinOp::Add => {
                    Value::str(&format!("{a}{b}"))
                }
                (Value::Bytes(a), Value::Bytes(b)) if op == BinOp::Add => Value::Bytes(
                    a.iter()
                        .chain(b.iter())
                        .copied()
                        .collect::<Vec<u8>>()
                        .into(),
                ),
                (Value::Str(s), Value::Num(n)) | (Value::Num(n), Value::Str(s))
                    if op == BinOp::Mul =>
                {
                    match n.to_i64().filter(|&k| n.is_int() && k >= 0) {
                        Some(k) => Value::str(&s.repeat(k as usize)),
                        None => invalid(&x, &y),
                    }
                }
                (Value::Vertex(a), Value::Vertex(b))
                    if op == BinOp::Add && self.is_list(*a) && self.is_list(*b) =>
                {
                    Value::err(
                        "Addition of lists is superseded by list.Concat; see https://cuelang.org/e/v0.11-list-arithmetic",
                        vec![span],
                    )
                }
                (Value::Vertex(a), Value::Num(_)) | (Value::Num(_), Value::Vertex(a))
                    if op == BinOp::Mul && self.is_list(*a) =>
                {
                    Value::err(
                        "Multiplication of lists is superseded by list.Repeat; see https://cuelang.org/e/v0.11-list-arithmetic",
                        vec![span],
                    )
                }
                _ => invalid(&x, &y),
            },
            BinOp::IntDiv | BinOp::IntMod | BinOp::IntQuo | BinOp::IntRem => match (&x, &y) {
                (Value::Num(a), Value::Num(b)) if a.is_int() && b.is_int() => {
                    let (crate::cue::num::Num::Int(a), crate::cue::num::Num::Int(b)) = (&**a, &**b)
                    else {
                        return invalid(&x, &y);
                    };
                    if b.is_zero() {
                        return Value::err("division by zero", vec![span]);
                    }
                    let r = match op {
                        BinOp::IntDiv => a.div_euclid(b),
                        BinOp::IntMod => a.mod_euclid(b),
                        BinOp::IntQuo => a.quo(b),
                        _ => a.rem(b),
                    };
                    Value::num(Num::Int(r))
                }
                _ => invalid(&x, &y),
            },
            BinOp::Eq | BinOp::Ne => {
                let eq = match (&x, &y) {
                    (Value::Vertex(a), Value::Vertex(b))
                        if self.is_list(*a) && self.is_list(*b) =>
                    {
                        match self.lists_equal(*a, *b, span) {
                            Ok(e) => e,
                            Err(b) => return Value::Bottom(b),
                        }
                    }
                    (Value::Null, _) | (_, Value::Null) => {
                        matches!((&x, &y), (Value::Null, Value::Null))
                    }
                    _ => match scalar_eq(&x, &y) {
                        Some(e)
                            if x.kind().intersects(y.kind())
                                || (matches!(x, Value::Num(_)) && matches!(y, Value::Num(_))) =>
                        {
                            e
                        }
                        _ => return invalid(&x, &y),
                    },
                };
                Value::Bool(if op == BinOp::Eq { eq } else { !eq })
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => match cmp_scalars(&x, &y) {
                Some(o) => Value::Bool(match op {
                    BinOp::Lt => o == Ordering::Less,
                    BinOp::Le => o != Ordering::Greater,
                    BinOp::Gt => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                }),
                None => invalid(&x, &y),
            },
            BinOp::Match | BinOp::NotMatch => {
                let text = match &x {
                    Value::Str(s) => s.to_string(),
                    Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
                    _ => return invalid(&x, &y),
                };
                let Value::Str(pat) = &y else {
                    return invalid(&x, &y);
                };
                match compiled_regex(pat) {
                    Ok(re) => Value::Bool(re.is_match(&text) == (op == BinOp::Match)),
                    Err(e) => Value::err(
                        format!("invalid regular expression {pat:?}: {e}"),
                        vec![span],
                    ),
                }
            }
            _ => invalid(&x, &y),
        }
    }

    pub(super) fn is_list(&self, v: VId) -> bool {
        self.v(self.deref(v)).list.is_some()
    }

    pub(super) fn lists_equal(&mut self, a: VId, b: VId, span: Span) -> Result<bool, Rc<Bottom>> {
        let ea = self.list_elements(Value::Vertex(a), span)?;
        let eb = self.list_elements(Value::Vertex(b), span)?;
        if ea.len() != eb.len() {
            return Ok(false);
        }
        for (x, y) in ea.into_iter().zip(eb) {
            let x = self.concrete(Value::Vertex(x), span)?;
            let y = self.concrete(Value::Vertex(y), span)?;
            match self.binop_values(BinOp::Eq, x, y, span) {
                Value::Bool(true) => {}
                Value::Bool(false) => return Ok(false),
                Value::Bottom(b) => return Err(b),
                _ => return Ok(false),
            }
        }
        Ok(true)
    }
}

fn unary_symbol(op: UnaryOp) -> &'static str {
    match op {
        UnaryOp::Neg => "-",
        UnaryOp::Pos => "+",
        UnaryOp::Not => "!",
        UnaryOp::Default => "*",
        UnaryOp::Lt => "<",
        UnaryOp::Le => "<=",
        UnaryOp::Gt => ">",
        UnaryOp::Ge => ">=",
        UnaryOp::Ne => "!=",
        UnaryOp::Match => "=~",
        UnaryOp::NotMatch => "!~",
    }
}

pub(super) fn kind_name(v: &Value) -> String {
    match v {
        Value::Vertex(_) => "struct|list".into(),
        other => other.kind().to_string(),
    }
}

fn operand_error(b: Rc<Bottom>, op: BinOp) -> Value {
    if b.is_incomplete() && !b.msg.contains("in operand to") {
        let msg = b.msg.replacen("incomplete value", "non-concrete value", 1);
        return Value::bottom(
            b.code,
            format!("{msg} in operand to {}", op.symbol()),
            b.spans.clone(),
        );
    }
    Value::Bottom(b)
}
