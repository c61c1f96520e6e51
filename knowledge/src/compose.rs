//! Answers composed from the understood intent and slots: the user's own host, port and edition keys in the commands, diagnosis of pasted output, clarifying questions, short small talk.

use std::borrow::Cow;
use std::sync::LazyLock;

use crate::pattern::Regex;

use crate::answer::{
    abstain, candidates_answer, described_option, error_answer, finish, key_answer, render_links,
    retrieve, slmgr_option_in, slmgr_options_in, slmgr_text, OTHER_PRODUCTS,
};
use crate::editions::{self, EditionMatch, EditionQuery};
use crate::facts::Gvlk;
use crate::nlu::dli::{Channel, DliReport, LicenseStatus};
use crate::nlu::{Intent, MachineCount, MachineKind, Slots, Understanding};
use crate::retrieval::query_tokens;
use crate::{
    Answer, AnswerSettings, Context, KnowledgeBase, RequestOffer, Source, GVLK_TABLE, KMS_TABLE,
    SLMGR_TABLE,
};

/// Lines an answer may have in chat before the rest waits for "more".
pub const MAX_LINES: usize = 25;

/// Probability below which the classifier's choice is not trusted alone.
const SURE: f32 = 0.30;
/// Runner-up probability, relative to the best, at which an unsure question gets a clarifying
/// question instead of the best guess.
const CLARIFY_RATIO: f32 = 0.8;
/// Probability below which a question with no activation word, no value and no thread is
/// declined rather than answered.
const UNANCHORED_SURE: f32 = 0.40;
/// Probability of `none` above which an unanchored question is declined.
const NONE_SURE: f32 = 0.40;

use crate::text::{rx, rx_folded, rx_match, Folded, Matcher};

mod asked_plainly;
mod beliefs;
mod codes_and_options;
mod newcomer;
mod port_told;
mod request_thread;
mod scope;

static HOST_PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| rx(r"<(?:your_)?KMS_host(?:_ip|_name|_ip_or_name|_address|_fqdn)?>"));
static KEY_PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"<(?:KMS_client_setup_key|key_for_this_edition|GVLK|gvlk|correct_key_for_your_edition|key_from_the_table)>",
    )
});
static FOLLOW_UP: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)^\s*(and|also|what\s+about|how\s+about|same\s+for|ok\s+and|then|but|for)\b")
});
/// The reason for the last answer asked in a word or two ("why?", "how come?").
static BARE_WHY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\s*(but|and|ok(ay)?|so|hmm)?[\s,]*(why(\s+not)?|how\s+come|why\s+(is\s+that|so|that|though|exactly|needed)|what\s+for|for\s+what\s+reason|what'?s\s+the\s+reason)\s*[?!.]*\s*$",
    )
});
static POINTS_BACK: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(it|that|this|those|them|instead|same|next|then|actually)\b|\bsorry\b(\s*[,:-]|\s+(i\s+|we\s+)?(meant?|mean)\b|\s+(it'?s|its|it\s+is|not|no|wrong|my\s+bad|typo)\b|\s*$)|^\s*(ok|okay|so|what\s+if)\b",
    )
});
/// "Will KMS work / is it enough / viable" with a machine count asks about the threshold.
static VIABLE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(enough|viable|sufficient|suffice|qualif\w*|threshold|minimum|possible|feasible|make\s+sense|(will|would|does|can)\s+(kms|it)\s+(still\s+)?work|work\s+with\s+kms|(can|could)\s+(we|i)\s+(even\s+)?use\s+kms|good\s+(option|idea|choice|fit)|recommend\w*|best\s+(way|option|method)|(will|would|can)\s+kms\s+activate|(is|will)\s+kms\s+(be\s+)?(ok|okay|fine|possible|an\s+option))\b",
    )
});
/// "Do VMs count (toward the threshold)?"
static VM_COUNT_QUESTION: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"\b(vms?|virtual\s+machines?|guests?|hyper-?v|cloud\s+instances?|instances)\b.*\b(count|counted|included|toward|towards)\b",
    )
});
/// A firewall or a rule on the network path ("firewall rule for kms", "security group").
static FIREWALL_WORDS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(firewalls?|security\s+groups?|nsg|acls?|fw)\b|\b(rules?|ports?)\s+(for|to|opened|open)\b",
    )
});
/// Asking to activate Windows itself ("how do I activate my Windows Server ...", "activate our
/// new server ...").
static ACTIVATE_EDITION: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\bactivate\s+((my|our|the|this|a|an)\s+)?(new\s+)?(windows|win|server|srv)\b")
});
/// "how?" alone, or with a word around it ("and how?", "but how exactly?").
static BARE_HOW: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\s*((and|but|ok(ay)?|so|then|right|sure)[\s,]+)*how(\s+(exactly|then|please|pls|now))?\s*[?!.]*\s*$",
    )
});
/// The general release rather than a long-term servicing one ("the normal Enterprise").
static GENERAL_RELEASE: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\b(normal|regular|plain|usual|ordinary|non-?lts[cb])\b"));
/// Something that did not work ("isn't working", "fails").
static FAILING: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)(n'?t\s+work|not\s+work|fail|broken|error|no\s+luck|does\s+nothing|stuck|\bhangs?\b|\bhung\b|times?\s+out|timed\s+out|timeout|why|notification|unlicensed|expired|not\s+activated|nag|nags|nagging|watermark|not\s+genuine|unactivated)",
    )
});
/// What a command is for, asked with "why" ("why would someone use slmgr /rearm?"): not a
/// failure.
static ASKS_PURPOSE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bwhy\s+(would|do|does|should|might|did)\s+(\w+\s+){0,2}(use|run|need|want)\b|\bwhy\s+(use|run)\b|\bpurpose\b|\bused\s+for\b",
    )
});
/// Whether KMS activation needs the internet at all ("does a KMS client need an internet
/// connection?").
static KMS_NEEDS_INTERNET: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(do|does|will|would|is|are)\b.{0,40}\bkms\b.{0,40}\b(need|needs|require|requires|required|necessary)\b.{0,20}\binternet\b|\binternet\b.{0,30}\b(needed|required|necessary|mandatory)\b.{0,30}\b(for|with)\s+kms\b|\b(do|does|will|would)\b.{0,30}\b(need|require)s?\s+(an?\s+|the\s+)?internet\b.{0,40}\b(kms|activat\w*\s+(with|against|through|via)\s+(the\s+|our\s+|a\s+)?(kms|host))\b",
    )
});
/// Activation that happens by itself elsewhere ("on Azure activation is automatic").
static AUTO_ELSEWHERE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(automatic\w*|auto[\s-]*activat\w*|by\s+(themselves|itself)|on\s+their\s+own|out\s+of\s+the\s+box|just\s+works?)\b",
    )
});
/// Asking for the ways other than KMS ("what instead of KMS?", "alternatives to KMS").
static INSTEAD_OF_KMS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(instead\s+of|alternatives?\s+(to|for)|other\s+than|rather\s+than|apart\s+from)\s+(a\s+|the\s+|using\s+)?kms\b",
    )
});
/// The network path of online activation: its ports or a proxy ("which ports for online
/// activation?", "is a proxy ok for activation?").
static ONLINE_PATH: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bports?\b.{0,40}\b(online|internet|mak|retail|microsoft)\b.{0,30}\bactivat\w*|\b(online|internet|mak|retail)\s+activat\w*\b.{0,40}\bports?\b|\bproxy\b.{0,40}\bactivat\w*|\bactivat\w*\b.{0,40}\bproxy\b",
    )
});
/// How long a machine stays in a KMS host's count ("when does the host forget a client?",
/// "drop out of the count").
static COUNT_WINDOW: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(forget|forgets|forgotten)\b.{0,30}\b(clients?|machines?|vms?|computers?|servers?)\b|\b(drop\w*|fall\w*|age\w*|removed?)\s+(out\s+)?(of|from)\s+the\s+(kms\s+)?count\b|\b(stay|stays|remain|remains)\s+in\s+the\s+(kms\s+)?count\b",
    )
});
/// Leaving the notification state ("how do I get out of notification mode?").
static LEAVE_NOTIFICATION: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(get|getting|come|coming|go|going|back)\s+out\s+of\s+(the\s+)?notification\s+(mode|state)\b|\b(leave|leaving|exit|exiting|fix|fixing|clear|clearing|end|ending|stop|stopping)\s+(the\s+)?notification\s+(mode|state)\b",
    )
});
/// Words about numbers of machines (what a threshold answer is about).
static COUNTING: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(how\s+many|minimum|min|threshold\w*|counts?|counted|counting|enough|at\s+least|number\s+of|fewer|less\s+than|more\s+than|one|two|three|four|five|six|seven|eight|nine|ten|dozen|few|25)\b",
    )
});
/// The whole message is the text of the KMS client's DNS error ("DNS name does not exist."),
/// with nothing from another tool around it: in this chat, the activation error.
static KMS_DNS_TEXT_ALONE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\W*((it|this|that)\s+(says|said|shows|showed|gives|gave)|i\s+(get|got|see)|getting|got|says|(the\s+)?(error\s+)?message(\s+is)?|the\s+error\s+is)?\W*(error\W*)?(the\s+)?dns\s+name\s+(does\s+not|doesn'?t)\s+exists?\W*$",
    )
});
/// Error codes written with their prefix.
static ERROR_CODE_RX: LazyLock<Regex> = LazyLock::new(|| rx(r"(?i)\b0x[0-9a-f]{8}\b"));
/// A personal computer or a Mac.
static PERSONAL_DEVICE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(macbook|parallels|boot\s*camp)\b|\b(on|in)\s+(my\s+mac|my\s+(home|personal|own)\s+(pc|computer|laptop|desktop)|my\s+laptop|a\s+home\s+pc)\b|\bmy\s+(home|personal|private)\s+(pc|computer|laptop|desktop|notebook)\b|^\s*(home|personal|private)\s+(pc|computer|laptop|desktop|notebook)\b",
    )
});
/// A personal computer named only to compare with ("like on my home PC", "same as my
/// laptop"): the question is about the instance.
static DEVICE_COMPARED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(like|unlike|as|than)\s+(on\s+|with\s+|for\s+|in\s+)?(my|a|our)\s+(own\s+)?((gaming|home|personal|private)\s+)?(pc|computer|laptop|desktop|notebook|mac)\b",
    )
});
/// Terms that only Windows activation uses.
static WINDOWS_TERMS: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\b(kms|mak|gvlks?|slmgr|csvlk|windows)\b"));
/// "2" written for "to" before a verb ("cmds 2 activate", "how 2 check").
static TWO_FOR_TO: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)\b2\s+(activate|check|get|set|do|make|know|use|run|open|install|find|see|fix|point|change|ask|request|renew|sync|enter|type|put)\b",
    )
});
/// KMS named as the model for something else ("something like KMS for RHEL", "a KMS
/// equivalent for Linux").
static LIKE_KMS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(like|similar\s+to|equivalent\s+(of|to)|counterpart\s+(of|to))\s+(a\s+|the\s+)?kms\b|\bkms\s+(equivalent|counterpart|analog\w*)\b",
    )
});
/// Ways to use Windows without a licence.
static PIRACY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(activators?|kmsauto|kms\s?pico|kmspico|vlmcsd|py-?kms|crack\w*|keygen|key[\s-]?gen(erator)?s?|loader|hwidgen|massgrave|mas\s+script|hwid|kms38|tsforge|microsoft\s+activation\s+scripts?)\b|\bbypass\w*\b.*\bactivat|\bactivat\w*\b.*\bbypass|\bremov\w*\b.*\bwatermark|\bwatermark\b.*\bwithout|\bwithout\s+(a\s+|any\s+)?(licen[cs]e|paying|key)\b|\b(free|public|working|open)\s+kms\s+(server|host)s?\b|\b(a|any|some)\s+(free|public)\s+kms\b.{0,40}\b(use|internet|online|out\s+there)\b|\bpublic\s+kms\b.*\b(out\s+there|anything|for\s+free|that\s+activates)\b|\bwithout\s+(buying|paying|purchasing)\b|\b(working|free|valid)\s+(retail\s+|product\s+|licen[cs]e\s+|activation\s+)?keys?\b.*\b(for\s+)?free\b|\bgive\s+me\s+(a\s+)?(working|free|valid)\s+(retail\s+|product\s+)?key|\bfree\b.*\b(retail|product|licen[cs]e|activation)\s+key\b|\bnever\s+expire\b|\bkms\s+(server|host)s?\s+(on|from)\s+(the\s+)?internet\b|\b(friend|someone\s+else)'?s?\s+(product\s+)?key\b|\brearm\w*\b.*\b(forever|indefinitely|unlimited|endless|every\s+\d+\s+days|scheduled|loop)|\b(forever|indefinitely|endless)\b.*\brearm|\bgrace\b.*\bforever\b|\bemulat\w*\s+(a\s+)?kms|\bkms\s+emulat|\b(script|tool|github|program)\b.*\bactivat\w*\b.*\b(forever|for\s+free|permanent\w*|free)\b|\bactivat\w*\b.*\b(forever|for\s+free)\b.*\b(script|tool|github|link)\b|\bkey\b.{0,60}\bpermanent\w*\b.{0,40}\bwithout\b.{0,20}\b(kms|mak|licen[cs]e|paying)|\bgeneric\s+key\b.{0,60}\bpermanent|\b(working|valid|free)\b.{0,40}\b(retail|product|licen[cs]e|activation|oem)\s+keys?\b.{0,20}\bfree\b|\b(registry|regedit|hack|tweak|trick)\b.{0,40}\bwatermark\b|\bwatermark\b.{0,40}\b(registry|regedit|hack|tweak|trick)\b|\b(hide|hiding|suppress\w*)\b.{0,30}\bwatermark\b|\b(give|send)\s+(me|us)\s+(a|an|one)\s+((windows|product|retail|licen[cs]e|activation)\s+)?key\s+(for\s+free|free\s+of\s+charge|at\s+no\s+cost)\b",
    )
});
/// Words only Windows activation uses (a question with one of them is about activation).
static SPECIFIC_TERMS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\b(kms|mak|gvlks?|slmgr|slui|csvlk|1688|vlmcs|sppsvc|0xc004\w*)\b")
});
/// Windows features people "activate" that are not Windows activation.
static WINDOWS_FEATURE: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\bwindows\s+(hello|sandbox|ink|spotlight|subsystem\s+for\s+linux)\b|\b(bitlocker|wsl2?|dark\s+mode|night\s+light|cortana|copilot|hyper-?v\s+role|hotkeys?|keyboard\s+shortcuts?|defender\s+(atp|for\s+endpoint)|dhcp\s+scopes?)\b|\bactivat\w*\s+(the\s+|a\s+|my\s+|our\s+|new\s+)?(dhcp|scope|gpo|group\s+policy|website|web\s+site|app\s+pool|application\s+pool|plugin|plug-in|add-?in|extension|theme|mailbox|failover\s+cluster)\b|\bwin\s*\+\s*\w|\b(activate|enable|install|add|turn\s+on)\b.{0,40}\b(feature|role)s?\b|\bshortcut\b.{0,30}\b(not\s+working|doesn'?t\s+work|broken)\b|\b(activate|enable|turn\s+on|switch\s+on|install)\s+(the\s+)?(windows\s+(\d+\s+)?)?(defender|firewall|tpm|secure\s+boot|god\s+mode|hyper-?v|start\s+menu|taskbar|widgets|remote\s+desktop|rdp|administrator\s+account|guest\s+account)\b",
    )
});
/// Windows 11's hardware checks, device management and buying in the Microsoft Store: other
/// topics than activation ("does it need TPM?", "enrol them in Intune", "what does the Store
/// charge?").
static OTHER_WINDOWS_TOPIC: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(v?tpm|secure\s+boot|pc\s+health\s+check|intune|autopilot|endpoint\s+manager)\b|\b(supported|unsupported)\s+(cpus?|processors?)\b|\benrol+(s|ed|ing|ment)?\b|\bstore\b.{0,40}\b(charge|charges|cost|costs|price|pay|buy)\b|\b(charge|charges|cost|costs|price|pay|buy)\b.{0,40}\bstore\b",
    )
});
/// Another vendor's licence ("the viewer licence expired, renew it with the vendor").
static VENDOR_LICENCE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(vendor|vendors|vendor's|supplier|manufacturer)\b.{0,80}\blicen[cs]\w*|\blicen[cs]\w*\b.{0,80}\b(vendor|vendors|vendor's|supplier|manufacturer)\b",
    )
});
/// A free key that "works": a licence asked for without paying.
static FREE_WORKING_KEY: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(gib|give|send|schick\w*|brauche|donne\w*|envoie\w*|dame|manda|quiero|necesito|besoin)\b.{0,60}(\b(gratis|kostenlos\w*|gratuit\w*|gratuita?s?)\b.{0,40}\b(keys?|schl[uü]ssel|cl[eé]s?|claves?|chaves?)\b|\b(keys?|schl[uü]ssel|cl[eé]s?|claves?|chaves?)\b.{0,30}\b(gratis|kostenlos\w*|gratuit\w*|gratuita?s?)\b)|\bfree\b.{0,40}\b(keys?|serials?)\b.{0,30}\b(that\s+(works|activates|still\s+works)|working|works)\b|\b(working|real|genuine)\b.{0,30}\bfree\b.{0,30}\b(keys?|serials?)\b",
    )
});
/// A product key wanted for free ("Windows 10 Pro product key free", "free retail key").
static FREE_KEY_ASK: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(product|retail|licen[cs]e|activation|oem|windows)\s+keys?\b.{0,30}\bfree\b|\bfree\s+(\w+\s+){0,4}(product|retail|licen[cs]e|activation|oem)\s+keys?\b",
    )
});
/// Wanting a machine on KMS ("onto our KMS", "on KMS instead").
static WANTS_KMS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(on|onto|to|into|over\s+to)\s+(our\s+|the\s+|a\s+|your\s+)?kms\b|\bkms\s+instead\b",
    )
});
/// "What is KMS?", "explain MAK", "what does KMS stand for?"
static DEFINITION: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)^\s*(so\s+)?((please|pls|can\s+you|could\s+you)\s+)?(what\s+((actually|exactly|even|really)\s+)?(is|are|does)|what'?s|explain(\s+(to\s+)?me)?(\s+what\s+(is|are))?|define|meaning\s+of|what\s+(is\s+(the\s+)?)?mean(s|ing)?(\s+of)?)\s+(a\s+|an\s+|the\s+)?(kms|mak|maks|key\s+management\s+service|volume\s+activation|multiple\s+activation\s+keys?)(\s+(stand\s+for|mean|means|is|key|keys|activation|exactly))?(\s+(actually|really))?(,?\s*in\s+(simple|plain|short|layman'?s?)\s+(words|terms|english))?(\s+to\s+me)?(,?\s+please)?\s*[?.!]*\s*$|^\s*(kms|mak)\s+(meaning|means\s+what|stands?\s+for\s+what|definition)\s*[?.!]*\s*$|^\s*(so\s+)?(what\s+(is|does)\s+|what'?s\s+)?(the\s+)?(kms|mak)\s+(stands?\s+for|short\s+for|an?\s+abbreviation\s+(of|for))(\s+what)?\s*[?.!]*\s*$|^\s*(what\s+is\s+)?(the\s+)?(full\s+form|long\s+form|acronym|abbreviation)\s+(of|for)\s+(kms|mak)\s*[?.!]*\s*$|^\s*what\s+(does|is)\s+the\s+(abbreviation|acronym)\s+(kms|mak)(\s+(mean|stand\s+for|short\s+for))?\s*[?.!]*\s*$|^\s*(what\s+is\s+)?(the\s+)?(kms|mak)('?s)?\s+(full\s+(name|form)|long\s+form|expansion)\s*[?.!]*\s*$|^\s*(what\s+is\s+)?(the\s+)?full\s+name\s+(of|for)\s+(kms|mak)\s*[?.!]*\s*$|^[^?]{0,60}\b(saying|says|said|mentions?|mentioned|heard(\s+of)?|term|word|called)\s+((we|i|you)\s+(need|needs|should|must|use)\s+(a\s+|an\s+)?)?['\x22]?(kms|mak|gvlk)['\x22]?[\s.,!:;-]+(what\s+(is|does)\s+(that|it|this)|what'?s\s+(that|it|this))\b[^?]{0,30}[?.!]*\s*$",
    )
});
/// Windows versions from before volume activation (no KMS, no GVLK).
static PRE_VISTA: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(windows|win)\s*(xp|2000|me|98|95|nt\s*4(\.0)?)\b|\b(server|srv)\s*2003\b|\bw?2k3\b|\bwinxp\b|\bvlks?\b.{0,40}\b(xp|2003|back\s+in|old\s+days|used\s+to)\b|\b(xp|2003|back\s+in|old\s+days|used\s+to)\b.{0,40}\bvlks?\b",
    )
});
/// Security of KMS: who may use a host, what it exposes, rogue hosts.
static KMS_SECURITY: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(security|securely|secure|risks?|risky|attackers?|rogue|malicious|abused?|abuse|exposed?|exposure|unauthori[sz]ed|authenticat\w*|harden\w*|leaks?|leaked|dmz|perimeter\s+network|vulnerab\w*|exploit\w*|cve)\b|\banyone\b.{0,40}\b(use|reach|activate)\b|\brestrict\w*\b.{0,40}\b(who|which|subnets?|networks?|clients|machines)\b|\b(only|just)\s+serves?\b.{0,40}\b(subnets?|networks?|clients|machines)\b|\bsubnets?\b.{0,80}\b(restrict\w*|limit\w*|allow\w*)\b|\bwhat\s+(data|information)\b.{0,40}\b(send|sent|sends|transmit\w*)\b|\b(send|sends|sent|transmit\w*|report\w*|share|shares)\b.{0,20}\b(any\s+)?(data|information|telemetry|details|usage|counts?|numbers?|inventory|lists?|names)\b.{0,40}\bmicrosoft\b|\b(tell|inform|report\s+to|notify)\s+microsoft\b.{0,40}\b(how\s+many|number|count|vms?|machines?|clients?)\b|\b(personal|user|private|sensitive)\s+(data|information)\b|\bprivacy\b|\b(stores?|keeps?|logs?|collects?|records?)\b.{0,30}\b(data|information|anything)\s+about\b|\b(stores?|keeps?|logs?|collects?|records?|remembers?|saves?)\b.{0,20}\babout\s+(each|every|the|our|its|a)?\s*(clients?|machines?|computers?|vms?)\b|\banything\s+personal\b|\bwhat\s+(is|gets?|does\s+it|do\s+they)\s+(stored?|kept|keep|saved?|recorded|logged)\b|\buser\s*names?\b|\bpii\b|\bpersonally\s+identifiable\b|\b(traffic|protocol|requests?|communication|exchange)\b.{0,30}\b(encrypt\w*|plain\s*text|cleartext|signed)\b|\b(encrypt\w*|plain\s*text|cleartext)\b.{0,30}\b(traffic|protocol|requests?|communication|exchange)\b",
    )
});
/// More machines than before ("what if we add two more?", "another 3").
static ADD_MORE: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)\b(\d{1,4}|one|two|three|four|five|six|seven|eight|nine|ten)\s+more\b|\b(?:another|an\s+extra|add(?:ing)?|plus)\s+(\d{1,4}|one|two|three|four|five|six|seven|eight|nine|ten)\b",
    )
});
/// Remote Desktop licensing: its own grace period, licence server and CALs.
static RDS_LICENSING: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(rdp|rds|rdsh|remote\s+desktop(\s+services)?|terminal\s+serv\w*|rd\s+session\s+host)\b.{0,30}\b(licen[cs]\w*|cals?|grace\s+period)\b|\b(licen[cs]\w*|cals?)\b.{0,20}\b(rdp|rds|rdsh|remote\s+desktop|terminal\s+serv\w*)\b",
    )
});
/// Windows Update and patching.
static WINDOWS_UPDATE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(windows\s+update|wsus|updates?\s+(are|is)\s+installed|installed\s+updates|patch(es|ing)?|hotfix(es)?|cumulative\s+updates?|update\s+history|(install|installing|pending|failed|stuck)\s+updates?|updates?\s+(fail\w*|stuck|pending|won'?t\s+install))\b",
    )
});
/// "What is / what's / explain ..." at the start of a question.
static WHAT_IS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)^\W*(what\s+(is|are|does)|what'?s|whats|explain|define|meaning\s+of)\b")
});
/// Putting the time source back after activating ("set the time server back to default").
static RESTORE_TIME: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(back|restore\w*|revert\w*|undo|reset)\b.{0,40}\b(time\s*(server|source)|ntp|peer\s*list|default|time\.windows\.com)\b|\b(time\s*(server|source)|ntp|time\.windows\.com)\b.{0,40}\b(back|restore\w*|revert\w*|afterwards|after\s+activat\w*)\b",
    )
});
/// A bare "and after activation?" or "afterwards?": the step after activating, in the thread's
/// subject.
static AFTERWARDS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\s*(and|ok(ay)?|so|then)?[\s,]*(what\s+(about|do\s+i\s+do)\s+)?(after\s+(the\s+|that\s+|i\s+)?(activat\w*|slmgr\s+/ato|/ato|it'?s\s+activated|that)|afterwards?)(\s+(what|then))?\s*[?.!]*\s*$",
    )
});
/// How long something takes ("how much time does it need", "how long until").
static DURATION_ASKED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bhow\s+(much\s+time|long)\b|\bhow\s+many\s+(minutes|hours|days)\b|\bwhen\s+will\s+it\s+(be\s+)?activat\w*\b",
    )
});
/// Internet access for instances, added or asked for ("we ordered the VMs without internet,
/// can we add it later?"), or found missing ("my server can't get to the internet at all").
static INTERNET_FOR_INSTANCES: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(vms?|instances?|servers?|machines?|box)\b.{0,30}\b(can'?t|cannot|can\s+not|couldn'?t|doesn'?t|does\s+not|won'?t|unable\s+to)\s+(get\s+(on|to|onto)|reach|access|connect\s+to|go\s+(on|to)|see)\s+(the\s+)?internet\b|\b(vms?|instances?|servers?|machines?)\b.{0,40}\b(without|no)\s+(the\s+)?internet\b.{0,60}\b(add|enable|later|request|get|change|order)\w*\b|\b(add|enable|request|order)\w*\s+(the\s+)?internet(\s+access)?\b.{0,40}\b(later|afterwards|after\s+(the\s+)?order|existing|vms?|instances?|servers?)\b",
    )
});
/// A key asked for in a Windows machine ("which key do I type in on the windows vm").
static WINDOWS_KEY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(which|what|where|type|enter|need|find|get|give|send|provide)\b.{0,40}\bkeys?\b.{0,60}\b(windows|win\s*(10|11)|server|vm|vms|instance|image)\b|\b(windows|win\s*(10|11)|server|vm|instance|image)\b.{0,60}\b(which|what|where|type|enter|need|find|get|give|send|provide)\b.{0,40}\bkeys?\b|\b(which|what|need|get|give|send|provide)\b.{0,30}\b(windows|win\s*(10|11))(\s+server)?\s+(product\s+)?keys?\b",
    )
});
/// Keys that are not product keys.
static OTHER_KEY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(ssh|bitlocker|recovery|api|encrypt\w*|decrypt\w*|registry|regedit|rsa|pgp|gpg|access\s+keys?|secret\s+keys?|private\s+keys?|public\s+keys?|key\s+pairs?|keyboard|hotkeys?|shortcut|wps|wifi|wi-fi|sql|office|exchange|vault)\b",
    )
});
/// Moving the KMS role to another server.
static HOST_MOVE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(move|moving|migrat\w*|transfer\w*)\b.{0,20}\bkms\s+(host|server|role|service)\b.{0,20}\b(to|onto)\s+(a\s+|an\s+|another\s+|the\s+)?((new|different|other|fresh)\s+)?(server|vm|machine|box|host)\b|\bkms\s+(host|server|role)\b.{0,20}\bto\s+(a\s+|another\s+)?(new|different|other)\s+(server|vm|machine|box|host)\b|\bkms\s+(host|server)\b.{0,30}\b(renamed|got\s+a\s+new\s+(name|hostname|ip(\s+address)?)|changed?\s+(its\s+)?(name|hostname|ip(\s+address)?)|has\s+a\s+new\s+(name|hostname|ip(\s+address)?))\b|\b(renam\w*|re-?ip\w*)\s+(the\s+|our\s+)?kms\s+(host|server)\b|\b(chang\w*|renam\w*)\s+(the\s+|our\s+)?kms\s+(host|server)'?s?\s+(dns\s+)?(name|hostname|fqdn|ip(\s+address)?|address)\b|\b(move|moving|migrat\w*|transfer\w*)\b.{0,12}\bkms(\s+(host|server|role|service))?\s+from\b.{0,40}\bto\b",
    )
});
/// Checking a KMS host once it is set up.
static HOST_CHECK: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(after\s+(building|setting\s+up|installing|creating)|once\s+(i|we)\s+(built|set\s+up|installed))\s+(the\s+|our\s+|a\s+)?kms\s+(host|server)\b|\b(verify|check|confirm|test)\w*\b.{0,30}\b(new\s+)?kms\s+(host|server)\b.{0,30}\b(works?|working|is\s+(up|running|ready|ok)|running|ready|set\s+up\s+(correctly|right))\b",
    )
});
/// Fewer machines than before ("what if 10 of them are removed?", "minus 3").
static FEWER: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)\b(\d{1,4}|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:of\s+(?:them|those|these)\s+)?(?:are\s+|were\s+|get\s+)?(?:removed|deleted|decommissioned|retired|gone|fewer|less)\b|\b(?:minus|remove|removing|drop|dropping|retire|retiring|lose|losing)\s+(\d{1,4}|one|two|three|four|five|six|seven|eight|nine|ten)\b",
    )
});
/// Asking how to fix what the thread is about ("how do I fix that?", "what do I do now?"),
/// answering that one is an administrator already ("I am domain admin though"), saying
/// another machine has the same trouble ("same issue on the second server") or that the fix
/// did not help ("that didn't work", "still failing").
static FIX_IT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(how\s+(do\s+(i|we)\s+|to\s+|can\s+(i|we)\s+)?(fix|solve|resolve|get\s+rid\s+of)|fix\s+(it|that|this)|what\s+(do|should|can)\s+(i|we)\s+do|solution|workaround|remedy)\b|\b(i'?m|i\s+am|we'?re|we\s+are|already|ran\s+it|run\s+it)\b.{0,25}\b(domain\s+|local\s+|an?\s+)?(admins?|administrators?|elevated)\b|\bsame\s+(issue|problem|error|thing|code|message|failure)\b|\b(did\s*n'?t|did\s+not|does\s*n'?t|does\s+not)\s+(work|help|fix)|\bstill\s+(fail\w*|broken|erroring|the\s+same|same|getting|seeing|gets|shows|showing|returns|returning|happening|there|no\s+go)\b|\bstill\s+(is\s+)?(not|n'?t|doesn'?t|does\s+not|dont|don'?t|wont|won'?t|can'?t|cannot|no)\s+(work\w*|activat\w*|go\w*|connect\w*|help\w*|fix\w*|success\w*)\b|\b(not|n'?t|dont|doesn'?t)\s+(work\w*|activat\w*)\s+still\b|^\W*(still\s+(0x)?[0-9a-f]{2,8}|fix|fix\s+(pls|please|plz)|any\s+fix)\W*$|\bno\s+luck\b",
    )
});
/// Saying that what was tried did not work ("did it, still no activate", "no luck", "same
/// error").
static STILL_FAILS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(did\s*n'?t|did\s+not|does\s*n'?t|does\s+not|dont|don'?t|not)\s+(work\w*|help\w*|activat\w*)\b|\bstill\s+(is\s+)?(not|n'?t|doesn'?t|does\s+not|dont|don'?t|wont|won'?t|can'?t|cannot|no)\s+(work\w*|activat\w*|go\w*|connect\w*|success\w*)\b|\bstill\s+(fail\w*|broken|erroring|the\s+same|same|unlicensed|not\s+activated)\b|\bno\s+luck\b|\bsame\s+(issue|problem|error|result|message)\b",
    )
});
/// Something that does not answer ("not responding", "not respond", "is not reply", "no
/// answer").
static NO_ANSWER: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(not|n'?t|dont|doesnt|never)\s+(respond\w*|repl(y|ies|ying|ied)|answer\w*)\b|\bno\s+(response|reply|answer)\b|\bunresponsive\b",
    )
});
/// Asking how to see that what was done worked ("and check after?", "how verify", "how i
/// know it is ok"), with nothing else to check named.
static VERIFY_IT: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\b(check\w*|verif\w*|confirm|confirms|confirming|know)\b"));
/// What an unactivated Windows shows.
static SYMPTOM: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r#"(?i)\bwatermark\b|\b(is\s+not|isn'?t|not\s+yet|not|never\s+got)\s+activated\b|\bunactivated\b|\bunlicensed\b|\bnotification\s+mode\b|\bnot\s+genuine\b|["'“‘]activate\s+windows\b"#,
    )
});
/// "How do I activate?" and nothing else: which way is still open.
static BARE_ACTIVATE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\s*(so\s+|ok\s+|okay\s+)?((how\s+(do|can|should|would)\s+(i|we|you)|how\s+to|how\s+(i|we)|how)\s+)?(activate|activation)(\s+(it|this|them|windows|my\s+(instance|server|vm|machine)|the\s+(instance|server|vm|machine)|an?\s+(instance|server|vm|machine)))?(\s+(please|pls|plz))?\s*[?.!]*\s*$",
    )
});
/// A greeting at the start of a message.
static GREETING_START: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\s*(hi|hello|hallo|hey|hiya|howdy|servus|bonjour|salut|hola|namaste|good\s+(morning|afternoon|evening|day))\b",
    )
});
/// "Anyone awake?"
static PRESENCE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(anyone|anybody|somebody|someone|you)\s+(awake|around|there|here|online|alive|up)\b",
    )
});
/// An acknowledgement that goes on ("👍 got it, will try after lunch").
/// A report of a step done at the start of a message ("done,", "fixed the clock,", "it worked").
static DONE_START: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)^\W*(done|did\s+(it|that)|fixed|synced|it\s+worked|that\s+worked|worked)\b")
});
static ACK_START: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\W*(👍|👌|ok|okay|got\s+it|noted|roger|will\s+do|will\s+try|sounds\s+good|understood|alright|right|i\s+see|makes\s+sense|fair\s+enough|gotcha)\b",
    )
});
/// Thanks anywhere in a short message.
static THANKS_ANYWHERE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\b(thanks?|thank\s+you|thx|ty|merci|danke|gracias|cheers|much\s+appreciated)\b")
});
/// Windows itself named as what is activated ("activate windows", "windows activation").
static WINDOWS_ACTIVATION: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)activat\w*\s+(the\s+|my\s+|our\s+)?windows|windows\s+(server\s+)?(\d{4}\s+)?activation|windows\s+and\s+office|office\s+and\s+windows",
    )
});
/// A cloud key management service, not Windows' Key Management Service.
static NOT_WINDOWS_KMS: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)\b(aws|amazon|google|gcp|cloud|alibaba|oracle|ibm|hashicorp)\s+(cloud\s+)?kms\b|\bkms\s+(key\s+rotation|cmk|customer\s+master|data\s+key|envelope)|\bkey\s+vault\b|\bgcloud\b|\bkey\s?rings?\b|\bpending\s+deletion\b|\bkms\s+keys?\b.*\b(delet\w*|rotat\w*|disabl\w*|grant|policy|alias|arn)\b|\b(encrypt|decrypt)\w*\b.*\bkms\b|\bkms\b.*\b(encrypt|decrypt)\w*\b|\bkms\s+(in|on)\s+(aws|amazon|google|gcp|azure|alibaba|oracle)\b|\bkms\.\w*exception\b|\blambda\b|\bboto3?\b|\barn:aws\b|\betcd\b|\bsecrets?\s+encryption\b|\bkms\s+(plugin|provider|v2)\b|\b(delet\w*|rotat\w*|disabl\w*)\b.{0,30}\bkms\s+keys?\b|\bkms\s+keys?\b.{0,20}\b(in|on|from)\s+(aws|amazon|gcp|google\s+cloud|alibaba)\b|\b(auto[\s-]?)?unseal\w*\b|\bvault\b.{0,30}\bkms\b|\bkms\b.{0,30}\bvault\b|\b(kms|key)\s+arn\b|\bcmek\b|\bbyok\b",
    )
});
/// Activating an account or subscription, not Windows.
static ACCOUNT_ACTIVATION: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)\bactivat\w*\s+(my|the|our|your|a)?\s*(new\s+)?(cloud\s+|user\s+|customer\s+|portal\s+|azure\s+|aws\s+|microsoft\s+|github\s+|google\s+)?(account|subscription|sim|card|e-?mail|profile|membership|trial|coupon|voucher|python|venv|virtualenv|conda|env|environment|plugin|extension|theme)\b|\b(account|subscription|e-?mail)\s+activation\b|\bactivation\s+(energy|function|functions|barrier|enthalpy)\b|\b(neuron|neural|muscle|enzyme|immune)\w*\s+activation\b",
    )
});
/// How many clients a host can serve (as opposed to how many it needs).
static CAPACITY_QUESTION: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(limit|maximum|max|upper\s+bound|cap|capacity|at\s+most|how\s+many\s+(clients|machines|vms|servers)\s+(can|could|will)\s+(one|a|the|our|single)\s+(kms\s+)?(host|server))\b|\b(more\s+than\s+one|second|two|2|multiple|several)\s+kms\s+(hosts|servers)\b|\b(different|other|multiple|several|two|all|many)\s+(tenants?|networks?|vpcs?|vnets?|subscriptions?)\b.{0,40}\b(one|same|single|a)\s+kms\b|\b(one|same|single)\s+kms\s+(host|server)\b.{0,40}\b(different|other|multiple|several|two|all|many)\s+(tenants?|networks?|vpcs?|vnets?|subscriptions?)\b",
    )
});
/// Converting a machine with a MAK or retail key to a KMS client.
static CONVERT_TO_KMS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(convert|switch|change|move|turn|migrate)\w*\b.*\b(to|into)\s+(a\s+)?kms(\s+client)?\b|\b(mak|retail|oem)\b.*\b(to|into)\s+(a\s+)?kms\b|\b(retail|mak|oem)\b.{0,60}\b(switch|convert|change|move|turn)\w*\b.{0,40}\b(volume|vl|gvlk|kms\s+client)\b|\b(volume_mak|mak|retail|oem)\b.{0,60}\b(want|need|switch|go|use|move)\w*\s+(to\s+)?(use\s+|go\s+)?(to\s+)?kms\b",
    )
});
/// Moving a machine from KMS to a MAK.
static CONVERT_TO_MAK: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(convert|switch|change|move|turn|migrate)\w*\b.*\b(to|into)\s+(a\s+|the\s+|my\s+|our\s+)?mak\b|\bhave\s+a\s+mak\b.*\b(switch|use|move)\b",
    )
});
/// A KMS host (not a client) as what something becomes.
static HOST_NOT_CLIENT: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\bkms\s+(host|server)\b"));
/// The order of the client commands.
static CLIENT_ORDER: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\border\b.*\b(ipk|skms|ato)\b|\b(ipk|skms|ato)\b.*\border\b|\b(ipk|skms|ato|key|gvlk)\b.{0,60}\b(before|after|first)\b.{0,40}\b(ipk|skms|ato)\b|\bafter\b.{0,30}\b(ipk|skms)\b.{0,40}\b(what|next|then|now)\b|\bwhat\s+(next|now)\b.{0,40}\bafter\b.{0,30}\b(ipk|skms)\b",
    )
});
/// Where to start troubleshooting.
static DIAGNOSE_START: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)where\s+(do\s+(we|i)\s+|to\s+|should\s+(we|i)\s+)?start|what\s+(should|do)\s+(i|we)\s+check|first\s+step|troubleshoot|debug\w*|how\s+(do\s+(we|i)\s+)?fix",
    )
});
/// A clock that is hours off.
static CLOCK_OFF: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bclock\b|\b\d+\s+hours?\s+(ahead|behind|off|fast|slow)\b|\btime\s+(skew|drift|difference|offset)\b|\btime\s+is\s+(wrong|off|incorrect|not\s+right)|\bwrong\s+time\b",
    )
});
/// Activation methods by name.
static METHOD_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    rx(r"(?i)\b(kms|mak|retail|online|phone|telephone|adba|active\s+directory)\b")
});
/// A KMS host key.
static HOST_KEY_WORDS: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\bcsvlk\b|\bkms\s+host\s+key\b|\bhost\s+key\b"));
/// A client setup key put on the KMS host, as its key ("can I use a GVLK as the key for my
/// KMS host?").
static GVLK_AS_HOST_KEY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(gvlks?|(kms\s+)?client\s+(setup\s+)?keys?|generic\s+(volume\s+)?(licen[cs]e\s+)?keys?|public\s+((client|setup|kms)\s+)*keys?)\b.{0,25}\b(as|for|on|into)\s+(the\s+|my\s+|our\s+|a\s+)?(kms\s+)?(host|server)('?s)?(\s+key)?\s*[?.!]*\s*$|\b(gvlks?|client\s+setup\s+keys?)\b.{0,30}\b(make|turn|become)\w*\b.{0,25}\bkms\s+(host|server)\b|\b(use|using|reuse|take|taking|with)\b.{0,30}\b(gvlks?|client\s+setup\s+keys?|generic\s+volume\s+licen[cs]e\s+keys?)\b.{0,50}\b(build|set\s*up|create|stand\s+up)\w*\s+(up\s+)?(our|my|the|a)\s+(own\s+|new\s+)?kms\s+(host|server)\b",
    )
});
/// A ticket for the cloud firewall ("what goes in the firewall ticket?").
static FIREWALL_TICKET: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\b(ticket|support)\b.{0,40}\bfirewall|\bfirewall\b.{0,40}\b(ticket|support)\b")
});
/// A KMS host the user already runs ("our company's existing KMS", "the on-prem KMS").
static EXISTING_KMS_NAMED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(existing|company'?s|corporate|on-?prem\w*|head\s+office|already\s+(have|run|has|got))\b.{0,30}\bkms\b",
    )
});
/// Features of editions, not their activation.
static EDITION_FEATURES: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bfeatures?\b.*\b(have|has|lack|lacks|missing|include|support)|\b(lack|lacks)\b|\bhow\s+many\s+(vms|virtual\s+machines|cores)\b.*\b(license|allowed|run)",
    )
});
/// Where the KMS host setting lives, or setting it for many machines.
static KMS_REGISTRY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(registry|regedit|reg\s+(values?|keys?|entry|entries|query|add|path|settings?)|group\s+policy|gpo|config(uration)?\s+file|keymanagementservice(name|machine|port)|discoveredkeymanagementservice\w*)\b|where\s+(does|do|is)\b.*\bstor(e|ed|es)\b",
    )
});
/// "By phone", with the usual slips.
static PHONE_WAY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(by|over\s+the|via|per)\s+(tele)?(phone|fone|phnoe|phoen|pohne)\b|\bslui(\.exe)?\s+4\b",
    )
});
/// Machines that a host serves.
static CLIENT_WORDS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\b(clients?|machines?|vms?|computers?|servers?|instances?|devices?)\b")
});
/// How many KMS hosts a fleet needs.
static HOSTS_FOR_FLEET: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\bhow\s+many\s+kms\s+(hosts|servers)\b"));
/// Undoing what was just set.
static UNDO: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(undo|revert|roll\s*back|reset)\b|\bgo\s+back\b|\bremove\s+(it|that|the\s+setting)\b",
    )
});
/// Which port KMS uses by default ("what is the default kms port?", "kms port by default?").
static DEFAULT_PORT_ASKED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bdefault\s+(kms\s+)?port\b|\b(kms\s+)?port\b.{0,20}\bby\s+default\b|^\s*(what|which)('?s|\s+is)?\s+(the\s+)?(kms\s+)?port\b.{0,20}\bkms\b",
    )
});
/// Setting only the port of the KMS host on a client.
static PORT_ONLY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bport\s+only\b|\bonly\s+(change\s+|set\s+|switch\s+)?the\s+(kms\s+)?port\b|\bwithout\s+changing\s+(the\s+)?(kms\s+)?host\b|\b(kms\s+)?host(\s+name)?\s+(stays|remains|unchanged|is\s+unchanged|doesn'?t\s+change|stays\s+the\s+same|is\s+the\s+same)\b|\bkeep\w*\s+the\s+(kms\s+)?host(\s+name)?\b",
    )
});
/// Which edition is installed.
static WHICH_EDITION: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(which|what)\s+(windows\s+(server\s+)?)?edition\b.*\b(is|have|has|run|runs|running|installed|find|know|check|tell)\b|\b(find\s+out|check|see|tell)\b.*\b(which|what)\s+edition\b|\bnot\s+sure\s+which\s+edition\b|\b(find|check|see|tell|know|identify|determine|get)\b.*\b(my|the|our|this|its)\s+(windows\s+(server\s+)?)?edition\b|\b(find|check|see|tell|know|identify|determine)\b.*\b(what|which)\s+version\s+of\s+windows\b|\b(see|check|show|find|know|get|display)\w*\b.{0,25}\bwindows\s+(server\s+)?edition\b.{0,20}\b(command|cmd|powershell)\b|\b(command|cmd)\b.{0,25}\b(see|check|show|find|know|get|display)\w*\b.{0,20}\bedition\b",
    )
});
/// Taking a product key off a machine or out of the registry.
static REMOVE_KEY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(remove|take|clear|delete|wipe|uninstall)\w*\b.*\b(product\s+)?keys?\b.*\b(registry|out|off|entirely|completely|altogether|from)\b|\b(registry)\b.*\b(remove|clear|delete)\w*\b.*\bkey|\b(remove|delete|uninstall|undo)\w*\b.{0,30}\bkeys?\b.{0,30}\b(typed|entered|put\s+in|installed|by\s+mistake|wrong(ly)?|on\s+(the|this|my|our)\s+(machine|vm|server|instance|computer|pc|box))\b",
    )
});
/// The partial product key shown by slmgr.
static PARTIAL_KEY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bpartial\s+(product\s+)?key\b|\blast\s+(five|5)\s+(characters|chars|letters)\b",
    )
});
/// What makes a machine fall into notification.
static NOTIFICATION_CAUSE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(what|explain)\b.{0,30}\bnotification['\x22]?\s+(mode|state)\b.{0,20}\b(mean|means|is)\b|\bnotification\s+(mode|state)\b.{0,10}\bmean\w*|\b(fall|falls|go|goes|went|drop|drops)\b.*\b(back\s+)?(into|to)\s+notification|\bnotification\s+(mode|state)\b.*\b(why|cause|what)|\b(why|what\s+causes?)\b.*\bnotification\s+(mode|state)",
    )
});
/// What the licence status "Notification" means, or how it differs from "Licensed" ("what does
/// 'Notification' mean as a licence status?").
static STATUS_MEANING: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bnotification\b['\x22]?.{0,40}\b(mean|means|meaning|difference|differ|differs)\b|\b(mean|means|meaning|difference)\b.{0,40}\bnotification\b|\b(un)?licensed\b['\x22]?\s*(vs\.?|versus|or|and)\s*['\x22]?notification\b",
    )
});
/// A GVLK activated some other way than KMS.
static GVLK_OTHER_WAY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(gvlk|kms\s+client\s+(setup\s+)?key|setup\s+key)\b.*\b(by\s+(tele)?phone|phone|telephone|online|over\s+the\s+internet|with\s+microsoft|slui)\b|\b(by\s+(tele)?phone|(tele)?phone|online|over\s+the\s+internet|with\s+microsoft)\b.{0,30}\b(a\s+|the\s+)?(gvlk|kms\s+client\s+(setup\s+)?key)\b",
    )
});
/// Whether a restart is needed.
static REBOOT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(reboot|restart)\w*\b.*\b(need|needed|required|necessary|have\s+to|must)\b|\b(need|needed|required|necessary|have\s+to|must)\b.*\b(reboot|restart)\w*\b",
    )
});
/// A request for the common slmgr options.
static SLMGR_LIST: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(list|most\s+(useful|common|important|used)|cheat\s*-?\s*sheet|overview|summary|main)\b.*\bslmgr\b|\bslmgr\b.*\b(cheat\s*-?\s*sheet|overview|options|commands|switches)\b",
    )
});
/// Updates a KMS host needs to serve newer clients, also named by one of their KB numbers alone.
static HOST_UPDATE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(update|updates|patch|patches|kb\d*|hotfix|cumulative)\b.*\bkms\s+(host|server)\b|\bkms\s+(host|server)\b.*\b(update|updates|patch|patches|kb\d+|hotfix)\b|\bkb\d{6,}\b.*\bserver\s+20\d\d(\s+r2)?\s+hosts?\b|\bserver\s+20\d\d(\s+r2)?\s+hosts?\b.*\bkb\d{6,}\b|\bkb\s?(2757817|3079821|3172615|4467695|4478877|5003638|5003646|5034768|5034765)\b|\b(update|updates|patch|patches|hotfix)\b.{0,80}\b(hand(s|ing)?\s+out|give\s+out|serve|issue)\s+activations\b",
    )
});
/// How often a MAK can be used ("it just times out" is no count of uses).
static MAK_LIMIT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bmak\b.*\b(how\s+many\s+(times?|activations?|machines|computers|servers|vms)|limit\w*|(\d+|many|several|multiple|\w+\s+more)\s+times|remaining|left|used\s+up|run\s+out|exceeded|out\s+of\s+activations)\b|\b(how\s+many\s+(times?|activations?|machines|computers|servers|vms|devices|pcs|laptops|clients)|limit\w*)\b.*\bmak\b|\b(one|a|single|same)\s+mak\b.{0,30}\b(on|for|across)\s+(\d+|all|many|several|multiple)\b|\bmak\b.{0,20}\b(tied|bound|locked)\s+to\b|\b(remaining|left)\s+(mak\s+)?activations\b.{0,20}\bmak\b|\b(remaining|left)\b.{0,10}\bmak\s+activations\b",
    )
});
/// Intervals set on the KMS host ("renewal interval to 1 day").
static INTERVAL_CHANGE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(renewal|renew|activation|retry)\s+(interval|every|to|time|period)\b|\b(renew|retry)\w*\s+((once|twice)\s+)?(every|a|an|per)\b|\bsri\b|\bsai\b",
    )
});
/// DNS publishing of a KMS host.
static DNS_PUBLISHING: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(publish\w*|regist(er|ration)\w*|announc\w*)\b.*\bdns\b|\bdns\b.*\b(publish\w*|regist(er|ration)\w*)\b|\bkms\s+(host|server)\b.{0,25}\bpublish\w*\b|\bpublish\w*\b.{0,25}\b(srv|_vlmcs)\b",
    )
});
/// Losing the only KMS host, redundancy.
static HOST_RISK: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(kms\s+)?(host|server)\s+(dies|died|fails|failed|goes\s+down|is\s+down|crashes|crashed|is\s+offline|is\s+lost)\b.*\b(risk|happen|clients?|what)|\b(risk|happens?)\b.*\b(single|only|one)\s+kms\s+(host|server)|\bredundan\w*\b|\bsecond\s+kms\s+(host|server)\b|\b(decommission\w*|retir\w*|shut\w*\s+down|get\s+rid\s+of)\b[^.?!]*\bkms\s+(host|server)\b|\bkms\s+(host|server)\b.*\b(decommission\w*|retired|goes\s+away)\b",
    )
});
/// Cloned machines and a count that does not grow.
/// The KMS host unavailable and what that does to activated machines ("if it goes down are we
/// unlicensed straight away?", "how long do clients stay activated when the host is
/// unreachable?").
static OUTAGE: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(goes\s+down|go\s+down|is\s+down|dies|goes\s+offline|is\s+offline|offline|unreachable|unavailable|not\s+reachable|outage|can'?t\s+be\s+reached|cannot\s+be\s+reached|(decommission\w*|retire|switch\w*\s+off|turn\w*\s+off|shut\w*\s+down)\s+(the\s+|our\s+|that\s+|this\s+)?(old\s+)?kms(\s+host|\s+server)?|kms\s+(host|server)\s+(is|was|gets|will\s+be)\s+(decommissioned|retired|switched\s+off|turned\s+off|shut\s+down))\b.{0,80}\b(unlicen[cs]ed|deactivat\w*|stop\s+working|stop\s+being\s+(activated|licen[cs]ed)|lose\s+(their\s+|its\s+)?activation|stay\w*\s+activated|still\s+activated|remain\w*\s+activated|how\s+long|straight\s+away|immediately|right\s+away|at\s+once|lose\s+(activation|the\s+licen[cs]e)|(start|begin)\s+(complaining|nagging|to\s+complain)|complain\w*)|\bwhen\s+(do|does|will|would)\b.{0,40}\b(stop\s+being\s+activated|lose\s+(their\s+|its\s+)?activation|become\s+(un|not\s+)activated|get\s+deactivated)\b|\b(unlicen[cs]ed|deactivat\w*|stop\s+working|stop\s+being\s+(activated|licen[cs]ed)|lose\s+(their\s+|its\s+)?activation|stay\w*\s+activated|still\s+activated|remain\w*\s+activated|how\s+long)\b.{0,80}\b(goes\s+down|go\s+down|is\s+down|dies|goes\s+offline|is\s+offline|offline|unreachable|unavailable|not\s+reachable|outage)\b",
    )
});
static CLONED: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(without\s+sysprep|not\s+sysprepped|same\s+cmid|duplicate\s+cmid|cmid)\b|\b(host|kms)\b.{0,20}\bonly\s+(sees?|shows?|counts?|lists?)\s+(one|1|a\s+single)\s+(machine|client|vm|computer|server)s?\b.{0,60}\b(same|one)\s+(image|template)\b|\b(clon\w*|copies\s+of)\b.*\b(count|kms|activat\w*|sysprep)\b|\b(count|kms|activat\w*)\b.*\bclon\w*\b|\bcount\b.{0,30}\b(stays?|stuck|remains?|is|at)\s+(at\s+)?(1|one)\b|\b(template|golden\s+image|master\s+image|same\s+image|one\s+image)\b.{0,60}\bcount\b|\bcount\b.{0,60}\b(template|golden\s+image|master\s+image|same\s+image)\b",
    )
});
/// The Software Protection service itself ("what's the SPP service?", "sppsvc is stopped").
static SPP_SERVICE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(spp|sppsvc|software\s+protection(\s+platform)?)\b.{0,40}\b(service|svc|is|does|do|mean|means|stop\w*|disabled|running|start|started|starting|restart|crash\w*|terminat\w*|fail\w*|hang\w*|hung)\b|\b(what|which|explain)\b.{0,30}\b(spp|sppsvc|software\s+protection)\b",
    )
});
/// The two KMS thresholds side by side ("25 or 5?", "five vs 25").
static BOTH_THRESHOLDS: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\b25\b.{0,30}\b(5|five)\b|\b(5|five)\b.{0,30}\b25\b"));
/// A KMS host's request counters ("/dlv shows many failed requests").
static FAILED_REQUESTS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bfailed\s+requests?\b|\b(total|failed)\s+requests\s+received\b|\brequests?\b.{0,30}\bfail(ed|ing|s|ures?)\b.{0,40}\b(dlv|kms\s+(host|server)|host)\b",
    )
});
/// Another cloud ("on Azure they activated by themselves"): how it is there, not a retry.
static OTHER_CLOUD: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\b(azure|aws|ec2|amazon|gcp|google\s+cloud)\b"));
/// Handing a secret key to the bot in chat ("can I paste our host key here so you install it?").
static KEY_IN_CHAT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(paste|post|send|give|share|type|drop)\w*\b.{0,40}\b(host\s+key|csvlk|mak|retail\s+key|product\s+key|our\s+key|the\s+key)\b.{0,60}\b(chat|here|channel|thread|you|bot|dm)\b",
    )
});
/// A number of days given as an activation's expiry or as left ("expiration: 175 days",
/// "170 days left").
static EXPIRATION_DAYS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bexpir\w*\b.{0,20}\b\d{1,3}\s*days?\b|\b\d{1,3}\s*days?\s+(left|remaining|to\s+go)\b",
    )
});
/// Days left before an activation runs out ("expires in 3 days", "12 days left").
static EXPIRES_SOON: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)\b(?:expir\w*|runs?\s+out|ends?)\s+(?:in|within|after)\s+(\d{1,3})\s*(?:days?|d)\b|\b(\d{1,3})\s*(?:days?|d)\s+(?:left|remaining|to\s+go|before\s+(?:it\s+|the\s+activation\s+|activation\s+)?expir\w*)",
    )
});
/// A wrong product key installed, and how to undo it ("I pasted the wrong key, how do I remove
/// it?").
static WRONG_KEY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(wrong|incorrect|mistyped|typoed|bad|false)\s+(product\s+|activation\s+|licen[cs]e\s+|windows\s+)?key\b.{0,60}\b(remove|undo|revert|fix|replace|change|get\s+rid|uninstall|delete|go\s+back|start\s+over|correct)\w*|\b(remove|undo|revert|fix|replace|change|get\s+rid\s+of|uninstall|delete|correct)\w*\b.{0,40}\b(wrong|incorrect|mistyped|bad)\s+(product\s+|activation\s+|licen[cs]e\s+|windows\s+)?key\b|\b(go\s+back|revert|return|switch\s+back|restore|put\s+back)\w*\b.{0,30}\b(oem|retail|original|old|previous|mak)\s+(product\s+)?key\b",
    )
});
/// Activation state from PowerShell or WMI.
/// Whether a published key is a secret ("is it a security problem that the GVLK is in our wiki").
static KEY_SECRECY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(secret|security|safe|leak\w*|wiki|confidential|sensitive|expos\w*|share|sharing|posted|publish\w*|steal\w*|stolen|public|publicly)\b",
    )
});
/// A follow-up that names an activation method ("and for the online way?").
static METHOD_NAMED: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\b(online|internet|phone|telephone|by\s+phone|mak)\b"));
/// Using another port than 1688 ("can we change the kms port?").
static CHANGE_PORT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(change|move|use|run)\b.{0,30}\bports?\b.{0,30}\b(else|another|other|different|custom|non[\s-]?default)\b|\b(another|other|different|custom|non[\s-]?default|non[\s-]?standard)\s+(kms\s+)?port\b|\bports?\b.{0,20}\bbe\s+changed\b",
    )
});
/// Developer tools whose "activate" is not Windows activation (`conda activate`, a venv).
static DEV_TOOLS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(conda|venv|virtualenv|virtual\s+env\w*|pipenv|poetry|python|nvm|activate\.ps1|execution\s*policy)\b",
    )
});
/// Testing the network path ("how to test port 1688 to the kms").
static TEST_PATH: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(test|check|verify|probe|ping)\w*\b.{0,30}\b(port|1688|connect\w*|reach\w*|open)\b|\b(test|check|verify)\w*\b.{0,40}\b(answers|listens|responds|replies)\s+on\b",
    )
});
/// Asking the provider for a network change.
static SUPPORT_TICKET: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(ticket|request|ask)\w*\b.{0,40}\b(provider|support|cloud)\b.{0,60}\b(talk|reach|connect|access|open|traffic|network)\w*\b|\b(provider|support)\b.{0,30}\b(need|have|must)\b.{0,30}\b(change|open|allow)\w*\b",
    )
});
/// Making a KMS host ("procedure for creating KMS server", "build a kms host").
static CREATE_HOST: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(creat\w*|build\w*|deploy\w*|stand\s+up|standing\s+up|set\s*up|setting\s+up|make|making|install\w*)\s+(an?\s+|the\s+|our\s+|my\s+|own\s+|new\s+|first\s+){0,3}kms\s+(host|server)s?\b|\b(convert\w*|turn\w*|promot\w*|mak\w*)\b.{0,60}\b(into|to|as)\s+(an?\s+|the\s+|our\s+|my\s+)?kms\s+(host|server)\b",
    )
});
/// Building or configuring a KMS host (rather than using one).
static BUILD_HOST: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(install\w*|set\s*up|setup|build\w*|creat\w*|mak\w*|configur\w*|becom\w*|turn\w*|promot\w*|convert\w*|enable\w*|host\s+key|csvlk|sprt|publish\w*)\b",
    )
});
/// What has to be opened on the network.
static OPEN_WHAT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(what|which)\b.{0,40}\b(open|opened|allow\w*|unblock\w*|network\s+changes?)\b|\b(needs?|has|have|must)\s+(to\s+)?be\s+open\w*\b",
    )
});
/// Words that put a question about logs in activation's context.
static ACTIVATION_CONTEXT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(activat\w*|kms|licen[cs]\w*|slmgr|security-spp|spp|8198|12288|12289|12290|key\s+management\s+service)\b",
    )
});
/// Activation events in Event Viewer.
static EVENT_LOG: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(event\s*(viewer|logs?|ids?)|eventvwr|8198|12288|12289|12290|security-spp)\b|\b(which|what)\s+logs?\b|\b(kms|activation|licen[cs]ing|key\s+management\s+service)\s+(event\s+)?logs?\b|\blogs?\s+(of|for)\s+(the\s+)?(kms|activation)\b|\blogs?\s+(should|do|can)\s+(i|we)\b|\bwhich\s+(clients|machines|computers|servers|vms)\b.{0,40}\b(contact|connect|request|talk|activat|hit|hits|reach|reached|asked)\w*|\b(list|export|report)\b.{0,30}\b(machines|clients|computers)\b.{0,40}\b(activated|contacted|asked|served)\b",
    )
});
/// Records of the requests a KMS host served ("is there a log on the KMS host that shows which
/// machines asked it?"), not DNS records.
static REQUEST_RECORDS: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(logs?|logged|records?|audit\s+trail|history)\b.{0,80}\b(requests|machines|clients|computers)\b|\b(requests|machines|clients|computers)\b.{0,40}\b(logged|recorded)\b",
    )
});
/// Time as in "every time" or "first time", not the clock.
static TIME_AS_OCCASION: LazyLock<Regex> = LazyLock::new(|| {
    rx(r"(?i)\b(every|each|next|first|last|any|some|this|that|same|one|second)\s+time\b")
});
/// Options asked for by what they do (see `answer::slmgr_options_in`).
static SPECIFIC_OPTION: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bhost\s+caching\b|\bstao\b|\bactivation\s+ids?\b|\bdns\s+(domain|suffix)\b|\bactivation\s+type\b|\bkms[\s-]+only\b|\b(restrict|limit)\w*\b.{0,40}\bonly\b|\b(full|detailed|verbose|complete|all)\b.{0,30}\b(licen[cs]\w*|activation)\s+(details|info\w*)\b|\b(kms|srv|vlmcs)\b.{0,60}\b(domain|zone)\s+[a-z0-9-]+(\.[a-z0-9-]+)+\b.{0,40}\b(only|instead|not\s+(a\s+|the\s+)?(specific|single|one|particular|fixed))\b|\b(search|look\w*|find|discover\w*|locate)\b.{0,30}\bkms\b.{0,30}\b(in|from|under)\s+(the\s+)?(dns\s+)?(domain|zone)\s+[a-z0-9-]+(\.[a-z0-9-]+)+|\bsrv\b.{0,40}\b(in|from)\s+(an?\s+)?(other|different|another|second)\s+(dns\s+)?(domain|zone)\b|\b(other|different|another)\s+(dns\s+)?(domain|zone)\b.{0,40}\bsrv\b",
    )
});
/// The DNS domain or zone named in the question ("domain contoso.com", "zone corp.example.com").
static NAMED_DOMAIN: LazyLock<Regex> =
    LazyLock::new(|| rx(r"(?i)\b(?:domain|zone)\s+([a-z0-9-]+(?:\.[a-z0-9-]+)+)\b"));

/// The DNS domain a question names for KMS discovery, if any.
fn named_dns_domain(q: &str) -> Option<String> {
    NAMED_DOMAIN
        .captures(q)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().trim_end_matches('.').to_lowercase())
}
/// A script or image build ("Packer provisioner", "no popups").
static SCRIPTED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(script\w*|packer|ansible|terraform|provision\w*|unattended|non-?interactive|pop-?ups?|dialog\w*|automat\w*|pipeline|sysprep|cloud-?init|userdata|user\s+data)\b",
    )
});
/// A minimum count asked as policy ("under which minimum can I not use KMS?").
/// Evidence that machines are activated ("for the audit I need proof each server is activated").
static ACTIVATION_EVIDENCE: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(proof|prove|evidence|collect|report|screenshot)\b.{0,60}\b(activated|licensed|genuine|activation\s+(state|status))\b|\b(proof|evidence)\s+of\s+(the\s+|our\s+)?(windows\s+)?activation\b",
    )
});
/// "Where do I get ...", "how do I obtain ...".
static WHERE_TO_GET: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\b(where|how)\b.{0,30}\b(get|obtain|find|buy|order|download|request)\b")
});
/// "Where I can take it?", "where do I get one?": where to get the thing just talked about.
static WHERE_TO_GET_IT: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(where|how)\b.{0,25}\b(get|take|obtain|find|buy|order|download|request|receive)\s+(it|one|that|them|this)\b",
    )
});
/// "It says Product activated successfully. Will it need anything else?": a success
/// reported, then whether anything is left to do.
static ACTIVATED_ANYTHING_ELSE: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(activated\s+successfully|successfully\s+activated|licen[cs]ed\s+now|now\s+licen[cs]ed|it\s+(is|s)\s+activated|(it\s+)?(worked|activated)\s+now)\b.{0,80}\b(anything\s+else|what\s+else|any(thing)?\s+more|(is\s+)?that\s+(it|all)|all\s+done|done\s+now|need\s+to\s+do\s+anything|further\s+steps?|next\s+steps?|do\s+i\s+need\s+to\s+do)\b",
    )
});
/// "And if not activated?", "what about one that isn't activated yet?".
static NOT_YET_ACTIVATED: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(if|when|one|ones|clients?|machines?|it|that|which|those)\b.{0,20}\b(not|isn'?t|aren'?t|never|wasn'?t)\s+(yet\s+)?activated\b|\b(un|non-?)activated\b|\bnot\s+activated\s+yet\b",
    )
});
/// "Check it", "how do I verify that it exists?": checking the thing just talked about.
static CHECK_IT: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(check|verify|test|confirm|validate|query|look\s*up)\w*\b.{0,25}\b(it|that|this|them|exists?|there|published|registered)\b",
    )
});
/// "What should I run?", "which commands?".
static RUN_WHAT: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\bwhat\s+(should|do|must|can)\s+(i|we)\s+(run|type|execute|enter)\b|\b(which|what)\s+commands?\b",
    )
});
/// "Which key do I type in?", "what's the key for it?": a key asked for.
static WHICH_KEY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(what|which|whats)\b.{0,40}\b(keys?|gvlks?)\b|\bkeys?\s+(do|should|must)\s+(i|we)\s+(type|enter|use|put)\b|\b(keys?|gvlks?)\s*(please|pls|plz)?\s*\?+\s*$",
    )
});

/// A message that names one edition with its version and asks which key it takes ("the screen
/// in Settings says it isn't activated ... Server 2022 Standard, what key do I type in?"):
/// the key, whatever else the story mentions on the way.
fn names_edition_asks_key(q: &str, slots: &Slots) -> bool {
    slots.editions.len() == 1
        && slots
            .editions
            .iter()
            .all(|e| !e.families.is_empty() && !e.attrs.is_empty())
        && WHICH_KEY.is_match(q)
        && !HOST_KEY_WORDS.is_match(q)
}

/// "They gave us a KMS address ... can you give me the steps?", "what do I do with it?".
static HOST_STEPS: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(the\s+steps|what\s+(do\s+i|do\s+we|to)\s+do\s+with\s+it|how\s+(do\s+i|do\s+we|to)\s+use\s+it|walk\s+me\s+through|step\s+by\s+step)\b",
    )
});

/// A KMS host handed over by someone (the provider, head office) and the steps asked for: the
/// commands that point the instance at that host, not the provider's licensing rules.
fn given_host_steps(u: &mut Understanding, q: &str) {
    if matches!(u.intent, Intent::Policy | Intent::Connectivity)
        && u.slots.host.is_some()
        && u.slots.error.is_none()
        && u.slots.nothing_pasted()
        && HOST_STEPS.is_match(q)
    {
        u.reroute(Intent::PointKms);
    }
}

/// Telephone activation named outright ("the phone activation wizard", "activate by phone").
static PHONE_NAMED: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(tele)?phone\s+activation\b|\bactivat\w*\s+(by|over\s+the|via)\s+(tele)?phone\b|\bslui(\.exe)?\s+4\b",
    )
});

/// Telephone activation named outright, with the timing topic only a narrow first ("in the old
/// days there was a phone activation wizard, is it still there?"): the telephone steps.
fn phone_named(u: &mut Understanding, q: &str) {
    if u.intent == Intent::Timing
        && u.alternative
            .is_some_and(|(alt, p)| alt == Intent::Phone && p >= 0.5 * u.confidence)
        && u.slots.nothing_pasted()
        && PHONE_NAMED.is_match(q)
    {
        u.reroute(Intent::Phone);
    }
}

/// KMS compared with another role ("is KMS the same as the RDS license server?", "KMS host vs
/// RD licensing").
static KMS_VS_RDS: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\bkms\b.{0,80}\b(same|different|difference|vs\.?|versus|or\s+was\s+that|or\s+is\s+that)\b|\b(same|different|difference)\b.{0,80}\bkms\b|\bkms\s+(host|server)\b.{0,30}\b(also\s+be|double\s+as|also\s+run|also\s+host)\b",
    )
});

/// "What is the likely cause and how do I fix it?"
static CAUSE_AND_FIX: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(likely|root|probable|possible)\s+causes?\b|\bwhat\s+(is\s+)?caus\w*\b|\bhow\s+(do|can|should)\s+(i|we)\s+fix\b",
    )
});
/// Steps asked for with the time sync among them ("the steps, including time sync").
/// The time of day asked for ("what is the time in India now?", "what time is it there"), and
/// office small talk around it ("is it lunch yet", "is the cafeteria open").
static TIME_OF_DAY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bwhat\s+(is\s+the\s+|'?s\s+the\s+)?time\s+(is\s+it\s+|now\s+)?(in|at|there)\b|\bwhat\s+time\s+is\s+it\b|\b(current|local)\s+time\s+(in|at)\b|\b(lunch|cafeteria|canteen|coffee|happy\s+hour|weekend\s+plans)\b",
    )
});
/// Setting the KMS host and syncing the clock, asked together ("how set kms server and sync
/// time with it").
static SET_HOST_AND_TIME: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(set|point|configur\w*|put|add)\s+(the\s+|our\s+|my\s+)?kms\s+(server|host)\b.{0,40}\b(and|then|plus|also)\b.{0,20}\b(sync\w*|time|clock|w32tm)\b",
    )
});
static STEPS_WITH_TIME: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(steps?|procedure|runbook|process|commands)\b.{0,80}\b(includ\w*|with|plus|and|also)\b.{0,20}\b(time|clock)",
    )
});
/// The port of another protocol or service.
static OTHER_PORT: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\bports?\b.{0,40}\b(winrm|rdp|remote\s+desktop|smb|ldaps?|ssh|https?|ftp|sql|kerberos|ntp|wsus|iis|dhcp|smtp|snmp|netbios|rpc)\b|\b(winrm|rdp|remote\s+desktop|smb|ldaps?|ssh|https?|ftp|sql|kerberos|ntp|wsus|iis|dhcp|smtp|snmp|netbios|rpc)\b.{0,40}\bports?\b",
    )
});
/// Operations on an instance other than activating it.
static INSTANCE_OPS: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(reboot|restart|resize|snapshot|attach|detach|delete|destroy|provision|scale\s+up|back\s+up|backup|restore|migrate|clone|power\s+(on|off)|shut\s+down|start\s+up)\b.{0,40}\b(instance|vm|server|volume|disk|it|web-\d+|\w+-\d+|for\s+me)\b|\b(new|extra|additional)\s+(volume|disk)\b|\b(upload|import)\w*\b.{0,40}\b(iso|vhdx?|qcow2|vmdk|ova|ovf|image|template)s?\b|\b(slas?|uptime\s+(sla|guarantee)|object\s+storage|block\s+storage|file\s+storage|s3\s+buckets?|storage\s+buckets?)\b",
    )
});
/// "What's our KMS host?": the configured host.
static OUR_HOST: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)^\s*what(\s+is|'s|s)?\s+(our|the|my)\s+kms\s+(host|server)(\s+(address|name|ip))?\s*\??\s*$",
    )
});
/// Whether something runs on a platform: a hypervisor, a VM generation, hardware; also the
/// hardware itself (an SSD, vCPUs, GB of RAM) and the rotation of keys (a cloud's key service),
/// which have nothing of activation.
static PLATFORM_SUPPORT: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(supported|compatible|certified|run|runs|work|works|install\w*)\s+(on|with|under)\s+(a\s+|an\s+)?(hyper-?v|vmware|esxi|proxmox|kvm|virtualbox|xen|nutanix|arm\w*|generation\s+[12]|gen\s*[12]|raspberry|apple\s+silicon|m[1-4]\s+mac)\b|\b(tpm|secure\s+boot|cpu|processor|hardware)\s+requirements?\b|\b(ssds?|nvme|hdds?|gpus?|vcpus?|ram)\b|\b\d+\s*(gb|tb)\b|\brotat(e|es|ed|ing|ion)\b",
    )
});
/// "How many systems / machines / servers ...".
static HOW_MANY_MACHINES: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\bhow\s+many\s+(\w+\s+)?(machines|systems|servers|clients|computers|vms|instances|devices|pcs|nodes)\b|\bhow\s+many\s+(windows|win)(\s*(7|8|8\.1|10|11|server|clients?|machines?))?\b",
    )
});
static MIN_COUNT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(minimum|at\s+least|how\s+many|fewer\s+than|less\s+than|under\s+which|threshold)\b",
    )
});
/// Creative writing, and instructions aimed at the bot itself.
static CREATIVE_OR_INJECTION: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(write|compose|tell)\b.{0,20}\b(haiku|poem|joke|song|limerick|story|rap)\b|^\s*(an?\s+|some\s+|any\s+)?(funny\s+|short\s+|little\s+)?(haiku|poem|joke|jokes|song|limerick|story|rap)\s+(about|on|for)\b|\b(ignore|disregard|forget)\b.{0,30}\b(instructions|rules|role|previous|above)\b|\b(system\s+override|jailbreak)\b|\b(reveal|print|show|dump|leak)\b.{0,40}\b(passwords?|tokens?|secrets?|api\s*keys?|system\s+prompt|credentials)\b",
    )
});
/// Elections and data-protection law.
static POLITICS_OR_LAW: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(vote|voting|voted|election\w*|ballot|politic\w*|president|parliament|gdpr|hipaa|ccpa|sox\s+compliance|data\s+protection\s+law|retention\s+(period|polic\w+)\s+for\s+(audit\s+)?(logs?|records?|data|emails?))\b",
    )
});
/// Which KMS host to use.
static WHICH_HOST: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\bwhich\s+(kms\s+)?(host|server|address|ip(\s+address)?)\b.{0,30}\b(should|do|does|to|must)\b|\bwhat\s+(kms\s+)?(address|ip(\s+address)?)\b.{0,30}\b(should|do|does|to|must)\b.{0,30}\b(use|activat\w*)\b|\bwhat\s+(is\s+)?(our|the|my)\s+kms\s+(host|server)\b",
    )
});
/// Whether the KMS host is published in DNS, and how to look.
static SRV_QUERY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(dns|srv)\b.{0,40}\b(query|lookup|look\s+up|nslookup|check|record|rec|entry|entries)\b|\bkms\s+(host|server)\b.{0,30}\b(static|fixed|reserved)\s+ip\b|\bpublished\s+in\s+dns\b|\b(check|see|verify)\b.{0,40}\bpublished\b|\b(find|finds|locate|locates|discover|discovers)\b.{0,30}\bkms\s+(host|server)s?\b.{0,30}\b(by\s+(it|them)sel(f|ves)|on\s+(its|their)\s+own|automatically|alone)\b",
    )
});
/// Turning a host's DNS publishing on or off (`/cdns`, `/sdns`), not looking it up.
static DNS_PUBLISH_CHANGE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\b(stop|disabl\w*|turn\s+off|prevent|enabl\w*|start|unpublish\w*)\b")
});
/// A host's record missing from DNS, said as a symptom ("kms host not publish in dns", "the
/// srv record is not published").
static NOT_PUBLISHING: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(not|n'?t|dont|doesnt|never)\s+(being\s+|get\w*\s+)?(publish\w*|register\w*)\b.{0,20}\b(dns|srv)\b|\b(dns|srv)\b.{0,30}\b(not|n'?t|never)\s+(being\s+)?(publish\w*|register\w*)\b",
    )
});
/// Core-based licence counting: licensing, not activation.
static CORE_LICENSING: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(physical\s+)?cores?\b.{0,40}\blicen[cs]\w*|\blicen[cs]\w*\b.{0,40}\b(physical\s+)?cores\b|\bcore\s+licen[cs]\w*",
    )
});
/// Licensing programmes and benefits (Azure Hybrid Benefit, License Mobility) and client access
/// licences to buy: which licence covers a VM or a user, not how Windows gets activated.
static LICENSING_BENEFIT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bhybrid\s+(use\s+)?benefit\b|\bahu?b\b|\blicen[cs]e\s+mobility\b|\b(need|buy|how\s+many|require\w*)\b.{0,30}\b(cals?|client\s+access\s+licen[cs]es?)\b",
    )
});
/// Whether a MAK or retail activation expires.
static MAK_EXPIRY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(mak|retail|(activated|activate|activation)\s+online\s+with\s+(my|our|a|the)\s+(own\s+)?key|my\s+own\s+key)\b.{0,50}\b(time[\s-]*limited|expire\w*|expiry|180\s+days|renew\w*|redo|re-?activate|again|permanent\w*|forever)\b",
    )
});
/// Checking a KMS host's count.
static HOST_COUNT_CHECK: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(verify|check|confirm|see|show)\b.{0,60}\b(its|the|host'?s?)\s+count\b|\bhow\s+many\s+clients\b.{0,30}\b(counted|it\s+has|the\s+host\s+has)\b|\b(kms|host|activation)\s+count\b.{0,40}\b(dropped|drops|dropping|went\s+down|goes\s+down|going\s+down|fell|fallen|falls|decreas\w*|shr[ua]nk|sank)\b|\bcount\s+(on|of|in)\s+(the\s+|our\s+|my\s+)?(kms\s+)?(host|server|kms)\b.{0,40}\b(dropped|drops|dropping|went\s+down|goes\s+down|going\s+down|fell|fallen|falls|decreas\w*|shr[ua]nk|sank)\b|\b(kms|host|activation\s+count)\b.{0,40}\b(went|dropped|fell|gone|sank)\s+(down\s+)?from\s+\d+\s+to\s+\d+\b|\b(verify|check|confirm|see|tell)\b.{0,40}\bcounting\b",
    )
});
/// Ping (ICMP) and KMS.
static PING: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\b(ping\w*|icmp)\b|\bwithout\s+test-netconnection\b"));
/// How many hosts one host key (CSVLK) activates.
static HOST_KEY_COUNT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bhow\s+many\s+(kms\s+)?hosts?\b.{0,40}\b(one|a|single|same|each)\s+(csvlk|host\s+key|kms\s+(host\s+)?key)\b|\b(csvlk|host\s+key)\b.{0,40}\bhow\s+many\s+(times|hosts|machines|servers|activations)\b|\bhow\s+many\s+(activations|times|hosts|machines|servers)\b.{0,40}\b(one|a|single|same|each|the|our)\s+(csvlk|host\s+key|kms\s+(host\s+)?key)\b|\b(same|one|a\s+single|our)\s+(kms\s+)?(host\s+key|csvlk)\b.{0,40}\b(two|2|three|3|several|multiple|more\s+than\s+one|another|other|second|both|many)\s+(kms\s+)?(hosts?|servers?)\b|\b(two|2|several|multiple|second|another)\s+(kms\s+)?(hosts?|servers?)\b.{0,40}\b(same|one|single)\s+(kms\s+)?(host\s+key|csvlk)\b|\b(both|each|every|all|second)\b.{0,30}\b(need|needs|require\w*|get|gets|use|uses)\b.{0,20}\b(the\s+|a\s+|its\s+own\s+|their\s+own\s+)?(kms\s+)?(host\s+key|csvlk)s?\b|\b(csvlk|host\s+key)\b.{0,30}\b(use|install|put|activat|register)\w*\b.{0,20}\b(on|in|for|at)\s+(two|2|three|3|several|multiple|more\s+than\s+one|both|many|other|another|second|an\s+other)\s+(kms\s+)?(hosts?|servers?|srvs?|machines?|vms?)\b",
    )
});
/// The count's ceiling ("does the count go above 50?").
static COUNT_CAP: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bcount\b.{0,30}\b(above|over|beyond|past|more\s+than|exceed\w*|max\w*|stuck|stops?)\b.{0,10}\b50\b|\bcount\b.{0,20}\b(stuck|stays?|stops?)\s+at\s+50\b|\bcount\s+(is\s+|of\s+|shows\s+|says\s+|=\s*|:\s*)?50\b.{0,40}\b(but|while|although|yet|though)\b",
    )
});
/// An older KMS host and newer clients ("our host runs 2016, will it activate 2022?").
static OLD_HOST_NEW_CLIENT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b20(08|12|16|19|22)(\s*r2)?\s+(kms\s+)?(host|server)\s+(activat\w*|serv\w*)\s+(windows\s+)?(server\s+)?(20(12|16|19|22|25)|windows\s+1[01]|win\s*1[01])\b|\bkms\s+(host|server)\b.{0,30}\b(runs?|running|is|on)\b.{0,20}\b20(08|12|16|19|22)\b.{0,60}\bactivat\w*\b.{0,40}\b(20(12|16|19|22|25)|windows\s+1[01]|newer)\b|\b20(08|12|16|19|22)(\s+r2)?\s+kms\s+(host|server)\b.{0,40}\bactivat\w*\b.{0,40}\b(20(12|16|19|22|25)|windows\s+1[01]|newer)\b|\b(20(12|16|19|22|25)|windows\s+1[01])\b.{0,40}\bactivat\w*\s+(against|with|from|on|through|via|using)\s+(a\s+|an\s+|the\s+|our\s+|my\s+)?(windows\s+)?(server\s+)?20(08|12|16|19|22)(\s+r2)?\s+kms\s+(host|server)\b|\bkms\s+(host|server)\s+(windows\s+)?(server\s+)?20(08|12|16|19|22)(\s+r2)?\b.{0,40}\bactivat\w*\b.{0,40}\b(20(12|16|19|22|25)|windows\s+1[01]|win\s*1[01]|newer)\b|\b(20(12|16|19|22|25)|windows\s+1[01]|win\s*1[01])\b.{0,60}\b(not\s+work\w*|fail\w*|does\s*n'?t\s+work|dont\s+work|refus\w*)\b.{0,30}\bkms\s+(host\s+|server\s+)?(windows\s+)?(server\s+)?20(08|12|16|19)(\s+r2)?\b",
    )
});
/// Time zones in activation.
static TIME_ZONE: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\btime\s*-?zones?\b|\btimezones?\b"));
/// How far off the clock is.
static CLOCK_OFFSET: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bhow\s+far\s+(off|apart)\b|\b(clock|time)\s+(offset|drift|difference)\b.{0,30}\b(check|see|measure|find)\b|\b(check|see|measure|find)\b.{0,30}\b(clock|time)\s+(offset|drift|difference)\b",
    )
});
/// Clients that activate on their own once the threshold is met.
static AUTO_RETRY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(by\s+themselves|on\s+their\s+own|automatically|by\s+itself|on\s+its\s+own)\b.{0,60}\b(activat\w*|rerun|re-run|/ato)\b|\b(activat\w*)\b.{0,40}\b(by\s+themselves|on\s+their\s+own|automatically|by\s+itself)\b",
    )
});
static POWERSHELL_STATUS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(licensestatus|softwarelicensingproduct)\b|\b(same|equivalent|instead\s+of)\b.{0,40}\bslmgr\b.{0,60}\b(powershell|wmi|cim)\b|\b(powershell|wmi|cim)\b.{0,40}\b(equivalent|instead\s+of\s+slmgr|without\s+slmgr)\b|\b(powershell|wmi|cim|get-ciminstance|get-wmiobject)\b.*\b(licen[cs]e\s+(status|state)|activation\s+(status|state)|status|state|is\s+\w+\s+activated|activated\s+or\s+not|check\w*\s+(if|whether|the)\b)|\b(licen[cs]e\s+status|activation\s+status|status|state|whether\s+\w+\s+is\s+activated)\b.*\b(powershell|wmi|cim)\b",
    )
});
/// A line of `slmgr /dli` or `/dlv` named by its label ("KMS machine IP address", "renewal
/// interval").
static OUTPUT_FIELD: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(registered\s+kms\s+machine\s+name|kms\s+machine\s+(name\s+from\s+dns|ip\s+address|extended\s+pid)|kms\s+host\s+caching\s+is)\b",
    )
});
/// Asking what something means ("what does ... mean", "what is ...").
static MEANING_WORDS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\b(mean|means|meaning|stand\s+for|what\s+is|what'?s|explain)\b")
});
/// The KMS host set from PowerShell or WMI ("PowerShell way to set the KMS host without
/// slmgr?").
static POWERSHELL_SET_HOST: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(powershell|wmi|cim)\b.{0,60}\b(set|point|change|configure|specify)\w*\b.{0,40}\bkms\b|\b(set|point|change|configure|specify)\w*\b.{0,40}\bkms\s+(host|server)\b.{0,60}\b(powershell|wmi|cim)\b",
    )
});
/// Evaluation editions.
/// Asks for everything, not one step ("full commands incl. time sync").
static WHOLE_PROCEDURE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(full|all|complete|whole|every|entire)\s+(the\s+)?(commands?|steps?|procedure|process|sequence)\b|\bend\s+to\s+end\b|\bstep\s+by\s+step\b",
    )
});
/// Whether machines will activate / a count is enough.
static WILL_IT_WORK: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(will|would|do|does|can|could)\s+(the\s+|all\s+|our\s+)?(\d+\s+)?(they|these|those|it|them|servers?|clients?|vms?|machines?|instances?|windows\s*(10|11)\s+\w+|all)\b.{0,30}\b(activate|get\s+activated|work|count)\b|\b(is|are)\s+(that|this|it|these|they)\s+enough\b|\benough\s*\?|,\s*(ok|okay|fine|sufficient)\s*\?\s*$|\b(is\s+that|is\s+it|are\s+we)\s+(ok|okay|fine|sufficient|good)\b",
    )
});
/// Asks for the client setup key (GVLK), not the host key.
static CLIENT_KEY_WORDS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(client\s+setup\s+keys?|kms\s+client\s+keys?|client\s+keys?|gvlks?|setup\s+keys?)\b",
    )
});
/// Activation looked at in the Settings app, not the command line.
static SETTINGS_APP: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(in|where\s+in|from|via|through)\s+(the\s+)?(settings|control\s+panel|gui)\b|\bnot\s+a\s+command[\s-]*line\b|\bwithout\s+(the\s+|a\s+)?(command[\s-]*line|cmd|powershell|slmgr)\b|\b(button|click)\b.{0,40}\b(product\s+key|activat\w*)\b|\bchange\s+product\s+key\b|\bwhere\b.{0,30}\bactivation\s+(page|tab|pane)\b",
    )
});
/// A KMS host on a Windows client edition, asked to serve servers.
static CLIENT_OS_HOST: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bkms\s+host\s+((is|that\s+is|which\s+is)\s+)?(running\s+on|runs\s+on|running|on|installed\s+on|hosted\s+on|built\s+on)\s+(\S+\s+){0,3}?(windows\s*(10|11)|win\s*(10|11)|client\s+(os|edition|vm|machine))\b.{0,80}\bserver|\bkms\s+host\s+be\s+(a\s+|on\s+(a\s+)?)?(windows\s*(10|11)|win\s*(10|11)|client\s+(os|edition))\b|\b(windows\s*(10|11)|win\s*(10|11))\b.{0,20}\bkms\s+host\b.{0,80}\bserver|\b(host|run|install)\w*\s+(the\s+)?kms(\s+(host|server|role|service))?\s+on\s+(a\s+)?(windows\s*(10|11)|win\s*(10|11))\b",
    )
});
/// Pasted `slmgr /xpr` of a KMS client ("Volume activation will expire ...").
static VOLUME_EXPIRES: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\bvolume\s+activation\s+will\s+expire\b"));
/// A Windows Home edition, which has no GVLK.
static HOME_EDITION: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)\b(windows|win|w)\s*(7|8(\.1)?|10|11)\s+home\b|\bhome\s+(edition|single\s+language|n)\b|\b(windows|win|w)\s*(7|vista)\s+(ultimate|starter|home\s+premium|home\s+basic)\b",
    )
});
/// The message says it changes the subject ("unrelated:", "not an activation question:"); what
/// follows is read on its own.
static TOPIC_CHANGE: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)\b(unrelated|off[\s-]?topic|(a\s+)?(different|another|separate|other)\s+(topic|subject|question|thing)|not\s+(an?\s+)?(activation|kms|licen[cs]ing)[\s-]+(related\s+)?(question|issue|problem|thing)|nothing\s+to\s+do\s+with\s+(windows\s+)?activation|side\s+question|changing\s+(the\s+)?(topic|subject))\s*[:,.!?-]",
    )
});
/// An Office application's own activation message ("Word says 'Product Deactivated'").
static OFFICE_APP_MESSAGE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(word|excel|outlook|powerpoint|onenote|publisher|visio|project)\b.{0,60}\b(product\s+deactivated|unlicensed\s+product|product\s+activation\s+failed)\b|\b(product\s+deactivated|unlicensed\s+product)\b.{0,80}\b(word|excel|outlook|powerpoint|onenote|publisher)\b",
    )
});
/// Bills and invoices: the provider's billing, not activation.
static BILLING: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\b(bill|bills|billing|billed|invoice[sd]?|invoicing)\b"));
/// Finance work about licences ("go over the BYOL cost model for the CFO deck"): not activation.
static FINANCE_WORK: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(cost\s+(models?|comparisons?|analys[ie]s|breakdowns?|estimates?)|business\s+case|for\s+(the|our)\s+(cfo|board|finance\s+team)|tco|roi|budget\w*|(cfo|finance|financial|board)\s+(deck|presentation|slides?|report|review)|(deck|slides|spreadsheet|presentation)\b.{0,30}\b(cost|costs|price|pricing|financ\w*|savings?))\b",
    )
});
/// A MAK the user already has ("we have a MAK", "with our MAK key"): activate with it, whatever
/// the number of machines.
static MAK_IN_HAND: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(have|got|with|using|use|bought|purchased|own|received)\s+(a|an|our|the|one|this)?\s*(mak|multiple\s+activation\s+key)s?\b|\bmak\s+(key|licen[cs]e)s?\b.{0,40}\b(have|got|bought|received)\b|\b(have|got)\b.{0,20}\bmak\s+(key|licen[cs]e)s?\b|\b(have|got|own|bought|purchased)\b.{0,60}\b(and|plus)\s+(a|an|one|our|the)\s+mak\b|\b(key|licen[cs]e)\b.{0,30}\b(is|are)\s+(a\s+|an\s+)?mak\b",
    )
});
/// Activating now rather than waiting ("the command to force activation right now").
static ACTIVATE_NOW: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(force|trigger|kick\s*off|retry|redo|rerun|re-run)\w*\s+(the\s+|an?\s+|its\s+)?activation\b|\b(activat(e|es|ing)|get\s+(it\s+|this\s+)?activated)\s+(it\s+|this\s+|the\s+\w+\s+)?(right\s+now|now|immediately|at\s+once|straight\s+away|right\s+away)\b|\bactivation\b.{0,20}\b(right\s+now|immediately|at\s+once)\b",
    )
});
/// Asking about KMS or comparing, which a MAK in hand does not answer ("MAK or KMS?").
static KMS_VS_MAK: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bmak\b.{0,20}\b(or|vs\.?|versus|instead\s+of)\b.{0,20}\bkms\b|\bkms\b.{0,20}\b(or|vs\.?|versus|instead\s+of)\b.{0,20}\bmak\b|\b(switch|convert|move|change)\w*\b.{0,30}\b(to|from)\s+kms\b",
    )
});
/// Golden images, sysprep and activation ("should the golden image be activated before
/// capture?", "does sysprep /generalize reset activation?").
static IMAGE_PREP: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(sysprep\w*|generali[sz]\w*|golden\s+image|gold\s+image|master\s+image|base\s+image|reference\s+image|image\s+template|vdi\s+(master|image|pool|template)|machine\s+catalog|mcs|pvs|image\s+(pipeline|build|builds|factory)|packer|instant\s+clones?|linked\s+clones?|non[\s-]persistent|pooled\s+desktops?)\b.{0,80}\b(reset\w*|activat\w*|rearm\w*|licen[cs]\w*|gvlk|product\s+key|mak|kms)\b|\bskip\s*rearm\b|\bsysprep\w*\b.{0,40}\b((golden|gold|master|base|reference)\s+image|template)\b|\b((golden|gold|master|base|reference)\s+image|template)\b.{0,40}\bsysprep\w*\b|\b(activat\w*|licen[cs]\w*)\b.{0,60}\b(before|after|when)\s+(i\s+|we\s+)?(capture|capturing|sysprep\w*|generali[sz]\w*|imaging|cloning|sealing|seal)\b|\b(new|newly\s+(built|deployed|created)|fresh|freshly\s+(built|deployed)|deployed)\s+(vms?|instances?|machines?|servers?)\b.{0,30}\bactivat\w*\b.{0,20}\b(on\s+(its|their)\s+own|by\s+(it|them)sel(f|ves)|automatically|without\s+(anyone|manual|touching|logging|us|me))\b",
    )
});
/// What happens once activation lapses ("will the server reboot if activation runs out?").
static LAPSE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(activation|windows\s+licen[cs]e|kms)\b.{0,40}\b(runs?\s+out|ran\s+out|expires?|expired|lapses?|lapsed)\b.{0,80}\b(reboot\w*|restart\w*|shut\s*down|shuts\s+down|shutdown|turns?\s+off|stop\w*\s+(its\s+|the\s+|my\s+|our\s+)?(services?|working|running|apps?|roles?)|restrict\w*|lock\w*|still\s+(work|run)\w*|keep\s+(working|running))\b|\b(not|never|isn'?t|un)\s*activated\b.{0,60}\b(reboot\w*|shut\s*down|shuts\s+down|shutdown|turns?\s+off|stop\w*\s+(its\s+|the\s+)?(services?|working|running)|still\s+(work|run)\w*|keep\s+(working|running))\b|\bwhat\s+(happens|will\s+happen|would\s+happen)\b.{0,40}\b(is\s+|stays?\s+|remains?\s+)?(never|not|isn'?t|un)\s*activated\b|\bwhat\s+(happens|will\s+happen|would\s+happen)\b.{0,40}\b(activation|windows\s+licen[cs]e)\s+(expires|runs\s+out|lapses|ends)\b|\b(stop\w*\s+(working|running)|shut\w*\s*down|reboot\w*|turn\w*\s+off)\b.{0,40}\b(if|when|once|because)\b.{0,20}\b(not|never|isn'?t|un)\s*activated\b|\b(is\s+it|would\s+it\s+be)\s+(bad|a\s+problem|dangerous|risky)\s+(if|to)\s+((i|we)\s+)?(don'?t|do\s+not|never|not)\s+activat\w*\b|\breduced\s+functionality(\s+mode)?\b|\brfm\b|\b(risks?|consequences?|what\s+happens)\b.{0,40}\b(do\s+nothing|don'?t\s+(bother\s+to\s+)?activate|never\s+activate|ignor\w*\s+(the\s+)?activation|skip\w*\s+(the\s+)?activation|leave\s+(them|it|windows)\s+(un|not\s+)activated)\b",
    )
});
/// Sizing a KMS host ("what cpu and ram does a kms host need?").
static HOST_SIZING: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(cpus?|vcpus?|cores?|ram|memory|disk\s+space|hardware|sizing|specs?|spec\s+sheet|resources|how\s+(big|powerful|large)|dedicated)\b.{0,60}\bkms\s+(host|server)\b|\bkms\s+(host|server)\b.{0,60}\b(cpus?|vcpus?|cores?|ram|memory|disk\s+space|hardware|sizing|specs?|resources|how\s+(big|powerful|large)|dedicated)\b|\b\d+\s*(gb|vcpus?|cpus?|cores?)\b.{0,40}\b(enough|sufficient|ok|fine)\b.{0,20}\bkms\b|\bkms\b.{0,40}\b\d+\s*(gb|vcpus?|cpus?|cores?)\b.{0,20}\b(enough|sufficient|ok|fine)\b|\bkms\s+(host|server)\b.{0,20}\b(be|on|in|run\w*\s+(on|in|as))\s+(a\s+)?(vm|virtual\s+machine|virtual)\b|\b(vm|virtual\s+machine)\b.{0,20}\bas\s+(a|the|our)\s+kms\s+(host|server)\b",
    )
});
/// A missing `_vlmcs._tcp` record in pasted DNS output ("can't find _vlmcs._tcp: Non-existent
/// domain").
static SRV_MISSING: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)_vlmcs\b.{0,80}\b(non-?existent\s+domain|can'?t\s+find|cannot\s+find|nxdomain|not\s+found|no\s+(srv\s+)?records?|returns?\s+nothing)\b|\b(non-?existent\s+domain|nxdomain|can'?t\s+find|cannot\s+find)\b.{0,40}_vlmcs\b",
    )
});
/// Changes to an instance and what they do to its activation ("will resizing the VM break
/// activation?", "restored from backup, will it stay activated?").
static INSTANCE_CHANGE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(hibernat\w*|deallocat\w*|power\w*\s+(off|down)|(another|other|different|new)\s+(region|zone|datacenter|data\s+cent(er|re)|availability\s+zone|hypervisor|hardware|physical\s+host|host\s+node)|resiz\w*|renam\w*|(change|changing|changed)\s+(the\s+|its\s+|my\s+|our\s+)?(host\s*name|computer\s+name|machine\s+name)|rebuil\w*|redeploy\w*|re-deploy\w*|restor\w*|snapshots?|backups?|reboot\w*|restart\w*|stop\s+and\s+start|live\s+migrat\w*|vmotion|instance\s+(type|size)|vm\s+size|(bigger|smaller|larger|different)\s+(vm|instance|size|flavou?r|sku)|more\s+(v?cpus?|cores|ram|memory)|hardware\s+change|new\s+hardware|(move|moving|moved|migrat\w*)\s+(the\s+|a\s+|my\s+|our\s+)?(vm|vms|instance|instances|server|machine)\b)\b.{0,100}\b(activat\w*|kms)\b.{0,60}\b(again|break\w*|broken|lose|lost|gone|missing|affect\w*|mess\w*|stay\w*|keep\w*|remain\w*|survive\w*|still|happens?|deactivat\w*|need\w*|redo|repeat|invalidat\w*|reset\w*|undo\w*)\b|\b(activat\w*|kms)\b.{0,60}\b(again|break\w*|broken|lose|lost|gone|missing|affect\w*|mess\w*|stay\w*|keep\w*|remain\w*|survive\w*|still|happens?|deactivat\w*|need\w*|redo|repeat|invalidat\w*|reset\w*|undo\w*)\b.{0,60}\b(hibernat\w*|deallocat\w*|power\w*\s+(off|down)|(another|other|different|new)\s+(region|zone|datacenter|data\s+cent(er|re)|availability\s+zone|hypervisor|hardware|physical\s+host|host\s+node)|resiz\w*|renam\w*|(change|changing|changed)\s+(the\s+|its\s+|my\s+|our\s+)?(host\s*name|computer\s+name|machine\s+name)|rebuil\w*|redeploy\w*|re-deploy\w*|restor\w*|snapshots?|backups?|reboot\w*|restart\w*|stop\s+and\s+start|live\s+migrat\w*|vmotion|instance\s+(type|size)|vm\s+size|(bigger|smaller|larger|different)\s+(vm|instance|size|flavou?r|sku)|more\s+(v?cpus?|cores|ram|memory)|hardware\s+change|new\s+hardware|(move|moving|moved|migrat\w*)\s+(the\s+|a\s+|my\s+|our\s+)?(vm|vms|instance|instances|server|machine)\b)\b|\b(hibernat\w*|deallocat\w*|power\w*\s+(off|down)|(another|other|different|new)\s+(region|zone|datacenter|data\s+cent(er|re)|availability\s+zone|hypervisor|hardware|physical\s+host|host\s+node)|resiz\w*|renam\w*|(change|changing|changed)\s+(the\s+|its\s+|my\s+|our\s+)?(host\s*name|computer\s+name|machine\s+name)|rebuil\w*|redeploy\w*|re-deploy\w*|restor\w*|snapshots?|backups?|reboot\w*|restart\w*|stop\s+and\s+start|live\s+migrat\w*|vmotion|instance\s+(type|size)|vm\s+size|(bigger|smaller|larger|different)\s+(vm|instance|size|flavou?r|sku)|more\s+(v?cpus?|cores|ram|memory)|hardware\s+change|new\s+hardware|(move|moving|moved|migrat\w*)\s+(the\s+|a\s+|my\s+|our\s+)?(vm|vms|instance|instances|server|machine)\b)\b.{0,60}\b(again|break\w*|broken|lose|lost|gone|missing|affect\w*|mess\w*|stay\w*|keep\w*|remain\w*|survive\w*|still|happens?|deactivat\w*|need\w*|redo|repeat|invalidat\w*|reset\w*|undo\w*)\b.{0,40}\b(activat\w*|kms)\b|\b(lose|lost|losing|keep|break\w*)\b.{0,30}\b(activat\w*|licen[cs]e)\b.{0,60}\b(hibernat\w*|deallocat\w*|power\w*\s+(off|down)|(another|other|different|new)\s+(region|zone|datacenter|data\s+cent(er|re)|availability\s+zone|hypervisor|hardware|physical\s+host|host\s+node)|resiz\w*|renam\w*|(change|changing|changed)\s+(the\s+|its\s+|my\s+|our\s+)?(host\s*name|computer\s+name|machine\s+name)|rebuil\w*|redeploy\w*|re-deploy\w*|restor\w*|snapshots?|backups?|reboot\w*|restart\w*|stop\s+and\s+start|live\s+migrat\w*|vmotion|instance\s+(type|size)|vm\s+size|(bigger|smaller|larger|different)\s+(vm|instance|size|flavou?r|sku)|more\s+(v?cpus?|cores|ram|memory)|hardware\s+change|new\s+hardware|(move|moving|moved|migrat\w*)\s+(the\s+|a\s+|my\s+|our\s+)?(vm|vms|instance|instances|server|machine)\b)\b|\b(hibernat\w*|deallocat\w*|power\w*\s+(off|down)|(another|other|different|new)\s+(region|zone|datacenter|data\s+cent(er|re)|availability\s+zone|hypervisor|hardware|physical\s+host|host\s+node)|resiz\w*|renam\w*|(change|changing|changed)\s+(the\s+|its\s+|my\s+|our\s+)?(host\s*name|computer\s+name|machine\s+name)|rebuil\w*|redeploy\w*|re-deploy\w*|restor\w*|snapshots?|backups?|reboot\w*|restart\w*|stop\s+and\s+start|live\s+migrat\w*|vmotion|instance\s+(type|size)|vm\s+size|(bigger|smaller|larger|different)\s+(vm|instance|size|flavou?r|sku)|more\s+(v?cpus?|cores|ram|memory)|hardware\s+change|new\s+hardware|(move|moving|moved|migrat\w*)\s+(the\s+|a\s+|my\s+|our\s+)?(vm|vms|instance|instances|server|machine)\b)\b.{0,100}\b(re-?activat\w*|activate\s+(it\s+)?again)\b|\b(re-?activat\w*|activate\s+(it\s+)?again)\b.{0,60}\b(hibernat\w*|deallocat\w*|power\w*\s+(off|down)|(another|other|different|new)\s+(region|zone|datacenter|data\s+cent(er|re)|availability\s+zone|hypervisor|hardware|physical\s+host|host\s+node)|resiz\w*|renam\w*|(change|changing|changed)\s+(the\s+|its\s+|my\s+|our\s+)?(host\s*name|computer\s+name|machine\s+name)|rebuil\w*|redeploy\w*|re-deploy\w*|restor\w*|snapshots?|backups?|reboot\w*|restart\w*|stop\s+and\s+start|live\s+migrat\w*|vmotion|instance\s+(type|size)|vm\s+size|(bigger|smaller|larger|different)\s+(vm|instance|size|flavou?r|sku)|more\s+(v?cpus?|cores|ram|memory)|hardware\s+change|new\s+hardware|(move|moving|moved|migrat\w*)\s+(the\s+|a\s+|my\s+|our\s+)?(vm|vms|instance|instances|server|machine)\b)\b|\bactivat\w*\b.{0,40}\b(tied|bound|linked|locked)\s+to\b.{0,30}\bhardware\b",
    )
});
/// Containers and activation ("do windows containers need their own activation?").
static CONTAINERS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(containers?|docker|kubernetes|k8s|containeri[sz]ed)\b.{0,80}\b(activat\w*|kms|slmgr|gvlk)\b|\b(activat\w*|kms|slmgr|gvlk)\b.{0,80}\b(containers?|docker|kubernetes|k8s)\b",
    )
});
/// More than one host asked in a thread about a KMS host, without naming it ("and if I have two
/// of them?", "what if one of them is down?").
static MORE_HOSTS_ELLIPTIC: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(two|2|several|multiple|more\s+than\s+one)\s+(of\s+(them|those)|hosts)\b|\bone\s+of\s+(them|those|the\s+(two|hosts))\s+(is\s+|goes\s+|went\s+)?(down|offline|dead|fails?|failed|unreachable|unavailable)\b",
    )
});
/// More than one KMS host ("a backup kms host", "two kms hosts for redundancy").
static REDUNDANT_HOSTS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(backup|spare|standby|secondary|failover|fallback|additional|extra|redundant)\s+kms\s+(hosts?|servers?)\b|\b(two|2|multiple|several|more\s+than\s+one)\s+kms\s+(hosts?|servers?|srvs?)\b|\b(other|another|second|2nd|backup)\s+(kms\s+)?(host|server)\b.{0,30}\b(take\w*\s+over|automatic\w*|instead|answer\w*|respond\w*)\b|\bkms\s+(host|server)\s+(is\s+)?(down|die\w*|dead|fail\w*|offline|crash\w*)\b.{0,40}\b(other|another|second|2nd|backup)(\s+(kms\s+)?(hosts?|servers?|one))?\b|\bkms\s+(hosts?|servers?)\b.{0,30}\b(failover|fail\s+over|high\s+availability|ha)\b|\b(ha|high\s+availability|failover|redundancy)\s+(for|of)\s+(the\s+|our\s+)?kms\b",
    )
});
/// Server Core or another installation without a desktop.
static SERVER_CORE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(server\s+core|core\s+(edition|install\w*)|servercore|no\s+gui|without\s+(a\s+|the\s+)?(gui|desktop)|headless|no\s+desktop\s+experience)\b|^\s*(?:(?:and|on|for|with|what\s+about)\s+)?core\s*\??\s*$",
    )
});
/// The service behind KMS named by its role ("restart the kms service", "what is the KMS
/// service called?"): the Software Protection service.
static KMS_SERVICE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(restart\w*|start\w*|stop\w*|name\s+of|which|bounce)\b.{0,30}\b(kms|activation|licen[cs]ing)\s+service\b|\b(kms|activation|licen[cs]ing)\s+service\b.{0,30}\b(name|called|restart\w*|stopped|running|hung|stuck)\b",
    )
});
/// Windows KMS traffic itself ("is the kms traffic encrypted?"), not a cloud key service.
static KMS_TRAFFIC: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bkms\s+(traffic|protocol|requests?|communication|exchange|packets?)\b|\b(traffic|protocol|communication|packets?)\b.{0,30}\b(kms|1688)\b",
    )
});
/// The direction of the KMS connection ("inbound or outbound?").
static DIRECTION: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(inbound|outbound|ingress|egress)\b.{0,20}\b(or|vs\.?|and)\b.{0,20}\b(inbound|outbound|ingress|egress)\b|\bwhich\s+direction\b|\bboth\s+directions\b|\bbidirectional\b|\b(inbound|ingress)\b.{0,30}\b(on|to|at)\s+(the\s+|our\s+|my\s+|each\s+)?(clients?|instances?|vms?|client\s+machines)\b|\b(open|allow)\w*\b.{0,20}\b1688\b.{0,20}\b(on|to)\s+(the\s+|our\s+|my\s+|each\s+)?(clients?|instances?|vms?)\b|\b(clients?|instances?|vms)\b.{0,20}\b(need|needs|require|requires|have)\b.{0,15}\b(inbound|ingress)\b",
    )
});
/// Which key is installed now, or the firmware's OEM key ("what key is on this server right
/// now?", "get my product key from the bios").
static INSTALLED_KEY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(which|what)\s+(product\s+)?key\s+(is|was)\s+(installed|on|in\s+use|used|currently|there)\b|\b(see|show|find|check|read|get|retrieve|extract|recover)\w*\b.{0,30}\b(installed|current|existing|original)\s+(windows\s+)?(product\s+)?key\b|\b(product\s+)?key\b.{0,30}\b(from|in|stored\s+in)\s+(the\s+)?(bios|uefi|firmware)\b|\boa3\w*\b|\b(volume_kmsclient|volume_mak|retail|oem_dm|oem_slp|oem_cos|timebased_eval)\s+channel\b.{0,30}\b(mean|means|meaning|is|stand)\b|\bwhat\b.{0,20}\b(volume_kmsclient|volume_mak|oem_dm|oem_slp)\b",
    )
});
/// "Office" as a place ("the VPN to our office", "in the head office").
static OFFICE_PLACE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(our|the|my|your|this|that|an?|to|in|at|from|head|branch|main|home|back|local|remote)\s+office\b",
    )
});
/// Checking activation on another machine or many at once ("remotely?", "on 50 servers at
/// once?").
static REMOTE_STATUS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(remote\w*|from\s+(one|a\s+central|my|a\s+single)\s+(machine|box|server|workstation|place)|(many|multiple|several|all\s+(our|the|my)?|\d+)\s+(servers|machines|vms|instances|computers|hosts)\s+(at\s+once|in\s+one\s+go|together)|in\s+bulk|whole\s+fleet|across\s+(the\s+|our\s+)?fleet)\b",
    )
});
/// No KMS host to use ("what if I don't have a kms host?", "without KMS").
static NO_KMS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(don'?t|do\s+not|doesn'?t|does\s+not|without|no|not\s+using|haven'?t\s+got|have\s+no)\s+((have|has|use|run|got|own)\s+)?(a\s+|any\s+|an?\s+own\s+|our\s+own\s+)?kms(\s+(host|server))?\b",
    )
});
/// Thanks before a new question ("thanks! and the command to install it?").
/// A request for plain words at the end of a question ("what's a GVLK, in plain words?", "...
/// for a beginner"): how to answer, not what is asked.
static PLAIN_WORDS_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)[\s,;:-]*\b(in\s+(plain|simple|layman'?s?|easy|short|everyday|normal)\s+(words|terms|english|language)|in\s+(one|a\s+single)\s+(line|sentence)|for\s+(a\s+|an\s+)?(beginners?|newbies?|novices?|non-?techies?|non-?technical\s+\w+|dummies|layman|layperson)|like\s+i'?m\s+(five|5)|eli5)\s*(please|pls)?\s*(?P<mark>[?.!]*)\s*$",
    )
});
/// "I not understand CSVLK, what it is?", "i don't understand what a GVLK is": a term the
/// user asks to have explained.
static NOT_UNDERSTOOD_TERM: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)^\s*(sorry,?\s+)?i\s+(do\s+not|don'?t|dont|not|did\s+not|didn'?t|can'?t|cannot)\s+understand\s+(what\s+)?(an?\s+|the\s+)?(?P<term>[a-z0-9][a-z0-9 /-]{1,30}?)(\s+(is|means?|does|stands\s+for))?\s*[,.;:!?-]*\s*(what\s+(it|that|this)\s+(is|means?)|what\s+(is|means?)\s+(it|that|this))?\s*[?.!]*\s*$",
    )
});
/// A short message ending in a please ("the N one pls").
static POLITE_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    rx(r"(?i)^(.*?\S)[\s,]+(?:please|pls|plz|thx|thanks|thank\s+you|ty)\s*[.!]*\s*$")
});
/// "(can you) show me how to ...": asking how to do it.
static SHOW_ME_HOW: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)^\s*((can|could|would)\s+you\s+|pls\s+|please\s+)?(show|tell|explain\s+to)\s+(me|us)\s+how\s+(to|do\s+i|do\s+we|i|we)\s+",
    )
});
static THANKS_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)^\s*(thanks?(\s+(a\s+lot|so\s+much|again))?|thank\s+you(\s+(so\s+much|again))?|thx|ty|cheers|great|perfect|awesome|nice|cool|ok(ay)?|got\s+it)\s*[!.,:;-]+\s+",
    )
});
/// A bare number answering a thread about the thresholds ("we have 4", "about 30").
static BARE_COUNT: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)^\s*(?:(?:we|i)\s+(?:have|got|run)|we'?ve\s+got|about|around|only|just|roughly)?\s*(\d{1,5})\s*(?:of\s+them|in\s+total|total)?\s*[.?!]*\s*$",
    )
});
/// Machines outside an Active Directory domain ("workgroup", "Entra-joined", "after leaving
/// the domain").
static NO_DOMAIN: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(entra(\s+id)?(\s+only)?|azure\s+ad|aad|workgroups?|not\s+(domain[\s-]joined|joined\s+to\s+(a|the|any)\s+domain|in\s+(a|the|any)\s+domain)|non[\s-]domain|without\s+(a\s+|an\s+)?(domain|ad|active\s+directory)|(leav\w*|left|remov\w*\s+from|unjoin\w*\s+from)\s+the\s+domain|domain\s+is\s+gone|no\s+(ad|domain|active\s+directory)|cloud[\s-]only|off\s+the\s+domain|(different|another|other|separate)\s+(ad\s+)?(domains?|forests?)|(need|needs|must|has\s+to|have\s+to)\s+(to\s+)?(be\s+)?(domain[\s-]joined|joined\s+to\s+(a|the)\s+domain|(a\s+)?member\s+of\s+(a|the)\s+domain))\b",
    )
});
/// The KMS host's own activation and internet access ("does the KMS host reactivate every
/// 180 days with Microsoft?", "the kms host lost internet").
static HOST_OWN_ACTIVATION: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bkms\s+(host|server)\b.{0,40}\b(itself|its\s+own|own)\b.{0,40}\b(activat\w*|valid|expir\w*|renew\w*)\b|\bkms\s+(host|server)\b.{0,60}\b(internet|microsoft)\b.{0,60}\b(again|every|renew\w*|reactivat\w*|periodic\w*|permanent\w*|forever|still|all\s+the\s+time|always|constantly|continuous\w*)\b|\b(does|do|will|would|must|whether)\s+(the\s+|our\s+|a\s+|my\s+)?kms\s+(host|server)\s+(really\s+|still\s+|always\s+)?(need|needs|require\w*)\b.{0,20}\b(internet|outbound)\b|\bkms\s+(host|server)\b.{0,30}\b(lost|loses|lose|losing|has\s+no|without|no\s+longer\s+has|cut\s+off\s+from)\s+(the\s+)?(internet|outbound)\b|\bkms\s+(host|server)\b.{0,40}\b(reactivat\w*|re-activat\w*)\b.{0,40}\b(microsoft|every|180)\b",
    )
});
/// The host's count lower than the machines there are ("count 4 but we have 10 servers").
static COUNT_SHORT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bcounts?\b.{0,30}\b\d+\b.{0,30}\b(but|although|though|yet|while|even\s+though)\b.{0,30}\b(we\s+have|there\s+are|we'?ve\s+got|we\s+run|i\s+have)\s+\d+|\bcount\b.{0,40}\b(insufficient|too\s+low|not\s+enough)\b.{0,30}\b(when|but|although|though|yet|while)\s+(we|i)\s+(have|run|'ve\s+got|got)\s+(\d+|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty)\b",
    )
});
/// Whether one KMS host keeps up with many clients ("will our single KMS host keep up?").
static HOST_LOAD: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bhow\s+(much|many)\s+(clients?|machines?|vms?|computers?|pcs?)\b.{0,20}\bkms\s+(host|server)\b.{0,20}\b(handle|serve|support|activate|manage)\b|\bkms\s+(host|server)\b.{0,30}\b(keep\s+up|cope|handle\s+(the\s+)?(load|that|it|them|all|many|\d+)|serve\s+(\d+|all|many)|support\s+(\d+|all|many)|scale|overload\w*|bottleneck)\b|\b(keep\s+up|cope|scale|overload\w*|bottleneck)\b.{0,30}\bkms\s+(host|server)\b|\b(use\s+up|exhaust\w*|run\s+out\s+of|deplet\w*)\b.{0,30}\bkms\s+(host|server)\b|\b(need|needs|require\w*|should\s+(we|i)\s+(have|run|deploy|build))\s+(a\s+|one\s+|an?\s+separate\s+|separate\s+)?kms\s+(hosts?|servers?)\s+(per|for\s+each|in\s+each|in\s+every|for\s+every)\s+(vnet|vpc|subnet|network|region|site|datacent\w*|data\s+cent\w*|zone)\b",
    )
});
/// Where the agreement's keys are kept ("VLSC or the admin center for the host key?", "we lost
/// our KMS host key").
static HOST_KEY_SOURCE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(vlsc|volume\s+licensing\s+service\s+cent\w+|admin\s+cent\w+)\b.{0,60}\b(host\s+key|csvlk|mak|keys?)\b|\b(host\s+key|csvlk)\b.{0,60}\b(vlsc|volume\s+licensing\s+service\s+cent\w+|admin\s+cent\w+)\b|\b(lost|misplaced|can'?t\s+find|cannot\s+find)\b.{0,30}\b(kms\s+)?(host\s+key|csvlk|mak|maks)\b|\b(where|which\s+(portal|site|website))\b.{0,40}\bvolume\s+licen[cs]\w*\s+keys?\b|\bwhere\s+(is\s+|are\s+|to\s+get\s+|do\s+i\s+find\s+)?(the\s+|our\s+|my\s+|a\s+)?(mak|maks|mak\s+keys?|csvlk|kms\s+host\s+key)\s*\??$|\b(where|how)\b.{0,30}\b(get|buy|obtain|find|download|purchase)\b.{0,20}\b(a\s+|an\s+|the\s+|our\s+|my\s+)?(mak|mak\s+key|multiple\s+activation\s+key|kms\s+host\s+key|csvlk)\b|\b(host\s+key|csvlk|mak)\b.{0,80}\b(which|what)\s+(portal|site|website)\b",
    )
});
/// Asking for the firewall rule to a KMS host ("add a firewall rule for their KMS at ...").
static FIREWALL_RULE_ASK: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(add|open|create|request|need|needs|set\s+up|allow|what|which)\w*\b.{0,30}\b(firewall|security\s+group|acl)\s+(rules?|entry|exception|opening)\b|\b(firewall|security\s+group|acl)\s+(rules?|entry|exception|opening)\b.{0,30}\b(for|to|towards)\b.{0,20}\bkms\b",
    )
});
/// Paying for the instance, said as why it should come activated ("why is it not activated
/// already? I pay for the VM").
static PAID_FOR_INSTANCE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(not|never|isn'?t|wasn'?t)\s+(already\s+|pre-?)?activated\b.{0,60}\b(i|we)\s+(pay|paid|am\s+paying|are\s+paying)\b|\b(i|we)\s+(pay|paid|am\s+paying|are\s+paying)\b.{0,60}\b(not|never|isn'?t|wasn'?t)\s+(already\s+|pre-?)?activated\b|\bactivated\s+already\b.{0,60}\b(i|we)\s+(pay|paid)\b",
    )
});
/// The KMS host's address asked for ("kindly let us know the KMS server IP").
static ASK_KMS_ADDRESS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(let\s+(us|me)\s+know|share|give|provide|send|tell\s+(us|me))\b.{0,20}\bthe\s+kms\s+(server|host)('?s)?\s+(ip|address|name|host\s*name|fqdn)\b",
    )
});
/// The provider's own KMS ("can your KMS activate our Windows Server 2022?"), or a Windows key
/// the provider would hand out ("can we just give them a windows server key?").
static YOUR_KMS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(your|ur|the\s+provider'?s|the\s+cloud'?s|a\s+provider)\s+(own\s+)?kms(\s+(host|server|service))?\b|\b(you|you\s+guys|u\s+guys|you\s+folks|y'?all|your\s+(company|cloud|platform|side|team|firm))\s+(has|have|got|run|runs|offer|offers|provide|provides|host|hosts|operate|operates)\s+(a\s+|an\s+|any\s+|the\s+)?(own\s+)?kms\b|\b(the\s+provider|ibm|you\s+guys|the\s+cloud)\s+(to\s+)?(run|host|offer|provide|operate)\w*\s+(a\s+|the\s+)?kms\b|\b(you|u|we|the\s+provider|the\s+cloud|cloud|support|ibm)\s+((can|could|will|would|should|do|does)(\s+not|n'?t)?\s+)?(just\s+)?(not\s+)?(give|provide|supply|send|issue|include)\w*\b.{0,30}\b(windows|server)\b.{0,20}\b(keys?|licen[cs]es?)\b",
    )
});
/// Paying the provider ("do I have to pay you for activation?").
static PAY_PROVIDER: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(pay|paying|charge|charges|bill|bills)\s+(you|u|you\s+guys|the\s+provider|the\s+cloud)\b|\b(do|will|would)\s+(you|u)\s+(charge|bill)\b",
    )
});
/// The client side, asked after the host ("and then on the clients?").
/// "What edition is this?", "which edition is EnterpriseS?".
static WHAT_EDITION: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(what|which)\b.{0,20}\bedition\b|\bwhat\s+(is|does)\s+\w+\s+(mean|stand\s+for)\b|\bedition\s+is\s+(it|this|that)\b",
    )
});
/// "Clients?", "and the clients?": the clients alone, as a follow-up.
static BARE_CLIENTS: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)^\s*(and\s+|what\s+about\s+|how\s+about\s+|then\s+)?(the\s+|my\s+|our\s+)?(clients?|client\s+(vms?|machines?|side)|kms\s+clients?)\s*(then|now)?\s*[?.!]*\s*$",
    )
});
static CLIENT_SIDE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(on|for|at)\s+(the\s+|each\s+|every\s+|all\s+(the\s+)?)?(clients?|client\s+(side|machines?|vms?)|instances?|vms?)\b|\bclient\s+side\b",
    )
});
/// Whether what was just set up works ("how do I check it works?").
static CHECK_IT_WORKS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(check|verify|test|confirm|see|know)\w*\b.{0,20}\b(it|that|this|everything)\s+(works?|is\s+working|is\s+running|is\s+up|is\s+ok|worked)\b",
    )
});
/// The KMS host's side of the network path ("and on the host side?", "the KMS host's firewall").
static HOST_SIDE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bhost\s+side\b|\bon\s+the\s+(kms\s+)?host\s*(itself)?\s*[?.!]*$|\bkms\s+(host|server)'?s?\s+(own\s+)?(windows\s+)?firewall\b|\b(windows\s+)?firewall\b.{0,30}\bon\s+the\s+kms\s+(host|server)\b|\bfirewall\s+(of|on|in)\s+(the\s+|my\s+|our\s+)?kms\s+(host|server)\b|\bnew-netfirewallrule\b|\b1688\b.{0,40}\bwindows\s+(defender\s+)?firewall\b|\bwindows\s+(defender\s+)?firewall\b.{0,40}\b1688\b",
    )
});
/// Activation against the licence itself ("is activation the same as having a licence?", "why
/// does Windows need activation at all?").
static ACTIVATION_VS_LICENCE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bactivat(ion|ed)\b.{0,30}\b(vs\.?|versus|same(\s+thing)?\s+as|difference|different\s+from)\b.{0,30}\b(licen[cs]\w*)\b|\b(activat\w*|kms|gvlks?)\b.{0,30}\b(mean|means|make|makes|prove|proves)\s+(we'?r?e?|we\s+are|i'?m|i\s+am|it'?s|it\s+is|that\s+we\s+are|us)?\s*(properly\s+|fully\s+|legally\s+)?(licen[cs]ed|compliant)\b|\bdifference\s+between\s+(activation|activating)\s+and\s+licen[cs]\w*|\blicen[cs]\w*\b.{0,30}\b(vs\.?|versus|same\s+as|different\s+from)\b.{0,30}\bactivat(ion|ed)\b|\bdifference\s+between\s+licen[cs]\w*\s+and\s+activation\b|\bwhy\b.{0,30}\b(need|needs|require\w*)\s+(to\s+be\s+)?(activation|activated)\b.{0,20}\b(at\s+all|anyway|in\s+the\s+first\s+place)\b|\bwhy\s+(do|does|must|should)\s+(windows|i|we)\s+(even\s+)?(need\s+to\s+)?activat\w*\s+(at\s+all|anyway|in\s+the\s+first\s+place)\b",
    )
});
/// Asking the bot itself to file a ticket or run something ("can you open a ticket for me?").
static ASK_THE_BOT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\s*(can|could|would|will)\s+(you|u)\s+(please\s+)?(open|file|raise|create|log|run|execute|do)\s+(a\s+|the\s+|that\s+|this\s+|it\s+)?(ticket|request|case|command|commands|it|that|this)?\s*(for\s+(me|us))?\s*(on\s+(my|our)\s+(server|instance|vm|machine|box))?\s*(please|pls)?\s*[?.!]*\s*$",
    )
});
/// A request to go ahead with what the thread is about ("open it then", "please enable that",
/// "go ahead", "file it").
static OPEN_IT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(open|enable|request|file|raise|submit|allow)\s+(it|that|this|one|the\s+(access|ticket|request))\b|\bgo\s+ahead\b|\bdo\s+(it|that)\s+(then|please|pls|for)\b",
    )
});
/// Who makes a network change ("who opens that for us?", "who do I contact so our VMs can
/// reach the KMS host?"): provider support, through a ticket.
static WHO_OPENS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bwho\b.{0,20}\b(opens?|open\s+up|adds?|allows?|unblocks?|changes?|configures?|sets?\s+up|handles?|(is|are)\s+(doing|responsible)|does\s+(it|this|that)|takes?\s+care|(do|should|can|must)\s+(i|we)\s+(contact|ask|call|talk\s+to|email|ping|reach\s+out\s+to))\b",
    )
});
/// Asking how to see whether the KMS port is open or reachable ("how i can see the port is
/// open", "how do I verify the VM reaches the host").
static TEST_ASKED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(see|check|verify|know|test|confirm|find\s+out|tell)\b.{0,40}\b(open|opened|reachable|reach(es)?|blocked|listening|connects?|connection)\b",
    )
});
/// The test of the path to the KMS host reported passing ("it shows True now", "test
/// succeeded", "port is open now").
static PATH_OPEN_NOW: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(true|succeeded|succeeds|successful|open\s+now|opened\s+now|works\s+now|reachable\s+now|connects\s+now|it\s+connects)\b",
    )
});
/// A message that ends asking for the next step ("ok done that, now what?").
static ASKS_NEXT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\b(now\s+what|what\s+now|what\s+next|then\s+what|next\s+steps?)\s*[?!.]*\s*$")
});
/// The firewall rule or port reported done ("support added the rule", "the port is open now").
static RULE_IN_PLACE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(rule|port|firewall|1688)\b.{0,20}\b(is\s+|was\s+|has\s+been\s+|got\s+)?(added|opened|open\s+now|in\s+place|created|fixed)\b|\b(added|opened|created)\s+(the\s+|a\s+)?(firewall\s+)?(rule|port)\b",
    )
});
/// Activation refused in so many words ("web-03 won't activate", "can't activate it", "kms
/// broke on app-02").
static WONT_ACTIVATE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(won'?t|wont|doesn'?t|does\s+not|can'?t|cannot|will\s+not|isn'?t|is\s+not)\s+(activate|activating|get\s+activated)\b|\bnot\s+activating\b|\b(broke|stopped\s+working|gone\s+wrong|went\s+wrong|acting\s+up)\b",
    )
});
/// Testing something named back in a thread, or the connection ("how do I test that from the
/// VM?", "connectivity check?").
static TEST_THAT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(test|ping|probe)\b.{0,20}\b(that|it|this|connection|connectivity|port|reach\w*)\b|\b(connectivity|connection)\s+(test|check)\b",
    )
});
/// A choice to make ("which one should we use, mak or kms?"), not a fact to look up.
static CHOOSING: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(should|must|shall|better|best|recommend\w*|pick|choose|go\s+(with|for)|prefer\w*|suggest\w*|advise)\b|\bwhich\s+(one\s+)?(do\s+)?(i|we)\s+(use|need)\b",
    )
});
/// Whether one KMS host activates client editions and servers alike ("can kms activate windows
/// 11 and server 2025 both?", "will our kms do servers and desktops?").
static BOTH_KINDS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bkms\b.{0,30}\b(activate|handle|serve|do|cover|support)\b.{0,30}\b(windows\s*1[01]|win\s*1[01]|desktops?|clients?|workstations?)\b.{0,30}\b(and|&)\b.{0,20}\b(windows\s+)?servers?\b|\bkms\b.{0,30}\b(activate|handle|serve|do|cover|support)\b.{0,30}\bservers?\b.{0,30}\b(and|&)\b.{0,20}\b(windows\s*1[01]|win\s*1[01]|desktops?|clients?|workstations?)\b",
    )
});
/// A time source named ("set ntp to pool.ntp.org", "time server 10.0.0.1", "sync the clock from
/// our dc").
static TIME_SOURCE_NAMED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\b(ntp|sntp|time\s*servers?|time\s+source|peerlist|w32tm|w32time|clock)\b")
});
/// Whether Windows stops once a period is over ("after 180 days windows stop working?", "and
/// after that it stop working?" after the validity).
static STOPS_AFTER: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(after|when|past|beyond|once|then)\b.{0,40}\b(stops?|stopped|shuts?\s*down|reboots?|dies|breaks?|locks?|quits?)\b.{0,20}(working|running|\?|$)",
    )
});
/// A firewall rule ordered in a few words ("allow outbound 1688 to onprem kms", "pls open 1688
/// to our kms"): a request for the cloud firewall.
static RULE_ORDERED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\s*(please\s+|pls\s+|plz\s+|kindly\s+|can\s+you\s+|could\s+you\s+|need\s+to\s+|we\s+need\s+to\s+|i\s+need\s+to\s+)?(allow|open|permit|unblock|whitelist)\b",
    )
});
/// What goes into the firewall request ("what do I write in the ticket?", "what should the
/// request say?").
static REQUEST_CONTENT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(what|which\s+\w+|how)\b.{0,30}\b(write|put|say|include|mention|fill|give|tell\s+them|specify)\b.{0,30}\b(request|ticket|form)\b|\b(request|ticket)\b.{0,20}\b(should|must|need\s+to)\s+(say|contain|include|have)\b|\bwhat\b.{0,30}\b(request|ticket)\b.{0,10}\b(say|contain|include|look\s+like)\b",
    )
});
/// Asking whether the bot itself activates ("can you activate windows for me?", "can the bot
/// run the activation?"): what the bot's activation jobs do.
static BOT_ACTIVATES: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(can|could|would|will|do|does)\s+(you|u|the\s+bot|kmsbot|this\s+bot|the\s+chat\s*bot)\s+(please\s+)?(activate|re-?activate|run\s+(the\s+)?activation|do\s+(the\s+)?activation)\b",
    )
});
/// One key on many machines ("can I use the same GVLK on many servers?").
static SAME_KEY_MANY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bsame\s+(gvlk|kms\s+client\s+(setup\s+)?key|client\s+setup\s+key|setup\s+key)s?\b.{0,40}\b(many|all|several|multiple|every|each|other|\d+)\b|\bsame\s+(kms\s+)?key\s+(for|on|in)\s+(all|many|several|multiple|every|each|\d+)\b|\bsame\s+(generic|volume|client|kms)\s+key\b.{0,40}\b(many|all|several|multiple|every|each|other|\d+)\b|\b(one|a\s+single)\s+(gvlk|kms\s+client\s+(setup\s+)?key)\b.{0,30}\b(many|all|several|multiple|every|\d+)\b",
    )
});
/// Whether a version can still be activated ("can 2012 R2 still be activated?").
static STILL_ACTIVATABLE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(can|could|will|does|do|is|are)\b.{0,50}\bstill\s+(be\s+)?(activat\w*|supported|work\w*)|\bstill\s+(possible|able)\s+to\s+activat\w*|\bactivat\w*\b.{0,50}\bstill\s+(possible|supported|allowed|working|works|an\s+option)\b",
    )
});
/// An old KMS host still in DNS ("clients keep finding the old kms host via dns", "remove a
/// stale _vlmcs record").
static STALE_SRV: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(old|stale|previous|decommissioned|former|dead)\s+(kms\s+)?(host|server|records?|entry)\b.{0,40}\b(dns|srv|_vlmcs)|\b(dns|srv|_vlmcs)\b.{0,40}\b(old|stale|previous|decommissioned|former|dead)\s+(kms\s+)?(host|server)\b|\b(remove|delete|clean\w*\s+up|get\s+rid\s+of)\b.{0,30}\b(stale\s+|old\s+)?(_vlmcs\S*|srv)\s+(records?|entry|entries)\b|\b(remove|delete)\b.{0,30}\b(stale|old)\s+_vlmcs|\b(dns|srv|_vlmcs)\b.{0,80}\b(is\s+gone|are\s+gone|was\s+decommissioned|was\s+retired|no\s+longer\s+exists?|does\s*n[o']t\s+exist\s+any\s*more|was\s+removed|was\s+shut\s+down)\b",
    )
});
/// Whether machines must reach the KMS host all the time ("stay connected forever", "a
/// permanent connection").
static ALWAYS_CONNECTED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(stay|remain|keep|be|need|have\s+to|must)\b.{0,40}\b(connect\w*|reachable|in\s+touch|talking|online|open)\b.{0,40}\b(forever|permanent\w*|constant\w*|continuous\w*|all\s+the\s+time|at\s+all\s+times|24/7|always)\b|\b(permanent|constant|continuous|always-on)\s+(connection|connectivity|access|link)\b",
    )
});
/// An NTP server named by address ("our ntp is 10.0.0.123, how do I point windows at it?").
static NTP_NAMED: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\b(ntp|time\s+(server|source)|ntp\s+server)\s+(is|at|=|:)"));
/// A Windows version year in a section title.
static SECTION_YEAR: LazyLock<Regex> = LazyLock::new(|| rx(r"\b20\d\d\b"));
/// Other ports or protocols next to 1688 ("does the kms host need RPC or SMB open?").
static OTHER_KMS_PORTS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(other|besides|apart\s+from|additional|more|extra)\s+(than\s+)?(ports?|1688)\b|\b(ports?)\s+(besides|other\s+than|apart\s+from|except)\b|\b(rpc|smb|135|445|dynamic\s+ports?|ephemeral\s+ports?|endpoint\s+mapper)\b",
    )
});
/// An overview asked for ("what do I need to know about windows activation in the cloud?").
static OVERVIEW: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bwhat\s+(do|should|must)\s+(i|we)\s+(need\s+to\s+)?know\s+about\b.{0,30}\bactivation\b|\b(overview|big\s+picture|summary)\s+of\s+(windows\s+)?activation\b",
    )
});
/// A Home edition named only to rule it out ("not the home edition, the pro one").
static NEGATED_HOME: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\b(not|non|no|isn'?t|except|other\s+than)[\s-]+(the\s+|a\s+)?home\b")
});
/// Who gets the KMS host key: only the host, or every client too?
static HOST_KEY_WHERE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(kms\s+)?host\s+key\b.*\b(every|each|all\s+(the\s+)?(vms?|clients?|machines?|instances?|servers?)|only\s+(on\s+)?the\s+host|clients?\s+too)\b|\b(every|each|all)\s+(vms?|clients?|machines?|instances?)\b.*\b(kms\s+)?host\s+key\b",
    )
});
/// How to show which channel (KMS, MAK, retail) activated an instance.
static CHANNEL_PROOF: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(know|tell|check|see|find\s+out|which)\b.{0,40}\b(kms|mak|retail|oem|volume|gvlk)(,\s*(kms|mak|retail|oem|volume|gvlk))*,?\s+or\s+(a\s+)?(kms|mak|retail|oem|volume|gvlk)\b|\b(prove|proof|evidence|audit\w*|show|tell|verify|confirm|know)\b.*\b(activated|licensed)\s+(through|via|by|with|using)\s+(kms|volume)\b.*\b(not|or|vs|versus|rather\s+than)\b.*\b(retail|mak|oem)\b|\b(which|what)\s+(licen[cs]e\s+)?channel\b",
    )
});
/// A key refused for being of another channel ("This product key cannot be used to install a
/// retail edition", "a GVLK on retail media is refused").
static RETAIL_MISMATCH: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bcan(not|'?t)\s+be\s+used\s+to\s+install\s+an?\s+(retail|volume)\b|\bretail\b.{0,60}\b(refus\w*|reject\w*|won'?t\s+(take|accept)|does\s*n'?o?t\s+(take|accept)|not\s+accept\w*|invalid|not\s+valid)\b|\b(refus\w*|reject\w*|won'?t\s+(take|accept))\b.{0,60}\bretail\b|\bretail\s+(key|media|edition|channel|iso|install\w*)\b.{0,60}\b(fail\w*|err\w*|(does\s*n'?o?t|won'?t|not)\s+work\w*)\b|\b(volume|vl)\s+(key|media|iso)\b.{0,60}\bretail\b.{0,60}\b(fail\w*|error|(does\s*n'?o?t|won'?t|not)\s+work\w*)\b",
    )
});
/// A MAK or retail key used with KMS ("can a retail key be used with KMS?").
static NON_GVLK_WITH_KMS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(retail|mak|oem)(\s+(key|licen[cs]e)s?)?\s+((also\s+)?work\w*\s+|be\s+used\s+|used\s+|activate\w*\s+)?(with|against|through|via|on)\s+(a\s+|the\s+|our\s+|my\s+)?kms\b|\bkms\s+(host|server)?\s*(activate|accept|take)s?\b.{0,20}\b(retail|mak|oem)\s+keys?\b|\b(retail|mak|oem)\s+(key|licen[cs]e)s?\b.{0,60}\bkms(\s+host|\s+server)?\s+(use|take|accept|activate)\w*\b",
    )
});
/// Every licence on the machine ("licence info for all installed products").
static ALL_LICENCES: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(all|every)\s+(the\s+)?(installed\s+)?(products?|licen[cs]es|skus|add-?ons)\b",
    )
});
/// Changing the edition in place ("dism set edition 2019 std to dc").
static EDITION_CHANGE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bget[\s-]?(current|target)[\s-]?editions?\b|\bdism\b[^.?!]*\beditions?\b|\beditions?\b[^.?!]*\b(changed?|switch(ed)?|convert(ed)?|upgraded?|moved?)\s+to\b|\bset[\s-]?edition\b|\b(standard|std)\s+(edition\s+)?(in)?to\s+(datacenter|datacentre|dc)\b|\b(change|convert|upgrade|switch|move)\w*\s+(the\s+)?edition\b",
    )
});
/// Typing in a key the user has ("where do I type the key?", "product key on a sticker, how
/// do I enter it?").
static OWN_KEY_ENTRY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(where|how)\b.{0,25}\b(type|enter|put|insert|input)\w*\s+(in\s+)?(the|my|our|this|a|that)\s+(own\s+)?(product\s+|retail\s+|windows\s+|licen[cs]e\s+)?key\b|\b(product|retail|licen[cs]e)\s+key\b.{0,40}\b(sticker|card|e-?mail|box|invoice|reseller)\b.{0,60}\b(enter|type|put|insert|use|install)\w*\b",
    )
});
/// Retiring a KMS host ("decommission the old KMS host", "stop being a KMS host").
static HOST_RETIRE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(uninstall\w*|remov\w*|decommission\w*|retir\w*|demot\w*)\s+(the\s+|our\s+|an?\s+|old\s+|that\s+)*kms\s+(host|server|role|service)\b|\bstop\w*\b.{0,30}\bbeing\s+(a|the)\s+kms\s+(host|server)\b|\bkms\s+(host|server|role)\b.{0,20}\b(decommission\w*|retire\w*|uninstall\w*)\b",
    )
});
/// What a host key activates ("we have a 2019 csvlk, can it activate server 2022?").
static HOST_KEY_GROUP: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(csvlk|host\s+key)s?\b.{0,40}\b(activat\w*|serve\w*|cover\w*|work\w*\s+for)\b.{0,30}\b(20(08|12|16|19|22|25)|windows\s*(7|8|10|11)|win\s*1[01]|newer|older|clients?)\b|\bhost\s+key\s+groups?\b|\bwhich\s+(kms\s+)?host\s+key\b.{0,40}\b(activat\w*|need)\b",
    )
});
/// No rearms left ("rearm count is 0", "Remaining Windows rearm count: 0").
static REARM_GONE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\brearm\s+count\s*:?\s*(is\s+|of\s+|at\s+)?(0|zero|none)\b|\b(no|0|zero)\s+(more\s+)?rearms?\b|\brearms?\b.{0,30}\b(used\s+up|exhausted|run\s+out|ran\s+out|none\s+left|no\s+more)\b",
    )
});
/// One KMS host or several for servers and client editions.
static SEPARATE_HOSTS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(separate|second|another|different|two|extra)\s+(kms\s+)?(host|server)s?\b.{0,60}\b(desktops?|windows\s*1[01]|win\s*1[01]|workstations?)\b|\b(one|a\s+single|same)\s+kms\s+(host|server)\b.{0,30}\bfor\s+(both\s+)?(servers?|clients?)\s+and\s+(servers?|clients?|desktops?|windows\s*1[01])\b|\bone\s+(kms\s+)?(host|server)\s+for\s+(the\s+)?servers?\s+and\s+another\b",
    )
});
static EVALUATION: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(eval|evaluation|trial\s+(edition|version|iso|image|of\s+windows)|windows\s+(server\s+)?(\d{4}\s+)?trial|server(standard|datacenter)eval(cor)?)\b|\btarget\s+edition\s*:\s*serverstandard\b",
    )
});
/// Active Directory-based activation.
static ADBA: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(adba|ad[\s-]based|active\s+directory([\s-]based)?\s+activation|activation\s+objects?)\b",
    )
});
/// Money words that are not always a price to quote ("is KMS free?").
static COST_WORDS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bfree([?.!,]|$)|\bfree\s+([a-tv-z0-9]|u[a-oq-z]|up\w)|\b(pay|paid|money|charge|charged|fee|fees|cost|costs)\b",
    )
});
/// Is using the published keys allowed.
static KEY_LEGAL: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(legal|legit|legitimate|compliance|compliant|allowed\s+to\s+use|piracy|pirated|licen[cs]e\s+violation|sensitive|secret|confidential|public\s+(git|repo|repository)|share\s+(them|it|the\s+keys?))\b",
    )
});
/// KMS or its client keys named.
static KMS_OR_GVLK: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(kms|gvlks?|kms\s+client\s+(setup\s+)?keys?|setup\s+keys?|(the\s+)?keys\s+you\s+(list|show|give)|these\s+keys)\b",
    )
});
/// How often or after how long a client renews its activation.
static RENEWAL_INTERVAL: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(how\s+(much\s+time|long|often)|interval|frequen\w*|between|every|period)\b.*\brenew\w*|\brenew\w*\b.*\b(how\s+often|interval|frequen\w*|every|period|how\s+much\s+time)\b",
    )
});
/// The clock itself: its sync, skew or time zone.
static CLOCK_WORDS: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(clocks?|sync\w*|ntp|w32tm|skew\w*|drift\w*|time\s*zones?|utc|hours?\s+apart|out\s+of\s+sync)\b",
    )
});
/// Changing the port a KMS host listens on.
static HOST_PORT_CHANGE: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\bport\s+(change|chang\w*|move|moved|switch\w*)\b.{0,30}\b(kms|host|server)\b|\b(change|set|move|use|configure|switch)\w*\b.*\bport\b.*\b(host|server)\b.*\blisten|\b(host|server)\b.*\blisten\w*\s+on\s+(a\s+)?(different|another|other|non-?default)\s+port|\bsprt\b|\bkms\s+host\b.*\b(change|set|move)\w*\b.*\bport\b|\bkms\s+(host|server)('?s)?\s+(listening\s+)?port\s+(change|chang\w*|set|move|moved|to)\b|\b(change|set|move|configure|switch)\w*\b.*\blistening\s+port\b|\b(change|chg|chng|set|move|configure|switch)\w*\b.*\blisten(er|ing)?\b.*\b\d{2,5}\b|\b(host|server)\b.*\b(should|must|to|make|let)\s+(it\s+)?listen\w*\s+on\b|\b(change|set|move|configure|switch)\w*\s+(the\s+)?kms\s+port\s+on\s+(the\s+)?(kms\s+)?(host|server)\b|\b(change|move|customi[sz]e)\w*\s+(the\s+)?(default\s+)?kms\s+port\b|\b(move|switch|change|go)\w*\b.{0,30}\b(off|away\s+from|from)\s+(port\s+)?1688\b",
    )
});
/// The grace period before activation.
static GRACE_QUESTION: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\bgrace\b|before\s+(it|windows|they|the\s+\w+)\s+(has|have|needs?|must)\s+to\s+be\s+activated|without\s+(being\s+)?activat\w*\s+for|how\s+long\s+(can|will)\s+(it|windows|a\s+\w+|the\s+\w+)\s+run|(work|run|used?)\s+without\s+(being\s+)?activat|\b(use|using|run|running)\b.{0,40}\bwithout\s+(being\s+)?activat|\bis\s+activation\s+(even\s+|really\s+)?(needed|required|necessary)\b|\b(need|have)\s+to\s+activate\b.{0,30}\bat\s+all\b|before\s+(it\s+)?(must|needs?\s+to)\s+be\s+activated|\b(ignore|never\s+activate|don'?t\s+activate|do\s+not\s+activate|skip\s+(the\s+)?activation)\b.{0,60}\b(happens?|consequences?|problem|matter|okay|ok)\b|\bwhat\s+happens\b.{0,40}\b(ignore|never\s+activate|don'?t\s+activate|not\s+activated|stay\w*\s+unactivated|unactivated)\b",
    )
});
/// Running slmgr itself: console output, another machine.
static SLMGR_USAGE: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\bcscript\b|pop-?\s?ups?\b|dialog|message\s+box|\bopens?\s+(up\s+)?(a\s+|another\s+|a\s+new\s+)?window\b|\b(prints?|outputs?|shows?)\s+nothing\b|\b(not|n'?t|dont|doesnt)\s+(show|print|output|display)\w*\s+anything\b|\bno\s+output\b|script\s+host|in\s+the\s+console|(another|remote)\s+(machine|computer|server|host|pc|vm|instance|box)|\bother\s+(machine|computer|server|host|pc|vm|instance|box)\b|remotely|against\s+a\s+remote|\badmin\w*\s+(prompt|rights|privileges|cmd|shell)|\belevat\w*|run\s+as\s+admin\w*|\bas\s+(an\s+)?admin\w*|\bbinary\b|where\s+is\s+(it|slmgr)|\bslmgr\.vbs\b|save\s+(the\s+|that\s+)?output|to\s+a\s+file|\bredirect\w*|out-file|\bserver\s+core\b|\bcore\s+(install\w*|edition)\b|\bno\s+(gui|desktop)\b|\bwithout\s+(a\s+|the\s+)?(gui|desktop)\b|\bheadless\b|\b(output|result)\b.{0,30}\b(into\s+a\s+variable|in\s+a\s+variable|capture\w*|pars\w*)\b|\b(capture|parse)\w*\b.{0,30}\b(output|result)\b|\bstdout\b|\b(run|use|execute)\w*\s+slmgr\b.{0,20}\b(in|from|with|on)\s+powershell\b|\bslmgr\b.{0,20}\bin\s+powershell\b",
    )
});
/// Whether slmgr needs an administrator ("i not admin, can run slmgr?", "slmgr need admin
/// rights?", "can a normal user run it").
static ADMIN_ASK: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(not|no|non|without)[\s-]+(an?\s+)?admin\w*\b|\b(need|needs|require\w*)\s+(an?\s+)?admin\w*\b|\b(normal|standard|regular|limited|simple|non-?privileged)\s+users?\b",
    )
});
/// Asking for the command alone ("what's the command?", "which command?", "command pls").
static BARE_COMMAND: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\W*((so|ok(ay)?|and)\s+)?(what'?s|what\s+is|which\s+is|which|give\s+me|and)?\s*(the\s+)?(exact\s+|actual\s+)?commands?\s*(then|please|pls|for\s+(it|that|this))?\s*[?.!]*\s*$",
    )
});
/// An expiry date that moves ("why does that date keep moving forward?", "the expiration date
/// changes every week"): the renewal.
static EXPIRY_MOVES: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(date|expir\w*)\b.{0,30}\b(mov\w*|chang\w*|shift\w*|jump\w*|reset\w*|later|forward)\b",
    )
});
/// Putting a key in ("how do I put it in?", "where do I enter that?").
static INSTALL_IT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(install|enter|put|type|apply|add|paste|insert|use|set)\b.{0,12}\b(it|that|this|them|the\s+key)\b",
    )
});
/// "What next" after a step the user already did.
static NEXT_STEP: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(next|already|after\s+that|then\s+what|what\s+now|now\s+what|what\s+else|done\s+that|that'?s\s+it|is\s+that\s+all|and\s+done)\b",
    )
});
/// An explicit comparison ("KMS vs MAK", "pros and cons", "which is better").
static COMPARING: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)(\bvs\.?\b|\bversus\b|pros\s+and\s+cons|difference|\bcompare|\bbetter\b|\bor\b.*\bwhich\b|which\s+(one|should))",
    )
});
static KEY_WORDS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\b(gvlk|gvlks|keys?|product\s*key|setup\s*key|ipk|serial|license\s+key)\b")
});
static OFFICE_PRODUCT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bospp(\.vbs)?\b|license\s+name\s*:\s*office|---(licensed|notifications|oob_grace)---|(ms|microsoft|activate|activating|activation\s+of)\s+office|office\s*(365|20\d\d|suite|pro\s*plus|professional|ltsc|product|license|licence|key|apps|activation)|\boffice\s+(says|shows|said|showed|keeps|reports|complains|wants|asks)\b|\b(project|visio)\s+(professional|standard|pro|plan|20\d\d)\b",
    )
});
static ANCHOR: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)(activat|\bkms\b|\bcmid\b|client\s+machine\s+id|gvlk|\bmak\b|\bvlks?\b|slmgr|slui|1688|byol|spur|licen[cs]|w32tm|w32time|peerlist|csvlk|genuine|vlmcs|sppsvc|software\s+protection|grace\s+period|threshold|rearm|product\s*keys?|\bskms\b|\bckms\b|/ato\b|/ipk\b|/dli\b|/dlv\b|/xpr\b|installation\s+id|confirmation\s+id)",
    )
});

/// Compiles this module's patterns (`crate::warm_up`): those a first answer needs, in the
/// reverse of the order it needs them, then the others.
pub(crate) fn warm_up() {
    let patterns: &[&dyn crate::text::WarmUp] = &[
        &OPEN_IT,
        &GENERAL_RELEASE,
        &FIREWALL_WORDS,
        &ACTIVATE_EDITION,
        &BARE_HOW,
        &TWO_FOR_TO,
        &PASSED_ON,
        &LIKE_KMS,
        &OTHER_WINDOWS_TOPIC,
        &ORDINAL_ONE,
        &NEW_TOPIC,
        &WHICH_EDITION_THAT,
        &WHOSE_SIDE,
        &HOW_ARE_YOU,
        &KMS_DNS_TEXT_ALONE,
        &SRV_FIELD,
        &KMS_VS_RDS,
        &PHONE_NAMED,
        &HOST_STEPS,
        &WHICH_KEY,
        &WHO_OPENS,
        &RULE_ORDERED,
        &TEST_ASKED,
        &PATH_OPEN_NOW,
        &WONT_ACTIVATE,
        &WHAT_YOU_NEED,
        &TEST_THAT,
        &CHOOSING,
        &BOTH_KINDS,
        &TIME_SOURCE_NAMED,
        &STOPS_AFTER,
        &REQUEST_CONTENT,
        &TOPIC_CHANGE,
        &OFFICE_APP_MESSAGE,
        &BILLING,
        &FINANCE_WORK,
        &MAK_IN_HAND,
        &KMS_VS_MAK,
        &ACTIVATE_NOW,
        &INSTANCE_CHANGE,
        &CONTAINERS,
        &CREATE_HOST,
        &REDUNDANT_HOSTS,
        &MORE_HOSTS_ELLIPTIC,
        &SERVER_CORE,
        &KMS_SERVICE,
        &KMS_TRAFFIC,
        &DIRECTION,
        &INSTALLED_KEY,
        &OFFICE_PLACE,
        &REMOTE_STATUS,
        &NO_KMS,
        &THANKS_PREFIX,
        &POLITE_TAIL,
        &SHOW_ME_HOW,
        &PLAIN_WORDS_TAIL,
        &BARE_COUNT,
        &NO_DOMAIN,
        &HOST_OWN_ACTIVATION,
        &COUNT_SHORT,
        &HOST_LOAD,
        &HOST_KEY_SOURCE,
        &RETAIL_MISMATCH,
        &NON_GVLK_WITH_KMS,
        &REARM_GONE,
        &ALL_LICENCES,
        &EDITION_CHANGE,
        &OWN_KEY_ENTRY,
        &HOST_RETIRE,
        &HOST_KEY_GROUP,
        &SEPARATE_HOSTS,
        &FIREWALL_RULE_ASK,
        &YOUR_KMS,
        &ASK_KMS_ADDRESS,
        &PAID_FOR_INSTANCE,
        &CLIENT_SIDE,
        &CHECK_IT_WORKS,
        &HOST_SIDE,
        &ACTIVATION_VS_LICENCE,
        &ASK_THE_BOT,
        &STALE_SRV,
        &NTP_NAMED,
        &SECTION_YEAR,
        &OTHER_KMS_PORTS,
        &OVERVIEW,
        &IMAGE_PREP,
        &LAPSE,
        &HOST_SIZING,
        &SRV_MISSING,
        &NEGATED_HOME,
        &COUNTING,
        &SPECIFIC_TERMS,
        &WINDOWS_FEATURE,
        &VENDOR_LICENCE,
        &FREE_WORKING_KEY,
        &FREE_KEY_ASK,
        &WANTS_KMS,
        &DEFINITION,
        &PRE_VISTA,
        &KMS_SECURITY,
        &ADD_MORE,
        &SYMPTOM,
        &BARE_ACTIVATE,
        &REQUEST_RECORDS,
        &TIME_AS_OCCASION,
        &TWO_QUESTIONS,
        &SAME_HOUR,
        &CLOCK_HOUR,
        &KEY_SECRECY,
        &CLIENT_KEY_WORDS,
        &OPEN_WHAT,
        &SUPPORT_TICKET,
        &TEST_PATH,
        &SPECIFIC_OPTION,
        &NAMED_DOMAIN,
        &CAPABILITY_ASK,
        &LANGUAGE_ASK,
        &REPLACEMENT_KEY,
        &HOST_KEY_WORDS,
        &COMPARING,
        &DIAGNOSE_START,
        &CLOCK_OFF,
        &CLIENT_ORDER,
        &CONVERT_TO_MAK,
        &CONVERT_TO_KMS,
        &PHONE_WAY,
        &NEXT_STEP,
        &STATUS_MEANING,
        &POWERSHELL_SET_HOST,
        &OUTPUT_FIELD,
        &MEANING_WORDS,
        &RULE_IN_PLACE,
        &ASKS_NEXT,
        &EXPIRATION_DAYS,
        &INSTALL_IT,
        &EXPIRY_MOVES,
        &BARE_COMMAND,
        &ERROR_CODE_RX,
        &SLMGR_USAGE,
        &HOST_PORT_CHANGE,
        &NOT_UNDERSTOOD_TERM,
        &WHERE_TO_GET_IT,
        &CHECK_IT,
        &NOT_YET_ACTIVATED,
        &ACTIVATED_ANYTHING_ELSE,
        &BARE_CLIENTS,
        &WHAT_EDITION,
        &RENEWAL_INTERVAL,
        &CLOCK_WORDS,
        &DNS_PUBLISHING,
        &INTERVAL_CHANGE,
        &UNDO,
        &ADBA,
        &EVALUATION,
        &CHANNEL_PROOF,
        &HOST_KEY_WHERE,
        &HOME_EDITION,
        &HOW_MANY_MACHINES,
        &PLATFORM_SUPPORT,
        &ACTIVATION_EVIDENCE,
        &WHERE_TO_GET,
        &INSTANCE_OPS,
        &OUR_HOST,
        &OTHER_PORT,
        &RUN_WHAT,
        &STEPS_WITH_TIME,
        &CAUSE_AND_FIX,
        &OUTAGE,
        &SETTINGS_APP,
        &CLIENT_OS_HOST,
        &VOLUME_EXPIRES,
        &POWERSHELL_STATUS,
        &EVENT_LOG,
        &CLONED,
        &HOST_RISK,
        &MAK_LIMIT,
        &KMS_REGISTRY,
        &HOST_UPDATE,
        &REBOOT,
        &CAPACITY_QUESTION,
        &GVLK_OTHER_WAY,
        &NOTIFICATION_CAUSE,
        &PARTIAL_KEY,
        &REMOVE_KEY,
        &WHICH_EDITION,
        &GRACE_QUESTION,
        &PORT_ONLY,
        &DEFAULT_PORT_ASKED,
        &CHANGE_PORT,
        &AUTO_RETRY,
        &CLOCK_OFFSET,
        &TIME_ZONE,
        &OLD_HOST_NEW_CLIENT,
        &COUNT_CAP,
        &PING,
        &HOST_COUNT_CHECK,
        &MAK_EXPIRY,
        &SRV_QUERY,
        &HOST_KEY_COUNT,
        &HOSTS_FOR_FLEET,
        &SLMGR_LIST,
        &KEY_LEGAL,
        &COST_WORDS,
        &EDITION_FEATURES,
        &KEY_WORDS,
        &GREETING_START,
        &PIRACY,
        &PERSONAL_DEVICE,
        &PAY_PROVIDER,
        &DURATION_ASKED,
        &DEVICE_COMPARED,
        &ACCOUNT_ACTIVATION,
        &NOT_WINDOWS_KMS,
        &CORE_LICENSING,
        &LICENSING_BENEFIT,
        &POLITICS_OR_LAW,
        &CREATIVE_OR_INJECTION,
        &WINDOWS_TERMS,
        &ANCHOR,
        &OFFICE_PRODUCT,
        &HOST_PLACEHOLDER,
        &KEY_PLACEHOLDER,
        &FOLLOW_UP,
        &POINTS_BACK,
        &BARE_WHY,
        &GVLK_AS_HOST_KEY,
        &ALWAYS_CONNECTED,
        &EXISTING_KMS_NAMED,
        &FIREWALL_TICKET,
        &VIABLE,
        &VM_COUNT_QUESTION,
        &FAILING,
        &ASKS_PURPOSE,
        &KMS_NEEDS_INTERNET,
        &AUTO_ELSEWHERE,
        &INSTEAD_OF_KMS,
        &ONLINE_PATH,
        &COUNT_WINDOW,
        &LEAVE_NOTIFICATION,
        &PRESENCE,
        &ACK_START,
        &DONE_START,
        &THANKS_ANYWHERE,
        &WINDOWS_ACTIVATION,
        &HOST_NOT_CLIENT,
        &METHOD_WORDS,
        &CLIENT_WORDS,
        &METHOD_NAMED,
        &DEV_TOOLS,
        &BUILD_HOST,
        &ACTIVATION_CONTEXT,
        &SCRIPTED,
        &MIN_COUNT,
        &WHICH_HOST,
        &DNS_PUBLISH_CHANGE,
        &WHOLE_PROCEDURE,
        &WILL_IT_WORK,
        &KMS_OR_GVLK,
        &NUMBER_WITH_UNIT,
        &SPP_SERVICE,
        &KEY_IN_CHAT,
        &WRONG_KEY,
        &BOT_ACTIVATES,
        &STILL_ACTIVATABLE,
        &SAME_KEY_MANY,
        &EXPIRES_SOON,
        &OTHER_CLOUD,
        &BOTH_THRESHOLDS,
        &FAILED_REQUESTS,
        &FEWER,
        &FIX_IT,
        &STILL_FAILS,
        &NO_ANSWER,
        &ADMIN_ASK,
        &NOT_PUBLISHING,
        &VERIFY_IT,
        &RDS_LICENSING,
        &WINDOWS_UPDATE,
        &WHAT_IS,
        &RESTORE_TIME,
        &SET_HOST_AND_TIME,
        &TIME_OF_DAY,
        &AFTERWARDS,
        &INTERNET_FOR_INSTANCES,
        &WINDOWS_KEY,
        &OTHER_KEY,
        &HOST_MOVE,
        &HOST_CHECK,
        &HOST_AWAY,
        &AWAY_LONGER,
        &COUNT_NOT_RISING,
        &MAK_ON_KMS,
        &CONSEQUENCE,
        &GVLK_PUBLIC,
        &WHY_NUMBER,
        &OTHER_OUTAGE,
        &ACTIVATION_WORDS,
        &REBUILD_HOST,
        &REARM_TIME,
    ];
    for pattern in patterns {
        pattern.warm_up();
    }
    newcomer::warm_up();
    request_thread::warm_up();
    port_told::warm_up();
    beliefs::warm_up();
    codes_and_options::warm_up();
    scope::warm_up();
    asked_plainly::warm_up();
}

/// The host and port to put in commands: the user's own, else the configured ones.
struct Target {
    host: Option<String>,
    port: u16,
}

fn target(slots: &Slots, ctx: Option<&Context>, settings: &AnswerSettings) -> Target {
    // A configured host written with its port ("kms.example:1688") is a host and a port.
    let (configured, configured_port) = match settings.kms_host.as_deref() {
        Some(h) => match h.rsplit_once(':') {
            Some((name, p)) if !name.contains(':') && p.parse::<u16>().is_ok_and(|p| p > 0) => {
                (Some(name.to_string()), p.parse::<u16>().ok())
            }
            _ => (Some(h.to_string()), None),
        },
        None => (None, None),
    };
    let host = slots
        .host
        .clone()
        .or_else(|| ctx.and_then(|c| c.host.clone()))
        .or(configured);
    let port = slots
        .port
        .or_else(|| ctx.and_then(|c| c.port))
        .or(settings.kms_port)
        .or(configured_port)
        .unwrap_or(1688);
    Target { host, port }
}

/// Puts the user's host, port and key into commands.
fn personalize(text: &str, t: &Target, key: Option<&str>) -> String {
    let mut out = text.to_string();
    if let Some(h) = &t.host {
        out = HOST_PLACEHOLDER.replace_all(&out, h.as_str()).into_owned();
        if t.port != 1688 {
            out = out.replace(&format!("{h}:1688"), &format!("{h}:{}", t.port));
        }
    }
    if t.port != 1688 {
        out = out.replace(":1688", &format!(":{}", t.port));
        out = out.replace("-Port 1688", &format!("-Port {}", t.port));
    }
    if let Some(k) = key {
        out = KEY_PLACEHOLDER.replace_all(&out, k).into_owned();
    }
    bracket_ipv6(out, t)
}

/// "What's the syntax for an IPv6 KMS host?" without an address: the same advice as for a
/// named IPv6 address, once the answer gives `/skms`.
fn ipv6_unnamed_note(a: &mut Answer, lower: &str, t: &Target) {
    if !lower.contains("ipv6")
        || t.host.as_ref().is_some_and(|h| h.contains(':'))
        || !a.text.contains("/skms")
        || a.text.contains("IPv6")
    {
        return;
    }
    let note = "\n\nAn IPv6 address does not work in `slmgr /skms` (its colons read as the port separator): give an IPv6-only KMS host by its DNS host name, `slmgr /skms <KMS_host_name>:<port>`.";
    match a.text.rfind("\n\n_Source:") {
        Some(pos) => a.text.insert_str(pos, note),
        None => a.text.push_str(note),
    }
}

/// slmgr.vbs cannot parse an IPv6 address in `/skms` (its colons read as the port separator):
/// Microsoft says to give an IPv6-only KMS host by its host name, `<hostname>:<port>`.
fn bracket_ipv6(text: String, t: &Target) -> String {
    match &t.host {
        Some(h) if h.contains(':') => {
            let out = text.replace(&format!("/skms {h}:"), "/skms <KMS_host_name>:");
            if out == text {
                return out;
            }
            let note = format!(
                "\n\n`slmgr /skms` cannot parse an IPv6 address such as `{h}` (its colons read as the port separator): give the KMS host by its DNS host name instead, `slmgr /skms <KMS_host_name>:<port>`."
            );
            let mut out = out;
            match out.rfind("\n\n_Source:") {
                Some(pos) => out.insert_str(pos, &note),
                None => out.push_str(&note),
            }
            out
        }
        _ => text,
    }
}

fn host_or_placeholder(t: &Target) -> String {
    t.host.clone().unwrap_or_else(|| "<KMS_host>".to_string())
}

/// An article section by article id and heading (case-insensitive prefix).
fn section<'a>(
    kb: &'a KnowledgeBase,
    article: &str,
    heading: &str,
) -> Option<(&'a str, &'a str, &'a str)> {
    let a = kb.articles.iter().find(|a| a.id == article)?;
    let h = heading.to_lowercase();
    let s = a
        .sections
        .iter()
        .find(|s| s.heading.to_lowercase().starts_with(&h))
        .or_else(|| a.sections.iter().find(|s| !s.heading.is_empty()))?;
    Some((a.title(), s.heading.as_str(), s.body.as_str()))
}

/// Answers with one article section, personalised.
fn article_answer(
    kb: &KnowledgeBase,
    article: &str,
    heading: &str,
    t: &Target,
    ctx: Context,
    offer: Option<RequestOffer>,
    confidence: f32,
) -> Option<Answer> {
    let (title, head, body) = section(kb, article, heading)?;
    let text = personalize(&render_links(body), t, None);
    Some(finish(
        text,
        Source {
            title: title.to_string(),
            section: head.to_string(),
        },
        confidence,
        ctx,
        offer,
    ))
}

/// Resolves each edition query to GVLK rows, dropping excluded variants ("not LTSC").
fn resolve_editions<'a>(kb: &'a KnowledgeBase, slots: &Slots) -> Vec<EditionMatch<'a>> {
    slots
        .editions
        .iter()
        .map(|q| {
            let m = editions::lookup(&kb.tables.gvlks, q);
            if slots.excluded.is_empty() {
                return m;
            }
            let keep = |g: &&Gvlk| {
                let name = format!("{} {}", g.family, g.edition).to_lowercase();
                !slots.excluded.iter().any(|x| match x.as_str() {
                    // "Pro Education, not plain Pro": only the edition that is exactly the
                    // excluded word goes.
                    w if q.attrs.contains(w) => {
                        let attrs = editions::attributes(&g.edition.to_lowercase());
                        attrs.len() == 1 && attrs.contains(w)
                    }
                    "n" => g.edition.ends_with(" N") || g.edition.contains(" N "),
                    "ltsc" | "ltsb" => name.contains("ltsc") || name.contains("ltsb"),
                    other => name.contains(other),
                })
            };
            match m {
                EditionMatch::Exact(g) if keep(&g) => EditionMatch::Exact(g),
                EditionMatch::Exact(_) => EditionMatch::Unknown,
                EditionMatch::Ambiguous(list) => {
                    let mut kept: Vec<&Gvlk> = list.into_iter().filter(keep).collect();
                    if kept.is_empty() {
                        // The query itself named only excluded rows: look again without them.
                        let widened = EditionQuery {
                            families: q.families.clone(),
                            attrs: q.attrs.clone(),
                        };
                        kept = kb
                            .tables
                            .gvlks
                            .iter()
                            .filter(|g| {
                                widened.families.is_empty() || widened.families.contains(&g.family)
                            })
                            .filter(keep)
                            .collect();
                    }
                    // Fewest extra attributes win, as in `editions::lookup`.
                    let extra = |g: &Gvlk| {
                        editions::attributes(&g.edition.to_lowercase())
                            .len()
                            .saturating_sub(q.attrs.len())
                    };
                    let best = kept.iter().map(|g| extra(g)).min().unwrap_or(0);
                    let winners: Vec<&Gvlk> =
                        kept.iter().copied().filter(|g| extra(g) == best).collect();
                    match winners.as_slice() {
                        [one] => EditionMatch::Exact(one),
                        [] => EditionMatch::Unknown,
                        _ => EditionMatch::Ambiguous(winners),
                    }
                }
                EditionMatch::Unknown => EditionMatch::Unknown,
            }
        })
        .collect()
}

/// Lifecycle note for editions Microsoft no longer supports, and the Azure Edition caveat
/// (from data/lifecycle.toml and data/gvlk.toml, each with its Microsoft source).
fn lifecycle_note(g: &Gvlk) -> Option<String> {
    let n = g.notice();
    (!n.is_empty()).then_some(n)
}

fn gvlk_source(kb: &KnowledgeBase, family: &str) -> Source {
    Source {
        title: format!("{GVLK_TABLE} ({})", kb.tables.gvlk_source),
        section: family.to_string(),
    }
}

/// Which Windows a build number is ("what is build 17763?"), asked with a question word.
fn build_release_answer(
    kb: &KnowledgeBase,
    lower: &str,
    t: &Target,
    ctx: Option<&Context>,
) -> Option<Answer> {
    let asks = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| matches!(w, "what" | "which" | "whats" | "identify"));
    if !asks {
        return None;
    }
    let (build, mut names) = editions::build_releases(lower)?;
    // "...what version of Windows Server": the server release of that build.
    let server = lower.contains("server");
    let client = [
        "windows 10",
        "windows 11",
        "win 10",
        "win 11",
        "client",
        "desktop",
        "laptop",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if server != client {
        let kept: Vec<&'static str> = names
            .iter()
            .copied()
            .filter(|n| n.starts_with("Windows Server") == server)
            .collect();
        if !kept.is_empty() {
            names = kept;
        }
    }
    let listed: Vec<String> = names.iter().map(|n| format!("**{n}**")).collect();
    let mut text = format!("Build {build} is {}.", listed.join(" or "));
    if names.len() > 1 {
        text.push_str(" `winver` shows which one a machine runs.");
    }
    let rows: Vec<&Gvlk> = match names.as_slice() {
        [one] => kb
            .tables
            .gvlks
            .iter()
            .filter(|g| g.family == *one)
            .collect(),
        _ => Vec::new(),
    };
    if rows.is_empty() {
        text.push_str(" `DISM /online /Get-CurrentEdition` shows the edition; ask me \"key for <edition>\" for its KMS client setup key (GVLK).");
    } else {
        text.push_str(" Its KMS client setup keys (GVLKs):\n\n| Edition | Key |\n|---|---|\n");
        for g in &rows {
            text.push_str(&format!("| {} | `{}` |\n", g.display_name(), g.key));
        }
        text.push_str(&format!("\nInstall the one of your edition (`DISM /online /Get-CurrentEdition` shows it) and activate against your KMS host:\n\n```\nslmgr /ipk <key_from_the_table>\nslmgr /skms {}:{}\nslmgr /ato\n```", host_or_placeholder(t), t.port));
    }
    let mut c = ctx.cloned().unwrap_or_default();
    c.intent = Some(Intent::KeyLookup);
    if let [one] = names.as_slice() {
        if !rows.is_empty() {
            c.family = Some((*one).to_string());
        }
    }
    // The releases come from the builds table and its documents; listed keys from the GVLK table.
    let cited = crate::facts::builds()
        .iter()
        .find(|r| r.build == build)
        .map(|r| kb.tables.cite(&r.source))
        .unwrap_or_default();
    let source = Source {
        title: format!("Windows build numbers ({cited})"),
        section: format!("build {build}"),
    };
    let mut answer = finish(text, source, 0.85, c, None);
    if !rows.is_empty() {
        answer.sources.push(gvlk_source(kb, "builds"));
    }
    Some(answer)
}

/// Windows 10/11 Pro changed to Enterprise or Education ("upgrade Pro to Enterprise with our
/// KMS", "switch Pro to Education"): installing the target edition's GVLK changes the edition
/// in place, then it activates against the KMS host.
fn client_edition_upgrade(
    kb: &KnowledgeBase,
    q: &str,
    slots: &Slots,
    t: &Target,
    ctx: Option<&Context>,
) -> Option<Answer> {
    static PRO_TO: LazyLock<Regex> = LazyLock::new(|| {
        rx(
            r"(?i)\b(?:pro|professional)(\s+n)?\s+(?:edition\s+)?(?:in)?to\s+(?:the\s+)?(enterprise|ent|education|edu)(\s+n)?\b",
        )
    });
    // "Windows 10 Pro. Can I turn them into Education?", "switch my Pro VM to Enterprise".
    static PRO_THEN_TO: LazyLock<Regex> = LazyLock::new(|| {
        rx(
            r"(?i)\b(?:pro|professional)(\s+n)?\b[^?]{0,60}?\b(?:turn|switch|chang|convert|upgrad|mov|mak)\w*\b[^?]{0,30}?\b(?:in)?to\s+(?:the\s+)?(enterprise|ent|education|edu)(\s+n)?\b",
        )
    });
    static PRO_THING_TO: LazyLock<Regex> = LazyLock::new(|| {
        rx(
            r"(?i)\b(?:pro|professional)(\s+n)?\s+(?:vms?|pcs?|machines?|instances?|desktops?|laptops?|clients?|boxes|box|computers?)\s+(?:in)?to\s+(?:the\s+)?(enterprise|ent|education|edu)(\s+n)?\b",
        )
    });
    let caps = PRO_TO
        .captures(q)
        .or_else(|| PRO_THING_TO.captures(q))
        .or_else(|| PRO_THEN_TO.captures(q))?;
    let source = if caps.get(1).is_some() {
        "Pro N"
    } else {
        "Pro"
    };
    let target = caps.get(2)?.as_str().to_lowercase();
    let n = caps.get(3).is_some();
    let target = match (target.starts_with("ent"), n) {
        (true, false) => "Enterprise",
        (true, true) => "Enterprise N",
        (false, false) => "Education",
        (false, true) => "Education N",
    };
    let family = slots
        .editions
        .iter()
        .flat_map(|e| e.families.iter())
        .find(|f| f.as_str() == "Windows 10" || f.as_str() == "Windows 11")
        .cloned()
        .or_else(|| {
            ctx.and_then(|c| c.family.clone())
                .filter(|f| f == "Windows 10" || f == "Windows 11")
        });
    // Windows 10 and 11 share these keys: an unnamed version is either.
    let (family, named) = match family {
        Some(f) => (f, true),
        None => ("Windows 11".to_string(), false),
    };
    let EditionMatch::Exact(g) = kb.gvlk(&format!("{family} {target}")) else {
        return None;
    };
    let family = if named {
        family
    } else {
        "Windows 10 or 11".to_string()
    };
    let text = format!(
        "**{family} {source}** changes to **{target}** in place, without a reinstall: install {target}'s KMS client setup key (GVLK) and activate against your KMS host, from an elevated command prompt:\n\n```\nslmgr /ipk {key}\nslmgr /skms {host}:{port}\nslmgr /ato\n```\n\nThe edition changes when the key is installed (restart if Windows asks); `DISM /online /Get-CurrentEdition` shows the result. Your organisation needs volume licences for {target}.",
        key = g.key,
        host = host_or_placeholder(t),
        port = t.port,
    );
    let mut c = ctx.cloned().unwrap_or_default();
    c.intent = Some(Intent::ClientProcedure);
    c.family = Some(g.family.clone());
    c.edition = Some(g.edition.clone());
    Some(finish(
        text,
        Source {
            title: format!("{GVLK_TABLE} ({})", kb.tables.gvlk_source),
            section: g.family.clone(),
        },
        0.9,
        c,
        None,
    ))
}

/// "Datacenter instead?" in a thread about converting an evaluation edition: the conversion to
/// that edition.
fn evaluation_thread(ctx: Option<&Context>, slots: &Slots, words: usize) -> bool {
    ctx.and_then(|c| c.topic.as_ref())
        .is_some_and(|t| t.section == "Evaluation editions")
        && words <= 6
        && slots.nothing_pasted()
        && slots
            .editions
            .iter()
            .any(|e| e.attrs.contains("standard") || e.attrs.contains("datacenter"))
}

/// "Is there one for Home?", "and Home?" in a thread about a Windows client's keys.
fn home_in_key_thread(ctx: Option<&Context>, lower: &str, words: usize) -> bool {
    let client_keys = ctx.is_some_and(|c| {
        c.intent == Some(Intent::KeyLookup)
            && c.family.as_deref().is_some_and(|f| {
                ["Windows 1", "Windows 8", "Windows 7"]
                    .iter()
                    .any(|p| f.starts_with(p))
            })
    });
    client_keys
        && words <= 6
        && lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == "home")
        && ![
            "at home",
            "from home",
            "home office",
            "home network",
            "home user",
            "home lab",
            "homelab",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

/// A bought key asked for ("Server 2022 retail key please", "can you give me a MAK"):
/// `Some("mak")` or `Some("retail")`; `None` when the message only mentions one ("I have a
/// retail key").
fn asks_bought_key(lower: &str) -> Option<&'static str> {
    static BOUGHT: LazyLock<Regex> = LazyLock::new(|| {
        rx(
            r"(?i)\b(retail|oem|mak|full|paid|purchased)\s+(product\s+|licen[cs]e\s+)?(key|serial)s?\b|\b(a|an|one)\s+(mak|retail|oem)\b",
        )
    });
    let kind = BOUGHT.captures(lower)?;
    let word = kind.get(1).or_else(|| kind.get(5))?.as_str().to_lowercase();
    let asks = [
        "please",
        "pls",
        "plz",
        "give me",
        "send me",
        "can i get",
        "can i have",
        "give us",
        "need a",
        "need an",
        "want a",
        "want an",
        "share a",
        "share one",
    ]
    .iter()
    .any(|w| lower.contains(w));
    let has_one = [
        "i have",
        "i bought",
        "we have",
        "we bought",
        "my own",
        "our own",
        "installed",
        "sticker",
        "instead",
        " vs",
        "versus",
        "differen",
        "or gvlk",
        "or kms",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if !asks || has_one {
        return None;
    }
    Some(if word == "mak" { "mak" } else { "retail" })
}

/// Essentials of a Windows Server version whose Essentials has no GVLK (2022, 2025): the plain
/// "no" for it, and `slots` without it so the other editions named still get their keys.
fn essentials_without_key(
    kb: &KnowledgeBase,
    slots: &mut Slots,
    t: &Target,
    ctx: Option<&Context>,
) -> Option<Answer> {
    let keyless = |q: &EditionQuery| {
        q.attrs.contains("essentials")
            && !q.families.is_empty()
            && q.families
                .iter()
                .all(|f| f.starts_with("Windows Server 20"))
            && matches!(editions::lookup(&kb.tables.gvlks, q), EditionMatch::Unknown)
    };
    let names: Vec<String> = slots
        .editions
        .iter()
        .filter(|q| keyless(q))
        .flat_map(|q| q.families.iter().map(|f| format!("{f} Essentials")))
        .collect();
    if names.is_empty() {
        return None;
    }
    slots.editions.retain(|q| !keyless(q));
    let mut a = fact_answer(kb, "essentials-no-gvlk", t, Intent::KeyLookup, ctx)?;
    a.text = a
        .text
        .replace("<Essentials_edition>", &names.join("** or **"));
    Some(a)
}

/// The GVLK answer for one or several editions, with commands for the user's host.
fn keys_answer(
    kb: &KnowledgeBase,
    slots: &Slots,
    t: &Target,
    ctx: Option<&Context>,
    comparing: bool,
) -> Option<Answer> {
    let matches = resolve_editions(kb, slots);
    let exact = exact_editions(&matches);
    let ambiguous: Vec<&Vec<&Gvlk>> = matches
        .iter()
        .filter_map(|m| match m {
            EditionMatch::Ambiguous(l) => Some(l),
            _ => None,
        })
        .collect();
    match (exact.as_slice(), ambiguous.as_slice()) {
        ([], []) => None,
        ([one], []) => {
            let mut a = key_answer(kb, one, ctx);
            a.text = personalize_key_answer(&a.text, t, one);
            if let Some(c) = a.context.as_mut() {
                c.intent = Some(Intent::KeyLookup);
            }
            Some(a)
        }
        ([], [list]) => {
            let mut a = candidates_answer(kb, list, ctx);
            a.text = personalize(&a.text, t, None);
            a.text = a.text.replace("<KMS_host_ip>", &host_or_placeholder(t));
            if let Some(c) = a.context.as_mut() {
                c.intent = Some(Intent::KeyLookup);
            }
            Some(a)
        }
        // Several editions with one key ("is the Windows 11 Pro key different from Windows 10
        // Pro's?"): the same key, said so.
        (several, []) if several.iter().all(|g| g.key == several[0].key) => {
            let names: Vec<String> = several
                .iter()
                .map(|g| format!("**{}**", g.display_name()))
                .collect();
            let mut a = key_answer(kb, several[0], ctx);
            a.text = personalize_key_answer(&a.text, t, several[0]);
            a.text = a.text.replacen(
                &format!(
                    "The KMS client setup key (GVLK) for **{}** is",
                    several[0].display_name()
                ),
                &format!(
                    "{} use the same KMS client setup key (GVLK):",
                    names.join(" and ")
                ),
                1,
            );
            if let Some(c) = a.context.as_mut() {
                c.intent = Some(Intent::KeyLookup);
            }
            Some(a)
        }
        _ => {
            // "Is the key the same for Standard and Datacenter?": the answer, then a few rows
            // of each (the newest versions) rather than every version.
            let per_list = if comparing { 4 } else { 12 };
            let shown: Vec<&str> = exact
                .iter()
                .map(|g| g.key.as_str())
                .chain(
                    ambiguous
                        .iter()
                        .flat_map(|l| l.iter().take(per_list).map(|g| g.key.as_str())),
                )
                .collect();
            let all_differ = shown
                .iter()
                .enumerate()
                .all(|(i, k)| !shown[..i].contains(k));
            let mut text = if comparing && all_differ {
                String::from("**No, they differ**: every edition has a key of its own. ")
            } else {
                String::new()
            };
            text.push_str("KMS client setup keys (GVLKs) for the editions you named:\n\n| Edition | Key |\n|---|---|\n");
            // An edition named twice ("2022 and 2022 Datacenter") has one row.
            let mut listed: Vec<String> = Vec::new();
            for g in exact.iter().copied().chain(
                ambiguous
                    .iter()
                    .flat_map(|l| l.iter().take(per_list).copied()),
            ) {
                let row = format!("| {} | `{}` |\n", g.display_name(), g.key);
                if !listed.contains(&row) {
                    text.push_str(&row);
                    listed.push(row);
                }
            }
            let notes: Vec<String> = exact.iter().filter_map(|g| lifecycle_note(g)).collect();
            for n in notes {
                text.push_str(&format!("\n_{n}_\n"));
            }
            text.push_str(&format!(
                "\nOn each instance, in an elevated command prompt, install its edition's key and activate:\n\n```\nslmgr /ipk <key_from_the_table>\nslmgr /skms {}:{}\nslmgr /ato\n```",
                host_or_placeholder(t),
                t.port
            ));
            let mut c = ctx.cloned().unwrap_or_default();
            c.intent = Some(Intent::KeyLookup);
            if let Some(g) = exact.last() {
                c.family = Some(g.family.clone());
                c.edition = Some(g.edition.clone());
            }
            c.editions = exact.iter().map(|g| g.edition.clone()).collect();
            Some(finish(
                text,
                gvlk_source(kb, "several editions"),
                0.95,
                c,
                None,
            ))
        }
    }
}

fn personalize_key_answer(text: &str, t: &Target, g: &Gvlk) -> String {
    let mut out = text.replace(
        "slmgr /skms <KMS_host_ip>:1688",
        &format!("slmgr /skms {}:{}", host_or_placeholder(t), t.port),
    );
    if let Some(note) = lifecycle_note(g) {
        if let Some(pos) = out.find("\n\n") {
            out.insert_str(pos, &format!(" _{note}_"));
        }
    }
    out
}

/// The full client procedure with the user's values.
fn client_procedure(
    kb: &KnowledgeBase,
    slots: &Slots,
    t: &Target,
    ctx: Option<&Context>,
    point_only: bool,
) -> Answer {
    let matches = resolve_editions(kb, slots);
    let gvlk = exact_editions(&matches).first().copied();
    let host = host_or_placeholder(t);
    let port = t.port;
    let key = gvlk
        .map(|g| g.key.clone())
        .unwrap_or_else(|| "<GVLK_for_your_edition>".into());
    // A version without its edition ("activate Windows Server 2022 with KMS"): the few keys of
    // that version to choose from, so that the key is in the answer.
    let family_rows = match (gvlk, matches.as_slice()) {
        (None, [EditionMatch::Ambiguous(rows)])
            if (2..=4).contains(&rows.len()) && rows.iter().all(|g| g.family == rows[0].family) =>
        {
            rows.clone()
        }
        _ => Vec::new(),
    };
    let key_choice = family_rows
        .first()
        .map(|first| {
            let keys: Vec<String> = family_rows
                .iter()
                .map(|g| {
                    let name = g
                        .edition
                        .strip_prefix(g.family.as_str())
                        .unwrap_or(&g.edition);
                    format!("{} `{}`", name.trim_start_matches([' ', ':']), g.key)
                })
                .collect();
            format!(" ({}: {})", first.family, keys.join(", "))
        })
        .unwrap_or_default();
    let mut text = String::new();
    match (gvlk, &t.host) {
        (Some(g), Some(h)) => text.push_str(&format!(
            "To activate **{}** against your KMS host **{h}** (tcp/{port}), run these in an elevated command prompt on the instance:\n\n",
            g.display_name()
        )),
        (Some(g), None) => text.push_str(&format!(
            "To activate **{}** through KMS, run these in an elevated command prompt on the instance (put your KMS host's address in place of `<KMS_host>`):\n\n",
            g.display_name()
        )),
        (None, Some(h)) => text.push_str(&format!(
            "To point an instance at your KMS host **{h}** (tcp/{port}) and activate it, run these in an elevated command prompt (ask me \"key for <your edition>\" for the GVLK):\n\n"
        )),
        (None, None) => text.push_str(
            "To activate an instance through a KMS host, run these in an elevated command prompt on it (put your KMS host's address in place of `<KMS_host>`; ask me \"key for <your edition>\" for the GVLK):\n\n",
        ),
    }
    if point_only {
        text.push_str(&format!(
            "```\n{}slmgr /skms {host}:{port}\nslmgr /ato\nslmgr /dli\n```\n\n`slmgr /ckms` removes the manual setting again so the instance finds a KMS host through DNS (`_vlmcs._tcp` SRV record).",
            if gvlk.is_some() { format!("slmgr /ipk {key}\n") } else { String::new() }
        ));
    } else {
        text.push_str(&format!(
            "1. Install the KMS client setup key{key_choice}:\n```\nslmgr /ipk {key}\n```\n\
2. Point Windows at the KMS host:\n```\nslmgr /skms {host}:{port}\n```\n\
3. Sync the clock (activation fails when the clocks differ by more than 4 hours in UTC); the KMS host works as time source only if it serves NTP on udp/123, otherwise put a reachable NTP server there:\n```\nnet start w32time\nw32tm /config /manualpeerlist:{host} /syncfromflags:manual /update\nw32tm /resync\n```\n\
4. Activate and check:\n```\nslmgr /ato\nslmgr /dli\n```\n\
`License Status: Licensed` means it worked. The instance needs tcp/{port} open to {host}; if `/ato` fails with `0xC004F074`, that path is blocked."
        ));
    }
    if let Some(note) = gvlk.and_then(lifecycle_note) {
        text.push_str(&format!("\n\n_{note}_"));
    }
    if let Some(c) = slots.count {
        let (need, what) = match c.kind {
            MachineKind::Client => (25, "Windows client machines"),
            _ => (5, "Windows Server machines"),
        };
        text.push_str(&if c.n >= need {
            format!("\n\nWith {} machines you are at or above the KMS threshold ({need} for {what}), so the host activates them once it has counted them.", c.n)
        } else {
            format!("\n\nNote: with {} machines you are below the KMS threshold ({need} for {what}); unless the host also counts other machines, activate online or by phone instead.", c.n)
        });
    }
    let mut c = ctx.cloned().unwrap_or_default();
    c.intent = Some(if point_only {
        Intent::PointKms
    } else {
        Intent::ClientProcedure
    });
    if let Some(g) = gvlk {
        c.family = Some(g.family.clone());
        c.edition = Some(g.edition.clone());
    } else if let Some(first) = family_rows.first() {
        c.family = Some(first.family.clone());
    }
    c.host = t.host.clone();
    c.port = Some(port);
    let source = match section(kb, "kms-client", "Steps") {
        Some((title, head, _)) => Source {
            title: title.to_string(),
            section: head.to_string(),
        },
        None => Source {
            title: KMS_TABLE.into(),
            section: "KMS client".into(),
        },
    };
    finish(text, source, 0.9, c, Some(RequestOffer::KmsFirewall))
}

/// Thresholds, answering "will it work with N machines" directly.
fn thresholds(kb: &KnowledgeBase, slots: &Slots, question: &str, ctx: Option<&Context>) -> Answer {
    let fact = kb.tables.kms.iter().find(|f| f.id == "thresholds");
    let base = fact.map(|f| f.text.trim().to_string()).unwrap_or_else(|| {
        "A KMS host activates Windows Server once it has counted 5 machines, and Windows clients once it has counted 25.".into()
    });
    let mut text = String::new();
    let counts = crate::nlu::slots::machine_counts(question);
    // The largest count of each kind ("3 Windows Server VMs ... will the 3 servers activate?"
    // names the same servers twice).
    let largest = |kind: MachineKind| {
        counts
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| c.n)
            .max()
            .unwrap_or(0)
    };
    let servers = largest(MachineKind::Server);
    let clients = largest(MachineKind::Client);
    // "We need 25 servers before KMS activates, right?": the number stated is no threshold.
    let stated = beliefs::stated_minimum(question, &counts);
    if let Some((n, need)) = stated {
        text.push_str(&format!(
            "**No, not {n}**: {} activates once the KMS host has counted **{need}** machines.\n\n",
            if need == 5 {
                "Windows Server"
            } else {
                "a Windows client (Windows 10 or 11)"
            }
        ));
    }
    if servers > 0 && clients > 0 {
        // One count for both kinds: the servers help the clients reach 25.
        let total = servers.saturating_add(clients);
        let verdict = |need: u32| if total >= need { "yes" } else { "no" };
        text.push_str(&format!(
            "**{}**: the KMS host keeps **one count** for servers and clients together: {servers} server{} + {clients} client{} = **{total}** machines (once each has asked it within 30 days). Windows Server activates from **5** ({}), Windows clients from **25** ({}).{}\n\n",
            if total >= 25 {
                "Yes, both"
            } else if total >= 5 {
                "Servers yes, clients not yet"
            } else {
                "Not yet, for either"
            },
            if servers == 1 { "" } else { "s" },
            if clients == 1 { "" } else { "s" },
            verdict(5),
            verdict(25),
            if total < 25 {
                " Until the count reaches 25, activate the clients online with a MAK or retail key, or by telephone (`slui 4`)."
            } else {
                ""
            }
        ));
    } else if let (true, Some(family)) = (
        counts.is_empty() && slots.count.is_none(),
        slots.editions.iter().flat_map(|e| e.families.iter()).next(),
    ) {
        // "2025?" after the thresholds: the same numbers, by the version's kind.
        let server = family.contains("Server");
        text.push_str(&format!(
            "**{family}** follows the same thresholds: as a {} it activates once the KMS host's count is **{}** (servers and clients count together). The host also needs a KMS host key (CSVLK) whose group covers {family}{}.\n\n",
            if server { "server" } else { "Windows client" },
            if server { 5 } else { 25 },
            if server { " (a host key of that Windows Server version or a newer one)" } else { "" },
        ));
    } else if let Some(n) = slots
        .count
        .filter(|_| counts.is_empty())
        .filter(|_| question.to_lowercase().contains("count"))
        .map(|c| c.n)
    {
        // The host's own count ("the count on our KMS is 20"): what it activates, by kind.
        const INSTEAD: &str = " Meanwhile, activate those machines **online** with a MAK or retail key (needs outbound internet, which support opens on request) or **by telephone** (`slui 4`).";
        text.push_str(&if n >= 25 {
            format!("**A count of {n} is enough for both**: Windows Server activates from a count of **5** and Windows clients from **25**.\n\n")
        } else if n >= 5 {
            format!("**With a count of {n}, only Windows Server machines activate** (they need 5). Windows client machines (Windows 10 and 11) need a count of **25**, so none of them activates yet: they get `0xC004F038` until {} more machines have asked the host within 30 days.{INSTEAD}\n\n", 25 - n)
        } else {
            format!("**With a count of {n}, nothing activates yet**: Windows Server machines need a count of **5** and Windows clients **25**; until then they get `0xC004F038`.{INSTEAD}\n\n")
        });
    } else if let Some(c) = slots.count.or(ctx.and_then(|c| c.machines)) {
        // A follow-up without a count ("so what do we do instead?") is about the thread's.
        let (need, what) = match c.kind {
            MachineKind::Client => (25, "Windows client machines"),
            _ => (5, "machines (Windows Server activates from 5)"),
        };
        if c.n < need {
            text.push_str(&format!(
                "**No, not on their own.** A KMS host only starts activating once it has counted at least **{need}** {what}; with {} it answers with `0xC004F038` (count insufficient).\n\n\
What works instead: activate each instance **online** with a MAK or retail key (needs outbound internet, which support opens on request) or **by telephone** (`slui 4`), or use a KMS host whose count is already high enough (for example your company's existing one, over tcp/1688). Online, on each instance:\n\n```\nslmgr /ipk <your_MAK_or_retail_key>\nslmgr /ato\n```\n\n",
                c.n
            ));
        } else if stated.is_some_and(|(n, _)| n == c.n) {
            // The number was the requirement stated, not a fleet: the correction says it.
        } else if stated.is_some() {
            text.push_str(&format!(
                "With **{}** you are there, as long as they all contact the same KMS host within 30 days.\n\n",
                c.n
            ));
        } else if !question
            .to_ascii_lowercase()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == "why")
        {
            // ("Why does KMS need 25 clients?" names the threshold, not a fleet to check.)
            text.push_str(&format!(
                "**Yes, {} is enough**: a KMS host activates {} once it has counted {need}, as long as they all contact the same KMS host within 30 days.{}\n\n",
                c.n,
                if c.kind == MachineKind::Client { "Windows clients" } else { "Windows Server" },
                // "6 VMs": enough for servers, not for Windows 10/11 clients.
                if c.kind == MachineKind::Unknown && c.n < 25 {
                    " If they are Windows 10 or 11 clients rather than servers, it is not: clients need a count of 25."
                } else {
                    ""
                }
            ));
        }
    }
    let lower = question.to_lowercase();
    let not_windows = [
        "linux", "ubuntu", "debian", "centos", "rhel", "redhat", "macos",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if slots.count.is_none() && VM_COUNT_QUESTION.is_match(&lower) {
        text.push_str(if not_windows {
            "**No**: only Windows machines that ask the KMS host for activation count; Linux and other systems never contact it. Windows VMs count exactly like physical machines.\n\n"
        } else {
            "**Yes, virtual machines count** exactly like physical ones.\n\n"
        });
    }
    text.push_str(&base);
    if !base.to_lowercase().contains("virtual")
        && (lower.contains("vm") || lower.contains("virtual"))
    {
        text.push_str("\n\nVirtual machines count exactly like physical ones: every unique machine that asked the host in the last 30 days counts once.");
    } else if !base.to_lowercase().contains("virtual") {
        text.push_str("\n\nVirtual machines count like physical ones.");
    }
    let mut c = ctx.cloned().unwrap_or_default();
    c.intent = Some(Intent::Thresholds);
    if slots.count.is_some() {
        c.machines = slots.count;
    }
    finish(
        text,
        Source {
            title: format!("{KMS_TABLE} ({})", kb.tables.kms_source),
            section: fact
                .map(|f| f.title.clone())
                .unwrap_or_else(|| "thresholds".into()),
        },
        0.9,
        c,
        None,
    )
}

/// The one edition a message names exactly, if it names one.
fn one_edition<'a>(kb: &'a KnowledgeBase, slots: &Slots) -> Option<&'a Gvlk> {
    match exact_editions(&resolve_editions(kb, slots)).as_slice() {
        [g] => Some(*g),
        _ => None,
    }
}

/// The editions that matched exactly, in the order they were named.
fn exact_editions<'a>(matches: &[EditionMatch<'a>]) -> Vec<&'a Gvlk> {
    matches
        .iter()
        .filter_map(|m| match m {
            EditionMatch::Exact(g) => Some(*g),
            _ => None,
        })
        .collect()
}

/// A key of the user's own (retail or MAK) is activated online, or by phone when the machine is
/// offline or the user says phone.
fn own_key_route(u: &mut Understanding, lower: &str) {
    u.reroute(if says_offline(lower) || lower.contains("phone") {
        Intent::Phone
    } else {
        Intent::Online
    });
}

fn fact_answer(
    kb: &KnowledgeBase,
    id: &str,
    t: &Target,
    intent: Intent,
    ctx: Option<&Context>,
) -> Option<Answer> {
    let f = kb.tables.kms.iter().find(|f| f.id == id)?;
    let mut c = ctx.cloned().unwrap_or_default();
    c.intent = Some(intent);
    Some(finish(
        personalize(f.text.trim(), t, None),
        Source {
            // The documents the row names, as retrieval cites them.
            title: format!("{KMS_TABLE} ({})", kb.tables.kms_source_for(&f.title)),
            section: f.title.clone(),
        },
        0.9,
        c,
        if id == "port" {
            Some(RequestOffer::KmsFirewall)
        } else {
            None
        },
    ))
}

/// The edition pasted output shows: DISM's `Current Edition : ServerDatacenterEval` or a
/// `Name: Windows(R), Professional edition` line, read with the build or release beside it.
fn pasted_edition<'a>(kb: &'a KnowledgeBase, q: &str) -> Option<&'a Gvlk> {
    q.lines().find_map(|line| {
        let l = line.trim().to_lowercase();
        let rest = l
            .strip_prefix("current edition")
            .or_else(|| l.strip_prefix("name"))?;
        let value = rest.trim_start().strip_prefix(':')?.trim();
        editions::from_output(&kb.tables.gvlks, value, q)
    })
}

/// A KMS host the user names beside `/dlv` output that shows another one: where the client is
/// to move.
fn moved_to_host(r: &DliReport, slots: &Slots) -> Option<String> {
    let shown = r.kms_machine.as_deref()?.to_lowercase();
    let named = slots.host.as_deref()?;
    let shown_name = shown.split(':').next().unwrap_or("");
    (r.channel == Some(Channel::KmsClient) && !shown_name.eq_ignore_ascii_case(named))
        .then(|| named.to_string())
}

/// A KMS client's output that names its host, pasted in a thread whose error was
/// `0xC004F074`: the key is right, and the path to that host is what to test.
fn unreached_host_in_thread(r: &DliReport, ctx: Option<&Context>, t: &Target) -> Option<String> {
    if r.channel != Some(Channel::KmsClient)
        || r.error.is_some()
        || ctx.and_then(|c| c.error.as_deref()) != Some("0xC004F074")
    {
        return None;
    }
    let shown = r.kms_machine.as_deref()?;
    let (host, port) = match shown.rsplit_once(':') {
        Some((h, p)) if p.parse::<u16>().is_ok() => (h.to_string(), p.to_string()),
        _ => (shown.to_string(), t.port.to_string()),
    };
    Some(format!(
        "**The key is right** (a KMS client key), and the client uses the KMS host **{host}** on port {port}. Your earlier `0xC004F074` means it could not reach that host, so test the path from this machine:\n\n```\nnslookup {host}\nTest-NetConnection {host} -Port {port}\n```\n\nIf the name does not resolve or is not your KMS host, point it at the right one (`slmgr /skms <KMS_host>:{port}`). `TcpTestSucceeded : False` means a firewall blocks tcp/{port} (the host's own or one in between) or the host is down. Once the test succeeds, run `slmgr /ato`.\n\n"
    ))
}

/// The evaluation conversion's DISM command with the target edition's ID and key filled in.
fn fill_conversion(text: &str, g: &Gvlk) -> String {
    let text = text.replace("<GVLK_of_the_target_edition>", &g.key);
    if g.edition.contains("Datacenter") {
        text.replace(
            "/Set-Edition:ServerStandard",
            "/Set-Edition:ServerDatacenter",
        )
    } else {
        text
    }
}

/// Diagnosis of pasted `slmgr` output.
fn diagnose_output(
    kb: &KnowledgeBase,
    r: &DliReport,
    slots: &Slots,
    t: &Target,
    ctx: Option<&Context>,
    question: &str,
    configured_port: u16,
) -> Answer {
    // What the user wrote beside the output ("we now want it on KMS instead").
    let own = crate::nlu::dli::strip_output(question);
    // The edition the user named beside the output gives its key; the output's `Name:` line
    // ("ServerStandard edition") adds what the user left out ("we're on Server 2019").
    let exact = |slots: &Slots| {
        resolve_editions(kb, slots)
            .into_iter()
            .find_map(|m| match m {
                EditionMatch::Exact(g) => Some(g),
                _ => None,
            })
    };
    let gvlk = exact(slots)
        .or_else(|| {
            let name = r
                .name
                .as_deref()?
                .to_lowercase()
                .replace("server", "server ");
            let attrs = editions::attributes(&name);
            if attrs.is_empty() || slots.editions.is_empty() {
                return None;
            }
            let mut with_name = slots.clone();
            for q in &mut with_name.editions {
                q.attrs.extend(attrs.iter().copied());
            }
            exact(&with_name)
        })
        .or_else(|| {
            r.name
                .as_deref()
                .and_then(|n| editions::from_output(&kb.tables.gvlks, n, question))
        });
    // An evaluation edition ("ServerStandardEval edition", "TIMEBASED_EVAL channel") never
    // takes a GVLK: converting it is the way to a lasting activation.
    let eval = r.name.as_deref().is_some_and(|n| n.contains("Eval"))
        || question.contains("TIMEBASED_EVAL");
    let mut text = String::new();
    let mut offer = None;
    let days = r.minutes_left.map(|m| m / 1440);
    let moved_host = moved_to_host(r, slots);
    match &r.status {
        Some(LicenseStatus::Licensed) => {
            // Output from a KMS host (it shows a count): the host is activated, and what matters
            // is its count for the clients, below.
            let kms_host_output = r.current_count.is_some();
            text.push_str(if kms_host_output {
                "**The KMS host itself is activated** (`License Status: Licensed`)."
            } else {
                "**This instance is activated** (`License Status: Licensed`)."
            });
            let mut overdue = false;
            if let Some(d) = days {
                match r.minutes_left {
                    Some(m) if d == 0 => text.push_str(&format!(
                        " The activation has only about **{} hours** left",
                        m / 60
                    )),
                    _ => text.push_str(&format!(" The activation has about **{d} days** left")),
                }
                if r.channel == Some(Channel::KmsClient) {
                    text.push_str(
                        " and renews by itself every 7 days while the KMS host is reachable",
                    );
                }
                text.push('.');
                // A KMS client renews every 7 days back to 180: less than half left means it
                // has not reached its KMS host for months.
                if r.channel == Some(Channel::KmsClient)
                    && d <= 90
                    && !kms_host_output
                    && moved_host.is_none()
                {
                    overdue = true;
                    text.push_str(&format!(
                        "\n\n**But it has not renewed for about {} days** (a KMS activation lasts 180 days and renews every 7), so it has not reached its KMS host since. Check the path and renew now:\n\n```\nTest-NetConnection {} -Port {}\nslmgr /ato\n```",
                        180 - d,
                        r.kms_machine
                            .as_deref()
                            .and_then(|m| m.split(':').next())
                            .map_or_else(|| host_or_placeholder(t), str::to_string),
                        t.port
                    ));
                    offer = Some(RequestOffer::KmsFirewall);
                }
            } else if r.channel == Some(Channel::KmsClient) {
                text.push_str(" It is a KMS activation: it lasts 180 days and renews by itself every 7 days while the KMS host is reachable.");
            }
            // How the output says so: its `Description` line names the channel.
            if r.channel == Some(Channel::KmsClient) && !kms_host_output {
                text.push_str(
                    " (A KMS client: its `Description` line says `VOLUME_KMSCLIENT channel`.)",
                );
            }
            // "Licensed, but the watermark is still there": the desktop lags behind.
            let watermark = own.to_lowercase().contains("watermark")
                || thread_fact(kb, ctx).is_some_and(|f| f.starts_with("watermark"));
            if watermark {
                text.push_str("\n\n**The watermark lags behind the licence**: the desktop keeps drawing it until it is refreshed, which a sign-out and sign-in, restarting Explorer or a restart does.");
            }
            if days.is_some() && r.channel.is_none() {
                text.push_str(" (A KMS activation renews by itself every 7 days while the KMS host is reachable; `slmgr /dli` shows the channel in its `Description` line.)");
            }
            // (An overdue renewal already names the host in its commands.)
            if let Some(k) = r.kms_machine.as_ref().filter(|_| !overdue) {
                text.push_str(&format!(" It uses the KMS host `{k}`."));
            }
            // The user names another host than the one the output shows ("the old one is
            // gone, the new one is kms02"): pointing it there, and renewing at once.
            if let Some(new) = &moved_host {
                text.push_str(&format!(
                    "\n\n**To move it to {new}**, point it at the new host and renew now (elevated prompt):\n\n```\nslmgr /skms {new}:{}\nslmgr /ato\nslmgr /dlv\n```\n\n`/dlv` then shows the new host and a fresh 180 days. If clients find their host through DNS, also remove the old host's `_vlmcs` SRV record.",
                    t.port
                ));
                overdue = true;
            }
            if let Some(ch @ (Channel::Mak | Channel::Retail | Channel::Oem)) = r.channel {
                text.push_str(&format!(" The key is a {}.", ch.describe()));
            }
            if r.permanent {
                text.push_str(" **Permanently activated** is normal for a MAK or retail key (or a digital licence): such activations never expire. A KMS client would show an expiry date instead, renewed every 7 days.");
            }
            // "We now want it on KMS instead": the way over, with its key and host.
            let moves_to_kms = matches!(
                r.channel,
                Some(Channel::Mak) | Some(Channel::Retail) | Some(Channel::Oem)
            ) && (WANTS_KMS.is_match(&own) || CONVERT_TO_KMS.is_match(&own));
            if moves_to_kms {
                let ch = r.channel.map(Channel::describe).unwrap_or("");
                text.push_str(&format!(
                    "\n\n**To move it to your KMS host**, replace the {ch} with the KMS client setup key (GVLK) for this edition ({}), point it at the host and activate:\n\n```\nslmgr /ipk {}\nslmgr /skms {}:{}\nslmgr /ato\n```",
                    gvlk.map_or("ask me \"key for <edition>\"".to_string(), |g| format!("**{}**: `{}`", g.display_name(), g.key)),
                    gvlk.map_or("<GVLK_for_this_edition>", |g| g.key.as_str()),
                    host_or_placeholder(t), t.port
                ));
            } else if kms_host_output || overdue || eval {
                text.push_str("\n\n");
            } else {
                text.push_str("\n\nNothing to fix.");
            }
        }
        Some(status) => {
            let (label, meaning) = match status {
                LicenseStatus::Notification => (
                    "Notification",
                    "the activation expired or never happened, and Windows now nags",
                ),
                LicenseStatus::Unlicensed => ("Unlicensed", "no valid activation"),
                LicenseStatus::Grace(g) => (
                    g.as_str(),
                    "Windows runs on a grace period and must be activated before it ends",
                ),
                LicenseStatus::Licensed => ("Licensed", ""),
            };
            text.push_str(&format!(
                "**Not activated**: `License Status: {label}` means {meaning}."
            ));
            if let (Some(d), LicenseStatus::Grace(_)) = (days, status) {
                text.push_str(&format!(" About **{d} days** remain."));
            }
            text.push_str("\n\n");
        }
        None => {}
    }
    if let Some(n) = r.current_count {
        if n >= 25 {
            text.push_str(&format!(
                "**This KMS host has counted {n} machines**: enough for Windows Server (5) and Windows client (25) machines. The count never goes above 50, because the host keeps only its 50 most recent distinct clients.\n\n"
            ));
        }
        if n < 25 {
            text.push_str(&format!(
                "**This KMS host has counted {n} machine(s).** It activates Windows Server clients once the count reaches 5 and Windows client machines once it reaches 25 (unique machines, VMs included, seen in the last 30 days){}.\n\n",
                if n < 5 { "; below 5 every client gets `0xC004F038` until more machines ask" } else { "; servers activate now, client editions need 25" }
            ));
        }
    }
    if r.unresolved {
        text.push_str(&format!(
            "**The host name does not resolve** from this instance, so no connection was even tried. Check DNS (`nslookup {}`), or use the KMS host's IP address.\n\n",
            r.remote.clone().unwrap_or_else(|| host_or_placeholder(t))
        ));
    }
    // The port answers but the message or the thread had `0xC004F074`: the causes left, said
    // once instead of that error's general explanation.
    let mut open_but_unreachable = false;
    if let Some(ok) = r.tcp_test {
        let host = r.remote.clone().unwrap_or_else(|| host_or_placeholder(t));
        let port = r.remote_port.unwrap_or(t.port);
        // The thread's `0xC004F074` with the port now answering: the causes left.
        let unreachable_before = r.error.as_deref() == Some("0xC004F074")
            || (r.error.is_none() && ctx.and_then(|c| c.error.as_deref()) == Some("0xC004F074"));
        if ok && unreachable_before {
            open_but_unreachable = true;
            text.push_str(&format!(
                "**The path is open**: `TcpTestSucceeded : True` means this instance reaches {host} on tcp/{port}, so `0xC004F074` now has another cause:\n\n- **The clocks**: more than 4 hours apart in UTC (`w32tm /query /status`; event 12288 then shows `0xC004F06C`).\n- **The address**: `slmgr /dlv` shows which KMS host the client uses; a stale `_vlmcs` SRV record or an old `/skms` may point elsewhere.\n- **The host**: its Software Protection service (`sppsvc`) stopped, or its host key not activated (`slmgr /dlv` on the host).\n\nEvent 12288 (source Security-SPP) in the client's Application log has the underlying code. Then retry:\n\n```\nslmgr /skms {host}:{port}\nslmgr /ato\n```\n\n"
            ));
        } else if ok {
            text.push_str(&format!(
                "**The path is open**: `TcpTestSucceeded : True` means this instance reaches {host} on tcp/{port}. Now point Windows at it and activate:\n\n```\nslmgr /skms {host}:{port}\nslmgr /ato\nslmgr /dli\n```\n\nIf `/ato` still fails, paste its error.\n\n"
            ));
        } else {
            text.push_str(&format!(
                "**The path is blocked**: `TcpTestSucceeded : False` means nothing answered on tcp/{port} at {host}. Either the cloud firewall has no rule for it (support must add a static rule for tcp/{port} from this instance to the KMS host), the host's own firewall drops it (`Enable-NetFirewallRule -Name SPPSVC-In-TCP` on the host), or the host is down. Activation fails with `0xC004F074` until this test succeeds.\n\n"
            ));
            offer = Some(RequestOffer::KmsFirewall);
        }
        // A test of the default port when the tenant's host listens on another one.
        if configured_port != port && configured_port != 1688 {
            text.push_str(&format!(
                "**Your KMS host listens on tcp/{configured_port}**, not tcp/{port}: test that port (`Test-NetConnection {host} -Port {configured_port}`), and the firewall rule and `slmgr /skms {host}:{configured_port}` need it too.\n\n"
            ));
        }
    }
    let not_licensed = !matches!(r.status, Some(LicenseStatus::Licensed));
    if not_licensed {
        match r.channel {
            Some(Channel::Mak) | Some(Channel::Retail) | Some(Channel::Oem) => {
                let ch = r.channel.map(Channel::describe).unwrap_or("");
                text.push_str(&format!(
                    "**The installed key is a {ch}, not a KMS client key.** A {ch} never activates against a KMS host. To use your KMS host, install the GVLK for this edition ({}), then activate:\n\n```\nslmgr /ipk {}\nslmgr /skms {}:{}\nslmgr /ato\n```\n\nTo keep this key instead, activate it online (needs outbound internet) or by phone (`slui 4`).\n\n",
                    gvlk.map_or("ask me \"key for <edition>\"".to_string(), |g| format!("**{}**: `{}`", g.display_name(), g.key)),
                    gvlk.map_or("<GVLK_for_this_edition>", |g| g.key.as_str()),
                    host_or_placeholder(t), t.port
                ));
            }
            Some(Channel::KmsHost) => {
                text.push_str("**The installed key is a KMS host key (CSVLK).** The host activates it once with Microsoft, online (needs outbound internet, off by default here: ask for internet access) or by phone:\n\n```\nslmgr /ato\nslmgr /dlv\n```\n\nBy phone: `slmgr /dti` gives the installation ID, then `slmgr /atp <confirmation_id>`.\n\n");
            }
            _ => {}
        }
        if let Some(code) = r.error.as_ref().filter(|_| !open_but_unreachable) {
            if let Some(e) = kb.tables.errors.iter().find(|e| &e.code == code) {
                text.push_str(&format!(
                    "The output shows error **{}** ({}): {} {}\n\n**Fix:**\n\n{}\n\n",
                    e.code,
                    e.title,
                    e.meaning,
                    e.cause.trim(),
                    // The edition named beside the output (or in it) fills in its key.
                    personalize(e.fix.trim(), t, gvlk.map(|g| g.key.as_str()))
                ));
                offer = e.offer.as_deref().and_then(parse_offer);
                // The user named their KMS host beside the output: the commands with it.
                let fix_names_host = e.fix.contains("/skms");
                if r.channel == Some(Channel::KmsClient) && slots.host.is_some() && !fix_names_host
                {
                    text.push_str(&format!(
                        "Then point it at your KMS host and activate:\n\n```\nslmgr /skms {}:{}\nslmgr /ato\n```\n\n",
                        host_or_placeholder(t),
                        t.port
                    ));
                }
            } else {
                text.push_str(&format!("The output shows error `{code}`, which is not in my table; `slmgr /dlv` and the Application event log have details.\n\n"));
            }
        } else if let Some(note) = unreached_host_in_thread(r, ctx, t) {
            text.push_str(&note);
            offer = Some(RequestOffer::KmsFirewall);
        } else if (r.channel == Some(Channel::KmsClient) || r.channel.is_none())
            && !(r.status.is_none()
                && (r.current_count.is_some() || r.tcp_test.is_some() || r.unresolved))
        {
            text.push_str(&format!(
                "Next, try to activate and read the error it prints:\n\n```\nslmgr /skms {}:{}\nslmgr /ato\n```\n\nThe usual causes here are a blocked tcp/{} path to the KMS host (`0xC004F074`), a clock more than 4 hours off (`w32tm /resync`), or a KMS host below its threshold (`0xC004F038`). Paste the error and I'll explain it.",
                host_or_placeholder(t), t.port, t.port
            ));
            offer = Some(RequestOffer::KmsFirewall);
        }
    }
    if eval {
        if let Some(f) = kb.tables.kms.iter().find(|f| f.id == "evaluation") {
            let body = gvlk.map_or_else(
                || f.text.trim().to_string(),
                |g| fill_conversion(f.text.trim(), g),
            );
            text.push_str(&format!("\n\n**This is an evaluation edition.** {body}"));
        }
    }
    // "What edition is EnterpriseS?" beside the output: the edition its ID names.
    if let Some(line) = r
        .name
        .as_deref()
        .filter(|_| WHAT_EDITION.is_match(&own))
        .and_then(edition_id_named)
    {
        text = format!("{line}\n\n{text}");
    }
    let mut c = ctx.cloned().unwrap_or_default();
    // A port test alone ("TcpTestSucceeded True now") leaves a thread about connectivity.
    c.intent = Some(
        if r.tcp_test.is_some() && r.status.is_none() && r.error.is_none() {
            Intent::Connectivity
        } else {
            Intent::Diagnose
        },
    );
    if let Some(code) = &r.error {
        c.error = Some(code.clone());
    }
    finish(
        text,
        Source {
            title: "Diagnosis of pasted slmgr output".into(),
            section: r.name.clone().unwrap_or_else(|| "slmgr /dli".into()),
        },
        0.9,
        c,
        offer,
    )
}

fn parse_offer(s: &str) -> Option<RequestOffer> {
    match s {
        "kms-firewall" => Some(RequestOffer::KmsFirewall),
        "internet-access" => Some(RequestOffer::InternetAccess),
        _ => None,
    }
}

/// The edition an edition ID of a `Name:` line names ("Windows(R), EnterpriseS edition":
/// "`EnterpriseS` is Windows' ID for the edition **Enterprise LTSC**."), when it is an ID
/// rather than the edition's own words.
fn edition_id_named(name: &str) -> Option<String> {
    let id = name
        .split([',', ' '])
        .map(str::trim)
        .take_while(|w| !w.eq_ignore_ascii_case("edition"))
        .filter(|w| !w.is_empty())
        .last()?;
    let lower = id.to_lowercase();
    let spelled = editions::spell_out(&format!("{lower} edition"));
    let words = spelled.strip_suffix(" edition")?.trim();
    if words == lower {
        return None;
    }
    let title: Vec<String> = words
        .split(' ')
        .map(|w| match w {
            "ltsc" | "ltsb" | "n" | "g" | "iot" => w.to_uppercase(),
            "for" => w.to_string(),
            _ => {
                let mut c = w.chars();
                c.next().map_or_else(String::new, |f| {
                    f.to_uppercase().chain(c).collect::<String>()
                })
            }
        })
        .collect();
    Some(format!(
        "`{id}` is Windows' own ID for the edition **{}**.",
        title.join(" ").replace("IOT", "IoT")
    ))
}

/// "Not activated" without output: ask for the output, say what to check first.
fn diagnose_start(t: &Target, ctx: Option<&Context>, edition: Option<&Gvlk>) -> Answer {
    let host = host_or_placeholder(t);
    // The edition named: its own key in the fix for a wrong key type.
    let gvlk = edition.map_or_else(
        || "your edition's GVLK with `slmgr /ipk`".to_string(),
        |g| format!("the GVLK of {} with `slmgr /ipk {}`", g.edition, g.key),
    );
    let text = format!(
        "Let's find out why. On the instance, in a command prompt (no elevation needed), run:\n\n```\nslmgr /dli\n```\n\n\
and paste the output here (and the error from `slmgr /ato` if you ran it). I'll read the licence status, the key's channel and the error for you.\n\n\
The usual causes, in order:\n\
1. **The KMS host is unreachable**: tcp/{} to {host} must be open (`Test-NetConnection {host} -Port {}`); error `0xC004F074`.\n\
2. **Wrong key type**: a MAK or retail key never activates against KMS; install {gvlk}, then `slmgr /ato`.\n\
3. **Clock off by more than 4 hours**: `w32tm /resync`.\n\
4. **KMS host below its threshold** (5 servers / 25 clients): error `0xC004F038`.\n\
5. **No KMS host at all** (a single instance, or fewer than 5 servers): activate **online** with your own MAK or retail key (`slmgr /ipk <your_key>`, then `slmgr /ato`; needs internet access, which support opens on request) or **by phone** (`slui 4`).",
        t.port, t.port
    );
    let mut c = ctx.cloned().unwrap_or_default();
    c.intent = Some(Intent::Diagnose);
    finish(
        text,
        Source {
            title: "Checking activation status and fixing common problems".into(),
            section: "Diagnosis".into(),
        },
        0.85,
        c,
        None,
    )
}

fn compare_answer(kb: &KnowledgeBase, t: &Target, slots: &Slots, ctx: Option<&Context>) -> Answer {
    let verdict = match slots.count {
        Some(c) => {
            let need = if c.kind == MachineKind::Client { 25 } else { 5 };
            if c.n < need {
                format!("**With {} machines, MAK (or retail) online, or phone activation.** A KMS host of your own would never reach its threshold of {need}; KMS only works if you can use a host that other machines already keep counted.\n\n", c.n)
            } else {
                format!("**With {} machines, KMS works** (its threshold is {need}) if you run a KMS host or can reach one; MAK needs no host but one online or phone activation per machine.\n\n", c.n)
            }
        }
        None => String::new(),
    };
    let text = verdict + &format!(
        "**KMS vs MAK** (and the other ways to activate):\n\n\
| | KMS (Key Management Service) | MAK (Multiple Activation Key) | Retail |\n|---|---|---|---|\n\
| Key on the instance | public GVLK | your MAK | your retail key |\n\
| Activates against | your KMS host, tcp/{} | Microsoft, once (online or by phone) | Microsoft, once (online or by phone) |\n\
| Minimum machines | five servers (or 25 clients) counted by the host | none | none |\n\
| Renewal | every 7 days; valid 180 days | none | none |\n\
| Network | instance → KMS host only | outbound internet (or phone) | outbound internet (or phone) |\n\n\
Use **KMS** when you run (or can reach) a KMS host and have enough machines; use **MAK or retail** online for a few servers (support opens outbound internet on request), or **by phone** (`slui 4`) when internet is not an option.",
        t.port
    );
    let mut c = ctx.cloned().unwrap_or_default();
    c.intent = Some(Intent::Compare);
    let src = section(kb, "activation-methods", "Choosing")
        .map(|(title, head, _)| Source {
            title: title.to_string(),
            section: head.to_string(),
        })
        .unwrap_or(Source {
            title: "Activation methods".into(),
            section: String::new(),
        });
    finish(text, src, 0.85, c, None)
}

fn small_talk(intent: Intent, ctx: Option<&Context>) -> Answer {
    let text = match intent {
        Intent::Greet => "Hi! Ask me anything about activating Windows on your instances, or say `help` to see what I can do.".to_string(),
        Intent::Thanks => "You're welcome. Shout if anything else about activation comes up.".to_string(),
        Intent::Ack => "👍 Anything else about activation, just ask.".to_string(),
        _ => "I help you activate Windows on your instances:\n\
- **Questions**: keys (\"key for Server 2022 Standard\"), error codes (\"what is 0xC004F074\"), KMS, online and phone activation, thresholds, time sync. Paste `slmgr /dli` output and I'll read it.\n\
- **Requests**: \"open tcp 1688 from 10.0.0.0/24 to 10.20.0.5\" or \"I need internet access on web-01\" files a ticket for support.\n\
- **Activation jobs**: \"activate web-01\" plans the commands, an approver reacts, and I run them and report here.\n\
Say `help` for every command."
            .to_string(),
    };
    // "ok", "thanks" mid-thread leave the thread's topic as it was: the next turn ("and how
    // many days are left?") still follows the question before them.
    let mut c = ctx.cloned().unwrap_or_default();
    if c.intent.is_none() {
        c.intent = Some(intent);
    }
    Answer {
        text,
        abstained: false,
        confidence: 0.99,
        sources: Vec::new(),
        context: Some(c),
        offer: None,
        intent: Some(intent),
    }
}

/// Asking where another product key comes from ("so where i get new key", "how to obtain a
/// replacement key").
static REPLACEMENT_KEY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(where|how|who)\b.{0,30}\b(get|buy|obtain|find|request|order|give|gives|issue\w*)\b.{0,20}\b(new|another|other|different|replacement|fresh|valid|working|second)\s+(product\s+|licen[cs]e\s+|windows\s+|mak\s+)?keys?\b|\b(need|want|have\s+to\s+get|must\s+get)\w*\s+(a\s+)?(new|another|replacement|different|fresh)\s+(product\s+|licen[cs]e\s+|mak\s+)?key\b",
    )
});

/// In a thread about an error by which Microsoft's activation servers refuse the key itself
/// (blocked, out of activations, no longer valid), a question about where another key comes
/// from: the MAK's source.
fn replacement_key_after_refusal(ctx: Option<&Context>, q: &str) -> bool {
    const KEY_REFUSED: &[&str] = &["0xC004C003", "0xC004C008", "0xC004C020", "0xC004C060"];
    ctx.and_then(|c| c.error.as_deref())
        .is_some_and(|e| KEY_REFUSED.iter().any(|k| k.eq_ignore_ascii_case(e)))
        && REPLACEMENT_KEY.is_match(q)
}

/// A procedure asked for a MAK and nothing of KMS ("mak activate procedure").
fn mak_procedure(lower: &str) -> bool {
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().any(|w| *w == "mak" || *w == "maks")
        && !words
            .iter()
            .any(|w| ["kms", "gvlk", "gvlks", "skms", "host", "vs", "versus", "or"].contains(w))
}

/// What the bot can do ("what u can do", "how can you help me").
static CAPABILITY_ASK: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bwhat\s+(can\s+|could\s+)?(u|you|ya|this\s+bot)\s+(can\s+|could\s+)?(do|help\s+with|know)\b|\bwhat\s+(are|r)\s+(u|you)\s+(able|good)\b|\bhow\s+(can|could|do)\s+(u|you)\s+help\b|\bwhat\s+(is|are)\s+(this|you|u)\s+for\b",
    )
});
/// Whether the bot speaks another language ("you speak spanish?", "sprichst du deutsch").
static LANGUAGE_ASK: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(u|you|ya)\s+(speak|understand|talk|know|write|answer)\w*\s+(in\s+)?(english|spanish|german|french|italian|portuguese|russian|chinese|hindi|arabic|turkish|polish|dutch|japanese|korean|other\s+languages?|my\s+language)\b|\b(speak|talk|answer|write|reply)\w*\s+(to\s+me\s+)?in\s+(spanish|german|french|italian|portuguese|russian|chinese|hindi|arabic|turkish|polish|dutch|japanese|korean|espa\w+|deutsch)\b|\b(hablas|habla\s+usted|sprichst\s+du|sprechen\s+sie|parles[\s-]+tu|parlez[\s-]+vous)\b",
    )
});

/// Asking what the bot needs to look into a problem ("what do you need from me to figure out
/// an activation problem?", "what info should I send you?").
static WHAT_YOU_NEED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bwhat\s+(do\s+|would\s+|will\s+)?(u|you|ya)\s+need\b.{0,40}\b(from\s+me|diagnos\w*|troubleshoot\w*|figure|debug\w*|problem|issue|look\s+into|investigat\w*)|\bwhat\s+(info|information|details|data|output|logs?)\s+(do\s+|would\s+|should\s+|must\s+|can\s+)?(u|you|i|we)\s+(need|want|send|give|paste|provide|share)\b",
    )
});

/// What to send so the bot can say why activation fails, when that is asked.
fn what_to_send(q: &str, u: &Understanding, ctx: Option<&Context>) -> Option<Answer> {
    if !WHAT_YOU_NEED.is_match(q) || !u.slots.nothing_pasted() || u.slots.error.is_some() {
        return None;
    }
    // In a thread about a firewall or internet request, the request's details are meant.
    if matches!(
        ctx.and_then(|c| c.intent),
        Some(Intent::Connectivity | Intent::InternetAccess | Intent::ExistingKms)
    ) {
        return None;
    }
    let mut a = small_talk(Intent::Help, ctx);
    a.text = "To find out why activation fails, send me:\n\n\
1. The error code (or the whole message) that `slmgr /ato` shows.\n\
2. The output of `slmgr /dlv`: edition, licence status, the KMS host in use and the client count (no elevation needed).\n\
3. Your KMS host and port if you use one, and whether `Test-NetConnection <KMS_host> -Port 1688` succeeds from the instance.\n\n\
Paste them as text; I read `slmgr` output and error codes directly."
        .to_string();
    Some(a)
}

/// A short message asking what the bot can do or which language it speaks, when it names
/// nothing about activation (`anchored`): the help text.
fn about_the_bot(q: &str, anchored: bool, ctx: Option<&Context>) -> Option<Answer> {
    if anchored || q.split_whitespace().count() > 14 {
        return None;
    }
    if LANGUAGE_ASK.is_match(q) {
        let mut a = small_talk(Intent::Help, ctx);
        a.text = format!(
            "I answer in English only, but simple English, short words and typos are fine.\n\n{}",
            a.text
        );
        return Some(a);
    }
    CAPABILITY_ASK
        .is_match(q)
        .then(|| small_talk(Intent::Help, ctx))
}

fn clarify(a: Intent, b: Intent, ctx: Option<&Context>, confidence: f32) -> Answer {
    let text = format!(
        "Do you mean **{}**, or **{}**? Tell me a bit more (an edition, an error code or what you see) and I'll answer exactly.",
        a.describe(),
        b.describe()
    );
    let mut c = ctx.cloned().unwrap_or_default();
    c.intent = None;
    Answer {
        text,
        abstained: false,
        confidence,
        sources: Vec::new(),
        context: Some(c),
        offer: None,
        intent: None,
    }
}

/// One clarifying question for "how do I activate?": the three ways, each with what it needs.
fn which_way(ctx: Option<&Context>) -> Answer {
    let text = "Which way do you want to activate?\n\n\
1. **Through a KMS host** (yours or one you already run; it needs 5 servers or 25 clients counted): `slmgr /ipk <GVLK>`, `slmgr /skms <KMS_host>:1688`, `slmgr /ato`.\n\
2. **Online** with your own MAK or retail key (the instance needs internet access): `slmgr /ipk <your_key>`, then `slmgr /ato`.\n\
3. **By telephone** with your own key, no network needed: `slui 4`.\n\n\
Tell me which one, your edition, and your KMS host if you have one, and I'll give the exact commands."
        .to_string();
    let mut c = ctx.cloned().unwrap_or_default();
    c.intent = Some(Intent::Methods);
    Answer {
        text,
        abstained: false,
        confidence: 0.6,
        sources: Vec::new(),
        context: Some(c),
        offer: None,
        intent: Some(Intent::Methods),
    }
}

fn ask_edition(kb: &KnowledgeBase, t: &Target, ctx: Option<&Context>, intent: Intent) -> Answer {
    let text = format!(
        "Which edition is the instance? Each Windows edition has its own KMS client setup key (GVLK), for example:\n\n\
| Edition | Key |\n|---|---|\n{}\n\
`DISM /online /Get-CurrentEdition` shows the edition. Tell me yours (\"Server 2019 Standard\") and I'll give its key and the commands for {}.",
        ["Windows Server 2025 Standard", "Windows Server 2025 Datacenter", "Windows Server 2022 Standard", "Windows Server 2022 Datacenter", "Windows Server 2019 Standard", "Windows Server 2019 Datacenter"]
            .iter()
            .filter_map(|e| kb.tables.gvlks.iter().find(|g| g.edition == *e))
            .map(|g| format!("| {} | `{}` |", g.edition, g.key))
            .collect::<Vec<_>>()
            .join("\n"),
        t.host.as_deref().unwrap_or("your KMS host")
    );
    let mut c = ctx.cloned().unwrap_or_default();
    c.intent = Some(intent);
    finish(text, gvlk_source(kb, "editions"), 0.8, c, None)
}

/// Activation failing on a named instance ("kms not working on web-03", "web-03 won't
/// activate"): where to look on it, and the usual causes with their errors.
fn instance_failing(slots: &Slots, t: &Target, ctx: Option<&Context>) -> Answer {
    let mut a = instance_status(slots, t, ctx);
    let name = slots
        .instance
        .clone()
        .unwrap_or_else(|| "the instance".into());
    let host = host_or_placeholder(t);
    let port = t.port;
    a.text = format!(
        "I can't see {name} from here, so find where it stops. On {name}, in an elevated command prompt:\n\n```\nslmgr /dlv\nslmgr /ato\n```\n\n\
`/dlv` shows the licence status, the KMS host the instance uses and the key channel (a GVLK shows `VOLUME_KMSCLIENT`); `/ato` tries again and prints the error. The usual causes:\n\n\
1. **The KMS host is unreachable** on tcp/{port}: `Test-NetConnection {host} -Port {port}` (error `0xC004F074`).\n\
2. **The clock is more than 4 hours off**: `w32tm /resync` (error `0xC004F06C`).\n\
3. **The KMS host has too few clients** (25 for Windows clients, 5 for servers; error `0xC004F038`).\n\
4. **No KMS client key (GVLK)** is installed: `slmgr /ipk <GVLK>`.\n\n\
Paste the output or the error code here and I'll read it."
    );
    a
}

fn instance_status(slots: &Slots, t: &Target, ctx: Option<&Context>) -> Answer {
    let name = slots
        .instance
        .clone()
        .unwrap_or_else(|| "the instance".into());
    let text = format!(
        "I can't see {name}'s licence state from a question. Run this on {name} in a command prompt (no elevation needed):\n\n```\nslmgr /dli\nslmgr /xpr\n```\n\n\
`License Status: Licensed` means activated; `/xpr` shows when a KMS activation expires (it renews every 7 days while {} is reachable). Paste the output here and I'll read it.",
        host_or_placeholder(t)
    );
    let mut c = ctx.cloned().unwrap_or_default();
    c.intent = Some(Intent::InstanceStatus);
    let mut a = finish(
        text,
        Source {
            title: "Checking activation status and fixing common problems".into(),
            section: "Checking the status".into(),
        },
        0.8,
        c,
        None,
    );
    a.intent = Some(Intent::InstanceStatus);
    a
}

/// Retrieval confidence above which a specific passage replaces the intent's general section.
const RETRIEVAL_SURE: f32 = 0.8;

/// Intents answered from article sections or table entries (as opposed to composed answers).
fn is_article_intent(intent: Intent, slots: &Slots) -> bool {
    use Intent::*;
    match intent {
        Connectivity | TimeSync | HostSetup | Timing | StatusCheck | Online | Phone
        | InternetAccess | Methods | Policy | ExistingKms | Slmgr => true,
        KeyLookup => slots.editions.is_empty(),
        _ => false,
    }
}

/// True when a retrieved source belongs to the topic of `intent`.
fn compatible(kb: &KnowledgeBase, intent: Intent, src: &Source) -> bool {
    use Intent::*;
    let table = |name: &str| src.title.starts_with(name);
    let article = |id: &str| {
        kb.articles
            .iter()
            .any(|a| a.id == id && a.title() == src.title)
    };
    // KMS facts belong to one topic each.
    let fact = |ids: &[&str]| {
        table(KMS_TABLE)
            && kb
                .tables
                .kms
                .iter()
                .any(|f| ids.contains(&f.id.as_str()) && f.title == src.section)
    };
    let slmgr = table(SLMGR_TABLE);
    let errors = table(crate::ERROR_TABLE);
    match intent {
        Connectivity => {
            article("kms-connectivity")
                || article("existing-kms")
                || article("kms-host")
                || fact(&["port", "srv"])
        }
        // The client article's clock section only: its steps answer "which w32tm commands"
        // with the slmgr ones.
        TimeSync => {
            (article("kms-client") && src.section.to_lowercase().contains("clock"))
                || fact(&["time-skew"])
                || (errors && src.section.contains("0xC004F06C"))
        }
        HostSetup => {
            article("kms-host")
                || fact(&["host-key-limit", "port"])
                || slmgr
                || article("gvlk-keys")
        }
        Timing => article("kms-thresholds") || fact(&["validity"]) || slmgr,
        StatusCheck => article("check-status") || slmgr,
        Online => article("online-activation") || article("internet-access") || slmgr,
        Phone => article("phone-activation") || fact(&["phone"]) || slmgr,
        InternetAccess => article("internet-access") || article("online-activation"),
        Methods => {
            article("activation-methods")
                || article("online-activation")
                || article("phone-activation")
        }
        Policy => article("byol-provider-kms"),
        ExistingKms => {
            article("existing-kms") || article("kms-connectivity") || fact(&["srv", "port"])
        }
        Slmgr => slmgr || article("check-status"),
        KeyLookup => article("gvlk-keys") || slmgr || table(GVLK_TABLE),
        _ => false,
    }
}

/// Content words that are not part of an edition name.
fn content_words_besides_editions(q: &str) -> usize {
    query_tokens(q)
        .iter()
        .filter(|t| {
            !t.chars().any(|c| c.is_ascii_digit())
                && editions::attributes(t).is_empty()
                && !matches!(
                    t.as_str(),
                    "windows"
                        | "win"
                        | "server"
                        | "srv"
                        | "ws"
                        | "edition"
                        | "r2"
                        | "ltsc"
                        | "ltsb"
                        | "iot"
                        | "gvlk"
                        | "key"
                        | "kms"
                        | "client"
                        | "for"
                        | "what"
                        | "which"
                        | "n"
                        | "g"
                        | "e"
                        | "azure"
                        | "version"
                        | "sac"
                        // Installation options and where the name was read are no topic.
                        | "core"
                        | "desktop"
                        | "experience"
                        | "gui"
                        | "winver"
                        | "show"
                        | "shows"
                        | "say"
                        | "says"
                )
        })
        .count()
}

/// Intents close enough that asking "which one?" would annoy: the first is answered.
fn same_answer(a: Intent, b: Intent) -> bool {
    use Intent::*;
    let pair = |x, y| (a == x && b == y) || (a == y && b == x);
    pair(ClientProcedure, PointKms)
        || pair(Methods, Compare)
        || pair(StatusCheck, InstanceStatus)
        || pair(Diagnose, ErrorCode)
        || pair(Diagnose, StatusCheck)
        || pair(ExistingKms, PointKms)
        || pair(Online, InternetAccess)
        || pair(Thresholds, Timing)
}

/// "Can I extend it?", "how many times?" right after the grace period: its rearms.
fn grace_follow_up(ctx: Option<&Context>, lower: &str, tokens: usize, slots: &Slots) -> bool {
    ctx.and_then(|c| c.topic.as_ref())
        .is_some_and(|s| s.section.to_lowercase().contains("grace"))
        && tokens <= 5
        && slots.nothing_pasted()
        && [
            "extend",
            "how many",
            "again",
            "more time",
            "reset",
            "longer",
            "rearm",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

/// One of several things the last answer listed, named by its place ("the second one", "the
/// 1st key", "the latter").
static ORDINAL_ONE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(the\s+)?(first|second|third|1st|2nd|3rd|last|latter|former)(\s+(one|key|edition|row))?\b",
    )
});

/// A follow-up of an answer that gave the keys of several editions: one of them named by its
/// place ("the second one, how do I install it?"), or another version alone ("same for
/// 2022?", "and 2016") for each of those editions in that version.
fn several_editions_follow_up(
    kb: &KnowledgeBase,
    c: &Context,
    q: &str,
    lower: &str,
    u: &mut Understanding,
    tokens: usize,
) {
    if c.editions.len() < 2 || tokens > 8 || !u.slots.nothing_pasted() || u.slots.error.is_some() {
        return;
    }
    if u.slots.editions.is_empty() && ORDINAL_ONE.is_match(q) {
        let place = [
            (&["first", "1st", "former"][..], 0usize),
            (&["second", "2nd"][..], 1),
            (&["third", "3rd"][..], 2),
        ]
        .iter()
        .find(|(words, _)| words.iter().any(|w| lower.contains(w)))
        .map(|(_, i)| *i)
        .or_else(|| {
            ["last", "latter"]
                .iter()
                .any(|w| lower.contains(w))
                .then(|| c.editions.len() - 1)
        });
        if let Some(ed) = place.and_then(|i| c.editions.get(i)) {
            u.slots.editions = vec![editions::parse(ed)];
            if matches!(u.intent, Intent::None) || u.confidence < 0.5 {
                u.reroute(Intent::KeyLookup);
            }
        }
        return;
    }
    // A version alone: every edition of the last answer, in that version, that has a key.
    if let [e] = u.slots.editions.as_slice() {
        if !e.attrs.is_empty() || e.families.len() != 1 {
            return;
        }
        let wanted: Vec<editions::EditionQuery> = c
            .editions
            .iter()
            .map(|prev| {
                let mut with = e.clone();
                with.attrs.extend(editions::parse(prev).attrs);
                with
            })
            .filter(|w| {
                matches!(
                    editions::lookup(&kb.tables.gvlks, w),
                    EditionMatch::Exact(_)
                )
            })
            .collect();
        if wanted.len() >= 2 {
            u.slots.editions = wanted;
            u.reroute(Intent::KeyLookup);
        }
    }
}

/// A message the classifier reads as off-topic with confidence, that names no value (edition,
/// host, port), has no word of activation and does not point back at the thread ("that",
/// "it", "then").
fn confident_off_topic(q: &str, u: &Understanding, carries_slots: bool, tokens: usize) -> bool {
    FOLLOW_UP.is_match(q)
        && u.intent == Intent::None
        && u.confidence >= 0.7
        && tokens >= 1
        && !carries_slots
        && u.slots.error.is_none()
        && u.slots.nothing_pasted()
        && !ANCHOR.is_match(q)
        && !WINDOWS_TERMS.is_match(q)
        && !POINTS_BACK.is_match(q)
        && !BARE_WHY.is_match(q)
}

/// The client's commands asked for after the network path ("and the activate command?",
/// "ok so what do I run on the client"), read by the classifier, at least as its second
/// guess, as pointing the client or its procedure, and saying nothing of the path itself.
fn client_commands_after_path(lower: &str, u: &Understanding, tokens: usize) -> bool {
    let client_reading = |i: Intent| matches!(i, Intent::PointKms | Intent::ClientProcedure);
    let read_so = client_reading(u.intent)
        || u.alternative
            .is_some_and(|(a, p)| client_reading(a) && p >= 0.15);
    let asks_commands = ["command", "run ", "type", "activate", "/ato", "slmgr"]
        .iter()
        .any(|w| lower.contains(w));
    let about_path = [
        "test", "port", "firewall", "open", "reach", "connect", "telnet", "ping", "rule",
    ]
    .iter()
    .any(|w| lower.contains(w));
    read_so
        && asks_commands
        && !about_path
        && tokens <= 8
        && u.slots.nothing_pasted()
        && u.slots.error.is_none()
}

/// A message that only names an edition or a KMS host ("srv 2019 dc", "windows 11 pro",
/// "kms02.corp.local") after an answer about the network path, the thresholds or the
/// timings, none of which takes an edition or asks for a host: the user moved on to that
/// edition's key or to pointing clients at that host.
fn bare_subject(prev: Intent, lower: &str, u: &Understanding, tokens: usize) -> Option<Intent> {
    if !matches!(
        prev,
        Intent::Connectivity | Intent::Thresholds | Intent::Timing | Intent::TimeSync
    ) || tokens > 5
        || u.slots.error.is_some()
        || u.slots.count.is_some()
        || u.slots.port.is_some()
        || !u.slots.nothing_pasted()
    {
        return None;
    }
    // Words that ask about the thread's own subject keep it ("is 2019 dc blocked on 1688?").
    let thread_words = [
        "port",
        "test",
        "firewall",
        "open",
        "reach",
        "connect",
        "tcp",
        "udp",
        "ping",
        "threshold",
        "count",
        "minimum",
        "how many",
        "renew",
        "expire",
        "valid",
        "clock",
        "time",
        "sync",
        "why",
        "how",
        "does",
        "can ",
        "need",
        "allow",
        "block",
        "work",
        "if ",
    ];
    if thread_words.iter().any(|w| lower.contains(w)) {
        return None;
    }
    match (u.slots.editions.is_empty(), u.slots.host.is_some()) {
        (false, false) => Some(Intent::KeyLookup),
        (true, true) if prev == Intent::Connectivity => Some(Intent::PointKms),
        _ => None,
    }
}

/// True when the message reads like a follow-up of the thread's last answer.
fn is_follow_up(q: &str, content_tokens: usize) -> bool {
    FOLLOW_UP.is_match(q) || content_tokens <= 3
}

/// The days an activation has left, as the message gives them ("expires in 3 days", "12 days
/// left").
pub(super) fn days_left(q: &str) -> Option<u32> {
    let caps = EXPIRES_SOON.captures(q)?;
    caps.get(1).or_else(|| caps.get(2))?.as_str().parse().ok()
}

/// "/xpr says it expires in 3 days, normal?": a KMS client that renews has close to 180 days
/// left; much less means it has not reached its host for a while. The note goes before the
/// validity fact.
fn renewal_overdue(q: &str, t: &Target) -> Option<String> {
    let days = days_left(q)?;
    if days >= 150 {
        return None;
    }
    let host = host_or_placeholder(t);
    Some(format!(
        "**Not normal for a KMS client.** One that reaches its KMS host renews every 7 days back to 180 days, so {days} day(s) left means it has not renewed for about {} days. Check the path and the host it uses, then renew by hand:\n\n```\nTest-NetConnection {host} -Port {}\nslmgr /dlv\nslmgr /ato\n```\n\n(`slmgr /dlv` shows the KMS host in use and the channel; a MAK or retail activation does not expire, and an evaluation edition counts down on its own.)\n\n",
        180u32.saturating_sub(days),
        t.port
    ))
}

/// Whether the (lower-cased) message says the machine has no internet access.
fn says_offline(lower: &str) -> bool {
    [
        "no internet",
        "without internet",
        "offline",
        "air-gapped",
        "isolated",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// A duration with its unit ("1 day", "12 hours", "90 minutes", "one day", "a week").
static NUMBER_WITH_UNIT: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)\b(\d+)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|weeks?)\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|twelve|a|an)\s+(days?|hours?|minutes?|weeks?)\b",
    )
});

/// The duration named in a message, in minutes.
fn minutes_in(q: &str) -> Option<u32> {
    let c = NUMBER_WITH_UNIT.captures(q)?;
    let n: u32 = match (c.get(1), c.get(3)) {
        (Some(d), _) => d.as_str().parse().ok()?,
        (None, Some(w)) if ["a", "an"].contains(&w.as_str().to_lowercase().as_str()) => 1,
        (None, Some(w)) => crate::nlu::slots::word_number(w.as_str())?,
        (None, None) => return None,
    };
    let unit = c.get(2).or_else(|| c.get(4))?.as_str().to_lowercase();
    let factor = match unit.chars().next()? {
        'w' => 10_080,
        'd' => 1_440,
        'h' => 60,
        _ => 1,
    };
    n.checked_mul(factor)
}

/// Where a message may hold two questions ("srv record name and port", "key for 2016
/// standard and also how do I sync time?").
static TWO_QUESTIONS: LazyLock<Regex> = LazyLock::new(|| {
    rx(r"(?i)\?\s+|\s*[,;]?\s+(?:and\s+also|and\s+then|and|plus|also|as\s+well\s+as)\s+|\s+[+&]\s+")
});

/// Main entry point, see [`KnowledgeBase::answer_with`]: one question, or two in one message
/// answered one after the other.
pub fn answer(
    kb: &KnowledgeBase,
    question: &str,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
) -> Answer {
    // A message in German, French or Spanish is read through English glosses of its words.
    let question = &*crate::nlu::gloss::english(question);
    // "activte", "comand", "threshhold": the patterns below read the words as meant.
    let question = &*domain_spelling(question);
    // Chat shorthand ("activ8", "chk lic", "kms prt?"): the words meant.
    let question = &*chat_shorthand(question);
    // "Our security team asks: what must the firewall allow?": the question they pass on.
    let question = passed_on(question);
    // "cmds 2 activate", "how 2 check": "2" for "to" before a verb, not two machines.
    let question = &*TWO_FOR_TO.replace_all(question, "to $1");
    // "srv 2022" is Windows Server 2022, not a DNS SRV record.
    let question = &*server_abbreviation(question);
    // "the hour of my server is different", "how I make same hour?": a clock's time.
    let question = &*clock_hour(question);
    // "ok different question: ..." starts a new topic: the question after it, answered
    // without the thread's topic (the host and port the user named still hold).
    let fresh;
    let (question, ctx) = match new_topic(question) {
        Some(rest) => {
            fresh = ctx.map(|c| Context {
                host: c.host.clone(),
                port: c.port,
                ..Context::default()
            });
            (rest, fresh.as_ref())
        }
        None => (question, ctx),
    };
    // A bare "how?" ("and how?", "ok but how exactly?") in a thread asks how to do what the
    // last answer said: "how do I do that?".
    let question = if ctx.is_some_and(|c| c.intent.is_some()) && BARE_HOW.is_match(question) {
        "how do I do that?"
    } else {
        question
    };
    // "the regular one" after an LTSC key: the same edition's general release.
    let regular;
    let question = match ctx.and_then(|c| c.edition.as_deref()) {
        Some(ed)
            if ctx.and_then(|c| c.intent) == Some(Intent::KeyLookup)
                && ed.contains(" LTS")
                && question.split_whitespace().count() <= 6
                && GENERAL_RELEASE.is_match(question)
                && kb.nlu.understand(question).slots.editions.is_empty() =>
        {
            let base = ed.split(" LTS").next().unwrap_or(ed);
            regular = format!("key for {base}");
            regular.as_str()
        }
        _ => question,
    };
    // "from 10.0.4.0/24", "ok file it" in a thread about a firewall rule or internet access:
    // a detail of that request, or the word to file it.
    if let Some(a) = request_thread::request_turn(kb, question, ctx, settings) {
        return a;
    }
    // "to 1700" after the option that changes the host's port, "the kms is on 1700 actually"
    // after a diagnosis: the thread's port from then on.
    if let Some(a) = port_told::port_told(kb, question, ctx, settings) {
        return a;
    }
    // "what edition is that?" after pasted output or a key: the thread's edition.
    if let Some(a) = thread_edition_named(kb, question, ctx, settings) {
        return a;
    }
    // "hi! how are you today?": a greeting, whatever the classifier makes of it.
    if HOW_ARE_YOU.is_match(question) {
        return small_talk(Intent::Greet, ctx);
    }
    // "is it on my side or yours?" after an error code: where that error comes from.
    if let Some(a) = error_side_asked(kb, question, ctx, settings) {
        return a;
    }
    // "The KMS server key" is the KMS host key (CSVLK).
    let question = &*host_key_synonym(question);
    // "Our license server", "the company's activation server": the KMS host.
    let question = &*license_server_synonym(question);
    // "The Remote Desktop Session Host needs its key": a server role, not a KMS host.
    let question = &*scope::role_host_as_server(question);
    // "slmgr /dvl", "slmgr /xrp": the option meant.
    let (spelt, option_fixes) = slmgr_option_spelling(kb, question);
    let question = &*spelt;
    // "re-arm" is the slmgr option /rearm.
    let rearm;
    let question = if question.contains("re-arm") || question.contains("Re-arm") {
        rearm = question
            .replace("re-arm", "rearm")
            .replace("Re-arm", "Rearm");
        rearm.as_str()
    } else {
        question
    };
    // "Hi team, ... cheers", "Ticket INC-123: ...", "... Thanks in advance!": the message
    // without the pleasantries and references around it.
    // A greeting that asks for the bot ("hello, are you there?", "hi, can you help me?") is
    // one as a whole.
    let question = match strip_wrappers(question) {
        rest if rest.len() != question.trim().len()
            && !apology_lead_in(question)
            && matches!(
                kb.nlu.understand(question).intent,
                Intent::Greet | Intent::Help
            ) =>
        {
            question
        }
        rest => rest,
    };
    // "Thanks! And the command to install it?": the question after the thanks.
    // "thanks. also how many days until they renew": a question without its mark.
    let question = match THANKS_PREFIX.find(question) {
        Some(m)
            if question[m.end()..].split_whitespace().count() >= 3
                && (question[m.end()..].contains('?') || asks_after_ack(&question[m.end()..])) =>
        {
            &question[m.end()..]
        }
        _ => question,
    };
    // "done, it says Product activated successfully. will it need anything else?" in a thread
    // about a KMS client: nothing more to do, and how its activation lasts (a MAK, retail or
    // the host's own activation does not expire).
    let kms_client_thread = matches!(
        ctx.and_then(|c| c.intent),
        Some(Intent::PointKms | Intent::ClientProcedure | Intent::ExistingKms | Intent::KeyLookup)
    ) || question.to_lowercase().contains("kms");
    if kms_client_thread
        && ACTIVATED_ANYTHING_ELSE.is_match(question)
        && !["mak", "host", "retail", "phone", "online", "oem"]
            .iter()
            .any(|w| question.to_lowercase().contains(w))
    {
        let t = target(&Slots::default(), ctx, settings);
        if let Some(mut a) = fact_answer(kb, "validity", &t, Intent::Timing, ctx) {
            a.text = format!("**Nothing else to do** once it says activated. {}", a.text);
            return with_intent(a, Some(Intent::Timing));
        }
    }
    // "ok it says licensed now. how long is that good for?": a report, then the question.
    let question = ack_then_question(question).unwrap_or(question);
    // "ok, give me the commands", "thanks. show me the steps": the request after the ack.
    let question = match THANKS_PREFIX.find(question) {
        Some(m)
            if question[m.end()..]
                .split_whitespace()
                .next()
                .is_some_and(|w| {
                    [
                        "give", "show", "send", "tell", "list", "walk", "write", "post",
                    ]
                    .contains(&w.to_lowercase().as_str())
                })
                && question[m.end()..].split_whitespace().count() >= 3 =>
        {
            &question[m.end()..]
        }
        _ => question,
    };
    // "the N one please", "and datacenter pls" in a thread: the follow-up without the please.
    let polite;
    let question = match POLITE_TAIL.captures(question) {
        Some(c)
            if ctx.is_some()
                && question.split_whitespace().count() <= 6
                // "done, worked. thanks" is a report and its thanks.
                && c.get(1).is_some_and(|m| {
                    !m.as_str().ends_with(['.', '!', ','])
                        && !THANKS_PREFIX.is_match(&format!("{}. x", m.as_str()))
                        && !ACTIVATED_ANYTHING_ELSE.is_match(m.as_str())
                        && !DONE_START.is_match(m.as_str())
                        && !m.as_str().split_whitespace().any(|w| {
                            ["worked", "works", "working", "fixed", "solved", "activated"]
                                .contains(&w.to_lowercase().as_str())
                        })
                }) =>
        {
            polite = c.get(1).map_or("", |m| m.as_str()).to_string();
            polite.as_str()
        }
        _ => question,
    };
    // "show me how to test it", "tell me how to do that": how to do it.
    let how_to;
    let question = match SHOW_ME_HOW.find(question) {
        Some(m) if question[m.end()..].split_whitespace().count() >= 2 => {
            how_to = format!("how do I {}", &question[m.end()..]);
            how_to.as_str()
        }
        _ => question,
    };
    // "What's a GVLK, in plain words?": the question without the request for plain words.
    let plain;
    let question = match PLAIN_WORDS_TAIL.captures(question) {
        Some(c)
            if question[..c.get(0).map_or(0, |m| m.start())]
                .split_whitespace()
                .count()
                >= 2 =>
        {
            let start = c.get(0).map_or(question.len(), |m| m.start());
            let mark = c.name("mark").map_or("", |m| m.as_str());
            plain = format!("{}{mark}", &question[..start]);
            plain.as_str()
        }
        _ => question,
    };
    // "I not understand CSVLK, what it is?": what that term is.
    let explain;
    let question = match NOT_UNDERSTOOD_TERM
        .captures(question)
        .and_then(|c| c.name("term"))
    {
        Some(term) if term.as_str().split_whitespace().count() <= 4 => {
            explain = format!("What is {}?", term.as_str().trim());
            explain.as_str()
        }
        _ => question,
    };
    let whole = answer_one(kb, question, ctx, settings);
    let whole = remark_overruled(kb, question, ctx, settings, whole);
    let mut a = two_questions(kb, question, ctx, settings, &whole).unwrap_or(whole);
    // Say what is wrong in a typed `/skms` command ("/skms 10.0.0.5 1688", "/skms:host").
    if !a.abstained && a.text.contains("/skms") {
        if let Some(note) = skms_typo_note(question) {
            a.text = format!("{note}\n\n{}", a.text);
        }
    }
    // Say which option a mistyped one was read as: the typo may be why "it doesn't work".
    if !a.abstained && !option_fixes.is_empty() {
        let notes: Vec<String> = option_fixes
            .iter()
            .map(|(typed, meant)| format!("`{typed}` is no slmgr option; I read it as `{meant}`."))
            .collect();
        a.text = format!("{}\n\n{}", notes.join(" "), a.text);
    }
    // The client's steps named in order for confirmation: say so before the steps.
    if !a.abstained && a.text.contains("/ato") && beliefs::order_confirmed(question) {
        a.text = format!(
            "**Yes**, that is the order: the KMS client setup key (`slmgr /ipk`), the KMS host (`slmgr /skms`), then `slmgr /ato`.\n\n{}",
            a.text
        );
    }
    // An unsynchronised clock pasted, the BYOL policy to someone not activated yet.
    scope::complete(question, settings, &mut a);
    keep_pasted_edition(kb, question, &mut a);
    keep_pasted_host(question, &mut a);
    a
}

/// Pasted output that names the KMS host and port (`Test-NetConnection`, `/dlv`): the thread
/// keeps them when the answer did not, so "what do I run on the client?" uses them.
fn keep_pasted_host(q: &str, a: &mut Answer) {
    if a.abstained || q.lines().count() < 2 {
        return;
    }
    let Some(c) = a.context.as_mut() else {
        return;
    };
    if c.host.is_some() {
        return;
    }
    let slots = crate::nlu::slots::extract(q);
    remember_named(c, &slots);
}

/// Someone else's question passed on with a colon ("Our security team asks:", "my boss wants
/// to know -", "Question from the auditor:").
static PASSED_ON: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)^\s*(?:(?:our|my|the|a)\s+)?(?:[\w'-]+\s+){0,3}?(?:asks?|asked|is\s+asking|are\s+asking|wants?\s+to\s+know|would\s+like\s+to\s+know|wonders?|is\s+wondering)\s*[:\u{2014}-]+\s+|^\s*questions?\s+from\s+(?:[\w'-]+\s+){0,3}?[\w'-]+\s*[:\u{2014}-]+\s+",
    )
});

/// The question someone else asked, without the words that pass it on, when a question of
/// three words or more follows.
fn passed_on(q: &str) -> &str {
    match PASSED_ON.find(q) {
        Some(m) if q[m.end()..].split_whitespace().count() >= 3 => &q[m.end()..],
        _ => q,
    }
}

/// "ok different question:", "unrelated -", "switching topics,": a lead-in that says the
/// thread's topic is over.
static NEW_TOPIC: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)^\s*(?:(?:ok(?:ay)?|alright|right|thanks?|cool|great|fine)[\s,.!-]+)?(?:(?:a\s+)?(?:different|another|other|new|unrelated|separate)\s+(?:question|q|thing|topic|subject|one)|something\s+else|unrelated|on\s+another\s+note|(?:switching|changing)\s+(?:topics?|subjects?)|new\s+topic)\s*(?:[:,.!?-]+\s*|\s+(?:but|now|then)[\s:,-]+)",
    )
});

/// Which edition "that" or "it" is, asked back ("what edition is that?", "which version is
/// it").
static WHICH_EDITION_THAT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\s*(?:so|and|ok(?:ay)?|hmm)?[\s,]*(?:what|which)\s+(?:edition|version|windows|sku|os)(?:\s+of\s+windows)?\s+(?:is|was|'s)\s+(?:that|it|this|the\s+(?:machine|server|box|vm|output))(?:\s+exactly)?\s*[?.!]*\s*$",
    )
});

/// The thread's edition (from pasted output or a key answer), named when asked which one
/// "that" is, with its key.
fn thread_edition_named(
    kb: &KnowledgeBase,
    q: &str,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
) -> Option<Answer> {
    if !WHICH_EDITION_THAT.is_match(q) {
        return None;
    }
    let ed = ctx?.edition.as_deref()?;
    let g = kb.tables.gvlks.iter().find(|g| g.edition == ed)?;
    let t = target(&Slots::default(), ctx, settings);
    let mut a = crate::answer::key_answer(kb, g, ctx);
    a.text = format!(
        "That is **{}**.\n\n{}",
        g.display_name(),
        personalize_key_answer(&a.text, &t, g)
    );
    if let Some(c) = a.context.as_mut() {
        c.intent = Some(Intent::KeyLookup);
    }
    Some(with_intent(a, Some(Intent::KeyLookup)))
}

/// "How are you (today)?" alone or after a greeting: small talk.
static HOW_ARE_YOU: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\s*(?:(?:hi|hello|hey|hiya|good\s+(?:morning|afternoon|evening))(?:\s+there)?[\s,!.]*)?(?:how\s+(?:are|r)\s+(?:you|u|ya)|how'?s\s+it\s+going|how\s+(?:is|are)\s+things|how\s+do\s+you\s+do)(?:\s+(?:today|doing|going|this\s+morning|mate|bot))*\s*[?!.]*\s*$",
    )
});

/// Whose side a problem is on, asked ("is it on my side or yours?", "our fault or
/// Microsoft's?", "whose problem is that?").
static WHOSE_SIDE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bwhose\s+(?:side|fault|problem|issue|end)\b|\b(?:my|our|your|microsoft'?s?|the\s+provider'?s?|the\s+cloud'?s?)\s+(?:side|end|fault)\b|\b(?:my|our)\s+(?:problem|issue)\s+or\b|\bor\s+(?:yours|microsoft'?s?|theirs|mine|ours)\b|\b(?:yours|mine)\s+or\s+(?:mine|yours|ours)\b",
    )
});

/// Whose side the thread's error is on, asked right after it: what the code means and where
/// its cause usually lies, then the fix, rather than a new diagnosis.
fn error_side_asked(
    kb: &KnowledgeBase,
    q: &str,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
) -> Option<Answer> {
    if !WHOSE_SIDE.is_match(q) || q.split_whitespace().count() > 12 || q.lines().count() > 1 {
        return None;
    }
    let code = ctx?.error.as_deref()?;
    let e = kb.error_info(code)?;
    let t = target(&Slots::default(), ctx, settings);
    let mut a = crate::answer::error_answer(kb, e, ctx);
    a.text = format!(
        "`{}` is reported by Windows activation on the machine itself, so the cause is in what that machine has or reaches (its key, its clock, its DNS, the path to its KMS host, or Microsoft's activation service for that key), not in this chat. What it means and where it usually comes from:\n\n{}",
        e.code,
        personalize(&a.text, &t, None)
    );
    Some(with_intent(a, Some(Intent::ErrorCode)))
}

/// The question after a lead-in that starts a new topic, when one is left.
fn new_topic(q: &str) -> Option<&str> {
    let m = NEW_TOPIC.find(q)?;
    let rest = q[m.end()..].trim();
    (rest.split_whitespace().count() >= 2).then_some(rest)
}

/// Pasted `slmgr /dli` or `/dlv` output names the machine's edition: the thread keeps it, so
/// "gvlk for it?", "what edition is that" and "what now" after it are about that edition.
fn keep_pasted_edition(kb: &KnowledgeBase, q: &str, a: &mut Answer) {
    if a.abstained || q.lines().count() < 2 {
        return;
    }
    let Some(g) = pasted_edition(kb, q) else {
        return;
    };
    if let Some(c) = a.context.as_mut() {
        c.family = Some(g.family.clone());
        c.edition = Some(g.edition.clone());
        c.editions.clear();
    }
}

/// Greetings and lead-ins a message may start with ("hello team,", "quick question -").
const LEAD_INS: &[&str] = &[
    // An apology for one's English or a note on being new comes before the question.
    // Politeness, not a correction of the last question ("sorry, I meant 2019").
    "sorry to bother you",
    "sorry to bother",
    "sorry for bothering you",
    "sorry for bothering",
    "sorry to disturb you",
    "sorry to disturb",
    "sorry for the trouble",
    "sorry for my bad english",
    "sorry for my poor english",
    "sorry for my english",
    "sorry for bad english",
    "sorry my bad english",
    "sorry my english",
    "excuse my bad english",
    "excuse my english",
    "my english is not good",
    "my english not good",
    "i am new here",
    "i'm new here",
    "im new here",
    "one more question",
    "another question",
    "hello sir",
    "hi sir",
    "dear sir",
    "hello team",
    "hi team",
    "hey team",
    "hello all",
    "hi all",
    "hey all",
    "hello everyone",
    "hi everyone",
    "hello there",
    "hi there",
    "hey there",
    "good morning",
    "good afternoon",
    "good evening",
    "morning all",
    "dear team",
    "dear support",
    "greetings",
    "hello",
    "hiya",
    "hi",
    "hey",
    "quick question",
    "quick q",
    "small question",
    "one question",
    "question",
];

/// An apology for one's English, a note on being new or "one more question" before the
/// question ("sorry my english, how activate win server"): never the whole message.
fn apology_lead_in(q: &str) -> bool {
    let lower = q.trim_start().to_ascii_lowercase();
    [
        "sorry for my",
        "sorry for bad english",
        "sorry my",
        "excuse my",
        "my english",
        "i am new here",
        "i'm new here",
        "im new here",
        "one more question",
        "another question",
    ]
    .iter()
    .any(|l| lower.starts_with(l))
}

/// Thanks a message may end with ("... Thanks in advance!", "... cheers").
const SIGN_OFFS: &[&str] = &[
    "thanks in advance",
    "thank you in advance",
    "thanks a lot",
    "many thanks",
    "thank you",
    "thanks",
    "thx",
    "tia",
    "cheers",
];

/// The message without a greeting or lead-in before it, a ticket reference ("Ticket
/// INC-20931:") before it or thanks after it, when enough of a question is left: what is left
/// asks something (a question mark, a question word) or is long. A greeting alone, or one
/// followed by a remark ("hi, I'm new here"), stays as written.
fn strip_wrappers(q: &str) -> &str {
    let words = |s: &str| s.split_whitespace().count();
    let mut rest = q.trim();
    let lower = rest.to_ascii_lowercase();
    // "Ticket INC-20931: ...", "INC0091 - ...": a reference of at most three words.
    if lower.starts_with("ticket") || lower.starts_with("inc") {
        // The reference ends at a colon or a dash between spaces ("INC-20931" holds one).
        let window = rest.get(..40).unwrap_or(rest);
        if let Some(end) = window.find(':').or_else(|| window.find(" - ")) {
            let head = &rest[..end];
            let tail = rest[end + 1..].trim_start_matches(['-', ':', ' ']);
            if words(head) <= 3 && head.bytes().any(|b| b.is_ascii_digit()) && words(tail) >= 2 {
                rest = tail;
            }
        }
    }
    let lower = rest.to_ascii_lowercase();
    if let Some(lead) = LEAD_INS.iter().find(|l| {
        lower.starts_with(*l)
            && lower[l.len()..]
                .bytes()
                .next()
                .is_some_and(|b| !b.is_ascii_alphanumeric())
    }) {
        let tail = rest[lead.len()..].trim_start_matches(|c: char| {
            c.is_whitespace() || matches!(c, ',' | '.' | '!' | ':' | '-' | '\u{2014}' | '\u{2013}')
        });
        // A remark about the writer ("hi, I'm new here", "good morning, I hope this is the
        // right place") is the greeting's own: it stays with it.
        let first = tail
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let remark = [
            "i",
            "i'm",
            "im",
            "i've",
            "we",
            "we're",
            "this",
            "it's",
            "just",
            "first",
            "new",
            "nice",
            "bot",
            "kmsbot",
            "team",
            "all",
            "everyone",
            "folks",
            "there",
            "good",
            "morning",
            "greetings",
        ]
        .contains(&first.trim_end_matches(','));
        if words(tail) >= 3 && (tail.contains('?') || asks(tail) || (words(tail) >= 4 && !remark)) {
            rest = tail;
        }
    }
    // Thanks at the end of the last line.
    let trimmed = rest.trim_end_matches(['!', '.', ' ', ')', ':']);
    let lower = trimmed.to_ascii_lowercase();
    if let Some(off) = SIGN_OFFS.iter().find(|o| {
        lower.ends_with(*o)
            && lower[..lower.len() - o.len()]
                .bytes()
                .last()
                .is_some_and(|b| !b.is_ascii_alphanumeric())
    }) {
        let head = trimmed[..trimmed.len() - off.len()]
            .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | '-' | '.' | '!'));
        // "Brilliant, that sorted it. Thank you!" is thanks as a whole.
        let thanks_for_a_fix = [
            "work",
            "fixed",
            "sorted",
            "solved",
            "brilliant",
            "great",
            "perfect",
            "awesome",
            "did it",
            "helped",
            "done",
        ]
        .iter()
        .any(|w| lower.contains(w));
        if words(head) >= 2 && !thanks_for_a_fix {
            rest = if head.ends_with('?') || !trimmed.contains('?') {
                head
            } else {
                rest
            };
        }
    }
    rest
}

/// Words of the domain that patterns look for, spelt right. Only misspellings are replaced: a
/// word that starts one of these or that one of these starts ("activates", "window") stays.
const DOMAIN_WORDS: &[&str] = &[
    "activate",
    "activated",
    "activation",
    "activating",
    "command",
    "threshold",
    "firewall",
    "windows",
    "license",
    "licence",
    "licensed",
    "enterprise",
    "datacenter",
    "education",
    "professional",
];

/// The message with misspelt domain words ("activte", "comand", "threshhold") spelt right:
/// one edit away for words up to 7 letters, two for longer ones, with the same first letter.
/// "activator" and "activity" are words of their own.
fn domain_spelling(text: &str) -> Cow<'_, str> {
    rewrite_words(text, u8::is_ascii_alphabetic, |word| {
        if word.len() < 5 {
            return None;
        }
        let word = word.to_ascii_lowercase();
        if word == "activity"
            || DOMAIN_WORDS
                .iter()
                .any(|d| word.starts_with(d) || d.starts_with(word.as_str()))
        {
            return None;
        }
        let max = if word.len() > 7 { 2 } else { 1 };
        let fix = DOMAIN_WORDS
            .iter()
            .filter(|d| {
                d.len().abs_diff(word.len()) <= max && d.as_bytes()[0] == word.as_bytes()[0]
            })
            .map(|d| (crate::text::edit_distance(&word, d, max), *d))
            // Two edits after the same six letters is another word ("activator"), not a typo.
            .filter(|(dist, d)| {
                *dist == 1
                    || (*dist <= max
                        && word
                            .bytes()
                            .zip(d.bytes())
                            .take_while(|(a, b)| a == b)
                            .count()
                            < 6)
            })
            .min();
        fix.map(|(_, d)| d)
    })
}

/// `text` with each whole word (a run of bytes `in_word` accepts) that `fix` has a spelling for
/// written that way; words joined to a host name, a path or an option (`kms.corp`, `/activate`)
/// stay as typed. Borrowed when nothing changed.
fn rewrite_words<'a>(
    text: &'a str,
    in_word: fn(&u8) -> bool,
    mut fix: impl FnMut(&str) -> Option<&'static str>,
) -> Cow<'a, str> {
    let mut out: Option<String> = None;
    let mut last = 0;
    let bytes = text.as_bytes();
    let joined = |b: Option<&u8>| b.is_some_and(|b| matches!(b, b'.' | b'-' | b'_' | b'/' | b'\\'));
    let mut i = 0;
    while i < bytes.len() {
        if !in_word(&bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && in_word(&bytes[i]) {
            i += 1;
        }
        if joined(start.checked_sub(1).and_then(|j| bytes.get(j))) || joined(bytes.get(i)) {
            continue;
        }
        if let Some(meant) = fix(&text[start..i]) {
            let o = out.get_or_insert_with(String::new);
            o.push_str(&text[last..start]);
            o.push_str(meant);
            last = i;
        }
    }
    match out {
        Some(mut o) => {
            o.push_str(&text[last..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(text),
    }
}

/// An SRV record asked for another service than KMS ("ntp srv rec", "srv record for
/// kerberos", "_sip._tls srv"), with nothing of KMS in the message.
fn other_srv_service(lower: &str) -> bool {
    const SERVICES: &[&str] = &[
        "ntp",
        "ldap",
        "kerberos",
        "kdc",
        "kpasswd",
        "sip",
        "sipfederationtls",
        "xmpp",
        "autodiscover",
        "lync",
        "skype",
        "gc",
        "caldav",
        "carddav",
        "imap",
        "imaps",
        "smtp",
        "submission",
        "minecraft",
        "matrix",
        "jabber",
        "teams",
    ];
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    (words.contains(&"srv") || lower.contains("service record"))
        && words.iter().any(|w| SERVICES.contains(w))
        && !["kms", "vlmcs", "1688", "activat", "slmgr"]
            .iter()
            .any(|w| lower.contains(w))
}

/// What is wrong in an `slmgr /skms` command typed in the message, if anything: a colon
/// after the option ("/skms:10.0.0.5"), the port after a space, semicolon or comma instead of a
/// colon ("/skms 10.0.0.5 1688"), a URL ("http://kms01"), a colon left at the end, or the
/// option without its slash ("slmgr skms 10.0.0.5").
fn skms_typo_note(q: &str) -> Option<String> {
    let lower = q.to_lowercase();
    let (at, slash) = match lower.find("/skms") {
        Some(i) => (i + "/skms".len(), true),
        None => (lower.find("slmgr skms")? + "slmgr skms".len(), false),
    };
    let rest = &q[at..];
    let mut problems: Vec<&str> = Vec::new();
    if !slash {
        problems.push("an slmgr option starts with a slash (`/skms`)");
    }
    let rest = if let Some(r) = rest.strip_prefix(':') {
        problems.push("the host follows `/skms` after a space, not a colon");
        r
    } else {
        rest
    };
    let mut parts = rest.split_whitespace();
    let host = parts.next()?;
    let host_l = host.to_lowercase();
    if host_l.starts_with("http://") || host_l.starts_with("https://") {
        problems.push("`/skms` takes a host name or IP address, not a URL (no `http://`)");
    }
    if host.ends_with(':') {
        problems.push("a colon is left at the end of the address");
    }
    let split_port = host
        .split_once([';', ','])
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok_and(|p| p > 0));
    // (A number of things after the host is no port: "/skms 10.0.0.5 for 30 vms", "2019 dc".)
    const COUNTED: &[&str] = &[
        "server",
        "servers",
        "vm",
        "vms",
        "machines",
        "clients",
        "days",
        "hours",
        "minutes",
        "times",
        "std",
        "dc",
        "standard",
        "datacenter",
        "r2",
    ];
    let spaced_port = !host.contains(':')
        && parts
            .next()
            .is_some_and(|p| p.parse::<u16>().is_ok_and(|p| p > 0))
        && parts
            .next()
            .is_none_or(|w| !COUNTED.contains(&w.to_lowercase().as_str()));
    if split_port || spaced_port {
        problems.push("host and port are joined by a colon (`<host>:<port>`), with no space");
    }
    if problems.is_empty() {
        return None;
    }
    let spaced = if spaced_port {
        rest.split_whitespace().nth(1)
    } else {
        None
    };
    let fixed = match skms_corrected(host, spaced) {
        Some(f) => format!(" Yours, corrected: `slmgr /skms {f}`."),
        None => String::new(),
    };
    Some(format!(
        "**In the command you typed**: {}. The form is `slmgr /skms <host>:<port>`.{fixed}",
        problems.join("; ")
    ))
}

/// The `<host>[:<port>]` an `/skms` command meant, from the text typed after the option (a URL
/// reduced to its host and port, a port after a semicolon, comma or space joined by a colon, a
/// colon left at the end dropped), when what remains is a plain host name or address.
fn skms_corrected(host: &str, spaced_port: Option<&str>) -> Option<String> {
    let h = host
        .trim_matches(|c: char| "`'\"()<>".contains(c))
        .trim_end_matches(['.', ',']);
    let lower = h.to_lowercase();
    let h = if lower.starts_with("http://") {
        &h["http://".len()..]
    } else if lower.starts_with("https://") {
        &h["https://".len()..]
    } else {
        h
    };
    let h = h.split('/').next().unwrap_or_default();
    let (name, port) = match h.split_once([';', ',', ':']) {
        Some((n, p)) => (n, Some(p)),
        None => (h, spaced_port),
    };
    let port = match port.map(|p| p.trim_matches(|c: char| !c.is_ascii_digit())) {
        Some("") | None => None,
        Some(p) => Some(p.parse::<u16>().ok().filter(|p| *p > 0)?),
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        return None;
    }
    Some(match port {
        Some(p) => format!("{name}:{p}"),
        None => name.to_string(),
    })
}

/// A short message naming MAK activation and asking for its commands or steps ("mak cmd",
/// "mak cmds pls", "mak activation syntax"), with nothing that compares it to KMS.
fn mak_commands_asked(lower: &str) -> bool {
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |list: &[&str]| words.iter().any(|w| list.contains(w));
    words.len() <= 6
        && has(&["mak"])
        && has(&["cmd", "cmds", "command", "commands", "syntax", "steps"])
        && !has(&[
            "vs",
            "or",
            "versus",
            "difference",
            "better",
            "which",
            "compare",
            "kms",
            "gvlk",
            "count",
            "left",
            "remaining",
        ])
}

/// Words a terse message about KMS's DNS record may hold besides "dns" or "srv" ("no dns",
/// "dns record?", "we have no srv", "without dns"): nothing of another service.
const DNS_FRAGMENT_WORDS: &[&str] = &[
    "no", "dns", "srv", "record", "records", "rec", "without", "not", "none", "missing", "we",
    "have", "there", "is", "isn", "isnt", "t", "s", "and", "what", "about", "the", "a", "use",
    "using", "kms", "for", "our", "any", "down", "broken", "working", "entry", "here", "vlmcs",
    "zone", "so", "then", "but", "_tcp", "tcp", "nslookup", "lookup", "check", "test", "verify",
    "query", "resolve", "find", "how", "to", "type",
];

/// Words of [`DNS_FRAGMENT_WORDS`] that ask to look something up: about DNS in general unless
/// the SRV record is named or a thread about activation came before.
const DNS_LOOKUP_WORDS: &[&str] = &[
    "nslookup", "lookup", "check", "test", "verify", "query", "resolve", "find", "how", "to",
    "type",
];

/// A message of a few words that only makes sense in its thread, answered from the thread's
/// topic: "no dns" or "dns?" (the SRV record and setting the host by hand), "servers?" after
/// 0xC004F038 (the thresholds), "change it" after
/// the renewal timing (the host's interval options), "detailed" after a status command
/// (`slmgr /dlv`), "how many left" or "reboot?" after `slmgr /rearm`, "reboot?" after an
/// edition conversion or the activation commands.
fn terse_fragment(
    kb: &KnowledgeBase,
    q: &str,
    lower: &str,
    u: &Understanding,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
) -> Option<Answer> {
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .collect();
    // A thumbs-up or a thank-you emoji alone.
    if words.is_empty() {
        let thanks = q.contains('\u{1F64F}');
        let ack = [
            '\u{1F44D}',
            '\u{1F44C}',
            '\u{2705}',
            '\u{1F642}',
            '\u{1F600}',
        ]
        .iter()
        .any(|e| q.contains(*e));
        return (thanks || ack)
            .then(|| small_talk(if thanks { Intent::Thanks } else { Intent::Ack }, ctx));
    }
    if words.len() > 5 || !u.slots.nothing_pasted() || q.contains('\n') {
        return None;
    }
    let t = target(&u.slots, ctx, settings);
    let has = |list: &[&str]| words.iter().any(|w| list.contains(w));
    // The KMS record in DNS, or its absence: whether or not a thread came before.
    if has(&["dns", "srv", "vlmcs", "_vlmcs"])
        && words
            .iter()
            .all(|w| DNS_FRAGMENT_WORDS.contains(w) || w.trim_start_matches('_') == "vlmcs")
        && u.slots.error.is_none()
        && u.slots.host.is_none()
        && (!has(DNS_LOOKUP_WORDS)
            || has(&["srv", "vlmcs", "_vlmcs"])
            || ctx
                .and_then(|c| c.intent)
                .is_some_and(|i| !i.is_small_talk()))
    {
        return fact_answer(kb, "srv", &t, Intent::ExistingKms, ctx)
            .map(|a| with_intent(a, Some(Intent::ExistingKms)));
    }
    let c = ctx?;
    let prev = c.intent?;
    let section = c.topic.as_ref().map_or("", |s| s.section.as_str());
    // "still", "same error", "no luck" after an error: the same as "still <that error>".
    const STILL: &[&str] = &[
        "still", "same", "error", "again", "no", "luck", "nope", "not", "working", "failing",
        "fails", "failed", "didnt", "didn", "t", "doesnt", "doesn", "work", "help", "it", "code",
    ];
    if let Some(code) = c.error.as_deref().filter(|_| u.slots.error.is_none()) {
        if has(&["still", "same", "again", "nope", "luck"])
            && words.iter().all(|w| STILL.contains(w))
        {
            return Some(answer_one(kb, &format!("still {code}"), ctx, settings));
        }
    }
    // "servers?", "and win11 clients" after 0xC004F038 (count too low): the thresholds.
    const KINDS: &[&str] = &[
        "server",
        "servers",
        "client",
        "clients",
        "vm",
        "vms",
        "desktop",
        "desktops",
        "pc",
        "pcs",
        "win10",
        "win11",
        "workstation",
        "workstations",
    ];
    const FILLER: &[&str] = &[
        "and", "for", "what", "about", "the", "how", "many", "min", "minimum", "count", "only",
        "just", "windows", "win", "10", "11", "server", "2019", "2022", "2025", "2016",
    ];
    if c.error.as_deref() == Some("0xC004F038")
        && u.slots.error.is_none()
        && has(KINDS)
        && words
            .iter()
            .all(|w| KINDS.contains(w) || FILLER.contains(w))
    {
        let a = thresholds(kb, &u.slots, q, ctx);
        return Some(with_intent(a, Some(Intent::Thresholds)));
    }
    let restart = has(&[
        "reboot",
        "restart",
        "rebooting",
        "restarting",
        "reboots",
        "restarts",
    ]);
    let slmgr_answer = |option: &str, intent: Intent| {
        kb.tables
            .slmgr
            .iter()
            .find(|o| o.option == option)
            .map(|o| {
                let mut c = c.clone();
                c.intent = Some(intent);
                let a = finish(
                    personalize(&slmgr_text(o), &t, None),
                    Source {
                        title: format!("{SLMGR_TABLE} ({})", kb.tables.slmgr_source),
                        section: format!("slmgr {option}"),
                    },
                    0.85,
                    c,
                    None,
                );
                with_intent(a, Some(intent))
            })
    };
    // "host side?", "kms end?" after commands or an error on a client: what to check on the
    // KMS host.
    const HOST_SIDE: &[&str] = &[
        "host", "side", "end", "kms", "on", "the", "what", "about", "and", "check", "server",
        "its", "that", "now",
    ];
    if has(&["side", "end"])
        && has(&["host", "kms", "server"])
        && words.iter().all(|w| HOST_SIDE.contains(w))
        && matches!(
            prev,
            Intent::PointKms
                | Intent::ClientProcedure
                | Intent::ErrorCode
                | Intent::Diagnose
                | Intent::Connectivity
                | Intent::Thresholds
                | Intent::KeyLookup
                | Intent::ExistingKms
        )
    {
        return fact_answer(kb, "host-check", &t, Intent::HostSetup, ctx)
            .map(|a| with_intent(a, Some(Intent::HostSetup)));
    }
    // "outbound?", "inbound or outbound" after the port: its direction.
    let port_section = kb
        .tables
        .kms
        .iter()
        .find(|f| f.id == "port")
        .is_some_and(|f| f.title == section);
    if port_section && has(&["inbound", "outbound", "direction", "ingress", "egress"]) {
        return fact_answer(kb, "port", &t, Intent::Connectivity, ctx)
            .map(|a| with_intent(a, Some(Intent::Connectivity)));
    }
    // "change it", "how to change", "can i set that" after the renewal and retry timing.
    let validity = kb
        .tables
        .kms
        .iter()
        .find(|f| f.id == "validity")
        .is_some_and(|f| f.title == section);
    if (prev == Intent::Timing && validity || section == "slmgr /sri" || section == "slmgr /sai")
        && has(&[
            "change",
            "set",
            "adjust",
            "configure",
            "modify",
            "shorten",
            "lower",
            "tune",
        ])
    {
        return fact_answer(kb, "validity", &t, Intent::Timing, ctx)
            .map(|a| with_intent(a, Some(Intent::Timing)));
    }
    // After `slmgr /rearm`: how many rearms are left, and the restart it needs.
    if section == "slmgr /rearm"
        && (restart
            || has(&[
                "left",
                "remaining",
                "many",
                "times",
                "limit",
                "count",
                "max",
            ]))
    {
        return slmgr_answer("/rearm", Intent::Slmgr);
    }
    // "detailed", "more detail", "verbose" after a status command: the verbose listing.
    let status_thread = matches!(prev, Intent::StatusCheck | Intent::InstanceStatus)
        || ["slmgr /dli", "slmgr /xpr"].contains(&section);
    if status_thread
        && has(&[
            "detailed",
            "detail",
            "details",
            "verbose",
            "full",
            "everything",
            "more",
        ])
        && words.len() <= 3
    {
        return slmgr_answer("/dlv", Intent::StatusCheck);
    }
    // "reboot?" after converting an edition with DISM, or after the activation commands.
    if restart && words.len() <= 4 {
        let evaluation = kb
            .tables
            .kms
            .iter()
            .find(|f| f.id == "evaluation")
            .is_some_and(|f| f.title == section);
        let text = if evaluation {
            "**Yes**: `DISM /online /Set-Edition` finishes with a restart (it asks for it when it is done; let it restart, possibly more than once). Then point the server at the KMS host and activate:\n\n```\nslmgr /skms <KMS_host>:1688\nslmgr /ato\n```"
        } else if matches!(
            prev,
            Intent::ClientProcedure | Intent::PointKms | Intent::KeyLookup
        ) {
            "**No**: no restart is needed, `slmgr /ipk`, `slmgr /skms` and `slmgr /ato` take effect at once. Check the result with:\n\n```\nslmgr /dli\n```"
        } else {
            return None;
        };
        let mut c = c.clone();
        c.intent = Some(prev);
        let source = c.topic.clone().unwrap_or(Source {
            title: format!("{SLMGR_TABLE} ({})", kb.tables.slmgr_source),
            section: "slmgr /ato".to_string(),
        });
        let a = finish(personalize(text, &t, None), source, 0.8, c, None);
        return Some(with_intent(a, Some(prev)));
    }
    None
}

/// A product key typed as 25 letters and digits without its dashes ("slmgr /ipk
/// W269NWFGWXYVC9B4J6C9T83GX fails"): the key written in its five groups, with the commands
/// and, for a public KMS client setup key, its edition.
fn undashed_key(kb: &KnowledgeBase, q: &str, t: &Target, ctx: Option<&Context>) -> Option<Answer> {
    let word = q.split(|c: char| !c.is_ascii_alphanumeric()).find(|w| {
        w.len() == 25
            && w.bytes().any(|b| b.is_ascii_digit())
            && w.bytes().filter(u8::is_ascii_alphabetic).count() >= 5
    })?;
    let upper = word.to_ascii_uppercase();
    let key = (0..5)
        .map(|i| &upper[i * 5..i * 5 + 5])
        .collect::<Vec<_>>()
        .join("-");
    let hits: Vec<&Gvlk> = kb.tables.gvlks.iter().filter(|g| g.key == key).collect();
    let mut c = ctx.cloned().unwrap_or_default();
    c.intent = Some(Intent::KeyLookup);
    let lead = "A product key is typed in five groups of five characters **with the dashes**; `slmgr /ipk` expects it in that form.";
    match hits.first() {
        Some(first) => {
            let names: Vec<String> = hits.iter().map(|g| g.display_name()).collect();
            let text = format!(
                "{lead} `{key}` is the public KMS client setup key (GVLK) for **{}**, and it only activates against a KMS host:\n\n```\nslmgr /ipk {key}\nslmgr /skms {}:{}\nslmgr /ato\n```",
                names.join("**, **"),
                host_or_placeholder(t),
                t.port
            );
            c.family = Some(first.family.clone());
            c.edition = Some(first.edition.clone());
            Some(finish(text, gvlk_source(kb, &first.family), 0.9, c, None))
        }
        None => {
            let text = format!(
                "{lead} Run it in an elevated command prompt as:\n\n```\nslmgr /ipk {key}\nslmgr /ato\n```"
            );
            let source = Source {
                title: format!("{SLMGR_TABLE} ({})", kb.tables.slmgr_source),
                section: "slmgr /ipk".to_string(),
            };
            Some(finish(text, source, 0.8, c, None))
        }
    }
}

/// Chat shorthand for domain words, whole words only: (shorthand, meant).
const SHORTHAND: &[(&str, &str)] = &[
    ("activ8", "activate"),
    ("actv8", "activate"),
    ("activ8d", "activated"),
    // "Actualize" (German "aktualisieren", Spanish "actualizar"): bring up to date.
    ("actualise", "renew"),
    ("actualize", "renew"),
    ("activ", "activation"),
    ("actvtd", "activated"),
    ("actvd", "activated"),
    ("chk", "check"),
    ("autopublish", "auto publish"),
    ("autopublishing", "auto publishing"),
    ("clnt", "client"),
    ("clnts", "clients"),
    ("cnt", "count"),
    ("cnts", "counts"),
    ("glvk", "gvlk"),
    ("gvkl", "gvlk"),
    ("ksm", "kms"),
    ("lic", "licence"),
    ("prt", "port"),
    ("slgmr", "slmgr"),
    ("slmrg", "slmgr"),
    ("smlgr", "slmgr"),
    ("tnc", "Test-NetConnection"),
    ("srvs", "servers"),
    ("svrs", "servers"),
    ("wat", "what"),
    ("wu", "Windows Update"),
];

/// The message with chat shorthand ([`SHORTHAND`]) written out; words inside host names, paths
/// and options stay as typed.
fn chat_shorthand(text: &str) -> Cow<'_, str> {
    rewrite_words(text, u8::is_ascii_alphanumeric, |word| {
        let word = word.to_ascii_lowercase();
        // Beside DNS, "srvs" are SRV records ("no srvs in dns"), not servers (the message is
        // read again only when it has the word).
        if word == "srvs" {
            let lower = text.to_ascii_lowercase();
            if ["dns", "record", "nslookup", "vlmcs"]
                .iter()
                .any(|w| lower.contains(w))
            {
                return Some("SRV records");
            }
        }
        SHORTHAND
            .iter()
            .find(|(w, _)| *w == word)
            .map(|(_, meant)| *meant)
    })
}

/// "Make the same hour" (several languages' word for the time of day): syncing the clock.
static SAME_HOUR: LazyLock<Regex> =
    LazyLock::new(|| rx(r"(?i)\b(?:make|put|set|have|get)\s+(?:the\s+|a\s+)?same\s+hours?\b"));
/// "The hour of my server", "wrong hour": the time a clock shows (a duration, "an hour", "2
/// hours", "every hour", keeps its word).
static CLOCK_HOUR: LazyLock<Regex> =
    LazyLock::new(|| rx(r"(?i)\b(the|same|correct|right|wrong|different|false|bad)\s+hour\b"));

/// The message with the hour of a clock written as its time, as a learner of English may
/// write it ("the hour of the server is different from the KMS").
fn clock_hour(text: &str) -> Cow<'_, str> {
    if !text.to_ascii_lowercase().contains("hour") {
        return Cow::Borrowed(text);
    }
    let synced = SAME_HOUR.replace_all(text, "sync the time");
    match CLOCK_HOUR.replace_all(&synced, "$1 time") {
        Cow::Borrowed(_) => Cow::Owned(synced.into_owned()),
        Cow::Owned(o) => Cow::Owned(o),
    }
}

/// The message with "srv" written "server" where a version follows it ("srv 2022",
/// "srv2019", "srv 2k19"), so that no pattern reads it as a DNS SRV record.
fn server_abbreviation(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut last = 0;
    let mut from = 0;
    while let Some(pos) = text[from..].find(['s', 'S']).map(|p| p + from) {
        from = pos + 1;
        let Some(word) = text.get(pos..pos + 3) else {
            continue;
        };
        let starts_word =
            pos == 0 || !bytes[pos - 1].is_ascii_alphanumeric() && bytes[pos - 1] != b'_';
        if !word.eq_ignore_ascii_case("srv") || !starts_word {
            continue;
        }
        let rest = text[pos + 3..].trim_start_matches(' ');
        // A year ("2022") or its short form ("2k19"); an SRV record's numbers ("SRV 0 0 1688")
        // are no version.
        let version = rest.get(..4).is_some_and(|v| {
            let v = v.as_bytes();
            (v[..2] == *b"20" || v[..2].eq_ignore_ascii_case(b"2k"))
                && v[2..].iter().all(u8::is_ascii_digit)
        });
        if version {
            let o = out.get_or_insert_with(String::new);
            o.push_str(&text[last..pos]);
            o.push_str("server");
            if !text[pos + 3..].starts_with(' ') {
                o.push(' ');
            }
            last = pos + 3;
        }
    }
    match out {
        Some(mut o) => {
            o.push_str(&text[last..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(text),
    }
}

/// The message with "KMS server key" ("kms-server key") written "KMS host key", the name the
/// patterns know for the CSVLK.
fn host_key_synonym(text: &str) -> Cow<'_, str> {
    let lower = text.to_ascii_lowercase();
    if !lower.contains("server key") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in lower.match_indices("server key") {
        let before = lower[..at].trim_end_matches([' ', '-']);
        if before.ends_with("kms") && at >= last {
            out.push_str(&text[last..at]);
            out.push_str("host key");
            last = at + "server key".len();
        }
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Everyday names of a KMS host: a licence server of the user's own (not Microsoft's
/// activation servers, whose name needs a possessive of the user's to mean the KMS host; the
/// "organization's activation server" of Windows' own message is read as error 0xC004F074).
const LICENSE_SERVER_NAMES: &[&str] = &[
    "license server",
    "licence server",
    "licensing server",
    "license host",
    "licence host",
    "licensing host",
    "license box",
    "licence box",
    "company's activation server",
    "internal activation server",
];

/// The message with an everyday name of a KMS host ("our license server", "the company's
/// activation server") written "KMS host", the name the patterns and the
/// classifier know. Remote Desktop and other products' licence servers stay as written.
fn license_server_synonym(text: &str) -> Cow<'_, str> {
    let lower = text.to_ascii_lowercase();
    if !lower.contains(" server")
        && !lower.contains(" host")
        && !lower.contains(" box")
        && !lower.contains(" service")
    {
        return Cow::Borrowed(text);
    }
    if !LICENSE_SERVER_NAMES.iter().any(|n| lower.contains(n))
        || RDS_LICENSING.is_match(text)
        || [
            "flex",
            "matlab",
            "autodesk",
            "remote desktop",
            "citrix",
            "jetbrains",
        ]
        .iter()
        .any(|w| lower.contains(w))
        // The licence server of some other software ("for the CAD software", "for our
        // accounting app").
        || (!lower.contains("windows")
            && lower
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| {
                    [
                        "software", "app", "apps", "application", "applications", "cad", "ansys",
                        "sentinel", "rlm", "arcgis", "esri", "accounting", "erp", "crm", "plugin",
                        // Products known for licence servers of their own.
                        "jenkins", "codemeter", "wibu", "dongle", "nvidia", "vgpu", "cadence",
                        "synopsys", "abaqus", "comsol", "labview", "tableau", "flexnet",
                    ]
                    .contains(&w)
                }))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < lower.len() {
        match LICENSE_SERVER_NAMES
            .iter()
            .filter_map(|n| lower[at..].find(n).map(|i| (at + i, n.len())))
            .min()
        {
            Some((start, len)) => {
                out.push_str(&text[at..start]);
                if lower[start..start + len].starts_with("our ") {
                    out.push_str("our ");
                }
                out.push_str("KMS host");
                at = start + len;
            }
            None => {
                out.push_str(&text[at..]);
                break;
            }
        }
    }
    Cow::Owned(out)
}

/// The message with a mistyped slmgr option written as the option meant ("slmgr /dvl": `/dlv`,
/// "/xrp": `/xpr`): in a message that names slmgr, an option word that is no option and is one
/// letter swapped or changed from exactly one option of the same length. Shorter or longer
/// words ("/skm") are left to the option matching, which reads prefixes.
fn slmgr_option_spelling<'a>(
    kb: &KnowledgeBase,
    text: &'a str,
) -> (Cow<'a, str>, Vec<(String, String)>) {
    let mut fixes = Vec::new();
    if !text.to_ascii_lowercase().contains("slmgr") {
        return (Cow::Borrowed(text), fixes);
    }
    let mut out = Cow::Borrowed(text);
    for word in text.split_whitespace() {
        let Some(typed) = word.strip_prefix(['/', '-']) else {
            continue;
        };
        let typed = typed
            .trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
            .to_ascii_lowercase();
        if !(3..=6).contains(&typed.len()) || !typed.bytes().all(|b| b.is_ascii_lowercase()) {
            continue;
        }
        let options = || {
            kb.tables
                .slmgr
                .iter()
                .map(|o| o.option.trim_start_matches('/'))
        };
        if options().any(|o| o.eq_ignore_ascii_case(&typed)) {
            continue;
        }
        // One letter wrong, swapped, doubled, added or left out ("/dvl", "/atto", "/skm").
        let mut near = options().filter(|o| {
            o.len().abs_diff(typed.len()) <= 1 && crate::text::edit_distance(&typed, o, 1) == 1
        });
        if let (Some(meant), None) = (near.next(), near.next()) {
            let from = &word[..1 + typed.len()];
            let to = format!("{}{meant}", &word[..1]);
            out = Cow::Owned(out.replacen(from, &to, 1));
            fixes.push((from.to_string(), to));
        }
    }
    (out, fixes)
}

/// The message is only an slmgr command line ("cscript //nologo slmgr.vbs /xpr", "slmgr -dlv
/// all"): the script, maybe through cscript and its own switches, an option and at most one
/// argument, with no words around them.
fn bare_command_line(q: &str) -> bool {
    let mut words = q.split_whitespace().map(str::to_ascii_lowercase).peekable();
    while words
        .next_if(|w| w.starts_with("cscript") || w.starts_with("//"))
        .is_some()
    {}
    let Some(script) = words.next() else {
        return false;
    };
    let script = script.rsplit(['\\', '/']).next().unwrap_or_default();
    if !matches!(script, "slmgr" | "slmgr.vbs") {
        return false;
    }
    let rest: Vec<String> = words.collect();
    matches!(rest.len(), 1 | 2) && rest[0].starts_with(['/', '-'])
}

/// The message reports the KMS port itself as unreachable ("1688 blocked", "port 1688 times
/// out", "tcp/1688 closed"): a failure word right after the port.
fn port_reported_blocked(lower: &str) -> bool {
    const FAILED: &[&str] = &[
        "block",
        "closed",
        "fail",
        "refus",
        "timed out",
        "times out",
        "timeout",
        "not open",
        "filtered",
        "unreachable",
        "doesn't connect",
        "does not connect",
    ];
    lower.match_indices("1688").any(|(at, _)| {
        let end = (at + 4 + 30).min(lower.len());
        let after = lower.get(at + 4..end).unwrap_or_default();
        FAILED.iter().any(|w| after.contains(w))
    })
}

/// A product key given to `/skms` ("I put our MAK into slmgr /skms", "ran /skms with the key"),
/// with no `/ipk` in the message.
fn key_given_to_skms(words: &[&str], has_key: bool) -> bool {
    if !words.contains(&"skms") || words.contains(&"ipk") {
        return false;
    }
    let key = has_key
        || words
            .iter()
            .any(|w| matches!(*w, "mak" | "maks" | "key" | "gvlk" | "csvlk"));
    const PUT: &[&str] = &[
        "put", "typed", "type", "entered", "enter", "used", "passed", "gave", "ran", "tried",
        "into", "pasted", "inserted",
    ];
    key && (has_key || PUT.iter().any(|v| words.contains(v)))
}

/// The difference between the two KMS roles ("KMS host vs KMS client?", "kms host vs client
/// diff"), not between their keys, clocks or versions.
fn host_vs_client(words: &[&str]) -> bool {
    let has = |w: &str| words.contains(&w);
    has("kms")
        && has("host")
        && (has("client") || has("clients"))
        && [
            "vs",
            "versus",
            "difference",
            "diff",
            "differ",
            "differs",
            "compare",
            "compared",
        ]
        .iter()
        .any(|w| has(w))
        && (![
            "key", "keys", "time", "clock", "clocks", "port", "version", "versions", "update",
        ]
        .iter()
        .any(|w| has(w))
            // "KMS host key vs KMS client key": the two keys are the two roles.
            || (words.windows(2).any(|p| p == ["host", "key"])
                && words
                    .windows(2)
                    .any(|p| p[0] == "client" && matches!(p[1], "key" | "keys" | "setup"))
                && !["time", "clock", "port", "version", "update"]
                    .iter()
                    .any(|w| has(w))))
}

/// A KMS host away for a length of time, a client that cannot reach one, or day 181 ("what if
/// the KMS host is down for a week?", "a laptop can't reach KMS", "on day 181").
static HOST_AWAY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(down|offline|dead|unreachable|unavailable|off|gone|away|out|broken)\b.{0,20}\bfor\s+(a|an|one|two|three|four|six|\d+|several|many|a\s+few|over\s+a|more\s+than\s+a)?\s*(weeks?|months?|days?|years?)\b|\bday\s+181\b|\b181\s+days\b|\b(can'?t|cannot|can\s+not|couldn'?t|unable\s+to|doesn'?t|does\s+not|never)\s+reach\w*\s+(the\s+|our\s+|a\s+|any\s+)?kms\b|\bkms\s+(host|server|box|vm)\s+(died|crashed|failed|is\s+dead|is\s+broken|broke)\b|\bkms\s+(host|server)\b.{0,20}\b(burns?\s+down|burned\s+down|is\s+lost|gets\s+deleted|was\s+deleted|destroyed)\b|\blost\s+(the\s+|our\s+)?kms\s+(host|server)\b|\bkms\s+outage\b|\b(after|past|beyond|more\s+than|over|longer\s+than)\s+(the\s+)?180\s+days\b|\b(clients?|laptops?|notebooks?|machines?|pcs?|computers?|devices?)\b.{0,20}\b(moves?|moved|moving|roams?|travels?|goes)\b.{0,20}\b(another|other|different|new|a\s+different|home)\s+(network|site|subnet|vnet|vlan|office|location|country)\b",
    )
});
/// A later message in a thread about a host that is away: longer, back again.
static AWAY_LONGER: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(longer|weeks?|months?|years?|days|181|forever|comes?\s+back|back\s+online|back\s+up|reconnects?|returns?|after\s+that|offline|down|unreachable|unavailable)\b",
    )
});
/// The count of a KMS host that stays where it is ("why does the count not go up?").
static COUNT_NOT_RISING: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bcount\b.{0,40}(\bnot|n'?t|\bnever|\bno\s+longer)\s+(go(ing|es)?\s+up|increas\w*|ris\w*|grow\w*|chang\w*|mov\w*|climb\w*|budg\w*)\b|\bcount\b.{0,20}\b(stays?\s+the\s+same|frozen|flat|won'?t\s+budge)\b|\b(isn'?t|is\s+not|doesn'?t|does\s+not|won'?t|will\s+not|why\s+is\s+n'?t|never)\b.{0,30}\bcount\b.{0,10}\b(go(ing|es)?\s+up|increas\w*|ris\w*|grow\w*|climb\w*)\b",
    )
});
/// A MAK put on a machine that activates through KMS, asked for its consequence.
static MAK_ON_KMS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bmak\b.{0,40}\b(on|onto|to|into|for)\s+(a\s+|the\s+|our\s+|my\s+|an?\s+)?(machine\s+that\s+(was|is)\s+)?kms([- ]activated|\s+activated|\s+clients?)?\b|\bkms[- ]activated\b.{0,40}\bmak\b",
    )
});
/// What putting it there does ("what if", "does it consume", "does it still renew").
static CONSEQUENCE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(what\s+if|what\s+happens|happens|consum\w*|use\s+up|uses?\s+(up\s+)?(an?|one)\s+activation|renew\w*|still|affect\w*|expire\w*|permanent\w*|count\w*)\b",
    )
});
/// Why the client setup keys are out in the open ("why is the GVLK public?", "if anyone can
/// find the GVLK, how is it controlled?").
static GVLK_PUBLIC: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(gvlks?|setup\s+keys?|client\s+keys?|the\s+key)\b.{0,60}\b(publish\w*|public\w*|openly|in\s+the\s+docs|on\s+the\s+(internet|web)|same\s+for\s+every(one|body)|anyone|everyone|everybody)\b|\b(anyone|everyone|everybody)\b.{0,40}\b(gvlks?|setup\s+keys?)\b",
    )
});
/// "why 180?", "why 25?", "why 1688?": the reason for a number the bot gave.
static WHY_NUMBER: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\W*(but\s+|and\s+|so\s+)?why\s+(is\s+it\s+|only\s+|exactly\s+|precisely\s+)?(180|181|7|seven|25|twenty[\s-]five|5|five|1688)(\s+(days?|clients?|machines?|servers?|vms?))?\W*$",
    )
});
/// Another service named as being down, or a guest clock drifting, with nothing about
/// activation: not ours ("what if our domain controller is down for a week?").
static OTHER_OUTAGE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(domain\s+controllers?|dcs?|exchange(\s+server)?|sql(\s+server)?|dhcp(\s+server)?|file\s+server|print\s+server|web\s+server|mail\s+server|active\s+directory|vcenter|esxi|hyper-?v\s+host)\b.{0,30}\b(is\s+|goes\s+|went\s+|was\s+)?(down|offline|dead|unreachable)\b|\b(clocks?|time)\b.{0,30}\bdrift\w*\b|\bdrift\w*\b.{0,30}\b(clocks?|time)\b",
    )
});
/// The KMS host built again or replaced ("what if I rebuild the KMS host?", "we're replacing
/// the KMS server with a new one").
static REBUILD_HOST: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(rebuil\w*|reinstall\w*|replac\w*|re-?imag\w*|redeploy\w*)\b.{0,20}\bkms\s+(host|server)\b|\bkms\s+(host|server)\b.{0,30}\b(rebuil\w*|reinstall\w*|replaced|re-?imaged|redeployed)\b",
    )
});
/// The time left after a rearm ("rearmed this morning, how long do I have?").
static REARM_TIME: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bre-?arm\w*\b.{0,60}\b(how\s+long|how\s+many\s+days|how\s+much\s+time|time\s+left|days\s+left|until\s+when)\b|\b(how\s+long|how\s+many\s+days|how\s+much\s+time)\b.{0,40}\b(after|since)\s+(a\s+|the\s+|my\s+)?re-?arm\w*\b",
    )
});
/// Words that keep a message about activation.
static ACTIVATION_WORDS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\b(kms|activat\w*|licen[cs]\w*|slmgr|gvlks?|mak|0xc004\w*|1688|vlmcs|keys?)\b")
});

/// The fact a thread's last answer came from, by its title.
fn thread_fact<'a>(kb: &'a KnowledgeBase, ctx: Option<&Context>) -> Option<&'a str> {
    let section = ctx.and_then(|c| c.topic.as_ref())?.section.as_str();
    kb.tables
        .kms
        .iter()
        .find(|f| f.title == section)
        .map(|f| f.id.as_str())
}

/// Why and what-if questions with a fact of their own, and the follow-ups that stay on that
/// fact: a host away for some time, a count that does not rise, a MAK on a KMS client, why the
/// GVLKs are public, why a number; `None` for everything else.
fn reason_or_consequence(
    kb: &KnowledgeBase,
    q: &str,
    lower: &str,
    tokens: usize,
    slots: &Slots,
    ctx: Option<&Context>,
) -> Option<(&'static str, Intent)> {
    if !slots.nothing_pasted() || !slots.editions.is_empty() || slots.error.is_some() {
        return None;
    }
    let prev = thread_fact(kb, ctx);
    let short = tokens <= 10;
    let about_kms = ["kms", "activat", "licen", "client", "181", "180 days"]
        .iter()
        .any(|w| lower.contains(w));
    if short && WHY_NUMBER.is_match(q) {
        let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).collect();
        return Some(if words.contains(&"1688") {
            ("port", Intent::Connectivity)
        } else if ["25", "5", "five", "twenty"]
            .iter()
            .any(|w| words.contains(w))
        {
            ("thresholds", Intent::Thresholds)
        } else {
            ("validity", Intent::Timing)
        });
    }
    if MAK_ON_KMS.is_match(q) && CONSEQUENCE.is_match(q) {
        return Some(("mak-on-kms-client", Intent::Online));
    }
    // "If it can't reach KMS, how often does it retry?" asks for the retry interval.
    let retry = ["retr", "try again", "how often", "tries again"]
        .iter()
        .any(|w| lower.contains(w));
    // An evaluation or trial running out is the evaluation's own period.
    let trial = ["eval", "trial"].iter().any(|w| lower.contains(w));
    // "My VM can't reach the KMS server, do I need a firewall rule?" asks for the network path.
    let network_path = FIREWALL_WORDS.is_match(q);
    if HOST_AWAY.is_match(q)
        && about_kms
        && !lower.contains("grace")
        && !retry
        && !trial
        && !network_path
    {
        return Some(("host-outage", Intent::Timing));
    }
    // "Why does activation need DNS?": how clients find the host.
    if lower.contains("why")
        && ["dns", "srv record"].iter().any(|w| lower.contains(w))
        && about_kms
        && !["slow", "fail", "error", "wrong", "pick"]
            .iter()
            .any(|w| lower.contains(w))
    {
        return Some(("srv", Intent::ExistingKms));
    }
    // "Why does xpr show a date and not permanent?": KMS expires and renews, a MAK does not.
    if lower.contains("permanent")
        && (lower.contains("why") || lower.contains("not permanent"))
        && ["xpr", "expir", "date", "180"]
            .iter()
            .any(|w| lower.contains(w))
    {
        return Some(("permanent", Intent::StatusCheck));
    }
    // "Why does the count reset after 30 days?": the host counts the last 30 days.
    if lower.contains("why")
        && lower.contains("count")
        && [
            "30 days",
            "reset",
            "drop",
            "go down",
            "went down",
            "decreas",
            "fall",
            "fell",
        ]
        .iter()
        .any(|w| lower.contains(w))
        && !["clon", "cmid", "sysprep", "image"]
            .iter()
            .any(|w| lower.contains(w))
    {
        return Some(("thresholds", Intent::Thresholds));
    }
    // "What if DNS publishing is turned off?": clients need the host set by hand.
    if ["publishing", "publish"].iter().any(|w| lower.contains(w))
        && lower.contains("dns")
        && [
            "turned off",
            "switched off",
            "disabled",
            "disable",
            "turn off",
            "off?",
            "stop",
        ]
        .iter()
        .any(|w| lower.contains(w))
        && (lower.contains("what if") || lower.contains("what happens"))
    {
        return Some(("srv", Intent::ExistingKms));
    }
    // "Why do clients keep going to the old KMS host?": it is still found, or set by hand.
    if lower.contains("old kms")
        && lower.contains("why")
        && slots.host.is_none()
        && [
            "keep", "still", "going to", "contact", "find", "pick", "use",
        ]
        .iter()
        .any(|w| lower.contains(w))
    {
        return Some(("host-move", Intent::HostSetup));
    }
    // "Is 170 days left normal?": the 180 days and the weekly renewal.
    // "Volume activation expiration: 175 days, should I worry?": the same, read off a report.
    let days_judged = EXPIRATION_DAYS.is_match(q)
        && !lower.contains("grace")
        && ["worr", "bad", "concern", "problem", "alarm", "healthy"]
            .iter()
            .any(|w| lower.contains(w));
    if ((["days left", "days remaining", "days to go"]
        .iter()
        .any(|w| lower.contains(w))
        && ["normal", "ok", "fine", "expected", "why", "right"]
            .iter()
            .any(|w| lower.contains(w)))
        || days_judged)
        && !trial
    {
        return Some(("validity", Intent::Timing));
    }
    if COUNT_NOT_RISING.is_match(q) {
        return Some(("cmid", Intent::Thresholds));
    }
    if GVLK_PUBLIC.is_match(q)
        && [
            "why", "risk", "controll", "stop", "prevent", "secur", "safe", "how come",
        ]
        .iter()
        .any(|w| lower.contains(w))
    {
        return Some(("gvlk-public", Intent::KeyLookup));
    }
    if REBUILD_HOST.is_match(q) {
        return Some(("host-move", Intent::HostSetup));
    }
    if REARM_TIME.is_match(q) && !lower.contains("count") {
        return Some(("grace", Intent::Timing));
    }
    // Follow-ups that stay on the fact of the thread.
    let follow = short && (BARE_WHY.is_match(q) || FIX_IT.is_match(q) || FOLLOW_UP.is_match(q));
    // "just this one, in PowerShell" after a way to see the licence state: the WMI query.
    if short
        && ctx.and_then(|c| c.intent) == Some(Intent::StatusCheck)
        && lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| ["powershell", "wmi", "cim"].contains(&w))
    {
        return Some(("powershell-status", Intent::StatusCheck));
    }
    match prev {
        Some("host-outage" | "validity") if short && AWAY_LONGER.is_match(q) => {
            Some(("host-outage", Intent::Timing))
        }
        Some("host-outage") if follow => Some(("host-outage", Intent::Timing)),
        Some("gvlk-public")
            if follow
                || ["stop", "abuse", "prevent", "misuse", "pirat"]
                    .iter()
                    .any(|w| lower.contains(w)) =>
        {
            Some(("gvlk-public", Intent::KeyLookup))
        }
        // A bare "why?" after a fact that gives its reason: the same fact.
        Some("thresholds") if BARE_WHY.is_match(q) => Some(("thresholds", Intent::Thresholds)),
        Some("redundancy") if BARE_WHY.is_match(q) => Some(("redundancy", Intent::HostSetup)),
        Some("srv") if BARE_WHY.is_match(q) => Some(("srv", Intent::ExistingKms)),
        Some("time-skew") if BARE_WHY.is_match(q) => Some(("time-skew", Intent::TimeSync)),
        Some("validity") if BARE_WHY.is_match(q) => Some(("validity", Intent::Timing)),
        Some("cmid") if follow && !lower.contains("dns") => Some(("cmid", Intent::Thresholds)),
        Some("host-move")
            if short
                && ["count", "srv", "record", "start over", "clients", "dns"]
                    .iter()
                    .any(|w| lower.contains(w)) =>
        {
            Some(("host-move", Intent::HostSetup))
        }
        Some("mak-on-kms-client") if short && (CONSEQUENCE.is_match(q) || follow) => {
            Some(("mak-on-kms-client", Intent::Online))
        }
        Some("srv")
            if short
                && [
                    "no dns",
                    "without dns",
                    "don't have dns",
                    "dont have dns",
                    "do not have dns",
                    "no srv",
                ]
                .iter()
                .any(|w| lower.contains(w)) =>
        {
            Some(("srv", Intent::ExistingKms))
        }
        _ => None,
    }
}

/// Another service down, or a clock drifting, asked with nothing about activation and outside
/// a thread: not a question for this bot.
fn other_outage(q: &str, ctx: Option<&Context>) -> bool {
    ctx.and_then(|c| c.intent).is_none()
        && OTHER_OUTAGE.is_match(q)
        && !ACTIVATION_WORDS.is_match(q)
}

/// Whether one machine needs sysprep ("is sysprep needed if I only have one VM?").
fn sysprep_single(lower: &str, words: &[&str], count: Option<u32>) -> bool {
    const ONE: &[&str] = &[
        "one vm",
        "single vm",
        "one server",
        "single server",
        "one machine",
        "single machine",
        "one instance",
        "single instance",
        "just one",
        "only one",
        "1 vm",
        "1 server",
    ];
    words
        .iter()
        .any(|w| w.starts_with("sysprep") || w.starts_with("generali"))
        && !lower.contains("clon")
        // "VMs built from one golden image, count stuck at 1 on the KMS": copies, not one VM.
        && !["golden", "template", "count", "copies", "copied"]
            .iter()
            .any(|w| lower.contains(w))
        && (count == Some(1) || ONE.iter().any(|w| lower.contains(w)))
}

/// A firewall rule asked for with nothing naming another service ("our firewall team needs
/// the exact rule", "fw rule pls").
fn firewall_rule_asked(lower: &str) -> bool {
    const OTHER: &[&str] = &[
        "rdp",
        "ssh",
        "http",
        "https",
        "web",
        "smtp",
        "mail",
        "sql",
        "mysql",
        "postgres",
        "smb",
        "winrm",
        "ldap",
        "vpn",
        "ping",
        "icmp",
        "iis",
        "internet",
        "linux",
        "iptables",
        "ufw",
        "firewalld",
        "docker",
        "kubernetes",
        "ntp",
        "dns",
        // The Windows Firewall of a host is the host's own set-up.
        "host",
        "server",
        "netsh",
        "windows",
        "inbound",
    ];
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    words.len() <= 25
        && (has("fw") || lower.contains("firewall"))
        && (has("rule") || has("rules"))
        && !OTHER.iter().any(|w| has(w))
}

/// A DNS query for a mail or zone record ("nslookup -type=mx", "Resolve-DnsName x -Type TXT",
/// "dig ns example.com"): records KMS never uses.
fn other_dns_record(lower: &str) -> bool {
    const TYPES: &[&str] = &["mx", "txt", "ns", "soa", "caa", "spf", "dmarc", "dkim"];
    let tool = ["nslookup", "resolve-dnsname", "dig "]
        .iter()
        .any(|w| lower.contains(w));
    tool && lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| TYPES.contains(&w))
        && !lower.contains("vlmcs")
        && !lower.contains("srv")
}

/// How the generic abstention starts; a decline with a reason has its own text.
const GENERIC_ABSTAIN_START: &str = "I don't know that one";

/// Two different questions in one message, each answered on its own, when the message as a
/// whole got a clarifying question, an abstention or only one of the two answers.
fn two_questions(
    kb: &KnowledgeBase,
    question: &str,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
    whole: &Answer,
) -> Option<Answer> {
    let q = question.trim();
    if q.len() > 300 || q.lines().count() > 2 {
        return None;
    }
    // Retold `nslookup` output ("port = 1700 and svr hostname = kms01") is read as a whole.
    if srv_records(&q.to_lowercase()).is_some() {
        return None;
    }
    // A message declined with a reason ("that is licensing, not activation") is out of scope
    // as a whole: its parts are not asked on their own.
    if whole.abstained && !whole.text.starts_with(GENERIC_ABSTAIN_START) {
        return None;
    }
    for m in TWO_QUESTIONS.find_iter(q).take(4) {
        let (a, b) = (q[..m.start()].trim(), q[m.end()..].trim());
        if a.is_empty() || b.is_empty() {
            continue;
        }
        let sep = m.as_str().to_lowercase();
        // "Which port is used and how far may the clocks differ?": a plain "and" between two
        // parts that each start like a question.
        // "... the difference between a client and the KMS host?" joins two nouns, not two
        // questions.
        let plain_and = sep.contains("and")
            && asks(a)
            && asks(b)
            && !b.starts_with("and")
            && !a.to_lowercase().split_whitespace().any(|w| w == "between");
        // "Need two things: ... and ...": the message says it asks for more than one.
        let announced = [
            "two things",
            "2 things",
            "two questions",
            "2 questions",
            "couple of things",
            "couple of questions",
        ]
        .iter()
        .any(|w| q.to_lowercase().contains(w));
        let strong = sep.contains(['+', '&', '?'])
            || sep.contains("also")
            || sep.contains("plus")
            || plain_and
            || announced;
        let first = answer_one(kb, a, ctx, settings);
        let second = answer_one(kb, b, ctx, settings);
        let (Some(i), Some(j)) = (first.intent, second.intent) else {
            continue;
        };
        let complete =
            |x: &Answer| !x.abstained && x.context.as_ref().is_none_or(|c| c.more.is_none());
        if i == j
            || same_answer(i, j)
            || i.is_small_talk()
            || j.is_small_talk()
            || !complete(&first)
            || !complete(&second)
        {
            continue;
        }
        // A numbered procedure for the whole message that already holds the commands of both
        // halves ("the exact commands, plus time sync": the procedure syncs the clock) stands.
        let covers =
            |part: &Answer| first_command(&part.text).is_some_and(|c| whole.text.contains(c));
        if !whole.abstained && numbered_steps(&whole.text) && covers(&first) && covers(&second) {
            continue;
        }
        // A good answer to the whole message stands unless both halves are clear questions
        // of their own.
        let min = if plain_and { 0.35 } else { 0.5 };
        let sure = |part: &str| {
            part.split_whitespace().count() >= 3 && kb.nlu.understand(part).confidence >= min
        };
        let whole_is_one_of_them = whole.intent.is_some_and(|w| w == i || w == j);
        if !(whole.abstained
            || whole.intent.is_none()
            || (whole_is_one_of_them
                && strong
                // "Can I activate by phone? We have no internet." is one question and what
                // the user has, not two questions.
                && (asks(b) || !sep.contains('?'))
                && ((sure(a) && sure(b))
                    || sep.contains(['+', '&'])
                    || sep.contains("plus")
                    || announced)))
        {
            continue;
        }
        let mut out = second.clone();
        out.text = format!("{}\n\n---\n\n{}", brief(&first.text), brief(&second.text));
        out.sources = first
            .sources
            .iter()
            .chain(second.sources.iter())
            .cloned()
            .collect();
        out.confidence = first.confidence.min(second.confidence);
        out.offer = second.offer.or(first.offer);
        return Some(paginate(out));
    }
    None
}

/// The sentences and lines of a message, each with the mark that ends it: a new line, or a
/// full stop, "!" or "?" before a space (not the dots of an address or a version).
fn message_parts(q: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let bytes = q.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let end = match b {
            b'\n' => Some(i),
            b'.' | b'!' | b'?' if bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace()) => {
                Some(i + 1)
            }
            _ => None,
        };
        if let Some(end) = end {
            if end > start {
                parts.push(&q[start..end]);
            }
            start = i + 1;
        }
    }
    if start < q.len() {
        parts.push(&q[start..]);
    }
    parts
        .into_iter()
        .filter(|p| p.chars().any(char::is_alphanumeric))
        .collect()
}

/// A remark beside the question ("... new to this cloud, on AWS it was just activated", a
/// bullet "- vm can ping it" before "what are the steps?") that turned the answer to a topic
/// of its own, away from what the question and the message as a whole ask: the message is
/// answered without that remark, keeping the rest of what it tells (the edition, the host).
fn remark_overruled(
    kb: &KnowledgeBase,
    question: &str,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
    whole: Answer,
) -> Answer {
    let q = question.trim();
    if whole.abstained || q.contains("```") || q.len() > 600 {
        return whole;
    }
    let Some(got) = whole.intent else {
        return whole;
    };
    let parts = message_parts(q);
    if parts.len() < 2 || parts.len() > 8 {
        return whole;
    }
    let asked: Vec<&str> = parts
        .iter()
        .copied()
        .filter(|p| p.trim_end().ends_with('?'))
        .collect();
    // One question, asked in a sentence of its own words.
    let [asked] = asked[..] else {
        return whole;
    };
    if asked.split_whitespace().count() < 4 {
        return whole;
    }
    let u = kb.nlu.understand(q);
    let alone = kb.nlu.understand(asked);
    if u.intent == got
        || u.intent.is_small_talk()
        || u.intent == Intent::None
        || alone.intent != u.intent
        || u.confidence < SURE
        || alone.confidence < 0.5
    {
        return whole;
    }
    for remark in parts.iter().filter(|p| !p.trim_end().ends_with('?')) {
        // A remark that tells a value (a host, an edition, a code, a count) is kept.
        let told = crate::nlu::slots::extract(remark);
        if told.host.is_some()
            || told.port.is_some()
            || !told.editions.is_empty()
            || told.error.is_some()
            || told.count.is_some()
            || told.dli.is_some()
            || told.product_key.is_some()
            || told.network.is_some()
        {
            continue;
        }
        let Some(at) = q.find(remark) else {
            continue;
        };
        let rest = format!("{} {}", &q[..at], &q[at + remark.len()..]);
        let a = answer_one(kb, rest.trim(), ctx, settings);
        if !a.abstained && a.intent == Some(u.intent) {
            return a;
        }
    }
    whole
}

/// A part of a message that asks something: it ends with a question mark or starts like a
/// question or a request ("how ...", "give me ...").
fn asks(part: &str) -> bool {
    const STARTS: &[&str] = &[
        "how", "what", "what's", "whats", "which", "where", "when", "why", "who", "can", "could",
        "do", "does", "did", "is", "are", "should", "will", "would", "give", "show", "tell",
        "explain", "list", "and",
    ];
    let p = part.trim();
    p.ends_with('?')
        || p.split_whitespace()
            .next()
            .is_some_and(|w| STARTS.contains(&w.to_lowercase().as_str()))
}

/// True when an answer is a numbered procedure ("1. Install the key", "2. Point at the host").
fn numbered_steps(text: &str) -> bool {
    text.contains("\n2. ")
}

/// The first line of an answer's first block of commands.
fn first_command(text: &str) -> Option<&str> {
    let mut lines = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("```"));
    lines.next()?;
    lines
        .next()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("```"))
}

/// A message that starts with an acknowledgement and goes on to ask something ("ok how to
/// solve it then", "got it, what next").
/// The question after an acknowledgement or a report of a step done ("ok it says licensed
/// now. how long is that good for?", "done, that worked! what do I run next on the host?"):
/// its last sentence, when that asks something of its own in at least three words.
fn ack_then_question(q: &str) -> Option<&str> {
    if !ACK_START.is_match(q) && !DONE_START.is_match(q) {
        return None;
    }
    let trimmed = q.trim_end();
    let end = trimmed.rfind('?')?;
    let start = trimmed[..end].rfind(['.', '!', '\n'])? + 1;
    // A short report only ("i see event 12288 on the client every time ..." tells more).
    if trimmed[..start].split_whitespace().count() > 8 {
        return None;
    }
    let tail = trimmed[start..=end].trim();
    let asks = tail
        .split_whitespace()
        .next()
        .map(str::to_lowercase)
        .is_some_and(|w| {
            [
                "how", "what", "what's", "whats", "why", "where", "which", "when", "does", "do",
                "is", "can", "should", "will",
            ]
            .contains(&w.as_str())
        });
    (asks && tail.split_whitespace().count() >= 3).then_some(tail)
}

fn asks_after_ack(q: &str) -> bool {
    const ACK_WORDS: &[&str] = &[
        "ok",
        "okay",
        "got",
        "it",
        "noted",
        "roger",
        "will",
        "do",
        "sounds",
        "good",
        "understood",
        "alright",
        "right",
        "i",
        "see",
        "makes",
        "sense",
        "fair",
        "enough",
        "gotcha",
        "so",
        "also",
        "and",
        "btw",
        "cool",
        "great",
        "nice",
        "perfect",
        "fine",
        "k",
        "kk",
        "yes",
        "yeah",
        "yep",
        "thanks",
        "thx",
        "ty",
        // Chat's fillers before the request ("ok pls open it then").
        "pls",
        "plz",
        "please",
        "kindly",
        "just",
        "now",
        "then",
    ];
    // A request after the "ok" ("ok open a request for web-02 then") asks too.
    const ASKING: &[&str] = &[
        "how", "what", "what's", "whats", "why", "where", "which", "when", "who", "open", "file",
        "raise", "submit", "request", "activate",
    ];
    q.split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | '!' | '-'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .find(|w| !ACK_WORDS.contains(&w.as_str()) && w.chars().any(char::is_alphanumeric))
        .is_some_and(|w| ASKING.contains(&w.as_str()))
}

/// The head of an answer, for a message with two questions: its first paragraph and first
/// block of commands, with its source line.
fn brief(text: &str) -> String {
    let mut out = Vec::new();
    let mut fences = 0;
    // A numbered procedure ("1. Install the key", "2. Point at the host") keeps its steps: its
    // first block alone is not the answer.
    let steps = numbered_steps(text);
    // A procedure keeps every step, through the commands of its last one ("4. Activate").
    let last_step = text
        .lines()
        .take_while(|l| !l.starts_with("_Source:"))
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim_start();
            let digits = l.bytes().take_while(u8::is_ascii_digit).count();
            digits > 0 && l[digits..].starts_with(". ")
        })
        .map(|(i, _)| i)
        .last()
        .unwrap_or(0);
    for (i, l) in text.lines().enumerate() {
        if l.starts_with("_Source:") {
            break;
        }
        out.push(l);
        if l.trim_start().starts_with("```") {
            fences += 1;
            if fences == 2 && !steps {
                break;
            }
        }
        let past_steps = i > last_step
            || (i == last_step
                && !text
                    .lines()
                    .nth(i + 1)
                    .is_some_and(|n| n.starts_with("```")));
        if out.len() >= if steps { 14 } else { 10 } && fences % 2 == 0 && past_steps {
            break;
        }
    }
    let source = text.lines().find(|l| l.starts_with("_Source:"));
    let mut s = out.join("\n").trim_end().to_string();
    if let Some(src) = source {
        s.push_str("\n\n");
        s.push_str(src);
    }
    s
}

/// "What is KMS?" as the whole message or as one of its sentences, after a lead-in ("sorry if
/// this is basic, but what is KMS?").
fn asks_definition(q: &str) -> bool {
    DEFINITION.is_match(q)
        || q.split_inclusive(['?', '.', '!', '\n']).any(|sentence| {
            let s = sentence.trim();
            let s = s.rsplit_once(" but ").map_or(s, |(_, rest)| rest);
            s.len() < q.trim().len() && DEFINITION.is_match(s)
        })
}

/// "Leave it pointing there?", "keep it like that?": whether a setting stays as it is.
fn leaves_it_so(lower: &str) -> bool {
    ["leave", "keep", "stay"].iter().any(|w| lower.contains(w))
        && [
            "pointing",
            "pointed",
            "like that",
            "that way",
            "as is",
            "there",
            "synced",
            "syncing",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

/// The offer to file the cloud firewall rule to the KMS host a thread is about (its host and
/// port, or the configured ones), with `say(port, host)` as the text.
fn kms_rule_offer(
    slots: &Slots,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
    say: impl FnOnce(u16, &str) -> String,
) -> Answer {
    let t = target(slots, ctx, settings);
    let host = t.host.clone().unwrap_or_else(|| "<KMS_host>".to_string());
    let mut a = small_talk(Intent::Connectivity, ctx);
    a.text = say(t.port, &host);
    a.offer = Some(RequestOffer::KmsFirewall);
    a
}

/// Output of a tool other than the licensing ones, with no activation word anywhere: network
/// configuration (`ipconfig`), an image repair (`DISM /Cleanup-Image`), or an error code
/// outside the licensing range (`0xC004xxxx`) that the error table does not know.
fn other_tool_output(kb: &KnowledgeBase, q: &str, lower: &str, slots: &Slots) -> bool {
    if ANCHOR.is_match(q) {
        return false;
    }
    let ipconfig = lower.contains("windows ip configuration")
        || (lower.contains("subnet mask . .") || lower.contains("ipv4 address. ."));
    let image_repair = lower.contains("/cleanup-image")
        || lower.contains("/restorehealth")
        || lower.contains("/scanhealth");
    let foreign_code = slots.error.as_deref().is_some_and(|code| {
        !code.to_uppercase().starts_with("0XC004")
            && !kb
                .tables
                .errors
                .iter()
                .any(|e| e.code.eq_ignore_ascii_case(code))
    });
    ipconfig || image_repair || foreign_code
}

/// A field of an SRV record in `nslookup` output: `port = 1688`, `svr hostname = kms01...`.
static SRV_FIELD: LazyLock<Regex> =
    LazyLock::new(|| rx(r"(?i)\b(port|svr\s+hostname)\s*=\s*([a-z0-9][a-z0-9._-]*)"));

/// One `_vlmcs._tcp` SRV record in pasted `nslookup` output.
struct SrvRecord {
    host: String,
    port: u16,
}

/// The `_vlmcs._tcp` records of pasted `nslookup -type=srv` output (`svr hostname = ...` with
/// the `port = ...` line before it); `None` when the text is no such output, `Some(empty)` when
/// the lookup found nothing ("can't find _vlmcs._tcp: Non-existent domain").
fn srv_records(lower: &str) -> Option<Vec<SrvRecord>> {
    if !lower.contains("_vlmcs") {
        return None;
    }
    let mut records = Vec::new();
    let mut port = 1688;
    // Field by field, also when the lines ran together or were retold in a sentence.
    for c in SRV_FIELD.captures_iter(lower) {
        let (Some(field), Some(value)) = (c.get(1), c.get(2)) else {
            continue;
        };
        if field.as_str() == "port" {
            port = value.as_str().parse().unwrap_or(1688);
        } else {
            records.push(SrvRecord {
                host: value.as_str().trim_end_matches('.').to_string(),
                port,
            });
            port = 1688;
        }
    }
    let missing = lower.contains("can't find _vlmcs")
        || lower.contains("can\u{2019}t find _vlmcs")
        || lower.contains("non-existent domain")
        || lower.contains("nxdomain");
    if records.is_empty() && !missing {
        return None;
    }
    Some(records)
}

/// Words saying a host is gone ("we retired that box", "decommissioned", "the old one").
const GONE_WORDS: &[&str] = &[
    "retired",
    "decommission",
    "no longer exist",
    "doesn't exist",
    "does not exist",
    "was removed",
    "removed it",
    "shut down",
    "shutdown",
    "gone",
    "old host",
    "old kms",
    "old box",
    "old server",
];

/// What pasted `nslookup -type=srv _vlmcs._tcp` output says: no record (point clients by hand
/// or publish one), one host (the next check, or a stale record to delete), several hosts
/// (normal: priority and weight choose), another port than 1688.
fn srv_lookup_answer(
    lower: &str,
    slots: &Slots,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
) -> Option<Answer> {
    let records = srv_records(lower)?;
    // The DNS server's own name and address (`Server:`, `Address:`) are no KMS host.
    let mut slots = slots.clone();
    if let Some(h) = slots.host.clone() {
        let h = h.to_lowercase();
        let dns_server = lower.lines().any(|l| {
            let l = l.trim();
            (l.starts_with("server:") || l.starts_with("address:")) && l.contains(&h)
        });
        if dns_server || records.iter().any(|r| r.host == h) {
            slots.host = None;
        }
    }
    let t = target(&slots, ctx, settings);
    let own_host = t.host.clone();
    let mut text = String::new();
    let intent;
    match records.as_slice() {
        [] => {
            intent = Intent::PointKms;
            let host = own_host.unwrap_or_else(|| "<KMS_host>".to_string());
            text.push_str(&format!(
                "**DNS has no `_vlmcs._tcp` SRV record** for this domain, so clients with a KMS client key cannot find a KMS host by themselves (`slmgr /ato` then fails with `0x8007232B`, DNS name does not exist). Two ways out:\n\n\
1. **Point each client at the host by hand** (elevated prompt):\n\n```\nslmgr /skms {host}:{}\nslmgr /ato\n```\n\n\
2. **Publish the record**: a KMS host registers it itself through dynamic DNS updates, so check that publishing is on (`slmgr /sdns` on the host) and that the zone accepts its updates, or create it by hand (service `_vlmcs`, protocol `_tcp`, port {}, the host's name as target). Also check that the client's DNS suffix is the domain the record is in (`nslookup -type=srv _vlmcs._tcp.<your_dns_domain>`).",
                t.port, t.port
            ));
        }
        [one] => {
            intent = Intent::Connectivity;
            let gone = GONE_WORDS.iter().any(|w| lower.contains(w));
            if gone {
                let new = own_host.filter(|h| !h.eq_ignore_ascii_case(&one.host));
                text.push_str(&format!(
                    "**That SRV record is stale**: `_vlmcs._tcp` still sends clients to **{}**, which you retired, so clients that find their host through DNS keep failing (`0xC004F074`). Delete that record (in DNS Manager: the zone, its `_tcp` folder, the `_vlmcs` entry for {}), and make sure the new host publishes its own (`slmgr /sdns` on it). Until DNS is right, point clients at the new host by hand:\n\n```\nslmgr /skms {}:{}\nslmgr /ato\n```",
                    one.host,
                    one.host,
                    new.as_deref().unwrap_or("<new_KMS_host>"),
                    t.port
                ));
            } else {
                text.push_str(&format!(
                    "**DNS is fine**: `_vlmcs._tcp` points clients to **{}** on port **{}**, so they find the KMS host by themselves.",
                    one.host, one.port
                ));
                if one.port != 1688 {
                    text.push_str(&format!(" Another port than 1688 is fine: clients take it from the record, as long as the host itself listens on it (`slmgr /sprt {}` on the host, then restart `sppsvc`) and the firewall allows tcp/{} to it.", one.port, one.port));
                }
                text.push_str(&format!(
                    "\n\nIf activation still fails (`0xC004F074`), the next check is the path to that host and port:\n\n```\nTest-NetConnection {} -Port {}\n```\n\n`TcpTestSucceeded : False` means a firewall blocks tcp/{} (the host's own or one in between) or the host's Software Protection service is not listening; `True` leaves the clocks (more than 4 hours apart) and the host's count as causes.",
                    one.host, one.port, one.port
                ));
            }
        }
        many => {
            intent = Intent::Connectivity;
            let hosts: Vec<String> = many.iter().map(|r| format!("**{}**", r.host)).collect();
            text.push_str(&format!(
                "**Several KMS hosts are published** ({}): that is normal and gives redundancy. Clients pick one by the records' priority (lower first) and weight, and try another if it does not answer. Only make sure every name is a working KMS host: delete the record of any host that was retired, or clients waste attempts on it.",
                hosts.join(", ")
            ));
        }
    }
    let mut c = ctx.cloned().unwrap_or_default();
    c.intent = Some(intent);
    Some(finish(
        text,
        Source {
            title: "Reading nslookup output for the KMS SRV record".into(),
            section: "_vlmcs._tcp".into(),
        },
        0.9,
        c,
        None,
    ))
}

/// The five characters of a `Partial Product Key:` line, upper-case.
fn partial_key(q: &str) -> Option<String> {
    let lower = q.to_lowercase();
    let at = lower.find("partial product key")?;
    let rest = q[at + "partial product key".len()..].trim_start();
    let rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
    let part: String = rest
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    (part.len() == 5).then(|| part.to_uppercase())
}

/// A `Partial Product Key:` line without the rest of the output: the published KMS client
/// setup key (GVLK) it ends, or that it ends none of them (a MAK, retail or OEM key).
fn partial_key_answer(kb: &KnowledgeBase, q: &str, ctx: Option<&Context>) -> Option<Answer> {
    if crate::nlu::dli::parse(q).is_some() {
        return None;
    }
    let part = partial_key(q)?;
    let rows: Vec<&Gvlk> = kb
        .tables
        .gvlks
        .iter()
        .filter(|g| g.key.ends_with(&format!("-{part}")))
        .collect();
    let text = match rows.first() {
        Some(g) => {
            let names: Vec<String> = rows.iter().map(|g| g.display_name()).collect();
            format!(
                "**`{part}` ends a public KMS client setup key (GVLK)**: `{}`, the one of {}. So the machine has the generic KMS client key and activates against a KMS host (`slmgr /dlv` shows which one and the days left).",
                g.key,
                names.join(", ")
            )
        }
        None => format!(
            "**`{part}` ends none of Microsoft's published KMS client setup keys (GVLKs)**, so the installed key is your own: a MAK, retail or OEM key, which activates with Microsoft rather than a KMS host. `slmgr /dli` shows its channel in the `Description` line. Windows shows only these last five characters; the full key cannot be read back."
        ),
    };
    let mut c = ctx.cloned().unwrap_or_default();
    c.intent = Some(Intent::StatusCheck);
    Some(finish(
        text,
        Source {
            title: kb.tables.gvlk_source.clone(),
            section: "Partial Product Key".into(),
        },
        0.9,
        c,
        None,
    ))
}

/// The minutes on a pasted `<label>: 120 minutes` line.
fn minutes_on_line(q: &str, label: &str) -> Option<u32> {
    q.lines().find_map(|line| {
        let l = line.trim().to_lowercase();
        let rest = l
            .strip_prefix(label)?
            .trim_start()
            .strip_prefix(':')?
            .trim();
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    })
}

/// A minute count said in the largest whole unit ("10080 minutes (7 days)").
fn minutes_spelled(m: u32) -> String {
    if m.is_multiple_of(1440) {
        format!("{m} minutes ({} days)", m / 1440)
    } else if m.is_multiple_of(60) {
        format!("{m} minutes ({} hours)", m / 60)
    } else {
        format!("{m} minutes")
    }
}

/// `slmgr /dlv`'s `Activation interval:` and `Renewal interval:` lines pasted without the rest
/// of the output: what each one means, with its value.
fn interval_lines_answer(q: &str, ctx: Option<&Context>) -> Option<Answer> {
    if crate::nlu::dli::parse(q).is_some() {
        return None;
    }
    let activation = minutes_on_line(q, "activation interval");
    let renewal = minutes_on_line(q, "renewal interval");
    if activation.is_none() && renewal.is_none() {
        return None;
    }
    let mut text = String::from("A KMS host hands these intervals to its clients:\n\n");
    if let Some(m) = activation {
        text.push_str(&format!(
            "- **Activation interval: {}**: how often a client that is **not activated yet** tries the KMS host again after a failed attempt (default 120 minutes, 2 hours).\n",
            minutes_spelled(m)
        ));
    }
    if let Some(m) = renewal {
        text.push_str(&format!(
            "- **Renewal interval: {}**: how often an **activated** client renews its activation with the host (default 10080 minutes, 7 days); each renewal starts its 180 days again.\n",
            minutes_spelled(m)
        ));
    }
    text.push_str("\nBoth are set on the KMS host (`slmgr /sai` and `slmgr /sri`, in minutes); the defaults suit almost everyone.");
    let mut c = ctx.cloned().unwrap_or_default();
    c.intent = Some(Intent::Timing);
    Some(finish(
        text,
        Source {
            title: "Reading slmgr /dlv output".into(),
            section: "Activation and renewal intervals".into(),
        },
        0.9,
        c,
        None,
    ))
}

/// The test of the path to the KMS host reported passing in a thread about that path.
fn path_open_reported(q: &str, ctx: Option<&Context>) -> bool {
    (PATH_OPEN_NOW.is_match(q) || RULE_IN_PLACE.is_match(q))
        && ctx.and_then(|c| c.intent) == Some(Intent::Connectivity)
}

/// How to see whether the port is open, asked ("how can I see the port is open from my
/// server?"): the test from the instance leads the answer, whichever passage it is built on.
fn probe_when_test_asked(a: &mut Answer, q: &str, t: &Target) {
    if !TEST_ASKED.is_match(q) || a.text.contains("Test-NetConnection") {
        return;
    }
    let probe = format!(
        "Test-NetConnection {} -Port {}",
        host_or_placeholder(t),
        t.port
    );
    a.text = format!(
        "Test from the instance (PowerShell):\n\n```\n{probe}\n```\n\n`TcpTestSucceeded : True` means the path is open.\n\n{}",
        a.text
    );
}

/// What to write in the firewall request, asked in a thread about reaching the KMS host or
/// naming it ("what do I write in the request?"): the network path's section on asking
/// support.
fn request_content_asked(q: &str, lower: &str, u: &Understanding, ctx: Option<&Context>) -> bool {
    let kms_thread = matches!(
        ctx.and_then(|c| c.intent),
        Some(Intent::Connectivity | Intent::ExistingKms | Intent::PointKms)
    );
    REQUEST_CONTENT.is_match(q)
        && u.slots.nothing_pasted()
        && !OTHER_PORT.is_match(q)
        && !lower.contains("internet")
        && (kms_thread || lower.contains("1688") || lower.contains("kms"))
        && matches!(
            u.intent,
            Intent::None | Intent::ClientProcedure | Intent::PointKms
        )
}

/// A request for the KMS rule in the cloud firewall, ordered in a few words without its
/// addresses ("allow outbound 1688 to onprem kms"). The provider's support adds the rule from
/// a ticket, which the bot files once it has both ends.
fn firewall_request_answer(
    q: &str,
    lower: &str,
    u: &Understanding,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
) -> Option<Answer> {
    if !u.slots.nothing_pasted() || OTHER_PORT.is_match(q) {
        return None;
    }
    // The host's own Windows Firewall is the host's set-up, not a cloud rule.
    let host_side = [
        "inbound",
        "windows firewall",
        "netsh",
        "on the kms host",
        "on kms host",
        "on the host",
        "on our kms host",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if RULE_ORDERED.is_match(q)
        && !host_side
        && u.slots.network.is_none()
        && (lower.contains("1688") || lower.contains("kms"))
        && !["internet", "rdp", "ssh", "web", "http"]
            .iter()
            .any(|w| lower.contains(w))
    {
        return Some(kms_rule_offer(&u.slots, ctx, settings, |port, host| {
            format!(
                "The cloud firewall rule is added by the provider's support from a support ticket; I file that ticket for you. Tell me where from and to, for example:\n\n`open tcp {port} from 10.0.0.0/24 to {host}`\n\nThe KMS host's side (its own firewall and your site's) must allow tcp/{port} as well."
            )
        }));
    }
    None
}

/// A short follow-up (eight words at most) that one fact answers, after a thread about a
/// given topic: what the thread was about, what the follow-up asks (from its understanding, the
/// question and its lower-case form), the fact and the answer's intent. Tried in order.
struct FactFollowUp {
    after: fn(&Context) -> bool,
    asks: fn(&Understanding, &str, &str) -> bool,
    fact: &'static str,
    intent: Intent,
}

const FACT_FOLLOW_UPS: [FactFollowUp; 4] = [
    // "Where do I get the key for it?" in a thread about building a KMS host: the host key;
    // "where I can take it?" after the host key (CSVLK) was explained, likewise.
    FactFollowUp {
        after: |c| c.intent == Some(Intent::HostSetup),
        asks: |u, q, _| {
            u.slots.editions.is_empty()
                && u.slots.error.is_none()
                && ((KEY_WORDS.is_match(q) && WHERE_TO_GET.is_match(q))
                    || WHERE_TO_GET_IT.is_match(q))
                && !CLIENT_KEY_WORDS.is_match(q)
        },
        fact: "host-key-source",
        intent: Intent::HostSetup,
    },
    // "and if not activated?" after the renewal interval: the validity fact, which has the
    // retry of a client not activated yet.
    FactFollowUp {
        after: |c| c.intent == Some(Intent::Timing),
        asks: |u, q, _| {
            u.slots.nothing_pasted() && u.slots.error.is_none() && NOT_YET_ACTIVATED.is_match(q)
        },
        fact: "validity",
        intent: Intent::Timing,
    },
    // "also from registry?" after uninstalling the product key: both ways of removing it.
    FactFollowUp {
        after: |c| {
            c.topic
                .as_ref()
                .is_some_and(|s| s.section == "slmgr /upk" || s.section == "slmgr /cpky")
        },
        asks: |u, _, lower| u.slots.nothing_pasted() && lower.contains("registry"),
        fact: "remove-key",
        intent: Intent::Slmgr,
    },
    // "check it" after the SRV record was explained: the record's look-up, with that fact.
    FactFollowUp {
        after: |c| {
            c.topic
                .as_ref()
                .is_some_and(|s| s.section.contains("_vlmcs"))
        },
        asks: |u, q, _| u.slots.nothing_pasted() && u.slots.error.is_none() && CHECK_IT.is_match(q),
        fact: "srv",
        intent: Intent::ExistingKms,
    },
];

/// The first of [`FACT_FOLLOW_UPS`] that fits the thread and the question, answered.
fn fact_follow_up(
    kb: &KnowledgeBase,
    u: &Understanding,
    q: &str,
    lower: &str,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
) -> Option<Answer> {
    let c = ctx?;
    FACT_FOLLOW_UPS
        .iter()
        .filter(|f| (f.after)(c) && (f.asks)(u, q, lower))
        .find_map(|f| {
            let t = target(&u.slots, ctx, settings);
            fact_answer(kb, f.fact, &t, f.intent, ctx).map(|a| with_intent(a, Some(f.intent)))
        })
}

/// One question.
fn answer_one(
    kb: &KnowledgeBase,
    question: &str,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
) -> Answer {
    let q = question.trim();
    if q.is_empty() {
        return abstain(0.0, ctx);
    }
    let toks = query_tokens(q);
    let lower = q.to_lowercase();

    let mut u: Understanding = kb.nlu.understand(q);
    // Near-misses in activation's words (a home PC's licence, MFA, another cloud's prices),
    // and slmgr over a remote shell.
    if let Some(a) = scope::declined(q, &lower, &u, ctx)
        .or_else(|| scope::declined_beside_kms(q, &lower, ctx))
        .or_else(|| scope::other_cloud_activation(q, &lower, &u, ctx))
        .or_else(|| scope::product_on_windows(q, ctx))
        .or_else(|| scope::remote_shell(kb, q, &lower, &u, ctx, settings))
        .or_else(|| scope::pasted_edition_key(kb, q, &u, ctx, settings))
    {
        return a;
    }
    scope::reroute(&mut u, q);
    // Another product (Office, SQL Server, Linux...) without Windows in the question.
    // "Office" alone may be a place ("the KMS server in our office"): then it needs no decline.
    // An instance's name ("sql-07") or a KMS host's ("kms-sql.corp.local") is not a product.
    let product_toks = if u.slots.instance.is_some() || u.slots.host.is_some() {
        let mut rest = lower.clone();
        for name in u.slots.instance.iter().chain(u.slots.host.iter()) {
            rest = rest.replace(&name.to_lowercase(), " ");
        }
        query_tokens(&rest)
    } else {
        toks.clone()
    };
    // Tokens are stemmed ("teams" becomes "team"): Microsoft Teams is named by the raw word,
    // with its licence or sign-in and nothing of KMS.
    let mut product_toks = product_toks;
    if lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == "teams")
        && (lower.contains("licen")
            || lower.contains("sign in")
            || lower.contains("microsoft teams")
            // "teams error caa70004": an error of Teams, with no activation code in it.
            || (lower.contains("error") && u.slots.error.is_none()))
        && !["kms", "activat", "slmgr", "gvlk", "windows"]
            .iter()
            .any(|w| lower.contains(w))
    {
        product_toks.push("teams".to_string());
    }
    // Teams Phone, Teams Rooms and Teams calling are Teams products, even when their own
    // "activation" (a number, a licence) is the question.
    if ["teams phone", "teams room", "teams calling", "teams voice"]
        .iter()
        .any(|w| lower.contains(w))
        && !["kms", "slmgr", "gvlk", "windows"]
            .iter()
            .any(|w| lower.contains(w))
    {
        product_toks.push("teams".to_string());
    }
    // A product's name as written ("JetBrains", "Sophos"): its token may be stemmed.
    let written: Vec<String> = {
        let mut rest = lower.clone();
        for name in u.slots.instance.iter().chain(u.slots.host.iter()) {
            rest = rest.replace(&name.to_lowercase(), " ");
        }
        rest.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| w.len() >= 3 && OTHER_PRODUCTS.iter().any(|(p, _)| p == w))
            .map(str::to_string)
            .collect()
    };
    for w in written {
        if !product_toks.contains(&w) {
            product_toks.push(w);
        }
    }
    // "Red Hat" is two words, each harmless alone.
    if lower.contains("red hat") {
        product_toks.push("redhat".to_string());
    }
    // "macOS" loses its "s" as a token; "Mac OS" is two words.
    if lower.contains("macos") || lower.contains("mac os") {
        product_toks.push("macos".to_string());
    }
    // Shared computer activation is a Microsoft 365 Apps feature, not Windows activation.
    if lower.contains("shared computer activation") && !lower.contains("windows") {
        product_toks.push("365".to_string());
    }
    let product_office = OFFICE_PRODUCT.is_match(q) || !ANCHOR.is_match(q);
    // "Activate Office 2021 on my Windows VM" is about Office, whatever else it names.
    let office_on_windows = OFFICE_PRODUCT.is_match(q) && !WINDOWS_ACTIVATION.is_match(q);
    if office_on_windows && !lower.contains("office") {
        let mut a = abstain(0.0, ctx);
        a.text = "That sounds like Microsoft Project or Visio (Office products), which I don't cover: I only know how to activate Windows and Windows Server instances. Say `help` to see what I can do.".to_string();
        return a;
    }
    if !product_toks.iter().any(|t| t == "windows") || office_on_windows {
        // "MAK vs KMS, explained for someone from Linux land" is still about Windows; "is there
        // something like KMS for RHEL?" asks about Linux.
        let windows_terms = WINDOWS_TERMS.is_match(q) && !LIKE_KMS.is_match(q);
        // "The SQL nodes", "our SharePoint VMs" name Windows machines by their role, when the
        // message is about KMS ("our KMS is ... and the SQL nodes sit in a VLAN").
        let role = |w: &str| {
            SPECIFIC_TERMS.is_match(q)
                && [
                    "sql",
                    "exchange",
                    "sharepoint",
                    "iis",
                    "sap",
                    "oracle",
                    "citrix",
                    "veeam",
                ]
                .contains(&w)
                && {
                    const ROLES: &[&str] = &[
                        "node",
                        "nodes",
                        "box",
                        "boxes",
                        "vm",
                        "vms",
                        "machine",
                        "machines",
                        "host",
                        "hosts",
                        "instance",
                        "instances",
                        "cluster",
                        "farm",
                    ];
                    let role = |t: &String| ROLES.contains(&t.as_str());
                    // "the SQL nodes", "our SQL Server box".
                    product_toks.windows(2).any(|p| p[0] == w && role(&p[1]))
                        || product_toks
                            .windows(3)
                            .any(|p| p[0] == w && p[1] == "server" && role(&p[2]))
                }
        };
        // "the veeam proxy vm (server 2022 dc) gives 0xC004F074": a Windows edition with a
        // Windows activation code is Windows, whatever the machine does.
        let windows_error = !u.slots.editions.is_empty()
            && u.slots.dli.is_none()
            && u.slots
                .error
                .as_deref()
                .is_some_and(|c| kb.error_info(c).is_some());
        if let Some((w, name)) = OTHER_PRODUCTS
            .iter()
            .filter(|(_, name)| !windows_error || name.contains("Office"))
            .filter(|(w, _)| *w != "office" || product_office)
            .filter(|(_, name)| !(windows_terms && ["Linux", "Kubernetes"].contains(name)))
            .filter(|(w, _)| !role(w))
            // "Migrating from VMware, our VMs were activated before, now not": the Windows
            // machines moved, and their activation is the question.
            .filter(|(_, name)| {
                *name != "VMware"
                    || !(lower.contains("activat")
                        && ["migrat", "moved", "moving", "move "]
                            .iter()
                            .any(|a| lower.contains(a)))
            })
            // "VLSC or Microsoft 365 admin center for the host key?": where the key is.
            .filter(|(_, name)| {
                *name != "Microsoft 365"
                    || !["host key", "csvlk", "kms", "vlsc", "mak"]
                        .iter()
                        .any(|a| lower.contains(a))
            })
            // "After moving to Entra ID only, do machines lose AD-based activation?"
            .filter(|(w, _)| {
                *w != "entra"
                    || !["activat", "kms", "adba", "gvlk"]
                        .iter()
                        .any(|a| lower.contains(a))
            })
            // "SSH to the KMS host to run slmgr" is still about activation.
            .filter(|(w, _)| *w != "ssh" || !ANCHOR.is_match(q))
            // "Is the KMS host the same as the RDS license server?" tells the two apart.
            .filter(|(_, name)| {
                *name != "Remote Desktop Services licensing" || !KMS_VS_RDS.is_match(q)
            })
            // "Can the KMS server sit behind a NAT router?": the path to the host, not a device.
            .filter(|(_, name)| {
                *name != "network devices"
                    || !(lower.contains("kms")
                        && ["nat", "forward", "balanc"]
                            .iter()
                            .any(|w| lower.contains(w)))
            })
            // "The RD session host is Server 2022 Datacenter, which KMS key?": the server's key.
            .filter(|(_, name)| {
                *name != "Remote Desktop Services licensing"
                    || !scope::rds_server_key(q, &lower, &u)
            })
            .find(|(w, _)| product_toks.iter().any(|t| t == w))
        {
            let mut a = abstain(0.0, ctx);
            // "The VPN to our office drops": a place, not Microsoft Office; decline plainly.
            if *w == "office" && !OFFICE_PRODUCT.is_match(q) && OFFICE_PLACE.is_match(q) {
                return a;
            }
            a.text = format!(
                "That sounds like {name}, which I don't cover: I only know how to activate Windows and Windows Server instances. Say `help` to see what I can do."
            );
            return a;
        }
    }

    // Plain questions with one fact each (an expired evaluation, days left judged, a ticket's
    // wait, a KMS host behind NAT, what a product key is, the GVLKs everywhere the same).
    if let Some(a) = asked_plainly::answer(kb, q, &lower, &u, ctx, settings) {
        return a;
    }
    // Another tool's output pasted with nothing about activation in it (ipconfig, a DISM
    // repair, an error code from outside the licensing range that the table does not know).
    if other_tool_output(kb, q, &lower, &u.slots) {
        return abstain(0.0, ctx);
    }
    // Pasted `nslookup -type=srv _vlmcs._tcp` output: what DNS publishes about KMS hosts.
    if let Some(a) = srv_lookup_answer(&lower, &u.slots, ctx, settings) {
        return a;
    }
    // "Partial Product Key: VMK7H, which key is that?": the published GVLK it ends.
    if let Some(a) = partial_key_answer(kb, q, ctx) {
        return a;
    }
    // `/dlv`'s interval lines pasted alone: what each one means, with its value.
    if let Some(a) = interval_lines_answer(q, ctx) {
        return a;
    }

    // Poems and jokes, and attempts to make the bot drop its role or print secrets.
    // "I just want the watermark gone, what's the legit way?": activating is the way.
    if lower.contains("watermark")
        && [
            "legit",
            "proper",
            "legal",
            "right way",
            "correct way",
            "official",
        ]
        .iter()
        .any(|w| lower.contains(w))
        && ![
            "registry", "regedit", "hack", "hide", "without", "bypass", "trick", "tweak",
            // A watermark on a photo, a PDF or a video is no activation notice.
            "photo", "picture", "jpg", "png", "pdf", "video", "document", "logo", "stock", "print",
        ]
        .iter()
        .any(|w| lower.contains(w))
        && settings.kms_host.is_none()
        && u.slots.nothing_pasted()
    {
        return with_intent(which_way(ctx), None);
    }
    if CREATIVE_OR_INJECTION.is_match(q) {
        return abstain(0.0, ctx);
    }
    // Kilometres ("convert 42 kms to miles", "how many kms to Munich") are no KMS. A unit
    // conversion or a speed ("1688 kms to miles", "120 kms an hour") is one whatever number
    // it has.
    if lower.contains("kms")
        && (([
            "mile", "distance", "kilomet", "km/h", "driv", "walk", "by car", "by train",
            "per hour", "kmph", "m/s", "speed",
        ]
        .iter()
        .any(|w| lower.contains(w))
            && ![
                "activat", "slmgr", "gvlk", "windows", "host", "port", "tcp", "key", "server",
            ]
            .iter()
            .any(|w| lower.contains(w)))
            || ([
                "kms to mile",
                "kms in mile",
                "kms an hour",
                "kms per hour",
                "kms/h",
            ]
            .iter()
            .any(|w| lower.contains(w))
                && !["activat", "slmgr", "gvlk", "windows"]
                    .iter()
                    .any(|w| lower.contains(w))))
    {
        return abstain(0.0, ctx);
    }
    // Rearming an alarm, a trap or a weapon is no `slmgr /rearm`.
    if lower.contains("rearm")
        && ["alarm", "trap", "weapon", "gun", "bomb", "mine", "sensor"]
            .iter()
            .any(|w| lower.contains(w))
        && !["activat", "slmgr", "windows", "licen", "grace", "sysprep"]
            .iter()
            .any(|w| lower.contains(w))
    {
        return abstain(0.0, ctx);
    }
    // The time of day somewhere ("what is the time in India now?") is no clock sync.
    if TIME_OF_DAY.is_match(q)
        && !ANCHOR.is_match(q)
        && !lower.contains("sync")
        && !ACK_START.is_match(q)
    {
        return abstain(0.0, ctx);
    }
    // A jump host (bastion) is a host of another kind: with nothing about activation, it is
    // remote access, not a KMS host.
    if [
        "jump host",
        "jump box",
        "jump server",
        "jumphost",
        "jumpbox",
        "jump-host",
        "jump-box",
        "bastion",
    ]
    .iter()
    .any(|w| lower.contains(w))
        && !ANCHOR.is_match(q)
    {
        return abstain(0.0, ctx);
    }
    // What people new to activation ask in their own words (the watermark, where commands go,
    // an evaluation to convert), and the everyday administration they ask about with it.
    if let Some(a) = newcomer::answer(kb, q, &lower, &u, ctx, settings) {
        return a;
    }
    // Follow-ups on the thread's error code, slmgr option or event log, and other services'
    // events.
    if let Some(a) = codes_and_options::answer(kb, q, &lower, &u, ctx, settings) {
        return a;
    }
    // "Can you open a ticket for me?" with nothing else: what the bot can file and run.
    if ASK_THE_BOT.is_match(q) && ctx.and_then(|c| c.intent).is_none() {
        return small_talk(Intent::Help, ctx);
    }
    // "Can you open it for us?" in a thread about reaching a KMS host: the bot files the
    // firewall request for the thread's host and port; support adds the rule.
    if ASK_THE_BOT.is_match(q)
        && (lower.contains("open") || lower.contains("ticket") || lower.contains("request"))
        && matches!(
            ctx.and_then(|c| c.intent),
            Some(Intent::Connectivity | Intent::ExistingKms | Intent::PointKms)
        )
    {
        return kms_rule_offer(&u.slots, ctx, settings, |port, host| {
            format!(
            "I can't change the cloud firewall myself, but I file the request for support, who add the static rule. Tell me where from and to, for example:\n\n`open tcp {port} from 10.0.0.0/24 to {host}`\n\nand I open the ticket. The KMS host's own firewall must allow tcp/{port} as well."
        )
        });
    }
    // "Who opens that for us?", "who do I contact so our VMs can reach the KMS host?": the
    // provider's support adds the cloud firewall rule from a ticket, which the bot files.
    if WHO_OPENS.is_match(q)
        && (matches!(
            ctx.and_then(|c| c.intent),
            Some(Intent::Connectivity | Intent::ExistingKms | Intent::PointKms)
        ) || ((lower.contains("kms") || lower.contains("1688") || lower.contains("firewall"))
            && (lower.contains("reach")
                || lower.contains("port")
                || lower.contains("firewall")
                || lower.contains("open"))))
        && u.slots.nothing_pasted()
    {
        return kms_rule_offer(&u.slots, ctx, settings, |port, host| {
            format!(
            "The provider's support team adds the rule to the cloud firewall, from a support ticket; I file that ticket for you. Tell me where from and to, for example:\n\n`open tcp {port} from 10.0.0.0/24 to {host}`\n\nThe KMS host's own firewall (yours) must allow tcp/{port} as well."
        )
        });
    }
    if let Some(a) = firewall_request_answer(q, &lower, &u, ctx, settings) {
        return a;
    }
    // "Security wants the source range too" in a thread about the KMS rule: what the rule's
    // source and destination are.
    if lower.contains("source")
        && ["range", "subnet", "cidr", " ip", "address", "network"]
            .iter()
            .any(|w| lower.contains(w))
        && !lower.contains("time")
        && u.slots.nothing_pasted()
        && matches!(
            ctx.and_then(|c| c.intent),
            Some(Intent::Connectivity | Intent::ExistingKms | Intent::PointKms | Intent::HostSetup)
        )
    {
        let t = target(&u.slots, ctx, settings);
        let host = t.host.clone().unwrap_or_else(|| "<KMS_host>".to_string());
        let port = t.port;
        let mut a = small_talk(Intent::Connectivity, ctx);
        a.text = format!(
            "The rule's **source** is your Windows instances that activate: their subnet or subnets, or single addresses, as narrow as you like. The **destination** is the KMS host {host} on tcp/{port}, one direction only (the instances open the connection; replies return on it). Tell me the range and I file it for support, for example:\n\n`open tcp {port} from 10.0.0.0/24 to {host}`"
        );
        a.offer = Some(RequestOffer::KmsFirewall);
        return a;
    }
    // Someone else's machine, with its password ("activate my customer's Windows remotely,
    // here's their RDP password") is declined below, not offered a job; an offer to pay for
    // it ("can you activate it for me? I pay") gets the provider's BYOL policy.
    if BOT_ACTIVATES.is_match(q)
        && q.split_whitespace().count() <= 14
        && ![
            "password", "rdp", "customer", "remotely", "pay", "fee", "charge", "money",
        ]
        .iter()
        .any(|w| q.to_ascii_lowercase().contains(w))
        && u.slots.editions.is_empty()
        && u.slots.host.is_none()
        && u.slots.error.is_none()
    {
        return small_talk(Intent::Help, ctx);
    }
    // "Thanks. Unrelated: how do I reset a local admin password?": the new subject, on its own.
    if let Some(m) = TOPIC_CHANGE.find(q) {
        let rest = &q[m.end()..];
        if rest.split_whitespace().count() >= 3
            && !ANCHOR.is_match(rest)
            && !ERROR_CODE_RX.is_match(rest)
            && !SPECIFIC_TERMS.is_match(rest)
        {
            return abstain(0.0, ctx);
        }
    }
    // An Office application's own activation message ("Word says 'Product Deactivated'").
    if OFFICE_APP_MESSAGE.is_match(q) && !product_toks.iter().any(|t| t == "windows") {
        let mut a = abstain(0.0, ctx);
        a.text = "That sounds like Microsoft Office, which I don't cover: I only know how to activate Windows and Windows Server instances. Say `help` to see what I can do.".to_string();
        return a;
    }
    // The provider's bills and invoices are not activation ("why did the Windows licence line
    // on our bill go up?"), unless the message asks about activating or bringing a licence.
    if BILLING.is_match(q)
        && ![
            "activat",
            "kms",
            "slmgr",
            "gvlk",
            "byol",
            "bring",
            "own licen",
            "includ",
        ]
        .iter()
        .any(|w| lower.contains(w))
    {
        return abstain(0.0, ctx);
    }
    // Cost models, budgets and finance decks about licences are not activation either.
    if FINANCE_WORK.is_match(q)
        && !["activat", "slmgr", "gvlk", "1688"]
            .iter()
            .any(|w| lower.contains(w))
    {
        return abstain(0.0, ctx);
    }
    // Politics and data-protection law are not activation, whatever words they share
    // ("retention period", "who will you vote for").
    if POLITICS_OR_LAW.is_match(q) && !lower.contains("activat") && !lower.contains("kms") {
        return abstain(0.0, ctx);
    }
    // How many core licences to buy, or which licensing benefit covers a VM, is licensing,
    // not activation.
    if !lower.contains("activat")
        && (CORE_LICENSING.is_match(q)
            || (LICENSING_BENEFIT.is_match(q)
                // "Is License Mobility the same as BYOL?" is about the provider's images.
                && !["kms", "slmgr", "byol", "bring", "own licen", "includ"]
                    .iter()
                    .any(|w| lower.contains(w))))
    {
        let mut a = abstain(0.0, ctx);
        a.text = "Which licences you need (cores, CALs, licensing benefits) is a licensing question for your Microsoft licensing partner, not something I cover: I help with activating Windows instances. Say `help` to see what I can do.".to_string();
        return a;
    }
    // "Is KMS the same thing as the license server, or was that Remote Desktop licensing?":
    // the two roles told apart.
    if KMS_VS_RDS.is_match(q) && RDS_LICENSING.is_match(q) && u.slots.nothing_pasted() {
        let t = target(&u.slots, ctx, settings);
        if let Some(a) = fact_answer(kb, "kms-not-rds", &t, Intent::Policy, ctx) {
            return with_intent(a, Some(Intent::Policy));
        }
    }
    // Remote Desktop licensing (its own grace period and CALs) and Windows Update are not
    // Windows activation.
    if !SPECIFIC_TERMS.is_match(q) {
        let what = if ["licen", "cal", "grace"].iter().any(|w| lower.contains(w))
            && RDS_LICENSING.is_match(q)
        {
            Some("Remote Desktop Services licensing")
        } else if ["update", "patch", "hotfix", "wsus"]
            .iter()
            .any(|w| lower.contains(w))
            && !ANCHOR.is_match(q)
            && WINDOWS_UPDATE.is_match(q)
        {
            Some("Windows Update")
        } else {
            None
        };
        if let Some(what) = what {
            let mut a = abstain(0.0, ctx);
            a.text = format!(
                "That sounds like {what}, which I don't cover: I only know how to activate Windows and Windows Server instances. Say `help` to see what I can do."
            );
            return a;
        }
    }
    // A cloud provider's key management service ("AWS KMS") or an account to activate are not
    // Windows activation.
    let windows_kms_traffic = KMS_TRAFFIC.is_match(q) && !OTHER_CLOUD.is_match(q);
    // "Activate a trial of Windows Server" is an evaluation edition, not an account.
    let windows_trial = lower.contains("windows") && EVALUATION.is_match(q);
    if let Some(what) = NOT_WINDOWS_KMS
        .find(q)
        .filter(|_| !windows_kms_traffic)
        .map(|_| "a cloud key management service (keys for encryption)")
        .or_else(|| {
            ACCOUNT_ACTIVATION
                .find(q)
                .filter(|_| !windows_trial)
                .map(|m| {
                    let m = m.as_str().to_ascii_lowercase();
                    if [
                        "energy", "function", "barrier", "enthalpy", "neur", "muscle", "enzyme",
                        "immune",
                    ]
                    .iter()
                    .any(|w| m.contains(w))
                    {
                        "another meaning of activation"
                    } else {
                        "activating an account"
                    }
                })
        })
    {
        let mut a = abstain(0.0, ctx);
        a.text = format!(
            "That sounds like {what}, which I don't cover: I only know how to activate Windows and Windows Server instances (the Windows Key Management Service). Say `help` to see what I can do."
        );
        return a;
    }
    // Windows on someone's own computer is not a cloud instance.
    // A Mac used to reach a server over Remote Desktop ("I RDP in from my MacBook") is not
    // where Windows runs.
    let remote_from_device = ["rdp", "remote desktop"].iter().any(|w| lower.contains(w))
        && ["server", "instance", "vm"]
            .iter()
            .any(|w| lower.contains(w));
    if PERSONAL_DEVICE.is_match(q) && !remote_from_device && !DEVICE_COMPARED.is_match(q) {
        let mut a = abstain(0.0, ctx);
        a.text = "That is about Windows on your own computer, which I don't cover: I help activate the Windows instances in this cloud. For a personal device, use Settings > Activation or Microsoft's support. Say `help` to see what I can do.".to_string();
        return a;
    }
    // A Windows feature switched on ("activate Windows Hello", "enable BitLocker") or another
    // vendor's licence is not Windows activation.
    if !SPECIFIC_TERMS.is_match(q) {
        let what = if WINDOWS_FEATURE.is_match(q) {
            Some("a Windows feature, not Windows activation")
        } else if OTHER_WINDOWS_TOPIC.is_match(q)
            && !["activat", "licen", "product key", "gvlk"]
                .iter()
                .any(|w| lower.contains(w))
        {
            Some("Windows hardware requirements, device management or a purchase, not Windows activation")
        } else if VENDOR_LICENCE.is_match(q) && !lower.contains("windows") {
            Some("another product's licence")
        } else {
            None
        };
        if let Some(what) = what {
            let mut a = abstain(0.0, ctx);
            a.text = format!(
                "That sounds like {what}, which I don't cover: I only know how to activate Windows and Windows Server instances. Say `help` to see what I can do."
            );
            return a;
        }
    }
    // A wrong belief stated for confirmation ("/rearm extends it forever, right?"): a clear no
    // and the fact, before anything is read as a request.
    if let Some(a) = beliefs::corrected(kb, q, &lower, &u.slots, ctx, settings) {
        return a;
    }
    // "KMS needs 25 servers to start, true?": a threshold stated wrongly, whatever else the
    // message seems to ask.
    if lower.contains("kms")
        && u.slots.nothing_pasted()
        && beliefs::stated_minimum(q, &crate::nlu::slots::machine_counts(q)).is_some()
    {
        return with_intent(thresholds(kb, &u.slots, q, ctx), Some(Intent::Thresholds));
    }
    // Activating without a licence is not something this bot helps with.
    // "Windows 10 Pro product key free": a free retail key, not the public GVLK asked about.
    let free_key = FREE_KEY_ASK.is_match(q)
        && ![
            "gvlk",
            "kms",
            "volume",
            "setup key",
            "client key",
            "public",
            "is it free",
            "are they free",
        ]
        .iter()
        .any(|w| lower.contains(w));
    if PIRACY.is_match(q) || FREE_WORKING_KEY.is_match(q) || free_key {
        let mut a = abstain(0.0, ctx);
        a.text = "I can't help with that: it would use Windows without a valid licence. To activate properly: KMS with your organisation's KMS host, or online or by phone with your own MAK or retail key. Say `help` to see what I can do.".to_string();
        return a;
    }
    // "A retail key for Server 2022 please", "give me a MAK": bought keys, which no one here
    // can hand out; the public GVLK is said to be what it is.
    let asks_bought_key = asks_bought_key(&lower);
    if asks_bought_key == Some("mak") && u.slots.nothing_pasted() {
        let t = target(&u.slots, ctx, settings);
        if let Some(a) = fact_answer(kb, "mak-source", &t, Intent::Online, ctx) {
            return with_intent(a, Some(Intent::Online));
        }
    }
    // "What Windows is build 20348?": the release, and its keys when it is one server version.
    if u.slots.nothing_pasted() && toks.len() <= 12 && !KEY_WORDS.is_match(q) {
        let t = target(&u.slots, ctx, settings);
        if let Some(a) = build_release_answer(kb, &lower, &t, ctx) {
            return with_intent(a, Some(Intent::KeyLookup));
        }
    }
    // "Can Server 2022 Essentials use our KMS?": it has no GVLK, whatever was asked about it.
    if u.slots.nothing_pasted()
        && ["kms", "gvlk", "key", "activat", "slmgr"]
            .iter()
            .any(|w| lower.contains(w))
        && u.slots.editions.len() == 1
    {
        let t = target(&u.slots, ctx, settings);
        let mut slots = u.slots.clone();
        if let Some(a) = essentials_without_key(kb, &mut slots, &t, ctx) {
            return with_intent(a, Some(Intent::KeyLookup));
        }
    }
    // "Does the 2022 host key cover Windows 11?": the verdict from the host key groups.
    if u.slots.nothing_pasted() {
        if let Some(verdict) = host_key_group_verdict(&lower) {
            let t = target(&u.slots, ctx, settings);
            if let Some(mut a) = fact_answer(kb, "host-key-groups", &t, Intent::HostSetup, ctx) {
                a.text.insert_str(0, &verdict);
                return with_intent(a, Some(Intent::HostSetup));
            }
        }
    }
    // "Pro to Enterprise": the target edition's key changes the edition in place.
    if u.slots.nothing_pasted() {
        let t = target(&u.slots, ctx, settings);
        if let Some(a) = client_edition_upgrade(kb, q, &u.slots, &t, ctx) {
            return with_intent(a, Some(Intent::ClientProcedure));
        }
    }
    // "Does the GVLK go on the KMS host or on the clients?": which side each key goes on.
    if u.slots.nothing_pasted() && gvlk_side_asked(&lower) {
        let t = target(&u.slots, ctx, settings);
        if let Some(mut a) = fact_answer(kb, "host-key-only", &t, Intent::HostSetup, ctx) {
            a.text.insert_str(0, "**On the clients.** The KMS client setup key (GVLK) goes on every machine that activates against the host (volume-licensed images already carry it); the KMS host itself gets the KMS host key (CSVLK) instead.\n\n");
            return with_intent(a, Some(Intent::HostSetup));
        }
    }
    // Desktops rebuilt every night from an image: the image's preparation, or what the
    // rebuilds do to the KMS host's count.
    if u.slots.nothing_pasted() && !lower.contains("0x") {
        if let Some(id) = rebuilt_desktops_fact(&lower) {
            let t = target(&u.slots, ctx, settings);
            if let Some(a) = fact_answer(kb, id, &t, Intent::ClientProcedure, ctx) {
                return with_intent(a, Some(Intent::ClientProcedure));
            }
        }
    }
    // "Which key goes on Windows 11 Education PCs so they activate against the KMS host?": the
    // client edition's GVLK, though the message also says "KMS host".
    if u.slots.nothing_pasted()
        && u.intent != Intent::KeyLookup
        && client_key_past_host(q, &u.slots)
    {
        let t = target(&u.slots, ctx, settings);
        if let Some(a) = keys_answer(kb, &u.slots, &t, ctx, false) {
            return with_intent(a, Some(Intent::KeyLookup));
        }
    }
    // "Which key do I type in on my Windows VM?" is about activation too: its key.
    let anchor_word = ANCHOR.is_match(q);
    let windows_key = !anchor_word
        && lower.contains("key")
        && WINDOWS_KEY.is_match(q)
        && !OTHER_KEY.is_match(q)
        && !WINDOWS_FEATURE.is_match(q);
    // What an unactivated Windows shows ("Windows shows a watermark") ties it too; a
    // watermark someone adds to a picture does not.
    let shows_symptom = SYMPTOM.is_match(q)
        && lower.contains("windows")
        && (!lower.contains("watermark")
            || ["show", "display", "appear", "see", "says", "still", "got"]
                .iter()
                .any(|w| lower.contains(w)));
    let anchored = windows_key || anchor_word || shows_symptom;
    if windows_key
        && u.slots.nothing_pasted()
        && !matches!(
            u.intent,
            Intent::KeyLookup | Intent::Online | Intent::Phone | Intent::ClientProcedure
        )
    {
        u.intent = Intent::KeyLookup;
        u.confidence = u.confidence.max(0.6);
    }
    let has_values = !u.slots.editions.is_empty()
        || u.slots.host.is_some()
        || u.slots.error.is_some()
        || u.slots.dli.is_some();
    // Another protocol's port ("what port does WinRM use?") is not the KMS port; "any other
    // ports, like RPC?" in a thread about the KMS port asks what KMS needs besides it.
    if !anchored
        && !lower.contains("volume activation")
        && u.slots.nothing_pasted()
        && OTHER_PORT.is_match(q)
        && !(OTHER_KMS_PORTS.is_match(q)
            && matches!(
                ctx.and_then(|c| c.intent),
                Some(
                    Intent::Connectivity
                        | Intent::ExistingKms
                        | Intent::PointKms
                        | Intent::HostSetup
                )
            ))
    {
        return abstain(0.2, ctx);
    }
    // Time zones and ICMP with nothing about activation ("set the timezone on Windows Server",
    // "does the cloud firewall block ICMP?") are general administration.
    if !anchored
        && !has_values
        && ctx.and_then(|c| c.intent).is_none()
        && (TIME_ZONE.is_match(q) || lower.contains("icmp"))
        && ![
            "clock", "sync", "skew", "drift", "issue", "problem", "cause",
        ]
        .iter()
        .any(|w| lower.contains(w))
    {
        return abstain(0.2, ctx);
    }
    // A domain's time for Kerberos ("the PDC emulator as the time source", "kerberos fails
    // from clock skew") is directory administration, not activation.
    // "w32tm /query /status on the DC shows wrong time, kerberos errors": a time tool and "the
    // DC" (a domain controller, not Datacenter) do not make it activation.
    let domain_time = (lower.contains("kerberos") || lower.contains("pdc"))
        && !ACTIVATION_CONTEXT.is_match(q)
        && u.slots.nothing_pasted()
        && u.slots.host.is_none()
        && u.slots.editions.iter().all(|e| e.families.is_empty());
    if (!anchored && !has_values || domain_time)
        && ctx.and_then(|c| c.intent).is_none()
        && (lower.contains("kerberos") || lower.contains("pdc"))
    {
        return abstain(0.2, ctx);
    }
    // A DNS lookup of a mail or zone record ("nslookup -type=mx contoso.com") is not the KMS
    // SRV record.
    if other_dns_record(&lower)
        && !ACTIVATION_CONTEXT.is_match(q)
        && ctx.and_then(|c| c.intent).is_none()
    {
        return abstain(0.2, ctx);
    }
    // Work on an instance that is not activation ("reboot web-02", "attach a volume"), or the
    // cloud's other services ("the SLA of the object storage").
    if !anchored && u.slots.nothing_pasted() && u.slots.host.is_none() && INSTANCE_OPS.is_match(q) {
        return abstain(0.2, ctx);
    }
    // Whether an edition runs on some hypervisor or hardware ("is Windows 11 LTSC supported on
    // Hyper-V generation 1 VMs?") is not about activating it.
    if !anchored
        && u.slots.nothing_pasted()
        && u.slots.host.is_none()
        && PLATFORM_SUPPORT.is_match(q)
    {
        return abstain(0.2, ctx);
    }
    // "What do you need from me to figure out an activation problem?": what to send.
    if let Some(a) = what_to_send(q, &u, ctx) {
        return a;
    }
    // "hi bot what u can do", "you speak spanish?": what the bot does, even after a greeting.
    if let Some(a) = about_the_bot(q, anchored || has_values, ctx) {
        return a;
    }
    // A greeting or a thank-you with a remark and no question ("hi there! first day on the
    // helpdesk", "ok perfect, thank you for the help").
    if !anchored && !has_values && !q.contains('?') && q.split_whitespace().count() <= 10 {
        if GREETING_START.is_match(q) {
            return small_talk(Intent::Greet, ctx);
        }
        if THANKS_ANYWHERE.is_match(q) {
            return small_talk(Intent::Thanks, ctx);
        }
        // "ok how to fix it then" asks something after its "ok"; "ok, it shows True now"
        // after the test of the path reports the next step's turn.
        // "ok support added the rule, now what" in a thread asks for the next step.
        let next_asked = ASKS_NEXT.is_match(q) && ctx.and_then(|c| c.intent).is_some();
        if ACK_START.is_match(q) && !asks_after_ack(q) && !path_open_reported(q, ctx) && !next_asked
        {
            return small_talk(Intent::Ack, ctx);
        }
    }
    if GREETING_START.is_match(q)
        && !has_values
        && matches!(
            u.intent,
            Intent::None
                | Intent::Help
                | Intent::Greet
                | Intent::Ack
                | Intent::Thanks
                | Intent::Policy
        )
        && q.split_whitespace().count() <= 25
    {
        return small_talk(Intent::Greet, ctx);
    }
    if !anchored && !has_values && PRESENCE.is_match(q) && q.split_whitespace().count() <= 8 {
        return small_talk(Intent::Greet, ctx);
    }
    // What an edition can do ("what features does Datacenter have that Standard lacks?") is
    // not about activating it.
    if !anchored && !KEY_WORDS.is_match(q) && EDITION_FEATURES.is_match(q) {
        return abstain(0.2, ctx);
    }
    // "How do I sync app02 to the KMS host?": the clock, synchronised with the host (the host
    // named is the time source, not the subject), also as a follow-up.
    if lower.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        matches!(
            w,
            "sync" | "resync" | "synchronise" | "synchronize" | "synced"
        )
    }) && u.slots.nothing_pasted()
        && (lower.contains("kms") || ctx.and_then(|c| c.intent).is_some())
        && toks.len() <= 8
        && matches!(
            u.intent,
            Intent::HostSetup | Intent::PointKms | Intent::ExistingKms | Intent::Connectivity
        )
    {
        u.reroute(Intent::TimeSync);
    }
    // "Why does the expiration date keep moving forward?": the 7-day renewal.
    // (A question, not pasted output: one line.)
    if EXPIRY_MOVES.is_match(q) && !q.contains('\n') && u.slots.error.is_none() && toks.len() <= 10
    {
        u.reroute(Intent::Timing);
    }
    // "ntp srv rec", "srv record for kerberos": another service's DNS record, not KMS's.
    if other_srv_service(&lower) {
        return abstain(0.2, ctx);
    }
    // "mak cmd", "mak cmds": the commands of activating with a MAK, not a comparison.
    if mak_commands_asked(&lower) && u.slots.nothing_pasted() {
        u.reroute(Intent::Online);
    }
    // Terse fragments ("no dns", "change it", "detailed", "reboot?") read through the thread.
    if let Some(a) = terse_fragment(kb, q, &lower, &u, ctx, settings) {
        return a;
    }
    let grace_follow_up = grace_follow_up(ctx, &lower, toks.len(), &u.slots);
    // Follow-ups inherit the thread's intent and fill in what the user did not repeat.
    if let Some(c) = ctx {
        // "we have 10" after the thresholds: a fleet size, the one number of a short reply.
        if c.intent == Some(Intent::Thresholds)
            && u.slots.count.is_none()
            && u.slots.error.is_none()
            && u.slots.port.is_none()
            && u.slots.host.is_none()
            && u.slots.editions.is_empty()
            && toks.len() <= 5
        {
            let numbers: Vec<u32> = q
                .split(|ch: char| !ch.is_ascii_digit())
                .filter_map(|n| n.parse().ok())
                .collect();
            if let [n] = numbers.as_slice() {
                // (A year is a Windows version: "2025?".)
                if (1..=100_000).contains(n) && !(1990..=2100).contains(n) {
                    u.slots.count = Some(MachineCount {
                        n: *n,
                        kind: MachineKind::Unknown,
                    });
                    u.intent = Intent::Thresholds;
                    u.confidence = u.confidence.max(0.6);
                }
            }
        }
        // A bare "why?" asks the reason for the thread's last answer, whatever the classifier
        // reads into the one word.
        if let Some(prev) = c
            .intent
            .filter(|i| !i.is_small_talk() && *i != Intent::None)
        {
            if BARE_WHY.is_match(q) {
                u.reroute(prev);
            }
        }
        if let Some(prev) = c.intent {
            // A short message the classifier calls off-topic ("weather in Paris?") is not a
            // follow-up unless it starts like one ("and for ...") or points back ("that",
            // "instead") or carries a value (a port, an edition) and the classifier is unsure.
            let carries_slots =
                !u.slots.editions.is_empty() || u.slots.host.is_some() || u.slots.port.is_some();
            let none_weak = u.intent != Intent::None || u.confidence < 0.6;
            // A word or two asked back ("servers?", "clients?") goes on with the thread when
            // the classifier has no reading of its own for it.
            let asked_back = q.ends_with('?')
                && toks.len() <= 2
                && u.intent == Intent::None
                && u.confidence < 0.5;
            // "how do I put it in?", "my bad, standard" after a key: the thread's key, whatever
            // the classifier makes of the few words.
            let key_thread = matches!(
                prev,
                Intent::KeyLookup | Intent::ClientProcedure | Intent::PointKms
            );
            let about_the_key = key_thread
                && toks.len() <= 4
                && (INSTALL_IT.is_match(q) || !u.slots.editions.is_empty());
            // "what number i must call" after phone activation: few words the classifier
            // cannot place, whose second reading is the thread's own topic.
            let second_reading_is_thread = u.intent == Intent::None
                && u.confidence < 0.5
                && toks.len() <= 4
                && u.alternative.is_some_and(|(a, p)| a == prev && p >= 0.1);
            let follow = FOLLOW_UP.is_match(q)
                || asked_back
                || second_reading_is_thread
                || about_the_key
                || grace_follow_up
                // "on server core?": the same question, for Server Core.
                || (SERVER_CORE.is_match(q) && toks.len() <= 4)
                || (is_follow_up(q, toks.len()) && u.intent != Intent::None)
                || (none_weak && (POINTS_BACK.is_match(q) || (carries_slots && toks.len() <= 6)));
            // "and rdp's?", "and how do I join it to the domain?": a message the classifier
            // is sure is off-topic, with no value and no word of activation, is no follow-up
            // even when it starts like one.
            let follow = follow && !confident_off_topic(q, &u, carries_slots, toks.len());
            // "what's the default kms port?" after internet access: KMS named with a reading
            // of its own is a new topic, however weak the reading (internet access is for
            // online activation, not KMS).
            let follow = follow
                && !(prev == Intent::InternetAccess
                    && lower.contains("kms")
                    && !matches!(
                        u.intent,
                        Intent::None | Intent::InternetAccess | Intent::Ack
                    ));
            // A machine count is a question of its own ("we run 12 server 2019 VMs, can we
            // use KMS?" after a diagnosis or a key) unless the thread is about counts or the
            // message starts like a follow-up or points back ("what if 8 of them are ...").
            let follow = follow
                && (u.slots.count.is_none()
                    || prev == Intent::Thresholds
                    || FOLLOW_UP.is_match(q)
                    || POINTS_BACK.is_match(q));
            let weak = u.confidence < 0.5
                || matches!(u.intent, Intent::None | Intent::Ack)
                || (about_the_key && u.slots.editions.is_empty())
                || grace_follow_up;
            let inherits = matches!(
                prev,
                Intent::KeyLookup | Intent::ClientProcedure | Intent::PointKms
            ) || !carries_slots
                || weak;
            // "srv 2019 dc" or "kms02.corp.local" alone after the port: a new subject (that
            // edition's key, pointing at that host), not the thread's question again.
            let new_subject = bare_subject(prev, &lower, &u, toks.len());
            let client_commands =
                prev == Intent::Connectivity && client_commands_after_path(&lower, &u, toks.len());
            if follow
                && new_subject.is_none()
                && (weak || carries_slots)
                && !prev.is_small_talk()
                && u.slots.error.is_none()
                && inherits
            {
                // A new on-topic question about the same thing ("how do I test that?") keeps
                // its own intent; otherwise the thread's intent carries on.
                match u.alternative {
                    // "and if it can't renew in time?" goes on with the thread's topic unless
                    // the other reading is clearly likelier.
                    Some((alt, p))
                        if u.intent == Intent::None
                            && !carries_slots
                            && p >= 0.2
                            && (!FOLLOW_UP.is_match(q) || p >= u.confidence)
                            && !alt.is_small_talk() =>
                    {
                        u.intent = alt;
                    }
                    // "and for the online way?": the method named, not the thread's topic.
                    _ if matches!(u.intent, Intent::Online | Intent::Phone)
                        && METHOD_NAMED.is_match(q) => {}
                    // "does it expire?", "and if it fails?" after a key: the expiry or the
                    // diagnosis the words ask for, not the key again.
                    _ if !carries_slots
                        && ((u.intent == Intent::Timing
                            && [
                                "expire",
                                "expiry",
                                "how long",
                                "renew",
                                "valid",
                                "gone for good",
                                "permanently",
                                "decommission",
                            ]
                            .iter()
                            .any(|w| lower.contains(w)))
                            || (u.intent == Intent::Diagnose
                                && ["fail", "error", "not work", "n't work", "broken"]
                                    .iter()
                                    .any(|w| lower.contains(w)))) => {}
                    // "and the firewall rule for that?": the network path, for the thread's
                    // host and port.
                    _ if u.intent == Intent::Connectivity
                        && ["firewall", "rule", "open the port"]
                            .iter()
                            .any(|w| lower.contains(w)) => {}
                    _ if u.intent == Intent::None || weak => u.intent = prev,
                    _ => {}
                }
                u.confidence = u.confidence.max(0.6);
            }
            if let Some(i) = new_subject {
                u.reroute(i);
            }
            // A new port or host for the commands of the thread ("and what if the port is
            // 1700?" after the procedure): the same commands with the new value.
            if follow
                && matches!(
                    prev,
                    Intent::ClientProcedure | Intent::PointKms | Intent::KeyLookup
                )
                && (u.slots.port.is_some() || u.slots.host.is_some())
                && u.slots.nothing_pasted()
                && toks.len() <= 8
            {
                u.intent = if prev == Intent::KeyLookup {
                    Intent::ClientProcedure
                } else {
                    prev
                };
                u.confidence = u.confidence.max(0.6);
            }
            // "we use 1700 instead, what do the clients need?" after the host's port: the
            // clients' commands with that port.
            if matches!(prev, Intent::HostSetup | Intent::Connectivity)
                && u.slots.port.is_some()
                && lower.contains("client")
                && u.slots.nothing_pasted()
                && toks.len() <= 10
            {
                u.reroute(Intent::PointKms);
            }
            // "it's just an IP, 172.16.4.10" after a DNS error: the commands to point at it.
            if matches!(prev, Intent::ErrorCode | Intent::Diagnose)
                && u.slots.host.is_some()
                && u.slots.error.is_none()
                && u.slots.nothing_pasted()
                && toks.len() <= 10
                && !FAILING.is_match(q)
            {
                u.reroute(Intent::PointKms);
            }
            // "how do I test that from the VM?" after pointing at a KMS host: the test of the
            // path to it.
            if matches!(prev, Intent::PointKms | Intent::ExistingKms)
                && TEST_THAT.is_match(q)
                && !["activat", "work", "licen", "status"]
                    .iter()
                    .any(|w| lower.contains(w))
                && toks.len() <= 8
                && u.slots.nothing_pasted()
                && !FAILING.is_match(q)
            {
                u.reroute(Intent::Connectivity);
            }
            // "done, now what?" after the network path: pointing the client and activating.
            if prev == Intent::Connectivity
                && (((NEXT_STEP.is_match(q) || PATH_OPEN_NOW.is_match(q)) && toks.len() <= 4)
                    || (RULE_IN_PLACE.is_match(q) && toks.len() <= 10))
                && u.slots.nothing_pasted()
                && !FAILING.is_match(q)
            {
                u.reroute(Intent::PointKms);
            }
            // "and the activate command?", "what do I run on the client?" after the network
            // path: the client's commands, for the thread's host and port.
            if client_commands {
                u.reroute(Intent::PointKms);
            }
            // Edition attributes alone ("and for datacenter?") take the thread's family; a
            // name of several families ("ltsc?") keeps those of the thread's version.
            // In a thread about an LTSC release, "not LTSC" or "the normal Enterprise" leaves the
            // LTSC channel: the same Windows version's general release.
            let general = c.family.as_deref().and_then(|f| {
                let (base, _) = f.split_once(" LTS")?;
                (u.slots.excluded.iter().any(|x| x == "ltsc" || x == "ltsb")
                    || GENERAL_RELEASE.is_match(q))
                .then(|| base.to_string())
            });
            if let Some(fam) = general.as_ref().or(c.family.as_ref()) {
                let prefix = format!("{fam} ");
                for e in &mut u.slots.editions {
                    if e.families.is_empty() {
                        e.families = vec![fam.clone()];
                    } else if e.families.len() > 1 {
                        let narrowed: Vec<String> = e
                            .families
                            .iter()
                            .filter(|f| f.starts_with(&prefix))
                            .cloned()
                            .collect();
                        if !narrowed.is_empty() {
                            e.families = narrowed;
                        }
                    }
                }
            }
            // "And 2019?" in a thread about an LTSC release: the LTSC release of that year, not
            // Windows Server 2019.
            if let Some(fam) = c
                .family
                .as_ref()
                .filter(|f| f.contains("LTSC") || f.contains("LTSB"))
            {
                if follow && !lower.contains("server") && !lower.contains("srv") {
                    let prefix = fam.split(" LT").next().unwrap_or_default().to_string();
                    for e in &mut u.slots.editions {
                        let year = match e.families.as_slice() {
                            [one] => one.strip_prefix("Windows Server ").map(str::to_string),
                            _ => None,
                        };
                        if let Some(y) = year {
                            let ltsc: Vec<String> = editions::families(&format!("ltsc {y}"))
                                .into_iter()
                                .filter(|f| f.starts_with(&prefix) || !f.starts_with("Windows 1"))
                                .collect();
                            let ltsc = if ltsc.is_empty() {
                                editions::families(&format!("ltsc {y}"))
                            } else {
                                ltsc
                            };
                            if ltsc.len() == 1 {
                                e.families = ltsc;
                            }
                        }
                    }
                }
            }
            // "the second one", "same for 2022?" after several keys: those editions.
            if matches!(prev, Intent::KeyLookup | Intent::ClientProcedure) {
                several_editions_follow_up(kb, c, q, &lower, &mut u, toks.len());
            }
            // A version alone in a short follow-up ("same for 2016?", "2025 too?") keeps the
            // thread's edition ("Datacenter") when that names one key of the new version.
            if let Some(prev_ed) = c.edition.as_deref().filter(|_| follow && toks.len() <= 6) {
                let p = editions::parse(prev_ed);
                for e in &mut u.slots.editions {
                    if e.attrs.is_empty() && !e.families.is_empty() && !p.attrs.is_empty() {
                        let mut with = e.clone();
                        with.attrs.extend(p.attrs.iter().copied());
                        // "and 2022?" after 2016 Essentials: the later Essentials, which has
                        // no key, said so.
                        let keyless_essentials = p.attrs.contains("essentials")
                            && e.families
                                .iter()
                                .all(|f| f.starts_with("Windows Server 20"));
                        if keyless_essentials
                            || matches!(
                                editions::lookup(&kb.tables.gvlks, &with),
                                EditionMatch::Exact(_)
                            )
                        {
                            *e = with;
                        }
                    }
                }
            }
            // A variant alone ("what about the N version?") is of the thread's edition.
            if let Some(prev_ed) = &c.edition {
                for e in &mut u.slots.editions {
                    if !e.attrs.is_empty() && e.attrs.iter().all(|a| matches!(*a, "n" | "g" | "e"))
                    {
                        let p = editions::parse(prev_ed);
                        e.attrs.extend(p.attrs);
                        if e.families.is_empty() {
                            e.families = p.families;
                        }
                    }
                }
            }
            if u.slots.editions.is_empty()
                && follow
                && matches!(
                    u.intent,
                    Intent::KeyLookup | Intent::ClientProcedure | Intent::PointKms
                )
            {
                if let Some(ed) = &c.edition {
                    u.slots.editions = vec![editions::parse(ed)];
                } else if let Some(fam) = c
                    .family
                    .as_ref()
                    .filter(|_| u.intent == Intent::KeyLookup || KEY_WORDS.is_match(q))
                {
                    // "What is the key?" after a version without its edition: that version's keys.
                    u.slots.editions = vec![editions::parse(fam)];
                }
            }
        }
        if u.intent == Intent::More {
            if let Some(rest) = &c.more {
                let mut next = c.clone();
                next.more = None;
                return Answer {
                    text: rest.clone(),
                    abstained: false,
                    confidence: 0.99,
                    sources: c.topic.clone().into_iter().collect(),
                    context: Some(next),
                    offer: None,
                    intent: c.intent,
                };
            }
        }
    }
    if toks.len() <= 8 {
        if let Some(a) = fact_follow_up(kb, &u, q, &lower, ctx, settings) {
            return a;
        }
    }
    // After setting up a host: "and then on the clients?" is the client procedure, "how do I
    // check it works?" the host check.
    if ctx.and_then(|c| c.intent) == Some(Intent::HostSetup)
        && toks.len() <= 8
        && u.slots.nothing_pasted()
        && !HOST_KEY_WORDS.is_match(q)
    {
        if CHECK_IT_WORKS.is_match(q) {
            let t = target(&u.slots, ctx, settings);
            if let Some(a) = fact_answer(kb, "host-check", &t, Intent::HostSetup, ctx) {
                return with_intent(a, Some(Intent::HostSetup));
            }
        } else if CLIENT_SIDE.is_match(q) || BARE_CLIENTS.is_match(q) {
            u.reroute(Intent::ClientProcedure);
        }
    }
    // "What if we add two more?" after a count: the new count, against the same threshold.
    if let Some(prev) = ctx.and_then(|c| c.machines) {
        let number = |re: &Regex| {
            re.captures(q)
                .and_then(|c| c.get(1).or_else(|| c.get(2)))
                .and_then(|m| crate::nlu::slots::word_number(m.as_str()))
        };
        // "What if 10 of them are removed?": fewer machines, against the same threshold.
        let n = number(&ADD_MORE)
            .map(|n| prev.n.saturating_add(n))
            .or_else(|| number(&FEWER).map(|n| prev.n.saturating_sub(n)));
        if let Some(n) = n {
            u.slots.count = Some(MachineCount { n, kind: prev.kind });
            u.intent = Intent::Thresholds;
            u.confidence = u.confidence.max(0.6);
        }
    }
    // "We have 22 VMs, adding 3 more, will they activate?": the count after the addition.
    if ctx.and_then(|c| c.machines).is_none() {
        if let Some(c) = u.slots.count {
            let more = ADD_MORE
                .captures(q)
                .and_then(|m| m.get(1).or_else(|| m.get(2)))
                .and_then(|m| crate::nlu::slots::word_number(m.as_str()));
            // The number added is the one the count was read from unless the message holds
            // it twice ("10 PCs, adding 10 more").
            let twice = q
                .split(|ch: char| !ch.is_ascii_digit())
                .filter(|w| w.parse::<u32>().ok() == Some(c.n))
                .count()
                >= 2;
            if let Some(m) = more.filter(|m| *m != c.n || twice) {
                u.slots.count = Some(MachineCount {
                    n: c.n.saturating_add(m),
                    kind: c.kind,
                });
            }
        }
    }
    // "How do I fix that?" after an error code: that error's fix; a bare "why?" its cause.
    let mut error_of_thread = false;
    if let Some(code) = ctx.and_then(|c| c.error.as_ref()) {
        // "clock is fine and sppsvc is running, what next?": causes ruled out, the same error.
        if u.slots.nothing_pasted()
            && ((toks.len() <= 8 && (FIX_IT.is_match(q) || BARE_WHY.is_match(q)))
                || (toks.len() <= 12 && ASKS_NEXT.is_match(q)))
        {
            u.slots.error = Some(code.clone());
            error_of_thread = true;
        }
        // "How many needed?" after the count error: the thresholds.
        if code == "0xC004F038"
            && u.slots.nothing_pasted()
            && toks.len() <= 6
            && ["how many", "minimum", "threshold", "enough"]
                .iter()
                .any(|w| lower.contains(w))
            // "How many days until they renew?" asks about time.
            && !["day", "hour", "week", "renew", "long", "time"]
                .iter()
                .any(|w| lower.contains(w))
        {
            u.reroute(Intent::Thresholds);
        }
    }
    // "did it, still no activate" after the commands: why it fails, not the commands again.
    if ctx.is_some_and(|c| {
        c.error.is_none()
            && c.intent.is_some_and(|p| {
                matches!(
                    p,
                    Intent::ClientProcedure | Intent::PointKms | Intent::KeyLookup | Intent::Online
                )
            })
    }) && u.slots.nothing_pasted()
        && toks.len() <= 8
        && STILL_FAILS.is_match(q)
    {
        u.reroute(Intent::Diagnose);
    }
    // "and check after?", "how verify" right after the commands: how to see that it worked.
    if ctx.is_some_and(|c| {
        c.intent.is_some_and(|p| {
            matches!(
                p,
                Intent::ClientProcedure
                    | Intent::PointKms
                    | Intent::KeyLookup
                    | Intent::Online
                    | Intent::Phone
            )
        })
    }) && u.slots.nothing_pasted()
        && u.slots.editions.is_empty()
        && u.slots.host.is_none()
        && toks.len() <= 6
        && VERIFY_IT.is_match(q)
        // Something else to check ("check the port", "verify the time").
        && ![
            "port", "1688", "connect", "firewall", "dns", "time", "clock", "count", "edition",
            "key is", "host",
        ]
        .iter()
        .any(|w| lower.contains(w))
        && !FAILING.is_match(q)
        && !STILL_FAILS.is_match(q)
    {
        u.reroute(Intent::StatusCheck);
    }
    // "What is KMS?": what the words mean, side by side with the other ways, also as one
    // sentence of a longer message ("sorry if this is basic, but what actually is KMS? ...").
    // "Windows 10 Enterprise 2016 LTSB. What's the KMS key?": that edition's key.
    let edition_key = KEY_WORDS.is_match(q)
        && u.slots
            .editions
            .iter()
            .any(|e| !e.families.is_empty() && !e.attrs.is_empty());
    if asks_definition(q) && !edition_key {
        // "KMS stands for what?" asked alone: the words first, then how it compares.
        if DEFINITION.is_match(q) || u.slots.nothing_pasted() && q.len() < 120 {
            let words = q
                .to_ascii_lowercase()
                .split(|c: char| !c.is_ascii_alphanumeric())
                .fold((false, false), |(k, m), w| {
                    (k || w == "kms", m || w == "mak" || w == "maks")
                });
            let lead = match words {
                (false, true) => Some("**MAK** stands for **Multiple Activation Key**: a volume licence key from your Microsoft agreement that activates each machine once, directly with Microsoft (online or by phone), up to the number of activations it allows."),
                (true, _) => Some("**KMS** stands for **Key Management Service**: a Windows service on a host of your own that activates the Windows machines of your network, which renew with it every 7 days."),
                _ => None,
            };
            if let Some(lead) = lead {
                let t = target(&u.slots, ctx, settings);
                let mut a = compare_answer(kb, &t, &u.slots, ctx);
                a.text = format!("{lead}\n\n{}", a.text);
                return with_intent(a, Some(Intent::Compare));
            }
        }
        u.intent = Intent::Compare;
        u.confidence = u.confidence.max(0.6);
        u.slots.error = None;
    }
    // "How do I activate?" alone, with no KMS host configured and nothing earlier in the
    // thread: ask which way, with the choices and their first commands.
    if BARE_ACTIVATE.is_match(q)
        && settings.kms_host.is_none()
        && ctx.and_then(|c| c.intent).is_none()
    {
        return with_intent(which_way(ctx), None);
    }
    // Greetings, thanks and "ok" are recognised by their patterns; from the classifier alone
    // they are only believed when it is sure (a short unrelated sentence looks like "ok").
    if matches!(u.intent, Intent::Greet | Intent::Thanks | Intent::Ack) && u.confidence < 0.8 {
        u.intent = Intent::None;
    }
    // Prices and buying: not something this bot answers, and a GVLK is not for sale.
    // "Do GVLKs cost money?", "is KMS free?": what KMS costs, which is not a price.
    let short = q.len() < 160 && q.lines().count() <= 2;
    if (u.priced
        || (short && COST_WORDS.is_match(q))
        // "For compliance, how do we restrict the KMS host to our subnets?" is security.
        || (KEY_LEGAL.is_match(q) && !KMS_SECURITY.is_match(q)))
        && KMS_OR_GVLK.is_match(q)
        && !HOST_KEY_WORDS.is_match(q)
        // "Can the provider run KMS for us if we pay?" is the provider's policy.
        && !YOUR_KMS.is_match(q)
        && u.slots.nothing_pasted()
        && u.slots.count.is_none()
    {
        let t = target(&u.slots, ctx, settings);
        if let Some(a) = fact_answer(kb, "kms-cost", &t, Intent::Policy, ctx) {
            return with_intent(a, Some(Intent::Policy));
        }
    }
    // "Do we need to buy anything to activate our VMs?" asks whether a licence comes with the
    // images (it does not: BYOL), not for a price.
    if [
        "need to buy",
        "need to purchase",
        "have to buy",
        "have to purchase",
        "must buy",
        // Without the "to" ("so i need buy license myself?").
        "need buy",
        "need purchase",
        "must purchase",
        "should buy",
        "buy it myself",
        "buy myself",
        "licence myself",
        "license myself",
    ]
    .iter()
    .any(|w| lower.contains(w))
        && (lower.contains("activat")
            || lower.contains("licen")
            // "What do we need to buy to run 40 Windows VMs legally here?"
            || lower.contains("legal"))
        && ![
            "how much",
            "price",
            "cost",
            "cheap",
            "expensive",
            "per core",
        ]
        .iter()
        .any(|w| lower.contains(w))
        && u.slots.nothing_pasted()
    {
        u.priced = false;
        u.slots.count = None;
        u.reroute(Intent::Policy);
    }
    // "Only 3 servers: cheapest way to activate them?" asks for the method that fits; "which
    // is cheaper, Standard or Datacenter, for 4 VMs?" compares licence prices.
    if u.priced && u.slots.count.is_some() && (anchored || u.slots.editions.is_empty()) {
        u.priced = false;
        u.intent = Intent::Thresholds;
        u.confidence = u.confidence.max(0.6);
    }
    if u.priced && u.slots.nothing_pasted() {
        let mut a = abstain(0.2, ctx);
        a.text = "I can't help with prices or buying licences: ask your Microsoft licensing partner.\n\
(The KMS client setup keys I list are public and free, but they are not a licence: they only activate against a KMS host.)"
            .to_string();
        return a;
    }
    // Edition words and little else ("server 2008r2 std") ask for the key.
    let extra_words = content_words_besides_editions(q);
    if !u.slots.editions.is_empty()
        && (matches!(u.intent, Intent::None | Intent::Slmgr)
            // "windows 11 education" alone is no symptom, whatever the classifier guessed.
            || (u.intent == Intent::Diagnose
                && u.confidence < 0.5
                && u.slots.nothing_pasted()))
        && extra_words == 0
    {
        u.intent = Intent::KeyLookup;
        u.confidence = u.confidence.max(0.6);
    }
    // One slmgr option in a short question is about that option, unless it failed.
    let sure_trouble = matches!(u.intent, Intent::Diagnose) && u.confidence >= 0.5;
    // "timesync cmd before ato?": the option is when, the topic is another one.
    // A clock command or time server named beside the option ("is w32tm /resync needed before
    // /ato?", "after /ato do I reset the time server?") is as sure as the classifier's word for
    // the time.
    let clock_named = u.intent == Intent::TimeSync
        && u.confidence >= 0.35
        && [
            "w32tm",
            "w32time",
            "time server",
            "timeserver",
            "time source",
            "ntp",
            "clock",
        ]
        .iter()
        .any(|w| lower.contains(w));
    let sure_other_topic = clock_named
        || u.confidence >= 0.75
            && matches!(
                u.intent,
                Intent::TimeSync
                    | Intent::Connectivity
                    | Intent::Phone
                    | Intent::Online
                    | Intent::HostSetup
                    | Intent::Thresholds
                    | Intent::Timing
                    | Intent::InternetAccess
                    | Intent::Policy
            );
    if toks.len() <= 5
        && slmgr_option_in(kb, q).is_some()
        && u.slots.host.is_none()
        && !sure_trouble
        && !sure_other_topic
    {
        u.intent = if FAILING.is_match(q) && !ASKS_PURPOSE.is_match(q) && u.slots.error.is_none() {
            Intent::Diagnose
        } else if NEXT_STEP.is_match(q) {
            // "did slmgr /ipk already, next?" asks for the rest of the procedure; "got the
            // confirmation ID, now what?" the rest of the telephone activation it belongs to.
            if slmgr_option_in(kb, q).is_some_and(|o| o.option == "/atp" || o.option == "/dti") {
                Intent::Phone
            } else {
                Intent::ClientProcedure
            }
        } else {
            Intent::Slmgr
        };
        u.confidence = u.confidence.max(0.6);
    }
    // A machine count below the KMS threshold decides the answer: "no, and what works instead".
    if let Some(c) = u.slots.count {
        let below = match c.kind {
            MachineKind::Client => c.n < 25,
            _ => c.n < 5,
        };
        let viability = VIABLE.is_match(q)
            && (anchored || u.intent == Intent::Thresholds)
            && matches!(
                u.intent,
                Intent::None
                    | Intent::Thresholds
                    | Intent::ClientProcedure
                    | Intent::Methods
                    | Intent::HostSetup
                    | Intent::Phone
                    | Intent::Online
                    | Intent::Compare
            );
        // "Make one server the KMS host" counts the host, not the fleet.
        let the_host_itself = c.n == 1 && u.intent == Intent::HostSetup;
        let alt_is_threshold = u
            .alternative
            .is_some_and(|(a, _)| matches!(a, Intent::Thresholds | Intent::Methods));
        if (viability
            || below
                && (anchored || u.intent == Intent::Thresholds)
                && (matches!(
                    u.intent,
                    Intent::ClientProcedure
                        | Intent::Methods
                        | Intent::ExistingKms
                        | Intent::HostSetup
                        | Intent::Online
                ) || (u.intent == Intent::Compare && u.confidence < SURE)
                    || u.intent == Intent::Thresholds
                    || alt_is_threshold))
            && !the_host_itself
        {
            u.intent = Intent::Thresholds;
            u.confidence = u.confidence.max(0.6);
        } else if !below {
            // Enough machines: "how do I get them activated" asks for the procedure.
            let pair = |a: Intent, b: Intent| {
                matches!(a, Intent::ClientProcedure | Intent::PointKms) && b == Intent::Thresholds
            };
            if let Some((alt, _)) = u.alternative {
                if pair(u.intent, alt) {
                    u.confidence = u.confidence.max(0.6);
                } else if pair(alt, u.intent) && !viability {
                    u.intent = alt;
                    u.confidence = u.confidence.max(0.6);
                }
            }
        }
    }
    // Both thresholds named ("is it 25 or 5 for servers?"): which one applies.
    if q.contains("25")
        && BOTH_THRESHOLDS.is_match(q)
        && u.slots.nothing_pasted()
        && u.slots.host.is_none()
        && u.slots.count.is_none()
        && u.confidence < 0.9
    {
        u.intent = Intent::Thresholds;
        u.confidence = u.confidence.max(0.6);
    }
    // The threshold answer needs something about numbers of machines; without any ("do we
    // need inbound 1688 on the clients?") a close runner-up is the better reading.
    if u.intent == Intent::Thresholds && u.slots.count.is_none() && !COUNTING.is_match(q) {
        if let Some((alt, p)) = u.alternative {
            if p >= 0.5 * u.confidence && u.confidence < 0.6 {
                u.intent = alt;
            }
        }
    }
    let t = target(&u.slots, ctx, settings);

    // Operator articles compete with the built-in knowledge: a close match wins.
    if kb.has_operator_articles() {
        let r = retrieve(kb, &toks, ctx, true);
        if !r.abstained && r.confidence >= 0.75 {
            return with_intent(r, None);
        }
    }

    // Several slmgr options named ("/dli vs /dlv"): each one.
    let mut options = slmgr_options_in(kb, q);
    if options.len() < 2 && SLMGR_LIST.is_match(q) && u.slots.dli.is_none() {
        options = [
            "/ipk", "/skms", "/ato", "/dli", "/dlv", "/xpr", "/ckms", "/rearm",
        ]
        .iter()
        .filter_map(|o| kb.tables.slmgr.iter().find(|x| x.option == *o))
        .collect();
    }
    if options.len() >= 2
        && options.len() <= 8
        && !REBOOT.is_match(q)
        && u.slots.host.is_none()
        && u.slots.nothing_pasted()
        && (matches!(u.intent, Intent::Slmgr | Intent::Compare)
            || COMPARING.is_match(q)
            || lower.contains("slmgr")
            || lower.contains("each"))
    {
        // One line each, then the commands: a cheat sheet rather than several pages.
        let lines = options
            .iter()
            .map(|o| {
                let args = if o.args.is_empty() {
                    String::new()
                } else {
                    format!(" {}", o.args)
                };
                format!("- `slmgr {}{args}`: {}", o.option, o.summary)
            })
            .collect::<Vec<_>>()
            .join("\n");
        let usages = options
            .iter()
            .map(|o| o.usage.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        let text = personalize(
            &format!("{lines}\n\n```\n{usages}\n```\n\nCommands that change something need an elevated prompt; `/dli`, `/dlv` and `/xpr` only read."),
            &t,
            None,
        );
        let mut c = ctx.cloned().unwrap_or_default();
        c.intent = Some(Intent::Slmgr);
        let a = finish(
            text,
            Source {
                title: format!("{SLMGR_TABLE} ({})", kb.tables.slmgr_source),
                section: options
                    .iter()
                    .map(|o| format!("slmgr {}", o.option))
                    .collect::<Vec<_>>()
                    .join(", "),
            },
            0.9,
            c,
            None,
        );
        return with_intent(a, Some(Intent::Slmgr));
    }

    // No KMS host to use ("what if I don't have a kms host?"): the other ways, online or by
    // phone, unless the question is about building one.
    let builds_one = BUILD_HOST.is_match(q)
        || [
            "set up",
            "setup",
            "set one up",
            "set it up",
            "build",
            "create",
            "install a",
            "need a kms",
            "need one",
        ]
        .iter()
        .any(|w| lower.contains(w));
    if NO_KMS.is_match(q)
        && builds_one
        && u.slots.nothing_pasted()
        && matches!(
            u.intent,
            Intent::None | Intent::Thresholds | Intent::ExistingKms
        )
    {
        u.reroute(Intent::HostSetup);
    }
    if NO_KMS.is_match(q)
        && u.slots.nothing_pasted()
        && u.slots.host.is_none()
        && !builds_one
        && matches!(
            u.intent,
            Intent::ClientProcedure
                | Intent::PointKms
                | Intent::KeyLookup
                | Intent::None
                | Intent::ExistingKms
                | Intent::Thresholds
                | Intent::HostSetup
        )
        && u.slots.count.is_none()
    {
        u.reroute(if says_offline(&lower) {
            Intent::Phone
        } else {
            Intent::Methods
        });
    }
    // "I put our MAK into slmgr /skms": /skms takes the host; a key goes in with /ipk.
    // "KMS host vs client?": the two roles. "Is sysprep needed for one VM?": only clones need it.
    if u.slots.nothing_pasted() && u.slots.editions.is_empty() {
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let fact = if key_given_to_skms(&words, u.slots.product_key.is_some()) {
            Some(("key-in-skms", Intent::Slmgr))
        } else if host_vs_client(&words) {
            Some(("host-vs-client", Intent::Compare))
        } else if sysprep_single(&lower, &words, u.slots.count.map(|c| c.n)) {
            Some(("sysprep-single", Intent::ClientProcedure))
        } else {
            None
        };
        if let Some((id, intent)) = fact {
            if let Some(a) = fact_answer(kb, id, &t, intent, ctx) {
                return with_intent(a, Some(intent));
            }
        }
    }
    // Why and what-if questions with a fact of their own ("what if the KMS host is down for a
    // week?", "why does the count not go up?"), and follow-ups that stay on that fact.
    if other_outage(q, ctx) {
        return abstain(0.0, ctx);
    }
    if let Some((id, intent)) = reason_or_consequence(kb, q, &lower, toks.len(), &u.slots, ctx) {
        if let Some(a) = fact_answer(kb, id, &t, intent, ctx) {
            return with_intent(a, Some(intent));
        }
    }
    // Topics with one fact of their own, whatever the classifier guessed.
    if u.slots.nothing_pasted() {
        let kms_proxy =
            lower.contains("proxy") && lower.contains("kms") && !lower.contains("online");
        let hosts_for_fleet = HOSTS_FOR_FLEET.is_match(q);
        // Resizing, restoring or moving an instance, not the KMS host, and not its clock.
        let kms_host_moved = lower.contains("kms") && HOST_MOVE.is_match(q);
        let about_clock = CLOCK_OFF.is_match(q)
            || ["clock", "time ", "w32tm", "ntp"]
                .iter()
                .any(|w| lower.contains(w));
        let instance_change = INSTANCE_CHANGE.is_match(q)
            && !kms_host_moved
            // "built from one golden image, the CMID ... do I need to rebuild them?": the
            // copies' shared machine ID, not one instance changed.
            && !["cmid", "golden", "sysprep"].iter().any(|w| lower.contains(w))
            && !HOST_RISK.is_match(q)
            && !about_clock;
        // Extended Security Updates: an add-on key of its own, activated by its activation ID.
        let esu = lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == "esu" || w == "esus")
            || lower.contains("extended security update");
        // An event's source ("Microsoft-Windows-Security-SPP") is not a security question.
        let without_event_source = lower.replace("security-spp", "spp");
        let topic = if PRE_VISTA.is_match(q) {
            Some(("pre-vista", Intent::KeyLookup))
        } else if replacement_key_after_refusal(ctx, q) {
            Some(("mak-source", Intent::Online))
        } else if esu
            && [
                "key", "activat", "install", "slmgr", "ipk", "ato", "licen", "year", "enrol",
            ]
            .iter()
            .any(|w| lower.contains(w))
        {
            Some(("esu", Intent::Online))
        } else if lower.contains("watermark")
            && [
                "licensed",
                "still",
                "remains",
                "stays",
                "after activat",
                "after slmgr",
                "even though",
                "although",
                "is activated",
            ]
            .iter()
            .any(|w| lower.contains(w))
            && ![
                "not activated",
                "unlicensed",
                "not licensed",
                "isn't activated",
            ]
            .iter()
            .any(|w| lower.contains(w))
        {
            Some(("watermark-licensed", Intent::StatusCheck))
        } else if lower.contains("activation service")
            && (lower.contains("organization") || lower.contains("organisation"))
        {
            Some(("org-activation-message", Intent::StatusCheck))
        } else if lower.contains("activation id") || lower.contains("activationid") {
            Some(("activation-id", Intent::StatusCheck))
        } else if ALL_LICENCES.is_match(q)
            && ["licen", "slmgr", "activat"]
                .iter()
                .any(|w| lower.contains(w))
        {
            Some(("all-licences", Intent::StatusCheck))
        } else if RETAIL_MISMATCH.is_match(q) {
            Some(("channel-mismatch", Intent::KeyLookup))
        } else if NON_GVLK_WITH_KMS.is_match(q) && !CONVERT_TO_KMS.is_match(q) {
            Some(("kms-needs-gvlk", Intent::KeyLookup))
        } else if GVLK_AS_HOST_KEY.is_match(q) {
            Some(("gvlk-not-host-key", Intent::HostSetup))
        } else if HOST_KEY_WORDS.is_match(q)
            && EXISTING_KMS_NAMED.is_match(q)
            // Building a host with a key they have is the host's setup.
            && !["set up", "setup", "build", "creat", "configur", "convert", "promot"]
                .iter()
                .any(|w| lower.contains(w))
        {
            Some(("existing-host-no-key", Intent::ExistingKms))
        } else if lower.contains("rearm") && REARM_GONE.is_match(q) {
            Some(("rearm-exhausted", Intent::Slmgr))
        } else if (SEPARATE_HOSTS.is_match(q) || BOTH_KINDS.is_match(q))
            && !["redundan", "failover", "backup", "availab"]
                .iter()
                .any(|w| lower.contains(w))
        {
            Some(("one-host-all", Intent::HostSetup))
        } else if WRONG_KEY.is_match(q) {
            Some(("wrong-key", Intent::Slmgr))
        } else if lower.contains("kms")
            && (lower.contains("caching") || lower.contains("cached") || lower.contains("cache "))
            && !lower.contains("khc")
        {
            Some(("host-caching", Intent::Slmgr))
        } else if (lower.contains("activat")
            && [
                "url",
                "endpoint",
                "which hosts",
                "what hosts",
                "domains",
                "allowlist",
                "whitelist",
                "fqdn",
            ]
            .iter()
            .any(|w| lower.contains(w))
            && !lower.contains("_vlmcs"))
            // (VAMT's "proxy activation" is its own way, not a web proxy.)
            || (ONLINE_PATH.is_match(q)
                && !["kms", "1688", "vamt", "proxy activation"]
                    .iter()
                    .any(|w| lower.contains(w)))
        {
            Some(("activation-endpoints", Intent::Online))
        } else if (lower.contains("unattend.xml")
            || lower.contains("autounattend")
            || lower.contains("answer file"))
            && ["key", "gvlk", "kms", "activat"]
                .iter()
                .any(|w| lower.contains(w))
        {
            Some(("unattend-key", Intent::KeyLookup))
        } else if lower.contains("software assurance")
            && (lower.contains("kms") || lower.contains("gvlk") || lower.contains("activat"))
        {
            Some(("kms-cost", Intent::Policy))
        } else if HOST_KEY_GROUP.is_match(q) {
            Some(("host-key-groups", Intent::HostSetup))
        } else if HOST_RETIRE.is_match(q)
            // "If we decommission the host, when do clients complain?" is about timing;
            // "remove the KMS host name from the client" is `/ckms`.
            && ![
                "when", "what happens", "how long", "complain", "expire", "cach", "days",
                "host name", "server name", "registry",
            ]
            .iter()
            .any(|w| lower.contains(w))
        {
            Some(("host-retire", Intent::HostSetup))
        } else if (lower.contains("kms") && HOST_MOVE.is_match(q) && !HOST_PORT_CHANGE.is_match(q))
            || STALE_SRV.is_match(q)
        {
            // Moving the host, or an old one still found through DNS.
            Some(("host-move", Intent::HostSetup))
        } else if lower.contains("kms") && HOST_CHECK.is_match(q) {
            Some(("host-check", Intent::HostSetup))
        } else if ["key", "csvlk", "mak"].iter().any(|w| lower.contains(w))
            && KEY_IN_CHAT.is_match(q)
            && !CLIENT_KEY_WORDS.is_match(q)
        {
            Some(("key-in-chat", Intent::HostSetup))
        } else if lower.contains("netsh")
            && ["firewall", "portopening", "1688", "port", "rule"]
                .iter()
                .any(|w| lower.contains(w))
        {
            Some(("netsh-firewall", Intent::HostSetup))
        } else if lower.contains("vamt")
            || lower.contains("volume activation management")
            || lower.contains("proxy activation")
            || lower.contains("mak proxy")
        {
            Some(("vamt", Intent::Methods))
        } else if lower.contains("vlmcs") && WHAT_IS.is_match(q) && !DNS_PUBLISH_CHANGE.is_match(q)
        {
            Some(("srv", Intent::ExistingKms))
        } else if (lower.contains("spp") || lower.contains("software protection"))
            && SPP_SERVICE.is_match(q)
            // "After installing the host key, do I restart the Software Protection service?"
            && (!HOST_KEY_WORDS.is_match(q) || lower.contains("restart"))
            // "sppsvc is running, what next?" reports a cause ruled out, in the thread's problem.
            && !(ASKS_NEXT.is_match(q) && ctx.and_then(|c| c.intent).is_some())
        {
            Some(("sppsvc", Intent::HostSetup))
        } else if ((KMS_SECURITY.is_match(&without_event_source)
            && (lower.contains("kms") || lower.contains("1688")))
            // "Is the traffic on 1688 encrypted?"
            || (lower.contains("encrypt")
                && ["1688", "kms host", "kms server", "kms traffic", "kms protocol"]
                    .iter()
                    .any(|w| lower.contains(w))))
            && !PIRACY.is_match(q)
            && !HOST_RISK.is_match(q)
            // "Our exposure if the KMS host dies: how long until ...": the activation's
            // validity, not the host's security.
            && !OUTAGE.is_match(q)
            && !COMPARING.is_match(q)
            // "For hardening, can I stop the host publishing its SRV record?": `/cdns`.
            && !(DNS_PUBLISHING.is_match(q) && DNS_PUBLISH_CHANGE.is_match(q))
        {
            Some(("kms-security", Intent::HostSetup))
        } else if HOST_KEY_COUNT.is_match(q) && !HOST_KEY_WHERE.is_match(q) {
            Some(("host-key-limit", Intent::HostSetup))
        } else if SRV_MISSING.is_match(q) {
            Some(("srv", Intent::ExistingKms))
        } else if OTHER_KMS_PORTS.is_match(q)
            // "Any other ports, like RPC?" in a thread about the KMS port, its rule or host.
            && (lower.contains("kms")
                || matches!(
                    ctx.and_then(|c| c.intent),
                    Some(
                        Intent::Connectivity
                            | Intent::ExistingKms
                            | Intent::PointKms
                            | Intent::HostSetup
                    )
                ))
            && u.slots.host.is_none()
            && !lower.contains("vpn")
        {
            Some(("port", Intent::Connectivity))
        } else if ACTIVATION_VS_LICENCE.is_match(q) {
            Some(("activation-vs-licence", Intent::Compare))
        } else if HOST_SIDE.is_match(q)
            && !lower.contains("netsh")
            && !lower.contains("slmgr")
            && !HOST_PORT_CHANGE.is_match(q)
            && !CHANGE_PORT.is_match(q)
            && (ctx.and_then(|c| c.intent) == Some(Intent::Connectivity)
                || lower.contains("firewall")
                || lower.contains("1688")
                || lower.contains("port"))
        {
            Some(("host-firewall", Intent::Connectivity))
        } else if HOST_KEY_SOURCE.is_match(q)
            // Building a host, not looking for its key ("mak" and "host key" are no verbs).
            && ![
                "steps", "already", "set up", "setup", "install", "build", "creat", "configur",
                "becom", "turn", "promot", "convert", "enable", "make ", "making", "publish",
            ]
            .iter()
            .any(|w| lower.contains(w))
        {
            let host_key = ["host key", "csvlk", "kms key"]
                .iter()
                .any(|w| lower.contains(w));
            if host_key || !(lower.contains("mak") || lower.contains("multiple activation")) {
                Some(("host-key-source", Intent::HostSetup))
            } else {
                Some(("mak-source", Intent::Online))
            }
        } else if HOST_LOAD.is_match(q) {
            Some(("capacity", Intent::Thresholds))
        } else if HOST_SIZING.is_match(q) && !BUILD_HOST.is_match(q) && !SERVER_CORE.is_match(q) {
            // ("Server Core" names an installation option, not processor cores.)
            Some(("host-sizing", Intent::HostSetup))
        } else if HOST_OWN_ACTIVATION.is_match(q) {
            Some(("host-activation", Intent::HostSetup))
        } else if LAPSE.is_match(q)
            || (STOPS_AFTER.is_match(q)
                && (q.contains("180") || ctx.and_then(|c| c.intent) == Some(Intent::Timing)))
        {
            Some(("lapsed", Intent::Timing))
        } else if KMS_SERVICE.is_match(q) && !HOST_KEY_WORDS.is_match(q) {
            Some(("sppsvc", Intent::HostSetup))
        } else if (CONTAINERS.is_match(q)
            // "and the windows containers, they count also?" in a thread about activation.
            || (ctx.and_then(|c| c.intent).is_some()
                && toks.len() <= 10
                && lower
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .any(|w| ["container", "containers", "docker"].contains(&w))
                // Asked about their activation or count, not how to install Docker.
                && ["count", "activat", "licen", "kms", "key", "too", "also", "as well"]
                    .iter()
                    .any(|w| lower.contains(w))))
            // Kubernetes worker nodes are Windows machines of their own, activated as any.
            && !(lower.contains("node") && !lower.contains("container") && !lower.contains("docker"))
        {
            Some(("containers", Intent::Methods))
        } else if (REDUNDANT_HOSTS.is_match(q)
            || (MORE_HOSTS_ELLIPTIC.is_match(q)
                && toks.len() <= 10
                && matches!(
                    ctx.and_then(|c| c.intent),
                    Some(Intent::ExistingKms | Intent::HostSetup)
                )))
            && !lower.contains("host key")
            && u.slots.host.is_none()
        {
            Some(("redundancy", Intent::HostSetup))
        } else if instance_change {
            Some(("instance-changes", Intent::Timing))
        } else if (lower.contains("udp")
            || DIRECTION.is_match(q)
            // "is 1688 tcp": which protocol.
            || (lower.contains("tcp") && lower.contains("1688") && toks.len() <= 4)
            // "What's port 1688 for?", "the guide says something about 1688, what is that?"
            || (lower.contains("1688")
                && (lower.contains("what") || lower.contains("why"))
                && u.slots.host.is_none()
                && !lower.contains("open")
                && ![
                    "km", "mile", "binary", "hex", "year", "dollar", "yuan", "price", "cost",
                ]
                .iter()
                .any(|w| lower.contains(w))
                && toks.len() <= 10)
            // "It used to be 1688, is it still?", "has the port changed from 1688?"
            || (lower.contains("1688")
                && lower.contains("port")
                && [" still", "changed", "the same", "different"]
                    .iter()
                    .any(|w| lower.contains(w))
                && u.slots.host.is_none()
                && u.slots.error.is_none())
            // "What is the port number of the KMS server, and the protocol?"
            || ((lower.contains("port number") || lower.contains("protocol"))
                && lower.contains("port")
                && u.slots.host.is_none()
                && u.slots.editions.is_empty()))
            && !["ntp", "123", "w32tm", "time", "clock"]
                .iter()
                .any(|w| lower.contains(w))
            && (lower.contains("kms")
                || lower.contains("1688")
                || ctx.and_then(|c| c.intent) == Some(Intent::Connectivity))
        {
            Some(("port", Intent::Connectivity))
        } else if SRV_QUERY.is_match(q)
            && (lower.contains("kms") || toks.len() <= 3)
            && !DNS_PUBLISH_CHANGE.is_match(q)
        {
            Some(("srv", Intent::ExistingKms))
        } else if ctx.and_then(|c| c.intent) == Some(Intent::ExistingKms)
            && toks.len() <= 5
            && !DNS_PUBLISH_CHANGE.is_match(q)
            && (lower
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| w == "record" || w == "records")
                || ((lower.contains("add") || lower.contains("create")) && lower.contains(" it")))
        {
            // "How do I check the record exists?", "it's missing, how do I add it?" in a
            // thread about finding the host: its SRV record.
            Some(("srv", Intent::ExistingKms))
        } else if MAK_EXPIRY.is_match(q)
            // "Is activation a one-time thing?"
            || (lower.contains("activat")
                && ["one-time", "one time", "once and for all", "for good", "only once"]
                    .iter()
                    .any(|w| lower.contains(w)))
        {
            Some(("permanent", Intent::Timing))
        } else if HOST_COUNT_CHECK.is_match(q) {
            Some(("thresholds", Intent::Thresholds))
        } else if kms_proxy {
            Some(("kms-proxy", Intent::Connectivity))
        } else if hosts_for_fleet {
            Some(("capacity", Intent::Thresholds))
        } else if lower.contains("request") && FAILED_REQUESTS.is_match(q) {
            Some(("failed-requests", Intent::HostSetup))
        } else if PING.is_match(q)
            && ACTIVATION_CONTEXT.is_match(q)
            && !lower.contains("tcptestsucceeded")
            // "ping ok, 1688 blocked": the port test already failed, the rule is what is missing.
            && !port_reported_blocked(&lower)
        {
            Some(("ping", Intent::Connectivity))
        } else if COUNT_CAP.is_match(q) {
            Some(("capacity", Intent::Thresholds))
        } else if OLD_HOST_NEW_CLIENT.is_match(q) {
            Some(("host-updates", Intent::HostSetup))
        } else if (TIME_ZONE.is_match(q) || CLOCK_OFFSET.is_match(q))
            && ACTIVATION_CONTEXT.is_match(q)
        {
            Some(("time-skew", Intent::TimeSync))
        } else if AUTO_RETRY.is_match(q)
            && !OTHER_CLOUD.is_match(q)
            && !CLIENT_ORDER.is_match(q)
            // "How do new VMs from the image activate on their own?": the image's preparation.
            && !IMAGE_PREP.is_match(q)
        {
            Some(("validity", Intent::Timing))
        } else if CHANGE_PORT.is_match(q) && u.slots.host.is_none() && u.slots.port.is_none() {
            Some(("port", Intent::PointKms))
        } else if PORT_ONLY.is_match(q) {
            Some(("port-only", Intent::PointKms))
        } else if (GRACE_QUESTION.is_match(q) && lower.contains("grace"))
            // "How many days do I have to activate a new server?"
            || ((lower.contains("how many days") || lower.contains("how long"))
                && (lower.contains("have to activate") || lower.contains("until i must activate")))
        {
            Some(("grace", Intent::Timing))
        } else if WHICH_EDITION.is_match(q)
            // "Which edition is NPPR9-...?": the published key's edition, answered below.
            && !u
                .slots
                .product_key
                .as_ref()
                .is_some_and(|k| kb.tables.gvlks.iter().any(|g| &g.key == k))
        {
            Some(("edition-check", Intent::KeyLookup))
        } else if REMOVE_KEY.is_match(q) {
            Some(("remove-key", Intent::Slmgr))
        } else if PARTIAL_KEY.is_match(q) {
            // "How do I list the partial product key in PowerShell?": the WMI property.
            if [
                "powershell",
                "wmi",
                "get-ciminstance",
                "softwarelicensingproduct",
            ]
            .iter()
            .any(|w| lower.contains(w))
            {
                Some(("powershell-status", Intent::StatusCheck))
            } else {
                Some(("partial-key", Intent::StatusCheck))
            }
        } else if REMOTE_STATUS.is_match(q)
            && (u.intent == Intent::StatusCheck
                || ctx.and_then(|c| c.intent) == Some(Intent::StatusCheck)
                || ((lower.contains("activat") || lower.contains("licen"))
                    && [
                        "check", "status", "verify", "report", "see", "list", "audit",
                    ]
                    .iter()
                    .any(|w| lower.contains(w))))
            && u.slots.host.is_none()
            && u.slots.instance.is_none()
        {
            Some(("remote-status", Intent::StatusCheck))
        } else if INSTALLED_KEY.is_match(q) && u.slots.editions.is_empty() {
            Some(("installed-key", Intent::StatusCheck))
        } else if [
            "expire soon",
            "expires soon",
            "expiring soon",
            "expire shortly",
        ]
        .iter()
        .any(|w| lower.contains(w))
            && (lower.contains("licen") || lower.contains("activation"))
            && u.slots.nothing_pasted()
        {
            // "Windows says my license will expire soon": how long an activation lasts and
            // how to see and renew it.
            Some(("validity", Intent::Timing))
        } else if NOTIFICATION_CAUSE.is_match(q)
            || (STATUS_MEANING.is_match(q)
                && u.slots.error.is_none()
                && [
                    "licen",
                    "status",
                    "activat",
                    "slmgr",
                    "report",
                    "monitor",
                    "dashboard",
                    "inventory",
                    "server",
                    "machine",
                ]
                .iter()
                .any(|w| lower.contains(w)))
        {
            Some(("grace", Intent::Timing))
        } else if SAME_KEY_MANY.is_match(q) {
            Some(("gvlk-shared", Intent::KeyLookup))
        } else if GVLK_OTHER_WAY.is_match(q) {
            Some(("gvlk-only-kms", Intent::KeyLookup))
        } else if CAPACITY_QUESTION.is_match(q)
            && u.slots.count.is_none()
            && u.slots.host.is_none()
            && CLIENT_WORDS.is_match(q)
            && !CLOCK_OFF.is_match(q)
            && (lower.contains("kms host")
                || lower.contains("kms server")
                || lower.contains("one host"))
        {
            Some(("capacity", Intent::Thresholds))
        } else if REBOOT.is_match(q) && (HOST_KEY_WORDS.is_match(q) || lower.contains("service")) {
            // "After installing the host key, must I restart some service?": sppsvc.
            Some(("sppsvc", Intent::HostSetup))
        } else if REBOOT.is_match(q) {
            Some(("reboot", Intent::ClientProcedure))
        } else if HOST_UPDATE.is_match(q) {
            Some(("host-updates", Intent::HostSetup))
        } else if KMS_REGISTRY.is_match(q)
            && (lower.contains("kms") || lower.contains("keymanagementservice"))
            // "the registry says EditionID EnterpriseS": the edition read there, not the host.
            && !["editionid", "edition id", "productname", "product name"]
                .iter()
                .any(|w| lower.contains(w))
        {
            Some(("kms-registry", Intent::PointKms))
        } else if MAK_LIMIT.is_match(q) {
            Some(("mak-limit", Intent::Online))
        } else if HOST_RISK.is_match(q) && u.slots.count.is_none() && !OUTAGE.is_match(q) {
            Some(("capacity", Intent::Thresholds))
        } else if OUTAGE.is_match(q)
            && (lower.contains("kms") || lower.contains("activat") || lower.contains("licen"))
            && u.slots.error.is_none()
        {
            Some(("validity", Intent::Timing))
        } else if (CLONED.is_match(q)
            || COUNT_SHORT.is_match(q)
            // "How do I fix the clones I already made?" in a thread about the count.
            || (lower.contains("clon") && ctx.and_then(|c| c.intent) == Some(Intent::Thresholds)))
            && !lower.contains("(cmid):")
        {
            Some(("cmid", Intent::Thresholds))
        } else if IMAGE_PREP.is_match(q)
            && u.slots.editions.is_empty()
            && u.slots.host.is_none()
            && u.slots.count.is_none()
        {
            Some(("image-prep", Intent::ClientProcedure))
        } else if (EVENT_LOG.is_match(q)
            || (REQUEST_RECORDS.is_match(q)
                && !["dns", "srv", "_vlmcs"].iter().any(|w| lower.contains(w))))
            && (ACTIVATION_CONTEXT.is_match(q)
                || ctx
                    .and_then(|c| c.intent)
                    .is_some_and(|i| !i.is_small_talk()))
            && !CLOCK_OFF.is_match(q)
            && !TIME_AS_OCCASION.replace_all(&lower, "").contains("time")
            // "The count on our KMS is 20, which machines are activated?": the thresholds.
            && !(u.slots.count.is_some() && lower.contains("count"))
            // "the interval at which clients renew" asks no question about machines.
            && ![" at which ", " in which ", " by which ", " with which "]
                .iter()
                .any(|w| lower.contains(w))
        {
            Some(("event-log", Intent::StatusCheck))
        } else if POWERSHELL_SET_HOST.is_match(q)
            && (!lower.contains("slmgr")
                || ["without", "instead", "not "]
                    .iter()
                    .any(|w| lower.contains(w)))
        {
            Some(("wmi-kms-host", Intent::PointKms))
        } else if POWERSHELL_STATUS.is_match(q) && !DEV_TOOLS.is_match(q) {
            Some(("powershell-status", Intent::StatusCheck))
        } else if OUTPUT_FIELD.is_match(q) && MEANING_WORDS.is_match(q) && u.slots.error.is_none() {
            // "What does 'KMS machine IP address: not available' in /dlv mean?"
            Some(("dlv-fields", Intent::StatusCheck))
        } else if VOLUME_EXPIRES.is_match(q) {
            Some(("validity", Intent::Timing))
        } else if CLIENT_OS_HOST.is_match(q) {
            Some(("client-os-host", Intent::HostSetup))
        } else if SETTINGS_APP.is_match(q)
            && ACTIVATION_CONTEXT.is_match(q)
            && !names_edition_asks_key(q, &u.slots)
        {
            Some(("settings-activation", Intent::StatusCheck))
        } else if (HOME_EDITION.is_match(q)
            && !NEGATED_HOME.is_match(q)
            // Only Home named ("key for server 2022 and windows 11 home" still gets its key);
            // "our KMS server" names no server edition.
            && u.slots.editions.len() <= 1
            && !["kms server", "kms-server", "activation server", "licensing server", "company server"]
                .iter()
                .fold(lower.clone(), |l, w| l.replace(w, " "))
                .contains("server")
            && (KEY_WORDS.is_match(q) || KMS_OR_GVLK.is_match(q)))
            || home_in_key_thread(ctx, &lower, toks.len())
        {
            Some(("home-edition", Intent::KeyLookup))
        } else if HOST_KEY_WHERE.is_match(q) {
            Some(("host-key-only", Intent::HostSetup))
        } else if CHANNEL_PROOF.is_match(q) && !CHOOSING.is_match(q) {
            Some(("channel-proof", Intent::StatusCheck))
        } else if EVALUATION.is_match(q) || evaluation_thread(ctx, &u.slots, toks.len()) {
            Some(("evaluation", Intent::ClientProcedure))
        } else if EDITION_CHANGE.is_match(q) {
            Some(("edition-change", Intent::ClientProcedure))
        } else if NO_DOMAIN.is_match(q)
            && (lower.contains("kms")
                || lower.contains("activat")
                || lower.contains("adba")
                || lower.contains("gvlk"))
            && u.slots.host.is_none()
        {
            Some(("no-domain", Intent::ExistingKms))
        } else if ADBA.is_match(q) {
            Some(("adba", Intent::Compare))
        } else if (u.priced || KEY_LEGAL.is_match(q)) && KMS_OR_GVLK.is_match(q) {
            Some(("kms-cost", Intent::Policy))
        } else {
            None
        };
        // A topic pattern only overrides a classifier that is unsure or agrees: "if the KMS host
        // is down, how often do clients retry?" is about timing (0.98), not redundancy.
        let topic = topic.filter(|(_, intent)| {
            u.confidence < 0.9 || u.intent == *intent || u.intent == Intent::None
        });
        if let Some((id, intent)) = topic {
            if let Some(mut a) = fact_answer(kb, id, &t, intent, ctx) {
                if id == "evaluation" || id == "edition-change" {
                    // The named target edition's key and DISM name.
                    let matches = resolve_editions(kb, &u.slots);
                    let exact = exact_editions(&matches);
                    // Standard to Datacenter ("2019 std to dc" reads as both): the target is
                    // the Datacenter one of that version.
                    let datacenter = u
                        .slots
                        .editions
                        .iter()
                        .filter(|q| q.attrs.contains("datacenter"))
                        .flat_map(|q| q.families.iter())
                        .filter_map(|f| match kb.gvlk(&format!("{f} Datacenter")) {
                            EditionMatch::Exact(g) => Some(g),
                            _ => None,
                        })
                        .collect::<Vec<_>>();
                    // Nothing named beside pasted DISM or slmgr output: the edition it shows.
                    let pasted = pasted_edition(kb, q);
                    let target = if id == "edition-change" && datacenter.len() == 1 {
                        datacenter.first()
                    } else {
                        exact.first().or(pasted.as_ref())
                    };
                    if let Some(g) = target {
                        a.text = fill_conversion(&a.text, g);
                        // "Datacenter instead?" next: the same version.
                        if let Some(c) = a.context.as_mut() {
                            c.family = Some(g.family.clone());
                        }
                    }
                }
                if id == "edition-check"
                    && lower.contains("gvlk")
                    && [
                        "stand for",
                        "stands for",
                        "what is",
                        "what's a",
                        "meaning",
                        "short for",
                        "acronym",
                        "abbreviat",
                    ]
                    .iter()
                    .any(|w| lower.contains(w))
                {
                    // "What does GVLK stand for, and which one is mine?"
                    a.text.insert_str(0, "**GVLK** stands for Generic Volume License Key: the public KMS client setup key of one edition, which makes Windows activate against a KMS host.\n\n");
                }
                if id == "validity" {
                    if let Some(note) = renewal_overdue(q, &t) {
                        a.text.insert_str(0, &note);
                    }
                }
                return with_intent(a, Some(intent));
            }
        }
    }
    // "And to undo it?" after pointing at a host: clear the manual setting.
    // "undo skms" names what to undo itself.
    // "... and the command that removes it to restore automatic discovery": /ckms too.
    let back_to_discovery = lower.contains("kms")
        && [
            "automatic discovery",
            "auto-discovery",
            "autodiscovery",
            "auto discovery",
            "discover it automatically",
        ]
        .iter()
        .any(|w| lower.contains(w))
        && ["remov", "restor", "clear", "back", "revert", "undo"]
            .iter()
            .any(|w| lower.contains(w));
    if (UNDO.is_match(q)
        && (lower.contains("skms")
            || ctx.and_then(|c| c.intent).is_some_and(|i| {
                matches!(
                    i,
                    Intent::PointKms
                        | Intent::ClientProcedure
                        | Intent::Slmgr
                        | Intent::ExistingKms
                )
            })))
        || back_to_discovery
    {
        if let Some(o) = kb.tables.slmgr.iter().find(|o| o.option == "/ckms") {
            let mut c = ctx.cloned().unwrap_or_default();
            c.intent = Some(Intent::Slmgr);
            let a = finish(
                slmgr_text(o),
                Source {
                    title: format!("{SLMGR_TABLE} ({})", kb.tables.slmgr_source),
                    section: "slmgr /ckms".into(),
                },
                0.85,
                c,
                None,
            );
            return with_intent(a, Some(Intent::Slmgr));
        }
    }
    // Intervals the KMS host hands to its clients, in minutes.
    if INTERVAL_CHANGE.is_match(q) && NUMBER_WITH_UNIT.is_match(q) && u.slots.dli.is_none() {
        let renewal = !(lower.contains("retry")
            || lower.contains("activation interval")
            || lower.contains("sai"));
        let option = if renewal { "/sri" } else { "/sai" };
        if let (Some(o), Some(minutes)) = (
            kb.tables.slmgr.iter().find(|o| o.option == option),
            minutes_in(q),
        ) {
            let text = format!(
                "{}\n\nFor your value, on the KMS host:\n\n```\nslmgr {option} {minutes}\n```\n\nClients take the new interval at their next contact with the host.",
                slmgr_text(o)
            );
            let mut c = ctx.cloned().unwrap_or_default();
            c.intent = Some(Intent::Timing);
            let a = finish(
                text,
                Source {
                    title: format!("{SLMGR_TABLE} ({})", kb.tables.slmgr_source),
                    section: format!("slmgr {option}"),
                },
                0.9,
                c,
                None,
            );
            return with_intent(a, Some(Intent::Timing));
        }
    }
    // "kms host not publish in dns": a record that does not appear, not a wish to turn it off.
    if NOT_PUBLISHING.is_match(q)
        && lower.contains("kms")
        && u.slots.nothing_pasted()
        && !DNS_PUBLISH_CHANGE.is_match(q)
        // "how do I make the host not register": a wish, as "want" is.
        && !["want", "should", "need to", "must", "make it", "make the", "make our", "make my"]
            .iter()
            .any(|w| lower.contains(w))
    {
        if let Some(a) = fact_answer(kb, "srv", &t, Intent::ExistingKms, ctx) {
            return with_intent(a, Some(Intent::ExistingKms));
        }
    }
    // Turning a KMS host's DNS publishing off or on.
    // ("the slmgr option to turn off dns publishing" names no KMS: slmgr says it.)
    // ("dns srv autopublish off": the SRV record a host publishes is KMS's own.)
    if DNS_PUBLISHING.is_match(q)
        && (lower.contains("kms")
            || lower.contains("slmgr")
            || ((lower.contains("vlmcs") || lower.contains("srv"))
                && lower.contains("publish")
                && (DNS_PUBLISH_CHANGE.is_match(q)
                    || lower
                        .split(|c: char| !c.is_ascii_alphanumeric())
                        .any(|w| w == "off"))))
        && u.slots.dli.is_none()
    {
        // Whole words ("another" holds "not"); "can I turn that off?" too.
        let off = lower.contains("don't")
            || lower.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
                [
                    "not",
                    "dont",
                    "stop",
                    "stops",
                    "stopping",
                    "disable",
                    "disabled",
                    "disabling",
                    "without",
                    "no",
                    "off",
                ]
                .contains(&w)
            });
        // "It is not publishing, how do I enable it?": the request, not the symptom, decides.
        let on = lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| ["enable", "reenable", "resume"].contains(&w))
            || ["turn on", "turn it on", "back on", "switch on", "re-enable"]
                .iter()
                .any(|w| lower.contains(w));
        let option = if off && !on { "/cdns" } else { "/sdns" };
        if let Some(o) = kb.tables.slmgr.iter().find(|o| o.option == option) {
            let mut c = ctx.cloned().unwrap_or_default();
            c.intent = Some(Intent::HostSetup);
            let a = finish(
                personalize(&slmgr_text(o), &t, None),
                Source {
                    title: format!("{SLMGR_TABLE} ({})", kb.tables.slmgr_source),
                    section: format!("slmgr {option}"),
                },
                0.9,
                c,
                None,
            );
            return with_intent(a, Some(Intent::HostSetup));
        }
    }
    // Changing the port a KMS host listens on.
    // ("which firewall change ... port" asks for a rule, not a new listening port.)
    let firewall_change = lower.contains("firewall") && !lower.contains("listen");
    // "can I change it?" in a thread about the port.
    let change_it = ctx.and_then(|c| c.intent) == Some(Intent::Connectivity)
        && toks.len() <= 4
        && ["change it", "change that", "change the port"]
            .iter()
            .any(|w| lower.contains(w));
    if (HOST_PORT_CHANGE.is_match(q) || change_it) && u.slots.dli.is_none() && !firewall_change {
        if let Some(o) = kb.tables.slmgr.iter().find(|o| o.option == "/sprt") {
            let mut text = personalize(&slmgr_text(o), &t, None);
            // A number of the host's address ("10.0.0.40") is not a port.
            let without_host = match &u.slots.host {
                Some(h) => q.replace(h.as_str(), " "),
                None => q.to_string(),
            };
            let port = u.slots.port.or_else(|| {
                without_host
                    .split(|c: char| !c.is_ascii_digit())
                    .filter_map(|n| n.parse::<u16>().ok())
                    .rfind(|p| *p >= 2)
            });
            if let Some(p) = port {
                text = text
                    .replace("<port>", &p.to_string())
                    .replace("/sprt 1688", &format!("/sprt {p}"));
                text.push_str(&format!("\n\nThen allow tcp/{p} in the host's firewall, and point clients at it with `slmgr /skms <KMS_host>:{p}` (DNS publishing announces the new port by itself)."));
            } else if ["what if", "what happens", "consequence"]
                .iter()
                .any(|w| lower.contains(w))
            {
                // "What if I change the port?": what else has to follow the host.
                text.push_str("\n\nThen allow the new port in the host's firewall, and point clients at it with `slmgr /skms <KMS_host>:<port>` (DNS publishing announces the new port by itself); clients still looking for 1688 can no longer reach the host.");
            }
            let mut c = ctx.cloned().unwrap_or_default();
            c.intent = Some(Intent::HostSetup);
            // The thread goes on with the new port ("clients?": point them at it).
            if port.is_some() {
                c.port = port;
            }
            let a = finish(
                text,
                Source {
                    title: format!("{SLMGR_TABLE} ({})", kb.tables.slmgr_source),
                    section: "slmgr /sprt".into(),
                },
                0.9,
                c,
                None,
            );
            return with_intent(a, Some(Intent::HostSetup));
        }
    }
    // How to run slmgr itself (console output, another machine).
    let thread_slmgr = ctx.and_then(|c| c.intent) == Some(Intent::Slmgr);
    if (SLMGR_USAGE.is_match(q)
        // "can normal user run slmgr /dli": that option's answer says whether it needs one.
        || (ADMIN_ASK.is_match(q) && crate::answer::slmgr_option_in(kb, q).is_none()))
        && u.slots.nothing_pasted()
        // "cscript slmgr.vbs /xpr" typed alone asks what that option does.
        && !(bare_command_line(q) && crate::answer::slmgr_option_in(kb, q).is_some())
        // "Server Core activation commands with kms 10.3.3.3": the procedure, for that host.
        && !(SERVER_CORE.is_match(q) && u.slots.host.is_some())
        && (lower.contains("slmgr")
            || lower.contains("command")
            || u.intent == Intent::Slmgr
            || thread_slmgr
            // "Can I check the status of all nodes remotely?"
            || (matches!(u.intent, Intent::StatusCheck | Intent::InstanceStatus)
                && (lower.contains("remote") || lower.contains("another"))))
    {
        if let Some(mut a) = fact_answer(kb, "slmgr-usage", &t, Intent::Slmgr, ctx) {
            if let Some(name) = u.slots.instance.as_ref().or(u.slots.host.as_ref()) {
                a.text = a.text.replace("<computer_name>", name);
            }
            return with_intent(a, Some(Intent::Slmgr));
        }
    }
    // "permanently activated" (what `/xpr` prints for MAK and retail activations).
    if lower.contains("permanently activated") && u.slots.dli.is_none() {
        if let Some(a) = fact_answer(kb, "permanent", &t, Intent::StatusCheck, ctx) {
            return with_intent(a, Some(Intent::StatusCheck));
        }
    }
    // A port test to something other than a KMS host ("Test-NetConnection fs01 -Port 445").
    // The port configured with the tenant's KMS host ("kms.example:11688"), if any.
    let configured_port = target(&Slots::default(), None, settings).port;
    if let Some(r) = &u.slots.dli {
        let kms_port = |p: u16| {
            p == 1688
                || p == configured_port
                || settings.kms_port == Some(p)
                || ctx.and_then(|c| c.port) == Some(p)
        };
        if r.tcp_test.is_some()
            && r.status.is_none()
            && r.remote_port.or(u.slots.port).is_some_and(|p| !kms_port(p))
            && !lower.contains("kms")
        {
            return abstain(0.2, ctx);
        }
    }
    // Slots that decide on their own.
    if let Some(r) = &u.slots.dli {
        return with_intent(
            diagnose_output(kb, r, &u.slots, &t, ctx, q, configured_port),
            Some(Intent::Diagnose),
        );
    }
    // "slmgr /ipk W269NWFGWX... fails": a key typed without its dashes.
    if u.slots.product_key.is_none() {
        if let Some(a) = undashed_key(kb, q, &t, ctx) {
            return with_intent(a, Some(Intent::KeyLookup));
        }
    }
    if let Some(key) = &u.slots.product_key {
        let hits: Vec<&Gvlk> = kb.tables.gvlks.iter().filter(|g| &g.key == key).collect();
        if let Some(first) = hits.first() {
            let names: Vec<String> = hits.iter().map(|g| g.display_name()).collect();
            // "Is <key> the right one for 2019 Standard?": yes or no first.
            let asked = resolve_editions(kb, &u.slots)
                .into_iter()
                .find_map(|m| match m {
                    EditionMatch::Exact(g) => Some(g),
                    _ => None,
                })
                // "<2025 Standard key> fails on a datacenter VM": the edition named, in the
                // key's own Windows version.
                .or_else(|| {
                    u.slots
                        .editions
                        .iter()
                        .filter(|e| e.families.is_empty() && !e.attrs.is_empty())
                        .find_map(|e| {
                            let mut e = e.clone();
                            e.families = vec![first.family.clone()];
                            match editions::lookup(&kb.tables.gvlks, &e) {
                                EditionMatch::Exact(g) => Some(g),
                                _ => None,
                            }
                        })
                });
            let verdict = match asked {
                Some(g)
                    if hits
                        .iter()
                        .any(|h| h.key == g.key && h.edition == g.edition) =>
                {
                    format!("**Yes**, that is the right key for {}. ", g.display_name())
                }
                Some(g) => format!("**No**: the key for {} is `{}`. ", g.display_name(), g.key),
                // "<2008 R2 key> on a Server 2019 box": not one of that version's keys, which
                // are few enough to list.
                None => resolve_editions(kb, &u.slots)
                    .into_iter()
                    .find_map(|m| match m {
                        EditionMatch::Ambiguous(list)
                            if !list.is_empty() && !list.iter().any(|g| &g.key == key) =>
                        {
                            Some(list)
                        }
                        _ => None,
                    })
                    .map_or_else(String::new, |list| {
                        let family = &list[0].family;
                        if list.len() > 4 {
                            return format!("**No**, that key belongs to another version: ask me for the key of your exact {family} edition.\n\n");
                        }
                        let keys: Vec<String> = list
                            .iter()
                            .map(|g| format!("{} `{}`", g.display_name(), g.key))
                            .collect();
                        format!(
                            "**No**, that key belongs to another version. The keys for {family}: {}.\n\n",
                            keys.join("; ")
                        )
                    }),
            };
            let text = verdict + &format!(
                "`{key}` is the public KMS client setup key (GVLK) for **{}**. It only activates against a KMS host:\n\n```\nslmgr /ipk {key}\nslmgr /skms {}:{}\nslmgr /ato\n```",
                names.join("**, **"),
                host_or_placeholder(&t),
                t.port
            );
            let mut c = ctx.cloned().unwrap_or_default();
            c.family = Some(first.family.clone());
            c.edition = Some(first.edition.clone());
            c.intent = Some(Intent::KeyLookup);
            return with_intent(
                finish(text, gvlk_source(kb, &first.family), 0.95, c, None),
                Some(Intent::KeyLookup),
            );
        }
    }
    // Two error codes ("is 0xC004F074 the same as 0xC004F038?"): each one, briefly.
    if u.slots.dli.is_none() {
        let codes: Vec<String> = ERROR_CODE_RX
            .find_iter(q)
            .filter_map(|m| crate::facts::normalize_error_code(m.as_str()))
            .fold(Vec::new(), |mut v, c| {
                if !v.contains(&c) {
                    v.push(c);
                }
                v
            });
        let known: Vec<_> = codes
            .iter()
            .filter_map(|c| kb.tables.errors.iter().find(|e| &e.code == c))
            .collect();
        if known.len() >= 2 {
            let text = known
                .iter()
                .map(|e| format!("**{}** ({}): {}", e.code, e.title, e.meaning))
                .collect::<Vec<_>>()
                .join("\n\n");
            let text = format!(
                "They are different errors:\n\n{text}\n\nAsk about either code for its fix."
            );
            let mut c = ctx.cloned().unwrap_or_default();
            c.intent = Some(Intent::ErrorCode);
            let a = finish(
                text,
                Source {
                    title: crate::ERROR_TABLE.to_string(),
                    section: codes.join(", "),
                },
                0.9,
                c,
                None,
            );
            return with_intent(a, Some(Intent::ErrorCode));
        }
    }
    // An error text without its code and nothing about activation ("DNS name does not exist"
    // from Resolve-DnsName) is not an activation error; the thread's error code is one.
    let generic_phrase = u.slots.error.as_deref().is_some_and(|c| {
        [
            "0x8007232B",
            "0x80070005",
            "0x800706BA",
            "0x8007007B",
            "0xC004F069",
        ]
        .contains(&c)
    });
    let text_alone = generic_phrase && KMS_DNS_TEXT_ALONE.is_match(q);
    if generic_phrase
        && !text_alone
        && !error_of_thread
        && !newcomer::error_reported_in_thread(ctx, q)
        && crate::facts::normalize_error_code(q).is_none()
        && u.slots.dli.as_ref().is_none_or(|d| d.error.is_none())
        && !anchored
    {
        u.slots.error = None;
    }
    if let Some(code) = &u.slots.error {
        if !matches!(u.intent, Intent::None)
            || anchored
            || error_of_thread
            || code.starts_with("0xC004")
            || u.confidence < 0.6
        {
            if let Some(e) = kb.tables.errors.iter().find(|e| &e.code == code) {
                let mut a = error_answer(kb, e, ctx);
                // The one edition the message names fills in the key its fix asks for
                // ("Server 2019 Standard, the key from our list gives 0xC004F050").
                let named = one_edition(kb, &u.slots).filter(|_| KEY_PLACEHOLDER.is_match(&a.text));
                a.text = personalize(&a.text, &t, named.map(|g| g.key.as_str()));
                if t.port != 1688 {
                    // The errors' prose is about the path to the user's host: their port.
                    a.text = a
                        .text
                        .replace("tcp/1688", &format!("tcp/{}", t.port))
                        .replace("port 1688", &format!("port {}", t.port));
                }
                if let Some(c) = a.context.as_mut() {
                    c.intent = Some(Intent::ErrorCode);
                    remember_named(c, &u.slots);
                }
                if text_alone {
                    // Only the text, which other DNS tools print too: say which error it is.
                    a.text = format!(
                        "If `slmgr` printed that, it is activation error `{}`.\n\n{}",
                        e.code, a.text
                    );
                }
                return with_intent(a, Some(Intent::ErrorCode));
            }
        }
        if !anchored && !code.starts_with("0xC004") {
            return abstain(0.2, ctx);
        }
        if code.starts_with("0xC004") || (anchored && code.starts_with("0x8007")) {
            let mut a = abstain(0.3, ctx);
            a.text = format!(
                "I don't have error `{code}` in my table, so I won't guess what it means. `slmgr /dlv` and the Application event log (source Security-SPP) have details; paste them and I'll read them."
            );
            return a;
        }
    }
    // Servers and clients counted in one message about KMS ("15 server VMs and 30 Windows 11
    // VDIs: can we rely on KMS?"): the one count they share, against both thresholds.
    if u.slots.count.is_some()
        && u.slots.nothing_pasted()
        && u.slots.host.is_none()
        && lower.contains("kms")
        && !matches!(u.intent, Intent::Thresholds | Intent::HostSetup)
    {
        let counts = crate::nlu::slots::machine_counts(q);
        if counts.iter().any(|c| c.kind == MachineKind::Server)
            && counts.iter().any(|c| c.kind == MachineKind::Client)
        {
            u.reroute(Intent::Thresholds);
        }
    }
    // "What is the likely cause and how do I fix it?" about activation, when the classifier
    // hesitates between how to point at a host and how to check the status: a diagnosis.
    // How long an activation lasts never answers why it is about to run out.
    // (An expiry date that moves is the renewal, nothing to fix.)
    if CAUSE_AND_FIX.is_match(q)
        && u.intent == Intent::Timing
        && u.slots.nothing_pasted()
        && !EXPIRY_MOVES.is_match(q)
    {
        u.reroute(Intent::Diagnose);
    }
    if let Some((alt, p)) = u.alternative {
        let either = |x: Intent| u.intent == x || alt == x;
        if CAUSE_AND_FIX.is_match(q)
            && p >= CLARIFY_RATIO * u.confidence
            && (either(Intent::StatusCheck) || either(Intent::Timing))
            && (either(Intent::PointKms) || either(Intent::StatusCheck))
            && u.slots.nothing_pasted()
        {
            u.reroute(Intent::Diagnose);
        }
    }
    // Not activated, a KMS host named, and "what should I run?": the commands for that host.
    if u.intent == Intent::Diagnose
        && u.slots.host.is_some()
        && u.slots.nothing_pasted()
        && RUN_WHAT.is_match(q)
    {
        u.reroute(Intent::PointKms);
    }
    given_host_steps(&mut u, q);
    phone_named(&mut u, q);
    newcomer::reroute(&mut u, q);
    // "Is it ok that the GVLKs are on our wiki?": what a GVLK is (public, not secret).
    if KEY_SECRECY.is_match(q)
        && u.slots.editions.is_empty()
        && u.slots.nothing_pasted()
        && (lower.contains("gvlk") || CLIENT_KEY_WORDS.is_match(q))
        && !HOST_KEY_WORDS.is_match(q)
        && u.confidence < 0.6
    {
        u.reroute(Intent::KeyLookup);
    }
    // A MAK and a number of machines ("MAK for 30 machines", "3 servers and a MAK, is that
    // enough?"): a MAK has no minimum, only its number of activations; not the KMS thresholds.
    let mak_word = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == "mak" || w == "maks")
        || lower.contains("multiple activation key");
    if mak_word && u.slots.count.is_some() && u.slots.nothing_pasted() && u.slots.host.is_none() {
        let switching = ["switch", "convert", "migrat", "move", "change"]
            .iter()
            .any(|w| lower.contains(w));
        if KMS_VS_MAK.is_match(q) && !switching {
            u.reroute(Intent::Compare);
        } else if !lower.contains("kms") && !switching {
            if let Some(a) = fact_answer(kb, "mak-limit", &t, Intent::Online, ctx) {
                return with_intent(a, Some(Intent::Online));
            }
        }
    }
    // A key of their own to type in ("I have a product key on a sticker, how do I enter it?",
    // "bought Windows Server from a reseller, where do I type the key?"): install it and
    // activate online, not a GVLK.
    if OWN_KEY_ENTRY.is_match(q)
        && !CLIENT_KEY_WORDS.is_match(q)
        && !HOST_KEY_WORDS.is_match(q)
        && !lower.contains("gvlk")
        && !lower.contains("esu")
        && u.slots.nothing_pasted()
        && u.slots.product_key.is_none()
    {
        own_key_route(&mut u, &lower);
    }
    // A MAK in hand ("we have a MAK, how do I put the key in?"): activate with it, online or
    // by phone; the KMS thresholds do not apply to it.
    if MAK_IN_HAND.is_match(q)
        && !KMS_VS_MAK.is_match(q)
        && !["mistake", "accident", "wrongly", "by error"]
            .iter()
            .any(|w| lower.contains(w))
        && !MAK_LIMIT.is_match(q)
        && u.slots.nothing_pasted()
        && u.slots.host.is_none()
        && matches!(
            u.intent,
            Intent::None
                | Intent::Thresholds
                | Intent::HostSetup
                | Intent::ClientProcedure
                | Intent::Methods
                | Intent::PointKms
        )
    {
        own_key_route(&mut u, &lower);
    }
    // "I typed the key wrong, how do I change it?": the option that replaces the key.
    if matches!(u.intent, Intent::None | Intent::Ack)
        && u.confidence < NONE_SURE
        && u.slots.editions.is_empty()
        && u.slots.nothing_pasted()
        && slmgr_option_in(kb, q).is_some_and(|o| o.option == "/ipk")
    {
        u.intent = Intent::Slmgr;
        u.confidence = u.confidence.max(0.6);
    }
    // "I've rebuilt a Windows 10 Enterprise PC; what do I run so it activates from our KMS?"
    // when the classifier is unsure: the commands for that edition.
    if matches!(u.intent, Intent::None | Intent::Policy)
        && u.confidence < NONE_SURE
        && !u.slots.editions.is_empty()
        && u.slots.nothing_pasted()
        && lower.contains("kms")
        && lower.contains("activat")
        && RUN_WHAT.is_match(q)
        && !HOST_KEY_WORDS.is_match(q)
    {
        u.reroute(Intent::ClientProcedure);
    }
    // "What is procedure for creating KMS server": making the host, not using one.
    if matches!(
        u.intent,
        Intent::ClientProcedure | Intent::PointKms | Intent::None
    ) && u.confidence < 0.6
        && u.slots.host.is_none()
        && u.slots.nothing_pasted()
        && CREATE_HOST.is_match(q)
    {
        u.reroute(Intent::HostSetup);
    }
    // "Does a KMS client need an internet connection?": no, only the host; the internet answer
    // says so, not the port test.
    if matches!(
        u.intent,
        Intent::Connectivity | Intent::PointKms | Intent::None
    ) && u.slots.nothing_pasted()
        && KMS_NEEDS_INTERNET.is_match(q)
    {
        u.reroute(Intent::InternetAccess);
    }
    // "ok pls open it then, instance is web-05" in a thread about internet access: that
    // request, for the instance it names.
    if ctx.and_then(|c| c.intent) == Some(Intent::InternetAccess)
        && u.slots.nothing_pasted()
        && OPEN_IT.is_match(q)
    {
        u.reroute(Intent::InternetAccess);
    }
    // "On Azure activation is automatic, why not here?": the provider's BYOL policy.
    if OTHER_CLOUD.is_match(q)
        && AUTO_ELSEWHERE.is_match(q)
        && lower.contains("activat")
        && u.slots.nothing_pasted()
        && u.slots.host.is_none()
    {
        u.reroute(Intent::Policy);
    }
    // "How long does the firewall ticket take?": the request to support, not how long an
    // activation lasts.
    if u.intent == Intent::Timing
        && u.slots.nothing_pasted()
        && lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| ["ticket", "tickets", "request", "requests"].contains(&w))
    {
        if lower.contains("internet") {
            u.reroute(Intent::InternetAccess);
        } else if ["firewall", "1688", "port", "rule"]
            .iter()
            .any(|w| lower.contains(w))
        {
            u.reroute(Intent::Connectivity);
        }
    }
    // "Raise a firewall change: allow 10.3.0.0/16 -> 10.9.9.9 tcp 1688": a network, a host and
    // a rule asked for is the network path, not pointing a client at the host.
    if matches!(
        u.intent,
        Intent::PointKms | Intent::ClientProcedure | Intent::None
    ) && u.slots.network.is_some()
        && u.slots.host.is_some()
        && u.slots.nothing_pasted()
        && lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| ["firewall", "allow", "rule", "open", "permit"].contains(&w))
    {
        u.reroute(Intent::Connectivity);
    }
    // "After how many days does the KMS host forget a client?": the count's 30-day window,
    // not how long an activation lasts.
    if matches!(u.intent, Intent::Timing | Intent::None)
        && lower.contains("kms")
        && u.slots.nothing_pasted()
        && COUNT_WINDOW.is_match(q)
    {
        u.reroute(Intent::Thresholds);
    }
    // "How do I get out of notification mode?": activating again starts with finding out why.
    if u.slots.nothing_pasted() && LEAVE_NOTIFICATION.is_match(q) {
        u.reroute(Intent::Diagnose);
    }
    // "What instead of KMS?", "alternatives to KMS": the other ways to activate.
    if INSTEAD_OF_KMS.is_match(q)
        && u.slots.nothing_pasted()
        && u.slots.host.is_none()
        && u.slots.count.is_none()
        && matches!(
            u.intent,
            Intent::PointKms | Intent::ClientProcedure | Intent::None | Intent::Connectivity
        )
    {
        u.reroute(Intent::Methods);
    }
    // "set ntp on windows to pool.ntp.org": a host named as the time source is no KMS host.
    if matches!(
        u.intent,
        Intent::PointKms | Intent::ClientProcedure | Intent::ExistingKms
    ) && u.slots.host.is_some()
        && TIME_SOURCE_NAMED.is_match(q)
        && !["kms", "1688", "skms", "slmgr", "activat"]
            .iter()
            .any(|w| lower.contains(w))
        && u.slots.nothing_pasted()
    {
        u.reroute(Intent::TimeSync);
    }
    // "Ports?", "which ports": the network path, whatever the plural does to the classifier.
    if toks
        .iter()
        .all(|t| t == "port" || t == "which" || t == "what")
        && toks.iter().any(|t| t == "port")
    {
        u.reroute(Intent::Connectivity);
    }
    // "Our firewall team needs the exact rule": the KMS rule, tcp/1688 (a rule for another
    // service names its port or protocol). "ping works but 1688 times out": the same path.
    // Only where nothing else would answer: a message naming KMS has its own answers, and a
    // weak guess other than setting up the host (which "firewall" pulls towards) keeps its own.
    if u.slots.nothing_pasted()
        && u.slots
            .port
            .is_none_or(|p| p == 1688 || settings.kms_port == Some(p))
        && ((firewall_rule_asked(&lower)
            && !anchored
            && u.slots.host.is_none()
            && u.slots.network.is_none()
            && u.slots.editions.is_empty()
            && (u.intent == Intent::None
                || (u.intent == Intent::HostSetup && u.confidence < SURE)))
            || (port_reported_blocked(&lower) && u.intent == Intent::None))
        && !OTHER_PORT.is_match(q)
    {
        u.reroute(Intent::Connectivity);
    }
    // "What is the default KMS port?", "kms default port?": the port fact, not the steps that
    // point a client at a host (which use it).
    if DEFAULT_PORT_ASKED.is_match(q)
        && u.slots.host.is_none()
        && u.slots.port.is_none()
        && u.slots.nothing_pasted()
        && matches!(
            u.intent,
            Intent::PointKms | Intent::ClientProcedure | Intent::HostSetup | Intent::None
        )
    {
        u.reroute(Intent::Connectivity);
    }
    if u.intent == Intent::None {
        // Strong domain evidence beats a weak "none".
        let key_words = KEY_WORDS.is_match(q);
        if YOUR_KMS.is_match(q)
            && !PIRACY.is_match(q)
            && !lower.contains("free")
            && settings.kms_host.is_none()
            && u.slots.host.is_none()
            && u.slots.nothing_pasted()
        {
            // "What's the IP of your KMS?": the provider runs none for BYOL images (the
            // policy), rather than "I don't know".
            u.reroute(Intent::Policy);
        } else if !u.slots.editions.is_empty() && key_words && u.confidence < 0.85 {
            u.intent = Intent::KeyLookup;
        } else if SYMPTOM.is_match(q) && u.confidence < 0.6 {
            // What an unactivated Windows shows ("the 'Activate Windows' watermark") is
            // evidence enough, whatever else the message talks about (a Mac, RDP).
            u.intent = Intent::Diagnose;
        } else if RESTORE_TIME.is_match(q) && u.confidence < 0.6 {
            // "After activating, change the time server back how?": the time sync's last step.
            u.reroute(Intent::TimeSync);
        } else if request_content_asked(q, &lower, &u, ctx) {
            u.reroute(Intent::Connectivity);
        } else if !u.slots.editions.is_empty()
            && ACTIVATE_EDITION.is_match(q)
            && u.confidence < 0.85
        {
            // "How do I activate my Windows Server 2022 Datacenter?": that edition's procedure.
            u.reroute(Intent::ClientProcedure);
        } else if u.confidence >= NONE_SURE || !anchored {
            return abstain(u.confidence.min(0.5), ctx);
        } else if let Some((alt, p)) = u.alternative {
            if p >= 0.10 {
                // A diagnosis needs something failing; without it ("what evidence shows our
                // servers are licensed?") the question is how to check the status.
                u.intent =
                    if alt == Intent::Diagnose && !FAILING.is_match(q) && !SYMPTOM.is_match(q) {
                        Intent::StatusCheck
                    } else {
                        alt
                    };
                u.confidence = p;
            } else {
                return abstain(u.confidence.min(0.5), ctx);
            }
        } else {
            return abstain(u.confidence.min(0.5), ctx);
        }
    }
    // An edition with a key word is a key question, whatever else it says.
    if !u.slots.editions.is_empty()
        && KEY_WORDS.is_match(q)
        && !matches!(
            u.intent,
            Intent::HostSetup
                | Intent::Online
                | Intent::Phone
                | Intent::Compare
                | Intent::ClientProcedure
                | Intent::PointKms
        )
    {
        u.intent = Intent::KeyLookup;
    }
    // "Installed the key, next?": the rest of the procedure for that kind of key.
    if NEXT_STEP.is_match(q) && (lower.contains("/ipk") || lower.contains("installed product key"))
    {
        u.intent = if lower.contains("mak") || lower.contains("retail") {
            Intent::Online
        } else {
            Intent::ClientProcedure
        };
        u.confidence = u.confidence.max(0.6);
    }
    // Activation by telephone, however it is typed ("acivate by fone").
    if PHONE_WAY.is_match(q) && u.slots.nothing_pasted() {
        u.intent = Intent::Phone;
        u.confidence = u.confidence.max(0.6);
    }
    // "Just skms and that's it?": the rest of the procedure.
    if u.intent == Intent::Slmgr
        && NEXT_STEP.is_match(q)
        && slmgr_option_in(kb, q).is_some_and(|o| o.option == "/skms" || o.option == "/ipk")
    {
        u.intent = Intent::ClientProcedure;
        u.confidence = u.confidence.max(0.6);
    }
    // Online activation through a proxy.
    if lower.contains("proxy") && (lower.contains("online") || lower.contains("activat")) {
        u.intent = Intent::Online;
        u.confidence = u.confidence.max(0.6);
    }
    // Converting a MAK or retail machine to a KMS client is the client procedure with its key.
    if CONVERT_TO_MAK.is_match(q) {
        u.intent = Intent::Online;
        u.confidence = u.confidence.max(0.6);
    } else if (CONVERT_TO_KMS.is_match(q) && !HOST_NOT_CLIENT.is_match(q))
        || CLIENT_ORDER.is_match(q)
    {
        u.intent = Intent::ClientProcedure;
        u.confidence = u.confidence.max(0.6);
    }
    // "Which volume key activates our 2008 R2 VM from our host?": the edition's client key, not
    // setting up the host.
    if u.intent == Intent::HostSetup
        && !u.slots.editions.is_empty()
        && (lower.contains("which") || lower.contains("what"))
        && [
            "volume key",
            "client key",
            "generic key",
            "setup key",
            "gvlk",
        ]
        .iter()
        .any(|w| lower.contains(w))
        && !lower.contains("host key")
        && !lower.contains("csvlk")
    {
        u.reroute(Intent::KeyLookup);
    }
    // "I need a firewall rule for kms": the network path to a KMS host, not building one.
    if u.intent == Intent::HostSetup
        && u.alternative
            .is_some_and(|(a, _)| a == Intent::Connectivity)
        && FIREWALL_WORDS.is_match(q)
        && !BUILD_HOST.is_match(q)
        && !HOST_KEY_WORDS.is_match(q)
    {
        u.reroute(Intent::Connectivity);
    }
    // An edition and "activate" with the procedure close behind: the procedure, with its key.
    if !u.slots.editions.is_empty()
        && lower.contains("activat")
        && u.alternative.is_some_and(|(a, p)| {
            matches!(a, Intent::ClientProcedure | Intent::PointKms) && p >= 0.5 * u.confidence
        })
        && matches!(
            u.intent,
            Intent::ExistingKms | Intent::Timing | Intent::Online | Intent::Methods
        )
        && !lower.contains("online")
        // "how make activation windows server 2016 without kms": not the KMS procedure.
        && !NO_KMS.is_match(q)
    {
        u.intent = u.alternative.map_or(Intent::ClientProcedure, |(a, _)| a);
    }
    // An edition with an existing host: its key and the commands, not the network overview.
    let existing_vs_procedure = u.intent == Intent::ExistingKms
        || (u.intent == Intent::ClientProcedure
            && u.alternative.is_some_and(|(a, _)| a == Intent::ExistingKms));
    if existing_vs_procedure
        && !u.slots.editions.is_empty()
        && (lower.contains("activat") || lower.contains("same"))
    {
        u.intent = Intent::ClientProcedure;
        u.confidence = u.confidence.max(0.6);
    }
    // A clock far off and something failing: the time is the likely cause.
    if (CLOCK_OFF.is_match(q) || lower.contains("w32tm") || lower.contains("w32time"))
        && u.slots.error.is_none()
        && matches!(
            u.intent,
            Intent::Diagnose
                | Intent::Connectivity
                | Intent::ErrorCode
                | Intent::TimeSync
                | Intent::PointKms
                | Intent::ClientProcedure
        )
    {
        u.intent = Intent::TimeSync;
        u.confidence = u.confidence.max(0.6);
    }
    // "Where do we start?" with something not activated: the diagnosis.
    if DIAGNOSE_START.is_match(q)
        && (u.intent == Intent::Diagnose
            || u.alternative.is_some_and(|(a, _)| a == Intent::Diagnose))
        && FAILING.is_match(q)
    {
        u.intent = Intent::Diagnose;
        u.confidence = u.confidence.max(0.6);
    }
    // "Can Windows Server 2012 R2 still be activated?": yes, with its key; not a diagnosis.
    // ("Is Server 2008 still supported as a KMS host?" asks about the host.)
    if STILL_ACTIVATABLE.is_match(q)
        && !u.slots.editions.is_empty()
        && u.slots.nothing_pasted()
        && !FAILING.is_match(q)
        && !(u.intent == Intent::HostSetup
            && (lower.contains("kms host") || lower.contains("kms server")))
    {
        u.intent = Intent::KeyLookup;
        u.confidence = u.confidence.max(0.6);
    }
    // Two activation methods named with a comparison ("is MAK or KMS better?").
    if COMPARING.is_match(q) && METHOD_WORDS.find_iter(q).count() >= 2 {
        u.intent = Intent::Compare;
        u.confidence = u.confidence.max(0.6);
    }
    // A KMS host key (CSVLK) named in a procedure question is about setting up the host.
    if HOST_KEY_WORDS.is_match(q)
        && matches!(
            u.intent,
            Intent::ClientProcedure | Intent::PointKms | Intent::KeyLookup | Intent::Slmgr
        )
    {
        u.intent = Intent::HostSetup;
    }
    // "mak activation step by step pls": the procedure for a MAK, which activates online.
    if u.intent == Intent::ClientProcedure && mak_procedure(&lower) && u.slots.host.is_none() {
        u.intent = Intent::Online;
    }
    // A host or port with a procedure question is about pointing at that host.
    if u.slots.host.is_some()
        && matches!(u.intent, Intent::Slmgr | Intent::KeyLookup)
        && !KEY_WORDS.is_match(q)
    {
        u.intent = Intent::ClientProcedure;
    }
    // "slmgr set the kms port on the host side": one option that is not the client procedure.
    if (lower.contains("slmgr") || SPECIFIC_OPTION.is_match(q))
        && (u.slots.host.is_none()
            || slmgr_option_in(kb, q).is_some_and(|o| o.option == "/skms-domain"))
        && matches!(
            u.intent,
            Intent::PointKms
                | Intent::ClientProcedure
                | Intent::ExistingKms
                | Intent::Connectivity
                | Intent::Timing
                | Intent::StatusCheck
                | Intent::HostSetup
        )
        && slmgr_option_in(kb, q).is_some_and(|o| {
            matches!(
                o.option.as_str(),
                "/sprt"
                    | "/sri"
                    | "/sai"
                    | "/dti"
                    | "/atp"
                    | "/xpr"
                    | "/upk"
                    | "/dlv"
                    | "/cpky"
                    | "/act-type"
                    | "/skms-domain"
                    | "/ckhc"
                    | "/skhc"
                    | "/stao"
            )
        })
    {
        u.intent = Intent::Slmgr;
        u.confidence = u.confidence.max(0.6);
    }
    // "limit kms lookup to one dns domain": the option that sets the domain clients search,
    // also when the classifier knows none of the words.
    if matches!(u.intent, Intent::None | Intent::ExistingKms)
        && u.slots.dli.is_none()
        && lower.contains("kms")
        && slmgr_option_in(kb, q).is_some_and(|o| o.option == "/skms-domain")
    {
        u.intent = Intent::Slmgr;
        u.confidence = u.confidence.max(0.6);
    }
    // "ansible activate windows", "script to activate all servers": the commands, scripted.
    if SCRIPTED.is_match(q)
        && lower.contains("activat")
        && u.slots.nothing_pasted()
        && !SYMPTOM.is_match(q)
        && ![
            "check",
            "status",
            "verify",
            "report",
            "list",
            "audit",
            "tell if",
            "succeeded",
            "whether",
        ]
        .iter()
        .any(|w| lower.contains(w))
        && (matches!(u.intent, Intent::None | Intent::InstanceStatus)
            || (u.intent == Intent::Diagnose && u.confidence < 0.5))
    {
        u.reroute(Intent::ClientProcedure);
    }
    // "KMS server not responding", "the KMS host doesn't answer": the network path first.
    if lower.contains("kms")
        && NO_ANSWER.is_match(q)
        && !["what happens", "how long", "when ", "expire", "still work"]
            .iter()
            .any(|w| lower.contains(w))
        && matches!(
            u.intent,
            Intent::HostSetup | Intent::None | Intent::ExistingKms | Intent::Compare
        )
        && u.slots.nothing_pasted()
    {
        u.reroute(Intent::Connectivity);
    }
    // "How to test port 1688 to the KMS host": the connectivity test.
    if TEST_PATH.is_match(q)
        && matches!(u.intent, Intent::PointKms | Intent::ClientProcedure)
        && u.slots.editions.is_empty()
    {
        u.intent = Intent::Connectivity;
        u.confidence = u.confidence.max(0.6);
    }
    // "Do we raise a ticket with the provider to reach our KMS?": asking support for the path.
    if SUPPORT_TICKET.is_match(q)
        && lower.contains("kms")
        && matches!(
            u.intent,
            Intent::ExistingKms | Intent::Policy | Intent::Connectivity | Intent::PointKms
        )
    {
        u.intent = Intent::Connectivity;
        u.confidence = u.confidence.max(0.6);
    }
    // Close calls with a clear tie-breaker in the question itself.
    if let Some((alt, p)) = u.alternative {
        let pair =
            |x: Intent, y: Intent| (u.intent == x && alt == y) || (u.intent == y && alt == x);
        let close = p >= CLARIFY_RATIO * u.confidence;
        if close
            && HOST_KEY_WORDS.is_match(q)
            && (u.intent == Intent::HostSetup || alt == Intent::HostSetup)
        {
            // A KMS host key (CSVLK) is about the host.
            u.intent = Intent::HostSetup;
            u.alternative = None;
        } else if p >= 0.5 * u.confidence
            && pair(Intent::HostSetup, Intent::ExistingKms)
            && ["dns", "srv", "_vlmcs"].iter().any(|w| lower.contains(w))
        {
            // The host's record in DNS ("our KMS host does not appear in the DNS zone"): how
            // clients find a host, and its DNS publishing.
            u.intent = Intent::ExistingKms;
            u.alternative = None;
        } else if close
            && !BUILD_HOST.is_match(q)
            && (pair(Intent::HostSetup, Intent::ExistingKms)
                || pair(Intent::HostSetup, Intent::Connectivity))
        {
            // "kms host" named, but nothing about building one: the host they have.
            u.intent = if u.intent == Intent::HostSetup {
                alt
            } else {
                u.intent
            };
            u.alternative = None;
        } else if close && pair(Intent::PointKms, Intent::StatusCheck) && WHICH_HOST.is_match(q) {
            // "Which KMS host should my VMs use?"
            u.intent = Intent::PointKms;
            u.alternative = None;
        } else if alt == Intent::TimeSync
            && matches!(u.intent, Intent::PointKms | Intent::ClientProcedure)
            && p >= 0.5 * u.confidence
            && ["sync", "clock", "w32tm", "ntp"]
                .iter()
                .any(|w| lower.contains(w))
            && !["activat", "/ato", "skms", "procedure", "steps"]
                .iter()
                .any(|w| lower.contains(w))
            && !KEY_WORDS.is_match(q)
        {
            // "How do I sync it to the KMS box?": the clock, not pointing at the host.
            u.intent = Intent::TimeSync;
            u.alternative = None;
        } else if close
            && pair(Intent::Connectivity, Intent::PointKms)
            && lower.contains("firewall")
        {
            // "Can your firewall team allow our VMs to reach our KMS at ...?": the network path.
            u.intent = Intent::Connectivity;
            u.alternative = None;
        } else if close
            && pair(Intent::HostSetup, Intent::KeyLookup)
            && (lower.contains("kms host") || lower.contains("kms server"))
            && !KEY_WORDS.is_match(q)
        {
            // "Can the KMS host be an Azure Edition VM?": about the host.
            u.intent = Intent::HostSetup;
            u.alternative = None;
        } else if close
            && !u.slots.editions.is_empty()
            && lower.contains("activat")
            && pair(Intent::ClientProcedure, Intent::KeyLookup)
        {
            // Activating an edition: the procedure, which carries its key.
            u.intent = Intent::ClientProcedure;
            u.alternative = None;
        } else if close
            && !u.slots.editions.is_empty()
            && lower.contains("activat")
            && !lower.contains("host")
            && !HOST_KEY_WORDS.is_match(q)
            && pair(Intent::ClientProcedure, Intent::HostSetup)
        {
            // "Can we still activate Server 2012 R2?": an instance of that edition, no host.
            u.intent = Intent::ClientProcedure;
            u.alternative = None;
        }
    }
    // "What happens if I ignore the activation message?": the grace period and after.
    if GRACE_QUESTION.is_match(q)
        && u.slots.nothing_pasted()
        && u.intent != Intent::Timing
        && u.alternative.is_some_and(|(a, _)| a == Intent::Timing)
        && u.confidence < 0.6
    {
        u.reroute(Intent::Timing);
    }
    // "I need proof each server is activated": how to read the activation status.
    if ACTIVATION_EVIDENCE.is_match(q)
        && u.slots.nothing_pasted()
        && u.slots.host.is_none()
        && !CHANNEL_PROOF.is_match(q)
        && matches!(
            u.intent,
            Intent::Diagnose | Intent::ClientProcedure | Intent::None | Intent::Policy
        )
    {
        u.reroute(Intent::StatusCheck);
    }
    // "Which address should the VMs use for activation?" when the classifier is unsure, and
    // "what's our KMS host?" when one is configured: the host to point them at.
    let our_host = OUR_HOST.is_match(q) && settings.kms_host.is_some();
    // "What's my KMS host?" with none configured: where the instance shows the one it uses.
    if OUR_HOST.is_match(q)
        && settings.kms_host.is_none()
        && u.slots.host.is_none()
        && ctx.and_then(|c| c.host.as_ref()).is_none()
    {
        u.reroute(Intent::StatusCheck);
    }
    let which_host = WHICH_HOST.is_match(q)
        && u.confidence < 0.6
        && u.slots.nothing_pasted()
        && !matches!(
            u.intent,
            Intent::PointKms
                | Intent::ClientProcedure
                | Intent::ExistingKms
                | Intent::HostSetup
                // "Which KMS host did my VM talk to?" asks for its status.
                | Intent::StatusCheck
                | Intent::InstanceStatus
        );
    if our_host || which_host {
        u.reroute(Intent::PointKms);
    }
    // "Under which minimum can I not use KMS?": the thresholds, whoever wrote the rule; "how
    // many systems does a KMS host need?" is never the client commands.
    if (u.intent == Intent::Policy && MIN_COUNT.is_match(q) && lower.contains("kms"))
        || (matches!(
            u.intent,
            Intent::ClientProcedure
                | Intent::PointKms
                | Intent::Policy
                | Intent::ExistingKms
                | Intent::HostSetup
        ) && HOW_MANY_MACHINES.is_match(q)
            && lower.contains("kms")
            && u.slots.error.is_none()
            && u.slots.host.is_none())
    {
        u.intent = Intent::Thresholds;
        u.confidence = u.confidence.max(0.6);
    }
    // "Does the provider give us internet by default?": internet access, not the BYOL policy.
    if u.intent == Intent::Policy
        && (lower.contains("internet") || lower.contains("outbound"))
        && !["kms", "licen", "byol", "spur", "key"]
            .iter()
            .any(|w| lower.contains(w))
    {
        u.reroute(Intent::InternetAccess);
    }
    // "What needs to be open?": the network path, not the rest of the host's story.
    if OPEN_WHAT.is_match(q)
        && (u.intent == Intent::Connectivity
            || (u.intent == Intent::Policy && lower.contains("kms") && lower.contains("network"))
            || (matches!(
                u.intent,
                Intent::ExistingKms | Intent::PointKms | Intent::Policy
            ) && u
                .alternative
                .is_some_and(|(a, _)| a == Intent::Connectivity)))
    {
        u.intent = Intent::Connectivity;
        u.confidence = u.confidence.max(0.6);
    }
    // Machine counts and "will they activate?" / "is that enough?": the thresholds.
    if u.slots.host.is_none()
        && u.slots.nothing_pasted()
        && u.slots.count.is_some()
        && WILL_IT_WORK.is_match(q)
    {
        u.intent = Intent::Thresholds;
        u.confidence = u.confidence.max(0.6);
    }
    // An edition and "which client setup key": the key, however many machines there are.
    if !u.slots.editions.is_empty()
        && u.slots.host.is_none()
        && CLIENT_KEY_WORDS.is_match(q)
        && !HOST_KEY_WORDS.is_match(q)
        && matches!(
            u.intent,
            Intent::KeyLookup | Intent::HostSetup | Intent::Thresholds | Intent::ClientProcedure
        )
    {
        u.intent = Intent::KeyLookup;
        u.confidence = u.confidence.max(0.6);
    }
    // "The steps for the runbook, including time sync" with a host: the whole procedure, which
    // has the time sync in it.
    // "How do I set the KMS server and sync time with it?": both are steps of the procedure.
    let sets_host = SET_HOST_AND_TIME.is_match(q);
    if u.intent == Intent::TimeSync
        && u.slots.error.is_none()
        && (((u.slots.host.is_some() || settings.kms_host.is_some())
            && STEPS_WITH_TIME.is_match(q))
            || sets_host)
    {
        u.intent = Intent::ClientProcedure;
        u.confidence = u.confidence.max(0.6);
    }
    // "How much time between client is renew with KMS server?": the renewal interval, not
    // the clock.
    if u.intent == Intent::TimeSync
        && u.slots.error.is_none()
        && RENEWAL_INTERVAL.is_match(q)
        && !CLOCK_WORDS.is_match(q)
    {
        u.reroute(Intent::Timing);
    }
    // Their own KMS host and an edition: the whole procedure, with that key and that host.
    if u.slots.host.is_some()
        && !u.slots.editions.is_empty()
        && u.slots.count.is_none()
        && (matches!(
            u.intent,
            Intent::PointKms
                | Intent::KeyLookup
                | Intent::ClientProcedure
                | Intent::Slmgr
                | Intent::ExistingKms
                | Intent::InstanceStatus
        ) || (u.intent == Intent::HostSetup
            && (lower.contains("gvlk") || !BUILD_HOST.is_match(q)))
            || (u.intent == Intent::TimeSync && WHOLE_PROCEDURE.is_match(q)))
        && !HOST_KEY_WORDS.is_match(q)
    {
        u.intent = Intent::ClientProcedure;
        u.confidence = u.confidence.max(0.6);
    }
    // "We have 4" in a thread about the thresholds, or about the count-insufficient error: that
    // many machines, against them. ("2025?" names Windows Server 2025, not 2025 machines.)
    let count_thread = ctx.and_then(|c| c.intent) == Some(Intent::Thresholds)
        || ctx.and_then(|c| c.error.as_deref()) == Some("0xC004F038");
    if u.slots.count.is_some()
        && u.slots.editions.is_empty()
        && u.slots.nothing_pasted()
        && u.intent != Intent::Thresholds
        && ctx.and_then(|c| c.error.as_deref()) == Some("0xC004F038")
        && q.split_whitespace().count() <= 12
    {
        u.reroute(Intent::Thresholds);
    }
    if u.slots.count.is_none() && u.slots.editions.is_empty() && count_thread {
        if let Some(n) = BARE_COUNT
            .captures(q)
            .and_then(|c| c.get(1))
            .and_then(|m| m.as_str().parse::<u32>().ok())
        {
            u.slots.count = Some(MachineCount {
                n,
                kind: ctx
                    .and_then(|c| c.machines)
                    .map_or(MachineKind::Unknown, |m| m.kind),
            });
            u.intent = Intent::Thresholds;
            u.confidence = u.confidence.max(0.6);
        }
    }
    // "2025?" in a thread about the thresholds: whether they hold for that version. ("Key for
    // server 2019 standard" there asks for the key.)
    if u.slots.count.is_none()
        && u.slots.nothing_pasted()
        && !u.slots.editions.is_empty()
        && ctx.and_then(|c| c.intent) == Some(Intent::Thresholds)
        && content_words_besides_editions(q) == 0
        && !toks.iter().any(|t| t == "gvlk" || t == "key")
    {
        u.reroute(Intent::Thresholds);
    }
    // "Do activated VMs have to stay connected to the KMS host forever?": how long an
    // activation lasts without it, not how to test the path.
    if ALWAYS_CONNECTED.is_match(q)
        && ["kms", "host", "1688"].iter().any(|w| lower.contains(w))
        && u.slots.nothing_pasted()
        && matches!(
            u.intent,
            Intent::Connectivity | Intent::ExistingKms | Intent::ClientProcedure | Intent::None
        )
    {
        u.reroute(Intent::Timing);
    }
    // "After activating, how do I set the time server back?", or "and after activation?" in a
    // thread about the clock: the time sync's last step.
    // "And after that, leave it pointing there?" asks the same in that thread.
    let leave_it = leaves_it_so(&lower);
    // "Can I keep the time pointing at the KMS host?" names the clock itself.
    let clock_word = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| ["time", "clock", "ntp", "w32tm"].contains(&w));
    if (RESTORE_TIME.is_match(q)
        || (leave_it && clock_word)
        || ((AFTERWARDS.is_match(q) || leave_it || scope::SET_IT_BACK.is_match(q))
            && (ctx.and_then(|c| c.intent) == Some(Intent::TimeSync)
                // A thread about the clock error, answered with the time sync.
                || ctx
                    .and_then(|c| c.error.as_deref())
                    .is_some_and(|e| e.eq_ignore_ascii_case("0xC004F06C")))))
        && u.slots.nothing_pasted()
        && u.intent != Intent::TimeSync
    {
        u.reroute(Intent::TimeSync);
    }
    // "How much time does a client need for activation after I set the host?": a duration,
    // not the clock.
    if u.intent == Intent::TimeSync
        && DURATION_ASKED.is_match(q)
        && lower.contains("activat")
        && ![
            "clock",
            "w32tm",
            "ntp",
            "sync",
            "skew",
            "drift",
            "zone",
            "time server",
            "time source",
            "4 hours",
            "apart",
            "differen",
            "wrong",
            "0xc004f06c",
        ]
        .iter()
        .any(|w| lower.contains(w))
        && u.slots.nothing_pasted()
    {
        u.reroute(Intent::Timing);
    }
    // "We ordered the VMs without internet, can we add it later?": the internet-access request.
    if INTERNET_FOR_INSTANCES.is_match(q)
        && u.slots.nothing_pasted()
        && matches!(
            u.intent,
            Intent::None | Intent::InternetAccess | Intent::Phone | Intent::Online | Intent::Policy
        )
    {
        u.reroute(Intent::InternetAccess);
    }
    // "Our NTP is 10.0.0.123, how do I point Windows at it?": a time source, not a KMS host.
    if NTP_NAMED.is_match(q) && !lower.contains("kms") && u.slots.error.is_none() {
        u.reroute(Intent::TimeSync);
    }
    // "Add a firewall rule for their KMS at 203.0.113.7": the network path, with its ticket.
    if FIREWALL_RULE_ASK.is_match(q)
        && u.slots.host.is_some()
        && u.slots.nothing_pasted()
        && u.slots.editions.is_empty()
        && matches!(
            u.intent,
            Intent::PointKms | Intent::HostSetup | Intent::ClientProcedure | Intent::ExistingKms
        )
    {
        u.reroute(Intent::Connectivity);
    }
    // "Our KMS is on-prem, what goes in the firewall ticket?": the rule support sets, as the
    // answer about reaching a KMS host of theirs says (when the classifier is unsure).
    // With a KMS host configured, or in a thread about reaching one, the ticket is that host's
    // rule even when the question does not say KMS ("what rule do I ask for in the ticket?").
    if FIREWALL_TICKET.is_match(q)
        && u.confidence < 0.5
        && (lower.contains("kms")
            || lower.contains("1688")
            || settings.kms_host.is_some()
            || matches!(
                ctx.and_then(|c| c.intent),
                Some(Intent::Connectivity | Intent::ExistingKms | Intent::PointKms)
            ))
        && u.slots.nothing_pasted()
        && u.slots.editions.is_empty()
        && matches!(
            u.intent,
            Intent::HostSetup | Intent::PointKms | Intent::None
        )
    {
        u.reroute(Intent::ExistingKms);
    }
    // "Why is the image not activated already? I pay for the VM": the licence is not part of
    // the instance (BYOL).
    if PAID_FOR_INSTANCE.is_match(q)
        && u.slots.nothing_pasted()
        && u.slots.host.is_none()
        && matches!(
            u.intent,
            Intent::Diagnose | Intent::None | Intent::ClientProcedure | Intent::StatusCheck
        )
    {
        u.reroute(Intent::Policy);
    }
    // "Kindly let us know the KMS server IP to configure": with no KMS host configured for the
    // tenant, the provider has none to give (BYOL); with one, the procedure names it.
    let asks_provider_host = ASK_KMS_ADDRESS.is_match(q) && settings.kms_host.is_none();
    // "Can your KMS activate our Windows Server 2022?": the provider runs none for BYOL images.
    // With a KMS host configured for the tenant, "activate it with your KMS" asks for the
    // procedure, which names that host.
    let configured_procedure = settings.kms_host.is_some()
        && matches!(
            u.intent,
            Intent::ClientProcedure | Intent::PointKms | Intent::KeyLookup
        );
    // "Do I have to pay you for activation?": the provider sells no activation (BYOL).
    if PAY_PROVIDER.is_match(q) && lower.contains("activat") && u.slots.nothing_pasted() {
        u.reroute(Intent::Policy);
    }
    if ((YOUR_KMS.is_match(q) && !configured_procedure) || asks_provider_host)
        && u.slots.host.is_none()
        && u.slots.nothing_pasted()
        && matches!(
            u.intent,
            Intent::ClientProcedure
                | Intent::PointKms
                | Intent::ExistingKms
                | Intent::KeyLookup
                | Intent::HostSetup
                | Intent::Help
                | Intent::None
        )
    {
        u.reroute(Intent::Policy);
    }
    // "What do I need to know about Windows activation here?": the ways to activate.
    if OVERVIEW.is_match(q) && u.slots.nothing_pasted() {
        u.reroute(Intent::Methods);
    }
    // "The command to force activation right now": `slmgr /ato`, not a clock resync (the
    // classifier reads "force" and "now" as time words).
    if ACTIVATE_NOW.is_match(q)
        && (matches!(
            u.intent,
            Intent::TimeSync | Intent::None | Intent::StatusCheck | Intent::Timing
        ) || (u.intent == Intent::Diagnose && u.confidence < 0.5 && !FAILING.is_match(q)))
        && !["w32tm", "clock", "ntp", "sync", "time "]
            .iter()
            .any(|w| lower.contains(w))
        && u.slots.editions.is_empty()
        && u.slots.host.is_none()
        && u.slots.nothing_pasted()
    {
        if let Some(o) = kb.tables.slmgr.iter().find(|o| o.option == "/ato") {
            let mut c = ctx.cloned().unwrap_or_default();
            c.intent = Some(Intent::Slmgr);
            let a = finish(
                personalize(&slmgr_text(o), &t, None),
                Source {
                    title: format!("{SLMGR_TABLE} ({})", kb.tables.slmgr_source),
                    section: format!("slmgr {}", o.option),
                },
                0.9,
                c,
                None,
            );
            return with_intent(a, Some(Intent::Slmgr));
        }
    }
    // A port that is not a KMS port, with nothing about activation ("open port 3389").
    if let Some(p) = u.slots.port {
        let thread_host = settings.kms_host.is_some()
            || ctx
                .is_some_and(|c| c.host.is_some() || c.intent.is_some_and(|i| !i.is_small_talk()));
        let about_kms =
            matches!(u.intent, Intent::PointKms | Intent::Connectivity) && u.confidence >= 0.6;
        if p != 1688
            && !(about_kms && lower.contains("kms"))
            && !anchored
            && u.slots.host.is_none()
            && !thread_host
            && settings.kms_port != Some(p)
        {
            return abstain(u.confidence.min(0.5), ctx);
        }
    }
    // Nothing about activation, no value and no thread: a weak guess is not an answer
    // ("my printer is not printing").
    let no_values = u.slots.editions.is_empty()
        && u.slots.host.is_none()
        && u.slots.error.is_none()
        && u.slots.count.is_none();
    if !anchored
        && no_values
        && ctx.and_then(|c| c.intent).is_none()
        && u.confidence < UNANCHORED_SURE
        && !u.intent.is_small_talk()
        && u.intent != Intent::More
    {
        return abstain(u.confidence, ctx);
    }
    if u.confidence < SURE && !u.intent.is_small_talk() && u.intent != Intent::More {
        if let Some((alt, p)) = u.alternative {
            let slmgr_named = matches!(u.intent, Intent::Slmgr) || matches!(alt, Intent::Slmgr);
            if slmgr_named && slmgr_option_in(kb, q).is_some() {
                u.intent = Intent::Slmgr;
            } else if (u.intent == Intent::Compare || alt == Intent::Compare)
                && COMPARING.is_match(q)
            {
                u.intent = Intent::Compare;
            } else if p >= CLARIFY_RATIO * u.confidence
                && alt != u.intent
                && !same_answer(u.intent, alt)
                // With an edition named, the procedure and the key answer both give its key
                // and the commands: either reading answers.
                && (u.slots.editions.is_empty()
                    || !matches!(
                        (u.intent, alt),
                        (Intent::ClientProcedure, Intent::KeyLookup)
                            | (Intent::KeyLookup, Intent::ClientProcedure)
                    ))
                && !(u.slots.editions.is_empty() && u.slots.host.is_none() && !anchored)
            {
                return both_readings(kb, q, &lower, &toks, &u, alt, &t, ctx)
                    .unwrap_or_else(|| clarify(u.intent, alt, ctx, u.confidence));
            }
        }
        if !anchored && u.slots.editions.is_empty() && u.slots.host.is_none() {
            return abstain(u.confidence, ctx);
        }
    }

    // "what's the command?" right after a fact with commands (converting an evaluation
    // edition, say): that fact's commands, not another topic's.
    if toks.len() <= 4 && BARE_COMMAND.is_match(q) && u.slots.nothing_pasted() {
        let fact = ctx.and_then(|c| c.topic.as_ref()).and_then(|s| {
            kb.tables
                .kms
                .iter()
                .find(|f| f.title == s.section && f.text.contains("```"))
        });
        if let Some(f) = fact {
            let intent = ctx.and_then(|c| c.intent).unwrap_or(u.intent);
            if let Some(a) = fact_answer(kb, &f.id, &t, intent, ctx) {
                return with_intent(a, Some(intent));
            }
        }
    }
    let mut a = compose_for(kb, q, &lower, &toks, &u, &t, ctx);
    // Server Core has no Settings app: the same slmgr commands, or sconfig's activation item.
    if SERVER_CORE.is_match(q)
        && !a.abstained
        && (a.text.contains("slmgr /ato") || a.text.contains("slmgr /ipk"))
        && !a.text.contains("sconfig")
    {
        let note = "\n\nOn Server Core (no desktop) the same `slmgr` commands work in its command prompt or PowerShell window; `sconfig` also has a Windows activation item. By phone there, use `slmgr /dti` and `slmgr /atp <confirmation_ID>` instead of the `slui 4` window.";
        let at = a.text.find("\n\n_Source:").unwrap_or(a.text.len());
        a.text.insert_str(at, note);
    }
    a
}

/// Two editions said to "share one key" ("do Standard and Datacenter share a single key?"):
/// a comparison of their keys, not a question about sharing a key with others.
fn asks_shared_key(lower: &str) -> bool {
    let words: Vec<&str> = lower
        .split(|ch: char| !ch.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let shared = words
        .iter()
        .any(|w| ["share", "shares", "both"].contains(w))
        && [
            " one ",
            " a single ",
            " the same ",
            " a common ",
            " one common ",
        ]
        .iter()
        .any(|w| lower.contains(w));
    // "Do 2019 and 2022 Standard use one common key?"
    let common = words.windows(3).any(|w| {
        ["one", "a", "single"].contains(&w[0]) && w[1] == "common" && w[2].starts_with("key")
    });
    shared || common
}

/// The answer for the understood intent and slots, once the rules above have decided them.
fn compose_for(
    kb: &KnowledgeBase,
    q: &str,
    lower: &str,
    toks: &[String],
    u: &Understanding,
    t: &Target,
    ctx: Option<&Context>,
) -> Answer {
    let c0 = ctx.cloned().unwrap_or_default();
    let with_ctx = |intent: Intent| {
        let mut c = c0.clone();
        c.intent = Some(intent);
        remember_named(&mut c, &u.slots);
        c
    };
    let intent = u.intent;
    let answer = match intent {
        Intent::Greet | Intent::Thanks | Intent::Ack | Intent::Help => Some(small_talk(intent, ctx)),
        Intent::More => Some(small_talk(Intent::Ack, ctx)),
        Intent::ClientProcedure | Intent::PointKms => {
            let mut a = client_procedure(kb, &u.slots, t, ctx, intent == Intent::PointKms);
            if SCRIPTED.is_match(q) {
                // slmgr.vbs run by itself shows a dialog box for every result.
                let note = "In a script, run slmgr through cscript so results print instead of opening dialog boxes, e.g. `cscript //nologo %SystemRoot%\\System32\\slmgr.vbs /ato` (exit code non-zero on failure).\n\n";
                a.text.insert_str(0, note);
            }
            Some(a)
        }
        Intent::KeyLookup => {
            // "Server 2022 datacentre and Windows 11 Home": the keys of the others, and why
            // Home has none.
            let home = HOME_EDITION
                .captures(q)
                .and_then(|c| c.get(2))
                .map(|v| format!("Windows {}", v.as_str()))
                .filter(|_| u.slots.editions.len() > 1);
            let mut slots = u.slots.clone();
            if let Some(fam) = &home {
                slots
                    .editions
                    .retain(|e| !(e.attrs.is_empty() && e.families == [fam.clone()]));
            }
            // "Same for 2019 and 2016?" in a thread asks for the same answer, not a comparison.
            let same_again = ctx.is_some()
                && ["same for ", "the same for ", "and same for ", "same with "]
                    .iter()
                    .any(|w| lower.trim_start().starts_with(w));
            let comparing = !same_again
                && (lower
                    .split(|ch: char| !ch.is_ascii_alphanumeric())
                    .any(|w| ["same", "different", "differ", "identical"].contains(&w))
                    || asks_shared_key(lower));
            let essentials = essentials_without_key(kb, &mut slots, t, ctx);
            let keys = if essentials.is_some() && slots.editions.is_empty() {
                None
            } else {
                keys_answer(kb, &slots, t, ctx, comparing)
            };
            let keys = match (keys, essentials) {
                (Some(mut a), Some(note)) => {
                    let note = note.text.split("\n\n").next().unwrap_or_default();
                    let note = note
                        .split(" See the installed edition")
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    a.text = format!("{note}\n\n{}", a.text);
                    Some(a)
                }
                (keys, note) => keys.or(note),
            };
            keys.map(|mut a| {
                if let Some(fam) = &home {
                    a.text = format!(
                        "**{fam} Home has no KMS client setup key (GVLK)**: Microsoft publishes GVLKs only for volume editions (Pro, Enterprise, Education and the Server editions), so a Home edition cannot activate through KMS. Activate it online with its own retail or OEM key, or move it to a volume edition such as Pro first.\n\n{}",
                        a.text
                    );
                }
                a
            })
        }
        .map(|mut a| {
            // "Server 2022 retail key please": the GVLK is no bought key, and says so first.
            if asks_bought_key(lower) == Some("retail")
                && a.text.contains("The KMS client setup key (GVLK) for")
            {
                a.text.insert_str(0, "**I can't give you a retail or OEM key**: those are bought (from Microsoft, a reseller or with the machine) and belong to whoever bought them. What I can give is the public KMS client setup key (GVLK) below, which is no licence: it only activates against your organisation's KMS host.\n\n");
            }
            // "Server Core", "Desktop Experience": installation options, not editions.
            let install_option = lower
                .split(|ch: char| !ch.is_ascii_alphanumeric())
                .any(|w| w == "core" || w == "gui")
                || lower.contains("desktop experience");
            let asks_difference = ["same", "differ", "both", "desktop", "gui", " vs", "versus"]
                .iter()
                .any(|w| lower.contains(w));
            if install_option
                && asks_difference
                && a.text.contains("Windows Server")
                && a.text.contains("The KMS client setup key (GVLK) for")
            {
                a.text.insert_str(0, "**The same key for both**: Server Core and Desktop Experience are installation options of one edition, not editions of their own, so either one uses the edition's KMS client setup key (GVLK).\n\n");
            }
            if ["multi-session", "multisession", "multi session"]
                .iter()
                .any(|w| lower.contains(w))
            {
                // Microsoft's table has no row of its own for it.
                a.text.insert_str(0, "Enterprise **multi-session** has no row of its own in Microsoft's table of KMS client setup keys: it is meant for Azure Virtual Desktop, whose session hosts Azure activates. The nearest row:\n\n");
            }
            // ("Please share the key for ..." asks for it.)
            let asks_for_it = ["please share", "pls share", "kindly share", "you share"]
                .iter()
                .any(|w| lower.contains(w));
            if KEY_SECRECY.is_match(q) && !asks_shared_key(lower) && !asks_for_it {
                // "Is it a problem that the key is in our wiki?"
                a.text = format!(
                    "No risk in sharing it: KMS client setup keys (GVLKs) are public, Microsoft publishes them, and they only activate against a KMS host that holds your organisation's own host key.\n\n{}",
                    a.text
                );
            }
            a
        }).or_else(|| {
            if lower.contains("what is") || lower.contains("what's a") || lower.contains("what are") || lower.contains("where") || lower.contains("stand for") || lower.contains("what does") || ["meaning", "means", "short for", "acronym", "abbreviat", "definition", "stands for"].iter().any(|w| lower.contains(w)) || (lower.contains("gvlk") && lower.contains("licen")) || KEY_SECRECY.is_match(q) {
                article_answer(kb, "gvlk-keys", "What a GVLK is", t, with_ctx(intent), None, 0.85)
            } else {
                Some(ask_edition(kb, t, ctx, intent))
            }
        }),
        Intent::Connectivity => {
            let asks_support = ["support", "ticket", "ask", "request", "static", "cloud firewall", "security group", "opened", "need to do", "provider"]
                .iter()
                .any(|w| lower.contains(w));
            let heading = if asks_support { "Asking support" } else { "What KMS needs" };
            let mut a = article_answer(kb, "kms-connectivity", heading, t, with_ctx(intent), Some(RequestOffer::KmsFirewall), 0.85);
            if let Some(a) = a.as_mut() {
                let probe = format!("Test-NetConnection {} -Port {}", host_or_placeholder(t), t.port);
                if !a.text.contains(&probe) {
                    // A host name must resolve first: a failed lookup looks like a closed port.
                    let dns = match &t.host {
                        Some(h) if h.parse::<std::net::IpAddr>().is_err() => format!(" If it reports that the name could not be resolved, check DNS from the instance (`nslookup {h}`) or use the host's IP address."),
                        _ => String::new(),
                    };
                    a.text = format!("Test from the instance (PowerShell):\n\n```\n{probe}\n```\n\n`TcpTestSucceeded : True` means the path is open.{dns}\n\n{}", a.text);
                }
                // "Clients in 10.60.0.0/16, host 10.50.0.10": the rule itself, with both ends.
                if let (Some(net), Some(h)) = (&u.slots.network, &t.host) {
                    a.text = format!("The rule: allow **TCP {port}** from the clients' network `{net}` to the KMS host `{h}`, inbound on the host's side (its cloud firewall and its own Windows Firewall) and outbound on the clients' side if that filters outbound traffic.\n\n{}", a.text, port = t.port);
                }
            }
            a
        }
        Intent::TimeSync => article_answer(kb, "kms-client", "Synchronise", t, with_ctx(intent), None, 0.85).map(|mut a| {
            // A server the user named in a time question is their time source.
            // The guide syncs with the KMS host: the configured one, when the question says so.
            if let Some(h) = u.slots.host.as_ref().or(t.host.as_ref().filter(|_| lower.contains("kms"))) {
                a.text = a.text.replace("<reachable_ntp_server>", h);
            }
            if !a.text.contains("/query") {
                if let Some(pos) = a.text.rfind("\n\n_Source:") {
                    a.text.insert_str(pos, "\n\n`w32tm /query /source` shows where the clock syncs from now, `w32tm /query /status` when it last did.");
                }
            }
            if !a.text.contains("4 hours") {
                if let Some(pos) = a.text.rfind("\n\n_Source:") {
                    a.text.insert_str(pos, "\n\nKMS accepts a clock difference of up to 4 hours between client and host (compared in UTC, so time zones don't matter).");
                }
            }
            if ctx.and_then(|c| c.intent) == Some(Intent::TimeSync)
                && NEXT_STEP.is_match(q)
                && !FAILING.is_match(q)
                && !RESTORE_TIME.is_match(q)
            {
                // "Synced, now what?" in a thread about the clock: the steps after the sync.
                let source = a.text.rfind("\n\n_Source:").map(|i| a.text[i..].to_string()).unwrap_or_default();
                a.text = format!("With the clock in sync, activate from an elevated command prompt:\n\n```\nslmgr /ato\n```\n\nOnce it reports success, put the time source back to the Windows default (it needs internet access to reach it), or to the domain's time on a domain member:\n\n```\nw32tm /config /manualpeerlist:time.windows.com /update\nw32tm /config /syncfromflags:domhier /update\n```{source}");
            } else if RESTORE_TIME.is_match(q)
                || AFTERWARDS.is_match(q)
                || leaves_it_so(lower)
                || scope::SET_IT_BACK.is_match(q)
            {
                // "Set the time server back afterwards": the procedure's last step.
                a.text.insert_str(0, "After activating, put the time source back to the Windows default (it needs internet access to reach it), or to the domain's time on a domain member:\n\n```\nw32tm /config /manualpeerlist:time.windows.com /update\nw32tm /config /syncfromflags:domhier /update\n```\n\n");
            }
            a
        }),
        Intent::HostSetup => article_answer(kb, "kms-host", "Steps", t, with_ctx(intent), Some(RequestOffer::InternetAccess), 0.85).map(|mut a| {
            // A Windows Server 2008 R2 host: what that legacy version needs, before the steps.
            let legacy = (lower.contains("2008 r2") || lower.contains("2008r2"))
                .then(|| section(kb, "kms-host", "Windows Server 2008 R2"))
                .flatten();
            if let Some((_, _, r2)) = legacy {
                a.text = format!("{}\n\n{}", personalize(r2.trim(), t, None), a.text);
            // Where the host key comes from is the first thing people need to know.
            } else if let Some((_, _, before)) = section(kb, "kms-host", "Before you start") {
                if let Some(first) = before.trim().lines().next() {
                    a.text = format!("{}\n\n{}", personalize(first, t, None), a.text);
                }
            }
            a
        }),
        Intent::Thresholds if CAPACITY_QUESTION.is_match(q) && u.slots.count.is_none() => {
            fact_answer(kb, "capacity", t, intent, ctx)
        }
        Intent::Thresholds => Some(thresholds(kb, &u.slots, q, ctx)),
        Intent::Timing if GRACE_QUESTION.is_match(q) || grace_follow_up(ctx, lower, toks.len(), &u.slots) => {
            fact_answer(kb, "grace", t, intent, ctx)
        }
        Intent::Timing if lower.contains("permanent") => fact_answer(kb, "permanent", t, intent, ctx),
        Intent::Timing => fact_answer(kb, "validity", t, intent, ctx).map(|mut a| {
            if let Some(note) = renewal_overdue(q, t) {
                a.text.insert_str(0, &note);
            }
            a
        }),
        Intent::StatusCheck => article_answer(kb, "check-status", "Checking the status", t, with_ctx(intent), None, 0.85),
        Intent::InstanceStatus
            if (FAILING.is_match(q) || WONT_ACTIVATE.is_match(q)) && u.slots.nothing_pasted() =>
        {
            Some(instance_failing(&u.slots, t, ctx))
        }
        Intent::InstanceStatus => Some(instance_status(&u.slots, t, ctx)),
        Intent::Diagnose => {
            let mut a = diagnose_start(t, ctx, one_edition(kb, &u.slots));
            // Many machines failing together ("40 VMs at once", "why all at once?") share
            // the cause: the host, the path to it, or an activation that ran out for all.
            if [
                "at once",
                "same time",
                "whole fleet",
                "entire fleet",
                "half the fleet",
                "all of them",
            ]
            .iter()
            .any(|w| lower.contains(w))
            {
                a.text.insert_str(
                    0,
                    "**Many machines at once** point at what they share: the KMS host (down, its Software Protection service stopped, its host key no longer activated) or the path to it (a firewall change, or the `_vlmcs` SRV record gone from DNS). Machines activated together also expire together: a KMS activation lasts 180 days and renews every 7 days, so machines that could not reach the host for that long fall back to notification on the same day.\n\n",
                );
            }
            Some(a)
        }
        Intent::ErrorCode => {
            // Error text without a code: find the entry whose words match best.
            let r = retrieve(kb, toks, ctx, false);
            if !r.abstained && r.sources.iter().any(|s| s.title.starts_with(crate::ERROR_TABLE)) {
                Some(r)
            } else {
                Some(diagnose_start(t, ctx, one_edition(kb, &u.slots)))
            }
        }
        Intent::Online => article_answer(kb, "online-activation", "Steps", t, with_ctx(intent), Some(RequestOffer::InternetAccess), 0.85).map(|mut a| {
            if !a.text.to_lowercase().contains("internet") {
                a.text = format!("Online activation needs outbound internet access from the instance (off by default here; support opens it on request).\n\n{}", a.text);
            }
            a
        }),
        Intent::Phone => article_answer(kb, "phone-activation", "Steps", t, with_ctx(intent), None, 0.85),
        Intent::InternetAccess => article_answer(kb, "internet-access", "Internet", t, with_ctx(intent), Some(RequestOffer::InternetAccess), 0.85),
        Intent::Compare => Some(compare_answer(kb, t, &u.slots, ctx)),
        Intent::Methods => article_answer(kb, "activation-methods", "The four options", t, with_ctx(intent), None, 0.85).map(|mut a| {
            if let Some((_, _, choosing)) = section(kb, "activation-methods", "Choosing") {
                let body = render_links(choosing);
                if let Some(pos) = a.text.rfind("\n\n_Source:") {
                    a.text.insert_str(pos, &format!("\n\n{}", body.trim()));
                }
            }
            if let Some(pos) = a.text.rfind("\n\n_Source:") {
                a.text.insert_str(pos, "\n\nWithout KMS: online with `slmgr /ipk <your_MAK_or_retail_key>` then `slmgr /ato`; by telephone with `slui 4`.");
            }
            a
        }),
        Intent::Policy => article_answer(kb, "byol-provider-kms", "Why", t, with_ctx(intent), None, 0.85),
        Intent::ExistingKms => {
            if ["dns", "srv", "vlmcs", "discover", "automatic", "locate", "find the host", "find a host", "find the kms", "find kms"].iter().any(|w| lower.contains(w)) {
                fact_answer(kb, "srv", t, intent, ctx)
            } else {
                article_answer(kb, "existing-kms", "What you need", t, with_ctx(intent), Some(RequestOffer::KmsFirewall), 0.85)
            }
        }
        Intent::Slmgr => slmgr_option_in(kb, q).or_else(|| {
            // An option described, not named ("uninstall the product key real quick"): its
            // row when no passage answers the question.
            let r = retrieve(kb, toks, ctx, false);
            if r.abstained && u.confidence >= 0.6 {
                described_option(kb, lower)
            } else {
                None
            }
        }).map(|o| {
            let mut text = personalize(&slmgr_text(o), t, None);
            // The DNS domain the user named, in the command.
            let named = u.slots.host.clone().or_else(|| named_dns_domain(q));
            if let (Some(domain), "/skms-domain") = (&named, o.option.as_str()) {
                text = text.replace(
                    "slmgr /skms-domain <dns_domain>",
                    &format!("slmgr /skms-domain {domain}"),
                );
            }
            finish(
                text,
                Source {
                    title: format!("{SLMGR_TABLE} ({})", kb.tables.slmgr_source),
                    section: format!("slmgr {}", o.option),
                },
                0.9,
                with_ctx(intent),
                None,
            )
        }).or_else(|| Some(retrieve(kb, toks, ctx, false))),
        Intent::None => None,
    };
    let Some(mut a) = answer else {
        return retrieve(kb, toks, ctx, false);
    };
    // Within an article intent, a passage that matches the question closely (a specific
    // option, a host detail) beats the intent's general section.
    if is_article_intent(intent, &u.slots) {
        let r = retrieve(kb, toks, ctx, false);
        if !r.abstained
            && r.confidence >= RETRIEVAL_SURE
            && r.sources.first().is_some_and(|s| compatible(kb, intent, s))
            && r.sources.first() != a.sources.first()
            // An slmgr option's row only when the question names an option ("what are the
            // commands for online activation" wants the steps, not `/ato` alone).
            && (r
                .sources
                .first()
                .is_none_or(|s| !s.title.starts_with(SLMGR_TABLE))
                || !slmgr_options_in(kb, q).is_empty())
            // A section about one Windows version ("Windows Server 2008 R2 hosts") only for a
            // question that names that version ("on 2012 r2?" is not about 2008 R2).
            && r.sources.first().is_none_or(|s| {
                let mut years = SECTION_YEAR.find_iter(&s.section).peekable();
                years.peek().is_none() || years.any(|y| q.contains(y.as_str()))
            })
        {
            let mut r = r;
            r.text = personalize(&r.text, t, None);
            if let Some(c) = r.context.as_mut() {
                c.intent = Some(intent);
            }
            r.intent = Some(intent);
            a = r;
        }
    }
    if intent == Intent::Connectivity {
        probe_when_test_asked(&mut a, q, t);
    }
    a.text = bracket_ipv6(std::mem::take(&mut a.text), t);
    ipv6_unnamed_note(&mut a, lower, t);
    if intent == Intent::Connectivity && !a.text.contains("nslookup") {
        if let Some(h) = t
            .host
            .as_ref()
            .filter(|h| h.parse::<std::net::IpAddr>().is_err())
        {
            if let Some(pos) = a.text.rfind("\n\n_Source:") {
                a.text.insert_str(pos, &format!("\n\nWith a host name, check first that it resolves from the instance (`nslookup {h}`); a name that does not resolve looks like a closed port, so try the IP address too."));
            }
        }
    }
    if a.intent.is_none() && !a.abstained {
        a.intent = Some(intent);
    }
    if let Some(c) = a.context.as_mut() {
        if c.intent.is_none() && !a.abstained {
            c.intent = Some(intent);
        }
        remember_named(c, &u.slots);
    }
    paginate(a)
}

/// Keeps the KMS host and port the question named in the thread's context (offers and
/// follow-ups use them).
fn remember_named(c: &mut Context, slots: &Slots) {
    if slots.host.is_some() {
        c.host = slots.host.clone();
    }
    if slots.port.is_some() {
        c.port = slots.port;
    }
}

/// An on-topic question the classifier reads two ways: the head of each answer, the likelier
/// first, instead of a question back (when both readings have an answer).
#[allow(clippy::too_many_arguments)]
fn both_readings(
    kb: &KnowledgeBase,
    q: &str,
    lower: &str,
    toks: &[String],
    u: &Understanding,
    alt: Intent,
    t: &Target,
    ctx: Option<&Context>,
) -> Option<Answer> {
    let content = |i: Intent| !i.is_small_talk() && !matches!(i, Intent::None | Intent::More);
    if !content(u.intent) || !content(alt) {
        return None;
    }
    let first = compose_for(kb, q, lower, toks, u, t, ctx);
    let mut other = u.clone();
    other.intent = alt;
    let second = compose_for(kb, q, lower, toks, &other, t, ctx);
    if first.abstained || second.abstained || first.sources == second.sources {
        return None;
    }
    let mut out = first.clone();
    out.text = format!(
        "Your question fits two topics, so here is the start of both (tell me which one you meant for more):\n\n{}\n\n---\n\n{}",
        brief(&first.text),
        brief(&second.text)
    );
    out.sources = first
        .sources
        .iter()
        .chain(second.sources.iter())
        .cloned()
        .collect();
    out.confidence = u.confidence;
    out.offer = first.offer.or(second.offer);
    if let Some(c) = out.context.as_mut() {
        c.more = None;
    }
    Some(paginate(out))
}

fn with_intent(mut a: Answer, intent: Option<Intent>) -> Answer {
    if a.intent.is_none() {
        a.intent = intent;
    }
    paginate(a)
}

/// Keeps chat answers short: past [`MAX_LINES`] lines, the rest waits for "more".
fn paginate(a: Answer) -> Answer {
    paginate_at(a, MAX_LINES)
}

/// Cuts an answer longer than `max` lines; the rest waits for "more".
fn paginate_at(mut a: Answer, max: usize) -> Answer {
    let lines: Vec<&str> = a.text.lines().collect();
    if lines.len() <= max {
        return a;
    }
    // Cut at a blank line outside a code block, before the limit; else before a numbered step.
    let mut in_code = false;
    let mut cut = None;
    let mut step = None;
    for (i, l) in lines.iter().enumerate() {
        if l.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        if i >= max - 1 {
            break;
        }
        if !in_code && l.trim().is_empty() && i > 3 {
            cut = Some(i);
        }
        let numbered = l
            .split_once(". ")
            .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if !in_code && numbered && i > 3 {
            step = Some(i);
        }
    }
    let (head, rest) = match (cut, step) {
        (Some(c), _) => (&lines[..c], &lines[c + 1..]),
        (None, Some(s)) => (&lines[..s], &lines[s..]),
        (None, None) => return a,
    };
    let head = head.join("\n");
    let rest = rest.join("\n");
    a.text = format!("{head}\n\n_There's more: say **more** for the rest._");
    if let Some(c) = a.context.as_mut() {
        c.more = Some(rest);
    }
    a
}

/// Which Windows client versions a KMS host key (CSVLK) of a Windows Server group activates,
/// and which Windows Server versions can carry it, from Microsoft's table of host key groups:
/// "does the Server 2022 host key cover Windows 11?", "can the 2025 CSVLK go on Server 2019?".
/// `None` when the message names no host key group, or neither a client version nor a server
/// to install the key on.
fn host_key_group_verdict(lower: &str) -> Option<String> {
    if !["csvlk", "host key", "kms host", "kms server"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return None;
    }
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let year = |w: &str| matches!(w, "2012" | "2016" | "2019" | "2022" | "2025");
    // Server years (not "LTSC 2019"), with whether a host key word follows within 3 words.
    let mut key_year = None;
    let mut host_year = None;
    let mut others = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let before = if i > 0 { words[i - 1] } else { "" };
        if !year(w) || matches!(before, "ltsc" | "ltsb" | "n") {
            continue;
        }
        let after: Vec<&str> = words.iter().skip(i + 1).take(3).copied().collect();
        let keyed = after.first() == Some(&"csvlk")
            || after.windows(2).any(|p| p == ["host", "key"])
            || after.windows(2).any(|p| p == ["csvlk", "s"]);
        // "a 2019 KMS host", "our KMS host is Server 2019".
        let hosted = (matches!(after.first(), Some(&"kms"))
            && matches!(after.get(1), Some(&"host") | Some(&"server")))
            || words[i.saturating_sub(4)..i].contains(&"host");
        if keyed && key_year.is_none() {
            key_year = Some(*w);
        } else if hosted && host_year.is_none() {
            host_year = Some(*w);
        } else {
            others.push(*w);
        }
    }
    let install_on = [
        "install",
        "run on",
        "runs on",
        "as host",
        "as the host",
        "host it",
        "put it on",
        "put on",
        "be hosted",
    ]
    .iter()
    .any(|w| lower.contains(w))
        || (lower.contains(" on ")
            && words
                .iter()
                .any(|w| matches!(*w, "put" | "place" | "load" | "go")));
    let (group, assumed) = match (key_year, host_year) {
        (Some(k), _) => (k, false),
        (None, Some(h)) if !install_on => (h, true),
        _ => return None,
    };
    let runs_on: &[&str] = match group {
        "2025" => &["2025", "2022", "2019"],
        "2022" => &["2022", "2019", "2016"],
        "2019" => &["2019", "2016", "2012 R2"],
        "2016" => &["2016", "2012 R2", "2012"],
        _ => return None,
    };
    let mut lines = Vec::new();
    let mut all_yes = true;
    let mut all_no = true;
    // The server the key is to be installed on.
    let target_os = if install_on && !assumed {
        host_year.or(others.first().copied())
    } else {
        None
    };
    if let Some(os) = target_os {
        let ok = runs_on.contains(&os);
        all_yes &= ok;
        all_no &= !ok;
        lines.push(format!(
            "A Windows Server {group} host key {} on Windows Server {os}: it runs on Windows Server {} (install the latest cumulative update on the host).",
            if ok { "**can** be installed" } else { "**cannot** be installed" },
            runs_on.join(", ")
        ));
    }
    let named = |ws: &[&str]| ws.iter().any(|w| lower.contains(w));
    let mut clients: Vec<(&str, &str)> = Vec::new();
    if named(&["ltsc 2024"]) {
        clients.push(("Windows 11 Enterprise LTSC 2024", "2025"));
    } else if named(&["windows 11", "win 11", "win11", "windows11"]) {
        clients.push(("Windows 11", "2022"));
    }
    if named(&["ltsc 2019", "ltsc 2021"]) {
        clients.push(("Windows 10 Enterprise LTSC 2019/2021", "2019"));
    } else if named(&["windows 10", "win 10", "win10", "windows10", "ltsb"]) {
        clients.push(("Windows 10", "2016"));
    }
    if named(&["8.1"]) {
        clients.push(("Windows 8.1 Pro and Enterprise", "2016"));
    }
    if named(&["windows 7", "win 7", "win7"]) {
        clients.push(("Windows 7 Professional and Enterprise", "2016"));
    }
    let order = ["2016", "2019", "2022", "2025"];
    let rank = |y: &str| order.iter().position(|o| *o == y).unwrap_or(0);
    let holder = if assumed {
        format!("A KMS host with a Windows Server {group} host key (CSVLK)")
    } else {
        format!("A Windows Server {group} KMS host key (CSVLK)")
    };
    for (client, needs) in &clients {
        let ok = rank(group) >= rank(needs);
        all_yes &= ok;
        all_no &= !ok;
        lines.push(if ok {
            format!("{holder} **activates {client}**.")
        } else {
            let newer: Vec<String> = order[rank(needs)..]
                .iter()
                .map(|y| format!("Windows Server {y}"))
                .collect();
            format!(
                "{holder} **does not activate {client}**: that needs a host key of the {} group{}.",
                newer.join(" or "),
                if assumed {
                    " (a newer host key can run on the same host, if its version is listed for it)"
                } else {
                    ""
                }
            )
        });
    }
    if lines.is_empty() {
        return None;
    }
    let lead = if all_yes {
        "**Yes.**"
    } else if all_no {
        "**No.**"
    } else {
        "**Partly.**"
    };
    Some(format!("{lead} {}\n\n", lines.join(" ")))
}

/// A key asked for one Windows client edition, whose machines then activate against a KMS host
/// ("which key goes on Windows 11 Education PCs so they activate against the campus KMS
/// host?"), not a key put on the host itself ("which key goes on the KMS host for Windows 11
/// Enterprise?").
fn client_key_past_host(q: &str, slots: &Slots) -> bool {
    static ON_THE_HOST: LazyLock<Folded> = LazyLock::new(|| {
        rx_folded(
            r"(?i)\b(on|for|into)\s+(the|our|a|my|this|that)\s+(kms\s+)?(host|server)\b|\bkms\s+host\s+itself\b",
        )
    });
    let lower = q.to_lowercase();
    lower.contains("kms")
        && names_edition_asks_key(q, slots)
        && slots.editions.iter().all(|e| {
            e.families
                .iter()
                .all(|f| f.starts_with("Windows ") && !f.starts_with("Windows Server"))
        })
        && !ON_THE_HOST.is_match(q)
}

/// Machines rebuilt from an image again and again ("the pool is rebuilt every night",
/// "non-persistent VDI"), asked about the image ("what do I do to the master image?") or about
/// the count ("does the host fill up?", "the counter goes up"): the fact's id.
fn rebuilt_desktops_fact(lower: &str) -> Option<&'static str> {
    static REBUILT: LazyLock<Folded> = LazyLock::new(|| {
        rx_folded(
            r"(?i)\b(non-?persistent|nightly)\b|\b(rebuil\w*|recreat\w*|re-creat\w*|redeploy\w*|reprovision\w*|creat\w*\s+again)\b.{0,40}\b(every|each)\s+(night|day|morning|week)\b|\b(every|each)\s+(night|day|morning)\b.{0,40}\b(rebuil\w*|recreat\w*|redeploy\w*|creat\w*\s+again)\b",
        )
    });
    static IMAGE: LazyLock<Folded> =
        LazyLock::new(|| rx_folded(r"(?i)\b(master|golden|base|gold)\s+(image|vm|template)\b"));
    static COUNT: LazyLock<Folded> = LazyLock::new(|| {
        rx_folded(
            r"(?i)\b(counts?|counter|counting|stale|fill\w*|use\w*\s+up|eat\w*|consum\w*|pile\w*\s+up|old\s+entries|activations?\s+left|run\s+out|problem)\b",
        )
    });
    if !REBUILT.is_match(lower) || !(lower.contains("kms") || lower.contains("activat")) {
        return None;
    }
    if IMAGE.is_match(lower) {
        Some("image-prep")
    } else if COUNT.is_match(lower) {
        Some("vdi-rebuild")
    } else {
        None
    }
}

/// Which side a client setup key goes on, the KMS host's or the clients' ("does the GVLK go on
/// the KMS host or on the clients?").
fn gvlk_side_asked(lower: &str) -> bool {
    static SIDE: LazyLock<Folded> = LazyLock::new(|| {
        rx_folded(
            r"(?i)\b(gvlks?|client\s+(setup\s+)?keys?)\b.{0,30}\b(go|goes|belongs?|installed|install|put)\s+on\b.{0,40}\bhost\b.{0,20}\bor\b.{0,20}\bclients?\b|\b(gvlks?|client\s+(setup\s+)?keys?)\b.{0,30}\b(go|goes|belongs?|installed|install|put)\s+on\b.{0,40}\bclients?\b.{0,20}\bor\b.{0,30}\bhost\b",
        )
    });
    SIDE.is_match(lower)
}

#[cfg(test)]
mod tests {
    use super::{domain_spelling, host_key_synonym, server_abbreviation, strip_wrappers};
    use crate::KnowledgeBase;

    #[test]
    fn a_kms_server_key_is_a_kms_host_key() {
        assert_eq!(
            host_key_synonym("where do I get the KMS server key?"),
            "where do I get the KMS host key?"
        );
        assert_eq!(
            host_key_synonym("the sql server key is on the box"),
            "the sql server key is on the box"
        );
    }

    #[test]
    fn an_error_answer_names_the_users_own_port() {
        let kb = KnowledgeBase::builtin().expect("builtin KB");
        let settings = crate::AnswerSettings::default();
        let a = kb.answer_with(
            "0xC004F074 after slmgr /ato, our kms host 10.1.2.3 listens on port 1700",
            None,
            &settings,
        );
        assert!(a.text.contains("tcp/1700"), "{}", a.text);
        assert!(a.text.contains("-Port 1700"), "{}", a.text);
        assert!(!a.text.contains("1688"), "{}", a.text);
    }

    #[test]
    fn pleasantries_around_a_question_are_left_out() {
        assert_eq!(
            strip_wrappers("Hi, what's the kms port? Thanks in advance!"),
            "what's the kms port?"
        );
        assert_eq!(
            strip_wrappers("Ticket INC-20931: activation fails with 0xC004F074"),
            "activation fails with 0xC004F074"
        );
        assert_eq!(strip_wrappers("kms port Thanks in advance!"), "kms port");
        // A greeting with a remark, or thanks for a fix, stays as written.
        for s in [
            "hello, i am new in this channel",
            "Hello bot, good evening from Pune",
            "Brilliant, that sorted it. Thank you!",
            "hi",
        ] {
            assert_eq!(strip_wrappers(s), s);
        }
    }

    #[test]
    fn srv_before_a_version_is_windows_server() {
        assert_eq!(
            server_abbreviation("7 srv 2022 VMs, enough for KMS?"),
            "7 server 2022 VMs, enough for KMS?"
        );
        assert_eq!(server_abbreviation("SRV2019 std"), "server 2019 std");
        assert_eq!(server_abbreviation("srv 2k19 dc"), "server 2k19 dc");
        // An SRV record stays one.
        for s in [
            "_vlmcs._tcp SRV 0 0 1688 kms01",
            "srv record for kms",
            "kms-srv01.corp",
        ] {
            assert_eq!(server_abbreviation(s), s);
        }
    }

    #[test]
    fn misspelt_domain_words_are_read_as_meant() {
        assert_eq!(
            domain_spelling("slmgr comand to activte now?"),
            "slmgr command to activate now?"
        );
        assert_eq!(domain_spelling("kms threshhold"), "kms threshold");
        // Words of their own, inflections and host names stay as typed.
        for s in [
            "is there a free activator?",
            "activity log",
            "activates and licenses",
            "kms.activte.example",
            "a window",
        ] {
            assert_eq!(domain_spelling(s), s);
        }
    }
}
