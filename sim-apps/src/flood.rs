//! A SYN flood: SYNs from spoofed sources at a steady rate, to fill a
//! server's SYN queue (RFC 4987). Its own application because it sends
//! crafted segments and runs no TCP state at all.

use sim_core::{Context, NodeId, SimDuration, SimTime, TimerId, Value};

use crate::payload::Wire;
use crate::start::Start;
use crate::timer::Timer;

/// A SYN flood to run.
#[derive(Debug, Clone, PartialEq)]
pub struct SynFlood {
    /// Victim node.
    pub target: NodeId,
    /// Victim port.
    pub port: u16,
    /// SYNs to send.
    pub count: u64,
    /// Gap between SYNs.
    pub interval: SimDuration,
    /// First SYN.
    pub at: Start,
    /// No SYN is sent at or after this time.
    pub stop: Option<SimTime>,
    /// Claimed sources, round robin (empty: the flooder itself).
    pub spoof: Vec<NodeId>,
}

/// The running flood.
#[derive(Debug)]
pub(crate) struct Flood {
    spec: SynFlood,
    /// Its index among its host's applications, for its timer.
    app: u16,
    /// The name it goes by on its host (its drawn start's stream).
    label: String,
    sent: u64,
    timer: Option<TimerId>,
}

impl Flood {
    /// The flood that is application number `app` of its host, named
    /// `label`.
    pub(crate) fn new(spec: &SynFlood, app: u16, label: &str) -> Self {
        Flood {
            spec: spec.clone(),
            app,
            label: label.to_string(),
            sent: 0,
            timer: None,
        }
    }

    pub(crate) fn start(&mut self, cx: &mut Context<'_, Wire>) {
        if self.spec.count > 0 {
            let node = cx.topology().name(cx.node()).to_string();
            let at = self.spec.at.resolve(cx.run_seed(), &node, &self.label);
            let t = cx.new_timer(Timer::Flood(self.app).to_token());
            cx.set_timer(t, at);
            self.timer = Some(t);
        }
    }

    /// Sends the next SYN of the flood and schedules the one after.
    pub(crate) fn on_timer(&mut self, cx: &mut Context<'_, Wire>) {
        if self.spec.stop.is_some_and(|s| cx.now() >= s) {
            return;
        }
        let f = &self.spec;
        let i = self.sent;
        self.sent += 1;
        let (src, sport) = if f.spoof.is_empty() {
            (cx.node(), 1024 + (i % 64_512) as u16)
        } else {
            let n = f.spoof.len() as u64;
            (f.spoof[(i % n) as usize], 1024 + ((i / n) % 64_512) as u16)
        };
        let seq = sim_tcp::seq::SeqNum(cx.rng().next_u32());
        let seg = sim_tcp::Segment {
            src_port: sport,
            dst_port: f.port,
            seq,
            flags: sim_tcp::Flags::SYN,
            wnd: 65_535,
            mss: Some(1460),
            ..sim_tcp::Segment::default()
        };
        let size = seg.wire_size();
        let wire = Wire::Tcp {
            seg,
            retransmission: false,
            bytes: None,
        };
        cx.send_as(src, f.target, size, wire);
        if self.sent < f.count
            && let Some(t) = self.timer
        {
            let next = cx.now() + f.interval;
            cx.set_timer(t, next);
        }
    }

    pub(crate) fn metrics(&self) -> Vec<(String, Value)> {
        named(self.sent)
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::U64(v)))
            .collect()
    }

    pub(crate) fn metric_names() -> Vec<String> {
        named(0).into_iter().map(|(k, _)| k.to_string()).collect()
    }
}

/// Its one figure, by name.
fn named(sent: u64) -> [(&'static str, u64); 1] {
    [("flood.syns_sent", sent)]
}
