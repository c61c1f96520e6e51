//! Seven kinds of questions people ask plainly that need one fact each, whatever the classifier guessed: an expired evaluation edition (the hourly shutdown), days left read off a report and judged, how long a firewall or internet ticket takes, a KMS host behind NAT or a load balancer, what a product key is, and whether the GVLKs are the same everywhere.

use std::sync::LazyLock;

use super::{
    days_left, exact_editions, fact_answer, renewal_overdue, resolve_editions, target, with_intent,
};
use crate::nlu::{Intent, Understanding};
use crate::text::{rx_folded, Folded};
use crate::{Answer, AnswerSettings, Context, KnowledgeBase};

/// Compiles this file's patterns (with the parent module's `warm_up`).
pub(super) fn warm_up() {
    let patterns: &[&dyn crate::text::WarmUp] = &[
        &HOURLY_SHUTDOWN,
        &JUDGED,
        &TICKET_WAIT,
        &BEHIND_NAT,
        &WHAT_PRODUCT_KEY,
        &SAME_EVERYWHERE,
        &DENIED,
        &BACK_REFERENCE,
    ];
    for p in patterns {
        p.warm_up();
    }
}

/// A server that shuts itself down every hour, or the licensing monitor's shutdown event:
/// what an evaluation edition does once its period is over.
static HOURLY_SHUTDOWN: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(shut\w*|turns?\s+(itself\s+)?off|turning\s+(itself\s+)?off|powers?\s+(itself\s+)?(off|down)|powering\s+(off|down)|reboot\w*|restart\w*|(go|goes|going|went)\s+down|switch\w*\s+(itself\s+)?off)\b.{0,40}\b(every\s+(one\s+|1\s+|single\s+)?hour|hourly|each\s+hour|once\s+an\s+hour|every\s+60\s+min\w*)\b|\b(every\s+(one\s+|1\s+|single\s+)?hour|hourly|each\s+hour|once\s+an\s+hour)\b.{0,30}\b(shut\w*|reboot\w*|restart\w*|turns?\s+off|powers?\s+off|goes\s+down)\b|\bwlms\b|\blicen[cs]e\s+period\s+for\s+this\s+installation\b",
    )
});
/// A question pointing back at the machine of the thread ("on it", "this one", "instead").
static BACK_REFERENCE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(on|to|for|with|activate|convert)\s+(it|this|that)\b|\b(this|that|the\s+same)\s+(one|server|machine|box|vm|instance)\b|\binstead\b",
    )
});
/// Days left judged ("is that fine?", "should I worry?", "normal?").
static JUDGED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(fine|ok|okay|normal|worry\w*|concern\w*|good|bad|problem\w*|expected|alright|healthy|safe|urgent|wrong|should\s+i|do\s+i\s+(need|have)|must\s+i|i\s+must|need\s+to\s+do|do\s+something)\b|\bis\s+(that|this|it)\s+(right|correct)\b",
    )
});
/// How long a request to support takes, or where it stands ("how long does support take?",
/// "eta?", "when will it be done?", "how do I check the progress?").
static TICKET_WAIT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bhow\s+long\b.{0,40}\b(support|ticket|request|rule|take|takes|taking|wait)\b|\bhow\s+much\s+time\b.{0,40}\b(take|takes|support|ticket|request|wait)\b|\b(eta|sla|turnaround)\b|\bwhen\s+(will|is|does|would|do|can)\b.{0,40}\b(done|ready|finished|finish|complete\w*|applied|added|in\s+place|approved|processed|handled|implemented)\b|\b(status|progress)\s+(of|on)\s+(my|our|the|this|that)\s+(ticket|request|rule)\b|\b(check|track|follow|see|know)\w*\b.{0,30}\b(progress|status)\b|\bstill\s+(pending|waiting|open)\b|\bany\s+(update|news|progress)\b|\bupdate\s+on\s+(my|our|the|this|that)\s+(ticket|request|rule)\b|\b(approved|done|ready|finished|open(ed)?)\s+yet\b|\bhow\s+(do|will|can|would)\s+(i|we)\s+know\s+when\b|\bstatus\s*:\s*pending\b",
    )
});
/// A KMS host reached through NAT, a port forward or a load balancer.
static BEHIND_NAT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(nat|nated|natted|nat'?d|snat|dnat|port[\s-]*forward\w*|load[\s-]*balanc\w*|lb)\b",
    )
});
/// What a product key is ("what is this 'product key'?", "what mean product key?", "is a
/// product key like a password?").
static WHAT_PRODUCT_KEY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bwhat\s*((exactly|actually|really)\s+)?(is|are|'s|s)\s+((exactly|actually|really)\s+)?(this\s+|that\s+|these\s+|a\s+|an\s+|the\s+)?['\x22]?product\s+keys?['\x22]?\s*(exactly|actually|really|even|everyone|people|you|they|that|and|in|[?.!,]|$)|\bwhat\s+(does|do)\s+(a\s+|the\s+)?['\x22]?product\s+keys?['\x22]?\s+mean|\bwhat\s+mean\w*\s+(a\s+|the\s+)?['\x22]?product\s+keys?|\bproduct\s+keys?['\x22]?\s+(mean|means|meaning)\b|\bmeaning\s+of\s+(a\s+|the\s+)?['\x22]?product\s+keys?\b|\b(docs|people|everyone|everybody|they|it|guides?)\s+(keeps?\s+|always\s+)?(say\w*|talk\w*|mention\w*)\s+(about\s+)?(a\s+|the\s+)?['\x22]?product\s+keys?\b|\bproduct\s+keys?\b.{0,40}\b(like|kind\s+of|same\s+as|sort\s+of)\s+(a\s+|an\s+|the\s+)?(password|serial|licen[cs]e|code|pin)\b|\bexplain\s+(me\s+)?(what\s+)?(is\s+)?(a\s+|the\s+)?product\s+keys?\b",
    )
});
/// The same key everywhere, or one per customer, cloud or provider.
static SAME_EVERYWHERE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(same|identical|different|differ\w*|unique|changes?|specific|tied)\b.{0,40}\b(everywhere|anywhere|every\s+(company|customer|tenant|cloud|provider|org\w*|environment)|all\s+(clouds?|companies|customers|providers|tenants|environments)|azure|aws|amazon|gcp|google|on[\s-]?prem\w*|provider|cloud|per\s+(customer|tenant|company|org\w*|cloud|provider)|between\s+(customers|companies|tenants|clouds|providers|organi[sz]ations)|each\s+(company|customer|tenant|org\w*|cloud|provider)|here)\b|\b(everywhere|azure|aws|on[\s-]?prem\w*|another\s+(provider|cloud)|other\s+(providers?|clouds?)|each\s+(company|customer|tenant)|all\s+(companies|customers|tenants|clouds|providers|organi[sz]ations)|every(one|body))\b.{0,60}\b(same|identical|different|unique|another|other)\s+(gvlks?|keys?|one)\b|\b(unique|specific)\s+(per|to)\b|\bonly\s+(valid|works?|usable|good)\s+(here|in\s+(this|your)\s+cloud|on\s+(this|your)\s+(cloud|platform))\b|\bper\s+(customer|tenant|company)\b",
    )
});

