//! Activation jobs at scale: 200 instances whose commands each take 100 ms, run by the real
//! job worker with `[jobs] concurrency = 50`, driven like a user (request, approval reaction).
//!
//! Ideal wall time: ceil(200 / 50) waves x 8 KMS steps x 100 ms = 3.2 s; the acceptance bound is
//! 1.15x that. The acceptance figure uses emulated instances (a shell that sleeps 100 ms and
//! answers like Windows); informative runs go through the real SSH transport to 200 in-process
//! fake Windows sshds on loopback (`kmsbot_tests::fake_windows::FakeWindows`), and through the
//! real WinRM transport (NTLM over TLS) to 200 WinRM stand-ins (`kmsbot_tests::fake_winrm`).
//!
//! Run with `cargo bench -p kmsbot --bench jobs`. `KMSBOT_BENCH_ITERS` (default 3) sets the
//! iterations of each scenario; `KMSBOT_BENCH_SSH=0` skips the SSH scenario and
//! `KMSBOT_BENCH_WINRM=0` the WinRM one;
//! `KMSBOT_BENCH_PROFILE=1` adds a breakdown: SQLite statement counts and execution times (from
//! sqlx's `sqlx::query` events), how often the 4-connection pool was exhausted, and a run with
//! instant commands (pure worker overhead).

// A benchmark: a failed setup step should stop it loudly, so `unwrap` is fine here.
#![allow(clippy::unwrap_used)]

use adapters::shell::{CommandOutput, RemoteShell, ShellError};
use adapters::{Chat, ChatError, Incoming, IncomingKind, Outgoing, Platform};
use async_trait::async_trait;
use kmsbot::config::{InstanceConfig, SecretRef, Transport};
use kmsbot::shells::ShellFactory;
use kmsbot::{App, Config, Store};
use kmsbot_tests::fake_windows::{generate_client_key_named, FakeBehaviour, FakeWindows};
use kmsbot_tests::fake_winrm::{FakeWinrm, WinrmOptions, CA_PEM};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const INSTANCES: usize = 200;
const CONCURRENCY: usize = 50;
const STEPS: usize = 8;
const COMMAND_TIME: Duration = Duration::from_millis(100);
const BOUND: f64 = 1.15;
const EDITION: &str = "Windows Server 2019 Datacenter";

