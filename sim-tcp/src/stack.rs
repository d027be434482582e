//! A node's TCP: listeners, connections, and segments for nobody.
//!
//! # Contract
//!
//! Like [`Connection`], a [`TcpStack`] is sans-IO. Feed it segments
//! ([`handle_segment`]), timer expiries ([`handle_timeout`]) and
//! application calls; then drain, in this order, [`poll_event`] (so the application can react,
//! and its reaction can share the segments), [`poll_transmit`] and
//! [`poll_timer`]. Connections are found by their 4-tuple in a hash map
//! (O(1), TIME_WAIT included); nothing iterates that map, so no output
//! depends on its order.
//!
//! [`handle_segment`]: TcpStack::handle_segment
//! [`handle_timeout`]: TcpStack::handle_timeout
//! [`poll_event`]: TcpStack::poll_event
//! [`poll_transmit`]: TcpStack::poll_transmit
//! [`poll_timer`]: TcpStack::poll_timer

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use sim_core::hash::FastMap;
use sim_core::{NodeId, RngStream, SimTime};

use crate::config::TcpConfig;
use crate::conn::{Connection, DEFAULT_MSS, Event, Transmit};
use crate::cookie::CookieJar;
use crate::segment::{Flags, Segment};
use crate::seq::SeqNum;
use crate::state::State;

/// A connection's handle within its stack.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct ConnId(pub u32);

/// The far end and both ports: how segments find their connection.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Quad {
    /// Our port.
    pub local_port: u16,
    /// The peer node.
    pub remote: NodeId,
    /// The peer's port.
    pub remote_port: u16,
}

/// What the stack reports besides connection events.
#[derive(Clone, Debug, PartialEq)]
pub enum StackEvent {
    /// An event of one connection.
    Conn(ConnId, Event),
    /// A listener created a connection for an incoming SYN.
    Accepted {
        /// The listening port.
        port: u16,
        /// The new connection.
        conn: ConnId,
    },
    /// A segment was dropped or answered without reaching a connection.
    Unmatched {
        /// Why (`closed port`, `SYN queue full`...).
        reason: &'static str,
        /// Who sent it.
        from: NodeId,
        /// Its destination port.
        port: u16,
    },
}

#[derive(Debug)]
struct Listener {
    /// Most connections in SYN_RCVD at once (the SYN queue).
    backlog: u32,
    half_open: u32,
    cfg: Arc<TcpConfig>,
    /// The `TCP_FASTOPEN` queue length; 0: no Fast Open on this listener
    /// unless every listener has it.
    fastopen_qlen: u32,
    /// Its own Fast Open key (`TCP_FASTOPEN_KEY`), else the stack's.
    fastopen_key: Option<crate::fastopen::Key>,
}

#[derive(Debug)]
struct Slot {
    conn: Connection,
    quad: Quad,
    /// The listening port it came from, while it counts against the backlog.
    half_open_of: Option<u16>,
}

/// All TCP of one node.
#[derive(Debug)]
pub struct TcpStack {
    cfg: Arc<TcpConfig>,
    isn: RngStream,
    pinned_iss: Option<u32>,
    /// ISNs given one per connection, taken in the order connections open.
    listed_isns: VecDeque<u32>,
    listeners: BTreeMap<u16, Listener>,
    slots: Vec<Option<Slot>>,
    free: Vec<u32>,
    /// Looked up per segment and never iterated (`sim_core::hash`).
    by_quad: FastMap<Quad, ConnId>,
    /// Connections touched since outputs were last drained, in order.
    dirty: Vec<ConnId>,
    stray: VecDeque<(NodeId, Transmit)>,
    events: VecDeque<StackEvent>,
    next_port: u16,
    /// Connections forgotten so far (their ports are free again).
    freed: u64,
    /// Connections ever opened.
    opened: u64,
    cookies: CookieJar,
    /// TCP Fast Open: key, addresses, cookie cache (`fastopen.rs`).
    fo: crate::fastopen::StackFo,
}

const FIRST_EPHEMERAL: u16 = 49_152;

