//! Every timer a host sets, as a typed value.
//!
//! sim-core hands an endpoint back the `u64` token it gave when it made
//! the timer. That integer is an encoding detail: [`Timer::to_token`] and
//! [`Timer::from_token`] are the only code that looks at its bits, and
//! everything else matches on [`Timer`].
//!
//! The layout is the one hosts have always used, so that runs stay
//! identical: the kind in the top byte, the value below it, and one bit
//! just under the kind for a man-in-the-middle's upstream half. A host
//! with several applications puts the application's index (its place in
//! the host's list) in bits 40 to 54; the first application's index is 0,
//! so a host with one application makes the tokens it always made.

use sim_tcp::stack::ConnId;

/// A host's timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// sim-core's ping job sends its next request. The job makes these
    /// tokens itself (kind 0, the request's sequence number as the value).
    Ping(u32),
    /// A timer of one of the node's TCP applications.
    Tcp(Slot, TcpTimer),
    /// The scenario's action number `i` for this host is due.
    Action(usize),
    /// The SYN flood that is application `.0` of its host sends its next
    /// SYN.
    Flood(u16),
    /// The UDP sender that is application `.0` of its host sends, or
    /// switches on or off.
    Udp(u16),
    /// The recursive DNS resolver that is application `.0` of its host
    /// reaches its next deadline.
    DnsResolver(u16),
}

/// Which of a node's TCP applications a timer belongs to: the host's
/// application number `app`, and for a man-in-the-middle (which runs two
/// halves) which half.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// The application's index among its host's applications.
    pub app: u16,
    /// A man-in-the-middle's server-facing (upstream) half.
    pub upstream: bool,
}

impl Slot {
    /// A host's first application (a man-in-the-middle's client-facing
    /// half).
    pub const FIRST: Slot = Slot {
        app: 0,
        upstream: false,
    };
    /// A man-in-the-middle's server-facing (upstream) half.
    pub const SECOND: Slot = Slot {
        app: 0,
        upstream: true,
    };

    /// The host's application number `app`.
    pub fn app(app: u16) -> Slot {
        Slot {
            app,
            upstream: false,
        }
    }
}

/// What a TCP application's timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpTimer {
    /// A connection's retransmission, delayed-ACK or TIME_WAIT deadline,
    /// as the stack asks.
    Conn(ConnId),
    /// The client opens its first connections.
    Connect,
    /// Stalled reading ends: read what is held.
    Read,
    /// The CPU finished work that held output back.
    Cpu,
    /// The resolver's next deadline.
    Dns,
    /// The application's `stop` time.
    Stop,
    /// A client's think time on a connection is over: its next request
    /// goes.
    Think(ConnId),
    /// A client's think time between connections is over: the next one
    /// opens.
    ConnectOne,
}

const KIND_SHIFT: u32 = 56;
const VALUE_MASK: u64 = (1 << KIND_SHIFT) - 1;
/// Set in the tokens of [`Slot::SECOND`], below the kind bits.
const SECOND: u64 = 1 << (KIND_SHIFT - 1);
/// Where an application's index sits (15 bits, below [`SECOND`]; a
/// connection id takes the 32 bits at the bottom).
const APP_SHIFT: u32 = 40;
const APP_MASK: u64 = (1 << 15) - 1;
/// The most applications a host can run, by the token layout.
pub const MAX_APPS: usize = 1 << 15;

const KIND_PING: u64 = 0;
const KIND_CONN: u64 = 1;
const KIND_CONNECT: u64 = 2;
const KIND_ACTION: u64 = 3;
const KIND_READ: u64 = 4;
const KIND_FLOOD: u64 = 5;
const KIND_CPU: u64 = 6;
const KIND_DNS: u64 = 7;
const KIND_UDP: u64 = 8;
const KIND_STOP: u64 = 9;
const KIND_THINK: u64 = 10;
const KIND_CONNECT_ONE: u64 = 11;
const KIND_DNS_RESOLVER: u64 = 12;

impl Timer {
    /// The token sim-core carries for this timer.
    pub fn to_token(self) -> u64 {
        let (kind, value) = match self {
            Timer::Ping(seq) => (KIND_PING, u64::from(seq)),
            Timer::Action(i) => (KIND_ACTION, i as u64),
            Timer::Flood(app) => (KIND_FLOOD, u64::from(app) << APP_SHIFT),
            Timer::Udp(app) => (KIND_UDP, u64::from(app) << APP_SHIFT),
            Timer::DnsResolver(app) => (KIND_DNS_RESOLVER, u64::from(app) << APP_SHIFT),
            Timer::Tcp(slot, t) => {
                let (kind, value) = match t {
                    TcpTimer::Conn(id) => (KIND_CONN, u64::from(id.0)),
                    TcpTimer::Connect => (KIND_CONNECT, 0),
                    TcpTimer::Read => (KIND_READ, 0),
                    TcpTimer::Cpu => (KIND_CPU, 0),
                    TcpTimer::Dns => (KIND_DNS, 0),
                    TcpTimer::Stop => (KIND_STOP, 0),
                    TcpTimer::Think(id) => (KIND_THINK, u64::from(id.0)),
                    TcpTimer::ConnectOne => (KIND_CONNECT_ONE, 0),
                };
                let second = if slot.upstream { SECOND } else { 0 };
                let app = u64::from(slot.app & APP_MASK as u16) << APP_SHIFT;
                (kind, value | second | app)
            }
        };
        (kind << KIND_SHIFT) | value
    }

