//! The SSH transport: [`SshShell`] runs commands on a Windows instance over OpenSSH;
//! [`crate::shell::DryRunShell`] only records them.
//!
//! Security rules this module keeps:
//! - the server host key must be listed for the host in the configured `known_hosts` file
//!   (OpenSSH format, `[host]:port` for ports other than 22, hashed `|1|` names, `*`/`?`
//!   wildcards, `!` negations and `@revoked` markers understood); an unknown key or a
//!   mismatch is refused with [`ShellError::HostKey`], and `known_hosts` is never written;
//! - only public-key authentication with the configured private key file is attempted;
//! - neither the private key nor anything derived from it is ever logged or put in an error.
//!
//! One authenticated session is kept per [`SshShell`] and reused for every command (each
//! command gets its own `exec` channel); a session found closed is replaced by a new one.

use crate::shell::{CommandOutput, RemoteShell, ShellError};
use async_trait::async_trait;
use hmac::{Hmac, KeyInit, Mac};
use russh::client::{self, Handle};
use russh::keys::ssh_key::known_hosts::{Entry, HostPatterns, Marker};
use russh::keys::{Algorithm, HashAlg, PrivateKeyWithHashAlg, PublicKey, PublicKeyOrCertificate};
use russh::{ChannelMsg, Disconnect, Preferred, Sig};
use sha1::Sha1;
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Output kept per command; anything beyond is dropped and a truncation note appended.
pub const MAX_OUTPUT_BYTES: usize = 1024 * 1024;

/// Keepalive period on an authenticated session; after [`KEEPALIVE_MAX`] unanswered ones the
/// session is declared dead (a running command then fails instead of waiting for its timeout).
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(15);
/// Unanswered keepalives tolerated before the session is dropped.
const KEEPALIVE_MAX: usize = 3;

/// Where and how to reach one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshSettings {
    /// Host name or IP address (an IPv6 literal may be given with or without brackets).
    pub host: String,
    /// TCP port of the instance's sshd, usually 22.
    pub port: u16,
    /// Login name on the instance.
    pub user: String,
    /// Private key file (OpenSSH or PKCS#8 format, not passphrase-protected).
    pub key_file: PathBuf,
    /// OpenSSH `known_hosts` file that must list the instance's host key. Only read.
    pub known_hosts: PathBuf,
    /// Limit for TCP connect, SSH handshake and authentication together.
    pub connect_timeout: Duration,
}

impl SshSettings {
    /// The host without IPv6 brackets.
    fn bare_host(&self) -> &str {
        let h = self.host.trim();
        h.strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(h)
    }

