//! Numbers: arbitrary-size integers and decimal floats, as CUE has them.
//!
//! CUE numbers are decimals (apd) with a kind: `int` or `float`. Integers
//! never overflow; floats are decimal, so `0.1 + 0.2` is exactly `0.3`.
//! Division rounds to 34 significant digits (half-up), then trailing zeros
//! are removed but one decimal place is kept (`4/2` is `2.0`). Floats print
//! in the General Decimal Arithmetic "to-scientific-string" form (`1E+3`),
//! with `.0` added when a float would otherwise read as an integer.

use num_bigint::{BigInt, Sign};
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt;

/// Digits kept by inexact operations (CUE's apd context precision).
pub const PRECISION: usize = 34;

/// The largest decimal exponent CUE's decimal context allows (apd's
/// `MaxExponent`; the smallest is its negation). Past it CUE reports
/// "exponent out of range" instead of computing a number of hundreds of
/// thousands of digits, and so does velac.
pub const MAX_EXPONENT: i64 = 100_000;

/// An integer: small values inline, big ones on the heap.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Int {
    /// Fits in 64 bits.
    Small(i64),
    /// Does not.
    Big(Box<BigInt>),
}

/// A decimal float: `coeff × 10^exp`.
#[derive(Clone, Debug)]
pub struct Dec {
    /// Signed coefficient.
    pub coeff: BigInt,
    /// Power of ten.
    pub exp: i64,
}

/// A CUE number.
#[derive(Clone, Debug)]
pub enum Num {
    /// Kind `int`.
    Int(Int),
    /// Kind `float`.
    Float(Dec),
}

impl Int {
    /// From a big integer, normalising to `Small` when it fits.
    pub fn from_big(b: BigInt) -> Int {
        match b.to_i64() {
            Some(v) => Int::Small(v),
            None => Int::Big(Box::new(b)),
        }
    }

    /// As a big integer.
    pub fn to_big(&self) -> BigInt {
        match self {
            Int::Small(v) => BigInt::from(*v),
            Int::Big(b) => (**b).clone(),
        }
    }

    /// As `i64`, if it fits.
    pub fn to_i64(&self) -> Option<i64> {
        match self {
            Int::Small(v) => Some(*v),
            Int::Big(_) => None,
        }
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        matches!(self, Int::Small(0))
    }

    /// Sign: -1, 0 or 1.
    pub fn signum(&self) -> i32 {
        match self {
            Int::Small(v) => v.signum() as i32,
            Int::Big(b) => match b.sign() {
                Sign::Minus => -1,
                Sign::NoSign => 0,
                Sign::Plus => 1,
            },
        }
    }

    fn op(
        &self,
        o: &Int,
        small: fn(i64, i64) -> Option<i64>,
        big: fn(BigInt, BigInt) -> BigInt,
    ) -> Int {
        if let (Int::Small(a), Int::Small(b)) = (self, o)
            && let Some(v) = small(*a, *b)
        {
            return Int::Small(v);
        }
        Int::from_big(big(self.to_big(), o.to_big()))
    }

    /// Sum.
    pub fn add(&self, o: &Int) -> Int {
        self.op(o, i64::checked_add, |a, b| a + b)
    }

    /// Difference.
    pub fn sub(&self, o: &Int) -> Int {
        self.op(o, i64::checked_sub, |a, b| a - b)
    }

    /// Product.
    pub fn mul(&self, o: &Int) -> Int {
        self.op(o, i64::checked_mul, |a, b| a * b)
    }

    /// Negation.
    pub fn neg(&self) -> Int {
        match self {
            Int::Small(v) => match v.checked_neg() {
                Some(n) => Int::Small(n),
                None => Int::from_big(-BigInt::from(*v)),
            },
            Int::Big(b) => Int::from_big(-(**b).clone()),
        }
    }

