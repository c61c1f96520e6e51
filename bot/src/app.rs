//! The conversation engine: `App::handle` dedupes an event, routes it to a flow, stores its
//! effects in one transaction (a [`Turn`]) and queues the replies in the [`Outbox`].
//!
//! `App` is the top of the event side: it owns the services, the outbox and the job signals,
//! and calls down into the flows (`tickets::flow`, `jobs::flow`); nothing calls back into it.

use crate::answer_cache::AnswerCache;
use crate::answer_commit::AnswerCommit;
use crate::approvals::{self, Decision};
use crate::commands::{self, Command, Target};
use crate::config::Config;
use crate::contexts::{self, ContextKey, StoredContext};
use crate::errors::{AppError, UserError};
use crate::jobs::control::JobsControl;
use crate::jobs::worker::{self, WorkerDeps};
use crate::metrics::Metrics;
use crate::outbox::{Backoff, Outbox};
use crate::services::Services;
use crate::shells::ShellFactory;
use crate::states::ApprovalSubject;
use crate::store::Store;
use crate::turn::Turn;
use crate::{jobs, tickets};
use adapters::{Chat, EventSink, Incoming, IncomingKind};
use async_trait::async_trait;
use knowledge::KnowledgeBase;
use std::sync::Arc;

pub use crate::users::mention;

/// The bot: shared by every adapter; starts the job worker.
pub struct App {
    services: Services,
    outbox: Outbox,
    control: Arc<JobsControl>,
    /// Microsoft's published GVLKs: the only product keys that may appear in chat.
    public_keys: std::collections::HashSet<String>,
    /// Reachability checks of requested instances still running (`flush` waits for them).
    probes: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    /// The background check of time-limited tickets, once started.
    ticket_clock: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// The worker's shells, also used by read-only status checks (set by `start_worker`).
    shells: std::sync::OnceLock<Arc<dyn ShellFactory>>,
    /// Status checks running at once over every request: `[jobs] concurrency`.
    status_limit: Arc<tokio::sync::Semaphore>,
    /// Plain answers' turns, written in groups.
    answers: AnswerCommit,
    /// Places' contexts as last seen, so a plain answer starts without a read.
    places: contexts::PlaceCache,
    /// Answers already worked out, by text and context.
    memo: AnswerCache,
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
    /// The event asked for something that cannot be done; the user was told why.
    Refused,
}

impl App {
    /// A bot over an opened store.
    pub fn new(store: Store, config: Arc<Config>, kb: Arc<KnowledgeBase>) -> App {
        App::with_backoff(store, config, kb, Backoff::default())
    }

    /// A bot whose outbox retries failed deliveries with `backoff`.
    pub fn with_backoff(
        store: Store,
        config: Arc<Config>,
        kb: Arc<KnowledgeBase>,
        backoff: Backoff,
    ) -> App {
        let public_keys = kb.gvlks().iter().map(|g| g.key.clone()).collect();
        let metrics = Arc::new(Metrics::new());
        let status_limit = Arc::new(tokio::sync::Semaphore::new(config.jobs.concurrency.max(1)));
        App {
            outbox: Outbox::new(store.clone(), metrics.clone(), backoff),
            answers: AnswerCommit::new(store.clone()),
            places: contexts::PlaceCache::default(),
            memo: AnswerCache::default(),
            services: Services {
                store,
                config,
                kb,
                metrics,
            },
            control: Arc::new(JobsControl::new()),
            public_keys,
            ticket_clock: std::sync::Mutex::new(None),
            probes: Arc::default(),
            shells: std::sync::OnceLock::new(),
            status_limit,
        }
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.services.store
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.services.config
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.services.metrics
    }

    /// The outbox (chat deliveries).
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Starts the job worker on this runtime with the given shells.
    pub fn start_worker(&self, shells: Arc<dyn ShellFactory>) -> tokio::task::JoinHandle<()> {
        self.control.set_worker_running(true);
        crate::shells::warn_insecure(&self.services.config.instances);
        let _ = self.shells.set(shells.clone());
        let deps = WorkerDeps {
            services: self.services.clone(),
            outbox: self.outbox.clone(),
            control: self.control.clone(),
            shells,
        };
        let control = self.control.clone();
        tokio::spawn(async move {
            worker::run(deps).await;
            control.set_worker_running(false);
        })
    }

    /// Checks time-limited tickets now (reminders, expiry), then every minute in the background
    /// until [`App::shutdown`]. Call it once the chats are registered, so what the first check
    /// finds can be said.
    pub async fn start_ticket_clock(&self) {
        let now = self.services.config.clock.now();
        if let Err(e) = tickets::expiry::check(&self.services, &self.outbox, now).await {
            tracing::warn!(error = %e, "ticket expiry check failed; trying again later");
        }
        let task = tokio::spawn(tickets::expiry::run(
            self.services.clone(),
            self.outbox.clone(),
            self.control.shutdown_signal(),
        ));
        let mut slot = self.ticket_clock.lock().unwrap_or_else(|e| e.into_inner());
        *slot = Some(task);
    }

    /// Starts the expiry watch (`[watch]`) in the background, when configured, until
    /// [`App::shutdown`]. Call it after [`App::start_worker`] so it uses the worker's shells.
    pub async fn start_watch(&self) -> Option<tokio::task::JoinHandle<()>> {
        self.services.config.watch.as_ref()?;
        // The last known states, so `/metrics` shows them before the first round ends.
        crate::watch::load_metrics(&self.services).await;
        let deps = crate::watch::WatchDeps {
            services: self.services.clone(),
            outbox: self.outbox.clone(),
            shells: self.check_shells(),
            limit: self.status_limit.clone(),
        };
        Some(tokio::spawn(crate::watch::run(
            deps,
            self.control.shutdown_signal(),
        )))
    }

