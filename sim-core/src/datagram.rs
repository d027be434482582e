//! A built-in datagram endpoint: ICMP-style echo and ping.
//!
//! It exercises the core end to end (links, routing, timers, tracing) without
//! any transport protocol, and gives scenarios a way to measure a path's
//! round-trip time and loss. Every host running a [`DatagramHost`] answers
//! echo requests; a host configured with [`PingJob`]s also sends them.

use crate::sim::{Context, Endpoint, Packet, Payload, TimerId};
use crate::time::{SimDuration, SimTime};
use crate::topology::NodeId;
use crate::trace::{Field, Kind, Value};

/// An echo message. Its size on the wire is carried by the packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Echo {
    /// Please send this back.
    Request {
        /// Which request of the job this is, from 0.
        seq: u32,
        /// When it was sent, so the reply gives the round-trip time.
        sent_at: SimTime,
    },
    /// The answer to a request, echoing its fields.
    Reply {
        /// The request's sequence number.
        seq: u32,
        /// The request's send time.
        sent_at: SimTime,
    },
}

/// Payload types that can carry echo messages.
pub trait CarriesEcho: Payload {
    /// Wraps an echo message.
    fn from_echo(e: Echo) -> Self;
    /// The echo message inside, if this payload is one.
    fn as_echo(&self) -> Option<&Echo>;
}

/// Sends `count` echo requests of `size` bytes to `target`, one every
/// `interval`, starting at `start` and sending none at or after `stop`.
#[derive(Clone, Debug, PartialEq)]
pub struct PingJob {
    /// Destination.
    pub target: NodeId,
    /// Number of requests.
    pub count: u32,
    /// Gap between requests.
    pub interval: SimDuration,
    /// Bytes on the wire per request (and reply).
    pub size: u32,
    /// When the first request leaves.
    pub start: SimTime,
    /// No request leaves at or after this time.
    pub stop: Option<SimTime>,
}

#[derive(Debug, Default, Clone)]
struct PingStats {
    sent: u32,
    received: u32,
    duplicates: u32,
    /// Replies that arrived after the reply to a later request.
    reordered: u32,
    highest: Option<u32>,
    rtt_min: Option<u64>,
    rtt_max: u64,
    rtt_sum: u128,
    /// Which requests have had a reply (never sized by `count` up front:
    /// a count of 2^32 - 1 must not reserve half a gigabyte before the
    /// first request).
    seen: SeqSet,
}

impl PingStats {
    /// Marks request `seq` answered; true if it already was.
    fn mark(&mut self, seq: u32) -> bool {
        self.seen.mark(seq)
    }
}

/// Sequence numbers seen, one bit each, grown as they come: what tells a
/// duplicate from a first arrival (ping replies, UDP datagrams).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeqSet {
    words: Vec<u64>,
}

impl SeqSet {
    /// Marks `seq` seen; true if it already was.
    pub fn mark(&mut self, seq: u32) -> bool {
        let (word, bit) = ((seq / 64) as usize, seq % 64);
        if self.words.len() <= word {
            self.words.resize(word + 1, 0);
        }
        let dup = self.words[word] & (1 << bit) != 0;
        self.words[word] |= 1 << bit;
        dup
    }
}

/// Answers echo requests and runs ping jobs.
#[derive(Debug, Default)]
pub struct DatagramHost {
    jobs: Vec<PingJob>,
    stats: PingStats,
    answered: u64,
    /// The ping's one timer, re-armed for each request (a timer per
    /// request would hold a slot per request for the whole run).
    timer: Option<TimerId>,
    /// The sequence number of the next request.
    next_seq: u32,
}

impl DatagramHost {
    /// Every metric name it may report, in order (an observation is
    /// reported only once it was made).
    pub fn metric_names(&self) -> Vec<String> {
        self.named()
            .into_iter()
            .map(|(k, _)| k.to_string())
            .collect()
    }

