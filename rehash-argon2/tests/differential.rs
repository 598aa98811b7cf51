//! rehash-argon2 against the RFC 9106 vectors and, differentially, against
//! the RustCrypto `argon2` crate — on every compression path this CPU has
//! (the paths are called explicitly, so one run covers all of them).

use proptest::prelude::*;
use rehash_argon2::{
    compress_with, hash_into, Algorithm, Backend, Block, Error, Inputs, Options, Params, Version,
};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn ours(
    backend: Backend,
    threads: usize,
    alg: Algorithm,
    version: Version,
    params: Params,
    inputs: &Inputs<'_>,
    out_len: usize,
) -> Result<Vec<u8>, Error> {
    let mut mem = vec![Block::ZERO; params.blocks()];
    let mut out = vec![0u8; out_len];
    hash_into(alg, version, params, inputs, &mut mem, &mut out, Options { backend: Some(backend), threads })?;
    Ok(out)
}

fn theirs(alg: Algorithm, version: Version, params: Params, inputs: &Inputs<'_>, out_len: usize) -> Vec<u8> {
    let alg = match alg {
        Algorithm::Argon2d => argon2::Algorithm::Argon2d,
        Algorithm::Argon2i => argon2::Algorithm::Argon2i,
        Algorithm::Argon2id => argon2::Algorithm::Argon2id,
    };
    let version = match version {
        Version::V0x10 => argon2::Version::V0x10,
        Version::V0x13 => argon2::Version::V0x13,
    };
    let mut b = argon2::ParamsBuilder::new();
    b.m_cost(params.m_kib).t_cost(params.t).p_cost(params.p).output_len(out_len);
    if !inputs.ad.is_empty() {
        b.data(argon2::AssociatedData::new(inputs.ad).unwrap());
    }
    let p = b.build().unwrap();
    let ctx = if inputs.secret.is_empty() {
        argon2::Argon2::new(alg, version, p)
    } else {
        argon2::Argon2::new_with_secret(inputs.secret, alg, version, p).unwrap()
    };
    let mut out = vec![0u8; out_len];
    ctx.hash_password_into(inputs.password, inputs.salt, &mut out).unwrap();
    out
}

/// RFC 9106 §5 (version 0x13) and the reference implementation's KATs for
/// version 0x10: m=32, t=3, p=4, P=0x01×32, S=0x02×16, K=0x03×8, X=0x04×12.
#[test]
fn rfc9106_vectors_on_every_path() {
    let cases = [
        (
            Algorithm::Argon2d,
            Version::V0x13,
            "512b391b6f1162975371d30919734294f868e3be3984f3c1a13a4db9fabe4acb",
        ),
        (
            Algorithm::Argon2i,
            Version::V0x13,
            "c814d9d1dc7f37aa13f0d77f2494bda1c8de6b016dd388d29952a4c4672b6ce8",
        ),
        (
            Algorithm::Argon2id,
            Version::V0x13,
            "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659",
        ),
        (
            Algorithm::Argon2d,
            Version::V0x10,
            "96a9d4e5a1734092c85e29f410a45914a5dd1f5cbf08b2670da68a0285abf32b",
        ),
        (
            Algorithm::Argon2i,
            Version::V0x10,
            "87aeedd6517ab830cd9765cd8231abb2e647a5dee08f7c05e02fcb763335d0fd",
        ),
        (
            Algorithm::Argon2id,
            Version::V0x10,
            "b64615f07789b66b645b67ee9ed3b377ae350b6bfcbb0fc95141ea8f322613c0",
        ),
    ];
    let inputs = Inputs { password: &[1; 32], salt: &[2; 16], secret: &[3; 8], ad: &[4; 12] };
    let params = Params { m_kib: 32, t: 3, p: 4 };
    let available = Backend::available();
    eprintln!("argon2 paths on this CPU: {available:?}");
    for backend in available {
        for threads in [1, 2, 4] {
            for (alg, version, tag) in cases {
                let got = ours(backend, threads, alg, version, params, &inputs, 32).unwrap();
                assert_eq!(got, hex(tag), "{alg:?} {version:?} on {backend:?} with {threads} threads");
            }
        }
    }
}

#[test]
fn real_size_matches_the_argon2_crate_on_every_path() {
    // The OWASP minimum rehash defaults to: 19 MiB, so references cross the
    // whole arena and address blocks are regenerated many times.
    let inputs =
        Inputs { password: b"correct horse battery staple", salt: b"NaCl-NaCl-NaCl!!", secret: &[], ad: &[] };
    let params = Params { m_kib: 19456, t: 2, p: 1 };
    let want = theirs(Algorithm::Argon2id, Version::V0x13, params, &inputs, 32);
    for backend in Backend::available() {
        assert_eq!(ours(backend, 1, Algorithm::Argon2id, Version::V0x13, params, &inputs, 32).unwrap(), want);
    }
}

