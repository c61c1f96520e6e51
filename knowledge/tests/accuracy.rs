//! Issue 11: every fact the bot states matches Microsoft's documentation, and every row names its source.

use knowledge::{check_builtin, EditionMatch, KnowledgeBase};
use serde::Deserialize;

fn kb() -> KnowledgeBase {
    KnowledgeBase::builtin().expect("builtin KB")
}

/// Asks `q` and returns the answer text (lower-cased for substring checks) and the raw text.
fn ask(kb: &KnowledgeBase, q: &str) -> (String, String) {
    let a = kb.answer(q, None);
    assert!(!a.abstained, "abstained on {q:?}:\n{}", a.text);
    (a.text.to_lowercase(), a.text)
}

fn assert_mentions(kb: &KnowledgeBase, q: &str, wants: &[&str]) {
    let (lower, raw) = ask(kb, q);
    for w in wants {
        assert!(
            lower.contains(&w.to_lowercase()),
            "answer to {q:?} does not mention {w:?}:\n{raw}"
        );
    }
}

fn assert_not_mentions(kb: &KnowledgeBase, q: &str, unwanted: &[&str]) {
    let (lower, raw) = ask(kb, q);
    for w in unwanted {
        assert!(
            !lower.contains(&w.to_lowercase()),
            "answer to {q:?} still says {w:?}:\n{raw}"
        );
    }
}

/// The most an answer may take in chat before it needs a "more" follow-up.
const MAX_LINES: usize = 25;

// ---------------------------------------------------------------------------------------
// GVLK table against the copy of Microsoft's table (data/microsoft-gvlk-table.toml).

#[derive(Deserialize)]
struct MsTable {
    document: String,
    revision: String,
    row: Vec<MsRow>,
}

#[derive(Deserialize)]
struct MsRow {
    section: String,
    edition: String,
    key: String,
}

#[derive(Deserialize)]
struct Sources {
    document: Vec<Doc>,
}

#[derive(Deserialize)]
struct Doc {
    id: String,
    revision: String,
    path: String,
    url: String,
}

fn ms_table() -> MsTable {
    toml::from_str(include_str!("../data/microsoft-gvlk-table.toml"))
        .expect("microsoft-gvlk-table.toml parses")
}

fn sources() -> Sources {
    toml::from_str(include_str!("../data/sources.toml")).expect("sources.toml parses")
}

