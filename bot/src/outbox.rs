//! The outbox: chat deliveries (posts, edits, reactions) go into a queue per channel (a lane),
//! and each lane with work has a task that sends its deliveries through its platform's [`Chat`].
//! Nothing that decides a reply — an event's turn, the job worker — waits for a platform.
//!
//! * Order is kept per channel (an edit always follows the post that created its message);
//!   unrelated channels are sent concurrently, at most [`SENDS_IN_FLIGHT`] sends at once. A
//!   platform's pacing (Slack's 429 `Retry-After`) is honoured by its `Chat` per call, so a
//!   rate-limited channel only delays its own lane.
//! * Edits of one message coalesce: a queued edit takes the newest text; an edit that keeps failing
//!   is dropped as soon as a newer edit of the same message waits behind it.
//! * A failed delivery is retried with exponential backoff (a platform that is down or answers
//!   429 for long only delays its own messages) until it is [`Backoff::give_up_after`] old.
//! * Deliveries waiting long are visible: `kmsbot_outbox_queued` and
//!   `kmsbot_outbox_oldest_age_seconds` per platform in `/metrics`, and a warning in the log once
//!   a delivery is [`STUCK_AFTER`] old.
//!
//! Every bot post has its row (and id) in `messages` before it is queued, with what to send
//! (`pending`, see [`pending_json`]); once the platform accepted it, its platform reference is
//! stored and `pending` cleared in one statement. [`Outbox::stop`] lets the sends in flight
//! finish (their references stored) and leaves the rest: posts still pending are sent by
//! [`Outbox::resume`] at the next start. Edits and reactions are not kept across a restart.

use crate::metrics::Metrics;
use crate::store::Store;
use adapters::{Button, Chat, ChatError, Message, Outgoing, Platform};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio_util::sync::CancellationToken;

/// The `local_id` of a post that has no message row (the database refused the write): it is
/// delivered, but cannot be edited, reacted to or found again. Real ids start at 1.
pub const UNRECORDED: i64 = 0;

/// A delivery older than this is reported in the log as stuck.
pub const STUCK_AFTER: Duration = Duration::from_secs(60);

/// Sends in flight at once over every lane.
pub const SENDS_IN_FLIGHT: usize = 32;

/// What a post on `platform` stores as pending: [`pending_json`], or nothing on the console.
/// The console sends nothing again after a restart (its transcript was the terminal's, and
/// `chat` never resumes), and the store gives a console post its reference as the row is
/// written: a console reply needs no write after it is printed.
pub fn pending_for(platform: Platform, message: &Message, buttons: &[Button]) -> Option<String> {
    (platform != Platform::Console).then(|| pending_json(message, buttons))
}

/// What a pending post stores (`messages.pending`): its message and buttons, JSON
/// (`{"blocks": [...], "buttons": [{"action", "label"}]}`).
pub fn pending_json(message: &Message, buttons: &[Button]) -> String {
    let stored = StoredPost {
        message: message.clone(),
        buttons: buttons.to_vec(),
    };
    // A message and buttons are strings and lists of strings: serializing them cannot fail.
    serde_json::to_string(&stored).unwrap_or_default()
}

/// A pending post as stored.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredPost {
    #[serde(flatten)]
    message: Message,
    #[serde(default)]
    buttons: Vec<Button>,
}

/// A pending post as stored by earlier versions: Markdown text and buttons.
#[derive(serde::Deserialize)]
struct StoredText {
    text: String,
    #[serde(default)]
    buttons: Vec<Button>,
}