impl TcpStack {
    /// A stack with default settings `cfg`, drawing ISNs from `isn` unless
    /// `pinned_iss` fixes them (for readable teaching traces).
    pub fn new(mut cfg: TcpConfig, mut isn: RngStream, pinned_iss: Option<u32>) -> Self {
        let secret = isn.next_u64();
        let cookies = CookieJar::new(secret);
        let mut fo = crate::fastopen::StackFo::new(secret);
        if let Some(k) = cfg.fast_open_key {
            fo.key = k;
        }
        // One timestamp offset for the host, as Linux keeps one per address
        // pair (`secure_tcp_ts_off`): TSvals rise across incarnations of a
        // 4-tuple, so a reopening SYN is not refused by PAWS. Taken from
        // the draw the cookie secret already made.
        // Pinned ISNs are for readable teaching traces: TSval is then the
        // clock in milliseconds.
        cfg.ts_offset = if pinned_iss.is_some() {
            0
        } else {
            (secret >> 32) as u32
        };
        TcpStack {
            cookies,
            fo,
            cfg: Arc::new(cfg),
            isn,
            pinned_iss,
            listed_isns: VecDeque::new(),
            listeners: BTreeMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            by_quad: FastMap::default(),
            dirty: Vec::new(),
            stray: VecDeque::new(),
            events: VecDeque::new(),
            next_port: FIRST_EPHEMERAL,
            freed: 0,
            opened: 0,
        }
    }

    /// Gives the next connections opened (connected or accepted) these
    /// ISNs, one each in order; after them ISNs are pinned or drawn as
    /// before. For scripted and teaching scenarios that need each
    /// connection's numbers known.
    pub fn set_isns(&mut self, isns: impl IntoIterator<Item = u32>) {
        self.listed_isns = isns.into_iter().collect();
    }

    fn iss(&mut self) -> SeqNum {
        // RFC 9293 §3.4.1 wants ISNs that are hard to guess; in a simulation
        // they come from the node's stream, or are given by the scenario.
        if let Some(isn) = self.listed_isns.pop_front() {
            return SeqNum(isn);
        }
        SeqNum(self.pinned_iss.unwrap_or_else(|| self.isn.next_u32()))
    }

    /// Listens on `port` with a SYN queue of `backlog` connections.
    pub fn listen(&mut self, port: u16, backlog: u32) {
        let cfg = self.cfg.clone();
        self.listeners.insert(
            port,
            Listener {
                backlog: backlog.max(1),
                half_open: 0,
                cfg,
                fastopen_qlen: 0,
                fastopen_key: None,
            },
        );
    }

    /// Stops listening on `port` (the listening socket is closed). Its
    /// connections still in the handshake are dropped without a word, as
    /// Linux drops its request sockets (`inet_csk_listen_stop`); Fast Open
    /// children, which already hold data, are left to the caller, which
    /// knows which were accepted.
    pub fn close_listener(&mut self, port: u16) {
        self.listeners.remove(&port);
        for i in 0..self.slots.len() {
            let drop = self.slots[i].as_ref().is_some_and(|s| {
                s.half_open_of == Some(port)
                    && s.conn.state() == State::SynRcvd
                    && !s.conn.is_fast_open_child()
            });
            if drop {
                self.forget(ConnId(i as u32));
            }
        }
    }

    /// Gives the listener on `port` a Fast Open queue of `qlen` (the
    /// `TCP_FASTOPEN` socket option); 0 turns Fast Open off for it.
    pub fn set_fast_open_queue(&mut self, port: u16, qlen: u32) {
        if let Some(l) = self.listeners.get_mut(&port) {
            l.fastopen_qlen = qlen;
        }
    }

    /// Changes the Fast Open settings of the whole stack (a
    /// `net.ipv4.tcp_fastopen` write).
    pub fn set_fast_open(&mut self, fo: crate::fastopen::FastOpen) {
        Arc::make_mut(&mut self.cfg).fast_open = fo;
    }

    /// Sets how many times the next connections opened retransmit their
    /// SYN (a socket's `TCP_SYNCNT` is set by setting this around its
    /// `connect`: a connection keeps the settings it was made with).
    /// Returns the previous count.
    pub fn set_syn_retries(&mut self, n: u32) -> u32 {
        std::mem::replace(&mut Arc::make_mut(&mut self.cfg).syn_retries, n)
    }

