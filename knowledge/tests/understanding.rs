//! Question understanding scored on development sets (tuned on) and held-out sets written by people who never saw the engine; prints every score.
//!
//! - `dev.toml`, `dev3.toml`: written to tune on; failures are printed.
//! - `heldout.toml` (A): held out at first, then looked at after its first run (so contaminated).
//! - `heldout2.toml` (B), `heldout3.toml` (C): never looked at question by question; only their
//!   scores are printed unless `KMSBOT_SHOW_HELDOUT=1`.

use std::collections::BTreeMap;

use knowledge::{AnswerSettings, KnowledgeBase, MAX_LINES};
use serde::Deserialize;

#[derive(Deserialize)]
struct Set {
    q: Vec<Q>,
}

#[derive(Deserialize)]
struct Q {
    id: String,
    #[serde(default)]
    persona: String,
    category: String,
    q: String,
    #[serde(default)]
    expect: Vec<String>,
    #[serde(default)]
    expect_any: Vec<String>,
    #[serde(default)]
    forbid: Vec<String>,
    #[serde(default)]
    follows: String,
    #[serde(default)]
    kms_host: String,
    #[serde(default)]
    abstain: bool,
}

struct Score {
    right: usize,
    total: usize,
    per_category: BTreeMap<String, (usize, usize)>,
    per_persona: BTreeMap<String, (usize, usize)>,
    failures: Vec<String>,
    off_right: usize,
    off_total: usize,
}

/// The context a thread leaves after its earlier message `follows`: that message's text, or
/// the id of an item of the same set, itself answered in the context of the item it follows,
/// so a chain of items replays the whole thread (up to eight turns back), as the bot keeps it.
fn thread_context(
    kb: &KnowledgeBase,
    items: &[Q],
    follows: &str,
    settings: &AnswerSettings,
    depth: usize,
) -> Option<knowledge::Context> {
    if follows.is_empty() {
        return None;
    }
    let (text, before) = match items.iter().find(|p| p.id == follows) {
        Some(p) if depth < 8 => (
            p.q.as_str(),
            thread_context(kb, items, &p.follows, settings, depth + 1),
        ),
        Some(p) => (p.q.as_str(), None),
        None => (follows, None),
    };
    // As the bot does: an answer that leaves no context keeps the thread's earlier one.
    kb.answer_with(text, before.as_ref(), settings)
        .context
        .or(before)
}

fn run(kb: &KnowledgeBase, text: &str) -> Score {
    let set: Set = toml::from_str(text).expect("question set parses");
    let mut s = Score {
        right: 0,
        total: 0,
        per_category: BTreeMap::new(),
        per_persona: BTreeMap::new(),
        failures: Vec::new(),
        off_right: 0,
        off_total: 0,
    };
    for item in &set.q {
        let settings = AnswerSettings {
            kms_host: (!item.kms_host.is_empty()).then(|| item.kms_host.clone()),
            kms_port: None,
        };
        let ctx = thread_context(kb, &set.q, &item.follows, &settings, 0);
        let a = kb.answer_with(&item.q, ctx.as_ref(), &settings);
        let lower = a.text.to_lowercase();
        let mut why = Vec::new();
        if item.abstain {
            if !a.abstained {
                why.push("answered an off-topic question".to_string());
            }
            if a.text.lines().count() > 4 {
                why.push("abstention longer than 4 lines".to_string());
            }
        } else {
            if a.abstained {
                why.push("abstained".to_string());
            }
            for e in &item.expect {
                if !lower.contains(&e.to_lowercase()) {
                    why.push(format!("missing {e:?}"));
                }
            }
            if !item.expect_any.is_empty()
                && !item
                    .expect_any
                    .iter()
                    .any(|e| lower.contains(&e.to_lowercase()))
            {
                why.push(format!("none of {:?}", item.expect_any));
            }
            if a.text.lines().count() > MAX_LINES + 2 {
                why.push(format!("{} lines", a.text.lines().count()));
            }
        }
        for f in &item.forbid {
            if lower.contains(&f.to_lowercase()) {
                why.push(format!("contains forbidden {f:?}"));
            }
        }
        let ok = why.is_empty();
        s.total += 1;
        if item.abstain {
            s.off_total += 1;
            s.off_right += usize::from(ok);
        }
        s.right += usize::from(ok);
        for (map, key) in [
            (&mut s.per_category, &item.category),
            (&mut s.per_persona, &item.persona),
        ] {
            let e = map.entry(key.clone()).or_default();
            e.1 += 1;
            e.0 += usize::from(ok);
        }
        if !ok {
            s.failures.push(format!(
                "{} [{}] {:?}: {}\n    -> {}",
                item.id,
                item.category,
                item.q.lines().next().unwrap_or(""),
                why.join("; "),
                a.text.lines().take(2).collect::<Vec<_>>().join(" | ")
            ));
        }
    }
    s
}

/// Prints a set's score; `details` adds the per-category table and each failure (never for a
/// held-out set whose failures nobody has looked at yet: set `KMSBOT_SHOW_HELDOUT=1` to see them).
fn report(name: &str, s: &Score) -> f64 {
    report_with(name, s, true)
}

fn report_with(name: &str, s: &Score, details: bool) -> f64 {
    let pct = 100.0 * s.right as f64 / s.total.max(1) as f64;
    println!(
        "{name}: {}/{} right ({pct:.1}%), off-topic declined {}/{}",
        s.right, s.total, s.off_right, s.off_total
    );
    if !details {
        return pct;
    }
    for (c, (r, t)) in &s.per_category {
        println!("  {c:<18} {r}/{t}");
    }
    for (p, (r, t)) in &s.per_persona {
        println!("  persona {p:<10} {r}/{t}");
    }
    for f in &s.failures {
        println!("  FAIL {f}");
    }
    pct
}

/// Regression floor for every set. Issue 10 asks for 95% on sets never tuned on; the held-out
/// sets score 85-93% (stop 22, final: third 92.0%, fourth 92.5%, fifth 83.9%, 84.3% on its first run;
/// after the twelfth dev set's tuning: third 92.4%, fourth 92.5%, fifth 84.6%; after the
/// thirteenth's: third 92.4%, fourth 92.5%, fifth 85.4%; the thirteenth dev set scored 86.9% on
/// its first run; after the fourteenth's, 89.5% on its first run: third 93.3%, fourth 92.9%,
/// fifth 86.2%; unchanged after the fifteenth's; after the sixteenth's: third 93.3%, fourth 92.9%,
/// fifth 87.0%), so this floor only guards against regressions until 95% is reached.
const HELD_OUT_FLOOR: f64 = 80.0;

/// Who may see a set's failures: tuning sets show them with `KMSBOT_SHOW_DEV`, held-out sets
/// only with `KMSBOT_SHOW_HELDOUT`, so that running the tests does not turn a held-out set into a
/// tuning set.
enum Kind {
    /// Read and tuned on.
    Tuning,
    /// Written blind to the engine, added unread, never tuned on.
    HeldOut,
}

/// Runs one question set, prints its score and asserts its size and the regression floor.
fn check_set(name: &str, text: &str, min_questions: usize, kind: Kind) -> f64 {
    let kb = KnowledgeBase::builtin().expect("builtin KB");
    let s = run(&kb, text);
    assert!(s.total >= min_questions, "{name} has {} questions", s.total);
    let var = match kind {
        Kind::Tuning => "KMSBOT_SHOW_DEV",
        Kind::HeldOut => "KMSBOT_SHOW_HELDOUT",
    };
    let pct = report_with(name, &s, std::env::var_os(var).is_some());
    assert!(
        pct >= HELD_OUT_FLOOR,
        "{name}: accuracy {pct:.1}% < {HELD_OUT_FLOOR}%"
    );
    pct
}

#[test]
fn dev_set() {
    let kb = KnowledgeBase::builtin().expect("builtin KB");
    let s = run(&kb, include_str!("dev.toml"));
    assert!(s.total >= 150, "dev set has {} questions", s.total);
    let pct = report("dev set (tuned on)", &s);
    assert!(pct >= 95.0, "dev set accuracy {pct:.1}% < 95%");
}

/// The first held-out set: read and tuned on after its first runs.
#[test]
fn held_out_set() {
    check_set(
        "held-out set (tuned on after its first runs)",
        include_str!("heldout.toml"),
        150,
        Kind::Tuning,
    );
}

/// Held out until stop 21, when its failures were read and it became a tuning set.
#[test]
fn second_held_out_set() {
    check_set(
        "second set (tuned on since stop 21)",
        include_str!("heldout2.toml"),
        150,
        Kind::Tuning,
    );
}

/// Development sets written blind to the engine (stop 21), each run once before any tuning on
/// it (first runs: 91.1%, 82.0%, 84.8%, 90.1%, 87.9%, 90.3%, and in stop 22 the eighth 91.4%, the ninth 86.7% and the tenth 86.7%; the twelfth, dev13.toml, 92.2% (154/167) on its first run and 100% after tuning) and tuned on since: an MSP engineer,
/// a helpdesk, security reviewers, Linux admins, speakers of other languages, a busy help
/// channel's fragments and code blocks, people new to chat bots.
#[test]
fn blind_dev_sets() {
    for (name, text) in [
        ("second dev set (tuned on)", include_str!("dev3.toml")),
        ("third dev set (tuned on)", include_str!("dev4.toml")),
        ("fourth dev set (tuned on)", include_str!("dev5.toml")),
        ("fifth dev set (tuned on)", include_str!("dev6.toml")),
        ("sixth dev set (tuned on)", include_str!("dev7.toml")),
        ("seventh dev set (tuned on)", include_str!("dev8.toml")),
        ("eighth dev set (tuned on)", include_str!("dev9.toml")),
        ("ninth dev set (tuned on)", include_str!("dev10.toml")),
        ("tenth dev set (tuned on)", include_str!("dev11.toml")),
    ] {
        check_set(name, text, 200, Kind::Tuning);
    }
    check_set(
        "eleventh dev set (tuned on)",
        include_str!("dev12.toml"),
        120,
        Kind::Tuning,
    );
    check_set(
        "twelfth dev set (tuned on)",
        include_str!("dev13.toml"),
        130,
        Kind::Tuning,
    );
}

/// The thirteenth dev set, dev14.toml (after stop 24): written blind to the engine (a student on a
/// work placement, a SQL Server DBA, a manager, PowerShell error-block pasters, mixed
/// German/English and French/English, abbreviations only, a thread, very old and very new versions,
/// quoted error texts; 47 off-topic near-misses) and run once before any tuning on it: 152/175
/// (86.9%), off-topic declined 43/47, on its first run (the honest estimate for fresh questions);
/// 175/175 after tuning on it.
#[test]
fn thirteenth_dev_set() {
    check_set(
        "thirteenth dev set (tuned on)",
        include_str!("dev14.toml"),
        130,
        Kind::Tuning,
    );
}

