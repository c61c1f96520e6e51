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
