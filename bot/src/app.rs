//! The conversation engine: `App::handle` dedupes an event, routes it, stores its effects in one
//! transaction and then sends the replies through the platform's [`Chat`].

use crate::approvals::{self, Decision};
use crate::commands::{self, Command, Target};
use crate::config::Config;
use crate::errors::{AppError, UserError};
use crate::store::{Store, Tx};
use crate::{jobs, tickets};
use adapters::{Button, Chat, EventSink, Incoming, IncomingKind, Outgoing, Platform};
use async_trait::async_trait;
use knowledge::KnowledgeBase;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use tokio::sync::{watch, Notify};

/// The bot: shared by every adapter and the job worker.
pub struct App {
    /// The database.
    pub store: Store,
    /// The configuration.
    pub config: Arc<Config>,
    /// The knowledge base (articles, key and error tables).
    pub kb: Arc<KnowledgeBase>,
    /// Prometheus metrics.
    pub metrics: crate::metrics::Metrics,
    chats: RwLock<HashMap<Platform, Arc<dyn Chat>>>,
    jobs_notify: Notify,
    jobs_idle: Notify,
    jobs_active: AtomicUsize,
    delivered_refs: std::sync::Mutex<HashMap<i64, Placed>>,
    /// Microsoft's published GVLKs: the only product keys that may appear in chat.
    public_keys: std::collections::HashSet<String>,
    worker_running: AtomicBool,
    shutdown: watch::Sender<bool>,
}

/// Where a posted message lives: (channel, thread, platform reference).
type Placed = (String, Option<String>, String);

/// How a user is mentioned in a message: `<@U123>` on Slack and Discord, `@name` on the console.
pub fn mention(user: &str) -> String {
    match user.split_once(':') {
        Some(("slack" | "discord", id)) => format!("<@{id}>"),
        Some((_, name)) => format!("@{name}"),
        None => user.to_string(),
    }
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
    wake_jobs: bool,
}

impl<'a> Turn<'a> {
    /// Wakes the job worker once this turn commits (jobs were queued).
    pub fn wake_jobs(&mut self) {
        self.wake_jobs = true;
    }

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
    pub fn new(store: Store, config: Arc<Config>, kb: Arc<KnowledgeBase>) -> App {
        let public_keys = kb.gvlks().iter().map(|g| g.key.clone()).collect();
        App {
            store,
            config,
            kb,
            metrics: crate::metrics::Metrics::new(),
            chats: RwLock::new(HashMap::new()),
            jobs_notify: Notify::new(),
            jobs_idle: Notify::new(),
            jobs_active: AtomicUsize::new(0),
            delivered_refs: std::sync::Mutex::new(HashMap::new()),
            public_keys,
            worker_running: AtomicBool::new(false),
            shutdown: watch::channel(false).0,
        }
    }

    /// Starts the job worker on this runtime with the given shells.
    pub fn start_worker(
        self: &Arc<Self>,
        shells: Arc<dyn crate::jobs::worker::ShellFactory>,
    ) -> tokio::task::JoinHandle<()> {
        self.worker_running.store(true, Ordering::SeqCst);
        let app = self.clone();
        tokio::spawn(async move {
            crate::jobs::worker::run(app.clone(), shells).await;
            app.worker_running.store(false, Ordering::SeqCst);
        })
    }

