//! The server's TLS 1.2 path (RFC 5246 §7.3): a full handshake
//! (Certificate, ServerKeyExchange for ECDHE_RSA, ServerHelloDone; then
//! the client's ClientKeyExchange and Finished, and ours with a session
//! stored or a ticket sent), or an abbreviated one resuming a session from
//! the cache or a ticket (our Finished first). ChangeCipherSpec itself is
//! placed by [`End::handle_input`](crate::handshake::common::End::handle_input).

use crate::alert::Alert;
use crate::crypto::{finished12, sha256};
use crate::keys::{dh_shared, open, sign};
use crate::msg::{ClientHello, Message, ServerHello};
use crate::record::TrafficKeys;
use crate::session::{ServerSession, open_ticket, seal_ticket};
use crate::suite::{KeyExchange, Suite, Version};

use super::{Server, ServerState, alpn_choice};
use crate::handshake::common::HandshakeEvent;
use crate::handshake::schedule::{extended_master12, master12};

impl Server {
    /// A ClientHello negotiated to TLS 1.2: a session to resume, or a
    /// full handshake with a new session id (if we cache) and a ticket
    /// promised (if asked for and we issue them).
    pub(super) fn client_hello12(
        &mut self,
        bytes: &[u8],
        ch: ClientHello,
        suite: Suite,
    ) -> Option<ServerState> {
        let version = Version::Tls12;
        let (_, _, random) = self.take_hello(bytes, &ch, version, suite, None);
        if let Some(session) = self.resumable(&ch) {
            return self.resume12(&ch, session, random);
        }
        // RFC 7627 §5.1: EMS when the client offers it and we take it.
        self.s12.ems = ch.ems && self.cfg.ems;
        self.s12.ticket = ch.ticket.is_some() && self.cfg.ticket_key.is_some();
        if self.cfg.sessions.is_some() {
            self.s12.id = sha256(&[&random[..], b"session id"].concat()).to_vec();
        }
        let (reneg, point_formats, alpn) = self.hello_extensions12(&ch, suite);
        let sh = ServerHello {
            random,
            suite: suite.code(),
            version,
            session_id: self.s12.id.clone(),
            ticket_ack: self.s12.ticket,
            ems: self.s12.ems,
            psk: None,
            key_share: None,
            reneg,
            point_formats,
            alpn,
        };
        self.io.send(&Message::ServerHello(sh), version);
        self.flight12(&ch, suite, random)
    }

    /// Abbreviated handshake (RFC 5246 §7.3): echo the id, then
    /// ChangeCipherSpec and Finished at once.
    fn resume12(
        &mut self,
        ch: &ClientHello,
        session: ServerSession,
        random: [u8; 32],
    ) -> Option<ServerState> {
        let version = Version::Tls12;
        self.suite = Some(session.suite);
        // The session's suite, and so its PRF hash, may differ from the
        // one negotiation picked (RFC 5246 §7.4.1.3, RFC 5289 §3).
        self.io.transcript.set_alg(session.suite.hash());
        self.s12.resumed = true;
        self.s12.ems = session.ems;
        self.io.events.push_back(HandshakeEvent::Resumed);
        let (reneg, point_formats, alpn) = self.hello_extensions12(ch, session.suite);
        let sh = ServerHello {
            random,
            suite: session.suite.code(),
            version,
            key_share: None,
            session_id: ch.session_id.clone(),
            ticket_ack: false,
            ems: session.ems,
            psk: None,
            reneg,
            point_formats,
            alpn,
        };
        self.io.send(&Message::ServerHello(sh), version);
        let (cw, sw) = TrafficKeys::tls12(&session.master, &ch.random, &random);
        self.io.read_at_ccs = Some(cw);
        self.io.write_at_ccs = Some(sw);
        self.io.send_ccs();
        let vd = finished12(&session.master, false, &self.io.transcript.hash());
        self.io.send(&Message::Finished(vd), version);
        Some(ServerState::ExpectChangeCipherSpec {
            master: session.master,
        })
    }

    /// The answers a TLS 1.2 ServerHello gives to the client's extensions,
    /// those we are set to give: renegotiation_info to its own (RFC 5746
    /// §3.6), ec_point_formats to its own with an ECDHE suite (RFC 8422
    /// §5.2), and `http/1.1` if its ALPN list has it (RFC 7301 §3.1; a
    /// list without it is answered without ALPN, not with
    /// no_application_protocol, since this model's clients always offer
    /// it).
    fn hello_extensions12(&self, ch: &ClientHello, suite: Suite) -> (bool, bool, Option<String>) {
        let x = &self.cfg.extensions;
        (
            x.renegotiation_info && ch.reneg,
            x.ec_point_formats
                && !ch.point_formats.is_empty()
                && suite.key_exchange() == KeyExchange::EcdheRsa,
            alpn_choice(x.alpn, ch),
        )
    }

    /// The rest of a full handshake's first flight: Certificate,
    /// ServerKeyExchange (ECDHE_RSA: our share signed with both randoms),
    /// ServerHelloDone.
    fn flight12(
        &mut self,
        ch: &ClientHello,
        suite: Suite,
        random: [u8; 32],
    ) -> Option<ServerState> {
        let version = Version::Tls12;
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
            .filter(|s| s.ems == (ch.ems && self.cfg.ems))
    }

    /// ClientKeyExchange: the premaster secret, the master secret, and the
    /// keys for both ChangeCipherSpecs.
    pub(super) fn client_key_exchange(
        &mut self,
        bytes: &[u8],
        client_random: [u8; 32],
        server_random: [u8; 32],
        kx: Vec<u8>,
    ) -> Option<ServerState> {
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
            master12(
                self.io.transcript.alg(),
                &premaster,
                &client_random,
                &server_random,
            )
        };
        let (cw, sw) = TrafficKeys::tls12(&master, &client_random, &server_random);
        self.io.read_at_ccs = Some(cw);
        self.io.write_at_ccs = Some(sw);
        Some(ServerState::ExpectChangeCipherSpec { master })
    }

    /// The client's Finished: checked; after a full handshake our
    /// ChangeCipherSpec and Finished follow (in a resumption ours came
    /// first).
    pub(super) fn finished12(
        &mut self,
        bytes: &[u8],
        master: Vec<u8>,
        vd: Vec<u8>,
    ) -> Option<ServerState> {
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
}
