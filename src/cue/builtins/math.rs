//! Package `math`.
//!
//! CUE computes most of these with apd decimals at 34 digits (`Abs`, `Exp`, `Log`, `Pow`, …)
//! and converts results back to ints when they are integral, so `math.Pow(8, 4)` is the int
//! `4096` and `math.Abs(-2.0)` is `2`. The trigonometric and other "float64" functions go
//! through Go's `float64` and always give floats. Their last digit may differ from Go's
//! pure-Go implementations, since Rust uses the platform's libm.

use super::args::{Args, Res, int};
use super::bigmath;
use super::dec::{self, Mode, check_range, round_prec, round34, to_integer, to_num};
use super::{Builtin, Data, Func};
use crate::cue::num::{Dec, Int, Num, PRECISION};
use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

/// One entry of this package's table.
const fn f(name: &'static str, n: usize, returns_bool: bool, func: Func) -> Builtin {
    Builtin::exact("math", name, n, returns_bool, func)
}

pub(super) static FUNCS: &[Builtin] = &[
    f("Jacobi", 2, false, jacobi),
    f("Floor", 1, false, floor),
    f("Ceil", 1, false, ceil),
    f("Trunc", 1, false, trunc),
    f("Round", 1, false, round),
    f("RoundToEven", 1, false, round_to_even),
    f("MultipleOf", 2, true, multiple_of),
    f("Abs", 1, false, abs),
    f("Acosh", 1, false, acosh),
    f("Asin", 1, false, asin),
    f("Acos", 1, false, acos),
    f("Asinh", 1, false, asinh),
    f("Atan", 1, false, atan),
    f("Atan2", 2, false, atan2),
    f("Atanh", 1, false, atanh),
    f("Cbrt", 1, false, cbrt),
    f("Copysign", 2, false, copysign),
    f("Dim", 2, false, dim),
    f("Exp", 1, false, exp),
    f("Exp2", 1, false, exp2),
    f("Expm1", 1, false, expm1),
    f("Hypot", 2, false, hypot),
    f("Ldexp", 2, false, ldexp),
    f("Log", 1, false, log),
    f("Log10", 1, false, log10),
    f("Log2", 1, false, log2),
    f("Log1p", 1, false, log1p),
    f("Logb", 1, false, logb),
    f("Ilogb", 1, false, ilogb),
    f("Mod", 2, false, fmod),
    f("Pow", 2, false, pow),
    f("Pow10", 1, false, pow10),
    f("Remainder", 2, false, remainder),
    f("Signbit", 1, true, signbit),
    f("Cos", 1, false, cos),
    f("Sin", 1, false, sin),
    f("Sinh", 1, false, sinh),
    f("Cosh", 1, false, cosh),
    f("Sqrt", 1, false, sqrt),
    f("Tan", 1, false, tan),
    f("Tanh", 1, false, tanh),
];

/// The constants of package `math` (CUE spells them as exact decimal literals).
pub(super) fn constant(name: &str) -> Option<Data> {
    let lit = match name {
        "MaxExp" => "2147483647",
        "MinExp" => "-2147483648",
        "MaxPrec" => "4294967295",
        "ToNearestEven" | "Exact" => "0",
        "ToNearestAway" | "Above" => "1",
        "ToZero" => "2",
        "AwayFromZero" => "3",
        "ToNegativeInf" => "4",
        "ToPositiveInf" => "5",
        "Below" => "-1",
        "MaxBase" => "62",
        "E" => "2.71828182845904523536028747135266249775724709369995957496696763",
        "Pi" => "3.14159265358979323846264338327950288419716939937510582097494459",
        "Phi" => "1.61803398874989484820458683436563811772030917980576286213544861",
        "Sqrt2" => "1.41421356237309504880168872420969807856967187537694807317667974",
        "SqrtE" => "1.64872127070012814684865078781416357165377610071014801157507931",
        "SqrtPi" => "1.77245385090551602729816748334114518279754945612238712821380779",
        "SqrtPhi" => "1.27201964951406896425242246173749149171560804184009624861664038",
        "Ln2" => "0.693147180559945309417232121458176568075500134360255254120680009",
        "Log2E" => "1.442695040888963407359924681001892137426645954152985934135449408",
        "Ln10" => "2.3025850929940456840179914546843642076011014886287729760333278",
        "Log10E" => "0.43429448190325182765112891891660508229439700580366656611445378",
        _ => return None,
    };
    let neg = lit.starts_with('-');
    let n = Num::parse_literal(lit.trim_start_matches('-'))?;
    Some(Data::Num(if neg { n.neg() } else { n }))
}

