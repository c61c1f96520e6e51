//! Running commands on an instance: the [`RemoteShell`] trait the job worker drives.

use async_trait::async_trait;
use std::time::Duration;

/// The result of one command on an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    /// The exit status, when the command ended with one.
    pub exit_status: Option<u32>,
    /// Standard output and standard error, interleaved as received.
    pub output: String,
}

/// Why a command could not be run or finished.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    /// The connection could not be made (address, refused, timeout).
    #[error("cannot connect to {target}: {detail}")]
    Connect {
        /// `host:port`.
        target: String,
        /// What went wrong.
        detail: String,
    },
    /// The instance presented a host key that does not match known_hosts.
    #[error("host key of {target} does not match known_hosts ({detail}); refusing to connect")]
    HostKey {
        /// `host:port`.
        target: String,
        /// What was seen.
        detail: String,
    },
    /// Authentication was refused.
    #[error("authentication to {target} as {user} failed")]
    Auth {
        /// `host:port`.
        target: String,
        /// The login.
        user: String,
    },
    /// The command did not finish in time.
    #[error("command timed out after {0:?}")]
    Timeout(Duration),
    /// Any other transport failure.
    #[error("remote shell failure: {0}")]
    Other(String),
}

/// Runs one command line on an instance (Windows cmd.exe syntax) and returns its output.
#[async_trait]
pub trait RemoteShell: Send + Sync {
    /// Runs `command` and waits at most `timeout` for it to finish.
    async fn run(&self, command: &str, timeout: Duration) -> Result<CommandOutput, ShellError>;
}

/// A shell that runs nothing: it records each command and answers as if it succeeded.
/// Used for `transport = "dry-run"` instances, to show and record a plan without touching the instance.
#[derive(Debug, Default)]
pub struct DryRunShell {
    commands: std::sync::Mutex<Vec<String>>,
}

impl DryRunShell {
    /// A fresh dry-run shell.
    pub fn new() -> Self {
        Self::default()
    }

    /// The commands "run" so far.
    pub fn commands(&self) -> Vec<String> {
        self.commands
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

#[async_trait]
impl RemoteShell for DryRunShell {
    async fn run(&self, command: &str, _timeout: Duration) -> Result<CommandOutput, ShellError> {
        self.commands
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(command.to_string());
        // A dry run cannot verify a licence; it says so instead of pretending.
        let output = if command.ends_with("/dli") {
            "(dry run: not executed)\r\nLicense Status: Licensed (dry run: assumed)".to_string()
        } else {
            "(dry run: not executed)".to_string()
        };
        Ok(CommandOutput {
            exit_status: Some(0),
            output,
        })
    }
}
