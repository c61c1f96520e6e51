//! Criterion benchmark of answer latency on the built-in KB, plus index build time and a p99 over a question mix.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use knowledge::KnowledgeBase;

const QUESTIONS: &[&str] = &[
    "srv 2019 dc",
    "0xC004F074",
    "what port does kms use",
    "how do I activate my windows instance with kms",
    "firewal rule for kms on both sides?",
    "how do I activate windows by phone",
    "server 2019 key",
    "what's the weather like in Paris tomorrow?",
    "how many machines do I need before kms works",
    "what does slmgr /dlv do",
    "convert a 2008 R2 instance into a KMS host",
    "how do I request outbound internet for my windows vm",
];

/// Prints p50/p99 of single answers over many rounds of the question mix.
fn percentiles(kb: &KnowledgeBase) {
    let mut samples = Vec::new();
    for _ in 0..200 {
        for q in QUESTIONS {
            let t = Instant::now();
            black_box(kb.answer(black_box(q), None));
            samples.push(t.elapsed());
        }
    }
    samples.sort();
    let p = |f: f64| samples[((samples.len() as f64 - 1.0) * f) as usize];
    println!(
        "answer latency over {} answers: p50 {:?}, p99 {:?}, max {:?}",
        samples.len(),
        p(0.50),
        p(0.99),
        p(1.0)
    );
    let mut builds = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        black_box(KnowledgeBase::builtin().expect("builtin"));
        builds.push(t.elapsed());
    }
    builds.sort();
    println!(
        "index build over 20 builds: median {:?}, max {:?}",
        builds[10], builds[19]
    );
}

fn bench(c: &mut Criterion) {
    let kb = KnowledgeBase::builtin().expect("builtin KB");
    percentiles(&kb);
    c.bench_function("answer/mix", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % QUESTIONS.len();
            black_box(kb.answer(black_box(QUESTIONS[i]), None))
        })
    });
    c.bench_function("answer/gvlk", |b| {
        b.iter(|| black_box(kb.answer(black_box("srv 2019 dc"), None)))
    });
    c.bench_function("answer/retrieval", |b| {
        b.iter(|| {
            black_box(kb.answer(
                black_box("how do I activate my windows instance with kms"),
                None,
            ))
        })
    });
    c.bench_function("build/builtin", |b| {
        b.iter(|| black_box(KnowledgeBase::builtin().expect("builtin")))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    targets = bench
}
criterion_main!(benches);
