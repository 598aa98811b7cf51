//! bcrypt's EksBlowfish (Provos and Mazières, 1999) for rehash: the
//! checksum of a bcrypt hash from the password, the 16-byte salt and the
//! cost, with the key-setup quirks of the `$2a$`, `$2b$`/`$2y$` and `$2x$`
//! variants as crypt_blowfish (libxcrypt, PHP, Openwall) implements them.
//!
//! Why not the `bcrypt` crate's core: its Blowfish (the `blowfish` crate)
//! re-reads the key and salt bytes through a cycling byte cursor on every
//! expansion and goes through a generic cipher state; a verify of cost 10
//! took 1.17 × libxcrypt's time on the machine BENCHMARKS.md names. Here the
//! key and salt are turned into words once, the 2^cost loop XORs them into
//! the P-array directly, and each expansion is one tight chain of
//! encryptions writing P and then the S-boxes in order (crypt_blowfish's
//! `BF_body`). The Blowfish round keeps the round key XOR off the critical
//! path: the chain from one half to the other is the four S-box loads, two
//! adds, one XOR and the XOR into the other half.
//!
//! The password bytes are the key as bcrypt uses it: the first 72 bytes of
//! the password followed by a NUL, cycled to fill 18 words. All state (the
//! expanded key, the S-boxes and P-array) is wiped before return.
//!
//! ```
//! use rehash_bcrypt::{bcrypt, Variant};
//!
//! // `$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW`, "U*U"
//! // (crypt_blowfish's own test vector): salt and checksum decoded.
//! let salt = [0x10, 0x41, 0x04, 0x10, 0x41, 0x04, 0x10, 0x41, 0x04, 0x10, 0x41, 0x04, 0x10, 0x41, 0x04, 0x10];
//! let sum = bcrypt(b"U*U", &salt, 5, Variant::B);
//! // "E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", decoded.
//! let expected = [
//!     0x1b, 0xb6, 0x91, 0x43, 0xf9, 0xa8, 0xd3, 0x04, 0xc8, 0xd2, 0x3d, 0x99,
//!     0xab, 0x04, 0x9a, 0x77, 0xa6, 0x8e, 0x2c, 0xcc, 0x74, 0x42, 0x06,
//! ];
//! assert_eq!(sum[..23], expected);
//! ```
#![deny(unsafe_code)]
#![deny(missing_docs)]

mod consts;
#[cfg(target_arch = "x86_64")]
mod x86;

use zeroize::Zeroize;

/// How the key bytes become Blowfish key words (crypt_blowfish's flags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// `$2b$` and `$2y$`: bytes read as unsigned, the correct algorithm.
    B,
    /// `$2a$` as crypt_blowfish 1.1+ computes it: the correct reading, and
    /// its safety measure for the rare keys on which the `$2x$` bug would
    /// have given the same words (bit 16 of the first initial subkey is
    /// flipped for them, so their `$2a$` hash is neither `$2b$` nor `$2x$`).
    A,
    /// `$2x$`: crypt_blowfish before 1.1 read key bytes as signed `char`,
    /// so a byte ≥ 0x80 sign-extended over the bytes before it in its word.
    X,
}

/// The number of Blowfish key words: 18 × 4 = 72 key bytes.
const KEY_WORDS: usize = 18;

/// Blowfish state: the P-array and the four S-boxes.
struct State {
    p: [u32; 18],
    s: [[u32; 256]; 4],
}

impl Drop for State {
    fn drop(&mut self) {
        self.p.zeroize();
        for s in &mut self.s {
            s.zeroize();
        }
    }
}

/// How F takes bits 16–23 of its input: the byte whose extraction is two
/// instructions (shift, then mask) on x86 where the others take one, on the
/// longest path of the round.
trait Byte2: Copy {
    /// Bits 16–23 of `x`.
    fn byte2(self, x: u32) -> u8;
}

