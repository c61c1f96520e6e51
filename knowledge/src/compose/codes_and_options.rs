//! Thread follow-ups about the error code, the slmgr option or the activation event log the last answer was about ("command?", "and the opposite?", "and on the client?", "where do I see more detail?"), an slmgr command line followed by "what does it show?", a key install asked as a command, and Windows events of other services declined.

use std::sync::LazyLock;

use super::{fact_answer, finish, personalize, target, thread_fact, with_intent, Target};
use crate::answer::{abstain, slmgr_options_in, slmgr_text};
use crate::facts::SlmgrOption;
use crate::nlu::{Intent, Understanding};
use crate::text::{rx_folded, Folded};
use crate::{Answer, AnswerSettings, Context, KnowledgeBase, Source, ERROR_TABLE, SLMGR_TABLE};

/// Compiles this file's patterns (with the parent module's `warm_up`).
pub(super) fn warm_up() {
    let patterns: &[&dyn crate::text::WarmUp] = &[
        &EVENTS_QUERIED,
        &COMMAND_ASKED,
        &FIX_ASKED,
        &OPPOSITE,
        &TURN_ON,
        &TURN_OFF,
        &HOW_MANY_TIMES,
        &FULL_STATUS,
        &DETAIL_WHERE,
        &DNS_CHECK,
        &OTHER_SIDE,
        &WHAT_IT_SHOWS,
        &KEY_INSTALL,
        &EVENT_ID,
        &ACTIVATION_WORDS,
        &REPLY_SUCCEEDED,
        &DNS_TEXT,
        &CLEAR_SET_HOST,
        &MEANING_ASKED,
        &CAUSE_ASKED,
        &CODE_LIKE,
    ];
    for pattern in patterns {
        pattern.warm_up();
    }
}