#[test]
fn compress_paths_agree_on_edge_blocks() {
    let patterns: [[u64; 128]; 4] = [
        [0; 128],
        [u64::MAX; 128],
        core::array::from_fn(|i| (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        core::array::from_fn(|i| if i % 2 == 0 { 0xffff_ffff } else { 0xffff_ffff_0000_0000 }),
    ];
    for x in &patterns {
        for y in &patterns {
            for xor in [false, true] {
                let (x, y) = (Block::from_words(*x), Block::from_words(*y));
                let mut want = Block::from_words([0x5555_aaaa_5555_aaaa; 128]);
                compress_with(Backend::Portable, &x, &y, &mut want, xor).unwrap();
                for backend in Backend::available() {
                    let mut got = Block::from_words([0x5555_aaaa_5555_aaaa; 128]);
                    compress_with(backend, &x, &y, &mut got, xor).unwrap();
                    assert!(got == want, "{backend:?} xor={xor}");
                }
            }
        }
    }
}

#[test]
fn refuses_bad_parameters_with_typed_errors() {
    let inputs = Inputs { password: b"pw", salt: b"saltsalt", secret: &[], ad: &[] };
    let mut mem = vec![Block::ZERO; 64];
    let mut out = [0u8; 32];
    let run = |params: Params, mem: &mut [Block], out: &mut [u8], inputs: &Inputs<'_>| {
        hash_into(Algorithm::Argon2id, Version::V0x13, params, inputs, mem, out, Options::default())
    };
    assert!(matches!(
        run(Params { m_kib: 64, t: 0, p: 1 }, &mut mem, &mut out, &inputs),
        Err(Error::Params(_))
    ));
    assert!(matches!(
        run(Params { m_kib: 64, t: 1, p: 0 }, &mut mem, &mut out, &inputs),
        Err(Error::Params(_))
    ));
    assert!(matches!(
        run(Params { m_kib: 15, t: 1, p: 2 }, &mut mem, &mut out, &inputs),
        Err(Error::Params(_))
    ));
    assert_eq!(
        run(Params { m_kib: 128, t: 1, p: 1 }, &mut mem, &mut out, &inputs),
        Err(Error::MemoryTooSmall)
    );
    assert!(matches!(
        run(Params { m_kib: 64, t: 1, p: 1 }, &mut mem, &mut out[..3], &inputs),
        Err(Error::Params(_))
    ));
    let short_salt = Inputs { salt: b"short", ..inputs };
    assert!(matches!(
        run(Params { m_kib: 64, t: 1, p: 1 }, &mut mem, &mut out, &short_salt),
        Err(Error::Params(_))
    ));
    assert!(run(Params { m_kib: 64, t: 1, p: 1 }, &mut mem, &mut out, &inputs).is_ok());
}

#[test]
fn backend_switch_never_picks_a_missing_path() {
    assert_eq!(Backend::choose(Some("portable")), Backend::Portable);
    for name in ["avx2", "avx512", "auto", "nonsense"] {
        let b = Backend::choose(Some(name));
        assert!(b.is_available(), "{name} -> {b:?}");
    }
    assert_eq!(Backend::choose(None), Backend::best());
    assert_eq!(Backend::choose(Some("avx2")) == Backend::Avx2, Backend::Avx2.is_available());
    assert_eq!(Backend::choose(Some("avx512")) == Backend::Avx512, Backend::Avx512.is_available());
    for b in Backend::ALL {
        if !b.is_available() {
            let mut next = Block::ZERO;
            assert_eq!(
                compress_with(b, &Block::ZERO, &Block::ZERO, &mut next, false),
                Err(Error::BackendUnavailable(b))
            );
        }
    }
}

fn alg() -> impl Strategy<Value = Algorithm> {
    prop_oneof![Just(Algorithm::Argon2d), Just(Algorithm::Argon2i), Just(Algorithm::Argon2id)]
}

fn version() -> impl Strategy<Value = Version> {
    prop_oneof![Just(Version::V0x10), Just(Version::V0x13)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Random parameters, passwords, salts, secrets and associated data: every
    /// path, with 1 and 3 threads, equals the argon2 crate.
    #[test]
    fn matches_the_argon2_crate(
        alg in alg(),
        version in version(),
        p in 1u32..5,
        extra_m in 0u32..160,
        t in 1u32..4,
        out_len in 4usize..80,
        password in proptest::collection::vec(any::<u8>(), 0..80),
        salt in proptest::collection::vec(any::<u8>(), 8..40),
        secret in proptest::collection::vec(any::<u8>(), 0..40),
        ad in proptest::collection::vec(any::<u8>(), 0..33), // the argon2 crate caps X at 32 bytes
    ) {
        let params = Params { m_kib: 8 * p + extra_m, t, p };
        let inputs = Inputs { password: &password, salt: &salt, secret: &secret, ad: &ad };
        let want = theirs(alg, version, params, &inputs, out_len);
        for backend in Backend::available() {
            for threads in [1, 3] {
                let got = ours(backend, threads, alg, version, params, &inputs, out_len).unwrap();
                prop_assert_eq!(&got, &want, "{:?} threads={}", backend, threads);
            }
        }
    }

    /// The compression alone, on random blocks, equals the portable path.
    #[test]
    fn compress_matches_portable(
        x in proptest::collection::vec(any::<u64>(), 128),
        y in proptest::collection::vec(any::<u64>(), 128),
        n in proptest::collection::vec(any::<u64>(), 128),
        xor in any::<bool>(),
    ) {
        let arr = |v: &[u64]| Block::from_words(v.try_into().unwrap());
        let (x, y) = (arr(&x), arr(&y));
        let mut want = arr(&n);
        compress_with(Backend::Portable, &x, &y, &mut want, xor).unwrap();
        for backend in Backend::available() {
            let mut got = arr(&n);
            compress_with(backend, &x, &y, &mut got, xor).unwrap();
            prop_assert!(got == want, "{:?}", backend);
        }
    }
}
