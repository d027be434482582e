//! Cipher suites as the IANA registry names them, with what the simulator
//! needs of each: version, key exchange, record protection overhead, and
//! whether a modern client policy would refuse it.

use std::fmt;

use crate::crypto::HashAlg;

/// TLS versions.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Version {
    /// RFC 5246.
    Tls12,
    /// RFC 8446.
    Tls13,
}

impl Version {
    /// The version field value (0x0303, 0x0304).
    pub const fn code(self) -> u16 {
        match self {
            Version::Tls12 => 0x0303,
            Version::Tls13 => 0x0304,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::Tls12 => "1.2",
            Version::Tls13 => "1.3",
        })
    }
}

/// Key-exchange groups (the supported_groups registry).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Group {
    /// x25519 (RFC 7748).
    X25519,
    /// NIST P-256.
    Secp256r1,
    /// NIST P-384.
    Secp384r1,
}

impl Group {
    /// Every group, in registry order.
    pub const ALL: [Group; 3] = [Group::Secp256r1, Group::Secp384r1, Group::X25519];

    /// The NamedGroup code point.
    pub const fn code(self) -> u16 {
        match self {
            Group::Secp256r1 => 0x0017,
            Group::Secp384r1 => 0x0018,
            Group::X25519 => 0x001d,
        }
    }

    /// The group for a code point.
    pub fn from_code(code: u16) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.code() == code)
    }

    /// The registry name.
    pub fn from_name(name: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.name() == name)
    }

    /// The registry name.
    pub const fn name(self) -> &'static str {
        match self {
            Group::Secp256r1 => "secp256r1",
            Group::Secp384r1 => "secp384r1",
            Group::X25519 => "x25519",
        }
    }

    /// Bytes of a key share: 32 for x25519, an uncompressed point for the
    /// NIST curves (RFC 8446 §4.2.8.2).
    pub const fn share_len(self) -> usize {
        match self {
            Group::X25519 => 32,
            Group::Secp256r1 => 65,
            Group::Secp384r1 => 97,
        }
    }
}

/// How the premaster (or shared) secret is agreed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum KeyExchange {
    /// Client encrypts a premaster secret to the server's RSA key.
    Rsa,
    /// Ephemeral elliptic-curve Diffie-Hellman, signed by the server's RSA key.
    EcdheRsa,
    /// TLS 1.3: (EC)DHE or PSK, negotiated outside the suite.
    Tls13,
}

/// How records are protected.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Protection {
    /// A block cipher in CBC mode with HMAC: explicit IV, MAC, padding.
    Cbc {
        /// Block (and explicit IV) size.
        block: u8,
        /// MAC length.
        mac: u8,
    },
    /// A stream cipher with HMAC (RC4): MAC only.
    Stream {
        /// MAC length.
        mac: u8,
    },
    /// An AEAD: explicit nonce (TLS 1.2 GCM) and tag.
    Aead {
        /// Explicit nonce bytes carried per record (8 for TLS 1.2 GCM, 0 for
        /// ChaCha20 and TLS 1.3).
        explicit_nonce: u8,
        /// Tag length.
        tag: u8,
    },
}

/// A cipher suite from the IANA registry.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[allow(non_camel_case_types, missing_docs)]
pub enum Suite {
    TLS_RSA_WITH_RC4_128_MD5,
    TLS_RSA_WITH_RC4_128_SHA,
    TLS_RSA_WITH_3DES_EDE_CBC_SHA,
    TLS_RSA_WITH_AES_128_CBC_SHA,
    TLS_RSA_WITH_AES_256_CBC_SHA,
    TLS_RSA_WITH_AES_128_CBC_SHA256,
    TLS_RSA_WITH_AES_128_GCM_SHA256,
    TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    TLS_AES_128_GCM_SHA256,
    TLS_AES_256_GCM_SHA384,
    TLS_CHACHA20_POLY1305_SHA256,
}