    /// Its figures by name: counters always, observations when made.
    fn named(&self) -> Vec<(&'static str, Option<u64>)> {
        let mut m = vec![("echo.answered", Some(self.answered))];
        if !self.jobs.is_empty() {
            let s = &self.stats;
            let received = s.received > 0;
            let mean = received.then(|| (s.rtt_sum / u128::from(s.received)) as u64);
            m.extend([
                ("ping.sent", Some(u64::from(s.sent))),
                ("ping.received", Some(u64::from(s.received))),
                ("ping.lost", Some(u64::from(s.sent - s.received))),
                ("ping.duplicates", Some(u64::from(s.duplicates))),
                ("ping.reordered", Some(u64::from(s.reordered))),
                ("ping.rtt_min_ns", s.rtt_min),
                ("ping.rtt_mean_ns", mean),
                ("ping.rtt_max_ns", received.then_some(s.rtt_max)),
            ]);
        }
        m
    }

    /// A host that only answers.
    pub fn new() -> Self {
        Self::default()
    }

    /// A host that also pings; only one job per host so replies are
    /// unambiguous.
    pub fn with_ping(job: PingJob) -> Self {
        DatagramHost {
            stats: PingStats::default(),
            jobs: vec![job],
            answered: 0,
            timer: None,
            next_seq: 0,
        }
    }
}

impl<P: CarriesEcho> Endpoint<P> for DatagramHost {
    fn start(&mut self, cx: &mut Context<'_, P>) {
        if let Some(job) = self.jobs.first().filter(|j| j.count > 0) {
            let t = cx.new_timer(0);
            cx.set_timer(t, job.start);
            self.timer = Some(t);
        }
    }

    fn on_timer(&mut self, cx: &mut Context<'_, P>, _token: u64) {
        let (Some(job), Some(timer)) = (self.jobs.first().cloned(), self.timer) else {
            return;
        };
        let seq = self.next_seq;
        let now = cx.now();
        if job.stop.is_some_and(|s| now >= s) {
            return;
        }
        if cx.tracing() {
            let fields = vec![
                (Field::Target, Value::Node(job.target)),
                (Field::Seq, Value::from(seq)),
            ];
            cx.trace(Kind::PingRequest, fields);
        }
        cx.send(
            job.target,
            job.size,
            P::from_echo(Echo::Request { seq, sent_at: now }),
        );
        self.stats.sent += 1;
        if seq + 1 < job.count {
            self.next_seq = seq + 1;
            cx.set_timer(timer, now + job.interval);
        }
    }

    fn on_packet(&mut self, cx: &mut Context<'_, P>, packet: Packet<P>) {
        match packet.payload.as_echo() {
            Some(&Echo::Request { seq, sent_at }) => {
                self.answered += 1;
                cx.send(
                    packet.src,
                    packet.size,
                    P::from_echo(Echo::Reply { seq, sent_at }),
                );
            }
            Some(&Echo::Reply { seq, sent_at }) => {
                let rtt = cx.now().saturating_since(sent_at).as_nanos();
                let s = &mut self.stats;
                if seq >= s.sent {
                    return; // not one of ours
                }
                let dup = s.mark(seq);
                if dup {
                    s.duplicates += 1;
                } else {
                    if s.highest.is_some_and(|h| seq < h) {
                        s.reordered += 1;
                    }
                    s.highest = Some(s.highest.map_or(seq, |h| h.max(seq)));
                    s.received += 1;
                    s.rtt_min = Some(s.rtt_min.map_or(rtt, |m| m.min(rtt)));
                    s.rtt_max = s.rtt_max.max(rtt);
                    s.rtt_sum += u128::from(rtt);
                }
                if cx.tracing() {
                    let fields = vec![
                        (Field::From, Value::Node(packet.src)),
                        (Field::Seq, Value::from(seq)),
                        (Field::RttNs, Value::U64(rtt)),
                        (Field::Duplicate, Value::Bool(dup)),
                    ];
                    cx.trace(Kind::PingReply, fields);
                }
            }
            None => {}
        }
    }

    /// `echo.answered`, and with a ping job its figures. The round-trip
    /// times are observations: without a reply there is none, and they are
    /// left out (see [`DatagramHost::metric_names`] for every name).
    fn metrics(&self) -> Vec<(String, Value)> {
        self.named()
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_string(), Value::U64(v?))))
            .collect()
    }
}