    /// `host:port` as shown in errors (`[v6]:port` for IPv6 literals).
    pub fn target(&self) -> String {
        let host = self.bare_host();
        if host.contains(':') {
            format!("[{host}]:{}", self.port)
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// Runs commands on one instance over SSH, reusing one authenticated session.
///
/// The session is opened on first use, replaced if found closed, and closed when the shell is
/// dropped (or by [`SshShell::close`]); keep one shell per instance for the length of a job.
///
/// Cheap to share behind an `Arc`; concurrent [`RemoteShell::run`] calls on the same shell
/// open parallel channels on the same session (sshd's `MaxSessions`, 10 by default, caps them).
pub struct SshShell {
    settings: SshSettings,
    session: Mutex<Option<Arc<Handle<HostKeyVerifier>>>>,
}

impl std::fmt::Debug for SshShell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshShell")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl SshShell {
    /// A shell for the instance described by `settings`. Nothing is read or connected until
    /// the first command (or [`SshShell::connect`]).
    pub fn new(settings: SshSettings) -> Self {
        Self {
            settings,
            session: Mutex::new(None),
        }
    }

    /// The settings this shell was made with.
    pub fn settings(&self) -> &SshSettings {
        &self.settings
    }

    /// Connects and authenticates now unless a live session exists (useful to check
    /// reachability, host key and credentials before any command is run).
    pub async fn connect(&self) -> Result<(), ShellError> {
        self.session().await.map(|_| ())
    }

    /// Closes the session, if any, politely. The next command reconnects.
    pub async fn close(&self) {
        let handle = self.session.lock().await.take();
        if let Some(handle) = handle {
            let _ = handle.disconnect(Disconnect::ByApplication, "", "en").await;
        }
    }

    /// The live session, connecting if there is none or the previous one was closed.
    async fn session(&self) -> Result<Arc<Handle<HostKeyVerifier>>, ShellError> {
        let mut slot = self.session.lock().await;
        if let Some(handle) = slot.as_ref() {
            if !handle.is_closed() {
                return Ok(Arc::clone(handle));
            }
            tracing::debug!(target = %self.settings.target(), "ssh session closed; reconnecting");
        }
        *slot = None;
        let handle = Arc::new(connect(&self.settings).await?);
        *slot = Some(Arc::clone(&handle));
        Ok(handle)
    }

    /// Forgets `handle` if it is still the cached session.
    async fn forget(&self, handle: &Arc<Handle<HostKeyVerifier>>) {
        let mut slot = self.session.lock().await;
        if slot.as_ref().is_some_and(|h| Arc::ptr_eq(h, handle)) {
            *slot = None;
        }
    }
}

#[async_trait]
impl RemoteShell for SshShell {
    async fn run(&self, command: &str, timeout: Duration) -> Result<CommandOutput, ShellError> {
        let target = self.settings.target();
        // Connecting is bounded by `connect_timeout`; the command's own timeout starts after.
        let mut handle = self.session().await?;
        let deadline = Instant::now() + timeout;
        let mut retried = false;
        let mut channel = loop {
            match tokio::time::timeout_at(deadline, handle.channel_open_session()).await {
                Err(_) => return Err(ShellError::Timeout(timeout)),
                Ok(Ok(channel)) => break channel,
                // The cached session died since it was last used: nothing was run yet, so one
                // fresh connection is safe to try.
                Ok(Err(e)) if !retried => {
                    tracing::debug!(%target, error = %e, "channel open failed; reconnecting once");
                    retried = true;
                    self.forget(&handle).await;
                    handle = self.session().await?;
                }
                Ok(Err(e)) => {
                    self.forget(&handle).await;
                    return Err(ShellError::Other(format!(
                        "cannot open a channel on {target}: {e}"
                    )));
                }
            }
        };
        tracing::debug!(%target, "running command over ssh");
        match tokio::time::timeout_at(deadline, exec_and_collect(&mut channel, command)).await {
            Ok(Ok(collected)) => {
                if collected.exit_status.is_none() && handle.is_closed() {
                    self.forget(&handle).await;
                    return Err(ShellError::Other(format!(
                        "connection to {target} was lost before the command finished"
                    )));
                }
                Ok(collected)
            }
            Ok(Err(detail)) => {
                let _ = channel.close().await;
                if handle.is_closed() {
                    self.forget(&handle).await;
                }
                Err(ShellError::Other(format!("{target}: {detail}")))
            }
            Err(_) => {
                // Best effort: ask sshd to kill the command, then close the channel. OpenSSH
                // does not kill a non-pty command on channel close, and Win32-OpenSSH may ignore
                // the signal, so the command can go on running on the instance.
                let _ = channel.signal(Sig::KILL).await;
                let _ = channel.close().await;
                tracing::debug!(%target, ?timeout, "command timed out; channel closed");
                Err(ShellError::Timeout(timeout))
            }
        }
    }
}

/// Sends `exec` and gathers output until the server closes the channel.
async fn exec_and_collect(
    channel: &mut russh::Channel<client::Msg>,
    command: &str,
) -> Result<CommandOutput, String> {
    channel
        .exec(true, command)
        .await
        .map_err(|e| format!("cannot send the command: {e}"))?;
    let mut bytes = Vec::new();
    let mut truncated = false;
    let mut exit_status = None;
    let mut signal = None;
    let mut append = |data: &[u8]| {
        let room = MAX_OUTPUT_BYTES.saturating_sub(bytes.len());
        if data.len() > room {
            truncated = true;
        }
        bytes.extend_from_slice(&data[..data.len().min(room)]);
    };
    while let Some(msg) = channel.wait().await {
        match msg {
            ChannelMsg::Data { data } | ChannelMsg::ExtendedData { data, .. } => append(&data),
            ChannelMsg::ExitStatus { exit_status: s } => exit_status = Some(s),
            ChannelMsg::ExitSignal {
                signal_name,
                error_message,
                ..
            } => signal = Some(format!("{signal_name:?} {error_message}")),
            ChannelMsg::Failure => return Err("the server refused to run the command".into()),
            ChannelMsg::Close => break,
            _ => {}
        }
    }
    // Windows' console code page is not always UTF-8; undecodable bytes become U+FFFD.
    let mut output = String::from_utf8_lossy(&bytes).into_owned();
    if truncated {
        output.push_str(&format!(
            "\r\n[output truncated after {MAX_OUTPUT_BYTES} bytes]"
        ));
    }
    if let Some(signal) = signal {
        output.push_str(&format!("\r\n[terminated by signal {}]", signal.trim()));
    }
    Ok(CommandOutput {
        exit_status,
        output,
    })
}

/// Connects, verifies the host key and authenticates, all within `connect_timeout`.
async fn connect(settings: &SshSettings) -> Result<Handle<HostKeyVerifier>, ShellError> {
    let target = settings.target();
    match tokio::time::timeout(settings.connect_timeout, connect_inner(settings)).await {
        Ok(result) => result,
        Err(_) => Err(ShellError::Connect {
            target,
            detail: format!(
                "no authenticated session within {:?}",
                settings.connect_timeout
            ),
        }),
    }
}

async fn connect_inner(settings: &SshSettings) -> Result<Handle<HostKeyVerifier>, ShellError> {
    let target = settings.target();
    let host = settings.bare_host();
    let known = known_hosts_entries(&settings.known_hosts, host, settings.port).map_err(|e| {
        ShellError::HostKey {
            target: target.clone(),
            detail: format!("cannot read {}: {e}", settings.known_hosts.display()),
        }
    })?;
    // Load the key before touching the network: a broken key file is a local problem.
    let key = russh::keys::load_secret_key(&settings.key_file, None).map_err(|e| {
        ShellError::Other(format!(
            "cannot use private key file {}: {e}",
            settings.key_file.display()
        ))
    })?;

    let config = Arc::new(client::Config {
        // No inactivity timeout: a silent command (slmgr /ato waiting on an unreachable KMS)
        // must not kill the session; dead peers are caught by keepalives instead. The session
        // lives as long as the SshShell (dropping it closes the connection).
        inactivity_timeout: None,
        keepalive_interval: Some(KEEPALIVE_INTERVAL),
        keepalive_max: KEEPALIVE_MAX,
        nodelay: true,
        preferred: Preferred {
            key: Cow::Owned(preferred_host_key_algorithms(&known)),
            ..Preferred::default()
        },
        ..client::Config::default()
    });
    let rejection = Arc::new(StdMutex::new(None));
    let verifier = HostKeyVerifier {
        lookup: lookup_name(host, settings.port),
        known_hosts: settings.known_hosts.clone(),
        entries: known,
        rejection: Arc::clone(&rejection),
    };

    let stream = tokio::net::TcpStream::connect((host, settings.port))
        .await
        .map_err(|e| ShellError::Connect {
            target: target.clone(),
            detail: e.to_string(),
        })?;
    // russh sets TCP_NODELAY only on sockets it opens itself; without it every small command
    // waits for a delayed ACK (~40 ms here, more on Windows).
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "cannot set TCP_NODELAY");
    }
    let mut handle = match client::connect_stream(config, stream, verifier).await {
        Ok(handle) => handle,
        Err(e) => {
            let rejected = rejection
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            return Err(match rejected {
                Some(detail) => ShellError::HostKey { target, detail },
                None => ShellError::Connect {
                    target,
                    detail: format!("ssh handshake failed: {e}"),
                },
            });
        }
    };

