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
    /// Crafted segments to put into the network.
    #[serde(default)]
    pub inject: Vec<InjectSpec>,
    /// Packets to drop, delay or duplicate on purpose.
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    /// What must be true of the run for it to pass.
    #[serde(default)]
    pub expect: Vec<ExpectSpec>,
    /// The metrics that matter in a batch: summarised, plotted and kept in
    /// `runs.jsonl` (default: every metric that is not a link counter).
    #[serde(default)]
    pub metrics: Vec<String>,
    /// What must be true of a batch, for each point of a sweep.
    #[serde(default)]
    pub batch_expect: Vec<BatchExpectSpec>,
    /// A formula drawn with a metric in the batch's metric-versus-parameter
    /// plot, for comparison.
    #[serde(default)]
    pub reference: Option<ReferenceSpec>,
}

/// A reference curve for a batch plot.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferenceSpec {
    /// The metric it is drawn with.
    pub metric: String,
    /// The swept parameter (by name) on the x axis: a loss probability.
    pub param: String,
    /// The Mathis et al. steady-state TCP throughput,
    /// MSS / RTT x sqrt(3/2) / sqrt(p), in bits per second.
    pub mathis: MathisSpec,
}

/// Parameters of the Mathis formula.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MathisSpec {
    /// Segment size, bytes.
    pub mss: u32,
    /// Round-trip time.
    pub rtt: Duration,
}

/// A statistic of a metric over a batch's runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Stat {
    /// Arithmetic mean.
    Mean,
    /// Sample standard deviation.
    Std,
    /// Smallest value.
    Min,
    /// Median (nearest rank).
    P50,
    /// 90th percentile (nearest rank).
    P90,
    /// 99th percentile (nearest rank).
    P99,
    /// Largest value.
    Max,
}

/// A batch expectation: a `stat` of a `metric`, or the `success_rate` (the
/// fraction of runs whose expectations all passed), with bounds.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchExpectSpec {
    /// Words to show with the result.
    #[serde(default)]
    pub description: Option<String>,
    /// The metric.
    #[serde(default)]
    pub metric: Option<String>,
    /// Which statistic of it (default `mean`).
    #[serde(default)]
    pub stat: Option<Stat>,
    /// Measure the fraction of runs that passed instead.
    #[serde(default)]
    pub success_rate: Option<bool>,
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

/// A fault: packets leaving `from` (towards `to`, if given) whose fields
/// match `match` are counted; matches number `nth` to `nth + times - 1` get
/// the action. Exactly one of `drop`, `duplicate` or `delay`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// The node the packet leaves (sender or router).
    pub from: String,
    /// The next hop; any link leaving `from` if absent.
    #[serde(default)]
    pub to: Option<String>,
    /// Field values the packet must have, as its trace lines show them
    /// (`"flags": "ACK"`, `"len": 0`, `"proto": "tcp"`, `"dst": "b"`).
    #[serde(default, rename = "match")]
    pub match_fields: BTreeMap<String, serde_json::Value>,
    /// The first match affected, counting from 1 (default 1).
    #[serde(default)]
    pub nth: Option<u32>,
    /// How many matches are affected from `nth` on (default 1; 0 means
    /// every one).
    #[serde(default)]
    pub times: Option<u32>,
    /// Only packets sent at or after this time.
    #[serde(default)]
    pub after: Option<Duration>,
    /// Only packets sent before this time.
    #[serde(default)]
    pub before: Option<Duration>,
    /// Drop the packet.
    #[serde(default)]
    pub drop: Option<bool>,
    /// Send the packet twice.
    #[serde(default)]
    pub duplicate: Option<bool>,
    /// Deliver the packet this much later (later packets may overtake it).
    #[serde(default)]
    pub delay: Option<Duration>,
    /// Change the packet in flight, as an on-path attacker would.
    #[serde(default)]
    pub tamper: Option<TamperName>,
}

