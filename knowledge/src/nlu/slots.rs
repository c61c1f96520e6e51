//! Slot extraction: what the user told us (editions with negation, KMS host, port, error code, machine counts, instance names, pasted `slmgr` output).

use std::collections::BTreeSet;
use std::sync::LazyLock;

use crate::pattern::Regex;

use crate::text::{rx_match, Matcher};

use crate::editions::{self, EditionQuery};
use crate::facts::normalize_error_code;
use crate::nlu::dli::{self, DliReport};

/// Compiles a static pattern; the patterns below are literals checked by the tests.
use crate::text::{rx, rx_folded, Folded};

/// Whether a machine count is about servers or clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MachineKind {
    /// Windows Server machines (threshold 5).
    Server,
    /// Windows client machines (threshold 25).
    Client,
    /// Not said.
    Unknown,
}

/// "we only have 3 windows servers".
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MachineCount {
    /// How many.
    pub n: u32,
    /// Of which kind.
    pub kind: MachineKind,
}

/// Everything extracted from one message.
#[derive(Debug, Clone, Default)]
pub struct Slots {
    /// Editions named, one query per edition mentioned ("2016 standard and 2025 datacenter").
    pub editions: Vec<EditionQuery>,
    /// Edition words the user excluded ("not LTSC", "non-N").
    pub excluded: BTreeSet<String>,
    /// KMS host (IP address or DNS name) named in the message.
    pub host: Option<String>,
    /// TCP port named in the message.
    pub port: Option<u16>,
    /// Error code, canonical (`0xC004F074`).
    pub error: Option<String>,
    /// A machine count.
    pub count: Option<MachineCount>,
    /// Pasted `slmgr /dli` or `/dlv` output.
    pub dli: Option<DliReport>,
    /// An instance name such as `web-01`.
    pub instance: Option<String>,
    /// A product key pasted in the message (upper case).
    pub product_key: Option<String>,
    /// A network in CIDR notation ("clients in 10.60.0.0/16"): where the clients are.
    pub network: Option<String>,
}

impl Slots {
    /// Neither an error code nor pasted command output: the message is not about a failure
    /// the user shows (most rerouting rules apply only then).
    pub fn nothing_pasted(&self) -> bool {
        self.error.is_none() && self.dli.is_none()
    }
}

