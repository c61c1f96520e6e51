//! The edge of what the bot covers, in the words both sides share: a home PC's retail licence, multi-factor sign-in to "activate", another cloud's prices, another DNS record or port asked in a KMS thread (declined), and slmgr run over SSH or another remote shell (answered with `cscript`).

use std::sync::LazyLock;

use super::{abstain, fact_answer, target, SPECIFIC_TERMS};
use crate::nlu::{Intent, Understanding};
use crate::text::{rx_folded, rx_match, Folded, Matcher};
use crate::{Answer, AnswerSettings, Context, KnowledgeBase};

/// Compiles this file's patterns (with the parent module's `warm_up`).
pub(super) fn warm_up() {
    let patterns: &[&dyn crate::text::WarmUp] = &[
        &MFA,
        &RETAIL_LICENCE,
        &HOME_DEVICE,
        &NEW_DEVICE,
        &CLOUD_PRICE,
        &CLOUD_NAMED,
        &CLOUD_TOOL,
        &OTHER_CLOUD_ACTIVATION,
        &OTHER_RECORD_ADDED,
        &OTHER_PORT_NUMBER,
        &REMOTE_SHELL,
        &SET_IT_BACK,
        &ROLE_HOST,
        &UNSYNCED_CLOCK,
        &WHAT_TO_DO,
        &HOST_CHANGED,
        &AGAIN,
        &ONTO_KMS,
        &UPDATE_ERROR,
        &OTHER_KIND_OF_KEY,
        &PRODUCT_ON_WINDOWS,
        &RUN_THAT,
        &OTHER_REGISTRY_SETTING,
        &HOST_CLOCK,
        &LICENCE_MODEL,
    ];
    for pattern in patterns {
        pattern.warm_up();
    }
}

/// Multi-factor sign-in switched on ("activate MFA", "enable two-factor for our admins").
static MFA: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(activat\w*|enabl\w*|turn\w*\s+on|set\s*up|enrol\w*|enforc\w*|register\w*)\b.{0,40}\b(mfa|2fa|multi-?factor|two-?factor|2-?step|two-?step|authenticator)\b|\b(mfa|2fa|multi-?factor|two-?factor)\b.{0,30}\b(activat\w*|enabl\w*)",
    )
});

/// A retail, OEM or digital licence of one's own computer ("transfer my retail key to a new
/// PC", "digital licence after a new motherboard").
static RETAIL_LICENCE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(retail|oem|digital)\b.{0,30}\b(licen[cs]e|key|entitlement)s?\b|\bhome\s+(product\s+)?(licen[cs]e|key)s?\b|\b(motherboard|mainboard|hardware\s+change)\b",
    )
});

/// A computer of one's own, at home ("my house PC", "the computer at home").
static HOME_DEVICE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(pc|computer|laptop|desktop|notebook)\s+(at|in)\s+(my\s+|the\s+)?(home|house|flat|apartment)\b|\b(my|our)\s+(own\s+)?(gaming|home|private|personal)\s+(pc|computer|laptop|desktop|notebook|rig)\b|\bgaming\s+(pc|laptop|rig)\b|\b(my|our)\s+(house|family|kids'?|son'?s|daughter'?s|wife'?s|husband'?s)\s+(pc|computer|laptop|desktop|notebook)\b",
    )
});

/// Another computer for a licence to move to ("to a new PC", "on another laptop").
static NEW_DEVICE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\b(new|another|different|second)\s+(pc|computer|laptop|desktop|notebook)\b")
});

/// Prices and charges ("do I pay extra per hour?", "pricing on dedicated hosts").
static CLOUD_PRICE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(price|prices|pricing|priced|cost|costs|costing|pay|paying|charge[sd]?|per\s+hour|hourly|per\s+month|monthly\s+fee|cheaper|more\s+expensive|save|saving|savings|discount\w*|rates?)\b",
    )
});

/// Another cloud than this one, by name.
static CLOUD_NAMED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\b(azure|aws|ec2|amazon|gcp|google\s+cloud|oci|oracle\s+cloud|alibaba)\b")
});

/// Another cloud's own tools, support or image labels ("in the Azure portal", "AWS support
/// told us", "license: windows-server-2019-dc" on an image).
static CLOUD_TOOL: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(portal|console|cloud\s+shell|marketplace)\b|\blicen[cs]e:\s|\bsupport\s+(told|said|says|asked|wants|recommended)\b",
    )
});

