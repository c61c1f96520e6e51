//! The console's hot path, measured on the real binary: `kmsbot chat --db <fresh file>` with
//! 1,000 piped questions (a 12-question mix of knowledge-base answers, each turn a durable
//! SQLite transaction), against the same with one question.
//!
//! * per message: (wall(1,000) - wall(1)) / 999, the median over the runs;
//! * CPU per message: the same difference of user + system time (this process's children's
//!   times from `/proc/self/stat`, 10 ms clock ticks, so over 1,000 messages ±0.01 ms);
//! * start to first reply: from spawning `kmsbot chat` on an existing database to the first
//!   byte of its answer on stdout;
//! * the same per-message figures for 1,000 different questions (the development sets'), each
//!   asked once: no answer is worked out twice, so the bot's answer memo does not help.
//!
//! Run with `cargo bench -p kmsbot --bench console`. `KMSBOT_BENCH_ITERS` (default 9) sets the
//! runs; `KMSBOT_BENCH_BASELINE=/path/to/another/kmsbot` measures that binary too, run for run
//! in turn with this one, so a before/after comparison shares the machine's state.

// A benchmark: a failed setup step should stop it loudly, so `unwrap` is fine here.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MESSAGES: usize = 1000;

/// User + system seconds of the children this process has waited for.
fn children_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // The fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // cutime and cstime are fields 16 and 17 of the whole line: 14 and 15 of `rest`.
    let ticks: f64 = fields[13].parse::<f64>().unwrap() + fields[14].parse::<f64>().unwrap();
    ticks / 100.0
}

/// The question mix, shared with the knowledge crate's answer bench.
const QUESTIONS: &str = include_str!("../../knowledge/benches/questions.txt");

/// `n` different questions: the first line of every question of the knowledge crate's
/// development sets that starts no thread of its own (no `follows`), in file order, once each
/// (the held-out sets are left alone). Each is asked in the context the one before it left, as
/// piped lines are, so an answer is never worked out twice.
fn distinct_script(n: usize) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../knowledge/tests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("dev") && name.ends_with(".toml")
        })
        .collect();
    files.sort();
    let mut seen = std::collections::HashSet::new();
    let mut out = String::new();
    'files: for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for item in text.split("[[q]]").skip(1) {
            let field = |name: &str| {
                item.lines()
                    .find_map(|l| l.strip_prefix(name)?.strip_prefix(" = "))
                    .and_then(|v| serde_json::from_str::<String>(v).ok())
            };
            let (Some(q), Some(follows)) = (field("q"), field("follows")) else {
                continue;
            };
            // Console commands and multi-line pastes are not one plain question a line.
            if !follows.is_empty() || q.starts_with('/') || q.contains('\n') || q.trim().is_empty()
            {
                continue;
            }
            if seen.insert(q.clone()) {
                out.push_str(&q);
                out.push('\n');
                if seen.len() == n {
                    break 'files;
                }
            }
        }
    }
    assert_eq!(
        seen.len(),
        n,
        "enough different questions in the development sets"
    );
    out.into_bytes()
}

fn script(n: usize) -> Vec<u8> {
    let questions: Vec<&str> = QUESTIONS.lines().collect();
    let mut s = String::new();
    for i in 0..n {
        s.push_str(questions[i % questions.len()]);
        s.push('\n');
    }
    s.into_bytes()
}

/// One whole run: (wall, cpu) of `chat` answering `input` on a fresh database.
fn run(exe: &Path, dir: &Path, input: &[u8], questions: usize) -> (Duration, f64) {
    let db = dir.join(format!("bench-{}.db", rand_suffix()));
    let cpu0 = children_cpu();
    let started = Instant::now();
    let mut child = chat(exe)
        .arg(&db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        stdin.write_all(&input).unwrap();
    });
    let mut out = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    let status = child.wait().unwrap();
    let wall = started.elapsed();
    writer.join().unwrap();
    assert!(status.success(), "kmsbot chat failed");
    let answers = String::from_utf8_lossy(&out)
        .lines()
        .filter(|l| l.starts_with("[#"))
        .count();
    // A question may start a request's conversation, whose replies are more than one.
    assert!(answers >= questions, "an answer per question");
    (wall, children_cpu() - cpu0)
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// Start to the first byte of the first answer, on an existing database.
fn first_reply(exe: &Path, db: &Path) -> Duration {
    let started = Instant::now();
    let mut child = chat(exe)
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"srv 2019 dc\n").unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut byte = [0u8; 1];
    stdout.read_exact(&mut byte).unwrap();
    let took = started.elapsed();
    drop(stdin);
    let mut rest = Vec::new();
    stdout.read_to_end(&mut rest).unwrap();
    child.wait().unwrap();
    took
}

