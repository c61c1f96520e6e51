//! A fake Windows instance for tests: an in-process SSH server (russh) on loopback whose `exec`
//! channels answer the KMS activation commands the way a Windows Server's cmd.exe does.
//!
//! What it emulates (text and exit codes modelled on real Windows Server output):
//! - `cscript //nologo %SystemRoot%\System32\slmgr.vbs /ipk | /skms | /ato | /dli | /dlv | /xpr`; like the
//!   real slmgr.vbs, a failed `/ato` prints `Error: 0xC004F074 ...` and exits with that HRESULT
//!   as the process exit code (slmgr's `QuitIfError` → `WScript.Quit Err.Number`);
//! - `net start | stop <service>` for `w32time` and `sppsvc` (errors on stderr, exit 2);
//! - `w32tm /config ... /update` and `w32tm /resync` (fail while w32time is stopped);
//! - `netsh advfirewall firewall add rule name=...` (a second add adds a second rule, as on
//!   Windows) and `show rule name=...` (exit 1 with "No rules match" when there is none);
//! - `powershell -Command "Test-NetConnection -ComputerName H -Port P …"` (succeeds exactly
//!   when the KMS host is reachable);
//! - `reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" /v EditionID` (the
//!   edition of [`PRODUCT_NAME`]);
//! - `a && b` chains (b runs only if a exited 0), `%SystemRoot%` expansion, case-insensitive
//!   command names;
//! - anything else: cmd.exe's "is not recognized" message on stderr, exit 1.
//!
//! Only public-key authentication with the one authorized key is accepted (any user name).

use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, PrivateKey, PublicKey};
use russh::server::{self, Auth, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{kex, Channel, ChannelId, MethodKind, MethodSet, Preferred, SshId};
use std::borrow::Cow;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::task::JoinHandle;

/// Activation ID the fake reports for its edition (Windows Server 2019 Datacenter).
const ACTIVATION_ID: &str = "34e1ae55-27f8-4950-8877-7a03be5fb181";
/// Edition name as slmgr prints it.
const PRODUCT_NAME: &str = "Windows(R), ServerDatacenter edition";
/// `SL_E_NO_KMS`-style failure: no KMS could be contacted (0xC004F074).
pub const HR_KMS_UNREACHABLE: u32 = 0xC004_F074;
/// Invalid product key (0xC004F050).
pub const HR_INVALID_KEY: u32 = 0xC004_F050;
/// `HRESULT_FROM_WIN32(ERROR_SERVICE_NOT_ACTIVE)` (0x80070426), as w32tm reports it.
pub const HR_SERVICE_NOT_ACTIVE: u32 = 0x8007_0426;

/// Key exchanges offered, a subset of what Win32-OpenSSH offers (8.1 on Windows Server
/// 2019/2022, 9.5 on 2025): neither has the ML-KEM hybrid, so clients negotiate
/// curve25519-sha256 as they would with a real instance.
const WINDOWS_KEX: &[kex::Name] = &[
    kex::CURVE25519,
    kex::CURVE25519_PRE_RFC_8731,
    kex::DH_GEX_SHA256,
    kex::DH_G16_SHA512,
    kex::DH_G18_SHA512,
    kex::DH_G14_SHA256,
    kex::EXTENSION_SUPPORT_AS_SERVER,
    kex::EXTENSION_OPENSSH_STRICT_KEX_AS_SERVER,
];

/// How the fake instance behaves. Changeable while running with [`FakeWindows::set_behaviour`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeBehaviour {
    /// Whether `slmgr /ato` reaches a KMS host (else it fails with 0xC004F074).
    pub kms_reachable: bool,
    /// Whether the Windows Time service is running (`net start w32time` starts it).
    pub w32time_running: bool,
    /// A command line containing this substring never finishes, until the client closes the channel.
    pub hang_on: Option<String>,
    /// Sleep before answering each command.
    pub delay: Duration,
    /// `(needle, text)`: a command line containing `needle` also prints `text` (after its own
    /// output), e.g. multi-byte characters next to hex runs.
    pub extra_output: Option<(String, String)>,
    /// A command line containing this substring takes effect, then never answers (the client
    /// never learns that it ran), until the client closes the channel.
    pub hang_after: Option<String>,
    /// The licence state `slmgr /dli` and `/xpr` report; `None`: follow `/ato` (licensed for
    /// 180 days once activated, else notification 0xC004F056).
    pub license: Option<FakeLicense>,
    /// On a KMS host: the count `slmgr /dlv` reports (`None`: not a KMS host, `/dlv` shows
    /// only the client part).
    pub kms_host_count: Option<u32>,
}

