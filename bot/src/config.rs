//! Configuration: the TOML file, `KMSBOT_`-prefixed environment overrides, defaults and validation.
//!
//! This module and `main.rs` are the only places that read the environment or config files;
//! everything else receives typed settings.

use figment::providers::{Format, Serialized, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

mod winrm;

/// A secret value (token, signing secret), held in a [`secrecy::SecretString`] (zeroed on drop):
/// printed as `[redacted]` by `Debug` and `Display`, and serialized as `"[redacted]"` too, so
/// writing a configuration out never writes a raw secret.
#[derive(Clone, Deserialize)]
#[serde(from = "String")]
pub struct Secret(secrecy::SecretString);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(secrecy::SecretString::new(value.into()))
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        use secrecy::ExposeSecret;
        self.0.expose_secret()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("[redacted]")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Where a secret comes from: `env:NAME` (an environment variable) or `file:PATH` (a file whose
/// first line is the secret). The reference is configuration; the secret itself never is.
#[derive(Clone, Deserialize, Serialize, PartialEq, Eq, Debug)]
#[serde(try_from = "String", into = "String")]
pub struct SecretRef(String);

impl TryFrom<String> for SecretRef {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if let Some(("env", name)) = s.split_once(':') {
            if name.to_ascii_uppercase().starts_with("KMSBOT_") {
                return Err(reserved_env_name(name));
            }
        }
        let ok = match s.split_once(':') {
            Some(("env", name)) => {
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            }
            Some(("file", path)) => !path.is_empty(),
            _ => false,
        };
        if ok {
            Ok(SecretRef(s))
        } else {
            // The value is not echoed: it may be the secret itself, pasted by mistake.
            Err("the value is not a secret reference (not shown, in case it is the secret itself); expected `env:VARIABLE` or `file:/path/to/file`".to_string())
        }
    }
}

/// Why `env:KMSBOT_…` cannot be a secret reference, with a name that works.
fn reserved_env_name(name: &str) -> String {
    let rest = name
        .get("KMSBOT_".len()..)
        .unwrap_or_default()
        .trim_start_matches('_');
    let suggestion = if rest.is_empty() {
        "KMS_HOST_KEY"
    } else {
        rest
    };
    format!(
        "`env:{name}` cannot be a secret reference: names starting with `KMSBOT_` are kmsbot's own \
         configuration overrides, so setting {name} would replace this setting itself (and break every \
         command). Use a name without the prefix, for example `env:{suggestion}`, or `file:/path/to/file`"
    )
}

impl From<SecretRef> for String {
    fn from(r: SecretRef) -> String {
        r.0
    }
}

impl SecretRef {
    /// The reference as written (`env:NAME`, `file:PATH`); safe to store and show.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reads the secret. The error names the reference, never the value.
    pub fn resolve(reference: &str) -> Result<Secret, String> {
        match reference.split_once(':') {
            Some(("env", name)) => std::env::var(name)
                .map(|v| Secret::new(v.trim().to_string()))
                .map_err(|_| {
                    format!("the environment variable {name} (from `{reference}`) is not set")
                }),
            Some(("file", path)) => std::fs::read_to_string(path)
                .map(|v| Secret::new(v.lines().next().unwrap_or_default().trim().to_string()))
                .map_err(|e| format!("cannot read the secret file {path}: {e}")),
            _ => Err(format!("`{reference}` is not a secret reference")),
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `[database]`
    pub database: DatabaseConfig,
    /// `[kms]`: the tenant's KMS host, used when a request names none.
    pub kms: KmsConfig,
    /// `[approvals]`: who may approve, with which emoji, how many.
    pub approvals: ApprovalsConfig,
    /// `[[instances]]`: the instances the bot may act on.
    pub instances: Vec<InstanceConfig>,
    /// `[tickets]`: how tickets are rendered.
    pub tickets: TicketsConfig,
    /// `[jobs]`: the activation job worker.
    pub jobs: JobsConfig,
    /// `[knowledge]`: operator articles.
    pub knowledge: KnowledgeConfig,
    /// `[slack]`: present when the Slack adapter should run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slack: Option<SlackConfig>,
    /// `[discord]`: present when the Discord adapter should run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discord: Option<DiscordConfig>,
    /// `[http]`: the HTTP server of `kmsbot serve`.
    pub http: HttpConfig,
    /// The clock deadlines of time-limited tickets are measured with; not read from the file
    /// (`--clock-offset` shifts it, for rehearsals and tests).
    #[serde(skip)]
    pub clock: crate::clock::Clock,
    /// `[status]`: who may run read-only status checks.
    pub status: StatusConfig,
    /// `[watch]`: the background expiry watch; absent: no watch runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watch: Option<WatchConfig>,
}

/// `[watch]`: a background read-only check of every instance that warns in one channel when an
/// instance's activation changes for the worse (and when it recovers).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatchConfig {
    /// How often every instance is checked: `"12h"`, `"30m"`, `"1d"` (at least 1 second).
    pub every: String,
    /// Where warnings go: `slack:C0123ABCD` or `discord:123456789012345678`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// A KMS client whose activation was last renewed more than this many days ago is reported
    /// (clients renew every 7 days; an activation lasts 180).
    pub renewal_warn_days: u32,
    /// Instances that are KMS hosts: their count (`slmgr /dlv`) is checked against the
    /// activation thresholds (5 for servers, 25 for client editions).
    pub kms_hosts: Vec<String>,
}

impl Default for WatchConfig {
    fn default() -> Self {
        WatchConfig {
            every: "12h".into(),
            channel: None,
            renewal_warn_days: 30,
            kms_hosts: Vec::new(),
        }
    }
}

impl WatchConfig {
    /// `every` as a duration (validated when the configuration is loaded).
    pub fn interval(&self) -> Option<std::time::Duration> {
        humantime::parse_duration(self.every.trim())
            .ok()
            .filter(|d| *d >= std::time::Duration::from_secs(1))
    }

    /// `channel` split into its platform and channel id.
    pub fn target(&self) -> Option<(adapters::Platform, &str)> {
        let (platform, channel) = self.channel.as_deref()?.split_once(':')?;
        let platform = adapters::Platform::parse(platform)?;
        let ok = match platform {
            adapters::Platform::Slack => {
                !channel.is_empty() && channel.chars().all(|c| c.is_ascii_alphanumeric())
            }
            adapters::Platform::Discord => {
                !channel.is_empty() && channel.chars().all(|c| c.is_ascii_digit())
            }
            _ => false,
        };
        ok.then_some((platform, channel))
    }
}

/// `[status]`
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct StatusConfig {
    /// Platform user ids (or `discord-role:<id>`, or `"*"` for everyone) who may run read-only
    /// status checks; unset: the approvers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
}

/// `[database]`
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// The SQLite file; `--db` overrides it; default `./kmsbot.db`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
}

/// `[kms]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct KmsConfig {
    /// Host name or IP address of the tenant's KMS host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Its TCP port (1688 unless changed on the host).
    pub port: u16,
    /// The KMS host key for the KMS host setup plan: a secret reference, never the key itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_key: Option<SecretRef>,
}