static IPV4: LazyLock<Regex> = LazyLock::new(|| {
    rx(r"(?:^|[^0-9.])((?:\d{1,3}\.){3}\d{1,3})(?::(\d{1,5}))?(?:\.(?:[^0-9]|$)|[^0-9.]|$)")
});
static FQDN: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)(?:^|[^a-z0-9.\-/\\_])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62})(?::(\d{1,5}))?(?:[^a-z0-9\-]|$)",
    )
});
/// A port after a word that can only mean a port ("port 2000", "tcp/1700", "listens on 1700").
static PORT: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)\b(?:port|listens?\s+on(?:\s+port)?|listening\s+on(?:\s+port)?|tcp\s*/?|tcp\s+port)\s*(?:number\s*)?(?:is\s+|should\s+be\s+|will\s+be\s+|of\s+)?[:=(,`']?\s*(\d{2,5})\b|(?:^|[^\d.:])(\d{2,5})\s+(?:as\s+(?:the\s+)?)?port\b",
    )
});
/// Words that correct an earlier value ("by mistake", "the real one is").
static CORRECTION: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"\b(mistake|wrong|real\s+one|actual|correct\s+one|instead|should\s+be|changed\s+to|new\s+one|moved|moving|migrated|migrating|switching\s+to|changed|replaced|new\s+(ip|address|host)|real\s+(kms|host|server|address|ip)|(really|actually|in\s+fact)\s+(at|on|is|lives|sits|runs|located)|(is|lives|sits|runs)\s+(really|actually))\b",
    )
});
/// A port after a word that could also precede a year ("runs on 2019"), or named after the word
/// port ("the port isn't default, it's 1701", "the port of kms is 1700").
static WEAK_PORT: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)\b(?:runs\s+on|uses?|using|on)\s+(\d{3,5})\b|\bport\b.{0,30}\b(?:it'?s|it\s+is)\s+(\d{3,5})\b|\bport\b[a-z\s]{0,30}\b(?:is|was|be)\s+(\d{3,5})\b",
    )
});
/// Error texts people paste without the code, mapped to the code they belong to.
static ERROR_PHRASES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"can'?t\s+be\s+contacted|cannot\s+be\s+contacted|could\s+not\s+contact\s+(the\s+)?kms|no\s+key\s+management\s+service\s*(?:\(kms\))?\s+could\s+be\s+contacted|(?:can'?t|cannot|couldn'?t|could\s+not|unable\s+to)\s+(?:connect\s+to|reach|contact)\s+(?:your\s+|the\s+|our\s+)?organi[sz]ation'?s\s+activation\s+server|organi[sz]ation'?s\s+activation\s+server\s+(?:is\s+)?(?:unavailable|not\s+available|unreachable|down)|kms\s+(?:host\s+)?could\s+not\s+be\s+contacted|kms\s+(?:host|server)\s+(?:is\s+)?(?:not\s+available|unavailable)|key\s+management\s+service\s*(?:\(kms\))?\s+is\s+(?:unavailable|not\s+available)", "0xC004F074"),
        (r"count\s+reported\s+by\s+your\s+key\s+management\s+service|kms\s+count\s+(?:is\s+)?insufficient|count\s+is\s+insufficient|count\s+reported\s+by\s+(your|the)\s+kms(\s+(server|host))?\s+is\s+insufficient", "0xC004F038"),
        (r"dns\s+name\s+(?:does\s+not|doesn'?t)\s+exist|(?:kms|host|server)\b.{0,20}\b(?:could\s+not|couldn'?t|can'?t|cannot)\s+be\s+(?:located|found)\s+in\s+(?:the\s+)?dns", "0x8007232B"),
        (r"request\s+timestamp\s+is\s+invalid", "0xC004F06C"),
        (r"specified\s+key\s+management\s+service\s*(?:\(kms\))?\s+cannot\s+be\s+used|kms\s+(?:host|server)\b.{0,30}\b(?:cannot|can'?t|is\s+not\s+able\s+to|unable\s+to)\s+activate\s+this\s+(?:product|version|edition|os|operating\s+system)\b", "0xC004F042"),
        (r"(?:specified\s+)?product\s+key\s+is\s+blocked", "0xC004C003"),
        (r"non-?genuine\s+grace\s+period\s+(?:has\s+)?expired", "0xC004F064"),
        (r"within\s+the\s+(?:valid\s+)?non-?genuine\s+(?:grace\s+)?period", "0xC004F065"),
        (r"valid\s+digital\s+licen[cs]e\s+or\s+product\s+key", "0x803F7001"),
        (r"grace\s+period\s+(?:has\s+)?expired", "0xC004F009"),
        (r"offline\s+activation\s+data\s+is\s+incorrect|confirmation\s+id\b.{0,30}\b(?:wrong|invalid|incorrect|bad)\s+(?:format|length)?|(?:wrong|invalid|incorrect)\s+format\b.{0,30}\bconfirmation\s+id", "0xC004F02C"),
        (r"not\s+running\s+genuine\s+windows", "0x8004FE21"),
        (r"rpc\s+server\s+is\s+unavailable", "0x800706BA"),
        (r"requires?\s+elevated\s+privileges|requires?\s+elevation|access\s+(?:is\s+)?denied", "0x80070005"),
        (r"multiple\s+activation\s+key\s+has\s+exceeded\s+its\s+limit", "0xC004C020"),
        (r"key\s+management\s+service\s*(?:\(kms\))?\s+is\s+not\s+activated|kms\s+needs\s+to\s+be\s+activated|kms\s+(?:host|server)\s+(?:itself\s+)?(?:is\s+not|isn'?t|is\s+n't|not)\s+(?:yet\s+)?activated", "0xC004F041"),
        (r"could\s+not\s+be\s+activated\s+using\s+the\s+key\s+management\s+service", "0xC004F056"),
        (r"product\s+key\s+could\s+not\s+be\s+used", "0xC004C008"),
        (r"key\s+management\s+service\s*(?:\(kms\))?\s+is\s+not\s+enabled", "0xC004F039"),
        (r"(?:product\s+)?sku\s+(?:is\s+|was\s+)?not\s+found", "0xC004F069"),
        (r"syntax\s+is\s+incorrect", "0x8007007B"),
        (r"licen[cs]e\s+consumption\s+failed", "0xC004E015"),
        (r"licen[cs]e\s+in\s+the\s+computer\s+bios\s+is\s+invalid", "0xC004F059"),
        (r"hardware\s+id\s+binding\s+is\s+beyond", "0xC004F00F"),
        (r"licen[cs]e\s+evaluation\s+failed", "0xC004E003"),
        (r"licen[cs]e\s+(?:is\s+not|isn'?t)\s+installed", "0xC004F015"),
        (r"product\s+key\s+is\s+(?:invalid|not\s+valid)\s+for\s+this\s+installation", "0xC004E016"),
        (r"(?:product\s+)?key\s+(?:is\s+|was\s+)?(?:invalid|not\s+valid)\b|\binvalid\s+product\s+key|\bkey\b.{0,50}\b(?:said|says|saying|show\w*|giv\w*|report\w*|tell\w*)\s+(?:me\s+)?(?:that\s+)?(?:it'?s\s+|it\s+is\s+|is\s+)?(?:invalid|not\s+valid)\b", "0xC004F050"),
    ]
    .into_iter()
    .map(|(p, c)| (rx(&format!("(?i){p}")), c))
    .collect()
});

/// The code of a pasted error text without its code.
pub fn error_from_phrase(text: &str) -> Option<&'static str> {
    const TRIGGERS: &[&str] = &[
        "contact",
        "count",
        "dns",
        "timestamp",
        "cannot be used",
        "activate this",
        "blocked",
        "grace",
        "rpc",
        "elevat",
        "denied",
        "exceeded",
        "activation server",
        "not activated",
        "isn't activated",
        "not enabled",
        "insufficient",
        "needs to be activated",
        "could not be activated",
        "could not be used",
        "not found",
        "syntax",
        "format",
        "genuine",
        "consumption",
        "digital",
        "invalid",
        "not valid",
        "available",
        "installed",
        "bios",
        "binding",
        "evaluation failed",
    ];
    let lower = text.to_lowercase();
    if !TRIGGERS.iter().any(|t| lower.contains(t)) {
        return None;
    }
    ERROR_PHRASES
        .iter()
        .find(|(r, _)| r.is_match(text))
        .map(|(_, c)| *c)
}
static NEGATION: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)\b(?:not|non|no|except|excluding|but\s+not|other\s+than|isn'?t|isnt|(?:don'?t|do\s+not)\s+(?:need|want))[\s-]+(?:the\s+|an?\s+)?(?:(?:simple|plain|regular|normal|basic|vanilla|ordinary|just)\s+)?(ltsc|ltsb|n|azure(?:\s+edition)?|datacenter|standard|std|dc|pro|enterprise|ent|education|iot|workstations?|essentials|home)\b",
    )
});
/// Editions glued to their year ("2022dc", "2019std").
static GLUED: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)\b((?:ws|srv|w2k|2k|server|windows|win|w)?\d{2,4})(dc|std|datacenter|datacentre|standard|ess|essentials|r2|pro|ent|enterprise|edu|education)\b",
    )
});
static SEGMENT_SPLIT: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)\s+and\s+|\s*[,;&+]\s*|\s+/\s+|\s+plus\s+|\s+also\s+|\s+as\s+well\s+as\s+|\s+(vs\.?|versus|compared\s+(to|with)|(different|differs?)\s+from|same\s+as)\s+",
    )
});
static COUNT: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)(?:^|[^0-9.a-z])((?:two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\s+dozen|\d{1,5}|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine)\b)?|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|one|two|three|four|five|six|seven|eight|nine|ten|a\s+dozen|a\s+couple\s+of|a\s+single)\s+((?:[a-z0-9.\-]+\s+){0,3}?)(vms?|virtual\s+machines?|machines?|servers?|instances?|clients?|desktops?|pcs?|laptops?|computers?|devices?|boxes|nodes|hosts?|workstations?|vdis?|(?:windows|win)\s*(?:1[01]|8\.1|[78])(?:\s+(?:pro|enterprise|education))?)\b",
    )
});
static INSTANCE: LazyLock<Regex> =
    LazyLock::new(|| rx(r"(?i)\b([a-z][a-z0-9]*(?:-[a-z0-9]+)*-\d{1,4}[a-z]?)\b"));
static VERSION_LIKE: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)^(win|windows|server|srv|ws)-\d{1,4}[a-z]?$"));
static PRODUCT_KEY: LazyLock<Regex> =
    LazyLock::new(|| rx(r"(?i)\b[a-z0-9]{5}(?:[-\u{2010}-\u{2015}\u{2212}][a-z0-9]{5}){4}\b"));

/// Compiles this module's patterns and, through one extraction, those of the edition and
/// error-code recognizers (`crate::warm_up`).
pub(crate) fn warm_up() {
    LazyLock::force(&ERROR_PHRASES);
    let patterns: &[&dyn crate::text::WarmUp] = &[
        &MOVE_WORDS,
        &MOVE_TO_BEFORE,
        &VERSION_LIKE,
        &INSTANCE,
        &COUNT,
        &SEGMENT_SPLIT,
        &GLUED,
        &NEGATION,
        &NEGATED_VERSION,
        &NEGATED_VERSION_YEAR,
        &WEAK_PORT,
        &CORRECTION,
        &PORT,
        &FQDN,
        &IPV4,
        &PRODUCT_KEY,
    ];
    for pattern in patterns {
        pattern.warm_up();
    }
    std::hint::black_box(extract(
        "srv 2019 dc, not ltsc, win 10 20h2 without hyper-v on kms.example.com:1688, error f074",
    ));
}

/// A name right after "domain" or "-DomainName" ("join the domain corp.local",
/// "Add-Computer -DomainName corp.local") is an Active Directory domain, not a KMS host.
fn names_a_domain(before: &str) -> bool {
    let b = before
        .trim_end_matches(|c: char| c.is_whitespace() || c == '\'' || c == '"')
        .to_lowercase();
    b.ends_with("domain") || b.ends_with("domainname") || b.ends_with("domain:")
}

/// File names and well-known names that look like DNS names but are not a KMS host.
fn is_not_a_host(name: &str) -> bool {
    let lower = name.to_lowercase();
    const EXT: &[&str] = &[
        ".vbs", ".exe", ".msc", ".cmd", ".bat", ".ps1", ".txt", ".log", ".dll", ".md", ".toml",
        ".msi", ".cpl", ".reg", ".xml", ".json", ".yml", ".yaml", ".ini", ".cfg", ".conf",
        ".tfvars", ".iso", ".wim", ".vhd", ".vhdx", ".msu", ".csv", ".psm1", ".evtx", ".inf",
    ];
    EXT.iter().any(|e| lower.ends_with(e))
        || lower == "time.windows.com"
        || lower.ends_with("microsoft.com")
        || ["google.com", "amazon.com", "github.com", "cloudflare.com", "example.com"]
            .iter()
            .any(|d| lower == *d || lower == format!("www.{d}"))
        || lower.ends_with(".windowsupdate.com")
        || lower.starts_with("e.g")
        || lower.starts_with("i.e")
        || lower.starts_with("slmgr.")
        || lower.split('.').count() < 2
        || lower.chars().all(|c| c.is_ascii_digit() || c == '.')
        // version numbers such as 8.1 or "10.0.17763"
        || lower.split('.').all(|l| l.chars().all(|c| c.is_ascii_digit()))
        || lower.starts_with("_vlmcs")
}

fn valid_ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| p.parse::<u16>().is_ok_and(|n| n <= 255))
}

/// A number written in digits or in words ("twelve", "twenty-five", "a dozen", "two dozen", "a
/// single").
pub(crate) fn word_number(w: &str) -> Option<u32> {
    let w = w.to_lowercase().replace('-', " ");
    let words: Vec<&str> = w.split_whitespace().collect();
    match words.as_slice() {
        ["a", "couple", "of"] => Some(2),
        ["a", "dozen"] => Some(12),
        ["a", "single"] => Some(1),
        // "Two dozen desktops".
        [n, "dozen"] => small_number(n).or_else(|| n.parse().ok()).map(|n| n * 12),
        [one] => small_number(one)
            .or_else(|| tens_number(one))
            .or_else(|| one.parse().ok()),
        [tens, unit] => Some(tens_number(tens)? + small_number(unit).filter(|u| *u < 10)?),
        _ => None,
    }
}

/// "zero" to "nineteen".
fn small_number(w: &str) -> Option<u32> {
    const WORDS: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    WORDS
        .iter()
        .position(|x| *x == w)
        .and_then(|i| u32::try_from(i).ok())
}

/// "twenty" to "ninety".
fn tens_number(w: &str) -> Option<u32> {
    const WORDS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    WORDS
        .iter()
        .position(|x| *x == w)
        .and_then(|i| u32::try_from(i).ok())
        .map(|i| 20 + 10 * i)
}

/// An IPv6 address ("fd00::10", "[fd00::10]:1688"), without its brackets.
fn ipv6_host(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '`' | '"' | '\''))
        .map(|w| {
            let w = w.trim_end_matches(['.', '?', '!']);
            match (w.find('['), w.find(']')) {
                (Some(a), Some(b)) if a < b => &w[a + 1..b],
                _ => w,
            }
        })
        .find(|w| w.contains("::") || w.matches(':').count() >= 3)
        .and_then(|w| w.parse::<std::net::Ipv6Addr>().ok())
        .map(|a| a.to_string())
}

/// A port written in words after "port" ("port seventeen hundred", "port one seven zero zero").
fn spelled_port(text: &str) -> Option<u16> {
    let small = small_number;
    let tens = tens_number;
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    let at = words.iter().position(|w| *w == "port")?;
    let mut nums = Vec::new();
    for w in words[at + 1..]
        .iter()
        .skip_while(|w| ["is", "of", "on", "to", "at", "number"].contains(w))
    {
        if small(w).is_some() || tens(w).is_some() || ["hundred", "thousand", "and"].contains(w) {
            nums.push(*w);
        } else {
            break;
        }
    }
    nums.retain(|w| *w != "and");
    if nums.is_empty() {
        return None;
    }
    let value = if nums.len() >= 2 && nums.iter().all(|w| small(w).is_some_and(|v| v < 10)) {
        // Digit by digit: "one seven zero zero".
        nums.iter()
            .try_fold(0u32, |acc, w| acc.checked_mul(10)?.checked_add(small(w)?))?
    } else {
        let (mut total, mut current) = (0u32, 0u32);
        for w in &nums {
            match *w {
                "hundred" => current = current.max(1).saturating_mul(100),
                "thousand" => {
                    total = total.saturating_add(current.max(1).saturating_mul(1000));
                    current = 0;
                }
                w => current = current.saturating_add(small(w).or_else(|| tens(w)).unwrap_or(0)),
            }
        }
        total.saturating_add(current)
    };
    u16::try_from(value).ok().filter(|p| *p > 0)
}

/// Words after a number that make it a count or a duration, not a port.
const COUNTED_AFTER: &[&str] = &[
    "machine", "server", "client", "vm", "instance", "pc", "laptop", "desktop", "device", "user",
    "seat", "licen", "day", "hour", "minute", "core", "gb", "mb", "node", "box",
];

/// Words just before the host a move goes to ("moving to", "the new one is", "switch over to").
static MOVE_TO_BEFORE: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)(\bto|\bnew\s+(one|host|kms|server|address|ip)(\s+(is|will\s+be))?|\bnew)\s*:?\s*$",
    )
});
/// Words of a move ("moving", "migrating", "switching", "replacing").
static MOVE_WORDS: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(mov(e|ing)|migrat(e|ing)|switch(ing)?|replac(e|ing)|cut\s*over|retir(e|ing))\b",
    )
});