/// The fourteenth dev set, dev15.toml: written blind to the engine (an MSP technician with many
/// tenants, a security auditor, a helpdesk first-liner, a fast phone typist, pasted CIM and
/// cscript output, Dutch- and Polish-mixed English, an automation engineer, newcomers from Azure
/// and AWS; 47 off-topic near-misses) and run once before any tuning on it: 162/181 (89.5%),
/// off-topic declined 47/47, on its first run; 181/181 after tuning on it.
#[test]
fn fourteenth_dev_set() {
    check_set(
        "fourteenth dev set (tuned on)",
        include_str!("dev15.toml"),
        170,
        Kind::Tuning,
    );
}

/// The third held-out set: written by someone who never saw the engine, added unread and run
/// once the engine was final; never tuned on.
#[test]
fn third_held_out_set() {
    check_set(
        "third held-out set (unread; never tuned on)",
        include_str!("heldout3.toml"),
        200,
        Kind::HeldOut,
    );
}

/// The fourth held-out set: written blind to the engine in stop 21, added unread; never tuned
/// on.
#[test]
fn fourth_held_out_set() {
    check_set(
        "fourth held-out set (unread; never tuned on)",
        include_str!("heldout4.toml"),
        200,
        Kind::HeldOut,
    );
}

/// The fifth held-out set: written blind to the engine in stop 22 (a small-business owner, a
/// security auditor, a Windows veteran's old terms, phone-typed fragments, long pasted output),
/// added unread and run once the engine was final; never tuned on. In stop 24 one of its
/// questions (a KMS host on Windows 11 asked to activate servers) was printed by accident by a
/// search over the question files, and a rule touching that case changed in the same stop: treat
/// this set's 83.9% -> 84.6% move in stop 24 as possibly contaminated by that one question.
#[test]
fn fifth_held_out_set() {
    check_set(
        "fifth held-out set (unread; never tuned on)",
        include_str!("heldout5.toml"),
        200,
        Kind::HeldOut,
    );
}

/// The fifteenth dev set, dev16.toml: written blind to the engine (a nurse who looks after a
/// clinic's PCs, a game-server hoster, a university lab admin imaging 200 PCs, a consultant
/// writing a runbook, a very polite non-native speaker, fragments replying in a thread, pasted
/// `slmgr /xpr` and `/dlv` output, a compliance officer; 35 off-topic near-misses) and run once
/// before any tuning on it: 130/135 (96.3%), off-topic declined 35/35, on its first run; 135/135
/// after tuning on it (held-out sets unchanged: third 93.3%, fourth 92.9%, fifth 86.2%).
#[test]
fn fifteenth_dev_set() {
    check_set(
        "fifteenth dev set (tuned on)",
        include_str!("dev16.toml"),
        130,
        Kind::Tuning,
    );
}

/// The sixteenth dev set, dev17.toml: written blind to the engine (a developer building images with
/// Packer, Terraform and Ansible, a night-shift operator, an admin leaving on-prem Active
/// Directory, a support engineer relaying customers, Spanish/Portuguese-mixed English, pasted
/// `slmgr /dlv`, `Test-NetConnection`, `nslookup` and `w32tm` output, a thread of follow-ups, a
/// VDI/golden-image admin, several editions or negations in one question, machine counts with
/// host names, IPs and ports, instance lifecycle; 39 off-topic near-misses) and run once before
/// any tuning on it: 131/152 (86.2%), off-topic declined 34/39, on its first run (held-out sets
/// at that moment: third 210/225 (93.3%), fourth 223/240 (92.9%), fifth 219/254 (86.2%));
/// 152/152, off-topic declined 40/40, after tuning on it (two expectations corrected: a greeting
/// that says "activating", and declining public KMS servers, which is the right answer), with
/// the held-out sets at third 210/225 (93.3%), fourth 223/240 (92.9%), fifth 221/254 (87.0%).
/// Four questions added after that from a hand trial (a machine count after a diagnosis or a
/// key is a question of its own), then four more (a wrong key installed, a KMS client days from
/// expiry), then two more (renaming the computer, a failed port test told in words):
/// 162/162, then two asking whether the bot activates and two more (a host port "change to",
/// whether an old version can still be activated), then two (one GVLK on many machines, the
/// host's own firewall): 168/168, held-out sets unchanged.
#[test]
fn sixteenth_dev_set() {
    check_set(
        "sixteenth dev set (tuned on)",
        include_str!("dev17.toml"),
        150,
        Kind::Tuning,
    );
}

/// The seventeenth dev set, dev18.toml: written blind to the engine (a student intern, a terse
/// chat user typing fragments with typos, German- and French-speaking admins writing English, a
/// manager asking about licensing and budget, pasted `slmgr /dli` and `/xpr` output and error
/// dialogs, retail-versus-volume key errors, MAK (where to get one, counts, offline), the
/// activation ID, ESU add-on keys, Windows 10/11 Enterprise VDI, Server 2025, several editions in
/// one question, a KMS host in another network with a client subnet, threads of follow-ups; 45
/// off-topic near-misses) and run once before any tuning on it: 140/158 (88.6%), off-topic
/// declined 43/45, on its first run (held-out sets at that moment: third 210/225 (93.3%), fourth
/// 223/240 (92.9%), fifth 221/254 (87.0%)); 158/158, off-topic declined 45/45, after tuning on
/// it (two expectations corrected: a pasted `/dli` names no Windows version, so no single GVLK
/// can be expected, and Microsoft's GVLK table has no Enterprise multi-session row), with the
/// held-out sets at third 210/225 (93.3%), fourth 224/240 (93.3%), fifth 221/254 (87.0%). Its
/// floor is the first run less a margin.
#[test]
fn seventeenth_dev_set() {
    let pct = check_set(
        "seventeenth dev set (tuned on)",
        include_str!("dev18.toml"),
        150,
        Kind::Tuning,
    );
    assert!(pct >= 85.0, "seventeenth dev set: accuracy {pct:.1}% < 85%");
}

/// The eighteenth dev set, dev19.toml: written blind to the engine (a help-desk agent pasting
/// tickets, Indian-English and Chinese-English writers, someone typing from a phone, a SQL Server
/// DBA, a security auditor, Windows Server 2025 and Windows 11 24H2, error codes mixed with
/// addresses and ports, "why" questions, pasted `slmgr /xpr` and `/dlv` output, pasted event log
/// lines, typos in slmgr options, threads of follow-ups; 34 off-topic near-misses) and run once
/// before any tuning on it: 135/141 (95.7%), off-topic declined 32/34, on its first run (held-out
/// sets at that moment: third 210/225 (93.3%), fourth 224/240 (93.3%), fifth 221/254 (87.0%));
/// 140/141, off-topic declined 33/34, after tuning on it (one item corrected: w099 followed a
/// message that itself only made sense in a thread, and the harness replays one earlier message,
/// so it now follows the thread's first question), with the held-out sets unchanged at third
/// 210/225, fourth 224/240, fifth 221/254. Still failing: w128 (off-topic), syncing a VM's clock
/// with pool.ntp.org and no word of activation, which the bot answers with its time-sync advice.
/// Its floor is the first run less a margin.
#[test]
fn eighteenth_dev_set() {
    let pct = check_set(
        "eighteenth dev set (tuned on)",
        include_str!("dev19.toml"),
        120,
        Kind::Tuning,
    );
    assert!(pct >= 90.0, "eighteenth dev set: accuracy {pct:.1}% < 90%");
}

/// The nineteenth dev set, dev20.toml: written blind to the engine (a cloud-provider support
/// engineer answering tenants, a retired-sysadmin volunteer at a charity, a data scientist who
/// needs one Windows VM, a Kubernetes admin running Windows nodes, a brief Slack user replying in
/// a thread, an angry user, an all-lower-case writer, Italian/Turkish/Vietnamese word order,
/// pasted `Get-CimInstance SoftwareLicensingProduct` and `slmgr /dli` output, yes/no questions
/// with numbers, Windows Server 2025, Windows 11 24H2 and LTSC 2024, own KMS host names,
/// addresses and ports; 40 off-topic near-misses) and run once before any tuning on it: 211/218
/// (96.8%), off-topic declined 39/40, on its first run (held-out sets at that moment: third
/// 210/225 (93.3%), fourth 224/240 (93.3%), fifth 221/254 (87.0%)); 218/218, off-topic declined
/// 40/40, after tuning on it, with the held-out sets unchanged. Eight questions added after that
/// from a hand trial (a firewall rule from a client network to a host in another network, a
/// host's reported count and which machines it activates, a bare version year after the
/// thresholds, creating a KMS server): 226/226. Its floor is the first run less a margin.
#[test]
fn nineteenth_dev_set() {
    let pct = check_set(
        "nineteenth dev set (tuned on)",
        include_str!("dev20.toml"),
        150,
        Kind::Tuning,
    );
    assert!(pct >= 92.0, "nineteenth dev set: accuracy {pct:.1}% < 92%");
}

/// The paraphrase set, dev21.toml: one rewording of each of 160 items sampled evenly over the
/// earlier dev sets (every 24th item of each, 41 off-topic), written before reading the engine,
/// with the same meaning and expectations but other words (synonyms, abbreviated editions, typos,
/// non-native grammar, numbers as words, context around the question); it measures how far the
/// tuning generalizes beyond the phrasings tuned on. First run, before any tuning on it: 147/160
/// (91.9%), off-topic declined 38/41 (held-out sets at that moment: third 210/225 (93.3%), fourth
/// 224/240 (93.3%), fifth 221/254 (87.0%)); 158/160 (98.8%), off-topic declined 41/41, after
/// tuning on it, with the held-out sets at third 210/225, fourth 224/240, fifth 223/254. The
/// fixes were made general (greetings, ticket references and thanks around a question; numbers
/// as words; "srv 2022" and "KMS server key"; jump hosts, Kubernetes, kilometres) and checked
/// on rewordings of the other dev items too. Still failing: p078, an IPv6 KMS host, where the
/// set expects the address in brackets but the bot says to give an IPv6-only host by its DNS
/// name; p095, "okay datacenter then" after "and for Datacenter?" with no version in the
/// thread, which gets the choice of Datacenter keys (their originals, dev9 n036 and dev10 p185,
/// fail the same way). Its floor is the first run less a margin.
#[test]
fn paraphrase_dev_set() {
    let pct = check_set(
        "paraphrase dev set (tuned on)",
        include_str!("dev21.toml"),
        150,
        Kind::Tuning,
    );
    assert!(pct >= 85.0, "paraphrase dev set: accuracy {pct:.1}% < 85%");
}

/// The twentieth dev set, dev22.toml: written section by section from the provider guide and
/// Microsoft's public documentation, blind to the engine (each step, command, port, requirement
/// and policy asked twice, once plainly and once through a situation, a symptom or a yes/no;
/// client setup keys, slmgr options, error codes, thresholds, validity and renewal, DNS SRV;
/// own KMS host names, addresses and ports; follow-ups; 46 off-topic near-misses) and run once
/// before any tuning on it: 177/185 (95.7%), off-topic declined 44/46, on its first run (held-out
/// sets at that moment: third 210/225 (93.3%), fourth 224/240 (93.3%), fifth 221/254 (87.0%)).
/// After tuning on it: 184/185, off-topic declined 46/46, with the held-out sets unchanged (the
/// one left is a bare "do I open the cloud firewall myself or raise a ticket?", which names
/// nothing of activation and is declined). Ten questions added after that from a hand trial (a
/// host update named by its KB number, `w32tm` before `/ato`, another version's key, a constant
/// connection, a GVLK as host key, importing an image, SSH, a bare "how come?" or "why not?"):
/// 194/195, off-topic declined 48/48; four more (a host key for an existing KMS, the provider
/// running KMS for a fee, what goes in the firewall ticket) and two after them (the time server
/// after `/ato`, an old version still supported as a host): 200/201. Its floor is the first run
/// less a margin.
#[test]
fn twentieth_dev_set() {
    let pct = check_set(
        "twentieth dev set (tuned on)",
        include_str!("dev22.toml"),
        160,
        Kind::Tuning,
    );
    assert!(pct >= 92.0, "twentieth dev set: accuracy {pct:.1}% < 92%");
}

