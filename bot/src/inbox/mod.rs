//! The durable inbox: platform payloads are committed to SQLite before they are acknowledged,
//! then handled by a bounded set of workers.
//!
//! * Intake ([`adapters::Intake`]): a request's payload goes to one writer task over a bounded
//!   queue ([`QUEUE_CAPACITY`]); the writer takes everything waiting (up to [`BATCH_MAX`]) and
//!   stores it in one transaction (group commit, one round trip to the writer, ahead of the
//!   ordinary writers waiting: [`crate::store::Lane`]), then answers every waiting
//!   acknowledgement.
//!   Slack's redeliveries carry the same `event_id`, stored once (`dedupe`).
//! * Handling: one dispatcher reads rows in id order (a page of [`PAGE`] at a time) and hands
//!   each to one of [`WORKERS`] workers, chosen by the row's channel, so a channel's payloads are
//!   handled in order; each worker's queue holds [`WORKER_QUEUE`] rows. A handled row is deleted
//!   in the writer's next transaction that stores payloads, or after [`DELETE_DELAY`] or
//!   [`DELETE_BATCH`] handled rows, whichever comes first (a transaction per handled row cost
//!   a commit per event). The turn's own `processed_events` row is what makes a
//!   second handling (a row handled but not yet deleted at a crash) a no-op.
//! * Memory is bounded whatever the backlog: the backlog lives in the table.
//! * Stop ([`Inbox::stop`]): no new rows are taken, the turns running finish, the deletes of
//!   handled rows are committed; what is left is handled first at the next start.

pub mod store;

use crate::metrics::Metrics;
use crate::store::Store;
use adapters::{ChatError, Intake, Platform, RawInbound, RawKind};
use async_trait::async_trait;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use store::InboxRow;

/// Requests waiting for the writer; more wait for room (the HTTP server bounds them further).
pub const QUEUE_CAPACITY: usize = 1024;
/// Most payloads stored in one transaction.
pub const BATCH_MAX: usize = 512;
/// Workers handling stored payloads.
pub const WORKERS: usize = 8;
/// Rows waiting for one worker.
pub const WORKER_QUEUE: usize = 16;
/// Rows the dispatcher reads at a time.
pub const PAGE: i64 = 64;
/// Handled rows whose deletes make a transaction of their own; fewer wait for the next stores.
pub const DELETE_BATCH: usize = 256;
/// Longest a handled row's delete waits for company.
pub const DELETE_DELAY: Duration = Duration::from_millis(250);

/// What became of a stored payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Handled (or failed for good, logged): its row is deleted.
    Done,
    /// Not handled (the server is stopping): its row stays for the next start.
    Deferred,
}

/// Handles one stored payload (decodes it and runs the turn).
#[async_trait]
pub trait Handler: Send + Sync {
    /// Handles the payload to completion; failures are the handler's to log.
    async fn handle(&self, platform: Platform, kind: RawKind, body: &str) -> Outcome;
}

enum Cmd {
    Store(RawInbound, oneshot::Sender<Result<(), String>>),
    Handled(i64),
    /// Write the deletes that waited (sent by the writer's own timer).
    Flush,
    Close,
}

/// The inbox handle (share it in an `Arc`).
pub struct Inbox {
    store: Store,
    cmds: mpsc::Sender<Cmd>,
    stored: Arc<Notify>,
    /// Redeliveries absorbed by the dedupe key, and how many of them `report` has counted.
    redeliveries: Arc<AtomicU64>,
    reported: AtomicU64,
    stop: CancellationToken,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Inbox {
    /// Starts the writer (payloads can be stored at once; nothing is handled before
    /// [`Inbox::start`]).
    pub fn open(store: Store) -> Arc<Inbox> {
        let (cmds, rx) = mpsc::channel(QUEUE_CAPACITY);
        let stored = Arc::new(Notify::new());
        let redeliveries = Arc::new(AtomicU64::new(0));
        let writer = tokio::spawn(run_writer(
            store.clone(),
            rx,
            stored.clone(),
            redeliveries.clone(),
        ));
        Arc::new(Inbox {
            store,
            cmds,
            stored,
            redeliveries,
            reported: AtomicU64::new(0),
            stop: CancellationToken::new(),
            tasks: Mutex::new(Vec::new()),
            writer: Mutex::new(Some(writer)),
        })
    }

    /// Starts handling: rows left by an earlier run first, then new ones as they are stored.
    pub fn start(&self, handler: Arc<dyn Handler>) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        let mut queues = Vec::with_capacity(WORKERS);
        for _ in 0..WORKERS {
            let (tx, rx) = mpsc::channel::<InboxRow>(WORKER_QUEUE);
            queues.push(tx);
            tasks.push(tokio::spawn(run_worker(
                rx,
                handler.clone(),
                self.cmds.clone(),
                self.stop.clone(),
            )));
        }
        tasks.push(tokio::spawn(run_dispatcher(
            self.store.clone(),
            queues,
            self.stored.clone(),
            self.stop.clone(),
        )));
    }

