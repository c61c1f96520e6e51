//! Answer composition: recognizers (error codes, product keys, editions, slmgr options) first, then retrieval with calibrated confidence and abstention.

use std::sync::OnceLock;

use regex::Regex;

use crate::editions::{self, EditionMatch};
use crate::facts::{ErrorInfo, Gvlk, SlmgrOption};
use crate::retrieval::{query_tokens, Resolved};
use crate::{
    normalize_error_code, Answer, Context, KnowledgeBase, RequestOffer, Source, ERROR_TABLE,
    GVLK_TABLE, KMS_TABLE, SLMGR_TABLE,
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
const OTHER_PRODUCTS: &[(&str, &str)] = &[
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
    ("linux", "Linux"),
    ("ubuntu", "Linux"),
    ("debian", "Linux"),
    ("centos", "Linux"),
    ("rhel", "Linux"),
    ("redhat", "Linux"),
    ("macos", "macOS"),
    ("android", "Android"),
    ("iphone", "iOS"),
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

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("static regex is valid"))
}

/// Source line appended to every answer.
fn source_line(s: &Source) -> String {
    if s.section.is_empty() {
        format!("_Source: {}_", s.title)
    } else {
        format!("_Source: {} — {}_", s.title, s.section)
    }
}

/// Renders `[text](kb:id#section)` references as plain text.
fn render_links(text: &str) -> String {
    static LINK: OnceLock<Regex> = OnceLock::new();
    re(&LINK, r"\[([^\]]+)\]\(kb:[^)]*\)")
        .replace_all(text, "$1")
        .into_owned()
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
        "`slmgr {}{}` — {}\n\nRun it in an elevated command prompt:\n\n```\n{}\n```",
        o.option,
        if o.args.is_empty() {
            String::new()
        } else {
            format!(" {}", o.args)
        },
        o.summary,
        o.usage
    )
}

