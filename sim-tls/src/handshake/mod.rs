//! The TLS handshake as sans-IO client and server.
//!
//! # Contract
//!
//! [`Client`] and [`Server`] never touch a socket or a clock. Feed each the
//! peer's handshake messages (as bytes, one message at a time), its
//! ChangeCipherSpec and its alerts with [`handle`](Client::handle); then
//! drain [`poll_output`](Client::poll_output) for what to send (handshake
//! messages with their names, ChangeCipherSpec, an alert) and
//! [`poll_event`](Client::poll_event) for what happened (established with
//! the negotiated version and suite, alerts sent and received, an untrusted
//! certificate accepted on the user's say-so).
//!
//! Flows: TLS 1.3 1-RTT with (EC)DHE (RFC 8446 §2: ClientHello /
//! ServerHello, EncryptedExtensions, Certificate, CertificateVerify,
//! Finished / Finished) and TLS 1.2 full handshakes with RSA or ECDHE_RSA key
//! exchange (RFC 5246 §7.3). Every message is hashed into the transcript as
//! sent or received; Finished values come from the real key schedules, so a
//! message changed in flight fails the Finished check (`decrypt_error`).
//! A message a state does not expect is `unexpected_message`; one that does
//! not decode is `decode_error`. Downgrades are caught twice over: the TLS
//! 1.3 sentinel in ServerHello.random (RFC 8446 §4.1.3) and
//! TLS_FALLBACK_SCSV (RFC 7507). A TLS 1.3 client whose key share is in
//! a group the server does not take gets a HelloRetryRequest for a common
//! group (RFC 8446 §4.1.4), with the first ClientHello folded into a
//! message_hash in both transcripts (§4.4.1). TLS 1.2 sessions resume by
//! session id from the server's [`SessionCache`] or by RFC 5077 ticket, in
//! the abbreviated handshake (server Finished first), and full handshakes
//! use the extended master secret when both ends offer it (RFC 7627),
//! which a resumption may not change. TLS 1.3 servers with a ticket key
//! issue a NewSessionTicket after the handshake; a client resumes with it
//! as a PSK (RFC 8446 §2.2, psk_dhe_ke, binder over the truncated
//! ClientHello) and may send early data (§2.3), which the server accepts
//! (EndOfEarlyData closes it) or refuses (its records are skipped).
//! Record protection is the record layer's ([`crate::record`]), driven by
//! the WriteKeys/ReadKeys/Early outputs.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use crate::alert::Alert;
use crate::cert::{CertError, Certificate, KeyId, Revocations, TrustStore, validate};
use crate::cost::PkOps;
use crate::crypto::{
    Hash, Transcript, derive_secret, finished12, finished13, hkdf_expand_label, hkdf_extract,
    prf12, sha256,
};
use crate::keys::{PrivateKey, dh_shared, key_share, open, seal, sign, verify};
use crate::msg::{ClientHello, Message, PSK_DHE_KE, PskOffer, ServerHello};
use crate::record::TrafficKeys;
use crate::session::{
    ClientSession, ServerSession, SessionCache, Ticket13, open_ticket, seal_ticket,
};
use crate::suite::{Group, KeyExchange, Suite, Version};

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
pub enum Event {
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
}

/// A client's settings.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Versions offered, highest first.
    pub versions: Vec<Version>,
    /// Suites offered, in preference order.
    pub suites: Vec<Suite>,
    /// Key-exchange groups supported, in preference order; the ClientHello
    /// carries a TLS 1.3 key share for the first only.
    pub groups: Vec<Group>,
    /// The host name (SNI) the certificate must name.
    pub server_name: String,
    /// Trusted roots.
    pub trust: TrustStore,
    /// Known revocations.
    pub revoked: Revocations,
    /// Calendar time for validity checks, seconds since the Unix epoch.
    pub now_unix: i64,
    /// Go on despite a certificate failure.
    pub accept_untrusted: bool,
    /// Refuse weak suites even if the server picks one it was offered.
    pub refuse_weak: bool,
    /// This connection is a browser's retry at lower versions after a
    /// failed attempt, so the ClientHello carries TLS_FALLBACK_SCSV
    /// (RFC 7507 §4).
    pub fallback: bool,
    /// A TLS 1.2 session to resume (by its ticket if it has one, else by
    /// its id).
    pub resume: Option<ClientSession>,
    /// Ask for a session ticket (an empty session_ticket extension).
    pub tickets: bool,
    /// Offer the extended master secret (RFC 7627).
    pub ems: bool,
    /// A TLS 1.3 ticket to resume with (a PSK, RFC 8446 §2.2).
    pub resume13: Option<Ticket13>,
    /// Send the first application data as early data (0-RTT) when the
    /// ticket allows it.
    pub early_data: bool,
    /// How old `resume13` is, milliseconds (the host knows the clock).
    pub ticket_age_ms: u32,
}

/// A server's settings.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Versions accepted.
    pub versions: Vec<Version>,
    /// Suites in the server's order of preference.
    pub suites: Vec<Suite>,
    /// Groups in the server's order of preference (TLS 1.3).
    pub groups: Vec<Group>,
    /// Its chain, leaf first.
    pub chain: Vec<Certificate>,
    /// The leaf's private key.
    pub key: PrivateKey,
    /// Give TLS 1.2 sessions ids and keep them here for resumption.
    pub sessions: Option<SessionCache>,
    /// Issue session tickets sealed with this key (RFC 5077).
    pub ticket_key: Option<Hash>,
    /// The chain's Certificate message as last encoded, shared by the
    /// connections of this configuration (DER encoding and signing cost
    /// more than the rest of a handshake); re-encoded when the chain or
    /// the version differs.
    pub certificate_cache: CertificateCache,
    /// TLS 1.3 tickets (issued when `ticket_key` is set) allow this much
    /// early data (0: none).
    pub max_early_data: u32,
    /// Take early data offered with such a ticket; false refuses it (as a
    /// server does whose anti-replay check fails, RFC 8446 §8).
    pub accept_early_data: bool,
}

/// See [`ServerConfig::certificate_cache`].
#[derive(Clone, Debug, Default)]
pub struct CertificateCache(Arc<Mutex<Option<EncodedChain>>>);

/// A chain, the version it was encoded for, and the message bytes.
type EncodedChain = (Vec<Certificate>, Version, Vec<u8>);

impl CertificateCache {
    /// The Certificate message for `chain` under `version`.
    fn encoded(&self, chain: &[Certificate], version: Version) -> Vec<u8> {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((c, v, bytes)) = slot.as_ref()
            && c == chain
            && *v == version
        {
            return bytes.clone();
        }
        let bytes = Message::Certificate(chain.to_vec()).encode(version);
        *slot = Some((chain.to_vec(), version, bytes.clone()));
        bytes
    }
}

/// "TLS 1.3, server CertificateVerify": 64 spaces, the context, a zero, the
/// transcript hash (RFC 8446 §4.4.3).
fn cert_verify_content(transcript_hash: &Hash) -> Vec<u8> {
    let mut m = vec![0x20; 64];
    m.extend_from_slice(b"TLS 1.3, server CertificateVerify");
    m.push(0);
    m.extend_from_slice(transcript_hash);
    m
}

/// The TLS 1.3 early secret: HKDF-Extract over the PSK, or zeros without
/// one (RFC 8446 §7.1).
fn early_secret13(psk: Option<&[u8; 32]>) -> Hash {
    hkdf_extract(&[], psk.unwrap_or(&[0u8; 32]))
}

/// The PSK binder over a ClientHello truncated before its binders (RFC
/// 8446 §4.2.11.2): a Finished computed with the binder key.
fn psk_binder(early: &Hash, truncated_hello_hash: &Hash) -> Hash {
    let binder_key = derive_secret(early, "res binder", &sha256(&[]));
    finished13(&binder_key, truncated_hello_hash)
}

/// The PSK a TLS 1.3 ticket stands for (RFC 8446 §4.6.1).
fn ticket_psk(resumption_master: &Hash, nonce: &[u8]) -> [u8; 32] {
    hkdf_expand_label(resumption_master, "resumption", nonce, 32)
        .try_into()
        .expect("32 bytes")
}

/// The TLS 1.3 handshake traffic secrets and the master secret from the
/// early secret, the shared secret and the transcript through ServerHello
/// (RFC 8446 §7.1).
fn handshake_secrets13(early: &Hash, shared: &Hash, hello_hash: &Hash) -> (Hash, Hash, Hash) {
    let derived = derive_secret(early, "derived", &sha256(&[]));
    let hs = hkdf_extract(&derived, shared);
    let master = hkdf_extract(&derive_secret(&hs, "derived", &sha256(&[])), &[0u8; 32]);
    (
        derive_secret(&hs, "c hs traffic", hello_hash),
        derive_secret(&hs, "s hs traffic", hello_hash),
        master,
    )
}

/// The TLS 1.3 application traffic keys (client, server) from the master
/// secret and the transcript through the server's Finished (RFC 8446 §7.1).
fn application_keys13(master: &Hash, through_server_finished: &Hash) -> (TrafficKeys, TrafficKeys) {
    (
        TrafficKeys::tls13(&derive_secret(
            master,
            "c ap traffic",
            through_server_finished,
        )),
        TrafficKeys::tls13(&derive_secret(
            master,
            "s ap traffic",
            through_server_finished,
        )),
    )
}

/// TLS_FALLBACK_SCSV, a signalling value in the suite list (RFC 7507 §2).
pub const FALLBACK_SCSV: u16 = 0x5600;

/// The last eight bytes of ServerHello.random from a TLS 1.3 server that
/// negotiates TLS 1.2: "DOWNGRD" and 01 (RFC 8446 §4.1.3).
pub const DOWNGRADE_SENTINEL_12: [u8; 8] = *b"DOWNGRD\x01";

/// RFC 7627 §4: the master secret bound to the session hash (the
/// transcript through ClientKeyExchange).
fn extended_master12(premaster: &[u8], session_hash: &Hash) -> Vec<u8> {
    prf12(premaster, "extended master secret", session_hash, 48)
}

fn master12(premaster: &[u8], client_random: &[u8; 32], server_random: &[u8; 32]) -> Vec<u8> {
    let mut seed = client_random.to_vec();
    seed.extend_from_slice(server_random);
    prf12(premaster, "master secret", &seed, 48)
}

/// An input after [`Io::take`].
enum Taken<'a> {
    /// Nothing more to do: the handshake has ended.
    Stop,
    /// ChangeCipherSpec, for the state machine to place.
    ChangeCipherSpec,
    /// A decoded handshake message and its bytes.
    Message(&'a [u8], Box<Message>),
}

/// Shared plumbing of both ends.
#[derive(Debug, Default)]
struct Io {
    transcript: Transcript,
    out: VecDeque<Output>,
    events: VecDeque<Event>,
    version: Option<Version>,
    /// TLS 1.3 early secret (from the PSK, or zeros), once known.
    early13: Hash,
    /// TLS 1.3 master secret, once known.
    master13: Hash,
    /// Keys to switch to at the next ChangeCipherSpec (TLS 1.2): read keys
    /// when one arrives, write keys when we send one.
    read_at_ccs: Option<TrafficKeys>,
    write_at_ccs: Option<TrafficKeys>,
    /// Public-key operations performed so far.
    ops: PkOps,
}

impl Io {
    /// Sends ChangeCipherSpec and switches to the pending write keys.
    fn send_ccs(&mut self) {
        self.out.push_back(Output::ChangeCipherSpec);
        if let Some(k) = self.write_at_ccs.take() {
            self.out.push_back(Output::WriteKeys(k));
        }
    }

