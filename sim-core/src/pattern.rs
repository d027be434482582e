//! The bytes of simulated application streams.
//!
//! Models that move application data without caring what it says carry it as
//! (stream offset, length) and never copy bytes; when bytes are needed (a
//! pcap, an integrity check), byte `k` of a stream is [`byte`]`(k)`.

/// The multiplier that spreads offsets over the byte values.
const MUL: u64 = 0x9E37_79B9_7F4A_7C15;

/// The byte at offset `k` of every pattern stream.
pub fn byte(k: u64) -> u8 {
    let x = k.wrapping_mul(MUL);
    (x >> 56) as u8
}

/// Appends bytes `offset .. offset + len` of the pattern to `out`.
pub fn fill(out: &mut Vec<u8>, offset: u64, len: usize) {
    let start = out.len();
    out.resize(start + len, 0);
    fill_slice(&mut out[start..], offset);
}

/// Overwrites `out` with bytes `offset .. offset + out.len()` of the
/// pattern.
///
/// `byte(k + 1)` is `byte(k)`'s product plus the multiplier (wrapping), so
/// the bytes come from additions: eight lanes, each stepping by eight
/// multipliers, which the compiler turns into vector code.
pub fn fill_slice(out: &mut [u8], offset: u64) {
    const LANES: usize = 8;
    let step = MUL.wrapping_mul(LANES as u64);
    let mut x: [u64; LANES] =
        std::array::from_fn(|i| offset.wrapping_add(i as u64).wrapping_mul(MUL));
    let mut chunks = out.chunks_exact_mut(LANES);
    for c in &mut chunks {
        for i in 0..LANES {
            c[i] = (x[i] >> 56) as u8;
            x[i] = x[i].wrapping_add(step);
        }
    }
    for (b, x) in chunks.into_remainder().iter_mut().zip(x) {
        *b = (x >> 56) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_gives_byte_by_byte() {
        for offset in [0, 1, 7, 1000, u64::MAX - 20] {
            for len in [0, 1, 7, 8, 9, 63, 64, 65, 1460] {
                let mut out = vec![42];
                fill(&mut out, offset, len);
                let want: Vec<u8> = std::iter::once(42)
                    .chain((0..len as u64).map(|i| byte(offset.wrapping_add(i))))
                    .collect();
                assert_eq!(out, want, "offset {offset} len {len}");
            }
        }
    }
}
