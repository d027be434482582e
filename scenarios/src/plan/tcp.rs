//! A `tcp` endpoint: a listener or a client, what it sends, when it closes,
//! and the protocol settings that override its profile.
//!
//! The steps follow the spec's groups: the role (whom to listen for or
//! connect to, through DNS if asked), the TCP configuration (segment sizes
//! and ACKs, timers, listener options), how many connections, and what
//! runs over them (bytes, or TLS or HTTP, built in [`super::stream`]).

use std::sync::Arc;

use sim_core::{NodeId, SimDuration, SimTime, Topology};
use sim_tcp::{InitialWindow, Profile, TcpConfig};

use super::check::{exactly_one, given, host_part, node_port, split_port};
use super::dns::resolver_config;
use super::stream;
use crate::error::InputError;
use crate::format::{
    AnswersName, CloseWhen, CongestionName, CwndUnitName, DnsClientSpec, EcnName, HyStartName,
    IdleRestartName, Isns, NagleRuleName, ProfileName, PushName, RackRttName, ReconnectName,
    TcpSpec, WindowUpdateName,
};
use sim_apps::tcp::{OnPeerClose, Reconnect, Role, Target, TcpApp};

/// The TCP application of host `at` (named `name`; a TLS server's default
/// certificate carries `certificate_names`).
pub(super) fn tcp_app(
    t: &TcpSpec,
    path: &str,
    at: NodeId,
    name: &str,
    topology: &Topology,
    certificate_names: &[String],
) -> Result<TcpApp, InputError> {
    let role = role(t, path, at, name, topology)?;
    let stop = match &role {
        Role::Connect { at, .. } => {
            super::check::stop(t.stop.as_ref(), *at, &format!("{path}.stop"))?
        }
        _ => None,
    };
    if t.dns.is_some() && t.connect.is_none() {
        return Err(InputError::at(
            format!("{path}.dns"),
            "\"dns\" goes with \"connect\"",
        ));
    }
    let mut cfg = TcpConfig::profile(match t.profile.unwrap_or(ProfileName::Rfc) {
        ProfileName::Rfc => Profile::Rfc,
        ProfileName::Linux => Profile::Linux,
    });
    segment_settings(t, path, &mut cfg)?;
    timer_settings(t, path, &mut cfg)?;
    listener_settings(t, path, &mut cfg)?;
    let (connections, concurrency) = connection_counts(t, path)?;
    check_send(t.send, &format!("{path}.send"))?;
    let close = t.close.unwrap_or(CloseWhen::OnPeerClose);
    if (t.tls.is_some() || t.http.is_some()) && t.nagle.is_none() {
        // Browsers and common servers set TCP_NODELAY: a flight of
        // handshake records must not wait for an ACK.
        cfg.nagle = false;
    }
    Ok(TcpApp {
        role,
        send: t.send.unwrap_or(0),
        close_after_send: close == CloseWhen::AfterSend,
        on_peer_close: if close == CloseWhen::Never {
            OnPeerClose::Ignore
        } else {
            OnPeerClose::Close
        },
        stall_reading_until: t.stall_reading_until.map(|d| SimTime::ZERO + d.0),
        stop,
        connections,
        concurrency,
        reconnect: reconnect(t, path)?,
        cfg,
        iss: match &t.iss {
            Some(Isns::One(n)) => Some(*n),
            _ => None,
        },
        isns: isn_list(t, path, connections)?,
        stream: stream::stream_app(t, path, name, certificate_names)?,
    })
}

/// Listen on a port, or connect to a node (or a DNS name) and port.
fn role(
    t: &TcpSpec,
    path: &str,
    at: NodeId,
    name: &str,
    topology: &Topology,
) -> Result<Role, InputError> {
    exactly_one(
        path,
        "give exactly one of",
        &[
            ("\"listen\"", given(&t.listen)),
            ("\"connect\"", given(&t.connect)),
        ],
    )?;
    match (t.listen, &t.connect) {
        (Some(port), _) => listen_role(t, path, port),
        (_, Some(target)) => connect_role(t, path, target, at, name, topology),
        (None, None) => unreachable!("exactly one of listen and connect was given"),
    }
}

