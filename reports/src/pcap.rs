//! `trace.pcap`: every packet as it crossed the sending host's interface, as
//! a capture Wireshark and tshark open.
//!
//! Classic pcap with nanosecond timestamps (magic `a1b23c4d`) and link type
//! 101 (raw IPv4). Each node gets the address 10.x.y.z of its index plus
//! one. TCP segments get their real header (flags, sequence numbers, window,
//! MSS and window-scale options) and their data bytes: the real ones where
//! the trace holds them (`tcp_payload` records, for TLS), else rebuilt from
//! the stream pattern; echo messages become ICMP echo requests and replies;
//! DNS messages become UDP datagrams with their RFC 1035 bytes. IP, UDP,
//! TCP and ICMP checksums are computed, so a capture shows no checksum
//! errors. Everything comes from the trace records (the first
//! `link_transmit` of each packet id), so the capture is exact to the
//! nanosecond and the same trace always gives the same bytes.

use sim_core::{Field, Kind};
use std::collections::HashMap;
use std::io::{self, Write};

use sim_core::{NodeId, SimTime, Topology, TraceRecord};

use crate::hops::{FirstHops, Hop};
use crate::sink::RecordSink;

/// The IPv4 address of a node.
pub fn address(node: NodeId) -> [u8; 4] {
    node.ipv4()
}

/// `data` summed as big-endian 16-bit words (an odd last byte padded with
/// a zero) in ones' complement, plus `acc`: a value whose folding (see
/// [`checksum`]) is the RFC 1071 sum, not necessarily the plain sum.
///
/// The words are summed as little-endian 32-bit words into a 64-bit
/// accumulator (which the compiler turns into vector code): a 32-bit word
/// is two 16-bit words modulo `0xffff`, and the little-endian sum is the
/// big-endian one with its bytes swapped (RFC 1071 §2(B)). Folding keeps
/// the sum's class modulo `0xffff` and keeps a non-zero sum non-zero, so
/// the checksum is exactly the one of the word-by-word sum.
fn sum16(data: &[u8], acc: u32) -> u32 {
    let mut total = u64::from(acc);
    // Blocks small enough that the 64-bit sum of their words cannot
    // overflow; an even size keeps the 16-bit words aligned.
    for block in data.chunks(1 << 30) {
        let mut words = block.chunks_exact(4);
        let mut s: u64 = words
            .by_ref()
            .map(|w| u64::from(u32::from_le_bytes([w[0], w[1], w[2], w[3]])))
            .sum();
        let mut last = [0u8; 4];
        last[..words.remainder().len()].copy_from_slice(words.remainder());
        s += u64::from(u32::from_le_bytes(last));
        total += u64::from(fold(s).swap_bytes());
    }
    u32::from(fold(total))
}

/// Folds a ones'-complement sum to 16 bits (end-around carry).
fn fold(mut s: u64) -> u16 {
    while s >> 16 != 0 {
        s = (s & 0xffff) + (s >> 16);
    }
    s as u16
}

/// The Internet checksum (RFC 1071) of `data` starting from `acc`.
pub fn checksum(data: &[u8], acc: u32) -> u16 {
    !fold(u64::from(sum16(data, acc)))
}

fn flag_bits(flags: &str) -> u8 {
    flags.split(',').fold(0, |b, f| {
        b | match f {
            "FIN" => 0x01,
            "SYN" => 0x02,
            "RST" => 0x04,
            "PSH" => 0x08,
            "ACK" => 0x10,
            _ => 0,
        }
    })
}

fn ipv4(proto: u8, id: u64, src: NodeId, dst: NodeId, payload: &[u8]) -> Vec<u8> {
    let total = (20 + payload.len()) as u16;
    let mut h = vec![0x45, 0];
    h.extend(total.to_be_bytes());
    h.extend((id as u16).to_be_bytes());
    h.extend(0x4000u16.to_be_bytes()); // don't fragment
    h.extend([64, proto, 0, 0]);
    h.extend(address(src));
    h.extend(address(dst));
    let c = checksum(&h, 0);
    h[10..12].copy_from_slice(&c.to_be_bytes());
    h.extend_from_slice(payload);
    h
}

