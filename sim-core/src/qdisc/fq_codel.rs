//! FQ-CoDel (RFC 8290): packets are hashed by flow into many queues, each
//! under its own CoDel; a deficit round robin serves them, new flows (those
//! that just became active) before old ones, so a sparse flow such as a
//! ping or a handshake overtakes a bulk transfer's standing queue.

use std::collections::VecDeque;

use super::codel::{CodelConfig, CodelState};
use super::fifo::Fifo;
use super::{DropCause, Entry, Qdisc, Signals};
use crate::rng::RngStream;
use crate::time::SimTime;
use crate::topology::QueueLimit;

/// FQ-CoDel's parameters; defaults from RFC 8290 §5.1 and Linux's
/// `fq_codel` (1024 flows, quantum 1514 bytes: an MTU plus the Ethernet
/// header, and ECN marking on, as RFC 8290 §5.2 and Linux have it).
#[derive(Clone, Debug, PartialEq)]
pub struct FqCodelConfig {
    /// Number of flow queues packets are hashed into.
    pub flows: u32,
    /// Bytes a flow may send per round.
    pub quantum: u32,
    /// Each flow queue's CoDel.
    pub codel: CodelConfig,
}

impl Default for FqCodelConfig {
    fn default() -> Self {
        FqCodelConfig {
            flows: 1024,
            quantum: 1514,
            codel: CodelConfig {
                ecn: true,
                ..CodelConfig::default()
            },
        }
    }
}

/// Which list a flow is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum List {
    Inactive,
    New,
    Old,
}

#[derive(Debug)]
struct Flow {
    q: Fifo,
    codel: CodelState,
    deficit: i64,
    list: List,
}

#[derive(Debug)]
pub(crate) struct FqCodel {
    cfg: FqCodelConfig,
    limit: QueueLimit,
    flows: Vec<Flow>,
    new_flows: VecDeque<usize>,
    old_flows: VecDeque<usize>,
    len: usize,
    bytes: u64,
    /// Mixed into every flow's hash (Linux perturbs its jhash the same way),
    /// from the link's own stream: which flows share a queue depends on the
    /// seed, not on the port numbers alone.
    perturbation: u64,
}

impl FqCodel {
    pub(crate) fn new(cfg: FqCodelConfig, limit: QueueLimit, mut rng: RngStream) -> Self {
        let n = cfg.flows.max(1) as usize;
        FqCodel {
            flows: (0..n)
                .map(|_| Flow {
                    q: Fifo::default(),
                    codel: CodelState::default(),
                    deficit: 0,
                    list: List::Inactive,
                })
                .collect(),
            cfg,
            limit,
            new_flows: VecDeque::new(),
            old_flows: VecDeque::new(),
            len: 0,
            bytes: 0,
            perturbation: rng.next_u64(),
        }
    }

    fn bucket(&self, flow: u64) -> usize {
        // splitmix64's finaliser: every input bit moves every output bit.
        let mut z = flow ^ self.perturbation;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z % self.flows.len() as u64) as usize
    }

    fn over_limit(&self) -> bool {
        match self.limit {
            QueueLimit::Packets(n) => self.len as u64 > u64::from(n),
            QueueLimit::Bytes(b) => self.bytes > b,
        }
    }

    /// RFC 8290 §4.1: over the limit, the flow with the most bytes queued
    /// loses its oldest packet. (Linux drops up to 64 at once from it; one
    /// at a time is the RFC's description.)
    fn drop_from_fattest(&mut self, out: &mut Signals) {
        let fattest = (0..self.flows.len())
            .max_by_key(|&i| (self.flows[i].q.bytes(), std::cmp::Reverse(i)))
            .expect("at least one flow");
        if let Some(e) = self.flows[fattest].q.pop() {
            self.len -= 1;
            self.bytes -= u64::from(e.size);
            out.drop(e, DropCause::FqOverflow);
        }
    }
}

impl Qdisc for FqCodel {
    fn enqueue(&mut self, _now: SimTime, e: Entry, out: &mut Signals) {
        let i = self.bucket(e.flow);
        let quantum = i64::from(self.cfg.quantum);
        let f = &mut self.flows[i];
        f.q.push(e);
        self.len += 1;
        self.bytes += u64::from(e.size);
        if f.list == List::Inactive {
            // RFC 8290 §4.1.1: a flow that becomes active joins the new
            // flows with a full quantum.
            f.list = List::New;
            f.deficit = quantum;
            self.new_flows.push_back(i);
        }
        if self.over_limit() {
            self.drop_from_fattest(out);
        }
    }

