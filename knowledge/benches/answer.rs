//! Criterion benchmark of answer latency on the built-in KB, plus index build time and a p99 over a question mix.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use knowledge::KnowledgeBase;

/// The question mix (one per line), shared with the console bench of the `kmsbot` crate.
const QUESTIONS: &str = include_str!("questions.txt");

/// Prints p50/p99 of single answers over many rounds of the question mix.
fn percentiles(kb: &KnowledgeBase) {
    let mut samples = Vec::new();
    for _ in 0..200 {
        for q in QUESTIONS.lines() {
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
    let questions: Vec<&str> = QUESTIONS.lines().collect();
    c.bench_function("answer/mix", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % questions.len();
            black_box(kb.answer(black_box(questions[i]), None))
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