impl Suite {
    /// Every suite, in registry order of introduction.
    pub const ALL: [Suite; 14] = [
        Suite::TLS_RSA_WITH_RC4_128_MD5,
        Suite::TLS_RSA_WITH_RC4_128_SHA,
        Suite::TLS_RSA_WITH_3DES_EDE_CBC_SHA,
        Suite::TLS_RSA_WITH_AES_128_CBC_SHA,
        Suite::TLS_RSA_WITH_AES_256_CBC_SHA,
        Suite::TLS_RSA_WITH_AES_128_CBC_SHA256,
        Suite::TLS_RSA_WITH_AES_128_GCM_SHA256,
        Suite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
        Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        Suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        Suite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        Suite::TLS_AES_128_GCM_SHA256,
        Suite::TLS_AES_256_GCM_SHA384,
        Suite::TLS_CHACHA20_POLY1305_SHA256,
    ];

    /// The two-byte code point.
    pub const fn code(self) -> u16 {
        match self {
            Suite::TLS_RSA_WITH_RC4_128_MD5 => 0x0004,
            Suite::TLS_RSA_WITH_RC4_128_SHA => 0x0005,
            Suite::TLS_RSA_WITH_3DES_EDE_CBC_SHA => 0x000A,
            Suite::TLS_RSA_WITH_AES_128_CBC_SHA => 0x002F,
            Suite::TLS_RSA_WITH_AES_256_CBC_SHA => 0x0035,
            Suite::TLS_RSA_WITH_AES_128_CBC_SHA256 => 0x003C,
            Suite::TLS_RSA_WITH_AES_128_GCM_SHA256 => 0x009C,
            Suite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA => 0xC013,
            Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => 0xC02F,
            Suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => 0xC030,
            Suite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => 0xCCA8,
            Suite::TLS_AES_128_GCM_SHA256 => 0x1301,
            Suite::TLS_AES_256_GCM_SHA384 => 0x1302,
            Suite::TLS_CHACHA20_POLY1305_SHA256 => 0x1303,
        }
    }

    /// The registry name.
    pub fn name(self) -> String {
        format!("{self:?}")
    }

