//! A WinRM stand-in for tests: WS-Management (SOAP over HTTP/1.1 inside TLS) on loopback, with
//! HTTP Basic or NTLMv2 (`Negotiate`, per connection, as HTTP.sys does) authentication, in front of the same emulated Windows machine the SSH fake uses
//! ([`crate::fake_windows::Machine`]), so slmgr, w32tm, net and netsh answer identically.
//!
//! What it speaks, modelled on Windows' WinRM service:
//! - `Create` of a `cmd` shell (answers `ResourceCreated` with a `ShellId`);
//! - `Command` (a `CommandId`; the command line runs through the machine);
//! - `Receive` (long poll up to the request's `OperationTimeout`, then the `w:TimedOut` fault;
//!   once done: base64 `stdout`/`stderr` streams in the order printed, `End` markers, the
//!   `Done` state and the exit code, HRESULTs as signed 32-bit numbers as Windows shows them);
//! - `Signal` `terminate` (stops a running command) and `Delete` of the shell;
//! - a wrong or missing password: HTTP 401 with an empty body; an unknown shell, or a command
//!   line containing [`WinrmOptions::fault_on`]: HTTP 500 with a SOAP fault.
//!
//! The certificate is `tests/data/winrm/server.pem`, signed by `tests/data/winrm/ca.pem`.

use crate::fake_windows::{Executed, FakeBehaviour, Machine, Stream};
use base64::Engine as _;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::task::JoinHandle;
use tokio_rustls::rustls;

/// The test CA that signed the stand-in's certificate (PEM).
pub const CA_PEM: &str = include_str!("../data/winrm/ca.pem");
/// A CA unrelated to the stand-in's certificate (PEM).
pub const OTHER_CA_PEM: &str = include_str!("../data/winrm/other_ca.pem");
const SERVER_PEM: &str = include_str!("../data/winrm/server.pem");
const SERVER_KEY: &str = include_str!("../data/winrm/server.key");

/// Stand-in behaviour beyond the machine's own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WinrmOptions {
    /// A command line containing this substring is refused with HTTP 500 and a SOAP fault
    /// (the per-user operations quota), as WinRM does.
    pub fault_on: Option<String>,
    /// Accept only NTLM (`Negotiate`), as WinRM does by default; otherwise only Basic.
    pub ntlm: bool,
}

/// A running WinRM stand-in on loopback. Stops accepting when dropped.
pub struct FakeWinrm {
    /// Where it listens.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    accept_loop: JoinHandle<()>,
}

struct Running {
    result: tokio::sync::watch::Receiver<Option<Executed>>,
    task: JoinHandle<()>,
}

struct Shared {
    machine: Machine,
    user: String,
    password: String,
    options: Mutex<WinrmOptions>,
    /// Open shells, each with its commands.
    shells: Mutex<HashMap<String, HashMap<String, Arc<Running>>>>,
    /// Every operation received after authentication, in order (`Create`, `Command`, …).
    operations: Mutex<Vec<String>>,
    refused_logins: AtomicUsize,
    ntlm_logins: AtomicUsize,
    next_id: AtomicUsize,
}

/// What the authentication header of one request gave.
enum Login {
    Accepted,
    Refused,
    /// An NTLM CHALLENGE to send back (base64).
    Challenge(String),
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl FakeWinrm {
    /// Starts the stand-in on `127.0.0.1:0`, accepting `user` with `password` (Basic).
    pub async fn start(
        behaviour: FakeBehaviour,
        options: WinrmOptions,
        user: &str,
        password: &str,
    ) -> std::io::Result<FakeWinrm> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(SERVER_PEM.as_bytes())
                .collect::<Result<_, _>>()
                .map_err(std::io::Error::other)?;
        let key =
            PrivateKeyDer::from_pem_slice(SERVER_KEY.as_bytes()).map_err(std::io::Error::other)?;
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(std::io::Error::other)?;
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let shared = Arc::new(Shared {
            machine: Machine::new(behaviour),
            user: user.to_string(),
            password: password.to_string(),
            options: Mutex::new(options),
            shells: Mutex::new(HashMap::new()),
            operations: Mutex::new(Vec::new()),
            refused_logins: AtomicUsize::new(0),
            ntlm_logins: AtomicUsize::new(0),
            next_id: AtomicUsize::new(1),
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let loop_shared = Arc::clone(&shared);
        let accept_loop = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let _ = socket.set_nodelay(true);
                let acceptor = acceptor.clone();
                let shared = Arc::clone(&loop_shared);
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(socket).await {
                        serve_connection(shared, tls).await;
                    }
                });
            }
        });
        Ok(FakeWinrm {
            addr,
            shared,
            accept_loop,
        })
    }

    /// The listening port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every command line received, in order.
    pub fn commands(&self) -> Vec<String> {
        self.shared.machine.commands()
    }

    /// Every WS-Management operation received after authentication, in order.
    pub fn operations(&self) -> Vec<String> {
        lock(&self.shared.operations).clone()
    }

    /// How many requests were refused with 401.
    pub fn refused_logins(&self) -> usize {
        self.shared.refused_logins.load(Ordering::SeqCst)
    }

    /// How many NTLM handshakes succeeded.
    pub fn ntlm_logins(&self) -> usize {
        self.shared.ntlm_logins.load(Ordering::SeqCst)
    }

    /// How many shells are open now (created and not deleted).
    pub fn open_shells(&self) -> usize {
        lock(&self.shared.shells).len()
    }

    /// The emulated machine.
    pub fn machine(&self) -> &Machine {
        &self.shared.machine
    }

    /// Replaces the stand-in options.
    pub fn set_options(&self, options: WinrmOptions) {
        *lock(&self.shared.options) = options;
    }
}