/// In a message about moving from one KMS host to another that names both ("moving to
/// kms2 from kms1", "switching to kms-b, the old one is kms-a"), the host moved to, with its
/// port; `None` when there is no such move or no other host.
fn move_target(text: &str, first: &str) -> Option<(String, Option<u16>)> {
    if !MOVE_WORDS.is_match(text) {
        return None;
    }
    let mut found: Vec<(usize, String, Option<u16>)> = Vec::new();
    for c in IPV4.captures_iter(text) {
        let Some(ip) = c.get(1) else { continue };
        if valid_ipv4(ip.as_str()) && !text[ip.end()..].starts_with('/') {
            let p = c.get(2).and_then(|p| p.as_str().parse().ok());
            found.push((ip.start(), ip.as_str().to_string(), p));
        }
    }
    for c in FQDN.captures_iter(text) {
        let Some(name) = c.get(1) else { continue };
        if is_not_a_host(name.as_str()) || names_a_domain(&text[..name.start()]) {
            continue;
        }
        let p = c.get(2).and_then(|p| p.as_str().parse().ok());
        let n = name.as_str().trim_end_matches('.').to_string();
        found.push((name.start(), n, p));
    }
    let distinct: std::collections::BTreeSet<&str> =
        found.iter().map(|(_, h, _)| h.as_str()).collect();
    if distinct.len() != 2 || !distinct.contains(first) {
        return None;
    }
    found
        .into_iter()
        .find(|(start, _, _)| {
            // The 40 bytes before it, from a character boundary.
            let mut from = start.saturating_sub(40);
            while !text.is_char_boundary(from) {
                from += 1;
            }
            MOVE_TO_BEFORE.is_match(&text[from..*start])
        })
        .map(|(_, h, p)| (h, p))
}