/// The command asked for in a few words ("command?", "syntax pls", "how do I run it?").
static COMMAND_ASKED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\W*(and\s+|so\s+|ok\s+|okay\s+)?(the\s+|what'?s\s+the\s+|which\s+|what\s+is\s+the\s+)?(exact\s+|full\s+)?(commands?|cmds?|syntax|usage|command\s+line)\W*(please|pls|plz|then|for\s+(it|that|this)|to\s+run)?\W*$|^\W*(and\s+|so\s+)?how\s+(do\s+i|do\s+you|to|i|can\s+i)\s+(run|type|use|do)\s+(it|that|this)\W*$|^\W*(and\s+|so\s+)?what\s+(do|should|must)\s+i\s+(run|type)\W*$",
    )
});
/// The fix of the thread's error asked in a few words ("how do I fix that?", "so what do I do?").
static FIX_ASKED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\W*(and\s+|so\s+|ok\s+|okay\s+)?(how\s+(do\s+i|do\s+we|can\s+i|to|i)\s+(fix|solve|resolve|repair)\s+(it|that|this)|what\s+(do|should|must|can)\s+(i|we)\s+do(\s+now|\s+then|\s+about\s+(it|that|this))?|(the\s+)?(fix|solution|resolution)|what\s+now|how\s+(do\s+i|to|can\s+i|i)\s+(check|test|verify)(\s+(it|that|this))?)\W*$",
    )
});
/// The option that undoes the last one ("and the opposite?", "undo that", "how do I revert it").
static OPPOSITE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(opposite|reverse|undo|revert|counterpart|inverse|other\s+way\s+(round|around))\b",
    )
});
/// Turning the thread's setting back on, or setting it ("turn it back on", "and to set it?").
static TURN_ON: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(turn|switch|put|set)\s+(it|that|this)\s+(back\s+)?on\b|\bback\s+on\b|\b(re-?enable|enable|resume)\s+(it|that|this)\b|^\W*(and\s+)?(how\s+(do\s+i|to)\s+|to\s+)(set|enable)\s+(it|one|that)(\s+again)?\W*$",
    )
});
/// Turning the thread's setting off, or clearing it ("turn it off", "and to clear it?").
static TURN_OFF: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(turn|switch)\s+(it|that|this)\s+(back\s+)?off\b|\b(disable|stop|clear|remove|unset|uninstall)\s+(it|that|this)\b|^\W*(and\s+)?(how\s+(do\s+i|to)\s+|to\s+)(clear|remove|unset|disable)\s+(it|one|that)(\s+again)?\W*$",
    )
});
/// How often an option may be used ("how many times can I do that?").
static HOW_MANY_TIMES: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bhow\s+(many\s+times|often)\b|\b(limit|maximum|max)\b|\bunlimited\b|\bas\s+(many|often)\s+as\b",
    )
});
/// The full licence status asked after a shorter status option ("and the full status?").
static FULL_STATUS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(full|detailed|verbose|complete|all|more|everything|whole)\b.{0,20}\b(status|details?|info\w*|output|licen[cs]e\s+info\w*)\b|\bmore\s+detail\w*\b|\b(in\s+)?(more\s+)?detail\b",
    )
});
/// Where to read more about a failure ("where do I see more detail?", "any logs for that?").
static DETAIL_WHERE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(where|how)\b.{0,30}\b(see|find|get|read|check|look)\b.{0,30}\b(more|details?|info\w*|reason|logs?|events?|cause)\b|\b(any|which|what)\s+(logs?|events?)\b|\bmore\s+(details?|info\w*)\b",
    )
});
/// DNS asked about in a thread about a DNS error ("what do I check in DNS?").
static DNS_CHECK: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\b(dns|records?|srv|zone|nslookup)\b"));
/// The other machine asked about after the event logs ("and on the client?", "what about the
/// host?").
static OTHER_SIDE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\W*(and|what\s+about|how\s+about|same\s+for|ok\s+and)?\s*(on|for|in)?\s*(the\s+)?(kms\s+)?(client|clients|host|server|host\s+side|client\s+side)s?\W*$",
    )
});
/// What an slmgr command line typed before it does ("... /xpr - what does it show?").
static WHAT_IT_SHOWS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\W*(what|wat)\s+(does|do|will|would)\s+(it|this|that)\s+(show|do|mean|print|display|tell(\s+me)?|output|give(\s+me)?)\W*$|^\W*(what\s+is|what'?s)\s+(it|this|that)(\s+for)?\W*$|^\W*(meaning|explain|explanation)\W*$",
    )
});
/// A key install asked for as a command, with no edition ("install a gvlk, command?").
static KEY_INSTALL: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(install\w*|put\s+in|enter\w*|typ\w*|chang\w*|set\w*|replac\w*)\s+(a|the|my|our|an|new)?\s*(gvlk|kms\s+client\s+(setup\s+)?key|client\s+setup\s+key|product\s+key|mak(\s+key)?|retail\s+key)\b.{0,30}\b(command|cmd|syntax|how)\b|\b(command|cmd|syntax)\b.{0,30}\b(install\w*|put\s+in|enter\w*|chang\w*)\s+(a|the|my|our|an|new)?\s*(gvlk|kms\s+client\s+(setup\s+)?key|client\s+setup\s+key|product\s+key|mak(\s+key)?|retail\s+key)\b",
    )
});
/// A Windows event by its number ("event 36", "event id 4625", "eventid 7031").
static EVENT_ID: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\bevent\s*(id|#)?\s*:?\s*[0-9]{1,5}\b"));
/// Words that tie a message to activation.
static ACTIVATION_WORDS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(kms|activat\w*|licen[cs]\w*|slmgr|slui|gvlks?|mak|csvlk|spp|sppsvc|security-spp|software\s+protection|genuine|product\s+key|1688|vlmcs|0xc004\w*)\b",
    )
});

/// The KMS host's reply logged with result 0x0 ("12289 with 0x0, is that ok?").
static REPLY_SUCCEEDED: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\b12289\b.{0,60}\b0x0{1,8}\b|\b0x0{1,8}\b.{0,60}\b12289\b"));

/// The text of a failed DNS look-up, which activation prints too (0x8007232B).
static DNS_TEXT: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\bdns\s+name\s+(does\s+not|doesn'?t)\s+exists?\b"));

/// Clearing a KMS host the user set by hand ("remove the kms server we hardcoded", "which
/// option clears the kms name I typed?"): `/ckms`.
static CLEAR_SET_HOST: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(clear|remove|delete|unset|undo|forget|reset)\w*\b.{0,40}\bkms\b.{0,40}\b((i|we)\s+(set|typed|entered|configured|put|specified|hard-?coded|gave)|hard-?coded|by\s+hand|manually)\b|\b(clear|remove|delete|unset|undo|reset)\w*\b.{0,20}\b(hard-?coded|manually\s+set)\s+kms\b",
    )
});

