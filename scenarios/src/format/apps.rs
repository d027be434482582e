//! The `endpoints` section: what each host (or, for the on-path models, each
//! router) runs, with the settings of every application.
//!
//! An endpoint holds exactly one application (a host may have several
//! endpoints); the TCP application carries
//! its TLS, plain-HTTP and DNS-resolver settings, since those ride on its
//! connections.

use schemars::JsonSchema;
use serde::Deserialize;

use super::values::{Bandwidth, Duration, Isns, StartSpec};

/// One application on a host (exactly one of its kinds). A host may run
/// several: one endpoint each, each with a `name` unique on the host.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct EndpointSpec {
    /// The host.
    pub node: String,
    /// The application's name, unique on its host (letters, digits, `_`
    /// and `-`): its metrics are `<host>.<name>.<metric>`. Default: its
    /// kind (`tcp`, `ping`, ...), whose metrics keep their usual names
    /// (`a.tcp.goodput_bps`, `a.tls.page_ns`).
    #[serde(default)]
    pub name: Option<String>,
    /// Send echo requests and time the replies.
    #[serde(default)]
    pub ping: Option<PingSpec>,
    /// Run a TCP application.
    #[serde(default)]
    pub tcp: Option<TcpSpec>,
    /// Flood a TCP port with SYNs from spoofed addresses.
    #[serde(default)]
    pub syn_flood: Option<SynFloodSpec>,
    /// Send UDP traffic, or count the datagrams arriving on a port.
    #[serde(default)]
    pub udp: Option<UdpSpec>,
    /// Answer DNS queries from a zone.
    #[serde(default)]
    pub dns_server: Option<DnsServerSpec>,
    /// Answer stubs' DNS queries by recursion from the root servers.
    #[serde(default)]
    pub dns_resolver: Option<DnsResolverSpec>,
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
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct ObserverSpec {}

/// A TLS-terminating man-in-the-middle (a transparent proxy on a router).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct MitmSpec {
    /// `"node:port"` whose connections it takes over when they cross its
    /// router.
    pub intercept: String,
    /// The certificate it shows clients (default: naming what the target's
    /// default certificate names, its node name and the DNS names that lead
    /// to it, issued by its own CA, which no client trusts: `"issuer":
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
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct DnsServerSpec {
    /// Names and their A records (or CNAMEs); other names get NXDOMAIN.
    #[serde(default)]
    pub zone: std::collections::BTreeMap<String, ZoneRecordSpec>,
    /// The zone's apex (`"."` for the root): the server is then the
    /// authority for this zone only, refers queries below its
    /// `delegations`, and answers NXDOMAIN with its SOA. Without it, it
    /// answers every name from `zone` alone.
    #[serde(default)]
    pub origin: Option<String>,
    /// With `origin`: the zone's SOA (default TTL `"3600s"`, minimum
    /// `"300s"`).
    #[serde(default)]
    pub soa: Option<SoaSpec>,
    /// With `origin`: child zones and their servers.
    #[serde(default)]
    pub delegations: std::collections::BTreeMap<String, DelegationSpec>,
}

/// One A record, or an alias.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct ZoneRecordSpec {
    /// The node the name points at.
    #[serde(default)]
    pub address: Option<String>,
    /// Instead of `address`: the name this one is an alias of (a CNAME).
    #[serde(default)]
    pub cname: Option<String>,
    /// How long resolvers may cache it (default `"300s"`; whole seconds).
    #[serde(default)]
    pub ttl: Option<Duration>,
}

/// A zone's SOA record (RFC 1035 §3.3.13).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct SoaSpec {
    /// The SOA record's own TTL (default `"3600s"`).
    #[serde(default)]
    pub ttl: Option<Duration>,
    /// The MINIMUM field: how long a negative answer may be cached, at
    /// most the SOA's TTL (RFC 2308 §5; default `"300s"`).
    #[serde(default)]
    pub minimum: Option<Duration>,
}

