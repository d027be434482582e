//! The simulator: clock, event loop, timers, links and endpoint dispatch.
//!
//! # Contract
//!
//! [`Simulator::run_until`] pops events in (time, insertion) order. Each event
//! is one of: an endpoint's start, a timer expiry, a packet arriving at the far
//! end of a link direction, or (only while tracing) a packet starting its
//! transmission. Endpoints see the world only through [`Context`]: the current
//! time, sending, timers, their RNG stream and the tracer. Nothing here knows
//! what the payload means; the payload type `P` only has to describe itself
//! for the trace.
//!
//! # Timers
//!
//! A timer is a slot allocated once by its owner ([`Context::new_timer`]) and
//! then armed, re-armed and cancelled as often as the model likes, each in
//! O(1). Re-arming to a later deadline (TCP pushes its retransmission timer
//! back on every ACK) does not touch the queue: the entry already queued fires
//! early, sees the later deadline and re-queues itself once. Cancelling only
//! clears the deadline; the queued entry is skipped when it comes up.
//!
//! # Links
//!
//! Each direction of a link is a drop-tail FIFO in front of a transmitter. A
//! packet offered at time `t` is dropped if the waiting room is full;
//! otherwise it starts transmission when the one before it finishes, takes
//! `size * 8 / rate` on the wire, and arrives `delay` (plus jitter) after
//! that. Loss is decided as the packet is queued but takes effect on the wire:
//! a lost packet still occupies the transmitter, and its drop is traced at the
//! time it would have arrived, at the receiving node.

use std::collections::VecDeque;

use crate::ecn::{Ecn, Marking};
use crate::qdisc::{self, DropCause, Entry, Qdisc, Signals};
use crate::rng::RngStream;
use crate::routing::{Ecmp, Routes};
use crate::sched::Scheduler;
use crate::time::{SimDuration, SimTime};
use crate::topology::{LinkDirId, LinkParams, NodeId, QueueLimit, Topology, TopologyError};
use crate::trace::{Field, Fields, Kind, KindSet, TraceRecord, TraceSink, Tracer, Value};

/// What a packet's payload must offer the core: copying (for duplication)
/// and a description for the trace.
pub trait Payload: Clone + 'static {
    /// Appends the fields that describe this payload (protocol, ports, flags,
    /// sequence numbers...) to a trace record.
    fn trace_fields(&self, out: &mut Fields);

    /// What tells this packet's flow apart from others between the same two
    /// nodes (protocol and ports): flow-queueing disciplines hash it with
    /// the addresses. The default puts every packet of a node pair in one
    /// flow.
    fn flow_key(&self) -> u64 {
        0
    }
}

/// Why [`Simulator::run_slice`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slice {
    /// Events remain after the time asked for; the clock is at that time.
    Reached,
    /// Nothing is left to happen; the clock is at the last event.
    Idle,
    /// The budget of events was used up first.
    Budget,
}

/// Unique (per run) identity of a packet, kept by its duplicates.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct PacketId(pub u64);

/// A packet: addressing, its size on the wire, and a typed payload that the
/// core moves (never copies) from hop to hop.
#[derive(Clone, Debug)]
pub struct Packet<P> {
    /// Identity, for tracing.
    pub id: PacketId,
    /// Sending node.
    pub src: NodeId,
    /// Destination node.
    pub dst: NodeId,
    /// Bytes on the wire, headers included; decides serialisation time and
    /// queue occupancy.
    pub size: u32,
    /// The IP header's ECN field: the sender sets ECT, a queue may turn it
    /// into CE on the way (RFC 3168 §5).
    pub ecn: Ecn,
    /// What the endpoint model put in it.
    pub payload: P,
}