/// The twenty-first dev set, dev23.toml: messages as they arrive in chat from people writing in
/// a second language or on a phone, written blind to the engine (non-native English of many
/// backgrounds with dropped articles, odd word order and false friends such as "actualize",
/// "revert back", "do the needful"; typos such as "slmrg", "ksm", "gvkl", "activasion";
/// lower-case run-on lines, two questions in one, greetings and complaints around one question,
/// short thread follow-ups, pasted `slmgr /dli` output; every topic of the bot, own KMS host
/// names and addresses; 48 off-topic near-misses). First run, before any tuning on it: 221/236
/// (93.6%), off-topic declined 46/48 (held-out sets at that moment: third 210/225, fourth
/// 224/240, fifth 223/254). After tuning on it: 236/236, with the held-out sets at third
/// 211/225, fourth 225/240, fifth 224/254. The fixes were made general (chat shorthand and
/// typos of kms, gvlk and slmgr, "actualize"; the order of the client steps; setting the time
/// server back; a paid instance and BYOL; speeds in km/h) and checked on other phrasings of a
/// hand trial, 18 of which were added after that (a version without its edition, client
/// versions as counts, error texts without their code, a status line quoted inline): 254/254,
/// off-topic declined 49/49. Its floor is the first run less a margin.
#[test]
fn twenty_first_dev_set() {
    let pct = check_set(
        "twenty-first dev set (tuned on)",
        include_str!("dev23.toml"),
        180,
        Kind::Tuning,
    );
    assert!(
        pct >= 85.0,
        "twenty-first dev set: accuracy {pct:.1}% < 85%"
    );
}

/// The twenty-second dev set, dev24.toml: an operations team's conversations, blind to the
/// engine. About half are threads of two to four turns (a first question, then "and for
/// 2019?", "what port again", "ok done, now it says 0xC004F074", "still not working", "why?",
/// "can you open it for us", "sorry I meant datacenter"); the rest is pasted material with a
/// question or alone (`slmgr /dli`, `/dlv`, `/xpr`, script host error popups,
/// `Test-NetConnection -Port 1688`, `nslookup -type=srv _vlmcs._tcp`, `w32tm` status and
/// offsets, Security-SPP events, `Get-CimInstance SoftwareLicensingProduct`, `systeminfo`,
/// settings-page messages in words). Personas: an on-call sysadmin at 3am, a help-desk agent
/// forwarding a customer, a team lead, a security reviewer; own KMS hosts with non-default
/// ports, some configured; 50 off-topic near-misses. First run, before any tuning on it:
/// 175/195 (89.7%), off-topic declined 46/50 (held-out sets at that moment: third 210/225
/// (93.3%), fourth 224/240 (93.3%), fifth 223/254 (87.8%)). After tuning on it: 195/195,
/// off-topic declined 50/50, with the held-out sets at third 211/225, fourth 224/240, fifth
/// 224/254. The fixes were made general (kilometres as speeds, Red Hat, a domain's Kerberos
/// time; a port test in words and a configured non-default port; follow-ups in a thread about
/// the KMS rule: "can you open it for us", "any other ports", "the source range"; "I am admin
/// though" and a bare "why?" after an error; host updates by KB number; the provider giving a
/// key; "do we need to buy anything"; many machines failing at once; a clock word breaking a
/// near tie between the client procedure and time sync). Its floor is the first run less a
/// margin.
#[test]
fn twenty_second_dev_set() {
    let pct = check_set(
        "twenty-second dev set (tuned on)",
        include_str!("dev24.toml"),
        180,
        Kind::Tuning,
    );
    assert!(
        pct >= 87.0,
        "twenty-second dev set: accuracy {pct:.1}% < 87%"
    );
}

/// The second paraphrase set, dev25.toml: every 24th item of each tuning set (dev.toml, dev3 to
/// dev20, dev22), starting at the 13th, reworded once as a different person would write it (other
/// words, verbs, word order and register) with the original's values and expectations kept, the
/// earlier turn of a follow-up reworded too; 189 items, 45 off-topic. It measures how much the
/// engine leans on the exact words of the sets it was tuned on. Written blind to the engine and
/// run once before any tuning on it: 182/189 (96.3%), off-topic declined 43/45, on its first run
/// (held-out sets at that moment: third 210/225 (93.3%), fourth 224/240 (93.3%), fifth 223/254
/// (87.8%)). After tuning on it: 189/189, off-topic declined 45/45, the held-out sets unchanged.
/// Thirty items added after that from a hand trial of third wordings of the same items (a
/// duration in words, "the interval at which", "under five", "one common key", finance work, a
/// home PC): 219/219; twenty-six more from a second hand trial (an internet connection for a
/// KMS client, another cloud's automatic activation, DNS publishing turned back on, error texts
/// in other words, the grace period asked as "without activating", eight near-misses): 245/245;
/// six more from a third (a firewall rule written with an arrow, ports and a proxy for online
/// activation, the count's 30-day window): 251/251. Its floor is the first run less a margin.
#[test]
fn second_paraphrase_dev_set() {
    let pct = check_set(
        "second paraphrase set (tuned on)",
        include_str!("dev25.toml"),
        180,
        Kind::Tuning,
    );
    assert!(
        pct >= 90.0,
        "second paraphrase set: accuracy {pct:.1}% < 90%"
    );
}

/// The twenty-third dev set, dev26.toml: people new to Windows licensing (a new cloud user, a
/// help-desk generalist, a developer handed a Windows VM, a manager) describing symptoms in
/// everyday words (the watermark, settings-page messages, greyed-out options, a black desktop,
/// nags), asking what the abbreviations stand for, what to do step by step, the provider's
/// policy (BYOL, tickets for network access, what the provider does not do), about stopped,
/// cloned, resized and rebuilt instances (sysprep, rearm) and how machines are counted, said in
/// words; a few pasted slmgr /dli outputs, threads and configured hosts; 201 items, 47
/// off-topic near-misses. Written blind to the engine. First run, before any tuning on it:
/// 179/201 (89.1%), off-topic declined 46/47 (held-out sets at that moment: third 211/225
/// (93.8%), fourth 225/240 (93.8%), fifth 225/254 (88.6%)). After tuning on it: 201/201,
/// off-topic declined 47/47, with the held-out sets at third 211/225, fourth 225/240, fifth
/// 235/254. The fixes were made general (a licence server or the company's activation server
/// read as the KMS host, other software's licence servers not; "KMS stands for what?" answered
/// with the words; "who opens that / who do I contact" for the cloud firewall; "how activate my
/// server"; a count that dropped or "counts 3 but we have 12"; removing a key typed by mistake;
/// sysprep before a golden image; a retail key switched to the volume one; "in plain words" at
/// the end of a question; "I didn't buy a licence" not read as a price; a licence that "will
/// expire soon"; rearming an alarm declined). Thirty-three items added after that from a hand
/// trial of other wordings of the same behaviours (ten of them near-misses): 234/234; twenty-one
/// more from a second hand trial (two dozen desktops, copies of a VM, what port 1688 is for,
/// "a one-time thing", a quoted 'rearm', seven near-misses such as a Jenkins licence server and
/// 1688 in binary): 255/255. Its floor is the first run less a margin.
#[test]
fn twenty_third_dev_set() {
    let pct = check_set(
        "twenty-third dev set (tuned on)",
        include_str!("dev26.toml"),
        180,
        Kind::Tuning,
    );
    assert!(
        pct >= 87.0,
        "twenty-third dev set: accuracy {pct:.1}% < 87%"
    );
}

/// The twenty-fourth dev set, dev27.toml: real Slack threads of three to six turns, each chain of
/// `follows` replayed whole: elliptical follow-ups ("same issue", "and on 2016?", "what about
/// datacenter", "done, now what?", "that didn't work", "still failing", "why?"), corrections of
/// an edition, a host or a port (a port given in words, a DR host over a configured one), pasted
/// `slmgr /dli`, `/xpr`, `/dlv` output and an error dialog's text in the middle of a thread, topic
/// switches to a self-contained question, off-topic asides inside activation threads and
/// off-topic threads with their own follow-ups; 215 items in 57 threads, 55 off-topic. Written
/// blind to the engine. First run, before any tuning on it: 175/215 (81.4%), off-topic declined
/// 45/55 (held-out sets at that moment: third 211/225 (93.8%), fourth 225/240 (93.8%), fifth
/// 225/254 (88.6%)). After tuning on it: 210/215, off-topic declined 53/55, with the held-out
/// sets at third 211/225, fourth 226/240, fifth 226/254. The fixes were made general: a port
/// after "using"; "same issue", "that didn't work", "still failing", "I am admin" continuing the
/// thread's error; "how do I put it in?" and "my bad, standard" after a key; "now what?" after a
/// time sync or a firewall rule; a sync to the KMS host as time sync; a host named after an
/// error; a short report before a question; the SRV record, the port change, the grace period's
/// rearms and "what's the command?" asked back in a thread; an expiry date that moves; hardware
/// sizes, key rotation, shared computer activation and office small talk declined. Its floor is
/// the first run less a margin.
#[test]
fn twenty_fourth_dev_set() {
    let pct = check_set(
        "twenty-fourth dev set (tuned on)",
        include_str!("dev27.toml"),
        180,
        Kind::Tuning,
    );
    assert!(
        pct >= 80.0,
        "twenty-fourth dev set: accuracy {pct:.1}% < 80%"
    );
}