    /// Looks a suite up by its registry name.
    pub fn from_name(name: &str) -> Option<Suite> {
        Suite::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The version it belongs to.
    pub const fn version(self) -> Version {
        match self {
            Suite::TLS_AES_128_GCM_SHA256
            | Suite::TLS_AES_256_GCM_SHA384
            | Suite::TLS_CHACHA20_POLY1305_SHA256 => Version::Tls13,
            _ => Version::Tls12,
        }
    }

    /// Its key exchange.
    pub const fn key_exchange(self) -> KeyExchange {
        match self {
            Suite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
            | Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
            | Suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
            | Suite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => KeyExchange::EcdheRsa,
            Suite::TLS_AES_128_GCM_SHA256
            | Suite::TLS_AES_256_GCM_SHA384
            | Suite::TLS_CHACHA20_POLY1305_SHA256 => KeyExchange::Tls13,
            _ => KeyExchange::Rsa,
        }
    }

    /// The hash its handshake runs on: the TLS 1.2 PRF's, SHA-256 for
    /// every suite of RFC 5246 (§5) and SHA-384 for the `_SHA384` ones (RFC
    /// 5289 §3); the TLS 1.3 transcript and HKDF hash the suite names (RFC
    /// 8446 §7.1, Appendix B.4).
    pub const fn hash(self) -> HashAlg {
        match self {
            Suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 | Suite::TLS_AES_256_GCM_SHA384 => {
                HashAlg::Sha384
            }
            _ => HashAlg::Sha256,
        }
    }

    /// How its records are protected.
    pub const fn protection(self) -> Protection {
        match self {
            Suite::TLS_RSA_WITH_RC4_128_MD5 => Protection::Stream { mac: 16 },
            Suite::TLS_RSA_WITH_RC4_128_SHA => Protection::Stream { mac: 20 },
            Suite::TLS_RSA_WITH_3DES_EDE_CBC_SHA => Protection::Cbc { block: 8, mac: 20 },
            Suite::TLS_RSA_WITH_AES_128_CBC_SHA
            | Suite::TLS_RSA_WITH_AES_256_CBC_SHA
            | Suite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA => Protection::Cbc { block: 16, mac: 20 },
            Suite::TLS_RSA_WITH_AES_128_CBC_SHA256 => Protection::Cbc { block: 16, mac: 32 },
            Suite::TLS_RSA_WITH_AES_128_GCM_SHA256
            | Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
            | Suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => Protection::Aead {
                explicit_nonce: 8,
                tag: 16,
            },
            Suite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
            | Suite::TLS_AES_128_GCM_SHA256
            | Suite::TLS_AES_256_GCM_SHA384
            | Suite::TLS_CHACHA20_POLY1305_SHA256 => Protection::Aead {
                explicit_nonce: 0,
                tag: 16,
            },
        }
    }

    /// Weak by today's standards (RC4: RFC 7465; 3DES: Sweet32; MD5), so a
    /// strict client policy refuses it.
    pub const fn is_weak(self) -> bool {
        matches!(
            self,
            Suite::TLS_RSA_WITH_RC4_128_MD5
                | Suite::TLS_RSA_WITH_RC4_128_SHA
                | Suite::TLS_RSA_WITH_3DES_EDE_CBC_SHA
        )
    }

    /// Bytes on the wire of a record carrying `plaintext` bytes: the 5-byte
    /// header plus what the protection adds (RFC 5246 §6.2.3, RFC 8446
    /// §5.2: TLS 1.3 adds one byte of inner content type).
    pub fn record_size(self, plaintext: usize) -> usize {
        let body = match self.protection() {
            Protection::Stream { mac } => plaintext + usize::from(mac),
            Protection::Cbc { block, mac } => {
                let b = usize::from(block);
                // Data, MAC and at least one padding byte, to a whole block,
                // after an explicit IV of one block.
                let padded = (plaintext + usize::from(mac) + 1).div_ceil(b) * b;
                b + padded
            }
            Protection::Aead {
                explicit_nonce,
                tag,
            } => {
                let inner = if self.version() == Version::Tls13 {
                    1
                } else {
                    0
                };
                usize::from(explicit_nonce) + plaintext + inner + usize::from(tag)
            }
        };
        5 + body
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

/// Largest plaintext in one record (RFC 8446 §5.1, RFC 5246 §6.2.1).
pub const MAX_FRAGMENT: usize = 1 << 14;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_round_trip() {
        for s in Suite::ALL {
            assert_eq!(Suite::from_name(&s.name()), Some(s));
        }
        assert_eq!(Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256.code(), 0xC02F);
        assert_eq!(Suite::TLS_AES_128_GCM_SHA256.version(), Version::Tls13);
        assert!(Suite::TLS_RSA_WITH_RC4_128_MD5.is_weak());
        assert!(!Suite::TLS_AES_128_GCM_SHA256.is_weak());
    }

    #[test]
    fn record_sizes_follow_each_protection() {
        // GCM in TLS 1.2: 5 + 8 nonce + 100 + 16 tag.
        assert_eq!(
            Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256.record_size(100),
            129
        );
        // TLS 1.3: 5 + 100 + 1 content type + 16 tag.
        assert_eq!(Suite::TLS_AES_128_GCM_SHA256.record_size(100), 122);
        // AES-CBC-SHA: 5 + 16 IV + pad(100 + 20 + 1 -> 128).
        assert_eq!(Suite::TLS_RSA_WITH_AES_128_CBC_SHA.record_size(100), 149);
        // 3DES (8-byte blocks): 5 + 8 + pad(100 + 20 + 1 -> 128).
        assert_eq!(Suite::TLS_RSA_WITH_3DES_EDE_CBC_SHA.record_size(100), 141);
        // RC4-MD5: 5 + 100 + 16.
        assert_eq!(Suite::TLS_RSA_WITH_RC4_128_MD5.record_size(100), 121);
    }
}
