//! Package `encoding/base64`. The first argument names the encoding; only `null` (standard
//! encoding with padding) is supported, as in CUE. Decoding follows Go: `\r` and `\n` are
//! ignored, padding is required, and errors report the offending input offset.

use super::args::{Args, Res, int, kind, show, string};
use super::{Builtin, Data, Func};
use base64::Engine;

/// One entry of this package's table.
const fn f(name: &'static str, func: Func) -> Builtin {
    Builtin::exact("encoding/base64", name, 2, false, func)
}

pub(super) static FUNCS: &[Builtin] = &[
    f("EncodedLen", encoded_len),
    f("DecodedLen", decoded_len),
    f("Encode", encode),
    f("Decode", decode),
];

/// Checks the encoding argument (must be `null`), after the kind of the second argument.
fn check_null(a: &Args) -> Result<(), super::CallError> {
    if a.v[0] != Data::Null {
        return a.fail(format!(
            "base64: unsupported encoding: cannot use value {} (type {}) as null",
            show(&a.v[0]),
            kind(&a.v[0])
        ));
    }
    Ok(())
}

fn encoded_len(v: &[Data]) -> Res {
    let a = Args::new("encoding/base64.EncodedLen", v, 2)?;
    let n = a.int(1)?;
    check_null(&a)?;
    Ok(int((n.wrapping_add(2) / 3).wrapping_mul(4)))
}

fn decoded_len(v: &[Data]) -> Res {
    let a = Args::new("encoding/base64.DecodedLen", v, 2)?;
    let n = a.int(1)?;
    check_null(&a)?;
    Ok(int((n / 4).wrapping_mul(3)))
}

fn encode(v: &[Data]) -> Res {
    let a = Args::new("encoding/base64.Encode", v, 2)?;
    let src = a.bytes(1)?;
    check_null(&a)?;
    Ok(string(
        base64::engine::general_purpose::STANDARD.encode(&*src),
    ))
}

fn decode(v: &[Data]) -> Res {
    let a = Args::new("encoding/base64.Decode", v, 2)?;
    let s = a.str(1)?;
    check_null(&a)?;
    match go_decode(s.as_bytes()) {
        Ok(b) => Ok(Data::Bytes(b)),
        Err(at) => a.fail(format!("illegal base64 data at input byte {at}")),
    }
}

fn value(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some((c - b'A') as u32),
        b'a'..=b'z' => Some((c - b'a') as u32 + 26),
        b'0'..=b'9' => Some((c - b'0') as u32 + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Go's `base64.StdEncoding.DecodeString`; the error is the offset Go reports.
pub(super) fn go_decode(src: &[u8]) -> Result<Vec<u8>, usize> {
    let skip_nl = |mut i: usize| {
        while i < src.len() && (src[i] == b'\n' || src[i] == b'\r') {
            i += 1;
        }
        i
    };
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    while si < src.len() {
        let mut buf = [0u32; 4];
        let mut n = 4;
        let mut j = 0;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                return Err(si - j);
            }
            let c = src[si];
            si += 1;
            if let Some(v) = value(c) {
                buf[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' {
                return Err(si - 1);
            }
            // Padding: only after two or three symbols.
            match j {
                0 | 1 => return Err(si - 1),
                2 => {
                    si = skip_nl(si);
                    if si == src.len() {
                        return Err(src.len());
                    }
                    if src[si] != b'=' {
                        return Err(si - 1);
                    }
                    si += 1;
                }
                _ => {}
            }
            si = skip_nl(si);
            if si < src.len() {
                return Err(si);
            }
            n = j;
            break;
        }
        let val = buf[0] << 18 | buf[1] << 12 | buf[2] << 6 | buf[3];
        let bytes = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
        out.extend_from_slice(&bytes[..n - 1]);
        if n < 4 {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cue::builtins::args::call_shown;
    use crate::cue::num::Num;

    fn run(f: &str, args: &[Data]) -> String {
        call_shown("encoding/base64", f, args)
    }

    #[test]
    fn txtar_and_trap_cases() {
        let s = |x: &str| Data::Str(x.into());
        assert_eq!(run("Encode", &[Data::Null, s("foo")]), "\"Zm9v\"");
        assert_eq!(run("Encode", &[Data::Null, s("hi")]), "\"aGk=\"");
        assert_eq!(
            run("Encode", &[Data::Null, Data::Bytes(vec![0xff])]),
            "\"/w==\""
        );
        assert_eq!(run("Decode", &[Data::Null, s("Zm9v")]), "'foo'");
        assert_eq!(
            run("Decode", &[Data::Null, s("foo")]),
            "ERR error in call to encoding/base64.Decode: illegal base64 data at input byte 0"
        );
        assert_eq!(
            run("Decode", &[Data::Struct(vec![]), s("foo")]),
            "ERR error in call to encoding/base64.Decode: base64: unsupported encoding: cannot use value {} (type struct) as null"
        );
        assert_eq!(
            run("EncodedLen", &[Data::Null, Data::Num(Num::int(5))]),
            "8"
        );
        assert_eq!(
            run("DecodedLen", &[Data::Null, Data::Num(Num::int(8))]),
            "6"
        );
    }

    #[test]
    fn go_decoding_rules() {
        assert_eq!(go_decode(b"aGk=\n"), Ok(b"hi".to_vec()));
        assert_eq!(go_decode(b"aG\r\nk="), Ok(b"hi".to_vec()));
        assert_eq!(go_decode(b"aGk"), Err(0));
        assert_eq!(go_decode(b"aGk=x"), Err(4));
        assert_eq!(go_decode(b"a==="), Err(1));
        assert_eq!(go_decode(b"aG=="), Ok(b"h".to_vec()));
        assert_eq!(go_decode(b"aG=a"), Err(2));
        assert_eq!(go_decode(b"aG="), Err(3));
        assert_eq!(go_decode(b"aGk!"), Err(3));
        assert_eq!(go_decode(b""), Ok(vec![]));
    }
}
