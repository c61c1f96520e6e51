//! Wrong beliefs stated for confirmation ("/rearm extends it forever, right?", "a MAK has no limit?", "the clients must reach Microsoft?", "a clone counts as a new machine?"): a clear no, then the fact.

use std::sync::LazyLock;

use super::{fact_answer, target, with_intent};
use crate::nlu::{Intent, MachineCount, MachineKind, Slots};
use crate::text::{rx_folded, Folded};
use crate::{Answer, AnswerSettings, Context, KnowledgeBase};

/// Compiles this file's patterns (with the parent module's `warm_up`).
pub(super) fn warm_up() {
    let patterns: &[&dyn crate::text::WarmUp] = &[
        &REARM_FOREVER,
        &MAK_UNLIMITED,
        &HOST_ON_DC,
        &CLONE_COUNTS,
        &CLIENTS_REACH_MICROSOFT,
        &PHONE_NEEDS_INTERNET,
    ];
    for pattern in patterns {
        pattern.warm_up();
    }
}

/// `/rearm` taken for a way to stay unactivated for good ("rearm makes it activated forever?").
static REARM_FOREVER: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\brearm\w*\b.{0,60}\b(forever|indefinitely|infinite\w*|unlimited|endless\w*|permanent\w*|for\s+good|never\s+(have\s+to\s+)?activat\w*)\b|\b(forever|indefinitely|infinite|unlimited|endless)\b.{0,30}\brearm",
    )
});
/// A MAK taken for a key without a limit ("a MAK can be used on as many computers as we want").
static MAK_UNLIMITED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bmak\b.{0,60}\b(unlimited|infinite|no\s+limit|without\s+(a\s+|any\s+)?limit|as\s+many\s+(\w+\s+){0,2}as|any\s+number\s+of|limitless|endless)\b|\b(unlimited|infinite|limitless)\s+(\w+\s+){0,2}mak\b",
    )
});
/// The KMS host taken for a domain controller's job ("the KMS host must be a DC").
static HOST_ON_DC: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bkms\s+(host|server)\b.{0,40}\b(must|has\s+to|have\s+to|needs?\s+to|required\s+to|should)\s+be\s+(a|an|the|on\s+a|on\s+the)?\s*(domain\s+controller|dc)\b|\b(does|do|must)\s+(the\s+|a\s+|our\s+)?kms\s+(host|server)\s+(have\s+to|need\s+to|must)\s+be\s+(a|an|the)?\s*(domain\s+controller|dc)\b",
    )
});
/// Clones taken for new machines in the count ("clone a VM 25 times to reach the threshold").
static CLONE_COUNTS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(clon\w*|cop(y|ies|ied)|duplicat\w*)\b.{0,60}\b(count\w*|threshold|new\s+(machine|client|computer|vm)s?|reach\w*\s+(the\s+)?25)\b",
    )
});
/// KMS clients taken to talk to Microsoft ("the clients have to reach Microsoft's servers").
static CLIENTS_REACH_MICROSOFT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(clients?|vms?|machines?|computers?|workstations?|laptops?|pcs?)\b.{0,40}\b(reach|contact|talk\w*\s+to|connect\w*\s+to|call|check\w*\s+with)\b.{0,20}\b(microsoft|ms)\b",
    )
});
/// Telephone activation taken to need the internet.
static PHONE_NEEDS_INTERNET: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(phone|telephone)\b.{0,60}\b(need|needs|require|requires|required|must\s+have)\b.{0,30}\binternet\b|\binternet\b.{0,40}\b(for|to)\s+(activat\w*\s+)?(by\s+)?(phone|telephone)\b",
    )
});

