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

use sim_core::{Field, Kind, NodeId, SimTime, Topology, TraceRecord, Value};
use std::io::{self, Write};

use crate::hops::{FirstHops, Hop};
use crate::idmap::IdMap;
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
            "ECE" => 0x40,
            "CWR" => 0x80,
            _ => 0,
        }
    })
}

/// Bytes before a packet's transport header in [`PcapWriter`]'s buffer:
/// the pcap record header and the IPv4 header.
const HEAD: usize = 16 + 20;

/// Writes the IPv4 header of the transport bytes `buf[at + 20..]` into
/// `buf[at..at + 20]`; `ecn` is the low two bits of the traffic class
/// byte (RFC 3168 §5).
fn ipv4_header(buf: &mut [u8], at: usize, proto: u8, ecn: u8, id: u64, ends: (NodeId, NodeId)) {
    let (src, dst) = ends;
    let total = (buf.len() - at) as u16;
    let h = &mut buf[at..at + 20];
    h[0] = 0x45;
    h[1] = ecn;
    h[2..4].copy_from_slice(&total.to_be_bytes());
    h[4..6].copy_from_slice(&(id as u16).to_be_bytes());
    h[6..8].copy_from_slice(&0x4000u16.to_be_bytes()); // don't fragment
    h[8..12].copy_from_slice(&[64, proto, 0, 0]);
    h[12..16].copy_from_slice(&address(src));
    h[16..20].copy_from_slice(&address(dst));
    let c = checksum(h, 0);
    h[10..12].copy_from_slice(&c.to_be_bytes());
}

#[cfg(test)]
fn ipv4(proto: u8, id: u64, src: NodeId, dst: NodeId, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0; 20];
    p.extend_from_slice(payload);
    ipv4_header(&mut p, 0, proto, 0, id, (src, dst));
    p
}

/// The sum of the pseudo-header of a `proto` segment of `len` bytes.
fn pseudo_sum(src: NodeId, dst: NodeId, proto: u8, len: usize) -> u32 {
    let mut pseudo = [0u8; 12];
    pseudo[0..4].copy_from_slice(&address(src));
    pseudo[4..8].copy_from_slice(&address(dst));
    pseudo[9] = proto;
    pseudo[10..12].copy_from_slice(&(len as u16).to_be_bytes());
    sum16(&pseudo, 0)
}

/// Bytes from the lower-case hex of a `tcp_payload` record.
fn unhex(s: &str) -> Option<Vec<u8>> {
    fn digit(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.as_bytes()
        .chunks_exact(2)
        .map(|c| Some(digit(c[0])? << 4 | digit(c[1])?))
        .collect()
}

/// A record with its fields indexed: one pass over them, then each field
/// read without a search (a packet's bytes read about twenty of them).
/// Reads as [`TraceRecord`] does.
struct Rec<'a> {
    r: &'a TraceRecord,
    /// Each field's position in `r.fields`, `u8::MAX` where absent.
    at: [u8; FIELDS],
}

/// How many fields the vocabulary has.
const FIELDS: usize = Field::ALL.len();

impl<'a> Rec<'a> {
    fn new(r: &'a TraceRecord) -> Self {
        let mut at = [u8::MAX; FIELDS];
        // A later copy of a field does not hide the first, as with
        // `TraceRecord::field`.
        for (i, (f, _)) in r.fields.iter().enumerate().take(usize::from(u8::MAX)).rev() {
            at[*f as usize] = i as u8;
        }
        Rec { r, at }
    }

    fn field(&self, name: Field) -> Option<&'a Value> {
        let r: &'a TraceRecord = self.r;
        match self.at[name as usize] {
            // Not among the first 255 fields: search the rest.
            u8::MAX if r.fields.len() > usize::from(u8::MAX) => r.field(name),
            u8::MAX => None,
            i => Some(&r.fields[usize::from(i)].1),
        }
    }

    fn u64(&self, name: Field) -> Option<u64> {
        match self.field(name)? {
            Value::U64(n) => Some(*n),
            _ => None,
        }
    }

    fn text(&self, name: Field) -> Option<&'a str> {
        match self.field(name)? {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    fn node_field(&self, name: Field) -> Option<NodeId> {
        match self.field(name)? {
            Value::Node(n) => Some(*n),
            _ => None,
        }
    }
}