fn ideal() -> Duration {
    COMMAND_TIME * (INSTANCES.div_ceil(CONCURRENCY) * STEPS) as u32
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The chat platform: answers every post with its bot id as the platform reference, remembers
/// the approval message and when each job's final message arrived.
#[derive(Default)]
struct Recorder {
    approval: Mutex<Option<i64>>,
    posts: AtomicUsize,
    edits: AtomicUsize,
    reacts: AtomicUsize,
    finals: Mutex<Vec<Instant>>,
}

#[async_trait]
impl Chat for Recorder {
    fn platform(&self) -> Platform {
        Platform::Console
    }

    async fn send(&self, out: &Outgoing) -> Result<Option<String>, ChatError> {
        match out {
            Outgoing::Post {
                local_id,
                message,
                buttons,
                ..
            } => {
                self.posts.fetch_add(1, Ordering::Relaxed);
                if !buttons.is_empty() {
                    *lock(&self.approval) = Some(*local_id);
                }
                // A job's last word mentions the requester first ("@alice: job #7 ...").
                if message.to_markdown().starts_with("@alice: ") {
                    lock(&self.finals).push(Instant::now());
                }
                Ok(Some(local_id.to_string()))
            }
            Outgoing::Edit { .. } => {
                self.edits.fetch_add(1, Ordering::Relaxed);
                Ok(None)
            }
            Outgoing::React { .. } => {
                self.reacts.fetch_add(1, Ordering::Relaxed);
                Ok(None)
            }
        }
    }
}

/// What the instances saw: commands, concurrency, and the worker's time between two commands
/// of the same job (its per-step overhead).
#[derive(Default)]
struct ShellStats {
    commands: AtomicUsize,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    /// From the end of one command to the start of the next, same job.
    gaps: Mutex<Vec<Duration>>,
    /// First command start and last command end of each job.
    spans: Mutex<Vec<(Instant, Instant)>>,
    /// Time inside `RemoteShell::run` (100 ms plus transport overhead).
    run_times: Mutex<Vec<Duration>>,
}

/// Wraps a job's shell to measure it. One is opened per job.
struct Measured {
    inner: Arc<dyn RemoteShell>,
    stats: Arc<ShellStats>,
    span: Mutex<Option<(Instant, Instant)>>,
}

impl Drop for Measured {
    fn drop(&mut self) {
        if let Some(span) = lock(&self.span).take() {
            lock(&self.stats.spans).push(span);
        }
    }
}

#[async_trait]
impl RemoteShell for Measured {
    async fn run(&self, command: &str, timeout: Duration) -> Result<CommandOutput, ShellError> {
        let start = Instant::now();
        if let Some((_, last_end)) = *lock(&self.span) {
            lock(&self.stats.gaps).push(start - last_end);
        }
        let now = self.stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.stats.peak.fetch_max(now, Ordering::SeqCst);
        self.stats.commands.fetch_add(1, Ordering::Relaxed);
        let result = self.inner.run(command, timeout).await;
        self.stats.in_flight.fetch_sub(1, Ordering::SeqCst);
        let end = Instant::now();
        lock(&self.stats.run_times).push(end - start);
        let mut span = lock(&self.span);
        let first = span.map_or(start, |(first, _)| first);
        *span = Some((first, end));
        result
    }
}

/// An emulated Windows instance: every command takes the given time and succeeds.
struct Emulated(Duration);

#[async_trait]
impl RemoteShell for Emulated {
    async fn run(&self, command: &str, _timeout: Duration) -> Result<CommandOutput, ShellError> {
        if !self.0.is_zero() {
            tokio::time::sleep(self.0).await;
        }
        let output = if command.trim_end().ends_with("/dli") {
            "Name: Windows(R), ServerDatacenter edition\r\nLicense Status: Licensed\r\n"
        } else {
            "The command completed successfully.\r\n"
        };
        Ok(CommandOutput {
            exit_status: Some(0),
            output: output.to_string(),
        })
    }
}

/// Opens measured shells: emulated ones, or the production factory (SSH).
struct Shells {
    ssh: Option<kmsbot::shells::ConfiguredShells>,
    command_time: Duration,
    stats: Arc<ShellStats>,
}

impl ShellFactory for Shells {
    fn open(&self, instance: &InstanceConfig) -> Result<Arc<dyn RemoteShell>, String> {
        let inner: Arc<dyn RemoteShell> = match &self.ssh {
            Some(real) => real.open(instance)?,
            None => Arc::new(Emulated(self.command_time)),
        };
        Ok(Arc::new(Measured {
            inner,
            stats: self.stats.clone(),
            span: Mutex::new(None),
        }))
    }
}

/// Where the fake sshds (or WinRM stand-ins) listen (one per instance) and the client's files.
struct SshTargets {
    ports: Vec<u16>,
    key_file: PathBuf,
    known_hosts: PathBuf,
    /// WinRM stand-ins instead of sshds: (password file, CA file).
    winrm: Option<(PathBuf, PathBuf)>,
}

fn instances(ssh: Option<&SshTargets>) -> Vec<InstanceConfig> {
    (1..=INSTANCES)
        .map(|n| InstanceConfig {
            name: format!("web-{n:03}"),
            edition: EDITION.into(),
            tags: Vec::new(),
            transport: match ssh.map(|s| s.winrm.is_some()) {
                Some(true) => Transport::Winrm,
                Some(false) => Transport::Ssh,
                None => Transport::DryRun,
            },
            address: ssh.map(|_| "127.0.0.1".to_string()),
            port: ssh.map_or(22, |s| s.ports[n - 1]),
            user: "Administrator".into(),
            key_file: ssh
                .filter(|s| s.winrm.is_none())
                .map(|s| s.key_file.clone()),
            known_hosts: ssh
                .filter(|s| s.winrm.is_none())
                .map(|s| s.known_hosts.clone()),
            product_key: None,
            password: ssh.and_then(|s| s.winrm.as_ref()).map(|(password, _)| {
                SecretRef::try_from(format!("file:{}", password.display())).unwrap()
            }),
            auth: None,
            ca_file: ssh.and_then(|s| s.winrm.as_ref()).map(|(_, ca)| ca.clone()),
            tls_insecure: false,
        })
        .collect()
}

fn config(ssh: Option<&SshTargets>) -> Config {
    let mut cfg = Config::default();
    cfg.approvals.approvers = vec!["console:bob".into()];
    cfg.approvals.required = 1;
    cfg.kms.host = Some("kms.corp.example".into());
    cfg.jobs.concurrency = CONCURRENCY;
    cfg.jobs.step_timeout_secs = 30;
    // The bench times the jobs from approval; the read-only pre-flight before the approval
    // (on by default) would add two commands per instance to the count.
    cfg.jobs.preflight = false;
    cfg.instances = instances(ssh);
    cfg
}

fn event(id: &str, user: &str, kind: IncomingKind) -> Incoming {
    Incoming {
        platform: Platform::Console,
        event_id: id.into(),
        channel: "ops".into(),
        thread: None,
        user: user.into(),
        user_name: None,
        roles: Vec::new(),
        kind,
    }
}

/// SQLite statements seen through sqlx's `sqlx::query` events (profile mode): execution time
/// on the connection's worker thread, lock waits inside SQLite included; `BEGIN`/`COMMIT` and
/// waits for a pool connection are not statements and are not in it.
#[derive(Default)]
struct SqlStats {
    /// statement -> (count, total, max)
    by_statement: Mutex<HashMap<String, (usize, Duration, Duration)>>,
}

struct SqlLayer(Arc<SqlStats>);

#[derive(Default)]
struct SqlEvent {
    summary: String,
    statement: String,
    secs: f64,
}

impl tracing::field::Visit for SqlEvent {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "summary" => self.summary = value.to_string(),
            "db.statement" => self.statement = value.to_string(),
            _ => {}
        }
    }

    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.secs = value;
        }
    }

    fn record_debug(&mut self, _field: &tracing::field::Field, _value: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for SqlLayer {
    fn register_callsite(
        &self,
        meta: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        if meta.target() == "sqlx::query" {
            tracing::subscriber::Interest::always()
        } else {
            tracing::subscriber::Interest::never()
        }
    }

    fn enabled(
        &self,
        meta: &tracing::Metadata<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) -> bool {
        meta.target() == "sqlx::query"
    }

    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut e = SqlEvent::default();
        event.record(&mut e);
        let text = if e.statement.trim().is_empty() {
            e.summary
        } else {
            e.statement
        };
        let key: String = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(90)
            .collect();
        let took = Duration::from_secs_f64(e.secs);
        let mut map = lock(&self.0.by_statement);
        let entry = map.entry(key).or_default();
        entry.0 += 1;
        entry.1 += took;
        entry.2 = entry.2.max(took);
    }
}