    /// Returns once the background ticket check has stopped (after [`App::shutdown`]).
    pub async fn ticket_clock_stopped(&self) {
        let task = self
            .ticket_clock
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    /// Asks the worker to stop taking work.
    pub fn shutdown(&self) {
        self.control.shutdown();
    }

    /// Registers the sender for a platform (and starts its delivery task).
    pub fn register_chat(&self, chat: Arc<dyn Chat>) {
        self.outbox.register(chat);
    }

    /// Returns once every reachability check started by a turn has ended and every queued chat
    /// delivery was sent (or given up).
    pub async fn flush(&self) {
        let probes: Vec<_> =
            std::mem::take(&mut *self.probes.lock().unwrap_or_else(|e| e.into_inner()));
        for p in probes {
            let _ = p.await;
        }
        self.outbox.flush().await;
    }

    /// Handles one event: dedupe, route, store, queue the replies.
    pub async fn handle(&self, ev: &Incoming) -> Result<Handled, AppError> {
        let started = std::time::Instant::now();
        let result = self.handle_inner(ev).await;
        let outcome = match &result {
            Ok(Handled::Done) => "done",
            Ok(Handled::Duplicate) => "duplicate",
            Ok(Handled::Ignored) => "ignored",
            Ok(Handled::Refused) | Err(AppError::User(_)) => "user_error",
            Err(AppError::Internal(_)) => "internal_error",
        };
        self.services
            .metrics
            .event(ev.platform.as_str(), outcome, started.elapsed());
        result
    }

    /// Commits a turn, then queues its replies and wakes the worker if it queued jobs.
    async fn commit_turn(&self, turn: Turn<'_>) -> Result<(), AppError> {
        let platform = turn.ev.platform;
        let done = turn.commit().await?;
        self.outbox.enqueue(platform, done.deliveries);
        if done.wake_jobs {
            self.control.wake();
        }
        for probe in done.probes {
            self.spawn_probe(platform, probe);
        }
        for check in done.status_checks {
            self.spawn_status(platform, check);
        }
        Ok(())
    }

    /// Runs a read-only status check and edits its table into the request's message as each
    /// instance answers (`flush` waits for it, like the reachability checks).
    fn spawn_status(&self, platform: adapters::Platform, check: crate::turn::StatusCheck) {
        let outbox = self.outbox.clone();
        let kb = self.services.kb.clone();
        let config = self.services.config.clone();
        let shells = self.check_shells();
        let limit = self.status_limit.clone();
        let metrics = self.services.metrics.clone();
        let handle = tokio::spawn(async move {
            let timeout = std::time::Duration::from_secs(config.jobs.step_timeout_secs);
            let rows = crate::status::check_many(shells, check.instances, limit, timeout, |rows| {
                outbox.edit(platform, check.message, crate::status::table(rows, &kb));
            })
            .await;
            metrics.instance_states(
                rows.iter()
                    .filter(|r| !r.dry_run)
                    .map(|r| (r.instance.as_str(), r.license_status.words())),
            );
            outbox.edit(platform, check.message, crate::status::table(&rows, &kb));
        });
        let mut probes = self.probes.lock().unwrap_or_else(|e| e.into_inner());
        probes.retain(|p| !p.is_finished());
        probes.push(handle);
    }

    /// The shells read-only checks use: the worker's, else SSH or dry run as configured.
    fn check_shells(&self) -> Arc<dyn ShellFactory> {
        match self.shells.get() {
            Some(s) => s.clone(),
            None => Arc::new(crate::shells::ConfiguredShells::new(
                std::time::Duration::from_secs(self.services.config.jobs.connect_timeout_secs),
            )),
        }
    }

    /// `[jobs] preflight`: for a KMS activation request, asks each SSH or WinRM instance (read-only)
    /// whether the KMS host answers and which edition it runs, before the request's turn begins.
    async fn preflight(&self, ev: &Incoming) -> Vec<crate::preflight::Finding> {
        let config = &self.services.config;
        if !config.jobs.preflight {
            return Vec::new();
        }
        let IncomingKind::Message { text, .. } = &ev.kind else {
            return Vec::new();
        };
        let text = text.trim();
        if commands::parse(text).is_some() || self.product_key_warning(text).is_some() {
            return Vec::new();
        }
        let Some(Ok(req)) = jobs::request::parse(text) else {
            return Vec::new();
        };
        let jobs::request::Method::Kms(given) = &req.method else {
            return Vec::new();
        };
        let (host, port) = match given {
            Some((h, p)) => (h.clone(), p.unwrap_or(config.kms.port)),
            None => match &config.kms.host {
                Some(h) => (h.clone(), config.kms.port),
                None => return Vec::new(),
            },
        };
        let mut instances = Vec::new();
        for name in &req.instances {
            match name.split_once(':') {
                Some((_, tag)) => instances.extend(config.tagged(tag).into_iter().cloned()),
                None => instances.extend(config.instance(name).cloned()),
            }
        }
        let timeout = std::time::Duration::from_secs(config.jobs.step_timeout_secs);
        crate::preflight::run(
            self.check_shells(),
            instances,
            host,
            port,
            self.status_limit.clone(),
            timeout,
        )
        .await
    }

    /// `status …` and "is web-01 activated?": refused unless `[status] allowed` (default: the
    /// approvers) lists the user; otherwise the table is posted at once and filled in after the
    /// turn commits.
    async fn status_request(
        &self,
        turn: &mut Turn<'_>,
        instances: Vec<crate::config::InstanceConfig>,
    ) -> Result<(), AppError> {
        let rows: Vec<_> = instances
            .iter()
            .map(|i| crate::status::InstanceStatus::pending(&i.name))
            .collect();
        let message = turn
            .reply(crate::status::table(&rows, &self.services.kb))
            .await?;
        turn.check_status(crate::turn::StatusCheck { message, instances });
        Ok(())
    }

    fn may_check_status(&self, ev: &Incoming) -> bool {
        crate::status::may_check(&self.services.config, &ev.user, &ev.roles)
    }

    /// A question that asks for a configured instance's state ("is web-01 activated?").
    fn status_question(&self, text: &str) -> Option<crate::config::InstanceConfig> {
        let u = self.services.kb.understand(text);
        if u.intent != knowledge::Intent::InstanceStatus {
            return None;
        }
        self.services
            .config
            .instance(u.slots.instance.as_deref()?)
            .cloned()
    }

    /// Logs in to a requested instance (short timeout) and, if that fails, says so in the
    /// request's thread so nobody approves a job that cannot run.
    fn spawn_probe(&self, platform: adapters::Platform, probe: crate::turn::Probe) {
        let outbox = self.outbox.clone();
        let timeout = std::time::Duration::from_secs(
            self.services.config.jobs.connect_timeout_secs.clamp(1, 5),
        );
        let handle = tokio::spawn(async move {
            let Err(why) = crate::instance_check::reachable(&probe.instance, timeout).await else {
                return;
            };
            let jobs: Vec<String> = probe.jobs.iter().map(|j| format!("#{j}")).collect();
            let cancels: Vec<String> = probe.jobs.iter().map(|j| format!("`cancel {j}`")).collect();
            let text = format!(
                "⚠️ Before anyone approves job {}: I cannot log in to `{}` as configured ({why}), so it would fail after approval. An operator checks its address, key and known_hosts (`kmsbot instances check`); the requester can withdraw it with {}.",
                jobs.join(", "),
                probe.instance.name,
                cancels.join(", ")
            );
            outbox
                .say(platform, &probe.channel, probe.thread.as_deref(), &text)
                .await;
        });
        let mut probes = self.probes.lock().unwrap_or_else(|e| e.into_inner());
        probes.retain(|p| !p.is_finished());
        probes.push(handle);
    }

    /// Any internal error (a failed route, begin or commit: a full disk) is logged with a
    /// reference and answered with a short apology naming it; nothing of the event is kept.
    async fn handle_inner(&self, ev: &Incoming) -> Result<Handled, AppError> {
        match self.handle_turn(ev).await {
            Err(AppError::Internal(err)) => {
                let reference = crate::errors::short_ref();
                tracing::error!(reference = %reference, error = format!("{err:#}"), event_id = %ev.event_id, "event failed");
                self.outbox
                    .say(
                        ev.platform,
                        &ev.channel,
                        ev.thread.as_deref(),
                        &apology(&reference),
                    )
                    .await;
                Err(AppError::Internal(
                    err.context(format!("reference {reference}")),
                ))
            }
            other => other,
        }
    }

    async fn handle_turn(&self, ev: &Incoming) -> Result<Handled, AppError> {
        // Network round trips happen before the transaction, never inside it.
        let preflight = self.preflight(ev).await;
        // A question is answered before the single writer is taken (see `EarlyAnswer`).
        let early = self.early_answer(ev).await;
        if let Some(e) = &early {
            if self.commit_early(ev, e).await {
                return Ok(Handled::Done);
            }
        }
        // The turn may change the place in any way (or the early answer found it changed).
        let result = self.handle_turn_in_tx(ev, preflight, early).await;
        self.places.forget(context_key(ev));
        result
    }

    async fn handle_turn_in_tx(
        &self,
        ev: &Incoming,
        preflight: Vec<crate::preflight::Finding>,
        early: Option<EarlyAnswer>,
    ) -> Result<Handled, AppError> {
        // A message is read with its BEGIN: the user's context and open conversation here.
        let first_read = matches!(ev.kind, IncomingKind::Message { .. })
            .then(|| contexts::place_read(context_key(ev)));
        let Some(mut turn) = Turn::begin_reading(&self.services, ev, first_read).await? else {
            tracing::debug!(event_id = %ev.event_id, "duplicate event ignored");
            return Ok(Handled::Duplicate);
        };
        turn.set_preflight(preflight);
        match self.route(&mut turn, early).await {
            Ok(handled) => {
                self.commit_turn(turn).await?;
                Ok(handled)
            }
            Err(AppError::User(problem)) => {
                // Nothing the event tried to change is kept; the explanation is.
                turn.rollback().await?;
                let Some(mut turn) = Turn::begin(&self.services, ev).await? else {
                    return Ok(Handled::Duplicate);
                };
                turn.reply(problem.to_string()).await?;
                self.commit_turn(turn).await?;
                Ok(Handled::Refused)
            }
            Err(AppError::Internal(err)) => {
                // SQLite may have rolled back already (a full disk): that is not a new error.
                if let Err(e) = turn.rollback().await {
                    tracing::debug!(error = %e, "rollback after an internal error");
                }
                Err(AppError::Internal(err))
            }
        }
    }

    async fn route(
        &self,
        turn: &mut Turn<'_>,
        early: Option<EarlyAnswer>,
    ) -> Result<Handled, AppError> {
        let ev = turn.ev;
        match &ev.kind {
            IncomingKind::Message { text, .. } => {
                self.on_message(turn, text.trim(), early).await?;
                Ok(Handled::Done)
            }
            IncomingKind::ReactionAdded { message_ref, emoji } => {
                match approvals::decision_for_emoji(&self.services.config.approvals, emoji) {
                    Some(d) => self.on_decision(turn, message_ref, d, true).await,
                    None => Ok(Handled::Ignored),
                }
            }
            IncomingKind::Button {
                message_ref,
                action,
            } => {
                let d = match action.as_str() {
                    "approve" => Decision::Approve,
                    "reject" => Decision::Reject,
                    _ => return Ok(Handled::Ignored),
                };
                self.on_decision(turn, message_ref, d, false).await
            }
            IncomingKind::ReactionRemoved { message_ref, emoji } => {
                if approvals::decision_for_emoji(&self.services.config.approvals, emoji)
                    != Some(Decision::Approve)
                {
                    return Ok(Handled::Ignored);
                }
                let Some(req) = self.tracked_request(turn, message_ref).await? else {
                    return Ok(Handled::Ignored);
                };
                if req.subject == ApprovalSubject::Jobs {
                    jobs::flow::withdraw(turn, &req).await?;
                } else {
                    approvals::withdraw(turn.tx(), &req, &ev.user).await?;
                }
                Ok(Handled::Done)
            }
        }
    }

    async fn tracked_request(
        &self,
        turn: &mut Turn<'_>,
        message_ref: &str,
    ) -> Result<Option<approvals::ApprovalRequest>, AppError> {
        // A Slack `ts` names a message only together with its channel; Discord message ids and
        // console ids are unique on their own (and a Discord thread is its own channel).
        let channel =
            (turn.ev.platform == adapters::Platform::Slack).then_some(turn.ev.channel.as_str());
        let platform = turn.ev.platform.as_str();
        let id = match Store::bot_message_by_ref(turn.tx(), platform, channel, message_ref).await? {
            Some(msg) => msg.id,
            // Posted a moment ago: the platform accepted it, its reference is not stored yet.
            None => match self.outbox.being_stored(turn.ev.platform, message_ref) {
                Some((id, posted_in)) if channel.is_none_or(|c| c == posted_in) => id,
                _ => return Ok(None),
            },
        };
        Ok(approvals::by_message(turn.tx(), id).await?)
    }

    async fn on_decision(
        &self,
        turn: &mut Turn<'_>,
        message_ref: &str,
        decision: Decision,
        from_reaction: bool,
    ) -> Result<Handled, AppError> {
        let Some(req) = self.tracked_request(turn, message_ref).await? else {
            return Ok(Handled::Ignored);
        };
        if let ApprovalSubject::Ticket(ticket) = &req.subject {
            let ticket = ticket.clone();
            match tickets::flow::decide(turn, &ticket, decision, None).await {
                // A reaction that cannot count is explained, not silently dropped.
                Err(AppError::User(e)) if from_reaction => {
                    turn.reply(e.to_string()).await?;
                }
                other => other?,
            }
        } else {
            jobs::flow::decide(turn, &req, decision, from_reaction, None).await?;
        }
        Ok(Handled::Done)
    }

    async fn on_message(
        &self,
        turn: &mut Turn<'_>,
        text: &str,
        early: Option<EarlyAnswer>,
    ) -> Result<(), AppError> {
        if let Some(warning) = self.product_key_warning(text) {
            turn.reply(warning).await?;
            return Ok(());
        }
        match commands::parse(text) {
            Some(Err(e)) => return Err(e.into()),
            Some(Ok(cmd)) => return self.command(turn, cmd).await,
            None => {}
        }
        // "activate …" is a new intent even in the middle of a ticket conversation.
        if let Some(req) = jobs::request::parse(text) {
            return jobs::flow::request(turn, req?).await;
        }
        // One read for what is known about the user here: context and open conversation.
        let mut place = match turn.take_first_read() {
            Some(rows) => contexts::place_from_rows(&rows)?,
            None => {
                let key = context_key(turn.ev);
                contexts::load_place(turn.tx(), key).await?
            }
        };
        if let Some(conv) = tickets::flow::conversation(place.conversation.take())? {
            if tickets::flow::is_aside(turn, &conv, text) {
                // A question asked in the middle of a request is answered when the knowledge
                // base has an answer; the request waits as it was.
                let mut answer = self.answer_for(text, &place.context);
                if !answer.abstained && answer.intent.is_some() {
                    answer.offer = None;
                    let (reply, stored) = self.compose_reply(text, place.context, &answer);
                    let reply = format!("{reply}\n\n{}", tickets::flow::still_open(&conv));
                    turn.reply(reply).await?;
                    contexts::save_at_commit(turn, &stored, place.stored_json.as_deref()).await?;
                    return Ok(());
                }
            }
            return tickets::flow::answer(turn, conv, text).await;
        }
        if let Some(offer) = self.accepted_offer(turn, text, &mut place).await? {
            return tickets::flow::start(turn, "", Some(offer)).await;
        }
        if tickets::request::detect(text).is_some() {
            return tickets::flow::start(turn, text, None).await;
        }
        if self.may_check_status(turn.ev) {
            if let Some(inst) = self.status_question(text) {
                return self.status_request(turn, vec![inst]).await;
            }
        }
        self.answer_question(turn, text, place, early).await
    }

    /// A message that would be answered from the knowledge base (not a command, an activation
    /// request, a ticket request or a status question), answered now from the user's context
    /// as a reader sees it, before the event's transaction: a question's turn then holds the
    /// single writer only for its statements, not for the answer. `None` when the message is
    /// something else (a reply that may accept an offer, too), or the place has an open
    /// conversation (the turn decides).
    async fn early_answer(&self, ev: &Incoming) -> Option<EarlyAnswer> {
        let IncomingKind::Message { text, .. } = &ev.kind else {
            return None;
        };
        let text = text.trim();
        // "file it" and the like may accept an offer or ask what to file: the turn decides.
        if is_yes(text)
            || self.product_key_warning(text).is_some()
            || commands::parse(text).is_some()
            || jobs::request::parse(text).is_some()
            || tickets::request::detect(text).is_some()
            || (self.may_check_status(ev) && self.status_question(text).is_some())
        {
            return None;
        }
        let key = context_key(ev);
        let place = match self.places.get(key) {
            Some(p) => p,
            // A message that starts its own thread finds nothing stored there; should this
            // event have been handled before (a redelivery), the group commit finds the place
            // changed and the turn handles it as one.
            None if ev.starts_thread() => contexts::Place::default(),
            None => {
                let mut conn = match self.services.store.pool().acquire().await {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::debug!(error = %e, "no reader for an early answer; answered in the turn");
                        return None;
                    }
                };
                let place = match contexts::load_place(&mut conn, key).await {
                    Ok(p) => p,
                    Err(e) => {
                        tracing::debug!(error = %e, "cannot read the context early; answered in the turn");
                        return None;
                    }
                };
                // An open conversation takes the message: the turn decides.
                if place.conversation.is_some() {
                    return None;
                }
                self.places
                    .put(key, place.stored_json.clone(), place.context.clone());
                place
            }
        };
        // An offer in the context changes nothing for a message that does not accept it: the
        // answer replaces it, as in the turn (`accepted_offer`, `compose_reply`).
        let answer = self.answer_for(text, &place.context);
        Some(EarlyAnswer {
            stored_json: place.stored_json,
            context: place.context,
            answer,
        })
    }

