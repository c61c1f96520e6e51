//! Times the parts of building the knowledge base and of understanding one sentence (a developer's tool).

use std::time::Instant;

fn main() {
    let t = Instant::now();
    std::hint::black_box(knowledge::nlu::slots::extract(
        "warm up 10.0.0.1 server 2019 not ltsc",
    ));
    eprintln!("first slots (regex compilation) in {:?}", t.elapsed());
    let t = Instant::now();
    let n = knowledge::nlu::Nlu::build().map(|n| n.vocabulary_size());
    eprintln!("nlu {:?} in {:?}", n, t.elapsed());
    let t = Instant::now();
    let ok = knowledge::KnowledgeBase::builtin().is_ok();
    eprintln!("whole kb {ok} in {:?}", t.elapsed());
    let s =
        "we only have 3 windows servers in the office, will kms work for server 2019 datacenter?";
    let t = Instant::now();
    for _ in 0..1000 {
        std::hint::black_box(knowledge::nlu::slots::extract(std::hint::black_box(s)));
    }
    eprintln!("slots: {:?} each", t.elapsed() / 1000);
    let t = Instant::now();
    for _ in 0..1000 {
        std::hint::black_box(knowledge::nlu::classifier::utterance(
            std::hint::black_box(s),
            &[],
        ));
    }
    eprintln!("features: {:?} each", t.elapsed() / 1000);
}
