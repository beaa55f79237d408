//! Query parameters, label and field selectors, and the small helpers
//! (percent-decoding, timestamps, string fields) the API server needs.

use serde_json::Value;

pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

pub(crate) fn param<'a>(query: &'a [(String, String)], key: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

pub(crate) fn dry_run(query: &[(String, String)]) -> bool {
    param(query, "dryRun") == Some("All")
}

/// `%XX` escapes (and `+` as space in query strings) decoded; bad escapes stay as they are.
pub(crate) fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = text
            .get(i + 1..i + 3)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[i], escaped) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
                continue;
            }
            (b'+', _) if plus_is_space => out.push(b' '),
            (byte, _) => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One label selector requirement.
pub(crate) enum Requirement {
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    Absent(String),
}

impl Requirement {
    pub fn matches(&self, obj: &Value) -> bool {
        let label = |key: &str| {
            obj.pointer("/metadata/labels")
                .and_then(|l| l.get(key))
                .and_then(Value::as_str)
        };
        match self {
            Requirement::In(key, values) => {
                label(key).is_some_and(|v| values.iter().any(|x| x == v))
            }
            Requirement::NotIn(key, values) => {
                label(key).is_none_or(|v| values.iter().all(|x| x != v))
            }
            Requirement::Exists(key) => label(key).is_some(),
            Requirement::Absent(key) => label(key).is_none(),
        }
    }
}

/// `a=b,c!=d,e,!f,g in (h,i),j notin (k)`: all must hold.
pub(crate) fn parse_label_selector(selector: &str) -> Result<Vec<Requirement>, String> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&selector[start..]);
    let key = |k: &str| {
        let k = k.trim();
        let valid =
            !k.is_empty() && !k.contains(|c: char| c.is_whitespace() || "()=!,".contains(c));
        valid
            .then(|| k.to_string())
            .ok_or_else(|| format!("unable to parse requirement: invalid label key {k:?}"))
    };
    let set = |s: &str| -> Result<Vec<String>, String> {
        let inner = s.trim().strip_prefix('(').and_then(|s| s.strip_suffix(')'));
        let inner = inner
            .ok_or_else(|| format!("unable to parse requirement: expected a (set) in {s:?}"))?;
        Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
    };
    let mut requirements = Vec::new();
    for part in parts.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
        requirements.push(if let Some(k) = part.strip_prefix('!') {
            Requirement::Absent(key(k)?)
        } else if let Some((k, v)) = part.split_once("!=") {
            Requirement::NotIn(key(k)?, vec![v.trim().to_string()])
        } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
            Requirement::In(key(k)?, vec![v.trim().to_string()])
        } else if let Some((k, s)) = part.split_once(" notin ") {
            Requirement::NotIn(key(k)?, set(s)?)
        } else if let Some((k, s)) = part.split_once(" in ") {
            Requirement::In(key(k)?, set(s)?)
        } else {
            Requirement::Exists(key(part)?)
        });
    }
    Ok(requirements)
}

/// A field selector term on `metadata.name` or `metadata.namespace`.
pub(crate) struct FieldRequirement {
    namespace: bool,
    value: String,
    equal: bool,
}

impl FieldRequirement {
    pub fn matches(&self, namespace: &str, name: &str) -> bool {
        let actual = if self.namespace { namespace } else { name };
        (actual == self.value) == self.equal
    }
}

pub(crate) fn parse_field_selector(selector: &str) -> Result<Vec<FieldRequirement>, String> {
    let mut requirements = Vec::new();
    for part in selector.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (field, value, equal) = match part.split_once("!=") {
            Some((f, v)) => (f, v, false),
            None => match part.split_once("==").or_else(|| part.split_once('=')) {
                Some((f, v)) => (f, v, true),
                None => return Err(format!("invalid selector: {part:?}; can't understand it")),
            },
        };
        let namespace = match field.trim() {
            "metadata.name" => false,
            "metadata.namespace" => true,
            other => return Err(format!("field label not supported: {other}")),
        };
        requirements.push(FieldRequirement {
            namespace,
            value: value.trim().into(),
            equal,
        });
    }
    Ok(requirements)
}

/// The current time as RFC 3339 UTC with second precision.
pub(crate) fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The string at a JSON pointer, or "" when absent or not a string.
pub(crate) fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}
