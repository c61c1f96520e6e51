//! The Slack adapter against the in-test Slack stand-in (everything on 127.0.0.1).
#![allow(clippy::unwrap_used)] // tests may unwrap: a panic is the failure report

use adapters::chat::{Button, Chat, EventSink, Incoming, IncomingKind, Outgoing, Platform};
use adapters::slack::{
    events_router, events_router_with, run_socket_mode, run_socket_mode_with, sign_request,
    verify_request, SignatureError, SlackChat, SlackSecret, SlackSettings, ThreadOracle,
    MAX_BODY_BYTES,
};
use async_trait::async_trait;
use kmsbot_tests::slack_standin::{event_callback, http_post, SlackStandIn, BOT_USER_ID};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Recorder(Mutex<Vec<Incoming>>);

#[async_trait]
impl EventSink for Recorder {
    async fn deliver(&self, incoming: Incoming) {
        self.0.lock().unwrap().push(incoming);
    }
}

impl Recorder {
    fn all(&self) -> Vec<Incoming> {
        self.0.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize) -> Vec<Incoming> {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if self.all().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.all()
    }
}

fn settings(standin: &SlackStandIn) -> SlackSettings {
    let mut settings = SlackSettings::new("xoxb-test-bot-token");
    settings.api_url = standin.api_url();
    settings.app_token = Some(SlackSecret::new("xapp-test-app-token"));
    settings.signing_secret = Some(SlackSecret::new("test-signing-secret"));
    settings
}

struct Running {
    standin: SlackStandIn,
    chat: Arc<SlackChat>,
    sink: Arc<Recorder>,
    shutdown: CancellationToken,
    runner: JoinHandle<Result<(), adapters::chat::ChatError>>,
}

async fn socket_mode() -> Running {
    let standin = SlackStandIn::start().await;
    let chat = Arc::new(SlackChat::new(&settings(&standin)).unwrap());
    let sink = Arc::new(Recorder::default());
    let shutdown = CancellationToken::new();
    let runner = tokio::spawn(run_socket_mode_with(
        chat.clone(),
        chat.clone() as Arc<dyn ThreadOracle>,
        sink.clone() as Arc<dyn EventSink>,
        5,
        shutdown.clone(),
    ));
    assert!(
        standin.wait_connections(1, WAIT).await,
        "Socket Mode never connected"
    );
    Running {
        standin,
        chat,
        sink,
        shutdown,
        runner,
    }
}

impl Running {
    async fn stop(self) {
        self.shutdown.cancel();
        let result = tokio::time::timeout(WAIT, self.runner)
            .await
            .expect("runner stops")
            .unwrap();
        assert!(result.is_ok(), "runner ended with {result:?}");
    }
}

/// A direct message that is always delivered: pushed after events that must be ignored, its
/// arrival shows the adapter has handled everything before it (Socket Mode delivers in order).
fn sentinel(ts: &str) -> Value {
    event_callback(
        &format!("EvSentinel{ts}"),
        message("D9", "im", "U9", "sentinel", ts),
    )
}

fn is_sentinel(incoming: &Incoming) -> bool {
    matches!(&incoming.kind, IncomingKind::Message { text, .. } if text == "sentinel")
}

fn message(channel: &str, channel_type: &str, user: &str, text: &str, ts: &str) -> Value {
    json!({"type": "message", "channel": channel, "channel_type": channel_type, "user": user,
           "text": text, "ts": ts, "event_ts": ts, "team": "T1"})
}

