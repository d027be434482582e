//! What packets carry in a scenario: the union of every model's messages.

use sim_core::datagram::{CarriesEcho, Echo};
use sim_core::{Field, Fields, Payload, Value};
use std::sync::Arc;

use sim_tcp::Segment;

/// A packet's payload.
#[derive(Clone, Debug, PartialEq)]
pub enum Wire {
    /// An ICMP-style echo request or reply.
    Echo(Echo),
    /// A TCP segment, and whether its sender was retransmitting.
    Tcp {
        /// The segment.
        seg: Segment,
        /// True when it repeats sequence space already sent.
        retransmission: bool,
        /// The data's real bytes, for streams whose content matters (TLS);
        /// other streams carry the pattern that the data's offset implies.
        bytes: Option<Arc<[u8]>>,
    },
    /// A DNS message over UDP.
    Dns(crate::dns::Message),
    /// A datagram of the UDP traffic application.
    Udp(crate::udp::Datagram),
}

impl Payload for Wire {
    /// The IP protocol number and the two ports: a flow-queueing
    /// discipline's 5-tuple with the addresses the link adds.
    fn flow_key(&self) -> u64 {
        let (proto, sport, dport) = match self {
            Wire::Echo(_) => (1u64, 0, 0),
            Wire::Tcp { seg, .. } => (6, seg.src_port, seg.dst_port),
            Wire::Dns(m) => (17, m.src_port, m.dst_port),
            Wire::Udp(d) => (17, d.src_port, d.dst_port),
        };
        (proto << 32) | (u64::from(sport) << 16) | u64::from(dport)
    }

    fn trace_fields(&self, out: &mut Fields) {
        match self {
            Wire::Echo(e) => {
                let (msg, seq) = match e {
                    Echo::Request { seq, .. } => ("request", seq),
                    Echo::Reply { seq, .. } => ("reply", seq),
                };
                out.push((Field::Proto, "echo".into()));
                out.push((Field::Msg, msg.into()));
                out.push((Field::Seq, Value::from(*seq)));
            }
            Wire::Tcp {
                seg,
                retransmission,
                ..
            } => {
                out.push((Field::Proto, "tcp".into()));
                out.push((Field::Sport, Value::from(u32::from(seg.src_port))));
                out.push((Field::Dport, Value::from(u32::from(seg.dst_port))));
                out.push((Field::Flags, Value::Str(seg.flags.name())));
                out.push((Field::Seq, Value::from(seg.seq.0)));
                out.push((Field::Ack, Value::from(seg.ack.0)));
                out.push((Field::Len, Value::from(seg.data.len)));
                if seg.data.len > 0 {
                    // Where the data sits in the sender's stream: the pcap
                    // rebuilds the bytes from it.
                    out.push((Field::Off, Value::U64(seg.data.offset)));
                }
                out.push((Field::Wnd, Value::from(u32::from(seg.wnd))));
                if let Some(m) = seg.mss {
                    out.push((Field::Mss, Value::from(u32::from(m))));
                }
                if let Some(w) = seg.wscale {
                    out.push((Field::Wscale, Value::from(u32::from(w))));
                }
                // The options of RFC 2018 and RFC 7323 appear only when
                // sent, so a trace without them reads as before.
                if seg.sack_permitted {
                    out.push((Field::SackOk, Value::Bool(true)));
                }
                if let Some(ts) = seg.timestamps {
                    out.push((Field::Tsval, Value::from(ts.val)));
                    out.push((Field::Tsecr, Value::from(ts.ecr)));
                }
                if !seg.sack.is_empty() {
                    out.push((Field::Sack, sack_value(&seg.sack)));
                }
                if *retransmission {
                    out.push((Field::Rtx, Value::Bool(true)));
                }
            }
            Wire::Dns(m) => {
                use crate::dns::Answer;
                out.push((Field::Proto, "dns".into()));
                out.push((Field::Sport, Value::from(u32::from(m.src_port))));
                out.push((Field::Dport, Value::from(u32::from(m.dst_port))));
                let msg = if m.answer.is_some() {
                    "response"
                } else {
                    "query"
                };
                out.push((Field::Msg, msg.into()));
                out.push((Field::DnsId, Value::from(u32::from(m.id))));
                out.push((Field::Name, Value::from(m.name.to_string())));
                match &m.answer {
                    Some(Answer::Address { addr, ttl }) => {
                        out.push((Field::Rcode, "NOERROR".into()));
                        out.push((Field::Addr, Value::Node(*addr)));
                        out.push((Field::Ttl, Value::from(*ttl)));
                    }
                    Some(Answer::NxDomain) => out.push((Field::Rcode, "NXDOMAIN".into())),
                    Some(Answer::Reply(r)) => {
                        out.push((Field::Rcode, r.rcode.name().into()));
                        // The address the answer leads to, through its
                        // CNAMEs, and the chain's smallest TTL.
                        if let Some((addr, ttl)) = r.address_of(&crate::dns::canonical(&m.name)) {
                            out.push((Field::Addr, Value::Node(addr)));
                            out.push((Field::Ttl, Value::from(ttl)));
                        }
                    }
                    None => {}
                }
                // The message's bytes, for the pcap.
                out.push((Field::Data, Value::from(sim_tls::crypto::hex(&m.encode()))));
            }
            Wire::Udp(d) => {
                // What the pcap needs to rebuild the datagram: its ports,
                // the stamp at the front of its payload and its length.
                out.push((Field::Proto, "udp".into()));
                out.push((Field::Sport, Value::from(u32::from(d.src_port))));
                out.push((Field::Dport, Value::from(u32::from(d.dst_port))));
                out.push((Field::Seq, Value::from(d.seq)));
                out.push((Field::Len, Value::from(d.len)));
                out.push((Field::SentNs, Value::U64(d.sent_at.as_nanos())));
            }
        }
    }
}

