//! End-to-end activation jobs over WinRM: the real binary, a real SQLite file and real
//! WS-Management over TLS (Basic or NTLMv2 authentication) to the in-test WinRM stand-in, which
//! answers like the SSH fake Windows instance.
#![allow(clippy::unwrap_used)] // tests may unwrap: a panic is the failure report

use base64::Engine as _;
use kmsbot_tests::fake_windows::FakeBehaviour;
use kmsbot_tests::fake_winrm::{WinrmInstance, WinrmOptions, OTHER_CA_PEM, PASSWORD};
use kmsbot_tests::transcript::{Env, Run};

const BIN: &str = env!("CARGO_BIN_EXE_kmsbot");

const SLMGR: &str = r"cscript //nologo %SystemRoot%\System32\slmgr.vbs";

const HEADER: &str = "[kms]\nhost = \"kms.corp.example\"\n[approvals]\napprovers = [\"console:bob\"]\nrequired = 1\n[jobs]\nstep_timeout_secs = 3\nconnect_timeout_secs = 5\nlease_secs = 4\n";

fn setup(behaviour: FakeBehaviour, options: WinrmOptions) -> (Env, WinrmInstance) {
    let mut env = Env::new(BIN);
    // Debug logs from every module: a secret must not appear even there.
    env.vars.push(("RUST_LOG".into(), "debug".into()));
    let inst = WinrmInstance::start(env.dir.path(), "web-01", behaviour, options);
    env.write_config(&format!(
        "{HEADER}{}",
        inst.toml("web-01", "Windows Server 2019 Datacenter")
    ));
    (env, inst)
}

fn expected_sequence() -> Vec<String> {
    vec![
        format!("{SLMGR} /ipk WMDGN-G9PQG-XVVXX-R3X43-63DFG"),
        format!("{SLMGR} /skms kms.corp.example:1688"),
        "net start w32time".into(),
        "w32tm /config /manualpeerlist:kms.corp.example /update".into(),
        "w32tm /resync".into(),
        format!("{SLMGR} /ato"),
        "w32tm /config /manualpeerlist:time.windows.com /update".into(),
        format!("{SLMGR} /dli"),
    ]
}

fn show_json(env: &Env, id: &str) -> serde_json::Value {
    let show = env.cli(&["jobs", "show", id, "--json"]);
    assert_eq!(show.code, Some(0), "{}", show.stderr);
    serde_json::from_str(&show.stdout).unwrap()
}

/// Neither the password nor `secrets` appear in chat, logs, `jobs show` or the database files.
fn assert_never_shown(env: &Env, runs: &[&Run], secrets: &[&str]) {
    let show = env.cli(&["jobs", "show", "1"]);
    let show_json = env.cli(&["jobs", "show", "1", "--json"]);
    let mut places: Vec<(String, String)> = vec![
        ("jobs show".into(), show.stdout + &show.stderr),
        ("jobs show --json".into(), show_json.stdout),
    ];
    for (i, r) in runs.iter().enumerate() {
        places.push((format!("chat run {i} stdout"), r.stdout.clone()));
        places.push((format!("chat run {i} log"), r.stderr.clone()));
    }
    for f in ["kmsbot.db", "kmsbot.db-wal"] {
        let bytes = std::fs::read(env.path(f)).unwrap_or_default();
        places.push((f.into(), String::from_utf8_lossy(&bytes).into_owned()));
    }
    // The Basic header's value too.
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("Administrator:{PASSWORD}"));
    for (place, text) in &places {
        assert!(
            !text.contains(&basic),
            "the Basic credentials appear in {place}"
        );
        for s in std::iter::once(&PASSWORD).chain(secrets) {
            assert!(!text.contains(s), "`{s}` appears in {place}");
        }
        assert!(!text.contains("<s:"), "SOAP in {place}: {text}");
    }
}

