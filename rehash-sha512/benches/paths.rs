//! One SHA-512 block on every path this CPU has, beside `sha2`'s own
//! `compress512`: the whole compression, and the rounds alone on a schedule
//! expanded in advance (what SHA-crypt runs for its constant blocks).
//!
//! `cargo bench -p rehash-sha512 --bench paths`

use criterion::{criterion_group, criterion_main, Criterion};
use rehash_sha512::{Backend, Engine, Schedule, IV};
use std::hint::black_box;

fn paths(c: &mut Criterion) {
    let block = [0x5au8; 128];
    let schedule = Schedule::new(&block);
    let mut g = c.benchmark_group("sha512_block");
    g.bench_function("sha2_compress512", |b| {
        let mut state = IV;
        b.iter(|| {
            sha2::block_api::compress512(&mut state, &[black_box(block)]);
            black_box(state[0])
        })
    });
    for backend in Backend::available() {
        let engine = Engine::new(backend);
        g.bench_function(format!("compress/{}", backend.name()), |b| {
            let mut state = IV;
            b.iter(|| {
                engine.compress(&mut state, &[black_box(block)]);
                black_box(state[0])
            })
        });
        g.bench_function(format!("rounds/{}", backend.name()), |b| {
            let mut state = IV;
            b.iter(|| {
                engine.rounds(&mut state, black_box(&schedule));
                black_box(state[0])
            })
        });
    }
    g.finish();
}

criterion_group!(benches, paths);
criterion_main!(benches);
