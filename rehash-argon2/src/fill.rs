//! Memory filling (RFC 9106 §3.2–3.4): segments, reference-block indexing
//! and data-independent addresses, generic over the block compression.
//!
//! Safe code only. Lanes may be filled on several threads: for each slice the
//! memory is split into its 4·p segments; the lanes' current segments are
//! handed out as `&mut`, every other segment is shared `&`. Argon2 never
//! references another lane's current segment, and a reference that would is
//! reported as an error instead of being read.

use crate::block::Block;
use crate::{Algorithm, Error, Version};

/// A block compression G. Implementations: the portable one and the SIMD
/// paths, whose values prove that the CPU has the instructions they use.
pub(crate) trait Compress: Copy + Send + Sync {
    /// `next = G(prev, refb)`, or `next ^= G(prev, refb)` when `xor`.
    fn compress(&self, prev: &Block, refb: &Block, next: &mut Block, xor: bool);
}

/// The portable compression as a [`Compress`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Portable;

impl Compress for Portable {
    #[inline]
    fn compress(&self, prev: &Block, refb: &Block, next: &mut Block, xor: bool) {
        crate::portable::compress(prev, refb, next, xor);
    }
}

/// Words of an address block used per data-independent reference.
const ADDRESSES_IN_BLOCK: usize = 128;

/// The shape of one hash's memory.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Geometry {
    pub alg: Algorithm,
    pub version: Version,
    pub lanes: u32,
    pub lane_len: u32,
    pub seg_len: u32,
    pub passes: u32,
    /// m' = 4·p·⌊m / 4p⌋, the blocks in use.
    pub blocks: u32,
}

/// Fill `mem` (`g.blocks` blocks whose first two per lane are initialised),
/// on up to `threads` threads.
pub(crate) fn fill_memory<C: Compress>(
    c: C,
    g: &Geometry,
    mem: &mut [Block],
    threads: usize,
) -> Result<(), Error> {
    let seg_len = g.seg_len as usize;
    for pass in 0..g.passes {
        for slice in 0..4u32 {
            let mut current: Vec<(u32, &mut [Block])> = Vec::with_capacity(g.lanes as usize);
            let mut shared: Vec<Option<&[Block]>> = Vec::with_capacity(4 * g.lanes as usize);
            for (i, seg) in mem.chunks_exact_mut(seg_len).take(4 * g.lanes as usize).enumerate() {
                let (lane, s) = ((i / 4) as u32, (i % 4) as u32);
                if s == slice {
                    current.push((lane, seg));
                    shared.push(None);
                } else {
                    shared.push(Some(&*seg));
                }
            }
            let shared = &shared;
            let groups = threads.clamp(1, current.len().max(1));
            if groups == 1 {
                for (lane, seg) in current {
                    fill_segment(c, g, pass, slice, lane, seg, shared)?;
                }
            } else {
                let per = current.len().div_ceil(groups);
                let mut chunks: Vec<Vec<(u32, &mut [Block])>> = Vec::new();
                let mut it = current.into_iter().peekable();
                while it.peek().is_some() {
                    chunks.push(it.by_ref().take(per).collect());
                }
                let run = |chunk: Vec<(u32, &mut [Block])>| -> Result<(), Error> {
                    for (lane, seg) in chunk {
                        fill_segment(c, g, pass, slice, lane, seg, shared)?;
                    }
                    Ok(())
                };
                std::thread::scope(|sc| -> Result<(), Error> {
                    let mut chunks = chunks.into_iter();
                    let mine = chunks.next();
                    let mut handles = Vec::new();
                    let mut result = Ok(());
                    for ch in chunks {
                        // A thread the OS refuses is an error, not a panic.
                        let shared_run = &run;
                        match std::thread::Builder::new().spawn_scoped(sc, move || shared_run(ch)) {
                            Ok(h) => handles.push(h),
                            Err(_) => result = Err(Error::Internal("could not start a lane thread")),
                        }
                    }
                    let first = mine.map_or(Ok(()), &run);
                    for h in handles {
                        let r = h.join().unwrap_or(Err(Error::Internal("lane thread panicked")));
                        result = result.and(r);
                    }
                    first.and(result)
                })?;
            }
        }
    }
    Ok(())
}

