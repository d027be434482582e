//! Sampling the time series (the scenario's `timeseries` section) from the
//! models between events: every live TCP connection end and every link
//! direction, at `interval`, `2 interval`, ... while the run has work.
//! Rates are over the interval before the sample.

use std::collections::HashMap;

use reports::series::{Series, SeriesRow};
use sim_apps::Host;
use sim_apps::payload::Wire;
use sim_apps::tcp::FlowSample;
use sim_core::{LinkDirId, NodeId, SimDuration, SimTime, Simulator};

use crate::plan::Plan;

/// A connection end: its node, port, peer and peer port.
type FlowKey = (NodeId, u16, NodeId, u16);

/// The sampler's state between samples.
pub(super) struct Sampler {
    every: SimDuration,
    /// When the next sample is due.
    pub(super) next: SimTime,
    /// Each live flow end's (acknowledged, delivered) bytes at the last
    /// sample; ends gone since are dropped from it.
    flows: HashMap<FlowKey, (u64, u64)>,
    /// Each link direction's (bytes whose transmission began, drops,
    /// marks) at the last sample.
    links: Vec<(u64, u64, u64)>,
    scratch: Vec<FlowSample>,
}

impl Sampler {
    pub(super) fn new(every: SimDuration) -> Self {
        Sampler {
            every,
            next: SimTime::ZERO + every,
            flows: HashMap::new(),
            links: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Bits per second of `bytes` over one interval.
    fn rate(&self, bytes: u64) -> u64 {
        (u128::from(bytes) * 8 * 1_000_000_000 / u128::from(self.every.as_nanos()))
            .min(u128::from(u64::MAX)) as u64
    }

    /// Takes the sample due at `self.next` (every event up to it handled)
    /// and passes each row to `out`; then the next one is due.
    pub(super) fn sample(
        &mut self,
        sim: &mut Simulator<Wire>,
        plan: &Plan,
        out: &mut dyn FnMut(SeriesRow),
    ) {
        let t = self.next;
        self.next = t + self.every;
        let mut seen = HashMap::with_capacity(self.flows.len());
        for (node, _) in &plan.hosts {
            let host = sim.endpoint_mut(*node).and_then(|ep| {
                let ep: &mut dyn std::any::Any = ep;
                ep.downcast_mut::<Host>()
            });
            let Some(host) = host else { continue };
            let mut samples = std::mem::take(&mut self.scratch);
            samples.clear();
            host.flow_samples(&mut samples);
            let topo = sim.topology();
            for f in samples.drain(..) {
                let key = (*node, f.lport, f.peer, f.pport);
                let (acked0, delivered0) = self.flows.get(&key).copied().unwrap_or((0, 0));
                // A new connection on a reused 4-tuple starts from 0.
                let acked = f.bytes_acked.checked_sub(acked0).unwrap_or(f.bytes_acked);
                let delivered = f
                    .bytes_delivered
                    .checked_sub(delivered0)
                    .unwrap_or(f.bytes_delivered);
                seen.insert(key, (f.bytes_acked, f.bytes_delivered));
                let name = format!(
                    "{}:{}-{}:{}",
                    topo.name(*node),
                    f.lport,
                    topo.name(f.peer),
                    f.pport
                );
                let mut row = |series, value| {
                    out(SeriesRow {
                        t,
                        series,
                        key: name.clone(),
                        value,
                    })
                };
                if f.bytes_sent > 0 {
                    row(Series::AckedBps, self.rate(acked));
                }
                if f.bytes_delivered > 0 {
                    row(Series::DeliveredBps, self.rate(delivered));
                }
                if f.bytes_sent > 0 {
                    row(Series::Cwnd, u64::from(f.cwnd));
                    row(Series::InflightBytes, f.in_flight);
                }
                if let Some(srtt) = f.srtt {
                    row(Series::SrttNs, srtt.as_nanos());
                }
            }
            self.scratch = samples;
        }
        self.flows = seen;
        let topo = sim.topology();
        let dirs = topo.link_dirs();
        self.links.resize(dirs.len(), (0, 0, 0));
        for (i, d) in dirs.iter().enumerate() {
            let dir = LinkDirId(i as u32);
            let s = sim.link_stats(dir);
            let (pkts, bytes) = sim.queue_at(dir, t);
            let sent = sim.transmitted_at(dir, t);
            let drops = s.dropped_queue_full + s.dropped_aqm;
            let (sent0, drops0, marks0) = self.links[i];
            self.links[i] = (sent, drops, s.marked);
            let name = format!("{}->{}", topo.name(d.from), topo.name(d.to));
            for (series, value) in [
                (Series::QueuePackets, pkts),
                (Series::QueueBytes, bytes),
                (Series::SentBps, self.rate(sent - sent0)),
                (Series::Drops, drops - drops0),
            ] {
                out(SeriesRow {
                    t,
                    series,
                    key: name.clone(),
                    value,
                });
            }
            if d.params.can_mark() {
                out(SeriesRow {
                    t,
                    series: Series::Marks,
                    key: name,
                    value: s.marked - marks0,
                });
            }
        }
    }
}
