//! A ready-made PKI: a root CA, an intermediate and a server certificate,
//! with client and server settings that trust them. Scenarios start from it
//! and change what they test (an expired leaf, an unknown root, a MITM's
//! own chain); tests and benchmarks use it as is.

use crate::cert::{Certificate, KeyId, Revocations, TrustStore};
use crate::handshake::{ClientConfig, ServerConfig};
use crate::keys::PrivateKey;
use crate::suite::{Group, Suite, Version};

/// One year in seconds.
pub const YEAR: i64 = 365 * 86_400;

/// DER sizes typical of a public web PKI in 2023 (RSA-2048 keys and
/// signatures, a few extensions): what a Certificate message costs.
const ROOT_SIZE: u32 = 1_000;
const INTERMEDIATE_SIZE: u32 = 1_200;
const LEAF_SIZE: u32 = 1_400;

/// Root (key 1) → intermediate (key 2) → leaf for one host (key 3).
#[derive(Clone, Debug)]
pub struct DemoPki {
    /// The self-signed root clients trust.
    pub root: Certificate,
    /// The intermediate the root signed.
    pub intermediate: Certificate,
    /// The server's certificate, naming the host.
    pub leaf: Certificate,
    /// The leaf's private key.
    pub leaf_key: PrivateKey,
    /// The calendar time everything is valid around.
    pub now_unix: i64,
}

/// A certificate valid for a year either side of `now`.
pub fn certificate(
    subject: &str,
    issuer: &str,
    key: u32,
    signed_by: u32,
    is_ca: bool,
    now: i64,
) -> Certificate {
    Certificate {
        serial: u64::from(key),
        subject: subject.into(),
        san: if is_ca { vec![] } else { vec![subject.into()] },
        issuer: issuer.into(),
        not_before: now - YEAR,
        not_after: now + YEAR,
        key: KeyId(key),
        signed_by: KeyId(signed_by),
        is_ca,
        size: if is_ca { INTERMEDIATE_SIZE } else { LEAF_SIZE },
    }
}

impl DemoPki {
    /// A PKI for `host`, valid around `now_unix`.
    pub fn new(host: &str, now_unix: i64) -> Self {
        let mut root = certificate("Demo Root CA", "Demo Root CA", 1, 1, true, now_unix);
        root.size = ROOT_SIZE;
        DemoPki {
            root,
            intermediate: certificate("Demo Intermediate CA", "Demo Root CA", 2, 1, true, now_unix),
            leaf: certificate(host, "Demo Intermediate CA", 3, 2, false, now_unix),
            leaf_key: PrivateKey(KeyId(3)),
            now_unix,
        }
    }

    /// A trust store holding the root.
    pub fn trust(&self) -> TrustStore {
        let mut t = TrustStore::new();
        t.add(self.root.clone());
        t
    }

    /// A client for the leaf's host offering `versions` and `suites`.
    pub fn client(&self, versions: &[Version], suites: &[Suite]) -> ClientConfig {
        ClientConfig {
            versions: versions.to_vec(),
            suites: suites.to_vec(),
            groups: vec![Group::X25519, Group::Secp256r1],
            server_name: self.leaf.subject.clone(),
            trust: self.trust(),
            revoked: Revocations::new(),
            now_unix: self.now_unix,
            accept_untrusted: false,
            refuse_weak: false,
            fallback: false,
            resume: None,
            tickets: false,
            ems: true,
            resume13: None,
            early_data: false,
            ticket_age_ms: 0,
            extensions: Default::default(),
            misbehave: Default::default(),
        }
    }

    /// A server sending leaf and intermediate.
    pub fn server(&self, versions: &[Version], suites: &[Suite]) -> ServerConfig {
        ServerConfig {
            versions: versions.to_vec(),
            suites: suites.to_vec(),
            groups: vec![Group::X25519, Group::Secp256r1, Group::Secp384r1],
            chain: vec![self.leaf.clone(), self.intermediate.clone()],
            key: self.leaf_key,
            sessions: None,
            ticket_key: None,
            certificate_cache: Default::default(),
            max_early_data: 0,
            accept_early_data: false,
            extensions: Default::default(),
            misbehave: Default::default(),
            ems: true,
        }
    }
}
