//! Socket Mode, written over tokio-tungstenite rather than slack-morphism's listener.
//!
//! Why not slack-morphism's `SlackClientSocketModeListener` (checked against 2.31): it does take
//! `ws://` URLs and has public `start()`/`shutdown()`, so loopback tests and a clean stop would
//! work with it. What it does not do: it acknowledges an envelope only after the user callback
//! returns (a slow turn delays the ack past Slack's 3 s and Slack redelivers), and between
//! reconnect attempts it waits a fixed `reconnect_timeout_in_seconds` rather than a growing,
//! bounded backoff. Here: `apps.connections.open` through [`SlackChat`] (so the configured
//! api_url and connector apply), and reconnect on close, error, silence or a `disconnect`
//! envelope, with a bounded backoff. Each envelope is either
//! * stored through an [`Intake`] and acknowledged (`{"envelope_id":..}`) once stored
//!   ([`run_socket_mode_durable`], what `kmsbot serve` uses: an acknowledged envelope is never
//!   lost; up to [`PERSISTS_IN_FLIGHT`] are being stored at once, so the socket never waits for
//!   one commit at a time), or
//! * acknowledged as soon as it is read and queued to one worker ([`run_socket_mode_with`]:
//!   ordered delivery; the queue is bounded, [`QUEUE_CAPACITY`], and a full queue pauses reading).

use super::api::SlackChat;
use super::decode::{decode_event, decode_interaction, ThreadOracle};
use super::SlackSettings;
use crate::chat::{ChatError, EventSink, Intake, Platform, RawInbound, RawKind};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Semaphore};
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn};

/// Client ping period; a connection silent for [`SILENCE_LIMIT`] is considered dead.
const PING_EVERY: Duration = Duration::from_secs(30);
const SILENCE_LIMIT: Duration = Duration::from_secs(90);
/// First and largest delay between failed connection attempts.
const BACKOFF_START: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// A connection that lasted less than this counts as flapping: reconnect after a short pause.
const SHORT_SESSION: Duration = Duration::from_secs(2);

/// Envelopes being stored at once (durable mode); more wait before the socket is read further.
pub const PERSISTS_IN_FLIGHT: usize = 256;
/// Payloads acknowledged and waiting for the worker (non-durable mode).
pub const QUEUE_CAPACITY: usize = 1024;

/// The platform's id of a payload, stable across redeliveries (`event_id` of an event callback;
/// interactions carry none).
pub(crate) fn dedupe_key(kind: RawKind, payload: &Value) -> Option<String> {
    match kind {
        RawKind::Event => payload
            .get("event_id")
            .and_then(Value::as_str)
            .map(|id| format!("slack:{id}")),
        RawKind::Interaction => None,
    }
}

/// The channel of a payload (what keeps its order): `event.channel` (`event.item.channel` for
/// reactions) of an event callback, `channel.id` of an interaction.
pub(crate) fn order_key(kind: RawKind, payload: &Value) -> Option<String> {
    let channel = match kind {
        RawKind::Event => payload
            .pointer("/event/channel")
            .or_else(|| payload.pointer("/event/item/channel")),
        RawKind::Interaction => payload.pointer("/channel/id"),
    };
    channel.and_then(Value::as_str).map(str::to_string)
}

/// Decodes a payload stored through an [`Intake`] (`body` as stored, `kind` its kind) and hands
/// it to `sink`, as a freshly received one would be. A payload that is not JSON is logged and
/// dropped.
pub async fn handle_stored(
    chat: Arc<SlackChat>,
    threads: Arc<dyn ThreadOracle>,
    sink: Arc<dyn EventSink>,
    kind: RawKind,
    body: &str,
) {
    let Ok(payload) = serde_json::from_str::<Value>(body) else {
        warn!("a stored Slack payload is not JSON; dropped");
        return;
    };
    let inbound = match kind {
        RawKind::Event => Inbound::Event(payload),
        RawKind::Interaction => Inbound::Interaction(payload),
    };
    process(chat, threads, sink, inbound).await;
}

