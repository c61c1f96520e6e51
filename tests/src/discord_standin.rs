//! An in-test Discord stand-in on 127.0.0.1: REST under `/api/v10` and a gateway WebSocket.
//!
//! REST answers like Discord for the calls the adapter makes and records every call
//! ([`DiscordStandIn::calls`]):
//! * `GET /gateway`, `GET /gateway/bot` → the stand-in's own `ws://127.0.0.1:PORT`;
//! * `GET /users/@me` → the bot user ([`DiscordStandIn::bot_id`]);
//! * `GET /channels/{id}` → a registered channel (threads started here or with
//!   [`DiscordStandIn::add_thread`]), else a plain guild text channel;
//! * `POST /channels/{id}/messages` → a message object with a fresh increasing snowflake;
//! * `PATCH /channels/{id}/messages/{id}` → the edited message, or 404 `10008` when the stand-in
//!   knows that message to live in another channel (or does not know it);
//! * `PUT /channels/{id}/messages/{id}/reactions/{emoji}/@me` → 204 (404 `10008` when the
//!   message is known to live elsewhere);
//! * `POST /channels/{id}/messages/{id}/threads` → a public thread with the message's id, owned
//!   by the bot; 400 `160004` if that thread exists already;
//! * `POST /interactions/{id}/{token}/callback` → 204;
//! * anything else → 404 `{"code": 0}`.
//!
//! The gateway sends HELLO (op 10), answers IDENTIFY (op 2, payload kept for
//! [`DiscordStandIn::identified_intents`]) with READY, RESUME (op 6) with a replay of missed
//! dispatches and RESUMED (or INVALID_SESSION, op 9, for an unknown session), and HEARTBEAT
//! (op 1) with HEARTBEAT_ACK (op 11). Test events go out with [`DiscordStandIn::dispatch`] and
//! increasing `s`; events dispatched while no session is live are sent after the next READY or
//! RESUMED. [`DiscordStandIn::drop_gateway`] closes the live connection with code 4000;
//! [`DiscordStandIn::invalidate_session`] also forgets the session, forcing a new IDENTIFY.

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::mpsc;

/// The stand-in's bot user id.
pub const BOT_ID: u64 = 900_000_000_000_000_001;
/// The guild every default channel belongs to.
pub const GUILD_ID: u64 = 800_000_000_000_000_001;
/// The application id sent in READY.
pub const APPLICATION_ID: u64 = 900_000_000_000_000_002;
/// The heartbeat interval announced in HELLO, in milliseconds.
pub const HEARTBEAT_INTERVAL_MS: u64 = 5_000;

const TIMESTAMP: &str = "2024-01-01T00:00:00.000000+00:00";

/// One REST call the stand-in received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedCall {
    /// `GET`, `POST`, `PATCH`, `PUT`, ...
    pub method: String,
    /// The path after `/api/v10`, percent-decoded (`/channels/1/messages/2/reactions/✅/@me`).
    pub path: String,
    /// The JSON body, `Value::Null` when there was none.
    pub body: Value,
}

enum Command {
    Send(String),
    Drop,
}

struct Session {
    id: String,
    seq: u64,
    log: Vec<(u64, String)>,
}

#[derive(Default)]
struct Inner {
    calls: Vec<RecordedCall>,
    next_id: u64,
    /// Message id → (channel id, message object), for messages posted through REST.
    messages: HashMap<u64, (u64, Value)>,
    /// Channel objects served by `GET /channels/{id}`.
    channels: HashMap<u64, Value>,
    identifies: Vec<Value>,
    resumes: usize,
    connections: usize,
    sessions_started: usize,
    session: Option<Session>,
    live: Option<mpsc::UnboundedSender<Command>>,
    pending: Vec<(String, Value)>,
}

struct Shared {
    port: u16,
    inner: Mutex<Inner>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }
}