/// The message and buttons of a stored pending post. Rows of earlier versions hold
/// `{"text", "buttons"}` (Markdown text) or plain Markdown: anything that is not a stored message
/// is read as Markdown.
fn parse_pending(stored: &str) -> (Message, Vec<Button>) {
    if let Ok(post) = serde_json::from_str::<StoredPost>(stored) {
        return (post.message, post.buttons);
    }
    if let Ok(post) = serde_json::from_str::<StoredText>(stored) {
        return (Message::markdown(post.text), post.buttons);
    }
    (Message::markdown(stored), Vec::new())
}

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
        /// What to say.
        message: Message,
        /// Buttons under the message.
        buttons: Vec<Button>,
    },
    /// Replace the content of a bot message.
    Edit {
        /// The bot's message id.
        local_id: i64,
        /// The new content.
        message: Message,
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

/// A post accepted by its platform: its id, its reference, and the key a reaction finds it by
/// until the reference is stored ([`Inner::storing`]).
type PostedRef = (i64, Option<String>, Option<(Platform, String)>);

/// Most references stored in one statement.
const REFS_BATCH: usize = 256;

/// Stores posts' references as they come, everything waiting in one statement (the lanes do not
/// each take the single writer connection, and do not wait for it: a lane sends its next
/// delivery while the references of the ones before are written). Each written reference
/// leaves `storing` and the outbox's count of work still running ([`Outbox::stop`] and
/// [`Outbox::flush`] wait for it). Holds the outbox weakly: the task ends with the outbox.
async fn run_refs(store: Store, inner: Weak<Inner>, mut rx: mpsc::Receiver<PostedRef>) {
    let mut batch = Vec::with_capacity(REFS_BATCH);
    while rx.recv_many(&mut batch, REFS_BATCH).await > 0 {
        let rows: Vec<(i64, Option<String>)> =
            batch.iter().map(|(id, r, _)| (*id, r.clone())).collect();
        if let Err(e) = store.posted_many(&rows).await {
            tracing::error!(posts = rows.len(), error = %e, "cannot store posted messages' platform references");
        }
        let Some(inner) = inner.upgrade() else {
            return;
        };
        {
            let mut storing = lock(&inner.storing);
            for (_, _, key) in &batch {
                if let Some(key) = key {
                    storing.remove(key);
                }
            }
        }
        inner.refs_queued.fetch_sub(batch.len(), Ordering::SeqCst);
        inner.running.fetch_sub(batch.len(), Ordering::SeqCst);
        inner.idle.notify_waiters();
        inner.progress.notify_waiters();
        inner.stopped.notify_waiters();
        batch.clear();
    }
}

/// Where a posted message lives: (channel, thread, platform reference).
type Placed = (String, Option<String>, String);

/// A lane: one platform's channel.
type LaneKey = (Platform, String);

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
    state: Mutex<LaneState>,
}

impl Lane {
    fn state(&self) -> MutexGuard<'_, LaneState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
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
    chats: RwLock<HashMap<Platform, Arc<dyn Chat>>>,
    /// Lanes with work (each has its task); a lane whose queue empties is removed.
    lanes: Mutex<HashMap<LaneKey, Arc<Lane>>>,
    placed: Mutex<HashMap<i64, Placed>>,
    /// Posts the platform accepted whose reference is being written: (platform, reference) →
    /// (bot message id, channel). A reaction may arrive before the write lands.
    storing: Mutex<HashMap<(Platform, String), (i64, String)>>,
    /// The channel of posts queued by this process, so their edits and reactions follow them
    /// in their lane.
    channels: Mutex<HashMap<i64, String>>,
    sends: Semaphore,
    /// The writer of posts' references (started on first use).
    refs: std::sync::OnceLock<mpsc::Sender<PostedRef>>,
    /// References handed to the writer and not yet written (counted in `running` too).
    refs_queued: AtomicUsize,
    idle: Notify,
    /// A delivery ended (sent, dropped or given up).
    progress: Notify,
    stop: CancellationToken,
    running: AtomicUsize,
    stopped: Notify,
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
    /// The output itself is gone (the console's stdout closed, `kmsbot chat | head`): dropped
    /// at once, said once.
    Closed,
}