/// A payload waiting to be decoded and delivered.
pub(crate) enum Inbound {
    /// An Events API callback (`event_callback`).
    Event(Value),
    /// An interaction payload (`block_actions`, ...).
    Interaction(Value),
}

/// Decodes one payload and hands it to the sink, with the user's display name filled in.
pub(crate) async fn process(
    chat: Arc<SlackChat>,
    threads: Arc<dyn ThreadOracle>,
    sink: Arc<dyn EventSink>,
    inbound: Inbound,
) {
    // The bot's id is needed to ignore its own messages and strip its mention; auth.test is
    // cached after the first success, so the retries only matter while Slack is unreachable.
    let mut tries = 0;
    let bot = loop {
        match chat.bot_user_id().await {
            Ok(bot) => break bot,
            Err(e) if tries < 3 => {
                tries += 1;
                warn!(error = %e, tries, "auth.test failed; retrying");
                tokio::time::sleep(Duration::from_millis(500) * tries).await;
            }
            Err(e) => {
                error!(error = %e, "cannot learn the bot's user id (auth.test); dropping a Slack event");
                return;
            }
        }
    };
    let decoded = match &inbound {
        Inbound::Event(payload) => decode_event(payload, &bot, threads.as_ref()),
        Inbound::Interaction(payload) => decode_interaction(payload, &bot),
    };
    let Some(mut incoming) = decoded else {
        return;
    };
    if incoming.user_name.is_none() {
        incoming.user_name = chat.display_name(&incoming.user).await;
    }
    debug!(event_id = %incoming.event_id, "delivering a Slack event");
    sink.deliver(incoming).await;
}

/// Runs Socket Mode for `settings` until `shutdown` is cancelled (its own [`SlackChat`], which is
/// also the thread oracle). Prefer [`run_socket_mode_with`] with the outbox's `SlackChat`.
pub async fn run_socket_mode(
    settings: &SlackSettings,
    sink: Arc<dyn EventSink>,
    shutdown: CancellationToken,
) -> Result<(), ChatError> {
    let chat = Arc::new(SlackChat::new(settings)?);
    run_socket_mode_with(
        chat.clone(),
        chat,
        sink,
        settings.max_reconnect_attempts,
        shutdown,
    )
    .await
}

enum SessionEnd {
    Shutdown,
    Lost,
}

/// Runs Socket Mode until `shutdown` is cancelled (then returns `Ok` once queued events are
/// delivered), or until `max_failures` connection attempts in a row fail, or Slack rejects the app
/// token (then returns the error).
pub async fn run_socket_mode_with(
    chat: Arc<SlackChat>,
    threads: Arc<dyn ThreadOracle>,
    sink: Arc<dyn EventSink>,
    max_failures: u32,
    shutdown: CancellationToken,
) -> Result<(), ChatError> {
    if let Err(e) = chat.bot_user_id().await {
        warn!(error = %e, "auth.test failed; will retry when the first event arrives");
    }
    let (tx, mut rx) = mpsc::channel::<Inbound>(QUEUE_CAPACITY);
    let worker = {
        let chat = chat.clone();
        tokio::spawn(async move {
            while let Some(inbound) = rx.recv().await {
                process(chat.clone(), threads.clone(), sink.clone(), inbound).await;
            }
        })
    };
    let target = Target::Queue(tx);
    let result = connect_loop(&chat, &target, max_failures, &shutdown).await;
    drop(target);
    if worker.await.is_err() {
        error!("the Slack event worker panicked");
    }
    result
}

