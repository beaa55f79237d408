//! Syntax errors in words a user reads: pest's "expected rules" become names of
//! tokens, and a few common mistakes get a message of their own.

use super::ParseError;
use super::grammar::Rule;
use crate::source::{FileId, Span};

fn rule_name(r: &Rule) -> Option<&'static str> {
    Some(match r {
        Rule::EOI => "end of input",
        Rule::comma => "','",
        Rule::rbrace => "'}'",
        Rule::rbrack => "']'",
        Rule::rparen => "')'",
        Rule::expr | Rule::alias_expr => "expression",
        Rule::identifier => "identifier",
        Rule::field => "label",
        Rule::string_lit | Rule::str_single | Rule::str_multi => "string",
        Rule::number => "number",
        Rule::struct_lit => "'{'",
        Rule::list_lit => "'['",
        Rule::ellipsis => "'...'",
        Rule::comprehension | Rule::for_clause | Rule::guard_clause => "comprehension",
        Rule::let_clause => "let clause",
        Rule::import_decl => "import",
        Rule::package_clause => "package clause",
        Rule::label_mark => "'?' or '!'",
        // Operators and other tokens that could continue an expression are
        // almost never what the user missed; leave them out of the message.
        _ => return None,
    })
}

pub(super) fn pest_error(
    file: FileId,
    src: &str,
    text: &str,
    e: pest::error::Error<Rule>,
) -> ParseError {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let rest = &text[pos.min(text.len())..];
    if let Some(c) = rest.chars().next().filter(|&c| illegal(c)) {
        return ParseError {
            message: format!("illegal character {}", go_rune(c)),
            span: Span::new(file, pos, pos + c.len_utf8()),
        };
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '#'))
        .take(40)
        .collect();
    let found = match rest.chars().next() {
        None => "end of input".to_string(),
        Some('\u{1E}' | '\n') => "newline".to_string(),
        Some(_) if !word.is_empty() => format!("'{word}'"),
        Some(c) => format!("'{c}'"),
    };
    let message = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            // `bytes_lit` is the last alternative of an operand, tried only when no
            // other could start there: the user is missing an expression.
            let operand = positives.contains(&Rule::bytes_lit);
            let mut names: Vec<&str> = positives
                .iter()
                .filter(|r| !(operand && **r == Rule::identifier))
                .filter_map(|r| match r {
                    Rule::bytes_lit => Some("expression"),
                    r => rule_name(r),
                })
                .collect();
            names.sort_unstable();
            names.dedup();
            let in_list = names.contains(&"']'") && names.contains(&"','");
            if in_list && found != "end of input" {
                format!("missing ',' before {found} in list literal")
            } else if names.is_empty() {
                format!("unexpected {found}")
            } else {
                format!("expected {}, found {found}", names.join(" or "))
            }
        }
        ErrorVariant::CustomError { message } if message.contains("call limit") => {
            "input too complex to parse (parser step limit reached)".to_string()
        }
        ErrorVariant::CustomError { message } => message.clone(),
    };
    let _ = src;
    ParseError {
        message,
        span: Span::new(file, pos, pos + 1),
    }
}

/// A character no CUE token holds outside strings and comments (CUE's
/// scanner reports these as "illegal character").
fn illegal(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' | '\u{1E}' => false,
        c if c.is_ascii() => c.is_ascii_control(),
        c => !pest::unicode::LETTER(c) && !pest::unicode::DECIMAL_NUMBER(c),
    }
}

/// A character as Go's `%#U` prints it, as CUE's messages show it:
/// `U+0342 '͂'`, or `U+00A0` alone when it does not print; `NULL` for 0.
fn go_rune(c: char) -> String {
    use pest::unicode::{OTHER, SEPARATOR};
    if c == '\0' {
        return "NULL".into();
    }
    let printable = c == ' ' || !(OTHER(c) || SEPARATOR(c));
    if printable {
        format!("U+{:04X} '{c}'", c as u32)
    } else {
        format!("U+{:04X}", c as u32)
    }
}
