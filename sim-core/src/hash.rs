//! A fast fixed hasher for the maps the simulation looks up per packet
//! (a TCP stack's 4-tuples, an observer's flows).
//!
//! std's default, SipHash-1-3 with a random key, costs about 250
//! instructions per 4-tuple lookup: 8 % of a whole bulk transfer. Its
//! defence, against peers who choose keys to flood one bucket, has no
//! attacker to meet here: every key comes from the scenario, and a
//! scenario's size is bounded. The hash is a multiply-rotate mix in the
//! style of rustc's own `FxHasher`, with a rotation at the end so the bits
//! hashbrown takes for its buckets (the low ones) and for its tags (the top
//! seven) both depend on every input word.
//!
//! Fixed, not seeded: a map's iteration order is the same in every run. No
//! output may depend on that order anyway (`docs/ARCHITECTURE.md`,
//! "Determinism": what is reported is iterated from ordered maps).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// The hasher of [`FastMap`].
#[derive(Clone, Copy, Debug, Default)]
pub struct FastHasher {
    state: u64,
}

/// An odd constant with well-spread bits (the one rustc's `FxHasher`
/// uses on 64-bit targets).
const K: u64 = 0xf135_7aea_2e62_a9c5;

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.state = self.state.wrapping_add(word).wrapping_mul(K);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
        // The length, so "ab" + "c" and "a" + "bc" differ.
        self.add(bytes.len() as u64);
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The multiply carries low bits up, never down: folding the high
        // half down and multiplying once more spreads every input bit over
        // the low bits (the bucket index) and the top seven (the tag).
        let h = self.state ^ (self.state >> 32);
        h.wrapping_mul(K).rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::hash::{BuildHasher, Hash};

    const PINNED: u64 = 0xdf1b_eb07_e91d_e829;

    fn hash<T: Hash>(t: T) -> u64 {
        BuildHasherDefault::<FastHasher>::default().hash_one(t)
    }

    #[test]
    fn nearby_keys_land_in_different_buckets_and_tags() {
        // 4-tuples as a busy server sees them: one local port, peers
        // differing only in their ephemeral port or their node number.
        let mut buckets = HashSet::new();
        let mut tags = HashSet::new();
        for node in 0u32..16 {
            for port in 49_152u16..49_152 + 256 {
                let h = hash((80u16, node, port));
                buckets.insert(h & 0xfff);
                tags.insert(h >> 57);
            }
        }
        // 4,096 keys over 4,096 buckets: a good hash fills about 63 % of
        // them (1 - 1/e); a hash that ignored a field would fill at most
        // 256 or 16.
        assert!(buckets.len() > 2_400, "{} buckets", buckets.len());
        assert_eq!(tags.len(), 128, "every tag value is used");
    }

    #[test]
    fn bytes_are_hashed_with_their_length() {
        let mut a = FastHasher::default();
        a.write(b"ab");
        a.write(b"c");
        let mut b = FastHasher::default();
        b.write(b"a");
        b.write(b"bc");
        assert_ne!(a.finish(), b.finish());
        assert_ne!(hash("client"), hash("dient"));
    }

    #[test]
    fn the_hash_is_the_same_in_every_run() {
        // Fixed, not seeded: pinned, so a change to the mix is deliberate
        // (it reorders the maps' iteration, which no output may follow).
        assert_eq!(hash((80u16, 3u32, 49_152u16)), PINNED);
    }
}
