//! The outbox: chat deliveries (posts, edits, reactions) go into a queue per platform, and one
//! task per platform sends them through that platform's [`Chat`]. Nothing that decides a reply —
//! an event's turn, the job worker — waits for a platform.
//!
//! * Order is kept per platform (an edit always follows the post that created its message).
//! * Edits of one message coalesce: a queued edit takes the newest text; an edit that keeps failing
//!   is dropped as soon as a newer edit of the same message waits behind it.
//! * A failed delivery is retried with exponential backoff (a platform that is down or answers
//!   429 for long only delays its own messages) until it is [`Backoff::give_up_after`] old.
//! * Deliveries waiting long are visible: `kmsbot_outbox_queued` and
//!   `kmsbot_outbox_oldest_age_seconds` per platform in `/metrics`, and a warning in the log once
//!   a delivery is [`STUCK_AFTER`] old.
//!
//! Every bot message has its row (and id) in `messages` before it is queued; its platform
//! reference is stored once the platform accepted it.

use crate::metrics::Metrics;
use crate::store::Store;
use adapters::{Button, Chat, ChatError, Outgoing, Platform};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// The `local_id` of a post that has no message row (the database refused the write): it is
/// delivered, but cannot be edited, reacted to or found again. Real ids start at 1.
pub const UNRECORDED: i64 = 0;

/// A delivery older than this is reported in the log as stuck.
pub const STUCK_AFTER: Duration = Duration::from_secs(60);

/// One chat action, decided and recorded, waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Post a new message (its row exists; `local_id` is the bot's id).
    Post {
        /// The bot's message id.
        local_id: i64,
        /// Channel.
        channel: String,
        /// Thread, if any.
        thread: Option<String>,
        /// Text.
        text: String,
        /// Buttons under the message.
        buttons: Vec<Button>,
    },
    /// Replace the text of a bot message.
    Edit {
        /// The bot's message id.
        local_id: i64,
        /// The new text.
        text: String,
    },
    /// Add a reaction, as the bot, to one of its messages.
    React {
        /// The bot's message id.
        local_id: i64,
        /// Emoji name.
        emoji: String,
    },
}

/// How failed deliveries are retried.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The first wait after a failure.
    pub first: Duration,
    /// The longest wait between two attempts.
    pub max: Duration,
    /// A delivery still failing this long after it was queued is dropped (and logged).
    pub give_up_after: Duration,
    /// Attempts for a delivery the platform refused outright (not a rate limit or an outage).
    pub refused_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first: Duration::from_millis(500),
            max: Duration::from_secs(30),
            give_up_after: Duration::from_secs(6 * 3600),
            refused_attempts: 3,
        }
    }
}

/// Where a posted message lives: (channel, thread, platform reference).
type Placed = (String, Option<String>, String);

struct Queued {
    delivery: Delivery,
    since: Instant,
}

#[derive(Default)]
struct LaneState {
    queue: VecDeque<Queued>,
    /// When the delivery being sent now was queued.
    in_flight: Option<Instant>,
}

struct Lane {
    platform: Platform,
    chat: RwLock<Arc<dyn Chat>>,
    state: Mutex<LaneState>,
    wake: Notify,
}

impl Lane {
    fn state(&self) -> MutexGuard<'_, LaneState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn chat(&self) -> Arc<dyn Chat> {
        self.chat.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A newer edit of `local_id` waits in the queue.
    fn has_newer_edit(&self, local_id: i64) -> bool {
        self.state()
            .queue
            .iter()
            .any(|q| matches!(q.delivery, Delivery::Edit { local_id: id, .. } if id == local_id))
    }
}

struct Inner {
    store: Store,
    metrics: Arc<Metrics>,
    backoff: Backoff,
    lanes: RwLock<HashMap<Platform, Arc<Lane>>>,
    placed: Mutex<HashMap<i64, Placed>>,
    idle: Notify,
}

/// The outbox handle (cheap to clone).
#[derive(Clone)]
pub struct Outbox {
    inner: Arc<Inner>,
}

enum Failure {
    /// Worth another attempt (outage, rate limit, or a refusal not yet tried often).
    Retry(String),
    /// Pointless to retry.
    Drop(String),
}

impl Outbox {
    /// An outbox that records platform references in `store`.
    pub fn new(store: Store, metrics: Arc<Metrics>, backoff: Backoff) -> Outbox {
        Outbox {
            inner: Arc::new(Inner {
                store,
                metrics,
                backoff,
                lanes: RwLock::new(HashMap::new()),
                placed: Mutex::new(HashMap::new()),
                idle: Notify::new(),
            }),
        }
    }

    /// Registers the sender of a platform and starts its delivery task (on the current Tokio
    /// runtime). Registering again replaces the sender; the queue stays.
    pub fn register(&self, chat: Arc<dyn Chat>) {
        let platform = chat.platform();
        let mut lanes = self.inner.lanes.write().unwrap_or_else(|e| e.into_inner());
        if let Some(lane) = lanes.get(&platform) {
            *lane.chat.write().unwrap_or_else(|e| e.into_inner()) = chat;
            return;
        }
        let lane = Arc::new(Lane {
            platform,
            chat: RwLock::new(chat),
            state: Mutex::new(LaneState::default()),
            wake: Notify::new(),
        });
        lanes.insert(platform, lane.clone());
        tokio::spawn(run_lane(self.inner.clone(), lane));
    }