/// What the last answer's subject means, asked in a few words ("what does that mean?").
static MEANING_ASKED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\W*(and\s+|so\s+|ok\s+|okay\s+)?(what\s+(does\s+)?(that|it|this)\s+(mean|means|say|says)|what\s+is\s+(that|it|this)|meaning|explain(\s+(that|it|this))?|what'?s\s+that)(\s+exactly)?\W*$",
    )
});
/// The cause of the thread's error asked in a few words ("what causes it?").
static CAUSE_ASKED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\W*(and\s+|so\s+|ok\s+|okay\s+)?(what\s+(causes|caused)\s+(it|that|this)|what'?s\s+the\s+(cause|reason)|(the\s+)?(cause|reason)|why\s+(does|did)\s+(it|that|this)\s+happen)\W*$",
    )
});

/// A word that looks like an activation code typed wrong ("0xC004F74", "0xCOO4F074",
/// "C004F074h").
static CODE_LIKE: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)(^|[^0-9a-z])(0x)?[c8][o0][o0][0-9a-fo]{4,7}h?([^0-9a-z]|$)"));

/// Asking how to read events from a script or the command line ("how do I pull these with
/// wevtutil or Get-WinEvent?").
static EVENTS_QUERIED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(wevtutil|get-winevent|get-eventlog)\b|\b(query|pull|export|collect|fetch|grab|script)\w*\b.{0,20}\b(these|those|such|the|all|them)\s+(events?|entries|logs?)\b",
    )
});

/// The events the Software Protection Platform and the KMS host log.
const ACTIVATION_EVENTS: &[&str] = &[
    "8198", "8200", "12288", "12289", "12290", "12293", "12294", "1003", "1033", "1034", "16384",
    "16394",
];

/// Each slmgr option that undoes another, both ways.
const COUNTERPARTS: &[(&str, &str)] = &[
    ("/skms", "/ckms"),
    ("/skhc", "/ckhc"),
    ("/sdns", "/cdns"),
    ("/ipk", "/upk"),
];

