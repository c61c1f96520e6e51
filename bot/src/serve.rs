//! `kmsbot serve`: the configured chat adapters, the job worker and the HTTP server
//! (`/healthz`, `/readyz`, `/metrics`, Slack's Events API), with a clean shutdown on SIGTERM/Ctrl-C.
//!
//! Slack payloads (Events API requests, Socket Mode envelopes) are stored in the [`Inbox`] before
//! they are acknowledged and handled from there; on SIGTERM the server stops taking requests,
//! the turns running finish, unsent posts stay recorded, and the next start handles what is
//! left (inbox rows first, oldest first) and sends the posts still pending.

use crate::app::App;
use crate::config::{Config, SlackMode};
use crate::inbox::{self, Inbox};
use crate::setup::load_knowledge;
use crate::shells::ConfiguredShells;
use crate::store::Store;
use adapters::discord::{self, DiscordChat, DiscordSecret, DiscordSettings};
use adapters::slack::{self, SlackChat, SlackSecret, SlackSettings};
use adapters::{EventSink, Intake, Platform, RawKind};
use anyhow::Context as _;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// What `/readyz` reports on.
#[derive(Default)]
struct Readiness {
    slack_configured: bool,
    slack_ready: AtomicBool,
    discord_configured: bool,
    discord_ready: AtomicBool,
}

#[derive(Clone)]
struct HttpState {
    app: Arc<App>,
    ready: Arc<Readiness>,
    inbox: Arc<Inbox>,
}

/// Deliveries the outbox may hold before the inbox's workers wait for it (a slow or unreachable
/// platform keeps the backlog in the `inbox` table, not in memory). Eight times the sends in
/// flight keeps every send slot busy; a larger backlog only holds more messages in memory (with
/// 2,000 the burst's peak RSS went over 60 MiB once answers were written faster than posted).
const OUTBOX_ROOM: usize = 8 * crate::outbox::SENDS_IN_FLIGHT;

/// Handles the inbox's Slack rows: decodes them and runs their turns.
struct SlackRows {
    chat: Arc<SlackChat>,
    app: Arc<App>,
    /// The server is stopping: a row still waiting for room stays for the next start.
    stop: CancellationToken,
}

#[async_trait::async_trait]
impl inbox::Handler for SlackRows {
    async fn handle(&self, platform: Platform, kind: RawKind, body: &str) -> inbox::Outcome {
        if platform != Platform::Slack {
            tracing::error!(%platform, "an inbox row of a platform without an inbox; dropped");
            return inbox::Outcome::Done;
        }
        tokio::select! {
            _ = self.app.outbox().room(OUTBOX_ROOM) => {}
            _ = self.stop.cancelled() => return inbox::Outcome::Deferred,
        }
        slack::handle_stored(
            self.chat.clone(),
            self.chat.clone(),
            self.app.clone() as Arc<dyn EventSink>,
            kind,
            body,
        )
        .await;
        inbox::Outcome::Done
    }
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(s): State<HttpState>) -> Response {
    // A real write, bounded: a database that reads but cannot commit (full disk, a held write
    // lock) is not ready.
    let store = s.app.store();
    let db = store.ping().await.is_ok()
        && tokio::time::timeout(Duration::from_secs(3), store.check_write())
            .await
            .is_ok_and(|r| r.is_ok());
    let state = |configured: bool, ready: &AtomicBool| {
        if !configured {
            (true, "not configured")
        } else if ready.load(Ordering::SeqCst) {
            (true, "ok")
        } else {
            (false, "connecting")
        }
    };
    let (slack, slack_text) = state(s.ready.slack_configured, &s.ready.slack_ready);
    let (discord, discord_text) = state(s.ready.discord_configured, &s.ready.discord_ready);
    let body = format!(
        "database: {}\nslack: {slack_text}\ndiscord: {discord_text}\n",
        if db {
            "ok"
        } else {
            "unavailable (cannot read or write)"
        },
    );
    let code = if db && slack && discord {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, body).into_response()
}

async fn metrics(State(s): State<HttpState>) -> Response {
    s.inbox.report(s.app.metrics()).await;
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        s.app.metrics().render(),
    )
        .into_response()
}

async fn slack_not_configured() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        "the Slack Events API is not configured (no signing secret); request refused\n",
    )
        .into_response()
}