/// A child zone: its name servers and the nodes their glue names.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct DelegationSpec {
    /// Name server name to the node running it (its glue A record).
    pub ns: std::collections::BTreeMap<String, String>,
    /// TTL of the NS and glue records (default `"172800s"`, two days, as
    /// the root zone gives).
    #[serde(default)]
    pub ttl: Option<Duration>,
}

/// A recursive resolver on UDP port 53 (RFC 1034 §5.3.3).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct DnsResolverSpec {
    /// Its root hints: root server name to the node running it.
    pub roots: std::collections::BTreeMap<String, String>,
    /// Cache entries at most (default 10000); when full, the entry
    /// expiring soonest leaves.
    #[serde(default)]
    pub cache_size: Option<u64>,
    /// Referrals plus CNAMEs one query may follow before SERVFAIL
    /// (default 16).
    #[serde(default)]
    pub max_depth: Option<u32>,
    /// How long to wait for each upstream answer (default `"1s"`).
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// Queries to each server, the first included (default 2).
    #[serde(default)]
    pub attempts: Option<u32>,
}

/// A client's resolver: `connect` then names a DNS name, looked up first.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
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
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct SynFloodSpec {
    /// `"node:port"` to flood.
    pub target: String,
    /// Number of SYNs.
    pub count: u64,
    /// Gap between SYNs (default `"1ms"`).
    #[serde(default)]
    pub interval: Option<Duration>,
    /// When the first leaves (default `"0s"`), or `{"uniform": [from, to]}`.
    #[serde(default)]
    pub at: Option<StartSpec>,
    /// No SYN leaves at or after this time.
    #[serde(default)]
    pub stop: Option<Duration>,
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
    /// RFC 5681 alone: fast recovery ends on the first new ACK.
    Reno,
    /// RFC 5681 with RFC 6582's fast recovery (the default).
    Newreno,
    /// RFC 9438.
    Cubic,
    /// Data Center TCP (RFC 8257); asks for ECN in its SYN.
    Dctcp,
    /// BBRv1 (Linux's `tcp_bbr.c`), always paced at its own rate.
    Bbr,
    /// TCP Vegas (Brakmo and Peterson 1995; Linux's alpha 2, beta 4,
    /// gamma 1): keeps 2 to 4 segments queued. Needs an RTT sample on
    /// most ACKs (timestamps or SACK), else it behaves as Reno.
    Vegas,
}

/// Whether a TCP endpoint uses ECN (RFC 3168), as Linux's `tcp_ecn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EcnName {
    /// Never (the `rfc` profile).
    Off,
    /// Agree when the peer asks, never ask (the `linux` profile).
    Accept,
    /// Ask in the SYN, and agree when asked.
    On,
}

/// What the congestion window counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CwndUnitName {
    /// Bytes, as RFC 5681 (the `rfc` profile).
    Bytes,
    /// Segments of any size, as Linux (the `linux` profile).
    Segments,
}

/// How CUBIC may leave slow start before the first loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum HyStartName {
    /// Only a loss ends slow start.
    #[serde(rename = "off")]
    Off,
    /// Linux's HyStart: ACK-train and delay-increase detection.
    #[serde(rename = "linux")]
    Linux,
    /// HyStart++ (RFC 9406): delay increase, then Conservative Slow Start.
    #[serde(rename = "hystart++")]
    PlusPlus,
}

/// What the congestion window becomes after an idle period longer than
/// an RTO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdleRestartName {
    /// Keep it (Linux with `tcp_slow_start_after_idle` = 0).
    Off,
    /// RFC 5681 §4.1: min(IW, cwnd) at once.
    Rfc5681,
    /// Linux's `tcp_cwnd_restart`: halved per RTO idle, down to
    /// min(IW, cwnd); ssthresh raised to 3/4 of the old window.
    Linux,
}

