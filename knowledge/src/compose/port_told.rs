//! A port told on its own in a thread ("to 1700" after the option that changes the host's port, "the kms is on 1700 actually" after a diagnosis that named the host): the thread's port from then on, answered as the step it changes.

use std::sync::LazyLock;

use super::{answer_one, with_intent};
use crate::nlu::Intent;
use crate::text::{rx_folded, Folded};
use crate::{Answer, AnswerSettings, Context, KnowledgeBase};

/// Compiles this module's patterns ahead of the first message.
pub(super) fn warm_up() {
    crate::text::WarmUp::warm_up(&BARE_PORT);
}

/// A number alone, or with a word that makes it the new value ("to 1700", "make it 1700").
static BARE_PORT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\W*((ok|okay|so|and)\W+)?(to|use|make\s+it|change\s+it\s+to|set\s+it\s+to|port)?\W*(port\s+|tcp\W*)?\d{2,5}\W*(please|pls|then)?\W*$",
    )
});

/// A port told alone in a thread, answered as the step it changes, with the thread keeping it.
pub(super) fn port_told(
    kb: &KnowledgeBase,
    question: &str,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
) -> Option<Answer> {
    let c = ctx?;
    if question.split_whitespace().count() > 8 || question.contains('\n') {
        return None;
    }
    let slots = kb.nlu.understand(question).slots;
    if slots.host.is_some()
        || slots.network.is_some()
        || !slots.editions.is_empty()
        || slots.error.is_some()
    {
        return None;
    }
    let on_sprt = c.topic.as_ref().is_some_and(|t| t.section == "slmgr /sprt");
    let bare = BARE_PORT.is_match(question);
    let port = match slots.port {
        Some(p) => p,
        None if on_sprt && bare => question
            .split(|ch: char| !ch.is_ascii_digit())
            .filter_map(|w| w.parse::<u16>().ok())
            .find(|p| *p > 0)?,
        None => return None,
    };
    let (asked, intent) = if on_sprt && bare {
        // "How do I change the port my KMS host listens on?" then "to 1700".
        (
            format!("slmgr /sprt {port}"),
            c.intent.unwrap_or(Intent::HostSetup),
        )
    } else if matches!(c.intent, Some(Intent::Diagnose | Intent::ErrorCode)) {
        // A client that fails against a host the thread named, and the host's real port.
        let host = c.host.clone()?;
        (
            format!("point the client to kms {host}:{port}"),
            Intent::PointKms,
        )
    } else {
        return None;
    };
    let mut a = answer_one(kb, &asked, ctx, settings);
    if a.abstained {
        return None;
    }
    let mut next = a.context.take().unwrap_or_else(|| c.clone());
    next.port = Some(port);
    next.intent = Some(intent);
    if next.host.is_none() {
        next.host.clone_from(&c.host);
    }
    a.context = Some(next);
    Some(with_intent(a, Some(intent)))
}
