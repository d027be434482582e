//! The event loop: one simulated clock for the model and the script.
//!
//! Each event's time is resolved as packetdrill's `run.c` does: an
//! absolute time counts from the script's start; a relative one from the
//! moment the previous event finished (the time the previous outbound
//! packet was sent, or a system call was made), except that consecutive
//! inbound packets are anchored on each other's script times. Before an
//! inbound packet, a system call or a block, the clock advances to its
//! time, firing the model's timers on the way; an outbound packet is the
//! next segment the model sends, which must match and be sent within the
//! tolerance (4 ms, or 12.5 % of the time since the previous event,
//! whichever is more) of its time.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;

use sim_core::{NodeId, RngStream, SimDuration, SimTime};
use sim_tcp::conn::Event as ConnEvent;
use sim_tcp::stack::{ConnId, Quad, StackEvent, TcpStack};
use sim_tcp::{Data, Flags, Profile, SackBlocks, Segment, TcpConfig, Timestamps};

use crate::ScriptError;
use crate::assert::{BlockError, Env};
use crate::epoll::Wake;
use crate::matcher::{FlowMap, REMOTE_ISN, check, script_text};
use crate::parser::{Action, Dir, Event, IpEcn, Packet, Syscall, TcpOpt, Time, parse};
use crate::shim::{Call, Sockets};

/// packetdrill's default timing tolerance.
pub const DEFAULT_TOLERANCE_US: i64 = 4_000;
/// The node the script's packets come from.
pub const PEER: NodeId = NodeId(1);
/// The port the kernel under test listens on, and connects to.
pub const LOCAL_PORT: u16 = 8080;
/// The model's ISN (all connections; one reopened from TIME_WAIT takes a
/// higher one, learned from its SYN).
pub const LOCAL_ISN: u32 = 0x0100_0000;
/// The first port the script's side uses for connections to a listener.
pub const FIRST_REMOTE_PORT: u16 = 40_000;
/// How long an outbound packet written with `*` may take.
const ANY_TIME_HORIZON_US: i64 = 600_000_000;

/// How to run scripts.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The TCP profile that plays the kernel.
    pub profile: Profile,
    /// Timing tolerance unless the script sets `--tolerance_usecs`.
    pub tolerance_us: i64,
    /// Print every segment exchanged, with its time, to standard error:
    /// what a script author reads to see why a later line failed.
    pub verbose: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            profile: Profile::Linux,
            tolerance_us: DEFAULT_TOLERANCE_US,
            verbose: false,
        }
    }
}

/// How a script ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Every event happened as written.
    Pass,
    /// The first mismatch: line, expected and actual.
    Fail(String),
    /// The script needs something the model lacks, and why.
    Skip(String),
}

/// Why the loop stopped early.
pub(crate) enum Stop {
    Fail(String),
    Skip(String),
}

pub(crate) type Step<T = ()> = Result<T, Stop>;

pub(crate) fn fail<T>(msg: impl Into<String>) -> Step<T> {
    Err(Stop::Fail(msg.into()))
}

pub(crate) fn skip<T>(msg: impl Into<String>) -> Step<T> {
    Err(Stop::Skip(msg.into()))
}

/// Reads and runs a script file; shell lines naming `defaults.sh` are
/// read as that file's sysctls.
pub fn run_file(path: &Path, opts: &RunOptions) -> Result<Verdict, ScriptError> {
    let src = std::fs::read_to_string(path)
        .map_err(|e| ScriptError::new(0, format!("cannot read {}: {e}", path.display())))?;
    run_script(&src, opts)
}

