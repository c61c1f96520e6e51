//! The conversation engine: `App::handle` dedupes an event, routes it, stores its effects in one
//! transaction and then sends the replies through the platform's [`Chat`].

use crate::commands;
use crate::config::Config;
use crate::errors::{AppError, UserError};
use crate::store::{Store, Tx};
use adapters::{Button, Chat, EventSink, Incoming, IncomingKind, Outgoing, Platform};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The bot: shared by every adapter and the job worker.
pub struct App {
    /// The database.
    pub store: Store,
    /// The configuration.
    pub config: Arc<Config>,
    chats: RwLock<HashMap<Platform, Arc<dyn Chat>>>,
}

/// What handling one event produced, for adapters and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// The event was processed.
    Done,
    /// The event id had been processed before: no effect.
    Duplicate,
    /// The event was not for the bot.
    Ignored,
}

/// An action decided during a turn, sent after the transaction commits.
#[derive(Debug, Clone)]
enum Pending {
    Post {
        local_id: i64,
        channel: String,
        thread: Option<String>,
        text: String,
        buttons: Vec<Button>,
    },
    Edit {
        local_id: i64,
        text: String,
    },
    React {
        local_id: i64,
        emoji: String,
    },
}

/// One event being handled: the open transaction and the replies decided so far.
pub struct Turn<'a> {
    /// The app.
    pub app: &'a App,
    /// The event.
    pub ev: &'a Incoming,
    /// The transaction all effects go into.
    pub tx: Tx,
    pending: Vec<Pending>,
}

impl<'a> Turn<'a> {
    /// Posts in the event's channel and thread; returns the bot's message id.
    pub async fn reply(&mut self, text: impl Into<String>) -> Result<i64, AppError> {
        let channel = self.ev.channel.clone();
        let thread = self.ev.thread.clone();
        self.post(&channel, thread.as_deref(), text, Vec::new())
            .await
    }

    /// Posts a message anywhere on the event's platform; returns the bot's message id.
    pub async fn post(
        &mut self,
        channel: &str,
        thread: Option<&str>,
        text: impl Into<String>,
        buttons: Vec<Button>,
    ) -> Result<i64, AppError> {
        let platform = self.ev.platform.as_str();
        let local_id =
            Store::insert_message(&mut self.tx, platform, channel, thread, "bot", None).await?;
        self.pending.push(Pending::Post {
            local_id,
            channel: channel.to_string(),
            thread: thread.map(str::to_string),
            text: text.into(),
            buttons,
        });
        Ok(local_id)
    }

    /// Edits a message the bot posted.
    pub fn edit(&mut self, local_id: i64, text: impl Into<String>) {
        self.pending.push(Pending::Edit {
            local_id,
            text: text.into(),
        });
    }

    /// Adds a reaction, as the bot, to one of its messages.
    pub fn react(&mut self, local_id: i64, emoji: impl Into<String>) {
        self.pending.push(Pending::React {
            local_id,
            emoji: emoji.into(),
        });
    }
}

impl App {
    /// A bot over an opened store.
    pub fn new(store: Store, config: Arc<Config>) -> App {
        App {
            store,
            config,
            chats: RwLock::new(HashMap::new()),
        }
    }

    /// Registers the sender for a platform.
    pub fn register_chat(&self, chat: Arc<dyn Chat>) {
        let mut chats = self.chats.write().unwrap_or_else(|e| e.into_inner());
        chats.insert(chat.platform(), chat);
    }

    fn chat(&self, platform: Platform) -> Option<Arc<dyn Chat>> {
        let chats = self.chats.read().unwrap_or_else(|e| e.into_inner());
        chats.get(&platform).cloned()
    }