    /// Stops taking rows, waits for the running turns, commits the deletes of handled rows and
    /// stops the writer (later payloads are refused: not acknowledged).
    pub async fn stop(&self) {
        self.stop.cancel();
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for t in tasks {
            let _ = t.await;
        }
        let _ = self.cmds.send(Cmd::Close).await;
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(w) = writer {
            let _ = w.await;
        }
        if let Ok((left, _)) = store::backlog(self.store.pool()).await {
            if left > 0 {
                tracing::info!(
                    left,
                    "stored events left in the inbox are handled at the next start"
                );
            }
        }
    }

    /// Updates the backlog gauges (`kmsbot_inbox_backlog`, `kmsbot_inbox_oldest_age_seconds`).
    pub async fn report(&self, metrics: &Metrics) {
        match store::backlog(self.store.pool()).await {
            Ok((count, oldest)) => {
                let age = oldest
                    .map(|t| Duration::from_millis(u64::try_from(now_ms() - t).unwrap_or(0)))
                    .unwrap_or_default();
                let total = self.redeliveries.load(Ordering::Relaxed);
                let before = self.reported.swap(total, Ordering::Relaxed);
                metrics.inbox(count, age, total.saturating_sub(before));
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the inbox backlog"),
        }
    }
}

#[async_trait]
impl Intake for Inbox {
    async fn persist(&self, raw: RawInbound) -> Result<(), ChatError> {
        let platform = raw.platform;
        let failed = |detail: String| ChatError::Unreachable { platform, detail };
        let (tx, rx) = oneshot::channel();
        self.cmds
            .send(Cmd::Store(raw, tx))
            .await
            .map_err(|_| failed("the inbox is closed (shutting down)".to_string()))?;
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(failed(format!("cannot store the payload: {e}"))),
            Err(_) => Err(failed("the inbox writer stopped".to_string())),
        }
    }
}

/// The writer: one transaction for everything waiting (stores and deletes), then the answers.
async fn run_writer(
    store: Store,
    mut rx: mpsc::Receiver<Cmd>,
    stored: Arc<Notify>,
    redeliveries: Arc<AtomicU64>,
) {
    let mut closing = false;
    // Handled rows whose delete waits for the next transaction (see [`DELETE_DELAY`]).
    let mut handled: Vec<i64> = Vec::new();
    let mut handled_since: Option<tokio::time::Instant> = None;
    while !closing {
        let first = match handled_since {
            None => rx.recv().await,
            Some(since) => {
                match tokio::time::timeout_at(since + DELETE_DELAY, rx.recv()).await {
                    Ok(c) => c,
                    // Time to write the deletes that waited.
                    Err(_) => Some(Cmd::Flush),
                }
            }
        };
        let Some(first) = first else {
            break;
        };
        let mut batch = vec![first];
        while batch.len() < BATCH_MAX {
            match rx.try_recv() {
                Ok(c) => batch.push(c),
                Err(_) => break,
            }
        }
        let mut raws = Vec::new();
        let mut replies = Vec::new();
        let mut flush = false;
        for c in batch {
            match c {
                Cmd::Store(raw, reply) => {
                    raws.push(raw);
                    replies.push(reply);
                }
                Cmd::Handled(id) => {
                    handled.push(id);
                    handled_since.get_or_insert_with(tokio::time::Instant::now);
                }
                Cmd::Flush => flush = true,
                Cmd::Close => closing = true,
            }
        }
        // Deletes alone wait (a handled row left at a crash is handled again as a no-op): they
        // go with the next stores, or once enough or old enough, or at the close.
        let write_deletes = !raws.is_empty() || flush || closing || handled.len() >= DELETE_BATCH;
        let deletes: Vec<i64> = if write_deletes {
            handled_since = None;
            std::mem::take(&mut handled)
        } else {
            Vec::new()
        };
        if raws.is_empty() && deletes.is_empty() {
            continue;
        }
        let refs: Vec<&RawInbound> = raws.iter().collect();
        let result = store::write(&store, &refs, &deletes, now_ms()).await;
        let answer = match result {
            Ok(added) => {
                let skipped = (raws.len() as u64).saturating_sub(added);
                redeliveries.fetch_add(skipped, Ordering::Relaxed);
                if added > 0 {
                    stored.notify_one();
                }
                Ok(())
            }
            Err(e) => {
                tracing::error!(error = %e, stored = raws.len(), handled = deletes.len(), "inbox write failed; payloads not acknowledged");
                Err(e.to_string())
            }
        };
        for r in replies {
            let _ = r.send(answer.clone());
        }
    }
    // Anything sent after the close is refused (its sender sees the channel closed).
    rx.close();
    while let Ok(c) = rx.try_recv() {
        if let Cmd::Store(_, reply) = c {
            let _ = reply.send(Err("the inbox is closed (shutting down)".to_string()));
        }
    }
}

