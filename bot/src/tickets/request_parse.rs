//! Free-text parsing of firewall-rule and internet-access requests: [`detect`], [`parse`],
//! slot answers ([`apply_answer`]) and draft merging ([`merge`]).
//!
//! Keywords and shapes are found with regexes and a small tokenizer; addresses are parsed with
//! `std::net` and `ipnet`, never validated by regex.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use ipnet::IpNet;
use knowledge::pattern::Regex;

use super::request::{
    AccessDuration, Direction, Draft, Endpoint, Field, PortRange, Ports, Problem, Protocol,
    RequestKind, Slot,
};
use super::request_check::validate;
use super::request_names::{is_hostname, is_instance_like, re, unknown_instance_problem};

static GREETING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?:hi|hello|hey|hiya|good\s+(?:morning|afternoon|evening)|dear\s+(?:team|all|admins?)|team|folks|all|ok|okay|so|um|uh|btw|quick\s+question|question)\b[\s,:;!.\-]*)+",
    )
});
static QUESTION_START: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:what|what's|whats|how|why|where|when|which|who|whom|whose|is|are|was|were|does|do|did|has|have|should|shall|isn't|aren't|doesn't|don't)\b",
    )
});
static QUESTION_WORD: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:what|how|why|where|when|which|who)\b"));
static POLITE_ASK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:(?:can|could|would|will)\s+(?:you|u|someone|somebody|anyone)|(?:can|could|may)\s+(?:i|we)\s+(?:please\s+)?(?:get|have|request|ask\s+for)|(?:is|would)\s+it\s+(?:be\s+)?possible\s+to)\b",
    )
});
static FIREWALL_PHRASE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:firewall\s+(?:rule|request|change|exception|opening|access|hole)s?|fw\s+(?:rule|request)s?|security[\s-]+group\s+rules?|secgroup\s+rules?|sg\s+rules?|open\s+(?:up\s+)?(?:the\s+)?firewall)\b",
    )
});
static INTERNET_PHRASE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:(?:outbound\s+)?internet\s+(?:access|connectivity|connection)|access\s+to\s+(?:the\s+)?internet|(?:reach|connect\s+to|get\s+to|go\s+out\s+to|talk\s+to)\s+the\s+internet)\b",
    )
});
static PORT_SPEC: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:(?:tcp|udp)\s*(?:/|\s)\s*(?:ports?\s*)?\d|ports?\s*(?:numbers?\s*)?:?\s*\d|\d{1,5}\s*/\s*(?:tcp|udp)\b|(?:open|allow|permit|unblock)\s+(?:up\s+)?\d)",
    )
});
static REQUEST_VERB: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:open|opening|allow|allowing|permit|whitelist|allowlist|unblock|enable|add|create|need|needs|needed|require|requires|required|request|requesting|want|wants|grant|let|please|pls|plz|give)\b",
    )
});
/// Asking to be shown something ("give me the client commands", "what do I type"): a question
/// about the steps, even with a port or host in it, unless a firewall opening is asked for too.
static INFO_ASK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:(?:give|show|tell|send|list)\s+(?:me|us)\s+(?:(?:the|a|all|some)\s+)?(?:[a-z0-9.\-]+\s+)?(?:commands?|cmds?|steps|instructions|syntax|how)\b|what\s+(?:do|should|must|shall)\s+(?:i|we)\s+(?:type|run|enter|paste))",
    )
});
/// Verbs that ask for a network opening, as opposed to `give`, `need` or `want`.
static OPEN_VERB: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:open|opening|allow|allowing|permit|whitelist|allowlist|unblock)\b"));
/// An activation error code in a message ("0xC004F074").
static ERROR_CODE: LazyLock<Regex> = LazyLock::new(|| re(r"\b0x[0-9a-f]{8}\b"));
static FLOW_WORD: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:from|to|inbound|outbound|ingress|egress|incoming|outgoing)\b"));
static ICMP_WORD: LazyLock<Regex> = LazyLock::new(|| re(r"\b(?:icmp|icmpv6|ping|pings)\b"));
static PROTOCOL_WORD: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(tcp|udp|icmp|icmpv6|ipv6-icmp|ping)\b"));
static ANY_PROTOCOL: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:any|all)\s+(?:ip\s+)?(?:protocols?|traffic)\b|\bprotocol\s+any\b"));
static PORT_TRIGGER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:(?:tcp|udp|icmp)\s*/\s*|(?:tcp|udp)\s+(?:ports?\s+)?|ports?\s*(?:numbers?\s*)?(?::\s*)?|(?:open|allow|permit|unblock)\s+(?:up\s+)?)",
    )
});
static PORT_SLASH_PROTO: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d{1,6})\s*/\s*(?:tcp|udp)\b"));
static INGRESS_WORD: LazyLock<Regex> = LazyLock::new(|| re(r"\b(?:inbound|ingress|incoming)\b"));
static EGRESS_WORD: LazyLock<Regex> = LazyLock::new(|| re(r"\b(?:outbound|egress|outgoing)\b"));
static EGRESS_HINT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:reach|reaching|access|accessing|connect(?:ing)?\s+to|talk\s+to|contact|download\s+from)\b",
    )
});
const DURATION_NUMBER: &str = r"(?P<n>\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a\s+couple\s+of)";
const DURATION_UNIT: &str = r"(?P<u>minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|wks?|w|months?)";
static DURATION_FOR: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"\bfor\s+(?:the\s+next\s+|another\s+|about\s+|around\s+|roughly\s+)?{DURATION_NUMBER}\s*{DURATION_UNIT}\b"
    ))
});
static DURATION_BARE: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"\b{DURATION_NUMBER}\s*{DURATION_UNIT}\b")));
static DURATION_UNTIL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\buntil\s+(?P<when>(?:next\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|tomorrow|tonight|end\s+of\s+(?:the\s+)?(?:day|week|month)|eod|eow|\d{4}-\d{2}-\d{2})\b",
    )
});
static REASON_CONNECTOR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:so\s+that|so|in\s+order\s+to|because|reason\s*(?::|is)|purpose\s*(?::|is)|for|to\s+(?:reach|access|activate|connect|talk|contact|download|get|use|query|sync|synchronize|run|install|license|register))\b",
    )
});
static TRAILING_NOISE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:[\s,;:.!-]*\b(?:thanks|thank\s+you|thx|ty|cheers|please|pls|plz|asap|urgently)\b)*[\s,;:.!?-]*$",
    )
});
/// Words meaning "anywhere" when they follow `from`/`to`.
const ANY_WORDS: &[&str] = &[
    "any",
    "anywhere",
    "everywhere",
    "internet",
    "all",
    "world",
    "everyone",
    "anyone",
];
/// Words skipped between `from`/`to` and the endpoint ("to the host kms.corp.example").
const FILLERS: &[&str] = &[
    "the", "a", "an", "our", "my", "your", "their", "its", "host", "hostname", "server",
    "instance", "vm", "machine", "ip", "address", "addr", "network", "net", "subnet", "range",
    "cidr", "block", "prefix", "node", "box", "kms", "external", "internal", "public", "private",
    "new",
];

