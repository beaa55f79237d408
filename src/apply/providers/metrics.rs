//! `vela/metrics`: a Prometheus instant query held against a condition.
//! `result` is true once the condition held for `duration` without a
//! break; `failed` once it failed for `failDuration` without a break (the
//! step's template then fails it). Upstream reads the failure time from a
//! key it never writes, so its `failed` is never true.

use crate::apply::host::StepHost;
use crate::step::{Call, Reply};
use jiff::Timestamp;
use serde_json::{Value as Json, json};
use std::time::Duration;

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The single value a query gives: a scalar, or a vector of one sample.
fn single_value(body: &Json) -> Result<String, String> {
    if body.get("status").and_then(Json::as_str) != Some("success") {
        return Err(format!(
            "the query failed: {}",
            body.get("error")
                .and_then(Json::as_str)
                .unwrap_or("no status")
        ));
    }
    let data = &body["data"];
    let sample = match data.get("resultType").and_then(Json::as_str) {
        Some("scalar") => &data["result"],
        Some("vector") => match data["result"].as_array().map(Vec::as_slice) {
            Some([one]) => &one["value"],
            Some(v) => return Err(format!("the query gave {} samples, not one", v.len())),
            None => return Err("the query gave no result".into()),
        },
        other => {
            return Err(format!(
                "the query gave a {}, not a scalar or vector",
                other.unwrap_or("nothing")
            ));
        }
    };
    sample
        .get(1)
        .and_then(Json::as_str)
        .map(str::to_string)
        .ok_or_else(|| "the sample has no value".into())
}

/// `<value> <condition>` (e.g. `0.97 >=0.95`) evaluated as CUE.
pub fn holds(value: &str, condition: &str) -> Result<bool, String> {
    let text = format!("r: {value} {condition}\n");
    let mut ev = crate::cue::Evaluation::from_source("condition", &text).map_err(|d| {
        format!(
            "condition {condition:?}: {}",
            d.first().map_or("", |d| d.message.as_str())
        )
    })?;
    let v = ev.lookup("r").ok_or("no value")?;
    match ev.export(v) {
        Ok(Json::Bool(b)) => Ok(b),
        _ => Err(format!("{value} {condition} is not a comparison")),
    }
}

fn dur(p: &Json, k: &str, default: &str) -> Result<Duration, String> {
    let s = p.get(k).and_then(Json::as_str).unwrap_or(default);
    crate::apply::workflow::parse_duration(s)
        .ok_or_else(|| format!("$params.{k}: {s:?} is not a duration"))
}

/// Runs `metrics.promCheck`.
pub fn call(h: &mut StepHost, call: &Call) -> Result<Reply, String> {
    let p = &call.params;
    let query = p
        .get("query")
        .and_then(Json::as_str)
        .ok_or("$params.query must be a string")?;
    let condition = p
        .get("condition")
        .and_then(Json::as_str)
        .ok_or("$params.condition must be a string")?;
    let endpoint = p
        .get("metricEndpoint")
        .and_then(Json::as_str)
        .unwrap_or("http://prometheus-server.o11y-system.svc:9090")
        .trim_end_matches('/');
    let (hold, fail) = (dur(p, "duration", "5m")?, dur(p, "failDuration", "2m")?);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .build()
        .into();
    let url = format!("{endpoint}/api/v1/query?query={}", encode(query));
    let shown = super::http::origin(endpoint);
    let mut resp = agent.get(&url).call().map_err(|e| {
        format!(
            "querying {shown}: {}",
            super::http::scrub(&e.to_string(), &url)
        )
    })?;
    let text = resp
        .body_mut()
        .read_to_string()
        .map_err(|e| format!("querying {shown}: {e}"))?;
    let body: Json = serde_json::from_str(&text)
        .map_err(|e| format!("querying {shown}: the answer is not JSON: {e}"))?;
    let value = single_value(&body).map_err(|e| format!("query {query:?}: {e}"))?;
    let ok = holds(&value, condition)?;
    let now = Timestamp::now();
    let id = h.step.id.clone();
    let mem = h.app.wfctx.step(&id);
    let since = |s: &Option<String>| -> Duration {
        s.as_deref()
            .and_then(|t| t.parse::<Timestamp>().ok())
            .map(|t| now.duration_since(t).unsigned_abs())
            .unwrap_or_default()
    };
    let (result, failed, message) = if ok {
        mem.metrics_failing_since = None;
        mem.metrics_since.get_or_insert(now.to_string());
        let held = since(&mem.metrics_since);
        (
            held >= hold,
            false,
            format!(
                "{value} {condition} holds for {}s of {}s",
                held.as_secs(),
                hold.as_secs()
            ),
        )
    } else {
        mem.metrics_since = None;
        mem.metrics_failing_since.get_or_insert(now.to_string());
        let failing = since(&mem.metrics_failing_since);
        (
            false,
            failing >= fail,
            format!(
                "{value} {condition} does not hold (for {}s; fails after {}s)",
                failing.as_secs(),
                fail.as_secs()
            ),
        )
    };
    Ok(Reply {
        returns: Some(json!({"result": result, "failed": failed, "message": message})),
        wait: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_answers_give_one_value_held_against_the_condition() {
        let scalar =
            json!({"status": "success", "data": {"resultType": "scalar", "result": [1.0, "0.97"]}});
        assert_eq!(single_value(&scalar).unwrap(), "0.97");
        let two = json!({"status": "success", "data": {"resultType": "vector", "result": [{"value": [1, "1"]}, {"value": [1, "2"]}]}});
        assert!(single_value(&two).unwrap_err().contains("2 samples"));
        assert_eq!(holds("0.97", ">=0.95"), Ok(true));
        assert_eq!(holds("0.9", ">=0.95"), Ok(false));
        assert!(holds("0.9", "banana").is_err());
        assert_eq!(encode("rate(x[5m])"), "rate%28x%5B5m%5D%29");
    }
}
