//! UDP traffic (RFC 768): a sender at a constant bit rate or switching on
//! and off, as ns-3's `OnOffApplication` does, and a sink that counts what
//! arrives.
//!
//! A datagram carries no real bytes: its ports, a sequence number, its
//! send time and its length ([`Datagram`]). The pcap rebuilds the payload
//! from the trace (`reports::pcap`): the sequence number (4 bytes) and the
//! send time in nanoseconds (8 bytes), big-endian (a stamp in the manner
//! of iperf's datagram header, not its layout), then the stream pattern.

use std::collections::BTreeMap;

use sim_core::{Context, NodeId, Rate, RngStream, SimDuration, SimTime, TimerId, Value};

use crate::dist::Dist;
use crate::histogram::Histogram;
use crate::payload::Wire;
use crate::start::Start;
use crate::timer::Timer;

/// An IPv4 header and a UDP header (RFC 768: 8 bytes).
pub const IP_UDP_HEADERS: u32 = 20 + 8;
/// The largest UDP payload in one IPv4 packet: 65,535 less the two
/// headers (there is no fragmentation here).
pub const MAX_PAYLOAD: u32 = 65_535 - IP_UDP_HEADERS;

/// One UDP datagram as the network carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Datagram {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// The sender's count of datagrams before this one.
    pub seq: u32,
    /// When the sender sent it (one-way delay is measured from it).
    pub sent_at: SimTime,
    /// Payload bytes.
    pub len: u32,
}

impl Datagram {
    /// Its size on the wire: payload, UDP and IPv4 headers.
    pub fn wire_size(&self) -> u32 {
        self.len + IP_UDP_HEADERS
    }
}

/// A UDP application: a sender or a sink.
#[derive(Debug, Clone, PartialEq)]
pub enum UdpApp {
    /// Sends datagrams to a port.
    Send(UdpSender),
    /// Counts datagrams arriving on a port.
    Sink(UdpSink),
}

/// A UDP sender.
#[derive(Debug, Clone, PartialEq)]
pub struct UdpSender {
    /// Destination host.
    pub target: NodeId,
    /// Destination port.
    pub port: u16,
    /// Source port.
    pub local_port: u16,
    /// Payload bytes of each datagram.
    pub size: u32,
    /// The sending rate while on, counted in payload bits (as ns-3's
    /// `OnOffApplication` and iperf count it); the wire carries 28 more
    /// bytes a datagram.
    pub rate: Rate,
    /// On and off periods; `None`: always on (constant bit rate).
    pub on_off: Option<OnOff>,
    /// When it starts.
    pub start: Start,
    /// Nothing is sent at or after this time.
    pub stop: Option<SimTime>,
}

/// The lengths of on and off periods.
#[derive(Debug, Clone, PartialEq)]
pub struct OnOff {
    /// How long each on period lasts, in nanoseconds.
    pub on: Dist,
    /// How long each off period lasts, in nanoseconds.
    pub off: Dist,
}

/// A UDP sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpSink {
    /// The port it receives on.
    pub port: u16,
}

/// What the sender does when its timer fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    /// Send the next datagram.
    Send,
    /// The on period ends.
    OnEnds,
    /// The off period ends.
    OffEnds,
}

/// A running sender.
#[derive(Debug)]
pub(crate) struct Sender {
    spec: UdpSender,
    /// Its index among its host's applications, for its timer.
    app: u16,
    /// The name it goes by on its host, for its random streams.
    label: String,
    timer: Option<TimerId>,
    next: Next,
    /// When it started (constant bit rate: datagram `k` leaves `k` gaps
    /// after it, computed exactly, so no rounding accumulates).
    started: SimTime,
    /// On/off: when the current on period ends.
    on_until: SimTime,
    /// On/off: the last send or the start of the on period.
    last: SimTime,
    /// On/off: bits of the next datagram's gap already spent in earlier
    /// on periods (ns-3's `m_residualBits`), so the mean rate while on is
    /// the rate asked for.
    residual_bits: u64,
    /// On/off: the period draws (`udp/<host>/<name>/on_off`).
    rng: Option<RngStream>,
    sent: u64,
    bytes: u64,
}

impl Sender {
    /// The sender that is application number `app` of its host, named
    /// `label`.
    pub(crate) fn new(spec: &UdpSender, app: u16, label: &str) -> Self {
        Sender {
            spec: spec.clone(),
            app,
            label: label.to_string(),
            timer: None,
            next: Next::Send,
            started: SimTime::ZERO,
            on_until: SimTime::ZERO,
            last: SimTime::ZERO,
            residual_bits: 0,
            rng: None,
            sent: 0,
            bytes: 0,
        }
    }