/// Runs Socket Mode, storing every `events_api` and `interactive` envelope through `intake` and
/// acknowledging it once stored, until `shutdown` is cancelled (then returns `Ok` once the
/// envelopes being stored are stored and acknowledged, or after 5 s), or until `max_failures`
/// connection attempts in a row fail, or Slack rejects the app token (then returns the error).
/// Whoever reads the intake decodes and delivers ([`handle_stored`]).
pub async fn run_socket_mode_durable(
    chat: Arc<SlackChat>,
    intake: Arc<dyn Intake>,
    max_failures: u32,
    shutdown: CancellationToken,
) -> Result<(), ChatError> {
    let target = Target::Intake(intake, Arc::new(Semaphore::new(PERSISTS_IN_FLIGHT)));
    connect_loop(&chat, &target, max_failures, &shutdown).await
}

/// Where a session puts the envelopes it reads.
enum Target {
    /// Acknowledged at once, then queued to the worker.
    Queue(mpsc::Sender<Inbound>),
    /// Stored, then acknowledged (the semaphore bounds the stores in flight).
    Intake(Arc<dyn Intake>, Arc<Semaphore>),
}

async fn connect_loop(
    chat: &SlackChat,
    target: &Target,
    max_failures: u32,
    shutdown: &CancellationToken,
) -> Result<(), ChatError> {
    let mut failures: u32 = 0;
    loop {
        if shutdown.is_cancelled() {
            break Ok(());
        }
        if failures > 0 {
            let delay = BACKOFF_START
                .saturating_mul(1 << (failures - 1).min(6))
                .min(BACKOFF_MAX);
            tokio::select! {
                _ = shutdown.cancelled() => break Ok(()),
                _ = tokio::time::sleep(delay) => {}
            }
        }
        let started = Instant::now();
        match session(chat, target, shutdown).await {
            Ok(SessionEnd::Shutdown) => break Ok(()),
            Ok(SessionEnd::Lost) => {
                failures = u32::from(started.elapsed() < SHORT_SESSION);
                info!("Slack Socket Mode connection ended; reconnecting");
            }
            Err(e @ ChatError::Rejected { .. }) => {
                error!(error = %e, "Slack refused the Socket Mode connection");
                break Err(e);
            }
            Err(e) => {
                failures += 1;
                warn!(error = %e, failures, "Slack Socket Mode connection failed");
                if failures >= max_failures.max(1) {
                    break Err(e);
                }
            }
        }
    }
}

fn lost(detail: impl std::fmt::Display) -> ChatError {
    ChatError::Unreachable {
        platform: Platform::Slack,
        detail: detail.to_string(),
    }
}

