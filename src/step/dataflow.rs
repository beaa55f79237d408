//! Data passed between steps: `inputs` fill `parameter` at a CUE path,
//! `outputs` are taken from the step's final value, and variables live at
//! paths of one JSON object (the workflow's context).

use super::State;
use serde_json::{Map, Value as Json};

/// One segment of a CUE path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    /// A field.
    Key(String),
    /// A list index.
    Index(usize),
}

/// Parses a CUE path: `a.b`, `a["x.y"]`, `a[0].c`, `"quoted-label".x`.
pub fn parse_path(path: &str) -> Result<Vec<Seg>, String> {
    let bad = |why: &str| format!("invalid path {path:?}: {why}");
    let b = path.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut expect_label = true;
    while i < b.len() {
        match b[i] {
            b'.' if !expect_label => {
                i += 1;
                expect_label = true;
            }
            b'[' => {
                let end = path[i..].find(']').ok_or_else(|| bad("unclosed ["))? + i;
                let inner = path[i + 1..end].trim();
                if let Some(q) = inner.strip_prefix('"') {
                    let s: String = serde_json::from_str(&format!("\"{q}"))
                        .map_err(|_| bad("bad quoted label"))?;
                    out.push(Seg::Key(s));
                } else {
                    out.push(Seg::Index(inner.parse().map_err(|_| bad("bad index"))?));
                }
                i = end + 1;
                expect_label = false;
            }
            b'"' if expect_label => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                if j >= b.len() {
                    return Err(bad("unclosed quote"));
                }
                let s: String =
                    serde_json::from_str(&path[i..=j]).map_err(|_| bad("bad quoted label"))?;
                out.push(Seg::Key(s));
                i = j + 1;
                expect_label = false;
            }
            _ if expect_label => {
                let end = path[i..].find(['.', '[']).map_or(path.len(), |n| n + i);
                let name = &path[i..end];
                if name.is_empty() {
                    return Err(bad("empty label"));
                }
                out.push(Seg::Key(name.to_string()));
                i = end;
                expect_label = false;
            }
            _ => return Err(bad("expected . or [")),
        }
    }
    if out.is_empty() || expect_label {
        return Err(bad("empty label"));
    }
    Ok(out)
}

/// List indexes an input may reach (an index past a list's end appends
/// empty objects up to it).
const MAX_INDEX: usize = 10_000;

/// Sets `value` at `path` of `root` (KubeVela's `parameterKey` rules):
/// missing fields are created, an index past a list's end appends empty
/// objects up to it, and the value there is replaced, not merged.
pub fn set_path(root: &mut Json, path: &[Seg], value: Json) -> Result<(), String> {
    if path
        .iter()
        .any(|s| matches!(s, Seg::Index(i) if *i > MAX_INDEX))
    {
        return Err(format!(
            "{}: list indexes above {MAX_INDEX} are refused",
            show(path)
        ));
    }
    let Some((last, init)) = path.split_last() else {
        *root = value;
        return Ok(());
    };
    let mut cur = root;
    for (n, seg) in init.iter().enumerate() {
        cur = step_into(cur, seg, &path[..=n])?;
    }
    if cur.is_null() {
        *cur = match last {
            Seg::Key(_) => Json::Object(Map::new()),
            Seg::Index(_) => Json::Array(Vec::new()),
        };
    }
    match (last, cur) {
        (Seg::Key(k), Json::Object(m)) => {
            m.insert(k.clone(), value);
        }
        (Seg::Index(i), Json::Array(a)) => {
            while a.len() <= *i {
                a.push(Json::Object(Map::new()));
            }
            a[*i] = value;
        }
        (_, other) => {
            return Err(format!(
                "cannot set a field below {}: it is {}",
                show(init),
                kind_name(other)
            ));
        }
    }
    Ok(())
}

fn step_into<'a>(cur: &'a mut Json, seg: &Seg, so_far: &[Seg]) -> Result<&'a mut Json, String> {
    if cur.is_null() {
        *cur = match seg {
            Seg::Key(_) => Json::Object(Map::new()),
            Seg::Index(_) => Json::Array(Vec::new()),
        };
    }
    match (seg, cur) {
        (Seg::Key(k), Json::Object(m)) => Ok(m.entry(k.clone()).or_insert(Json::Null)),
        (Seg::Index(i), Json::Array(a)) => {
            while a.len() <= *i {
                a.push(Json::Object(Map::new()));
            }
            Ok(&mut a[*i])
        }
        (_, other) => Err(format!(
            "cannot set a field below {}: it is {}",
            show(so_far),
            kind_name(other)
        )),
    }
}

/// Removes the value at `path`, if there is one.
pub fn remove_path(root: &mut Json, path: &[Seg]) {
    let Some((last, init)) = path.split_last() else {
        return;
    };
    let mut cur = root;
    for s in init {
        cur = match (s, cur) {
            (Seg::Key(k), Json::Object(m)) => match m.get_mut(k) {
                Some(v) => v,
                None => return,
            },
            (Seg::Index(i), Json::Array(a)) => match a.get_mut(*i) {
                Some(v) => v,
                None => return,
            },
            _ => return,
        };
    }
    if let (Seg::Key(k), Json::Object(m)) = (last, cur) {
        m.remove(k);
    }
}

