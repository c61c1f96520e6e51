//! Group commit of plain answers: questions answered before the writer is taken wait here, and
//! one task writes every answer waiting in one transaction and one round trip
//! ([`commit_answers`]), so many events share a hold of the single writer.
//!
//! Only a plain knowledge-base answer goes this way (the `App` decides that, from the place as
//! a reader saw it); an answer that cannot be written as worked out (a duplicate event, a
//! context that changed meanwhile) comes back as `None` and takes the ordinary turn.

use crate::contexts;
use crate::store::{Store, StoreError};
use sqlx::Row as _;
use std::sync::{Arc, OnceLock};
use tokio::sync::{mpsc, oneshot};

/// Answers waiting for the committer; more wait for room.
const QUEUE: usize = 256;

type Done = oneshot::Sender<Result<Option<i64>, String>>;

/// The committer handle (one per `App`).
pub struct AnswerCommit {
    store: Store,
    /// Started at first use, on the runtime that uses it.
    tx: OnceLock<mpsc::Sender<(PreparedAnswer, Done)>>,
}

impl AnswerCommit {
    /// A committer over `store` (its task starts with the first answer).
    pub fn new(store: Store) -> AnswerCommit {
        AnswerCommit {
            store,
            tx: OnceLock::new(),
        }
    }

    /// Writes `answer`'s whole turn with whatever else is waiting: the reply's message id, or
    /// `None` when nothing of it was written (see the module's comment).
    pub async fn commit(&self, answer: PreparedAnswer) -> Result<Option<i64>, StoreError> {
        self.submit(answer).await?.written().await
    }

    /// Queues `answer` for the next group commit without waiting for it: answers submitted one
    /// after another are written in that order, in one transaction when they wait together.
    pub async fn submit(&self, answer: PreparedAnswer) -> Result<Submitted, StoreError> {
        let tx = self.tx.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(run(self.store.clone(), rx));
            tx
        });
        let (done, rx) = oneshot::channel();
        tx.send((answer, done)).await.map_err(|_| closed())?;
        Ok(Submitted(rx))
    }
}

/// An answer queued by [`AnswerCommit::submit`].
pub struct Submitted(oneshot::Receiver<Result<Option<i64>, String>>);

impl Submitted {
    /// What [`AnswerCommit::commit`] gives: the reply's message id, or `None` when nothing of
    /// the answer was written.
    pub async fn written(self) -> Result<Option<i64>, StoreError> {
        match self.0.await {
            Ok(Ok(id)) => Ok(id),
            Ok(Err(e)) => Err(StoreError::Query(sqlx::Error::Protocol(e))),
            Err(_) => Err(closed()),
        }
    }
}

/// The committer stopped (the store is closing).
fn closed() -> StoreError {
    StoreError::Query(sqlx::Error::PoolClosed)
}

/// The committer: takes everything waiting (up to [`ANSWERS_MAX`]) and writes it at once.
async fn run(store: Store, mut rx: mpsc::Receiver<(PreparedAnswer, Done)>) {
    let mut batch = Vec::with_capacity(ANSWERS_MAX);
    while rx.recv_many(&mut batch, ANSWERS_MAX).await > 0 {
        let (answers, dones): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
        match commit_answers(&store, &answers).await {
            Ok(ids) => {
                for (done, id) in dones.into_iter().zip(ids) {
                    let _ = done.send(Ok(id));
                }
            }
            Err(e) => {
                let e = e.to_string();
                for done in dones {
                    let _ = done.send(Err(e.clone()));
                }
            }
        }
    }
}