    /// Handles one event: dedupe, route, store, reply.
    pub async fn handle(&self, ev: &Incoming) -> Result<Handled, AppError> {
        let tx = self.store.begin().await?;
        let mut turn = Turn {
            app: self,
            ev,
            tx,
            pending: Vec::new(),
        };
        if !Store::mark_processed(&mut turn.tx, ev.platform.as_str(), &ev.event_id).await? {
            turn.tx.rollback().await?;
            tracing::debug!(event_id = %ev.event_id, "duplicate event ignored");
            return Ok(Handled::Duplicate);
        }
        match self.route(&mut turn).await {
            Ok(handled) => {
                let Turn { tx, pending, .. } = turn;
                tx.commit().await?;
                self.deliver(ev.platform, pending).await;
                Ok(handled)
            }
            Err(AppError::User(problem)) => {
                // Nothing the event tried to change is kept; the explanation is.
                turn.tx.rollback().await?;
                let tx = self.store.begin().await?;
                let mut turn = Turn {
                    app: self,
                    ev,
                    tx,
                    pending: Vec::new(),
                };
                Store::mark_processed(&mut turn.tx, ev.platform.as_str(), &ev.event_id).await?;
                turn.reply(problem.to_string()).await?;
                let Turn { tx, pending, .. } = turn;
                tx.commit().await?;
                self.deliver(ev.platform, pending).await;
                Ok(Handled::Done)
            }
            Err(AppError::Internal(err)) => {
                turn.tx.rollback().await?;
                let reference = short_ref();
                tracing::error!(reference = %reference, error = format!("{err:#}"), event_id = %ev.event_id, "event failed");
                self.say(
                    ev.platform,
                    &ev.channel,
                    ev.thread.as_deref(),
                    &format!(
                        "Sorry, something went wrong on my side (reference {reference}). Nothing was changed; please try again, or give this reference to your operator."
                    ),
                )
                .await;
                Err(AppError::Internal(err))
            }
        }
    }

    /// Posts a message outside of an event (job progress, apologies); returns the bot's id.
    pub async fn say(
        &self,
        platform: Platform,
        channel: &str,
        thread: Option<&str>,
        text: &str,
    ) -> Option<i64> {
        let result: Result<i64, AppError> = async {
            let mut tx = self.store.begin().await?;
            let id =
                Store::insert_message(&mut tx, platform.as_str(), channel, thread, "bot", None)
                    .await?;
            tx.commit().await?;
            Ok(id)
        }
        .await;
        match result {
            Ok(local_id) => {
                self.deliver(
                    platform,
                    vec![Pending::Post {
                        local_id,
                        channel: channel.to_string(),
                        thread: thread.map(str::to_string),
                        text: text.to_string(),
                        buttons: Vec::new(),
                    }],
                )
                .await;
                Some(local_id)
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot record an outgoing message");
                None
            }
        }
    }

    /// Edits a bot message outside of an event (job progress).
    pub async fn edit_message(&self, platform: Platform, local_id: i64, text: &str) {
        self.deliver(
            platform,
            vec![Pending::Edit {
                local_id,
                text: text.to_string(),
            }],
        )
        .await;
    }

    async fn deliver(&self, platform: Platform, pending: Vec<Pending>) {
        let Some(chat) = self.chat(platform) else {
            tracing::warn!(%platform, "no chat registered for platform; replies dropped");
            return;
        };
        for p in pending {
            if let Err(e) = self.deliver_one(chat.as_ref(), p).await {
                tracing::error!(%platform, error = %e, "delivery failed");
            }
        }
    }

    async fn deliver_one(&self, chat: &dyn Chat, p: Pending) -> anyhow::Result<()> {
        match p {
            Pending::Post {
                local_id,
                channel,
                thread,
                text,
                buttons,
            } => {
                let out = Outgoing::Post {
                    local_id,
                    channel,
                    thread,
                    text,
                    buttons,
                };
                if let Some(r) = chat.send(&out).await? {
                    self.store.set_message_ref(local_id, &r).await?;
                }
            }
            Pending::Edit { local_id, text } => {
                let Some(m) = self.store.message(local_id).await? else {
                    anyhow::bail!("edit of unknown message {local_id}");
                };
                let Some(message_ref) = m.platform_ref else {
                    anyhow::bail!("edit of message {local_id} that was never delivered");
                };
                chat.send(&Outgoing::Edit {
                    local_id,
                    channel: m.channel,
                    message_ref,
                    text,
                })
                .await?;
            }
            Pending::React { local_id, emoji } => {
                let Some(m) = self.store.message(local_id).await? else {
                    anyhow::bail!("reaction on unknown message {local_id}");
                };
                let Some(message_ref) = m.platform_ref else {
                    anyhow::bail!("reaction on message {local_id} that was never delivered");
                };
                chat.send(&Outgoing::React {
                    local_id,
                    channel: m.channel,
                    message_ref,
                    emoji,
                })
                .await?;
            }
        }
        Ok(())
    }

    async fn route(&self, turn: &mut Turn<'_>) -> Result<Handled, AppError> {
        let ev = turn.ev;
        match &ev.kind {
            IncomingKind::Message { text, .. } => {
                self.on_message(turn, text.trim()).await?;
                Ok(Handled::Done)
            }
            IncomingKind::ReactionAdded { .. }
            | IncomingKind::ReactionRemoved { .. }
            | IncomingKind::Button { .. } => Ok(Handled::Ignored),
        }
    }