impl Default for KmsConfig {
    fn default() -> Self {
        KmsConfig {
            host: None,
            port: 1688,
            host_key: None,
        }
    }
}

/// `[approvals]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApprovalsConfig {
    /// Stable platform user ids (`console:bob`, `slack:U0123ABCD`, `discord:1234…`) or
    /// `discord-role:<id>`.
    pub approvers: Vec<String>,
    /// The emoji that approves (Slack-style name or the character).
    pub approve_emoji: String,
    /// The emoji that rejects.
    pub reject_emoji: String,
    /// Distinct approvers needed; the requester never counts.
    pub required: u32,
}

impl Default for ApprovalsConfig {
    fn default() -> Self {
        ApprovalsConfig {
            approvers: Vec::new(),
            approve_emoji: "white_check_mark".into(),
            reject_emoji: "x".into(),
            required: 1,
        }
    }
}

/// How the bot reaches an instance.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    /// OpenSSH on the instance (cmd.exe shell).
    Ssh,
    /// WinRM (WS-Management over HTTPS, cmd.exe shell).
    Winrm,
    /// Records and shows the commands without running them.
    DryRun,
}

/// One `[[instances]]` entry.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceConfig {
    /// The name users type (`web-01`).
    pub name: String,
    /// The Windows edition, as in Microsoft's key table (`Windows Server 2019 Datacenter`).
    pub edition: String,
    /// `ssh`, `winrm` or `dry-run`.
    #[serde(default = "default_transport")]
    pub transport: Transport,
    /// Address the bot connects to (SSH, WinRM).
    #[serde(default)]
    pub address: Option<String>,
    /// SSH or WinRM port; when not given, the transport's own (22 for ssh, 5986 for winrm),
    /// filled in by [`Config::load`].
    #[serde(default)]
    pub port: u16,
    /// SSH or WinRM login.
    #[serde(default = "default_user")]
    pub user: String,
    /// Private key for SSH.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// known_hosts file the host key is verified against.
    #[serde(default)]
    pub known_hosts: Option<PathBuf>,
    /// The instance's own product key (MAK or retail) for online activation, as a secret reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_key: Option<SecretRef>,
    /// Groups the instance belongs to (`status tag:web`, `activate tag:web`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// WinRM: the password of `user`, as a secret reference (`env:NAME` or `file:PATH`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<SecretRef>,
    /// WinRM: how to authenticate (`ntlm`, the default, or `basic`; both only inside HTTPS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<WinrmAuth>,
    /// WinRM: a PEM file with the certificate (or its CA) the HTTPS listener must present;
    /// without it the system's roots are used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// WinRM: accept any HTTPS certificate. Off by default; logged as a warning at start.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tls_insecure: bool,
}

/// How the bot authenticates to WinRM.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum WinrmAuth {
    /// NTLMv2 (HTTP `Negotiate`), enabled on WinRM by default; local or `DOMAIN\user` accounts.
    #[default]
    Ntlm,
    /// HTTP Basic with a local account (must be enabled on the instance).
    Basic,
}

