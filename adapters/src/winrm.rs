//! The WinRM transport: [`WinrmShell`] runs commands on a Windows instance over WS-Management
//! (SOAP over HTTPS, port 5986 by default) with HTTP Basic or NTLMv2 (`Negotiate`) authentication.
//!
//! Each command runs in its own remote shell, the way `winrs` and pywinrm's `run_cmd` do:
//! Create (a `cmd` shell), Command, Receive until the command is Done (stdout and stderr
//! interleaved as received, the exit code), Signal `terminate` when it is abandoned, Delete.
//!
//! Why a client of our own rather than the `winrm-rs` crate: `winrm-rs` 1.1.2 verifies HTTPS
//! only against its built-in webpki (Mozilla) roots and has no way to add a CA, so an instance
//! with the self-signed or internal-CA certificate WinRM listeners normally have could only be
//! reached with verification turned off, and the operating system's roots are not used either.
//! It also pulls reqwest 0.13 with aws-lc-rs next to the reqwest 0.12/ring already in the tree.
//! The five WS-Management operations needed here are small; this module speaks them over the
//! hyper 1 and tokio-rustls (ring) already in the tree, with the trust the operator chose.
//! Not over reqwest: NTLM authenticates a connection (NEGOTIATE, CHALLENGE and AUTHENTICATE
//! must share one), and reqwest's pool races a checkout against a fresh connection, so the
//! legs could land on different connections. Here each [`WinrmShell`] owns its connections.
//!
//! Security rules this module keeps:
//! - HTTPS only; the certificate is verified against the system roots or the configured
//!   `ca_file` (a PEM file), unless [`TlsTrust::Insecure`] is chosen explicitly (the bot logs
//!   a warning at start for every such instance);
//! - the password is held in a [`Password`] that never prints, and neither it nor a command line
//!   (which may carry a product key) is ever logged or put in an error;
//! - a SOAP fault becomes one sentence (the server's own message, tags stripped); no XML ever
//!   reaches an error;
//! - a redirect is never followed (it could send the `Authorization` header elsewhere).

pub mod ntlm;

use crate::shell::{CommandOutput, RemoteShell, ShellError};
use async_trait::async_trait;
use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// The port of WinRM's HTTPS listener.
pub const DEFAULT_PORT: u16 = 5986;

/// Output kept per command (as over SSH); anything beyond is dropped and a note appended.
pub const MAX_OUTPUT_BYTES: usize = crate::ssh::MAX_OUTPUT_BYTES;

/// How long the server may hold a Receive before answering "no output yet" (`OperationTimeout`).
const OPERATION_TIMEOUT: Duration = Duration::from_secs(20);

/// Bound for the best-effort Signal and Delete after a command ended or was abandoned.
const CLEANUP_TIMEOUT: Duration = Duration::from_secs(5);

/// WS-Management's "no output within OperationTimeout" fault code (`ERROR_WSMAN_OPERATION_TIMEDOUT`).
const WSMAN_TIMED_OUT: &str = "2150858793";

const NS: &str = r#"xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsman="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell""#;
const RESOURCE_CMD: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd";
const ACTION_CREATE: &str = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create";
const ACTION_DELETE: &str = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete";
const ACTION_COMMAND: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command";
const ACTION_RECEIVE: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive";
const ACTION_SIGNAL: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal";
const SIGNAL_TERMINATE: &str =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate";
const STATE_DONE: &str =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done";

/// How the bot proves who it is to WinRM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WinrmAuth {
    /// HTTP Basic (a local account), only ever sent inside TLS.
    Basic,
    /// NTLMv2 through HTTP `Negotiate` (local or domain account, `DOMAIN\user`), inside TLS.
    Ntlm,
}

/// What the instance's HTTPS certificate is verified against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsTrust {
    /// The operating system's root certificates.
    SystemRoots,
    /// The certificates in this PEM file (the listener's own certificate or its CA).
    CaFile(PathBuf),
    /// Nothing: any certificate is accepted. Only for a first try on a throwaway instance.
    Insecure,
}

