//! `kmsbot serve` against the in-test Slack stand-in (Web API + Socket Mode on loopback):
//! questions, slot filling, approvals by reaction and button, redelivery, rate limits,
//! reconnects, the Events API signature checks, health endpoints and a SIGTERM mid-job.
#![allow(clippy::unwrap_used)] // tests may unwrap: a panic is the failure report

use kmsbot_tests::fake_windows::{FakeBehaviour, FakeLicense};
use kmsbot_tests::instance::Instance;
use kmsbot_tests::slack_standin::{event_callback, http_post, SlackStandIn};
use kmsbot_tests::transcript::Env;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::process::Child;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kmsbot");
const SECRET: &str = "test-signing-secret";

struct Served {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Rig {
    rt: tokio::runtime::Runtime,
    slack: SlackStandIn,
    env: Env,
}

impl Rig {
    fn new(mode: &str, extra: &str) -> Rig {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let slack = rt.block_on(SlackStandIn::start());
        let mut env = Env::new(BIN);
        env.write_config(&format!(
            "[http]\nlisten = \"127.0.0.1:0\"\n[slack]\nmode = \"{mode}\"\napi_url = \"{}\"\n[kms]\nhost = \"kms.corp.example\"\n[approvals]\napprovers = [\"slack:UBOB\"]\n[jobs]\nstep_timeout_secs = 5\n{extra}",
            slack.api_url()
        ));
        env.vars
            .push(("KMSBOT_SLACK_BOT_TOKEN".into(), "xoxb-test-token".into()));
        env.vars
            .push(("KMSBOT_SLACK_APP_TOKEN".into(), "xapp-test-token".into()));
        env.vars
            .push(("KMSBOT_SLACK_SIGNING_SECRET".into(), SECRET.into()));
        Rig { rt, slack, env }
    }

    fn serve(&self) -> Served {
        let (child, addr) = self.env.spawn_serve();
        Served { child, addr }
    }