#[tokio::test]
async fn socket_mode_message_is_acked_and_delivered() {
    let run = socket_mode().await;
    run.standin.set_display_name("U1", "Alice");
    let env = run.standin.push_event(event_callback(
        "Ev1",
        message("D1", "im", "U1", "how do I activate?", "1700000001.000100"),
    ));
    assert!(
        run.standin.wait_acked(&env, WAIT).await,
        "envelope not acked"
    );
    let got = run.sink.wait_for(1).await;
    assert_eq!(
        got,
        vec![Incoming {
            platform: Platform::Slack,
            event_id: "slack:msg:D1:1700000001.000100".to_string(),
            channel: "D1".to_string(),
            thread: Some("1700000001.000100".to_string()),
            user: "slack:U1".to_string(),
            user_name: Some("Alice".to_string()),
            roles: Vec::new(),
            kind: IncomingKind::Message {
                text: "how do I activate?".to_string(),
                message_ref: "1700000001.000100".to_string(),
                direct: true,
            },
        }]
    );
    // apps.connections.open used the app token, the rest the bot token.
    assert_eq!(
        run.standin.calls("apps.connections.open")[0]["_token"],
        "xapp-test-app-token"
    );
    assert_eq!(
        run.standin.calls("auth.test")[0]["_token"],
        "xoxb-test-bot-token"
    );
    run.stop().await;
}

