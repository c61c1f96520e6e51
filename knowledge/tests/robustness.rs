//! Robustness test on questions written independently of `questions.toml`: informal, terse
//! and misspelt tenant questions over every article and fact table, plus off-topic and
//! near-topic questions that must abstain. Asserts >= 90% right on topic and 100% abstention
//! off topic, and that confidence is always a clean value in [0, 1].

use knowledge::KnowledgeBase;

/// (question, facts the answer must contain — case-insensitive substrings).
const ON_TOPIC: &[(&str, &[&str])] = &[
    // KMS client steps and connectivity.
    (
        "kms wont activate says no kms could be contacted",
        &["1688"],
    ),
    ("slmgr skms syntax", &["slmgr /skms"]),
    ("how do i see the kms host my server uses", &["slmgr /dlv"]),
    ("is tcp 1688 inbound or outbound", &["1688", "client"]),
    ("dns srv record for kms", &["_vlmcs._tcp"]),
    ("error 0xc004f074 after changing firewall", &["1688"]),
    ("ask support to open port", &["1688"]),
    ("kms port?", &["1688"]),
    ("firewal port for kms", &["1688"]),
    ("clients cant find the kms host in dns", &["slmgr /skms"]),
    ("point client to kms server", &["slmgr /skms"]),
    (
        "steps to activate windows server with kms",
        &["slmgr /ipk", "slmgr /skms", "slmgr /ato"],
    ),
    (
        "test connection to kms port powershell",
        &["Test-NetConnection"],
    ),
    ("can we use our on prem kms server", &["1688"]),
    (
        "set time server back to time.windows.com",
        &["time.windows.com"],
    ),
    ("time skew kms", &["w32tm"]),
    (
        "max time difference between client and kms host",
        &["4 hours"],
    ),
    // Thresholds and timers.
    ("we have 3 vms, can we use kms?", &["online"]),
    ("how many servers needed for kms activation", &["5", "25"]),
    ("treshold for kms clients", &["25"]),
    ("only 2 windows vms, kms or online?", &["online"]),
    ("kms activation expires after how many days", &["180"]),
    ("is kms activation permanent", &["180 days"]),
    ("renewal interval kms client", &["7 days"]),
    ("kms client retry interval when not activated", &["2 hours"]),
    // KMS host.
    ("where do i get a kms host key", &["volume licensing"]),
    ("do i need to buy a kms host key", &["volume licensing"]),
    (
        "how to convert server 2008 r2 into kms host",
        &["KB3079821"],
    ),
    ("what update does 2008r2 kms host need", &["KB3079821"]),
    ("restart software protection service", &["sppsvc"]),
    ("kms host firewall rule netsh", &["netsh"]),
    ("how many hosts can a csvlk activate", &["10 times"]),
    ("kms host needs internet access?", &["internet"]),
    // Provider, BYOL, methods.
    ("what is BYOL", &["bring-your-own-license"]),
    (
        "why doesnt the provider give us a kms",
        &["Service Provider Use Rights"],
    ),
    (
        "we don't have a kms host, how do we activate",
        &["slmgr /ato"],
    ),
    ("activating windows with a MAK key", &["slmgr /ato"]),
    ("how do i activate over the internet", &["slmgr /ato"]),
    // Internet access.
    (
        "how long until internet access is enabled",
        &["support ticket"],
    ),
    (
        "do my vms have internet access by default",
        &["support ticket"],
    ),
    // Telephone.
    (
        "display installation id for phone activation",
        &["slmgr /dti"],
    ),
    ("confirmation id slmgr", &["slmgr /atp"]),
    ("activate by phone steps", &["slui 4"]),
    ("how do i actvate windows by phnoe", &["slui 4"]),
    ("my server is air gapped how do i activate it", &["slui 4"]),
    // Status and slmgr.
    ("how to tell whether my vm is activated", &["slmgr /dli"]),
    ("check activation expiry date", &["slmgr /xpr"]),
    ("how to uninstall a product key", &["slmgr /upk"]),
    ("what does slmgr /dlv show", &["/dlv"]),
    ("slmgr rearm", &["/rearm"]),
    ("activation grace period expired what now", &["rearm"]),
    (
        "how to reset the kms host setting to use dns",
        &["slmgr /ckms"],
    ),
    ("disable kms host caching", &["/ckhc"]),
    ("change kms listening port on host", &["/sprt"]),
    ("how do i install the gvlk", &["slmgr /ipk"]),
    // GVLKs.
    ("whats a gvlk key used for", &["KMS host"]),
    ("is the gvlk a secret?", &["not secret"]),
    (
        "which key do i put on server 2025 standard",
        &["TVRH6-WHNXV-R9WG3-9XRFY-MY832"],
    ),
    (
        "windows 11 pro education key",
        &["6TP4R-GNPTD-KYYHQ-7B7DP-J447Y"],
    ),
    (
        "server 2019 essentials gvlk",
        &["WVDHN-86M7X-466P6-VHXV7-YY726"],
    ),
    (
        "gvlk for win 10 enterprise",
        &["NPPR9-FWDCX-D2C8J-H872K-2YT43"],
    ),
    (
        "key for windows server 2016 datacenter",
        &["CB7KF-BWN84-R7R2Y-793K2-8XDDG"],
    ),
    ("2012r2 std kms key", &["D2N9P-3P6X9-2R39C-7RTCD-MDVJX"]),
    (
        "Windows 10 LTSC 2021 key",
        &["M7XTQ-FN8P6-TTKYV-9D4CC-J462D"],
    ),
    (
        "server 2022 dc azure edition key",
        &["NTBV8-9K7Q8-V27C6-M2BTV-KHMXV"],
    ),
    (
        "windows 7 professional kms key",
        &["FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4"],
    ),
    ("win 8.1 pro gvlk", &["GCRJD-8NW9H-F2CDX-CCM8D-9D6T9"]),
    (
        "server 2008 r2 standard key",
        &["YC6KT-GKW9T-YTKYR-T4X34-R7VHC"],
    ),
    ("srv2022 standard", &["VDYBN-27WPP-V4HQT-9VMD4-VMK7H"]),
    (
        "windows 11 enterprise n key",
        &["DPH2V-TTNVB-4X9Q3-TJR4H-KHJW4"],
    ),
    (
        "Win server 2019 datacentre gvlk pls",
        &["WMDGN-G9PQG-XVVXX-R3X43-63DFG"],
    ),
    (
        "kms clinet setup key for server 2016 standard",
        &["WC2BQ-8NRM3-FDDYY-2BFGV-KHKQY"],
    ),
    // Error codes.
    ("0x8007232b", &["DNS"]),
    ("getting c004f038 on my clients", &["25"]),
    ("what does 0xC004C003 mean", &["blocked"]),
    ("error code 0x80070005 when running slmgr", &["elevated"]),
    ("0xC004F06C clock", &["w32tm"]),
    ("kms says count too low", &["25"]),
    ("rpc server unavailable activation", &["1688"]),
    ("activaton failed with 0xc004f050", &["product key"]),
    // Second batch, written after the first fixes and evaluated once before further changes.
    ("my windows vm says not activated, what do i do", &["slmgr"]),
    ("kms host unreachable from my instance", &["1688"]),
    ("what ip do i give slmgr /skms", &["slmgr /skms"]),
    ("where can i find the gvlk list", &["gvlk"]),
    ("key for windows 10 pro", &["W269N-WFGWX-YVC9B-4J6C9-T83GX"]),
    ("ws2016 dc key", &["CB7KF-BWN84-R7R2Y-793K2-8XDDG"]),
    (
        "Server 2022 datacenter product key please",
        &["WX4NM-KYWYW-QJJR4-XV3QB-6VM33"],
    ),
    ("is 0xC004F074 a firewall problem", &["1688"]),
    ("activation error 0x8007251d", &["DNS"]),
    ("C004F041 on clients", &["KMS host"]),
    ("0xc004c008 mak", &["0xC004C008"]),
    ("how do i make a kms server", &["slmgr /ipk"]),
    ("can my kms host be windows server 2012", &["2008"]),
    ("kms count not reached yet", &["25"]),
    ("activation expires soon how to renew", &["slmgr"]),
    ("how do i force windows to activate now", &["slmgr /ato"]),
    ("how to activate windows offline", &["slui 4"]),
    ("slmgr /dti", &["installation id"]),
    ("whats slui 4", &["telephone"]),
    ("does the provider offer windows licenses", &["SPUR"]),
    (
        "i need internet on my server to activate",
        &["support ticket"],
    ),
    ("request internet access", &["support ticket"]),
    ("kms host port 1688 windows firewall command", &["netsh"]),
    ("sync clock with kms host", &["w32tm"]),
    ("how to clear the kms server setting", &["slmgr /ckms"]),
    ("remove product key from registry", &["slmgr /cpky"]),
    ("what is the csvlk", &["Microsoft"]),
    ("kms vs mak which one", &["KMS"]),
    ("i have 30 windows 10 desktops, is kms ok", &["25"]),
    (
        "do clients need to reach the kms host every 7 days",
        &["7 days"],
    ),
    ("how do kms clients locate the host", &["_vlmcs._tcp"]),
    ("activation via phone number", &["slui 4"]),
    (
        "without a kms server how can i license 2 vms",
        &["slmgr /ato"],
    ),
    ("grace period", &["rearm"]),
];

