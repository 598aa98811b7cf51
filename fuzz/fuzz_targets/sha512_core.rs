//! Differential: rehash-sha512 on every path this CPU has against the
//! RustCrypto `sha2` crate's `compress512`, for arbitrary states and 1–3
//! blocks: whole compression from bytes and from words, and the rounds on an
//! expanded schedule.
//!
//! Layout: 64 bytes of state (zero-padded when short), then the blocks
//! (the last one zero-padded; at most three).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rehash_sha512::{words, Backend, Engine, Schedule};

fuzz_target!(|data: &[u8]| {
    let (head, rest) = data.split_at(data.len().min(64));
    let mut state = [0u64; 8];
    let mut padded = [0u8; 64];
    padded[..head.len()].copy_from_slice(head);
    for (w, b) in state.iter_mut().zip(padded.chunks_exact(8)) {
        *w = u64::from_le_bytes(b.try_into().expect("8 bytes"));
    }
    let mut bytes = rest[..rest.len().min(384)].to_vec();
    bytes.resize(bytes.len().div_ceil(128).max(1) * 128, 0);
    let (blocks, _) = bytes.as_chunks::<128>();
    let block_words: Vec<[u64; 16]> = blocks.iter().map(words).collect();

    let mut want = state;
    sha2::block_api::compress512(&mut want, blocks);
    let mut one = state;
    sha2::block_api::compress512(&mut one, &blocks[..1]);
    let schedule = Schedule::new(&blocks[0]);
    for backend in Backend::available() {
        let engine = Engine::new(backend);
        let mut got = state;
        engine.compress(&mut got, blocks);
        assert_eq!(got, want, "{backend:?} compress");
        let mut got = state;
        engine.compress_words(&mut got, &block_words);
        assert_eq!(got, want, "{backend:?} compress_words");
        let mut got = state;
        engine.rounds(&mut got, &schedule);
        assert_eq!(got, one, "{backend:?} rounds");
    }
});
