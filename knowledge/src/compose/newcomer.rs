//! Questions of people new to activation, in their own words: what the watermark means, where commands go, what happens without activation, an evaluation to convert or extend, a licensed status to confirm, who is paid for the licence, one edition's key for another, what sysprep is, the bot asked to open a rule or run an activation job, and the everyday administration they ask about in the same breath (declined).

use std::sync::LazyLock;

use super::{abstain, fact_answer, target, with_intent, TIME_ZONE};
use crate::editions::EditionMatch;
use crate::nlu::{Intent, Understanding};
use crate::pattern::Regex;
use crate::text::{rx, rx_folded, rx_match, Folded, Matcher};
use crate::{Answer, AnswerSettings, Context, KnowledgeBase};

/// Compiles this file's patterns (with the parent module's `warm_up`).
pub(super) fn warm_up() {
    let patterns: &[&dyn crate::text::WarmUp] = &[
        &WHAT_IS_PROMPT,
        &WHERE_TO_TYPE,
        &OPEN_PROMPT,
        &DO_IT_SHORT,
        &WATERMARK_WORDS,
        &ASKS_MEANING,
        &STOPS_UNLESS_ACTIVATED,
        &MAKE_IT_FULL,
        &TRIAL_RUNS_OUT,
        &WHAT_IS_SYSPREP,
        &LIKE_WINDOWS,
        &LINUX_NAMED,
        &SET_TIME_ZONE,
        &DISK_SPACE,
        &ACTIVATION_WORDS,
        &TELL_IT_WHERE,
        &REPORTS_TEXT,
        &MACHINE_NAME,
        &OTHER_EDITION_KEY,
        &WHO_IS_PAID,
        &WANTS_A_KEY,
        &NO_KEY,
        &BOT_OPENS_RULE,
        &BOT_RUNS_COMMANDS,
        &EXTEND_IT,
        &REPORTS_LICENSED,
        &NEGATED_STATE,
        &SERVER_EDITION_ID,
        &PROVIDER_KMS,
        &URGENCY,
        &HOW_TO_ACTIVATE,
        &WHAT_IS_ACTIVATION,
    ];
    for pattern in patterns {
        pattern.warm_up();
    }
}

/// "What is cmd?", "what's a command prompt?", "what is an elevated prompt?" as the whole
/// message.
static WHAT_IS_PROMPT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\s*(so\s+|and\s+|ok\s+|sorry,?\s+)?(what|wat)('?s|\s+is|\s+are|\s+does)\s+(a\s+|an\s+|the\s+)?(cmd|cmd\.exe|command\s+prompt|command\s+line|cli|terminal|console|elevated\s+(command\s+)?prompt|admin(istrator)?\s+(command\s+)?prompt)(\s+mean|\s+exactly)?\s*\??\s*$",
    )
});

/// "Where do I type that?", "where do I put these commands?", "where do I run it?".
static WHERE_TO_TYPE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(where|in\s+what|in\s+which)\b.{0,12}\b((do|should|can|must|would)\s+(i|we|you)|to)\s+(type|enter|put|run|paste|write|input|execute)\s*((the|these|those|this|that|my|all)\s+)?(slmgr\s+)?(commands?|slmgr|it|that|this|these|those|them)?\s*(in|into|then|exactly)?\s*[?!.]*\s*$|\bwhere\s+(does|do)\s+(that|this|it|these|those|the\s+commands?)\s+go\b",
    )
});

/// "How do I open an elevated command prompt?", "how do I run it as admin?", "what is an
/// elevated command prompt and how do I get one?".
static OPEN_PROMPT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(how|where)\b.{0,20}\b(open|get|start|launch|find|run)\b.{0,20}\b(elevated|admin\w*)\s+(cmd|command\s+prompt|prompt|terminal|powershell|window|console)|\b(how|where)\b.{0,20}\b(open|get|start|launch|find)\s+(an?\s+|the\s+)?(cmd|command\s+prompt|terminal|console)\b|\b(how|where)\b.{0,25}\b(run|open|start)\s+(it|that|this|cmd|slmgr|the\s+command|the\s+commands|the\s+prompt|them)\s+as\s+(an?\s+)?admin\w*|\bwhat\s+(is|'s)\s+(an?\s+)?(elevated|admin\w*)\s+(cmd|command\s+prompt|prompt)\b|\brun\s+as\s+admin\w*\b.{0,20}\b(how|where|what)\b",
    )
});

