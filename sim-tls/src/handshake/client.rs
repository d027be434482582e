//! The client: its states, its first flight, and the checks every
//! ServerHello goes through before the version's own path takes over.
//!
//! [`Client::new`] builds and sends the ClientHello. Each later message
//! reaches [`End::step`], which pairs the current [`ClientState`] with the
//! message and calls the function named for that message: the TLS 1.3 ones
//! in [`tls13`] (RFC 8446 §2's flow), the TLS 1.2 ones in [`tls12`] (RFC
//! 5246 §7.3's full and abbreviated handshakes). A pair not listed there
//! is `unexpected_message`.

use crate::alert::Alert;
use crate::cert::{CertError, Certificate, KeyId, validate};
use crate::cost::PkOps;
use crate::crypto::{Secret, derive_secret};
use crate::keys::key_share;
use crate::msg::{
    ClientHello, HTTP_1_1, Message, PSK_DHE_KE, PskOffer, SIGNATURE_SCHEMES, ServerHello,
};
use crate::record::TrafficKeys;
use crate::session::{ClientSession, Ticket13};
use crate::suite::{Group, Suite, Version};

use super::common::{
    DOWNGRADE_SENTINEL_12, Early, End, EndState, Exporter, FALLBACK_SCSV, HandshakeEvent, Input,
    Io, Output, Session12,
};
use super::config::ClientConfig;
use super::schedule::{early_secret13, psk_binder};

mod tls12;
mod tls13;