impl std::ops::Deref for Rec<'_> {
    type Target = TraceRecord;

    fn deref(&self) -> &TraceRecord {
        self.r
    }
}

/// Most bytes of TCP options: the data offset counts at most 15 words
/// (RFC 9293 §3.1).
pub const MAX_OPTIONS: usize = 40;

/// The SACK blocks of a record (`[[left, right], ...]`).
fn sack_blocks(r: &Rec) -> Vec<(u32, u32)> {
    let Some(Value::List(blocks)) = r.field(Field::Sack) else {
        return Vec::new();
    };
    blocks
        .iter()
        .filter_map(|b| match b {
            Value::List(p) => match p.as_slice() {
                [Value::U64(l), Value::U64(r)] => Some((*l as u32, *r as u32)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The TCP options of `r` as Linux writes them (`tcp_options_write`), each
/// aligned to four bytes with NOPs, and their length: MSS; timestamps,
/// behind SACK-permitted if both are sent (`SACK_PERM TS`, 12 bytes) or
/// behind two NOPs; SACK-permitted alone as `NOP NOP SACK_PERM`; window
/// scale as `NOP WS`; SACK blocks as `NOP NOP SACK`. The same sizes as
/// `sim_tcp::Segment::options_len`. Blocks that would not fit in the 40
/// bytes are left out (no sender makes them; a hand-written trace might).
pub fn tcp_options(r: &TraceRecord) -> ([u8; MAX_OPTIONS], usize) {
    options(&Rec::new(r))
}

/// [`tcp_options`] of an indexed record.
fn options(r: &Rec) -> ([u8; MAX_OPTIONS], usize) {
    let mut o = [1u8; MAX_OPTIONS]; // NOPs
    let mut n = 0;
    let mut put = |n: &mut usize, bytes: &[u8]| {
        o[*n..*n + bytes.len()].copy_from_slice(bytes);
        *n += bytes.len();
    };
    if let Some(m) = r.u64(Field::Mss) {
        // RFC 9293 §3.2: kind 2, length 4.
        let [a, b] = (m as u16).to_be_bytes();
        put(&mut n, &[2, 4, a, b]);
    }
    let sack_ok = r.field(Field::SackOk) == Some(&Value::Bool(true));
    let ts = r
        .u64(Field::Tsval)
        .map(|v| (v as u32, r.u64(Field::Tsecr).unwrap_or(0) as u32));
    if let Some((val, ecr)) = ts {
        // RFC 7323 §3.2: kind 8, length 10; RFC 2018 §2: kind 4, length 2.
        put(&mut n, if sack_ok { &[4, 2] } else { &[1, 1] });
        put(&mut n, &[8, 10]);
        put(&mut n, &val.to_be_bytes());
        put(&mut n, &ecr.to_be_bytes());
    } else if sack_ok {
        put(&mut n, &[1, 1, 4, 2]);
    }
    if let Some(w) = r.u64(Field::Wscale) {
        // RFC 7323 §2.2: kind 3, length 3.
        put(&mut n, &[1, 3, 3, w as u8]);
    }
    let blocks = sack_blocks(r);
    let room = (MAX_OPTIONS - n).saturating_sub(4) / 8;
    let blocks = &blocks[..blocks.len().min(room)];
    if !blocks.is_empty() {
        // RFC 2018 §3: kind 5, length 2 + 8 per block.
        put(&mut n, &[1, 1, 5, 2 + 8 * blocks.len() as u8]);
        for (left, right) in blocks {
            put(&mut n, &left.to_be_bytes());
            put(&mut n, &right.to_be_bytes());
        }
    }
    (o, n)
}

/// Appends the TCP segment of `r` to `out` (which holds [`HEAD`] bytes
/// before it) and returns the packet id.
fn tcp(
    out: &mut Vec<u8>,
    r: &Rec,
    src: NodeId,
    dst: NodeId,
    data: Option<&Vec<u8>>,
) -> Option<u64> {
    let (opts, n) = options(r);
    let opts = &opts[..n];
    let len = r.u64(Field::Len)? as usize;
    let sport = r.u64(Field::Sport)? as u16;
    let dport = r.u64(Field::Dport)? as u16;
    let seq = r.u64(Field::Seq)? as u32;
    let ack = r.u64(Field::Ack)? as u32;
    let flags = flag_bits(r.text(Field::Flags)?);
    let wnd = r.u64(Field::Wnd)? as u16;
    let id = r.u64(Field::Id)?;
    let at = out.len();
    out.extend(sport.to_be_bytes());
    out.extend(dport.to_be_bytes());
    out.extend(seq.to_be_bytes());
    out.extend(ack.to_be_bytes());
    out.push((((20 + opts.len()) / 4) as u8) << 4);
    out.push(flags);
    out.extend(wnd.to_be_bytes());
    out.extend([0, 0, 0, 0]); // checksum, urgent pointer
    out.extend_from_slice(opts);
    match data.filter(|d| d.len() == len) {
        Some(d) => out.extend_from_slice(d),
        None => sim_core::pattern::fill(out, r.u64(Field::Off).unwrap_or(0), len),
    }
    let t = &mut out[at..];
    let c = checksum(t, pseudo_sum(src, dst, 6, t.len()));
    t[16..18].copy_from_slice(&c.to_be_bytes());
    Some(id)
}

/// Appends a UDP datagram (RFC 768) of `r`, its payload written by
/// `payload`, and returns the packet id.
fn udp(
    out: &mut Vec<u8>,
    r: &TraceRecord,
    src: NodeId,
    dst: NodeId,
    payload: impl FnOnce(&mut Vec<u8>),
) -> Option<u64> {
    let sport = r.u64(Field::Sport)? as u16;
    let dport = r.u64(Field::Dport)? as u16;
    let id = r.u64(Field::Id)?;
    let at = out.len();
    out.extend(sport.to_be_bytes());
    out.extend(dport.to_be_bytes());
    out.extend([0, 0, 0, 0]); // length, checksum
    payload(out);
    let u = &mut out[at..];
    let len = u.len() as u16;
    u[4..6].copy_from_slice(&len.to_be_bytes());
    // RFC 768: a computed zero is sent as all ones.
    let c = match checksum(u, pseudo_sum(src, dst, 17, u.len())) {
        0 => 0xffff,
        c => c,
    };
    u[6..8].copy_from_slice(&c.to_be_bytes());
    Some(id)
}

/// A DNS message: its bytes are in the record, as hex in `data`.
fn dns(out: &mut Vec<u8>, r: &TraceRecord, src: NodeId, dst: NodeId) -> Option<u64> {
    let data = unhex(r.text(Field::Data)?)?;
    udp(out, r, src, dst, |o| o.extend(data))
}

/// The bytes at the front of a traffic datagram's payload: its sequence
/// number and send time in ns, big-endian (a stamp in the manner of
/// iperf's datagram header, not its layout).
const UDP_STAMP: usize = 4 + 8;

/// A datagram of the UDP traffic application: `len` payload bytes, the
/// stamp first (cut short if the datagram is smaller), then the stream
/// pattern from offset 12.
fn traffic(out: &mut Vec<u8>, r: &TraceRecord, src: NodeId, dst: NodeId) -> Option<u64> {
    let len = r.u64(Field::Len)? as usize;
    let seq = r.u64(Field::Seq)? as u32;
    let sent = r.u64(Field::SentNs)?;
    let mut stamp = [0u8; UDP_STAMP];
    stamp[..4].copy_from_slice(&seq.to_be_bytes());
    stamp[4..].copy_from_slice(&sent.to_be_bytes());
    udp(out, r, src, dst, |o| {
        o.extend_from_slice(&stamp[..len.min(UDP_STAMP)]);
        if len > UDP_STAMP {
            sim_core::pattern::fill(o, UDP_STAMP as u64, len - UDP_STAMP);
        }
    })
}

/// Appends an ICMP echo message and returns the packet id.
fn icmp(out: &mut Vec<u8>, r: &TraceRecord, src: NodeId, dst: NodeId) -> Option<u64> {
    let size = r.u64(Field::Size)? as usize;
    let ty = match r.text(Field::Msg)? {
        "request" => 8,
        _ => 0,
    };
    // The identifier is the requesting host, so replies match requests.
    let ident = if ty == 8 { src.0 } else { dst.0 } as u16;
    let seq = r.u64(Field::Seq)? as u16;
    let id = r.u64(Field::Id)?;
    let at = out.len();
    out.extend([ty, 0, 0, 0]);
    out.extend(ident.to_be_bytes());
    out.extend(seq.to_be_bytes());
    out.resize(at + size.saturating_sub(20).max(8), 0);
    let m = &mut out[at..];
    let c = checksum(m, 0);
    m[2..4].copy_from_slice(&c.to_be_bytes());
    Some(id)
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
    payloads: IdMap<u64, Vec<u8>>,
    /// A first transmission of a data segment, held until the next record
    /// shows whether its `tcp_payload` follows.
    held: Option<TraceRecord>,
    /// The last held record, written: its memory is reused for the next.
    spare: Option<TraceRecord>,
    /// Packets refused at their first hop at time `gone.0`.
    gone: (SimTime, Vec<u64>),
    /// The packet being written, with its pcap record header (reused: one
    /// packet's worth).
    buf: Vec<u8>,
}

impl<W: Write> PcapWriter<W> {
    /// A capture onto `out`; the file header is written with the first
    /// record (or at `finish`).
    pub fn new(out: W) -> Self {
        PcapWriter {
            out,
            header: false,
            hops: FirstHops::default(),
            payloads: IdMap::default(),
            held: None,
            spare: None,
            gone: (SimTime::ZERO, Vec::new()),
            buf: Vec::new(),
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
        let r = &Rec::new(r);
        let (Some(src), Some(dst)) = (r.node_field(Field::Src), r.node_field(Field::Dst)) else {
            return Ok(());
        };
        let buf = &mut self.buf;
        buf.clear();
        buf.resize(HEAD, 0);
        let (proto, id) = match r.text(Field::Proto) {
            Some("tcp") => (6, tcp(buf, r, src, dst, data)),
            Some("echo") => (1, icmp(buf, r, src, dst)),
            Some("dns") => (17, dns(buf, r, src, dst)),
            Some("udp") => (17, traffic(buf, r, src, dst)),
            _ => return Ok(()),
        };
        let Some(id) = id else { return Ok(()) };
        let ecn = r
            .text(Field::Ecn)
            .and_then(sim_core::Ecn::from_name)
            .map_or(0, sim_core::Ecn::bits);
        ipv4_header(buf, 16, proto, ecn, id, (src, dst));
        let len = ((buf.len() - 16) as u32).to_le_bytes();
        let t = r.t.as_nanos();
        buf[0..4].copy_from_slice(&((t / 1_000_000_000) as u32).to_le_bytes());
        buf[4..8].copy_from_slice(&((t % 1_000_000_000) as u32).to_le_bytes());
        buf[8..12].copy_from_slice(&len);
        buf[12..16].copy_from_slice(&len);
        self.out.write_all(buf)
    }

    fn release_held(&mut self, payload: Option<&Vec<u8>>) -> io::Result<()> {
        if let Some(h) = self.held.take() {
            self.packet(&h, payload)?;
            self.spare = Some(h);
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
                    self.held = Some(match self.spare.take() {
                        Some(mut h) => {
                            h.t = r.t;
                            h.node = r.node;
                            h.kind = r.kind;
                            h.fields.clone_from(&r.fields);
                            h
                        }
                        None => r.clone(),
                    });
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

    /// A `link_transmit` record of a TCP segment from node 0 to node 1.
    fn segment(id: u64, flags: &'static str, len: u64, opts: Vec<(Field, Value)>) -> TraceRecord {
        let mut fields = vec![
            (Field::Id, Value::U64(id)),
            (Field::From, Value::Node(NodeId(0))),
            (Field::To, Value::Node(NodeId(1))),
            (Field::Src, Value::Node(NodeId(0))),
            (Field::Dst, Value::Node(NodeId(1))),
            (Field::Size, Value::U64(40 + len)),
            (Field::Proto, "tcp".into()),
            (Field::Sport, Value::U64(49152)),
            (Field::Dport, Value::U64(80)),
            (Field::Flags, flags.into()),
            (Field::Seq, Value::U64(1000)),
            (Field::Ack, Value::U64(5000)),
            (Field::Len, Value::U64(len)),
            (Field::Wnd, Value::U64(502)),
        ];
        if len > 0 {
            fields.push((Field::Off, Value::U64(0)));
        }
        fields.extend(opts);
        TraceRecord {
            t: SimTime::ZERO,
            node: NodeId(0),
            kind: Kind::LinkTransmit,
            fields,
        }
    }

    /// A `link_transmit` record of a traffic datagram from node 0 to 1.
    fn datagram(id: u64, seq: u64, sent_ns: u64, len: u64) -> TraceRecord {
        TraceRecord {
            t: SimTime(sent_ns),
            node: NodeId(0),
            kind: Kind::LinkTransmit,
            fields: vec![
                (Field::Id, Value::U64(id)),
                (Field::From, Value::Node(NodeId(0))),
                (Field::To, Value::Node(NodeId(1))),
                (Field::Src, Value::Node(NodeId(0))),
                (Field::Dst, Value::Node(NodeId(1))),
                (Field::Size, Value::U64(28 + len)),
                (Field::Proto, "udp".into()),
                (Field::Sport, Value::U64(49152)),
                (Field::Dport, Value::U64(9000)),
                (Field::Seq, Value::U64(seq)),
                (Field::Len, Value::U64(len)),
                (Field::SentNs, Value::U64(sent_ns)),
            ],
        }
    }

    /// A traffic datagram is a real UDP datagram: its header's ports and
    /// length, a checksum over the pseudo-header that verifies (RFC 768),
    /// the stamp (sequence number, send time) and the pattern after it;
    /// one shorter than the stamp carries the stamp's first bytes.
    #[test]
    fn a_udp_datagram_has_its_header_stamp_and_checksum() {
        let mut out = Vec::new();
        let records = [
            datagram(7, 3, 1_500_000_000, 100),
            datagram(8, 4, 1_600_000_000, 5),
        ];
        let mut w = PcapWriter::new(&mut out);
        crate::sink::feed(&mut w, &records).unwrap();
        let mut at = 24;
        let mut seen = Vec::new();
        while at < out.len() {
            let caplen = u32::from_le_bytes(out[at + 8..at + 12].try_into().unwrap()) as usize;
            let ip = &out[at + 16..at + 16 + caplen];
            at += 16 + caplen;
            assert_eq!(ip[9], 17, "protocol UDP");
            assert_eq!(checksum(&ip[..20], 0), 0, "IPv4 checksum");
            let u = &ip[20..];
            assert_eq!(u16::from_be_bytes([u[0], u[1]]), 49152);
            assert_eq!(u16::from_be_bytes([u[2], u[3]]), 9000);
            assert_eq!(usize::from(u16::from_be_bytes([u[4], u[5]])), u.len());
            assert_ne!(u16::from_be_bytes([u[6], u[7]]), 0, "checksum present");
            assert_eq!(
                checksum(u, pseudo_sum(NodeId(0), NodeId(1), 17, u.len())),
                0,
                "UDP checksum"
            );
            seen.push(u[8..].to_vec());
        }
        assert_eq!(seen.len(), 2);
        let p = &seen[0];
        assert_eq!(p.len(), 100);
        assert_eq!(&p[..4], &3u32.to_be_bytes());
        assert_eq!(&p[4..12], &1_500_000_000u64.to_be_bytes());
        let pattern: Vec<u8> = (12..100u64).map(sim_core::pattern::byte).collect();
        assert_eq!(&p[12..], &pattern[..]);
        assert_eq!(seen[1], [0, 0, 0, 4, 0]);
    }

    fn sack(blocks: &[(u64, u64)]) -> (Field, Value) {
        let v = blocks
            .iter()
            .map(|(l, r)| Value::List(vec![Value::U64(*l), Value::U64(*r)]))
            .collect();
        (Field::Sack, Value::List(v))
    }

    /// One option read back: kind and body (NOPs are kept, as kind 1).
    #[derive(Debug, PartialEq)]
    enum Opt {
        Nop,
        Mss(u16),
        Wscale(u8),
        SackOk,
        Ts(u32, u32),
        Sack(Vec<(u32, u32)>),
    }

    /// The TCP segments of a capture: (options, data length), after
    /// checking the headers' lengths and checksums.
    fn read_back(pcap: &[u8]) -> Vec<(Vec<Opt>, usize)> {
        let be16 = |b: &[u8], i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        let be32 = |b: &[u8], i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let mut out = Vec::new();
        let mut at = 24;
        while at < pcap.len() {
            let caplen = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
            let ip = &pcap[at + 16..at + 16 + caplen];
            at += 16 + caplen;
            assert_eq!(ip[9], 6);
            assert_eq!(usize::from(be16(ip, 2)), ip.len(), "IPv4 total length");
            assert_eq!(checksum(&ip[..20], 0), 0, "IPv4 checksum");
            let t = &ip[20..];
            assert_eq!(
                checksum(t, pseudo_sum(NodeId(0), NodeId(1), 6, t.len())),
                0,
                "TCP checksum"
            );
            let off = usize::from(t[12] >> 4) * 4;
            assert!((20..=60).contains(&off), "data offset {off}");
            let mut opts = Vec::new();
            let mut i = 20;
            while i < off {
                match t[i] {
                    0 => break,
                    1 => {
                        opts.push(Opt::Nop);
                        i += 1;
                        continue;
                    }
                    _ => {}
                }
                let (kind, len) = (t[i], usize::from(t[i + 1]));
                assert!(
                    len >= 2 && i + len <= off,
                    "option {kind} of {len} bytes at {i}"
                );
                let body = &t[i + 2..i + len];
                opts.push(match (kind, len) {
                    (2, 4) => Opt::Mss(be16(body, 0)),
                    (3, 3) => Opt::Wscale(body[0]),
                    (4, 2) => Opt::SackOk,
                    (8, 10) => Opt::Ts(be32(body, 0), be32(body, 4)),
                    (5, _) => {
                        assert_eq!((len - 2) % 8, 0, "SACK option of {len} bytes");
                        Opt::Sack(body.chunks(8).map(|b| (be32(b, 0), be32(b, 4))).collect())
                    }
                    _ => panic!("unexpected option {kind} of {len} bytes"),
                });
                i += len;
            }
            out.push((opts, t.len() - off));
        }
        out
    }

    #[test]
    fn options_are_laid_out_as_linux_writes_them_and_read_back() {
        use Opt::*;
        let records = vec![
            // Linux's SYN: mss, sackOK, TS, nop, wscale (20 bytes).
            segment(
                1,
                "SYN",
                0,
                vec![
                    (Field::Mss, Value::U64(1460)),
                    (Field::Wscale, Value::U64(7)),
                    (Field::SackOk, Value::Bool(true)),
                    (Field::Tsval, Value::U64(4_000_000_000)),
                    (Field::Tsecr, Value::U64(0)),
                ],
            ),
            // SACK-permitted without timestamps, MSS alone, nothing.
            segment(2, "SYN,ACK", 0, vec![(Field::SackOk, Value::Bool(true))]),
            segment(3, "SYN", 0, vec![(Field::Mss, Value::U64(536))]),
            segment(4, "ACK", 0, vec![]),
            // Timestamps and three blocks (40 bytes), then four blocks
            // alone (36 bytes), on segments with data.
            segment(
                5,
                "ACK",
                100,
                vec![
                    (Field::Tsval, Value::U64(77)),
                    (Field::Tsecr, Value::U64(66)),
                    sack(&[(3000, 4448), (6000, 7448), (u64::from(u32::MAX) - 9, 5)]),
                ],
            ),
            segment(
                6,
                "ACK",
                0,
                vec![sack(&[(10, 20), (30, 40), (50, 60), (70, 80)])],
            ),
            // More than fits: the blocks that fit are written.
            segment(
                7,
                "ACK",
                0,
                vec![
                    (Field::Tsval, Value::U64(1)),
                    (Field::Tsecr, Value::U64(2)),
                    sack(&[(10, 20), (30, 40), (50, 60), (70, 80)]),
                ],
            ),
        ];
        let mut bytes = Vec::new();
        let mut w = PcapWriter::new(&mut bytes);
        for r in &records {
            w.push(r).unwrap();
        }
        w.finish().unwrap();
        let got = read_back(&bytes);
        let want = vec![
            (
                vec![Mss(1460), SackOk, Ts(4_000_000_000, 0), Nop, Wscale(7)],
                0,
            ),
            (vec![Nop, Nop, SackOk], 0),
            (vec![Mss(536)], 0),
            (vec![], 0),
            (
                vec![
                    Nop,
                    Nop,
                    Ts(77, 66),
                    Nop,
                    Nop,
                    Sack(vec![(3000, 4448), (6000, 7448), (u32::MAX - 9, 5)]),
                ],
                100,
            ),
            (
                vec![Nop, Nop, Sack(vec![(10, 20), (30, 40), (50, 60), (70, 80)])],
                0,
            ),
            (
                vec![
                    Nop,
                    Nop,
                    Ts(1, 2),
                    Nop,
                    Nop,
                    Sack(vec![(10, 20), (30, 40), (50, 60)]),
                ],
                0,
            ),
        ];
        assert_eq!(got, want);
        // The sizes `sim_tcp::Segment::options_len` counts.
        let lens: Vec<usize> = records.iter().map(|r| tcp_options(r).1).collect();
        assert_eq!(lens, [20, 4, 4, 0, 40, 36, 40]);
    }

    /// The ECN field goes in the IPv4 header's second byte (RFC 3168 §5),
    /// ECE and CWR in the TCP flags byte.
    #[test]
    fn ecn_codepoint_and_flags_reach_the_headers() {
        let records = [
            segment(1, "SYN,ECE,CWR", 0, vec![]),
            segment(2, "PSH,ACK,CWR", 10, vec![(Field::Ecn, "ect0".into())]),
            segment(3, "ACK,ECE", 0, vec![(Field::Ecn, "ce".into())]),
        ];
        let mut bytes = Vec::new();
        let mut w = PcapWriter::new(&mut bytes);
        for r in &records {
            w.push(r).unwrap();
        }
        w.finish().unwrap();
        let mut at = 24;
        let mut seen = Vec::new();
        while at < bytes.len() {
            let caplen = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
            let ip = &bytes[at + 16..at + 16 + caplen];
            assert_eq!(checksum(&ip[..20], 0), 0, "header checksum holds");
            seen.push((ip[1], ip[20 + 13]));
            at += 16 + caplen;
        }
        assert_eq!(seen, [(0, 0xc2), (2, 0x98), (3, 0x50)]);
    }
}