/// Commits plain answers' whole turns, worked out before the writer was taken, in one
/// transaction and one round trip: for each, its `processed_events` row, the reply's `messages`
/// row and the context when it changed. An answer is written only when its place still holds
/// the context it was worked out from and no open conversation, and its event is new; its entry
/// is then the reply's message id, else `None` (nothing of it was written: the caller runs the
/// ordinary turn, which tells a duplicate from a changed context).
pub async fn commit_answers(
    store: &Store,
    answers: &[PreparedAnswer],
) -> Result<Vec<Option<i64>>, StoreError> {
    if answers.is_empty() {
        return Ok(Vec::new());
    }
    let mut binds = Vec::with_capacity(answers.len() * 9);
    for a in answers {
        binds.extend([
            Some(a.platform.clone()),
            Some(a.event_id.clone()),
            Some(a.channel.clone()),
            Some(a.thread.clone().unwrap_or_default()),
            Some(a.user.clone()),
            a.read_context.clone(),
            a.pending.clone(),
            a.thread.clone(),
            a.new_context.clone(),
        ]);
    }
    // The statements are those of the next power of two answers (see `answers_sql`): the
    // slots beyond the answers are bound to NULLs and write nothing.
    let slots = answers.len().next_power_of_two();
    binds.resize(slots * 9, None);
    let rows = store.write_all(&answers_sql(slots), binds).await?;
    let mut ids = vec![None; answers.len()];
    for row in rows {
        let k: i64 = row.try_get("k").map_err(StoreError::Query)?;
        let id: i64 = row.try_get("id").map_err(StoreError::Query)?;
        if let Some(slot) = usize::try_from(k).ok().and_then(|k| ids.get_mut(k)) {
            *slot = Some(id);
        }
    }
    Ok(ids)
}

/// A plain answer's whole turn, worked out before the writer is taken
/// ([`commit_answers`]).
#[derive(Debug, Clone)]
pub struct PreparedAnswer {
    /// Platform name.
    pub platform: String,
    /// The event's id on the platform.
    pub event_id: String,
    /// Channel.
    pub channel: String,
    /// Thread, when in one.
    pub thread: Option<String>,
    /// The asker's stable id.
    pub user: String,
    /// The context JSON the answer was worked out from (`None`: no context row).
    pub read_context: Option<String>,
    /// The reply as the outbox stores a pending post (`None` on the console,
    /// [`crate::outbox::pending_for`]).
    pub pending: Option<String>,
    /// The context to store, `None` when unchanged.
    pub new_context: Option<String>,
}

/// Most answers [`commit_answers`] takes at once (9 parameters each).
pub const ANSWERS_MAX: usize = 64;

