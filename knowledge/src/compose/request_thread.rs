//! A network request built over several turns: in a thread about a KMS firewall rule or about internet access, a message that only adds a detail (the clients' network, the host, the port) or says to file it continues that request.

use std::sync::LazyLock;

use super::{answer_one, with_intent};
use crate::answer::finish;
use crate::nlu::Intent;
use crate::text::{rx_folded, Folded};
use crate::{Answer, AnswerSettings, Context, KnowledgeBase, RequestOffer, Source};

/// Compiles this module's patterns ahead of the first message.
pub(super) fn warm_up() {
    let patterns: &[&dyn crate::text::WarmUp] = &[
        &FILE_IT,
        &OTHER_TOPIC,
        &SOURCE_WORD,
        &DEST_WORD,
        &PORT_WORD,
        &TO_WORD,
    ];
    for p in patterns {
        p.warm_up();
    }
}

/// "ok file it", "go ahead", "please open the ticket": the request as it stands, filed.
static FILE_IT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\W*((ok|okay|yes|yep|yeah|sure|great|good|cool|fine|perfect|thanks|thank\s+you|please|pls|then|so)\W+)*(go(\s+ahead)?|file\s+(it|that|this|them|the\s+(ticket|request)|a\s+(ticket|request))|(open|raise|create|submit|send|log|make)\s+(it|that|this|the\s+(ticket|request|rule)|a\s+(ticket|request))|submit|do\s+it|proceed|make\s+it\s+so)(\W+(please|pls|now|then|thanks|thank\s+you|for\s+(me|us)))*\W*$",
    )
});
/// A message that asks something else, or names another topic, is no detail of the request.
static OTHER_TOPIC: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\?|\b(how|what|which|why|when|where|who|can|could|does|do|is\s+there|key|gvlk|mak|error|0x[0-9a-f]+|slmgr|threshold|count|phone|dns|srv|edition|windows|renew\w*|days?|grace|rearm|clock|time)\b|/[a-z]{2,5}\b",
    )
});
/// A bare number that is a port by the words around it ("only 443 outbound").
static PORT_WORD: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\W*(only|just)?\W*(tcp\W*)?\d{2,5}\W*(outbound|inbound|out|in|only|tcp)?\W*(only|outbound|inbound)?\W*$|^\W*(only|just)\s+(port\s+|tcp\W*)?\d{2,5}\b",
    )
});
/// The address named is where the traffic comes from ("from 10.0.4.5", "the vm is 10.3.0.15").
static SOURCE_WORD: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(from|src|source|vms?|instances?|clients?|subnet|machines?|servers?\s+(is|are)\s+(in|on))\b",
    )
});
/// The address named is where the traffic goes ("to our host 10.9.9.9", "dst kms.example").
static DEST_WORD: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\b(to|dst|dest|destination|host|kms|target)\b"));

/// The destination said as such ("to 10.9.9.9", "dst kms.example").
static TO_WORD: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\b(to|dst|dest|destination|target)\b"));

/// Which request the thread is about.
#[derive(Clone, Copy)]
enum Kind {
    /// tcp/1688 (or the KMS port) from the clients to the KMS host.
    Firewall,
    /// Outbound internet access for an instance.
    Internet,
}

/// The request the thread builds, when its last question was about one.
fn thread_kind(ctx: Option<&Context>) -> Option<Kind> {
    match ctx?.intent? {
        Intent::Connectivity => Some(Kind::Firewall),
        Intent::InternetAccess => Some(Kind::Internet),
        _ => None,
    }
}