/// The twenty-sixth development set (dev29.toml), written from the angle of operators, managers
/// and security reviewers: capacity and design (how many KMS hosts, two hosts and the DNS SRV
/// priority and weight, a host per region, a host down for days or months, renewal and retry
/// intervals, what the host stores and logs, whether KMS traffic is encrypted or authenticated,
/// the exact port and direction, RPC dynamic ports, proxies), policy (BYOL, licence mobility,
/// what the provider does, tickets for firewall and internet access, audit evidence), the
/// lifecycle of instances (images, clones, scale sets, short-lived VMs and the count) and change
/// management (migrating or retiring a host, changing its port or name, Server 2025 clients on
/// an older host); 163 items, 41 off-topic near-misses (cloud key management services, SQL
/// Server and RDS licensing, Microsoft 365, Linux subscriptions, HSMs, key rotation,
/// certificates). Written blind to the engine. First run, before any tuning on it: 152/163
/// (93.3%), off-topic declined 40/41 (held-out sets at that moment: third 211/225, fourth
/// 226/240, fifth 236/254). One expectation was widened after the first run (m120: retiring a
/// host by replacing its host key with the GVLK is correct too) and 11 items (2 off-topic) were
/// added after tuning, from other wordings tried by hand. After tuning on it: 174/174, with the
/// held-out sets unchanged. The fixes were made general: what a KMS host stores or sends to
/// Microsoft as the security notes; a DNS entry after `/skms` and a static IP as DNS discovery;
/// a host renamed, given a new address or moved "from one address to another" as the host's
/// move; "two of them", "one of them is down" in a thread about a host as the second host;
/// thousands of short-lived clients, and a host per network or region, as the host's capacity;
/// new VMs activating on their own as the image's preparation; a newer Windows against an older
/// named host as its updates; evidence of activation for an audit as the status; "free up" as
/// no price; the cloud's storage and SLA declined.
#[test]
fn twenty_sixth_dev_set() {
    let pct = check_set(
        "twenty-sixth dev set (tuned on)",
        include_str!("dev29.toml"),
        150,
        Kind::Tuning,
    );
    assert!(
        pct >= 80.0,
        "twenty-sixth dev set: accuracy {pct:.1}% < 80%"
    );
}

/// The twenty-fifth dev set (`dev28.toml`): terse sysadmins and pasted material. One-liners
/// without question marks, slmgr commands with typos, pasted `slmgr /dli`, `/dlv`, `/xpr` output
/// and error dialogs with no question or a single word, Event Viewer Security-SPP entries (8198,
/// 12288, 12289, 12290), `Get-CimInstance SoftwareLicensingProduct` / `SoftwareLicensingService`
/// output, `Test-NetConnection`, `nslookup -type=srv _vlmcs._tcp` and `w32tm /query /status`
/// output, error codes written every way (with or without 0x, short forms, signed and unsigned
/// decimal, inside a dialog's sentence), a MAK put into /skms, KMS host vs client, sysprep for a
/// single VM, the exact firewall rule; 187 items, 42 off-topic. Written blind to the engine.
/// First run, before any tuning on it: 173/187 (92.5%), off-topic declined 39/42 (held-out sets at
/// that moment: third 211/225, fourth 226/240, fifth 236/254). After tuning on it: 187/187,
/// off-topic declined 42/42, held-out sets unchanged. The fixes were made general: an HRESULT
/// printed as a signed or unsigned decimal; a bare `cscript slmgr.vbs /<option>` command line
/// answered with its option; "1688 blocked/times out" after a ping as the firewall path; "fix",
/// "still <code>", "still getting it" continuing the thread's error and "how many needed?"
/// after the count error; a key given to /skms; KMS host vs KMS client; sysprep for a single
/// VM; a bare firewall-rule request as tcp/1688; Teams errors, Kerberos time on a domain
/// controller and DNS lookups of mail or zone records declined. Its floor is the first run less
/// a margin.
#[test]
fn twenty_fifth_dev_set() {
    let pct = check_set(
        "twenty-fifth dev set (tuned on)",
        include_str!("dev28.toml"),
        150,
        Kind::Tuning,
    );
    assert!(
        pct >= 88.0,
        "twenty-fifth dev set: accuracy {pct:.1}% < 88%"
    );
}

/// The twenty-eighth dev set (`dev31.toml`): editions, versions and keys asked every way. Every
/// Windows Server version from 2008 to 2025 and its editions (Standard, Datacenter, Essentials,
/// Datacenter: Azure Edition, Core vs Desktop Experience, the semi-annual channel), Windows 10/11
/// editions (Pro, Pro N, Enterprise, Enterprise N, LTSC/LTSB years, Education, Pro for
/// Workstations, IoT Enterprise LTSC), shorthand names ("2k19 dc", "ws2022 std"), build numbers
/// and feature updates, two or three editions in one message, "not LTSC", what winver or the
/// EditionID says, editions with no GVLK, retail/OEM/MAK vs GVLK, DISM /Set-Edition and
/// evaluation to full, which KMS host key activates which clients, thread follow-ups; 244 items,
/// 45 off-topic. Written blind to the engine (191 items, 42 off-topic).
/// First run, before any tuning on it: 162/191 (84.8%), off-topic declined 40/42 (held-out sets
/// at that moment: third 211/225, fourth 226/240, fifth 236/254). Two expectations were wrong
/// and were widened: Home's plain "cannot activate through KMS" is a right no, and Microsoft's
/// key table has no multi-session row. The last 53 items (3 off-topic) were added after tuning,
/// from other wordings tried by hand. After tuning on it: 244/244, off-topic declined 45/45;
/// held-out third 211/225, fourth 226/240, fifth 238/254. The fixes were made general: edition
/// IDs (EnterpriseS, ServerStandard, ProfessionalWorkstation), build numbers and LTSC feature
/// versions read as editions and releases; the N edition after an LTSC year; one edition named
/// twice with its version; Essentials 2022/2025 and Home without a GVLK said plainly, also in
/// threads; Pro to Enterprise or Education; DISM edition commands; an evaluation domain
/// controller; host key vs client key; a MAK channel moved to KMS; back to the OEM key; Core vs
/// Desktop Experience; which Windows a build number is; key generators and macOS declined;
/// edition lists split by " / "; "LTSC 2019 vs 2021"; Pro N to Enterprise N; "which edition is
/// <GVLK>"; an Essentials question of any kind; "same for 2019 and 2016?", "and 2019?" after an
/// LTSC release and "Datacenter instead?" after an evaluation conversion in threads; a retail,
/// OEM or MAK key asked for (said to be bought, the GVLK said to be no licence), a free
/// product key declined, a retail key for the KMS host; glued names ("server2019datacenter",
/// "Win10Pro"); edition names with "core", "desktop" or "winver shows" and nothing else;
/// ServerStandardEval as an evaluation edition; an edition followed by its version alone.
/// Its floor is the first run less a margin.
#[test]
fn twenty_eighth_dev_set() {
    let pct = check_set(
        "twenty-eighth dev set (tuned on)",
        include_str!("dev31.toml"),
        160,
        Kind::Tuning,
    );
    assert!(
        pct >= 80.0,
        "twenty-eighth dev set: accuracy {pct:.1}% < 80%"
    );
}

/// The twenty-seventh development set (dev30.toml), written as non-native English speakers and
/// people typing on phones would: missing articles and verbs, wrong tenses, literal
/// translations, typos ("actvate", "lisence", "kms sever"), all lowercase, short forms (pls,
/// thx, u, w2k19, 2k22, std, dc), a few German or Spanish words, with real hosts, IPs, ports and
/// editions; keys, client setup commands, thresholds, errors, status, renewal, firewall and
/// internet access, MAK, online and phone activation, small talk and thread follow-ups; 192
/// items, 44 off-topic near-misses in the same style (239 and 47 with the items added after
/// tuning). Written blind to the engine. First run,
/// before any tuning on it: 182/192 (94.8%), off-topic declined 43/44 (held-out sets at that
/// moment: third 211/225, fourth 226/240, fifth 236/254). Two expectations were corrected
/// after the first run: n044 (Microsoft says slmgr cannot parse an IPv6 address in `/skms`, so
/// an IPv6-only host is given by its host name, not in brackets) and n163 ("are u human or
/// bot" is declined, as "are you a human?" is in the third dev set). 47 items (2 off-topic),
/// t001-t047, were added after tuning, from other wordings tried by hand. After tuning on it:
/// 239/239, off-topic declined 47/47, held-out sets third 212/225, fourth 226/240, fifth
/// 236/254. The fixes were made general: KMS discovery kept to a named DNS domain as
/// `/skms-domain <domain>`; a licence status named in words ("status say 'notification'") read
/// like a pasted status line; a host key used on a second server as the host key's limit;
/// "what u can do" and "you speak spanish?" after a greeting as the help text; a few unplaced
/// words whose second reading is the thread's topic as a follow-up; where a new key comes from
/// after a blocked or exhausted key; failure reports ("did it, still no activate", "still not
/// working") after commands or an error; a MAK procedure and "gvlk or mak" asked plainly; two
/// KMS hosts and failover with singular nouns; hosts that "not respond"; slmgr without admin
/// rights; "without kms" with an edition; the CMID of clones; an older host against newer
/// clients; the edition by command; the host's capacity; slmgr showing nothing; an apology
/// for one's English or "one more question" before the question; a host "not publish in
/// dns" as a missing record and "not publishing, how enable" as `/sdns`; "and check after?" after the commands as the status; phone apps
/// and consumer accounts declined. Its floor is the first run less a margin.
#[test]
fn twenty_seventh_dev_set() {
    let pct = check_set(
        "twenty-seventh dev set (tuned on)",
        include_str!("dev30.toml"),
        150,
        Kind::Tuning,
    );
    assert!(
        pct >= 90.0,
        "twenty-seventh dev set: accuracy {pct:.1}% < 90%"
    );
}

/// The twenty-ninth development set (dev32.toml): long messages with a story around the
/// question, written as small-business owners, accountants who also do the IT and Windows
/// veterans using old terms (volume license keys, the activation server, VAMT, slui 4, rearm,
/// SKU, MSDN keys, Software Assurance, the 2008 R2 days): keys, commands with their own host and
/// port, thresholds and counts, pasted or paraphrased errors, status and renewal, firewall and
/// internet-access requests, MAK, online and phone activation, moving to a new cloud, clones and
/// images, thread follow-ups; 153 items, 37 off-topic near-misses in the same style (Microsoft
/// 365 sign-in, Windows Update, printers, Azure AD joins, other clouds' consoles, backups).
/// Written blind to the engine. First run, before any tuning on it: 114/126 (90.5%), off-topic
/// declined 34/34 (held-out sets at that moment: third 212/225, fourth 226/240, fifth 238/254).
/// Three expectations were widened after the first run because they were wrong: s030 (an
/// IPv6-only KMS host is given to `/skms` by its host name), s044 ("the 50 most recent" says
/// the cap) and s124 (`/dlv` shows the host's count too). 27 items (3 off-topic) were added
/// after tuning, from other wordings tried by hand (t001-t024, x040-x042). After tuning on it:
/// 153/153, with the held-out sets third 212/225, fourth 226/240, fifth 239/254. The fixes
/// were made general: "the business", "a small business" as the firm, not Vista Business;
/// Settings named in the story while one edition's key is asked; "in the old days", "back in
/// the day", "these days" as no durations; a reseller or vendor who "says" or "told us" as no
/// price question; a KMS address handed over with "walk me through it" as the pointing steps;
/// the host moved to ("moving to", "the new one is") of two named; "port, 2000" as a port;
/// phone activation named outright in a near tie with timing; IPv6 without an address; several
/// editions in a story and the last question naming only some; KMS compared with the Remote
/// Desktop license server; "which portal" for the host key; a retired contractor in another
/// sentence as no retired host; "is the port still 1688?" as the port; copies of a golden
/// image or template as clones, not one VM to sysprep or one instance rebuilt.
#[test]
fn twenty_ninth_dev_set() {
    let pct = check_set(
        "twenty-ninth dev set (tuned on)",
        include_str!("dev32.toml"),
        105,
        Kind::Tuning,
    );
    assert!(
        pct >= 80.0,
        "twenty-ninth dev set: accuracy {pct:.1}% < 80%"
    );
}

