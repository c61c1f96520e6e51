//! One event being handled: its transaction, the replies decided so far, and read access to the
//! configuration, knowledge base and metrics. Flows get a [`Turn`], never the store or the app:
//! every read and write of a turn goes through its one transaction (`turn.tx()`, `turn.conn()`;
//! the field is private, so no flow can commit, roll back or replace it), and replies are queued
//! in the outbox only after it commits.

use crate::config::Config;
use crate::errors::AppError;
use crate::metrics::Metrics;
use crate::outbox::Delivery;
use crate::services::Services;
use crate::store::{FirstRead, Store, StoreError, Tx};
use adapters::{Button, Incoming, Message};
use knowledge::KnowledgeBase;

/// One event being handled: the open transaction and the replies decided so far.
pub struct Turn<'a> {
    services: &'a Services,
    /// The event.
    pub ev: &'a Incoming,
    /// The transaction all reads and effects go into (flows reach it through [`Turn::tx`] and
    /// [`Turn::conn`]; only the turn commits or rolls it back).
    tx: Tx,
    pending: Vec<Delivery>,
    wake_jobs: bool,
    probes: Vec<Probe>,
    status_checks: Vec<StatusCheck>,
    preflight: Vec<crate::preflight::Finding>,
    at_commit: Option<(&'static str, Vec<Option<String>>)>,
    first_read: Option<Vec<sqlx::sqlite::SqliteRow>>,
}

/// A read-only status check to run once the turn commits: its rows are edited into `message`.
#[derive(Debug, Clone)]
pub struct StatusCheck {
    /// The bot message that shows the table.
    pub message: i64,
    /// The instances to check.
    pub instances: Vec<crate::config::InstanceConfig>,
}

/// An SSH login to try once the turn commits (an activation request's instance): a failure is
/// said in the request's thread before anyone approves.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The instance to log in to.
    pub instance: crate::config::InstanceConfig,
    /// The jobs that would run there.
    pub jobs: Vec<i64>,
    /// Where the request was made.
    pub channel: String,
    /// Its thread.
    pub thread: Option<String>,
}

/// What a committed turn leaves to do: replies to queue, and whether jobs were queued.
pub struct Committed {
    /// Replies, in order.
    pub deliveries: Vec<Delivery>,
    /// Jobs were queued: wake the worker.
    pub wake_jobs: bool,
    /// Instances to try to reach now (their problems are said in the request's thread).
    pub probes: Vec<Probe>,
    /// Read-only status checks to run now.
    pub status_checks: Vec<StatusCheck>,
}

impl<'a> Turn<'a> {
    /// The turn's transaction, for the store functions that take one.
    pub fn tx(&mut self) -> &mut Tx {
        &mut self.tx
    }

    /// The turn's transaction as a connection, for queries.
    pub fn conn(&mut self) -> &mut sqlx::SqliteConnection {
        &mut self.tx
    }

