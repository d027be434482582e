//! The `actions` section: changes at given times, either to a link's
//! parameters or to what a host's TCP application does.
//!
//! The two kinds share a list in the file (both are "at this time, before
//! anything else") but not in the plan: link changes are applied by the
//! run loop, host actions are scheduled on the host itself.

use sim_core::{LinkDirId, NodeId, SimTime, Topology};

use super::check::{exactly_one, given, node};
use super::topology::{check_queue, names, unknown_node};
use crate::error::InputError;
use crate::format::{ActionSpec, LinkParamsSpec};
use sim_apps::host::{HostAction, NamedApp};

/// A change of link parameters at a time.
#[derive(Debug, Clone)]
pub struct LinkAction {
    /// When it takes effect.
    pub at: SimTime,
    /// The directions it changes.
    pub dirs: Vec<LinkDirId>,
    /// The parameters it sets; the rest are kept.
    pub set: LinkParamsSpec,
}

/// Link changes, in time order (stable for equal times), and host actions
/// in file order.
#[allow(clippy::type_complexity)]
pub(super) fn actions(
    list: &[ActionSpec],
    topology: &Topology,
    hosts: &[(NodeId, Vec<NamedApp>)],
) -> Result<(Vec<LinkAction>, Vec<(SimTime, NodeId, HostAction)>), InputError> {
    let mut actions = Vec::new();
    let mut node_actions = Vec::new();
    for (i, a) in list.iter().enumerate() {
        let path = format!("actions[{i}]");
        let at = SimTime::ZERO + a.at.0;
        match (&a.link, &a.node) {
            (Some(link), None) => actions.push(link_action(a, link, &path, at, topology)?),
            (None, Some(n)) => {
                let node = host(n, &path, topology, hosts)?;
                node_actions.push((at, node, host_action(a, &path)?));
            }
            _ => {
                return Err(InputError::at(
                    path,
                    "give either \"link\" (with \"set\") or \"node\" (with close, abort or send)",
                ));
            }
        }
    }
    actions.sort_by_key(|a| a.at);
    Ok((actions, node_actions))
}

/// The host a node action acts on: one running a TCP application.
fn host(
    name: &str,
    path: &str,
    topology: &Topology,
    hosts: &[(NodeId, Vec<NamedApp>)],
) -> Result<NodeId, InputError> {
    let node = topology.node(name).ok_or_else(|| {
        InputError::at(format!("{path}.node"), unknown_node(name, names(topology)))
    })?;
    if !hosts
        .iter()
        .find(|(h, _)| *h == node)
        .is_some_and(|(_, apps)| super::hosts::runs_tcp(apps))
    {
        return Err(InputError::at(
            format!("{path}.node"),
            format!("{name:?} runs no TCP application to act on"),
        ));
    }
    Ok(node)
}

/// What a node action does.
fn host_action(a: &ActionSpec, path: &str) -> Result<HostAction, InputError> {
    let which = exactly_one(
        path,
        "a node action needs exactly one of",
        &[
            ("\"close\": true", a.close),
            ("\"abort\": true", a.abort),
            ("\"crash\": true", a.crash),
            ("\"send\": bytes", given(&a.send)),
        ],
    )?;
    let what = match which {
        0 => HostAction::Close,
        1 => HostAction::Abort,
        2 => HostAction::Crash,
        _ => {
            super::tcp::check_send(a.send, &format!("{path}.send"))?;
            HostAction::Send(a.send.unwrap_or_default())
        }
    };
    if a.set.is_some() || a.from.is_some() {
        return Err(InputError::at(
            path,
            "\"set\" and \"from\" go with \"link\", not \"node\"",
        ));
    }
    Ok(what)
}

fn link_action(
    a: &ActionSpec,
    link: &[String; 2],
    path: &str,
    at: SimTime,
    topology: &Topology,
) -> Result<LinkAction, InputError> {
    let x = node(topology, &format!("{path}.link[0]"), &link[0])?;
    let y = node(topology, &format!("{path}.link[1]"), &link[1])?;
    let mut dirs = topology.dirs_between(x, y);
    if dirs.is_empty() {
        return Err(InputError::at(
            format!("{path}.link"),
            format!("no link joins {:?} and {:?}", link[0], link[1]),
        ));
    }
    if let Some(from) = &a.from {
        let f = node(topology, &format!("{path}.from"), from)?;
        if f != x && f != y {
            return Err(InputError::at(
                format!("{path}.from"),
                format!(
                    "{from:?} is not an end of the link {:?} - {:?}",
                    link[0], link[1]
                ),
            ));
        }
        dirs.retain(|d| topology.link_dirs()[d.0 as usize].from == f);
    }
    let Some(set) = &a.set else {
        return Err(InputError::at(path, "a link action needs \"set\""));
    };
    if a.close.is_some() || a.abort.is_some() || a.send.is_some() || a.crash.is_some() {
        return Err(InputError::at(
            path,
            "close, abort and send go with \"node\", not \"link\"",
        ));
    }
    check_queue(set, &format!("{path}.set"))?;
    if set.discipline.is_some() {
        return Err(InputError::at(
            format!("{path}.set.discipline"),
            "a link keeps its queue discipline for the whole run; set it on the link",
        ));
    }
    Ok(LinkAction {
        at,
        dirs,
        set: set.clone(),
    })
}
