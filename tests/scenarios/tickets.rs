//! End-to-end ticket scenarios: sentences become tickets through the real binary and a real
//! SQLite file; slot filling survives a killed process; approvals by reaction and by command.
#![allow(clippy::unwrap_used)] // tests may unwrap: a panic is the failure report

use kmsbot_tests::transcript::{read_until, Env};
use std::io::Write;

const BIN: &str = env!("CARGO_BIN_EXE_kmsbot");

const CONFIG: &str = r#"
[kms]
host = "kms.corp.example"
[approvals]
approvers = ["console:bob", "console:carol"]
[tickets]
security_group = "win-activation"
[[instances]]
name = "web-01"
edition = "Windows Server 2019 Datacenter"
transport = "dry-run"
[[instances]]
name = "web-02"
edition = "Windows Server 2022 Standard"
transport = "dry-run"
"#;

fn env() -> Env {
    let env = Env::new(BIN);
    env.write_config(CONFIG);
    env
}

fn tickets_json(env: &Env) -> Vec<serde_json::Value> {
    let run = env.cli(&["tickets", "list", "--json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    serde_json::from_str::<Vec<serde_json::Value>>(&run.stdout).unwrap()
}

#[test]
fn a_complete_sentence_becomes_a_ticket_at_once_with_its_fields_by_name() {
    let env = env();
    let run = env.chat("/as alice\nplease open tcp 1688 from 10.20.0.0/16 to 203.0.113.7 so we can reach our KMS\n");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let reply = run.posts()[0];
    assert!(reply.contains("Filed **FW-1**"), "{reply}");
    assert!(
        reply.contains("openstack security group rule create --egress --ethertype IPv4 --protocol tcp --dst-port 1688:1688 --remote-ip 203.0.113.7/32 win-activation"),
        "{reply}"
    );
    let tickets = tickets_json(&env);
    assert_eq!(tickets.len(), 1);
    let t = &tickets[0];
    assert_eq!(t["id"], "FW-1");
    assert_eq!(t["kind"], "firewall");
    assert_eq!(t["status"], "open");
    assert_eq!(t["requester"], "console:alice");
    assert_eq!(t["protocol"], "tcp");
    assert_eq!(t["ports"], "1688");
    assert_eq!(t["source"], "10.20.0.0/16");
    assert_eq!(t["destination"], "203.0.113.7");
    assert_eq!(t["direction"], "egress");
    let csv = env.cli(&["tickets", "export", "--format", "csv"]);
    assert!(
        csv.stdout
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("FW-1,firewall,open,console:alice"),
        "{}",
        csv.stdout
    );
}

#[test]
fn internet_access_request_and_lists_in_chat() {
    let env = env();
    let run = env.chat("/as alice\nweb-01 needs internet access for online activation for 2 days\ntickets\nticket NET-1\n");
    let posts = run.posts();
    assert!(posts[0].contains("Filed **NET-1**"), "{}", posts[0]);
    assert!(posts[0].contains("tcp/443"), "{}", posts[0]);
    assert!(
        posts[1].contains("**NET-1** (open): internet access for web-01"),
        "{}",
        posts[1]
    );
    assert!(posts[2].contains("duration: 2 days"), "{}", posts[2]);
    let t = &tickets_json(&env)[0];
    assert_eq!(t["kind"], "internet_access");
    assert_eq!(t["instance"], "web-01");
    assert_eq!(t["reason"], "online activation");
}

#[test]
fn a_partial_request_is_completed_over_three_replies_keeping_valid_fields() {
    let env = env();
    let run = env.chat(
        "/as alice\nopen tcp 1688\nfrom web-01\nto 10.0.0.300\nto 10.1.1.1 for KMS activation\n",
    );
    let posts = run.posts();
    assert_eq!(posts.len(), 4, "{}", run.stdout);
    assert!(
        posts[0].contains("source"),
        "asks for the source: {}",
        posts[0]
    );
    assert!(
        posts[1].contains("destination"),
        "asks for the destination: {}",
        posts[1]
    );
    assert!(
        posts[2].contains("10.0.0.300"),
        "names the bad address: {}",
        posts[2]
    );
    assert!(
        posts[2].contains("For example"),
        "gives an example: {}",
        posts[2]
    );
    assert!(posts[2].contains("I kept everything else"), "{}", posts[2]);
    assert!(posts[3].contains("Filed **FW-1**"), "{}", posts[3]);
    let t = &tickets_json(&env)[0];
    assert_eq!(t["source"], "web-01");
    assert_eq!(t["destination"], "10.1.1.1");
    assert_eq!(t["ports"], "1688");
}

#[test]
fn a_conversation_survives_the_process_being_killed_between_replies() {
    let env = env();
    let mut child = env.spawn_chat();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "/as alice\nopen udp 123 to 10.1.1.1 for time sync").unwrap();
    stdin.flush().unwrap();
    read_until(&mut child, "source");
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);
    let run = env.chat("/as alice\nweb-01\n");
    assert!(run.posts()[0].contains("Filed **FW-1**"), "{}", run.stdout);
    let t = &tickets_json(&env)[0];
    assert_eq!(t["protocol"], "udp");
    assert_eq!(t["source"], "web-01");
    // Another user in the same channel is not in alice's conversation.
    let run = env.chat("/as bob\nweb-01\n");
    assert!(!run.stdout.contains("Filed"), "{}", run.stdout);
}