/// A protocol model hosted on a node: the plug-in point for TCP, TLS,
/// applications and anything a user writes.
///
/// It is [`Any`](std::any::Any) so that whoever attached a model can read
/// that model's own figures back after the run
/// ([`Simulator::endpoint`], then `downcast_ref`), figures the core has no
/// vocabulary for (a TCP connection's, say).
pub trait Endpoint<P: Payload>: std::any::Any {
    /// Called once at time zero, before any packet or timer.
    fn start(&mut self, _cx: &mut Context<'_, P>) {}
    /// A packet addressed to this node arrived, or one passing through
    /// that [`intercepts`](Self::intercepts) claimed.
    fn on_packet(&mut self, cx: &mut Context<'_, P>, packet: Packet<P>);
    /// Whether this node takes `packet`, addressed to another node, instead
    /// of forwarding it: an on-path node such as a transparent proxy or a
    /// man-in-the-middle. Asked only at nodes with an endpoint, for packets
    /// arriving over a link; the claimed packet is traced as
    /// `packet_intercepted` and goes to [`on_packet`](Self::on_packet).
    fn intercepts(&self, _packet: &Packet<P>) -> bool {
        false
    }
    /// A packet addressed to another node passes through this one (and
    /// was not intercepted): a passive observer's view. Called only at
    /// nodes with an endpoint, before the packet goes on.
    fn on_transit(&mut self, _cx: &mut Context<'_, P>, _packet: &Packet<P>) {}
    /// A timer this endpoint armed has expired; `token` is the one it gave
    /// [`Context::new_timer`].
    fn on_timer(&mut self, cx: &mut Context<'_, P>, token: u64);
    /// Named figures for the run summary (counts, times in ns), in a fixed
    /// order. Called after the run; should list the same names before it.
    fn metrics(&self) -> Vec<(String, Value)> {
        Vec::new()
    }
}

/// What a fault rule does to a packet entering a link direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultAction {
    /// Nothing: the link treats it normally.
    Pass,
    /// Drop it before it is queued (traced as `link_drop`, reason `fault`).
    Drop,
    /// Deliver it this much later than the link would (it may be overtaken).
    Delay(SimDuration),
    /// Send it twice.
    Duplicate,
    /// The hook changed the packet in flight (an on-path attacker); it goes
    /// on as changed, traced as `link_tamper` with this reason.
    Modified(&'static str),
}

/// Decides, for each packet offered to a link direction, whether a fault
/// applies, and may change the packet (then answering
/// [`FaultAction::Modified`]). Called only when installed, in packet order,
/// so rules that count matches are deterministic.
pub type FaultHook<P> = Box<dyn FnMut(SimTime, LinkDirId, &mut Packet<P>) -> FaultAction>;

/// A timer slot, owned by one node's endpoint.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TimerId(u32);

const NEVER: u64 = u64::MAX;

#[derive(Debug)]
struct TimerSlot {
    owner: NodeId,
    token: u64,
    /// When it should fire; `NEVER` when disarmed.
    deadline: u64,
    /// Time of the queue entry that is live for this slot; `NEVER` if none.
    queued: u64,
    /// Tags the live queue entry; older entries carry older generations.
    generation: u32,
}

/// Events are 16 bytes so the queue stays cache-friendly.
#[derive(Clone, Copy, Debug)]
enum Ev {
    Start(NodeId),
    Timer {
        slot: u32,
        generation: u32,
    },
    Arrive {
        slot: u32,
    },
    TxStart {
        slot: u32,
    },
    /// A link direction with a queue discipline finished sending a packet.
    TxDone {
        dir: u32,
    },
    Inject {
        slot: u32,
    },
}

#[derive(Debug)]
struct InFlight<P> {
    packet: Packet<P>,
    dir: LinkDirId,
    lost: bool,
    /// Jitter and fault delay drawn at enqueue, added to the arrival once a
    /// queue discipline sends the packet (drop-tail adds them at once).
    extra: SimDuration,
    /// Whether the arrival is held behind earlier ones (no reordering).
    in_order: bool,
}

/// Counters of one link direction, for the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Packets accepted into the queue (duplicates included).
    pub sent: u64,
    /// Bytes accepted into the queue.
    pub bytes: u64,
    /// Packets that reached the far end.
    pub delivered: u64,
    /// Packets refused by a full queue.
    pub dropped_queue_full: u64,
    /// Packets lost on the wire.
    pub lost: u64,
    /// Extra copies made.
    pub duplicated: u64,
    /// Packets the queue discipline dropped by its own rule (RED, CoDel,
    /// FQ-CoDel's overflow), apart from `dropped_queue_full`.
    pub dropped_aqm: u64,
    /// ECN-capable packets marked CE instead of dropped, by the discipline
    /// or the direction's own marker.
    pub marked: u64,
    /// The longest any packet waited in the queue before its transmission
    /// began.
    pub max_queue_delay: SimDuration,
}

#[derive(Debug)]
struct LinkState {
    /// When the transmitter is next free.
    busy_until: SimTime,
    /// (start, end, bytes) of packets not yet fully transmitted, in order.
    backlog: VecDeque<(SimTime, SimTime, u32)>,
    /// Bytes in `backlog`.
    backlog_bytes: u64,
    /// Latest arrival time scheduled, for FIFO delivery under jitter.
    last_arrival: SimTime,
    rng: RngStream,
    stats: LinkStats,
    /// The queue discipline, when it is not drop-tail (`qdisc`'s comment).
    qdisc: Option<Box<dyn Qdisc>>,
    /// A packet of the discipline's is being transmitted.
    tx_busy: bool,
    /// Bytes whose transmission began, counted only under a discipline
    /// (drop-tail's follow from the accepted bytes and the backlog).
    tx_bytes: u64,
    /// The direction's own marker's stream (`link/<a>-><b>/mark`): its
    /// draws move no other.
    mark_rng: RngStream,
}

/// Everything but the endpoints, so an endpoint can be called with a context
/// that borrows the rest.
struct Core<P> {
    sched: Scheduler<Ev>,
    seed: u64,
    topo: Topology,
    /// This run's routes, found as packets need them.
    routes: Routes,
    /// How routers choose among equal-cost next hops.
    ecmp: Ecmp,
    links: Vec<LinkState>,
    flights: Vec<Option<InFlight<P>>>,
    free_flights: Vec<u32>,
    timers: Vec<TimerSlot>,
    free_timers: Vec<u32>,
    node_rngs: Vec<RngStream>,
    next_packet: u64,
    tracer: Tracer,
    fault: Option<FaultHook<P>>,
    /// Packets waiting to be injected, with the node they enter at.
    injections: Vec<Option<(NodeId, Packet<P>)>>,
    /// Events that did something (stale timer entries excluded).
    effective: u64,
    /// Time of the last such event.
    last_effective: SimTime,
}

/// The discrete-event simulator for payload type `P`.
pub struct Simulator<P: Payload> {
    core: Core<P>,
    endpoints: Vec<Option<Box<dyn Endpoint<P>>>>,
}

/// An endpoint's view of the simulation while it handles an event.
pub struct Context<'a, P: Payload> {
    core: &'a mut Core<P>,
    node: NodeId,
}

/// Why [`Simulator::attach`] refused an endpoint.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AttachError {
    /// The node already runs an endpoint.
    #[error("node {0:?} already has an endpoint")]
    Occupied(String),
}

impl<P: Payload> Simulator<P> {
    /// A simulator over `topo` whose randomness all derives from `seed`.
    /// With `tracing` false no record is built at all.
    pub fn new(topo: Topology, seed: u64, tracing: bool) -> Self {
        let links = topo
            .link_dirs()
            .iter()
            .map(|d| LinkState {
                busy_until: SimTime::ZERO,
                backlog: VecDeque::new(),
                backlog_bytes: 0,
                last_arrival: SimTime::ZERO,
                rng: RngStream::derive(
                    seed,
                    &format!("link/{}->{}", topo.name(d.from), topo.name(d.to)),
                ),
                stats: LinkStats::default(),
                // Its own stream, so a discipline shifts no other draw.
                qdisc: qdisc::build(
                    &d.params.discipline,
                    d.params.queue,
                    d.params.rate,
                    RngStream::derive(
                        seed,
                        &format!("link/{}->{}/qdisc", topo.name(d.from), topo.name(d.to)),
                    ),
                ),
                tx_busy: false,
                tx_bytes: 0,
                mark_rng: RngStream::derive(
                    seed,
                    &format!("link/{}->{}/mark", topo.name(d.from), topo.name(d.to)),
                ),
            })
            .collect();
        let node_rngs = topo
            .nodes()
            .iter()
            .map(|n| RngStream::derive(seed, &format!("node/{}", n.name)))
            .collect();
        let n = topo.nodes().len();
        Simulator {
            core: Core {
                sched: Scheduler::new(),
                seed,
                topo,
                routes: Routes::new(),
                ecmp: Ecmp::Off,
                links,
                flights: Vec::new(),
                free_flights: Vec::new(),
                timers: Vec::new(),
                free_timers: Vec::new(),
                node_rngs,
                next_packet: 0,
                tracer: Tracer::new(tracing),
                fault: None,
                injections: Vec::new(),
                effective: 0,
                last_effective: SimTime::ZERO,
            },
            endpoints: (0..n).map(|_| None).collect(),
        }
    }