/// Shift and truncate: every CPU.
#[derive(Clone, Copy)]
struct Portable;

impl Byte2 for Portable {
    #[inline(always)]
    fn byte2(self, x: u32) -> u8 {
        (x >> 16) as u8
    }
}

/// Blowfish's round function F.
#[inline(always)]
fn f<B: Byte2>(e: B, s: &[[u32; 256]; 4], x: u32) -> u32 {
    // Shifts, not `to_be_bytes` (which costs a byte swap on the chain).
    let (a, b, c, d) = ((x >> 24) as u8, e.byte2(x), (x >> 8) as u8, x as u8);
    (s[0][usize::from(a)].wrapping_add(s[1][usize::from(b)]) ^ s[2][usize::from(c)])
        .wrapping_add(s[3][usize::from(d)])
}

/// One Blowfish block encryption of `(l, r)` under `p`/`s`, 16 rounds.
#[inline(always)]
fn encrypt<B: Byte2>(e: B, p: &[u32; 18], s: &[[u32; 256]; 4], mut l: u32, mut r: u32) -> (u32, u32) {
    l ^= p[0];
    // Each step XORs the round key into the waiting half first (it is ready
    // long before F of the other half is), so the dependency chain from one
    // half to the next is F and one XOR.
    macro_rules! two_rounds {
        ($i:expr) => {
            r = core::hint::black_box(r ^ p[$i]) ^ f(e, s, l);
            l = core::hint::black_box(l ^ p[$i + 1]) ^ f(e, s, r);
        };
    }
    two_rounds!(1);
    two_rounds!(3);
    two_rounds!(5);
    two_rounds!(7);
    two_rounds!(9);
    two_rounds!(11);
    two_rounds!(13);
    two_rounds!(15);
    (r ^ p[17], l)
}

impl State {
    /// The initial state (π) with `key` XORed into the P-array.
    fn new(initial_p: &[u32; 18]) -> Self {
        State { p: *initial_p, s: consts::S }
    }

    /// crypt_blowfish's `BF_body` with a salt: encrypt the running block,
    /// XORed with the salt words in turn (salt[0..2], then salt[2..4], …),
    /// writing P and then every S-box entry in order.
    #[inline(always)]
    fn expand_salted<B: Byte2>(&mut self, e: B, salt: &[u32; 4]) {
        let (mut l, mut r) = (0u32, 0u32);
        for i in (0..18).step_by(2) {
            l ^= salt[i & 2];
            r ^= salt[(i & 2) + 1];
            (l, r) = encrypt(e, &self.p, &self.s, l, r);
            self.p[i] = l;
            self.p[i + 1] = r;
        }
        // 18 words of P used salt pairs 0,1,0,…,0 (i & 2 over i = 0..16);
        // the S-boxes continue the alternation, starting with pair 1.
        for k in 0..4 {
            for j in (0..256).step_by(4) {
                l ^= salt[2];
                r ^= salt[3];
                (l, r) = encrypt(e, &self.p, &self.s, l, r);
                self.s[k][j] = l;
                self.s[k][j + 1] = r;
                l ^= salt[0];
                r ^= salt[1];
                (l, r) = encrypt(e, &self.p, &self.s, l, r);
                self.s[k][j + 2] = l;
                self.s[k][j + 3] = r;
            }
        }
    }

    /// `BF_body` without a salt: the chain of encryptions from (0, 0)
    /// rewriting P and the S-boxes — an ExpandKey(state, 0, key) once the
    /// key is XORed into P.
    #[inline(always)]
    fn expand<B: Byte2>(&mut self, e: B) {
        let (mut l, mut r) = (0u32, 0u32);
        for i in (0..18).step_by(2) {
            (l, r) = encrypt(e, &self.p, &self.s, l, r);
            self.p[i] = l;
            self.p[i + 1] = r;
        }
        for k in 0..4 {
            for j in (0..256).step_by(2) {
                (l, r) = encrypt(e, &self.p, &self.s, l, r);
                self.s[k][j] = l;
                self.s[k][j + 1] = r;
            }
        }
    }
}

