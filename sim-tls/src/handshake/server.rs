//! The server: its states, and the ClientHello, where the version and
//! suite are chosen and the server's whole first flight goes out.
//!
//! [`Server::client_hello`] negotiates (version, fallback check, suite),
//! then hands over to the version's path: [`tls13`] (key share or
//! HelloRetryRequest, PSK, EncryptedExtensions through Finished, early
//! data, tickets; RFC 8446 §2) or [`tls12`] (full or abbreviated handshake,
//! session cache and tickets; RFC 5246 §7.3, RFC 5077). Later messages
//! reach [`End::step`], one arm per (state, message).

use crate::alert::Alert;
use crate::cost::PkOps;
use crate::crypto::Secret;
use crate::msg::{ClientHello, HTTP_1_1, Message};
use crate::record::TrafficKeys;
use crate::session::ServerSession;
use crate::suite::{Group, Suite, Version};

use super::common::{
    DOWNGRADE_SENTINEL_12, Early, End, EndState, FALLBACK_SCSV, HandshakeEvent, Input, Io, Output,
    Session12,
};
use super::config::ServerConfig;
use super::schedule::early_secret13;

mod tls12;
mod tls13;

/// What the server waits for next; each state holds the secrets valid at
/// that point.
#[derive(Debug)]
pub(super) enum ServerState {
    ExpectClientHello,
    /// After a HelloRetryRequest for this group.
    ExpectSecondClientHello {
        group: Group,
    },
    ExpectEndOfEarlyData {
        c_hs: Secret,
        c_ap: TrafficKeys,
    },
    ExpectFinished13 {
        c_hs: Secret,
        c_ap: TrafficKeys,
    },
    ExpectClientKeyExchange {
        client_random: [u8; 32],
        server_random: [u8; 32],
    },
    ExpectChangeCipherSpec {
        master: Vec<u8>,
    },
    ExpectFinished12 {
        master: Vec<u8>,
    },
    Connected,
    Failed,
}

impl EndState for ServerState {
    const FAILED: Self = ServerState::Failed;
    fn is_connected(&self) -> bool {
        matches!(self, ServerState::Connected)
    }
    fn is_failed(&self) -> bool {
        matches!(self, ServerState::Failed)
    }
    fn after_change_cipher_spec(self) -> Result<Self, Self> {
        match self {
            ServerState::ExpectChangeCipherSpec { master } => {
                Ok(ServerState::ExpectFinished12 { master })
            }
            s => Err(s),
        }
    }
}

/// A TLS server.
#[derive(Debug)]
pub struct Server {
    cfg: ServerConfig,
    random: [u8; 32],
    ephemeral: [u8; 32],
    retried: bool,
    s12: Session12,
    share: Vec<u8>,
    suite: Option<Suite>,
    state: ServerState,
    io: Io,
}

impl Server {
    /// A server waiting for a ClientHello; `random` and `ephemeral` come
    /// from the host's RNG stream.
    pub fn new(cfg: ServerConfig, random: [u8; 32], ephemeral: [u8; 32]) -> Self {
        let io = Io {
            misbehave: cfg.misbehave,
            ..Io::default()
        };
        Server {
            cfg,
            random,
            ephemeral,
            retried: false,
            s12: Session12::default(),
            share: ephemeral.to_vec(),
            suite: None,
            state: ServerState::ExpectClientHello,
            io,
        }
    }