/// `kmsbot chat`, without this bench's own `KMSBOT_BENCH_*` variables (the bot reads every
/// `KMSBOT_*` variable as configuration).
fn chat(exe: &Path) -> Command {
    let mut cmd = Command::new(exe);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("KMSBOT_") {
            cmd.env_remove(k);
        }
    }
    cmd.args(["chat", "--db"]);
    cmd
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

struct Figures {
    per_msg_ms: Vec<f64>,
    cpu_per_msg_ms: Vec<f64>,
    distinct_per_msg_ms: Vec<f64>,
    distinct_cpu_per_msg_ms: Vec<f64>,
    first_reply_ms: Vec<f64>,
}

fn main() {
    let iters: usize = std::env::var("KMSBOT_BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(9);
    let mut exes = vec![("this tree", PathBuf::from(env!("CARGO_BIN_EXE_kmsbot")))];
    if let Some(base) = std::env::var_os("KMSBOT_BENCH_BASELINE") {
        exes.push(("baseline", PathBuf::from(base)));
    }
    let dir = tempfile::tempdir().unwrap();
    let many = script(MESSAGES);
    let distinct = distinct_script(MESSAGES);
    let one = script(1);
    let mut figures: Vec<Figures> = exes
        .iter()
        .map(|_| Figures {
            per_msg_ms: Vec::new(),
            cpu_per_msg_ms: Vec::new(),
            distinct_per_msg_ms: Vec::new(),
            distinct_cpu_per_msg_ms: Vec::new(),
            first_reply_ms: Vec::new(),
        })
        .collect();
    // Existing databases for the start-up figure (created, migrated, one answer stored).
    let dbs: Vec<PathBuf> = exes
        .iter()
        .enumerate()
        .map(|(i, (_, exe))| {
            let db = dir.path().join(format!("existing-{i}.db"));
            let _ = first_reply(exe, &db);
            db
        })
        .collect();
    // Warm-up (page cache, binary).
    for (_, exe) in &exes {
        run(exe, dir.path(), &one, 1);
        run(exe, dir.path(), &many, MESSAGES);
    }
    for _ in 0..iters {
        for (i, (_, exe)) in exes.iter().enumerate() {
            let (w1, c1) = run(exe, dir.path(), &one, 1);
            let (wn, cn) = run(exe, dir.path(), &many, MESSAGES);
            let (wd, cd) = run(exe, dir.path(), &distinct, MESSAGES);
            let f = &mut figures[i];
            f.distinct_per_msg_ms
                .push((wd.as_secs_f64() - w1.as_secs_f64()) * 1000.0 / (MESSAGES - 1) as f64);
            f.distinct_cpu_per_msg_ms
                .push((cd - c1) * 1000.0 / (MESSAGES - 1) as f64);
            f.per_msg_ms
                .push((wn.as_secs_f64() - w1.as_secs_f64()) * 1000.0 / (MESSAGES - 1) as f64);
            f.cpu_per_msg_ms
                .push((cn - c1) * 1000.0 / (MESSAGES - 1) as f64);
            f.first_reply_ms
                .push(first_reply(exe, &dbs[i]).as_secs_f64() * 1000.0);
        }
    }
    println!("console: {MESSAGES} piped questions vs 1, {iters} runs each (median [min-max])");
    for (i, (name, exe)) in exes.iter().enumerate() {
        let f = &mut figures[i];
        let show = |v: &mut Vec<f64>| {
            let (lo, hi) = (
                v.iter().copied().fold(f64::INFINITY, f64::min),
                v.iter().copied().fold(0.0, f64::max),
            );
            format!("{:.3} [{:.3}-{:.3}]", median(v), lo, hi)
        };
        println!("{name} ({}):", exe.display());
        println!("  per message, wall ms:   {}", show(&mut f.per_msg_ms));
        println!("  per message, CPU ms:    {}", show(&mut f.cpu_per_msg_ms));
        println!("  start to first reply ms: {}", show(&mut f.first_reply_ms));
        println!(
            "  {MESSAGES} different questions, per message, wall ms: {}",
            show(&mut f.distinct_per_msg_ms)
        );
        println!(
            "  {MESSAGES} different questions, per message, CPU ms:  {}",
            show(&mut f.distinct_cpu_per_msg_ms)
        );
    }
}
