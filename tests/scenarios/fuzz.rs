//! Property-based fuzzing of the bot's parsers: the ticket request parser, the activation request
//! parser, step-output parsing (`error_code`, `judge`), the product-key guard and the config
//! loader. The property is "no panic" (and, for the config loader, "no secret in the error").
//! CI runs the default 256 cases per target; `PROPTEST_CASES=100000` runs longer (README, FUZZING).
#![allow(clippy::unwrap_used)] // tests may unwrap: a panic is the failure report

use kmsbot::config::Config;
use kmsbot::jobs::plan::{self, Check};
use kmsbot::tickets::request::{self, Field};
use proptest::prelude::*;

/// Words the parsers look for, so random text reaches their deeper branches.
const WORDS: &[&str] = &[
    "open",
    "allow",
    "port",
    "ports",
    "tcp",
    "udp",
    "icmp",
    "any",
    "from",
    "to",
    "on",
    "for",
    "firewall",
    "rule",
    "internet",
    "access",
    "egress",
    "ingress",
    "outbound",
    "inbound",
    "web-01",
    "db-02",
    "10.0.0.0/8",
    "192.168.1.5",
    "0.0.0.0/0",
    "::/0",
    "fe80::1",
    "1688",
    "443",
    "80-90",
    "65536",
    "0",
    "-1",
    "2-1",
    "days",
    "hours",
    "week",
    "because",
    "reason:",
    "activate",
    "kms",
    "mak",
    "online",
    "dry-run",
    "Windows",
    "Server",
    "2019",
    "2022",
    "Datacenter",
    "Standard",
    "via",
    "kms.corp.example",
    "yes",
    "no",
    "cancel",
    "instances",
    "all",
    "and",
    ",",
    ";",
    ":",
    "/",
    "\"",
    "'",
    "`",
    "#",
    "*",
    "é",
    "—",
    "–",
    "\u{FFFD}",
    "\u{0}",
    "\u{1b}[31m",
    "\r",
    "\n",
    "WMDGN-G9PQG-XVVXX-R3X43-63DFG",
    "wmdgn g9pqg xvvxx r3x43 63dfg",
    "WMDGN–G9PQG–XVVXX–R3X43–63DFG",
    "0xC004F074",
    "0x1234567é",
    "Error:",
    "License Status: Licensed",
    "already been started",
];

fn word_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(WORDS).prop_map(str::to_string),
            1 => any::<String>(),
            1 => "[0-9a-fA-FxX.:/ -]{0,12}",
        ],
        0..24,
    )
    .prop_map(|w| w.join(" "))
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![3 => word_text(), 1 => any::<String>()]
}

const FIELDS: &[Field] = &[
    Field::Kind,
    Field::Protocol,
    Field::Ports,
    Field::Source,
    Field::Destination,
    Field::Direction,
    Field::Instances,
    Field::Reason,
    Field::Duration,
];

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn ticket_request_parser_never_panics(a in text(), b in text(), slot in prop::sample::select(FIELDS)) {
        let known = vec!["web-01".to_string(), "db-02".to_string()];
        let _ = request::detect(&a);
        let mut draft = request::parse(&a, &known);
        let _ = request::validate(&draft, &known);
        let _ = request::next_missing(&draft);
        let _ = request::apply_answer(&mut draft, slot, &b, &known);
        let other = request::parse(&b, &known);
        request::merge(&mut draft, &other);
        let _ = request::summary(&draft);
        let _ = request::fingerprint(&draft);
    }

    #[test]
    fn activation_request_parser_never_panics(t in text()) {
        let _ = kmsbot::jobs::request::parse(&t);
    }

    #[test]
    fn step_output_parsing_never_panics(out in text(), exit in prop::option::of(any::<u32>()), check in prop::sample::select(Check::ALL)) {
        let _ = plan::error_code(&out);
        let _ = plan::judge(check, exit, &out);
        let redacted = plan::redact(&out, &["WMDGN-G9PQG-XVVXX-R3X43-63DFG"]);
        let _ = plan::real_command(&out, Some("secret"));
        // Nothing that looks like a product key survives redaction, unless allowed.
        for (_, key) in kmsbot::product_key::find(&redacted) {
            prop_assert_eq!(key.as_str(), "WMDGN-G9PQG-XVVXX-R3X43-63DFG");
        }
    }
}