/// The answers of this file, or `None` for a message they do not cover.
pub(super) fn answer(
    kb: &KnowledgeBase,
    q: &str,
    lower: &str,
    u: &Understanding,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
) -> Option<Answer> {
    if let Some(a) = other_event_declined(kb, q, lower, ctx) {
        return Some(a);
    }
    if let Some(a) = other_lookup_declined(q, lower, u, ctx) {
        return Some(a);
    }
    // Pasted activation events with "how do I pull these with wevtutil?": the query, with
    // what the pasted code means kept short.
    if EVENTS_QUERIED.is_match(q)
        && (ACTIVATION_EVENTS.iter().any(|e| lower.contains(e)) || lower.contains("security-spp"))
    {
        let t = target(&u.slots, ctx, settings);
        let mut a = fact_answer(kb, "event-log", &t, Intent::StatusCheck, ctx)?;
        if let Some(e) = u
            .slots
            .error
            .as_ref()
            .and_then(|c| kb.tables.errors.iter().find(|e| &e.code == c))
        {
            a.text = format!(
                "The pasted event holds **{}** ({}).\n\n{}",
                e.code, e.title, a.text
            );
        }
        return Some(with_intent(a, Some(Intent::StatusCheck)));
    }
    // A code typed wrong, unless the message has a code of the table too.
    let known_code = u
        .slots
        .error
        .as_ref()
        .is_some_and(|c| kb.tables.errors.iter().any(|e| &e.code == c));
    if !known_code && u.slots.dli.is_none() {
        if let Some(a) = mistyped_code(kb, q, ctx) {
            return Some(a);
        }
    }
    if !u.slots.nothing_pasted() || u.slots.product_key.is_some() {
        return None;
    }
    let t = target(&u.slots, ctx, settings);
    if REPLY_SUCCEEDED.is_match(q) && u.slots.error.is_none() {
        let mut a = fact_answer(kb, "event-log", &t, Intent::StatusCheck, ctx)?;
        a.text = format!(
            "**That is a success**: result `0x0` in event 12289 means the KMS host answered and the client activated (the same event shows the host's count).\n\n{}",
            a.text
        );
        return Some(with_intent(a, Some(Intent::StatusCheck)));
    }
    if let Some(a) = command_line_meaning(kb, q, &t, ctx) {
        return Some(a);
    }
    if let Some(a) = key_install_command(kb, q, u, &t, ctx) {
        return Some(a);
    }
    if CLEAR_SET_HOST.is_match(q)
        && u.slots.host.is_none()
        && !["host key", "decommission", "demote", "retire"]
            .iter()
            .any(|w| lower.contains(w))
    {
        let o = kb.tables.slmgr.iter().find(|o| o.option == "/ckms")?;
        return Some(option_answer(kb, o, &t, ctx, None));
    }
    let c = ctx?;
    let words = q.split_whitespace().count();
    if words > 9 || u.slots.error.is_some() || !slmgr_options_in(kb, q).is_empty() {
        return None;
    }
    let topic = c.topic.as_ref().map(|s| s.section.as_str()).unwrap_or("");
    let title = c.topic.as_ref().map(|s| s.title.as_str()).unwrap_or("");
    if let Some(option) = topic
        .strip_prefix("slmgr ")
        .filter(|_| title.starts_with(SLMGR_TABLE))
    {
        return option_follow_up(kb, q, option, &t, ctx);
    }
    // The thread's error, answered from the table or read in pasted output.
    if let Some(code) = c
        .error
        .as_deref()
        .filter(|code| *code == topic || title.starts_with("Diagnosis"))
    {
        return error_follow_up(kb, q, code, &t, ctx);
    }
    // Undoing a KMS host set by hand, in a thread about pointing a client at one.
    if c.intent == Some(Intent::PointKms)
        && c.error.is_none()
        && (OPPOSITE.is_match(q) || TURN_OFF.is_match(q))
    {
        let o = kb.tables.slmgr.iter().find(|o| o.option == "/ckms")?;
        return Some(option_answer(kb, o, &t, ctx, None));
    }
    if thread_fact(kb, ctx) == Some("event-log")
        && (OTHER_SIDE.is_match(q) || MEANING_ASKED.is_match(q))
    {
        return fact_answer(kb, "event-log", &t, Intent::StatusCheck, ctx)
            .map(|a| with_intent(a, Some(Intent::StatusCheck)));
    }
    None
}

/// An slmgr option's answer, as the option rows are answered.
fn option_answer(
    kb: &KnowledgeBase,
    o: &SlmgrOption,
    t: &Target,
    ctx: Option<&Context>,
    note: Option<&str>,
) -> Answer {
    let mut c = ctx.cloned().unwrap_or_default();
    c.intent = Some(Intent::Slmgr);
    let mut text = personalize(&slmgr_text(o), t, None);
    if let Some(n) = note {
        text.push_str("\n\n");
        text.push_str(n);
    }
    let a = finish(
        text,
        Source {
            title: format!("{SLMGR_TABLE} ({})", kb.tables.slmgr_source),
            section: format!("slmgr {}", o.option),
        },
        0.9,
        c,
        None,
    );
    with_intent(a, Some(Intent::Slmgr))
}

/// "command?", "and the opposite?", "turn it back on?", "how many times?", "and the full
/// status?" after an slmgr option's answer.
fn option_follow_up(
    kb: &KnowledgeBase,
    q: &str,
    option: &str,
    t: &Target,
    ctx: Option<&Context>,
) -> Option<Answer> {
    let find = |name: &str| kb.tables.slmgr.iter().find(|o| o.option == name);
    let counterpart = COUNTERPARTS.iter().find_map(|(on, off)| {
        if *on == option {
            Some((*off, false))
        } else if *off == option {
            Some((*on, true))
        } else {
            None
        }
    });
    if let Some((other, this_clears)) = counterpart {
        let on = TURN_ON.is_match(q);
        let off = TURN_OFF.is_match(q);
        if OPPOSITE.is_match(q) || (on && this_clears && !off) || (off && !this_clears && !on) {
            return Some(option_answer(kb, find(other)?, t, ctx, None));
        }
        if on || off {
            return Some(option_answer(kb, find(option)?, t, ctx, None));
        }
    }
    if COMMAND_ASKED.is_match(q) || (option == "/rearm" && HOW_MANY_TIMES.is_match(q)) {
        return Some(option_answer(kb, find(option)?, t, ctx, None));
    }
    if matches!(option, "/xpr" | "/dli") && FULL_STATUS.is_match(q) {
        return Some(option_answer(kb, find("/dlv")?, t, ctx, None));
    }
    None
}

