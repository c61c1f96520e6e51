//! The crash test: the real `kmsbot chat` binary, driven like an operator would, is killed
//! (SIGKILL) at random points while requests are made and approved and while their jobs run on
//! the in-test SSH fake Windows instance, and restarted each time. Afterwards the audit log and
//! the instance's command log must show every effect exactly once, except the documented
//! at-least-once re-run of the step a kill interrupted (ARCHITECTURE.md, "Jobs: lease and
//! at-least-once"), which shows as the same command twice in a row.
//!
//! Reproducible: the kill points come from a fixed-seed generator.
#![allow(clippy::unwrap_used)] // tests may unwrap: a panic is the failure report

use kmsbot_tests::fake_windows::FakeBehaviour;
use kmsbot_tests::instance::Instance;
use kmsbot_tests::transcript::Env;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kmsbot");
const SLMGR: &str = r"cscript //nologo %SystemRoot%\System32\slmgr.vbs";
/// Kills to reach before the last round runs to its end undisturbed.
const KILLS: usize = 50;
/// Kills at least this many times inside a job (or while it resumes)...
const MIN_JOB_KILLS: usize = 8;
/// ...and at least this many times around approvals.
const MIN_APPROVAL_KILLS: usize = 20;
/// A bound on the run, whatever the timing.
const MAX_KILLS: usize = 80;
const SEED: u64 = 0x6b6d_7362_6f74_2121;

/// splitmix64: small, fixed-seed, good enough to spread kill points.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn expected_sequence() -> Vec<String> {
    vec![
        format!("{SLMGR} /ipk WMDGN-G9PQG-XVVXX-R3X43-63DFG"),
        format!("{SLMGR} /skms kms.corp.example:1688"),
        "net start w32time".into(),
        "w32tm /config /manualpeerlist:kms.corp.example /update".into(),
        "w32tm /resync".into(),
        format!("{SLMGR} /ato"),
        "w32tm /config /manualpeerlist:time.windows.com /update".into(),
        format!("{SLMGR} /dli"),
    ]
}

/// Reads the database the dead process left (nothing else has it open then).
struct Db {
    rt: tokio::runtime::Runtime,
    path: std::path::PathBuf,
}

impl Db {
    fn query<T: Send + Unpin + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>>(
        &self,
        sql: &str,
    ) -> Vec<T> {
        if !self.path.exists() {
            return Vec::new();
        }
        self.rt.block_on(async {
            let mut c = SqliteConnectOptions::new()
                .filename(&self.path)
                .read_only(true)
                .connect()
                .await
                .unwrap();
            let rows = sqlx::query_as::<_, T>(sql).fetch_all(&mut c).await.unwrap();
            c.close().await.unwrap();
            rows
        })
    }

    fn job_status(&self, id: i64) -> Option<String> {
        self.query::<(i64, String)>("SELECT id, status FROM jobs ORDER BY id")
            .into_iter()
            .find(|(i, _)| *i == id)
            .map(|(_, s)| s)
    }
}

