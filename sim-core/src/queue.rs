//! The event queue: a monotone radix heap with FIFO order among equal times.
//!
//! Simulated time never goes backwards, so every key pushed is at least the
//! last key popped. A radix heap exploits that: an item lives in the bucket
//! named by the highest bit in which its key differs from the last popped key.
//! Push is O(1); pop is amortised O(log range) because an item only ever moves
//! to lower buckets. Unlike a binary heap it does not slow down as the number
//! of pending events grows (docs/ARCHITECTURE.md, "Fast by construction",
//! and the PHOLD benchmark).
//!
//! Ties are broken by insertion order without storing a sequence number:
//! items with equal keys always sit in the same bucket, buckets are appended
//! in push order and redistributed in order, and bucket 0 (key equal to the
//! last popped key) is a FIFO.

use std::collections::VecDeque;

/// A priority queue of `T` keyed by `u64` time, popping the smallest key first
/// and, among equal keys, the first pushed.
#[derive(Debug)]
pub struct RadixQueue<T> {
    /// The key of the last popped item; no key below it may be pushed.
    last: u64,
    len: usize,
    /// Items whose key equals `last`, in push order.
    current: VecDeque<T>,
    /// `buckets[i]` holds items whose key's highest bit differing from `last`
    /// is bit `i`.
    buckets: [Vec<(u64, T)>; 64],
    /// Bit `i` set when `buckets[i]` is non-empty, so finding the lowest
    /// non-empty bucket is one instruction.
    occupied: u64,
}

impl<T> Default for RadixQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> RadixQueue<T> {
    /// An empty queue whose first key may be anything from 0 up.
    pub fn new() -> Self {
        RadixQueue {
            last: 0,
            len: 0,
            current: VecDeque::new(),
            buckets: std::array::from_fn(|_| Vec::new()),
            occupied: 0,
        }
    }

    /// Number of items queued.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The smallest key that may still be pushed.
    pub fn floor(&self) -> u64 {
        self.last
    }

    /// Queues `item` at `key`.
    ///
    /// # Panics
    /// If `key` is below [`floor`](Self::floor): that would be an event in the
    /// past, which is a bug in the caller (the scheduler clamps for its users).
    #[inline]
    pub fn push(&mut self, key: u64, item: T) {
        assert!(
            key >= self.last,
            "radix queue is monotone: key {key} < last popped {}",
            self.last
        );
        self.len += 1;
        if key == self.last {
            self.current.push_back(item);
        } else {
            let b = 63 - (key ^ self.last).leading_zeros() as usize;
            self.buckets[b].push((key, item));
            self.occupied |= 1 << b;
        }
    }

    /// Moves the items of the lowest non-empty bucket down so that the
    /// smallest key is in `current`. Call only when `current` is empty.
    fn refill(&mut self) -> bool {
        if self.occupied == 0 {
            return false;
        }
        let b = self.occupied.trailing_zeros() as usize;
        let mut items = std::mem::take(&mut self.buckets[b]);
        self.occupied &= !(1 << b);
        let min = items
            .iter()
            .map(|(k, _)| *k)
            .min()
            .expect("occupied bucket");
        self.last = min;
        for (key, item) in items.drain(..) {
            if key == min {
                self.current.push_back(item);
            } else {
                let nb = 63 - (key ^ min).leading_zeros() as usize;
                debug_assert!(nb < b);
                self.buckets[nb].push((key, item));
                self.occupied |= 1 << nb;
            }
        }
        // Give the emptied vector back so its capacity is reused: no
        // allocation per event once the queue has warmed up.
        self.buckets[b] = items;
        true
    }

    /// The smallest key queued, without removing its item.
    pub fn peek_key(&mut self) -> Option<u64> {
        if self.current.is_empty() && !self.refill() {
            return None;
        }
        Some(self.last)
    }

    /// Removes and returns the item with the smallest key (first pushed among
    /// equals).
    #[inline]
    pub fn pop(&mut self) -> Option<(u64, T)> {
        if self.current.is_empty() && !self.refill() {
            return None;
        }
        let item = self.current.pop_front()?;
        self.len -= 1;
        Some((self.last, item))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    #[test]
    fn pops_in_time_then_insertion_order() {
        let mut q = RadixQueue::new();
        q.push(5, "b1");
        q.push(3, "a");
        q.push(5, "b2");
        q.push(1000, "z");
        q.push(5, "b3");
        assert_eq!(q.pop(), Some((3, "a")));
        q.push(5, "b4"); // pushed at a later time, after the others
        q.push(3, "a2"); // equal to the current time: still allowed
        assert_eq!(q.pop(), Some((3, "a2")));
        assert_eq!(q.pop(), Some((5, "b1")));
        assert_eq!(q.pop(), Some((5, "b2")));
        assert_eq!(q.pop(), Some((5, "b3")));
        assert_eq!(q.pop(), Some((5, "b4")));
        assert_eq!(q.peek_key(), Some(1000));
        assert_eq!(q.pop(), Some((1000, "z")));
        assert_eq!(q.pop(), None);
        assert!(q.is_empty());
    }

    #[test]
    #[should_panic(expected = "monotone")]
    fn rejects_the_past() {
        let mut q = RadixQueue::new();
        q.push(10, ());
        q.pop();
        q.push(9, ());
    }

    /// Same order as a binary heap on (key, sequence) for a long random
    /// interleaving of pushes and pops, including many ties and huge keys.
    #[test]
    fn matches_a_binary_heap_on_key_then_sequence() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut q = RadixQueue::new();
        let mut h = BinaryHeap::new();
        let mut now = 0u64;
        let mut seq = 0u64;
        for _ in 0..200_000 {
            let r = next();
            if r % 3 != 0 || h.is_empty() {
                let delta = match r % 7 {
                    0 => 0,
                    1 => next() % 4,
                    2 => next() >> 20,
                    _ => next() % 1_000,
                };
                let key = now + delta;
                q.push(key, seq);
                h.push(Reverse((key, seq)));
                seq += 1;
            } else {
                let Reverse((k, s)) = h.pop().unwrap();
                assert_eq!(q.pop(), Some((k, s)));
                now = k;
            }
            assert_eq!(q.len(), h.len());
        }
        while let Some(Reverse((k, s))) = h.pop() {
            assert_eq!(q.pop(), Some((k, s)));
        }
        assert_eq!(q.pop(), None);
    }
}