/// A WinRM password: never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(value: impl Into<String>) -> Self {
        Password(value.into())
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Where and how to reach one instance over WinRM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WinrmSettings {
    /// Host name or IP address (an IPv6 literal with or without brackets).
    pub host: String,
    /// The HTTPS listener's port, usually [`DEFAULT_PORT`].
    pub port: u16,
    /// The account (a local administrator for Basic).
    pub user: String,
    /// Its password.
    pub password: Password,
    /// The authentication scheme.
    pub auth: WinrmAuth,
    /// What the certificate is verified against.
    pub trust: TlsTrust,
    /// Limit for TCP connect, TLS, authentication and shell creation together.
    pub connect_timeout: Duration,
}

impl WinrmSettings {
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

    /// The WS-Management endpoint.
    pub fn url(&self) -> String {
        format!("https://{}/wsman", self.target())
    }
}

/// Runs commands on one instance over WinRM. The TLS configuration is made on first use; its
/// kept-alive connections are reused from command to command (a closed one is replaced).
pub struct WinrmShell {
    settings: WinrmSettings,
    tls: tokio::sync::OnceCell<Arc<rustls::ClientConfig>>,
    /// Kept-alive connections not in use.
    idle: Mutex<Vec<Conn>>,
}

/// One HTTP/1.1 connection inside TLS. NTLM authenticates a connection, so both legs of a
/// handshake and the request go over the same one: the bot owns its connections rather than
/// leaving the choice to a pool.
type Conn = SendRequest<Full<Bytes>>;

/// Idle connections kept per shell.
const MAX_IDLE: usize = 2;

/// Bound for one request's answer (a Receive may be held by the server for [`OPERATION_TIMEOUT`]).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Largest answer read.
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// A failed HTTP exchange.
enum HttpError {
    /// The connection was closed before an answer (safe to try once more on a new one when it
    /// was a kept-alive connection the server had closed meanwhile).
    Closed,
    Shell(ShellError),
}

impl std::fmt::Debug for WinrmShell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WinrmShell")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// A failed WS-Management call: either a transport problem already phrased for users, or a
/// SOAP fault the caller may want to look at (a Receive that simply timed out is not an error).
enum CallError {
    Shell(ShellError),
    Fault(Fault),
}

/// The parts of a SOAP fault worth keeping.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fault {
    /// The WS-Management or WS-Addressing subcode (`w:TimedOut`), if any.
    subcode: String,
    /// The `WSManFault` `Code` attribute (a Windows error number), if any.
    code: String,
    /// The server's message, tags stripped, blanks collapsed.
    message: String,
}

impl Fault {
    fn timed_out(&self) -> bool {
        self.code == WSMAN_TIMED_OUT || self.subcode.ends_with("TimedOut")
    }
}

