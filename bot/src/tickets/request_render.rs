//! Text produced from request drafts: slot [`question`]s, the [`summary_fields`] shown in ticket
//! replies (and their Markdown [`summary`] for the audit log), and the [`openstack_commands`]
//! that implement a firewall draft.

use std::fmt::Write as _;

use ipnet::IpNet;

use super::request::{Direction, Draft, Endpoint, Field, Protocol, RequestKind, Slot};
use super::request_check::{effective_direction, intrinsic_problems, next_missing};

/// One precise question for `slot`, with an example answer.
pub fn question(slot: Slot) -> String {
    match slot {
        Field::Kind => "Is this a firewall rule or internet access for instances? For example `firewall rule` or `internet access`.",
        Field::Protocol => "Which protocol: `tcp`, `udp`, `icmp` or `any`? For example `tcp` (KMS uses tcp 1688).",
        Field::Ports => "Which port(s)? For example `1688`, `1688,3389` or `5000-5010`.",
        Field::Source => "Where does the traffic come from (source)? An IP, CIDR, host name, instance name or `any`, for example `10.20.0.0/16` or `web-01`.",
        Field::Destination => "Where does the traffic go (destination)? An IP, CIDR, host name, instance name or `any`, for example `203.0.113.7`, `kms.corp.example` or `web-01`.",
        Field::Direction => "Is the rule inbound (traffic arriving at your instances) or outbound (traffic leaving them)? For example `outbound`.",
        Field::Instances => "Which instance(s) need internet access? For example `web-01` or `web-01, web-02`.",
        Field::Reason => "What is the access needed for? For example `online activation of Windows`.",
        Field::Duration => "For how long is the access needed? For example `4 hours` or `2 days`.",
    }
    .to_string()
}

/// The draft's fields by name, for ticket replies ([`adapters::Block::Fields`]; values are inline
/// Markdown). Missing fields show as `_missing_`; problems are listed last.
pub fn summary_fields(draft: &Draft) -> Vec<adapters::Field> {
    use adapters::Field as F;
    let missing = "_missing_".to_string();
    let mut out = Vec::new();
    let kind = draft.kind.map_or(missing.clone(), |k| k.to_string());
    out.push(F::new("Kind", kind));
    let internet = draft.kind == Some(RequestKind::InternetAccess);
    if internet {
        let instances = if draft.instances.is_empty() {
            missing.clone()
        } else {
            draft.instances.join(", ")
        };
        out.push(F::new("Instances", instances));
    }
    if !internet || draft.protocol.is_some() {
        let protocol = draft.protocol.map_or(missing.clone(), |p| p.to_string());
        out.push(F::new("Protocol", protocol));
    }
    let ports_needed = draft.protocol.is_none_or(Protocol::uses_ports);
    if draft.ports.is_some() || (!internet && ports_needed) {
        let ports = draft
            .ports
            .as_ref()
            .map_or(missing.clone(), |p| p.to_string());
        out.push(F::new("Ports", ports));
    }
    if !internet || draft.source.is_some() {
        let source = draft
            .source
            .as_ref()
            .map_or(missing.clone(), |e| e.to_string());
        out.push(F::new("Source", source));
    }
    if !internet || draft.destination.is_some() {
        let destination = draft
            .destination
            .as_ref()
            .map_or(missing.clone(), |e| e.to_string());
        out.push(F::new("Destination", destination));
    }
    let direction = match (draft.direction, effective_direction(draft)) {
        (Some(d), _) => d.to_string(),
        (None, Some(d)) => format!("{d} (derived)"),
        (None, None) if draft.source.is_none() || draft.destination.is_none() => {
            "_follows from source and destination_".to_string()
        }
        (None, None) => missing.clone(),
    };
    out.push(F::new("Direction", direction));
    let reason = draft.reason.clone().unwrap_or_else(|| missing.clone());
    out.push(F::new("Reason", reason));
    let duration = draft
        .duration
        .as_ref()
        .map_or("_not given_".to_string(), |d| d.text.clone());
    out.push(F::new("Duration", duration));
    for problem in &draft.problems {
        out.push(F::new(
            format!("Problem ({})", problem.field),
            format!("{}; for example `{}`", problem.message, problem.example),
        ));
    }
    out
}

/// [`summary_fields`] as a Markdown list, a `- **Name:** value` line each (the audit log's text).
pub fn summary(draft: &Draft) -> String {
    let mut out = String::new();
    for field in summary_fields(draft) {
        let _ = writeln!(out, "{}", field.to_markdown());
    }
    out
}

/// The OpenStack CLI commands that implement a complete, consistent firewall draft in
/// `security_group`: one `openstack security group rule create` per port or merged range.
///
/// For ingress the remote is the source, for egress the destination. `any` becomes `0.0.0.0/0`
/// (or `::/0` when the other side is IPv6); icmp gets no `--dst-port` (and is `ipv6-icmp` for
/// IPv6). When the remote is an instance or host name, `<IP of NAME>` is used as a placeholder
/// and a note is added. Notes are lines starting with `# `. Returns an empty list for internet
/// access, for incomplete drafts and for drafts with intrinsic problems.
pub fn openstack_commands(draft: &Draft, security_group: &str) -> Vec<String> {
    if draft.kind != Some(RequestKind::Firewall)
        || !matches!(next_missing(draft), None | Some(Field::Reason))
        || !intrinsic_problems(draft).is_empty()
    {
        return Vec::new();
    }
    let (Some(protocol), Some(source), Some(destination), Some(direction)) = (
        draft.protocol,
        &draft.source,
        &draft.destination,
        effective_direction(draft),
    ) else {
        return Vec::new();
    };
    let (remote, other) = match direction {
        Direction::Ingress => (source, destination),
        Direction::Egress => (destination, source),
    };
    let mut notes = Vec::new();
    let v6 = match (remote, other.network()) {
        (Endpoint::Network(net), _) => matches!(net, IpNet::V6(_)),
        (_, Some(net)) => matches!(net, IpNet::V6(_)),
        _ => false,
    };
    let remote_ip = match remote {
        Endpoint::Any => if v6 { "::/0" } else { "0.0.0.0/0" }.to_string(),
        Endpoint::Network(net) => net.trunc().to_string(),
        Endpoint::Instance(name) | Endpoint::Host(name) => {
            notes.push(format!(
                "# note: replace <IP of {name}> with the address of {name} (a /32 for IPv4 or /128 for IPv6) and make --ethertype match its address family"
            ));
            format!("<IP of {name}>")
        }
    };
    let ethertype = if v6 { "IPv6" } else { "IPv4" };
    let protocol_arg = match (protocol, v6) {
        (Protocol::Icmp, true) => "ipv6-icmp",
        (p, _) => p.as_str(),
    };
    let group = shell_word(security_group);
    let base = format!(
        "openstack security group rule create --{direction} --ethertype {ethertype} --protocol {protocol_arg}"
    );
    let mut commands = Vec::new();
    match (&draft.ports, protocol.uses_ports()) {
        (Some(ports), true) => {
            for range in ports.normalized().0 {
                commands.push(format!(
                    "{base} --dst-port {}:{} --remote-ip {remote_ip} {group}",
                    range.start, range.end
                ));
            }
        }
        _ => commands.push(format!("{base} --remote-ip {remote_ip} {group}")),
    }
    commands.extend(notes);
    commands
}

/// Quotes a security-group name for a POSIX shell when it is not a plain word.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/'));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
