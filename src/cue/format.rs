//! Printing values as CUE text (`velac cue eval`).

use super::eval::{ArcType, Engine};
use super::label::Label;
use super::value::{VId, Value};

impl Engine {
    /// The value of `v` as CUE source: fields, definitions and constraints;
    /// errors print as `_|_ // message`.
    pub fn format(&mut self, v: VId) -> String {
        let mut out = String::new();
        let v = self.deref(v);
        self.expand(v);
        let v = self.deref(v);
        self.walk(|e| {
            if e.v(v).parent.is_none() && e.v(v).is_struct && e.v(v).err.is_none() {
                e.format_fields(v, 0, &mut out);
                if out.ends_with('\n') {
                    out.pop();
                }
            } else {
                e.format_value(v, 0, &mut out);
            }
        });
        out
    }

    fn format_fields(&mut self, v: VId, indent: usize, out: &mut String) {
        let arcs = self.field_order(v);
        for a in arcs {
            let (label, at) = (self.v(a).label, self.v(a).arc_type);
            if label.is_hidden() || label == Label::Temp {
                continue;
            }
            out.push_str(&"\t".repeat(indent));
            out.push_str(&label.selector());
            out.push_str(match at {
                ArcType::Regular => "",
                ArcType::Required => "!",
                ArcType::Optional => "?",
            });
            out.push_str(": ");
            self.format_value(a, indent, out);
            out.push('\n');
        }
    }

    fn format_value(&mut self, v: VId, indent: usize, out: &mut String) {
        if indent > 100 {
            out.push_str("_|_ // too deep");
            return;
        }
        let v = self.deref(v);
        self.expand(v);
        let v = self.deref(v);
        if let Err(e) = self.walk_enter(v) {
            out.push_str(&format!("_|_ // {}", e.msg));
            return;
        }
        self.format_vertex(v, indent, out);
        self.walk_leave();
    }

    fn format_vertex(&mut self, v: VId, indent: usize, out: &mut String) {
        if let Some(e) = self.v(v).err.clone() {
            out.push_str(&format!("_|_ // {}", e.msg.replace('\n', " ")));
            return;
        }
        let vx = self.v(v);
        if vx.is_struct {
            if vx.arcs.iter().all(|r| r.label.is_hidden()) {
                out.push_str("{}");
                return;
            }
            out.push_str("{\n");
            self.format_fields(v, indent + 1, out);
            out.push_str(&"\t".repeat(indent));
            out.push('}');
            return;
        }
        if let Some(info) = &vx.list {
            let open = !info.tails.is_empty();
            let tails = info.tails.clone();
            let arcs = vx.arc_ids();
            let mut tail_types = Vec::new();
            for t in &tails {
                if let (Some(e), Some(env)) = (&t.expr, &t.env) {
                    let val = self.eval(e, env);
                    tail_types.push(self.short_string(&val));
                }
            }
            let ellipsis = format!("...{}", tail_types.join(" & "));
            if arcs.is_empty() {
                out.push_str(&if open {
                    format!("[{ellipsis}]")
                } else {
                    "[]".into()
                });
                return;
            }
            out.push('[');
            for (i, a) in arcs.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                self.format_value(*a, indent, out);
            }
            if open {
                out.push_str(", ");
                out.push_str(&ellipsis);
            }
            out.push(']');
            return;
        }
        let val = vx.value.clone();
        match &val {
            Value::Bottom(b) => out.push_str(&format!("_|_ // {}", b.msg.replace('\n', " "))),
            other => out.push_str(&self.short_string(other)),
        }
    }
}