/// What the client waits for next; each state holds the secrets valid at
/// that point.
#[derive(Debug)]
pub(super) enum ClientState {
    ExpectServerHello,
    // TLS 1.3
    ExpectEncryptedExtensions {
        c_hs: Secret,
        s_hs: Secret,
        /// A PSK was accepted: no certificate follows.
        resumed: bool,
    },
    ExpectCertificate13 {
        c_hs: Secret,
        s_hs: Secret,
    },
    ExpectCertificateVerify {
        c_hs: Secret,
        s_hs: Secret,
        leaf: KeyId,
    },
    ExpectFinished13 {
        c_hs: Secret,
        s_hs: Secret,
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

impl EndState for ClientState {
    const FAILED: Self = ClientState::Failed;
    fn is_connected(&self) -> bool {
        matches!(self, ClientState::Connected)
    }
    fn is_failed(&self) -> bool {
        matches!(self, ClientState::Failed)
    }
    fn after_change_cipher_spec(self) -> Result<Self, Self> {
        match self {
            ClientState::ExpectChangeCipherSpec { master } => {
                Ok(ClientState::ExpectFinished12 { master })
            }
            s => Err(s),
        }
    }
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
    res_master: Option<Secret>,
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

/// The first ClientHello for `cfg`: the versions, suites and groups on
/// offer, a session or ticket to resume, the TLS 1.3 key share for the
/// first group, and the TLS 1.3 `ticket` as a PSK (its binder zeroed until
/// [`Client::send_hello`] computes it).
fn first_hello(
    cfg: &ClientConfig,
    random: [u8; 32],
    ticket: Option<&Ticket13>,
    early: bool,
    share13: Option<&(Group, Vec<u8>)>,
) -> ClientHello {
    let offer12 = cfg.versions.contains(&Version::Tls12);
    let x = &cfg.extensions;
    let schemes = |on: bool| {
        if on {
            SIGNATURE_SCHEMES.to_vec()
        } else {
            Vec::new()
        }
    };
    ClientHello {
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
        // RFC 8446 §9.2 and RFC 8422 §5.1.1: the groups go with a TLS 1.3
        // key share and with TLS 1.2's ECDHE alike.
        groups: if x.supported_groups {
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
            // RFC 5077 §3.1: an empty session_ticket asks for one (a
            // TLS 1.2 matter).
            _ => (cfg.tickets && offer12).then(Vec::new),
        },
        ems: cfg.ems && cfg.versions.contains(&Version::Tls12),
        key_share: share13.map(|(g, k)| (g.code(), k.clone())),
        // RFC 8446 §4.2.9: a PSK needs psk_key_exchange_modes.
        psk_modes: if ticket.is_some() {
            vec![PSK_DHE_KE]
        } else {
            Vec::new()
        },
        early_data: early,
        psk: ticket.map(|t| PskOffer {
            identity: t.ticket.clone(),
            // RFC 8446 §4.2.11.1.
            obfuscated_age: cfg.ticket_age_ms.wrapping_add(t.age_add),
            // Hash.length bytes (RFC 8446 §4.2.11).
            binder: vec![0; t.suite.hash().size()],
        }),
        sig_algs: schemes(x.signature_algorithms),
        sig_algs_cert: schemes(x.signature_algorithms_cert),
        // Uncompressed points only (RFC 8422 §5.1.2).
        point_formats: if x.ec_point_formats && offer12 {
            vec![0]
        } else {
            Vec::new()
        },
        reneg: x.renegotiation_info && offer12,
        alpn: if x.alpn {
            vec![HTTP_1_1.to_string()]
        } else {
            Vec::new()
        },
        status_request: x.status_request,
    }
}

impl Client {
    /// A client that sends its ClientHello at once. `random` is its
    /// client_random and `ephemeral` its key-share value, both drawn by the
    /// host from its RNG stream.
    pub fn new(cfg: ClientConfig, random: [u8; 32], ephemeral: [u8; 32]) -> Self {
        let offer13 = cfg.versions.contains(&Version::Tls13);
        // A TLS 1.3 ticket is offered only with its own suite on offer.
        let ticket = cfg
            .resume13
            .clone()
            .filter(|t| offer13 && cfg.suites.contains(&t.suite));
        let early = ticket
            .as_ref()
            .is_some_and(|t| cfg.early_data && t.max_early_data > 0);
        let share13 = cfg
            .groups
            .first()
            .filter(|_| offer13)
            .map(|&g| (g, key_share(&ephemeral, g)));
        let hello = first_hello(&cfg, random, ticket.as_ref(), early, share13.as_ref());
        let mut c = Client {
            cfg,
            random,
            ephemeral,
            share: ephemeral.to_vec(),
            share13,
            hello,
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
        c.io.misbehave = c.cfg.misbehave;
        if c.share13.is_some() {
            c.io.ops.ecdhe_keygen += 1;
        }
        c.send_hello();
        c
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

    /// Sends `self.hello`, its PSK binder computed over the transcript so
    /// far and the hello up to its binders (RFC 8446 §4.2.11.2); with early
    /// data, the early keys follow.
    fn send_hello(&mut self) {
        let mut bytes = Message::ClientHello(self.hello.clone()).encode(Version::Tls12);
        if let Some(t) = &self.ticket {
            // RFC 8446 §4.2.11.2: the binder (and the early secret) use
            // the hash of the ticket's suite.
            let alg = t.suite.hash();
            self.io.early13 = early_secret13(alg, Some(&t.psk));
            let mut partial = self.io.transcript.clone();
            partial.add(&bytes[..bytes.len() - self.hello.binders_len()]);
            let binder = psk_binder(&self.io.early13, &partial.hash_with(alg));
            let n = bytes.len();
            bytes[n - binder.len()..].copy_from_slice(&binder);
            if let Some(p) = self.hello.psk.as_mut() {
                p.binder = binder.to_vec();
            }
        }
        self.io.send_encoded("ClientHello", bytes);
        if let (EarlyState::Offered, Some(t)) = (self.early, &self.ticket) {
            // RFC 8446 §7.1: client_early_traffic_secret over the hello.
            let hello_hash = self.io.transcript.hash_with(t.suite.hash());
            let secret = derive_secret(&self.io.early13, "c e traffic", &hello_hash);
            self.io.out.push_back(Output::Early(Early::Send {
                suite: t.suite,
                keys: TrafficKeys::tls13(&secret),
                max: t.max_early_data,
            }));
            // RFC 8446 §7.1: early_exporter_master_secret over the same
            // hello, logged for exporters as real clients log it.
            let exporter = derive_secret(&self.io.early13, "e exp master", &hello_hash);
            self.io
                .out
                .push_back(Output::Exporter(Exporter::Early(exporter)));
        }
    }

    fn established(&mut self) -> Option<ClientState> {
        let (Some(version), Some(suite)) = (self.io.version, self.suite) else {
            return self.io.fail(Alert::InternalError, "no version or suite");
        };
        self.io
            .events
            .push_back(HandshakeEvent::Established { version, suite });
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
                self.io
                    .events
                    .push_back(HandshakeEvent::UntrustedAccepted(e));
            }
            Err(e) => {
                let alert = e.alert();
                return self.io.fail(alert, e.to_string());
            }
        }
        chain.first().map(|l| l.key)
    }

    /// A ServerHello: checked against what we offered, then the version's
    /// own path (TLS 1.3, a TLS 1.2 resumption, a full TLS 1.2 handshake).
    fn server_hello(&mut self, bytes: &[u8], sh: ServerHello) -> Option<ClientState> {
        let suite = self.check_server_hello(&sh)?;
        self.io.version = Some(sh.version);
        self.suite = Some(suite);
        self.io.transcript.set_alg(suite.hash());
        self.io.transcript.add(bytes);
        match sh.version {
            Version::Tls13 => self.server_hello13(sh, suite),
            Version::Tls12 if self.resuming(&sh) => self.resume12(sh),
            Version::Tls12 => self.server_hello12(sh),
        }
    }

    /// The checks every ServerHello passes: a version and a suite we
    /// offered, our policy, no downgrade, the suite a HelloRetryRequest
    /// named. Returns the suite.
    fn check_server_hello(&mut self, sh: &ServerHello) -> Option<Suite> {
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
        Some(suite)
    }
}

impl End for Client {
    type State = ClientState;

    fn parts(&mut self) -> (&mut ClientState, &mut Io) {
        (&mut self.state, &mut self.io)
    }

    /// The client's transitions: one arm per (state, message) it takes,
    /// each handled by the function named for the message.
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
                Message::EncryptedExtensions { early_data, .. },
            ) => self.encrypted_extensions(bytes, c_hs, s_hs, resumed, early_data),
            (S::ExpectCertificate13 { c_hs, s_hs }, Message::Certificate(chain)) => {
                self.certificate13(bytes, c_hs, s_hs, chain)
            }
            (S::ExpectCertificateVerify { c_hs, s_hs, leaf }, Message::CertificateVerify(sig)) => {
                self.certificate_verify(bytes, c_hs, s_hs, leaf, sig)
            }
            (S::ExpectFinished13 { c_hs, s_hs }, Message::Finished(vd)) => {
                self.finished13(bytes, c_hs, s_hs, vd)
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
                self.new_session_ticket13(lifetime, age_add, &nonce, ticket, max_early_data)
            }
            (S::ExpectCertificate12 { server_random }, Message::Certificate(chain)) => {
                self.certificate12(bytes, server_random, chain)
            }
            (
                S::ExpectServerKeyExchange {
                    server_random,
                    leaf,
                },
                Message::ServerKeyExchange { share, signature },
            ) => self.server_key_exchange(bytes, server_random, leaf, share, signature),
            (
                S::ExpectServerHelloDone {
                    server_random,
                    leaf,
                    server_share,
                },
                Message::ServerHelloDone,
            ) => self.server_hello_done(bytes, server_random, leaf, server_share),
            (S::ExpectChangeCipherSpec { master }, Message::NewSessionTicket { ticket, .. })
                if self.s12.ticket && self.s12.ticket_bytes.is_none() =>
            {
                self.new_session_ticket12(bytes, master, ticket)
            }
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
