//! The deterministic discrete-event core of netsim.
//!
//! It holds simulated time ([`SimTime`], integer nanoseconds), the event
//! queue ([`RadixQueue`]: a monotone radix heap, FIFO among equal times),
//! named seeded random streams ([`RngStream`]), the topology with static
//! shortest-path routes ([`Topology`], each found when a packet first needs
//! it by [`Routes`]), links with delay, rate, drop-tail queues, loss,
//! duplication and jitter, the [`Endpoint`] trait that protocol models plug
//! into, and the typed [`TraceRecord`] stream every
//! output is derived from. It knows nothing of TCP or TLS.
//!
//! The same topology and seed always give the same events in the same order.
//!
//! # Example: ping across a router
//!
//! ```
//! use sim_core::datagram::{CarriesEcho, DatagramHost, Echo, PingJob};
//! use sim_core::{
//!     parse_duration, parse_rate, Fields, LinkParams, NodeKind, Payload, SimTime, Simulator,
//!     TopologyBuilder,
//! };
//!
//! #[derive(Clone)]
//! struct Msg(Echo);
//! impl Payload for Msg {
//!     fn trace_fields(&self, _out: &mut Fields) {}
//! }
//! impl CarriesEcho for Msg {
//!     fn from_echo(e: Echo) -> Self { Msg(e) }
//!     fn as_echo(&self) -> Option<&Echo> { Some(&self.0) }
//! }
//!
//! let mut t = TopologyBuilder::new();
//! let a = t.add_node("a", NodeKind::Host).unwrap();
//! let r = t.add_node("r", NodeKind::Router).unwrap();
//! let b = t.add_node("b", NodeKind::Host).unwrap();
//! let link = LinkParams {
//!     delay: parse_duration("10ms").unwrap(),
//!     rate: Some(parse_rate("100Mbps").unwrap()),
//!     ..LinkParams::default()
//! };
//! t.add_link(a, r, link.clone(), link.clone()).unwrap();
//! t.add_link(r, b, link.clone(), link).unwrap();
//!
//! let mut sim = Simulator::<Msg>::new(t.build(), 1, true);
//! let job = PingJob { target: b, count: 3, interval: parse_duration("1s").unwrap(),
//!                     size: 1500, start: SimTime::ZERO, stop: None };
//! sim.attach(a, Box::new(DatagramHost::with_ping(job))).unwrap();
//! sim.attach(b, Box::new(DatagramHost::new())).unwrap();
//! sim.run_until(SimTime::MAX);
//!
//! // Four hops of 10 ms plus 120 us of serialisation each.
//! let replies: Vec<_> = sim.trace().iter().filter(|r| r.kind == sim_core::Kind::PingReply).collect();
//! assert_eq!(replies.len(), 3);
//! assert_eq!(replies[0].field(sim_core::Field::RttNs), Some(&sim_core::Value::U64(40_480_000)));
//! ```

pub mod datagram;
pub mod ecn;
pub mod hash;
pub mod pattern;
pub mod qdisc;
pub mod queue;
pub mod rng;
pub mod routing;
pub mod sched;
pub mod sim;
pub mod time;
pub mod topology;
pub mod trace;

pub use ecn::{Ecn, Marking};
pub use queue::RadixQueue;
pub use rng::RngStream;
pub use routing::{Ecmp, Routes};
pub use sched::Scheduler;
pub use sim::{
    AttachError, Context, Endpoint, FaultAction, FaultHook, LinkStats, Packet, PacketId, Payload,
    Simulator, Slice, TimerId,
};
pub use time::{ParseQuantityError, Rate, SimDuration, SimTime, parse_duration, parse_rate};
pub use topology::{
    LinkDir, LinkDirId, LinkParams, NodeId, NodeInfo, NodeKind, QueueLimit, Topology,
    TopologyBuilder, TopologyError,
};
pub use trace::{Field, Fields, Kind, KindSet, TraceRecord, TraceSink, Tracer, Value};