/// The key words of `password` under `variant` (crypt_blowfish's
/// `BF_set_key`): `(expanded, initial)`, where `expanded` is what each cost
/// round XORs into P and `initial` the P-array the first expansion starts
/// from (π's P XOR the key, with the `$2a$` safety flip applied).
fn set_key(password: &[u8], variant: Variant) -> ([u32; KEY_WORDS], [u32; KEY_WORDS]) {
    // The first 72 bytes and a NUL, cycled (when the password has 72 or more
    // bytes, the NUL never comes).
    let len = password.len().min(72);
    let byte = |pos: usize| -> u8 {
        let i = pos % (len + usize::from(len < 72));
        if i < len {
            password[i]
        } else {
            0
        }
    };
    let (mut expanded, mut initial) = ([0u32; KEY_WORDS], [0u32; KEY_WORDS]);
    let (mut sign, mut diff) = (0u32, 0u32);
    for (i, (e, init)) in expanded.iter_mut().zip(initial.iter_mut()).enumerate() {
        let (mut correct, mut buggy) = (0u32, 0u32);
        for j in 0..4 {
            let c = byte(4 * i + j);
            correct = (correct << 8) | u32::from(c);
            // A `char` ≥ 0x80 read as signed fills the word's upper bits.
            buggy = (buggy << 8) | (i32::from(c as i8) as u32);
            if j > 0 {
                sign |= buggy & 0x80;
            }
        }
        diff |= correct ^ buggy;
        *e = if variant == Variant::X { buggy } else { correct };
        *init = consts::P[i] ^ *e;
    }
    // Bit 16 of `diff` is set iff the two readings differed anywhere.
    diff |= diff >> 16;
    diff &= 0xffff;
    diff += 0xffff;
    if variant == Variant::A {
        initial[0] ^= (sign << 9) & !diff & 0x10000;
    }
    (expanded, initial)
}

/// The 24 bytes bcrypt encrypts ("OrpheanBeholderScryDoubt") of `password`
/// (its first 72 bytes), `salt` and `2^cost` rounds; a bcrypt string holds
/// the first 23. `cost` must be at most 31 (the caller checks its own
/// ceiling first; larger values are clamped to 31 rather than overflow).
///
/// Runs on the fastest [`Backend`] this CPU has.
#[must_use]
pub fn bcrypt(password: &[u8], salt: &[u8; 16], cost: u32, variant: Variant) -> [u8; 24] {
    bcrypt_on(Backend::selected(), password, salt, cost, variant)
}

/// A way of running the rounds; every backend gives the same bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Safe Rust that runs everywhere.
    Portable,
    /// x86-64 with BMI1: F's third byte in one `bextr`, one instruction off
    /// the round's dependency chain (~10% of a verify on Zen 3).
    Bmi1,
}

impl Backend {
    /// The fastest backend this CPU has (detected once; the `std` macro
    /// caches the CPU's answer).
    #[must_use]
    pub fn selected() -> Backend {
        if Backend::Bmi1.is_available() {
            Backend::Bmi1
        } else {
            Backend::Portable
        }
    }

    /// Whether this CPU can run the backend.
    #[must_use]
    pub fn is_available(self) -> bool {
        match self {
            Backend::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Backend::Bmi1 => x86::Bmi1::detect().is_some(),
            #[cfg(not(target_arch = "x86_64"))]
            Backend::Bmi1 => false,
        }
    }

    /// The backends this CPU can run.
    #[must_use]
    pub fn available() -> Vec<Backend> {
        [Backend::Portable, Backend::Bmi1].into_iter().filter(|b| b.is_available()).collect()
    }
}