/// The value at `path`, if there is one.
pub fn get_path<'a>(root: &'a Json, path: &[Seg]) -> Option<&'a Json> {
    let mut cur = root;
    for s in path {
        cur = match (s, cur) {
            (Seg::Key(k), Json::Object(m)) => m.get(k)?,
            (Seg::Index(i), Json::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn kind_name(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "a struct",
    }
}

/// A path as text again.
pub fn show(path: &[Seg]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The path of an output variable: a name with `.` or `[` is a CUE path,
/// anything else one label.
pub fn var_path(name: &str) -> Result<Vec<Seg>, String> {
    if name.contains(['.', '[']) {
        parse_path(name)
    } else {
        Ok(vec![Seg::Key(name.to_string())])
    }
}

/// `valueFrom` with `$returns` put after its first selector: `output.value`
/// becomes `output.$returns.value` (how templates written for the `$params`
/// calls expose what older templates exposed at the top).
fn with_returns(value_from: &str) -> Option<String> {
    if value_from.contains("$returns") || value_from.contains(['\n', '(', ' ']) {
        return None;
    }
    let (head, tail) = match value_from.find(['.', '[']) {
        Some(i) => value_from.split_at(i),
        None => (value_from, ""),
    };
    let tail = tail
        .strip_prefix('.')
        .map_or(tail.to_string(), |t| format!(".{t}"));
    Some(format!("{head}.$returns{tail}"))
}

/// Evaluates one output's `valueFrom` (a path or a CUE expression; leading
/// `import` lines allowed) against the step's final value.
pub(crate) fn output(st: &State, value_from: &str) -> Result<Json, String> {
    match eval_expr(st, value_from) {
        Ok(v) => Ok(v),
        Err(e) => match with_returns(value_from) {
            Some(alt) => eval_expr(st, &alt).map_err(|_| e),
            None => Err(e),
        },
    }
}

fn eval_expr(st: &State, expr: &str) -> Result<Json, String> {
    const FIELD: &str = "__velacOutput";
    let (imports, body): (Vec<&str>, Vec<&str>) = expr.lines().partition(|l| {
        let t = l.trim_start();
        ["import ", "import(", "import\""]
            .iter()
            .any(|p| t.starts_with(p))
    });
    let text = format!("{}\n{FIELD}: {}\n", imports.join("\n"), body.join("\n"));
    let mut sources = crate::source::SourceMap::new();
    let id = sources.add("<valueFrom>", text);
    let ast = crate::cue::parser::parse_file(id, &sources.file(id).text)
        .map_err(|e| e.to_diagnostic().message)?;
    let program = crate::cue::compile::compile_file_with(
        &ast,
        &st.template.fields,
        &super::packages::paths(),
    )
    .map_err(|e| {
        e.first()
            .map_or_else(String::new, |x| x.to_diagnostic().message)
    })?;
    let imports: Vec<String> = ast.imports.iter().map(|i| i.path.clone()).collect();
    let more = super::packages::compiled_for(&imports);
    let mut ev = st.evaluate_with(Some(std::rc::Rc::new(program)), &more);
    let v = ev
        .lookup(FIELD)
        .ok_or_else(|| format!("{expr:?}: no value"))?;
    ev.export(v).map_err(|e| {
        e.0.first()
            .map_or_else(|| "no value".into(), |x| x.msg.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_parse_as_cue_selectors() {
        assert_eq!(
            parse_path("a.b[2][\"x.y\"].c").unwrap(),
            vec![
                Seg::Key("a".into()),
                Seg::Key("b".into()),
                Seg::Index(2),
                Seg::Key("x.y".into()),
                Seg::Key("c".into())
            ]
        );
        assert_eq!(
            parse_path("\"my-key\".x").unwrap(),
            vec![Seg::Key("my-key".into()), Seg::Key("x".into())]
        );
        assert!(parse_path("a..b").is_err());
        assert!(parse_path("a[").is_err());
        assert!(parse_path("").is_err());
    }

    #[test]
    fn inputs_replace_create_and_append() {
        let mut p = json!({"a": {"b": 1, "keep": true}, "l": [1]});
        set_path(&mut p, &parse_path("a.b").unwrap(), json!({"x": 1})).unwrap();
        set_path(&mut p, &parse_path("new.deep").unwrap(), json!("v")).unwrap();
        set_path(&mut p, &parse_path("l[2].name").unwrap(), json!("n")).unwrap();
        assert_eq!(
            p,
            json!({"a": {"b": {"x": 1}, "keep": true}, "l": [1, {}, {"name": "n"}], "new": {"deep": "v"}})
        );
        let e = set_path(&mut p, &parse_path("a.keep.x").unwrap(), json!(1)).unwrap_err();
        assert_eq!(e, "cannot set a field below a.keep: it is a bool");
    }

    #[test]
    fn returns_is_tried_after_the_first_selector() {
        assert_eq!(
            with_returns("output.value.status").as_deref(),
            Some("output.$returns.value.status")
        );
        assert_eq!(with_returns("output").as_deref(), Some("output.$returns"));
        assert_eq!(with_returns("a.$returns.b"), None);
    }
}
