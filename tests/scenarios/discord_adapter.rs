//! The Discord adapter against the loopback stand-in: gateway decoding, REST sending, reconnects.

use adapters::chat::{Button, Chat, EventSink, Incoming, IncomingKind, Outgoing};
use adapters::discord::{intents, run_gateway, DiscordChat, DiscordSettings};
use async_trait::async_trait;
use kmsbot_tests::discord_standin::{
    button_json, message_json, reaction_json, user_json, DiscordStandIn, BOT_ID, GUILD_ID,
};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(20);
const CHANNEL: u64 = 700_000_000_000_000_001;
const ALICE: u64 = 600_000_000_000_000_007;

#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<Incoming>>,
}

#[async_trait]
impl EventSink for Recorder {
    async fn deliver(&self, incoming: Incoming) {
        self.events.lock().expect("recorder lock").push(incoming);
    }
}

impl Recorder {
    fn events(&self) -> Vec<Incoming> {
        self.events.lock().expect("recorder lock").clone()
    }

    async fn wait_for(&self, n: usize) -> Vec<Incoming> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let events = self.events();
            if events.len() >= n || tokio::time::Instant::now() >= deadline {
                return events;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

struct Harness {
    standin: DiscordStandIn,
    sink: Arc<Recorder>,
    shutdown: CancellationToken,
    gateway: tokio::task::JoinHandle<Result<(), adapters::chat::ChatError>>,
}

impl Harness {
    async fn start() -> Harness {
        let standin = DiscordStandIn::start().await;
        let sink = Arc::new(Recorder::default());
        let shutdown = CancellationToken::new();
        let mut settings = DiscordSettings::new("test-token");
        settings.api_url = standin.api_url();
        let gateway = tokio::spawn(run_gateway(
            settings,
            Arc::clone(&sink) as Arc<dyn EventSink>,
            shutdown.clone(),
        ));
        assert!(standin.wait_live(1, WAIT).await, "the bot never identified");
        Harness {
            standin,
            sink,
            shutdown,
            gateway,
        }
    }

    fn chat(&self) -> DiscordChat {
        let mut settings = DiscordSettings::new("test-token");
        settings.api_url = self.standin.api_url();
        DiscordChat::new(&settings).expect("loopback settings")
    }

    async fn stop(self) {
        self.shutdown.cancel();
        let done = tokio::time::timeout(WAIT, self.gateway)
            .await
            .expect("gateway stops on shutdown")
            .expect("gateway task not panicked");
        assert!(done.is_ok(), "{done:?}");
    }
}

fn alice() -> Value {
    user_json(ALICE, "alice", false)
}

fn post(channel: u64, thread: Option<u64>, text: &str, buttons: Vec<Button>) -> Outgoing {
    Outgoing::Post {
        local_id: 1,
        channel: channel.to_string(),
        thread: thread.map(|t| t.to_string()),
        message: text.into(),
        buttons,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identify_carries_exactly_the_intents() {
    let h = Harness::start().await;
    assert_eq!(h.standin.identified_intents(), Some(intents().bits()));
    // GUILD_MESSAGES | GUILD_MESSAGE_REACTIONS | DIRECT_MESSAGES | DIRECT_MESSAGE_REACTIONS |
    // MESSAGE_CONTENT
    assert_eq!(
        intents().bits(),
        (1 << 9) | (1 << 10) | (1 << 12) | (1 << 13) | (1 << 15)
    );
    assert_eq!(h.standin.calls_to("GET", "/gateway").len(), 1);
    assert_eq!(h.standin.calls_to("GET", "/users/@me").len(), 1);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guild_mention_arrives_stripped_in_a_thread_and_replays_share_the_id() {
    let h = Harness::start().await;
    let id = h.standin.next_id();
    let msg = message_json(
        id,
        CHANNEL,
        Some(GUILD_ID),
        alice(),
        &format!("<@{BOT_ID}> how do I activate Windows?"),
        &[41, 42],
    );
    h.standin.dispatch("MESSAGE_CREATE", msg.clone());
    h.standin.dispatch("MESSAGE_CREATE", msg);
    let events = h.sink.wait_for(2).await;
    assert_eq!(events.len(), 2);
    let e = &events[0];
    assert_eq!(e.event_id, format!("discord:msg:{id}"));
    assert_eq!(events[1].event_id, e.event_id);
    assert_eq!(e.channel, CHANNEL.to_string());
    assert_eq!(e.thread, Some(id.to_string()));
    assert_eq!(e.user, format!("discord:{ALICE}"));
    assert_eq!(e.roles, vec!["41".to_string(), "42".to_string()]);
    assert_eq!(
        e.kind,
        IncomingKind::Message {
            text: "how do I activate Windows?".into(),
            message_ref: id.to_string(),
            direct: false
        }
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bots_and_unaddressed_messages_are_ignored_and_dms_are_direct() {
    let h = Harness::start().await;
    let own = message_json(
        h.standin.next_id(),
        CHANNEL,
        Some(GUILD_ID),
        user_json(BOT_ID, "kmsbot", true),
        &format!("<@{BOT_ID}> talking to myself"),
        &[],
    );
    let other_bot = message_json(
        h.standin.next_id(),
        CHANNEL,
        Some(GUILD_ID),
        user_json(555, "otherbot", true),
        &format!("<@{BOT_ID}> hello fellow bot"),
        &[],
    );
    let chatter = message_json(
        h.standin.next_id(),
        CHANNEL,
        Some(GUILD_ID),
        alice(),
        "lunch?",
        &[],
    );
    let dm_id = h.standin.next_id();
    let dm = message_json(dm_id, 123_456, None, alice(), "  hello bot  ", &[]);
    // A sentinel DM after the ignored messages: once it (and the real DM) arrived, the others
    // had their turn. serenity runs each event in its own task, so this is the same evidence a
    // wait would give, without guessing a duration.
    let sentinel = message_json(h.standin.next_id(), 123_456, None, alice(), "sentinel", &[]);
    for m in [own, other_bot, chatter, dm, sentinel] {
        h.standin.dispatch("MESSAGE_CREATE", m);
    }
    let events = h.sink.wait_for(2).await;
    assert_eq!(events.len(), 2, "{events:#?}");
    let is_sentinel =
        |e: &Incoming| matches!(&e.kind, IncomingKind::Message { text, .. } if text == "sentinel");
    assert_eq!(events.iter().filter(|e| is_sentinel(e)).count(), 1);
    let Some(e) = events.iter().find(|e| !is_sentinel(e)) else {
        panic!("only the sentinel arrived: {events:#?}")
    };
    assert_eq!(e.channel, "123456");
    assert_eq!(e.thread, None);
    assert!(e.roles.is_empty());
    assert_eq!(
        e.kind,
        IncomingKind::Message {
            text: "hello bot".into(),
            message_ref: dm_id.to_string(),
            direct: true
        }
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_in_a_thread_the_bot_started_arrive_without_a_mention() {
    let h = Harness::start().await;
    let chat = h.chat();
    let asking = h.standin.next_id();
    chat.send(&post(CHANNEL, Some(asking), "Here is how.", vec![]))
        .await
        .expect("post");
    // Somebody else's thread: unaddressed messages there are ignored.
    let foreign = h.standin.next_id();
    h.standin.add_thread(foreign, CHANNEL, ALICE);
    let ignored = message_json(
        h.standin.next_id(),
        foreign,
        Some(GUILD_ID),
        alice(),
        "hmm",
        &[],
    );
    h.standin.dispatch("MESSAGE_CREATE", ignored);
    let follow = h.standin.next_id();
    let msg = message_json(follow, asking, Some(GUILD_ID), alice(), "and then?", &[7]);
    h.standin.dispatch("MESSAGE_CREATE", msg);
    let events = h.sink.wait_for(1).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    let e = &events[0];
    assert_eq!(e.channel, CHANNEL.to_string());
    assert_eq!(e.thread, Some(asking.to_string()));
    assert_eq!(e.roles, vec!["7".to_string()]);
    assert_eq!(
        e.kind,
        IncomingKind::Message {
            text: "and then?".into(),
            message_ref: follow.to_string(),
            direct: false
        }
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reactions_are_decoded_with_member_roles() {
    let h = Harness::start().await;
    let target = h.standin.next_id();
    let roles: &[u64] = &[42];
    // serenity runs one task per event, so only events some time apart keep their order
    // (as a person's add and remove always are); see `run_gateway`.
    let gap = || tokio::time::sleep(Duration::from_millis(100));
    h.standin.dispatch(
        "MESSAGE_REACTION_ADD",
        reaction_json(
            ALICE,
            CHANNEL,
            target,
            Some(GUILD_ID),
            "\u{2705}",
            Some(roles),
        ),
    );
    gap().await;
    h.standin.dispatch(
        "MESSAGE_REACTION_REMOVE",
        reaction_json(ALICE, CHANNEL, target, Some(GUILD_ID), "\u{2705}", None),
    );
    gap().await;
    // The bot's own reaction is ignored.
    h.standin.dispatch(
        "MESSAGE_REACTION_ADD",
        reaction_json(
            BOT_ID,
            CHANNEL,
            target,
            Some(GUILD_ID),
            "\u{2705}",
            Some(&[]),
        ),
    );
    gap().await;
    h.standin.dispatch(
        "MESSAGE_REACTION_ADD",
        reaction_json(
            ALICE,
            CHANNEL,
            target,
            Some(GUILD_ID),
            "\u{2705}",
            Some(roles),
        ),
    );
    gap().await;
    // Sentinel: a reaction on another message, after the bot's own (ignored) one.
    let other = h.standin.next_id();
    h.standin.dispatch(
        "MESSAGE_REACTION_ADD",
        reaction_json(
            ALICE,
            CHANNEL,
            other,
            Some(GUILD_ID),
            "\u{2705}",
            Some(roles),
        ),
    );
    let events = h.sink.wait_for(4).await;
    assert_eq!(events.len(), 4, "{events:#?}");
    assert!(
        matches!(&events[3].kind, IncomingKind::ReactionAdded { message_ref, .. } if *message_ref == other.to_string()),
        "the sentinel is last: {events:#?}"
    );
    assert!(
        events.iter().all(|e| e.user != format!("discord:{BOT_ID}")),
        "the bot's own reaction is ignored: {events:#?}"
    );
    let events = &events[..3];
    let check = IncomingKind::ReactionAdded {
        message_ref: target.to_string(),
        emoji: "white_check_mark".into(),
    };
    assert_eq!(events[0].kind, check);
    assert_eq!(events[0].roles, vec!["42".to_string()]);
    assert_eq!(events[0].user, format!("discord:{ALICE}"));
    assert_eq!(events[0].channel, CHANNEL.to_string());
    assert_eq!(
        events[1].kind,
        IncomingKind::ReactionRemoved {
            message_ref: target.to_string(),
            emoji: "white_check_mark".into()
        }
    );
    assert_eq!(events[2].kind, check);
    let prefix = format!("discord:react:add:{target}:{ALICE}:white_check_mark:");
    assert!(
        events[0].event_id.starts_with(&prefix),
        "{}",
        events[0].event_id
    );
    assert!(events[2].event_id.starts_with(&prefix));
    assert_ne!(
        events[0].event_id, events[2].event_id,
        "a re-add is a new event"
    );
    assert!(events[1].event_id.starts_with("discord:react:remove:"));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_are_acknowledged_and_decoded() {
    let h = Harness::start().await;
    let chat = h.chat();
    let buttons = vec![
        Button {
            action: "approve".into(),
            label: "Approve".into(),
        },
        Button {
            action: "reject".into(),
            label: "Reject".into(),
        },
    ];
    let posted = chat
        .send(&post(
            CHANNEL,
            None,
            "Approve activation of 3 hosts?",
            buttons,
        ))
        .await
        .expect("post")
        .expect("a message id");
    let sent = h
        .standin
        .calls_to("POST", &format!("/channels/{CHANNEL}/messages"));
    let row = &sent[0].body["components"][0];
    assert_eq!(row["type"], 1);
    assert_eq!(row["components"][0]["custom_id"], "approve");
    assert_eq!(row["components"][0]["style"], 3);
    assert_eq!(row["components"][1]["custom_id"], "reject");
    assert_eq!(row["components"][1]["style"], 4);

    let message = h
        .standin
        .message(posted.parse().expect("numeric id"))
        .expect("kept");
    let interaction = h.standin.next_id();
    h.standin.dispatch(
        "INTERACTION_CREATE",
        button_json(
            interaction,
            CHANNEL,
            Some(GUILD_ID),
            message,
            "approve",
            ALICE,
            &[42],
        ),
    );
    let events = h.sink.wait_for(1).await;
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.event_id, format!("discord:interaction:{interaction}"));
    assert_eq!(e.roles, vec!["42".to_string()]);
    assert_eq!(e.user, format!("discord:{ALICE}"));
    assert_eq!(
        e.kind,
        IncomingKind::Button {
            message_ref: posted.clone(),
            action: "approve".into()
        }
    );
    let acks = h
        .standin
        .calls_to("POST", &format!("/interactions/{interaction}/"));
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].body["type"], 6);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_posts_into_a_thread_on_the_asking_message_edits_and_reacts() {
    let standin = DiscordStandIn::start().await;
    let mut settings = DiscordSettings::new("test-token");
    settings.api_url = standin.api_url();
    let chat = DiscordChat::new(&settings).expect("settings");
    let asking = standin.next_id();
    let first = chat
        .send(&post(
            CHANNEL,
            Some(asking),
            "**Step 1**: run `slmgr /ato`",
            vec![],
        ))
        .await
        .expect("post")
        .expect("id");
    let second = chat
        .send(&post(CHANNEL, Some(asking), "Step 2", vec![]))
        .await
        .expect("post")
        .expect("id");
    let threads = standin.calls_to(
        "POST",
        &format!("/channels/{CHANNEL}/messages/{asking}/threads"),
    );
    assert_eq!(threads.len(), 1, "the thread is started once");
    assert_eq!(threads[0].body["name"], "Step 1: run slmgr /ato");
    let in_thread = standin.calls_to("POST", &format!("/channels/{asking}/messages"));
    assert_eq!(in_thread.len(), 2);
    assert_eq!(in_thread[0].body["content"], "**Step 1**: run `slmgr /ato`");
    assert!(standin
        .calls_to("POST", &format!("/channels/{CHANNEL}/messages"))
        .iter()
        .all(|c| c.path.ends_with("/threads")));
    assert_ne!(first, second);

    // The bot stores the parent channel; the adapter finds the thread channel itself.
    chat.send(&Outgoing::Edit {
        local_id: 1,
        channel: CHANNEL.to_string(),
        thread: None,
        message_ref: first.clone(),
        message: "**Step 1** (done)".into(),
    })
    .await
    .expect("edit");
    let edits = standin.calls_to("PATCH", &format!("/channels/{asking}/messages/{first}"));
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].body["content"], "**Step 1** (done)");

    chat.send(&Outgoing::React {
        local_id: 1,
        channel: CHANNEL.to_string(),
        thread: None,
        message_ref: asking.to_string(),
        emoji: "white_check_mark".into(),
    })
    .await
    .expect("react");
    let reacts = standin.calls_to(
        "PUT",
        &format!("/channels/{CHANNEL}/messages/{asking}/reactions/\u{2705}/@me"),
    );
    assert_eq!(reacts.len(), 1);

    // A new process (no memory) posting into the same thread: "already created" is fine.
    let fresh = DiscordChat::new(&settings).expect("settings");
    fresh
        .send(&post(CHANNEL, Some(asking), "Step 3", vec![]))
        .await
        .expect("post after restart");
    assert_eq!(
        standin
            .calls_to("POST", &format!("/channels/{asking}/messages"))
            .len(),
        3
    );

    // Unknown message: Discord's refusal comes back as Rejected.
    let err = chat
        .send(&Outgoing::Edit {
            local_id: 2,
            channel: CHANNEL.to_string(),
            thread: None,
            message_ref: "12345".into(),
            message: "x".into(),
        })
        .await
        .expect_err("unknown message");
    assert!(
        matches!(err, adapters::chat::ChatError::Rejected { .. }),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_messages_split_into_valid_pieces_with_code_blocks_balanced() {
    let standin = DiscordStandIn::start().await;
    let mut settings = DiscordSettings::new("test-token");
    settings.api_url = standin.api_url();
    let chat = DiscordChat::new(&settings).expect("settings");
    let mut text = String::from("Run these on each host:\n```powershell\n");
    while text.chars().count() < 4400 {
        let n = text.len();
        text.push_str(&format!(
            "slmgr /skms kms.example.internal:1688 # host {n:05}\n"
        ));
    }
    text.push_str("```\nThen check with `slmgr /dlv`.\n");
    while text.chars().count() < 4500 {
        text.push('.');
    }
    assert_eq!(text.chars().count(), 4500);
    let buttons = vec![Button {
        action: "approve".into(),
        label: "Approve".into(),
    }];
    let last = chat
        .send(&post(CHANNEL, None, &text, buttons))
        .await
        .expect("post")
        .expect("id");
    let posts = standin.calls_to("POST", &format!("/channels/{CHANNEL}/messages"));
    assert_eq!(posts.len(), 3);
    for (i, p) in posts.iter().enumerate() {
        let content = p.body["content"].as_str().expect("content");
        assert!(content.chars().count() <= 2000, "piece {i} too long");
        let fences = content
            .lines()
            .filter(|l| l.trim_start().starts_with("```"))
            .count();
        assert_eq!(
            fences % 2,
            0,
            "piece {i} leaves a code block open:\n{content}"
        );
        let has_buttons = p.body["components"]
            .as_array()
            .is_some_and(|c| !c.is_empty());
        assert_eq!(has_buttons, i == 2, "buttons only on the last piece");
    }
    assert!(posts[1].body["content"]
        .as_str()
        .is_some_and(|c| c.starts_with("```powershell\n")));
    let ids: Vec<String> = standin
        .calls_to("POST", "/channels/")
        .iter()
        .map(|c| c.path.clone())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(standin.message(last.parse().expect("id")).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_gateway_reconnects_and_later_events_arrive() {
    let h = Harness::start().await;
    let before = h.standin.next_id();
    h.standin.dispatch(
        "MESSAGE_CREATE",
        message_json(
            before,
            CHANNEL,
            Some(GUILD_ID),
            alice(),
            &format!("<@{BOT_ID}> one"),
            &[],
        ),
    );
    assert_eq!(h.sink.wait_for(1).await.len(), 1);
    h.standin.drop_gateway();
    let after = h.standin.next_id();
    // Dispatched while the bot is away: sent after it comes back.
    h.standin.dispatch(
        "MESSAGE_CREATE",
        message_json(
            after,
            CHANNEL,
            Some(GUILD_ID),
            alice(),
            &format!("<@{BOT_ID}> two"),
            &[],
        ),
    );
    assert!(
        h.standin.wait_live(2, WAIT).await,
        "the bot did not come back"
    );
    assert!(h.standin.connections() >= 2);
    assert!(
        h.standin.resumes() + h.standin.identifies() >= 2,
        "neither resumed nor re-identified"
    );
    let events = h.sink.wait_for(2).await;
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_eq!(events[1].event_id, format!("discord:msg:{after}"));
    let third = h.standin.next_id();
    h.standin.dispatch(
        "MESSAGE_CREATE",
        message_json(
            third,
            CHANNEL,
            Some(GUILD_ID),
            alice(),
            &format!("<@{BOT_ID}> three"),
            &[],
        ),
    );
    let events = h.sink.wait_for(3).await;
    assert_eq!(events.len(), 3);
    assert_eq!(events[2].event_id, format!("discord:msg:{third}"));
    eprintln!(
        "reconnect: connections={} identifies={} resumes={}",
        h.standin.connections(),
        h.standin.identifies(),
        h.standin.resumes()
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalidated_session_is_identified_afresh() {
    let h = Harness::start().await;
    h.standin.invalidate_session();
    let id = h.standin.next_id();
    h.standin.dispatch(
        "MESSAGE_CREATE",
        message_json(
            id,
            CHANNEL,
            Some(GUILD_ID),
            alice(),
            &format!("<@{BOT_ID}> back?"),
            &[],
        ),
    );
    assert!(
        h.standin.wait_live(2, WAIT).await,
        "the bot did not come back"
    );
    assert_eq!(
        h.standin.identifies(),
        2,
        "a second IDENTIFY after INVALID_SESSION"
    );
    assert_eq!(h.standin.identified_intents(), Some(intents().bits()));
    let events = h.sink.wait_for(1).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_id, format!("discord:msg:{id}"));
    h.stop().await;
}
