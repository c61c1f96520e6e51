//! The operator's and approver's path end to end (issue 13): secret references, instance checks,
//! dry runs, rejections, approvals by job number, help, and the CLI's output. Each test drives the
//! real binary through a console transcript or the CLI.
#![allow(clippy::unwrap_used)] // tests may unwrap: a panic is the failure report

use kmsbot_tests::transcript::Env;

const BIN: &str = env!("CARGO_BIN_EXE_kmsbot");

/// One dry-run instance, approvers bob and carol.
fn dry_env(extra: &str) -> Env {
    let env = Env::new(BIN);
    env.write_config(&format!(
        "[kms]\nhost = \"kms.corp.example\"\n[approvals]\napprovers = [\"console:bob\", \"console:carol\"]\n\
         [[instances]]\nname = \"web-01\"\nedition = \"Windows Server 2019 Datacenter\"\ntransport = \"dry-run\"\n\
         [[instances]]\nname = \"web-02\"\nedition = \"Windows Server 2019 Standard\"\ntransport = \"dry-run\"\n{extra}"
    ));
    env
}

fn jobs_json(env: &Env) -> Vec<serde_json::Value> {
    let run = env.cli(&["jobs", "list", "--json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

// 1. A secret reference named like a config override is refused, with a name that works.
#[test]
fn a_kmsbot_prefixed_secret_reference_is_refused_with_a_name_that_works() {
    let env = dry_env("");
    env.write_config(
        "[kms]\nhost_key = \"env:KMSBOT_KMS_HOST_KEY\"\n[approvals]\napprovers = [\"console:bob\"]\n",
    );
    let run = env.cli(&["jobs", "list"]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("`env:KMSBOT_KMS_HOST_KEY` cannot be a secret reference"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`env:KMS_HOST_KEY`"), "{}", run.stderr);
    // The chat's own advice never suggests such a name.
    let env = dry_env("");
    let run = env.chat("/as alice\nmake web-01 a kms host\n");
    assert!(run.stdout.contains("host_key"), "{}", run.stdout);
    assert!(!run.stdout.contains("env:KMSBOT_"), "{}", run.stdout);
}

// 2. An instance that cannot be used as configured is found by `instances check` and refused at
// request time, before anyone is asked to approve.
#[test]
fn instances_check_finds_what_would_fail_after_approval_and_requests_are_refused_early() {
    use kmsbot_tests::fake_windows::FakeBehaviour;
    use kmsbot_tests::instance::Instance;
    let env = Env::new(BIN);
    let inst = Instance::start(env.dir.path(), "web-01", FakeBehaviour::default());
    let empty_known_hosts = env.path("empty_known_hosts");
    std::fs::write(&empty_known_hosts, "").unwrap();
    env.write_config(&format!(
        "[kms]\nhost = \"kms.corp.example\"\n[approvals]\napprovers = [\"console:bob\"]\n{}\
         [[instances]]\nname = \"web-02\"\nedition = \"Windows Server 2019 Datacenter\"\ntransport = \"ssh\"\naddress = \"127.0.0.1\"\nkey_file = \"{}\"\nknown_hosts = \"{}\"\n\
         [[instances]]\nname = \"web-03\"\nedition = \"Windows Server 2019 Datacenter\"\ntransport = \"ssh\"\naddress = \"127.0.0.1\"\nport = {}\nkey_file = \"{}\"\nknown_hosts = \"{}\"\n\
         [[instances]]\nname = \"web-04\"\nedition = \"Windows Server 2019 Datacenter\"\ntransport = \"dry-run\"\n",
        inst.toml("web-01", "Windows Server 2019 Datacenter"),
        env.path("missing_id").display(),
        inst.known_hosts.display(),
        inst.fake.port(),
        inst.key_file.display(),
        empty_known_hosts.display(),
    ));
    let run = env.cli(&["instances", "check"]);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    let out = &run.stdout;
    assert!(out.contains("web-01\tok (SSH login ok)"), "{out}");
    assert!(out.contains("web-02\tproblem: `key_file`"), "{out}");
    assert!(out.contains("missing_id cannot be read"), "{out}");
    assert!(out.contains("web-03\tproblem: `known_hosts`"), "{out}");
    assert!(out.contains("has no host key for"), "{out}");
    assert!(out.contains("web-04\tok (dry-run"), "{out}");
    assert!(run.stderr.contains("2 of 4 instance(s)"), "{}", run.stderr);

    let run = env.chat("/as alice\nactivate web-02\nactivate web-03\n");
    let posts = run.posts();
    assert!(
        posts[0].contains("I can't run anything on `web-02`")
            && posts[0].contains("asked nobody to approve"),
        "{}",
        run.stdout
    );
    assert!(
        posts[1].contains("`web-03`") && posts[1].contains("no host key"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("instance cannot be used as configured"),
        "warned at start: {}",
        run.stderr
    );
    assert!(jobs_json(&env).is_empty(), "no job was created");
    assert!(inst.commands().is_empty());

    // Files in order but nothing listening: found by the login tried right after the request.
    let dead_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let line = std::fs::read_to_string(&inst.known_hosts).unwrap();
    let dead_known_hosts = env.path("dead_known_hosts");
    std::fs::write(
        &dead_known_hosts,
        line.replace(
            &format!(":{}]", inst.fake.port()),
            &format!(":{dead_port}]"),
        )
        .replace(
            &format!("]:{} ", inst.fake.port()),
            &format!("]:{dead_port} "),
        ),
    )
    .unwrap();
    env.write_config(&format!(
        "[kms]\nhost = \"kms.corp.example\"\n[approvals]\napprovers = [\"console:bob\"]\n\
         [[instances]]\nname = \"web-05\"\nedition = \"Windows Server 2019 Datacenter\"\ntransport = \"ssh\"\naddress = \"127.0.0.1\"\nport = {dead_port}\nkey_file = \"{}\"\nknown_hosts = \"{}\"\n",
        inst.key_file.display(),
        dead_known_hosts.display(),
    ));
    let run = env.cli(&["instances", "check"]);
    assert!(
        run.stdout.contains("web-05\tproblem: cannot connect"),
        "{}",
        run.stdout
    );
    let run = env.chat("/as alice\nactivate web-05\n");
    let posts = run.posts();
    assert!(posts[0].contains("**Job #1: web-05**"), "{}", run.stdout);
    assert!(
        posts[1].contains("⚠️ Before anyone approves job #1: I cannot log in to `web-05`"),
        "{}",
        run.stdout
    );
    assert!(posts[1].contains("`cancel 1`"), "{}", run.stdout);
}

// 3. A dry run is `rehearsed`, never `succeeded`: in chat, the job list and job, JSON and steps.
#[test]
fn a_dry_run_is_rehearsed_everywhere_never_succeeded() {
    let env = dry_env("");
    let run = env.chat("/as alice\nactivate web-01\n/as bob\napprove 1\n");
    let out = &run.stdout;
    assert!(out.contains("job #1 was rehearsed (dry run)"), "{out}");
    assert!(out.contains("Job #1 on web-01 (kms): rehearsed"), "{out}");
    assert!(!out.contains("succeeded"), "{out}");
    let jobs = jobs_json(&env);
    assert_eq!(jobs[0]["status"], "rehearsed");
    let show = env.cli(&["jobs", "show", "1", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    for s in v["steps"].as_array().unwrap() {
        assert_eq!(s["status"], "rehearsed", "{s}");
        assert!(
            s["exit_status"].is_null(),
            "nothing ran, so no exit status: {s}"
        );
    }
    let show = env.cli(&["jobs", "show", "1"]);
    assert!(
        show.stdout
            .contains("rehearsed (dry run, nothing executed)"),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout.contains("not executed (dry run)"),
        "{}",
        show.stdout
    );
    assert!(!show.stdout.contains("exit 0"), "{}", show.stdout);
    let list = env.cli(&["jobs", "list"]);
    assert!(list.stdout.contains("\trehearsed\t"), "{}", list.stdout);
    let run = env.chat("jobs\njob 1\n");
    assert!(
        run.posts()[1].contains("approved by @bob"),
        "{}",
        run.stdout
    );
    assert!(
        run.posts()[0].contains("**rehearsed (dry run, nothing executed)**"),
        "{}",
        run.stdout
    );
    assert!(
        run.posts()[1].contains("rehearsed, not executed"),
        "{}",
        run.stdout
    );
}

// 4. A rejection keeps who rejected and why, shows them, and marks the steps skipped.
#[test]
fn a_rejection_keeps_the_rejecter_and_the_reason() {
    let env = dry_env("");
    let run = env.chat("/as alice\nactivate web-01\n/as bob\nreject 1 wrong window\njob 1\n");
    let out = &run.stdout;
    assert!(
        out.contains("Rejected by @bob: job #1 (web-01) will not run. Reason: wrong window."),
        "{out}"
    );
    assert!(
        out.contains("Rejected by @bob: wrong window."),
        "job 1 shows it: {out}"
    );
    let job = &jobs_json(&env)[0];
    assert_eq!(job["status"], "rejected");
    assert_eq!(job["rejected_by"], "console:bob");
    assert_eq!(job["reject_reason"], "wrong window");
    let show = env.cli(&["jobs", "show", "1", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    for s in v["steps"].as_array().unwrap() {
        assert_eq!(s["status"], "skipped", "{s}");
    }
    let show = env.cli(&["jobs", "show", "1"]);
    assert!(
        show.stdout
            .contains("rejected by console:bob: wrong window"),
        "{}",
        show.stdout
    );
}

// 5. Online activation needs the instance's product key and a done internet-access ticket; a KMS
// host needs the ticket too. Both are said at request time.
#[test]
fn online_and_kms_host_jobs_are_refused_before_approval_until_their_needs_are_met() {
    let env = dry_env("");
    let run = env.chat("/as alice\nactivate web-01 online\n");
    assert!(
        run.posts()[0].contains("`web-01` has no `product_key`"),
        "{}",
        run.stdout
    );
    assert!(jobs_json(&env).is_empty());

    let key = env.path("web-01.key");
    std::fs::write(&key, "QQQQQ-WWWWW-EEEEE-RRRRR-TTTTT\n").unwrap();
    let host_key = env.path("kms-host.key");
    std::fs::write(&host_key, "QQQQQ-WWWWW-EEEEE-RRRRR-TTTTT\n").unwrap();
    let env2 = Env::new(BIN);
    env2.write_config(&format!(
        "[kms]\nhost_key = \"file:{}\"\n[approvals]\napprovers = [\"console:bob\"]\n\
         [[instances]]\nname = \"web-01\"\nedition = \"Windows Server 2019 Datacenter\"\ntransport = \"dry-run\"\nproduct_key = \"file:{}\"\n",
        host_key.display(),
        key.display()
    ));
    let run = env2.chat("/as alice\nactivate web-01 online\nmake web-01 a kms host\n");
    let posts = run.posts();
    assert!(
        posts[0].contains("has no internet-access ticket"),
        "{}",
        run.stdout
    );
    assert!(
        posts[1].contains("needs outbound internet for a KMS host"),
        "{}",
        run.stdout
    );
    let run = env2.chat(
        "/as alice\nweb-01 needs internet access for online activation\n/as bob\napprove NET-1\n/as alice\nactivate web-01 online\n",
    );
    assert!(
        run.stdout
            .contains("ticket **NET-1** is approved but not done yet"),
        "{}",
        run.stdout
    );
    assert!(jobs_json(&env2).is_empty());
    let run = env2.chat(
        "/as bob\ndone NET-1\n/as alice\nactivate web-01 online\n/as bob\napprove 1\n/as alice\nmake web-01 a kms host\n/as bob\napprove 2\n",
    );
    assert!(
        run.stdout
            .contains("Activation request from @alice (job #1)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("job #1 was rehearsed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("job #2 was rehearsed"),
        "{}",
        run.stdout
    );
    // 9. The method in words too.
    assert!(
        run.stdout.contains("Job #2 on web-01 (kms host setup)"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("kms_host"), "{}", run.stdout);
}

// 6. The request names its job numbers at once; `approve job 1` approves exactly job 1.
#[test]
fn job_numbers_are_shown_at_once_and_approve_decides_exactly_what_was_named() {
    let env = dry_env("");
    let run = env.chat("/as alice\nactivate web-01 and web-02\n/as bob\napprove job 1\n");
    let request = run.post(1).unwrap();
    assert!(request.contains("(jobs #1 and #2)"), "{request}");
    assert!(request.contains("**Job #1: web-01**"), "{request}");
    assert!(request.contains("**Job #2: web-02**"), "{request}");
    assert!(request.contains("`approve 1 2`"), "{request}");
    assert!(
        run.stdout
            .contains("I decided nothing: job #1 was requested together with job #2 (web-02)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("`cancel 2`"), "{}", run.stdout);
    let jobs = jobs_json(&env);
    assert_eq!(jobs[0]["status"], "awaiting_approval");
    assert_eq!(jobs[1]["status"], "awaiting_approval");
    // Withdrawing job 2 first, job 1 alone can be approved.
    let run = env.chat("/as alice\ncancel 2\n/as bob\napprove 1\n");
    assert!(
        run.stdout.contains("job #1 was rehearsed"),
        "{}",
        run.stdout
    );
    let jobs = jobs_json(&env);
    assert_eq!(jobs[0]["status"], "rehearsed");
    assert_eq!(jobs[1]["status"], "cancelled");
    // Naming both approves both.
    let run = env.chat("/as alice\nactivate web-01 and web-02\n/as bob\napprove jobs 3 and 4\n");
    assert!(
        run.stdout.contains("job #3 was rehearsed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("job #4 was rehearsed"),
        "{}",
        run.stdout
    );
}

// 7. The only approver asking: told at once that nobody can approve, and how to fix it.
#[test]
fn the_only_approver_filing_a_request_is_told_nobody_else_can_approve() {
    let env = Env::new(BIN);
    env.write_config(
        "[kms]\nhost = \"kms.corp.example\"\n[approvals]\napprovers = [\"console:bob\"]\n\
         [[instances]]\nname = \"web-01\"\nedition = \"Windows Server 2019 Datacenter\"\ntransport = \"dry-run\"\n",
    );
    let run = env.chat("/as bob\nactivate web-01\n");
    let request = run.post(1).unwrap();
    assert!(
        request.contains(
            "Nobody can approve this: @bob is the only approver in `[approvals] approvers`"
        ),
        "{request}"
    );
    assert!(request.contains("adds another approver"), "{request}");
    assert!(request.contains("`cancel 1`"), "{request}");
    // Someone else asking gets no such warning.
    let run = env.chat("/as alice\nactivate web-01\n");
    assert!(!run.stdout.contains("Nobody can approve"), "{}", run.stdout);
    // The same for a ticket the only approver files.
    let run = env.chat("/as bob\nopen tcp 1688 from web-01 to 10.20.0.5 for KMS activation\n");
    assert!(
        run.stdout.contains(
            "Nobody can approve this: @bob is the only approver in `[approvals] approvers`"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("`cancel FW-1`"), "{}", run.stdout);
}

// 8. `help` covers requests and commands; `help TOPIC` works for each topic.
#[test]
fn help_covers_everything_a_user_can_say_and_every_topic_answers() {
    let env = dry_env("");
    let run = env.chat("help\nhelp activate\nhelp approve\nhelp reject\nhelp status\nhelp tickets\nhelp requests\nhelp cancel\nhelp jobs\n");
    let posts = run.posts();
    assert_eq!(posts.len(), 9, "{}", run.stdout);
    assert!(posts[0].contains("`activate web-01"), "{}", posts[0]);
    assert!(posts[0].contains("open tcp 1688"), "{}", posts[0]);
    assert!(posts[0].contains("`help TOPIC`"), "{}", posts[0]);
    assert!(
        posts[1].contains("`activate web-01 online`"),
        "{}",
        posts[1]
    );
    assert!(posts[2].contains("`approve 2 3`"), "{}", posts[2]);
    assert!(
        posts[3].contains("`reject 2 wrong maintenance window`"),
        "{}",
        posts[3]
    );
    assert!(posts[4].contains("`job 2`"), "{}", posts[4]);
    assert!(posts[5].contains("open tcp 1688"), "{}", posts[5]);
    assert!(posts[6].contains("internet access"), "{}", posts[6]);
    for p in &posts {
        assert!(!p.contains("no help on"), "{p}");
    }
}

// 9. No raw state names reach users.
#[test]
fn job_states_reach_users_as_words() {
    let env = dry_env("");
    let run = env.chat("/as alice\nactivate web-01\njobs\njob 1\n");
    assert!(
        run.stdout.contains("**awaiting approval**"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("awaiting_approval"), "{}", run.stdout);
    let show = env.cli(&["jobs", "show", "1"]);
    assert!(show.stdout.contains("awaiting approval"), "{}", show.stdout);
}

// 15. `/react` without an id lands on the newest message that accepts reactions, and says which.
#[test]
fn react_without_an_id_finds_the_request_and_says_what_it_reacted_to() {
    let env = dry_env("");
    let run = env.chat("/as alice\nactivate web-01\nhelp\n/as bob\n/react white_check_mark\n");
    assert!(
        run.stderr
            .contains("reacting with :white_check_mark: on #1, the activation request"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("job #1 was rehearsed"),
        "{}",
        run.stdout
    );
    // An id that asks for nothing is said to change nothing.
    let help = run.id_of("I'm kmsbot").unwrap();
    let run = env.chat(&format!("/as bob\n/react x {help}\n"));
    assert!(
        run.stderr
            .contains("that message asks for no approval, so this changes nothing"),
        "{}",
        run.stderr
    );
    // With nothing to react to here, it says so instead of reacting to any message.
    let run = env.chat("/in elsewhere\nhelp\n/react white_check_mark\n");
    assert!(
        run.stderr
            .contains("no message in this channel accepts reactions"),
        "{}",
        run.stderr
    );
}

// 17. The CLI's output: plain text, words, headers, a real description, no surprise database,
// quiet under `| head`, and no colour codes in logs that do not go to a terminal.
#[test]
fn cli_output_is_plain_headed_and_read_only_commands_create_nothing() {
    let env = Env::new(BIN);
    // A mistyped --db: a clear error, and no file created.
    for args in [
        &["tickets", "list"][..],
        &["tickets", "show", "FW-1"],
        &["jobs", "list"],
    ] {
        let run = env.cli(args);
        assert_eq!(run.code, Some(1), "{args:?}: {}", run.stdout);
        assert!(
            run.stderr.contains("there is no database at"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(!env.db().exists(), "{args:?} created the database");
    }

    let help = env.run(&["--help"], "");
    assert!(
        help.stdout
            .contains("Windows activation help, firewall and internet-access tickets"),
        "{}",
        help.stdout
    );
    assert!(
        !help.stdout.contains("the conversation core"),
        "{}",
        help.stdout
    );

    let env = dry_env("");
    let run = env.cli(&["instances", "list"]);
    assert_eq!(
        run.stdout.lines().next(),
        Some("name\tedition\ttransport\taddress"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("web-01\tWindows Server 2019 Datacenter\tdry-run\t-"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("DryRun"), "{}", run.stdout);

    env.chat(
        "/as alice\nopen tcp 1688 from 10.0.0.0/8 to 203.0.113.7 because kms clients need it\nactivate web-01\n",
    );
    let run = env.cli(&["tickets", "list"]);
    assert_eq!(
        run.stdout.lines().next(),
        Some("id\tstatus\trequester\twhat"),
        "{}",
        run.stdout
    );
    let run = env.cli(&["jobs", "list"]);
    assert!(
        run.stdout.starts_with("id\tinstance\tmethod\tstatus\t"),
        "{}",
        run.stdout
    );
    let run = env.cli(&["tickets", "show", "FW-1"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("Protocol: tcp"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("**"),
        "no chat Markdown: {}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("`"),
        "no chat Markdown: {}",
        run.stdout
    );

    // `| head`: the reader goes away early; no error, exit 0.
    for args in [
        &["jobs", "list"][..],
        &["tickets", "list", "--json"],
        &["tickets", "show", "FW-1"],
    ] {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend(["--db".into(), env.db().display().to_string()]);
        all.extend([
            "--config".into(),
            env.path("kmsbot.toml").display().to_string(),
        ]);
        let mut child = std::process::Command::new(BIN)
            .args(&all)
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close our end of stdout at once, as `head -0` would.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

// 17. Logs going to a file or pipe carry no colour codes.
#[test]
fn logs_are_not_coloured_when_stderr_is_not_a_terminal() {
    let env = Env::new(BIN);
    env.write_config(
        "[[instances]]\nname = \"web-09\"\nedition = \"Windows Server 2019 Datacenter\"\ntransport = \"ssh\"\naddress = \"127.0.0.1\"\nkey_file = \"/nonexistent/id\"\nknown_hosts = \"/nonexistent/known_hosts\"\n",
    );
    let run = env.chat("help\n");
    assert!(
        run.stderr.contains("instance cannot be used as configured"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
}

// 16. At a terminal, a message that arrives while the user is at the prompt is printed above it
// and the prompt is drawn again after it.
#[test]
fn the_interactive_console_redraws_the_prompt_after_a_late_message() {
    use std::io::{Read, Write};
    use std::sync::{Arc, Mutex};
    let env = dry_env("");
    let pty = nix::pty::openpty(None, None).unwrap();
    let slave = std::fs::File::from(pty.slave);
    let mut master = std::fs::File::from(pty.master);
    let mut child = std::process::Command::new(BIN)
        .args([
            "chat",
            "--db",
            env.db().to_str().unwrap(),
            "--config",
            env.path("kmsbot.toml").to_str().unwrap(),
        ])
        .current_dir(env.dir.path())
        .env("HOME", env.dir.path())
        .env("TERM", "xterm")
        .env_remove("RUST_LOG")
        .stdin(slave.try_clone().unwrap())
        .stdout(slave.try_clone().unwrap())
        .stderr(slave)
        .spawn()
        .unwrap();
    let seen = Arc::new(Mutex::new(String::new()));
    {
        let seen = seen.clone();
        let mut reader = master.try_clone().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
    }
    // Waits (bounded, not timed) until the output holds `needle` `times` times.
    let wait = |needle: &str, times: usize| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let text = seen.lock().unwrap().clone();
            if text.matches(needle).count() >= times {
                return text;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "`{needle}` x{times} never appeared:\n{text}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    wait("you@#general> ", 1);
    master.write_all(b"/as alice\r").unwrap();
    wait("alice@#general> ", 1);
    master.write_all(b"activate web-01\r").unwrap();
    wait("alice@#general> ", 2);
    master.write_all(b"/as bob\r").unwrap();
    wait("bob@#general> ", 1);
    master.write_all(b"approve 1\r").unwrap();
    let text = wait("See them with `job 1`.", 1);
    let text = {
        // The prompt follows the last message (drawn again if the message came while it showed).
        let after = text
            .rsplit("See them with `job 1`.")
            .next()
            .unwrap()
            .to_string();
        if after.contains("bob@#general> ") {
            after
        } else {
            let all = wait("bob@#general> ", text.matches("bob@#general> ").count() + 1);
            all.rsplit("See them with `job 1`.")
                .next()
                .unwrap()
                .to_string()
        }
    };
    assert!(text.contains("bob@#general> "), "{text:?}");
    master.write_all(b"/quit\r").unwrap();
    assert!(child.wait().unwrap().success());
}