/// What an on-path attacker does to a TLS segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TamperName {
    /// Flip one bit of the segment's last byte (inside a record's MAC or
    /// tag, or its ciphertext): the receiver must answer bad_record_mac.
    Corrupt,
    /// Rewrite a ClientHello's cipher-suite list to its last (weakest)
    /// suite: a downgrade attempt that the Finished check must catch.
    Downgrade,
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
    /// Run a TCP application.
    #[serde(default)]
    pub tcp: Option<TcpSpec>,
    /// Flood a TCP port with SYNs from spoofed addresses.
    #[serde(default)]
    pub syn_flood: Option<SynFloodSpec>,
    /// Answer DNS queries from a zone.
    #[serde(default)]
    pub dns_server: Option<DnsServerSpec>,
    /// On a router: take over TLS connections to a server and relay them
    /// under a forged certificate.
    #[serde(default)]
    pub mitm: Option<MitmSpec>,
    /// On a router: record what can be read of the traffic passing by.
    #[serde(default)]
    pub observer: Option<ObserverSpec>,
}

/// A passive observer: no settings (`{}`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObserverSpec {}

/// A TLS-terminating man-in-the-middle (a transparent proxy on a router).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MitmSpec {
    /// `"node:port"` whose connections it takes over when they cross its
    /// router.
    pub intercept: String,
    /// The certificate it shows clients (default: naming the target node,
    /// issued by its own CA, which no client trusts: `"issuer":
    /// "unknown_ca"`). Its first name is also the name it asks the real
    /// server for.
    #[serde(default)]
    pub certificate: Option<CertificateSpec>,
    /// TLS versions on both sides (default `["1.3", "1.2"]`).
    #[serde(default)]
    pub versions: Option<Vec<TlsVersionName>>,
}

/// An authoritative DNS server on UDP port 53.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsServerSpec {
    /// Names and their A records; other names get NXDOMAIN.
    pub zone: std::collections::BTreeMap<String, ZoneRecordSpec>,
}

/// One A record.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneRecordSpec {
    /// The node the name points at.
    pub address: String,
    /// How long resolvers may cache it (default `"300s"`; whole seconds).
    #[serde(default)]
    pub ttl: Option<Duration>,
}

/// A client's resolver: `connect` then names a DNS name, looked up first.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsClientSpec {
    /// The node running the DNS server to ask.
    #[serde(default)]
    pub server: Option<String>,
    /// Names answered locally without a query (a hosts file): name to node.
    #[serde(default)]
    pub hosts: std::collections::BTreeMap<String, String>,
    /// How long to wait for each answer (default `"5s"`, as glibc).
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// Queries per lookup, the first included (default 2, as glibc).
    #[serde(default)]
    pub attempts: Option<u32>,
}

/// A SYN flood: `count` bare SYNs to `target`, one every `interval`, each
/// claiming to come from the next address of `spoof` (round robin) and a
/// new source port.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SynFloodSpec {
    /// `"node:port"` to flood.
    pub target: String,
    /// Number of SYNs.
    pub count: u64,
    /// Gap between SYNs (default `"1ms"`).
    #[serde(default)]
    pub interval: Option<Duration>,
    /// When the first leaves (default `"0s"`).
    #[serde(default)]
    pub at: Option<Duration>,
    /// Source addresses to claim (default: the flooding host itself).
    #[serde(default)]
    pub spoof: Vec<String>,
}

/// A TCP profile: the RFCs' defaults or Linux's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProfileName {
    /// RFC defaults: min RTO 1 s, 2 MSL = 4 min, delayed ACK 200 ms,
    /// initial window per RFC 5681.
    Rfc,
    /// Linux defaults: min RTO 200 ms, TIME_WAIT 60 s, FIN_WAIT_2 timeout
    /// 60 s, delayed ACK 40 ms, initial window 10.
    Linux,
}

/// A congestion-control algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CongestionName {
    /// RFC 5681 with RFC 6582's fast recovery (the default).
    Newreno,
    /// RFC 9438.
    Cubic,
}

/// When a TCP application closes its side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CloseWhen {
    /// Right after queuing its data: the FIN follows the last byte.
    AfterSend,
    /// As soon as the peer's FIN arrives (the default).
    OnPeerClose,
    /// Never by itself (a peer's FIN leaves it in CLOSE_WAIT); actions may
    /// still close it.
    Never,
}