/// Bytes from the lower-case hex of a `tcp_payload` record.
fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn tcp(r: &TraceRecord, src: NodeId, dst: NodeId, data: Option<&Vec<u8>>) -> Option<Vec<u8>> {
    let mut opts = Vec::new();
    if let Some(m) = r.u64(Field::Mss) {
        opts.extend([2, 4]);
        opts.extend((m as u16).to_be_bytes());
    }
    if let Some(w) = r.u64(Field::Wscale) {
        opts.extend([3, 3, w as u8]);
    }
    while opts.len() % 4 != 0 {
        opts.push(1); // NOP
    }
    let len = r.u64(Field::Len)? as usize;
    let mut t = Vec::with_capacity(20 + opts.len() + len);
    t.extend((r.u64(Field::Sport)? as u16).to_be_bytes());
    t.extend((r.u64(Field::Dport)? as u16).to_be_bytes());
    t.extend((r.u64(Field::Seq)? as u32).to_be_bytes());
    t.extend((r.u64(Field::Ack)? as u32).to_be_bytes());
    t.push((((20 + opts.len()) / 4) as u8) << 4);
    t.push(flag_bits(r.text(Field::Flags)?));
    t.extend((r.u64(Field::Wnd)? as u16).to_be_bytes());
    t.extend([0, 0, 0, 0]); // checksum, urgent pointer
    t.extend(opts);
    match data.filter(|d| d.len() == len) {
        Some(d) => t.extend_from_slice(d),
        None => sim_core::pattern::fill(&mut t, r.u64(Field::Off).unwrap_or(0), len),
    }
    // Pseudo-header: addresses, protocol, TCP length.
    let mut pseudo = Vec::with_capacity(12);
    pseudo.extend(address(src));
    pseudo.extend(address(dst));
    pseudo.extend([0, 6]);
    pseudo.extend((t.len() as u16).to_be_bytes());
    let c = checksum(&t, sum16(&pseudo, 0));
    t[16..18].copy_from_slice(&c.to_be_bytes());
    Some(ipv4(6, r.u64(Field::Id)?, src, dst, &t))
}

/// A UDP datagram whose payload the record holds as hex in `data` (DNS).
fn udp(r: &TraceRecord, src: NodeId, dst: NodeId) -> Option<Vec<u8>> {
    let data = unhex(r.text(Field::Data)?)?;
    let mut u = Vec::with_capacity(8 + data.len());
    u.extend((r.u64(Field::Sport)? as u16).to_be_bytes());
    u.extend((r.u64(Field::Dport)? as u16).to_be_bytes());
    u.extend(((8 + data.len()) as u16).to_be_bytes());
    u.extend([0, 0]);
    u.extend(data);
    let mut pseudo = Vec::with_capacity(12);
    pseudo.extend(address(src));
    pseudo.extend(address(dst));
    pseudo.extend([0, 17]);
    pseudo.extend((u.len() as u16).to_be_bytes());
    // RFC 768: a computed zero is sent as all ones.
    let c = match checksum(&u, sum16(&pseudo, 0)) {
        0 => 0xffff,
        c => c,
    };
    u[6..8].copy_from_slice(&c.to_be_bytes());
    Some(ipv4(17, r.u64(Field::Id)?, src, dst, &u))
}