    async fn on_message(&self, turn: &mut Turn<'_>, text: &str) -> Result<(), AppError> {
        let mut words = text.split_whitespace();
        let first = words.next().unwrap_or_default().to_ascii_lowercase();
        let rest: Vec<&str> = words.collect();
        match (first.as_str(), rest.as_slice()) {
            ("help", []) | ("?", []) => {
                turn.reply(commands::help()).await?;
            }
            ("help", [word]) => match commands::help_for(word) {
                Some(h) => {
                    turn.reply(h).await?;
                }
                None => {
                    return Err(UserError::new(
                        format!("I have no command called `{word}`."),
                        "help",
                    )
                    .into())
                }
            },
            ("instances", []) => {
                let text = self.instances_text();
                turn.reply(text).await?;
            }
            _ => {
                turn.reply(fallback(text)).await?;
            }
        }
        Ok(())
    }

    /// Returns when the job worker of this process has nothing queued or running.
    /// (No jobs exist before the activation feature; then this returns at once.)
    pub async fn wait_for_jobs(&self) {}

    /// The `instances` reply.
    pub fn instances_text(&self) -> String {
        if self.config.instances.is_empty() {
            return "No instances are configured. An operator adds them as `[[instances]]` in kmsbot.toml (name, edition, transport, address).".into();
        }
        let mut s = String::from("Instances I may act on:\n");
        for i in &self.config.instances {
            s.push_str(&format!(
                "• `{}`: {} ({})\n",
                i.name,
                i.edition,
                match i.transport {
                    crate::config::Transport::Ssh => "ssh",
                    crate::config::Transport::DryRun => "dry-run",
                }
            ));
        }
        s.trim_end().to_string()
    }
}

fn fallback(text: &str) -> String {
    let shown: String = text.chars().take(80).collect();
    format!(
        "I don't understand \"{shown}\" yet. Say `help` to see what I can do, for example `help` or `instances`."
    )
}

/// A short reference for an internal error, to match the log line.
fn short_ref() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "E{:08x}",
        (nanos as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32
    )
}

#[async_trait]
impl EventSink for App {
    async fn deliver(&self, incoming: Incoming) {
        if let Err(e) = self.handle(&incoming).await {
            tracing::error!(error = %e, event_id = %incoming.event_id, "event not handled");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use adapters::ChatError;
    use std::sync::Mutex;

    struct Recorder(Mutex<Vec<Outgoing>>);

    #[async_trait]
    impl Chat for Recorder {
        fn platform(&self) -> Platform {
            Platform::Console
        }
        async fn send(&self, out: &Outgoing) -> Result<Option<String>, ChatError> {
            self.0.lock().unwrap().push(out.clone());
            Ok(match out {
                Outgoing::Post { local_id, .. } => Some(local_id.to_string()),
                _ => None,
            })
        }
    }

    fn message(event_id: &str, text: &str) -> Incoming {
        Incoming {
            platform: Platform::Console,
            event_id: event_id.into(),
            channel: "general".into(),
            thread: None,
            user: "console:alice".into(),
            user_name: None,
            kind: IncomingKind::Message {
                text: text.into(),
                message_ref: format!("u-{event_id}"),
                direct: false,
            },
        }
    }

    #[tokio::test]
    async fn the_same_event_twice_has_one_effect() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).await.unwrap();
        let app = App::new(store.clone(), Arc::new(Config::default()));
        let rec = Arc::new(Recorder(Mutex::new(Vec::new())));
        app.register_chat(rec.clone());
        let ev = message("ev-1", "help");
        assert_eq!(app.handle(&ev).await.unwrap(), Handled::Done);
        assert_eq!(app.handle(&ev).await.unwrap(), Handled::Duplicate);
        assert_eq!(rec.0.lock().unwrap().len(), 1);
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(n, 1, "one reply");
        assert_eq!(
            app.handle(&message("ev-2", "help")).await.unwrap(),
            Handled::Done
        );
        assert_eq!(rec.0.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn unknown_help_topic_is_a_specific_user_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).await.unwrap();
        let app = App::new(store, Arc::new(Config::default()));
        let rec = Arc::new(Recorder(Mutex::new(Vec::new())));
        app.register_chat(rec.clone());
        app.handle(&message("e", "help frobnicate")).await.unwrap();
        let out = rec.0.lock().unwrap();
        let Outgoing::Post { text, .. } = &out[0] else {
            panic!()
        };
        assert!(text.contains("no command called `frobnicate`"), "{text}");
        assert!(text.contains("For example: `help`"), "{text}");
    }
}