    /// Client Fast Open is on (`tcp_fastopen` & 1).
    pub fn fast_open_client(&self) -> bool {
        self.cfg.fast_open.client
    }

    /// Whether a connection to `remote` would send data on its SYN now
    /// (client Fast Open on, and a cookie cached or none needed): Linux's
    /// `tcp_fastopen_defer_connect` then lets `connect()` return at once.
    pub fn fast_open_ready(&self, remote: NodeId) -> bool {
        let fo = self.cfg.fast_open;
        fo.client && (fo.client_no_cookie || self.fo.cache.get(remote).cookie.is_some())
    }

    /// Forgets the Fast Open cookies learnt (`ip tcp_metrics flush`).
    pub fn flush_fast_open_cache(&mut self) {
        self.fo.cache.clear();
    }

    /// Gives the listener on `port` its own Fast Open key (the
    /// `TCP_FASTOPEN_KEY` socket option).
    pub fn set_listener_fast_open_key(&mut self, port: u16, key: crate::fastopen::Key) {
        if let Some(l) = self.listeners.get_mut(&port) {
            l.fastopen_key = Some(key);
        }
    }

    /// Sets the Fast Open server key (`tcp_fastopen_key`).
    pub fn set_fast_open_key(&mut self, key: crate::fastopen::Key) {
        self.fo.key = key;
    }

    /// The addresses Fast Open cookies are made from: ours, and a peer's.
    pub fn set_fast_open_addrs(&mut self, local: [u8; 4], peer: NodeId, peer_addr: [u8; 4]) {
        self.fo.local_addr = local;
        self.fo.peer_addrs.insert(peer, peer_addr);
    }

    /// Opens a connection like [`try_connect`](Self::try_connect) with
    /// `bytes` written before the SYN (`sendto(MSG_FASTOPEN)`,
    /// `TCP_FASTOPEN_CONNECT`; all of them if `whole`, else only what the
    /// SYN can carry): the SYN carries a cookie and data if the
    /// stack holds a cookie for `remote` and client Fast Open is on
    /// (RFC 7413 §4.2.1), else asks for a cookie. Returns the connection
    /// and how many bytes its SYN carries.
    pub fn connect_fast_open(
        &mut self,
        now: SimTime,
        remote: NodeId,
        remote_port: u16,
        local_port: Option<u16>,
        bytes: u64,
        whole: bool,
    ) -> Option<(ConnId, u32)> {
        let local_port = match local_port {
            Some(p) => p,
            None => self.ephemeral_port(remote, remote_port)?,
        };
        let quad = Quad {
            local_port,
            remote,
            remote_port,
        };
        if self.by_quad.contains_key(&quad) {
            return None;
        }
        let iss = self.iss();
        let fo = self.fo.client_syn(self.cfg.fast_open, remote, self.cfg.mss);
        // A non-blocking sender queues only what the SYN carries (Linux's
        // `tcp_sendmsg_fastopen` returns that count).
        let bytes = if whole {
            bytes
        } else {
            bytes.min(u64::from(fo.syn_data))
        };
        let conn = Connection::connect_fast_open(
            self.cfg.clone(),
            now,
            local_port,
            remote_port,
            iss,
            fo,
            bytes,
        );
        let syn_data = conn.fast_open_syn_data();
        Some((self.insert(quad, conn, None), syn_data))
    }

    /// The settings of the listener on `port`, which the connections it
    /// accepts from now on start with: a socket option set on a listening
    /// socket, which Linux copies to each new connection.
    pub fn listener_config_mut(&mut self, port: u16) -> Option<&mut TcpConfig> {
        self.listeners
            .get_mut(&port)
            .map(|l| Arc::make_mut(&mut l.cfg))
    }

    /// Opens a connection to `remote:remote_port` from `local_port` (an
    /// ephemeral port if `None`).
    ///
    /// # Panics
    ///
    /// If every ephemeral port to that peer is taken; see
    /// [`try_connect`](Self::try_connect).
    pub fn connect(
        &mut self,
        now: SimTime,
        remote: NodeId,
        remote_port: u16,
        local_port: Option<u16>,
    ) -> ConnId {
        self.try_connect(now, remote, remote_port, local_port)
            .expect("a free ephemeral port")
    }