/// When a read sends a window update at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WindowUpdateName {
    /// RFC 1122 §4.2.3.3: once the window can move right by an MSS.
    Rfc1122,
    /// Linux's `tcp_cleanup_rbuf`.
    Linux,
}

/// What Nagle's algorithm holds back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NagleRuleName {
    /// RFC 896: any short segment while data is unacknowledged.
    Rfc896,
    /// Minshall's variant, as Linux: only while an earlier short segment
    /// is unacknowledged.
    Minshall,
}

/// How the stack answers an ACK of unsent data, and what an abort sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnswersName {
    /// RFC 9293: ACK and drop; a bare RST; one-byte zero-window probes.
    Rfc9293,
    /// Linux: drop silently; RST,ACK with timestamps; zero-window probes
    /// without data.
    Linux,
}

/// Which delivered segment RACK.rtt is measured from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RackRttName {
    /// RFC 8985: the most recently sent.
    MostRecentlySent,
    /// Linux: the last in sequence order.
    LastInSequence,
}

/// Which data segments carry PSH.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PushName {
    /// Every segment with data.
    Every,
    /// The last segment of each write, as Linux.
    Writes,
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
#[serde(remote = "Self")]
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
    /// When to connect (default `"0s"`), or `{"uniform": [from, to]}`.
    #[serde(default)]
    pub at: Option<StartSpec>,
    /// With `connect`: no connection opens at or after this time, and every
    /// connection open then is closed (a FIN after the bytes already
    /// written, as the `close` action).
    #[serde(default)]
    pub stop: Option<Duration>,
    /// Our port for `connect` (default: an ephemeral port from 49152).
    #[serde(default)]
    pub local_port: Option<u16>,
    /// With `connect`: how many connections to open in all, one after
    /// another as earlier ones finish (default 1).
    #[serde(default)]
    pub connections: Option<u64>,
    /// With `connect`: how many may be open at once (default 1; a
    /// browser keeps up to 6 per host).
    #[serde(default)]
    pub concurrency: Option<u32>,
    /// With `connect` and `http` or `tls`: when the next connection opens
    /// (default `after_close`: once the one before is closed both ways;
    /// `after_response`: as soon as its last response is in).
    #[serde(default)]
    pub reconnect: Option<ReconnectName>,
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
    /// Fixed initial sequence number for every connection, or a list of
    /// one per connection in the order they open (a client: exactly
    /// `connections` of them; a listener: accepted connections take them
    /// in turn, then draw). Default: drawn from the node's stream.
    #[serde(default)]
    pub iss: Option<Isns>,
    /// Congestion control (default `newreno`).
    #[serde(default)]
    pub congestion: Option<CongestionName>,
    /// CUBIC's slow-start exit before a loss: `off`, `linux` (HyStart) or
    /// `hystart++` (RFC 9406) (default `off` in `rfc`, `linux` in `linux`;
    /// used only by CUBIC).
    #[serde(default)]
    pub hystart: Option<HyStartName>,
    /// ECN (RFC 3168): `off`, `accept` (answer a peer that asks) or `on`
    /// (ask too) (default `off` in `rfc`, `accept` in `linux`; `dctcp`
    /// always asks).
    #[serde(default)]
    pub ecn: Option<EcnName>,
    /// Pace data at Linux's rate, cwnd / SRTT times 200 % in slow start
    /// and 120 % after, instead of sending in bursts (default off, as
    /// Linux without the fq qdisc; BBR always paces at its own rate).
    #[serde(default)]
    pub pacing: Option<bool>,
    /// Which data segments carry PSH: `every` (each one; default in
    /// `rfc`) or `writes` (the last of each write, and one every half the
    /// peer's largest window within a long write, as Linux; default in
    /// `linux`).
    #[serde(default)]
    pub push: Option<PushName>,
    /// Grow cwnd only while the window limits the sender, as Linux and
    /// RFC 9438 §5.8 (default off in `rfc`, on in `linux`).
    #[serde(default)]
    pub cwnd_limited_growth: Option<bool>,
    /// When a read sends a window update at once: `rfc1122` (the window
    /// can move right by an MSS; default in `rfc`) or `linux` (a window at
    /// least doubled from half the largest or less; default in `linux`).
    #[serde(default)]
    pub window_update: Option<WindowUpdateName>,
    /// `rfc9293` (default in `rfc`): an ACK of data not yet sent is
    /// answered with an ACK, and an abort sends a bare RST; `linux`
    /// (default in `linux`): the ACK is dropped silently, TS.Recent
    /// untouched, and an abort sends RST,ACK with timestamps.
    #[serde(default)]
    pub answers: Option<AnswersName>,
    /// `most_recently_sent` (default in `rfc`, RFC 8985): an ACK that
    /// delivers segments sent at different times gives RACK the RTT of
    /// the most recently sent; `last_in_sequence` (default in `linux`):
    /// of the last one in sequence order, as Linux.
    #[serde(default)]
    pub rack_rtt: Option<RackRttName>,
    /// MSS to announce (default 1460).
    #[serde(default)]
    pub mss: Option<u16>,
    /// Receive buffer, bytes (default 65535): the largest window
    /// advertised, or with autotuning the window it starts from. Setting it
    /// without `rcv_buf_max` turns autotuning off, as `SO_RCVBUF` does in
    /// Linux.
    #[serde(default)]
    pub rcv_buf: Option<u32>,
    /// Receive-buffer autotuning (Linux's dynamic right-sizing): the
    /// largest window it may grow the buffer to, in bytes; `0` turns it
    /// off. Default: off in `rfc`, 3145728 (3 MiB, Linux's `tcp_rmem[2]`
    /// of 6 MiB less its overhead) in `linux`, off when `rcv_buf` is set.
    #[serde(default)]
    pub rcv_buf_max: Option<u32>,
    /// A fixed send buffer, bytes: data written and not yet acknowledged
    /// never exceeds it, as with `SO_SNDBUF` (default: unlimited, in both
    /// profiles).
    #[serde(default)]
    pub snd_buf: Option<u32>,
    /// Nagle's algorithm (default on).
    #[serde(default)]
    pub nagle: Option<bool>,
    /// What Nagle holds back: `rfc896` (any segment shorter than an MSS
    /// while data is unacknowledged; default in `rfc`) or `minshall` (only
    /// while an earlier short segment is; default in `linux`, as Linux).
    #[serde(default)]
    pub nagle_rule: Option<NagleRuleName>,
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
    /// Ignore RST in TIME_WAIT (RFC 1337; default on in `rfc`, off in
    /// `linux`).
    #[serde(default)]
    pub rfc1337: Option<bool>,
    /// A newer SYN in TIME_WAIT reopens the connection (RFC 1122
    /// §4.2.2.13, RFC 6191; default off in `rfc`, on in `linux`).
    #[serde(default)]
    pub time_wait_reopen: Option<bool>,
    /// Limited transmit: a new segment on each of the first two duplicate
    /// ACKs (RFC 5681 §3.2, RFC 3042; default on).
    #[serde(default)]
    pub limited_transmit: Option<bool>,
    /// The window after more than an RTO without sending data (RFC 5681
    /// §4.1): `off`, `rfc5681` or `linux` (default `rfc5681` in `rfc`,
    /// `linux` in `linux`; BBR never restarts).
    #[serde(default)]
    pub idle_restart: Option<IdleRestartName>,
    /// `TCP_USER_TIMEOUT` (RFC 5482): abort a connection whose data stays
    /// unacknowledged, or whose zero window stays closed, this long
    /// (default none; `"0s"`: none).
    #[serde(default)]
    pub user_timeout: Option<Duration>,
    /// SACK (RFC 2018) and SACK-based loss recovery (RFC 6675; default off
    /// in `rfc`, on in `linux`).
    #[serde(default)]
    pub sack: Option<bool>,
    /// D-SACK reports of duplicate segments (RFC 2883; default on, used
    /// only with SACK).
    #[serde(default)]
    pub dsack: Option<bool>,
    /// Timestamps (RFC 7323: RTT on every ACK, PAWS; default off in `rfc`,
    /// on in `linux`).
    #[serde(default)]
    pub timestamps: Option<bool>,
    /// Proportional Rate Reduction in SACK recovery (RFC 6937; default off
    /// in `rfc`, on in `linux`).
    #[serde(default)]
    pub prr: Option<bool>,
    /// RACK-TLP loss detection and tail loss probes (RFC 8985; used only
    /// with SACK; default off in `rfc`, on in `linux`).
    #[serde(default)]
    pub rack_tlp: Option<bool>,
    /// Linux's quick ACKs: each of the first segments (up to 16) of a
    /// connection, and after a silence longer than the RTO, is ACKed at
    /// once (default off in `rfc`, on in `linux`).
    #[serde(default)]
    pub quick_ack: Option<bool>,
    /// What cwnd counts: `bytes` (RFC 5681; default in `rfc`) or
    /// `segments` whatever their size (default in `linux`).
    #[serde(default)]
    pub cwnd_unit: Option<CwndUnitName>,
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
    /// TCP Fast Open (RFC 7413; default off): a client sends its `send`
    /// bytes on the SYN once a server gave it a cookie (its first
    /// connection asks for one); a listener takes data on SYNs that carry
    /// its cookie. Cookies persist across the application's connections.
    #[serde(default)]
    pub fast_open: Option<bool>,
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
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct HttpSpec {
    /// Client: request bytes (default 300).
    #[serde(default)]
    pub request: Option<u64>,
    /// Server: response body bytes (default 10000), or a distribution
    /// each response's size is drawn from (`{"exponential": 20000}`,
    /// `{"uniform": [1000, 9000]}`, `{"pareto": {"mean": 20000, "shape":
    /// 1.5}}`, `{"cdf": [[1000, 0.5], [100000, 1]]}`), from a stream of
    /// each connection (`http/<host>/response/<k>`, the k-th connection
    /// accepted); a draw is cut at 64 MiB. A list (`[5000, 20000, 1000]`)
    /// sizes the responses on each connection in turn: the k-th request
    /// on a connection gets the k-th size, and every request past the end
    /// of the list the last one.
    #[serde(default)]
    pub response: Option<ResponseSpec>,
    /// Server: close each connection first, its last response saying
    /// `Connection: close` (`"every"`: after each response; `{"after":
    /// N}`: after the N-th on the connection; default `"never"`: the
    /// client closes).
    #[serde(default)]
    pub close: Option<ServerCloseSpec>,
    /// Client: requests per connection, one after another (keep-alive;
    /// default 1).
    #[serde(default)]
    pub requests: Option<u64>,
    /// Client: a pause after each response before the next request, on
    /// the same connection or the next one (default none), drawn from the
    /// stream `http/<host>/think`.
    #[serde(default)]
    pub think: Option<PeriodSpec>,
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
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct CertificateSpec {
    /// DNS names it holds (default: the server's node name, then every
    /// name a `dns_server` zone or a client's `hosts` table maps to it).
    #[serde(default)]
    pub names: Option<Vec<String>>,
    /// Its subject's common name (default: the first of `names`). A
    /// client checks it only when `names` is empty (`[]`): beside DNS
    /// names the CN is ignored (RFC 6125 §6.4.4).
    #[serde(default)]
    pub subject_cn: Option<String>,
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
#[serde(remote = "Self")]
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
    /// against (default: the host part of `connect`, a node name or, with
    /// `dns`, the DNS name).
    #[serde(default)]
    pub server_name: Option<String>,
    /// Client: request bytes (default 300).
    #[serde(default)]
    pub request: Option<u64>,
    /// Server: response body bytes (default 10000), a distribution, or a
    /// list by request on each connection, as `http`'s `response`.
    #[serde(default)]
    pub response: Option<ResponseSpec>,
    /// Server: close each connection first after a response saying
    /// `Connection: close` (close_notify, then FIN), as `http`'s `close`
    /// (default `"never"`).
    #[serde(default)]
    pub close: Option<ServerCloseSpec>,
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
    /// Offer (client) or take (server) the extended master secret in TLS
    /// 1.2 (RFC 7627; default true): false behaves as an end from before
    /// it, whose master secret does not cover the handshake transcript.
    #[serde(default)]
    pub ems: Option<bool>,
    /// Client: after a connection whose handshake fails, open one more
    /// that offers only the versions below the highest one offered, with
    /// TLS_FALLBACK_SCSV (a browser's version fallback; RFC 7507).
    #[serde(default)]
    pub fallback: Option<bool>,
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
    /// The hello extensions a browser sends (client) or answers (server),
    /// each on by default; `false` leaves one out.
    #[serde(default)]
    pub extensions: Option<ExtensionsSpec>,
    /// Deliberate faults in what this end sends, for negative tests (the
    /// peer's alert is what is under test).
    #[serde(default)]
    pub misbehave: Option<MisbehaveSpec>,
}

/// Faults a TLS end commits on purpose in its handshake messages; each
/// is traced as a `tls_state` event `misbehaved`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct MisbehaveSpec {
    /// Send a Finished whose verify_data is wrong (one bit flipped): the
    /// peer answers decrypt_error (RFC 8446 §4.4.4, RFC 5246 §7.4.9).
    #[serde(default)]
    pub bad_verify_data: Option<bool>,
    /// Never send the handshake message of this name (`Certificate`,
    /// `ServerKeyExchange`, ...): the peer gets the next one while it
    /// waits for this one, unexpected_message.
    #[serde(default)]
    pub skip: Option<String>,
    /// Send the handshake message of this name before the one sent just
    /// before it (the two swap places): unexpected_message at the peer.
    #[serde(default)]
    pub out_of_order: Option<String>,
}

