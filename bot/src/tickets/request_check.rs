//! Checks on request drafts: [`validate`], slot order ([`next_missing`]), the direction rule
//! ([`effective_direction`]), risky-rule confirmation ([`needs_confirmation`]) and the canonical
//! duplicate-detection key ([`fingerprint`]).

use std::sync::LazyLock;

use ipnet::IpNet;

use super::request::{Direction, Draft, Endpoint, Field, Problem, Protocol, RequestKind, Slot};
use super::request_names::{is_hostname, is_instance_like, unknown_instance_problem};

/// Networks that belong to a private tenant (RFC 1918, shared/CGNAT, loopback, link-local,
/// IPv6 unique-local, link-local and loopback).
static LOCAL_NETS: LazyLock<Vec<IpNet>> = LazyLock::new(|| {
    [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    ]
    .iter()
    .map(|n| n.parse().expect("static network literal is valid"))
    .collect()
});

/// Whether an endpoint is on our side: a known instance or a private/tenant network.
fn is_local(endpoint: &Endpoint) -> bool {
    match endpoint {
        Endpoint::Instance(_) => true,
        Endpoint::Network(net) if net.prefix_len() > 0 => {
            LOCAL_NETS.iter().any(|local| local.contains(net))
        }
        _ => false,
    }
}

/// Whether an endpoint is clearly outside the tenant: any, a host name or a public network.
fn is_external(endpoint: &Endpoint) -> bool {
    match endpoint {
        Endpoint::Any | Endpoint::Host(_) => true,
        Endpoint::Network(_) => !is_local(endpoint),
        Endpoint::Instance(_) => false,
    }
}

/// The direction of the rule, stated or derived. The rule, first match wins:
///
/// 1. Stated by the requester ("inbound", "ingress", "incoming" / "outbound", "egress",
///    "outgoing") → that direction.
/// 2. Internet access → egress.
/// 3. Destination is a known instance → ingress (traffic arrives at our instance; a
///    known-instance destination wins over a known-instance source).
/// 4. Source is a known instance → egress.
/// 5. Source is a private tenant range (RFC 1918, 100.64/10, ULA, …) and the destination is
///    external (public address, host name, any) → egress.
/// 6. Source is external and the destination is a private range → ingress.
/// 7. Wording hint ("so we can reach …", "to access …") → egress.
/// 8. Otherwise unknown (`None`): [`next_missing`] asks for [`Field::Direction`].
pub fn effective_direction(draft: &Draft) -> Option<Direction> {
    if let Some(direction) = draft.direction {
        return Some(direction);
    }
    if draft.kind == Some(RequestKind::InternetAccess) {
        return Some(Direction::Egress);
    }
    if let Some(Endpoint::Instance(_)) = draft.destination {
        return Some(Direction::Ingress);
    }
    if let Some(Endpoint::Instance(_)) = draft.source {
        return Some(Direction::Egress);
    }
    if let (Some(source), Some(destination)) = (&draft.source, &draft.destination) {
        if is_local(source) && is_external(destination) {
            return Some(Direction::Egress);
        }
        if is_external(source) && is_local(destination) {
            return Some(Direction::Ingress);
        }
    }
    draft.direction_hint
}

/// The next slot to ask for, in a fixed order, or `None` when the draft is complete.
///
/// Order: kind; firewall: protocol, ports (tcp/udp only), source, destination, direction (only
/// when [`effective_direction`] cannot derive it), reason; internet access: instances, reason.
pub fn next_missing(draft: &Draft) -> Option<Slot> {
    match draft.kind {
        None => Some(Field::Kind),
        Some(RequestKind::Firewall) => {
            let Some(protocol) = draft.protocol else {
                return Some(Field::Protocol);
            };
            if protocol.uses_ports() && draft.ports.is_none() {
                return Some(Field::Ports);
            }
            if draft.source.is_none() {
                return Some(Field::Source);
            }
            if draft.destination.is_none() {
                return Some(Field::Destination);
            }
            if effective_direction(draft).is_none() {
                return Some(Field::Direction);
            }
            if draft.reason.is_none() {
                return Some(Field::Reason);
            }
            None
        }
        Some(RequestKind::InternetAccess) => {
            if draft.instances.is_empty() {
                return Some(Field::Instances);
            }
            if draft.reason.is_none() {
                return Some(Field::Reason);
            }
            None
        }
    }
}

/// Checks a draft: port values, ports with icmp/any, address families, unknown instances and
/// durations. Returns one [`Problem`] per issue (empty when the draft is consistent).
///
/// Instance endpoints and internet-access instances must be in `known_instances` (compared
/// case-insensitively); names with a dot are host names and are accepted.
pub fn validate(draft: &Draft, known_instances: &[String]) -> Vec<Problem> {
    let mut problems = intrinsic_problems(draft);
    for (field, endpoint) in [
        (Field::Source, &draft.source),
        (Field::Destination, &draft.destination),
    ] {
        if let Some(Endpoint::Instance(name)) = endpoint {
            if !is_known(name, known_instances) {
                problems.push(unknown_instance_problem(field, name, known_instances));
            }
        }
    }
    for name in &draft.instances {
        let address = name.parse::<std::net::IpAddr>().is_ok();
        if !is_known(name, known_instances) && !is_hostname(name) && !address {
            let problem = if is_instance_like(name) || !name.contains('.') {
                unknown_instance_problem(Field::Instances, name, known_instances)
            } else {
                Problem::new(
                    Field::Instances,
                    format!("`{name}` is not a valid host name"),
                    "web-01.corp.example",
                )
            };
            problems.push(problem);
        }
    }
    problems
}

