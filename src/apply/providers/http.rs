//! `vela/http`: one request to the URL the step names. A status code is a
//! result, not an error (templates decide, as `request` does with codes
//! above 400); only transport failures fail the call. Differences from
//! KubeVela, on purpose:
//!
//! * redirects are not followed: a request goes only where the step says;
//! * TLS from `tls_config` fails loudly when the Secret is missing or its
//!   certificates do not parse (upstream silently falls back to no client
//!   certificate), and takes the Secret's data as Kubernetes stores it
//!   (upstream's second base64 layer is accepted too);
//! * a request other than GET is made once per step attempt: a step that
//!   waits or is retried reuses the response instead of posting again;
//! * messages name only the scheme and host, never the path or query,
//!   where webhook tokens live.

use crate::apply::Event;
use crate::apply::host::StepHost;
use crate::cluster::api::ObjRef;
use crate::step::{Call, Reply};
use base64::Engine as _;
use serde_json::{Map, Value as Json, json};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Requests at most this long without a `request.timeout` (upstream's 3 s).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// Bytes of an answer kept to replay it.
const MEMO_BODY: usize = 64 << 10;

/// A transport error's text without the URL (which may come from a Secret):
/// any spelling of it is replaced by its scheme and host.
pub fn scrub(err: &str, url: &str) -> String {
    let shown = origin(url);
    let mut out = err.replace(url, &shown);
    if let Some((_, rest)) = url.split_once("://") {
        out = out.replace(rest, &shown);
    }
    let path_start = url
        .split_once("://")
        .map_or(url, |(_, r)| r)
        .find(['/', '?', '#']);
    if let Some(i) = path_start {
        let tail = &url.split_once("://").map_or(url, |(_, r)| r)[i..];
        if tail.len() > 1 {
            out = out.replace(tail, "/…");
        }
    }
    out
}

/// Runs `http.do`.
pub fn call(h: &mut StepHost, call: &Call) -> Result<Reply, String> {
    let p = &call.params;
    let method = p.get("method").and_then(Json::as_str).unwrap_or("GET");
    let url = p
        .get("url")
        .and_then(Json::as_str)
        .ok_or("$params.url must be a string")?
        .to_string();
    let shown = origin(&url);
    let side_effect = method != "GET";
    if side_effect && let Some(r) = h.recalled(call) {
        return Ok(Reply {
            returns: Some(r),
            wait: None,
        });
    }
    let req = p.get("request").cloned().unwrap_or_else(|| json!({}));
    let timeout = match req.get("timeout").and_then(Json::as_str) {
        Some(t) => crate::apply::workflow::parse_duration(t)
            .ok_or_else(|| format!("request.timeout {t:?} is not a duration"))?,
        None => DEFAULT_TIMEOUT,
    };
    if let Some(rl) = req.get("ratelimiter") {
        limit(method, &url, rl)?;
    }
    let mut headers: Vec<(String, String)> = match req.get("header").and_then(Json::as_object) {
        Some(m) => m
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect(),
        None => vec![("Content-Type".into(), "application/json".into())],
    };
    if let Some(list) = req.get("headersFromSecret").and_then(Json::as_array) {
        let ns = h.app_namespace();
        for it in list {
            let s = |k: &str| it.get(k).and_then(Json::as_str).unwrap_or_default();
            let v = secret_key(h, &ns, s("secret"), s("key"))?;
            h.sensitive = true;
            headers.push((
                s("header").to_string(),
                String::from_utf8_lossy(&v).into_owned(),
            ));
        }
    }
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(t) = p.get("tls_config") {
        let name = t.get("secret").and_then(Json::as_str).unwrap_or_default();
        let ns = t
            .get("namespace")
            .and_then(Json::as_str)
            .map_or_else(|| h.app_namespace(), str::to_string);
        tls = tls_from_secret(h, tls, &ns, name)?;
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .tls_config(tls.build())
        .build()
        .into();
    let body = req
        .get("body")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_string();
    let sent = send(&agent, method, &url, &headers, &body)
        .map_err(|e| format!("{method} {shown}: {}", scrub(&e, &url)))?;
    let (status, resp_headers, text) = sent;
    let returns = json!({
        "statusCode": status,
        "body": text,
        "header": resp_headers,
        "trailer": {},
    });
    h.app.ctx.events.emit(Event::Sent {
        step: h.step.name.clone(),
        what: format!("{method} {shown}"),
        result: status.to_string(),
    });
    if side_effect {
        // A large answer is kept in part: the context stays small enough for
        // a hub Secret.
        let mut kept = returns.clone();
        if text.len() > MEMO_BODY {
            let mut cut = MEMO_BODY;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            kept["body"] = json!(&text[..cut]);
        }
        h.remember(call, kept);
    }
    Ok(Reply {
        returns: Some(returns),
        wait: None,
    })
}

type Response = (u16, Map<String, Json>, String);

fn send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: &str,
) -> Result<Response, String> {
    let res = match method {
        "GET" | "DELETE" => {
            let mut r = if method == "GET" {
                agent.get(url)
            } else {
                agent.delete(url)
            };
            for (k, v) in headers {
                r = r.header(k, v);
            }
            r.call()
        }
        "POST" | "PUT" => {
            let mut r = if method == "POST" {
                agent.post(url)
            } else {
                agent.put(url)
            };
            for (k, v) in headers {
                r = r.header(k, v);
            }
            r.send(body.as_bytes())
        }
        other => return Err(format!("method {other:?} is not GET, POST, PUT or DELETE")),
    };
    let mut resp = res.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let mut hs: Map<String, Json> = Map::new();
    for (k, v) in resp.headers() {
        let e = hs
            .entry(canonical_header(k.as_str()))
            .or_insert_with(|| json!([]));
        if let Some(a) = e.as_array_mut() {
            a.push(json!(String::from_utf8_lossy(v.as_bytes())));
        }
    }
    let bytes = resp
        .body_mut()
        .with_config()
        .limit(16 << 20)
        .read_to_vec()
        .map_err(|e| format!("reading the response: {e}"))?;
    Ok((status, hs, String::from_utf8_lossy(&bytes).into_owned()))
}

/// `content-type` as Go prints header names (`Content-Type`).
fn canonical_header(k: &str) -> String {
    k.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// `scheme://host[:port]` of a URL: what messages may show of it.
pub fn origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or(host);
    if scheme.is_empty() {
        host.to_string()
    } else {
        format!("{scheme}://{host}")
    }
}

/// Requests per `METHOD-url-without-query` in the last `period`, process
/// wide, as upstream's limiter keys them.
fn limit(method: &str, url: &str, rl: &Json) -> Result<(), String> {
    static SEEN: Mutex<Option<HashMap<String, Vec<Instant>>>> = Mutex::new(None);
    let n = rl
        .get("limit")
        .and_then(Json::as_u64)
        .ok_or("ratelimiter.limit must be a number")? as usize;
    let period = rl
        .get("period")
        .and_then(Json::as_str)
        .and_then(crate::apply::workflow::parse_duration)
        .ok_or("ratelimiter.period must be a duration")?;
    let key = format!("{method}-{}", url.split('?').next().unwrap_or(url));
    let mut g = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let m = g.get_or_insert_with(HashMap::new);
    let now = Instant::now();
    let v = m.entry(key).or_default();
    v.retain(|t| now.duration_since(*t) < period);
    if v.len() >= n {
        return Err(format!(
            "{method} {}: rate limit of {n} per {period:?} reached",
            origin(url)
        ));
    }
    v.push(now);
    Ok(())
}

/// A key of a Secret on the hub (or the current context), decoded.
pub fn secret_key(h: &StepHost, namespace: &str, name: &str, key: &str) -> Result<Vec<u8>, String> {
    let s = read_secret(h, namespace, name)?;
    let v = s
        .pointer(&format!(
            "/data/{}",
            key.replace('~', "~0").replace('/', "~1")
        ))
        .and_then(Json::as_str)
        .ok_or_else(|| format!("secret {namespace}/{name} has no key {key:?}"))?;
    base64::engine::general_purpose::STANDARD
        .decode(v)
        .map_err(|e| format!("secret {namespace}/{name} key {key:?}: {e}"))
}

fn read_secret(h: &StepHost, namespace: &str, name: &str) -> Result<Json, String> {
    let local = h.app.cluster("local")?;
    let r = ObjRef::new("v1", "Secret", namespace, name);
    local
        .get(&r)
        .map_err(|e| format!("reading secret {namespace}/{name}: {e}"))?
        .ok_or_else(|| format!("secret {namespace}/{name} not found"))
}

/// PEM from a Secret key: as Kubernetes stores it, or with upstream's extra
/// base64 layer.
fn pem(raw: Vec<u8>) -> Vec<u8> {
    if raw.starts_with(b"-----") {
        return raw;
    }
    let text: String = String::from_utf8_lossy(&raw)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap_or(raw)
}

fn tls_from_secret(
    h: &mut StepHost,
    mut tls: ureq::tls::TlsConfigBuilder,
    namespace: &str,
    name: &str,
) -> Result<ureq::tls::TlsConfigBuilder, String> {
    use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts};
    let s = read_secret(h, namespace, name)?;
    h.sensitive = true;
    let get = |k: &str| -> Option<Vec<u8>> {
        let v = s
            .pointer(&format!("/data/{}", k.replace('/', "~1")))?
            .as_str()?;
        base64::engine::general_purpose::STANDARD
            .decode(v)
            .ok()
            .map(pem)
    };
    let bad = |what: &str, e: ureq::Error| format!("secret {namespace}/{name}: {what}: {e}");
    if let Some(ca) = get("ca.crt") {
        let c = Certificate::from_pem(&ca).map_err(|e| bad("ca.crt", e))?;
        tls = tls.root_certs(RootCerts::new_with_certs(&[c]));
    }
    match (get("client.crt"), get("client.key")) {
        (Some(c), Some(k)) => {
            let cert = Certificate::from_pem(&c).map_err(|e| bad("client.crt", e))?;
            let key = PrivateKey::from_pem(&k).map_err(|e| bad("client.key", e))?;
            tls = tls.client_cert(Some(ClientCert::new_with_certs(&[cert], key)));
        }
        (None, None) => {}
        _ => {
            return Err(format!(
                "secret {namespace}/{name}: client.crt and client.key go together"
            ));
        }
    }
    Ok(tls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_show_only_scheme_and_host() {
        assert_eq!(
            origin("https://hooks.slack.com/services/T0/B0/secret?x=1"),
            "https://hooks.slack.com"
        );
        assert_eq!(origin("http://user:pw@h:8080/p"), "http://h:8080");
        assert_eq!(canonical_header("content-type"), "Content-Type");
        let url = "hooks.slack.com/services/T/B/s3cret";
        let e = scrub(&format!("bad uri: {url} is missing scheme"), url);
        assert!(!e.contains("s3cret"), "{e}");
        let url = "https://h/x/s3cret?k=v";
        let e = scrub(&format!("io: {url}: refused; /x/s3cret?k=v"), url);
        assert!(!e.contains("s3cret"), "{e}");
    }
}
