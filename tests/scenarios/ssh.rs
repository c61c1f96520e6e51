//! SshShell against the fake Windows instance: real SSH sessions on loopback.
#![allow(clippy::unwrap_used)] // tests may unwrap: a panic is the failure report

use adapters::shell::{RemoteShell, ShellError};
use adapters::ssh::{read_known_hosts_entry, SshSettings, SshShell};
use kmsbot_tests::fake_windows::{
    generate_client_key, generate_client_key_named, FakeBehaviour, FakeWindows, HR_KMS_UNREACHABLE,
};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tempfile::TempDir;

const SLMGR: &str = r"cscript //nologo %SystemRoot%\System32\slmgr.vbs";
/// Windows Server 2019 Datacenter's public KMS client setup key (GVLK).
const GVLK: &str = "WMDGN-G9PQG-XVVXX-R3X43-63DFG";
const T: Duration = Duration::from_secs(10);

struct Rig {
    dir: TempDir,
    fake: FakeWindows,
    settings: SshSettings,
}

impl Rig {
    async fn new(behaviour: FakeBehaviour) -> Rig {
        let dir = tempfile::tempdir().expect("temp dir");
        let (key_file, public) = generate_client_key(dir.path()).expect("client key");
        let fake = FakeWindows::start(behaviour, public)
            .await
            .expect("fake starts");
        let known_hosts = dir.path().join("known_hosts");
        std::fs::write(&known_hosts, format!("{}\n", fake.known_hosts_line()))
            .expect("write known_hosts");
        let settings = SshSettings {
            host: "127.0.0.1".into(),
            port: fake.port(),
            user: "Administrator".into(),
            key_file,
            known_hosts,
            connect_timeout: Duration::from_secs(10),
        };
        Rig {
            dir,
            fake,
            settings,
        }
    }

    fn shell(&self) -> SshShell {
        SshShell::new(self.settings.clone())
    }

    fn write_known_hosts(&self, text: &str) -> PathBuf {
        let path = self.dir.path().join("known_hosts_other");
        std::fs::write(&path, text).expect("write file");
        path
    }
}

fn activation_sequence() -> Vec<String> {
    vec![
        format!("{SLMGR} /ipk {GVLK}"),
        format!("{SLMGR} /skms kms.corp.example:1688"),
        "net start w32time".to_string(),
        "w32tm /config /manualpeerlist:time.corp.example /update".to_string(),
        "w32tm /resync".to_string(),
        format!("{SLMGR} /ato"),
        format!("{SLMGR} /dli"),
    ]
}

#[tokio::test]
async fn success_sequence_runs_exact_commands_on_one_session() {
    let rig = Rig::new(FakeBehaviour::default()).await;
    let shell = rig.shell();
    let commands = activation_sequence();
    let mut outputs = Vec::new();
    for command in &commands {
        let out = shell.run(command, T).await.unwrap();
        assert_eq!(out.exit_status, Some(0), "{command}: {}", out.output);
        outputs.push(out.output);
    }
    assert_eq!(
        outputs[0],
        format!("Installed product key {GVLK} successfully.\r\n")
    );
    assert_eq!(
        outputs[1],
        "Key Management Service machine name set to kms.corp.example:1688 successfully.\r\n"
    );
    assert_eq!(
        outputs[2],
        "The Windows Time service is starting.\r\nThe Windows Time service was started successfully.\r\n\r\n"
    );
    assert_eq!(outputs[3], "The command completed successfully.\r\n");
    assert_eq!(
        outputs[4],
        "Sending resync command to local computer\r\nThe command completed successfully.\r\n"
    );
    assert!(outputs[5].starts_with("Activating Windows(R), ServerDatacenter edition ("));
    assert!(outputs[5].ends_with("Product activated successfully.\r\n"));
    assert!(outputs[6].contains("VOLUME_KMSCLIENT channel"));
    assert!(outputs[6].contains("Partial Product Key: 63DFG"));
    assert!(outputs[6].contains("License Status: Licensed"));

    assert_eq!(rig.fake.commands(), commands);
    assert!(rig.fake.activated());
    assert_eq!(rig.fake.connections_accepted(), 1, "session reused");
    shell.close().await;
}

