//! What both ends share: the types that cross the sans-IO boundary
//! ([`Input`] in; [`Output`], [`Early`] and [`HandshakeEvent`] out), the
//! plumbing behind them ([`Io`]: transcript, queues, pending TLS 1.2 keys,
//! public-key counts), and [`End`], which drives either end's state
//! machine one input at a time.
//!
//! Read this before `client.rs` and `server.rs`: every state function
//! there hashes into `io.transcript`, queues into `io.out` and
//! `io.events`, and fails through [`Io::fail`].

use std::collections::VecDeque;

use crate::alert::Alert;
use crate::cert::CertError;
use crate::cost::PkOps;
use crate::crypto::{Secret, Transcript};
use crate::msg::Message;
use crate::record::TrafficKeys;
use crate::session::{ClientSession, Ticket13};
use crate::suite::{Suite, Version};

use super::config::Misbehave;

/// What to send.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Output {
    /// A handshake message: its name and bytes.
    Handshake(&'static str, Vec<u8>),
    /// ChangeCipherSpec (TLS 1.2).
    ChangeCipherSpec,
    /// A fatal alert; nothing follows it.
    Alert(Alert),
    /// Protect everything sent after this point with these keys (the
    /// record layer's sequence number restarts at zero).
    WriteKeys(TrafficKeys),
    /// A step of TLS 1.3 early data, for the record layer.
    Early(Early),
    /// The server may send application data from here, before the
    /// client's Finished arrives (0.5-RTT data, RFC 8446 §2).
    WriteOpen,
    /// Everything received from the next record on is protected with these
    /// keys.
    ReadKeys(TrafficKeys),
    /// A TLS 1.3 exporter secret was derived (RFC 8446 §7.5): protects
    /// nothing, but belongs in the key log.
    Exporter(Exporter),
}

/// The two TLS 1.3 exporter secrets (RFC 8446 §7.1).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Exporter {
    /// early_exporter_master_secret, over the ClientHello (0-RTT offered).
    Early(Secret),
    /// exporter_master_secret, over the transcript through the server's
    /// Finished.
    Main(Secret),
}

/// Early data (0-RTT, RFC 8446 §2.3 and §4.2.10) as the record layer
/// sees it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Early {
    /// Client: application data may go now, before the server answers,
    /// up to `max` bytes, protected with `keys` under the ticket's `suite`.
    Send {
        /// The resumed session's suite.
        suite: Suite,
        /// client_early_traffic_secret's keys.
        keys: TrafficKeys,
        /// max_early_data_size of the ticket.
        max: u32,
    },
    /// Client: the server refused the early data; send it again once the
    /// handshake is done.
    Rejected,
    /// Client: a HelloRetryRequest came; the early data is refused as
    /// with [`Early::Rejected`], and the early keys end: the second
    /// ClientHello goes in the clear, as a handshake record (RFC 8446
    /// §4.1.4, §5: no keys are in use before ServerHello).
    Retry,
    /// Server: application data under the current read keys (the early
    /// keys) is accepted, until EndOfEarlyData.
    Accept,
    /// Server: records that do not open are early data it refused: skip
    /// up to `max` bytes of them.
    Skip {
        /// Bytes to skip at most.
        max: u32,
    },
    /// Server: EndOfEarlyData arrived.
    End,
}

/// What arrived.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Input<'a> {
    /// One handshake message, header included.
    Handshake(&'a [u8]),
    /// ChangeCipherSpec.
    ChangeCipherSpec,
    /// An alert from the peer.
    Alert(Alert),
}

/// What happened.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum HandshakeEvent {
    /// The handshake completed.
    Established {
        /// Negotiated version.
        version: Version,
        /// Negotiated suite.
        suite: Suite,
    },
    /// We sent a fatal alert, and why.
    AlertSent(Alert, String),
    /// The peer sent an alert.
    AlertReceived(Alert),
    /// The certificate failed validation but the client was told to go on
    /// (a user clicking through the warning).
    UntrustedAccepted(CertError),
    /// The handshake resumes an earlier session (TLS 1.2 abbreviated
    /// handshake; TLS 1.3 PSK): no certificate.
    Resumed,
    /// A client's full handshake left a session it can resume later.
    NewSession(ClientSession),
    /// A TLS 1.3 ticket arrived (client).
    NewTicket(Ticket13),
    /// What became of the client's early data, on either side.
    EarlyData {
        /// The server took it.
        accepted: bool,
    },
    /// This end committed a fault it was told to
    /// ([`Misbehave`](super::Misbehave)): what it did.
    Misbehaved(String),
}