/// Host and port named in `text`: IP addresses first, then DNS names.
/// The single-label KMS host named in `text` and its port: a word of letters, digits and
/// hyphens that holds "kms" and a number ("kms01", "kms-02", "srv-kms1", "kmshost2:1700"),
/// without a domain. "kms" alone, words without a number ("KMS-only", "kms-host") and
/// versions ("kms2022") are none.
fn kms_label_host(text: &str) -> Option<(String, Option<u16>)> {
    text.split(|c: char| c.is_whitespace() || ",;()[]{}\"'`?!<>=".contains(c))
        .find_map(|word| {
            let word = word.trim_end_matches('.');
            let (name, port) = match word.split_once(':') {
                Some((n, p)) => (n, Some(p.parse::<u16>().ok()?)),
                None => (word, None),
            };
            let lower = name.to_ascii_lowercase();
            let year = lower
                .split(|c: char| !c.is_ascii_digit())
                .any(|d| d.len() == 4 && d.starts_with("20"));
            let fits = lower.contains("kms")
                && lower
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && lower.bytes().any(|b| b.is_ascii_digit())
                && !lower.starts_with('-')
                && !lower.ends_with('-')
                && !lower.starts_with("0x")
                && !year;
            fits.then(|| (name.to_string(), port))
        })
}

fn host_and_port(text: &str) -> (Option<String>, Option<u16>) {
    // "kms01", "kms-02:1700": a host without a domain, named as the KMS host.
    if !text.contains('.') && !text.contains("::") {
        if let Some((h, p)) = kms_label_host(text) {
            let port = p.or_else(|| host_and_port(&text.replace(h.as_str(), " ")).1);
            return (Some(h), port);
        }
    }
    let mut host = None;
    let mut port = None;
    let lower = text.to_lowercase();
    if !text.contains('.')
        && !text.contains("::")
        && !["port", "tcp", "listen", "on ", "using", "use "]
            .iter()
            .any(|w| lower.contains(w))
    {
        return (None, None);
    }
    // "ran /skms 10.1.1.1 by mistake, the real one is 10.1.1.11": the last address named
    // after a correction is the one meant; otherwise the first.
    let corrected = CORRECTION.is_match(&lower);
    for c in IPV4.captures_iter(text) {
        let Some(ip) = c.get(1) else { continue };
        if !valid_ipv4(ip.as_str()) {
            continue;
        }
        // A CIDR source ("10.0.0.0/8") is a network, not a host.
        if text[ip.end()..].starts_with('/') {
            continue;
        }
        host = Some(ip.as_str().to_string());
        port = c.get(2).and_then(|p| p.as_str().parse().ok());
        if !corrected {
            break;
        }
    }
    // An IPv6 host that also has a DNS name is named by that name (slmgr takes IPv6-only
    // hosts by name).
    let v6 = if host.is_none() {
        ipv6_host(text)
    } else {
        None
    };
    if host.is_none() {
        for c in FQDN.captures_iter(text) {
            let Some(name) = c.get(1) else { continue };
            if is_not_a_host(name.as_str()) || names_a_domain(&text[..name.start()]) {
                continue;
            }
            host = Some(name.as_str().trim_end_matches('.').to_string());
            port = c.get(2).and_then(|p| p.as_str().parse().ok());
            if !corrected {
                break;
            }
        }
    }
    if host.is_none() {
        host = v6;
    }
    if let Some((h, p)) = host.as_ref().and_then(|h| move_target(text, h)) {
        host = Some(h);
        port = p;
    }
    // "kmsprod.corp.net 1690": a number written right after the host is its port.
    if port.is_none() {
        port = host.as_deref().and_then(|h| port_after_host(text, h));
    }
    // The host's own digits are no port ("KMS on 192.168.10.5").
    let rest = match &host {
        Some(h) if port.is_none() => text.replace(h.as_str(), " "),
        _ => String::new(),
    };
    let text = if rest.is_empty() { text } else { rest.as_str() };
    if port.is_none() {
        port = PORT
            .captures_iter(text)
            .filter_map(|c| c.get(1).or_else(|| c.get(2))?.as_str().parse::<u32>().ok())
            .find(|p| (1..=65535).contains(p))
            .or_else(|| {
                // A number of machines or a duration is no port ("on 300 machines", "using
                // 120 minutes").
                WEAK_PORT
                    .captures_iter(text)
                    .filter_map(|c| {
                        let m = (1..=3).find_map(|i| c.get(i))?;
                        let next = text[m.end()..].trim_start().to_lowercase();
                        if COUNTED_AFTER.iter().any(|w| next.starts_with(w)) {
                            return None;
                        }
                        m.as_str().parse::<u32>().ok()
                    })
                    .find(|p| (1..=65535).contains(p) && !(1990..=2100).contains(p))
            })
            .and_then(|p| u16::try_from(p).ok())
            .or_else(|| spelled_port(text));
    }
    (host, port.filter(|p| *p > 0))
}

/// A port written after the host with only a space or a comma between ("kms01.corp.local
/// 1700"): three to five digits, not a year and not a count of something.
fn port_after_host(text: &str, host: &str) -> Option<u16> {
    let at = text.find(host)? + host.len();
    let after = text[at..].trim_start_matches([' ', ',']);
    if after.len() == text[at..].len() {
        return None;
    }
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    let next = after[digits.len()..].chars().next();
    if !(3..=5).contains(&digits.len())
        || next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == ':' || c == '/')
    {
        return None;
    }
    let rest = after[digits.len()..].trim_start().to_lowercase();
    if COUNTED_AFTER.iter().any(|w| rest.starts_with(w)) {
        return None;
    }
    let p: u32 = digits.parse().ok()?;
    (p > 0 && p <= 65535 && !(1990..=2100).contains(&p))
        .then(|| u16::try_from(p).ok())
        .flatten()
}

/// The first IPv4 network in CIDR notation ("10.60.0.0/16").
fn network_range(text: &str) -> Option<String> {
    if !text.contains('/') {
        return None;
    }
    IPV4.captures_iter(text).find_map(|c| {
        let ip = c.get(1)?;
        let bits: String = text[ip.end()..]
            .strip_prefix('/')?
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        (valid_ipv4(ip.as_str()) && bits.parse::<u8>().is_ok_and(|b| b <= 32))
            .then(|| format!("{}/{bits}", ip.as_str()))
    })
}

/// The largest machine count named ("make one server the KMS host for our 20 VMs": 20), or
/// else the count a KMS host reports ("current count 4, servers won't activate").
fn machine_count(text: &str) -> Option<MachineCount> {
    machine_counts(text)
        .into_iter()
        .max_by_key(|c| c.n)
        .or_else(|| reported_count(text))
        .or_else(|| count_after_question(text))
}

