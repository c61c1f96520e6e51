//! Recognises Windows editions in free text ("srv 2019 dc", "Win 10 pro", "2k8r2 std") and matches them to GVLK rows.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use crate::pattern::Regex;

use crate::text::{rx_match, Matcher};

use crate::facts::Gvlk;

/// Result of looking up an edition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditionMatch<'a> {
    /// Exactly one edition matches.
    Exact(&'a Gvlk),
    /// Several editions match; the caller should list them rather than guess.
    Ambiguous(Vec<&'a Gvlk>),
    /// No Windows edition recognised.
    Unknown,
}

/// What a piece of text says about a Windows product.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EditionQuery {
    /// Families the text points at (several when e.g. "LTSC" without a year).
    pub families: Vec<String>,
    /// Edition attributes: standard, datacenter, pro, n, azure, ...
    pub attrs: BTreeSet<&'static str>,
}

impl EditionQuery {
    /// True when nothing was recognised.
    pub fn is_empty(&self) -> bool {
        self.families.is_empty() && self.attrs.is_empty()
    }
}

/// Edition attribute of one lower-case word, if any.
fn attr_of(word: &str) -> Option<&'static str> {
    Some(match word {
        "standard" | "std" | "stnd" | "stand" | "standart" | "stdandard" | "standad"
        | "stanard" => "standard",
        "datacenter" | "datacentre" | "dc" | "dtc" | "datacenters" | "datacanter" | "datcenter"
        | "datacentr" | "datacener" => "datacenter",
        "essentials" | "essential" | "ess" | "essentails" | "essencials" => "essentials",
        "web" => "web",
        "hpc" => "hpc",
        "enterprise" | "ent" | "entreprise" | "enterprize" | "enterpise" => "enterprise",
        "pro" | "professional" | "prof" | "proffesional" | "profesional" => "pro",
        "education" | "edu" | "educational" => "education",
        "business" => "business",
        "multipoint" => "multipoint",
        "premium" => "premium",
        "itanium" | "ia64" => "itanium",
        "azure" => "azure",
        "workstation" | "workstations" | "wks" => "workstations",
        _ => return None,
    })
}

/// Words after which a lone `n`, `g` or `e` is an edition suffix.
fn takes_suffix(attr: &str) -> bool {
    matches!(
        attr,
        "pro" | "enterprise" | "education" | "workstations" | "business" | "g"
    )
}