/// The correction of a wrong belief the message states: a lead that says no, and the fact
/// that holds instead.
pub(super) fn corrected(
    kb: &KnowledgeBase,
    q: &str,
    lower: &str,
    slots: &Slots,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
) -> Option<Answer> {
    if !slots.nothing_pasted() || slots.error.is_some() {
        return None;
    }
    // Asked for confirmation ("..., right?", "true?"), not asked to be done ("reset the grace
    // forever with a scheduled rearm script").
    let confirming = q.contains('?')
        || lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| ["right", "true", "correct", "confirm", "yes"].contains(&w));
    let (lead, id, intent) = if REARM_FOREVER.is_match(q) && confirming {
        (
            "**No**: `slmgr /rearm` never activates Windows and cannot be repeated for ever. It only restarts the grace period, a limited number of times (`slmgr /dlv` shows the remaining rearm count); after that, Windows must be activated.",
            "grace",
            Intent::Timing,
        )
    } else if MAK_UNLIMITED.is_match(q) {
        (
            "**No**: a MAK is not unlimited. It has a fixed number of activations, set by your volume licensing agreement, and every machine activated with it uses one.",
            "mak-limit",
            Intent::Online,
        )
    } else if HOST_ON_DC.is_match(q) {
        (
            "**No**: the KMS host does not need to be a domain controller. Any supported Windows Server machine can be the host, a member server or one in a workgroup, and it need not be dedicated.",
            "host-sizing",
            Intent::HostSetup,
        )
    } else if CLONE_COUNTS.is_match(q) && !lower.contains("sysprep") {
        (
            "**Not as copies of one machine**: clones of a machine that was not generalised share its client machine ID (CMID), and the KMS host counts them **once**. Only clones of an image generalised with `sysprep /generalize` count as new machines.",
            "cmid",
            Intent::Thresholds,
        )
    } else if CLIENTS_REACH_MICROSOFT.is_match(q) && lower.contains("kms")
        || CLIENTS_REACH_MICROSOFT.is_match(q)
            && !["online", "mak", "retail", "phone"]
                .iter()
                .any(|w| lower.contains(w))
            && ctx.is_none_or(|c| c.intent != Some(Intent::Online))
    {
        (
            "**No**: KMS clients never contact Microsoft; they only talk to the KMS host on tcp/1688. Only the KMS host contacts Microsoft, once, to activate its own host key.",
            "host-activation",
            Intent::ExistingKms,
        )
    } else if PHONE_NEEDS_INTERNET.is_match(q) {
        (
            "**No**: telephone activation needs no internet access on the machine: you read the installation ID to Microsoft over the phone and type in the confirmation ID you are given (offline).",
            "phone",
            Intent::Phone,
        )
    } else {
        return None;
    };
    let t = target(slots, ctx, settings);
    let mut a = fact_answer(kb, id, &t, intent, ctx)?;
    a.text = format!("{lead}\n\n{}", a.text);
    Some(with_intent(a, Some(intent)))
}

/// A threshold stated as a requirement ("we need 25 servers before KMS activates anything",
/// "25 servers minimum, confirm?") that is not the kind's threshold: the number stated and the
/// one that holds.
pub(super) fn stated_minimum(question: &str, counts: &[MachineCount]) -> Option<(u32, u32)> {
    let lower = question.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    const BEFORE: &[&str] = &[
        "need", "needs", "require", "requires", "minimum", "min", "least",
    ];
    const AFTER: &[&str] = &["minimum", "needed", "required", "min", "before"];
    // Only filler between the requirement and the number ("need 25", "minimum of 25", "at
    // least 25"), never a verb ("need to activate 40 machines" names a fleet).
    const FILLER: &[&str] = &["of", "is", "at", "least", "a", "the"];
    let counted = |n: u32| {
        counts
            .iter()
            .any(|c| c.n == n && c.kind != MachineKind::Unknown)
    };
    let stated = words.iter().enumerate().find_map(|(i, w)| {
        let n: u32 = w.parse().ok().filter(|n| *n > 0)?;
        let mut j = i;
        let before = loop {
            if j == 0 {
                break false;
            }
            j -= 1;
            if BEFORE.contains(&words[j]) {
                break true;
            }
            if !FILLER.contains(&words[j]) {
                break false;
            }
        };
        // "25 servers minimum": the number counts machines.
        let after = counted(n)
            && words[i + 1..(i + 4).min(words.len())]
                .iter()
                .any(|a| AFTER.contains(a));
        (before || after).then_some(n)
    })?;
    // The kind of the stated number, else of the fleet the message names.
    let kind = counts
        .iter()
        .find(|c| c.n == stated && c.kind != MachineKind::Unknown)
        .or_else(|| counts.iter().find(|c| c.kind != MachineKind::Unknown))
        .map(|c| c.kind)?;
    let need = match kind {
        MachineKind::Client => 25,
        MachineKind::Server => 5,
        _ => return None,
    };
    (stated != need).then_some((stated, need))
}

/// The client's steps named in the right order for confirmation ("GVLK first, then /skms, then
/// /ato. Correct?", "so I just run /ato after /skms?"): the key, the host, the activation.
pub(super) fn order_confirmed(q: &str) -> bool {
    let lower = q.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '/'))
        .filter(|w| !w.is_empty())
        .collect();
    let confirming = q.contains('?')
        || words
            .iter()
            .any(|w| ["right", "true", "correct", "confirm", "yes"].contains(w));
    let mut steps: Vec<u8> = words
        .iter()
        .filter_map(|w| match *w {
            "/ipk" | "gvlk" => Some(0),
            "/skms" => Some(1),
            "/ato" => Some(2),
            _ => None,
        })
        .collect();
    steps.dedup();
    // "/ato after /skms" names them backwards.
    if steps.len() == 2 && words.contains(&"after") {
        steps.reverse();
    }
    confirming
        && steps.len() >= 2
        && steps.windows(2).all(|p| p[0] < p[1])
        && !["before", "instead", "without"]
            .iter()
            .any(|w| words.contains(w))
}