    /// How routers choose among equal-cost next hops from now on
    /// ([`Ecmp::Off`] until set): set before the first packet, so that
    /// every packet of a flow is routed by the same rule.
    pub fn set_ecmp(&mut self, ecmp: Ecmp) {
        self.core.ecmp = ecmp;
    }

    /// Runs `endpoint` on `node`; its `start` is called at time zero (or now,
    /// if the run has begun).
    pub fn attach(
        &mut self,
        node: NodeId,
        endpoint: Box<dyn Endpoint<P>>,
    ) -> Result<(), AttachError> {
        let slot = &mut self.endpoints[node.index()];
        if slot.is_some() {
            return Err(AttachError::Occupied(self.core.topo.name(node).to_string()));
        }
        *slot = Some(endpoint);
        let now = self.core.sched.now();
        self.core.sched.schedule(now, Ev::Start(node));
        Ok(())
    }

    /// Arms a one-shot timer for `node`'s endpoint that delivers `token` at
    /// `at`: how scenario actions reach endpoints.
    pub fn schedule(&mut self, node: NodeId, at: SimTime, token: u64) {
        let id = self.core.new_timer(node, token);
        self.core.set_timer(id, at);
    }

    /// Current simulated time.
    pub fn now(&self) -> SimTime {
        self.core.sched.now()
    }

    /// Puts a crafted packet into the network at `entry` at time `at`: from
    /// there it is routed to `dst` like any other. `src` may name any node
    /// (a spoofed source). Traced as `packet_injected`.
    pub fn inject(
        &mut self,
        at: SimTime,
        entry: NodeId,
        src: NodeId,
        dst: NodeId,
        size: u32,
        payload: P,
    ) {
        let packet = Packet {
            id: PacketId(u64::MAX),
            src,
            dst,
            size,
            ecn: Ecn::NotEct,
            payload,
        };
        let slot = self.core.injections.len() as u32;
        self.core.injections.push(Some((entry, packet)));
        self.core.sched.schedule(at, Ev::Inject { slot });
    }

    /// Installs the fault hook consulted for every packet offered to a link.
    pub fn set_fault_hook(&mut self, hook: FaultHook<P>) {
        self.core.fault = Some(hook);
    }

    /// Changes a link direction's behaviour from now on. Packets already
    /// queued or on the wire keep the timing they were given; routes are not
    /// recomputed. The change is traced as `link_change`.
    pub fn set_link_params(
        &mut self,
        dir: LinkDirId,
        params: LinkParams,
    ) -> Result<(), TopologyError> {
        self.core.topo.set_params(dir, params)?;
        if self.core.tracer.enabled() {
            let d = &self.core.topo.link_dirs()[dir.0 as usize];
            let p = &d.params;
            let mut fields = vec![
                (Field::From, Value::Node(d.from)),
                (Field::To, Value::Node(d.to)),
                (Field::DelayNs, Value::U64(p.delay.as_nanos())),
            ];
            if let Some(r) = p.rate {
                fields.push((Field::RateBps, Value::U64(r.bits_per_sec())));
            }
            fields.push((Field::Loss, Value::F64(p.loss)));
            fields.push((Field::Duplicate, Value::F64(p.duplicate)));
            fields.push((Field::JitterNs, Value::U64(p.jitter.as_nanos())));
            let from = d.from;
            self.core
                .tracer
                .record(self.core.sched.now(), from, Kind::LinkChange, fields);
        }
        Ok(())
    }

    /// The topology being simulated.
    pub fn topology(&self) -> &Topology {
        &self.core.topo
    }

    /// The endpoint on `node`, if any.
    pub fn endpoint(&self, node: NodeId) -> Option<&dyn Endpoint<P>> {
        self.endpoints[node.index()].as_deref()
    }

    /// The endpoint on `node`, to be read between events (a sampler
    /// draining what it kept); no event may be handled meanwhile.
    pub fn endpoint_mut(&mut self, node: NodeId) -> Option<&mut dyn Endpoint<P>> {
        self.endpoints[node.index()].as_deref_mut()
    }

    /// Counters of a link direction.
    pub fn link_stats(&self, dir: LinkDirId) -> LinkStats {
        self.core.links[dir.0 as usize].stats
    }

    /// Bytes whose transmission on a link direction began by `now` (the
    /// clock, or a later time with no event in between): its utilisation
    /// over an interval is the difference over the interval divided by
    /// the rate.
    pub fn transmitted_at(&self, dir: LinkDirId, now: SimTime) -> u64 {
        let link = &self.core.links[dir.0 as usize];
        if link.qdisc.is_some() {
            return link.tx_bytes;
        }
        link.stats.bytes - self.queue_at(dir, now).1
    }