/// Reads rows in id order and hands each to the worker of its channel.
async fn run_dispatcher(
    store: Store,
    queues: Vec<mpsc::Sender<InboxRow>>,
    stored: Arc<Notify>,
    stop: CancellationToken,
) {
    let mut last = 0i64;
    'outer: loop {
        let wake = stored.notified();
        tokio::pin!(wake);
        wake.as_mut().enable();
        if stop.is_cancelled() {
            break;
        }
        let rows = match store::after(store.pool(), last, PAGE).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the inbox; retrying");
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                }
            }
        };
        if rows.is_empty() {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = wake => continue,
            }
        }
        for row in rows {
            last = row.id;
            let queue = &queues[shard(row.order_key.as_deref(), queues.len())];
            tokio::select! {
                biased;
                _ = stop.cancelled() => break 'outer,
                sent = queue.send(row) => if sent.is_err() { break 'outer },
            }
        }
    }
}

/// The worker of a channel.
fn shard(key: Option<&str>, n: usize) -> usize {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    usize::try_from(h.finish() % (n.max(1) as u64)).unwrap_or(0)
}

/// Handles rows one after another until stopped (the row being handled is finished first).
async fn run_worker(
    mut rx: mpsc::Receiver<InboxRow>,
    handler: Arc<dyn Handler>,
    cmds: mpsc::Sender<Cmd>,
    stop: CancellationToken,
) {
    loop {
        let row = tokio::select! {
            biased;
            _ = stop.cancelled() => break,
            row = rx.recv() => match row {
                Some(row) => row,
                None => break,
            },
        };
        let outcome = match (Platform::parse(&row.platform), RawKind::parse(&row.kind)) {
            (Some(platform), Some(kind)) => {
                // On its own task, so a panic in one turn costs that event, not the worker.
                let handler = handler.clone();
                let body = row.body;
                let run = tokio::spawn(async move { handler.handle(platform, kind, &body).await });
                run.await.unwrap_or_else(|_| {
                    tracing::error!(id = row.id, "handling a stored event panicked; dropped");
                    Outcome::Done
                })
            }
            _ => {
                tracing::error!(
                    id = row.id,
                    platform = row.platform,
                    kind = row.kind,
                    "an inbox row of an unknown platform or kind; dropped"
                );
                Outcome::Done
            }
        };
        if outcome == Outcome::Deferred {
            continue;
        }
        if cmds.send(Cmd::Handled(row.id)).await.is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Count(Mutex<Vec<String>>);

    #[async_trait]
    impl Handler for Count {
        async fn handle(&self, _platform: Platform, _kind: RawKind, body: &str) -> Outcome {
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(body.to_string());
            Outcome::Done
        }
    }

    fn raw(dedupe: &str, body: &str) -> RawInbound {
        RawInbound {
            platform: Platform::Slack,
            kind: RawKind::Event,
            dedupe: Some(dedupe.to_string()),
            order_key: Some("C1".to_string()),
            body: body.to_string(),
        }
    }

    #[tokio::test]
    async fn stored_payloads_survive_a_stop_and_are_handled_once_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kmsbot.db");
        let store = Store::open(&path).await.expect("store");
        let inbox = Inbox::open(store.clone());
        for i in 0..50 {
            inbox
                .persist(raw(&format!("e{i}"), &format!("{i}")))
                .await
                .expect("stored");
        }
        // A redelivery is stored once.
        inbox.persist(raw("e3", "3")).await.expect("stored");
        inbox.stop().await;
        assert!(inbox.persist(raw("late", "x")).await.is_err());
        assert_eq!(store::backlog(store.pool()).await.expect("backlog").0, 50);
        store.close().await;

        let store = Store::open(&path).await.expect("store");
        let inbox = Inbox::open(store.clone());
        let seen = Arc::new(Count(Mutex::new(Vec::new())));
        inbox.start(seen.clone());
        while store::backlog(store.pool()).await.expect("backlog").0 > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        inbox.stop().await;
        let seen = seen.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let want: Vec<String> = (0..50).map(|i| i.to_string()).collect();
        assert_eq!(seen, want);
    }
}