/// Hello extensions to send or answer (each default true). A client
/// takes all of them; a server answers `renegotiation_info`,
/// `ec_point_formats` and `alpn` when the client sent them.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct ExtensionsSpec {
    /// Client: signature_algorithms (RFC 8446 §4.2.3); a TLS 1.3 server
    /// answers a hello without it (and without a PSK) with
    /// missing_extension.
    #[serde(default)]
    pub signature_algorithms: Option<bool>,
    /// Client: signature_algorithms_cert (RFC 8446 §4.2.3).
    #[serde(default)]
    pub signature_algorithms_cert: Option<bool>,
    /// Client: supported_groups (RFC 8446 §4.2.7, RFC 8422); a TLS 1.3
    /// server answers a hello with a key share but without it with
    /// missing_extension.
    #[serde(default)]
    pub supported_groups: Option<bool>,
    /// ec_point_formats, uncompressed (RFC 8422 §5.1.2; TLS 1.2).
    #[serde(default)]
    pub ec_point_formats: Option<bool>,
    /// An empty renegotiation_info (RFC 5746; TLS 1.2).
    #[serde(default)]
    pub renegotiation_info: Option<bool>,
    /// ALPN with `http/1.1` (RFC 7301).
    #[serde(default)]
    pub alpn: Option<bool>,
    /// Client: status_request, asking for a stapled OCSP response (RFC
    /// 6066 §8; servers here never staple).
    #[serde(default)]
    pub status_request: Option<bool>,
}

