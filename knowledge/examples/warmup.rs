//! Compiles every pattern of the knowledge base once and prints how long it took (a developer's tool: run it under `perf stat -e instructions:u` or callgrind to count the warm-up's work).

use std::time::Instant;

fn main() {
    let t = Instant::now();
    knowledge::warm_up();
    eprintln!("every pattern compiled in {:?}", t.elapsed());
}
