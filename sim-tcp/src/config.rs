//! Every knob of the TCP model, with two named profiles.
//!
//! `rfc` follows the RFCs' defaults; `linux` follows Linux's where it differs
//! (docs/ARCHITECTURE.md, "Faithful by default"). Scenarios start from a
//! profile and override any field.

use sim_core::SimDuration;

pub use crate::rtt::RtoFormula;

/// Which congestion control a connection runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CongestionKind {
    /// RFC 5681 alone: fast recovery ends on the first new ACK.
    Reno,
    /// RFC 5681 with the RFC 6582 fast-recovery modification.
    NewReno,
    /// RFC 9438.
    Cubic,
    /// Data Center TCP (RFC 8257): cwnd cut in proportion to the fraction
    /// of bytes marked CE. Asks for ECN whatever `ecn` says, and falls
    /// back to NewReno's reaction if the peer does not agree (as Linux's
    /// `tcp_dctcp` does).
    Dctcp,
    /// BBRv1 (Linux's `tcp_bbr.c`): paced at its own rate, whatever
    /// `pacing` says.
    Bbr,
    /// TCP Vegas (Brakmo and Peterson 1995, Linux's constants).
    Vegas,
}

impl CongestionKind {
    /// The name scenario files and `flows.csv` use (`"newreno"`).
    pub fn name(self) -> &'static str {
        match self {
            CongestionKind::Reno => "reno",
            CongestionKind::NewReno => "newreno",
            CongestionKind::Cubic => "cubic",
            CongestionKind::Dctcp => "dctcp",
            CongestionKind::Bbr => "bbr",
            CongestionKind::Vegas => "vegas",
        }
    }
}

/// Whether a connection uses Explicit Congestion Notification (RFC 3168),
/// as Linux's `net.ipv4.tcp_ecn` chooses.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EcnMode {
    /// Neither ask for ECN nor agree to it (`tcp_ecn` = 0).
    Off,
    /// Agree when the peer's SYN asks; never ask (`tcp_ecn` = 2, Linux's
    /// default).
    Accept,
    /// Ask in our SYN, and agree when asked (`tcp_ecn` = 1).
    On,
}

/// What the congestion window counts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CwndUnit {
    /// Bytes (RFC 5681): a window of W bytes holds any number of segments
    /// that add up to W, and grows by the bytes each ACK acknowledges.
    Bytes,
    /// Segments, as Linux's `snd_cwnd`: a window of N SMSS holds N
    /// segments of any size, and grows by the segments each ACK
    /// acknowledges. It differs from bytes when segments are small.
    Segments,
}

/// How CUBIC's slow start may end before the first loss.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum HyStart {
    /// Only a loss ends slow start (RFC 9438 §4.10 alone).
    Off,
    /// Linux's HyStart (`tcp_cubic.c`): ACK-train and delay-increase
    /// detection, from a window of 16 segments, until a timeout re-arms it.
    Linux,
    /// HyStart++ (RFC 9406): delay increase between rounds, then
    /// Conservative Slow Start; the initial slow start only.
    PlusPlus,
}

/// Which data segments carry PSH.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PushRule {
    /// Every segment with data. RFC 1122 §4.2.2.2 requires PSH on the last
    /// buffered segment when SEND has no PUSH flag, and allows it on more.
    EveryData,
    /// Linux: the segment that carries the last byte of each write
    /// (`tcp_push`), and, within a long write, the next segment once half
    /// the peer's largest window has been sent since the last PSH
    /// (`forced_push`). A retransmission keeps its original's flag. And
    /// the last segment of each TSO chunk of two segments or more, where
    /// Linux forces PSH on the GSO packet (`tso.rs`; not kept for a
    /// retransmission).
    Writes,
}

