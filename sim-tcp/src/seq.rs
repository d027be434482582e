//! Sequence numbers and their comparison modulo 2^32 (RFC 9293 §3.4).

use std::cmp::Ordering;
use std::fmt;
use std::ops::{Add, Sub};

/// A TCP sequence number. Ordering is the RFC's modular "less than": `a < b`
/// when `b` lies less than 2^31 ahead of `a`, so comparisons stay correct
/// across wraparound as long as the window is under 2^31 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SeqNum(pub u32);

impl SeqNum {
    /// True when `self` lies in `[lo, hi)` modulo 2^32.
    pub fn in_range(self, lo: SeqNum, hi: SeqNum) -> bool {
        self.0.wrapping_sub(lo.0) < hi.0.wrapping_sub(lo.0)
    }
}

impl PartialOrd for SeqNum {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SeqNum {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.0.wrapping_sub(other.0) as i32).cmp(&0)
    }
}

impl Add<u32> for SeqNum {
    type Output = SeqNum;
    fn add(self, n: u32) -> SeqNum {
        SeqNum(self.0.wrapping_add(n))
    }
}

impl Sub for SeqNum {
    type Output = u32;
    /// Distance from `rhs` forward to `self`, modulo 2^32.
    fn sub(self, rhs: SeqNum) -> u32 {
        self.0.wrapping_sub(rhs.0)
    }
}

impl fmt::Debug for SeqNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for SeqNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering_wraps() {
        assert!(SeqNum(1) < SeqNum(2));
        assert!(SeqNum(u32::MAX) < SeqNum(0));
        assert!(SeqNum(u32::MAX - 5) < SeqNum(100));
        assert!(SeqNum(100) > SeqNum(u32::MAX - 5));
        assert_eq!(SeqNum(7).cmp(&SeqNum(7)), Ordering::Equal);
    }

    #[test]
    fn arithmetic_wraps() {
        assert_eq!(SeqNum(u32::MAX) + 1, SeqNum(0));
        assert_eq!(SeqNum(3) - SeqNum(u32::MAX), 4);
    }

    #[test]
    fn range_membership_across_the_wrap() {
        let lo = SeqNum(u32::MAX - 1);
        let hi = lo + 4; // covers MAX-1, MAX, 0, 1
        assert!(SeqNum(u32::MAX).in_range(lo, hi));
        assert!(SeqNum(0).in_range(lo, hi));
        assert!(SeqNum(1).in_range(lo, hi));
        assert!(!SeqNum(2).in_range(lo, hi));
        assert!(!SeqNum(u32::MAX - 2).in_range(lo, hi));
        assert!(!SeqNum(5).in_range(SeqNum(5), SeqNum(5)));
    }
}