/// Parses and runs a script.
pub fn run_script(src: &str, opts: &RunOptions) -> Result<Verdict, ScriptError> {
    let script = parse(src)?;
    let mut r = Runner::new(opts);
    for (name, value) in &script.options {
        match (name.as_str(), value.as_deref()) {
            ("tolerance_usecs", Some(v)) => {
                r.tolerance_us = v.parse().map_err(|_| {
                    ScriptError::new(0, format!("--tolerance_usecs={v} is not a number"))
                })?;
            }
            ("tcp_ts_tick_usecs", Some(v)) => {
                r.ts_tick_us = v.parse().ok().filter(|t: &i64| *t > 0);
            }
            ("ip_version", Some("ipv4")) => {}
            ("local_ip" | "remote_ip", Some(v)) => {
                let Ok(a) = v.parse::<std::net::Ipv4Addr>() else {
                    return Ok(Verdict::Skip(format!("address --{name}={v}")));
                };
                if name == "local_ip" {
                    r.fo_addrs.0 = a.octets();
                } else {
                    r.fo_addrs.1 = a.octets();
                }
            }
            ("ip_version", Some(v)) => return Ok(Verdict::Skip(format!("IP version {v}"))),
            ("mtu" | "init_scripts" | "bind_port" | "connect_port", _) => {
                return Ok(Verdict::Skip(format!("option --{name} not modelled")));
            }
            _ => {}
        }
    }
    let verdict = match r.run(&script.events) {
        Ok(()) => Verdict::Pass,
        Err(Stop::Fail(m)) => Verdict::Fail(m),
        Err(Stop::Skip(m)) => Verdict::Skip(m),
    };
    Ok(verdict)
}

/// A system call waiting to return.
struct Pending {
    line: usize,
    call: Syscall,
    /// Script time it was made, and when it should return (µs).
    start_us: i64,
    end_us: i64,
    /// A deadline of its own (a poll's timeout).
    deadline: Option<SimTime>,
}

/// The state of one connection the stack made, as the shim sees it.
#[derive(Clone, Debug, Default)]
pub(crate) struct ConnState {
    /// Bytes delivered and not yet read.
    pub readable: u64,
    /// Its `tcp_info` when it closed: a closed socket still answers
    /// `TCP_INFO` in Linux, after the model forgot the connection.
    pub last_info: Option<sim_tcp::info::TcpInfo>,
    /// The peer's FIN arrived.
    pub eof: bool,
    /// The handshake completed.
    pub established: bool,
    /// A pending error (errno name) for the next call.
    pub error: Option<&'static str>,
    /// Came from a listener and is not yet accepted.
    pub from_listener: Option<u16>,
    /// We sent FIN (close or shutdown).
    pub write_shut: bool,
    /// shutdown(SHUT_RD) was called.
    pub read_shut: bool,
    /// The stack forgot it.
    pub gone: bool,
    /// `TCP_NOTSENT_LOWAT` as set on the socket (0: the sysctl's).
    pub notsent_lowat: u32,
    /// Bytes a blocked write() has had taken so far.
    pub write_taken: Option<u64>,
    /// TCP_INQ is set: recvmsg() reports what is left to read.
    pub inq: bool,
}

pub(crate) struct Runner {
    pub cfg: TcpConfig,
    pub stack: Option<TcpStack>,
    pub now: SimTime,
    timers: BTreeMap<ConnId, SimTime>,
    outq: VecDeque<(SimTime, Segment)>,
    pub conns: HashMap<ConnId, ConnState>,
    pub accept_q: BTreeMap<u16, VecDeque<ConnId>>,
    pub sockets: Sockets,
    flows: HashMap<(u16, u16), FlowMap>,
    /// The connection inbound packets go to.
    pub current: Option<(u16, u16)>,
    next_remote_port: u16,
    pending: Option<Pending>,
    tolerance_us: i64,
    ts_tick_us: Option<i64>,
    env: Env,
    /// Script time of the previous event and whether it was inbound.
    last_us: i64,
    last_inbound: bool,
    verbose: bool,
    /// Our address and the peer's (`--local_ip`, `--remote_ip`): Fast
    /// Open cookies are made from them.
    pub fo_addrs: ([u8; 4], [u8; 4]),
}

