//! How the job worker reaches instances: the [`ShellFactory`] interface, and its production
//! form [`ConfiguredShells`] (SSH for `transport = "ssh"` instances, host keys always verified; a
//! recording dry run for `transport = "dry-run"`).

use crate::config::{InstanceConfig, Transport};
use adapters::shell::{DryRunShell, RemoteShell};
use adapters::ssh::{SshSettings, SshShell};
use std::sync::Arc;
use std::time::Duration;

/// Opens the remote shell of an instance (SSH, dry run, or a test double).
pub trait ShellFactory: Send + Sync {
    /// A shell for `instance`; connecting may happen lazily on the first command.
    fn open(&self, instance: &InstanceConfig) -> Result<Arc<dyn RemoteShell>, String>;
}

/// Opens SSH or dry-run shells from the instance configuration.
pub struct ConfiguredShells {
    connect_timeout: Duration,
}

impl ConfiguredShells {
    /// Shells with this SSH connect timeout.
    pub fn new(connect_timeout: Duration) -> Self {
        ConfiguredShells { connect_timeout }
    }
}

impl ShellFactory for ConfiguredShells {
    fn open(&self, i: &InstanceConfig) -> Result<Arc<dyn RemoteShell>, String> {
        match i.transport {
            Transport::DryRun => Ok(Arc::new(DryRunShell::new())),
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
