//! Checking that an instance can be used as configured, before anyone is asked to approve a job
//! on it: files readable, private key usable, host key known, secret references resolvable, and
//! (for `kmsbot instances check`) the SSH login itself, bounded by a short timeout. WinRM
//! instances are checked for their password reference and `ca_file`.

use crate::config::{Config, InstanceConfig, SecretRef, Transport};
use adapters::ssh::{SshSettings, SshShell};
use std::path::Path;
use std::time::Duration;

/// What is wrong with an instance's configuration, in words an operator can act on. Empty when
/// nothing is. Reads only local files (and the environment for `env:` references): cheap enough
/// for request time.
pub fn problems(inst: &InstanceConfig) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(key) = &inst.product_key {
        if let Err(e) = SecretRef::resolve(key.as_str()) {
            out.push(format!("`product_key`: {e}"));
        }
    }
    if inst.transport == Transport::DryRun {
        return out;
    }
    let Some(address) = inst.address.as_deref() else {
        out.push("no `address` (the host name or IP address to connect to)".into());
        return out;
    };
    if inst.transport == Transport::Winrm {
        match &inst.password {
            None => out.push("no `password` (a reference: `env:NAME` or `file:PATH`)".into()),
            Some(p) => {
                if let Err(e) = SecretRef::resolve(p.as_str()) {
                    out.push(format!("`password`: {e}"));
                }
            }
        }
        if let Some(p) = &inst.ca_file {
            if let Err(e) = readable(p) {
                out.push(format!("`ca_file` {e}"));
            }
        }
        return out;
    }
    match &inst.key_file {
        None => out.push("no `key_file` (the private key for SSH)".into()),
        Some(p) => match readable(p) {
            Err(e) => out.push(format!("`key_file` {e}")),
            Ok(()) => {
                if let Err(e) = adapters::ssh::check_private_key(p) {
                    out.push(e);
                }
            }
        },
    }
    match &inst.known_hosts {
        None => out.push("no `known_hosts` (host keys are always verified)".into()),
        Some(p) => match readable(p) {
            Err(e) => out.push(format!("`known_hosts` {e}")),
            Ok(()) => match adapters::ssh::read_known_hosts_entry(p, address, inst.port) {
                Ok(keys) if keys.is_empty() => out.push(format!(
                    "`known_hosts` {} has no host key for {} (add it with `ssh-keyscan -p {} {} >> {}` after checking the fingerprint)",
                    p.display(),
                    adapters::ssh::lookup_name(address, inst.port),
                    inst.port,
                    address,
                    p.display()
                )),
                Ok(_) => {}
                Err(e) => out.push(format!("`known_hosts` {}: {e}", p.display())),
            },
        },
    }
    out
}

fn readable(p: &Path) -> Result<(), String> {
    std::fs::File::open(p)
        .map(|_| ())
        .map_err(|e| format!("{} cannot be read: {e}", p.display()))
}

/// Logs in over SSH (host key verified) within `timeout` and disconnects; runs no command.
pub async fn reachable(inst: &InstanceConfig, timeout: Duration) -> Result<(), String> {
    let (Some(host), Some(key_file), Some(known_hosts)) =
        (&inst.address, &inst.key_file, &inst.known_hosts)
    else {
        return Err("not configured for SSH".into());
    };
    let shell = SshShell::new(SshSettings {
        host: host.clone(),
        port: inst.port,
        user: inst.user.clone(),
        key_file: key_file.clone(),
        known_hosts: known_hosts.clone(),
        connect_timeout: timeout,
    });
    let result = shell.connect().await.map_err(|e| e.to_string());
    shell.close().await;
    result
}

/// At start (`chat`, `serve`): one warning per instance that cannot be used as configured. The
/// bot still starts (other instances and tickets work); jobs on that instance are refused at
/// request time with the same reasons.
pub fn warn_at_start(config: &Config) {
    for inst in &config.instances {
        let problems = problems(inst);
        if !problems.is_empty() {
            tracing::warn!(
                instance = %inst.name,
                "instance cannot be used as configured: {}; activation requests for it are refused until this is fixed (see `kmsbot instances check`)",
                problems.join("; ")
            );
        }
    }
}
