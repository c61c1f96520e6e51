//! The Events API endpoints: `POST /slack/events` and `POST /slack/interactions`.
//!
//! Every request is checked first (signature `v0=HMAC-SHA256(secret, "v0:" + ts + ":" + body)` and
//! a timestamp within 5 minutes); anything that fails is answered 401 and has no effect. The
//! headers are checked before a byte of the body is read (present, a fresh timestamp, a signature
//! of the right form), so an unsigned request costs no buffering; a body larger than
//! [`MAX_BODY_BYTES`] is answered 413 (at once when its `Content-Length` says so), and at most
//! [`MAX_BODIES_IN_FLIGHT`] bodies are read at a time (503 above that; Slack retries).
//!
//! A valid request is answered 200 once it is safe: with an [`Intake`] ([`events_router_durable`],
//! what `kmsbot serve` uses) only after the payload is stored (503 when it cannot be: Slack
//! retries), so an acknowledged event is never lost; without one ([`events_router_with`]) at once,
//! delivering on a spawned task. Slack wants an answer within 3 s and retries otherwise; retries
//! carry the same event ids, so the bot's dedupe absorbs them.

use super::api::SlackChat;
use super::decode::ThreadOracle;
use super::{SlackSecret, SlackSettings};
use crate::chat::{ChatError, EventSink, Intake, Platform, RawInbound, RawKind};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tracing::{debug, warn};

/// The largest request body accepted from Slack. Slack caps a message's text at 40,000
/// characters; an event carries it twice (text and rich-text blocks), at most 4 bytes a
/// character, plus its envelope: about 330 KB. Interactions carry the bot's own short messages.
pub const MAX_BODY_BYTES: usize = 512 * 1024;
/// How many Slack request bodies are read at once; more are answered 503 (Slack retries). With
/// [`MAX_BODY_BYTES`] this bounds the memory forged-but-well-formed requests can hold to 16 MiB.
pub const MAX_BODIES_IN_FLIGHT: usize = 32;

/// Events being handled at once by a router without an intake ([`events_router_with`]); more are
/// answered 503 (Slack retries).
pub const DELIVERIES_IN_FLIGHT: usize = 1024;

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

/// The signature headers of a request, checked before its body is read.
struct Signed<'a> {
    timestamp: &'a str,
    signature: &'a str,
}

/// Checks what can be checked without the body: both headers present, the timestamp a number
/// within the tolerance of `now`, and the signature of Slack's form (`v0=` and 64 hex digits).
fn check_headers(headers: &HeaderMap, now: i64) -> Result<Signed<'_>, SignatureError> {
    let get = |name: &'static str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or(SignatureError::MissingHeader(name))
    };
    let timestamp = get(TIMESTAMP_HEADER)?;
    let signature = get(SIGNATURE_HEADER)?;
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::BadTimestamp)?;
    let skew = now.saturating_sub(ts);
    if skew.abs() > TIMESTAMP_TOLERANCE_SECS {
        return Err(SignatureError::Stale(skew));
    }
    let hex = signature.strip_prefix("v0=").unwrap_or_default();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SignatureError::Mismatch);
    }
    Ok(Signed {
        timestamp,
        signature,
    })
}

/// Why a request's body was not read whole.
enum BodyRefusal {
    TooLarge,
    Busy,
    Broken,
}

impl IntoResponse for BodyRefusal {
    fn into_response(self) -> Response {
        match self {
            BodyRefusal::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a Slack request body is at most {MAX_BODY_BYTES} bytes\n"),
            )
                .into_response(),
            BodyRefusal::Busy => StatusCode::SERVICE_UNAVAILABLE.into_response(),
            BodyRefusal::Broken => StatusCode::BAD_REQUEST.into_response(),
        }
    }
}

/// Reads a body of at most [`MAX_BODY_BYTES`], refusing at once when `Content-Length` is larger.
async fn read_capped(
    permits: &Arc<Semaphore>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Bytes, BodyRefusal> {
    use http_body_util::{BodyExt as _, LengthLimitError, Limited};
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(BodyRefusal::TooLarge);
    }
    let Ok(_permit) = permits.clone().try_acquire_owned() else {
        return Err(BodyRefusal::Busy);
    };
    match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(BodyRefusal::TooLarge),
        Err(_) => Err(BodyRefusal::Broken),
    }
}