impl InstanceConfig {
    /// The port this instance's transport uses when none is configured.
    pub fn default_port(transport: Transport) -> u16 {
        match transport {
            Transport::Winrm => 5986,
            Transport::Ssh | Transport::DryRun => 22,
        }
    }
}

impl Transport {
    /// The name as written in the config (`ssh`, `dry-run`).
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Ssh => "ssh",
            Transport::Winrm => "winrm",
            Transport::DryRun => "dry-run",
        }
    }
}

fn default_transport() -> Transport {
    Transport::Ssh
}
fn default_user() -> String {
    "Administrator".into()
}

/// `[tickets]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TicketsConfig {
    /// The OpenStack security group named in the rule commands of firewall tickets.
    pub security_group: String,
}

impl Default for TicketsConfig {
    fn default() -> Self {
        TicketsConfig {
            security_group: "<security-group>".into(),
        }
    }
}

/// `[jobs]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Jobs run at the same time.
    pub concurrency: usize,
    /// Longest a single step may take, in seconds.
    pub step_timeout_secs: u64,
    /// Longest an SSH connection may take to set up, in seconds.
    pub connect_timeout_secs: u64,
    /// How long a running job's lease lasts, in seconds. The worker that runs a job renews it
    /// every third of this; another process takes the job over only after it expired.
    pub lease_secs: u64,
    /// Before a KMS activation is put to approvers, ask each SSH or WinRM instance (read-only) whether
    /// the KMS host answers on its port and which edition it runs (default: on).
    pub preflight: bool,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            concurrency: 4,
            step_timeout_secs: 120,
            connect_timeout_secs: 10,
            lease_secs: 30,
            preflight: true,
        }
    }
}

/// `[knowledge]`
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct KnowledgeConfig {
    /// A folder of the operator's own Markdown articles, added to the index at start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_dir: Option<PathBuf>,
}

/// Socket Mode or the Events API.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum SlackMode {
    /// Socket Mode: no public URL needed.
    #[default]
    Socket,
    /// The Events API over HTTP on `[http] listen`.
    Events,
}

/// `[slack]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlackConfig {
    /// `socket` or `events`.
    pub mode: SlackMode,
    /// The Web API base of every call.
    pub api_url: String,
    /// `xoxb-…` (env `KMSBOT_SLACK_BOT_TOKEN`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bot_token: Option<Secret>,
    /// `xapp-…` for Socket Mode (env `KMSBOT_SLACK_APP_TOKEN`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_token: Option<Secret>,
    /// The signing secret for the Events API (env `KMSBOT_SLACK_SIGNING_SECRET`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_secret: Option<Secret>,
}

impl Default for SlackConfig {
    fn default() -> Self {
        SlackConfig {
            mode: SlackMode::Socket,
            api_url: "https://slack.com/api/".into(),
            bot_token: None,
            app_token: None,
            signing_secret: None,
        }
    }
}

/// `[discord]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordConfig {
    /// Replaces `https://discord.com` for REST; the gateway address comes from that API.
    pub api_url: String,
    /// The bot token (env `KMSBOT_DISCORD_TOKEN`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            api_url: "https://discord.com".into(),
            token: None,
        }
    }
}

/// `[http]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Address of the HTTP server (`/healthz`, `/readyz`, `/metrics`, Slack events).
    pub listen: SocketAddr,
    /// A connection must send a request's headers within this many seconds (also the idle
    /// keep-alive limit between requests), else it is closed.
    pub header_timeout_secs: u64,
    /// A request, its body included, must be read and answered within this many seconds, else it
    /// is answered 408.
    pub body_timeout_secs: u64,
    /// Open connections at most; at the limit a new connection closes the oldest one that has
    /// no request in progress (so idle or silent connections cannot lock `/healthz` out), or is
    /// closed itself when every connection is busy. Keep it below the open-files limit.
    pub max_connections: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            header_timeout_secs: 10,
            body_timeout_secs: 10,
            max_connections: 512,
        }
    }
}

/// A configuration that cannot be used; the message names the file, the key and what was expected.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

/// The sections whose keys may be overridden from the environment (`KMSBOT_<SECTION>_<KEY>`).
const SECTIONS: &[&str] = &[
    "database",
    "kms",
    "approvals",
    "tickets",
    "jobs",
    "knowledge",
    "slack",
    "discord",
    "http",
    "status",
    "watch",
];

fn env_key(key: &str) -> String {
    for section in SECTIONS {
        if let Some(rest) = key.strip_prefix(section).and_then(|r| r.strip_prefix('_')) {
            return format!("{section}.{rest}");
        }
    }
    key.to_string()
}

/// One `KMSBOT_*` variable as a figment provider, so errors name the variable.
struct EnvVar {
    var: String,
    key: String,
    value: String,
}