/// Questions the knowledge base must not answer.
const OFF_TOPIC: &[&str] = &[
    "kubernetes ingress yaml",
    "best pizza in town",
    "how to configure outlook",
    "linux kernel panic",
    "install sql server",
    "office 2019 kms key",
    "activate adobe photoshop",
    "windows update stuck at 0%",
    "what's my ip",
    "reset my password please",
    "i forgot my account password",
    "my printer is not printing",
    "vpn keeps disconnecting",
    "how do i set up email on my phone",
    "can't login to the portal",
    "how do i resize my vm disk",
    "create a snapshot of my instance",
    "how to install iis on windows server",
    "remote desktop not working",
    "who won the game last night",
    "tell me a joke",
    "how to extend c drive on windows server",
    "blue screen memory management",
    "what's the weather tomorrow",
    "chrome keeps crashing",
    "how do I change the admin password on my server",
    "reset user account",
    // Second batch.
    "how do i rename my server",
    "how to add a user to remote desktop users",
    "ssh into my linux vm",
    "increase vm memory",
    "how to install .net framework 3.5",
    "my disk is full",
    "what time is it",
    "open port 443 for my web server",
    "set up a load balancer",
    "configure dns forwarder",
    "backup my instance",
    "change my billing address",
    "how to uninstall microsoft edge",
    "windows defender keeps blocking my app",
    "how do i reboot my server",
    "enable rdp on windows server 2022",
    "install windows updates",
    "how much is a windows server license",
    "forgot rdp password",
    "kms on linux",
];