/// Whether the closed console output was already reported.
static OUTPUT_CLOSED_SAID: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Outbox {
    /// An outbox that records platform references in `store`.
    pub fn new(store: Store, metrics: Arc<Metrics>, backoff: Backoff) -> Outbox {
        Outbox {
            inner: Arc::new(Inner {
                store,
                metrics,
                backoff,
                chats: RwLock::new(HashMap::new()),
                lanes: Mutex::new(HashMap::new()),
                placed: Mutex::new(HashMap::new()),
                storing: Mutex::new(HashMap::new()),
                channels: Mutex::new(HashMap::new()),
                sends: Semaphore::new(SENDS_IN_FLIGHT),
                refs: std::sync::OnceLock::new(),
                refs_queued: AtomicUsize::new(0),
                idle: Notify::new(),
                progress: Notify::new(),
                stop: CancellationToken::new(),
                running: AtomicUsize::new(0),
                stopped: Notify::new(),
            }),
        }
    }

    /// Registers the sender of a platform. Registering again replaces the sender; the queues
    /// stay.
    pub fn register(&self, chat: Arc<dyn Chat>) {
        let platform = chat.platform();
        self.inner
            .chats
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(platform, chat);
    }

    /// Queues the posts of registered platforms still pending from an earlier run (recorded,
    /// never accepted by the platform), oldest first, before anything new.
    pub async fn resume(&self) {
        let platforms: Vec<Platform> = self
            .inner
            .chats
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .copied()
            .collect();
        for platform in platforms {
            let rows = match self.inner.store.pending_posts(platform.as_str()).await {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::error!(%platform, error = %e, "cannot read the posts left pending");
                    continue;
                }
            };
            if rows.is_empty() {
                continue;
            }
            tracing::info!(%platform, posts = rows.len(), "sending the posts left pending by the last run");
            let deliveries = rows
                .into_iter()
                .map(|(local_id, channel, thread, pending)| {
                    let (message, buttons) = parse_pending(&pending);
                    Delivery::Post {
                        local_id,
                        channel,
                        thread,
                        message,
                        buttons,
                    }
                })
                .collect();
            self.enqueue(platform, deliveries);
        }
    }

    /// Queues deliveries for `platform` (never waits for the platform).
    pub fn enqueue(&self, platform: Platform, deliveries: Vec<Delivery>) {
        if deliveries.is_empty() {
            return;
        }
        if !self
            .inner
            .chats
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&platform)
        {
            tracing::warn!(%platform, "no chat registered for platform; replies dropped");
            return;
        }
        {
            let mut lanes = lock(&self.inner.lanes);
            for d in deliveries {
                // The console is one stream: one lane, so its transcript keeps the order replies
                // were decided in.
                let channel = if platform == Platform::Console {
                    String::new()
                } else {
                    self.inner.channel_of(&d)
                };
                let lane = match lanes.get(&(platform, channel.clone())) {
                    Some(lane) => lane.clone(),
                    None => {
                        let lane = Arc::new(Lane {
                            platform,
                            state: Mutex::new(LaneState::default()),
                        });
                        lanes.insert((platform, channel.clone()), lane.clone());
                        self.inner.running.fetch_add(1, Ordering::SeqCst);
                        tokio::spawn(run_lane(
                            self.inner.clone(),
                            (platform, channel),
                            lane.clone(),
                        ));
                        lane
                    }
                };
                {
                    let mut st = lane.state();
                    if let Delivery::Edit { local_id, message } = &d {
                        // Coalesce: a queued edit of the same message just takes the newest content.
                        let queued = st.queue.iter_mut().find_map(|q| match &mut q.delivery {
                            Delivery::Edit {
                                local_id: id,
                                message: m,
                            } if id == local_id => Some(m),
                            _ => None,
                        });
                        if let Some(m) = queued {
                            m.clone_from(message);
                            continue;
                        }
                    }
                    st.queue.push_back(Queued {
                        delivery: d,
                        since: Instant::now(),
                    });
                }
            }
        }
        self.inner.report(platform);
    }

    /// Edits a bot message (job progress).
    pub fn edit(&self, platform: Platform, local_id: i64, message: impl Into<Message>) {
        self.enqueue(
            platform,
            vec![Delivery::Edit {
                local_id,
                message: message.into(),
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
        message: impl Into<Message>,
    ) -> Option<i64> {
        let message = message.into();
        let recorded: Result<i64, crate::store::StoreError> = async {
            let mut tx = self.inner.store.begin().await?;
            let id = Store::insert_bot_post(
                &mut tx,
                platform.as_str(),
                channel,
                thread,
                pending_for(platform, &message, &[]).as_deref(),
            )
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
                        message,
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
                        message,
                        buttons: Vec::new(),
                    }],
                );
                None
            }
        }
    }

    /// The bot message id and channel of a post that `platform` accepted as `message_ref`
    /// while its reference is still being written to the store (where the turn looks first):
    /// a reaction to a message that fast is matched all the same.
    pub fn being_stored(&self, platform: Platform, message_ref: &str) -> Option<(i64, String)> {
        lock(&self.inner.storing)
            .get(&(platform, message_ref.to_string()))
            .cloned()
    }

    /// Deliveries waiting or being sent, over every platform, and sent posts whose reference
    /// is still being stored.
    pub fn pending(&self) -> usize {
        let lanes = lock(&self.inner.lanes);
        let deliveries: usize = lanes
            .values()
            .map(|l| {
                let st = l.state();
                st.queue.len() + usize::from(st.in_flight.is_some())
            })
            .sum();
        deliveries + self.inner.refs_queued.load(Ordering::SeqCst)
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

    /// Waits until fewer than `limit` deliveries are pending: what takes new work (the inbox's
    /// workers) calls it first, so a platform that is down or slow holds the backlog in the store,
    /// not in the outbox's memory.
    pub async fn room(&self, limit: usize) {
        loop {
            let progress = self.inner.progress.notified();
            tokio::pin!(progress);
            progress.as_mut().enable();
            if self.pending() < limit || self.inner.stop.is_cancelled() {
                return;
            }
            progress.await;
        }
    }

    /// [`Outbox::flush`], waiting at most `limit`; false when deliveries were still pending.
    pub async fn flush_for(&self, limit: Duration) -> bool {
        tokio::time::timeout(limit, self.flush()).await.is_ok()
    }

    /// Stops sending: the sends in flight finish and every sent post's reference is stored;
    /// nothing more is taken. Posts not sent stay pending in the store for [`Outbox::resume`].
    pub async fn stop(&self) {
        self.inner.stop.cancel();
        loop {
            let stopped = self.inner.stopped.notified();
            tokio::pin!(stopped);
            stopped.as_mut().enable();
            if self.inner.running.load(Ordering::SeqCst) == 0 {
                return;
            }
            stopped.await;
        }
    }
}