/// The statements of [`commit_answers`] for `n` answer slots (without BEGIN and COMMIT, which
/// [`Store::write_all`] adds), built once per `n`. The answers' values go into a temporary table
/// with one multi-row insert of plain `?` parameters, which the statements then read (see
/// [`Store::write_all`] on numbered parameters). A slot whose values are NULL is left out of
/// the table, so its statements find no row and write nothing: callers use powers of two,
/// and the connection prepares the statements of seven sizes once instead of those of every
/// size a batch happens to have (preparing them was a tenth of a piped console run's time).
fn answers_sql(n: usize) -> Arc<str> {
    static BUILT: std::sync::Mutex<Vec<Option<Arc<str>>>> = std::sync::Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if built.len() <= n {
        built.resize(n + 1, None);
    }
    built[n]
        .get_or_insert_with(|| {
            let mut sql = String::from(
                "\
                 CREATE TEMP TABLE IF NOT EXISTS answers_in (k INTEGER PRIMARY KEY, platform TEXT NOT NULL, \
                 event_id TEXT NOT NULL, channel TEXT NOT NULL, thread TEXT NOT NULL, user_id TEXT NOT NULL, \
                 read_context TEXT, pending TEXT, msg_thread TEXT, context TEXT); \
                 DELETE FROM temp.answers_in; \
                 INSERT INTO temp.answers_in SELECT * FROM (VALUES ",
            );
            for k in 0..n {
                if k > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("({k}, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
            }
            // An empty slot (NULL platform) is no answer.
            sql.push_str(") WHERE column2 IS NOT NULL; ");
            let unchanged = contexts::place_unchanged_sql(
                "a.platform",
                "a.channel",
                "a.thread",
                "a.user_id",
                "a.read_context",
            );
            for k in 0..n {
                let this = format!("(SELECT * FROM temp.answers_in WHERE k = {k})");
                sql.push_str(&format!(
                    "INSERT INTO processed_events (platform, event_id) SELECT a.platform, a.event_id FROM {this} a \
                     WHERE {unchanged} ON CONFLICT DO NOTHING; \
                     INSERT INTO messages (platform, channel, thread, author, pending) \
                     SELECT platform, channel, msg_thread, 'bot', pending FROM {this} WHERE changes() = 1 RETURNING id, {k} AS k; "
                ));
                sql.push_str(&contexts::upsert_from_sql(&this, "changes() = 1"));
                sql.push_str("; ");
            }
            // No empty statement before the COMMIT that `write_all` adds.
            sql.truncate(sql.trim_end_matches([';', ' ']).len());
            sql.into()
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(event: &str, user: &str, read: Option<&str>, ctx: Option<&str>) -> PreparedAnswer {
        PreparedAnswer {
            platform: "slack".into(),
            event_id: event.into(),
            channel: "C1".into(),
            thread: Some(format!("t-{event}")),
            user: user.into(),
            read_context: read.map(str::to_string),
            pending: Some(format!("{{\"text\":\"answer to {event}\"}}")),
            new_context: ctx.map(str::to_string),
        }
    }

    /// A batch whose size is no power of two is written in the statements of the next one: the
    /// empty slots write nothing and every answer gets its own reply row.
    #[tokio::test]
    async fn a_batch_of_three_writes_three_answers() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("kmsbot.db")).await.unwrap();
        let batch = [
            prepared("Ev1", "U1", None, Some("{\"abstained\":false}")),
            prepared("Ev2", "U2", None, None),
            prepared("Ev3", "U3", None, None),
        ];
        let ids = commit_answers(&store, &batch).await.unwrap();
        assert!(ids.iter().all(Option::is_some), "{ids:?}");
        let mut conn = store.pool().acquire().await.unwrap();
        let events: i64 = sqlx::query_scalar("SELECT count(*) FROM processed_events")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let posts: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM messages WHERE author = 'bot' ORDER BY id")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        assert_eq!(events, 3);
        assert_eq!(posts, ids.iter().flatten().copied().collect::<Vec<_>>());
    }

    /// Several answers in one transaction: each is written only when its event is new and its
    /// place still holds the context it was worked out from; the others write nothing at all.
    #[tokio::test]
    async fn answers_are_committed_together_and_only_as_worked_out() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("kmsbot.db")).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        Store::mark_processed(&mut tx, "slack", "Ev-old")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // A context already stored at "Ev-stale"'s place, which its answer did not see.
        let stale = prepared("Ev-stale", "U2", None, Some("{\"abstained\":true}"));
        let first = commit_answers(&store, std::slice::from_ref(&stale))
            .await
            .unwrap();
        assert!(first[0].is_some());
        let batch = [
            prepared("Ev1", "U1", None, Some("{\"abstained\":false}")),
            prepared("Ev-old", "U3", None, None),
            // Same place as the first "Ev-stale", read before it was written.
            PreparedAnswer {
                event_id: "Ev-stale-2".into(),
                ..stale.clone()
            },
            prepared("Ev2", "U4", None, None),
        ];
        let ids = commit_answers(&store, &batch).await.unwrap();
        assert!(ids[0].is_some() && ids[3].is_some(), "{ids:?}");
        assert_eq!(ids[1], None, "a handled event is not answered again");
        assert_eq!(ids[2], None, "a changed place is left to the ordinary turn");
        let mut conn = store.pool().acquire().await.unwrap();
        let events: Vec<String> =
            sqlx::query_scalar("SELECT event_id FROM processed_events ORDER BY event_id")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        assert_eq!(events, ["Ev-old", "Ev-stale", "Ev1", "Ev2"]);
        let posts: Vec<(i64, String, Option<String>)> = sqlx::query_as(
            "SELECT id, pending, thread FROM messages WHERE author = 'bot' ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        assert_eq!(posts.len(), 3);
        assert_eq!(Some(posts[1].0), ids[0]);
        assert_eq!(posts[1].1, "{\"text\":\"answer to Ev1\"}");
        assert_eq!(posts[1].2.as_deref(), Some("t-Ev1"));
        let contexts: Vec<(String, String)> =
            sqlx::query_as("SELECT user_id, context FROM answer_contexts ORDER BY user_id")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        assert_eq!(
            contexts,
            [
                ("U1".to_string(), "{\"abstained\":false}".to_string()),
                ("U2".to_string(), "{\"abstained\":true}".to_string()),
            ]
        );
        // The writer is free and usable afterwards.
        drop(conn);
        let mut tx = store.begin().await.unwrap();
        assert!(Store::mark_processed(&mut tx, "slack", "Ev3")
            .await
            .unwrap());
        tx.commit().await.unwrap();
    }
}
