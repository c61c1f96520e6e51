//! The gateway side: serenity's `Client` with an [`EventHandler`] that decodes and delivers.

use super::decode::{
    decode_interaction, decode_message, decode_reaction, ChannelContext, ReactionLedger,
};
use super::send::{describe, to_chat_error};
use super::DiscordSettings;
use crate::chat::{ChatError, EventSink};
use async_trait::async_trait;
use serenity::all::{
    Channel, ChannelId, ChannelType, ComponentInteraction, Context, CreateInteractionResponse,
    EventHandler, GatewayIntents, Interaction, Message, Reaction, Ready, ResumedEvent, UserId,
};
use serenity::client::ClientBuilder;
use serenity::http::Http;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The gateway intents the adapter identifies with: guild and DM messages and reactions, and
/// the (privileged) message content.
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT
        | GatewayIntents::GUILD_MESSAGE_REACTIONS
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::DIRECT_MESSAGE_REACTIONS
}

/// Channels looked up, kept before the cache is forgotten wholesale.
const CHANNEL_CACHE_CAPACITY: usize = 10_000;

/// How long [`run_gateway`] waits, after shutdown, for queued events to reach the sink.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects to the Discord gateway and delivers decoded events to `sink` until `shutdown` is
/// cancelled (then returns `Ok`) or the connection fails for good (bad token, disallowed
/// intents: `Rejected`; API unreachable at start: `Unreachable`).
///
/// The bot's user id comes from `GET /users/@me` before connecting (which also checks the
/// token). Dropped connections are handled by serenity's shard runner: it RESUMEs the session
/// (op 6) when it can and IDENTIFYs afresh when it cannot. serenity runs its handler on one
/// task per event; the handler only queues the event (acknowledging buttons first, with a
/// deferred update, type 6) to one worker task, which looks channels up, decodes and delivers
/// to the sink one event at a time. Events that arrive within the same instant can reach the
/// queue in a different order than the gateway sent them (serenity's per-event tasks race).
pub async fn run_gateway(
    settings: DiscordSettings,
    sink: Arc<dyn EventSink>,
    shutdown: CancellationToken,
) -> Result<(), ChatError> {
    let http = settings.http()?;
    let me = http.get_current_user().await.map_err(to_chat_error)?;
    tracing::info!(bot = %me.id, name = %me.name, "Discord bot user");

    let (tx, rx) = mpsc::unbounded_channel::<Raw>();
    let mut client = ClientBuilder::new_with_http(http, intents())
        .event_handler(Handler { tx })
        .await
        .map_err(to_chat_error)?;
    let worker = Worker {
        http: Arc::clone(&client.http),
        bot_id: me.id,
        channels: HashMap::new(),
        ledger: ReactionLedger::new(),
        sink,
    };
    let worker = tokio::spawn(worker.run(rx));
    let shards = client.shard_manager.clone();

    let result = tokio::select! {
        r = client.start() => r.map_err(|e| {
            tracing::error!(error = %describe(&e), "Discord gateway stopped");
            to_chat_error(e)
        }),
        () = shutdown.cancelled() => {
            tracing::info!("Discord gateway shutting down");
            shards.shutdown_all().await;
            Ok(())
        }
    };
    drop(client);
    if tokio::time::timeout(DRAIN_TIMEOUT, worker).await.is_err() {
        tracing::warn!("Discord events still queued at shutdown were dropped");
    }
    result
}

/// An event as serenity handed it over, queued for the worker.
enum Raw {
    Message(Box<Message>),
    Reaction(Box<Reaction>, bool),
    Button(Box<ComponentInteraction>),
}

/// serenity's handler: runs one task per event, so it only queues (and acknowledges buttons);
/// everything that awaits happens in the [`Worker`], in queue order.
struct Handler {
    tx: mpsc::UnboundedSender<Raw>,
}

impl Handler {
    fn queue(&self, raw: Raw) {
        if self.tx.send(raw).is_err() {
            tracing::warn!("Discord event dropped: the delivery worker has stopped");
        }
    }
}

/// Decodes queued events (looking channels up as needed) and delivers them to the sink, one at
/// a time.
struct Worker {
    http: Arc<Http>,
    bot_id: UserId,
    /// What `GET /channels/{id}` said about guild channels seen so far.
    channels: HashMap<ChannelId, ChannelContext>,
    ledger: ReactionLedger,
    sink: Arc<dyn EventSink>,
}

impl Worker {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Raw>) {
        while let Some(raw) = rx.recv().await {
            let incoming = match raw {
                Raw::Message(m) => {
                    let place = self.context(m.channel_id, m.guild_id.is_some()).await;
                    decode_message(&m, self.bot_id, &place)
                }
                Raw::Reaction(r, added) => {
                    let place = self.context(r.channel_id, r.guild_id.is_some()).await;
                    decode_reaction(&r, added, self.bot_id, &place, &self.ledger)
                }
                Raw::Button(i) => {
                    let place = self.context(i.channel_id, i.guild_id.is_some()).await;
                    decode_interaction(&i, &place)
                }
            };
            if let Some(incoming) = incoming {
                tracing::debug!(event_id = %incoming.event_id, "Discord event");
                self.sink.deliver(incoming).await;
            }
        }
    }

    /// Whether `channel` is a thread (and whose), from the cache or one `GET /channels/{id}`.
    /// A failed look-up counts as a plain channel and is retried next time.
    async fn context(&mut self, channel: ChannelId, guild: bool) -> ChannelContext {
        if !guild {
            return ChannelContext::Plain;
        }
        if let Some(known) = self.channels.get(&channel) {
            return *known;
        }
        let found = match self.http.get_channel(channel).await {
            Ok(Channel::Guild(gc)) => match (gc.kind, gc.parent_id) {
                (
                    ChannelType::PublicThread
                    | ChannelType::PrivateThread
                    | ChannelType::NewsThread,
                    Some(parent),
                ) => ChannelContext::Thread {
                    parent,
                    by_bot: gc.owner_id == Some(self.bot_id),
                },
                _ => ChannelContext::Plain,
            },
            Ok(_) => ChannelContext::Plain,
            Err(e) => {
                tracing::warn!(%channel, error = %describe(&e), "Discord channel look-up failed");
                return ChannelContext::Plain;
            }
        };
        if self.channels.len() >= CHANNEL_CACHE_CAPACITY {
            self.channels.clear();
        }
        self.channels.insert(channel, found);
        found
    }
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        tracing::info!(
            bot = %ready.user.id,
            guilds = ready.guilds.len(),
            "Discord gateway ready"
        );
    }

    async fn resume(&self, _ctx: Context, _event: ResumedEvent) {
        tracing::info!("Discord gateway session resumed");
    }

    async fn message(&self, _ctx: Context, msg: Message) {
        if !msg.author.bot {
            self.queue(Raw::Message(Box::new(msg)));
        }
    }

    async fn reaction_add(&self, _ctx: Context, r: Reaction) {
        self.queue(Raw::Reaction(Box::new(r), true));
    }

    async fn reaction_remove(&self, _ctx: Context, r: Reaction) {
        self.queue(Raw::Reaction(Box::new(r), false));
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let Interaction::Component(component) = interaction else {
            return;
        };
        if let Err(e) = component
            .create_response(&ctx.http, CreateInteractionResponse::Acknowledge)
            .await
        {
            tracing::warn!(error = %describe(&e), "Discord interaction acknowledgement failed");
        }
        self.queue(Raw::Button(Box::new(component)));
    }
}