    /// The knowledge base's answer to `text` in the user's stored context, with the configured
    /// KMS host and port filling in what the question leaves out.
    fn answer_for(&self, text: &str, stored: &StoredContext) -> knowledge::Answer {
        let started = std::time::Instant::now();
        // The settings are the `App`'s for its whole life, so the memo's key leaves them out.
        let answer = self.memo.get_or_answer(text, stored.kb.as_ref(), || {
            let settings = knowledge::AnswerSettings {
                kms_host: self.services.config.kms.host.clone(),
                kms_port: Some(self.services.config.kms.port),
            };
            self.services
                .kb
                .answer_with(text, stored.kb.as_ref(), &settings)
        });
        self.services
            .metrics
            .answer(answer.abstained, started.elapsed());
        answer
    }

    async fn command(&self, turn: &mut Turn<'_>, cmd: Command) -> Result<(), AppError> {
        match cmd {
            Command::Help(None) => {
                turn.reply(commands::help()).await?;
            }
            Command::Help(Some(word)) => match commands::help_for(&word) {
                Some(h) => {
                    turn.reply(h).await?;
                }
                None => {
                    return Err(UserError::new(
                        format!(
                            "I have no help on `{word}`. Topics: {}, or any command `help` lists.",
                            commands::topic_names()
                        ),
                        "help activate",
                    )
                    .into())
                }
            },
            Command::Instances => {
                let text = self.instances_text();
                turn.reply(text).await?;
            }
            Command::Tickets(which) => tickets::flow::list(turn, which).await?,
            Command::Ticket(id) => tickets::flow::show(turn, &id).await?,
            Command::Approve(Target::Ticket(id)) => {
                tickets::flow::decide(turn, &id, Decision::Approve, None).await?
            }
            Command::Reject(Target::Ticket(id), reason) => {
                tickets::flow::decide(turn, &id, Decision::Reject, reason.as_deref()).await?
            }
            Command::Approve(Target::Job(n)) => {
                jobs::flow::decide_by_jobs(turn, &[n], Decision::Approve, None).await?
            }
            Command::Approve(Target::Jobs(ns)) => {
                jobs::flow::decide_by_jobs(turn, &ns, Decision::Approve, None).await?
            }
            Command::Reject(Target::Job(n), reason) => {
                jobs::flow::decide_by_jobs(turn, &[n], Decision::Reject, reason.as_deref()).await?
            }
            Command::Reject(Target::Jobs(ns), reason) => {
                jobs::flow::decide_by_jobs(turn, &ns, Decision::Reject, reason.as_deref()).await?
            }
            Command::Done(id) => tickets::flow::mark_done(turn, &id).await?,
            Command::Cancel(Some(Target::Ticket(id))) => tickets::flow::cancel(turn, &id).await?,
            Command::Cancel(Some(Target::Job(n))) => jobs::flow::cancel(turn, n).await?,
            Command::Cancel(Some(Target::Jobs(ns))) => {
                for n in ns {
                    jobs::flow::cancel(turn, n).await?;
                }
            }
            Command::Cancel(None) => match tickets::flow::open_conversation(turn).await? {
                Some(conv) => tickets::flow::answer(turn, conv, "cancel").await?,
                None => {
                    return Err(UserError::new(
                        "There is no request in progress here to cancel. To withdraw a ticket or stop a job, name it.",
                        "cancel FW-12",
                    )
                    .into())
                }
            },
            Command::Jobs => jobs::flow::list(turn).await?,
            Command::Job(n) => jobs::flow::show(turn, n).await?,
            Command::Retry(n) => jobs::retry::retry(turn, n).await?,
            Command::Status(sel) => {
                let config = &self.services.config;
                if !self.may_check_status(turn.ev) {
                    return Err(UserError::plain(format!(
                        "{}: only {} may check the activation status of instances (`[status] allowed` in the config).",
                        mention(&turn.ev.user),
                        crate::status::allowed_text(config)
                    ))
                    .into());
                }
                let instances = crate::status::select(config, &sel)?;
                self.status_request(turn, instances).await?;
            }
        }
        Ok(())
    }

