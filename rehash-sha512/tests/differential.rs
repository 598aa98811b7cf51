//! Every compression path this CPU has against the RustCrypto `sha2` crate
//! (the paths are called explicitly, so one run covers all of them), plus
//! FIPS 180-4's examples through whole digests.

use proptest::prelude::*;
use rehash_sha512::{Backend, Engine, Schedule, IV};

/// SHA-512 of `msg` (padded here) through `engine`.
fn digest(engine: Engine, msg: &[u8]) -> [u8; 64] {
    let mut padded = msg.to_vec();
    padded.push(0x80);
    while padded.len() % 128 != 112 {
        padded.push(0);
    }
    padded.extend_from_slice(&((msg.len() as u128) * 8).to_be_bytes());
    let (blocks, rest) = padded.as_chunks::<128>();
    assert!(rest.is_empty());
    let mut state = IV;
    engine.compress(&mut state, blocks);
    let mut out = [0u8; 64];
    for (o, w) in out.chunks_exact_mut(8).zip(state) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn fips_180_examples_on_every_path() {
    let cases: [(&[u8], &str); 3] = [
        (b"abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
        (b"", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"),
        (b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"),
    ];
    for backend in Backend::available() {
        for (msg, want) in cases {
            assert_eq!(hex(&digest(Engine::new(backend), msg)), want, "{backend:?}");
        }
    }
}

#[test]
fn the_selected_path_is_the_best_unless_asked_otherwise() {
    let best = *Backend::available().last().unwrap();
    assert_eq!(Engine::choose(None).backend(), best);
    assert_eq!(Engine::choose(Some("auto")).backend(), best);
    assert_eq!(Engine::choose(Some("portable")).backend(), Backend::Portable);
    assert_eq!(Engine::choose(Some("avx2")).backend(), best);
    assert_eq!(Engine::new(Backend::Portable).backend(), Backend::Portable);
    #[cfg(target_arch = "x86_64")]
    assert_eq!(
        Backend::Avx2.is_available(),
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("bmi2")
    );
    assert_eq!(format!("{:?}", Schedule::new(&[7; 128])), "Schedule(<redacted>)");
}

fn edge_word() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0u64), Just(u64::MAX), Just(1u64 << 63), Just(1u64), any::<u64>()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whole-block compression of 1–3 blocks from random states: every path
    /// equals `sha2::block_api::compress512`.
    #[test]
    fn compress_matches_sha2(
        state in proptest::array::uniform8(edge_word()),
        data in proptest::collection::vec(any::<u8>(), 128..=384),
        fill in prop_oneof![Just(None), Just(Some(0u8)), Just(Some(0xffu8))],
    ) {
        let mut data = data;
        if let Some(b) = fill {
            data.iter_mut().for_each(|x| *x = b);
        }
        let (blocks, _) = data.as_chunks::<128>();
        let mut want = state;
        sha2::block_api::compress512(&mut want, blocks);
        let words: Vec<[u64; 16]> = blocks.iter().map(rehash_sha512::words).collect();
        for backend in Backend::available() {
            let mut got = state;
            Engine::new(backend).compress(&mut got, blocks);
            prop_assert_eq!(got, want, "{:?}", backend);
            let mut got = state;
            Engine::new(backend).compress_words(&mut got, &words);
            prop_assert_eq!(got, want, "{:?} words", backend);
        }
    }

    /// The rounds on an expanded schedule equal the whole compression of
    /// that block, on every path.
    #[test]
    fn rounds_on_a_schedule_match_sha2(
        state in proptest::array::uniform8(edge_word()),
        block in proptest::collection::vec(any::<u8>(), 128),
    ) {
        let mut b = [0u8; 128];
        b.copy_from_slice(&block);
        let mut want = state;
        sha2::block_api::compress512(&mut want, &[b]);
        let schedule = Schedule::new(&b);
        for backend in Backend::available() {
            let mut got = state;
            Engine::new(backend).rounds(&mut got, &schedule);
            prop_assert_eq!(got, want, "{:?}", backend);
        }
    }
}