#[test]
fn killed_at_random_points_during_approvals_and_jobs_no_effect_is_lost_or_doubled() {
    let started = Instant::now();
    let env = Env::new(BIN);
    // Each command takes a little while on the instance, so kills land inside steps too.
    let inst = Instance::start(
        env.dir.path(),
        "web-01",
        FakeBehaviour {
            delay: Duration::from_millis(25),
            ..FakeBehaviour::default()
        },
    );
    env.write_config(&format!(
        "[kms]\nhost = \"kms.corp.example\"\n[approvals]\napprovers = [\"console:bob\"]\n[jobs]\nstep_timeout_secs = 10\nconnect_timeout_secs = 5\nlease_secs = 2\n{}",
        inst.toml("web-01", "Windows Server 2019 Datacenter")
    ));
    let db = Db {
        rt: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
        path: env.db(),
    };
    let mut rng = Rng(SEED);
    let (mut approval_kills, mut job_kills, mut round, mut starts) = (0usize, 0usize, 1i64, 0);
    loop {
        let kills = approval_kills + job_kills;
        // At least KILLS in all and enough of each kind; when timing makes a planned kill miss
        // (the job ended first), more starts make up for it, up to a bound.
        let want_more = kills < MAX_KILLS
            && (kills < KILLS || job_kills < MIN_JOB_KILLS || approval_kills < MIN_APPROVAL_KILLS);
        // What an operator does next, judged from what the database shows (as the chat would).
        let (request, approve) = match db.job_status(round).as_deref() {
            None => (true, true),
            Some("awaiting_approval") => (false, true),
            Some("succeeded") => {
                if !want_more {
                    break;
                }
                round += 1;
                continue;
            }
            Some("queued" | "running" | "interrupted") => (false, false),
            Some(other) => panic!("job {round} ended {other}"),
        };
        starts += 1;
        assert!(starts < 300, "no progress after {starts} starts");
        let mut child = env.spawn_chat();
        let mut stdin = child.stdin.take().unwrap();
        let spawned = Instant::now();
        // The transcript, line by line, so the driver can act when the request is shown.
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut err = child.stderr.take().unwrap();
        let drain_err = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        let mut transcript = String::new();
        // Where this start is killed: while its request is handled (within 20 ms of sending it),
        // while its approval is handled (within 4 ms), or inside a job step (after 1-4 more
        // commands reached the instance). Starts that only resume a job are killed in a step
        // less often: each such kill costs a lease wait (`lease_secs`, 2 s) in the next start.
        let roll = rng.below(10);
        let kill_in_request = request && want_more && roll < 3;
        let aim_at_approval = approve && want_more && roll < 7;
        let kill_later = want_more && !aim_at_approval && roll < if approve { 9 } else { 2 };
        let mut kill_at = None;
        if request {
            stdin.write_all(b"/as alice\nactivate web-01\n").unwrap();
            stdin.flush().unwrap();
        }
        if kill_in_request {
            kill_at = Some(spawned.elapsed() + Duration::from_millis(rng.below(20)));
        } else if request {
            // The approval request is posted (it lists the commands), then bob approves it.
            loop {
                let line = rx
                    .recv_timeout(Duration::from_secs(30))
                    .expect("the approval request is shown");
                transcript.push_str(&line);
                transcript.push('\n');
                if line.contains("/ipk") {
                    break;
                }
            }
        }
        if approve && !kill_in_request {
            stdin
                .write_all(format!("/as bob\napprove {round}\n").as_bytes())
                .unwrap();
            stdin.flush().unwrap();
            let sent = spawned.elapsed();
            if aim_at_approval {
                kill_at = Some(sent + Duration::from_millis(rng.below(4)));
            }
        }
        // A later kill lands inside a step: once the instance has received `n` more commands,
        // up to 25 ms into the last one (each takes 25 ms there).
        let seen = inst.commands().len();
        let in_step = kill_later.then(|| {
            (
                seen + 1 + usize::try_from(rng.below(4)).unwrap_or(0),
                Duration::from_millis(rng.below(25)),
            )
        });
        let mut step_reached: Option<Instant> = None;
        drop(stdin);
        let mut killed = false;
        loop {
            while let Ok(line) = rx.try_recv() {
                transcript.push_str(&line);
                transcript.push('\n');
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if let Some((n, extra)) = in_step {
                if step_reached.is_none() && inst.commands().len() >= n {
                    step_reached = Some(Instant::now());
                }
                if step_reached.is_some_and(|at| at.elapsed() >= extra) {
                    child.kill().unwrap();
                    killed = true;
                    break;
                }
            }
            if kill_at.is_some_and(|at| spawned.elapsed() >= at) {
                child.kill().unwrap();
                killed = true;
                break;
            }
            assert!(
                spawned.elapsed() < Duration::from_secs(60),
                "kmsbot chat did not end"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        let status = child.wait().unwrap();
        let stderr = drain_err.join().unwrap();
        if std::env::var("CRASH_DEBUG").is_ok() {
            eprintln!(
                "start {starts} round {round} took {:?} kill_at {kill_at:?} approval {aim_at_approval} killed {killed} now {:?}",
                spawned.elapsed(),
                db.job_status(round)
            );
        }
        if killed {
            if aim_at_approval {
                approval_kills += 1;
            } else {
                job_kills += 1;
            }
        } else {
            while let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
                transcript.push_str(&line);
                transcript.push('\n');
            }
            assert!(status.success(), "{status:?}\n{transcript}\n{stderr}");
        }
    }
    let rounds = round;
    let kills = approval_kills + job_kills;
    eprintln!(
        "crash test: {kills} kills ({approval_kills} while an approval was handled, {job_kills} later or while a job resumed), {starts} starts, {rounds} jobs, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(kills >= KILLS);
    assert!(
        approval_kills >= MIN_APPROVAL_KILLS,
        "kills around approvals: {approval_kills}"
    );
    assert!(
        job_kills >= MIN_JOB_KILLS,
        "kills while jobs ran: {job_kills}"
    );

    // No request or job was doubled, and every job succeeded.
    let jobs = db.query::<(i64, String)>("SELECT id, status FROM jobs ORDER BY id");
    assert_eq!(jobs.len() as i64, rounds, "{jobs:?}");
    assert!(jobs.iter().all(|(_, s)| s == "succeeded"), "{jobs:?}");
    let requests = db.query::<(i64,)>("SELECT id FROM approval_requests");
    assert_eq!(requests.len() as i64, rounds);

    // The audit log: every effect once.
    let audit = db.query::<(String, Option<String>)>(
        "SELECT action, subject FROM audit_log WHERE subject LIKE 'job:%' ORDER BY id",
    );
    for job in 1..=rounds {
        let subject = format!("job:{job}");
        let count = |action: &str| {
            audit
                .iter()
                .filter(|(a, s)| a == action && s.as_deref() == Some(subject.as_str()))
                .count()
        };
        for once in ["requested", "approved", "succeeded"] {
            assert_eq!(count(once), 1, "{once} for {subject}: {audit:?}");
        }
        for step in 1..=8 {
            assert_eq!(
                count(&format!("step {step} succeeded")),
                1,
                "step {step} of {subject}: {audit:?}"
            );
        }
        assert_eq!(count("failed"), 0);
        assert!(count("started") >= 1);
    }

    // The instance: each job's commands in order, each once, except a step re-run after a kill
    // interrupted it (the same command twice in a row).
    let cmds = inst.commands();
    let mut collapsed: Vec<String> = Vec::new();
    let mut reruns = 0;
    for c in cmds {
        if collapsed.last() == Some(&c) {
            reruns += 1;
        } else {
            collapsed.push(c);
        }
    }
    let expected: Vec<String> = (0..rounds).flat_map(|_| expected_sequence()).collect();
    assert_eq!(
        collapsed, expected,
        "the instance saw a command out of order or lost"
    );
    assert!(
        reruns <= kills,
        "{reruns} re-runs for {job_kills} kills during jobs"
    );
    eprintln!("crash test: {reruns} interrupted steps re-run");
}
