//! Property-based fuzzing of what comes in from outside at the edges: the console line grammar,
//! Slack event and interaction payloads, and Discord gateway payloads (messages, reactions,
//! button interactions). The property is "no panic". Payloads are valid templates with random
//! fields replaced, removed or retyped, plus arbitrary JSON. Also the bot's own Markdown: split
//! into blocks it renders back as written, and packed pieces stay within their limit. CI runs the default 256 cases per
//! target; `PROPTEST_CASES=100000` runs longer (README, FUZZING).
#![allow(clippy::unwrap_used)] // tests may unwrap: a panic is the failure report

use adapters::discord::{self, ChannelContext, ReactionLedger};
use adapters::slack::{self, NoThreads};
use kmsbot_tests::discord_standin::{
    button_json, message_json, reaction_json, user_json, BOT_ID, GUILD_ID,
};
use kmsbot_tests::slack_standin::{event_callback, BOT_USER_ID};
use proptest::prelude::*;
use serde_json::{json, Value};
use serenity::model::application::ComponentInteraction;
use serenity::model::channel::{Message, Reaction};
use serenity::model::id::{ChannelId, UserId};

/// Text with the bits the decoders look for.
fn text() -> impl Strategy<Value = String> {
    let bits = prop::sample::select(
        &[
            "<@UBOT>",
            "<@U1>",
            "<@900000000000000001>",
            "<@!900000000000000001>",
            "<@",
            ">",
            "@",
            "/",
            "/user",
            "/channel",
            "/thread",
            "/as",
            "bob",
            "#",
            "ops",
            "\u{0}",
            "\u{1b}]0;x\u{7}",
            "é",
            "\u{FFFD}",
            " ",
            "\t",
            "help",
            "approve",
            "job:1",
            "approve:1",
            "reject:1",
        ][..],
    );
    prop::collection::vec(
        prop_oneof![3 => bits.prop_map(str::to_string), 1 => any::<String>()],
        0..12,
    )
    .prop_map(|v| v.concat())
}

/// Any JSON value, small.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        text().prop_map(Value::String),
        "[0-9]{1,20}".prop_map(Value::String),
        "[0-9]{10}\\.[0-9]{6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::hash_map("[a-z_]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every JSON pointer inside `v`.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        _ => {}
    }
}

/// Replaces (or, with `None`, removes) the values at some of `template`'s places.
fn mutate(mut template: Value, edits: &[(usize, Option<Value>)]) -> Value {
    for (pick, new) in edits {
        let mut all = Vec::new();
        pointers(&template, String::new(), &mut all);
        if all.is_empty() {
            break;
        }
        let p = &all[pick % all.len()];
        match new {
            Some(v) => {
                if let Some(slot) = template.pointer_mut(p) {
                    *slot = v.clone();
                }
            }
            None => {
                let (parent, key) = p.rsplit_once('/').unwrap();
                let parent = if parent.is_empty() {
                    Some(&mut template)
                } else {
                    template.pointer_mut(parent)
                };
                if let Some(Value::Object(m)) = parent {
                    m.remove(&key.replace("~1", "/").replace("~0", "~"));
                }
            }
        }
    }
    template
}

fn edits() -> impl Strategy<Value = Vec<(usize, Option<Value>)>> {
    prop::collection::vec(
        (any::<usize>(), prop::option::weighted(0.8, json_value())),
        0..6,
    )
}

fn slack_templates(text: &str) -> Vec<Value> {
    vec![
        event_callback(
            "Ev1",
            json!({"type": "message", "channel": "C1", "channel_type": "channel", "user": "U1",
                   "text": text, "ts": "1700000001.000100", "thread_ts": "1700000000.000100",
                   "event_ts": "1700000001.000100"}),
        ),
        event_callback(
            "Ev2",
            json!({"type": "app_mention", "channel": "D1", "channel_type": "im", "user": "U1",
                   "text": text, "ts": "1700000001.000100", "subtype": "message_changed",
                   "message": {"text": text, "user": "U1"}, "bot_id": "B1"}),
        ),
        event_callback(
            "Ev3",
            json!({"type": "reaction_added", "user": "U1", "reaction": text,
                   "item": {"type": "message", "channel": "C1", "ts": "1700000000.000100"},
                   "item_user": "UBOT", "event_ts": "1700000500.000001"}),
        ),
    ]
}

