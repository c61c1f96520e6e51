//! End-to-end activation jobs: the real binary, a real SQLite file and a real SSH session to the
//! in-test fake Windows instance; approvals by reaction and by command.
#![allow(clippy::unwrap_used)] // tests may unwrap: a panic is the failure report

use kmsbot_tests::fake_windows::FakeBehaviour;
use kmsbot_tests::instance::Instance;
use kmsbot_tests::transcript::{read_until, Env};
use std::io::Write;

const BIN: &str = env!("CARGO_BIN_EXE_kmsbot");

const SLMGR: &str = r"cscript //nologo %SystemRoot%\System32\slmgr.vbs";

fn setup(behaviour: FakeBehaviour, required: u32) -> (Env, Instance) {
    let env = Env::new(BIN);
    let inst = Instance::start(env.dir.path(), "web-01", behaviour);
    env.write_config(&format!(
        "[kms]\nhost = \"kms.corp.example\"\n[approvals]\napprovers = [\"console:bob\", \"console:carol\"]\nrequired = {required}\n[jobs]\nstep_timeout_secs = 3\nconnect_timeout_secs = 5\nlease_secs = 4\n{}",
        inst.toml("web-01", "Windows Server 2019 Datacenter")
    ));
    (env, inst)
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

/// Files an internet-access ticket for `instance`, approved and marked done (a KMS host and
/// online activation need one).
fn internet_access_done(env: &Env, instance: &str) {
    let run = env.chat(&format!(
        "/as alice\n{instance} needs internet access for online activation\n/as bob\napprove NET-1\ndone NET-1\n"
    ));
    assert!(run.stdout.contains("NET-1"), "{}", run.stdout);
}

fn jobs_json(env: &Env) -> Vec<serde_json::Value> {
    let run = env.cli(&["jobs", "list", "--json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn approved_by_reaction_the_job_runs_the_guide_and_succeeds() {
    let (env, inst) = setup(FakeBehaviour::default(), 1);
    let run = env.chat("/as alice\nactivate web-01\n/as bob\n/react white_check_mark 1\n");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let approval = run.post(1).unwrap();
    assert!(
        approval.contains("/ipk WMDGN-G9PQG-XVVXX-R3X43-63DFG"),
        "shows what will run: {approval}"
    );
    assert!(
        approval.contains("`console:bob`, `console:carol`"),
        "says who may approve: {approval}"
    );
    assert!(approval.contains(":white_check_mark:"), "{approval}");
    assert!(
        run.stdout.contains("[#1 +white_check_mark]"),
        "bot adds the approve reaction itself"
    );
    assert!(run.stdout.contains("[#1 +x]"));
    assert!(run.stdout.contains("job #1 succeeded"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("edited] kmsbot: Job #1 on web-01 (kms): succeeded"),
        "progress message edited"
    );
    assert_eq!(inst.commands(), expected_sequence());
    let jobs = jobs_json(&env);
    assert_eq!(jobs[0]["status"], "succeeded");
    assert_eq!(jobs[0]["instance"], "web-01");
    assert_eq!(jobs[0]["method"], "kms");
    assert_eq!(jobs[0]["requested_by"], "console:alice");
    assert_eq!(jobs[0]["approved_by"], "console:bob");
    let show = env.cli(&["jobs", "show", "1", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 8);
    for s in steps {
        assert_eq!(s["status"], "succeeded", "{s}");
        assert_eq!(s["exit_status"], 0);
        assert!(s["duration_ms"].as_i64().is_some());
    }
    assert!(steps[7]["output"]
        .as_str()
        .unwrap()
        .contains("License Status: Licensed"));
}

#[test]
fn w32time_already_running_is_not_a_failure() {
    let (env, inst) = setup(
        FakeBehaviour {
            w32time_running: true,
            ..FakeBehaviour::default()
        },
        1,
    );
    let run = env.chat("/as alice\nactivate web-01\n/as bob\napprove 1\n");
    assert!(run.stdout.contains("job #1 succeeded"), "{}", run.stdout);
    let show = env.cli(&["jobs", "show", "1", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(v["steps"][2]["exit_status"], 2);
    assert_eq!(v["steps"][2]["status"], "succeeded");
    assert_eq!(inst.commands().len(), 8);
}

#[test]
fn self_approval_and_strangers_are_refused_with_an_explanation() {
    let (env, inst) = setup(FakeBehaviour::default(), 1);
    let run = env.chat("/as alice\nactivate web-01\n/react white_check_mark 1\n/as mallory\n/react white_check_mark 1\napprove 1\n");
    let out = &run.stdout;
    assert!(
        out.contains("@alice: you asked for job #1 (web-01), so you cannot approve it yourself"),
        "{out}"
    );
    assert!(
        out.contains("@mallory: only `console:bob`, `console:carol` may approve or reject job #1"),
        "{out}"
    );
    assert!(inst.commands().is_empty(), "nothing ran");
    assert_eq!(jobs_json(&env)[0]["status"], "awaiting_approval");
}

#[test]
fn a_quorum_of_two_counts_distinct_approvers_and_withdrawals() {
    let (env, inst) = setup(FakeBehaviour::default(), 2);
    let run = env.chat(
        "/as alice\nactivate web-01\n/as bob\n/react white_check_mark 1\n/react white_check_mark 1\n/unreact white_check_mark 1\n/react white_check_mark 1\n/as carol\n/react ✅ 1\n",
    );
    let out = &run.stdout;
    assert!(
        out.contains("recorded for job #1 (web-01) (1 of 2)"),
        "{out}"
    );
    assert!(out.contains("@bob withdrew their approval"), "{out}");
    assert!(
        out.contains("Approved by @bob, @carol") || out.contains("Approved by @carol, @bob"),
        "{out}"
    );
    assert!(out.contains("job #1 succeeded"), "{out}");
    assert_eq!(inst.commands().len(), 8);
    let approved_by = jobs_json(&env)[0]["approved_by"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(approved_by.contains("console:bob") && approved_by.contains("console:carol"));
}

#[test]
fn a_rejected_request_runs_nothing() {
    let (env, inst) = setup(FakeBehaviour::default(), 1);
    let run = env.chat("/as alice\nactivate web-01\n/as carol\n/react x 1\n/as bob\napprove 1\n");
    assert!(run.stdout.contains("Rejected by @carol"), "{}", run.stdout);
    assert!(run.stdout.contains("already rejected"), "{}", run.stdout);
    assert!(inst.commands().is_empty());
    assert_eq!(jobs_json(&env)[0]["status"], "rejected");
}

#[test]
fn an_unreachable_kms_is_explained_and_the_firewall_request_is_offered() {
    // The KMS host answers when the request is checked, and stops answering before the
    // approval (the pre-flight found nothing; the job itself meets the closed port).
    let (env, inst) = setup(FakeBehaviour::default(), 1);
    let asked = env.chat("/as alice\nactivate web-01\n");
    assert!(asked.stdout.contains("Approve with"), "{}", asked.stdout);
    inst.fake.set_behaviour(FakeBehaviour {
        kms_reachable: false,
        ..FakeBehaviour::default()
    });
    let run = env.chat("/as bob\napprove 1\n");
    let out = &run.stdout;
    assert!(
        out.contains("job #1 on web-01 failed with **0xC004F074**"),
        "{out}"
    );
    assert!(out.contains("Reply `file it` here"), "{out}");
    let cmds = inst.commands();
    assert!(
        cmds.contains(&"w32tm /config /manualpeerlist:time.windows.com /update".to_string()),
        "time source restored after /ato failed: {cmds:?}"
    );
    assert!(
        !cmds.iter().any(|c| c.ends_with("/dli")),
        "verification skipped after failure"
    );
    let job = &jobs_json(&env)[0];
    assert_eq!(job["status"], "failed");
    assert_eq!(job["error_code"], "0xC004F074");
    // The requester accepts the offer in the job's thread (the channel here).
    let run = env.chat("/as alice\nfile it\n");
    assert!(run.posts()[0].contains("Filed **FW-1**"), "{}", run.stdout);
    let tickets: Vec<serde_json::Value> =
        serde_json::from_str(&env.cli(&["tickets", "list", "--json"]).stdout).unwrap();
    assert_eq!(tickets[0]["source"], "web-01");
    assert_eq!(tickets[0]["destination"], "kms.corp.example");
    assert_eq!(tickets[0]["ports"], "1688");
    assert_eq!(tickets[0]["direction"], "egress");
}

#[test]
fn a_hanging_step_times_out_and_the_time_source_is_still_restored() {
    let (env, inst) = setup(
        FakeBehaviour {
            hang_on: Some("/ato".into()),
            ..FakeBehaviour::default()
        },
        1,
    );
    let run = env.chat("/as alice\nactivate web-01\n/as bob\napprove 1\n");
    assert!(run.stdout.contains("failed"), "{}", run.stdout);
    let show = env.cli(&["jobs", "show", "1", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    assert!(
        v["steps"][5]["output"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{v}"
    );
    assert_eq!(v["steps"][6]["status"], "succeeded");
    assert!(inst
        .commands()
        .contains(&"w32tm /config /manualpeerlist:time.windows.com /update".to_string()));
}

#[test]
fn a_job_interrupted_by_a_killed_process_resumes_after_restart() {
    let (env, inst) = setup(
        FakeBehaviour {
            hang_on: Some("/ato".into()),
            ..FakeBehaviour::default()
        },
        1,
    );
    let mut child = env.spawn_chat();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "/as alice\nactivate web-01\n/as bob\napprove 1").unwrap();
    stdin.flush().unwrap();
    read_until(&mut child, "✅ 5. synchronize the clock");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !inst.commands().iter().any(|c| c.ends_with("/ato")) {
        assert!(
            std::time::Instant::now() < deadline,
            "/ato never reached the instance"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // /ato is hanging on the instance: kill the bot mid-job.
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);
    assert_eq!(
        jobs_json(&env)[0]["status"],
        "running",
        "the dead process left it running"
    );
    // The instance recovers; the time service it started before the crash is still running.
    inst.fake.set_behaviour(FakeBehaviour {
        w32time_running: true,
        ..FakeBehaviour::default()
    });
    let run = env.chat("");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("job #1 succeeded"), "{}", run.stdout);
    let cmds = inst.commands();
    let expected = expected_sequence();
    // Steps 1-5 ran once; /ato was started, interrupted, and run again after the restart.
    assert_eq!(&cmds[..6], &expected[..6]);
    assert_eq!(
        &cmds[6..],
        &expected[5..],
        "resumed from the first unfinished step: {cmds:?}"
    );
    assert_eq!(jobs_json(&env)[0]["status"], "succeeded");
}

#[test]
fn a_host_key_mismatch_is_refused_before_any_command() {
    let (env, inst) = setup(FakeBehaviour::default(), 1);
    // Replace the known host key with another one.
    std::fs::write(
        &inst.known_hosts,
        format!(
            "[127.0.0.1]:{} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ\n",
            inst.fake.port()
        ),
    )
    .unwrap();
    let run = env.chat("/as alice\nactivate web-01\n/as bob\napprove 1\n");
    assert!(
        run.stdout.contains("does not match known_hosts"),
        "{}",
        run.stdout
    );
    assert!(inst.commands().is_empty());
    assert_eq!(jobs_json(&env)[0]["status"], "failed");
}

#[test]
fn injected_values_are_refused_with_nothing_sent() {
    let (env, inst) = setup(FakeBehaviour::default(), 1);
    let run = env.chat(
        "/as alice\nactivate web-01 & del\nactivate web-01 using kms kms.corp.example;calc\nactivate web-01 via kms \"kms\"\nactivate web-01 via kms 'a b'\nactivate web-99\n",
    );
    let posts = run.posts();
    assert_eq!(posts.len(), 5, "{}", run.stdout);
    assert!(
        posts[0].contains("`&` is not an instance name"),
        "{}",
        posts[0]
    );
    assert!(posts[1].contains("is not a KMS host"), "{}", posts[1]);
    assert!(posts[2].contains("is not a KMS host"), "{}", posts[2]);
    assert!(
        posts[3].contains("I refused the whole request"),
        "{}",
        posts[3]
    );
    assert!(
        posts[4].contains("I don't know an instance called `web-99`"),
        "{}",
        posts[4]
    );
    assert!(jobs_json(&env).is_empty());
    assert!(inst.commands().is_empty());
    assert_eq!(
        inst.fake.connections_accepted(),
        0,
        "no connection was even made"
    );
}

#[test]
fn cancel_before_approval_and_job_listing_in_chat() {
    let (env, inst) = setup(FakeBehaviour::default(), 1);
    let run = env.chat("/as alice\nactivate web-01\ncancel 1\njobs\njob 1\n/as bob\napprove 1\n");
    let out = &run.stdout;
    assert!(out.contains("Job #1 on web-01 is cancelled"), "{out}");
    assert!(out.contains("#1 web-01 (kms): **cancelled**"), "{out}");
    assert!(inst.commands().is_empty());
    // Approving after the cancel changes nothing, and says so.
    assert!(
        out.contains(
            "job #1 (web-01) was cancelled before it was approved; approving it has no effect"
        ),
        "{out}"
    );
    assert!(!out.contains("Approved by"), "{out}");
    assert!(!out.contains("queued"), "{out}");
    let run = env.chat("/as bob\n/react white_check_mark 1\n");
    assert!(
        run.stdout
            .contains("@bob: job #1 (web-01) was cancelled before it was approved"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Approved by"), "{}", run.stdout);
    assert_eq!(jobs_json(&env)[0]["status"], "cancelled");
    assert!(jobs_json(&env)[0]["approved_by"].is_null());
}

#[test]
fn an_approval_after_a_restart_still_counts() {
    let (env, inst) = setup(FakeBehaviour::default(), 1);
    let first = env.chat("/as alice\nactivate web-01\n");
    let approval = first.id_of("Activation request").unwrap();
    let run = env.chat(&format!("/as bob\n/react white_check_mark {approval}\n"));
    assert!(run.stdout.contains("job #1 succeeded"), "{}", run.stdout);
    assert_eq!(inst.commands().len(), 8);
}

#[test]
fn cancelling_a_running_job_stops_it_before_its_next_step_and_restores_time() {
    let (env, inst) = setup(
        FakeBehaviour {
            delay: std::time::Duration::from_millis(700),
            ..FakeBehaviour::default()
        },
        1,
    );
    let mut child = env.spawn_chat();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "/as alice\nactivate web-01\n/as bob\napprove 1").unwrap();
    stdin.flush().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    // Cancel while step 4 (the KMS host as time source) is running.
    while inst.commands().len() < 4 {
        assert!(
            std::time::Instant::now() < deadline,
            "job never got to step 4"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    writeln!(stdin, "/as alice\ncancel 1").unwrap();
    drop(stdin);
    let out = read_until(&mut child, "was cancelled");
    child.wait().unwrap();
    assert!(out.contains("will stop before its next step"), "{out}");
    let cmds = inst.commands();
    assert_eq!(cmds.len(), 5, "steps 1-4, then only the restore: {cmds:?}");
    assert_eq!(
        cmds.last().unwrap(),
        "w32tm /config /manualpeerlist:time.windows.com /update"
    );
    assert_eq!(jobs_json(&env)[0]["status"], "cancelled");
}

#[test]
fn kms_host_setup_takes_its_key_from_a_secret_reference_and_never_shows_it() {
    let env = Env::new(BIN);
    let inst = Instance::start(env.dir.path(), "kms-01", FakeBehaviour::default());
    let key_file = env.path("kms-host.key");
    // A made-up, well-formed host key (not a real one).
    std::fs::write(&key_file, "QQQQQ-WWWWW-EEEEE-RRRRR-TTTTT\n").unwrap();
    env.write_config(&format!(
        "[kms]\nhost_key = \"file:{}\"\n[approvals]\napprovers = [\"console:bob\"]\n{}",
        key_file.display(),
        inst.toml("kms-01", "Windows Server 2019 Datacenter")
    ));
    internet_access_done(&env, "kms-01");
    let run = env.chat("/as alice\nmake kms-01 a kms host\n/as bob\napprove 1\n");
    assert!(run.stdout.contains("job #1 succeeded"), "{}", run.stdout);
    assert!(!run.stdout.contains("QQQQQ"), "the key is never shown");
    let cmds = inst.commands();
    assert_eq!(
        cmds[0],
        format!("{SLMGR} /ipk QQQQQ-WWWWW-EEEEE-RRRRR-TTTTT"),
        "the real key reached the instance"
    );
    assert_eq!(cmds[2], "net stop sppsvc && net start sppsvc");
    assert!(cmds[3].contains("localport=1688"));
    let show = env.cli(&["jobs", "show", "1", "--json"]);
    assert!(show.stdout.contains("/ipk [redacted]"), "{}", show.stdout);
    assert!(!show.stdout.contains("QQQQQ"));
    for f in ["kmsbot.db", "kmsbot.db-wal"] {
        let bytes = std::fs::read(env.path(f)).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("QQQQQ"),
            "never stored in {f}"
        );
    }
}

#[test]
fn online_activation_needs_a_done_internet_access_ticket() {
    let env = Env::new(BIN);
    let inst = Instance::start(env.dir.path(), "web-01", FakeBehaviour::default());
    let key_file = env.path("web-01.key");
    // A made-up, well-formed MAK (not a real one).
    std::fs::write(&key_file, "QQQQQ-WWWWW-EEEEE-RRRRR-TTTTT\n").unwrap();
    env.write_config(&format!(
        "[approvals]\napprovers = [\"console:bob\"]\n{}product_key = \"file:{}\"\n",
        inst.toml("web-01", "Windows Server 2019 Datacenter"),
        key_file.display()
    ));
    let run = env.chat("/as alice\nactivate web-01 online\n");
    assert!(
        run.posts()[0].contains("has no internet-access ticket"),
        "{}",
        run.stdout
    );
    internet_access_done(&env, "web-01");
    let run = env.chat("/as alice\nactivate web-01 online\n/as bob\napprove 1\n");
    assert!(run.stdout.contains("job #1 succeeded"), "{}", run.stdout);
    assert!(!run.stdout.contains("QQQQQ"), "the key is never shown");
    assert_eq!(
        inst.commands(),
        vec![
            format!("{SLMGR} /ipk QQQQQ-WWWWW-EEEEE-RRRRR-TTTTT"),
            format!("{SLMGR} /ato"),
            format!("{SLMGR} /dli")
        ]
    );
}

#[test]
fn step_output_with_multi_byte_characters_after_hex_runs_does_not_stop_the_job() {
    // Before the fix, `error_code` sliced `0x1234567é` at a byte offset inside `é` and the job
    // task panicked: the job stayed `running` for ever.
    let (env, inst) = setup(
        FakeBehaviour {
            extra_output: Some((
                "/dli".into(),
                "Diagnose: 0x1234567é 0x\u{FFFD}\u{FFFD} Код 0xABCDEF€\n".into(),
            )),
            ..FakeBehaviour::default()
        },
        1,
    );
    let run = env.chat("/as alice\nactivate web-01\n/as bob\napprove 1\n");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("job #1 succeeded"), "{}", run.stdout);
    let show = env.cli(&["jobs", "show", "1", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(v["status"], "succeeded");
    let dli = v["steps"][7]["output"].as_str().unwrap();
    assert!(dli.contains("0x1234567é"), "{dli}");
    assert!(dli.contains("License Status: Licensed"), "{dli}");
    assert_eq!(inst.commands(), expected_sequence());
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} never happened"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_second_process_on_the_same_database_never_runs_a_running_job_again() {
    // Before leases, the newcomer's start-up recovery marked the other process's running job
    // `interrupted`, claimed it, and both ran it: the instance saw every command twice.
    let (env, inst) = setup(
        FakeBehaviour {
            delay: std::time::Duration::from_millis(400),
            ..FakeBehaviour::default()
        },
        1,
    );
    let mut first = env.spawn_chat();
    let mut stdin = first.stdin.take().unwrap();
    writeln!(stdin, "/as alice\nactivate web-01\n/as bob\napprove 1").unwrap();
    stdin.flush().unwrap();
    wait_for("the first command", || !inst.commands().is_empty());
    assert_eq!(jobs_json(&env)[0]["status"], "running");
    // A second process on the same database while the job runs: it recovers, finds the job
    // owned under a live lease, leaves it alone and waits for it to end.
    let second = env.chat("/as carol\njobs\n");
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert!(
        !second.stdout.contains("Job #1 on web-01 (kms)"),
        "the second process did not run the job: {}",
        second.stdout
    );
    drop(stdin);
    let out = read_until(&mut first, "job #1 succeeded");
    first.wait().unwrap();
    assert!(out.contains("job #1 succeeded"), "{out}");
    assert_eq!(
        inst.commands(),
        expected_sequence(),
        "every command reached the instance once"
    );
    assert_eq!(jobs_json(&env)[0]["status"], "succeeded");
}

#[test]
fn a_firewall_rule_added_before_a_crash_is_checked_not_added_again_on_resume() {
    let env = Env::new(BIN);
    let inst = Instance::start(
        env.dir.path(),
        "kms-01",
        FakeBehaviour {
            hang_after: Some("add rule".into()),
            ..FakeBehaviour::default()
        },
    );
    let key_file = env.path("kms-host.key");
    std::fs::write(&key_file, "QQQQQ-WWWWW-EEEEE-RRRRR-TTTTT\n").unwrap();
    env.write_config(&format!(
        "[kms]\nhost_key = \"file:{}\"\n[approvals]\napprovers = [\"console:bob\"]\n[jobs]\nstep_timeout_secs = 30\nlease_secs = 2\n{}",
        key_file.display(),
        inst.toml("kms-01", "Windows Server 2019 Datacenter")
    ));
    internet_access_done(&env, "kms-01");
    let mut child = env.spawn_chat();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(
        stdin,
        "/as alice\nmake kms-01 a kms host\n/as bob\napprove 1"
    )
    .unwrap();
    stdin.flush().unwrap();
    // The rule is added, but the process dies before it learns so.
    wait_for("the firewall rule", || {
        !inst.fake.firewall_rules().is_empty()
    });
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);
    inst.fake.set_behaviour(FakeBehaviour::default());
    let run = env.chat("");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("job #1 succeeded"), "{}", run.stdout);
    assert_eq!(
        inst.fake.firewall_rules(),
        vec!["KMS".to_string()],
        "checked before change: one rule, not two"
    );
    let cmds = inst.commands();
    assert_eq!(
        cmds.iter().filter(|c| c.contains("add rule")).count(),
        1,
        "{cmds:?}"
    );
    assert!(
        cmds.contains(&"netsh advfirewall firewall show rule name=\"KMS\"".to_string()),
        "{cmds:?}"
    );
    let show = env.cli(&["jobs", "show", "1", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(v["steps"][3]["status"], "succeeded", "{v}");
    assert!(
        v["steps"][3]["output"]
            .as_str()
            .unwrap()
            .contains("already in place"),
        "{v}"
    );
}

#[test]
fn a_malformed_secret_key_is_named_by_its_reference_and_never_shown_or_stored() {
    // A key file in lower case works (any case is a key); one with a trailing comment is
    // refused. Neither value may reach the chat, step output, jobs.error or the audit log.
    for (content, works) in [
        ("qqqqq-wwwww-eeeee-rrrrr-ttttt\n", true),
        ("QQQQQ-WWWWW-EEEEE-RRRRR-TTTTT  # the KMS host key\n", false),
    ] {
        let env = Env::new(BIN);
        let inst = Instance::start(env.dir.path(), "kms-01", FakeBehaviour::default());
        let key_file = env.path("kms-host.key");
        std::fs::write(&key_file, content).unwrap();
        env.write_config(&format!(
            "[kms]\nhost_key = \"file:{}\"\n[approvals]\napprovers = [\"console:bob\"]\n{}",
            key_file.display(),
            inst.toml("kms-01", "Windows Server 2019 Datacenter")
        ));
        internet_access_done(&env, "kms-01");
        let run = env.chat("/as alice\nmake kms-01 a kms host\n/as bob\napprove 1\njob 1\n");
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        let show = env.cli(&["jobs", "show", "1", "--json"]);
        if works {
            assert!(run.stdout.contains("job #1 succeeded"), "{}", run.stdout);
            assert_eq!(
                inst.commands()[0],
                format!("{SLMGR} /ipk QQQQQ-WWWWW-EEEEE-RRRRR-TTTTT")
            );
        } else {
            assert!(
                run.stdout.contains("job #1 on kms-01 failed"),
                "{}",
                run.stdout
            );
            assert!(
                show.stdout
                    .contains(&format!("file:{}", key_file.display())),
                "the error names the reference: {}",
                show.stdout
            );
            assert!(
                inst.commands().iter().all(|c| !c.contains("/ipk")),
                "{:?}",
                inst.commands()
            );
        }
        let db = std::fs::read(env.db()).unwrap();
        let wal = std::fs::read(env.path("kmsbot.db-wal")).unwrap_or_default();
        for text in [
            run.stdout.clone(),
            run.stderr.clone(),
            show.stdout.clone(),
            String::from_utf8_lossy(&db).into_owned(),
            String::from_utf8_lossy(&wal).into_owned(),
        ] {
            // (Windows shows the last group as the "Partial Product Key"; that part is public.)
            for needle in ["qqqqq", "QQQQQ", "WWWWW", "wwwww", "RRRRR", "rrrrr"] {
                if let Some(at) = text.find(needle) {
                    let from = text[..at]
                        .char_indices()
                        .rev()
                        .nth(80)
                        .map_or(0, |(i, _)| i);
                    let around: String = text[from..].chars().take(160).collect();
                    panic!("{needle} shown or stored ({content:?}): {around:?}");
                }
            }
        }
    }
}
