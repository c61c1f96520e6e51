//! Table tests for the request parser, validator, slot filling and renderers.

use super::request::*;

fn known() -> Vec<String> {
    [
        "web-01",
        "web-02",
        "web-03",
        "web-04",
        "win-app-02",
        "kms-01",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Expected parse result. `""` = not checked, `"-"` = must be absent/empty.
struct Expect {
    kind: &'static str,
    protocol: &'static str,
    ports: &'static str,
    source: &'static str,
    destination: &'static str,
    /// Effective direction.
    direction: &'static str,
    reason: &'static str,
    duration: &'static str,
    seconds: Option<u64>,
    instances: &'static str,
    /// `None` = no problems at all; otherwise a problem with this field whose message
    /// contains the substring.
    problem: Option<(Field, &'static str)>,
}

const E: Expect = Expect {
    kind: "",
    protocol: "",
    ports: "",
    source: "",
    destination: "",
    direction: "",
    reason: "",
    duration: "",
    seconds: None,
    instances: "",
    problem: None,
};

fn show<T: std::fmt::Display>(value: &Option<T>) -> String {
    value.as_ref().map_or("-".to_string(), |v| v.to_string())
}

fn check_field(text: &str, name: &str, expected: &str, actual: String, failures: &mut Vec<String>) {
    if !expected.is_empty() && expected != actual {
        failures.push(format!(
            "{text:?}: {name} expected {expected:?}, got {actual:?}"
        ));
    }
}

fn check(text: &str, e: &Expect, failures: &mut Vec<String>) {
    let d = parse(text, &known());
    let kind = match d.kind {
        Some(RequestKind::Firewall) => "firewall",
        Some(RequestKind::InternetAccess) => "internet",
        None => "-",
    };
    check_field(text, "kind", e.kind, kind.to_string(), failures);
    check_field(text, "protocol", e.protocol, show(&d.protocol), failures);
    check_field(text, "ports", e.ports, show(&d.ports), failures);
    check_field(text, "source", e.source, show(&d.source), failures);
    check_field(
        text,
        "destination",
        e.destination,
        show(&d.destination),
        failures,
    );
    check_field(
        text,
        "direction",
        e.direction,
        show(&effective_direction(&d)),
        failures,
    );
    check_field(text, "reason", e.reason, show(&d.reason), failures);
    let duration = d.duration.as_ref().map(|x| x.text.clone());
    check_field(text, "duration", e.duration, show(&duration), failures);
    if e.seconds.is_some() && e.seconds != d.duration.as_ref().and_then(|x| x.seconds) {
        failures.push(format!(
            "{text:?}: seconds expected {:?}, got {:?}",
            e.seconds, d.duration
        ));
    }
    let instances = if d.instances.is_empty() {
        "-".to_string()
    } else {
        d.instances.join(",")
    };
    check_field(text, "instances", e.instances, instances, failures);
    match e.problem {
        None if !d.problems.is_empty() => {
            failures.push(format!("{text:?}: unexpected problems {:?}", d.problems));
        }
        None => {}
        Some((field, needle)) => {
            let hit = d
                .problems
                .iter()
                .any(|p| p.field == field && p.message.contains(needle) && !p.example.is_empty());
            if !hit {
                failures.push(format!(
                    "{text:?}: expected problem {field}: {needle:?}, got {:?}",
                    d.problems
                ));
            }
        }
    }
}

fn run_table(cases: &[(&str, Expect)]) {
    let mut failures = Vec::new();
    for (text, e) in cases {
        check(text, e, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn parse_table() {
    use Field::*;
    let cases: Vec<(&str, Expect)> = vec![
        // The phrasings from the brief.
        ("please open tcp 1688 from 10.20.0.0/16 to 203.0.113.7 so we can reach our KMS",
         Expect { kind: "firewall", protocol: "tcp", ports: "1688", source: "10.20.0.0/16", destination: "203.0.113.7", direction: "egress", reason: "we can reach our KMS", ..E }),
        ("allow udp 123 from web-01 to 10.1.1.1",
         Expect { kind: "firewall", protocol: "udp", ports: "123", source: "web-01", destination: "10.1.1.1", direction: "egress", reason: "-", ..E }),
        ("need tcp 1688,3389 from 198.51.100.0/24 to win-app-02",
         Expect { kind: "firewall", protocol: "tcp", ports: "1688,3389", source: "198.51.100.0/24", destination: "win-app-02", direction: "ingress", ..E }),
        ("tcp 5000-5010 inbound from any to web-02",
         Expect { kind: "firewall", protocol: "tcp", ports: "5000-5010", source: "any", destination: "web-02", direction: "ingress", ..E }),
        ("web-01 needs internet access for online activation for 2 days",
         Expect { kind: "internet", instances: "web-01", reason: "online activation", duration: "2 days", seconds: Some(172_800), direction: "egress", ..E }),
        ("open port 1688",
         Expect { kind: "firewall", protocol: "-", ports: "1688", source: "-", destination: "-", ..E }),
        ("I need a firewall rule",
         Expect { kind: "firewall", protocol: "-", ports: "-", source: "-", destination: "-", reason: "-", ..E }),
        ("request internet access for web-03 and web-04",
         Expect { kind: "internet", instances: "web-03,web-04", reason: "-", ..E }),
        ("firewall request: tcp/443 from 10.0.0.0/8 to 2001:db8::1",
         Expect { kind: "firewall", protocol: "tcp", ports: "443", source: "10.0.0.0/8", destination: "2001:db8::1", problem: Some((Destination, "cannot mix address families")), ..E }),
        // Endpoints named by their role, without from/to.
        ("kms host 10.50.0.10 in another vpc, clients in 10.60.0.0/16, what firewall rule do I need",
         Expect { kind: "firewall", source: "10.60.0.0/16", destination: "10.50.0.10", ..E }),
        ("firewall rule: our VMs are on 10.8.0.0/24 and the KMS server is kms01.corp.example, tcp 1688",
         Expect { kind: "firewall", protocol: "tcp", ports: "1688", source: "10.8.0.0/24", destination: "kms01.corp.example", ..E }),
        ("open tcp 1688 from 10.1.0.0/16 to 10.2.0.5, the clients in 10.3.0.0/16 are fine",
         Expect { source: "10.1.0.0/16", destination: "10.2.0.5", ..E }),
        // Casing, politeness, host names.
        ("Please open TCP 1688 from 10.0.0.0/24 to kms.corp.example",
         Expect { kind: "firewall", protocol: "tcp", ports: "1688", source: "10.0.0.0/24", destination: "kms.corp.example", direction: "egress", ..E }),
        ("allow Udp/53 from web-02 to 10.0.0.2",
         Expect { protocol: "udp", ports: "53", source: "web-02", destination: "10.0.0.2", direction: "egress", ..E }),
        ("open tcp ports 80 and 443 from any to web-01",
         Expect { protocol: "tcp", ports: "80,443", source: "any", destination: "web-01", direction: "ingress", ..E }),
        ("open port 1688/tcp from web-03 to 203.0.113.7",
         Expect { protocol: "tcp", ports: "1688", source: "web-03", destination: "203.0.113.7", direction: "egress", ..E }),
        ("hi team, could you please kindly open tcp 1688 from 10.20.0.0/16 to 203.0.113.7? thanks a lot!",
         Expect { kind: "firewall", protocol: "tcp", ports: "1688", source: "10.20.0.0/16", destination: "203.0.113.7", direction: "egress", reason: "-", ..E }),
        ("Open TCP/3389 inbound from 198.51.100.7 to win-app-02 please",
         Expect { protocol: "tcp", ports: "3389", source: "198.51.100.7", destination: "win-app-02", direction: "ingress", ..E }),
        ("allow tcp 1688 from 10.20.0.0/16 to 203.0.113.7.",
         Expect { destination: "203.0.113.7", ..E }),
        ("please open tcp 1688 from web-01 to kms-99.corp.example",
         Expect { source: "web-01", destination: "kms-99.corp.example", direction: "egress", ..E }),
        ("web-01 needs tcp 443 to kms.corp.example",
         Expect { kind: "firewall", source: "web-01", destination: "kms.corp.example", direction: "egress", ..E }),
        ("allow web-01 to reach 203.0.113.7 on tcp 1688",
         Expect { kind: "firewall", protocol: "tcp", ports: "1688", source: "web-01", destination: "203.0.113.7", direction: "egress", ..E }),
        ("open tcp 1688 to web-01",
         Expect { source: "-", destination: "web-01", direction: "ingress", ..E }),
        ("need tcp 1688 from web-01 to web-02",
         Expect { source: "web-01", destination: "web-02", direction: "ingress", ..E }),
        ("allow tcp 1688 from 10.20.0.0/16 to kms-01",
         Expect { destination: "kms-01", direction: "ingress", ..E }),
        // IPv6.
        ("allow tcp 1688 from fd00:10::/64 to 2001:db8::7",
         Expect { source: "fd00:10::/64", destination: "2001:db8::7", direction: "egress", ..E }),
        ("allow tcp 1688 from 2001:db8:1::/48 to 2001:db8::7",
         Expect { source: "2001:db8:1::/48", destination: "2001:db8::7", direction: "-", ..E }),
        ("allow tcp 22 from ::/0 to 2001:db8::5 inbound",
         Expect { source: "::/0", destination: "2001:db8::5", direction: "ingress", ..E }),
        ("firewall request: udp 123 from 2001:db8::/64 to ntp.corp.example",
         Expect { protocol: "udp", ports: "123", source: "2001:db8::/64", destination: "ntp.corp.example", direction: "-", ..E }),
        ("allow icmp from 2001:db8::/32 to web-01",
         Expect { protocol: "icmp", ports: "-", source: "2001:db8::/32", direction: "ingress", ..E }),
        // Any.
        ("tcp 3389 from 0.0.0.0/0 to win-app-02",
         Expect { source: "0.0.0.0/0", direction: "ingress", ..E }),
        ("open tcp 1688 from anywhere to web-01",
         Expect { source: "any", ..E }),
        ("open tcp 1688 from 10.20.0.0/16 to the internet",
         Expect { destination: "any", direction: "egress", ..E }),
        ("allow all traffic from 10.0.0.0/8 to web-01",
         Expect { kind: "firewall", protocol: "any", ports: "-", source: "10.0.0.0/8", destination: "web-01", ..E }),
        // Direction.
        ("allow tcp 1688 outbound from web-01 to 203.0.113.7",
         Expect { direction: "egress", ..E }),
        ("open tcp 8080 from 192.168.1.0/24 to 10.0.0.5",
         Expect { direction: "-", ..E }),
        ("open tcp 8080 from 192.168.1.0/24 to 10.0.0.5 outbound",
         Expect { direction: "egress", ..E }),
        ("tcp 1688 inbound and outbound from any to web-02",
         Expect { problem: Some((Direction, "both inbound and outbound")), ..E }),
        // Lists and ranges.
        ("open udp 5000:5010 from web-01 to 10.1.1.1",
         Expect { protocol: "udp", ports: "5000-5010", ..E }),
        ("open tcp 80,443,8443 from any to web-02",
         Expect { ports: "80,443,8443", ..E }),
        ("open tcp 80, 443 and 8080-8090 from any to web-02",
         Expect { ports: "80,443,8080-8090", ..E }),
        ("need TCP/3389 and tcp/1688 from 10.20.0.0/16 to 203.0.113.7",
         Expect { protocol: "tcp", ports: "3389,1688", ..E }),
        ("allow tcp 1688 from 10.0.0.5/24 to 203.0.113.7",
         Expect { source: "10.0.0.0/24", ..E }),
        // icmp.
        ("allow icmp from 10.0.0.0/8 to web-01",
         Expect { kind: "firewall", protocol: "icmp", ports: "-", direction: "ingress", ..E }),
        ("allow ping from any to web-02",
         Expect { kind: "firewall", protocol: "icmp", source: "any", ..E }),
        ("allow icmp port 8 from 10.0.0.0/8 to web-01",
         Expect { protocol: "icmp", problem: Some((Ports, "icmp has no ports")), ..E }),
        ("allow any protocol from web-01 to 10.0.0.0/8 on port 443",
         Expect { protocol: "any", problem: Some((Ports, "need a specific protocol")), ..E }),
        // Malformed values: reported, other fields kept.
        ("tcp 1688 from 10.0.0.300 to web-01",
         Expect { protocol: "tcp", ports: "1688", source: "-", destination: "web-01", problem: Some((Source, "300 is above 255")), ..E }),
        ("tcp 1688 from 10.0.0.0/33 to web-01",
         Expect { source: "-", destination: "web-01", problem: Some((Source, "prefix length /33 is out of range")), ..E }),
        ("open tcp 1688 from 10.0.0 to web-01",
         Expect { source: "-", problem: Some((Source, "it has 3 parts")), ..E }),
        ("tcp 1688 from web-01 to 2001:db8::zz",
         Expect { source: "web-01", destination: "-", problem: Some((Destination, "not a valid IPv6 address")), ..E }),
        ("allow tcp 22 from 2001:db8::/129 to web-01",
         Expect { source: "-", problem: Some((Source, "/129 is out of range for IPv6")), ..E }),
        ("open tcp 0 from web-01 to 10.1.1.1",
         Expect { ports: "-", source: "web-01", destination: "10.1.1.1", problem: Some((Ports, "port 0 is outside")), ..E }),
        ("open tcp 70000 from web-01 to 10.1.1.1",
         Expect { ports: "-", protocol: "tcp", problem: Some((Ports, "port 70000 is outside")), ..E }),
        ("open tcp 5010-5000 from web-01 to 10.1.1.1",
         Expect { ports: "-", problem: Some((Ports, "5010-5000 is reversed")), ..E }),
        ("open tcp 1688,99999 from web-01 to 10.1.1.1",
         Expect { ports: "-", problem: Some((Ports, "port 99999 is outside")), ..E }),
        ("tcp 1688 from web-99 to 203.0.113.7",
         Expect { source: "-", destination: "203.0.113.7", problem: Some((Source, "unknown instance `web-99`")), ..E }),
        ("tcp and udp 53 from web-01 to 10.0.0.2",
         Expect { protocol: "-", ports: "53", problem: Some((Protocol, "several protocols")), ..E }),
        ("open tcp 1688 from 10.20.0.0/16 and 10.30.0.0/16 to 203.0.113.7",
         Expect { source: "10.20.0.0/16", problem: Some((Source, "several sources")), ..E }),
        // Durations and reasons.
        ("open tcp 443 from web-01 to kms.corp.example for 4 hours",
         Expect { duration: "4 hours", seconds: Some(14_400), reason: "-", ..E }),
        ("open tcp 443 from web-01 to kms.corp.example until friday",
         Expect { duration: "until friday", ..E }),
        ("open tcp 443 from web-01 to kms.corp.example for 30 minutes so we can download updates",
         Expect { duration: "30 minutes", seconds: Some(1_800), reason: "we can download updates", ..E }),
        ("open tcp 443 from web-01 to kms.corp.example for a week",
         Expect { duration: "1 week", seconds: Some(604_800), ..E }),
        ("allow tcp 443 from web-01 to 10.1.1.1 for two days",
         Expect { duration: "2 days", seconds: Some(172_800), ..E }),
        ("allow tcp 1688 from web-01 to 203.0.113.7 for 48h",
         Expect { duration: "48 hours", seconds: Some(172_800), ..E }),
        ("open tcp 443 from web-01 to 203.0.113.9 for 0 hours",
         Expect { duration: "-", problem: Some((Duration, "is zero")), ..E }),
        ("open TCP port 1688 from 10.20.0.0/16 to 203.0.113.7 so that Windows can activate",
         Expect { reason: "Windows can activate", ..E }),
        ("open tcp 1688 from 10.20.0.0/16 to 203.0.113.7 pls, it's for activation",
         Expect { reason: "activation", ..E }),
        // Internet access.
        ("web-02 needs internet access",
         Expect { kind: "internet", instances: "web-02", reason: "-", ..E }),
        ("Please give web-01 and web-02 internet access for Windows activation, thanks!",
         Expect { kind: "internet", instances: "web-01,web-02", reason: "Windows activation", ..E }),
        ("request internet access for web-99",
         Expect { kind: "internet", instances: "-", problem: Some((Instances, "unknown instance `web-99`")), ..E }),
        ("need internet access on build01.corp.example to reach activation.sls.microsoft.com",
         Expect { kind: "internet", instances: "build01.corp.example", destination: "activation.sls.microsoft.com", reason: "to reach activation.sls.microsoft.com", ..E }),
        ("WIN-APP-02 needs internet access because the KMS is unreachable",
         Expect { kind: "internet", instances: "win-app-02", reason: "the KMS is unreachable", ..E }),
        ("we need internet access for kms-01 for 4 hours",
         Expect { kind: "internet", instances: "kms-01", duration: "4 hours", reason: "-", ..E }),
        ("can I get internet access for web-03 for online activation until tomorrow?",
         Expect { kind: "internet", instances: "web-03", reason: "online activation", duration: "until tomorrow", ..E }),
        // "for <instance>" in a firewall request names the instance the rule is for.
        ("open tcp 1688 for web-01",
         Expect { kind: "firewall", instances: "web-01", source: "-", destination: "-", ..E }),
        ("please allow tcp 1688 for web-01, web-02 and web-03 to reach kms.corp.example",
         Expect { instances: "web-01,web-02,web-03", destination: "kms.corp.example", direction: "egress", ..E }),
        ("open tcp 1688 for web-77",
         Expect { instances: "-", problem: Some((Instances, "unknown instance `web-77`")), ..E }),
        ("could you open 3389 to win-app-02 from 198.51.100.10?",
         Expect { kind: "firewall", protocol: "-", ports: "3389", source: "198.51.100.10", destination: "win-app-02", direction: "ingress", ..E }),
        ("Hello, we need port 1688 opened from our subnet 10.20.0.0/16 to the KMS host kms.corp.example so that our Windows VMs can activate.",
         Expect { kind: "firewall", ports: "1688", source: "10.20.0.0/16", destination: "kms.corp.example", direction: "egress", reason: "our Windows VMs can activate", ..E }),
        // Questions and other intents parse to no kind.
        ("what port does KMS use?", Expect { kind: "-", ..E }),
        ("how do I open port 1688 in windows firewall?", Expect { kind: "-", ..E }),
        ("activate web-01", Expect { kind: "-", ..E }),
    ];
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    run_table(&cases);
}

#[test]
fn detect_table() {
    use RequestKind::*;
    let cases: &[(&str, Option<RequestKind>)] = &[
        (
            "please open tcp 1688 from 10.20.0.0/16 to 203.0.113.7 so we can reach our KMS",
            Some(Firewall),
        ),
        ("allow udp 123 from web-01 to 10.1.1.1", Some(Firewall)),
        (
            "need tcp 1688,3389 from 198.51.100.0/24 to win-app-02",
            Some(Firewall),
        ),
        ("tcp 5000-5010 inbound from any to web-02", Some(Firewall)),
        (
            "web-01 needs internet access for online activation for 2 days",
            Some(InternetAccess),
        ),
        ("open port 1688", Some(Firewall)),
        ("I need a firewall rule", Some(Firewall)),
        (
            "request internet access for web-03 and web-04",
            Some(InternetAccess),
        ),
        (
            "firewall request: tcp/443 from 10.0.0.0/8 to 2001:db8::1",
            Some(Firewall),
        ),
        (
            "could you open tcp 1688 from web-01 to 203.0.113.7?",
            Some(Firewall),
        ),
        (
            "Hi! Is it possible to open tcp 1688 for web-01?",
            Some(Firewall),
        ),
        (
            "hi, can you add a security group rule for web-01?",
            Some(Firewall),
        ),
        ("allow ping from any to web-02", Some(Firewall)),
        (
            "can I get internet access for web-02?",
            Some(InternetAccess),
        ),
        ("what port does KMS use?", None),
        ("how do I open port 1688 in windows firewall?", None),
        ("why do I get 0xC004F074", None),
        ("activate web-01", None),
        ("please activate web-01", None),
        ("does web-01 have internet access?", None),
        ("KMS uses tcp 1688", None),
        ("is port 1688 open on web-01?", None),
        ("what's the firewall rule for KMS?", None),
        ("web-01 activation failed with 0xC004F074", None),
        ("thanks!", None),
        (
            "kms host is kms7.example.internal on port 1690, give me the client commands for server 2025 standard",
            None,
        ),
        (
            "our kms listens on port 1700, what do I type on the client?",
            None,
        ),
        ("show me the slmgr commands for port 1688", None),
        (
            "need tcp 1688 from web-01 to 203.0.113.7 so the activation commands work",
            Some(Firewall),
        ),
        (
            "give me tcp 1688 from web-01 to 203.0.113.7",
            Some(Firewall),
        ),
        (
            "please open port 1688 to our kms host and show me the client commands",
            Some(Firewall),
        ),
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter(|(text, want)| detect(text) != *want)
        .map(|(text, want)| format!("{text:?}: expected {want:?}, got {:?}", detect(text)))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn slot_filling_conversation() {
    let k = known();
    let mut d = parse("I need a firewall rule", &k);
    assert_eq!(next_missing(&d), Some(Field::Protocol));
    apply_answer(&mut d, Field::Protocol, "TCP please", &k).unwrap();
    assert_eq!(d.protocol, Some(Protocol::Tcp));
    assert_eq!(next_missing(&d), Some(Field::Ports));
    apply_answer(&mut d, Field::Ports, "1688", &k).unwrap();
    assert_eq!(next_missing(&d), Some(Field::Source));
    apply_answer(&mut d, Field::Source, "from 10.0.0.0/24", &k).unwrap();
    assert_eq!(next_missing(&d), Some(Field::Destination));
    apply_answer(&mut d, Field::Destination, "it's web-01", &k).unwrap();
    assert_eq!(d.destination, Some(Endpoint::Instance("web-01".into())));
    assert_eq!(next_missing(&d), Some(Field::Reason));
    apply_answer(&mut d, Field::Reason, "remote support", &k).unwrap();
    assert_eq!(next_missing(&d), None);
    assert_eq!(effective_direction(&d), Some(Direction::Ingress));
    assert!(d.problems.is_empty());
    assert_eq!(
        openstack_commands(&d, "web-sg"),
        vec!["openstack security group rule create --ingress --ethertype IPv4 --protocol tcp --dst-port 1688:1688 --remote-ip 10.0.0.0/24 web-sg"]
    );
}

#[test]
fn answers_carry_extra_fields() {
    let k = known();
    let mut d = parse("I need a firewall rule", &k);
    apply_answer(&mut d, Field::Protocol, "tcp 1688 from web-01", &k).unwrap();
    assert_eq!(d.protocol, Some(Protocol::Tcp));
    assert_eq!(
        d.ports.as_ref().map(ToString::to_string).as_deref(),
        Some("1688")
    );
    assert_eq!(d.source, Some(Endpoint::Instance("web-01".into())));
    assert_eq!(next_missing(&d), Some(Field::Destination));
    apply_answer(&mut d, Field::Destination, "to 203.0.113.7 for 2 days", &k).unwrap();
    assert_eq!(d.duration.as_ref().and_then(|x| x.seconds), Some(172_800));
    assert_eq!(effective_direction(&d), Some(Direction::Egress));
}

#[test]
fn answer_table() {
    let k = known();
    // (slot, answer, expected Ok, checked value or error substring)
    let cases: &[(Field, &str, bool, &str)] = &[
        (Field::Protocol, "tcp", true, "tcp"),
        (Field::Protocol, "TCP please", true, "tcp"),
        (Field::Protocol, "udp", true, "udp"),
        (Field::Protocol, "ping", true, "icmp"),
        (Field::Protocol, "any", true, "any"),
        (
            Field::Protocol,
            "no idea",
            false,
            "could not find a protocol",
        ),
        (Field::Ports, "1688", true, "1688"),
        (Field::Ports, "1688,3389", true, "1688,3389"),
        (Field::Ports, "5000-5010 please", true, "5000-5010"),
        (Field::Ports, "ports 80 and 443", true, "80,443"),
        (Field::Ports, "70000", false, "port 70000 is outside"),
        (Field::Ports, "5010-5000", false, "5010-5000 is reversed"),
        (Field::Ports, "not sure", false, "could not find a port"),
        (Field::Source, "from 10.0.0.0/24", true, "10.0.0.0/24"),
        (Field::Source, "10.0.0.0/24", true, "10.0.0.0/24"),
        (Field::Source, "it's web-01", true, "web-01"),
        (Field::Source, "any", true, "any"),
        (Field::Source, "anywhere", true, "any"),
        (Field::Source, "2001:db8::/64", true, "2001:db8::/64"),
        (Field::Source, "10.0.0.300", false, "300 is above 255"),
        (Field::Source, "web-99", false, "unknown instance `web-99`"),
        (
            Field::Destination,
            "kms.corp.example",
            true,
            "kms.corp.example",
        ),
        (
            Field::Destination,
            "the KMS at 203.0.113.7",
            true,
            "203.0.113.7",
        ),
        (
            Field::Destination,
            "2001:db8::zz",
            false,
            "not a valid IPv6 address",
        ),
        (Field::Direction, "outbound", true, "egress"),
        (Field::Direction, "in", true, "ingress"),
    ];
    let mut failures = Vec::new();
    for (slot, answer, ok, want) in cases {
        let mut d = Draft {
            kind: Some(RequestKind::Firewall),
            ..Draft::default()
        };
        let result = apply_answer(&mut d, *slot, answer, &k);
        let value = match slot {
            Field::Protocol => show(&d.protocol),
            Field::Ports => show(&d.ports),
            Field::Source => show(&d.source),
            Field::Destination => show(&d.destination),
            _ => show(&d.direction),
        };
        match (result, ok) {
            (Ok(()), true) if value == *want => {}
            (Err(p), false) if p.field == *slot && p.message.contains(want) => {}
            (other, _) => failures.push(format!("{slot} {answer:?}: got {other:?}, value {value}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn internet_access_slots() {
    let k = known();
    let mut d = parse("I need internet access", &k);
    assert_eq!(d.kind, Some(RequestKind::InternetAccess));
    assert_eq!(next_missing(&d), Some(Field::Instances));
    apply_answer(&mut d, Field::Instances, "web-01 and WEB-02", &k).unwrap();
    assert_eq!(
        d.instances,
        vec!["web-01".to_string(), "web-02".to_string()]
    );
    assert_eq!(next_missing(&d), Some(Field::Reason));
    apply_answer(&mut d, Field::Reason, "to reach the KMS for activation", &k).unwrap();
    assert_eq!(d.reason.as_deref(), Some("to reach the KMS for activation"));
    assert_eq!(next_missing(&d), None);
    let mut e = parse("request internet access for web-03", &k);
    apply_answer(&mut e, Field::Reason, "KMS activation", &k).unwrap();
    assert_eq!(e.reason.as_deref(), Some("KMS activation"));
    let err = apply_answer(&mut e, Field::Instances, "web-77", &k).unwrap_err();
    assert_eq!(err.field, Field::Instances);
    assert!(err.message.contains("unknown instance `web-77`"));
    assert!(openstack_commands(&e, "sg").is_empty());
}

#[test]
fn validate_stored_drafts() {
    let k = known();
    let mut d = parse("open tcp 1688 from web-01 to 10.1.1.1", &k);
    assert!(validate(&d, &k).is_empty());
    d.ports = Some(Ports(vec![PortRange {
        start: 5010,
        end: 5000,
    }]));
    let problems = validate(&d, &k);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].field, Field::Ports);
    assert!(problems[0].message.contains("5010-5000 is reversed"));
    assert_eq!(problems[0].example, "5000-5010");
    d.ports = Some(Ports(vec![PortRange::single(0)]));
    assert!(validate(&d, &k)[0].message.contains("port 0"));
    // An instance that disappeared from the project.
    d.ports = Some(Ports(vec![PortRange::single(1688)]));
    assert_eq!(
        validate(&d, &["web-02".to_string()])[0].field,
        Field::Source
    );
    // Host names with a dot are accepted as instances; bare unknown names are not.
    let ia = Draft {
        kind: Some(RequestKind::InternetAccess),
        instances: vec!["build.corp.example".into(), "web-99".into()],
        ..Draft::default()
    };
    let problems = validate(&ia, &k);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message.contains("`web-99`"));
    assert_eq!(problems[0].example, "web-01");
}

#[test]
fn confirmation_for_open_ingress() {
    let k = known();
    let mut d = parse("tcp 5000-5010 inbound from any to web-02", &k);
    assert!(needs_confirmation(&d));
    d.confirmed = true;
    assert!(!needs_confirmation(&d));
    // Changing the rule drops the confirmation.
    apply_answer(&mut d, Field::Ports, "5000-5020", &k).unwrap();
    assert!(needs_confirmation(&d));
    assert!(needs_confirmation(&parse(
        "tcp 3389 from 0.0.0.0/0 to win-app-02",
        &k
    )));
    assert!(needs_confirmation(&parse(
        "allow tcp 22 from ::/0 to 2001:db8::5 inbound",
        &k
    )));
    assert!(!needs_confirmation(&parse(
        "open tcp 1688 from 10.20.0.0/16 to the internet",
        &k
    )));
    assert!(!needs_confirmation(&parse(
        "need tcp 1688,3389 from 198.51.100.0/24 to win-app-02",
        &k
    )));
}

#[test]
fn fingerprint_is_phrasing_independent() {
    let k = known();
    let same = [
        "please open tcp 1688,3389 from 10.20.0.0/16 to 203.0.113.7 so we can reach our KMS",
        "need TCP/3389 and tcp/1688 from 10.20.0.5/16 to 203.0.113.7/32",
        "allow tcp ports 3389 and 1688 outbound from 10.20.0.0/16 to 203.0.113.7 for 2 days",
    ];
    let prints: Vec<String> = same.iter().map(|t| fingerprint(&parse(t, &k))).collect();
    assert!(prints.iter().all(|p| *p == prints[0]), "{prints:#?}");
    assert_eq!(
        prints[0],
        "kind=firewall;protocol=tcp;ports=1688,3389;source=10.20.0.0/16;destination=203.0.113.7/32;direction=egress;instances="
    );
    let udp = fingerprint(&parse(
        "open udp 1688,3389 from 10.20.0.0/16 to 203.0.113.7",
        &k,
    ));
    assert_ne!(udp, prints[0]);
    assert_eq!(
        fingerprint(&parse("open tcp 80,81,82 from any to web-01", &k)),
        fingerprint(&parse("open tcp 80-82 from 0.0.0.0/0 to WEB-01", &k))
    );
    assert_eq!(
        fingerprint(&parse("request internet access for web-03 and web-04", &k)),
        fingerprint(&parse(
            "web-04 and web-03 need internet access for activation",
            &k
        ))
    );
}

#[test]
fn openstack_command_table() {
    let k = known();
    let cases: &[(&str, &[&str])] = &[
        ("please open tcp 1688 from 10.20.0.0/16 to 203.0.113.7 so we can reach our KMS", &[
            "openstack security group rule create --egress --ethertype IPv4 --protocol tcp --dst-port 1688:1688 --remote-ip 203.0.113.7/32 sg",
        ]),
        ("need tcp 1688,3389 from 198.51.100.0/24 to win-app-02", &[
            "openstack security group rule create --ingress --ethertype IPv4 --protocol tcp --dst-port 1688:1688 --remote-ip 198.51.100.0/24 sg",
            "openstack security group rule create --ingress --ethertype IPv4 --protocol tcp --dst-port 3389:3389 --remote-ip 198.51.100.0/24 sg",
        ]),
        ("tcp 5000-5010 inbound from any to web-02", &[
            "openstack security group rule create --ingress --ethertype IPv4 --protocol tcp --dst-port 5000:5010 --remote-ip 0.0.0.0/0 sg",
        ]),
        ("allow icmp from 10.0.0.0/8 to web-01", &[
            "openstack security group rule create --ingress --ethertype IPv4 --protocol icmp --remote-ip 10.0.0.0/8 sg",
        ]),
        ("allow icmp from 2001:db8::/32 to web-01", &[
            "openstack security group rule create --ingress --ethertype IPv6 --protocol ipv6-icmp --remote-ip 2001:db8::/32 sg",
        ]),
        ("allow tcp 22 from ::/0 to 2001:db8::5 inbound", &[
            "openstack security group rule create --ingress --ethertype IPv6 --protocol tcp --dst-port 22:22 --remote-ip ::/0 sg",
        ]),
        ("open tcp 443 from fd00:10::/64 to any", &[
            "openstack security group rule create --egress --ethertype IPv6 --protocol tcp --dst-port 443:443 --remote-ip ::/0 sg",
        ]),
        ("allow all traffic from 10.0.0.0/8 to web-01", &[
            "openstack security group rule create --ingress --ethertype IPv4 --protocol any --remote-ip 10.0.0.0/8 sg",
        ]),
        ("allow udp 123 from web-01 to ntp.corp.example", &[
            "openstack security group rule create --egress --ethertype IPv4 --protocol udp --dst-port 123:123 --remote-ip <IP of ntp.corp.example> sg",
            "# note: replace <IP of ntp.corp.example> with the address of ntp.corp.example (a /32 for IPv4 or /128 for IPv6) and make --ethertype match its address family",
        ]),
        // Incomplete or invalid drafts produce nothing.
        ("open port 1688", &[]),
        ("allow icmp port 8 from 10.0.0.0/8 to web-01", &[]),
        ("firewall request: tcp/443 from 10.0.0.0/8 to 2001:db8::1", &[]),
        ("web-01 needs internet access for online activation", &[]),
    ];
    let mut failures = Vec::new();
    for (text, want) in cases {
        let got = openstack_commands(&parse(text, &k), "sg");
        if got != *want {
            failures.push(format!("{text:?}:\n  want {want:#?}\n  got  {got:#?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let d = parse("open tcp 80-82,81 from any to web-01", &k);
    assert_eq!(
        openstack_commands(&d, "my group"),
        vec!["openstack security group rule create --ingress --ethertype IPv4 --protocol tcp --dst-port 80:82 --remote-ip 0.0.0.0/0 'my group'"]
    );
}

#[test]
fn summary_lists_fields() {
    let k = known();
    let d = parse(
        "please open tcp 1688,3389 from 10.20.0.0/16 to 203.0.113.7 so we can reach our KMS",
        &k,
    );
    let s = summary(&d);
    for line in [
        "- **Kind:** firewall rule",
        "- **Protocol:** tcp",
        "- **Ports:** 1688,3389",
        "- **Source:** 10.20.0.0/16",
        "- **Destination:** 203.0.113.7",
        "- **Direction:** egress (derived)",
        "- **Reason:** we can reach our KMS",
    ] {
        assert!(s.contains(line), "missing {line:?} in\n{s}");
    }
    let bad = summary(&parse("tcp 1688 from 10.0.0.300 to web-01", &k));
    assert!(bad.contains("- **Source:** _missing_"), "{bad}");
    assert!(bad.contains("- **Problem (source):**"), "{bad}");
    let ia = summary(&parse(
        "web-01 needs internet access for online activation",
        &k,
    ));
    assert!(ia.contains("- **Instances:** web-01"), "{ia}");
    assert!(!ia.contains("Protocol"), "{ia}");
}

#[test]
fn questions_have_examples() {
    for slot in [
        Field::Kind,
        Field::Protocol,
        Field::Ports,
        Field::Source,
        Field::Destination,
        Field::Direction,
        Field::Instances,
        Field::Reason,
        Field::Duration,
    ] {
        let q = question(slot);
        assert!(
            q.contains("For example") || q.contains("for example"),
            "{q}"
        );
        assert!(q.contains('`'), "{q}");
    }
    assert_eq!(
        question(Field::Ports),
        "Which port(s)? For example `1688`, `1688,3389` or `5000-5010`."
    );
}

#[test]
fn ports_display_and_normalize() {
    let p = Ports(vec![
        PortRange::single(3389),
        PortRange {
            start: 5000,
            end: 5010,
        },
        PortRange::single(1688),
        PortRange::single(5011),
    ]);
    assert_eq!(p.to_string(), "3389,5000-5010,1688,5011");
    assert_eq!(p.normalized().to_string(), "1688,3389,5000-5011");
    assert_eq!(Ports(vec![PortRange::single(1688)]).to_string(), "1688");
}

#[test]
fn draft_round_trips_through_json() {
    let k = known();
    for text in [
        "please open tcp 1688 from 10.20.0.0/16 to 203.0.113.7 so we can reach our KMS",
        "allow tcp 22 from ::/0 to 2001:db8::5 inbound for 2 days",
        "web-01 needs internet access for online activation until friday",
        "tcp 1688 from 10.0.0.300 to web-01",
    ] {
        let d = parse(text, &k);
        let json = serde_json::to_string(&d).unwrap();
        let back: Draft = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d, "{json}");
    }
    let json =
        serde_json::to_string(&parse("open tcp 1688 from 10.20.0.0/16 to web-01", &k)).unwrap();
    assert!(
        json.contains(r#""source":{"type":"network","value":"10.20.0.0/16"}"#),
        "{json}"
    );
    // Older/partial JSON still loads.
    let partial: Draft = serde_json::from_str(r#"{"kind":"firewall","protocol":"tcp"}"#).unwrap();
    assert_eq!(next_missing(&partial), Some(Field::Ports));
}
