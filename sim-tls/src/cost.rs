//! What the handshake costs the CPU.
//!
//! The symbolic keys of [`crate::keys`] cost nothing to compute, but real
//! ones do, and the cost shapes handshake latency and how many handshakes
//! a server can take per second. Each end counts the public-key operations
//! it performs ([`PkOps`]); a host turns counts into busy time with
//! [`CpuCosts`] and holds its output back by that much.

use std::ops::Sub;

use sim_core::SimDuration;

/// Public-key operations performed, by kind.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct PkOps {
    /// RSA private-key operations: signing (CertificateVerify,
    /// ServerKeyExchange) and decrypting the premaster secret.
    pub rsa_private: u32,
    /// RSA public-key operations: verifying a signature (one per
    /// certificate in the chain, one per signed handshake message) and
    /// encrypting the premaster secret.
    pub rsa_public: u32,
    /// Ephemeral key pairs generated (x25519).
    pub ecdhe_keygen: u32,
    /// Shared secrets derived (x25519).
    pub ecdhe_derive: u32,
}

impl Sub for PkOps {
    type Output = PkOps;
    fn sub(self, o: PkOps) -> PkOps {
        PkOps {
            rsa_private: self.rsa_private - o.rsa_private,
            rsa_public: self.rsa_public - o.rsa_public,
            ecdhe_keygen: self.ecdhe_keygen - o.ecdhe_keygen,
            ecdhe_derive: self.ecdhe_derive - o.ecdhe_derive,
        }
    }
}

/// Time per operation on one core.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct CpuCosts {
    /// One RSA-2048 private-key operation.
    pub rsa_private: SimDuration,
    /// One RSA-2048 public-key operation.
    pub rsa_public: SimDuration,
    /// One x25519 key generation.
    pub ecdhe_keygen: SimDuration,
    /// One x25519 shared-secret derivation.
    pub ecdhe_derive: SimDuration,
}

impl Default for CpuCosts {
    /// Published laptop-class figures: `openssl speed rsa2048` (LibreSSL
    /// 2.8.3) did 5,771 private operations in 9.96 s (1.73 ms each) and
    /// 128,433 public ones (78 µs each); lib25519's comparison table gives
    /// OpenSSL 3.1.1 on Skylake 134,236 cycles per x25519 key pair and
    /// 118,455 per shared secret, 45 µs and 39 µs at 3 GHz.
    fn default() -> Self {
        CpuCosts {
            rsa_private: SimDuration::from_micros(1_730),
            rsa_public: SimDuration::from_micros(78),
            ecdhe_keygen: SimDuration::from_micros(45),
            ecdhe_derive: SimDuration::from_micros(39),
        }
    }
}

impl CpuCosts {
    /// Busy time for `ops`.
    pub fn time(&self, ops: PkOps) -> SimDuration {
        let ns = |d: SimDuration, n: u32| d.0 * u64::from(n);
        SimDuration(
            ns(self.rsa_private, ops.rsa_private)
                + ns(self.rsa_public, ops.rsa_public)
                + ns(self.ecdhe_keygen, ops.ecdhe_keygen)
                + ns(self.ecdhe_derive, ops.ecdhe_derive),
        )
    }
}
