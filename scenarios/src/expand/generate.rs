//! `topology.generate`: dumbbells, parking lots and fat trees as plain
//! hosts, routers and links (the names are documented on
//! [`GeneratorSpec`]).

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::{array_at, typed};
use crate::error::InputError;
use crate::format::{DumbbellSpec, FatTreeSpec, GeneratorSpec, LinkParamsSpec, ParkingLotSpec};
use crate::limits::{MAX_LINKS, MAX_NODES};

/// What one generator makes, in the order it is appended.
#[derive(Default)]
struct Made {
    hosts: Vec<String>,
    routers: Vec<String>,
    /// Each link's two ends and its parameters (a JSON object).
    links: Vec<(String, String, Value)>,
}

/// Expands `topology.generate` in place, if the topology has one.
pub(super) fn expand_topology(top: &mut Map<String, Value>) -> Result<(), InputError> {
    let Some(Value::Object(topo)) = top.get_mut("topology") else {
        return Ok(());
    };
    let Some(raw) = topo.remove("generate") else {
        return Ok(());
    };
    let specs: Vec<GeneratorSpec> = typed(&raw, "topology.generate")?;
    // Every name declared so far, with where: the file's own first.
    let mut declared: HashMap<String, String> = HashMap::new();
    for key in ["nodes", "routers"] {
        if let Some(Value::Array(names)) = topo.get(key) {
            for (i, n) in names.iter().enumerate() {
                if let Some(n) = n.as_str() {
                    declared
                        .entry(n.to_string())
                        .or_insert_with(|| format!("topology.{key}[{i}]"));
                }
            }
        }
    }
    let mut nodes = declared.len() as u128;
    let mut links = topo
        .get("links")
        .and_then(Value::as_array)
        .map_or(0, Vec::len) as u128;
    let mut all = Made::default();
    for (i, spec) in specs.iter().enumerate() {
        let (kind, size) = match spec {
            GeneratorSpec::Dumbbell(d) => ("dumbbell", dumbbell_size(d)),
            GeneratorSpec::ParkingLot(p) => ("parking_lot", parking_lot_size(p)),
            GeneratorSpec::FatTree(f) => ("fat_tree", fat_tree_size(f)),
        };
        let path = format!("topology.generate[{i}].{kind}");
        let raw = &raw[i][kind];
        let (n, l, field) = size.map_err(|why| InputError::at(format!("{path}.k"), why))?;
        nodes += n;
        links += l;
        if nodes > MAX_NODES as u128 || links > MAX_LINKS as u128 {
            return Err(InputError::at(
                format!("{path}.{field}"),
                format!(
                    "makes {n} nodes and {l} links: {nodes} nodes and {links} links in all; a scenario may have at most {MAX_NODES} nodes and {MAX_LINKS} links"
                ),
            ));
        }
        let made = match spec {
            GeneratorSpec::Dumbbell(d) => dumbbell(d, raw, &path)?,
            GeneratorSpec::ParkingLot(p) => parking_lot(p, raw, &path)?,
            GeneratorSpec::FatTree(f) => fat_tree(f, raw, &path)?,
        };
        for name in made.hosts.iter().chain(&made.routers) {
            if let Some(before) = declared.insert(name.clone(), path.clone()) {
                return Err(InputError::at(
                    path,
                    format!(
                        "makes a node named {name:?}, which {before} already declares; give the generator a \"prefix\""
                    ),
                ));
            }
        }
        all.hosts.extend(made.hosts);
        all.routers.extend(made.routers);
        all.links.extend(made.links);
    }
    let append = |topo: &mut Map<String, Value>, key: &str, new: Vec<Value>| {
        if let Some(list) = array_at(topo, key) {
            list.extend(new);
        }
    };
    append(
        topo,
        "nodes",
        all.hosts.into_iter().map(Value::from).collect(),
    );
    append(
        topo,
        "routers",
        all.routers.into_iter().map(Value::from).collect(),
    );
    let links = all
        .links
        .into_iter()
        .map(|(a, b, params)| {
            let mut link = Map::new();
            link.insert("between".into(), json!([a, b]));
            if let Value::Object(p) = params {
                link.extend(p);
            }
            Value::Object(link)
        })
        .collect();
    append(topo, "links", links);
    Ok(())
}

/// The parameters of one kind of link a generator makes, as the file gave
/// them (a JSON object), checked as a plain link's would be.
fn link_kind(
    given: &Option<LinkParamsSpec>,
    raw: &Value,
    field: &str,
    path: &str,
) -> Result<Value, InputError> {
    match given {
        Some(p) => {
            crate::plan::check_queue(p, &format!("{path}.{field}"))?;
            Ok(raw[field].clone())
        }
        None => Ok(Value::Object(Map::new())),
    }
}

impl Made {
    fn link(&mut self, a: &str, b: &str, params: &Value) {
        self.links
            .push((a.to_string(), b.to_string(), params.clone()));
    }
}