fn slack_interaction(text: &str) -> Value {
    json!({"type": "block_actions", "user": {"id": "U1", "username": text, "name": text},
           "channel": {"id": "C1", "name": "ops"}, "container": {"message_ts": "1700000000.000100",
           "channel_id": "C1", "type": "message"}, "message": {"ts": "1700000000.000100",
           "thread_ts": "1699999999.000100", "text": text},
           "actions": [{"action_id": text, "value": "approve:1", "type": "button",
                        "block_id": "b", "action_ts": "1700000001.1"}]})
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn console_line_grammar_never_panics(line in text()) {
        let _ = adapters::console::parse_line(&line);
        let _ = adapters::console::printable(&line);
    }

    #[test]
    fn slack_payload_decoding_never_panics(t in text(), which in 0usize..4, e in edits(), raw in json_value()) {
        let base = if which < 3 {
            slack_templates(&t).swap_remove(which)
        } else {
            slack_interaction(&t)
        };
        let payload = mutate(base, &e);
        let _ = slack::decode_event(&payload, BOT_USER_ID, &NoThreads);
        let _ = slack::decode_interaction(&payload, BOT_USER_ID);
        let _ = slack::decode_event(&raw, BOT_USER_ID, &NoThreads);
        let _ = slack::decode_interaction(&raw, BOT_USER_ID);
        let _ = slack::markdown_to_mrkdwn(&t);
    }

    #[test]
    fn discord_payload_decoding_never_panics(
        t in text(),
        which in 0usize..3,
        guild in any::<bool>(),
        in_thread in any::<bool>(),
        e in edits(),
    ) {
        let bot = UserId::new(BOT_ID);
        let _ = discord::strip_mention(&t, bot);
        let _ = discord::split_message(&t, discord::MESSAGE_LIMIT);
        let _ = discord::split_message(&t, 7);
        let guild_id = guild.then_some(GUILD_ID);
        let ctx = if in_thread {
            ChannelContext::Thread { parent: ChannelId::new(7), by_bot: true }
        } else {
            ChannelContext::Plain
        };
        let msg = message_json(11, 22, guild_id, user_json(33, "alice", false), &t, &[44]);
        let ledger = ReactionLedger::with_epoch(1);
        match which {
            0 => {
                if let Ok(m) = serde_json::from_value::<Message>(mutate(msg, &e)) {
                    let _ = discord::decode_message(&m, bot, &ctx);
                }
            }
            1 => {
                let r = reaction_json(33, 22, 11, guild_id, &t, Some(&[44]));
                if let Ok(r) = serde_json::from_value::<Reaction>(mutate(r, &e)) {
                    let _ = discord::decode_reaction(&r, true, bot, &ctx, &ledger);
                    let _ = discord::decode_reaction(&r, false, bot, &ctx, &ledger);
                }
            }
            _ => {
                let b = button_json(55, 22, guild_id, msg, &t, 33, &[44]);
                if let Ok(i) = serde_json::from_value::<ComponentInteraction>(mutate(b, &e)) {
                    let _ = discord::decode_interaction(&i, &ctx);
                }
            }
        }
    }
}

/// The templates the fuzzers mutate are themselves valid, so the mutants reach the decoders.
#[test]
fn the_fuzzed_templates_decode() {
    let bot = UserId::new(BOT_ID);
    let msg = message_json(
        11,
        22,
        Some(GUILD_ID),
        user_json(33, "alice", false),
        "<@900000000000000001> hi",
        &[44],
    );
    let m: Message = serde_json::from_value(msg.clone()).unwrap();
    assert!(discord::decode_message(&m, bot, &ChannelContext::Plain).is_some());
    let r: Reaction =
        serde_json::from_value(reaction_json(33, 22, 11, Some(GUILD_ID), "✅", Some(&[44])))
            .unwrap();
    let ledger = ReactionLedger::with_epoch(1);
    assert!(discord::decode_reaction(&r, true, bot, &ChannelContext::Plain, &ledger).is_some());
    let i: ComponentInteraction = serde_json::from_value(button_json(
        55,
        22,
        Some(GUILD_ID),
        msg,
        "approve:1",
        33,
        &[44],
    ))
    .unwrap();
    assert!(discord::decode_interaction(&i, &ChannelContext::Plain).is_some());
    let t = slack_templates("<@UBOT> hi");
    assert!(slack::decode_event(&t[0], BOT_USER_ID, &NoThreads).is_some());
    assert!(slack::decode_interaction(&slack_interaction("x"), BOT_USER_ID).is_some());
}

/// Markdown with the bits the block parser and the splitters look for.
fn markdown() -> impl Strategy<Value = String> {
    let bits = prop::sample::select(
        &[
            "```", "```sh", "````", "~~~", "\n", "\n", "\n\n", "  ", "- ", "1. ", "> ", "**", "`",
            "x", "word ", "\r\n", "\t", "é",
        ][..],
    );
    prop::collection::vec(
        prop_oneof![6 => bits.prop_map(str::to_string), 1 => any::<String>()],
        0..40,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn markdown_split_into_blocks_renders_back_as_written(t in markdown()) {
        let message = adapters::message::Message::markdown(t.as_str());
        let shown = message.to_markdown();
        prop_assert!(shown == t || format!("{shown}\n") == t, "{shown:?} from {t:?}");
        let blocks: Vec<String> = message.blocks.iter().map(|b| b.to_markdown()).collect();
        for piece in adapters::split::pack(&blocks, 64) {
            prop_assert!(piece.chars().count() <= 64, "{piece:?} from {t:?}");
        }
        let _ = slack::markdown_to_mrkdwn(&shown);
    }
}