/// "How do I do that?", "how do I open it?", "how?" (short follow-ups asking for the way).
static DO_IT_SHORT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\s*(ok\s+|okay\s+|so\s+|and\s+|sorry,?\s+)?(how|where)\s+(do|can|would|should)\s+(i|we|you)\s+(do|open|start|get|find|run|launch)\s+(that|it|this|one|them)(\s+exactly|\s+then)?\s*\??\s*$",
    )
});

/// The watermark by name, or the "Activate Windows" text placed on the screen.
static WATERMARK_WORDS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r#"(?i)\bwatermark\b|["'“‘]?activate\s+windows["'”’]?.{0,40}\b(corner|bottom|desktop|screen|wallpaper|background)\b|\b(corner|bottom[\s-]+right|desktop|screen)\b.{0,40}\b(says|shows|reads)\b.{0,10}["'“‘]?activate\s+windows\b"#,
    )
});

/// Asking what something means or why it is there (or what to tell the customer who sees it).
static ASKS_MEANING: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bwhat(\s+does|\s+do|\s+is|'s|s)\b.{0,40}\b(mean|means|meaning|about|for)\b|\bwhat(\s+is|'s|s)\s+(the|this|that)\s+(watermark|text|message|notice|thing)\b|\bwhat(\s+is|'s|s)\s+(this|that)\s*[?!.]*\s*$|\bwhy\s+(do|does|is|am|are)\b.{0,30}\b(see|say|says|show|shows|there|appear|appears|showing|saying)\b|\bis\s+(this|that|it)\s+(something\s+)?(bad|wrong|a\s+problem|normal|serious)\b|\bdid\s+i\s+(do\s+)?(something|anything)\s+wrong\b|\bwhat\s+(do|should|can)\s+(i|we)\s+(tell|say\s+to|answer|reply\s+to)\s+(them|him|her|the\s+(customer|user|client))\b",
    )
});

/// How long until Windows stops if it is never activated ("how long do I have before Windows
/// stops working if I don't activate?", "will it stop working if we never activate it?").
static STOPS_UNLESS_ACTIVATED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(stops?|stop\s+working|quits?|dies|shuts?\s+(itself\s+)?down|locks?\s+(me\s+)?out|becomes?\s+unusable|break|breaks|works?|run|runs|keep\s+(working|running))\b.{0,50}\b(if|when|unless|as\s+long\s+as)\s+(i|we|you|it|nobody|no\s+one)\s+(don'?t|do\s+not|never|can'?t|cannot|doesn'?t|does\s+not|isn'?t|is\s+not|won'?t)\s+(get\s+)?activat\w*|\b(if|when)\s+(i|we|you)\s+(don'?t|do\s+not|never)\s+activat\w*\b.{0,50}\b(stop\w*|work\w*|shut\w*|lock\w*|how\s+long|break\w*|unusable)|\bhow\s+long\b.{0,40}\b(before|until)\b.{0,40}\b(stops?\s+working|stops|shuts?\s+down|locks?|becomes?\s+unusable|quits|dies)\b",
    )
});

/// Making an evaluation the full edition, said plainly ("can I make it a normal one?", "how do
/// I convert it?", "turn it into the real version").
static MAKE_IT_FULL: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(convert|upgrade|switch|change|turn|make)\b.{0,20}\b(it|this|that|them|one|mine)\b|\b(normal|full|proper|real|regular|licensed|paid|non-?eval\w*|non-?trial)\s+(one|version|edition|copy|windows|server|image)\b|\bhow\s+(do|can)\s+(i|we)\s+(do\s+that|convert)\b",
    )
});

/// A trial running out ("the trial runs out next week, can I extend it?").
static TRIAL_RUNS_OUT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\btrial\b.{0,40}\b(runs?\s+out|ran\s+out|expir\w*|ends?|ending|over|extend\w*|left|remaining|days)\b|\b(extend|prolong|lengthen)\w*\b.{0,20}\b(the\s+|my\s+|our\s+)?trial\b",
    )
});

/// "What's sysprep?", "what does sysprep do?" as the whole message.
static WHAT_IS_SYSPREP: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\s*(so\s+|and\s+|ok\s+|sorry,?\s+)?(what|wat)('?s|\s+is|\s+does)\s+(a\s+|the\s+)?sysprep(\.exe)?(\s+do|\s+exactly|\s+for|\s+mean)?\s*\??\s*$",
    )
});