/// A detail of the thread's request, or the word to file it, answered as that request.
pub(super) fn request_turn(
    kb: &KnowledgeBase,
    question: &str,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
) -> Option<Answer> {
    let kind = thread_kind(ctx)?;
    let c = ctx?;
    let file_it = FILE_IT.is_match(question);
    let mut slots = kb.nlu.understand(question).slots;
    // "only 443 outbound", "just tcp 443": a port, though no word before it says so.
    if slots.port.is_none() && PORT_WORD.is_match(question) {
        slots.port = question
            .split(|ch: char| !ch.is_ascii_digit())
            .filter_map(|w| w.parse::<u16>().ok())
            .find(|p| *p > 0);
    }
    let detail = !file_it
        && question.split_whitespace().count() <= 16
        && !question.contains('\n')
        && !OTHER_TOPIC.is_match(question)
        && (slots.host.is_some()
            || slots.network.is_some()
            || slots.port.is_some()
            || slots.instance.is_some());
    if !file_it && !detail {
        return None;
    }
    // The address named: a source or a destination, by the words around it.
    // An instance's name is where the traffic comes from: the instance that needs internet
    // access ("it's web-01"), or the rule's source when said so ("from web-01").
    let instance = slots
        .instance
        .clone()
        .filter(|_| matches!(kind, Kind::Internet) || SOURCE_WORD.is_match(question));
    let (mut network, mut host) = (slots.network.clone().or(instance), None);
    if let Some(h) = slots.host.clone() {
        if network.is_none() && SOURCE_WORD.is_match(question) && !DEST_WORD.is_match(question) {
            network = Some(h);
        } else {
            host = Some(h);
        }
    }
    // In a thread about the network path, a KMS host named alone ("kms02.corp.local", "ok and
    // my server is kms.contoso.com") points the clients at it; it is the rule's destination
    // only when said so ("to 10.9.9.9", "dst ...") or once the request has its source.
    if let (Kind::Firewall, false) = (kind, file_it) {
        let building = network.is_some()
            || c.network.is_some()
            || (host.is_some() && TO_WORD.is_match(question));
        if !building {
            return None;
        }
    }
    let mut next = c.clone();
    next.intent = Some(match kind {
        Kind::Firewall => Intent::Connectivity,
        Kind::Internet => Intent::InternetAccess,
    });
    match kind {
        Kind::Firewall => {
            let network = network.or_else(|| c.network.clone());
            let host = host
                .or_else(|| c.host.clone())
                .or_else(|| settings.kms_host.clone());
            let port = slots.port.or(c.port).or(settings.kms_port).unwrap_or(1688);
            next.network.clone_from(&network);
            next.host.clone_from(&host);
            next.port = slots.port.or(c.port);
            let from = network.as_deref().unwrap_or("<your_network>");
            let to = host.as_deref().unwrap_or("<KMS_host_ip>");
            let say = format!("open tcp {port} from {from} to {to}");
            let mut a = if file_it || network.is_none() || host.is_none() {
                let lead = if file_it {
                    "To file the firewall request".to_string()
                } else {
                    format!(
                        "Noted: the rule is **tcp/{port}** from `{from}` to the KMS host `{to}`. {}",
                        match (&network, &host) {
                            (None, _) => "Which network are the clients in?",
                            _ => "Which address is the KMS host?",
                        }
                    )
                };
                let text = if file_it {
                    format!(
                        "{lead} (tcp/{port} from `{from}` to `{to}`), say `{say}` and I file the ticket for support{}.",
                        if network.is_none() || host.is_none() {
                            ", with your values in place of the placeholders"
                        } else {
                            ""
                        }
                    )
                } else {
                    format!("{lead} Then say `{say}` and I file the ticket for support.")
                };
                finish(
                    text,
                    Source {
                        title: "KMS connectivity".into(),
                        section: "Firewall request".into(),
                    },
                    0.8,
                    next.clone(),
                    Some(RequestOffer::KmsFirewall),
                )
            } else {
                answer_one(kb, &say, Some(&next), settings)
            };
            if a.abstained {
                return None;
            }
            a.context = Some(next);
            Some(with_intent(a, Some(Intent::Connectivity)))
        }
        Kind::Internet => {
            let who = host.or(network).or_else(|| c.network.clone());
            next.network.clone_from(&who);
            let name = who.as_deref().unwrap_or("<instance>");
            let only = slots
                .port
                .map(|p| format!(" (outbound tcp/{p} only)"))
                .unwrap_or_default();
            let say = format!("{name} needs internet access for online activation");
            let text = if file_it {
                format!(
                    "To file the internet-access request for `{name}`, say `{say}` and I file the ticket for support{}.",
                    if who.is_none() { ", with the instance's name or address in place of `<instance>`" } else { "" }
                )
            } else {
                format!(
                    "Noted: `{name}` needs outbound internet access{only}. Say `{say}` and I file the ticket for support; once it is open, install your key and run `slmgr /ato`."
                )
            };
            let a = finish(
                text,
                Source {
                    title: "Internet access for online activation and KMS hosts".into(),
                    section: "Internet is off by default".into(),
                },
                0.8,
                next,
                Some(RequestOffer::InternetAccess),
            );
            Some(with_intent(a, Some(Intent::InternetAccess)))
        }
    }
}
