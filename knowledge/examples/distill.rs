//! Writes `data/distilled.toml`: the questions of the tuning sets the engine answers right, each labelled with the intent of its answer, for the intent classifier to train on (`cargo run -p kmsbot-knowledge --example distill`).
//!
//! Every item of `tests/dev.toml`, `tests/dev3.toml` .. `tests/dev41.toml` and
//! `tests/questions.toml` is answered as its test answers it (the same thread context and
//! configured KMS host) and scored the same way. A right answer gives `(question, intent)`; a
//! right abstention on an off-topic item gives `(question, none)`; an answer with no intent
//! gives nothing. The held-out sets are never read. Run it again after the engine or the sets
//! change, then rebuild: `build.rs` trains on `data/intents.toml` and this file.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use knowledge::{AnswerSettings, Context, KnowledgeBase, MAX_LINES};
use serde::Deserialize;

/// The first and last numbered tuning set read (`dev3.toml` .. `dev41.toml`), after `dev.toml`.
const NUMBERED_SETS: std::ops::RangeInclusive<u32> = 3..=41;

#[derive(Deserialize)]
struct Set {
    q: Vec<Q>,
}

#[derive(Deserialize)]
struct Q {
    id: String,
    q: String,
    #[serde(default)]
    expect: Vec<String>,
    #[serde(default)]
    expect_any: Vec<String>,
    #[serde(default)]
    forbid: Vec<String>,
    #[serde(default)]
    follows: String,
    #[serde(default)]
    kms_host: String,
    #[serde(default)]
    abstain: bool,
}

#[derive(Deserialize)]
struct Questions {
    q: Vec<Question>,
    off: Vec<Off>,
}

#[derive(Deserialize)]
struct Question {
    q: String,
    expect: Vec<String>,
    #[serde(default)]
    follows: Option<String>,
}

#[derive(Deserialize)]
struct Off {
    q: String,
}

/// The context a thread leaves after item `follows`, replayed as the understanding test does.
fn thread_context(
    kb: &KnowledgeBase,
    items: &[Q],
    follows: &str,
    settings: &AnswerSettings,
    depth: usize,
) -> Option<Context> {
    if follows.is_empty() {
        return None;
    }
    let (text, before) = match items.iter().find(|p| p.id == follows) {
        Some(p) if depth < 8 => (
            p.q.as_str(),
            thread_context(kb, items, &p.follows, settings, depth + 1),
        ),
        Some(p) => (p.q.as_str(), None),
        None => (follows, None),
    };
    kb.answer_with(text, before.as_ref(), settings)
        .context
        .or(before)
}

/// The label a right answer gives, or `None` when the item gives no example.
fn label(a: &knowledge::Answer) -> Option<&'static str> {
    let intent = a.intent?;
    // "more" continues a long answer: not a class of the model.
    knowledge::Intent::from_label(intent.label()).map(|_| intent.label())
}

