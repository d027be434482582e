//! TCP segments as the model sends them: header fields, the options netsim
//! models (MSS, window scale, SACK-permitted, SACK blocks, timestamps), and
//! the payload described by its position in
//! the sender's byte stream instead of by its bytes.
//!
//! Application data is a deterministic pattern: byte `k` of a stream is
//! [`pattern_byte`]`(k)`. A segment carries the stream offset of its first
//! byte, so the receiver can check that every byte it delivers is the byte
//! the sender wrote at that position, without any byte being copied.

use std::fmt;

use sim_core::Ecn;

use crate::seq::SeqNum;

/// The control bits (RFC 9293 §3.1).
#[derive(Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Flags(pub u8);

impl Flags {
    /// No more data from sender.
    pub const FIN: Flags = Flags(0x01);
    /// Synchronise sequence numbers.
    pub const SYN: Flags = Flags(0x02);
    /// Reset the connection.
    pub const RST: Flags = Flags(0x04);
    /// Push function.
    pub const PSH: Flags = Flags(0x08);
    /// Acknowledgment field is significant.
    pub const ACK: Flags = Flags(0x10);
    /// ECN-Echo: on a SYN, "I support ECN"; afterwards, "a packet of yours
    /// arrived marked CE" (RFC 3168 §6.1).
    pub const ECE: Flags = Flags(0x40);
    /// Congestion Window Reduced: the sender reduced its window for an
    /// ECE; on a SYN, with ECE, the ECN set-up request (RFC 3168 §6.1).
    pub const CWR: Flags = Flags(0x80);

    /// True if every bit of `other` is set.
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for Flags {
    type Output = Flags;
    fn bitor(self, o: Flags) -> Flags {
        Flags(self.0 | o.0)
    }
}

impl Flags {
    /// The flags as `SYN,ACK`-style text, without allocating for the
    /// combinations TCP uses (tracing calls this for every segment).
    pub fn name(self) -> std::borrow::Cow<'static, str> {
        let known = match self.0 {
            0x02 => "SYN",
            0x12 => "SYN,ACK",
            0x10 => "ACK",
            0x18 => "PSH,ACK",
            0x11 => "FIN,ACK",
            0x19 => "FIN,PSH,ACK",
            0x04 => "RST",
            0x14 => "RST,ACK",
            0x01 => "FIN",
            _ => return std::borrow::Cow::Owned(self.to_string()),
        };
        std::borrow::Cow::Borrowed(known)
    }
}

impl fmt::Display for Flags {
    /// `SYN`, `SYN,ACK`, `FIN,ACK`, `RST`...: the order textbooks write them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (Flags::SYN, "SYN"),
            (Flags::FIN, "FIN"),
            (Flags::RST, "RST"),
            (Flags::PSH, "PSH"),
            (Flags::ACK, "ACK"),
            (Flags::ECE, "ECE"),
            (Flags::CWR, "CWR"),
        ];
        let mut first = true;
        for (flag, name) in names {
            if self.contains(flag) {
                if !first {
                    f.write_str(",")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

pub use sim_core::pattern::byte as pattern_byte;

/// A run of application bytes: `len` bytes starting at `offset` of the
/// sender's stream.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Data {
    /// Stream offset of the first byte.
    pub offset: u64,
    /// Number of bytes.
    pub len: u32,
}

/// A TCP segment, with the ECN field of the IP header that carries it.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Segment {
    /// Sender's port.
    pub src_port: u16,
    /// Receiver's port.
    pub dst_port: u16,
    /// Sequence number of the first octet (of the SYN, if set).
    pub seq: SeqNum,
    /// Next sequence number the sender expects, if ACK is set.
    pub ack: SeqNum,
    /// Control bits.
    pub flags: Flags,
    /// Window field as sent (scaled down by the sender's shift, except in
    /// SYN segments: RFC 7323 §2.2).
    pub wnd: u16,
    /// MSS option (SYN segments only).
    pub mss: Option<u16>,
    /// Window scale option (SYN segments only).
    pub wscale: Option<u8>,
    /// SACK-permitted option (SYN segments only, RFC 2018 §2).
    pub sack_permitted: bool,
    /// Timestamps option (RFC 7323 §3).
    pub timestamps: Option<Timestamps>,
    /// SACK option blocks (RFC 2018 §3; the first may be a D-SACK block,
    /// RFC 2883 §4).
    pub sack: SackBlocks,
    /// Fast Open option (RFC 7413 §4.1.1; SYN and SYN,ACK only).
    pub fast_open: Option<crate::fastopen::FoOption>,
    /// Application data.
    pub data: Data,
    /// The ECN field of the IP header around it (RFC 3168 §5): set by the
    /// sender, possibly changed to CE on the way, read by the receiver.
    /// Not part of the TCP header; the host copies it to and from the
    /// packet.
    pub ecn: Ecn,
}

/// The timestamps option's two fields (RFC 7323 §3.2).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub struct Timestamps {
    /// TSval: the sender's timestamp clock when it sent the segment.
    pub val: u32,
    /// TSecr: the TSval being echoed (meaningful only with ACK).
    pub ecr: u32,
}

