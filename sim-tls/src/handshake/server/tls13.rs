//! The server's TLS 1.3 path (RFC 8446 §2): the client's key share or a
//! HelloRetryRequest, a PSK from a ticket, the flight from ServerHello to
//! Finished, early data, the client's Finished and a ticket after it.

use crate::alert::Alert;
use crate::crypto::{Secret, derive_secret, finished13, sha256};
use crate::keys::{dh_shared, key_share, sign};
use crate::msg::{ClientHello, Message, PSK_DHE_KE, RSA_PSS_RSAE_SHA256, ServerHello};
use crate::record::TrafficKeys;
use crate::session::{ServerSession, open_ticket, seal_ticket};
use crate::suite::{Group, Suite, Version};

use super::{Server, ServerState, alpn_choice};
use crate::handshake::common::{Early, Output};
use crate::handshake::schedule::{
    application_keys13, cert_verify_content, early_secret13, handshake_secrets13, psk_binder,
    ticket_psk,
};

impl Server {
    /// A ClientHello negotiated to TLS 1.3: its key share (or a
    /// HelloRetryRequest), its PSK, our ServerHello and the rest of our
    /// flight.
    pub(super) fn client_hello13(
        &mut self,
        bytes: &[u8],
        ch: ClientHello,
        suite: Suite,
    ) -> Option<ServerState> {
        self.check_extensions13(&ch)?;
        let Some((group, theirs)) = self.usable_share13(&ch) else {
            return self.hello_retry(bytes, &ch, suite);
        };
        let resumed13 = self.accept_psk(bytes, &ch, suite).ok()?;
        let suite = resumed13.as_ref().map_or(suite, |s| s.suite);
        let (accept_early, hello_hash, random) =
            self.take_hello(bytes, &ch, Version::Tls13, suite, resumed13.as_ref());
        let sh = ServerHello {
            random,
            suite: suite.code(),
            version: Version::Tls13,
            // RFC 8446 §4.1.3: legacy_session_id_echo.
            session_id: ch.session_id.clone(),
            ticket_ack: self.s12.ticket,
            ems: self.s12.ems,
            psk: resumed13.as_ref().map(|_| 0),
            key_share: Some((group.code(), key_share(&self.ephemeral, group))),
            reneg: false,
            point_formats: false,
            alpn: None,
        };
        let alpn = alpn_choice(self.cfg.extensions.alpn, &ch);
        self.io.send(&Message::ServerHello(sh), Version::Tls13);
        self.flight13(
            group,
            &theirs,
            resumed13.is_none(),
            (accept_early, alpn),
            &hello_hash,
        )
    }

    /// What RFC 8446 §9.2 requires of a TLS 1.3 ClientHello, answered
    /// with missing_extension: without a PSK, signature_algorithms and
    /// supported_groups; supported_groups and key_share together or not
    /// at all. Then a signature scheme we can sign with (§4.2.3:
    /// handshake_failure if none).
    fn check_extensions13(&mut self, ch: &ClientHello) -> Option<()> {
        let missing = if ch.psk.is_none() && ch.sig_algs.is_empty() {
            Some("a TLS 1.3 ClientHello without a PSK lacks signature_algorithms")
        } else if ch.psk.is_none() && ch.groups.is_empty() {
            Some("a TLS 1.3 ClientHello without a PSK lacks supported_groups")
        } else if ch.groups.is_empty() != ch.key_share.is_none() {
            Some(
                "a TLS 1.3 ClientHello has one of supported_groups and key_share without the other",
            )
        } else {
            None
        };
        if let Some(why) = missing {
            return self.io.fail(Alert::MissingExtension, why);
        }
        if !ch.sig_algs.is_empty() && !ch.sig_algs.contains(&RSA_PSS_RSAE_SHA256) {
            return self.io.fail(
                Alert::HandshakeFailure,
                "no signature scheme in common (we sign with rsa_pss_rsae_sha256)",
            );
        }
        Some(())
    }

    /// A second ClientHello, after our HelloRetryRequest.
    pub(super) fn second_client_hello(
        &mut self,
        bytes: &[u8],
        group: Group,
        ch: ClientHello,
    ) -> Option<ServerState> {
        // RFC 8446 §4.1.4: the share must be in the group we asked for.
        if ch.key_share.as_ref().map(|(g, _)| *g) != Some(group.code()) {
            return self.io.fail(
                Alert::IllegalParameter,
                "second ClientHello without a share in the group we asked for",
            );
        }
        self.client_hello(bytes, ch)
    }

    /// The client's key share, if it is in a group we take.
    fn usable_share13(&self, ch: &ClientHello) -> Option<(Group, Vec<u8>)> {
        ch.key_share
            .as_ref()
            .and_then(|(g, k)| Some((Group::from_code(*g)?, k.clone())))
            .filter(|(g, _)| self.cfg.groups.contains(g))
    }

