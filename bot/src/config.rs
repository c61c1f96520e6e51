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
    /// `[status]`: who may run read-only status checks.
    pub status: StatusConfig,
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
    /// `ssh` or `dry-run`.
    #[serde(default = "default_transport")]
    pub transport: Transport,
    /// Address the bot connects to (SSH).
    #[serde(default)]
    pub address: Option<String>,
    /// SSH port.
    #[serde(default = "default_ssh_port")]
    pub port: u16,
    /// SSH login.
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
}

impl Transport {
    /// The name as written in the config (`ssh`, `dry-run`).
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Ssh => "ssh",
            Transport::DryRun => "dry-run",
        }
    }
}

fn default_transport() -> Transport {
    Transport::Ssh
}
fn default_ssh_port() -> u16 {
    22
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
    /// Before a KMS activation is put to approvers, ask each SSH instance (read-only) whether
    /// the KMS host answers on its port and which edition it runs.
    pub preflight: bool,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            concurrency: 4,
            step_timeout_secs: 120,
            connect_timeout_secs: 10,
            lease_secs: 30,
            preflight: false,
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
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
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
        let value: Value = self
            .value
            .parse()
            .unwrap_or_else(|_| Value::from(self.value.clone()));
        let nested = figment::util::nest(&self.key, value);
        let dict = nested
            .into_dict()
            .ok_or_else(|| figment::Error::from(format!("{} is not a key", self.var)))?;
        Ok(Profile::Default.collect(dict))
    }
}

fn describe(err: figment::Error) -> ConfigError {
    let mut lines = Vec::new();
    for e in err {
        let source = e
            .metadata
            .as_ref()
            .map(|md| match &md.source {
                Some(src) => src.to_string(),
                None => md.name.to_string(),
            })
            .unwrap_or_else(|| "configuration".into());
        let key = e.path.join(".");
        let what = match &e.kind {
            figment::error::Kind::UnknownField(found, expected) => {
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
            kind if key.is_empty() => kind.to_string(),
            kind => format!("key `{key}`: {kind}"),
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
        let config: Config = figment.extract().map_err(describe)?;
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