/// [`bcrypt`] on `backend`; a backend the CPU lacks runs as
/// [`Backend::Portable`] (never an illegal instruction).
#[must_use]
pub fn bcrypt_on(
    backend: Backend,
    password: &[u8],
    salt: &[u8; 16],
    cost: u32,
    variant: Variant,
) -> [u8; 24] {
    #[cfg(target_arch = "x86_64")]
    if backend == Backend::Bmi1 {
        if let Some(bmi1) = x86::Bmi1::detect() {
            return bmi1.bcrypt(password, salt, cost, variant);
        }
    }
    let _ = backend;
    eks(Portable, password, salt, cost, variant)
}

/// The whole computation, F's byte extraction chosen by `B`.
#[inline(always)]
fn eks<B: Byte2>(e: B, password: &[u8], salt: &[u8; 16], cost: u32, variant: Variant) -> [u8; 24] {
    let salt_words: [u32; 4] = core::array::from_fn(|i| {
        u32::from_be_bytes([salt[4 * i], salt[4 * i + 1], salt[4 * i + 2], salt[4 * i + 3]])
    });
    let (mut expanded, mut initial) = set_key(password, variant);
    let mut st = State::new(&initial);
    st.expand_salted(e, &salt_words);
    for _ in 0..1u64 << cost.min(31) {
        for (p, k) in st.p.iter_mut().zip(expanded.iter()) {
            *p ^= k;
        }
        st.expand(e);
        for (i, p) in st.p.iter_mut().enumerate() {
            *p ^= salt_words[i & 3];
        }
        st.expand(e);
    }
    expanded.zeroize();
    initial.zeroize();
    let mut words = [0x4f72_7068, 0x6561_6e42, 0x6568_6f6c, 0x6465_7253, 0x6372_7944, 0x6f75_6274];
    for pair in words.chunks_exact_mut(2) {
        let (mut l, mut r) = (pair[0], pair[1]);
        for _ in 0..64 {
            (l, r) = encrypt(e, &st.p, &st.s, l, r);
        }
        pair[0] = l;
        pair[1] = r;
    }
    let mut out = [0u8; 24];
    for (chunk, w) in out.chunks_exact_mut(4).zip(words.iter()) {
        chunk.copy_from_slice(&w.to_be_bytes());
    }
    words.zeroize();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// crypt_blowfish's `$2a$` safety flip happens only for keys whose
    /// sign-extended reading equals the correct one although a high byte
    /// stands inside a word.
    #[test]
    fn safety_flip_only_where_the_readings_agree() {
        let (_, plain) = set_key(b"abc", Variant::A);
        assert_eq!(plain, set_key(b"abc", Variant::B).1);
        // 0xFF 0xFF 0xA3: sign extension of 0xA3 fills 0xFF bytes only.
        let (_, flipped) = set_key(&[0xff, 0xff, 0xa3], Variant::A);
        let (_, correct) = set_key(&[0xff, 0xff, 0xa3], Variant::B);
        assert_eq!(flipped[0] ^ correct[0], 0x10000);
        assert_eq!(flipped[1..], correct[1..]);
        // 0xA3 after ASCII: the readings differ, no flip (but $2x$ differs).
        assert_eq!(set_key(&[b'a', 0xa3], Variant::A).1, set_key(&[b'a', 0xa3], Variant::B).1);
        assert_ne!(set_key(&[b'a', 0xa3], Variant::X).1, set_key(&[b'a', 0xa3], Variant::B).1);
    }

    #[test]
    fn key_cycles_with_a_nul_after_the_first_72_bytes() {
        let long = [b'x'; 100];
        assert_eq!(set_key(&long, Variant::B).0, set_key(&long[..72], Variant::B).0);
        assert_ne!(set_key(&long[..71], Variant::B).0, set_key(&long[..72], Variant::B).0);
        // "ab" → a b NUL a | b NUL a b | …
        assert_eq!(set_key(b"ab", Variant::B).0[..2], [0x6162_0061, 0x6200_6162]);
    }
}
