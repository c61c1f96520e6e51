//! [`DiscordChat`]: the REST side of the adapter (post, thread, edit, react).

use super::DiscordSettings;
use crate::chat::{Button, Chat, ChatError, Message, Outgoing, Platform};
use crate::emoji;
use async_trait::async_trait;
use serenity::all::{
    AutoArchiveDuration, ButtonStyle, ChannelId, CreateActionRow, CreateAllowedMentions,
    CreateButton, CreateMessage, CreateThread, EditMessage, MessageId, ReactionType,
};
use serenity::http::{Http, HttpError};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Discord's limit on a message's `content`, in Unicode code points.
pub const MESSAGE_LIMIT: usize = 2000;

/// Discord's code for "a thread has already been created for this message".
const THREAD_ALREADY_CREATED: isize = 160004;

/// Threads and message locations remembered before they are forgotten wholesale.
const MEMORY_CAPACITY: usize = 20_000;

/// Sends [`Outgoing`] actions to Discord over REST.
///
/// * `Post` sends the message's Markdown ([`Message::to_markdown`]) as pieces of at most
///   [`MESSAGE_LIMIT`] characters, broken between blocks where possible (a code block longer than
///   a piece is closed and reopened, see [`crate::split::pack`]), in order; buttons go
///   on the last piece as one action row per five buttons (`custom_id` = action; `approve`-like
///   actions green, `reject`-like red, others grey). Returns the id of the last piece (the one
///   that carries the buttons). With `thread: Some(t)` (and `t != channel`) the pieces go into
///   thread `t`, started on message `t` of `channel` on first use (see the module docs).
///   Only the users the bot mentions itself ([`crate::chat::mention`]) are pinged; mentions in
///   users' text are shown inert, never `@everyone` or roles.
/// * `Edit` replaces the text with the first piece of the new message.
/// * `React` adds the emoji's character ([`emoji::to_char`]) as the bot.
///
/// `Edit` and `React` address the message in the channel where this process posted it (a thread
/// channel for threaded posts); for messages it did not post, in the given `channel`.
pub struct DiscordChat {
    http: Arc<Http>,
    /// Thread ids known to exist (a thread's id is its starter message's id).
    threads: Mutex<HashSet<u64>>,
    /// Message id → the channel it was posted in, for messages this process posted.
    located: Mutex<HashMap<u64, ChannelId>>,
}

impl DiscordChat {
    /// A sender for these settings (see [`DiscordSettings::http`]).
    pub fn new(settings: &DiscordSettings) -> Result<Self, ChatError> {
        Ok(Self::from_http(Arc::new(settings.http()?)))
    }

    /// Checks the token and the API (`GET /users/@me`), for readiness.
    pub async fn check(&self) -> Result<(), ChatError> {
        self.http
            .get_current_user()
            .await
            .map(|_| ())
            .map_err(to_chat_error)
    }

    /// A sender over an existing serenity client.
    pub fn from_http(http: Arc<Http>) -> Self {
        DiscordChat {
            http,
            threads: Mutex::new(HashSet::new()),
            located: Mutex::new(HashMap::new()),
        }
    }

    /// The serenity REST client.
    pub fn http(&self) -> &Arc<Http> {
        &self.http
    }

    fn thread_known(&self, id: u64) -> bool {
        lock(&self.threads).contains(&id)
    }

    fn remember_thread(&self, id: u64) {
        let mut threads = lock(&self.threads);
        if threads.len() >= MEMORY_CAPACITY {
            threads.clear();
        }
        threads.insert(id);
    }

    fn remember_location(&self, message: MessageId, channel: ChannelId) {
        let mut located = lock(&self.located);
        if located.len() >= MEMORY_CAPACITY {
            located.clear();
        }
        located.insert(message.get(), channel);
    }