fn listen_role(t: &TcpSpec, path: &str, port: u16) -> Result<Role, InputError> {
    if port == 0 {
        return Err(InputError::at(
            format!("{path}.listen"),
            "port 0 cannot be listened on",
        ));
    }
    if t.local_port.is_some() || t.at.is_some() || t.stop.is_some() {
        return Err(InputError::at(
            path,
            "\"local_port\", \"at\" and \"stop\" go with \"connect\"",
        ));
    }
    Ok(Role::Listen {
        port,
        backlog: t.backlog.unwrap_or(128).max(1),
    })
}

fn connect_role(
    t: &TcpSpec,
    path: &str,
    target: &str,
    at: NodeId,
    name: &str,
    topology: &Topology,
) -> Result<Role, InputError> {
    let cpath = format!("{path}.connect");
    let (remote, port) = match &t.dns {
        Some(dns) => named_target(target, &cpath, dns, &format!("{path}.dns"), at, topology)?,
        None => node_target(target, &cpath, at, name, topology)?,
    };
    if t.backlog.is_some() {
        return Err(InputError::at(path, "\"backlog\" goes with \"listen\""));
    }
    if t.local_port == Some(0) {
        return Err(InputError::at(
            format!("{path}.local_port"),
            "port 0 cannot be bound (leave \"local_port\" out for an ephemeral port)",
        ));
    }
    Ok(Role::Connect {
        remote,
        port,
        local_port: t.local_port,
        at: super::check::start(t.at.as_ref(), &format!("{path}.at"))?,
    })
}

/// `"name:port"` resolved with DNS when the connection opens.
fn named_target(
    target: &str,
    cpath: &str,
    dns: &DnsClientSpec,
    dpath: &str,
    at: NodeId,
    topology: &Topology,
) -> Result<(Target, u16), InputError> {
    let (host, port) = split_port(target, cpath, "name")?;
    sim_apps::dns::check_name(host).map_err(|m| InputError::at(cpath, m))?;
    let resolver = resolver_config(dns, dpath, at, topology)?;
    if resolver.server.is_none() && !resolver.hosts.contains_key(&sim_apps::dns::canonical(host)) {
        return Err(InputError::at(
            dpath,
            format!("{host:?} is not in \"hosts\" and there is no \"server\" to ask"),
        ));
    }
    let name = host.into();
    let resolver = Arc::new(resolver);
    Ok((Target::Name { name, resolver }, port))
}

/// `"node:port"`, which must be another host that can be reached.
fn node_target(
    target: &str,
    cpath: &str,
    at: NodeId,
    name: &str,
    topology: &Topology,
) -> Result<(Target, u16), InputError> {
    let (remote, port) = node_port(target, cpath, topology)?;
    let host = host_part(target);
    if remote == at {
        return Err(InputError::at(
            cpath,
            "a host cannot connect to itself (there is no loopback)",
        ));
    }
    if !topology.reachable(at, remote) {
        return Err(InputError::at(
            cpath,
            format!("{host:?} cannot be reached from {name:?}: no path joins them"),
        ));
    }
    Ok((Target::Node(remote), port))
}

