//! `vela/email`: one HTML email over SMTP, as KubeVela sends it: From
//! `alias <address>`, every `to`, the subject, a `text/html` body, logged in
//! as `from.address`; TLS from the first byte on port 465, otherwise
//! STARTTLS, required (the password is never sent in clear) except to a
//! relay on this machine. Sent once per step attempt, and
//! synchronously: upstream sends in the background and waits for the
//! result on the step's next run.

use crate::apply::Event;
use crate::apply::host::StepHost;
use crate::step::{Call, Reply};
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use serde_json::{Value as Json, json};
use std::time::Duration;

/// Runs `email.send`.
pub fn call(h: &mut StepHost, call: &Call) -> Result<Reply, String> {
    if h.recalled(call).is_some() {
        return Ok(Reply::default());
    }
    let p = &call.params;
    let s = |path: &str| -> Result<String, String> {
        p.pointer(path)
            .and_then(Json::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("$params{} must be a string", path.replace('/', ".")))
    };
    let address = s("/from/address")?;
    let host = s("/from/host")?;
    let password = s("/from/password")?;
    let port = p
        .pointer("/from/port")
        .and_then(Json::as_u64)
        .and_then(|n| u16::try_from(n).ok())
        .ok_or("$params.from.port must be a port number")?;
    let alias = p.pointer("/from/alias").and_then(Json::as_str);
    let from: Mailbox = format!(
        "{}<{address}>",
        alias.map(|a| format!("{a} ")).unwrap_or_default()
    )
    .parse()
    .map_err(|e| format!("from {address:?}: {e}"))?;
    let mut m = Message::builder()
        .from(from)
        .subject(s("/content/subject")?);
    let to: Vec<String> = p
        .get("to")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if to.is_empty() {
        return Err("$params.to names no recipient".into());
    }
    for t in &to {
        m = m.to(t.parse().map_err(|e| format!("to {t:?}: {e}"))?);
    }
    let msg = m
        .header(ContentType::TEXT_HTML)
        .body(s("/content/body")?)
        .map_err(|e| e.to_string())?;
    let params = TlsParameters::new(host.clone()).map_err(|e| e.to_string())?;
    // The password never travels in clear: STARTTLS is required, except
    // to a relay on this machine (as Go's SMTP client allows).
    let local = matches!(host.as_str(), "localhost" | "127.0.0.1" | "::1");
    let tls = if port == 465 {
        Tls::Wrapper(params)
    } else if local {
        Tls::Opportunistic(params)
    } else {
        Tls::Required(params)
    };
    let mailer = SmtpTransport::builder_dangerous(&host)
        .port(port)
        .tls(tls)
        .credentials(Credentials::new(address.clone(), password))
        .timeout(Some(Duration::from_secs(30)))
        .build();
    mailer
        .send(&msg)
        .map_err(|e| format!("sending email through {host}:{port}: {e}"))?;
    h.app.ctx.events.emit(Event::Sent {
        step: h.step.name.clone(),
        what: format!("email to {} recipient(s) via {host}:{port}", to.len()),
        result: "sent".into(),
    });
    h.remember(call, json!({"sent": true}));
    Ok(Reply::default())
}