/// A ping: `count` echo requests, one every `interval`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
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
    /// When the first request leaves (default `"0s"`), or `{"uniform":
    /// [from, to]}`.
    #[serde(default)]
    pub at: Option<StartSpec>,
    /// No request leaves at or after this time.
    #[serde(default)]
    pub stop: Option<Duration>,
}

/// UDP traffic (RFC 768): a sender (`target`) at a constant bit rate, or
/// on and off as ns-3's `OnOffApplication`; or a sink (`listen`) that
/// counts datagrams, bytes, losses and one-way delay.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct UdpSpec {
    /// Sender: `"node:port"` to send to.
    #[serde(default)]
    pub target: Option<String>,
    /// Sink: the port to receive on.
    #[serde(default)]
    pub listen: Option<u16>,
    /// Sender: the rate while on, in payload bits (required).
    #[serde(default)]
    pub rate: Option<Bandwidth>,
    /// Sender: payload bytes of each datagram (default 1472, which fills a
    /// 1500-byte MTU; at most 65507).
    #[serde(default)]
    pub size: Option<u32>,
    /// Sender: its source port (default: the first port from 49152 that no
    /// other UDP application of the host uses).
    #[serde(default)]
    pub local_port: Option<u16>,
    /// Sender: on and off periods (default: always on, a constant bit
    /// rate).
    #[serde(default)]
    pub on_off: Option<OnOffSpec>,
    /// Sender: when it starts (default `"0s"`), or `{"uniform": [from,
    /// to]}`.
    #[serde(default)]
    pub at: Option<StartSpec>,
    /// Sender: nothing is sent at or after this time.
    #[serde(default)]
    pub stop: Option<Duration>,
}