#[tokio::test]
async fn mention_via_message_and_app_mention_share_one_event_id() {
    let run = socket_mode().await;
    let text = format!("<@{BOT_USER_ID}> activate server01");
    let ts = "1700000002.000200";
    let mut as_message = message("C1", "channel", "U2", &text, ts);
    as_message["thread_ts"] = json!("1700000000.000001");
    let mut as_mention = json!({"type": "app_mention", "channel": "C1", "user": "U2", "text": text, "ts": ts,
                                "event_ts": ts, "thread_ts": "1700000000.000001"});
    as_mention["team"] = json!("T1");
    let a = run.standin.push_event(event_callback("EvMsg", as_message));
    let b = run
        .standin
        .push_event(event_callback("EvMention", as_mention));
    // Chatter that does not address the bot is acked but not delivered.
    let c = run.standin.push_event(event_callback(
        "EvChat",
        message("C1", "channel", "U3", "lunch?", "1700000003.0"),
    ));
    run.standin.push_event(sentinel("1700000003.5"));
    let got = run.sink.wait_for(3).await;
    for env in [&a, &b, &c] {
        assert!(run.standin.wait_acked(env, WAIT).await);
    }
    let got_all = run.sink.all();
    assert_eq!(got_all.len(), 3, "{got_all:#?}");
    assert!(
        is_sentinel(&got_all[2]),
        "the chatter was not delivered: {got_all:#?}"
    );
    assert_eq!(got[0].event_id, "slack:msg:C1:1700000002.000200");
    assert_eq!(got[0].event_id, got[1].event_id);
    assert_eq!(got[0].thread.as_deref(), Some("1700000000.000001"));
    for incoming in &got[..2] {
        match &incoming.kind {
            IncomingKind::Message { text, direct, .. } => {
                assert_eq!(text, "activate server01");
                assert!(!direct);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    run.stop().await;
}

#[tokio::test]
async fn reactions_buttons_and_own_messages() {
    let run = socket_mode().await;
    let reaction = |kind: &str, emoji: &str| {
        json!({"type": kind, "user": "U4", "reaction": emoji, "item_user": BOT_USER_ID,
               "item": {"type": "message", "channel": "C1", "ts": "1700000000.000100"}, "event_ts": "1700000005.0"})
    };
    // The bot's own message (by user id, and by bot_id) is ignored.
    run.standin.push_event(event_callback(
        "EvOwn",
        message("D1", "im", BOT_USER_ID, "I said this", "1700000004.0"),
    ));
    let mut bot_msg = message("D1", "im", "U9", "from another bot", "1700000004.1");
    bot_msg["bot_id"] = json!("B9");
    run.standin.push_event(event_callback("EvBot", bot_msg));
    let mut edit = message("D1", "im", "U4", "edited", "1700000004.2");
    edit["subtype"] = json!("message_changed");
    run.standin.push_event(event_callback("EvEdit", edit));
    run.standin.push_event(event_callback(
        "EvR1",
        reaction("reaction_added", "white_check_mark"),
    ));
    run.standin.push_event(event_callback(
        "EvR2",
        reaction("reaction_removed", "+1::skin-tone-2"),
    ));
    // The bot reacting itself is ignored.
    let mut own_reaction = reaction("reaction_added", "eyes");
    own_reaction["user"] = json!(BOT_USER_ID);
    run.standin.push_event(event_callback("EvR3", own_reaction));
    let click = run.standin.push_interactive(json!({
        "type": "block_actions",
        "user": {"id": "U5", "username": "bob", "name": "bob", "team_id": "T1"},
        "team": {"id": "T1", "domain": "standin"},
        "container": {"type": "message", "message_ts": "1700000000.000300", "channel_id": "C1", "is_ephemeral": false},
        "channel": {"id": "C1", "name": "ops"},
        "message": {"type": "message", "ts": "1700000000.000300", "thread_ts": "1700000000.000001", "text": "Approve?"},
        "trigger_id": "123.456.abc",
        "actions": [{"type": "button", "action_id": "approve", "block_id": "b1", "value": "approve",
                     "text": {"type": "plain_text", "text": "Approve"}, "action_ts": "1700000006.123456"}],
    }));
    run.standin.push_event(sentinel("1700000007.5"));
    let got = run.sink.wait_for(4).await;
    assert!(run.standin.wait_acked(&click, WAIT).await);
    assert_eq!(run.sink.all().len(), 4, "{:#?}", run.sink.all());
    assert!(
        is_sentinel(&got[3]),
        "the bot's own reaction was not delivered: {got:#?}"
    );
    assert_eq!(got[0].event_id, "slack:ev:EvR1");
    assert_eq!(
        got[0].kind,
        IncomingKind::ReactionAdded {
            message_ref: "1700000000.000100".into(),
            emoji: "white_check_mark".into()
        }
    );
    assert_eq!(got[0].user, "slack:U4");
    assert_eq!(got[1].event_id, "slack:ev:EvR2");
    assert_eq!(
        got[1].kind,
        IncomingKind::ReactionRemoved {
            message_ref: "1700000000.000100".into(),
            emoji: "+1".into()
        }
    );
    assert_eq!(
        got[2].kind,
        IncomingKind::Button {
            message_ref: "1700000000.000300".into(),
            action: "approve".into()
        }
    );
    assert_eq!(got[2].thread.as_deref(), Some("1700000000.000001"));
    assert_eq!(got[2].user, "slack:U5");
    assert_eq!(
        got[2].event_id,
        "slack:action:C1:1700000000.000300:approve:U5:1700000006.123456"
    );
    run.stop().await;
}

#[tokio::test]
async fn reply_in_a_bot_thread_reaches_the_bot_without_mention() {
    let run = socket_mode().await;
    let ts = run
        .chat
        .send(&Outgoing::Post {
            local_id: 1,
            channel: "C7".into(),
            thread: None,
            message: "Ticket filed".into(),
            buttons: vec![],
        })
        .await
        .unwrap()
        .unwrap();
    let mut reply = message("C7", "channel", "U6", "thanks, any update?", "1700000009.0");
    reply["thread_ts"] = json!(ts);
    run.standin.push_event(event_callback("EvReply", reply));
    let mut elsewhere = message("C7", "channel", "U6", "unrelated thread", "1700000009.5");
    elsewhere["thread_ts"] = json!("1600000000.0");
    run.standin.push_event(event_callback("EvElse", elsewhere));
    run.standin.push_event(sentinel("1700000009.9"));
    let got = run.sink.wait_for(2).await;
    assert_eq!(run.sink.all().len(), 2, "{got:#?}");
    assert!(
        is_sentinel(&got[1]),
        "the unrelated thread was not delivered: {got:#?}"
    );
    assert_eq!(got[0].thread.as_deref(), Some(ts.as_str()));
    run.stop().await;
}

#[tokio::test]
async fn dropped_socket_is_reestablished() {
    let run = socket_mode().await;
    let first = run.standin.push_event(event_callback(
        "EvA",
        message("D1", "im", "U1", "one", "1.1"),
    ));
    assert!(run.standin.wait_acked(&first, WAIT).await);
    run.standin.drop_socket();
    assert!(
        run.standin.wait_connections(2, WAIT).await,
        "no reconnect after a drop"
    );
    assert_eq!(run.standin.connections(), 2);
    let second = run.standin.push_event(event_callback(
        "EvB",
        message("D1", "im", "U1", "two", "1.2"),
    ));
    assert!(run.standin.wait_acked(&second, WAIT).await);
    // A `disconnect` envelope also makes the client move to a new connection.
    run.standin.send_disconnect();
    assert!(
        run.standin.wait_connections(3, WAIT).await,
        "no reconnect after disconnect"
    );
    let third = run.standin.push_event(event_callback(
        "EvC",
        message("D1", "im", "U1", "three", "1.3"),
    ));
    assert!(run.standin.wait_acked(&third, WAIT).await);
    let got = run.sink.wait_for(3).await;
    let texts: Vec<_> = got
        .iter()
        .map(|i| match &i.kind {
            IncomingKind::Message { text, .. } => text.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(texts, ["one", "two", "three"]);
    assert_eq!(run.standin.calls("apps.connections.open").len(), 3);
    run.stop().await;
}

#[tokio::test]
async fn posts_in_thread_with_mrkdwn_and_buttons_edits_and_reacts() {
    let standin = SlackStandIn::start().await;
    let chat = SlackChat::new(&settings(&standin)).unwrap();
    let ts = chat
        .send(&Outgoing::Post {
            local_id: 7,
            channel: "C1".into(),
            thread: Some("1700000000.000001".into()),
            message: "**Approve** activation of `srv01`? See [runbook](https://wiki.example/kms)\n```powershell\nslmgr /ato\n```".into(),
            buttons: vec![
                Button { action: "approve".into(), label: "Approve".into() },
                Button { action: "reject".into(), label: "Reject".into() },
            ],
        })
        .await
        .unwrap();
    assert_eq!(ts.as_deref(), Some("1700000000.000100"));
    let post = &standin.calls("chat.postMessage")[0];
    let expected_text = "*Approve* activation of `srv01`? See <https://wiki.example/kms|runbook>\n```\nslmgr /ato\n```";
    assert_eq!(post["channel"], "C1");
    assert_eq!(post["thread_ts"], "1700000000.000001");
    assert_eq!(post["text"], expected_text);
    assert_eq!(post["_token"], "xoxb-test-bot-token");
    assert_eq!(
        post["blocks"],
        json!([
            {"type": "section", "text": {"type": "mrkdwn", "text": expected_text}},
            {"type": "actions", "elements": [
                {"type": "button", "action_id": "approve", "value": "approve", "style": "primary",
                 "text": {"type": "plain_text", "text": "Approve", "emoji": true}},
                {"type": "button", "action_id": "reject", "value": "reject", "style": "danger",
                 "text": {"type": "plain_text", "text": "Reject", "emoji": true}},
            ]},
        ])
    );
    // Plain posts carry no blocks; posts return increasing ts.
    let ts2 = chat
        .send(&Outgoing::Post {
            local_id: 8,
            channel: "C1".into(),
            thread: None,
            message: "hi".into(),
            buttons: vec![],
        })
        .await
        .unwrap();
    assert_eq!(ts2.as_deref(), Some("1700000000.000200"));
    assert!(standin.calls("chat.postMessage")[1].get("blocks").is_none());

    let edit = Outgoing::Edit {
        local_id: 7,
        channel: "C1".into(),
        thread: None,
        message_ref: "1700000000.000100".into(),
        message: "**Approved** by Bob".into(),
    };
    assert_eq!(chat.send(&edit).await.unwrap(), None);
    let update = &standin.calls("chat.update")[0];
    assert_eq!(update["ts"], "1700000000.000100");
    assert_eq!(update["text"], "*Approved* by Bob");
    assert_eq!(update["blocks"], json!([]));

    let react = Outgoing::React {
        local_id: 7,
        channel: "C1".into(),
        thread: None,
        message_ref: "1700000000.000100".into(),
        emoji: ":white_check_mark:".into(),
    };
    assert_eq!(chat.send(&react).await.unwrap(), None);
    // Reacting twice is not an error (Slack says already_reacted).
    assert_eq!(chat.send(&react).await.unwrap(), None);
    let reactions = standin.calls("reactions.add");
    assert_eq!(reactions.len(), 2);
    assert_eq!(reactions[0]["name"], "white_check_mark");
    assert_eq!(reactions[0]["timestamp"], "1700000000.000100");

    // Display names are looked up once and cached; the bot's id comes from auth.test.
    standin.set_display_name("U1", "Alice");
    assert_eq!(
        chat.display_name("slack:U1").await.as_deref(),
        Some("Alice")
    );
    assert_eq!(chat.display_name("U1").await.as_deref(), Some("Alice"));
    assert_eq!(standin.calls("users.info").len(), 1);
    assert_eq!(chat.bot_user_id().await.unwrap(), BOT_USER_ID);
}

#[tokio::test]
async fn rate_limit_is_honoured_then_succeeds_or_fails_loudly() {
    let standin = SlackStandIn::start().await;
    let chat = SlackChat::new(&settings(&standin)).unwrap();
    standin.fail_next("chat.postMessage", 1, 1);
    let post = Outgoing::Post {
        local_id: 1,
        channel: "C1".into(),
        thread: None,
        message: "hello".into(),
        buttons: vec![],
    };
    let started = Instant::now();
    let ts = chat.send(&post).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After not honoured: {:?}",
        started.elapsed()
    );
    assert_eq!(ts.as_deref(), Some("1700000000.000100"));
    assert_eq!(standin.calls("chat.postMessage").len(), 2);

    // Never silently dropped: after 5 refusals the caller gets an error to retry later.
    standin.fail_next("reactions.add", 5, 0);
    let react = Outgoing::React {
        local_id: 1,
        channel: "C1".into(),
        thread: None,
        message_ref: "1.0".into(),
        emoji: "eyes".into(),
    };
    let err = chat.send(&react).await.unwrap_err();
    assert!(
        matches!(err, adapters::chat::ChatError::Unreachable { .. }),
        "{err:?}"
    );
    assert_eq!(standin.calls("reactions.add").len(), 5);
}

async fn events_server(
    standin: &SlackStandIn,
) -> (std::net::SocketAddr, Arc<Recorder>, JoinHandle<()>) {
    let chat = Arc::new(SlackChat::new(&settings(standin)).unwrap());
    let sink = Arc::new(Recorder::default());
    let router = events_router_with(
        chat.clone(),
        chat,
        sink.clone() as Arc<dyn EventSink>,
        SlackSecret::new("test-signing-secret"),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    (addr, sink, server)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn signed_post(
    addr: std::net::SocketAddr,
    path: &str,
    body: &str,
    ts: i64,
    secret: &str,
    ct: &str,
) -> (u16, String) {
    let ts = ts.to_string();
    let sig = sign_request(secret, &ts, body.as_bytes());
    http_post(
        addr,
        path,
        &[
            ("Content-Type", ct),
            ("X-Slack-Request-Timestamp", &ts),
            ("X-Slack-Signature", &sig),
        ],
        body.as_bytes(),
    )
    .await
}

#[tokio::test]
async fn events_api_verifies_then_delivers() {
    let standin = SlackStandIn::start().await;
    let (addr, sink, server) = events_server(&standin).await;
    let json_ct = "application/json";
    let body = event_callback(
        "EvHttp",
        message("D2", "im", "U1", "status?", "1700000010.0"),
    )
    .to_string();

    // Valid: 200 and delivered.
    let (status, _) = signed_post(
        addr,
        "/slack/events",
        &body,
        now(),
        "test-signing-secret",
        json_ct,
    )
    .await;
    assert_eq!(status, 200);
    let got = sink.wait_for(1).await;
    assert_eq!(got[0].event_id, "slack:msg:D2:1700000010.0");

    // Wrong secret, stale timestamp, missing headers: 401 and no effect.
    let other =
        event_callback("EvBad", message("D2", "im", "U1", "forged", "1700000011.0")).to_string();
    let (status, _) = signed_post(
        addr,
        "/slack/events",
        &other,
        now(),
        "wrong-secret",
        json_ct,
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = signed_post(
        addr,
        "/slack/events",
        &other,
        now() - 301,
        "test-signing-secret",
        json_ct,
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = http_post(
        addr,
        "/slack/events",
        &[("Content-Type", json_ct)],
        other.as_bytes(),
    )
    .await;
    assert_eq!(status, 401);
    let ts = now().to_string();
    let (status, _) = http_post(
        addr,
        "/slack/events",
        &[
            ("Content-Type", json_ct),
            ("X-Slack-Request-Timestamp", &ts),
        ],
        other.as_bytes(),
    )
    .await;
    assert_eq!(status, 401);
    // A body altered after signing.
    let sig = sign_request("test-signing-secret", &ts, body.as_bytes());
    let (status, _) = http_post(
        addr,
        "/slack/events",
        &[
            ("X-Slack-Request-Timestamp", &ts),
            ("X-Slack-Signature", &sig),
        ],
        other.as_bytes(),
    )
    .await;
    assert_eq!(status, 401);

    // url_verification: the challenge comes back.
    let challenge = json!({"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}).to_string();
    let (status, answer) = signed_post(
        addr,
        "/slack/events",
        &challenge,
        now(),
        "test-signing-secret",
        json_ct,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );
    // Unsigned url_verification is refused too.
    let (status, _) = http_post(addr, "/slack/events", &[], challenge.as_bytes()).await;
    assert_eq!(status, 401);

    // Interactions: form-encoded payload=..., signed.
    let payload = json!({
        "type": "block_actions", "user": {"id": "U5", "name": "bob"},
        "container": {"type": "message", "message_ts": "1700000000.000300", "channel_id": "C1"},
        "channel": {"id": "C1"}, "message": {"ts": "1700000000.000300", "text": "Approve?"},
        "actions": [{"type": "button", "action_id": "reject", "value": "reject", "action_ts": "1700000012.5"}],
    });
    let form: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish();
    let form_ct = "application/x-www-form-urlencoded";
    let (status, _) = signed_post(
        addr,
        "/slack/interactions",
        &form,
        now(),
        "wrong-secret",
        form_ct,
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = signed_post(
        addr,
        "/slack/interactions",
        &form,
        now(),
        "test-signing-secret",
        form_ct,
    )
    .await;
    assert_eq!(status, 200);
    // A refused request is answered 401 before anything is handed on, so the status codes
    // above already show no effect; the count below checks nothing else arrived either.
    let got = sink.wait_for(2).await;
    assert_eq!(sink.all().len(), 2, "{:#?}", sink.all());
    assert_eq!(
        got[1].kind,
        IncomingKind::Button {
            message_ref: "1700000000.000300".into(),
            action: "reject".into()
        }
    );
    assert_eq!(got[1].thread.as_deref(), Some("1700000000.000300"));
    server.abort();
}

// Slack's worked example ("Verifying requests from Slack"). The brief's copy had a garbled
// `token=` value; this is the published one (token `xyzz0WbapA4vBCDEFasx0q6G`).
const DOC_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
const DOC_TS: &str = "1531420618";
const DOC_BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const DOC_SIG: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

#[test]
fn slacks_documented_signing_example_verifies() {
    assert_eq!(
        sign_request(DOC_SECRET, DOC_TS, DOC_BODY.as_bytes()),
        DOC_SIG
    );
    assert_eq!(
        verify_request(
            DOC_SECRET,
            DOC_TS,
            DOC_SIG,
            DOC_BODY.as_bytes(),
            1_531_420_618 + 60
        ),
        Ok(())
    );
    // The same request five minutes and one second later is a replay.
    assert_eq!(
        verify_request(
            DOC_SECRET,
            DOC_TS,
            DOC_SIG,
            DOC_BODY.as_bytes(),
            1_531_420_618 + 301
        ),
        Err(SignatureError::Stale(301))
    );
    let tampered = DOC_BODY.replace("roadrunner", "wile_e");
    assert_eq!(
        verify_request(
            DOC_SECRET,
            DOC_TS,
            DOC_SIG,
            tampered.as_bytes(),
            1_531_420_618
        ),
        Err(SignatureError::Mismatch)
    );
    // slack-morphism's verifier agrees on the signature (it fails only on the 2018 timestamp).
    let verifier = slack_morphism::signature_verifier::SlackEventSignatureVerifier::new(
        &DOC_SECRET.to_string().into(),
    );
    match verifier.verify(DOC_SIG, DOC_BODY, DOC_TS) {
        Err(slack_morphism::signature_verifier::SlackEventSignatureVerifierError::IncorrectOrExpiredTimestampError(_)) => {}
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn run_socket_mode_from_settings_delivers_and_stops() {
    let standin = SlackStandIn::start().await;
    let sink = Arc::new(Recorder::default());
    let shutdown = CancellationToken::new();
    let settings = settings(&standin);
    let runner = {
        let sink = sink.clone() as Arc<dyn EventSink>;
        let shutdown = shutdown.clone();
        tokio::spawn(async move { run_socket_mode(&settings, sink, shutdown).await })
    };
    assert!(standin.wait_connections(1, WAIT).await);
    let env = standin.push_event(event_callback(
        "EvS",
        message("D3", "im", "U1", "<@UBOT> ping", "5.5"),
    ));
    assert!(standin.wait_acked(&env, WAIT).await);
    let got = sink.wait_for(1).await;
    assert_eq!(
        got[0].kind,
        IncomingKind::Message {
            text: "ping".into(),
            message_ref: "5.5".into(),
            direct: true
        }
    );
    assert_eq!(got[0].user_name.as_deref(), Some("Name of U1"));
    shutdown.cancel();
    let result = tokio::time::timeout(WAIT, runner)
        .await
        .expect("runner stops")
        .unwrap();
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn refused_app_token_stops_socket_mode_with_an_error() {
    let standin = SlackStandIn::start().await;
    standin.reject_next("apps.connections.open", 1, "invalid_auth");
    let sink = Arc::new(Recorder::default()) as Arc<dyn EventSink>;
    let result = tokio::time::timeout(
        WAIT,
        run_socket_mode(&settings(&standin), sink, CancellationToken::new()),
    )
    .await
    .expect("gives up promptly");
    match result {
        Err(adapters::chat::ChatError::Rejected { detail, .. }) => {
            assert!(detail.contains("invalid_auth"), "{detail}")
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(standin.connections(), 0);
}

#[tokio::test]
async fn unreachable_slack_gives_up_after_the_configured_attempts() {
    // A port nothing listens on (bound, then released).
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut settings = SlackSettings::new("xoxb-test");
    settings.api_url = format!("http://127.0.0.1:{port}/api/");
    settings.app_token = Some(SlackSecret::new("xapp-test"));
    settings.max_reconnect_attempts = 2;
    let sink = Arc::new(Recorder::default()) as Arc<dyn EventSink>;
    let result = tokio::time::timeout(
        WAIT,
        run_socket_mode(&settings, sink, CancellationToken::new()),
    )
    .await
    .expect("gives up within the bound");
    assert!(
        matches!(result, Err(adapters::chat::ChatError::Unreachable { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn events_router_needs_a_signing_secret() {
    let standin = SlackStandIn::start().await;
    let mut settings = settings(&standin);
    let sink = Arc::new(Recorder::default()) as Arc<dyn EventSink>;
    assert!(events_router(&settings, sink.clone()).is_ok());
    settings.signing_secret = None;
    assert!(events_router(&settings, sink).is_err());
}

/// A request body that records whether anyone read it and never yields data.
fn unread_body(polled: Arc<std::sync::atomic::AtomicBool>) -> axum::body::Body {
    let stream = futures_util::stream::poll_fn(move |_| {
        polled.store(true, std::sync::atomic::Ordering::SeqCst);
        std::task::Poll::<Option<Result<Vec<u8>, std::io::Error>>>::Pending
    });
    axum::body::Body::from_stream(stream)
}

#[tokio::test]
async fn events_refuses_unsigned_requests_without_reading_the_body_and_caps_signed_ones() {
    use tower::ServiceExt as _;
    let standin = SlackStandIn::start().await;
    let chat = Arc::new(SlackChat::new(&settings(&standin)).unwrap());
    let router = events_router_with(
        chat.clone(),
        chat,
        Arc::new(Recorder::default()) as Arc<dyn EventSink>,
        SlackSecret::new("test-signing-secret"),
    );
    let ts = now().to_string();
    let request = |path: &str, headers: &[(&str, &str)], body: axum::body::Body| {
        let mut b = axum::http::Request::post(path);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(body).unwrap()
    };
    let well_formed = format!("v0={}", "0".repeat(64));
    for (path, headers) in [
        ("/slack/events", vec![]),
        ("/slack/interactions", vec![]),
        (
            "/slack/events",
            vec![("X-Slack-Request-Timestamp", ts.as_str())],
        ),
        (
            "/slack/events",
            vec![
                ("X-Slack-Request-Timestamp", "1531420618"),
                ("X-Slack-Signature", well_formed.as_str()),
            ],
        ),
        (
            "/slack/interactions",
            vec![
                ("X-Slack-Request-Timestamp", ts.as_str()),
                ("X-Slack-Signature", "v0=short"),
            ],
        ),
    ] {
        let polled = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let res = router
            .clone()
            .oneshot(request(path, &headers, unread_body(polled.clone())))
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{path} {headers:?}");
        assert!(
            !polled.load(std::sync::atomic::Ordering::SeqCst),
            "the body of an unsigned request was read: {path} {headers:?}"
        );
    }

    // A signed body over the cap, streamed without a Content-Length: 413 once the cap is passed.
    let text = "y".repeat(MAX_BODY_BYTES);
    let body =
        event_callback("EvHuge", message("D2", "im", "U1", &text, "1700000011.0")).to_string();
    let sig = sign_request("test-signing-secret", &ts, body.as_bytes());
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body
        .as_bytes()
        .chunks(64 * 1024)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let res = router
        .clone()
        .oneshot(request(
            "/slack/events",
            &[
                ("X-Slack-Request-Timestamp", &ts),
                ("X-Slack-Signature", &sig),
            ],
            axum::body::Body::from_stream(futures_util::stream::iter(chunks)),
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    // The same with a Content-Length over the cap: 413 without reading.
    let polled = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let res = router
        .clone()
        .oneshot(request(
            "/slack/events",
            &[
                ("X-Slack-Request-Timestamp", &ts),
                ("X-Slack-Signature", &sig),
                ("Content-Length", &body.len().to_string()),
            ],
            unread_body(polled.clone()),
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert!(!polled.load(std::sync::atomic::Ordering::SeqCst));
    // Just under the cap, signed: accepted.
    let text = "z".repeat(MAX_BODY_BYTES - 1000);
    let body =
        event_callback("EvNear", message("D2", "im", "U1", &text, "1700000012.0")).to_string();
    assert!(body.len() <= MAX_BODY_BYTES);
    let sig = sign_request("test-signing-secret", &ts, body.as_bytes());
    let res = router
        .oneshot(request(
            "/slack/events",
            &[
                ("X-Slack-Request-Timestamp", &ts),
                ("X-Slack-Signature", &sig),
            ],
            axum::body::Body::from(body),
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn concurrent_lookups_of_one_user_share_one_users_info_call() {
    let standin = SlackStandIn::start().await;
    let chat = Arc::new(SlackChat::new(&settings(&standin)).unwrap());
    standin.set_display_name("U7", "Grace");
    // The first call is held back by a 429 (Retry-After 1 s): every other look-up of the same
    // user starts while it is in flight.
    standin.fail_next("users.info", 1, 1);
    let mut lookups = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let chat = chat.clone();
        lookups.spawn(async move { chat.display_name("slack:U7").await });
    }
    let names = lookups.join_all().await;
    assert!(
        names.iter().all(|n| n.as_deref() == Some("Grace")),
        "{names:?}"
    );
    // One call refused, its retry answered: two requests for twenty look-ups.
    assert_eq!(standin.calls("users.info").len(), 2);
}
