//! The bytes of simulated application streams.
//!
//! Models that move application data without caring what it says carry it as
//! (stream offset, length) and never copy bytes; when bytes are needed (a
//! pcap, an integrity check), byte `k` of a stream is [`byte`]`(k)`.

/// The byte at offset `k` of every pattern stream.
pub fn byte(k: u64) -> u8 {
    let x = k.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (x >> 56) as u8
}

/// Appends bytes `offset .. offset + len` of the pattern to `out`.
pub fn fill(out: &mut Vec<u8>, offset: u64, len: usize) {
    out.extend((0..len as u64).map(|i| byte(offset + i)));
}
