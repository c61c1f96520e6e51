//! What the documentation promises, checked: the Slack manifest lets people DM the bot, and the
//! README's console walkthrough runs as written against the real binary.
#![allow(clippy::unwrap_used)] // tests may unwrap: a panic is the failure report

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{path}")).unwrap()
}

/// The lines of the block under `key:` at `indent` spaces (a YAML mapping, read as text: the
/// manifest is plain YAML and no YAML parser is in the tree).
fn yaml_block<'a>(text: &'a str, key: &str, indent: usize) -> Vec<&'a str> {
    let head = format!("{}{key}:", " ".repeat(indent));
    let mut lines = text.lines().skip_while(|l| l.trim_end() != head);
    assert!(lines.next().is_some(), "no `{key}:` at indent {indent}");
    lines
        .take_while(|l| {
            l.trim().is_empty()
                || l.trim_start().starts_with('#')
                || l.len() - l.trim_start().len() > indent
        })
        .collect()
}

#[test]
fn the_slack_manifest_turns_the_messages_tab_on_and_writable() {
    // Before, there was no features.app_home: Slack turned DMs to the app off.
    let manifest = read("slack/manifest.yml");
    let features = yaml_block(&manifest, "features", 0).join("\n");
    let app_home = yaml_block(&features, "app_home", 2);
    let values: Vec<&str> = app_home.iter().map(|l| l.trim()).collect();
    assert!(values.contains(&"messages_tab_enabled: true"), "{values:?}");
    assert!(
        values.contains(&"messages_tab_read_only_enabled: false"),
        "{values:?}"
    );
    let readme = read("README.md");
    assert!(
        readme.contains("**Messages Tab**"),
        "README says how to turn it on"
    );
}

/// The README section under `## TITLE`, up to the next `## ` heading.
fn section<'a>(readme: &'a str, title: &str) -> &'a str {
    let head = format!("\n## {title}\n");
    let start = readme
        .find(&head)
        .unwrap_or_else(|| panic!("no section {title}"))
        + head.len();
    let rest = &readme[start..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

/// The fenced code blocks of `text`: (info string, body).
fn blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        match (&mut open, trimmed.strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.trim().to_string(), String::new())),
            (Some(_), Some(_)) => out.push(open.take().unwrap()),
            (Some((_, body)), None) => {
                body.push_str(trimmed);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

/// A shell line without its trailing `# comment`.
fn command_of(line: &str) -> &str {
    line.split(" #").next().unwrap_or(line).trim()
}

#[test]
fn the_readme_walkthrough_runs_as_written() {
    let readme = read("README.md");
    // The first lines stay true: the run command and the test command.
    let head = &readme[..readme.find("\n## ").unwrap()];
    let (_, first) = blocks(head).into_iter().find(|(i, _)| i == "sh").unwrap();
    let intro: Vec<&str> = first.lines().map(command_of).collect();
    assert_eq!(
        intro,
        ["cargo run --release -- chat", "cargo test --workspace"]
    );
    let install = section(&readme, "Install");
    assert!(install.contains("cargo install --path bot"), "{install}");

    let walk = section(&readme, "Five minutes in the console");
    let blocks = blocks(walk);
    let config = &blocks.iter().find(|(i, _)| i == "toml").unwrap().1;
    let script = &blocks.iter().find(|(i, _)| i == "text").unwrap().1;
    assert!(config.contains("approvers = [\"console:bob\"]"), "{config}");
    assert!(config.contains("transport = \"dry-run\""), "{config}");
    assert!(
        script.contains("/as bob") && script.contains("/react"),
        "{script}"
    );
    // The folder the reader works in: the config saved as ./kmsbot.toml, the database default.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kmsbot.toml"), config).unwrap();
    let mut chat = None;
    let mut commands = vec!["kmsbot chat".to_string()];
    for (info, body) in blocks.iter().filter(|(i, _)| i == "sh") {
        assert_eq!(info, "sh");
        commands.extend(body.lines().map(command_of).map(str::to_string));
    }
    for command in &commands {
        let args: Vec<&str> = command.split_whitespace().collect();
        assert_eq!(args[0], "kmsbot", "{command}");
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kmsbot"));
        cmd.args(&args[1..])
            .current_dir(dir.path())
            .env_remove("RUST_LOG")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("KMSBOT_")) {
            cmd.env_remove(k);
        }
        let mut child = cmd.spawn().unwrap();
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            if args[1] == "chat" {
                stdin.write_all(script.as_bytes()).unwrap();
            }
        }
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "`{command}` failed: {}{stdout}",
            String::from_utf8_lossy(&out.stderr)
        );
        if args[1] == "chat" {
            chat = Some(stdout);
        }
    }
    let chat = chat.unwrap();
    assert!(chat.contains("VDYBN-27WPP-V4HQT-9VMD4-VMK7H"), "{chat}");
    assert!(chat.contains("Filed **FW-1**"), "{chat}");
    assert!(chat.contains("**FW-1** was approved by @bob"), "{chat}");
    // What the prose promises, checked in the database the commands used.
    let json = |args: &[&str]| -> serde_json::Value {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kmsbot"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let tickets = json(&["tickets", "list", "--json"]);
    assert_eq!(tickets[0]["status"], "approved", "{tickets}");
    let jobs = json(&["jobs", "list", "--json"]);
    assert_eq!(jobs[0]["instance"], "web-01", "{jobs}");
    assert_eq!(jobs[0]["approved_by"], "console:bob", "{jobs}");
    let status = jobs[0]["status"].as_str().unwrap();
    assert!(
        ![
            "awaiting_approval",
            "queued",
            "running",
            "failed",
            "rejected"
        ]
        .contains(&status),
        "the rehearsal ran to its end: {jobs}"
    );
}

#[test]
fn the_readme_sample_configuration_works_as_pasted() {
    let readme = read("README.md");
    let config = section(&readme, "Configuration");
    let sample = &blocks(config)
        .into_iter()
        .find(|(i, _)| i == "toml")
        .unwrap()
        .1;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kmsbot.toml"), sample).unwrap();
    for (args, stdin) in [
        (&["chat"][..], "help\n"),
        (&["instances", "list"][..], ""),
        (&["tickets", "list"][..], ""),
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kmsbot"))
            .args(args)
            .current_dir(dir.path())
            .env_remove("RUST_LOG")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(stdin.as_bytes())
                .unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "`kmsbot {}` with the README sample: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn every_edition_name_the_readme_lists_is_accepted() {
    let readme = read("README.md");
    let config = section(&readme, "Configuration");
    let para = &config[config.find("**Editions**").unwrap()..];
    let para = &para[..para.find("\n\n").unwrap()];
    let names: Vec<&str> = para
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|n| n.starts_with("Windows"))
        .collect();
    assert!(names.len() >= 10, "{names:?}");
    let mut toml = String::new();
    for (i, name) in names.iter().enumerate() {
        toml.push_str(&format!(
            "[[instances]]\nname = \"vm-{i}\"\nedition = \"{name}\"\ntransport = \"dry-run\"\n"
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kmsbot.toml"), toml).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kmsbot"))
        .args(["chat", "--no-wait"])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