    /// Packets and bytes waiting in a link direction's queue at `now` (the
    /// clock, or a later time with no event in between), not counting the
    /// one being transmitted: what time series sample.
    pub fn queue_at(&self, dir: LinkDirId, now: SimTime) -> (u64, u64) {
        let link = &self.core.links[dir.0 as usize];
        if let Some(q) = &link.qdisc {
            return (q.len() as u64, q.bytes());
        }
        // Drop-tail keeps each packet's transmission slot: those starting
        // after now are waiting.
        link.backlog
            .iter()
            .rev()
            .take_while(|&&(start, _, _)| start > now)
            .fold((0, 0), |(n, b), &(_, _, bytes)| {
                (n + 1, b + u64::from(bytes))
            })
    }

    /// Events handled so far that did something: queue entries of
    /// cancelled or re-armed timers, and the trace's own transmission-start
    /// entries, are not counted, so the count is the same traced or not.
    pub fn events_handled(&self) -> u64 {
        self.core.effective
    }

    /// When the last event that did something happened: the natural end of
    /// a run whose queue ran dry.
    pub fn last_activity(&self) -> SimTime {
        self.core.last_effective
    }

    /// From now on, every trace record of the `wanted` kinds goes to `sink`
    /// as it happens (tracing is switched on if it was off); nothing is kept
    /// in memory. Which events happen does not depend on `wanted`.
    pub fn stream_trace(&mut self, sink: Box<dyn TraceSink>, wanted: KindSet) {
        self.core.tracer = Tracer::streaming(sink, wanted);
    }

    /// Trace records so far, in event order.
    pub fn trace(&self) -> &[TraceRecord] {
        self.core.tracer.records()
    }

    /// Hands over the trace records so far.
    pub fn take_trace(&mut self) -> Vec<TraceRecord> {
        self.core.tracer.take()
    }

    /// Handles every event up to and including time `until`. If events remain
    /// after it, the clock is set to `until` and this returns true; if the
    /// queue ran dry, the clock stays at the last event and this returns
    /// false.
    pub fn run_until(&mut self, until: SimTime) -> bool {
        while let Some(t) = self.core.sched.next_time() {
            if t > until {
                self.core.sched.advance_to(until);
                return true;
            }
            let (_, ev) = self.core.sched.pop().expect("peeked");
            self.dispatch(ev);
        }
        false
    }

    /// As [`Self::run_until`], handling at most `budget` events: the
    /// caller can look at the clock, its limits or its outputs between
    /// slices without changing what happens (event order does not depend
    /// on where a slice ends).
    pub fn run_slice(&mut self, until: SimTime, budget: u64) -> Slice {
        for _ in 0..budget {
            match self.core.sched.next_time() {
                None => return Slice::Idle,
                Some(t) if t > until => {
                    self.core.sched.advance_to(until);
                    return Slice::Reached;
                }
                Some(_) => {
                    let (_, ev) = self.core.sched.pop().expect("peeked");
                    self.dispatch(ev);
                }
            }
        }
        Slice::Budget
    }

    /// Handles every event strictly before `t`, then sets the clock to `t`,
    /// so that what the caller does next happens at `t` before any event
    /// queued for `t`.
    pub fn advance_to(&mut self, t: SimTime) {
        if t > self.core.sched.now() {
            self.run_until(SimTime(t.as_nanos() - 1));
            self.core.sched.advance_to(t);
        }
    }

    fn dispatch(&mut self, ev: Ev) {
        // A transmission start after a queue wait is scheduled only to be
        // traced: counting it would make `events_handled` (and where
        // `--max-events` stops) depend on which outputs were asked for.
        if let Ev::TxStart { .. } = ev {
            self.dispatch_inner(ev);
            return;
        }
        if let Ev::Timer { slot, generation } = ev {
            let s = &self.core.timers[slot as usize];
            let live = s.generation == generation && s.deadline != NEVER;
            if !live || s.deadline > self.core.sched.now().as_nanos() {
                // Stale, cancelled, or pushed back: bookkeeping only.
                self.dispatch_inner(ev);
                return;
            }
        }
        self.core.effective += 1;
        self.core.last_effective = self.core.sched.now();
        self.dispatch_inner(ev);
    }

    fn dispatch_inner(&mut self, ev: Ev) {
        match ev {
            Ev::Start(node) => self.with_endpoint(node, |ep, cx| ep.start(cx)),
            Ev::Timer { slot, generation } => {
                let now = self.core.sched.now().as_nanos();
                let s = &mut self.core.timers[slot as usize];
                if s.generation != generation {
                    return; // superseded by an earlier re-arm
                }
                s.queued = NEVER;
                if s.deadline == NEVER {
                    return; // cancelled
                }
                if s.deadline > now {
                    // Pushed back while queued: queue once more at the deadline.
                    s.generation = s.generation.wrapping_add(1);
                    s.queued = s.deadline;
                    let ev = Ev::Timer {
                        slot,
                        generation: s.generation,
                    };
                    self.core.sched.schedule(SimTime(s.deadline), ev);
                    return;
                }
                s.deadline = NEVER;
                let (owner, token) = (s.owner, s.token);
                self.with_endpoint(owner, |ep, cx| ep.on_timer(cx, token));
            }
            Ev::TxStart { slot } => self.core.trace_slot(Kind::LinkTransmit, slot, &[]),
            Ev::TxDone { dir } => self.core.transmit_next(LinkDirId(dir)),
            Ev::Inject { slot } => {
                let Some((entry, mut packet)) = self.core.injections[slot as usize].take() else {
                    return;
                };
                packet.id = PacketId(self.core.next_packet);
                self.core.next_packet += 1;
                if self.core.tracer.enabled() {
                    let mut fields = vec![
                        (Field::Id, Value::U64(packet.id.0)),
                        (Field::Src, Value::Node(packet.src)),
                        (Field::Dst, Value::Node(packet.dst)),
                        (Field::Size, Value::U64(u64::from(packet.size))),
                    ];
                    packet.payload.trace_fields(&mut fields);
                    let now = self.core.sched.now();
                    self.core
                        .tracer
                        .record(now, entry, Kind::PacketInjected, fields);
                }
                if packet.dst == entry {
                    if self.endpoints[entry.index()].is_some() {
                        self.with_endpoint(entry, |ep, cx| ep.on_packet(cx, packet));
                    }
                } else {
                    self.core.forward(entry, packet);
                }
            }
            Ev::Arrive { slot } => {
                let f = self.core.flights[slot as usize]
                    .take()
                    .expect("live flight");
                self.core.free_flights.push(slot);
                let dir = &self.core.topo.link_dirs()[f.dir.0 as usize];
                let at = dir.to;
                if f.lost {
                    self.core.links[f.dir.0 as usize].stats.lost += 1;
                    if self.core.tracer.enabled() {
                        let c = &mut self.core;
                        let extra = [(Field::Reason, Value::from("random_loss"))];
                        let now = c.sched.now();
                        trace_flight(&mut c.tracer, &c.topo, now, at, Kind::LinkDrop, &f, &extra);
                    }
                    return;
                }
                self.core.links[f.dir.0 as usize].stats.delivered += 1;
                if self.core.tracer.enabled() {
                    let c = &mut self.core;
                    let now = c.sched.now();
                    trace_flight(&mut c.tracer, &c.topo, now, at, Kind::LinkDeliver, &f, &[]);
                }
                let packet = f.packet;
                if packet.dst == at {
                    if self.endpoints[at.index()].is_some() {
                        self.with_endpoint(at, |ep, cx| ep.on_packet(cx, packet));
                    } else if self.core.tracer.enabled() {
                        let mut fields = vec![(Field::Id, Value::U64(packet.id.0))];
                        fields.push((Field::Reason, "no_endpoint".into()));
                        self.core.tracer.record(
                            self.core.sched.now(),
                            at,
                            Kind::PacketUnhandled,
                            fields,
                        );
                    }
                } else {
                    self.pass_through(at, packet);
                }
            }
        }
    }