/// SACK blocks as a trace value: a list of `[left, right]` pairs of wire
/// sequence numbers (right exclusive), first sent first.
fn sack_value(sack: &sim_tcp::segment::SackBlocks) -> Value {
    Value::List(
        sack.as_slice()
            .iter()
            .map(|(l, r)| Value::List(vec![Value::from(l.0), Value::from(r.0)]))
            .collect(),
    )
}

impl CarriesEcho for Wire {
    fn from_echo(e: Echo) -> Self {
        Wire::Echo(e)
    }
    fn as_echo(&self) -> Option<&Echo> {
        match self {
            Wire::Echo(e) => Some(e),
            Wire::Tcp { .. } | Wire::Dns(_) | Wire::Udp(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udp::Datagram;
    use sim_core::SimTime;

    fn udp(src_port: u16, dst_port: u16) -> Wire {
        Wire::Udp(Datagram {
            src_port,
            dst_port,
            seq: 0,
            sent_at: SimTime::ZERO,
            len: 100,
        })
    }

    /// A UDP datagram's flow is protocol 17 and its two ports (the link
    /// adds the addresses): two flows differing in a port hash apart, and
    /// a TCP segment with the same ports is another flow.
    #[test]
    fn udp_flows_are_told_apart_by_protocol_and_ports() {
        assert_eq!(
            udp(49152, 9000).flow_key(),
            (17 << 32) | (49152 << 16) | 9000
        );
        assert_ne!(udp(49152, 9000).flow_key(), udp(49153, 9000).flow_key());
        assert_ne!(udp(49152, 9000).flow_key(), udp(49152, 9001).flow_key());
        let seg = sim_tcp::Segment {
            src_port: 49152,
            dst_port: 9000,
            ..sim_tcp::Segment::default()
        };
        let tcp = Wire::Tcp {
            seg,
            retransmission: false,
            bytes: None,
        };
        assert_ne!(tcp.flow_key(), udp(49152, 9000).flow_key());
    }
}
