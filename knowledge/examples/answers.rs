//! Answers every line of standard input in turn and prints a digest of the answers (a developer's tool: under callgrind it counts what answering costs, and an equal digest shows a change kept every answer the same).

use std::hash::{Hash, Hasher};
use std::io::BufRead;

fn main() {
    let kb = match knowledge::KnowledgeBase::builtin() {
        Ok(kb) => kb,
        Err(e) => {
            eprintln!("knowledge base: {e}");
            std::process::exit(1);
        }
    };
    let settings = knowledge::AnswerSettings::default();
    let mut digest = std::collections::hash_map::DefaultHasher::new();
    let mut n = 0usize;
    for line in std::io::stdin().lock().lines() {
        let Ok(q) = line else { break };
        let a = kb.answer_with(&q, None, &settings);
        a.text.hash(&mut digest);
        a.abstained.hash(&mut digest);
        n += 1;
    }
    println!("{n} answers, digest {:016x}", digest.finish());
}
