//! TCP in netsim moves stream positions, not bytes: these keep a
//! connection's real bytes by stream offset, what it wrote (to put in the
//! segments it sends) and what arrived (until TCP delivers it in order).

use std::sync::Arc;

/// Received bytes by stream offset, until TCP delivers them in order.
#[derive(Debug, Default)]
pub(super) struct RxBytes {
    /// Stream offset of `buf[0]`.
    base: u64,
    buf: Vec<u8>,
}

impl RxBytes {
    /// Files `data`, which starts at stream `offset`; bytes before the
    /// delivered point are old news (a retransmission) and are skipped.
    pub(super) fn put(&mut self, offset: u64, data: &[u8]) {
        let end = offset + data.len() as u64;
        if end <= self.base {
            return;
        }
        let skip = self.base.saturating_sub(offset) as usize;
        let at = (offset + skip as u64 - self.base) as usize;
        let data = &data[skip..];
        if self.buf.len() < at + data.len() {
            self.buf.resize(at + data.len(), 0);
        }
        self.buf[at..at + data.len()].copy_from_slice(data);
    }

    /// Hands the bytes TCP just delivered, `len` from `offset`, to `f`;
    /// false if they are not all here.
    pub(super) fn take(&mut self, offset: u64, len: usize, f: impl FnOnce(&[u8])) -> bool {
        if offset != self.base || self.buf.len() < len {
            return false;
        }
        self.base += len as u64;
        f(&self.buf[..len]);
        self.buf.drain(..len);
        true
    }
}

/// What a connection wrote to TCP, kept in the pieces it was written in
/// (appending never copies what came before) and read back by offset,
/// until the peer has acknowledged them.
#[derive(Debug, Default)]
pub(super) struct TxLog {
    /// (stream offset of the piece, its bytes), in order.
    pieces: std::collections::VecDeque<(u64, Vec<u8>)>,
    end: u64,
    /// Bytes the peer has acknowledged: TCP never sends them again.
    acked: u64,
}

impl TxLog {
    pub(super) fn push(&mut self, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            let n = bytes.len() as u64;
            self.pieces.push_back((self.end, bytes));
            self.end += n;
        }
    }

    /// `n` more bytes were acknowledged: pieces wholly before that point
    /// are dropped, so a long exchange holds only what is in flight.
    pub(super) fn acked(&mut self, n: u64) {
        self.acked = self.acked.saturating_add(n);
        while let Some((at, piece)) = self.pieces.front() {
            if at + piece.len() as u64 > self.acked {
                break;
            }
            self.pieces.pop_front();
        }
    }

    /// Bytes `offset .. offset + len`, if all were written.
    pub(super) fn get(&self, offset: u64, len: usize) -> Option<Arc<[u8]>> {
        let stop = offset.checked_add(len as u64)?;
        if len == 0 || stop > self.end {
            return None;
        }
        let first = self.pieces.partition_point(|(at, _)| *at <= offset);
        // Bytes already acknowledged (and dropped) are not sent again.
        let first = first.checked_sub(1)?;
        let (at, piece) = &self.pieces[first];
        let from = (offset - at) as usize;
        if from + len <= piece.len() {
            return Some(Arc::from(&piece[from..from + len]));
        }
        // A segment across pieces: gather it.
        let mut out = Vec::with_capacity(len);
        for (at, piece) in self.pieces.range(first..) {
            let a = offset.saturating_sub(*at) as usize;
            let b = ((stop - at) as usize).min(piece.len());
            out.extend_from_slice(&piece[a..b]);
            if out.len() == len {
                break;
            }
        }
        Some(Arc::from(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_bytes_come_back_by_offset_across_pieces() {
        let mut tx = TxLog::default();
        tx.push(b"hello ".to_vec());
        tx.push(Vec::new());
        tx.push(b"big ".to_vec());
        tx.push(b"world".to_vec());
        assert_eq!(&*tx.get(0, 5).unwrap(), b"hello");
        assert_eq!(&*tx.get(4, 8).unwrap(), b"o big wo");
        assert_eq!(&*tx.get(6, 9).unwrap(), b"big world");
        assert_eq!(tx.get(10, 6), None, "not all written");
        assert_eq!(tx.get(3, 0), None);
        // Acknowledged pieces go; the rest still reads by offset.
        tx.acked(7);
        assert_eq!(tx.pieces.len(), 2);
        assert_eq!(&*tx.get(6, 9).unwrap(), b"big world");
        tx.acked(8);
        assert_eq!(tx.pieces.len(), 0);
        assert_eq!(tx.get(6, 9), None);
    }

    #[test]
    fn received_bytes_are_filed_by_offset_and_taken_in_order() {
        let mut rx = RxBytes::default();
        let take = |rx: &mut RxBytes, at: u64, n: usize| {
            let mut got = None;
            rx.take(at, n, |b| got = Some(b.to_vec()));
            got
        };
        rx.put(5, b"world");
        rx.put(0, b"hello");
        assert_eq!(take(&mut rx, 0, 5).as_deref(), Some(&b"hello"[..]));
        // A retransmission overlapping what was delivered.
        rx.put(3, b"loworld");
        assert_eq!(take(&mut rx, 5, 5).as_deref(), Some(&b"world"[..]));
        assert_eq!(take(&mut rx, 10, 1), None);
    }
}
