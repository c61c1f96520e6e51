//! Pure decoding of serenity's gateway models into [`Incoming`] events (no I/O, unit-testable).

use crate::chat::{Incoming, IncomingKind, Platform};
use crate::emoji;
use serenity::model::application::ComponentInteraction;
use serenity::model::channel::{Message, MessageType, Reaction, ReactionType};
use serenity::model::id::{ChannelId, UserId};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// What the adapter knows about the channel an event happened in (guild events only; DMs are
/// recognised by their missing `guild_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelContext {
    /// A channel that is not a thread (or one the adapter could not look up).
    Plain,
    /// A thread.
    Thread {
        /// The channel the thread belongs to.
        parent: ChannelId,
        /// True when the bot created the thread (its `owner_id` is the bot): messages there
        /// address the bot without a mention.
        by_bot: bool,
    },
}

/// Removes the bot's mentions (`<@id>` and `<@!id>`) from `content` and trims the result.
/// Returns `None` when the text does not mention the bot.
pub fn strip_mention(content: &str, bot_id: UserId) -> Option<String> {
    let plain = format!("<@{bot_id}>");
    let nick = format!("<@!{bot_id}>");
    if !content.contains(&plain) && !content.contains(&nick) {
        return None;
    }
    let stripped = content.replace(&plain, " ").replace(&nick, " ");
    Some(collapse_edges(&stripped))
}

