//! The Events API endpoints: `POST /slack/events` and `POST /slack/interactions`.
//!
//! Every request is checked first (signature `v0=HMAC-SHA256(secret, "v0:" + ts + ":" + body)` and
//! a timestamp within 5 minutes); anything that fails is answered 401 and has no effect. A valid
//! request is answered 200 at once and delivered on a spawned task (Slack wants an answer within 3 s
//! and retries otherwise; retries carry the same event ids, so the bot's dedupe absorbs them).

use super::api::SlackChat;
use super::decode::ThreadOracle;
use super::{SlackSecret, SlackSettings};
use crate::chat::{ChatError, EventSink, Platform};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::sync::Arc;
use tracing::{debug, warn};

/// Header carrying Slack's request signature (`v0=<hex>`).
pub const SIGNATURE_HEADER: &str = "x-slack-signature";
/// Header carrying the Unix time Slack signed the request at.
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
/// How far (either way) a request's timestamp may be from now, in seconds.
pub const TIMESTAMP_TOLERANCE_SECS: i64 = 300;

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A signature or timestamp header is absent or not text.
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    /// The timestamp is not an integer.
    #[error("timestamp is not a number")]
    BadTimestamp,
    /// The timestamp is more than [`TIMESTAMP_TOLERANCE_SECS`] from now (a replay).
    #[error("timestamp is {0} s away from now")]
    Stale(i64),
    /// The signature does not match the body.
    #[error("signature does not match")]
    Mismatch,
}

/// The HMAC Slack signs with; only [`sign_request`] (tests and tools that sign) uses it.
fn mac_for(secret: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac
}

/// Slack's signature of a request: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>`.
pub fn sign_request(secret: &str, timestamp: &str, body: &[u8]) -> String {
    format!(
        "v0={}",
        hex::encode(mac_for(secret, timestamp, body).finalize().into_bytes())
    )
}

/// Checks a request's timestamp (within 5 minutes of `now_unix`) and signature.
///
/// The signature is checked by slack-morphism's `SlackEventSignatureVerifier` (constant-time
/// comparison). That verifier also checks the timestamp against the wall clock, after the
/// signature; so `IncorrectOrExpiredTimestampError` from it means the signature matched, and the
/// timestamp rule applied is ours, against `now_unix` (which lets tests use Slack's documented
/// example from 2018).
pub fn verify_request(
    secret: &str,
    timestamp: &str,
    signature: &str,
    body: &[u8],
    now_unix: i64,
) -> Result<(), SignatureError> {
    use slack_morphism::prelude::SlackSigningSecret;
    use slack_morphism::signature_verifier::{
        SlackEventSignatureVerifier, SlackEventSignatureVerifierError as VerifierError,
    };
    let timestamp = timestamp.trim();
    let ts: i64 = timestamp
        .parse()
        .map_err(|_| SignatureError::BadTimestamp)?;
    let skew = now_unix.saturating_sub(ts);
    if skew.abs() > TIMESTAMP_TOLERANCE_SECS {
        return Err(SignatureError::Stale(skew));
    }
    // Slack signs JSON or form-encoded bodies: always UTF-8.
    let body = std::str::from_utf8(body).map_err(|_| SignatureError::Mismatch)?;
    let verifier = SlackEventSignatureVerifier::new(&SlackSigningSecret::new(secret.to_string()));
    match verifier.verify(signature, body, timestamp) {
        Ok(()) | Err(VerifierError::IncorrectOrExpiredTimestampError(_)) => Ok(()),
        Err(_) => Err(SignatureError::Mismatch),
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn check(secret: &SlackSecret, headers: &HeaderMap, body: &[u8]) -> Result<(), SignatureError> {
    let get = |name: &'static str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or(SignatureError::MissingHeader(name))
    };
    let timestamp = get(TIMESTAMP_HEADER)?;
    let signature = get(SIGNATURE_HEADER)?;
    verify_request(secret.expose(), timestamp, signature, body, now_unix())
}

#[derive(Clone)]
struct EventsState {
    chat: Arc<SlackChat>,
    threads: Arc<dyn ThreadOracle>,
    sink: Arc<dyn EventSink>,
    secret: SlackSecret,
}

/// The Events API router for `settings` (its own [`SlackChat`], which is also the thread oracle).
///
/// Prefer [`events_router_with`] with the `SlackChat` the outbox uses, so threads the bot posted in
/// are recognised. Fails without a signing secret or with an unusable api_url.
pub fn events_router(
    settings: &SlackSettings,
    sink: Arc<dyn EventSink>,
) -> Result<Router, ChatError> {
    let chat = Arc::new(SlackChat::new(settings)?);
    let secret = settings
        .signing_secret
        .clone()
        .ok_or_else(|| ChatError::Rejected {
            platform: Platform::Slack,
            detail: "the Events API needs a signing secret".to_string(),
        })?;
    Ok(events_router_with(chat.clone(), chat, sink, secret))
}

/// The Events API router: `POST /slack/events` and `POST /slack/interactions`.
pub fn events_router_with(
    chat: Arc<SlackChat>,
    threads: Arc<dyn ThreadOracle>,
    sink: Arc<dyn EventSink>,
    signing_secret: SlackSecret,
) -> Router {
    let state = EventsState {
        chat,
        threads,
        sink,
        secret: signing_secret,
    };
    Router::new()
        .route("/slack/events", post(events))
        .route("/slack/interactions", post(interactions))
        .with_state(state)
}

async fn events(State(state): State<EventsState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(e) = check(&state.secret, &headers, &body) {
        warn!(reason = %e, "refused an unsigned or stale Slack request");
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Ok(payload) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    match payload.get("type").and_then(Value::as_str) {
        Some("url_verification") => {
            let challenge = payload
                .get("challenge")
                .and_then(Value::as_str)
                .unwrap_or_default();
            (
                [(header::CONTENT_TYPE, "text/plain")],
                challenge.to_string(),
            )
                .into_response()
        }
        Some("event_callback") => {
            if let Some(retry) = headers
                .get("x-slack-retry-num")
                .and_then(|v| v.to_str().ok())
            {
                debug!(retry, "Slack redelivery");
            }
            tokio::spawn(super::socket::process(
                state.chat.clone(),
                state.threads.clone(),
                state.sink.clone(),
                super::socket::Inbound::Event(payload),
            ));
            StatusCode::OK.into_response()
        }
        _ => StatusCode::OK.into_response(),
    }
}

async fn interactions(
    State(state): State<EventsState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(e) = check(&state.secret, &headers, &body) {
        warn!(reason = %e, "refused an unsigned or stale Slack interaction");
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let payload = form_urlencoded::parse(&body)
        .find(|(k, _)| k == "payload")
        .and_then(|(_, v)| serde_json::from_str::<Value>(&v).ok());
    let Some(payload) = payload else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    tokio::spawn(super::socket::process(
        state.chat.clone(),
        state.threads.clone(),
        state.sink.clone(),
        super::socket::Inbound::Interaction(payload),
    ));
    StatusCode::OK.into_response()
}