    let hash = if key.algorithm().is_rsa() {
        handle
            .best_supported_rsa_hash()
            .await
            .map_err(|e| ShellError::Connect {
                target: target.clone(),
                detail: e.to_string(),
            })?
            .flatten()
    } else {
        None
    };
    let auth = handle
        .authenticate_publickey(
            settings.user.clone(),
            PrivateKeyWithHashAlg::new(Arc::new(key), hash),
        )
        .await
        .map_err(|e| ShellError::Connect {
            target: target.clone(),
            detail: format!("authentication exchange failed: {e}"),
        })?;
    if !auth.success() {
        let _ = handle.disconnect(Disconnect::ByApplication, "", "en").await;
        return Err(ShellError::Auth {
            target,
            user: settings.user.clone(),
        });
    }
    tracing::debug!(%target, user = %settings.user, "ssh session established");
    Ok(handle)
}

/// The client-side handler: checks the server's host key against `known_hosts`.
struct HostKeyVerifier {
    /// `host` or `[host]:port`, as looked up in known_hosts.
    lookup: String,
    known_hosts: PathBuf,
    entries: Vec<KnownHostEntry>,
    /// Why the key was refused, for the error returned by `connect`.
    rejection: Arc<StdMutex<Option<String>>>,
}

impl client::Handler for HostKeyVerifier {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_public_key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let verdict = match server_public_key {
            PublicKeyOrCertificate::PublicKey { key, .. } => self.verify(key),
            PublicKeyOrCertificate::Certificate(_) => {
                Err("the server presented a host certificate, which is not supported".to_string())
            }
        };
        match verdict {
            Ok(()) => Ok(true),
            Err(detail) => {
                tracing::warn!(host = %self.lookup, %detail, "refusing ssh host key");
                *self
                    .rejection
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(detail);
                Ok(false)
            }
        }
    }
}