/// How a scenario is set up.
#[derive(Clone, Copy)]
struct Setup<'a> {
    ssh: Option<&'a SshTargets>,
    /// How long each emulated command takes (SSH: the fake sshd's delay, always 100 ms).
    command_time: Duration,
    /// Sample the connection pool and collect SQL statistics.
    sql: Option<&'a Arc<SqlStats>>,
}

/// One run's measurements.
struct Run {
    /// Handling the "activate ..." message (plans and approval message for 200 instances).
    request: Duration,
    /// Handling the approval reaction (queues 200 jobs, posts 200 progress messages).
    approval: Duration,
    /// From the approval reaction to `wait_for_jobs()` returning: the acceptance figure.
    wall: Duration,
    /// From the approval reaction to the last job's final message.
    last_final: Duration,
    /// From the approval reaction to the first command.
    first_command: Duration,
    succeeded: i64,
    commands: usize,
    peak: usize,
    posts: usize,
    edits: usize,
    gaps: Vec<Duration>,
    spans: Vec<Duration>,
    run_times: Vec<Duration>,
    first_starts: Vec<Duration>,
    /// Pool samples (every ms) and how many found no idle connection among the 4.
    pool_samples: (usize, usize),
}

async fn run_once(
    kb: Arc<knowledge::KnowledgeBase>,
    setup: Setup<'_>,
    dir: &Path,
    iteration: usize,
) -> Run {
    let ssh = setup.ssh;
    let db = dir.join(format!("bench-{iteration}.db"));
    let store = Store::open(&db).await.unwrap();
    let app = Arc::new(App::new(store.clone(), Arc::new(config(ssh)), kb));
    let chat = Arc::new(Recorder::default());
    app.register_chat(chat.clone());
    let stats = Arc::new(ShellStats::default());
    let worker = app.start_worker(Arc::new(Shells {
        ssh: ssh.map(|_| kmsbot::shells::ConfiguredShells::new(Duration::from_secs(10))),
        command_time: setup.command_time,
        stats: stats.clone(),
    }));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(setup.sql.is_some()));
    let sampler = {
        let pool = store.pool().clone();
        let sampling = sampling.clone();
        tokio::spawn(async move {
            let (mut samples, mut exhausted) = (0, 0);
            while sampling.load(Ordering::Relaxed) {
                samples += 1;
                if pool.size() >= 4 && pool.num_idle() == 0 {
                    exhausted += 1;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            (samples, exhausted)
        })
    };
    if let Some(sql) = setup.sql {
        lock(&sql.by_statement).clear();
    }

    let names: Vec<String> = (1..=INSTANCES).map(|n| format!("web-{n:03}")).collect();
    let text = format!("activate {}", names.join(" "));
    let started = Instant::now();
    app.handle(&event(
        "request",
        "console:alice",
        IncomingKind::Message {
            text,
            message_ref: "u-1".into(),
            direct: false,
        },
    ))
    .await
    .unwrap();
    // Replies go through the outbox: wait until the approval message was sent.
    app.flush().await;
    let request = started.elapsed();
    let approval_id = lock(&chat.approval).expect("the bot posted an approval message");

    let t0 = Instant::now();
    app.handle(&event(
        "approve",
        "console:bob",
        IncomingKind::ReactionAdded {
            message_ref: approval_id.to_string(),
            emoji: "white_check_mark".into(),
        },
    ))
    .await
    .unwrap();
    let approval = t0.elapsed();
    app.wait_for_jobs().await;
    let wall = t0.elapsed();
    sampling.store(false, Ordering::Relaxed);
    let pool_samples = sampler.await.unwrap();

    // Emulated instances are dry-run instances: their jobs end `rehearsed` (every command
    // recorded and answered by the emulator), real ones `succeeded`.
    let succeeded: i64 =
        sqlx::query_scalar("SELECT count(*) FROM jobs WHERE status IN ('succeeded', 'rehearsed')")
            .fetch_one(store.pool())
            .await
            .unwrap();
    app.shutdown();
    worker.await.unwrap();
    store.close().await;

    let last_final = lock(&chat.finals)
        .iter()
        .max()
        .map_or(Duration::ZERO, |t| *t - t0);
    let spans = lock(&stats.spans).clone();
    let first_starts: Vec<Duration> = spans.iter().map(|(s, _)| *s - t0).collect();
    let gaps = lock(&stats.gaps).clone();
    let run_times = lock(&stats.run_times).clone();
    Run {
        request,
        approval,
        wall,
        last_final,
        first_command: first_starts.iter().min().copied().unwrap_or_default(),
        succeeded,
        commands: stats.commands.load(Ordering::SeqCst),
        peak: stats.peak.load(Ordering::SeqCst),
        posts: chat.posts.load(Ordering::SeqCst),
        edits: chat.edits.load(Ordering::SeqCst),
        gaps,
        spans: spans.iter().map(|(s, e)| *e - *s).collect(),
        run_times,
        first_starts,
        pool_samples,
    }
}

fn quantile(values: &[Duration], q: f64) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let mut v = values.to_vec();
    v.sort();
    let i = ((v.len() - 1) as f64 * q).round() as usize;
    v[i]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn print_sql(sql: &SqlStats) {
    let map = lock(&sql.by_statement);
    let mut rows: Vec<(&String, &(usize, Duration, Duration))> = map.iter().collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.1 .1));
    let count: usize = rows.iter().map(|r| r.1 .0).sum();
    let total: Duration = rows.iter().map(|r| r.1 .1).sum();
    println!(
        "  SQL statements: {count} ({:.1} per step), {} executing in total; top by time (count, total, mean, max):",
        count as f64 / (INSTANCES * STEPS) as f64,
        ms(total)
    );
    for (statement, (n, sum, max)) in rows.iter().take(12) {
        println!(
            "    {n:>5} {:>10} {:>8} {:>9}  {statement}",
            ms(*sum),
            format!("{:.2}", sum.as_secs_f64() * 1000.0 / *n as f64),
            ms(*max)
        );
    }
}