    pub(crate) fn start(&mut self, cx: &mut Context<'_, Wire>) {
        let node = cx.topology().name(cx.node()).to_string();
        let at = self.spec.start.resolve(cx.run_seed(), &node, &self.label);
        self.started = at;
        let t = cx.new_timer(Timer::Udp(self.app).to_token());
        self.timer = Some(t);
        if self.spec.on_off.is_some() {
            let name = format!("udp/{node}/{}/on_off", self.label);
            self.rng = Some(RngStream::derive(cx.run_seed(), &name));
            self.begin_on(cx, at);
        } else {
            self.arm(cx, Next::Send, at);
        }
    }

    /// The time to send `bits` at the rate (rounded up to a nanosecond).
    fn gap(&self, bits: u64) -> SimDuration {
        let ns = u128::from(bits) * 1_000_000_000;
        let rate = u128::from(self.spec.rate.bits_per_sec().max(1));
        SimDuration(ns.div_ceil(rate).min(u128::from(u64::MAX)) as u64)
    }

    fn bits(&self) -> u64 {
        u64::from(self.spec.size) * 8
    }

    /// Sets the timer for `next` at `at`, unless that is at or after
    /// `stop`: then it is done.
    fn arm(&mut self, cx: &mut Context<'_, Wire>, next: Next, at: SimTime) {
        if self.spec.stop.is_some_and(|s| at >= s) || at == SimTime::MAX {
            return;
        }
        self.next = next;
        if let Some(t) = self.timer {
            cx.set_timer(t, at);
        }
    }

    /// An on period starts at `now`: its length is drawn, and the first
    /// datagram leaves once the rest of a gap has passed (ns-3's
    /// `StartSending`).
    fn begin_on(&mut self, cx: &mut Context<'_, Wire>, now: SimTime) {
        let Some(on_off) = &self.spec.on_off else {
            return;
        };
        let len = SimDuration(self.rng.as_mut().map_or(0, |r| on_off.on.draw(r)));
        self.on_until = now + len;
        self.last = now;
        let first = now + self.gap(self.bits().saturating_sub(self.residual_bits));
        self.schedule_in_on(cx, first);
    }

    /// The next datagram at `at` if that is within the on period (a send
    /// due exactly when it ends still goes, as in ns-3, where the send
    /// was scheduled first), else the period's end.
    fn schedule_in_on(&mut self, cx: &mut Context<'_, Wire>, at: SimTime) {
        if at <= self.on_until {
            self.arm(cx, Next::Send, at);
        } else {
            let end = self.on_until;
            self.arm(cx, Next::OnEnds, end);
        }
    }

    pub(crate) fn on_timer(&mut self, cx: &mut Context<'_, Wire>) {
        let now = cx.now();
        match self.next {
            Next::Send => {
                self.send(cx, now);
                if self.spec.on_off.is_some() {
                    self.residual_bits = 0;
                    self.last = now;
                    let at = now + self.gap(self.bits());
                    self.schedule_in_on(cx, at);
                } else {
                    // Datagram k at start + k gaps, each gap exact.
                    let at = self.started + self.gap(self.bits().saturating_mul(self.sent));
                    self.arm(cx, Next::Send, at);
                }
            }
            Next::OnEnds => {
                // ns-3's `StopSending`: the bits the rate allowed since the
                // last send count towards the next gap.
                let spent = u128::from(now.saturating_since(self.last).as_nanos())
                    * u128::from(self.spec.rate.bits_per_sec())
                    / 1_000_000_000;
                let spent = u64::try_from(spent).unwrap_or(u64::MAX);
                self.residual_bits = self.residual_bits.saturating_add(spent).min(self.bits());
                let off = self.spec.on_off.as_ref().map(|o| &o.off);
                let len = match (off, self.rng.as_mut()) {
                    (Some(off), Some(r)) => SimDuration(off.draw(r)),
                    _ => SimDuration::ZERO,
                };
                self.arm(cx, Next::OffEnds, now + len);
            }
            Next::OffEnds => self.begin_on(cx, now),
        }
    }