impl Inner {
    fn chat(&self, platform: Platform) -> Option<Arc<dyn Chat>> {
        self.chats
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&platform)
            .cloned()
    }

    /// The lane of a delivery: a post's channel; an edit's or reaction's, the channel of its
    /// message when known here (a post of an earlier run, long delivered, may be unknown: its
    /// edits share the platform's lane `""`).
    fn channel_of(&self, d: &Delivery) -> String {
        match d {
            Delivery::Post {
                local_id, channel, ..
            } => {
                if *local_id != UNRECORDED {
                    let mut channels = lock(&self.channels);
                    if channels.len() >= 10_000 {
                        channels.clear();
                    }
                    channels.insert(*local_id, channel.clone());
                }
                channel.clone()
            }
            Delivery::Edit { local_id, .. } | Delivery::React { local_id, .. } => {
                if let Some(c) = lock(&self.channels).get(local_id) {
                    return c.clone();
                }
                lock(&self.placed)
                    .get(local_id)
                    .map(|p| p.0.clone())
                    .unwrap_or_default()
            }
        }
    }

    fn report(&self, platform: Platform) {
        let (queued, oldest) = {
            let lanes = lock(&self.lanes);
            let mut queued = 0usize;
            let mut oldest: Option<Instant> = None;
            for lane in lanes.values().filter(|l| l.platform == platform) {
                let st = lane.state();
                queued += st.queue.len() + usize::from(st.in_flight.is_some());
                for t in st
                    .in_flight
                    .into_iter()
                    .chain(st.queue.front().map(|q| q.since))
                {
                    oldest = Some(oldest.map_or(t, |o| o.min(t)));
                }
            }
            (queued, oldest.map(|t| t.elapsed()).unwrap_or_default())
        };
        self.metrics.outbox(platform.as_str(), queued, oldest);
    }

    fn placed_cached(&self, local_id: i64) -> Option<Placed> {
        lock(&self.placed).get(&local_id).cloned()
    }

    fn remember(&self, local_id: i64, placed: Placed) {
        let mut cache = lock(&self.placed);
        // A message's place never changes once posted; the store keeps it too.
        if cache.len() >= 10_000 {
            cache.clear();
        }
        cache.insert(local_id, placed);
    }

    /// Where a bot message lives. Its post went through a lane first (or through an
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
        self: &Arc<Self>,
        chat: &dyn Chat,
        d: &Delivery,
        attempt: u32,
    ) -> Result<(), Failure> {
        let classify = |e: ChatError| match e {
            ChatError::Io(ref io) if io.kind() == std::io::ErrorKind::BrokenPipe => Failure::Closed,
            ChatError::Unreachable { .. } => Failure::Retry(e.to_string()),
            _ if attempt < self.backoff.refused_attempts => Failure::Retry(e.to_string()),
            _ => Failure::Drop(e.to_string()),
        };
        match d {
            Delivery::Post {
                local_id,
                channel,
                thread,
                message,
                buttons,
            } => {
                let out = Outgoing::Post {
                    local_id: *local_id,
                    channel: channel.clone(),
                    thread: thread.clone(),
                    message: message.clone(),
                    buttons: buttons.clone(),
                };
                let sent = {
                    let _permit = self.sends.acquire().await;
                    chat.send(&out).await.map_err(classify)?
                };
                // A console post has its reference and no pending state from its insert.
                if *local_id != UNRECORDED && chat.platform() != Platform::Console {
                    let storing = sent.as_ref().map(|r| (chat.platform(), r.clone()));
                    if let Some(r) = &sent {
                        self.remember(*local_id, (channel.clone(), thread.clone(), r.clone()));
                    }
                    if let Some(key) = &storing {
                        lock(&self.storing).insert(key.clone(), (*local_id, channel.clone()));
                    }
                    self.posted(*local_id, sent, storing).await;
                }
            }
            Delivery::Edit { local_id, message } => {
                let (channel, thread, message_ref) = self.placed(*local_id).await?;
                let _permit = self.sends.acquire().await;
                chat.send(&Outgoing::Edit {
                    local_id: *local_id,
                    channel,
                    thread,
                    message_ref,
                    message: message.clone(),
                })
                .await
                .map_err(classify)?;
            }
            Delivery::React { local_id, emoji } => {
                let (channel, thread, message_ref) = self.placed(*local_id).await?;
                let _permit = self.sends.acquire().await;
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

    /// Hands a post's reference to the batching writer ([`run_refs`]), which stores it and ends
    /// the post's pending state; `storing` is the key it was put under in [`Inner::storing`].
    /// Waits only when the writer is [`REFS_BATCH`] * 4 references behind.
    async fn posted(
        self: &Arc<Self>,
        local_id: i64,
        platform_ref: Option<String>,
        storing: Option<(Platform, String)>,
    ) {
        let refs = self.refs.get_or_init(|| {
            let (tx, rx) = mpsc::channel(REFS_BATCH * 4);
            tokio::spawn(run_refs(self.store.clone(), Arc::downgrade(self), rx));
            tx
        });
        self.running.fetch_add(1, Ordering::SeqCst);
        self.refs_queued.fetch_add(1, Ordering::SeqCst);
        if let Err(mpsc::error::SendError((_, _, key))) =
            refs.send((local_id, platform_ref, storing)).await
        {
            // The writer task ended (the runtime is shutting down): the post stays pending and
            // is sent again at the next start.
            tracing::error!(
                local_id,
                "cannot store a message's platform reference: the writer stopped"
            );
            if let Some(key) = key {
                lock(&self.storing).remove(&key);
            }
            self.refs_queued.fetch_sub(1, Ordering::SeqCst);
            self.running.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// A post given up: it is not pending any more (the next start does not send it).
    async fn abandon(&self, d: &Delivery) {
        if let Delivery::Post { local_id, .. } = d {
            if *local_id != UNRECORDED {
                if let Err(e) = self.store.posted(*local_id, None).await {
                    tracing::error!(local_id, error = %e, "cannot mark a dropped post");
                }
            }
        }
    }
}

fn local_id(d: &Delivery) -> i64 {
    match d {
        Delivery::Post { local_id, .. }
        | Delivery::Edit { local_id, .. }
        | Delivery::React { local_id, .. } => *local_id,
    }
}

/// One lane's task: takes its deliveries in order and sends each until it is accepted,
/// superseded or given up; ends when the lane is empty (removing it) or the outbox stops.
async fn run_lane(inner: Arc<Inner>, key: LaneKey, lane: Arc<Lane>) {
    let platform = lane.platform;
    loop {
        if inner.stop.is_cancelled() {
            break;
        }
        let next = {
            let mut lanes = lock(&inner.lanes);
            let mut st = lane.state();
            let next = st.queue.pop_front();
            st.in_flight = next.as_ref().map(|q| q.since);
            if next.is_none() {
                lanes.remove(&key);
            }
            next
        };
        inner.report(platform);
        let Some(item) = next else {
            break;
        };
        let Some(chat) = inner.chat(platform) else {
            break;
        };
        let mut delay = inner.backoff.first;
        let mut attempt = 0u32;
        let mut warned = false;
        loop {
            attempt += 1;
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
                    inner.abandon(&item.delivery).await;
                    break;
                }
                Failure::Closed => {
                    if !OUTPUT_CLOSED_SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
                        tracing::info!(%platform, "the output was closed; the remaining replies are not shown");
                    }
                    inner.abandon(&item.delivery).await;
                    break;
                }
                Failure::Retry(why) => why,
            };
            if age >= inner.backoff.give_up_after {
                tracing::error!(%platform, local_id = local_id(&item.delivery), error = %why, age_secs = age.as_secs(), "delivery given up");
                inner.abandon(&item.delivery).await;
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
            inner.report(platform);
            tokio::select! {
                _ = inner.stop.cancelled() => break,
                _ = tokio::time::sleep(delay) => {}
            }
            delay = (delay * 2).min(inner.backoff.max);
        }
        lane.state().in_flight = None;
        inner.progress.notify_waiters();
    }
    if inner.stop.is_cancelled() {
        // Left unsent: posts stay pending in the store; the lane's memory goes.
        let mut lanes = lock(&inner.lanes);
        if lanes.get(&key).is_some_and(|l| Arc::ptr_eq(l, &lane)) {
            lanes.remove(&key);
        }
    }
    inner.report(platform);
    inner.running.fetch_sub(1, Ordering::SeqCst);
    inner.idle.notify_waiters();
    inner.progress.notify_waiters();
    inner.stopped.notify_waiters();
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;

    /// A platform that is down (every send fails as unreachable) or up (records the posts).
    pub(super) struct Slack {
        pub(super) up: bool,
        pub(super) posts: Mutex<Vec<(String, String)>>,
    }

    #[async_trait]
    impl Chat for Slack {
        fn platform(&self) -> Platform {
            Platform::Slack
        }
        async fn send(&self, out: &Outgoing) -> Result<Option<String>, ChatError> {
            if !self.up {
                return Err(ChatError::Unreachable {
                    platform: Platform::Slack,
                    detail: "down".into(),
                });
            }
            let mut posts = lock(&self.posts);
            match out {
                Outgoing::Post {
                    channel, message, ..
                } => {
                    posts.push((channel.clone(), message.to_markdown()));
                    Ok(Some(format!("ts{}", posts.len())))
                }
                _ => Ok(None),
            }
        }
    }

    #[tokio::test]
    async fn posts_not_sent_before_a_stop_are_sent_at_the_next_start_in_channel_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kmsbot.db");
        let store = Store::open(&path).await.expect("store");
        let down = Outbox::new(store.clone(), Arc::new(Metrics::new()), Backoff::default());
        down.register(Arc::new(Slack {
            up: false,
            posts: Mutex::new(Vec::new()),
        }));
        let mut ids = Vec::new();
        for (channel, text) in [("C1", "one"), ("C2", "two"), ("C1", "three")] {
            ids.push(down.say(Platform::Slack, channel, None, text).await);
        }
        assert!(!down.flush_for(Duration::from_millis(50)).await);
        down.stop().await;
        assert_eq!(
            store.pending_posts("slack").await.expect("pending").len(),
            3
        );

        let slack = Arc::new(Slack {
            up: true,
            posts: Mutex::new(Vec::new()),
        });
        let up = Outbox::new(store.clone(), Arc::new(Metrics::new()), Backoff::default());
        up.register(slack.clone());
        up.resume().await;
        up.flush().await;
        let posts = lock(&slack.posts).clone();
        assert_eq!(posts.len(), 3);
        let c1: Vec<&str> = posts
            .iter()
            .filter(|(c, _)| c == "C1")
            .map(|(_, t)| t.as_str())
            .collect();
        assert_eq!(c1, ["one", "three"], "a channel keeps its order");
        assert!(store
            .pending_posts("slack")
            .await
            .expect("pending")
            .is_empty());
        for id in ids.into_iter().flatten() {
            let row = store.message(id).await.expect("row").expect("exists");
            assert!(row.platform_ref.is_some(), "reference stored for #{id}");
        }
    }
}

#[cfg(test)]
mod pending_tests {
    use super::*;
    use adapters::{Block, Field};

    fn approve() -> Vec<Button> {
        vec![Button {
            action: "approve".into(),
            label: "Approve".into(),
        }]
    }

    #[test]
    fn a_pending_post_is_stored_as_its_blocks_and_read_back() {
        let message = Message::markdown("Filed **FW-1**:")
            .with_fields(vec![Field::new("Kind", "firewall rule")])
            .with_code(Some("sh"), "openstack security group rule create");
        let stored = pending_json(&message, &approve());
        assert_eq!(
            stored,
            r#"{"blocks":[{"text":"Filed **FW-1**:"},{"fields":[{"name":"Kind","value":"firewall rule"}]},{"code":{"lang":"sh","text":"openstack security group rule create"}}],"buttons":[{"action":"approve","label":"Approve"}]}"#
        );
        assert_eq!(parse_pending(&stored), (message, approve()));
    }

    #[test]
    fn rows_of_earlier_versions_are_read_as_markdown() {
        // Text and buttons, as the version before blocks stored them.
        let (message, buttons) = parse_pending(
            r#"{"text":"Approve?\n```\nslmgr /ato\n```","buttons":[{"action":"approve","label":"Approve"}]}"#,
        );
        assert_eq!(
            message.blocks,
            vec![
                Block::Text("Approve?".into()),
                Block::Code {
                    lang: None,
                    text: "slmgr /ato".into()
                }
            ]
        );
        assert_eq!(buttons, approve());
        // Plain Markdown: anything that is not a stored message.
        for markdown in [
            "**Filed** FW-1\n- **Kind:** firewall rule",
            "{not json",
            "42",
            "",
        ] {
            let (message, buttons) = parse_pending(markdown);
            assert_eq!(message.to_markdown(), markdown);
            assert!(buttons.is_empty());
        }
    }
}

#[cfg(test)]
mod lane_tests {
    use super::*;
    use async_trait::async_trait;

    /// Posts to `C1` wait until released; other channels are answered at once.
    pub(super) struct Held {
        pub(super) release: Notify,
        pub(super) sent: Mutex<Vec<String>>,
    }

    #[async_trait]
    impl Chat for Held {
        fn platform(&self) -> Platform {
            Platform::Slack
        }
        async fn send(&self, out: &Outgoing) -> Result<Option<String>, ChatError> {
            if let Outgoing::Post {
                channel, message, ..
            } = out
            {
                if channel == "C1" {
                    self.release.notified().await;
                }
                let mut sent = lock(&self.sent);
                sent.push(message.to_markdown());
                return Ok(Some(format!("ts{}", sent.len())));
            }
            Ok(None)
        }
    }

    #[tokio::test]
    async fn a_slow_channel_does_not_hold_up_the_others() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("kmsbot.db"))
            .await
            .expect("store");
        let chat = Arc::new(Held {
            release: Notify::new(),
            sent: Mutex::new(Vec::new()),
        });
        let outbox = Outbox::new(store, Arc::new(Metrics::new()), Backoff::default());
        outbox.register(chat.clone());
        outbox.say(Platform::Slack, "C1", None, "held").await;
        outbox.say(Platform::Slack, "C1", None, "after held").await;
        outbox.say(Platform::Slack, "C2", None, "free").await;
        while !lock(&chat.sent).iter().any(|t| t == "free") {
            tokio::task::yield_now().await;
        }
        assert!(!lock(&chat.sent).iter().any(|t| t.contains("held")));
        chat.release.notify_one();
        while lock(&chat.sent).len() < 2 {
            tokio::task::yield_now().await;
        }
        chat.release.notify_one();
        outbox.flush().await;
        assert_eq!(*lock(&chat.sent), ["free", "held", "after held"]);
    }
}