/// Runs one scenario `iters` times, prints each run and a summary; returns the wall times.
fn scenario(
    rt: &tokio::runtime::Runtime,
    kb: &Arc<knowledge::KnowledgeBase>,
    label: &str,
    setup: Setup<'_>,
    iters: usize,
) -> Vec<Duration> {
    let dir = tempfile::tempdir().unwrap();
    let command_time = setup.command_time;
    let ideal = command_time * (INSTANCES.div_ceil(CONCURRENCY) * STEPS) as u32;
    println!(
        "\n== {label}: {INSTANCES} instances, concurrency {CONCURRENCY}, {STEPS} steps of {} each; ideal {}",
        ms(command_time),
        secs(ideal)
    );
    let ratio = |d: Duration| {
        if ideal.is_zero() {
            String::new()
        } else {
            format!(" = {:.3}x ideal", d.as_secs_f64() / ideal.as_secs_f64())
        }
    };
    let mut walls = Vec::new();
    for i in 0..iters {
        let run = rt.block_on(run_once(kb.clone(), setup, dir.path(), i));
        assert_eq!(
            run.succeeded, INSTANCES as i64,
            "every job should succeed ({} did)",
            run.succeeded
        );
        assert_eq!(run.commands, INSTANCES * STEPS, "commands run");
        assert!(run.peak <= CONCURRENCY, "peak concurrency {}", run.peak);
        let overhead: Vec<Duration> = run
            .run_times
            .iter()
            .map(|t| t.saturating_sub(command_time))
            .collect();
        let waves: Vec<Duration> = {
            let mut s = run.first_starts.clone();
            s.sort();
            s.chunks(CONCURRENCY)
                .map(|c| *c.last().unwrap() - c[0])
                .collect()
        };
        println!(
            "run {}: wall {}{} (last job's final message at {}); request handled in {}, approval in {}, first command after {}",
            i + 1,
            secs(run.wall),
            ratio(run.wall),
            secs(run.last_final),
            ms(run.request),
            ms(run.approval),
            ms(run.first_command),
        );
        println!(
            "  jobs succeeded {}/{INSTANCES}, commands {}, peak concurrent commands {}, chat posts {}, edits {}",
            run.succeeded, run.commands, run.peak, run.posts, run.edits
        );
        println!(
            "  per job (first command to last): p50 {} max {} (ideal {})",
            secs(quantile(&run.spans, 0.5)),
            secs(quantile(&run.spans, 1.0)),
            secs(command_time * STEPS as u32)
        );
        println!(
            "  worker time between two steps of a job: p50 {} p90 {} p99 {} max {}",
            ms(quantile(&run.gaps, 0.5)),
            ms(quantile(&run.gaps, 0.9)),
            ms(quantile(&run.gaps, 0.99)),
            ms(quantile(&run.gaps, 1.0))
        );
        println!(
            "  time in RemoteShell::run beyond {}: p50 {} p99 {} max {}",
            ms(command_time),
            ms(quantile(&overhead, 0.5)),
            ms(quantile(&overhead, 0.99)),
            ms(quantile(&overhead, 1.0))
        );
        println!(
            "  spread of job starts within each wave of {CONCURRENCY}: {}",
            waves.iter().map(|d| ms(*d)).collect::<Vec<_>>().join(", ")
        );
        if let Some(sql) = setup.sql {
            let (samples, exhausted) = run.pool_samples;
            println!(
                "  connection pool (4) fully busy in {exhausted} of {samples} samples ({:.0}%)",
                100.0 * exhausted as f64 / samples.max(1) as f64
            );
            print_sql(sql);
        }
        walls.push(run.wall);
    }
    let p50 = quantile(&walls, 0.5);
    let max = quantile(&walls, 1.0);
    if ideal.is_zero() {
        println!(
            "{label}: wall p50 {}, max {} over {iters} runs (all of it is worker overhead)",
            secs(p50),
            secs(max)
        );
        return walls;
    }
    println!(
        "{label}: wall p50 {}{}, max {}{} over {iters} runs; bound {BOUND}x = {}: {}",
        secs(p50),
        ratio(p50),
        secs(max),
        ratio(max),
        secs(ideal.mul_f64(BOUND)),
        if max.as_secs_f64() <= ideal.as_secs_f64() * BOUND {
            "within"
        } else {
            "EXCEEDED"
        }
    );
    walls
}

