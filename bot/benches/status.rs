//! Read-only status at scale: `status all` over 200 instances whose commands each take 100 ms,
//! with `[jobs] concurrency = 50`, through the real `App` (the turn posts the table, the check
//! runs after the commit and edits it as instances answer; `App::flush` waits for it).
//!
//! Ideal wall time: ceil(200 / 50) waves x 2 commands (`/dli`, `/xpr`) x 100 ms = 0.8 s; the
//! acceptance bound is 1.15x that. Instances are emulated: a `ShellFactory` whose shell sleeps
//! 100 ms and answers like a licensed KMS client.
//!
//! Run with `cargo bench -p kmsbot --bench status`. `KMSBOT_BENCH_ITERS` (default 5) sets the
//! iterations.

// A benchmark: a failed setup step should stop it loudly, so `unwrap` is fine here.
#![allow(clippy::unwrap_used)]

use adapters::shell::{CommandOutput, RemoteShell, ShellError};
use adapters::{Chat, ChatError, Incoming, IncomingKind, Outgoing, Platform};
use async_trait::async_trait;
use kmsbot::config::{InstanceConfig, Transport};
use kmsbot::shells::ShellFactory;
use kmsbot::{App, Config, Store};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const INSTANCES: usize = 200;
const CONCURRENCY: usize = 50;
const COMMANDS: usize = 2;
const COMMAND_TIME: Duration = Duration::from_millis(100);
const BOUND: f64 = 1.15;

fn ideal() -> Duration {
    COMMAND_TIME * (INSTANCES.div_ceil(CONCURRENCY) * COMMANDS) as u32
}

/// The chat: keeps the newest text of the status message.
#[derive(Default)]
struct Recorder {
    last: Mutex<String>,
    edits: AtomicUsize,
}

#[async_trait]
impl Chat for Recorder {
    fn platform(&self) -> Platform {
        Platform::Console
    }

    async fn send(&self, out: &Outgoing) -> Result<Option<String>, ChatError> {
        match out {
            Outgoing::Post {
                local_id, message, ..
            } => {
                *self.last.lock().unwrap() = message.to_markdown();
                Ok(Some(local_id.to_string()))
            }
            Outgoing::Edit { message, .. } => {
                self.edits.fetch_add(1, Ordering::Relaxed);
                *self.last.lock().unwrap() = message.to_markdown();
                Ok(None)
            }
            Outgoing::React { .. } => Ok(None),
        }
    }
}

#[derive(Default)]
struct Stats {
    commands: AtomicUsize,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

/// A licensed KMS client that takes 100 ms per command.
struct Emulated(Arc<Stats>);

#[async_trait]
impl RemoteShell for Emulated {
    async fn run(&self, command: &str, _timeout: Duration) -> Result<CommandOutput, ShellError> {
        let now = self.0.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.0.peak.fetch_max(now, Ordering::SeqCst);
        self.0.commands.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(COMMAND_TIME).await;
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        let output = if command.ends_with("/dli") {
            "Name: Windows(R), ServerDatacenter edition\r\nDescription: Windows(R) Operating System, VOLUME_KMSCLIENT channel\r\nLicense Status: Licensed\r\nVolume activation expiration: 259200 minute(s) (180 day(s))\r\n    Registered KMS machine name: kms.corp.example:1688\r\n"
        } else {
            "Windows(R), ServerDatacenter edition:\r\n    Volume activation will expire 6/2/2027 3:14:07 PM\r\n"
        };
        Ok(CommandOutput {
            exit_status: Some(0),
            output: output.into(),
        })
    }
}

struct Shells(Arc<Stats>);

impl ShellFactory for Shells {
    fn open(&self, _instance: &InstanceConfig) -> Result<Arc<dyn RemoteShell>, String> {
        Ok(Arc::new(Emulated(self.0.clone())))
    }
}

fn config() -> Config {
    let mut c = Config::default();
    c.approvals.approvers = vec!["console:bob".into()];
    c.jobs.concurrency = CONCURRENCY;
    c.instances = (1..=INSTANCES)
        .map(|n| InstanceConfig {
            name: format!("web-{n:03}"),
            edition: "Windows Server 2019 Datacenter".into(),
            tags: Vec::new(),
            // Checked through the emulated shells; dry run needs no key files.
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
        })
        .collect();
    c
}

async fn run_once(kb: Arc<knowledge::KnowledgeBase>) -> (Duration, usize, usize) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("bench.db")).await.unwrap();
    let app = App::new(store.clone(), Arc::new(config()), kb);
    let chat = Arc::new(Recorder::default());
    app.register_chat(chat.clone());
    let stats = Arc::new(Stats::default());
    let worker = app.start_worker(Arc::new(Shells(stats.clone())));
    let ev = Incoming {
        platform: Platform::Console,
        event_id: "status-1".into(),
        channel: "ops".into(),
        thread: None,
        user: "console:bob".into(),
        user_name: None,
        roles: Vec::new(),
        kind: IncomingKind::Message {
            text: "status all".into(),
            message_ref: "m1".into(),
            direct: false,
        },
    };
    let started = Instant::now();
    app.handle(&ev).await.unwrap();
    app.flush().await;
    let wall = started.elapsed();
    let last = chat.last.lock().unwrap().clone();
    assert!(
        last.starts_with("Activation status of 200 instance(s)"),
        "{last}"
    );
    let rows = last
        .lines()
        .filter(|l| l.starts_with("web-") && l.contains(" licensed"))
        .count();
    assert_eq!(rows, INSTANCES, "{last}");
    assert_eq!(stats.commands.load(Ordering::SeqCst), INSTANCES * COMMANDS);
    let peak = stats.peak.load(Ordering::SeqCst);
    assert!(peak <= CONCURRENCY, "peak {peak}");
    app.shutdown();
    let _ = worker.await;
    store.close().await;
    (wall, peak, chat.edits.load(Ordering::Relaxed))
}

fn main() {
    let iters: usize = std::env::var("KMSBOT_BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let kb = Arc::new(knowledge::KnowledgeBase::builtin().unwrap());
    let ideal = ideal();
    println!(
        "status all: {INSTANCES} instances, concurrency {CONCURRENCY}, {COMMANDS} commands of {} ms each; ideal {:.2} s, bound {:.2} s",
        COMMAND_TIME.as_millis(),
        ideal.as_secs_f64(),
        ideal.as_secs_f64() * BOUND
    );
    let mut walls = Vec::new();
    for i in 0..iters {
        let (wall, peak, edits) = rt.block_on(run_once(kb.clone()));
        println!(
            "run {}: {:.3} s ({:.3}x), peak {peak} commands in flight, {edits} edits sent",
            i + 1,
            wall.as_secs_f64(),
            wall.as_secs_f64() / ideal.as_secs_f64()
        );
        walls.push(wall);
    }
    walls.sort();
    let max = walls.last().copied().unwrap_or_default();
    println!(
        "min {:.3} s, p50 {:.3} s, max {:.3} s ({:.3}x of ideal)",
        walls[0].as_secs_f64(),
        walls[walls.len() / 2].as_secs_f64(),
        max.as_secs_f64(),
        max.as_secs_f64() / ideal.as_secs_f64()
    );
    if max.as_secs_f64() > ideal.as_secs_f64() * BOUND {
        eprintln!("over the bound");
        std::process::exit(1);
    }
}