/// Access refused ("permission denied", "not enough rights"), which an activation command
/// gives when the prompt is not elevated (0x80070005).
static DENIED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(access|permission)\s+(is\s+)?denied\b|\b(not|no)\s+(enough\s+)?(permissions?|privileges?|rights)\b|\b(insufficient|missing)\s+(permissions?|privileges?|rights)\b",
    )
});

/// The fact for one of these questions, or `None`.
pub(super) fn answer(
    kb: &KnowledgeBase,
    q: &str,
    lower: &str,
    u: &Understanding,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
) -> Option<Answer> {
    let t = target(&u.slots, ctx, settings);
    let words = lower.split_whitespace().count();
    let section = ctx
        .and_then(|c| c.topic.as_ref())
        .map(|s| s.section.as_str())
        .unwrap_or("");
    let has = |ws: &[&str]| ws.iter().any(|w| lower.contains(w));
    let fact = |id: &str, intent: Intent| {
        fact_answer(kb, id, &t, intent, ctx).map(|a| with_intent(a, Some(intent)))
    };

    // An expired evaluation: the hourly shutdown, or "the KMS key instead?" in its thread.
    if HOURLY_SHUTDOWN.is_match(q)
        && has(&[
            "licen", "expir", "activat", "eval", "trial", "wlms", "windows", "slmgr",
        ])
    {
        return fact("evaluation", Intent::ClientProcedure);
    }

    // Access refused on an activation command: the prompt is not elevated (0x80070005).
    if DENIED.is_match(q)
        && u.slots.error.is_none()
        && has(&[
            "slmgr", "activat", "/ipk", "/ato", "/skms", "-ato", "-ipk", "kms",
        ])
    {
        if let Some(e) = kb.error_info("0x80070005") {
            return Some(crate::answer::error_answer(kb, e, ctx));
        }
    }

    // Days left read off /xpr or a report and judged: about 180 is normal, a few days is not.
    if let Some(days) = judged_days(q, lower) {
        if u.slots.error.is_none() {
            let mut a = fact("validity", Intent::Timing)?;
            let note = if days >= 150 {
                Some(format!("**Normal.** A KMS client that reaches its KMS host renews every 7 days back to 180 days, so {days} days left is what a healthy client shows: nothing to do.\n\n"))
            } else {
                renewal_overdue(q, &t)
            };
            if let Some(note) = note {
                a.text.insert_str(0, &note);
            }
            return Some(a);
        }
    }

    // How long a firewall or internet ticket takes, or where it stands.
    let network_thread = ctx.is_some_and(|c| {
        matches!(
            c.intent,
            Some(Intent::Connectivity | Intent::InternetAccess | Intent::Online)
        )
    }) || section == "Where a support request stands";
    // "ticket OPS-77", "(ticket LIC-300)": the user's own reference for the work, not a
    // request to support (whose tickets are `FW-…` and `NET-…`).
    let unreferenced = {
        let toks: Vec<&str> = lower.split_whitespace().collect();
        let mut kept = Vec::new();
        let mut skip = false;
        for (i, w) in toks.iter().enumerate() {
            if skip {
                skip = false;
                continue;
            }
            let bare = |s: &str| {
                s.trim_matches(|c: char| !c.is_ascii_alphanumeric())
                    .to_string()
            };
            let next = toks.get(i + 1).map(|n| bare(n)).unwrap_or_default();
            if bare(w) == "ticket"
                && next.bytes().any(|b| b.is_ascii_digit())
                && !next.starts_with("fw-")
                && !next.starts_with("net-")
            {
                skip = true;
                continue;
            }
            kept.push(*w);
        }
        kept.join(" ")
    };
    let about_request = unreferenced
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| {
            [
                "ticket", "tickets", "firewall", "fw", "1688", "port", "ports", "rule", "rules",
                "internet",
            ]
            .contains(&w)
        })
        || (network_thread && (words <= 12 || has(&["request", "support"])));
    // A message that names the rule it needs (a network and a host) asks for that rule first:
    // "need 1688 from 10.8.0.0/24 to 10.8.1.4, how do I ask and how long does it take?".
    let names_rule = u.slots.network.is_some() && u.slots.host.is_some();
    if TICKET_WAIT.is_match(q)
        && about_request
        && !names_rule
        && !has(&["billing", "invoice", "payment", "refund", "activation take"])
    {
        return fact("ticket-status", Intent::InternetAccess);
    }

    // A KMS host behind NAT, a port forward or a load balancer, and the address to use next.
    let kms = has(&["kms", "1688", "activation server", "licensing server"]);
    if (kms && BEHIND_NAT.is_match(q) && !(u.slots.network.is_some() && u.slots.host.is_some()))
        || (section == "A KMS host behind NAT or a load balancer"
            && words <= 12
            && has(&["address", " ip", "name", "dns", "srv", "point", "skms"]))
    {
        return fact("kms-nat", Intent::Connectivity);
    }

    // What a product key is, and where one comes from next in that thread.
    if (WHAT_PRODUCT_KEY.is_match(q) && u.slots.editions.is_empty())
        || (section == "What a product key is"
            && words <= 10
            && u.slots.editions.is_empty()
            && has(&["where", "find", "get", "mine", "which", "buy"])
            && has(&["key", "mine", "one", " it", "them"]))
    {
        return fact("product-key", Intent::KeyLookup);
    }

    // Whether the GVLKs are the same everywhere: one published key per edition.
    let key_thread = ctx.is_some_and(|c| c.intent == Some(Intent::KeyLookup));
    let names_key = has(&[
        "gvlk",
        "kms client key",
        "client setup key",
        "kms key",
        "key you",
        "keys you",
    ]) || (key_thread && has(&["key", "these", "it ", "they"]));
    if names_key && SAME_EVERYWHERE.is_match(q) && u.slots.product_key.is_none() {
        let mut a = fact("gvlk-public", Intent::KeyLookup)?;
        let mut lead = "**The same everywhere**: an edition's KMS client setup key (GVLK) is one key for everyone, on premises, in this cloud, on Azure or with any other provider, so moving an instance needs no other key.".to_string();
        // The one edition named: its key, the same everywhere.
        if let [g] = exact_editions(&resolve_editions(kb, &u.slots))[..] {
            lead.push_str(&format!(" For **{}** it is `{}`.", g.edition, g.key));
        }
        a.text.insert_str(0, &format!("{lead}\n\n"));
        return Some(a);
    }

    // In an expired evaluation's thread, its key asked about that machine ("can I just put the
    // KMS client key on it instead?"): the conversion again. Only a short question that points
    // back at the machine and that none of the rules above took; anything else is a new topic.
    if section == "Evaluation editions"
        && words <= 14
        && u.slots.nothing_pasted()
        && has(&["key", "gvlk", "kms", "activat", "slmgr", "ipk"])
        && BACK_REFERENCE.is_match(q)
    {
        return fact("evaluation", Intent::ClientProcedure);
    }
    None
}

/// The days left a message reads off a report and asks to be judged, when it is about
/// Windows activation.
fn judged_days(q: &str, lower: &str) -> Option<u32> {
    let days = days_left(q)?;
    let about_activation = [
        "xpr", "slmgr", "activat", "licen", "windows", "kms", "dli", "dlv",
    ]
    .iter()
    .any(|w| lower.contains(w));
    let other_clock = ["eval", "trial", "grace", "rearm"]
        .iter()
        .any(|w| lower.contains(w));
    (days <= 180 && about_activation && !other_clock && JUDGED.is_match(q)).then_some(days)
}
