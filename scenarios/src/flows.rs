//! `flows.csv`: one line per TCP connection end, for loading into a data
//! frame beside `timeseries.csv` (README, "What a run writes").
//!
//! A line is one end, not one connection: each end counts what it sent
//! and had acknowledged, and what it received, so a request/response
//! connection shows both directions on its two lines, and an end whose
//! peer is not a host of the scenario (a SYN flood's spoofed source, an
//! injected segment) still has its line. The columns are fixed; a figure
//! that was never observed (an RTT without a sample, a goodput without
//! acknowledged data) is an empty cell, never 0.

use std::fmt::Write as _;

use sim_core::Topology;
use sim_tcp::CongestionKind;

use crate::plan::Plan;
use crate::run::{Flow, RunOutput};

/// The columns, in order.
pub(crate) const COLUMNS: [&str; 19] = [
    "host",
    "app",
    "local",
    "remote",
    "congestion",
    "opened_ns",
    "established_ns",
    "ended_ns",
    "final_state",
    "bytes_sent",
    "bytes_acked",
    "bytes_delivered",
    "goodput_bps",
    "window_goodput_bps",
    "retransmissions",
    "timeouts",
    "rtt_samples",
    "rtt_mean_ns",
    "rtt_p95_ns",
];

/// Whether a run of `plan` can have a TCP connection, and so writes
/// `flows.csv` (a ping or UDP scenario gets no empty table).
pub(crate) fn has_tcp(plan: &Plan) -> bool {
    plan.hosts.iter().any(|(_, apps)| {
        apps.iter().any(|a| {
            matches!(
                a.app,
                sim_apps::HostApp::Tcp(_) | sim_apps::HostApp::Mitm(_)
            )
        })
    })
}

/// Whether the scenario runs TLS: a TLS client or server, or a man in
/// the middle (it then writes `keylog.txt`).
pub(crate) fn has_tls(plan: &Plan) -> bool {
    plan.hosts.iter().any(|(_, apps)| {
        apps.iter().any(|a| match &a.app {
            sim_apps::HostApp::Tcp(t) => t.stream.as_ref().is_some_and(|s| !s.side.is_plain()),
            sim_apps::HostApp::Mitm(_) => true,
            _ => false,
        })
    })
}

/// A cell: the text itself, or quoted (RFC 4180) if it holds a comma, a
/// quote or a line break. Scenario names may hold any of these.
fn cell(out: &mut String, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// A number cell, empty for `None`.
fn num(out: &mut String, v: Option<u64>) {
    if let Some(v) = v {
        write!(out, "{v}").expect("writing to a String");
    }
}

/// Bits per second of `bytes` over `ns`.
fn rate(bytes: u64, ns: u64) -> u64 {
    (u128::from(bytes) * 8 * 1_000_000_000 / u128::from(ns.max(1))).min(u128::from(u64::MAX)) as u64
}

/// Goodput over a connection end's life: its data acknowledged, from
/// ESTABLISHED to the last acknowledgment of new data (the span
/// `goodput_bps` of an application is taken over, for one connection).
fn life_goodput(f: &Flow) -> Option<u64> {
    let c = &f.conn;
    match (c.established, c.last_acked) {
        (Some(a), Some(b)) if b > a && c.stats.bytes_acked > 0 => {
            Some(rate(c.stats.bytes_acked, b.saturating_since(a).as_nanos()))
        }
        _ => None,
    }
}

fn line(out: &mut String, topo: &Topology, f: &Flow) {
    let c = &f.conn;
    let host = topo.name(c.node);
    cell(out, host);
    out.push(',');
    cell(out, &c.app);
    out.push(',');
    cell(out, &format!("{host}:{}", c.lport));
    out.push(',');
    cell(out, &format!("{}:{}", topo.name(c.peer), c.pport));
    out.push(',');
    out.push_str(CongestionKind::name(c.congestion));
    out.push(',');
    let s = &c.stats;
    // An end that never sent data has no rate to give over the window.
    let window = f
        .window_acked
        .filter(|_| s.bytes_sent > 0)
        .map(|(b, ns)| rate(b, ns));
    for v in [
        Some(c.opened.as_nanos()),
        c.established.map(|t| t.as_nanos()),
        c.ended.map(|t| t.as_nanos()),
    ] {
        num(out, v);
        out.push(',');
    }
    out.push_str(c.final_state.name());
    for v in [
        Some(s.bytes_sent),
        Some(s.bytes_acked),
        Some(s.bytes_delivered),
        life_goodput(f),
        window,
        Some(s.retransmissions),
        Some(s.timeouts),
        Some(c.rtt.count()),
        c.rtt.mean(),
        c.rtt.percentile(95),
    ] {
        out.push(',');
        num(out, v);
    }
    out.push('\n');
}

/// The text of `flows.csv` for a run of `plan`.
pub(crate) fn csv(plan: &Plan, out: &RunOutput) -> String {
    let mut text = COLUMNS.join(",");
    text.push('\n');
    for f in &out.flows {
        line(&mut text, &plan.topology, f);
    }
    text
}