    /// Opens a connection like [`connect`](Self::connect), or `None` when
    /// every ephemeral port (49152 to 65535) to `remote:remote_port` is
    /// held by a connection (TIME_WAIT included): the caller waits for
    /// one to close (see [`freed`](Self::freed)).
    pub fn try_connect(
        &mut self,
        now: SimTime,
        remote: NodeId,
        remote_port: u16,
        local_port: Option<u16>,
    ) -> Option<ConnId> {
        let local_port = match local_port {
            // A fixed port whose 4-tuple is still held (the last connection
            // on it is in TIME_WAIT, or not yet closed) waits, as Linux's
            // connect() fails with EADDRNOTAVAIL.
            Some(p)
                if self.by_quad.contains_key(&Quad {
                    local_port: p,
                    remote,
                    remote_port,
                }) =>
            {
                return None;
            }
            Some(p) => p,
            None => self.ephemeral_port(remote, remote_port)?,
        };
        let iss = self.iss();
        let conn = Connection::connect(self.cfg.clone(), now, local_port, remote_port, iss);
        let quad = Quad {
            local_port,
            remote,
            remote_port,
        };
        Some(self.insert(quad, conn, None))
    }

    /// How many connections have been forgotten so far: a caller waiting
    /// for a port tries again when this moves.
    pub fn freed(&self) -> u64 {
        self.freed
    }

    /// The next free ephemeral port to `remote:remote_port`, each tried at
    /// most once.
    fn ephemeral_port(&mut self, remote: NodeId, remote_port: u16) -> Option<u16> {
        for _ in FIRST_EPHEMERAL..=u16::MAX {
            let p = self.next_port;
            self.next_port = if p == u16::MAX {
                FIRST_EPHEMERAL
            } else {
                p + 1
            };
            let quad = Quad {
                local_port: p,
                remote,
                remote_port,
            };
            if !self.by_quad.contains_key(&quad) && !self.listeners.contains_key(&p) {
                return Some(p);
            }
        }
        None
    }

    fn insert(&mut self, quad: Quad, conn: Connection, half_open_of: Option<u16>) -> ConnId {
        let slot = Slot {
            conn,
            quad,
            half_open_of,
        };
        let id = if let Some(i) = self.free.pop() {
            self.slots[i as usize] = Some(slot);
            ConnId(i)
        } else {
            self.slots.push(Some(slot));
            ConnId(self.slots.len() as u32 - 1)
        };
        self.by_quad.insert(quad, id);
        self.opened += 1;
        self.touch(id);
        id
    }

    fn touch(&mut self, id: ConnId) {
        if !self.dirty.contains(&id) {
            self.dirty.push(id);
        }
    }

    /// The connection behind a handle, while it exists.
    pub fn conn(&self, id: ConnId) -> Option<&Connection> {
        self.slots.get(id.0 as usize)?.as_ref().map(|s| &s.conn)
    }

    /// The connection with this 4-tuple, while it exists.
    pub fn lookup(&self, quad: Quad) -> Option<ConnId> {
        self.by_quad.get(&quad).copied()
    }

    /// The 4-tuple of a connection.
    pub fn quad(&self, id: ConnId) -> Option<Quad> {
        self.slots.get(id.0 as usize)?.as_ref().map(|s| s.quad)
    }

    /// Connections ever opened on this stack.
    pub fn connections_opened(&self) -> u64 {
        self.opened
    }

    /// Every connection that exists now, with its 4-tuple, in handle
    /// order (a fixed order: handles are given out deterministically).
    pub fn connections(&self) -> impl Iterator<Item = (Quad, &Connection)> {
        self.slots.iter().flatten().map(|s| (s.quad, &s.conn))
    }

    /// Connections that exist now.
    pub fn live_connections(&self) -> usize {
        self.by_quad.len()
    }

