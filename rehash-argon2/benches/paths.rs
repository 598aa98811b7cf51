//! Argon2id m=19456 KiB, t=2, p=1 on every compression path this CPU has,
//! beside the RustCrypto `argon2` crate (same memory reuse), plus the block
//! compression alone.
//!
//! `cargo bench -p rehash-argon2 --bench paths`

use criterion::{criterion_group, criterion_main, Criterion};
use rehash_argon2::{compress_with, hash_into, Algorithm, Backend, Block, Inputs, Options, Params, Version};
use std::hint::black_box;

fn paths(c: &mut Criterion) {
    let params = Params { m_kib: 19456, t: 2, p: 1 };
    let inputs =
        Inputs { password: b"correct horse battery staple", salt: b"0123456789abcdef", secret: &[], ad: &[] };
    let mut memory = vec![Block::ZERO; params.blocks()];
    let mut g = c.benchmark_group("argon2id_m19456_t2_p1");
    g.sample_size(30);
    for backend in Backend::available() {
        let opts = Options { backend: Some(backend), threads: 1 };
        g.bench_function(backend.name(), |b| {
            b.iter(|| {
                let mut tag = [0u8; 32];
                hash_into(Algorithm::Argon2id, Version::V0x13, params, &inputs, &mut memory, &mut tag, opts)
                    .map(|()| black_box(tag))
            })
        });
    }
    let crate_params = argon2::Params::new(19456, 2, 1, Some(32)).ok();
    if let Some(cp) = crate_params {
        let ctx = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, cp);
        let mut blocks = vec![argon2::Block::default(); 19456];
        g.bench_function("argon2_crate", |b| {
            b.iter(|| {
                let mut tag = [0u8; 32];
                ctx.hash_password_into_with_memory(inputs.password, inputs.salt, &mut tag, &mut blocks)
                    .map(|()| black_box(tag))
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("compress");
    let (x, y) = (Block::from_words([7; 128]), Block::from_words([11; 128]));
    for backend in Backend::available() {
        let mut next = Block::ZERO;
        g.bench_function(backend.name(), |b| {
            b.iter(|| compress_with(backend, black_box(&x), black_box(&y), &mut next, true))
        });
    }
    g.finish();
}

criterion_group!(benches, paths);
criterion_main!(benches);
