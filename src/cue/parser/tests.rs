use super::*;

fn parse(src: &str) -> File {
    parse_file(FileId(0), src).unwrap_or_else(|e| panic!("{src}: {e:?}"))
}

fn first_value(src: &str) -> ExprKind {
    match parse(src).decls.into_iter().next() {
        Some(Decl::Field(f)) => f.value.kind,
        d => panic!("{d:?}"),
    }
}

#[test]
fn parses_basic_forms() {
    let cases = [
        "a: 1",
        "a: b: c: 1",
        "a?: int\nb!: string",
        "#D: {a: int, ...}",
        "_h: 1\n\"q\": 2\n(k): 3\n[string]: int\n[X=string]: {n: X}",
        "a: *1 | 2\nb: >=1 & <=5\nc: =~\"^a\"\nd: !=0",
        "x: [1, 2, ...int]\ny: [for v in x if v > 1 {v}]",
        "out: {\n\tif p.x != _|_ {a: 1}\n\tfor k, v in p {(k): v}\n\tlet y = 2\n}",
        "import \"strings\"\na: strings.ToLower(\"X\")",
        "import (\n\t\"list\"\n\tj \"encoding/json\"\n)\na: list.Concat([[1], [2]])",
        "package foo\n\na: 1",
        "a: \"x\\(b)y\"\nb: 1",
        "a: #\"raw \\(x) \\#(b)\"#\nb: 1",
        "a: \"\"\"\n\tline1\n\t  line2\n\t\"\"\"",
        "a: 1Ki + 0x10 + 0o7 + 0b1 + 1_000 + 1.5e-3 + .5",
        "a: x.y[0][1:2](3)",
        "a: b @go(B)",
        "a: 1 // trailing\n// doc\nb: 2",
        "a: [\n\t1,\n\t2,\n]",
        "X=a: 1\nb: X",
        "a: y=(b): 1",
        "a: _|_\nb: _\nc: null\nd: true",
        "l: [...]\ns: {...}",
        "a: 'bytes'",
        "a: {\n\tb: 1\n}\n",
    ];
    for c in cases {
        parse(c);
    }
}

#[test]
fn rejects_bad_syntax() {
    for bad in [
        "a: ",
        "a: {",
        "a: 1 +",
        "a: \"unterminated",
        "a: [1 2]",
        "a: b:",
        "a + b: 1",
        "1: x",
        "[...]: x",
        "[a, b]: x",
        "[string]?: int",
        "a: x[]",
        "a: #\"raw\"",
    ] {
        assert!(parse_file(FileId(0), bad).is_err(), "{bad}");
    }
}

fn first_label(src: &str) -> (Label, Constraint) {
    match parse(src).decls.into_iter().next() {
        Some(Decl::Field(f)) => (f.label, f.constraint),
        d => panic!("{d:?}"),
    }
}

#[test]
fn expressions_before_a_colon_become_labels() {
    let (l, c) = first_label("X=[=~\"^a\"]: int");
    assert!(matches!(l.kind, LabelKind::Pattern(_)));
    assert_eq!(l.alias.map(|a| a.name).as_deref(), Some("X"));
    assert_eq!(c, Constraint::Regular);
    let (l, c) = first_label("(k)?: v");
    assert!(matches!(l.kind, LabelKind::Dynamic(_)));
    assert_eq!(c, Constraint::Optional);
    let (l, c) = first_label("\"a-b\"!: v");
    assert!(matches!(l.kind, LabelKind::String(ref s) if s == "a-b"));
    assert_eq!(c, Constraint::Required);
    let (l, _) = first_label("\"x-\\(k)\": v");
    assert!(matches!(l.kind, LabelKind::Dynamic(_)));
    let (l, _) = first_label("true: 1");
    assert!(matches!(l.kind, LabelKind::Ident(ref s) if s == "true"));
    // No `:`: an embedding, also when it starts like a label.
    for emb in ["[1]", "(a)", "\"s\"", "x.y", "{a: 1}"] {
        assert!(matches!(parse(emb).decls[0], Decl::Embed(_)), "{emb}");
    }
}

#[test]
fn index_and_slice_share_their_rule() {
    let ExprKind::Slice(_, lo, hi) = first_value("a: x[1:]") else {
        panic!()
    };
    assert!(lo.is_some() && hi.is_none());
    let ExprKind::Slice(_, lo, hi) = first_value("a: x[:2]") else {
        panic!()
    };
    assert!(lo.is_none() && hi.is_some());
    assert!(matches!(first_value("a: x[{b: 1}.b]"), ExprKind::Index(..)));
}

