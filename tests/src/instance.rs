//! A fake Windows instance for end-to-end scenarios: the in-test SSH server on its own runtime,
//! a client key and a known_hosts file, and the `[[instances]]` config that points at it.

use crate::fake_windows::{generate_client_key_named, FakeBehaviour, FakeWindows};
use std::path::{Path, PathBuf};

/// One fake instance that keeps serving while the test spawns the real binary.
pub struct Instance {
    /// The runtime the server runs on (kept alive with the instance).
    pub rt: tokio::runtime::Runtime,
    /// The server.
    pub fake: FakeWindows,
    /// The client's private key file.
    pub key_file: PathBuf,
    /// A known_hosts file with the server's real host key.
    pub known_hosts: PathBuf,
}

impl Instance {
    /// Starts a fake instance named `name`, writing its key files into `dir`.
    pub fn start(dir: &Path, name: &str, behaviour: FakeBehaviour) -> Instance {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let (key_file, public) =
            generate_client_key_named(dir, &format!("{name}_id")).expect("client key");
        let fake = rt
            .block_on(FakeWindows::start(behaviour, public))
            .expect("fake instance");
        let known_hosts = dir.join(format!("{name}_known_hosts"));
        std::fs::write(&known_hosts, format!("{}\n", fake.known_hosts_line()))
            .expect("known_hosts");
        Instance {
            rt,
            fake,
            key_file,
            known_hosts,
        }
    }

    /// The `[[instances]]` block for this instance.
    pub fn toml(&self, name: &str, edition: &str) -> String {
        format!(
            "[[instances]]\nname = \"{name}\"\nedition = \"{edition}\"\ntransport = \"ssh\"\naddress = \"127.0.0.1\"\nport = {}\nuser = \"Administrator\"\nkey_file = \"{}\"\nknown_hosts = \"{}\"\n",
            self.fake.port(),
            self.key_file.display(),
            self.known_hosts.display()
        )
    }

    /// Every command the instance received, in order, except the read-only pre-flight checks
    /// asked before an approval (the port probe and the edition query): what a job ran.
    pub fn commands(&self) -> Vec<String> {
        self.fake
            .commands()
            .into_iter()
            .filter(|c| !is_preflight(c))
            .collect()
    }

    /// Every command the instance received, in order, pre-flight checks included.
    pub fn all_commands(&self) -> Vec<String> {
        self.fake.commands()
    }
}

/// The pre-flight's fixed read-only commands (its port probe and edition query).
pub fn is_preflight(command: &str) -> bool {
    (command.starts_with("powershell -NoProfile -NonInteractive -Command \"Test-NetConnection ")
        && command
            .ends_with("| Format-List ComputerName,RemoteAddress,RemotePort,TcpTestSucceeded\""))
        || command
            == r#"reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" /v EditionID"#
}