/// One connection: open, read envelopes until it ends. `Err` only when it could not be opened or
/// never said hello; once it greeted us, its end is `Lost` (reconnect at once).
async fn session(
    chat: &SlackChat,
    target: &Target,
    shutdown: &CancellationToken,
) -> Result<SessionEnd, ChatError> {
    let url = tokio::select! {
        _ = shutdown.cancelled() => return Ok(SessionEnd::Shutdown),
        url = chat.open_socket_url() => url?,
    };
    if url.starts_with("wss:") {
        super::api::install_crypto_provider();
    }
    let (ws, _) = tokio::select! {
        _ = shutdown.cancelled() => return Ok(SessionEnd::Shutdown),
        connected = tokio_tungstenite::connect_async(url.as_str()) => {
            connected.map_err(|e| lost(format!("Socket Mode connect: {e}")))?
        }
    };
    let (mut writer, mut reader) = ws.split();
    // Acks of envelopes stored by their persist tasks (durable mode); never more than the
    // persists in flight, so a task's send never waits.
    let (ack_tx, mut ack_rx) = mpsc::channel::<String>(PERSISTS_IN_FLIGHT);
    let mut greeted = false;
    let mut last_heard = Instant::now();
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    let ended = |greeted: bool, why: &str| {
        if greeted {
            debug!(why, "Socket Mode connection ended");
            Ok(SessionEnd::Lost)
        } else {
            Err(lost(format!(
                "Socket Mode connection ended before hello: {why}"
            )))
        }
    };
    loop {
        let frame = tokio::select! {
            _ = shutdown.cancelled() => {
                // Envelopes being stored are acknowledged once stored (bounded wait): any not
                // acknowledged is redelivered by Slack, and its copy is deduplicated.
                drop(ack_tx);
                let drain = async {
                    while let Some(ack) = ack_rx.recv().await {
                        if writer.send(Message::Text(ack.into())).await.is_err() {
                            break;
                        }
                    }
                };
                let _ = tokio::time::timeout(Duration::from_secs(5), drain).await;
                let _ = writer.send(Message::Close(None)).await;
                return Ok(SessionEnd::Shutdown);
            }
            Some(ack) = ack_rx.recv() => {
                if writer.send(Message::Text(ack.into())).await.is_err() {
                    // Stored but not acknowledged: Slack redelivers, the copy is deduplicated.
                    return ended(greeted, "ack failed");
                }
                continue;
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > SILENCE_LIMIT {
                    return ended(greeted, "silent connection");
                }
                if writer.send(Message::Ping(Vec::new().into())).await.is_err() {
                    return ended(greeted, "ping failed");
                }
                continue;
            }
            frame = reader.next() => frame,
        };
        let text = match frame {
            None => return ended(greeted, "closed"),
            Some(Err(e)) => return ended(greeted, &e.to_string()),
            Some(Ok(Message::Close(_))) => return ended(greeted, "close frame"),
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(_)) => {
                last_heard = Instant::now();
                continue;
            }
        };
        last_heard = Instant::now();
        let Ok(envelope) = serde_json::from_str::<Value>(text.as_str()) else {
            warn!("unparseable Socket Mode frame ignored");
            continue;
        };
        let kind = envelope
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match kind {
            "hello" => {
                greeted = true;
                info!("Slack Socket Mode connected");
                continue;
            }
            "disconnect" => {
                let reason = envelope
                    .get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown");
                info!(reason, "Slack asked to reconnect");
                let _ = writer.send(Message::Close(None)).await;
                return Ok(SessionEnd::Lost);
            }
            _ => {}
        }
        let ack = envelope
            .get("envelope_id")
            .and_then(Value::as_str)
            .map(|id| json!({ "envelope_id": id }).to_string());
        let raw_kind = match kind {
            "events_api" => Some(RawKind::Event),
            "interactive" => Some(RawKind::Interaction),
            _ => None,
        };
        let payload = envelope.get("payload").cloned().unwrap_or(Value::Null);
        match (target, raw_kind) {
            (Target::Intake(intake, persists), Some(raw_kind)) => {
                let Ok(permit) = persists.clone().acquire_owned().await else {
                    return Ok(SessionEnd::Shutdown);
                };
                let raw = RawInbound {
                    platform: Platform::Slack,
                    kind: raw_kind,
                    dedupe: dedupe_key(raw_kind, &payload),
                    order_key: order_key(raw_kind, &payload),
                    body: payload.to_string(),
                };
                let (intake, ack_tx) = (intake.clone(), ack_tx.clone());
                tokio::spawn(async move {
                    let _permit = permit;
                    match intake.persist(raw).await {
                        Ok(()) => {
                            if let Some(ack) = ack {
                                let _ = ack_tx.send(ack).await;
                            }
                        }
                        Err(e) => {
                            warn!(error = %e, "cannot store a Socket Mode envelope; not acknowledged (Slack redelivers)");
                        }
                    }
                });
            }
            (_, raw_kind) => {
                if let Some(ack) = ack {
                    if writer.send(Message::Text(ack.into())).await.is_err() {
                        // Not acknowledged: Slack will redeliver it on the next connection.
                        return ended(greeted, "ack failed");
                    }
                }
                let (Target::Queue(tx), Some(raw_kind)) = (target, raw_kind) else {
                    debug!(kind, "Socket Mode envelope acknowledged and ignored");
                    continue;
                };
                let inbound = match raw_kind {
                    RawKind::Event => Inbound::Event(payload),
                    RawKind::Interaction => Inbound::Interaction(payload),
                };
                if tx.send(inbound).await.is_err() {
                    return Ok(SessionEnd::Shutdown);
                }
            }
        }
    }
}