/// Windows named only to compare another system with it ("like Windows does", "unlike
/// Windows").
static LIKE_WINDOWS: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(like|as|unlike|than|similar\s+to)\s+((i|we|you)\s+(do|did|have\s+to)\s+)?(on\s+|in\s+|with\s+|for\s+)?windows\b",
    )
});

/// A Linux system named.
static LINUX_NAMED: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(linux|ubuntu|debian|centos|rhel|red\s+hat|redhat|rocky|almalinux|fedora|suse|sles)\b",
    )
});

/// Setting the time zone ("how do I set the time zone on my VM?").
static SET_TIME_ZONE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(set|change|fix|adjust|configure|correct|switch)\w*\b.{0,20}\btime\s*-?zones?\b",
    )
});

/// Disk space ("how much disk space is left?", "the C drive is full").
static DISK_SPACE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(disk|drive|storage)\s+space\b|\bfree\s+space\b|\bspace\s+(is\s+)?(left|remaining)\b|\b(disk|drive|c:?)\s+(is\s+)?(full|filling\s+up)\b|\bwinsxs\b",
    )
});

/// The key of a named edition used on a machine ("... with a Windows 11 key", "using our
/// Windows 10 Pro key"): the edition the key is of.
static OTHER_EDITION_KEY: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)\b(?:with|using|from)\s+(?:a|an|the|my|our|their)\s+((?:windows|win|server)\s+[a-z0-9 .]{1,30}?)\s+(?:product\s+|licen[cs]e\s+|kms\s+|retail\s+)?(?:key|gvlk)\b",
    )
});

/// Who is paid for the Windows licence ("do I pay Microsoft or you?", "do we buy the licence
/// from you or from Microsoft?").
static WHO_IS_PAID: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(pay|paying|buy|buying|purchase|get)\b.{0,40}\b(microsoft|ms)\s+or\s+(from\s+|to\s+)?(you|u|the\s+(cloud|provider))\b|\b(pay|paying|buy|buying|purchase|get)\b.{0,40}\b(you|u|the\s+(cloud|provider))\s+or\s+(from\s+|to\s+)?(microsoft|ms)\b|\bwho\s+(do|should|must)\s+(i|we)\s+pay\b.{0,30}\b(windows|licen[cs]e)\b",
    )
});

/// Windows asking for a key ("windows wants a key", "it keeps asking for a product key").
static WANTS_A_KEY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(windows|it|the\s+(vm|server|instance|machine|setup|screen))\s+(now\s+|still\s+|keeps\s+)?(wants|asks|asking|is\s+asking|asked|needs|requires|demands|is\s+demanding)\s+(me\s+)?(for\s+)?(a|an|the|my)\s+(product\s+|licen[cs]e\s+|activation\s+)?key\b",
    )
});

/// Having no key to give Windows ("i have no key, what i do", "we don't have a product key").
static NO_KEY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(i|we)\s+(have|got|has)\s+no\s+(product\s+|licen[cs]e\s+|windows\s+|activation\s+)?key\b|\b(i|we)\s+(don'?t|do\s+not|dont|did\s+not|didn'?t)\s+(have|get|got|buy|receive)\s+(a|any|the|an)\s+(product\s+|licen[cs]e\s+|windows\s+|activation\s+)?key\b|^\s*no\s+(product\s+|licen[cs]e\s+)?key\b",
    )
});

/// Asking the bot to open a firewall rule or a port ("can you open a firewall rule for me?").
static BOT_OPENS_RULE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(can|could|would|will)\s+(you|u)\s+(please\s+)?(open|add|create|make|set\s+up|request|file|raise|put\s+in)\b.{0,30}\b(firewall\s+rule|firewall\s+exception|rule|port|1688)\b",
    )
});

/// Asking the bot to run the commands itself ("can you run slmgr for me?").
static BOT_RUNS_COMMANDS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(can|could|would|will)\s+(you|u)\s+(please\s+)?(run|execute|type|do)\s+(slmgr|the\s+commands?|these\s+commands?|those\s+commands?|the\s+slmgr\s+commands?|it|that|them)\s+(for\s+(me|us)|on\s+(my|our|the)\s+(server|vm|instance|machine))\b",
    )
});

/// Asking for more time on an evaluation ("can I extend it?", "can I get more time?").
static EXTEND_IT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\b(extend|extended|extending|prolong|lengthen|rearm|more\s+time|longer)\b")
});