/// Edition attributes mentioned in `lower` (lower-case text).
pub fn attributes(lower: &str) -> BTreeSet<&'static str> {
    static NOHV: LazyLock<Matcher> =
        LazyLock::new(|| rx_match(r"(without|w/o|no|sans)[\s-]*hyper[\s-]*v"));
    static MP: LazyLock<Matcher> = LazyLock::new(|| rx_match(r"compute\s+cluster"));
    let mut set = BTreeSet::new();
    let text = edition_ids(lower)
        .replace("data center", "datacenter")
        .replace("multi point", "multipoint");
    if NOHV.is_match(&text) {
        set.insert("nohyperv");
    }
    if MP.is_match(&text) {
        set.insert("hpc");
    }
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut prev: Option<&'static str> = None;
    for (i, &w) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        // "the standard port", "standard output", "enterprise agreement": not editions.
        let not_edition = match w {
            "standard" | "std" => matches!(
                next,
                "port"
                    | "ports"
                    | "output"
                    | "way"
                    | "user"
                    | "users"
                    | "procedure"
                    | "steps"
                    | "time"
                    | "setup"
                    | "config"
                    | "configuration"
                    | "settings"
            ),
            "enterprise" | "ent" => matches!(next, "agreement" | "agreements" | "customer"),
            // "the Azure marketplace images", "moved from Azure": the cloud, not Azure Edition.
            "azure" => {
                let before = if i > 0 { words[i - 1] } else { "" };
                next != "edition"
                    && !matches!(before, "datacenter" | "dc")
                    && (matches!(before, "from" | "on" | "in" | "to" | "at" | "via" | "like")
                        || matches!(
                            next,
                            "marketplace"
                                | "image"
                                | "images"
                                | "portal"
                                | "subscription"
                                | "subscriptions"
                                | "tenant"
                                | "vm"
                                | "vms"
                                | "ad"
                                | "arc"
                                | "cloud"
                                | "account"
                        ))
            }
            // "the tutoring side of the business", "a small business owner": the firm, not
            // Windows Vista Business.
            "business" => {
                let before = if i > 0 { words[i - 1] } else { "" };
                matches!(
                    before,
                    "the"
                        | "our"
                        | "my"
                        | "your"
                        | "their"
                        | "a"
                        | "small"
                        | "family"
                        | "whole"
                        | "this"
                        | "of"
                        | "local"
                        | "own"
                ) || matches!(
                    next,
                    "owner" | "owners" | "hours" | "day" | "days" | "side" | "critical" | "needs"
                )
            }
            // "from my workstation": a machine; the edition is "Pro for Workstations".
            "workstation" | "workstations" => {
                let before = if i > 0 { words[i - 1] } else { "" };
                let named = matches!(before, "for" | "pro" | "professional" | "prof" | "n")
                    // "and workstations?", "what about the workstations one?" in a thread.
                    || (matches!(before, "and" | "about" | "the")
                        && matches!(next, "" | "one" | "edition" | "key" | "gvlk"));
                !named
            }
            // "what does GVLK stand for?", "stand up a KMS host": the verb.
            "stand" => matches!(next, "for" | "up" | "by" | "alone"),
            // "our office datacenter": a place.
            "datacenter" | "datacentre" | "datacenters" => {
                let before = if i > 0 { words[i - 1] } else { "" };
                matches!(
                    before,
                    "our"
                        | "office"
                        | "own"
                        | "company"
                        | "corporate"
                        | "premises"
                        | "onprem"
                        | "private"
                        | "local"
                        | "colo"
                        | "main"
                        | "primary"
                        | "secondary"
                ) || matches!(next, "network" | "firewall" | "location" | "site")
            }
            _ => false,
        };
        if not_edition {
            prev = None;
            continue;
        }
        if let Some(a) = attr_of(w) {
            set.insert(a);
            prev = Some(a);
            continue;
        }
        // "the N version", "an N edition", "version N": the N variant named on its own.
        let before = if i > 0 { words[i - 1] } else { "" };
        // "N?", "and the N one?" in a thread: nothing else to be.
        let only_n = || {
            words.iter().all(|x| {
                matches!(
                    *x,
                    "n" | "and" | "the" | "what" | "about" | "how" | "or" | "one" | "also"
                )
            })
        };
        if w == "n"
            && (only_n()
                || matches!(
                    next,
                    "version" | "versions" | "edition" | "editions" | "variant" | "sku"
                )
                || matches!(before, "version" | "edition" | "variant" | "sku"))
        {
            set.insert("n");
            prev = Some("n");
            continue;
        }
        // "and G N?", "G?" in a thread: the G edition named on its own.
        if w == "g"
            && words.iter().all(|x| {
                matches!(
                    *x,
                    "g" | "n" | "and" | "the" | "what" | "about" | "how" | "or" | "one" | "also"
                )
            })
        {
            set.insert("g");
            prev = Some("g");
            continue;
        }
        // "LTSB 2016 N", "LTSC N": the N variant written after the channel or its year.
        let ltsc_text = words.iter().any(|x| matches!(*x, "ltsc" | "ltsb"));
        // ("N/A" in pasted output is no N.)
        if w == "n"
            && ltsc_text
            && next != "a"
            && (matches!(before, "ltsc" | "ltsb")
                || matches!(before, "2015" | "2016" | "2019" | "2021" | "2024"))
        {
            set.insert("n");
            prev = Some("n");
            continue;
        }
        if matches!(w, "n" | "g" | "e") && prev.is_some_and(takes_suffix) {
            let a = match w {
                "n" => "n",
                "g" => "g",
                _ => "e",
            };
            set.insert(a);
            prev = Some(a);
            continue;
        }
        prev = None;
    }
    set
}

