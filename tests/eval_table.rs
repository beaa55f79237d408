//! Evaluator table tests: one line of CUE in, the exported JSON (or the
//! failing paths) out. Each row isolates one language rule.

use serde_json::Value as Json;
use velac::cue::Evaluation;

/// Exports the whole file; on failure returns the sorted failing paths with their class.
fn run(src: &str) -> Result<Json, Vec<String>> {
    let src = src.to_string();
    std::thread::Builder::new()
        .stack_size(velac::cli::STACK_SIZE)
        .spawn(move || {
            let mut ev = Evaluation::from_source("t.cue", &src)
                .map_err(|d| vec![format!("compile: {}", d[0].message)])?;
            let root = ev.root;
            ev.export(root).map_err(|e| {
                let mut v: Vec<String> =
                    e.0.iter()
                        .map(|x| {
                            format!(
                                "{}{}",
                                x.path,
                                if x.incomplete { " (incomplete)" } else { "" }
                            )
                        })
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

fn ok(src: &str, want: &str) {
    let want: Json = serde_json::from_str(want).expect("valid expected JSON");
    match run(src) {
        Ok(got) => assert_eq!(got, want, "{src}"),
        Err(e) => panic!("{src}: unexpected errors {e:?}"),
    }
}

/// Exports one top-level field only.
fn ok_field(src: &str, field: &str, want: &str) {
    let mut ev = Evaluation::from_source("t.cue", src).expect("compiles");
    let v = ev.lookup(field).expect("field exists");
    let got = ev.export(v).expect("exports");
    assert_eq!(
        got,
        serde_json::from_str::<Json>(want).expect("JSON"),
        "{src}"
    );
}

fn fails(src: &str, paths: &[&str]) {
    match run(src) {
        Ok(got) => panic!("{src}: expected failure, got {got}"),
        Err(e) => assert_eq!(e, paths, "{src}"),
    }
}

#[test]
fn unification_and_defaults() {
    ok("a: int & 3", r#"{"a":3}"#);
    ok("a: *1 | 2", r#"{"a":1}"#);
    ok("a: *1 | 2\na: 2", r#"{"a":2}"#);
    ok(r#"a: *"x" | string"#, r#"{"a":"x"}"#);
    ok(
        "p: replicas: *1 | int\nout: p.replicas + 1",
        r#"{"p":{"replicas":1},"out":2}"#,
    );
    ok("a: *_|_ | {x: 1}", r#"{"a":{"x":1}}"#);
    ok("a: (*1 | 2) & (1 | 2)", r#"{"a":1}"#);
    fails("a: (*1 | 2) & (1 | *2)", &["a (incomplete)"]);
    fails("a: 1\na: 2", &["a"]);
    fails("a: int\nb: a + 1", &["a (incomplete)", "b (incomplete)"]);
    ok(
        "x: {kind: \"a\", v: int} | {kind: \"b\", w: string}\nx: kind: \"b\"\nx: w: \"q\"",
        r#"{"x":{"kind":"b","w":"q"}}"#,
    );
}

#[test]
fn bounds_and_kinds() {
    ok("a: >=1 & <=1", r#"{"a":1}"#);
    ok("a: int & >=0 & <=100 & 50", r#"{"a":50}"#);
    ok("a: int & >5 & <=6", r#"{"a":6}"#);
    ok("a: uint8 & 255", r#"{"a":255}"#);
    fails("a: uint8 & 256", &["a"]);
    fails("a: int & 1.0", &["a"]);
    ok(r#"a: =~"^a" & "abc""#, r#"{"a":"abc"}"#);
    fails(r#"a: !~"^a" & "abc""#, &["a"]);
    ok("a: number & 1", r#"{"a":1}"#);
    ok("a: !=0 & 3", r#"{"a":3}"#);
}

#[test]
fn arithmetic() {
    ok(
        "a: 3 / 2\nb: 4 / 2\nc: 7 div 2\nd: -7 mod 2\ne: -7 rem 2",
        r#"{"a":1.5,"b":2.0,"c":3,"d":1,"e":-1}"#,
    );
    ok(
        "a: 0.1 + 0.2\nb: 10 * 0.5\nc: 1e3",
        r#"{"a":0.3,"b":5.0,"c":1E+3}"#,
    );
    ok(
        r#"a: "ab" + "cd"\nb: "ab" * 2"#.replace("\\n", "\n").as_str(),
        r#"{"a":"abcd","b":"abab"}"#,
    );
    ok(
        "a: 1Ki\nb: 0x10\nc: 1_000\nd: 0o17\ne: 0b101",
        r#"{"a":1024,"b":16,"c":1000,"d":15,"e":5}"#,
    );
    fails("a: [1] + [2]", &["a"]);
    fails("a: 1 / 0", &["a"]);
    ok("a: 9223372036854775807 + 1", r#"{"a":9223372036854775808}"#);
}

#[test]
fn structs_and_closedness() {
    ok("#D: {a: int}\nx: #D & {a: 1}", r#"{"x":{"a":1}}"#);
    fails("#D: {a: int}\nx: #D & {a: 1, b: 2}", &["x.b"]);
    ok(
        "#D: {a: int}\nx: {#D, b: 2}\nx: a: 1",
        r#"{"x":{"a":1,"b":2}}"#,
    );
    ok(
        "#D: {a: int, ...}\nx: #D & {a: 1, b: 2}",
        r#"{"x":{"a":1,"b":2}}"#,
    );
    fails("x: close({a: 1}) & {b: 2}", &["x.b"]);
    ok(
        "parameter: {image: string}\nparameter: {image: \"n\", extra: 1}",
        r#"{"parameter":{"image":"n","extra":1}}"#,
    );
    ok(
        "#P: {name: string}\np: *#P | close({containers: [...#P]})\np: {containers: [{name: \"a\"}]}",
        r#"{"p":{"containers":[{"name":"a"}]}}"#,
    );
    ok("a: {b?: 1, c: 2, _h: 3, #d: 4}", r#"{"a":{"c":2}}"#);
    fails("a: {b!: int}", &["a.b (incomplete)"]);
    fails("m: [string]: int\nm: b: \"x\"", &["m.b"]);
    ok(
        "#A: {a: {b: int}}\n#A: {a: {c: int}}\nx: #A & {a: {b: 1, c: 2}}",
        r#"{"x":{"a":{"b":1,"c":2}}}"#,
    );
}

#[test]
fn references_and_cycles() {
    ok("a: b.c\nb: c: 1", r#"{"a":1,"b":{"c":1}}"#);
    ok(
        "#D: {x: int, y: x + 1}\nd: #D & {x: 2}",
        r#"{"d":{"x":2,"y":3}}"#,
    );
    fails("a: b: a", &["a.b"]);
    fails("x: y\ny: x", &["x (incomplete)", "y (incomplete)"]);
    ok_field("x: y\ny: x\nz: x & 1", "z", "1");
    ok("x: y + 100\ny: x - 100\nx: 200", r#"{"x":200,"y":100}"#);
    ok("X=a: 1\nb: X", r#"{"a":1,"b":1}"#);
    ok(
        "a: [X=string]: {name: X}\na: foo: {}",
        r#"{"a":{"foo":{"name":"foo"}}}"#,
    );
    ok("let x = 2\na: x * 3", r#"{"a":6}"#);
}

#[test]
fn comprehensions_and_existence() {
    ok(
        "l: [1, 2, 3]\nm: [for v in l if v > 1 {v * 10}]",
        r#"{"l":[1,2,3],"m":[20,30]}"#,
    );
    ok(
        r#"s: {for k, v in {b: "2", a: "1"} {(k): v}}"#,
        r#"{"s":{"b":"2","a":"1"}}"#,
    );
    ok(
        "p: {cpu?: string}\nout: {if p.cpu != _|_ {c: p.cpu}, n: p[\"cpu\"] == _|_}",
        r#"{"p":{},"out":{"n":true}}"#,
    );
    fails(
        "p: {replicas: int}\nout: {if p.replicas > 1 {ha: true}, name: \"x\"}",
        &["out (incomplete)", "p.replicas (incomplete)"],
    );
    ok(
        "p: {vm?: {pvc?: [...{name: string}]}}\npvc: *[for v in p.vm.pvc {v.name}] | []",
        r#"{"p":{},"pvc":[]}"#,
    );
    ok(
        "p: {l: [...string]}\nout: [for v in p.l {v}]",
        r#"{"p":{"l":[]},"out":[]}"#,
    );
    ok("a: [if true {1}, if false {2}, 3]", r#"{"a":[1,3]}"#);
    ok("x: [1, 2][5] == _|_", r#"{"x":true}"#);
    // A struct of comprehensions only is what they yield (KubeVela's
    // webservice writes `containerPort: {if … {v.port}}`), `{}` when nothing.
    ok(
        "v: {port: 81}\nc: {if v.containerPort != _|_ {v.containerPort}\n if v.containerPort == _|_ {v.port}}\ne: {if false {a: 1}}",
        r#"{"v":{"port":81},"c":81,"e":{}}"#,
    );
    // A composite unified with an absent optional field does not exist.
    ok(
        "p: {a?: [...string]}\nq: {a?: [...string] & p.a}\nr: {if q.a != _|_ {y: q.a}}",
        r#"{"p":{},"q":{},"r":{}}"#,
    );
}

#[test]
fn lists_and_interpolation() {
    ok("a: [...int] & [1, 2]", r#"{"a":[1,2]}"#);
    fails("a: [1, 2] & [1]", &["a"]);
    ok(
        "a: [{x: 1}, ...{y: *2 | int}] & [{}, {}]",
        r#"{"a":[{"x":1},{"y":2}]}"#,
    );
    ok(
        r#"n: 2.50\na: "v=\(n) \(true) \(*"d" | string)""#.replace("\\n", "\n").as_str(),
        r#"{"n":2.50,"a":"v=2.50 true d"}"#,
    );
    fails(
        "x: string\na: \"a-\\(x)\"",
        &["a (incomplete)", "x (incomplete)"],
    );
    fails("a: \"\\({a: 1})\"", &["a"]);
    ok("a: len([1, 2]) + len(\"abc\") + len({x: 1})", r#"{"a":6}"#);
}

/// Vertices an evaluation of `src` creates: a deterministic measure of work.
fn vertices(src: &str) -> usize {
    let mut ev = Evaluation::from_source("t.cue", src).expect("compiles");
    let root = ev.root;
    let _ = ev.export(root);
    ev.engine.vertex_count()
}

/// Repeating a disjunction whose alternatives conflict with each other must cost
/// work linear in the repetitions (as CUE's benchmark tests require), not the size
/// of the product of alternatives: 2^32 and 4^16 here.
#[test]
fn repeated_disjunctions_stay_linear() {
    let pat = "pat: {[string]: 1} | {a: 2}\n".repeat(32);
    let list = "list: [1] | [2] | [3] | [4]\n".repeat(15) + "list: [2] | [2] | [3] | [4]\n";
    for src in [pat, list] {
        let small = vertices(&src[..src.len() / 4]);
        let full = vertices(&src);
        assert!(full < 20 * small.max(50), "{full} vertices for {src}");
    }
    // Both alternatives survive, neither is a default: the value is ambiguous.
    fails(
        &"pat: {[string]: 1} | {a: 2}\n".repeat(32),
        &["pat (incomplete)"],
    );
    ok(
        &("x: *{[string]: 1} | {a: 2}\n".repeat(32) + "x: b: 1\n"),
        r#"{"x": {"b": 1}}"#,
    );
}

/// Shared structure that leads back into itself is an infinite value: every walk
/// over it (export, error search, `cue eval` text) ends with a structural cycle
/// instead of following it (fuzzer-found: this ran until memory ran out).
#[test]
fn cycles_through_shared_structure_end() {
    let src = "f: {f: f3}\nf3: f & {ref: f2}\nf2: f & {ref: 1}\n";
    let e = run(src).expect_err("structural cycle");
    assert!(e.contains(&"f3.f".to_string()), "{e:?}");
    let mut ev = Evaluation::from_source("t.cue", src).expect("compiles");
    let root = ev.root;
    assert!(ev.format(root).contains("_|_ // structural cycle"));
}

/// The export errors of the whole evaluation as sorted `path: message` lines.
fn messages(ev: &mut Evaluation) -> Vec<String> {
    let root = ev.root;
    let errs = ev.export(root).expect_err("errors");
    let mut msgs: Vec<String> = errs
        .0
        .iter()
        .map(|e| format!("{}: {}", e.path, e.msg))
        .collect();
    msgs.sort();
    msgs
}

/// When every alternative of a disjunction conflicts, the message is the last
/// conflict's, in full (alternatives are tried without writing messages).
#[test]
fn a_disjunction_with_no_alternative_left_names_the_last_conflict() {
    let src =
        "a: (\"x\" | \"y\") & \"z\"\nb: (1 | 2) & (3 | 4)\nc: (*\"a\" | \"b\") & (\"c\" | int)\n";
    let mut ev = Evaluation::from_source("t.cue", src).expect("compiles");
    assert_eq!(
        messages(&mut ev),
        [
            "a: conflicting values \"z\" and \"y\"",
            "b: conflicting values 4 and 2",
            "c: conflicting values int and \"b\" (mismatched types int and string)",
        ]
    );
}

/// The error of selecting an absent or optional field is shared between the
/// instances of a template; each instance still reports it at its own path.
#[test]
fn missing_field_errors_are_reported_per_instance() {
    let src = "#T: {p: {a?: int}, o: p.a, n: p.b}\nx: #T\ny: #T & {p: a: 1}\n";
    let mut ev = Evaluation::from_source("t.cue", src).expect("compiles");
    assert_eq!(
        messages(&mut ev),
        [
            "x.n: undefined field: b",
            "x.o: cannot reference optional field: a",
            "y.n: undefined field: b",
        ]
    );
    let y = ev.lookup("y.o").expect("y.o");
    assert_eq!(ev.export(y).expect("y.o exports"), serde_json::json!(1));
}

/// A disjunction of constants is built once and shared by every instance of
/// its template; each instance still resolves it on its own.
#[test]
fn shared_constant_disjunctions_resolve_per_instance() {
    let defs = "#T: {p: *\"TCP\" | \"UDP\", q: *true | bool, r: *\"\" | string}\n";
    ok(
        &format!("{defs}x: #T\ny: #T & {{p: \"UDP\", q: false, r: \"s\"}}\n"),
        r#"{"x": {"p": "TCP", "q": true, "r": ""}, "y": {"p": "UDP", "q": false, "r": "s"}}"#,
    );
    fails(&format!("{defs}x: #T\nz: #T & {{p: \"SCTP\"}}\n"), &["z.p"]);
}