    /// A packet for another node reached `at`. An endpoint there may take
    /// it over, or watch it go by; without one (the usual router) it just
    /// goes on.
    fn pass_through(&mut self, at: NodeId, packet: Packet<P>) {
        let Some(ep) = self.endpoints[at.index()].as_ref() else {
            return self.core.forward(at, packet);
        };
        if !ep.intercepts(&packet) {
            self.with_endpoint(at, |ep, cx| ep.on_transit(cx, &packet));
            return self.core.forward(at, packet);
        }
        if self.core.tracer.enabled() {
            let fields = vec![
                (Field::Id, Value::U64(packet.id.0)),
                (Field::Src, Value::Node(packet.src)),
                (Field::Dst, Value::Node(packet.dst)),
            ];
            let now = self.core.sched.now();
            self.core
                .tracer
                .record(now, at, Kind::PacketIntercepted, fields);
        }
        self.with_endpoint(at, |ep, cx| ep.on_packet(cx, packet));
    }

    fn with_endpoint(
        &mut self,
        node: NodeId,
        f: impl FnOnce(&mut dyn Endpoint<P>, &mut Context<'_, P>),
    ) {
        let Some(mut ep) = self.endpoints[node.index()].take() else {
            return;
        };
        let mut cx = Context {
            core: &mut self.core,
            node,
        };
        f(ep.as_mut(), &mut cx);
        self.endpoints[node.index()] = Some(ep);
    }
}

impl<P: Payload> Core<P> {
    fn new_timer(&mut self, owner: NodeId, token: u64) -> TimerId {
        let slot = TimerSlot {
            owner,
            token,
            deadline: NEVER,
            queued: NEVER,
            generation: 0,
        };
        if let Some(i) = self.free_timers.pop() {
            let generation = self.timers[i as usize].generation.wrapping_add(1);
            self.timers[i as usize] = TimerSlot { generation, ..slot };
            TimerId(i)
        } else {
            self.timers.push(slot);
            TimerId(self.timers.len() as u32 - 1)
        }
    }

    #[inline]
    fn set_timer(&mut self, id: TimerId, at: SimTime) {
        // A deadline in the past fires now.
        let at = at.max(self.sched.now()).as_nanos();
        let s = &mut self.timers[id.0 as usize];
        s.deadline = at;
        if s.queued <= at {
            return; // the queued entry fires first and re-queues itself
        }
        s.generation = s.generation.wrapping_add(1);
        s.queued = at;
        let ev = Ev::Timer {
            slot: id.0,
            generation: s.generation,
        };
        self.sched.schedule(SimTime(at), ev);
    }

    fn alloc_flight(&mut self, f: InFlight<P>) -> u32 {
        if let Some(i) = self.free_flights.pop() {
            self.flights[i as usize] = Some(f);
            i
        } else {
            self.flights.push(Some(f));
            self.flights.len() as u32 - 1
        }
    }

    /// What the run's seed adds to an equal-cost choice, so that another
    /// seed spreads the same flows differently.
    fn ecmp_salt(&self) -> u64 {
        self.seed
            .wrapping_mul(0xd6e8_feb8_6659_fd93)
            .rotate_left(29)
    }

    /// Sends `packet` on from node `at` towards its destination.
    fn forward(&mut self, at: NodeId, packet: Packet<P>) {
        // A node sending to itself has no link to cross; the core has no
        // loopback interface, so such a packet is traced and dropped.
        let dir = match self.ecmp {
            Ecmp::Off => self.routes.next_hop(&self.topo, at, packet.dst),
            Ecmp::Flow => {
                let key = flow_hash(&packet) ^ self.ecmp_salt();
                self.routes.next_hop_by(&self.topo, at, packet.dst, key)
            }
            Ecmp::Packet => {
                let key = packet.id.0 ^ self.ecmp_salt();
                self.routes.next_hop_by(&self.topo, at, packet.dst, key)
            }
        };
        let Some(dir) = dir else {
            if self.tracer.enabled() {
                let reason = if packet.dst == at {
                    "loopback"
                } else {
                    "no_route"
                };
                let fields = vec![
                    (Field::Id, Value::U64(packet.id.0)),
                    (Field::Dst, Value::Node(packet.dst)),
                    (Field::Reason, reason.into()),
                ];
                self.tracer
                    .record(self.sched.now(), at, Kind::PacketUnroutable, fields);
            }
            return;
        };
        self.enqueue(dir, packet, false);
    }