/// A report that the status reads licensed or activated ("it says licensed, is that good?").
static REPORTS_LICENSED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(says?|shows?|showing|reads?|reports?|now)\s+(that\s+)?(it'?s\s+|it\s+is\s+|windows\s+is\s+|status\s*:?\s*)?(licen[cs]ed|activated)\b",
    )
});

/// A negated state ("not licensed", "unlicensed", "isn't activated").
static NEGATED_STATE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(not|never|isn'?t|wasn'?t|un)\s*(yet\s+)?(licen[cs]ed|activated)\b|\b(grace|notification|expired|error|fail\w*)\b",
    )
});

/// A Windows Server edition ID as `DISM /Get-CurrentEdition` or the registry show it
/// ("ServerStandard", "ServerDatacenterEval").
static SERVER_EDITION_ID: LazyLock<Regex> =
    LazyLock::new(|| rx(r"(?i)\bserver(standard|datacenter)(eval)?(cor|acor)?\b"));

/// Whether the provider runs a KMS ("is there a KMS server in this cloud?", "do you have a
/// KMS we can use?").
static PROVIDER_KMS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(is\s+there|are\s+there|do\s+you\s+(have|run|provide|offer)|does\s+(the|this)\s+(cloud|provider|platform)\s+(have|run|provide|offer))\s+(a|an|any)\s+(public\s+|shared\s+|central\s+)?kms(\s+(server|host|service)s?)?\b",
    )
});

/// Worry or urgency about a Windows that is not activated ("do I need to worry about it this
/// week?").
static URGENCY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(worry|worried|urgent|hurry|rush|in\s+a\s+rush|in\s+trouble|big\s+deal|serious|deadline|asap)\b",
    )
});

/// Asking for the way to activate ("how do I activate it", "steps to activate").
static HOW_TO_ACTIVATE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bhow\s+(do|can|should|would|to)\s+(i|we|u|you)?\s*(get\s+(it|this|them|the\s+\w+)\s+)?activat\w*|\b(steps|commands?|cmds|procedure)\b.{0,30}\bactivat\w*",
    )
});

/// What activation is, asked plainly ("what does activation even mean?", "the difference
/// between a licence and activation", "why does Windows need activating?").
static WHAT_IS_ACTIVATION: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\s*(so\s+|and\s+|ok\s+|sorry,?\s+)?what(\s+is|'s|s|\s+does)\s+(windows\s+)?activation(\s+(even|actually|exactly|really))?(\s+mean|\s+do|\s+for)?\s*[?!.]*\s*$|\bwhat\s+does\s+(it\s+mean\s+to\s+)?activat\w*(\s+windows)?\s+(even\s+|actually\s+|really\s+)?mean\b|\bdifference\s+between\s+(a\s+|the\s+)?licen[cs]\w*\s+and\s+(an\s+|the\s+)?activation\b|\bdifference\s+between\s+(an\s+|the\s+)?activation\s+and\s+(a\s+|the\s+)?licen[cs]\w*|\bwhy\s+(does|do|must|should)\s+(windows|i|we|it)\s+(even\s+)?(need|have)\s+(to\s+be\s+)?activat\w*",
    )
});

/// A machine's name written with a hyphen ("srv-db01", "vm-web02").
static MACHINE_NAME: LazyLock<Regex> =
    LazyLock::new(|| rx(r"(?i)\b([a-z][a-z0-9]*(?:-[a-z0-9]+)+)\b"));

/// Words that make a message about activation whatever else it asks.
static ACTIVATION_WORDS: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)(activat|\bkms\b|gvlk|\bmak\b|slmgr|slui|licen[cs]|product\s*key|1688|rearm|grace)",
    )
});

/// Telling Windows where the KMS host is ("how do I tell it where our server is?", "how do I
/// point it at our KMS?").
static TELL_IT_WHERE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(tell|show|let)\s+(it|windows|the\s+(vm|server|instance|machine)|them)\s+(know\s+)?where\b.{0,30}\b(server|host|kms|activation\s+server)\b|\b(point|direct|aim)\s+(it|windows|the\s+(vm|server|instance|machine)|them)\s+(at|to|towards)\s+(our|the|my)\s+(own\s+)?(server|host|kms|activation\s+server)\b",
    )
});