    /// A warning when the text contains a product key that is not a public GVLK: such keys are
    /// never echoed, stored or logged.
    fn product_key_warning(&self, text: &str) -> Option<String> {
        let private = crate::product_key::find(text)
            .iter()
            .any(|(_, k)| !self.public_keys.contains(k.as_str()));
        private.then(|| {
            "That message contains what looks like a product key. I did not store or repeat it, and I never take keys in chat: \
             an operator puts it in a secret reference instead (`[kms] host_key = \"env:KMS_HOST_KEY\"` for a KMS host key, \
             or `product_key = \"file:/etc/kmsbot/web-01.key\"` on the instance for online activation). \
             Consider the key exposed: delete your message if you can."
                .to_string()
        })
    }

    async fn save_context(
        &self,
        turn: &mut Turn<'_>,
        ctx: &StoredContext,
        stored_json: Option<&str>,
    ) -> Result<(), AppError> {
        let key = context_key(turn.ev);
        Ok(contexts::save_if_changed(turn.tx(), key, ctx, stored_json).await?)
    }

    async fn accepted_offer(
        &self,
        turn: &mut Turn<'_>,
        text: &str,
        place: &mut contexts::Place,
    ) -> Result<Option<tickets::request::Draft>, AppError> {
        if !is_yes(text) {
            return Ok(None);
        }
        let stored = place.stored_json.take();
        let ctx = &mut place.context;
        let Some(offer) = ctx.offer.take() else {
            if ctx.abstained {
                ctx.abstained = false;
                self.save_context(turn, ctx, stored.as_deref()).await?;
                return Err(UserError::new(
                    "Happy to. Tell me what support should open, in one sentence: a firewall rule (protocol, port, from, to) or internet access for an instance.",
                    "open tcp 1688 from web-01 to 10.0.0.5",
                )
                .into());
            }
            // Unchanged: what is stored still holds.
            place.stored_json = stored;
            return Ok(None);
        };
        self.save_context(turn, ctx, stored.as_deref()).await?;
        Ok(Some(offer))
    }

    async fn answer_question(
        &self,
        turn: &mut Turn<'_>,
        text: &str,
        place: contexts::Place,
        early: Option<EarlyAnswer>,
    ) -> Result<(), AppError> {
        // The early answer holds when the context it read is the one this turn reads.
        let answer = match early {
            Some(e) if e.stored_json == place.stored_json => e.answer,
            _ => self.answer_for(text, &place.context),
        };
        let (reply, stored) = self.compose_reply(text, place.context, &answer);
        turn.reply(reply).await?;
        // The context is the turn's last write: it goes with the COMMIT.
        contexts::save_at_commit(turn, &stored, place.stored_json.as_deref()).await?;
        Ok(())
    }

    /// The reply to a question and the context to keep after it, from the knowledge base's
    /// answer: an offer to file a request, the configured KMS host in the commands.
    fn compose_reply(
        &self,
        text: &str,
        mut stored: StoredContext,
        answer: &knowledge::Answer,
    ) -> (String, StoredContext) {
        let mut reply = answer.text.clone();
        stored.offer = None;
        if let Some(offer) = answer.offer {
            let draft = self.offer_draft(offer, text, answer.context.as_ref());
            reply.push_str(&format!(
                "\n\n👉 Want me to ask support for it? Reply `file it` and I'll start {} for you{}.",
                match offer {
                    // `offer_draft` always sets the port.
                    knowledge::RequestOffer::KmsFirewall => format!(
                        "a firewall request for tcp/{} to your KMS host",
                        draft.ports.as_ref().map(ToString::to_string).unwrap_or_default()
                    ),
                    knowledge::RequestOffer::InternetAccess => {
                        "an internet-access request".to_string()
                    }
                },
                if draft.destination.is_some() || !draft.instances.is_empty() {
                    " with what you told me already filled in"
                } else {
                    ""
                }
            ));
            stored.offer = Some(draft);
        }
        if answer.context.is_some() {
            stored.kb = answer.context.clone();
        }
        stored.abstained = answer.abstained;
        if let Some(host) = &self.services.config.kms.host {
            // Show the commands with the tenant's own KMS host filled in.
            reply = reply
                .replace("<KMS_host_ip>", host)
                .replace("<KMS_server_ip_address>", host)
                .replace("<kms_host>", host);
        }
        (reply, stored)
    }