/// The thirty-first development set (dev34.toml): terse sysadmins, 1 to 8 words with no
/// punctuation or capitals, in abbreviations and shorthand (w2k19, ltsc21, 2012r2, dc, ess, gvlk,
/// cnt, eval->std), host names and IPs of every shape, bare error codes and bare edition names,
/// commands with a typo asking what is wrong; keys, commands, thresholds, timing, DNS, ports and
/// MAK; about half are threads whose follow-ups are fragments ("and 2016?", "dc", "port?", "no
/// dns", "host side?", "still 0x...", "thx"); 221 items, 44 off-topic near-misses in the same
/// style (rdp port, sql key, office kms key, ntp on linux, ldap srv records, wsus, esxi, rhel).
/// Written blind to the engine. First run, before any tuning on it: 162/174 (93.1%), off-topic
/// declined 38/39 (held-out sets at that moment: third 212/225, fourth 226/240, fifth 239/254).
/// 47 items (5 off-topic) were added after tuning, from other wordings tried by hand
/// (t001-t042, x001-x005). After tuning on it: 221/221, with the held-out sets third 213/225,
/// fourth 226/240, fifth 239/254. The fixes were made general: shorthand words
/// (cnt, clnt, wu); a key typed without its dashes; two-digit LTSC years ("ltsc21"); "s2022";
/// single-label KMS host names with a number ("kms01", "kms-02:1700"); "mak cmd" as the MAK
/// commands; editions sharing one key answered with it; thread fragments read through the
/// thread ("no dns", "dns", "change it" after the renewal timing, "detailed" after a status
/// command, "how many left" and "reboot?" after a rearm, "reboot?" after an edition conversion
/// or the activation commands, "servers?" after 0xC004F038, "core", "outbound?" after the
/// port, "still" or "same error" after an error); another service's SRV record ("ntp srv rec")
/// declined; what is wrong in a typed `/skms` command (port after a space, "/skms:", no slash,
/// a URL); a thumbs-up alone as an acknowledgement; "host side?" after client commands or an
/// error as the checks on the KMS host; "srvs" as servers.
#[test]
fn thirty_first_dev_set() {
    let pct = check_set(
        "thirty-first dev set (tuned on)",
        include_str!("dev34.toml"),
        150,
        Kind::Tuning,
    );
    assert!(
        pct >= 80.0,
        "thirty-first dev set: accuracy {pct:.1}% < 80%"
    );
}

/// The thirtieth development set (dev33.toml): new cloud users in their first week who bring
/// their own Windows licence and have never activated anything themselves, in their own words
/// (the watermark, the licence thing, windows wants a key, the bottom right says, my image, the
/// cloud's KMS, do I pay Microsoft or you): keys, what they do and what the provider does,
/// internet access and firewall requests as tickets, KMS, MAK and GVLK in plain words,
/// evaluation images, how long before it stops, what happens without activation, checking it
/// worked, what the bot can do; about a third thread follow-ups; 183 items, 50 off-topic
/// near-misses from the same people (Linux images, RDP, the Administrator password, billing of
/// the VM, Office activation, Windows Update, disk space, Microsoft account sign-in). Written
/// blind to the engine. First run, before any tuning on it: 116/138 (84.1%), off-topic
/// declined 39/42 (held-out sets at that moment: third 212/225, fourth 226/240, fifth 239/254).
/// One expectation was wrong and was corrected after the first run: w030 (the Windows 11 Pro
/// key ends T83GX). 45 items (8 off-topic) were added after tuning, from other wordings tried by
/// hand (v001-v037, x001-x008). After tuning on it: 183/183, with the held-out sets unchanged
/// (third 212/225, fourth 226/240, fifth 239/254). The fixes were made general: what the
/// watermark means (a fact of its own, followed by the ways to activate); what activation
/// is, asked plainly; what cmd is, where commands are typed and how an
/// elevated prompt is opened, with the thread's key and host; how long until Windows stops
/// if never activated, or whether to worry about it (nothing stops, but an evaluation); converting an evaluation asked
/// or extending it plainly in its thread, and a trial running out; "it says licensed" after
/// checking (yes, and how long it lasts); a full edition's ID ("ServerStandard") as no
/// evaluation; "it said access denied" in an activation
/// thread as 0x80070005; what sysprep is; telling Windows where the KMS host is; an instance
/// named after the bot's offer to run an activation job; one edition activated with another's
/// key (server and client, or two server editions with different keys); who is paid for the
/// licence and whether the provider runs a KMS (BYOL); Windows asking for a key; the bot asked to open a firewall rule for activation
/// (it files the request; a rule for another service stays declined) or to run the commands (its approved jobs); a request after "ok";
/// "... key?" closing a message; the time zone, disk space and a Linux system compared with
/// Windows declined. Facts given only to their own questions are kept out of the search, so
/// the ranking of the other passages stays as it was.
#[test]
fn thirtieth_dev_set() {
    let pct = check_set(
        "thirtieth dev set (tuned on)",
        include_str!("dev33.toml"),
        105,
        Kind::Tuning,
    );
    assert!(pct >= 80.0, "thirtieth dev set: accuracy {pct:.1}% < 80%");
}

/// The thirty-second development set (dev35.toml): people pasting output, with or without a
/// question around it: `slmgr /dlv`, `/dli` and `/xpr` in many states (licensed with days left,
/// notification, initial and additional grace, MAK or retail where KMS was meant, evaluation
/// editions, non-genuine), error dialogs and `/ato` failures (whole, the sentence only, the code
/// only, another language's Windows with the code kept), `nslookup` of the `_vlmcs` SRV record
/// (found, missing, stale, two hosts, another port), `Test-NetConnection` on port 1688, `w32tm`
/// status and stripchart lines, Security-SPP 8198 and 12288/12289/12290/12293 events, DISM
/// current and target editions, a screenshot described in words, thread follow-ups where the
/// output comes after it was asked for; 126 items, 34 off-topic near-misses of other tools'
/// output (Office `ospp.vbs`, `ipconfig`, `sfc`, `chkdsk`, `gpresult`, `systemctl`, Windows
/// Update, Remote Desktop licensing, SQL Server, other products' licences). Written blind to
/// the engine. First run, before any tuning on it: 103/126 (81.7%), off-topic declined 31/34
/// (held-out sets at that moment: third 212/225, fourth 226/240, fifth 239/254). One
/// expectation was widened after the first run because it was wrong: p037 (Microsoft names no
/// specific fix for `0xC004E015`; reinstalling the licence files with `/rilc` is as right as a
/// new key). 17 items (2 off-topic) were added after tuning, from other wordings tried by hand
/// (t001-t015, x040-x041). After tuning on it: 141/143 (the first 126: 125/126), with the
/// held-out sets unchanged (third 212/225, fourth 226/240, fifth 239/254). The fixes were made
/// general: the edition of pasted output (its `Name:` line or DISM's edition ID, with the
/// build beside it or the release named) gives the key to install and the evaluation
/// conversion's command; `Product Key Channel:` read; a host or volume-expiry line marks a
/// licensed KMS client; another host named beside the output gives the move commands;
/// 0xC004F200 (not genuine) in the error table; `nslookup` output for `_vlmcs._tcp` read on
/// its own (no record, one host, a retired host's stale record, several hosts, another port),
/// the DNS server's address not taken for a KMS host; a `Partial Product Key:` line names the
/// published key it ends; a KMS client's output after a thread's `0xC004F074` tests the path
/// to the host it shows; Office `ospp.vbs` output, `ipconfig` output, DISM image repairs and
/// unknown codes outside the licensing range with nothing about activation declined; copies
/// that lost their line breaks split back into fields; an error whose fix asks for the
/// edition's key takes the key of the one edition the message names; `/dlv`'s activation and
/// renewal interval lines pasted alone are explained with their values; DISM listing Standard
/// among the target editions marks an evaluation to convert. Its floor is the first run less
/// a margin.
#[test]
fn thirty_second_dev_set() {
    let pct = check_set(
        "thirty-second dev set (tuned on)",
        include_str!("dev35.toml"),
        95,
        Kind::Tuning,
    );
    assert!(
        pct >= 75.0,
        "thirty-second dev set: accuracy {pct:.1}% < 75%"
    );
}

/// The thirty-fourth development set (dev37.toml): why and what-if questions, and time: people
/// who want the reason or the consequence rather than the command (why 25 clients and 5
/// servers, why the count does not go up, why a clone does not count, why 1688, why DNS, why
/// the clock matters, why the GVLK is public; the KMS host down for a week, a month or 181
/// days; rebuilding the host; adding VMs; a client on another network; a MAK on a KMS client;
/// two hosts publishing SRV records; changing the port), days left, renewal, day 181, grace
/// after a rearm, evaluation expiry and dates written in the question; curious junior admins,
/// skeptical managers, auditors and seasoned admins testing the bot; about a quarter thread
/// follow-ups ("and if it's down longer?", "why?", "so what do I do?"); 170 items, 39
/// off-topic near-misses (why RDP is slow, Windows Update failing, a Linux VM clock, slow DNS,
/// Office licence expiry). Written blind to the engine. First run, before any tuning on it:
/// 103/125 (82.4%), off-topic declined 32/34 (held-out sets at that moment: third 213/225,
/// fourth 226/240, fifth 239/254). 45 items (5 off-topic) were added after tuning, from other
/// wordings tried by hand (t001-t040, x035-x039). After tuning on it: 169/170, with the
/// held-out sets unchanged (third 213/225, fourth 226/240, fifth 239/254). The fixes were made
/// general: a KMS host away for a length of time, dead, past 180 days, a client that cannot
/// reach one or that moves to another network, or day 181
/// (a fact of its own: nothing at once, 180 days from the last renewal, notification after),
/// with its follow-ups ("longer?", "a month?", "when it comes back?"); a count that does not
/// go up as the cloned machines' shared CMID, and "why?" or "what do I do?" after it; a MAK
/// put on a KMS client (one activation used, permanent, no renewal); why the GVLKs are public
/// (not a licence; the host key is what is controlled); "why 180?", "why 25?", "why 1688?";
/// a KMS host rebuilt or replaced as moving the host (count from zero, old SRV record), with
/// its follow-ups; the time left after a rearm as the grace period; why activation needs DNS
/// (the SRV record); why xpr shows a date and not "permanent" (KMS renews, a MAK does not);
/// why the count resets or drops (the last 30 days); DNS publishing turned off (set the host
/// by hand); why clients still go to the old KMS host; whether N days left is normal; a KMS
/// host lost, burnt down or in an outage as the host away; a bare "why?" after the
/// thresholds, a second host, DNS, the clock or the validity as that fact again; "what stops
/// abuse?" after why the GVLKs are public; moving KMS off 1688 as a
/// port change, and what else must follow when the port changes; a count and an addition in
/// one message ("22 VMs, adding 3 more") added up; another server down or a guest clock
/// drifting, with nothing about activation, declined. Still failing: b067 (the Windows 11
/// Enterprise evaluation period), which has no source among the documents the facts cite.
#[test]
fn thirty_fourth_dev_set() {
    let pct = check_set(
        "thirty-fourth dev set (tuned on)",
        include_str!("dev37.toml"),
        120,
        Kind::Tuning,
    );
    assert!(
        pct >= 78.0,
        "thirty-fourth dev set: accuracy {pct:.1}% < 78%"
    );
}

