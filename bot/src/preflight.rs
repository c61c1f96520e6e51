//! Pre-flight before approval (`[jobs] preflight = true`): before a KMS activation request is put
//! to approvers, each SSH or WinRM instance is asked, with fixed read-only commands, whether the KMS host
//! answers on its port (`Test-NetConnection`) and which edition it runs (the registry's
//! `EditionID`, as `reg query` prints it). A blocked
//! port or an edition that differs from the configuration is said at once, instead of asking
//! for an approval that would fail.
//!
//! The commands are built only from the configured instance and a KMS host and port that passed
//! `validate` (request parsing checked them already; they are checked again here).

use crate::config::{InstanceConfig, Transport};
use crate::shells::ShellFactory;
use knowledge::nlu::dli;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// What the pre-flight found on one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The KMS host does not answer on its port from the instance (or its name does not resolve).
    Blocked {
        /// The instance.
        instance: String,
        /// The KMS host.
        host: String,
        /// Its port.
        port: u16,
        /// The name did not resolve on the instance.
        unresolved: bool,
    },
    /// The instance runs another edition than the configuration says.
    Edition {
        /// The instance.
        instance: String,
        /// What `slmgr /dli` names (`ServerStandard`).
        found: String,
        /// The configured edition.
        configured: String,
    },
}

impl Finding {
    /// The instance the finding is about.
    pub fn instance(&self) -> &str {
        match self {
            Finding::Blocked { instance, .. } | Finding::Edition { instance, .. } => instance,
        }
    }
}

/// The read-only port probe: `Test-NetConnection` to `host` on `port`. `None` when the host does
/// not pass the strict pattern.
pub fn port_probe(host: &str, port: u16) -> Option<String> {
    crate::validate::host(host).then(|| {
        format!(
            "powershell -NoProfile -NonInteractive -Command \"Test-NetConnection -ComputerName {host} -Port {port} -InformationLevel Detailed | Format-List ComputerName,RemoteAddress,RemotePort,TcpTestSucceeded\""
        )
    })
}

/// The read-only edition query: the `EditionID` value under `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`
/// (`ServerDatacenter`, `ServerStandardEval`, ...).
pub const EDITION_QUERY: &str =
    r#"reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" /v EditionID"#;

/// Every command a pre-flight may run, for `host`:`port`. It runs nothing else.
pub fn read_only_commands(host: &str, port: u16) -> Vec<String> {
    port_probe(host, port)
        .into_iter()
        .chain([EDITION_QUERY.to_string()])
        .collect()
}

/// The value of `EditionID` in `reg query` output (`    EditionID    REG_SZ    ServerDatacenter`).
fn edition_id(output: &str) -> Option<String> {
    output.lines().find_map(|l| {
        let mut words = l.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some(name), Some("REG_SZ"), Some(value)) if name.eq_ignore_ascii_case("EditionID") => {
                Some(value.to_string())
            }
            _ => None,
        }
    })
}

/// The edition word of a `/dli` name line: `Windows(R), ServerDatacenter edition` → `ServerDatacenter`.
fn edition_word(name: &str) -> Option<String> {
    let n = name.trim();
    let n = n.rsplit_once(", ").map_or(n, |(_, e)| e);
    let n = n.strip_suffix(" edition").unwrap_or(n).trim();
    (!n.is_empty()).then(|| n.to_string())
}

/// Whether a server edition word from `/dli` (`ServerDatacenter`) fits the configured edition
/// (`Windows Server 2019 Datacenter`). Only server editions are compared: client names differ
/// too much between `/dli` and Microsoft's key table to judge safely.
fn edition_differs(found: &str, configured: &str) -> bool {
    let Some(kind) = found.strip_prefix("Server") else {
        return false;
    };
    let kind = kind
        .trim_end_matches("Eval")
        .trim_end_matches("Core")
        .to_ascii_lowercase();
    if kind.is_empty() {
        return false;
    }
    let configured = configured.to_ascii_lowercase().replace(' ', "");
    !configured.contains(&kind)
}

/// Checks one instance. A connection failure or a command the instance cannot run gives no
/// finding: the login probe after the request says when an instance cannot be reached.
async fn check(
    shells: &dyn ShellFactory,
    inst: &InstanceConfig,
    host: &str,
    port: u16,
    timeout: Duration,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(probe) = port_probe(host, port) else {
        return out;
    };
    let Ok(shell) = shells.open(inst) else {
        return out;
    };
    if let Ok(r) = shell.run(&probe, timeout).await {
        if let Some(rep) = dli::parse(&r.output) {
            if rep.tcp_test == Some(false) || rep.unresolved {
                out.push(Finding::Blocked {
                    instance: inst.name.clone(),
                    host: host.to_string(),
                    port,
                    unresolved: rep.unresolved,
                });
            }
        }
    } else {
        return out;
    }
    if let Ok(r) = shell.run(EDITION_QUERY, timeout).await {
        let found = edition_id(&r.output).or_else(|| {
            // A `/dli`-style answer names the edition too.
            dli::parse(&r.output)
                .and_then(|rep| rep.name)
                .and_then(|n| edition_word(&n))
        });
        if let Some(found) = found {
            if edition_differs(&found, &inst.edition) {
                out.push(Finding::Edition {
                    instance: inst.name.clone(),
                    found,
                    configured: inst.edition.clone(),
                });
            }
        }
    }
    out
}

/// Checks every SSH and WinRM instance concurrently (at most `limit`'s permits at once). Dry-run
/// instances have nothing to probe.
pub async fn run(
    shells: Arc<dyn ShellFactory>,
    instances: Vec<InstanceConfig>,
    host: String,
    port: u16,
    limit: Arc<Semaphore>,
    timeout: Duration,
) -> Vec<Finding> {
    let mut set = tokio::task::JoinSet::new();
    for inst in instances
        .into_iter()
        .filter(|i| matches!(i.transport, Transport::Ssh | Transport::Winrm))
        .filter(|i| crate::instance_check::problems(i).is_empty())
    {
        let shells = shells.clone();
        let limit = limit.clone();
        let host = host.clone();
        set.spawn(async move {
            let _permit = limit.acquire_owned().await.ok();
            check(shells.as_ref(), &inst, &host, port, timeout).await
        });
    }
    let mut out = Vec::new();
    while let Some(done) = set.join_next().await {
        match done {
            Ok(f) => out.extend(f),
            Err(e) => tracing::error!(error = %e, "a pre-flight check panicked"),
        }
    }
    out.sort_by(|a, b| a.instance().cmp(b.instance()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editions_and_probe() {
        assert_eq!(
            edition_word("Windows(R), ServerDatacenter edition").as_deref(),
            Some("ServerDatacenter")
        );
        assert!(!edition_differs(
            "ServerDatacenter",
            "Windows Server 2019 Datacenter"
        ));
        assert!(edition_differs(
            "ServerStandard",
            "Windows Server 2019 Datacenter"
        ));
        assert!(!edition_differs("Professional", "Windows 10 Pro"));
        assert!(port_probe("kms.corp.example", 1688).is_some());
        assert!(port_probe("kms;calc", 1688).is_none());
        let reg = "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\r\n    EditionID    REG_SZ    ServerStandardEval\r\n\r\n";
        assert_eq!(edition_id(reg).as_deref(), Some("ServerStandardEval"));
        assert!(edition_differs(
            "ServerStandardEval",
            "Windows Server 2022 Datacenter"
        ));
        assert_eq!(
            edition_id("ERROR: The system was unable to find the specified registry key or value."),
            None
        );
    }
}
