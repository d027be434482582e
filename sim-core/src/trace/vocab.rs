//! The trace vocabulary: every record kind and every field name, defined
//! once (docs/ARCHITECTURE.md, "One trace vocabulary").
//!
//! Writers (the core, the applications) build records from these names,
//! readers (the reports, the judge) look fields up by them, and the scenario
//! checker uses the same tables to refuse a fault `match` key, a `count`
//! kind or a `count` field that no record can hold. A renamed kind or field
//! is a compile error everywhere at once, and `trace.jsonl` spells each
//! exactly as [`Kind::name`] and [`Field::name`] say.
//!
//! The names are only names: sim-core still knows nothing of TCP or TLS
//! beyond the words their models write.

/// Defines a `Copy` enum whose variants are written as fixed `snake_case`
/// names, with the name table, the reverse lookup and the list of all
/// variants generated from one list so they cannot drift apart.
macro_rules! names {
    ($(#[$meta:meta])* $ty:ident { $($(#[$vmeta:meta])* $var:ident = $name:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $ty {
            $($(#[$vmeta])* $var,)*
        }

        impl $ty {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$var,)*];

            /// The name as written in `trace.jsonl` and scenario files.
            pub const fn name(self) -> &'static str {
                match self {
                    $($ty::$var => $name,)*
                }
            }

            /// The variant written as `name`, if any.
            pub fn from_name(name: &str) -> Option<$ty> {
                match name {
                    $($name => Some($ty::$var),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

names! {
    /// What a trace record is about.
    Kind {
        /// A packet joined a link's queue.
        LinkEnqueue = "link_enqueue",
        /// A packet started onto the wire.
        LinkTransmit = "link_transmit",
        /// A packet reached the far end of a link.
        LinkDeliver = "link_deliver",
        /// A link dropped a packet (queue full, random loss, a fault, down).
        LinkDrop = "link_drop",
        /// A link's queue marked an ECN-capable packet CE instead of
        /// dropping it (RFC 3168 §5).
        LinkMark = "link_mark",
        /// A fault changed a packet in flight.
        LinkTamper = "link_tamper",
        /// A link's parameters changed (a scenario action).
        LinkChange = "link_change",
        /// A crafted packet entered the network.
        PacketInjected = "packet_injected",
        /// An on-path node took over a packet.
        PacketIntercepted = "packet_intercepted",
        /// No route to a packet's destination.
        PacketUnroutable = "packet_unroutable",
        /// A packet reached a node with nothing to take it.
        PacketUnhandled = "packet_unhandled",
        /// An echo request left.
        PingRequest = "ping_request",
        /// An echo reply arrived.
        PingReply = "ping_reply",
        /// A TCP connection changed state.
        TcpState = "tcp_state",
        /// A TCP sender's congestion window or threshold changed.
        TcpCwnd = "tcp_cwnd",
        /// A TCP sender's RTT estimate or timeout changed.
        TcpRtt = "tcp_rtt",
        /// TCP handed bytes to the application.
        TcpDeliver = "tcp_deliver",
        /// TCP discarded a segment.
        TcpDrop = "tcp_drop",
        /// TCP answered with a challenge ACK (RFC 5961).
        TcpChallengeAck = "tcp_challenge_ack",
        /// Something the application saw or did on a connection.
        TcpApp = "tcp_app",
        /// The bytes a segment carried (for the pcap).
        TcpPayload = "tcp_payload",
        /// A TCP segment for no connection or listener.
        TcpUnmatched = "tcp_unmatched",
        /// A UDP datagram for no port in use.
        UdpUnmatched = "udp_unmatched",
        /// A TLS handshake step, alert or session event.
        TlsState = "tls_state",
        /// A TLS record sent or received.
        TlsRecord = "tls_record",
        /// Public-key work on a host's CPU.
        TlsCpu = "tls_cpu",
        /// A DNS lookup step.
        Dns = "dns",
        /// What a man-in-the-middle read.
        MitmRead = "mitm_read",
        /// What a passive observer read.
        Observed = "observed",
    }
}

names! {
    /// A field of a trace record.
    Field {
        /// Packet identity (kept by duplicates).
        Id = "id",
        /// Sending end (of a link, or of a packet for a host).
        From = "from",
        /// Receiving end of a link, or a state entered.
        To = "to",
        /// Packet source.
        Src = "src",
        /// Packet destination.
        Dst = "dst",
        /// Bytes on the wire.
        Size = "size",
        /// The IP header's ECN field (`ect0`, `ect1`, `ce`), written only
        /// for a packet whose sender takes part in ECN.
        Ecn = "ecn",
        /// Bytes queued ahead, packets included.
        Queued = "queued",
        /// Why something happened.
        Reason = "reason",
        /// A duplicate (of a packet, of a ping reply) or a duplication rate.
        Duplicate = "duplicate",
        /// Protocol of a packet (`tcp`, `udp`, `icmp`).
        Proto = "proto",
        /// Source port.
        Sport = "sport",
        /// Destination port.
        Dport = "dport",
        /// TCP flags (`SYN,ACK`).
        Flags = "flags",
        /// Sequence number (TCP, ping).
        Seq = "seq",
        /// Acknowledgment number.
        Ack = "ack",
        /// Payload length.
        Len = "len",
        /// Offset of the segment's data in its stream.
        Off = "off",
        /// Advertised window.
        Wnd = "wnd",
        /// MSS option.
        Mss = "mss",
        /// Window-scale option.
        Wscale = "wscale",
        /// SACK-permitted option (RFC 2018 §2; SYNs only).
        SackOk = "sack_ok",
        /// Timestamps option: TSval (RFC 7323 §3.2).
        Tsval = "tsval",
        /// Timestamps option: TSecr (RFC 7323 §3.2).
        Tsecr = "tsecr",
        /// SACK option: its blocks in the order sent, each `[left, right]`
        /// of wire sequence numbers, right exclusive (RFC 2018 §3).
        Sack = "sack",
        /// A retransmission.
        Rtx = "rtx",
        /// Message kind of a datagram.
        Msg = "msg",
        /// DNS message id.
        DnsId = "dns_id",
        /// A DNS name.
        Name = "name",
        /// DNS response code.
        Rcode = "rcode",
        /// A resolved address.
        Addr = "addr",
        /// DNS time to live.
        Ttl = "ttl",
        /// Bytes, hex-encoded.
        Data = "data",
        /// When a UDP datagram left its sender, ns since the run began
        /// (the stamp the pcap writes into its payload).
        SentNs = "sent_ns",
        /// Link delay.
        DelayNs = "delay_ns",
        /// Link rate.
        RateBps = "rate_bps",
        /// Link loss rate.
        Loss = "loss",
        /// Link jitter.
        JitterNs = "jitter_ns",
        /// Ping target.
        Target = "target",
        /// Round-trip time of one ping.
        RttNs = "rtt_ns",
        /// Local port of a connection.
        Lport = "lport",
        /// Remote node of a connection.
        Peer = "peer",
        /// Remote port of a connection.
        Pport = "pport",
        /// What caused a state change.
        Cause = "cause",
        /// Congestion window.
        Cwnd = "cwnd",
        /// Slow-start threshold.
        Ssthresh = "ssthresh",
        /// Smoothed RTT.
        SrttNs = "srtt_ns",
        /// RTT variation.
        RttvarNs = "rttvar_ns",
        /// Retransmission timeout.
        RtoNs = "rto_ns",
        /// Stream offset of delivered bytes.
        Offset = "offset",
        /// A byte count.
        Bytes = "bytes",
        /// What happened (an application or TLS event).
        Event = "event",
        /// A port.
        Port = "port",
        /// A TLS alert.
        Alert = "alert",
        /// Early data the server allows.
        MaxEarlyData = "max_early_data",
        /// Round trips before the first request.
        RoundTrips = "round_trips",
        /// A session ticket's lifetime or label.
        Ticket = "ticket",
        /// A protocol version.
        Version = "version",
        /// A cipher suite.
        Suite = "suite",
        /// Direction (`send`, `recv`, `c2s`, ...).
        Dir = "dir",
        /// What was read or sent.
        What = "what",
        /// Plaintext bytes of a record.
        Plaintext = "plaintext",
        /// Bytes of a record on the wire.
        Wire = "wire",
        /// RSA private-key operations.
        RsaPrivate = "rsa_private",
        /// RSA public-key operations.
        RsaPublic = "rsa_public",
        /// ECDHE operations.
        Ecdhe = "ecdhe",
        /// CPU time spent.
        BusyNs = "busy_ns",
        /// Time waited for the CPU.
        WaitNs = "wait_ns",
        /// Where a DNS answer came from.
        Source = "source",
        /// Which try of a DNS query.
        Attempt = "attempt",
        /// An HTTP request or status line.
        FirstLine = "first_line",
        /// An HTTP Host header.
        Host = "host",
        /// An HTTP Cookie header.
        Cookie = "cookie",
        /// HTTP header names.
        Headers = "headers",
        /// A certificate's subject.
        Certificate = "certificate",
        /// A certificate's issuer.
        Issuer = "issuer",
        /// A certificate's names.
        Names = "names",
        /// Server name indication.
        Sni = "sni",
        /// Offered versions.
        Versions = "versions",
        /// Offered suites.
        Suites = "suites",
    }
}

use Field::*;

/// Fields every link record starts with.
const LINK_HEAD: &[Field] = &[Id, From, To, Src, Dst, Size];

/// Fields a packet's payload may add to a link or injection record (TCP
/// headers, DNS and ping messages).
pub const PACKET_FIELDS: &[Field] = &[
    Ecn, Proto, Sport, Dport, Flags, Seq, Ack, Len, Off, Wnd, Mss, Wscale, SackOk, Tsval, Tsecr,
    Sack, Rtx, Msg, DnsId, Name, Rcode, Addr, Ttl, Data, SentNs,
];

/// Fields naming a TCP connection from one end.
const CONN: &[Field] = &[Lport, Peer, Pport];

impl Kind {
    /// The fields a record of this kind may carry (beyond `t_ns`, `node`
    /// and `kind`), in the order they are written. Link and injection
    /// records also carry [`PACKET_FIELDS`].
    pub fn own_fields(self) -> (&'static [Field], &'static [Field]) {
        match self {
            Kind::LinkEnqueue => (LINK_HEAD, &[Queued, Duplicate]),
            Kind::LinkTransmit | Kind::LinkDeliver => (LINK_HEAD, &[]),
            Kind::LinkDrop | Kind::LinkMark | Kind::LinkTamper => (LINK_HEAD, &[Reason]),
            Kind::LinkChange => (
                &[From, To, DelayNs, RateBps, Loss, Duplicate, JitterNs],
                &[],
            ),
            Kind::PacketInjected => (&[Id, Src, Dst, Size], &[]),
            Kind::PacketIntercepted => (&[Id, Src, Dst], &[]),
            Kind::PacketUnroutable => (&[Id, Dst, Reason], &[]),
            Kind::PacketUnhandled => (&[Id, Reason], &[]),
            Kind::PingRequest => (&[Target, Seq], &[]),
            Kind::PingReply => (&[From, Seq, RttNs, Duplicate], &[]),
            Kind::TcpState => (CONN, &[From, To, Cause]),
            Kind::TcpCwnd => (CONN, &[Cwnd, Ssthresh]),
            Kind::TcpRtt => (CONN, &[SrttNs, RttvarNs, RtoNs]),
            Kind::TcpDeliver => (CONN, &[Offset, Bytes]),
            Kind::TcpDrop | Kind::TcpChallengeAck => (CONN, &[Reason]),
            Kind::TcpApp => (CONN, &[Reason, Event]),
            Kind::TcpPayload => (&[Id, Bytes, Data], &[]),
            Kind::TcpUnmatched | Kind::UdpUnmatched => (&[From, Port, Reason], &[]),
            Kind::TlsState => (
                CONN,
                &[
                    Event,
                    Alert,
                    Reason,
                    MaxEarlyData,
                    RoundTrips,
                    Ticket,
                    Version,
                    Suite,
                ],
            ),
            Kind::TlsRecord => (CONN, &[Dir, What, Plaintext, Wire, Off]),
            Kind::TlsCpu => (CONN, &[RsaPrivate, RsaPublic, Ecdhe, BusyNs, WaitNs]),
            Kind::Dns => (&[Event, Name, Addr, Source, Attempt, Reason], &[]),
            Kind::MitmRead => (&[Dir, Bytes, FirstLine, Cookie, Headers], &[]),
            Kind::Observed => (
                &[Src, Sport, Dst, Dport, What, Bytes],
                &[
                    Alert,
                    Certificate,
                    Issuer,
                    Names,
                    FirstLine,
                    Host,
                    Cookie,
                    Sni,
                    Versions,
                    Suites,
                    Version,
                    Suite,
                ],
            ),
        }
    }

    /// Whether a record of this kind carries a packet's own fields.
    pub fn carries_packet(self) -> bool {
        matches!(
            self,
            Kind::LinkEnqueue
                | Kind::LinkTransmit
                | Kind::LinkDeliver
                | Kind::LinkDrop
                | Kind::LinkMark
                | Kind::LinkTamper
                | Kind::PacketInjected
        )
    }

    /// Whether a record of this kind may carry `field`.
    pub fn has_field(self, field: Field) -> bool {
        let (head, rest) = self.own_fields();
        head.contains(&field)
            || rest.contains(&field)
            || (self.carries_packet() && PACKET_FIELDS.contains(&field))
    }

    /// Every field a record of this kind may carry, in a fixed order.
    pub fn fields(self) -> Vec<Field> {
        let (head, rest) = self.own_fields();
        let mut all: Vec<Field> = head.iter().chain(rest).copied().collect();
        if self.carries_packet() {
            for f in PACKET_FIELDS {
                if !all.contains(f) {
                    all.push(*f);
                }
            }
        }
        all
    }
}

/// The fields a fault rule may match: a packet's addresses and size, and
/// what its payload carries (as its `link_transmit` record shows them).
pub fn fault_match_fields() -> Vec<Field> {
    let mut all = vec![Src, Dst, Size];
    all.extend_from_slice(PACKET_FIELDS);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_name(k.name()), Some(*k));
        }
        for f in Field::ALL {
            assert_eq!(Field::from_name(f.name()), Some(*f));
        }
        assert_eq!(Kind::from_name("link_xmit"), None);
    }

    #[test]
    fn names_are_unique() {
        let mut kinds: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
        kinds.sort();
        kinds.dedup();
        assert_eq!(kinds.len(), Kind::ALL.len());
        let mut fields: Vec<_> = Field::ALL.iter().map(|f| f.name()).collect();
        fields.sort();
        fields.dedup();
        assert_eq!(fields.len(), Field::ALL.len());
    }

    #[test]
    fn link_records_carry_packet_fields() {
        assert!(Kind::LinkTransmit.has_field(Field::Seq));
        assert!(Kind::LinkDrop.has_field(Field::Reason));
        assert!(!Kind::LinkTransmit.has_field(Field::Reason));
        assert!(!Kind::TcpState.has_field(Field::Seq));
        assert!(fault_match_fields().contains(&Field::Flags));
    }
}
