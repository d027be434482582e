//! One TCP connection as a sans-IO state machine.
//!
//! # Contract
//!
//! A [`Connection`] never reads a clock and never sends anything itself.
//!
//! - Inputs, each with the current time: [`handle_segment`] (a segment for
//!   this connection arrived), [`handle_timeout`] (the deadline from
//!   [`next_timeout`] has come), and the application's calls [`send`],
//!   [`read`], [`close`] and [`abort`].
//! - Outputs, to poll after every input: [`poll_transmit`] for segments to
//!   put on the wire (in order), [`poll_event`] for what the application and
//!   the trace should learn (state changes with their cause, data delivered,
//!   RTT and window updates), and [`next_timeout`] for when it next needs
//!   waking.
//!
//! Segment processing follows RFC 9293 §3.10.7 in its order: sequence
//! number check, RST, SYN, ACK, text, FIN, with RFC 5961's challenge ACKs.
//! Retransmission timing follows RFC 6298, congestion control RFC 5681 with
//! the RFC 6582 fast-recovery changes.
//!
//! Sequence space is tracked as absolute 64-bit indices (index 0 is the SYN,
//! data byte `k` is index `k + 1`), converted to 32-bit sequence numbers only
//! on the wire, so long transfers never confuse wraparound with progress.
//!
//! [`handle_segment`]: Connection::handle_segment
//! [`handle_timeout`]: Connection::handle_timeout
//! [`next_timeout`]: Connection::next_timeout
//! [`send`]: Connection::send
//! [`read`]: Connection::read
//! [`close`]: Connection::close
//! [`abort`]: Connection::abort
//! [`poll_transmit`]: Connection::poll_transmit
//! [`poll_event`]: Connection::poll_event

use std::collections::VecDeque;
use std::sync::Arc;

use sim_core::{Ecn, SimDuration, SimTime};

use crate::autotune::RcvAutotune;
use crate::config::{
    Answers, CongestionKind, CwndUnit, IdleRestart, InitialWindow, NagleRule, PushRule, RackRtt,
    SockOpt, TcpConfig, WindowUpdate,
};
use crate::congestion::{
    AckInfo, Bbr, CongestionControl, Cubic, Dctcp, NewReno, RateInfo, Reno, Vegas,
};
use crate::ecn::{Arrival, EcnState};
use crate::pacing::{self, Pacer};
use crate::rate::{RateEstimator, RateSample, TxSnapshot};
use crate::reassembly::Reassembly;
use crate::rtt::RttEstimator;
use crate::scoreboard::{Acked, Scoreboard, rack_sent_after};
use crate::segment::{Data, Flags, SackBlocks, Segment, Timestamps};
use crate::seq::SeqNum;
use crate::spurious::Episode;
use crate::state::State;

/// MSS assumed when the peer sends none (RFC 9293 §3.7.1, IPv4).
pub const DEFAULT_MSS: u16 = 536;

/// Largest window scale shift (RFC 7323 §2.3).
const MAX_WSCALE: u8 = 14;

/// Bytes the timestamps option takes from every segment (RFC 7323 §3.2,
/// with its two NOPs).
const TS_OPTION_LEN: u32 = 12;

/// Duplicate ACKs (or SACKed segments above a hole) that signal a loss
/// (RFC 5681 §3.2, RFC 6675 §2 DupThresh).
const DUPTHRESH: u32 = 3;

/// RACK state (RFC 8985 §6.1).
#[derive(Clone, Copy, Debug, Default)]
struct Rack {
    /// Send time and end of the most recently sent segment delivered
    /// (`RACK.xmit_ts`, `RACK.end_seq`).
    xmit: Option<(SimTime, u64)>,
    /// `RACK.rtt`: the RTT of that segment.
    rtt: SimDuration,
    /// `RACK.min_RTT`: the smallest RTT sample seen.
    min_rtt: Option<SimDuration>,
}

/// The worst-case delayed-ACK time a probe of a lone segment waits for
/// (RFC 8985 §7.2, `WCDelAckT`).
const WC_DEL_ACK: SimDuration = SimDuration::from_millis(200);

/// What an ACK's SACK option told (RFC 2018, RFC 2883).
#[derive(Clone, Copy, Debug, Default)]
struct SackNews {
    /// Bytes newly SACKed.
    bytes: u64,
    /// Send time of the oldest newly SACKed segment never retransmitted:
    /// an RTT sample (Linux's `first_sackt`).
    first_sent: Option<SimTime>,
    /// The first block was a D-SACK.
    dsack: bool,
}

/// Proportional Rate Reduction's state during one recovery (RFC 9937).
#[derive(Clone, Copy, Debug, Default)]
struct Prr {
    /// Bytes delivered to the peer since recovery began.
    delivered: u64,
    /// Bytes sent since recovery began.
    out: u64,
    /// FlightSize when recovery began.
    recover_fs: u64,
    /// What this ACK lets the sender send (`sndcnt`), less what it sent.
    allowed: u64,
}

/// What the connection tells its application and the trace.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The state changed, and why (`rcv SYN,ACK`, `close`, `timeout`...).
    StateChange {
        /// Old state.
        from: State,
        /// New state.
        to: State,
        /// What caused it.
        cause: &'static str,
    },
    /// The handshake completed.
    Connected,
    /// In-order data for the application.
    Delivered(Data),
    /// The peer's FIN arrived in order: it will send no more.
    PeerClosed,
    /// The peer reset the connection.
    Reset,
    /// An active open failed (`refused` by RST, or `timeout`).
    ConnectFailed(&'static str),
    /// Retransmissions were exhausted; the connection was dropped.
    TimedOut,
    /// The connection reached CLOSED and can be forgotten.
    Closed,
    /// New data was acknowledged (bytes).
    Acked(u64),
    /// A new RTT sample changed the estimator.
    Rtt {
        /// The sample itself, before smoothing (what a per-flow RTT mean
        /// or percentile is taken over).
        sample: SimDuration,
        /// Smoothed RTT.
        srtt: SimDuration,
        /// RTT variation.
        rttvar: SimDuration,
        /// Retransmission timeout.
        rto: SimDuration,
    },
    /// The congestion window or threshold changed.
    Cwnd {
        /// Congestion window, bytes.
        cwnd: u32,
        /// Slow-start threshold, bytes.
        ssthresh: u32,
    },
    /// A segment was answered with a challenge ACK (RFC 5961).
    ChallengeAck(&'static str),
    /// A segment was dropped by the rules of RFC 9293, and why.
    Dropped(&'static str),
}

/// A segment to send, and whether it repeats data already sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Transmit {
    /// The segment.
    pub seg: Segment,
    /// True for a retransmission (of a SYN, data or FIN).
    pub retransmission: bool,
}

/// How a write is to be sent (the flags of `send`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteFlags {
    /// `MSG_EOR`: the write ends a record (`records.rs`).
    pub eor: bool,
    /// `MSG_MORE`: more follows. As Linux's `tcp_push`, the write's end is
    /// not pushed (no PSH) and a short segment it leaves is held as under
    /// `TCP_CORK`, until a later write, an ACK or a timeout sends it.
    pub more: bool,
}

/// Counters for the run summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnStats {
    /// Segments sent, retransmissions included.
    pub segments_sent: u64,
    /// Segments retransmitted.
    pub retransmissions: u64,
    /// Data bytes in segments sent, retransmissions included (SYN and FIN
    /// take sequence space but carry no data byte).
    pub bytes_sent: u64,
    /// Retransmission timeouts.
    pub timeouts: u64,
    /// Fast retransmits: loss recoveries entered on duplicate ACKs or SACK
    /// information.
    pub fast_retransmits: u64,
    /// Segments RACK deemed lost (RFC 8985 §6.2 step 5), retransmissions
    /// included.
    pub rack_losses: u64,
    /// Tail loss probes sent (RFC 8985 §7.3).
    pub tlp_probes: u64,
    /// Fast retransmits and timeouts found unneeded afterwards
    /// (`crate::spurious`).
    pub spurious_recoveries: u64,
    /// Rescue retransmissions (RFC 6675 §4, `NextSeg` rule 4).
    pub rescue_retransmissions: u64,
    /// D-SACK blocks received: the peer got a segment twice (RFC 2883),
    /// from a spurious retransmission or a duplicating network.
    pub dsacks_received: u64,
    /// Segments dropped by PAWS (RFC 7323 §5).
    pub paws_drops: u64,
    /// Application bytes acknowledged by the peer.
    pub bytes_acked: u64,
    /// Application bytes delivered in order to our application.
    pub bytes_delivered: u64,
    /// Segments received.
    pub segments_received: u64,
    /// Data segments received marked CE (RFC 3168 §6.1.3).
    pub ce_received: u64,
    /// Window reductions for ECN-Echo (RFC 3168 §6.1.2).
    pub ecn_reductions: u64,
}

/// What a SYN carried besides SYN: its text and whether it had a FIN.
#[derive(Clone, Copy, Debug, PartialEq)]
struct SynRest {
    data: Data,
    fin: bool,
}

/// One TCP connection (a TCB, RFC 9293 §3.3.1).
#[derive(Debug)]
pub struct Connection {
    /// Shared by every connection of a listener or stack: one copy, not one
    /// per connection (a million half-open connections must fit in memory).
    cfg: Arc<TcpConfig>,
    state: State,
    local_port: u16,
    remote_port: u16,
    /// Opened from LISTEN (a RST in SYN_RCVD returns there).
    passive: bool,
    /// The application closed while in SYN_RCVD; FIN follows ESTABLISHED.
    close_after_open: bool,
    /// The application will read no more ([`Connection::shut_read`]).
    read_shut: bool,

    // Send sequence space (indices from ISS).
    iss: SeqNum,
    snd_una: u64,
    snd_nxt: u64,
    /// One past the highest index ever sent.
    snd_max: u64,
    /// One past the last segment shorter than an MSS sent as new data
    /// (Linux's `snd_sml`, for Minshall's Nagle rule).
    snd_sml: u64,
    snd_wnd: u32,
    snd_wl1: SeqNum,
    snd_wl2: SeqNum,
    max_snd_wnd: u32,
    snd_wscale: u8,
    rcv_wscale: u8,
    /// The peer's SYN offered window scaling.
    peer_wscale: bool,
    /// Bytes the application has written.
    written: u64,
    /// Where the writes ended, for PSH under [`PushRule::Writes`].
    push: crate::push::PushMarks,
    /// Where `MSG_EOR` writes ended: no segment crosses one (`records.rs`).
    records: crate::records::Records,
    /// Where the last buffer of Linux's send queue starts, for
    /// [`Connection::send_limited`].
    sendq_tail: u64,
    /// `TCP_CORK`: short segments wait (Linux's `TCP_NAGLE_CORK`).
    cork: bool,
    /// The write being sent had `MSG_MORE`: short segments wait.
    more: bool,
    /// Send a short segment whatever Nagle or the cork say, for the send
    /// attempt in progress (Linux's `TCP_NAGLE_PUSH` on setting
    /// `TCP_NODELAY`, or removing the cork with it set).
    push_once: bool,
    /// Busy and window-limited time, for `tcp_info` (`chrono.rs`).
    chrono: crate::chrono::Chrono,
    /// When the connection reached ESTABLISHED: Linux's `lrcvtime`
    /// before any data arrived.
    established_at: Option<SimTime>,
    /// The TSO chunk new data is being sent in (`tso.rs`).
    chunk: crate::tso::Chunk,
    /// How much of its window the sender used (`cwnd_limited_growth`).
    cwnd_use: crate::cwnd_use::CwndUse,
    fin_queued: bool,
    eff_mss: u32,

    // Receive sequence space (indices from IRS).
    irs: SeqNum,
    rcv_nxt: u64,
    /// Right edge of the window last advertised.
    rcv_adv: u64,
    /// Bytes delivered but not yet read by the application.
    unread: u64,
    auto_read: bool,
    /// The receive buffer: the largest window we advertise now
    /// (`cfg.rcv_buf`, grown by `autotune`).
    rcv_buf: u32,
    /// Receive-buffer autotuning, if on (`cfg.rcv_buf_max`).
    autotune: Option<RcvAutotune>,
    /// TSecr of the segment being processed, for the receiver's RTT.
    rcv_tsecr: Option<u32>,
    fin_received: bool,
    ooo: Reassembly,
    /// Index of a FIN seen beyond a gap.
    ooo_fin: Option<u64>,
    /// Text and FIN that came on the peer's SYN, held until ESTABLISHED
    /// (RFC 9293 §3.10.7.2 and §3.10.7.3: "queue them for processing after
    /// the ESTABLISHED state has been reached").
    syn_rest: Option<SynRest>,
    /// TCP Fast Open (RFC 7413): the option our SYN carries, SYN data.
    fo: crate::fastopen::FoConn,

    // Timers.
    rtx_deadline: Option<SimTime>,
    persist_deadline: Option<SimTime>,
    persist_backoff: u32,
    /// The index of a byte sent only as a zero-window probe: sending it
    /// again with the data after it is not a retransmission.
    probed: Option<u64>,
    delack_deadline: Option<SimTime>,
    timewait_deadline: Option<SimTime>,
    finwait2_deadline: Option<SimTime>,
    /// Consecutive retransmission timeouts without progress.
    retries: u32,
    /// When data was last sent (Linux's `lsndtime`), for the restart
    /// after idle (`idle.rs`).
    last_data_sent: Option<SimTime>,
    /// When the first retransmission of the data now outstanding was
    /// sent, and SND.MAX then (Linux's `retrans_stamp`): the user timeout
    /// runs from it.
    rtx_stamp: Option<(SimTime, u64)>,
    /// When the persist timer first fired on the zero window now probed
    /// (Linux's `icsk_probes_tstamp`): the user timeout runs from it.
    probe_stamp: Option<SimTime>,
    syn_timed_out: bool,

    // RTT and congestion.
    rtt: RttEstimator,
    /// (index that must be acknowledged, time sent) of the timed segment.
    timed: Option<(u64, SimTime)>,
    cc: Box<dyn CongestionControl>,
    dupacks: u32,
    /// Bytes sent beyond cwnd by limited transmit since the last new ACK;
    /// they are left out of FlightSize when ssthresh is set (RFC 5681 §3.2
    /// step 2).
    limited_sent: u64,
    in_recovery: bool,
    /// The latest loss episode, while its retransmissions may yet prove
    /// unneeded.
    episode: Option<Episode>,
    /// The highest index sent (`snd_max - 1`) when recovery or the last
    /// timeout began: RFC 6582's `recover`, "the highest sequence number
    /// transmitted", not one past it. Starts at the ISS (index 0), §3.2
    /// step 1.
    recover: u64,
    first_partial: bool,

    // ACK policy.
    ack_now: bool,
    bytes_since_ack: u64,
    /// Quick ACKs left to send (`quick_ack`; Linux's `icsk_ack.quick`).
    quick_acks: u32,
    /// When in-order data last arrived (Linux's `lrcvtime`); `None` before
    /// the first.
    last_data_at: Option<SimTime>,
    /// The largest segment received so far, at least 536 bytes (Linux's
    /// `rcv_mss` estimate of the peer's MSS).
    rcv_mss: u32,

    // Options agreed in the handshake.
    /// Both SYNs carried SACK-permitted (RFC 2018 §2).
    sack_on: bool,
    /// Both SYNs carried timestamps (RFC 7323 §3.2).
    ts_on: bool,
    /// The peer's SYN offered SACK (a SYN,ACK answers only what was
    /// offered).
    peer_sack_ok: bool,
    /// The time of the input being handled: TSval and the scoreboard's
    /// send times read it.
    clock: SimTime,
    /// TS.Recent (RFC 7323 §4.3).
    ts_recent: u32,
    /// Last.ACK.sent, as an index (RFC 7323 §4.3).
    last_ack_sent: u64,

    // SACK, receiving side (RFC 2018 §4).
    /// An index inside each block reported, the most recent first.
    sack_recent: Vec<u64>,
    /// A duplicate to report first in the next ACK (RFC 2883 §4).
    dsack: Option<(u64, u64)>,

    // SACK, sending side (RFC 6675).
    board: Scoreboard,
    /// HighRxt: one past the highest index retransmitted in this recovery.
    high_rxt: u64,
    /// RescueRxt: `recover` when the rescue retransmission was sent.
    rescue_rxt: Option<u64>,
    prr: Prr,

    // RACK-TLP (RFC 8985).
    rack: Rack,
    /// RACK's reordering timer (§6.2 step 6).
    reo_deadline: Option<SimTime>,
    /// The probe timeout (§7.2).
    tlp_deadline: Option<SimTime>,
    /// Reconsider the probe timer at the end of this input (new data was
    /// sent or SND.UNA advanced).
    tlp_rearm: bool,
    /// `TLP.end_seq` of the probe outstanding, and whether it was a
    /// retransmission (`TLP.is_retrans`).
    tlp_end: Option<(u64, bool)>,

    /// ECN (RFC 3168, and DCTCP's receiver).
    ecn: EcnState,
    /// In Linux's CWR state: an ECN-Echo set ssthresh and PRR brings cwnd
    /// down to it over the round trip (`tcp_cwnd_reduction`), without
    /// growth, until data beyond the reduced window is acknowledged.
    cwr: bool,
    // Pacing and delivery-rate sampling (`pacing.rs`, `rate.rs`).
    /// The congestion control is model-based (BBR): the delivery rate is
    /// sampled. Set with `cc`, so the per-segment paths test a flag.
    model_based: bool,
    /// Data is paced: the algorithm's own rate, or `pacing` on.
    paces: bool,
    rate: RateEstimator,
    pacer: Pacer,
    /// Data waits for the pacer's release time.
    pace_deadline: Option<SimTime>,

    out: VecDeque<Transmit>,
    events: VecDeque<Event>,
    stats: ConnStats,
}

fn new_cc(
    cfg: &TcpConfig,
    initial_window: u32,
    smss: u32,
    iss: SeqNum,
) -> Box<dyn CongestionControl> {
    match cfg.congestion {
        CongestionKind::Bbr => Box::new(Bbr::new(initial_window, smss, u64::from(iss.0))),
        CongestionKind::Reno => Box::new(Reno::new(initial_window)),
        CongestionKind::NewReno => Box::new(NewReno::new(initial_window)),
        CongestionKind::Cubic => Box::new(Cubic::new(initial_window, smss, cfg.hystart)),
        CongestionKind::Dctcp => Box::new(Dctcp::new(initial_window)),
        CongestionKind::Vegas => Box::new(Vegas::new(initial_window)),
    }
}

fn wscale_for(buf: u32) -> u8 {
    let mut s = 0;
    while s < MAX_WSCALE && (buf >> s) > 65_535 {
        s += 1;
    }
    s
}