impl Drop for FakeWinrm {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

/// Reads HTTP/1.1 requests on one kept-alive connection and answers each.
async fn serve_connection<S>(shared: Arc<Shared>, stream: S)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut stream = BufReader::new(stream);
    // The server challenge of an NTLM handshake under way on this connection.
    let mut pending: Option<[u8; 8]> = None;
    loop {
        let mut request_line = String::new();
        match stream.read_line(&mut request_line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut length = 0usize;
        let mut authorization = None;
        loop {
            let mut line = String::new();
            match stream.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.parse().unwrap_or(0);
                } else if name.eq_ignore_ascii_case("authorization") {
                    authorization = Some(value.to_string());
                }
            }
        }
        let mut body = vec![0; length];
        if stream.read_exact(&mut body).await.is_err() {
            return;
        }
        let body = String::from_utf8_lossy(&body).into_owned();
        let ntlm = lock(&shared.options).ntlm;
        let (status, extra_headers, answer) = if !request_line.starts_with("POST /wsman ") {
            (404, String::new(), String::new())
        } else {
            match shared.login(authorization.as_deref(), &mut pending) {
                Login::Accepted => {
                    let (status, answer) = handle(&shared, &body).await;
                    (status, String::new(), answer)
                }
                Login::Challenge(token) => (
                    401,
                    format!("WWW-Authenticate: Negotiate {token}\r\n"),
                    String::new(),
                ),
                Login::Refused => {
                    shared.refused_logins.fetch_add(1, Ordering::SeqCst);
                    let offers = if ntlm {
                        "WWW-Authenticate: Negotiate\r\n"
                    } else {
                        "WWW-Authenticate: Basic realm=\"WSMAN\"\r\n"
                    };
                    (401, offers.to_string(), String::new())
                }
            }
        };
        let reason = match status {
            200 => "OK",
            401 => "",
            404 => "Not Found",
            _ => "Internal Server Error",
        };
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\nServer: Microsoft-HTTPAPI/2.0\r\n{extra_headers}Content-Type: application/soap+xml;charset=UTF-8\r\nContent-Length: {}\r\n\r\n",
            answer.len()
        );
        let inner = stream.get_mut();
        if inner.write_all(head.as_bytes()).await.is_err()
            || inner.write_all(answer.as_bytes()).await.is_err()
            || inner.flush().await.is_err()
        {
            return;
        }
    }
}

impl Shared {
    fn login(&self, header: Option<&str>, pending: &mut Option<[u8; 8]>) -> Login {
        if !lock(&self.options).ntlm {
            return if self.basic_ok(header) {
                Login::Accepted
            } else {
                Login::Refused
            };
        }
        let b64 = &base64::engine::general_purpose::STANDARD;
        let Some(message) = header
            .and_then(|h| h.strip_prefix("Negotiate "))
            .and_then(|t| b64.decode(t.trim()).ok())
        else {
            return Login::Refused;
        };
        use adapters::winrm::ntlm;
        if message.starts_with(ntlm::SIGNATURE) && message.get(8..12) == Some(&[1, 0, 0, 0]) {
            let challenge: [u8; 8] = rand::random();
            *pending = Some(challenge);
            return Login::Challenge(b64.encode(challenge_message(challenge)));
        }
        let (Some(auth), Some(challenge)) = (ntlm::parse_authenticate(&message), pending.take())
        else {
            return Login::Refused;
        };
        if auth.user.eq_ignore_ascii_case(&self.user)
            && ntlm::verify(&auth, &self.password, &challenge)
        {
            self.ntlm_logins.fetch_add(1, Ordering::SeqCst);
            Login::Accepted
        } else {
            Login::Refused
        }
    }