/// The thirty-third development set (dev36.toml): a mixed bank as a product team would write
/// it, four personas in equal parts (a new cloud user, a terse sysadmin, a non-native English
/// speaker, someone pasting output) across every kind of question: greetings and thanks, the
/// client procedure, pointing at a KMS host, connectivity, time sync, keys (one edition, two,
/// "not LTSC"), KMS host setup, thresholds, timing, status, diagnosis, error codes (with and
/// without 0x, or pasted without a code), online and phone activation, internet and firewall
/// requests, MAK against KMS, the provider's policy; about a quarter thread follow-ups; 33
/// off-topic near-misses. Written blind to the engine. First run, before any tuning on it: 133/145
/// (91.7%), off-topic declined 32/33 (held-out sets at that moment: third 213/225, fourth
/// 226/240, fifth 239/254). No expectation was changed after the first run. 28 items (2
/// off-topic) were added after tuning, from other wordings tried by hand (t001-t026,
/// x034-x035). After tuning on it: 173/173, with the held-out sets unchanged (third 213/225,
/// fourth 226/240, fifth 239/254). The fixes were made general: a typed `/skms` command with a
/// mistake answered with the corrected command for the user's own host and port; "the port of
/// kms is 1700" read as the port; a firewall rule ordered in a few words, or who opens it,
/// answered with the ticket the bot files; what to write in the request, in a thread about
/// reaching the host; how to see whether the port is open, or "how do I test that?" after
/// pointing at a host, led by the probe; "it shows True now" after a failed probe answered with
/// the next commands; activation failing on a named instance answered with the checks and the
/// usual causes; what to send for a diagnosis; "need buy license myself?" as the BYOL policy;
/// Teams Phone, Rooms and calling declined; "which one should we use, MAK or KMS?" as a choice,
/// not how to tell which one an instance uses; "kms broke on app-02" as a failure; whether KMS
/// activates client editions and servers both, as one host for all; a host named as the NTP or
/// time server read as the time source, not the KMS host; whether Windows stops after the 180
/// days (or "after that" in a thread about the validity) as what happens when it lapses.
#[test]
fn thirty_third_dev_set() {
    let pct = check_set(
        "thirty-third dev set (tuned on)",
        include_str!("dev36.toml"),
        160,
        Kind::Tuning,
    );
    assert!(
        pct >= 85.0,
        "thirty-third dev set: accuracy {pct:.1}% < 85%"
    );
}

/// The thirty-fifth development set (dev38.toml): the scope boundary, tested from both sides.
/// Half the items are off-topic near-misses that share the vocabulary of Windows activation
/// (Office, Visio and Project activation and Office KMS keys, a home PC's retail or digital
/// licence, Linux subscriptions, RDS CALs and the RD licensing server, SQL Server keys,
/// BitLocker recovery keys, Windows Update error codes, Windows Hello PINs, cloud
/// licence-included billing, DNS, NTP and firewall questions with nothing about KMS, SSH, API
/// and registry keys, activating a conda env, a user account or MFA); the other half are
/// on-topic questions written with the same words (slmgr over SSH, the registry value that
/// holds the KMS host name, an update followed by 0xC004F074, the clock, the firewall rule for
/// 1688, the SRV record, licence included against bring your own). A new cloud user, a terse
/// sysadmin, a non-native speaker and someone pasting output; 35 thread follow-ups; 214 items,
/// 104 off-topic. Written blind to the engine. First run, before any tuning on it: 144/162
/// (88.9%), off-topic declined 73/81 (held-out sets at that moment: third 213/225, fourth
/// 226/240, fifth 239/254). No expectation was changed after the first run. 52 items (23
/// off-topic) were added after tuning, from other wordings tried by hand (t001-t029,
/// x001-x023). After tuning on it: 213/214, off-topic declined 104/104, with the held-out sets
/// third 214/225 (one more), fourth 226/240, fifth 239/254. The fixes were made general: a
/// retail, OEM or digital licence moved to a new PC or a key for a computer at home,
/// switching on multi-factor sign-in, another cloud's prices or licensing offer (not compared with this
/// cloud's), another DNS record (MX, TXT)
/// or another service's port by its number asked in a KMS thread, a Windows Update error
/// code, an SSH or API key or a registry setting of something else even beside the KMS host, another product's licence asked on a
/// Windows machine ("a licence for Veeam on our Windows server"), all declined; Linux
/// compared "like I do with Windows" declined; slmgr over SSH, WinRM or PowerShell remoting
/// answered with the cscript form of each command, also "how do I do that over SSH?" after
/// the commands; "reg value" read as the registry; the KMS host's own NTP source read as the clock; "switch
/// it back" after a time sync restores the time source; a server role called a host (RD
/// Session Host, Hyper-V host) asking for its KMS key gets its GVLK, not the host key, and an
/// RD server's own key is not Remote Desktop licensing; pasted w32tm status with an
/// unsynchronised clock leads with the time sync; the BYOL policy told to someone not
/// activated who asks what to do ends with the commands; "activate again after the KMS host
/// changed" points the client at the new host; pasted /dli or /dlv output with "which key?"
/// or "switch this to our KMS" gets the GVLK of the edition shown. Still failing: k081, whose
/// release is written in brackets on the pasted Name line (an edition line slmgr never
/// prints), so the edition is not read and the answer asks for it.
#[test]
fn thirty_fifth_dev_set() {
    let pct = check_set(
        "thirty-fifth dev set (tuned on)",
        include_str!("dev38.toml"),
        150,
        Kind::Tuning,
    );
    assert!(
        pct >= 85.0,
        "thirty-fifth dev set: accuracy {pct:.1}% < 85%"
    );
}

/// The thirty-sixth development set (dev39.toml): error codes, log entries and slmgr options
/// asked every way: the documented activation error codes with and without 0x, in lower case,
/// with spaces, pasted inside a dialog or an slmgr message, or only the message text; the
/// Software Protection entries in Event Viewer (8198, 12288, 12289, 12290, where the logs are);
/// every slmgr option by name, by description, in cscript form and with typos; help desk
/// agents, people reading Event Viewer, terse sysadmins, non-native speakers; about a quarter
/// thread follow-ups; 35 off-topic near-misses (Windows Update codes, stop codes, event 4625 and
/// other event ids, IIS 503, Microsoft 365 errors, SQL errors). Written blind to the engine.
/// First run, before any tuning on it: 148/169 (87.6%), off-topic declined 34/35 (held-out sets
/// at that moment: third 213/225, fourth 226/240, fifth 239/254). One expectation was wrong
/// and was changed after the first run: s038 ("command?" after what `/ckhc` does) named
/// `/skhc`; it asks for `/ckhc`. 83 items (9 off-topic) were added after tuning, from other
/// wordings tried by hand (t001-t074, x036-x044). After tuning on it: 252/252, with the
/// held-out sets unchanged (third 213/225, fourth 226/240, fifth 239/254). The fixes were made
/// general: error codes typed in halves ("0x c004 f074", "c004 f06c"); 0xC004F059 added
/// (licence in the BIOS invalid, from Microsoft's article on OEM computers); more error texts
/// without their code; a message that is only "DNS name does not exist" read as 0x8007232B,
/// another tool's failed look-up of a name that is no KMS host declined; follow-ups on the
/// thread's error ("command?", "how do I fix that?", "where do I see more detail?", "what do I
/// check in DNS?"), on the thread's slmgr option (its counterpart for "the opposite", "turn it
/// back on", "and to set it?"; the option again for "command?"; /dlv for "the full status?")
/// and on the event logs ("and on the client?"); a 12289 with result 0x0 said to be a
/// success; 8198 and "the Key Management Service log" as the event logs; an slmgr command line
/// followed by "what does it show?"; "install a GVLK, command?" as /ipk; options typed with a
/// letter doubled, added or left out; other services' Windows events declined; /rilc, /ilc,
/// /ato and /ckms described without their names; the meaning, cause or check of the thread's
/// error asked in a few words; "the Key Management Service (KMS) is unavailable" as
/// 0xC004F074; codes typed with a digit missing, doubled or wrong, or O for 0, read as the one
/// code of the table they are a step from; the Software Protection service stopping, failing
/// or crashing as that service.
#[test]
fn thirty_sixth_dev_set() {
    let pct = check_set(
        "thirty-sixth dev set (tuned on)",
        include_str!("dev39.toml"),
        220,
        Kind::Tuning,
    );
    assert!(
        pct >= 85.0,
        "thirty-sixth dev set: accuracy {pct:.1}% < 85%"
    );
}

/// The thirty-seventh development set (dev40.toml): wrong beliefs and yes/no questions: people
/// who state something false or half-true and ask for confirmation, where the right answer
/// corrects them with the fact and the command (the KMS host key put on the clients; a GVLK
/// taken for piracy, for something bought, or for an activation without a host; KMS
/// activation forever; 25 servers or 5 clients as the threshold; a MAK without limit; /rearm
/// forever; 1688 inbound on the client; KMS or its clients needing the internet; the KMS host
/// as a domain controller; a Windows Server 2016 host activating Windows Server 2025; an
/// evaluation edition taking a GVLK; a clone as a new machine; a Datacenter key on Standard;
/// phone activation needing the internet; time zones), and plain yes/no questions that are
/// true; a new cloud user, a terse sysadmin, a non-native speaker, a manager; about a fifth
/// thread follow-ups ("really?", "are you sure?", "so what do I do instead?"); 147 items, 36
/// off-topic yes/no near-misses (RDP, Windows Update, BitLocker, antivirus on a server).
/// Written blind to the engine. First run, before any tuning on it: 123/147 (83.7%), off-topic
/// declined 35/36 (held-out sets at that moment: third 214/225, fourth 226/240, fifth
/// 239/254). No expectation was changed after the first run. 10 items were added after
/// tuning, from other wordings tried by hand (t001-t010). After tuning on it: 151/157, with
/// the held-out sets unchanged (third 214/225, fourth 226/240, fifth 239/254). The fixes were
/// made general: a threshold stated wrongly as a requirement ("we need 25 servers", "minimum
/// 50 Windows 11 PCs", "I need 25, yes?") answered with a no and the kind's own threshold,
/// whatever the message seemed to ask; a wrong belief asked for confirmation answered with a
/// clear no and its fact: /rearm repeated for ever (limited; only asked, not a request to do
/// it), a MAK without limit, the KMS host as a domain controller, clones counted as new
/// machines, KMS clients reaching Microsoft, telephone activation needing the internet; the
/// client's steps named in the right order for confirmation ("GVLK, then /skms, then /ato,
/// correct?", "/ato after /skms?") answered with a yes first (a wrong order gets none).
/// Still failing: w061 (a host activating older versions, answered with the host key's
/// placement), w089 and w092 (a true port or option statement answered without a yes), w093
/// (the answer says "publishes", not "public"), w112 ("are you sure?" after the MAK limit,
/// answered as online activation), n036 (a reboot asked after a declined question, answered
/// as activation's reboot).
#[test]
fn thirty_seventh_dev_set() {
    let pct = check_set(
        "thirty-seventh dev set (tuned on)",
        include_str!("dev40.toml"),
        140,
        Kind::Tuning,
    );
    assert!(
        pct >= 78.0,
        "thirty-seventh dev set: accuracy {pct:.1}% < 78%"
    );
}