    fn lane(&self, platform: Platform) -> Option<Arc<Lane>> {
        let lanes = self.inner.lanes.read().unwrap_or_else(|e| e.into_inner());
        lanes.get(&platform).cloned()
    }

    /// Queues deliveries for `platform` (never waits for the platform).
    pub fn enqueue(&self, platform: Platform, deliveries: Vec<Delivery>) {
        if deliveries.is_empty() {
            return;
        }
        let Some(lane) = self.lane(platform) else {
            tracing::warn!(%platform, "no chat registered for platform; replies dropped");
            return;
        };
        {
            let mut st = lane.state();
            for d in deliveries {
                if let Delivery::Edit { local_id, text } = &d {
                    // Coalesce: a queued edit of the same message just takes the newest text.
                    let queued = st.queue.iter_mut().find_map(|q| match &mut q.delivery {
                        Delivery::Edit {
                            local_id: id,
                            text: t,
                        } if id == local_id => Some(t),
                        _ => None,
                    });
                    if let Some(t) = queued {
                        t.clone_from(text);
                        continue;
                    }
                }
                st.queue.push_back(Queued {
                    delivery: d,
                    since: Instant::now(),
                });
            }
        }
        self.inner.report(&lane);
        lane.wake.notify_one();
    }

    /// Edits a bot message (job progress).
    pub fn edit(&self, platform: Platform, local_id: i64, text: impl Into<String>) {
        self.enqueue(
            platform,
            vec![Delivery::Edit {
                local_id,
                text: text.into(),
            }],
        );
    }

    /// Posts a message outside of an event (job results, apologies): records its row, queues
    /// it, and returns the bot's id for it (`None` when the row could not be written).
    pub async fn say(
        &self,
        platform: Platform,
        channel: &str,
        thread: Option<&str>,
        text: &str,
    ) -> Option<i64> {
        let recorded: Result<i64, crate::store::StoreError> = async {
            let mut tx = self.inner.store.begin().await?;
            let id =
                Store::insert_message(&mut tx, platform.as_str(), channel, thread, "bot", None)
                    .await?;
            tx.commit().await?;
            Ok(id)
        }
        .await;
        match recorded {
            Ok(local_id) => {
                self.enqueue(
                    platform,
                    vec![Delivery::Post {
                        local_id,
                        channel: channel.to_string(),
                        thread: thread.map(str::to_string),
                        text: text.to_string(),
                        buttons: Vec::new(),
                    }],
                );
                Some(local_id)
            }
            Err(e) => {
                // The database refuses writes (read-only, full): say it anyway, unrecorded, so
                // an apology with its reference still reaches the user.
                tracing::error!(error = %e, "cannot record an outgoing message; sending it unrecorded");
                self.enqueue(
                    platform,
                    vec![Delivery::Post {
                        local_id: UNRECORDED,
                        channel: channel.to_string(),
                        thread: thread.map(str::to_string),
                        text: text.to_string(),
                        buttons: Vec::new(),
                    }],
                );
                None
            }
        }
    }

    /// Deliveries waiting or being sent, over every platform.
    pub fn pending(&self) -> usize {
        let lanes = self.inner.lanes.read().unwrap_or_else(|e| e.into_inner());
        lanes
            .values()
            .map(|l| {
                let st = l.state();
                st.queue.len() + usize::from(st.in_flight.is_some())
            })
            .sum()
    }

    /// Returns once every queued delivery was sent or given up (the console waits for this
    /// after each line, so its transcript stays in order).
    pub async fn flush(&self) {
        loop {
            let idle = self.inner.idle.notified();
            tokio::pin!(idle);
            idle.as_mut().enable();
            if self.pending() == 0 {
                return;
            }
            idle.await;
        }
    }

    /// [`Outbox::flush`], waiting at most `limit`; false when deliveries were still pending.
    pub async fn flush_for(&self, limit: Duration) -> bool {
        tokio::time::timeout(limit, self.flush()).await.is_ok()
    }
}

impl Inner {
    fn report(&self, lane: &Lane) {
        let (queued, oldest) = {
            let st = lane.state();
            let oldest = st
                .in_flight
                .into_iter()
                .chain(st.queue.iter().map(|q| q.since))
                .min();
            (
                st.queue.len() + usize::from(st.in_flight.is_some()),
                oldest.map(|t| t.elapsed()).unwrap_or_default(),
            )
        };
        self.metrics.outbox(lane.platform.as_str(), queued, oldest);
    }