    /// Opens the event's transaction and records its id; `None` when it was handled before.
    pub async fn begin(
        services: &'a Services,
        ev: &'a Incoming,
    ) -> Result<Option<Turn<'a>>, StoreError> {
        Turn::begin_reading(services, ev, None).await
    }

    /// [`Turn::begin`], sending `first_read` with the BEGIN (one round trip); its rows wait in
    /// [`Turn::take_first_read`].
    pub async fn begin_reading(
        services: &'a Services,
        ev: &'a Incoming,
        first_read: Option<FirstRead>,
    ) -> Result<Option<Turn<'a>>, StoreError> {
        let asked = first_read.is_some();
        let Some((tx, rows)) = services
            .store
            .begin_event(ev.platform.as_str(), &ev.event_id, first_read)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(Turn {
            services,
            ev,
            tx,
            pending: Vec::new(),
            wake_jobs: false,
            probes: Vec::new(),
            status_checks: Vec::new(),
            preflight: Vec::new(),
            at_commit: None,
            first_read: asked.then_some(rows),
        }))
    }

    /// The rows of the read sent with the BEGIN, once (`None` when none was sent, or taken).
    /// They are what the database held before this turn wrote anything.
    pub fn take_first_read(&mut self) -> Option<Vec<sqlx::sqlite::SqliteRow>> {
        self.first_read.take()
    }

    /// Commits the transaction and hands back what is left to do.
    pub async fn commit(mut self) -> Result<Committed, StoreError> {
        match self.at_commit.take() {
            Some((statement, binds)) => self.tx.commit_after(statement, binds).await?,
            None => self.tx.commit().await?,
        }
        Ok(Committed {
            deliveries: self.pending,
            wake_jobs: self.wake_jobs,
            probes: self.probes,
            status_checks: self.status_checks,
        })
    }

    /// Writes `statement` (numbered parameters `?1`…) together with the COMMIT, in one round
    /// trip: for a write nothing in the turn reads afterwards. A second one runs the first now.
    pub async fn write_at_commit(
        &mut self,
        statement: &'static str,
        binds: Vec<Option<String>>,
    ) -> Result<(), StoreError> {
        if let Some((earlier, earlier_binds)) = self.at_commit.replace((statement, binds)) {
            let mut query = sqlx::query(earlier);
            for b in earlier_binds {
                query = query.bind(b);
            }
            query.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Rolls everything back (nothing is delivered).
    pub async fn rollback(self) -> Result<(), StoreError> {
        Ok(self.tx.rollback().await?)
    }

    /// The configuration.
    pub fn config(&self) -> &'a Config {
        &self.services.config
    }

    /// The knowledge base.
    pub fn kb(&self) -> &'a KnowledgeBase {
        &self.services.kb
    }

    /// The metrics.
    pub fn metrics(&self) -> &'a Metrics {
        &self.services.metrics
    }

    /// Now, in Unix seconds, by the configured clock (deadlines of time-limited tickets).
    pub fn now(&self) -> i64 {
        self.services.config.clock.now()
    }

    /// Wakes the job worker once this turn commits (jobs were queued).
    pub fn wake_jobs(&mut self) {
        self.wake_jobs = true;
    }

    /// Tries to reach an instance once this turn commits (never inside the transaction).
    pub fn probe(&mut self, probe: Probe) {
        self.probes.push(probe);
    }

    /// What the pre-flight found before this turn began (an activation request's instances).
    pub fn preflight(&self) -> &[crate::preflight::Finding] {
        &self.preflight
    }

    /// Records what the pre-flight found (run by `App` before the turn began).
    pub fn set_preflight(&mut self, findings: Vec<crate::preflight::Finding>) {
        self.preflight = findings;
    }

    /// Runs a read-only status check once this turn commits (never inside the transaction).
    pub fn check_status(&mut self, check: StatusCheck) {
        self.status_checks.push(check);
    }

    /// Posts in the event's channel and thread; returns the bot's message id.
    pub async fn reply(&mut self, message: impl Into<Message>) -> Result<i64, AppError> {
        let channel = self.ev.channel.clone();
        let thread = self.ev.thread.clone();
        self.post(&channel, thread.as_deref(), message, Vec::new())
            .await
    }

    /// Posts a message anywhere on the event's platform; returns the bot's message id.
    pub async fn post(
        &mut self,
        channel: &str,
        thread: Option<&str>,
        message: impl Into<Message>,
        buttons: Vec<Button>,
    ) -> Result<i64, AppError> {
        let message = message.into();
        // Recorded with what to send: a post not sent before a shutdown is sent at the next start.
        let pending = crate::outbox::pending_for(self.ev.platform, &message, &buttons);
        let local_id = Store::insert_bot_post(
            &mut self.tx,
            self.ev.platform.as_str(),
            channel,
            thread,
            pending.as_deref(),
        )
        .await?;
        self.pending.push(Delivery::Post {
            local_id,
            channel: channel.to_string(),
            thread: thread.map(str::to_string),
            message,
            buttons,
        });
        Ok(local_id)
    }

    /// Edits a message the bot posted.
    pub fn edit(&mut self, local_id: i64, message: impl Into<Message>) {
        self.pending.push(Delivery::Edit {
            local_id,
            message: message.into(),
        });
    }

    /// Adds a reaction, as the bot, to one of its messages.
    pub fn react(&mut self, local_id: i64, emoji: impl Into<String>) {
        self.pending.push(Delivery::React {
            local_id,
            emoji: emoji.into(),
        });
    }
}