fn dec_arg(a: &Args, i: usize) -> Result<Dec, super::CallError> {
    Ok(a.num(i)?.to_dec())
}

/// Returns an apd result the way CUE converts it (ints when integral).
fn out(a: &Args, d: Dec) -> Res {
    match to_num(d) {
        Ok(n) => Ok(Data::Num(n)),
        Err(e) => a.fail(e),
    }
}

/// Returns a Go `float64` result (always a float).
fn out_f64(a: &Args, v: f64) -> Res {
    match Num::from_f64(v) {
        Some(n) => Ok(Data::Num(n)),
        None => {
            let s = if v.is_nan() {
                "NaN"
            } else if v > 0.0 {
                "+Inf"
            } else {
                "-Inf"
            };
            a.fail(format!("result {s} is not a finite number"))
        }
    }
}

fn big_int_res(v: BigInt) -> Res {
    Ok(Data::Num(Num::Int(Int::from_big(v))))
}

fn jacobi(v: &[Data]) -> Res {
    let a = Args::new("math.Jacobi", v, 2)?;
    let (x, y) = (a.big_int(0)?, a.big_int(1)?);
    if (&y % 2u32).is_zero() {
        return a.fail(format!(
            "big: invalid 2nd argument to Int.Jacobi: need odd integer but got {y}"
        ));
    }
    Ok(int(jacobi_symbol(x, y)))
}

/// The Jacobi symbol (x/y) for odd y, extended to negative y as Go does.
fn jacobi_symbol(mut x: BigInt, y: BigInt) -> i64 {
    let mut j = 1;
    let mut n = y.abs();
    if y.is_negative() && x.is_negative() {
        j = -1;
    }
    loop {
        if n == BigInt::from(1) {
            return j;
        }
        x = x.mod_floor_pos(&n);
        if x.is_zero() {
            return 0;
        }
        let s = x.trailing_zeros().unwrap_or(0);
        let n8 = (&n % 8u32).to_u32().unwrap_or(0);
        if s % 2 == 1 && (n8 == 3 || n8 == 5) {
            j = -j;
        }
        let c = &x >> s;
        if (&n % 4u32).to_u32() == Some(3) && (&c % 4u32).to_u32() == Some(3) {
            j = -j;
        }
        x = n;
        n = c;
    }
}

trait ModPos {
    fn mod_floor_pos(&self, m: &BigInt) -> BigInt;
}

impl ModPos for BigInt {
    fn mod_floor_pos(&self, m: &BigInt) -> BigInt {
        let r = self % m;
        if r.is_negative() { r + m } else { r }
    }
}

/// `Floor`/`Ceil` go through apd's `Quantize`, which fails for results of more than 34
/// digits; CUE ignores that error and reads the coefficient of the NaN: 0.
fn floor_ceil(name: &'static str, v: &[Data], mode: Mode) -> Res {
    let a = Args::new(name, v, 1)?;
    let d = dec_arg(&a, 0)?;
    if !d.coeff.is_zero() && dec::adjusted(&d) >= PRECISION as i64 {
        return Ok(int(0));
    }
    let r = to_integer(&d, mode);
    if dec::digits(&r) > PRECISION {
        return Ok(int(0));
    }
    big_int_res(r)
}

