//! packetdrill's rules for outbound packets (its `run_packet.c`): the
//! model's segment is mapped into script space — sequence numbers
//! relative to the initial ones, TSval relative to the first TSval the
//! script wrote — then compared field by field: flags, sequence number,
//! ACK, window only when the script writes one, options in order (the
//! TSval only with `--tcp_ts_tick_usecs`, the TSecr never), payload length.

use std::collections::HashMap;
use std::fmt::Write;

use sim_tcp::{Flags, Segment};

use crate::parser::{IpEcn, Packet, TcpOpt};

/// The initial sequence number the script's side (the remote peer) uses.
pub const REMOTE_ISN: u32 = 0x2000_0000;

/// One connection's mapping between live values and script values.
#[derive(Clone, Debug)]
pub struct FlowMap {
    /// The model's ISN for this connection.
    pub local_iss: u32,
    /// The sequence numbers the script wrote in the model's SYN and in
    /// its own: packetdrill reads SYNs' numbers (and the ACK of a SYN) as
    /// absolute in script space, all others as relative to the ISNs.
    pub script_local_isn: u32,
    /// See `script_local_isn`.
    pub script_remote_isn: u32,
    /// Script TSval → live TSval, learned from matched outbound packets.
    ts_map: HashMap<u32, u32>,
    /// The first (script, live) TSval pair: the baseline of the mapping.
    first_ts: Option<(u32, u32)>,
}

impl FlowMap {
    /// A mapping for a connection whose ISN is `local_iss`.
    pub fn new(local_iss: u32) -> Self {
        FlowMap {
            local_iss,
            script_local_isn: 0,
            script_remote_isn: 0,
            ts_map: HashMap::new(),
            first_ts: None,
        }
    }

    /// A live sequence number of the model's in script space.
    pub fn script_seq(&self, live: u32, syn: bool) -> u32 {
        let base = if syn { self.script_local_isn } else { 0 };
        live.wrapping_sub(self.local_iss).wrapping_add(base)
    }

    /// A live ACK of the model's (acknowledging the script's side) in
    /// script space.
    pub fn script_ack(&self, live: u32, syn: bool) -> u32 {
        let base = if syn { self.script_remote_isn } else { 0 };
        live.wrapping_sub(REMOTE_ISN).wrapping_add(base)
    }

    /// The live TSecr for a TSecr the script wrote in an inbound packet:
    /// the TSval of the outbound packet the script matched with that
    /// value, else interpolated from the first pair (packetdrill's
    /// `--tcp_ts_ecr_scaled`), else the value as written.
    pub fn live_ecr(&self, script_ecr: u32) -> u32 {
        if let Some(v) = self.ts_map.get(&script_ecr) {
            return *v;
        }
        match self.first_ts {
            Some((s, a)) => script_ecr.wrapping_sub(s).wrapping_add(a),
            None => script_ecr,
        }
    }
}

/// The options of `seg` as Linux lays them out (`tcp_options_write`):
/// MSS; timestamps after SACK-permitted or two NOPs; SACK-permitted alone
/// after two NOPs; window scale after a NOP; SACK blocks after two NOPs.
pub fn linux_options(seg: &Segment) -> Vec<TcpOpt> {
    let mut v = Vec::new();
    if let Some(m) = seg.mss {
        v.push(TcpOpt::Mss(m));
    }
    match (seg.timestamps, seg.sack_permitted) {
        (Some(ts), sack_ok) => {
            if sack_ok {
                v.push(TcpOpt::SackOk);
            } else {
                v.extend([TcpOpt::Nop, TcpOpt::Nop]);
            }
            v.push(TcpOpt::Ts {
                val: ts.val,
                ecr: ts.ecr,
            });
        }
        (None, true) => v.extend([TcpOpt::Nop, TcpOpt::Nop, TcpOpt::SackOk]),
        (None, false) => {}
    }
    if let Some(w) = seg.wscale {
        v.extend([TcpOpt::Nop, TcpOpt::Wscale(w)]);
    }
    if !seg.sack.is_empty() {
        v.extend([TcpOpt::Nop, TcpOpt::Nop]);
        v.push(TcpOpt::Sack(
            seg.sack
                .as_slice()
                .iter()
                .map(|(l, r)| (l.0, r.0))
                .collect(),
        ));
    }
    if let Some(fo) = seg.fast_open {
        // Last, padded to four bytes with two NOPs when it ends short.
        let exp = fo.kind == sim_tcp::fastopen::FoKind::Exp;
        v.push(TcpOpt::FastOpen {
            exp,
            cookie: fo.bytes().to_vec(),
        });
        let len = if exp { 4 } else { 2 } + usize::from(fo.len);
        if len % 4 == 2 {
            v.extend([TcpOpt::Nop, TcpOpt::Nop]);
        }
    }
    v
}