    fn with_conn(&mut self, id: ConnId, f: impl FnOnce(&mut Connection)) {
        if let Some(Some(slot)) = self.slots.get_mut(id.0 as usize) {
            f(&mut slot.conn);
            self.touch(id);
        }
    }

    /// Queues `bytes` of application data.
    pub fn send(&mut self, now: SimTime, id: ConnId, bytes: u64) {
        self.with_conn(id, |c| {
            c.send(now, bytes);
        });
    }

    /// Queues what of `bytes` the connection takes under its
    /// `notsent_lowat` ([`Connection::send_limited`]); 0 if there is no
    /// such connection.
    pub fn send_limited(
        &mut self,
        now: SimTime,
        id: ConnId,
        bytes: u64,
        flags: crate::conn::WriteFlags,
    ) -> u64 {
        let mut took = 0;
        self.with_conn(id, |c| took = c.send_limited(now, bytes, flags));
        took
    }

    /// The application wrote `bytes` ending a record (`MSG_EOR`).
    pub fn send_record(&mut self, now: SimTime, id: ConnId, bytes: u64) {
        self.with_conn(id, |c| {
            c.send_record(now, bytes);
        });
    }

    /// The application read `bytes`.
    pub fn read(&mut self, now: SimTime, id: ConnId, bytes: u64) {
        self.with_conn(id, |c| c.read(now, bytes));
    }

    /// Sets a socket option on a connection.
    pub fn set_option(&mut self, now: SimTime, id: ConnId, opt: crate::SockOpt) {
        self.with_conn(id, |c| c.set_option(now, opt));
    }

    /// Hold delivered data until read (`false`), or read it at once.
    pub fn set_auto_read(&mut self, id: ConnId, on: bool) {
        self.with_conn(id, |c| c.set_auto_read(on));
    }

    /// Closes our direction.
    pub fn close(&mut self, now: SimTime, id: ConnId) {
        self.with_conn(id, |c| c.close(now));
    }

    /// The application will read no more (`Connection::shut_read`).
    pub fn shut_read(&mut self, id: ConnId) {
        self.with_conn(id, |c| c.shut_read());
    }

    /// Resets the connection.
    pub fn abort(&mut self, now: SimTime, id: ConnId) {
        self.with_conn(id, |c| c.abort(now));
    }

    /// Forgets the connection silently (the host crashed).
    pub fn forget(&mut self, id: ConnId) {
        self.with_conn(id, |c| c.forget());
    }

    /// A connection's timer expired.
    pub fn handle_timeout(&mut self, now: SimTime, id: ConnId) {
        self.with_conn(id, |c| c.handle_timeout(now));
    }

    /// A segment from `from` arrived.
    pub fn handle_segment(&mut self, now: SimTime, from: NodeId, seg: &Segment) {
        let quad = Quad {
            local_port: seg.dst_port,
            remote: from,
            remote_port: seg.src_port,
        };
        if let Some(&id) = self.by_quad.get(&quad) {
            if seg.has(Flags::SYN)
                && seg.has(Flags::ACK)
                && self
                    .conn(id)
                    .is_some_and(|c| c.state() == State::SynSent && c.used_fast_open())
            {
                // RFC 7413 §4.1.3: the client keeps the server's cookie
                // (and MSS) for its next connections.
                let asked = self.conn(id).and_then(|c| c.fast_open_request());
                self.fo.cache.learn(from, seg.mss, seg.fast_open, asked);
            }
            let reopen = self.conn(id).and_then(|c| c.reopen_iss(seg));
            match reopen {
                Some(iss) if self.listeners.contains_key(&seg.dst_port) => {
                    // The old incarnation closes and the SYN goes to the
                    // listener as a new connection's.
                    self.with_conn(id, |c| c.end_time_wait());
                    self.by_quad.remove(&quad);
                    self.segment_to_listener(now, quad, seg, Some(iss));
                }
                _ => self.with_conn(id, |c| c.handle_segment(now, seg)),
            }
            return;
        }
        if self.listeners.contains_key(&seg.dst_port) {
            self.segment_to_listener(now, quad, seg, None);
        } else {
            self.segment_to_closed_port(from, seg, "closed port");
        }
    }

