//! Data model for firewall-rule and internet-access request drafts (the `Draft` kept as JSON
//! between chat turns), plus the public entry points of the sibling `request_*` modules.
//!
//! The functions live in `request_parse` (detect, parse, merge, apply_answer), `request_check`
//! (validate, next_missing, effective_direction, needs_confirmation, fingerprint) and
//! `request_render` (question, summary, openstack_commands); they are re-exported here so
//! callers only need `request::*`.

use std::fmt;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

pub use super::request_check::{
    effective_direction, fingerprint, needs_confirmation, next_missing, validate,
};
pub use super::request_parse::{
    apply_answer, detect, looks_like_question, merge, parse, NOT_FOUND,
};
pub use super::request_render::{openstack_commands, question, summary, summary_fields};

/// What a chat message asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// A security-group (firewall) rule: protocol, ports, source, destination.
    Firewall,
    /// Outbound internet access for one or more instances (e.g. for online activation).
    InternetAccess,
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestKind::Firewall => "firewall rule",
            RequestKind::InternetAccess => "internet access",
        })
    }
}

/// IP protocol of a firewall rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// TCP (ports required).
    Tcp,
    /// UDP (ports required).
    Udp,
    /// ICMP / ping (no ports).
    Icmp,
    /// All IP protocols (no ports).
    Any,
}