impl WinrmShell {
    /// A shell for the instance described by `settings`; nothing is read or connected yet.
    pub fn new(settings: WinrmSettings) -> Self {
        Self {
            settings,
            tls: tokio::sync::OnceCell::new(),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// The settings this shell was made with.
    pub fn settings(&self) -> &WinrmSettings {
        &self.settings
    }

    async fn tls(&self) -> Result<&Arc<rustls::ClientConfig>, ShellError> {
        self.tls
            .get_or_try_init(|| async { build_tls(&self.settings).map(Arc::new) })
            .await
    }

    /// Opens a connection: TCP, TLS with the chosen trust, HTTP/1.1; within `connect_timeout`.
    async fn connect(&self) -> Result<Conn, ShellError> {
        let s = &self.settings;
        let tls = Arc::clone(self.tls().await?);
        let work = async {
            let tcp = tokio::net::TcpStream::connect((s.bare_host(), s.port))
                .await
                .map_err(|e| io_error(s, &e))?;
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "cannot set TCP_NODELAY");
            }
            let name = ServerName::try_from(s.bare_host().to_string()).map_err(|_| {
                ShellError::Other(format!(
                    "`{}` is not a host name TLS can check",
                    s.bare_host()
                ))
            })?;
            let stream = tokio_rustls::TlsConnector::from(tls)
                .connect(name, tcp)
                .await
                .map_err(|e| io_error(s, &e))?;
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| ShellError::Other(format!("HTTP to {} failed: {e}", s.target())))?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            Ok(sender)
        };
        match tokio::time::timeout(s.connect_timeout, work).await {
            Ok(result) => result,
            Err(_) => Err(ShellError::Connect {
                target: s.target(),
                detail: format!(
                    "no answer within {:?} (is the instance up, and does its security group allow tcp/{} from the bot?)",
                    s.connect_timeout, s.port
                ),
            }),
        }
    }

    /// An idle connection that is still open, else a new one; `true` when reused.
    async fn checkout(&self) -> Result<(Conn, bool), ShellError> {
        loop {
            let conn = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            match conn {
                Some(conn) if conn.is_closed() => continue,
                Some(conn) => return Ok((conn, true)),
                None => return Ok((self.connect().await?, false)),
            }
        }
    }

    fn checkin(&self, conn: Conn) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if !conn.is_closed() && idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }

    /// One HTTP request on `conn`: (status, `WWW-Authenticate` values, body).
    async fn send(
        &self,
        conn: &mut Conn,
        authorization: String,
        body: String,
    ) -> Result<(u16, Vec<String>, String), HttpError> {
        let s = &self.settings;
        conn.ready().await.map_err(|_| HttpError::Closed)?;
        let mut auth = hyper::header::HeaderValue::from_str(&authorization).map_err(|_| {
            HttpError::Shell(ShellError::Auth {
                target: s.target(),
                user: s.user.clone(),
            })
        })?;
        auth.set_sensitive(true);
        let request = hyper::Request::post("/wsman")
            .header(hyper::header::HOST, s.target())
            .header(
                hyper::header::CONTENT_TYPE,
                "application/soap+xml;charset=UTF-8",
            )
            .header(
                hyper::header::USER_AGENT,
                concat!("kmsbot/", env!("CARGO_PKG_VERSION")),
            )
            .header(hyper::header::AUTHORIZATION, auth)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| {
                HttpError::Shell(ShellError::Other(format!("cannot build a request: {e}")))
            })?;
        let response = conn.send_request(request).await.map_err(|e| {
            if e.is_canceled() || e.is_closed() || e.is_incomplete_message() {
                HttpError::Closed
            } else {
                HttpError::Shell(ShellError::Other(format!(
                    "HTTP to {} failed: {e}",
                    s.target()
                )))
            }
        })?;
        let status = response.status().as_u16();
        let offers = response
            .headers()
            .get_all(hyper::header::WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        let body = http_body_util::Limited::new(response.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await
            .map_err(|_| HttpError::Closed)?
            .to_bytes();
        Ok((status, offers, String::from_utf8_lossy(&body).into_owned()))
    }

    /// `envelope`, authenticated, on one connection: (status, body).
    async fn authenticated(
        &self,
        conn: &mut Conn,
        envelope: &str,
    ) -> Result<(u16, String), HttpError> {
        let s = &self.settings;
        let b64 = &base64::engine::general_purpose::STANDARD;
        match s.auth {
            WinrmAuth::Basic => {
                let token = b64.encode(format!("{}:{}", s.user, s.password.0));
                let (status, _, body) = self
                    .send(conn, format!("Basic {token}"), envelope.to_string())
                    .await?;
                Ok((status, body))
            }
            WinrmAuth::Ntlm => {
                // NEGOTIATE without a body, the server's CHALLENGE in a 401, then AUTHENTICATE
                // with the request, all on this connection.
                let negotiate = format!("Negotiate {}", b64.encode(ntlm::negotiate_message()));
                let (status, offers, _) = self.send(conn, negotiate, String::new()).await?;
                let challenge = offers
                    .iter()
                    .find_map(|v| v.strip_prefix("Negotiate ").or(v.strip_prefix("NTLM ")))
                    .and_then(|token| b64.decode(token.trim()).ok())
                    .and_then(|bytes| ntlm::parse_challenge(&bytes));
                let Some(challenge) = challenge else {
                    return Err(HttpError::Shell(if status == 401 {
                        ShellError::Other(format!(
                            "WinRM on {} does not offer NTLM (Negotiate) authentication; enable it or use `auth = \"basic\"`",
                            s.target()
                        ))
                    } else {
                        ShellError::Other(format!(
                            "WinRM on {} answered the NTLM negotiation with HTTP {status}",
                            s.target()
                        ))
                    }));
                };
                let authenticate = ntlm::authenticate_message(
                    &challenge,
                    &s.user,
                    &s.password.0,
                    rand::random(),
                    ntlm::filetime_now(),
                );
                let (status, _, body) = self
                    .send(
                        conn,
                        format!("Negotiate {}", b64.encode(authenticate)),
                        envelope.to_string(),
                    )
                    .await?;
                Ok((status, body))
            }
        }
    }

    /// Sends `envelope` on a kept-alive connection (an idle one, else a new one); it goes back
    /// to the idle ones only after a complete answer.
    async fn exchange(&self, envelope: &str) -> Result<(u16, String), ShellError> {
        let target = self.settings.target();
        let mut retried = false;
        loop {
            let (mut conn, reused) = self.checkout().await?;
            match tokio::time::timeout(REQUEST_TIMEOUT, self.authenticated(&mut conn, envelope))
                .await
            {
                Ok(Ok(answer)) => {
                    self.checkin(conn);
                    return Ok(answer);
                }
                // A kept-alive connection the server closed meanwhile: once more on a new one.
                Ok(Err(HttpError::Closed)) if reused && !retried => retried = true,
                Ok(Err(HttpError::Closed)) => {
                    return Err(ShellError::Connect {
                        target,
                        detail: "the connection was closed before an answer (is this port WinRM over HTTPS?)".into(),
                    })
                }
                Ok(Err(HttpError::Shell(e))) => return Err(e),
                Err(_) => {
                    return Err(ShellError::Other(format!(
                        "WinRM on {target} did not answer within {REQUEST_TIMEOUT:?}"
                    )))
                }
            }
        }
    }

    fn to_shell_error(&self, e: CallError) -> ShellError {
        match e {
            CallError::Shell(e) => e,
            CallError::Fault(f) => ShellError::Other(format!(
                "WinRM on {} refused the request: {}",
                self.settings.target(),
                if f.message.is_empty() {
                    "it gave no reason"
                } else {
                    f.message.as_str()
                }
            )),
        }
    }

    /// Sends one WS-Management request and returns the response body.
    async fn call(
        &self,
        action: &str,
        shell_id: Option<&str>,
        options: &str,
        body: &str,
    ) -> Result<String, CallError> {
        let s = &self.settings;
        let url = s.url();
        let selector = shell_id
            .map(|id| {
                format!(
                    "<wsman:SelectorSet><wsman:Selector Name=\"ShellId\">{}</wsman:Selector></wsman:SelectorSet>",
                    escape(id)
                )
            })
            .unwrap_or_default();
        let envelope = format!(
            "<s:Envelope {NS}><s:Header><wsa:To>{}</wsa:To><wsman:ResourceURI s:mustUnderstand=\"true\">{RESOURCE_CMD}</wsman:ResourceURI><wsa:ReplyTo><wsa:Address s:mustUnderstand=\"true\">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:Address></wsa:ReplyTo><wsa:Action s:mustUnderstand=\"true\">{action}</wsa:Action><wsman:MaxEnvelopeSize s:mustUnderstand=\"true\">512000</wsman:MaxEnvelopeSize><wsa:MessageID>uuid:{}</wsa:MessageID><wsman:Locale xml:lang=\"en-US\" s:mustUnderstand=\"false\"/><wsman:OperationTimeout>PT{}S</wsman:OperationTimeout>{selector}{options}</s:Header><s:Body>{body}</s:Body></s:Envelope>",
            escape(&url),
            message_id(),
            OPERATION_TIMEOUT.as_secs()
        );
        let (status, text) = self.exchange(&envelope).await.map_err(CallError::Shell)?;
        match status {
            200..=299 => Ok(text),
            401 => Err(CallError::Shell(ShellError::Auth {
                target: s.target(),
                user: s.user.clone(),
            })),
            _ => match parse_fault(&text) {
                Some(f) => Err(CallError::Fault(f)),
                None => Err(CallError::Shell(ShellError::Other(format!(
                    "WinRM on {} answered HTTP {status}{}",
                    s.target(),
                    if status == 404 {
                        " (no WS-Management endpoint at /wsman on that port)"
                    } else {
                        " without an explanation"
                    }
                )))),
            },
        }
    }

    async fn create_shell(&self) -> Result<String, ShellError> {
        let options = "<wsman:OptionSet><wsman:Option Name=\"WINRS_NOPROFILE\">TRUE</wsman:Option><wsman:Option Name=\"WINRS_CODEPAGE\">65001</wsman:Option></wsman:OptionSet>";
        let body = "<rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>";
        let xml = self
            .call(ACTION_CREATE, None, options, body)
            .await
            .map_err(|e| self.to_shell_error(e))?;
        element(&xml, "ShellId")
            .map(|(_, inner)| unescape(inner.trim()))
            .filter(|id| !id.is_empty())
            .ok_or_else(|| self.malformed("a shell id"))
    }

    fn malformed(&self, what: &str) -> ShellError {
        ShellError::Other(format!(
            "WinRM on {} gave an answer without {what}",
            self.settings.target()
        ))
    }

    /// Command, then Receive until Done. The command id is published in `running` as soon as
    /// it is known, so an abandoned command can be signalled.
    async fn execute(
        &self,
        shell_id: &str,
        command: &str,
        running: &Mutex<Option<String>>,
    ) -> Result<CommandOutput, ShellError> {
        let options = "<wsman:OptionSet><wsman:Option Name=\"WINRS_CONSOLEMODE_STDIN\">TRUE</wsman:Option><wsman:Option Name=\"WINRS_SKIP_CMD_SHELL\">FALSE</wsman:Option></wsman:OptionSet>";
        let body = format!(
            "<rsp:CommandLine><rsp:Command>{}</rsp:Command></rsp:CommandLine>",
            escape(command)
        );
        let xml = self
            .call(ACTION_COMMAND, Some(shell_id), options, &body)
            .await
            .map_err(|e| self.to_shell_error(e))?;
        let command_id = element(&xml, "CommandId")
            .map(|(_, inner)| unescape(inner.trim()))
            .filter(|id| !id.is_empty())
            .ok_or_else(|| self.malformed("a command id"))?;
        *running.lock().unwrap_or_else(|e| e.into_inner()) = Some(command_id.clone());
        let body = format!(
            "<rsp:Receive><rsp:DesiredStream CommandId=\"{}\">stdout stderr</rsp:DesiredStream></rsp:Receive>",
            escape(&command_id)
        );
        let mut bytes = Vec::new();
        let mut truncated = false;
        loop {
            let xml = match self.call(ACTION_RECEIVE, Some(shell_id), "", &body).await {
                Ok(xml) => xml,
                // No output within OperationTimeout: the command is still running; ask again.
                Err(CallError::Fault(f)) if f.timed_out() => continue,
                Err(e) => return Err(self.to_shell_error(e)),
            };
            let received = parse_receive(&xml).map_err(|what| self.malformed(what))?;
            for chunk in received.chunks {
                let room = MAX_OUTPUT_BYTES.saturating_sub(bytes.len());
                if chunk.len() > room {
                    truncated = true;
                }
                bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            if let Some(exit) = received.done {
                *running.lock().unwrap_or_else(|e| e.into_inner()) = None;
                let mut output = String::from_utf8_lossy(&bytes).into_owned();
                if truncated {
                    output.push_str(&format!(
                        "\r\n[output truncated after {MAX_OUTPUT_BYTES} bytes]"
                    ));
                }
                return Ok(CommandOutput {
                    exit_status: exit,
                    output,
                });
            }
        }
    }

    /// Best effort: terminate the command if it is still running, then delete the shell.
    async fn cleanup(&self, shell_id: &str, command_id: Option<String>) {
        let work = async {
            if let Some(id) = command_id {
                let body = format!(
                    "<rsp:Signal CommandId=\"{}\"><rsp:Code>{SIGNAL_TERMINATE}</rsp:Code></rsp:Signal>",
                    escape(&id)
                );
                if self
                    .call(ACTION_SIGNAL, Some(shell_id), "", &body)
                    .await
                    .is_err()
                {
                    tracing::debug!(target = %self.settings.target(), "winrm signal failed");
                }
            }
            if self
                .call(ACTION_DELETE, Some(shell_id), "", "")
                .await
                .is_err()
            {
                tracing::debug!(target = %self.settings.target(), "winrm shell delete failed");
            }
        };
        let _ = tokio::time::timeout(CLEANUP_TIMEOUT, work).await;
    }
}

#[async_trait]
impl RemoteShell for WinrmShell {
    async fn run(&self, command: &str, timeout: Duration) -> Result<CommandOutput, ShellError> {
        let target = self.settings.target();
        // A ca_file that cannot be read is reported before anything is sent.
        self.tls().await?;
        // Connecting, TLS, authentication and the shell are bounded by `connect_timeout`; the
        // command's own timeout starts after.
        let shell_id =
            match tokio::time::timeout(self.settings.connect_timeout, self.create_shell())
                .await
            {
                Ok(result) => result?,
                Err(_) => {
                    return Err(ShellError::Connect {
                        target,
                        detail: format!(
                            "no WinRM shell within {:?} (is the instance up, and does its security group allow tcp/{} from the bot?)",
                            self.settings.connect_timeout, self.settings.port
                        ),
                    })
                }
            };
        tracing::debug!(%target, "running command over winrm");
        let running = Mutex::new(None);
        let deadline = Instant::now() + timeout;
        let result =
            tokio::time::timeout_at(deadline, self.execute(&shell_id, command, &running)).await;
        let command_id = running.lock().unwrap_or_else(|e| e.into_inner()).take();
        self.cleanup(&shell_id, command_id).await;
        match result {
            Ok(result) => result,
            Err(_) => {
                tracing::debug!(%target, ?timeout, "command timed out; terminated");
                Err(ShellError::Timeout(timeout))
            }
        }
    }
}

/// The TLS client configuration with the chosen trust.
fn build_tls(s: &WinrmSettings) -> Result<rustls::ClientConfig, ShellError> {
    let target = s.target();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| ShellError::Other(format!("cannot set up TLS: {e}")))?;
    let tls = match &s.trust {
        TlsTrust::Insecure => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth(),
        TlsTrust::SystemRoots => {
            let mut roots = rustls::RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                // A root the platform lists but rustls cannot parse is skipped, as browsers do.
                let _ = roots.add(cert);
            }
            if roots.is_empty() {
                return Err(ShellError::Connect {
                    target,
                    detail: "this host has no system root certificates to verify the instance's HTTPS certificate; set `ca_file`".into(),
                });
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        TlsTrust::CaFile(path) => {
            let mut roots = rustls::RootCertStore::empty();
            let certs = CertificateDer::pem_file_iter(path).map_err(|e| {
                ShellError::Other(format!("cannot read ca_file {}: {e}", path.display()))
            })?;
            for cert in certs {
                let cert = cert.map_err(|e| {
                    ShellError::Other(format!("cannot read ca_file {}: {e}", path.display()))
                })?;
                roots.add(cert).map_err(|e| {
                    ShellError::Other(format!(
                        "ca_file {} holds a certificate rustls cannot use: {e}",
                        path.display()
                    ))
                })?;
            }
            if roots.is_empty() {
                return Err(ShellError::Other(format!(
                    "ca_file {} holds no PEM certificate",
                    path.display()
                )));
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
    };
    Ok(tls)
}

/// Turns a connect or TLS error into one sentence: refused port, untrusted certificate, reset.
fn io_error(s: &WinrmSettings, e: &std::io::Error) -> ShellError {
    let target = s.target();
    let port = s.port;
    if let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return tls_error(s, tls);
    }
    let detail = match e.kind() {
        std::io::ErrorKind::ConnectionRefused => format!("the port is closed (connection refused): is the WinRM HTTPS listener set up on port {port}, and does the instance's firewall allow it?"),
        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::UnexpectedEof => "the connection was closed during the TLS handshake (is this port WinRM over HTTPS rather than plain HTTP?)".into(),
        std::io::ErrorKind::TimedOut => format!("no answer in time (is the instance up, and does its security group allow tcp/{port} from the bot?)"),
        _ => e.to_string(),
    };
    ShellError::Connect { target, detail }
}

fn tls_error(s: &WinrmSettings, e: &rustls::Error) -> ShellError {
    let detail = match e {
        rustls::Error::InvalidCertificate(CertificateError::NotValidForName)
        | rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. }) => {
            format!(
                "its HTTPS certificate is not issued for `{}`; connect with a name the certificate lists",
                s.bare_host()
            )
        }
        rustls::Error::InvalidCertificate(CertificateError::Expired)
        | rustls::Error::InvalidCertificate(CertificateError::ExpiredContext { .. }) => {
            "its HTTPS certificate has expired".into()
        }
        rustls::Error::InvalidCertificate(_) => match &s.trust {
            TlsTrust::CaFile(path) => format!(
                "its HTTPS certificate is not trusted (not signed by a certificate in ca_file {})",
                path.display()
            ),
            _ => "its HTTPS certificate is not trusted (not signed by a CA this host trusts); set `ca_file` to the certificate or CA the WinRM listener uses".into(),
        },
        rustls::Error::InvalidMessage(_) => "the port does not answer in TLS (a plain-HTTP listener, such as WinRM's 5985, perhaps; the bot only uses HTTPS)".into(),
        other => format!("the TLS handshake failed ({other})"),
    };
    ShellError::Connect {
        target: s.target(),
        detail,
    }
}

