//! Answer building blocks: fact-table answers (keys, errors, slmgr options), source lines, abstention, and retrieval over article passages with calibrated confidence.

use std::sync::LazyLock;

use crate::pattern::Regex;

use crate::facts::{ErrorInfo, Gvlk, SlmgrOption};
use crate::retrieval::Resolved;
use crate::{
    Answer, Context, KnowledgeBase, RequestOffer, Source, ERROR_TABLE, GVLK_TABLE, KMS_TABLE,
    SLMGR_TABLE,
};

/// Below this confidence the knowledge base abstains.
pub const THRESHOLD: f32 = 0.5;

/// Weight of a query word the knowledge base has never seen.
const UNKNOWN_WEIGHT: f32 = 2.2;
/// Weight of a word naming something clearly out of scope.
const OUT_OF_SCOPE_WEIGHT: f32 = 8.0;
/// Confidence needed when the question has no activation word at all (see [`ANCHORS`]):
/// words like "reset", "password", "install" or "server" alone must not be enough.
const UNANCHORED_THRESHOLD: f32 = 0.72;

/// Normalised tokens that tie a question to Windows activation. A question without any of
/// them (nor an edition, error code, product key or slmgr option) is answered only when
/// nearly every word of it is covered by one passage, with unknown words weighted like the
/// rarest vocabulary word.
const ANCHORS: &[&str] = &[
    "activ",
    "kms",
    "nokms",
    "gvlk",
    "csvlk",
    "mak",
    "slmgr",
    "slui",
    "1688",
    "byol",
    "spur",
    "sppsvc",
    "license",
    "vlmcs",
    "w32tm",
    "timeserver",
    "installationid",
    "confirmationid",
    "kb2757817",
    "rearm",
    "grace",
    "retail",
    "threshold",
    "renew",
    "expir",
    "validity",
    "genuine",
    "unactivated",
    "unlicensed",
    "internet",
];

/// Words that name the domain itself: every passage is about them even when it does not
/// say so, so they weigh little when matching.
const DOMAIN_WORDS: &[&str] = &["windows", "microsoft"];
/// Weight of a number the knowledge base has never seen, in a question about activation.
const UNKNOWN_NUMBER_WEIGHT: f32 = 1.0;
/// Weight of a domain word.
const DOMAIN_WEIGHT: f32 = 0.3;

