//! Topology generators and the `flows` shorthand: the parts of a scenario
//! that stand for many plain entries, expanded before anything else reads
//! the file (`netsim check --expand` prints the result).
//!
//! The names a generator gives its nodes are part of the format: every
//! host and router it makes is named below, so links, endpoints,
//! expectations and flows can name them.

use schemars::JsonSchema;
use serde::Deserialize;

use super::apps::{TcpSpec, UdpSpec};
use super::topology::LinkParamsSpec;
use super::values::Count;

/// One generator: exactly one of its kinds, like `{"dumbbell": {...}}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum GeneratorSpec {
    /// `pairs` host pairs across one bottleneck: hosts `left0`.. and
    /// `right0`.., routers `router_left` and `router_right`.
    Dumbbell(DumbbellSpec),
    /// A chain of `hops` bottleneck links between routers `router0` to
    /// `router<hops>`; hosts `main_src` (at `router0`) and `main_dst` (at
    /// the last router), and at each hop `i` cross traffic hosts
    /// `cross_src<i>` (at `router<i>`) and `cross_dst<i>` (at
    /// `router<i+1>`).
    ParkingLot(ParkingLotSpec),
    /// A k-ary fat tree (Al-Fares, Loukissas and Vahdat, SIGCOMM 2008):
    /// k pods of k/2 edge and k/2 aggregation switches, (k/2)² core
    /// switches, k³/4 hosts. Hosts `pod<p>_edge<e>_host<h>`, switches
    /// `pod<p>_edge<e>`, `pod<p>_agg<a>` and `core<c>`; aggregation switch
    /// `a` of every pod joins cores `a·k/2` to `a·k/2 + k/2 − 1`.
    FatTree(FatTreeSpec),
}

/// A dumbbell.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct DumbbellSpec {
    /// Host pairs (at least 1).
    pub pairs: Count,
    /// Put before every name it makes (default none), so that two
    /// generators of a kind can sit in one scenario.
    #[serde(default)]
    pub prefix: Option<String>,
    /// Each host's link to its router (default: a plain link).
    #[serde(default)]
    pub access: Option<LinkParamsSpec>,
    /// The right hosts' links, when they differ from `access`.
    #[serde(default)]
    pub access_right: Option<LinkParamsSpec>,
    /// The link between the two routers (default: a plain link).
    #[serde(default)]
    pub bottleneck: Option<LinkParamsSpec>,
}

/// A parking lot.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct ParkingLotSpec {
    /// Bottleneck links in the chain (at least 1).
    pub hops: Count,
    /// Put before every name it makes (default none).
    #[serde(default)]
    pub prefix: Option<String>,
    /// Each host's link to its router (default: a plain link).
    #[serde(default)]
    pub access: Option<LinkParamsSpec>,
    /// Each link of the chain (default: a plain link).
    #[serde(default)]
    pub bottleneck: Option<LinkParamsSpec>,
}

/// A fat tree.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct FatTreeSpec {
    /// Ports per switch: an even number, at least 2.
    pub k: u64,
    /// Put before every name it makes (default none).
    #[serde(default)]
    pub prefix: Option<String>,
    /// Host to edge switch (default: a plain link).
    #[serde(default)]
    pub host_link: Option<LinkParamsSpec>,
    /// Edge to aggregation switch (default: a plain link).
    #[serde(default)]
    pub edge_link: Option<LinkParamsSpec>,
    /// Aggregation to core switch (default: a plain link).
    #[serde(default)]
    pub core_link: Option<LinkParamsSpec>,
}

/// `count` TCP or UDP flows between two groups of hosts. Flow `i` goes
/// from the (i mod F)-th host of `from` to the (i mod T)-th host of `to`
/// (F and T the groups' sizes), each group's hosts in the order its
/// entries list them, a pattern's matches in declaration order, each host
/// once. It expands into two endpoints named `<name><i>`: a listener on
/// port `port + i` at the receiver (a TCP listener, or a UDP sink) and a
/// client connecting to it (or a UDP sender to it), so its metrics are
/// `<receiver>.<name><i>.…` and `<sender>.<name><i>.…`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct FlowsSpec {
    /// The flows' application names, numbered from 0 (default `"flow"`);
    /// letters, digits, `_` and `-`.
    #[serde(default)]
    pub name: Option<String>,
    /// Sending hosts: names, or patterns where `*` stands for any run of
    /// characters (`"left*"`); each must name at least one host.
    pub from: Vec<String>,
    /// Receiving hosts, as `from`.
    pub to: Vec<String>,
    /// How many flows (at least 1).
    pub count: Count,
    /// The first flow's port; flow `i` listens on `port + i` (default
    /// 5001), below the ephemeral range (49152).
    #[serde(default)]
    pub port: Option<u16>,
    /// The senders' TCP settings, as an endpoint's `tcp` without
    /// `connect` or `listen` (the flow sets them), like `{"send":
    /// 1000000}`.
    #[serde(default)]
    pub tcp: Option<TcpSpec>,
    /// The receivers' TCP settings, likewise (default `{}`).
    #[serde(default)]
    pub server: Option<TcpSpec>,
    /// UDP flows instead of TCP: the senders' settings, as an endpoint's
    /// `udp` without `target`, `listen` or `local_port` (`{"rate":
    /// "2Mbps"}`, with `on_off` for on/off traffic); each receiver runs a
    /// sink. Not with `tcp` or `server`.
    #[serde(default)]
    pub udp: Option<UdpSpec>,
}

/// How routes are chosen.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct RoutingSpec {
    /// Equal-cost multipath: how a router chooses among next hops on
    /// equally short paths (default `"flow"`).
    #[serde(default)]
    pub ecmp: Option<EcmpName>,
}

/// Equal-cost multipath modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EcmpName {
    /// By a hash of the flow (addresses, protocol, ports) and the run's
    /// seed: a flow keeps one path, flows spread over all (the default, as
    /// data-centre switches do).
    Flow,
    /// By a hash of each packet and the run's seed: every packet on its
    /// own path (spraying; a flow's packets may be reordered).
    Packet,
    /// One path: the next hop on the link declared first.
    Off,
}

super::objects::objects_only!(
    DumbbellSpec,
    ParkingLotSpec,
    FatTreeSpec,
    FlowsSpec,
    RoutingSpec
);