/// Accepts any certificate (signatures still checked). Used only for `tls_insecure`.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn message_id() -> String {
    let r: u128 = rand::random();
    let h = format!("{r:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// What one Receive gave: decoded stream chunks in order, and the exit code once Done
/// (`Some(None)` when Done without an exit code).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Received {
    /// stdout and stderr bytes, in the order the server listed them.
    pub chunks: Vec<Vec<u8>>,
    /// `Some(exit)` once the command state is Done.
    pub done: Option<Option<u32>>,
}

/// Parses a ReceiveResponse.
pub fn parse_receive(xml: &str) -> Result<Received, &'static str> {
    let mut out = Received::default();
    for (attrs, inner) in elements(xml, "Stream") {
        if attribute(attrs, "End").is_some() && inner.trim().is_empty() {
            continue;
        }
        let data = base64::engine::general_purpose::STANDARD
            .decode(inner.trim())
            .map_err(|_| "readable output (a stream was not base64)")?;
        if !data.is_empty() {
            out.chunks.push(data);
        }
    }
    if let Some((attrs, inner)) = element(xml, "CommandState") {
        if attribute(attrs, "State").is_some_and(|s| s == STATE_DONE) {
            let exit = element(inner, "ExitCode")
                .and_then(|(_, code)| code.trim().parse::<i64>().ok())
                // Windows reports HRESULT exit codes either way round; keep the 32 bits.
                .map(|code| code as u32);
            out.done = Some(exit);
        }
    }
    Ok(out)
}

