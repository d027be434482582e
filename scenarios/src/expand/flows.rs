//! `flows`: N TCP or UDP flows between two groups of hosts, as endpoint
//! pairs (the pairing and names are documented on [`FlowsSpec`]).

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value, json};

use super::{array_at, typed};
use crate::error::InputError;
use crate::format::FlowsSpec;

/// The first port when a group gives none (iperf's).
const DEFAULT_PORT: u16 = 5001;
/// Ports from here up are the clients' ephemeral range: a listener there
/// could collide with a client's port.
const EPHEMERAL: u32 = 49_152;

/// Expands `flows` into `endpoints`, if the file has flow groups.
pub(super) fn expand_flows(top: &mut Map<String, Value>) -> Result<(), InputError> {
    let Some(raw) = top.remove("flows") else {
        return Ok(());
    };
    let specs: Vec<FlowsSpec> = typed(&raw, "flows")?;
    let hosts = host_names(top);
    let routers: HashSet<&str> = top
        .get("topology")
        .and_then(|t| t.get("routers"))
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut new = Vec::new();
    for (j, spec) in specs.iter().enumerate() {
        let path = format!("flows[{j}]");
        let name = spec.name.clone().unwrap_or_else(|| "flow".to_string());
        crate::plan::check_name(&name, &format!("{path}.name"))?;
        if let Some(k) = names.insert(name.clone(), j) {
            return Err(InputError::at(
                format!("{path}.name"),
                format!(
                    "flows[{k}] already names its flows {name:?}; give each group its own \"name\""
                ),
            ));
        }
        let from = group(&spec.from, &hosts, &routers, &format!("{path}.from"))?;
        let to = group(&spec.to, &hosts, &routers, &format!("{path}.to"))?;
        let port = spec.port.unwrap_or(DEFAULT_PORT);
        let count = spec.count.0;
        if port == 0 || u64::from(port) + count > u64::from(EPHEMERAL) {
            return Err(InputError::at(
                format!("{path}.port"),
                format!(
                    "{count} flows from port {port} would use ports {port} to {}; they must lie from 1 to 49151, below the clients' ephemeral range",
                    u64::from(port) + count - 1
                ),
            ));
        }
        let udp = spec.udp.is_some();
        if udp
            && let Some(tcp) = ["tcp", "server"]
                .into_iter()
                .find(|f| raw[j].get(f).is_some())
        {
            return Err(InputError::at(
                format!("{path}.{tcp}"),
                "a group's flows are TCP or UDP: give \"udp\", or \"tcp\" and \"server\", not both",
            ));
        }
        let client = if udp {
            settings(&raw[j], "udp", &path, &["target", "listen", "local_port"])?
        } else {
            settings(&raw[j], "tcp", &path, &["connect", "listen"])?
        };
        let server = settings(&raw[j], "server", &path, &["connect", "listen"])?;
        for i in 0..count {
            let (a, b) = (
                from[(i % from.len() as u64) as usize],
                to[(i % to.len() as u64) as usize],
            );
            if a == b {
                return Err(InputError::at(
                    path,
                    format!(
                        "flow {i} would go from host {a:?} to itself (flow i goes from the (i mod {})-th host of \"from\" to the (i mod {})-th of \"to\")",
                        from.len(),
                        to.len()
                    ),
                ));
            }
            let p = u64::from(port) + i;
            let app = format!("{name}{i}");
            if udp {
                new.push(json!({"node": b, "name": app, "udp": {"listen": p}}));
                let mut send = client.clone();
                send.insert("target".into(), json!(format!("{b}:{p}")));
                new.push(json!({"node": a, "name": app, "udp": send}));
                continue;
            }
            let mut listen = server.clone();
            listen.insert("listen".into(), json!(p));
            new.push(json!({"node": b, "name": app, "tcp": listen}));
            let mut connect = client.clone();
            connect.insert("connect".into(), json!(format!("{b}:{p}")));
            new.push(json!({"node": a, "name": app, "tcp": connect}));
        }
    }
    if let Some(endpoints) = array_at(top, "endpoints") {
        endpoints.extend(new);
    }
    Ok(())
}

/// The hosts declared in `topology.nodes` (generated ones included).
fn host_names(top: &Map<String, Value>) -> Vec<String> {
    top.get("topology")
        .and_then(|t| t.get("nodes"))
        .and_then(Value::as_array)
        .map(|n| {
            n.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The hosts a group names, each once, in the order its entries find them.
fn group<'a>(
    entries: &[String],
    hosts: &'a [String],
    routers: &HashSet<&str>,
    path: &str,
) -> Result<Vec<&'a str>, InputError> {
    if entries.is_empty() {
        return Err(InputError::at(path, "name at least one host"));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (k, pattern) in entries.iter().enumerate() {
        let mut found = false;
        for h in hosts.iter().filter(|h| matches(pattern, h)) {
            found = true;
            if seen.insert(h.as_str()) {
                out.push(h.as_str());
            }
        }
        if !found {
            let why = if routers.contains(pattern.as_str()) {
                format!("{pattern:?} is a router; flows run between hosts")
            } else if pattern.contains('*') {
                format!(
                    "{pattern:?} matches no host (not in topology.nodes, generated ones included)"
                )
            } else {
                format!(
                    "{pattern:?} names no host (not in topology.nodes, generated ones included)"
                )
            };
            return Err(InputError::at(format!("{path}[{k}]"), why));
        }
    }
    Ok(out)
}

/// Whether `name` matches `pattern`, where `*` stands for any run of
/// characters (none included).
fn matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// A group's `tcp`, `server` or `udp` settings as given (an object),
/// refusing the fields `own` that each flow sets itself.
fn settings(
    raw: &Value,
    field: &str,
    path: &str,
    own: &[&str],
) -> Result<Map<String, Value>, InputError> {
    let given = raw
        .get(field)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for &own in own {
        if given.contains_key(own) {
            return Err(InputError::at(
                format!("{path}.{field}.{own}"),
                format!("each flow sets its own \"{own}\"; leave it out"),
            ));
        }
    }
    Ok(given)
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn patterns_match_with_stars_anywhere() {
        assert!(matches("left*", "left0"));
        assert!(matches("left*", "left"));
        assert!(!matches("left*", "right0"));
        assert!(matches("pod0_*_host1", "pod0_edge3_host1"));
        assert!(!matches("pod0_*_host1", "pod0_edge3_host10"));
        assert!(matches("*", "a"));
        assert!(matches("a", "a"));
        assert!(!matches("a", "ab"));
        assert!(matches("*b*", "abc"));
        assert!(!matches("a*a", "a"));
    }
}