/// Segment size, buffer, congestion control, Nagle, limited transmit, SACK,
/// timestamps, PRR, ACKs, initial window.
fn segment_settings(t: &TcpSpec, path: &str, cfg: &mut TcpConfig) -> Result<(), InputError> {
    if let Some(m) = t.mss {
        if !(64..=65_495).contains(&m) {
            return Err(InputError::at(
                format!("{path}.mss"),
                format!("{m} is not a usable MSS (64 to 65495)"),
            ));
        }
        cfg.mss = m;
    }
    if let Some(b) = t.rcv_buf {
        if !(1..=(65_535 << 14)).contains(&b) {
            return Err(InputError::at(
                format!("{path}.rcv_buf"),
                format!("{b} bytes cannot be advertised (1 to 65535 x 2^14)"),
            ));
        }
        cfg.rcv_buf = b;
        // A buffer the application sized itself is not autotuned (Linux's
        // SOCK_RCVBUF_LOCK), unless a maximum is given too.
        cfg.rcv_buf_max = None;
    }
    match t.rcv_buf_max {
        Some(0) => cfg.rcv_buf_max = None,
        Some(m) if m < cfg.rcv_buf || m > 65_535 << 14 => {
            return Err(InputError::at(
                format!("{path}.rcv_buf_max"),
                format!(
                    "{m} bytes: the largest window must be at least rcv_buf ({}) and \
                     at most 65535 x 2^14",
                    cfg.rcv_buf
                ),
            ));
        }
        Some(m) => cfg.rcv_buf_max = Some(m),
        None => {}
    }
    if let Some(b) = t.snd_buf {
        if b == 0 {
            return Err(InputError::at(
                format!("{path}.snd_buf"),
                "must be at least 1 byte",
            ));
        }
        cfg.snd_buf = Some(b);
    }
    if let Some(c) = t.congestion {
        cfg.congestion = match c {
            CongestionName::Reno => sim_tcp::CongestionKind::Reno,
            CongestionName::Newreno => sim_tcp::CongestionKind::NewReno,
            CongestionName::Cubic => sim_tcp::CongestionKind::Cubic,
            CongestionName::Dctcp => sim_tcp::CongestionKind::Dctcp,
            CongestionName::Bbr => sim_tcp::CongestionKind::Bbr,
            CongestionName::Vegas => sim_tcp::CongestionKind::Vegas,
        };
    }
    if let Some(e) = t.ecn {
        cfg.ecn = match e {
            EcnName::Off => sim_tcp::EcnMode::Off,
            EcnName::Accept => sim_tcp::EcnMode::Accept,
            EcnName::On => sim_tcp::EcnMode::On,
        };
    }
    if let Some(h) = t.hystart {
        cfg.hystart = match h {
            HyStartName::Off => sim_tcp::HyStart::Off,
            HyStartName::Linux => sim_tcp::HyStart::Linux,
            HyStartName::PlusPlus => sim_tcp::HyStart::PlusPlus,
        };
    }
    if let Some(b) = t.pacing {
        cfg.pacing = b;
    }
    if let Some(w) = t.window_update {
        cfg.window_update = match w {
            WindowUpdateName::Rfc1122 => sim_tcp::WindowUpdate::Rfc1122,
            WindowUpdateName::Linux => sim_tcp::WindowUpdate::Linux,
        };
    }
    if let Some(r) = t.rack_rtt {
        cfg.rack_rtt = match r {
            RackRttName::MostRecentlySent => sim_tcp::RackRtt::MostRecentlySent,
            RackRttName::LastInSequence => sim_tcp::RackRtt::LastInSequence,
        };
    }
    if let Some(a) = t.answers {
        cfg.answers = match a {
            AnswersName::Rfc9293 => sim_tcp::Answers::Rfc9293,
            AnswersName::Linux => sim_tcp::Answers::Linux,
        };
    }
    if let Some(b) = t.cwnd_limited_growth {
        cfg.cwnd_limited_growth = b;
    }
    if let Some(p) = t.push {
        cfg.push = match p {
            PushName::Every => sim_tcp::PushRule::EveryData,
            PushName::Writes => sim_tcp::PushRule::Writes,
        };
    }
    if let Some(r) = t.nagle_rule {
        cfg.nagle_rule = match r {
            NagleRuleName::Rfc896 => sim_tcp::NagleRule::Rfc896,
            NagleRuleName::Minshall => sim_tcp::NagleRule::Minshall,
        };
    }
    if let Some(n) = t.nagle {
        cfg.nagle = n;
    }
    if let Some(b) = t.limited_transmit {
        cfg.limited_transmit = b;
    }
    if let Some(r) = t.idle_restart {
        cfg.idle_restart = match r {
            IdleRestartName::Off => sim_tcp::IdleRestart::Off,
            IdleRestartName::Rfc5681 => sim_tcp::IdleRestart::Rfc5681,
            IdleRestartName::Linux => sim_tcp::IdleRestart::Linux,
        };
    }
    if let Some(d) = t.user_timeout {
        cfg.user_timeout = (d.0 > SimDuration::ZERO).then_some(d.0);
    }
    if let Some(b) = t.sack {
        cfg.sack = b;
    }
    if let Some(b) = t.dsack {
        cfg.dsack = b;
    }
    if let Some(b) = t.timestamps {
        cfg.timestamps = b;
    }
    if let Some(b) = t.prr {
        cfg.prr = b;
    }
    if let Some(b) = t.rack_tlp {
        cfg.rack_tlp = b;
    }
    if let Some(b) = t.quick_ack {
        cfg.quick_ack = b;
    }
    if let Some(u) = t.cwnd_unit {
        cfg.cwnd_unit = match u {
            CwndUnitName::Bytes => sim_tcp::CwndUnit::Bytes,
            CwndUnitName::Segments => sim_tcp::CwndUnit::Segments,
        };
    }
    if let Some(d) = t.delayed_ack {
        cfg.delayed_ack = (d.0 > SimDuration::ZERO).then_some(d.0);
    }
    if let Some(w) = t.initial_window {
        if w == 0 {
            return Err(InputError::at(
                format!("{path}.initial_window"),
                "must be at least 1 segment",
            ));
        }
        cfg.initial_window = InitialWindow::Segments(w);
    }
    Ok(())
}