    /// The timer a token stands for; `None` for a token no host made.
    pub fn from_token(token: u64) -> Option<Timer> {
        let kind = token >> KIND_SHIFT;
        let bits = token & VALUE_MASK;
        let app = ((bits >> APP_SHIFT) & APP_MASK) as u16;
        let value = bits & !SECOND & !(APP_MASK << APP_SHIFT);
        let slot = Slot {
            app,
            upstream: bits & SECOND != 0,
        };
        let tcp = |t| Some(Timer::Tcp(slot, t));
        match kind {
            KIND_PING => Some(Timer::Ping(value as u32)),
            KIND_CONN => tcp(TcpTimer::Conn(ConnId(value as u32))),
            KIND_CONNECT => tcp(TcpTimer::Connect),
            KIND_ACTION => Some(Timer::Action(value as usize)),
            KIND_READ => tcp(TcpTimer::Read),
            KIND_FLOOD => Some(Timer::Flood(app)),
            KIND_CPU => tcp(TcpTimer::Cpu),
            KIND_DNS => tcp(TcpTimer::Dns),
            KIND_UDP => Some(Timer::Udp(app)),
            KIND_STOP => tcp(TcpTimer::Stop),
            KIND_THINK => tcp(TcpTimer::Think(ConnId(value as u32))),
            KIND_CONNECT_ONE => tcp(TcpTimer::ConnectOne),
            KIND_DNS_RESOLVER => Some(Timer::DnsResolver(app)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind() -> Vec<Timer> {
        let mut all = vec![
            Timer::Ping(0),
            Timer::Ping(41),
            Timer::Action(0),
            Timer::Action(7),
            Timer::Flood(0),
            Timer::Flood(3),
            Timer::Udp(0),
            Timer::Udp(5),
            Timer::DnsResolver(0),
            Timer::DnsResolver(4),
        ];
        for slot in [Slot::FIRST, Slot::SECOND, Slot::app(1), Slot::app(32_767)] {
            for t in [
                TcpTimer::Conn(ConnId(0)),
                TcpTimer::Conn(ConnId(u32::MAX)),
                TcpTimer::Connect,
                TcpTimer::Read,
                TcpTimer::Cpu,
                TcpTimer::Dns,
                TcpTimer::Stop,
                TcpTimer::Think(ConnId(7)),
                TcpTimer::Think(ConnId(u32::MAX)),
                TcpTimer::ConnectOne,
            ] {
                all.push(Timer::Tcp(slot, t));
            }
        }
        all
    }

    #[test]
    fn every_timer_comes_back_from_its_token() {
        for t in every_kind() {
            assert_eq!(Timer::from_token(t.to_token()), Some(t), "{t:?}");
        }
    }

    #[test]
    fn tokens_are_distinct() {
        let all = every_kind();
        let mut tokens: Vec<u64> = all.iter().map(|t| t.to_token()).collect();
        tokens.sort_unstable();
        tokens.dedup();
        assert_eq!(tokens.len(), all.len());
    }

    /// The layout runs have always used (runs must not change): kind in
    /// the top byte, the second half's bit just below it.
    #[test]
    fn tokens_keep_their_layout() {
        assert_eq!(
            Timer::Ping(5).to_token(),
            5,
            "what sim-core's ping job sets"
        );
        assert_eq!(Timer::Action(2).to_token(), (3 << 56) | 2);
        assert_eq!(Timer::Flood(0).to_token(), 5 << 56);
        assert_eq!(
            Timer::Tcp(Slot::FIRST, TcpTimer::Conn(ConnId(9))).to_token(),
            (1 << 56) | 9
        );
        assert_eq!(
            Timer::Tcp(Slot::SECOND, TcpTimer::Dns).to_token(),
            (7 << 56) | (1 << 55)
        );
        // A host's second application: its index at bit 40.
        assert_eq!(
            Timer::Tcp(Slot::app(1), TcpTimer::Conn(ConnId(9))).to_token(),
            (1 << 56) | (1 << 40) | 9
        );
        assert_eq!(Timer::Udp(2).to_token(), (8 << 56) | (2 << 40));
        assert_eq!(
            Timer::Tcp(Slot::FIRST, TcpTimer::Think(ConnId(3))).to_token(),
            (10 << 56) | 3
        );
        assert_eq!(Timer::DnsResolver(3).to_token(), (12 << 56) | (3 << 40));
        assert_eq!(Timer::from_token(13 << 56), None);
    }
}