impl HostKeyVerifier {
    fn verify(&self, key: &PublicKey) -> Result<(), String> {
        let shown = format!(
            "{} {}",
            key.algorithm().as_str(),
            key.fingerprint(HashAlg::Sha256)
        );
        let same = |e: &KnownHostEntry| e.key.key_data() == key.key_data();
        if self.entries.iter().any(|e| e.revoked && same(e)) {
            return Err(format!("server key {shown} is marked @revoked"));
        }
        if self.entries.iter().any(|e| !e.revoked && same(e)) {
            return Ok(());
        }
        let listed = self.entries.iter().filter(|e| !e.revoked).count();
        if listed == 0 {
            Err(format!(
                "no entry for {} in {}; server presented {shown}",
                self.lookup,
                self.known_hosts.display()
            ))
        } else {
            let only_rsa = self
                .entries
                .iter()
                .all(|e| e.revoked || e.key.algorithm().is_rsa());
            let hint = if only_rsa {
                " (RSA host keys are not supported: list the host's ed25519 or ecdsa key)"
            } else {
                ""
            };
            Err(format!(
                "server presented {shown}, but {} lists {listed} other key(s) for {}{hint}",
                self.known_hosts.display(),
                self.lookup
            ))
        }
    }
}

/// One known_hosts line that applies to the host being connected to.
#[derive(Debug, Clone)]
struct KnownHostEntry {
    revoked: bool,
    key: PublicKey,
}

/// The name a host is listed under in known_hosts: `host` on port 22, else `[host]:port`.
/// How known_hosts names `host` on `port` (`host`, or `[host]:port` off port 22).
pub fn lookup_name(host: &str, port: u16) -> String {
    let host = host.to_ascii_lowercase();
    if port == 22 {
        host
    } else {
        format!("[{host}]:{port}")
    }
}