/// Products and platforms people confuse with Windows activation: (word, display name).
/// A question naming one of them without naming Windows is declined up front.
pub(crate) const OTHER_PRODUCTS: &[(&str, &str)] = &[
    ("office", "Microsoft Office"),
    ("o365", "Microsoft 365"),
    ("m365", "Microsoft 365"),
    ("365", "Microsoft 365"),
    ("excel", "Microsoft Office"),
    ("outlook", "Outlook"),
    ("visio", "Visio"),
    ("exchange", "Exchange"),
    ("sharepoint", "SharePoint"),
    ("sql", "SQL Server"),
    ("adobe", "Adobe products"),
    ("photoshop", "Adobe products"),
    ("acrobat", "Adobe products"),
    ("autocad", "AutoCAD"),
    ("vmware", "VMware"),
    ("esxi", "VMware"),
    ("oracle", "Oracle"),
    ("iis", "IIS"),
    ("ssl", "TLS certificates"),
    ("linux", "Linux"),
    ("ubuntu", "Linux"),
    ("debian", "Linux"),
    ("centos", "Linux"),
    ("rhel", "Linux"),
    ("redhat", "Linux"),
    ("rocky", "Linux"),
    ("almalinux", "Linux"),
    ("fedora", "Linux"),
    ("suse", "Linux"),
    ("sles", "Linux"),
    ("chrony", "Linux"),
    ("chronyd", "Linux"),
    // Linux's own clock tools ("chronyc tracking", "timedatectl").
    ("chronyc", "Linux"),
    ("timedatectl", "Linux"),
    ("ntpd", "Linux"),
    ("ntpq", "Linux"),
    ("systemctl", "Linux"),
    ("kubernetes", "Kubernetes"),
    ("k8s", "Kubernetes"),
    ("macos", "macOS"),
    ("android", "Android"),
    ("iphone", "iOS"),
    ("rds", "Remote Desktop Services licensing"),
    ("rd", "Remote Desktop Services licensing"),
    ("matlab", "MATLAB"),
    ("cal", "Remote Desktop Services licensing"),
    ("cals", "Remote Desktop Services licensing"),
    ("teams", "Microsoft Teams"),
    ("vsphere", "VMware"),
    ("vcenter", "VMware"),
    ("studio", "Visual Studio"),
    ("citrix", "Citrix"),
    ("sip", "SIP telephony"),
    ("ldap", "LDAP directories"),
    ("ospp", "Microsoft Office"),
    ("veeam", "Veeam"),
    ("unity", "Unity"),
    ("steam", "Steam"),
    ("grafana", "Grafana"),
    ("prometheus", "Prometheus"),
    ("entra", "Microsoft Entra ID"),
    ("mfa", "multi-factor authentication"),
    ("2fa", "multi-factor authentication"),
    ("mehrfaktorauthentifizierung", "multi-factor authentication"),
    ("okta", "Okta"),
    ("card", "payment cards"),
    ("sim", "SIM cards"),
    ("jetbrains", "JetBrains products"),
    ("intellij", "JetBrains products"),
    // Software people license on the same servers: not Windows activation.
    ("antivirus", "antivirus software"),
    ("anti-virus", "antivirus software"),
    ("sophos", "Sophos"),
    ("symantec", "Symantec"),
    ("mcafee", "McAfee"),
    ("kaspersky", "Kaspersky"),
    ("crowdstrike", "CrowdStrike"),
    ("quickbooks", "QuickBooks"),
    ("sage", "Sage"),
    ("autodesk", "Autodesk products"),
    ("solidworks", "SolidWorks"),
    ("sap", "SAP"),
    ("salesforce", "Salesforce"),
    ("zoom", "Zoom"),
    ("fortinet", "Fortinet"),
    ("fortigate", "Fortinet"),
    // Devices whose "keys" and PINs are not Windows product keys.
    ("printer", "printers"),
    ("printers", "printers"),
    ("scanner", "scanners"),
    ("wps", "Wi-Fi setup"),
    ("router", "network devices"),
    // Remote shells and the rules that let them in are not activation.
    ("ssh", "SSH access"),
    // Management tools whose clients and sites are not Windows activation.
    ("sccm", "Configuration Manager"),
    ("configmgr", "Configuration Manager"),
    ("mecm", "Configuration Manager"),
    ("powerpoint", "Microsoft Office"),
    // Phone apps and consumer accounts are "activated" too, but not as Windows is.
    ("whatsapp", "WhatsApp"),
    ("telegram", "Telegram"),
    ("viber", "Viber"),
    ("wechat", "WeChat"),
    ("instagram", "Instagram"),
    ("facebook", "Facebook"),
    ("netflix", "Netflix"),
    ("spotify", "Spotify"),
    ("gmail", "Gmail"),
    ("playstation", "PlayStation"),
];

/// Words that name products or topics this bot does not cover.
const OUT_OF_SCOPE: &[&str] = &[
    "office",
    "o365",
    "365",
    "excel",
    "word",
    "outlook",
    "teams",
    "exchange",
    "sharepoint",
    "sql",
    "linux",
    "ubuntu",
    "debian",
    "centos",
    "rhel",
    "redhat",
    "kernel",
    "macos",
    "mac",
    "apple",
    "android",
    "iphone",
    "weather",
    "recipe",
    "recipes",
    "cook",
    "cooking",
    "pizza",
    "pasta",
    "football",
    "soccer",
    "game",
    "games",
    "movie",
    "music",
    "song",
    "stock",
    "bitcoin",
    "crypto",
    "pricing",
    "price",
    "prices",
    "cost",
    "costs",
    "invoice",
    "billing",
    "salary",
    "joke",
    "poem",
    "capital",
    "president",
    "election",
    "visual",
    "studio",
    "adobe",
    "photoshop",
    "oracle",
    "vmware",
    "docker",
    "kubernetes",
    "k8s",
    "python",
    "javascript",
    "java",
    "rust",
    "compile",
    "translate",
    "translation",
    "dinner",
    "lunch",
    "breakfast",
    "vacation",
    "holiday",
    "flight",
    "hotel",
    "birthday",
    "love",
    "dog",
    "cat",
    "won",
    "score",
];