#[test]
fn robustness_accuracy() {
    let kb = KnowledgeBase::builtin().expect("builtin KB");
    assert!(ON_TOPIC.len() >= 60);
    let mut failures = Vec::new();
    for (q, expect) in ON_TOPIC {
        let a = kb.answer(q, None);
        let lower = a.text.to_lowercase();
        let ok = !a.abstained && expect.iter().all(|e| lower.contains(&e.to_lowercase()));
        if !ok {
            failures.push(format!(
                "{q:?} (conf {:.2}, abstained {}) missing {expect:?}\n    {} | {}",
                a.confidence,
                a.abstained,
                a.sources
                    .first()
                    .map(|s| format!("{} — {}", s.title, s.section))
                    .unwrap_or_default(),
                a.text.lines().next().unwrap_or("")
            ));
        }
    }
    let mut off_fail = Vec::new();
    for q in OFF_TOPIC {
        let a = kb.answer(q, None);
        if !a.abstained {
            off_fail.push(format!(
                "{q:?} answered (conf {:.2}): {}",
                a.confidence,
                a.sources
                    .first()
                    .map(|s| format!("{} — {}", s.title, s.section))
                    .unwrap_or_default()
            ));
        }
    }
    let right = ON_TOPIC.len() - failures.len();
    let acc = right as f64 / ON_TOPIC.len() as f64;
    println!(
        "\non-topic: {right}/{} = {:.1}%",
        ON_TOPIC.len(),
        100.0 * acc
    );
    println!(
        "off-topic abstained: {}/{}",
        OFF_TOPIC.len() - off_fail.len(),
        OFF_TOPIC.len()
    );
    for f in &failures {
        println!("FAIL {f}");
    }
    for f in &off_fail {
        println!("OFF-TOPIC ANSWERED {f}");
    }
    assert!(acc >= 0.90, "on-topic accuracy {:.1}% < 90%", 100.0 * acc);
    assert!(off_fail.is_empty(), "{} off-topic answered", off_fail.len());
}

#[test]
fn confidence_is_clean() {
    let kb = KnowledgeBase::builtin().expect("builtin KB");
    for q in ON_TOPIC
        .iter()
        .map(|(q, _)| *q)
        .chain(OFF_TOPIC.iter().copied())
        .chain(["", "   ", "?", "0xC004FFFF", "asdf qwer zxcv"])
    {
        let a = kb.answer(q, None);
        assert!(
            (0.0..=1.0).contains(&a.confidence),
            "{q:?}: {}",
            a.confidence
        );
        assert!(
            a.confidence.is_sign_positive(),
            "{q:?}: negative zero confidence"
        );
        let json = serde_json::to_string(&a).expect("serialises");
        assert!(!json.contains("\"confidence\":-"), "{q:?}: {json}");
    }
}

#[test]
fn office_is_out_of_scope() {
    let kb = KnowledgeBase::builtin().expect("builtin KB");
    for q in [
        "office 2019 kms key",
        "kms key for office 2021 pro plus",
        "activate office with kms",
    ] {
        let a = kb.answer(q, None);
        assert!(
            a.abstained || a.text.to_lowercase().contains("office"),
            "{q:?}: {}",
            a.text
        );
    }
}