fn icmp(r: &TraceRecord, src: NodeId, dst: NodeId) -> Option<Vec<u8>> {
    let size = r.u64(Field::Size)? as usize;
    let ty = match r.text(Field::Msg)? {
        "request" => 8,
        _ => 0,
    };
    // The identifier is the requesting host, so replies match requests.
    let ident = if ty == 8 { src.0 } else { dst.0 } as u16;
    let mut m = vec![ty, 0, 0, 0];
    m.extend(ident.to_be_bytes());
    m.extend((r.u64(Field::Seq)? as u16).to_be_bytes());
    m.resize(size.saturating_sub(20).max(8), 0);
    let c = checksum(&m, 0);
    m[2..4].copy_from_slice(&c.to_be_bytes());
    Some(ipv4(1, r.u64(Field::Id)?, src, dst, &m))
}

/// Writes the capture of `records` (a thin wrapper over [`PcapWriter`]).
pub fn write(out: &mut impl Write, _topo: &Topology, records: &[TraceRecord]) -> io::Result<()> {
    let mut w = PcapWriter::new(out);
    crate::sink::feed(&mut w, records)
}

/// Writes `trace.pcap` record by record: each packet once, at its first
/// transmission. A packet keeps its id across hops and in a link's
/// duplicate; a transmission is a later one when the packet reached the
/// sending node over a link or is the link's copy (`link_enqueue` with
/// `duplicate`), so the writer follows packets from `link_enqueue` to
/// `link_transmit` instead of remembering every id ever sent.
///
/// # Memory
///
/// Everything held is about packets still in the network, never about
/// packets long gone: one entry per packet waiting in a link queue, one per
/// packet that arrived at a node it passes through (passed on at the same
/// instant), the bytes of a `tcp_payload` whose packet still waits for its
/// first transmission (at most a first-hop queue's worth per link; dropped
/// once written), the one segment just transmitted while its `tcp_payload`
/// record (which the host writes right after sending) may still come, and
/// the ids of packets refused at their first hop in the current instant
/// (their `tcp_payload` follows the refusal and is dropped).
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: W,
    header: bool,
    hops: FirstHops,
    /// `tcp_payload` bytes by packet id, until the first transmission.
    payloads: HashMap<u64, Vec<u8>>,
    /// A first transmission of a data segment, held until the next record
    /// shows whether its `tcp_payload` follows.
    held: Option<TraceRecord>,
    /// Packets refused at their first hop at time `gone.0`.
    gone: (SimTime, Vec<u64>),
}

impl<W: Write> PcapWriter<W> {
    /// A capture onto `out`; the file header is written with the first
    /// record (or at `finish`).
    pub fn new(out: W) -> Self {
        PcapWriter {
            out,
            header: false,
            hops: FirstHops::default(),
            payloads: HashMap::new(),
            held: None,
            gone: (SimTime::ZERO, Vec::new()),
        }
    }

    /// The output, once finished.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn write_header(&mut self) -> io::Result<()> {
        if self.header {
            return Ok(());
        }
        self.header = true;
        let out = &mut self.out;
        out.write_all(&0xa1b2_3c4du32.to_le_bytes())?;
        out.write_all(&2u16.to_le_bytes())?;
        out.write_all(&4u16.to_le_bytes())?;
        out.write_all(&0i32.to_le_bytes())?;
        out.write_all(&0u32.to_le_bytes())?;
        out.write_all(&262_144u32.to_le_bytes())?;
        out.write_all(&101u32.to_le_bytes()) // LINKTYPE_RAW: raw IPv4
    }

    /// Writes the packet of a first `link_transmit` record.
    fn packet(&mut self, r: &TraceRecord, data: Option<&Vec<u8>>) -> io::Result<()> {
        let (Some(src), Some(dst)) = (r.node_field(Field::Src), r.node_field(Field::Dst)) else {
            return Ok(());
        };
        let packet = match r.text(Field::Proto) {
            Some("tcp") => tcp(r, src, dst, data),
            Some("echo") => icmp(r, src, dst),
            Some("dns") => udp(r, src, dst),
            _ => None,
        };
        let Some(p) = packet else { return Ok(()) };
        let t = r.t.as_nanos();
        let out = &mut self.out;
        out.write_all(&((t / 1_000_000_000) as u32).to_le_bytes())?;
        out.write_all(&((t % 1_000_000_000) as u32).to_le_bytes())?;
        out.write_all(&(p.len() as u32).to_le_bytes())?;
        out.write_all(&(p.len() as u32).to_le_bytes())?;
        out.write_all(&p)
    }

    fn release_held(&mut self, payload: Option<&Vec<u8>>) -> io::Result<()> {
        if let Some(h) = self.held.take() {
            self.packet(&h, payload)?;
        }
        Ok(())
    }
}

