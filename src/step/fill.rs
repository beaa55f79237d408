//! Putting a call's results back into the step: each result becomes a small
//! CUE file that places the JSON value at the call's path, unified with the
//! template on the next evaluation. A list element on the path is reached
//! with an open list (`[_, _, {…}, ...]`), which leaves the list's other
//! elements and its length to the template.

use crate::cue::label::Label;
use serde_json::Value as Json;

/// CUE text putting `value` at `path` (merged into the struct there). The
/// path is not empty: results land in a call, never at the root.
pub fn text(path: &[Label], value: &Json) -> String {
    let json = serde_json::to_string(value).expect("JSON serialises");
    match path.split_first() {
        Some((first, rest)) if !matches!(first, Label::Index(_)) => {
            format!("{}: {}\n", first.selector(), nested(rest, &json))
        }
        _ => String::new(),
    }
}

fn nested(path: &[Label], json: &str) -> String {
    match path.split_first() {
        None => json.to_string(),
        Some((Label::Index(n), rest)) => {
            format!("[{}{}, ...]", "_, ".repeat(*n as usize), nested(rest, json))
        }
        Some((l, rest)) => format!("{{{}: {}}}", l.selector(), nested(rest, json)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn l(s: &str) -> Label {
        Label::from_ident(s)
    }

    fn eval(src: &str, fill: &str) -> Json {
        let text = format!("{src}\n{fill}");
        let mut ev = crate::cue::Evaluation::from_source("t.cue", &text).unwrap();
        let root = ev.root;
        ev.export(root).unwrap()
    }

    #[test]
    fn results_land_at_fields_and_list_elements() {
        let v = json!({"$returns": {"ok": true}});
        assert_eq!(
            text(&[l("a"), l("b")], &v),
            "a: {b: {\"$returns\":{\"ok\":true}}}\n"
        );
        let got = eval(
            "a: b: {x: 1, ...}",
            &text(&[l("a"), l("b")], &json!({"y": 2})),
        );
        assert_eq!(got, json!({"a": {"b": {"x": 1, "y": 2}}}));
        let got = eval(
            "a: [{x: 1, ...}, {x: 2, ...}, {x: 3, ...}]",
            &text(&[l("a"), Label::Index(1)], &json!({"y": 2})),
        );
        assert_eq!(got, json!({"a": [{"x": 1}, {"x": 2, "y": 2}, {"x": 3}]}));
        let got = eval(
            "a: [{b: {x: 1, ...}}, {b: {x: 2, ...}}]",
            &text(&[l("a"), Label::Index(1), l("b")], &json!({"y": 2})),
        );
        assert_eq!(
            got,
            json!({"a": [{"b": {"x": 1}}, {"b": {"x": 2, "y": 2}}]})
        );
        let got = eval(
            "_h: c: {x: 1, ...}\nout: _h.c",
            &text(&[l("_h"), l("c")], &json!({"y": 2})),
        );
        assert_eq!(got, json!({"out": {"x": 1, "y": 2}}));
        let got = eval(
            "\"a-b\": {x: 1, ...}",
            &text(&[Label::string("a-b")], &json!({"y": 2})),
        );
        assert_eq!(got, json!({"a-b": {"x": 1, "y": 2}}));
    }
}