    /// Writes a plain answer's whole turn through the group commit (see `answer_commit`) and
    /// queues its reply: `true` when done, `false` when the ordinary turn must run (the event is
    /// a duplicate, the place changed since it was read, or the write failed; the turn then
    /// meets the same problem and reports it).
    async fn commit_early(&self, ev: &Incoming, early: &EarlyAnswer) -> bool {
        let Some((write, prepared)) = self.prepare_early(ev, early) else {
            return false;
        };
        let written = self.answers.commit(write).await;
        self.finish_early(ev, prepared, written)
    }

    /// The writes of an early answer's turn, ready for the group commit, and what is kept for
    /// after it (`None` when the message is no plain answer or its context cannot be
    /// serialized).
    fn prepare_early(
        &self,
        ev: &Incoming,
        early: &EarlyAnswer,
    ) -> Option<(crate::answer_commit::PreparedAnswer, PreparedEarly)> {
        let IncomingKind::Message { text, .. } = &ev.kind else {
            return None;
        };
        let text = text.trim();
        let (reply, stored) = self.compose_reply(text, early.context.clone(), &early.answer);
        let new_context = contexts::changed_json(&stored, early.stored_json.as_deref()).ok()?;
        let now_stored = new_context.clone().or_else(|| early.stored_json.clone());
        let message: adapters::Message = reply.into();
        let write = crate::answer_commit::PreparedAnswer {
            platform: ev.platform.as_str().to_string(),
            event_id: ev.event_id.clone(),
            channel: ev.channel.clone(),
            thread: ev.thread.clone(),
            user: ev.user.clone(),
            read_context: early.stored_json.clone(),
            pending: crate::outbox::pending_for(ev.platform, &message, &[]),
            new_context,
        };
        Some((
            write,
            PreparedEarly {
                now_stored,
                stored,
                message,
            },
        ))
    }

    /// After the group commit of an early answer: when it was written, remembers the place's
    /// new context and queues the reply (`true`); otherwise `false` (the ordinary turn runs).
    fn finish_early(
        &self,
        ev: &Incoming,
        prepared: PreparedEarly,
        written: Result<Option<i64>, crate::store::StoreError>,
    ) -> bool {
        match written {
            Ok(Some(local_id)) => {
                // `stored` is what `now_stored` holds (serialized as is, or unchanged).
                self.places
                    .put(context_key(ev), prepared.now_stored, prepared.stored);
                self.outbox.enqueue(
                    ev.platform,
                    vec![crate::outbox::Delivery::Post {
                        local_id,
                        channel: ev.channel.clone(),
                        thread: ev.thread.clone(),
                        message: prepared.message,
                        buttons: Vec::new(),
                    }],
                );
                true
            }
            Ok(None) => false,
            Err(e) => {
                tracing::debug!(error = %e, event_id = %ev.event_id, "group commit failed; the turn runs");
                false
            }
        }
    }

    /// Handles events that arrived one after another, in order, with the effect of
    /// [`App::handle`] on each in turn (a piped console script). Plain answers in a row from one
    /// speaker in one place are worked out one after another, each in the context the one
    /// before it leaves, and written together by the group commit: the store is paid once per
    /// run of answers rather than once a message. Anything else, or an answer whose write
    /// finds the place changed, takes [`App::handle`].
    pub async fn handle_run(&self, evs: &[Incoming]) {
        let mut i = 0;
        while i < evs.len() {
            let started = std::time::Instant::now();
            let key = context_key(&evs[i]);
            let mut queued = Vec::new();
            while let Some(ev) = evs.get(i + queued.len()) {
                if queued.len() == crate::answer_commit::ANSWERS_MAX || context_key(ev) != key {
                    break;
                }
                let Some(early) = self.early_answer(ev).await else {
                    break;
                };
                let Some((write, prepared)) = self.prepare_early(ev, &early) else {
                    break;
                };
                // The next answer of the run reads the context this one leaves, as it will be
                // stored (forgotten below if it is not).
                self.places
                    .put(key, prepared.now_stored.clone(), prepared.stored.clone());
                match self.answers.submit(write).await {
                    Ok(submitted) => queued.push((prepared, submitted)),
                    Err(e) => {
                        tracing::debug!(error = %e, "group commit closed; the turn runs");
                        self.places.forget(key);
                        break;
                    }
                }
            }
            if queued.is_empty() {
                let _ = self.handle(&evs[i]).await;
                i += 1;
                continue;
            }
            // Answers are written in the order they were queued and each only if the context
            // it read is still there: once one is not written, the ones after it that read
            // its context are not either, and each takes its ordinary turn in order.
            for (prepared, submitted) in queued {
                let ev = &evs[i];
                i += 1;
                let written = submitted.written().await;
                if self.finish_early(ev, prepared, written) {
                    self.services
                        .metrics
                        .event(ev.platform.as_str(), "done", started.elapsed());
                } else {
                    self.places.forget(key);
                    let _ = self.handle(ev).await;
                }
            }
        }
    }

    /// The request an answer offers to file, filled from the question and from the KMS host and
    /// port the answer understood (`named`: the question's or the thread's), else the
    /// configured ones.
    fn offer_draft(
        &self,
        offer: knowledge::RequestOffer,
        text: &str,
        named: Option<&knowledge::Context>,
    ) -> tickets::request::Draft {
        use tickets::request::{Endpoint, PortRange, Ports, Protocol, RequestKind};
        let known: Vec<String> = self
            .services
            .config
            .instances
            .iter()
            .map(|i| i.name.clone())
            .collect();
        let mut draft = tickets::request::parse(text, &known);
        draft.problems.clear();
        draft.doubts.clear();
        if draft.instances.is_empty() {
            // Instances the user named anywhere in the question ("web-01 gets 0xC004F074").
            draft.instances = text
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .filter_map(|w| known.iter().find(|k| k.eq_ignore_ascii_case(w)).cloned())
                .fold(Vec::new(), |mut v, k| {
                    if !v.contains(&k) {
                        v.push(k);
                    }
                    v
                });
        }
        match offer {
            knowledge::RequestOffer::KmsFirewall => {
                draft.kind = Some(RequestKind::Firewall);
                draft.protocol = Some(Protocol::Tcp);
                // The port the user named for their KMS host ("kms7 on port 1690", "our kms
                // is kms7 on 1700"), else the configured one.
                if draft.ports.as_ref().is_none_or(|p| p.0.len() != 1) {
                    let port = named
                        .and_then(|c| c.port)
                        .unwrap_or(self.services.config.kms.port);
                    draft.ports = Some(Ports(vec![PortRange::single(port)]));
                }
                let port = draft
                    .ports
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                if draft.source.is_none() {
                    if let [one] = draft.instances.as_slice() {
                        draft.source = Some(Endpoint::Instance(one.clone()));
                    }
                }
                if draft.destination.is_none() {
                    if let Some(host) = named.and_then(|c| c.host.as_ref()).or(self
                        .services
                        .config
                        .kms
                        .host
                        .as_ref())
                    {
                        draft.destination = Some(tickets::request::Endpoint::for_host(host));
                    }
                }
                draft
                    .reason
                    .get_or_insert_with(|| format!("KMS activation (tcp/{port} to the KMS host)"));
            }
            knowledge::RequestOffer::InternetAccess => {
                draft = tickets::request::Draft {
                    kind: Some(RequestKind::InternetAccess),
                    instances: draft.instances,
                    reason: Some("online activation of Windows".into()),
                    ..Default::default()
                };
            }
        }
        draft
    }

    /// Returns when the job worker of this process has nothing queued, interrupted or running
    /// (at once when no worker runs here), and every chat delivery was sent.
    pub async fn wait_for_jobs(&self) {
        loop {
            if !self.control.worker_running() {
                break;
            }
            let ended = self.control.job_ended();
            tokio::pin!(ended);
            ended.as_mut().enable();
            let pending = jobs::store::unfinished_count(self.services.store.pool())
                .await
                .unwrap_or(0);
            if pending == 0 && self.control.active() == 0 {
                break;
            }
            // Woken when a job ends; the timeout covers jobs queued by another process.
            tokio::select! {
                _ = &mut ended => {}
                _ = tokio::time::sleep(std::time::Duration::from_millis(100)) => {}
            }
        }
        self.outbox.flush().await;
    }