/// The lengths of a UDP sender's on and off periods. It starts in an on
/// period.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct OnOffSpec {
    /// Each on period's length.
    pub on: PeriodSpec,
    /// Each off period's length.
    pub off: PeriodSpec,
}

/// How a period's length is drawn (a UDP sender's on and off periods from
/// the stream `udp/<host>/<name>/on_off`, an HTTP client's think times
/// from `http/<host>/think`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PeriodSpec {
    /// Always this long.
    Constant(Duration),
    /// Uniformly between the two, both included.
    Uniform([Duration; 2]),
    /// Exponential with this mean.
    Exponential(Duration),
    /// Pareto with a mean and a shape greater than 1.
    Pareto(ParetoSpec),
    /// An empirical distribution: `[duration, cumulative probability]`
    /// points, both ascending, the last probability 1; interpolated
    /// linearly between points.
    Cdf(Vec<(Duration, f64)>),
}

/// When a client opens its next connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReconnectName {
    /// Once the one before is closed in both directions (TIME_WAIT or
    /// CLOSED).
    AfterClose,
    /// As soon as the one before has its last response.
    AfterResponse,
}

/// When an HTTP server closes a connection first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ServerCloseSpec {
    /// Never: the client closes (the default).
    Never,
    /// After every response (`{"after": 1}`).
    Every,
    /// After this many responses on a connection.
    After(u64),
}