fn floor(v: &[Data]) -> Res {
    floor_ceil("math.Floor", v, Mode::Floor)
}

fn ceil(v: &[Data]) -> Res {
    floor_ceil("math.Ceil", v, Mode::Ceil)
}

fn to_int_with(name: &'static str, v: &[Data], mode: Mode) -> Res {
    let a = Args::new(name, v, 1)?;
    let d = dec_arg(&a, 0)?;
    if let Err(e) = check_range(&d) {
        return a.fail(e);
    }
    big_int_res(to_integer(&d, mode))
}

fn trunc(v: &[Data]) -> Res {
    to_int_with("math.Trunc", v, Mode::Down)
}

fn round(v: &[Data]) -> Res {
    to_int_with("math.Round", v, Mode::HalfUp)
}

fn round_to_even(v: &[Data]) -> Res {
    to_int_with("math.RoundToEven", v, Mode::HalfEven)
}

/// True when x/y, computed to 34 digits, has no fractional part (as CUE does it).
fn multiple_of(v: &[Data]) -> Res {
    let a = Args::new("math.MultipleOf", v, 2)?;
    let (x, y) = (dec_arg(&a, 0)?, dec_arg(&a, 1)?);
    match dec::quo(&x, &y) {
        None => a.fail("division by zero"),
        Some(q) => Ok(Data::Bool(q.is_integral())),
    }
}

fn abs(v: &[Data]) -> Res {
    let a = Args::new("math.Abs", v, 1)?;
    let d = dec_arg(&a, 0)?;
    out(
        &a,
        round34(&Dec {
            coeff: d.coeff.abs(),
            exp: d.exp,
        }),
    )
}

fn copysign(v: &[Data]) -> Res {
    let a = Args::new("math.Copysign", v, 2)?;
    let (x, y) = (dec_arg(&a, 0)?, dec_arg(&a, 1)?);
    let mag = x.coeff.abs();
    let coeff = if y.coeff.is_negative() { -mag } else { mag };
    out(&a, Dec { coeff, exp: x.exp })
}

fn dim(v: &[Data]) -> Res {
    let a = Args::new("math.Dim", v, 2)?;
    let (x, y) = (dec_arg(&a, 0)?, dec_arg(&a, 1)?);
    let d = x.sub(&y);
    if d.coeff.is_negative() {
        return Ok(int(0));
    }
    out(&a, d)
}

fn signbit(v: &[Data]) -> Res {
    let a = Args::new("math.Signbit", v, 1)?;
    Ok(Data::Bool(a.num(0)?.signum() < 0))
}

fn cbrt(v: &[Data]) -> Res {
    let a = Args::new("math.Cbrt", v, 1)?;
    let d = dec_arg(&a, 0)?;
    if d.coeff.is_zero() {
        return Ok(int(0));
    }
    if let Err(e) = check_range(&d) {
        return a.fail(e);
    }
    out(&a, round34(&bigmath::cbrt(&d)))
}

fn exp(v: &[Data]) -> Res {
    let a = Args::new("math.Exp", v, 1)?;
    let d = dec_arg(&a, 0)?;
    exp_of(&a, &d)
}

fn exp_of(a: &Args, d: &Dec) -> Res {
    match bigmath::exp(d) {
        Some(r) => out(a, round_prec(&r, PRECISION, Mode::HalfEven)),
        None => a.fail(if d.coeff.is_negative() {
            "underflow"
        } else {
            "overflow"
        }),
    }
}

fn exp2(v: &[Data]) -> Res {
    let a = Args::new("math.Exp2", v, 1)?;
    let y = dec_arg(&a, 0)?;
    pow_of(&a, &dec::from_int(2), &y)
}