/// Source line appended to every answer.
fn source_line(s: &Source) -> String {
    if s.section.is_empty() {
        format!("_Source: {}_", s.title)
    } else {
        format!("_Source: {} — {}_", s.title, s.section)
    }
}

/// An slmgr option named bare or with its `/` (`dlv`, `/dlv`).
static BARE: LazyLock<Regex> =
    LazyLock::new(|| crate::text::rx(r"(?:^|[\s`('\x22])[/-]?([a-z][a-z-]{1,11})\b"));
/// An slmgr option named with its `/` or `-`.
static OPT: LazyLock<Regex> =
    LazyLock::new(|| crate::text::rx(r"(?:^|[\s`(])[/-]([a-z][a-z-]{1,11})\b"));

/// slmgr options asked for by what they do, in words specific enough to need no "slmgr".
static SPECIFIC: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"\b(find|get|see|where|which|look\s+up|need|want)\b.{0,40}\bactivation\s+ids?\b", "/dlv"),
        (r"\b(see|show|find|check|display|view|print)\w*\b.{0,30}\bkms\s+(host|server)\b.{0,15}\b(name|address|ip)\b|\b(see|show|find|check|display|view|print)\w*\s+(the\s+)?current\s+kms\s+(host|server)\b", "/dlv"),
        (r"\b(specific|other|different|another)\s+dns\s+(domain|suffix)\b|\bsearch\b.{0,30}\bdns\s+domain\b|\b(lookups?|look\s*up|discovery|discover\w*|search\w*)\b.{0,30}\b(one|a\s+single|single|a\s+specific|our|that|a\s+certain)\s+(dns\s+)?(domain|suffix)\b", "/skms-domain"),
        (r"\b(kms|srv|vlmcs)\b.{0,60}\b(domain|zone)\s+[a-z0-9-]+(\.[a-z0-9-]+)+\b.{0,40}\b(only|instead|not\s+(a\s+|the\s+)?(specific|single|one|particular|fixed))\b|\b(search|look\w*|find|discover\w*|locate)\b.{0,30}\bkms\b.{0,30}\b(in|from|under)\s+(the\s+)?(dns\s+)?(domain|zone)\s+[a-z0-9-]+(\.[a-z0-9-]+)+|\bsrv\b.{0,40}\b(in|from)\s+(an?\s+)?(other|different|another|second)\s+(dns\s+)?(domain|zone)\b|\b(other|different|another)\s+(dns\s+)?(domain|zone)\b.{0,40}\bsrv\b", "/skms-domain"),
        (r"\b(full|detailed|verbose|complete|all)\b.{0,30}\b(licen[cs]\w*|activation)\s+(details|info\w*)\b", "/dlv"),
        (r"\breinstall\w*\s+(the\s+|all\s+(the\s+)?)?(system\s+|windows\s+)?licen[cs]e\s+files?\b", "/rilc"),
        (r"\b(disable|turn\s+off|stop|switch\s+off)\w*\b.{0,30}\b(kms\s+)?host\s+caching\b", "/ckhc"),
        (r"\b(enable|turn\s+on|switch\s+on)\w*\b.{0,30}\b(kms\s+)?host\s+caching\b", "/skhc"),
        (r"\b(confirm|check|see|show|when|find)\b.{0,30}\b(expir\w*|expiry)\b|\b(expir\w*|expiry)\s+date\b", "/xpr"),
        (r"\breset\w*\s+(the\s+)?(windows\s+)?(licen[cs]ing|activation)\s+(status|state|timers?)\b|\b(restart|reset)\w*\s+(the\s+)?(activation\s+)?grace\s+period\b", "/rearm"),
        // "clear kms host setting": the name set by hand, cleared (not the host retired).
        (r"\b(clear|remove|delete|unset|reset)\w*\s+(the\s+)?(manual\s+|manually\s+set\s+)?kms\s+((host|server)\s+)?(name|address|ip|setting|settings|entry)\b", "/ckms"),
        (r"\b(restrict\w*|limit\w*)\b.{0,40}\b(kms|ad|active\s+directory|token)[\s-]*(based\s+)?(activation\s+)?only\b|\bactivation\s+type\b|\bkms[\s-]+only\s+activation\b", "/act-type"),
    ]
    .into_iter()
    .map(|(p, o)| (crate::text::rx(p), o))
    .collect()
});