/// Nodes, links and the field that sets their number, or why the spec
/// cannot be built.
type Size = Result<(u128, u128, &'static str), String>;

fn dumbbell_size(d: &DumbbellSpec) -> Size {
    let n = u128::from(d.pairs.0);
    Ok((2 * n + 2, 2 * n + 1, "pairs"))
}

fn parking_lot_size(p: &ParkingLotSpec) -> Size {
    let n = u128::from(p.hops.0);
    Ok((3 * n + 3, 3 * n + 2, "hops"))
}

fn fat_tree_size(f: &FatTreeSpec) -> Size {
    if f.k == 0 || f.k % 2 == 1 {
        return Err(format!(
            "{} is not a fat tree's k: it must be even and at least 2",
            f.k
        ));
    }
    let k = u128::from(f.k);
    Ok((k * k * k / 4 + 5 * k * k / 4, 3 * k * k * k / 4, "k"))
}

fn prefixed(prefix: &Option<String>) -> impl Fn(String) -> String + '_ {
    move |name| match prefix {
        Some(p) => format!("{p}{name}"),
        None => name,
    }
}

fn dumbbell(d: &DumbbellSpec, raw: &Value, path: &str) -> Result<Made, InputError> {
    let name = prefixed(&d.prefix);
    let access = link_kind(&d.access, raw, "access", path)?;
    let access_right = match d.access_right {
        Some(_) => link_kind(&d.access_right, raw, "access_right", path)?,
        None => link_kind(&d.access, raw, "access", path)?,
    };
    let bottleneck = link_kind(&d.bottleneck, raw, "bottleneck", path)?;
    let (rl, rr) = (name("router_left".into()), name("router_right".into()));
    let mut m = Made::default();
    let n = d.pairs.0;
    m.hosts.extend((0..n).map(|i| name(format!("left{i}"))));
    m.hosts.extend((0..n).map(|i| name(format!("right{i}"))));
    for i in 0..n as usize {
        let h = m.hosts[i].clone();
        m.link(&h, &rl, &access);
    }
    m.link(&rl, &rr, &bottleneck);
    for i in 0..n as usize {
        let h = m.hosts[n as usize + i].clone();
        m.link(&h, &rr, &access_right);
    }
    m.routers = vec![rl, rr];
    Ok(m)
}

fn parking_lot(p: &ParkingLotSpec, raw: &Value, path: &str) -> Result<Made, InputError> {
    let name = prefixed(&p.prefix);
    let access = link_kind(&p.access, raw, "access", path)?;
    let bottleneck = link_kind(&p.bottleneck, raw, "bottleneck", path)?;
    let n = p.hops.0 as usize;
    let routers: Vec<String> = (0..=n).map(|i| name(format!("router{i}"))).collect();
    let (src, dst) = (name("main_src".into()), name("main_dst".into()));
    let mut m = Made {
        hosts: vec![src.clone(), dst.clone()],
        ..Made::default()
    };
    for pair in routers.windows(2) {
        m.link(&pair[0], &pair[1], &bottleneck);
    }
    m.link(&src, &routers[0], &access);
    m.link(&dst, &routers[n], &access);
    for i in 0..n {
        let (cs, cd) = (name(format!("cross_src{i}")), name(format!("cross_dst{i}")));
        m.link(&cs, &routers[i], &access);
        m.link(&cd, &routers[i + 1], &access);
        m.hosts.push(cs);
        m.hosts.push(cd);
    }
    m.routers = routers;
    Ok(m)
}

fn fat_tree(f: &FatTreeSpec, raw: &Value, path: &str) -> Result<Made, InputError> {
    let name = prefixed(&f.prefix);
    let host_link = link_kind(&f.host_link, raw, "host_link", path)?;
    let edge_link = link_kind(&f.edge_link, raw, "edge_link", path)?;
    let core_link = link_kind(&f.core_link, raw, "core_link", path)?;
    let k = f.k as usize;
    let h = k / 2;
    let mut m = Made {
        routers: (0..h * h).map(|c| name(format!("core{c}"))).collect(),
        ..Made::default()
    };
    for p in 0..k {
        let aggs: Vec<String> = (0..h).map(|a| name(format!("pod{p}_agg{a}"))).collect();
        let edges: Vec<String> = (0..h).map(|e| name(format!("pod{p}_edge{e}"))).collect();
        for (e, edge) in edges.iter().enumerate() {
            for x in 0..h {
                let host = name(format!("pod{p}_edge{e}_host{x}"));
                m.link(&host, edge, &host_link);
                m.hosts.push(host);
            }
        }
        for edge in &edges {
            for agg in &aggs {
                m.link(edge, agg, &edge_link);
            }
        }
        for (a, agg) in aggs.iter().enumerate() {
            for i in 0..h {
                let core = m.routers[a * h + i].clone();
                m.link(agg, &core, &core_link);
            }
        }
        m.routers.extend(aggs);
        m.routers.extend(edges);
    }
    Ok(m)
}
