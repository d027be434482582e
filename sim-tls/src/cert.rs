//! Certificates, trust stores and chain validation.
//!
//! Public-key cryptography is symbolic: a key is an identity ([`KeyId`]),
//! and a certificate "signed by" a key can only have been made by that key's
//! holder. Everything else is checked as a browser would: the chain must lead
//! to a trusted root with each certificate signed by the next one's key, every
//! issuer must be a CA, every certificate must be valid at the simulated
//! calendar time and not revoked, and the leaf must name the host (RFC 6125).
//! Each failure is a [`CertError`] that names what failed and maps to the
//! alert the RFCs prescribe.

use std::collections::BTreeSet;

use thiserror::Error;

use crate::alert::Alert;

/// The identity of a key pair.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct KeyId(pub u32);

/// An X.509 certificate, as far as the simulation needs one.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Certificate {
    /// Serial number (unique per issuer).
    pub serial: u64,
    /// Subject name.
    pub subject: String,
    /// Subject alternative DNS names.
    pub san: Vec<String>,
    /// Issuer name.
    pub issuer: String,
    /// Start of validity, seconds since the Unix epoch.
    pub not_before: i64,
    /// End of validity, seconds since the Unix epoch.
    pub not_after: i64,
    /// The subject's public key.
    pub key: KeyId,
    /// The key that signed this certificate.
    pub signed_by: KeyId,
    /// May sign other certificates (basicConstraints cA).
    pub is_ca: bool,
    /// DER size in bytes (what it costs on the wire).
    pub size: u32,
}

impl Certificate {
    /// True when issuer and subject, and signing and subject key, coincide.
    pub fn is_self_signed(&self) -> bool {
        self.issuer == self.subject && self.signed_by == self.key
    }
}

/// The roots a client trusts.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    roots: Vec<Certificate>,
}

impl TrustStore {
    /// An empty store (trusts nothing).
    pub fn new() -> Self {
        Self::default()
    }
    /// Trusts `root`.
    pub fn add(&mut self, root: Certificate) {
        self.roots.push(root);
    }
    fn root_for(&self, issuer: &str, key: KeyId) -> Option<&Certificate> {
        self.roots
            .iter()
            .find(|r| r.subject == issuer && r.key == key)
    }
    fn is_root(&self, c: &Certificate) -> bool {
        self.roots.iter().any(|r| r == c)
    }
}

/// Certificates a client knows to be revoked: (issuer, serial), from a CRL
/// or a stapled OCSP response.
#[derive(Clone, Debug, Default)]
pub struct Revocations {
    revoked: BTreeSet<(String, u64)>,
}

impl Revocations {
    /// Nothing revoked.
    pub fn new() -> Self {
        Self::default()
    }
    /// Marks a certificate revoked.
    pub fn revoke(&mut self, issuer: &str, serial: u64) {
        self.revoked.insert((issuer.to_string(), serial));
    }
    fn contains(&self, c: &Certificate) -> bool {
        self.revoked.contains(&(c.issuer.clone(), c.serial))
    }
}

/// Why a chain was refused.
#[derive(Clone, PartialEq, Eq, Debug, Error)]
pub enum CertError {
    /// The server sent no certificate.
    #[error("no certificate was sent")]
    Empty,
    /// A certificate's validity ended before `now`.
    #[error("certificate {subject:?} expired at {not_after} (checked at {now})")]
    Expired {
        /// Whose.
        subject: String,
        /// Its end of validity.
        not_after: i64,
        /// The calendar time checked.
        now: i64,
    },
    /// A certificate's validity starts after `now`.
    #[error("certificate {subject:?} is not valid before {not_before} (checked at {now})")]
    NotYetValid {
        /// Whose.
        subject: String,
        /// Its start of validity.
        not_before: i64,
        /// The calendar time checked.
        now: i64,
    },
    /// The issuer revoked a certificate.
    #[error("certificate {subject:?} (serial {serial}) is revoked")]
    Revoked {
        /// Whose.
        subject: String,
        /// Its serial.
        serial: u64,
    },
    /// A certificate was not signed by the key of the certificate above it.
    #[error("certificate {subject:?} does not carry a valid signature of {issuer:?}")]
    BadSignature {
        /// Whose.
        subject: String,
        /// Its claimed issuer.
        issuer: String,
    },
    /// An issuing certificate is not a CA.
    #[error("certificate {subject:?} signs others but is not a CA")]
    NotCa {
        /// Whose.
        subject: String,
    },
    /// The chain ends at a self-signed certificate the client does not trust.
    #[error("certificate {subject:?} is self-signed and not trusted")]
    SelfSigned {
        /// Whose.
        subject: String,
    },
    /// The chain does not lead to a trusted root.
    #[error("issuer {issuer:?} is not a trusted CA")]
    UnknownIssuer {
        /// The last issuer reached.
        issuer: String,
    },
    /// The leaf does not name the host.
    #[error("certificate names {names:?}, not {host:?}")]
    NameMismatch {
        /// The host name the client wanted (SNI).
        host: String,
        /// The names the certificate holds.
        names: Vec<String>,
    },
}

