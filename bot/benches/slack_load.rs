//! Slack Events API under load: signed `event_callback` requests (64 in flight, 20,000 events)
//! against the real `kmsbot serve` binary (built by `cargo bench`, release settings) and, in
//! the same run, against a do-nothing bot with the same wire behaviour (signature check, 200,
//! then `users.info` and one `chat.postMessage` per event through the same Slack client), both
//! posting to a loopback Web API stand-in in this process.
//!
//! Reported per server: events answered per second (from the first request to the last answer),
//! ack latency p50/p99, events never answered (missing), events answered more than once
//! (duplicates), requests refused (503, sent again as Slack would), peak RSS (`VmHWM`) and idle
//! RSS (`VmRSS` after start, before the burst).
//!
//! A third run sends SIGTERM to `kmsbot serve` once half the burst is acknowledged and restarts
//! it on the same database and port while the load keeps sending what was not acknowledged (as
//! Slack retries): every event must still be answered exactly once.
//!
//! Run with `cargo bench -p kmsbot --bench slack_load`; `KMSBOT_BENCH_EVENTS` (default 20000)
//! sets the burst, `KMSBOT_BENCH_INFLIGHT` (default 64) the requests in flight,
//! `KMSBOT_BENCH_SIGTERM=0` skips the SIGTERM run. Loopback only.

