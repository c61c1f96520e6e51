//! Strict patterns for values that may end up in a command line or a config: names, hosts, ports.
//!
//! Anything that reaches a remote shell passes through one of these first; they accept a narrow
//! alphabet so that no shell metacharacter (`&`, `|`, `;`, quotes, `%`, `^`, spaces) can get through.

use std::net::IpAddr;

/// An instance name: 1..=63 of letters, digits and `-`, not starting or ending with `-`.
pub fn instance_name(s: &str) -> bool {
    dns_label(s)
}

/// An instance tag (`tags = ["web"]`, `tag:web`): the same alphabet as an instance name.
pub fn tag(s: &str) -> bool {
    dns_label(s)
}

fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A host: an IPv4 or IPv6 address, or a DNS name of labels of letters, digits and `-`.
pub fn host(s: &str) -> bool {
    if s.parse::<IpAddr>().is_ok() {
        return true;
    }
    s.len() <= 253 && s.split('.').all(dns_label) && s.bytes().any(|b| b.is_ascii_alphabetic())
}

/// A TCP port, 1..=65535, written as plain digits.
pub fn port(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u16>().ok().filter(|p| *p > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        for ok in [
            "kms.corp.example",
            "10.0.0.5",
            "2001:db8::1",
            "kms-01",
            "KMS01.example.com",
        ] {
            assert!(host(ok), "{ok}");
        }
        for bad in [
            "",
            "kms;del",
            "kms&calc",
            "\"kms\"",
            "kms host",
            "-kms",
            "kms..example",
            "10.0.0.5:1688",
            "a%PATH%",
            "kms|x",
            "kms^x",
            "12345",
        ] {
            assert!(!host(bad), "{bad}");
        }
    }

    #[test]
    fn names_and_ports() {
        assert!(instance_name("web-01"));
        assert!(!instance_name("web-01 & del"));
        assert!(!instance_name("web_01"));
        assert_eq!(port("1688"), Some(1688));
        assert_eq!(port("0"), None);
        assert_eq!(port("65536"), None);
        assert_eq!(port("+1"), None);
    }
}