impl CertError {
    /// The alert a client sends for this failure (RFC 8446 §6.2, RFC 5246
    /// §7.2.2).
    pub fn alert(&self) -> Alert {
        match self {
            CertError::Expired { .. } | CertError::NotYetValid { .. } => Alert::CertificateExpired,
            CertError::Revoked { .. } => Alert::CertificateRevoked,
            CertError::SelfSigned { .. } | CertError::UnknownIssuer { .. } => Alert::UnknownCa,
            // "A certificate was corrupt, contained signatures that did not
            // verify correctly, etc." (RFC 5246 §7.2.2).
            CertError::Empty
            | CertError::BadSignature { .. }
            | CertError::NotCa { .. }
            | CertError::NameMismatch { .. } => Alert::BadCertificate,
        }
    }
}

/// Whether DNS name `pattern` from a certificate matches `host` (RFC 6125
/// §6.4: case-insensitive; a `*` only as the whole left-most label, matching
/// exactly one label).
pub fn name_matches(pattern: &str, host: &str) -> bool {
    let (p, h) = (pattern.to_ascii_lowercase(), host.to_ascii_lowercase());
    match p.strip_prefix("*.") {
        Some(rest) => match h.split_once('.') {
            Some((first, tail)) => !first.is_empty() && tail == rest,
            None => false,
        },
        None => p == h,
    }
}