    fn basic_ok(&self, header: Option<&str>) -> bool {
        let Some(encoded) = header.and_then(|h| h.strip_prefix("Basic ")) else {
            return false;
        };
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
            return false;
        };
        decoded == format!("{}:{}", self.user, self.password).into_bytes()
    }

    fn id(&self, prefix: &str) -> String {
        let n = self.next_id.fetch_add(1, Ordering::SeqCst);
        format!("{prefix}{n:08X}-0000-4000-8000-000000000000")
    }
}

/// An NTLM CHALLENGE message with the target info a Windows server sends (names, timestamp).
fn challenge_message(challenge: [u8; 8]) -> Vec<u8> {
    use adapters::winrm::ntlm;
    let name = ntlm::utf16le("FAKE");
    let mut info = Vec::new();
    let mut av = |id: u16, value: &[u8]| {
        info.extend(id.to_le_bytes());
        info.extend(u16::try_from(value.len()).unwrap_or(0).to_le_bytes());
        info.extend(value);
    };
    av(2, &ntlm::utf16le("FAKE"));
    av(1, &ntlm::utf16le("FAKE-WINRM"));
    av(7, &ntlm::filetime_now().to_le_bytes());
    av(0, &[]);
    let name_len = u16::try_from(name.len()).unwrap_or(0);
    let info_len = u16::try_from(info.len()).unwrap_or(0);
    let mut m = ntlm::SIGNATURE.to_vec();
    m.extend(2u32.to_le_bytes());
    m.extend(name_len.to_le_bytes());
    m.extend(name_len.to_le_bytes());
    m.extend(56u32.to_le_bytes());
    m.extend(ntlm::FLAGS.to_le_bytes());
    m.extend(challenge);
    m.extend([0u8; 8]);
    m.extend(info_len.to_le_bytes());
    m.extend(info_len.to_le_bytes());
    m.extend((56 + u32::from(name_len)).to_le_bytes());
    m.extend([10, 0, 0x63, 0x45, 0, 0, 0, 15]); // version 10.0.17763, NTLM revision 15
    m.extend(name);
    m.extend(info);
    m
}

/// Text of the first element with local name `local` (prefix ignored), XML-unescaped.
fn find(xml: &str, local: &str) -> Option<String> {
    adapters::winrm::element(xml, local).map(|(_, inner)| adapters::winrm::unescape(inner.trim()))
}

fn envelope(action: &str, body: &str) -> String {
    format!(
        "<s:Envelope xml:lang=\"en-US\" xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" xmlns:x=\"http://schemas.xmlsoap.org/ws/2004/09/transfer\" xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" xmlns:rsp=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell\"><s:Header><a:Action>{action}</a:Action><a:MessageID>uuid:00000000-0000-4000-8000-000000000001</a:MessageID><a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To></s:Header><s:Body>{body}</s:Body></s:Envelope>"
    )
}

fn fault(subcode: &str, code: &str, message: &str) -> (u16, String) {
    (
        500,
        envelope(
            "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault",
            &format!(
                "<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>{subcode}</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang=\"en-US\">{message}</s:Text></s:Reason><s:Detail><f:WSManFault xmlns:f=\"http://schemas.microsoft.com/wbem/wsman/1/wsmanfault\" Code=\"{code}\" Machine=\"fake-winrm\"><f:Message>{message} </f:Message></f:WSManFault></s:Detail></s:Fault>"
            ),
        ),
    )
}

fn no_shell(id: &str) -> (u16, String) {
    fault(
        "w:InvalidSelectors",
        "2150858843",
        &format!("The request for the Windows Remote Shell with ShellId {} failed because the shell was not found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the server. Provide the correct ShellId or create a new shell and retry the operation.", adapters::winrm::escape(id)),
    )
}

const SHELL: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell";