/// A TCP application: `listen` or `connect`, what to send, when to close,
/// and protocol settings that override the profile.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TcpSpec {
    /// Accept connections on this port.
    #[serde(default)]
    pub listen: Option<u16>,
    /// SYN queue length of the listener (default 128).
    #[serde(default)]
    pub backlog: Option<u32>,
    /// Open a connection to `"node:port"`.
    #[serde(default)]
    pub connect: Option<String>,
    /// When to connect (default `"0s"`).
    #[serde(default)]
    pub at: Option<Duration>,
    /// Our port for `connect` (default: an ephemeral port from 49152).
    #[serde(default)]
    pub local_port: Option<u16>,
    /// With `connect`: how many connections to open in all, one after
    /// another as earlier ones finish (default 1).
    #[serde(default)]
    pub connections: Option<u64>,
    /// With `connect`: how many may be open at once (default 1).
    #[serde(default)]
    pub concurrency: Option<u32>,
    /// Bytes to send on each connection once it is established.
    #[serde(default)]
    pub send: Option<u64>,
    /// When to close (default `on_peer_close`).
    #[serde(default)]
    pub close: Option<CloseWhen>,
    /// Leave received data unread until this time: the receive window fills
    /// and closes.
    #[serde(default)]
    pub stall_reading_until: Option<Duration>,
    /// Defaults to start from (default `rfc`).
    #[serde(default)]
    pub profile: Option<ProfileName>,
    /// Fixed initial sequence number (default: drawn from the node's stream).
    #[serde(default)]
    pub iss: Option<u32>,
    /// Congestion control (default `newreno`).
    #[serde(default)]
    pub congestion: Option<CongestionName>,
    /// MSS to announce (default 1460).
    #[serde(default)]
    pub mss: Option<u16>,
    /// Receive buffer, bytes (default 65535).
    #[serde(default)]
    pub rcv_buf: Option<u32>,
    /// Nagle's algorithm (default on).
    #[serde(default)]
    pub nagle: Option<bool>,
    /// Delayed-ACK timeout; `"0s"` acknowledges every segment at once.
    #[serde(default)]
    pub delayed_ack: Option<Duration>,
    /// Initial congestion window in segments (default per profile).
    #[serde(default)]
    pub initial_window: Option<u32>,
    /// TIME_WAIT length, 2 MSL (default per profile).
    #[serde(default)]
    pub time_wait: Option<Duration>,
    /// Lower bound on the retransmission timeout.
    #[serde(default)]
    pub min_rto: Option<Duration>,
    /// Upper bound on the retransmission timeout.
    #[serde(default)]
    pub max_rto: Option<Duration>,
    /// Retransmission timeout before any RTT sample (default 1 s).
    #[serde(default)]
    pub initial_rto: Option<Duration>,
    /// Data retransmissions before giving up (default 15).
    #[serde(default)]
    pub data_retries: Option<u32>,
    /// Give up on a peer's FIN after this long in FIN_WAIT_2 (`"0s"`: never,
    /// the rfc default; linux: 60 s).
    #[serde(default)]
    pub fin_wait_2_timeout: Option<Duration>,
    /// SYN retransmissions before giving up.
    #[serde(default)]
    pub syn_retries: Option<u32>,
    /// Ignore RST in TIME_WAIT (RFC 1337; default on).
    #[serde(default)]
    pub rfc1337: Option<bool>,
    /// Offer window scaling (RFC 7323; default on).
    #[serde(default)]
    pub window_scaling: Option<bool>,
    /// With `listen`: answer SYNs with SYN cookies when the SYN queue is
    /// full (RFC 4987).
    #[serde(default)]
    pub syn_cookies: Option<bool>,
    /// Not TCP: a naive server that considers itself connected on a bare
    /// SYN (a two-way handshake), to show what the three-way handshake
    /// prevents.
    #[serde(default)]
    pub two_way_handshake: Option<bool>,
    /// Run TLS over every connection: the client sends a request and the
    /// server answers, both encrypted (`send` must then be absent).
    #[serde(default)]
    pub tls: Option<TlsSpec>,
    /// The same request and response in the clear (plain HTTP/1.1).
    #[serde(default)]
    pub http: Option<HttpSpec>,
    /// With `connect`: resolve its host part with DNS first.
    #[serde(default)]
    pub dns: Option<DnsClientSpec>,
}