/// Validates `chain` (leaf first) for `host` at calendar time `now`.
pub fn validate(
    chain: &[Certificate],
    host: &str,
    now: i64,
    trust: &TrustStore,
    revoked: &Revocations,
) -> Result<(), CertError> {
    let leaf = chain.first().ok_or(CertError::Empty)?;
    for c in chain {
        if now > c.not_after {
            return Err(CertError::Expired {
                subject: c.subject.clone(),
                not_after: c.not_after,
                now,
            });
        }
        if now < c.not_before {
            return Err(CertError::NotYetValid {
                subject: c.subject.clone(),
                not_before: c.not_before,
                now,
            });
        }
        if revoked.contains(c) {
            return Err(CertError::Revoked {
                subject: c.subject.clone(),
                serial: c.serial,
            });
        }
    }
    // Walk up: each certificate signed by the next one's key, until a
    // trusted root vouches for the last.
    for (i, c) in chain.iter().enumerate() {
        if trust.is_root(c) {
            break;
        }
        if trust.root_for(&c.issuer, c.signed_by).is_some() {
            break;
        }
        match chain.get(i + 1) {
            Some(up) => {
                if up.subject != c.issuer || up.key != c.signed_by {
                    return Err(CertError::BadSignature {
                        subject: c.subject.clone(),
                        issuer: c.issuer.clone(),
                    });
                }
                if !up.is_ca {
                    return Err(CertError::NotCa {
                        subject: up.subject.clone(),
                    });
                }
            }
            None => {
                return Err(if c.is_self_signed() {
                    CertError::SelfSigned {
                        subject: c.subject.clone(),
                    }
                } else {
                    CertError::UnknownIssuer {
                        issuer: c.issuer.clone(),
                    }
                });
            }
        }
    }
    // RFC 6125 §6.4.4: the subject's CN is a name only when the
    // certificate has no DNS names (subjectAltName); with them it is
    // ignored.
    let names = if leaf.san.is_empty() {
        std::slice::from_ref(&leaf.subject)
    } else {
        &leaf.san[..]
    };
    if !names.iter().any(|n| name_matches(n, host)) {
        return Err(CertError::NameMismatch {
            host: host.to_string(),
            names: names.to_vec(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000; // November 2023
    const YEAR: i64 = 365 * 86_400;

    fn cert(subject: &str, issuer: &str, key: u32, signed_by: u32, ca: bool) -> Certificate {
        Certificate {
            serial: u64::from(key),
            subject: subject.into(),
            san: vec![],
            issuer: issuer.into(),
            not_before: NOW - YEAR,
            not_after: NOW + YEAR,
            key: KeyId(key),
            signed_by: KeyId(signed_by),
            is_ca: ca,
            size: 1200,
        }
    }

    /// root (key 1) -> intermediate (key 2) -> leaf www.example.com (key 3).
    fn pki() -> (Vec<Certificate>, TrustStore) {
        let root = cert("Root CA", "Root CA", 1, 1, true);
        let inter = cert("Intermediate CA", "Root CA", 2, 1, true);
        let mut leaf = cert("www.example.com", "Intermediate CA", 3, 2, false);
        leaf.san = vec!["www.example.com".into(), "*.cdn.example.com".into()];
        let mut trust = TrustStore::new();
        trust.add(root);
        (vec![leaf, inter], trust)
    }

    fn check(chain: &[Certificate], host: &str, trust: &TrustStore) -> Result<(), CertError> {
        validate(chain, host, NOW, trust, &Revocations::new())
    }

    #[test]
    fn a_good_chain_validates() {
        let (chain, trust) = pki();
        assert_eq!(check(&chain, "www.example.com", &trust), Ok(()));
        assert_eq!(check(&chain, "img.cdn.example.com", &trust), Ok(()));
    }

    /// RFC 6125 §6.4.4: the CN names the host only when the certificate
    /// has no DNS names; beside them it is ignored (bad_certificate).
    #[test]
    fn the_subject_cn_counts_only_without_dns_names() {
        let (mut chain, trust) = pki();
        chain[0].subject = "cn.example.com".into();
        let e = check(&chain, "cn.example.com", &trust).unwrap_err();
        assert_eq!(
            e,
            CertError::NameMismatch {
                host: "cn.example.com".into(),
                names: vec!["www.example.com".into(), "*.cdn.example.com".into()],
            }
        );
        assert_eq!(e.alert(), Alert::BadCertificate);
        chain[0].san.clear();
        assert_eq!(check(&chain, "cn.example.com", &trust), Ok(()));
        let e = check(&chain, "www.example.com", &trust).unwrap_err();
        assert_eq!(
            e,
            CertError::NameMismatch {
                host: "www.example.com".into(),
                names: vec!["cn.example.com".into()],
            }
        );
    }

    #[test]
    fn each_failure_maps_to_its_alert() {
        let (chain, trust) = pki();
        let e = check(&chain, "example.org", &trust).unwrap_err();
        assert!(matches!(e, CertError::NameMismatch { .. }));
        assert_eq!(e.alert(), Alert::BadCertificate);

        let e = check(&chain, "www.example.com", &TrustStore::new()).unwrap_err();
        assert_eq!(
            e,
            CertError::UnknownIssuer {
                issuer: "Root CA".into()
            }
        );
        assert_eq!(e.alert(), Alert::UnknownCa);

        let e = validate(
            &chain,
            "www.example.com",
            NOW + 2 * YEAR,
            &trust,
            &Revocations::new(),
        )
        .unwrap_err();
        assert!(matches!(e, CertError::Expired { .. }));
        assert_eq!(e.alert(), Alert::CertificateExpired);

        let mut revoked = Revocations::new();
        revoked.revoke("Intermediate CA", 3);
        let e = validate(&chain, "www.example.com", NOW, &trust, &revoked).unwrap_err();
        assert_eq!(e.alert(), Alert::CertificateRevoked);

        let mut self_signed = cert("www.example.com", "www.example.com", 9, 9, false);
        self_signed.san = vec!["www.example.com".into()];
        let e = check(&[self_signed], "www.example.com", &trust).unwrap_err();
        assert!(matches!(e, CertError::SelfSigned { .. }));
        assert_eq!(e.alert(), Alert::UnknownCa);
    }

    #[test]
    fn a_forged_signature_or_a_non_ca_issuer_is_a_bad_certificate() {
        let (mut chain, trust) = pki();
        // A man in the middle's leaf claiming the intermediate as issuer,
        // signed with its own key 66.
        chain[0].signed_by = KeyId(66);
        let e = check(&chain, "www.example.com", &trust).unwrap_err();
        assert!(matches!(e, CertError::BadSignature { .. }));
        assert_eq!(e.alert(), Alert::BadCertificate);
        let (mut chain, trust) = pki();
        chain[1].is_ca = false;
        assert!(matches!(
            check(&chain, "www.example.com", &trust),
            Err(CertError::NotCa { .. })
        ));
    }

    #[test]
    fn wildcards_match_one_left_most_label_only() {
        assert!(name_matches("*.example.com", "www.example.com"));
        assert!(name_matches("WWW.Example.com", "www.example.COM"));
        assert!(!name_matches("*.example.com", "example.com"));
        assert!(!name_matches("*.example.com", "a.b.example.com"));
        assert!(!name_matches("www.*.com", "www.example.com"));
    }
}