    /// Euclidean division (`div`): the remainder is never negative.
    pub fn div_euclid(&self, o: &Int) -> Int {
        let (q, _) = euclid(&self.to_big(), &o.to_big());
        Int::from_big(q)
    }

    /// Euclidean modulus (`mod`): never negative.
    pub fn mod_euclid(&self, o: &Int) -> Int {
        let (_, r) = euclid(&self.to_big(), &o.to_big());
        Int::from_big(r)
    }

    /// Truncated quotient (`quo`).
    pub fn quo(&self, o: &Int) -> Int {
        Int::from_big(self.to_big() / o.to_big())
    }

    /// Truncated remainder (`rem`): has the sign of the dividend.
    pub fn rem(&self, o: &Int) -> Int {
        Int::from_big(self.to_big() % o.to_big())
    }
}

fn euclid(a: &BigInt, b: &BigInt) -> (BigInt, BigInt) {
    let mut q = a / b;
    let mut r = a % b;
    if r.is_negative() {
        if b.is_positive() {
            q -= 1;
            r += b;
        } else {
            q += 1;
            r -= b;
        }
    }
    (q, r)
}

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Int::Small(v) => write!(f, "{v}"),
            Int::Big(b) => write!(f, "{b}"),
        }
    }
}

impl Ord for Int {
    fn cmp(&self, o: &Int) -> Ordering {
        match (self, o) {
            (Int::Small(a), Int::Small(b)) => a.cmp(b),
            _ => self.to_big().cmp(&o.to_big()),
        }
    }
}

impl PartialOrd for Int {
    fn partial_cmp(&self, o: &Int) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

fn pow10(n: u64) -> BigInt {
    num_traits::pow(BigInt::from(10u32), n as usize)
}

fn num_digits(c: &BigInt) -> usize {
    if c.is_zero() {
        1
    } else {
        c.magnitude().to_string().len()
    }
}

impl Dec {
    /// An integral decimal.
    pub fn from_int(i: &Int) -> Dec {
        Dec {
            coeff: i.to_big(),
            exp: 0,
        }
    }

    /// Rounds to [`PRECISION`] significant digits, half-up.
    fn rounded(mut self) -> Dec {
        let nd = num_digits(&self.coeff);
        if nd > PRECISION {
            let drop = (nd - PRECISION) as u64;
            let p = pow10(drop);
            let neg = self.coeff.is_negative();
            let mag = self.coeff.abs();
            let mut q = &mag / &p;
            let r = &mag % &p;
            if r * 2 >= p {
                q += 1;
            }
            self.coeff = if neg { -q } else { q };
            self.exp += drop as i64;
        }
        self
    }

    fn align(&self, o: &Dec) -> (BigInt, BigInt, i64) {
        let e = self.exp.min(o.exp);
        let a = &self.coeff * pow10((self.exp - e) as u64);
        let b = &o.coeff * pow10((o.exp - e) as u64);
        (a, b, e)
    }

    /// Sum.
    pub fn add(&self, o: &Dec) -> Dec {
        let (a, b, exp) = self.align(o);
        Dec { coeff: a + b, exp }.rounded()
    }

    /// Difference.
    pub fn sub(&self, o: &Dec) -> Dec {
        let (a, b, exp) = self.align(o);
        Dec { coeff: a - b, exp }.rounded()
    }

    /// Product.
    pub fn mul(&self, o: &Dec) -> Dec {
        Dec {
            coeff: &self.coeff * &o.coeff,
            exp: self.exp + o.exp,
        }
        .rounded()
    }

