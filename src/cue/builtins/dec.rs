//! Decimal helpers that mirror CUE's use of apd (34 significant digits).

use crate::cue::num::{Dec, Int, Num, PRECISION};
use num_bigint::BigInt;
use num_traits::{One, Signed, Zero};

/// apd's exponent limit: results whose adjusted exponent leaves ±100000 overflow.
pub(super) const MAX_EXP: i64 = 100_000;

/// Rounding modes used by CUE's builtins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    /// Ties away from zero (apd's `RoundHalfUp`, CUE's default).
    HalfUp,
    /// Ties to even.
    HalfEven,
    /// Toward zero.
    Down,
    /// Toward -∞.
    Floor,
    /// Toward +∞.
    Ceil,
}

pub(super) fn pow10(n: u64) -> BigInt {
    num_traits::pow(BigInt::from(10u32), n as usize)
}

/// Number of decimal digits of |c| (1 for zero).
pub(super) fn digits(c: &BigInt) -> usize {
    if c.is_zero() {
        return 1;
    }
    // Estimate from the bit length, then correct by comparison.
    let bits = c.bits() as f64;
    let mut n = (bits * std::f64::consts::LOG10_2) as usize;
    let m = c.magnitude();
    while n > 0 && *m < pow10(n as u64 - 1).magnitude().clone() {
        n -= 1;
    }
    while *m >= pow10(n as u64).magnitude().clone() {
        n += 1;
    }
    n.max(1)
}

/// Divides `c` by 10^`k` rounding with `mode`; the sign is kept.
pub(super) fn shift_round(c: &BigInt, k: u64, mode: Mode) -> BigInt {
    if k == 0 {
        return c.clone();
    }
    let neg = c.is_negative();
    let mag = c.abs();
    // Everything is shifted out: the rest is non-zero and below one half.
    if k > digits(c) as u64 {
        let up = !mag.is_zero() && matches!((mode, neg), (Mode::Floor, true) | (Mode::Ceil, false));
        let q = BigInt::from(u8::from(up));
        return if neg { -q } else { q };
    }
    let p = pow10(k);
    let mut q = &mag / &p;
    let r = &mag % &p;
    if !r.is_zero() {
        let twice = &r * 2u32;
        let up = match mode {
            Mode::HalfUp => twice >= p,
            Mode::HalfEven => twice > p || (twice == p && (&q % 2u32).is_one()),
            Mode::Down => false,
            Mode::Floor => neg,
            Mode::Ceil => !neg,
        };
        if up {
            q += 1u32;
        }
    }
    if neg { -q } else { q }
}

/// Rounds to at most `prec` significant digits.
pub(super) fn round_prec(d: &Dec, prec: usize, mode: Mode) -> Dec {
    let nd = digits(&d.coeff);
    if nd <= prec {
        return d.clone();
    }
    let drop = (nd - prec) as u64;
    let mut coeff = shift_round(&d.coeff, drop, mode);
    let mut exp = d.exp + drop as i64;
    if digits(&coeff) > prec {
        coeff /= 10;
        exp += 1;
    }
    Dec { coeff, exp }
}

/// Rounds to CUE's 34 digits, half-up.
pub(super) fn round34(d: &Dec) -> Dec {
    round_prec(d, PRECISION, Mode::HalfUp)
}

/// Rounds to an integer.
pub(super) fn to_integer(d: &Dec, mode: Mode) -> BigInt {
    if d.exp >= 0 {
        return &d.coeff * pow10(d.exp as u64);
    }
    shift_round(&d.coeff, (-d.exp) as u64, mode)
}

/// The adjusted exponent (exponent of the leading digit).
pub(super) fn adjusted(d: &Dec) -> i64 {
    d.exp + digits(&d.coeff) as i64 - 1
}

/// Fails like apd when a value leaves the representable exponent range.
pub(super) fn check_range(d: &Dec) -> Result<(), &'static str> {
    if d.coeff.is_zero() {
        return Ok(());
    }
    let adj = adjusted(d);
    if adj > MAX_EXP {
        Err("overflow")
    } else if adj < -MAX_EXP {
        Err("underflow")
    } else {
        Ok(())
    }
}

/// Converts an apd result the way CUE does: integral values become ints.
pub(super) fn to_num(d: Dec) -> Result<Num, &'static str> {
    check_range(&d)?;
    if d.is_integral() {
        Ok(Num::Int(Int::from_big(d.trunc())))
    } else {
        Ok(Num::Float(d))
    }
}

/// apd's `G` formatting, which CUE uses in `json.Marshal` and exports: GDA scientific
/// string, except that a zero with a negative exponent keeps its fractional zeros.
pub(super) fn apd_string(d: &Dec) -> String {
    if d.coeff.is_zero() && (-2000..0).contains(&d.exp) {
        return format!("0.{}", "0".repeat((-d.exp) as usize));
    }
    d.to_sci_string()
}