/// What the script would have written for `seg`, in script space.
pub fn script_text(seg: &Segment, map: &FlowMap) -> String {
    let mut s = String::new();
    let mut flags = String::new();
    for (f, c) in [
        (Flags::SYN, 'S'),
        (Flags::FIN, 'F'),
        (Flags::RST, 'R'),
        (Flags::PSH, 'P'),
        (Flags::ECE, 'E'),
        (Flags::CWR, 'W'),
    ] {
        if seg.has(f) {
            flags.push(c);
        }
    }
    if seg.has(Flags::ACK) {
        flags.push('.');
    }
    let syn = seg.has(Flags::SYN);
    let seq = map.script_seq(seg.seq.0, syn);
    let len = seg.data.len;
    let _ = write!(s, "{flags} {seq}:{}({len})", seq.wrapping_add(len));
    if seg.has(Flags::ACK) {
        let _ = write!(s, " ack {}", map.script_ack(seg.ack.0, syn));
    }
    let _ = write!(s, " win {}", seg.wnd);
    let opts = linux_options(seg);
    if !opts.is_empty() {
        let text: Vec<String> = opts
            .iter()
            .map(|o| match o {
                TcpOpt::Nop => "nop".into(),
                TcpOpt::Eol => "eol".into(),
                TcpOpt::Mss(m) => format!("mss {m}"),
                TcpOpt::Wscale(w) => format!("wscale {w}"),
                TcpOpt::SackOk => "sackOK".into(),
                TcpOpt::Sack(b) => {
                    let blocks: Vec<String> = b
                        .iter()
                        .map(|(l, r)| {
                            format!(
                                "{}:{}",
                                l.wrapping_sub(REMOTE_ISN),
                                r.wrapping_sub(REMOTE_ISN)
                            )
                        })
                        .collect();
                    format!("sack {}", blocks.join(" "))
                }
                TcpOpt::Ts { val, ecr } => format!("TS val {val} ecr {ecr}"),
                TcpOpt::FastOpen { exp, cookie } => {
                    let hex: String = cookie.iter().map(|b| format!("{b:02x}")).collect();
                    let name = if *exp { "FOEXP" } else { "FO" };
                    if hex.is_empty() {
                        name.to_string()
                    } else {
                        format!("{name} {hex}")
                    }
                }
                TcpOpt::Other(o) => o.clone(),
            })
            .collect();
        let _ = write!(s, " <{}>", text.join(","));
    }
    s
}