#[test]
fn a_full_activation_job_runs_over_winrm_and_succeeds() {
    let (env, inst) = setup(FakeBehaviour::default(), WinrmOptions::default());
    let run = env.chat("/as alice\nactivate web-01\n/as bob\napprove 1\n");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let approval = run.post(1).unwrap();
    assert!(
        approval.contains(&format!(
            "winrm Administrator@127.0.0.1:{}",
            inst.fake.port()
        )),
        "the approval names the transport: {approval}"
    );
    assert!(run.stdout.contains("job #1 succeeded"), "{}", run.stdout);
    assert_eq!(inst.commands(), expected_sequence());
    let v = show_json(&env, "1");
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 8);
    for s in steps {
        assert_eq!(s["status"], "succeeded", "{s}");
        assert_eq!(s["exit_status"], 0);
    }
    assert!(steps[7]["output"]
        .as_str()
        .unwrap()
        .contains("License Status: Licensed"));
    // `net start w32time` printed on stdout; each command had its own shell, created and deleted.
    assert!(steps[2]["output"]
        .as_str()
        .unwrap()
        .contains("The Windows Time service was started successfully."));
    // Eight steps and the two read-only pre-flight checks before the approval.
    assert_eq!(inst.all_commands().len(), 10);
    let ops = inst.fake.operations();
    for op in ["Create", "Command", "Receive", "Delete"] {
        assert_eq!(
            ops.iter().filter(|o| *o == op).count(),
            10,
            "{op} once per command: {ops:?}"
        );
    }
    assert_eq!(inst.fake.open_shells(), 0, "every shell was deleted");
    assert_eq!(inst.fake.refused_logins(), 0);
    assert!(
        run.stderr.contains("running command over winrm"),
        "debug logs are captured, so the secret checks below look at them: {}",
        run.stderr
    );
    assert_never_shown(&env, &[&run], &[]);
}

fn ntlm() -> WinrmOptions {
    WinrmOptions {
        ntlm: true,
        ..WinrmOptions::default()
    }
}

#[test]
fn a_full_activation_job_runs_over_winrm_with_ntlm() {
    let (env, inst) = setup(FakeBehaviour::default(), ntlm());
    let run = env.chat("/as alice\nactivate web-01\n/as bob\napprove 1\n");
    assert!(run.stdout.contains("job #1 succeeded"), "{}", run.stdout);
    assert_eq!(inst.commands(), expected_sequence());
    assert_eq!(inst.fake.refused_logins(), 0);
    // Every request of every step (create, command, receive, delete) was NTLM-authenticated.
    assert_eq!(inst.fake.ntlm_logins(), inst.fake.operations().len());
    assert!(inst.fake.ntlm_logins() >= 32);
    assert_never_shown(&env, &[&run], &[]);
}

#[test]
fn a_wrong_password_over_ntlm_is_the_same_clear_sentence() {
    let (env, inst) = setup(FakeBehaviour::default(), ntlm());
    let wrong = "Not-The-Pa55word";
    std::fs::write(&inst.password_file, format!("{wrong}\n")).unwrap();
    let run = env.chat("/as alice\nactivate web-01\n/as bob\napprove 1\n");
    let sentence = format!(
        "authentication to 127.0.0.1:{} as Administrator failed",
        inst.fake.port()
    );
    assert!(
        run.stdout
            .contains(&format!("job #1 on web-01 failed: {sentence}.")),
        "{}",
        run.stdout
    );
    assert_eq!(show_json(&env, "1")["error"], sentence);
    assert!(inst.commands().is_empty(), "nothing ran");
    assert_eq!(inst.fake.ntlm_logins(), 0);
    assert_never_shown(&env, &[&run], &[wrong]);
}

#[test]
fn basic_to_an_instance_that_only_offers_ntlm_is_refused_clearly() {
    let (env, inst) = setup(FakeBehaviour::default(), ntlm());
    env.write_config(&format!(
        "{HEADER}{}",
        inst.toml("web-01", "Windows Server 2019 Datacenter")
            .replace("auth = \"ntlm\"", "auth = \"basic\"")
    ));
    let run = env.chat("/as alice\nactivate web-01\n/as bob\napprove 1\n");
    assert!(
        run.stdout.contains("as Administrator failed"),
        "{}",
        run.stdout
    );
    assert!(inst.commands().is_empty());
}