#[tokio::test]
async fn dli_before_activation_is_not_licensed_and_firewall_rule_and_sppsvc_restart() {
    let rig = Rig::new(FakeBehaviour::default()).await;
    let shell = rig.shell();
    let out = shell.run(&format!("{SLMGR} /dli"), T).await.unwrap();
    assert!(
        out.output.contains("License Status: Notification"),
        "{}",
        out.output
    );
    let out = shell
        .run(
            r#"netsh advfirewall firewall add rule name="KMS" dir=in action=allow protocol=TCP localport=1688"#,
            T,
        )
        .await
        .unwrap();
    assert_eq!(
        (out.exit_status, out.output.as_str()),
        (Some(0), "Ok.\r\n\r\n")
    );
    let out = shell
        .run("net stop sppsvc && net start sppsvc", T)
        .await
        .unwrap();
    assert_eq!(out.exit_status, Some(0));
    assert!(out
        .output
        .contains("Software Protection service was stopped successfully"));
    assert!(out
        .output
        .contains("Software Protection service was started successfully"));
    let out = shell.run("slmgr-typo /ato", T).await.unwrap();
    assert_eq!(out.exit_status, Some(1));
    assert_eq!(
        out.output,
        "'slmgr-typo' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"
    );
}

#[tokio::test]
async fn ato_reports_0xc004f074_when_kms_unreachable() {
    let rig = Rig::new(FakeBehaviour {
        kms_reachable: false,
        ..FakeBehaviour::default()
    })
    .await;
    let out = rig.shell().run(&format!("{SLMGR} /ato"), T).await.unwrap();
    assert!(out.output.contains("Error: 0xC004F074"), "{}", out.output);
    assert!(out
        .output
        .contains("No Key Management Service (KMS) could be contacted"));
    // slmgr.vbs quits with the HRESULT as its exit code.
    assert_eq!(out.exit_status, Some(HR_KMS_UNREACHABLE));
    assert!(!rig.fake.activated());
}

#[tokio::test]
async fn net_start_w32time_exits_2_when_already_running() {
    let rig = Rig::new(FakeBehaviour {
        w32time_running: true,
        ..FakeBehaviour::default()
    })
    .await;
    let out = rig.shell().run("net start w32time", T).await.unwrap();
    assert_eq!(out.exit_status, Some(2));
    // Written to stderr by net.exe; collected all the same.
    assert_eq!(
        out.output,
        "The requested service has already been started.\r\n\r\nMore help is available by typing NET HELPMSG 2182.\r\n\r\n"
    );
}

#[tokio::test]
async fn hanging_command_times_out_and_session_stays_usable() {
    let rig = Rig::new(FakeBehaviour {
        hang_on: Some("/ato".into()),
        ..FakeBehaviour::default()
    })
    .await;
    let shell = rig.shell();
    shell.connect().await.unwrap();
    let limit = Duration::from_millis(400);
    let started = Instant::now();
    let err = shell
        .run(&format!("{SLMGR} /ato"), limit)
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(err, ShellError::Timeout(d) if d == limit),
        "{err:?}"
    );
    assert!(
        took >= limit && took < limit + Duration::from_secs(2),
        "{took:?}"
    );
    let out = shell.run("w32tm /resync", T).await.unwrap();
    assert!(out.output.starts_with("Sending resync command"));
    assert_eq!(rig.fake.connections_accepted(), 1);
}