/// Inputs that made the PEG parse some part twice per nesting level, hence
/// exponentially often, now parse in linear time; were it to return, these
/// would exhaust the parser's step limit and fail with "too complex".
#[test]
fn nesting_never_backtracks_exponentially() {
    let deep = 60;
    let cases = [
        format!("a: {}1{}", "x[".repeat(deep), "]".repeat(deep)),
        format!("a: {}1{}", "[".repeat(deep), "]".repeat(deep)),
        format!("{}1{}", "{[".repeat(deep), "]}".repeat(deep)),
        format!("a: {}1{}", "{b: [".repeat(deep), "]}".repeat(deep)),
        format!("a: {}1{}", "(".repeat(deep), ")".repeat(deep)),
    ];
    for c in &cases {
        parse(c);
        // The same text with a syntax error at the very end must fail normally.
        let bad = format!("{c} +");
        let e = parse_file(FileId(0), &bad).expect_err("trailing operator");
        assert!(!e.message.contains("too complex"), "{}", e.message);
    }
}

#[test]
fn chains_desugar_and_docs_attach() {
    let f = parse("// +patchKey=name\n// +usage=x\ncontainers: [...]\na: b: 1 // lc");
    let Decl::Field(c) = &f.decls[0] else {
        panic!()
    };
    assert_eq!(c.docs, vec![" +patchKey=name", " +usage=x"]);
    let Decl::Field(a) = &f.decls[1] else {
        panic!()
    };
    assert_eq!(a.line_comment.as_deref(), Some(" lc"));
    assert!(matches!(a.value.kind, ExprKind::Struct(_)));
}

#[test]
fn strings_decode() {
    let ExprKind::String(p) = first_value("a: \"a\\tb\\u00e9\\\"\"") else {
        panic!()
    };
    assert!(matches!(&p[0], StrPart::Text(t) if t == "a\tbé\""));
    let ExprKind::String(p) = first_value("a: \"\"\"\n    x\n      y\n    \"\"\"") else {
        panic!()
    };
    assert!(matches!(&p[0], StrPart::Text(t) if t == "x\n  y"));
    let ExprKind::String(p) = first_value("a: #\"\\d+ \\#t\"#") else {
        panic!()
    };
    assert!(matches!(&p[0], StrPart::Text(t) if t == "\\d+ \t"));
}

#[test]
fn precedence() {
    let ExprKind::Binary(BinOp::Or, l, _) = first_value("a: *1 | 2 & 3") else {
        panic!()
    };
    assert!(matches!(l.kind, ExprKind::Unary(UnaryOp::Default, _)));
    let ExprKind::Binary(BinOp::Add, _, r) = first_value("a: 1 + 2 * 3") else {
        panic!()
    };
    assert!(matches!(r.kind, ExprKind::Binary(BinOp::Mul, _, _)));
    let ExprKind::Binary(BinOp::LOr, _, r) = first_value("a: x || y && z") else {
        panic!()
    };
    assert!(matches!(r.kind, ExprKind::Binary(BinOp::LAnd, _, _)));
}

mod identifiers {
    use super::*;
    use proptest::prelude::*;

    /// Characters of every class the rule tells apart.
    const POOL: &[char] = &[
        'a', 'Z', 'q', '_', '$', '0', '7', // ASCII
        'é', 'ж', '中', 'ǅ', 'ʰ', // letters: Ll, Ll, Lo, Lt, Lm
        '٣', '९', // decimal digits (Nd)
        '\u{0342}', '\u{0301}', 'ः', // marks: Mn, Mn, Mc
        'Ⅻ', '²', '‿', '€', '\u{00A0}', '\u{200B}', // Nl, No, Pc, Sc, Zs, Cf
    ];

    /// CUE's rule (spec §Identifiers; its scanner's `isLetter`/`isDigit`).
    fn is_identifier(s: &str) -> bool {
        let letter = |c: char| {
            c == '_'
                || c == '$'
                || c.is_ascii_alphabetic()
                || (!c.is_ascii() && pest::unicode::LETTER(c))
        };
        let digit =
            |c: char| c.is_ascii_digit() || (!c.is_ascii() && pest::unicode::DECIMAL_NUMBER(c));
        let mut cs = s.chars();
        cs.next().is_some_and(letter) && cs.all(|c| letter(c) || digit(c))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
        #[test]
        fn labels_parse_exactly_when_cue_calls_them_identifiers(
            chars in proptest::collection::vec(proptest::sample::select(POOL), 1..6)
        ) {
            let name: String = chars.into_iter().collect();
            // `_` alone, hidden and reserved names follow other rules.
            prop_assume!(!name.starts_with('_'));
            let src = format!("{name}: 1\n");
            let parsed = parse_file(FileId(0), &src);
            prop_assert_eq!(parsed.is_ok(), is_identifier(&name), "{:?}: {:?}", name, parsed.err());
        }
    }

    #[test]
    fn illegal_characters_are_named_as_cue_names_them() {
        let err = |src: &str| parse_file(FileId(0), src).unwrap_err().message;
        assert_eq!(err("a\u{0342}: 1\n"), "illegal character U+0342 '\u{0342}'");
        assert_eq!(err("a: 1 \u{00A0}\n"), "illegal character U+00A0");
        assert_eq!(
            err("a: b\u{203F}c\n"),
            "illegal character U+203F '\u{203F}'"
        );
        // Letters and digits of any script are identifiers.
        assert!(parse_file(FileId(0), "größe: 1\nжж٣: größe\n").is_ok());
    }
}