/// Words that name the machines a rule is for ("clients in 10.60.0.0/16": the source).
const CLIENT_WORDS: &[&str] = &[
    "clients",
    "client",
    "instances",
    "vms",
    "machines",
    "workers",
    "desktops",
];

/// Words between [`CLIENT_WORDS`] and where they are ("VMs are on 10.8.0.0/24").
const CLIENT_LINKS: &[&str] = &["are", "sit", "live", "run", "all"];

/// Fillers that name a role rather than describe the endpoint's type: "to kms host.corp.example"
/// may mean the KMS host or the host after it, so the requester is asked.
const ROLE_FILLERS: &[&str] = &["kms"];
const ENDPOINT_VERBS: &[&str] = &[
    "reach", "access", "connect", "talk", "contact", "use", "send", "query",
];

/// Decides whether `text` asks for a firewall rule or for internet access.
///
/// Questions ("what port does KMS use?", "how do I open port 1688 …?") and other requests
/// ("activate web-01") return `None`. A polite question ("could you open tcp 1688 …?") is a
/// request. An explicit firewall phrase or a protocol/port spec wins over an internet phrase.
pub fn detect(text: &str) -> Option<RequestKind> {
    let lower = text.trim().to_ascii_lowercase();
    let body = match GREETING.find(&lower) {
        Some(m) => &lower[m.end()..],
        None => lower.as_str(),
    };
    let polite = POLITE_ASK.is_match(body);
    let question =
        QUESTION_START.is_match(body) || (body.contains('?') && QUESTION_WORD.is_match(body));
    if question && !polite {
        return None;
    }
    let verb = REQUEST_VERB.is_match(body) || polite;
    let flow = FLOW_WORD.is_match(body);
    if FIREWALL_PHRASE.is_match(body) {
        return Some(RequestKind::Firewall);
    }
    // "KMS host is kms7 on port 1690, give me the client commands": the steps are asked for.
    if INFO_ASK.is_match(body) && !OPEN_VERB.is_match(body) && !INTERNET_PHRASE.is_match(body) {
        return None;
    }
    let port_spec = PORT_SPEC.is_match(body);
    if port_spec && (verb || flow) {
        return Some(RequestKind::Firewall);
    }
    if INTERNET_PHRASE.is_match(body) && verb {
        return Some(RequestKind::InternetAccess);
    }
    if (ICMP_WORD.is_match(body) || ANY_PROTOCOL.is_match(body)) && verb && flow {
        return Some(RequestKind::Firewall);
    }
    None
}

/// Compiles the request parser's patterns, [`detect`]'s first (every chat message meets
/// them), so that a thread started with the process has them ready for the first message.
pub fn warm_up() {
    for p in [
        &GREETING,
        &POLITE_ASK,
        &QUESTION_START,
        &QUESTION_WORD,
        &REQUEST_VERB,
        &FLOW_WORD,
        &FIREWALL_PHRASE,
        &INFO_ASK,
        &OPEN_VERB,
        &INTERNET_PHRASE,
        &PORT_SPEC,
        &ICMP_WORD,
        &ANY_PROTOCOL,
        &ERROR_CODE,
        &PROTOCOL_WORD,
        &PORT_TRIGGER,
        &PORT_SLASH_PROTO,
        &INGRESS_WORD,
        &EGRESS_WORD,
        &EGRESS_HINT,
        &DURATION_FOR,
        &DURATION_BARE,
        &DURATION_UNTIL,
        &REASON_CONNECTOR,
        &TRAILING_NOISE,
    ] {
        LazyLock::force(p);
    }
}

/// Whether `text` reads as a question of its own (a question word first, a question mark at
/// the end, or an error code), whatever else it holds.
pub fn looks_like_question(text: &str) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    let body = match GREETING.find(&lower) {
        Some(m) => &lower[m.end()..],
        None => lower.as_str(),
    };
    QUESTION_START.is_match(body)
        || body.trim_end().ends_with('?')
        || ERROR_CODE.is_match(body)
        || INFO_ASK.is_match(body)
}

/// Parses one free-text message into a [`Draft`].
///
/// `kind` comes from [`detect`]. Every field that can be read is filled; a field that is present
/// but malformed is left empty and reported in `problems` (together with [`validate`] of what
/// was filled), so one bad value never loses the others.
pub fn parse(text: &str, known_instances: &[String]) -> Draft {
    let mut draft = extract(text, known_instances, None, None);
    let mut problems = std::mem::take(&mut draft.problems);
    push_unique(&mut problems, validate(&draft, known_instances));
    draft.problems = problems;
    draft
}

/// Merges `update` into `base`: every field set in `update` overrides the one in `base`
/// (`kind` only when `base` has none), instances are united, `problems` are replaced by
/// `update.problems`, and `confirmed` is reset when protocol, ports, endpoints or direction
/// change (or set when `update` confirms).
pub fn merge(base: &mut Draft, update: &Draft) {
    let before = rule_identity(base);
    if base.kind.is_none() {
        base.kind = update.kind;
    }
    if update.protocol.is_some() {
        base.protocol = update.protocol;
    }
    if update.ports.is_some() {
        base.ports.clone_from(&update.ports);
    }
    if update.source.is_some() {
        base.source.clone_from(&update.source);
    }
    if update.destination.is_some() {
        base.destination.clone_from(&update.destination);
    }
    if update.direction.is_some() {
        base.direction = update.direction;
    }
    if update.direction_hint.is_some() {
        base.direction_hint = update.direction_hint;
    }
    if update.reason.is_some() {
        base.reason.clone_from(&update.reason);
    }
    if update.duration.is_some() {
        base.duration.clone_from(&update.duration);
    }
    for name in &update.instances {
        if !base.instances.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            base.instances.push(name.clone());
        }
    }
    if rule_identity(base) != before {
        base.confirmed = false;
    }
    if update.confirmed {
        base.confirmed = true;
    }
    base.problems.clone_from(&update.problems);
    base.doubts.clone_from(&update.doubts);
}