/// The thirty-eighth development set (dev41.toml): Windows client editions and mixed fleets in
/// the cloud: the GVLKs of Windows 10/11 Pro, Pro N, Pro for Workstations, Pro Education,
/// Education, Enterprise, Enterprise N, Enterprise G, LTSC 2019/2021/2024, IoT Enterprise
/// LTSC, LTSB, Windows 8.1 and Windows 7; which KMS host key (CSVLK) activates which clients
/// (a Server 2019 host and Windows 11, a Server 2022 host and LTSC 2024); mixed counts against
/// the thresholds (3 servers and 22 desktops, 30 Windows 11 VMs, 4 servers only); Home (no
/// GVLK, no KMS); Pro to Enterprise by changing the key; N editions; multi-session; VDI pools
/// rebuilt nightly; VDI admins, university lab admins, a developer with one Windows 11 VM and
/// non-native speakers; about a fifth thread follow-ups ("and the N one?", "and for LTSC?",
/// "how many do I need then?"); 138 items, 32 off-topic near-misses (Windows 11 hardware and
/// TPM, Home to Pro in the Microsoft Store, Microsoft 365 apps licensing, Intune enrolment,
/// Windows 10 ESU). Written blind to the engine. First run, before any tuning on it: 117/138
/// (84.8%), off-topic declined 28/32 (held-out sets at that moment: third 214/225, fourth
/// 226/240, fifth 239/254). 19 items (3 off-topic) were added after tuning, from other wordings
/// tried by hand (t001-t016, x001-x003). After tuning on it: 155/157, with the held-out sets
/// unchanged (third 214/225, fourth 226/240, fifth 239/254). The fixes were made general: a
/// Windows Server host key group asked whether it activates a Windows client version
/// (Windows 11, LTSC 2024, Windows 10 and its LTSC, 8.1, 7) or whether it can be installed on
/// a Windows Server version, answered yes or no from Microsoft's table of host key groups (the
/// group of the host's own version when only the host is named); that table's client columns
/// in the host key fact (a 2019 key does not activate Windows 11, a 2022 key not Windows 11
/// LTSC 2024); Pro to Enterprise or Education asked with words between ("my Pro VM to
/// Enterprise", "Windows 10 Pro. Can I turn them into Education"); a key asked for a client
/// edition whose machines then use a KMS host, as that edition's GVLK rather than the host
/// key; a lone "G" in a thread ("and G N?") as the G edition; TPM, Secure Boot, PC Health
/// Check, Intune, Autopilot, enrolment and what the Store charges, with nothing about
/// activation, declined; desktops rebuilt every night or non-persistent, asked about their
/// master image (the image preparation: sysprep) or about the count (nothing used up, the
/// 30-day window and the 50 remembered, a fact of its own); which side the GVLK goes on (the
/// clients; the host gets the host key). Still failing: w104 (multi-session in Azure Virtual Desktop asked without "key") and
/// w105 (Windows 11 SE, which has no row in Microsoft's table).
#[test]
fn thirty_eighth_dev_set() {
    let pct = check_set(
        "thirty-eighth dev set (tuned on)",
        include_str!("dev41.toml"),
        130,
        Kind::Tuning,
    );
    assert!(
        pct >= 80.0,
        "thirty-eighth dev set: accuracy {pct:.1}% < 80%"
    );
}

/// The thirty-ninth development set (dev42.toml): a mixed bank in four personas in equal parts
/// (a new cloud user, a terse sysadmin, a non-native English speaker, someone pasting output
/// with or without a question), with the tenant's own KMS hosts, ports, editions, counts and
/// error codes; about a fifth thread follow-ups; 150 items, 30 off-topic near-misses (the RDP
/// port, Remote Desktop CALs and licence servers, Ubuntu and RHEL, SQL Server evaluation, SSL
/// certificates, Windows Update errors, NTP on Linux, Office 365 and Teams sign-in). Written
/// blind to the engine. First run, before any tuning on it: 133/150 (88.7%), off-topic
/// declined 30/30 (held-out sets at that moment: third 214/225, fourth 226/240, fifth 239/254).
/// Training the classifier also on the tuning sets' questions, labelled with their answers'
/// intents, was tried before any tuning on this set and gave 132/150 (reverted). 19 items were
/// added after tuning, from other wordings tried by hand (t001-t019); two expectations were
/// widened because they were too narrow for right answers (c038 "One host is enough", p016
/// "never goes above 50"). After tuning on it: 164/169, with the held-out sets unchanged
/// (third 214/225, fourth 226/240, fifth 239/254). The fixes were made general: a host's port
/// change written noun first ("port change kms host 1700"); the renewal interval asked with
/// "time" and no clock word; the DNS domain clients search for SRV records (/skms-domain) when
/// the classifier knows none of the words; "I don't understand X, what it is?" as "What is
/// X?"; in a thread, "where I can take it?" after the host key, "check it" after the SRV record,
/// "also from registry?" after /upk, "and if not activated?" after the renewal interval, a bare
/// "clients?" after a host change (with the new port kept); "activated successfully, anything
/// else?" in a KMS client thread; the edition an edition ID names beside pasted output. Still
/// failing: s029 (the directory requirements of ADBA, which no fact holds), p021 and p022 (an
/// address written on the same line as a pasted error is read as part of the output), p024 (the
/// key of the LTSC release asked after pasted output, whose edition the thread does not keep),
/// p027 (0xC004E003: the error table cites no cause, and the expectation names one).
#[test]
fn thirty_ninth_dev_set() {
    let pct = check_set(
        "thirty-ninth dev set (tuned on)",
        include_str!("dev42.toml"),
        140,
        Kind::Tuning,
    );
    assert!(
        pct >= 82.0,
        "thirty-ninth dev set: accuracy {pct:.1}% < 82%"
    );
}

/// Fortieth development set (dev43.toml): threads that go wrong after the first answer, in
/// four personas (new cloud users, terse admins, non-native speakers, people pasting output):
/// "what does that mean", "how do I fix it", "and if that doesn't work", "why" and "my side or
/// yours" after an error code; a bare edition or host after a port answer; "and datacenter?",
/// "the second one" and "same for 2022?" after a two-edition key answer; the edition, key and
/// next step after pasted slmgr /dli or /dlv output; the user's host and port kept in later
/// commands; on-topic and off-topic turns after a decline or small talk; a new topic in the
/// middle of a thread. Written without seeing the engine; 152 items, 9 off-topic. First run
/// (before any tuning on it, committed after the first fix so every commit stays green):
/// 121/152 (79.6%), with the held-out sets at third 214/225, fourth 226/240, fifth 239/254.
/// 23 items were added after tuning, from other wordings tried by hand (t001-t023; t005,
/// "2019 std" after the thresholds, accepts the thresholds for that version as well as its
/// key, since both readings are fair). After tuning: 174/175, held-out unchanged (third
/// 214/225, fourth 226/240, fifth 239/254). The fixes were made general: a bare edition or
/// host after the network path, the thresholds or the timings moves to that key or host; the
/// thread keeps the editions of an answer that listed several keys ("the second one", "the
/// latter", "same for 2022?", "what about 2025?"); a new-topic lead-in ("ok different
/// question:", "unrelated -", "switching topics,") drops the thread's topic; pasted output
/// leaves its edition, host and port in the thread, and "what edition is that?" names it;
/// "my side or yours?" after an error explains where the code comes from; a port written
/// right after the host ("kms01.corp.local 1700"); the client's commands asked after the
/// network path; a confident off-topic message starting with "and" declined; "how are you
/// today?" as small talk. Still failing: m002 ("how do I fix it" after a message naming two
/// error codes: the thread keeps no single error, so a diagnosis starts).
#[test]
fn fortieth_dev_set() {
    let pct = check_set(
        "fortieth dev set (tuned on)",
        include_str!("dev43.toml"),
        140,
        Kind::Tuning,
    );
    assert!(pct >= 95.0, "fortieth dev set: accuracy {pct:.1}% < 95%");
}

/// Forty-second development set (dev45.toml): the check, diagnose and fix path, from four
/// people who never saw the bot: an on-call engineer in a hurry at night, a helpdesk person
/// relaying a customer's words, an auditor or manager asking what a status, event or number
/// means, and a scripter wanting exact commands and output to parse; pasted slmgr /dli, /dlv
/// and /xpr output, events 12288, 12289 and 8198, nslookup of the SRV record with and without
/// an answer, Test-NetConnection False and True, w32tm /query /status; error codes written
/// several ways (0XC004F06C, c004f074, 0x8007232b, "error 232b", a signed decimal HRESULT);
/// 151 items, 36 thread follow-ups, 34 off-topic near-misses (Office, Linux, SQL Server
/// licensing, Windows Update, RDP licensing, other clouds). Written without seeing the engine.
/// First run, before any tuning on it: 131/151 (86.8%), off-topic declined 32/34 (held-out
/// sets at that moment: third 214/225, fourth 226/240, fifth 239/254). No expectation was
/// changed after the first run. 28 items were added after tuning, from other wordings tried
/// by hand (t001-t024, with the thread heads t006a, t011a, t013a, t021a). After tuning: 179/179,
/// held-out unchanged (third 214/225, fourth 226/240, fifth 239/254). The fixes were made
/// general: an expiry read off a report and judged ("expiration: 175 days, should I worry?")
/// as the validity; "activated" the same (thing) as "licensed"; which clients hit or reached
/// a host as its event log; what the status Notification means, or how it differs from
/// Licensed, as the grace fact; a command that hangs or times out as a failure; "ok ..., now
/// what" in a thread as a request for the next step, and a firewall rule reported added after
/// the network path as the client's commands; causes ruled out ("clock is fine and sppsvc is
/// running, what next?") as the thread's error; the partial key, the minutes left and what to
/// do when LicenseStatus is not 1 in the PowerShell fact, and a short PowerShell follow-up
/// after a status answer; the KMS host set through WMI (a new fact); pasted Licensed output
/// naming its KMS client channel line and, in a watermark thread, that the watermark lags;
/// "what do I tell them?" about a watermark as its meaning; another cloud's portal, console,
/// support or image licence label declined; pasted activation events with a question about
/// querying them (wevtutil, Get-WinEvent, "export those entries") as the event log's query,
/// after the pasted code's name; what a line of /dli or /dlv named by its label means ("KMS
/// machine IP address: not available") as a new fact on those lines.
#[test]
fn forty_second_dev_set() {
    let pct = check_set(
        "forty-second dev set (tuned on)",
        include_str!("dev45.toml"),
        165,
        Kind::Tuning,
    );
    assert!(
        pct >= 97.0,
        "forty-second dev set: accuracy {pct:.1}% < 97%"
    );
}