fn is_known(name: &str, known: &[String]) -> bool {
    known.iter().any(|k| k.eq_ignore_ascii_case(name))
}

/// Problems that need no instance list (also used before rendering commands).
pub(super) fn intrinsic_problems(draft: &Draft) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Some(ports) = &draft.ports {
        for range in &ports.0 {
            if range.start == 0 || range.end == 0 {
                problems.push(Problem::new(
                    Field::Ports,
                    "port 0 is outside the valid range 1-65535",
                    "1688",
                ));
            } else if range.start > range.end {
                problems.push(Problem::new(
                    Field::Ports,
                    format!(
                        "port range {}-{} is reversed: the first port must be the lower one",
                        range.start, range.end
                    ),
                    format!("{}-{}", range.end, range.start),
                ));
            }
        }
        match draft.protocol {
            Some(Protocol::Icmp) => problems.push(Problem::new(
                Field::Ports,
                format!("icmp has no ports, but ports {ports} were given; drop the ports or use tcp/udp"),
                "icmp from 10.0.0.0/8 to web-01",
            )),
            Some(Protocol::Any) => problems.push(Problem::new(
                Field::Ports,
                format!("ports {ports} need a specific protocol; `any` covers all ports"),
                format!("tcp {ports}"),
            )),
            _ => {}
        }
    }
    if let (Some(source), Some(destination)) = (&draft.source, &draft.destination) {
        if let (Some(s), Some(d)) = (source.network(), destination.network()) {
            if matches!(s, IpNet::V4(_)) != matches!(d, IpNet::V4(_)) {
                let family = |n: &IpNet| {
                    if matches!(n, IpNet::V4(_)) {
                        "IPv4"
                    } else {
                        "IPv6"
                    }
                };
                problems.push(Problem::new(
                    Field::Destination,
                    format!(
                        "source {source} is {} but destination {destination} is {}; a rule cannot mix address families",
                        family(&s),
                        family(&d)
                    ),
                    if matches!(s, IpNet::V4(_)) { "203.0.113.7" } else { "2001:db8::1" },
                ));
            }
        }
    }
    if let Some(duration) = &draft.duration {
        if duration.seconds == Some(0) {
            problems.push(Problem::new(
                Field::Duration,
                format!(
                    "`{}` is zero; access needs a positive duration",
                    duration.text
                ),
                "for 4 hours",
            ));
        }
    }
    problems
}

/// Whether the requester must explicitly confirm this draft before it is filed: an inbound
/// (ingress, stated or derived) firewall rule from any / `0.0.0.0/0` / `::/0` that is not yet
/// `confirmed`.
pub fn needs_confirmation(draft: &Draft) -> bool {
    draft.kind == Some(RequestKind::Firewall)
        && !draft.confirmed
        && effective_direction(draft) == Some(Direction::Ingress)
        && draft.source.as_ref().is_some_and(Endpoint::is_any)
}

/// Canonical identity of a request for duplicate detection: the same request phrased
/// differently yields the same string.
///
/// Includes kind, protocol, ports (sorted, merged; omitted for icmp/any), source and
/// destination (`any` for any/0.0.0.0/0/::/0, networks as canonical CIDR, names lower-cased),
/// effective direction and sorted instances. Reason, duration and confirmation are left out.
pub fn fingerprint(draft: &Draft) -> String {
    let kind = match draft.kind {
        Some(RequestKind::Firewall) => "firewall",
        Some(RequestKind::InternetAccess) => "internet_access",
        None => "-",
    };
    let protocol = draft.protocol.map_or("-", |p| p.as_str());
    let ports = match (&draft.ports, draft.protocol) {
        (Some(_), Some(Protocol::Icmp | Protocol::Any)) | (None, _) => "-".to_string(),
        (Some(ports), _) => ports.normalized().to_string(),
    };
    let endpoint = |e: &Option<Endpoint>| match e {
        None => "-".to_string(),
        Some(e) if e.is_any() => "any".to_string(),
        Some(Endpoint::Network(net)) => net.trunc().to_string(),
        Some(Endpoint::Instance(name) | Endpoint::Host(name)) => {
            name.trim_end_matches('.').to_ascii_lowercase()
        }
        Some(Endpoint::Any) => "any".to_string(),
    };
    let direction = effective_direction(draft).map_or("-", Direction::as_str);
    let mut instances: Vec<String> = draft
        .instances
        .iter()
        .map(|i| i.trim_end_matches('.').to_ascii_lowercase())
        .collect();
    instances.sort();
    instances.dedup();
    format!(
        "kind={kind};protocol={protocol};ports={ports};source={};destination={};direction={direction};instances={}",
        endpoint(&draft.source),
        endpoint(&draft.destination),
        instances.join(",")
    )
}