/// Starts one fake Windows sshd per instance (on their own runtime, as remote machines) and
/// writes the client key and a known_hosts file listing every one of them.
fn start_fakes(dir: &Path) -> (tokio::runtime::Runtime, Vec<FakeWindows>, SshTargets) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (key_file, public) = generate_client_key_named(dir, "bench_id").unwrap();
    let behaviour = FakeBehaviour {
        delay: COMMAND_TIME,
        ..FakeBehaviour::default()
    };
    let fakes: Vec<FakeWindows> = rt.block_on(async {
        let mut v = Vec::new();
        for _ in 0..INSTANCES {
            v.push(
                FakeWindows::start(behaviour.clone(), public.clone())
                    .await
                    .unwrap(),
            );
        }
        v
    });
    let known_hosts = dir.join("known_hosts");
    let lines: Vec<String> = fakes.iter().map(FakeWindows::known_hosts_line).collect();
    std::fs::write(&known_hosts, lines.join("\n") + "\n").unwrap();
    let ports = fakes.iter().map(FakeWindows::port).collect();
    (
        rt,
        fakes,
        SshTargets {
            ports,
            key_file,
            known_hosts,
            winrm: None,
        },
    )
}

/// Starts one WinRM stand-in per instance (NTLM over TLS, on their own runtime) and writes the
/// password and CA files.
fn start_winrm_fakes(dir: &Path) -> (tokio::runtime::Runtime, Vec<FakeWinrm>, SshTargets) {
    const PASSWORD: &str = "bench-Pa55";
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let behaviour = FakeBehaviour {
        delay: COMMAND_TIME,
        ..FakeBehaviour::default()
    };
    let options = WinrmOptions {
        ntlm: true,
        ..WinrmOptions::default()
    };
    let fakes: Vec<FakeWinrm> = rt.block_on(async {
        let mut v = Vec::new();
        for _ in 0..INSTANCES {
            v.push(
                FakeWinrm::start(
                    behaviour.clone(),
                    options.clone(),
                    "Administrator",
                    PASSWORD,
                )
                .await
                .unwrap(),
            );
        }
        v
    });
    let password = dir.join("winrm-password");
    std::fs::write(&password, PASSWORD).unwrap();
    let ca = dir.join("winrm-ca.pem");
    std::fs::write(&ca, CA_PEM).unwrap();
    let ports = fakes.iter().map(FakeWinrm::port).collect();
    (
        rt,
        fakes,
        SshTargets {
            ports,
            key_file: PathBuf::new(),
            known_hosts: PathBuf::new(),
            winrm: Some((password, ca)),
        },
    )
}

