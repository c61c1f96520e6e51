//! Understanding activation requests in chat: "activate web-01 and web-02 using kms kms.corp.example".
//!
//! Every value is checked against a strict pattern here, before anything is stored or sent: a
//! request with anything else in it (`web-01 & del`, a host with `;` or quotes) is refused whole.

use crate::errors::UserError;
use crate::validate;
use knowledge::pattern::Regex;
use std::sync::LazyLock;

/// How to activate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// Through a KMS host; `None` means the configured `[kms]` host.
    Kms(Option<(String, Option<u16>)>),
    /// Online with Microsoft (needs internet access).
    Online,
    /// Turn the instance into a KMS host.
    KmsHost,
}

/// A parsed activation request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationRequest {
    /// Instance names, as typed (validated as names), or `tag:T` for every instance tagged T.
    pub instances: Vec<String>,
    /// The method.
    pub method: Method,
}

static ACTIVATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^\s*(?:(?:please|pls|kmsbot,?|can you|could you)\s+)*(?:activate|re-?activate)\s+(?P<rest>.+?)\s*[.!?]?\s*$")
        .expect("static regex")
});
static KMS_HOST_SETUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^\s*(?:please\s+)?(?:make|turn|set\s*up|setup|configure|convert)\s+(?P<name>\S+)\s+(?:into\s+|as\s+)?(?:a\s+|the\s+)?kms\s+host\s*[.!?]?\s*$")
        .expect("static regex")
});
static KMS_HOST_SETUP_ON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^\s*(?:please\s+)?(?:set\s*up|setup|configure|install)\s+(?:a\s+|the\s+)?kms\s+host\s+on\s+(?P<name>\S+)\s*[.!?]?\s*$")
        .expect("static regex")
});
static METHOD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^(?P<names>.*?)\s+(?:(?:using|via|with|through|by|over)\s+)?(?:(?P<kms>kms)(?:\s+(?:host|server))?(?:\s+(?:at\s+)?(?P<host>\S+))?|(?P<online>online)|(?P<phone>(?:tele)?phone))\s*$")
        .expect("static regex")
});

fn example() -> &'static str {
    "activate web-01 and web-02 using kms kms.corp.example"
}

/// Words around instance names that are not names ("activate my server web-01", "can you
/// activate our vms"): a request of only these is a question for the knowledge base.
const NOT_NAMES: &[&str] = &[
    "and",
    "my",
    "our",
    "the",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "all",
    "every",
    "server",
    "servers",
    "vm",
    "vms",
    "instance",
    "instances",
    "machine",
    "machines",
    "box",
    "boxes",
    "them",
    "me",
    "for",
    "please",
    "pls",
    "now",
];

fn split_names(s: &str) -> Vec<String> {
    s.split(|c: char| c == ',' || c.is_whitespace())
        .map(str::trim)
        .filter(|w| !w.is_empty() && !NOT_NAMES.iter().any(|n| w.eq_ignore_ascii_case(n)))
        .map(str::to_string)
        .collect()
}

fn check_names(names: &[String]) -> Result<(), UserError> {
    if names.is_empty() {
        return Err(UserError::new(
            "Which instance should I activate?",
            example(),
        ));
    }
    for n in names {
        let tag = n
            .split_once(':')
            .filter(|(t, _)| t.eq_ignore_ascii_case("tag"))
            .map(|(_, tag)| tag);
        if tag.is_some_and(validate::tag) {
            continue;
        }
        if !validate::instance_name(n) {
            return Err(UserError::new(
                format!("`{}` is not an instance name (names are letters, digits and `-`); I refused the whole request and ran nothing.", n.replace('`', "'")),
                example(),
            ));
        }
    }
    Ok(())
}

fn parse_host(raw: &str) -> Result<(String, Option<u16>), UserError> {
    let bad = || {
        UserError::new(
            format!("`{}` is not a KMS host: give a host name or IP address, optionally with `:PORT`; I refused the whole request and ran nothing.", raw.replace('`', "'")),
            "activate web-03 via kms 10.0.0.5:1688",
        )
    };
    // [v6]:port, v6, host:port, host
    if let Some(rest) = raw.strip_prefix('[') {
        let (addr, tail) = rest.split_once(']').ok_or_else(bad)?;
        if !addr.contains(':') || !validate::host(addr) {
            return Err(bad());
        }
        let port = match tail.strip_prefix(':') {
            Some(p) => Some(validate::port(p).ok_or_else(bad)?),
            None if tail.is_empty() => None,
            None => return Err(bad()),
        };
        return Ok((addr.to_string(), port));
    }
    if raw.matches(':').count() > 1 {
        return if validate::host(raw) {
            Ok((raw.to_string(), None))
        } else {
            Err(bad())
        };
    }
    let (host, port) = match raw.split_once(':') {
        Some((h, p)) => (h, Some(validate::port(p).ok_or_else(bad)?)),
        None => (raw, None),
    };
    if !validate::host(host) {
        return Err(bad());
    }
    Ok((host.to_string(), port))
}

/// Compiles the patterns [`parse`] tries on every chat message, for the warm-up thread `kmsbot
/// chat` starts first thing.
pub fn warm_up() {
    for p in [&KMS_HOST_SETUP, &KMS_HOST_SETUP_ON, &ACTIVATE, &METHOD] {
        LazyLock::force(p);
    }
}