    /// Traces `packet` at the sending end of `dir` (dropped or changed
    /// there) with its reason, and hands it back.
    fn trace_at_sender(
        &mut self,
        kind: Kind,
        packet: Packet<P>,
        dir: LinkDirId,
        reason: &'static str,
    ) -> Packet<P> {
        let f = InFlight {
            packet,
            dir,
            lost: false,
            extra: SimDuration::ZERO,
            in_order: true,
        };
        if self.tracer.enabled() {
            let from = self.topo.link_dirs()[dir.0 as usize].from;
            let extra = [(Field::Reason, Value::from(reason))];
            let now = self.sched.now();
            trace_flight(&mut self.tracer, &self.topo, now, from, kind, &f, &extra);
        }
        f.packet
    }

    fn enqueue(&mut self, dir: LinkDirId, mut packet: Packet<P>, is_copy: bool) {
        let now = self.sched.now();
        let fault = match (&mut self.fault, is_copy) {
            (Some(hook), false) => hook(now, dir, &mut packet),
            _ => FaultAction::Pass,
        };
        if let FaultAction::Modified(reason) = fault {
            packet = self.trace_at_sender(Kind::LinkTamper, packet, dir, reason);
        }
        if fault == FaultAction::Drop {
            self.trace_at_sender(Kind::LinkDrop, packet, dir, "fault");
            return;
        }
        if self.links[dir.0 as usize].qdisc.is_some() {
            self.enqueue_qdisc(dir, packet, is_copy, fault);
            return;
        }
        let spec = &self.topo.link_dirs()[dir.0 as usize];
        let params = &spec.params;
        let link = &mut self.links[dir.0 as usize];
        while let Some(&(_, end, bytes)) = link.backlog.front() {
            if end > now {
                break;
            }
            link.backlog.pop_front();
            link.backlog_bytes -= u64::from(bytes);
        }
        // The waiting room excludes the packet being transmitted.
        let (waiting_pkts, waiting_bytes) = match link.backlog.front() {
            Some(&(start, _, bytes)) if start <= now => (
                link.backlog.len() as u64 - 1,
                link.backlog_bytes - u64::from(bytes),
            ),
            _ => (link.backlog.len() as u64, link.backlog_bytes),
        };
        let full = match params.queue {
            QueueLimit::Packets(n) => waiting_pkts >= u64::from(n),
            QueueLimit::Bytes(b) => waiting_bytes + u64::from(packet.size) > b,
        };
        let tracing = self.tracer.enabled();
        if full {
            link.stats.dropped_queue_full += 1;
            self.trace_at_sender(Kind::LinkDrop, packet, dir, "queue_full");
            return;
        }
        let mark = mark_on_entry(params.marking, link, &packet, waiting_pkts, waiting_bytes);
        let start = link.busy_until.max(now);
        let tx = params
            .rate
            .map_or(SimDuration::ZERO, |r| r.transmit_time(packet.size));
        let end = start + tx;
        link.busy_until = end;
        link.stats.max_queue_delay = link.stats.max_queue_delay.max(start.saturating_since(now));
        link.backlog.push_back((start, end, packet.size));
        link.backlog_bytes += u64::from(packet.size);
        link.stats.sent += 1;
        link.stats.bytes += u64::from(packet.size);
        // Draws happen in a fixed order per packet: loss, duplicate, jitter.
        let lost = link.rng.chance(params.loss);
        let dup =
            !is_copy && (link.rng.chance(params.duplicate) || fault == FaultAction::Duplicate);
        let mut arrive = end + params.delay;
        if let FaultAction::Delay(d) = fault {
            arrive += d;
        }
        if params.jitter > SimDuration::ZERO {
            arrive += SimDuration(link.rng.below(params.jitter.as_nanos() + 1));
        }
        if !params.reorder && !matches!(fault, FaultAction::Delay(_)) {
            arrive = arrive.max(link.last_arrival);
        }
        if !matches!(fault, FaultAction::Delay(_)) {
            link.last_arrival = link.last_arrival.max(arrive);
        }
        if dup {
            link.stats.duplicated += 1;
        }
        let copy = dup.then(|| packet.clone());
        let slot = self.alloc_flight(InFlight {
            packet,
            dir,
            lost,
            extra: SimDuration::ZERO,
            in_order: true,
        });
        if tracing && self.tracer.wants(Kind::LinkEnqueue) {
            let mut extra = vec![(Field::Queued, Value::U64(waiting_pkts))];
            if is_copy {
                extra.push((Field::Duplicate, Value::Bool(true)));
            }
            self.trace_slot(Kind::LinkEnqueue, slot, &extra);
        }
        if let Some(cause) = mark {
            self.mark(slot, cause);
        }
        if tracing {
            // Scheduled whatever the kinds wanted, so that a run counts the
            // same events whichever outputs it writes.
            if start > now {
                self.sched.schedule(start, Ev::TxStart { slot });
            } else {
                self.trace_slot(Kind::LinkTransmit, slot, &[]);
            }
        }
        self.sched.schedule(arrive, Ev::Arrive { slot });
        if let Some(copy) = copy {
            self.enqueue(dir, copy, true);
        }
    }

