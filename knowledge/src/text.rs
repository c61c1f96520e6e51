//! Text normalisation shared by indexing and querying: tokens, stop words, synonyms and light stemming.

use std::collections::HashSet;
use std::sync::OnceLock;

/// Multi-word phrases rewritten to one canonical token before tokenising.
/// Longer phrases come first so that they win over their own prefixes.
const PHRASES: &[(&str, &str)] = &[
    ("generic volume license key", " gvlk "),
    ("generic volume licence key", " gvlk "),
    ("kms client setup keys", " gvlk "),
    ("kms client setup key", " gvlk "),
    ("kms client product key", " gvlk "),
    ("kms client keys", " gvlk "),
    ("kms client key", " gvlk "),
    ("client setup keys", " gvlk "),
    ("client setup key", " gvlk "),
    ("product key for kms", " gvlk "),
    ("kms product key", " gvlk "),
    ("kms host key", " csvlk "),
    ("host key", " csvlk "),
    ("kms keys", " gvlk "),
    ("kms key", " gvlk "),
    ("setup key", " gvlk "),
    ("key management services", " kms "),
    ("key management service", " kms "),
    ("key management server", " kms "),
    ("multiple activation key", " mak "),
    ("software protection", " sppsvc "),
    ("software licensing service", " sppsvc "),
    ("tcp/1688", " tcp 1688 "),
    ("time server", " timeserver "),
    ("time source", " timeserver "),
    ("ntp server", " timeserver "),
    ("data center", " datacenter "),
    ("phone number", " telephone "),
    ("by phone", " telephone "),
    ("installation id", " installationid "),
    ("install id", " installationid "),
    ("confirmation id", " confirmationid "),
    ("without any internet", " offline "),
    ("without internet", " offline "),
    ("no internet", " offline "),
    ("no outbound internet", " offline "),
    ("air-gapped", " offline "),
    ("air gapped", " offline "),
    ("bring your own license", " byol "),
    ("bring your own licence", " byol "),
    ("bring-your-own-license", " byol "),
    ("bring-your-own-licence", " byol "),
    ("service provider use rights", " spur "),
];

/// Single-word synonyms and inflections mapped to one canonical form.
fn canonical(word: &str) -> &str {
    match word {
        "activate" | "activated" | "activates" | "activating" | "activation" | "activations"
        | "activator" | "actvate" | "activaton" | "reactivate" | "reactivation" => "activ",
        "licence" | "licences" | "licenses" | "licensing" | "licensed" => "license",
        "datacentre" | "dc" => "datacenter",
        "keys" => "key",
        "phone" | "telephone" | "telephony" | "call" | "calling" => "telephone",
        "firewalls" | "fw" => "firewall",
        "ports" => "port",
        "vm" | "vms" | "instances" | "box" | "boxes" | "machine" | "machines" | "node"
        | "nodes" => "instance",
        "servers" => "server",
        "clients" => "client",
        "hosts" | "hosting" => "host",
        "sync" | "synchronise" | "synchronize" | "synchronised" | "synchronized"
        | "synchronisation" | "synchronization" | "syncing" | "resync" | "resynchronize" => "sync",
        "clock" | "clocks" | "ntp" => "time",
        "expire" | "expires" | "expired" | "expiry" | "expiration" | "expiring" => "expir",
        "renew" | "renews" | "renewal" | "renewed" | "renewing" => "renew",
        "thresholds" | "minimum" | "minimal" | "min" => "threshold",
        "errors" => "error",
        "internet" | "online" | "outbound" | "egress" => "internet",
        "ticket" | "tickets" | "support" | "helpdesk" => "support",
        "requirements" | "require" | "requires" | "required" | "prerequisite" | "prerequisites" => {
            "need"
        }
        "win" | "windows" => "windows",
        "std" | "stnd" => "standard",
        "gvlks" => "gvlk",
        "setup" | "configure" | "configuring" | "config" => "setup",
        "rules" => "rule",
        "updates" | "patch" | "hotfix" => "update",
        "check" | "checking" | "verify" | "status" => "status",
        "choose" | "choosing" | "chose" | "pick" | "picking" | "select" | "selecting"
        | "decide" | "deciding" | "choice" => "choose",
        "1" | "2" | "3" | "4" | "two" | "three" | "four" | "fewer" | "less" | "handful"
        | "small" => "few",
        "manually" | "manual" | "hand" => "manual",
        other => other,
    }
}