impl<W: Write> RecordSink for PcapWriter<W> {
    fn push(&mut self, r: &TraceRecord) -> io::Result<()> {
        self.write_header()?;
        let id = r.u64(Field::Id);
        let held_id = self.held.as_ref().and_then(|h| h.u64(Field::Id));
        if held_id.is_some() {
            if held_id == id && r.kind == Kind::TcpPayload {
                let data = r.text(Field::Data).and_then(unhex);
                return self.release_held(data.as_ref());
            }
            if !(held_id == id && r.kind.carries_packet()) {
                self.release_held(None)?;
            }
        }
        let Some(id) = id else { return Ok(()) };
        match self.hops.push(r) {
            Hop::First => {
                if let Some(data) = self.payloads.remove(&id) {
                    return self.packet(r, Some(&data));
                }
                if r.text(Field::Proto) == Some("tcp") && r.u64(Field::Len).unwrap_or(0) > 0 {
                    self.held = Some(r.clone());
                    return Ok(());
                }
                self.packet(r, None)?;
            }
            // A refused copy of the segment just sent leaves it alive.
            Hop::Refused if self.held.is_none() || held_id != Some(id) => {
                self.payloads.remove(&id);
                if self.gone.0 != r.t {
                    self.gone = (r.t, Vec::new());
                }
                self.gone.1.push(id);
            }
            _ if r.kind == Kind::TcpPayload => {
                if self.gone.0 == r.t && self.gone.1.contains(&id) {
                    return Ok(());
                }
                if let Some(data) = r.text(Field::Data).and_then(unhex) {
                    self.payloads.insert(id, data);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.write_header()?;
        self.release_held(None)?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_the_rfc_1071_example() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2; the
        // checksum is its complement.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(checksum(&data, 0), !0xddf2);
    }

    /// The checksum as RFC 1071 writes it: 16-bit words one by one.
    fn checksum_by_words(data: &[u8], acc: u32) -> u16 {
        let mut s = u64::from(acc);
        for c in data.chunks(2) {
            s += u64::from(u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]));
        }
        while s >> 16 != 0 {
            s = (s & 0xffff) + (s >> 16);
        }
        !(s as u16)
    }

    #[test]
    fn checksum_matches_the_word_by_word_sum() {
        let mut data: Vec<u8> = (0..3000u64).map(sim_core::pattern::byte).collect();
        data.extend([0xff; 40]);
        data.extend([0; 40]);
        for acc in [0, 1, 0xfffe, 0xffff, 0x1_0000, 0x2_fffd, 6 * 0xffff] {
            for start in [0, 1, 2, 3, 5] {
                for len in [0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 33, 1460, 1461] {
                    for d in [
                        &data[start..start + len],
                        &data[3000..3000 + len.min(40)],
                        &data[3040..3040 + len.min(40)],
                    ] {
                        assert_eq!(checksum(d, acc), checksum_by_words(d, acc), "{d:?} {acc}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_header_with_its_checksum_sums_to_zero() {
        let p = ipv4(6, 7, NodeId(0), NodeId(1), &[1, 2, 3]);
        assert_eq!(checksum(&p[..20], 0), 0);
        assert_eq!(&p[12..20], &[10, 0, 0, 1, 10, 0, 0, 2]);
    }
}
