//! A `syn_flood` endpoint: bare SYNs from spoofed addresses, to show what
//! a listener's SYN queue and SYN cookies do under attack.

use sim_core::{NodeId, SimDuration, Topology};

use super::check::{node, node_port, start, stop};
use crate::error::InputError;
use crate::format::SynFloodSpec;
use sim_apps::host::HostApp;

/// A SYN flood from host `at`.
pub(super) fn flood_app(
    f: &SynFloodSpec,
    path: &str,
    at: NodeId,
    topology: &Topology,
) -> Result<HostApp, InputError> {
    let tpath = format!("{path}.target");
    let (target, port) = node_port(&f.target, &tpath, topology)?;
    if !topology.reachable(at, target) || target == at {
        return Err(InputError::at(
            tpath,
            format!("{:?} cannot be reached from here", f.target),
        ));
    }
    let spoof = f
        .spoof
        .iter()
        .enumerate()
        .map(|(i, n)| node(topology, &format!("{path}.spoof[{i}]"), n))
        .collect::<Result<Vec<_>, _>>()?;
    let begin = start(f.at.as_ref(), &format!("{path}.at"))?;
    Ok(HostApp::SynFlood(sim_apps::flood::SynFlood {
        target,
        port,
        count: f.count,
        interval: f.interval.map_or(SimDuration::from_millis(1), |d| d.0),
        at: begin,
        stop: stop(f.stop.as_ref(), begin, &format!("{path}.stop"))?,
        spoof,
    }))
}