    /// The handling every input shares: an alert ends the handshake, a
    /// handshake message is decoded (or answered with decode_error).
    fn take<'a>(&mut self, input: Input<'a>) -> Taken<'a> {
        match input {
            Input::Alert(a) => {
                self.events.push_back(Event::AlertReceived(a));
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
    fn got_ccs(&mut self) {
        if let Some(k) = self.read_at_ccs.take() {
            self.out.push_back(Output::ReadKeys(k));
        }
    }

    fn send(&mut self, m: &Message, version: Version) {
        self.send_encoded(m.name(), m.encode(version));
    }
    fn send_encoded(&mut self, name: &'static str, bytes: Vec<u8>) {
        self.transcript.add(&bytes);
        self.out.push_back(Output::Handshake(name, bytes));
    }
    fn fail<S>(&mut self, alert: Alert, why: impl Into<String>) -> Option<S> {
        self.out.push_back(Output::Alert(alert));
        self.events.push_back(Event::AlertSent(alert, why.into()));
        None
    }
}

/// The public face both ends share: outputs, events, status, and `handle`,
/// which keeps a failed handshake failed, places ChangeCipherSpec (the
/// same TLS 1.2 states on both ends) and passes each decoded message to
/// the end's state machine (`step`).
macro_rules! shared_api {
    ($state:ident) => {
        /// The next thing to send.
        pub fn poll_output(&mut self) -> Option<Output> {
            self.io.out.pop_front()
        }
        /// The next event.
        pub fn poll_event(&mut self) -> Option<Event> {
            self.io.events.pop_front()
        }
        /// True once the handshake completed.
        pub fn is_established(&self) -> bool {
            matches!(self.state, $state::Connected)
        }
        /// True after an alert either way.
        pub fn has_failed(&self) -> bool {
            matches!(self.state, $state::Failed)
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
            let state = std::mem::replace(&mut self.state, $state::Failed);
            if matches!(state, $state::Failed) {
                return;
            }
            let next = match self.io.take(input) {
                Taken::Stop => None,
                Taken::ChangeCipherSpec => match state {
                    $state::ExpectChangeCipherSpec { master } => {
                        self.io.got_ccs();
                        Some($state::ExpectFinished12 { master })
                    }
                    // TLS 1.3 middlebox compatibility CCS is ignored.
                    s if self.io.version == Some(Version::Tls13) => Some(s),
                    _ => self
                        .io
                        .fail(Alert::UnexpectedMessage, "ChangeCipherSpec out of order"),
                },
                Taken::Message(bytes, msg) => self.step(state, bytes, *msg),
            };
            self.state = next.unwrap_or($state::Failed);
        }
    };
}

#[derive(Debug)]
enum ClientState {
    ExpectServerHello,
    // TLS 1.3
    ExpectEncryptedExtensions {
        c_hs: Hash,
        s_hs: Hash,
        /// A PSK was accepted: no certificate follows.
        resumed: bool,
    },
    ExpectCertificate13 {
        c_hs: Hash,
        s_hs: Hash,
    },
    ExpectCertificateVerify {
        c_hs: Hash,
        s_hs: Hash,
        leaf: KeyId,
    },
    ExpectFinished13 {
        c_hs: Hash,
        s_hs: Hash,
    },
    // TLS 1.2
    ExpectCertificate12 {
        server_random: [u8; 32],
    },
    ExpectServerKeyExchange {
        server_random: [u8; 32],
        leaf: KeyId,
    },
    ExpectServerHelloDone {
        server_random: [u8; 32],
        leaf: KeyId,
        server_share: Option<Vec<u8>>,
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

/// A TLS client.
#[derive(Debug)]
pub struct Client {
    cfg: ClientConfig,
    random: [u8; 32],
    /// The ephemeral secret behind every share we send.
    ephemeral: [u8; 32],
    /// TLS 1.2 ECDHE public value.
    share: Vec<u8>,
    /// The TLS 1.3 key share sent, and its group.
    share13: Option<(Group, Vec<u8>)>,
    /// The ClientHello as sent, to repeat after a HelloRetryRequest, and
    /// the suite that request named (set once one came).
    hello: ClientHello,
    retry_suite: Option<u16>,
    /// TLS 1.2 session bookkeeping.
    s12: Session12,
    /// The TLS 1.3 ticket offered as a PSK, and what became of early data.
    ticket: Option<Ticket13>,
    early: EarlyState,
    /// The handshake write keys wait for the server's Finished (we were
    /// sending early data when ServerHello came).
    hs_keys_deferred: bool,
    /// resumption_master_secret, for the tickets that follow.
    res_master: Option<Hash>,
    suite: Option<Suite>,
    state: ClientState,
    io: Io,
}

/// A TLS 1.3 client's early data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EarlyState {
    NotOffered,
    Offered,
    Accepted,
    Rejected,
}

/// TLS 1.2 session facts gathered during a handshake.
#[derive(Debug, Default)]
struct Session12 {
    /// This handshake resumes a session.
    resumed: bool,
    /// The session's id (the server's, or the one echoed on resumption).
    id: Vec<u8>,
    /// Extended master secret negotiated.
    ems: bool,
    /// A NewSessionTicket is promised (client) or owed (server).
    ticket: bool,
    /// The ticket received (client).
    ticket_bytes: Option<Vec<u8>>,
}

impl Client {
    /// A client that sends its ClientHello at once. `random` is its
    /// client_random and `ephemeral` its key-share value, both drawn by the
    /// host from its RNG stream.
    pub fn new(cfg: ClientConfig, random: [u8; 32], ephemeral: [u8; 32]) -> Self {
        let offer13 = cfg.versions.contains(&Version::Tls13);
        let ch = ClientHello {
            random,
            suites: cfg
                .suites
                .iter()
                .filter(|s| cfg.versions.contains(&s.version()))
                .map(|s| s.code())
                .chain(cfg.fallback.then_some(FALLBACK_SCSV))
                .collect(),
            versions: cfg.versions.clone(),
            server_name: Some(cfg.server_name.clone()),
            groups: if offer13 {
                cfg.groups.iter().map(|g| g.code()).collect()
            } else {
                Vec::new()
            },
            session_id: cfg
                .resume
                .as_ref()
                .map(|r| r.id.clone())
                .unwrap_or_default(),
            ticket: match &cfg.resume {
                Some(ClientSession {
                    ticket: Some(t), ..
                }) => Some(t.clone()),
                _ => cfg.tickets.then(Vec::new),
            },
            ems: cfg.ems && cfg.versions.contains(&Version::Tls12),
            key_share: None,
            psk_modes: Vec::new(),
            early_data: false,
            psk: None,
        };
        // A TLS 1.3 ticket is offered only with its own suite on offer.
        let ticket = cfg
            .resume13
            .clone()
            .filter(|t| offer13 && cfg.suites.contains(&t.suite));
        let early = ticket
            .as_ref()
            .is_some_and(|t| cfg.early_data && t.max_early_data > 0);
        let ch = ClientHello {
            // RFC 8446 §4.2.9: a PSK needs psk_key_exchange_modes.
            psk_modes: if ticket.is_some() {
                vec![PSK_DHE_KE]
            } else {
                Vec::new()
            },
            early_data: early,
            psk: ticket.as_ref().map(|t| PskOffer {
                identity: t.ticket.clone(),
                // RFC 8446 §4.2.11.1.
                obfuscated_age: cfg.ticket_age_ms.wrapping_add(t.age_add),
                binder: vec![0; 32],
            }),
            ..ch
        };
        let share13 = cfg
            .groups
            .first()
            .filter(|_| offer13)
            .map(|&g| (g, key_share(&ephemeral, g)));
        let ch = ClientHello {
            key_share: share13.as_ref().map(|(g, k)| (g.code(), k.clone())),
            ..ch
        };
        let mut c = Client {
            cfg,
            random,
            ephemeral,
            share: ephemeral.to_vec(),
            share13,
            hello: ch.clone(),
            retry_suite: None,
            s12: Session12::default(),
            ticket,
            early: if early {
                EarlyState::Offered
            } else {
                EarlyState::NotOffered
            },
            hs_keys_deferred: false,
            res_master: None,
            suite: None,
            state: ClientState::ExpectServerHello,
            io: Io::default(),
        };
        if c.share13.is_some() {
            c.io.ops.ecdhe_keygen += 1;
        }
        c.send_hello();
        c
    }

    /// Sends `self.hello`, its PSK binder computed over the transcript so
    /// far and the hello up to its binders (RFC 8446 §4.2.11.2); with early
    /// data, the early keys follow.
    fn send_hello(&mut self) {
        let mut bytes = Message::ClientHello(self.hello.clone()).encode(Version::Tls12);
        if let Some(t) = &self.ticket {
            self.io.early13 = early_secret13(Some(&t.psk));
            let mut partial = self.io.transcript.clone();
            partial.add(&bytes[..bytes.len() - self.hello.binders_len()]);
            let binder = psk_binder(&self.io.early13, &partial.hash());
            let n = bytes.len();
            bytes[n - 32..].copy_from_slice(&binder);
            if let Some(p) = self.hello.psk.as_mut() {
                p.binder = binder.to_vec();
            }
        }
        self.io.send_encoded("ClientHello", bytes);
        if let (EarlyState::Offered, Some(t)) = (self.early, &self.ticket) {
            // RFC 8446 §7.1: client_early_traffic_secret over the hello.
            let secret = derive_secret(&self.io.early13, "c e traffic", &self.io.transcript.hash());
            self.io.out.push_back(Output::Early(Early::Send {
                suite: t.suite,
                keys: TrafficKeys::tls13(&secret),
                max: t.max_early_data,
            }));
        }
    }

    shared_api!(ClientState);

    fn step(&mut self, state: ClientState, bytes: &[u8], msg: Message) -> Option<ClientState> {
        use ClientState as S;
        match (state, msg) {
            (S::ExpectServerHello, Message::ServerHello(sh)) => self.server_hello(bytes, sh),
            (S::ExpectServerHello, Message::HelloRetryRequest { suite, group }) => {
                self.hello_retry(bytes, suite, group)
            }
            (
                S::ExpectEncryptedExtensions {
                    c_hs,
                    s_hs,
                    resumed,
                },
                Message::EncryptedExtensions { early_data },
            ) => {
                self.io.transcript.add(bytes);
                match (self.early, early_data) {
                    (EarlyState::Offered, accepted) => {
                        self.early = if accepted {
                            EarlyState::Accepted
                        } else {
                            // RFC 8446 §4.2.10: sent again after the
                            // handshake, by the application's choice; a
                            // browser does.
                            self.io.out.push_back(Output::Early(Early::Rejected));
                            EarlyState::Rejected
                        };
                        self.io.events.push_back(Event::EarlyData { accepted });
                    }
                    (_, true) => {
                        return self.io.fail(
                            Alert::IllegalParameter,
                            "early_data accepted that we did not send",
                        );
                    }
                    (_, false) => {}
                }
                if resumed {
                    Some(S::ExpectFinished13 { c_hs, s_hs })
                } else {
                    Some(S::ExpectCertificate13 { c_hs, s_hs })
                }
            }
            (S::ExpectCertificate13 { c_hs, s_hs }, Message::Certificate(chain)) => {
                self.io.transcript.add(bytes);
                let leaf = self.check_chain(&chain)?;
                Some(S::ExpectCertificateVerify { c_hs, s_hs, leaf })
            }
            (S::ExpectCertificateVerify { c_hs, s_hs, leaf }, Message::CertificateVerify(sig)) => {
                let content = cert_verify_content(&self.io.transcript.hash());
                self.io.ops.rsa_public += 1;
                if !verify(leaf, &content, &sig) {
                    return self
                        .io
                        .fail(Alert::DecryptError, "CertificateVerify does not verify");
                }
                self.io.transcript.add(bytes);
                Some(S::ExpectFinished13 { c_hs, s_hs })
            }
            (S::ExpectFinished13 { c_hs, s_hs }, Message::Finished(vd)) => {
                if vd != finished13(&s_hs, &self.io.transcript.hash()) {
                    return self.io.fail(
                        Alert::DecryptError,
                        "the server's Finished does not match our transcript",
                    );
                }
                self.io.transcript.add(bytes);
                let (c_ap, s_ap) =
                    application_keys13(&self.io.master13, &self.io.transcript.hash());
                self.io.out.push_back(Output::ReadKeys(s_ap));
                // RFC 8446 §4.5: accepted early data ends with
                // EndOfEarlyData under the early keys; then the handshake
                // keys carry our Finished.
                if self.early == EarlyState::Accepted {
                    self.io.send(&Message::EndOfEarlyData, Version::Tls13);
                }
                if self.hs_keys_deferred {
                    self.io
                        .out
                        .push_back(Output::WriteKeys(TrafficKeys::tls13(&c_hs)));
                }
                let mine = finished13(&c_hs, &self.io.transcript.hash());
                self.io
                    .send(&Message::Finished(mine.to_vec()), Version::Tls13);
                self.io.out.push_back(Output::WriteKeys(c_ap));
                // RFC 8446 §7.1: the resumption master secret covers the
                // transcript through the client's Finished.
                self.res_master = Some(derive_secret(
                    &self.io.master13,
                    "res master",
                    &self.io.transcript.hash(),
                ));
                self.established()
            }
            (
                S::Connected,
                Message::NewSessionTicket13 {
                    lifetime,
                    age_add,
                    nonce,
                    ticket,
                    max_early_data,
                },
            ) if self.res_master.is_some() => {
                let (Some(res), Some(suite)) = (self.res_master, self.suite) else {
                    return Some(S::Connected);
                };
                self.io.events.push_back(Event::NewTicket(Ticket13 {
                    ticket,
                    psk: ticket_psk(&res, &nonce),
                    suite,
                    age_add,
                    lifetime,
                    max_early_data: max_early_data.unwrap_or(0),
                }));
                Some(S::Connected)
            }
            (S::ExpectCertificate12 { server_random }, Message::Certificate(chain)) => {
                self.io.transcript.add(bytes);
                let leaf = self.check_chain(&chain)?;
                match self.suite.map(Suite::key_exchange) {
                    Some(KeyExchange::EcdheRsa) => Some(S::ExpectServerKeyExchange {
                        server_random,
                        leaf,
                    }),
                    _ => Some(S::ExpectServerHelloDone {
                        server_random,
                        leaf,
                        server_share: None,
                    }),
                }
            }
            (
                S::ExpectServerKeyExchange {
                    server_random,
                    leaf,
                },
                Message::ServerKeyExchange { share, signature },
            ) => {
                let mut signed = self.random.to_vec();
                signed.extend_from_slice(&server_random);
                signed.extend_from_slice(&share);
                self.io.ops.rsa_public += 1;
                if !verify(leaf, &signed, &signature) {
                    return self.io.fail(
                        Alert::DecryptError,
                        "ServerKeyExchange signature does not verify",
                    );
                }
                self.io.transcript.add(bytes);
                Some(S::ExpectServerHelloDone {
                    server_random,
                    leaf,
                    server_share: Some(share),
                })
            }
            (
                S::ExpectServerHelloDone {
                    server_random,
                    leaf,
                    server_share,
                },
                Message::ServerHelloDone,
            ) => {
                self.io.transcript.add(bytes);
                let (kx, premaster) = match server_share {
                    Some(share) => {
                        if !self.cfg.versions.contains(&Version::Tls13) {
                            self.io.ops.ecdhe_keygen += 1;
                        }
                        self.io.ops.ecdhe_derive += 1;
                        (self.share.clone(), dh_shared(&self.share, &share).to_vec())
                    }
                    None => {
                        // RFC 5246 §7.4.7.1: version, then 46 random bytes.
                        let mut pm = vec![3, 3];
                        pm.extend_from_slice(
                            &sha256(&[&self.random[..], b"premaster"].concat())[..23],
                        );
                        pm.extend_from_slice(
                            &sha256(&[&self.share[..], b"premaster"].concat())[..23],
                        );
                        self.io.ops.rsa_public += 1;
                        (seal(leaf, &pm), pm)
                    }
                };
                self.io
                    .send(&Message::ClientKeyExchange(kx), Version::Tls12);
                let master = if self.s12.ems {
                    extended_master12(&premaster, &self.io.transcript.hash())
                } else {
                    master12(&premaster, &self.random, &server_random)
                };
                let (cw, sw) = TrafficKeys::tls12(&master, &self.random, &server_random);
                self.io.write_at_ccs = Some(cw);
                self.io.read_at_ccs = Some(sw);
                self.io.send_ccs();
                let vd = finished12(&master, true, &self.io.transcript.hash());
                self.io.send(&Message::Finished(vd), Version::Tls12);
                Some(S::ExpectChangeCipherSpec { master })
            }
            (S::ExpectChangeCipherSpec { master }, Message::NewSessionTicket { ticket, .. })
                if self.s12.ticket && self.s12.ticket_bytes.is_none() =>
            {
                self.io.transcript.add(bytes);
                self.s12.ticket_bytes = Some(ticket);
                Some(S::ExpectChangeCipherSpec { master })
            }
            (S::ExpectFinished12 { master }, Message::Finished(vd)) => {
                if vd != finished12(&master, false, &self.io.transcript.hash()) {
                    return self.io.fail(
                        Alert::DecryptError,
                        "the server's Finished does not match our transcript",
                    );
                }
                self.io.transcript.add(bytes);
                if self.s12.resumed {
                    // Abbreviated handshake: the client's Finished comes
                    // last (RFC 5246 §7.3, figure 2).
                    self.io.send_ccs();
                    let mine = finished12(&master, true, &self.io.transcript.hash());
                    self.io.send(&Message::Finished(mine), Version::Tls12);
                } else if let Some(suite) = self.suite
                    && (!self.s12.id.is_empty() || self.s12.ticket_bytes.is_some())
                {
                    let id = if self.s12.id.is_empty() {
                        // RFC 5077 §3.4: a ticket session gets an id the
                        // client makes up, to recognise a resumption.
                        sha256(&[&self.random[..], b"ticket session"].concat()).to_vec()
                    } else {
                        self.s12.id.clone()
                    };
                    self.io.events.push_back(Event::NewSession(ClientSession {
                        id,
                        ticket: self.s12.ticket_bytes.clone(),
                        master: master.clone(),
                        suite,
                        ems: self.s12.ems,
                    }));
                }
                self.established()
            }
            (_, m) => self.io.fail(
                Alert::UnexpectedMessage,
                format!("{} in this state", m.name()),
            ),
        }
    }

    fn established(&mut self) -> Option<ClientState> {
        let (Some(version), Some(suite)) = (self.io.version, self.suite) else {
            return self.io.fail(Alert::InternalError, "no version or suite");
        };
        self.io
            .events
            .push_back(Event::Established { version, suite });
        Some(ClientState::Connected)
    }

    /// Validates the server's chain; returns the leaf's key.
    fn check_chain(&mut self, chain: &[Certificate]) -> Option<KeyId> {
        // One signature check per certificate sent.
        self.io.ops.rsa_public += chain.len() as u32;
        let c = &self.cfg;
        match validate(chain, &c.server_name, c.now_unix, &c.trust, &c.revoked) {
            Ok(()) => {}
            Err(e) if self.cfg.accept_untrusted && !matches!(e, CertError::Empty) => {
                self.io.events.push_back(Event::UntrustedAccepted(e));
            }
            Err(e) => {
                let alert = e.alert();
                return self.io.fail(alert, e.to_string());
            }
        }
        chain.first().map(|l| l.key)
    }

    /// RFC 8446 §4.1.4: answer a HelloRetryRequest with a second
    /// ClientHello carrying a share in the group asked for, after folding
    /// the first ClientHello into a message_hash (§4.4.1).
    fn hello_retry(&mut self, bytes: &[u8], suite: u16, group: u16) -> Option<ClientState> {
        if self.retry_suite.is_some() {
            return self
                .io
                .fail(Alert::UnexpectedMessage, "a second HelloRetryRequest");
        }
        let offered = self
            .cfg
            .suites
            .iter()
            .any(|s| s.code() == suite && s.version() == Version::Tls13);
        if !self.cfg.versions.contains(&Version::Tls13) || !offered {
            return self.io.fail(
                Alert::IllegalParameter,
                format!(
                    "HelloRetryRequest names suite {suite:#06x} which we did not offer in TLS 1.3"
                ),
            );
        }
        let wanted = Group::from_code(group).filter(|g| self.cfg.groups.contains(g));
        let Some(wanted) =
            wanted.filter(|g| self.share13.as_ref().is_none_or(|(sent, _)| sent != g))
        else {
            return self.io.fail(
                Alert::IllegalParameter,
                format!("HelloRetryRequest asks for group {group:#06x}, which we did not offer or already sent"),
            );
        };
        self.retry_suite = Some(suite);
        self.io.transcript.replace_with_message_hash();
        self.io.transcript.add(bytes);
        let share = key_share(&self.ephemeral, wanted);
        self.io.ops.ecdhe_keygen += 1;
        self.hello.key_share = Some((wanted.code(), share.clone()));
        self.share13 = Some((wanted, share));
        // RFC 8446 §4.1.2: the second hello drops early_data (the server
        // skipped what was sent), keeps the PSK with a binder over the new
        // transcript.
        self.hello.early_data = false;
        if self.early == EarlyState::Offered {
            self.early = EarlyState::Rejected;
            self.io.out.push_back(Output::Early(Early::Rejected));
            self.io
                .events
                .push_back(Event::EarlyData { accepted: false });
        }
        self.send_hello();
        Some(ClientState::ExpectServerHello)
    }

    fn server_hello(&mut self, bytes: &[u8], sh: ServerHello) -> Option<ClientState> {
        if !self.cfg.versions.contains(&sh.version) {
            return self.io.fail(
                Alert::ProtocolVersion,
                format!("server chose TLS {} which we did not offer", sh.version),
            );
        }
        let offered = self
            .cfg
            .suites
            .iter()
            .copied()
            .find(|s| s.code() == sh.suite);
        let Some(suite) = offered.filter(|s| s.version() == sh.version) else {
            return self.io.fail(
                Alert::IllegalParameter,
                format!(
                    "server chose suite {:#06x} which we did not offer",
                    sh.suite
                ),
            );
        };
        if self.cfg.refuse_weak && suite.is_weak() {
            return self.io.fail(
                Alert::InsufficientSecurity,
                format!("{suite} is refused by policy"),
            );
        }
        // RFC 8446 §4.1.3: a client that offered TLS 1.3 and gets TLS 1.2
        // from a server whose random carries the sentinel is being
        // downgraded by someone in between.
        if sh.version == Version::Tls12
            && self.cfg.versions.contains(&Version::Tls13)
            && sh.random[24..] == DOWNGRADE_SENTINEL_12
        {
            return self.io.fail(
                Alert::IllegalParameter,
                "downgrade sentinel in ServerHello.random: a TLS 1.3 server was forced to TLS 1.2",
            );
        }
        // RFC 8446 §4.1.4: the suite after a HelloRetryRequest is the one
        // it named.
        if self.retry_suite.is_some_and(|s| s != sh.suite) {
            return self.io.fail(
                Alert::IllegalParameter,
                "ServerHello suite differs from the HelloRetryRequest's",
            );
        }
        self.io.version = Some(sh.version);
        self.suite = Some(suite);
        self.io.transcript.add(bytes);
        match sh.version {
            Version::Tls13 => {
                let ours = self.share13.clone();
                let (Some((group, theirs)), Some((sent, mine))) = (sh.key_share, ours) else {
                    return self.io.fail(
                        Alert::IllegalParameter,
                        "TLS 1.3 ServerHello without a key share",
                    );
                };
                if group != sent.code() {
                    return self.io.fail(
                        Alert::IllegalParameter,
                        "ServerHello key share is not in the group we sent",
                    );
                }
                // RFC 8446 §4.2.11: the server selects the one PSK we
                // offered, or none (a full handshake).
                let resumed = match sh.psk {
                    None => false,
                    Some(0) if self.ticket.as_ref().is_some_and(|t| t.suite == suite) => true,
                    Some(i) => {
                        return self.io.fail(
                            Alert::IllegalParameter,
                            format!("ServerHello selects PSK {i}, which we did not offer"),
                        );
                    }
                };
                if !resumed {
                    self.io.early13 = early_secret13(None);
                } else {
                    self.io.events.push_back(Event::Resumed);
                }
                self.io.ops.ecdhe_derive += 1;
                let shared = dh_shared(&mine, &theirs);
                let (c_hs, s_hs, master) =
                    handshake_secrets13(&self.io.early13, &shared, &self.io.transcript.hash());
                self.io.master13 = master;
                // From here both directions are protected with the
                // handshake keys, the client's alerts included (RFC 8446
                // §2: everything after ServerHello is encrypted), except
                // that a client sending early data keeps the early keys
                // until EndOfEarlyData (§4.5).
                self.io
                    .out
                    .push_back(Output::ReadKeys(TrafficKeys::tls13(&s_hs)));
                self.hs_keys_deferred = self.early == EarlyState::Offered;
                if !self.hs_keys_deferred {
                    self.io
                        .out
                        .push_back(Output::WriteKeys(TrafficKeys::tls13(&c_hs)));
                }
                Some(ClientState::ExpectEncryptedExtensions {
                    c_hs,
                    s_hs,
                    resumed,
                })
            }
            Version::Tls12 if self.resuming(&sh) => {
                let Some(r) = self.cfg.resume.clone() else {
                    return self.io.fail(Alert::InternalError, "no session");
                };
                // RFC 5246 §7.4.1.3: a resumed session keeps its suite;
                // RFC 7627 §5.3: and its kind of master secret.
                if r.suite.code() != sh.suite {
                    return self
                        .io
                        .fail(Alert::IllegalParameter, "resumption with another suite");
                }
                if r.ems != sh.ems {
                    return self.io.fail(
                        Alert::HandshakeFailure,
                        "resumption changes the extended master secret",
                    );
                }
                self.s12.resumed = true;
                self.s12.ticket = sh.ticket_ack;
                self.io.events.push_back(Event::Resumed);
                let (cw, sw) = TrafficKeys::tls12(&r.master, &self.random, &sh.random);
                self.io.write_at_ccs = Some(cw);
                self.io.read_at_ccs = Some(sw);
                Some(ClientState::ExpectChangeCipherSpec { master: r.master })
            }
            Version::Tls12 => {
                if sh.ems && !self.hello.ems {
                    return self.io.fail(
                        Alert::IllegalParameter,
                        "extended_master_secret we did not offer",
                    );
                }
                self.s12.id = sh.session_id.clone();
                self.s12.ems = sh.ems;
                self.s12.ticket = sh.ticket_ack;
                Some(ClientState::ExpectCertificate12 {
                    server_random: sh.random,
                })
            }
        }
    }

    /// True when a TLS 1.2 ServerHello accepts the session we offered:
    /// it echoes our id (RFC 5246 §7.4.1.3, RFC 5077 §3.4).
    fn resuming(&self, sh: &ServerHello) -> bool {
        self.cfg.resume.is_some()
            && !sh.session_id.is_empty()
            && sh.session_id == self.hello.session_id
    }
}

#[derive(Debug)]
enum ServerState {
    ExpectClientHello,
    /// After a HelloRetryRequest for this group.
    ExpectSecondClientHello {
        group: Group,
    },
    ExpectEndOfEarlyData {
        c_hs: Hash,
        c_ap: TrafficKeys,
    },
    ExpectFinished13 {
        c_hs: Hash,
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
        Server {
            cfg,
            random,
            ephemeral,
            retried: false,
            s12: Session12::default(),
            share: ephemeral.to_vec(),
            suite: None,
            state: ServerState::ExpectClientHello,
            io: Io::default(),
        }
    }

    shared_api!(ServerState);

    fn step(&mut self, state: ServerState, bytes: &[u8], msg: Message) -> Option<ServerState> {
        use ServerState as S;
        match (state, msg) {
            (S::ExpectClientHello, Message::ClientHello(ch)) => self.client_hello(bytes, ch),
            (S::ExpectSecondClientHello { group }, Message::ClientHello(ch)) => {
                // RFC 8446 §4.1.4: the share must be in the group we asked for.
                if ch.key_share.as_ref().map(|(g, _)| *g) != Some(group.code()) {
                    return self.io.fail(
                        Alert::IllegalParameter,
                        "second ClientHello without a share in the group we asked for",
                    );
                }
                self.client_hello(bytes, ch)
            }
            (S::ExpectEndOfEarlyData { c_hs, c_ap }, Message::EndOfEarlyData) => {
                self.io.transcript.add(bytes);
                self.io
                    .out
                    .push_back(Output::ReadKeys(TrafficKeys::tls13(&c_hs)));
                self.io.out.push_back(Output::Early(Early::End));
                Some(S::ExpectFinished13 { c_hs, c_ap })
            }
            (S::ExpectFinished13 { c_hs, c_ap }, Message::Finished(vd)) => {
                if vd != finished13(&c_hs, &self.io.transcript.hash()) {
                    return self.io.fail(
                        Alert::DecryptError,
                        "the client's Finished does not match our transcript",
                    );
                }
                self.io.transcript.add(bytes);
                self.io.out.push_back(Output::ReadKeys(c_ap));
                self.issue_ticket13();
                self.established()
            }
            (
                S::ExpectClientKeyExchange {
                    client_random,
                    server_random,
                },
                Message::ClientKeyExchange(kx),
            ) => {
                self.io.transcript.add(bytes);
                let premaster = match self.suite.map(Suite::key_exchange) {
                    Some(KeyExchange::EcdheRsa) => {
                        self.io.ops.ecdhe_derive += 1;
                        dh_shared(&self.share, &kx).to_vec()
                    }
                    // RFC 5246 §7.4.7.1: a premaster that does not decrypt
                    // is replaced by random bytes, so the failure shows only
                    // at Finished (no Bleichenbacher oracle).
                    _ => {
                        self.io.ops.rsa_private += 1;
                        open(self.cfg.key, &kx).unwrap_or_else(|| sha256(&self.random).to_vec())
                    }
                };
                let master = if self.s12.ems {
                    extended_master12(&premaster, &self.io.transcript.hash())
                } else {
                    master12(&premaster, &client_random, &server_random)
                };
                let (cw, sw) = TrafficKeys::tls12(&master, &client_random, &server_random);
                self.io.read_at_ccs = Some(cw);
                self.io.write_at_ccs = Some(sw);
                Some(S::ExpectChangeCipherSpec { master })
            }
            (S::ExpectFinished12 { master }, Message::Finished(vd)) => {
                if vd != finished12(&master, true, &self.io.transcript.hash()) {
                    return self.io.fail(
                        Alert::DecryptError,
                        "the client's Finished does not match our transcript",
                    );
                }
                self.io.transcript.add(bytes);
                if !self.s12.resumed {
                    self.store_session(&master);
                    self.io.send_ccs();
                    let mine = finished12(&master, false, &self.io.transcript.hash());
                    self.io.send(&Message::Finished(mine), Version::Tls12);
                }
                self.established()
            }
            (_, m) => self.io.fail(
                Alert::UnexpectedMessage,
                format!("{} in this state", m.name()),
            ),
        }
    }

    fn established(&mut self) -> Option<ServerState> {
        let (Some(version), Some(suite)) = (self.io.version, self.suite) else {
            return self.io.fail(Alert::InternalError, "no version or suite");
        };
        self.io
            .events
            .push_back(Event::Established { version, suite });
        Some(ServerState::Connected)
    }

    /// After a TLS 1.3 handshake, with a ticket key: one ticket whose PSK
    /// derives from the resumption master secret (RFC 8446 §4.6.1), sent
    /// under the application keys.
    fn issue_ticket13(&mut self) {
        let (Some(key), Some(suite)) = (self.cfg.ticket_key, self.suite) else {
            return;
        };
        let res = derive_secret(&self.io.master13, "res master", &self.io.transcript.hash());
        let nonce = vec![0];
        let session = ServerSession {
            master: ticket_psk(&res, &nonce).to_vec(),
            suite,
            ems: false,
            early_data: self.cfg.max_early_data > 0,
        };
        let seed = sha256(&[&self.random[..], b"ticket13"].concat());
        let iv: [u8; 16] = seed[..16].try_into().expect("16 bytes");
        let age_add = u32::from_be_bytes(seed[16..20].try_into().expect("4 bytes"));
        let nst = Message::NewSessionTicket13 {
            lifetime: 7200,
            age_add,
            nonce,
            ticket: seal_ticket(&key, &iv, &session),
            max_early_data: (self.cfg.max_early_data > 0).then_some(self.cfg.max_early_data),
        };
        self.io.send(&nst, Version::Tls13);
    }

    /// The session a TLS 1.3 ClientHello's PSK resumes, if its ticket
    /// opens under our key and its suite is one we take; `Err` after
    /// failing the handshake (a PSK without psk_key_exchange_modes, a
    /// binder that does not verify: RFC 8446 §4.2.9, §4.2.11).
    fn accept_psk(&mut self, bytes: &[u8], ch: &ClientHello) -> Result<Option<ServerSession>, ()> {
        let Some(offer) = &ch.psk else {
            return Ok(None);
        };
        if ch.psk_modes.is_empty() {
            self.io.fail::<()>(
                Alert::MissingExtension,
                "pre_shared_key without psk_key_exchange_modes",
            );
            return Err(());
        }
        let session = match (&self.cfg.ticket_key, ch.psk_modes.contains(&PSK_DHE_KE)) {
            (Some(key), true) => open_ticket(key, &offer.identity),
            _ => None,
        };
        // A ticket we cannot open, or for a suite we would not use now,
        // means a full handshake (RFC 8446 §4.2.11: the server may ignore
        // the PSK).
        let Some(session) = session.filter(|s| {
            s.suite.version() == Version::Tls13
                && self.cfg.suites.contains(&s.suite)
                && ch.suites.contains(&s.suite.code())
        }) else {
            return Ok(None);
        };
        let psk: [u8; 32] = session.master[..].try_into().map_err(|_| ())?;
        let early = early_secret13(Some(&psk));
        let mut partial = self.io.transcript.clone();
        partial.add(&bytes[..bytes.len() - ch.binders_len()]);
        if psk_binder(&early, &partial.hash()).as_slice() != offer.binder {
            self.io
                .fail::<()>(Alert::DecryptError, "the PSK binder does not verify");
            return Err(());
        }
        self.io.early13 = early;
        Ok(Some(session))
    }

    /// After a full handshake: cache the session, and send a ticket if one
    /// is owed (RFC 5077 §3.1: NewSessionTicket before ChangeCipherSpec).
    fn store_session(&mut self, master: &[u8]) {
        let Some(suite) = self.suite else { return };
        let session = ServerSession {
            master: master.to_vec(),
            suite,
            ems: self.s12.ems,
            early_data: false,
        };
        if let Some(cache) = &self.cfg.sessions
            && !self.s12.id.is_empty()
        {
            cache.put(self.s12.id.clone(), session.clone());
        }
        if self.s12.ticket
            && let Some(key) = &self.cfg.ticket_key
        {
            let nonce: [u8; 16] = sha256(&[&self.random[..], b"ticket iv"].concat())[..16]
                .try_into()
                .expect("16 bytes");
            let ticket = seal_ticket(key, &nonce, &session);
            self.io.send(
                &Message::NewSessionTicket {
                    lifetime: 7200,
                    ticket,
                },
                Version::Tls12,
            );
        }
    }

    /// The session a TLS 1.2 ClientHello may resume: by ticket first, else
    /// by id; only with the same suite offered, and never across a change
    /// of master-secret kind (RFC 7627 §5.3).
    fn resumable(&self, ch: &ClientHello) -> Option<ServerSession> {
        let from_ticket = match (&ch.ticket, &self.cfg.ticket_key) {
            (Some(t), Some(key)) if !t.is_empty() => open_ticket(key, t),
            _ => None,
        };
        let from_id = || {
            let cache = self.cfg.sessions.as_ref()?;
            (!ch.session_id.is_empty()).then(|| cache.get(&ch.session_id))?
        };
        from_ticket
            .or_else(from_id)
            .filter(|s| ch.suites.contains(&s.suite.code()) && self.cfg.suites.contains(&s.suite))
            .filter(|s| s.ems == ch.ems)
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
            .push_back(Event::EarlyData { accepted: false });
    }

    fn client_hello(&mut self, bytes: &[u8], ch: ClientHello) -> Option<ServerState> {
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
        let client_share = match version {
            Version::Tls13 => {
                let sent = ch
                    .key_share
                    .as_ref()
                    .and_then(|(g, k)| Some((Group::from_code(*g)?, k.clone())))
                    .filter(|(g, _)| self.cfg.groups.contains(g));
                if sent.is_none() {
                    // RFC 8446 §4.1.4: no usable share, but maybe a group in
                    // common: ask for a share in our favourite of those.
                    let common = self
                        .cfg
                        .groups
                        .iter()
                        .copied()
                        .find(|g| ch.groups.contains(&g.code()));
                    return match common {
                        Some(group) if !self.retried => {
                            self.retried = true;
                            // RFC 8446 §4.2.10: early data is skipped.
                            if ch.early_data {
                                self.skip_early_data();
                            }
                            self.io.transcript.add(bytes);
                            self.io.transcript.replace_with_message_hash();
                            let hrr = Message::HelloRetryRequest {
                                suite: suite.code(),
                                group: group.code(),
                            };
                            self.io.send(&hrr, Version::Tls13);
                            Some(ServerState::ExpectSecondClientHello { group })
                        }
                        _ => self
                            .io
                            .fail(Alert::HandshakeFailure, "no key-exchange group in common"),
                    };
                }
                sent
            }
            Version::Tls12 => None,
        };
        let resumed13 = match version {
            Version::Tls13 => self.accept_psk(bytes, &ch).ok()?,
            Version::Tls12 => None,
        };
        let suite = resumed13.as_ref().map_or(suite, |s| s.suite);
        if resumed13.is_some() {
            self.io.events.push_back(Event::Resumed);
        } else {
            self.io.early13 = early_secret13(None);
        }
        // RFC 8446 §4.2.10: early data only with the first PSK, the
        // ticket's suite and a ticket that allows it, and only if we want
        // it now.
        let accept_early = ch.early_data
            && !self.retried
            && self.cfg.accept_early_data
            && self.cfg.max_early_data > 0
            && resumed13.as_ref().is_some_and(|s| s.early_data);
        if accept_early {
            self.io
                .events
                .push_back(Event::EarlyData { accepted: true });
        } else if ch.early_data {
            self.skip_early_data();
        }
        self.io.version = Some(version);
        self.suite = Some(suite);
        self.io.transcript.add(bytes);
        let hello_hash = self.io.transcript.hash();
        let mut random = self.random;
        if version == Version::Tls12 && self.cfg.versions.contains(&Version::Tls13) {
            random[24..].copy_from_slice(&DOWNGRADE_SENTINEL_12);
        }
        if version == Version::Tls12
            && let Some(session) = self.resumable(&ch)
        {
            // Abbreviated handshake (RFC 5246 §7.3): echo the id, then
            // ChangeCipherSpec and Finished at once.
            self.suite = Some(session.suite);
            self.s12.resumed = true;
            self.s12.ems = session.ems;
            self.io.events.push_back(Event::Resumed);
            let sh = ServerHello {
                random,
                suite: session.suite.code(),
                version,
                key_share: None,
                session_id: ch.session_id.clone(),
                ticket_ack: false,
                ems: session.ems,
                psk: None,
            };
            self.io.send(&Message::ServerHello(sh), version);
            let (cw, sw) = TrafficKeys::tls12(&session.master, &ch.random, &random);
            self.io.read_at_ccs = Some(cw);
            self.io.write_at_ccs = Some(sw);
            self.io.send_ccs();
            let vd = finished12(&session.master, false, &self.io.transcript.hash());
            self.io.send(&Message::Finished(vd), version);
            return Some(ServerState::ExpectChangeCipherSpec {
                master: session.master,
            });
        }
        if version == Version::Tls12 {
            self.s12.ems = ch.ems;
            self.s12.ticket = ch.ticket.is_some() && self.cfg.ticket_key.is_some();
            if self.cfg.sessions.is_some() {
                self.s12.id = sha256(&[&random[..], b"session id"].concat()).to_vec();
            }
        }
        let sh = ServerHello {
            random,
            suite: suite.code(),
            version,
            session_id: match version {
                Version::Tls12 => self.s12.id.clone(),
                // RFC 8446 §4.1.3: legacy_session_id_echo.
                Version::Tls13 => ch.session_id.clone(),
            },
            ticket_ack: self.s12.ticket,
            ems: self.s12.ems,
            psk: resumed13.as_ref().map(|_| 0),
            key_share: client_share
                .as_ref()
                .map(|(g, _)| (g.code(), key_share(&self.ephemeral, *g))),
        };
        self.io.send(&Message::ServerHello(sh), version);
        match version {
            Version::Tls13 => {
                let (group, theirs) = client_share.unwrap_or((Group::X25519, Vec::new()));
                self.io.ops.ecdhe_keygen += 1;
                self.io.ops.ecdhe_derive += 1;
                let shared = dh_shared(&key_share(&self.ephemeral, group), &theirs);
                let (c_hs, s_hs, master) =
                    handshake_secrets13(&self.io.early13, &shared, &self.io.transcript.hash());
                self.io.master13 = master;
                self.io
                    .out
                    .push_back(Output::WriteKeys(TrafficKeys::tls13(&s_hs)));
                let ee = Message::EncryptedExtensions {
                    early_data: accept_early,
                };
                self.io.send(&ee, version);
                // A PSK authenticates the server: no certificate (RFC 8446
                // §2.2).
                if resumed13.is_none() {
                    self.io.ops.rsa_private += 1; // CertificateVerify
                    let cert = self.cfg.certificate_cache.encoded(&self.cfg.chain, version);
                    self.io.send_encoded("Certificate", cert);
                    let content = cert_verify_content(&self.io.transcript.hash());
                    self.io.send(
                        &Message::CertificateVerify(sign(self.cfg.key, &content)),
                        version,
                    );
                }
                let vd = finished13(&s_hs, &self.io.transcript.hash());
                self.io.send(&Message::Finished(vd.to_vec()), version);
                // The server may send from here on (RFC 8446 §2: 0.5-RTT
                // data); the client's Finished still comes under c_hs.
                let (c_ap, s_ap) = application_keys13(&master, &self.io.transcript.hash());
                self.io.out.push_back(Output::WriteKeys(s_ap));
                self.io.out.push_back(Output::WriteOpen);
                if accept_early {
                    let c_e = derive_secret(&self.io.early13, "c e traffic", &hello_hash);
                    self.io
                        .out
                        .push_back(Output::ReadKeys(TrafficKeys::tls13(&c_e)));
                    self.io.out.push_back(Output::Early(Early::Accept));
                    return Some(ServerState::ExpectEndOfEarlyData { c_hs, c_ap });
                }
                self.io
                    .out
                    .push_back(Output::ReadKeys(TrafficKeys::tls13(&c_hs)));
                Some(ServerState::ExpectFinished13 { c_hs, c_ap })
            }
            Version::Tls12 => {
                let cert = self.cfg.certificate_cache.encoded(&self.cfg.chain, version);
                self.io.send_encoded("Certificate", cert);
                if suite.key_exchange() == KeyExchange::EcdheRsa {
                    let mut signed = ch.random.to_vec();
                    signed.extend_from_slice(&random);
                    signed.extend_from_slice(&self.share);
                    self.io.ops.ecdhe_keygen += 1;
                    self.io.ops.rsa_private += 1;
                    let ske = Message::ServerKeyExchange {
                        share: self.share.clone(),
                        signature: sign(self.cfg.key, &signed),
                    };
                    self.io.send(&ske, version);
                }
                self.io.send(&Message::ServerHelloDone, version);
                Some(ServerState::ExpectClientKeyExchange {
                    client_random: ch.random,
                    server_random: random,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::DemoPki;
    use crate::session::SessionCache;

    const NOW: i64 = 1_700_000_000;
    const YEAR: i64 = 365 * 86_400;

    fn cert(subject: &str, issuer: &str, key: u32, signed_by: u32, ca: bool) -> Certificate {
        crate::pki::certificate(subject, issuer, key, signed_by, ca, NOW)
    }

    fn configs(versions: &[Version], suites: &[Suite]) -> (ClientConfig, ServerConfig) {
        let pki = DemoPki::new("www.example.com", NOW);
        (pki.client(versions, suites), pki.server(versions, suites))
    }

    /// What crossed the wire, as "C>ClientHello", "S>CCS", "C>alert:..." lines.
    struct Run {
        wire: Vec<String>,
        client: Vec<Event>,
        server: Vec<Event>,
        client_up: bool,
        server_up: bool,
        ops: (PkOps, PkOps),
    }

    /// Runs a handshake to quiescence; `tamper(from_client, name, bytes)` may
    /// change any handshake message in flight.
    fn run(c: ClientConfig, s: ServerConfig, tamper: impl FnMut(bool, &str, &mut Vec<u8>)) -> Run {
        run_seeded(0, c, s, tamper)
    }

    /// A run whose randoms depend on `seed`, for tests that need several
    /// distinct connections (fresh randoms give fresh session ids).
    fn run_seeded(
        seed: u8,
        c: ClientConfig,
        s: ServerConfig,
        mut tamper: impl FnMut(bool, &str, &mut Vec<u8>),
    ) -> Run {
        let mut client = Client::new(c, [7 + seed; 32], [8 + seed; 32]);
        let mut server = Server::new(s, [100 + seed; 32], [200 + seed; 32]);
        let mut wire = Vec::new();
        for _ in 0..20 {
            let mut moved = false;
            while let Some(o) = client.poll_output() {
                moved = true;
                deliver(true, o, &mut wire, &mut tamper, |i| server.handle(i));
            }
            while let Some(o) = server.poll_output() {
                moved = true;
                deliver(false, o, &mut wire, &mut tamper, |i| client.handle(i));
            }
            if !moved {
                break;
            }
        }
        Run {
            wire,
            client: std::iter::from_fn(|| client.poll_event()).collect(),
            server: std::iter::from_fn(|| server.poll_event()).collect(),
            client_up: client.is_established(),
            server_up: server.is_established(),
            ops: (client.pk_ops(), server.pk_ops()),
        }
    }

    fn deliver(
        from_client: bool,
        o: Output,
        wire: &mut Vec<String>,
        tamper: &mut impl FnMut(bool, &str, &mut Vec<u8>),
        mut to: impl FnMut(Input<'_>),
    ) {
        let who = if from_client { "C" } else { "S" };
        match o {
            Output::Handshake(name, mut bytes) => {
                tamper(from_client, name, &mut bytes);
                wire.push(format!("{who}>{name}"));
                to(Input::Handshake(&bytes));
            }
            Output::ChangeCipherSpec => {
                wire.push(format!("{who}>CCS"));
                to(Input::ChangeCipherSpec);
            }
            Output::Alert(a) => {
                wire.push(format!("{who}>alert:{}", a.name()));
                to(Input::Alert(a));
            }
            Output::WriteKeys(_) | Output::ReadKeys(_) | Output::Early(_) | Output::WriteOpen => {}
        }
    }

    /// A change to the test configurations.
    type Change = fn(&mut ClientConfig, &mut ServerConfig);

    fn no_tamper(_: bool, _: &str, _: &mut Vec<u8>) {}

    fn alert_sent(events: &[Event]) -> Option<Alert> {
        events.iter().find_map(|e| match e {
            Event::AlertSent(a, _) => Some(*a),
            _ => None,
        })
    }

    #[test]
    fn tls13_one_rtt_flight_order() {
        let (c, s) = configs(
            &[Version::Tls13, Version::Tls12],
            &[Suite::TLS_AES_128_GCM_SHA256],
        );
        let r = run(c, s, no_tamper);
        assert_eq!(
            r.wire,
            [
                "C>ClientHello",
                "S>ServerHello",
                "S>EncryptedExtensions",
                "S>Certificate",
                "S>CertificateVerify",
                "S>Finished",
                "C>Finished"
            ]
        );
        let up = Event::Established {
            version: Version::Tls13,
            suite: Suite::TLS_AES_128_GCM_SHA256,
        };
        assert_eq!(r.client, std::slice::from_ref(&up));
        assert_eq!(r.server, [up]);
        assert!(r.client_up && r.server_up);
    }

    #[test]
    fn tls12_rsa_and_ecdhe_flights() {
        let (c, s) = configs(&[Version::Tls12], &[Suite::TLS_RSA_WITH_AES_128_GCM_SHA256]);
        let r = run(c, s, no_tamper);
        assert_eq!(
            r.wire,
            [
                "C>ClientHello",
                "S>ServerHello",
                "S>Certificate",
                "S>ServerHelloDone",
                "C>ClientKeyExchange",
                "C>CCS",
                "C>Finished",
                "S>CCS",
                "S>Finished"
            ]
        );
        assert!(r.client_up && r.server_up);

        let (c, s) = configs(
            &[Version::Tls12],
            &[Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256],
        );
        let r = run(c, s, no_tamper);
        assert_eq!(r.wire[3], "S>ServerKeyExchange");
        assert_eq!(r.wire.len(), 10);
        assert!(r.client_up && r.server_up);
    }

    #[test]
    fn every_suite_completes_in_its_version() {
        for suite in Suite::ALL {
            let (c, s) = configs(&[suite.version()], &[suite]);
            let r = run(c, s, no_tamper);
            assert!(r.client_up && r.server_up, "{suite}: {:?}", r.wire);
            assert_eq!(
                r.client,
                [Event::Established {
                    version: suite.version(),
                    suite
                }]
            );
        }
    }

    #[test]
    fn the_server_picks_its_own_preference_and_the_highest_version() {
        let (mut c, mut s) = configs(
            &[Version::Tls13, Version::Tls12],
            &[Suite::TLS_AES_128_GCM_SHA256, Suite::TLS_AES_256_GCM_SHA384],
        );
        c.suites.push(Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
        s.suites = vec![
            Suite::TLS_AES_256_GCM_SHA384,
            Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ];
        let r = run(c.clone(), s.clone(), no_tamper);
        assert_eq!(
            r.server,
            [Event::Established {
                version: Version::Tls13,
                suite: Suite::TLS_AES_256_GCM_SHA384
            }]
        );
        // A TLS 1.2-only server falls back.
        s.versions = vec![Version::Tls12];
        let r = run(c, s, no_tamper);
        assert_eq!(
            r.client,
            [Event::Established {
                version: Version::Tls12,
                suite: Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
            }]
        );
    }

    #[test]
    fn no_common_suite_or_version_is_refused() {
        let (c, mut s) = configs(&[Version::Tls12], &[Suite::TLS_RSA_WITH_AES_128_CBC_SHA]);
        s.suites = vec![Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256];
        let r = run(c, s, no_tamper);
        assert_eq!(r.wire, ["C>ClientHello", "S>alert:handshake_failure"]);
        assert_eq!(r.client, [Event::AlertReceived(Alert::HandshakeFailure)]);
        assert!(!r.client_up && !r.server_up);

        let (c, mut s) = configs(&[Version::Tls12], &[Suite::TLS_RSA_WITH_AES_128_CBC_SHA]);
        s.versions = vec![Version::Tls13];
        let r = run(c, s, no_tamper);
        assert_eq!(r.wire, ["C>ClientHello", "S>alert:protocol_version"]);
    }

    #[test]
    fn certificate_failures_send_the_rfc_alerts() {
        let cases: [(&str, Change, Alert); 5] = [
            (
                "untrusted root",
                |c, _| c.trust = TrustStore::new(),
                Alert::UnknownCa,
            ),
            (
                "expired",
                |c, _| c.now_unix = NOW + 2 * YEAR,
                Alert::CertificateExpired,
            ),
            (
                "wrong name",
                |c, _| c.server_name = "evil.example.net".into(),
                Alert::BadCertificate,
            ),
            (
                "revoked",
                |c, _| c.revoked.revoke("Demo Intermediate CA", 3),
                Alert::CertificateRevoked,
            ),
            (
                "self-signed",
                |_, s| {
                    s.chain = vec![cert("www.example.com", "www.example.com", 3, 3, false)];
                },
                Alert::UnknownCa,
            ),
        ];
        for version in [Version::Tls13, Version::Tls12] {
            let suite = if version == Version::Tls13 {
                Suite::TLS_AES_128_GCM_SHA256
            } else {
                Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
            };
            for (what, change, alert) in cases {
                let (mut c, mut s) = configs(&[version], &[suite]);
                change(&mut c, &mut s);
                let r = run(c, s, no_tamper);
                assert_eq!(
                    alert_sent(&r.client),
                    Some(alert),
                    "{what} in TLS {version}"
                );
                assert_eq!(r.server, [Event::AlertReceived(alert)], "{what}");
                assert_eq!(r.wire.last().unwrap(), &format!("C>alert:{}", alert.name()));
                assert!(!r.client_up && !r.server_up);
            }
        }
    }

    #[test]
    fn accept_untrusted_goes_on_and_says_so() {
        let (mut c, s) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
        c.trust = TrustStore::new();
        c.accept_untrusted = true;
        let r = run(c, s, no_tamper);
        assert!(r.client_up && r.server_up);
        assert!(matches!(
            r.client[0],
            Event::UntrustedAccepted(CertError::UnknownIssuer { .. })
        ));
    }

    /// An attacker rewrites the ClientHello's supported_versions so a TLS
    /// 1.3 server picks TLS 1.2; the sentinel stops the client at the
    /// ServerHello, before it sends anything under the weaker version.
    #[test]
    fn the_downgrade_sentinel_catches_a_version_rollback() {
        let both = [Version::Tls13, Version::Tls12];
        let suites = [
            Suite::TLS_AES_128_GCM_SHA256,
            Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ];
        let (c, s) = configs(&both, &suites);
        let r = run(c, s, |from_client, name, bytes| {
            if from_client && name == "ClientHello" {
                // supported_versions: 00 2b, length 00 05, list 04 03 04 03 03.
                let at = bytes
                    .windows(4)
                    .position(|w| w == [0x00, 0x2b, 0x00, 0x05])
                    .unwrap();
                bytes[at + 5..at + 7].copy_from_slice(&[3, 3]);
            }
        });
        assert_eq!(
            alert_sent(&r.client),
            Some(Alert::IllegalParameter),
            "{:?}",
            r.wire
        );
        assert!(!r.wire.iter().any(|m| m == "C>ClientKeyExchange"));

        // A genuine TLS 1.2-only client talking to the same server is fine:
        // it did not offer TLS 1.3, so the sentinel means nothing to it.
        let (mut c, s) = configs(&both, &suites);
        c.versions = vec![Version::Tls12];
        let r = run(c, s, no_tamper);
        assert!(r.client_up && r.server_up, "{:?}", r.wire);
    }

    #[test]
    fn fallback_scsv_is_refused_by_a_server_that_could_do_better() {
        let suites = [
            Suite::TLS_AES_128_GCM_SHA256,
            Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ];
        let (mut c, s) = configs(&[Version::Tls13, Version::Tls12], &suites);
        c.versions = vec![Version::Tls12];
        c.fallback = true;
        let r = run(c.clone(), s, no_tamper);
        assert_eq!(r.wire, ["C>ClientHello", "S>alert:inappropriate_fallback"]);
        // A TLS 1.2-only server has nothing better to offer.
        let (_, mut s) = configs(&[Version::Tls12], &suites);
        s.versions = vec![Version::Tls12];
        let r = run(c, s, no_tamper);
        assert!(r.client_up && r.server_up, "{:?}", r.wire);
    }

    /// Who pays for what: the server signs or decrypts once, the client
    /// checks both certificates and any signed message.
    #[test]
    fn public_key_operations_per_flow() {
        let ops = |suite: Suite| {
            let (c, s) = configs(&[suite.version()], &[suite]);
            run(c, s, no_tamper).ops
        };
        let pk = |rsa_private, rsa_public, ecdhe_keygen, ecdhe_derive| PkOps {
            rsa_private,
            rsa_public,
            ecdhe_keygen,
            ecdhe_derive,
        };
        assert_eq!(
            ops(Suite::TLS_AES_128_GCM_SHA256),
            (pk(0, 3, 1, 1), pk(1, 0, 1, 1))
        );
        assert_eq!(
            ops(Suite::TLS_RSA_WITH_AES_128_GCM_SHA256),
            (pk(0, 3, 0, 0), pk(1, 0, 0, 0))
        );
        assert_eq!(
            ops(Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
            (pk(0, 3, 1, 1), pk(1, 0, 1, 1))
        );
        // With the default costs the server's RSA operation dominates.
        let server = crate::cost::CpuCosts::default().time(ops(Suite::TLS_AES_128_GCM_SHA256).1);
        assert_eq!(server, sim_core::SimDuration::from_micros(1_730 + 45 + 39));
    }

    /// RFC 8446 §4.1.4: the client's share is in a group the server does
    /// not take, but they have one in common: one extra round trip.
    #[test]
    fn hello_retry_request_gets_a_share_in_a_common_group() {
        let (c, mut s) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
        s.groups = vec![Group::Secp384r1, Group::Secp256r1];
        let r = run(c, s, no_tamper);
        assert_eq!(
            r.wire,
            [
                "C>ClientHello",
                "S>HelloRetryRequest",
                "C>ClientHello",
                "S>ServerHello",
                "S>EncryptedExtensions",
                "S>Certificate",
                "S>CertificateVerify",
                "S>Finished",
                "C>Finished"
            ]
        );
        assert!(r.client_up && r.server_up);
        // Two key pairs on the client: x25519, then P-256.
        assert_eq!(r.ops.0.ecdhe_keygen, 2);

        // No group in common at all.
        let (c, mut s) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
        s.groups = vec![Group::Secp384r1];
        let r = run(c, s, no_tamper);
        assert_eq!(r.wire, ["C>ClientHello", "S>alert:handshake_failure"]);
    }

    #[test]
    fn a_bad_hello_retry_request_is_refused() {
        // The request names a group the client never offered.
        let (c, mut s) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
        s.groups = vec![Group::Secp256r1];
        let r = run(c, s, |from_client, name, bytes| {
            if !from_client && name == "HelloRetryRequest" {
                let n = bytes.len();
                bytes[n - 2..].copy_from_slice(&Group::Secp384r1.code().to_be_bytes());
            }
        });
        assert_eq!(
            alert_sent(&r.client),
            Some(Alert::IllegalParameter),
            "{:?}",
            r.wire
        );

        // A second request after the first.
        let (c, _) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
        let mut client = Client::new(c, [1; 32], [2; 32]);
        let hrr = Message::HelloRetryRequest {
            suite: Suite::TLS_AES_128_GCM_SHA256.code(),
            group: Group::Secp256r1.code(),
        }
        .encode(Version::Tls13);
        client.handle(Input::Handshake(&hrr));
        assert!(!client.has_failed());
        client.handle(Input::Handshake(&hrr));
        let out: Vec<Output> = std::iter::from_fn(|| client.poll_output()).collect();
        assert_eq!(out.last(), Some(&Output::Alert(Alert::UnexpectedMessage)));

        // A second ClientHello that still has the wrong share.
        let (c, mut s) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
        s.groups = vec![Group::Secp256r1];
        let mut seen = 0;
        let r = run(c, s, |from_client, name, bytes| {
            if from_client && name == "ClientHello" {
                seen += 1;
                if seen == 2 {
                    // The last extension is key_share: group, length, and
                    // a 65-byte P-256 share. Name P-384 instead.
                    let at = bytes.len() - 65 - 4;
                    assert_eq!(bytes[at..at + 2], [0x00, 0x17]);
                    bytes[at + 1] = 0x18;
                }
            }
        });
        assert_eq!(
            alert_sent(&r.server),
            Some(Alert::IllegalParameter),
            "{:?}",
            r.wire
        );
    }

    fn new_session(events: &[Event]) -> Option<ClientSession> {
        events.iter().find_map(|e| match e {
            Event::NewSession(s) => Some(s.clone()),
            _ => None,
        })
    }

    const RSA12: Suite = Suite::TLS_RSA_WITH_AES_128_CBC_SHA;

    /// RFC 5246 §7.3: a session id the server cached lets the next
    /// connection skip certificate and key exchange, one round trip less.
    #[test]
    fn tls12_resumption_by_session_id() {
        let cache = SessionCache::new();
        let (c, mut s) = configs(&[Version::Tls12], &[RSA12]);
        s.sessions = Some(cache.clone());
        let first = run_seeded(1, c.clone(), s.clone(), no_tamper);
        assert!(first.client_up && first.server_up);
        let session = new_session(&first.client).expect("a session to keep");
        assert_eq!(session.id.len(), 32);
        assert_eq!(cache.len(), 1);

        let mut c2 = c.clone();
        c2.resume = Some(session.clone());
        let r = run_seeded(2, c2, s.clone(), no_tamper);
        assert_eq!(
            r.wire,
            [
                "C>ClientHello",
                "S>ServerHello",
                "S>CCS",
                "S>Finished",
                "C>CCS",
                "C>Finished"
            ]
        );
        assert!(r.client_up && r.server_up);
        assert!(r.client.contains(&Event::Resumed) && r.server.contains(&Event::Resumed));
        // No public-key work at all.
        assert_eq!(r.ops, (PkOps::default(), PkOps::default()));

        // A server that forgot the session does a full handshake instead.
        let mut c3 = c;
        c3.resume = Some(session);
        s.sessions = Some(SessionCache::new());
        let r = run_seeded(3, c3, s, no_tamper);
        assert!(r.wire.contains(&"S>Certificate".to_string()));
        assert!(
            r.client_up && r.server_up && !r.client.contains(&Event::Resumed),
            "{:?} {:?} {:?}",
            r.wire,
            r.client,
            r.server
        );
    }

    /// RFC 5077: the server keeps nothing; the client brings the session
    /// back sealed in a ticket.
    #[test]
    fn tls12_resumption_by_ticket() {
        let (mut c, mut s) = configs(
            &[Version::Tls12],
            &[Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256],
        );
        c.tickets = true;
        s.ticket_key = Some([42; 32]);
        let first = run_seeded(4, c.clone(), s.clone(), no_tamper);
        assert_eq!(
            &first.wire[first.wire.len() - 3..],
            ["S>NewSessionTicket", "S>CCS", "S>Finished"]
        );
        let session = new_session(&first.client).expect("a ticket session");
        assert_eq!(session.ticket.as_ref().map(Vec::len), Some(115));

        let mut c2 = c.clone();
        c2.resume = Some(session.clone());
        let r = run_seeded(5, c2.clone(), s.clone(), no_tamper);
        assert_eq!(r.wire.len(), 6, "{:?}", r.wire);
        assert!(r.client_up && r.server_up && r.server.contains(&Event::Resumed));

        // A ticket changed in flight is not resumed; and as the
        // ClientHello changed, the full handshake then fails at Finished.
        let r = run_seeded(6, c2.clone(), s.clone(), |from_client, name, bytes| {
            if from_client && name == "ClientHello" {
                let t = session.ticket.as_ref().unwrap();
                let p = bytes.windows(16).position(|w| w == &t[..16]).unwrap();
                bytes[p + 40] ^= 1;
            }
        });
        assert!(!r.server.contains(&Event::Resumed), "{:?}", r.wire);
        assert_eq!(alert_sent(&r.server), Some(Alert::DecryptError));
        // A ticket sealed under a key the server no longer has: a full
        // handshake.
        s.ticket_key = Some([43; 32]);
        let r = run_seeded(7, c2, s, no_tamper);
        assert!(r.client_up && r.server_up && !r.server.contains(&Event::Resumed));
    }

    /// RFC 7627: the master secret is bound to the session hash, and a
    /// session made with it is never resumed without it (§5.3).
    #[test]
    fn extended_master_secret() {
        let (c, s) = configs(&[Version::Tls12], &[RSA12]);
        let cache = SessionCache::new();
        let s = ServerConfig {
            sessions: Some(cache),
            ..s
        };
        let with = new_session(&run_seeded(8, c.clone(), s.clone(), no_tamper).client).unwrap();
        let without = {
            let mut c = c.clone();
            c.ems = false;
            new_session(&run_seeded(9, c, s.clone(), no_tamper).client).unwrap()
        };
        assert!(with.ems && !without.ems);
        assert_ne!(with.master, without.master);
        // Offering the EMS session without EMS: no resumption.
        let mut c2 = c;
        c2.ems = false;
        c2.resume = Some(with);
        let r = run_seeded(10, c2, s, no_tamper);
        assert!(r.client_up && r.server_up);
        assert!(!r.server.contains(&Event::Resumed));
    }

    /// What one side emitted on the wire in a clean handshake: handshake
    /// messages (kind byte, bytes) and ChangeCipherSpec as `None`.
    type Flight = Vec<Option<(u8, Vec<u8>)>>;

    fn record(c: ClientConfig, s: ServerConfig) -> (ClientConfig, ServerConfig, Flight, Flight) {
        let mut client = Client::new(c.clone(), [7; 32], [8; 32]);
        let mut server = Server::new(s.clone(), [9; 32], [10; 32]);
        let (mut cf, mut sf) = (Vec::new(), Vec::new());
        for _ in 0..10 {
            while let Some(o) = client.poll_output() {
                match o {
                    Output::Handshake(_, b) => {
                        server.handle(Input::Handshake(&b));
                        cf.push(Some((b[0], b)));
                    }
                    Output::ChangeCipherSpec => {
                        server.handle(Input::ChangeCipherSpec);
                        cf.push(None);
                    }
                    _ => {}
                }
            }
            while let Some(o) = server.poll_output() {
                match o {
                    Output::Handshake(_, b) => {
                        client.handle(Input::Handshake(&b));
                        sf.push(Some((b[0], b)));
                    }
                    Output::ChangeCipherSpec => {
                        client.handle(Input::ChangeCipherSpec);
                        sf.push(None);
                    }
                    _ => {}
                }
            }
        }
        assert!(client.is_established() && server.is_established());
        (c, s, cf, sf)
    }

    fn feed(h: &mut dyn FnMut(Input<'_>), item: &Option<(u8, Vec<u8>)>) {
        match item {
            Some((_, b)) => h(Input::Handshake(b)),
            None => h(Input::ChangeCipherSpec),
        }
    }

    /// RFC 8446 §6.2 / RFC 5246 §7.2.2: after every prefix of the peer's
    /// messages, every handshake message of another kind than the one
    /// expected is unexpected_message, on both sides and in every flow.
    #[test]
    fn every_message_out_of_place_is_unexpected_message() {
        let mut flows: Vec<(ClientConfig, ServerConfig)> = [
            (Version::Tls13, Suite::TLS_AES_128_GCM_SHA256),
            (Version::Tls12, Suite::TLS_RSA_WITH_AES_128_GCM_SHA256),
            (Version::Tls12, Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
        ]
        .into_iter()
        .map(|(v, s)| configs(&[v], &[s]))
        .collect();
        // TLS 1.3 resumed with accepted early data: EndOfEarlyData, and a
        // NewSessionTicket after the handshake.
        flows.push(resumable13(true, true));
        for (c, s) in flows {
            let suite = c.suites[0];
            let (c, s, cf, sf) = record(c, s);
            let all: Vec<&(u8, Vec<u8>)> = cf.iter().chain(&sf).flatten().collect();
            let mut checked = 0;
            // The client against the server's messages.
            for k in 0..=sf.len() {
                let expected = sf.get(k).map(|m| m.as_ref().map(|(kind, _)| *kind));
                for (kind, bytes) in all.iter().map(|m| (m.0, &m.1)) {
                    // A TLS 1.3 client takes tickets whenever it is up.
                    let ticket_when_up =
                        k == sf.len() && kind == crate::msg::kind::NEW_SESSION_TICKET;
                    if expected == Some(Some(kind)) || ticket_when_up {
                        continue;
                    }
                    let mut client = Client::new(c.clone(), [7; 32], [8; 32]);
                    for item in &sf[..k] {
                        feed(&mut |i| client.handle(i), item);
                    }
                    while client.poll_output().is_some() {}
                    client.handle(Input::Handshake(bytes));
                    let last = std::iter::from_fn(|| client.poll_output()).last();
                    assert_eq!(
                        last,
                        Some(Output::Alert(Alert::UnexpectedMessage)),
                        "{suite}: client after {k} server messages, given kind {kind}"
                    );
                    checked += 1;
                }
            }
            // The server against the client's messages.
            for k in 0..=cf.len() {
                let expected = cf.get(k).map(|m| m.as_ref().map(|(kind, _)| *kind));
                for (kind, bytes) in all.iter().map(|m| (m.0, &m.1)) {
                    if expected == Some(Some(kind)) {
                        continue;
                    }
                    let mut server = Server::new(s.clone(), [9; 32], [10; 32]);
                    for item in &cf[..k] {
                        feed(&mut |i| server.handle(i), item);
                    }
                    while server.poll_output().is_some() {}
                    server.handle(Input::Handshake(bytes));
                    let last = std::iter::from_fn(|| server.poll_output()).last();
                    assert_eq!(
                        last,
                        Some(Output::Alert(Alert::UnexpectedMessage)),
                        "{suite}: server after {k} client messages, given kind {kind}"
                    );
                    checked += 1;
                }
            }
            assert!(checked > 30, "{suite}: {checked}");
        }
    }

    /// Configurations for a TLS 1.3 resumption: the client holds a ticket
    /// from a first full handshake (with early data allowed if `early`),
    /// and offers it (sending early data if `early`); the server accepts
    /// early data if `accept`.
    fn resumable13(early: bool, accept: bool) -> (ClientConfig, ServerConfig) {
        let (mut c, mut s) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
        s.ticket_key = Some([42; 32]);
        s.max_early_data = if early { 16_384 } else { 0 };
        s.accept_early_data = accept;
        let first = run_seeded(1, c.clone(), s.clone(), no_tamper);
        let ticket = first.client.iter().find_map(|e| match e {
            Event::NewTicket(t) => Some(t.clone()),
            _ => None,
        });
        assert!(ticket.is_some(), "{:?}", first.wire);
        c.resume13 = ticket;
        c.early_data = early;
        c.ticket_age_ms = 1_500;
        (c, s)
    }

    #[test]
    fn the_ticket_psk_matches_rfc_8448() {
        // RFC 8448 §3: resumption master secret, ticket nonce 00 00, and
        // the PSK §4 resumes with.
        let res: Hash = (0..32)
            .map(|i| {
                let h = "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c";
                u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap()
            })
            .collect::<Vec<u8>>()
            .try_into()
            .unwrap();
        assert_eq!(
            crate::crypto::hex(&ticket_psk(&res, &[0, 0])),
            "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3"
        );
    }

    #[test]
    fn tls13_psk_resumption_skips_the_certificate() {
        let (c, s) = resumable13(false, false);
        let r = run(c.clone(), s.clone(), no_tamper);
        assert_eq!(
            r.wire,
            [
                "C>ClientHello",
                "S>ServerHello",
                "S>EncryptedExtensions",
                "S>Finished",
                "C>Finished",
                "S>NewSessionTicket"
            ]
        );
        assert!(r.client_up && r.server_up);
        assert!(r.client.contains(&Event::Resumed) && r.server.contains(&Event::Resumed));
        // No certificate to check, no CertificateVerify to sign; ECDHE
        // still (psk_dhe_ke, forward secrecy).
        assert_eq!((r.ops.0.rsa_public, r.ops.1.rsa_private), (0, 0));
        assert_eq!(r.ops.1.ecdhe_derive, 1);
        // A fresh ticket for the next time.
        assert!(r.client.iter().any(|e| matches!(e, Event::NewTicket(_))));

        // The ticket under another server key: a full handshake.
        let mut other = s.clone();
        other.ticket_key = Some([43; 32]);
        let r = run(c.clone(), other, no_tamper);
        assert!(r.wire.contains(&"S>Certificate".to_string()));
        assert!(r.client_up && !r.client.contains(&Event::Resumed));

        // A binder that does not verify is decrypt_error.
        let r = run(c.clone(), s.clone(), |from_client, name, bytes| {
            if from_client && name == "ClientHello" {
                let n = bytes.len();
                bytes[n - 1] ^= 1;
            }
        });
        assert_eq!(alert_sent(&r.server), Some(Alert::DecryptError));
        assert!(!r.client_up);

        // A PSK without psk_key_exchange_modes: missing_extension.
        let r = run(c.clone(), s.clone(), |from_client, name, bytes| {
            if from_client && name == "ClientHello" {
                let Ok(Message::ClientHello(mut h)) = Message::decode(bytes, Version::Tls12) else {
                    panic!("decodes")
                };
                h.psk_modes.clear();
                *bytes = Message::ClientHello(h).encode(Version::Tls12);
            }
        });
        assert_eq!(alert_sent(&r.server), Some(Alert::MissingExtension));

        // After a HelloRetryRequest the PSK is offered again with a binder
        // over the new transcript, and resumption goes on.
        let mut s2 = s.clone();
        s2.groups = vec![Group::Secp256r1];
        let r = run(c, s2, no_tamper);
        assert!(r.wire.contains(&"S>HelloRetryRequest".to_string()));
        assert!(r.client_up && r.server.contains(&Event::Resumed));
    }

    #[test]
    fn tls13_early_data_accepted_or_refused() {
        let (c, s) = resumable13(true, true);
        let r = run(c, s, no_tamper);
        assert_eq!(
            r.wire,
            [
                "C>ClientHello",
                "S>ServerHello",
                "S>EncryptedExtensions",
                "S>Finished",
                "C>EndOfEarlyData",
                "C>Finished",
                "S>NewSessionTicket"
            ]
        );
        let accepted = Event::EarlyData { accepted: true };
        assert!(r.client.contains(&accepted) && r.server.contains(&accepted));
        assert!(r.client_up && r.server_up);

        // Refused: no EndOfEarlyData, both sides say so.
        let (c, s) = resumable13(true, false);
        let r = run(c, s, no_tamper);
        assert!(!r.wire.contains(&"C>EndOfEarlyData".to_string()));
        let refused = Event::EarlyData { accepted: false };
        assert!(r.client.contains(&refused) && r.server.contains(&refused));
        assert!(r.client_up && r.server_up);

        // A ticket that allows none: the client does not try.
        let (c, s) = resumable13(false, true);
        let mut c = c;
        c.early_data = true;
        let r = run(c, s, no_tamper);
        assert!(
            !r.client
                .iter()
                .any(|e| matches!(e, Event::EarlyData { .. }))
        );
    }

    #[test]
    fn refuse_weak_policy() {
        let (mut c, s) = configs(&[Version::Tls12], &[Suite::TLS_RSA_WITH_RC4_128_SHA]);
        c.refuse_weak = true;
        let r = run(c, s, no_tamper);
        assert_eq!(alert_sent(&r.client), Some(Alert::InsufficientSecurity));
    }

    /// A downgrade attempt: an on-path attacker strikes the strong suites
    /// from the ClientHello. Both ends negotiate, but the transcripts differ,
    /// so the Finished check catches it (RFC 5246 §7.4.9, RFC 8446 §4.4.4).
    #[test]
    fn a_tampered_client_hello_fails_at_finished() {
        for (version, strong, weak) in [
            (
                Version::Tls12,
                Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                Suite::TLS_RSA_WITH_RC4_128_SHA,
            ),
            (
                Version::Tls13,
                Suite::TLS_AES_256_GCM_SHA384,
                Suite::TLS_AES_128_GCM_SHA256,
            ),
        ] {
            let (c, mut s) = configs(&[version], &[strong, weak]);
            s.suites = vec![strong, weak];
            let r = run(c, s, |from_client, name, bytes| {
                if from_client && name == "ClientHello" {
                    // Overwrite the strong code with the weak one in place.
                    let code = strong.code().to_be_bytes();
                    let at = bytes.windows(2).position(|w| w == code).unwrap();
                    bytes[at..at + 2].copy_from_slice(&weak.code().to_be_bytes());
                }
            });
            let failed = [&r.client, &r.server]
                .into_iter()
                .find_map(|e| alert_sent(e))
                .expect("someone notices");
            assert_eq!(failed, Alert::DecryptError, "TLS {version}: {:?}", r.wire);
            assert!(!r.client_up || !r.server_up);
            assert!(!(r.client_up && r.server_up));
        }
    }

    #[test]
    fn a_forged_certificate_verify_is_refused() {
        let (c, s) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
        let r = run(c, s, |from_client, name, bytes| {
            if !from_client && name == "CertificateVerify" {
                let n = bytes.len();
                bytes[n - 1] ^= 1;
            }
        });
        assert_eq!(alert_sent(&r.client), Some(Alert::DecryptError));
    }

    #[test]
    fn out_of_order_and_truncated_messages() {
        // A Finished where a ServerHello belongs.
        let (c, _) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
        let mut client = Client::new(c, [1; 32], [2; 32]);
        let _ = client.poll_output();
        client.handle(Input::Handshake(
            &Message::Finished(vec![0; 32]).encode(Version::Tls13),
        ));
        assert_eq!(
            client.poll_output(),
            Some(Output::Alert(Alert::UnexpectedMessage))
        );
        assert!(client.has_failed());
        // Nothing more after a fatal alert.
        client.handle(Input::ChangeCipherSpec);
        assert_eq!(client.poll_output(), None);

        // A truncated ClientHello.
        let (c, s) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
        let r = run(c, s, |from_client, _, bytes| {
            if from_client {
                bytes.truncate(bytes.len() / 2);
            }
        });
        assert_eq!(r.wire, ["C>ClientHello", "S>alert:decode_error"]);

        // A TLS 1.2 CCS before the server's flight.
        let (_, s) = configs(&[Version::Tls12], &[Suite::TLS_RSA_WITH_AES_128_GCM_SHA256]);
        let mut server = Server::new(s, [1; 32], [2; 32]);
        server.handle(Input::ChangeCipherSpec);
        assert_eq!(
            server.poll_output(),
            Some(Output::Alert(Alert::UnexpectedMessage))
        );
    }

    /// Flipping or truncating any byte of any message never panics, and it
    /// never leaves both ends believing they agree unless the change was
    /// one the protocol does not protect (none here).
    #[test]
    fn random_mutations_never_panic_or_agree_silently() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut mutated = 0;
        // The resumed flow with early data too: binders, EndOfEarlyData.
        let resumed = resumable13(true, true);
        for round in 0..800 {
            let (c, s) = match round % 4 {
                0 => configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]),
                1 => configs(
                    &[Version::Tls12],
                    &[Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256],
                ),
                2 => configs(&[Version::Tls12], &[Suite::TLS_RSA_WITH_AES_128_GCM_SHA256]),
                _ => resumed.clone(),
            };
            let target = (next() % 8) as usize;
            let pos = next();
            let bit = 1u8 << (next() % 8);
            let truncate = next() % 4 == 0;
            let mut seen = 0;
            let mut changed = false;
            let r = run(c, s, |_, name, bytes| {
                // A TLS 1.3 ticket comes after the handshake, outside the
                // transcript, and is opaque to the client: a changed one
                // only fails the next resumption.
                if name == "NewSessionTicket" {
                    return;
                }
                if seen == target && !bytes.is_empty() {
                    let at = (pos % bytes.len() as u64) as usize;
                    if truncate {
                        bytes.truncate(at);
                    } else {
                        bytes[at] ^= bit;
                    }
                    changed = true;
                }
                seen += 1;
            });
            if changed {
                mutated += 1;
                assert!(
                    !(r.client_up && r.server_up),
                    "round {round}: a change went unnoticed: {:?}",
                    r.wire
                );
            }
        }
        // Most rounds really changed a message (a test of nothing otherwise).
        assert!(mutated > 400, "only {mutated} rounds changed anything");
    }
}