fn main() {
    let env = |name: &str| std::env::var(name).ok();
    let iters: usize = env("KMSBOT_BENCH_ITERS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let with_ssh = env("KMSBOT_BENCH_SSH").is_none_or(|v| v != "0");
    let with_winrm = env("KMSBOT_BENCH_WINRM").is_none_or(|v| v != "0");
    let profile = env("KMSBOT_BENCH_PROFILE").is_some_and(|v| v != "0");
    let sql = Arc::new(SqlStats::default());
    if profile {
        use tracing_subscriber::layer::SubscriberExt;
        let subscriber = tracing_subscriber::registry().with(SqlLayer(sql.clone()));
        tracing::subscriber::set_global_default(subscriber).unwrap();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let kb = Arc::new(knowledge::KnowledgeBase::builtin().unwrap());
    let total = Instant::now();
    let emulated = scenario(
        &rt,
        &kb,
        "emulated instances",
        Setup {
            ssh: None,
            command_time: COMMAND_TIME,
            sql: profile.then_some(&sql),
        },
        iters,
    );
    if profile {
        scenario(
            &rt,
            &kb,
            "emulated instances, instant commands (worker overhead only)",
            Setup {
                ssh: None,
                command_time: Duration::ZERO,
                sql: Some(&sql),
            },
            1,
        );
    }
    if with_ssh {
        let dir = tempfile::tempdir().unwrap();
        let (server_rt, fakes, targets) = start_fakes(dir.path());
        scenario(
            &rt,
            &kb,
            "SSH to fake Windows sshds (informative)",
            Setup {
                ssh: Some(&targets),
                command_time: COMMAND_TIME,
                sql: None,
            },
            iters,
        );
        drop(fakes);
        server_rt.shutdown_background();
    }
    if with_winrm {
        let dir = tempfile::tempdir().unwrap();
        let (server_rt, fakes, targets) = start_winrm_fakes(dir.path());
        scenario(
            &rt,
            &kb,
            "WinRM (NTLM over TLS) to WinRM stand-ins (informative)",
            Setup {
                ssh: Some(&targets),
                command_time: COMMAND_TIME,
                sql: None,
            },
            iters,
        );
        drop(fakes);
        server_rt.shutdown_background();
    }
    println!(
        "\nacceptance (emulated, worst of {}): {:.3}x ideal (bound {BOUND}x); total bench time {}",
        emulated.len(),
        quantile(&emulated, 1.0).as_secs_f64() / ideal().as_secs_f64(),
        secs(total.elapsed())
    );
}
