//! `kmsbot serve` against the in-test Discord stand-in (REST under /api/v10 and a gateway on
//! loopback): questions, slot filling, approvals by reaction (user and role), replays.
#![allow(clippy::unwrap_used)] // tests may unwrap: a panic is the failure report

use kmsbot_tests::discord_standin::{
    message_json, reaction_json, user_json, DiscordStandIn, GUILD_ID,
};
use kmsbot_tests::transcript::Env;
use std::process::Child;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kmsbot");
const CHANNEL: u64 = 700_000_000_000_000_001;
const ALICE: u64 = 600_000_000_000_000_001;
const BOB: u64 = 600_000_000_000_000_002;
const CAROL: u64 = 600_000_000_000_000_003;
const OPS_ROLE: u64 = 500_000_000_000_000_009;

struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Rig {
    rt: tokio::runtime::Runtime,
    discord: DiscordStandIn,
    env: Env,
}

impl Rig {
    fn new() -> Rig {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let discord = rt.block_on(DiscordStandIn::start());
        let mut env = Env::new(BIN);
        env.write_config(&format!(
            "[http]\nlisten = \"127.0.0.1:0\"\n[discord]\napi_url = \"{}\"\n[kms]\nhost = \"kms.corp.example\"\n\
             [approvals]\napprovers = [\"discord:{BOB}\", \"discord-role:{OPS_ROLE}\"]\n\
             [[instances]]\nname = \"web-01\"\nedition = \"Windows Server 2019 Datacenter\"\ntransport = \"dry-run\"\n\
             [[instances]]\nname = \"web-02\"\nedition = \"Windows Server 2022 Standard\"\ntransport = \"dry-run\"\n",
            discord.api_url()
        ));
        env.vars
            .push(("KMSBOT_DISCORD_TOKEN".into(), "discord-test-token".into()));
        Rig { rt, discord, env }
    }

    fn serve(&self) -> Served {
        let (child, _) = self.env.spawn_serve();
        assert!(self
            .rt
            .block_on(self.discord.wait_live(1, Duration::from_secs(30))));
        Served(child)
    }

    fn say(&self, id: u64, user: u64, name: &str, text: &str, roles: &[u64]) {
        self.discord.dispatch(
            "MESSAGE_CREATE",
            message_json(
                id,
                CHANNEL,
                Some(GUILD_ID),
                user_json(user, name, false),
                text,
                roles,
            ),
        );
    }

    fn react(&self, user: u64, message: (u64, u64), roles: &[u64]) {
        self.discord.dispatch(
            "MESSAGE_REACTION_ADD",
            reaction_json(
                user,
                message.1,
                message.0,
                Some(GUILD_ID),
                "✅",
                Some(roles),
            ),
        );
    }

    /// Waits for a bot message containing `needle`; returns (message id, channel id).
    fn wait_message(&self, needle: &str) -> (u64, u64) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some((id, ch, _)) = self.discord.find_message(needle) {
                return (id, ch);
            }
            assert!(
                Instant::now() < deadline,
                "no message containing {needle:?}; calls: {:#?}",
                self.discord.calls()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

#[test]
fn identify_questions_slot_filling_and_replays() {
    let rig = Rig::new();
    let _served = rig.serve();
    let intents = rig.discord.identified_intents().unwrap();
    // GUILD_MESSAGES | GUILD_MESSAGE_REACTIONS | DIRECT_MESSAGES | DIRECT_MESSAGE_REACTIONS | MESSAGE_CONTENT
    assert_eq!(
        intents,
        (1 << 9) | (1 << 10) | (1 << 12) | (1 << 13) | (1 << 15)
    );
    let bot = rig.discord.bot_id();
    let q = rig.discord.next_id();
    for _ in 0..3 {
        rig.say(
            q,
            ALICE,
            "alice",
            &format!("<@{bot}> what is the kms key for server 2019 datacenter?"),
            &[],
        );
    }
    let (_, answer_channel) = rig.wait_message("WMDGN-G9PQG-XVVXX-R3X43-63DFG");
    assert_eq!(
        answer_channel, q,
        "answered in a thread on the asking message"
    );
    // Sentinel: events are handled and replies sent in order, so once the answer to a later
    // message is there, a second answer to the replays would be there too.
    let sentinel = rig.discord.next_id();
    rig.say(sentinel, ALICE, "alice", &format!("<@{bot}> jobs"), &[]);
    rig.wait_message("No activation jobs yet");
    assert_eq!(
        rig.discord.count_messages("WMDGN-G9PQG-XVVXX-R3X43-63DFG"),
        1,
        "a replayed dispatch has one effect"
    );

    // Slot filling inside the bot's thread, no mention needed there.
    let start = rig.discord.next_id();
    rig.say(
        start,
        ALICE,
        "alice",
        &format!("<@{bot}> open tcp 1688 from 10.20.0.0/16"),
        &[],
    );
    rig.wait_message("Where does the traffic go");
    let reply = rig.discord.next_id();
    rig.discord.dispatch(
        "MESSAGE_CREATE",
        message_json(
            reply,
            start,
            Some(GUILD_ID),
            user_json(ALICE, "alice", false),
            "to 203.0.113.7 for KMS activation as <@999> asked @everyone",
            &[],
        ),
    );
    let (_, ch) = rig.wait_message("Filed **FW-1**");
    assert_eq!(ch, start);
    // The requester's and the approver's mentions ping (and only they); what the user wrote
    // pings nobody.
    let filed = rig
        .discord
        .calls_to("POST", "/channels")
        .into_iter()
        .find(|c| {
            c.body["content"]
                .as_str()
                .is_some_and(|t| t.contains("Filed **FW-1**"))
        })
        .unwrap();
    let content = filed.body["content"].as_str().unwrap();
    assert!(content.contains(&format!("for <@{ALICE}>")), "{content}");
    assert!(content.contains("<\u{200B}@999>"), "{content}");
    assert!(content.contains("@\u{200B}everyone"), "{content}");
    assert!(!content.contains('\u{E000}'), "{content}");
    assert_eq!(
        filed.body["allowed_mentions"]["users"],
        serde_json::json!([ALICE.to_string(), BOB.to_string()]),
        "{}",
        filed.body
    );
}

#[test]
fn activation_approved_by_reaction_refused_for_requester_and_accepted_by_role() {
    let rig = Rig::new();
    let _served = rig.serve();
    let bot = rig.discord.bot_id();
    rig.say(
        rig.discord.next_id(),
        ALICE,
        "alice",
        &format!("<@{bot}> activate web-01"),
        &[],
    );
    let approval = rig.wait_message("Activation request");
    rig.react(ALICE, approval, &[]);
    rig.wait_message("cannot approve it yourself");
    rig.react(BOB, approval, &[]);
    rig.wait_message("job #1 was rehearsed");

    // Carol is not listed, but holds the ops role that is.
    rig.say(
        rig.discord.next_id(),
        ALICE,
        "alice",
        &format!("<@{bot}> activate web-02"),
        &[],
    );
    let second = rig.wait_message("**Job #2: web-02**");
    rig.react(CAROL, second, &[OPS_ROLE]);
    rig.wait_message("job #2 was rehearsed");
    let jobs: Vec<serde_json::Value> =
        serde_json::from_str(&rig.env.cli(&["jobs", "list", "--json"]).stdout).unwrap();
    assert_eq!(jobs[1]["approved_by"], format!("discord:{CAROL}"));
}
