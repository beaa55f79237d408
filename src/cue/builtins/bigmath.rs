//! High-precision decimal logarithms, exponentials, powers and cube roots.
//!
//! CUE computes `math.Exp`, `Log`, `Pow`, `Cbrt`, … with apd at 34 digits. These helpers work
//! with [`W`] significant digits and leave the final rounding (mode differs per function, as
//! in apd) to the caller, so results agree with CUE except for astronomically rare near-ties.

use super::dec::{Mode, adjusted, cmp, digits, div_prec, pow10, round_prec};
use crate::cue::num::Dec;
use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

/// Working precision in significant digits.
pub(super) const W: usize = 72;

fn rnd(d: Dec) -> Dec {
    round_prec(&d, W, Mode::HalfEven)
}

fn mul(a: &Dec, b: &Dec) -> Dec {
    rnd(a.mul_exact(b))
}

fn add(a: &Dec, b: &Dec) -> Dec {
    rnd(a.add_exact(b))
}

fn sub(a: &Dec, b: &Dec) -> Dec {
    rnd(a.add_exact(&b.neg()))
}

fn div(a: &Dec, b: &Dec) -> Dec {
    div_prec(a, b, W, Mode::HalfEven)
}

fn int(v: i64) -> Dec {
    Dec {
        coeff: BigInt::from(v),
        exp: 0,
    }
}

/// Exact arithmetic on decimals (the `Dec` methods round to 34 digits).
trait Exact {
    fn mul_exact(&self, o: &Dec) -> Dec;
    fn add_exact(&self, o: &Dec) -> Dec;
}

impl Exact for Dec {
    fn mul_exact(&self, o: &Dec) -> Dec {
        Dec {
            coeff: &self.coeff * &o.coeff,
            exp: self.exp + o.exp,
        }
    }

    fn add_exact(&self, o: &Dec) -> Dec {
        let e = self.exp.min(o.exp);
        let a = &self.coeff * pow10((self.exp - e) as u64);
        let b = &o.coeff * pow10((o.exp - e) as u64);
        Dec {
            coeff: a + b,
            exp: e,
        }
    }
}

/// `2·atanh(z) = ln((1+z)/(1-z))` by its power series; `|z|` must be small.
fn two_atanh(z: &Dec) -> Dec {
    let z2 = mul(z, z);
    let mut term = z.clone();
    let mut sum = z.clone();
    let eps = adjusted(z) - W as i64 - 2;
    let mut k = 1i64;
    loop {
        term = mul(&term, &z2);
        k += 2;
        let t = div(&term, &int(k));
        if t.coeff.is_zero() || adjusted(&t) < eps {
            break;
        }
        sum = add(&sum, &t);
    }
    add(&sum, &sum)
}

/// ln((a-1)/(a+1)) helper: `ln(a) = 2·atanh((a-1)/(a+1))`.
fn ln_near_one(a: &Dec) -> Dec {
    let one = int(1);
    let z = div(&sub(a, &one), &add(a, &one));
    two_atanh(&z)
}

pub(super) fn ln2() -> Dec {
    ln_near_one(&int(2))
}

pub(super) fn ln10() -> Dec {
    // ln 10 = 3·ln 2 + ln 1.25
    add(
        &mul(&int(3), &ln2()),
        &ln_near_one(&Dec {
            coeff: BigInt::from(125),
            exp: -2,
        }),
    )
}

/// Natural logarithm of a positive decimal.
pub(super) fn ln(x: &Dec) -> Dec {
    let one = int(1);
    let dist = sub(x, &one);
    let tenth = Dec {
        coeff: BigInt::from(1),
        exp: -1,
    };
    if cmp(
        &Dec {
            coeff: dist.coeff.abs(),
            exp: dist.exp,
        },
        &tenth,
    )
    .is_le()
    {
        return ln_near_one(x);
    }
    // x = m·10^k with m in [0.1, 1); then m·2^j lands in [0.75, 1.5).
    let k = adjusted(x) + 1;
    let mut m = Dec {
        coeff: x.coeff.clone(),
        exp: x.exp - k,
    };
    let mut j = 0i64;
    let three_quarters = Dec {
        coeff: BigInt::from(75),
        exp: -2,
    };
    while cmp(&m, &three_quarters).is_lt() {
        m = mul(&m, &int(2));
        j += 1;
    }
    let lm = sub(&ln_near_one(&m), &mul(&int(j), &ln2()));
    add(
        &lm,
        &mul(
            &Dec {
                coeff: BigInt::from(k),
                exp: 0,
            },
            &ln10(),
        ),
    )
}