/// Spells out the edition IDs Windows itself prints (`EditionID` in the registry,
/// `Get-ComputerInfo`, `DISM /Get-CurrentEdition`: "EnterpriseS", "ServerStandard",
/// "ProfessionalWorkstation") as the words of the edition's name.
fn edition_ids(lower: &str) -> String {
    // "EnterpriseS" is also the plural of "enterprise": only as an ID next to an edition word.
    let id_context = [
        "edition", "sku", "registry", "winver", "build", "dism", "=", ":", "1507", "1607", "1809",
        "21h2", "24h2", "ltsc", "ltsb",
    ]
    .iter()
    .any(|w| lower.contains(w));
    let words: Vec<String> = lower
        .split(' ')
        .map(|raw| {
            let w = raw.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            let spelled = match w {
                "enterprises" if id_context => "enterprise ltsc",
                "enterprisesn" => "enterprise n ltsc",
                "iotenterprises" => "iot enterprise ltsc",
                "iotenterprise" => "iot enterprise",
                "enterprisen" => "enterprise n",
                "enterpriseg" => "enterprise g",
                "enterprisegn" => "enterprise g n",
                "professionaln" => "pro n",
                "professionalworkstation" => "pro for workstations",
                "professionalworkstationn" => "pro for workstations n",
                "professionaleducation" => "pro education",
                "professionaleducationn" => "pro education n",
                "educationn" => "education n",
                "serverstandard" | "serverstandardcor" => "server standard",
                "serverdatacenter" | "serverdatacentercor" => "server datacenter",
                "serverstandardeval" | "serverstandardevalcor" => "server standard evaluation",
                "serverdatacentereval" | "serverdatacenterevalcor" => {
                    "server datacenter evaluation"
                }
                "serverturbine" | "serverturbinecor" => "server datacenter azure edition",
                "serversolution" => "server essentials",
                _ => return raw.to_string(),
            };
            raw.replace(w, spelled)
        })
        .collect();
    words.join(" ")
}

/// The Windows build numbers the edition code knows (group 1), with an optional `10.0.` before
/// and revision after ("10.0.20348.2227"): one pattern for reading and for naming releases.
fn build_number() -> &'static Regex {
    // The numbers are those of `data/builds.toml` (digits only: `kb check` and the table's
    // tests see to that), so they need no escaping.
    static BUILD: LazyLock<Regex> = LazyLock::new(|| {
        let numbers: Vec<&str> = crate::facts::builds()
            .iter()
            .map(|b| b.build.as_str())
            .collect();
        crate::text::rx(&format!(
            r"(?:\b10\.0\.)?\b({})(?:\.[0-9]+)?\b",
            numbers.join("|")
        ))
    });
    &BUILD
}