/// TLS_FALLBACK_SCSV, a signalling value in the suite list (RFC 7507 §2).
pub const FALLBACK_SCSV: u16 = 0x5600;

/// The last eight bytes of ServerHello.random from a TLS 1.3 server that
/// negotiates TLS 1.2: "DOWNGRD" and 01 (RFC 8446 §4.1.3).
pub const DOWNGRADE_SENTINEL_12: [u8; 8] = *b"DOWNGRD\x01";

/// An input after [`Io::take`].
pub(super) enum Taken<'a> {
    /// Nothing more to do: the handshake has ended.
    Stop,
    /// ChangeCipherSpec, for the state machine to place.
    ChangeCipherSpec,
    /// A decoded handshake message and its bytes.
    Message(&'a [u8], Box<Message>),
}

/// Shared plumbing of both ends.
#[derive(Debug, Default)]
pub(super) struct Io {
    pub(super) transcript: Transcript,
    pub(super) out: VecDeque<Output>,
    pub(super) events: VecDeque<HandshakeEvent>,
    pub(super) version: Option<Version>,
    /// TLS 1.3 early secret (from the PSK, or zeros), once known.
    pub(super) early13: Secret,
    /// TLS 1.3 master secret, once known.
    pub(super) master13: Secret,
    /// Keys to switch to at the next ChangeCipherSpec (TLS 1.2): read keys
    /// when one arrives, write keys when we send one.
    pub(super) read_at_ccs: Option<TrafficKeys>,
    pub(super) write_at_ccs: Option<TrafficKeys>,
    /// Public-key operations performed so far.
    pub(super) ops: PkOps,
    /// Faults to commit in what we send.
    pub(super) misbehave: Misbehave,
}

impl Io {
    /// Sends ChangeCipherSpec and switches to the pending write keys.
    pub(super) fn send_ccs(&mut self) {
        self.out.push_back(Output::ChangeCipherSpec);
        if let Some(k) = self.write_at_ccs.take() {
            self.out.push_back(Output::WriteKeys(k));
        }
    }

    /// The handling every input shares: an alert ends the handshake, a
    /// handshake message is decoded (or answered with decode_error).
    pub(super) fn take<'a>(&mut self, input: Input<'a>) -> Taken<'a> {
        match input {
            Input::Alert(a) => {
                self.events.push_back(HandshakeEvent::AlertReceived(a));
                Taken::Stop
            }
            Input::ChangeCipherSpec => Taken::ChangeCipherSpec,
            Input::Handshake(bytes) => {
                let version = self.version.unwrap_or(Version::Tls12);
                match Message::decode(bytes, version) {
                    Ok(msg) => Taken::Message(bytes, Box::new(msg)),
                    // Before the hellos only a hello is expected, and the
                    // layout of other messages is not known yet: anything
                    // else is out of place before it is malformed.
                    Err(_) if self.version.is_none() && !matches!(bytes.first(), Some(1 | 2)) => {
                        self.fail::<()>(Alert::UnexpectedMessage, "a message before the hellos");
                        Taken::Stop
                    }
                    Err(_) => {
                        self.fail::<()>(Alert::DecodeError, "malformed handshake message");
                        Taken::Stop
                    }
                }
            }
        }
    }

    /// A ChangeCipherSpec arrived: switch to the pending read keys.
    pub(super) fn got_ccs(&mut self) {
        if let Some(k) = self.read_at_ccs.take() {
            self.out.push_back(Output::ReadKeys(k));
        }
    }

    /// Sends a message, hashing it into the transcript.
    pub(super) fn send(&mut self, m: &Message, version: Version) {
        self.send_encoded(m.name(), m.encode(version));
    }

    /// Sends a message already encoded, hashing it into the transcript,
    /// and commits on it the faults [`Io::misbehave`] asks for.
    pub(super) fn send_encoded(&mut self, name: &'static str, mut bytes: Vec<u8>) {
        // What we believe we sent goes into our transcript (a broken
        // implementation's own view); the peer sees the fault.
        self.transcript.add(&bytes);
        let m = self.misbehave;
        if name == "Finished" && m.bad_verify_data {
            // verify_data ends the message (RFC 8446 §4.4.4, RFC 5246
            // §7.4.9): flip a bit of its last byte.
            if let Some(b) = bytes.last_mut() {
                *b ^= 0x01;
            }
            self.misbehaved("sent Finished with a wrong verify_data".into());
        }
        if m.skip == Some(name) {
            self.misbehaved(format!("skipped {name}"));
            return;
        }
        if m.out_of_order == Some(name) {
            // Swap with the handshake message sent just before, if it
            // has not left yet (the same flight).
            let before = self
                .out
                .iter()
                .rposition(|o| matches!(o, Output::Handshake(..)));
            if let Some(i) = before {
                let Output::Handshake(prev, _) = self.out[i] else {
                    unreachable!("rposition found a handshake message")
                };
                self.misbehaved(format!("sent {name} before {prev}"));
                self.out.insert(i, Output::Handshake(name, bytes));
                return;
            }
        }
        self.out.push_back(Output::Handshake(name, bytes));
    }

    /// Reports a fault committed on purpose.
    fn misbehaved(&mut self, what: String) {
        self.events.push_back(HandshakeEvent::Misbehaved(what));
    }

    /// Sends a fatal alert and says why; `None`, so a state function can
    /// `return self.io.fail(..)` to end in the failed state.
    pub(super) fn fail<S>(&mut self, alert: Alert, why: impl Into<String>) -> Option<S> {
        self.out.push_back(Output::Alert(alert));
        self.events
            .push_back(HandshakeEvent::AlertSent(alert, why.into()));
        None
    }
}