/// "How many servers does KMS need? We have only four": the count answers the question that
/// named the machines, so it is of their kind.
fn count_after_question(text: &str) -> Option<MachineCount> {
    static WE_HAVE: LazyLock<Regex> = LazyLock::new(|| {
        rx(
            r"(?i)\b(?:we|i)\s+(?:have|got|run|own|are|only\s+have|just\s+have)\s+(?:only\s+|just\s+)?(\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty)\s*[?.!]*\s*$",
        )
    });
    let lower = text.to_lowercase();
    let named = [
        "server", "vm", "machine", "client", "instance", "computer", "desktop", "pc",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if !named || !lower.contains("how many") {
        return None;
    }
    let n = word_number(WE_HAVE.captures(text)?.get(1)?.as_str())?;
    Some(MachineCount {
        n,
        kind: kind_named_in(&lower),
    })
}

/// "current count 4", "the count is 12": the host's count, of the kind the message names.
fn reported_count(text: &str) -> Option<MachineCount> {
    static REPORTED: LazyLock<Regex> = LazyLock::new(|| {
        rx(
            r"(?i)\bcount\s*(?:(?:on|of)\s+(?:the\s+|our\s+|my\s+)?(?:kms\s+)?(?:host|server|kms)\s+)?(?:is|of|=|:|shows|says|at|reads|stuck\s+at)?\s*(?:only\s+)?(\d{1,3})\b",
        )
    });
    // "Remaining Windows rearm count: 0" counts rearms, not machines.
    let n: u32 = REPORTED
        .captures_iter(text)
        .find(|c| {
            c.get(0).is_some_and(|m| {
                !text[..m.start()]
                    .trim_end()
                    .to_lowercase()
                    .ends_with("rearm")
            })
        })?
        .get(1)?
        .as_str()
        .parse()
        .ok()?;
    Some(MachineCount {
        n,
        kind: kind_named_in(&text.to_lowercase()),
    })
}

/// The kind of machine a message talks about when its count does not say ("20 VMs, all
/// Windows 11"): servers if it names a server anywhere, clients if it names a Windows client
/// version or a client device, else unknown.
fn kind_named_in(lower: &str) -> MachineKind {
    if lower.contains("server") || lower.contains("srv") {
        MachineKind::Server
    } else if [
        "client",
        "windows 1",
        "win1",
        "win 1",
        "desktop",
        "laptop",
        "pc",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        MachineKind::Client
    } else {
        MachineKind::Unknown
    }
}

/// Every machine count named, in order ("8 servers and 20 Windows 11 VDIs": 8 servers, 20
/// clients).
pub fn machine_counts(text: &str) -> Vec<MachineCount> {
    COUNT
        .captures_iter(text)
        .filter_map(|c| count_of(text, &c))
        .collect()
}

fn count_of(text: &str, c: &crate::pattern::Captures<'_>) -> Option<MachineCount> {
    let mut n = word_number(c.get(1)?.as_str())?;
    let mut start = c.get(1)?.start();
    let mut between = c
        .get(2)
        .map(|m| m.as_str().to_lowercase())
        .unwrap_or_default();
    // "tenant 7 has only 2 server VMs": a second number nearer the machines is their count
    // (a year between them, "5 server 2019 VMs", is part of the name).
    if let Some(m) = c.get(2).filter(|_| !between.contains('\n')) {
        let mut offset = 0;
        let mut inner = None;
        let mut prev = "";
        for w in m.as_str().split(' ') {
            if let Ok(v) = w.trim().parse::<u32>() {
                // "20 Windows 10 desktops": a version, not a count.
                let version = matches!(
                    prev.to_lowercase().as_str(),
                    "windows" | "win" | "w" | "server" | "srv" | "ws" | "version" | "ltsc"
                );
                if !(2000..=2100).contains(&v) && !version {
                    inner = Some((offset, w.len(), v));
                }
            }
            offset += w.len() + 1;
            prev = w.trim();
        }
        if let Some((at, len, v)) = inner {
            n = v;
            start = m.start() + at;
            between = m.as_str()[(at + len).min(m.as_str().len())..]
                .trim_start()
                .to_lowercase();
        }
    }
    let noun = c.get(3)?.as_str().to_lowercase();
    let lower = text.to_lowercase();
    // "2019 servers" is a year, not a count; "10 pro machines" is a count.
    if (2000..=2100).contains(&n) {
        return None;
    }
    // "windows 10 enterprise VDI machines" names a version, not a count.
    let before = text.get(..start).unwrap_or("").to_lowercase();
    if ["windows ", "win ", "server ", "windows server "]
        .iter()
        .any(|w| before.ends_with(w))
    {
        return None;
    }
    // An event ID, a port or an error number is not a fleet size ("event 12288 on the client",
    // "port 1688 on the server"): a count names its machines right after the number, never
    // through a preposition, and is never introduced by "event", "id", "port" or "error".
    // "10.9.9.9:1688\n KMS machine name" is a port, and a count never runs over a line break.
    if before.ends_with(':') || before.ends_with('.') || between.contains('\n') {
        return None;
    }
    let word_before = before
        .split(|ch: char| !ch.is_ascii_alphanumeric())
        .rfind(|w| !w.is_empty())
        .unwrap_or("");
    if matches!(
        word_before,
        "event" | "id" | "ids" | "eventid" | "port" | "error" | "code" | "tcp" | "udp"
    ) || between.split_whitespace().any(|w| {
        matches!(
            w,
            "on" | "in" | "at" | "from" | "to" | "for" | "with" | "by" | "per" | "via" | "against"
        )
    }) {
        return None;
    }
    // "one instance" is rarely a fleet size, unless the user says so ("only one server").
    // ("I have one Windows server", "we run one VM").
    let owns_one = ["have ", "got ", "run ", "own ", "with "]
        .iter()
        .any(|w| before.ends_with(w));
    // "24 clients and 1 server": one machine listed next to others counts too.
    let listed = ["and ", "+ ", "plus ", ", "]
        .iter()
        .any(|w| before.ends_with(w));
    if n == 1
        && !owns_one
        && !listed
        && !["only", "just", "single"].iter().any(|w| lower.contains(w))
    {
        return None;
    }
    // "two hundred servers": the count is in the words that follow.
    if between.starts_with("hundred") || between.starts_with("thousand") {
        return Some(MachineCount {
            n: n.saturating_mul(if between.starts_with("hundred") {
                100
            } else {
                1000
            }),
            kind: if noun.starts_with("server") || between.contains("server") {
                MachineKind::Server
            } else {
                MachineKind::Unknown
            },
        });
    }
    // "a 4 vCPU VM", "16 GB servers": a size of each machine, not how many.
    if between
        .split_whitespace()
        .any(|w| matches!(w, "vcpu" | "vcpus" | "cpu" | "cpus" | "gb" | "tb" | "ram"))
    {
        return None;
    }
    // "one KMS host" counts hosts, not the machines that ask them.
    if between.contains("kms") && noun.starts_with("host") {
        return None;
    }
    let kind = if noun.starts_with("server") || between.contains("server") {
        MachineKind::Server
    } else if noun.starts_with("client")
        // "30 windows 10 and 2 servers": a client version as the machines.
        || noun.starts_with("win")
        || noun.starts_with("vdi")
        || noun.starts_with("desktop")
        || noun.starts_with("pc")
        || noun.starts_with("laptop")
        || noun.starts_with("workstation")
        || between.contains("windows 1")
        || between.contains("win1")
        || between.contains("client")
    {
        MachineKind::Client
    } else {
        kind_named_in(&lower)
    };
    // "fewer than five servers", "under 25 clients": at most one less than the number said.
    let n = if ["fewer than ", "less than ", "under ", "below "]
        .iter()
        .any(|w| before.ends_with(w))
    {
        n.saturating_sub(1).max(1)
    } else {
        n
    };
    Some(MachineCount { n, kind })
}

/// Removes negated edition words ("not LTSC") from `lower`, returning the rest and the words.
fn strip_negations(lower: &str) -> (String, BTreeSet<String>) {
    let mut excluded = BTreeSet::new();
    const TRIGGERS: &[&str] = &[
        "not",
        "don",
        "non",
        "no",
        "except",
        "excluding",
        "other than",
        "isn",
    ];
    if !TRIGGERS.iter().any(|t| lower.contains(t)) {
        return (lower.to_string(), excluded);
    }
    for c in NEGATION.captures_iter(lower) {
        if let Some(w) = c.get(1) {
            let w = w
                .as_str()
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_string();
            let w = match w.as_str() {
                w if w.starts_with("workstation") => "workstations".to_string(),
                "std" => "standard".to_string(),
                "dc" => "datacenter".to_string(),
                "ent" => "enterprise".to_string(),
                _ => w,
            };
            excluded.insert(w);
        }
    }
    let rest = NEGATION.replace_all(lower, " ").into_owned();
    // "not server 2019 but 2022": the version ruled out goes, when another one is named.
    let versions = NEGATED_VERSION_YEAR.find_iter(&rest).count();
    let rest = if versions >= 2 {
        NEGATED_VERSION.replace_all(&rest, " ").into_owned()
    } else {
        rest
    };
    (rest, excluded)
}

/// A Windows version ruled out ("not server 2019", "not windows 10").
static NEGATED_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)\b(?:not|except|excluding|other\s+than)\s+(?:the\s+|for\s+)?(?:windows\s+)?(?:server\s+)?(?:20(?:08|12|16|19|22|25)(?:\s+r2)?|1[01])\b",
    )
});
/// Windows versions named ("2019", "server 2022", "windows 11").
static NEGATED_VERSION_YEAR: LazyLock<Regex> =
    LazyLock::new(|| rx(r"(?i)\b(?:20(?:08|12|16|19|22|25)|windows\s+1[01])\b"));

