//! Field labels, interned.
//!
//! A label is a symbol plus its kind (regular, `#definition`, `_hidden`,
//! `_#hiddenDefinition`) or a list index. Symbols are interned process-wide so
//! that compiled templates can be shared between evaluations and compared by
//! number.

use super::fxhash::FxHashMap;
use std::fmt;
use std::sync::{LazyLock, RwLock};

/// An interned string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(u32);

struct Interner {
    map: FxHashMap<&'static str, Sym>,
    names: Vec<&'static str>,
}

static INTERNER: LazyLock<RwLock<Interner>> = LazyLock::new(|| {
    RwLock::new(Interner {
        map: FxHashMap::default(),
        names: Vec::new(),
    })
});

impl Sym {
    /// Interns `s`.
    pub fn new(s: &str) -> Sym {
        if let Some(&sym) = INTERNER
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .map
            .get(s)
        {
            return sym;
        }
        let mut w = INTERNER.write().unwrap_or_else(|e| e.into_inner());
        if let Some(&sym) = w.map.get(s) {
            return sym;
        }
        // Interned names live for the whole process, like the compiled templates that use them.
        let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
        let sym = Sym(w.names.len() as u32);
        w.names.push(leaked);
        w.map.insert(leaked, sym);
        sym
    }

    /// The interned text.
    pub fn as_str(self) -> &'static str {
        INTERNER.read().unwrap_or_else(|e| e.into_inner()).names[self.0 as usize]
    }
}

/// A field label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    /// A regular field (identifier or quoted).
    Str(Sym),
    /// `#Name` (the symbol excludes the `#`).
    Def(Sym),
    /// `_name` (the symbol includes the `_`).
    Hidden(Sym),
    /// `_#Name` (the symbol excludes the `_#`).
    HiddenDef(Sym),
    /// A list element.
    Index(u32),
    /// An anonymous vertex made while evaluating an expression.
    Temp,
}

impl Label {
    /// The label of an identifier as written in a field (`#D`, `_h`, `x`).
    pub fn from_ident(name: &str) -> Label {
        if let Some(rest) = name.strip_prefix("_#") {
            Label::HiddenDef(Sym::new(rest))
        } else if let Some(rest) = name.strip_prefix('#') {
            Label::Def(Sym::new(rest))
        } else if name.starts_with('_') && name != "_" {
            Label::Hidden(Sym::new(name))
        } else {
            Label::Str(Sym::new(name))
        }
    }

    /// A quoted label: always regular.
    pub fn string(s: &str) -> Label {
        Label::Str(Sym::new(s))
    }

    /// Regular fields are exported and checked for closedness.
    pub fn is_regular(self) -> bool {
        matches!(self, Label::Str(_) | Label::Index(_))
    }

    /// `#x` or `_#x`.
    pub fn is_def(self) -> bool {
        matches!(self, Label::Def(_) | Label::HiddenDef(_))
    }

    /// `_x` or `_#x`.
    pub fn is_hidden(self) -> bool {
        matches!(self, Label::Hidden(_) | Label::HiddenDef(_))
    }

    /// The string of a regular label.
    pub fn str(self) -> Option<&'static str> {
        match self {
            Label::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }

    /// Text used as a map key or in `for k, v` (definitions keep their `#`).
    pub fn key_text(self) -> String {
        match self {
            Label::Str(s) | Label::Hidden(s) => s.as_str().to_string(),
            Label::Def(s) => format!("#{}", s.as_str()),
            Label::HiddenDef(s) => format!("_#{}", s.as_str()),
            Label::Index(i) => i.to_string(),
            Label::Temp => String::new(),
        }
    }

    /// Writes the label as a path selector (`a`, `"a-b"`, `#D`, `[0]` is written by the caller).
    pub fn selector(self) -> String {
        match self {
            Label::Str(s) => {
                let t = s.as_str();
                if is_identifier(t) {
                    t.to_string()
                } else {
                    quote(t)
                }
            }
            other => other.key_text(),
        }
    }
}

/// True when `s` can be written as a bare CUE identifier.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '$' => {}
        Some('_') if s.len() > 1 => {}
        _ => return false,
    }
    if matches!(
        s,
        "true" | "false" | "null" | "for" | "in" | "if" | "let" | "import" | "package"
    ) {
        return false;
    }
    chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// Quotes a string as a CUE/JSON string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Label::Index(i) => write!(f, "{i}"),
            l => f.write_str(&l.selector()),
        }
    }
}