/// Whether `path` holds a private key this client can use (unencrypted, a supported type).
pub fn check_private_key(path: &Path) -> Result<(), String> {
    russh::keys::load_secret_key(path, None)
        .map(|_| ())
        .map_err(|e| format!("cannot use private key file {}: {e}", path.display()))
}

/// The known_hosts line for `key` as OpenSSH would record it for `host` and `port`.
pub fn known_hosts_line(host: &str, port: u16, key: &PublicKey) -> String {
    let mut key = key.clone();
    key.set_comment("");
    let encoded = key
        .to_openssh()
        .unwrap_or_else(|_| String::from("(unencodable key)"));
    format!("{} {}", lookup_name(host, port), encoded.trim_end())
}

/// The host keys `known_hosts` lists for `host` on `port` (revoked and certificate-authority
/// lines left out). A missing file lists nothing; lines that cannot be parsed are skipped.
pub fn read_known_hosts_entry(
    known_hosts: &Path,
    host: &str,
    port: u16,
) -> std::io::Result<Vec<PublicKey>> {
    Ok(known_hosts_entries(known_hosts, host, port)?
        .into_iter()
        .filter(|e| !e.revoked)
        .map(|e| e.key)
        .collect())
}

fn known_hosts_entries(path: &Path, host: &str, port: u16) -> std::io::Result<Vec<KnownHostEntry>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(parse_known_hosts(&text, &lookup_name(host, port)))
}

fn parse_known_hosts(text: &str, lookup: &str) -> Vec<KnownHostEntry> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        // Fields may be separated by any run of blanks; ssh-key's parser wants single spaces.
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let entry: Entry = match line.parse() {
            Ok(entry) => entry,
            Err(_) => {
                tracing::debug!(line = number + 1, "skipping unparsable known_hosts line");
                continue;
            }
        };
        let revoked = match entry.marker() {
            None => false,
            Some(Marker::Revoked) => true,
            // Host certificates are not accepted, so CA lines never apply.
            Some(Marker::CertAuthority) => continue,
        };
        if host_patterns_match(entry.host_patterns(), lookup) {
            found.push(KnownHostEntry {
                revoked,
                key: entry.public_key().clone(),
            });
        }
    }
    found
}

fn host_patterns_match(patterns: &HostPatterns, lookup: &str) -> bool {
    match patterns {
        HostPatterns::HashedName { salt, hash } => Hmac::<Sha1>::new_from_slice(salt)
            .map(|mac| mac.chain_update(lookup).verify_slice(hash).is_ok())
            .unwrap_or(false),
        HostPatterns::Patterns(list) => {
            let mut positive = false;
            for pattern in list {
                if let Some(negated) = pattern.strip_prefix('!') {
                    if wildcard_match(&negated.to_ascii_lowercase(), lookup) {
                        return false;
                    }
                } else if wildcard_match(&pattern.to_ascii_lowercase(), lookup) {
                    positive = true;
                }
            }
            positive
        }
    }
}