#[test]
fn stderr_and_exit_codes_come_back_over_winrm() {
    // `net start w32time` when the service runs already: stderr and exit 2, judged a success.
    let (env, inst) = setup(
        FakeBehaviour {
            w32time_running: true,
            ..FakeBehaviour::default()
        },
        WinrmOptions::default(),
    );
    let run = env.chat("/as alice\nactivate web-01\n/as bob\napprove 1\n");
    assert!(run.stdout.contains("job #1 succeeded"), "{}", run.stdout);
    let v = show_json(&env, "1");
    assert_eq!(v["steps"][2]["exit_status"], 2);
    assert!(v["steps"][2]["output"]
        .as_str()
        .unwrap()
        .contains("The requested service has already been started."));
    assert_eq!(inst.commands().len(), 8);
}

#[test]
fn an_unreachable_kms_fails_with_0xc004f074_over_winrm() {
    // The port closes between the request (its pre-flight passed) and the approval.
    let (env, inst) = setup(FakeBehaviour::default(), WinrmOptions::default());
    let asked = env.chat("/as alice\nactivate web-01\n");
    assert!(asked.stdout.contains("Approve with"), "{}", asked.stdout);
    inst.fake.machine().set_behaviour(FakeBehaviour {
        kms_reachable: false,
        ..FakeBehaviour::default()
    });
    let run = env.chat("/as bob\napprove 1\n");
    let out = &run.stdout;
    assert!(
        out.contains("job #1 on web-01 failed with **0xC004F074**"),
        "{out}"
    );
    assert!(out.contains("Reply `file it` here"), "{out}");
    let v = show_json(&env, "1");
    assert_eq!(v["steps"][5]["exit_status"], 0xC004_F074_u32);
    assert_eq!(v["steps"][5]["status"], "failed");
    assert_eq!(v["steps"][6]["status"], "succeeded", "time source restored");
    assert!(!inst.commands().iter().any(|c| c.ends_with("/dli")));
    assert_never_shown(&env, &[&run], &[]);
}