/// How the stack answers where RFC 9293 and Linux part ways on the
/// segments it sends in reply, on an abort, or to probe a zero window.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Answers {
    /// RFC 9293: an ACK of data not yet sent is answered with an ACK and
    /// dropped (§3.10.7.4, fifth step; RFC 5961 §5.2), after it updated
    /// TS.Recent (RFC 7323 §4.3); an abort sends `<SEQ=SND.NXT><CTL=RST>`
    /// alone (§3.10.5); a zero window is probed with the next octet of
    /// data (§3.8.6.1).
    Rfc9293,
    /// Linux: an ACK of data not yet sent is dropped without a word and
    /// without touching TS.Recent (`tcp_ack` fails before
    /// `tcp_replace_ts_recent`); an abort sends RST,ACK acknowledging
    /// RCV.NXT, with the timestamps option (`tcp_send_active_reset`); a
    /// FIN cancels a D-SACK owed for data that came again with it
    /// (`tcp_fin` resets the SACK state); a zero window is probed with
    /// a segment of no data at SND.UNA − 1, which the peer answers with an
    /// ACK (`tcp_xmit_probe_skb`).
    Linux,
}

/// What Nagle's algorithm holds back while data is unacknowledged.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NagleRule {
    /// RFC 896 (RFC 9293 §3.7.4): any segment shorter than an MSS.
    Rfc896,
    /// Minshall's variant (draft-minshall-nagle), as Linux: a segment
    /// shorter than an MSS only while an earlier short segment is
    /// unacknowledged, so the short tail of a write goes at once behind
    /// its full segments.
    Minshall,
}

/// Which delivered segment an ACK's RACK.rtt is measured from, when one
/// ACK delivers segments sent at different times.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RackRtt {
    /// RFC 8985 §6.2 step 2: the most recently sent one.
    MostRecentlySent,
    /// Linux (`tcp_rack_advance`, called as `tcp_sacktag_write_queue`
    /// and then `tcp_clean_rtx_queue` walk the segments in sequence
    /// order): the last one walked, the highest cumulatively acknowledged
    /// segment not SACKed before, else the highest newly SACKed one. An
    /// old original acknowledged with a newer retransmission gives a
    /// longer RTT, so RACK waits longer before it deems others lost.
    LastInSequence,
}

/// A socket option an application sets on an open connection.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SockOpt {
    /// `TCP_NODELAY`: true turns Nagle's algorithm off (RFC 9293 §3.7.4).
    NoDelay(bool),
    /// A fixed send buffer in bytes of data, or `None` for unlimited
    /// ([`TcpConfig::snd_buf`]).
    SendBuffer(Option<u32>),
    /// `TCP_NOTSENT_LOWAT` ([`TcpConfig::notsent_lowat`]).
    NotSentLowat(Option<u32>),
    /// `TCP_CORK`: while on, segments shorter than an MSS wait (until the
    /// cork is removed, a full segment's worth is written, or the persist
    /// timer sends them, as Linux's 200 ms ceiling).
    Cork(bool),
    /// `TCP_USER_TIMEOUT` (RFC 5482): how long sent data may stay
    /// unacknowledged before the connection is aborted, `None` for the
    /// default ([`TcpConfig::user_timeout`]).
    UserTimeout(Option<SimDuration>),
}

/// What the congestion window becomes when the sender starts again after
/// sending no data for longer than an RTO (`idle.rs`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IdleRestart {
    /// Keep the window (Linux with `tcp_slow_start_after_idle` = 0).
    Off,
    /// RFC 5681 §4.1: cwnd = RW = min(IW, cwnd); ssthresh untouched.
    Rfc5681,
    /// Linux's `tcp_cwnd_restart` (`tcp_slow_start_after_idle` = 1, the
    /// default; RFC 2861's decay): cwnd halved once per RTO of idle time,
    /// down to min(IW, cwnd), after ssthresh is raised to at least 3/4 of
    /// the old cwnd. Not for BBR, which steers its own window.
    Linux,
}