/// Trims the text and drops the double space a removed mention leaves inside a line.
fn collapse_edges(s: &str) -> String {
    s.lines()
        .map(|l| {
            let mut out = String::with_capacity(l.len());
            let mut prev_space = false;
            for c in l.chars() {
                if c == ' ' && prev_space {
                    continue;
                }
                prev_space = c == ' ';
                out.push(c);
            }
            out.trim().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// Decodes a `MESSAGE_CREATE` into an [`IncomingKind::Message`] when it addresses the bot: a DM,
/// a mention of the bot (in the text, or a reply that pings it), or any message in a thread the
/// bot started. Bots' messages (the bot's own included), system messages and messages that do
/// not address the bot give `None`.
///
/// Mapping (see the module docs of [`crate::discord`]): a plain guild channel gives
/// `channel = <channel>`, `thread = Some(<message id>)`; a thread the bot started gives
/// `channel = <parent>`, `thread = Some(<thread id>)`; any other thread gives
/// `channel = <thread id>`, `thread = None` (replies stay in that thread); a DM gives
/// `thread = None`, `direct = true`.
pub fn decode_message(msg: &Message, bot_id: UserId, ctx: &ChannelContext) -> Option<Incoming> {
    if msg.author.bot || msg.author.id == bot_id {
        return None;
    }
    if !matches!(msg.kind, MessageType::Regular | MessageType::InlineReply) {
        return None;
    }
    let direct = msg.guild_id.is_none();
    let stripped = strip_mention(&msg.content, bot_id);
    let addressed_by_name = stripped.is_some() || msg.mentions.iter().any(|u| u.id == bot_id);
    let text = stripped.unwrap_or_else(|| msg.content.trim().to_string());
    let (channel, thread, addressed) = if direct {
        (msg.channel_id, None, true)
    } else {
        match *ctx {
            ChannelContext::Plain => (msg.channel_id, Some(msg.id.to_string()), addressed_by_name),
            ChannelContext::Thread {
                parent,
                by_bot: true,
            } => (parent, Some(msg.channel_id.to_string()), true),
            ChannelContext::Thread { by_bot: false, .. } => {
                (msg.channel_id, None, addressed_by_name)
            }
        }
    };
    if !addressed {
        return None;
    }
    let roles = msg
        .member
        .as_ref()
        .map(|m| m.roles.iter().map(|r| r.to_string()).collect())
        .unwrap_or_default();
    let user_name = msg
        .member
        .as_ref()
        .and_then(|m| m.nick.clone())
        .or_else(|| msg.author.global_name.clone())
        .or_else(|| Some(msg.author.name.clone()));
    Some(Incoming {
        platform: Platform::Discord,
        event_id: format!("discord:msg:{}", msg.id),
        channel: channel.to_string(),
        thread,
        user: Platform::Discord.user_id(&msg.author.id.to_string()),
        user_name,
        roles,
        kind: IncomingKind::Message {
            text,
            message_ref: msg.id.to_string(),
            direct,
        },
    })
}

/// The Slack-style name of a reaction's emoji: unicode characters through
/// [`emoji::normalize`], custom emoji by their name (or id when nameless).
fn emoji_name(e: &ReactionType) -> String {
    match e {
        ReactionType::Unicode(s) => emoji::normalize(s),
        ReactionType::Custom { id, name, .. } => name.clone().unwrap_or_else(|| id.to_string()),
        _ => e.to_string(),
    }
}

/// Channel and thread of a non-message event (reaction, button): the thread's parent and the
/// thread id inside the bot's threads, the channel itself and no thread elsewhere.
fn place(channel_id: ChannelId, guild: bool, ctx: &ChannelContext) -> (String, Option<String>) {
    match (*ctx, guild) {
        (
            ChannelContext::Thread {
                parent,
                by_bot: true,
            },
            true,
        ) => (parent.to_string(), Some(channel_id.to_string())),
        _ => (channel_id.to_string(), None),
    }
}

/// Decodes `MESSAGE_REACTION_ADD` (`added`) or `MESSAGE_REACTION_REMOVE`. Every reaction on any
/// message is delivered (the bot matches `message_ref` against its own records), except the
/// bot's own and other bots' (when the payload says so: `member.user.bot` on guild adds).
/// `roles` come from `member.roles`, which Discord sends with guild adds only.
pub fn decode_reaction(
    r: &Reaction,
    added: bool,
    bot_id: UserId,
    ctx: &ChannelContext,
    ledger: &ReactionLedger,
) -> Option<Incoming> {
    let user_id = r.user_id.or_else(|| r.member.as_ref().map(|m| m.user.id))?;
    if user_id == bot_id || r.member.as_ref().is_some_and(|m| m.user.bot) {
        return None;
    }
    let emoji = emoji_name(&r.emoji);
    let message_ref = r.message_id.to_string();
    let (channel, thread) = place(r.channel_id, r.guild_id.is_some(), ctx);
    let roles = r
        .member
        .as_ref()
        .map(|m| m.roles.iter().map(|r| r.to_string()).collect())
        .unwrap_or_default();
    let user_name = r.member.as_ref().map(|m| {
        m.nick
            .clone()
            .or_else(|| m.user.global_name.clone())
            .unwrap_or_else(|| m.user.name.clone())
    });
    let event_id = ledger.event_id(added, &message_ref, &user_id.to_string(), &emoji);
    let kind = if added {
        IncomingKind::ReactionAdded { message_ref, emoji }
    } else {
        IncomingKind::ReactionRemoved { message_ref, emoji }
    };
    Some(Incoming {
        platform: Platform::Discord,
        event_id,
        channel,
        thread,
        user: Platform::Discord.user_id(&user_id.to_string()),
        user_name,
        roles,
        kind,
    })
}

/// Decodes a component (button) `INTERACTION_CREATE`: `action` is the button's `custom_id`,
/// `message_ref` the id of the message carrying it, `roles` the clicking member's roles.
pub fn decode_interaction(i: &ComponentInteraction, ctx: &ChannelContext) -> Option<Incoming> {
    let user = i.member.as_ref().map_or(&i.user, |m| &m.user);
    if user.bot {
        return None;
    }
    let (channel, thread) = place(i.channel_id, i.guild_id.is_some(), ctx);
    let roles = i
        .member
        .as_ref()
        .map(|m| m.roles.iter().map(|r| r.to_string()).collect())
        .unwrap_or_default();
    let user_name = i
        .member
        .as_ref()
        .and_then(|m| m.nick.clone())
        .or_else(|| user.global_name.clone())
        .or_else(|| Some(user.name.clone()));
    Some(Incoming {
        platform: Platform::Discord,
        event_id: format!("discord:interaction:{}", i.id),
        channel,
        thread,
        user: Platform::Discord.user_id(&user.id.to_string()),
        user_name,
        roles,
        kind: IncomingKind::Button {
            message_ref: i.message.id.to_string(),
            action: i.data.custom_id.clone(),
        },
    })
}

/// Remembers reaction state per (message, user, emoji) so reaction event ids are stable for a
/// replay yet new for a re-add after a removal (see the module docs for the id format).
#[derive(Debug)]
pub struct ReactionLedger {
    epoch: u64,
    state: Mutex<HashMap<String, (bool, u64)>>,
}

/// Entries kept before the ledger forgets everything (ids then restart at generation 0 under
/// the same epoch, which only matters for a replay of a very old reaction).
const LEDGER_CAPACITY: usize = 50_000;

impl Default for ReactionLedger {
    fn default() -> Self {
        Self::new()
    }
}

impl ReactionLedger {
    /// A ledger whose epoch is the current time in milliseconds.
    pub fn new() -> Self {
        let epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Self::with_epoch(epoch)
    }

    /// A ledger with a fixed epoch (tests).
    pub fn with_epoch(epoch: u64) -> Self {
        ReactionLedger {
            epoch,
            state: Mutex::new(HashMap::new()),
        }
    }

    /// The event id of an add (`added`) or remove of `emoji` by `user` on `message`, updating
    /// the state: a repeated add or remove (a replay) gets the id of the previous one.
    pub fn event_id(&self, added: bool, message: &str, user: &str, emoji: &str) -> String {
        let key = format!("{message}:{user}:{emoji}");
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.len() >= LEDGER_CAPACITY && !state.contains_key(&key) {
            state.clear();
        }
        let entry = state.entry(key.clone()).or_insert((false, 0));
        let generation = match (added, entry.0) {
            (true, false) => {
                entry.0 = true;
                entry.1
            }
            (true, true) => entry.1,
            (false, true) => {
                entry.0 = false;
                entry.1 += 1;
                entry.1 - 1
            }
            (false, false) => entry.1.saturating_sub(1),
        };
        let verb = if added { "add" } else { "remove" };
        format!("discord:react:{verb}:{key}:{}.{generation}", self.epoch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BOT: u64 = 900;

    fn user(id: u64, bot: bool) -> serde_json::Value {
        json!({"id": id.to_string(), "username": format!("u{id}"), "discriminator": "0",
               "global_name": null, "avatar": null, "bot": bot})
    }

    fn message(content: &str, author: serde_json::Value, guild: bool) -> Message {
        let mut m = json!({
            "id": "5000", "channel_id": "100", "author": author, "content": content,
            "timestamp": "2024-01-01T00:00:00.000000+00:00", "edited_timestamp": null,
            "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
            "attachments": [], "embeds": [], "pinned": false, "type": 0,
        });
        if guild {
            m["guild_id"] = json!("1");
            m["member"] = json!({"roles": ["41", "42"], "nick": "Alice", "deaf": false,
                                  "mute": false, "joined_at": "2024-01-01T00:00:00.000000+00:00"});
        }
        serde_json::from_value(m).expect("message json")
    }

    #[test]
    fn mentions_are_stripped() {
        let bot = UserId::new(BOT);
        assert_eq!(
            strip_mention("<@900> activate", bot).as_deref(),
            Some("activate")
        );
        assert_eq!(
            strip_mention("hey <@!900>  there", bot).as_deref(),
            Some("hey there")
        );
        assert_eq!(strip_mention("hey <@901>", bot), None);
    }

    #[test]
    fn guild_mention_opens_a_thread_on_the_message() {
        let m = message("<@900> how do I activate?", user(7, false), true);
        let inc = decode_message(&m, UserId::new(BOT), &ChannelContext::Plain).expect("addressed");
        assert_eq!(inc.event_id, "discord:msg:5000");
        assert_eq!(inc.channel, "100");
        assert_eq!(inc.thread.as_deref(), Some("5000"));
        assert_eq!(inc.user, "discord:7");
        assert_eq!(inc.user_name.as_deref(), Some("Alice"));
        assert_eq!(inc.roles, vec!["41".to_string(), "42".to_string()]);
        assert_eq!(
            inc.kind,
            IncomingKind::Message {
                text: "how do I activate?".into(),
                message_ref: "5000".into(),
                direct: false
            }
        );
    }

    #[test]
    fn unaddressed_and_bot_messages_are_ignored() {
        let bot = UserId::new(BOT);
        let m = message("just chatting", user(7, false), true);
        assert!(decode_message(&m, bot, &ChannelContext::Plain).is_none());
        let other_thread = ChannelContext::Thread {
            parent: ChannelId::new(100),
            by_bot: false,
        };
        assert!(decode_message(&m, bot, &other_thread).is_none());
        let m = message("<@900> hi", user(8, true), true);
        assert!(decode_message(&m, bot, &ChannelContext::Plain).is_none());
        let m = message("<@900> hi", user(BOT, true), true);
        assert!(decode_message(&m, bot, &ChannelContext::Plain).is_none());
    }

    #[test]
    fn bot_thread_and_dm_messages_arrive() {
        let bot = UserId::new(BOT);
        let m = message("and the next step?", user(7, false), true);
        let ctx = ChannelContext::Thread {
            parent: ChannelId::new(50),
            by_bot: true,
        };
        let inc = decode_message(&m, bot, &ctx).expect("bot thread");
        assert_eq!(
            (inc.channel.as_str(), inc.thread.as_deref()),
            ("50", Some("100"))
        );
        let m = message("hello", user(7, false), false);
        let inc = decode_message(&m, bot, &ChannelContext::Plain).expect("dm");
        assert_eq!(inc.thread, None);
        assert!(matches!(
            inc.kind,
            IncomingKind::Message { direct: true, .. }
        ));
        assert!(inc.roles.is_empty());
    }

    #[test]
    fn reactions_decode_with_roles_and_ledger_ids() {
        let r: Reaction = serde_json::from_value(json!({
            "user_id": "7", "channel_id": "100", "message_id": "5000", "guild_id": "1",
            "member": {"user": user(7, false), "roles": ["42"], "deaf": false, "mute": false,
                        "flags": 0, "joined_at": "2024-01-01T00:00:00.000000+00:00"},
            "emoji": {"id": null, "name": "\u{2705}"}, "burst": false, "type": 0
        }))
        .expect("reaction json");
        let ledger = ReactionLedger::with_epoch(1);
        let bot = UserId::new(BOT);
        let add = decode_reaction(&r, true, bot, &ChannelContext::Plain, &ledger).expect("add");
        assert_eq!(add.roles, vec!["42".to_string()]);
        assert_eq!(
            add.kind,
            IncomingKind::ReactionAdded {
                message_ref: "5000".into(),
                emoji: "white_check_mark".into()
            }
        );
        assert_eq!(
            add.event_id,
            "discord:react:add:5000:7:white_check_mark:1.0"
        );
        let replay = decode_reaction(&r, true, bot, &ChannelContext::Plain, &ledger).expect("add");
        assert_eq!(replay.event_id, add.event_id);
        let rm = decode_reaction(&r, false, bot, &ChannelContext::Plain, &ledger).expect("rm");
        assert_eq!(
            rm.event_id,
            "discord:react:remove:5000:7:white_check_mark:1.0"
        );
        let again = decode_reaction(&r, true, bot, &ChannelContext::Plain, &ledger).expect("add");
        assert_eq!(
            again.event_id,
            "discord:react:add:5000:7:white_check_mark:1.1"
        );
    }
}