#[test]
fn gvlk_table_matches_microsofts_current_table_both_ways() {
    let kb = kb();
    let ms = ms_table();
    let mut problems = Vec::new();
    // Microsoft -> ours: no missing edition, no wrong key.
    for r in &ms.row {
        let named: Vec<_> = kb
            .gvlks()
            .iter()
            .filter(|g| g.is_named(&r.edition))
            .collect();
        if named.is_empty() {
            problems.push(format!("missing edition {:?} ({})", r.edition, r.section));
        } else if !named.iter().any(|g| g.key == r.key) {
            problems.push(format!(
                "wrong key for {:?}: Microsoft {} / ours {:?}",
                r.edition,
                r.key,
                named.iter().map(|g| g.key.as_str()).collect::<Vec<_>>()
            ));
        }
    }
    // Ours -> Microsoft: no extra edition, no extra key.
    for g in kb.gvlks() {
        let rows: Vec<_> = ms.row.iter().filter(|r| g.is_named(&r.edition)).collect();
        if rows.is_empty() {
            problems.push(format!(
                "extra edition {:?} not in Microsoft's table",
                g.edition
            ));
        } else if !rows.iter().any(|r| r.key == g.key) {
            problems.push(format!("extra key {} for {:?}", g.key, g.edition));
        }
    }
    // Same number of (edition, key) pairs: nothing duplicated on either side.
    let mut ours: Vec<(String, String)> = kb
        .gvlks()
        .iter()
        .map(|g| (g.edition.clone(), g.key.clone()))
        .collect();
    ours.sort();
    ours.dedup();
    assert_eq!(ours.len(), kb.gvlks().len(), "duplicate rows in gvlk.toml");
    assert_eq!(kb.gvlks().len(), ms.row.len(), "row counts differ");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn microsoft_table_copy_names_its_revision() {
    let ms = ms_table();
    let docs = sources();
    let doc = docs
        .document
        .iter()
        .find(|d| d.id == ms.document)
        .expect("the copy names a document of sources.toml");
    assert_eq!(doc.revision, ms.revision, "copy and sources.toml disagree");
    assert_eq!(ms.revision, "2025-06-25");
    assert!(doc.path.ends_with("kms-client-activation-keys.md"));
}

// ---------------------------------------------------------------------------------------
// Every row carries its source; `kmsbot kb check` fails on a row without one.

#[test]
fn shipped_tables_cite_a_source_on_every_row() {
    let issues = check_builtin();
    assert!(
        issues.is_empty(),
        "{}",
        issues
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let kb = kb();
    assert!(kb.gvlks().iter().all(|g| !g.source.is_empty()));
    assert!(kb.errors().iter().all(|e| !e.source.is_empty()));
    assert!(kb.slmgr_options().iter().all(|o| !o.source.is_empty()));
    for d in sources().document {
        assert!(!d.revision.is_empty() && !d.path.is_empty(), "{}", d.id);
        assert!(
            !d.url.contains("resolve-windows-activation-error-codes"),
            "dead address in {}",
            d.id
        );
    }
}

#[test]
fn kb_check_fails_on_a_row_without_source() {
    let no_source = "[[gvlk]]\nfamily = \"Windows Server 2022\"\nedition = \"Windows Server 2022 Standard\"\nkey = \"VDYBN-27WPP-V4HQT-9VMD4-VMK7H\"\n";
    let issues = knowledge::check_text("ops/keys.toml", no_source);
    assert!(
        issues.iter().any(|i| i.message.contains("has no source")),
        "{issues:?}"
    );
    let unknown = format!("{no_source}source = \"nowhere\"\n");
    let issues = knowledge::check_text("ops/keys.toml", &unknown);
    assert!(
        issues
            .iter()
            .any(|i| i.message.contains("unknown document `nowhere`")),
        "{issues:?}"
    );
    let ok = format!("{no_source}source = \"kms-keys\"\n");
    assert!(knowledge::check_text("ops/keys.toml", &ok).is_empty());
    let error_row = "[[error]]\ncode = \"0xC004F074\"\ntitle = \"t\"\nmeaning = \"m\"\ncause = \"c\"\nfix = \"```\\nslmgr /ato\\n```\"\n";
    let issues = knowledge::check_text("ops/errors.toml", error_row);
    assert!(
        issues.iter().any(|i| i.message.contains("has no source")),
        "{issues:?}"
    );
}

#[test]
fn the_source_shown_names_the_document_and_revision() {
    let kb = kb();
    let a = kb.answer("what does 0xC004F06C mean", None);
    let title = &a.sources[0].title;
    assert!(
        title.contains("error-0xc004f06c-activate-windows.md") && title.contains("revision"),
        "{title}"
    );
    assert!(a.text.contains("error-0xc004f06c-activate-windows.md"));
    let a = kb.answer("kms key for windows server 2022 datacenter", None);
    assert!(
        a.sources[0]
            .title
            .contains("kms-client-activation-keys.md, revision 2025-06-25"),
        "{}",
        a.sources[0].title
    );
    let a = kb.answer("what is slmgr /dlv", None);
    assert!(
        a.sources[0]
            .title
            .contains("activation-slmgr-vbs-options.md"),
        "{}",
        a.sources[0].title
    );
}

// ---------------------------------------------------------------------------------------
// Item 1: GVLKs.

#[test]
fn item1_server_2012_editions_are_back() {
    let kb = kb();
    for (q, key) in [
        (
            "kms key for windows server 2012 single language",
            "2WN2H-YGCQR-KFX6K-CD6TF-84YXQ",
        ),
        (
            "windows server 2012 country specific gvlk",
            "4K36P-JN4VD-GDC6V-KDT89-DYFKP",
        ),
        (
            "gvlk for windows server 2012 n",
            "8N2M2-HWPGY-7PGT9-HGDD8-GVGGY",
        ),
        (
            "kms client key windows server 2012",
            "BN3D2-R7TKB-3YPBD-8DRP2-27GG4",
        ),
    ] {
        assert_mentions(&kb, q, &[key]);
    }
    for (name, key) in [
        ("Windows Server 2012", "BN3D2-R7TKB-3YPBD-8DRP2-27GG4"),
        ("Windows Server 2012 N", "8N2M2-HWPGY-7PGT9-HGDD8-GVGGY"),
        (
            "Windows Server 2012 Single Language",
            "2WN2H-YGCQR-KFX6K-CD6TF-84YXQ",
        ),
        (
            "Windows Server 2012 Country Specific",
            "4K36P-JN4VD-GDC6V-KDT89-DYFKP",
        ),
    ] {
        assert!(
            matches!(kb.gvlk(name), EditionMatch::Exact(g) if g.key == key),
            "{name}"
        );
    }
}

#[test]
fn item1_ltsb_2015_accepts_both_name_orders() {
    let kb = kb();
    for name in [
        "Windows 10 Enterprise LTSB 2015",
        "Windows 10 Enterprise 2015 LTSB",
    ] {
        assert!(
            matches!(kb.gvlk(name), EditionMatch::Exact(g) if g.key == "WNMTR-4C88C-JK8YV-HQ7T2-76DF9"),
            "{name}"
        );
    }
    for name in [
        "Windows 10 Enterprise N LTSB 2015",
        "Windows 10 Enterprise 2015 LTSB N",
    ] {
        assert!(
            matches!(kb.gvlk(name), EditionMatch::Exact(g) if g.key == "2F77B-TNFGY-69QQF-B8YKP-D69TJ"),
            "{name}"
        );
    }
    assert_mentions(
        &kb,
        "kms key for windows 10 enterprise 2015 ltsb",
        &["WNMTR-4C88C-JK8YV-HQ7T2-76DF9"],
    );
}

// ---------------------------------------------------------------------------------------
// Item 2: error codes.

#[test]
fn item2_clock_error_is_utc_and_four_hours_not_time_zones() {
    let kb = kb();
    assert_mentions(
        &kb,
        "what does 0xC004F06C mean",
        &["UTC", "4 hours", "12288", "0xC004F074"],
    );
    assert_not_mentions(&kb, "what does 0xC004F06C mean", &["wrong time zone"]);
}

#[test]
fn item2_rpc_unavailable_is_a_kms_path_problem() {
    let kb = kb();
    assert_mentions(
        &kb,
        "error 0x800706BA",
        &["1688", "RPC", "_vlmcs", "0x80072EE2"],
    );
    assert_not_mentions(
        &kb,
        "error 0x800706BA",
        &["for online activation, the instance has no internet"],
    );
    assert_mentions(&kb, "what is error 0x80072EE2", &["internet", "phone"]);
}

#[test]
fn item2_kms_not_enabled_means_host_did_not_respond() {
    assert_mentions(&kb(), "0xC004F039", &["respond", "1688"]);
}

#[test]
fn item2_c004c008_is_the_host_key_limit_not_a_mak() {
    let kb = kb();
    assert_mentions(
        &kb,
        "i get 0xC004C008",
        &["KMS host key", "10", "6 computers", "0xC004C020"],
    );
    assert_mentions(&kb, "0xC004C020", &["Multiple Activation Key"]);
}

#[test]
fn item2_ato_with_a_gvlk_always_asks_kms() {
    let kb = kb();
    assert_mentions(
        &kb,
        "what does slmgr /ato do",
        &[
            "GVLK",
            "always asks a KMS host",
            "MAK",
            "KMS host key",
            "online",
        ],
    );
}

#[test]
fn item2_ato_shows_c004f074_and_the_event_log_has_the_reason() {
    assert_mentions(&kb(), "0xC004F074", &["12288", "1688", "0xC004F06C"]);
}

#[test]
fn item2_blocked_key_text_reads_right() {
    let kb = kb();
    assert_mentions(&kb, "0xC004C003", &["blocked", "MAK", "slmgr /ipk"]);
}

#[test]
fn item2_missing_codes_are_answered() {
    let kb = kb();
    for code in [
        "0x8007007B",
        "0xC004E003",
        "0x8007232A",
        "0xC004F014",
        "0xC004F051",
        "0xC004F00F",
        "0xC004C021",
        "0xC004B100",
        "0x80092328",
        "0x80070490",
        "0xC004F009",
        "0x80072EE2",
    ] {
        let a = kb.answer(&format!("I get error {code}"), None);
        assert!(!a.abstained, "{code}");
        assert!(a.text.contains(code), "{code}:\n{}", a.text);
        assert!(a.text.contains("```"), "{code} has no command");
        assert!(a.sources[0].title.contains("revision"), "{code}");
    }
}

// ---------------------------------------------------------------------------------------
// Item 3: KMS host.

#[test]
fn item3_host_answer_leads_with_the_current_procedure() {
    let kb = kb();
    let (lower, raw) = ask(&kb, "how do I set up a kms host on server 2022");
    for want in [
        "slmgr /ipk",
        "slmgr /ato",
        "sppsvc-in-tcp",
        "slmgr /dti",
        "volumeactivation",
    ] {
        assert!(lower.contains(want), "missing {want}:\n{raw}");
    }
    let current = lower.find("slmgr /ipk").unwrap_or(usize::MAX);
    if let Some(legacy) = lower.find("2008 r2") {
        assert!(current < legacy, "2008 R2 comes first:\n{raw}");
    }
    assert!(!lower.contains("kb2757817"), "old procedure leads:\n{raw}");
    assert!(
        raw.lines().count() <= MAX_LINES,
        "{} lines",
        raw.lines().count()
    );
}

#[test]
fn item3_2008_r2_host_needs_kb3079821_and_cannot_host_new_keys() {
    let kb = kb();
    assert_mentions(
        &kb,
        "which update does a 2008 r2 kms host need",
        &["KB3079821", "cannot run the 2016 to 2025 host keys"],
    );
    assert_mentions(&kb, "0xC004F015", &["KB3079821", "host key"]);
    assert_mentions(&kb, "error 0xC004F042", &["host key", "slmgr /skms"]);
}

#[test]
fn item3_host_needs_internet_or_phone() {
    let kb = kb();
    assert_mentions(
        &kb,
        "where do I get a kms host key",
        &["telephone", "volume licensing"],
    );
    assert_mentions(&kb, "0xC004F041", &["slmgr /atp", "slmgr /ato"]);
}

// ---------------------------------------------------------------------------------------
// Item 4: thresholds.

#[test]
fn item4_vms_count_toward_one_combined_threshold() {
    let kb = kb();
    assert_mentions(
        &kb,
        "do VMs count toward the kms threshold",
        &["virtual machines", "30 days", "5", "25"],
    );
    assert_mentions(
        &kb,
        "how many machines do I need before kms works",
        &["one count", "vms", "25", "5"],
    );
    assert_mentions(&kb, "0xC004F038", &["VMs count", "5", "25", "30 days"]);
}

// ---------------------------------------------------------------------------------------
// Item 5: slmgr elevation and host settings.

#[test]
fn item5_display_options_need_no_elevation() {
    let kb = kb();
    for opt in ["/dli", "/dlv", "/xpr"] {
        let q = format!("what does slmgr {opt} do");
        assert_mentions(&kb, &q, &["no elevation"]);
        assert_not_mentions(&kb, &q, &["run it in an elevated command prompt"]);
    }
    assert_mentions(&kb, "what does slmgr /ipk do", &["elevated"]);
}

#[test]
fn item5_sai_and_sri_are_host_settings() {
    let kb = kb();
    assert_mentions(&kb, "what does slmgr /sai do", &["On a KMS host", "120"]);
    assert_mentions(&kb, "what does slmgr /sri do", &["On a KMS host", "10080"]);
}

// ---------------------------------------------------------------------------------------
// Item 6: netsh firewall.

#[test]
fn item6_netsh_firewall_deprecated_since_vista() {
    let kb = kb();
    assert_mentions(
        &kb,
        "netsh firewall set portopening does not work on my kms host",
        &["deprecated", "Vista", "Server 2008", "advfirewall"],
    );
    assert_not_mentions(
        &kb,
        "how do I set up a kms host on server 2022",
        &["netsh firewall set portopening", "on 2012 and later"],
    );
}

#[test]
fn item6_netsh_firewall_deprecation_asked_directly() {
    assert_mentions(
        &kb(),
        "is netsh firewall deprecated",
        &["Vista", "Server 2008", "advfirewall"],
    );
}

// ---------------------------------------------------------------------------------------
// Item 7: time sync.

#[test]
fn item7_time_sync_uses_a_reachable_source() {
    let kb = kb();
    assert_mentions(
        &kb,
        "how do I sync the clock before kms activation",
        &[
            "/syncfromflags:manual",
            "udp/123",
            "time.windows.com",
            "internet",
        ],
    );
    assert_mentions(
        &kb,
        "how do I set the time server back to default after activation",
        &["time.windows.com", "internet access"],
    );
    // The client procedure names the condition for using the KMS host as time source.
    assert_mentions(
        &kb,
        "how do I activate my windows server 2022 instance with kms",
        &["udp/123"],
    );
}

// ---------------------------------------------------------------------------------------
// Item 8: lifecycle and Azure Edition.

#[test]
fn item8_out_of_support_editions_are_marked() {
    let kb = kb();
    for (q, when) in [
        (
            "kms key for windows server 2012 r2 standard",
            "October 2023",
        ),
        ("kms key for windows server 2012 datacenter", "October 2023"),
        ("gvlk for server 2008 r2 enterprise", "January 2020"),
        ("kms key for windows server 2008 standard", "January 2020"),
        ("kms key for windows 7 professional", "January 2020"),
        ("kms key for windows 8.1 pro", "January 2023"),
        ("kms key for windows 10 pro", "October 2025"),
        ("kms key for windows 10 enterprise", "October 2025"),
        ("kms key for windows 8 pro", "January 2016"),
        ("kms key for windows vista business", "April 2017"),
        (
            "kms key for windows 10 enterprise ltsb 2015",
            "October 2025",
        ),
        (
            "kms key for windows 10 enterprise ltsb 2016",
            "October 2026",
        ),
    ] {
        assert_mentions(&kb, q, &["out of support", when]);
    }
    for q in [
        "kms key for windows server 2022 standard",
        "kms key for windows 11 pro",
        "kms key for windows 10 enterprise ltsc 2021",
        "kms key for windows server 2025 datacenter",
    ] {
        assert_not_mentions(&kb, q, &["out of support"]);
    }
}

#[test]
fn item8_azure_edition_only_on_azure() {
    let kb = kb();
    for q in [
        "kms key for windows server 2022 datacenter azure edition",
        "gvlk for server 2025 azure edition",
    ] {
        assert_mentions(&kb, q, &["Azure Stack HCI", "only"]);
    }
}

// ---------------------------------------------------------------------------------------
// Long answers stay readable.

#[test]
fn fact_answers_fit_in_chat() {
    let kb = kb();
    let mut long = Vec::new();
    let mut questions: Vec<String> = kb.errors().iter().map(|e| e.code.clone()).collect();
    questions.extend(
        kb.slmgr_options()
            .iter()
            .map(|o| format!("what does slmgr {} do", o.option)),
    );
    questions.extend(
        [
            "how do I set up a kms host on server 2022",
            "how do I convert a 2008 r2 instance into a kms host",
            "how do I activate my windows instance with kms",
            "how do I sync the clock before kms activation",
            "how many machines do I need before kms works",
            "which firewall rules do I need for kms activation",
            "how do I activate windows by phone",
            "how do I activate directly with microsoft over the internet",
            "how do I check whether windows is activated",
        ]
        .map(String::from),
    );
    for q in &questions {
        let a = kb.answer(q, None);
        let n = a.text.lines().count();
        if n > MAX_LINES {
            long.push(format!("{q:?}: {n} lines"));
        }
    }
    assert!(long.is_empty(), "{}", long.join("\n"));
}

#[test]
fn kb_check_of_the_shipped_data_directory_is_clean() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let issues = knowledge::check_dir(&dir);
    assert!(
        issues.is_empty(),
        "{}",
        issues
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn kb_check_wants_sources_on_built_in_articles() {
    let no_sources =
        "---\nid: x\ntitle: X\ntags: [kms]\nquestions:\n  - What is x?\n---\n\n## X\n\nText.\n";
    let issues = knowledge::check_text("articles/x.md", no_sources);
    assert!(
        issues.iter().any(|i| i.message.contains("needs `sources`")),
        "{issues:?}"
    );
    let unknown = no_sources.replace("tags: [kms]", "tags: [kms]\nsources: [nowhere]");
    let issues = knowledge::check_text("articles/x.md", &unknown);
    assert!(
        issues
            .iter()
            .any(|i| i.message.contains("unknown document `nowhere`")),
        "{issues:?}"
    );
    let ok = no_sources.replace("tags: [kms]", "tags: [kms]\nsources: [kms-planning]");
    assert!(knowledge::check_text("articles/x.md", &ok).is_empty());
}

// ---------------------------------------------------------------------------------------
// Build numbers: one row each, digits only, and answered with the table's releases.

#[test]
fn every_build_number_is_answered_with_its_releases() {
    let kb = kb();
    let rows = knowledge::builds();
    assert!(rows.len() >= 20, "the builds table loads");
    let mut seen = std::collections::HashSet::new();
    for r in rows {
        assert!(
            r.build.len() >= 4 && r.build.bytes().all(|b| b.is_ascii_digit()),
            "{}",
            r.build
        );
        assert!(seen.insert(r.build.clone()), "build {} twice", r.build);
        assert!(!r.releases.is_empty(), "build {} names no release", r.build);
        let a = kb.answer(&format!("which windows is build {}?", r.build), None);
        assert!(!a.abstained, "build {}: {}", r.build, a.text);
        for release in &r.releases {
            assert!(
                a.text.contains(release.as_str()),
                "build {}: {}",
                r.build,
                a.text
            );
        }
        assert!(
            a.sources[0].title.starts_with("Windows build numbers"),
            "cites the builds table: {:?}",
            a.sources
        );
    }
}