/// Replaces a Windows build number ("build 17763", "10.0.20348.2227") with the release it
/// belongs to, read with the rest of the message: a server word makes 17763 Windows Server
/// 2019, "LTSC" makes it Windows 10 LTSC 2019, a client word Windows 10. A build shared by a
/// server and a client release stays as it is when nothing says which.
fn build_numbers(text: &str) -> String {
    let text = &ltsc_versions(text);
    let build = build_number();
    if !build.is_match(text) {
        return text.to_string();
    }
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |list: &[&str]| words.iter().any(|w| list.contains(w));
    let server = has(&[
        "server",
        "srv",
        "standard",
        "std",
        "datacenter",
        "datacentre",
        "dc",
        "essentials",
    ]);
    let ltsc = has(&["ltsc", "ltsb"]);
    let client = has(&[
        "pro",
        "professional",
        "enterprise",
        "ent",
        "education",
        "home",
        "workstations",
        "client",
        "desktop",
        "laptop",
    ]) || text.contains("windows 1")
        || text.contains("win 1")
        || text.contains("win1");
    let build_word = has(&["build", "winver", "version", "os"]) || text.contains("10.0.");
    build
        .replace_all(text, |c: &crate::pattern::Captures<'_>| {
            let whole = c.get(0).map_or("", |m| m.as_str());
            let b = c.get(1).map_or("", |m| m.as_str());
            // A four-digit number is a build only when the message says so.
            if b.len() == 4 && !build_word {
                return whole.to_string();
            }
            let row = crate::facts::builds().iter().find(|r| r.build == b);
            let named =
                |f: fn(&crate::facts::BuildRow) -> &str| row.map(f).filter(|n| !n.is_empty());
            let (srv, cli, lts) = (
                named(|r| r.server.as_str()),
                named(|r| r.client.as_str()),
                named(|r| r.ltsc.as_str()),
            );
            let pick = if ltsc && lts.is_some() {
                lts
            } else if server && srv.is_some() {
                srv
            } else if client && cli.is_some() {
                cli
            } else if srv.is_none() || cli.is_none() {
                srv.or(cli)
            } else {
                None
            };
            match pick {
                Some(name) => format!(" {name} "),
                None => whole.to_string(),
            }
        })
        .into_owned()
}

/// The feature version of an LTSC/LTSB release ("LTSC 21H2", "EnterpriseS 1809") as its year.
fn ltsc_versions(text: &str) -> String {
    static VERSION: LazyLock<Regex> =
        LazyLock::new(|| crate::text::rx(r"\b(1507|1607|1809|21h2|24h2)\b"));
    let ltsc = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| matches!(w, "ltsc" | "ltsb"));
    if !ltsc || text.contains("server") {
        return text.to_string();
    }
    VERSION
        .replace_all(text, |c: &crate::pattern::Captures<'_>| {
            match c.get(1).map_or("", |m| m.as_str()) {
                "1507" => " windows 10 ltsb 2015 ",
                "1607" => " windows 10 ltsb 2016 ",
                "1809" => " windows 10 ltsc 2019 ",
                "21h2" => " windows 10 ltsc 2021 ",
                _ => " windows 11 ltsc 2024 ",
            }
            .to_string()
        })
        .into_owned()
}

/// The releases a Windows build number in `lower` belongs to ("build 17763": Windows Server
/// 2019 and Windows 10 1809), with the number; `None` without a known build number.
pub fn build_releases(lower: &str) -> Option<(String, Vec<&'static str>)> {
    let b = build_number().captures(lower)?.get(1)?.as_str();
    if b.len() == 4 && !lower.contains("build") {
        return None;
    }
    let names: Vec<&'static str> = crate::facts::builds()
        .iter()
        .find(|r| r.build == b)?
        .releases
        .iter()
        .map(String::as_str)
        .collect();
    Some((b.to_string(), names))
}