/// How the problem of an answer that did not fill the field asked for begins (see
/// [`apply_answer`]).
pub const NOT_FOUND: &str = "I could not find";

/// Applies a free-form answer to the question for `slot` ("tcp", "TCP please", "1688",
/// "from 10.0.0.0/24", "it's web-01", "any", "to reach the KMS for activation", …).
///
/// Everything parseable in the answer is merged, also fields other than `slot`
/// ("tcp 1688 from web-01"). `draft.problems` is refreshed (answer problems + [`validate`]).
/// Returns `Err` with the most relevant problem when part of the answer was unusable or when
/// the answer did not fill `slot`; the usable parts are merged even then.
pub fn apply_answer(
    draft: &mut Draft,
    slot: Slot,
    text: &str,
    known_instances: &[String],
) -> Result<(), Problem> {
    let update = extract(text, known_instances, Some(slot), draft.kind);
    let answer_problems = update.problems.clone();
    merge(draft, &update);
    let mut problems = answer_problems.clone();
    push_unique(&mut problems, validate(draft, known_instances));
    draft.problems = problems;
    if let Some(problem) = answer_problems
        .iter()
        .find(|p| p.field == slot)
        .or(answer_problems.first())
    {
        return Err(problem.clone());
    }
    if !slot_filled(draft, slot) {
        let (what, example) = slot_description(slot);
        return Err(Problem::new(
            slot,
            format!("{NOT_FOUND} {what} in \"{}\"", text.trim()),
            example,
        ));
    }
    Ok(())
}

fn push_unique(into: &mut Vec<Problem>, more: Vec<Problem>) {
    for problem in more {
        if !into.contains(&problem) {
            into.push(problem);
        }
    }
}

fn rule_identity(draft: &Draft) -> String {
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}",
        draft.protocol, draft.ports, draft.source, draft.destination, draft.direction
    )
}

fn slot_filled(draft: &Draft, slot: Slot) -> bool {
    match slot {
        Field::Kind => draft.kind.is_some(),
        Field::Protocol => draft.protocol.is_some(),
        Field::Ports => draft.ports.is_some(),
        Field::Source => draft.source.is_some(),
        Field::Destination => draft.destination.is_some(),
        Field::Direction => draft.direction.is_some(),
        Field::Instances => !draft.instances.is_empty(),
        Field::Reason => draft.reason.is_some(),
        Field::Duration => draft.duration.is_some(),
    }
}

fn slot_description(slot: Slot) -> (&'static str, &'static str) {
    match slot {
        Field::Kind => (
            "whether this is a firewall rule or internet access",
            "firewall rule",
        ),
        Field::Protocol => ("a protocol (tcp, udp, icmp or any)", "tcp"),
        Field::Ports => ("a port, list or range", "1688"),
        Field::Source => ("a source address, host name or instance", "10.20.0.0/16"),
        Field::Destination => (
            "a destination address, host name or instance",
            "203.0.113.7",
        ),
        Field::Direction => ("a direction (inbound or outbound)", "outbound"),
        Field::Instances => ("an instance name", "web-01"),
        Field::Reason => ("a reason", "online activation of Windows"),
        Field::Duration => ("a duration", "for 2 days"),
    }
}

/// A whitespace-separated token with surrounding punctuation trimmed; offsets into the text.
#[derive(Debug, Clone)]
struct Token {
    start: usize,
    end: usize,
    text: String,
    /// The raw token ended with a comma (a list continues).
    comma: bool,
}

fn tokenize(lower: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut offset = 0;
    for raw in lower.split_inclusive(char::is_whitespace) {
        let start_raw = offset;
        offset += raw.len();
        let word = raw.trim_end();
        if word.is_empty() {
            continue;
        }
        let lead = word.len()
            - word
                .trim_start_matches(['(', '"', '`', '\'', '[', '<'])
                .len();
        let mut core = &word[lead..];
        let comma = core.ends_with(',');
        loop {
            let trimmed =
                core.trim_end_matches([',', ';', '.', '!', '?', ')', '"', '`', '\'', ']', '>']);
            let trimmed = if trimmed.ends_with(':') && trimmed.matches(':').count() == 1 {
                &trimmed[..trimmed.len() - 1]
            } else {
                trimmed
            };
            if trimmed.len() == core.len() {
                break;
            }
            core = trimmed;
        }
        if core.is_empty() {
            continue;
        }
        let start = start_raw + lead;
        tokens.push(Token {
            start,
            end: start + core.len(),
            text: core.to_string(),
            comma,
        });
    }
    tokens
}

/// What a single token is, as an endpoint.
enum Classified {
    Endpoint(Endpoint),
    /// Looks like an address but does not parse: (message, example).
    Bad(String, String),
    /// Looks like an instance name but is not a known instance.
    UnknownInstance(String),
    NotEndpoint,
}

fn classify(token: &str, known: &[String]) -> Classified {
    let t = token.trim_end_matches('.');
    if ANY_WORDS.contains(&t) {
        return Classified::Endpoint(Endpoint::Any);
    }
    if is_address_like(t) {
        return match parse_net(t) {
            Ok(net) => Classified::Endpoint(Endpoint::Network(net)),
            Err((message, example)) => Classified::Bad(message, example),
        };
    }
    if let Some(name) = known.iter().find(|k| k.eq_ignore_ascii_case(t)) {
        return Classified::Endpoint(Endpoint::Instance(name.clone()));
    }
    if is_hostname(t) {
        return Classified::Endpoint(Endpoint::Host(t.to_string()));
    }
    if is_instance_like(t) {
        return Classified::UnknownInstance(t.to_string());
    }
    Classified::NotEndpoint
}

