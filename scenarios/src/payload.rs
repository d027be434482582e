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
            Wire::Tcp { .. } => None,
        }
    }
}