/// TIME_WAIT, the retransmission timeout's bounds, retries, FIN_WAIT_2.
fn timer_settings(t: &TcpSpec, path: &str, cfg: &mut TcpConfig) -> Result<(), InputError> {
    if let Some(d) = t.time_wait {
        cfg.time_wait = d.0;
    }
    if let Some(d) = t.min_rto {
        cfg.min_rto = d.0;
    }
    if let Some(d) = t.max_rto {
        cfg.max_rto = d.0;
    }
    if let Some(d) = t.initial_rto {
        cfg.initial_rto = d.0;
    }
    if cfg.min_rto > cfg.max_rto {
        return Err(InputError::at(
            path,
            format!(
                "min_rto ({}) is above max_rto ({})",
                cfg.min_rto, cfg.max_rto
            ),
        ));
    }
    if let Some(n) = t.data_retries {
        cfg.data_retries = n;
    }
    if let Some(d) = t.fin_wait_2_timeout {
        cfg.fin_wait_2_timeout = (d.0 > SimDuration::ZERO).then_some(d.0);
    }
    if let Some(n) = t.syn_retries {
        cfg.syn_retries = n;
    }
    Ok(())
}

/// RFC 1337, window scaling, and what only a listener may use.
fn listener_settings(t: &TcpSpec, path: &str, cfg: &mut TcpConfig) -> Result<(), InputError> {
    if let Some(b) = t.time_wait_reopen {
        cfg.time_wait_reopen = b;
    }
    if let Some(b) = t.rfc1337 {
        cfg.rfc1337 = b;
    }
    if let Some(b) = t.window_scaling {
        cfg.window_scaling = b;
    }
    if let Some(b) = t.syn_cookies {
        if t.listen.is_none() {
            return Err(InputError::at(
                format!("{path}.syn_cookies"),
                "SYN cookies are for a listener",
            ));
        }
        cfg.syn_cookies = b;
    }
    if t.fast_open == Some(true) {
        // A client uses it on connect (`MSG_FASTOPEN`), a listener on
        // every SYN (as if it set `TCP_FASTOPEN` with its backlog).
        cfg.fast_open = sim_tcp::fastopen::FastOpen {
            client: t.connect.is_some(),
            server: t.listen.is_some(),
            all_listeners: t.listen.is_some(),
            ..sim_tcp::fastopen::FastOpen::default()
        };
        if t.tls.is_some() || t.http.is_some() {
            return Err(InputError::at(
                format!("{path}.fast_open"),
                "Fast Open carries `send` bytes on the SYN: a plain TCP application only",
            ));
        }
    }
    if let Some(b) = t.two_way_handshake {
        if t.listen.is_none() {
            return Err(InputError::at(
                format!("{path}.two_way_handshake"),
                "only a listening server can use the two-way handshake",
            ));
        }
        cfg.two_way_handshake = b;
    }
    Ok(())
}