/// Reads a SOAP fault: its subcode, the WSManFault code and the message, as text.
fn parse_fault(xml: &str) -> Option<Fault> {
    let (_, fault) = element(xml, "Fault")?;
    let subcode = element(fault, "Subcode")
        .and_then(|(_, sub)| element(sub, "Value"))
        .map(|(_, v)| text_of(v))
        .unwrap_or_default();
    let wsman = element(fault, "WSManFault");
    let code = wsman
        .and_then(|(attrs, _)| attribute(attrs, "Code"))
        .unwrap_or_default();
    let message = wsman
        .and_then(|(_, inner)| element(inner, "Message"))
        .map(|(_, m)| text_of(m))
        .filter(|m| !m.is_empty())
        .or_else(|| {
            element(fault, "Reason")
                .and_then(|(_, r)| element(r, "Text"))
                .map(|(_, t)| text_of(t))
        })
        .unwrap_or_default();
    let mut message: String = redact_keys(&message).chars().take(300).collect();
    if message.ends_with('.') {
        message.pop();
    }
    Some(Fault {
        subcode,
        code,
        message,
    })
}

/// Replaces anything shaped like a product key (`XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`) in a server's
/// message, in case it quotes a command line.
fn redact_keys(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let is_key = |w: &[char]| {
        w.len() == 29
            && w.iter().enumerate().all(|(i, c)| {
                if i % 6 == 5 {
                    *c == '-'
                } else {
                    c.is_ascii_alphanumeric()
                }
            })
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if i + 29 <= chars.len() && is_key(&chars[i..i + 29]) {
            out.push_str("[redacted]");
            i += 29;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The first element whose local name is `local`: its attribute text and its inner text.
pub fn element<'a>(xml: &'a str, local: &str) -> Option<(&'a str, &'a str)> {
    elements(xml, local).into_iter().next()
}

/// Every element whose local name (prefix ignored) is `local`, in document order; elements of
/// that name are not expected to nest.
pub fn elements<'a>(xml: &'a str, local: &str) -> Vec<(&'a str, &'a str)> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(open) = xml[at..].find('<').map(|i| at + i) {
        let rest = &xml[open + 1..];
        let name_len = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let qname = &rest[..name_len];
        let Some(close) = rest.find('>').map(|i| open + 1 + i) else {
            break;
        };
        at = close + 1;
        if qname.starts_with(['/', '?', '!']) || qname.rsplit(':').next() != Some(local) {
            continue;
        }
        let attrs = &xml[open + 1 + name_len..close];
        if let Some(attrs) = attrs.strip_suffix('/') {
            found.push((attrs, ""));
            continue;
        }
        let end_tag = format!("</{qname}>");
        let Some(end) = xml[at..].find(&end_tag).map(|i| at + i) else {
            break;
        };
        found.push((attrs, &xml[at..end]));
        at = end + end_tag.len();
    }
    found
}