    /// `enqueue` for a link direction with a queue discipline: the packet's
    /// wire draws are made now, in the same order as drop-tail's (loss,
    /// duplicate, jitter); the discipline decides what waits, and the
    /// transmitter takes packets from it one at a time.
    fn enqueue_qdisc(
        &mut self,
        dir: LinkDirId,
        packet: Packet<P>,
        is_copy: bool,
        fault: FaultAction,
    ) {
        let now = self.sched.now();
        let params = &self.topo.link_dirs()[dir.0 as usize].params;
        let link = &mut self.links[dir.0 as usize];
        let lost = link.rng.chance(params.loss);
        let dup =
            !is_copy && (link.rng.chance(params.duplicate) || fault == FaultAction::Duplicate);
        let mut extra = SimDuration::ZERO;
        if let FaultAction::Delay(d) = fault {
            extra = extra + d;
        }
        if params.jitter > SimDuration::ZERO {
            extra = extra + SimDuration(link.rng.below(params.jitter.as_nanos() + 1));
        }
        let in_order = !params.reorder && !matches!(fault, FaultAction::Delay(_));
        let qdisc = link.qdisc.as_ref().expect("a discipline");
        let (waiting, waiting_bytes) = (qdisc.len() as u64, qdisc.bytes());
        let mark = mark_on_entry(params.marking, link, &packet, waiting, waiting_bytes);
        let entry = Entry {
            slot: 0,
            size: packet.size,
            enqueued: now,
            flow: flow_hash(&packet),
            ect: packet.ecn.is_capable(),
        };
        let copy = dup.then(|| packet.clone());
        let slot = self.alloc_flight(InFlight {
            packet,
            dir,
            lost,
            extra,
            in_order,
        });
        let link = &mut self.links[dir.0 as usize];
        let qdisc = link.qdisc.as_mut().expect("a discipline");
        let mut out = Signals::default();
        if let Some(cause) = mark {
            // The link's own marker goes first; the discipline sees CE.
            out.marks.push((Entry { slot, ..entry }, cause));
        }
        qdisc.enqueue(now, Entry { slot, ..entry }, &mut out);
        let refused = out.drops.iter().any(|(e, _)| e.slot == slot);
        if refused {
            out.marks.retain(|(e, _)| e.slot != slot);
        } else {
            link.stats.sent += 1;
            link.stats.bytes += u64::from(entry.size);
            if dup {
                link.stats.duplicated += 1;
            }
            if self.tracer.enabled() {
                let mut extra = vec![(Field::Queued, Value::U64(waiting))];
                if is_copy {
                    extra.push((Field::Duplicate, Value::Bool(true)));
                }
                self.trace_slot(Kind::LinkEnqueue, slot, &extra);
            }
        }
        self.apply_signals(out);
        if !self.links[dir.0 as usize].tx_busy {
            self.transmit_next(dir);
        }
        if let (Some(copy), false) = (copy, refused) {
            self.enqueue(dir, copy, true);
        }
    }

    /// The transmitter of `dir` is free: sends the discipline's next packet,
    /// or goes idle.
    fn transmit_next(&mut self, dir: LinkDirId) {
        let now = self.sched.now();
        let link = &mut self.links[dir.0 as usize];
        let mut out = Signals::default();
        let qdisc = link.qdisc.as_mut().expect("a discipline");
        let next = qdisc.dequeue(now, &mut out);
        // A shaper holding packets back says when to ask again; the
        // transmitter counts as busy till then, so arrivals do not ask
        // early.
        let wake = if next.is_none() {
            qdisc.wake_at(now)
        } else {
            None
        };
        link.tx_busy = next.is_some() || wake.is_some();
        self.apply_signals(out);
        if let Some(t) = wake {
            self.sched.schedule(t, Ev::TxDone { dir: dir.0 });
        }
        let Some(e) = next else {
            return;
        };
        let params = &self.topo.link_dirs()[dir.0 as usize].params;
        let tx = params
            .rate
            .map_or(SimDuration::ZERO, |r| r.transmit_time(e.size));
        let end = now + tx;
        let link = &mut self.links[dir.0 as usize];
        link.busy_until = end;
        link.tx_bytes += u64::from(e.size);
        link.stats.max_queue_delay = link.stats.max_queue_delay.max(now - e.enqueued);
        let f = self.flights[e.slot as usize].as_ref().expect("live flight");
        let mut arrive = end + params.delay + f.extra;
        if f.in_order {
            arrive = arrive.max(link.last_arrival);
            link.last_arrival = arrive;
        }
        if self.tracer.enabled() {
            self.trace_slot(Kind::LinkTransmit, e.slot, &[]);
        }
        self.sched.schedule(end, Ev::TxDone { dir: dir.0 });
        self.sched.schedule(arrive, Ev::Arrive { slot: e.slot });
    }

    /// Carries out a discipline's signals: marks CE on the packets it
    /// marked, then traces and forgets the packets it dropped.
    fn apply_signals(&mut self, out: Signals) {
        for (e, cause) in out.marks {
            self.mark(e.slot, cause);
        }
        for (e, cause) in out.drops {
            let f = self.flights[e.slot as usize].take().expect("live flight");
            self.free_flights.push(e.slot);
            let stats = &mut self.links[f.dir.0 as usize].stats;
            if cause == DropCause::QueueFull {
                stats.dropped_queue_full += 1;
            } else {
                stats.dropped_aqm += 1;
            }
            self.trace_at_sender(Kind::LinkDrop, f.packet, f.dir, cause.name());
        }
    }

    /// Sets CE on the packet in flight slot `slot` (RFC 3168 §5), counts
    /// and traces the mark.
    fn mark(&mut self, slot: u32, cause: DropCause) {
        let f = self.flights[slot as usize].as_mut().expect("live flight");
        f.packet.ecn = Ecn::Ce;
        self.links[f.dir.0 as usize].stats.marked += 1;
        if self.tracer.enabled() {
            let reason = [(Field::Reason, Value::from(cause.name()))];
            self.trace_slot(Kind::LinkMark, slot, &reason);
        }
    }

