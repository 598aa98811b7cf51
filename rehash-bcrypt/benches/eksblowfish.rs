//! One bcrypt checksum at cost 10: this core on each backend the CPU has,
//! beside the `bcrypt` crate.
//!
//! `cargo bench -p rehash-bcrypt --bench eksblowfish`

use criterion::{criterion_group, criterion_main, Criterion};
use rehash_bcrypt::{bcrypt_on, Backend, Variant};
use std::hint::black_box;

fn eksblowfish(c: &mut Criterion) {
    let salt = [0x5au8; 16];
    let mut g = c.benchmark_group("bcrypt_cost10");
    g.sample_size(20);
    for backend in Backend::available() {
        g.bench_function(format!("rehash_bcrypt/{backend:?}"), |b| {
            b.iter(|| bcrypt_on(backend, black_box(b"correct horse"), &salt, 10, Variant::B))
        });
    }
    g.bench_function("bcrypt_crate", |b| {
        b.iter(|| bcrypt::hash_with_salt(black_box(b"correct horse"), 10, salt).map(|h| h.to_string()))
    });
    g.finish();
}

criterion_group!(benches, eksblowfish);
criterion_main!(benches);