/// apd's special cases for logarithms; `Ok(None)` means "compute".
fn log_special(a: &Args, d: &Dec) -> Result<Option<Data>, super::CallError> {
    if d.coeff.is_negative() {
        return a.fail("invalid operation");
    }
    if d.coeff.is_zero() {
        return a.fail("result -Inf is not a finite number");
    }
    if dec::is_one(d) {
        return Ok(Some(int(0)));
    }
    if let Err(e) = check_range(d) {
        return a.fail(e).map(Some);
    }
    Ok(None)
}

fn log(v: &[Data]) -> Res {
    let a = Args::new("math.Log", v, 1)?;
    let d = dec_arg(&a, 0)?;
    if let Some(r) = log_special(&a, &d)? {
        return Ok(r);
    }
    out(&a, round34(&bigmath::ln(&d)))
}

/// apd: ln(x) to 36 digits (half-even) times 1/ln(10) to 64 digits, rounded half-even.
fn log10(v: &[Data]) -> Res {
    let a = Args::new("math.Log10", v, 1)?;
    let d = dec_arg(&a, 0)?;
    if let Some(r) = log_special(&a, &d)? {
        return Ok(r);
    }
    let z = round_prec(&bigmath::ln(&d), PRECISION + 2, Mode::HalfEven);
    let inv = dec::div_prec(&dec::from_int(1), &bigmath::ln10(), 64, Mode::HalfUp);
    let p = Dec {
        coeff: &z.coeff * &inv.coeff,
        exp: z.exp + inv.exp,
    };
    out(&a, round_prec(&p, PRECISION, Mode::HalfEven))
}

/// CUE: ln(x) / ln(2), each rounded to 34 digits, divided with CUE's division.
fn log2(v: &[Data]) -> Res {
    let a = Args::new("math.Log2", v, 1)?;
    let d = dec_arg(&a, 0)?;
    if let Some(r) = log_special(&a, &d)? {
        return Ok(r);
    }
    let x = round34(&bigmath::ln(&d));
    let l2 = round34(&bigmath::ln2());
    match dec::quo(&x, &l2) {
        Some(q) => out(&a, q),
        None => a.fail("division by zero"),
    }
}

fn pow(v: &[Data]) -> Res {
    let a = Args::new("math.Pow", v, 2)?;
    let (x, y) = (dec_arg(&a, 0)?, dec_arg(&a, 1)?);
    pow_of(&a, &x, &y)
}

/// apd's `Pow`: exact-ish integer powers, `exp(y·ln x)` otherwise, rounded half-up.
fn pow_of(a: &Args, x: &Dec, y: &Dec) -> Res {
    if let Err(e) = check_range(x).and(check_range(y)) {
        return a.fail(e);
    }
    let (yi, yf) = dec::modf(y);
    let y_int = yf.coeff.is_zero();
    if x.coeff.is_zero() {
        return match y.coeff.sign() {
            num_bigint::Sign::NoSign => a.fail("invalid operation"),
            num_bigint::Sign::Plus => Ok(int(0)),
            num_bigint::Sign::Minus => a.fail("result +Inf is not a finite number"),
        };
    }
    if y.coeff.is_zero() {
        return Ok(int(1));
    }
    if x.coeff.is_negative() && !y_int {
        return a.fail("invalid operation");
    }
    let ip = match bigmath::int_pow(x, &yi) {
        Some(p) => p,
        None => {
            let small = yi.is_negative() ^ (dec::adjusted(x) < 0);
            return a.fail(if small { "underflow" } else { "overflow" });
        }
    };
    if y_int {
        return out(a, round34(&ip));
    }
    let lx = bigmath::ln(&Dec {
        coeff: x.coeff.abs(),
        exp: x.exp,
    });
    let t = Dec {
        coeff: &lx.coeff * &yf.coeff,
        exp: lx.exp + yf.exp,
    };
    let e = match bigmath::exp(&round_prec(&t, bigmath::W, Mode::HalfEven)) {
        Some(e) => e,
        None => return a.fail("overflow"),
    };
    let r = Dec {
        coeff: &ip.coeff * &e.coeff,
        exp: ip.exp + e.exp,
    };
    out(a, round34(&r))
}