/// ISNs listed one per connection: a client gives exactly one for each of
/// its `connections`; a listener's accepted connections take them in turn
/// (and draw once they run out).
fn isn_list(t: &TcpSpec, path: &str, connections: u64) -> Result<Vec<u32>, InputError> {
    let Some(Isns::Each(list)) = &t.iss else {
        return Ok(Vec::new());
    };
    let ipath = format!("{path}.iss");
    if list.is_empty() {
        return Err(InputError::at(
            ipath,
            "an empty list gives no ISN (leave \"iss\" out to draw them)",
        ));
    }
    if t.connect.is_some() && list.len() as u64 != connections {
        return Err(InputError::at(
            ipath,
            format!(
                "{} ISN{} for {connections} connection{}: give one per connection \
                 (or one number for all)",
                list.len(),
                if list.len() == 1 { "" } else { "s" },
                if connections == 1 { "" } else { "s" }
            ),
        ));
    }
    Ok(list.clone())
}

/// When a client's next connection opens (default: once the one before is
/// closed).
fn reconnect(t: &TcpSpec, path: &str) -> Result<Reconnect, InputError> {
    let Some(r) = t.reconnect else {
        return Ok(Reconnect::AfterClose);
    };
    if t.connect.is_none() {
        return Err(InputError::at(
            format!("{path}.reconnect"),
            "\"reconnect\" goes with \"connect\" (a client's next connection)",
        ));
    }
    if t.http.is_none() && t.tls.is_none() {
        return Err(InputError::at(
            format!("{path}.reconnect"),
            "\"reconnect\" goes with \"http\" or \"tls\" (it waits for a response)",
        ));
    }
    Ok(match r {
        ReconnectName::AfterClose => Reconnect::AfterClose,
        ReconnectName::AfterResponse => Reconnect::AfterResponse,
    })
}

/// A client's connections in all, and how many at once.
fn connection_counts(t: &TcpSpec, path: &str) -> Result<(u64, u32), InputError> {
    let connections = t.connections.unwrap_or(1);
    let concurrency = t.concurrency.unwrap_or(1);
    if (t.connections.is_some() || t.concurrency.is_some()) && t.connect.is_none() {
        return Err(InputError::at(
            path,
            "\"connections\" and \"concurrency\" go with \"connect\"",
        ));
    }
    if connections == 0 || concurrency == 0 {
        return Err(InputError::at(
            path,
            "\"connections\" and \"concurrency\" must be at least 1",
        ));
    }
    if connections > 1 && concurrency > 1 && t.local_port.is_some() {
        return Err(InputError::at(
            format!("{path}.local_port"),
            "connections at once cannot share one fixed local port (with \"concurrency\": 1 \
             they reopen it one after another)",
        ));
    }
    if concurrency > MAX_CONCURRENCY {
        return Err(InputError::at(
            format!("{path}.concurrency"),
            format!(
                "{concurrency} connections at once is more than a client can hold \
                 (at most {MAX_CONCURRENCY}, its ephemeral ports 49152 to 65535)"
            ),
        ));
    }
    Ok((connections, concurrency))
}

/// The most bytes one `send` may queue (2^50, about 10^15): a transfer
/// is streamed (positions, not bytes), but a connection counts what it
/// was given in 64 bits, and sends add up.
pub const MAX_SEND_BYTES: u64 = 1 << 50;

/// A `send` within [`MAX_SEND_BYTES`].
pub(super) fn check_send(n: Option<u64>, path: &str) -> Result<(), InputError> {
    match n {
        Some(n) if n > MAX_SEND_BYTES => Err(InputError::at(
            path,
            format!("{n} bytes is more than one send may queue (at most {MAX_SEND_BYTES}, 2^50)"),
        )),
        _ => Ok(()),
    }
}

/// The most connections a client may have open at once: one per ephemeral
/// port. Connections beyond the ports free (TIME_WAIT holds its port) wait
/// for one to close.
pub const MAX_CONCURRENCY: u32 = 16_384;
