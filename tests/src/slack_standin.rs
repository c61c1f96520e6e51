//! An in-test Slack on 127.0.0.1: a recording Web API under `/api/` and a Socket Mode WebSocket.
//!
//! Web API: every call is recorded (method, then query, JSON or form fields merged into one JSON
//! object, plus `_token`, the bearer token used) and answered like Slack: `chat.postMessage` with
//! increasing `ts` (`1700000000.000100`, `.000200`, ...), `chat.update`, `reactions.add`
//! (`already_reacted` the second time), `users.info` (display name `Name of <id>` unless set with
//! [`SlackStandIn::set_display_name`]), `auth.test` (bot user `UBOT`) and `apps.connections.open`
//! (the stand-in's `ws://127.0.0.1:PORT/socket`). [`SlackStandIn::fail_next`] makes calls answer
//! 429 with `Retry-After`.
//!
//! Socket Mode: each connection gets `hello`, then the envelopes pushed by the test; acks are
//! recorded; envelopes not acked when a connection drops are sent again on the next one (as Slack
//! does). [`SlackStandIn::drop_socket`] cuts every open connection without a close frame.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, Notify};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// The bot user id `auth.test` answers.
pub const BOT_USER_ID: &str = "UBOT";

#[derive(Default)]
struct State0 {
    calls: Vec<(String, Value)>,
    failures: HashMap<String, (u32, u64)>,
    refusals: HashMap<String, (u32, String)>,
    posts: u64,
    names: HashMap<String, String>,
    reactions: HashSet<(String, String, String)>,
    queue: VecDeque<Value>,
    acked: HashSet<String>,
    envelopes: u64,
    connections: usize,
    ws_url: String,
}

