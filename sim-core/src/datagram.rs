//! A built-in datagram endpoint: ICMP-style echo and ping.
//!
//! It exercises the core end to end (links, routing, timers, tracing) without
//! any transport protocol, and gives scenarios a way to measure a path's
//! round-trip time and loss. Every host running a [`DatagramHost`] answers
//! echo requests; a host configured with [`PingJob`]s also sends them.

use crate::sim::{Context, Endpoint, Packet, Payload};
use crate::time::{SimDuration, SimTime};
use crate::topology::NodeId;
use crate::trace::Value;

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
/// `interval`, starting at `start`.
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
}

#[derive(Debug, Default, Clone)]
struct PingStats {
    sent: u32,
    received: u32,
    duplicates: u32,
    rtt_min: Option<u64>,
    rtt_max: u64,
    rtt_sum: u128,
    seen: Vec<bool>,
}

/// Answers echo requests and runs ping jobs.
#[derive(Debug, Default)]
pub struct DatagramHost {
    jobs: Vec<PingJob>,
    stats: PingStats,
    answered: u64,
}

impl DatagramHost {
    /// A host that only answers.
    pub fn new() -> Self {
        Self::default()
    }

    /// A host that also pings; only one job per host so replies are
    /// unambiguous.
    pub fn with_ping(job: PingJob) -> Self {
        DatagramHost {
            stats: PingStats {
                seen: vec![false; job.count as usize],
                ..PingStats::default()
            },
            jobs: vec![job],
            answered: 0,
        }
    }
}

impl<P: CarriesEcho> Endpoint<P> for DatagramHost {
    fn start(&mut self, cx: &mut Context<'_, P>) {
        if let Some(job) = self.jobs.first() {
            if job.count > 0 {
                let t = cx.new_timer(0);
                cx.set_timer(t, job.start);
            }
        }
    }

    fn on_timer(&mut self, cx: &mut Context<'_, P>, token: u64) {
        let Some(job) = self.jobs.first().cloned() else {
            return;
        };
        let seq = token as u32;
        let now = cx.now();
        cx.send(
            job.target,
            job.size,
            P::from_echo(Echo::Request { seq, sent_at: now }),
        );
        self.stats.sent += 1;
        if cx.tracing() {
            let fields = vec![
                ("target", Value::Node(job.target)),
                ("seq", Value::from(seq)),
            ];
            cx.trace("ping_request", fields);
        }
        if seq + 1 < job.count {
            let t = cx.new_timer(u64::from(seq + 1));
            cx.set_timer(t, now + job.interval);
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
                let dup = match s.seen.get_mut(seq as usize) {
                    Some(seen) if *seen => true,
                    Some(seen) => {
                        *seen = true;
                        false
                    }
                    None => return, // not one of ours
                };
                if dup {
                    s.duplicates += 1;
                } else {
                    s.received += 1;
                    s.rtt_min = Some(s.rtt_min.map_or(rtt, |m| m.min(rtt)));
                    s.rtt_max = s.rtt_max.max(rtt);
                    s.rtt_sum += u128::from(rtt);
                }
                if cx.tracing() {
                    let fields = vec![
                        ("from", Value::Node(packet.src)),
                        ("seq", Value::from(seq)),
                        ("rtt_ns", Value::U64(rtt)),
                        ("duplicate", Value::Bool(dup)),
                    ];
                    cx.trace("ping_reply", fields);
                }
            }
            None => {}
        }
    }

    fn metrics(&self) -> Vec<(String, Value)> {
        let mut m = vec![("echo.answered".to_string(), Value::U64(self.answered))];
        if !self.jobs.is_empty() {
            let s = &self.stats;
            let mean = if s.received > 0 {
                (s.rtt_sum / u128::from(s.received)) as u64
            } else {
                0
            };
            m.extend([
                ("ping.sent".to_string(), Value::U64(u64::from(s.sent))),
                (
                    "ping.received".to_string(),
                    Value::U64(u64::from(s.received)),
                ),
                (
                    "ping.lost".to_string(),
                    Value::U64(u64::from(s.sent - s.received)),
                ),
                (
                    "ping.duplicates".to_string(),
                    Value::U64(u64::from(s.duplicates)),
                ),
                (
                    "ping.rtt_min_ns".to_string(),
                    Value::U64(s.rtt_min.unwrap_or(0)),
                ),
                ("ping.rtt_mean_ns".to_string(), Value::U64(mean)),
                ("ping.rtt_max_ns".to_string(), Value::U64(s.rtt_max)),
            ]);
        }
        m
    }
}
