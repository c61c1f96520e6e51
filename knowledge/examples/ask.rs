//! Answers questions from the command line (a developer's tool: `cargo run -p kmsbot-knowledge --example ask -- "question"`), printing the intent, confidence and build time.

use std::io::Write as _;
use std::time::Instant;

fn main() {
    let t = Instant::now();
    let kb = match knowledge::KnowledgeBase::builtin() {
        Ok(kb) => kb,
        Err(e) => {
            eprintln!("knowledge base: {e}");
            std::process::exit(1);
        }
    };
    eprintln!("built in {:?}", t.elapsed());
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // `--after "previous message"` (repeatable, oldest first) answers as a follow-up in the
    // same thread.
    // `KMS_HOST=...` plays the configured `[kms] host` (for every turn).
    let settings = knowledge::AnswerSettings {
        kms_host: std::env::var("KMS_HOST").ok(),
        kms_port: None,
    };
    let mut ctx = None;
    while args.first().map(String::as_str) == Some("--after") && args.len() > 1 {
        let prev = args.remove(1);
        args.remove(0);
        ctx = kb
            .answer_with(&prev, ctx.as_ref(), &settings)
            .context
            .or(ctx);
    }
    // `KMSBOT_SHOW_CONTEXT=1` prints the thread's context the question is answered in.
    if std::env::var_os("KMSBOT_SHOW_CONTEXT").is_some() {
        eprintln!("context {ctx:?}");
    }
    let q = args.join(" ");
    let u = kb.understand(&q);
    eprintln!(
        "intent {:?} ({:.2}), alternative {:?}",
        u.intent, u.confidence, u.alternative
    );
    let a = kb.answer_with(&q, ctx.as_ref(), &settings);
    // A reader that went away (`| head`) has what it wanted: no panic.
    let _ = writeln!(std::io::stdout(), "{}", a.text);
}