/// Windows activated in another cloud ("how do I activate Windows on AWS EC2?", "azure kms
/// ip"): that provider's service, not this cloud's.
static OTHER_CLOUD_ACTIVATION: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(on|in|at|inside|within|for)\s+(an?\s+|the\s+)?(azure|aws|ec2|amazon(\s+web\s+services)?|gcp|google\s+cloud|oci|oracle\s+cloud|alibaba(\s+cloud)?)\b|^\W*(azure|aws|gcp|google\s+cloud|oci|alibaba)\s+(ec2\s+|vms?\s+|compute\s+)?(windows\s+)?(activation|kms)\b",
    )
});

/// Adding a DNS record of another kind ("how do I add an MX record for mail?").
static OTHER_RECORD_ADDED: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\b(mx|txt|spf|dkim|dmarc|caa)\s+(dns\s+)?records?\b"));

/// Another service's port by its number ("and for rdp 3389?", "ssh 22").
static OTHER_PORT_NUMBER: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(rdp|ssh|https?|smb|winrm|sql|ldaps?|ftp|smtp|dns|ntp|mysql|postgres\w*)\s*(port\s*|on\s+)?\d{2,5}\b|\b(3389|5985|5986)\b",
    )
});

/// A remote or non-interactive shell ("over SSH", "through WinRM", "Invoke-Command").
static REMOTE_SHELL: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(ssh|openssh|ssh'?d|sshd|winrm|pssession|enter-pssession|invoke-command|psexec|powershell\s+remoting|remote\s+powershell)\b",
    )
});

/// "Switch it back", "set it back", "put that back": undoing the last change of the thread.
pub(super) static SET_IT_BACK: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(switch|set|change|put|turn|move|point|revert)\w*\s+(it|that|this|them|those|everything)\s+back\b|\b(switch|change|go)\w*\s+back\s+(to\s+(the\s+)?(default|normal|before|original))\b",
    )
});

/// A decline with its reason.
fn decline(what: &str, ctx: Option<&Context>) -> Answer {
    let mut a = abstain(0.0, ctx);
    a.text = format!(
        "That sounds like {what}, which I don't cover: I only know how to activate Windows and Windows Server instances. Say `help` to see what I can do."
    );
    a
}

/// Near-misses that share activation's words but are about something else: declined.
pub(super) fn declined(
    q: &str,
    lower: &str,
    u: &Understanding,
    ctx: Option<&Context>,
) -> Option<Answer> {
    if SPECIFIC_TERMS.is_match(q) || !u.slots.nothing_pasted() || u.slots.host.is_some() {
        return None;
    }
    let windows_words = ["slmgr", "gvlk", "volume", "kms", "1688"];
    if MFA.is_match(q) {
        return Some(decline("multi-factor sign-in for accounts", ctx));
    }
    // "Transfer my retail Win10 key to a new PC", "Windows 11 Home key for my house PC".
    if (RETAIL_LICENCE.is_match(q) && (HOME_DEVICE.is_match(q) || NEW_DEVICE.is_match(q)))
        || (HOME_DEVICE.is_match(q)
            && !super::DEVICE_COMPARED.is_match(q)
            && !["vm", "instance", "server", "cloud"]
                .iter()
                .any(|w| lower.contains(w))
            && (lower.contains("key") || lower.contains("licen") || lower.contains("activat")))
    {
        let mut a = abstain(0.0, ctx);
        a.text = "That is about Windows on your own computer, which I don't cover: I help activate the Windows instances in this cloud. For a personal device, use Settings > Activation or Microsoft's support. Say `help` to see what I can do.".to_string();
        return Some(a);
    }
    // "On Azure, is the licence included in the VM price?": another cloud's prices.
    // "Is the licence included on AWS's BYOL images?": that cloud's offer, not this one's
    // (asked beside this cloud, "here" or "your images", it is the provider's policy).
    let that_clouds_offer = LICENCE_MODEL.is_match(q)
        && !["here", "your ", "this cloud", "provider", "you "]
            .iter()
            .any(|w| lower.contains(w));
    if CLOUD_NAMED.is_match(q)
        && (CLOUD_PRICE.is_match(q) || that_clouds_offer)
        && !lower.contains("activat")
        && !windows_words.iter().any(|w| lower.contains(w))
    {
        return Some(decline("another cloud's prices or licensing offer", ctx));
    }
    // "Azure support told them to run the troubleshooter in the Azure portal, where is it?":
    // another cloud's tools, which this bot does not know (a machine that is not activated,
    // or KMS words, stay questions for it).
    if CLOUD_NAMED.is_match(q)
        && CLOUD_TOOL.is_match(q)
        && u.slots.error.is_none()
        && !windows_words.iter().any(|w| lower.contains(w))
        && ![
            "not activated",
            "activate it",
            "activate them",
            "won't activate",
            "unactivated",
            "watermark",
        ]
        .iter()
        .any(|w| lower.contains(w))
    {
        return Some(decline("another cloud's own tools or support", ctx));
    }
    // "And how do I add an MX record?" after the SRV record: another DNS record.
    if OTHER_RECORD_ADDED.is_match(q)
        && !lower.contains("vlmcs")
        && !lower.contains("srv")
        && !lower.contains("activat")
    {
        return Some(abstain(0.2, ctx));
    }
    // "And for rdp 3389?" after the KMS port: another service's port.
    if OTHER_PORT_NUMBER.is_match(q) && !lower.contains("activat") && !lower.contains("licen") {
        return Some(abstain(0.2, ctx));
    }
    None
}

