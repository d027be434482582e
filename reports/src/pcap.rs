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
use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

use sim_core::{NodeId, Topology, TraceRecord};

/// The IPv4 address of a node.
pub fn address(node: NodeId) -> [u8; 4] {
    node.ipv4()
}

fn sum16(data: &[u8], mut acc: u32) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        acc += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u32::from(*last) << 8;
    }
    acc
}

/// The Internet checksum (RFC 1071) of `data` starting from `acc`.
pub fn checksum(data: &[u8], acc: u32) -> u16 {
    let mut s = sum16(data, acc);
    while s >> 16 != 0 {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
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

/// Writes the capture of `records`.
pub fn write(out: &mut impl Write, _topo: &Topology, records: &[TraceRecord]) -> io::Result<()> {
    out.write_all(&0xa1b2_3c4du32.to_le_bytes())?;
    out.write_all(&2u16.to_le_bytes())?;
    out.write_all(&4u16.to_le_bytes())?;
    out.write_all(&0i32.to_le_bytes())?;
    out.write_all(&0u32.to_le_bytes())?;
    out.write_all(&262_144u32.to_le_bytes())?;
    out.write_all(&101u32.to_le_bytes())?; // LINKTYPE_RAW: raw IPv4
    // Streams with real content (TLS) left their bytes in `tcp_payload`
    // records, by packet id.
    let payloads: HashMap<u64, Vec<u8>> = records
        .iter()
        .filter(|r| r.kind == Kind::TcpPayload)
        .filter_map(|r| Some((r.u64(Field::Id)?, unhex(r.text(Field::Data)?)?)))
        .collect();
    let mut seen = HashSet::new();
    for r in records.iter().filter(|r| r.kind == Kind::LinkTransmit) {
        let Some(id) = r.u64(Field::Id) else { continue };
        if !seen.insert(id) {
            continue;
        }
        let (Some(src), Some(dst)) = (r.node_field(Field::Src), r.node_field(Field::Dst)) else {
            continue;
        };
        let packet = match r.text(Field::Proto) {
            Some("tcp") => tcp(r, src, dst, payloads.get(&id)),
            Some("echo") => icmp(r, src, dst),
            Some("dns") => udp(r, src, dst),
            _ => None,
        };
        let Some(p) = packet else { continue };
        let t = r.t.as_nanos();
        out.write_all(&((t / 1_000_000_000) as u32).to_le_bytes())?;
        out.write_all(&((t % 1_000_000_000) as u32).to_le_bytes())?;
        out.write_all(&(p.len() as u32).to_le_bytes())?;
        out.write_all(&(p.len() as u32).to_le_bytes())?;
        out.write_all(&p)?;
    }
    Ok(())
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

    #[test]
    fn a_header_with_its_checksum_sums_to_zero() {
        let p = ipv4(6, 7, NodeId(0), NodeId(1), &[1, 2, 3]);
        assert_eq!(checksum(&p[..20], 0), 0);
        assert_eq!(&p[12..20], &[10, 0, 0, 1, 10, 0, 0, 2]);
    }
}