    fn wait_for(&self, what: &str, mut cond: impl FnMut(&SlackStandIn) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !cond(&self.slack) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; calls: {:#?}",
                self.slack.all_calls()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    fn connected(&self, n: usize) {
        assert!(self
            .rt
            .block_on(self.slack.wait_connections(n, Duration::from_secs(30))));
    }

    fn posts(&self) -> Vec<Value> {
        self.slack.calls("chat.postMessage")
    }

    fn post_containing(&self, needle: &str) -> Option<(usize, Value)> {
        self.posts()
            .into_iter()
            .enumerate()
            .find(|(_, p)| p["text"].as_str().is_some_and(|t| t.contains(needle)))
    }

    /// Waits for a post containing `needle` and returns (its ts, its body).
    fn wait_post(&self, needle: &str) -> (String, Value) {
        self.wait_for(&format!("a post containing {needle:?}"), |_| {
            self.post_containing(needle).is_some()
        });
        let (i, v) = self.post_containing(needle).unwrap();
        // The stand-in answers the n-th successful post with ts 1700000000.(n*100).
        (format!("1700000000.{:06}", (i as u64 + 1) * 100), v)
    }
}

fn message(event_id: &str, user: &str, text: &str, ts: &str, thread_ts: Option<&str>) -> Value {
    let mut ev = json!({
        "type": "message", "channel": "C1", "channel_type": "channel", "user": user,
        "text": text, "ts": ts, "event_ts": ts
    });
    if let Some(t) = thread_ts {
        ev["thread_ts"] = json!(t);
    }
    event_callback(event_id, ev)
}

fn reaction(event_id: &str, user: &str, emoji: &str, ts: &str) -> Value {
    event_callback(
        event_id,
        json!({"type": "reaction_added", "user": user, "reaction": emoji,
               "item": {"type": "message", "channel": "C1", "ts": ts}, "event_ts": "1700000500.000001"}),
    )
}

#[test]
fn questions_requests_redelivery_rate_limits_reconnects_and_health() {
    let rig = Rig::new("socket", "");
    let served = rig.serve();
    rig.connected(1);
    let (code, body) = kmsbot_tests::http::get(served.addr, "/healthz");
    assert_eq!(code, 200, "{body}");
    rig.wait_for("readiness", |_| {
        kmsbot_tests::http::get(served.addr, "/readyz").0 == 200
    });

    // A question is answered in the thread of the asking message, three deliveries, one answer.
    let q = message(
        "Ev1",
        "U1",
        "<@UBOT> what is the kms key for server 2019 datacenter?",
        "1700000001.000100",
        None,
    );
    for _ in 0..3 {
        rig.slack.push_event(q.clone());
    }
    let (_, answer) = rig.wait_post("WMDGN-G9PQG-XVVXX-R3X43-63DFG");
    assert_eq!(answer["thread_ts"], "1700000001.000100");
    assert_eq!(answer["channel"], "C1");
    // Sentinel: events are handled and replies sent in order, so once the reply to a later
    // event is posted, a second answer to the redeliveries would have been posted before it.
    rig.slack.push_event(message(
        "Ev1-sentinel",
        "U1",
        "<@UBOT> jobs",
        "1700000001.000500",
        None,
    ));
    rig.wait_post("No activation jobs yet");
    assert_eq!(
        rig.posts()
            .iter()
            .filter(|p| p["text"]
                .as_str()
                .is_some_and(|t| t.contains("WMDGN-G9PQG")))
            .count(),
        1,
        "the same event delivered three times has one effect"
    );
    assert_eq!(rig.posts().len(), 2, "the answer and the sentinel's reply");

    // Slot filling in the thread, without a mention: the thread is the bot's.
    rig.slack.push_event(message(
        "Ev2",
        "U1",
        "<@UBOT> open tcp 1688 from 10.20.0.0/16",
        "1700000002.000100",
        None,
    ));
    rig.wait_post("Where does the traffic go");
    rig.slack.push_event(message(
        "Ev3",
        "U1",
        "to 203.0.113.7 for KMS activation as <@U9> and <#C2|ops> asked",
        "1700000002.000200",
        Some("1700000002.000100"),
    ));
    let (_, filed) = rig.wait_post("FW-1");
    assert_eq!(filed["thread_ts"], "1700000002.000100");
    assert!(
        filed["text"].as_str().unwrap().contains("*FW-1*"),
        "mrkdwn bold: {filed}"
    );
    // The requester's mention notifies; what the user wrote stays escaped.
    let text = filed["text"].as_str().unwrap();
    assert!(text.contains("for <@U1>"), "{text}");
    assert!(
        text.contains("an approver (<@UBOB>)"),
        "approvers are notified: {text}"
    );
    assert!(text.contains("&lt;@U9&gt;"), "{text}");
    assert!(text.contains("&lt;#C2|ops&gt;"), "{text}");
    assert!(!text.contains("&lt;@U1&gt;"), "{text}");
    // The ticket's fields are a two-column Block Kit section.
    let blocks = filed["blocks"].as_array().expect("Block Kit for a ticket");
    let fields = blocks
        .iter()
        .find_map(|b| b["fields"].as_array())
        .expect("a fields section");
    assert!(
        fields.iter().any(|f| f["text"] == "*Kind*\nfirewall rule"),
        "{fields:?}"
    );

    // A 429 with Retry-After is waited out and retried, not dropped.
    rig.slack.fail_next("chat.postMessage", 1, 1);
    let started = Instant::now();
    rig.slack.push_event(message(
        "Ev4",
        "U1",
        "<@UBOT> what does 0xC004F074 mean",
        "1700000003.000100",
        None,
    ));
    // The stand-in records the refused attempt and the retry.
    rig.wait_for("the retried post", |s| {
        s.calls("chat.postMessage")
            .iter()
            .filter(|p| {
                p["text"]
                    .as_str()
                    .unwrap_or("")
                    .contains("No KMS host could be contacted")
            })
            .count()
            == 2
    });
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );

    // A dropped Socket Mode connection is re-established and events flow again.
    rig.slack.drop_socket();
    rig.connected(2);
    rig.slack.push_event(message(
        "Ev5",
        "U1",
        "<@UBOT> help",
        "1700000004.000100",
        None,
    ));
    rig.wait_post("I'm kmsbot");

    let (code, metrics) = kmsbot_tests::http::get(served.addr, "/metrics");
    assert_eq!(code, 200);
    assert!(
        metrics.contains("kmsbot_events_total{platform=\"slack\",outcome=\"done\"}"),
        "{metrics}"
    );
    // The two redeliveries had no effect: absorbed by the inbox (the event still waiting there)
    // or by the turn's dedupe (the event already handled).
    let count = |name: &str| {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    assert_eq!(
        count("kmsbot_events_total{platform=\"slack\",outcome=\"duplicate\"}")
            + count("kmsbot_inbox_redeliveries_total"),
        2,
        "{metrics}"
    );
    assert!(
        metrics.contains("kmsbot_tickets_total{kind=\"firewall\",status=\"open\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("kmsbot_answer_duration_seconds_bucket"),
        "{metrics}"
    );
}

#[test]
fn activation_approved_by_reaction_and_by_button() {
    let rig = Rig::new(
        "socket",
        "[[instances]]\nname = \"web-01\"\nedition = \"Windows Server 2019 Datacenter\"\ntransport = \"dry-run\"\n[[instances]]\nname = \"web-02\"\nedition = \"Windows Server 2022 Standard\"\ntransport = \"dry-run\"\n",
    );
    let _served = rig.serve();
    rig.connected(1);
    rig.slack.push_event(message(
        "Ev1",
        "U1",
        "<@UBOT> activate web-01",
        "1700000001.000100",
        None,
    ));
    let (approval_ts, approval) = rig.wait_post("Activation request");
    assert!(
        approval["blocks"]
            .to_string()
            .contains("\"action_id\":\"approve\""),
        "buttons: {approval}"
    );
    rig.wait_for("the bot's own reactions", |s| {
        s.calls("reactions.add").len() >= 2
    });
    // The requester cannot approve; the approver can.
    rig.slack
        .push_event(reaction("Ev2", "U1", "white_check_mark", &approval_ts));
    rig.wait_post("cannot approve it yourself");
    rig.slack
        .push_event(reaction("Ev3", "UBOB", "white_check_mark", &approval_ts));
    rig.wait_post("job #1 was rehearsed");
    rig.wait_for("the progress message edited", |s| {
        s.calls("chat.update").iter().any(|u| {
            u["text"]
                .as_str()
                .unwrap_or("")
                .contains("Job #1 on web-01 (kms): rehearsed")
        })
    });

    // A Block Kit button click approves the second request.
    rig.slack.push_event(message(
        "Ev4",
        "U1",
        "<@UBOT> activate web-02",
        "1700000005.000100",
        None,
    ));
    let (ts2, _) = rig.wait_post("**Job #2: web-02**".replace("**", "*").as_str());
    let click = json!({
        "type": "block_actions",
        "user": {"id": "UBOB", "username": "bob"},
        "channel": {"id": "C1"},
        "container": {"type": "message", "message_ts": ts2, "channel_id": "C1"},
        "message": {"ts": ts2, "thread_ts": "1700000005.000100"},
        "actions": [{"action_id": "approve", "block_id": "b", "type": "button", "action_ts": "1700000006.000001"}]
    });
    rig.slack.push_interactive(click);
    rig.wait_post("job #2 was rehearsed");
}

#[test]
fn events_api_requests_must_be_signed_and_fresh() {
    let rig = Rig::new("events", "");
    let served = rig.serve();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let body = message("EvS1", "U1", "<@UBOT> help", "1700000001.000100", None).to_string();
    let sig = adapters::slack::sign_request(SECRET, &now, body.as_bytes());
    let post = |headers: &[(&str, &str)], body: &str| {
        rig.rt
            .block_on(http_post(
                served.addr,
                "/slack/events",
                headers,
                body.as_bytes(),
            ))
            .0
    };
    let bad_sig = adapters::slack::sign_request("wrong-secret", &now, body.as_bytes());
    let stale = "1531420618";
    let stale_sig = adapters::slack::sign_request(SECRET, stale, body.as_bytes());
    assert_eq!(
        post(
            &[
                ("X-Slack-Request-Timestamp", &now),
                ("X-Slack-Signature", &bad_sig)
            ],
            &body
        ),
        401
    );
    assert_eq!(
        post(
            &[
                ("X-Slack-Request-Timestamp", stale),
                ("X-Slack-Signature", &stale_sig)
            ],
            &body
        ),
        401
    );
    assert_eq!(post(&[], &body), 401);
    assert_eq!(post(&[("X-Slack-Request-Timestamp", &now)], &body), 401);

    assert_eq!(
        post(
            &[
                ("X-Slack-Request-Timestamp", &now),
                ("X-Slack-Signature", &sig)
            ],
            &body
        ),
        200
    );
    // The accepted request is the sentinel: the refused ones came first, so any effect of
    // theirs would be posted before its reply (and its event id would be taken).
    rig.wait_post("I'm kmsbot");
    assert_eq!(rig.posts().len(), 1, "no effect from refused requests");
    // The URL verification challenge.
    let challenge =
        json!({"type": "url_verification", "challenge": "abc123", "token": "x"}).to_string();
    let sig = adapters::slack::sign_request(SECRET, &now, challenge.as_bytes());
    let (code, text) = rig.rt.block_on(http_post(
        served.addr,
        "/slack/events",
        &[
            ("X-Slack-Request-Timestamp", &now),
            ("X-Slack-Signature", &sig),
        ],
        challenge.as_bytes(),
    ));
    assert_eq!(code, 200);
    assert!(text.contains("abc123"), "{text}");
}

#[test]
fn sigterm_during_a_job_leaves_it_resumable() {
    let rig0 = Rig::new("socket", "");
    let inst = Instance::start(
        rig0.env.dir.path(),
        "web-01",
        FakeBehaviour {
            delay: Duration::from_millis(400),
            ..FakeBehaviour::default()
        },
    );
    let rig = Rig::new(
        "socket",
        &inst.toml("web-01", "Windows Server 2019 Datacenter"),
    );
    let mut served = rig.serve();
    rig.connected(1);
    rig.slack.push_event(message(
        "Ev1",
        "U1",
        "<@UBOT> activate web-01",
        "1700000001.000100",
        None,
    ));
    let (approval_ts, _) = rig.wait_post("Activation request");
    rig.slack
        .push_event(reaction("Ev2", "UBOB", "white_check_mark", &approval_ts));
    let deadline = Instant::now() + Duration::from_secs(30);
    while inst.commands().len() < 3 {
        assert!(Instant::now() < deadline, "job never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &served.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = served.child.wait().unwrap();
    assert!(exit.success(), "clean exit on SIGTERM: {exit:?}");
    let ran = inst.commands().len();
    assert!(ran < 8, "stopped before the end: {ran} commands");
    let jobs = rig.env.cli(&["jobs", "list", "--json"]);
    let jobs: Vec<Value> = serde_json::from_str(&jobs.stdout).unwrap();
    assert_eq!(jobs[0]["status"], "interrupted", "checkpointed, not lost");
    // After a restart the job resumes from its first unfinished step and succeeds.
    let _again = rig.serve();
    rig.wait_post("job #1 succeeded");
    let cmds = inst.commands();
    assert_eq!(cmds.len(), 8, "each step ran once: {cmds:?}");
}

/// Seconds since midnight of a stored UTC timestamp (`2026-12-04T18:40:00.123Z`).
fn day_seconds(at: &str) -> f64 {
    let time = at.split('T').nth(1).unwrap().trim_end_matches('Z');
    let mut parts = time.split(':').map(|p| p.parse::<f64>().unwrap());
    let (h, m, s) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    h * 3600.0 + m * 60.0 + s
}

#[test]
fn a_rate_limited_slack_does_not_slow_a_job_and_its_progress_is_edited_once_slack_recovers() {
    let rig = Rig::new(
        "socket",
        "[[instances]]\nname = \"web-01\"\nedition = \"Windows Server 2019 Datacenter\"\ntransport = \"dry-run\"\n",
    );
    let served = rig.serve();
    rig.connected(1);
    rig.slack.push_event(message(
        "Ev1",
        "U1",
        "<@UBOT> activate web-01",
        "1700000001.000100",
        None,
    ));
    let (approval_ts, _) = rig.wait_post("Activation request");
    rig.wait_for("the bot's own reactions", |s| {
        s.calls("reactions.add").len() >= 2
    });

    // From now on every Web API call that writes answers 429 (Retry-After: 1 s), for ever.
    for method in ["chat.postMessage", "chat.update", "reactions.add"] {
        rig.slack.fail_next(method, u32::MAX, 1);
    }
    let approved_at = Instant::now();
    rig.slack
        .push_event(reaction("Ev2", "UBOB", "white_check_mark", &approval_ts));

    // The job runs at step speed: every Slack call now takes 4+ s of 429s and then fails, so a
    // worker that waited for its progress edits would need minutes for 8 steps.
    let job = loop {
        let run = rig.env.cli(&["jobs", "show", "1", "--json"]);
        if run.code == Some(0) {
            let v: Value = serde_json::from_str(&run.stdout).unwrap();
            if v["status"] == "rehearsed" {
                break v;
            }
        }
        assert!(
            approved_at.elapsed() < Duration::from_secs(15),
            "job #1 did not finish while Slack was rate limiting"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = day_seconds(job["finished_at"].as_str().unwrap())
        - day_seconds(job["started_at"].as_str().unwrap());
    assert!(
        (0.0..3.0).contains(&took),
        "8 dry-run steps took {took:.2} s while Slack answered 429"
    );
    assert_eq!(job["steps"].as_array().unwrap().len(), 8);

    // Nothing reached Slack yet, and /metrics shows the waiting deliveries.
    let (status, metrics) = kmsbot_tests::http::get(served.addr, "/metrics");
    assert_eq!(status, 200);
    let queued: f64 = metrics
        .lines()
        .find(|l| l.starts_with("kmsbot_outbox_queued{platform=\"slack\"}"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no outbox gauge in /metrics:\n{metrics}"));
    assert!(queued >= 1.0, "{metrics}");
    assert!(metrics.contains("kmsbot_outbox_oldest_age_seconds{platform=\"slack\"}"));

    // Slack recovers: the queued progress post goes out first, then its edit with the end state.
    let updates_before = rig.slack.calls("chat.update").len();
    for method in ["chat.postMessage", "chat.update", "reactions.add"] {
        rig.slack.fail_next(method, 0, 0);
    }
    rig.wait_for("the progress message edited after recovery", |s| {
        s.calls("chat.update")[updates_before..].iter().any(|u| {
            u["text"]
                .as_str()
                .unwrap_or("")
                .contains("Job #1 on web-01 (kms): rehearsed")
        })
    });
    rig.wait_post("job #1 was rehearsed");
    // The stand-in records a call before it answers; the gauge drops once the answer is in.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, metrics) = kmsbot_tests::http::get(served.addr, "/metrics");
        if metrics.contains("kmsbot_outbox_queued{platform=\"slack\"} 0") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "outbox never drained:\n{metrics}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Sends `head` and `body_prefix` on a fresh connection (never the rest of a declared body) and
/// returns the status of the answer, read as soon as its headers arrive.
fn partial_exchange(addr: SocketAddr, head: &str, body_prefix: &[u8]) -> u16 {
    use std::io::{Read, Write};
    assert!(addr.ip().is_loopback());
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    // A guard against a hang, not a timing assertion.
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body_prefix).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s
            .read(&mut buf)
            .expect("an answer before the rest of the body");
        assert!(
            n > 0,
            "closed without an answer: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got).to_string();
    text.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn unix_now() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string()
}

#[test]
fn slack_headers_are_checked_before_the_body_is_read_and_bodies_are_capped() {
    let mut rig = Rig::new("events", "");
    rig.env
        .vars
        .push(("KMSBOT_HTTP_BODY_TIMEOUT_SECS".into(), "1".into()));
    let served = rig.serve();
    let now = unix_now();
    let head = |extra: &str, length: usize| {
        format!(
            "POST /slack/events HTTP/1.1\r\nHost: kmsbot\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n{extra}\r\n"
        )
    };
    // 50 MB declared, 100 bytes sent, no signature: refused without waiting for (or buffering)
    // the rest. The old server read the whole body before looking at the headers.
    let huge = 50_000_000;
    assert_eq!(
        partial_exchange(served.addr, &head("", huge), &[b'{'; 100]),
        401
    );
    // A fresh timestamp but a signature that is not of Slack's form: refused the same way.
    let bogus = format!("X-Slack-Request-Timestamp: {now}\r\nX-Slack-Signature: v0=nothex\r\n");
    assert_eq!(
        partial_exchange(served.addr, &head(&bogus, huge), b"{}"),
        401
    );
    // A stale timestamp with a well-formed signature: refused before the body.
    let stale = format!(
        "X-Slack-Request-Timestamp: 1531420618\r\nX-Slack-Signature: v0={}\r\n",
        "a".repeat(64)
    );
    assert_eq!(
        partial_exchange(served.addr, &head(&stale, huge), b"{}"),
        401
    );

    // A really signed body over the cap: 413 on its Content-Length, before it is sent.
    let text = "x".repeat(adapters::slack::MAX_BODY_BYTES);
    let big = message("EvBig", "U1", &text, "1700000001.000100", None).to_string();
    let sig = adapters::slack::sign_request(SECRET, &now, big.as_bytes());
    let signed = format!("X-Slack-Request-Timestamp: {now}\r\nX-Slack-Signature: {sig}\r\n");
    assert_eq!(
        partial_exchange(served.addr, &head(&signed, big.len()), b""),
        413
    );

    // A well-formed request whose body stalls: answered 408 once the body timeout passes.
    let small = message("EvSlow", "U1", "help", "1700000001.000200", None).to_string();
    let sig = adapters::slack::sign_request(SECRET, &now, small.as_bytes());
    let signed = format!("X-Slack-Request-Timestamp: {now}\r\nX-Slack-Signature: {sig}\r\n");
    assert_eq!(
        partial_exchange(
            served.addr,
            &head(&signed, small.len()),
            &small.as_bytes()[..10]
        ),
        408
    );

    // None of those had an effect; a good request still works (and is the sentinel).
    let ok = message("EvOk", "U1", "<@UBOT> help", "1700000001.000300", None).to_string();
    let sig = adapters::slack::sign_request(SECRET, &now, ok.as_bytes());
    let (code, _) = rig.rt.block_on(http_post(
        served.addr,
        "/slack/events",
        &[
            ("X-Slack-Request-Timestamp", &now),
            ("X-Slack-Signature", &sig),
        ],
        ok.as_bytes(),
    ));
    assert_eq!(code, 200);
    rig.wait_post("I'm kmsbot");
    assert_eq!(rig.posts().len(), 1, "no effect from refused requests");
}

#[test]
fn silent_connections_are_closed_and_cannot_exhaust_file_descriptors_or_lock_out_healthz() {
    use std::io::Read;
    let rig = Rig::new("events", "");
    // The process gets 256 file descriptors; the server keeps at most 100 connections.
    let db = rig.env.db();
    let cfg = rig.env.path("kmsbot.toml");
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -n 256 && exec \"$0\" serve --db \"$1\" --config \"$2\"")
        .arg(BIN)
        .arg(&db)
        .arg(&cfg)
        .current_dir(db.parent().unwrap())
        .env_remove("RUST_LOG")
        .env("KMSBOT_HTTP_HEADER_TIMEOUT_SECS", "2")
        .env("KMSBOT_HTTP_MAX_CONNECTIONS", "100")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped());
    for (k, v) in &rig.env.vars {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let seen = kmsbot_tests::transcript::read_until(&mut child, "listening on http://");
    let addr: SocketAddr = seen
        .rsplit("http://")
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let served = Served { child, addr };

    // 400 connections that send nothing (more than the process has file descriptors for).
    let silent: Vec<std::net::TcpStream> = (0..400)
        .map(|_| std::net::TcpStream::connect(served.addr).unwrap())
        .collect();
    // /healthz and /readyz still answer while they are open.
    for _ in 0..3 {
        let (code, body) = kmsbot_tests::http::get(served.addr, "/healthz");
        assert_eq!(code, 200, "{body}");
    }
    assert_ne!(kmsbot_tests::http::get(served.addr, "/readyz").0, 0);
    // Every silent connection is closed by the server: shed at the limit, or at the header timeout.
    for mut s in silent {
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut buf = [0u8; 64];
        match s.read(&mut buf) {
            Ok(0) => {}
            Ok(n) => {
                // hyper may answer 408 before closing; then the close follows.
                assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"));
                let mut rest = Vec::new();
                let _ = s.read_to_end(&mut rest);
            }
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
        }
    }
    assert_eq!(kmsbot_tests::http::get(served.addr, "/healthz").0, 200);
}

/// `kmsbot_watch_rounds_total` of a running `serve`.
fn watch_rounds(addr: SocketAddr) -> u64 {
    let (_, metrics) = kmsbot_tests::http::get(addr, "/metrics");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("kmsbot_watch_rounds_total "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// Waits until the watch of `served` has completed `n` more rounds than `from`.
fn wait_rounds(served: &Served, from: u64, n: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = watch_rounds(served.addr);
        if now >= from + n {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "the watch stopped at round {now}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_watch_announces_each_change_once_across_checks_and_a_restart() {
    let rig0 = Rig::new("events", "");
    let web = Instance::start(
        rig0.env.dir.path(),
        "web-01",
        FakeBehaviour {
            license: Some(FakeLicense::Licensed { days: 179 }),
            ..FakeBehaviour::default()
        },
    );
    let kms = Instance::start(
        rig0.env.dir.path(),
        "kms-01",
        FakeBehaviour {
            license: Some(FakeLicense::Licensed { days: 179 }),
            kms_host_count: Some(31),
            ..FakeBehaviour::default()
        },
    );
    let rig = Rig::new(
        "events",
        &format!(
            "{}{}[watch]\nevery = \"1s\"\nchannel = \"slack:CWATCH\"\nkms_hosts = [\"kms-01\"]\n",
            web.toml("web-01", "Windows Server 2022 Standard"),
            kms.toml("kms-01", "Windows Server 2022 Standard"),
        ),
    );
    let watch_posts = |rig: &Rig| -> Vec<String> {
        rig.posts()
            .iter()
            .filter(|p| p["channel"] == "CWATCH")
            .map(|p| p["text"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let served = rig.serve();
    // Everything healthy: rounds go by, nothing is said.
    let r = wait_rounds(&served, 0, 2);
    assert!(watch_posts(&rig).is_empty(), "{:?}", watch_posts(&rig));
    let (_, metrics) = kmsbot_tests::http::get(served.addr, "/metrics");
    assert!(
        metrics.contains("kmsbot_instances{license_state=\"licensed\"} 2"),
        "{metrics}"
    );
    // web-01 loses its licence: one warning, however many checks see it.
    web.fake.set_behaviour(FakeBehaviour {
        license: Some(FakeLicense::Unlicensed),
        ..FakeBehaviour::default()
    });
    rig.wait_for("the watch's warning", |_| !watch_posts(&rig).is_empty());
    let r = wait_rounds(&served, r, 3);
    let posts = watch_posts(&rig);
    assert_eq!(posts.len(), 1, "{posts:#?}");
    assert!(
        posts[0].contains("`web-01` is *not activated* (was: licensed)")
            && posts[0].contains("activate web-01")
            && !posts[0].contains("kms-01"),
        "{}",
        posts[0]
    );
    // The KMS host's count falls under the server threshold: one warning of its own.
    kms.fake.set_behaviour(FakeBehaviour {
        license: Some(FakeLicense::Licensed { days: 179 }),
        kms_host_count: Some(3),
        ..FakeBehaviour::default()
    });
    rig.wait_for("the count warning", |_| watch_posts(&rig).len() == 2);
    wait_rounds(&served, r, 2);
    let posts = watch_posts(&rig);
    assert_eq!(posts.len(), 2, "{posts:#?}");
    assert!(
        posts[1].contains("KMS host `kms-01` counts 3 machine(s) (was: count ok)"),
        "{}",
        posts[1]
    );
    let (_, metrics) = kmsbot_tests::http::get(served.addr, "/metrics");
    assert!(
        metrics.contains("kmsbot_instances{license_state=\"unlicensed\"} 1"),
        "{metrics}"
    );
    drop(served);
    // A restart: the same findings are not announced again.
    let served = rig.serve();
    let (_, metrics) = kmsbot_tests::http::get(served.addr, "/metrics");
    assert!(
        metrics.contains("kmsbot_instances{license_state=\"unlicensed\"} 1"),
        "the last known states survive a restart: {metrics}"
    );
    let r = wait_rounds(&served, 0, 3);
    assert_eq!(watch_posts(&rig).len(), 2, "{:#?}", watch_posts(&rig));
    // web-01 is activated again: said once.
    web.fake.set_behaviour(FakeBehaviour {
        license: Some(FakeLicense::Licensed { days: 179 }),
        ..FakeBehaviour::default()
    });
    rig.wait_for("the recovery", |_| watch_posts(&rig).len() == 3);
    wait_rounds(&served, r, 2);
    let posts = watch_posts(&rig);
    assert_eq!(posts.len(), 3, "{posts:#?}");
    assert!(
        posts[2].contains("`web-01` is licensed for 179 more day(s) (was: unlicensed)"),
        "{}",
        posts[2]
    );
    // Read-only: only the allow-listed commands ran, `/dlv` only on the KMS host.
    let slmgr = r"cscript //nologo %SystemRoot%\System32\slmgr.vbs";
    let allowed = [format!("{slmgr} /dli"), format!("{slmgr} /xpr")];
    for c in web.commands() {
        assert!(allowed.contains(&c), "web-01 ran {c}");
    }
    let dlv = format!("{slmgr} /dlv");
    assert!(kms.commands().contains(&dlv));
    for c in kms.commands() {
        assert!(allowed.contains(&c) || c == dlv, "kms-01 ran {c}");
    }
}

/// One signed Events API request; `None` when the server could not be reached or closed the
/// connection without an answer (not acknowledged: Slack would retry).
async fn try_post_event(addr: SocketAddr, body: &str) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let sig = adapters::slack::sign_request(SECRET, &now, body.as_bytes());
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!(
        "POST /slack/events HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-Slack-Request-Timestamp: {now}\r\nX-Slack-Signature: {sig}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.ok()?;
    String::from_utf8_lossy(&raw)
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
}

/// Sends every event not yet acknowledged, 16 at a time; marks the ones answered 200.
fn send_unacked(rig: &Rig, addr: SocketAddr, events: &[(String, String)], acked: &mut [bool]) {
    let pending: Vec<usize> = (0..events.len()).filter(|&i| !acked[i]).collect();
    let results = rig.rt.block_on(async {
        let mut out = Vec::new();
        for chunk in pending.chunks(16) {
            let mut calls = tokio::task::JoinSet::new();
            for &i in chunk {
                let body = events[i].1.clone();
                calls.spawn(async move { (i, try_post_event(addr, &body).await) });
            }
            out.extend(calls.join_all().await);
        }
        out
    });
    for (i, code) in results {
        if code == Some(200) {
            acked[i] = true;
        }
    }
}

/// A bot post's (platform_ref, pending).
type PostRow = (Option<String>, Option<String>);

/// Rows of the bot's Slack posts, and the inbox's row count, read as an outside observer.
fn bot_posts(db: &std::path::Path) -> (Vec<PostRow>, i64) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        let posts = sqlx::query_as::<_, PostRow>(
            "SELECT platform_ref, pending FROM messages WHERE author = 'bot' AND platform = 'slack' ORDER BY id",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        let inbox = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM inbox")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        (posts, inbox)
    })
}

/// `n` signed-event bodies asking for a key, from `n` users over six channels, with their ts
/// (`{ts_prefix}.000001` on) and event ids (`{id_prefix}0` on).
fn key_question_burst(n: usize, ts_prefix: &str, id_prefix: &str) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            let ts = format!("{ts_prefix}.{:06}", i + 1);
            let ev = json!({
                "type": "message", "channel": format!("C{}", i % 6), "channel_type": "channel",
                "user": format!("U{i}"), "text": "<@UBOT> what is the kms key for server 2019 datacenter?",
                "ts": ts, "event_ts": ts
            });
            (ts, event_callback(&format!("{id_prefix}{i}"), ev).to_string())
        })
        .collect()
}

#[test]
fn sigterm_in_a_burst_of_acknowledged_events_loses_none_and_doubles_none() {
    const N: usize = 240;
    let rig = Rig::new("events", "");
    // Slow user look-ups stall the handling (each worker waits out two 429s), so the inbox still
    // holds most of the burst when SIGTERM comes.
    rig.slack.fail_next("users.info", 8, 2);
    let events = key_question_burst(N, "1700001000", "EvB");
    let mut acked = vec![false; N];
    let mut served = rig.serve();
    // The first half is acknowledged; SIGTERM arrives while the second half is being sent.
    send_unacked(&rig, served.addr, &events[..N / 2], &mut acked[..N / 2]);
    assert!(
        acked[..N / 2].iter().all(|a| *a),
        "the first half is acknowledged"
    );
    // The backlog is visible and the server stays responsive.
    assert_eq!(kmsbot_tests::http::get(served.addr, "/healthz").0, 200);
    let (code, metrics) = kmsbot_tests::http::get(served.addr, "/metrics");
    assert_eq!(code, 200);
    let backlog = metrics
        .lines()
        .find_map(|l| l.strip_prefix("kmsbot_inbox_backlog "))
        .and_then(|v| v.trim().parse::<i64>().ok());
    assert!(backlog.is_some_and(|b| b > 0), "{metrics}");
    assert!(
        metrics.contains("kmsbot_inbox_oldest_age_seconds"),
        "{metrics}"
    );
    let pid = served.child.id().to_string();
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
    });
    send_unacked(&rig, served.addr, &events, &mut acked);
    assert!(killer.join().unwrap().success());
    let exit = served.child.wait().unwrap();
    assert!(exit.success(), "clean exit on SIGTERM: {exit:?}");
    let (_, left) = bot_posts(&rig.env.db());
    assert!(
        left > 0,
        "SIGTERM came with acknowledged events still waiting"
    );
    let answered_first = rig.posts().len();
    eprintln!(
        "first run: {} of {N} acknowledged, {answered_first} answered, {left} left in the inbox",
        acked.iter().filter(|a| **a).count()
    );

    // The restart handles what was left; the events never acknowledged are sent again (as
    // Slack retries them) until they are.
    served = rig.serve();
    let deadline = Instant::now() + Duration::from_secs(120);
    while acked.iter().any(|a| !a) {
        assert!(Instant::now() < deadline, "events never acknowledged");
        send_unacked(&rig, served.addr, &events, &mut acked);
    }
    every_event_answered_once_with_its_reference(&rig, &events);
}

/// Every event of `events` (ts, payload) has exactly one answer in its thread, nothing else was
/// posted, and every post's platform reference is stored (exactly the stand-in's ts of the
/// posts), with no post pending and nothing left in the inbox.
fn every_event_answered_once_with_its_reference(rig: &Rig, events: &[(String, String)]) {
    let n = events.len();
    rig.wait_for("an answer to every event", |s| {
        s.calls("chat.postMessage").len() >= n
    });
    // Wait until every post's reference is stored, then stop cleanly.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (posts, left) = bot_posts(&rig.env.db());
        if left == 0 && posts.len() == n && posts.iter().all(|(r, p)| r.is_some() && p.is_none()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "references never all stored: {} posts, {left} in the inbox",
            posts.len()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let posts = rig.posts();
    for (ts, _) in events {
        let answers = posts
            .iter()
            .filter(|p| p["thread_ts"] == ts.as_str())
            .count();
        assert_eq!(answers, 1, "event {ts} has exactly one answer");
    }
    assert_eq!(posts.len(), n, "no other post");
    // Every answer's platform reference is stored: the stored references are exactly the
    // stand-in's ts of the posts.
    let (rows, _) = bot_posts(&rig.env.db());
    let mut stored: Vec<String> = rows.into_iter().filter_map(|(r, _)| r).collect();
    stored.sort();
    let mut sent: Vec<String> = (1..=n as u64)
        .map(|n| format!("1700000000.{:06}", n * 100))
        .collect();
    sent.sort();
    assert_eq!(stored, sent);
}

#[test]
fn sigterm_with_socket_mode_envelopes_acknowledged_loses_none_and_doubles_none() {
    const N: usize = 120;
    let rig = Rig::new("socket", "");
    rig.slack.fail_next("users.info", 8, 2);
    let events = key_question_burst(N, "1700002000", "EvS");
    let mut served = rig.serve();
    rig.connected(1);
    let envelopes: Vec<String> = events
        .iter()
        .map(|(_, body)| rig.slack.push_event(serde_json::from_str(body).unwrap()))
        .collect();
    rig.wait_for("every envelope acknowledged", |s| {
        envelopes.iter().all(|e| s.acked(e))
    });
    let status = std::process::Command::new("kill")
        .args(["-TERM", &served.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = served.child.wait().unwrap();
    assert!(exit.success(), "clean exit on SIGTERM: {exit:?}");
    let (_, left) = bot_posts(&rig.env.db());
    assert!(
        left > 0,
        "SIGTERM came with acknowledged envelopes still waiting"
    );
    served = rig.serve();
    every_event_answered_once_with_its_reference(&rig, &events);
    drop(served);
}