/// When a read that frees receive buffer sends a window update at once.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WindowUpdate {
    /// As soon as the window can move right by min(half the buffer, MSS):
    /// RFC 1122 §4.2.3.3's receiver SWS rule.
    Rfc1122,
    /// Linux's `tcp_cleanup_rbuf`: only when the window now offered is at
    /// most half the largest and the new one is at least twice it (a
    /// window "raised significantly"); else the next ACK carries it.
    Linux,
}

/// The initial congestion window.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum InitialWindow {
    /// RFC 5681 §3.1: 2, 3 or 4 segments depending on the MSS.
    Rfc5681,
    /// A fixed number of segments (RFC 6928 allows 10).
    Segments(u32),
}

/// Named sets of defaults.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Profile {
    /// The RFCs' defaults.
    Rfc,
    /// Linux's defaults where they differ.
    Linux,
}

/// Configuration of one TCP endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct TcpConfig {
    /// MSS we announce: the largest segment we can receive (RFC 9293 §3.7.1).
    pub mss: u16,
    /// Receive buffer in bytes: the largest window we advertise, or with
    /// `rcv_buf_max` the window we start with.
    pub rcv_buf: u32,
    /// Receive-buffer autotuning (Linux's dynamic right-sizing,
    /// `sim-tcp/src/autotune.rs`): the largest window it may grow the
    /// buffer to; `None` keeps `rcv_buf` fixed. rfc: off; linux: 3 MiB,
    /// the window Linux's largest buffer (`tcp_rmem[2]` = 6 MiB) allows
    /// with half of it counted as overhead (`tcp_adv_win_scale` = 1).
    pub rcv_buf_max: Option<u32>,
    /// A fixed send buffer in bytes: data written and not yet acknowledged
    /// never exceeds it, the rest waiting in the application (a blocked
    /// write). `None` (both profiles): unlimited, which Linux's growing
    /// buffer (`tcp_sndbuf_expand`: about twice cwnd, up to `tcp_wmem[2]`
    /// = 4 MiB) amounts to for a bulk sender, since cwnd binds first.
    pub snd_buf: Option<u32>,
    /// The fewest segments a TSO chunk is autosized to (Linux's
    /// `tcp_min_tso_segs`, default 2; `tso.rs`). The model sends
    /// segments one by one: the chunk only decides which segment ends it
    /// with PSH under [`PushRule::Writes`].
    pub min_tso_segs: u32,
    /// `TCP_NOTSENT_LOWAT`: a write stops taking data, and the socket is
    /// not writable, while this many bytes written wait unsent
    /// ([`Connection::send_limited`](crate::conn::Connection::send_limited)).
    /// `None` (both profiles, Linux's default `tcp_notsent_lowat` =
    /// 4294967295): no limit.
    pub notsent_lowat: Option<u32>,
    /// Announce and accept window scaling (RFC 7323).
    pub window_scaling: bool,
    /// RTO before any RTT sample (RFC 6298 §2.1: 1 s).
    pub initial_rto: SimDuration,
    /// Lower bound on RTO (RFC 6298 §2.4: 1 s; Linux: 200 ms).
    pub min_rto: SimDuration,
    /// Upper bound on RTO (RFC 6298 §2.5: at least 60 s; Linux: 120 s).
    pub max_rto: SimDuration,
    /// Clock granularity G in RTO = SRTT + max(G, 4 RTTVAR).
    pub clock_granularity: SimDuration,
    /// How RTT samples make the RTO: RFC 6298's formula, or Linux's (RTO =
    /// SRTT + a deviation term of at least `min_rto`).
    pub rto_formula: RtoFormula,
    /// How long TIME_WAIT lasts: 2 MSL (RFC 9293: MSL 2 min; Linux: 60 s).
    pub time_wait: SimDuration,
    /// Give up on a peer that never sends its FIN (not in the RFC; Linux:
    /// 60 s).
    pub fin_wait_2_timeout: Option<SimDuration>,
    /// Delayed-ACK timeout, `None` to ACK every segment at once (RFC 9293
    /// §3.8.6.3: under 0.5 s; BSD 200 ms; Linux 40 ms).
    pub delayed_ack: Option<SimDuration>,
    /// Nagle's algorithm (RFC 896; RFC 9293 §3.7.4), on by default.
    pub nagle: bool,
    /// Which segments Nagle holds back. rfc: RFC 896's; linux: Minshall's.
    pub nagle_rule: NagleRule,
    /// Initial congestion window.
    pub initial_window: InitialWindow,
    /// SYN (and SYN-ACK) retransmissions before giving up. RFC 1122
    /// §4.2.3.5 asks for at least 3 minutes: with a 1 s initial RTO, 7
    /// retransmissions reach 255 s. Linux: 6.
    pub syn_retries: u32,
    /// Data retransmissions before giving up (RFC 1122 R2 ≥ 100 s; Linux
    /// `tcp_retries2` = 15).
    pub data_retries: u32,
    /// RFC 1337: ignore RST in TIME_WAIT (no TIME_WAIT assassination).
    /// Linux: off (`net.ipv4.tcp_rfc1337` = 0).
    pub rfc1337: bool,
    /// A bare SYN for a connection in TIME_WAIT whose sequence number is
    /// above RCV.NXT (or, with timestamps, whose TSval is newer: RFC 6191)
    /// closes it and opens a new connection, with an ISS above the old one's
    /// (RFC 1122 §4.2.2.13, a MAY; Linux does). Off: a challenge ACK.
    pub time_wait_reopen: bool,
    /// Limited transmit (RFC 5681 §3.2 step 1, RFC 3042, a SHOULD): on the
    /// first and second duplicate ACKs, send one new segment each, up to
    /// cwnd + 2 SMSS, without changing cwnd. On in both profiles.
    pub limited_transmit: bool,
    /// Offer and accept SACK (RFC 2018) and, once both sides agree,
    /// recover losses from the scoreboard (RFC 6675) instead of NewReno's
    /// one hole per round trip. rfc: off (RFC 9293 does not require it);
    /// linux: on (`net.ipv4.tcp_sack` = 1).
    pub sack: bool,
    /// Report duplicate segments in the first SACK block (D-SACK, RFC
    /// 2883). Linux: on (`tcp_dsack` = 1).
    pub dsack: bool,
    /// Offer and accept timestamps (RFC 7323): RTT measured on every ACK,
    /// PAWS; the option's 12 bytes come out of each segment's data (an MSS
    /// of 1460 carries 1448). rfc: off; linux: on.
    pub timestamps: bool,
    /// Added to the millisecond clock to make TSval (RFC 7323 §5.4 asks for
    /// a random offset). A [`TcpStack`](crate::stack::TcpStack) sets one
    /// per host.
    pub ts_offset: u32,
    /// Proportional Rate Reduction (RFC 9937, which obsoletes RFC 6937:
    /// the conservative bound, with the slow-start bound's extra segment
    /// only on a SafeACK) paces what SACK recovery sends; without it RFC
    /// 6675 sends whatever cwnd = ssthresh allows. Linux: on.
    pub prr: bool,
    /// RACK-TLP loss detection (RFC 8985), used only once SACK is agreed:
    /// time-based loss marking that also finds lost retransmissions, and
    /// a tail loss probe before the RTO. rfc: off; linux: on
    /// (`net.ipv4.tcp_recovery` = 1).
    pub rack_tlp: bool,
    /// Which segment RACK.rtt comes from. rfc: RFC 8985's most recently
    /// sent; linux: the last in sequence order, as Linux.
    pub rack_rtt: RackRtt,
    /// Linux's quick ACKs: on the first data of a connection, after the
    /// peer was silent for longer than the RTO, and after data arrived
    /// twice or beyond the window, ACK each of the next segments at once,
    /// as many as half the offered window holds in segments (at least 2, at
    /// most 16: `tcp_incr_quickack`), so the sender's slow start is not
    /// slowed by delayed ACKs. rfc: off (RFC 5681 §4.2 delays every other
    /// segment); linux: on. Linux's interactive ("pingpong") mode, which
    /// suspends quick ACKs while both sides talk, is not modelled.
    pub quick_ack: bool,
    /// What cwnd counts. rfc: bytes; linux: segments.
    pub cwnd_unit: CwndUnit,
    /// Congestion control.
    pub congestion: CongestionKind,
    /// How CUBIC leaves slow start before a loss (used only by CUBIC).
    /// rfc: off; linux: Linux's HyStart (`tcp_cubic` `hystart` = 1).
    pub hystart: HyStart,
    /// ECN (RFC 3168). rfc: off (ECN is optional); linux: accept.
    pub ecn: EcnMode,
    /// Pace data at Linux's `tcp_update_pacing_rate` (cwnd / SRTT, 200 %
    /// in slow start, 120 % after) rather than sending bursts as ACKs
    /// open the window. Off in both profiles: Linux paces CUBIC and Reno
    /// only under the fq qdisc. BBR always paces, at its own rate.
    pub pacing: bool,
    /// Which data segments carry PSH. rfc: every one; linux: the last of
    /// each write, as Linux.
    pub push: PushRule,
    /// Grow cwnd on an ACK only while the window limits the sender (in
    /// slow start: while it is under twice the most that was outstanding),
    /// as Linux's `tcp_is_cwnd_limited`; RFC 9438 §5.8 asks it of CUBIC.
    /// rfc: off (RFC 5681 grows on every ACK); linux: on.
    pub cwnd_limited_growth: bool,
    /// When a read sends a window update at once. rfc: RFC 1122's rule;
    /// linux: Linux's.
    pub window_update: WindowUpdate,
    /// An ACK of unsent data and the abort's RST. rfc: RFC 9293's;
    /// linux: Linux's.
    pub answers: Answers,
    /// Answer SYNs with SYN cookies when the SYN queue is full (RFC 4987).
    pub syn_cookies: bool,
    /// The window after an idle period longer than an RTO (RFC 5681
    /// §4.1, a SHOULD). rfc: RFC 5681's; linux: Linux's.
    pub idle_restart: IdleRestart,
    /// Abort a connection whose data stays unacknowledged this long, or
    /// whose zero-window probes go on this long (RFC 5482's
    /// `TCP_USER_TIMEOUT`, with Linux's semantics); `None` (both
    /// profiles): only `data_retries` gives up.
    pub user_timeout: Option<SimDuration>,
    /// Not TCP: a deliberately naive server that considers a connection
    /// established as soon as a SYN arrives (a two-way handshake). Only for
    /// showing what the three-way handshake prevents (RFC 9293 §3.5).
    pub two_way_handshake: bool,
    /// TCP Fast Open (RFC 7413), Linux's `tcp_fastopen` bits. Off in both
    /// profiles: Linux's default (client only) changes nothing until an
    /// application asks for it and a server gave a cookie.
    pub fast_open: crate::fastopen::FastOpen,
    /// The server's Fast Open key; `None`: drawn from the stack's seed.
    pub fast_open_key: Option<crate::fastopen::Key>,
    /// Data on a SYN that Fast Open did not take: rfc queues it, linux
    /// drops it.
    pub syn_data: crate::fastopen::SynData,
}

