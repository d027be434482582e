//! What packets carry in a scenario: the union of every model's messages.

use sim_core::datagram::{CarriesEcho, Echo};
use sim_core::{Fields, Payload, Value};

/// A packet's payload.
#[derive(Clone, Debug, PartialEq)]
pub enum Wire {
    /// An ICMP-style echo request or reply.
    Echo(Echo),
}

impl Payload for Wire {
    fn trace_fields(&self, out: &mut Fields) {
        match self {
            Wire::Echo(Echo::Request { seq, .. }) => {
                out.push(("proto", "echo".into()));
                out.push(("msg", "request".into()));
                out.push(("seq", Value::from(*seq)));
            }
            Wire::Echo(Echo::Reply { seq, .. }) => {
                out.push(("proto", "echo".into()));
                out.push(("msg", "reply".into()));
                out.push(("seq", Value::from(*seq)));
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
        }
    }
}
