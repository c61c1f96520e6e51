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

/// Debugging aid: `ASK="question" cargo test -p kmsbot-knowledge --test accuracy show -- --ignored --nocapture`.
#[test]
#[ignore = "debugging aid: prints the answer to $ASK"]
fn show() {
    let kb = kb();
    for q in std::env::var("ASK").unwrap_or_default().split('|') {
        let a = kb.answer(q, None);
        println!(
            "=== {q} (conf {:.2}, abstained {})\n{}\n",
            a.confidence, a.abstained, a.text
        );
    }
}
