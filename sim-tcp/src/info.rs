//! A view of a connection in the shape of Linux's `struct tcp_info`
//! (`getsockopt(TCP_INFO)`): what packetdrill scripts assert on.
//!
//! The fields keep Linux's units (segments for windows and counts,
//! microseconds for times) so a script's `tcpi_snd_cwnd == 10` reads the
//! same against the model as against a kernel. Where the model keeps no
//! such quantity the field is derived (see each field).

/// Linux's congestion-avoidance states (`enum tcp_ca_state`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CaState {
    /// Nothing unusual.
    Open = 0,
    /// Duplicate ACKs or SACKs seen, no recovery yet.
    Disorder = 1,
    /// Reducing the window for an ECN-Echo.
    Cwr = 2,
    /// Fast recovery.
    Recovery = 3,
    /// Recovering from a retransmission timeout.
    Loss = 4,
}

/// The `tcp_info` fields the model can fill.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TcpInfo {
    /// `tcpi_state`: Linux's numbering of the connection state.
    pub state: u8,
    /// `tcpi_ca_state`.
    pub ca_state: CaState,
    /// `tcpi_retransmits`: consecutive timeouts of the current segment.
    pub retransmits: u32,
    /// `tcpi_rto`, microseconds.
    pub rto_us: u64,
    /// `tcpi_snd_mss`.
    pub snd_mss: u32,
    /// `tcpi_rcv_mss`.
    pub rcv_mss: u32,
    /// `tcpi_unacked`: segments sent and not yet acknowledged.
    pub unacked: u32,
    /// `tcpi_sacked`: segments SACKed.
    pub sacked: u32,
    /// `tcpi_lost`: segments marked lost.
    pub lost: u32,
    /// `tcpi_rtt`, microseconds (0 before a sample).
    pub rtt_us: u64,
    /// `tcpi_rttvar`, microseconds.
    pub rttvar_us: u64,
    /// `tcpi_snd_ssthresh`, segments (Linux's `TCP_INFINITE_SSTHRESH`
    /// before the first reduction).
    pub snd_ssthresh: u32,
    /// `tcpi_snd_cwnd`, segments.
    pub snd_cwnd: u32,
    /// `tcpi_total_retrans`.
    pub total_retrans: u64,
    /// `tcpi_options` bits: 1 timestamps, 2 SACK, 4 window scaling, 8 ECN.
    pub options: u8,
    /// `tcpi_snd_wscale`.
    pub snd_wscale: u8,
    /// `tcpi_rcv_wscale`.
    pub rcv_wscale: u8,
    /// `tcpi_bytes_acked`.
    pub bytes_acked: u64,
    /// `tcpi_bytes_received`.
    pub bytes_received: u64,
    /// `tcpi_segs_out`.
    pub segs_out: u64,
    /// `tcpi_segs_in`.
    pub segs_in: u64,
    /// `tcpi_snd_wnd`: the peer's window, bytes.
    pub snd_wnd: u32,
    /// `tcpi_retrans`: segments retransmitted and not yet acknowledged or
    /// SACKed.
    pub retrans: u32,
    /// `tcpi_reordering`: Linux's degree of reordering in segments, from
    /// SACKs of data never retransmitted below the highest SACK
    /// (`reordering.rs`; 3 to start with).
    pub reordering: u32,
    /// `tcpi_reord_seen`: ACKs that showed such reordering.
    pub reord_seen: u32,
    /// `tcpi_advmss`: the MSS we announce.
    pub advmss: u32,
    /// `tcpi_last_data_recv`, milliseconds; only
    /// [`tcp_info_at`](crate::conn::Connection::tcp_info_at) fills it (0
    /// otherwise).
    pub last_data_recv_ms: u32,
    /// `tcpi_busy_time`, microseconds; only `tcp_info_at` fills it.
    pub busy_time_us: u64,
    /// `tcpi_rwnd_limited`, microseconds; only `tcp_info_at` fills it.
    pub rwnd_limited_us: u64,
}

/// Linux's `TCP_INFINITE_SSTHRESH`.
pub const INFINITE_SSTHRESH: u32 = 0x7fff_ffff;
