//! `vela/util` and `vela/time`: conversions and logs, no IO.

use crate::apply::Event;
use crate::apply::host::StepHost;
use crate::step::{Call, Reply};
use base64::Engine as _;
use serde_json::{Value as Json, json};

/// Runs one `vela/util` function.
pub fn call(h: &mut StepHost, call: &Call) -> Result<Reply, String> {
    let p = &call.params;
    let returns = match call.func.name {
        // Bytes arrive exported as base64 (how CUE's JSON writes them).
        "string" => {
            let bt = match p.get("bt") {
                Some(Json::String(s)) => base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map_err(|e| format!("$params.bt: {e}"))?,
                _ => return Err("$params.bt must be bytes".into()),
            };
            let s = String::from_utf8(bt).map_err(|_| "$params.bt is not UTF-8 text")?;
            Some(json!({ "str": s }))
        }
        "log" => {
            if let Some(d) = p.get("data") {
                let message = match d {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                };
                h.app.ctx.events.emit(Event::Log {
                    step: h.step.name.clone(),
                    message,
                });
            }
            None
        }
        "patch-k8s-object" => {
            let value = p.get("value").cloned().unwrap_or_else(|| json!({}));
            let patch = p.get("patch").cloned().unwrap_or_else(|| json!({}));
            let docs = call.patch_docs.clone().unwrap_or_default();
            let result =
                crate::render::patch::apply(&value, &patch, &docs).map_err(|e| e.to_string())?;
            Some(json!({ "result": result }))
        }
        other => return Err(format!("function {other:?} not found in provider \"util\"")),
    };
    Ok(Reply {
        returns,
        wait: None,
    })
}

/// Runs one `vela/time` function (UTC; Go layouts, RFC 3339 when empty).
pub fn time(call: &Call) -> Result<Reply, String> {
    let p = &call.params;
    let layout = p.get("layout").and_then(Json::as_str).unwrap_or("");
    let fmt = if layout.is_empty() {
        None
    } else {
        Some(go_layout(layout)?)
    };
    let returns = match call.func.name {
        "timestamp" => {
            let date = p
                .get("date")
                .and_then(Json::as_str)
                .ok_or("$params.date must be a string")?;
            let t: jiff::Timestamp = match &fmt {
                None => date.parse().map_err(|e| format!("{date:?}: {e}"))?,
                Some(f) => jiff::fmt::strtime::parse(f, date)
                    .and_then(|b| {
                        b.to_timestamp().or_else(|_| {
                            b.to_datetime()
                                .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC))
                                .map(|z| z.timestamp())
                        })
                    })
                    .map_err(|e| format!("{date:?} does not match {layout:?}: {e}"))?,
            };
            json!({ "timestamp": t.as_second() })
        }
        "date" => {
            let ts = p
                .get("timestamp")
                .and_then(Json::as_i64)
                .ok_or("$params.timestamp must be an integer")?;
            let t = jiff::Timestamp::from_second(ts).map_err(|e| e.to_string())?;
            let z = t.to_zoned(jiff::tz::TimeZone::UTC);
            let date = match &fmt {
                None => t.to_string(),
                Some(f) => z.strftime(f).to_string(),
            };
            json!({ "date": date })
        }
        other => return Err(format!("function {other:?} not found in provider \"time\"")),
    };
    Ok(Reply {
        returns: Some(returns),
        wait: None,
    })
}

/// A Go time layout (`2006-01-02 15:04:05`) as a strftime format.
pub fn go_layout(layout: &str) -> Result<String, String> {
    const TOKENS: &[(&str, &str)] = &[
        ("2006", "%Y"),
        ("Z07:00", "%:z"),
        ("-07:00", "%:z"),
        ("-0700", "%z"),
        ("January", "%B"),
        ("Monday", "%A"),
        ("Jan", "%b"),
        ("Mon", "%a"),
        ("MST", "%Z"),
        ("01", "%m"),
        ("02", "%d"),
        ("15", "%H"),
        ("03", "%I"),
        ("04", "%M"),
        ("05", "%S"),
        ("06", "%y"),
        ("PM", "%p"),
        (".000", ".%3f"),
        ("_2", "%e"),
    ];
    let mut out = String::new();
    let mut rest = layout;
    'outer: while !rest.is_empty() {
        for (go, st) in TOKENS {
            if let Some(r) = rest.strip_prefix(go) {
                out.push_str(st);
                rest = r;
                continue 'outer;
            }
        }
        let c = rest.chars().next().ok_or("empty layout")?;
        if c == '%' {
            out.push_str("%%");
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, params: Json) -> Call {
        Call {
            func: crate::step::legacy::resolve("time", name).unwrap(),
            path: "t".into(),
            params,
            patch_docs: None,
        }
    }

    #[test]
    fn dates_and_timestamps_round_trip_in_go_layouts() {
        let r = time(&call("timestamp", json!({"date": "2026-12-07T10:00:00Z"}))).unwrap();
        assert_eq!(r.returns.unwrap()["timestamp"], json!(1_796_637_600));
        let r = time(&call(
            "date",
            json!({"timestamp": 1_796_637_600, "layout": "2006-01-02 15:04"}),
        ))
        .unwrap();
        assert_eq!(r.returns.unwrap()["date"], json!("2026-12-07 10:00"));
        let r = time(&call(
            "timestamp",
            json!({"date": "2026-12-07 10:00:00", "layout": "2006-01-02 15:04:05"}),
        ))
        .unwrap();
        assert_eq!(r.returns.unwrap()["timestamp"], json!(1_796_637_600));
    }
}