#[cfg(test)]
mod room_tests {
    use super::*;

    #[tokio::test]
    async fn room_waits_while_the_outbox_is_full() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("kmsbot.db"))
            .await
            .expect("store");
        let chat = Arc::new(lane_tests::Held {
            release: Notify::new(),
            sent: Mutex::new(Vec::new()),
        });
        let outbox = Outbox::new(store, Arc::new(Metrics::new()), Backoff::default());
        outbox.register(chat.clone());
        for text in ["a", "b"] {
            outbox.say(Platform::Slack, "C1", None, text).await;
        }
        outbox.room(3).await;
        let waiting = {
            let outbox = outbox.clone();
            tokio::spawn(async move { outbox.room(2).await })
        };
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "two pending: no room below two");
        chat.release.notify_one();
        waiting.await.expect("room once one is sent");
        chat.release.notify_one();
        outbox.flush().await;
    }

    /// A lane does not wait for the database: while another writer holds it, a channel's posts
    /// are all sent, in order, and their references wait; `stop` returns once they are stored.
    #[tokio::test]
    async fn a_lane_sends_on_while_its_references_wait_for_the_writer() {
        use sqlx::Connection as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kmsbot.db");
        let store = Store::open(&path).await.expect("store");
        // Sends to C1 wait for a release, so none is sent (and no reference stored) before the
        // other connection holds the write lock.
        let chat = Arc::new(lane_tests::Held {
            release: Notify::new(),
            sent: Mutex::new(Vec::new()),
        });
        let outbox = Outbox::new(store.clone(), Arc::new(Metrics::new()), Backoff::default());
        outbox.register(chat.clone());
        let mut other = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .expect("second connection");
        let mut ids = Vec::new();
        for text in ["one", "two", "three"] {
            ids.push(
                outbox
                    .say(Platform::Slack, "C1", None, text)
                    .await
                    .expect("recorded"),
            );
        }
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut other)
            .await
            .expect("write lock");
        let deadline = Instant::now() + Duration::from_secs(5);
        while lock(&chat.sent).len() < 3 {
            assert!(Instant::now() < deadline, "the lane waited for the writer");
            chat.release.notify_one();
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let sent = lock(&chat.sent).clone();
        assert_eq!(sent, ["one", "two", "three"]);
        assert!(outbox.pending() > 0, "references still to store");
        assert!(!outbox.flush_for(Duration::from_millis(50)).await);
        let stopping = tokio::spawn({
            let outbox = outbox.clone();
            async move { outbox.stop().await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!stopping.is_finished(), "stop waits for the references");
        sqlx::query("ROLLBACK")
            .execute(&mut other)
            .await
            .expect("unlock");
        stopping.await.expect("stopped");
        assert_eq!(outbox.pending(), 0);
        assert!(store
            .pending_posts("slack")
            .await
            .expect("pending")
            .is_empty());
        for (i, id) in ids.iter().enumerate() {
            let m = store.message(*id).await.expect("read").expect("row");
            assert_eq!(m.platform_ref, Some(format!("ts{}", i + 1)));
        }
    }

    /// A reaction can come in before a post's reference is written (the writer is busy): the
    /// post is found by its reference meanwhile, and only meanwhile.
    #[tokio::test]
    async fn a_post_accepted_but_not_yet_stored_is_found_by_its_reference() {
        use sqlx::Connection as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kmsbot.db");
        let store = Store::open(&path).await.expect("store");
        let chat = Arc::new(lane_tests::Held {
            release: Notify::new(),
            sent: Mutex::new(Vec::new()),
        });
        let outbox = Outbox::new(store.clone(), Arc::new(Metrics::new()), Backoff::default());
        outbox.register(chat.clone());
        let id = outbox
            .say(Platform::Slack, "C1", None, "approve me")
            .await
            .expect("recorded");
        // Another writer holds the database while the platform accepts the post.
        let mut other = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .expect("second connection");
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut other)
            .await
            .expect("write lock");
        assert_eq!(outbox.being_stored(Platform::Slack, "ts1"), None);
        chat.release.notify_one();
        let deadline = Instant::now() + Duration::from_secs(5);
        while outbox.being_stored(Platform::Slack, "ts1").is_none() {
            assert!(
                Instant::now() < deadline,
                "the accepted post is never found"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(
            outbox.being_stored(Platform::Slack, "ts1"),
            Some((id, "C1".to_string()))
        );
        assert_eq!(outbox.being_stored(Platform::Discord, "ts1"), None);
        sqlx::query("ROLLBACK")
            .execute(&mut other)
            .await
            .expect("unlock");
        outbox.flush().await;
        assert_eq!(
            outbox.being_stored(Platform::Slack, "ts1"),
            None,
            "stored now: found in the store"
        );
        let m = store.message(id).await.expect("read").expect("row");
        assert_eq!(m.platform_ref.as_deref(), Some("ts1"));
    }
}