    /// The `instances` reply.
    pub fn instances_text(&self) -> String {
        if self.services.config.instances.is_empty() {
            return "No instances are configured. An operator adds them as `[[instances]]` in kmsbot.toml (name, edition, transport, address).".into();
        }
        let mut s = String::from("Instances I may act on:\n");
        for i in &self.services.config.instances {
            s.push_str(&format!(
                "• `{}`: {} ({})\n",
                i.name,
                i.edition,
                match i.transport {
                    crate::config::Transport::Ssh => "ssh",
                    crate::config::Transport::Winrm => "winrm",
                    crate::config::Transport::DryRun => "dry-run",
                }
            ));
        }
        s.trim_end().to_string()
    }
}

/// A question's answer worked out before its turn began, and the stored context it used (the
/// turn uses it only when it reads the same context; answers are a function of the question,
/// the context and the configuration).
/// An early answer's reply and the context it leaves, kept from [`App::prepare_early`] for
/// [`App::finish_early`] while its writes go to the group commit.
struct PreparedEarly {
    /// The place's context JSON once written.
    now_stored: Option<String>,
    stored: StoredContext,
    message: adapters::Message,
}

struct EarlyAnswer {
    stored_json: Option<String>,
    /// The context as read.
    context: StoredContext,
    answer: knowledge::Answer,
}

/// A yes to an offer to file a request ("file it", "yes please", …).
fn is_yes(text: &str) -> bool {
    const YES: &[&str] = &[
        "file it",
        "yes",
        "yes please",
        "yes, file it",
        "please do",
        "do it",
        "file the request",
        "file a request",
        "file request",
        "file the ticket",
        "ok, file it",
        "ok file it",
        "sure",
        "yes file it",
        "please file it",
    ];
    let lower = text
        .trim()
        .trim_end_matches(['.', '!'])
        .to_ascii_lowercase();
    YES.contains(&lower.as_str())
}

fn context_key(ev: &Incoming) -> ContextKey<'_> {
    ContextKey {
        platform: ev.platform.as_str(),
        channel: &ev.channel,
        thread: ev.thread.as_deref().unwrap_or_default(),
        user: &ev.user,
    }
}

#[async_trait]
impl EventSink for App {
    async fn deliver(&self, incoming: Incoming) {
        if let Err(e) = self.handle(&incoming).await {
            tracing::error!(error = %e, event_id = %incoming.event_id, "event not handled");
        }
    }
}