/// Edition queries, one per edition named; attributes without a family borrow the previous one.
/// Edition words typed with a slip ("standrad", "datacentre", "windos") in their right form,
/// so that the edition tables find them. One edit for short words, two for long ones.
/// "std n dc": between two Windows Server editions, "n" is chat shorthand for "and" (Windows
/// Server has no N editions; "pro n" stays the Pro N edition).
fn server_n_as_and(lower: &str) -> String {
    const SERVER: &[&str] = &["std", "standard", "dc", "datacenter", "datacentre"];
    let words: Vec<&str> = lower.split(' ').collect();
    if words.len() < 3 || !words.contains(&"n") {
        return lower.to_string();
    }
    let bare = |w: &str| {
        w.trim_matches(|c: char| !c.is_ascii_alphanumeric())
            .to_string()
    };
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let between = *w == "n"
                && i > 0
                && i + 1 < words.len()
                && SERVER.contains(&bare(words[i - 1]).as_str())
                && SERVER.contains(&bare(words[i + 1]).as_str());
            if between {
                "and"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Versions listed with slashes and one edition after them ("2016/2019/2022 datacenter") as one
/// edition per version ("2016 datacenter, 2019 datacenter, 2022 datacenter").
fn shared_edition(lower: &str) -> String {
    const EDITION: &[&str] = &[
        "std",
        "standard",
        "dc",
        "datacenter",
        "datacentre",
        "essentials",
        "pro",
        "enterprise",
        "education",
    ];
    if !lower.contains('/') {
        return lower.to_string();
    }
    let version = |v: &str| {
        let digits = v.strip_suffix("r2").unwrap_or(v);
        (digits.len() == 4 || digits.len() == 2) && digits.bytes().all(|b| b.is_ascii_digit())
    };
    let words: Vec<&str> = lower.split(' ').collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let next = words
            .get(i + 1)
            .map(|n| n.trim_end_matches(['?', '.', ',', '!']));
        match next {
            Some(edition)
                if w.contains('/') && EDITION.contains(&edition) && w.split('/').all(&version) =>
            {
                let listed: Vec<String> = w.split('/').map(|v| format!("{v} {edition}")).collect();
                out.push(listed.join(", "));
                out.push(words[i + 1][edition.len()..].to_string());
                i += 2;
            }
            _ => {
                out.push(w.to_string());
                i += 1;
            }
        }
    }
    out.join(" ")
}

fn fix_edition_typos(lower: &str) -> String {
    const WORDS: &[&str] = &[
        "standard",
        "datacenter",
        "enterprise",
        "education",
        "essentials",
        "professional",
        "server",
        "windows",
        "workstations",
    ];
    let mut out = String::with_capacity(lower.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let fixed = if word.len() >= 5 && !WORDS.contains(&word.as_str()) {
            WORDS
                .iter()
                // No word further than two letters in length is within two edits.
                .filter(|w| w.len().abs_diff(word.len()) <= 2)
                .map(|w| (w, strsim::osa_distance(word, w)))
                .filter(|(w, d)| *d <= if w.len() >= 8 { 2 } else { 1 })
                .min_by_key(|(_, d)| *d)
                .map(|(w, _)| (*w).to_string())
        } else {
            None
        };
        out.push_str(fixed.as_deref().unwrap_or(word));
        word.clear();
    };
    for ch in lower.chars() {
        if ch.is_ascii_alphabetic() {
            word.push(ch);
        } else {
            flush(&mut word, &mut out);
            out.push(ch);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn edition_queries(lower: &str) -> Vec<EditionQuery> {
    let mut out: Vec<EditionQuery> = Vec::new();
    let mut last_family: Vec<String> = Vec::new();
    // Editions that name their own version ("LTSC 2021 and LTSC 2021 N").
    let mut named: Vec<EditionQuery> = Vec::new();
    let mut last_attrs = std::collections::BTreeSet::new();
    const FAMILY_WORDS: &[&str] = &["vista", "ltsc", "ltsb", "iot", "sac", "semi", "long"];
    let lower = &editions::spell_out(lower);
    for seg in SEGMENT_SPLIT.split(lower) {
        let could_name_family =
            seg.bytes().any(|b| b.is_ascii_digit()) || FAMILY_WORDS.iter().any(|w| seg.contains(w));
        if !could_name_family && editions::attributes(seg).is_empty() {
            continue;
        }
        let mut q = editions::parse(seg);
        // "LTSC 2019 vs 2021": a bare year after an LTSC release is the LTSC release of that
        // year, of the same edition.
        if q.families.is_empty()
            && last_family.len() == 1
            && (last_family[0].contains("LTSC") || last_family[0].contains("LTSB"))
        {
            let year = seg
                .split(|c: char| !c.is_ascii_alphanumeric())
                .find(|w| matches!(*w, "2015" | "2016" | "2019" | "2021" | "2024"));
            if let Some(y) = year {
                let fams = editions::families(&format!("ltsc {y}"));
                if fams.len() == 1 {
                    q.families = fams;
                    if q.attrs.is_empty() {
                        q.attrs = last_attrs.clone();
                    }
                }
            }
        }
        if q.is_empty() {
            continue;
        }
        if q.families.is_empty() && !last_family.is_empty() && !q.attrs.is_empty() {
            q.families = last_family.clone();
        } else if !q.families.is_empty() && !q.attrs.is_empty() {
            named.push(q.clone());
        }
        if !q.families.is_empty() {
            last_family = q.families.clone();
            last_attrs = q.attrs.clone();
        }
        if !out.contains(&q) {
            out.push(q);
        }
    }
    // "EditionID EnterpriseSN, build 17763": the edition with every LTSC release, then the
    // release alone; one edition of that release. Likewise an edition without a version
    // followed by the version alone.
    let narrowing: Vec<EditionQuery> = out
        .iter()
        .filter(|o| o.attrs.is_empty() && !o.families.is_empty())
        .cloned()
        .collect();
    if let [only] = narrowing.as_slice() {
        // ("Enterprise, but not LTSB, win 10": the version after the edition.)
        let wider = |q: &EditionQuery| {
            !q.attrs.is_empty()
                && (q.families.is_empty()
                    || (q.families.len() > only.families.len()
                        && only.families.iter().all(|f| q.families.contains(f))))
        };
        if out.iter().any(wider) {
            for q in out.iter_mut().filter(|q| wider(q)) {
                q.families = only.families.clone();
            }
            out.retain(|q| q != only);
        }
    }
    // "ServerStandard, Windows Server 2019 Standard": the same edition without and with its
    // version; the one with the version.
    let versioned: Vec<EditionQuery> = out
        .iter()
        .filter(|q| !q.families.is_empty() && !q.attrs.is_empty())
        .cloned()
        .collect();
    if !versioned.is_empty() {
        out.retain(|q| {
            !(q.families.is_empty()
                && !q.attrs.is_empty()
                && versioned.iter().any(|v| v.attrs == q.attrs))
        });
    }
    // A family-only segment followed by attribute segments ("server 2019, standard") is one
    // edition: drop the bare family when a later query refines it.
    // "LTSC 2021 and LTSC 2021 N": two editions, each with its version.
    let joined = [" and ", " & ", " + "].iter().any(|w| lower.contains(w));
    let refined: Vec<EditionQuery> = out
        .iter()
        .filter(|q| {
            !(q.attrs.is_empty()
                && out.iter().any(|o| {
                    !o.attrs.is_empty()
                        && o.families == q.families
                        && !(joined && named.contains(o))
                }))
        })
        .cloned()
        .collect();
    if refined.is_empty() {
        out
    } else {
        refined
    }
}

/// Of several editions in a story ("I typed the Datacenter key by mistake ... what's the
/// Standard GVLK?"), the ones the last question names, when it names only some of them; all
/// of them otherwise.
fn asked_editions(
    all: Vec<EditionQuery>,
    lower: &str,
    parse: impl Fn(&str) -> Vec<EditionQuery>,
) -> Vec<EditionQuery> {
    // Two editions that no product is at once ("Standard ... the Datacenter one").
    let clash = |e: &EditionQuery| {
        let server = ["standard", "datacenter", "essentials", "web"]
            .iter()
            .filter(|a| e.attrs.contains(*a))
            .count();
        server >= 2
            || (e.attrs.contains("enterprise")
                && (e.attrs.contains("pro") || e.attrs.contains("education")))
    };
    if all.len() < 2 && !all.iter().any(clash) {
        return all;
    }
    let Some(end) = lower.rfind('?') else {
        return all;
    };
    let start = lower[..end]
        .rfind(['.', '!', '?', '\n'])
        .map_or(0, |i| i + 1);
    // A message that is one question names what it asks about.
    if start == 0 {
        return all;
    }
    let asked = parse(&lower[start..end]);
    // An edition of the story without attributes ("Windows 11 Home") named again in the
    // question stays.
    if all
        .iter()
        .any(|e| e.attrs.is_empty() && asked.iter().any(|a| a.families == e.families))
    {
        return all;
    }
    let mut kept: Vec<EditionQuery> = Vec::new();
    for a in asked.iter().filter(|a| !a.attrs.is_empty()) {
        for e in &all {
            // The asked edition itself, or one side of a clash.
            let fits = a.attrs == e.attrs || (clash(e) && a.attrs.is_subset(&e.attrs) && !clash(a));
            if fits && (a.families.is_empty() || a.families == e.families) {
                let q = EditionQuery {
                    families: e.families.clone(),
                    attrs: a.attrs.clone(),
                };
                if !kept.contains(&q) {
                    kept.push(q);
                }
            }
        }
    }
    if kept.is_empty() || kept == all {
        all
    } else {
        kept
    }
}

/// Extracts every slot from `text`.
pub fn extract(text: &str) -> Slots {
    let dli = dli::parse(text);
    // Pasted output carries names, codes and numbers that are not the user's slots.
    let own = if dli.is_some() {
        dli::strip_output(text)
    } else {
        text.to_string()
    };
    let lower = own.to_lowercase().replace(['\u{2019}', '\''], "");
    let mut lower = GLUED.replace_all(&lower, "$1 $2").into_owned();
    // "pro 4 workstations" is the edition Pro for Workstations, not four machines.
    if lower.contains("pro 4 work") {
        lower = lower.replace("pro 4 work", "pro for work");
    }
    let (host, port) = host_and_port(&own);
    let (stripped, excluded) = strip_negations(&lower);
    // Host names and IP addresses would read as editions or counts ("10.20.0.5").
    let mut no_hosts = stripped.clone();
    if let Some(h) = &host {
        no_hosts = no_hosts.replace(&h.to_lowercase(), " ");
    }
    // Edition IDs ("EnterpriseSN") are spelled out before typos are fixed: they are no typos.
    let edition_text = |s: &str| {
        edition_queries(&shared_edition(&server_n_as_and(&fix_edition_typos(
            &editions::spell_out(s),
        ))))
    };
    let instance = INSTANCE
        .captures_iter(if no_hosts.contains('-') {
            &no_hosts
        } else {
            ""
        })
        .filter_map(|c| c.get(1).map(|m| m.as_str().to_string()))
        .find(|n| {
            !n.starts_with("tcp-")
                && !n.starts_with("udp-")
                // "win-10", "server-2019" are versions; "win-test-7" is a machine.
                && !VERSION_LIKE.is_match(n)
                && !n.starts_with("kb")
        });
    // An instance's name ("web-14", "std-app-01") names no edition.
    let no_names = match &instance {
        Some(name) => no_hosts.replace(name.as_str(), " "),
        None => no_hosts.clone(),
    };
    let editions = asked_editions(edition_text(&no_names), &no_names, edition_text);
    let error = normalize_error_code(&own)
        .or_else(|| dli.as_ref().and_then(|d| d.error.clone()))
        .or_else(|| error_from_phrase(text).map(str::to_string));
    let product_key = PRODUCT_KEY
        .find(text)
        .filter(|_| text.chars().filter(|c| !c.is_ascii_alphanumeric()).count() >= 4)
        .map(|m| {
            m.as_str()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '-'
                    }
                })
                .collect()
        });
    Slots {
        editions,
        excluded,
        host,
        port,
        error,
        count: machine_count(&no_hosts),
        dli,
        instance,
        product_key,
        network: network_range(&own),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_ports() {
        // A KMS host named by one label with a number, with or without its port.
        let s = extract("skms kms-02:1700");
        assert_eq!(s.host.as_deref(), Some("kms-02"));
        assert_eq!(s.port, Some(1700));
        assert_eq!(extract("point at kms01").host.as_deref(), Some("kms01"));
        assert_eq!(extract("kms-only activation").host, None);
        assert_eq!(extract("kms2022 host key").host, None);
        let s = extract("our kms is 10.20.0.5, what do I type on a new server 2022 standard vm?");
        assert_eq!(s.host.as_deref(), Some("10.20.0.5"));
        assert_eq!(s.port, None);
        assert_eq!(s.editions.len(), 1);
        let s = extract("kms host kms01.corp.local listens on 1700, commands for the client pls");
        assert_eq!(s.host.as_deref(), Some("kms01.corp.local"));
        assert_eq!(s.port, Some(1700));
        let s = extract("point it at 172.16.4.10:1700");
        assert_eq!(s.port, Some(1700));
        let s = extract("We have KMS on 192.168.10.5");
        assert_eq!(s.host.as_deref(), Some("192.168.10.5"));
        assert_eq!(s.port, None);
        assert_eq!(s.network, None);
        // A network in CIDR notation is where the clients are, not the host.
        let s = extract("kms host 10.50.0.10 in another vpc, clients in 10.60.0.0/16");
        assert_eq!(s.host.as_deref(), Some("10.50.0.10"));
        assert_eq!(s.network.as_deref(), Some("10.60.0.0/16"));
        assert_eq!(s.count, None);
        // The host's own count, said in a few ways.
        for text in [
            "The count on our KMS is 20, which machines are activated?",
            "the count of our kms host is 20",
            "the host's count is 20",
        ] {
            assert_eq!(extract(text).count.map(|c| c.n), Some(20), "{text}");
        }
        let s = extract("run slmgr.vbs /skms and sync with time.windows.com");
        assert_eq!(s.host, None);
        let s = extract("unattend.xml: where do I put the KMS client key?");
        assert_eq!(s.host, None);
        let s = extract("not server 2019 but 2022: datacenter key");
        assert_eq!(s.editions.len(), 1);
        let s = extract("Remaining Windows rearm count: 0, problem?");
        assert!(s.count.is_none());
        assert_eq!(
            machine_counts("24 clients and 1 server, will the clients activate?").len(),
            2
        );
        let s = extract("point at kms over ipv6 fd00::10");
        assert_eq!(s.host.as_deref(), Some("fd00::10"));
        let s = extract("our kms moved from 10.1.0.5 to 10.1.0.50 - how to update all clients");
        assert_eq!(s.host.as_deref(), Some("10.1.0.50"));
        let s = extract("our kms use 2000 port, not default, then?");
        assert_eq!(s.port, Some(2000));
        let s = extract("how too activte windos server 2022 standrad with kms");
        assert_eq!(s.editions.len(), 1);
        let s = extract("point client at 10.44.1.9 port seventeen hundred");
        assert_eq!(s.port, Some(1700));
        let s = extract("KMS host is kms-eu.tenant.local on port one seven zero zero");
        assert_eq!(s.port, Some(1700));
        let s = extract("our KMS listens on port twenty-five hundred");
        assert_eq!(s.port, Some(2500));
        // An address at the end of a sentence.
        let s = extract("it got a new address, 192.168.77.12. Same port as before.");
        assert_eq!(s.host.as_deref(), Some("192.168.77.12"));
        let s = extract("open tcp 1688 from 10.0.0.0/8");
        assert_eq!(s.host, None);
        assert_eq!(s.port, Some(1688));
    }

    #[test]
    fn several_editions_and_negation() {
        let s = extract("keys for server 2016 standard and server 2025 datacenter");
        assert_eq!(s.editions.len(), 2);
        let s = extract("server 2019 standard and datacenter keys");
        assert_eq!(s.editions.len(), 2);
        // Two editions compared ("is the Windows 11 Pro key different from Windows 10 Pro's?").
        let s = extract("is the windows 11 pro key different from the one for windows 10 pro");
        assert_eq!(s.editions.len(), 2);
        let s = extract("server 2022 standard vs server 2025 standard gvlk");
        assert_eq!(s.editions.len(), 2);
        // "n" for "and" between Windows Server editions, which have no N editions.
        let s = extract("pls share srv 2022 std n dc keys");
        assert_eq!(s.editions.len(), 2);
        let s = extract("gvlk for windows 11 pro n");
        assert_eq!(s.editions.len(), 1);
        // Versions listed with slashes share the edition after them.
        let s = extract("client keys for 2016/2019/2022 datacenter");
        assert_eq!(s.editions.len(), 3);
        // The message of an invalid key, without its code.
        assert_eq!(
            extract("product key is invalid, what reason?")
                .error
                .as_deref(),
            Some("0xC004F050")
        );
        let s = extract("gvlk for windows 10 enterprise, not ltsc");
        assert!(s.excluded.contains("ltsc"));
    }

    #[test]
    fn a_domain_is_not_a_kms_host() {
        assert_eq!(
            extract("we joined the domain corp.example.org yesterday").host,
            None
        );
        assert_eq!(
            extract("Add-Computer -DomainName ad.contoso.local").host,
            None
        );
        assert_eq!(
            extract("our kms is kms01.ad.contoso.local").host.as_deref(),
            Some("kms01.ad.contoso.local")
        );
    }

    #[test]
    fn counts() {
        let s = extract("we only have 3 windows servers, will kms work?");
        assert_eq!(
            s.count,
            Some(MachineCount {
                n: 3,
                kind: MachineKind::Server
            })
        );
        let s = extract("we have 30 windows 10 desktops");
        assert_eq!(s.count.map(|c| c.kind), Some(MachineKind::Client));
        assert_eq!(extract("2019 servers").count, None);
        assert_eq!(
            extract("i see event 12288 on the client every time").count,
            None
        );
        assert_eq!(extract("event id 12290 on the kms host").count, None);
        assert_eq!(extract("port 1688 to the servers").count, None);
        assert_eq!(extract("20 of our servers").count.map(|c| c.n), Some(20));
        // Numbers written as words.
        assert_eq!(
            extract("twelve server 2019 vms - is kms an option?")
                .count
                .map(|c| c.n),
            Some(12)
        );
        assert_eq!(
            extract("twenty-five windows 11 desktops")
                .count
                .map(|c| c.n),
            Some(25)
        );
        assert_eq!(
            extract("only a single windows server here")
                .count
                .map(|c| c.n),
            Some(1)
        );
        // A count and a reported count read the kind from the same words.
        let told = extract("we have 30 machines, all of them laptops");
        let reported = extract("current count 30 and the laptops won't activate");
        assert_eq!(told.count.map(|c| c.kind), Some(MachineKind::Client));
        assert_eq!(reported.count.map(|c| c.kind), Some(MachineKind::Client));
        assert_eq!(
            extract("current count is 3 on the kms host").count,
            Some(MachineCount {
                n: 3,
                kind: MachineKind::Unknown
            })
        );
        // The number next to the machines is their count; a version or a year is not.
        assert_eq!(
            extract("tenant 7 has only 2 server 2019 VMs").count,
            Some(MachineCount {
                n: 2,
                kind: MachineKind::Server
            })
        );
        assert_eq!(
            extract("we have 20 Windows 10 desktops").count.map(|c| c.n),
            Some(20)
        );
        // "pro 4 workstations" is an edition.
        let s = extract("w11 pro 4 workstations key");
        assert_eq!(s.count, None);
        assert_eq!(s.editions.len(), 1);
    }

    #[test]
    fn corrected_host_name() {
        let s = extract(
            "KMS machine name from DNS: kms-old.contoso.local:1688\nhow do I make it use kms02.contoso.local instead",
        );
        assert_eq!(s.host.as_deref(), Some("kms02.contoso.local"));
    }

    #[test]
    fn instances_and_keys() {
        assert_eq!(
            extract("is web-01 activated?").instance.as_deref(),
            Some("web-01")
        );
        assert_eq!(
            extract("key abcde-fghij-klmno-pqrst-uvwxy")
                .product_key
                .as_deref(),
            Some("ABCDE-FGHIJ-KLMNO-PQRST-UVWXY")
        );
    }
}
