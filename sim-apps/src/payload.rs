//! What packets carry in a scenario: the union of every model's messages.

use sim_core::datagram::{CarriesEcho, Echo};
use sim_core::{Fields, Payload, Value};
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
}

impl Payload for Wire {
    fn trace_fields(&self, out: &mut Fields) {
        match self {
            Wire::Echo(e) => {
                let (msg, seq) = match e {
                    Echo::Request { seq, .. } => ("request", seq),
                    Echo::Reply { seq, .. } => ("reply", seq),
                };
                out.push(("proto", "echo".into()));
                out.push(("msg", msg.into()));
                out.push(("seq", Value::from(*seq)));
            }
            Wire::Tcp {
                seg,
                retransmission,
                ..
            } => {
                out.push(("proto", "tcp".into()));
                out.push(("sport", Value::from(u32::from(seg.src_port))));
                out.push(("dport", Value::from(u32::from(seg.dst_port))));
                out.push(("flags", Value::Str(seg.flags.name())));
                out.push(("seq", Value::from(seg.seq.0)));
                out.push(("ack", Value::from(seg.ack.0)));
                out.push(("len", Value::from(seg.data.len)));
                if seg.data.len > 0 {
                    // Where the data sits in the sender's stream: the pcap
                    // rebuilds the bytes from it.
                    out.push(("off", Value::U64(seg.data.offset)));
                }
                out.push(("wnd", Value::from(u32::from(seg.wnd))));
                if let Some(m) = seg.mss {
                    out.push(("mss", Value::from(u32::from(m))));
                }
                if let Some(w) = seg.wscale {
                    out.push(("wscale", Value::from(u32::from(w))));
                }
                if *retransmission {
                    out.push(("rtx", Value::Bool(true)));
                }
            }
            Wire::Dns(m) => {
                use crate::dns::Answer;
                out.push(("proto", "dns".into()));
                out.push(("sport", Value::from(u32::from(m.src_port))));
                out.push(("dport", Value::from(u32::from(m.dst_port))));
                let msg = if m.answer.is_some() {
                    "response"
                } else {
                    "query"
                };
                out.push(("msg", msg.into()));
                out.push(("dns_id", Value::from(u32::from(m.id))));
                out.push(("name", Value::from(m.name.to_string())));
                match m.answer {
                    Some(Answer::Address { addr, ttl }) => {
                        out.push(("rcode", "NOERROR".into()));
                        out.push(("addr", Value::Node(addr)));
                        out.push(("ttl", Value::from(ttl)));
                    }
                    Some(Answer::NxDomain) => out.push(("rcode", "NXDOMAIN".into())),
                    None => {}
                }
                // The message's bytes, for the pcap.
                out.push(("data", Value::from(sim_tls::crypto::hex(&m.encode()))));
            }
        }
    }
}

impl CarriesEcho for Wire {
    fn from_echo(e: Echo) -> Self {
        Wire::Echo(e)
    }
    fn as_echo(&self) -> Option<&Echo> {
        match self {
            Wire::Echo(e) => Some(e),
            Wire::Tcp { .. } | Wire::Dns(_) => None,
        }
    }
}