/// What a user sees after an internal error: a short apology with the log's reference.
pub fn apology(reference: &str) -> String {
    format!(
        "Sorry, something went wrong on my side (reference {reference}). Nothing was changed; please try again, or give this reference to your operator."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use adapters::{ChatError, Outgoing, Platform};
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
            roles: Vec::new(),
            kind: IncomingKind::Message {
                text: text.into(),
                message_ref: format!("u-{event_id}"),
                direct: false,
            },
        }
    }

    /// A bot on a fresh database in `dir`, with the default configuration and a recording chat.
    async fn recorded_app(dir: &tempfile::TempDir) -> (Store, App, Arc<Recorder>) {
        let store = Store::open(&dir.path().join("db")).await.unwrap();
        recorded_app_on(&store).await
    }

    /// A bot with its own caches on `store` (as a second process, or after a restart).
    async fn recorded_app_on(store: &Store) -> (Store, App, Arc<Recorder>) {
        let store = store.clone();
        let app = App::new(
            store.clone(),
            Arc::new(Config::default()),
            Arc::new(knowledge::KnowledgeBase::builtin().unwrap()),
        );
        let rec = Arc::new(Recorder(Mutex::new(Vec::new())));
        app.register_chat(rec.clone());
        (store, app, rec)
    }

    #[tokio::test]
    async fn the_same_event_twice_has_one_effect() {
        let dir = tempfile::tempdir().unwrap();
        let (store, app, rec) = recorded_app(&dir).await;
        let ev = message("ev-1", "help");
        assert_eq!(app.handle(&ev).await.unwrap(), Handled::Done);
        assert_eq!(app.handle(&ev).await.unwrap(), Handled::Duplicate);
        app.flush().await;
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
        app.flush().await;
        assert_eq!(rec.0.lock().unwrap().len(), 2);
    }

    /// A question that starts its own thread is answered without reading its place (nothing
    /// can be stored there before it). Delivered again to a process that has not seen it (a
    /// restart, a second process), its answer finds the place changed and the turn finds the
    /// event handled: still one reply, and the context stored once.
    #[tokio::test]
    async fn a_new_thread_question_delivered_twice_has_one_effect() {
        let dir = tempfile::tempdir().unwrap();
        let (store, app, rec) = recorded_app(&dir).await;
        let mut ev = message("ev-1", "key for server 2019 datacenter");
        ev.thread = Some("u-ev-1".into());
        assert!(ev.starts_thread());
        assert_eq!(app.handle(&ev).await.unwrap(), Handled::Done);
        app.flush().await;
        let (_, again, rec_again) = recorded_app_on(&store).await;
        assert_eq!(again.handle(&ev).await.unwrap(), Handled::Duplicate);
        again.flush().await;
        assert_eq!(rec.0.lock().unwrap().len(), 1);
        assert!(rec_again.0.lock().unwrap().is_empty());
        let replies: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(replies, 1, "one reply");
        let contexts: i64 = sqlx::query_scalar("SELECT count(*) FROM answer_contexts")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(contexts, 1);
    }

    /// A plain answer worked out from a context that changed before the group commit writes
    /// nothing there; the ordinary turn then answers from the context as it is now.
    #[tokio::test]
    async fn a_plain_answer_from_a_stale_context_falls_back_to_the_turn() {
        let dir = tempfile::tempdir().unwrap();
        let (store, app, rec) = recorded_app(&dir).await;
        let first = message("ev-1", "key for server 2019 datacenter");
        assert_eq!(app.handle(&first).await.unwrap(), Handled::Done);
        // Worked out as a reader saw the place before ev-1 was written: no context yet.
        let text = "and for standard?";
        let ev = message("ev-2", text);
        let stale = EarlyAnswer {
            stored_json: None,
            context: StoredContext::default(),
            answer: app.answer_for(text, &StoredContext::default()),
        };
        assert!(
            !app.commit_early(&ev, &stale).await,
            "a stale answer is not written"
        );
        let seen: i64 =
            sqlx::query_scalar("SELECT count(*) FROM processed_events WHERE event_id = 'ev-2'")
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert_eq!(seen, 0, "nothing of the stale answer is kept");
        assert_eq!(app.handle(&ev).await.unwrap(), Handled::Done);
        app.flush().await;
        let sent = rec.0.lock().unwrap();
        assert_eq!(sent.len(), 2);
        // The follow-up is read in ev-1's context: Windows Server 2019 Standard's key.
        let reply = format!("{:?}", sent[1]);
        assert!(reply.contains("N69G4-B89J2-4G8F4-WWYCC-J464C"), "{reply}");
    }

    /// The place cache is only a head start: a context another process wrote since this one
    /// last saw the place is found by the group commit, and the answer comes from it.
    /// The texts a recorder was sent, in order.
    fn sent_texts(rec: &Recorder) -> Vec<String> {
        rec.0
            .lock()
            .unwrap()
            .iter()
            .map(|o| format!("{o:?}"))
            .collect()
    }

    /// A run of messages handled together (a piped script) replies and stores exactly what
    /// handling them one after another does: follow-ups read the context the message before
    /// them left, and a command or a yes in the middle takes its ordinary turn in order.
    #[tokio::test]
    async fn a_run_is_handled_as_its_messages_one_after_another() {
        let texts = [
            "key for server 2019 datacenter",
            "and for standard?",
            "help",
            "what port does kms use",
            "my vm can't reach the kms host 10.20.0.5",
            "file it",
            "what is 0xC004F074",
            "and for 2022?",
        ];
        let evs: Vec<Incoming> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| message(&format!("ev-{i}"), t))
            .collect();
        let one_by_one = tempfile::tempdir().unwrap();
        let (store_a, app_a, rec_a) = recorded_app(&one_by_one).await;
        for ev in &evs {
            app_a.handle(ev).await.unwrap();
        }
        app_a.flush().await;
        let together = tempfile::tempdir().unwrap();
        let (store_b, app_b, rec_b) = recorded_app(&together).await;
        app_b.handle_run(&evs).await;
        app_b.flush().await;
        let (a, b) = (sent_texts(&rec_a), sent_texts(&rec_b));
        assert_eq!(a.len(), texts.len(), "{a:#?}");
        assert_eq!(a, b);
        for store in [&store_a, &store_b] {
            let handled: i64 = sqlx::query_scalar("SELECT count(*) FROM processed_events")
                .fetch_one(store.pool())
                .await
                .unwrap();
            assert_eq!(handled, texts.len() as i64);
        }
        let rows = |store: &Store| {
            let pool = store.pool().clone();
            async move {
                sqlx::query_as::<_, (i64, String, Option<String>)>(
                    "SELECT id, author, platform_ref FROM messages ORDER BY id",
                )
                .fetch_all(&pool)
                .await
                .unwrap()
            }
        };
        assert_eq!(rows(&store_a).await, rows(&store_b).await);
        let contexts = |store: &Store| {
            let pool = store.pool().clone();
            async move {
                sqlx::query_as::<_, (String, String)>(
                    "SELECT user_id, context FROM answer_contexts",
                )
                .fetch_all(&pool)
                .await
                .unwrap()
            }
        };
        assert_eq!(contexts(&store_a).await, contexts(&store_b).await);
    }

    /// In a run, a message already handled has no effect and the next one is still answered
    /// in the context the first left.
    #[tokio::test]
    async fn a_run_skips_a_handled_event_and_answers_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let (_store, app, rec) = recorded_app(&dir).await;
        let first = message("ev-1", "key for server 2019 datacenter");
        assert_eq!(app.handle(&first).await.unwrap(), Handled::Done);
        app.handle_run(&[first, message("ev-2", "and for standard?")])
            .await;
        app.flush().await;
        let sent = sent_texts(&rec);
        assert_eq!(sent.len(), 2, "{sent:#?}");
        // Windows Server 2019 Standard's key.
        assert!(
            sent[1].contains("N69G4-B89J2-4G8F4-WWYCC-J464C"),
            "{}",
            sent[1]
        );
    }

    /// A run worked out from a context another process has changed meanwhile writes none of
    /// those answers: each message takes its ordinary turn, in order, from the context stored.
    #[tokio::test]
    async fn a_run_from_a_stale_context_is_answered_again_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let (store, app, rec) = recorded_app(&dir).await;
        let first = message("ev-1", "key for server 2019 datacenter");
        assert_eq!(app.handle(&first).await.unwrap(), Handled::Done);
        let other = App::new(
            store.clone(),
            Arc::new(Config::default()),
            Arc::new(knowledge::KnowledgeBase::builtin().unwrap()),
        );
        other.register_chat(Arc::new(Recorder(Mutex::new(Vec::new()))));
        let changed = message("ev-2", "key for server 2016 standard");
        assert_eq!(other.handle(&changed).await.unwrap(), Handled::Done);
        other.flush().await;
        app.handle_run(&[
            message("ev-3", "and for datacenter?"),
            message("ev-4", "and for 2022?"),
        ])
        .await;
        app.flush().await;
        let sent = sent_texts(&rec);
        assert_eq!(sent.len(), 3, "{sent:#?}");
        // Windows Server 2016 Datacenter, then Windows Server 2022 Datacenter.
        assert!(
            sent[1].contains("CB7KF-BWN84-R7R2Y-793K2-8XDDG"),
            "{}",
            sent[1]
        );
        assert!(
            sent[2].contains("WX4NM-KYWYW-QJJR4-XV3QB-6VM33"),
            "{}",
            sent[2]
        );
    }

    #[tokio::test]
    async fn a_context_another_process_changed_is_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let (store, app, rec) = recorded_app(&dir).await;
        assert_eq!(
            app.handle(&message("ev-1", "key for server 2019 datacenter"))
                .await
                .unwrap(),
            Handled::Done
        );
        // Another process on the same database answers the same user at the same place.
        let other = App::new(
            store.clone(),
            Arc::new(Config::default()),
            Arc::new(knowledge::KnowledgeBase::builtin().unwrap()),
        );
        other.register_chat(Arc::new(Recorder(Mutex::new(Vec::new()))));
        assert_eq!(
            other
                .handle(&message("ev-2", "key for server 2016 datacenter"))
                .await
                .unwrap(),
            Handled::Done
        );
        other.flush().await;
        assert_eq!(
            app.handle(&message("ev-3", "and for standard?"))
                .await
                .unwrap(),
            Handled::Done
        );
        // Read through this process's cache again: the context it holds is the one stored.
        assert_eq!(
            app.handle(&message("ev-4", "and for datacenter?"))
                .await
                .unwrap(),
            Handled::Done
        );
        app.flush().await;
        let sent = rec.0.lock().unwrap();
        assert_eq!(sent.len(), 3);
        let standard = format!("{:?}", sent[1]);
        // Windows Server 2016 Standard's key, not 2019's.
        assert!(
            standard.contains("WC2BQ-8NRM3-FDDYY-2BFGV-KHKQY"),
            "{standard}"
        );
        assert!(
            !standard.contains("N69G4-B89J2-4G8F4-WWYCC-J464C"),
            "{standard}"
        );
        let datacenter = format!("{:?}", sent[2]);
        assert!(
            datacenter.contains("CB7KF-BWN84-R7R2Y-793K2-8XDDG"),
            "{datacenter}"
        );
    }

    #[tokio::test]
    async fn unknown_help_topic_is_a_specific_user_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).await.unwrap();
        let app = App::new(
            store,
            Arc::new(Config::default()),
            Arc::new(knowledge::KnowledgeBase::builtin().unwrap()),
        );
        let rec = Arc::new(Recorder(Mutex::new(Vec::new())));
        app.register_chat(rec.clone());
        app.handle(&message("e", "help frobnicate")).await.unwrap();
        app.flush().await;
        let out = rec.0.lock().unwrap();
        let Outgoing::Post { message, .. } = &out[0] else {
            panic!()
        };
        let text = message.to_markdown();
        assert!(text.contains("no help on `frobnicate`"), "{text}");
        assert!(text.contains("For example: `help activate`"), "{text}");
    }

    #[tokio::test]
    async fn after_a_full_disk_later_turns_still_get_replies() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).await.unwrap();
        let app = App::new(
            store.clone(),
            Arc::new(Config::default()),
            Arc::new(knowledge::KnowledgeBase::builtin().unwrap()),
        );
        let rec = Arc::new(Recorder(Mutex::new(Vec::new())));
        app.register_chat(rec.clone());
        assert_eq!(
            app.handle(&message("ev-1", "help")).await.unwrap(),
            Handled::Done
        );
        // A write fails on a full disk and SQLite rolls its transaction back itself.
        crate::store::tests::fill_disk(&store).await;
        // Space is back: the next turns are handled and answered, without a restart.
        for id in ["ev-2", "ev-3"] {
            assert_eq!(
                app.handle(&message(id, "help")).await.unwrap(),
                Handled::Done
            );
        }
        app.flush().await;
        assert_eq!(rec.0.lock().unwrap().len(), 3, "every turn got its reply");
        store.check_write().await.unwrap();
    }

    fn from(user: &str, event_id: &str, text: &str) -> Incoming {
        let mut ev = message(event_id, text);
        ev.user = format!("console:{user}");
        ev
    }

    #[tokio::test]
    async fn cancelling_an_interrupted_job_still_restores_the_time_source() {
        use crate::config::{InstanceConfig, Transport};
        use crate::states::{JobStatus, StepStatus};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).await.unwrap();
        let mut cfg = Config::default();
        cfg.approvals.approvers = vec!["console:bob".into()];
        cfg.instances = vec![InstanceConfig {
            name: "web-01".into(),
            edition: "Windows Server 2019 Datacenter".into(),
            tags: Vec::new(),
            transport: Transport::DryRun,
            address: None,
            port: 22,
            user: "Administrator".into(),
            key_file: None,
            known_hosts: None,
            product_key: None,
            password: None,
            auth: None,
            ca_file: None,
            tls_insecure: false,
        }];
        let app = App::new(
            store.clone(),
            Arc::new(cfg),
            Arc::new(knowledge::KnowledgeBase::builtin().unwrap()),
        );
        let rec = Arc::new(Recorder(Mutex::new(Vec::new())));
        app.register_chat(rec.clone());
        app.handle(&from(
            "alice",
            "e1",
            "activate web-01 using kms kms.corp.example",
        ))
        .await
        .unwrap();
        app.handle(&from("bob", "e2", "approve 1")).await.unwrap();
        // A process ran steps 1-4 (step 4 points the time source at the KMS host) and was
        // stopped: the job is checkpointed `interrupted`.
        let mut tx = store.begin().await.unwrap();
        sqlx::query("UPDATE job_steps SET status = 'succeeded' WHERE job_id = 1 AND seq <= 4")
            .execute(&mut *tx)
            .await
            .unwrap();
        jobs::store::set_status(&mut tx, 1, JobStatus::Interrupted)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        app.handle(&from("alice", "e3", "cancel 1")).await.unwrap();
        app.start_worker(Arc::new(crate::shells::ConfiguredShells::new(
            std::time::Duration::from_secs(5),
        )));
        app.wait_for_jobs().await;
        let job = jobs::store::get(store.pool(), 1).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Cancelled);
        let steps = jobs::store::steps(store.pool(), 1).await.unwrap();
        let status: Vec<StepStatus> = steps.iter().map(|s| s.status).collect();
        use StepStatus::*;
        assert_eq!(
            status,
            vec![Succeeded, Succeeded, Succeeded, Succeeded, Skipped, Skipped, Rehearsed, Skipped],
            "only the restore of the time source ran"
        );
        assert!(steps[6].command.contains("time.windows.com"));
        app.shutdown();
    }

    /// A Slack stand-in: `ts` values count per channel, as Slack's are unique only per channel.
    struct SlackLike(Mutex<(Vec<Outgoing>, std::collections::HashMap<String, u32>)>);

    #[async_trait]
    impl Chat for SlackLike {
        fn platform(&self) -> Platform {
            Platform::Slack
        }
        async fn send(&self, out: &Outgoing) -> Result<Option<String>, ChatError> {
            let mut st = self.0.lock().unwrap();
            st.0.push(out.clone());
            Ok(match out {
                Outgoing::Post { channel, .. } => {
                    let n = st.1.entry(channel.clone()).or_default();
                    *n += 1;
                    Some(format!("1700000000.{:06}", *n))
                }
                _ => None,
            })
        }
    }

    #[tokio::test]
    async fn a_slack_approval_is_found_by_channel_and_ts_not_ts_alone() {
        use crate::config::{InstanceConfig, Transport};
        use crate::states::JobStatus;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).await.unwrap();
        let mut cfg = Config::default();
        cfg.approvals.approvers = vec!["slack:UBOB".into()];
        cfg.instances = vec![InstanceConfig {
            name: "web-01".into(),
            edition: "Windows Server 2019 Datacenter".into(),
            tags: Vec::new(),
            transport: Transport::DryRun,
            address: None,
            port: 22,
            user: "Administrator".into(),
            key_file: None,
            known_hosts: None,
            product_key: None,
            password: None,
            auth: None,
            ca_file: None,
            tls_insecure: false,
        }];
        let app = App::new(
            store.clone(),
            Arc::new(cfg),
            Arc::new(knowledge::KnowledgeBase::builtin().unwrap()),
        );
        let chat = Arc::new(SlackLike(Mutex::new(Default::default())));
        app.register_chat(chat.clone());
        let slack = |user: &str, channel: &str, id: &str, kind: IncomingKind| Incoming {
            platform: Platform::Slack,
            event_id: id.into(),
            channel: channel.into(),
            thread: None,
            user: format!("slack:{user}"),
            user_name: None,
            roles: Vec::new(),
            kind,
        };
        let text = |t: &str, r: &str| IncomingKind::Message {
            text: t.into(),
            message_ref: r.into(),
            direct: false,
        };
        // The approval request is the first bot message in C1 (ts …0001)...
        app.handle(&slack(
            "UALICE",
            "C1",
            "e1",
            text("activate web-01 using kms kms.corp.example", "1.1"),
        ))
        .await
        .unwrap();
        // ...and a later answer is the first bot message in C2: the same ts.
        app.handle(&slack("UCAROL", "C2", "e2", text("help", "1.2")))
            .await
            .unwrap();
        app.flush().await;
        let reaction = IncomingKind::ReactionAdded {
            message_ref: "1700000000.000001".into(),
            emoji: "white_check_mark".into(),
        };
        assert_eq!(
            app.handle(&slack("UBOB", "C1", "e3", reaction))
                .await
                .unwrap(),
            Handled::Done
        );
        let job = jobs::store::get(store.pool(), 1).await.unwrap().unwrap();
        assert_eq!(
            job.status,
            JobStatus::Queued,
            "the reaction in C1 approved C1's request"
        );
    }

    #[tokio::test]
    async fn when_the_database_refuses_every_write_the_user_still_gets_the_apology() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).await.unwrap();
        let app = App::new(
            store.clone(),
            Arc::new(Config::default()),
            Arc::new(knowledge::KnowledgeBase::builtin().unwrap()),
        );
        let rec = Arc::new(Recorder(Mutex::new(Vec::new())));
        app.register_chat(rec.clone());
        // As a read-only database file would: every write of a turn and of a reply fails.
        let mut tx = store.begin().await.unwrap();
        for table in ["processed_events", "messages"] {
            sqlx::query(&format!(
                "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'attempt to write a readonly database'); END"
            ))
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        let err = app.handle(&message("e1", "help")).await.unwrap_err();
        let AppError::Internal(err) = err else {
            panic!("an internal error")
        };
        let reference = format!("{err}");
        assert!(reference.starts_with("reference E"), "{reference}");
        app.flush().await;
        let out = rec.0.lock().unwrap();
        assert_eq!(out.len(), 1, "{out:?}");
        let Outgoing::Post {
            message, local_id, ..
        } = &out[0]
        else {
            panic!("{out:?}")
        };
        let text = message.to_markdown();
        assert_eq!(*local_id, crate::outbox::UNRECORDED);
        assert!(text.starts_with("Sorry, something went wrong"), "{text}");
        assert!(
            text.contains(reference.trim_start_matches("reference ")),
            "{text}"
        );
    }

    #[tokio::test]
    async fn an_event_whose_turn_failed_is_left_unmarked_so_the_platforms_retry_is_handled() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).await.unwrap();
        let app = App::new(
            store.clone(),
            Arc::new(Config::default()),
            Arc::new(knowledge::KnowledgeBase::builtin().unwrap()),
        );
        let rec = Arc::new(Recorder(Mutex::new(Vec::new())));
        app.register_chat(rec.clone());
        // The turn's reply cannot be recorded: the turn fails and rolls back.
        sqlx::query(
            "CREATE TRIGGER refuse_messages BEFORE INSERT ON messages WHEN NEW.author = 'bot' \
             BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END",
        )
        .execute(store.pool())
        .await
        .unwrap();
        let err = app.handle(&message("e1", "help")).await.unwrap_err();
        assert!(matches!(err, AppError::Internal(_)), "{err:?}");
        sqlx::query("DROP TRIGGER refuse_messages")
            .execute(store.pool())
            .await
            .unwrap();
        // The platform delivers the same event again: it is handled, not a duplicate.
        assert_eq!(
            app.handle(&message("e1", "help")).await.unwrap(),
            Handled::Done
        );
        assert_eq!(
            app.handle(&message("e1", "help")).await.unwrap(),
            Handled::Duplicate
        );
        app.flush().await;
        let out = rec.0.lock().unwrap();
        let texts: Vec<String> = out
            .iter()
            .filter_map(|o| match o {
                Outgoing::Post { message, .. } => Some(message.to_markdown()),
                _ => None,
            })
            .collect();
        assert_eq!(texts.len(), 2, "the apology, then the answer: {texts:?}");
        assert!(
            texts[0].starts_with("Sorry, something went wrong"),
            "{texts:?}"
        );
        assert!(!texts[1].starts_with("Sorry"), "{texts:?}");
    }
}