/// slmgr options described rather than named ("slmgr set kms port on the host side").
static DESCRIBED: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"\b(host|server)[\s-]*side\b.*\bport\b|\bport\b.*\b(host|server)[\s-]*side\b|\blisten\w*\b.*\bport\b", "/sprt"),
        (r"\brenew\w*\s+interval\b", "/sri"),
        (r"\b(activation|retry)\s+interval\b", "/sai"),
        (r"\binstallation\s+id\b", "/dti"),
        (r"\bconfirmation\s+id\b", "/atp"),
        (r"\b(expir\w*|expiry)\b", "/xpr"),
        (r"\b(uninstall|remove)\w*\s+(the\s+)?(product\s+)?key\b", "/upk"),
        (r"\b(install|enter|put(\s+in)?|type\s+in|insert|add|change)\w*\s+((a|an|the|my|our|new|another)\s+){0,2}(product\s+|licen[cs]e\s+|windows\s+)?key\b", "/ipk"),
        (r"\b(auto[\s-]*discovery|clear\s+(the\s+)?kms)\b|\b(remove|delete|clear|unset|reset)\w*\b.{0,20}\bkms\s+((host|server)\s+)?(name|address|ip|setting)\b|\b(clear|remove|delete|unset|undo|forget)\w*\b.{0,30}\b(kms|host|server)\b.{0,30}\b(i|we)\s+(set|typed|entered|configured|put|specified|hard-?coded)\b", "/ckms"),
        (r"\binstall\w*\s+(a\s+|the\s+|my\s+)?licen[cs]e\s+files?\b", "/ilc"),
        (r"\bactivat(e|es|ing|ion)?\b.{0,20}\b(right\s+)?now\b|\bforc\w*\s+(an?\s+|the\s+)?activation\b", "/ato"),
        (r"\b(verbose|detailed)\b", "/dlv"),
    ]
    .into_iter()
    .map(|(p, o)| (crate::text::rx(p), o))
    .collect()
});

/// `[text](kb:id#section)` references.
/// Changing the installed key ("I typed the key wrong, how do I change it?"): `/ipk`, named or
/// not.
static KEY_CHANGE: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::rx(
        r"(?i)\b(change|replace|swap|correct|re-?enter|retype)\w*\s+((the|my|our|a|this|that)\s+)?(installed\s+|current\s+|wrong\s+)?(product\s+|windows\s+|licen[cs]e\s+)?key\b|\bkey\b.{0,30}\b(wrong|typo|mistake|incorrect)\b.{0,40}\b(change|fix|correct|replace)\b",
    )
});
static LINK: LazyLock<Regex> = LazyLock::new(|| crate::text::rx(r"\[([^\]]+)\]\(kb:[^)]*\)"));

/// Compiles this module's patterns, in about the reverse order an answer uses them (`crate::warm_up`).
pub(crate) fn warm_up() {
    LazyLock::force(&DESCRIBED);
    LazyLock::force(&KEY_CHANGE);
    LazyLock::force(&SPECIFIC);
    LazyLock::force(&OPT);
    LazyLock::force(&BARE);
    LazyLock::force(&LINK);
}

