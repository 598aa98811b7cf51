//! The x86-64 backend: the same rounds with F's third byte taken by BMI1's
//! `bextr` (one instruction where a shift and a mask are two). LLVM does not
//! pick `bextr` for `(x >> 16) as u8` unless tuned for a CPU where it is
//! fast, so the intrinsic says it. The only `unsafe` of the crate is here.
#![allow(unsafe_code)]

use core::arch::x86_64::_bextr_u32;

use crate::{eks, Byte2, Variant};

/// Proof that this CPU has BMI1: its one constructor, [`Bmi1::detect`],
/// checks at run time, so every use of the token is on such a CPU.
#[derive(Clone, Copy)]
pub(crate) struct Bmi1 {
    _detected: (),
}

impl Bmi1 {
    /// The token, when this CPU has BMI1 (the `std` macro caches the answer).
    pub(crate) fn detect() -> Option<Bmi1> {
        std::arch::is_x86_feature_detected!("bmi1").then_some(Bmi1 { _detected: () })
    }

    /// The whole bcrypt computation compiled with BMI1.
    pub(crate) fn bcrypt(self, password: &[u8], salt: &[u8; 16], cost: u32, variant: Variant) -> [u8; 24] {
        // SAFETY: `self` exists, so BMI1 was detected on this CPU, the one
        // target feature `eks_bmi1` is compiled with.
        unsafe { eks_bmi1(self, password, salt, cost, variant) }
    }
}

impl Byte2 for Bmi1 {
    #[inline(always)]
    fn byte2(self, x: u32) -> u8 {
        // SAFETY: `self` exists, so BMI1 was detected on this CPU (see
        // `Bmi1::detect`), the only feature `bextr` needs; it reads and
        // writes registers only. `bextr(x, 16, 8)` is 8 bits: the cast is exact.
        unsafe { _bextr_u32(x, 16, 8) as u8 }
    }
}

/// The rounds compiled with BMI1 enabled, so that `bextr` is inlined.
#[target_feature(enable = "bmi1")]
fn eks_bmi1(token: Bmi1, password: &[u8], salt: &[u8; 16], cost: u32, variant: Variant) -> [u8; 24] {
    eks(token, password, salt, cost, variant)
}