struct Shared {
    state: Mutex<State0>,
    wake: Notify,
    cut: broadcast::Sender<()>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State0> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A running stand-in; its servers stop when it is dropped.
pub struct SlackStandIn {
    shared: Arc<Shared>,
    api_addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for SlackStandIn {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl SlackStandIn {
    /// Starts the Web API and the Socket Mode listener on ephemeral 127.0.0.1 ports.
    pub async fn start() -> SlackStandIn {
        let api = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the stand-in Web API");
        let ws = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the stand-in socket");
        let api_addr = api.local_addr().expect("local address of a bound listener");
        let ws_addr = ws.local_addr().expect("local address of a bound listener");
        let (cut, _) = broadcast::channel(16);
        let shared = Arc::new(Shared {
            state: Mutex::new(State0::default()),
            wake: Notify::new(),
            cut,
        });
        shared.lock().ws_url = format!("ws://{ws_addr}/socket");

        let router = Router::new()
            .route("/api/{method}", any(web_api))
            .with_state(shared.clone());
        let api_task = tokio::spawn(async move {
            let _ = axum::serve(api, router).await;
        });
        let ws_shared = shared.clone();
        let ws_task = tokio::spawn(async move {
            while let Ok((stream, _)) = ws.accept().await {
                tokio::spawn(socket_connection(stream, ws_shared.clone()));
            }
        });
        SlackStandIn {
            shared,
            api_addr,
            tasks: vec![api_task, ws_task],
        }
    }

    /// The Web API base to put in `SlackSettings::api_url` (`http://127.0.0.1:PORT/api/`).
    pub fn api_url(&self) -> String {
        format!("http://{}/api/", self.api_addr)
    }

    /// Every recorded call to `method`, oldest first (fields merged into one object).
    pub fn calls(&self, method: &str) -> Vec<Value> {
        self.shared
            .lock()
            .calls
            .iter()
            .filter(|(m, _)| m == method)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Every recorded call, as (method, fields), oldest first.
    pub fn all_calls(&self) -> Vec<(String, Value)> {
        self.shared.lock().calls.clone()
    }

    /// Makes the next `n` calls to `method` answer 429 with `Retry-After: retry_after_secs`.
    pub fn fail_next(&self, method: &str, n: u32, retry_after_secs: u64) {
        self.shared
            .lock()
            .failures
            .insert(method.to_string(), (n, retry_after_secs));
    }

    /// Makes the next `n` calls to `method` answer `{"ok":false,"error":error}` (HTTP 200).
    pub fn reject_next(&self, method: &str, n: u32, error: &str) {
        self.shared
            .lock()
            .refusals
            .insert(method.to_string(), (n, error.to_string()));
    }

    /// Sets the display name `users.info` returns for `user_id`.
    pub fn set_display_name(&self, user_id: &str, name: &str) {
        self.shared
            .lock()
            .names
            .insert(user_id.to_string(), name.to_string());
    }

    /// Queues an Events API payload (`{"type":"event_callback",...}`) as an `events_api`
    /// envelope; returns its envelope id.
    pub fn push_event(&self, payload: Value) -> String {
        self.push("events_api", payload)
    }

    /// Queues an interaction payload (e.g. `block_actions`) as an `interactive` envelope.
    pub fn push_interactive(&self, payload: Value) -> String {
        self.push("interactive", payload)
    }

    fn push(&self, kind: &str, payload: Value) -> String {
        let id = {
            let mut state = self.shared.lock();
            state.envelopes += 1;
            let id = format!("env-{:04}", state.envelopes);
            state.queue.push_back(json!({
                "envelope_id": id,
                "type": kind,
                "accepts_response_payload": false,
                "retry_attempt": 0,
                "retry_reason": "",
                "payload": payload,
            }));
            id
        };
        self.shared.wake.notify_waiters();
        self.shared.wake.notify_one();
        id
    }

    /// Sends a `disconnect` envelope (`reason: refresh_requested`) on the open connections.
    pub fn send_disconnect(&self) {
        self.shared.lock().queue.push_back(json!({
            "type": "disconnect",
            "reason": "refresh_requested",
            "debug_info": { "host": "standin" },
        }));
        self.shared.wake.notify_one();
    }

    /// True once the client acknowledged the envelope.
    pub fn acked(&self, envelope_id: &str) -> bool {
        self.shared.lock().acked.contains(envelope_id)
    }

    /// Waits up to `timeout` for the envelope's ack.
    pub async fn wait_acked(&self, envelope_id: &str, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while tokio::time::Instant::now() < deadline {
            if self.acked(envelope_id) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.acked(envelope_id)
    }

    /// Cuts every open Socket Mode connection (no close frame), as a network failure would.
    pub fn drop_socket(&self) {
        let _ = self.shared.cut.send(());
    }

    /// How many Socket Mode connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.lock().connections
    }

    /// Waits up to `timeout` until at least `n` connections were accepted.
    pub async fn wait_connections(&self, n: usize, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while tokio::time::Instant::now() < deadline {
            if self.connections() >= n {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.connections() >= n
    }
}

/// Wraps an event the way the Events API and Socket Mode carry it.
pub fn event_callback(event_id: &str, event: Value) -> Value {
    json!({
        "token": "verification-token-unused",
        "team_id": "T1",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1_700_000_000,
        "event": event,
    })
}

/// A minimal HTTP/1.1 POST to a server on this machine; returns (status, body).
pub async fn http_post(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    assert!(addr.ip().is_loopback(), "tests only talk to loopback");
    let mut stream = TcpStream::connect(addr)
        .await
        .expect("connect to the local server");
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("write the request");
    stream.write_all(body).await.expect("write the body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read the answer");
    let text = String::from_utf8_lossy(&raw).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn fields(query: Option<String>, headers: &HeaderMap, body: &Bytes) -> Value {
    let mut map = Map::new();
    let add_form = |raw: &[u8], map: &mut Map<String, Value>| {
        for (k, v) in form_urlencoded::parse(raw) {
            map.insert(k.to_string(), Value::String(v.to_string()));
        }
    };
    if let Some(query) = query {
        add_form(query.as_bytes(), &mut map);
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("json"));
    if is_json {
        if let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) {
            map.extend(obj);
        }
    } else if !body.is_empty() {
        add_form(body, &mut map);
    }
    if let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        map.insert("_token".to_string(), Value::String(token.to_string()));
    }
    Value::Object(map)
}

async fn web_api(
    State(shared): State<Arc<Shared>>,
    Path(method): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let args = fields(query, &headers, &body);
    let mut state = shared.lock();
    state.calls.push((method.clone(), args.clone()));
    if let Some((left, retry_after)) = state.failures.get_mut(&method) {
        if *left > 0 {
            *left -= 1;
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({"ok": false, "error": "ratelimited"})),
            )
                .into_response();
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_str(&retry_after.to_string())
                    .expect("digits are a valid header value"),
            );
            return response;
        }
    }
    if let Some((left, error)) = state.refusals.get_mut(&method) {
        if *left > 0 {
            *left -= 1;
            return Json(json!({"ok": false, "error": error.clone()})).into_response();
        }
    }
    let arg = |name: &str| {
        args.get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let answer = match method.as_str() {
        "chat.postMessage" => {
            state.posts += 1;
            let ts = format!("1700000000.{:06}", state.posts * 100);
            json!({"ok": true, "channel": arg("channel"), "ts": ts,
                   "message": {"type": "message", "text": arg("text"), "user": BOT_USER_ID, "bot_id": "BBOT", "ts": ts}})
        }
        "chat.update" => {
            json!({"ok": true, "channel": arg("channel"), "ts": arg("ts"), "text": arg("text")})
        }
        "reactions.add" => {
            if state
                .reactions
                .insert((arg("channel"), arg("timestamp"), arg("name")))
            {
                json!({"ok": true})
            } else {
                json!({"ok": false, "error": "already_reacted"})
            }
        }
        "users.info" => {
            let id = arg("user");
            let name = state
                .names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("Name of {id}"));
            json!({"ok": true, "user": {"id": id, "name": id.to_lowercase(), "real_name": name,
                   "profile": {"display_name": name, "real_name": name}}})
        }
        "auth.test" => {
            json!({"ok": true, "url": "https://standin.slack.com/", "team": "Stand-in", "user": "kmsbot",
                              "team_id": "T1", "user_id": BOT_USER_ID, "bot_id": "BBOT"})
        }
        "apps.connections.open" => json!({"ok": true, "url": state.ws_url}),
        _ => json!({"ok": false, "error": "unknown_method"}),
    };
    Json(answer).into_response()
}

async fn socket_connection(stream: TcpStream, shared: Arc<Shared>) {
    let mut cut = shared.cut.subscribe();
    let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    shared.lock().connections += 1;
    let (mut writer, mut reader) = ws.split();
    let hello = json!({"type": "hello", "num_connections": 1,
                       "connection_info": {"app_id": "A1"}, "debug_info": {"host": "standin"}});
    if writer
        .send(Message::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let mut in_flight: Vec<Value> = Vec::new();
    loop {
        loop {
            let next = shared.lock().queue.pop_front();
            let Some(envelope) = next else { break };
            if writer
                .send(Message::Text(envelope.to_string().into()))
                .await
                .is_err()
            {
                shared.lock().queue.push_front(envelope);
                requeue(&shared, &mut in_flight);
                return;
            }
            if envelope.get("envelope_id").is_some() {
                in_flight.push(envelope);
            }
        }
        tokio::select! {
            _ = shared.wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
            _ = cut.recv() => {
                requeue(&shared, &mut in_flight);
                return;
            }
            frame = reader.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    if let Some(id) = serde_json::from_str::<Value>(text.as_str())
                        .ok()
                        .and_then(|v| v.get("envelope_id").and_then(Value::as_str).map(str::to_string))
                    {
                        in_flight.retain(|e| e.get("envelope_id").and_then(Value::as_str) != Some(id.as_str()));
                        shared.lock().acked.insert(id);
                    }
                }
                Some(Ok(_)) => {}
                _ => {
                    requeue(&shared, &mut in_flight);
                    return;
                }
            },
        }
    }
}

/// Puts envelopes that were sent but not acknowledged back at the head of the queue.
fn requeue(shared: &Shared, in_flight: &mut Vec<Value>) {
    let mut state = shared.lock();
    for envelope in in_flight.drain(..).rev() {
        state.queue.push_front(envelope);
    }
}
