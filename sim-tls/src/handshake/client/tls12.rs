//! The client's TLS 1.2 path (RFC 5246 §7.3): the full handshake
//! (Certificate, ServerKeyExchange for ECDHE_RSA, ServerHelloDone, our
//! ClientKeyExchange, ChangeCipherSpec and Finished, then the server's) and
//! the abbreviated one that resumes a session (the server's Finished
//! first). ChangeCipherSpec itself is placed by
//! [`End::handle_input`](crate::handshake::common::End::handle_input).

use crate::alert::Alert;
use crate::cert::{Certificate, KeyId};
use crate::crypto::{finished12, sha256};
use crate::keys::{dh_shared, seal, verify};
use crate::msg::{Message, ServerHello};
use crate::record::TrafficKeys;
use crate::session::ClientSession;
use crate::suite::{KeyExchange, Suite, Version};

use super::{Client, ClientState};
use crate::handshake::common::HandshakeEvent;
use crate::handshake::schedule::{extended_master12, master12};

impl Client {
    /// True when a TLS 1.2 ServerHello accepts the session we offered:
    /// it echoes our id (RFC 5246 §7.4.1.3, RFC 5077 §3.4).
    pub(super) fn resuming(&self, sh: &ServerHello) -> bool {
        self.cfg.resume.is_some()
            && !sh.session_id.is_empty()
            && sh.session_id == self.hello.session_id
    }

    /// A ServerHello that resumes our session: the keys come from its
    /// master secret, and the server's ChangeCipherSpec is next.
    pub(super) fn resume12(&mut self, sh: ServerHello) -> Option<ClientState> {
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
        self.io.events.push_back(HandshakeEvent::Resumed);
        let (cw, sw) = TrafficKeys::tls12(&r.master, &self.random, &sh.random);
        self.io.write_at_ccs = Some(cw);
        self.io.read_at_ccs = Some(sw);
        Some(ClientState::ExpectChangeCipherSpec { master: r.master })
    }

    /// A ServerHello that starts a full handshake.
    pub(super) fn server_hello12(&mut self, sh: ServerHello) -> Option<ClientState> {
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

    /// The server's Certificate; ServerKeyExchange follows for ECDHE_RSA.
    pub(super) fn certificate12(
        &mut self,
        bytes: &[u8],
        server_random: [u8; 32],
        chain: Vec<Certificate>,
    ) -> Option<ClientState> {
        self.io.transcript.add(bytes);
        let leaf = self.check_chain(&chain)?;
        match self.suite.map(Suite::key_exchange) {
            Some(KeyExchange::EcdheRsa) => Some(ClientState::ExpectServerKeyExchange {
                server_random,
                leaf,
            }),
            _ => Some(ClientState::ExpectServerHelloDone {
                server_random,
                leaf,
                server_share: None,
            }),
        }
    }

    /// ServerKeyExchange: the server's ECDHE share, signed with both
    /// randoms by the leaf's key (RFC 5246 §7.4.3, RFC 4492 §5.4).
    pub(super) fn server_key_exchange(
        &mut self,
        bytes: &[u8],
        server_random: [u8; 32],
        leaf: KeyId,
        share: Vec<u8>,
        signature: Vec<u8>,
    ) -> Option<ClientState> {
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
        Some(ClientState::ExpectServerHelloDone {
            server_random,
            leaf,
            server_share: Some(share),
        })
    }

    /// ServerHelloDone: our ClientKeyExchange, ChangeCipherSpec and
    /// Finished go out at once.
    pub(super) fn server_hello_done(
        &mut self,
        bytes: &[u8],
        server_random: [u8; 32],
        leaf: KeyId,
        server_share: Option<Vec<u8>>,
    ) -> Option<ClientState> {
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
                pm.extend_from_slice(&sha256(&[&self.random[..], b"premaster"].concat())[..23]);
                pm.extend_from_slice(&sha256(&[&self.share[..], b"premaster"].concat())[..23]);
                self.io.ops.rsa_public += 1;
                (seal(leaf, &pm), pm)
            }
        };
        self.io
            .send(&Message::ClientKeyExchange(kx), Version::Tls12);
        let master = if self.s12.ems {
            extended_master12(&premaster, &self.io.transcript.hash())
        } else {
            master12(
                self.io.transcript.alg(),
                &premaster,
                &self.random,
                &server_random,
            )
        };
        let (cw, sw) = TrafficKeys::tls12(&master, &self.random, &server_random);
        self.io.write_at_ccs = Some(cw);
        self.io.read_at_ccs = Some(sw);
        self.io.send_ccs();
        let vd = finished12(&master, true, &self.io.transcript.hash());
        self.io.send(&Message::Finished(vd), Version::Tls12);
        Some(ClientState::ExpectChangeCipherSpec { master })
    }

    /// The NewSessionTicket a ServerHello promised (RFC 5077 §3.3), before
    /// the server's ChangeCipherSpec.
    pub(super) fn new_session_ticket12(
        &mut self,
        bytes: &[u8],
        master: Vec<u8>,
        ticket: Vec<u8>,
    ) -> Option<ClientState> {
        self.io.transcript.add(bytes);
        self.s12.ticket_bytes = Some(ticket);
        Some(ClientState::ExpectChangeCipherSpec { master })
    }

    /// The server's Finished: checked; in a resumption our
    /// ChangeCipherSpec and Finished follow, after a full handshake the
    /// session is reported for later resumption.
    pub(super) fn finished12(
        &mut self,
        bytes: &[u8],
        master: Vec<u8>,
        vd: Vec<u8>,
    ) -> Option<ClientState> {
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
            self.io
                .events
                .push_back(HandshakeEvent::NewSession(ClientSession {
                    id,
                    ticket: self.s12.ticket_bytes.clone(),
                    master: master.clone(),
                    suite,
                    ems: self.s12.ems,
                }));
        }
        self.established()
    }
}
