//! Names in requests: what counts as a host name or an instance-like name, and the problem
//! reported for an instance that is not known. Used by both the parser and the checks.

use std::sync::LazyLock;

use knowledge::pattern::Regex;

use super::request::{Field, Problem};

/// A regex from a pattern that is part of the program (the tickets modules' one helper; every
/// pattern is compiled once, into a `LazyLock` static). It matches on bytes with Unicode off, as
/// the knowledge base's patterns do: about a fifth of the compile time of a `regex::Regex`,
/// which the first message pays (the requests are matched lower-cased, and `\b`, `\s`, `\d`
/// are ASCII's).
pub(super) fn re(pattern: &str) -> Regex {
    match Regex::new(pattern) {
        Ok(re) => re,
        // The patterns are literals in these modules, covered by their tests.
        Err(e) => panic!("static regex is valid: {e}"),
    }
}

static INSTANCE_LIKE: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)+$"));
static HOST_LABEL: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"));

/// A fully-qualified host name: at least two labels, the last one alphabetic.
pub(crate) fn is_hostname(t: &str) -> bool {
    let labels: Vec<&str> = t.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| HOST_LABEL.is_match(l))
        && labels
            .last()
            .is_some_and(|l| l.len() >= 2 && l.chars().all(|c| c.is_ascii_alphabetic()))
}

/// Looks like an instance name: `web-01`, `win-app-02` (a hyphen/underscore and a digit).
pub(crate) fn is_instance_like(t: &str) -> bool {
    INSTANCE_LIKE.is_match(t) && t.chars().any(|c| c.is_ascii_digit())
}

/// The problem for an instance-like name that is not in `known`.
pub(crate) fn unknown_instance_problem(field: Field, name: &str, known: &[String]) -> Problem {
    let listed = if known.is_empty() {
        "no instances are configured".to_string()
    } else {
        let mut shown: Vec<&str> = known.iter().take(6).map(String::as_str).collect();
        if known.len() > 6 {
            shown.push("…");
        }
        format!("known instances: {}", shown.join(", "))
    };
    let example = known.first().cloned().unwrap_or_else(|| {
        if field == Field::Instances {
            "10.0.0.12".to_string()
        } else {
            "kms.corp.example".to_string()
        }
    });
    let instead = if field == Field::Instances {
        "use a known instance, its IP address or its fully-qualified host name"
    } else {
        "use a known instance, an IP/CIDR or a fully-qualified host name"
    };
    Problem::new(
        field,
        format!("unknown instance `{name}` ({listed}); {instead}"),
        example,
    )
}
