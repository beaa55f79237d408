//! Pathological CUE (issue #17): inputs an attacker or an unlucky author
//! writes, each of which must end with CUE's answer rather than a number of
//! hundreds of thousands of digits or a misread identifier.

use velac::cue::Evaluation;

/// Evaluates a file; the export, or each error's path and message.
fn run(src: &str) -> Result<serde_json::Value, Vec<String>> {
    let src = src.to_string();
    std::thread::Builder::new()
        .stack_size(velac::cli::STACK_SIZE)
        .spawn(move || {
            let mut ev = Evaluation::from_source("t.cue", &src)
                .map_err(|d| d.iter().map(|x| x.message.clone()).collect::<Vec<_>>())?;
            let root = ev.root;
            ev.export(root).map_err(|e| {
                let mut v: Vec<String> =
                    e.0.iter()
                        .map(|x| format!("{}: {}", x.path, x.msg))
                        .collect();
                v.sort();
                v.dedup();
                v
            })
        })
        .expect("spawn")
        .join()
        .expect("no panic")
}

#[test]
fn products_past_cues_exponent_range_fail_as_in_cue() {
    // 1 followed by 100,000 zeros is in range; its cube is not.
    let a = format!("1{}", "0".repeat(100_000));
    let err = run(&format!("a: {a}\nb: a*a*a\n")).unwrap_err();
    assert_eq!(err, ["b: failed arithmetic: exponent out of range"]);
    // The value itself, and arithmetic that stays in range, still work.
    let ok = run(&format!("a: {a}\nb: a - a\nc: a + 1 - a\n")).unwrap();
    assert_eq!(ok["b"], 0);
    assert_eq!(ok["c"], 1);
}

#[test]
fn operands_past_the_range_are_not_aligned_digit_by_digit() {
    // Adding 1 to 1e99999999 would need a 100-million-digit number.
    let err = run("a: 1e99999999 + 1\n").unwrap_err();
    assert_eq!(err, ["a: failed arithmetic: exponent out of range"]);
    let err = run("a: 1e-99999999 * 2\n").unwrap_err();
    assert_eq!(err, ["a: failed arithmetic: exponent out of range"]);
    // Ordinary floats are untouched.
    assert_eq!(run("a: 1.5e300 * 2\n").unwrap()["a"].as_f64(), Some(3e300));
}

#[test]
fn identifiers_are_letters_and_digits_as_cue_defines_them() {
    // U+0342 is a combining mark: CUE rejects it, as velac now does.
    let err = run("a\u{0342}: 1\n").unwrap_err();
    assert_eq!(err, ["illegal character U+0342 '\u{0342}'"]);
    let ok = run("größe: 1\nжж٣: größe + 1\n").unwrap();
    assert_eq!(ok["жж٣"], 2);
}
