//! Differential: rehash's Argon2 core on every compression path this CPU has
//! (and on 1–3 threads) against the RustCrypto `argon2` crate, for arbitrary
//! small parameters and inputs; and the block compression of each path
//! against the portable one on arbitrary blocks.
//!
//! Layout: [alg, version, p, m_extra, t, threads, out_len, pw_len, salt_len,
//! secret_len, ad_len] then the bytes of the password, salt, secret and
//! associated data (cycled from the rest of the input when it runs short).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rehash_argon2::{compress_with, hash_into, Algorithm, Backend, Block, Inputs, Options, Params, Version};

fuzz_target!(|data: &[u8]| {
    let Some((head, rest)) = data.split_first_chunk::<11>() else { return };
    let alg = [Algorithm::Argon2d, Algorithm::Argon2i, Algorithm::Argon2id][usize::from(head[0] % 3)];
    let version = if head[1] % 2 == 0 { Version::V0x13 } else { Version::V0x10 };
    let p = u32::from(head[2] % 4) + 1;
    let m_kib = 8 * p + u32::from(head[3] % 64);
    let t = u32::from(head[4] % 3) + 1;
    let threads = usize::from(head[5] % 3) + 1;
    let out_len = usize::from(head[6] % 61) + 4;
    let lens = [
        usize::from(head[7] % 64),
        usize::from(head[8] % 57) + 8,
        usize::from(head[9] % 33),
        usize::from(head[10] % 33),
    ];
    let pool: Vec<u8> = if rest.is_empty() { vec![0x5a] } else { rest.to_vec() };
    let mut cursor = pool.iter().copied().cycle();
    let mut take = |n: usize| -> Vec<u8> { cursor.by_ref().take(n).collect() };
    let (password, salt, secret, ad) = (take(lens[0]), take(lens[1]), take(lens[2]), take(lens[3]));

    // The reference.
    let crate_alg = match alg {
        Algorithm::Argon2d => argon2::Algorithm::Argon2d,
        Algorithm::Argon2i => argon2::Algorithm::Argon2i,
        Algorithm::Argon2id => argon2::Algorithm::Argon2id,
    };
    let crate_version =
        if version == Version::V0x13 { argon2::Version::V0x13 } else { argon2::Version::V0x10 };
    let mut b = argon2::ParamsBuilder::new();
    b.m_cost(m_kib).t_cost(t).p_cost(p).output_len(out_len);
    if !ad.is_empty() {
        b.data(argon2::AssociatedData::new(&ad).expect("ad ≤ 32"));
    }
    let params = b.build().expect("valid params");
    let ctx = if secret.is_empty() {
        argon2::Argon2::new(crate_alg, crate_version, params)
    } else {
        argon2::Argon2::new_with_secret(&secret, crate_alg, crate_version, params).expect("secret")
    };
    let mut want = vec![0u8; out_len];
    ctx.hash_password_into(&password, &salt, &mut want).expect("reference hash");

    let params = Params { m_kib, t, p };
    let inputs = Inputs { password: &password, salt: &salt, secret: &secret, ad: &ad };
    for backend in Backend::available() {
        let mut mem = vec![Block::ZERO; params.blocks()];
        let mut got = vec![0u8; out_len];
        hash_into(
            alg,
            version,
            params,
            &inputs,
            &mut mem,
            &mut got,
            Options { backend: Some(backend), threads },
        )
        .expect("our hash");
        assert_eq!(got, want, "{backend:?} differs from the argon2 crate");
    }

    // The compression alone on blocks made from the input.
    let words: Vec<u64> = pool
        .iter()
        .cycle()
        .take(3 * 128 * 8)
        .collect::<Vec<_>>()
        .chunks(8)
        .map(|c| u64::from_le_bytes(core::array::from_fn(|i| *c[i])))
        .collect();
    let block = |i: usize| Block::from_words(core::array::from_fn(|k| words[i * 128 + k]));
    let (x, y, n) = (block(0), block(1), block(2));
    for xor in [false, true] {
        let mut want = n;
        compress_with(Backend::Portable, &x, &y, &mut want, xor).expect("portable");
        for backend in Backend::available() {
            let mut got = n;
            compress_with(backend, &x, &y, &mut got, xor).expect("available");
            assert!(got == want, "{backend:?} compression differs (xor={xor})");
        }
    }
});