    fn dequeue(&mut self, now: SimTime, out: &mut Signals) -> Option<Entry> {
        let quantum = i64::from(self.cfg.quantum);
        loop {
            // RFC 8290 §4.2: new flows first, then old ones.
            let (i, from_new) = match (self.new_flows.front(), self.old_flows.front()) {
                (Some(&i), _) => (i, true),
                (None, Some(&i)) => (i, false),
                (None, None) => return None,
            };
            let list = if from_new {
                &mut self.new_flows
            } else {
                &mut self.old_flows
            };
            let f = &mut self.flows[i];
            if f.deficit <= 0 {
                // Used its quantum: a new one, at the back of the old flows.
                f.deficit += quantum;
                list.pop_front();
                f.list = List::Old;
                self.old_flows.push_back(i);
                continue;
            }
            let (len0, bytes0) = (f.q.len(), f.q.bytes());
            let got = f.codel.dequeue(&self.cfg.codel, now, &mut f.q, out);
            self.len -= len0 - f.q.len();
            self.bytes -= bytes0 - f.q.bytes();
            match got {
                Some(e) => {
                    f.deficit -= i64::from(e.size);
                    return Some(e);
                }
                None => {
                    // Empty: a new flow moves to the old list (so it cannot
                    // starve the others by emptying and refilling); an old
                    // one becomes inactive.
                    list.pop_front();
                    if from_new {
                        f.list = List::Old;
                        self.old_flows.push_back(i);
                    } else {
                        f.list = List::Inactive;
                    }
                }
            }
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn bytes(&self) -> u64 {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimDuration;

    fn fq() -> FqCodel {
        FqCodel::new(
            FqCodelConfig::default(),
            QueueLimit::Packets(1000),
            RngStream::derive(1, "fq"),
        )
    }

    fn entry(slot: u32, flow: u64, size: u32) -> Entry {
        Entry {
            slot,
            size,
            enqueued: SimTime::ZERO,
            flow,
            ect: false,
        }
    }

    /// A packet of a sparse flow that arrives behind 100 bulk packets is
    /// sent after at most one of them (it is a new flow).
    #[test]
    fn a_sparse_flow_overtakes_a_standing_queue() {
        let mut q = fq();
        let mut out = Signals::default();
        let bulk = 7;
        let ping = 9;
        assert_ne!(q.bucket(bulk), q.bucket(ping), "pick flows apart");
        for s in 0..100 {
            q.enqueue(SimTime::ZERO, entry(s, bulk, 1500), &mut out);
        }
        // The bulk flow has been served a while (it is an old flow now).
        for _ in 0..3 {
            q.dequeue(SimTime::ZERO, &mut out).unwrap();
        }
        q.enqueue(SimTime::ZERO, entry(1000, ping, 84), &mut out);
        let next: Vec<u32> = (0..3)
            .map(|_| q.dequeue(SimTime::ZERO, &mut out).unwrap().slot)
            .collect();
        assert!(next[..2].contains(&1000), "{next:?}");
        assert!(out.drops.is_empty());
    }

    /// Two bulk flows share the link byte for byte, whatever their packet
    /// sizes.
    #[test]
    fn two_backlogged_flows_get_equal_bytes() {
        let mut q = fq();
        let mut out = Signals::default();
        let (a, b) = (1, 2);
        assert_ne!(q.bucket(a), q.bucket(b));
        for s in 0..400 {
            q.enqueue(SimTime::ZERO, entry(s, a, 1500), &mut out);
            q.enqueue(SimTime::ZERO, entry(10_000 + s, b, 500), &mut out);
        }
        let (mut ba, mut bb) = (0u64, 0u64);
        for _ in 0..300 {
            let e = q.dequeue(SimTime::ZERO, &mut out).unwrap();
            if e.flow == a {
                ba += u64::from(e.size);
            } else {
                bb += u64::from(e.size);
            }
        }
        let diff = ba.abs_diff(bb);
        assert!(diff <= 3000, "{ba} vs {bb}");
    }

    /// Over the limit, the fattest flow loses its oldest packet, not the
    /// one arriving.
    #[test]
    fn overflow_drops_from_the_fattest_flow() {
        let mut q = FqCodel::new(
            FqCodelConfig::default(),
            QueueLimit::Packets(10),
            RngStream::derive(1, "fq"),
        );
        let mut out = Signals::default();
        for s in 0..10 {
            q.enqueue(SimTime::ZERO, entry(s, 1, 1500), &mut out);
        }
        q.enqueue(SimTime::ZERO, entry(99, 2, 100), &mut out);
        assert_eq!(out.drops, [(entry(0, 1, 1500), DropCause::FqOverflow)]);
        assert_eq!(q.len(), 10);
    }

    /// Each flow runs its own CoDel: a standing bulk queue is dropped from
    /// while a light flow's packets, which never wait, are not.
    #[test]
    fn codel_acts_per_flow() {
        let mut q = fq();
        let mut out = Signals::default();
        let ms = |n: u64| SimTime::ZERO + SimDuration::from_millis(n);
        let mut slot = 0;
        for t in 0..1000u64 {
            // Two bulk packets arrive per millisecond, one leaves.
            for _ in 0..2 {
                q.enqueue(
                    ms(t),
                    Entry {
                        slot,
                        size: 1500,
                        enqueued: ms(t),
                        flow: 1,
                        ect: false,
                    },
                    &mut out,
                );
                slot += 1;
            }
            q.dequeue(ms(t), &mut out);
        }
        assert!(out.drops.iter().any(|(_, c)| *c == DropCause::Codel));
        assert!(out.drops.iter().all(|(e, _)| e.flow == 1));
    }
}