    /// Quotient to 34 digits, reduced keeping one decimal place; `None` on division by zero.
    pub fn quo(&self, o: &Dec) -> Option<Dec> {
        if o.coeff.is_zero() {
            return None;
        }
        let neg = self.coeff.is_negative() != o.coeff.is_negative();
        let shift = self.exp - o.exp;
        if self.coeff.is_zero() {
            return Some(
                Dec {
                    coeff: BigInt::zero(),
                    exp: shift,
                }
                .reduce_keeping_float(),
            );
        }
        let mut dividend = self.coeff.abs();
        let mut divisor = o.coeff.abs();
        let diff = num_digits(&dividend) as i64 - num_digits(&divisor) as i64;
        if diff < 0 {
            dividend *= pow10((-diff) as u64);
        } else if diff > 0 {
            divisor *= pow10(diff as u64);
        }
        let mut adj = -diff;
        if dividend < divisor {
            dividend *= 10;
            adj += 1;
        }
        let extra = PRECISION as i64 - 1;
        dividend *= pow10(extra as u64);
        let mut q = &dividend / &divisor;
        let r = &dividend % &divisor;
        if !r.is_zero() && r * 2 >= divisor {
            q += 1;
        }
        let coeff = if neg { -q } else { q };
        Some(
            Dec {
                coeff,
                exp: shift - adj - extra,
            }
            .rounded()
            .reduce_keeping_float(),
        )
    }

    /// Removes trailing zeros, keeping one decimal place if there was any.
    fn reduce_keeping_float(mut self) -> Dec {
        let old = self.exp;
        if self.coeff.is_zero() {
            self.exp = 0;
        } else {
            let ten = BigInt::from(10);
            while (&self.coeff % &ten).is_zero() {
                self.coeff /= &ten;
                self.exp += 1;
            }
        }
        if old < 0 && self.exp >= 0 {
            self.exp -= 1;
            self.coeff *= 10;
        }
        self
    }

    /// Negation.
    pub fn neg(&self) -> Dec {
        Dec {
            coeff: -self.coeff.clone(),
            exp: self.exp,
        }
    }

    /// True when the value has no fractional part.
    pub fn is_integral(&self) -> bool {
        self.exp >= 0 || (&self.coeff % pow10((-self.exp) as u64)).is_zero()
    }

    /// The integral part (truncated).
    pub fn trunc(&self) -> BigInt {
        if self.exp >= 0 {
            &self.coeff * pow10(self.exp as u64)
        } else {
            &self.coeff / pow10((-self.exp) as u64)
        }
    }

    /// Nearest `f64`.
    pub fn to_f64(&self) -> f64 {
        self.to_sci_string().parse().unwrap_or(f64::NAN)
    }

    /// From an `f64` (shortest round-trip digits); `None` for NaN and infinities.
    pub fn from_f64(v: f64) -> Option<Dec> {
        if !v.is_finite() {
            return None;
        }
        Dec::parse(&format!("{v:e}"))
    }

    /// Parses a decimal literal (`1.5`, `.5`, `1e3`, `-2.0E-3`; no `_`).
    pub fn parse(s: &str) -> Option<Dec> {
        let (mant, exp) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], s[i + 1..].parse::<i64>().ok()?),
            None => (s, 0),
        };
        let (neg, mant) = match mant.strip_prefix('-') {
            Some(m) => (true, m),
            None => (false, mant.strip_prefix('+').unwrap_or(mant)),
        };
        let (int, frac) = match mant.find('.') {
            Some(i) => (&mant[..i], &mant[i + 1..]),
            None => (mant, ""),
        };
        let digits = format!("{int}{frac}");
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut coeff: BigInt = digits.parse().ok()?;
        if neg {
            coeff = -coeff;
        }
        Some(Dec {
            coeff,
            exp: exp - frac.len() as i64,
        })
    }

    /// GDA to-scientific-string (apd's `G` format).
    pub fn to_sci_string(&self) -> String {
        let neg = self.coeff.is_negative();
        let digits = self.coeff.magnitude().to_string();
        let mut out = String::new();
        if neg {
            out.push('-');
        }
        let n = digits.len() as i64;
        let adj = self.exp + n - 1;
        if self.exp <= 0 && adj >= -6 {
            if self.exp < 0 {
                let left = -self.exp - n;
                if left >= 0 {
                    out.push_str("0.");
                    out.extend(std::iter::repeat_n('0', left as usize));
                    out.push_str(&digits);
                } else {
                    let k = (n + self.exp) as usize;
                    out.push_str(&digits[..k]);
                    out.push('.');
                    out.push_str(&digits[k..]);
                }
            } else {
                out.push_str(&digits);
            }
            return out;
        }
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('E');
        out.push(if adj < 0 { '-' } else { '+' });
        out.push_str(&adj.abs().to_string());
        out
    }
}

