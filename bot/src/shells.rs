//! How the job worker reaches instances: the [`ShellFactory`] interface, and its production
//! form [`ConfiguredShells`] (SSH for `transport = "ssh"` instances, host keys always verified;
//! WinRM over HTTPS for `transport = "winrm"`, certificates verified; a recording dry run for
//! `transport = "dry-run"`).

use crate::config::{InstanceConfig, SecretRef, Transport};
use adapters::shell::{DryRunShell, RemoteShell};
use adapters::ssh::{SshSettings, SshShell};
use std::sync::Arc;
use std::time::Duration;

/// `cscript //nologo %SystemRoot%\System32\slmgr.vbs`: how every slmgr command is run on an
/// instance (jobs, status checks, the watch).
pub const SLMGR: &str = r"cscript //nologo %SystemRoot%\System32\slmgr.vbs";

/// Opens the remote shell of an instance (SSH, WinRM, dry run, or a test double).
pub trait ShellFactory: Send + Sync {
    /// A shell for `instance`; connecting may happen lazily on the first command.
    fn open(&self, instance: &InstanceConfig) -> Result<Arc<dyn RemoteShell>, String>;
}

/// Opens SSH, WinRM or dry-run shells from the instance configuration.
pub struct ConfiguredShells {
    connect_timeout: Duration,
}

impl ConfiguredShells {
    /// Shells with this connect timeout (an SSH session, or a WinRM connection and shell).
    pub fn new(connect_timeout: Duration) -> Self {
        ConfiguredShells { connect_timeout }
    }
}

impl ShellFactory for ConfiguredShells {
    fn open(&self, i: &InstanceConfig) -> Result<Arc<dyn RemoteShell>, String> {
        match i.transport {
            Transport::DryRun => Ok(Arc::new(DryRunShell::new())),
            Transport::Winrm => winrm_shell(i, self.connect_timeout),
            Transport::Ssh => {
                // Config validation guarantees these for ssh instances; say so if not.
                let (Some(host), Some(key_file), Some(known_hosts)) =
                    (&i.address, &i.key_file, &i.known_hosts)
                else {
                    return Err(format!(
                        "instance {} lacks address, key_file or known_hosts",
                        i.name
                    ));
                };
                Ok(Arc::new(SshShell::new(SshSettings {
                    host: host.clone(),
                    port: i.port,
                    user: i.user.clone(),
                    key_file: key_file.clone(),
                    known_hosts: known_hosts.clone(),
                    connect_timeout: self.connect_timeout,
                })))
            }
        }
    }
}

/// A WinRM shell; the password is read from its secret reference now (at the start of the job),
/// never earlier and never kept in configuration.
fn winrm_shell(
    i: &InstanceConfig,
    connect_timeout: Duration,
) -> Result<Arc<dyn RemoteShell>, String> {
    use adapters::winrm::{Password, TlsTrust, WinrmAuth, WinrmSettings, WinrmShell};
    let (Some(host), Some(password)) = (&i.address, &i.password) else {
        return Err(format!("instance {} lacks address or password", i.name));
    };
    let password = SecretRef::resolve(password.as_str())?;
    let trust = match (&i.ca_file, i.tls_insecure) {
        (_, true) => TlsTrust::Insecure,
        (Some(ca), false) => TlsTrust::CaFile(ca.clone()),
        (None, false) => TlsTrust::SystemRoots,
    };
    Ok(Arc::new(WinrmShell::new(WinrmSettings {
        host: host.clone(),
        port: i.port,
        user: i.user.clone(),
        password: Password::new(password.expose()),
        auth: match i.auth.unwrap_or_default() {
            crate::config::WinrmAuth::Ntlm => WinrmAuth::Ntlm,
            crate::config::WinrmAuth::Basic => WinrmAuth::Basic,
        },
        trust,
        connect_timeout,
    })))
}

/// Logs a warning for every winrm instance whose HTTPS certificate is not verified; called once
/// when the worker starts.
pub fn warn_insecure(instances: &[InstanceConfig]) {
    for i in instances
        .iter()
        .filter(|i| i.transport == Transport::Winrm && i.tls_insecure)
    {
        tracing::warn!(
            instance = %i.name,
            "tls_insecure is on: the HTTPS certificate of this WinRM instance is NOT verified; anyone on the path can impersonate it and read its password. Set `ca_file` instead."
        );
    }
}