/// Activation asked about in another cloud, with nothing tying it to this one (no move from
/// there, no KMS host of the user's there to reach, no comparison): declined.
pub(super) fn other_cloud_activation(
    q: &str,
    lower: &str,
    u: &Understanding,
    ctx: Option<&Context>,
) -> Option<Answer> {
    let about_activation = ["activat", "kms", "gvlk", "slmgr", "product key"]
        .iter()
        .any(|w| lower.contains(w));
    let tied_here = [
        "from ",
        "migrat",
        "moved",
        "moving",
        "used to",
        "were ",
        "was ",
        "previous",
        "before",
        "than",
        "like",
        "unlike",
        " vs",
        "compar",
        "here",
        "this cloud",
        "your ",
        "azure edition",
        "azure stack",
        "hci",
        "kms host",
        "kms server",
        "our kms",
        "my kms",
        "own kms",
        "vpn",
        "peering",
        "tunnel",
        "1688",
        "firewall",
        "reach",
        "connect",
        // "Is the GVLK the same on Azure?": a comparison, answered as here.
        "same",
        "also",
        " too",
        "both",
        "as well",
        "differ",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if !OTHER_CLOUD_ACTIVATION.is_match(q)
        || !about_activation
        || tied_here
        || super::AUTO_ELSEWHERE.is_match(q)
        || u.slots.host.is_some()
        || !u.slots.nothing_pasted()
    {
        return None;
    }
    let mut a = abstain(0.0, ctx);
    a.text = "Activation in another cloud (Azure, AWS, Google Cloud...) is that provider's to answer: I cover the Windows instances of this cloud. Say `help` to see what I can do.".to_string();
    Some(a)
}

/// slmgr run over SSH or another remote shell: its pop-ups never show there, so every command
/// goes through `cscript`, which prints to the shell.
pub(super) fn remote_shell(
    kb: &KnowledgeBase,
    q: &str,
    lower: &str,
    u: &Understanding,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
) -> Option<Answer> {
    // "How do I do that over SSH?" after the commands: the same commands, through that shell.
    let thread_commands = ctx.and_then(|c| c.intent).is_some_and(|i| {
        matches!(
            i,
            Intent::ClientProcedure
                | Intent::PointKms
                | Intent::StatusCheck
                | Intent::Slmgr
                | Intent::Online
                | Intent::KeyLookup
                | Intent::Diagnose
        )
    }) && RUN_THAT.is_match(q);
    if !REMOTE_SHELL.is_match(q)
        || !(lower.contains("slmgr") || lower.contains("activat") || thread_commands)
        || u.slots.error.is_some()
        || u.slots.dli.is_some()
        || lower.contains("ssh key")
    {
        return None;
    }
    let t = target(&u.slots, ctx, settings);
    let host = t.host.clone().unwrap_or_else(|| "<KMS_host>".to_string());
    let port = t.port;
    let mut a = fact_answer(kb, "slmgr-usage", &t, Intent::ClientProcedure, ctx)?;
    let tail = a
        .text
        .rfind("\n\n_Source:")
        .map(|i| a.text[i..].to_string())
        .unwrap_or_default();
    a.text = format!(
        "In an SSH session (or any remote shell: WinRM, PowerShell remoting) plain `slmgr` prints nothing: it is a script whose results open in pop-up windows, which that session cannot show. Run it through `cscript`, which prints to your shell; the commands that change something need an administrator account:\n\n```\ncscript //nologo %windir%\\system32\\slmgr.vbs /ipk <GVLK_for_your_edition>\ncscript //nologo %windir%\\system32\\slmgr.vbs /skms {host}:{port}\ncscript //nologo %windir%\\system32\\slmgr.vbs /ato\ncscript //nologo %windir%\\system32\\slmgr.vbs /dlv\n```\n\nAsk me \"key for <your edition>\" for the GVLK; `/dlv` (or `/xpr`) shows whether it is activated.{tail}"
    );
    Some(a)
}

/// A server role named "host" ("the Remote Desktop Session Host", "our Hyper-V host") is a
/// machine to activate, not a KMS host: in a message about its key or activation (and not
/// about Remote Desktop licensing), the role is read as a server.
pub(super) fn role_host_as_server(text: &str) -> std::borrow::Cow<'_, str> {
    let lower = text.to_ascii_lowercase();
    let about_activation = ["kms", "gvlk", "slmgr", "product key", "activat"]
        .iter()
        .any(|w| lower.contains(w));
    let about_rds_licensing = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| ["cal", "cals", "grace"].contains(&w))
        || lower.contains("licen");
    if !about_activation || about_rds_licensing || !ROLE_HOST.is_match(text) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in lower.match_indices("host") {
        let before = lower[..at].trim_end();
        let role = [
            "session",
            "hyper-v",
            "hyperv",
            "virtualization",
            "virtualisation",
            "container",
            "docker",
            "esxi",
            "vmware",
            "citrix",
            "vdi",
        ]
        .iter()
        .any(|r| before.ends_with(r));
        // "host" as a whole word only ("hosts", "hosting" stay).
        let whole = !lower[at + 4..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        if role && whole && at >= last {
            out.push_str(&text[last..at]);
            out.push_str("server");
            last = at + 4;
        }
    }
    out.push_str(&text[last..]);
    std::borrow::Cow::Owned(out)
}