    /// Traces a link event for the packet in flight slot `slot`, at the
    /// direction's sending node.
    fn trace_slot(&mut self, kind: Kind, slot: u32, extra: &[(Field, Value)]) {
        let f = self.flights[slot as usize].as_ref().expect("live flight");
        let at = self.topo.link_dirs()[f.dir.0 as usize].from;
        trace_flight(
            &mut self.tracer,
            &self.topo,
            self.sched.now(),
            at,
            kind,
            f,
            extra,
        );
    }
}

/// A packet's flow for flow-queueing disciplines: its addresses and its
/// payload's [`Payload::flow_key`], folded into one number.
fn flow_hash<P: Payload>(p: &Packet<P>) -> u64 {
    let nodes = (u64::from(p.src.0) << 32) | u64::from(p.dst.0);
    nodes.rotate_left(17) ^ p.payload.flow_key().wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The direction's own marker's decision for a packet joining the queue
/// behind `waiting` packets of `waiting_bytes` bytes: the cause of a mark,
/// if it gets one. Only ECN-capable packets are considered, so the marker
/// draws nothing for the rest.
fn mark_on_entry<P>(
    marking: Option<Marking>,
    link: &mut LinkState,
    packet: &Packet<P>,
    waiting: u64,
    waiting_bytes: u64,
) -> Option<DropCause> {
    if !packet.ecn.is_capable() {
        return None;
    }
    match marking? {
        Marking::Threshold(QueueLimit::Packets(k)) => {
            (waiting >= u64::from(k)).then_some(DropCause::MarkThreshold)
        }
        Marking::Threshold(QueueLimit::Bytes(k)) => {
            (waiting_bytes >= k).then_some(DropCause::MarkThreshold)
        }
        Marking::Probability(p) => link.mark_rng.chance(p).then_some(DropCause::MarkRandom),
    }
}

/// Records a link event: the link fields, then `extra`, then the payload's.
/// Fields a packet record is built with room for (see [`trace_flight`]).
const FLIGHT_FIELDS: usize = 24;

fn trace_flight<P: Payload>(
    tracer: &mut Tracer,
    topo: &Topology,
    now: SimTime,
    at: NodeId,
    kind: Kind,
    f: &InFlight<P>,
    extra: &[(Field, Value)],
) {
    if !tracer.wants(kind) {
        return;
    }
    let d = &topo.link_dirs()[f.dir.0 as usize];
    // Room for every field a packet record usually has (a TCP segment with
    // options holds about twenty), so building one allocates once instead
    // of growing the vector field by field.
    let mut fields = Vec::with_capacity(FLIGHT_FIELDS);
    fields.extend([
        (Field::Id, Value::U64(f.packet.id.0)),
        (Field::From, Value::Node(d.from)),
        (Field::To, Value::Node(d.to)),
        (Field::Src, Value::Node(f.packet.src)),
        (Field::Dst, Value::Node(f.packet.dst)),
        (Field::Size, Value::U64(u64::from(f.packet.size))),
    ]);
    if f.packet.ecn.is_capable() {
        fields.push((Field::Ecn, Value::from(f.packet.ecn.name())));
    }
    fields.extend_from_slice(extra);
    f.packet.payload.trace_fields(&mut fields);
    tracer.record(now, at, kind, fields);
}

impl<P: Payload> Context<'_, P> {
    /// Current simulated time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.core.sched.now()
    }

    /// The node this endpoint runs on.
    pub fn node(&self) -> NodeId {
        self.node
    }

    /// The topology (for names and addresses).
    pub fn topology(&self) -> &Topology {
        &self.core.topo
    }

    /// The run's seed, for deriving further streams.
    pub fn run_seed(&self) -> u64 {
        self.core.seed
    }

    /// This node's random stream (`node/<name>`).
    pub fn rng(&mut self) -> &mut RngStream {
        &mut self.core.node_rngs[self.node.index()]
    }

    /// Sends a packet of `size` bytes to `dst`; returns its id. A packet to
    /// an unreachable node is traced as `packet_unroutable` and dropped.
    pub fn send(&mut self, dst: NodeId, size: u32, payload: P) -> PacketId {
        let me = self.node;
        self.send_as(me, dst, size, payload)
    }

    /// Sends a packet that claims to come from `src` (address spoofing, for
    /// attack scenarios); it still enters the network here.
    pub fn send_as(&mut self, src: NodeId, dst: NodeId, size: u32, payload: P) -> PacketId {
        self.send_ip(src, dst, size, Ecn::NotEct, payload)
    }

    /// Sends a packet with its IP header's ECN field set (an ECN-capable
    /// transport's ECT, RFC 3168 §6.1.2), claiming to come from `src`.
    pub fn send_ip(
        &mut self,
        src: NodeId,
        dst: NodeId,
        size: u32,
        ecn: Ecn,
        payload: P,
    ) -> PacketId {
        let id = PacketId(self.core.next_packet);
        self.core.next_packet += 1;
        let packet = Packet {
            id,
            src,
            dst,
            size,
            ecn,
            payload,
        };
        self.core.forward(self.node, packet);
        id
    }

    /// Allocates a timer slot that will deliver `token` to this endpoint.
    pub fn new_timer(&mut self, token: u64) -> TimerId {
        self.core.new_timer(self.node, token)
    }

    /// Arms (or re-arms) a timer to fire at `at`; a time in the past fires
    /// now. O(1).
    #[inline]
    pub fn set_timer(&mut self, id: TimerId, at: SimTime) {
        debug_assert_eq!(self.core.timers[id.0 as usize].owner, self.node);
        self.core.set_timer(id, at);
    }

    /// Disarms a timer. O(1).
    #[inline]
    pub fn cancel_timer(&mut self, id: TimerId) {
        self.core.timers[id.0 as usize].deadline = NEVER;
    }

    /// When a timer will fire, if armed.
    pub fn timer_deadline(&self, id: TimerId) -> Option<SimTime> {
        match self.core.timers[id.0 as usize].deadline {
            NEVER => None,
            t => Some(SimTime(t)),
        }
    }

    /// Returns a timer slot for reuse; the timer is disarmed.
    pub fn free_timer(&mut self, id: TimerId) {
        self.cancel_timer(id);
        self.core.free_timers.push(id.0);
    }

    /// Whether trace records are kept; build a record only when true.
    #[inline]
    pub fn tracing(&self) -> bool {
        self.core.tracer.enabled()
    }

    /// Whether records of `kind` are kept: for records costly to build
    /// (copied bytes), a finer check than [`Self::tracing`].
    #[inline]
    pub fn traces(&self, kind: Kind) -> bool {
        self.core.tracer.wants(kind)
    }

    /// Records an event at this node and the current time.
    pub fn trace(&mut self, kind: Kind, fields: Fields) {
        self.core
            .tracer
            .record(self.core.sched.now(), self.node, kind, fields);
    }
}