/// Checks the headers, reads the body (capped) and checks its signature; the refusal is the
/// answer to send.
async fn signed_body(state: &EventsState, req: Request, what: &str) -> Result<Bytes, Response> {
    let (parts, body) = req.into_parts();
    let now = now_unix();
    let signed = match check_headers(&parts.headers, now) {
        Ok(s) => s,
        Err(e) => {
            warn!(reason = %e, "refused an unsigned or stale Slack {what} (body not read)");
            return Err(StatusCode::UNAUTHORIZED.into_response());
        }
    };
    let bytes = match read_capped(&state.bodies, &parts.headers, body).await {
        Ok(b) => b,
        Err(refusal) => {
            if matches!(refusal, BodyRefusal::TooLarge) {
                warn!("refused a Slack {what}: body over {MAX_BODY_BYTES} bytes");
            }
            return Err(refusal.into_response());
        }
    };
    if let Err(e) = verify_request(
        state.secret.expose(),
        signed.timestamp,
        signed.signature,
        &bytes,
        now,
    ) {
        warn!(reason = %e, "refused an unsigned or stale Slack {what}");
        return Err(StatusCode::UNAUTHORIZED.into_response());
    }
    Ok(bytes)
}

/// Where a valid payload goes.
#[derive(Clone)]
enum Target {
    /// Delivered on a spawned task, after the answer; at most [`DELIVERIES_IN_FLIGHT`] at once
    /// (503 above that: Slack retries).
    Sink {
        chat: Arc<SlackChat>,
        threads: Arc<dyn ThreadOracle>,
        sink: Arc<dyn EventSink>,
        deliveries: Arc<Semaphore>,
    },
    /// Stored before the answer.
    Intake(Arc<dyn Intake>),
}

#[derive(Clone)]
struct EventsState {
    target: Target,
    secret: SlackSecret,
    bodies: Arc<Semaphore>,
}

impl EventsState {
    /// Hands a payload on; the answer to give Slack.
    async fn accept(&self, kind: RawKind, payload: Value, body: Option<String>) -> Response {
        match &self.target {
            Target::Sink {
                chat,
                threads,
                sink,
                deliveries,
            } => {
                let Ok(permit) = deliveries.clone().try_acquire_owned() else {
                    warn!("too many Slack events being handled; answered 503 (Slack retries)");
                    return StatusCode::SERVICE_UNAVAILABLE.into_response();
                };
                let inbound = match kind {
                    RawKind::Event => super::socket::Inbound::Event(payload),
                    RawKind::Interaction => super::socket::Inbound::Interaction(payload),
                };
                let (chat, threads, sink) = (chat.clone(), threads.clone(), sink.clone());
                tokio::spawn(async move {
                    let _permit = permit;
                    super::socket::process(chat, threads, sink, inbound).await;
                });
                StatusCode::OK.into_response()
            }
            Target::Intake(intake) => {
                let raw = RawInbound {
                    platform: Platform::Slack,
                    kind,
                    dedupe: super::socket::dedupe_key(kind, &payload),
                    order_key: super::socket::order_key(kind, &payload),
                    body: body.unwrap_or_else(|| payload.to_string()),
                };
                match intake.persist(raw).await {
                    Ok(()) => StatusCode::OK.into_response(),
                    Err(e) => {
                        warn!(error = %e, "cannot store a Slack payload; answered 503 (Slack retries)");
                        StatusCode::SERVICE_UNAVAILABLE.into_response()
                    }
                }
            }
        }
    }
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
    router(
        Target::Sink {
            chat,
            threads,
            sink,
            deliveries: Arc::new(Semaphore::new(DELIVERIES_IN_FLIGHT)),
        },
        signing_secret,
    )
}

/// The Events API router that stores every valid payload through `intake` before answering 200
/// (and answers 503 when it cannot: Slack retries). Whoever reads the intake decodes and
/// delivers the payloads ([`super::handle_stored`]).
pub fn events_router_durable(intake: Arc<dyn Intake>, signing_secret: SlackSecret) -> Router {
    router(Target::Intake(intake), signing_secret)
}

fn router(target: Target, signing_secret: SlackSecret) -> Router {
    let state = EventsState {
        target,
        secret: signing_secret,
        bodies: Arc::new(Semaphore::new(MAX_BODIES_IN_FLIGHT)),
    };
    Router::new()
        .route("/slack/events", post(events))
        .route("/slack/interactions", post(interactions))
        .with_state(state)
}

async fn events(State(state): State<EventsState>, req: Request) -> Response {
    let retry = req
        .headers()
        .get("x-slack-retry-num")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = match signed_body(&state, req, "request").await {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
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
            if let Some(retry) = retry {
                debug!(retry, "Slack redelivery");
            }
            // Signed and checked UTF-8 by `verify_request`; stored as it came.
            let text = String::from_utf8(body.to_vec()).ok();
            state.accept(RawKind::Event, payload, text).await
        }
        _ => StatusCode::OK.into_response(),
    }
}

async fn interactions(State(state): State<EventsState>, req: Request) -> Response {
    let body = match signed_body(&state, req, "interaction").await {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
    let payload = form_urlencoded::parse(&body)
        .find(|(k, _)| k == "payload")
        .and_then(|(_, v)| serde_json::from_str::<Value>(&v).ok());
    let Some(payload) = payload else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    state.accept(RawKind::Interaction, payload, None).await
}