/// A server role called a host.
static ROLE_HOST: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(session|hyper-?v|virtuali[sz]ation|container|docker|esxi|vmware|citrix|vdi)\s+host\b",
    )
});

/// A Remote Desktop server's own Windows key or activation asked ("the RD session host is
/// Server 2022 Datacenter, which KMS key?"): a Windows edition and KMS words, nothing of CALs
/// or licensing.
pub(super) fn rds_server_key(q: &str, lower: &str, u: &Understanding) -> bool {
    SPECIFIC_TERMS.is_match(q)
        && u.slots.editions.iter().any(|e| !e.families.is_empty())
        && !lower.contains("licen")
        && !lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| ["cal", "cals", "grace"].contains(&w))
}

/// What the whole answer still lacks for what the message shows: pasted `w32tm /query
/// /status` output with an unsynchronised clock gets the time sync before the rest, and the
/// provider's BYOL policy given to someone whose instance is not activated gets the commands
/// that activate it.
pub(super) fn complete(q: &str, settings: &AnswerSettings, a: &mut Answer) {
    if a.abstained {
        return;
    }
    let lower = q.to_ascii_lowercase();
    let host = settings.kms_host.as_deref().unwrap_or("<KMS_host>");
    if UNSYNCED_CLOCK.is_match(q) && !a.text.contains("w32tm") {
        a.text = format!(
            "Your `w32tm /query /status` shows a clock that syncs with nothing (`Local CMOS Clock` or `Free-running System Clock`), and KMS refuses a client whose clock is more than 4 hours off the host's: sync it first, in an elevated prompt, with `w32tm /config /manualpeerlist:{host} /syncfromflags:manual /update` and `w32tm /resync`, then `slmgr /ato`.\n\n{}",
            a.text
        );
    }
    let byol_policy = a.intent == Some(Intent::Policy) && a.text.contains("BYOL");
    let not_activated = [
        "not activated",
        "isn't activated",
        "unactivated",
        "not activate",
        "watermark",
    ]
    .iter()
    .any(|w| lower.contains(w));
    let asks_what_to_do = WHAT_TO_DO.is_match(q);
    if byol_policy && not_activated && asks_what_to_do && !a.text.contains("slmgr /ato") {
        let steps = format!(
            "To activate it yourself through a KMS host (yours, or an existing one your instance can reach on tcp/1688), in an elevated command prompt on the instance (ask me \"key for <your edition>\" for the GVLK):\n\n```\nslmgr /ipk <GVLK_for_your_edition>\nslmgr /skms {host}:1688\nslmgr /ato\n```\n\nWith a MAK or retail key instead: `slmgr /ipk <your_key>`, then `slmgr /ato` (online) or `slui 4` (by telephone)."
        );
        match a.text.rfind("\n\n_Source:") {
            Some(pos) => a.text.insert_str(pos, &format!("\n\n{steps}")),
            None => a.text = format!("{}\n\n{steps}", a.text),
        }
    }
    // Kept to a chat answer's length, unless it was cut already.
    if a.text.lines().count() > super::MAX_LINES
        && a.context.as_ref().is_some_and(|c| c.more.is_none())
    {
        *a = super::paginate(std::mem::replace(a, abstain(0.0, None)));
    }
}