/// Forty-first development set (dev44.toml): every intent the bot handles, in four personas in
/// equal parts (a new cloud user describing symptoms, a terse sysadmin, a non-native English
/// speaker, someone pasting slmgr, dialog, event log, nslookup or Test-NetConnection output):
/// greetings, help and thanks, the client procedure, the tenant's own host, port and edition
/// (configured or written) carried into the commands, two editions in one question, "not
/// LTSC", counts below the thresholds, timing, status, diagnosis, error codes with and without
/// 0x, online and phone activation, internet and firewall requests, MAK against KMS, the
/// provider's policy; 30 thread follow-ups and 40 off-topic near-misses (Office, Linux, RDP,
/// Windows Update, pricing, other clouds). Written without seeing the engine. First run, before
/// any tuning on it: 146/160 (91.2%), off-topic declined 37/40, with the held-out sets at third
/// 214/225, fourth 226/240, fifth 239/254. 29 items were added after tuning, from other
/// wordings tried by hand (t001-t029). After tuning: 189/189, held-out unchanged. The fixes
/// were made general: "is it activated now?" is a status question, not a request to activate
/// now; a home PC named only to compare ("like my home pc") leaves the question about the
/// instance; activation asked about in another cloud (on Azure, AWS, Google Cloud, OCI) is
/// declined unless the message ties it to this one (a move from there, a KMS host there to
/// reach, a comparison with here); Linux's clock tools (chronyc, timedatectl, ntpd) are
/// Linux; "the hour of my server", "make same hour" read as the clock's time; "your company
/// has a KMS?" is the provider's policy, and "activate with your KMS" with a host configured gives the procedure
/// naming it; "got the confirmation ID, now what?" stays on the telephone steps; an instance
/// that cannot get to the internet is the internet-access question; "clear the KMS host
/// setting" is `/ckms`; the online and network answers say that support opens internet access
/// and the static firewall rule on request (and that the bot files the ticket); "how many
/// servers? we have only four" counts four servers; "how much time does activation need" is a
/// duration, not the clock; a licence status asked by its word ("what is notification mode")
/// is read as that status; "force activation now" gives `/ato`; "please explain me what is
/// KMS" is the definition; "a free KMS I can use on the internet" is declined; `slmgr /ato`'s
/// "Product activated successfully" pasted reads as activated; "2012r2 host activating 2022
/// clients" is the host's updates; "dns srv autopublish off" is `/cdns`; "is it bad if I
/// don't activate?" is what happens once activation lapses; "my boss says we need MAK, what's
/// that?" is the definition; "do I have to pay you for activation?" is the provider's policy.
/// No expectation of the blind 160 was changed. Still failing: none.
#[test]
fn forty_first_dev_set() {
    let pct = check_set(
        "forty-first dev set (tuned on)",
        include_str!("dev44.toml"),
        170,
        Kind::Tuning,
    );
    assert!(pct >= 97.0, "forty-first dev set: accuracy {pct:.1}% < 97%");
}

/// Forty-third development set (dev46.toml): seven classes of questions that earlier rounds
/// found failing by hand, each in fresh wordings from four people (a new cloud user, a terse
/// admin, a non-native English speaker, someone pasting output or dialogs): an expired
/// evaluation edition (the hourly shutdown, event 1074 from wlms), days left read off /xpr,
/// /dli or a report and judged (a few days against about 180), how long a firewall or internet
/// ticket takes and how to follow it, a KMS host behind NAT or a load balancer, what a product
/// key is, access denied on an slmgr command, whether the GVLKs are the same everywhere; 10
/// thread follow-ups and 12 off-topic near-misses of these classes (Office, SQL Server
/// evaluation, certificates, domains, SSH keys, Docker, a file share). Written without seeing
/// the engine. First run, before any tuning on it: 38/62 (61.3%), off-topic declined 12/12
/// (held-out sets at that moment: third 214/225, fourth 226/240, fifth 239/254). No
/// expectation of the blind 62 was changed. 40 items were added after tuning, from other
/// wordings tried by hand (t001-t032, and 8 off-topic near-misses x001-x008). After tuning:
/// 102/102, held-out unchanged. The fixes were made general, each class with one fact: an
/// hourly shutdown with a licence word (or the licensing monitor's event) is the evaluation's
/// end, and a key asked next in that thread its conversion; days left read off a report and
/// judged get the validity with a note (150 or more normal, fewer not renewed); how long a
/// firewall or internet ticket takes, or where it stands, is a new fact on the ticket's
/// states and the `tickets` / `ticket ID` commands; a KMS host behind NAT, a port forward or a
/// load balancer is a new fact on the path (and a NAT router beside KMS is no network device to
/// decline); what a product key is, a new fact; "access" or "permission denied" on an
/// activation command is 0x80070005; a GVLK asked the same on another cloud, per customer or
/// "only valid here" is the published-key fact, with the named edition's key. Still failing:
/// none.
#[test]
fn forty_third_dev_set() {
    let pct = check_set(
        "forty-third dev set (tuned on)",
        include_str!("dev46.toml"),
        100,
        Kind::Tuning,
    );
    assert!(pct >= 97.0, "forty-third dev set: accuracy {pct:.1}% < 97%");
}

/// Forty-fourth development set (dev47.toml): messages as they really arrive in a busy Slack
/// or Discord channel rather than tidy one-line questions, across every intent: long messages
/// with context (the instance, a ticket) before or after the question, greetings and apologies
/// around it, chat formatting (backticks, code blocks with pasted slmgr output, mentions,
/// links, bullet lists, emoji shortcodes), typos, text-speak, all lower case or all capitals,
/// two asks in one message, non-native English; 40 off-topic near-misses in the same shapes
/// (other products' licensing, Linux, general Windows administration, cracks and KMS
/// emulators) and 25 thread follow-ups, some with a configured KMS host. Written without seeing
/// the engine. First run, before any tuning on it: 207/220 (94.1%), off-topic declined 38/40
/// (held-out sets at that moment: third 214/225, fourth 226/240, fifth 239/254). No
/// expectation of the blind 220 was changed. 127 items were added after tuning, from other
/// wordings tried by hand in four batches (t001-t127, 21 of them off-topic), which passed
/// 41/45, 34/36, 29/30 and 14/16 before the fixes each batch led to. After tuning: 346/347; held-out
/// third 214/225 and fourth 226/240 unchanged, fifth 240/254. The fixes were made general: a
/// remark beside the one question of a message (a bullet "vm can ping it", "on AWS it was
/// just activated") that turned the answer away from what both the question and the whole
/// message ask is left out, unless it tells a value; a question passed on with a colon ("our
/// security team asks: ...") is that question; chat fillers after "ok" ("ok cool, pls open it
/// then") leave a request, which in a thread about internet access is that request; "2" before
/// a verb is "to"; a port in backticks is a port; an instance's name ("web-14") is no Web
/// edition, and "the Azure marketplace" no Azure Edition; "ticket OPS-77" as the user's own
/// reference is not a question about a support ticket; two asks keep every step of a
/// procedure; a message naming the rule it needs is that request before the ticket's wait;
/// other products are matched by their name as written ("JetBrains"), and "something like KMS
/// for RHEL" is Linux; "URGENT" beside "how do I activate it" is the steps; "times out"
/// beside a MAK is no count of its uses; "do you guys host a KMS" is the provider's KMS; "we
/// can't just buy more servers" is no price question; "other vms activated" is no remote use
/// of slmgr; "and the containers, they count too?" in a thread is the containers fact; a
/// Windows edition with a Windows activation code is Windows even on "the veeam proxy vm".
/// t121 ("what's the default kms port, and can we change it to 8443?") failed at the merge
/// (1688 inside the client's commands, no `/sprt`); a question for the default port is now the
/// port fact, which names `/sprt`. Review items r001-r005, found by hand after the merge and
/// failing before their fixes: the default port, "what's the IP of your KMS?" (the provider's
/// policy, not "I don't know"), and "install docker on it" after a port question (not the
/// containers fact); r006-r007: "sorry to bother" is politeness, not a correction that keeps
/// the thread's topic (after the policy answer, a procedure with its own host and edition).
#[test]
fn forty_fourth_dev_set() {
    let pct = check_set(
        "forty-fourth dev set (tuned on)",
        include_str!("dev47.toml"),
        330,
        Kind::Tuning,
    );
    assert!(
        pct >= 97.0,
        "forty-fourth dev set: accuracy {pct:.1}% < 97%"
    );
}

/// Forty-fifth development set (dev48.toml): whole conversations, 45 threads of 3 to 5 turns
/// (152 items), every turn following the one before it: troubleshooting flows (symptom, pasted
/// /dli or error, "did that, now what?", result), key lookups that change edition or version
/// mid-thread ("and for 2019?", "sorry I meant Standard", "the second one", "not LTSC"), a KMS
/// host given and then its port or address changed, thresholds with machines added, firewall
/// and internet-access requests whose details arrive over several turns and are then filed,
/// phone and online activation with "what's next", topic switches inside a thread
/// ("unrelated: ..."), small talk mid-thread, an off-topic turn mid-thread (declined) followed by
/// an on-topic turn, and conversations with a configured KMS host; written without seeing the
/// engine. First run: 132/152 (86.8%). Tuned to 152/152 with rules on how a thread carries:
/// a firewall or internet-access request gathers its details over turns ("from 10.0.4.0/24",
/// "to our host 10.9.9.9", "only 443 outbound", "it's web-01") and "ok file it" / "go" gives the
/// request with them, while a KMS host named alone after the network path still points the
/// clients at it; a port told alone ("to 1700" after `/sprt`, "the kms is on 1700 actually"
/// after a diagnosis that named the host) becomes the thread's port; "ok" and "thanks" leave the
/// thread's topic for the next turn; a bare "how?" is "how do I do that?"; "not LTSC", "the
/// normal Enterprise", "the regular one" leave the LTSC channel; "ok, give me the commands" and
/// "show me how to test it" are the request after the ack; "I need a firewall rule for kms" is
/// the network path and "my VM can't reach the KMS server, do I need a firewall rule?" no
/// outage; "how do I activate my Windows Server 2022 Datacenter?" is that edition's procedure;
/// "does phone activation work for a GVLK?" is the GVLK-only-KMS fact; a short follow-up ending
/// in "please"/"pls" is the follow-up ("the N one please"; "done it worked thanks" stays a
/// report); a bare count after `0xC004F038` is counted against the thresholds. Review items
/// y153-y174, from sequences tried by hand after tuning: y154, y156, y158 and y170 failed before
/// their fixes; the rest check that a thread rule does not capture the turns after it (a key
/// lookup, an off-topic question after "thanks", a report with its thanks). y175-y176, found
/// after the merge: a question naming KMS after internet access is a new topic (it failed).
#[test]
fn forty_fifth_dev_set() {
    let pct = check_set(
        "forty-fifth dev set (tuned on)",
        include_str!("dev48.toml"),
        165,
        Kind::Tuning,
    );
    assert!(pct >= 97.0, "forty-fifth dev set: accuracy {pct:.1}% < 97%");
}