    fn placed_cached(&self, local_id: i64) -> Option<Placed> {
        self.placed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&local_id)
            .cloned()
    }

    fn remember(&self, local_id: i64, placed: Placed) {
        let mut cache = self.placed.lock().unwrap_or_else(|e| e.into_inner());
        // A message's place never changes once posted; the store keeps it too.
        if cache.len() >= 10_000 {
            cache.clear();
        }
        cache.insert(local_id, placed);
    }

    /// Where a bot message lives. Its post went through this queue first (or through an
    /// earlier process), so the reference is known unless the post was never delivered.
    async fn placed(&self, local_id: i64) -> Result<Placed, Failure> {
        if let Some(hit) = self.placed_cached(local_id) {
            return Ok(hit);
        }
        match self.store.message(local_id).await {
            Ok(Some(m)) => match m.platform_ref {
                Some(r) => {
                    let found = (m.channel, m.thread, r);
                    self.remember(local_id, found.clone());
                    Ok(found)
                }
                None => Err(Failure::Drop(format!(
                    "message #{local_id} was never delivered"
                ))),
            },
            Ok(None) => Err(Failure::Drop(format!("unknown message #{local_id}"))),
            Err(e) => Err(Failure::Retry(e.to_string())),
        }
    }

    async fn deliver_one(
        &self,
        chat: &dyn Chat,
        d: &Delivery,
        attempt: u32,
    ) -> Result<(), Failure> {
        let classify = |e: ChatError| match e {
            ChatError::Unreachable { .. } => Failure::Retry(e.to_string()),
            _ if attempt < self.backoff.refused_attempts => Failure::Retry(e.to_string()),
            _ => Failure::Drop(e.to_string()),
        };
        match d {
            Delivery::Post {
                local_id,
                channel,
                thread,
                text,
                buttons,
            } => {
                let out = Outgoing::Post {
                    local_id: *local_id,
                    channel: channel.clone(),
                    thread: thread.clone(),
                    text: text.clone(),
                    buttons: buttons.clone(),
                };
                let sent = chat.send(&out).await.map_err(classify)?;
                if let Some(r) = sent.filter(|_| *local_id != UNRECORDED) {
                    self.remember(*local_id, (channel.clone(), thread.clone(), r.clone()));
                    if let Err(e) = self.store.set_message_ref(*local_id, &r).await {
                        tracing::error!(local_id, error = %e, "cannot store a message's platform reference");
                    }
                }
            }
            Delivery::Edit { local_id, text } => {
                let (channel, thread, message_ref) = self.placed(*local_id).await?;
                chat.send(&Outgoing::Edit {
                    local_id: *local_id,
                    channel,
                    thread,
                    message_ref,
                    text: text.clone(),
                })
                .await
                .map_err(classify)?;
            }
            Delivery::React { local_id, emoji } => {
                let (channel, thread, message_ref) = self.placed(*local_id).await?;
                chat.send(&Outgoing::React {
                    local_id: *local_id,
                    channel,
                    thread,
                    message_ref,
                    emoji: emoji.clone(),
                })
                .await
                .map_err(classify)?;
            }
        }
        Ok(())
    }
}

fn local_id(d: &Delivery) -> i64 {
    match d {
        Delivery::Post { local_id, .. }
        | Delivery::Edit { local_id, .. }
        | Delivery::React { local_id, .. } => *local_id,
    }
}

/// One platform's delivery task: takes deliveries in order and sends each until it is accepted,
/// superseded or given up.
async fn run_lane(inner: Arc<Inner>, lane: Arc<Lane>) {
    let platform = lane.platform;
    loop {
        let next = {
            let mut st = lane.state();
            let next = st.queue.pop_front();
            st.in_flight = next.as_ref().map(|q| q.since);
            next
        };
        inner.report(&lane);
        let Some(item) = next else {
            inner.idle.notify_waiters();
            lane.wake.notified().await;
            continue;
        };
        let mut delay = inner.backoff.first;
        let mut attempt = 0u32;
        let mut warned = false;
        loop {
            attempt += 1;
            let chat = lane.chat();
            let failure = match inner
                .deliver_one(chat.as_ref(), &item.delivery, attempt)
                .await
            {
                Ok(()) => break,
                Err(f) => f,
            };
            inner.metrics.outbox_failure(platform.as_str());
            let age = item.since.elapsed();
            let why = match failure {
                Failure::Drop(why) => {
                    tracing::error!(%platform, local_id = local_id(&item.delivery), error = %why, "delivery dropped");
                    break;
                }
                Failure::Retry(why) => why,
            };
            if age >= inner.backoff.give_up_after {
                tracing::error!(%platform, local_id = local_id(&item.delivery), error = %why, age_secs = age.as_secs(), "delivery given up");
                break;
            }
            if let Delivery::Edit { local_id, .. } = &item.delivery {
                if lane.has_newer_edit(*local_id) {
                    tracing::debug!(%platform, local_id, "failed edit superseded by a newer one");
                    break;
                }
            }
            if age >= STUCK_AFTER && !warned {
                warned = true;
                tracing::warn!(%platform, local_id = local_id(&item.delivery), age_secs = age.as_secs(), error = %why, "chat delivery stuck; still retrying");
            } else {
                tracing::debug!(%platform, attempt, error = %why, "delivery failed; retrying");
            }
            inner.report(&lane);
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(inner.backoff.max);
        }
    }
}
