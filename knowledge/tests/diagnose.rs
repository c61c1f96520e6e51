//! Pasted `slmgr /dli`, `/dlv` and `/ato` output in seven realistic states (a KMS client that stopped renewing among them) is diagnosed: what is wrong and the next command.

use knowledge::{AnswerSettings, KnowledgeBase};

fn kb() -> KnowledgeBase {
    KnowledgeBase::builtin().expect("builtin KB")
}

fn diagnose(kb: &KnowledgeBase, pasted: &str) -> String {
    let settings = AnswerSettings {
        kms_host: Some("kms.corp.example".into()),
        kms_port: None,
    };
    let a = kb.answer_with(pasted, None, &settings);
    assert!(!a.abstained, "abstained on pasted output:\n{pasted}");
    assert_eq!(a.intent, Some(knowledge::Intent::Diagnose), "{}", a.text);
    a.text
}

#[test]
fn licensed() {
    let t = diagnose(
        &kb(),
        "Name: Windows(R), ServerStandard edition\n\
Description: Windows(R) Operating System, VOLUME_KMSCLIENT channel\n\
Partial Product Key: VMK7H\n\
License Status: Licensed\n\
Volume activation expiration: 172800 minute(s) (120 day(s))\n\
\n\
Key Management Service client information\n\
    Client Machine ID (CMID): 5d2b1c8e-0000-4000-8000-123456789abc\n\
    Registered KMS machine name: kms.corp.example:1688\n\
    KMS machine IP address: 10.20.0.5\n\
    Activation interval: 120 minutes\n\
    Renewal interval: 10080 minutes\n",
    );
    assert!(t.contains("activated"), "{t}");
    assert!(t.contains("120 days"), "{t}");
    assert!(t.contains("kms.corp.example:1688"), "{t}");
    assert!(t.contains("Nothing to fix"), "{t}");
}

#[test]
fn notification() {
    let t = diagnose(
        &kb(),
        "here's what slmgr /dli says on web-01:\n\
Name: Windows(R), ServerDatacenter edition\n\
Description: Windows(R) Operating System, VOLUME_KMSCLIENT channel\n\
Partial Product Key: 63DFG\n\
License Status: Notification\n\
Notification Reason: 0xC004F056.\n",
    );
    assert!(t.contains("Notification"), "{t}");
    assert!(t.contains("0xC004F056"), "{t}");
}

#[test]
fn grace_with_days_left() {
    let t = diagnose(
        &kb(),
        "Name: Windows(R), ServerStandard edition\n\
Description: Windows(R) Operating System, VOLUME_KMSCLIENT channel\n\
Partial Product Key: J464C\n\
License Status: Initial grace period\n\
Time remaining: 14400 minute(s) (10 day(s))\n",
    );
    assert!(t.contains("grace"), "{t}");
    assert!(t.contains("10 days"), "{t}");
    assert!(t.contains("slmgr /skms kms.corp.example:1688"), "{t}");
}

#[test]
fn kms_host_unreachable() {
    let t = diagnose(
        &kb(),
        "C:\\>cscript //nologo %windir%\\system32\\slmgr.vbs /ato\n\
Activating Windows(R), ServerDatacenter edition (34e1ae55-27f8-4950-8877-7a03be5fb181) ...\n\
Error: 0xC004F074 The Software Licensing Service reported that the computer could not be activated. No Key Management Service (KMS) could be contacted. Please see the Application Event Log for additional information.\n",
    );
    assert!(t.contains("0xC004F074"), "{t}");
    assert!(t.contains("1688"), "{t}");
}

#[test]
fn wrong_key_channel() {
    let t = diagnose(
        &kb(),
        "why won't this activate against our kms?\n\
Name: Windows(R), ServerStandard edition\n\
Description: Windows(R) Operating System, VOLUME_MAK channel\n\
Partial Product Key: 3V66T\n\
License Status: Notification\n",
    );
    assert!(t.contains("MAK"), "{t}");
    assert!(t.contains("GVLK"), "{t}");
    assert!(t.contains("slmgr /ipk"), "{t}");
}

#[test]
fn time_skew() {
    let t = diagnose(
        &kb(),
        "Activating Windows(R), ServerStandard edition ...\n\
Error: 0xC004F06C The Software Licensing Service reported that the computer could not be activated. The Key Management Service (KMS) determined that the request timestamp is invalid.\n",
    );
    assert!(t.contains("0xC004F06C"), "{t}");
    assert!(t.contains("w32tm"), "{t}");
}

#[test]
fn kms_host_count_below_threshold() {
    let t = diagnose(
        &kb(),
        "slmgr /dlv on our host:\n\
Name: Windows(R), ServerStandard edition\n\
Description: Windows(R) Operating System, VOLUME_KMS_WS22 channel\n\
License Status: Licensed\n\
Key Management Service is enabled on this machine\n\
    Current count: 3\n\
    Listening on Port: 1688\n",
    );
    assert!(t.contains("counted 3"), "{t}");
    assert!(t.contains('5'), "{t}");
}

#[test]
fn kms_client_that_stopped_renewing() {
    let t = diagnose(
        &kb(),
        "Name: Windows(R), ServerStandard edition\n\
Description: Windows(R) Operating System, VOLUME_KMSCLIENT channel\n\
License Status: Licensed\n\
Volume activation expiration: 1200 minute(s) (1 day(s))\n\
    KMS machine name from DNS: kms.corp.local:1688\n",
    );
    assert!(t.contains("20 hours"), "{t}");
    assert!(t.contains("not renewed"), "{t}");
    assert!(
        t.contains("Test-NetConnection kms.corp.local -Port 1688"),
        "{t}"
    );
    assert!(!t.contains("Nothing to fix"), "{t}");
}