impl TcpConfig {
    /// The defaults of a profile.
    pub fn profile(p: Profile) -> Self {
        let rfc = TcpConfig {
            mss: 1460,
            rcv_buf: 65_535,
            rcv_buf_max: None,
            snd_buf: None,
            min_tso_segs: 2,
            notsent_lowat: None,
            window_scaling: true,
            initial_rto: SimDuration::from_secs(1),
            min_rto: SimDuration::from_secs(1),
            max_rto: SimDuration::from_secs(60),
            clock_granularity: SimDuration::from_millis(1),
            rto_formula: RtoFormula::Rfc6298,
            time_wait: SimDuration::from_secs(240),
            fin_wait_2_timeout: None,
            delayed_ack: Some(SimDuration::from_millis(200)),
            nagle: true,
            nagle_rule: NagleRule::Rfc896,
            rack_rtt: RackRtt::MostRecentlySent,
            initial_window: InitialWindow::Rfc5681,
            syn_retries: 7,
            data_retries: 15,
            rfc1337: true,
            time_wait_reopen: false,
            limited_transmit: true,
            sack: false,
            dsack: true,
            timestamps: false,
            ts_offset: 0,
            prr: false,
            rack_tlp: false,
            quick_ack: false,
            cwnd_unit: CwndUnit::Bytes,
            congestion: CongestionKind::NewReno,
            hystart: HyStart::Off,
            ecn: EcnMode::Off,
            pacing: false,
            push: PushRule::EveryData,
            cwnd_limited_growth: false,
            window_update: WindowUpdate::Rfc1122,
            answers: Answers::Rfc9293,
            syn_cookies: false,
            // RFC 5681 §4.1 SHOULD reduce the window after idle.
            idle_restart: IdleRestart::Rfc5681,
            user_timeout: None,
            two_way_handshake: false,
            fast_open: crate::fastopen::FastOpen {
                client: false,
                server: false,
                client_no_cookie: false,
                server_no_cookie: false,
                all_listeners: false,
            },
            fast_open_key: None,
            syn_data: crate::fastopen::SynData::Queue,
        };
        match p {
            Profile::Rfc => rfc,
            Profile::Linux => TcpConfig {
                min_rto: SimDuration::from_millis(200),
                rto_formula: RtoFormula::Linux,
                max_rto: SimDuration::from_secs(120),
                time_wait: SimDuration::from_secs(60),
                fin_wait_2_timeout: Some(SimDuration::from_secs(60)),
                delayed_ack: Some(SimDuration::from_millis(40)),
                initial_window: InitialWindow::Segments(10),
                syn_retries: 6,
                // net.ipv4.tcp_rfc1337 = 0: a RST in TIME_WAIT closes it.
                rfc1337: false,
                time_wait_reopen: true,
                sack: true,
                timestamps: true,
                prr: true,
                rack_tlp: true,
                quick_ack: true,
                cwnd_unit: CwndUnit::Segments,
                hystart: HyStart::Linux,
                ecn: EcnMode::Accept,
                rcv_buf_max: Some(LINUX_RCV_BUF_MAX),
                push: PushRule::Writes,
                cwnd_limited_growth: true,
                window_update: WindowUpdate::Linux,
                answers: Answers::Linux,
                nagle_rule: NagleRule::Minshall,
                rack_rtt: RackRtt::LastInSequence,
                // net.ipv4.tcp_slow_start_after_idle = 1.
                idle_restart: IdleRestart::Linux,
                syn_data: crate::fastopen::SynData::Discard,
                ..rfc
            },
        }
    }
}

/// The `linux` profile's largest autotuned window: half of `tcp_rmem[2]`.
pub const LINUX_RCV_BUF_MAX: u32 = 3 << 20;

impl TcpConfig {
    /// The buffer the window-scale shift must cover. With autotuning it is
    /// the largest buffer, overhead included (twice the largest window), as
    /// Linux's `tcp_select_initial_window` chooses from `tcp_rmem[2]`: the
    /// shift is fixed at SYN time (RFC 7323 §2.2), before the buffer grows.
    pub fn wscale_space(&self) -> u32 {
        match self.rcv_buf_max {
            Some(max) => self.rcv_buf.max(max.saturating_mul(2)),
            None => self.rcv_buf,
        }
    }
}

impl Default for TcpConfig {
    fn default() -> Self {
        TcpConfig::profile(Profile::Rfc)
    }
}
