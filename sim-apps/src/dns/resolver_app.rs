//! The recursive resolver as a host's application: it takes stubs'
//! queries on port 53, sends its iterative queries and its answers, keeps
//! its one timer at its deadline, and traces what it did as `dns` records
//! (the host sends; the model in `recursive` knows messages, not packets).

use std::sync::Arc;

use sim_core::{Context, Field, Kind, NodeId, RngStream, TimerId, Value};

use super::recursive::{Recursive, RecursiveConfig, Stats, Step};
use super::{Message, PORT};
use crate::payload::Wire;
use crate::timer::Timer;

/// The running resolver.
#[derive(Debug)]
pub(crate) struct DnsResolver {
    cfg: Arc<RecursiveConfig>,
    /// Made at start, when the run's seed is known.
    r: Option<Recursive>,
    timer: Option<TimerId>,
    /// Its index among the host's applications (its timer carries it).
    index: u16,
    /// Its name on the host, for its random stream.
    label: String,
}

impl DnsResolver {
    pub(crate) fn new(cfg: &Arc<RecursiveConfig>, index: u16, label: &str) -> Self {
        DnsResolver {
            cfg: cfg.clone(),
            r: None,
            timer: None,
            index,
            label: label.to_string(),
        }
    }

    pub(crate) fn start(&mut self, cx: &mut Context<'_, Wire>) {
        let node = cx.topology().name(cx.node()).to_string();
        // Query ids and ports come from the run seed (RFC 5452 §9.2).
        let rng = RngStream::derive(cx.run_seed(), &format!("dns/{node}/{}", self.label));
        self.r = Some(Recursive::new(self.cfg.clone(), rng));
    }

    /// Whether `m` is a query for it.
    pub(crate) fn serves(&self, m: &Message) -> bool {
        m.answer.is_none() && m.dst_port == PORT
    }

    /// Whether `m` from `from` answers one of its upstream queries.
    pub(crate) fn awaits(&self, from: NodeId, m: &Message) -> bool {
        m.answer.is_some() && self.r.as_ref().is_some_and(|r| r.awaits(from, m.dst_port))
    }

    pub(crate) fn on_message(&mut self, cx: &mut Context<'_, Wire>, from: NodeId, m: &Message) {
        let now = cx.now();
        let Some(r) = self.r.as_mut() else { return };
        if m.answer.is_some() {
            // Read from the bytes on the wire, as a real resolver does.
            r.handle_response(now, from, m.dst_port, &m.encode());
        } else {
            r.handle_query(now, from, m);
        }
        self.pump(cx);
    }

    pub(crate) fn on_timer(&mut self, cx: &mut Context<'_, Wire>) {
        let now = cx.now();
        if let Some(r) = self.r.as_mut() {
            r.handle_timeout(now);
        }
        self.pump(cx);
    }

    /// Sends what it has to send, traces what it did, sets its timer.
    fn pump(&mut self, cx: &mut Context<'_, Wire>) {
        let Some(r) = self.r.as_mut() else { return };
        while let Some(step) = r.poll_event() {
            if cx.tracing() {
                cx.trace(Kind::Dns, step_fields(&step));
            }
        }
        while let Some(t) = r.poll_transmit() {
            cx.send(t.to, t.msg.wire_size(), Wire::Dns(t.msg));
        }
        match (r.next_timeout(), self.timer) {
            (Some(at), Some(t)) => cx.set_timer(t, at),
            (Some(at), None) => {
                let t = cx.new_timer(Timer::DnsResolver(self.index).to_token());
                cx.set_timer(t, at);
                self.timer = Some(t);
            }
            (None, Some(t)) => cx.cancel_timer(t),
            (None, None) => {}
        }
    }

    pub(crate) fn metrics(&self) -> Vec<(String, sim_core::Value)> {
        let s = self.r.as_ref().map(|r| r.stats()).unwrap_or_default();
        named(s)
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::U64(v)))
            .collect()
    }

    pub(crate) fn metric_names() -> Vec<String> {
        named(Stats::default())
            .into_iter()
            .map(|(k, _)| k.to_string())
            .collect()
    }
}

/// A step as a `dns` record's fields, in the vocabulary's order (event,
/// name, addr, source, attempt, reason).
fn step_fields(step: &Step) -> Vec<(Field, Value)> {
    let shown = |z: &str| {
        if z.is_empty() {
            ".".to_string()
        } else {
            z.to_string()
        }
    };
    let name = |n: &str| (Field::Name, Value::from(n.to_string()));
    let event = |e: &'static str| (Field::Event, Value::from(e));
    match step {
        Step::CacheHit { name: n, addr } => vec![
            event("cache_hit"),
            name(n),
            (Field::Addr, Value::Node(*addr)),
            (Field::Source, "cache".into()),
        ],
        Step::CacheCname { name: n, target } => vec![
            event("cache_hit"),
            name(n),
            (Field::Source, "cache".into()),
            (Field::Reason, Value::from(format!("CNAME {target}"))),
        ],
        Step::NegativeCacheHit { name: n } => vec![
            event("negative_cache_hit"),
            name(n),
            (Field::Source, "cache".into()),
        ],
        Step::CacheMiss {
            name: n,
            server,
            zone,
            cached,
        } => vec![
            event("cache_miss"),
            name(n),
            (Field::Addr, Value::Node(*server)),
            (
                Field::Source,
                if *cached { "cache" } else { "root_hints" }.into(),
            ),
            (
                Field::Reason,
                Value::from(format!("asking zone {}", shown(zone))),
            ),
        ],
        Step::Referral {
            name: n,
            zone,
            server,
        } => vec![
            event("referral"),
            name(n),
            (Field::Addr, Value::Node(*server)),
            (Field::Source, "server".into()),
            (Field::Reason, Value::from(format!("zone {}", shown(zone)))),
        ],
        Step::Cname { name: n, target } => vec![
            event("cname"),
            name(n),
            (Field::Source, "server".into()),
            (Field::Reason, Value::from(format!("CNAME {target}"))),
        ],
        Step::Retry { name: n, attempt } => vec![
            event("retry"),
            name(n),
            (Field::Attempt, Value::from(*attempt)),
        ],
        Step::ServFail { name: n, reason } => vec![
            event("failed"),
            name(n),
            (Field::Reason, Value::from(format!("servfail: {reason}"))),
        ],
        Step::Malformed { reason } => vec![
            event("malformed"),
            (Field::Reason, Value::from(reason.name())),
        ],
    }
}

/// Its figures, by name.
fn named(s: Stats) -> [(&'static str, u64); 14] {
    [
        ("dns.queries_received", s.queries_received),
        ("dns.responses_sent", s.responses_sent),
        ("dns.cache_hits", s.cache_hits),
        ("dns.negative_cache_hits", s.negative_cache_hits),
        ("dns.cache_misses", s.cache_misses),
        ("dns.upstream_queries", s.upstream_queries),
        ("dns.referrals", s.referrals),
        ("dns.cnames", s.cnames),
        ("dns.timeouts", s.timeouts),
        ("dns.nxdomain_sent", s.nxdomain_sent),
        ("dns.servfail_sent", s.servfail_sent),
        ("dns.malformed", s.malformed),
        ("dns.unmatched", s.unmatched),
        ("dns.cache_evictions", s.cache_evictions),
    ]
}