/// A running stand-in; the server stops when this is dropped.
pub struct DiscordStandIn {
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for DiscordStandIn {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl DiscordStandIn {
    /// Binds 127.0.0.1 on a free port and serves REST and the gateway.
    pub async fn start() -> DiscordStandIn {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("binding 127.0.0.1:0 for the Discord stand-in");
        let port = listener
            .local_addr()
            .expect("a bound listener has an address")
            .port();
        let shared = Arc::new(Shared {
            port,
            inner: Mutex::new(Inner {
                next_id: 1_100_000_000_000_000_000,
                ..Inner::default()
            }),
        });
        let app = Router::new()
            .route("/", get(gateway))
            .fallback(rest)
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "Discord stand-in server stopped");
            }
        });
        DiscordStandIn { shared, server }
    }

    /// The value for `[discord] api_url`: `http://127.0.0.1:PORT`.
    pub fn api_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.shared.port)
    }

    /// The gateway address the stand-in hands out: `ws://127.0.0.1:PORT`.
    pub fn gateway_url(&self) -> String {
        self.shared.ws_url()
    }

    /// The bot user's id.
    pub fn bot_id(&self) -> u64 {
        BOT_ID
    }

    /// A fresh snowflake, larger than every id handed out before.
    pub fn next_id(&self) -> u64 {
        let mut inner = self.shared.lock();
        inner.next_id += 1;
        inner.next_id
    }

    /// Sends a dispatch (op 0) with the next sequence number on the live session, or queues it
    /// until a session is live.
    pub fn dispatch(&self, event: &str, data: Value) {
        let mut inner = self.shared.lock();
        if inner.live.is_some() && inner.session.is_some() {
            send_dispatch(&mut inner, event, data);
        } else {
            inner.pending.push((event.to_string(), data));
        }
    }

    /// Every REST call so far.
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.shared.lock().calls.clone()
    }

    /// The REST calls with this method whose path (after `/api/v10`) starts with `path_prefix`.
    pub fn calls_to(&self, method: &str, path_prefix: &str) -> Vec<RecordedCall> {
        self.shared
            .lock()
            .calls
            .iter()
            .filter(|c| c.method.eq_ignore_ascii_case(method) && c.path.starts_with(path_prefix))
            .cloned()
            .collect()
    }

    /// The `intents` of the latest IDENTIFY, if any arrived.
    pub fn identified_intents(&self) -> Option<u64> {
        self.shared
            .lock()
            .identifies
            .last()
            .and_then(|d| d.get("intents"))
            .and_then(Value::as_u64)
    }

    /// How many IDENTIFYs arrived.
    pub fn identifies(&self) -> usize {
        self.shared.lock().identifies.len()
    }

    /// How many RESUMEs arrived.
    pub fn resumes(&self) -> usize {
        self.shared.lock().resumes
    }

    /// How many gateway WebSocket connections were accepted.
    pub fn connections(&self) -> usize {
        self.shared.lock().connections
    }

    /// How many times a session went live (READY or RESUMED sent).
    pub fn sessions_started(&self) -> usize {
        self.shared.lock().sessions_started
    }

    /// True while a gateway connection has a live session.
    pub fn is_live(&self) -> bool {
        let inner = self.shared.lock();
        inner.live.is_some() && inner.session.is_some()
    }

    /// Closes the live gateway connection with close code 4000 (resumable), as Discord does
    /// when it drops a session's socket.
    pub fn drop_gateway(&self) {
        let mut inner = self.shared.lock();
        if let Some(tx) = inner.live.take() {
            let _ = tx.send(Command::Drop);
        }
    }

    /// Forgets the current session and closes the connection (code 4000): the client's RESUME
    /// is answered with INVALID_SESSION (op 9, not resumable), so it must IDENTIFY again.
    pub fn invalidate_session(&self) {
        let mut inner = self.shared.lock();
        inner.session = None;
        if let Some(tx) = inner.live.take() {
            let _ = tx.send(Command::Drop);
        }
    }

    /// Waits until at least `n` sessions have gone live and one is live now.
    pub async fn wait_live(&self, n: usize, timeout: Duration) -> bool {
        self.wait_until(timeout, |s| s.sessions_started() >= n && s.is_live())
            .await
    }

    /// Polls `cond` every 10 ms until it holds or `timeout` passes.
    pub async fn wait_until(&self, timeout: Duration, cond: impl Fn(&Self) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if cond(self) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Registers a thread channel for `GET /channels/{id}`.
    pub fn add_thread(&self, id: u64, parent: u64, owner: u64) {
        self.shared
            .lock()
            .channels
            .insert(id, thread_json(id, parent, owner, "thread"));
    }

    /// The first message posted through REST whose content contains `needle`:
    /// (message id, channel id, message object).
    pub fn find_message(&self, needle: &str) -> Option<(u64, u64, Value)> {
        let inner = self.shared.lock();
        let mut found: Vec<(u64, u64, Value)> = inner
            .messages
            .iter()
            .filter(|(_, (_, m))| m["content"].as_str().is_some_and(|c| c.contains(needle)))
            .map(|(id, (ch, m))| (*id, *ch, m.clone()))
            .collect();
        found.sort_by_key(|(id, _, _)| *id);
        found.into_iter().next()
    }

    /// How many messages posted through REST contain `needle`.
    pub fn count_messages(&self, needle: &str) -> usize {
        self.shared
            .lock()
            .messages
            .values()
            .filter(|(_, m)| m["content"].as_str().is_some_and(|c| c.contains(needle)))
            .count()
    }

    /// The message object the stand-in keeps for a message posted through REST.
    pub fn message(&self, id: u64) -> Option<Value> {
        self.shared.lock().messages.get(&id).map(|(_, m)| m.clone())
    }
}