/// A server's response sizes: one size or distribution for all, or a
/// list by request on each connection.
#[derive(Debug, Clone)]
pub enum ResponseSpec {
    /// A number of bytes or a distribution, for every response.
    Size(SizeSpec),
    /// The k-th request on a connection gets the k-th size; those past
    /// the end, the last.
    List(Vec<u64>),
}

impl JsonSchema for ResponseSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ResponseSpec".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let s = g.subschema_for::<SizeSpec>();
        schemars::json_schema!({
            "description": "Response body bytes: a whole number, a distribution to draw each from, or a list, one per request on a connection (the last repeats).",
            "anyOf": [s, {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 1}]
        })
    }
}

/// By hand, as [`SizeSpec`]'s, with a list as one more form.
impl<'de> Deserialize<'de> for ResponseSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ResponseSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "a number of bytes, a list of them (one per request), or a distribution \
                     such as {\"exponential\": 20000}",
                )
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ResponseSpec, E> {
                Ok(ResponseSpec::Size(SizeSpec::Bytes(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ResponseSpec, E> {
                u64::try_from(v)
                    .map(|n| ResponseSpec::Size(SizeSpec::Bytes(n)))
                    .map_err(|_| {
                        E::custom(format!("a size of {v} bytes: sizes cannot be negative"))
                    })
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ResponseSpec, E> {
                Err(E::custom(format!("{v} is not a whole number of bytes")))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, m: A) -> Result<ResponseSpec, A::Error> {
                SizeDistSpec::deserialize(de::value::MapAccessDeserializer::new(m))
                    .map(|d| ResponseSpec::Size(SizeSpec::Drawn(d)))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, s: A) -> Result<ResponseSpec, A::Error> {
                Vec::<u64>::deserialize(de::value::SeqAccessDeserializer::new(s))
                    .map(ResponseSpec::List)
            }
        }
        d.deserialize_any(V)
    }
}

/// How a size in bytes is drawn: a number of bytes, or a distribution.
#[derive(Debug, Clone)]
pub enum SizeSpec {
    /// Always this many bytes.
    Bytes(u64),
    /// Drawn for each message.
    Drawn(SizeDistSpec),
}

impl JsonSchema for SizeSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SizeSpec".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let d = g.subschema_for::<SizeDistSpec>();
        schemars::json_schema!({
            "description": "A size in bytes: a whole number, or a distribution to draw each one from.",
            "anyOf": [{"type": "integer", "minimum": 0}, d]
        })
    }
}

