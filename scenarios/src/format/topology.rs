//! The `topology` section: hosts, routers and the links that join them.
//!
//! Link parameters appear in three places (a link, one direction of it, and
//! an action that changes it later), so they are declared once by a macro.

use schemars::JsonSchema;
use serde::Deserialize;

use super::values::{Bandwidth, Count, Duration, Probability};

/// Nodes and links.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct TopologySpec {
    /// Host names. Hosts run endpoints.
    pub nodes: Vec<String>,
    /// Router names. Routers only forward.
    #[serde(default)]
    pub routers: Vec<String>,
    /// Full-duplex links.
    #[serde(default)]
    pub links: Vec<LinkSpec>,
}

/// Declares a struct holding the link parameters (every one optional) plus
/// the given fields, flat in JSON, refusing unknown fields. Written as a
/// macro because serde cannot combine `flatten` with `deny_unknown_fields`.
macro_rules! with_link_params {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
        #[serde(remote = "Self")]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fm])* pub $field: $ty,)*
            /// Propagation delay (default `"1ms"`).
            #[serde(default)]
            pub delay: Option<Duration>,
            /// Serialisation rate, like `"100Mbps"`; unlimited when absent.
            #[serde(default)]
            pub bandwidth: Option<Bandwidth>,
            /// Drop-tail queue capacity in packets waiting (default 1000).
            #[serde(default)]
            pub queue_packets: Option<Count>,
            /// Drop-tail queue capacity in bytes waiting, instead of packets.
            #[serde(default)]
            pub queue_bytes: Option<Count>,
            /// Probability that a packet is lost on the wire.
            #[serde(default)]
            pub loss: Option<Probability>,
            /// Probability that a packet is duplicated.
            #[serde(default)]
            pub duplicate: Option<Probability>,
            /// Each packet is delayed by an extra amount drawn uniformly up
            /// to this.
            #[serde(default)]
            pub jitter: Option<Duration>,
            /// Let jitter reorder packets (default false: FIFO is kept).
            #[serde(default)]
            pub reorder: Option<bool>,
        }

        impl $name {
            /// The link parameters alone.
            pub fn params(&self) -> LinkParamsSpec {
                LinkParamsSpec {
                    delay: self.delay,
                    bandwidth: self.bandwidth,
                    queue_packets: self.queue_packets,
                    queue_bytes: self.queue_bytes,
                    loss: self.loss,
                    duplicate: self.duplicate,
                    jitter: self.jitter,
                    reorder: self.reorder,
                }
            }
        }
    };
}

with_link_params!(
    /// Link parameters; every one optional.
    LinkParamsSpec {}
);

with_link_params!(
    /// A full-duplex link. The parameters apply to both directions unless a
    /// `one_way` entry overrides them for one.
    LinkSpec {
        /// The two nodes it joins.
        between: [String; 2],
        /// Overrides for the direction leaving one of the two nodes.
        #[serde(default)]
        one_way: Vec<OneWaySpec>,
    }
);

with_link_params!(
    /// Parameters that differ in the direction leaving `from`.
    OneWaySpec {
        /// The node the direction leaves.
        from: String,
    }
);

super::objects::objects_only!(TopologySpec, LinkParamsSpec, LinkSpec, OneWaySpec);