    /// Where a bot message lives: remembered from posting, else the thread it was posted in
    /// (a thread started from a message has that message's id), else the given channel.
    fn location(&self, message: MessageId, given: ChannelId, thread: Option<&str>) -> ChannelId {
        if let Some(c) = lock(&self.located).get(&message.get()).copied() {
            return c;
        }
        thread
            .and_then(|t| t.parse::<u64>().ok())
            .filter(|t| *t != 0)
            .map(ChannelId::new)
            .unwrap_or(given)
    }

    /// The channel to post into for `thread` on `channel`, starting the thread if needed.
    async fn thread_channel(
        &self,
        channel: ChannelId,
        thread: MessageId,
        message: &Message,
    ) -> Result<ChannelId, ChatError> {
        if self.thread_known(thread.get()) {
            return Ok(ChannelId::new(thread.get()));
        }
        let builder = CreateThread::new(thread_name(&message.to_markdown()))
            .auto_archive_duration(AutoArchiveDuration::OneDay);
        match channel
            .create_thread_from_message(self.http.as_ref(), thread, builder)
            .await
        {
            Ok(created) => {
                self.remember_thread(created.id.get());
                Ok(created.id)
            }
            Err(e) if discord_code(&e) == Some(THREAD_ALREADY_CREATED) => {
                self.remember_thread(thread.get());
                Ok(ChannelId::new(thread.get()))
            }
            Err(e) if is_rejection(&e) => {
                // A DM, a message inside a thread, a deleted message: reply in the channel.
                tracing::warn!(%channel, %thread, error = %describe(&e),
                    "could not start a Discord thread; replying in the channel");
                Ok(channel)
            }
            Err(e) => Err(to_chat_error(e)),
        }
    }

    async fn post(
        &self,
        channel: &str,
        thread: Option<&str>,
        message: &Message,
        buttons: &[Button],
    ) -> Result<Option<String>, ChatError> {
        let channel = channel_id(channel)?;
        let target = match thread {
            Some(t) if t != channel.to_string() => {
                self.thread_channel(channel, message_id(t)?, message)
                    .await?
            }
            _ => channel,
        };
        let (pieces, users) = pieces(message);
        let last = pieces.len().saturating_sub(1);
        let mut posted = None;
        for (i, piece) in pieces.into_iter().enumerate() {
            // Only the users the bot itself mentions are notified.
            let mut builder = CreateMessage::new().content(piece).allowed_mentions(
                CreateAllowedMentions::new()
                    .users(users.iter().copied().map(serenity::all::UserId::new)),
            );
            if i == last && !buttons.is_empty() {
                builder = builder.components(action_rows(buttons));
            }
            let msg = target
                .send_message(self.http.as_ref(), builder)
                .await
                .map_err(to_chat_error)?;
            self.remember_location(msg.id, target);
            posted = Some(msg.id.to_string());
        }
        Ok(posted)
    }

    async fn edit(
        &self,
        channel: &str,
        thread: Option<&str>,
        message_ref: &str,
        content: &Message,
    ) -> Result<(), ChatError> {
        let message = message_id(message_ref)?;
        let channel = self.location(message, channel_id(channel)?, thread);
        let first = pieces(content).0.into_iter().next().unwrap_or_default();
        channel
            .edit_message(
                self.http.as_ref(),
                message,
                EditMessage::new().content(first),
            )
            .await
            .map_err(to_chat_error)?;
        Ok(())
    }

    async fn react(
        &self,
        channel: &str,
        thread: Option<&str>,
        message_ref: &str,
        name: &str,
    ) -> Result<(), ChatError> {
        let message = message_id(message_ref)?;
        let channel = self.location(message, channel_id(channel)?, thread);
        let ch = match emoji::to_char(name) {
            Some(c) => c.to_string(),
            None if !name.is_ascii() => name.to_string(),
            None => {
                return Err(ChatError::Rejected {
                    platform: Platform::Discord,
                    detail: format!("no Discord character for emoji {name:?}"),
                })
            }
        };
        self.http
            .create_reaction(channel, message, &ReactionType::Unicode(ch))
            .await
            .map_err(to_chat_error)
    }
}

#[async_trait]
impl Chat for DiscordChat {
    fn platform(&self) -> Platform {
        Platform::Discord
    }

