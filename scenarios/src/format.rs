//! The scenario file, version 1, as it is written in JSON.
//!
//! Every struct refuses unknown fields, and every value with a unit or a range
//! is parsed into a checked type as it is read, so a mistake is reported with
//! the JSON path of the offending value (`topology.links[2].delay: "10
//! parsecs" is not a duration ...`). What can only be checked against the
//! rest of the file (node names, reachability) is checked in
//! [`crate::build`], which reports the same kind of path.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use sim_core::{Rate, SimDuration};

/// A whole scenario.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Short name, used for the default output folder and in summaries.
    pub name: String,
    /// What the scenario shows, for people reading the library.
    #[serde(default)]
    pub description: Option<String>,
    /// Run seed when the command line gives none.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Simulated time at which the run stops even if events remain
    /// (default `"1h"`). A run also stops when nothing is left to happen.
    #[serde(default)]
    pub stop_at: Option<Duration>,
    /// Nodes and links.
    pub topology: TopologySpec,
    /// What runs on the hosts. Every host answers echo requests.
    #[serde(default)]
    pub endpoints: Vec<EndpointSpec>,
    /// Changes to the network at given times.
    #[serde(default)]
    pub actions: Vec<ActionSpec>,
    /// What must be true of the run for it to pass.
    #[serde(default)]
    pub expect: Vec<ExpectSpec>,
}

fn default_seed() -> u64 {
    1
}

/// Nodes and links.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
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

/// What runs on a host: exactly one application.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointSpec {
    /// The host.
    pub node: String,
    /// Send echo requests and time the replies.
    #[serde(default)]
    pub ping: Option<PingSpec>,
}

/// A ping: `count` echo requests, one every `interval`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PingSpec {
    /// Destination host.
    pub target: String,
    /// Number of requests (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Gap between requests (default `"1s"`; `"0s"` sends a burst).
    #[serde(default)]
    pub interval: Option<Duration>,
    /// Packet size in bytes, headers included (default 84, as `ping` sends).
    #[serde(default)]
    pub size: Option<u32>,
    /// When the first request leaves (default `"0s"`).
    #[serde(default)]
    pub at: Option<Duration>,
}

fn one() -> u32 {
    1
}

/// A change to the network at a time, taking effect before anything else that
/// happens at that time.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    /// When.
    pub at: Duration,
    /// The link to change, by its two nodes.
    pub link: [String; 2],
    /// Only the direction leaving this node (default: both).
    #[serde(default)]
    pub from: Option<String>,
    /// The parameters to change; routes are not recomputed.
    pub set: LinkParamsSpec,
}

/// One expectation: a `metric` or a `count` of trace events, with bounds.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectSpec {
    /// Words to show with the result.
    #[serde(default)]
    pub description: Option<String>,
    /// A figure from the run summary, such as `a.ping.received` or
    /// `link.a->r.dropped_queue_full`.
    #[serde(default)]
    pub metric: Option<String>,
    /// Counts trace events of a kind, optionally at a node and with given
    /// field values.
    #[serde(default)]
    pub count: Option<CountSpec>,
    /// The value must equal this.
    #[serde(default)]
    pub equals: Option<Quantity>,
    /// The value must be at least this.
    #[serde(default)]
    pub at_least: Option<Quantity>,
    /// The value must be at most this.
    #[serde(default)]
    pub at_most: Option<Quantity>,
}

/// Which trace events to count: `kind` and `node`, plus any field values
/// (`"reason": "queue_full"`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct CountSpec {
    /// Event kind, as in `trace.jsonl`.
    pub kind: String,
    /// Only events at this node.
    #[serde(default)]
    pub node: Option<String>,
    /// Field values the event must have.
    #[serde(flatten)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

macro_rules! string_schema {
    ($ty:ty, $name:literal, $pattern:literal, $desc:literal) => {
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "pattern": $pattern,
                    "description": $desc,
                })
            }
        }
    };
}

/// A duration written with a unit: `"10ms"`, `"1.5s"`, `"250us"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration(pub SimDuration);

string_schema!(
    Duration,
    "Duration",
    "^\\s*[0-9]*\\.?[0-9]+\\s*(ns|us|µs|ms|s|min|h)\\s*$",
    "A duration: a non-negative number and a unit (ns, us, ms, s, min, h), like \"10ms\" or \"1.5s\"."
);

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        sim_core::parse_duration(&s)
            .map(Duration)
            .map_err(de::Error::custom)
    }
}

/// A bit rate with a unit: `"100Mbps"`, `"1Gbps"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bandwidth(pub Rate);

string_schema!(
    Bandwidth,
    "Bandwidth",
    "^\\s*[0-9]*\\.?[0-9]+\\s*(bps|kbps|Kbps|Mbps|Gbps|Tbps)\\s*$",
    "A rate in bits per second with a decimal prefix, like \"100Mbps\" or \"1Gbps\"."
);

impl<'de> Deserialize<'de> for Bandwidth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        sim_core::parse_rate(&s)
            .map(Bandwidth)
            .map_err(de::Error::custom)
    }
}

/// A probability: a number from 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Probability(pub f64);

impl JsonSchema for Probability {
    fn schema_name() -> Cow<'static, str> {
        "Probability".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "number", "minimum": 0.0, "maximum": 1.0})
    }
}

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let p = f64::deserialize(d)?;
        if (0.0..=1.0).contains(&p) {
            Ok(Probability(p))
        } else {
            Err(de::Error::custom(format_args!(
                "{p} is not a probability (it must be between 0 and 1)"
            )))
        }
    }
}

/// A positive whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub u64);

impl JsonSchema for Count {
    fn schema_name() -> Cow<'static, str> {
        "Count".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "integer", "minimum": 1})
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        if n >= 1 {
            Ok(Count(n as u64))
        } else {
            Err(de::Error::custom(format_args!(
                "{n} is not allowed here: it must be at least 1"
            )))
        }
    }
}

/// A bound in an expectation: a number, or a duration (compared in ns).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Quantity {
    /// A plain number.
    Number(f64),
    /// A duration, compared with metrics in nanoseconds.
    Duration(#[serde(serialize_with = "ser_duration")] SimDuration),
}

fn ser_duration<S: serde::Serializer>(d: &SimDuration, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

impl Quantity {
    /// The value compared: the number, or the duration in nanoseconds.
    pub fn value(self) -> f64 {
        match self {
            Quantity::Number(x) => x,
            Quantity::Duration(d) => d.as_nanos() as f64,
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quantity::Number(x) => write!(f, "{x}"),
            Quantity::Duration(d) => write!(f, "{d}"),
        }
    }
}

impl JsonSchema for Quantity {
    fn schema_name() -> Cow<'static, str> {
        "Quantity".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A number, or a duration string such as \"20ms\" (compared in nanoseconds).",
            "type": ["number", "string"]
        })
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a duration such as \"20ms\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
                Ok(Quantity::Number(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
                Ok(Quantity::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
                Ok(Quantity::Number(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
                sim_core::parse_duration(v)
                    .map(Quantity::Duration)
                    .map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}