/// Answers one authenticated WS-Management request: (HTTP status, body).
async fn handle(shared: &Arc<Shared>, xml: &str) -> (u16, String) {
    let action = find(xml, "Action").unwrap_or_default();
    let operation = action.rsplit('/').next().unwrap_or_default().to_string();
    lock(&shared.operations).push(operation.clone());
    let shell_id = adapters::winrm::elements(xml, "Selector")
        .into_iter()
        .find(|(attrs, _)| {
            adapters::winrm::attribute(attrs, "Name").is_some_and(|n| n == "ShellId")
        })
        .map(|(_, inner)| adapters::winrm::unescape(inner.trim()));
    let known = |id: &Option<String>| {
        id.as_ref()
            .is_some_and(|id| lock(&shared.shells).contains_key(id))
    };
    match operation.as_str() {
        "Create" => {
            let id = shared.id("5E11");
            lock(&shared.shells).insert(id.clone(), HashMap::new());
            (
                200,
                envelope(
                    "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse",
                    &format!("<x:ResourceCreated><a:Address>https://fake-winrm:5986/wsman</a:Address><a:ReferenceParameters><w:ResourceURI>{SHELL}/cmd</w:ResourceURI><w:SelectorSet><w:Selector Name=\"ShellId\">{id}</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated><rsp:Shell><rsp:ShellId>{id}</rsp:ShellId><rsp:ResourceUri>{SHELL}/cmd</rsp:ResourceUri><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>"),
                ),
            )
        }
        "Command" => {
            if !known(&shell_id) {
                return no_shell(shell_id.as_deref().unwrap_or_default());
            }
            let Some(command) = find(xml, "Command") else {
                return fault(
                    "w:InvalidParameter",
                    "2150858882",
                    "The command line is missing.",
                );
            };
            if lock(&shared.options)
                .fault_on
                .as_deref()
                .is_some_and(|n| command.contains(n))
            {
                return fault(
                    "w:QuotaLimit",
                    "2150859174",
                    "The WS-Management service cannot process the request. This user is allowed a maximum number of 5 concurrent operations, which has been exceeded. Close existing operations for this user, or raise the quota for this user.",
                );
            }
            let answering = shared.machine.receive(&command);
            let (tx, rx) = tokio::sync::watch::channel(None);
            let machine_shared = Arc::clone(shared);
            let task = tokio::spawn(async move {
                if !answering.delay.is_zero() {
                    tokio::time::sleep(answering.delay).await;
                }
                if answering.hang_before {
                    std::future::pending::<()>().await;
                }
                let mut executed = machine_shared.machine.execute(&command);
                if answering.hang_after {
                    std::future::pending::<()>().await;
                }
                if let Some(text) = answering.extra {
                    executed.output.push((Stream::Stdout, text));
                }
                let _ = tx.send(Some(executed));
            });
            let id = shared.id("C0DE");
            if let Some(commands) =
                lock(&shared.shells).get_mut(shell_id.as_deref().unwrap_or_default())
            {
                commands.insert(id.clone(), Arc::new(Running { result: rx, task }));
            }
            (
                200,
                envelope(
                    &format!("{SHELL}/CommandResponse"),
                    &format!("<rsp:CommandResponse><rsp:CommandId>{id}</rsp:CommandId></rsp:CommandResponse>"),
                ),
            )
        }
        "Receive" => {
            let command_id = adapters::winrm::element(xml, "DesiredStream")
                .and_then(|(attrs, _)| adapters::winrm::attribute(attrs, "CommandId"))
                .unwrap_or_default();
            let running = lock(&shared.shells)
                .get(shell_id.as_deref().unwrap_or_default())
                .and_then(|c| c.get(&command_id).cloned());
            let Some(running) = running else {
                return no_shell(shell_id.as_deref().unwrap_or_default());
            };
            let wait = find(xml, "OperationTimeout")
                .and_then(|t| t.strip_prefix("PT")?.strip_suffix('S')?.parse::<f64>().ok())
                .map(Duration::from_secs_f64)
                .unwrap_or(Duration::from_secs(60));
            let mut rx = running.result.clone();
            let done = tokio::time::timeout(wait, rx.wait_for(Option::is_some)).await;
            let executed = match done {
                Ok(Ok(r)) => r.clone(),
                // Terminated by a Signal.
                Ok(Err(_)) => Some(Executed {
                    output: Vec::new(),
                    exit: 0xC000_013A,
                }),
                Err(_) => None,
            };
            let Some(executed) = executed else {
                return fault(
                    "w:TimedOut",
                    "2150858793",
                    "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.",
                );
            };
            let mut body = String::from("<rsp:ReceiveResponse>");
            for (stream, text) in &executed.output {
                let name = match stream {
                    Stream::Stdout => "stdout",
                    Stream::Stderr => "stderr",
                };
                body.push_str(&format!(
                    "<rsp:Stream Name=\"{name}\" CommandId=\"{command_id}\">{}</rsp:Stream>",
                    base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
                ));
            }
            body.push_str(&format!(
                "<rsp:Stream Name=\"stdout\" CommandId=\"{command_id}\" End=\"true\"></rsp:Stream><rsp:Stream Name=\"stderr\" CommandId=\"{command_id}\" End=\"true\"></rsp:Stream><rsp:CommandState CommandId=\"{command_id}\" State=\"{SHELL}/CommandState/Done\"><rsp:ExitCode>{}</rsp:ExitCode></rsp:CommandState></rsp:ReceiveResponse>",
                executed.exit as i32
            ));
            (200, envelope(&format!("{SHELL}/ReceiveResponse"), &body))
        }
        "Signal" => {
            let command_id = adapters::winrm::element(xml, "Signal")
                .and_then(|(attrs, _)| adapters::winrm::attribute(attrs, "CommandId"))
                .unwrap_or_default();
            let running = lock(&shared.shells)
                .get(shell_id.as_deref().unwrap_or_default())
                .and_then(|c| c.get(&command_id).cloned());
            match running {
                Some(r) => {
                    r.task.abort();
                    (
                        200,
                        envelope(&format!("{SHELL}/SignalResponse"), "<rsp:SignalResponse/>"),
                    )
                }
                None => no_shell(shell_id.as_deref().unwrap_or_default()),
            }
        }
        "Delete" => {
            let removed = lock(&shared.shells).remove(shell_id.as_deref().unwrap_or_default());
            match removed {
                Some(commands) => {
                    for r in commands.values() {
                        r.task.abort();
                    }
                    (
                        200,
                        envelope(
                            "http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse",
                            "",
                        ),
                    )
                }
                None => no_shell(shell_id.as_deref().unwrap_or_default()),
            }
        }
        _ => fault(
            "a:ActionNotSupported",
            "2150858793",
            "The action is not supported by the service.",
        ),
    }
}