impl PartialEq for Dec {
    fn eq(&self, o: &Dec) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}

impl Eq for Dec {}

impl Ord for Dec {
    fn cmp(&self, o: &Dec) -> Ordering {
        let (sa, sb) = (self.coeff.sign(), o.coeff.sign());
        if sa != sb || sa == Sign::NoSign {
            return sa.cmp(&sb);
        }
        // Same sign, both non-zero: where the leading digits sit decides,
        // unless it is the same place, and only then are the coefficients
        // aligned (a shift of at most their length, never of an exponent
        // gap such as 1e99999999 against 1).
        let lead = |d: &Dec| num_digits(&d.coeff) as i64 - 1 + d.exp;
        let by_size = match lead(self).cmp(&lead(o)) {
            Ordering::Equal => {
                let (a, b, _) = self.align(o);
                a.abs().cmp(&b.abs())
            }
            other => other,
        };
        if sa == Sign::Minus {
            by_size.reverse()
        } else {
            by_size
        }
    }
}

impl PartialOrd for Dec {
    fn partial_cmp(&self, o: &Dec) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// The adjusted exponent of `coeff × 10^exp` (where its leading digit
/// sits), from the bit length when that is clearly inside or outside
/// ±[`MAX_EXPONENT`], exactly otherwise.
fn adjusted_exponent(coeff: &BigInt, exp: i64) -> i64 {
    if coeff.is_zero() {
        return exp;
    }
    // log10(2) = 0.30103 (rounded up, so the estimate never falls short).
    let approx = (coeff.bits() as f64 * 0.301_030_000_1) as i64 + exp;
    if (approx - MAX_EXPONENT).abs() > 2 && (approx + MAX_EXPONENT).abs() > 2 {
        return approx;
    }
    num_digits(coeff) as i64 - 1 + exp
}

impl Num {
    /// Whether the value fits CUE's exponent range (see [`MAX_EXPONENT`]).
    pub fn in_exponent_range(&self) -> bool {
        let a = match self {
            Num::Int(Int::Small(_)) => return true,
            Num::Int(Int::Big(b)) => adjusted_exponent(b, 0),
            Num::Float(d) if d.coeff.is_zero() => return true,
            Num::Float(d) => adjusted_exponent(&d.coeff, d.exp),
        };
        (-MAX_EXPONENT..=MAX_EXPONENT).contains(&a)
    }

    /// True for kind `int`.
    pub fn is_int(&self) -> bool {
        matches!(self, Num::Int(_))
    }

    /// As a decimal regardless of kind.
    pub fn to_dec(&self) -> Dec {
        match self {
            Num::Int(i) => Dec::from_int(i),
            Num::Float(d) => d.clone(),
        }
    }

    /// As `i64` if it is an integer (of either kind) that fits.
    pub fn to_i64(&self) -> Option<i64> {
        match self {
            Num::Int(i) => i.to_i64(),
            Num::Float(d) if d.is_integral() => d.trunc().to_i64(),
            Num::Float(_) => None,
        }
    }

    /// Nearest `f64`.
    pub fn to_f64(&self) -> f64 {
        match self {
            Num::Int(Int::Small(v)) => *v as f64,
            Num::Int(i) => i.to_big().to_f64().unwrap_or(f64::NAN),
            Num::Float(d) => d.to_f64(),
        }
    }