/// Shape test only (which parser to use and whether to report a parse failure); the address
/// itself is always validated by `std::net` / `ipnet`.
fn is_address_like(t: &str) -> bool {
    let core = t.split('/').next().unwrap_or(t);
    core.matches(':').count() >= 2
        || (core.starts_with(|c: char| c.is_ascii_digit())
            && core.contains('.')
            && core.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// Parses an IPv4/IPv6 address or CIDR with `std::net` and `ipnet`; host bits are cleared.
/// Errors carry a specific message and a working example.
pub(super) fn parse_net(text: &str) -> Result<IpNet, (String, String)> {
    let (addr_text, prefix_text) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let addr: IpAddr = if addr_text.contains(':') {
        match addr_text.parse::<Ipv6Addr>() {
            Ok(a) => IpAddr::V6(a),
            Err(_) => {
                return Err((
                    format!("`{text}` is not a valid IPv6 address"),
                    "2001:db8::/64".to_string(),
                ))
            }
        }
    } else {
        IpAddr::V4(parse_v4(addr_text, text)?)
    };
    let (max, family, example) = match addr {
        IpAddr::V4(_) => (32u8, "IPv4", "10.20.0.0/16"),
        IpAddr::V6(_) => (128u8, "IPv6", "2001:db8::/64"),
    };
    let prefix = match prefix_text {
        None => max,
        Some(p) => match p.parse::<u8>() {
            Ok(n) if n <= max => n,
            _ => {
                return Err((
                    format!("`{text}`: prefix length /{p} is out of range for {family} (0-{max})"),
                    example.to_string(),
                ))
            }
        },
    };
    IpNet::new(addr, prefix)
        .map(|net| net.trunc())
        .map_err(|e| (format!("`{text}`: {e}"), example.to_string()))
}

fn parse_v4(addr_text: &str, whole: &str) -> Result<Ipv4Addr, (String, String)> {
    if let Ok(addr) = addr_text.parse::<Ipv4Addr>() {
        return Ok(addr);
    }
    let example = "10.20.0.0/16".to_string();
    let parts: Vec<&str> = addr_text.split('.').collect();
    if parts.len() != 4 {
        return Err((
            format!(
                "`{whole}` is not a valid IPv4 address: it has {} parts, an IPv4 address has 4",
                parts.len()
            ),
            example,
        ));
    }
    for part in parts {
        match part.parse::<u32>() {
            Ok(n) if n > 255 => {
                return Err((
                    format!("`{whole}` is not a valid IPv4 address: {n} is above 255"),
                    example,
                ))
            }
            _ => {}
        }
    }
    Err((format!("`{whole}` is not a valid IPv4 address"), example))
}

fn endpoint_problem(field: Field, classified: &Classified, known: &[String]) -> Option<Problem> {
    match classified {
        Classified::Bad(message, example) => Some(Problem::new(field, message, example)),
        Classified::UnknownInstance(name) => Some(unknown_instance_problem(field, name, known)),
        _ => None,
    }
}

struct Extractor<'a> {
    text: &'a str,
    lower: String,
    tokens: Vec<Token>,
    known: &'a [String],
    consumed: Vec<(usize, usize)>,
    draft: Draft,
    problems: Vec<Problem>,
    doubts: Vec<Problem>,
    /// Where the reason clause starts, once found: words after it belong to the reason.
    reason_start: Option<usize>,
}

/// Reads every field it can from `text`. `slot` enables bare answers for that slot ("1688",
/// "any", "web-01"); `context` is the kind of the draft being filled, if known.
fn extract(
    text: &str,
    known: &[String],
    slot: Option<Slot>,
    context: Option<RequestKind>,
) -> Draft {
    let lower = text.to_ascii_lowercase();
    let tokens = tokenize(&lower);
    let mut x = Extractor {
        text,
        lower,
        tokens,
        known,
        consumed: Vec::new(),
        draft: Draft::default(),
        problems: Vec::new(),
        doubts: Vec::new(),
        reason_start: None,
    };
    x.draft.kind = detect(text);
    if slot == Some(Field::Kind) && x.draft.kind.is_none() {
        x.draft.kind = if x.lower.contains("internet") {
            Some(RequestKind::InternetAccess)
        } else if x.lower.contains("firewall") || x.lower.contains("rule") {
            Some(RequestKind::Firewall)
        } else {
            None
        };
    }
    let kind = context.or(x.draft.kind);
    x.protocol(slot);
    x.ports(slot);
    x.duration(slot);
    x.direction(slot);
    if kind == Some(RequestKind::InternetAccess) || slot == Some(Field::Instances) {
        x.instances();
    } else {
        x.endpoints(slot);
    }
    x.reason(slot);
    x.unused_endpoints();
    x.draft.problems = std::mem::take(&mut x.problems);
    x.draft.doubts = std::mem::take(&mut x.doubts);
    x.draft
}

impl Extractor<'_> {
    fn is_consumed(&self, start: usize, end: usize) -> bool {
        self.consumed.iter().any(|&(s, e)| start < e && s < end)
    }

    fn problem(&mut self, field: Field, message: impl Into<String>, example: impl Into<String>) {
        let problem = Problem::new(field, message, example);
        if !self.problems.contains(&problem) {
            self.problems.push(problem);
        }
    }

    fn protocol(&mut self, slot: Option<Slot>) {
        let mut found: Vec<Protocol> = Vec::new();
        for m in PROTOCOL_WORD.find_iter(&self.lower) {
            let protocol = match m.as_str() {
                "tcp" => Protocol::Tcp,
                "udp" => Protocol::Udp,
                _ => Protocol::Icmp,
            };
            if !found.contains(&protocol) {
                found.push(protocol);
            }
        }
        if ANY_PROTOCOL.is_match(&self.lower) && !found.contains(&Protocol::Any) {
            found.push(Protocol::Any);
        }
        if found.is_empty() && slot == Some(Field::Protocol) {
            let bare_any = self
                .tokens
                .iter()
                .any(|t| matches!(t.text.as_str(), "any" | "all" | "either" | "whatever"));
            if bare_any {
                found.push(Protocol::Any);
            }
        }
        match found.as_slice() {
            [] => {}
            [one] => self.draft.protocol = Some(*one),
            many => {
                let names: Vec<&str> = many.iter().map(|p| p.as_str()).collect();
                self.problem(
                    Field::Protocol,
                    format!(
                        "several protocols given ({}); one rule has exactly one protocol, file one request per protocol",
                        names.join(", ")
                    ),
                    "tcp",
                );
            }
        }
    }

    fn ports(&mut self, slot: Option<Slot>) {
        let mut items: Vec<RawPort> = Vec::new();
        let triggers: Vec<usize> = PORT_TRIGGER
            .find_iter(&self.lower)
            .map(|m| m.end())
            .collect();
        for at in triggers {
            if let Some(found) = scan_port_list(&self.lower, at) {
                self.take_ports(found, &mut items);
            }
        }
        let slash: Vec<usize> = PORT_SLASH_PROTO
            .captures_iter(&self.lower)
            .filter_map(|c| c.get(1).map(|g| g.start()))
            .collect();
        for at in slash {
            if let Some(found) = scan_port_list(&self.lower, at) {
                self.take_ports(found, &mut items);
            }
        }
        if items.is_empty() && slot == Some(Field::Ports) {
            let starts: Vec<usize> = self
                .tokens
                .iter()
                .filter(|t| t.text.starts_with(|c: char| c.is_ascii_digit()))
                .map(|t| t.start)
                .collect();
            for at in starts {
                if let Some(found) = scan_port_list(&self.lower, at) {
                    self.take_ports(found, &mut items);
                    break;
                }
            }
        }
        if items.is_empty() {
            return;
        }
        let mut ranges: Vec<PortRange> = Vec::new();
        let mut bad = false;
        for item in &items {
            match item.to_range() {
                Ok(range) => {
                    if !ranges.contains(&range) {
                        ranges.push(range);
                    }
                }
                Err((message, example)) => {
                    bad = true;
                    self.problem(Field::Ports, message, example);
                }
            }
        }
        if !bad {
            self.draft.ports = Some(Ports(ranges));
        }
    }

    fn take_ports(&mut self, found: Vec<RawPort>, items: &mut Vec<RawPort>) {
        for item in found {
            if self.is_consumed(item.start, item.end) {
                continue;
            }
            self.consumed.push((item.start, item.end));
            items.push(item);
        }
    }

    fn duration(&mut self, slot: Option<Slot>) {
        let bare = slot == Some(Field::Duration);
        let captures = DURATION_FOR
            .captures(&self.lower)
            .or_else(|| bare.then(|| DURATION_BARE.captures(&self.lower)).flatten());
        if let Some(c) = captures {
            let (Some(whole), Some(n), Some(u)) = (c.get(0), c.name("n"), c.name("u")) else {
                return;
            };
            let span = (whole.start(), whole.end());
            let count = duration_count(n.as_str());
            let (unit, unit_seconds) = duration_unit(u.as_str());
            self.consumed.push(span);
            match count.checked_mul(unit_seconds) {
                Some(0) => self.problem(
                    Field::Duration,
                    format!(
                        "`{}` is zero; access needs a positive duration",
                        whole.as_str()
                    ),
                    "for 4 hours",
                ),
                Some(seconds) => {
                    let plural = if count == 1 { "" } else { "s" };
                    self.draft.duration = Some(AccessDuration {
                        text: format!("{count} {unit}{plural}"),
                        seconds: Some(seconds),
                    });
                }
                None => self.problem(
                    Field::Duration,
                    format!("`{}` is too long", whole.as_str()),
                    "for 2 days",
                ),
            }
            return;
        }
        if let Some(c) = DURATION_UNTIL.captures(&self.lower) {
            if let (Some(whole), Some(when)) = (c.get(0), c.name("when")) {
                self.consumed.push((whole.start(), whole.end()));
                let when = when
                    .as_str()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                self.draft.duration = Some(AccessDuration {
                    text: format!("until {when}"),
                    seconds: None,
                });
            }
        }
    }

    fn direction(&mut self, slot: Option<Slot>) {
        let mut ingress = INGRESS_WORD.is_match(&self.lower);
        let mut egress = EGRESS_WORD.is_match(&self.lower);
        if slot == Some(Field::Direction) {
            for t in &self.tokens {
                match t.text.as_str() {
                    "in" | "inward" | "inwards" => ingress = true,
                    "out" | "outward" | "outwards" => egress = true,
                    _ => {}
                }
            }
        }
        match (ingress, egress) {
            (true, true) => self.problem(
                Field::Direction,
                "both inbound and outbound given; one rule has one direction, file one request per direction",
                "inbound",
            ),
            (true, false) => self.draft.direction = Some(Direction::Ingress),
            (false, true) => self.draft.direction = Some(Direction::Egress),
            (false, false) => {}
        }
        if EGRESS_HINT.is_match(&self.lower) {
            self.draft.direction_hint = Some(Direction::Egress);
        }
    }

    fn endpoints(&mut self, slot: Option<Slot>) {
        let count = self.tokens.len();
        let mut i = 0;
        while i < count {
            let keyword = self.tokens[i].text.clone();
            let field = match keyword.as_str() {
                "from" => Field::Source,
                "to" | "towards" | "reach" | "reaching" | "into" | "on" | "at" => {
                    Field::Destination
                }
                "for" => Field::Instances,
                _ => {
                    i += 1;
                    continue;
                }
            };
            if matches!(keyword.as_str(), "on" | "at") && self.after_client_word(i) {
                // "VMs are on 10.8.0.0/24": where the clients are (`role_endpoints`).
                i += 1;
                continue;
            }
            let mut j = i + 1;
            let mut role: Option<String> = None;
            while j < count && j <= i + 3 && FILLERS.contains(&self.tokens[j].text.as_str()) {
                if ROLE_FILLERS.contains(&self.tokens[j].text.as_str()) {
                    role = Some(self.tokens[j].text.clone());
                }
                j += 1;
            }
            if j >= count {
                break;
            }
            let candidate = self.tokens[j].clone();
            if self.is_consumed(candidate.start, candidate.end) {
                i += 1;
                continue;
            }
            let classified = classify(&candidate.text, self.known);
            if let Classified::Endpoint(Endpoint::Any) = classified {
                let next = self.tokens.get(j + 1).map(|t| t.text.as_str());
                let port_word = matches!(next, Some("port" | "ports" | "protocol" | "protocols"));
                if port_word || matches!(keyword.as_str(), "on" | "at") {
                    i += 1;
                    continue;
                }
            }
            let not_a_name = field == Field::Instances
                && matches!(
                    classified,
                    Classified::Endpoint(Endpoint::Any | Endpoint::Network(_))
                        | Classified::Bad(..)
                );
            if matches!(classified, Classified::NotEndpoint) || not_a_name {
                i += 1;
                continue;
            }
            self.consumed.push((candidate.start, candidate.end));
            if let (Some(role), Classified::Endpoint(endpoint @ Endpoint::Host(_))) =
                (&role, &classified)
            {
                if field != Field::Instances && !candidate.text.contains(role.as_str()) {
                    self.role_doubt(field, role, endpoint);
                }
            }
            self.assign(field, classified, &candidate.text);
            self.check_list(field, j);
            i = j + 1;
        }
        self.role_endpoints();
        if self.draft.source.is_none() {
            self.subject_source();
        }
        if let Some(field @ (Field::Source | Field::Destination)) = slot {
            let already = match field {
                Field::Source => self.draft.source.is_some(),
                _ => self.draft.destination.is_some(),
            };
            if !already && !self.problems.iter().any(|p| p.field == field) {
                self.bare_endpoint(field);
            }
        }
    }

    /// True when the token before `i`, links aside, names client machines ("VMs are" on …).
    fn after_client_word(&self, i: usize) -> bool {
        let mut b = i;
        while b > 0 && CLIENT_LINKS.contains(&self.tokens[b - 1].text.as_str()) {
            b -= 1;
        }
        b > 0 && CLIENT_WORDS.contains(&self.tokens[b - 1].text.as_str())
    }

    /// Endpoints named by their role rather than by `from`/`to`: "kms host 10.50.0.10" (or
    /// "the KMS server is kms01.corp") is the destination, "clients in 10.60.0.0/16" (or "VMs
    /// are on 10.60.1.0/24") the source. Only for a field still empty.
    fn role_endpoints(&mut self) {
        const HOST_WORDS: &[&str] = &["host", "server", "hosts", "servers"];
        const LINKS: &[&str] = &["is", "at", "=", "on", "sits", "runs", "lives"];
        let count = self.tokens.len();
        for k in 0..count {
            let word = self.tokens[k].text.as_str();
            let next = self.tokens.get(k + 1).map(|t| t.text.as_str());
            let (field, mut j, links) =
                if word == "kms" && next.is_some_and(|n| HOST_WORDS.contains(&n)) {
                    (Field::Destination, k + 2, LINKS)
                } else if CLIENT_WORDS.contains(&word) {
                    (Field::Source, k + 1, CLIENT_LINKS)
                } else {
                    continue;
                };
            while j < count && links.contains(&self.tokens[j].text.as_str()) {
                j += 1;
            }
            if field == Field::Source {
                // "clients in 10.60.0.0/16": a place, not "clients need 1688".
                if !self
                    .tokens
                    .get(j)
                    .is_some_and(|t| matches!(t.text.as_str(), "in" | "on" | "at"))
                {
                    continue;
                }
                j += 1;
            }
            let Some(candidate) = self.tokens.get(j).cloned() else {
                continue;
            };
            let taken = match field {
                Field::Source => self.draft.source.is_some(),
                _ => self.draft.destination.is_some(),
            };
            if taken || self.is_consumed(candidate.start, candidate.end) {
                continue;
            }
            let classified = classify(&candidate.text, self.known);
            if !matches!(
                classified,
                Classified::Endpoint(
                    Endpoint::Host(_) | Endpoint::Network(_) | Endpoint::Instance(_)
                )
            ) {
                continue;
            }
            self.consumed.push((candidate.start, candidate.end));
            self.assign(field, classified, &candidate.text);
        }
    }

    /// "to kms host.corp.example": `kms` is dropped as a filler, but it may name the KMS host
    /// itself; the endpoint is kept and the requester asked.
    fn role_doubt(&mut self, field: Field, role: &str, endpoint: &Endpoint) {
        let doubt = Problem::new(
            field,
            format!(
                "you wrote `{role} {endpoint}`: I took `{endpoint}` as the {field} and I am not sure what `{role}` means there (a host called `{role}`, or a description of `{endpoint}`?)"
            ),
            endpoint.to_string(),
        );
        if !self.doubts.contains(&doubt) {
            self.doubts.push(doubt);
        }
    }

    /// Addresses, host and instance names that no field took and that are not part of the
    /// reason: never dropped silently, the requester is asked where they belong.
    fn unused_endpoints(&mut self) {
        let tokens = self.tokens.clone();
        for token in tokens {
            if self.is_consumed(token.start, token.end)
                || self.reason_start.is_some_and(|r| token.start >= r)
            {
                continue;
            }
            let classified = classify(&token.text, self.known);
            let Classified::Endpoint(
                endpoint @ (Endpoint::Network(_) | Endpoint::Host(_) | Endpoint::Instance(_)),
            ) = classified
            else {
                continue;
            };
            if self
                .problems
                .iter()
                .any(|p| p.message.contains(&token.text))
            {
                continue;
            }
            let field = if self.draft.kind == Some(RequestKind::InternetAccess) {
                Field::Instances
            } else if self.draft.destination.is_none() {
                Field::Destination
            } else {
                Field::Source
            };
            let kept = match field {
                Field::Source => self.draft.source.as_ref().map(Endpoint::to_string),
                Field::Destination => None,
                _ => self.draft.instances.first().cloned(),
            };
            let doubt = Problem::new(
                field,
                format!("I did not use `{endpoint}`: I could not tell whether it is the source, the destination or something else"),
                kept.unwrap_or_else(|| endpoint.to_string()),
            );
            if !self.doubts.contains(&doubt) {
                self.doubts.push(doubt);
            }
        }
    }

    /// "web-01 needs tcp 443 to …", "allow web-01 to reach …": the subject is the source.
    fn subject_source(&mut self) {
        let n = self.tokens.len();
        let mut candidate: Option<usize> = None;
        let first = self
            .tokens
            .iter()
            .position(|t| !matches!(t.text.as_str(), "please" | "pls" | "hi" | "hello" | "hey"));
        if let Some(k) = first {
            let verb = self.tokens.get(k + 1).map(|t| t.text.as_str());
            if matches!(
                verb,
                Some("needs" | "need" | "wants" | "must" | "should" | "requires")
            ) {
                candidate = Some(k);
            }
        }
        for k in 0..n {
            if candidate.is_some() {
                break;
            }
            let is_allow = matches!(
                self.tokens[k].text.as_str(),
                "allow" | "let" | "permit" | "enable"
            );
            let to = self.tokens.get(k + 2).map(|t| t.text.as_str());
            let verb = self.tokens.get(k + 3).map(|t| t.text.as_str());
            if is_allow && to == Some("to") && verb.is_some_and(|v| ENDPOINT_VERBS.contains(&v)) {
                candidate = Some(k + 1);
            }
        }
        let Some(k) = candidate else {
            return;
        };
        let token = self.tokens[k].clone();
        if self.is_consumed(token.start, token.end) {
            return;
        }
        let classified = classify(&token.text, self.known);
        if matches!(
            classified,
            Classified::NotEndpoint | Classified::Endpoint(Endpoint::Any)
        ) {
            return;
        }
        self.consumed.push((token.start, token.end));
        self.assign(Field::Source, classified, &token.text);
    }

    fn bare_endpoint(&mut self, field: Field) {
        let candidates: Vec<Token> = self
            .tokens
            .iter()
            .filter(|t| !self.is_consumed(t.start, t.end))
            .cloned()
            .collect();
        for token in candidates {
            let classified = classify(&token.text, self.known);
            if let Classified::NotEndpoint = classified {
                continue;
            }
            self.consumed.push((token.start, token.end));
            self.assign(field, classified, &token.text);
            return;
        }
    }

    fn assign(&mut self, field: Field, classified: Classified, raw: &str) {
        if field == Field::Instances {
            // "open tcp 1688 for web-01": the instance the rule is for; endpoints stay open.
            match classified {
                Classified::Endpoint(Endpoint::Instance(name) | Endpoint::Host(name))
                    if !self.draft.instances.contains(&name) =>
                {
                    self.draft.instances.push(name);
                }
                Classified::UnknownInstance(name) => {
                    let problem = unknown_instance_problem(field, &name, self.known);
                    if !self.problems.contains(&problem) {
                        self.problems.push(problem);
                    }
                }
                _ => {}
            }
            return;
        }
        if let Some(problem) = endpoint_problem(field, &classified, self.known) {
            if !self.problems.contains(&problem) {
                self.problems.push(problem);
            }
            return;
        }
        let Classified::Endpoint(endpoint) = classified else {
            return;
        };
        let slot = match field {
            Field::Source => &mut self.draft.source,
            _ => &mut self.draft.destination,
        };
        match slot {
            Some(existing) if *existing != endpoint => {
                let message = format!(
                    "several {field}s given ({existing} and {raw}); a request has one {field}, file another request for the second"
                );
                let example = existing.to_string();
                self.problem(field, message, example);
            }
            _ => *slot = Some(endpoint),
        }
    }

    /// After an endpoint at token `j`: "… and 10.1.0.0/16" / "…, web-02" is a second endpoint.
    fn check_list(&mut self, field: Field, j: usize) {
        let comma = self.tokens[j].comma;
        let and = self
            .tokens
            .get(j + 1)
            .is_some_and(|t| matches!(t.text.as_str(), "and" | "&" | "+"));
        let next = if and { j + 2 } else { j + 1 };
        if !(comma || and) {
            return;
        }
        let Some(token) = self.tokens.get(next).cloned() else {
            return;
        };
        match classify(&token.text, self.known) {
            Classified::NotEndpoint | Classified::Endpoint(Endpoint::Any) => {}
            classified => {
                self.consumed.push((token.start, token.end));
                self.assign(field, classified, &token.text);
                self.check_list(field, next);
            }
        }
    }

    fn instances(&mut self) {
        let tokens = self.tokens.clone();
        for (k, token) in tokens.iter().enumerate() {
            if self.is_consumed(token.start, token.end) {
                continue;
            }
            let previous = k
                .checked_sub(1)
                .and_then(|p| tokens.get(p))
                .map(|t| t.text.as_str());
            match classify(&token.text, self.known) {
                Classified::Endpoint(Endpoint::Instance(name)) => {
                    self.consumed.push((token.start, token.end));
                    if !self.draft.instances.contains(&name) {
                        self.draft.instances.push(name);
                    }
                }
                Classified::Endpoint(Endpoint::Host(host)) => {
                    self.consumed.push((token.start, token.end));
                    if matches!(previous, Some("to" | "reach" | "reaching" | "towards")) {
                        if self.draft.destination.is_none() {
                            self.draft.destination = Some(Endpoint::Host(host));
                        }
                    } else if !self.draft.instances.contains(&host) {
                        self.draft.instances.push(host);
                    }
                }
                Classified::Endpoint(Endpoint::Network(net)) => {
                    // An instance given by its address ("internet access on 10.0.0.12").
                    self.consumed.push((token.start, token.end));
                    if net.prefix_len() != net.max_prefix_len() {
                        self.problem(
                            Field::Instances,
                            format!(
                                "`{net}` is a network; name each instance by its address or name"
                            ),
                            "10.0.0.12",
                        );
                    } else if matches!(previous, Some("to" | "reach" | "reaching" | "towards")) {
                        if self.draft.destination.is_none() {
                            self.draft.destination = Some(Endpoint::Network(net));
                        }
                    } else {
                        let addr = net.addr().to_string();
                        if !self.draft.instances.contains(&addr) {
                            self.draft.instances.push(addr);
                        }
                    }
                }
                Classified::Bad(message, example) => {
                    self.consumed.push((token.start, token.end));
                    self.problem(Field::Instances, message, example);
                }
                Classified::UnknownInstance(name) => {
                    self.consumed.push((token.start, token.end));
                    let problem = unknown_instance_problem(Field::Instances, &name, self.known);
                    if !self.problems.contains(&problem) {
                        self.problems.push(problem);
                    }
                }
                _ => {}
            }
        }
    }

    fn reason(&mut self, slot: Option<Slot>) {
        let matches: Vec<(usize, usize, String)> = REASON_CONNECTOR
            .find_iter(&self.lower)
            .map(|m| (m.start(), m.end(), m.as_str().to_string()))
            .collect();
        for (start, end, connector) in matches {
            if self.is_consumed(start, end) {
                continue;
            }
            let after = self.next_word(end);
            let clause_start = if connector.starts_with("to ") || connector.starts_with("in ") {
                if connector.starts_with("in ") {
                    start + "in order ".len()
                } else {
                    start
                }
            } else if connector == "so" {
                let subject = matches!(
                    after.as_deref(),
                    Some(
                        "we" | "i"
                            | "they"
                            | "it"
                            | "our"
                            | "the"
                            | "users"
                            | "clients"
                            | "customers"
                            | "he"
                            | "she"
                            | "you"
                            | "windows"
                    )
                );
                if !subject {
                    continue;
                }
                end
            } else if connector == "for" {
                let Some(word) = after else {
                    continue;
                };
                let skip = matches!(
                    word.as_str(),
                    "example" | "now" | "me" | "us" | "them" | "it" | "instance" | "e.g"
                ) || !matches!(classify(&word, self.known), Classified::NotEndpoint)
                    || word.starts_with(|c: char| c.is_ascii_digit());
                if skip {
                    continue;
                }
                end
            } else {
                end
            };
            if let Some(reason) = self.clean_reason(clause_start) {
                self.draft.reason = Some(reason);
                self.reason_start = Some(clause_start);
                return;
            }
        }
        if slot == Some(Field::Reason) {
            if let Some(reason) = self.clean_reason(0) {
                let lowered = reason.to_ascii_lowercase();
                let stripped = ["it's ", "it is ", "its ", "because ", "so that ", "so "]
                    .iter()
                    .find_map(|p| {
                        lowered
                            .starts_with(p)
                            .then(|| reason[p.len()..].trim().to_string())
                    })
                    .unwrap_or(reason);
                if !stripped.is_empty() {
                    self.draft.reason = Some(stripped);
                    self.reason_start = Some(0);
                }
            }
        }
    }

    fn next_word(&self, at: usize) -> Option<String> {
        self.tokens
            .iter()
            .find(|t| t.start >= at)
            .map(|t| t.text.clone())
    }

    /// The reason clause from `start` to the end of the sentence, without durations and
    /// trailing politeness; `None` when nothing meaningful is left.
    fn clean_reason(&self, start: usize) -> Option<String> {
        let rest = self.text.get(start..)?;
        let sentence_end = rest
            .find(['\n', '?', '!'])
            .into_iter()
            .chain(rest.find(". "))
            .min()
            .unwrap_or(rest.len());
        let mut spans: Vec<(usize, usize)> = self
            .consumed
            .iter()
            .filter(|&&(s, e)| s >= start && e <= start + sentence_end)
            .copied()
            .collect();
        spans.sort();
        let mut out = String::new();
        let mut cursor = start;
        for (s, e) in spans {
            if !self.is_duration_span(s, e) {
                continue;
            }
            out.push_str(self.text.get(cursor..s)?);
            cursor = e;
        }
        out.push_str(self.text.get(cursor..start + sentence_end)?);
        let squashed = out.split_whitespace().collect::<Vec<_>>().join(" ");
        let cleaned = TRAILING_NOISE.replace(&squashed, "").trim().to_string();
        (cleaned.chars().filter(|c| c.is_alphanumeric()).count() >= 2).then_some(cleaned)
    }

    fn is_duration_span(&self, start: usize, end: usize) -> bool {
        let span = self.lower.get(start..end).unwrap_or("");
        DURATION_FOR.is_match(span) || DURATION_UNTIL.is_match(span) || DURATION_BARE.is_match(span)
    }
}

