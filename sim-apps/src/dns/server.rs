//! The DNS server as a host's application: it answers queries to its port
//! from its zone and counts what it answered. The host sends the answers
//! (this module knows messages, not packets).

use sim_core::Value;

use super::{Answer, Message, PORT, Rcode, Zone, serve};

/// What it answered.
#[derive(Debug, Default, Clone, Copy)]
struct Served {
    answered: u64,
    nxdomain: u64,
}

/// The running server.
#[derive(Debug)]
pub(crate) struct DnsServer {
    zone: Zone,
    served: Served,
}

impl DnsServer {
    pub(crate) fn new(zone: &Zone) -> Self {
        DnsServer {
            zone: zone.clone(),
            served: Served::default(),
        }
    }

    /// Whether `m` is a query for it.
    pub(crate) fn serves(&self, m: &Message) -> bool {
        m.answer.is_none() && m.dst_port == PORT
    }

    /// The answer to a query, for the host to send back.
    pub(crate) fn on_query(&mut self, m: &Message) -> Message {
        let reply = serve(&self.zone, m);
        self.served.answered += 1;
        if matches!(&reply.answer, Some(Answer::NxDomain))
            || matches!(&reply.answer, Some(Answer::Reply(r)) if r.rcode == Rcode::NxDomain)
        {
            self.served.nxdomain += 1;
        }
        reply
    }

    pub(crate) fn metrics(&self) -> Vec<(String, Value)> {
        named(self.served)
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::U64(v)))
            .collect()
    }

    pub(crate) fn metric_names() -> Vec<String> {
        named(Served::default())
            .into_iter()
            .map(|(k, _)| k.to_string())
            .collect()
    }
}

/// Its figures, by name.
fn named(s: Served) -> [(&'static str, u64); 2] {
    [
        ("dns.queries_answered", s.answered),
        ("dns.nxdomain_sent", s.nxdomain),
    ]
}