impl Provider for EnvVar {
    fn metadata(&self) -> Metadata {
        let var = self.var.clone();
        Metadata::named(format!("environment variable {var}")).interpolater(move |_, _| var.clone())
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let list = LIST_KEYS.contains(&self.key.as_str()) && !self.value.trim().starts_with('[');
        // A secret is text whatever it looks like (a numeric signing secret stays a string, and
        // so is never quoted back in a type error).
        // figment's value parser slices strings with escapes by character index and panics on
        // a backslash after a non-ASCII character; such a value is taken as plain text.
        let unsafe_to_parse = !self.value.is_ascii() && self.value.contains('\\');
        let value: Value = if list {
            // `console:carol,console:bob`: a comma-separated list.
            Value::from(
                self.value
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<String>>(),
            )
        } else if secret_key(&self.key) || unsafe_to_parse {
            Value::from(self.value.clone())
        } else {
            self.value
                .parse()
                .unwrap_or_else(|_| Value::from(self.value.clone()))
        };
        let nested = figment::util::nest(&self.key, value);
        let dict = nested
            .into_dict()
            .ok_or_else(|| figment::Error::from(format!("{} is not a key", self.var)))?;
        Ok(Profile::Default.collect(dict))
    }
}

/// The keys whose value is a list: in an environment variable they also take a
/// comma-separated list (`KMSBOT_APPROVALS_APPROVERS=console:carol,console:bob`).
const LIST_KEYS: &[&str] = &["approvals.approvers", "watch.kms_hosts"];

/// A key path as the user writes it: `instances[0].transport`, not `instances.0.transport`.
fn key_path(path: &[String]) -> String {
    let mut out = String::new();
    for part in path {
        if part.bytes().all(|b| b.is_ascii_digit()) && !out.is_empty() {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(part);
        }
    }
    out
}

/// Whether a key (or dotted path) holds a secret value: its text is never shown in an error.
fn secret_key(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key).to_ascii_lowercase();
    last.contains("token")
        || last.contains("secret")
        || last.contains("password")
        || last.contains("product_key")
        || last.contains("host_key")
}

/// A TOML syntax error without the quoted source line (which may hold a secret, e.g. an
/// unquoted token): its position and what was expected remain.
fn without_source_lines(text: &str) -> String {
    let kept: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty()
                && !l
                    .trim_start_matches(|c: char| c.is_ascii_digit())
                    .trim_start()
                    .starts_with('|')
        })
        .collect();
    format!(
        "{} (the line is not shown, in case it holds a secret)",
        kept.join("; ")
    )
}

/// `text` with every `quoted` value taken out.
fn without_values(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 0 {
            out.push_str(part);
        } else {
            out.push_str("(value not shown)");
        }
    }
    out
}

/// The key without list indexes (`instances.edition`), to look up its example.
fn generic_key(path: &[String]) -> String {
    path.iter()
        .filter(|p| !p.bytes().all(|b| b.is_ascii_digit()))
        .cloned()
        .collect::<Vec<_>>()
        .join(".")
}

/// A value that works for `key` (as TOML), for the example in an error.
fn example_value(key: &str) -> Option<&'static str> {
    Some(match key {
        "database.path" => "\"kmsbot.db\"",
        "kms.host" => "\"kms.corp.example\"",
        "kms.port" => "1688",
        "kms.host_key" => "\"env:KMS_HOST_KEY\"",
        "approvals.approvers" => "[\"console:bob\", \"slack:U0123ABCD\"]",
        "approvals.approve_emoji" => "\"white_check_mark\"",
        "approvals.reject_emoji" => "\"x\"",
        "approvals.required" => "1",
        "instances.name" => "\"web-01\"",
        "instances.edition" => "\"Windows Server 2019 Datacenter\"",
        "instances.transport" => "\"dry-run\"",
        "instances.address" => "\"10.0.0.12\"",
        "instances.port" => "22",
        "instances.user" => "\"Administrator\"",
        "instances.key_file" => "\"/etc/kmsbot/id_ed25519\"",
        "instances.known_hosts" => "\"/etc/kmsbot/known_hosts\"",
        "instances.product_key" => "\"file:/etc/kmsbot/web-01.key\"",
        "tickets.security_group" => "\"windows-activation\"",
        "jobs.concurrency" => "4",
        "jobs.step_timeout_secs" => "120",
        "jobs.connect_timeout_secs" => "10",
        "jobs.lease_secs" => "30",
        "knowledge.extra_dir" => "\"/etc/kmsbot/articles\"",
        "slack.mode" => "\"socket\"",
        "slack.api_url" => "\"https://slack.com/api/\"",
        "discord.api_url" => "\"https://discord.com\"",
        "http.listen" => "\"127.0.0.1:8080\"",
        "watch.every" => "\"12h\"",
        "watch.channel" => "\"slack:C0123ABCD\"",
        "watch.renewal_warn_days" => "30",
        "watch.kms_hosts" => "[\"kms-01\"]",
        _ => return None,
    })
}