fn send_dispatch(inner: &mut Inner, event: &str, data: Value) {
    let Some(session) = inner.session.as_mut() else {
        inner.pending.push((event.to_string(), data));
        return;
    };
    session.seq += 1;
    let frame = json!({"op": 0, "t": event, "s": session.seq, "d": data}).to_string();
    session.log.push((session.seq, frame.clone()));
    if let Some(tx) = &inner.live {
        let _ = tx.send(Command::Send(frame));
    }
}

/// Marks the connection's session live and flushes events queued while none was.
fn go_live(inner: &mut Inner, tx: &mpsc::UnboundedSender<Command>) {
    inner.live = Some(tx.clone());
    inner.sessions_started += 1;
    for (event, data) in std::mem::take(&mut inner.pending) {
        send_dispatch(inner, event.as_str(), data);
    }
}

async fn gateway(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| connection(shared, socket))
}

async fn connection(shared: Arc<Shared>, socket: WebSocket) {
    shared.lock().connections += 1;
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Command>();
    let hello = json!({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}});
    if sink
        .send(WsMessage::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            cmd = rx.recv() => match cmd {
                Some(Command::Send(frame)) => {
                    if sink.send(WsMessage::Text(frame.into())).await.is_err() {
                        break;
                    }
                }
                Some(Command::Drop) | None => {
                    let close = CloseFrame { code: 4000, reason: "stand-in dropped the connection".into() };
                    let _ = sink.send(WsMessage::Close(Some(close))).await;
                    break;
                }
            },
            frame = stream.next() => {
                let text = match frame {
                    Some(Ok(WsMessage::Text(t))) => t.to_string(),
                    Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                let Ok(payload) = serde_json::from_str::<Value>(&text) else { continue };
                let replies = on_frame(&shared, &tx, &payload);
                for reply in replies {
                    if sink.send(WsMessage::Text(reply.into())).await.is_err() {
                        break;
                    }
                }
            }
        }
    }
    let mut inner = shared.lock();
    if inner.live.as_ref().is_some_and(|l| l.same_channel(&tx)) {
        inner.live = None;
    }
}