    /// RFC 8446 §4.1.4: no usable share, but maybe a group in common: ask
    /// (once) for a share in our favourite of those.
    fn hello_retry(&mut self, bytes: &[u8], ch: &ClientHello, suite: Suite) -> Option<ServerState> {
        let common = self
            .cfg
            .groups
            .iter()
            .copied()
            .find(|g| ch.groups.contains(&g.code()));
        match common {
            Some(group) if !self.retried => {
                self.retried = true;
                // RFC 8446 §4.2.10: early data is skipped.
                if ch.early_data {
                    self.skip_early_data();
                }
                self.io.transcript.add(bytes);
                // RFC 8446 §4.4.1: with the hash of the suite named.
                self.io.transcript.set_alg(suite.hash());
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
        }
    }

    /// After ServerHello: the handshake keys, EncryptedExtensions,
    /// Certificate and CertificateVerify (`full`: no PSK), Finished, then
    /// the application write keys, and the read keys for what comes next
    /// (early data, or the client's Finished).
    fn flight13(
        &mut self,
        group: Group,
        theirs: &[u8],
        full: bool,
        (accept_early, alpn): (bool, Option<String>),
        hello_hash: &Secret,
    ) -> Option<ServerState> {
        let version = Version::Tls13;
        self.io.ops.ecdhe_keygen += 1;
        self.io.ops.ecdhe_derive += 1;
        let shared = dh_shared(&key_share(&self.ephemeral, group), theirs);
        let (c_hs, s_hs, master) =
            handshake_secrets13(&self.io.early13, &shared, &self.io.transcript.hash());
        self.io.master13 = master;
        self.io
            .out
            .push_back(Output::WriteKeys(TrafficKeys::tls13(&s_hs)));
        // RFC 8446 §4.2: ALPN's answer goes in EncryptedExtensions.
        let ee = Message::EncryptedExtensions {
            early_data: accept_early,
            alpn,
        };
        self.io.send(&ee, version);
        // A PSK authenticates the server: no certificate (RFC 8446
        // §2.2).
        if full {
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
            let c_e = derive_secret(&self.io.early13, "c e traffic", hello_hash);
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

    /// The session a TLS 1.3 ClientHello's PSK resumes, if its ticket
    /// opens under our key and its suite is one we take; `Err` after
    /// failing the handshake (a PSK without psk_key_exchange_modes, a
    /// binder that does not verify: RFC 8446 §4.2.9, §4.2.11).
    fn accept_psk(
        &mut self,
        bytes: &[u8],
        ch: &ClientHello,
        suite: Suite,
    ) -> Result<Option<ServerSession>, ()> {
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
        // the PSK). After a HelloRetryRequest the suite is fixed (§4.1.4),
        // and a PSK is only usable with a suite of its hash (§4.2.11).
        let Some(session) = session.filter(|s| {
            s.suite.version() == Version::Tls13
                && (!self.retried || s.suite == suite)
                && self.cfg.suites.contains(&s.suite)
                && ch.suites.contains(&s.suite.code())
        }) else {
            return Ok(None);
        };
        // RFC 8446 §4.6.1: the PSK is Hash.length bytes; the binder uses
        // the hash of the ticket's suite (§4.2.11.2).
        let alg = session.suite.hash();
        if session.master.len() != alg.size() {
            return Ok(None);
        }
        let early = early_secret13(alg, Some(&session.master));
        let mut partial = self.io.transcript.clone();
        partial.add(&bytes[..bytes.len() - ch.binders_len()]);
        if *psk_binder(&early, &partial.hash_with(alg)) != offer.binder[..] {
            self.io
                .fail::<()>(Alert::DecryptError, "the PSK binder does not verify");
            return Err(());
        }
        self.io.early13 = early;
        Ok(Some(session))
    }

    /// EndOfEarlyData: the client's handshake keys from here (RFC 8446
    /// §4.5).
    pub(super) fn end_of_early_data(
        &mut self,
        bytes: &[u8],
        c_hs: Secret,
        c_ap: TrafficKeys,
    ) -> Option<ServerState> {
        self.io.transcript.add(bytes);
        self.io
            .out
            .push_back(Output::ReadKeys(TrafficKeys::tls13(&c_hs)));
        self.io.out.push_back(Output::Early(Early::End));
        Some(ServerState::ExpectFinished13 { c_hs, c_ap })
    }

    /// The client's Finished: checked, then the client's application keys
    /// and a ticket.
    pub(super) fn finished13(
        &mut self,
        bytes: &[u8],
        c_hs: Secret,
        c_ap: TrafficKeys,
        vd: Vec<u8>,
    ) -> Option<ServerState> {
        if vd[..] != *finished13(&c_hs, &self.io.transcript.hash()) {
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
            master: ticket_psk(&res, &nonce),
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
}