/// What a serde type name means to someone writing a config file.
fn expected_words(expected: &str, key: &str) -> String {
    match expected {
        "u16" if key.ends_with("port") => "a port number from 1 to 65535".into(),
        "u16" => "a whole number from 0 to 65535".into(),
        "u8" | "u32" | "u64" | "usize" => "a whole number, 0 or more".into(),
        "a string" => "text in double quotes".into(),
        "a sequence" => "a list in square brackets".into(),
        "a boolean" => "`true` or `false`".into(),
        e if e.starts_with("enum ") || e.starts_with("struct ") => {
            "one of the documented values".into()
        }
        e => e.replace("``", "`"),
    }
}

/// The value the user wrote, in their words; never shown for keys that may hold a secret.
fn found_words(actual: &figment::error::Actual, key: &str) -> String {
    use figment::error::Actual;
    if ["token", "secret", "key"].iter().any(|w| key.contains(w)) && key != "instances.key_file" {
        return "a value of the wrong kind (not shown, in case it is a secret)".into();
    }
    match actual {
        Actual::Str(v) => format!("the text \"{v}\""),
        Actual::Signed(v) => format!("the number {v}"),
        Actual::Unsigned(v) => format!("the number {v}"),
        Actual::Float(v) => format!("the number {v}"),
        Actual::Bool(v) => format!("`{v}`"),
        Actual::Seq => "a list".into(),
        Actual::Map => "a table".into(),
        other => other.to_string(),
    }
}