/// Compares a live outbound segment with the script's packet; the first
/// difference as packetdrill words it. `ts_check` is the TSval tolerance
/// in ticks when `--tcp_ts_tick_usecs` is given.
pub fn check(
    want: &Packet,
    seg: &Segment,
    map: &mut FlowMap,
    ts_check: Option<u64>,
) -> Result<(), String> {
    for (c, f, name) in [
        ('F', Flags::FIN, "tcp_fin"),
        ('S', Flags::SYN, "tcp_syn"),
        ('R', Flags::RST, "tcp_rst"),
        ('P', Flags::PSH, "tcp_psh"),
        ('.', Flags::ACK, "tcp_ack"),
        ('E', Flags::ECE, "tcp_ece"),
        ('W', Flags::CWR, "tcp_cwr"),
    ] {
        let (e, a) = (want.has(c), seg.has(f));
        if e != a {
            return Err(field(name, e.into(), a.into()));
        }
    }
    let syn = seg.has(Flags::SYN);
    let seq = map.script_seq(seg.seq.0, syn);
    if seq != want.seq {
        return Err(field("tcp_seq", want.seq, seq));
    }
    if seg.has(Flags::ACK) {
        let ack = map.script_ack(seg.ack.0, syn);
        let e = want.ack.unwrap_or(0);
        if ack != e {
            return Err(field("tcp_ack_seq", e, ack));
        }
    }
    if let Some(w) = want.win
        && w != u32::from(seg.wnd)
    {
        return Err(field("tcp_window", w, u32::from(seg.wnd)));
    }
    if let Some(e) = want.ecn {
        use sim_core::Ecn;
        let ok = match e {
            IpEcn::NotEct => seg.ecn == Ecn::NotEct,
            IpEcn::Ect0 => seg.ecn == Ecn::Ect0,
            IpEcn::Ect1 => seg.ecn == Ecn::Ect1,
            IpEcn::Ce => seg.ecn == Ecn::Ce,
            IpEcn::Ect01 => matches!(seg.ecn, Ecn::Ect0 | Ecn::Ect1),
        };
        if !ok {
            return Err(format!(
                "live packet field ip_ecn: expected {e:?} vs actual {:?}",
                seg.ecn
            ));
        }
    }
    if let Some(want_opts) = &want.options {
        let live = linux_options(seg);
        if live.len() != want_opts.len() {
            return Err("bad outbound TCP options".to_string());
        }
        for (w, a) in want_opts.iter().zip(&live) {
            let same = match (w, a) {
                (TcpOpt::Ts { val: sv, .. }, TcpOpt::Ts { val: av, .. }) => {
                    map.ts_map.insert(*sv, *av);
                    let (s0, a0) = *map.first_ts.get_or_insert((*sv, *av));
                    let mapped = s0.wrapping_add(av.wrapping_sub(a0));
                    match ts_check {
                        Some(ticks) => u64::from(mapped.abs_diff(*sv)) <= ticks,
                        None => true,
                    }
                }
                (TcpOpt::Sack(sb), TcpOpt::Sack(ab)) => {
                    let mapped: Vec<(u32, u32)> = ab
                        .iter()
                        .map(|(l, r)| (l.wrapping_sub(REMOTE_ISN), r.wrapping_sub(REMOTE_ISN)))
                        .collect();
                    *sb == mapped
                }
                (w, a) => w == a,
            };
            if !same {
                return Err(format!(
                    "bad outbound TCP option: expected {w:?} vs actual {}",
                    match a {
                        TcpOpt::Sack(_) | TcpOpt::Ts { .. } => "(see actual packet)".to_string(),
                        other => format!("{other:?}"),
                    }
                ));
            }
        }
    }
    if want.len != seg.data.len {
        return Err(format!(
            "payload length: expected {} vs actual {}",
            want.len, seg.data.len
        ));
    }
    Ok(())
}

fn field(name: &str, e: u32, a: u32) -> String {
    format!("live packet field {name}: expected: {e} vs actual: {a}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_tcp::Timestamps;
    use sim_tcp::seq::SeqNum;

    #[test]
    fn syn_options_in_linux_order() {
        let seg = Segment {
            mss: Some(1460),
            sack_permitted: true,
            timestamps: Some(Timestamps { val: 5, ecr: 0 }),
            wscale: Some(8),
            ..Segment::default()
        };
        assert_eq!(
            linux_options(&seg),
            vec![
                TcpOpt::Mss(1460),
                TcpOpt::SackOk,
                TcpOpt::Ts { val: 5, ecr: 0 },
                TcpOpt::Nop,
                TcpOpt::Wscale(8)
            ]
        );
        let no_ts = Segment {
            timestamps: None,
            ..seg
        };
        assert_eq!(
            linux_options(&no_ts)[1..4],
            [TcpOpt::Nop, TcpOpt::Nop, TcpOpt::SackOk]
        );
    }

    #[test]
    fn tsval_maps_from_the_first_pair() {
        let mut map = FlowMap::new(1000);
        let want = crate::parser::parse("0 > . 1:1(0) ack 1 <nop,nop,TS val 100 ecr 0>").unwrap();
        let crate::parser::Action::Packet(p) = &want.events[0].action else {
            panic!()
        };
        let seg = Segment {
            seq: SeqNum(1001),
            ack: SeqNum(REMOTE_ISN + 1),
            flags: Flags::ACK,
            timestamps: Some(Timestamps { val: 7, ecr: 0 }),
            ..Segment::default()
        };
        check(p, &seg, &mut map, Some(0)).unwrap();
        assert_eq!(map.live_ecr(100), 7);
        assert_eq!(map.live_ecr(110), 17);
    }
}