/// "command?", "how do I fix that?", "where do I see more detail?", "what do I check in DNS?"
/// after an error code's answer.
fn error_follow_up(
    kb: &KnowledgeBase,
    q: &str,
    code: &str,
    t: &Target,
    ctx: Option<&Context>,
) -> Option<Answer> {
    let e = kb.tables.errors.iter().find(|e| e.code == code)?;
    if matches!(code, "0x8007232B" | "0x8007007B") && DNS_CHECK.is_match(q) {
        return fact_answer(kb, "srv", t, Intent::ExistingKms, ctx)
            .map(|a| with_intent(a, Some(Intent::ExistingKms)));
    }
    if DETAIL_WHERE.is_match(q) && !COMMAND_ASKED.is_match(q) {
        return fact_answer(kb, "event-log", t, Intent::StatusCheck, ctx)
            .map(|a| with_intent(a, Some(Intent::StatusCheck)));
    }
    if MEANING_ASKED.is_match(q) {
        return Some(with_intent(
            crate::answer::error_answer(kb, e, ctx),
            Some(Intent::ErrorCode),
        ));
    }
    if CAUSE_ASKED.is_match(q) {
        let mut c = ctx.cloned().unwrap_or_default();
        c.intent = Some(Intent::ErrorCode);
        let text = format!(
            "**Cause of `{}`** ({}): {}\n\n**Fix:**\n\n{}",
            e.code,
            e.title,
            e.cause,
            personalize(e.fix.trim(), t, None)
        );
        return Some(error_table_answer(kb, e, text, c));
    }
    if !(COMMAND_ASKED.is_match(q) || FIX_ASKED.is_match(q)) {
        return None;
    }
    let mut c = ctx.cloned().unwrap_or_default();
    c.intent = Some(Intent::ErrorCode);
    c.error = Some(e.code.clone());
    let text = format!(
        "For `{}` ({}):\n\n{}",
        e.code,
        e.title,
        personalize(e.fix.trim(), t, None)
    );
    Some(error_table_answer(kb, e, text, c))
}

/// `text` about the error table's row `e` as an error-code answer citing that row.
fn error_table_answer(
    kb: &KnowledgeBase,
    e: &crate::facts::ErrorInfo,
    text: String,
    c: Context,
) -> Answer {
    let a = finish(
        text,
        Source {
            title: format!("{ERROR_TABLE} ({})", kb.tables.error_source(e)),
            section: e.code.clone(),
        },
        0.9,
        c,
        e.offer.as_deref().and_then(crate::RequestOffer::parse),
    );
    with_intent(a, Some(Intent::ErrorCode))
}

/// An slmgr command line with "what does it show?" after it: what that option does.
fn command_line_meaning(
    kb: &KnowledgeBase,
    q: &str,
    t: &Target,
    ctx: Option<&Context>,
) -> Option<Answer> {
    let lower = q.to_ascii_lowercase();
    let at = lower.find("slmgr")?;
    let options = slmgr_options_in(kb, q);
    let [o] = options.as_slice() else {
        return None;
    };
    // What follows the option (and at most one argument of it) is the question.
    let after_script = &lower[at..];
    let opt_at = after_script
        .find(&format!("{} ", o.option))
        .or_else(|| after_script.find(&format!("-{} ", &o.option[1..])))
        .or_else(|| after_script.rfind(o.option.as_str()))?;
    let rest = &after_script[opt_at + o.option.len()..];
    let before = &lower[..at];
    let only_cscript = before
        .split_whitespace()
        .all(|w| w.starts_with("cscript") || w.starts_with("//") || w.contains('\\'));
    if !only_cscript || !WHAT_IT_SHOWS.is_match(rest.trim_start_matches([' ', '-', ':', ','])) {
        return None;
    }
    Some(option_answer(kb, o, t, ctx, None))
}