/// A WinRM stand-in kept serving on its own runtime while a test spawns the real binary, with
/// its password file and CA file, and the `[[instances]]` config that points at it.
pub struct WinrmInstance {
    /// The runtime the stand-in runs on (kept alive with the instance).
    pub rt: tokio::runtime::Runtime,
    /// The stand-in.
    pub fake: FakeWinrm,
    /// The file the bot reads the password from (`password = "file:…"`).
    pub password_file: PathBuf,
    /// The CA file the bot verifies the certificate with.
    pub ca_file: PathBuf,
    /// `ntlm` or `basic`, as the stand-in accepts.
    pub auth: &'static str,
}

/// The password the stand-in accepts.
pub const PASSWORD: &str = "Wr-Pa55-q7Zx";

impl WinrmInstance {
    /// Starts a stand-in for instance `name`, writing its password and CA files into `dir`.
    pub fn start(
        dir: &Path,
        name: &str,
        behaviour: FakeBehaviour,
        options: WinrmOptions,
    ) -> WinrmInstance {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let auth = if options.ntlm { "ntlm" } else { "basic" };
        let fake = rt
            .block_on(FakeWinrm::start(
                behaviour,
                options,
                "Administrator",
                PASSWORD,
            ))
            .expect("winrm stand-in");
        let password_file = dir.join(format!("{name}.winrm-password"));
        std::fs::write(&password_file, format!("{PASSWORD}\n")).expect("password file");
        let ca_file = dir.join(format!("{name}-ca.pem"));
        std::fs::write(&ca_file, CA_PEM).expect("ca file");
        WinrmInstance {
            rt,
            fake,
            password_file,
            ca_file,
            auth,
        }
    }

    /// The `[[instances]]` block for this instance (over HTTPS verified with the CA file, with the
    /// authentication the stand-in accepts).
    pub fn toml(&self, name: &str, edition: &str) -> String {
        format!(
            "[[instances]]\nname = \"{name}\"\nedition = \"{edition}\"\ntransport = \"winrm\"\naddress = \"127.0.0.1\"\nport = {}\nuser = \"Administrator\"\npassword = \"file:{}\"\nauth = \"{}\"\nca_file = \"{}\"\n",
            self.fake.port(),
            self.password_file.display(),
            self.auth,
            self.ca_file.display()
        )
    }

    /// Every command the instance received, in order, except the read-only pre-flight checks
    /// asked before an approval: what a job ran.
    pub fn commands(&self) -> Vec<String> {
        self.fake
            .commands()
            .into_iter()
            .filter(|c| !crate::instance::is_preflight(c))
            .collect()
    }

    /// Every command the instance received, in order, pre-flight checks included.
    pub fn all_commands(&self) -> Vec<String> {
        self.fake.commands()
    }
}