/// `w32tm /query /status` of a clock that syncs with nothing.
static UNSYNCED_CLOCK: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\bsource\s*:\s*(local\s+cmos\s+clock|free-running\s+system\s+clock)\b")
});

/// Asking what to do or how to go on ("what do I do?", "how do I fix it?", "what now?").
static WHAT_TO_DO: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bwhat\s+(do|should|can|must)\s+(i|we)\s+do\b|\bwhat\s+now\b|\bhow\s+(do|can|should)\s+(i|we)\s+(fix|activate|solve)\b|\bhow\s+to\s+(fix|activate|solve)\b|\bnext\s+steps?\b",
    )
});

/// "Activate again after the KMS host changed": the client pointed at the new host, not a new
/// host set up.
pub(super) fn reroute(u: &mut Understanding, q: &str) {
    // "Which NTP server should the KMS host itself use?": the clock, not the host's setup.
    if u.intent == Intent::HostSetup
        && HOST_CLOCK.is_match(q)
        && u.slots.nothing_pasted()
        && !["host key", "csvlk", "install"]
            .iter()
            .any(|w| q.to_ascii_lowercase().contains(w))
    {
        u.reroute(Intent::TimeSync);
        return;
    }
    if HOST_CHANGED.is_match(q)
        && AGAIN.is_match(q)
        && u.slots.nothing_pasted()
        && !q.to_ascii_lowercase().contains("host key")
        && matches!(
            u.intent,
            Intent::ClientProcedure | Intent::HostSetup | Intent::None
        )
    {
        u.reroute(Intent::PointKms);
    }
}

/// A KMS host that changed ("after the KMS host changed", "we have a new KMS server").
static HOST_CHANGED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\bkms\s+(host|server)\s+(has\s+|was\s+|got\s+|is\s+)?(changed|replaced|moved|migrated|swapped)\b|\b(new|different|another|replacement)\s+kms\s+(host|server)\b",
    )
});

/// Doing it again ("activate again", "re-activate", "reactivate").
static AGAIN: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\bagain\b|\bre-?activat\w*|\bonce\s+more\b"));

/// `slmgr /dli` or `/dlv` output pasted with "which key should be on this?" or "how do I
/// switch this to our KMS?": the GVLK of the edition the output shows (with a release the
/// message names), and the commands.
pub(super) fn pasted_edition_key(
    kb: &KnowledgeBase,
    q: &str,
    u: &Understanding,
    ctx: Option<&Context>,
    settings: &AnswerSettings,
) -> Option<Answer> {
    if u.slots.dli.is_none() || !(super::WHICH_KEY.is_match(q) || ONTO_KMS.is_match(q)) {
        return None;
    }
    let g = super::pasted_edition(kb, q)?;
    let t = target(&u.slots, ctx, settings);
    let mut a = crate::answer::key_answer(kb, g, ctx);
    a.text = super::personalize_key_answer(&a.text, &t, g);
    let mut c = a.context.take().unwrap_or_default();
    c.intent = Some(Intent::KeyLookup);
    a.context = Some(c);
    Some(a)
}

/// Moving a machine onto KMS ("switch this to our KMS", "convert it to KMS").
static ONTO_KMS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(switch|convert|change|move|turn|migrate|put)\w*\b.{0,30}\b(to|onto|into|over\s+to)\s+(our\s+|the\s+|a\s+|my\s+)?kms\b",
    )
});

