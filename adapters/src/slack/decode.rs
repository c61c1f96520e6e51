//! Decoding Slack payloads (Events API callbacks, `block_actions` interactions) into [`Incoming`].
//!
//! Payloads are read as plain JSON rather than slack-morphism's typed models so that a field Slack
//! adds or omits never makes an event disappear.
//!
//! Which messages are for the bot: direct messages (`channel_type: im`), messages that mention it
//! (`<@BOT>`; Slack also sends `app_mention` for those, with the same channel and ts, hence the same
//! event id), and thread replies in threads the bot is part of, as answered by a [`ThreadOracle`].
//! Everything the bot itself (or any bot) posted, and edits/deletions/joins (message subtypes) are
//! ignored.

use crate::chat::{Incoming, IncomingKind, Platform};
use crate::emoji;
use serde_json::Value;

/// Answers "is this thread one of the bot's?" so replies there reach the bot without a mention.
///
/// [`super::SlackChat`] implements it from the threads it has posted in since start; the bot may
/// pass its own implementation (e.g. backed by its conversations table) to remember across restarts.
pub trait ThreadOracle: Send + Sync {
    /// True when the thread rooted at `thread_ts` in `channel` is one the bot takes part in.
    fn is_bot_thread(&self, channel: &str, thread_ts: &str) -> bool;
}

/// A [`ThreadOracle`] that knows no threads: only mentions and DMs reach the bot.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoThreads;

impl ThreadOracle for NoThreads {
    fn is_bot_thread(&self, _channel: &str, _thread_ts: &str) -> bool {
        false
    }
}

fn text_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// Decodes one Events API callback (the body Slack POSTs, or a Socket Mode `events_api` payload:
/// `{"type":"event_callback","event_id":"Ev..","event":{..}}`).
///
/// Returns `None` for events that are not for the bot or that the bot ignores. `user_name` is left
/// empty (the runners fill it from [`super::SlackChat::display_name`]).
pub fn decode_event(
    callback: &Value,
    bot_user_id: &str,
    threads: &dyn ThreadOracle,
) -> Option<Incoming> {
    let event = callback.get("event")?;
    match text_of(event, "type")? {
        "message" | "app_mention" => decode_message(event, bot_user_id, threads),
        kind @ ("reaction_added" | "reaction_removed") => {
            decode_reaction(callback, event, kind == "reaction_added", bot_user_id)
        }
        _ => None,
    }
}

fn decode_message(
    event: &Value,
    bot_user_id: &str,
    threads: &dyn ThreadOracle,
) -> Option<Incoming> {
    if event.get("bot_id").is_some_and(|b| !b.is_null()) || event.get("bot_profile").is_some() {
        return None;
    }
    match text_of(event, "subtype") {
        None | Some("thread_broadcast") | Some("file_share") => {}
        Some(_) => return None,
    }
    let user = text_of(event, "user")?;
    if user == bot_user_id {
        return None;
    }
    let channel = text_of(event, "channel")?;
    let ts = text_of(event, "ts")?;
    let raw_text = event
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let thread_ts = text_of(event, "thread_ts");
    let direct = match text_of(event, "channel_type") {
        Some(kind) => kind == "im",
        None => channel.starts_with('D'),
    };
    let mentioned =
        text_of(event, "type") == Some("app_mention") || mentions(raw_text, bot_user_id);
    let in_bot_thread = thread_ts.is_some_and(|t| t != ts && threads.is_bot_thread(channel, t));
    if !(direct || mentioned || in_bot_thread) {
        return None;
    }
    Some(Incoming {
        platform: Platform::Slack,
        event_id: format!("slack:msg:{channel}:{ts}"),
        channel: channel.to_string(),
        thread: Some(thread_ts.unwrap_or(ts).to_string()),
        user: Platform::Slack.user_id(user),
        user_name: None,
        roles: Vec::new(),
        kind: IncomingKind::Message {
            text: strip_mention(raw_text, bot_user_id),
            message_ref: ts.to_string(),
            direct,
        },
    })
}

fn mentions(text: &str, bot_user_id: &str) -> bool {
    !bot_user_id.is_empty()
        && (text.contains(&format!("<@{bot_user_id}>"))
            || text.contains(&format!("<@{bot_user_id}|")))
}

