//! Every timer a host sets, as a typed value.
//!
//! sim-core hands an endpoint back the `u64` token it gave when it made
//! the timer. That integer is an encoding detail: [`Timer::to_token`] and
//! [`Timer::from_token`] are the only code that looks at its bits, and
//! everything else matches on [`Timer`].
//!
//! The layout is the one hosts have always used, so that runs stay
//! identical: the kind in the top byte, the value below it, and one bit
//! just under the kind for the second TCP application of a node (a
//! man-in-the-middle's upstream half).

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
    /// The SYN flood sends its next SYN.
    Flood,
}

/// Which of a node's TCP applications a timer belongs to: a node runs one,
/// except a man-in-the-middle, which runs two halves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The node's TCP application (a man-in-the-middle's client-facing
    /// half).
    First,
    /// A man-in-the-middle's server-facing (upstream) half.
    Second,
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
}

const KIND_SHIFT: u32 = 56;
const VALUE_MASK: u64 = (1 << KIND_SHIFT) - 1;
/// Set in the tokens of [`Slot::Second`], below the kind bits.
const SECOND: u64 = 1 << (KIND_SHIFT - 1);

const KIND_PING: u64 = 0;
const KIND_CONN: u64 = 1;
const KIND_CONNECT: u64 = 2;
const KIND_ACTION: u64 = 3;
const KIND_READ: u64 = 4;
const KIND_FLOOD: u64 = 5;
const KIND_CPU: u64 = 6;
const KIND_DNS: u64 = 7;

impl Timer {
    /// The token sim-core carries for this timer.
    pub fn to_token(self) -> u64 {
        let (kind, value) = match self {
            Timer::Ping(seq) => (KIND_PING, u64::from(seq)),
            Timer::Action(i) => (KIND_ACTION, i as u64),
            Timer::Flood => (KIND_FLOOD, 0),
            Timer::Tcp(slot, t) => {
                let (kind, value) = match t {
                    TcpTimer::Conn(id) => (KIND_CONN, u64::from(id.0)),
                    TcpTimer::Connect => (KIND_CONNECT, 0),
                    TcpTimer::Read => (KIND_READ, 0),
                    TcpTimer::Cpu => (KIND_CPU, 0),
                    TcpTimer::Dns => (KIND_DNS, 0),
                };
                let second = match slot {
                    Slot::First => 0,
                    Slot::Second => SECOND,
                };
                (kind, value | second)
            }
        };
        (kind << KIND_SHIFT) | value
    }

    /// The timer a token stands for; `None` for a token no host made.
    pub fn from_token(token: u64) -> Option<Timer> {
        let kind = token >> KIND_SHIFT;
        let bits = token & VALUE_MASK;
        let value = bits & !SECOND;
        let slot = if bits & SECOND != 0 {
            Slot::Second
        } else {
            Slot::First
        };
        let tcp = |t| Some(Timer::Tcp(slot, t));
        match kind {
            KIND_PING => Some(Timer::Ping(value as u32)),
            KIND_CONN => tcp(TcpTimer::Conn(ConnId(value as u32))),
            KIND_CONNECT => tcp(TcpTimer::Connect),
            KIND_ACTION => Some(Timer::Action(value as usize)),
            KIND_READ => tcp(TcpTimer::Read),
            KIND_FLOOD => Some(Timer::Flood),
            KIND_CPU => tcp(TcpTimer::Cpu),
            KIND_DNS => tcp(TcpTimer::Dns),
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
            Timer::Flood,
        ];
        for slot in [Slot::First, Slot::Second] {
            for t in [
                TcpTimer::Conn(ConnId(0)),
                TcpTimer::Conn(ConnId(u32::MAX)),
                TcpTimer::Connect,
                TcpTimer::Read,
                TcpTimer::Cpu,
                TcpTimer::Dns,
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
        assert_eq!(Timer::Flood.to_token(), 5 << 56);
        assert_eq!(
            Timer::Tcp(Slot::First, TcpTimer::Conn(ConnId(9))).to_token(),
            (1 << 56) | 9
        );
        assert_eq!(
            Timer::Tcp(Slot::Second, TcpTimer::Dns).to_token(),
            (7 << 56) | (1 << 55)
        );
        assert_eq!(Timer::from_token(8 << 56), None);
    }
}