/// A licence state the fake reports, as real Windows Server prints it. A KMS client that is not
/// unlicensed shows the KMS host set with `/skms`, else `kms.corp.example:1688`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FakeLicense {
    /// KMS client, activated, `days` until the activation expires.
    Licensed {
        /// Days left.
        days: u32,
    },
    /// KMS client in its initial grace period with `days` left.
    Grace {
        /// Days left.
        days: u32,
    },
    /// KMS client in notification mode; the reason is the last activation error.
    Notification {
        /// `0xC004F074` (no KMS could be contacted), `0xC004F06C` (time skew), …
        reason: String,
    },
    /// Unlicensed, no KMS host known.
    Unlicensed,
    /// A MAK installed and activated: permanent, not a KMS client.
    Mak,
}

impl Default for FakeBehaviour {
    /// A healthy instance: KMS reachable, time service stopped, nothing hangs, no delay.
    fn default() -> Self {
        Self {
            kms_reachable: true,
            w32time_running: false,
            hang_on: None,
            delay: Duration::ZERO,
            extra_output: None,
            hang_after: None,
            license: None,
            kms_host_count: None,
        }
    }
}

/// Mutable state of the emulated machine.
#[derive(Debug)]
struct MachineState {
    behaviour: FakeBehaviour,
    sppsvc_running: bool,
    activated: bool,
    /// Last five characters of the installed product key.
    partial_key: String,
    kms_machine: Option<String>,
    /// Names of the firewall rules added, one entry per rule.
    firewall_rules: Vec<String>,
    commands: Vec<String>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<MachineState>,
    authorized_key: PublicKey,
    connections: Mutex<Vec<server::Handle>>,
    accepted: AtomicUsize,
    open: AtomicUsize,
    in_flight: AtomicUsize,
    peak_in_flight: AtomicUsize,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, MachineState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A running fake Windows instance listening on loopback. Stops accepting when dropped.
#[derive(Debug)]
pub struct FakeWindows {
    /// Where its sshd listens.
    pub addr: SocketAddr,
    host_key: PublicKey,
    shared: Arc<Shared>,
    accept_loop: JoinHandle<()>,
}

impl FakeWindows {
    /// Starts a fake instance on `127.0.0.1:0` with a fresh ed25519 host key, accepting only
    /// `authorized_key` (any user name).
    pub async fn start(
        behaviour: FakeBehaviour,
        authorized_key: PublicKey,
    ) -> std::io::Result<FakeWindows> {
        Self::start_on(IpAddr::from([127, 0, 0, 1]), behaviour, authorized_key).await
    }