/// Most SACK blocks one option can hold: 4 in the 40 bytes of option
/// space, 3 beside a timestamps option (RFC 2018 §3).
pub const MAX_SACK_BLOCKS: usize = 4;

/// The blocks of a SACK option, in the order sent, without allocating (a
/// segment is cloned for every hop of its path).
#[derive(Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct SackBlocks {
    blocks: [(SeqNum, SeqNum); MAX_SACK_BLOCKS],
    len: u8,
}

impl SackBlocks {
    /// Appends a block `[left, right)`; false if the option is full.
    pub fn push(&mut self, left: SeqNum, right: SeqNum) -> bool {
        let n = usize::from(self.len);
        if n == MAX_SACK_BLOCKS {
            return false;
        }
        self.blocks[n] = (left, right);
        self.len += 1;
        true
    }
    /// Keeps only the first `n` blocks.
    pub fn truncate(&mut self, n: usize) {
        self.len = self.len.min(n as u8);
    }
    /// The blocks, first sent first: each a left edge and the sequence
    /// number just past its right end.
    pub fn as_slice(&self) -> &[(SeqNum, SeqNum)] {
        &self.blocks[..usize::from(self.len)]
    }
    /// Number of blocks.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }
    /// True if the segment carries no SACK option.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Debug for SackBlocks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.as_slice().iter().map(|(l, r)| l.0..r.0))
            .finish()
    }
}

/// IPv4 header without options.
pub const IP_HEADER: u32 = 20;
/// TCP header without options.
pub const TCP_HEADER: u32 = 20;

impl Segment {
    /// SEG.LEN: data octets plus one for SYN and one for FIN (RFC 9293
    /// §3.4).
    /// Saturates rather than wrap for a length no sender makes (the most a
    /// segment can carry is 65495 bytes).
    pub fn seg_len(&self) -> u32 {
        self.data
            .len
            .saturating_add(u32::from(self.flags.contains(Flags::SYN)))
            .saturating_add(u32::from(self.flags.contains(Flags::FIN)))
    }

    /// Bytes of TCP options as Linux lays them out, each aligned to four
    /// bytes with NOPs: MSS 4; SACK-permitted and timestamps 12 together
    /// (the one in the other's padding), else 4 and 12; window scale 4;
    /// SACK blocks 4 + 8 per block.
    pub fn options_len(&self) -> u32 {
        let mss = self.mss.map_or(0, |_| 4);
        let ts_sack_ok = match (self.timestamps.is_some(), self.sack_permitted) {
            (true, _) => 12,
            (false, true) => 4,
            (false, false) => 0,
        };
        let wscale = self.wscale.map_or(0, |_| 4);
        let sack = if self.sack.is_empty() {
            0
        } else {
            4 + 8 * self.sack.len() as u32
        };
        let fo = self.fast_open.map_or(0, |o| o.wire_len());
        mss + ts_sack_ok + wscale + sack + fo
    }

    /// Size on the wire: IPv4 and TCP headers, options and data.
    pub fn wire_size(&self) -> u32 {
        (IP_HEADER + TCP_HEADER + self.options_len()).saturating_add(self.data.len)
    }

    /// True if `flag` is set.
    pub fn has(&self, flag: Flags) -> bool {
        self.flags.contains(flag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_print_in_textbook_order() {
        assert_eq!((Flags::ACK | Flags::SYN).to_string(), "SYN,ACK");
        assert_eq!(
            (Flags::FIN | Flags::ACK | Flags::PSH).to_string(),
            "FIN,PSH,ACK"
        );
        assert_eq!(Flags::default().to_string(), "none");
    }

    #[test]
    fn seg_len_counts_syn_and_fin() {
        let mut s = Segment {
            flags: Flags::SYN,
            ..Segment::default()
        };
        assert_eq!(s.seg_len(), 1);
        s.flags = Flags::FIN | Flags::ACK;
        s.data.len = 100;
        assert_eq!(s.seg_len(), 101);
    }

    #[test]
    fn wire_size_includes_headers_and_options() {
        let syn = Segment {
            flags: Flags::SYN,
            mss: Some(1460),
            wscale: Some(7),
            ..Segment::default()
        };
        assert_eq!(syn.wire_size(), 20 + 20 + 8);
        let linux_syn = Segment {
            sack_permitted: true,
            timestamps: Some(Timestamps::default()),
            ..syn
        };
        assert_eq!(linux_syn.options_len(), 20, "Linux's SYN carries 20 bytes");
        let mut sacked = Segment {
            timestamps: Some(Timestamps::default()),
            ..Segment::default()
        };
        assert!(sacked.sack.push(SeqNum(1), SeqNum(2)));
        assert_eq!(sacked.options_len(), 12 + 12);
        let data = Segment {
            data: Data {
                offset: 0,
                len: 1448,
            },
            ..Segment::default()
        };
        assert_eq!(data.wire_size(), 1488);
    }
}
