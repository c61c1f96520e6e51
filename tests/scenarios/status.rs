//! Read-only activation status end to end (issue 14): `status …` in chat and `kmsbot status`
//! over real SSH to in-test fake Windows instances that report each licence state; who may ask;
//! "is web-01 activated?" understood as a request; read-only means only `/dli` and `/xpr` ran;
//! retrying a failed job and selecting instances by tag.
#![allow(clippy::unwrap_used)] // tests may unwrap: a panic is the failure report

use kmsbot_tests::fake_windows::{FakeBehaviour, FakeLicense};
use kmsbot_tests::instance::Instance;
use kmsbot_tests::transcript::{Env, Line, Run};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_kmsbot");

const SLMGR: &str = r"cscript //nologo %SystemRoot%\System32\slmgr.vbs";

/// The only commands a status check may run.
fn read_only() -> Vec<String> {
    vec![format!("{SLMGR} /dli"), format!("{SLMGR} /xpr")]
}

/// The newest text of message `id` (its last edit, else its post).
fn final_text(run: &Run, id: i64) -> String {
    run.lines
        .iter()
        .rev()
        .find_map(|l| match l {
            Line::Post { id: i, text } | Line::Edit { id: i, text } if *i == id => {
                Some(text.clone())
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no message {id}: {}", run.stdout))
}

/// The table row of `instance` in a status reply.
fn row<'a>(text: &'a str, instance: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(&format!("{instance} ")))
        .unwrap_or_else(|| panic!("no row for {instance}: {text}"))
}

fn license(l: FakeLicense) -> FakeBehaviour {
    FakeBehaviour {
        license: Some(l),
        ..FakeBehaviour::default()
    }
}

/// A `[[instances]]` entry that points at a port where nothing listens, with a known_hosts entry
/// for that port (so only the connection itself fails).
fn dead_instance(env: &Env, like: &Instance, name: &str) -> String {
    let dead_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let port = like.fake.port();
    let line = std::fs::read_to_string(&like.known_hosts).unwrap();
    let known = env.path(&format!("{name}_known_hosts"));
    std::fs::write(
        &known,
        line.replace(&format!(":{port}]"), &format!(":{dead_port}]")),
    )
    .unwrap();
    format!(
        "[[instances]]\nname = \"{name}\"\nedition = \"Windows Server 2019 Datacenter\"\ntransport = \"ssh\"\naddress = \"127.0.0.1\"\nport = {dead_port}\nkey_file = \"{}\"\nknown_hosts = \"{}\"\n",
        like.key_file.display(),
        known.display()
    )
}

#[test]
fn each_licence_state_is_reported_right_in_chat_and_json_and_only_dli_and_xpr_ran() {
    let env = Env::new(BIN);
    let states = [
        ("web-01", license(FakeLicense::Licensed { days: 120 })),
        ("web-02", license(FakeLicense::Grace { days: 25 })),
        (
            "web-03",
            license(FakeLicense::Notification {
                reason: "0xC004F074".into(),
            }),
        ),
        (
            "web-04",
            license(FakeLicense::Notification {
                reason: "0xC004F06C".into(),
            }),
        ),
        ("web-05", license(FakeLicense::Mak)),
        ("web-06", license(FakeLicense::Unlicensed)),
    ];
    let instances: Vec<(&str, Instance)> = states
        .into_iter()
        .map(|(name, b)| (name, Instance::start(env.dir.path(), name, b)))
        .collect();
    let mut config = String::from(
        "[kms]\nhost = \"kms.corp.example\"\n[approvals]\napprovers = [\"console:bob\"]\n[jobs]\nconcurrency = 3\nstep_timeout_secs = 5\nconnect_timeout_secs = 5\n",
    );
    for (name, inst) in &instances {
        config.push_str(&inst.toml(name, "Windows Server 2019 Datacenter"));
    }
    config.push_str(&dead_instance(&env, &instances[0].1, "web-07"));
    env.write_config(&config);

    let run = env.chat("/as bob\nstatus all\n");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let id = run.id_of("activation status").expect("a status message");
    let text = final_text(&run, id);
    assert!(
        text.starts_with("Activation status of 7 instance(s)"),
        "{text}"
    );
    let r = row(&text, "web-01");
    assert!(r.contains("licensed") && r.contains("KMS client"), "{r}");
    assert!(
        r.contains("kms.corp.example:1688") && r.contains(" 120 "),
        "{r}"
    );
    let r = row(&text, "web-02");
    assert!(r.contains("grace") && r.contains(" 25 "), "{r}");
    assert!(
        text.contains("`web-02`: in a grace period (Initial grace period), 25 day(s) left"),
        "{text}"
    );
    let r = row(&text, "web-03");
    assert!(
        r.contains("notification") && r.contains("0xC004F074"),
        "{r}"
    );
    let r = row(&text, "web-04");
    assert!(
        r.contains("notification") && r.contains("0xC004F06C"),
        "{r}"
    );
    assert!(text.contains("• `web-03`: 0xC004F074: "), "{text}");
    assert!(text.contains("• `web-04`: 0xC004F06C: "), "{text}");
    let r = row(&text, "web-05");
    assert!(
        r.contains("licensed") && r.contains("MAK") && r.contains("never"),
        "{r}"
    );
    let r = row(&text, "web-06");
    assert!(r.contains("unlicensed"), "{r}");
    let r = row(&text, "web-07");
    assert!(r.contains("unreachable"), "{r}");
    assert!(
        text.contains("• `web-07`: could not be checked: "),
        "{text}"
    );

    // Read-only means read-only: each instance ran exactly the two allowed commands.
    for (name, inst) in &instances {
        assert_eq!(inst.commands(), read_only(), "{name}");
    }

    // The CLI shares the code: the same states, as JSON.
    let cli = env.cli(&["status", "--json"]);
    assert_eq!(
        cli.code,
        Some(1),
        "web-07 could not be checked: {}",
        cli.stderr
    );
    assert!(
        cli.stderr
            .contains("1 of 7 instance(s) could not be checked"),
        "{}",
        cli.stderr
    );
    let rows: Vec<serde_json::Value> = serde_json::from_str(&cli.stdout).unwrap();
    let by = |n: &str| rows.iter().find(|r| r["instance"] == n).unwrap().clone();
    assert_eq!(rows.len(), 7);
    let r = by("web-01");
    assert_eq!(r["license_status"], "licensed");
    assert_eq!(r["licensed"], true);
    assert_eq!(r["channel"], "kms_client");
    assert_eq!(r["kms_host"], "kms.corp.example");
    assert_eq!(r["kms_port"], 1688);
    assert_eq!(r["days_left"], 120);
    let r = by("web-02");
    assert_eq!(r["license_status"], "grace");
    assert_eq!(r["days_left"], 25);
    assert_eq!(by("web-03")["license_status"], "notification");
    assert_eq!(by("web-03")["last_error"], "0xC004F074");
    assert_eq!(by("web-04")["last_error"], "0xC004F06C");
    let r = by("web-05");
    assert_eq!(r["channel"], "mak");
    assert_eq!(r["permanent"], true);
    assert_eq!(by("web-06")["license_status"], "unlicensed");
    assert_eq!(by("web-07")["license_status"], "unreachable");
    for (name, inst) in &instances {
        let cmds = inst.commands();
        assert_eq!(cmds.len(), 4, "{name}: {cmds:?}");
        assert!(
            cmds.iter().all(|c| read_only().contains(c)),
            "{name}: {cmds:?}"
        );
    }

    // One instance by name, as TSV with a header.
    let cli = env.cli(&["status", "web-02"]);
    assert_eq!(cli.code, Some(0), "{}", cli.stderr);
    let mut lines = cli.stdout.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("instance\tlicense_status\t"));
    assert!(lines
        .next()
        .unwrap()
        .starts_with("web-02\tgrace\tkms_client\t"));
    assert!(lines.next().is_none());
}