/// Renders `[text](kb:id#section)` references as plain text.
pub(crate) fn render_links(text: &str) -> String {
    LINK.replace_all(text, "$1").into_owned()
}

/// Markdown for an error entry.
pub fn error_text(e: &ErrorInfo) -> String {
    format!(
        "**{}** — {}: {}\n\n**Likely cause here:** {}\n\n**Fix:**\n\n{}",
        e.code,
        e.title,
        e.meaning,
        e.cause,
        e.fix.trim()
    )
}

/// Markdown for an slmgr option.
pub fn slmgr_text(o: &SlmgrOption) -> String {
    format!(
        "`slmgr {}{}` — {}\n\n{}\n\n```\n{}\n```",
        o.option,
        if o.args.is_empty() {
            String::new()
        } else {
            format!(" {}", o.args)
        },
        o.summary,
        o.run_hint(),
        o.usage
    )
}

pub(crate) fn finish(
    text: String,
    source: Source,
    confidence: f32,
    context: Context,
    offer: Option<RequestOffer>,
) -> Answer {
    let text = format!("{}\n\n{}", text.trim_end(), source_line(&source));
    let confidence = clean_confidence(confidence);
    let mut context = context;
    context.topic = Some(source.clone());
    Answer {
        text,
        abstained: false,
        confidence,
        sources: vec![source],
        context: Some(context),
        offer,
        intent: None,
    }
}

/// Confidence as reported: within [0, 1], never NaN, never negative zero.
fn clean_confidence(c: f32) -> f32 {
    if c.is_nan() {
        0.0
    } else {
        // Adding +0.0 turns -0.0 into +0.0 (an empty f32 sum is -0.0).
        c.clamp(0.0, 1.0) + 0.0
    }
}

/// The abstention answer: short, and no promise of a request.
pub fn abstain(confidence: f32, ctx: Option<&Context>) -> Answer {
    let confidence = clean_confidence(confidence);
    let text = "I don't know that one, and I'd rather not guess.\n\
I cover Windows activation: KMS client keys, error codes, KMS, online and phone activation, and network requests for them.\n\
Say `help` to see everything I can do."
        .to_string();
    Answer {
        text,
        abstained: true,
        confidence,
        sources: Vec::new(),
        context: ctx.cloned(),
        offer: None,
        intent: None,
    }
}

pub(crate) fn error_answer(kb: &KnowledgeBase, e: &ErrorInfo, ctx: Option<&Context>) -> Answer {
    let mut c = ctx.cloned().unwrap_or_default();
    c.error = Some(e.code.clone());
    finish(
        error_text(e),
        Source {
            title: format!("{ERROR_TABLE} ({})", kb.tables.error_source(e)),
            section: e.code.clone(),
        },
        0.97,
        c,
        e.offer.as_deref().and_then(RequestOffer::parse),
    )
}

fn gvlk_source(kb: &KnowledgeBase, g: &Gvlk) -> Source {
    Source {
        title: format!("{GVLK_TABLE} ({})", kb.tables.gvlk_source),
        section: g.family.clone(),
    }
}

pub(crate) fn key_answer(kb: &KnowledgeBase, g: &Gvlk, ctx: Option<&Context>) -> Answer {
    let text = format!(
        "The KMS client setup key (GVLK) for **{}** is `{}`.\n\n\
It only activates against a KMS host. In an elevated command prompt on the instance, install it, point Windows at your KMS host and activate:\n\n\
```\nslmgr /ipk {}\nslmgr /skms <KMS_host_ip>:1688\nslmgr /ato\n```",
        g.display_name(),
        g.key,
        g.key
    );
    let mut c = ctx.cloned().unwrap_or_default();
    c.family = Some(g.family.clone());
    c.edition = Some(g.edition.clone());
    c.editions.clear();
    finish(text, gvlk_source(kb, g), 0.97, c, None)
}

