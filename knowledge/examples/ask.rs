//! Answers questions from the command line (a developer's tool: `cargo run -p kmsbot-knowledge --example ask -- "question"`), printing the intent, confidence and build time.

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
    let q = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    let u = kb.understand(&q);
    eprintln!(
        "intent {:?} ({:.2}), alternative {:?}",
        u.intent, u.confidence, u.alternative
    );
    let a = kb.answer(&q, None);
    println!("{}", a.text);
}