/// Generate the next address block: counter + 1, then G(0, G(0, input)).
fn next_addresses<C: Compress>(c: C, input: &mut Block, addr: &mut Block) {
    input.0[6] = input.0[6].wrapping_add(1);
    c.compress(&Block::ZERO, input, addr, false);
    let first = *addr;
    c.compress(&Block::ZERO, &first, addr, false);
}

/// Fill lane `lane`'s segment of `slice` in pass `pass`.
fn fill_segment<C: Compress>(
    c: C,
    g: &Geometry,
    pass: u32,
    slice: u32,
    lane: u32,
    seg: &mut [Block],
    shared: &[Option<&[Block]>],
) -> Result<(), Error> {
    let broken = || Error::Internal("reference outside the readable memory");
    let data_independent =
        g.alg == Algorithm::Argon2i || (g.alg == Algorithm::Argon2id && pass == 0 && slice < 2);
    let (mut input, mut addr) = (Block::ZERO, Block::ZERO);
    if data_independent {
        input.0[..6].copy_from_slice(&[
            pass.into(),
            lane.into(),
            slice.into(),
            g.blocks.into(),
            g.passes.into(),
            g.alg as u64,
        ]);
    }
    let mut start = 0usize;
    if pass == 0 && slice == 0 {
        start = 2;
        if data_independent {
            next_addresses(c, &mut input, &mut addr);
        }
    }
    let seg_len = u64::from(g.seg_len);
    let lane_len = u64::from(g.lane_len);
    let xor = pass > 0 && g.version == Version::V0x13;
    // The segment before this one in the same lane (for the first block's prev).
    let prev_seg = shared.get((lane * 4 + (slice + 3) % 4) as usize).copied().flatten().ok_or_else(broken)?;
    for idx in start..seg.len() {
        let (before, rest) = seg.split_at_mut(idx);
        let next = rest.first_mut().ok_or_else(broken)?;
        let prev: &Block = match before.last() {
            Some(b) => b,
            None => prev_seg.last().ok_or_else(broken)?,
        };
        let rand = if data_independent {
            if idx % ADDRESSES_IN_BLOCK == 0 {
                next_addresses(c, &mut input, &mut addr);
            }
            addr.0[idx % ADDRESSES_IN_BLOCK]
        } else {
            prev.0[0]
        };
        let ref_lane =
            if pass == 0 && slice == 0 { u64::from(lane) } else { (rand >> 32) % u64::from(g.lanes) };
        let same_lane = ref_lane == u64::from(lane);
        let index = idx as u64;
        let area = if pass == 0 {
            if slice == 0 {
                index - 1
            } else if same_lane {
                u64::from(slice) * seg_len + index - 1
            } else {
                u64::from(slice) * seg_len - u64::from(index == 0)
            }
        } else if same_lane {
            lane_len - seg_len + index - 1
        } else {
            lane_len - seg_len - u64::from(index == 0)
        };
        let j1 = rand & 0xffff_ffff;
        let x = (j1 * j1) >> 32;
        let relative = area - 1 - ((area * x) >> 32);
        let start_pos = if pass != 0 && slice != 3 { (u64::from(slice) + 1) * seg_len } else { 0 };
        let abs = (start_pos + relative) % lane_len;
        let (ref_seg, offset) = ((abs / seg_len) as u32, (abs % seg_len) as usize);
        let refb: &Block = if same_lane && ref_seg == slice {
            before.get(offset).ok_or_else(broken)?
        } else {
            shared
                .get((ref_lane as u32 * 4 + ref_seg) as usize)
                .copied()
                .flatten()
                .and_then(|s| s.get(offset))
                .ok_or_else(broken)?
        };
        c.compress(prev, refb, next, xor);
    }
    Ok(())
}