/// The edition of pasted licensing output: its `Name:` line ("Windows(R), ServerDatacenter
/// edition") or DISM's edition ID ("ServerDatacenterEval") read with a build number printed
/// beside it ("Software licensing service version: 10.0.14393.0", "Image Version:
/// 10.0.20348.1") or else the one release the message names. Without either, a client edition
/// is taken as Windows 10/11 (their KMS client keys are the same); a server edition needs one.
/// Only an exact match is returned; an evaluation edition gives the full edition it converts to.
pub fn from_output<'a>(gvlks: &'a [Gvlk], name_line: &str, text: &str) -> Option<&'a Gvlk> {
    let lower = name_line
        .to_lowercase()
        .trim_end_matches([',', '.', ';', ' '])
        .to_string();
    let last = lower.rsplit(',').next()?.trim();
    let id = last
        .strip_suffix("edition")
        .unwrap_or(last)
        .trim()
        .to_string();
    if id.is_empty() || id.contains(' ') {
        return None;
    }
    let spelled = edition_ids(&format!("edition {id}")).replace(" evaluation", "");
    let words = spelled.trim_start_matches("edition").trim().to_string();
    let is_server = words.starts_with("server");
    let build = build_number()
        .captures(&text.to_lowercase())
        .and_then(|c| c.get(1).map(|m| m.as_str().to_string()));
    // Without a build, one release named in the message ("It's Windows Server 2022").
    let named = families(&text.to_lowercase());
    let query = match (build, named.as_slice()) {
        (Some(b), _) => spell_out(&format!("{words} build {b}")),
        (None, [family]) => format!("{} {words}", family.to_lowercase()),
        (None, _) if is_server => return None,
        (None, _) => format!("windows 10 {words}"),
    };
    match lookup(gvlks, &parse(&query)) {
        EditionMatch::Exact(g) => Some(g),
        _ => None,
    }
}

/// Edition IDs and build numbers in `lower` spelled out as edition and release names, for
/// reading the whole message before it is cut into one part per edition.
pub fn spell_out(lower: &str) -> String {
    build_numbers(&edition_ids(lower))
}