    /// Sign: -1, 0 or 1.
    pub fn signum(&self) -> i32 {
        match self {
            Num::Int(i) => i.signum(),
            Num::Float(d) => match d.coeff.sign() {
                Sign::Minus => -1,
                Sign::NoSign => 0,
                Sign::Plus => 1,
            },
        }
    }

    fn arith(&self, o: &Num, fi: fn(&Int, &Int) -> Int, fd: fn(&Dec, &Dec) -> Dec) -> Num {
        match (self, o) {
            (Num::Int(a), Num::Int(b)) => Num::Int(fi(a, b)),
            _ => Num::Float(fd(&self.to_dec(), &o.to_dec())),
        }
    }

    /// Sum (int if both are ints).
    pub fn add(&self, o: &Num) -> Num {
        self.arith(o, Int::add, Dec::add)
    }

    /// Difference.
    pub fn sub(&self, o: &Num) -> Num {
        self.arith(o, Int::sub, Dec::sub)
    }

    /// Product.
    pub fn mul(&self, o: &Num) -> Num {
        self.arith(o, Int::mul, Dec::mul)
    }

    /// Float quotient (`/`); `None` on division by zero.
    pub fn quo(&self, o: &Num) -> Option<Num> {
        self.to_dec().quo(&o.to_dec()).map(Num::Float)
    }

    /// Negation.
    pub fn neg(&self) -> Num {
        match self {
            Num::Int(i) => Num::Int(i.neg()),
            Num::Float(d) => Num::Float(d.neg()),
        }
    }

    /// Numeric comparison across kinds.
    pub fn cmp_num(&self, o: &Num) -> Ordering {
        match (self, o) {
            (Num::Int(a), Num::Int(b)) => a.cmp(b),
            _ => self.to_dec().cmp(&o.to_dec()),
        }
    }

    /// Parses a CUE number literal: `_` separators, `0x`/`0o`/`0b`, exponents and
    /// SI multipliers (`K M G T P E Z Y`, with `i` for powers of 1024).
    pub fn parse_literal(s: &str) -> Option<Num> {
        let s: String = s.chars().filter(|&c| c != '_').collect();
        let lower = s.to_ascii_lowercase();
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
            if let Some(rest) = lower.strip_prefix(prefix) {
                return BigInt::parse_bytes(rest.as_bytes(), radix)
                    .map(|b| Num::Int(Int::from_big(b)));
            }
        }
        let (body, mult) = split_multiplier(&s);
        if let Some(m) = mult {
            let d = Dec::parse(body)?;
            let v = d.mul(&Dec { coeff: m, exp: 0 });
            return Some(Num::Int(Int::from_big(v.trunc())));
        }
        if body.contains(['.', 'e', 'E']) {
            return Dec::parse(body).map(Num::Float);
        }
        body.parse::<BigInt>()
            .ok()
            .map(|b| Num::Int(Int::from_big(b)))
    }

    /// A float from `f64`.
    pub fn from_f64(v: f64) -> Option<Num> {
        Dec::from_f64(v).map(Num::Float)
    }

    /// An int.
    pub fn int(v: i64) -> Num {
        Num::Int(Int::Small(v))
    }
}

fn split_multiplier(s: &str) -> (&str, Option<BigInt>) {
    let b = s.as_bytes();
    let (body, binary) = match b.last() {
        Some(b'i') if b.len() >= 2 => (&s[..s.len() - 1], true),
        _ => (s, false),
    };
    let Some(&last) = body.as_bytes().last() else {
        return (s, None);
    };
    let power = match last {
        b'K' => 1,
        b'M' => 2,
        b'G' => 3,
        b'T' => 4,
        b'P' => 5,
        b'E' => 6,
        b'Z' => 7,
        b'Y' => 8,
        _ => return (s, None),
    };
    // `1E` alone is exa; `1E3` (digits after E) was an exponent and never reaches here.
    let base: BigInt = if binary {
        BigInt::from(1024)
    } else {
        BigInt::from(1000)
    };
    let mut m = BigInt::one();
    for _ in 0..power {
        m *= &base;
    }
    (&body[..body.len() - 1], Some(m))
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Num::Int(i) => write!(f, "{i}"),
            Num::Float(d) => {
                let s = d.to_sci_string();
                if s.contains(['.', 'E', 'e']) {
                    f.write_str(&s)
                } else {
                    write!(f, "{s}.0")
                }
            }
        }
    }
}

