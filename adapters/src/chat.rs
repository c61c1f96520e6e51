//! The neutral vocabulary every chat adapter translates to and from.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::fmt;

pub use crate::message::{Block, Field, Message};

/// Opens a user mention in the bot's own text (a private-use character no keyboard types);
/// [`mention`] writes it, each adapter turns it into its platform's notifying form, and every
/// other `<@…>` (text users wrote) stays inert.
pub const MENTION_OPEN: char = '\u{E000}';
/// Closes a user mention opened by [`MENTION_OPEN`].
pub const MENTION_CLOSE: char = '\u{E001}';

/// A mention of the platform user `id` (`U0123ABCD` on Slack, digits on Discord) in bot text:
/// it notifies that user once an adapter sends it ([`replace_mentions`]).
pub fn mention(id: &str) -> String {
    format!("{MENTION_OPEN}{id}{MENTION_CLOSE}")
}

/// Replaces each mention written by [`mention`] with `render(id)`. An id that is not a plain
/// platform id (ASCII letters and digits, at most 32) is shown as `@id` and never notifies;
/// stray marker characters are dropped.
pub fn replace_mentions(text: &str, render: impl Fn(&str) -> String) -> String {
    if !text.contains([MENTION_OPEN, MENTION_CLOSE]) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find([MENTION_OPEN, MENTION_CLOSE]) {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let opened = after.strip_prefix(MENTION_OPEN);
        match opened.and_then(|a| a.find(MENTION_CLOSE).map(|end| (&a[..end], end))) {
            Some((id, end)) if !id.contains(MENTION_OPEN) => {
                let plain = !id.is_empty()
                    && id.len() <= 32
                    && id.chars().all(|c| c.is_ascii_alphanumeric());
                if plain {
                    out.push_str(&render(id));
                } else {
                    out.push('@');
                    out.push_str(id);
                }
                rest = &after[MENTION_OPEN.len_utf8() + end + MENTION_CLOSE.len_utf8()..];
            }
            _ => {
                // A marker without its pair: dropped.
                let c = after.chars().next().map_or(1, char::len_utf8);
                rest = &after[c..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where an event came from. The prefix of every user id (`console:alice`, `slack:U0123`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    /// The terminal adapter (`kmsbot chat`).
    Console,
    /// Slack, through Socket Mode or the Events API.
    Slack,
    /// Discord, through the gateway.
    Discord,
}

impl Platform {
    /// The stable lower-case name, as stored in the database and used in user ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Console => "console",
            Platform::Slack => "slack",
            Platform::Discord => "discord",
        }
    }

    /// Parses the stored name back.
    pub fn parse(s: &str) -> Option<Platform> {
        match s {
            "console" => Some(Platform::Console),
            "slack" => Some(Platform::Slack),
            "discord" => Some(Platform::Discord),
            _ => None,
        }
    }

    /// A user id qualified by the platform, e.g. `slack:U0123ABCD`.
    pub fn user_id(self, raw: &str) -> String {
        format!("{}:{}", self.as_str(), raw)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event from a platform, already decoded by its adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// The platform the event came from.
    pub platform: Platform,
    /// The platform's id for this delivery; the same event delivered twice carries the same id.
    pub event_id: String,
    /// The platform's channel id (for a direct message, the DM channel).
    pub channel: String,
    /// The thread the event belongs to, when the platform has threads and the event is in one.
    /// Replies go there; conversations are keyed by it.
    pub thread: Option<String>,
    /// The stable, platform-qualified id of the person who caused the event (`console:alice`).
    pub user: String,
    /// A display name for messages, when the adapter knows one.
    pub user_name: Option<String>,
    /// Role ids the user holds where the platform has roles (Discord), for role-based approvers.
    pub roles: Vec<String>,
    /// What happened.
    pub kind: IncomingKind,
}

impl Incoming {
    /// True for a message that starts its own thread (on Slack, a message outside any thread:
    /// its thread is its own `ts`). Nothing can be stored for that thread before the message
    /// itself, so its place (context, conversation) is known to be empty without a read,
    /// unless this very event was handled before (a redelivery).
    pub fn starts_thread(&self) -> bool {
        match (&self.kind, &self.thread) {
            (IncomingKind::Message { message_ref, .. }, Some(thread)) => thread == message_ref,
            _ => false,
        }
    }
}

/// What an incoming event is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncomingKind {
    /// A message addressed to the bot (a mention, a DM, a message in a bot thread, or console input).
    Message {
        /// The text, with the bot's mention removed.
        text: String,
        /// The platform's reference of this message (Slack `ts`, Discord message id, console id).
        message_ref: String,
        /// True in a direct message with the bot.
        direct: bool,
    },
    /// A reaction was added to a message.
    ReactionAdded {
        /// The platform reference of the message reacted to.
        message_ref: String,
        /// The emoji, normalized to its Slack-style name (see [`crate::emoji`]).
        emoji: String,
    },
    /// A reaction was removed from a message.
    ReactionRemoved {
        /// The platform reference of the message.
        message_ref: String,
        /// The emoji, normalized to its Slack-style name.
        emoji: String,
    },
    /// A button on a bot message was clicked (Slack Block Kit, Discord components).
    Button {
        /// The platform reference of the message holding the button.
        message_ref: String,
        /// The action id, e.g. `approve` or `reject`.
        action: String,
    },
}

/// A button attached to a bot message (rendered by platforms that support them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    /// The action id sent back in [`IncomingKind::Button`].
    pub action: String,
    /// The label shown.
    pub label: String,
}

/// Something the bot wants to do on a platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// Post a new message.
    Post {
        /// The bot's own id for the message, unique in its database (printed by the console).
        local_id: i64,
        /// The channel to post in.
        channel: String,
        /// The thread to post in, if any.
        thread: Option<String>,
        /// What to say; each adapter renders its blocks in its platform's form.
        message: Message,
        /// Buttons to attach, if the platform supports them.
        buttons: Vec<Button>,
    },
    /// Replace the text of a message the bot posted earlier.
    Edit {
        /// The bot's own id for the message.
        local_id: i64,
        /// The channel the message is in.
        channel: String,
        /// The thread the message was posted in, if any (Discord threads are channels).
        thread: Option<String>,
        /// The platform reference returned when it was posted.
        message_ref: String,
        /// The new content (the buttons stay as they were, except on Slack, where they go).
        message: Message,
    },
    /// Add a reaction, as the bot, to a message.
    React {
        /// The bot's own id for the message.
        local_id: i64,
        /// The channel the message is in.
        channel: String,
        /// The thread the message was posted in, if any.
        thread: Option<String>,
        /// The platform reference of the message.
        message_ref: String,
        /// The emoji, Slack-style name.
        emoji: String,
    },
}

/// A failure to deliver something to a platform.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// The platform answered with an error.
    #[error("{platform} rejected the call: {detail}")]
    Rejected {
        /// The platform.
        platform: Platform,
        /// What it said.
        detail: String,
    },
    /// The platform could not be reached.
    #[error("{platform} is unreachable: {detail}")]
    Unreachable {
        /// The platform.
        platform: Platform,
        /// The transport error.
        detail: String,
    },
    /// Writing the console transcript failed.
    #[error("console output failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Sends [`Outgoing`] actions to one platform.
#[async_trait]
pub trait Chat: Send + Sync {
    /// The platform this sender talks to.
    fn platform(&self) -> Platform;

    /// Performs the action. For [`Outgoing::Post`] returns the platform's reference of the new
    /// message (Slack `ts`, Discord id, console id); `None` for the other actions.
    async fn send(&self, out: &Outgoing) -> Result<Option<String>, ChatError>;
}

/// What a [`RawInbound`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawKind {
    /// An event callback (a message, a mention, a reaction).
    Event,
    /// An interaction (a button click).
    Interaction,
}