    /// RFC 9293 §3.10.7.1: a segment for no connection is answered with a
    /// reset, unless it is one.
    fn segment_to_closed_port(&mut self, from: NodeId, seg: &Segment, reason: &'static str) {
        self.events.push_back(StackEvent::Unmatched {
            reason,
            from,
            port: seg.dst_port,
        });
        if seg.has(Flags::RST) {
            return;
        }
        let mut rst = Segment {
            src_port: seg.dst_port,
            dst_port: seg.src_port,
            ..Segment::default()
        };
        if seg.has(Flags::ACK) {
            rst.seq = seg.ack;
            rst.flags = Flags::RST;
        } else {
            rst.seq = SeqNum(0);
            rst.ack = seg.seq + seg.seg_len();
            rst.flags = Flags::RST | Flags::ACK;
        }
        self.stray.push_back((
            from,
            Transmit {
                seg: rst,
                retransmission: false,
            },
        ));
    }

    /// RFC 9293 §3.10.7.2; `iss` when a SYN reopens a connection from
    /// TIME_WAIT.
    fn segment_to_listener(
        &mut self,
        now: SimTime,
        quad: Quad,
        seg: &Segment,
        iss: Option<SeqNum>,
    ) {
        let from = quad.remote;
        if seg.has(Flags::RST) {
            return;
        }
        if seg.has(Flags::ACK) {
            if self.accept_cookie(now, quad, seg) {
                return;
            }
            // An ACK for no connection: <SEQ=SEG.ACK><CTL=RST>.
            self.segment_to_closed_port(from, seg, "ACK to a listener");
            return;
        }
        if !seg.has(Flags::SYN) {
            self.events.push_back(StackEvent::Unmatched {
                reason: "neither SYN nor RST to a listener",
                from,
                port: seg.dst_port,
            });
            return;
        }
        let l = self.listeners.get(&seg.dst_port).expect("listener exists");
        if l.half_open >= l.backlog {
            if l.cfg.syn_cookies {
                self.send_cookie(now, quad, seg);
                return;
            }
            self.events.push_back(StackEvent::Unmatched {
                reason: "SYN queue full",
                from,
                port: seg.dst_port,
            });
            return;
        }
        let cfg = l.cfg.clone();
        let fo_cfg = self.cfg.fast_open;
        let fo_queue = l.fastopen_qlen > 0 || fo_cfg.all_listeners;
        let fo = self
            .fo
            .answer_syn(fo_cfg, fo_queue, l.fastopen_key, from, seg);
        let iss = iss.unwrap_or_else(|| self.iss());
        let Some(conn) =
            Connection::accept_fast_open(cfg, now, seg.dst_port, seg.src_port, iss, seg, fo)
        else {
            return;
        };
        if let Some(l) = self.listeners.get_mut(&seg.dst_port) {
            l.half_open += 1;
        }
        let id = self.insert(quad, conn, Some(seg.dst_port));
        self.events.push_back(StackEvent::Accepted {
            port: seg.dst_port,
            conn: id,
        });
    }

    /// Answers a SYN with a SYN,ACK whose ISN is a cookie, keeping no state
    /// (RFC 4987 §3.6).
    fn send_cookie(&mut self, now: SimTime, quad: Quad, syn: &Segment) {
        let mss = syn.mss.unwrap_or(DEFAULT_MSS);
        let cookie = self.cookies.make(
            now,
            quad.local_port,
            quad.remote,
            quad.remote_port,
            syn.seq,
            mss,
        );
        let cfg = &self.listeners[&quad.local_port].cfg;
        let reply = Segment {
            src_port: quad.local_port,
            dst_port: quad.remote_port,
            seq: cookie,
            ack: syn.seq + 1,
            flags: Flags::SYN | Flags::ACK,
            wnd: cfg.rcv_buf.min(65_535) as u16,
            mss: Some(cfg.mss),
            wscale: None,
            ..Segment::default()
        };
        self.events.push_back(StackEvent::Unmatched {
            reason: "SYN queue full: SYN cookie sent",
            from: quad.remote,
            port: quad.local_port,
        });
        self.stray.push_back((
            quad.remote,
            Transmit {
                seg: reply,
                retransmission: false,
            },
        ));
    }

