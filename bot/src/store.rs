//! The SQLite store: opening, migrating, and the shared tables (events, messages, audit).
//!
//! Feature tables (tickets, jobs) have their own query modules next to their logic; they all go
//! through the [`Store`]'s pool. Every event's effects are written in one `BEGIN IMMEDIATE`
//! transaction together with its platform event id, so a redelivered event has no second effect.
//!
//! The writer is one connection behind a mutex, not a pool: sqlx's SQLite driver runs every
//! statement on the connection's own thread, so each statement costs thread wake-ups, and a pool
//! adds a `ping` on acquire and another on release. A write transaction is `BEGIN IMMEDIATE` sent
//! as plain SQL (one round trip, often together with its first statement) and `COMMIT`.
//! Writers wait in [`Lane`]s: the inbox writer, which platforms wait on for an acknowledgement,
//! goes ahead of every ordinary writer still waiting.
//!
//! A failed write (a full disk: SQLite may roll the whole transaction back on its own) must not
//! poison the single writer connection: after a failed COMMIT or ROLLBACK the connection is
//! replaced by a fresh one at the next `begin`, so writes work again once space is back.

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Connection as _, Row, SqlitePool};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The embedded migrations (the `migrations/` folder is the only schema source).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// The writer connection and what is known about its state.
#[derive(Debug)]
struct WriterConn {
    conn: SqliteConnection,
    /// A transaction was begun and neither committed nor rolled back yet.
    open: bool,
    /// A COMMIT or ROLLBACK failed: the connection's state is unknown; replace it.
    broken: bool,
    /// [`Store::close`] was called: no more writes.
    closed: bool,
    /// Commits since the last checkpoint was started.
    commits: u32,
    /// The readers, one of which checkpoints (see [`CHECKPOINT_EVERY`]).
    readers: SqlitePool,
    /// A checkpoint is running.
    checkpointing: Arc<std::sync::atomic::AtomicBool>,
}

/// Commits of the writer after which the WAL is checkpointed by another connection, so the
/// writer never copies pages back itself inside a turn (SQLite's automatic checkpoint would run
/// in the committing connection: about one commit in a hundred took 5 ms).
const CHECKPOINT_EVERY: u32 = 128;

/// The writer's own automatic checkpoint (pages of WAL), a backstop should the checkpointer
/// fall behind (SQLite's default is 1,000).
const WAL_AUTOCHECKPOINT_PAGES: &str = "16000";

impl WriterConn {
    /// Counts a commit; every [`CHECKPOINT_EVERY`] starts a checkpoint on a reader connection
    /// unless one is running. A passive checkpoint copies back what no reader still needs and
    /// never blocks the writer.
    fn committed(&mut self) {
        use std::sync::atomic::Ordering;
        self.commits += 1;
        if self.commits < CHECKPOINT_EVERY || self.checkpointing.swap(true, Ordering::AcqRel) {
            return;
        }
        self.commits = 0;
        let (pool, running) = (self.readers.clone(), self.checkpointing.clone());
        tokio::spawn(async move {
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                if !pool.is_closed() {
                    tracing::debug!(error = %e, "WAL checkpoint failed; the writer's own backstop remains");
                }
            }
            running.store(false, Ordering::Release);
        });
    }
}

/// Rolls back whatever transaction may be open; false when the connection's state is unknown
/// (a ROLLBACK failed for another reason than "no transaction is active").
async fn rollback_quietly(conn: &mut SqliteConnection) -> bool {
    match sqlx::query("ROLLBACK").execute(conn).await {
        Ok(_) => true,
        Err(e) => e.to_string().contains("no transaction is active"),
    }
}

/// The single writer connection (opened again from `options` when it broke).
#[derive(Debug)]
struct Writer {
    conn: Arc<Mutex<WriterConn>>,
    /// Taken by every [`Lane::Ordinary`] writer before `conn`, so at most one of them waits
    /// for the connection: the [`Lane::Acknowledging`] writer queues behind the transaction
    /// running and at most one more, however many ordinary writers wait.
    ordinary: Arc<Mutex<()>>,
    options: SqliteConnectOptions,
}

