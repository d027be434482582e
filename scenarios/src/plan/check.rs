//! Small checks that every section of the file needs, written once so that
//! the same mistake gets the same words wherever it is made.

use sim_apps::start::Start;
use sim_core::{NodeId, SimTime, Topology};

use super::topology::{names, unknown_node};
use crate::error::InputError;
use crate::format::{Bounds, Duration, StartSpec};

/// Whether an optional setting was given, for [`exactly_one`].
pub(super) fn given<T>(x: &Option<T>) -> Option<bool> {
    x.as_ref().map(|_| true)
}

/// Checks that exactly one of several alternatives is given and returns
/// its position in `options`.
///
/// Each option is its label, as the message shows it, and whether it was
/// given: `None` when absent, `Some(true)` when given, `Some(false)` when
/// given with a value that does not count (a flag such as `"drop": false`),
/// which is refused like a missing one. The message is `ask` followed by
/// the labels: `give exactly one of "listen" or "connect"`.
pub(super) fn exactly_one(
    path: &str,
    ask: &str,
    options: &[(&str, Option<bool>)],
) -> Result<usize, InputError> {
    let present: Vec<usize> = (0..options.len())
        .filter(|&i| options[i].1.is_some())
        .collect();
    match present[..] {
        [i] if options[i].1 == Some(true) => Ok(i),
        _ => {
            let labels: Vec<&str> = options.iter().map(|(label, _)| *label).collect();
            let list = match labels.split_last() {
                Some((last, rest)) if !rest.is_empty() => {
                    format!("{} or {last}", rest.join(", "))
                }
                _ => labels.concat(),
            };
            Err(InputError::at(path, format!("{ask} {list}")))
        }
    }
}

/// Checks that an expectation has at least one bound.
pub(super) fn some_bound(path: &str, bounds: &Bounds) -> Result<(), InputError> {
    if bounds.equals.is_none() && bounds.at_least.is_none() && bounds.at_most.is_none() {
        return Err(InputError::at(
            path,
            "give at least one bound: \"equals\", \"at_least\" or \"at_most\"",
        ));
    }
    Ok(())
}

/// Finds a node by name; the error is at `path`.
pub(super) fn node(topology: &Topology, path: &str, name: &str) -> Result<NodeId, InputError> {
    topology
        .node(name)
        .ok_or_else(|| InputError::at(path, unknown_node(name, names(topology))))
}

/// Splits `"host:port"`; `form` names what the host part is.
pub(super) fn split_port<'a>(
    text: &'a str,
    path: &str,
    form: &str,
) -> Result<(&'a str, u16), InputError> {
    let (host, port) = text
        .rsplit_once(':')
        .ok_or_else(|| InputError::at(path, format!("{text:?} is not \"{form}:port\"")))?;
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| InputError::at(path, format!("{port:?} is not a port (1 to 65535)")))?;
    Ok((host, port))
}

/// Reads `"node:port"`.
pub(super) fn node_port(
    text: &str,
    path: &str,
    topology: &Topology,
) -> Result<(NodeId, u16), InputError> {
    let (host, port) = split_port(text, path, "node")?;
    Ok((node(topology, path, host)?, port))
}

/// The host part of `"host:port"` (all of it when there is no port).
pub(super) fn host_part(text: &str) -> &str {
    text.rsplit_once(':').map_or(text, |(h, _)| h)
}

/// An application's start (`at`, at `path`): a time, or a range to draw
/// from whose ends are in order.
pub(super) fn start(at: Option<&StartSpec>, path: &str) -> Result<Start, InputError> {
    match at {
        None => Ok(Start::ZERO),
        Some(StartSpec::At(d)) => Ok(Start::At(SimTime::ZERO + d.0)),
        Some(StartSpec::Uniform(from, to)) => {
            if to.0 < from.0 {
                return Err(InputError::at(
                    format!("{path}.uniform"),
                    format!(
                        "the range [{}, {}] ends before it begins: give the earlier time first",
                        from.0, to.0
                    ),
                ));
            }
            Ok(Start::Uniform {
                from: SimTime::ZERO + from.0,
                to: SimTime::ZERO + to.0,
            })
        }
    }
}

/// An application's `stop` (at `path`): after every start it may have, or
/// it could never send.
pub(super) fn stop(
    stop: Option<&Duration>,
    start: Start,
    path: &str,
) -> Result<Option<SimTime>, InputError> {
    let Some(d) = stop else {
        return Ok(None);
    };
    let stop = SimTime::ZERO + d.0;
    if stop <= start.latest() {
        let start = match start {
            Start::At(t) => format!("its start ({t})"),
            Start::Uniform { to, .. } => format!("its latest start ({to})"),
        };
        return Err(InputError::at(
            path,
            format!("stop ({stop}) must come after {start}: it would never send"),
        ));
    }
    Ok(Some(stop))
}