/// Removes every `<@BOT>` / `<@BOT|name>` mention and tidies the whitespace left behind.
fn strip_mention(text: &str, bot_user_id: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let open = format!("<@{bot_user_id}");
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let end = match after.chars().next() {
            Some('>') => Some(1),
            Some('|') => after.find('>').map(|i| i + 1),
            _ => None,
        };
        match end {
            Some(end) if !bot_user_id.is_empty() => {
                out.push_str(&rest[..start]);
                rest = &after[end..];
            }
            _ => {
                out.push_str(&rest[..start + open.len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    let collapsed: Vec<&str> = out.split(' ').filter(|w| !w.is_empty()).collect();
    let joined = collapsed.join(" ");
    let trimmed = joined.trim();
    trimmed.trim_start_matches([',', ':']).trim().to_string()
}

fn decode_reaction(
    callback: &Value,
    event: &Value,
    added: bool,
    bot_user_id: &str,
) -> Option<Incoming> {
    let user = text_of(event, "user")?;
    if user == bot_user_id {
        return None;
    }
    let item = event.get("item")?;
    if text_of(item, "type") != Some("message") {
        return None;
    }
    let channel = text_of(item, "channel")?;
    let ts = text_of(item, "ts")?;
    let raw = text_of(event, "reaction")?;
    // Skin tones arrive as `+1::skin-tone-3`; the bot cares about the base emoji.
    let base = raw.split("::").next().unwrap_or(raw);
    let emoji = emoji::normalize(base);
    let event_id = match text_of(callback, "event_id") {
        Some(id) => format!("slack:ev:{id}"),
        None => format!(
            "slack:reaction:{}:{channel}:{ts}:{user}:{emoji}:{}",
            if added { "added" } else { "removed" },
            text_of(event, "event_ts").unwrap_or_default()
        ),
    };
    let message_ref = ts.to_string();
    Some(Incoming {
        platform: Platform::Slack,
        event_id,
        channel: channel.to_string(),
        thread: None,
        user: Platform::Slack.user_id(user),
        user_name: None,
        roles: Vec::new(),
        kind: if added {
            IncomingKind::ReactionAdded { message_ref, emoji }
        } else {
            IncomingKind::ReactionRemoved { message_ref, emoji }
        },
    })
}

/// Decodes a `block_actions` interaction payload (a button click) into [`IncomingKind::Button`].
///
/// `thread` is the clicked message's thread (its `thread_ts`, else its own ts). Other interaction
/// types (shortcuts, view submissions) give `None`.
pub fn decode_interaction(payload: &Value, bot_user_id: &str) -> Option<Incoming> {
    if text_of(payload, "type")? != "block_actions" {
        return None;
    }
    let user = payload.get("user").and_then(|u| text_of(u, "id"))?;
    if user == bot_user_id {
        return None;
    }
    let container = payload.get("container");
    let message = payload.get("message");
    let channel = container
        .and_then(|c| text_of(c, "channel_id"))
        .or_else(|| payload.get("channel").and_then(|c| text_of(c, "id")))?;
    let message_ts = message
        .and_then(|m| text_of(m, "ts"))
        .or_else(|| container.and_then(|c| text_of(c, "message_ts")))?;
    let thread = message
        .and_then(|m| text_of(m, "thread_ts"))
        .or_else(|| container.and_then(|c| text_of(c, "thread_ts")))
        .unwrap_or(message_ts);
    let action = payload
        .get("actions")
        .and_then(Value::as_array)
        .and_then(|a| a.first())?;
    let action_id = text_of(action, "action_id")?;
    let action_ts = text_of(action, "action_ts")
        .or_else(|| text_of(payload, "trigger_id"))
        .unwrap_or_default();
    Some(Incoming {
        platform: Platform::Slack,
        event_id: format!("slack:action:{channel}:{message_ts}:{action_id}:{user}:{action_ts}"),
        channel: channel.to_string(),
        thread: Some(thread.to_string()),
        user: Platform::Slack.user_id(user),
        user_name: None,
        roles: Vec::new(),
        kind: IncomingKind::Button {
            message_ref: message_ts.to_string(),
            action: action_id.to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cb(event: Value) -> Value {
        json!({ "type": "event_callback", "event_id": "Ev1", "event": event })
    }

    #[test]
    fn strips_mentions() {
        assert_eq!(
            strip_mention("<@UBOT> activate please", "UBOT"),
            "activate please"
        );
        assert_eq!(
            strip_mention("hey <@UBOT|kmsbot>, help", "UBOT"),
            "hey , help"
        );
        assert_eq!(strip_mention("<@UBOT>: status", "UBOT"), "status");
        assert_eq!(strip_mention("ask <@UOTHER>", "UBOT"), "ask <@UOTHER>");
    }

    #[test]
    fn channel_chatter_and_edits_are_ignored() {
        let plain = cb(
            json!({"type":"message","channel":"C1","channel_type":"channel","user":"U1","text":"hi","ts":"1.1"}),
        );
        assert!(decode_event(&plain, "UBOT", &NoThreads).is_none());
        let edit = cb(
            json!({"type":"message","subtype":"message_changed","channel":"C1","channel_type":"im","ts":"1.2"}),
        );
        assert!(decode_event(&edit, "UBOT", &NoThreads).is_none());
        let bot = cb(
            json!({"type":"message","bot_id":"B1","channel":"D1","channel_type":"im","user":"U9","text":"x","ts":"1.3"}),
        );
        assert!(decode_event(&bot, "UBOT", &NoThreads).is_none());
    }

    #[test]
    fn bot_threads_pass_without_mention() {
        struct All;
        impl ThreadOracle for All {
            fn is_bot_thread(&self, _: &str, _: &str) -> bool {
                true
            }
        }
        let reply = cb(
            json!({"type":"message","channel":"C1","channel_type":"channel","user":"U1","text":"yes","ts":"2.0","thread_ts":"1.0"}),
        );
        assert!(decode_event(&reply, "UBOT", &NoThreads).is_none());
        let got = decode_event(&reply, "UBOT", &All).expect("thread reply");
        assert_eq!(got.thread.as_deref(), Some("1.0"));
        assert_eq!(got.event_id, "slack:msg:C1:2.0");
        assert!(!got.starts_thread(), "a reply joins its thread");
        let question = cb(
            json!({"type":"message","channel":"C1","channel_type":"channel","user":"U1","text":"<@UBOT> key?","ts":"3.0"}),
        );
        let got = decode_event(&question, "UBOT", &NoThreads).expect("a mention");
        assert_eq!(got.thread.as_deref(), Some("3.0"));
        assert!(
            got.starts_thread(),
            "a message outside threads starts its own"
        );
    }
}