/// Recognises the product family (or families) named in `lower`.
pub fn families(lower: &str) -> Vec<String> {
    static SERVER: LazyLock<Regex> = LazyLock::new(|| {
        crate::text::rx(
            r"(?:^|[^0-9a-z]|ws|s|srv|server|w|win|k)(?:20|2k)(0?8|12|16|19|22|25)(?:\s*-?\s*(r2))?(?:[^0-9]|$)",
        )
    });
    static CLIENT: LazyLock<Regex> = LazyLock::new(|| {
        crate::text::rx(
            r"(?:\bwindows|\bwin|\bw)\s*-?\s*(11|10|8\.1|81|8|7)(?:[^0-9.]|$)|\b(vista)\b",
        )
    });
    static LTSC: LazyLock<Matcher> = LazyLock::new(|| rx_match(r"\b(ltsc|ltsb|long[\s-]*term)"));
    static YEAR: LazyLock<Regex> =
        LazyLock::new(|| crate::text::rx(r"(?:^|[^0-9])(20(?:15|16|19|21|24))(?:[^0-9]|$)"));
    static SAC: LazyLock<Regex> =
        LazyLock::new(|| crate::text::rx(r"\b(20h2|2004|1909|1903|1809|1803|1709)\b"));
    // Two-digit years after a server word ("srv22", "server 19", "svr2016"), unless a number
    // of things follows ("server 16 cores").
    static SHORT_YEAR: LazyLock<Regex> = LazyLock::new(|| {
        crate::text::rx(
            r"\b(?:srv|svr|server|ws)\s*-?\s*(?:20)?(08|12|16|19|22|25)\b(\s*(?:cores?|gb|vcpus?|cpus?|users?|vms?|machines?|instances?|servers?|clients?|days?|hours?|minutes?)\b)?",
        )
    });
    // Two-digit years after LTSC or LTSB ("ltsc21", "ltsb 16"): the release of that year.
    static SHORT_LTSC_YEAR: LazyLock<Regex> =
        LazyLock::new(|| crate::text::rx(r"\b(lts[cb])\s*-?\s*(15|16|19|21|24)\b"));
    let text = edition_ids(lower).replace(['\u{2019}', '\''], "");
    let text = build_numbers(&text);
    let text = SHORT_LTSC_YEAR
        .replace_all(&text, |c: &crate::pattern::Captures<'_>| {
            let kind = c.get(1).map_or("", |m| m.as_str());
            let year = c.get(2).map_or("", |m| m.as_str());
            format!("{kind} 20{year}")
        })
        .into_owned();
    let text = SHORT_YEAR
        .replace_all(&text, |c: &crate::pattern::Captures<'_>| {
            let whole = c.get(0).map_or("", |m| m.as_str());
            match (c.get(1), c.get(2)) {
                (Some(y), None) => format!("server 20{} ", y.as_str()),
                _ => whole.to_string(),
            }
        })
        .into_owned();
    let server_word = text.contains("server") || text.contains("srv") || text.contains("ws20");
    let is_ltsc = !server_word && LTSC.is_match(&text);
    let iot = text.contains("iot");
    let client = CLIENT
        .captures(&text)
        .and_then(|c| c.get(1).or_else(|| c.get(2)))
        .map(|m| m.as_str().to_string());
    let years: Vec<String> = YEAR
        .captures_iter(&text)
        .filter_map(|c| c.get(1).map(|m| m.as_str().to_string()))
        .collect();
    if iot {
        let all = ["Windows IoT LTSC 2024", "Windows IoT LTSC 2021"];
        let picked: Vec<String> = all
            .iter()
            .filter(|f| years.iter().any(|y| f.ends_with(y.as_str())))
            .map(|f| f.to_string())
            .collect();
        return if picked.is_empty() {
            all.iter().map(|s| s.to_string()).collect()
        } else {
            picked
        };
    }
    if is_ltsc {
        let all = [
            "Windows 11 LTSC 2024",
            "Windows 10 LTSC 2021",
            "Windows 10 LTSC 2019",
            "Windows 10 LTSB 2016",
            "Windows 10 LTSB 2015",
        ];
        let picked: Vec<String> = all
            .iter()
            .filter(|f| years.is_empty() || years.iter().any(|y| f.ends_with(y.as_str())))
            .filter(|f| match client.as_deref() {
                Some(v) => f.starts_with(&format!("Windows {v} ")),
                None => true,
            })
            .map(|f| f.to_string())
            .collect();
        if !picked.is_empty() {
            return picked;
        }
    }
    if let Some(v) = client {
        let v = if v == "81" { "8.1".to_string() } else { v };
        return vec![if v == "vista" {
            "Windows Vista".to_string()
        } else {
            format!("Windows {v}")
        }];
    }
    if let Some(c) = SAC.captures(&text) {
        let v = c.get(1).map(|m| m.as_str()).unwrap_or("");
        return vec![match v {
            "1803" => "Windows Server, version 1803".to_string(),
            "1709" => "Windows Server, version 1709".to_string(),
            _ => "Windows Server, versions 20H2, 2004, 1909, 1903, and 1809".to_string(),
        }];
    }
    if text.contains("semi-annual")
        || text.contains("semi annual")
        || SAC.is_match(&text)
        || text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == "sac")
    {
        return vec![
            "Windows Server, versions 20H2, 2004, 1909, 1903, and 1809".to_string(),
            "Windows Server, version 1803".to_string(),
            "Windows Server, version 1709".to_string(),
        ];
    }
    let server = &*SERVER;
    if let Some(c) = server.captures(&text) {
        let y = c.get(1).map(|m| m.as_str()).unwrap_or("");
        let r2 = c.get(2).is_some();
        let year = match y {
            "8" | "08" => "2008",
            "12" => "2012",
            "16" => "2016",
            "19" => "2019",
            "22" => "2022",
            _ => "2025",
        };
        let fam = if r2 && (year == "2008" || year == "2012") {
            format!("Windows Server {year} R2")
        } else {
            format!("Windows Server {year}")
        };
        return vec![fam];
    }
    Vec::new()
}

/// Parses the edition-related parts of `text`.
pub fn parse(text: &str) -> EditionQuery {
    let lower = text.to_lowercase();
    EditionQuery {
        families: families(&lower),
        attrs: attributes(&lower),
    }
}