#[test]
fn is_web_01_activated_is_a_request_for_those_allowed_and_a_how_to_for_others() {
    let env = Env::new(BIN);
    let inst = Instance::start(
        env.dir.path(),
        "web-01",
        license(FakeLicense::Licensed { days: 170 }),
    );
    env.write_config(&format!(
        "[kms]\nhost = \"kms.corp.example\"\n[approvals]\napprovers = [\"console:bob\"]\n[status]\nallowed = [\"console:bob\", \"console:olive\"]\n{}\
         [[instances]]\nname = \"web-02\"\nedition = \"Windows Server 2019 Standard\"\ntransport = \"dry-run\"\n",
        inst.toml("web-01", "Windows Server 2019 Datacenter")
    ));
    // A stranger gets the how-to answer and nothing runs; `status` is refused with who may.
    let run = env.chat("/as mallory\nis web-01 activated?\nstatus web-01\n");
    let posts = run.posts();
    assert!(posts[0].contains("slmgr /dli"), "{}", run.stdout);
    assert!(
        posts[1].contains("only `console:bob`, `console:olive` may check"),
        "{}",
        run.stdout
    );
    assert!(inst.commands().is_empty(), "nothing ran for a stranger");

    // An operator listed in `[status] allowed` asks in words and gets the table.
    let run = env.chat("/as olive\nis web-01 activated?\n");
    let id = run.id_of("activation status").expect("a status table");
    let text = final_text(&run, id);
    let r = row(&text, "web-01");
    assert!(r.contains("licensed") && r.contains(" 170 "), "{text}");
    assert_eq!(inst.commands(), read_only());

    // A dry-run instance answers as a dry run does, and says the state is assumed.
    let run = env.chat("/as bob\nstatus web-02\n");
    let text = final_text(&run, run.id_of("activation status").unwrap());
    assert!(row(&text, "web-02").contains("licensed*"), "{text}");
    assert!(
        text.contains("dry run: nothing was executed, the state is assumed"),
        "{text}"
    );

    // Only configured names select instances: anything else is refused before any shell.
    let run = env.chat("/as bob\nstatus web-09\nstatus tag:db\n");
    let posts = run.posts();
    assert!(
        posts[0].contains("I know no instance `web-09`. Configured: `web-01`, `web-02`."),
        "{}",
        run.stdout
    );
    assert!(
        posts[1].contains("No instance has the tag `db`"),
        "{}",
        run.stdout
    );
    assert_eq!(inst.commands(), read_only(), "nothing more ran");
    let run = env.cli(&["status", "web-01;del"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("is not an instance name"),
        "{}",
        run.stderr
    );
}

#[test]
fn many_instances_are_checked_concurrently_within_jobs_concurrency() {
    let env = Env::new(BIN);
    let inst = Instance::start(
        env.dir.path(),
        "web",
        FakeBehaviour {
            delay: Duration::from_millis(300),
            ..license(FakeLicense::Licensed { days: 100 })
        },
    );
    // Five names for the one fake instance: its peak of commands in flight is the bot's.
    let mut config = String::from(
        "[approvals]\napprovers = [\"console:bob\"]\n[jobs]\nconcurrency = 2\nstep_timeout_secs = 10\n",
    );
    for n in 1..=5 {
        config.push_str(&inst.toml(&format!("web-0{n}"), "Windows Server 2019 Datacenter"));
    }
    env.write_config(&config);
    let run = env.chat("/as bob\nstatus all\n");
    let id = run.id_of("activation status").unwrap();
    let text = final_text(&run, id);
    for n in 1..=5 {
        assert!(
            row(&text, &format!("web-0{n}")).contains("licensed"),
            "{text}"
        );
    }
    assert!(
        run.stdout.contains("[#1 edited]"),
        "the table is edited as results arrive: {}",
        run.stdout
    );
    assert_eq!(inst.commands().len(), 10);
    assert_eq!(
        inst.fake.peak_concurrent_commands(),
        2,
        "two instances at once, never more"
    );
}

#[test]
fn a_failed_job_is_retried_as_a_new_linked_job_that_needs_approval_again() {
    let env = Env::new(BIN);
    let inst = Instance::start(env.dir.path(), "web-01", FakeBehaviour::default());
    env.write_config(&format!(
        "[kms]\nhost = \"kms.corp.example\"\n[approvals]\napprovers = [\"console:bob\"]\n[jobs]\nstep_timeout_secs = 5\nconnect_timeout_secs = 5\n{}",
        inst.toml("web-01", "Windows Server 2019 Datacenter")
    ));
    // The KMS port closes between the request (its pre-flight passed) and the approval.
    let asked = env.chat("/as alice\nretry 1\nactivate web-01\n");
    inst.fake.set_behaviour(FakeBehaviour {
        kms_reachable: false,
        ..FakeBehaviour::default()
    });
    let mut run = env.chat("/as bob\napprove 1\n");
    run.lines.splice(0..0, asked.lines);
    run.stdout.insert_str(0, &asked.stdout);
    assert!(
        run.posts()[0].contains("There is no job #1"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("job #1 on web-01 failed with **0xC004F074**"),
        "{}",
        run.stdout
    );
    let run = env.chat("/as alice\njob 1\n");
    assert!(
        run.posts()[0].contains("`retry 1` asks again for the same plan"),
        "{}",
        run.stdout
    );
    let first_plan: Vec<String> = inst.commands();
    // The firewall is fixed; the requester retries, and the retry waits for an approver.
    inst.fake.set_behaviour(FakeBehaviour::default());
    let run = env.chat("/as alice\nretry 1\nretry 1\n");
    let posts = run.posts();
    assert!(
        posts[0].contains("This retries job #1 (failed with 0xC004F074) with the same plan")
            && posts[0].contains("needs approval again")
            && posts[0].contains("**Job #2: web-01**"),
        "{}",
        run.stdout
    );
    assert!(
        posts[1].contains("Job #1 is already retried as job #2, which is awaiting approval"),
        "{}",
        run.stdout
    );
    assert_eq!(inst.commands(), first_plan, "nothing ran before approval");
    let run = env.chat("/as bob\napprove 2\n");
    assert!(run.stdout.contains("job #2 succeeded"), "{}", run.stdout);
    let run = env.chat("/as alice\nretry 2\n");
    assert!(
        run.posts()[0].contains("There is nothing to retry in job #2 (succeeded): it did not fail"),
        "{}",
        run.stdout
    );
    let run = env.chat("/as alice\njob 1\njob 2\n");
    let posts = run.posts();
    assert!(posts[0].contains("Retried as job #2."), "{}", run.stdout);
    assert!(posts[1].contains("A retry of job #1."), "{}", run.stdout);
    let show = env.cli(&["jobs", "show", "2", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(v["retry_of"], 1);
    assert_eq!(v["requested_by"], "console:alice");
    let show = env.cli(&["jobs", "show", "1", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(v["retries"], serde_json::json!([2]));
    assert_eq!(v["status"], "failed");
    // The same plan: the retry ran the failed job's commands again, and verified.
    let cmds = inst.commands();
    let retried = &cmds[first_plan.len()..];
    assert_eq!(&retried[..first_plan.len()], first_plan.as_slice());
}

#[test]
fn tags_select_instances_for_activation_and_status() {
    let env = Env::new(BIN);
    env.write_config(
        "[kms]\nhost = \"kms.corp.example\"\n[approvals]\napprovers = [\"console:bob\"]\n\
         [[instances]]\nname = \"web-01\"\nedition = \"Windows Server 2019 Datacenter\"\ntransport = \"dry-run\"\ntags = [\"web\"]\n\
         [[instances]]\nname = \"db-01\"\nedition = \"Windows Server 2019 Standard\"\ntransport = \"dry-run\"\ntags = [\"db\"]\n\
         [[instances]]\nname = \"web-02\"\nedition = \"Windows Server 2019 Standard\"\ntransport = \"dry-run\"\ntags = [\"web\", \"edge\"]\n",
    );
    let run = env.chat("/as alice\nactivate tag:web\nactivate tag:nope\n/as bob\nstatus tag:web\n");
    let posts = run.posts();
    assert!(
        posts[0].contains("**Job #1: web-01**") && posts[0].contains("**Job #2: web-02**"),
        "{}",
        run.stdout
    );
    assert!(!posts[0].contains("db-01"), "{}", posts[0]);
    assert!(
        posts[1].contains("No instance has the tag `nope`. Tags: `tag:db`, `tag:edge`, `tag:web`."),
        "{}",
        run.stdout
    );
    let text = final_text(&run, run.id_of("activation status").unwrap());
    assert!(row(&text, "web-01").contains("licensed*"), "{text}");
    assert!(row(&text, "web-02").contains("licensed*"), "{text}");
    assert!(!text.contains("db-01"), "{text}");
    let cli = env.cli(&["status", "tag:db", "--json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&cli.stdout).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["instance"], "db-01");
}

#[test]
fn preflight_a_blocked_kms_port_offers_the_firewall_request_and_asks_nobody_to_approve() {
    let env = Env::new(BIN);
    let inst = Instance::start(
        env.dir.path(),
        "web-01",
        FakeBehaviour {
            kms_reachable: false,
            ..FakeBehaviour::default()
        },
    );
    let other = Instance::start(env.dir.path(), "web-02", FakeBehaviour::default());
    env.write_config(&format!(
        "[kms]\nhost = \"kms.corp.example\"\n[approvals]\napprovers = [\"console:bob\"]\n[jobs]\npreflight = true\nstep_timeout_secs = 5\nconnect_timeout_secs = 5\n{}{}",
        inst.toml("web-01", "Windows Server 2019 Datacenter"),
        // The fake runs Datacenter: this entry's edition is wrong.
        other.toml("web-02", "Windows Server 2019 Standard"),
    ));
    let run = env.chat("/as alice\nactivate web-01\n");
    let posts = run.posts();
    assert_eq!(posts.len(), 1, "{}", run.stdout);
    assert!(
        posts[0].contains("Checked before asking for approval: from `web-01`, kms.corp.example does not answer on tcp/1688")
            && posts[0].contains("I asked nobody to approve")
            && posts[0].contains("tcp/1688 from web-01 to kms.corp.example, outbound"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Approve with"), "{}", run.stdout);
    let jobs = env.cli(&["jobs", "list", "--json"]);
    assert_eq!(jobs.stdout.trim(), "[]", "no job was created");
    // Only the fixed read-only probes ran.
    let probe = "powershell -NoProfile -NonInteractive -Command \"Test-NetConnection -ComputerName kms.corp.example -Port 1688 -InformationLevel Detailed | Format-List ComputerName,RemoteAddress,RemotePort,TcpTestSucceeded\"";
    assert_eq!(
        inst.all_commands(),
        vec![
            probe.to_string(),
            r#"reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" /v EditionID"#
                .to_string()
        ]
    );
    // The offer is prefilled: `file it` files it at once.
    let run = env.chat("/as alice\nfile it\n");
    assert!(run.posts()[0].contains("Filed **FW-1**"), "{}", run.stdout);
    let tickets = env.cli(&["tickets", "list", "--json"]);
    let t: Vec<serde_json::Value> = serde_json::from_str(&tickets.stdout).unwrap();
    let ticket = t[0].to_string();
    assert!(
        ticket.contains("web-01") && ticket.contains("kms.corp.example") && ticket.contains("1688"),
        "{ticket}"
    );

    // An edition that differs from the config is said before approval too.
    let run = env.chat("/as alice\nactivate web-02\n");
    assert!(
        run.posts()[0].contains("`web-02` runs ServerDatacenter (its registry `EditionID`), but the config says Windows Server 2019 Standard"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Approve with"), "{}", run.stdout);

    // Once the port is open the request goes to approvers as usual.
    inst.fake.set_behaviour(FakeBehaviour::default());
    let run = env.chat("/as alice\nactivate web-01\n");
    assert!(run.posts()[0].contains("Approve with"), "{}", run.stdout);
}