#[tokio::test]
async fn host_key_mismatch_is_refused_before_any_command() {
    let rig = Rig::new(FakeBehaviour::default()).await;
    let other = FakeWindows::start(FakeBehaviour::default(), rig.fake.host_public_key().clone())
        .await
        .unwrap();
    // known_hosts lists another server's key under this server's name.
    let line = other
        .known_hosts_line()
        .replace(&other.port().to_string(), &rig.fake.port().to_string());
    let mut settings = rig.settings.clone();
    settings.known_hosts = rig.write_known_hosts(&format!("{line}\n"));
    let err = SshShell::new(settings)
        .run("net start w32time", T)
        .await
        .unwrap_err();
    match &err {
        ShellError::HostKey { target, detail } => {
            assert_eq!(target, &format!("127.0.0.1:{}", rig.fake.port()));
            assert!(detail.contains("SHA256:"), "{detail}");
            assert!(detail.contains("other key"), "{detail}");
        }
        other => panic!("expected HostKey, got {other:?}"),
    }
    assert!(rig.fake.commands().is_empty());
}

#[tokio::test]
async fn unknown_host_is_refused() {
    let rig = Rig::new(FakeBehaviour::default()).await;
    let port22_only = format!(
        "{}\n",
        rig.fake
            .known_hosts_line()
            .replace(&format!("[127.0.0.1]:{}", rig.fake.port()), "127.0.0.1")
    );
    let missing = rig.dir.path().join("does-not-exist");
    for known_hosts in [
        rig.write_known_hosts(""),
        rig.write_known_hosts(&port22_only),
        missing,
    ] {
        let mut settings = rig.settings.clone();
        settings.known_hosts = known_hosts.clone();
        let err = SshShell::new(settings)
            .run("net start w32time", T)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ShellError::HostKey { detail, .. } if detail.contains("no entry")),
            "{known_hosts:?}: {err:?}"
        );
        // Never learned.
        assert!(std::fs::read_to_string(&known_hosts)
            .map(|t| !t.contains(&format!(":{}", rig.fake.port())))
            .unwrap_or(true));
    }
    assert!(rig.fake.commands().is_empty());
}

#[tokio::test]
async fn wrong_client_key_is_auth_error() {
    let rig = Rig::new(FakeBehaviour::default()).await;
    let (other_key, _) = generate_client_key_named(rig.dir.path(), "id_other").unwrap();
    let mut settings = rig.settings.clone();
    settings.key_file = other_key;
    let err = SshShell::new(settings)
        .run("net start w32time", T)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ShellError::Auth { user, .. } if user == "Administrator"),
        "{err:?}"
    );
    assert!(rig.fake.commands().is_empty());
}

#[tokio::test]
async fn unreadable_key_file_is_other_error_without_key_material() {
    let rig = Rig::new(FakeBehaviour::default()).await;
    let mut settings = rig.settings.clone();
    settings.key_file = rig.write_known_hosts("-----BEGIN OPENSSH PRIVATE KEY-----\ngarbage\n");
    let err = SshShell::new(settings).connect().await.unwrap_err();
    assert!(
        matches!(&err, ShellError::Other(d) if d.contains("private key file") && !d.contains("garbage")),
        "{err:?}"
    );
}

#[tokio::test]
async fn connection_refused_is_connect_error() {
    let rig = Rig::new(FakeBehaviour::default()).await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut settings = rig.settings.clone();
    settings.port = port;
    let err = SshShell::new(settings).run("ver", T).await.unwrap_err();
    assert!(
        matches!(&err, ShellError::Connect { target, .. } if *target == format!("127.0.0.1:{port}")),
        "{err:?}"
    );
}

