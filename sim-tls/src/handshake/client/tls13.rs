//! The client's TLS 1.3 path (RFC 8446 §2): a HelloRetryRequest, the
//! rest of ServerHello, then EncryptedExtensions, Certificate,
//! CertificateVerify and Finished, and tickets once connected.

use crate::alert::Alert;
use crate::cert::{Certificate, KeyId};
use crate::crypto::{Secret, derive_secret, finished13};
use crate::keys::{dh_shared, key_share, verify};
use crate::msg::{Message, ServerHello};
use crate::record::TrafficKeys;
use crate::session::Ticket13;
use crate::suite::{Group, Suite, Version};

use super::{Client, ClientState, EarlyState};
use crate::handshake::common::{Early, Exporter, HandshakeEvent, Output};
use crate::handshake::schedule::{
    application_keys13, cert_verify_content, early_secret13, handshake_secrets13, ticket_psk,
};

impl Client {
    /// RFC 8446 §4.1.4: answer a HelloRetryRequest with a second
    /// ClientHello carrying a share in the group asked for, after folding
    /// the first ClientHello into a message_hash (§4.4.1).
    pub(super) fn hello_retry(
        &mut self,
        bytes: &[u8],
        suite: u16,
        group: u16,
    ) -> Option<ClientState> {
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
        // RFC 8446 §4.4.1: message_hash is computed with the hash of the
        // suite the HelloRetryRequest names.
        let alg = Suite::ALL
            .into_iter()
            .find(|s| s.code() == suite)
            .map_or_else(Default::default, Suite::hash);
        self.io.transcript.set_alg(alg);
        self.io.transcript.replace_with_message_hash();
        // RFC 8446 §4.1.4, §4.2.11: a PSK whose hash is not the suite's
        // cannot be used with it; the second hello leaves it out.
        if self.ticket.as_ref().is_some_and(|t| t.suite.hash() != alg) {
            self.ticket = None;
            self.hello.psk = None;
        }
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
            self.io.out.push_back(Output::Early(Early::Retry));
            self.io
                .events
                .push_back(HandshakeEvent::EarlyData { accepted: false });
        }
        self.send_hello();
        Some(ClientState::ExpectServerHello)
    }

    /// A TLS 1.3 ServerHello, already checked and hashed: the key share
    /// (and PSK) it chose give the handshake traffic keys.
    pub(super) fn server_hello13(&mut self, sh: ServerHello, suite: Suite) -> Option<ClientState> {
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
            self.io.early13 = early_secret13(suite.hash(), None);
        } else {
            self.io.events.push_back(HandshakeEvent::Resumed);
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

    /// EncryptedExtensions: whether the server took our early data.
    pub(super) fn encrypted_extensions(
        &mut self,
        bytes: &[u8],
        c_hs: Secret,
        s_hs: Secret,
        resumed: bool,
        early_data: bool,
    ) -> Option<ClientState> {
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
                self.io
                    .events
                    .push_back(HandshakeEvent::EarlyData { accepted });
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
            Some(ClientState::ExpectFinished13 { c_hs, s_hs })
        } else {
            Some(ClientState::ExpectCertificate13 { c_hs, s_hs })
        }
    }

    /// The server's Certificate (a full handshake).
    pub(super) fn certificate13(
        &mut self,
        bytes: &[u8],
        c_hs: Secret,
        s_hs: Secret,
        chain: Vec<Certificate>,
    ) -> Option<ClientState> {
        self.io.transcript.add(bytes);
        let leaf = self.check_chain(&chain)?;
        Some(ClientState::ExpectCertificateVerify { c_hs, s_hs, leaf })
    }

    /// CertificateVerify: the leaf's signature over the transcript (RFC
    /// 8446 §4.4.3).
    pub(super) fn certificate_verify(
        &mut self,
        bytes: &[u8],
        c_hs: Secret,
        s_hs: Secret,
        leaf: KeyId,
        sig: Vec<u8>,
    ) -> Option<ClientState> {
        let content = cert_verify_content(&self.io.transcript.hash());
        self.io.ops.rsa_public += 1;
        if !verify(leaf, &content, &sig) {
            return self
                .io
                .fail(Alert::DecryptError, "CertificateVerify does not verify");
        }
        self.io.transcript.add(bytes);
        Some(ClientState::ExpectFinished13 { c_hs, s_hs })
    }

    /// The server's Finished: checked, then our EndOfEarlyData (if the
    /// early data was accepted), our Finished and the application keys.
    pub(super) fn finished13(
        &mut self,
        bytes: &[u8],
        c_hs: Secret,
        s_hs: Secret,
        vd: Vec<u8>,
    ) -> Option<ClientState> {
        if vd[..] != *finished13(&s_hs, &self.io.transcript.hash()) {
            return self.io.fail(
                Alert::DecryptError,
                "the server's Finished does not match our transcript",
            );
        }
        self.io.transcript.add(bytes);
        let through_server_finished = self.io.transcript.hash();
        let (c_ap, s_ap) = application_keys13(&self.io.master13, &through_server_finished);
        self.io.out.push_back(Output::ReadKeys(s_ap));
        // RFC 8446 §7.1: exporter_master_secret, over the same transcript.
        self.io
            .out
            .push_back(Output::Exporter(Exporter::Main(derive_secret(
                &self.io.master13,
                "exp master",
                &through_server_finished,
            ))));
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

    /// A NewSessionTicket after the handshake: a ticket to resume with,
    /// its PSK derived from the resumption master secret (RFC 8446
    /// §4.6.1).
    pub(super) fn new_session_ticket13(
        &mut self,
        lifetime: u32,
        age_add: u32,
        nonce: &[u8],
        ticket: Vec<u8>,
        max_early_data: Option<u32>,
    ) -> Option<ClientState> {
        let (Some(res), Some(suite)) = (self.res_master, self.suite) else {
            return Some(ClientState::Connected);
        };
        self.io
            .events
            .push_back(HandshakeEvent::NewTicket(Ticket13 {
                ticket,
                psk: ticket_psk(&res, nonce),
                suite,
                age_add,
                lifetime,
                max_early_data: max_early_data.unwrap_or(0),
            }));
        Some(ClientState::Connected)
    }
}