impl RawKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RawKind::Event => "event",
            RawKind::Interaction => "interaction",
        }
    }

    /// The kind a stored name names.
    pub fn parse(name: &str) -> Option<RawKind> {
        match name {
            "event" => Some(RawKind::Event),
            "interaction" => Some(RawKind::Interaction),
            _ => None,
        }
    }
}

/// A signed platform payload, not decoded yet, to be stored before it is acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawInbound {
    /// Where it came from.
    pub platform: Platform,
    /// Event or interaction.
    pub kind: RawKind,
    /// The platform's own id of the payload (Slack `event_id`), stable across redeliveries:
    /// a second copy is not stored twice.
    pub dedupe: Option<String>,
    /// What must keep its order (the channel): payloads with the same key are handled one
    /// after another, in the order they were stored.
    pub order_key: Option<String>,
    /// The payload, JSON.
    pub body: String,
}

/// Where adapters store payloads before acknowledging them (the bot's inbox implements it).
///
/// An adapter with an intake acknowledges a payload only after [`Intake::persist`] returned
/// `Ok`: an acknowledged payload survives a crash or a SIGTERM and is handled later. On `Err` it
/// does not acknowledge (the platform redelivers).
#[async_trait]
pub trait Intake: Send + Sync {
    /// Stores `raw` durably (committed) or says why not.
    async fn persist(&self, raw: RawInbound) -> Result<(), ChatError>;
}

/// Where adapters deliver decoded events (the bot's `App` implements it).
///
/// Adapters without an [`Intake`] acknowledge the platform first, then deliver; with one, whoever
/// reads the intake delivers the stored payloads. Delivery never fails from the adapter's point
/// of view (the bot logs and reports its own errors).
#[async_trait]
pub trait EventSink: Send + Sync {
    /// Handles one event to completion (dedupe, effects, replies).
    async fn deliver(&self, incoming: Incoming);
}

#[cfg(test)]
mod mention_tests {
    use super::*;

    #[test]
    fn mentions_render_per_platform_and_forged_ones_do_not() {
        let text = format!("for {} by {}", mention("U1"), mention("bad id"));
        assert_eq!(
            replace_mentions(&text, |id| format!("<@{id}>")),
            "for <@U1> by @bad id"
        );
        assert_eq!(
            replace_mentions("a\u{E001}b\u{E000}c", |_| String::new()),
            "abc"
        );
        assert_eq!(
            replace_mentions("plain <@U2>", |_| String::new()),
            "plain <@U2>"
        );
    }
}