impl PartialEq for Num {
    fn eq(&self, o: &Num) -> bool {
        self.cmp_num(o) == Ordering::Equal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Num {
        Num::parse_literal(s).unwrap()
    }

    #[test]
    fn literals_and_printing() {
        let cases = [
            ("1.0", "1.0"),
            ("1e3", "1E+3"),
            ("1.5e-3", "0.0015"),
            ("0x10", "16"),
            ("1_000", "1000"),
            ("9223372036854775808", "9223372036854775808"),
            ("1Ki", "1024"),
            ("1.5Ki", "1536"),
            ("2M", "2000000"),
            (".5", "0.5"),
            ("5.0e11", "5.0E+11"),
        ];
        for (lit, want) in cases {
            assert_eq!(n(lit).to_string(), want, "{lit}");
        }
    }

    #[test]
    fn ordering_needs_no_number_as_long_as_the_exponent_gap() {
        let d = |s: &str| Num::parse_literal(s).unwrap().to_dec();
        let sorted = [
            "-1e99999999",
            "-2.5",
            "-2",
            "0",
            "1e-99999999",
            "0.5",
            "1",
            "1.0",
            "10",
            "1e99999999",
        ];
        for w in sorted.windows(2) {
            let (a, b) = (d(w[0]), d(w[1]));
            let want = if w == ["1", "1.0"] {
                Ordering::Equal
            } else {
                Ordering::Less
            };
            assert_eq!(a.cmp(&b), want, "{} vs {}", w[0], w[1]);
            assert_eq!(b.cmp(&a), want.reverse(), "{} vs {}", w[1], w[0]);
        }
        let big = Num::parse_literal(&format!("1{}", "0".repeat(100_000))).unwrap();
        assert!(big.in_exponent_range());
        assert!(!big.mul(&big).in_exponent_range());
        assert!(!d("1e100001").coeff.is_zero() && !Num::Float(d("1e100001")).in_exponent_range());
        assert!(Num::Float(d("1e-100000")).in_exponent_range());
    }

    #[test]
    fn arithmetic_matches_cue() {
        assert_eq!(n("3").quo(&n("2")).unwrap().to_string(), "1.5");
        assert_eq!(n("4").quo(&n("2")).unwrap().to_string(), "2.0");
        assert_eq!(
            n("1.0").quo(&n("3")).unwrap().to_string(),
            "0.3333333333333333333333333333333333"
        );
        assert_eq!(n("1").add(&n("1.0")).to_string(), "2.0");
        assert_eq!(n("0.1").add(&n("0.2")).to_string(), "0.3");
        assert_eq!(n("10").mul(&n("0.5")).to_string(), "5.0");
        assert_eq!(n("2.0").mul(&n("3")).to_string(), "6.0");
        assert!(n("1").quo(&n("0")).is_none());
        let (a, b) = (Int::Small(-7), Int::Small(2));
        assert_eq!(a.mod_euclid(&b).to_string(), "1");
        assert_eq!(a.rem(&b).to_string(), "-1");
        assert_eq!(a.div_euclid(&b).to_string(), "-4");
        assert_eq!(a.quo(&b).to_string(), "-3");
        assert_eq!(
            Int::Small(i64::MAX).add(&Int::Small(1)).to_string(),
            "9223372036854775808"
        );
    }
}
