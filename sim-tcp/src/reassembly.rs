//! Out-of-order data held until the gap before it is filled.
//!
//! Positions are absolute indices in the receive sequence space (index 0 is
//! the peer's SYN), so they never wrap. Stored pieces never overlap: a new
//! segment only adds the parts not already held, which is how duplicate and
//! overlapping segments are trimmed.

use std::collections::BTreeMap;

use crate::segment::Data;

/// Held pieces: start index → data.
#[derive(Debug, Default, Clone)]
pub struct Reassembly {
    pieces: BTreeMap<u64, Data>,
    bytes: u64,
}

impl Reassembly {
    /// Nothing held.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes held.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// Holds `data` at `start`, keeping only the parts not already held;
    /// returns how many bytes were new.
    pub fn insert(&mut self, start: u64, data: Data) -> u64 {
        let before = self.bytes;
        let end = start + u64::from(data.len);
        let mut at = start;
        let mut gaps = Vec::new();
        // The piece that begins at or before `start` may cover its head.
        let first = self
            .pieces
            .range(..=start)
            .next_back()
            .map(|(&s, d)| (s, *d));
        let later: Vec<(u64, Data)> = self
            .pieces
            .range(start..end)
            .map(|(&s, d)| (s, *d))
            .collect();
        for (s, d) in first.into_iter().chain(later) {
            let e = s + u64::from(d.len);
            if e <= at {
                continue;
            }
            if s > at {
                gaps.push((at, s.min(end)));
            }
            at = at.max(e);
            if at >= end {
                break;
            }
        }
        if at < end {
            gaps.push((at, end));
        }
        for (s, e) in gaps {
            let piece = Data {
                offset: data.offset + (s - start),
                len: (e - s) as u32,
            };
            self.bytes += e - s;
            self.pieces.insert(s, piece);
        }
        self.bytes - before
    }

    /// The contiguous run of held bytes containing `index`, as `[start,
    /// end)`: what a SACK block reports (RFC 2018 §4).
    pub fn span(&self, index: u64) -> Option<(u64, u64)> {
        let (&s, d) = self.pieces.range(..=index).next_back()?;
        let mut end = s + u64::from(d.len);
        if end <= index {
            return None;
        }
        let mut start = s;
        for (&ps, pd) in self.pieces.range(..s).rev() {
            if ps + u64::from(pd.len) != start {
                break;
            }
            start = ps;
        }
        for (&ps, pd) in self.pieces.range(end..) {
            if ps != end {
                break;
            }
            end = ps + u64::from(pd.len);
        }
        Some((start, end))
    }

    /// Removes and returns the piece starting exactly at `index`, if held.
    pub fn take_at(&mut self, index: u64) -> Option<Data> {
        let d = self.pieces.remove(&index)?;
        self.bytes -= u64::from(d.len);
        Some(d)
    }

    /// Drops everything before `index` (already delivered by other means);
    /// returns the first run of held bytes it dropped, contiguous pieces
    /// joined: data that arrived twice, for a D-SACK (RFC 2883 §4.1.2).
    pub fn discard_before(&mut self, index: u64) -> Option<(u64, u64)> {
        let mut first: Option<(u64, u64)> = None;
        let mut joined = true;
        while let Some((&s, &d)) = self.pieces.first_key_value() {
            if s >= index {
                break;
            }
            self.pieces.remove(&s);
            self.bytes -= u64::from(d.len);
            let e = s + u64::from(d.len);
            let dup_end = e.min(index);
            match first {
                None => first = Some((s, dup_end)),
                Some((a, b)) if joined && s == b => first = Some((a, dup_end)),
                Some(_) => joined = false,
            }
            if e > index {
                let cut = index - s;
                let rest = Data {
                    offset: d.offset + cut,
                    len: (e - index) as u32,
                };
                self.bytes += e - index;
                self.pieces.insert(index, rest);
                break;
            }
        }
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(offset: u64, len: u32) -> Data {
        Data { offset, len }
    }

    #[test]
    fn overlapping_inserts_keep_only_new_bytes() {
        let mut r = Reassembly::new();
        r.insert(10, d(9, 10)); // [10, 20)
        r.insert(15, d(14, 10)); // adds [20, 25)
        r.insert(5, d(4, 30)); // adds [5, 10) and [25, 35)
        assert_eq!(r.bytes(), 30);
        assert_eq!(r.take_at(5), Some(d(4, 5)));
        assert_eq!(r.take_at(10), Some(d(9, 10)));
        assert_eq!(r.take_at(20), Some(d(19, 5)));
        assert_eq!(r.take_at(25), Some(d(24, 10)));
        assert!(r.is_empty());
    }

    #[test]
    fn spans_join_adjacent_pieces() {
        let mut r = Reassembly::new();
        r.insert(10, d(9, 10));
        r.insert(20, d(19, 10));
        r.insert(40, d(39, 5));
        assert_eq!(r.span(25), Some((10, 30)));
        assert_eq!(r.span(10), Some((10, 30)));
        assert_eq!(r.span(30), None);
        assert_eq!(r.span(44), Some((40, 45)));
    }

    #[test]
    fn exact_duplicates_add_nothing() {
        let mut r = Reassembly::new();
        r.insert(100, d(99, 50));
        r.insert(100, d(99, 50));
        r.insert(110, d(109, 10));
        assert_eq!(r.bytes(), 50);
    }

    #[test]
    fn discarding_trims_a_straddling_piece() {
        let mut r = Reassembly::new();
        r.insert(10, d(9, 10));
        r.insert(30, d(29, 5));
        r.discard_before(15);
        assert_eq!(r.bytes(), 10);
        assert_eq!(r.take_at(15), Some(d(14, 5)));
    }
}
