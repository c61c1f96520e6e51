//! End-to-end scenarios of the console adapter and the CLI, spawning the real `kmsbot` binary.
#![allow(clippy::unwrap_used)] // tests may unwrap: a panic is the failure report

use kmsbot_tests::transcript::Env;

const BIN: &str = env!("CARGO_BIN_EXE_kmsbot");

#[test]
fn two_users_in_two_channels_get_help_and_the_database_is_migrated() {
    let env = Env::new(BIN);
    let db = env.db();
    let run = env.run(
        &["chat", "--db", db.to_str().unwrap()],
        "/as alice\nhelp\n/in ops\n/as bob\nhelp\n",
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let posts = run.posts();
    assert_eq!(posts.len(), 2, "stdout: {}", run.stdout);
    for p in &posts {
        assert!(p.contains("help"), "{p}");
    }
    assert!(run.stdout.starts_with("[#"), "{}", run.stdout);
    assert!(db.exists());
    let tables = query_strings(
        &db,
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    );
    for t in [
        "processed_events",
        "messages",
        "audit_log",
        "tickets",
        "jobs",
        "job_steps",
    ] {
        assert!(tables.iter().any(|n| n == t), "{t} missing from {tables:?}");
    }
    let applied = query_strings(
        &db,
        "SELECT description FROM _sqlx_migrations WHERE success",
    );
    assert_eq!(
        applied,
        vec![
            "foundation".to_string(),
            "conversations approvals".to_string(),
            "typed states".to_string(),
            "job leases".to_string(),
            "readiness".to_string(),
            "rehearsed and rejections".to_string(),
            "ticket expiry".to_string(),
            "job retries".to_string(),
            "watch".to_string(),
            "inbox".to_string(),
            "console message refs".to_string(),
        ]
    );
}

/// Reads one text column from the database file with sqlx, as an outside observer.
fn query_strings(db: &std::path::Path, sql: &str) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        sqlx::query_scalar::<_, String>(sql)
            .fetch_all(&mut conn)
            .await
            .unwrap()
    })
}

#[test]
fn ids_are_unique_across_runs_and_reactions_accept_old_ids() {
    let env = Env::new(BIN);
    let first = env.chat("help\n");
    let second = env.chat("help\n/react white_check_mark 1\n/react x 999\n");
    assert_eq!(second.code, Some(0));
    let a = first.id_of("kmsbot").unwrap();
    let b = second.id_of("kmsbot").unwrap();
    assert!(b > a, "ids survive restarts: {a} then {b}");
    assert!(
        second.stderr.contains("no message #999"),
        "{}",
        second.stderr
    );
}

#[test]
fn console_mistakes_are_explained_and_do_not_stop_the_script() {
    let env = Env::new(BIN);
    let run = env.chat("/as\n/react\n/thread\n/thread 12345\n/nope\nhelp\n");
    assert_eq!(run.code, Some(0));
    assert!(run.stderr.contains("/as alice"), "{}", run.stderr);
    assert!(
        run.stderr.contains("/react white_check_mark 3"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("/thread 4"), "{}", run.stderr);
    assert!(run.stderr.contains("no message #12345"), "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown console command `/nope`"),
        "{}",
        run.stderr
    );
    assert_eq!(run.posts().len(), 1);
}

#[test]
fn unknown_text_gets_a_polite_fallback_and_help_topics_work() {
    let env = Env::new(BIN);
    let run = env.chat("help instances\nhelp frobnicate\ninstances\n");
    let posts = run.posts();
    assert!(posts[0].contains("`instances`"), "{}", posts[0]);
    assert!(posts[1].contains("no help on `frobnicate`"), "{}", posts[1]);
    assert!(posts[1].contains("For example"), "{}", posts[1]);
    assert!(
        posts[2].contains("No instances are configured"),
        "{}",
        posts[2]
    );
}