/// By hand rather than `untagged`, so that a mistake says what it is (a
/// negative size, an unknown distribution) at its own path.
impl<'de> Deserialize<'de> for SizeSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SizeSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number of bytes, or a distribution such as {\"exponential\": 20000}")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<SizeSpec, E> {
                Ok(SizeSpec::Bytes(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<SizeSpec, E> {
                u64::try_from(v).map(SizeSpec::Bytes).map_err(|_| {
                    E::custom(format!("a size of {v} bytes: sizes cannot be negative"))
                })
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<SizeSpec, E> {
                Err(E::custom(format!("{v} is not a whole number of bytes")))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, m: A) -> Result<SizeSpec, A::Error> {
                SizeDistSpec::deserialize(de::value::MapAccessDeserializer::new(m))
                    .map(SizeSpec::Drawn)
            }
        }
        d.deserialize_any(V)
    }
}

/// A size distribution, in bytes.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SizeDistSpec {
    /// Uniformly between the two, both included.
    Uniform([u64; 2]),
    /// Exponential with this mean.
    Exponential(u64),
    /// Pareto with a mean and a shape greater than 1.
    Pareto(SizeParetoSpec),
    /// An empirical distribution: `[bytes, cumulative probability]`
    /// points, both ascending, the last probability 1; interpolated
    /// linearly between points (the form data-centre workload CDFs come
    /// in).
    Cdf(Vec<(u64, f64)>),
}

/// A Pareto size distribution by its mean and shape.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct SizeParetoSpec {
    /// The mean, bytes.
    pub mean: u64,
    /// The shape (tail index); greater than 1, or the mean is infinite.
    pub shape: f64,
}

/// A Pareto distribution by its mean and shape.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct ParetoSpec {
    /// The mean.
    pub mean: Duration,
    /// The shape (tail index); greater than 1, or the mean is infinite.
    /// ns-3's default is 2.
    pub shape: f64,
}

fn one() -> u32 {
    1
}

super::objects::objects_only!(
    EndpointSpec,
    ObserverSpec,
    MitmSpec,
    DnsServerSpec,
    ZoneRecordSpec,
    SoaSpec,
    DelegationSpec,
    DnsResolverSpec,
    DnsClientSpec,
    SynFloodSpec,
    UdpSpec,
    OnOffSpec,
    ParetoSpec,
    SizeParetoSpec,
    TcpSpec,
    HttpSpec,
    CertificateSpec,
    TlsSpec,
    ExtensionsSpec,
    MisbehaveSpec,
    PingSpec
);