/// OpenSSH-style glob: `*` any run of characters, `?` exactly one.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// russh's default host key algorithms, those known_hosts lists for this host first, so the
/// server is asked for a key that can be checked (as OpenSSH does). RSA is left out: russh is
/// built without its `rsa` feature and could not verify an RSA host key signature.
fn preferred_host_key_algorithms(known: &[KnownHostEntry]) -> Vec<Algorithm> {
    let family = |a: &Algorithm| match a {
        Algorithm::Rsa { .. } => "ssh-rsa".to_string(),
        other => other.as_str().to_string(),
    };
    let listed: Vec<String> = known
        .iter()
        .filter(|e| !e.revoked)
        .map(|e| family(&e.key.algorithm()))
        .collect();
    let (mut first, rest): (Vec<Algorithm>, Vec<Algorithm>) = Preferred::default()
        .key
        .iter()
        .filter(|a| !matches!(a, Algorithm::Rsa { .. }))
        .cloned()
        .partition(|a| listed.contains(&family(a)));
    first.extend(rest);
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ";
    const KEY_B: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILIG2T/B0l0gaqj3puu510tu9N1OkQ4znY3LYuEm5zCF";

    fn keys(text: &str, lookup: &str) -> Vec<(bool, String)> {
        parse_known_hosts(text, lookup)
            .into_iter()
            .map(|e| {
                let mut k = e.key;
                k.set_comment("");
                (e.revoked, k.to_openssh().unwrap())
            })
            .collect()
    }

    #[test]
    fn plain_port_and_wildcards() {
        let text = format!(
            "# comment\n\n[10.0.0.5]:2222 {KEY_A}\n10.0.0.5\t{KEY_B} some comment\n*.corp,!bad.corp {KEY_A}\n"
        );
        assert_eq!(
            keys(&text, "[10.0.0.5]:2222"),
            vec![(false, KEY_A.to_string())]
        );
        assert_eq!(keys(&text, "10.0.0.5"), vec![(false, KEY_B.to_string())]);
        assert_eq!(keys(&text, "win1.corp").len(), 1);
        assert!(keys(&text, "bad.corp").is_empty());
        assert!(keys(&text, "10.0.0.6").is_empty());
    }

    #[test]
    fn hashed_and_revoked_and_garbage() {
        // The hashed name is "example.com" (test vector from russh's known_hosts tests).
        let text = format!(
            "|1|O33ESRMWPVkMYIwJ1Uw+n877jTo=|nuuC5vEqXlEZ/8BXQR7m619W6Ak= {KEY_B}\nnot a valid line\n@revoked host1 {KEY_A}\n@cert-authority host1 {KEY_B}\n"
        );
        assert_eq!(keys(&text, "example.com"), vec![(false, KEY_B.to_string())]);
        assert_eq!(keys(&text, "host1"), vec![(true, KEY_A.to_string())]);
    }

    #[test]
    fn glob() {
        assert!(wildcard_match("*", "anything"));
        assert!(wildcard_match("win-??.corp", "win-01.corp"));
        assert!(!wildcard_match("win-??.corp", "win-1.corp"));
        assert!(wildcard_match("[*.corp]:2222", "[a.corp]:2222"));
        assert!(!wildcard_match("[*.corp]:2222", "[a.corp]:22"));
    }

    #[test]
    fn line_format() {
        let key: PublicKey = KEY_A.parse().unwrap();
        assert_eq!(
            known_hosts_line("127.0.0.1", 2200, &key),
            format!("[127.0.0.1]:2200 {KEY_A}")
        );
        assert_eq!(known_hosts_line("Win1", 22, &key), format!("win1 {KEY_A}"));
        let s = SshSettings {
            host: "[::1]".into(),
            port: 22,
            user: "u".into(),
            key_file: PathBuf::new(),
            known_hosts: PathBuf::new(),
            connect_timeout: Duration::from_secs(1),
        };
        assert_eq!(s.target(), "[::1]:22");
    }

    #[test]
    fn prefers_listed_algorithms() {
        let ecdsa = russh::keys::PrivateKey::random(
            &mut rand::rng(),
            Algorithm::Ecdsa {
                curve: russh::keys::EcdsaCurve::NistP256,
            },
        )
        .unwrap();
        let line = known_hosts_line("h", 22, ecdsa.public_key());
        let entries = parse_known_hosts(&line, "h");
        assert_eq!(entries.len(), 1);
        let prefs = preferred_host_key_algorithms(&entries);
        assert_eq!(prefs[0].as_str(), "ecdsa-sha2-nistp256");
        assert!(prefs.contains(&Algorithm::Ed25519));
        // Nothing listed: russh's default order, without RSA.
        let default: Vec<Algorithm> = Preferred::default()
            .key
            .iter()
            .filter(|a| !matches!(a, Algorithm::Rsa { .. }))
            .cloned()
            .collect();
        assert_eq!(preferred_host_key_algorithms(&[]), default);
        assert!(!default.is_empty());
    }
}
