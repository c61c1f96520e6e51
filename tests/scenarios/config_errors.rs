//! Configuration mistakes as a newcomer makes them, through the real binary: each is one line on
//! stderr in the user's words, with an example that works, and exit code 1.
#![allow(clippy::unwrap_used)] // tests may unwrap: a panic is the failure report

use kmsbot_tests::transcript::Env;

const BIN: &str = env!("CARGO_BIN_EXE_kmsbot");

#[test]
fn an_edition_typo_suggests_the_nearest_edition() {
    // Before, "Standrd" listed Standard, Datacenter and Essentials and asked for the exact name.
    let env = Env::new(BIN);
    env.write_config(
        "[[instances]]\nname = \"web-01\"\nedition = \"Windows Server 2019 Standrd\"\ntransport = \"dry-run\"\n",
    );
    let run = env.chat("hello\n");
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("did you mean \"Windows Server 2019 Standard\"?"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("Datacenter"), "{}", run.stderr);
}

fn error_for(config: &str, vars: &[(&str, &str)]) -> String {
    let mut env = Env::new(BIN);
    env.write_config(config);
    for (k, v) in vars {
        env.vars.push((k.to_string(), v.to_string()));
    }
    let run = env.cli(&["tickets", "list"]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
    for rust in [
        "u16",
        "usize",
        "expected a sequence",
        "instances.0",
        "invalid type",
    ] {
        assert!(
            !run.stderr.contains(rust),
            "speaks Rust ({rust}): {}",
            run.stderr
        );
    }
    run.stderr
}

#[test]
fn config_errors_speak_the_users_language_with_an_example() {
    // Before: "invalid type: found string \"ten\", expected u16", "key `instances.0`: missing
    // field `edition`", "expected a sequence".
    let e = error_for("[kms]\nport = \"ten\"\n", &[]);
    assert!(
        e.contains("key `kms.port` must be a port number from 1 to 65535, not the text \"ten\". For example `port = 1688`."),
        "{e}"
    );
    let e = error_for("[[instances]]\nname = \"web-01\"\n", &[]);
    assert!(
        e.contains("`instances[0]` needs `edition`. For example `edition = \"Windows Server 2019 Datacenter\"`."),
        "{e}"
    );
    let e = error_for(
        "[[instances]]\nname = \"web-01\"\nedition = \"Windows Server 2019 Datacenter\"\ntransport = \"dryrun\"\n",
        &[],
    );
    assert!(
        e.contains("`instances[0].transport`: `dryrun` is not one of `ssh`, `winrm`, `dry-run`"),
        "{e}"
    );
    let e = error_for("[approvals]\napprovers = \"console:bob\"\n", &[]);
    assert!(e.contains("must be a list in square brackets"), "{e}");
    let e = error_for("", &[("KMSBOT_JOBS_CONCURRENCY", "four")]);
    assert!(e.contains("For example `KMSBOT_JOBS_CONCURRENCY=4`"), "{e}");
}

#[test]
fn a_list_valued_environment_variable_takes_a_comma_separated_list() {
    // Before: "invalid type: found string \"console:carol\", expected a sequence".
    let mut env = Env::new(BIN);
    env.write_config("");
    env.vars.push((
        "KMSBOT_APPROVALS_APPROVERS".into(),
        "console:carol, console:bob".into(),
    ));
    let run = env.chat("/as alice\nopen tcp 1688 from 10.0.0.0/8 to 203.0.113.7 for activation\n/as bob\napprove FW-1\n");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.posts()[0].contains("an approver (@carol, @bob)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("**FW-1** was approved by @bob"),
        "{}",
        run.stdout
    );
    // One value without a comma is a list of one.
    env.vars[0].1 = "console:carol".into();
    let run = env.cli(&["tickets", "list"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

#[test]
fn watch_settings_are_checked_with_an_example() {
    let e = error_for("[watch]\nevery = \"often\"\nchannel = \"slack:C1\"\n", &[]);
    assert!(
        e.contains("key `watch.every`: `often` is not a duration of at least 1 second")
            && e.contains("every = \"12h\""),
        "{e}"
    );
    let e = error_for("[watch]\nevery = \"12h\"\n", &[]);
    assert!(
        e.contains("key `watch.channel`: the watch needs a channel")
            && e.contains("channel = \"slack:C0123ABCD\""),
        "{e}"
    );
    let e = error_for("[watch]\nchannel = \"#ops\"\n", &[]);
    assert!(e.contains("`#ops` is not a platform and channel id"), "{e}");
    let e = error_for(
        "[watch]\nchannel = \"slack:C1\"\nkms_hosts = [\"kms-01\"]\n",
        &[],
    );
    assert!(
        e.contains("key `watch.kms_hosts`: `kms-01` is not a configured instance"),
        "{e}"
    );
    let e = error_for(
        "[watch]\nchannel = \"slack:C1\"\nrenewal_warn_days = 200\n",
        &[],
    );
    assert!(e.contains("must be 1 to 179"), "{e}");
}