/// Matches a parsed query against the GVLK table.
///
/// Among rows of the named families whose attributes include every attribute asked for,
/// the ones with the fewest extra attributes win; one winner is `Exact`, several are
/// `Ambiguous`. A query with attributes but no family matches across all families.
pub fn lookup<'a>(gvlks: &'a [Gvlk], q: &EditionQuery) -> EditionMatch<'a> {
    if q.is_empty() {
        return EditionMatch::Unknown;
    }
    let cands: Vec<(&Gvlk, usize)> = gvlks
        .iter()
        .filter(|g| q.families.is_empty() || q.families.contains(&g.family))
        .filter_map(|g| {
            let a = attributes(&g.edition.to_lowercase());
            if q.attrs.is_subset(&a) {
                Some((g, a.len() - q.attrs.len()))
            } else {
                None
            }
        })
        .collect();
    let Some(best) = cands.iter().map(|(_, extra)| *extra).min() else {
        return EditionMatch::Unknown;
    };
    let winners: Vec<&Gvlk> = cands
        .iter()
        .filter(|(_, e)| *e == best)
        .map(|(g, _)| *g)
        .collect();
    if q.families.is_empty() && q.attrs.is_empty() {
        return EditionMatch::Unknown;
    }
    match winners.as_slice() {
        [one] if !q.families.is_empty() => EditionMatch::Exact(one),
        [] => EditionMatch::Unknown,
        _ => {
            // With no family named, list every row with the asked attributes.
            if q.families.is_empty() {
                EditionMatch::Ambiguous(
                    cands
                        .iter()
                        .filter(|(_, e)| *e == best)
                        .map(|(g, _)| *g)
                        .collect(),
                )
            } else {
                EditionMatch::Ambiguous(cands.iter().map(|(g, _)| *g).collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Tables;

    fn key(text: &str) -> Option<String> {
        let t = Tables::builtin().expect("tables");
        match lookup(&t.gvlks, &parse(text)) {
            EditionMatch::Exact(g) => Some(g.edition.clone()),
            _ => None,
        }
    }

    #[test]
    fn spellings() {
        let cases = [
            ("srv 2019 dc", "Windows Server 2019 Datacenter"),
            ("srv22 dc", "Windows Server 2022 Datacenter"),
            ("server 22 datacenter", "Windows Server 2022 Datacenter"),
            ("svr2016 standard", "Windows Server 2016 Standard"),
            ("2k19 datacenter", "Windows Server 2019 Datacenter"),
            ("server 2008r2 std", "Windows Server 2008 R2 Standard"),
            ("Win 10 pro", "Windows 10 Pro"),
            (
                "windows server 2022 standard",
                "Windows Server 2022 Standard",
            ),
            ("ws2016 essentials", "Windows Server 2016 Essentials"),
            ("w2k12r2 datacentre", "Windows Server 2012 R2 Datacenter"),
            (
                "2022 azure edition",
                "Windows Server 2022 Datacenter: Azure Edition",
            ),
            ("win10 ltsc 2019", "Windows 10 Enterprise LTSC 2019"),
            (
                "windows 11 pro for workstations",
                "Windows 11 Pro for Workstations",
            ),
            ("Windows 7 Professional N", "Windows 7 Professional N"),
            (
                "server 2008 enterprise without hyper-v",
                "Windows Server 2008 Enterprise without Hyper-V",
            ),
            ("windows 8.1 enterprise", "Windows 8.1 Enterprise"),
        ];
        for (q, want) in cases {
            assert_eq!(key(q).as_deref(), Some(want), "{q}");
        }
    }

    #[test]
    fn ambiguous() {
        let t = Tables::builtin().expect("tables");
        for q in ["server 2019 key", "windows 10 key", "2012 r2"] {
            assert!(
                matches!(lookup(&t.gvlks, &parse(q)), EditionMatch::Ambiguous(_)),
                "{q}"
            );
        }
        assert_eq!(
            lookup(&t.gvlks, &parse("what is the weather")),
            EditionMatch::Unknown
        );
    }
}