pub(crate) fn candidates_answer(
    kb: &KnowledgeBase,
    list: &[&Gvlk],
    ctx: Option<&Context>,
) -> Answer {
    let mut families: Vec<&str> = list.iter().map(|g| g.family.as_str()).collect();
    families.dedup();
    let what = if families.len() == 1 {
        format!("{} has", families[0])
    } else {
        "These editions have".to_string()
    };
    // Editions that all share one key ("ent g": Windows 10 and 11 Enterprise G): that key,
    // with no choice to make.
    let shared = list
        .first()
        .filter(|first| list.len() > 1 && list.iter().all(|g| g.key == first.key));
    let mut text = match shared {
        Some(g) => format!(
            "These editions share one KMS client setup key (GVLK), `{}`:\n\n| Edition | Key |\n|---|---|\n",
            g.key
        ),
        None => format!(
            "Which edition? {what} several KMS client setup keys (GVLKs); pick the one matching your instance (`DISM /online /Get-CurrentEdition` shows it):\n\n| Edition | Key |\n|---|---|\n"
        ),
    };
    for g in list.iter().take(40) {
        text.push_str(&format!("| {} | `{}` |\n", g.display_name(), g.key));
    }
    if let Some(l) = list
        .first()
        .filter(|g| families.len() == 1 && !g.lifecycle.is_empty())
    {
        text.push_str(&format!("\n**Out of support:** {}\n", l.lifecycle));
    }
    let key = shared.map_or("<key_from_the_table>", |g| g.key.as_str());
    text.push_str(&format!("\nThen install it and activate against your KMS host:\n\n```\nslmgr /ipk {key}\nslmgr /skms <KMS_host_ip>:1688\nslmgr /ato\n```"));
    let mut c = ctx.cloned().unwrap_or_default();
    if families.len() == 1 {
        c.family = Some(families[0].to_string());
        c.edition = None;
    }
    let source = Source {
        title: format!("{GVLK_TABLE} ({})", kb.tables.gvlk_source),
        section: if families.len() == 1 {
            families[0].to_string()
        } else {
            "several families".into()
        },
    };
    finish(text, source, 0.9, c, None)
}

pub(crate) fn slmgr_option_in<'a>(
    kb: &'a KnowledgeBase,
    question: &str,
) -> Option<&'a SlmgrOption> {
    match slmgr_options_in(kb, question).as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// Every slmgr option named in the question, in order, without repeats.
pub(crate) fn slmgr_options_in<'a>(kb: &'a KnowledgeBase, question: &str) -> Vec<&'a SlmgrOption> {
    let lower = question.to_lowercase();
    let mut found: Vec<&SlmgrOption> = Vec::new();
    // Options are written with their slash ("/skms"); a bare option word ("skms syntax")
    // counts in a short message or next to "slmgr".
    // Option names that are no English word count bare anywhere ("how often can I rearm").
    const DISTINCT: &[&str] = &[
        "rearm", "skms", "ckms", "cpky", "upk", "dlv", "dli", "xpr", "sprt", "ipk", "rilc", "cdns",
        "sdns", "dti",
    ];
    let bare_ok = lower.contains("slmgr")
        || lower.split_whitespace().count() <= 4
        || lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| DISTINCT.contains(&w));
    let rx: &Regex = if bare_ok { &BARE } else { &OPT };
    for c in rx.captures_iter(&lower) {
        let Some(m) = c.get(1) else { continue };
        let opt = format!("/{}", m.as_str());
        if let Some(o) = kb.tables.slmgr.iter().find(|o| o.option == opt) {
            if !found.iter().any(|f| f.option == o.option) {
                found.push(o);
            }
        }
    }
    if let Some(o) = first_described(kb, &SPECIFIC, &lower) {
        // The option asked for comes first ("the activation ID to pass to /ato": /dlv).
        found.retain(|f| f.option != o.option);
        found.insert(0, o);
        found.truncate(1);
    }
    // "slmgr set kms port on the host side", "the command to install a product key": an
    // option described, not named.
    let wants_command = ["slmgr", "command", "cmd", "switch", "option"]
        .iter()
        .any(|w| lower.contains(w));
    if found.is_empty() && KEY_CHANGE.is_match(&lower) && !lower.contains("host key") {
        if let Some(o) = kb.tables.slmgr.iter().find(|o| o.option == "/ipk") {
            found.push(o);
        }
    }
    if found.is_empty() && wants_command {
        found.extend(described_option(kb, &lower));
    }
    found
}