#[test]
fn an_inbound_rule_from_anywhere_needs_explicit_confirmation() {
    let env = env();
    let run = env.chat("/as alice\ntcp 5000-5010 inbound from any to web-02 for a public demo\n");
    assert!(run.posts()[0].contains("Reply `confirm`"), "{}", run.stdout);
    assert!(
        tickets_json(&env).is_empty(),
        "nothing filed before confirmation"
    );
    let run = env.chat("/as alice\nconfirm\n");
    assert!(run.posts()[0].contains("Filed **FW-1**"), "{}", run.stdout);
    let t = &tickets_json(&env)[0];
    assert_eq!(t["ports"], "5000-5010");
    assert_eq!(t["direction"], "ingress");
    assert_eq!(t["source"], "any");
}

#[test]
fn approve_and_reject_by_reaction_and_by_command_with_refusals() {
    let env = env();
    let run = env.chat(
        "/as alice\nallow udp 123 from web-01 to 10.1.1.1 for time sync\nneed tcp 1688,3389 from 198.51.100.0/24 to web-02 for remote support\n\
         /react white_check_mark 1\n/as mallory\napprove FW-2\n/as bob\n/react ✅ 1\n/as carol\nreject FW-2 3389 should not be open\n\
         /as bob\ndone FW-1\n/as alice\ncancel FW-1\n",
    );
    let out = &run.stdout;
    assert!(
        out.contains("You filed **FW-1**, so you cannot approve it yourself"),
        "{out}"
    );
    assert!(
        out.contains("Only `console:bob`, `console:carol` may approve or reject **FW-2**"),
        "{out}"
    );
    assert!(out.contains("**FW-1** was approved by @bob"), "{out}");
    assert!(
        out.contains("**FW-2** was rejected by @carol. Reason: 3389 should not be open"),
        "{out}"
    );
    assert!(out.contains("**FW-1** is done"), "{out}");
    assert!(out.contains("**FW-1** is already done"), "{out}");
    let tickets = tickets_json(&env);
    assert_eq!(tickets[0]["status"], "done");
    assert_eq!(tickets[0]["decided_by"], "console:bob");
    assert_eq!(tickets[1]["status"], "rejected");
    assert_eq!(tickets[1]["decision_note"], "3389 should not be open");
    let show = env.cli(&["tickets", "show", "FW-1", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    let actions: Vec<&str> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["filed", "approved", "done"]);
}

#[test]
fn a_duplicate_request_points_to_the_existing_ticket() {
    let env = env();
    let run = env.chat(
        "/as alice\nopen tcp 1688 from 10.20.0.0/16 to 203.0.113.7 for activation\n/as bob\nplease allow TCP port 1688 from 10.20.0.0/16 to 203.0.113.7 so we can activate\n",
    );
    assert!(
        run.posts()[1].contains("same as **FW-1**"),
        "{}",
        run.stdout
    );
    assert_eq!(tickets_json(&env).len(), 1);
}

#[test]
fn cancel_drops_a_conversation_and_a_product_key_is_never_echoed() {
    let env = env();
    let run = env.chat(
        "/as alice\nopen tcp 1688\ncancel\nmy key is ABCDE-FGHIJ-KLMNO-PQRST-UVWXY please use it\n",
    );
    let posts = run.posts();
    assert!(posts[1].contains("dropped"), "{}", posts[1]);
    assert!(
        posts[2].contains("looks like a product key"),
        "{}",
        posts[2]
    );
    assert!(!run.stdout.contains("ABCDE-FGHIJ"), "never echoed");
    assert!(!run.stderr.contains("ABCDE-FGHIJ"), "never logged");
    let db = std::fs::read(env.db()).unwrap();
    let wal = std::fs::read(env.path("kmsbot.db-wal")).unwrap_or_default();
    for bytes in [db, wal] {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("ABCDE-FGHIJ"),
            "never stored"
        );
    }
}