/// Handles one client frame; returns frames to send at once (before queued dispatches).
fn on_frame(shared: &Shared, tx: &mpsc::UnboundedSender<Command>, payload: &Value) -> Vec<String> {
    let op = payload
        .get("op")
        .and_then(Value::as_u64)
        .unwrap_or(u64::MAX);
    let d = payload.get("d").cloned().unwrap_or(Value::Null);
    let mut inner = shared.lock();
    match op {
        1 => vec![json!({"op": 11}).to_string()],
        2 => {
            inner.identifies.push(d);
            let id = format!("session-{}", inner.identifies.len());
            let ready = json!({
                "op": 0, "t": "READY", "s": 1,
                "d": {
                    "v": 10,
                    "user": user_json(BOT_ID, "kmsbot", true),
                    "guilds": [{"id": GUILD_ID.to_string(), "unavailable": true}],
                    "session_id": id,
                    "resume_gateway_url": shared.ws_url(),
                    "shard": [0, 1],
                    "application": {"id": APPLICATION_ID.to_string(), "flags": 0},
                }
            })
            .to_string();
            inner.session = Some(Session {
                id,
                seq: 1,
                log: Vec::new(),
            });
            // READY must precede the queued dispatches: send it through the same queue.
            let _ = tx.send(Command::Send(ready));
            go_live(&mut inner, tx);
            Vec::new()
        }
        6 => {
            inner.resumes += 1;
            let wanted = d
                .get("session_id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let from = d.get("seq").and_then(Value::as_u64).unwrap_or(0);
            let Some(session) = inner.session.as_mut().filter(|s| s.id == wanted) else {
                return vec![json!({"op": 9, "d": false}).to_string()];
            };
            for (_, frame) in session.log.iter().filter(|(s, _)| *s > from) {
                let _ = tx.send(Command::Send(frame.clone()));
            }
            session.seq += 1;
            let resumed = json!({"op": 0, "t": "RESUMED", "s": session.seq, "d": {}}).to_string();
            let _ = tx.send(Command::Send(resumed));
            go_live(&mut inner, tx);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn error(status: StatusCode, code: u64, message: &str) -> Response {
    (status, Json(json!({"code": code, "message": message}))).into_response()
}

async fn rest(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let raw = uri.path();
    let Some(path) = raw.strip_prefix("/api/v10") else {
        return error(StatusCode::NOT_FOUND, 0, "404: Not Found");
    };
    let path = percent_decode(path);
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut inner = shared.lock();
    inner.calls.push(RecordedCall {
        method: method.to_string(),
        path: path.clone(),
        body: body.clone(),
    });
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let num = |s: &str| s.parse::<u64>().ok();
    match (method.as_str(), segs.as_slice()) {
        ("GET", ["gateway"]) => Json(json!({"url": shared.ws_url()})).into_response(),
        ("GET", ["gateway", "bot"]) => Json(json!({
            "url": shared.ws_url(), "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        }))
        .into_response(),
        ("GET", ["users", "@me"]) => Json(user_json(BOT_ID, "kmsbot", true)).into_response(),
        ("GET", ["channels", id]) => match num(id) {
            Some(id) => Json(
                inner
                    .channels
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| text_channel_json(id)),
            )
            .into_response(),
            None => error(StatusCode::NOT_FOUND, 10003, "Unknown Channel"),
        },
        ("POST", ["channels", ch, "messages"]) => {
            let Some(ch) = num(ch) else {
                return error(StatusCode::NOT_FOUND, 10003, "Unknown Channel");
            };
            inner.next_id += 1;
            let id = inner.next_id;
            let mut msg = message_json(
                id,
                ch,
                Some(GUILD_ID),
                user_json(BOT_ID, "kmsbot", true),
                body.get("content").and_then(Value::as_str).unwrap_or_default(),
                &[],
            );
            msg["components"] = echo_components(body.get("components"));
            inner.messages.insert(id, (ch, msg.clone()));
            Json(msg).into_response()
        }
        ("PATCH", ["channels", ch, "messages", mid]) => {
            let (Some(ch), Some(mid)) = (num(ch), num(mid)) else {
                return error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
            };
            match inner.messages.get_mut(&mid) {
                Some((at, msg)) if *at == ch => {
                    if let Some(content) = body.get("content") {
                        msg["content"] = content.clone();
                    }
                    msg["edited_timestamp"] = json!(TIMESTAMP);
                    Json(msg.clone()).into_response()
                }
                _ => error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
            }
        }
        ("PUT", ["channels", ch, "messages", mid, "reactions", _emoji, "@me"]) => {
            match (num(ch), num(mid).and_then(|m| inner.messages.get(&m))) {
                (Some(ch), Some((at, _))) if *at != ch => {
                    error(StatusCode::NOT_FOUND, 10008, "Unknown Message")
                }
                _ => StatusCode::NO_CONTENT.into_response(),
            }
        }
        ("POST", ["channels", ch, "messages", mid, "threads"]) => {
            let (Some(ch), Some(mid)) = (num(ch), num(mid)) else {
                return error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
            };
            if inner.channels.contains_key(&mid) {
                return error(
                    StatusCode::BAD_REQUEST,
                    160004,
                    "A thread has already been created for this message",
                );
            }
            let name = body.get("name").and_then(Value::as_str).unwrap_or("thread");
            let thread = thread_json(mid, ch, BOT_ID, name);
            inner.channels.insert(mid, thread.clone());
            (StatusCode::CREATED, Json(thread)).into_response()
        }
        ("POST", ["interactions", _id, _token, "callback"]) => {
            StatusCode::NO_CONTENT.into_response()
        }
        _ => error(StatusCode::NOT_FOUND, 0, "404: Not Found"),
    }
}

/// Turns the components of a create-message body into what Discord echoes back.
fn echo_components(sent: Option<&Value>) -> Value {
    sent.cloned()
        .filter(Value::is_array)
        .unwrap_or_else(|| json!([]))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A user object.
pub fn user_json(id: u64, name: &str, bot: bool) -> Value {
    json!({"id": id.to_string(), "username": name, "discriminator": "0", "global_name": null,
           "avatar": null, "bot": bot})
}

/// A full guild member object (as in reactions and interactions), with `user`.
pub fn member_json(user_id: u64, name: &str, roles: &[u64]) -> Value {
    json!({"user": user_json(user_id, name, false), "nick": null,
           "roles": roles.iter().map(u64::to_string).collect::<Vec<_>>(),
           "joined_at": TIMESTAMP, "deaf": false, "mute": false, "flags": 0})
}

/// A `MESSAGE_CREATE` payload; with `guild`, it carries `guild_id` and a partial `member` with
/// `roles`. Mentions of users written `<@id>` in `content` are listed in `mentions`.
pub fn message_json(
    id: u64,
    channel: u64,
    guild: Option<u64>,
    author: Value,
    content: &str,
    roles: &[u64],
) -> Value {
    let mentions: Vec<Value> = content
        .split("<@")
        .skip(1)
        .filter_map(|rest| rest.trim_start_matches('!').split('>').next())
        .filter_map(|id| id.parse::<u64>().ok())
        .map(|id| user_json(id, "mentioned", id == BOT_ID))
        .collect();
    let mut m = json!({
        "id": id.to_string(), "channel_id": channel.to_string(), "author": author,
        "content": content, "timestamp": TIMESTAMP, "edited_timestamp": null, "tts": false,
        "mention_everyone": false, "mentions": mentions, "mention_roles": [], "attachments": [],
        "embeds": [], "pinned": false, "type": 0, "components": [],
    });
    if let Some(g) = guild {
        m["guild_id"] = json!(g.to_string());
        m["member"] = json!({"roles": roles.iter().map(u64::to_string).collect::<Vec<_>>(),
                             "nick": null, "joined_at": TIMESTAMP, "deaf": false, "mute": false});
    }
    m
}

/// A `MESSAGE_REACTION_ADD` / `MESSAGE_REACTION_REMOVE` payload for a unicode emoji; with
/// `guild` and `roles` (adds only, like Discord) it carries a `member`.
pub fn reaction_json(
    user: u64,
    channel: u64,
    message: u64,
    guild: Option<u64>,
    emoji: &str,
    roles: Option<&[u64]>,
) -> Value {
    let mut r = json!({
        "user_id": user.to_string(), "channel_id": channel.to_string(),
        "message_id": message.to_string(), "emoji": {"id": null, "name": emoji},
        "burst": false, "type": 0,
    });
    if let Some(g) = guild {
        r["guild_id"] = json!(g.to_string());
        if let Some(roles) = roles {
            r["member"] = member_json(user, "member", roles);
        }
    }
    r
}

/// A component (button) `INTERACTION_CREATE` payload on `message` (a message object).
pub fn button_json(
    interaction: u64,
    channel: u64,
    guild: Option<u64>,
    message: Value,
    custom_id: &str,
    user: u64,
    roles: &[u64],
) -> Value {
    let mut i = json!({
        "id": interaction.to_string(), "application_id": APPLICATION_ID.to_string(), "type": 3,
        "data": {"custom_id": custom_id, "component_type": 2},
        "channel_id": channel.to_string(), "token": format!("itoken-{interaction}"),
        "version": 1, "message": message, "locale": "en-US", "entitlements": [],
        "attachment_size_limit": 8_388_608,
    });
    if let Some(g) = guild {
        i["guild_id"] = json!(g.to_string());
        i["member"] = member_json(user, "member", roles);
    } else {
        i["user"] = user_json(user, "member", false);
    }
    i
}

fn text_channel_json(id: u64) -> Value {
    json!({"id": id.to_string(), "type": 0, "guild_id": GUILD_ID.to_string(), "name": "general",
           "position": 0, "permission_overwrites": [], "nsfw": false, "parent_id": null})
}

fn thread_json(id: u64, parent: u64, owner: u64, name: &str) -> Value {
    json!({"id": id.to_string(), "type": 11, "guild_id": GUILD_ID.to_string(), "name": name,
           "parent_id": parent.to_string(), "owner_id": owner.to_string(),
           "thread_metadata": {"archived": false, "auto_archive_duration": 1440,
                               "archive_timestamp": TIMESTAMP, "locked": false},
           "message_count": 0, "member_count": 1, "rate_limit_per_user": 0, "flags": 0})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/a/%E2%9C%85/@me"), "/a/\u{2705}/@me");
        assert_eq!(percent_decode("/a%2"), "/a%2");
    }
}