    async fn send(&self, out: &Outgoing) -> Result<Option<String>, ChatError> {
        match out {
            Outgoing::Post {
                channel,
                thread,
                message,
                buttons,
                ..
            } => {
                self.post(channel, thread.as_deref(), message, buttons)
                    .await
            }
            Outgoing::Edit {
                channel,
                thread,
                message_ref,
                message,
                ..
            } => self
                .edit(channel, thread.as_deref(), message_ref, message)
                .await
                .map(|()| None),
            Outgoing::React {
                channel,
                thread,
                message_ref,
                emoji,
                ..
            } => self
                .react(channel, thread.as_deref(), message_ref, emoji)
                .await
                .map(|()| None),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The button colour for an action id.
fn style_for(action: &str) -> ButtonStyle {
    let a = action.to_ascii_lowercase();
    if a.contains("reject") || a.contains("deny") || a.contains("cancel") {
        ButtonStyle::Danger
    } else if a.contains("approve") || a.contains("accept") || a.contains("confirm") {
        ButtonStyle::Success
    } else {
        ButtonStyle::Secondary
    }
}

/// Buttons as action rows of at most five (Discord allows five rows).
fn action_rows(buttons: &[Button]) -> Vec<CreateActionRow> {
    buttons
        .chunks(5)
        .take(5)
        .map(|row| {
            CreateActionRow::Buttons(
                row.iter()
                    .map(|b| {
                        CreateButton::new(b.action.clone())
                            .label(truncate(&b.label, 80))
                            .style(style_for(&b.action))
                    })
                    .collect(),
            )
        })
        .collect()
}

/// A thread name from the reply's first non-blank line, without Markdown decoration.
fn thread_name(text: &str) -> String {
    let line = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("```"))
        .map(|l| {
            let plain: String = l.chars().filter(|c| !"*_`~|".contains(*c)).collect();
            plain
                .trim_start_matches(['#', '>', '-', ' '])
                .trim()
                .to_string()
        })
        .find(|l| !l.is_empty())
        .unwrap_or_else(|| "kmsbot".to_string());
    truncate(&line, 90)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('\u{2026}');
        t
    }
}

/// The message as Discord content pieces (see [`DiscordChat`]) and the users the bot mentions in it.
fn pieces(message: &Message) -> (Vec<String>, Vec<u64>) {
    let mut users = Vec::new();
    let blocks: Vec<String> = message
        .blocks
        .iter()
        .map(|b| {
            let (text, mentioned) = discord_text(&b.to_markdown());
            users.extend(mentioned);
            text
        })
        .collect();
    (crate::split::pack(&blocks, MESSAGE_LIMIT), users)
}

/// The bot's text for Discord: mentions the bot wrote ([`crate::chat::mention`]) become `<@id>`
/// and are returned to be allowed; a `<@…>`, `<#…>`, `@everyone` or `@here` from users' text gets a
/// zero-width space so it shows as text and pings nobody.
fn discord_text(text: &str) -> (String, Vec<u64>) {
    let inert = text
        .replace("<@", "<\u{200B}@")
        .replace("<#", "<\u{200B}#")
        .replace("@everyone", "@\u{200B}everyone")
        .replace("@here", "@\u{200B}here");
    let users = std::cell::RefCell::new(Vec::new());
    let out = crate::chat::replace_mentions(&inert, |id| match id.parse::<u64>() {
        Ok(n) => {
            users.borrow_mut().push(n);
            format!("<@{id}>")
        }
        Err(_) => format!("@{id}"),
    });
    (out, users.into_inner())
}

fn parse_id(raw: &str, what: &str) -> Result<u64, ChatError> {
    raw.trim()
        .parse::<u64>()
        .ok()
        .filter(|v| *v != 0)
        .ok_or_else(|| ChatError::Rejected {
            platform: Platform::Discord,
            detail: format!("not a Discord {what} id: {raw:?}"),
        })
}

fn channel_id(raw: &str) -> Result<ChannelId, ChatError> {
    parse_id(raw, "channel").map(ChannelId::new)
}

fn message_id(raw: &str) -> Result<MessageId, ChatError> {
    parse_id(raw, "message").map(MessageId::new)
}

/// Discord's JSON error code of a failed call, if it got that far.
pub(super) fn discord_code(e: &serenity::Error) -> Option<isize> {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => Some(r.error.code),
        _ => None,
    }
}