/// Which queue a write transaction waits in for the single writer connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Storing payloads a platform waits for an acknowledgement of (the inbox writer, one
    /// task): ahead of every ordinary writer still waiting.
    Acknowledging,
    /// Everything else, first come first served.
    Ordinary,
}

/// A write transaction on the single writer connection. It derefs to the connection, so
/// queries run on it with `&mut *tx`. Dropped without [`Tx::commit`], it is rolled back.
#[derive(Debug)]
pub struct Tx {
    guard: Option<OwnedMutexGuard<WriterConn>>,
    /// An ordinary writer's place ahead of the other ordinary writers (released after
    /// `guard`: fields drop in order).
    _ordinary: Option<OwnedMutexGuard<()>>,
}

impl Tx {
    fn writer(&mut self) -> Result<&mut WriterConn, sqlx::Error> {
        self.guard.as_deref_mut().ok_or(sqlx::Error::PoolClosed)
    }

    /// Commits. On failure the transaction is rolled back (or already was, by SQLite).
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let w = self.writer()?;
        let done = sqlx::query("COMMIT").execute(&mut w.conn).await;
        match done {
            Ok(_) => {
                w.open = false;
                w.committed();
            }
            Err(_) => {
                // The state is unknown: roll back what may be left, else replace the connection.
                if sqlx::query("ROLLBACK").execute(&mut w.conn).await.is_err() {
                    w.broken = true;
                }
                w.open = false;
            }
        }
        done.map(|_| ())
    }

    /// Runs one last statement (numbered parameters `?1`…, bound from `binds`) and commits, in
    /// one round trip to the writer.
    pub async fn commit_after(
        mut self,
        statement: &str,
        binds: Vec<Option<String>>,
    ) -> Result<(), sqlx::Error> {
        let sql = format!("{statement}; COMMIT");
        let w = self.writer()?;
        let mut query = sqlx::query(&sql);
        for b in binds {
            query = query.bind(b);
        }
        match query.execute(&mut w.conn).await {
            Ok(_) => {
                w.open = false;
                w.committed();
                Ok(())
            }
            // The statement or the COMMIT failed: the transaction is rolled back on drop.
            Err(e) => Err(e),
        }
    }

    /// Rolls back. An error means SQLite had rolled the transaction back already (a full disk),
    /// or the connection is broken: it is replaced at the next `begin`.
    pub async fn rollback(mut self) -> Result<(), sqlx::Error> {
        let w = self.writer()?;
        let done = sqlx::query("ROLLBACK").execute(&mut w.conn).await;
        w.open = false;
        if done.is_err() {
            w.broken = true;
        }
        done.map(|_| ())
    }
}

impl Deref for Tx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        match self.guard.as_deref() {
            Some(w) => &w.conn,
            // The guard is only taken out in `drop`.
            None => unreachable!("a transaction is used after it was dropped"),
        }
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match self.guard.as_deref_mut() {
            Some(w) => &mut w.conn,
            None => unreachable!("a transaction is used after it was dropped"),
        }
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        let Some(mut guard) = self.guard.take() else {
            return;
        };
        if !guard.open {
            return;
        }
        // Roll back now, holding the writer until it is done, so the write lock is not kept
        // while nobody uses it. Without a runtime (process exit) the next `begin` does it.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                if !rollback_quietly(&mut guard.conn).await {
                    guard.broken = true;
                }
                guard.open = false;
            });
        }
    }
}

/// Storage failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or created.
    #[error("cannot open database {path}: {detail}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// The schema could not be brought up to date.
    #[error("cannot migrate database {path}: {detail}")]
    Migrate {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// A query failed.
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
}

/// A message row: the bot's own id and where the message lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRow {
    /// The bot's id (console `[#ID]`).
    pub id: i64,
    /// Platform name.
    pub platform: String,
    /// Channel.
    pub channel: String,
    /// Thread, if any.
    pub thread: Option<String>,
    /// The platform's reference, once posted.
    pub platform_ref: Option<String>,
    /// `bot` or a user id.
    pub author: String,
}