fn duration_count(n: &str) -> u64 {
    match n.split_whitespace().collect::<Vec<_>>().join(" ").as_str() {
        "a" | "an" | "one" => 1,
        "two" | "a couple of" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        digits => digits.parse().unwrap_or(u64::MAX),
    }
}

fn duration_unit(u: &str) -> (&'static str, u64) {
    match u.chars().next() {
        Some('m') if u.starts_with("mo") => ("month", 30 * 86_400),
        Some('m') => ("minute", 60),
        Some('h') => ("hour", 3_600),
        Some('d') => ("day", 86_400),
        _ => ("week", 7 * 86_400),
    }
}

/// A port or range as written, before range checks.
#[derive(Debug, Clone)]
struct RawPort {
    start: usize,
    end: usize,
    first: u64,
    last: Option<u64>,
    /// The item as written ("70000", "5010-5000").
    text: String,
}

impl RawPort {
    fn to_range(&self) -> Result<PortRange, (String, String)> {
        let text = &self.text;
        let check = |port: u64| -> Result<u16, (String, String)> {
            match u16::try_from(port) {
                Ok(p) if p >= 1 => Ok(p),
                _ => Err((
                    format!("port {text} is outside the valid range 1-65535"),
                    "1688".to_string(),
                )),
            }
        };
        let first = check(self.first)?;
        let last = match self.last {
            Some(last) => check(last)?,
            None => first,
        };
        if first > last {
            return Err((
                format!("port range {text} is reversed: the first port must be the lower one"),
                format!("{last}-{first}"),
            ));
        }
        Ok(PortRange {
            start: first,
            end: last,
        })
    }
}

