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
        &OTHER_RECORD_ADDED,
        &OTHER_PORT_NUMBER,
        &REMOTE_SHELL,
        &SET_IT_BACK,
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
        r"(?i)\b(pc|computer|laptop|desktop|notebook)\s+(at|in)\s+(my\s+|the\s+)?(home|house|flat|apartment)\b|\b(my|our)\s+(house|family|kids'?|son'?s|daughter'?s|wife'?s|husband'?s)\s+(pc|computer|laptop|desktop|notebook)\b",
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
    if CLOUD_NAMED.is_match(q)
        && CLOUD_PRICE.is_match(q)
        && !lower.contains("activat")
        && !windows_words.iter().any(|w| lower.contains(w))
    {
        return Some(decline("another cloud's prices", ctx));
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
    if !REMOTE_SHELL.is_match(q)
        || !(lower.contains("slmgr") || lower.contains("activat"))
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
