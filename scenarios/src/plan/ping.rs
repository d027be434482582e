//! A `ping` endpoint: echo requests to one host, timed.

use sim_core::datagram::PingJob;
use sim_core::{NodeId, SimDuration, Topology};

use super::check::{node, start, stop};
use crate::error::InputError;
use crate::format::PingSpec;
use sim_apps::PingApp;
use sim_apps::host::HostApp;

/// Ping's default: 20 bytes of IPv4 header, 8 of ICMP, 56 of data.
const DEFAULT_PING_SIZE: u32 = 84;
/// An IPv4 header plus an ICMP echo header.
const MIN_PING_SIZE: u32 = 28;

/// A ping from host `at` (named `name`).
pub(super) fn ping_app(
    p: &PingSpec,
    ppath: &str,
    at: NodeId,
    name: &str,
    topology: &Topology,
) -> Result<HostApp, InputError> {
    let tpath = format!("{ppath}.target");
    let target = node(topology, &tpath, &p.target)?;
    if target == at {
        return Err(InputError::at(tpath, "a host cannot ping itself"));
    }
    if !topology.reachable(at, target) {
        return Err(InputError::at(
            tpath,
            format!(
                "{:?} cannot be reached from {name:?}: no path joins them",
                p.target
            ),
        ));
    }
    let size = p.size.unwrap_or(DEFAULT_PING_SIZE);
    if !(MIN_PING_SIZE..=65_535).contains(&size) {
        return Err(InputError::at(
            format!("{ppath}.size"),
            format!(
                "{size} bytes is impossible for an echo packet (from {MIN_PING_SIZE} to 65535)"
            ),
        ));
    }
    let begin = start(p.at.as_ref(), &format!("{ppath}.at"))?;
    Ok(HostApp::Ping(PingApp {
        job: PingJob {
            target,
            count: p.count,
            interval: p.interval.map_or(SimDuration::from_secs(1), |d| d.0),
            size,
            // A drawn start is drawn when the run starts.
            start: begin.earliest(),
            stop: stop(p.stop.as_ref(), begin, &format!("{ppath}.stop"))?,
        },
        start: begin,
    }))
}