/// Parses an activation request. `None`: not one; `Some(Err)`: one, but unusable as written.
pub fn parse(text: &str) -> Option<Result<ActivationRequest, UserError>> {
    for re in [&*KMS_HOST_SETUP, &*KMS_HOST_SETUP_ON] {
        if let Some(c) = re.captures(text) {
            let name = c["name"].trim_end_matches(['.', '!', '?']).to_string();
            return Some(
                check_names(std::slice::from_ref(&name)).map(|_| ActivationRequest {
                    instances: vec![name],
                    method: Method::KmsHost,
                }),
            );
        }
    }
    let caps = ACTIVATE.captures(text)?;
    let rest = caps["rest"].trim();
    // "activate windows", "activate it" are questions for the knowledge base, not jobs.
    let lowered = rest.to_ascii_lowercase();
    if [
        "windows",
        "my windows",
        "it",
        "windows server",
        "a windows",
        "this",
        "the instance",
    ]
    .iter()
    .any(|w| lowered == *w || lowered.starts_with(&format!("{w} ")))
        || lowered.starts_with("windows ")
    {
        return None;
    }
    let (names, method) = match METHOD.captures(rest) {
        Some(m) => {
            let names = m.name("names").map_or("", |x| x.as_str());
            let method = if m.name("online").is_some() {
                Method::Online
            } else if m.name("phone").is_some() {
                return Some(Err(UserError::new(
                    "Telephone activation needs a person on the instance's console to read the installation id (`slmgr /dti`) to Microsoft and type the confirmation id back (`slmgr /atp`); I can't do that for you. Ask me \"how do I activate by phone?\" for the steps.",
                    "activate web-04 online",
                )));
            } else {
                match m.name("host") {
                    Some(h) => match parse_host(h.as_str()) {
                        Ok(hp) => Method::Kms(Some(hp)),
                        Err(e) => return Some(Err(e)),
                    },
                    None => Method::Kms(None),
                }
            };
            (names.to_string(), method)
        }
        None => (rest.to_string(), Method::Kms(None)),
    };
    let names = split_names(&names);
    if names.is_empty() && !rest.trim().is_empty() {
        // "can you activate my server": no name in it, so a question.
        return None;
    }
    Some(check_names(&names).map(|_| ActivationRequest {
        instances: names,
        method,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> ActivationRequest {
        match parse(text) {
            Some(Ok(r)) => r,
            other => panic!("{text}: {other:?}"),
        }
    }

    fn refused(text: &str) -> String {
        match parse(text) {
            Some(Err(e)) => e.to_string(),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn requests() {
        let r = ok("activate web-01");
        assert_eq!(r.instances, vec!["web-01"]);
        assert_eq!(r.method, Method::Kms(None));
        let r = ok("activate web-01 and web-02 using kms kms.corp.example");
        assert_eq!(r.instances, vec!["web-01", "web-02"]);
        assert_eq!(
            r.method,
            Method::Kms(Some(("kms.corp.example".into(), None)))
        );
        let r = ok("activate web-03 via kms 10.0.0.5:1688");
        assert_eq!(r.method, Method::Kms(Some(("10.0.0.5".into(), Some(1688)))));
        let r = ok("activate web-04 online");
        assert_eq!(r.method, Method::Online);
        let r = ok("please activate web-01, web-02 with kms [2001:db8::5]:1689");
        assert_eq!(
            r.method,
            Method::Kms(Some(("2001:db8::5".into(), Some(1689))))
        );
        let r = ok("make kms-01 a kms host");
        assert_eq!(r.method, Method::KmsHost);
        let r = ok("set up kms host on kms-01");
        assert_eq!(r.instances, vec!["kms-01"]);
        let r = ok("activate tag:web and db-01");
        assert_eq!(r.instances, vec!["tag:web", "db-01"]);
        assert!(refused("activate tag:we;b").contains("not an instance name"));
        let r = ok("Activate WEB-01.");
        assert_eq!(r.instances, vec!["WEB-01"]);
    }

    #[test]
    fn injection_is_refused_before_anything_happens() {
        assert!(refused("activate web-01 & del").contains("`&`"));
        assert!(refused("activate web-01 && calc").contains("`&&` is not an instance name"));
        assert!(refused("activate web-01;shutdown").contains("not an instance name"));
        assert!(
            refused("activate web-01 using kms kms.corp.example;calc").contains("not a KMS host")
        );
        assert!(refused("activate web-01 via kms \"kms\"").contains("not a KMS host"));
        assert!(refused("activate web-01 via kms 'kms'").contains("not a KMS host"));
        assert!(refused("activate web-01 via kms kms:99999").contains("not a KMS host"));
        assert!(refused("activate web-01 via kms %COMSPEC%").contains("not a KMS host"));
        assert!(refused("activate web-01 by phone").contains("slmgr /dti"));
    }

    #[test]
    fn questions_are_not_requests() {
        assert_eq!(parse("how do I activate windows server 2019?"), None);
        assert_eq!(parse("activate windows"), None);
        assert_eq!(
            parse("activate windows server 2019 datacenter with kms"),
            None
        );
        assert_eq!(parse("what is kms"), None);
        assert_eq!(parse("can you activate my server"), None);
        assert_eq!(parse("please activate our vms for me"), None);
    }

    #[test]
    fn words_around_names_are_not_names() {
        let r = ok("can you activate my server web-01 please");
        assert_eq!(r.instances, vec!["web-01"]);
        let r = ok("activate the vms web-01 and web-02");
        assert_eq!(r.instances, vec!["web-01", "web-02"]);
    }
}
