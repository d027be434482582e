//! The socket calls of a script over the sans-IO stack: file descriptors,
//! the accept queue, blocking and non-blocking calls and their errno
//! results, as Linux's socket layer gives them (`run_system_call.c` lists
//! what packetdrill can call). Calls and options the model has no
//! counterpart for end the script as SKIP.

use std::collections::BTreeMap;

use sim_core::{SimDuration, SimTime};
use sim_tcp::conn::WriteFlags;
use sim_tcp::stack::ConnId;
use sim_tcp::{CongestionKind, EcnMode, IdleRestart, SockOpt, State, TcpConfig};

use crate::parser::{Expr, Syscall};
use crate::runner::{LOCAL_PORT, PEER, Runner, Step, skip};

/// What a call did.
pub(crate) enum Call {
    /// It returned this value, with this errno when negative.
    Done(i64, Option<&'static str>),
    /// It blocks; it may give up at this deadline (a poll's timeout).
    Block(Option<SimTime>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kind {
    Fresh,
    Listener(u16),
    Conn(ConnId),
    /// An epoll instance (`epoll.rs`).
    Epoll,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Sock {
    pub(crate) kind: Kind,
    nonblock: bool,
    /// TCP_MAXSEG set before the connection (Linux's `user_mss`).
    user_mss: Option<u16>,
}

/// The script's file descriptors.
#[derive(Default, Debug)]
pub struct Sockets {
    fds: BTreeMap<i64, Sock>,
    last_conn: Option<ConnId>,
    /// `TCP_FASTOPEN` queue lengths set before `listen`, by descriptor.
    fo_qlen: BTreeMap<i64, u32>,
    /// A blocking `sendto(MSG_FASTOPEN)` waiting for its handshake.
    fo_sendto: Option<ConnId>,
    /// `TCP_FASTOPEN_KEY` set before `listen`, by descriptor.
    fo_key: BTreeMap<i64, sim_tcp::fastopen::Key>,
    /// `TCP_SYNCNT` of descriptors not yet connected.
    syn_cnt: BTreeMap<i64, u32>,
    /// Descriptors with `TCP_FASTOPEN_CONNECT` set.
    fo_connect: std::collections::BTreeSet<i64>,
    /// Descriptors whose `connect()` was deferred to their first write.
    fo_deferred: std::collections::BTreeSet<i64>,
    /// The epoll instances, by descriptor.
    pub(crate) epolls: BTreeMap<i64, crate::epoll::Epoll>,
}

impl Sockets {
    /// The connection behind the descriptor used last (what `tcp_info`
    /// in a `%{ }%` block reads).
    pub fn last_conn(&self) -> Option<ConnId> {
        self.last_conn
    }

    /// The port of a listening socket, if any.
    pub fn listener_port(&self) -> Option<u16> {
        self.fds.values().find_map(|s| match s.kind {
            Kind::Listener(p) => Some(p),
            _ => None,
        })
    }

    /// The descriptors of a connection, or of a listener on `port`.
    pub(crate) fn fds_of(&self, conn: Option<ConnId>, port: Option<u16>) -> Vec<i64> {
        self.fds
            .iter()
            .filter(|(_, s)| match s.kind {
                Kind::Conn(id) => Some(id) == conn,
                Kind::Listener(p) => Some(p) == port,
                _ => false,
            })
            .map(|(fd, _)| *fd)
            .collect()
    }

    /// A new descriptor for an epoll instance.
    pub(crate) fn alloc_epoll(&mut self, want: Option<i64>) -> i64 {
        let fd = self.alloc(want, Kind::Epoll, false);
        self.epolls.insert(fd, crate::epoll::Epoll::default());
        fd
    }

    /// The descriptor the script expects if it is free (packetdrill maps
    /// script descriptors onto live ones), else the lowest free one from
    /// 3, as Linux gives them.
    fn alloc(&mut self, want: Option<i64>, kind: Kind, nonblock: bool) -> i64 {
        // An accepted socket takes the number the script gives it even if
        // an earlier one still holds it: packetdrill maps script numbers
        // onto live ones, so the earlier socket stays open, unnamed.
        if let (Some(f), Kind::Conn(_)) = (want, kind)
            && f >= 0
            && self
                .fds
                .get(&f)
                .is_some_and(|s| matches!(s.kind, Kind::Conn(_)))
        {
            self.fds.insert(
                f,
                Sock {
                    kind,
                    nonblock,
                    user_mss: None,
                },
            );
            return f;
        }
        let fd = want
            .filter(|f| *f >= 0 && !self.fds.contains_key(f))
            .or_else(|| (3..).find(|f| !self.fds.contains_key(f)))
            .unwrap_or(3);
        self.fds.insert(
            fd,
            Sock {
                kind,
                nonblock,
                user_mss: None,
            },
        );
        fd
    }
}

const O_RDWR: i64 = 2;
/// Linux's `MSG_FASTOPEN` flag.
const MSG_FASTOPEN: i64 = 0x2000_0000;
const O_NONBLOCK: i64 = 0x800;
const POLLIN: i64 = 0x1;
const POLLOUT: i64 = 0x4;
const POLLERR: i64 = 0x8;
const POLLHUP: i64 = 0x10;
const POLLRDHUP: i64 = 0x2000;
const MSG_EOR: i64 = 0x80;
const MSG_MORE: i64 = 0x8000;

fn symbol(w: &str) -> Option<i64> {
    Some(match w {
        "O_RDWR" => O_RDWR,
        "O_NONBLOCK" => O_NONBLOCK,
        "POLLIN" => POLLIN,
        "POLLOUT" => POLLOUT,
        "POLLERR" => POLLERR,
        "POLLHUP" => POLLHUP,
        "POLLRDHUP" => POLLRDHUP,
        "SHUT_RD" => 0,
        "SHUT_WR" => 1,
        "SHUT_RDWR" => 2,
        "ECONNREFUSED" => 111,
        "ECONNRESET" => 104,
        "ETIMEDOUT" => 110,
        "EPIPE" => 32,
        "MSG_DONTWAIT" => 0x40,
        "MSG_EOR" => MSG_EOR,
        "MSG_MORE" => MSG_MORE,
        _ => return None,
    })
}

/// The integer an expression stands for; `None` for `...`.
pub(crate) fn expected_int(e: &Expr) -> Result<Option<i64>, String> {
    if let Expr::Word(w) = e
        && let Some(v) = crate::epoll::symbol(w)
    {
        return Ok(Some(v));
    }
    Ok(match e {
        Expr::Ellipsis => None,
        Expr::Int(v) => Some(*v),
        Expr::Neg(x) => expected_int(x)?.map(|v| -v),
        Expr::Word(w) => Some(symbol(w).ok_or_else(|| format!("symbol {w} not modelled"))?),
        Expr::Or(parts) => {
            let mut v = 0;
            for p in parts {
                v |= expected_int(p)?.unwrap_or(0);
            }
            Some(v)
        }
        Expr::List(items) if items.len() == 1 => expected_int(&items[0])?,
        other => return Err(format!("value {other:?} not modelled")),
    })
}

/// The bytes of a C string literal as a script writes it (`\xf7`, `\n`,
/// `\\`, plain characters).
fn c_string_bytes(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'x' => {
                    let hex: String = s[i + 2..]
                        .chars()
                        .take_while(char::is_ascii_hexdigit)
                        .take(2)
                        .collect();
                    out.push(u8::from_str_radix(&hex, 16).unwrap_or(0));
                    i += 2 + hex.len();
                }
                b'n' => {
                    out.push(b'\n');
                    i += 2;
                }
                b'0' => {
                    out.push(0);
                    i += 2;
                }
                c => {
                    out.push(c);
                    i += 2;
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

pub(crate) fn arg(call: &Syscall, i: usize) -> Result<Option<i64>, crate::runner::Stop> {
    match call.args.get(i) {
        Some(e) => expected_int(e).map_err(crate::runner::Stop::Skip),
        None => Err(crate::runner::Stop::Skip(format!(
            "{}() with {} arguments",
            call.name,
            call.args.len()
        ))),
    }
}

/// A read's length, flags and the TCP_CM_INQ value its control message
/// should carry: `read(fd, buf, len)`, `recv(fd, buf, len, flags)`, or
/// `recvmsg(fd, {msg_iov(n)=[...], msg_control=[...]}, flags)`.
fn read_args(call: &Syscall) -> Step<(i64, i64, Option<i64>)> {
    match call.name.as_str() {
        "read" => Ok((arg(call, 2)?.unwrap_or(0), 0, None)),
        "recv" => Ok((arg(call, 2)?.unwrap_or(0), arg(call, 3)?.unwrap_or(0), None)),
        _ => {
            let flags = arg(call, 2)?.unwrap_or(0);
            let fields = msghdr(call)?;
            let mut inq = None;
            for f in fields {
                let Expr::Field(name, v) = f else { continue };
                if name != "msg_control" || matches!(v.as_ref(), Expr::Ellipsis) {
                    continue;
                }
                let Expr::List(cmsgs) = v.as_ref() else {
                    return skip("recvmsg() msg_control not modelled");
                };
                for c in cmsgs {
                    let Expr::Struct(parts) = c else {
                        return skip("recvmsg() control message not modelled");
                    };
                    let mut ty = String::new();
                    let mut data = None;
                    for p in parts {
                        match p {
                            Expr::Field(n, v) if n == "cmsg_type" => {
                                if let Expr::Word(w) = v.as_ref() {
                                    ty = w.clone();
                                }
                            }
                            Expr::Field(n, v) if n == "cmsg_data" => {
                                data = expected_int(v).map_err(crate::runner::Stop::Skip)?;
                            }
                            _ => {}
                        }
                    }
                    if ty != "TCP_CM_INQ" {
                        return skip(format!("recvmsg() control message {ty} not modelled"));
                    }
                    inq = data;
                }
            }
            Ok((iov_len(call, fields)?, flags, inq))
        }
    }
}

/// A write's length and flags: `write(fd, buf, len)`, `send(fd, buf,
/// len, flags)`, or `sendmsg(fd, {msg_iov(n)=[{..., len}...], ...},
/// flags)`.
fn write_args(call: &Syscall) -> Step<(i64, i64)> {
    match call.name.as_str() {
        "write" => Ok((arg(call, 2)?.unwrap_or(0), 0)),
        "send" => Ok((arg(call, 2)?.unwrap_or(0), arg(call, 3)?.unwrap_or(0))),
        _ => {
            let fields = msghdr(call)?;
            let control = fields.iter().any(|f| {
                matches!(f, Expr::Field(n, v) if n == "msg_control" && !matches!(v.as_ref(), Expr::Ellipsis))
            });
            if control {
                return skip("sendmsg() control messages not modelled");
            }
            Ok((iov_len(call, fields)?, arg(call, 2)?.unwrap_or(0)))
        }
    }
}

/// The fields of a `sendmsg`/`recvmsg` message header.
fn msghdr(call: &Syscall) -> Step<&[Expr]> {
    match call.args.get(1) {
        Some(Expr::Struct(fields)) => Ok(fields),
        _ => skip(format!("{}() without a msghdr", call.name)),
    }
}

/// The lengths of a message header's buffers (`msg_iov`) added up.
fn iov_len(call: &Syscall, fields: &[Expr]) -> Step<i64> {
    let mut len = 0;
    for f in fields {
        let Expr::Field(name, v) = f else { continue };
        if name != "msg_iov" {
            continue;
        }
        let Expr::List(iovs) = v.as_ref() else {
            return skip(format!("{}() msg_iov not a list", call.name));
        };
        for iov in iovs {
            match iov {
                Expr::Struct(parts) if parts.len() == 2 => {
                    len += expected_int(&parts[1])
                        .map_err(crate::runner::Stop::Skip)?
                        .unwrap_or(0);
                }
                _ => return skip(format!("{}() iovec not modelled", call.name)),
            }
        }
    }
    Ok(len)
}

fn word(call: &Syscall, i: usize) -> &str {
    match call.args.get(i) {
        Some(Expr::Word(w)) => w,
        Some(Expr::Ellipsis) => "...",
        _ => "",
    }
}

impl Runner {
    pub(crate) fn sock(&self, fd: i64) -> Option<Sock> {
        self.sockets.fds.get(&fd).copied()
    }

    fn fd_arg(&self, call: &Syscall) -> Step<(i64, Option<Sock>)> {
        let fd = arg(call, 0)?.unwrap_or(-1);
        Ok((fd, self.sock(fd)))
    }

    /// Makes a call for the first time.
    pub(crate) fn call(&mut self, call: &Syscall) -> Step<Call> {
        let name = call.name.as_str();
        // A NULL buffer is an EFAULT in Linux, errno written or not.
        let null_buffer = matches!(name, "write" | "send" | "sendto" | "read" | "recv")
            && word(call, 1) == "NULL";
        if call.errno.as_deref() == Some("EFAULT") || null_buffer {
            return skip("invalid buffer pointers (EFAULT) not modelled");
        }
        match name {
            "socket" => {
                let domain = word(call, 0);
                if domain == "AF_INET6" {
                    return skip("IPv6");
                }
                if !matches!(domain, "..." | "AF_INET") {
                    return skip(format!("socket domain {domain} not modelled"));
                }
                let ty = match call.args.get(1) {
                    Some(Expr::Or(p)) => p
                        .iter()
                        .map(|e| match e {
                            Expr::Word(w) => w.clone(),
                            _ => String::new(),
                        })
                        .collect(),
                    Some(Expr::Word(w)) => vec![w.clone()],
                    _ => vec![],
                };
                if !ty.iter().any(|t| t == "SOCK_STREAM") {
                    return skip(format!("socket type {ty:?} not modelled"));
                }
                let nonblock = ty.iter().any(|t| t == "SOCK_NONBLOCK");
                let want = expected_int(&call.ret).ok().flatten();
                let fd = self.sockets.alloc(want, Kind::Fresh, nonblock);
                Ok(Call::Done(fd, None))
            }
            "bind" => Ok(Call::Done(0, None)),
            "listen" => {
                let (fd, s) = self.fd_arg(call)?;
                let Some(s) = s else {
                    return Ok(Call::Done(-1, Some("EBADF")));
                };
                let backlog = arg(call, 1)?.unwrap_or(1).max(1) as u32;
                self.stack().listen(LOCAL_PORT, backlog.max(1) * 2 + 1);
                if let Some(q) = self.sockets.fo_qlen.get(&fd).copied() {
                    self.stack().set_fast_open_queue(LOCAL_PORT, q);
                }
                if let Some(k) = self.sockets.fo_key.get(&fd).copied() {
                    self.stack().set_listener_fast_open_key(LOCAL_PORT, k);
                }
                self.sockets.fds.insert(
                    fd,
                    Sock {
                        kind: Kind::Listener(LOCAL_PORT),
                        ..s
                    },
                );
                self.accept_q.entry(LOCAL_PORT).or_default();
                Ok(Call::Done(0, None))
            }
            "connect" => {
                let (fd, s) = self.fd_arg(call)?;
                let Some(s) = s else {
                    return Ok(Call::Done(-1, Some("EBADF")));
                };
                match s.kind {
                    Kind::Fresh if self.sockets.fo_deferred.contains(&fd) => {
                        Ok(Call::Done(-1, Some("EISCONN")))
                    }
                    Kind::Fresh
                        if self.sockets.fo_connect.contains(&fd) && self.cfg.fast_open.client =>
                    {
                        // Linux's `tcp_fastopen_defer_connect`: with a cookie
                        // the SYN waits for the first write and its data;
                        // without, the SYN asks for one.
                        if self.stack().fast_open_ready(PEER) {
                            self.sockets.fo_deferred.insert(fd);
                            return Ok(Call::Done(0, None));
                        }
                        if self.open_fast_open(fd, s, 0, true)?.is_none() {
                            return Ok(Call::Done(-1, Some("EADDRNOTAVAIL")));
                        }
                        if s.nonblock {
                            return Ok(Call::Done(-1, Some("EINPROGRESS")));
                        }
                        self.retry(call, false)
                    }
                    Kind::Fresh => {
                        let now = self.now;
                        let stack = self.stack();
                        let id = stack.connect(now, PEER, LOCAL_PORT, None);
                        self.bind_conn(fd, s, id)?;
                        if s.nonblock {
                            return Ok(Call::Done(-1, Some("EINPROGRESS")));
                        }
                        self.retry(call, false)
                    }
                    _ => self.retry(call, false),
                }
            }
            // The first write after a deferred connect opens with it.
            "write" | "send" | "sendto"
                if self
                    .sockets
                    .fo_deferred
                    .contains(&arg(call, 0)?.unwrap_or(-1)) =>
            {
                self.sendto_fastopen(call)
            }
            "accept" | "accept4" | "write" | "send" | "sendmsg" | "read" | "recv" | "recvmsg"
            | "poll" | "epoll_wait" | "close" | "shutdown" => self.retry(call, false),
            "fcntl" => {
                let (fd, s) = self.fd_arg(call)?;
                let Some(mut s) = s else {
                    return Ok(Call::Done(-1, Some("EBADF")));
                };
                match word(call, 1) {
                    "F_GETFL" => Ok(Call::Done(
                        O_RDWR | if s.nonblock { O_NONBLOCK } else { 0 },
                        None,
                    )),
                    "F_SETFL" => {
                        let flags = arg(call, 2)?.unwrap_or(0);
                        s.nonblock = flags & O_NONBLOCK != 0;
                        self.sockets.fds.insert(fd, s);
                        Ok(Call::Done(0, None))
                    }
                    other => skip(format!("fcntl {other} not modelled")),
                }
            }
            "ioctl" => self.ioctl(call),
            "epoll_create" | "epoll_create1" | "epoll_ctl" => self.epoll_call(call),
            "setsockopt" => self.setsockopt(call),
            "getsockopt" => self.getsockopt(call),
            "sendto"
                if call
                    .args
                    .iter()
                    .any(|a| format!("{a:?}").contains("MSG_FASTOPEN"))
                    || call
                        .args
                        .get(3)
                        .and_then(|e| expected_int(e).ok().flatten())
                        .is_some_and(|f| f & MSG_FASTOPEN != 0) =>
            {
                self.sendto_fastopen(call)
            }
            // A plain sendto() on a connected socket is a write.
            "sendto"
                if arg(call, 3)? == Some(0)
                    && matches!(self.fd_arg(call)?.1.map(|s| s.kind), Some(Kind::Conn(_))) =>
            {
                self.retry(call, false)
            }
            other => skip(format!("system call {other}() not modelled")),
        }
    }

    fn setsockopt(&mut self, call: &Syscall) -> Step<Call> {
        let opt = word(call, 2).to_string();
        let val = match call.args.get(3) {
            Some(e) => expected_int(e).ok().flatten(),
            None => None,
        };
        let kind = self.fd_arg(call)?.1.map(|s| s.kind);
        match (opt.as_str(), val) {
            ("SO_REUSEADDR" | "SO_REUSEPORT", _) => Ok(Call::Done(0, None)),
            ("TCP_USER_TIMEOUT", Some(v)) if v < 0 => Ok(Call::Done(-1, Some("EINVAL"))),
            ("TCP_NODELAY" | "SO_SNDBUF" | "TCP_USER_TIMEOUT", Some(v)) => {
                let o = if opt == "TCP_NODELAY" {
                    SockOpt::NoDelay(v != 0)
                } else if opt == "TCP_USER_TIMEOUT" {
                    // Milliseconds; 0 restores the default.
                    SockOpt::UserTimeout((v > 0).then(|| SimDuration::from_millis(v as u64)))
                } else {
                    // Linux doubles the size asked (for its bookkeeping)
                    // and caps it at wmem_max (212,992) first
                    // (`sk_setsockopt`). The model counts bytes of data
                    // where Linux counts buffer memory.
                    SockOpt::SendBuffer(Some((v.clamp(2_304, 212_992) * 2) as u32))
                };
                match kind {
                    Some(Kind::Conn(id)) => {
                        let now = self.now;
                        self.stack().set_option(now, id, o);
                        self.drain()?;
                    }
                    Some(Kind::Listener(port)) if self.stack.is_some() => {
                        if let Some(cfg) = self.stack().listener_config_mut(port) {
                            configure(cfg, o);
                        }
                    }
                    _ if self.stack.is_none() => configure(&mut self.cfg, o),
                    _ => return skip(LATE_SOCKET),
                }
                Ok(Call::Done(0, None))
            }
            ("TCP_INQ", Some(v)) => {
                let Some(Kind::Conn(id)) = kind else {
                    return skip("setsockopt TCP_INQ before a connection");
                };
                self.conns.entry(id).or_default().inq = v != 0;
                Ok(Call::Done(0, None))
            }
            ("TCP_CORK", Some(v)) => {
                let Some(Kind::Conn(id)) = kind else {
                    return skip(
                        "setsockopt TCP_CORK before a connection (the model's cork is per connection)",
                    );
                };
                let now = self.now;
                self.stack().set_option(now, id, SockOpt::Cork(v != 0));
                self.drain()?;
                Ok(Call::Done(0, None))
            }
            ("TCP_NOTSENT_LOWAT", Some(v)) => {
                let Some(Kind::Conn(id)) = kind else {
                    return skip(
                        "setsockopt TCP_NOTSENT_LOWAT before a connection (the model's options are per connection)",
                    );
                };
                // Linux keeps the int as a u32; 0 means the sysctl's value
                // (`tcp_notsent_lowat`).
                let raw = v as i32 as u32;
                let lowat = if raw == 0 {
                    self.cfg.notsent_lowat
                } else {
                    Some(raw)
                };
                self.conns.entry(id).or_default().notsent_lowat = raw;
                let now = self.now;
                self.stack()
                    .set_option(now, id, SockOpt::NotSentLowat(lowat));
                self.drain()?;
                Ok(Call::Done(0, None))
            }
            ("TCP_MAXSEG", Some(v)) if !matches!(kind, Some(Kind::Conn(_))) => {
                let mss = v.clamp(88, 65_535) as u16;
                match kind {
                    // Linux's `user_mss`, copied to each new connection.
                    Some(Kind::Listener(port)) if self.stack.is_some() => {
                        if let Some(cfg) = self.stack().listener_config_mut(port) {
                            cfg.mss = mss;
                        }
                    }
                    _ if self.stack.is_none() => self.cfg.mss = mss,
                    _ => return skip(LATE_SOCKET),
                }
                let (fd, s) = self.fd_arg(call)?;
                if let Some(s) = s {
                    self.sockets.fds.insert(
                        fd,
                        Sock {
                            user_mss: Some(mss),
                            ..s
                        },
                    );
                }
                Ok(Call::Done(0, None))
            }
            ("TCP_MAXSEG", _) => skip(
                "setsockopt TCP_MAXSEG on an open connection (the model's MSS is fixed at the handshake)",
            ),
            ("TCP_SYNCNT", Some(v)) if kind == Some(Kind::Fresh) => {
                // Linux's range is 1 to 127 (`MAX_TCP_SYNCNT`).
                if !(1..=127).contains(&v) {
                    return Ok(Call::Done(-1, Some("EINVAL")));
                }
                let (fd, _) = self.fd_arg(call)?;
                self.sockets.syn_cnt.insert(fd, v as u32);
                Ok(Call::Done(0, None))
            }
            ("TCP_SYNCNT", _) => skip(
                "setsockopt TCP_SYNCNT after connect (the model takes the SYN count at connect)",
            ),
            ("TCP_FASTOPEN_KEY", _) => {
                // The key's 16 bytes as given (Linux's `do_tcp_setsockopt`
                // takes 16, or 32 with a backup key, which is not modelled).
                let (fd, _) = self.fd_arg(call)?;
                let bytes = match call.args.get(3) {
                    Some(Expr::Str(s)) => c_string_bytes(s),
                    _ => return skip("TCP_FASTOPEN_KEY with a value that is not a string"),
                };
                let len = arg(call, 4)?.unwrap_or(0);
                if len != 16 || bytes.len() < 16 {
                    return Ok(Call::Done(-1, Some("EINVAL")));
                }
                let mut k = [0u8; 16];
                k.copy_from_slice(&bytes[..16]);
                let key = sim_tcp::fastopen::Key(k);
                self.sockets.fo_key.insert(fd, key);
                if let Some(Kind::Listener(port)) = kind {
                    self.stack().set_listener_fast_open_key(port, key);
                }
                Ok(Call::Done(0, None))
            }
            ("TCP_FASTOPEN_CONNECT", _) if !self.cfg.fast_open.client => {
                Ok(Call::Done(-1, Some("EOPNOTSUPP")))
            }
            ("TCP_FASTOPEN_CONNECT", Some(v)) => {
                let (fd, _) = self.fd_arg(call)?;
                if kind != Some(Kind::Fresh) {
                    return skip("TCP_FASTOPEN_CONNECT on an open socket");
                }
                if v != 0 {
                    self.sockets.fo_connect.insert(fd);
                } else {
                    self.sockets.fo_connect.remove(&fd);
                }
                Ok(Call::Done(0, None))
            }
            ("TCP_FASTOPEN", Some(v)) => {
                // The queue of Fast Open connections not yet accepted
                // (Linux's `fastopenq.max_qlen`); a listener only.
                let (fd, _) = self.fd_arg(call)?;
                let q = v.max(0) as u32;
                self.sockets.fo_qlen.insert(fd, q);
                if let Some(Kind::Listener(port)) = kind {
                    self.stack().set_fast_open_queue(port, q);
                }
                Ok(Call::Done(0, None))
            }
            _ if opt.starts_with("TCP_FASTOPEN") => {
                skip(format!("TCP Fast Open not modelled ({opt})"))
            }
            _ => skip(format!("setsockopt {opt} not modelled")),
        }
    }

    /// Opens descriptor `fd`'s connection with `len` bytes written before
    /// its SYN (all of them if `whole`): the socket's `TCP_SYNCNT`, the
    /// stack's Fast Open cookie, and the descriptor now naming the
    /// connection. None when no local port is free.
    fn open_fast_open(
        &mut self,
        fd: i64,
        s: Sock,
        len: u64,
        whole: bool,
    ) -> Step<Option<(ConnId, u32)>> {
        // Events of earlier connections first: a handle they free may be
        // the new connection's.
        self.drain()?;
        let now = self.now;
        let syn_cnt = self.sockets.syn_cnt.remove(&fd);
        let stack = self.stack();
        let old = syn_cnt.map(|n| stack.set_syn_retries(n));
        let made = stack.connect_fast_open(now, PEER, LOCAL_PORT, None, len, whole);
        if let Some(o) = old {
            stack.set_syn_retries(o);
        }
        let Some((id, syn_data)) = made else {
            return Ok(None);
        };
        self.bind_conn(fd, s, id)?;
        Ok(Some((id, syn_data)))
    }

    /// Descriptor `fd` now names connection `id`, just opened: the script
    /// reads it, and its segments are the ones matched.
    fn bind_conn(&mut self, fd: i64, s: Sock, id: ConnId) -> Step {
        let stack = self.stack();
        stack.set_auto_read(id, false);
        let port = stack.quad(id).map_or(0, |q| q.local_port);
        // The handle may be a forgotten connection's.
        self.conns.remove(&id);
        self.drain()?;
        self.sockets.fds.insert(
            fd,
            Sock {
                kind: Kind::Conn(id),
                ..s
            },
        );
        self.sockets.last_conn = Some(id);
        self.current = Some((port, LOCAL_PORT));
        Ok(())
    }

    /// `sendto(..., MSG_FASTOPEN, ...)`: connect and write at once (RFC
    /// 7413 §4.2.1). Non-blocking, it returns what the SYN carries, or
    /// EINPROGRESS when that is nothing (no cookie yet); blocking, it
    /// returns once the handshake is done, everything written.
    fn sendto_fastopen(&mut self, call: &Syscall) -> Step<Call> {
        let (fd, s) = self.fd_arg(call)?;
        let Some(s) = s else {
            return Ok(Call::Done(-1, Some("EBADF")));
        };
        if s.kind != Kind::Fresh {
            return self.retry(call, false);
        }
        // Linux's `tcp_sendmsg_fastopen`: client Fast Open off, or an
        // AF_UNSPEC address (a disconnect, not a connect).
        if !self.cfg.fast_open.client || word(call, 4) == "AF_UNSPEC" {
            return Ok(Call::Done(-1, Some("EOPNOTSUPP")));
        }
        self.sockets.fo_deferred.remove(&fd);
        let len = arg(call, 2)?.unwrap_or(0).max(0) as u64;
        let nonblock = s.nonblock
            || call
                .args
                .iter()
                .any(|a| format!("{a:?}").contains("MSG_DONTWAIT"));
        let Some((id, syn_data)) = self.open_fast_open(fd, s, len, !nonblock)? else {
            return Ok(Call::Done(-1, Some("EADDRNOTAVAIL")));
        };
        if nonblock {
            return Ok(if syn_data > 0 {
                Call::Done(i64::from(syn_data), None)
            } else {
                Call::Done(-1, Some("EINPROGRESS"))
            });
        }
        self.sockets.fo_sendto = Some(id);
        self.retry(call, false)
    }

    /// `tcp_ioctl`: bytes queued to read (SIOCINQ: in order, unread, the
    /// FIN left out) or written and not yet acknowledged (SIOCOUTQ, the
    /// FIN counted as Linux's `write_seq` does; SIOCOUTQNSD: not yet
    /// sent); EINVAL on a listener, 0 during the handshake.
    fn ioctl(&mut self, call: &Syscall) -> Step<Call> {
        let (_, s) = self.fd_arg(call)?;
        let Some(s) = s else {
            return Ok(Call::Done(-1, Some("EBADF")));
        };
        let req = word(call, 1).to_string();
        if !matches!(
            req.as_str(),
            "SIOCINQ" | "FIONREAD" | "SIOCOUTQ" | "SIOCOUTQNSD"
        ) {
            return skip(format!("ioctl {req} not modelled"));
        }
        let id = match s.kind {
            Kind::Conn(id) => id,
            Kind::Listener(_) => return Ok(Call::Done(-1, Some("EINVAL"))),
            Kind::Fresh | Kind::Epoll => {
                return skip(format!("ioctl {req} on an unconnected socket"));
            }
        };
        let conn = self.stack.as_ref().and_then(|st| st.conn(id));
        let handshaking = conn.is_none_or(|c| matches!(c.state(), State::SynSent | State::SynRcvd));
        let got = match (req.as_str(), conn) {
            _ if handshaking => 0,
            ("SIOCINQ" | "FIONREAD", _) => self.conns.get(&id).map_or(0, |st| st.readable),
            (_, None) => 0,
            ("SIOCOUTQ", Some(c)) => c.unacked_bytes() + u64::from(c.fin_unacked()),
            (_, Some(c)) => c.unsent() + u64::from(c.fin_unsent()),
        };
        let want = call
            .args
            .get(2)
            .and_then(|e| expected_int(e).ok().flatten());
        if let Some(w) = want
            && w != got as i64
        {
            return crate::runner::fail(format!("ioctl {req}: expected value {w} vs actual {got}"));
        }
        Ok(Call::Done(0, None))
    }

    fn getsockopt(&mut self, call: &Syscall) -> Step<Call> {
        let (_, s) = self.fd_arg(call)?;
        let opt = word(call, 2).to_string();
        let want = call
            .args
            .get(3)
            .and_then(|e| expected_int(e).ok().flatten());
        let got = match (opt.as_str(), s.map(|s| s.kind)) {
            ("SO_ERROR", Some(Kind::Conn(id))) => {
                let st = self.conns.entry(id).or_default();
                let e = st.error.take();
                e.and_then(symbol).unwrap_or(0)
            }
            ("SO_ERROR", _) => 0,
            ("TCP_NOTSENT_LOWAT", Some(Kind::Conn(id))) => {
                i64::from(self.conns.get(&id).map_or(0, |st| st.notsent_lowat))
            }
            // What setsockopt set (already doubled); Linux's own size,
            // grown with cwnd (`tcp_sndbuf_expand`), is not modelled.
            ("SO_SNDBUF", Some(Kind::Conn(id))) => match self
                .stack
                .as_ref()
                .and_then(|st| st.conn(id))
                .and_then(|c| c.config().snd_buf)
            {
                Some(b) => i64::from(b),
                None => {
                    return skip(
                        "getsockopt SO_SNDBUF of a buffer Linux sizes itself (tcp_sndbuf_expand) not modelled",
                    );
                }
            },
            // Before the connection: what setsockopt set, else Linux's
            // starting `mss_cache` (536).
            ("TCP_MAXSEG", Some(Kind::Fresh | Kind::Listener(_))) => {
                i64::from(s.and_then(|s| s.user_mss).unwrap_or(536))
            }
            ("TCP_MAXSEG", Some(Kind::Conn(id))) => self
                .stack
                .as_ref()
                .and_then(|st| st.conn(id))
                .map_or(0, |c| i64::from(c.mss())),
            _ => return skip(format!("getsockopt {opt} not modelled")),
        };
        if let Some(w) = want
            && w != got
        {
            return crate::runner::fail(format!(
                "getsockopt {opt}: expected value {w} vs actual {got}"
            ));
        }
        Ok(Call::Done(0, None))
    }

    /// Makes (or makes again) a call that may block.
    pub(crate) fn retry(&mut self, call: &Syscall, timed_out: bool) -> Step<Call> {
        if call.name == "poll" {
            return self.poll(call, timed_out);
        }
        if call.name == "epoll_wait" {
            return self.epoll_wait(call, timed_out);
        }
        let (fd, s) = self.fd_arg(call)?;
        let Some(s) = s else {
            return Ok(Call::Done(-1, Some("EBADF")));
        };
        let would_block = |s: Sock| {
            Ok(if s.nonblock {
                Call::Done(-1, Some("EAGAIN"))
            } else {
                Call::Block(None)
            })
        };
        match (call.name.as_str(), s.kind) {
            ("accept" | "accept4", Kind::Listener(port)) => {
                match self.accept_q.get_mut(&port).and_then(|q| q.pop_front()) {
                    Some(id) => {
                        if let Some(st) = self.conns.get_mut(&id) {
                            st.from_listener = None;
                        }
                        let want = expected_int(&call.ret).ok().flatten();
                        let new = self.sockets.alloc(want, Kind::Conn(id), false);
                        self.sockets.last_conn = Some(id);
                        if let Some(q) = self.stack.as_ref().and_then(|st| st.quad(id)) {
                            self.current = Some((q.local_port, q.remote_port));
                        }
                        Ok(Call::Done(new, None))
                    }
                    None => would_block(s),
                }
            }
            ("sendto", Kind::Conn(id)) => {
                let len = arg(call, 2)?.unwrap_or(0);
                let waiting = self.sockets.fo_sendto == Some(id);
                let st = self.conns.entry(id).or_default();
                if let Some(e) = st.error.take() {
                    self.sockets.fo_sendto = None;
                    return Ok(Call::Done(-1, Some(e)));
                }
                if waiting {
                    if st.established {
                        self.sockets.fo_sendto = None;
                        return Ok(Call::Done(len, None));
                    }
                    return Ok(Call::Block(None));
                }
                if !st.established {
                    // Linux's `tcp_sendmsg_fastopen`: a connection is
                    // already being made.
                    return Ok(Call::Done(-1, Some("EALREADY")));
                }
                let now = self.now;
                self.stack().send(now, id, len as u64);
                self.drain()?;
                Ok(Call::Done(len, None))
            }
            ("connect", Kind::Conn(id)) => {
                let st = self.conns.entry(id).or_default();
                if let Some(e) = st.error.take() {
                    return Ok(Call::Done(-1, Some(e)));
                }
                if st.established {
                    return Ok(Call::Done(0, None));
                }
                if s.nonblock {
                    return Ok(Call::Done(-1, Some("EALREADY")));
                }
                Ok(Call::Block(None))
            }
            // A first write that opened a deferred Fast Open connect
            // returns once the handshake is done, as sendto() does.
            ("write" | "send", Kind::Conn(id)) if self.sockets.fo_sendto == Some(id) => {
                let len = arg(call, 2)?.unwrap_or(0);
                let st = self.conns.entry(id).or_default();
                if let Some(e) = st.error.take() {
                    self.sockets.fo_sendto = None;
                    return Ok(Call::Done(-1, Some(e)));
                }
                if st.established {
                    self.sockets.fo_sendto = None;
                    return Ok(Call::Done(len, None));
                }
                Ok(Call::Block(None))
            }
            ("write" | "send" | "sendmsg", Kind::Conn(id)) => {
                let (len, flags) = write_args(call)?;
                if flags & !(MSG_EOR | MSG_MORE) != 0 {
                    return skip(format!("{}() flags {flags:#x} not modelled", call.name));
                }
                self.sockets.last_conn = Some(id);
                let st = self.conns.entry(id).or_default();
                if let Some(e) = st.error.take() {
                    st.write_taken = None;
                    return Ok(Call::Done(-1, Some(e)));
                }
                if st.write_shut || st.gone {
                    st.write_taken = None;
                    return Ok(Call::Done(-1, Some("EPIPE")));
                }
                if !st.established {
                    return would_block(s);
                }
                let resumed = st.write_taken;
                let conn = self.stack.as_ref().and_then(|x| x.conn(id));
                if let Some(c) = conn
                    && let Some(buf) = c.config().snd_buf
                    && c.unacked_bytes() + len.max(0) as u64 > u64::from(buf)
                {
                    return skip(
                        "write() beyond a fixed send buffer (Linux counts buffer memory, truesize; the model counts data bytes)",
                    );
                }
                // A blocked writer is woken by `sk_stream_write_space`,
                // once the unsent bytes are under half the low-water mark.
                if resumed.is_some() && !conn.is_some_and(|c| c.notsent_below_lowat(true)) {
                    return Ok(Call::Block(None));
                }
                let taken = resumed.unwrap_or(0);
                let now = self.now;
                let want = (len.max(0) as u64).saturating_sub(taken);
                let write_flags = WriteFlags {
                    eor: flags & MSG_EOR != 0,
                    more: flags & MSG_MORE != 0,
                };
                let took = self.stack().send_limited(now, id, want, write_flags);
                self.drain()?;
                let total = taken + took;
                let st = self.conns.entry(id).or_default();
                if total >= len.max(0) as u64 || (s.nonblock && total > 0) {
                    st.write_taken = None;
                    Ok(Call::Done(total as i64, None))
                } else if s.nonblock {
                    st.write_taken = None;
                    Ok(Call::Done(-1, Some("EAGAIN")))
                } else {
                    st.write_taken = Some(total);
                    Ok(Call::Block(None))
                }
            }
            ("read" | "recv" | "recvmsg", Kind::Conn(id)) => {
                let (len, flags, inq_want) = read_args(call)?;
                let mut nonblock = s.nonblock;
                match flags {
                    0 => {}
                    0x40 => nonblock = true,
                    _ => return skip(format!("{}() flags not modelled", call.name)),
                }
                self.sockets.last_conn = Some(id);
                let st = self.conns.entry(id).or_default();
                if inq_want.is_some() && !st.inq {
                    return skip("a TCP_CM_INQ control message without TCP_INQ set");
                }
                if st.readable > 0 {
                    let n = st.readable.min(len.max(0) as u64);
                    st.readable -= n;
                    // `tcp_inq_hint`: what is left to read, the FIN
                    // counting one so that a reader goes on to see it.
                    let inq = st.readable + u64::from(st.eof);
                    let now = self.now;
                    self.stack().read(now, id, n);
                    self.drain()?;
                    if let Some(w) = inq_want
                        && w != inq as i64
                    {
                        return crate::runner::fail(format!(
                            "recvmsg(): TCP_CM_INQ expected {w} vs actual {inq}"
                        ));
                    }
                    return Ok(Call::Done(n as i64, None));
                }
                if let Some(e) = st.error.take() {
                    return Ok(Call::Done(-1, Some(e)));
                }
                // After shutdown(SHUT_RD), Linux still queues and returns
                // data, but a read of nothing returns 0 at once.
                if st.eof || st.gone || st.read_shut {
                    return Ok(Call::Done(0, None));
                }
                if nonblock {
                    Ok(Call::Done(-1, Some("EAGAIN")))
                } else {
                    Ok(Call::Block(None))
                }
            }
            ("close", kind) => {
                self.sockets.fds.remove(&fd);
                self.sockets.fo_connect.remove(&fd);
                self.sockets.fo_deferred.remove(&fd);
                self.sockets.fo_qlen.remove(&fd);
                self.sockets.syn_cnt.remove(&fd);
                self.sockets.fo_key.remove(&fd);
                if let Kind::Conn(id) = kind {
                    let now = self.now;
                    let st = self.conns.entry(id).or_default();
                    // Linux's tcp_close: unread data is lost, so the peer
                    // is told with a RST instead of a FIN (RFC 2525 §2.17).
                    let unread = st.readable > 0;
                    st.write_shut = true;
                    if unread {
                        self.stack().abort(now, id);
                    } else {
                        self.stack().shut_read(id);
                        self.stack().close(now, id);
                    }
                    self.drain()?;
                } else if let Kind::Listener(port) = kind {
                    // Linux's `inet_csk_listen_stop`: connections waiting
                    // in the accept queue are reset, those still in the
                    // handshake dropped.
                    let now = self.now;
                    let queued = self.accept_q.remove(&port).unwrap_or_default();
                    for id in queued {
                        self.stack().abort(now, id);
                    }
                    self.stack().close_listener(port);
                    self.drain()?;
                } else if kind == Kind::Epoll {
                    self.sockets.epolls.remove(&fd);
                }
                for e in self.sockets.epolls.values_mut() {
                    e.remove(fd);
                }
                Ok(Call::Done(0, None))
            }
            ("shutdown", Kind::Conn(id)) => {
                let how = arg(call, 1)?.unwrap_or(0);
                if how != 1 {
                    self.conns.entry(id).or_default().read_shut = true;
                    self.stack().shut_read(id);
                }
                if how >= 1 {
                    let now = self.now;
                    self.conns.entry(id).or_default().write_shut = true;
                    self.stack().close(now, id);
                    self.drain()?;
                }
                Ok(Call::Done(0, None))
            }
            // A deferred Fast Open connect has nothing to read yet: the
            // SYN has not left (Linux's socket is in SYN_SENT).
            ("read" | "recv", Kind::Fresh) if self.sockets.fo_deferred.contains(&fd) => {
                would_block(s)
            }
            (name, kind) => skip(format!("{name}() on a {kind:?} socket not modelled")),
        }
    }

    pub(crate) fn revents(&self, fd: i64, events: i64) -> i64 {
        let Some(s) = self.sock(fd) else {
            return 0x20; // POLLNVAL
        };
        let mut r = 0;
        match s.kind {
            // A deferred Fast Open connect is in SYN_SENT with nothing
            // sent: writable, so the first write can carry the SYN
            // (`tcp_poll`'s defer_connect case).
            Kind::Fresh if self.sockets.fo_deferred.contains(&fd) => r |= POLLOUT,
            Kind::Fresh => r |= POLLOUT | POLLHUP,
            Kind::Epoll => {
                if self.epoll_ready(fd) {
                    r |= POLLIN;
                }
            }
            Kind::Listener(p) => {
                if self.accept_q.get(&p).is_some_and(|q| !q.is_empty()) {
                    r |= POLLIN;
                }
            }
            Kind::Conn(id) => {
                let st = self.conns.get(&id).cloned().unwrap_or_default();
                let state = self
                    .stack
                    .as_ref()
                    .and_then(|x| x.conn(id))
                    .map(|c| c.state());
                if st.readable > 0 || st.eof {
                    r |= POLLIN;
                }
                if st.eof {
                    r |= POLLRDHUP;
                }
                if st.error.is_some() {
                    r |= POLLERR;
                }
                if st.error.is_some() || (st.eof && st.write_shut) || st.gone {
                    r |= POLLHUP | POLLIN | POLLRDHUP;
                }
                // `tcp_poll`: writable while the unsent bytes are under
                // half the low-water mark (`__sk_stream_is_writeable`).
                let lowat_ok = self
                    .stack
                    .as_ref()
                    .and_then(|x| x.conn(id))
                    .is_none_or(|c| c.notsent_below_lowat(true));
                let writable = st.established
                    && !st.write_shut
                    && lowat_ok
                    && matches!(state, Some(State::Established | State::CloseWait));
                if writable {
                    r |= POLLOUT;
                }
                // Linux's `tcp_poll`: a socket shut both ways by a reset or
                // a refusal polls writable (the write fails at once).
                if st.error.is_some() {
                    r |= POLLOUT;
                }
            }
        }
        r & (events | POLLERR | POLLHUP)
    }

    fn poll(&mut self, call: &Syscall, timed_out: bool) -> Step<Call> {
        let Some(Expr::List(items)) = call.args.first() else {
            return skip("poll() without a pollfd list");
        };
        let mut ready = 0;
        let mut mismatch = None;
        for item in items {
            let Expr::Struct(fields) = item else {
                return skip("poll() entry not modelled");
            };
            let mut fd = -1;
            let mut events = 0;
            let mut want = None;
            for f in fields {
                if let Expr::Field(n, v) = f {
                    let v = expected_int(v).map_err(crate::runner::Stop::Skip)?;
                    match n.as_str() {
                        "fd" => fd = v.unwrap_or(-1),
                        "events" => events = v.unwrap_or(0),
                        "revents" => want = v,
                        _ => {}
                    }
                }
            }
            let got = self.revents(fd, events);
            if got != 0 {
                ready += 1;
            }
            if let Some(w) = want
                && w != got
            {
                mismatch = Some((fd, w, got));
            }
        }
        let timeout = arg(call, 2)?.unwrap_or(0);
        if ready == 0 && timeout != 0 && !timed_out {
            let deadline =
                (timeout > 0).then(|| self.now + SimDuration::from_millis(timeout as u64));
            return Ok(Call::Block(deadline));
        }
        if let Some((fd, w, got)) = mismatch {
            return crate::runner::fail(format!(
                "poll(): fd {fd} revents expected {w:#x} vs actual {got:#x}"
            ));
        }
        Ok(Call::Done(ready, None))
    }
}

/// Why an option on a socket opened after the stack was made is skipped.
const LATE_SOCKET: &str =
    "setsockopt on a socket opened after the first connection (the model's settings are per stack)";

/// A socket option into the settings new connections start with.
fn configure(cfg: &mut TcpConfig, o: SockOpt) {
    match o {
        SockOpt::NoDelay(on) => cfg.nagle = !on,
        SockOpt::SendBuffer(b) => cfg.snd_buf = b,
        SockOpt::NotSentLowat(b) => cfg.notsent_lowat = b,
        SockOpt::UserTimeout(t) => cfg.user_timeout = t,
        // Only set on a connection.
        SockOpt::Cork(_) => {}
    }
}

/// Applies one shell line of a script (`defaults.sh`, `sysctl`,
/// `set_sysctls.py`) to the profile's knobs; true if it changed
/// settings. Lines the model has nothing for skip the script.
pub(crate) fn apply_shell_line(cfg: &mut TcpConfig, line: &str) -> Step<bool> {
    let l = line.trim();
    if l.contains("defaults.sh") {
        for (k, v) in DEFAULTS {
            sysctl(cfg, k, v)?;
        }
        return Ok(true);
    }
    if l.contains("sysctl_restore") || l.starts_with("ip tcp_metrics flush") {
        return Ok(false);
    }
    if l.starts_with("tc qdisc") && l.contains("pfifo") {
        return Ok(false);
    }
    // 3 (ACK train and delay) is Linux's default, which the profile's
    // `hystart` already models; the other values are not.
    if let Some(v) = l
        .strip_prefix("echo ")
        .and_then(|r| r.strip_suffix("> /sys/module/tcp_cubic/parameters/hystart_detect"))
    {
        return match v.trim() {
            "3" if cfg.hystart == sim_tcp::HyStart::Linux => Ok(false),
            _ => skip(format!("shell command `{l}` not modelled")),
        };
    }
    // Segmentation offload off on the tunnel: Linux then segments each
    // GSO packet in software before the device, which leaves on the wire
    // what the model sends anyway (MSS-sized segments, the PSH of a
    // multi-segment packet on its last segment).
    if let Some(rest) = l.strip_prefix("ethtool -K tun0 ")
        && rest
            .split_whitespace()
            .collect::<Vec<_>>()
            .chunks(2)
            .all(|kv| matches!(kv, ["tso" | "gso", "off"]))
    {
        return Ok(false);
    }
    if let Some(rest) = l.strip_prefix("sysctl") {
        let mut changed = false;
        for part in split_assignments(rest) {
            if let Some((k, v)) = part.split_once('=') {
                sysctl(cfg, k.trim(), v.trim().trim_matches('"'))?;
                changed = true;
            }
        }
        return Ok(changed);
    }
    if l.contains("set_sysctls.py") {
        let mut changed = false;
        // Values may be quoted lists (`tcp_wmem="4096 50000 4194304"`).
        let args = l.split_once("set_sysctls.py").map_or("", |(_, a)| a);
        for part in split_assignments(args) {
            if let Some((k, v)) = part.split_once('=') {
                let k = k.trim_start_matches("/proc/sys/").replace('/', ".");
                sysctl(cfg, &k, v.trim_matches('"'))?;
                changed = true;
            }
        }
        return Ok(changed);
    }
    skip(format!("shell command `{l}` not modelled"))
}

/// `-q a=b c="d e"` into `a=b`, `c=d e`.
fn split_assignments(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() && !cur.starts_with('-') {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() && !cur.starts_with('-') {
        out.push(cur);
    }
    out
}

/// What google/packetdrill's `gtests/net/tcp/common/defaults.sh` sets, by
/// name and value (facts about the suite's set-up; the file is not copied).
const DEFAULTS: [(&str, &str); 21] = [
    ("net.ipv4.tcp_rmem", "4096 540000 15728640"),
    ("net.ipv4.tcp_wmem", "4096 262144 4194304"),
    ("net.ipv4.tcp_timestamps", "1"),
    ("net.ipv4.tcp_syn_retries", "5"),
    ("net.ipv4.tcp_synack_retries", "5"),
    ("net.ipv4.tcp_frto", "2"),
    ("net.ipv4.tcp_sack", "1"),
    ("net.ipv4.tcp_dsack", "1"),
    ("net.ipv4.tcp_fack", "0"),
    ("net.ipv4.tcp_reordering", "3"),
    ("net.ipv4.tcp_congestion_control", "cubic"),
    ("net.ipv4.tcp_slow_start_after_idle", "0"),
    ("net.ipv4.tcp_early_retrans", "4"),
    ("net.ipv4.tcp_recovery", "1"),
    ("net.ipv4.tcp_tso_win_divisor", "3"),
    ("net.ipv4.tcp_ecn", "0"),
    ("net.ipv4.tcp_ecn_option", "2"),
    ("net.ipv4.tcp_notsent_lowat", "4294967295"),
    ("net.ipv4.tcp_fastopen", "0x70403"),
    (
        "net.ipv4.tcp_fastopen_key",
        "a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4",
    ),
    ("net.ipv4.tcp_syncookies", "1"),
];

/// One sysctl onto the profile's knobs.
fn sysctl(cfg: &mut TcpConfig, key: &str, v: &str) -> Step {
    let name = key.trim().trim_start_matches("net.ipv4.");
    let n = || -> Step<i64> {
        let v = v.trim();
        let parsed = match v.strip_prefix("0x") {
            Some(h) => i64::from_str_radix(h, 16).ok(),
            None => v.parse().ok(),
        };
        parsed.ok_or_else(|| crate::runner::Stop::Skip(format!("sysctl {key}={v} not understood")))
    };
    let unmodelled = || skip(format!("sysctl {key}={v} not modelled"));
    match name {
        "tcp_rmem" => {
            // The largest buffer fixes the window scale Linux announces
            // (`tcp_select_initial_window`); autotuning may grow the
            // window to half of it.
            let max: u32 = v
                .split_whitespace()
                .nth(2)
                .and_then(|m| m.parse().ok())
                .ok_or_else(|| crate::runner::Stop::Skip(format!("sysctl {key}={v}")))?;
            cfg.rcv_buf_max = Some(max / 2);
        }
        "tcp_timestamps" => cfg.timestamps = n()? != 0,
        "tcp_syn_retries" | "tcp_synack_retries" => cfg.syn_retries = n()? as u32,
        "tcp_sack" => cfg.sack = n()? != 0,
        "tcp_dsack" => cfg.dsack = n()? != 0,
        "tcp_recovery" => cfg.rack_tlp = n()? & 1 != 0,
        "tcp_early_retrans" => {
            if !matches!(n()?, 3 | 4) {
                return unmodelled();
            }
        }
        "tcp_frto" => {
            if n()? != 2 {
                return unmodelled();
            }
        }
        "tcp_reordering" => {
            if n()? != 3 {
                return unmodelled();
            }
        }
        "tcp_slow_start_after_idle" => {
            cfg.idle_restart = match n()? {
                0 => IdleRestart::Off,
                1 => IdleRestart::Linux,
                _ => return unmodelled(),
            }
        }
        "tcp_congestion_control" => {
            cfg.congestion = match v.trim() {
                "cubic" => CongestionKind::Cubic,
                "reno" => CongestionKind::NewReno,
                "bbr" => CongestionKind::Bbr,
                "dctcp" => CongestionKind::Dctcp,
                "vegas" => CongestionKind::Vegas,
                _ => return unmodelled(),
            }
        }
        "tcp_ecn" => {
            cfg.ecn = match n()? {
                0 => EcnMode::Off,
                1 => EcnMode::On,
                2 => EcnMode::Accept,
                _ => return unmodelled(),
            }
        }
        "tcp_syncookies" => match n()? {
            0 => cfg.syn_cookies = false,
            1 => cfg.syn_cookies = true,
            _ => return unmodelled(),
        },
        // A u32 in Linux; its largest value, the default, is no limit.
        "tcp_notsent_lowat" => match u32::try_from(n()?) {
            Ok(u32::MAX) => cfg.notsent_lowat = None,
            Ok(v) => cfg.notsent_lowat = Some(v),
            Err(_) => return unmodelled(),
        },
        "tcp_fastopen" => cfg.fast_open = sim_tcp::fastopen::FastOpen::from_sysctl(n()? as u64),
        "tcp_fastopen_key" => {
            cfg.fast_open_key = Some(
                sim_tcp::fastopen::Key::parse(v)
                    .map_err(|e| crate::runner::Stop::Skip(e.to_string()))?,
            );
        }
        // The model has no Fast Open blackhole detection: 0 turns it off.
        "tcp_fastopen_blackhole_timeout_sec" => {
            if n()? != 0 {
                return unmodelled();
            }
        }
        // Linux takes 1 to 255 (a u8 with a minimum of 1).
        "tcp_min_tso_segs" => match n()? {
            v @ 1..=255 => cfg.min_tso_segs = v as u32,
            _ => return unmodelled(),
        },
        // The send buffer is unlimited: the suite's default (a 256 KB
        // start that grows with cwnd) never binds the scripts' writes, a
        // smaller one would, counted in buffer memory (truesize).
        "tcp_wmem" => {
            if v.split_whitespace().nth(1) != Some("262144") {
                return skip(format!(
                    "sysctl {key}={v}: send buffer sizes not modelled (Linux counts buffer memory, truesize)"
                ));
            }
        }
        // Settings with no effect on what the model does: the model sends
        // whole chunks at once (no TSO deferral), FACK is gone from Linux,
        // AccECN is not negotiated (its option is only sent when agreed),
        // pacing is off.
        "tcp_fack"
        | "tcp_tso_win_divisor"
        | "tcp_ecn_option"
        | "tcp_pacing_ss_ratio"
        | "tcp_pacing_ca_ratio" => {}
        _ => return unmodelled(),
    }
    Ok(())
}
