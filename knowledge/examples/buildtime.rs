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
    eprintln!(
        "nlu read (trained by build.rs) {:?} in {:?}",
        n,
        t.elapsed()
    );
    let t = Instant::now();
    let n = knowledge::nlu::Nlu::train().map(|n| n.vocabulary_size());
    eprintln!(
        "nlu training (what build.rs does) {:?} in {:?}",
        n,
        t.elapsed()
    );
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
    let Ok(kb) = knowledge::KnowledgeBase::builtin() else {
        return;
    };
    for q in [
        "srv 2019 dc",
        "0xC004F074",
        "what port does kms use",
        "how do I activate my windows instance with kms",
        "firewal rule for kms on both sides?",
        "how do I activate windows by phone",
        "what's the weather like in Paris tomorrow?",
        "how many machines do I need before kms works",
        "convert a 2008 R2 instance into a KMS host",
        "our kms is 10.20.0.5, what exactly do I type on a new server 2022 standard vm?",
        "kms host kms01.corp.local listens on 1700, commands for the client pls",
    ] {
        let mut v: Vec<std::time::Duration> = (0..200)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(kb.answer(q, None));
                t.elapsed()
            })
            .collect();
        v.sort();
        eprintln!("{:>9.1?} {q}", v[100]);
    }
}