    /// Like [`FakeWindows::start`], listening on `ip` (a loopback address such as `::1`).
    pub async fn start_on(
        ip: IpAddr,
        behaviour: FakeBehaviour,
        authorized_key: PublicKey,
    ) -> std::io::Result<FakeWindows> {
        let host_key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519)
            .map_err(std::io::Error::other)?;
        let host_public = host_key.public_key().clone();
        let config = Arc::new(server::Config {
            methods: MethodSet::from(&[MethodKind::PublicKey][..]),
            auth_rejection_time: Duration::from_millis(10),
            auth_rejection_time_initial: Some(Duration::ZERO),
            inactivity_timeout: Some(Duration::from_secs(600)),
            keys: vec![host_key],
            nodelay: true,
            server_id: SshId::Standard(Cow::Borrowed("SSH-2.0-OpenSSH_for_Windows_9.5")),
            preferred: Preferred {
                kex: Cow::Borrowed(WINDOWS_KEX),
                ..Preferred::default()
            },
            ..server::Config::default()
        });
        let shared = Arc::new(Shared {
            state: Mutex::new(MachineState {
                behaviour,
                sppsvc_running: true,
                activated: false,
                partial_key: "3V66T".to_string(),
                kms_machine: None,
                firewall_rules: Vec::new(),
                commands: Vec::new(),
            }),
            authorized_key,
            connections: Mutex::new(Vec::new()),
            accepted: AtomicUsize::new(0),
            open: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            peak_in_flight: AtomicUsize::new(0),
        });
        let listener = tokio::net::TcpListener::bind((ip, 0)).await?;
        let addr = listener.local_addr()?;
        let loop_shared = Arc::clone(&shared);
        let accept_loop = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let _ = socket.set_nodelay(true);
                loop_shared.accepted.fetch_add(1, Ordering::SeqCst);
                let handler = Connection {
                    shared: Arc::clone(&loop_shared),
                    running: HashMap::new(),
                };
                let config = Arc::clone(&config);
                let shared = Arc::clone(&loop_shared);
                tokio::spawn(async move {
                    shared.open.fetch_add(1, Ordering::SeqCst);
                    if let Ok(session) = server::run_stream(config, socket, handler).await {
                        shared
                            .connections
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .push(session.handle());
                        let _ = session.await;
                    }
                    shared.open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Ok(FakeWindows {
            addr,
            host_key: host_public,
            shared,
            accept_loop,
        })
    }

    /// The listening port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The server's host public key.
    pub fn host_public_key(&self) -> &PublicKey {
        &self.host_key
    }

    /// The `known_hosts` line for this server: `[127.0.0.1]:PORT ssh-ed25519 AAAA...`
    /// (`[::1]:PORT ...` on IPv6).
    pub fn known_hosts_line(&self) -> String {
        let mut key = self.host_key.clone();
        key.set_comment("");
        let encoded = key.to_openssh().unwrap_or_default();
        format!(
            "[{}]:{} {}",
            self.addr.ip(),
            self.addr.port(),
            encoded.trim_end()
        )
    }

    /// Every command line exec'd so far, in order, as received.
    pub fn commands(&self) -> Vec<String> {
        self.shared.state().commands.clone()
    }

    /// The names of the firewall rules added so far, one entry per rule (duplicates included).
    pub fn firewall_rules(&self) -> Vec<String> {
        self.shared.state().firewall_rules.clone()
    }

    /// The current behaviour (reflects state changes such as w32time having been started).
    pub fn behaviour(&self) -> FakeBehaviour {
        self.shared.state().behaviour.clone()
    }

    /// Replaces the behaviour; applies to commands that start from now on.
    pub fn set_behaviour(&self, behaviour: FakeBehaviour) {
        self.shared.state().behaviour = behaviour;
    }

    /// Whether a successful `slmgr /ato` has happened since the last `/ipk`.
    pub fn activated(&self) -> bool {
        self.shared.state().activated
    }

    /// How many TCP connections have been accepted so far.
    pub fn connections_accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// How many client connections are open right now.
    pub fn open_connections(&self) -> usize {
        self.shared.open.load(Ordering::SeqCst)
    }

    /// The most commands that were running at the same time so far.
    pub fn peak_concurrent_commands(&self) -> usize {
        self.shared.peak_in_flight.load(Ordering::SeqCst)
    }

    /// Disconnects every client session (as a reboot or network drop would), keeps listening.
    pub async fn drop_connections(&self) {
        let handles: Vec<server::Handle> = std::mem::take(
            &mut *self
                .shared
                .connections
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for handle in handles {
            let _ = handle
                .disconnect(
                    russh::Disconnect::ByApplication,
                    "going down".to_string(),
                    String::new(),
                )
                .await;
        }
    }
}

impl Drop for FakeWindows {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

/// Writes a fresh ed25519 private key (OpenSSH format, mode 0600, no passphrase) to
/// `dir/id_ed25519` and returns its path and public key.
pub fn generate_client_key(dir: &Path) -> std::io::Result<(PathBuf, PublicKey)> {
    generate_client_key_named(dir, "id_ed25519")
}

/// Like [`generate_client_key`], with a chosen file name (for several keys in one directory).
pub fn generate_client_key_named(dir: &Path, name: &str) -> std::io::Result<(PathBuf, PublicKey)> {
    let mut key =
        PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).map_err(std::io::Error::other)?;
    key.set_comment("kmsbot-test");
    let path = dir.join(name);
    key.write_openssh_file(&path, LineEnding::LF)
        .map_err(std::io::Error::other)?;
    Ok((path, key.public_key().clone()))
}

/// One client connection.
struct Connection {
    shared: Arc<Shared>,
    /// The command task of each channel, aborted when the client closes the channel.
    running: HashMap<ChannelId, JoinHandle<()>>,
}

impl Connection {
    fn authorized(&self, key: &PublicKey) -> Auth {
        if key.key_data() == self.shared.authorized_key.key_data() {
            Auth::Accept
        } else {
            Auth::reject()
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        for (_, task) in self.running.drain() {
            task.abort();
        }
    }
}

impl server::Handler for Connection {
    type Error = russh::Error;

    async fn auth_publickey_offered(
        &mut self,
        _user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(self.authorized(offer.public_key))
    }

    async fn auth_publickey(
        &mut self,
        _user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(self.authorized(key.public_key))
    }

    async fn channel_open_session(
        &mut self,
        _channel: Channel<Msg>,
        reply: server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // The channel object is dropped: everything is driven through handler callbacks.
        reply.accept().await;
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let command = String::from_utf8_lossy(data).into_owned();
        session.channel_success(channel)?;
        let (delay, hangs, hangs_after, extra) = {
            let mut state = self.shared.state();
            state.commands.push(command.clone());
            let hangs = state
                .behaviour
                .hang_on
                .as_deref()
                .is_some_and(|needle| command.contains(needle));
            let hangs_after = state
                .behaviour
                .hang_after
                .as_deref()
                .is_some_and(|needle| command.contains(needle));
            let extra = state
                .behaviour
                .extra_output
                .as_ref()
                .filter(|(needle, _)| command.contains(needle.as_str()))
                .map(|(_, text)| text.clone());
            (state.behaviour.delay, hangs, hangs_after, extra)
        };
        let shared = Arc::clone(&self.shared);
        let handle = session.handle();
        let task = tokio::spawn(async move {
            let _in_flight = InFlight::enter(Arc::clone(&shared));
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if hangs {
                std::future::pending::<()>().await;
            }
            let mut result = run_cmd_line(&mut shared.state(), &command);
            if hangs_after {
                std::future::pending::<()>().await;
            }
            if let Some(text) = extra {
                result.chunks.push(Chunk::Out(text));
            }
            for chunk in result.chunks {
                let sent = match chunk {
                    Chunk::Out(text) => handle.data(channel, text.into_bytes()).await,
                    Chunk::Err(text) => handle.extended_data(channel, 1, text.into_bytes()).await,
                };
                if sent.is_err() {
                    return;
                }
            }
            let _ = handle.exit_status_request(channel, result.exit).await;
            let _ = handle.eof(channel).await;
            let _ = handle.close(channel).await;
        });
        self.running.retain(|_, t| !t.is_finished());
        self.running.insert(channel, task);
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(task) = self.running.remove(&channel) {
            task.abort();
        }
        Ok(())
    }
}

/// Counts a command as running from creation to drop (also when its task is aborted).
struct InFlight(Arc<Shared>);

impl InFlight {
    fn enter(shared: Arc<Shared>) -> Self {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.peak_in_flight.fetch_max(now, Ordering::SeqCst);
        Self(shared)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A piece of output on stdout or stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Chunk {
    Out(String),
    Err(String),
}

/// What a command line printed and its exit code.
#[derive(Debug, Default)]
struct CmdResult {
    chunks: Vec<Chunk>,
    exit: u32,
}

impl CmdResult {
    fn out(text: impl Into<String>, exit: u32) -> Self {
        Self {
            chunks: vec![Chunk::Out(text.into())],
            exit,
        }
    }
    fn err(text: impl Into<String>, exit: u32) -> Self {
        Self {
            chunks: vec![Chunk::Err(text.into())],
            exit,
        }
    }
}

/// Runs a cmd.exe command line (`a && b && c`) against the machine state.
fn run_cmd_line(state: &mut MachineState, line: &str) -> CmdResult {
    let mut total = CmdResult::default();
    for part in line.split("&&") {
        let result = run_one(state, &expand_env(part.trim()));
        total.chunks.extend(result.chunks);
        total.exit = result.exit;
        if result.exit != 0 {
            break;
        }
    }
    total
}

/// Expands `%SystemRoot%` (case-insensitive) the way cmd.exe would on a default install.
fn expand_env(command: &str) -> String {
    let needle = "%systemroot%";
    let mut out = String::new();
    let mut rest = command;
    while let Some(i) = rest.to_ascii_lowercase().find(needle) {
        out.push_str(&rest[..i]);
        out.push_str("C:\\Windows");
        rest = &rest[i + needle.len()..];
    }
    out.push_str(rest);
    out
}

/// Splits on blanks, keeping `"quoted strings"` (quotes removed) together.
fn tokens(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in command.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut current));
                    any = false;
                }
            }
            c => {
                current.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(current);
    }
    out
}

fn program_name(token: &str) -> String {
    let lower = token.to_ascii_lowercase();
    let base = lower
        .rsplit(['\\', '/'])
        .next()
        .unwrap_or(&lower)
        .to_string();
    base.strip_suffix(".exe")
        .map(str::to_string)
        .unwrap_or(base)
}

fn not_recognized(name: &str) -> CmdResult {
    CmdResult::err(
        format!(
            "'{name}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"
        ),
        1,
    )
}

fn run_one(state: &mut MachineState, command: &str) -> CmdResult {
    let args = tokens(command);
    let Some(first) = args.first() else {
        return CmdResult::default();
    };
    match program_name(first).as_str() {
        "cscript" => cscript(state, &args[1..]),
        "net" => net(state, &args[1..]),
        "w32tm" => w32tm(state, &args[1..]),
        "netsh" => netsh(state, &args[1..]),
        "powershell" => powershell(state, &args[1..]),
        "reg" => reg(&args[1..]),
        _ => not_recognized(first),
    }
}

/// `reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" /v EditionID`; any other
/// key or value is not found, as `reg` says it.
fn reg(args: &[String]) -> CmdResult {
    let lower: Vec<String> = args.iter().map(|a| a.to_ascii_lowercase()).collect();
    let key = r"hklm\software\microsoft\windows nt\currentversion";
    if lower.len() == 4
        && lower[0] == "query"
        && lower[1] == key
        && lower[2] == "/v"
        && lower[3] == "editionid"
    {
        let edition = PRODUCT_NAME
            .rsplit_once(", ")
            .map_or(PRODUCT_NAME, |(_, e)| e)
            .trim_end_matches(" edition");
        return CmdResult::out(
            format!("\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\r\n    EditionID    REG_SZ    {edition}\r\n\r\n"),
            0,
        );
    }
    CmdResult::err(
        "ERROR: The system was unable to find the specified registry key or value.\r\n",
        1,
    )
}

/// `powershell -Command "Test-NetConnection -ComputerName HOST -Port PORT …"`: the port test
/// succeeds exactly when `kms_reachable`; anything else PowerShell is asked is not emulated.
fn powershell(state: &mut MachineState, args: &[String]) -> CmdResult {
    let script = args
        .iter()
        .skip_while(|a| !a.eq_ignore_ascii_case("-command"))
        .nth(1)
        .cloned()
        .unwrap_or_default();
    let words = tokens(&script);
    let value = |flag: &str| {
        words
            .iter()
            .skip_while(|w| !w.eq_ignore_ascii_case(flag))
            .nth(1)
            .cloned()
    };
    if !words
        .first()
        .is_some_and(|w| w.eq_ignore_ascii_case("test-netconnection"))
    {
        return CmdResult::err(
            "The term is not recognized as the name of a cmdlet in this fake.\r\n",
            1,
        );
    }
    let host = value("-computername").unwrap_or_else(|| "internetbeacon.msedge.net".into());
    let port = value("-port").unwrap_or_else(|| "80".into());
    let ok = state.behaviour.kms_reachable;
    let mut text = String::new();
    if !ok {
        text.push_str(&format!(
            "WARNING: TCP connect to (10.0.0.5 : {port}) failed\r\n"
        ));
    }
    text.push_str(&format!(
        "\r\nComputerName     : {host}\r\nRemoteAddress    : 10.0.0.5\r\nRemotePort       : {port}\r\nTcpTestSucceeded : {}\r\n\r\n",
        if ok { "True" } else { "False" }
    ));
    CmdResult::out(text, 0)
}

fn cscript(state: &mut MachineState, args: &[String]) -> CmdResult {
    let nologo = args.iter().any(|a| a.eq_ignore_ascii_case("//nologo"));
    let mut rest = args.iter().filter(|a| !a.starts_with("//"));
    let banner = if nologo {
        String::new()
    } else {
        "Microsoft (R) Windows Script Host Version 5.812\r\nCopyright (C) Microsoft Corporation. All rights reserved.\r\n\r\n".to_string()
    };
    let Some(script) = rest.next() else {
        return CmdResult::out(
            format!("{banner}Usage: CScript scriptname.extension [option...] [arguments...]\r\n"),
            0,
        );
    };
    if !script.to_ascii_lowercase().ends_with("slmgr.vbs") {
        return CmdResult::out(
            format!("{banner}Input Error: Can not find script file \"{script}\".\r\n"),
            1,
        );
    }
    let option = rest
        .next()
        .map(|o| o.to_ascii_lowercase())
        .unwrap_or_default();
    let param = rest.next().cloned();
    let mut result = slmgr(state, option.trim_start_matches(['/', '-']), param);
    if let Some(Chunk::Out(text)) = result.chunks.first_mut() {
        text.insert_str(0, &banner);
    }
    result
}

fn slmgr(state: &mut MachineState, option: &str, param: Option<String>) -> CmdResult {
    match (option, param) {
        ("ipk", Some(key)) => {
            if !is_product_key(&key) {
                return CmdResult::out(
                    format!("Error: 0x{HR_INVALID_KEY:08X} The Software Licensing Service reported that the product key is invalid.\r\n"),
                    HR_INVALID_KEY,
                );
            }
            state.activated = false;
            state.partial_key = key.rsplit('-').next().unwrap_or_default().to_uppercase();
            CmdResult::out(format!("Installed product key {key} successfully.\r\n"), 0)
        }
        ("skms", Some(kms)) => {
            state.kms_machine = Some(kms.clone());
            CmdResult::out(
                format!("Key Management Service machine name set to {kms} successfully.\r\n"),
                0,
            )
        }
        ("ato", _) => {
            let mut text = format!("Activating {PRODUCT_NAME} ({ACTIVATION_ID}) ...\r\n");
            if state.behaviour.kms_reachable {
                state.activated = true;
                text.push_str("Product activated successfully.\r\n");
                CmdResult::out(text, 0)
            } else {
                text.push_str(&format!(
                    "Error: 0x{HR_KMS_UNREACHABLE:08X} The Software Licensing Service reported that the computer could not be activated. No Key Management Service (KMS) could be contacted. Please see the Application Event Log for additional information.\r\n"
                ));
                CmdResult::out(text, HR_KMS_UNREACHABLE)
            }
        }
        ("dlv", _) => {
            let mut result = slmgr(state, "dli", None);
            if let Some(n) = state.behaviour.kms_host_count {
                result.chunks.push(Chunk::Out(format!(
                    "\r\nKey Management Service is enabled on this machine\r\n    Current count: {n}\r\n    Listening on Port: 1688\r\n    DNS publishing enabled\r\n    KMS priority: Normal\r\n"
                )));
            }
            result
        }
        ("dli", _) if state.behaviour.license.is_some() => CmdResult::out(fixed_dli(state), 0),
        ("xpr", _) => CmdResult::out(xpr(state), 0),
        ("dli", _) => {
            let mut text = format!(
                "\r\nName: {PRODUCT_NAME}\r\nDescription: Windows(R) Operating System, VOLUME_KMSCLIENT channel\r\nPartial Product Key: {}\r\n",
                state.partial_key
            );
            if state.activated {
                text.push_str("License Status: Licensed\r\nVolume activation expiration: 259200 minute(s) (180 day(s))\r\n");
            } else {
                text.push_str(
                    "License Status: Notification\r\nNotification Reason: 0xC004F056.\r\n",
                );
            }
            text.push_str("\r\nKey Management Service client information\r\n");
            match &state.kms_machine {
                Some(kms) => text.push_str(&format!("    Registered KMS machine name: {kms}\r\n")),
                None => text.push_str("    DNS auto-discovery: KMS name not available\r\n"),
            }
            text.push_str("    Activation interval: 120 minutes\r\n    Renewal interval: 10080 minutes\r\n    KMS host caching is enabled\r\n");
            CmdResult::out(text, 0)
        }
        (option @ ("ipk" | "skms"), None) => CmdResult::out(
            format!(
                "Error: option /{option} needs {}\r\n",
                if option == "ipk" {
                    "<Product Key>"
                } else {
                    "<Name[:Port] | : port> [Activation ID]"
                }
            ),
            0,
        ),
        (option, _) => CmdResult::out(format!("Unrecognized option: /{option}\r\n"), 0),
    }
}

/// `slmgr /dli` for a fixed [`FakeLicense`].
fn fixed_dli(state: &MachineState) -> String {
    let license = state
        .behaviour
        .license
        .clone()
        .unwrap_or(FakeLicense::Unlicensed);
    let channel = if license == FakeLicense::Mak {
        "VOLUME_MAK"
    } else {
        "VOLUME_KMSCLIENT"
    };
    let mut text = format!(
        "\r\nName: {PRODUCT_NAME}\r\nDescription: Windows(R) Operating System, {channel} channel\r\nPartial Product Key: {}\r\n",
        state.partial_key
    );
    match &license {
        FakeLicense::Licensed { days } => text.push_str(&format!(
            "License Status: Licensed\r\nVolume activation expiration: {} minute(s) ({days} day(s))\r\n",
            days * 1440
        )),
        FakeLicense::Grace { days } => text.push_str(&format!(
            "License Status: Initial grace period\r\nTime remaining: {} minute(s) ({days} day(s))\r\n",
            days * 1440
        )),
        FakeLicense::Notification { reason } => text.push_str(&format!(
            "License Status: Notification\r\nNotification Reason: {reason}.\r\n"
        )),
        FakeLicense::Unlicensed => text.push_str("License Status: Unlicensed\r\n"),
        FakeLicense::Mak => text.push_str("License Status: Licensed\r\n"),
    }
    if channel == "VOLUME_KMSCLIENT" {
        text.push_str("\r\nKey Management Service client information\r\n");
        match (&license, &state.kms_machine) {
            (FakeLicense::Unlicensed, _) => {
                text.push_str("    DNS auto-discovery: KMS name not available\r\n")
            }
            (_, kms) => text.push_str(&format!(
                "    Registered KMS machine name: {}\r\n",
                kms.as_deref().unwrap_or("kms.corp.example:1688")
            )),
        }
        text.push_str("    Activation interval: 120 minutes\r\n    Renewal interval: 10080 minutes\r\n    KMS host caching is enabled\r\n");
    }
    text
}

/// `slmgr /xpr`: when the activation ends, as Windows words it.
fn xpr(state: &MachineState) -> String {
    let line = match &state.behaviour.license {
        Some(FakeLicense::Licensed { .. }) => "Volume activation will expire 6/2/2027 3:14:07 PM",
        Some(FakeLicense::Grace { .. }) => "Initial grace period ends 1/4/2027 9:12:45 AM",
        Some(FakeLicense::Notification { .. }) => "Windows is in Notification mode",
        Some(FakeLicense::Unlicensed) => "Windows is not activated.",
        Some(FakeLicense::Mak) => "The machine is permanently activated.",
        None if state.activated => "Volume activation will expire 6/2/2027 3:14:07 PM",
        None => "Windows is in Notification mode",
    };
    format!("{PRODUCT_NAME}:\r\n    {line}\r\n")
}

/// `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX` with letters and digits.
fn is_product_key(key: &str) -> bool {
    let groups: Vec<&str> = key.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .all(|g| g.len() == 5 && g.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn service_display_name(name: &str) -> Option<&'static str> {
    match name.to_ascii_lowercase().as_str() {
        "w32time" => Some("Windows Time"),
        "sppsvc" => Some("Software Protection"),
        _ => None,
    }
}

fn net(state: &mut MachineState, args: &[String]) -> CmdResult {
    let verb = args
        .first()
        .map(|v| v.to_ascii_lowercase())
        .unwrap_or_default();
    let Some(service) = args.get(1) else {
        return CmdResult::out("The syntax of this command is:\r\n\r\nNET\r\n    [ ACCOUNTS | COMPUTER | CONFIG | CONTINUE | FILE | GROUP | HELP |\r\n      HELPMSG | LOCALGROUP | PAUSE | SESSION | SHARE | START |\r\n      STATISTICS | STOP | TIME | USE | USER | VIEW ]\r\n", 1);
    };
    let Some(display) = service_display_name(service) else {
        return CmdResult::err(
            "The service name is invalid.\r\n\r\nMore help is available by typing NET HELPMSG 2185.\r\n\r\n",
            2,
        );
    };
    let is_w32time = service.eq_ignore_ascii_case("w32time");
    let running = if is_w32time {
        &mut state.behaviour.w32time_running
    } else {
        &mut state.sppsvc_running
    };
    match verb.as_str() {
        "start" if *running => CmdResult::err(
            "The requested service has already been started.\r\n\r\nMore help is available by typing NET HELPMSG 2182.\r\n\r\n",
            2,
        ),
        "start" => {
            *running = true;
            CmdResult::out(
                format!("The {display} service is starting.\r\nThe {display} service was started successfully.\r\n\r\n"),
                0,
            )
        }
        "stop" if *running => {
            *running = false;
            CmdResult::out(
                format!("The {display} service is stopping.\r\nThe {display} service was stopped successfully.\r\n\r\n"),
                0,
            )
        }
        "stop" => CmdResult::err(
            format!("The {display} service is not started.\r\n\r\nMore help is available by typing NET HELPMSG 3521.\r\n\r\n"),
            2,
        ),
        _ => CmdResult::err("The syntax of this command is:\r\n\r\nNET START | STOP [service]\r\n", 1),
    }
}

fn w32tm(state: &mut MachineState, args: &[String]) -> CmdResult {
    let has = |flag: &str| args.iter().any(|a| a.eq_ignore_ascii_case(flag));
    let not_running = format!(
        "The following error occurred: The service has not been started. (0x{HR_SERVICE_NOT_ACTIVE:08X})\r\n"
    );
    if has("/resync") {
        let mut text = "Sending resync command to local computer\r\n".to_string();
        if state.behaviour.w32time_running {
            text.push_str("The command completed successfully.\r\n");
            return CmdResult::out(text, 0);
        }
        text.push_str(&not_running);
        return CmdResult::out(text, HR_SERVICE_NOT_ACTIVE);
    }
    if has("/config") {
        if has("/update") && !state.behaviour.w32time_running {
            return CmdResult::out(not_running, HR_SERVICE_NOT_ACTIVE);
        }
        return CmdResult::out("The command completed successfully.\r\n", 0);
    }
    CmdResult::out(
        "w32tm [/? | /register | /unregister ]\r\n  ? - this help screen.\r\n",
        0,
    )
}

fn netsh(state: &mut MachineState, args: &[String]) -> CmdResult {
    let lower: Vec<String> = args.iter().map(|a| a.to_ascii_lowercase()).collect();
    let words: Vec<&str> = lower.iter().map(String::as_str).collect();
    let name = args.iter().find_map(|a| {
        a.get(..5)
            .filter(|p| p.eq_ignore_ascii_case("name="))
            .map(|_| a[5..].to_string())
    });
    if let Some(name) = name {
        if words.starts_with(&["advfirewall", "firewall", "add", "rule"]) {
            state.firewall_rules.push(name);
            return CmdResult::out("Ok.\r\n\r\n", 0);
        }
        if words.starts_with(&["advfirewall", "firewall", "show", "rule"]) {
            let n = state
                .firewall_rules
                .iter()
                .filter(|r| r.eq_ignore_ascii_case(&name))
                .count();
            if n == 0 {
                return CmdResult::out("No rules match the specified criteria.\r\n", 1);
            }
            let one = format!("\r\nRule Name:                            {name}\r\n----------------------------------------------------------------------\r\nEnabled:                              Yes\r\nDirection:                            In\r\nLocalPort:                            1688\r\nAction:                               Allow\r\n");
            return CmdResult::out(format!("{}Ok.\r\n\r\n", one.repeat(n)), 0);
        }
    }
    CmdResult::out(
        format!(
            "The following command was not found: {}.\r\n",
            args.join(" ")
        ),
        1,
    )
}

/// The emulated machine on its own, for stand-ins of other transports (the WinRM stand-in):
/// the same commands, output, exit codes and behaviour as [`FakeWindows`] answers over SSH.
#[derive(Debug)]
pub struct Machine {
    state: Mutex<MachineState>,
}

/// Which stream a piece of output went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// How a received command is to be answered (from the behaviour at the time it arrived).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answering {
    /// Sleep before running it.
    pub delay: Duration,
    /// Never run it (hangs until abandoned).
    pub hang_before: bool,
    /// Run it, then never answer.
    pub hang_after: bool,
    /// Text printed after its own output.
    pub extra: Option<String>,
}

/// What a command line printed, in order, and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executed {
    /// Output pieces in the order printed.
    pub output: Vec<(Stream, String)>,
    /// The process exit code.
    pub exit: u32,
}

impl Machine {
    /// A machine in the same starting state as a fresh [`FakeWindows`].
    pub fn new(behaviour: FakeBehaviour) -> Machine {
        Machine {
            state: Mutex::new(MachineState {
                behaviour,
                sppsvc_running: true,
                activated: false,
                partial_key: "3V66T".to_string(),
                kms_machine: None,
                firewall_rules: Vec::new(),
                commands: Vec::new(),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, MachineState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records a command line as received and says how to answer it.
    pub fn receive(&self, command: &str) -> Answering {
        let mut state = self.state();
        state.commands.push(command.to_string());
        let b = &state.behaviour;
        Answering {
            delay: b.delay,
            hang_before: b.hang_on.as_deref().is_some_and(|n| command.contains(n)),
            hang_after: b.hang_after.as_deref().is_some_and(|n| command.contains(n)),
            extra: b
                .extra_output
                .as_ref()
                .filter(|(n, _)| command.contains(n.as_str()))
                .map(|(_, t)| t.clone()),
        }
    }

    /// Runs a cmd.exe command line against the machine.
    pub fn execute(&self, command: &str) -> Executed {
        let result = run_cmd_line(&mut self.state(), command);
        Executed {
            output: result
                .chunks
                .into_iter()
                .map(|c| match c {
                    Chunk::Out(t) => (Stream::Stdout, t),
                    Chunk::Err(t) => (Stream::Stderr, t),
                })
                .collect(),
            exit: result.exit,
        }
    }

    /// Every command line received so far, in order.
    pub fn commands(&self) -> Vec<String> {
        self.state().commands.clone()
    }

    /// The current behaviour.
    pub fn behaviour(&self) -> FakeBehaviour {
        self.state().behaviour.clone()
    }

    /// Replaces the behaviour; applies to commands received from now on.
    pub fn set_behaviour(&self, behaviour: FakeBehaviour) {
        self.state().behaviour = behaviour;
    }

    /// Whether a successful `slmgr /ato` has happened since the last `/ipk`.
    pub fn activated(&self) -> bool {
        self.state().activated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine() -> MachineState {
        MachineState {
            behaviour: FakeBehaviour::default(),
            sppsvc_running: true,
            activated: false,
            partial_key: "3V66T".into(),
            kms_machine: None,
            firewall_rules: vec![],
            commands: vec![],
        }
    }

    fn text(r: &CmdResult) -> String {
        r.chunks
            .iter()
            .map(|c| match c {
                Chunk::Out(t) | Chunk::Err(t) => t.as_str(),
            })
            .collect()
    }

    #[test]
    fn chains_and_expansion() {
        let mut m = machine();
        let r = run_cmd_line(&mut m, "net stop sppsvc && net start sppsvc");
        assert_eq!(r.exit, 0);
        assert!(text(&r).contains("Software Protection service was stopped"));
        assert!(text(&r).contains("Software Protection service was started"));
        let r = run_cmd_line(&mut m, "net stop w32time && net start w32time");
        assert_eq!(r.exit, 2);
        assert!(!text(&r).contains("starting"));
        assert_eq!(
            expand_env(r"%systemroot%\x %SystemRoot%"),
            r"C:\Windows\x C:\Windows"
        );
    }

    #[test]
    fn unknown_and_quotes() {
        let mut m = machine();
        let r = run_cmd_line(&mut m, "frobnicate /x");
        assert_eq!(r.exit, 1);
        assert!(text(&r).starts_with("'frobnicate' is not recognized"));
        assert_eq!(
            tokens(r#"a name="KMS rule" b"#),
            vec!["a", "name=KMS rule", "b"]
        );
        let r = run_cmd_line(&mut m, "cscript //nologo C:\\x\\other.vbs /ato");
        assert_eq!(r.exit, 1);
    }

    #[test]
    fn w32tm_needs_service() {
        let mut m = machine();
        let r = run_cmd_line(&mut m, "w32tm /resync");
        assert_eq!(r.exit, HR_SERVICE_NOT_ACTIVE);
        run_cmd_line(&mut m, "net start w32time");
        let r = run_cmd_line(&mut m, "w32tm /resync");
        assert_eq!(r.exit, 0);
    }
}