/// Removes trailing zeros but keeps one fractional digit when there was one (what CUE does
/// after apd division and square roots).
pub(super) fn reduce_keep_float(d: &Dec) -> Dec {
    let mut out = d.clone();
    if out.coeff.is_zero() {
        out.exp = if d.exp < 0 { -1 } else { 0 };
        return out;
    }
    let ten = BigInt::from(10);
    while (&out.coeff % &ten).is_zero() {
        out.coeff /= &ten;
        out.exp += 1;
    }
    if d.exp < 0 && out.exp >= 0 {
        out.exp -= 1;
        out.coeff *= 10;
    }
    out
}

/// apd's division: 34 digits, half-up, then [`reduce_keep_float`]. `None` when dividing by 0.
pub(super) fn quo(x: &Dec, y: &Dec) -> Option<Dec> {
    if y.coeff.is_zero() {
        return None;
    }
    if x.coeff.is_zero() {
        return Some(reduce_keep_float(&Dec {
            coeff: BigInt::zero(),
            exp: x.exp - y.exp,
        }));
    }
    let q = div_prec(x, y, PRECISION, Mode::HalfUp);
    Some(reduce_keep_float(&q))
}

/// `x / y` rounded to exactly `prec` significant digits (apd never strips trailing zeros).
pub(super) fn div_prec(x: &Dec, y: &Dec, prec: usize, mode: Mode) -> Dec {
    let neg = x.coeff.is_negative() != y.coeff.is_negative();
    let a = x.coeff.abs();
    let b = y.coeff.abs();
    // Scale the dividend so the integer quotient has at least prec+1 digits.
    let shift = (prec + 1 + digits(&b)).saturating_sub(digits(&a)) as u64;
    let scaled = &a * pow10(shift);
    let q = &scaled / &b;
    let r = &scaled % &b;
    // A sticky digit keeps inexact quotients from looking like exact ties.
    let mut coeff = &q * 10u32;
    if !r.is_zero() {
        coeff += 1u32;
    }
    let exp = x.exp - y.exp - shift as i64 - 1;
    let d = Dec {
        coeff: if neg { -coeff } else { coeff },
        exp,
    };
    round_prec(&d, prec, mode)
}

/// Compares two decimals without aligning wildly different exponents.
pub(super) fn cmp(a: &Dec, b: &Dec) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (sa, sb) = (a.coeff.sign(), b.coeff.sign());
    if sa != sb || a.coeff.is_zero() {
        return sa.cmp(&sb);
    }
    let (ea, eb) = (adjusted(a), adjusted(b));
    let ord = if ea != eb { ea.cmp(&eb) } else { a.cmp(b) };
    if a.coeff.is_negative() && ea != eb {
        ord.reverse()
    } else {
        ord
    }
    .then(Ordering::Equal)
}

/// The integral and fractional parts (both with the sign of `d`).
pub(super) fn modf(d: &Dec) -> (BigInt, Dec) {
    let int = d.trunc();
    let frac = d.sub(&Dec {
        coeff: int.clone(),
        exp: 0,
    });
    (int, frac)
}

/// A decimal from an integer.
pub(super) fn from_int(v: i64) -> Dec {
    Dec {
        coeff: BigInt::from(v),
        exp: 0,
    }
}

/// True for an exact `1`.
pub(super) fn is_one(d: &Dec) -> bool {
    *d == from_int(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    #[test]
    fn rounding_and_division() {
        assert_eq!(
            round_prec(&d("9.99"), 2, Mode::HalfUp).to_sci_string(),
            "10"
        );
        assert_eq!(
            round_prec(&d("2.5"), 1, Mode::HalfEven).to_sci_string(),
            "2"
        );
        assert_eq!(
            round_prec(&d("-2.5"), 1, Mode::HalfUp).to_sci_string(),
            "-3"
        );
        assert_eq!(to_integer(&d("-2.2"), Mode::Floor).to_string(), "-3");
        assert_eq!(to_integer(&d("2.2"), Mode::Ceil).to_string(), "3");
        assert_eq!(quo(&d("10"), &d("4")).unwrap().to_sci_string(), "2.5");
        assert_eq!(quo(&d("4"), &d("2")).unwrap().to_sci_string(), "2.0");
        assert_eq!(quo(&d("4E+40"), &d("2")).unwrap().to_sci_string(), "2E+40");
        assert_eq!(quo(&d("4.0"), &d("2")).unwrap().to_sci_string(), "2.0");
        assert_eq!(
            quo(&d("1"), &d("3")).unwrap().to_sci_string(),
            "0.3333333333333333333333333333333333"
        );
        assert_eq!(
            quo(&d("2"), &d("3")).unwrap().to_sci_string(),
            "0.6666666666666666666666666666666667"
        );
        assert_eq!(digits(&BigInt::from(1000)), 4);
        assert_eq!(apd_string(&d("0.000000000")), "0.000000000");
        assert_eq!(apd_string(&d("1e-7")), "1E-7");
        assert_eq!(digits(&BigInt::from(-999)), 3);
        assert_eq!(reduce_keep_float(&d("5.000E+5")).to_sci_string(), "5E+5");
        assert_eq!(reduce_keep_float(&d("3.000")).to_sci_string(), "3.0");
    }
}