impl Runner {
    fn new(opts: &RunOptions) -> Self {
        Runner {
            cfg: TcpConfig::profile(opts.profile),
            stack: None,
            now: SimTime::ZERO,
            timers: BTreeMap::new(),
            outq: VecDeque::new(),
            conns: HashMap::new(),
            accept_q: BTreeMap::new(),
            sockets: Sockets::default(),
            flows: HashMap::new(),
            current: None,
            next_remote_port: FIRST_REMOTE_PORT,
            pending: None,
            tolerance_us: opts.tolerance_us,
            verbose: opts.verbose,
            ts_tick_us: None,
            env: Env::default(),
            last_us: 0,
            last_inbound: false,
            fo_addrs: ([192, 168, 0, 1], [192, 0, 2, 1]),
        }
    }

    pub(crate) fn now_us(&self) -> i64 {
        (self.now.as_nanos() / 1000) as i64
    }

    fn at_us(us: i64) -> SimTime {
        SimTime((us.max(0) as u64).saturating_mul(1000))
    }

    /// The stack, made with the configuration the script's sysctls and
    /// socket options built so far.
    pub(crate) fn stack(&mut self) -> &mut TcpStack {
        let cfg = &self.cfg;
        let (local, remote) = self.fo_addrs;
        self.stack.get_or_insert_with(|| {
            let mut s = TcpStack::new(
                cfg.clone(),
                RngStream::derive(0, "packetdrill"),
                Some(LOCAL_ISN),
            );
            s.set_fast_open_addrs(local, PEER, remote);
            s
        })
    }