impl Connection {
    fn blank(cfg: Arc<TcpConfig>, local_port: u16, remote_port: u16, iss: SeqNum) -> Self {
        let rtt = RttEstimator::new(
            cfg.initial_rto,
            cfg.min_rto,
            cfg.max_rto,
            cfg.clock_granularity,
        )
        .with_formula(cfg.rto_formula);
        let eff_mss = u32::from(DEFAULT_MSS);
        let cc = new_cc(&cfg, eff_mss, eff_mss, iss);
        let model_based = cc.model_based();
        Connection {
            state: State::Closed,
            local_port,
            remote_port,
            passive: false,
            close_after_open: false,
            read_shut: false,
            iss,
            snd_una: 0,
            snd_nxt: 0,
            snd_max: 0,
            snd_sml: 0,
            snd_wnd: 0,
            snd_wl1: SeqNum(0),
            snd_wl2: SeqNum(0),
            max_snd_wnd: 0,
            snd_wscale: 0,
            rcv_wscale: 0,
            peer_wscale: false,
            written: 0,
            push: crate::push::PushMarks::default(),
            records: crate::records::Records::default(),
            sendq_tail: 0,
            chrono: crate::chrono::Chrono::default(),
            cork: false,
            more: false,
            push_once: false,
            established_at: None,
            chunk: crate::tso::Chunk::default(),
            cwnd_use: crate::cwnd_use::CwndUse::default(),
            fin_queued: false,
            eff_mss,
            irs: SeqNum(0),
            rcv_nxt: 0,
            rcv_adv: 0,
            unread: 0,
            auto_read: true,
            rcv_buf: cfg.rcv_buf,
            autotune: cfg.rcv_buf_max.map(RcvAutotune::new),
            rcv_tsecr: None,
            fin_received: false,
            ooo: Reassembly::new(),
            ooo_fin: None,
            syn_rest: None,
            fo: crate::fastopen::FoConn::default(),
            rtx_deadline: None,
            persist_deadline: None,
            persist_backoff: 0,
            probed: None,
            delack_deadline: None,
            timewait_deadline: None,
            finwait2_deadline: None,
            retries: 0,
            last_data_sent: None,
            rtx_stamp: None,
            probe_stamp: None,
            syn_timed_out: false,
            rtt,
            timed: None,
            cc,
            dupacks: 0,
            limited_sent: 0,
            in_recovery: false,
            recover: 0,
            first_partial: false,
            episode: None,
            ack_now: false,
            bytes_since_ack: 0,
            quick_acks: 0,
            last_data_at: None,
            rcv_mss: u32::from(cfg.mss.min(536)),
            sack_on: false,
            ts_on: false,
            peer_sack_ok: false,
            clock: SimTime::ZERO,
            ts_recent: 0,
            last_ack_sent: 0,
            sack_recent: Vec::new(),
            dsack: None,
            board: Scoreboard::default(),
            high_rxt: 0,
            rescue_rxt: None,
            prr: Prr::default(),
            rack: Rack::default(),
            reo_deadline: None,
            tlp_deadline: None,
            tlp_rearm: false,
            tlp_end: None,
            ecn: EcnState::default(),
            cwr: false,
            model_based,
            paces: model_based || cfg.pacing,
            rate: RateEstimator::default(),
            pacer: Pacer::default(),
            pace_deadline: None,
            out: VecDeque::new(),
            events: VecDeque::new(),
            stats: ConnStats::default(),
            cfg,
        }
    }

    /// Active open (RFC 9293 §3.10.1): sends a SYN with `iss`.
    pub fn connect(
        cfg: impl Into<Arc<TcpConfig>>,
        now: SimTime,
        local_port: u16,
        remote_port: u16,
        iss: SeqNum,
    ) -> Self {
        let mut c = Connection::opening(cfg.into(), now, local_port, remote_port, iss);
        c.set_state(State::SynSent, "connect");
        c.transmit(now);
        c
    }

    /// A connection about to send its SYN: the clock and the window scale
    /// it will offer.
    fn opening(
        cfg: Arc<TcpConfig>,
        now: SimTime,
        local_port: u16,
        remote_port: u16,
        iss: SeqNum,
    ) -> Self {
        let mut c = Connection::blank(cfg, local_port, remote_port, iss);
        c.clock = now;
        c.rcv_wscale = if c.cfg.window_scaling {
            wscale_for(c.cfg.wscale_space())
        } else {
            0
        };
        c
    }

    /// Active open with TCP Fast Open (RFC 7413 §4.2.1): `bytes` written
    /// before the SYN, of which the SYN carries up to `fo.syn_data` with
    /// `fo.syn_option` (a cookie, or an empty option asking for one).
    pub fn connect_fast_open(
        cfg: impl Into<Arc<TcpConfig>>,
        now: SimTime,
        local_port: u16,
        remote_port: u16,
        iss: SeqNum,
        fo: crate::fastopen::FoConn,
        bytes: u64,
    ) -> Self {
        let mut c = Connection::opening(cfg.into(), now, local_port, remote_port, iss);
        c.fo = fo;
        c.fo.syn_data = fo.syn_data.min(bytes.min(u64::from(u32::MAX)) as u32);
        c.written = bytes;
        if bytes > 0 && c.cfg.push == PushRule::Writes {
            c.push.wrote(1 + bytes);
        }
        c.set_state(State::SynSent, "connect (Fast Open)");
        c.transmit(now);
        c
    }

    /// Whether this is a server connection made by a Fast Open SYN (it
    /// can be accepted before the handshake ends, Linux's
    /// `tcp_fastopen_create_child`).
    pub fn is_fast_open_child(&self) -> bool {
        self.fo.child
    }

    /// Bytes of data our SYN carries (Fast Open client).
    pub fn fast_open_syn_data(&self) -> u32 {
        self.fo.syn_data
    }

    /// The encoding of the cookie request our SYN made, if it was a bare
    /// request (no data) sent once.
    pub fn fast_open_request(&self) -> Option<crate::fastopen::FoKind> {
        let o = self.fo.syn_option?;
        (o.len == 0 && self.fo.syn_data == 0 && !self.syn_timed_out).then_some(o.kind)
    }

    /// Our SYN used Fast Open: asked for a cookie, or carried one or data.
    pub fn used_fast_open(&self) -> bool {
        self.fo.syn_option.is_some() || self.fo.syn_data > 0
    }

    /// Passive open: a listener received `syn` (RFC 9293 §3.10.7.2, third
    /// check) and answers with a SYN,ACK from `iss`. Returns `None` if
    /// `syn` is not a bare SYN, which a listener must not accept.
    pub fn accept(
        cfg: impl Into<Arc<TcpConfig>>,
        now: SimTime,
        local_port: u16,
        remote_port: u16,
        iss: SeqNum,
        syn: &Segment,
    ) -> Option<Self> {
        let fo = crate::fastopen::FoConn::default();
        Self::accept_fast_open(cfg, now, local_port, remote_port, iss, syn, fo)
    }

    /// Passive open as [`accept`](Self::accept), with the listener's Fast
    /// Open answer `fo` (`stack.rs` decides it): the option for the
    /// SYN,ACK, and whether the SYN's data is taken now (`fo.child`).
    pub fn accept_fast_open(
        cfg: impl Into<Arc<TcpConfig>>,
        now: SimTime,
        local_port: u16,
        remote_port: u16,
        iss: SeqNum,
        syn: &Segment,
        fo: crate::fastopen::FoConn,
    ) -> Option<Self> {
        if !syn.has(Flags::SYN) || syn.has(Flags::ACK) || syn.has(Flags::RST) {
            return None;
        }
        let mut c = Connection::blank(cfg.into(), local_port, remote_port, iss);
        c.clock = now;
        c.passive = true;
        c.state = State::Listen;
        c.take_peer_syn(syn);
        c.snd_wnd = u32::from(syn.wnd);
        c.max_snd_wnd = c.snd_wnd;
        c.snd_wl1 = syn.seq;
        // RFC 9293 §3.10.7.2: "any other control or text should be queued
        // for processing later"; the SYN,ACK acknowledges only the SYN.
        c.fo = fo;
        c.queue_syn_rest(syn);
        if fo.child {
            // RFC 7413 §4.2.2: a valid cookie lets the server take the
            // SYN's data now and acknowledge it on the SYN,ACK (Linux's
            // `tcp_fastopen_create_child`); a FIN on it waits.
            c.set_state(State::SynRcvd, "rcv SYN with Fast Open cookie");
            if let Some(rest) = c.syn_rest.as_mut()
                && rest.data.len > 0
            {
                let data = rest.data;
                rest.data.len = 0;
                c.receive_data(now, 1, data);
                c.fo.syn_data_acked = true;
                // The SYN,ACK offers the whole initial window beyond the
                // data it acknowledges (Linux's `rsk_rcv_wnd`, counted from
                // the child's RCV.NXT): the data does not shrink it.
                c.rcv_adv = c.rcv_adv.max(c.rcv_nxt + u64::from(c.rcv_buf));
            }
            c.transmit(now);
            return Some(c);
        }
        if c.cfg.two_way_handshake {
            // The teaching contrast: established on the SYN alone. Its
            // SYN,ACK expects no acknowledgment.
            c.set_state(State::Established, "rcv SYN (two-way handshake)");
            c.emit(0, 0, true, false);
            c.snd_una = 1;
            c.snd_nxt = 1;
            c.events.push_back(Event::Connected);
            c.process_syn_rest(now);
            return Some(c);
        }
        c.set_state(State::SynRcvd, "rcv SYN");
        c.transmit(now);
        Some(c)
    }

    /// Rebuilds a connection from a valid SYN cookie: as if in SYN_RCVD
    /// with our SYN,ACK (ISS = the cookie) sent, so that the ACK carrying the
    /// cookie, fed next, completes the handshake. The SYN's window scale
    /// option did not survive.
    pub fn from_cookie(
        cfg: impl Into<Arc<TcpConfig>>,
        local_port: u16,
        remote_port: u16,
        iss: SeqNum,
        peer_isn: SeqNum,
        mss: u16,
    ) -> Self {
        let mut c = Connection::blank(cfg.into(), local_port, remote_port, iss);
        c.passive = true;
        c.state = State::Listen;
        let syn = Segment {
            src_port: remote_port,
            dst_port: local_port,
            seq: peer_isn,
            flags: Flags::SYN,
            mss: Some(mss),
            ..Segment::default()
        };
        c.take_peer_syn(&syn);
        c.snd_nxt = 1;
        c.snd_max = 1;
        c.set_state(State::SynRcvd, "rcv ACK with SYN cookie");
        c
    }

    /// Holds what the peer's SYN carried besides the SYN.
    fn queue_syn_rest(&mut self, syn: &Segment) {
        let fin = syn.has(Flags::FIN);
        let mut data = syn.data;
        if self.cfg.syn_data == crate::fastopen::SynData::Discard && !self.fo.child {
            // As Linux: only Fast Open takes data on a SYN.
            data.len = 0;
        }
        if data.len > 0 || fin {
            self.syn_rest = Some(SynRest { data, fin });
        }
    }

    /// Now ESTABLISHED: the text and FIN held from the peer's SYN are
    /// processed as the seventh and eighth steps would have (the text
    /// starts at index 1, just after the SYN).
    fn process_syn_rest(&mut self, now: SimTime) {
        if let Some(rest) = self.syn_rest.take() {
            self.text_and_fin(now, 1, rest.data, rest.fin);
        }
    }

    /// Records the peer's SYN: IRS, options, and our window scale answer.
    fn take_peer_syn(&mut self, syn: &Segment) {
        self.irs = syn.seq;
        self.rcv_nxt = 1;
        self.eff_mss = u32::from(syn.mss.unwrap_or(DEFAULT_MSS).min(self.cfg.mss)).max(1);
        self.peer_wscale = syn.wscale.is_some();
        self.peer_sack_ok = syn.sack_permitted;
        self.sack_on = self.cfg.sack && syn.sack_permitted;
        // RFC 7323 §3.2: on only if both SYNs carry the option.
        self.ts_on = self.cfg.timestamps && syn.timestamps.is_some();
        if let Some(ts) = syn.timestamps.filter(|_| self.ts_on) {
            self.ts_recent = ts.val;
            // The option's bytes come out of each segment's data (RFC 9293
            // §3.7.1: the MSS excludes TCP options).
            self.eff_mss = self.eff_mss.saturating_sub(TS_OPTION_LEN).max(1);
        }
        // RFC 7323 §2.2: scaling is used only if both SYNs carry the option.
        match (syn.wscale, self.cfg.window_scaling) {
            (Some(s), true) => {
                self.snd_wscale = s.min(MAX_WSCALE);
                self.rcv_wscale = wscale_for(self.cfg.wscale_space());
            }
            _ => {
                self.snd_wscale = 0;
                self.rcv_wscale = 0;
            }
        }
        self.rcv_adv = self.rcv_nxt + u64::from(self.rcv_buf.min(65_535));
        let iw = self.initial_window();
        self.cc = new_cc(&self.cfg, iw, self.eff_mss, self.iss);
        self.model_based = self.cc.model_based();
        self.paces = self.model_based || self.cfg.pacing;
        self.ecn.take_syn(&self.cfg, syn, self.cc.needs_ecn());
    }

    /// IW in bytes.
    fn initial_window(&self) -> u32 {
        match self.cfg.initial_window {
            // RFC 5681 §3.1.
            InitialWindow::Rfc5681 => match self.eff_mss {
                m if m > 2190 => 2 * m,
                m if m > 1095 => 3 * m,
                m => 4 * m,
            },
            InitialWindow::Segments(n) => n.max(1) * self.eff_mss,
        }
    }

    /// RFC 5681 §4.1: before sending after more than an RTO without
    /// sending data, the window restarts (`idle.rs`, [`IdleRestart`]).
    /// Only with nothing in flight (a lone zero-window probe byte is not:
    /// Linux's probe carries no data), and not for BBR, as Linux's
    /// `tcp_slow_start_after_idle_check`.
    fn restart_if_idle(&mut self, now: SimTime) {
        if self.cfg.idle_restart == IdleRestart::Off || self.model_based {
            return;
        }
        let probe = u64::from(self.probed == Some(self.snd_una));
        let Some(last) = self.last_data_sent else {
            return;
        };
        if self.snd_max > self.snd_una + probe {
            return;
        }
        let unit = match self.cfg.cwnd_unit {
            CwndUnit::Bytes => 1,
            CwndUnit::Segments => self.eff_mss.max(1),
        };
        let (cwnd, ssthresh) = (self.cc.cwnd(), self.cc.ssthresh());
        let Some(r) = crate::idle::restart(
            self.cfg.idle_restart,
            cwnd / unit,
            self.initial_window() / unit,
            ssthresh / unit,
            self.in_recovery || self.cwr,
            now.saturating_since(last),
            self.rtt.rto(),
        ) else {
            return;
        };
        let ssthresh = if r.ssthresh == ssthresh / unit {
            ssthresh
        } else {
            r.ssthresh.saturating_mul(unit)
        };
        self.cc
            .on_idle_restart(r.cwnd.saturating_mul(unit), ssthresh, self.eff_mss);
        // Linux's `snd_cwnd_used` = 0: the window's use is measured anew.
        self.cwnd_use = crate::cwnd_use::CwndUse::default();
        if (self.cc.cwnd(), self.cc.ssthresh()) != (cwnd, ssthresh) {
            self.cwnd_event();
        }
    }

