//! Socket Mode, written over tokio-tungstenite rather than slack-morphism's listener.
//!
//! Why not slack-morphism's `SlackClientSocketModeListener` (checked against 2.31): it does take
//! `ws://` URLs and has public `start()`/`shutdown()`, so loopback tests and a clean stop would
//! work with it. What it does not do: it acknowledges an envelope only after the user callback
//! returns (a slow turn delays the ack past Slack's 3 s and Slack redelivers), and between
//! reconnect attempts it waits a fixed `reconnect_timeout_in_seconds` rather than a growing,
//! bounded backoff. Here: `apps.connections.open` through [`SlackChat`] (so the configured
//! api_url and connector apply), ack `{"envelope_id":..}` as soon as an envelope is read, queue
//! the payload to one worker (ordered delivery, the socket never waits for the bot), and
//! reconnect on close, error, silence or a `disconnect` envelope, with a bounded backoff.

use super::api::SlackChat;
use super::decode::{decode_event, decode_interaction, ThreadOracle};
use super::SlackSettings;
use crate::chat::{ChatError, EventSink, Platform};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
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
    let (tx, mut rx) = mpsc::unbounded_channel::<Inbound>();
    let worker = {
        let chat = chat.clone();
        tokio::spawn(async move {
            while let Some(inbound) = rx.recv().await {
                process(chat.clone(), threads.clone(), sink.clone(), inbound).await;
            }
        })
    };

    let mut failures: u32 = 0;
    let result = loop {
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
        match session(&chat, &tx, &shutdown).await {
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
    };
    drop(tx);
    if worker.await.is_err() {
        error!("the Slack event worker panicked");
    }
    result
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
    tx: &mpsc::UnboundedSender<Inbound>,
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
                let _ = writer.send(Message::Close(None)).await;
                return Ok(SessionEnd::Shutdown);
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
        if let Some(id) = envelope.get("envelope_id").and_then(Value::as_str) {
            let ack = json!({ "envelope_id": id }).to_string();
            if writer.send(Message::Text(ack.into())).await.is_err() {
                // Not acknowledged: Slack will redeliver it on the next connection.
                return ended(greeted, "ack failed");
            }
        }
        let payload = envelope.get("payload").cloned().unwrap_or(Value::Null);
        let inbound = match kind {
            "events_api" => Inbound::Event(payload),
            "interactive" => Inbound::Interaction(payload),
            other => {
                debug!(
                    kind = other,
                    "Socket Mode envelope acknowledged and ignored"
                );
                continue;
            }
        };
        if tx.send(inbound).is_err() {
            return Ok(SessionEnd::Shutdown);
        }
    }
}