/// Reads a port list ("1688", "1688,3389", "5000-5010", "80 and 443") starting at byte `at`.
/// Stops before anything that looks like an address ("10.0.0.1", "2001:db8::1").
fn scan_port_list(s: &str, at: usize) -> Option<Vec<RawPort>> {
    let bytes = s.as_bytes();
    let mut pos = at;
    let mut items = Vec::new();
    loop {
        let item_start = skip_spaces(bytes, pos);
        let Some((first, after_first)) = read_number(bytes, item_start) else {
            break;
        };
        if !port_boundary(bytes, after_first) {
            break;
        }
        let mut end = after_first;
        let mut last = None;
        let range_at = skip_spaces(bytes, after_first);
        let dash = if bytes.get(range_at) == Some(&b'-') || bytes.get(range_at) == Some(&b':') {
            Some(range_at + 1)
        } else if s.get(range_at..).is_some_and(|r| r.starts_with('–')) {
            Some(range_at + '–'.len_utf8())
        } else {
            None
        };
        if let Some(after_dash) = dash {
            let second_at = skip_spaces(bytes, after_dash);
            if let Some((second, after_second)) = read_number(bytes, second_at) {
                if port_boundary(bytes, after_second) {
                    last = Some(second);
                    end = after_second;
                }
            }
        }
        if last.is_none() && bytes.get(after_first) == Some(&b':') {
            // "2001:db8" style: not a port.
            break;
        }
        let text = s.get(item_start..end).unwrap_or_default().replace(' ', "");
        items.push(RawPort {
            start: item_start,
            end,
            first,
            last,
            text,
        });
        let sep_at = skip_spaces(bytes, end);
        pos = match bytes.get(sep_at) {
            Some(b',' | b'&' | b'+') => sep_at + 1,
            _ if s.get(sep_at..).is_some_and(|r| r.starts_with("and ")) => sep_at + 3,
            _ if s.get(sep_at..).is_some_and(|r| r.starts_with("or ")) => sep_at + 2,
            _ => break,
        };
    }
    (!items.is_empty()).then_some(items)
}

fn skip_spaces(bytes: &[u8], mut pos: usize) -> usize {
    while bytes.get(pos).is_some_and(|b| *b == b' ' || *b == b'\t') {
        pos += 1;
    }
    pos
}

fn read_number(bytes: &[u8], pos: usize) -> Option<(u64, usize)> {
    let mut end = pos;
    let mut value: u64 = 0;
    while let Some(b) = bytes.get(end).filter(|b| b.is_ascii_digit()) {
        value = value.saturating_mul(10).saturating_add(u64::from(b - b'0'));
        end += 1;
    }
    (end > pos).then_some((value, end))
}

/// A port number must not run into an address, a word or a unit ("10.0", "2001:db8", "2h").
fn port_boundary(bytes: &[u8], pos: usize) -> bool {
    match bytes.get(pos) {
        None => true,
        Some(b'.') => !bytes.get(pos + 1).is_some_and(u8::is_ascii_digit),
        Some(b) => !b.is_ascii_alphanumeric(),
    }
}