/// The slmgr option a question describes without naming it ("uninstall the product key":
/// `/upk`), whether or not it asks for a command.
pub(crate) fn described_option<'a>(kb: &'a KnowledgeBase, lower: &str) -> Option<&'a SlmgrOption> {
    first_described(kb, &DESCRIBED, lower)
}

/// The option of the first pattern of `table` that matches `lower`.
fn first_described<'a>(
    kb: &'a KnowledgeBase,
    table: &[(Regex, &str)],
    lower: &str,
) -> Option<&'a SlmgrOption> {
    table
        .iter()
        .find(|(r, _)| r.is_match(lower))
        .and_then(|(_, opt)| kb.tables.slmgr.iter().find(|o| o.option == *opt))
}

/// True when a normalised token ties the question to Windows activation.
fn is_anchor(kb: &KnowledgeBase, t: &str) -> bool {
    // `t` is a normalised token, ANCHORS holds normalised forms.
    ANCHORS.contains(&t)
        || kb
            .tables
            .slmgr
            .iter()
            .any(|o| o.option.trim_start_matches('/') == t)
}

pub(crate) fn retrieve(
    kb: &KnowledgeBase,
    toks: &[String],
    ctx: Option<&Context>,
    operator_only: bool,
) -> Answer {
    if toks.is_empty() {
        return abstain(0.0, ctx);
    }
    // Built by the first answer that searches; if it could not be, nothing is found.
    let Ok(r) = kb.retriever() else {
        return abstain(0.0, ctx);
    };
    // Resolution of each query token to the vocabulary, and how much it is trusted.
    let resolved: Vec<Option<(Resolved, f32)>> = toks
        .iter()
        .map(|t| {
            if OUT_OF_SCOPE.contains(&t.as_str()) {
                return None;
            }
            r.resolve(t).map(|v| {
                let trust = match v {
                    Resolved::Exact(_) => 1.0,
                    Resolved::Inflection(_) => 0.9,
                    Resolved::Typo(_) => 0.7,
                };
                (v, trust)
            })
        })
        .collect();
    let anchored = toks.iter().any(|t| is_anchor(kb, t))
        || resolved
            .iter()
            .flatten()
            .any(|(v, _)| is_anchor(kb, v.term()));
    let (unknown_weight, threshold) = if anchored {
        (UNKNOWN_WEIGHT, THRESHOLD)
    } else {
        // Nothing says "activation": an unknown word may well be the real subject.
        (r.max_idf(), UNANCHORED_THRESHOLD)
    };
    let weights: Vec<f32> = resolved
        .iter()
        .zip(toks)
        .map(|(v, t)| match v {
            Some((v, _)) if DOMAIN_WORDS.contains(&v.term()) => DOMAIN_WEIGHT,
            Some((v, _)) => r.idf(v.term()).unwrap_or(unknown_weight),
            None if OUT_OF_SCOPE.contains(&t.as_str()) => OUT_OF_SCOPE_WEIGHT,
            // An unknown number is a quantity or an identifier, not a topic.
            None if anchored && t.chars().all(|c| c.is_ascii_digit()) => UNKNOWN_NUMBER_WEIGHT,
            None => unknown_weight,
        })
        .collect();
    let total: f32 = weights.iter().sum();
    // Even a passage matching every known word could not reach the threshold: don't search.
    let reachable: f32 = resolved
        .iter()
        .zip(&weights)
        .filter(|(v, _)| v.is_some())
        .map(|(_, w)| *w)
        .sum();
    if total <= 0.0 || reachable / total < threshold {
        return abstain((reachable / total.max(1e-6)).clamp(0.0, 1.0) * 0.5, ctx);
    }
    let mut terms: Vec<&str> = resolved.iter().flatten().map(|(v, _)| v.term()).collect();
    terms.sort_unstable();
    terms.dedup();
    let mut hits = r.search(&terms, 20);
    if operator_only {
        hits.retain(|(pid, _)| r.passages[*pid].operator);
    }
    if hits.is_empty() {
        return abstain(0.0, ctx);
    }
    let max_bm25 = hits
        .iter()
        .map(|(_, s)| *s)
        .fold(f32::MIN, f32::max)
        .max(1e-6);
    let mut best: Option<(usize, f32, f32)> = None; // pid, rank score, coverage-based confidence
    for (pid, score) in &hits {
        let set = &r.passage_tokens[*pid];
        let mut matched = 0.0f32;
        let mut matched_words = 0usize;
        for (v, w) in resolved.iter().zip(&weights) {
            if let Some((v, trust)) = v {
                if set.contains(v.term()) {
                    matched += trust * w;
                    if !DOMAIN_WORDS.contains(&v.term()) {
                        matched_words += 1;
                    }
                }
            }
        }
        // Similarity to the passage's closest example question (Jaccard weighted by idf, so
        // that sharing "kms" and "host" counts less than sharing "internet").
        let query_weight: f32 = weights.iter().sum();
        let qsim = r.question_tokens[*pid]
            .iter()
            .zip(&r.question_weights[*pid])
            .map(|(qs, q_weight)| {
                let mut inter = 0.0f32;
                let mut seen = 0.0f32;
                for (v, w) in resolved.iter().zip(&weights) {
                    if let Some((v, _)) = v {
                        if qs.contains(v.term()) {
                            inter += w;
                            seen += r.idf(v.term()).unwrap_or(*w).min(*w);
                        }
                    }
                }
                let q_only = (q_weight - seen).max(0.0);
                inter / (query_weight + q_only).max(1e-6)
            })
            .fold(0.0f32, f32::max);
        let coverage = matched / total;
        let strength = (matched / 3.0).min(1.0);
        let mut conf = coverage.powf(0.8) * (0.55 + 0.45 * strength);
        if !anchored && matched_words < 2 {
            // One generic word ("reset", "ip", "password") is never enough on its own.
            conf = conf.min(threshold * 0.9);
        }
        let rank = coverage + 0.35 * (score / max_bm25) + 1.0 * qsim;
        if best.is_none_or(|(_, br, _)| rank > br) {
            best = Some((*pid, rank, conf));
        }
    }
    let Some((pid, _, conf)) = best else {
        return abstain(0.0, ctx);
    };
    let conf = conf.clamp(0.0, 1.0);
    if conf < threshold {
        return abstain(conf, ctx);
    }
    let p = &r.passages[pid];
    let mut c = ctx.cloned().unwrap_or_default();
    if let Some(code) = &p.error {
        c.error = Some(code.clone());
    }
    let title = match p.title.as_str() {
        ERROR_TABLE => format!("{ERROR_TABLE} ({})", kb.tables.error_source_for(&p.section)),
        SLMGR_TABLE => format!("{SLMGR_TABLE} ({})", kb.tables.slmgr_source),
        KMS_TABLE => format!("{KMS_TABLE} ({})", kb.tables.kms_source_for(&p.section)),
        other => other.to_string(),
    };
    let source = Source {
        title,
        section: p.section.clone(),
    };
    let mut text = render_links(&p.text);
    if let Some((heading, steps)) = &p.steps {
        text = format!("{text}\n\n**{heading}**\n\n{}", render_links(steps));
    }
    finish(
        text,
        source,
        conf,
        c,
        p.offer.as_deref().and_then(RequestOffer::parse),
    )
}