/// 10^n as an exact decimal; ints for n ≥ 0.
fn pow10(v: &[Data]) -> Res {
    let a = Args::new("math.Pow10", v, 1)?;
    let n = a.int_bits(0, 32, "int32")?;
    out(
        &a,
        Dec {
            coeff: BigInt::from(1),
            exp: n,
        },
    )
}

macro_rules! float_fn {
    ($fname:ident, $name:literal, $f:expr) => {
        fn $fname(v: &[Data]) -> Res {
            let a = Args::new($name, v, 1)?;
            let x = a.float64(0)?;
            let f: fn(f64) -> f64 = $f;
            out_f64(&a, f(x))
        }
    };
}

float_fn!(acosh, "math.Acosh", f64::acosh);
float_fn!(asin, "math.Asin", f64::asin);
float_fn!(acos, "math.Acos", f64::acos);
float_fn!(asinh, "math.Asinh", f64::asinh);
float_fn!(atan, "math.Atan", f64::atan);
float_fn!(atanh, "math.Atanh", f64::atanh);
float_fn!(expm1, "math.Expm1", f64::exp_m1);
float_fn!(log1p, "math.Log1p", f64::ln_1p);
float_fn!(logb, "math.Logb", go_logb);
float_fn!(cos, "math.Cos", f64::cos);
float_fn!(sin, "math.Sin", f64::sin);
float_fn!(sinh, "math.Sinh", f64::sinh);
float_fn!(cosh, "math.Cosh", f64::cosh);
float_fn!(sqrt, "math.Sqrt", f64::sqrt);
float_fn!(tan, "math.Tan", f64::tan);
float_fn!(tanh, "math.Tanh", f64::tanh);

/// Binary exponent of x (Go's `Logb`): -Inf for 0, +Inf for ±Inf.
fn go_logb(x: f64) -> f64 {
    if x == 0.0 {
        f64::NEG_INFINITY
    } else if x.is_infinite() {
        f64::INFINITY
    } else if x.is_nan() {
        x
    } else {
        ilog2(x) as f64
    }
}

/// floor(log2(|x|)) for finite non-zero x, subnormals included.
fn ilog2(x: f64) -> i64 {
    let bits = x.abs().to_bits();
    let e = ((bits >> 52) & 0x7ff) as i64;
    if e == 0 {
        // Subnormal: position of the highest set mantissa bit.
        let m = bits & ((1 << 52) - 1);
        return -1074 + (63 - m.leading_zeros() as i64);
    }
    e - 1023
}

fn ilogb(v: &[Data]) -> Res {
    let a = Args::new("math.Ilogb", v, 1)?;
    let x = a.float64(0)?;
    Ok(int(if x == 0.0 { i32::MIN as i64 } else { ilog2(x) }))
}

fn atan2(v: &[Data]) -> Res {
    let a = Args::new("math.Atan2", v, 2)?;
    let (y, x) = (a.float64(0)?, a.float64(1)?);
    out_f64(&a, y.atan2(x))
}

/// Go's formula: p·sqrt(1+(q/p)²) with p ≥ q ≥ 0.
fn hypot(v: &[Data]) -> Res {
    let a = Args::new("math.Hypot", v, 2)?;
    let (mut p, mut q) = (a.float64(0)?.abs(), a.float64(1)?.abs());
    if p < q {
        std::mem::swap(&mut p, &mut q);
    }
    if p == 0.0 {
        return out_f64(&a, 0.0);
    }
    let r = q / p;
    out_f64(&a, p * (1.0 + r * r).sqrt())
}

fn ldexp(v: &[Data]) -> Res {
    let a = Args::new("math.Ldexp", v, 2)?;
    let frac = a.float64(0)?;
    let e = a.int(1)?.clamp(-4000, 4000) as i32;
    out_f64(&a, scale2(frac, e))
}