fn describe(err: figment::Error) -> ConfigError {
    use figment::error::Kind;
    let mut lines = Vec::new();
    for e in err {
        let env_var = e
            .metadata
            .as_ref()
            .filter(|md| md.source.is_none() && md.name.starts_with("environment variable "))
            .map(|md| {
                md.name
                    .trim_start_matches("environment variable ")
                    .to_string()
            });
        let source = e
            .metadata
            .as_ref()
            .map(|md| match &md.source {
                Some(src) => src.to_string(),
                None => md.name.to_string(),
            })
            .unwrap_or_else(|| "configuration".into());
        let key = key_path(&e.path);
        let generic = generic_key(&e.path);
        let example = |key: &str| -> String {
            match (example_value(key), &env_var) {
                (Some(v), Some(var)) if LIST_KEYS.contains(&key) => {
                    format!(" For example `{var}=console:bob,slack:U0123ABCD` (or `{} = {v}` in the file).", key.rsplit('.').next().unwrap_or(key))
                }
                (Some(v), Some(var)) => {
                    format!(" For example `{var}={}`.", v.trim_matches('"'))
                }
                (Some(v), None) => format!(
                    " For example `{} = {v}`.",
                    key.rsplit('.').next().unwrap_or(key)
                ),
                (None, _) => String::new(),
            }
        };
        let what = match &e.kind {
            Kind::UnknownField(found, expected) => {
                let full = if key.is_empty() {
                    found.clone()
                } else if e.path.last() == Some(found) {
                    key.clone()
                } else {
                    format!("{key}.{found}")
                };
                let expected = expected
                    .iter()
                    .map(|x| format!("`{x}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("unknown key `{full}`; expected one of {expected}")
            }
            Kind::Message(m) if m.contains("parse error") => without_source_lines(m),
            // Our own messages (`Kind::Message`) name references, never values.
            kind if secret_key(&key) && !matches!(kind, Kind::Message(_)) => {
                format!("key `{key}`: {}", without_values(&kind.to_string()))
            }
            Kind::MissingField(field) => {
                let at = if key.is_empty() {
                    "the configuration".to_string()
                } else {
                    format!("`{key}`")
                };
                let full = if generic.is_empty() {
                    field.to_string()
                } else {
                    format!("{generic}.{field}")
                };
                format!("{at} needs `{field}`.{}", example(&full))
            }
            Kind::InvalidType(actual, expected) | Kind::InvalidValue(actual, expected) => {
                let mut want = expected_words(expected, &generic);
                if env_var.is_some() {
                    // No quotes or brackets in an environment variable.
                    want = want
                        .replace("text in double quotes", "text")
                        .replace("a list in square brackets", "a comma-separated list");
                }
                format!(
                    "key `{key}` must be {want}, not {}.{}",
                    found_words(actual, &generic),
                    example(&generic)
                )
            }
            Kind::UnknownVariant(found, expected) => format!(
                "key `{key}`: `{found}` is not one of {}.{}",
                expected
                    .iter()
                    .map(|x| format!("`{x}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                example(&generic)
            ),
            kind if key.is_empty() => without_values(&kind.to_string()),
            kind => {
                let text = kind.to_string();
                let text = text.trim_end_matches('.');
                format!("key `{key}`: {text}.{}", example(&generic))
            }
        };
        lines.push(format!("config error in {source}: {what}"));
    }
    ConfigError(lines.join("; "))
}

impl Config {
    /// Loads the configuration: built-in defaults, then `file` (when given or when
    /// `./kmsbot.toml` exists), then `KMSBOT_*` variables from `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.is_file() {
                    return Err(ConfigError(format!(
                        "config error: {} does not exist or is not a file",
                        path.display()
                    )));
                }
                figment = figment.merge(Toml::file_exact(path));
            }
            None => {
                let default = Path::new("kmsbot.toml");
                if default.is_file() {
                    figment = figment.merge(Toml::file_exact(default));
                }
            }
        }
        // The environment is passed in (not read here) so tests stay hermetic.
        for (var, value) in env {
            if let Some(rest) = var.strip_prefix("KMSBOT_") {
                let key = env_key(&rest.to_ascii_lowercase());
                figment = figment.merge(EnvVar { var, key, value });
            }
        }
        let mut config: Config = figment.extract().map_err(describe)?;
        for inst in &mut config.instances {
            if inst.port == 0 {
                inst.port = InstanceConfig::default_port(inst.transport);
            }
        }
        config.validate(file)?;
        Ok(config)
    }

    fn validate(&self, file: Option<&Path>) -> Result<(), ConfigError> {
        let src = file
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "configuration".into());
        let bad = |key: &str, msg: String| {
            ConfigError(format!("config error in {src}: key `{key}`: {msg}"))
        };
        if self.approvals.required == 0 {
            return Err(bad(
                "approvals.required",
                "must be at least 1 (the requester never counts), e.g. `required = 1`".into(),
            ));
        }
        for a in &self.approvals.approvers {
            if !valid_approver(a) {
                return Err(bad(
                    "approvals.approvers",
                    format!("`{a}` is not a platform user id; expected `console:NAME`, `slack:U…`, `discord:DIGITS` or `discord-role:DIGITS`"),
                ));
            }
        }
        for a in self.status.allowed.iter().flatten() {
            if a != "*" && !valid_approver(a) {
                return Err(bad(
                    "status.allowed",
                    format!("`{a}` is not a platform user id; expected `console:NAME`, `slack:U…`, `discord:DIGITS`, `discord-role:DIGITS` or `\"*\"` for everyone"),
                ));
            }
        }
        let approve = adapters::emoji::normalize(&self.approvals.approve_emoji);
        let reject = adapters::emoji::normalize(&self.approvals.reject_emoji);
        if approve.is_empty() || reject.is_empty() {
            return Err(bad(
                "approvals",
                "approve_emoji and reject_emoji must name an emoji, e.g. `approve_emoji = \"white_check_mark\"`".into(),
            ));
        }
        if approve == reject {
            return Err(bad(
                "approvals.reject_emoji",
                format!("is the same emoji as approve_emoji (`{approve}`): a reaction could not say which was meant; use another one, e.g. `reject_emoji = \"x\"`"),
            ));
        }
        if self.jobs.lease_secs < 2 {
            return Err(bad(
                "jobs.lease_secs",
                "must be at least 2 (it is renewed every third of it), e.g. `lease_secs = 30`"
                    .into(),
            ));
        }
        if self.jobs.concurrency == 0 || self.jobs.step_timeout_secs == 0 {
            return Err(bad(
                "jobs",
                "concurrency and step_timeout_secs must be at least 1".into(),
            ));
        }
        if self.http.header_timeout_secs == 0
            || self.http.body_timeout_secs == 0
            || self.http.max_connections == 0
        {
            return Err(bad(
                "http",
                "header_timeout_secs, body_timeout_secs and max_connections must be at least 1"
                    .into(),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, inst) in self.instances.iter().enumerate() {
            let key = format!("instances[{i}]");
            if !crate::validate::instance_name(&inst.name) {
                return Err(bad(
                    &format!("{key}.name"),
                    format!("`{}` is not a valid instance name; use letters, digits and `-`, e.g. `web-01`", inst.name),
                ));
            }
            if let Some(t) = inst.tags.iter().find(|t| !crate::validate::tag(t)) {
                return Err(bad(
                    &format!("{key}.tags"),
                    format!("`{t}` is not a valid tag; use letters, digits and `-`, e.g. `tags = [\"web\"]`"),
                ));
            }
            if !seen.insert(inst.name.to_ascii_lowercase()) {
                return Err(bad(
                    &format!("{key}.name"),
                    format!("instance `{}` is defined twice", inst.name),
                ));
            }
            if inst.transport == Transport::Winrm {
                winrm::validate(inst, &key).map_err(|(field, msg)| bad(&field, msg))?;
            }
            if inst.transport == Transport::Ssh {
                match &inst.address {
                    Some(a) if crate::validate::host(a) => {}
                    Some(a) => {
                        return Err(bad(
                            &format!("{key}.address"),
                            format!("`{a}` is not a host name or IP address"),
                        ))
                    }
                    None => {
                        return Err(bad(
                            &format!("{key}.address"),
                            "an ssh instance needs an address, e.g. `address = \"10.0.0.12\"`"
                                .into(),
                        ))
                    }
                }
                for (field, value) in [
                    ("key_file", &inst.key_file),
                    ("known_hosts", &inst.known_hosts),
                ] {
                    if value.is_none() {
                        return Err(bad(
                            &format!("{key}.{field}"),
                            format!(
                                "an ssh instance needs `{field}` (host keys are always verified)"
                            ),
                        ));
                    }
                }
            }
        }
        if let Some(host) = &self.kms.host {
            if !crate::validate::host(host) {
                return Err(bad(
                    "kms.host",
                    format!("`{host}` is not a host name or IP address, e.g. `kms.corp.example`"),
                ));
            }
        }
        if self.kms.port == 0 {
            return Err(bad("kms.port", "must be 1..65535, e.g. 1688".into()));
        }
        if let Some(w) = &self.watch {
            self.validate_watch(w).map_err(|(key, msg)| bad(key, msg))?;
        }
        Ok(())
    }

    fn validate_watch(&self, w: &WatchConfig) -> Result<(), (&'static str, String)> {
        if w.interval().is_none() {
            return Err((
                "watch.every",
                format!(
                    "`{}` is not a duration of at least 1 second; write a number and a unit, e.g. `every = \"12h\"` (or \"30m\", \"1d\")",
                    w.every
                ),
            ));
        }
        match &w.channel {
            None => {
                return Err((
                    "watch.channel",
                    "the watch needs a channel for its warnings, e.g. `channel = \"slack:C0123ABCD\"` or `channel = \"discord:123456789012345678\"`".into(),
                ))
            }
            Some(c) if w.target().is_none() => {
                return Err((
                    "watch.channel",
                    format!("`{c}` is not a platform and channel id; write `slack:C0123ABCD` or `discord:123456789012345678`"),
                ))
            }
            Some(_) => {}
        }
        if w.renewal_warn_days == 0 || w.renewal_warn_days >= 180 {
            return Err((
                "watch.renewal_warn_days",
                format!(
                    "must be 1 to 179 (a KMS activation lasts 180 days; clients renew every 7), e.g. `renewal_warn_days = 30`; got {}",
                    w.renewal_warn_days
                ),
            ));
        }
        for h in &w.kms_hosts {
            if self.instance(h).is_none() {
                let known = self
                    .instances
                    .iter()
                    .map(|i| format!("`{}`", i.name))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err((
                    "watch.kms_hosts",
                    format!(
                        "`{h}` is not a configured instance; list the `[[instances]]` names of your KMS hosts (configured: {})",
                        if known.is_empty() { "none".to_string() } else { known }
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The database path: `--db`, else `[database] path`, else `./kmsbot.db`.
    pub fn database_path(&self, cli: Option<&Path>) -> PathBuf {
        cli.map(Path::to_path_buf)
            .or_else(|| self.database.path.clone())
            .unwrap_or_else(|| PathBuf::from("kmsbot.db"))
    }

    /// The instances with tag `tag` (case-insensitive), in config order.
    pub fn tagged(&self, tag: &str) -> Vec<&InstanceConfig> {
        self.instances
            .iter()
            .filter(|i| i.tags.iter().any(|t| t.eq_ignore_ascii_case(tag)))
            .collect()
    }

    /// Finds an instance by name (case-insensitive).
    pub fn instance(&self, name: &str) -> Option<&InstanceConfig> {
        self.instances
            .iter()
            .find(|i| i.name.eq_ignore_ascii_case(name))
    }
}

fn valid_approver(a: &str) -> bool {
    let Some((platform, id)) = a.split_once(':') else {
        return false;
    };
    let id_ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    match platform {
        "console" | "slack" => id_ok,
        "discord" | "discord-role" => id_ok && id.chars().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    fn load(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let f = file(text);
        Config::load(
            Some(f.path()),
            env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        )
    }

    #[test]
    fn defaults_and_full_file() {
        let c = load(
            r#"
[kms]
host = "kms.corp.example"
[approvals]
approvers = ["console:bob", "slack:U0123ABCD", "discord:123456789012345678", "discord-role:42"]
required = 2
[[instances]]
name = "web-01"
edition = "Windows Server 2019 Datacenter"
transport = "dry-run"
[slack]
mode = "events"
"#,
            &[],
        )
        .unwrap();
        assert_eq!(c.kms.port, 1688);
        assert_eq!(c.approvals.required, 2);
        assert_eq!(c.approvals.approve_emoji, "white_check_mark");
        assert_eq!(c.instances[0].transport, Transport::DryRun);
        assert_eq!(c.slack.unwrap().mode, SlackMode::Events);
        assert!(c.discord.is_none());
    }

    #[test]
    fn the_same_emoji_to_approve_and_reject_is_a_config_error() {
        for (a, r) in [("x", "x"), ("white_check_mark", "✅"), (":x:", "x")] {
            let e = load(
                &format!("[approvals]\napprove_emoji = \"{a}\"\nreject_emoji = \"{r}\"\n"),
                &[],
            )
            .unwrap_err()
            .to_string();
            assert!(e.contains("approvals.reject_emoji"), "{e}");
            assert!(e.contains("same emoji"), "{e}");
        }
        let e = load("[approvals]\nreject_emoji = \"\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("must name an emoji"), "{e}");
        assert!(load("[approvals]\nreject_emoji = \"no_entry\"\n", &[]).is_ok());
    }

    #[test]
    fn typo_in_a_key_names_file_key_and_expectation() {
        let f = file("[kms]\nhots = \"x\"\n");
        let e = Config::load(Some(f.path()), Vec::new())
            .unwrap_err()
            .to_string();
        assert!(e.contains(&f.path().display().to_string()), "{e}");
        assert!(e.contains("unknown key `kms.hots`"), "{e}");
        assert!(e.contains("`host`"), "{e}");
        assert!(!e.contains('\n'), "one line: {e}");
    }

    #[test]
    fn bad_value_names_key_and_type() {
        let e = load("[kms]\nport = \"ten\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("kms.port"), "{e}");
        let e = load("[kms]\nport = 70000\n", &[]).unwrap_err().to_string();
        assert!(e.contains("kms.port"), "{e}");
        let e = load("[approvals]\nrequired = 0\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("approvals.required"), "{e}");
        let e = load("[approvals]\napprovers = [\"bob\"]\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("`bob` is not a platform user id"), "{e}");
        let e = load("[slack]\nmode = \"carrier-pigeon\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("slack.mode"), "{e}");
        let e = load("[[instances]]\nname = \"web 01\"\nedition = \"x\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("instances[0].name"), "{e}");
        let e = load(
            "[[instances]]\nname = \"web-01\"\nedition = \"x\"\naddress = \"10.0.0.1\"\n",
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("key_file"), "{e}");
        let e = load("[kms]\nhost_key = \"ABCDE-FGHIJ-KLMNO-PQRST-UVWXY\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("kms.host_key"), "{e}");
        assert!(e.contains("not a secret reference"), "{e}");
        assert!(!e.contains("ABCDE"), "the key is never echoed: {e}");
        let e = load("this is not toml", &[]).unwrap_err().to_string();
        assert!(e.contains("config error"), "{e}");
    }

    #[test]
    fn environment_overrides_the_file() {
        let c = load(
            "[kms]\nhost = \"kms.corp.example\"\n",
            &[
                ("KMSBOT_KMS_HOST", "10.0.0.5"),
                ("KMSBOT_KMS_PORT", "1689"),
                ("KMSBOT_SLACK_BOT_TOKEN", "xoxb-secret-value"),
                ("KMSBOT_APPROVALS_REQUIRED", "3"),
                ("UNRELATED", "1"),
            ],
        )
        .unwrap();
        assert_eq!(c.kms.host.as_deref(), Some("10.0.0.5"));
        assert_eq!(c.kms.port, 1689);
        assert_eq!(c.approvals.required, 3);
        let slack = c.slack.unwrap();
        assert_eq!(
            slack.bot_token.as_ref().unwrap().expose(),
            "xoxb-secret-value"
        );
        assert_eq!(format!("{:?}", slack.bot_token), "Some([redacted])");
        let e = load("", &[("KMSBOT_KMS_HOTS", "x")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("KMSBOT_KMS_HOTS"), "{e}");
    }

    #[test]
    fn config_errors_never_quote_a_secret() {
        // An unquoted token: TOML's error quoted the whole line.
        let e = load("[slack]\nbot_token = xoxbSECRET123abc\n", &[])
            .unwrap_err()
            .to_string();
        assert!(!e.contains("SECRET123"), "{e}");
        assert!(e.contains("line 2"), "the position is still given: {e}");
        // A numeric signing secret in the file: the type error quoted the number.
        let e = load("[slack]\nsigning_secret = 8675309123\n", &[])
            .unwrap_err()
            .to_string();
        assert!(!e.contains("8675309123"), "{e}");
        assert!(e.contains("slack.signing_secret"), "{e}");
        // From the environment a numeric secret is simply text.
        let c = load("", &[("KMSBOT_SLACK_SIGNING_SECRET", "8675309123")]).unwrap();
        assert_eq!(
            c.slack.unwrap().signing_secret.unwrap().expose(),
            "8675309123"
        );
        // A value that made figment's parser panic (a backslash after a non-ASCII character).
        let e = load("", &[("KMSBOT_KMS_HOST", "é\\x")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("kms.host"), "{e}");
    }

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("xoxb-1234");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(format!("{s:?}"), "[redacted]");
        let c = SlackConfig {
            bot_token: Some(s),
            ..SlackConfig::default()
        };
        assert!(!format!("{c:?}").contains("xoxb"));
        // Serializing a configuration never writes the raw secret.
        let json = serde_json::to_string(&c).unwrap();
        assert!(!json.contains("xoxb"), "{json}");
        assert!(json.contains("[redacted]"), "{json}");
        let cfg = Config {
            slack: Some(c),
            ..Config::default()
        };
        let json = serde_json::to_string(&cfg).unwrap();
        assert!(!json.contains("xoxb"), "{json}");
        // Reading one still works.
        let back: Secret = serde_json::from_str("\"xoxb-5678\"").unwrap();
        assert_eq!(back.expose(), "xoxb-5678");
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        let e = Config::load(Some(Path::new("/nonexistent/kmsbot.toml")), Vec::new())
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/kmsbot.toml"), "{e}");
    }
}