/// A plain-HTTP client or server.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpSpec {
    /// Client: request bytes (default 300).
    #[serde(default)]
    pub request: Option<u64>,
    /// Server: response body bytes (default 10000).
    #[serde(default)]
    pub response: Option<u64>,
    /// Client: requests per connection, one after another (keep-alive;
    /// default 1).
    #[serde(default)]
    pub requests: Option<u64>,
}

/// A TLS version by its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum TlsVersionName {
    /// RFC 5246.
    #[serde(rename = "1.2")]
    Tls12,
    /// RFC 8446.
    #[serde(rename = "1.3")]
    Tls13,
}

/// Who issued the server's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IssuerName {
    /// The demo intermediate under the root every client trusts (default).
    Trusted,
    /// A CA the clients do not know.
    UnknownCa,
    /// Nobody: the certificate signs itself.
    SelfSigned,
}

/// The server's certificate.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateSpec {
    /// DNS names it holds (default: the server's node name).
    #[serde(default)]
    pub names: Option<Vec<String>>,
    /// Who issued it (default `trusted`).
    #[serde(default)]
    pub issuer: Option<IssuerName>,
    /// Its validity ended a day before the scenario's date.
    #[serde(default)]
    pub expired: Option<bool>,
    /// Its issuer revoked it, and clients know (a CRL or stapled OCSP).
    #[serde(default)]
    pub revoked: Option<bool>,
    /// Its size on the wire, bytes (default 1400).
    #[serde(default)]
    pub size: Option<u32>,
}

/// TLS settings of a client or a server.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsSpec {
    /// Versions offered or accepted (default `["1.3", "1.2"]`).
    #[serde(default)]
    pub versions: Option<Vec<TlsVersionName>>,
    /// Cipher suites by registry name, in preference order (default: the
    /// TLS 1.3 suites, then ECDHE_RSA and RSA with AES-GCM, then
    /// TLS_RSA_WITH_AES_128_CBC_SHA).
    #[serde(default)]
    pub suites: Option<Vec<String>>,
    /// Key-exchange groups (`x25519`, `secp256r1`, `secp384r1`) in
    /// preference order; a client sends a key share for the first.
    #[serde(default)]
    pub groups: Option<Vec<String>>,
    /// Client: the host name it asks for (SNI) and checks the certificate
    /// against (default: the server's node name).
    #[serde(default)]
    pub server_name: Option<String>,
    /// Client: request bytes (default 300).
    #[serde(default)]
    pub request: Option<u64>,
    /// Server: response bytes (default 10000).
    #[serde(default)]
    pub response: Option<u64>,
    /// Client: requests per connection, one after another (HTTP/1.1
    /// keep-alive; the last says `Connection: close`; default 1).
    #[serde(default)]
    pub requests: Option<u64>,
    /// Client: go on despite a certificate failure.
    #[serde(default)]
    pub accept_untrusted: Option<bool>,
    /// Client: refuse RC4, 3DES and MD5 suites.
    #[serde(default)]
    pub refuse_weak: Option<bool>,
    /// Client: keep each connection's session and offer it on the next
    /// connection (TLS 1.2: by ticket if it has one, else by session id;
    /// TLS 1.3: the last ticket, as a PSK).
    #[serde(default)]
    pub resume: Option<bool>,
    /// Client: send the request as early data (0-RTT) when resuming with a
    /// TLS 1.3 ticket that allows it.
    #[serde(default)]
    pub early_data: Option<bool>,
    /// Server: its TLS 1.3 tickets allow this many bytes of early data
    /// (default 0: none; at most 16384 here).
    #[serde(default)]
    pub max_early_data: Option<u32>,
    /// Server: take early data offered with such a ticket (default true);
    /// false refuses it, as a server whose replay protection says no.
    #[serde(default)]
    pub accept_early_data: Option<bool>,
    /// Server: give TLS 1.2 sessions ids and cache them for resumption.
    #[serde(default)]
    pub session_cache: Option<bool>,
    /// Server: issue session tickets (RFC 5077 in TLS 1.2; after every
    /// TLS 1.3 handshake, RFC 8446 §4.6.1); client: ask for them (TLS 1.2).
    #[serde(default)]
    pub tickets: Option<bool>,
    /// Server: its certificate.
    #[serde(default)]
    pub certificate: Option<CertificateSpec>,
    /// Calendar time at simulated time zero, Unix seconds (default
    /// 1700000000, November 2023): what validity is checked against.
    #[serde(default)]
    pub date: Option<i64>,
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