/// frac·2^e with a single final rounding.
fn scale2(x: f64, e: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let bits = x.abs().to_bits();
    let field = ((bits >> 52) & 0x7ff) as i64;
    let m = bits & ((1 << 52) - 1);
    let (m, ex) = if field == 0 {
        (m, -1074)
    } else {
        (m | 1 << 52, field - 1075)
    };
    let r = super::floatfmt::scaled_to_float(&m.into(), ex + e as i64, false);
    if x < 0.0 { -r } else { r }
}

fn fmod(v: &[Data]) -> Res {
    let a = Args::new("math.Mod", v, 2)?;
    let (x, y) = (a.float64(0)?, a.float64(1)?);
    out_f64(&a, x % y)
}

/// IEEE 754 remainder: x - n·y with n = x/y rounded to even.
fn remainder(v: &[Data]) -> Res {
    let a = Args::new("math.Remainder", v, 2)?;
    let (x, y) = (a.float64(0)?, a.float64(1)?);
    out_f64(&a, ieee_remainder(x, y))
}

fn ieee_remainder(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() || x.is_infinite() || y == 0.0 {
        return f64::NAN;
    }
    if y.is_infinite() || x == 0.0 {
        return x;
    }
    let p = y.abs();
    let mut r = if p <= f64::MAX / 2.0 {
        x.abs() % (p + p)
    } else {
        x.abs()
    };
    if p < 2.0 * f64::MIN_POSITIVE {
        if r + r > p {
            r -= p;
            if r + r >= p {
                r -= p;
            }
        }
    } else {
        let half = 0.5 * p;
        if r > half {
            r -= p;
            if r >= half {
                r -= p;
            }
        }
    }
    if x < 0.0 { -r } else { r }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cue::builtins::lookup;

    fn n(s: &str) -> Data {
        let neg = s.starts_with('-');
        let v = Num::parse_literal(s.trim_start_matches('-')).unwrap();
        Data::Num(if neg { v.neg() } else { v })
    }

    fn call(name: &str, args: &[Data]) -> Result<String, String> {
        let b = lookup("math", name).unwrap();
        match (b.f)(args) {
            Ok(Data::Num(v)) => Ok(v.to_string()),
            Ok(Data::Bool(v)) => Ok(v.to_string()),
            Ok(d) => Ok(format!("{d:?}")),
            Err(e) => Err(match e {
                super::super::CallError::Error(m) | super::super::CallError::Incomplete(m) => m,
            }),
        }
    }

    #[test]
    fn txtar_gen_cases() {
        let cases: &[(&str, &[&str], &str)] = &[
            (
                "Floor",
                &["3.14159265358979323846264338327950288419716939937510582097494459"],
                "3",
            ),
            ("Jacobi", &["1000", "201"], "1"),
            ("Pow", &["8", "4"], "4096"),
            ("Pow10", &["4"], "10000"),
            ("Signbit", &["-4"], "true"),
            ("Abs", &["2.5"], "2.5"),
            ("Abs", &["-2.2"], "2.2"),
            ("Abs", &["-2.0"], "2"),
            ("Cbrt", &["2"], "1.259921049894873164767210607278228"),
            ("Copysign", &["5", "-2.2"], "-5"),
            ("Exp", &["3"], "20.08553692318766774092852965458172"),
            ("Exp2", &["3.5"], "11.31370849898476039041350979367758"),
            ("Log", &["4"], "1.386294361119890618834464242916353"),
            ("Log10", &["4"], "0.6020599913279623904274777894489861"),
            ("Log2", &["5"], "2.321928094887362347870319429489391"),
            ("Dim", &["3", "2.5"], "0.5"),
            ("Dim", &["5", "7.2"], "0"),
            ("Round", &["32.45"], "32"),
            ("Log", &["32.45"], "3.479700443150099001242770375542286"),
            ("MultipleOf", &["9801", "99"], "true"),
            ("MultipleOf", &["100010", "10"], "true"),
            ("MultipleOf", &["5555555", "2"], "false"),
            ("MultipleOf", &["100.01", "4"], "false"),
            ("MultipleOf", &["100", "1.00001"], "false"),
            ("MultipleOf", &["5", "2.5"], "true"),
            ("MultipleOf", &["100e100", "10"], "true"),
            ("Round", &["2.5"], "3"),
            ("Round", &["-2.5"], "-3"),
            ("RoundToEven", &["2.5"], "2"),
            ("RoundToEven", &["-2.5"], "-2"),
            ("Floor", &["2.9"], "2"),
            ("Floor", &["-2.2"], "-3"),
            ("Floor", &["2900"], "2900"),
            ("Floor", &["29e2"], "2900"),
            ("Ceil", &["2.5"], "3"),
            ("Ceil", &["-2.2"], "-2"),
            ("Trunc", &["2.5"], "2"),
            ("Trunc", &["-2.9"], "-2"),
            ("Trunc", &["1e3"], "1000"),
            ("Floor", &["1e40"], "0"),
            ("Sqrt", &["4"], "2.0"),
            ("Sqrt", &["2"], "1.4142135623730951"),
            ("Log10", &["100"], "2"),
            ("Log2", &["8"], "3"),
            ("Pow", &["2", "-1"], "0.5000000000000000000000000000000000"),
            ("Pow", &["2", "0.5"], "1.414213562373095048801688724209698"),
            ("Pow10", &["-2"], "0.01"),
            ("Ilogb", &["8"], "3"),
            ("Remainder", &["5", "3"], "-1.0"),
            ("Mod", &["5", "3"], "2.0"),
            ("Hypot", &["3", "4"], "5.0"),
            ("Ldexp", &["0.5", "2"], "2.0"),
            ("Pow", &["1", "1000000000"], "1"),
            ("Floor", &["1e-999999999"], "0"),
            ("Floor", &["-1e-999999999"], "-1"),
            ("Ceil", &["1e-999999999"], "1"),
            ("Floor", &["12345678901234567890123456789012345"], "0"),
            (
                "Floor",
                &["1234567890123456789012345678901234"],
                "1234567890123456789012345678901234",
            ),
            (
                "Abs",
                &["-12345678901234567890123456789012345678"],
                "12345678901234567890123456789012350000",
            ),
            ("Exp", &["0"], "1"),
            ("Log", &["1"], "0"),
            ("Pow", &["2.0", "2"], "4"),
            ("Pow", &["1.5", "2"], "2.25"),
        ];
        for (f, args, want) in cases {
            let args: Vec<Data> = args.iter().map(|s| n(s)).collect();
            assert_eq!(call(f, &args).as_deref(), Ok(*want), "math.{f}{args:?}");
        }
    }

    #[test]
    fn errors_like_cue() {
        let e = |f: &str, args: &[Data]| call(f, args).unwrap_err();
        assert_eq!(
            e("Jacobi", &[n("1000"), n("2000")]),
            "error in call to math.Jacobi: big: invalid 2nd argument to Int.Jacobi: need odd integer but got 2000"
        );
        assert_eq!(
            e("Asin", &[n("2.0e400")]),
            "cannot use 2.0E+400 (type float) as float64 in argument 0 to math.Asin: value was rounded up"
        );
        assert_eq!(
            e("MultipleOf", &[n("5"), n("0")]),
            "error in call to math.MultipleOf: division by zero"
        );
        assert_eq!(
            e("Floor", &[Data::Str("foo".into())]),
            "cannot use \"foo\" (type string) as number in argument 1 to math.Floor"
        );
        assert!(e("Sqrt", &[n("-1")]).contains("NaN"));
        assert_eq!(
            constant("Pi").map(|d| matches!(d, Data::Num(Num::Float(_)))),
            Some(true)
        );
        assert_eq!(constant("Below"), Some(int(-1)));
    }
}