#[test]
fn a_connectivity_answer_offers_the_matching_request_prefilled() {
    let env = env();
    let run = env.chat("/as alice\nweb-01 gets error 0xC004F074 when activating\nfile it\n");
    let posts = run.posts();
    assert!(posts[0].contains("0xC004F074"), "{}", posts[0]);
    assert!(posts[0].contains("Reply `file it`"), "{}", posts[0]);
    assert!(posts[1].contains("Filed **FW-1**"), "{}", run.stdout);
    let t = &tickets_json(&env)[0];
    assert_eq!(t["ports"], "1688");
    assert_eq!(t["source"], "web-01");
    assert_eq!(t["destination"], "kms.corp.example");
}

#[test]
fn approve_by_command_and_reject_by_reaction_after_a_restart() {
    let env = env();
    let first = env.chat("/as alice\nallow udp 123 from web-01 to 10.1.1.1 for time sync\nneed tcp 3389 from 198.51.100.0/24 to web-02 for remote support\n");
    let fw2 = first.id_of("Filed **FW-2**").unwrap();
    // A new process: the reaction targets a message printed by the earlier run.
    let run = env.chat(&format!(
        "/as carol\napprove FW-1\n/as bob\n/react x {fw2}\n"
    ));
    assert!(
        run.stdout.contains("**FW-1** was approved by @carol"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("**FW-2** was rejected by @bob"),
        "{}",
        run.stdout
    );
    let tickets = tickets_json(&env);
    assert_eq!(tickets[0]["status"], "approved");
    assert_eq!(tickets[1]["status"], "rejected");
    assert_eq!(tickets[1]["decided_by"], "console:bob");
}

#[test]
fn answers_use_the_configured_kms_host_and_an_unknown_question_leads_to_a_request() {
    let env = env();
    let run = env
        .chat("/as alice\nkey for server 2019 std\nwhat's the weather in Paris tomorrow?\nyes\n");
    let posts = run.posts();
    assert!(
        posts[0].contains("slmgr /skms kms.corp.example:1688"),
        "{}",
        posts[0]
    );
    let all = posts.join("\n---\n");
    assert!(all.contains("I don't know"), "{all}");
    assert!(all.contains("Tell me what support should open"), "{all}");
    assert!(
        all.contains("open tcp 1688 from web-01 to 10.0.0.5"),
        "{all}"
    );
}

#[test]
fn a_product_key_in_lower_case_with_spaces_or_unicode_dashes_is_refused_too() {
    let env = env();
    let run = env.chat(
        "/as alice\nmy key is abcde-fghij-klmno-pqrst-uvwxy\nkey: BCDFG – HJKMN – PQRTV – WXY23 – 46789\nkey BCDFG HJKMN PQRTV WXY23 46789 thanks\nopen tcp 1688 from web-01 to 10.0.0.5 because key ABCDE‑FGHIJ‑KLMNO‑PQRST‑UVWXY\n",
    );
    let posts = run.posts();
    assert_eq!(posts.len(), 4, "{}", run.stdout);
    for p in &posts {
        assert!(p.contains("looks like a product key"), "{p}");
    }
    let db = std::fs::read(env.db()).unwrap();
    let wal = std::fs::read(env.path("kmsbot.db-wal")).unwrap_or_default();
    for text in [
        run.stdout.clone(),
        run.stderr.clone(),
        String::from_utf8_lossy(&db).into_owned(),
        String::from_utf8_lossy(&wal).into_owned(),
    ] {
        for needle in ["abcde", "BCDFG", "ABCDE", "46789"] {
            assert!(!text.contains(needle), "{needle} echoed, logged or stored");
        }
    }
    assert!(
        tickets_json(&env).is_empty(),
        "no ticket filed with a key in it"
    );
}

#[test]
fn control_characters_and_formulas_from_chat_are_shown_not_obeyed() {
    // Before, the escape sequences reached the terminal raw (console and `tickets show`), and
    // the reason cell started with `=` in the CSV export, where a spreadsheet runs it.
    let env = env();
    let run = env.chat(
        "/as alice\nplease open tcp 1688 from 10.20.0.0/16 to 203.0.113.7 because =HYPERLINK(\"http://x.example\") \u{1b}]0;owned\u{7}\u{1b}[2J done\n",
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.posts()[0].contains("Filed **FW-1**"), "{}", run.stdout);
    assert!(!run.stdout.contains('\u{1b}'), "console: {:?}", run.stdout);
    let reason = tickets_json(&env)[0]["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.starts_with("=HYPERLINK"), "{reason:?}");
    let show = env.cli(&["tickets", "show", "FW-1"]);
    assert_eq!(show.code, Some(0), "{}", show.stderr);
    assert!(!show.stdout.contains('\u{1b}'), "{:?}", show.stdout);
    assert!(!show.stdout.contains('\u{7}'), "{:?}", show.stdout);
    let list = env.cli(&["tickets", "list"]);
    assert!(!list.stdout.contains('\u{1b}'), "{:?}", list.stdout);
    let csv = env.cli(&["tickets", "export", "--format", "csv"]);
    assert!(
        csv.stdout.contains(",\"'=HYPERLINK("),
        "the formula is escaped: {}",
        csv.stdout
    );
    assert!(!csv.stdout.contains(",\"=HYPERLINK("), "{}", csv.stdout);
    assert!(!csv.stdout.contains(",=HYPERLINK("), "{}", csv.stdout);
}

#[test]
fn a_word_that_fits_nowhere_is_asked_about_not_dropped() {
    // Before, `kms` was skipped as a filler and FW-1 was filed for host.corp.example at once.
    let env = env();
    let run = env
        .chat("/as alice\nopen tcp 1688 from 10.0.0.0/8 to kms host.corp.example for activation\n");
    let posts = run.posts();
    assert_eq!(posts.len(), 1, "{}", run.stdout);
    assert!(!posts[0].contains("Filed"), "{}", posts[0]);
    assert!(posts[0].contains("`kms host.corp.example`"), "{}", posts[0]);
    assert!(posts[0].contains("one question"), "{}", posts[0]);
    assert!(tickets_json(&env).is_empty());
    // The requester answers with the destination meant.
    let run = env.chat("/as alice\nkms.corp.example\n");
    assert!(run.posts()[0].contains("Filed **FW-1**"), "{}", run.stdout);
    assert_eq!(tickets_json(&env)[0]["destination"], "kms.corp.example");
    // An address that no field takes is asked about too.
    let run = env
        .chat("/as alice\nopen tcp 1688 from 10.0.0.0/8 to 203.0.113.7 10.9.9.9 for activation\n");
    assert!(run.posts()[0].contains("`10.9.9.9`"), "{}", run.stdout);
    assert!(!run.stdout.contains("Filed"), "{}", run.stdout);
    let run = env.chat("/as alice\nyes\n");
    assert!(run.posts()[0].contains("Filed **FW-2**"), "{}", run.stdout);
}

#[test]
fn internet_access_works_with_no_instances_configured() {
    // Before, an IP was refused as "not an instance name" and the IP in the sentence ignored.
    let env = Env::new(BIN);
    env.write_config("[approvals]\napprovers = [\"console:bob\"]\n");
    let run = env.chat(
        "/as alice\nI need internet access on 10.0.0.12\nonline activation\ninternet access please\n10.0.0.13\nWindows activation\n",
    );
    let posts = run.posts();
    assert!(
        posts[0].contains("an internet access request"),
        "{}",
        posts[0]
    );
    assert!(
        posts[0].contains("**Instances:** 10.0.0.12"),
        "{}",
        posts[0]
    );
    assert!(posts[1].contains("Filed **NET-1**"), "{}", run.stdout);
    assert!(
        posts[3].contains("What is the access needed for"),
        "{}",
        run.stdout
    );
    assert!(posts[4].contains("Filed **NET-2**"), "{}", run.stdout);
    let tickets = tickets_json(&env);
    assert_eq!(tickets[0]["instance"], "10.0.0.12");
    assert_eq!(tickets[0]["reason"], "online activation");
    assert_eq!(tickets[1]["instance"], "10.0.0.13");
}

#[test]
fn a_new_complete_request_starts_a_new_draft_and_says_what_became_of_the_old_one() {
    // Before, the pending risky-rule confirm was dropped silently and the new sentence merged.
    let env = env();
    let run = env.chat(
        "/as alice\ntcp 3389 inbound from any to web-02 for remote support\nopen udp 123 from web-01 to 10.1.1.1 for time sync\nconfirm\n",
    );
    let posts = run.posts();
    assert!(posts[0].contains("Reply `confirm`"), "{}", posts[0]);
    assert!(
        posts[1].contains("I dropped your earlier firewall rule request (tcp 3389 from any to web-02, waiting for your `confirm`); nothing was filed for it."),
        "{}",
        posts[1]
    );
    assert!(posts[1].contains("Filed **FW-1**"), "{}", posts[1]);
    let tickets = tickets_json(&env);
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    assert_eq!(tickets[0]["ports"], "123");
    assert_eq!(tickets[0]["protocol"], "udp");
    // The same rule while a slot is being asked for.
    let run =
        env.chat("/as alice\nopen tcp 1688\nweb-02 needs internet access for online activation\n");
    let posts = run.posts();
    assert!(
        posts[1].contains(
            "I dropped your earlier firewall rule request (tcp 1688, the source was still open)"
        ),
        "{}",
        posts[1]
    );
    assert!(posts[1].contains("Filed **NET-1**"), "{}", posts[1]);
}

#[test]
fn every_missing_field_is_asked_for_in_turn_direction_and_reason_included() {
    // Before, the summary showed `Direction: _missing_` and a firewall reason was never asked.
    let env = env();
    let run = env
        .chat("/as alice\nopen tcp 1688 from 10.0.0.0/8 to 10.1.1.1\noutbound\nKMS activation\n");
    let posts = run.posts();
    assert_eq!(posts.len(), 3, "{}", run.stdout);
    assert!(
        posts[0].contains("inbound"),
        "asks the direction: {}",
        posts[0]
    );
    assert!(
        posts[1].contains("What is the access needed for"),
        "asks the reason: {}",
        posts[1]
    );
    assert!(posts[2].contains("Filed **FW-1**"), "{}", posts[2]);
    let t = &tickets_json(&env)[0];
    assert_eq!(t["direction"], "egress");
    assert_eq!(t["reason"], "KMS activation");
    let run = env.chat("/as alice\nopen udp 123\n");
    assert!(
        run.posts()[0].contains("**Direction:** _follows from source and destination_"),
        "{}",
        run.stdout
    );
}

#[test]
fn wording_articles_and_full_stops() {
    // Before: "a internet access request", "…1-65535 For example", "Reason: source too wide @alice".
    let env = env();
    let run = env.chat(
        "/as alice\nI need internet access\ncancel\nopen tcp 70000 from web-01 to 10.1.1.1 for time sync\ncancel\n\
         open tcp 1688 from 10.0.0.0/8 to 203.0.113.7 for activation\n/as bob\nreject FW-1 source too wide\n",
    );
    let out = &run.stdout;
    assert!(
        out.contains("I'll file an internet access request"),
        "{out}"
    );
    assert!(!out.contains("a internet"), "{out}");
    assert!(
        out.contains("port 70000 is outside the valid range 1-65535. For example: `1688`"),
        "{out}"
    );
    assert!(
        out.contains("**FW-1** was rejected by @bob. Reason: source too wide. @alice:"),
        "{out}"
    );
    let run = env.chat("/as alice\nticket FW-99\n");
    assert!(
        run.stdout
            .contains("There is no ticket FW-99.\n    For example: `tickets open`"),
        "{}",
        run.stdout
    );
}

/// `kmsbot chat` with the ticket clock shifted by `offset` seconds.
fn chat_at(env: &Env, offset: i64, script: &str) -> kmsbot_tests::transcript::Run {
    let db = env.db();
    let cfg = env.path("kmsbot.toml");
    let offset = offset.to_string();
    env.run(
        &[
            "chat",
            "--db",
            db.to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
            "--clock-offset",
            &offset,
        ],
        script,
    )
}

#[test]
fn a_time_limited_ticket_reminds_before_the_end_and_is_marked_when_time_is_up() {
    // Before, "for 2 days" was only a label: nobody was reminded and nothing ever expired.
    let env = env();
    let run = env.chat(
        "/as alice\nweb-01 needs internet access for online activation for 2 days\n/as bob\napprove NET-1\ndone NET-1\n",
    );
    assert!(
        run.stdout.contains("It ends ") && run.stdout.contains("(2 days from now)"),
        "{}",
        run.stdout
    );
    const HOUR: i64 = 3_600;
    // A day later: nothing to say yet.
    let run = chat_at(&env, 24 * HOUR, "");
    assert!(run.posts().is_empty(), "{}", run.stdout);
    // An hour before the end: the requester and the approvers are reminded, once.
    let run = chat_at(&env, 47 * HOUR, "");
    let posts = run.posts();
    assert_eq!(posts.len(), 1, "{}", run.stdout);
    assert!(posts[0].contains("**NET-1**"), "{}", posts[0]);
    // (Rounded up to the minute; a very slow machine may take over a minute between runs.)
    assert!(
        posts[0].contains("in 1 hour") || posts[0].contains("in 59 minutes"),
        "{}",
        posts[0]
    );
    assert!(posts[0].contains("@alice @bob"), "{}", posts[0]);
    assert!(chat_at(&env, 47 * HOUR + 60, "").posts().is_empty());
    let t = &tickets_json(&env)[0];
    assert!(t["expired_at"].is_null(), "{t}");
    // Time is up: the ticket is marked and everyone told, once.
    let run = chat_at(&env, 48 * HOUR + 60, "/as alice\ntickets\n");
    let posts = run.posts();
    assert!(
        posts[0].contains("its time is up and it is marked expired"),
        "{}",
        run.stdout
    );
    assert!(posts[0].contains("@alice @bob"), "{}", posts[0]);
    assert!(
        posts[1].contains("**NET-1** (done, expired)"),
        "{}",
        posts[1]
    );
    assert!(chat_at(&env, 49 * HOUR, "").posts().is_empty());
    let t = &tickets_json(&env)[0];
    assert!(t["expired_at"].is_string(), "{t}");
    let show = env.cli(&["tickets", "show", "NET-1", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    let actions: Vec<&str> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["filed", "approved", "done", "reminded", "expired"]
    );
}

#[test]
fn a_complete_restatement_of_the_open_draft_continues_it() {
    let env = env();
    let run =
        env.chat("/as alice\nopen tcp 1688\ntcp 1688 from web-01 to 10.1.1.1 for time checks\n");
    let posts = run.posts();
    assert!(!posts[1].contains("I dropped"), "{}", posts[1]);
    assert!(posts[1].contains("Filed **FW-1**"), "{}", posts[1]);
    // A deadline that cannot be timed is said, not silently ignored.
    let run = env.chat(
        "/as alice\nweb-01 needs internet access until friday for windows updates\n/as bob\napprove NET-1\ndone NET-1\n",
    );
    assert!(
        run.stdout.contains("meant to last until friday"),
        "{}",
        run.stdout
    );
}

#[test]
fn online_activation_counts_an_ip_named_ticket_until_it_expires() {
    // Before, a ticket naming the instance by address did not count, and an expired one still did.
    let env = Env::new(BIN);
    let key = env.path("web-01.key");
    std::fs::write(&key, "QQQQQ-WWWWW-EEEEE-RRRRR-TTTTT\n").unwrap();
    env.write_config(&format!(
        "[approvals]\napprovers = [\"console:bob\"]\n[[instances]]\nname = \"web-01\"\nedition = \"Windows Server 2019 Datacenter\"\n\
         transport = \"dry-run\"\naddress = \"10.0.0.12\"\nproduct_key = \"file:{}\"\n",
        key.display()
    ));
    let run = env.chat(
        "/as alice\nI need internet access on 10.0.0.12 for online activation for 2 days\n/as bob\napprove NET-1\ndone NET-1\n\
         /as alice\nactivate web-01 online\n",
    );
    assert!(run.stdout.contains("Filed **NET-1**"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("needs outbound internet"),
        "{}",
        run.stdout
    );
    let jobs = env.cli(&["jobs", "list", "--json"]);
    let jobs: Vec<serde_json::Value> = serde_json::from_str(&jobs.stdout).unwrap();
    assert_eq!(
        jobs.len(),
        1,
        "the online job was put to approvers: {jobs:?}"
    );
    let run = chat_at(&env, 49 * 3_600, "/as alice\nactivate web-01 online\n");
    assert!(run.stdout.contains("marked expired"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("has no internet-access ticket in force"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_question_asked_in_the_middle_of_a_request_is_answered_and_the_request_waits() {
    // Before, the question was read as the awaited field: "That didn't work: I could not find a
    // destination address ... in \"error 0xC004F074 after slmgr /ato\"".
    let env = env();
    let run = env.chat(
        "/as alice\nopen tcp 1688 from web-01\nerror 0xC004F074 after slmgr /ato\nwhat's the key for server 2019 datacenter?\n203.0.113.7\n",
    );
    let posts = run.posts();
    assert!(
        posts[0].contains("**Destination:** _missing_"),
        "{}",
        posts[0]
    );
    assert!(posts[1].contains("0xC004F074"), "{}", posts[1]);
    assert!(!posts[1].contains("That didn't work"), "{}", posts[1]);
    assert!(
        posts[1].contains(
            "_Your firewall rule request is still open: it still needs the destination. Reply to go on with it, or `cancel`._"
        ),
        "{}",
        posts[1]
    );
    assert!(
        posts[2].contains("WMDGN-G9PQG-XVVXX-R3X43-63DFG"),
        "{}",
        posts[2]
    );
    assert!(posts[2].contains("is still open"), "{}", posts[2]);
    // The request went on where it was: the destination was taken, the next field is asked.
    assert!(!posts[3].contains("That didn't work"), "{}", posts[3]);
    assert!(
        posts[3].contains("What is the access needed for"),
        "{}",
        posts[3]
    );
    // A reply that answers the field is still taken as the answer, question mark or not.
    let run = env.chat("/as carol\nopen tcp 1688 from web-01\nis it 203.0.113.8?\n");
    let posts = run.posts();
    assert!(!posts[1].contains("still open"), "{}", posts[1]);
    assert!(
        posts[1].contains("What is the access needed for"),
        "{}",
        posts[1]
    );
}

#[test]
fn thanks_or_ok_in_the_middle_of_a_request_is_no_value_and_the_request_waits() {
    // Before, "thanks" was read as the awaited field: "That didn't work: ... I could not find
    // a destination address ... in \"thanks\"".
    let env = env();
    let run = env.chat("/as dave\nopen tcp 1688 from web-01\nthanks!\nok\n203.0.113.7\n");
    let posts = run.posts();
    assert!(posts[1].starts_with("You're welcome."), "{}", posts[1]);
    assert!(
        posts[1]
            .contains("_Your firewall rule request is still open: it still needs the destination."),
        "{}",
        posts[1]
    );
    assert!(!posts[1].contains("That didn't work"), "{}", posts[1]);
    assert!(posts[2].contains("is still open"), "{}", posts[2]);
    // The request went on where it was.
    assert!(
        posts[3].contains("What is the access needed for"),
        "{}",
        posts[3]
    );
}

#[test]
fn a_reply_with_another_field_than_the_one_asked_is_taken_and_file_it_says_what_is_missing() {
    // Before: "That didn't work: I could not find a protocol ... in \"from 10.0.4.0/24\"",
    // the same for "to our host 10.9.9.9" and for "ok file it".
    let env = env();
    let run = env.chat(
        "/as erin\nI need a firewall rule for kms\nfrom 10.0.4.0/24\nto our host 203.0.113.9\nok file it\ntcp 1688\n",
    );
    let posts = run.posts();
    assert!(posts[0].contains("Which protocol"), "{}", posts[0]);
    for p in &posts[1..3] {
        assert!(!p.contains("That didn't work"), "{p}");
        assert!(p.contains("Which protocol"), "{p}");
    }
    assert!(
        posts[3].starts_with("It isn't complete yet."),
        "{}",
        posts[3]
    );
    assert!(
        posts[3].contains("it still needs the protocol"),
        "{}",
        posts[3]
    );
    // What was given over the turns is all there.
    assert!(posts[4].contains("10.0.4.0/24"), "{}", posts[4]);
    assert!(posts[4].contains("203.0.113.9"), "{}", posts[4]);
    assert!(posts[4].contains("1688"), "{}", posts[4]);
}

#[test]
fn a_kms_host_with_its_port_and_a_request_for_commands_gets_the_commands_not_a_ticket() {
    // Before, "port 1690" with "give me" started a firewall request.
    let env = env();
    let run = env.chat(
        "/as alice\nkms host is kms7.example.internal on port 1690, give me the client commands for server 2025 standard\n",
    );
    let posts = run.posts();
    assert!(
        posts[0].contains("slmgr /skms kms7.example.internal:1690"),
        "{}",
        posts[0]
    );
    assert!(!posts[0].contains("I'll file"), "{}", posts[0]);
    // The offer names the user's port, not the default.
    assert!(
        posts[0].contains("a firewall request for tcp/1690 to your KMS host"),
        "{}",
        posts[0]
    );
}

#[test]
fn an_error_offer_files_the_rule_for_the_host_and_port_the_user_named() {
    // Before, "on 1700" (no "port" word) was not read by the request parser, so the offer
    // fell back to the configured tcp/1688 while the answer's commands used 1700.
    let env = env();
    let run = env.chat(
        "/as alice\nour kms is kms7.corp.example on 1700 - got 0xC004F074 on a 2022 std vm\nfile it\n",
    );
    let posts = run.posts();
    assert!(posts[0].contains("-Port 1700"), "{}", posts[0]);
    assert!(
        posts[0].contains("a firewall request for tcp/1700 to your KMS host"),
        "{}",
        posts[0]
    );
    assert!(posts[1].contains("1700"), "{}", posts[1]);
    assert!(posts[1].contains("kms7.corp.example"), "{}", posts[1]);
}