impl Protocol {
    /// Lower-case name as used in requests and fingerprints (`tcp`, `udp`, `icmp`, `any`).
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
            Protocol::Any => "any",
        }
    }

    /// Whether rules of this protocol are scoped by destination ports.
    pub fn uses_ports(self) -> bool {
        matches!(self, Protocol::Tcp | Protocol::Udp)
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An inclusive destination port range; a single port has `start == end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PortRange {
    /// First port (1..=65535).
    pub start: u16,
    /// Last port, inclusive (>= `start`).
    pub end: u16,
}

impl PortRange {
    /// A range holding one port.
    pub fn single(port: u16) -> Self {
        PortRange {
            start: port,
            end: port,
        }
    }

    /// Whether the range is usable: both ends in 1..=65535 and `start <= end`.
    pub fn is_valid(&self) -> bool {
        self.start >= 1 && self.start <= self.end
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

/// The destination ports of a rule, in the order the requester gave them.
///
/// Displays as `1688`, `1688,3389` or `5000-5010`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ports(pub Vec<PortRange>);

impl Ports {
    /// Sorted, with overlapping and adjacent ranges merged (`80,81,82,443` → `80-82,443`).
    pub fn normalized(&self) -> Ports {
        let mut ranges = self.0.clone();
        ranges.sort();
        let mut merged: Vec<PortRange> = Vec::with_capacity(ranges.len());
        for range in ranges {
            match merged.last_mut() {
                Some(last) if u32::from(range.start) <= u32::from(last.end) + 1 => {
                    last.end = last.end.max(range.end);
                }
                _ => merged.push(range),
            }
        }
        Ports(merged)
    }
}

impl fmt::Display for Ports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, range) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{range}")?;
        }
        Ok(())
    }
}

/// Direction of a security-group rule, seen from the instances the group is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Traffic arriving at our instances (`--ingress`; remote = source).
    Ingress,
    /// Traffic leaving our instances (`--egress`; remote = destination).
    Egress,
}

impl Direction {
    /// `ingress` or `egress`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One side of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Endpoint {
    /// Anywhere (`any`, `anywhere`, `the internet`).
    Any,
    /// An IP network; a single address is stored as /32 or /128. Host bits are cleared
    /// (`10.0.0.5/24` is stored as `10.0.0.0/24`). `0.0.0.0/0` and `::/0` count as "any".
    #[serde(with = "net_text")]
    Network(IpNet),
    /// One of the requester's known instances, spelled as in the known-instance list.
    Instance(String),
    /// A fully-qualified host name (contains a dot), lower-cased, e.g. `kms.corp.example`.
    Host(String),
}

impl Endpoint {
    /// A host as configured: an IP address becomes a single-address network, anything else a
    /// host name.
    pub fn for_host(host: &str) -> Endpoint {
        match host.parse::<std::net::IpAddr>() {
            Ok(ip) => Endpoint::Network(IpNet::from(ip)),
            Err(_) => Endpoint::Host(host.to_string()),
        }
    }
}

impl Endpoint {
    /// `any`, `0.0.0.0/0` or `::/0`.
    pub fn is_any(&self) -> bool {
        match self {
            Endpoint::Any => true,
            Endpoint::Network(net) => net.prefix_len() == 0,
            _ => false,
        }
    }

    /// The IP network, when the endpoint is given as an address.
    pub fn network(&self) -> Option<IpNet> {
        match self {
            Endpoint::Network(net) => Some(*net),
            _ => None,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Any => f.write_str("any"),
            Endpoint::Network(net) if net.prefix_len() == net.max_prefix_len() => {
                write!(f, "{}", net.addr())
            }
            Endpoint::Network(net) => write!(f, "{net}"),
            Endpoint::Instance(name) | Endpoint::Host(name) => f.write_str(name),
        }
    }
}

/// How long access is needed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccessDuration {
    /// Normalized text, e.g. `2 days`, `30 minutes` or `until friday`.
    pub text: String,
    /// Length in seconds for `N minutes/hours/days/weeks/months` (a month counts 30 days);
    /// `None` for deadlines such as `until friday`, which depend on when the ticket is filed.
    pub seconds: Option<u64>,
}

/// A field of a draft: what a [`Problem`] is about, and what slot filling asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Firewall rule or internet access.
    Kind,
    /// tcp / udp / icmp / any.
    Protocol,
    /// Destination port(s).
    Ports,
    /// Where traffic comes from.
    Source,
    /// Where traffic goes to.
    Destination,
    /// Ingress or egress.
    Direction,
    /// Instances that need internet access.
    Instances,
    /// Why the access is needed.
    Reason,
    /// How long the access is needed.
    Duration,
}

/// A slot to fill in a conversation; the same names as [`Field`].
pub type Slot = Field;

impl Field {
    /// Lower-case field name (`protocol`, `ports`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Kind => "kind",
            Field::Protocol => "protocol",
            Field::Ports => "ports",
            Field::Source => "source",
            Field::Destination => "destination",
            Field::Direction => "direction",
            Field::Instances => "instances",
            Field::Reason => "reason",
            Field::Duration => "duration",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something in a request that is present but unusable, with a working example to reply with.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {message} (for example `{example}`)")]
pub struct Problem {
    /// The field the problem is about.
    pub field: Field,
    /// What is wrong, naming the offending value.
    pub message: String,
    /// A valid value the requester could send instead.
    pub example: String,
}

impl Problem {
    /// Builds a problem.
    pub fn new(field: Field, message: impl Into<String>, example: impl Into<String>) -> Self {
        Problem {
            field,
            message: message.into(),
            example: example.into(),
        }
    }
}

/// A request being assembled over one or more chat turns; stored as JSON between turns.
///
/// Fields are `None`/empty until the requester supplies them. `direction` holds only what the
/// requester said explicitly; use [`effective_direction`] for the derived value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    /// Firewall rule or internet access.
    pub kind: Option<RequestKind>,
    /// IP protocol.
    pub protocol: Option<Protocol>,
    /// Destination ports (tcp/udp only).
    pub ports: Option<Ports>,
    /// Where traffic comes from.
    pub source: Option<Endpoint>,
    /// Where traffic goes to.
    pub destination: Option<Endpoint>,
    /// Direction stated explicitly ("inbound", "egress", …).
    pub direction: Option<Direction>,
    /// Direction implied by wording such as "so we can reach our KMS" (weaker than topology).
    pub direction_hint: Option<Direction>,
    /// Why the access is needed (the "so we can …" / "for …" clause).
    pub reason: Option<String>,
    /// How long the access is needed.
    pub duration: Option<AccessDuration>,
    /// Instances (internet access): known names or fully-qualified host names.
    pub instances: Vec<String>,
    /// The requester explicitly confirmed a risky rule (see [`needs_confirmation`]); reset by
    /// [`merge`] whenever protocol, ports, endpoints or direction change.
    pub confirmed: bool,
    /// Problems found in the latest message plus validation of the whole draft.
    pub problems: Vec<Problem>,
    /// Words of the latest message that were not used, or that make a field uncertain: the
    /// requester is asked about them before anything is filed (`example` is the value kept).
    pub doubts: Vec<Problem>,
}

/// Serializes an [`IpNet`] as its CIDR text (`10.0.0.0/16`, `2001:db8::1/128`).
mod net_text {
    use ipnet::IpNet;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(net: &IpNet, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(net)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<IpNet, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