/// A read sent together with an event's `BEGIN` ([`Store::begin_event`]): one statement whose
/// parameters are numbered from `?3` (`?1` and `?2` are the event's platform and id).
#[derive(Debug, Clone)]
pub struct FirstRead {
    /// The statement.
    pub sql: &'static str,
    /// Values of `?3`, `?4`, ….
    pub binds: Vec<String>,
}

/// The database handle (cheap to clone).
#[derive(Clone, Debug)]
pub struct Store {
    /// Readers (WAL lets them run beside the writer).
    pool: SqlitePool,
    /// The one writer connection: write transactions queue here instead of sleeping in
    /// SQLite's busy handler.
    writer: Arc<Writer>,
    path: PathBuf,
}

fn open_detail(path: &Path, err: &sqlx::Error) -> String {
    if let sqlx::Error::Database(db) = err {
        let msg = db.message().to_string();
        if msg.contains("not a database") {
            return "the file is not a SQLite database (or it is corrupt)".into();
        }
        if msg.contains("unable to open") {
            return "the file cannot be created or opened (check the folder exists and is writable)"
                .into();
        }
        if msg.contains("readonly") {
            return "the file is read-only".into();
        }
        return msg;
    }
    let _ = path;
    err.to_string()
}

impl Store {
    /// Opens (creating if missing) and migrates the database at `path`.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        let open_err = |detail: String| StoreError::Open {
            path: path.to_path_buf(),
            detail,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.is_dir() {
                return Err(open_err(format!(
                    "the folder {} does not exist",
                    parent.display()
                )));
            }
        }
        if path.is_dir() {
            return Err(open_err("it is a folder, not a file".into()));
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
            // The group commit's temporary table (`answer_commit`) stays in memory.
            .pragma("temp_store", "memory");
        let mut conn = SqliteConnection::connect_with(&options)
            .await
            .map_err(|e| open_err(open_detail(path, &e)))?;
        // A file that is not a database is only noticed on the first real read.
        sqlx::query("SELECT count(*) FROM sqlite_master")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| open_err(open_detail(path, &e)))?;
        MIGRATOR
            .run(&mut conn)
            .await
            .map_err(|e| StoreError::Migrate {
                path: path.to_path_buf(),
                detail: e.to_string(),
            })?;
        // Readers are not pinged before each use (a round trip to the connection's thread);
        // sqlx still checks a connection when it returns to the pool.
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .test_before_acquire(false)
            .connect_with(options.clone().create_if_missing(false))
            .await
            .map_err(|e| open_err(open_detail(path, &e)))?;
        Ok(Store {
            pool: pool.clone(),
            writer: Arc::new(Writer {
                conn: Arc::new(Mutex::new(WriterConn {
                    conn,
                    open: false,
                    broken: false,
                    closed: false,
                    commits: 0,
                    readers: pool,
                    checkpointing: Arc::default(),
                })),
                ordinary: Arc::default(),
                options,
            }),
            path: path.to_path_buf(),
        })
    }

    /// The connection pool, for read queries.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts a write transaction on the single writer connection (`BEGIN IMMEDIATE`). Never
    /// call it while holding another write transaction: there is one writer.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        self.begin_in(Lane::Ordinary).await
    }

    /// [`Store::begin`] in the given lane: [`Lane::Acknowledging`] is for the inbox writer
    /// only (a platform waits for its commit; see [`Lane`]).
    pub async fn begin_in(&self, lane: Lane) -> Result<Tx, StoreError> {
        let mut tx = self.writer_tx(lane).await?;
        let w = tx.writer()?;
        // Marked open first: if this future is dropped while BEGIN waits for the lock, the
        // worker thread may still begin, and the drop's ROLLBACK (queued after it) undoes it.
        w.open = true;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut w.conn).await?;
        Ok(tx)
    }

    /// Begins an event's write transaction and records its platform event id, in one round trip
    /// to the writer, together with `first_read` when given (its rows are returned); `None`
    /// when the id was recorded before (a redelivery: nothing is kept).
    pub async fn begin_event(
        &self,
        platform: &str,
        event_id: &str,
        first_read: Option<FirstRead>,
    ) -> Result<Option<(Tx, Vec<SqliteRow>)>, StoreError> {
        const BEGIN: &str = "BEGIN IMMEDIATE; INSERT INTO processed_events (platform, event_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING RETURNING 1 AS new_event";
        let sql = match &first_read {
            Some(read) => std::borrow::Cow::Owned(format!("{BEGIN}; {}", read.sql)),
            None => std::borrow::Cow::Borrowed(BEGIN),
        };
        let mut tx = self.writer_tx(Lane::Ordinary).await?;
        let w = tx.writer()?;
        w.open = true;
        let mut query = sqlx::query(&sql).bind(platform).bind(event_id);
        for b in first_read.map(|r| r.binds).unwrap_or_default() {
            query = query.bind(b);
        }
        let mut rows = query.fetch_all(&mut w.conn).await?;
        // The insert's row (only when the id is new) comes first; the read's rows follow.
        let new = rows
            .first()
            .is_some_and(|r| r.try_get::<i64, _>("new_event").is_ok());
        if !new {
            tx.rollback().await?;
            return Ok(None);
        }
        rows.remove(0);
        Ok(Some((tx, rows)))
    }

    /// Runs `sql` in one write transaction, in one round trip with its `BEGIN IMMEDIATE` and
    /// `COMMIT`, and returns the rows its statements returned. Its statements take their values
    /// from plain `?` parameters, bound in order from `binds` (sqlx's SQLite driver stops binding
    /// a statement's numbered parameters at the first unused number beyond the arguments it has
    /// counted, so `?10`… cannot be shared across statements). On failure nothing is written.
    pub async fn write_all(
        &self,
        sql: &str,
        binds: Vec<Option<String>>,
    ) -> Result<Vec<SqliteRow>, StoreError> {
        let sql = format!("BEGIN IMMEDIATE; {sql}; COMMIT");
        let mut tx = self.writer_tx(Lane::Ordinary).await?;
        let w = tx.writer()?;
        w.open = true;
        let mut query = sqlx::query(&sql);
        for b in binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(&mut w.conn).await?;
        // On failure (part way or at the COMMIT) the transaction is rolled back on drop, as
        // `Tx::commit_after`'s.
        w.open = false;
        w.committed();
        Ok(rows)
    }

    /// A query builder for [`Store::write_built`]: its SQL starts the transaction; push the
    /// statements after it, each ending in `; `.
    pub fn transaction_builder<'a>() -> sqlx::QueryBuilder<'a, sqlx::Sqlite> {
        sqlx::QueryBuilder::new("BEGIN IMMEDIATE; ")
    }

    /// Runs the statements of `query` (from [`Store::transaction_builder`]) and commits, in one
    /// round trip to the writer taken in `lane`: the writer is held for that one trip only.
    /// Returns the rows the statements returned. On failure nothing is written.
    pub async fn write_built(
        &self,
        lane: Lane,
        mut query: sqlx::QueryBuilder<'_, sqlx::Sqlite>,
    ) -> Result<Vec<SqliteRow>, StoreError> {
        query.push("COMMIT");
        let mut tx = self.writer_tx(lane).await?;
        let w = tx.writer()?;
        w.open = true;
        let rows = query.build().fetch_all(&mut w.conn).await?;
        // On failure the transaction is rolled back on drop, as `write_all`'s.
        w.open = false;
        w.committed();
        Ok(rows)
    }

    /// The writer, idle: a transaction a dropped [`Tx`] left open is rolled back, and a
    /// connection whose COMMIT or ROLLBACK failed is replaced by a fresh one.
    async fn writer_tx(&self, lane: Lane) -> Result<Tx, StoreError> {
        let ordinary = match lane {
            Lane::Ordinary => Some(self.writer.ordinary.clone().lock_owned().await),
            Lane::Acknowledging => None,
        };
        let mut guard = self.writer.conn.clone().lock_owned().await;
        if guard.closed {
            return Err(sqlx::Error::PoolClosed.into());
        }
        if guard.open {
            // Only when no runtime could roll it back at drop.
            if !rollback_quietly(&mut guard.conn).await {
                guard.broken = true;
            }
            guard.open = false;
        }
        if guard.broken {
            tracing::warn!(
                "replacing the database writer connection left inside a failed transaction"
            );
            let fresh = SqliteConnection::connect_with(&self.writer.options).await?;
            // Its state is unknown: dropping it ends its thread without a clean close.
            drop(std::mem::replace(&mut guard.conn, fresh));
            guard.broken = false;
        }
        Ok(Tx {
            guard: Some(guard),
            _ordinary: ordinary,
        })
    }

    /// One statement on the writer outside any transaction (it commits on its own).
    async fn write_one<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.writer_tx(Lane::Ordinary).await?;
        let w = tx.writer()?;
        let affected = query.execute(&mut w.conn).await?.rows_affected();
        w.committed();
        Ok(affected)
    }

    /// Closes the readers and the writer cleanly (the last close checkpoints the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
        let mut guard = self.writer.conn.lock().await;
        if guard.closed {
            return;
        }
        guard.closed = true;
        if guard.open {
            rollback_quietly(&mut guard.conn).await;
            guard.open = false;
        }
        // The connection is swapped for an in-memory one so the file's own closes now (the
        // last connection to close checkpoints the WAL and removes it).
        match SqliteConnection::connect("sqlite::memory:").await {
            Ok(placeholder) => {
                let real = std::mem::replace(&mut guard.conn, placeholder);
                if let Err(e) = real.close().await {
                    tracing::warn!(error = %e, "closing the database writer failed");
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot close the database writer cleanly"),
        }
    }

    /// Records a message the bot posted (author `bot`) or received, returning the bot's id for it.
    pub async fn insert_message(
        conn: &mut SqliteConnection,
        platform: &str,
        channel: &str,
        thread: Option<&str>,
        author: &str,
        platform_ref: Option<&str>,
    ) -> Result<i64, StoreError> {
        let id = sqlx::query(
            "INSERT INTO messages (platform, channel, thread, author, platform_ref) VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(platform)
        .bind(channel)
        .bind(thread)
        .bind(author)
        .bind(platform_ref)
        .fetch_one(&mut *conn)
        .await?
        .try_get::<i64, _>(0)?;
        Ok(id)
    }

    /// Records a post the bot is about to send (author `bot`) with what to send (`pending`, JSON,
    /// see [`crate::outbox`]), returning the bot's id for it. The post stays pending (and is sent
    /// again at the next start) until [`Store::posted`] clears it; `None`: nothing to send again
    /// (the console's posts, [`crate::outbox::pending_for`]).
    pub async fn insert_bot_post(
        conn: &mut SqliteConnection,
        platform: &str,
        channel: &str,
        thread: Option<&str>,
        pending: Option<&str>,
    ) -> Result<i64, StoreError> {
        let id = sqlx::query(
            "INSERT INTO messages (platform, channel, thread, author, pending) VALUES (?, ?, ?, 'bot', ?) RETURNING id",
        )
        .bind(platform)
        .bind(channel)
        .bind(thread)
        .bind(pending)
        .fetch_one(&mut *conn)
        .await?
        .try_get::<i64, _>(0)?;
        Ok(id)
    }

    /// A post is done with: its platform reference stored (when the platform gave one) and it
    /// is no longer pending.
    pub async fn posted(&self, id: i64, platform_ref: Option<&str>) -> Result<(), StoreError> {
        self.write_one(
            sqlx::query(
                "UPDATE messages SET platform_ref = coalesce(?, platform_ref), pending = NULL WHERE id = ?",
            )
            .bind(platform_ref)
            .bind(id),
        )
        .await?;
        Ok(())
    }

    /// [`Store::posted`] for many posts in one statement (one transaction).
    pub async fn posted_many(&self, posts: &[(i64, Option<String>)]) -> Result<(), StoreError> {
        if posts.is_empty() {
            return Ok(());
        }
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new("WITH v(id, r) AS (VALUES ");
        let mut rows = q.separated(", ");
        for (id, r) in posts {
            rows.push("(")
                .push_bind_unseparated(*id)
                .push_unseparated(", ")
                .push_bind_unseparated(r.clone())
                .push_unseparated(")");
        }
        q.push(
            ") UPDATE messages SET platform_ref = coalesce((SELECT r FROM v WHERE v.id = messages.id), platform_ref), pending = NULL WHERE id IN (SELECT id FROM v)",
        );
        self.write_one(q.build()).await?;
        Ok(())
    }

    /// Posts still pending on `platform` (id, channel, thread, what to send), oldest first.
    pub async fn pending_posts(
        &self,
        platform: &str,
    ) -> Result<Vec<(i64, String, Option<String>, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, channel, thread, pending FROM messages WHERE pending IS NOT NULL AND platform = ? ORDER BY id",
        )
        .bind(platform)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Stores the platform reference of a posted message. A reference that is the bot's own id
    /// is the console's, stored already when the row was inserted (migration 0014): no write.
    /// (No other platform's reference can equal it: Slack's `ts` has a dot, Discord's ids are
    /// 17 digits and more.)
    pub async fn set_message_ref(&self, id: i64, platform_ref: &str) -> Result<(), StoreError> {
        if platform_ref.parse::<i64>() == Ok(id) {
            return Ok(());
        }
        self.write_one(
            sqlx::query("UPDATE messages SET platform_ref = ? WHERE id = ?")
                .bind(platform_ref)
                .bind(id),
        )
        .await?;
        Ok(())
    }

    fn row(r: &sqlx::sqlite::SqliteRow) -> Result<MessageRow, sqlx::Error> {
        Ok(MessageRow {
            id: r.try_get("id")?,
            platform: r.try_get("platform")?,
            channel: r.try_get("channel")?,
            thread: r.try_get("thread")?,
            platform_ref: r.try_get("platform_ref")?,
            author: r.try_get("author")?,
        })
    }

    /// A message by the bot's id.
    pub async fn message(&self, id: i64) -> Result<Option<MessageRow>, StoreError> {
        let row = sqlx::query("SELECT * FROM messages WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(Self::row).transpose()?)
    }

    /// A message the bot posted, by its platform reference; in `channel` when given (a Slack
    /// `ts` is unique only within its channel).
    pub async fn bot_message_by_ref(
        conn: &mut SqliteConnection,
        platform: &str,
        channel: Option<&str>,
        platform_ref: &str,
    ) -> Result<Option<MessageRow>, StoreError> {
        let row = sqlx::query(
            "SELECT * FROM messages WHERE platform = ?1 AND platform_ref = ?2 AND author = 'bot' AND (?3 IS NULL OR channel = ?3) ORDER BY id DESC LIMIT 1",
        )
        .bind(platform)
        .bind(platform_ref)
        .bind(channel)
        .fetch_optional(&mut *conn)
        .await?;
        Ok(row.as_ref().map(Self::row).transpose()?)
    }

    /// The bot's latest message in a channel (the console's default reaction target).
    pub async fn latest_bot_message(
        &self,
        platform: &str,
        channel: &str,
    ) -> Result<Option<MessageRow>, StoreError> {
        let row = sqlx::query(
            "SELECT * FROM messages WHERE platform = ? AND channel = ? AND author = 'bot' ORDER BY id DESC LIMIT 1",
        )
        .bind(platform)
        .bind(channel)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(Self::row).transpose()?)
    }

    /// A real write on the writer connection (`/readyz`): false readiness from a database that
    /// answers reads but cannot commit (full disk, a stuck write lock) is what this prevents.
    pub async fn check_write(&self) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE readiness SET checked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A trivial read: the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        Ok(())
    }

    /// (channel, thread) of the threads the bot posted in on `platform`, newest first.
    pub async fn bot_threads(
        &self,
        platform: &str,
        limit: i64,
    ) -> Result<Vec<(String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT DISTINCT channel, thread FROM messages WHERE platform = ? AND author = 'bot' AND thread IS NOT NULL ORDER BY id DESC LIMIT ?",
        )
        .bind(platform)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records a platform event id; false when it was already recorded (a redelivery).
    pub async fn mark_processed(
        conn: &mut SqliteConnection,
        platform: &str,
        event_id: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO processed_events (platform, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(platform)
        .bind(event_id)
        .execute(&mut *conn)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Forgets platform event ids older than `days`: platforms redeliver for minutes, not weeks,
    /// so this keeps the dedupe table small. Returns how many were removed.
    pub async fn prune_processed_events(&self, days: u32) -> Result<u64, StoreError> {
        self.write_one(
            sqlx::query(
                "DELETE FROM processed_events WHERE processed_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)",
            )
            .bind(format!("-{days} days")),
        )
        .await
    }

    /// Appends to the audit trail.
    pub async fn audit(
        conn: &mut SqliteConnection,
        actor: &str,
        action: &str,
        subject: Option<&str>,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO audit_log (actor, action, subject, detail) VALUES (?, ?, ?, ?)")
            .bind(actor)
            .bind(action)
            .bind(subject)
            .bind(detail)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[tokio::test]
    async fn creates_migrates_and_dedupes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kmsbot.db");
        let store = Store::open(&path).await.unwrap();
        assert!(path.exists());
        let mut tx = store.begin().await.unwrap();
        assert!(Store::mark_processed(&mut tx, "slack", "Ev1")
            .await
            .unwrap());
        assert!(!Store::mark_processed(&mut tx, "slack", "Ev1")
            .await
            .unwrap());
        assert!(Store::mark_processed(&mut tx, "discord", "Ev1")
            .await
            .unwrap());
        tx.commit().await.unwrap();
        // Reopening runs no migration twice and keeps the data.
        store.close().await;
        let store = Store::open(&path).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        assert!(!Store::mark_processed(&mut tx, "slack", "Ev1")
            .await
            .unwrap());
        tx.rollback().await.unwrap();
    }

    #[tokio::test]
    async fn old_event_ids_are_pruned_recent_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).await.unwrap();
        sqlx::query("INSERT INTO processed_events (platform, event_id, processed_at) VALUES ('slack', 'old', '2020-01-01T00:00:00.000Z')")
            .execute(&mut *store.writer_tx(Lane::Ordinary).await.unwrap())
            .await
            .unwrap();
        let mut tx = store.begin().await.unwrap();
        assert!(Store::mark_processed(&mut tx, "slack", "new")
            .await
            .unwrap());
        tx.commit().await.unwrap();
        assert_eq!(store.prune_processed_events(30).await.unwrap(), 1);
        let mut tx = store.begin().await.unwrap();
        assert!(!Store::mark_processed(&mut tx, "slack", "new")
            .await
            .unwrap());
        tx.rollback().await.unwrap();
    }

    #[tokio::test]
    async fn message_ids_are_never_reused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        let a = Store::insert_message(&mut tx, "console", "general", None, "bot", None)
            .await
            .unwrap();
        let b = Store::insert_message(&mut tx, "console", "general", None, "bot", None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(b > a);
        store.set_message_ref(b, &b.to_string()).await.unwrap();
        let latest = store
            .latest_bot_message("console", "general")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(latest.id, b);
        let mut conn = store.pool().acquire().await.unwrap();
        let found = Store::bot_message_by_ref(&mut conn, "console", None, &b.to_string())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, b);
    }

    #[tokio::test]
    async fn audit_log_is_append_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        Store::audit(&mut tx, "console:bob", "approve", Some("FW-1"), None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let e = sqlx::query("DELETE FROM audit_log")
            .execute(store.pool())
            .await;
        assert!(e.is_err());
        let e = sqlx::query("UPDATE audit_log SET actor = 'x'")
            .execute(store.pool())
            .await;
        assert!(e.is_err());
    }

    #[tokio::test]
    async fn bad_paths_are_clear_errors() {
        let e = Store::open(Path::new("/nonexistent-dir/x/kmsbot.db"))
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, vec![b'x'; 8192]).unwrap();
        let e = Store::open(&junk).await.unwrap_err().to_string();
        assert!(e.contains("not a SQLite database"), "{e}");
    }

    #[tokio::test]
    async fn a_full_disk_does_not_poison_the_writer_and_writes_recover() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).await.unwrap();
        fill_disk(&store).await;
        // Space is back (a fresh writer connection has no page limit): writes work again.
        let mut tx = store.begin().await.unwrap();
        assert!(Store::mark_processed(&mut tx, "console", "after")
            .await
            .unwrap());
        tx.commit().await.unwrap();
        store.check_write().await.unwrap();
    }

    /// Makes the writer connection's next big write fail with `SQLITE_FULL`, as a full disk
    /// does (SQLite rolls the whole transaction back itself), and drops that transaction.
    pub(crate) async fn fill_disk(store: &Store) {
        let mut tx = store.begin().await.unwrap();
        let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        sqlx::query(&format!("PRAGMA max_page_count = {pages}"))
            .execute(&mut *tx)
            .await
            .unwrap();
        let big = "x".repeat(200_000);
        let full = Store::audit(&mut tx, "test", "fill", None, Some(&big))
            .await
            .unwrap_err();
        assert!(full.to_string().contains("full"), "{full}");
        assert!(
            tx.rollback().await.is_err(),
            "SQLite already rolled it back"
        );
    }

    #[tokio::test]
    async fn the_write_check_fails_while_another_process_holds_the_write_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let store = Store::open(&path).await.unwrap();
        store.check_write().await.unwrap();
        let mut other = SqliteConnection::connect_with(
            &SqliteConnectOptions::new()
                .filename(&path)
                .busy_timeout(Duration::from_millis(10)),
        )
        .await
        .unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut other)
            .await
            .unwrap();
        let blocked = tokio::time::timeout(Duration::from_millis(300), store.check_write()).await;
        assert!(blocked.is_err(), "no write while the lock is held");
        sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
        store.check_write().await.unwrap();
    }

    /// The acknowledging lane waits for the transaction running only, not behind the ordinary
    /// writers that queued before it: they are served after it, in their own order.
    #[tokio::test]
    async fn an_acknowledging_writer_goes_ahead_of_waiting_ordinary_writers() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("kmsbot.db")).await.unwrap();
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let running = store.begin().await.unwrap();
        let mut waiting = Vec::new();
        for name in ["ordinary 1", "ordinary 2", "ack"] {
            let (store, order) = (store.clone(), order.clone());
            let lane = if name == "ack" {
                Lane::Acknowledging
            } else {
                Lane::Ordinary
            };
            waiting.push(tokio::spawn(async move {
                let tx = store.begin_in(lane).await.unwrap();
                order.lock().unwrap().push(name);
                tx.commit().await.unwrap();
            }));
            // Each is queued before the next starts.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        running.commit().await.unwrap();
        for w in waiting {
            w.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), ["ack", "ordinary 1", "ordinary 2"]);
    }

    /// A one-trip transaction that fails part way writes nothing; one that succeeds returns
    /// the rows its statements returned.
    #[tokio::test]
    async fn a_built_transaction_writes_everything_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("kmsbot.db")).await.unwrap();
        let mut q = Store::transaction_builder();
        q.push("INSERT INTO audit_log (actor, action, detail) VALUES ('u', 'a', 'one'); ");
        q.push("INSERT INTO no_such_table VALUES (1); ");
        assert!(store.write_built(Lane::Ordinary, q).await.is_err());
        let mut q = Store::transaction_builder();
        q.push(
            "INSERT INTO audit_log (actor, action, detail) VALUES ('u', 'a', 'two') RETURNING 1; ",
        );
        let rows = store.write_built(Lane::Acknowledging, q).await.unwrap();
        assert_eq!(rows.len(), 1);
        let details: Vec<String> = sqlx::query_scalar("SELECT detail FROM audit_log")
            .fetch_all(store.pool())
            .await
            .unwrap();
        assert_eq!(details, ["two"], "the failed transaction left nothing");
    }
}