/// Near-misses declined even beside KMS words: an update's error ("0x80070005 from Windows
/// Update on the KMS host") or a key of another kind ("the SSH key for the KMS host").
pub(super) fn declined_beside_kms(q: &str, lower: &str, ctx: Option<&Context>) -> Option<Answer> {
    let activation_asked = [
        "slmgr",
        "activat",
        "gvlk",
        "product key",
        "host key",
        "csvlk",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if activation_asked {
        return None;
    }
    // A Windows Update error code (0x800f…, 0x8024…), or any code reported by Windows Update.
    let update_code = UPDATE_ERROR.is_match(q)
        || (super::WINDOWS_UPDATE.is_match(q)
            && super::ERROR_CODE_RX.is_match(q)
            && !lower.contains("0xc004"));
    if update_code {
        return Some(decline("Windows Update", ctx));
    }
    // A registry setting of something else; KMS's own ones (DNS publishing, the host's
    // name or port) are activation.
    let other_setting = OTHER_REGISTRY_SETTING.is_match(q)
        && !SPECIFIC_TERMS.is_match(q)
        && !["keymanagementservice", "publish", "srv", "licen", "spp"]
            .iter()
            .any(|w| lower.contains(w));
    if OTHER_KIND_OF_KEY.is_match(q) || other_setting {
        return Some(abstain(0.2, ctx));
    }
    None
}

/// Error codes of Windows Update and servicing (CBS, DISM), never of licensing.
static UPDATE_ERROR: LazyLock<Folded> =
    LazyLock::new(|| rx_folded(r"(?i)\b0x(800f|8024)[0-9a-f]{4}\b"));

/// Keys that open something else ("SSH key", "API key", "BitLocker recovery key").
static OTHER_KIND_OF_KEY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(ssh|api|bitlocker|recovery|access|secret|private|public|rsa|ed25519|pgp|gpg)\s+keys?\b|\bkey\s*pairs?\b",
    )
});

/// Another product's licence or activation asked for on a Windows machine ("activate a
/// licence for Veeam on our Windows server", "the key of Acrobat on the Windows VM").
static PRODUCT_ON_WINDOWS: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(activat\w*|licen[cs]\w*|registration|register\w*|keys?|serials?)\s+(for|of)\s+(the\s+|our\s+|my\s+)?(veeam|citrix|vmware|adobe|acrobat|photoshop|autocad|autodesk|sap|oracle|sql\s+server|exchange|sharepoint|visio|symantec|sophos|kaspersky|mcafee|crowdstrike|backup\s+exec|arcserve)\b",
    )
});

/// Another product's licence on a Windows machine: that product, not Windows.
pub(super) fn product_on_windows(q: &str, ctx: Option<&Context>) -> Option<Answer> {
    (PRODUCT_ON_WINDOWS.is_match(q) && !SPECIFIC_TERMS.is_match(q))
        .then(|| decline("another product's licence", ctx))
}

/// Running what the thread gave ("do that", "run those commands", "use them").
static RUN_THAT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(do|run|execute|use|type|enter)\s+(all\s+)?(that|it|this|those|these|them|the\s+commands?|the\s+same)\b",
    )
});

/// A registry setting that switches something else ("which registry key disables SMBv1?").
static OTHER_REGISTRY_SETTING: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(registry|regedit|reg)\s+(keys?|values?|settings?|entry|entries|tweak)\b.{0,30}\b(disabl\w*|enabl\w*|turn\w*\s+(off|on)|stop\w*|prevent\w*|allow\w*|hid\w*|show\w*|block\w*)\b|\b(disabl\w*|enabl\w*|turn\w*\s+(off|on)|stop\w*|prevent\w*|hid\w*|block\w*)\b.{0,40}\b(via|with|through|in|using)\s+(the\s+)?(registry|regedit)\b",
    )
});

/// The clock or its source named ("which NTP server", "the time source", "w32tm").
static HOST_CLOCK: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(ntp|time\s+(server|source|sync\w*)|clock|w32tm|w32time|time\.windows\.com)\b",
    )
});

/// A licensing model named ("licence included", "BYOL", "bring your own licence").
static LICENCE_MODEL: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\blicen[cs]e[sd]?\s+included\b|\bbyol\b|\bbring\s+your\s+own\s+licen[cs]e\b")
});
