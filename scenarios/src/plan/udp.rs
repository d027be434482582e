//! A `udp` endpoint: a sender at a constant bit rate or on/off, or a sink
//! that counts what arrives on a port.

use sim_core::{NodeId, Topology};

use super::check::{exactly_one, given, node_port, start, stop};
use crate::error::InputError;
use crate::format::UdpSpec;
use sim_apps::host::HostApp;
use sim_apps::udp::{MAX_PAYLOAD, OnOff, UdpApp, UdpSender, UdpSink};

/// A sender's payload when `size` is left out: a 1500-byte MTU less the
/// IPv4 and UDP headers.
pub(super) const DEFAULT_SIZE: u32 = 1500 - sim_apps::udp::IP_UDP_HEADERS;

/// A UDP application on host `at` (named `name`). A sender's source port
/// left out is 0 here; `hosts` gives it one once the host's other UDP
/// ports are known.
pub(super) fn udp_app(
    u: &UdpSpec,
    path: &str,
    at: NodeId,
    name: &str,
    topology: &Topology,
) -> Result<HostApp, InputError> {
    let which = exactly_one(
        path,
        "a UDP application either sends or receives: give exactly one of",
        &[
            ("\"target\"", given(&u.target)),
            ("\"listen\"", given(&u.listen)),
        ],
    )?;
    if which == 1 {
        return sink(u, path);
    }
    let target = u.target.as_deref().unwrap_or_default();
    let tpath = format!("{path}.target");
    let (to, port) = node_port(target, &tpath, topology)?;
    if to == at {
        return Err(InputError::at(tpath, "a host cannot send to itself here"));
    }
    if !topology.reachable(at, to) {
        return Err(InputError::at(
            tpath,
            format!("{target:?} cannot be reached from {name:?}: no path joins them"),
        ));
    }
    let rate = u
        .rate
        .ok_or_else(|| InputError::at(path, "a sender needs a \"rate\", like \"2Mbps\""))?
        .0;
    if rate.bits_per_sec() == 0 {
        return Err(InputError::at(
            format!("{path}.rate"),
            "a rate of 0 sends nothing: give a rate above 0",
        ));
    }
    let size = u.size.unwrap_or(DEFAULT_SIZE);
    if !(1..=MAX_PAYLOAD).contains(&size) {
        // RFC 768's length field is 16 bits, and the IPv4 packet holding
        // the datagram is at most 65,535 bytes; no fragmentation here.
        return Err(InputError::at(
            format!("{path}.size"),
            format!(
                "{size} bytes is not a UDP payload: from 1 to {MAX_PAYLOAD} (65535 less the IPv4 and UDP headers)"
            ),
        ));
    }
    if u.local_port == Some(0) {
        return Err(InputError::at(
            format!("{path}.local_port"),
            "port 0 cannot be bound (leave \"local_port\" out for an ephemeral port)",
        ));
    }
    let on_off = match &u.on_off {
        None => None,
        Some(o) => Some(OnOff {
            on: super::dist::period(&o.on, &format!("{path}.on_off.on"))?,
            off: super::dist::period(&o.off, &format!("{path}.on_off.off"))?,
        }),
    };
    let begin = start(u.at.as_ref(), &format!("{path}.at"))?;
    let end = stop(u.stop.as_ref(), begin, &format!("{path}.stop"))?;
    Ok(HostApp::Udp(UdpApp::Send(UdpSender {
        target: to,
        port,
        local_port: u.local_port.unwrap_or(0),
        size,
        rate,
        on_off,
        start: begin,
        stop: end,
    })))
}

/// A sink: only `listen`, a port that can be bound.
fn sink(u: &UdpSpec, path: &str) -> Result<HostApp, InputError> {
    let port = u.listen.unwrap_or_default();
    if port == 0 {
        return Err(InputError::at(
            format!("{path}.listen"),
            "port 0 cannot be bound: give a port from 1 to 65535",
        ));
    }
    let sender_only = [
        ("rate", u.rate.is_some()),
        ("size", u.size.is_some()),
        ("local_port", u.local_port.is_some()),
        ("on_off", u.on_off.is_some()),
        ("at", u.at.is_some()),
        ("stop", u.stop.is_some()),
    ];
    if let Some((field, _)) = sender_only.iter().find(|(_, given)| *given) {
        return Err(InputError::at(
            format!("{path}.{field}"),
            format!("\"{field}\" goes with \"target\" (a sender); a sink only listens"),
        ));
    }
    Ok(HostApp::Udp(UdpApp::Sink(UdpSink { port })))
}