/// Labelled questions of one understanding set, scored as `tests/understanding.rs` scores it.
fn from_set(
    kb: &KnowledgeBase,
    text: &str,
    follow_ups: bool,
    out: &mut Vec<(String, &'static str)>,
) {
    let set: Set = match toml::from_str(text) {
        Ok(s) => s,
        Err(e) => panic!("a tuning set does not parse: {e}"),
    };
    for item in set.q.iter().filter(|i| follow_ups || i.follows.is_empty()) {
        let settings = AnswerSettings {
            kms_host: (!item.kms_host.is_empty()).then(|| item.kms_host.clone()),
            kms_port: None,
        };
        let ctx = thread_context(kb, &set.q, &item.follows, &settings, 0);
        let a = kb.answer_with(&item.q, ctx.as_ref(), &settings);
        let lower = a.text.to_lowercase();
        let has = |e: &String| lower.contains(&e.to_lowercase());
        let forbidden = item.forbid.iter().any(has);
        let right = if item.abstain {
            a.abstained && a.text.lines().count() <= 4 && !forbidden
        } else {
            !a.abstained
                && item.expect.iter().all(has)
                && (item.expect_any.is_empty() || item.expect_any.iter().any(has))
                && a.text.lines().count() <= MAX_LINES + 2
                && !forbidden
        };
        if !right {
            continue;
        }
        if item.abstain {
            out.push((item.q.clone(), "none"));
        } else if let Some(l) = label(&a) {
            out.push((item.q.clone(), l));
        }
    }
}

/// Labelled questions of `tests/questions.toml`, scored as `tests/questions.rs` scores it.
fn from_questions(
    kb: &KnowledgeBase,
    text: &str,
    follow_ups: bool,
    out: &mut Vec<(String, &'static str)>,
) {
    let set: Questions = match toml::from_str(text) {
        Ok(s) => s,
        Err(e) => panic!("questions.toml does not parse: {e}"),
    };
    for item in set.q.iter().filter(|i| follow_ups || i.follows.is_none()) {
        let ctx = item
            .follows
            .as_ref()
            .and_then(|f| kb.answer(f, None).context);
        let a = kb.answer(&item.q, ctx.as_ref());
        let lower = a.text.to_lowercase();
        let right = !a.abstained
            && item
                .expect
                .iter()
                .all(|e| lower.contains(&e.to_lowercase()));
        if let (true, Some(l)) = (right, label(&a)) {
            out.push((item.q.clone(), l));
        }
    }
    for o in &set.off {
        if kb.answer(&o.q, None).abstained {
            out.push((o.q.clone(), "none"));
        }
    }
}

/// A TOML basic string.
fn quoted(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            '\r' => q.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(q, "\\u{:04X}", u32::from(c));
            }
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

fn main() {
    let kb = match KnowledgeBase::builtin() {
        Ok(kb) => kb,
        Err(e) => {
            eprintln!("knowledge base: {e}");
            std::process::exit(1);
        }
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |name: &str| match std::fs::read_to_string(dir.join("tests").join(name)) {
        Ok(t) => t,
        Err(e) => panic!("cannot read tests/{name}: {e}"),
    };
    // `--no-follow-ups`: leave out the questions that follow another in a thread (their
    // answers' intents come partly from the thread).
    let follow_ups = !std::env::args().any(|a| a == "--no-follow-ups");
    let mut pairs = Vec::new();
    let mut names = vec!["dev.toml".to_string()];
    names.extend(NUMBERED_SETS.map(|n| format!("dev{n}.toml")));
    for name in &names {
        from_set(&kb, &read(name), follow_ups, &mut pairs);
    }
    from_questions(&kb, &read("questions.toml"), follow_ups, &mut pairs);
    // One example per question (its first label), none that the hand-written utterances
    // already hold.
    let written: BTreeSet<String> = knowledge::nlu::TRAINING
        .lines()
        .map(|l| l.trim().to_lowercase())
        .collect();
    let mut seen = BTreeSet::new();
    let mut by_label: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (q, l) in pairs {
        let key = q.trim().to_lowercase();
        if !seen.insert(key.clone()) || written.iter().any(|w| w.contains(&quoted(&key))) {
            continue;
        }
        by_label.entry(l).or_default().push(q);
    }
    let mut out = String::from(
        "# GENERATED: do not edit. The questions of the tuning sets (tests/dev.toml, tests/dev3.toml\n\
         # .. tests/dev41.toml, tests/questions.toml) that the engine answers right, each labelled\n\
         # with the intent of its answer (`none` for an off-topic question rightly declined), so\n\
         # that the intent classifier also learns the phrasings of real questions. The held-out\n\
         # sets are never read. Regenerate after the engine or the sets change:\n\
         #     cargo run -p kmsbot-knowledge --example distill\n\
         # The labels come from the engine as built, whose classifier already learnt from this\n\
         # file: to label with the hand-written utterances' model alone, first replace this file\n\
         # by an empty `[intent]` table and rebuild. build.rs trains on data/intents.toml and\n\
         # this file (features seen only here are kept when at least\n\
         # nlu::training::DISTILLED_MIN_DF utterances have them).\n",
    );
    let mut total = 0;
    for (label, qs) in &by_label {
        let _ = write!(out, "\n[intent.{label}]\nu = [\n");
        for q in qs {
            let _ = writeln!(out, "  {},", quoted(q));
        }
        out.push_str("]\n");
        total += qs.len();
        eprintln!("{label:<18} {}", qs.len());
    }
    eprintln!("{total} examples");
    let path = dir.join("data").join("distilled.toml");
    if let Err(e) = std::fs::write(&path, out) {
        panic!("cannot write {}: {e}", path.display());
    }
}