#[test]
fn a_config_typo_is_a_one_line_error() {
    let env = Env::new(BIN);
    let cfg = env.write_config("[kms]\nhots = \"kms.corp.example\"\n");
    let run = env.run(
        &[
            "chat",
            "--config",
            cfg.to_str().unwrap(),
            "--db",
            env.db().to_str().unwrap(),
        ],
        "help\n",
    );
    assert_eq!(run.code, Some(1));
    let err = run.stderr.trim();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("kmsbot.toml"), "{err}");
    assert!(err.contains("unknown key `kms.hots`"), "{err}");
    assert!(run.stdout.is_empty());
    assert!(!env.db().exists(), "nothing was created");
}

#[test]
fn an_environment_override_with_a_bad_value_names_the_variable() {
    let mut env = Env::new(BIN);
    env.vars
        .push(("KMSBOT_KMS_PORT".into(), "not-a-port".into()));
    let run = env.cli(&["tickets", "list"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("KMSBOT_KMS_PORT"), "{}", run.stderr);
}

#[test]
fn a_database_path_that_cannot_be_created_is_a_one_line_error() {
    let env = Env::new(BIN);
    let bad = env.path("no/such/folder/kmsbot.db");
    let run = env.run(&["chat", "--db", bad.to_str().unwrap()], "help\n");
    assert_eq!(run.code, Some(1));
    let err = run.stderr.trim();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cannot open database"), "{err}");
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn a_file_that_is_not_sqlite_is_a_one_line_error_and_is_left_alone() {
    let env = Env::new(BIN);
    let junk = env.path("notes.db");
    let content = "these are my notes, not a database\n".repeat(200);
    std::fs::write(&junk, &content).unwrap();
    let run = env.run(&["tickets", "list", "--db", junk.to_str().unwrap()], "");
    assert_eq!(run.code, Some(1));
    let err = run.stderr.trim();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("not a SQLite database"), "{err}");
    assert_eq!(std::fs::read_to_string(&junk).unwrap(), content);
}

#[test]
fn empty_stores_list_cleanly() {
    let env = Env::new(BIN);
    // Read-only commands never create a database: a chat run does.
    assert_eq!(env.chat("").code, Some(0));
    let run = env.cli(&["tickets", "list", "--json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout.trim(), "[]");
    let run = env.cli(&["jobs", "list", "--json"]);
    assert_eq!(run.stdout.trim(), "[]");
    let run = env.cli(&["tickets", "export", "--format", "csv"]);
    assert!(
        run.stdout.starts_with("id,kind,status,requester"),
        "{}",
        run.stdout
    );
    // A usage error, as clap reports every bad flag: exit 2 with the values that work.
    let run = env.cli(&["tickets", "list", "--status", "bogus"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("invalid value 'bogus' for '--status <S>'")
            && run
                .stderr
                .contains("possible values: open, approved, rejected, done, cancelled"),
        "{}",
        run.stderr
    );
    let run = env.cli(&["tickets", "show", "FW-1"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("no ticket FW-1"), "{}", run.stderr);
}

#[test]
fn logs_go_to_stderr_as_json_when_asked() {
    let mut env = Env::new(BIN);
    env.vars.push(("RUST_LOG".into(), "kmsbot=debug".into()));
    let db = env.db();
    let run = env.run(
        &["chat", "--log-format", "json", "--db", db.to_str().unwrap()],
        "help\n",
    );
    assert_eq!(run.code, Some(0));
    assert!(
        run.stdout.starts_with("[#"),
        "transcript stays clean: {}",
        run.stdout
    );
    for line in run.stderr.lines().filter(|l| l.starts_with('{')) {
        serde_json::from_str::<serde_json::Value>(line).expect("json log line");
    }
}

#[test]
fn ask_answers_offline_as_json_and_abstains_off_topic() {
    let env = Env::new(BIN);
    let run = env.run(
        &["ask", "--json", "kms", "key", "for", "srv", "2019", "dc"],
        "",
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["question"], "kms key for srv 2019 dc");
    assert!(v["answer"]
        .as_str()
        .unwrap()
        .contains("WMDGN-G9PQG-XVVXX-R3X43-63DFG"));
    assert_eq!(v["abstained"], false);
    let c = v["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&c));
    assert!(!v["sources"].as_array().unwrap().is_empty());
    assert!(v["sources"][0]["title"].is_string() && v["sources"][0]["section"].is_string());
    let run = env.run(
        &["ask", "--json", "what's the weather in Paris tomorrow?"],
        "",
    );
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["abstained"], true);
    assert!(!env.db().exists(), "ask needs no database");
    // An empty question is a usage error that says what works, not an "I don't know".
    for blank in ["", "   "] {
        let run = env.run(&["ask", "--json", blank], "");
        assert_eq!(run.code, Some(2), "{}", run.stderr);
        assert!(run.stdout.is_empty(), "no answer printed: {}", run.stdout);
        assert!(
            run.stderr.contains("the question is empty")
                && run
                    .stderr
                    .contains("kmsbot ask \"kms key for server 2022 standard\""),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn kb_check_import_and_operator_articles() {
    let env = Env::new(BIN);
    let run = env.run(&["kb", "check"], "");
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let broken = env.path("broken");
    std::fs::create_dir(&broken).unwrap();
    std::fs::write(
        broken.join("bad.md"),
        "---\nlayout: page\ntitle: Our KMS\ntags: [kms]\n---\n\n## Key\n\nInstall it with `slmgr /ipk ABCDE-FGHIJ-KLMNO-PQRST-UVWX`.\nSee [the host](kb:no-such-article#setup).\n",
    )
    .unwrap();
    let run = env.run(&["kb", "check", broken.to_str().unwrap()], "");
    assert_eq!(run.code, Some(1));
    assert!(
        run.stdout.contains("bad.md:9: malformed product key"),
        "names the file and line: {}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("bad.md:10: reference to unknown article"),
        "{}",
        run.stdout
    );
    let yaml = env.path("yaml");
    std::fs::create_dir(&yaml).unwrap();
    std::fs::write(
        yaml.join("unclosed.md"),
        "---\ntitle: Our KMS\nquestions: [where is it\n---\n\n## Where\n\nHere.\n",
    )
    .unwrap();
    let run = env.run(&["kb", "check", yaml.to_str().unwrap()], "");
    assert_eq!(run.code, Some(1));
    assert!(
        run.stdout.contains("unclosed.md:4: invalid YAML"),
        "front matter errors name the line: {}",
        run.stdout
    );
    let good = env.path("good");
    std::fs::create_dir(&good).unwrap();
    std::fs::write(
        good.join("our-kms.md"),
        "---\nlayout: page\ntitle: Contoso KMS host\ntags: [kms, contoso]\n---\n\n## Where is the Contoso KMS host\n\nThe Contoso KMS host is kms7.contoso.example on port 1688, run by the Contoso platform team.\n",
    )
    .unwrap();
    let articles = env.path("articles");
    env.write_config(&format!(
        "[knowledge]\nextra_dir = \"{}\"\n",
        articles.display()
    ));
    let run = env.cli(&["kb", "import", broken.to_str().unwrap()]);
    assert_eq!(run.code, Some(1), "a broken folder is not imported");
    assert!(!articles.join("bad.md").exists());
    let run = env.cli(&["kb", "import", good.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(articles.join("our-kms.md").exists());
    let cfg = env.path("kmsbot.toml");
    let run = env.run(
        &[
            "ask",
            "--config",
            cfg.to_str().unwrap(),
            "where is the contoso kms host?",
        ],
        "",
    );
    assert!(
        run.stdout.contains("kms7.contoso.example"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_instance_edition_without_a_setup_key_is_rejected_at_start() {
    let env = Env::new(BIN);
    env.write_config("[[instances]]\nname = \"web-01\"\nedition = \"Windows Server 2019\"\ntransport = \"dry-run\"\n");
    let run = env.chat("help\n");
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("instances[0].edition"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Windows Server 2019 Datacenter"),
        "lists candidates: {}",
        run.stderr
    );
    env.write_config("[[instances]]\nname = \"web-01\"\nedition = \"Windows 3.11 for Workgroups\"\ntransport = \"dry-run\"\n");
    let run = env.chat("help\n");
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("has no KMS client setup key"),
        "{}",
        run.stderr
    );
}

#[test]
fn questions_use_the_configured_kms_host_and_follow_ups_work_in_a_thread() {
    let env = Env::new(BIN);
    let cfg = env.write_config("[kms]\nhost = \"kms.corp.example\"\nport = 1700\n");
    let db = env.db();
    let run = env.run(
        &[
            "chat",
            "--config",
            cfg.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ],
        "gvlk for server 2019 standard\n/thread 1\nand for datacenter?\n/thread off\nhi\nour kms is 10.20.0.5, what do I type on a new server 2022 standard vm?\n",
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let posts = run.posts();
    assert!(
        posts[0].contains("N69G4-B89J2-4G8F4-WWYCC-J464C"),
        "{}",
        posts[0]
    );
    assert!(
        posts[0].contains("slmgr /skms kms.corp.example:1700"),
        "{}",
        posts[0]
    );
    // The follow-up inside the answer's thread keeps the family (Server 2019).
    assert!(
        posts[1].contains("WMDGN-G9PQG-XVVXX-R3X43-63DFG"),
        "{}",
        posts[1]
    );
    // Small talk is one line, not "I don't know".
    assert_eq!(posts[2].lines().count(), 1, "{}", posts[2]);
    assert!(!posts[2].contains("I don't know"), "{}", posts[2]);
    // The user's own host wins over the configured one.
    assert!(
        posts[3].contains("VDYBN-27WPP-V4HQT-9VMD4-VMK7H"),
        "{}",
        posts[3]
    );
    assert!(
        posts[3].contains("slmgr /skms 10.20.0.5:1700"),
        "{}",
        posts[3]
    );
}

#[test]
fn ask_reads_the_configured_kms_host() {
    let env = Env::new(BIN);
    let cfg = env.write_config("[kms]\nhost = \"kms.corp.example\"\n");
    let run = env.run(
        &[
            "ask",
            "--json",
            "--config",
            cfg.to_str().unwrap(),
            "how do I point my 2019 datacenter box at the kms",
        ],
        "",
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let answer = v["answer"].as_str().unwrap();
    assert!(
        answer.contains("slmgr /skms kms.corp.example:1688"),
        "{answer}"
    );
    assert!(answer.contains("WMDGN-G9PQG-XVVXX-R3X43-63DFG"), "{answer}");
    assert_eq!(v["abstained"], false);
}

#[test]
fn invalid_utf8_on_stdin_is_decoded_lossily_and_the_script_goes_on() {
    // Before, the invalid line ended the run with exit 1 and dropped the remaining lines.
    let env = Env::new(BIN);
    let run = env.chat_bytes(b"/as alice\nhelp\nwhat is \xff\xfe slmgr?\n/as bob\nhelp\n");
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let posts = run.posts();
    assert_eq!(posts.len(), 3, "every line was answered: {}", run.stdout);
    assert!(posts[2].contains("help"), "{}", posts[2]);
}

#[test]
fn a_closed_output_ends_the_transcript_quietly() {
    // `kmsbot chat < questions | head -1`: once the reader has gone, the remaining replies are
    // dropped at once, with one note at most, instead of an error per reply 1.5 s apart.
    use std::io::{BufRead, Write};
    let env = Env::new(BIN);
    let mut child = env.spawn_chat();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    writeln!(stdin, "key for 2019 dc").unwrap();
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains("kmsbot:"), "{first}");
    drop(lines);
    for _ in 0..50 {
        // The pipe is closed: what the bot still says has nowhere to go.
        if writeln!(stdin, "key for 2019 dc").is_err() {
            break;
        }
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("delivery dropped"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}