fn finish(
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

/// The abstention answer.
pub fn abstain(confidence: f32, ctx: Option<&Context>) -> Answer {
    let confidence = clean_confidence(confidence);
    let text = "I don't know the answer to that, and I'd rather not guess.\n\n\
I can help with:\n\
- KMS client setup keys (GVLKs) for Windows Server 2008 to 2025 and Windows 7 to 11 (e.g. \"key for Server 2019 Datacenter\")\n\
- activation error codes such as `0xC004F074`\n\
- activating through your own or an existing KMS host, online, or by telephone\n\
- network access: tcp/1688 to a KMS host, internet access for online activation\n\
- `slmgr` commands and KMS rules (thresholds, renewal, DNS discovery)\n\n\
Would you like me to file a request so someone from support follows up?"
        .to_string();
    Answer {
        text,
        abstained: true,
        confidence,
        sources: Vec::new(),
        context: ctx.cloned(),
        offer: None,
    }
}

fn error_answer(kb: &KnowledgeBase, e: &ErrorInfo, ctx: Option<&Context>) -> Answer {
    let mut c = ctx.cloned().unwrap_or_default();
    c.error = Some(e.code.clone());
    finish(
        error_text(e),
        Source {
            title: format!("{ERROR_TABLE} ({})", kb.tables.error_source),
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

fn key_answer(kb: &KnowledgeBase, g: &Gvlk, ctx: Option<&Context>) -> Answer {
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
    finish(text, gvlk_source(kb, g), 0.97, c, None)
}

fn candidates_answer(kb: &KnowledgeBase, list: &[&Gvlk], ctx: Option<&Context>) -> Answer {
    let mut families: Vec<&str> = list.iter().map(|g| g.family.as_str()).collect();
    families.dedup();
    let what = if families.len() == 1 {
        families[0].to_string()
    } else {
        "that".to_string()
    };
    let mut text = format!(
        "Which edition? {what} has several KMS client setup keys (GVLKs); pick the one matching your instance (`DISM /online /Get-CurrentEdition` shows it):\n\n| Edition | Key |\n|---|---|\n"
    );
    for g in list.iter().take(40) {
        text.push_str(&format!("| {} | `{}` |\n", g.display_name(), g.key));
    }
    text.push_str("\nThen install it and activate against your KMS host:\n\n```\nslmgr /ipk <key_from_the_table>\nslmgr /skms <KMS_host_ip>:1688\nslmgr /ato\n```");
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

fn product_key_in(question: &str) -> Option<String> {
    static KEY: OnceLock<Regex> = OnceLock::new();
    re(&KEY, r"(?i)\b[a-z0-9]{5}(?:-[a-z0-9]{5}){4}\b")
        .find(question)
        .map(|m| m.as_str().to_uppercase())
}

fn slmgr_option_in<'a>(kb: &'a KnowledgeBase, question: &str) -> Option<&'a SlmgrOption> {
    static OPT: OnceLock<Regex> = OnceLock::new();
    let lower = question.to_lowercase();
    let mut found: Vec<&SlmgrOption> = Vec::new();
    for c in re(&OPT, r"(?:^|[\s`(])[/-]([a-z][a-z-]{1,11})\b").captures_iter(&lower) {
        let Some(m) = c.get(1) else { continue };
        let opt = format!("/{}", m.as_str());
        if let Some(o) = kb.tables.slmgr.iter().find(|o| o.option == opt) {
            if !found.iter().any(|f| f.option == o.option) {
                found.push(o);
            }
        }
    }
    match found.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// True when the question gives a number of machines ("3 vms", "30 windows 10 desktops").
fn mentions_machine_count(lower: &str) -> bool {
    static COUNT: OnceLock<Regex> = OnceLock::new();
    re(
        &COUNT,
        r"(?:^|[^0-9.])[1-9][0-9]{0,2}\s+(?:[a-z0-9.]+\s+){0,3}?(?:vms?|machines?|servers?|instances?|clients?|desktops?|pcs?|laptops?|computers?|devices?|boxes|nodes|hosts?)\b",
    )
    .is_match(lower)
}

/// True when the question reads like a follow-up ("and for datacenter?", "what about 2022?").
fn is_follow_up(lower: &str, content_tokens: usize) -> bool {
    content_tokens <= 4
        || lower.starts_with("and ")
        || lower.starts_with("what about")
        || lower.starts_with("how about")
        || lower.starts_with("same for")
        || lower.starts_with("ok and")
}

/// Main entry point, see [`KnowledgeBase::answer`].
pub fn answer(kb: &KnowledgeBase, question: &str, ctx: Option<&Context>) -> Answer {
    let q = question.trim();
    if q.is_empty() {
        return abstain(0.0, ctx);
    }
    let lower = q.to_lowercase();
    let toks = query_tokens(q);

    // 0. Another product (Office, SQL Server, Linux...) without Windows in the question.
    if !toks.iter().any(|t| t == "windows") {
        if let Some((_, name)) = OTHER_PRODUCTS
            .iter()
            .find(|(w, _)| toks.iter().any(|t| t == w))
        {
            let mut a = abstain(0.0, ctx);
            a.text = format!(
                "That sounds like a question about {name}, which I don't cover: I only know \
how to activate Windows and Windows Server instances.\n\n{}",
                a.text
            );
            return a;
        }
    }

    // 1. Error codes.
    if let Some(code) = normalize_error_code(q) {
        if let Some(e) = kb.tables.errors.iter().find(|e| e.code == code) {
            return error_answer(kb, e, ctx);
        }
        if code.starts_with("0xC004") || code.starts_with("0x8007") {
            let mut a = abstain(0.3, ctx);
            a.text = format!(
                "I don't have error `{code}` in my table, so I won't guess what it means. \
Run `slmgr /dlv` and check the Application event log for details.\n\n{}",
                a.text
            );
            return a;
        }
    }

    // 2. A product key pasted into the question.
    if let Some(key) = product_key_in(q) {
        let hits: Vec<&Gvlk> = kb.tables.gvlks.iter().filter(|g| g.key == key).collect();
        if let Some(first) = hits.first() {
            let names: Vec<String> = hits.iter().map(|g| g.display_name()).collect();
            let text = format!(
                "`{key}` is the public KMS client setup key (GVLK) for **{}**. It only activates against a KMS host:\n\n```\nslmgr /ipk {key}\nslmgr /skms <KMS_host_ip>:1688\nslmgr /ato\n```",
                names.join("**, **")
            );
            let mut c = ctx.cloned().unwrap_or_default();
            c.family = Some(first.family.clone());
            c.edition = Some(first.edition.clone());
            return finish(text, gvlk_source(kb, first), 0.95, c, None);
        }
    }

    // 3. Windows editions.
    let mut eq = editions::parse(q);
    let follow = is_follow_up(&lower, toks.len());
    if let Some(c) = ctx {
        if follow && eq.families.is_empty() && !eq.attrs.is_empty() {
            if let Some(f) = &c.family {
                eq.families = vec![f.clone()];
            }
        }
        if follow && !eq.families.is_empty() && eq.attrs.is_empty() {
            if let Some(e) = &c.edition {
                eq.attrs = editions::attributes(&e.to_lowercase());
            }
        }
    }
    let key_intent = toks
        .iter()
        .any(|t| matches!(t.as_str(), "gvlk" | "key" | "ipk" | "serial" | "code"))
        || lower.contains("product key");
    let host_intent = toks.iter().any(|t| t == "csvlk" || t == "kb2757817")
        || (toks.iter().any(|t| t == "host")
            && toks.iter().any(|t| {
                matches!(
                    t.as_str(),
                    "setup"
                        | "create"
                        | "become"
                        | "convert"
                        | "build"
                        | "turn"
                        | "install"
                        | "promote"
                )
            }));
    let edition_words = toks
        .iter()
        .filter(|t| {
            !matches!(
                t.as_str(),
                "windows"
                    | "server"
                    | "srv"
                    | "ws"
                    | "edition"
                    | "gvlk"
                    | "key"
                    | "activ"
                    | "kms"
                    | "r2"
                    | "for"
                    | "version"
                    | "ltsc"
                    | "ltsb"
                    | "iot"
                    | "client"
                    | "license"
                    | "what"
                    | "which"
            ) && editions::attributes(t).is_empty()
                && !t.chars().any(|c| c.is_ascii_digit())
                && !matches!(
                    t.as_str(),
                    "n" | "g"
                        | "e"
                        | "azure"
                        | "semi"
                        | "annual"
                        | "sac"
                        | "vista"
                        | "without"
                        | "hyper"
                        | "v"
                )
        })
        .count();
    let activ_intent = toks.iter().any(|t| t == "activ");
    // "we have 30 windows 10 desktops" is about how many machines, not about a key.
    let counts_machines = !key_intent && mentions_machine_count(&lower);
    if !host_intent && !counts_machines {
        match editions::lookup(&kb.tables.gvlks, &eq) {
            EditionMatch::Exact(g)
                if key_intent
                    || activ_intent
                    || edition_words <= 1
                    || (follow && ctx.is_some()) =>
            {
                return key_answer(kb, g, ctx);
            }
            EditionMatch::Ambiguous(list)
                if key_intent
                    || edition_words == 0
                    || (follow && ctx.is_some() && edition_words <= 1) =>
            {
                return candidates_answer(kb, &list, ctx);
            }
            _ => {}
        }
    }

    // 4. A single slmgr option.
    if let Some(o) = slmgr_option_in(kb, q) {
        let lower_has_how = toks.len() <= 5;
        if lower_has_how {
            let c = ctx.cloned().unwrap_or_default();
            return finish(
                slmgr_text(o),
                Source {
                    title: format!("{SLMGR_TABLE} ({})", kb.tables.slmgr_source),
                    section: format!("slmgr {}", o.option),
                },
                0.93,
                c,
                None,
            );
        }
    }

    // 5. A follow-up about the last error ("how do I fix it?").
    if let Some(code) = ctx.and_then(|c| c.error.as_deref()) {
        let refers = toks.len() <= 3
            && (toks.iter().any(|t| {
                matches!(
                    t.as_str(),
                    "fix" | "solve" | "resolve" | "mean" | "cause" | "why" | "error"
                )
            }) || lower.contains(" it")
                || lower.contains("that")
                || lower.contains("this"));
        if refers {
            if let Some(e) = kb.tables.errors.iter().find(|e| e.code == code) {
                return error_answer(kb, e, ctx);
            }
        }
    }

    // 6. Retrieval.
    let a = retrieve(kb, &toks, ctx);
    if a.abstained {
        // A follow-up about the last error ("how do I fix it?").
        if let Some(code) = ctx.and_then(|c| c.error.as_deref()) {
            if toks.iter().any(|t| {
                matches!(
                    t.as_str(),
                    "fix" | "solve" | "resolve" | "mean" | "cause" | "why"
                )
            }) || lower.contains(" it")
            {
                if let Some(e) = kb.tables.errors.iter().find(|e| e.code == code) {
                    return error_answer(kb, e, ctx);
                }
            }
        }
    }
    a
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

fn retrieve(kb: &KnowledgeBase, toks: &[String], ctx: Option<&Context>) -> Answer {
    let r = &kb.retriever;
    if toks.is_empty() {
        return abstain(0.0, ctx);
    }
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
    let hits = r.search(&terms, 20);
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
        ERROR_TABLE => format!("{ERROR_TABLE} ({})", kb.tables.error_source),
        SLMGR_TABLE => format!("{SLMGR_TABLE} ({})", kb.tables.slmgr_source),
        KMS_TABLE => format!("{KMS_TABLE} ({})", kb.tables.kms_source),
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