    fn send(&mut self, cx: &mut Context<'_, Wire>, now: SimTime) {
        let d = Datagram {
            src_port: self.spec.local_port,
            dst_port: self.spec.port,
            seq: self.sent as u32,
            sent_at: now,
            len: self.spec.size,
        };
        self.sent += 1;
        self.bytes += u64::from(d.len);
        cx.send(self.spec.target, d.wire_size(), Wire::Udp(d));
    }

    pub(crate) fn metrics(&self) -> Vec<(String, Value)> {
        sender_named(self.sent, self.bytes)
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::U64(v)))
            .collect()
    }

    pub(crate) fn metric_names() -> Vec<String> {
        sender_named(0, 0)
            .into_iter()
            .map(|(k, _)| k.to_string())
            .collect()
    }
}

/// A sender's figures, by name (counters).
fn sender_named(sent: u64, bytes: u64) -> [(&'static str, u64); 2] {
    [("udp.sent", sent), ("udp.bytes_sent", bytes)]
}

/// What a sink knows of one sender (by its address and port).
#[derive(Debug, Default)]
struct Flow {
    highest: Option<u32>,
    /// Distinct datagrams received.
    distinct: u64,
    /// Which sequence numbers arrived.
    seen: sim_core::datagram::SeqSet,
}

impl Flow {
    /// Marks `seq` received; true if it already was.
    fn mark(&mut self, seq: u32) -> bool {
        self.seen.mark(seq)
    }

    /// Datagrams missing below the highest received.
    fn lost(&self) -> u64 {
        self.highest.map_or(0, |h| u64::from(h) + 1 - self.distinct)
    }
}

/// A running sink.
#[derive(Debug)]
pub(crate) struct Sink {
    spec: UdpSink,
    flows: BTreeMap<(NodeId, u16), Flow>,
    received: u64,
    bytes: u64,
    duplicates: u64,
    reordered: u64,
    /// One-way delays of the distinct datagrams, ns.
    delays: Histogram,
    /// The earliest send time among the datagrams received.
    first_sent: Option<SimTime>,
    last_arrival: Option<SimTime>,
}

impl Sink {
    pub(crate) fn new(spec: &UdpSink) -> Self {
        Sink {
            spec: spec.clone(),
            flows: BTreeMap::new(),
            received: 0,
            bytes: 0,
            duplicates: 0,
            reordered: 0,
            delays: Histogram::default(),
            first_sent: None,
            last_arrival: None,
        }
    }

    /// The port it receives on.
    pub(crate) fn port(&self) -> u16 {
        self.spec.port
    }

    /// A datagram for its port arrived from `from`.
    pub(crate) fn on_datagram(&mut self, now: SimTime, from: NodeId, d: &Datagram) {
        let flow = self.flows.entry((from, d.src_port)).or_default();
        if flow.mark(d.seq) {
            self.duplicates += 1;
            return;
        }
        if flow.highest.is_some_and(|h| d.seq < h) {
            self.reordered += 1;
        }
        flow.highest = Some(flow.highest.map_or(d.seq, |h| h.max(d.seq)));
        flow.distinct += 1;
        self.received += 1;
        self.bytes += u64::from(d.len);
        self.delays.push(now.saturating_since(d.sent_at).as_nanos());
        self.first_sent = Some(self.first_sent.map_or(d.sent_at, |t| t.min(d.sent_at)));
        self.last_arrival = Some(now);
    }

    pub(crate) fn metrics(&self) -> Vec<(String, Value)> {
        self.named()
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_string(), Value::U64(v?))))
            .collect()
    }

    pub(crate) fn metric_names() -> Vec<String> {
        Sink::new(&UdpSink { port: 0 })
            .named()
            .into_iter()
            .map(|(k, _)| k.to_string())
            .collect()
    }

    /// Its figures by name: counters always, observations (delays,
    /// goodput) only once there was a datagram to observe.
    fn named(&self) -> Vec<(&'static str, Option<u64>)> {
        let d = &self.delays;
        let goodput = match (self.first_sent, self.last_arrival) {
            (Some(a), Some(b)) if b > a => {
                let ns = u128::from((b - a).as_nanos());
                Some((u128::from(self.bytes) * 8 * 1_000_000_000 / ns) as u64)
            }
            _ => None,
        };
        let lost = self.flows.values().map(Flow::lost).sum();
        vec![
            ("udp.received", Some(self.received)),
            ("udp.bytes_received", Some(self.bytes)),
            ("udp.lost", Some(lost)),
            ("udp.duplicates", Some(self.duplicates)),
            ("udp.reordered", Some(self.reordered)),
            ("udp.delay_min_ns", d.min()),
            ("udp.delay_mean_ns", d.mean()),
            ("udp.delay_p50_ns", d.percentile(50)),
            ("udp.delay_p95_ns", d.percentile(95)),
            ("udp.delay_max_ns", d.max()),
            ("udp.goodput_bps", goodput),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn datagram(seq: u32, sent_ns: u64) -> Datagram {
        Datagram {
            src_port: 5000,
            dst_port: 9,
            seq,
            sent_at: SimTime(sent_ns),
            len: 1000,
        }
    }

    fn metric(s: &Sink, name: &str) -> Option<u64> {
        s.named().into_iter().find(|(k, _)| *k == name).unwrap().1
    }

    #[test]
    fn a_sink_counts_losses_duplicates_and_reordering_by_sequence_number() {
        let mut s = Sink::new(&UdpSink { port: 9 });
        let a = NodeId(0);
        // 0, 1, 3, 2 (late), 3 again, 6: 4 and 5 missing.
        for (seq, at) in [(0, 10), (1, 20), (3, 40), (2, 45), (3, 50), (6, 70)] {
            s.on_datagram(SimTime(at), a, &datagram(seq, at - 5));
        }
        assert_eq!(metric(&s, "udp.received"), Some(5));
        assert_eq!(metric(&s, "udp.bytes_received"), Some(5000));
        assert_eq!(metric(&s, "udp.lost"), Some(2));
        assert_eq!(metric(&s, "udp.duplicates"), Some(1));
        assert_eq!(metric(&s, "udp.reordered"), Some(1));
        assert_eq!(metric(&s, "udp.delay_min_ns"), Some(5));
        assert_eq!(metric(&s, "udp.delay_max_ns"), Some(5));
        // 5000 bytes from the first send (5 ns) to the last arrival (70).
        assert_eq!(
            metric(&s, "udp.goodput_bps"),
            Some(5000 * 8 * 1_000_000_000 / 65)
        );
    }

    #[test]
    fn two_senders_are_two_sequences() {
        let mut s = Sink::new(&UdpSink { port: 9 });
        s.on_datagram(SimTime(10), NodeId(0), &datagram(0, 1));
        s.on_datagram(SimTime(10), NodeId(1), &datagram(0, 1));
        assert_eq!(metric(&s, "udp.duplicates"), Some(0));
        assert_eq!(metric(&s, "udp.lost"), Some(0));
    }

    #[test]
    fn a_sink_that_received_nothing_has_no_observations() {
        let s = Sink::new(&UdpSink { port: 9 });
        let m = s.metrics();
        let names: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "udp.received",
                "udp.bytes_received",
                "udp.lost",
                "udp.duplicates",
                "udp.reordered"
            ]
        );
    }

    #[test]
    fn delay_percentiles_are_nearest_rank() {
        let mut s = Sink::new(&UdpSink { port: 9 });
        for seq in 0..20u32 {
            let sent = u64::from(seq) * 100;
            s.on_datagram(
                SimTime(sent + u64::from(seq) + 1),
                NodeId(0),
                &datagram(seq, sent),
            );
        }
        assert_eq!(metric(&s, "udp.delay_p50_ns"), Some(10));
        assert_eq!(metric(&s, "udp.delay_p95_ns"), Some(19));
        assert_eq!(metric(&s, "udp.delay_mean_ns"), Some(10));
    }

    #[test]
    fn periods_have_their_means_and_pareto_its_floor() {
        let mut rng = RngStream::derive(1, "test");
        let n = 100_000u64;
        let mean = 100_000_000;
        let exp: u64 = (0..n)
            .map(|_| Dist::Exponential { mean }.draw(&mut rng))
            .sum();
        let exp = exp / n;
        assert!((95_000_000..105_000_000).contains(&exp), "{exp}");
        let pareto = Dist::Pareto { mean, shape: 2.5 };
        let draws: Vec<u64> = (0..n).map(|_| pareto.draw(&mut rng)).collect();
        // Never below the scale, mean * (shape - 1) / shape = 60 ms.
        assert!(draws.iter().all(|&d| d >= 60_000_000));
        let m = draws.iter().sum::<u64>() / n;
        assert!((90_000_000..110_000_000).contains(&m), "{m}");
        assert_eq!(
            Dist::Constant(mean).draw(&mut rng),
            mean,
            "a constant draws nothing"
        );
    }
}