#[tokio::test]
async fn silent_server_hits_connect_timeout() {
    let rig = Rig::new(FakeBehaviour::default()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let _held = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let mut settings = rig.settings.clone();
    settings.port = port;
    settings.connect_timeout = Duration::from_millis(300);
    let started = Instant::now();
    let err = SshShell::new(settings).run("ver", T).await.unwrap_err();
    assert!(
        matches!(&err, ShellError::Connect { detail, .. } if detail.contains("300ms")),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn reconnects_after_the_session_drops() {
    let rig = Rig::new(FakeBehaviour::default()).await;
    let shell = rig.shell();
    shell.run("net start w32time", T).await.unwrap();
    rig.fake.drop_connections().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let out = shell.run("w32tm /resync", T).await.unwrap();
    assert_eq!(out.exit_status, Some(0), "{}", out.output);
    assert_eq!(rig.fake.connections_accepted(), 2);
}

#[tokio::test]
async fn ipv6_loopback_with_bracketed_known_hosts_entry() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, public) = generate_client_key(dir.path()).unwrap();
    let fake = match FakeWindows::start_on(
        std::net::Ipv6Addr::LOCALHOST.into(),
        FakeBehaviour::default(),
        public,
    )
    .await
    {
        Ok(fake) => fake,
        Err(e) => {
            println!("skipped: no IPv6 loopback here ({e})");
            return;
        }
    };
    assert!(fake
        .known_hosts_line()
        .starts_with(&format!("[::1]:{} ", fake.port())));
    let known_hosts = dir.path().join("known_hosts");
    std::fs::write(&known_hosts, format!("{}\n", fake.known_hosts_line())).unwrap();
    let shell = SshShell::new(SshSettings {
        host: "::1".into(),
        port: fake.port(),
        user: "Administrator".into(),
        key_file,
        known_hosts,
        connect_timeout: T,
    });
    let out = shell.run("net start w32time", T).await.unwrap();
    assert_eq!(out.exit_status, Some(0));
    assert_eq!(fake.commands(), vec!["net start w32time".to_string()]);
}

#[tokio::test]
async fn dropping_the_shell_closes_the_connection() {
    let rig = Rig::new(FakeBehaviour::default()).await;
    let shell = rig.shell();
    shell.run("w32tm /resync", T).await.unwrap();
    assert_eq!(rig.fake.open_connections(), 1);
    drop(shell);
    let started = Instant::now();
    while rig.fake.open_connections() != 0 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "connection left open"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn known_hosts_helper_reads_the_fake_entry() {
    let rig = Rig::new(FakeBehaviour::default()).await;
    let keys =
        read_known_hosts_entry(&rig.settings.known_hosts, "127.0.0.1", rig.fake.port()).unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].key_data(), rig.fake.host_public_key().key_data());
    assert!(
        read_known_hosts_entry(&rig.settings.known_hosts, "127.0.0.1", 22)
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn dry_run_records_and_runs_nothing() {
    let shell = adapters::shell::DryRunShell::new();
    let out = shell.run("net start w32time", T).await.unwrap();
    assert_eq!(out.exit_status, Some(0));
    assert_eq!(out.output, "(dry run: not executed)");
    assert_eq!(shell.commands(), vec!["net start w32time".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commands_share_one_session() {
    let rig = Rig::new(FakeBehaviour {
        delay: Duration::from_millis(100),
        ..FakeBehaviour::default()
    })
    .await;
    let shell = Arc::new(rig.shell());
    let started = Instant::now();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let shell = Arc::clone(&shell);
            tokio::spawn(async move { shell.run("w32tm /resync", T).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    println!(
        "8 concurrent commands on one session: {:?}",
        started.elapsed()
    );
    assert_eq!(rig.fake.connections_accepted(), 1);
    assert_eq!(rig.fake.commands().len(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_shells_overlap() {
    const N: usize = 50;
    let delay = Duration::from_millis(100);
    let rig = Rig::new(FakeBehaviour {
        delay,
        ..FakeBehaviour::default()
    })
    .await;
    let started = Instant::now();
    let tasks: Vec<_> = (0..N)
        .map(|_| {
            let shell = rig.shell();
            tokio::spawn(async move {
                let out = shell.run("w32tm /resync", T).await;
                shell.close().await;
                out
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let took = started.elapsed();
    println!(
        "{N} concurrent SshShells (connect + auth + 1 command, {delay:?} server delay): {took:?} ({:.1}x the delay; sequential would be >= {N}x)",
        took.as_secs_f64() / delay.as_secs_f64()
    );
    assert_eq!(rig.fake.commands().len(), N);
    assert_eq!(rig.fake.connections_accepted(), N);
    // Wall time depends on the machine (debug-build crypto dominates); overlap must not.
    let peak = rig.fake.peak_concurrent_commands();
    println!("peak concurrent commands at the fake: {peak}");
    assert!(peak >= 2, "commands never overlapped (took {took:?})");
}