    fn run(&mut self, events: &[Event]) -> Step {
        for ev in events {
            self.event(ev)?;
        }
        if self.pending.is_some() {
            let horizon = self.now + SimDuration::from_secs(600);
            while self.pending.is_some() {
                if !self.step(horizon)? {
                    let p = self.pending.take().expect("pending");
                    return fail(format!(
                        "line {}: blocking {}() never returned",
                        p.line, p.call.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// The event's start and end script times (µs); `None` for `*`.
    fn resolve(&self, ev: &Event, inbound: bool) -> Option<(i64, i64)> {
        let anchor = if inbound && self.last_inbound {
            self.last_us
        } else {
            self.now_us()
        };
        match ev.time {
            Time::Absolute(t) => Some((t, t)),
            Time::Relative(t) => Some((anchor + t, anchor + t)),
            Time::AbsoluteRange(a, b) => Some((a, b)),
            Time::RelativeRange(a, b) => Some((anchor + a, anchor + b)),
            Time::Any => None,
        }
    }

    fn tolerance(&self, t_us: i64) -> i64 {
        let dynamic = (t_us - self.last_us) as f64 * 0.125;
        self.tolerance_us.max(dynamic as i64)
    }

    fn event(&mut self, ev: &Event) -> Step {
        let inbound = matches!(&ev.action, Action::Packet(p) if p.dir == Dir::Inbound);
        let times = self.resolve(ev, inbound);
        let line = ev.line;
        match &ev.action {
            Action::Unsupported(w) => return skip(format!("{w} not modelled")),
            Action::Packet(p) if p.has('U') => return skip("urgent pointer not modelled"),
            Action::Packet(p) if p.unsupported_protocol().is_some() => {
                let proto = p.unsupported_protocol().unwrap_or_default();
                return skip(format!("{proto} packets not modelled"));
            }
            Action::Packet(p) if p.dir == Dir::Inbound => {
                let (t, _) = times.unwrap_or((self.now_us(), 0));
                self.advance_to(Self::at_us(t))?;
                self.inbound(line, p)?;
                self.last_us = t;
            }
            Action::Packet(p) => {
                let sent = self.outbound(line, p, times)?;
                self.last_us = times.map_or(sent, |(a, _)| a);
            }
            Action::Syscall(call) => {
                let (t, _) = times.unwrap_or((self.now_us(), 0));
                if let Some(p) = &self.pending {
                    // One blocking call at a time: wait for it first.
                    let (pline, name) = (p.line, p.call.name.clone());
                    let horizon = Self::at_us(t) + SimDuration::from_secs(600);
                    while self.pending.is_some() {
                        if !self.step(horizon)? {
                            return fail(format!("line {pline}: blocking {name}() never returned"));
                        }
                    }
                }
                self.advance_to(Self::at_us(t))?;
                let end_us = match (call.end, ev.time) {
                    (Some(e), Time::Relative(rel)) => t - rel + e,
                    (Some(e), _) => e,
                    (None, _) => t,
                };
                self.syscall(line, call, t, end_us)?;
                self.last_us = t;
            }
            Action::Code(code) => {
                let (t, _) = times.unwrap_or((self.now_us(), 0));
                self.advance_to(Self::at_us(t))?;
                let info = self.sockets.last_conn().and_then(|id| {
                    self.stack
                        .as_ref()
                        .and_then(|s| s.conn(id))
                        .map(|c| c.tcp_info_at(self.now))
                        .or_else(|| self.conns.get(&id).and_then(|st| st.last_info))
                });
                match self.env.run(code, info.as_ref()) {
                    Ok(()) => {}
                    Err(BlockError::Failed(m)) => return fail(format!("line {line}: {m}")),
                    Err(BlockError::Unsupported(m)) => {
                        return skip(format!("%{{ }}% block: {m}"));
                    }
                }
                self.last_us = t;
            }
            Action::Shell(cmd) => {
                let (t, _) = times.unwrap_or((self.now_us(), 0));
                self.advance_to(Self::at_us(t))?;
                self.shell(cmd)?;
                self.last_us = t;
            }
        }
        self.last_inbound = inbound;
        Ok(())
    }

    /// The earliest thing due: a model timer or a pending call's deadline.
    fn next_due(&self) -> Option<SimTime> {
        let t = self.timers.values().min().copied();
        let p = self.pending.as_ref().and_then(|p| p.deadline);
        match (t, p) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Fires what is due next if it is due by `limit`; false if nothing is.
    fn step(&mut self, limit: SimTime) -> Step<bool> {
        let Some(t) = self.next_due() else {
            return Ok(false);
        };
        if t > limit {
            return Ok(false);
        }
        self.now = self.now.max(t);
        let due: Vec<ConnId> = self
            .timers
            .iter()
            .filter(|(_, d)| **d <= t)
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            self.timers.remove(&id);
            let now = self.now;
            self.stack().handle_timeout(now, id);
        }
        self.drain()?;
        Ok(true)
    }

    fn advance_to(&mut self, t: SimTime) -> Step {
        while self.step(t)? {}
        self.now = self.now.max(t);
        self.check_pending()
    }

    /// Moves the stack's events, segments and timers out.
    pub(crate) fn drain(&mut self) -> Step {
        let Some(stack) = self.stack.as_mut() else {
            return Ok(());
        };
        // Sockets whose waiters a stack event wakes (`epoll.rs`).
        let mut wakes = Vec::new();
        while let Some(ev) = stack.poll_event() {
            match ev {
                StackEvent::Accepted { port, conn } => {
                    stack.set_auto_read(conn, false);
                    if stack.conn(conn).is_some_and(|c| c.is_fast_open_child()) {
                        // RFC 7413 §4.2.2: a Fast Open child can be
                        // accepted, read and written at once (Linux queues
                        // it on the listener before the handshake ends).
                        let st = self.conns.entry(conn).or_default();
                        st.established = true;
                        self.accept_q.entry(port).or_default().push_back(conn);
                    } else {
                        self.conns.entry(conn).or_default().from_listener = Some(port);
                    }
                }
                StackEvent::Conn(id, e) => {
                    let closing = matches!(
                        e,
                        ConnEvent::Closed
                            | ConnEvent::Reset
                            | ConnEvent::ConnectFailed(_)
                            | ConnEvent::TimedOut
                    );
                    let info = closing
                        .then(|| stack.conn(id).map(|c| c.tcp_info()))
                        .flatten();
                    let st = self.conns.entry(id).or_default();
                    if info.is_some() {
                        st.last_info = info;
                    }
                    match &e {
                        ConnEvent::Delivered(_) => wakes.push((Some(id), None, Wake::Readable)),
                        ConnEvent::Connected => {
                            wakes.push((Some(id), None, Wake::All));
                            if let Some(port) = st.from_listener {
                                wakes.push((None, Some(port), Wake::Readable));
                            }
                        }
                        ConnEvent::PeerClosed
                        | ConnEvent::Reset
                        | ConnEvent::ConnectFailed(_)
                        | ConnEvent::TimedOut
                        | ConnEvent::Closed => wakes.push((Some(id), None, Wake::All)),
                        _ => {}
                    }
                    match e {
                        ConnEvent::Connected => {
                            st.established = true;
                            if let Some(port) = st.from_listener {
                                self.accept_q.entry(port).or_default().push_back(id);
                            }
                        }
                        ConnEvent::Delivered(d) => st.readable += u64::from(d.len),
                        ConnEvent::PeerClosed => st.eof = true,
                        ConnEvent::Reset => {
                            st.error = Some(if st.established {
                                "ECONNRESET"
                            } else {
                                "ECONNREFUSED"
                            })
                        }
                        ConnEvent::ConnectFailed(why) => {
                            st.error = Some(if why == "refused" {
                                "ECONNREFUSED"
                            } else {
                                "ETIMEDOUT"
                            })
                        }
                        ConnEvent::TimedOut => st.error = Some("ETIMEDOUT"),
                        ConnEvent::Closed => st.gone = true,
                        _ => {}
                    }
                }
                StackEvent::Unmatched { .. } => {}
            }
        }
        while let Some((_, t)) = stack.poll_transmit() {
            let seg = t.seg;
            if seg.has(Flags::SYN) && !t.retransmission {
                self.flows
                    .entry((seg.src_port, seg.dst_port))
                    .or_insert_with(|| FlowMap::new(seg.seq.0))
                    .local_iss = seg.seq.0;
            }
            if self.verbose {
                let map = self
                    .flows
                    .entry((seg.src_port, seg.dst_port))
                    .or_insert_with(|| FlowMap::new(LOCAL_ISN));
                eprintln!(
                    "{:.6} > {}",
                    self.now.as_nanos() as f64 / 1e9,
                    script_text(&seg, map)
                );
            }
            self.outq.push_back((self.now, seg));
        }
        while let Some((id, deadline)) = stack.poll_timer() {
            match deadline {
                Some(d) => {
                    self.timers.insert(id, d);
                }
                None => {
                    self.timers.remove(&id);
                }
            }
        }
        for (conn, port, why) in wakes {
            self.epoll_wake(conn, port, why);
        }
        Ok(())
    }

    pub(crate) fn flow_of(&mut self, key: (u16, u16)) -> &mut FlowMap {
        self.flows
            .entry(key)
            .or_insert_with(|| FlowMap::new(LOCAL_ISN))
    }

    fn inbound(&mut self, line: usize, p: &Packet) -> Step {
        let Some(win) = p.win else {
            return Err(Stop::Fail(format!(
                "line {line}: window must be specified for inbound packets"
            )));
        };
        let syn_only = p.has('S') && !p.has('.');
        let listening = self.accept_q.keys().next().copied().or_else(|| {
            self.sockets
                .listener_port()
                .filter(|_| self.stack.is_some())
        });
        let key = match (self.current, listening) {
            (cur, Some(port)) if syn_only && !self.is_half_open(cur) => {
                let k = (port, self.next_remote_port);
                self.next_remote_port += 1;
                k
            }
            (Some(k), _) => k,
            (None, _) => (LOCAL_PORT, FIRST_REMOTE_PORT),
        };
        self.current = Some(key);
        let syn = p.has('S');
        if syn {
            self.flow_of(key).script_remote_isn = p.seq;
        }
        let f = self.flow_of(key);
        let iss = f.local_iss;
        // SYNs' numbers (and a SYN's ACK) are absolute in script space,
        // the others relative to the ISNs.
        let seq_base = if syn { f.script_remote_isn } else { 0 };
        let ack_base = if syn { f.script_local_isn } else { 0 };
        let mut seg = Segment {
            src_port: key.1,
            dst_port: key.0,
            seq: sim_tcp::seq::SeqNum(REMOTE_ISN.wrapping_add(p.seq.wrapping_sub(seq_base))),
            ack: sim_tcp::seq::SeqNum(if p.has('.') {
                iss.wrapping_add(p.ack.unwrap_or(0).wrapping_sub(ack_base))
            } else {
                0
            }),
            wnd: win.min(65_535) as u16,
            ..Segment::default()
        };
        for (c, f) in [
            ('S', Flags::SYN),
            ('F', Flags::FIN),
            ('R', Flags::RST),
            ('P', Flags::PSH),
            ('.', Flags::ACK),
            ('E', Flags::ECE),
            ('W', Flags::CWR),
        ] {
            if p.has(c) {
                seg.flags = seg.flags | f;
            }
        }
        if p.has('U') {
            return skip("urgent data not modelled");
        }
        if p.len > 0 {
            // Stream offset of the first byte: the SYN takes sequence 0.
            let offset = if p.has('S') {
                0
            } else {
                u64::from(p.seq.wrapping_sub(1))
            };
            seg.data = Data { offset, len: p.len };
        }
        seg.ecn = match p.ecn {
            Some(IpEcn::Ect0) => sim_core::Ecn::Ect0,
            Some(IpEcn::Ect1) => sim_core::Ecn::Ect1,
            Some(IpEcn::Ce) => sim_core::Ecn::Ce,
            _ => sim_core::Ecn::NotEct,
        };
        let mut sack = SackBlocks::default();
        for o in p.options.iter().flatten() {
            match o {
                TcpOpt::Nop | TcpOpt::Eol => {}
                TcpOpt::Mss(m) => seg.mss = Some(*m),
                TcpOpt::Wscale(w) => seg.wscale = Some(*w),
                TcpOpt::SackOk => seg.sack_permitted = true,
                TcpOpt::Sack(blocks) => {
                    for (l, r) in blocks {
                        sack.push(
                            sim_tcp::seq::SeqNum(iss.wrapping_add(*l)),
                            sim_tcp::seq::SeqNum(iss.wrapping_add(*r)),
                        );
                    }
                }
                TcpOpt::Ts { val, ecr } => {
                    let ecr = if p.has('.') {
                        self.flow_of(key).live_ecr(*ecr)
                    } else {
                        *ecr
                    };
                    seg.timestamps = Some(Timestamps { val: *val, ecr });
                }
                TcpOpt::FastOpen { exp, cookie } => {
                    let kind = if *exp {
                        sim_tcp::fastopen::FoKind::Exp
                    } else {
                        sim_tcp::fastopen::FoKind::Rfc
                    };
                    seg.fast_open = Some(sim_tcp::fastopen::FoOption::with_cookie(kind, cookie));
                }
                TcpOpt::Other(name) => return skip(format!("TCP option {name} not modelled")),
            }
        }
        seg.sack = sack;
        let now = self.now;
        if self.verbose {
            eprintln!(
                "{:.6} < {}{} (line {line})",
                now.as_nanos() as f64 / 1e9,
                p.flags,
                seq_text(p)
            );
        }
        self.stack().handle_segment(now, PEER, &seg);
        self.drain()?;
        self.check_pending()
    }

    fn is_half_open(&self, key: Option<(u16, u16)>) -> bool {
        let (Some((l, r)), Some(stack)) = (key, self.stack.as_ref()) else {
            return false;
        };
        let quad = Quad {
            local_port: l,
            remote: PEER,
            remote_port: r,
        };
        stack
            .lookup(quad)
            .and_then(|id| stack.conn(id))
            .is_some_and(|c| c.state() == sim_tcp::State::SynRcvd)
    }

    /// Waits for the model's next segment and matches it; returns the
    /// script time it was sent.
    fn outbound(&mut self, line: usize, p: &Packet, times: Option<(i64, i64)>) -> Step<i64> {
        let (deadline, tol) = match times {
            Some((_, end)) => {
                let tol = self.tolerance(end);
                (end + tol, tol)
            }
            None => (self.now_us() + ANY_TIME_HORIZON_US, 0),
        };
        loop {
            while self.outq.is_empty() {
                if !self.step(Self::at_us(deadline))? {
                    let what = format!("{}{}", p.flags, seq_text(p));
                    return fail(format!(
                        "line {line}: expected outbound packet `{what}` by {:.6} s; none sent",
                        deadline as f64 / 1e6
                    ));
                }
                self.check_pending()?;
            }
            // packetdrill sniffs only the socket under test: a segment of
            // an earlier connection (a FIN after close(), the ACK of its
            // peer's FIN) is passed over (`sniff_outbound_live_packet`).
            let (_, front) = self.outq.front().expect("queued");
            let key = (front.src_port, front.dst_port);
            let new_syn = front.has(Flags::SYN) && !front.has(Flags::ACK);
            if self.current.is_some_and(|c| c != key) && !new_syn {
                self.outq.pop_front();
                continue;
            }
            break;
        }
        let (t, mut seg) = self.outq.pop_front().expect("queued");
        // TSO: the model sends MSS-sized segments where Linux hands the
        // device one large one; segments sent together, contiguous and
        // alike, are merged while the script expects more bytes.
        while seg.data.len < p.len
            && let Some((t2, next)) = self.outq.front()
            && *t2 == t
            && next.src_port == seg.src_port
            && next.seq == seg.seq + seg.seg_len()
            && next.ack == seg.ack
            && !next.has(Flags::SYN)
            && !next.has(Flags::RST)
            && !seg.has(Flags::FIN)
        {
            let (_, next) = self.outq.pop_front().expect("front");
            seg.data.len += next.data.len;
            // packetdrill's `aggregate_packets` keeps the last packet's
            // header: its PSH and FIN, whatever the earlier ones had.
            let tail = Flags::PSH.0 | Flags::FIN.0;
            seg.flags = Flags((seg.flags.0 & !tail) | (next.flags.0 & tail));
        }
        let key = (seg.src_port, seg.dst_port);
        if seg.has(Flags::SYN) {
            // packetdrill learns the kernel's ISN from the first SYN it
            // sends: the script's sequence number for it is taken as given.
            let f = self.flow_of(key);
            f.local_iss = seg.seq.0;
            f.script_local_isn = p.seq;
        }
        let tick = self.ts_tick_us;
        let tol_ticks = tick.map(|k| (tol / k.max(1)) as u64);
        let map = self.flow_of(key);
        let actual = script_text(&seg, map);
        let sent_us = (t.as_nanos() / 1000) as i64;
        if let Err(m) = check(p, &seg, map, tol_ticks) {
            return fail(format!(
                "line {line}: {m}\n    script packet: {:.6} {}{}\n    actual packet: {:.6} {}",
                times.map_or(0.0, |(a, _)| a as f64 / 1e6),
                p.flags,
                seq_text(p),
                sent_us as f64 / 1e6,
                actual
            ));
        }
        if let Some((start, end)) = times
            && (sent_us < start - tol || sent_us > end + tol)
        {
            return fail(format!(
                "line {line}: timing error: expected outbound packet at {:.6} s but happened at {:.6} s; tolerance {:.6} s\n    actual packet: {}",
                start as f64 / 1e6,
                sent_us as f64 / 1e6,
                tol as f64 / 1e6,
                actual
            ));
        }
        self.current = Some(key);
        self.now = self.now.max(t);
        Ok(sent_us)
    }

    fn syscall(&mut self, line: usize, call: &Syscall, start_us: i64, end_us: i64) -> Step {
        match self.call(call)? {
            Call::Done(ret, errno) => self.verify_return(line, call, ret, errno, start_us, end_us),
            Call::Block(deadline) => {
                self.pending = Some(Pending {
                    line,
                    call: call.clone(),
                    start_us,
                    end_us,
                    deadline,
                });
                Ok(())
            }
        }
    }

    /// Tries the pending call again.
    fn check_pending(&mut self) -> Step {
        let Some(p) = self.pending.take() else {
            return Ok(());
        };
        let timed_out = p.deadline.is_some_and(|d| self.now >= d);
        match self.retry(&p.call, timed_out)? {
            Call::Done(ret, errno) => {
                self.verify_return(p.line, &p.call, ret, errno, p.start_us, p.end_us)
            }
            Call::Block(_) => {
                self.pending = Some(p);
                Ok(())
            }
        }
    }

    fn verify_return(
        &mut self,
        line: usize,
        call: &Syscall,
        ret: i64,
        errno: Option<&'static str>,
        start_us: i64,
        end_us: i64,
    ) -> Step {
        let name = &call.name;
        let want = crate::shim::expected_int(&call.ret).map_err(Stop::Skip)?;
        if let Some(w) = want
            && w != ret
        {
            let got = match errno {
                Some(e) => format!("{ret} {e}"),
                None => ret.to_string(),
            };
            return fail(format!(
                "line {line}: {name}() returned {got}, expected {w}{}",
                call.errno
                    .as_ref()
                    .map_or(String::new(), |e| format!(" {e}"))
            ));
        }
        if ret < 0
            && let (Some(w), Some(e)) = (&call.errno, errno)
            && w != e
        {
            return fail(format!(
                "line {line}: {name}() failed with {e}, expected {w}"
            ));
        }
        let now = self.now_us();
        let tol = self.tolerance_us;
        if now < end_us - tol || now > end_us + tol {
            return fail(format!(
                "line {line}: timing error: expected {name}() made at {:.6} s to return at {:.6} s but it returned at {:.6} s",
                start_us as f64 / 1e6,
                end_us as f64 / 1e6,
                now as f64 / 1e6
            ));
        }
        Ok(())
    }

    /// The shell commands and sysctls of a script, mapped onto the
    /// profile's knobs.
    fn shell(&mut self, cmd: &str) -> Step {
        // A line ending in `\` continues on the next.
        let joined = cmd.replace("\\\n", " ");
        for raw in joined.lines() {
            let l = raw.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            if l.starts_with("ip tcp_metrics flush")
                && let Some(s) = self.stack.as_mut()
            {
                s.flush_fast_open_cache();
            }
            let configured = crate::shim::apply_shell_line(&mut self.cfg, l)?;
            let only_fast_open = l.matches('=').count() == l.matches("tcp_fastopen=").count();
            if configured
                && only_fast_open
                && let Some(s) = self.stack.as_mut()
            {
                // The Fast Open mode is read per call, so it may change
                // between connections as in Linux.
                s.set_fast_open(self.cfg.fast_open);
                continue;
            }
            if configured && self.stack.is_some() {
                return skip(format!(
                    "`{l}` after the first connection (settings are per stack)"
                ));
            }
        }
        Ok(())
    }
}

fn seq_text(p: &Packet) -> String {
    let mut s = format!(" {}:{}({})", p.seq, p.seq.wrapping_add(p.len), p.len);
    if let Some(a) = p.ack {
        s.push_str(&format!(" ack {a}"));
    }
    if let Some(w) = p.win {
        s.push_str(&format!(" win {w}"));
    }
    s
}