/// A short report of what came back ("it said access denied", "got access denied").
static REPORTS_TEXT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\s*(ok,?\s+|okay,?\s+|hmm+,?\s+|so\s+|and\s+|but\s+|now\s+)?(it|that|this|windows|slmgr|the\s+(command|window|popup|pop-up|box|prompt))\s+(just\s+|now\s+|still\s+)?(said|says|say|shows?|showed|gives?|gave|returns?|returned|reports?|reported|comes\s+back\s+with|came\s+back\s+with)\b|^\s*(ok,?\s+|okay,?\s+|now\s+|but\s+)?(i\s+)?(got|get|getting|am\s+getting|i'?m\s+getting)\b|^\s*(access|permission)\s+(is\s+)?denied\b",
    )
});

/// In a thread about activation, a short message reporting an error text that other programs
/// give too ("it said access denied"): the activation error of that text, not another
/// program's.
pub(super) fn error_reported_in_thread(ctx: Option<&Context>, q: &str) -> bool {
    ctx.and_then(|c| c.intent)
        .is_some_and(|i| !i.is_small_talk())
        && q.split_whitespace().count() <= 10
        && REPORTS_TEXT.is_match(q)
        && !LINUX_NAMED.is_match(q)
        && ![
            "ssh",
            "publickey",
            "rdp",
            "remote desktop",
            "share",
            "folder",
            "file ",
        ]
        .iter()
        .any(|w| q.to_lowercase().contains(w))
}

/// Reroutes what people new to activation ask in a thread: telling Windows where the KMS host
/// is, after an error or a question about reaching it, is pointing it there.
pub(super) fn reroute(u: &mut Understanding, q: &str) {
    if TELL_IT_WHERE.is_match(q) && u.slots.nothing_pasted() && u.slots.editions.is_empty() {
        u.reroute(Intent::PointKms);
    }
}

/// Everyday administration asked by the same people, with nothing of activation in it: the
/// time zone, disk space, or a Linux system compared with Windows. Declined.
fn declined(q: &str, lower: &str, u: &Understanding, ctx: Option<&Context>) -> Option<Answer> {
    let activation = ACTIVATION_WORDS.is_match(q)
        && !(LINUX_NAMED.is_match(q) && LIKE_WINDOWS.is_match(q) && !lower.contains("kms"));
    if activation || !u.slots.nothing_pasted() || u.slots.host.is_some() {
        return None;
    }
    if LINUX_NAMED.is_match(q) && LIKE_WINDOWS.is_match(q) {
        let mut a = abstain(0.0, ctx);
        a.text = "That sounds like Linux, which I don't cover: I only know how to activate Windows and Windows Server instances. Say `help` to see what I can do.".to_string();
        return Some(a);
    }
    if (SET_TIME_ZONE.is_match(q) || (TIME_ZONE.is_match(q) && lower.contains("how")))
        && !lower.contains("kms")
        && !lower.contains("skew")
    {
        return Some(abstain(0.2, ctx));
    }
    if DISK_SPACE.is_match(q) {
        return Some(abstain(0.2, ctx));
    }
    None
}

/// The thread's edition key in place of the placeholder of a generic command.
fn thread_key(kb: &KnowledgeBase, ctx: Option<&Context>) -> Option<String> {
    let edition = ctx.and_then(|c| c.edition.as_deref())?;
    match kb.gvlk(edition) {
        EditionMatch::Exact(g) => Some(g.key.clone()),
        _ => None,
    }
}