    /// An ACK to a listener may carry a SYN cookie; if it does, the
    /// connection is rebuilt and the ACK completes it.
    fn accept_cookie(&mut self, now: SimTime, quad: Quad, seg: &Segment) -> bool {
        let Some(l) = self.listeners.get(&quad.local_port) else {
            return false;
        };
        if !l.cfg.syn_cookies || seg.has(Flags::SYN) || seg.has(Flags::RST) {
            return false;
        }
        let cookie = SeqNum(seg.ack.0.wrapping_sub(1));
        let peer_isn = SeqNum(seg.seq.0.wrapping_sub(1));
        let Some(mss) = self.cookies.check(
            now,
            quad.local_port,
            quad.remote,
            quad.remote_port,
            peer_isn,
            cookie,
        ) else {
            return false;
        };
        let cfg = l.cfg.clone();
        let mut conn = Connection::from_cookie(
            cfg,
            quad.local_port,
            quad.remote_port,
            cookie,
            peer_isn,
            mss,
        );
        conn.handle_segment(now, seg);
        let id = self.insert(quad, conn, None);
        self.events.push_back(StackEvent::Accepted {
            port: quad.local_port,
            conn: id,
        });
        true
    }

    /// Moves events out of touched connections; call before
    /// [`poll_transmit`](Self::poll_transmit).
    pub fn poll_event(&mut self) -> Option<StackEvent> {
        if let Some(e) = self.events.pop_front() {
            return Some(e);
        }
        for i in 0..self.dirty.len() {
            let id = self.dirty[i];
            let Some(Some(slot)) = self.slots.get_mut(id.0 as usize) else {
                continue;
            };
            if let Some(e) = slot.conn.poll_event() {
                // A connection that leaves SYN_RCVD no longer counts against
                // its listener's backlog.
                if let (
                    Event::StateChange {
                        from: State::SynRcvd,
                        ..
                    },
                    Some(port),
                ) = (&e, slot.half_open_of)
                {
                    slot.half_open_of = None;
                    if let Some(l) = self.listeners.get_mut(&port) {
                        l.half_open = l.half_open.saturating_sub(1);
                    }
                }
                return Some(StackEvent::Conn(id, e));
            }
        }
        None
    }

    /// The next segment to send and its destination node.
    #[inline]
    pub fn poll_transmit(&mut self) -> Option<(NodeId, Transmit)> {
        if let Some(t) = self.stray.pop_front() {
            return Some(t);
        }
        for i in 0..self.dirty.len() {
            let id = self.dirty[i];
            let Some(Some(slot)) = self.slots.get_mut(id.0 as usize) else {
                continue;
            };
            if let Some(t) = slot.conn.poll_transmit_full() {
                return Some((slot.quad.remote, t));
            }
        }
        None
    }

    /// For each touched connection, its next deadline (`None`: no timer, or
    /// the connection is gone). Forgets connections that reached CLOSED (or
    /// went back to LISTEN). Call after the other polls.
    pub fn poll_timer(&mut self) -> Option<(ConnId, Option<SimTime>)> {
        let id = self.dirty.first().copied()?;
        self.dirty.remove(0);
        let Some(Some(slot)) = self.slots.get_mut(id.0 as usize) else {
            return Some((id, None));
        };
        let state = slot.conn.state();
        if matches!(state, State::SynRcvd | State::TimeWait) {
            slot.conn.compact();
        }
        if matches!(state, State::Closed | State::Listen) {
            let slot = self.slots[id.0 as usize].take().expect("slot");
            if let Some(port) = slot.half_open_of
                && let Some(l) = self.listeners.get_mut(&port)
            {
                l.half_open = l.half_open.saturating_sub(1);
            }
            // A connection reopened from TIME_WAIT left its 4-tuple to
            // the new one.
            if self.by_quad.get(&slot.quad) == Some(&id) {
                self.by_quad.remove(&slot.quad);
            }
            self.free.push(id.0);
            self.freed += 1;
            return Some((id, None));
        }
        Some((id, slot.conn.next_timeout()))
    }
}