/// TLS 1.2 session facts gathered during a handshake.
#[derive(Debug, Default)]
pub(super) struct Session12 {
    /// This handshake resumes a session.
    pub(super) resumed: bool,
    /// The session's id (the server's, or the one echoed on resumption).
    pub(super) id: Vec<u8>,
    /// Extended master secret negotiated.
    pub(super) ems: bool,
    /// A NewSessionTicket is promised (client) or owed (server).
    pub(super) ticket: bool,
    /// The ticket received (client).
    pub(super) ticket_bytes: Option<Vec<u8>>,
}

/// What [`End::handle_input`] needs to know of an end's state enum: the
/// two final states, and the TLS 1.2 step both ends share
/// (ExpectChangeCipherSpec, then ExpectFinished12 with the same master
/// secret).
pub(super) trait EndState: Sized {
    /// The state after an alert either way; nothing leaves it.
    const FAILED: Self;
    /// The handshake completed.
    fn is_connected(&self) -> bool;
    /// The handshake failed.
    fn is_failed(&self) -> bool;
    /// ExpectChangeCipherSpec gives ExpectFinished12 (`Ok`); any other
    /// state comes back unchanged (`Err`).
    fn after_change_cipher_spec(self) -> Result<Self, Self>;
}

/// One end's state machine: its states, its plumbing and its `step`, which
/// takes the current state by value with one decoded message and returns
/// the next state (`None`: failed, the alert already queued).
pub(super) trait End {
    /// The end's state enum.
    type State: EndState;

    /// The current state and the plumbing, borrowed together.
    fn parts(&mut self) -> (&mut Self::State, &mut Io);

    /// Handles one decoded handshake message in `state`.
    fn step(&mut self, state: Self::State, bytes: &[u8], msg: Message) -> Option<Self::State>;

    /// Processes one input: keeps a failed handshake failed, places
    /// ChangeCipherSpec (the same TLS 1.2 states on both ends) and passes
    /// each decoded message to [`step`](End::step).
    fn handle_input(&mut self, input: Input<'_>) {
        let (slot, io) = self.parts();
        let state = std::mem::replace(slot, Self::State::FAILED);
        if state.is_failed() {
            return;
        }
        let next = match io.take(input) {
            Taken::Stop => None,
            Taken::ChangeCipherSpec => change_cipher_spec(io, state),
            Taken::Message(bytes, msg) => self.step(state, bytes, *msg),
        };
        *self.parts().0 = next.unwrap_or(Self::State::FAILED);
    }
}

/// ChangeCipherSpec in `state`: in TLS 1.2 it switches the read keys before
/// the peer's Finished (RFC 5246 §7.1); TLS 1.3's middlebox compatibility
/// CCS is ignored (RFC 8446 §5); anywhere else it is out of order.
fn change_cipher_spec<S: EndState>(io: &mut Io, state: S) -> Option<S> {
    match state.after_change_cipher_spec() {
        Ok(next) => {
            io.got_ccs();
            Some(next)
        }
        // TLS 1.3 middlebox compatibility CCS is ignored.
        Err(s) if io.version == Some(Version::Tls13) => Some(s),
        Err(_) => io.fail(Alert::UnexpectedMessage, "ChangeCipherSpec out of order"),
    }
}
