//! Times the parts of building the knowledge base (a developer's tool).

use std::time::Instant;

fn main() {
    let t = Instant::now();
    let n = knowledge::nlu::Nlu::build().map(|n| n.vocabulary_size());
    eprintln!("nlu {:?} in {:?}", n, t.elapsed());
    let t = Instant::now();
    let ok = knowledge::KnowledgeBase::builtin().is_ok();
    eprintln!("whole kb {ok} in {:?}", t.elapsed());
}