/// Config sections and keys, with values of every TOML type.
fn toml_text() -> impl Strategy<Value = String> {
    let section = prop::sample::select(
        &[
            "database",
            "kms",
            "approvals",
            "tickets",
            "jobs",
            "knowledge",
            "slack",
            "discord",
            "http",
            "[instances]",
            "nope",
        ][..],
    );
    let key = prop::sample::select(
        &[
            "path",
            "host",
            "port",
            "approvers",
            "required",
            "approve_emoji",
            "reject_emoji",
            "concurrency",
            "step_timeout_secs",
            "lease_secs",
            "connect_timeout_secs",
            "mode",
            "api_url",
            "bot_token",
            "app_token",
            "signing_secret",
            "token",
            "listen",
            "name",
            "edition",
            "transport",
            "address",
            "user",
            "key_file",
            "known_hosts",
            "product_key",
            "max_connections",
            "header_timeout_secs",
            "body_timeout_secs",
            "dir",
            "x",
        ][..],
    );
    let value = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<String>().prop_map(|s| format!("{s:?}")),
        "[a-z0-9:._-]{0,20}",
        Just("true".to_string()),
        Just("[\"console:alice\", 3]".to_string()),
        Just("\"127.0.0.1:0\"".to_string()),
        Just("\"0.0.0.0:8080\"".to_string()),
        Just("{ a = 1 }".to_string()),
        Just("1.5".to_string()),
        Just("\"dry-run\"".to_string()),
        Just("\"ssh\"".to_string()),
    ];
    prop::collection::vec(
        prop_oneof![
            2 => (section, prop::collection::vec((key, value), 0..5)).prop_map(|(s, kv)| {
                let head = format!("[{s}]");
                let body: Vec<String> = kv.into_iter().map(|(k, v)| format!("{k} = {v}")).collect();
                format!("{head}\n{}", body.join("\n"))
            }),
            1 => any::<String>(),
        ],
        0..6,
    )
    .prop_map(|parts| parts.join("\n"))
}

const SECRET_VARS: &[&str] = &[
    "KMSBOT_SLACK_BOT_TOKEN",
    "KMSBOT_SLACK_APP_TOKEN",
    "KMSBOT_SLACK_SIGNING_SECRET",
    "KMSBOT_DISCORD_TOKEN",
];

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn config_loader_never_panics_and_never_prints_a_secret(
        toml in toml_text(),
        secret in "[A-Za-z0-9]{12,24}",
        var in prop::sample::select(SECRET_VARS),
        other in prop::sample::select(&["KMSBOT_HTTP_LISTEN", "KMSBOT_JOBS_CONCURRENCY", "KMSBOT_KMS_PORT", "KMSBOT_APPROVALS_REQUIRED"][..]),
        other_value in text(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kmsbot.toml");
        std::fs::write(&path, &toml).unwrap();
        let env = vec![
            (var.to_string(), secret.clone()),
            (other.to_string(), other_value),
        ];
        if let Err(e) = Config::load(Some(&path), env) {
            let text = e.to_string();
            prop_assert!(!text.contains(&secret), "secret in a config error: {}", text);
        }
        // A secret written (wrongly) in the file, unquoted or as a number, is not echoed either.
        let leaky = format!("{toml}\n[slack]\nsigning_secret = {secret}\n");
        std::fs::write(&path, &leaky).unwrap();
        if let Err(e) = Config::load(Some(&path), Vec::new()) {
            let text = e.to_string();
            prop_assert!(!text.contains(&secret), "secret in a config error: {}", text);
        }
    }
}
