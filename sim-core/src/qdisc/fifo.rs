//! The first-in first-out store under RED, CoDel and each FQ-CoDel flow.

use std::collections::VecDeque;

use super::Entry;

/// Entries in arrival order, with their total size.
#[derive(Debug, Default)]
pub(crate) struct Fifo {
    q: VecDeque<Entry>,
    bytes: u64,
}

impl Fifo {
    pub(crate) fn push(&mut self, e: Entry) {
        self.bytes += u64::from(e.size);
        self.q.push_back(e);
    }

    pub(crate) fn pop(&mut self) -> Option<Entry> {
        let e = self.q.pop_front()?;
        self.bytes -= u64::from(e.size);
        Some(e)
    }

    /// The size of the packet that would leave next.
    pub(crate) fn head_size(&self) -> Option<u32> {
        self.q.front().map(|e| e.size)
    }

    pub(crate) fn len(&self) -> usize {
        self.q.len()
    }

    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }
}