/// "Install a GVLK, command?" with no edition: the install option, and where the key comes from.
fn key_install_command(
    kb: &KnowledgeBase,
    q: &str,
    u: &Understanding,
    t: &Target,
    ctx: Option<&Context>,
) -> Option<Answer> {
    if !u.slots.editions.is_empty() || !KEY_INSTALL.is_match(q) || q.contains("host key") {
        return None;
    }
    let o = kb.tables.slmgr.iter().find(|o| o.option == "/ipk")?;
    let note = q.to_ascii_lowercase().contains("gvlk").then_some(
        "Each edition has its own GVLK: ask me \"key for <your edition>\" for the one to type.",
    );
    Some(option_answer(kb, o, t, ctx, note))
}

/// A Windows event of another service ("w32time event 36", "event 7031 the service
/// terminated"), with nothing about activation and no activation thread: declined.
fn other_event_declined(
    kb: &KnowledgeBase,
    q: &str,
    lower: &str,
    ctx: Option<&Context>,
) -> Option<Answer> {
    if !EVENT_ID.is_match(q) || ACTIVATION_WORDS.is_match(q) {
        return None;
    }
    // An activation error code in the event's text ties it to activation.
    if crate::facts::normalize_error_code(q)
        .is_some_and(|code| kb.tables.errors.iter().any(|e| e.code == code))
    {
        return None;
    }
    let in_thread = ctx
        .and_then(|c| c.intent)
        .is_some_and(|i| !i.is_small_talk());
    if in_thread {
        return None;
    }
    let numbers: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .collect();
    if numbers.iter().any(|n| ACTIVATION_EVENTS.contains(n)) {
        return None;
    }
    Some(abstain(0.1, ctx))
}

/// A name that does not resolve in another tool ("nslookup says DNS name does not exist for
/// intranet.corp"), with a name that is no KMS host, nothing about activation and no activation
/// thread: declined, not read as a KMS host to point at.
fn other_lookup_declined(
    q: &str,
    lower: &str,
    u: &Understanding,
    ctx: Option<&Context>,
) -> Option<Answer> {
    if !DNS_TEXT.is_match(q) || ACTIVATION_WORDS.is_match(q) || u.slots.host.is_none() {
        return None;
    }
    let in_thread = ctx
        .and_then(|c| c.intent)
        .is_some_and(|i| !i.is_small_talk());
    let names_kms = u
        .slots
        .host
        .as_deref()
        .is_some_and(|h| h.to_ascii_lowercase().contains("kms"))
        || lower.contains("vlmcs");
    if in_thread || names_kms {
        return None;
    }
    Some(abstain(0.1, ctx))
}

/// A code typed with one digit wrong, missing or doubled, or O for 0 ("0xC004F74",
/// "0xCOO4F074"), that is one step from exactly one code of the table: that code's answer, saying
/// how it was read.
fn mistyped_code(kb: &KnowledgeBase, q: &str, ctx: Option<&Context>) -> Option<Answer> {
    if !CODE_LIKE.is_match(q) {
        return None;
    }
    for word in q.split(|c: char| !c.is_ascii_alphanumeric()) {
        let lower = word.to_ascii_lowercase();
        let bare = lower.strip_prefix("0x").unwrap_or(&lower);
        let bare = bare.strip_suffix('h').unwrap_or(bare).replace('o', "0");
        if !(7..=9).contains(&bare.len())
            || !bare.bytes().all(|b| b.is_ascii_hexdigit())
            || !(bare.starts_with("c00") || bare.starts_with("800"))
        {
            continue;
        }
        let distance = |e: &&crate::facts::ErrorInfo| {
            crate::text::edit_distance(&bare, &e.code[2..].to_ascii_lowercase(), 1)
        };
        let exact = kb.tables.errors.iter().find(|e| distance(e) == 0);
        let mut near = kb.tables.errors.iter().filter(|e| distance(e) == 1);
        let one = exact.or_else(|| match (near.next(), near.next()) {
            (Some(e), None) => Some(e),
            _ => None,
        });
        if let Some(e) = one {
            let mut a = crate::answer::error_answer(kb, e, ctx);
            if !word.eq_ignore_ascii_case(&e.code) {
                a.text = format!("I read `{word}` as `{}`.\n\n{}", e.code, a.text);
            }
            return Some(with_intent(a, Some(Intent::ErrorCode)));
        }
    }
    None
}