#[test]
fn a_hanging_step_times_out_is_signalled_and_the_time_source_is_restored() {
    let (env, inst) = setup(
        FakeBehaviour {
            hang_on: Some("/ato".into()),
            ..FakeBehaviour::default()
        },
        WinrmOptions::default(),
    );
    let run = env.chat("/as alice\nactivate web-01\n/as bob\napprove 1\n");
    assert!(run.stdout.contains("failed"), "{}", run.stdout);
    let v = show_json(&env, "1");
    assert!(
        v["steps"][5]["output"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{v}"
    );
    assert_eq!(v["steps"][6]["status"], "succeeded");
    assert!(inst
        .commands()
        .contains(&"w32tm /config /manualpeerlist:time.windows.com /update".to_string()));
    let ops = inst.fake.operations();
    assert_eq!(
        ops.iter().filter(|o| *o == "Signal").count(),
        1,
        "the abandoned command was terminated: {ops:?}"
    );
    assert_eq!(inst.fake.open_shells(), 0, "its shell was deleted too");
}

#[test]
fn a_wrong_password_is_one_clear_sentence_and_nothing_runs() {
    let (env, inst) = setup(FakeBehaviour::default(), WinrmOptions::default());
    let wrong = "Not-The-Pa55word";
    std::fs::write(&inst.password_file, format!("{wrong}\n")).unwrap();
    let run = env.chat("/as alice\nactivate web-01\n/as bob\napprove 1\n");
    let sentence = format!(
        "authentication to 127.0.0.1:{} as Administrator failed",
        inst.fake.port()
    );
    assert!(
        run.stdout
            .contains(&format!("job #1 on web-01 failed: {sentence}.")),
        "{}",
        run.stdout
    );
    let show = env.cli(&["jobs", "show", "1"]);
    assert!(
        show.stdout.contains(&format!("  error: {sentence}\n")),
        "{}",
        show.stdout
    );
    let v = show_json(&env, "1");
    assert_eq!(v["status"], "failed");
    assert_eq!(v["error"], sentence);
    assert_eq!(v["steps"][0]["output"], sentence);
    assert!(inst.commands().is_empty(), "nothing ran");
    assert!(inst.fake.refused_logins() >= 1);
    assert_never_shown(&env, &[&run], &[wrong]);
}

#[test]
fn an_untrusted_certificate_is_refused_before_any_password_is_sent() {
    let (env, inst) = setup(FakeBehaviour::default(), WinrmOptions::default());
    std::fs::write(&inst.ca_file, OTHER_CA_PEM).unwrap();
    let run = env.chat("/as alice\nactivate web-01\n/as bob\napprove 1\n");
    assert!(
        run.stdout.contains(&format!(
            "job #1 on web-01 failed: cannot connect to 127.0.0.1:{}: its HTTPS certificate is not trusted (not signed by a certificate in ca_file",
            inst.fake.port()
        )),
        "{}",
        run.stdout
    );
    assert!(inst.fake.operations().is_empty(), "no request got through");
    assert_eq!(inst.fake.refused_logins(), 0);
    assert!(inst.commands().is_empty());
}

#[test]
fn a_closed_port_is_one_clear_sentence() {
    let env = Env::new(BIN);
    let inst = WinrmInstance::start(
        env.dir.path(),
        "web-01",
        FakeBehaviour::default(),
        WinrmOptions::default(),
    );
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    env.write_config(&format!(
        "{HEADER}{}",
        inst.toml("web-01", "Windows Server 2019 Datacenter")
            .replace(
                &format!("port = {}", inst.fake.port()),
                &format!("port = {closed}")
            )
    ));
    let run = env.chat("/as alice\nactivate web-01\n/as bob\napprove 1\n");
    assert!(
        run.stdout.contains(&format!(
            "job #1 on web-01 failed: cannot connect to 127.0.0.1:{closed}: the port is closed (connection refused)"
        )),
        "{}",
        run.stdout
    );
    // The bot offers the firewall request that lets it in on the WinRM port.
    assert!(
        run.stdout.contains(&format!(
            "reply `file it` here and I'll file the firewall request (tcp/{closed} from the bot's address to web-01, inbound)"
        )),
        "{}",
        run.stdout
    );
    // Accepted, the draft is complete but for the bot's address, which is asked for.
    let filed = env.chat("/as alice\nfile it\n");
    assert!(
        filed.stdout.contains("**Destination:** web-01")
            && filed.stdout.contains("**Direction:** ingress")
            && filed
                .stdout
                .contains("Where does the traffic come from (source)?"),
        "{}",
        filed.stdout
    );
    let v = show_json(&env, "1");
    assert_eq!(v["steps"][1]["status"], "skipped", "nothing else is tried");
}

#[test]
fn an_http_500_soap_fault_becomes_the_servers_sentence_without_xml() {
    let (env, inst) = setup(
        FakeBehaviour::default(),
        WinrmOptions {
            fault_on: Some("/skms".into()),
            ..WinrmOptions::default()
        },
    );
    let run = env.chat("/as alice\nactivate web-01\n/as bob\napprove 1\n");
    let expected = format!(
        "WinRM on 127.0.0.1:{} refused the request: The WS-Management service cannot process the request. This user is allowed a maximum number of 5 concurrent operations, which has been exceeded. Close existing operations for this user, or raise the quota for this user",
        inst.fake.port()
    );
    assert!(run.stdout.contains(&expected), "{}", run.stdout);
    let show = env.cli(&["jobs", "show", "1"]);
    assert!(show.stdout.contains(&expected), "{}", show.stdout);
    let v = show_json(&env, "1");
    assert_eq!(v["error"], format!("remote shell failure: {expected}"));
    assert_eq!(v["steps"][1]["status"], "failed");
    assert!(!run.stdout.contains("<s:"));
    assert_never_shown(&env, &[&run], &[]);
}

#[test]
fn a_kms_host_key_and_the_password_never_show_over_winrm() {
    let mut env = Env::new(BIN);
    env.vars.push(("RUST_LOG".into(), "trace".into()));
    let inst = WinrmInstance::start(
        env.dir.path(),
        "kms-01",
        FakeBehaviour::default(),
        WinrmOptions::default(),
    );
    let key_file = env.path("kms-host.key");
    // A made-up, well-formed host key (not a real one).
    std::fs::write(&key_file, "QQQQQ-WWWWW-EEEEE-RRRRR-TTTTT\n").unwrap();
    env.write_config(&format!(
        "[kms]\nhost_key = \"file:{}\"\n[approvals]\napprovers = [\"console:bob\"]\n{}",
        key_file.display(),
        inst.toml("kms-01", "Windows Server 2019 Datacenter")
    ));
    // A KMS host needs its internet-access ticket done before it is asked for.
    let net = env.chat("/as alice\nkms-01 needs internet access for online activation\n/as bob\napprove NET-1\ndone NET-1\n");
    assert!(net.stdout.contains("NET-1"), "{}", net.stdout);
    let run = env.chat("/as alice\nmake kms-01 a kms host\n/as bob\napprove 1\n");
    assert!(run.stdout.contains("job #1 succeeded"), "{}", run.stdout);
    assert_eq!(
        inst.commands()[0],
        format!("{SLMGR} /ipk QQQQQ-WWWWW-EEEEE-RRRRR-TTTTT"),
        "the real key reached the instance"
    );
    let show = env.cli(&["jobs", "show", "1", "--json"]);
    assert!(show.stdout.contains("/ipk [redacted]"), "{}", show.stdout);
    assert_never_shown(&env, &[&run], &["QQQQQ"]);
}

#[test]
fn tls_insecure_is_warned_about_at_start() {
    let env = Env::new(BIN);
    let inst = WinrmInstance::start(
        env.dir.path(),
        "web-01",
        FakeBehaviour::default(),
        WinrmOptions::default(),
    );
    std::fs::write(&inst.ca_file, OTHER_CA_PEM).unwrap();
    env.write_config(&format!(
        "{HEADER}{}tls_insecure = true\n",
        inst.toml("web-01", "Windows Server 2019 Datacenter")
    ));
    let run = env.chat("/as alice\nactivate web-01\n/as bob\napprove 1\n");
    assert!(
        run.stderr.contains("tls_insecure is on") && run.stderr.contains("web-01"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("job #1 succeeded"), "{}", run.stdout);
}

/// The adapter itself against a port that accepts TCP and then says nothing, and one that
/// speaks plain HTTP: each is one sentence, no hang beyond the connect timeout.
#[test]
fn a_silent_port_and_a_plain_http_port_are_one_clear_sentence_each() {
    use adapters::shell::{RemoteShell, ShellError};
    use adapters::winrm::{Password, TlsTrust, WinrmAuth, WinrmSettings, WinrmShell};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let silent_port = silent.local_addr().unwrap().port();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = silent.accept().await {
                held.push(socket);
            }
        });
        let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let http_port = http.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = http.accept().await {
                let mut buf = [0u8; 1024];
                let _ = socket.read(&mut buf).await;
                let _ = socket
                    .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                    .await;
            }
        });
        let shell = |port| {
            WinrmShell::new(WinrmSettings {
                host: "127.0.0.1".into(),
                port,
                user: "Administrator".into(),
                password: Password::new(PASSWORD),
                auth: WinrmAuth::Ntlm,
                trust: TlsTrust::SystemRoots,
                connect_timeout: std::time::Duration::from_millis(500),
            })
        };
        let timeout = std::time::Duration::from_secs(5);
        let e = shell(silent_port)
            .run("w32tm /resync", timeout)
            .await
            .unwrap_err();
        assert!(matches!(e, ShellError::Connect { .. }), "{e}");
        // The TLS handshake's own timeout or the connection deadline, whichever a loaded
        // machine reaches first: either way one sentence naming the 500 ms.
        let text = e.to_string();
        assert!(
            (text.contains("no answer within 500ms")
                || text.contains("no WinRM shell within 500ms"))
                && !text.contains('\n'),
            "{text}"
        );
        let e = shell(http_port)
            .run("w32tm /resync", timeout)
            .await
            .unwrap_err();
        assert!(matches!(e, ShellError::Connect { .. }), "{e}");
        let text = e.to_string();
        assert!(
            text.contains("the port does not answer in TLS") && !text.contains('\n'),
            "{text}"
        );
        assert!(!text.contains(PASSWORD));
    });
}