/// Answers what people new to activation ask in their own words, when the message is one of
/// those questions; `None` otherwise.
pub(super) fn answer(
    kb: &KnowledgeBase,
    q: &str,
    lower: &str,
    u: &Understanding,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
) -> Option<Answer> {
    if let Some(a) = declined(q, lower, u, ctx) {
        return Some(a);
    }
    if !u.slots.nothing_pasted() || u.slots.product_key.is_some() {
        return None;
    }
    let t = target(&u.slots, ctx, settings);
    let words = q.split_whitespace().count();
    let in_thread = ctx
        .and_then(|c| c.intent)
        .is_some_and(|i| !i.is_small_talk());
    let topic = ctx
        .and_then(|c| c.topic.as_ref())
        .map(|s| s.section.as_str())
        .unwrap_or("");
    let thread_error = ctx.and_then(|c| c.error.as_deref()).unwrap_or("");

    // Who is paid for the licence: with your own licence (BYOL), not the provider.
    if WHO_IS_PAID.is_match(q) && u.slots.editions.is_empty() {
        let mut c = ctx.cloned().unwrap_or_default();
        c.intent = Some(Intent::Policy);
        let a = super::article_answer(kb, "byol-provider-kms", "Why", &t, c, None, 0.85)?;
        return Some(with_intent(a, Some(Intent::Policy)));
    }

    // Whether the provider runs a KMS to use: it does not for your own licences (BYOL).
    let word_list: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let names_provider = word_list.iter().any(|w| {
        [
            "cloud",
            "cloud's",
            "here",
            "platform",
            "provider",
            "provider's",
            "you",
            "your",
        ]
        .contains(w)
    });
    if PROVIDER_KMS.is_match(q)
        && (!(lower.starts_with("is there") || lower.starts_with("are there")) || names_provider)
        // A key is asked for ("is there a KMS client setup key for it?"), not a host.
        && !["kms client", "kms key", "setup key", "client key", "gvlk", "host key"]
            .iter()
            .any(|w| lower.contains(w))
        && u.slots.editions.is_empty()
        && u.slots.host.is_none()
    {
        let mut c = ctx.cloned().unwrap_or_default();
        c.intent = Some(Intent::Policy);
        let a = super::article_answer(kb, "byol-provider-kms", "Why", &t, c, None, 0.85)?;
        return Some(with_intent(a, Some(Intent::Policy)));
    }

    // What activation is, in plain words: the licence and its proof.
    if WHAT_IS_ACTIVATION.is_match(q) && u.slots.editions.is_empty() && u.slots.host.is_none() {
        let a = fact_answer(kb, "activation-vs-licence", &t, Intent::Compare, ctx)?;
        return Some(with_intent(a, Some(Intent::Compare)));
    }

    // Windows asking for a key, with no edition named: the ways, each with the key it takes.
    // Having no key to give it is the same question.
    if (WANTS_A_KEY.is_match(q) || NO_KEY.is_match(q))
        && u.slots.editions.is_empty()
        && u.slots.host.is_none()
    {
        return Some(with_intent(super::which_way(ctx), Some(Intent::Methods)));
    }

    // The bot asked to open a rule: it files the request, support adds the rule.
    // Only a rule for activation: another port or service ("port 443 for my web server") is
    // not one.
    let for_activation = ["kms", "1688", "activat"].iter().any(|w| lower.contains(w));
    let other_service = u.slots.port.is_some_and(|p| p != 1688)
        || [
            "rdp", "3389", "web", "http", "ssh", "443", " 80", " 22", "sql", "smtp", "mail", "ftp",
            "dns", "vpn",
        ]
        .iter()
        .any(|w| lower.contains(w));
    if BOT_OPENS_RULE.is_match(q) && (for_activation || !other_service) {
        return Some(super::kms_rule_offer(
            &u.slots,
            ctx,
            settings,
            |port, host| {
                format!(
                "I can't change the cloud firewall myself, but I file the request for support, who add the static rule. Tell me where from and to, for example:\n\n`open tcp {port} from 10.0.0.0/24 to {host}`\n\nand I open the ticket. The KMS host's own firewall must allow tcp/{port} as well."
            )
            },
        ));
    }

    // The bot asked to run the commands: its activation jobs, after approval.
    if BOT_RUNS_COMMANDS.is_match(q) && words <= 16 {
        return Some(super::small_talk(Intent::Help, ctx));
    }

    // Where commands are typed, and how the prompt is opened.
    let prompt = WHAT_IS_PROMPT.is_match(q)
        || (OPEN_PROMPT.is_match(q) && words <= 30)
        || (WHERE_TO_TYPE.is_match(q)
            && words <= 12
            && (in_thread || lower.contains("slmgr") || lower.contains("command")))
        || (DO_IT_SHORT.is_match(q)
            && (thread_error == "0x80070005"
                || topic == "Running slmgr"
                || topic.starts_with("slmgr ")));
    if prompt && u.slots.editions.is_empty() && u.slots.host.is_none() {
        let mut a = fact_answer(kb, "command-prompt", &t, Intent::Slmgr, ctx)?;
        // In a thread about an edition's KMS client key: that key, and the KMS host.
        if let Some(key) = thread_key(kb, ctx) {
            let host = super::host_or_placeholder(&t);
            a.text = a.text.replace(
                "slmgr /ipk <product_key>\nslmgr /ato",
                &format!(
                    "slmgr /ipk {key}\nslmgr /skms {host}:{}\nslmgr /ato",
                    t.port
                ),
            );
        }
        return Some(with_intent(a, Some(Intent::Slmgr)));
    }

    // What the watermark means.
    if WATERMARK_WORDS.is_match(q)
        && ASKS_MEANING.is_match(q)
        && ![
            "still",
            "remains",
            "stays",
            "after activat",
            "even though",
            "although",
            "licensed",
            "is activated",
        ]
        .iter()
        .any(|w| lower.contains(w))
        // A way asked to get rid of it, or an edition named: the steps and its key instead.
        && !["remove", "get rid", "right way", "how do i", "how can i", "how to"]
            .iter()
            .any(|w| lower.contains(w))
        && u.slots.editions.is_empty()
        && u.slots.host.is_none()
    {
        // What to do next is the question that follows ("ok and then?"): the ways.
        let a = fact_answer(kb, "watermark-meaning", &t, Intent::Methods, ctx)?;
        return Some(with_intent(a, Some(Intent::Methods)));
    }

    // How long until it stops when it is never activated: nothing stops (but an evaluation).
    // Worry about a Windows not activated yet: nothing stops (but an evaluation).
    let not_activated = [
        "not activated",
        "isn't activated",
        "unactivated",
        "not yet activated",
    ]
    .iter()
    .any(|w| lower.contains(w))
        || WATERMARK_WORDS.is_match(q);
    // "URGENT!!! prod server not activated, how do I activate it?": the urgency is the mood of
    // a request for the steps, not a question about what the lapse does.
    if URGENCY.is_match(q)
        && not_activated
        && u.slots.host.is_none()
        && words <= 30
        && !HOW_TO_ACTIVATE.is_match(q)
    {
        let a = fact_answer(kb, "lapsed", &t, Intent::Timing, ctx)?;
        return Some(with_intent(a, Some(Intent::Timing)));
    }

    // A trial or evaluation image asked so: the evaluation's own period.
    let trial = lower.contains("trial") || lower.contains("eval");
    if STOPS_UNLESS_ACTIVATED.is_match(q) && u.slots.host.is_none() && !trial {
        let a = fact_answer(kb, "lapsed", &t, Intent::Timing, ctx)?;
        return Some(with_intent(a, Some(Intent::Timing)));
    }

    // An evaluation to convert, asked plainly in its thread, or a trial running out.
    let evaluation_thread = topic == "Evaluation editions";
    if (evaluation_thread && words <= 10 && (MAKE_IT_FULL.is_match(q) || EXTEND_IT.is_match(q)))
        || (trial && STOPS_UNLESS_ACTIVATED.is_match(q))
        || (TRIAL_RUNS_OUT.is_match(q)
            && ![
                "credit",
                "account",
                "subscription",
                "azure",
                "aws",
                "office",
                "365",
                "billing",
                "cloud",
                "free trial",
                "deleted",
                "provider",
                "platform",
            ]
            .iter()
            .any(|w| lower.contains(w)))
    {
        let mut a = fact_answer(kb, "evaluation", &t, Intent::ClientProcedure, ctx)?;
        if let Some(edition) = ctx.and_then(|c| c.edition.as_deref()) {
            if let EditionMatch::Exact(g) = kb.gvlk(edition) {
                a.text = a.text.replace("<GVLK_of_the_target_edition>", &g.key);
                if g.edition.contains("Datacenter") {
                    a.text = a.text.replace(
                        "/Set-Edition:ServerStandard",
                        "/Set-Edition:ServerDatacenter",
                    );
                }
            }
        }
        return Some(with_intent(a, Some(Intent::ClientProcedure)));
    }

    // One edition activated with another's key ("can I activate a Server 2022 Standard VM
    // with a Windows 11 key?"): no, and the edition's own key.
    if !u.slots.editions.is_empty() {
        if let Some(m) = OTHER_EDITION_KEY.captures(q).and_then(|c| c.get(0)) {
            let phrase = m.as_str();
            let other = OTHER_EDITION_KEY
                .captures(phrase)
                .and_then(|c| c.get(1))
                .map_or("", |k| k.as_str())
                .trim()
                .to_string();
            // The machine's edition: what the message names once the key's words are left out.
            let rest = q.replacen(phrase, " ", 1);
            let refused = |g: &crate::facts::Gvlk| {
                let other_server = other.to_lowercase().contains("server");
                let machine_server = g.family.contains("Server");
                // A client key on a server or the other way round never; two server editions
                // when their keys differ; client editions can share a key (Windows 10 and 11
                // Pro) or change edition with one, so they are left to the other answers.
                other_server != machine_server
                    || (machine_server
                        && matches!(kb.gvlk(&other), EditionMatch::Exact(o) if o.key != g.key))
            };
            let machine = match kb.gvlk(&rest) {
                EditionMatch::Exact(g) if refused(g) => Some(g),
                _ => None,
            };
            if let Some(g) = machine {
                let host = super::host_or_placeholder(&t);
                let text = format!(
                    "**No.** A product key activates only the edition it belongs to: a {other} key does not activate **{}**. For KMS, {} takes its own KMS client setup key (GVLK), `{}`. In an elevated command prompt on the instance:\n\n```\nslmgr /ipk {}\nslmgr /skms {host}:{}\nslmgr /ato\n```",
                    g.edition, g.edition, g.key, g.key, t.port
                );
                let mut c = ctx.cloned().unwrap_or_default();
                c.intent = Some(Intent::KeyLookup);
                c.family = Some(g.family.clone());
                c.edition = Some(g.edition.clone());
                let a = super::finish(text, super::gvlk_source(kb, &g.family), 0.85, c, None);
                return Some(with_intent(a, Some(Intent::KeyLookup)));
            }
        }
    }

    // A full edition's ID ("it says ServerStandard") after asking whether it is an evaluation:
    // not one; an evaluation's ID is the evaluation (below, with the conversion).
    if let Some(c) = SERVER_EDITION_ID.captures(q) {
        let full = c.get(2).is_none();
        if full && words <= 10 && in_thread {
            let edition = c.get(1).map_or("", |m| m.as_str()).to_lowercase();
            let name = if edition == "datacenter" {
                "Datacenter"
            } else {
                "Standard"
            };
            let mut a = super::small_talk(Intent::KeyLookup, ctx);
            a.text = format!(
                "**`Server{name}` is the full {name} edition, not an evaluation** (an evaluation shows `Server{name}Eval`), so it activates as it is: through a KMS host with the KMS client setup key (GVLK) of its version, or online or by telephone with your own MAK or retail key. Tell me the version (\"Server 2022 {name}\") and I'll give its key and the commands."
            );
            return Some(with_intent(a, Some(Intent::KeyLookup)));
        }
    }

    // "It says licensed, is that good?" after checking: yes, and how long it lasts.
    if REPORTS_LICENSED.is_match(q)
        && !NEGATED_STATE.is_match(q)
        && !lower.contains("organization")
        && !lower.contains("organisation")
        && !lower.contains("watermark")
        && words <= 14
        && (in_thread || lower.contains("slmgr") || lower.contains("settings"))
        && u.slots.editions.is_empty()
        && u.slots.host.is_none()
    {
        let mut a = super::small_talk(Intent::StatusCheck, ctx);
        a.text = "**Yes: that means Windows is activated.** `License Status: Licensed` in `slmgr /dli` (or \"Windows is activated\" in Settings > Activation) is the state you want; nothing more to do. To see how long it lasts:\n\n```\nslmgr /xpr\n```\n\nA KMS activation shows an expiry date and renews itself every 7 days while the KMS host is reachable; a MAK or retail activation says it is permanent.".to_string();
        return Some(with_intent(a, Some(Intent::StatusCheck)));
    }

    // What sysprep is.
    if WHAT_IS_SYSPREP.is_match(q) {
        let a = fact_answer(kb, "sysprep", &t, Intent::ClientProcedure, ctx)?;
        return Some(with_intent(a, Some(Intent::ClientProcedure)));
    }

    // An instance named after the bot said what it can do ("yes please, it's srv-db01"): how
    // to start the activation job for it.
    let named = u.slots.instance.clone().or_else(|| {
        MACHINE_NAME
            .captures(q)
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_string())
            .filter(|n| n.chars().any(|c| c.is_ascii_digit()))
    });
    if let Some(name) = named.as_deref() {
        if ctx.and_then(|c| c.intent) == Some(Intent::Help)
            && words <= 8
            && u.slots.editions.is_empty()
            && u.slots.host.is_none()
        {
            let mut a = super::small_talk(Intent::Help, ctx);
            a.text = format!(
                "To activate **{name}**, say `activate {name}`: I plan the commands for it, an approver reacts to approve them, and I run them on {name} and report the result here. For a network change it needs (internet access, or tcp/1688 to your KMS host) say, for example, `I need internet access on {name}`, and I open a request for support."
            );
            return Some(a);
        }
    }
    None
}