/// e^x. `None` when the result leaves apd's range (apd reports overflow or underflow).
pub(super) fn exp(x: &Dec) -> Option<Dec> {
    if x.coeff.is_zero() {
        return Some(int(1));
    }
    // apd gives up beyond |x| of about 23·1000.
    if cmp(
        &Dec {
            coeff: x.coeff.abs(),
            exp: x.exp,
        },
        &int(23_000),
    )
    .is_gt()
    {
        return None;
    }
    let l2 = ln2();
    let k = div(x, &l2);
    let k = super::dec::to_integer(&k, Mode::HalfEven);
    let r = sub(
        x,
        &mul(
            &Dec {
                coeff: k.clone(),
                exp: 0,
            },
            &l2,
        ),
    );
    // Taylor series of e^r, |r| <= ln2/2.
    let mut sum = int(1);
    let mut term = int(1);
    let mut n = 0i64;
    loop {
        n += 1;
        term = div(&mul(&term, &r), &int(n));
        if term.coeff.is_zero() || adjusted(&term) < -(W as i64) - 4 {
            break;
        }
        sum = add(&sum, &term);
    }
    let k = k.to_i64()?;
    let p = BigInt::from(1) << k.unsigned_abs();
    let two_k = Dec { coeff: p, exp: 0 };
    let res = if k >= 0 {
        mul(&sum, &two_k)
    } else {
        div(&sum, &two_k)
    };
    Some(res)
}

/// `x^n` for an integer `n`, `None` if the result leaves apd's range.
pub(super) fn int_pow(x: &Dec, n: &BigInt) -> Option<Dec> {
    // Magnitude estimate to refuse results outside apd's exponent range early.
    let mag = log10_approx(x) * n.to_f64()?;
    if mag.abs() > (super::dec::MAX_EXP + 10) as f64 {
        return None;
    }
    let e = n.abs().to_u64()?;
    let cost = digits(&x.coeff) as u64 * e;
    let p = if cost <= 20_000 {
        Dec {
            coeff: num_traits::pow(x.coeff.clone(), e as usize),
            exp: x.exp * e as i64,
        }
    } else {
        // Square-and-multiply at the working precision.
        let (mut acc, mut base, mut e) = (int(1), x.clone(), e);
        while e > 0 {
            if e & 1 == 1 {
                acc = mul(&acc, &base);
            }
            e >>= 1;
            if e > 0 {
                base = mul(&base, &base);
            }
        }
        acc
    };
    if n.is_negative() {
        Some(div(&int(1), &p))
    } else {
        Some(p)
    }
}

/// log10(|x|) to about 15 digits, for magnitude estimates.
fn log10_approx(x: &Dec) -> f64 {
    let nd = digits(&x.coeff);
    let keep = nd.min(17);
    let lead = (x.coeff.abs() / pow10((nd - keep) as u64))
        .to_f64()
        .unwrap_or(1.0);
    lead.log10() + (x.exp + (nd - keep) as i64) as f64
}

/// Cube root (exact when the input is a perfect cube).
pub(super) fn cbrt(x: &Dec) -> Dec {
    if x.coeff.is_zero() {
        return x.clone();
    }
    let neg = x.coeff.is_negative();
    let mut c = x.coeff.abs();
    let mut e = x.exp;
    // Scale so that the exponent is a multiple of 3 and the root has > W digits.
    let want = 3 * (W + 2);
    let nd = digits(&c);
    let mut s = want.saturating_sub(nd) as i64;
    s += (e - s).rem_euclid(3);
    c *= pow10(s as u64);
    e -= s;
    let r = c.cbrt();
    let exact = &r * &r * &r == c;
    let mut coeff: BigInt = r * 10;
    if !exact {
        coeff += 1;
    }
    let d = Dec {
        coeff: if neg { -coeff } else { coeff },
        exp: e / 3 - 1,
    };
    rnd(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cue::builtins::dec::round_prec;

    fn r34(d: &Dec, m: Mode) -> String {
        round_prec(d, 34, m).to_sci_string()
    }

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    #[test]
    fn matches_apd_digits() {
        assert_eq!(
            r34(&ln(&d("4")), Mode::HalfUp),
            "1.386294361119890618834464242916353"
        );
        assert_eq!(
            r34(&exp(&d("3")).unwrap(), Mode::HalfEven),
            "20.08553692318766774092852965458172"
        );
        assert_eq!(
            r34(&cbrt(&d("2")), Mode::HalfUp),
            "1.259921049894873164767210607278228"
        );
        assert_eq!(
            r34(&ln2(), Mode::HalfUp),
            "0.6931471805599453094172321214581766"
        );
        assert_eq!(
            r34(&ln10(), Mode::HalfUp),
            "2.302585092994045684017991454684364"
        );
        assert_eq!(
            r34(&ln(&d("1.00001")), Mode::HalfUp),
            "0.000009999950000333330833353333166668095"
        );
        assert_eq!(
            r34(&ln(&d("0.001")), Mode::HalfUp),
            "-6.907755278982137052053974364053093"
        );
        assert_eq!(
            r34(&cbrt(&d("-27")), Mode::HalfUp),
            "-3.000000000000000000000000000000000"
        );
        let quarter = int_pow(&d("2"), &BigInt::from(-2)).unwrap();
        assert_eq!(
            round_prec(&quarter, 34, Mode::HalfUp).to_sci_string().len(),
            36
        );
    }
}