    /// A receiver that turns true when the process is shutting down.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Asks the worker and adapters to stop taking work.
    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
        self.jobs_notify.notify_waiters();
    }

    /// Resolves when jobs were queued (or after a spurious wake-up).
    pub async fn jobs_wakeup(&self) {
        self.jobs_notify.notified().await;
    }

    pub(crate) fn job_started(&self) {
        self.jobs_active.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn job_finished(&self) {
        self.jobs_active.fetch_sub(1, Ordering::SeqCst);
        self.jobs_idle.notify_waiters();
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
        let started = std::time::Instant::now();
        let result = self.handle_inner(ev).await;
        let outcome = match &result {
            Ok(Handled::Done) => "done",
            Ok(Handled::Duplicate) => "duplicate",
            Ok(Handled::Ignored) => "ignored",
            Ok(Handled::Refused) | Err(AppError::User(_)) => "user_error",
            Err(AppError::Internal(_)) => "internal_error",
        };
        self.metrics
            .event(ev.platform.as_str(), outcome, started.elapsed());
        result
    }

    /// Opens the event's transaction and records its id; `None` when it was handled before.
    async fn begin_turn<'a>(&'a self, ev: &'a Incoming) -> Result<Option<Turn<'a>>, AppError> {
        let mut tx = self.store.begin().await?;
        if !Store::mark_processed(&mut tx, ev.platform.as_str(), &ev.event_id).await? {
            tx.rollback().await?;
            return Ok(None);
        }
        Ok(Some(Turn {
            app: self,
            ev,
            tx,
            pending: Vec::new(),
            wake_jobs: false,
        }))
    }

    /// Commits a turn, then sends its replies and wakes the worker if it queued jobs.
    async fn commit_turn(&self, turn: Turn<'_>) -> Result<(), AppError> {
        let Turn {
            ev,
            tx,
            pending,
            wake_jobs,
            ..
        } = turn;
        tx.commit().await?;
        self.deliver(ev.platform, pending).await;
        if wake_jobs {
            self.jobs_notify.notify_one();
        }
        Ok(())
    }

    async fn handle_inner(&self, ev: &Incoming) -> Result<Handled, AppError> {
        let Some(mut turn) = self.begin_turn(ev).await? else {
            tracing::debug!(event_id = %ev.event_id, "duplicate event ignored");
            return Ok(Handled::Duplicate);
        };
        match self.route(&mut turn).await {
            Ok(handled) => {
                self.commit_turn(turn).await?;
                Ok(handled)
            }
            Err(AppError::User(problem)) => {
                // Nothing the event tried to change is kept; the explanation is.
                turn.tx.rollback().await?;
                let Some(mut turn) = self.begin_turn(ev).await? else {
                    return Ok(Handled::Duplicate);
                };
                turn.reply(problem.to_string()).await?;
                self.commit_turn(turn).await?;
                Ok(Handled::Refused)
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

    /// A bot message with its platform reference, waiting briefly when the post that created it
    /// is still being delivered (a job can start editing its progress message right away).
    async fn delivered(&self, local_id: i64) -> anyhow::Result<Placed> {
        if let Some(hit) = self
            .delivered_refs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&local_id)
        {
            return Ok(hit.clone());
        }
        for _ in 0..250 {
            match self.store.message(local_id).await? {
                None => anyhow::bail!("unknown message {local_id}"),
                Some(m) => {
                    if let Some(r) = m.platform_ref {
                        let found = (m.channel, m.thread, r);
                        // A message's place never changes once posted; keep the cache small.
                        let mut cache = self
                            .delivered_refs
                            .lock()
                            .unwrap_or_else(|e| e.into_inner());
                        if cache.len() >= 10_000 {
                            cache.clear();
                        }
                        cache.insert(local_id, found.clone());
                        return Ok(found);
                    }
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        anyhow::bail!("message {local_id} was never delivered")
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
                let (channel, thread, message_ref) = self.delivered(local_id).await?;
                chat.send(&Outgoing::Edit {
                    local_id,
                    channel,
                    thread,
                    message_ref,
                    text,
                })
                .await?;
            }
            Pending::React { local_id, emoji } => {
                let (channel, thread, message_ref) = self.delivered(local_id).await?;
                chat.send(&Outgoing::React {
                    local_id,
                    channel,
                    thread,
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
            IncomingKind::ReactionAdded { message_ref, emoji } => {
                match approvals::decision_for_emoji(&self.config.approvals, emoji) {
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
                if approvals::decision_for_emoji(&self.config.approvals, emoji)
                    != Some(Decision::Approve)
                {
                    return Ok(Handled::Ignored);
                }
                let Some(req) = self.tracked_request(turn, message_ref).await? else {
                    return Ok(Handled::Ignored);
                };
                if req.subject == "jobs" {
                    jobs::flow::withdraw(turn, &req).await?;
                } else {
                    approvals::withdraw(&mut turn.tx, &req, &ev.user).await?;
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
        let Some(msg) =
            Store::bot_message_by_ref(&mut turn.tx, turn.ev.platform.as_str(), message_ref).await?
        else {
            return Ok(None);
        };
        Ok(approvals::by_message(&mut turn.tx, msg.id).await?)
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
        if let Some(ticket) = req.subject.strip_prefix("ticket:") {
            let ticket = ticket.to_string();
            match tickets::flow::decide(turn, &ticket, decision, None).await {
                // A reaction that cannot count is explained, not silently dropped.
                Err(AppError::User(e)) if from_reaction => {
                    turn.reply(e.to_string()).await?;
                }
                other => other?,
            }
        } else {
            jobs::flow::decide(turn, &req, decision, from_reaction).await?;
        }
        Ok(Handled::Done)
    }

    async fn on_message(&self, turn: &mut Turn<'_>, text: &str) -> Result<(), AppError> {
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
        if let Some(conv) = tickets::flow::open_conversation(turn).await? {
            return tickets::flow::answer(turn, conv, text).await;
        }
        if let Some(offer) = self.accepted_offer(turn, text).await? {
            return tickets::flow::start(turn, "", Some(offer)).await;
        }
        if tickets::request::detect(text).is_some() {
            return tickets::flow::start(turn, text, None).await;
        }
        self.answer_question(turn, text).await
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
                        format!("I have no command called `{word}`."),
                        "help",
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
                jobs::flow::decide_by_job(turn, n, Decision::Approve).await?
            }
            Command::Reject(Target::Job(n), _) => {
                jobs::flow::decide_by_job(turn, n, Decision::Reject).await?
            }
            Command::Done(id) => tickets::flow::mark_done(turn, &id).await?,
            Command::Cancel(Some(Target::Ticket(id))) => tickets::flow::cancel(turn, &id).await?,
            Command::Cancel(Some(Target::Job(n))) => jobs::flow::cancel(turn, n).await?,
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
        }
        Ok(())
    }

    /// A warning when the text contains a product key that is not a public GVLK: such keys are
    /// never echoed, stored or logged.
    fn product_key_warning(&self, text: &str) -> Option<String> {
        let private = find_product_keys(text)
            .into_iter()
            .any(|k| !self.public_keys.contains(&k));
        private.then(|| {
            "That message contains what looks like a product key. I did not store or repeat it, and I never take keys in chat: \
             an operator puts it in a secret reference instead (`[kms] host_key = \"env:KMSBOT_KMS_HOST_KEY\"` for a KMS host key, \
             or `product_key = \"file:/etc/kmsbot/web-01.key\"` on the instance for online activation). \
             Consider the key exposed: delete your message if you can."
                .to_string()
        })
    }

    async fn context_key(&self, turn: &Turn<'_>) -> (String, String, String, String) {
        let ev = turn.ev;
        (
            ev.platform.as_str().to_string(),
            ev.channel.clone(),
            ev.thread.clone().unwrap_or_default(),
            ev.user.clone(),
        )
    }

    async fn load_context(&self, turn: &mut Turn<'_>) -> Result<StoredContext, AppError> {
        let (p, c, t, u) = self.context_key(turn).await;
        let json: Option<String> = sqlx::query_scalar(
            "SELECT context FROM answer_contexts WHERE platform = ? AND channel = ? AND thread = ? AND user_id = ?",
        )
        .bind(p)
        .bind(c)
        .bind(t)
        .bind(u)
        .fetch_optional(&mut *turn.tx)
        .await?;
        Ok(json
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default())
    }

    async fn save_context(&self, turn: &mut Turn<'_>, ctx: &StoredContext) -> Result<(), AppError> {
        let (p, c, t, u) = self.context_key(turn).await;
        store_context(&mut turn.tx, &p, &c, &t, &u, ctx).await
    }

    async fn accepted_offer(
        &self,
        turn: &mut Turn<'_>,
        text: &str,
    ) -> Result<Option<tickets::request::Draft>, AppError> {
        let lower = text
            .trim()
            .trim_end_matches(['.', '!'])
            .to_ascii_lowercase();
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
        if !YES.contains(&lower.as_str()) {
            return Ok(None);
        }
        let mut ctx = self.load_context(turn).await?;
        let Some(offer) = ctx.offer.take() else {
            if ctx.abstained {
                ctx.abstained = false;
                self.save_context(turn, &ctx).await?;
                return Err(UserError::new(
                    "Happy to. Tell me what support should open, in one sentence: a firewall rule (protocol, port, from, to) or internet access for an instance.",
                    "open tcp 1688 from web-01 to 10.0.0.5",
                )
                .into());
            }
            return Ok(None);
        };
        self.save_context(turn, &ctx).await?;
        Ok(Some(offer))
    }

    async fn answer_question(&self, turn: &mut Turn<'_>, text: &str) -> Result<(), AppError> {
        let mut stored = self.load_context(turn).await?;
        let started = std::time::Instant::now();
        let answer = self.kb.answer(text, stored.kb.as_ref());
        self.metrics.answer(answer.abstained, started.elapsed());
        let mut reply = answer.text.clone();
        stored.offer = None;
        if let Some(offer) = answer.offer {
            let draft = self.offer_draft(offer, text);
            reply.push_str(&format!(
                "\n\n👉 Want me to ask support for it? Reply `file it` and I'll start {} for you{}.",
                match offer {
                    knowledge::RequestOffer::KmsFirewall => "a firewall request for tcp/1688 to your KMS host",
                    knowledge::RequestOffer::InternetAccess => "an internet-access request",
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
        if let Some(host) = &self.config.kms.host {
            // Show the commands with the tenant's own KMS host filled in.
            reply = reply
                .replace("<KMS_host_ip>", host)
                .replace("<KMS_server_ip_address>", host)
                .replace("<kms_host>", host);
        }
        self.save_context(turn, &stored).await?;
        turn.reply(reply).await?;
        Ok(())
    }

    fn offer_draft(&self, offer: knowledge::RequestOffer, text: &str) -> tickets::request::Draft {
        use tickets::request::{Endpoint, PortRange, Ports, Protocol, RequestKind};
        let known: Vec<String> = self
            .config
            .instances
            .iter()
            .map(|i| i.name.clone())
            .collect();
        let mut draft = tickets::request::parse(text, &known);
        draft.problems.clear();
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
                draft.ports = Some(Ports(vec![PortRange::single(self.config.kms.port)]));
                if draft.source.is_none() {
                    if let [one] = draft.instances.as_slice() {
                        draft.source = Some(Endpoint::Instance(one.clone()));
                    }
                }
                if draft.destination.is_none() {
                    if let Some(host) = &self.config.kms.host {
                        draft.destination = Some(endpoint_for_host(host));
                    }
                }
                draft
                    .reason
                    .get_or_insert_with(|| "KMS activation (tcp/1688 to the KMS host)".into());
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

    /// After a job failed with 0xC004F074: offers, in the job's thread, to file the firewall
    /// request for tcp/1688 from the instance to the KMS host.
    pub async fn offer_firewall_for_job(
        &self,
        platform: Platform,
        channel: &str,
        thread: Option<&str>,
        requester: &str,
        instance: &str,
        kms_host: &str,
    ) {
        use tickets::request::{
            Direction, Draft, Endpoint, PortRange, Ports, Protocol, RequestKind,
        };
        let draft = Draft {
            kind: Some(RequestKind::Firewall),
            protocol: Some(Protocol::Tcp),
            ports: Some(Ports(vec![PortRange::single(self.config.kms.port)])),
            source: Some(Endpoint::Instance(instance.to_string())),
            destination: Some(endpoint_for_host(kms_host)),
            direction: Some(Direction::Egress),
            reason: Some(format!(
                "KMS activation of {instance} (job failed with 0xC004F074)"
            )),
            ..Default::default()
        };
        let result: Result<(), AppError> = async {
            let mut tx = self.store.begin().await?;
            let mut ctx = StoredContext::default();
            let p = platform.as_str();
            let t = thread.unwrap_or_default();
            let existing: Option<String> = sqlx::query_scalar(
                "SELECT context FROM answer_contexts WHERE platform = ? AND channel = ? AND thread = ? AND user_id = ?",
            )
            .bind(p)
            .bind(channel)
            .bind(t)
            .bind(requester)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(j) = existing.and_then(|j| serde_json::from_str::<StoredContext>(&j).ok()) {
                ctx = j;
            }
            ctx.offer = Some(draft);
            store_context(&mut tx, p, channel, t, requester, &ctx).await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "cannot store the firewall offer");
            return;
        }
        self.say(
            platform,
            channel,
            thread,
            &format!(
                "{}: {instance} could not reach the KMS host {kms_host} on tcp/{}. Reply `file it` here and I'll file the firewall request (tcp/{} from {instance} to {kms_host}, outbound) for support.",
                mention(requester),
                self.config.kms.port,
                self.config.kms.port
            ),
        )
        .await;
    }

    /// Returns when the job worker of this process has nothing queued, interrupted or running
    /// (at once when no worker runs here).
    pub async fn wait_for_jobs(&self) {
        loop {
            if !self.worker_running.load(Ordering::SeqCst) {
                return;
            }
            let pending: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running', 'interrupted')",
            )
            .fetch_one(self.store.pool())
            .await
            .unwrap_or(0);
            if pending == 0 && self.jobs_active.load(Ordering::SeqCst) == 0 {
                return;
            }
            // Woken when a job ends; the timeout covers a wake-up that came before we waited.
            tokio::select! {
                _ = self.jobs_idle.notified() => {}
                _ = tokio::time::sleep(std::time::Duration::from_millis(100)) => {}
            }
        }
    }

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

/// What the bot remembers per thread and user between questions.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct StoredContext {
    /// The knowledge base's follow-up context.
    #[serde(default)]
    kb: Option<knowledge::Context>,
    /// A request the bot offered to file (accepted with `file it`).
    #[serde(default)]
    offer: Option<tickets::request::Draft>,
    /// The last answer was "I don't know" (which offers to file a request).
    #[serde(default)]
    abstained: bool,
}

async fn store_context(
    conn: &mut sqlx::SqliteConnection,
    platform: &str,
    channel: &str,
    thread: &str,
    user: &str,
    ctx: &StoredContext,
) -> Result<(), AppError> {
    let json = serde_json::to_string(ctx).map_err(anyhow::Error::from)?;
    sqlx::query(
        "INSERT INTO answer_contexts (platform, channel, thread, user_id, context) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (platform, channel, thread, user_id) DO UPDATE SET context = excluded.context, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
    )
    .bind(platform)
    .bind(channel)
    .bind(thread)
    .bind(user)
    .bind(json)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn endpoint_for_host(host: &str) -> tickets::request::Endpoint {
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => tickets::request::Endpoint::Network(ipnet::IpNet::from(ip)),
        Err(_) => tickets::request::Endpoint::Host(host.to_string()),
    }
}

/// Every product-key-shaped string (`XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`) in a text, upper-cased.
pub fn find_product_keys(text: &str) -> Vec<String> {
    static KEY: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\b[A-Z0-9]{5}(?:-[A-Z0-9]{5}){4}\b").expect("static regex")
    });
    KEY.find_iter(text)
        .map(|m| m.as_str().to_ascii_uppercase())
        .collect()
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
            roles: Vec::new(),
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
        let app = App::new(
            store.clone(),
            Arc::new(Config::default()),
            Arc::new(knowledge::KnowledgeBase::builtin().unwrap()),
        );
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
        let app = App::new(
            store,
            Arc::new(Config::default()),
            Arc::new(knowledge::KnowledgeBase::builtin().unwrap()),
        );
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