fn slack_settings(c: &crate::config::SlackConfig) -> anyhow::Result<SlackSettings> {
    let secret =
        |s: &Option<crate::config::Secret>| s.as_ref().map(|v| SlackSecret::new(v.expose()));
    let bot = secret(&c.bot_token).context(
        "[slack] needs a bot token: set KMSBOT_SLACK_BOT_TOKEN=xoxb-… in the environment",
    )?;
    let mut settings = SlackSettings::new(bot);
    settings.api_url = c.api_url.clone();
    settings.app_token = secret(&c.app_token);
    settings.signing_secret = secret(&c.signing_secret);
    match c.mode {
        SlackMode::Socket => {
            settings.mode = slack::SlackMode::Socket;
            if settings.app_token.is_none() {
                anyhow::bail!("[slack] mode = \"socket\" needs an app-level token: set KMSBOT_SLACK_APP_TOKEN=xapp-… (scope connections:write)");
            }
        }
        SlackMode::Events => {
            settings.mode = slack::SlackMode::Events;
            if settings.signing_secret.is_none() {
                anyhow::bail!("[slack] mode = \"events\" needs the signing secret: set KMSBOT_SLACK_SIGNING_SECRET");
            }
        }
    }
    Ok(settings)
}

/// Threads the bot posted in, so replies there reach it after a restart without a mention.
async fn preload_threads(store: &Store, chat: &SlackChat) {
    let rows = store.bot_threads("slack", 5000).await;
    match rows {
        Ok(rows) => {
            for (c, t) in rows {
                chat.remember_thread(&c, &t);
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot preload Slack threads"),
    }
}

/// Retries `check` with backoff until it succeeds (then calls `ready`) or the server stops.
fn ready_when<C, F>(
    stop: CancellationToken,
    what: &'static str,
    check: C,
    ready: impl FnOnce() + Send + 'static,
) where
    C: Fn() -> F + Send + 'static,
    F: std::future::Future<Output = Result<(), adapters::ChatError>> + Send,
{
    tokio::spawn(async move {
        let mut delay = Duration::from_millis(200);
        loop {
            match check().await {
                Ok(()) => {
                    ready();
                    return;
                }
                Err(e) => tracing::warn!(error = %e, "{what} is not reachable yet; retrying"),
            }
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = stop.cancelled() => return,
            }
            delay = (delay * 2).min(Duration::from_secs(30));
        }
    });
}

async fn signal_received() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

/// Runs until SIGTERM or Ctrl-C.
pub async fn run(config: Arc<Config>, db_path: &Path) -> anyhow::Result<()> {
    if config.slack.is_none() && config.discord.is_none() {
        tracing::warn!("neither [slack] nor [discord] is configured: only the HTTP server and the job worker run");
    }
    let kb = load_knowledge(&config)?;
    crate::setup::check_instances(&config, &kb)?;
    crate::instance_check::warn_at_start(&config);
    let store = Store::open(db_path).await?;
    match store.prune_processed_events(30).await {
        Ok(n) if n > 0 => tracing::info!(removed = n, "pruned event ids older than 30 days"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "cannot prune old event ids"),
    }
    let app = Arc::new(App::new(store.clone(), config.clone(), kb));
    let inbox = Inbox::open(store.clone());
    let mut inbox_rows: Option<Arc<dyn inbox::Handler>> = None;
    let shutdown = CancellationToken::new();
    let mut ready = Readiness::default();
    let mut adapters = Vec::new();
    let mut slack_router = Router::new()
        .route("/slack/events", post(slack_not_configured))
        .route("/slack/interactions", post(slack_not_configured));
    let mut slack_chat = None;
    if let Some(sc) = &config.slack {
        let settings = slack_settings(sc)?;
        let chat = Arc::new(SlackChat::new(&settings).context("cannot set up the Slack client")?);
        preload_threads(&store, &chat).await;
        app.register_chat(chat.clone());
        ready.slack_configured = true;
        if let Some(secret) = settings.signing_secret.clone() {
            slack_router = slack::events_router_durable(inbox.clone() as Arc<dyn Intake>, secret);
        }
        inbox_rows = Some(Arc::new(SlackRows {
            chat: chat.clone(),
            app: app.clone(),
            stop: shutdown.clone(),
        }));
        if settings.mode == slack::SlackMode::Socket {
            let (chat2, intake, stop) = (
                chat.clone(),
                inbox.clone() as Arc<dyn Intake>,
                shutdown.clone(),
            );
            let attempts = settings.max_reconnect_attempts;
            adapters.push(tokio::spawn(async move {
                if let Err(e) = slack::run_socket_mode_durable(chat2, intake, attempts, stop).await
                {
                    tracing::error!(error = %e, "Slack Socket Mode stopped");
                }
            }));
        }
        slack_chat = Some(chat);
    }
    let mut discord_chat = None;
    if let Some(dc) = &config.discord {
        let token = dc.token.as_ref().context(
            "[discord] needs the bot token: set KMSBOT_DISCORD_TOKEN in the environment",
        )?;
        let mut settings = DiscordSettings::new(DiscordSecret::new(token.expose()));
        settings.api_url = dc.api_url.clone();
        let chat =
            Arc::new(DiscordChat::new(&settings).context("cannot set up the Discord client")?);
        app.register_chat(chat.clone());
        ready.discord_configured = true;
        let (sink, stop) = (app.clone() as Arc<dyn EventSink>, shutdown.clone());
        adapters.push(tokio::spawn(async move {
            if let Err(e) = discord::run_gateway(settings, sink, stop).await {
                tracing::error!(error = %e, "Discord gateway stopped");
            }
        }));
        discord_chat = Some(chat);
    }
    let ready = Arc::new(ready);
    if let Some(chat) = discord_chat {
        let flag = ready.clone();
        ready_when(
            shutdown.clone(),
            "Discord",
            move || {
                let chat = chat.clone();
                async move { chat.check().await }
            },
            move || flag.discord_ready.store(true, Ordering::SeqCst),
        );
    }
    if let Some(chat) = slack_chat {
        let flag = ready.clone();
        ready_when(
            shutdown.clone(),
            "Slack",
            move || {
                let chat = chat.clone();
                async move { chat.bot_user_id().await.map(|_| ()) }
            },
            move || flag.slack_ready.store(true, Ordering::SeqCst),
        );
    }
    // Posts recorded but not sent by an earlier run go out first, then the stored events.
    app.outbox().resume().await;
    if let Some(rows) = inbox_rows {
        inbox.start(rows);
    }
    let worker = app.start_worker(Arc::new(ConfiguredShells::new(Duration::from_secs(
        config.jobs.connect_timeout_secs,
    ))));
    app.start_ticket_clock().await;
    let watch = app.start_watch().await;
    let state = HttpState {
        app: app.clone(),
        ready,
        inbox: inbox.clone(),
    };
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state)
        .merge(slack_router);
    if let Some(warning) = crate::http_server::listen_warning(config.http.listen) {
        tracing::warn!("{warning}");
    }
    let listener = tokio::net::TcpListener::bind(config.http.listen)
        .await
        .with_context(|| format!("cannot listen on {} ([http] listen)", config.http.listen))?;
    let local = listener.local_addr()?;
    // Printed (not logged) so scripts and tests can find the port when listen uses port 0.
    println!("kmsbot: listening on http://{local}");
    tracing::info!(%local, "HTTP server listening");
    let server = tokio::spawn(crate::http_server::serve(
        listener,
        router,
        crate::http_server::HttpLimits::from_config(&config.http),
        shutdown.clone(),
    ));
    signal_received().await;
    tracing::info!("shutting down: no new events; running job steps finish or checkpoint");
    // Stop taking events first, then let the worker checkpoint, then close the database.
    shutdown.cancel();
    app.shutdown();
    for a in adapters {
        let _ = a.await;
    }
    let _ = server.await;
    // Nothing is acknowledged any more: finish the turns running, leave the rest stored.
    inbox.stop().await;
    let _ = worker.await;
    app.ticket_clock_stopped().await;
    if let Some(w) = watch {
        let _ = w.await;
    }
    // Give queued replies and progress edits a bounded chance to go out; posts still waiting
    // stay recorded and are sent at the next start.
    if !app.outbox().flush_for(Duration::from_secs(10)).await {
        tracing::warn!(
            pending = app.outbox().pending(),
            "chat deliveries still pending at shutdown: posts are sent at the next start, edits and reactions are dropped"
        );
    }
    app.outbox().stop().await;
    store.close().await;
    println!("kmsbot: stopped");
    Ok(())
}