/// The unescaped value of attribute `name` (prefix ignored) in a start tag's attribute text.
pub fn attribute(attrs: &str, name: &str) -> Option<String> {
    let mut rest = attrs;
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim();
        let key = key.rsplit(char::is_whitespace).next().unwrap_or(key);
        let after = rest[eq + 1..].trim_start();
        let quote = after.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let end = after[1..].find(quote)? + 1;
        if key.rsplit(':').next() == Some(name) {
            return Some(unescape(&after[1..end]));
        }
        rest = &after[end + 1..];
    }
    None
}

/// Inner XML as plain text: tags dropped, entities decoded, blanks collapsed.
fn text_of(inner: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in inner.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    unescape(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Escapes text for an XML element or attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Decodes the five named entities and numeric character references.
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let Some(semi) = after.find(';').filter(|&i| i <= 12) else {
            out.push('&');
            rest = &after[1..];
            continue;
        };
        let entity = &after[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e => e
                .strip_prefix("#x")
                .or_else(|| e.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| e.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn receive_streams_and_exit_code() {
        let xml = r#"<s:Envelope><s:Body><rsp:ReceiveResponse><rsp:Stream Name="stdout" CommandId="C">aGVsbG8g</rsp:Stream><rsp:Stream Name="stderr" CommandId="C">d29ybGQ=</rsp:Stream><rsp:Stream Name="stdout" CommandId="C" End="true"></rsp:Stream><rsp:CommandState CommandId="C" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"><rsp:ExitCode>-1073418124</rsp:ExitCode></rsp:CommandState></rsp:ReceiveResponse></s:Body></s:Envelope>"#;
        let r = parse_receive(xml).unwrap();
        assert_eq!(r.chunks, vec![b"hello ".to_vec(), b"world".to_vec()]);
        assert_eq!(r.done, Some(Some(0xC004_F074)));
        let running = r#"<rsp:CommandState CommandId="C" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"/>"#;
        assert_eq!(parse_receive(running).unwrap().done, None);
    }

    #[test]
    fn faults_become_text() {
        let xml = r#"<s:Envelope><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>w:InternalError</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot process the request.</s:Text></s:Reason><s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858843" Machine="win"><f:Message>The request for the Windows Remote Shell with ShellId X failed because the shell was not found on the server. &lt;Possible&gt; causes.</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>"#;
        let f = parse_fault(xml).unwrap();
        assert_eq!(f.code, "2150858843");
        assert_eq!(f.subcode, "w:InternalError");
        assert_eq!(f.message, "The request for the Windows Remote Shell with ShellId X failed because the shell was not found on the server. <Possible> causes");
        assert!(!f.timed_out());
        assert!(parse_fault("<html>oops</html>").is_none());
        let xml = "<s:Fault><s:Reason><s:Text>cannot run slmgr /ipk ABCDE-FGHIJ-KLMNO-PQRST-UVWXY now</s:Text></s:Reason></s:Fault>";
        assert_eq!(
            parse_fault(xml).unwrap().message,
            "cannot run slmgr /ipk [redacted] now"
        );
    }

    #[test]
    fn escaping_round_trips() {
        let cmd = r#"netsh advfirewall firewall add rule name="KMS" dir=in & a<b>c 'q'"#;
        assert_eq!(unescape(&escape(cmd)), cmd);
        assert_eq!(unescape("&#65;&#x42;&bogus; & x"), "AB&bogus; & x");
        assert_eq!(
            attribute(r#" Name="stdout" CommandId='C&amp;D'"#, "CommandId").as_deref(),
            Some("C&D")
        );
    }

    #[test]
    fn settings_print_no_password() {
        let s = WinrmSettings {
            host: "::1".into(),
            port: 5986,
            user: "Administrator".into(),
            password: Password::new("Sup3r-secret"),
            auth: WinrmAuth::Basic,
            trust: TlsTrust::SystemRoots,
            connect_timeout: Duration::from_secs(5),
        };
        assert!(!format!("{s:?}").contains("Sup3r"));
        assert_eq!(s.url(), "https://[::1]:5986/wsman");
    }
}