    // ----- accessors -----

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }
    /// Our port.
    pub fn local_port(&self) -> u16 {
        self.local_port
    }
    /// The peer's port.
    pub fn remote_port(&self) -> u16 {
        self.remote_port
    }
    /// Counters so far.
    pub fn stats(&self) -> ConnStats {
        self.stats
    }
    /// True once CLOSED: the connection can be forgotten.
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }
    /// The effective send MSS.
    pub fn mss(&self) -> u32 {
        self.eff_mss
    }
    /// SND.UNA, SND.NXT and the highest sequence number sent, as wire
    /// sequence numbers, for invariant checks.
    pub fn send_pointers(&self) -> (SeqNum, SeqNum, SeqNum) {
        (
            self.seq(self.snd_una),
            self.seq(self.snd_nxt),
            self.seq(self.snd_max),
        )
    }
    /// Gives back the memory of the output queues if they are empty: for
    /// connections that sit idle in large numbers (SYN_RCVD under a flood,
    /// TIME_WAIT after many short connections).
    pub fn compact(&mut self) {
        if self.out.is_empty() {
            self.out = VecDeque::new();
        }
        if self.events.is_empty() {
            self.events = VecDeque::new();
        }
    }

    /// For a connection in TIME_WAIT and a SYN from its peer: the ISS a new
    /// connection should take if the SYN may reopen it (RFC 1122
    /// §4.2.2.13: its sequence number is above RCV.NXT; RFC 6191 §2: with
    /// timestamps on both, its TSval is newer than TS.Recent), above every
    /// sequence number this one used (Linux: SND.NXT + 65535 + 2).
    pub fn reopen_iss(&self, syn: &Segment) -> Option<SeqNum> {
        // Called for every segment a connection receives: the state first.
        if self.state != State::TimeWait
            || !self.cfg.time_wait_reopen
            || !syn.has(Flags::SYN)
            || syn.has(Flags::ACK)
            || syn.has(Flags::RST)
        {
            return None;
        }
        // As Linux's `tcp_timewait_state_process`: not an old duplicate by
        // PAWS, and newer by sequence number or by timestamp.
        let ts = syn.timestamps.filter(|_| self.ts_on);
        let ts_age = ts.map(|t| t.val.wrapping_sub(self.ts_recent) as i32);
        let paws_reject = ts_age.is_some_and(|d| d < 0);
        let newer = syn.seq > self.rcv_seq(self.rcv_nxt) || ts_age.is_some_and(|d| d > 0);
        (newer && !paws_reject).then(|| self.seq(self.snd_nxt) + 65_535 + 2)
    }

    /// Ends TIME_WAIT early: a SYN reopened the connection (see
    /// [`reopen_iss`](Self::reopen_iss)) and a new one takes its place.
    pub fn end_time_wait(&mut self) {
        if self.state == State::TimeWait {
            self.set_state(State::Closed, "rcv SYN: reopened (RFC 1122 4.2.2.13)");
        }
    }

    /// RCV.NXT as a wire sequence number.
    pub fn recv_next(&self) -> SeqNum {
        self.rcv_seq(self.rcv_nxt)
    }
    /// The connection as Linux's `tcp_info` shows it (`info.rs`).
    pub fn tcp_info(&self) -> crate::info::TcpInfo {
        use crate::info::{CaState, INFINITE_SSTHRESH, TcpInfo};
        let mss = self.eff_mss.max(1);
        let segs = |bytes: u64| bytes.div_ceil(u64::from(mss)) as u32;
        let (cwnd, ssthresh) = self.cwnd();
        let sacked = segs(self.board.sacked_bytes());
        let ca_state = if self.retries > 0 && self.state.is_synchronized() {
            CaState::Loss
        } else if self.in_recovery {
            CaState::Recovery
        } else if self.cwr {
            CaState::Cwr
        } else if self.dupacks > 0 || sacked > 0 {
            CaState::Disorder
        } else {
            CaState::Open
        };
        let state = match self.state {
            State::Established => 1,
            State::SynSent => 2,
            State::SynRcvd => 3,
            State::FinWait1 => 4,
            State::FinWait2 => 5,
            State::TimeWait => 6,
            State::Closed => 7,
            State::CloseWait => 8,
            State::LastAck => 9,
            State::Listen => 10,
            State::Closing => 11,
        };
        let options = u8::from(self.ts_on)
            | (u8::from(self.sack_on) << 1)
            | (u8::from(self.peer_wscale) << 2)
            | (u8::from(self.ecn.on) << 3)
            | if self.fo.syn_data_acked {
                crate::fastopen::TCPI_OPT_SYN_DATA
            } else {
                0
            };
        TcpInfo {
            state,
            ca_state,
            retransmits: self.retries,
            rto_us: self.rtt.rto().as_nanos() / 1000,
            snd_mss: self.eff_mss,
            rcv_mss: self.rcv_mss,
            unacked: segs(self.snd_max.saturating_sub(self.snd_una.max(1))),
            sacked,
            lost: segs(self.board.lost_bytes()),
            rtt_us: self.rtt.srtt().map_or(0, |d| d.as_nanos() / 1000),
            rttvar_us: self.rtt.rttvar().as_nanos() / 1000,
            snd_ssthresh: if ssthresh >= u32::MAX / 2 {
                INFINITE_SSTHRESH
            } else {
                ssthresh / mss
            },
            snd_cwnd: cwnd / mss,
            total_retrans: self.stats.retransmissions,
            options,
            snd_wscale: self.snd_wscale,
            rcv_wscale: self.rcv_wscale,
            bytes_acked: self.stats.bytes_acked,
            bytes_received: self.stats.bytes_delivered,
            segs_out: self.stats.segments_sent,
            segs_in: self.stats.segments_received,
            snd_wnd: self.snd_wnd,
            retrans: segs(self.board.rtx_bytes()),
            reordering: self.board.reordering().0,
            reord_seen: self.board.reordering().1,
            advmss: u32::from(self.cfg.mss),
            last_data_recv_ms: 0,
            busy_time_us: 0,
            rwnd_limited_us: 0,
        }
    }
    /// [`tcp_info`](Self::tcp_info) with the fields that count time up to
    /// `now`: `tcpi_last_data_recv` (since in-order data last arrived, or
    /// since ESTABLISHED before any did: Linux's `lrcvtime`),
    /// `tcpi_busy_time` and `tcpi_rwnd_limited` (`chrono.rs`).
    pub fn tcp_info_at(&self, now: SimTime) -> crate::info::TcpInfo {
        let mut info = self.tcp_info();
        let ms = |d: SimDuration| (d.as_nanos() / 1_000_000) as u32;
        info.last_data_recv_ms = self
            .last_data_at
            .or(self.established_at)
            .map_or(0, |t| ms(now.saturating_since(t)));
        let (busy, rwnd) = self.chrono.totals(now);
        info.busy_time_us = busy.as_nanos() / 1_000;
        info.rwnd_limited_us = rwnd.as_nanos() / 1_000;
        info
    }
    /// Congestion window and slow-start threshold.
    pub fn cwnd(&self) -> (u32, u32) {
        (self.cc.cwnd(), self.cc.ssthresh())
    }
    /// The latest delivery-rate sample (`rate.rs`), when the congestion
    /// control is model-based (BBR): only it steers by the samples.
    pub fn rate_sample(&self) -> Option<RateSample> {
        self.rate.last()
    }

    /// The rate data is paced at, bytes per second, if it is paced.
    pub fn current_pacing_rate(&self) -> Option<u64> {
        self.pacing_rate()
    }

    /// The smoothed round-trip time, once measured.
    pub fn srtt(&self) -> Option<SimDuration> {
        self.rtt.srtt()
    }
    /// The configuration, with the socket options set on this connection.
    pub fn config(&self) -> &TcpConfig {
        &self.cfg
    }
    /// Bytes written by the application and not yet acknowledged.
    pub fn unacked_bytes(&self) -> u64 {
        (1 + self.written).saturating_sub(self.snd_una.max(1))
    }
    /// Data bytes sent and not yet acknowledged (SND.NXT - SND.UNA, the
    /// SYN and FIN left out).
    pub fn bytes_in_flight(&self) -> u64 {
        let data_end = 1 + self.written;
        self.snd_max
            .min(data_end)
            .saturating_sub(self.snd_una.max(1))
    }
    /// Whether data is delivered as read at once (the default) or held
    /// until [`read`](Self::read), closing the window as it fills.
    pub fn set_auto_read(&mut self, on: bool) {
        self.auto_read = on;
    }

    /// Checks the TCB's invariants: SND.UNA ≤ SND.NXT ≤ highest sent, no
    /// more sent than written (plus SYN and FIN), the advertised window not
    /// behind RCV.NXT nor beyond the buffer, held data inside the window.
    /// For tests; returns what is wrong.
    pub fn check_invariants(&self) -> Result<(), String> {
        let end = 1 + self.written + u64::from(self.fin_queued);
        if !(self.snd_una <= self.snd_nxt && self.snd_nxt <= self.snd_max) {
            return Err(format!(
                "send pointers out of order: una {} nxt {} max {}",
                self.snd_una, self.snd_nxt, self.snd_max
            ));
        }
        // A zero-window probe may reach one byte past SND.NXT.
        if self.snd_max > end.max(self.snd_nxt + 1) {
            return Err(format!(
                "sent up to {} but only {} exists",
                self.snd_max, end
            ));
        }
        if self.state.is_synchronized() && self.state != State::SynRcvd || self.rcv_nxt > 0 {
            if self.rcv_adv < self.rcv_nxt && self.rcv_adv != 0 {
                return Err(format!(
                    "window right edge {} behind RCV.NXT {}",
                    self.rcv_adv, self.rcv_nxt
                ));
            }
            if self.rcv_adv.saturating_sub(self.rcv_nxt) > u64::from(self.rcv_buf) {
                return Err("advertised window larger than the buffer".to_string());
            }
        }
        if self.unread > u64::from(self.rcv_buf) {
            return Err(format!(
                "{} unread bytes exceed the {}-byte buffer",
                self.unread, self.rcv_buf
            ));
        }
        if self.ooo.bytes() > u64::from(self.rcv_buf) {
            return Err("out-of-order data exceeds the buffer".to_string());
        }
        if self.cc.cwnd() == 0 {
            return Err("congestion window is zero".to_string());
        }
        Ok(())
    }

    fn seq(&self, index: u64) -> SeqNum {
        self.iss + index as u32
    }
    fn rcv_seq(&self, index: u64) -> SeqNum {
        self.irs + index as u32
    }
    fn fin_index(&self) -> u64 {
        1 + self.written
    }
    /// One past the last data byte that may be sent: what the application
    /// wrote, or with a fixed send buffer (`cfg.snd_buf`) what of it fits
    /// beside the data not yet acknowledged; the rest waits in the
    /// application, as a blocked write().
    fn sendable_end(&self) -> u64 {
        let end = 1 + self.written;
        match self.cfg.snd_buf {
            Some(buf) => end.min(self.snd_una.max(1) + u64::from(buf)),
            None => end,
        }
    }
    fn fin_sent(&self) -> bool {
        self.fin_queued && self.snd_max > self.fin_index()
    }
    fn fin_acked(&self) -> bool {
        self.fin_queued && self.snd_una > self.fin_index()
    }

    // ----- outputs -----

    /// The next segment to send, if any.
    pub fn poll_transmit(&mut self) -> Option<Segment> {
        self.poll_transmit_full().map(|t| t.seg)
    }

    /// The next segment to send, with whether it is a retransmission.
    ///
    /// A pure ACK that is owed is built only here, when nothing else is
    /// queued: anything the application does between an input and this call
    /// (close on the peer's FIN, answer a request) carries the ACK instead.
    #[inline]
    pub fn poll_transmit_full(&mut self) -> Option<Transmit> {
        if self.out.is_empty() && self.ack_now && self.state.is_synchronized() {
            self.emit_ack();
        }
        self.out.pop_front()
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called.
    pub fn next_timeout(&self) -> Option<SimTime> {
        [
            self.rtx_deadline,
            self.persist_deadline,
            self.delack_deadline,
            self.timewait_deadline,
            self.finwait2_deadline,
            self.reo_deadline,
            self.tlp_deadline,
            self.pace_deadline,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn set_state(&mut self, to: State, cause: &'static str) {
        let from = self.state;
        if from == to {
            return;
        }
        self.state = to;
        self.events
            .push_back(Event::StateChange { from, to, cause });
        match to {
            State::Closed | State::Listen => {
                self.clear_timers();
                if to == State::Closed {
                    self.events.push_back(Event::Closed);
                }
            }
            State::TimeWait => {
                self.clear_timers();
            }
            State::Established => {
                self.established_at.get_or_insert(self.clock);
                self.autotune_start();
                // The SYN's stamp (`rtx_stamp`) ends with the handshake.
                self.rtx_stamp = None;
            }
            _ => {}
        }
    }

    fn clear_timers(&mut self) {
        self.rtx_deadline = None;
        self.persist_deadline = None;
        self.delack_deadline = None;
        self.timewait_deadline = None;
        self.finwait2_deadline = None;
        self.reo_deadline = None;
        self.tlp_deadline = None;
        self.pace_deadline = None;
    }

    fn enter_time_wait(&mut self, now: SimTime, cause: &'static str) {
        self.set_state(State::TimeWait, cause);
        // RFC 9293 §3.10.7.4, eighth step: start the 2 MSL timer.
        self.timewait_deadline = Some(now + self.cfg.time_wait);
    }

    fn cwnd_event(&mut self) {
        let (cwnd, ssthresh) = (self.cc.cwnd(), self.cc.ssthresh());
        self.events.push_back(Event::Cwnd { cwnd, ssthresh });
    }

    /// Window field to advertise; slides the advertised right edge forward
    /// only by useful amounts (receiver SWS avoidance, RFC 9293 §3.8.6.2.2)
    /// and never moves it back (§3.8.6: do not shrink the window).
    fn window_field(&mut self, syn: bool) -> u16 {
        let buf = u64::from(self.rcv_buf);
        let free = buf.saturating_sub(self.unread);
        let wnd = self.rcv_adv.saturating_sub(self.rcv_nxt);
        let threshold = (buf / 2).min(u64::from(self.eff_mss));
        if free > wnd && free - wnd >= threshold {
            self.rcv_adv = self.rcv_nxt + free;
        }
        let wnd = self.rcv_adv.saturating_sub(self.rcv_nxt);
        if syn {
            wnd.min(65_535) as u16
        } else {
            (wnd >> self.rcv_wscale).min(65_535) as u16
        }
    }

    /// Builds and queues a segment covering indices `[from, from + len)` of
    /// data, with SYN and/or FIN as asked.
    fn emit(&mut self, from: u64, len: u32, syn: bool, fin: bool) {
        let mut flags = Flags::default();
        if syn {
            flags = flags | Flags::SYN;
        }
        if fin {
            flags = flags | Flags::FIN;
        }
        let synchronized = self.state != State::SynSent;
        if synchronized {
            flags = flags | Flags::ACK;
        }
        let end = from + u64::from(len) + u64::from(syn) + u64::from(fin);
        let probe = self.probed == Some(from);
        let retransmission = from < self.snd_max && (len > 0 || syn || fin) && !probe;
        if len > 0 && !syn && self.pushes(from + u64::from(syn), len, retransmission) {
            flags = flags | Flags::PSH;
        }
        if probe && len > 1 {
            self.probed = None;
        }
        let (ecn, ecn_flags) = if syn {
            // RFC 3168 §6.1.1: the set-up flags; a SYN is never ECT.
            (Ecn::NotEct, self.ecn.syn_flags(&self.cfg, self.passive))
        } else {
            let new_data = len > 0 && !retransmission && !(probe && len == 1);
            self.ecn.stamp(new_data)
        };
        flags = flags | ecn_flags;
        let seg = Segment {
            src_port: self.local_port,
            dst_port: self.remote_port,
            seq: self.seq(from),
            ack: if synchronized {
                self.rcv_seq(self.rcv_nxt)
            } else {
                SeqNum(0)
            },
            flags,
            wnd: self.window_field(syn),
            mss: syn.then_some(self.cfg.mss),
            // RFC 7323 §2.2: a SYN,ACK carries the option only if the SYN did.
            wscale: (syn && self.cfg.window_scaling && (!self.passive || self.peer_wscale))
                .then_some(self.rcv_wscale),
            // RFC 2018 §2 and RFC 7323 §3.2: a SYN,ACK answers only what
            // the SYN offered.
            sack_permitted: syn && self.cfg.sack && (!self.passive || self.peer_sack_ok),
            timestamps: self.timestamps_option(syn, synchronized),
            // Linux drops the option from retransmitted SYNs and SYN,ACKs
            // (`tcp_send_syn_data` clears the cookie; `tcp_rtx_synack`
            // passes none).
            fast_open: if syn && !retransmission {
                self.fo.syn_option
            } else {
                None
            },
            sack: if synchronized && self.sack_on {
                self.sack_blocks()
            } else {
                SackBlocks::default()
            },
            data: Data {
                offset: from.saturating_sub(1),
                len,
            },
            ecn,
        };
        if synchronized {
            // Every segment carries the ACK: no separate one is owed. One
            // that was owed uses up a quick ACK (Linux's
            // `tcp_dec_quickack_mode`).
            if self.ack_now || self.delack_deadline.is_some() {
                self.quick_acks = self.quick_acks.saturating_sub(1);
            }
            self.ack_now = false;
            self.delack_deadline = None;
            self.bytes_since_ack = 0;
            self.last_ack_sent = self.rcv_nxt;
        }
        if self.board_kept() && !syn && end > from {
            let tx = if self.model_based {
                self.rate.on_send(self.clock, self.board.is_empty())
            } else {
                TxSnapshot::default()
            };
            self.board.sent_tx(from, end, self.clock, tx);
            if (self.in_recovery || self.cwr) && self.sack_on {
                // RFC 9937: prr_out counts every byte sent in recovery.
                self.prr.out += end - from;
                self.prr.allowed = self.prr.allowed.saturating_sub(end - from);
            }
        }
        self.stats.segments_sent += 1;
        self.stats.bytes_sent += u64::from(len);
        if len > 0 && !(probe && len == 1) {
            if synchronized
                && self.snd_una >= self.snd_max
                && let Some(last) = self.last_data_sent
            {
                // Data leaves with nothing in flight: Linux's
                // `CA_EVENT_TX_START`, after this long without sending.
                let now = self.clock;
                self.cc.on_tx_start(now, now.saturating_since(last));
            }
            self.last_data_sent = Some(self.clock);
        }
        if retransmission && synchronized && !syn && self.rtx_stamp.is_none() {
            self.rtx_stamp = Some((self.clock, self.snd_max));
        }
        if syn && !self.passive && self.snd_max == 0 {
            // Linux's `tcp_connect` stamps the first SYN: in SYN_SENT the
            // user timeout runs from it.
            self.rtx_stamp = Some((self.clock, 1));
        }
        if len > 0
            && self.paces
            && let Some(rate) = self.pacing_rate()
        {
            self.pacer.sent(self.clock, u64::from(len), rate);
        }
        if retransmission {
            self.stats.retransmissions += 1;
            if synchronized
                && len > 0
                && let Some(e) = self.episode.as_mut()
            {
                e.retransmitted(seg.timestamps.map(|t| t.val));
            }
            // Karn's rule: a retransmitted segment gives no RTT sample.
            if self.timed.is_some_and(|(t_end, _)| t_end > from) {
                self.timed = None;
            }
        }
        self.snd_max = self.snd_max.max(end);
        self.out.push_back(Transmit {
            seg,
            retransmission,
        });
    }

    /// Whether the segment carrying `len` bytes of data from `start` has
    /// PSH ([`PushRule`]).
    fn pushes(&mut self, start: u64, len: u32, retransmission: bool) -> bool {
        match self.cfg.push {
            PushRule::EveryData => true,
            PushRule::Writes => {
                let stored = self.push.segment(
                    start,
                    start + u64::from(len),
                    !retransmission,
                    self.snd_una,
                    u64::from(self.max_snd_wnd / 2),
                );
                let chunk_end = !retransmission && self.chunk.sent(u64::from(len));
                stored || chunk_end
            }
        }
    }

    /// Opens the TSO chunk the next new data goes in, under Linux's PSH
    /// rule (`tso.rs`): `room` bytes are what cwnd (or PRR) allows now.
    fn start_chunk(&mut self, room: u64) {
        if self.cfg.push != PushRule::Writes || self.chunk.is_open() || self.snd_nxt < self.snd_max
        {
            return;
        }
        let mss = u64::from(self.eff_mss);
        let srtt = self.rtt.srtt();
        let cwnd_segs = (self.cwnd_limit() / mss).max(1);
        let auto = match pacing::cwnd_rate(
            u64::from(self.cc.cwnd()),
            self.in_flight(),
            u64::from(self.cc.ssthresh()),
            srtt,
        ) {
            Some(rate) => crate::tso::autosize(
                rate,
                self.rack.min_rtt.or(srtt),
                mss,
                u64::from(self.cfg.min_tso_segs.max(1)),
            ),
            // No RTT yet: Linux's rate is unbounded, the chunk the largest.
            None => u64::MAX,
        };
        let segs = crate::tso::quota(cwnd_segs, room.div_ceil(mss), auto);
        // `max(1)`: a Fast Open child's unacknowledged SYN does not count
        // against the peer's window (Linux starts its `snd_una` past it).
        let rwnd_room =
            (self.snd_una.max(1) + u64::from(self.snd_wnd)).saturating_sub(self.snd_nxt);
        let mut bytes = (segs * mss)
            .min(self.sendable_end().saturating_sub(self.snd_nxt))
            .min(rwnd_room);
        if let Some(end) = self.push.next_after(self.snd_nxt) {
            bytes = bytes.min(end - self.snd_nxt);
        }
        self.chunk.start(bytes, mss);
    }

    /// The scoreboard records what is sent: for SACK recovery and for an
    /// RTT sample on every ACK (RFC 7323 §4; Linux times every segment).
    fn board_on(&self) -> bool {
        self.sack_on || self.ts_on
    }

    /// TSval: a millisecond clock (Linux's `TCP_TS_HZ`) plus the
    /// connection's offset (RFC 7323 §5.4).
    fn tsval(&self) -> u32 {
        ((self.clock.as_nanos() / 1_000_000) as u32).wrapping_add(self.cfg.ts_offset)
    }

    /// The timestamps option to send, if any: on a SYN when we offer it
    /// (a SYN,ACK only if the SYN had it), on everything else once agreed.
    /// TSecr echoes TS.Recent on segments with ACK (RFC 7323 §3.2).
    fn timestamps_option(&self, syn: bool, synchronized: bool) -> Option<Timestamps> {
        let on = if syn {
            self.cfg.timestamps && (!self.passive || self.ts_on)
        } else {
            self.ts_on
        };
        on.then(|| Timestamps {
            val: self.tsval(),
            ecr: if synchronized { self.ts_recent } else { 0 },
        })
    }

    /// The SACK blocks for an ACK (RFC 2018 §4): a D-SACK block first if a
    /// duplicate arrived (RFC 2883 §4), then the block holding the most
    /// recently received segment, then the other blocks most recently
    /// reported; three at most beside timestamps.
    fn sack_blocks(&mut self) -> SackBlocks {
        let mut out = SackBlocks::default();
        let room = if self.ts_on { 3 } else { 4 };
        if let Some((l, r)) = self.dsack.take() {
            out.push(self.rcv_seq(l), self.rcv_seq(r));
        }
        let rcv_nxt = self.rcv_nxt;
        let ooo = &self.ooo;
        let mut spans: Vec<(u64, u64)> = Vec::with_capacity(self.sack_recent.len());
        self.sack_recent.retain(|&at| {
            let Some(span) = ooo.span(at).filter(|_| at >= rcv_nxt) else {
                return false;
            };
            if spans.contains(&span) {
                return false;
            }
            spans.push(span);
            true
        });
        for (l, r) in spans {
            if out.len() == room {
                break;
            }
            // A FIN held beyond the gap is part of the block, as Linux's
            // out-of-order queue counts it (its end_seq includes the FIN):
            // else the sender could never see it arrive.
            let r = if self.ooo_fin == Some(r) { r + 1 } else { r };
            out.push(self.rcv_seq(l), self.rcv_seq(r));
        }
        out
    }

    /// A segment-less ACK: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
    fn emit_ack(&mut self) {
        let nxt = self.snd_nxt;
        self.emit(nxt, 0, false, false);
    }

    /// RFC 5961 challenge ACK.
    fn challenge_ack(&mut self, why: &'static str) {
        self.events.push_back(Event::ChallengeAck(why));
        self.emit_ack();
    }

    /// A reset with the given sequence number and no ACK.
    fn emit_rst(&mut self, seq: SeqNum) {
        self.out.push_back(Transmit {
            seg: Segment {
                src_port: self.local_port,
                dst_port: self.remote_port,
                seq,
                flags: Flags::RST,
                ..Segment::default()
            },
            retransmission: false,
        });
        self.stats.segments_sent += 1;
    }

    /// Sends whatever the state, windows, Nagle and pending ACKs allow.
    fn transmit(&mut self, now: SimTime) {
        match self.state {
            State::Closed | State::Listen | State::TimeWait => {}
            // RFC 7413 §4.2.2: a Fast Open server may send data before
            // the handshake completes (Linux lets a child write in
            // SYN_RCVD).
            State::SynRcvd if self.fo.child && self.snd_nxt > 0 => self.transmit_data(now),
            State::SynSent | State::SynRcvd => {
                if self.snd_nxt == 0 {
                    let timed = self.snd_max == 0;
                    // RFC 7413 §4.2.1: the first SYN may carry data; a
                    // retransmitted one does not (Linux resends the bare
                    // SYN, its data queued behind).
                    let data = if timed && self.state == State::SynSent {
                        self.fo.syn_data
                    } else {
                        0
                    };
                    self.emit(0, data, true, false);
                    self.snd_nxt = 1 + u64::from(data);
                    if timed {
                        self.timed = Some((1, now));
                    }
                }
            }
            _ => self.transmit_data(now),
        }
        // RFC 6298 (5.1): run the timer while anything is outstanding.
        if self.snd_nxt > self.snd_una
            && self.rtx_deadline.is_none()
            && self.state != State::TimeWait
        {
            self.rtx_deadline = Some(now + self.rtt.rto());
        }
        if self.tlp_rearm {
            self.tlp_rearm = false;
            self.tlp_deadline = self.probe_deadline(now);
        }
    }

    /// RACK-TLP is on: configured, and SACK agreed (RFC 8985 §4 requires
    /// SACK).
    fn rack_on(&self) -> bool {
        self.cfg.rack_tlp && self.sack_on
    }

    /// RFC 8985 §7.2: when the probe timer should fire, if one should run:
    /// data outstanding, neither fast nor RTO recovery, no probe
    /// outstanding and nothing SACKed (RACK's timer covers that case).
    /// PTO = 2 SRTT, plus WCDelAckT with one segment in flight, 1 s
    /// before any RTT sample; never after the RTO.
    fn probe_deadline(&self, now: SimTime) -> Option<SimTime> {
        if !self.rack_on()
            || !matches!(
                self.state,
                State::Established
                    | State::CloseWait
                    | State::FinWait1
                    | State::Closing
                    | State::LastAck
            )
            || self.snd_max <= self.snd_una
            || self.in_recovery
            || self.snd_una <= self.recover
            || self.tlp_end.is_some()
            || self.board.sacked_bytes() > 0
        {
            return None;
        }
        let pto = match self.rtt.srtt() {
            Some(srtt) => {
                let mut pto = SimDuration(2 * srtt.as_nanos());
                if self.snd_max - self.snd_una <= u64::from(self.eff_mss) {
                    pto = pto + WC_DEL_ACK;
                }
                pto
            }
            None => SimDuration::from_secs(1),
        };
        let at = now + pto;
        Some(self.rtx_deadline.map_or(at, |r| r.min(at)))
    }

    fn transmit_data(&mut self, now: SimTime) {
        let sent_before = self.stats.segments_sent;
        self.transmit_data_inner(now);
        self.note_rwnd_limited(now);
        if self.cfg.cwnd_limited_growth {
            self.note_cwnd_use(self.stats.segments_sent != sent_before);
        }
    }

    /// After a send attempt, as the end of Linux's `tcp_write_xmit`: the
    /// window-limited timer runs while data waits that the peer's window
    /// has no room for and cwnd does (`chrono.rs`).
    fn note_rwnd_limited(&mut self, now: SimTime) {
        use crate::chrono::Kind;
        let avail = self.sendable_end().saturating_sub(self.snd_nxt);
        let next = avail.min(u64::from(self.eff_mss));
        let window_end = self.snd_una + u64::from(self.snd_wnd);
        if next > 0 && self.snd_nxt + next > window_end && self.cwnd_limit() > self.in_flight() {
            self.chrono.start(now, Kind::RwndLimited);
        } else {
            let empty = self.queues_empty();
            self.chrono.stop(now, Kind::RwndLimited, empty);
        }
    }

    /// Nothing written is unacknowledged, the FIN included.
    fn queues_empty(&self) -> bool {
        self.queues_empty_after(self.snd_una)
    }

    /// [`Self::queues_empty`] once SND.UNA reaches `una`.
    fn queues_empty_after(&self, una: u64) -> bool {
        let end = 1 + self.written + u64::from(self.fin_queued);
        una >= end
    }

    /// Linux's `tcp_cwnd_validate`, after a send attempt: whether cwnd
    /// stopped it (no room for what waits, or nothing left of the
    /// window), and how much is outstanding.
    fn note_cwnd_use(&mut self, sent: bool) {
        let in_flight = self.in_flight();
        let cwnd = self.cwnd_limit();
        let room = cwnd.saturating_sub(in_flight);
        let left = (1 + self.written).saturating_sub(self.snd_nxt);
        let limited = room == 0 || (left > 0 && room < left.min(u64::from(self.eff_mss)));
        if sent || limited {
            let outstanding = self.snd_max.saturating_sub(self.snd_una);
            self.cwnd_use
                .sent(limited, outstanding, self.snd_una, self.snd_max);
        }
    }

    /// Whether an ACK may grow the window (`cwnd_use.rs`).
    fn cwnd_limited(&self) -> bool {
        !self.cfg.cwnd_limited_growth
            || self.cwnd_use.cwnd_limited(
                u64::from(self.cc.cwnd()),
                self.cc.cwnd() < self.cc.ssthresh(),
            )
    }

    fn transmit_data_inner(&mut self, now: SimTime) {
        if self.in_recovery && self.sack_on {
            self.transmit_sack_recovery(now);
        } else {
            loop {
                if self.snd_nxt < self.snd_max
                    && let Some(end) = self.board.is_sacked_at(self.snd_nxt)
                {
                    // Going back after a timeout: what the peer SACKed is
                    // not sent again (RFC 6675 §5.1, as Linux).
                    self.snd_nxt = end.min(self.snd_max);
                    continue;
                }
                let in_flight = self.in_flight();
                let cwnd = self.cwnd_limit();
                let room = (cwnd + self.limited_transmit_allowance()).saturating_sub(in_flight);
                if room > 0 && 1 + self.written > self.snd_nxt && self.paced(now) {
                    break;
                }
                // After a timeout, a retransmission RACK deems lost again
                // is resent before the rest (as Linux's
                // `tcp_xmit_retransmit_queue` in the Loss state).
                if self.rack_on()
                    && room >= u64::from(self.eff_mss)
                    && let Some((from, end)) = self.board.next_lost().filter(|h| h.0 < self.snd_nxt)
                {
                    self.retransmit_range(from, end);
                    continue;
                }
                // Linux counts duplicate ACKs as SACKed segments: what
                // limited transmit allows is what cwnd leaves (`tcp_cwnd_test`).
                self.start_chunk(cwnd.saturating_sub(in_flight));
                if !self.send_next(now, room, in_flight) {
                    break;
                }
            }
        }
        self.chunk.clear();
        // Data waits, nothing is in flight, yet nothing could be sent: the
        // peer's window is zero, or too small for sender SWS avoidance to
        // allow a segment. The persist timer probes a zero window (RFC 9293
        // §3.8.6.1) and is the SWS override timeout otherwise (§3.8.6.2.1).
        let waiting = 1 + self.written > self.snd_nxt;
        self.check_app_limited();
        if waiting && self.snd_nxt == self.snd_una && self.pace_deadline.is_none() {
            if self.persist_deadline.is_none() {
                self.persist_deadline = Some(now + self.persist_interval());
            }
        } else {
            self.persist_deadline = None;
            self.persist_backoff = 0;
            self.probe_stamp = None;
        }
    }

    /// The pacer holds data back: wake at its release time (the sans-IO
    /// contract: `next_timeout` includes it).
    fn paced(&mut self, now: SimTime) -> bool {
        if !self.paces {
            return false;
        }
        self.pace_deadline = self.pacing_rate().and_then(|_| self.pacer.hold(now));
        self.pace_deadline.is_some()
    }

    /// The pacing rate, bytes per second: the algorithm's own, or with
    /// `pacing` Linux's from cwnd and SRTT.
    fn pacing_rate(&self) -> Option<u64> {
        if !self.paces {
            return None;
        }
        let srtt = self.rtt.srtt();
        self.cc.pacing_rate(srtt).or_else(|| {
            let cwnd = u64::from(self.cc.cwnd());
            let ssthresh = u64::from(self.cc.ssthresh());
            self.cfg
                .pacing
                .then(|| pacing::cwnd_rate(cwnd, self.in_flight(), ssthresh, srtt))
                .flatten()
        })
    }

    /// Less than a segment left to send, room in the window and no loss
    /// waiting: what is in flight now was limited by the application
    /// (`rate.rs`).
    fn check_app_limited(&mut self) {
        if !self.model_based {
            return;
        }
        let left = (1 + self.written).saturating_sub(self.snd_nxt);
        let in_flight = self.in_flight();
        if self.board_kept()
            && left < u64::from(self.eff_mss)
            && in_flight < self.cwnd_limit()
            && self.board.lost_bytes() == 0
        {
            self.rate.mark_app_limited(in_flight);
        }
    }

    /// After an ACK: its delivery-rate sample, given to the congestion
    /// control.
    fn rate_step(&mut self, now: SimTime, delivered: u64, prior_in_flight: u64) {
        let newest = self.board.take_delivered();
        let lost = self.board.marked_lost();
        let Some(sample) = self.rate.on_ack(now, newest, delivered, lost) else {
            return;
        };
        let before = (self.cc.cwnd(), self.cc.ssthresh());
        self.cc.on_rate_sample(&RateInfo {
            now,
            sample,
            delivered: self.rate.delivered(),
            prior_in_flight,
            in_flight: self.in_flight(),
            smss: self.eff_mss,
            srtt: self.rtt.srtt(),
            in_recovery: self.in_recovery,
            in_loss: !self.in_recovery && self.snd_una <= self.recover && self.recover > 0,
        });
        if (self.cc.cwnd(), self.cc.ssthresh()) != before {
            self.cwnd_event();
        }
    }

    /// Bytes in the network: SND.NXT - SND.UNA, or with SACK the
    /// scoreboard's `pipe` (RFC 6675 §4), which leaves out what was SACKed
    /// or lost. With `cwnd_unit` segments, each segment counts a full
    /// SMSS, as Linux counts packets in flight against a window of packets.
    fn in_flight(&self) -> u64 {
        let mss = u64::from(self.eff_mss);
        match (self.cfg.cwnd_unit, self.sack_on) {
            (CwndUnit::Bytes, true) => self.board.pipe(),
            (CwndUnit::Bytes, false) => self.snd_nxt - self.snd_una,
            (CwndUnit::Segments, true) => self.board.pipe_segments() * mss,
            (CwndUnit::Segments, false) => self.board.segments_below(self.snd_nxt) * mss,
        }
    }

    /// What [`Self::in_flight`] may reach: cwnd, or with `cwnd_unit`
    /// segments the whole segments it holds (Linux's `snd_cwnd` is a
    /// count of packets).
    fn cwnd_limit(&self) -> u64 {
        let cwnd = u64::from(self.cc.cwnd());
        match self.cfg.cwnd_unit {
            CwndUnit::Bytes => cwnd,
            CwndUnit::Segments => {
                let mss = u64::from(self.eff_mss);
                (cwnd / mss).max(1) * mss
            }
        }
    }

    /// The scoreboard is kept when SACK or timestamps were agreed, and
    /// always when the window counts segments (they are counted there) or
    /// BBR runs (its segments carry the delivery-rate snapshots).
    fn board_kept(&self) -> bool {
        self.board_on() || self.cfg.cwnd_unit == CwndUnit::Segments || self.model_based
    }

    /// RFC 8985 §7.2: (re)start the probe timer after sending new data
    /// from `from`, a lone FIN included (new in sequence space; Linux
    /// schedules a probe after every transmission of new data).
    fn rearm_probe_if_new(&mut self, from: u64) {
        if from >= self.snd_max && !self.in_recovery {
            self.tlp_rearm = true;
        }
    }

    /// Sends one segment from SND.NXT if the peer's window, `room` (what
    /// cwnd leaves), sender SWS avoidance and Nagle allow; true if it did.
    fn send_next(&mut self, now: SimTime, room: u64, in_flight: u64) -> bool {
        let data_end = 1 + self.written;
        let avail = self.sendable_end().saturating_sub(self.snd_nxt);
        // `max(1)`: a Fast Open child's unacknowledged SYN does not count
        // against the peer's window (Linux starts its `snd_una` past it).
        let rwnd_room =
            (self.snd_una.max(1) + u64::from(self.snd_wnd)).saturating_sub(self.snd_nxt);
        let usable = rwnd_room.min(room);
        let mss = u64::from(self.eff_mss);
        let uncut = avail.min(usable).min(mss);
        let len = self.records.cut(self.snd_nxt, uncut);
        // A segment cut short by a record's end is a whole buffer that is
        // not the queue's tail: Linux sends it without Nagle's test
        // (`records.rs`).
        let record_end = len < uncut;
        // The FIN rides on the segment that reaches its index (again, after
        // a timeout rewinds SND.NXT), if the peer's window is open.
        let fin_here = self.fin_queued && self.snd_nxt + len == data_end && self.snd_wnd > 0;
        if len > 0 {
            // Sender SWS avoidance and Nagle (RFC 9293 §3.8.6.2.1, §3.7.4):
            // a full segment; or all that is queued when Nagle does not
            // hold it back; or at least half the largest window the peer
            // has offered.
            let full = len == mss;
            let all = len == avail;
            let half_window = self.max_snd_wnd > 0 && len >= u64::from(self.max_snd_wnd / 2);
            let retransmitting = self.snd_nxt < self.snd_max;
            let nagle = self.cfg.nagle
                && in_flight > 0
                && match self.cfg.nagle_rule {
                    NagleRule::Rfc896 => true,
                    // Minshall's variant (Linux's `tcp_minshall_check`):
                    // only while an earlier short segment is unacknowledged.
                    NagleRule::Minshall => self.snd_sml > self.snd_una,
                };
            // Linux's `tcp_nagle_check`: the cork (`TCP_CORK`, or this
            // write's `MSG_MORE`) holds a short segment whatever is in
            // flight; a push (`TCP_NAGLE_PUSH`) overrides both.
            let nagle_holds = !self.push_once && (self.cork || self.more || nagle);
            if !(full || (all && !nagle_holds) || half_window || retransmitting || record_end) {
                return false;
            }
            let from = self.snd_nxt;
            if from >= self.snd_max && len < mss {
                self.snd_sml = from + len;
            }
            if from >= self.snd_max && self.timed.is_none() {
                self.timed = Some((from + len, now));
            }
            self.rearm_probe_if_new(from);
            // What goes beyond cwnd was allowed by limited transmit.
            let cwnd = self.cwnd_limit();
            let charge = match self.cfg.cwnd_unit {
                CwndUnit::Bytes => len,
                CwndUnit::Segments => mss,
            };
            self.limited_sent += (in_flight + charge).saturating_sub(cwnd.max(in_flight));
            self.emit(from, len as u32, false, fin_here);
            self.snd_nxt += len + u64::from(fin_here);
            return true;
        }
        if avail == 0 && fin_here {
            let from = self.snd_nxt;
            self.rearm_probe_if_new(from);
            self.emit(from, 0, false, true);
            self.snd_nxt += 1;
            return true;
        }
        false
    }

    /// Sending during SACK recovery (RFC 6675 §5 (C), `NextSeg` §4): while
    /// cwnd - pipe is at least one SMSS (with PRR: while this ACK's
    /// `sndcnt` lasts, a partial segment's worth rounding up to a whole one
    /// as Linux counts packets), send (1) the first lost hole above
    /// HighRxt, (2) new data, (3) the first hole below the highest SACK,
    /// (4) once per recovery, a rescue retransmission of the last hole if
    /// not yet retransmitted.
    fn transmit_sack_recovery(&mut self, now: SimTime) {
        let mss = u64::from(self.eff_mss);
        loop {
            let budget = if self.cfg.prr {
                if self.prr.allowed == 0 { 0 } else { mss }
            } else {
                let room = self.cwnd_limit().saturating_sub(self.in_flight());
                if room < mss { 0 } else { room }
            };
            if budget == 0 || self.paced(now) {
                break;
            }
            let rack = self.rack_on();
            let lost = if rack {
                self.board.next_lost()
            } else {
                self.board.next_hole(self.high_rxt, true)
            };
            if let Some((from, end)) = lost {
                self.retransmit_range(from, end);
                self.high_rxt = self.high_rxt.max(end);
                continue;
            }
            let pipe = self.in_flight();
            // The chunk takes all PRR lets out now: Linux sets cwnd to
            // pipe + sndcnt and `tcp_write_xmit` sizes its chunk by it.
            self.start_chunk(if self.cfg.prr {
                self.prr.allowed
            } else {
                budget
            });
            if self.snd_nxt == self.snd_max && self.send_next(now, budget, pipe) {
                continue;
            }
            if rack {
                // With RACK only segments it deemed lost are retransmitted
                // (RFC 8985 §6.2 replaces the DupThresh and "holes below the
                // highest SACK" guesses; Linux sends no NextSeg rule 3 or
                // rescue): a lost tail is the probe's (§7).
                break;
            }
            if let Some((from, end)) = self.board.next_hole(self.high_rxt, false) {
                self.retransmit_range(from, end);
                self.high_rxt = end;
                continue;
            }
            // The rescue is for a lost tail: unlike the letter of rule 4,
            // not for a last hole already retransmitted in this recovery
            // (that would be spurious whenever the retransmission is
            // merely in flight).
            if self.rescue_rxt.is_none_or(|r| self.snd_una > r)
                && let Some((from, end)) = self.board.last_unsacked()
                && from >= self.high_rxt
            {
                self.retransmit_range(from, end);
                self.rescue_rxt = Some(self.recover);
                self.stats.rescue_retransmissions += 1;
                continue;
            }
            break;
        }
    }

    /// How far beyond cwnd limited transmit lets new data go: one SMSS per
    /// duplicate ACK for the first two, outside recovery, and only for data
    /// never sent (RFC 5681 §3.2 step 1; RFC 3042 §2). With SACK none: the
    /// window is then compared with the pipe, from which each duplicate
    /// ACK's SACKed segment has already gone, and that freed segment is the
    /// one limited transmit sends (RFC 6675 §5; Linux's `tcp_cwnd_test`
    /// against `tcp_packets_in_flight`). Granting both sent two segments
    /// per duplicate ACK.
    fn limited_transmit_allowance(&self) -> u64 {
        if self.cfg.limited_transmit
            && !self.sack_on
            && !self.in_recovery
            && (1..=2).contains(&self.dupacks)
            && self.snd_nxt == self.snd_max
        {
            u64::from(self.dupacks) * u64::from(self.eff_mss)
        } else {
            0
        }
    }

    fn persist_interval(&self) -> SimDuration {
        let base = self.rtt.rto().as_nanos();
        let backed = base.saturating_mul(1 << self.persist_backoff.min(16));
        SimDuration(backed.min(self.cfg.max_rto.as_nanos()))
    }

    /// Resends the first unacknowledged segment (fast retransmit, partial
    /// ACK).
    fn retransmit_front(&mut self) {
        let from = self.snd_una;
        self.retransmit_range(from, from + u64::from(self.eff_mss) + 1);
    }

    /// Resends what was sent of `[from, end)`, at most one segment, with the
    /// FIN if it lies inside.
    fn retransmit_range(&mut self, from: u64, end: u64) {
        let data_end = (1 + self.written).min(self.snd_max);
        let len = end
            .min(data_end)
            .saturating_sub(from)
            .min(u64::from(self.eff_mss));
        // Linux never merges buffers across a record's end for a
        // retransmission (`tcp_collapse_retrans`).
        let len = self.records.cut(from, len) as u32;
        let fin = self.fin_sent()
            && from + u64::from(len) == self.fin_index()
            && end > from + u64::from(len);
        if len > 0 || fin {
            self.emit(from, len, false, fin);
        }
        // Linux re-arms the retransmission timer when recovery resends the
        // first unacknowledged segment (`tcp_xmit_retransmit_queue`), so a
        // hole found late (RACK waits a round trip) is not also timed out
        // before its retransmission can be acknowledged. RFC 6298 (5.1)
        // only starts a timer that is not running: the `rfc` profile
        // keeps that.
        if from == self.snd_una
            && self.cfg.rto_formula == crate::RtoFormula::Linux
            && self.rtx_deadline.is_some()
        {
            self.rtx_deadline = Some(self.clock + self.rtt.rto());
        }
    }

    // ----- application calls -----

    /// Queues `bytes` more application bytes (RFC 9293 §3.10.2). Returns
    /// false, queuing nothing, if the connection can no longer send.
    pub fn send(&mut self, now: SimTime, bytes: u64) -> bool {
        self.write(now, bytes, WriteFlags::default())
    }

    /// Queues `bytes` as [`send`](Self::send) does, ending a record after
    /// them (`send(..., MSG_EOR)`): later data never shares a segment
    /// with this write's last byte (`records.rs`).
    pub fn send_record(&mut self, now: SimTime, bytes: u64) -> bool {
        let flags = WriteFlags {
            eor: true,
            ..WriteFlags::default()
        };
        self.write(now, bytes, flags)
    }

    /// Queues what of `bytes` Linux's `tcp_sendmsg_locked` would take
    /// under `TCP_NOTSENT_LOWAT` ([`TcpConfig::notsent_lowat`]), with the
    /// write's `flags` (a record ends only if all were taken); returns the bytes
    /// taken. Linux copies a write into the last buffer of its send queue
    /// until that holds `size_goal` bytes, and starts a new buffer only
    /// while fewer than `notsent_lowat` bytes wait unsent
    /// (`sk_stream_memory_free`, `tcp_stream_memory_free`); a buffer
    /// filled is sent at once (`tcp_push_one`), the data taken is pushed
    /// at the end (`tcp_push`). Without a limit every byte is taken, as
    /// [`send`](Self::send). The send buffer's own limit (`snd_buf`) is
    /// not a memory limit here and is not consulted.
    pub fn send_limited(&mut self, now: SimTime, bytes: u64, flags: WriteFlags) -> u64 {
        let Some(lowat) = self.cfg.notsent_lowat else {
            return if self.write(now, bytes, flags) {
                bytes
            } else {
                0
            };
        };
        self.clock = now;
        if !self.takes_writes() {
            return 0;
        }
        let goal = self.size_goal();
        let mut copied = 0;
        while copied < bytes {
            let end = 1 + self.written;
            // The sent part of a buffer was split off when it left
            // (`tso_fragment`): the tail buffer is what of it is unsent.
            let tail = end.saturating_sub(self.sendq_tail.max(self.snd_max.max(1)));
            let mut room = if tail > 0 {
                goal.saturating_sub(tail)
            } else {
                0
            };
            if room == 0 {
                if self.unsent() >= u64::from(lowat) {
                    break;
                }
                self.sendq_tail = end;
                room = goal;
            }
            let n = room.min(bytes - copied);
            copied += n;
            self.written += n;
            if n == room && copied < bytes {
                self.transmit(now);
            }
        }
        if copied > 0 {
            let flags = WriteFlags {
                eor: flags.eor && copied == bytes,
                ..flags
            };
            self.end_write(now, true, flags);
        }
        copied
    }

    /// The application closed and the FIN is not yet acknowledged.
    pub fn fin_unacked(&self) -> bool {
        self.fin_queued && !self.fin_acked()
    }

    /// The application closed and the FIN has not been sent.
    pub fn fin_unsent(&self) -> bool {
        self.fin_queued && !self.fin_sent()
    }

    /// Bytes written and not yet sent (Linux's `write_seq - snd_nxt`; a
    /// retransmission does not count).
    pub fn unsent(&self) -> u64 {
        (1 + self.written).saturating_sub(self.snd_max.max(self.snd_nxt).max(1))
    }

    /// Linux's `tcp_stream_memory_free` with its wake-up margin: fewer than
    /// `notsent_lowat` bytes wait unsent, or with `wake` fewer than half
    /// of it (what `poll` and a waiting writer see: `tcp_poll`,
    /// `sk_stream_write_space`). Always true without a limit.
    pub fn notsent_below_lowat(&self, wake: bool) -> bool {
        self.cfg
            .notsent_lowat
            .is_none_or(|l| self.unsent() << u32::from(wake) < u64::from(l))
    }

    /// Linux's `tcp_xmit_size_goal`: the bytes one buffer of the send
    /// queue holds, whole segments up to the GSO maximum, at most half the
    /// largest window the peer offered (`tcp_bound_to_half_wnd`).
    fn size_goal(&self) -> u64 {
        let mss = u64::from(self.eff_mss).max(1);
        let max_wnd = u64::from(self.max_snd_wnd);
        let cutoff = if max_wnd > u64::from(DEFAULT_MSS) {
            max_wnd / 2
        } else {
            max_wnd
        };
        let mut goal = crate::tso::GSO_MAX_SIZE;
        if cutoff > 0 && goal > cutoff {
            goal = cutoff;
        }
        (goal / mss * mss).max(mss)
    }

    fn write(&mut self, now: SimTime, bytes: u64, flags: WriteFlags) -> bool {
        self.clock = now;
        if !self.takes_writes() {
            return false;
        }
        self.written += bytes;
        self.end_write(now, bytes > 0, flags);
        true
    }

    /// The application may still write: the connection is open and not
    /// closed for sending.
    fn takes_writes(&self) -> bool {
        let open = matches!(
            self.state,
            State::SynSent | State::SynRcvd | State::Established | State::CloseWait
        );
        open && !self.fin_queued
    }

    /// A write ended with what it queued: its last byte is pushed unless
    /// more follows, a record ends there if asked, and what may be sent
    /// is.
    fn end_write(&mut self, now: SimTime, wrote: bool, flags: WriteFlags) {
        if wrote {
            self.chrono.start(now, crate::chrono::Kind::Busy);
        }
        if wrote && self.state.is_synchronized() {
            // Linux checks as a write queues new data (`tcp_skb_entail`).
            self.restart_if_idle(now);
        }
        if wrote && !flags.more && self.cfg.push == PushRule::Writes {
            self.push.wrote(1 + self.written);
        }
        if flags.eor {
            self.records.acked(self.snd_una);
            self.records.end_at(1 + self.written);
        }
        self.more = flags.more;
        self.transmit(now);
        self.more = false;
    }

    /// Sets a socket option on the open connection (`setsockopt`). Turning
    /// Nagle off sends what it held back at once, as Linux's
    /// `tcp_push_pending_frames` in `TCP_NODELAY`.
    pub fn set_option(&mut self, now: SimTime, opt: SockOpt) {
        self.clock = now;
        match opt {
            SockOpt::NoDelay(on) => {
                Arc::make_mut(&mut self.cfg).nagle = !on;
                // Linux's `__tcp_sock_set_nodelay`: what waits is pushed,
                // corked or not.
                self.push_once = on;
            }
            SockOpt::SendBuffer(bytes) => Arc::make_mut(&mut self.cfg).snd_buf = bytes,
            SockOpt::UserTimeout(t) => Arc::make_mut(&mut self.cfg).user_timeout = t,
            SockOpt::NotSentLowat(bytes) => Arc::make_mut(&mut self.cfg).notsent_lowat = bytes,
            SockOpt::Cork(on) => {
                self.cork = on;
                // `__tcp_sock_set_cork`: uncorking pushes with TCP_NODELAY
                // set, and leaves the rest to Nagle.
                self.push_once = !on && !self.cfg.nagle;
            }
        }
        if self.state.is_synchronized() {
            self.transmit(now);
        }
        self.push_once = false;
    }

    /// The application consumed `bytes` of delivered data; the window may
    /// reopen (RFC 9293 §3.10.3).
    pub fn read(&mut self, now: SimTime, bytes: u64) {
        self.clock = now;
        let before = self.rcv_adv.saturating_sub(self.rcv_nxt);
        self.unread = self.unread.saturating_sub(bytes);
        self.autotune_adjust();
        let buf = u64::from(self.rcv_buf);
        let free = buf.saturating_sub(self.unread);
        let threshold = (buf / 2).min(u64::from(self.eff_mss));
        let opened = match self.cfg.window_update {
            // RFC 1122 §4.2.3.3: the window may move right by at least
            // min(half the buffer, MSS).
            WindowUpdate::Rfc1122 => free > before && free - before >= threshold,
            WindowUpdate::Linux => {
                // `tcp_cleanup_rbuf`: a window "raised significantly",
                // at least doubled from at most half the largest; the
                // receiver's SWS rule still holds a window under the
                // threshold at zero (`__tcp_select_window`).
                let largest = u64::from(self.cfg.rcv_buf_max.unwrap_or(0)).max(buf);
                let new = if free >= threshold { free } else { 0 };
                2 * before <= largest && new > 0 && new >= 2 * before
            }
        };
        if self.state.is_synchronized() && opened {
            // Tell the sender the window opened.
            self.ack_now = true;
        }
        self.transmit(now);
    }

    /// The application will send no more (RFC 9293 §3.10.4).
    pub fn close(&mut self, now: SimTime) {
        self.clock = now;
        match self.state {
            State::SynSent => self.set_state(State::Closed, "close"),
            State::SynRcvd => {
                // Queue the FIN until ESTABLISHED.
                self.close_after_open = true;
            }
            State::Established => {
                self.fin_queued = true;
                self.set_state(State::FinWait1, "close");
            }
            State::CloseWait => {
                self.fin_queued = true;
                self.set_state(State::LastAck, "close");
            }
            _ => {}
        }
        self.transmit(now);
    }

    /// The application will read no more: it closed the socket, or shut
    /// its reading side. New data that arrives once our FIN is sent is
    /// then answered with a RST (RFC 1122 §4.2.2.13: "if new data is
    /// received after CLOSE is called, its TCP SHOULD send a RST to show
    /// that data was lost"), as Linux does in FIN_WAIT_1 and FIN_WAIT_2
    /// (`tcp_rcv_state_process`); before that the data is still taken, as
    /// Linux's after `shutdown(SHUT_RD)`. [`Connection::close`] alone is a
    /// half close and keeps reading.
    pub fn shut_read(&mut self) {
        self.read_shut = true;
    }

    /// Resets the connection (RFC 9293 §3.10.5).
    pub fn abort(&mut self, now: SimTime) {
        self.clock = now;
        if matches!(
            self.state,
            State::SynRcvd
                | State::Established
                | State::FinWait1
                | State::FinWait2
                | State::CloseWait
        ) {
            match self.cfg.answers {
                Answers::Rfc9293 => {
                    let seq = self.seq(self.snd_nxt);
                    self.emit_rst(seq);
                }
                // Linux's `tcp_send_active_reset`: RST,ACK at SND.NXT
                // acknowledging RCV.NXT, options and window as any segment.
                Answers::Linux => {
                    let from = self.snd_nxt;
                    self.emit(from, 0, false, false);
                    if let Some(t) = self.out.back_mut() {
                        t.seg.flags = t.seg.flags | Flags::RST;
                    }
                }
            }
        }
        self.set_state(State::Closed, "abort");
    }

    /// The host lost this connection's state (a crash or reboot): it
    /// vanishes without a word to the peer, leaving the peer's side
    /// half-open (RFC 9293 §3.5.2).
    pub fn forget(&mut self) {
        self.out.clear();
        self.ack_now = false;
        self.set_state(State::Closed, "host crashed");
    }

    // ----- timers -----

    /// Handles every deadline that has come (RFC 9293 §3.10.8).
    pub fn handle_timeout(&mut self, now: SimTime) {
        self.clock = now;
        let due = |d: Option<SimTime>| d.is_some_and(|t| t <= now);
        if due(self.timewait_deadline) {
            self.timewait_deadline = None;
            self.set_state(State::Closed, "2MSL timeout");
            return;
        }
        if due(self.finwait2_deadline) {
            self.finwait2_deadline = None;
            self.set_state(State::Closed, "FIN_WAIT_2 timeout");
            return;
        }
        if due(self.delack_deadline) {
            self.delack_deadline = None;
            self.ack_now = true;
        }
        if due(self.reo_deadline) {
            self.reo_deadline = None;
            self.on_reordering_timeout(now);
        }
        if due(self.tlp_deadline) {
            self.tlp_deadline = None;
            self.on_probe_timeout(now);
        }
        if due(self.rtx_deadline) {
            self.rtx_deadline = None;
            self.on_retransmission_timeout(now);
        }
        if due(self.persist_deadline) {
            self.persist_deadline = None;
            self.on_persist_timeout(now);
        }
        if due(self.pace_deadline) {
            self.pace_deadline = None;
        }
        if self.state == State::Closed {
            // A timer gave up on the connection: nothing more is sent, and
            // no timer may be armed again by sending.
            return;
        }
        self.transmit(now);
    }

    /// RACK's reordering timer (RFC 8985 §6.3): segments not old enough
    /// at the last ACK may be now; if any is lost, recovery begins.
    fn on_reordering_timeout(&mut self, now: SimTime) {
        if !self.rack_on() || !self.state.is_synchronized() {
            return;
        }
        self.rack_detect_loss(now);
        if !self.in_recovery && self.snd_una > self.recover && self.board.lost_bytes() > 0 {
            // Linux's `tcp_rack_reo_timeout` counts one segment delivered.
            self.enter_recovery(u64::from(self.eff_mss), false);
        }
    }

    /// The probe timer fired (RFC 8985 §7.3): send one new segment if the
    /// peer's window allows, else retransmit the last segment sent; then
    /// the RTO runs, not another probe, until an ACK.
    fn on_probe_timeout(&mut self, now: SimTime) {
        // §7.2: no probe in recovery, nor with segments SACKed (RACK's
        // reordering timer covers them).
        if !self.rack_on()
            || self.snd_max <= self.snd_una
            || self.in_recovery
            || self.snd_una <= self.recover
            || self.board.sacked_bytes() > 0
        {
            return;
        }
        let mss = u64::from(self.eff_mss);
        let sent_new = self.snd_nxt == self.snd_max && self.send_next(now, mss, 0);
        if sent_new {
            self.tlp_end = Some((self.snd_max, false));
        } else if let Some((from, end)) = self.board.last_segment() {
            self.retransmit_range(from, end);
            self.tlp_end = Some((self.snd_max, true));
        } else {
            return;
        }
        self.tlp_rearm = false;
        self.stats.tlp_probes += 1;
        self.rtx_deadline = Some(now + self.rtt.rto());
    }

    /// RFC 8985 §7.4: an ACK at or beyond the probe ends its episode. A
    /// probe of new data needs nothing more; a retransmitted one that a
    /// D-SACK shows was not needed neither; one acknowledged beyond
    /// without a D-SACK repaired a loss, which gets the congestion
    /// response of a fast recovery (§7.4.2: cwnd = ssthresh, reduced).
    fn tlp_process_ack(&mut self, acked_to: u64, dsack: bool) {
        let Some((end, retrans)) = self.tlp_end else {
            return;
        };
        if acked_to < end {
            return;
        }
        if !retrans || dsack {
            self.tlp_end = None;
        } else if acked_to > end {
            self.tlp_end = None;
            let mss = self.eff_mss;
            let flight = (self.snd_max - self.snd_una).min(u64::from(u32::MAX)) as u32;
            self.cc.on_fast_retransmit(flight, mss);
            let ssthresh = self.cc.ssthresh();
            self.cc.set_cwnd(ssthresh, mss);
            self.cwnd_event();
        }
    }

    /// RACK's loss detection (RFC 8985 §6.2 steps 4 to 6) with the current
    /// RACK state; arms or clears the reordering timer.
    fn rack_detect_loss(&mut self, now: SimTime) {
        self.reo_deadline = None;
        let Some((xmit_ts, end_seq)) = self.rack.xmit else {
            return;
        };
        // Step 4: the reordering window is min_RTT / 4 (at most SRTT), and
        // zero before any reordering was seen once in recovery or with
        // DupThresh segments SACKed (DupThresh's rule, in time).
        let mss = u64::from(self.eff_mss);
        let in_loss = self.in_recovery || self.snd_una <= self.recover;
        let reo_wnd = if !self.board.reordering_seen()
            && (in_loss || self.board.sacked_bytes() > u64::from(DUPTHRESH - 1) * mss)
        {
            SimDuration::ZERO
        } else {
            let quarter = SimDuration(self.rack.min_rtt.unwrap_or_default().as_nanos() / 4);
            self.rtt.srtt().map_or(quarter, |s| quarter.min(s))
        };
        let found = self
            .board
            .rack_detect(xmit_ts, end_seq, self.rack.rtt, reo_wnd, now);
        self.stats.rack_losses += found.segments;
        // Step 6: the reordering timer for segments not old enough yet.
        self.reo_deadline = found.timeout.map(|t| now + t);
    }

    /// RFC 8985 §6.2 steps 1 to 3 for an ACK: RACK.xmit_ts, end_seq and
    /// rtt from the most recently sent segment it delivered.
    fn rack_update(&mut self, now: SimTime) {
        let Some((ts, end)) = self.board.rack_take() else {
            return;
        };
        let from = match self.cfg.rack_rtt {
            RackRtt::MostRecentlySent => ts,
            RackRtt::LastInSequence => self.board.rack_linux_rtt_from().unwrap_or(ts),
        };
        let rtt = now.saturating_since(from);
        self.rack.rtt = rtt;
        self.rack.min_rtt = Some(self.rack.min_rtt.map_or(rtt, |m| m.min(rtt)));
        if self
            .rack
            .xmit
            .is_none_or(|(t, e)| rack_sent_after(ts, end, t, e))
        {
            self.rack.xmit = Some((ts, end));
        }
    }

    /// RFC 8985 §6.2 step 2's filter, before an ACK is read: an ACK cannot
    /// be for a retransmission sent less than min_RTT ago, nor (with
    /// timestamps) for one sent after the TSval it echoes.
    fn rack_cut(&self, now: SimTime, ts: Option<Timestamps>) -> SimTime {
        let mut cut = SimTime(
            now.as_nanos()
                .saturating_sub(self.rack.min_rtt.unwrap_or_default().as_nanos()),
        );
        if self.ts_on
            && let Some(ts) = ts
        {
            let now_ms = now.as_nanos() / 1_000_000;
            let ecr_ms = ts.ecr.wrapping_sub(self.cfg.ts_offset);
            let back = (now_ms as u32).wrapping_sub(ecr_ms);
            if back < 1 << 31 {
                let echoed = now_ms.saturating_sub(u64::from(back));
                cut = cut.min(SimTime(echoed * 1_000_000 + 999_999));
            }
        }
        cut
    }

    fn on_retransmission_timeout(&mut self, now: SimTime) {
        if self.snd_nxt == self.snd_una && self.snd_max == self.snd_una {
            return;
        }
        self.retries += 1;
        self.stats.timeouts += 1;
        self.timed = None;
        match self.state {
            State::SynSent | State::SynRcvd => {
                // The user timeout in SYN_SENT only: Linux's listener
                // answers SYNs from request socks, which have none.
                let user = self.state == State::SynSent && self.user_timed_out(now);
                if self.retries > self.cfg.syn_retries || user {
                    if self.state == State::SynSent || !self.passive {
                        self.events.push_back(Event::ConnectFailed("timeout"));
                    }
                    self.set_state(State::Closed, "timeout");
                    return;
                }
                self.syn_timed_out = true;
                self.rtt.back_off();
                self.snd_nxt = 0;
            }
            _ => {
                if self.user_timed_out(now) {
                    // Linux's `tcp_write_err`: the error and CLOSED, no RST.
                    self.events.push_back(Event::TimedOut);
                    self.set_state(State::Closed, "user timeout");
                    return;
                }
                if self.retries > self.cfg.data_retries {
                    self.events.push_back(Event::TimedOut);
                    // RFC 1122 §4.2.3.5 closes the connection; the model
                    // tells the peer with a RST, Linux (`tcp_write_err`)
                    // sends nothing.
                    if self.cfg.answers == Answers::Rfc9293 {
                        let seq = self.seq(self.snd_nxt);
                        self.emit_rst(seq);
                    }
                    self.set_state(State::Closed, "timeout");
                    return;
                }
                let flight = (self.snd_max - self.snd_una).min(u64::from(u32::MAX)) as u32;
                // A timeout inside SACK recovery ends the same loss episode
                // the recovery already halved ssthresh for: it is not
                // halved again (Linux's `tcp_enter_loss`; RFC 5681 §3.1
                // reduces once per episode). Halving FlightSize instead
                // would count every SACKed byte of the episode as in
                // flight and raise ssthresh far above the window.
                let first = self.retries == 1 && !(self.sack_on && self.in_recovery);
                if self.retries == 1 && !self.in_recovery && !self.cwr {
                    // Linux's `tcp_enter_loss` in the Open or Disorder state.
                    self.board.reordering_on_timeout();
                }
                self.cc.on_timeout(flight, self.eff_mss, first);
                self.ecn.reduced(self.snd_max);
                self.cwr = false;
                if self.retries == 1 && !self.in_recovery {
                    // A new loss episode; a timeout in recovery or a
                    // backed-off one continues the current.
                    self.episode = Some(Episode::begin(self.snd_una));
                }
                self.cwnd_event();
                // RFC 6582 §3.2 step 4: record the highest sequence number
                // transmitted and leave recovery; RFC 6298 (5.5): back the
                // timer off.
                self.recover = self.snd_max - 1;
                self.in_recovery = false;
                self.dupacks = 0;
                self.limited_sent = 0;
                self.rtt.back_off();
                // Go back to the first unacknowledged byte (RFC 6298 (5.4)
                // retransmits it; the rest follows as the window allows).
                self.snd_nxt = self.snd_una;
                if self.sack_on {
                    // Everything not SACKed is lost (RFC 6675 §5.1; Linux's
                    // `tcp_enter_loss`).
                    self.board.mark_all_lost();
                }
                // No probe now: RTO recovery (RFC 8985 §7.2).
                self.tlp_end = None;
                self.tlp_deadline = None;
                self.reo_deadline = None;
            }
        }
        let mut at = now + self.rtt.rto();
        if let (Some(ut), Some((stamp, _))) = (self.cfg.user_timeout, self.rtx_stamp) {
            // Linux's `tcp_clamp_rto_to_user_timeout`: fire when the user
            // timeout ends rather than a backed-off RTO later.
            at = at.min(stamp + ut).max(now);
        }
        self.rtx_deadline = Some(at);
    }

    /// RFC 5482 with Linux's `retransmits_timed_out`: data has been
    /// retransmitted, and the first retransmission of what is outstanding
    /// (in SYN_SENT: the first SYN) went `user_timeout` ago or more. (Linux measures the default limit,
    /// `data_retries`, the same way; the model counts timeouts for it.)
    fn user_timed_out(&self, now: SimTime) -> bool {
        match (self.cfg.user_timeout, self.rtx_stamp) {
            (Some(ut), Some((stamp, _))) => self.retries > 0 && now.saturating_since(stamp) >= ut,
            _ => false,
        }
    }

    fn on_persist_timeout(&mut self, now: SimTime) {
        let waiting = 1 + self.written > self.snd_nxt;
        if !waiting || self.snd_nxt != self.snd_una || !self.state.is_synchronized() {
            return;
        }
        let from = self.snd_nxt;
        if self.snd_wnd > 0 {
            // SWS override: send what the small window allows.
            let avail = self.sendable_end() - self.snd_nxt;
            let len = avail
                .min(u64::from(self.snd_wnd))
                .min(u64::from(self.eff_mss));
            let len = self.records.cut(from, len);
            if self.timed.is_none() && from >= self.snd_max {
                self.timed = Some((from + len, now));
            }
            if self.cfg.push == PushRule::Writes {
                // Linux's `tcp_write_wakeup` sets PSH on what it sends.
                self.push.force(from + len);
            }
            self.emit(from, len as u32, false, false);
            self.snd_nxt += len;
            self.rtx_deadline = Some(now + self.rtt.rto());
            return;
        }
        // RFC 5482 as Linux's `tcp_probe_timer`: the user timeout runs
        // from the first expiry of the persist timer, whatever the probes'
        // ACKs say (RFC 1122 §4.2.2.17 keeps probing a zero window
        // forever otherwise).
        let stamp = *self.probe_stamp.get_or_insert(now);
        if let Some(ut) = self.cfg.user_timeout
            && now.saturating_since(stamp) >= ut
        {
            self.events.push_back(Event::TimedOut);
            self.set_state(State::Closed, "user timeout");
            return;
        }
        match self.cfg.answers {
            Answers::Rfc9293 => {
                // A one-byte probe beyond the closed window (RFC 9293
                // §3.8.6.1); SND.NXT stays, so the byte is sent again
                // normally once the window opens.
                self.probed = Some(from);
                self.emit(from, 1, false, false);
            }
            // Linux's `tcp_xmit_probe_skb`: no data, at SND.UNA - 1, which
            // the peer must answer with an ACK carrying its window.
            Answers::Linux => self.emit(self.snd_una.saturating_sub(1), 0, false, false),
        }
        self.persist_backoff += 1;
        let mut at = now + self.persist_interval();
        if let Some(ut) = self.cfg.user_timeout {
            // Linux's `tcp_clamp_probe0_to_user_timeout`.
            at = at.min(stamp + ut);
        }
        self.persist_deadline = Some(at);
    }

    // ----- segment arrival (RFC 9293 §3.10.7) -----

    /// Processes a segment addressed to this connection.
    pub fn handle_segment(&mut self, now: SimTime, seg: &Segment) {
        self.clock = now;
        self.stats.segments_received += 1;
        match self.state {
            State::Closed | State::Listen => {}
            State::SynSent => self.segment_in_syn_sent(now, seg),
            _ => self.segment_in_synchronized(now, seg),
        }
        self.transmit(now);
    }

    /// RFC 9293 §3.10.7.3.
    fn segment_in_syn_sent(&mut self, now: SimTime, seg: &Segment) {
        // First: the ACK must acknowledge our SYN: ISS < SEG.ACK <= SND.NXT.
        let ack_ok = if seg.has(Flags::ACK) {
            if !(seg.ack > self.iss && seg.ack <= self.seq(self.snd_max)) {
                if !seg.has(Flags::RST) {
                    self.emit_rst(seg.ack);
                }
                self.events
                    .push_back(Event::Dropped("unacceptable ACK in SYN_SENT"));
                return;
            }
            true
        } else {
            false
        };
        // Second: RST. Only one acknowledging our SYN is believed (RFC 5961
        // §3.2 for SYN_SENT).
        if seg.has(Flags::RST) {
            if ack_ok {
                self.events.push_back(Event::ConnectFailed("refused"));
                self.set_state(State::Closed, "rcv RST");
            } else {
                self.events
                    .push_back(Event::Dropped("RST without ACK in SYN_SENT"));
            }
            return;
        }
        // Fourth: SYN.
        if !seg.has(Flags::SYN) {
            self.events
                .push_back(Event::Dropped("neither SYN nor RST in SYN_SENT"));
            return;
        }
        self.take_peer_syn(seg);
        self.snd_wnd = u32::from(seg.wnd);
        self.max_snd_wnd = self.snd_wnd;
        self.snd_wl1 = seg.seq;
        self.snd_wl2 = seg.ack;
        if ack_ok {
            // RFC 7413 §4.2.1: the SYN,ACK may acknowledge all, some or
            // none of the SYN's data; what it leaves is sent again after
            // the handshake, as Linux's `tcp_rcv_fastopen_synack` does.
            let acked = u64::from(seg.ack.0.wrapping_sub(self.iss.0)).min(self.snd_max);
            self.snd_una = acked.max(1);
            self.fo.syn_data_acked = self.fo.syn_data > 0 && acked == self.snd_max;
            if self.snd_max > self.snd_una && self.board_kept() {
                // The SYN's data left unacknowledged is lost, and goes
                // again as retransmissions (Linux's
                // `tcp_rcv_fastopen_synack` marks it lost).
                let (from, to) = (self.snd_una, self.snd_max);
                self.board.sent(from, to, now);
                self.board.mark_all_lost();
            }
            self.snd_nxt = self.snd_una;
            self.take_rtt_sample(now, 1);
            self.rtx_deadline = None;
            self.retries = 0;
            if self.syn_timed_out {
                self.rtt.at_least_3s_after_syn_timeout();
            }
            self.set_state(State::Established, "rcv SYN,ACK");
            self.events.push_back(Event::Connected);
            self.cwnd_event();
            self.ack_now = true;
            // §3.10.7.3: "If there are other controls or text in the
            // segment, then continue processing at the sixth step under
            // Section 3.10.7.4": the text and a FIN are taken now.
            self.text_and_fin(now, 1, seg.data, seg.has(Flags::FIN));
        } else {
            // Simultaneous open: answer with SYN,ACK (our same ISS). Text
            // and controls wait for ESTABLISHED (§3.10.7.3).
            self.queue_syn_rest(seg);
            self.set_state(State::SynRcvd, "rcv SYN");
            self.snd_nxt = 0;
        }
    }

    /// RFC 9293 §3.10.7.4, for SYN_RCVD and every later state.
    fn segment_in_synchronized(&mut self, now: SimTime, seg: &Segment) {
        let seg_len = u64::from(seg.seg_len());
        let rcv_wnd = self.rcv_adv.saturating_sub(self.rcv_nxt);
        let rel = i64::from(seg.seq.0.wrapping_sub(self.rcv_seq(self.rcv_nxt).0) as i32);
        let start = self.rcv_nxt as i64 + rel;
        let in_wnd = |x: i64| x >= self.rcv_nxt as i64 && x < (self.rcv_nxt + rcv_wnd) as i64;
        // PAWS comes before the sequence number check (RFC 7323 §5.3 R1):
        // a timestamp older than TS.Recent marks an old duplicate. (TS.Recent
        // is never invalidated by idleness here: runs last less than the 24
        // days of §5.5.)
        if self.ts_on
            && !seg.has(Flags::RST)
            && let Some(ts) = seg.timestamps
            && (ts.val.wrapping_sub(self.ts_recent) as i32) < 0
        {
            self.stats.paws_drops += 1;
            self.events
                .push_back(Event::Dropped("PAWS: timestamp older than TS.Recent"));
            self.ack_now = true;
            return;
        }
        let acceptable = match (seg_len, rcv_wnd) {
            (0, 0) => rel == 0,
            (0, _) => in_wnd(start),
            (_, 0) => false,
            (_, _) => in_wnd(start) || in_wnd(start + seg_len as i64 - 1),
        };
        let mut ack_only = false;
        if !acceptable {
            if seg.has(Flags::RST) {
                self.events
                    .push_back(Event::Dropped("RST outside the window"));
                return;
            }
            if self.state == State::SynRcvd && seg.has(Flags::SYN) && seg.seq == self.irs {
                if !self.passive && seg.has(Flags::ACK) {
                    // Simultaneous open: the peer's SYN,ACK repeats its SYN
                    // and acknowledges ours. Take the acknowledgment (RFC
                    // 9293 Figure 8 shows this reaching ESTABLISHED; by the
                    // letter of §3.10.7.4 it would be answered with an ACK
                    // and the peer's next ACK would do it).
                    let mut rest = seg.clone();
                    rest.flags = Flags(seg.flags.0 & !Flags::SYN.0);
                    rest.seq = seg.seq + 1;
                    self.segment_in_synchronized(now, &rest);
                    return;
                }
                // The peer repeated its SYN: our SYN,ACK was lost. Answer it
                // again rather than with a bare ACK (what deployed stacks do;
                // RFC 9293 would send an ACK and wait for our timer).
                self.events
                    .push_back(Event::Dropped("duplicate SYN in SYN_RCVD"));
                self.snd_nxt = 0;
                return;
            }
            if self.state == State::TimeWait
                && seg.has(Flags::FIN)
                && start + seg_len as i64 == self.rcv_nxt as i64
            {
                // The peer retransmitted its FIN: our last ACK was lost.
                // Acknowledge it and restart the 2 MSL timeout (§3.10.7.4,
                // eighth step, TIME-WAIT).
                self.timewait_deadline = Some(now + self.cfg.time_wait);
                self.events
                    .push_back(Event::Dropped("retransmitted FIN in TIME_WAIT"));
                self.emit_ack();
                return;
            }
            if rcv_wnd == 0 && rel == 0 {
                // Zero window: still process the ACK (§3.10.7.4: "special
                // allowance should be made to accept valid ACKs").
                ack_only = true;
                self.ack_now = true;
            } else {
                if seg.data.len > 0 && start < self.rcv_nxt as i64 {
                    // An old duplicate: D-SACK it (RFC 2883 §4.1; Linux's
                    // `tcp_send_dupack`).
                    let end = (start + i64::from(seg.data.len)).min(self.rcv_nxt as i64);
                    self.note_duplicate(start.max(0) as u64, end.max(0) as u64);
                }
                self.events
                    .push_back(Event::Dropped("outside the receive window"));
                self.ack_now = true;
                return;
            }
        }

        self.rcv_tsecr = seg.timestamps.filter(|_| self.ts_on).map(|ts| ts.ecr);
        // Linux drops an ACK of unsent data once the sequence, RST and SYN
        // checks pass, before TS.Recent, data or FIN (`tcp_ack` fails in
        // `tcp_rcv_established`'s slow path and `tcp_rcv_state_process`).
        if self.cfg.answers == Answers::Linux
            && seg.has(Flags::ACK)
            && !seg.has(Flags::RST)
            && !seg.has(Flags::SYN)
            && self.state.is_synchronized()
            && self.state != State::SynRcvd
            && seg.ack > self.seq(self.snd_max)
        {
            self.events
                .push_back(Event::Dropped("ACK of data not yet sent"));
            return;
        }
        // RFC 7323 §4.3 (and §5.3 R3): an acceptable segment that starts
        // at or before Last.ACK.sent updates TS.Recent.
        if self.ts_on
            && let Some(ts) = seg.timestamps
            && start <= self.last_ack_sent as i64
            && (ts.val.wrapping_sub(self.ts_recent) as i32) >= 0
        {
            self.ts_recent = ts.val;
        }

        // Second: RST (RFC 5961 §3.2: only an exact match resets).
        if seg.has(Flags::RST) {
            if rel != 0 {
                self.challenge_ack("RST in window but not at RCV.NXT");
                return;
            }
            match self.state {
                // A Fast Open child may already be accepted and read: it
                // is reset like an established connection (Linux).
                State::SynRcvd if self.fo.child => {
                    self.events.push_back(Event::Reset);
                    self.set_state(State::Closed, "rcv RST");
                }
                State::SynRcvd if self.passive => self.set_state(State::Listen, "rcv RST"),
                State::SynRcvd => {
                    self.events.push_back(Event::ConnectFailed("refused"));
                    self.set_state(State::Closed, "rcv RST");
                }
                State::TimeWait if self.cfg.rfc1337 => {
                    self.events
                        .push_back(Event::Dropped("RST in TIME_WAIT (RFC 1337)"));
                }
                State::Established | State::FinWait1 | State::FinWait2 | State::CloseWait => {
                    self.events.push_back(Event::Reset);
                    self.set_state(State::Closed, "rcv RST");
                }
                _ => self.set_state(State::Closed, "rcv RST"),
            }
            return;
        }

        // Fourth: SYN. In SYN_RCVD from a passive open, return to LISTEN;
        // everywhere else a challenge ACK (RFC 5961 §4, RFC 9293).
        if seg.has(Flags::SYN) {
            if self.state == State::SynRcvd && self.passive {
                self.set_state(State::Listen, "rcv SYN");
            } else {
                self.challenge_ack("SYN in a synchronized state");
            }
            return;
        }

        // Fifth: ACK.
        if !seg.has(Flags::ACK) {
            self.events.push_back(Event::Dropped("no ACK"));
            return;
        }
        if self.state == State::SynRcvd {
            if seg.ack > self.seq(self.snd_una) && seg.ack <= self.seq(self.snd_max) {
                self.snd_wnd = u32::from(seg.wnd) << self.snd_wscale;
                self.max_snd_wnd = self.max_snd_wnd.max(self.snd_wnd);
                self.snd_wl1 = seg.seq;
                self.snd_wl2 = seg.ack;
                self.set_state(State::Established, "rcv ACK of SYN");
                self.events.push_back(Event::Connected);
                self.cwnd_event();
                if self.syn_timed_out {
                    self.rtt.at_least_3s_after_syn_timeout();
                }
                self.process_syn_rest(now);
                if self.close_after_open {
                    self.fin_queued = true;
                    self.set_state(State::FinWait1, "close");
                }
            } else {
                self.emit_rst(seg.ack);
                self.events.push_back(Event::Dropped(
                    "ACK in SYN_RCVD does not acknowledge our SYN",
                ));
                return;
            }
        }
        if !self.process_ack(now, seg) {
            return;
        }
        match self.state {
            // A segment that also carries the peer's FIN goes straight to
            // TIME_WAIT in the eighth step ("if our FIN has been ACKed
            // (perhaps in this segment)"); otherwise FIN_WAIT_2 now.
            State::FinWait1 if self.fin_acked() && !seg.has(Flags::FIN) => {
                self.enter_fin_wait_2(now)
            }
            State::Closing if self.fin_acked() => self.enter_time_wait(now, "rcv ACK of FIN"),
            State::LastAck if self.fin_acked() => {
                self.set_state(State::Closed, "rcv ACK of FIN");
                return;
            }
            _ => {}
        }
        if ack_only {
            return;
        }

        if self.read_shut
            && matches!(self.state, State::FinWait1 | State::FinWait2)
            && seg.data.len > 0
            && start + i64::from(seg.data.len) > self.rcv_nxt as i64
        {
            // RFC 1122 §4.2.2.13 (`shut_read`): the reset a segment gets
            // in reply (RFC 9293 §3.10.7.1, `<SEQ=SEG.ACK><CTL=RST>`), and
            // the connection is gone.
            self.emit_rst(seg.ack);
            self.events
                .push_back(Event::Dropped("data after the application closed"));
            self.set_state(State::Closed, "rcv data after close");
            return;
        }
        // Only a connection using ECN, or a CE mark (counted), has work here.
        if seg.data.len > 0 && (self.ecn.on || seg.ecn == Ecn::Ce) {
            self.ecn_on_data(seg);
        }
        self.text_and_fin(now, start, seg.data, seg.has(Flags::FIN));
        if self.state == State::FinWait1 && self.fin_acked() {
            // The FIN it carried was beyond a gap.
            self.enter_fin_wait_2(now);
        }
    }

    /// The seventh and eighth steps of §3.10.7.4: text starting at index
    /// `start`, then a FIN after it once everything before it has arrived.
    fn text_and_fin(&mut self, now: SimTime, start: i64, data: Data, fin: bool) {
        // Seventh: segment text.
        if data.len > 0 {
            match self.state {
                State::Established | State::FinWait1 | State::FinWait2 => {
                    self.receive_data(now, start, data);
                }
                _ => self
                    .events
                    .push_back(Event::Dropped("data after the peer's FIN")),
            }
        }
        // Eighth: FIN.
        if fin {
            let fin_at = start + i64::from(data.len);
            if fin_at >= self.rcv_nxt as i64 {
                self.ooo_fin = Some(fin_at as u64);
            }
        }
        if self.ooo_fin == Some(self.rcv_nxt) && !self.fin_received {
            self.ooo_fin = None;
            self.process_fin(now);
        }
    }

    fn enter_fin_wait_2(&mut self, now: SimTime) {
        self.set_state(State::FinWait2, "rcv ACK of FIN");
        if let Some(t) = self.cfg.fin_wait_2_timeout {
            self.finwait2_deadline = Some(now + t);
        }
    }

    /// Takes an RTT sample if the timed segment is now acknowledged, and
    /// returns it.
    fn take_rtt_sample(&mut self, now: SimTime, acked_to: u64) -> Option<SimDuration> {
        if let Some((end, sent)) = self.timed
            && acked_to >= end
        {
            self.timed = None;
            return Some(self.record_rtt(now.saturating_since(sent)));
        }
        None
    }

    /// RTT measurement for an ACK of new data when the scoreboard times
    /// every segment, as Linux's `tcp_ack_update_rtt`: from the oldest
    /// segment it acknowledges, unless it acknowledges a retransmission
    /// (Karn, RFC 6298 §3); else from the oldest segment it newly SACKs;
    /// else, with timestamps, from TSecr (RFC 7323 §4.1, which times
    /// retransmissions too); else the one timed segment. Returns the
    /// sample taken, if any.
    fn measure_rtt(
        &mut self,
        now: SimTime,
        acked_to: u64,
        acked: &Acked,
        sack_sent: Option<SimTime>,
        ts: Option<Timestamps>,
    ) -> Option<SimDuration> {
        if let Some(sent) = acked.first_sent.filter(|_| !acked.any_retransmitted) {
            self.timed = None;
            Some(self.record_rtt(now.saturating_since(sent)))
        } else if let Some(sent) = sack_sent {
            self.timed = None;
            Some(self.record_rtt(now.saturating_since(sent)))
        } else if let Some(ts) = ts.filter(|_| self.ts_on && acked.any_retransmitted) {
            self.timed = None;
            // Millisecond ticks; a zero difference counts as one tick, as
            // Linux's `tcp_rtt_tsopt_us` does.
            let ticks = self.tsval().wrapping_sub(ts.ecr);
            (ticks < 1 << 31)
                .then(|| self.record_rtt(SimDuration::from_millis(u64::from(ticks.max(1)))))
        } else {
            self.take_rtt_sample(now, acked_to)
        }
    }

    /// Feeds a sample to the estimator and returns it.
    fn record_rtt(&mut self, r: SimDuration) -> SimDuration {
        if self.board_on() || self.cfg.rto_formula == crate::RtoFormula::Linux {
            // One ACK per two segments: RFC 7323 Appendix G's
            // ExpectedSamples.
            let flight = self.snd_max - self.snd_una;
            let expected = flight.div_ceil(2 * u64::from(self.eff_mss));
            self.rtt
                .sample_per_ack(r, expected, self.snd_una, self.snd_nxt);
        } else {
            self.rtt.sample(r);
        }
        let srtt = self.rtt.srtt().unwrap_or_default();
        self.events.push_back(Event::Rtt {
            sample: r,
            srtt,
            rttvar: self.rtt.rttvar(),
            rto: self.rtt.rto(),
        });
        r
    }

    /// The fifth step for ESTABLISHED and later states. Returns false when
    /// the segment must be dropped.
    fn process_ack(&mut self, now: SimTime, seg: &Segment) -> bool {
        let una_seq = self.seq(self.snd_una);
        if seg.ack > self.seq(self.snd_max) {
            // Acknowledges something not yet sent: ACK and drop.
            self.ack_now = true;
            self.events
                .push_back(Event::Dropped("ACK of data not yet sent"));
            return false;
        }
        if seg.ack < una_seq {
            // RFC 5961 §5.2: too old to be plausible?
            if una_seq - seg.ack > self.max_snd_wnd.max(1) {
                self.ack_now = true;
                self.events
                    .push_back(Event::Dropped("ACK older than the send window"));
                return false;
            }
            // An old duplicate: the ACK field is ignored (RFC 9293
            // §3.10.7.4), its SACK blocks are not.
            if self.sack_on && !seg.sack.as_slice().is_empty() {
                self.old_ack_sack(now, seg);
            }
            return true;
        }
        let acked_to = self.snd_una + u64::from(seg.ack - una_seq);
        let old_wnd = self.snd_wnd;
        // Window update, if this segment is newer than the last one used.
        if self.snd_wl1 < seg.seq || (self.snd_wl1 == seg.seq && self.snd_wl2 <= seg.ack) {
            self.snd_wnd = u32::from(seg.wnd) << self.snd_wscale;
            self.snd_wl1 = seg.seq;
            self.snd_wl2 = seg.ack;
            self.max_snd_wnd = self.max_snd_wnd.max(self.snd_wnd);
        }
        if self.snd_wnd != old_wnd && 1 + self.written > self.snd_max {
            // Linux checks for idle also when the window changes with data
            // waiting (`tcp_ack_update_window`), before this ACK's data
            // leaves the flight.
            self.restart_if_idle(now);
        }
        if self.rtx_stamp.is_some_and(|(_, end)| acked_to >= end) {
            self.rtx_stamp = None;
        }
        let advanced = acked_to > self.snd_una;
        // Only a model-based algorithm's rate sample needs it.
        let prior_in_flight = if self.model_based {
            self.in_flight()
        } else {
            0
        };
        let rack = self.rack_on();
        if rack {
            let cut = self.rack_cut(now, seg.timestamps);
            self.board.rack_begin(cut);
        }
        self.board.reordering_begin(self.snd_una);
        let acked = if advanced && self.board_kept() {
            self.board.ack(acked_to)
        } else {
            Acked::default()
        };
        let news = if self.sack_on {
            self.take_sack_blocks(seg)
        } else {
            SackNews::default()
        };
        self.board.reordering_end(acked_to, self.eff_mss);
        if advanced && acked_to >= self.snd_max {
            // Linux's `tcp_clean_rtx_queue` with nothing left in flight.
            let empty = self.queues_empty_after(acked_to);
            self.chrono.stop(now, crate::chrono::Kind::Busy, empty);
        }
        let newly_sacked = news.bytes;
        if !advanced && let Some(sent) = news.first_sent {
            // An ACK that only SACKs times what it SACKs (Linux does).
            self.record_rtt(now.saturating_since(sent));
        }
        // RFC 9937: DeliveredData, the change in SND.UNA plus the change
        // in SACKed bytes.
        let delivered = (acked_to - self.snd_una + newly_sacked).saturating_sub(acked.were_sacked);
        if rack {
            self.rack_update(now);
            self.tlp_process_ack(acked_to, news.dsack);
            if advanced {
                // RFC 8985 §7.2: restart the probe timer on new ACKed data.
                self.tlp_rearm = true;
            }
        }
        if advanced {
            self.on_new_ack(now, acked_to, &acked, news.first_sent, seg.timestamps);
        } else if self.snd_nxt > self.snd_una
            && ((seg.data.len == 0
                && !seg.has(Flags::SYN)
                && !seg.has(Flags::FIN)
                && self.snd_wnd == old_wnd)
                || newly_sacked > 0)
        {
            // A duplicate ACK as RFC 5681 §2 defines it, or one whose SACK
            // blocks cover new data (RFC 6675 §2, DupAck).
            self.on_dup_ack();
        }
        // RFC 9937: a SafeACK advances SND.UNA and shows no new loss;
        // only then may PRR send one segment more than was delivered.
        let mut safe = advanced;
        if self.sack_on && self.state.is_synchronized() {
            safe &= !self.sack_recovery_step(delivered, advanced);
        }
        self.ecn_on_ack(seg.has(Flags::ECE), delivered, safe);
        if self.model_based && delivered > 0 {
            self.rate_step(now, delivered, prior_in_flight);
        }
        true
    }

    /// The SACK blocks of an ACK below SND.UNA (a reordered ACK): news of
    /// what the peer holds, which may show losses and free room in the
    /// pipe (RFC 6675 counts every SACK). As Linux's `tcp_ack` does for an
    /// old ACK, congestion control and PRR do not run: what may be sent is
    /// what the window left by the last ACK now allows.
    fn old_ack_sack(&mut self, now: SimTime, seg: &Segment) {
        let rack = self.rack_on();
        if rack {
            let cut = self.rack_cut(now, seg.timestamps);
            self.board.rack_begin(cut);
        }
        if self.take_sack_blocks(seg).bytes == 0 {
            return;
        }
        if rack {
            self.rack_update(now);
            self.rack_detect_loss(now);
        } else {
            self.board.mark_lost(DUPTHRESH, self.eff_mss);
        }
        if self.in_recovery && self.cfg.prr {
            self.prr.allowed = self.cwnd_limit().saturating_sub(self.in_flight());
        }
    }

    /// An ACK's ECN-Echo, after its other news (a loss recovery it began
    /// is the reduction for that window): DCTCP counts it, and outside
    /// recovery, once per window of data, the window is reduced and CWR
    /// queued (RFC 3168 §6.1.2). With PRR and SACK (the `linux` profile)
    /// the reduction is Linux's CWR state: ssthresh is set now and PRR
    /// brings cwnd down to it as ACKs arrive; otherwise cwnd = ssthresh
    /// at once.
    fn ecn_on_ack(&mut self, ece: bool, delivered: u64, safe: bool) {
        if !self.ecn.on || !self.state.is_synchronized() {
            return;
        }
        if delivered > 0 {
            let acked = delivered.min(u64::from(u32::MAX)) as u32;
            self.cc
                .on_ecn_feedback(acked, ece, self.snd_una, self.snd_max);
        }
        if self.cwr && !self.ecn.should_reduce(true, self.in_recovery, self.snd_una) {
            // Still reducing: PRR sizes what this ACK lets out.
            self.prr_update(delivered, safe);
            return;
        }
        if self.cwr {
            // Linux's `tcp_end_cwnd_reduction`: cwnd = ssthresh.
            self.cwr = false;
            let ssthresh = self.cc.ssthresh();
            self.cc.set_cwnd(ssthresh, self.eff_mss);
            self.cwnd_event();
        }
        if self.ecn.should_reduce(ece, self.in_recovery, self.snd_una) {
            let prior = self.cc.cwnd();
            let flight = (self.snd_max - self.snd_una).min(u64::from(u32::MAX)) as u32;
            self.cc.on_ecn_echo(flight, self.eff_mss);
            self.ecn.reduced(self.snd_max);
            self.stats.ecn_reductions += 1;
            if self.cfg.prr && self.sack_on {
                self.cc.set_cwnd(prior, self.eff_mss);
                self.cwr = true;
                self.prr = Prr {
                    recover_fs: u64::from(prior),
                    ..Prr::default()
                };
                self.cwnd_event();
                self.prr_update(delivered, safe);
            } else {
                self.cwnd_event();
            }
        }
    }

    /// Reads the SACK option of an arriving ACK into the scoreboard. A
    /// first block below the cumulative ACK, or inside the second block, is
    /// a D-SACK (RFC 2883 §4): counted, never taken as news.
    fn take_sack_blocks(&mut self, seg: &Segment) -> SackNews {
        let una_seq = self.seq(self.snd_una);
        let mut news = SackNews::default();
        let blocks = seg.sack.as_slice();
        for (i, &(left, right)) in blocks.iter().enumerate() {
            let len = right.0.wrapping_sub(left.0);
            let rel = left.0.wrapping_sub(una_seq.0);
            if len == 0 || len >= 1 << 31 {
                continue; // not a block (RFC 2018 §3: left edge before right)
            }
            let dsack = i == 0
                && (seg.ack.0.wrapping_sub(left.0).wrapping_sub(1) < 1 << 31
                    || blocks.get(1).is_some_and(|&(l2, r2)| {
                        left.0.wrapping_sub(l2.0) < 1 << 31 && r2.0.wrapping_sub(right.0) < 1 << 31
                    }));
            if dsack {
                self.stats.dsacks_received += 1;
                news.dsack = true;
                // Its right edge as an index, below or above SND.UNA.
                let right_rel = right.0.wrapping_sub(una_seq.0) as i32;
                let right_at = self.snd_una.saturating_add_signed(i64::from(right_rel));
                let segments = len.div_ceil(self.eff_mss.max(1));
                if let Some(e) = self.episode.as_mut()
                    && e.dsack(right_at, segments, self.snd_una)
                {
                    self.stats.spurious_recoveries += 1;
                }
                continue;
            }
            if rel >= 1 << 31 {
                continue; // below SND.UNA: stale
            }
            let from = self.snd_una + u64::from(rel);
            let (bytes, sent) = self.board.sack(from, from + u64::from(len));
            news.bytes += bytes;
            news.first_sent = news.first_sent.or(sent);
        }
        news
    }

    /// After an ACK, with SACK agreed: deem segments lost (RFC 6675
    /// `IsLost`), enter recovery on the third duplicate ACK or a lost first
    /// segment (§5), or within recovery let PRR size what this ACK may send
    /// (RFC 9937). True when this ACK showed a new loss.
    fn sack_recovery_step(&mut self, delivered: u64, advanced: bool) -> bool {
        if matches!(self.state, State::SynRcvd | State::TimeWait) {
            return false;
        }
        let lost_before = self.board.lost_bytes();
        let rack = self.rack_on();
        if rack {
            // RACK replaces RFC 6675's DupThresh marking (RFC 8985 §6.2;
            // Linux skips `tcp_update_scoreboard` with RACK): recovery
            // begins when RACK deems a segment lost.
            let now = self.clock;
            self.rack_detect_loss(now);
        } else {
            self.board.mark_lost(DUPTHRESH, self.eff_mss);
        }
        let newly_lost = self.board.lost_bytes() > lost_before;
        let safe = advanced && !newly_lost;
        if self.in_recovery {
            if self.cfg.prr {
                self.prr_update(delivered, safe);
            }
        } else if self.snd_una > self.recover
            && !self.board.is_empty()
            && if rack {
                self.board.lost_bytes() > 0
            } else {
                self.dupacks >= DUPTHRESH || self.board.front_lost()
            }
        {
            self.enter_recovery(delivered, safe);
        }
        newly_lost
    }

    /// RFC 9937: what this ACK lets recovery send, and cwnd = pipe +
    /// sndcnt. Above ssthresh the proportional part; at or below it the
    /// conservative bound (what was delivered), plus one segment only on a
    /// SafeACK (SND.UNA advanced, no new loss), as Linux's
    /// `tcp_cwnd_reduction`. The first call of a reduction lets at least
    /// one segment out: the fast retransmission.
    fn prr_update(&mut self, delivered: u64, safe: bool) {
        if delivered == 0 {
            // Nothing delivered, nothing to pace by: the window stays
            // (Linux's `tcp_cwnd_reduction` returns).
            return;
        }
        let mss = u64::from(self.eff_mss);
        let pipe = self.in_flight();
        let ssthresh = u64::from(self.cc.ssthresh());
        // With a window of segments the arithmetic is in segments, as
        // Linux counts packets: its rounding, not a byte count's.
        let unit = match self.cfg.cwnd_unit {
            CwndUnit::Bytes => 1,
            CwndUnit::Segments => mss,
        };
        let p = &mut self.prr;
        p.delivered += delivered;
        let (pd, out, now_delivered) = (
            p.delivered.div_ceil(unit),
            p.out.div_ceil(unit),
            delivered.div_ceil(unit),
        );
        let (ssthresh, pipe, recover_fs, one) = (
            ssthresh / unit,
            pipe / unit,
            p.recover_fs / unit,
            mss / unit,
        );
        let sndcnt = if pipe > ssthresh {
            (pd * ssthresh)
                .div_ceil(recover_fs.max(1))
                .saturating_sub(out)
        } else {
            let bonus = if safe { one } else { 0 };
            let limit = pd.saturating_sub(out).max(now_delivered) + bonus;
            (ssthresh - pipe).min(limit)
        };
        let sndcnt = if p.out == 0 { sndcnt.max(one) } else { sndcnt } * unit;
        let pipe = pipe * unit;
        p.allowed = sndcnt;
        let cwnd = (pipe + sndcnt).clamp(mss, u64::from(u32::MAX)) as u32;
        let before = self.cc.cwnd();
        if cwnd != before {
            self.cc.set_cwnd(cwnd, self.eff_mss);
            // (BBR keeps its own window: nothing changed, nothing to say.)
            if self.cc.cwnd() != before {
                self.cwnd_event();
            }
        }
    }

    fn on_new_ack(
        &mut self,
        now: SimTime,
        acked_to: u64,
        board_acked: &Acked,
        sack_sent: Option<SimTime>,
        ts: Option<Timestamps>,
    ) {
        if let Some(e) = self.episode.as_mut()
            && e.advanced(ts.map(|t| t.ecr))
        {
            self.stats.spurious_recoveries += 1;
        }
        let data_acked = {
            let data_end = 1 + self.written;
            let lo = self.snd_una.max(1).min(data_end);
            let hi = acked_to.min(data_end);
            hi.saturating_sub(lo)
        };
        // Congestion control counts data bytes, not the SYN's or FIN's
        // sequence numbers; or, with `cwnd_unit` segments, a full SMSS per
        // segment delivered (one for an ACK that ends inside a segment), as
        // Linux grows a window of packets by packets acknowledged. (Linux
        // also counts segments newly SACKed outside recovery; here only
        // the cumulative ACK's count.)
        let acked = match self.cfg.cwnd_unit {
            CwndUnit::Bytes => data_acked,
            CwndUnit::Segments if data_acked == 0 => 0,
            // Without SACK, Linux counts each duplicate ACK as a segment
            // delivered (`tcp_add_reno_sack`); the ACK that then covers
            // them counts only the rest, at least one
            // (`tcp_remove_reno_sacks`).
            CwndUnit::Segments if !self.sack_on => {
                let segs = board_acked.segments.saturating_sub(u64::from(self.dupacks));
                segs.max(1) * u64::from(self.eff_mss)
            }
            CwndUnit::Segments => board_acked.segments.max(1) * u64::from(self.eff_mss),
        };
        let acked = acked.min(u64::from(u32::MAX)) as u32;
        let before = (self.cc.cwnd(), self.cc.ssthresh());
        let rtt = if self.board_on() {
            self.measure_rtt(now, acked_to, board_acked, sack_sent, ts)
        } else {
            self.take_rtt_sample(now, acked_to)
        };
        self.retries = 0;
        let mss = self.eff_mss;
        let mut restart_timer = true;
        if self.in_recovery {
            // Reno (RFC 5681 §3.2 step 6) leaves recovery on any new ACK;
            // NewReno only on a full one.
            if acked_to > self.recover || (!self.sack_on && !self.cc.recovery_spans_window()) {
                // Full acknowledgment, "all of the data up to and including
                // recover": recovery is over (RFC 6582 §3.2 step 3).
                self.in_recovery = false;
                if self.sack_on {
                    // RFC 9937 (and Linux's `tcp_end_cwnd_reduction`):
                    // cwnd = ssthresh.
                    let ssthresh = self.cc.ssthresh();
                    self.cc.set_cwnd(ssthresh, mss);
                } else {
                    let flight = (self.snd_max - acked_to).min(u64::from(u32::MAX)) as u32;
                    self.cc.on_recovery_end(flight, mss);
                }
            } else if self.sack_on {
                // A partial ACK in SACK recovery: the scoreboard chooses
                // what to send next (RFC 6675 §5) and the timer restarts
                // (RFC 6298 (5.3)).
            } else {
                // Partial acknowledgment (RFC 6582 §3.2 step 3): retransmit
                // the next hole, deflate the window, and reset the timer
                // only for the first partial ACK.
                self.snd_una = acked_to;
                self.snd_nxt = self.snd_nxt.max(acked_to);
                self.retransmit_front();
                self.cc.on_partial_ack(acked, mss);
                restart_timer = self.first_partial;
                self.first_partial = false;
            }
        } else if acked > 0 && !self.cwr {
            self.cc.on_ack(&AckInfo {
                now,
                acked,
                smss: mss,
                slow_start_limit: match self.cfg.cwnd_unit {
                    CwndUnit::Bytes => mss,
                    CwndUnit::Segments => u32::MAX,
                },
                srtt: self.rtt.srtt(),
                rtt,
                snd_una: acked_to,
                snd_nxt: self.snd_max,
                cwnd_limited: self.cwnd_limited(),
            });
        }
        if (self.cc.cwnd(), self.cc.ssthresh()) != before {
            self.cwnd_event();
        }
        self.dupacks = 0;
        self.limited_sent = 0;
        self.snd_una = acked_to;
        self.snd_nxt = self.snd_nxt.max(acked_to);
        if data_acked > 0 {
            self.stats.bytes_acked += data_acked;
            self.events.push_back(Event::Acked(data_acked));
        }
        // RFC 6298 (5.2) and (5.3).
        if self.snd_una >= self.snd_max {
            self.rtx_deadline = None;
        } else if restart_timer {
            self.rtx_deadline = Some(now + self.rtt.rto());
        }
    }

    fn on_dup_ack(&mut self) {
        self.dupacks += 1;
        let mss = self.eff_mss;
        if self.sack_on {
            // SACK recovery neither inflates cwnd nor counts on duplicate
            // ACKs alone: `sack_recovery_step` follows.
        } else if self.in_recovery {
            self.cc.on_dup_ack_in_recovery(mss);
            self.cwnd_event();
        } else if self.dupacks == DUPTHRESH
            && (self.snd_una > self.recover || !self.cc.recovery_spans_window())
        {
            // Fast retransmit (RFC 5681 §3.2) only when the cumulative ACK
            // covers more than `recover`, which then becomes the highest
            // sequence number transmitted (RFC 6582 §3.2 step 2). The ACK
            // field is the next byte expected, so it covers byte `recover`
            // when it is greater.
            // Reno has no such guard (RFC 5681 §3.2): a second loss in a
            // window gets a second fast retransmit.
            self.enter_recovery(0, false);
        }
    }

    /// Fast retransmit and fast recovery begin: NewReno's (RFC 5681 §3.2,
    /// RFC 6582 §3.2) or, with SACK, RFC 6675 §5 step (4).
    fn enter_recovery(&mut self, delivered: u64, safe: bool) {
        let mss = self.eff_mss;
        self.in_recovery = true;
        self.first_partial = true;
        // RecoveryPoint = HighData (RFC 6675 §5 (4.1)); RFC 6582's
        // `recover`.
        self.recover = self.snd_max - 1;
        // RFC 5681 §3.2 step 2: FlightSize without what limited transmit
        // sent.
        let flight = (self.snd_max - self.snd_una).saturating_sub(self.limited_sent);
        let flight = flight.min(u64::from(u32::MAX)) as u32;
        self.limited_sent = 0;
        if self.cwr {
            // Already reducing for an ECN-Echo: the loss is in the same
            // window, and ssthresh stays (Linux's `tcp_enter_recovery`
            // sets it only outside a reduction).
            self.cwr = false;
        } else {
            self.cc.on_fast_retransmit(flight, mss);
        }
        self.ecn.reduced(self.snd_max);
        self.stats.fast_retransmits += 1;
        self.episode = Some(Episode::begin(self.snd_una));
        if !self.sack_on {
            self.cwnd_event();
            self.retransmit_front();
            return;
        }
        // (4.2) cwnd = ssthresh: no inflation, `pipe` counts what is out.
        let ssthresh = self.cc.ssthresh();
        self.cc.set_cwnd(ssthresh, mss);
        let rack = self.rack_on();
        if !rack {
            self.board.begin_recovery();
            self.board.mark_front_lost();
        }
        // With RACK, retransmissions still in flight stay counted (Linux
        // keeps `retrans_out` across recoveries), and what is lost is what
        // RACK deemed lost.
        self.tlp_deadline = None;
        self.high_rxt = self.snd_una;
        self.rescue_rxt = None;
        self.prr = Prr {
            recover_fs: self.snd_max - self.snd_una,
            ..Prr::default()
        };
        // PRR sizes this ACK's sending before the first retransmission,
        // which is part of it (RFC 9937; Linux's `tcp_cwnd_reduction`
        // runs before `tcp_xmit_recovery`).
        if self.cfg.prr {
            self.prr_update(delivered, safe);
        }
        // (4.3) The first segment goes whatever pipe says; HighRxt and
        // RescueRxt become its highest sequence number.
        let first = if rack {
            self.board.next_lost()
        } else {
            self.board.next_hole(self.high_rxt, true)
        };
        if let Some((from, end)) = first {
            self.retransmit_range(from, end);
            self.high_rxt = end;
            self.rescue_rxt = Some(end - 1);
        }
        self.cwnd_event();
    }

    /// In-order data goes to the application; data beyond a gap waits.
    fn receive_data(&mut self, now: SimTime, start: i64, data: Data) {
        // Trim what was already received and what lies beyond the window.
        let mut s = start;
        let mut d = data;
        if s < self.rcv_nxt as i64 {
            let cut = (self.rcv_nxt as i64 - s) as u64;
            // RFC 2883 §4.1: report what arrived twice.
            let dup_end = (s as u64).saturating_add(cut.min(u64::from(d.len)));
            self.note_duplicate(s.max(0) as u64, dup_end);
            if cut >= u64::from(d.len) {
                // Linux re-enters quick ACKs: its ACK may have been lost.
                self.add_quick_acks();
                self.ack_now = true;
                return;
            }
            d.offset += cut;
            d.len -= cut as u32;
            s = self.rcv_nxt as i64;
        }
        let s = s as u64;
        let right = self.rcv_adv.max(self.rcv_nxt);
        if s + u64::from(d.len) > right {
            d.len = right.saturating_sub(s) as u32;
        }
        if d.len == 0 {
            self.add_quick_acks();
            self.ack_now = true;
            return;
        }
        if s > self.rcv_nxt {
            // A gap: hold it and send a duplicate ACK at once (RFC 5681 §4.2).
            let added = self.ooo.insert(s, d);
            if added == 0 {
                // RFC 2883 §4.2: a duplicate of data held beyond a gap.
                self.note_duplicate(s, s + u64::from(d.len));
            }
            if self.sack_on {
                // RFC 2018 §4: this segment's block goes first.
                self.sack_recent.retain(|&at| at != s);
                self.sack_recent.insert(0, s);
                self.sack_recent.truncate(8);
            }
            self.ack_now = true;
            return;
        }
        self.rcv_mss = self.rcv_mss.max(d.len.min(u32::from(self.cfg.mss)));
        // Linux's `tcp_event_data_recv`: the first data, or data after a
        // silence longer than the RTO, earns quick ACKs.
        if self
            .last_data_at
            .is_none_or(|t| now.saturating_since(t) > self.rtt.rto())
        {
            self.add_quick_acks();
        }
        self.last_data_at = Some(now);
        self.autotune_measure(now, d.len);
        let filled_hole = !self.ooo.is_empty();
        self.deliver(d);
        if let Some((from, to)) = self.ooo.discard_before(self.rcv_nxt)
            && self.dsack.is_none()
        {
            // Data held out of order came again in order: the first such
            // run is reported (RFC 2883 §4.1.2; Linux's `tcp_ofo_queue`).
            self.note_duplicate(from, to);
        }
        while let Some(next) = self.ooo.take_at(self.rcv_nxt) {
            self.deliver(next);
        }
        if filled_hole {
            self.ack_now = true;
            return;
        }
        // Delayed ACK: at least every second full-sized segment, never
        // later than the delay (RFC 9293 §3.8.6.3, RFC 5681 §4.2).
        self.bytes_since_ack += u64::from(d.len);
        match self.cfg.delayed_ack {
            Some(delay)
                if self.bytes_since_ack < 2 * u64::from(self.eff_mss) && self.quick_acks == 0 =>
            {
                if self.delack_deadline.is_none() {
                    self.delack_deadline = Some(now + delay);
                }
            }
            _ => self.ack_now = true,
        }
    }

    /// Linux's `tcp_incr_quickack`: as many quick ACKs as half the window
    /// last offered holds of the peer's segments, 2 if it holds none, at
    /// most 16 (`TCP_MAX_QUICKACKS`); never fewer than are left.
    fn add_quick_acks(&mut self) {
        self.add_quick_acks_upto(16);
    }

    /// `add_quick_acks` with a lower cap (Linux's `max_quickacks`).
    fn add_quick_acks_upto(&mut self, max: u32) {
        if !self.cfg.quick_ack {
            return;
        }
        let offered = self.rcv_adv.saturating_sub(self.last_ack_sent);
        let n = match offered / (2 * u64::from(self.rcv_mss.max(1))) {
            0 => 2,
            n => n.min(u64::from(max)) as u32,
        };
        self.quick_acks = self.quick_acks.max(n.min(max));
    }

    /// A data segment's ECN field and CWR flag, before its text is taken
    /// (RFC 3168 §6.1.3; RFC 8257 §3.2 for DCTCP).
    fn ecn_on_data(&mut self, seg: &Segment) {
        if seg.ecn == Ecn::Ce {
            self.stats.ce_received += 1;
        }
        let before = self.ecn.echo();
        match self.ecn.on_data(seg) {
            Arrival::Quiet => {}
            // Linux's `tcp_ecn_check_ce`: two quick ACKs, so a sender with
            // a small window hears soon.
            Arrival::FirstCe => self.add_quick_acks_upto(2),
            Arrival::Flipped => {
                if self.delack_deadline.is_some() {
                    // The delayed ACK covers data of the old state: it goes
                    // first, with the old echo.
                    let after = self.ecn.echo();
                    self.ecn.set_echo(before);
                    self.emit_ack();
                    self.ecn.set_echo(after);
                }
                self.ack_now = true;
            }
        }
    }

    /// A duplicate segment to report in a D-SACK block (RFC 2883), if
    /// SACK was agreed and D-SACK is on.
    fn note_duplicate(&mut self, from: u64, to: u64) {
        if self.sack_on && self.cfg.dsack && to > from {
            self.dsack = Some((from, to));
        }
    }

    #[inline]
    fn deliver(&mut self, d: Data) {
        self.rcv_nxt += u64::from(d.len);
        if !self.auto_read {
            self.unread += u64::from(d.len);
        }
        self.stats.bytes_delivered += u64::from(d.len);
        self.events.push_back(Event::Delivered(d));
        if self.auto_read && self.autotune.is_some() {
            self.autotune_adjust();
        }
    }

    // ----- receive-buffer autotuning (`autotune.rs`) -----

    /// The receive buffer now: the largest window it may advertise
    /// (autotuning grows it).
    pub fn rcv_buf(&self) -> u32 {
        self.rcv_buf
    }

    /// Bytes the application has consumed.
    fn copied(&self) -> u64 {
        self.stats.bytes_delivered - self.unread
    }

    fn autotune_start(&mut self) {
        let (copied, now, wnd, mss) = (self.copied(), self.clock, self.rcv_buf, self.eff_mss);
        if let Some(a) = self.autotune.as_mut() {
            a.start(now, copied, wnd, mss);
        }
    }

    /// In-order data arrived: the receiver's RTT sample, if any.
    fn autotune_measure(&mut self, now: SimTime, len: u32) {
        let ts = self.rcv_tsecr.and_then(|ecr| {
            let ticks = self.tsval().wrapping_sub(ecr);
            (ticks < 1 << 31).then(|| (ecr, SimDuration::from_millis(u64::from(ticks.max(1)))))
        });
        let (nxt, wnd) = (self.rcv_nxt, self.rcv_adv.saturating_sub(self.rcv_nxt));
        let mss = self.rcv_mss;
        if let Some(a) = self.autotune.as_mut() {
            a.on_data(now, len, mss, ts, nxt, wnd);
        }
    }

    /// The application consumed data: the buffer may grow.
    fn autotune_adjust(&mut self) {
        let (copied, now, buf, mss) = (self.copied(), self.clock, self.rcv_buf, self.eff_mss);
        if let Some(grown) = self
            .autotune
            .as_mut()
            .and_then(|a| a.on_copied(now, copied, buf, mss))
        {
            self.rcv_buf = grown;
        }
    }

    /// The eighth step: the peer's FIN, in order.
    fn process_fin(&mut self, now: SimTime) {
        self.rcv_nxt += 1;
        self.fin_received = true;
        if self.cfg.answers == Answers::Linux {
            // Linux's `tcp_fin` resets the SACK state: a D-SACK owed for
            // data that came again with the FIN is not sent.
            self.dsack = None;
        }
        self.ack_now = true;
        self.events.push_back(Event::PeerClosed);
        match self.state {
            State::SynRcvd | State::Established => self.set_state(State::CloseWait, "rcv FIN"),
            State::FinWait1 => {
                if self.fin_acked() {
                    // FIN and the ACK of our FIN in one segment.
                    self.enter_time_wait(now, "rcv FIN,ACK");
                } else {
                    self.set_state(State::Closing, "rcv FIN");
                }
            }
            State::FinWait2 => self.enter_time_wait(now, "rcv FIN"),
            State::TimeWait => self.timewait_deadline = Some(now + self.cfg.time_wait),
            _ => {}
        }
    }
}