/// Something that happens at a time, before anything else at that time:
/// a link changes (`link` and `set`), or a host's application acts (`node`
/// with `close`, `abort` or `send`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    /// When.
    pub at: Duration,
    /// The link to change, by its two nodes.
    #[serde(default)]
    pub link: Option<[String; 2]>,
    /// With `link`: only the direction leaving this node (default: both).
    #[serde(default)]
    pub from: Option<String>,
    /// With `link`: the parameters to change; routes are not recomputed.
    #[serde(default)]
    pub set: Option<LinkParamsSpec>,
    /// The host whose application acts.
    #[serde(default)]
    pub node: Option<String>,
    /// Close every TCP connection of `node`.
    #[serde(default)]
    pub close: Option<bool>,
    /// Reset every TCP connection of `node`.
    #[serde(default)]
    pub abort: Option<bool>,
    /// Send this many more bytes on every TCP connection of `node`.
    #[serde(default)]
    pub send: Option<u64>,
    /// `node` crashes: its connections vanish without sending anything (its
    /// listeners come back at once, as after a quick reboot).
    #[serde(default)]
    pub crash: Option<bool>,
}

/// A crafted TCP segment put into the network at a time.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InjectSpec {
    /// When.
    pub at: Duration,
    /// The node where it enters the network.
    pub from: String,
    /// The source address it claims (default: `from`); may be spoofed.
    #[serde(default)]
    pub src: Option<String>,
    /// Its destination.
    pub to: String,
    /// The segment.
    pub tcp: InjectTcp,
}

/// The header of an injected segment.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InjectTcp {
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// Control bits, comma-separated: `"SYN"`, `"RST"`, `"FIN,ACK"`.
    pub flags: String,
    /// Sequence number.
    #[serde(default)]
    pub seq: u32,
    /// Acknowledgment number.
    #[serde(default)]
    pub ack: u32,
    /// Bytes of data.
    #[serde(default)]
    pub len: u32,
    /// Window field (default 65535).
    #[serde(default)]
    pub wnd: Option<u16>,
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
    /// With `passes_through`, `in_state` or `ends_in`: the host whose TCP
    /// connections are checked.
    #[serde(default)]
    pub node: Option<String>,
    /// One of the node's connections goes through exactly these states, one
    /// right after the other (`["FIN_WAIT_1", "TIME_WAIT"]` fails if
    /// FIN_WAIT_2 came between).
    #[serde(default)]
    pub passes_through: Option<Vec<String>>,
    /// One of the node's connections is in this state at time `at`.
    #[serde(default)]
    pub in_state: Option<String>,
    /// With `in_state`: when.
    #[serde(default)]
    pub at: Option<Duration>,
    /// One of the node's connections ends the run in this state, reached no
    /// later than `by` (if given).
    #[serde(default)]
    pub ends_in: Option<String>,
    /// With `ends_in`: the latest time to reach it.
    #[serde(default)]
    pub by: Option<Duration>,
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

/// The bounds of an expectation: `equals`, `at_least`, `at_most`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bounds {
    /// The value must equal this.
    pub equals: Option<Quantity>,
    /// The value must be at least this.
    pub at_least: Option<Quantity>,
    /// The value must be at most this.
    pub at_most: Option<Quantity>,
}

impl Bounds {
    /// Whether `observed` lies within every bound given.
    pub fn hold(&self, observed: f64) -> bool {
        self.equals.is_none_or(|q| observed == q.value())
            && self.at_least.is_none_or(|q| observed >= q.value())
            && self.at_most.is_none_or(|q| observed <= q.value())
    }

    /// The expectation in words: `what = 3 and what <= 20ms`, with the
    /// user's description in front if there is one.
    pub fn describe(&self, what: &str, description: Option<&str>) -> String {
        let mut parts = Vec::new();
        if let Some(q) = &self.equals {
            parts.push(format!("{what} = {q}"));
        }
        if let Some(q) = &self.at_least {
            parts.push(format!("{what} >= {q}"));
        }
        if let Some(q) = &self.at_most {
            parts.push(format!("{what} <= {q}"));
        }
        let s = parts.join(" and ");
        match description {
            Some(d) => format!("{d} ({s})"),
            None => s,
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