    /// The next thing to send.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.io.out.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<HandshakeEvent> {
        self.io.events.pop_front()
    }

    /// True once the handshake completed.
    pub fn is_established(&self) -> bool {
        self.state.is_connected()
    }

    /// True after an alert either way.
    pub fn has_failed(&self) -> bool {
        self.state.is_failed()
    }

    /// Public-key operations performed so far (for a CPU cost model).
    pub fn pk_ops(&self) -> PkOps {
        self.io.ops
    }

    /// The negotiated suite, once the hellos are done.
    pub fn suite(&self) -> Option<Suite> {
        self.suite
    }

    /// Processes one input.
    pub fn handle(&mut self, input: Input<'_>) {
        self.handle_input(input);
    }

    fn established(&mut self) -> Option<ServerState> {
        let (Some(version), Some(suite)) = (self.io.version, self.suite) else {
            return self.io.fail(Alert::InternalError, "no version or suite");
        };
        self.io
            .events
            .push_back(HandshakeEvent::Established { version, suite });
        Some(ServerState::Connected)
    }

    /// A ClientHello: the version and suite, then the version's path.
    fn client_hello(&mut self, bytes: &[u8], ch: ClientHello) -> Option<ServerState> {
        let (version, suite) = self.negotiate(&ch)?;
        match version {
            Version::Tls13 => self.client_hello13(bytes, ch, suite),
            Version::Tls12 => self.client_hello12(bytes, ch, suite),
        }
    }

    /// The highest version both take, refusing a needless fallback, and
    /// our most preferred suite of that version the client offers.
    fn negotiate(&mut self, ch: &ClientHello) -> Option<(Version, Suite)> {
        // A client without supported_versions speaks TLS 1.2 (RFC 8446 §4.2.1).
        let offered = if ch.versions.is_empty() {
            vec![Version::Tls12]
        } else {
            ch.versions.clone()
        };
        let Some(version) = [Version::Tls13, Version::Tls12]
            .into_iter()
            .find(|v| self.cfg.versions.contains(v) && offered.contains(v))
        else {
            return self
                .io
                .fail(Alert::ProtocolVersion, "no TLS version in common");
        };
        // RFC 7507 §3: a fallback retry below a version we support means
        // the first attempt was broken on purpose.
        let our_best = self.cfg.versions.iter().max();
        if ch.suites.contains(&FALLBACK_SCSV) && offered.iter().max() < our_best {
            return self.io.fail(
                Alert::InappropriateFallback,
                "TLS_FALLBACK_SCSV from a client whose best version is below ours",
            );
        }
        // The server's preference among the client's offer.
        let Some(suite) = self
            .cfg
            .suites
            .iter()
            .copied()
            .find(|s| s.version() == version && ch.suites.contains(&s.code()))
        else {
            return self
                .io
                .fail(Alert::HandshakeFailure, "no cipher suite in common");
        };
        Some((version, suite))
    }

    /// What both versions do once a ClientHello is taken (with the TLS
    /// 1.3 PSK's session, if any): settle the early secret and early data,
    /// fix version and suite, hash the hello. Returns whether early data
    /// is accepted, the transcript hash through the ClientHello, and our
    /// random (with the downgrade sentinel when a TLS 1.3 server answers
    /// in TLS 1.2, RFC 8446 §4.1.3).
    fn take_hello(
        &mut self,
        bytes: &[u8],
        ch: &ClientHello,
        version: Version,
        suite: Suite,
        resumed13: Option<&ServerSession>,
    ) -> (bool, Secret, [u8; 32]) {
        if resumed13.is_some() {
            self.io.events.push_back(HandshakeEvent::Resumed);
        } else {
            self.io.early13 = early_secret13(suite.hash(), None);
        }
        // RFC 8446 §4.2.10: early data only with the first PSK, the
        // ticket's suite and a ticket that allows it, and only if we want
        // it now.
        let accept_early = ch.early_data
            && !self.retried
            && self.cfg.accept_early_data
            && self.cfg.max_early_data > 0
            && resumed13.is_some_and(|s| s.early_data);
        if accept_early {
            self.io
                .events
                .push_back(HandshakeEvent::EarlyData { accepted: true });
        } else if ch.early_data {
            self.skip_early_data();
        }
        self.io.version = Some(version);
        self.suite = Some(suite);
        self.io.transcript.set_alg(suite.hash());
        self.io.transcript.add(bytes);
        let hello_hash = self.io.transcript.hash();
        let mut random = self.random;
        if version == Version::Tls12 && self.cfg.versions.contains(&Version::Tls13) {
            random[24..].copy_from_slice(&DOWNGRADE_SENTINEL_12);
        }
        (accept_early, hello_hash, random)
    }

    /// Early data we will not read: skip what does not open (RFC 8446
    /// §4.2.10), up to what we could have allowed (one full record at
    /// least).
    fn skip_early_data(&mut self) {
        let max = self
            .cfg
            .max_early_data
            .max(crate::suite::MAX_FRAGMENT as u32);
        self.io.out.push_back(Output::Early(Early::Skip { max }));
        self.io
            .events
            .push_back(HandshakeEvent::EarlyData { accepted: false });
    }
}

/// `http/1.1` if we answer ALPN (`on`) and the client offered it (RFC
/// 7301 §3.1).
pub(super) fn alpn_choice(on: bool, ch: &ClientHello) -> Option<String> {
    (on && ch.alpn.iter().any(|p| p == HTTP_1_1)).then(|| HTTP_1_1.to_string())
}

impl End for Server {
    type State = ServerState;

    fn parts(&mut self) -> (&mut ServerState, &mut Io) {
        (&mut self.state, &mut self.io)
    }

    /// The server's transitions: one arm per (state, message) it takes,
    /// each handled by the function named for the message.
    fn step(&mut self, state: ServerState, bytes: &[u8], msg: Message) -> Option<ServerState> {
        use ServerState as S;
        match (state, msg) {
            (S::ExpectClientHello, Message::ClientHello(ch)) => self.client_hello(bytes, ch),
            (S::ExpectSecondClientHello { group }, Message::ClientHello(ch)) => {
                self.second_client_hello(bytes, group, ch)
            }
            (S::ExpectEndOfEarlyData { c_hs, c_ap }, Message::EndOfEarlyData) => {
                self.end_of_early_data(bytes, c_hs, c_ap)
            }
            (S::ExpectFinished13 { c_hs, c_ap }, Message::Finished(vd)) => {
                self.finished13(bytes, c_hs, c_ap, vd)
            }
            (
                S::ExpectClientKeyExchange {
                    client_random,
                    server_random,
                },
                Message::ClientKeyExchange(kx),
            ) => self.client_key_exchange(bytes, client_random, server_random, kx),
            (S::ExpectFinished12 { master }, Message::Finished(vd)) => {
                self.finished12(bytes, master, vd)
            }
            (_, m) => self.io.fail(
                Alert::UnexpectedMessage,
                format!("{} in this state", m.name()),
            ),
        }
    }
}