/// Words that carry no meaning for retrieval (English function words and chat filler).
const STOPWORDS: &str = "a an the and or but if then so of to in on at by for with from into onto about \
over under as is are was were be been being am do does did doing done have has had having can could \
should would will shall may might must i me my mine we us our you your yours he she it its they them \
their this that these those there here what which who whom whose when where why how whats hows \
not no yes please pls plz thanks thank thx hi hello hey hiya ok okay just also too very really quite \
any some all each every much many more most other another such than get gets got getting give tell \
know want wanted need needs needed like would i'm im ive i've it's dont don't doesnt doesn't cant \
can't cannot wont won't isnt isn't there's theres let lets let's one two use using used way ways \
help guys folks team anyone someone something thing things stuff able make makes making go going \
again still now currently new our ours own sure right exactly kind sort lot lots bit via per etc \
up down out off only even yet already ever both either neither";

fn stopwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| STOPWORDS.split_whitespace().collect())
}

/// True when `word` (already lower-cased) is a stop word.
pub fn is_stopword(word: &str) -> bool {
    stopwords().contains(word)
}

/// Applies the phrase synonyms to lower-cased text.
fn apply_phrases(lower: &str) -> String {
    let mut s = format!(" {lower} ");
    for (from, to) in PHRASES {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    s
}

/// Light stemmer: strips a plural `s` from longer words.
fn stem(word: &str) -> String {
    let w = canonical(word);
    if w.len() > 4
        && w.ends_with('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("is")
        && !w.chars().any(|c| c.is_ascii_digit())
    {
        let base = &w[..w.len() - 1];
        return canonical(base).to_string();
    }
    w.to_string()
}

/// Splits text into normalised tokens (lower case, synonyms applied, stemmed).
/// Stop words are kept when `keep_stopwords` is true.
pub fn tokens(text: &str, keep_stopwords: bool) -> Vec<String> {
    let lower = text.to_lowercase().replace(['\u{2019}', '\''], "");
    let phrased = apply_phrases(&lower);
    phrased
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter(|w| keep_stopwords || !is_stopword(w))
        .map(stem)
        .filter(|w| keep_stopwords || !is_stopword(w))
        .collect()
}

/// Normalised content tokens (no stop words), as a space-separated string for the index.
pub fn index_text(text: &str) -> String {
    tokens(text, false).join(" ")
}

/// Damerau-Levenshtein distance limited to small values (returns `max + 1` when larger).
pub fn edit_distance(a: &str, b: &str, max: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        let mut row_min = usize::MAX;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return max + 1;
        }
    }
    d[n][m]
}

/// Section slug used in references: lower case, non-alphanumerics collapsed to `-`.
pub fn slug(heading: &str) -> String {
    let mut out = String::new();
    for c in heading.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_and_stopwords() {
        assert_eq!(
            tokens("What is the KMS client setup key?", false),
            vec!["gvlk"]
        );
        assert_eq!(
            tokens("Key Management Service activation", false),
            vec!["kms", "activ"]
        );
        assert_eq!(tokens("Activating VMs", false), vec!["activ", "instance"]);
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("firewall", "firewal", 2), 1);
        assert_eq!(edit_distance("threshold", "thershold", 2), 1);
        assert_eq!(edit_distance("abc", "xyz", 1), 2);
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("What you need"), "what-you-need");
        assert_eq!(slug("Validity and renewal"), "validity-and-renewal");
    }
}
