//! What a scenario asks of a TCP application: plain data, kept apart from
//! the running [`TcpHost`](super::TcpHost) so a plan can be read, compared
//! and named (its metric names) before anything runs.

use std::sync::Arc;

use sim_core::{NodeId, SimTime};
use sim_tcp::TcpConfig;

use crate::dns::ResolverConfig;
use crate::start::Start;
use crate::stream::StreamApp;

/// How a TCP application opens its connection.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    /// Accept connections on a port.
    Listen {
        /// The port.
        port: u16,
        /// SYN queue length.
        backlog: u32,
    },
    /// Open connections only when asked (a man-in-the-middle's upstream
    /// half).
    OnDemand,
    /// Open one connection.
    Connect {
        /// Peer node, or the name to look up.
        remote: Target,
        /// Peer port.
        port: u16,
        /// Our port (ephemeral if `None`).
        local_port: Option<u16>,
        /// When the first connection opens.
        at: Start,
    },
}

/// Whom a client connects to.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A node, by its name in the scenario.
    Node(NodeId),
    /// A DNS name, resolved before each connection.
    Name {
        /// The name.
        name: Arc<str>,
        /// How.
        resolver: Arc<ResolverConfig>,
    },
}

/// What to do when the peer closes its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnPeerClose {
    /// Close ours too (what most applications do).
    Close,
    /// Never close: the connection stays in CLOSE_WAIT.
    Ignore,
}

/// When a client opens its next connection (one of `connections`, or one
/// that takes up the requests a server's `Connection: close` left undone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reconnect {
    /// Once the one before is closed in both directions (TIME_WAIT or
    /// CLOSED): what netsim always did.
    #[default]
    AfterClose,
    /// As soon as the one before has its last response, while it is
    /// still closing (a browser does not wait for the close).
    AfterResponse,
}

/// A TCP application: open, send, close, as the scenario says.
#[derive(Debug, Clone, PartialEq)]
pub struct TcpApp {
    /// Listen or connect.
    pub role: Role,
    /// Bytes to send on each connection once it is established, as fast as
    /// the windows allow.
    pub send: u64,
    /// Close right after queuing `send` (the FIN follows the data).
    pub close_after_send: bool,
    /// Reaction to the peer's FIN.
    pub on_peer_close: OnPeerClose,
    /// Hold received data unread until this time (the window closes as it
    /// fills), then read it all and from then on at once.
    pub stall_reading_until: Option<SimTime>,
    /// A client opens no connection at or after this time, and closes
    /// every connection open then, as the `close` action does: the FIN
    /// follows the bytes already written (what an application handed TCP
    /// is not taken back, as after `close()` on a socket).
    pub stop: Option<SimTime>,
    /// Connections to open in all (a client), one after another.
    pub connections: u64,
    /// How many of them may be open at once.
    pub concurrency: u32,
    /// When the next one opens.
    pub reconnect: Reconnect,
    /// Protocol settings.
    pub cfg: TcpConfig,
    /// Fixed initial sequence number, for readable traces.
    pub iss: Option<u32>,
    /// Initial sequence numbers one per connection, in the order
    /// connections open (connect or accept), before `iss` or the stream.
    pub isns: Vec<u32>,
    /// Run HTTP over each connection, under TLS or plain (the `send`
    /// bytes are then unused). Shared, because every connection event
    /// consults it.
    pub stream: Option<Arc<StreamApp>>,
}

impl TcpApp {
    /// Whether the client looks its peer's name up (before and after the
    /// run starts alike, so the metric names are known from the plan).
    pub(crate) fn resolves(&self) -> bool {
        matches!(
            self.role,
            Role::Connect {
                remote: Target::Name { .. },
                ..
            }
        )
    }
}

/// Something a scenario action makes a host do (to every connection of
/// its TCP application).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostAction {
    /// Close every connection.
    Close,
    /// Reset every connection.
    Abort,
    /// Queue more bytes on every connection.
    Send(u64),
    /// Lose every connection's state without a word (a crash).
    Crash,
}
