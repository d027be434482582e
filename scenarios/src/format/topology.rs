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
    #[serde(default)]
    pub nodes: Vec<String>,
    /// Router names. Routers only forward.
    #[serde(default)]
    pub routers: Vec<String>,
    /// Full-duplex links.
    #[serde(default)]
    pub links: Vec<LinkSpec>,
    /// Generated nodes and links, added after the plain ones in this
    /// order: `{"dumbbell": {...}}`, `{"parking_lot": {...}}` or
    /// `{"fat_tree": {...}}`. Plain links and endpoints may name what they
    /// make; a name made twice is an error.
    #[serde(default)]
    pub generate: Vec<super::generate::GeneratorSpec>,
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
            /// Queue capacity in packets waiting (default 1000).
            #[serde(default)]
            pub queue_packets: Option<Count>,
            /// Queue capacity in bytes waiting, instead of packets.
            #[serde(default)]
            pub queue_bytes: Option<Count>,
            /// What the queue does with waiting packets: `"drop_tail"` (the
            /// default), `"red"`, `"codel"`, `"fq_codel"` or `"pie"`, or
            /// one of those as an object with its parameters, like
            /// `{"codel": {"target": "5ms"}}`; or a token-bucket shaper,
            /// `{"token_bucket": {"rate": "2Mbps", "burst": 15000}}`.
            #[serde(default)]
            pub discipline: Option<DisciplineSpec>,
            /// The direction's own ECN marker, whatever the discipline:
            /// `{"threshold_packets": 20}` or `{"threshold_bytes": 30000}`
            /// marks an ECN-capable packet CE when it finds at least that
            /// much queued ahead (DCTCP's switch rule), `{"probability":
            /// 0.01}` marks each with that chance. None by default.
            #[serde(default)]
            pub ecn_mark: Option<MarkSpec>,
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
                    discipline: self.discipline.clone(),
                    ecn_mark: self.ecn_mark,
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

/// A link direction's own ECN marker.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum MarkSpec {
    /// Mark when at least this many packets wait ahead.
    ThresholdPackets(Count),
    /// Mark when at least this many bytes wait ahead.
    ThresholdBytes(Count),
    /// Mark each ECN-capable packet with this probability.
    Probability(Probability),
}

/// A queue discipline by name, or with its parameters.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum DisciplineSpec {
    /// With its default parameters.
    Named(DisciplineName),
    /// With parameters (any left out take their defaults).
    Tuned(TunedDiscipline),
}

/// The queue disciplines, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisciplineName {
    /// First in, first out, dropping what finds the queue full.
    DropTail,
    /// Random Early Detection (Floyd and Jacobson 1993), gentle.
    Red,
    /// CoDel (RFC 8289).
    Codel,
    /// FQ-CoDel (RFC 8290).
    FqCodel,
    /// PIE (RFC 8033).
    Pie,
}

/// A queue discipline with parameters.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TunedDiscipline {
    /// RED.
    Red(RedSpec),
    /// CoDel.
    Codel(CodelSpec),
    /// FQ-CoDel.
    FqCodel(FqCodelSpec),
    /// PIE.
    Pie(PieSpec),
    /// A token-bucket shaper.
    TokenBucket(TokenBucketSpec),
}

/// RED's parameters (README, "Queue disciplines", for the defaults).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct RedSpec {
    /// Average queue (packets) below which nothing is dropped (5).
    #[serde(default)]
    pub min_th: Option<f64>,
    /// Average queue at which the drop probability reaches `max_p` (15).
    #[serde(default)]
    pub max_th: Option<f64>,
    /// Drop probability at `max_th` (0.02).
    #[serde(default)]
    pub max_p: Option<Probability>,
    /// Weight of each new sample in the average (0.002).
    #[serde(default)]
    pub weight: Option<Probability>,
    /// Rise from `max_p` to 1 between `max_th` and twice it (true).
    #[serde(default)]
    pub gentle: Option<bool>,
    /// Mark ECN-capable packets CE instead of dropping them early (false).
    #[serde(default)]
    pub ecn: Option<bool>,
    /// With `ecn`, still drop beyond the early range (true).
    #[serde(default)]
    pub hard_drop: Option<bool>,
}

/// CoDel's parameters.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct CodelSpec {
    /// Acceptable standing queue delay (`"5ms"`).
    #[serde(default)]
    pub target: Option<Duration>,
    /// How long the delay must stay above target before dropping
    /// (`"100ms"`).
    #[serde(default)]
    pub interval: Option<Duration>,
    /// Mark ECN-capable packets CE instead of dropping them (false).
    #[serde(default)]
    pub ecn: Option<bool>,
}

/// FQ-CoDel's parameters.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct FqCodelSpec {
    /// Flow queues packets are hashed into (1024).
    #[serde(default)]
    pub flows: Option<Count>,
    /// Bytes each flow sends per round (1514).
    #[serde(default)]
    pub quantum: Option<Count>,
    /// Each flow's CoDel target (`"5ms"`).
    #[serde(default)]
    pub target: Option<Duration>,
    /// Each flow's CoDel interval (`"100ms"`).
    #[serde(default)]
    pub interval: Option<Duration>,
    /// Mark ECN-capable packets CE instead of dropping them (true, as
    /// Linux).
    #[serde(default)]
    pub ecn: Option<bool>,
}

/// PIE's parameters.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct PieSpec {
    /// The queueing delay PIE steers towards (`"15ms"`).
    #[serde(default)]
    pub target: Option<Duration>,
    /// How often the drop probability is updated (`"15ms"`).
    #[serde(default)]
    pub t_update: Option<Duration>,
    /// Weight of the delay's distance from target, per second (0.125).
    #[serde(default)]
    pub alpha: Option<f64>,
    /// Weight of the delay's change, per second (1.25).
    #[serde(default)]
    pub beta: Option<f64>,
    /// Burst a new busy period may queue undropped (`"150ms"`).
    #[serde(default)]
    pub max_burst: Option<Duration>,
    /// Mark ECN-capable packets CE instead of dropping them while the
    /// probability is at most 10 % (false).
    #[serde(default)]
    pub ecn: Option<bool>,
}

/// A token-bucket shaper's rate and bucket (both required).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct TokenBucketSpec {
    /// The long-run rate, like `"2Mbps"`.
    pub rate: Bandwidth,
    /// Bytes that may leave back to back after a quiet spell; at least one
    /// packet.
    pub burst: Count,
}

super::objects::objects_only!(RedSpec, CodelSpec, FqCodelSpec, PieSpec, TokenBucketSpec);

/// By hand rather than `untagged`, so a mistake inside the object keeps
/// its own message and path (`...discipline.codel.target: ...`).
impl<'de> Deserialize<'de> for DisciplineSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, IntoDeserializer, MapAccess, Visitor};
        struct Either;
        impl<'de> Visitor<'de> for Either {
            type Value = DisciplineSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a queue discipline: \"drop_tail\", \"red\", \"codel\", \"fq_codel\" or \"pie\", or an object like {\"codel\": {\"target\": \"5ms\"}} or {\"token_bucket\": {\"rate\": \"2Mbps\", \"burst\": 15000}}",
                )
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                DisciplineName::deserialize(s.into_deserializer()).map(DisciplineSpec::Named)
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Self::Value, A::Error> {
                TunedDiscipline::deserialize(de::value::MapAccessDeserializer::new(m))
                    .map(DisciplineSpec::Tuned)
            }
        }
        d.deserialize_any(Either)
    }
}