/// True when Discord answered and refused (4xx), as opposed to a transport failure or 5xx.
fn is_rejection(e: &serenity::Error) -> bool {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => r.status_code.is_client_error(),
        serenity::Error::Model(_) => true,
        _ => false,
    }
}

/// A description of a failure without URLs (interaction URLs carry tokens).
pub(super) fn describe(e: &serenity::Error) -> String {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => format!(
            "{} {}: {} (code {})",
            r.method, r.status_code, r.error.message, r.error.code
        ),
        serenity::Error::Http(HttpError::Request(re)) => {
            let kind = if re.is_timeout() {
                "timed out"
            } else if re.is_connect() {
                "could not connect"
            } else {
                "request failed"
            };
            match std::error::Error::source(re) {
                Some(cause) => format!("{kind}: {cause}"),
                None => kind.to_string(),
            }
        }
        other => other.to_string(),
    }
}

/// Maps serenity's error: Discord's refusals (4xx, model checks) are `Rejected`, the rest
/// (transport, 5xx) `Unreachable`.
pub(super) fn to_chat_error(e: serenity::Error) -> ChatError {
    let detail = describe(&e);
    if is_rejection(&e) {
        ChatError::Rejected {
            platform: Platform::Discord,
            detail,
        }
    } else {
        ChatError::Unreachable {
            platform: Platform::Discord,
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_and_names() {
        assert_eq!(style_for("approve"), ButtonStyle::Success);
        assert_eq!(style_for("reject"), ButtonStyle::Danger);
        assert_eq!(style_for("details"), ButtonStyle::Secondary);
        assert_eq!(
            thread_name("## **Activation** help\nmore"),
            "Activation help"
        );
        assert_eq!(thread_name(""), "kmsbot");
        assert_eq!(truncate("abcdef", 4), "abc\u{2026}");
        assert!(channel_id("x").is_err());
        assert!(message_id("0").is_err());
    }

    #[test]
    fn messages_split_between_blocks_and_a_long_code_block_is_reopened() {
        use crate::chat::{mention, Field};
        let lines: Vec<String> = (0..120)
            .map(|i| format!("slmgr /skms kms.example.internal:1688 # host {i:03}"))
            .collect();
        let message = Message::markdown(format!("For {}, <@42> @everyone:", mention("7")))
            .with_fields(vec![Field::new("Kind", "firewall rule")])
            .with_code(Some("powershell"), lines.join("\n"))
            .with_markdown("Then check with `slmgr /dlv`.");
        let (parts, users) = pieces(&message);
        assert_eq!(users, vec![7]);
        assert!(parts.len() >= 3, "{}", parts.len());
        for p in &parts {
            assert!(p.chars().count() <= MESSAGE_LIMIT, "{}", p.chars().count());
            let fences = p.lines().filter(|l| l.starts_with("```")).count();
            assert_eq!(fences % 2, 0, "unbalanced: {p}");
        }
        assert!(parts[0].starts_with(
            "For <@7>, <\u{200B}@42> @\u{200B}everyone:\n- **Kind:** firewall rule\n```powershell\n"
        ));
        assert!(parts[1].starts_with("```powershell\n"));
        assert!(parts
            .last()
            .is_some_and(|p| p.ends_with("```\nThen check with `slmgr /dlv`.")));
        // A short message is its Markdown, whole.
        let short = Message::markdown("Filed **FW-1**:").with_fields(vec![Field::new("Kind", "x")]);
        assert_eq!(pieces(&short).0, vec!["Filed **FW-1**:\n- **Kind:** x"]);
    }
}