// A benchmark: a failed setup step should stop it loudly, so `unwrap` is fine here.
#![allow(clippy::unwrap_used)]

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{any, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::BufRead as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BIN: &str = env!("CARGO_BIN_EXE_kmsbot");
const SECRET: &str = "bench-signing-secret";
const BASELINE_ENV: &str = "KMSBOT_BENCH_BASELINE_API";
const USERS: usize = 50;
const CHANNELS: usize = 32;
const QUESTION: &str = "<@UBOT> what is the kms key for server 2019 datacenter?";

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------------
// The Web API stand-in: answers like Slack, counts answers per event (thread_ts).

#[derive(Default)]
struct Answers {
    per_thread: Mutex<HashMap<String, u32>>,
    posts: AtomicU64,
    last: Mutex<Option<Instant>>,
}

/// Waits until `expected` events are answered, or nothing new is answered for 30 s.
fn wait_for_answers(answers: &Answers, expected: usize) {
    let mut seen = 0;
    let mut quiet_since = Instant::now();
    loop {
        let answered = lock(&answers.per_thread).len();
        if answered >= expected {
            return;
        }
        if answered != seen {
            seen = answered;
            quiet_since = Instant::now();
        } else if quiet_since.elapsed() > Duration::from_secs(30) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn web_api(
    State(answers): State<Arc<Answers>>,
    Path(method): Path<String>,
    body: Bytes,
) -> impl IntoResponse {
    let answer = match method.as_str() {
        "auth.test" => json!({"ok": true, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"}),
        "users.info" => json!({"ok": true, "user": {"id": "U", "name": "user",
            "profile": {"display_name": "A user", "real_name": "A user"}}}),
        "chat.postMessage" => {
            let n = answers.posts.fetch_add(1, Ordering::SeqCst) + 1;
            let fields: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            if let Some(thread) = fields.get("thread_ts").and_then(Value::as_str) {
                *lock(&answers.per_thread)
                    .entry(thread.to_string())
                    .or_default() += 1;
            }
            *lock(&answers.last) = Some(Instant::now());
            json!({"ok": true, "channel": fields.get("channel").cloned().unwrap_or(Value::Null),
                   "ts": format!("1800000000.{n:06}")})
        }
        _ => json!({"ok": true}),
    };
    Json(answer)
}

async fn start_web_api(answers: Arc<Answers>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/api/{method}", any(web_api))
        .with_state(answers);
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    addr
}

// ---------------------------------------------------------------------------------------------
// The do-nothing bot (run as a child process of this benchmark, so its memory is its own).

#[derive(Clone)]
struct Baseline {
    chat: Arc<adapters::slack::SlackChat>,
}

async fn baseline_events(State(b): State<Baseline>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    if adapters::slack::verify_request(
        SECRET,
        &get("x-slack-request-timestamp"),
        &get("x-slack-signature"),
        &body,
        now,
    )
    .is_err()
    {
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(payload) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let text = |p: &str| {
        payload
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (channel, ts, user) = (
        text("/event/channel"),
        text("/event/ts"),
        text("/event/user"),
    );
    tokio::spawn(async move {
        let _ = b.chat.display_name(&user).await;
        let out = adapters::Outgoing::Post {
            local_id: 1,
            channel,
            thread: Some(ts),
            message: "The KMS client key (GVLK) for Windows Server 2019 Datacenter is \
                   WMDGN-G9PQG-XVVXX-R3X43-63DFG. Install it with slmgr /ipk, then slmgr /ato."
                .into(),
            buttons: Vec::new(),
        };
        use adapters::Chat as _;
        let _ = b.chat.send(&out).await;
    });
    StatusCode::OK
}

fn run_baseline(api_url: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut settings = adapters::slack::SlackSettings::new("xoxb-bench");
        settings.api_url = api_url.to_string();
        let chat = Arc::new(adapters::slack::SlackChat::new(&settings).unwrap());
        let app = Router::new()
            .route("/slack/events", post(baseline_events))
            .with_state(Baseline { chat });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!(
            "baseline: listening on http://{}",
            listener.local_addr().unwrap()
        );
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).unwrap();
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                term.recv().await;
            })
            .await
            .unwrap();
    });
}

// ---------------------------------------------------------------------------------------------
// The load: pre-signed requests over keep-alive connections.

fn requests(n: usize) -> Vec<(String, Vec<u8>)> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    (0..n)
        .map(|i| {
            let ts = format!("1700000000.{:06}", i + 1);
            let body = json!({
                "token": "unused", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                "event_id": format!("EvL{i}"), "event_time": 1_700_000_000,
                "event": {"type": "message", "channel": format!("C{}", i % CHANNELS),
                          "channel_type": "channel", "user": format!("U{}", i % USERS),
                          "text": QUESTION, "ts": ts, "event_ts": ts}
            })
            .to_string();
            let sig = adapters::slack::sign_request(SECRET, &now, body.as_bytes());
            let raw = format!(
                "POST /slack/events HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-Slack-Request-Timestamp: {now}\r\nX-Slack-Signature: {sig}\r\n\r\n{body}",
                body.len()
            );
            (ts, raw.into_bytes())
        })
        .collect()
}

/// Sends one request on `conn` and reads the answer; the status, or `None` when the
/// connection broke.
async fn exchange(conn: &mut tokio::net::TcpStream, raw: &[u8], buf: &mut Vec<u8>) -> Option<u16> {
    conn.write_all(raw).await.ok()?;
    buf.clear();
    let mut chunk = [0u8; 1024];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let status = head.split(' ').nth(1)?.parse().ok()?;
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = conn.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(status);
        }
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

struct Load {
    acks: Vec<Duration>,
    refused: u64,
    started: Instant,
}

async fn burst(
    addr: SocketAddr,
    reqs: Arc<Vec<(String, Vec<u8>)>>,
    inflight: usize,
    acked: Arc<AtomicUsize>,
) -> Load {
    let next = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..inflight {
        let (next, reqs, refused, acked) =
            (next.clone(), reqs.clone(), refused.clone(), acked.clone());
        tasks.spawn(async move {
            let mut acks = Vec::new();
            let mut buf = Vec::with_capacity(4096);
            let mut conn = None;
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some((_, raw)) = reqs.get(i) else {
                    break;
                };
                // Sent until acknowledged (as Slack retries).
                loop {
                    if conn.is_none() {
                        conn = tokio::net::TcpStream::connect(addr).await.ok();
                        if let Some(c) = &conn {
                            let _ = c.set_nodelay(true);
                        }
                    }
                    let Some(c) = conn.as_mut() else {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    };
                    let sent = Instant::now();
                    match exchange(c, raw, &mut buf).await {
                        Some(200) => {
                            acks.push(sent.elapsed());
                            acked.fetch_add(1, Ordering::SeqCst);
                            break;
                        }
                        Some(_) => {
                            refused.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        None => conn = None,
                    }
                }
            }
            acks
        });
    }
    let mut acks = Vec::new();
    while let Some(a) = tasks.join_next().await {
        acks.extend(a.unwrap());
    }
    Load {
        acks,
        refused: refused.load(Ordering::SeqCst),
        started,
    }
}

// ---------------------------------------------------------------------------------------------

fn proc_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

struct Figures {
    name: &'static str,
    per_sec: f64,
    p50: Duration,
    p99: Duration,
    missing: usize,
    duplicates: usize,
    refused: u64,
    peak_mib: f64,
    idle_mib: f64,
}

/// Reads the child's stdout until its "listening on http://ADDR" line.
fn listening(child: &mut std::process::Child) -> SocketAddr {
    let out = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(out).lines();
    loop {
        let line = lines
            .next()
            .expect("the server printed its address")
            .unwrap();
        if let Some(addr) = line
            .rsplit("http://")
            .next()
            .filter(|_| line.contains("listening on"))
        {
            // Keep draining stdout so the child never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines.by_ref() {});
            return addr.trim().parse().unwrap();
        }
    }
}

fn run_one(
    name: &'static str,
    rt: &tokio::runtime::Runtime,
    mut child: std::process::Child,
    answers: Arc<Answers>,
    reqs: Arc<Vec<(String, Vec<u8>)>>,
    inflight: usize,
) -> Figures {
    let pid = child.id();
    let addr = listening(&mut child);
    // Idle: started, the knowledge base loaded, nothing to do for 3 s.
    std::thread::sleep(Duration::from_secs(3));
    let idle = proc_kib(pid, "VmRSS:");
    let load = rt.block_on(burst(
        addr,
        reqs.clone(),
        inflight,
        Arc::new(AtomicUsize::new(0)),
    ));
    wait_for_answers(&answers, reqs.len());
    let peak = proc_kib(pid, "VmHWM:");
    let end = lock(&answers.last).unwrap_or_else(Instant::now);
    let per_thread = lock(&answers.per_thread).clone();
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait();
    let answered = reqs
        .iter()
        .filter(|(ts, _)| per_thread.contains_key(ts))
        .count();
    let duplicates = per_thread.values().filter(|n| **n > 1).count();
    let mut acks = load.acks;
    acks.sort();
    Figures {
        name,
        per_sec: answered as f64 / end.duration_since(load.started).as_secs_f64(),
        p50: percentile(&acks, 0.50),
        p99: percentile(&acks, 0.99),
        missing: reqs.len() - answered,
        duplicates,
        refused: load.refused,
        peak_mib: mib(peak),
        idle_mib: mib(idle),
    }
}

/// How to start `kmsbot serve` for the bench (its directory, config and database).
struct BotProcess {
    env: kmsbot_tests::transcript::Env,
}

impl BotProcess {
    fn new(api: SocketAddr, listen: &str) -> BotProcess {
        let mut env = kmsbot_tests::transcript::Env::new(BIN);
        env.write_config(&format!(
            "[http]\nlisten = \"{listen}\"\n[slack]\nmode = \"events\"\napi_url = \"http://{api}/api/\"\n"
        ));
        env.vars
            .push(("KMSBOT_SLACK_BOT_TOKEN".into(), "xoxb-bench".into()));
        env.vars
            .push(("KMSBOT_SLACK_SIGNING_SECRET".into(), SECRET.into()));
        env.vars.push(("RUST_LOG".into(), "error".into()));
        BotProcess { env }
    }

    fn spawn(&self) -> std::process::Child {
        bot_spawn_again(self).spawn().unwrap()
    }
}

fn run_sigterm(
    rt: &tokio::runtime::Runtime,
    bot: &BotProcess,
    answers: Arc<Answers>,
    reqs: Arc<Vec<(String, Vec<u8>)>>,
    inflight: usize,
) -> Figures {
    let mut first = bot.spawn();
    let addr = listening(&mut first);
    let acked = Arc::new(AtomicUsize::new(0));
    let half = reqs.len() / 2;
    let second: Arc<Mutex<Option<std::process::Child>>> = Arc::new(Mutex::new(None));
    let first_peak = Arc::new(AtomicU64::new(0));
    let restarter = {
        let (acked, second, first_peak) = (acked.clone(), second.clone(), first_peak.clone());
        let mut again = bot_spawn_again(bot);
        std::thread::spawn(move || {
            while acked.load(Ordering::SeqCst) < half {
                std::thread::sleep(Duration::from_millis(1));
            }
            let pid = first.id();
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
            first_peak.store(proc_kib(pid, "VmHWM:"), Ordering::SeqCst);
            let _ = first.wait();
            let mut child = again.spawn().unwrap();
            let _ = listening(&mut child);
            *lock(&second) = Some(child);
        })
    };
    let load = rt.block_on(burst(addr, reqs.clone(), inflight, acked));
    restarter.join().unwrap();
    let mut child = lock(&second).take().unwrap();
    let pid = child.id();
    wait_for_answers(&answers, reqs.len());
    let peak = proc_kib(pid, "VmHWM:").max(first_peak.load(Ordering::SeqCst));
    let end = lock(&answers.last).unwrap_or_else(Instant::now);
    let per_thread = lock(&answers.per_thread).clone();
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait();
    let answered = reqs
        .iter()
        .filter(|(ts, _)| per_thread.contains_key(ts))
        .count();
    let mut acks = load.acks;
    acks.sort();
    Figures {
        name: "kmsbot serve, SIGTERM + restart",
        per_sec: answered as f64 / end.duration_since(load.started).as_secs_f64(),
        p50: percentile(&acks, 0.50),
        p99: percentile(&acks, 0.99),
        missing: reqs.len() - answered,
        duplicates: per_thread.values().filter(|n| **n > 1).count(),
        refused: load.refused,
        peak_mib: mib(peak),
        idle_mib: 0.0,
    }
}

/// The command that starts `bot`'s `kmsbot serve` (built anew for each start, so a restart can be
/// made from another thread).
fn bot_spawn_again(bot: &BotProcess) -> std::process::Command {
    let db = bot.env.db();
    let mut cmd = std::process::Command::new(BIN);
    cmd.args(["serve", "--db", db.to_str().unwrap(), "--config"])
        .arg(bot.env.path("kmsbot.toml"))
        .current_dir(bot.env.path(""))
        .envs(bot.env.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env_remove("KMSBOT_BENCH_EVENTS")
        .env_remove("KMSBOT_BENCH_INFLIGHT")
        .env_remove("KMSBOT_BENCH_SIGTERM")
        .stdout(std::process::Stdio::piped());
    cmd
}

fn main() {
    if let Ok(api) = std::env::var(BASELINE_ENV) {
        run_baseline(&api);
        return;
    }
    let events = env_usize("KMSBOT_BENCH_EVENTS", 20_000);
    let inflight = env_usize("KMSBOT_BENCH_INFLIGHT", 64);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let reqs = Arc::new(requests(events));
    println!("slack_load: {events} signed events, {inflight} in flight");

    let mut figures = Vec::new();
    // The do-nothing bot.
    {
        let answers = Arc::new(Answers::default());
        let api = rt.block_on(start_web_api(answers.clone()));
        let child = std::process::Command::new(std::env::current_exe().unwrap())
            .env(BASELINE_ENV, format!("http://{api}/api/"))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        figures.push(run_one(
            "do-nothing bot",
            &rt,
            child,
            answers,
            reqs.clone(),
            inflight,
        ));
    }
    // kmsbot serve, on a fresh database.
    {
        let answers = Arc::new(Answers::default());
        let api = rt.block_on(start_web_api(answers.clone()));
        let bot = BotProcess::new(api, "127.0.0.1:0");
        let child = bot.spawn();
        figures.push(run_one(
            "kmsbot serve",
            &rt,
            child,
            answers,
            reqs.clone(),
            inflight,
        ));
    }
    // kmsbot serve again, SIGTERM once half the burst is acknowledged, restarted on the same
    // database and port; the load keeps sending what was not acknowledged (as Slack retries).
    if std::env::var("KMSBOT_BENCH_SIGTERM").map_or(true, |v| v != "0") {
        let answers = Arc::new(Answers::default());
        let api = rt.block_on(start_web_api(answers.clone()));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let bot = BotProcess::new(api, &format!("127.0.0.1:{port}"));
        figures.push(run_sigterm(&rt, &bot, answers, reqs.clone(), inflight));
    }

    println!(
        "\n| server | answered/s | ack p50 | ack p99 | missing | duplicates | refused (503) | peak RSS | idle RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for f in &figures {
        println!(
            "| {} | {:.0} | {:.2} ms | {:.2} ms | {} | {} | {} | {:.1} MiB | {:.1} MiB |",
            f.name,
            f.per_sec,
            f.p50.as_secs_f64() * 1000.0,
            f.p99.as_secs_f64() * 1000.0,
            f.missing,
            f.duplicates,
            f.refused,
            f.peak_mib,
            f.idle_mib
        );
    }
    if let Some(f) = figures.get(2) {
        println!(
            "\nSIGTERM at half the burst, restart on the same database: {} missing, {} duplicates (the row's throughput includes the restart)",
            f.missing, f.duplicates
        );
    }
    let (base, bot) = (&figures[0], &figures[1]);
    println!(
        "\nkmsbot / do-nothing throughput: {:.2} (target >= 0.33); ack p99 {:.2} ms (target <= 10); peak RSS {:.1} MiB (target <= 60); idle {:.1} MiB (target <= 25)",
        bot.per_sec / base.per_sec,
        bot.p99.as_secs_f64() * 1000.0,
        bot.peak_mib,
        bot.idle_mib
    );
}
