//! Session resumption: what each side keeps, the server's session cache
//! and its session tickets (TLS 1.2: RFC 5246 §7.3 abbreviated handshake,
//! RFC 5077 tickets, RFC 7627 extended master secret; TLS 1.3: tickets
//! whose PSK comes from the resumption master secret, RFC 8446 §4.6.1).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::crypto::{Hash, hmac_sha256, sha256};
use crate::suite::Suite;

/// What a client keeps to resume a session.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ClientSession {
    /// The session id to offer (for a ticket session, one the client made
    /// up so it can tell a resumption from a full handshake, RFC 5077 §3.4).
    pub id: Vec<u8>,
    /// The ticket, if the server issued one.
    pub ticket: Option<Vec<u8>>,
    /// The master secret.
    pub master: Vec<u8>,
    /// The suite it was negotiated with.
    pub suite: Suite,
    /// Whether its master secret is an extended one (RFC 7627).
    pub ems: bool,
}

/// What a TLS 1.3 client keeps of a ticket.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Ticket13 {
    /// The ticket, offered as the PSK identity.
    pub ticket: Vec<u8>,
    /// The PSK: HKDF-Expand-Label(resumption_master_secret, "resumption",
    /// ticket_nonce, Hash.length) with the suite's hash: 32 or 48 bytes
    /// (RFC 8446 §4.6.1).
    pub psk: Vec<u8>,
    /// The suite of the connection that issued it.
    pub suite: Suite,
    /// Hides the ticket's age on the wire.
    pub age_add: u32,
    /// Lifetime, seconds.
    pub lifetime: u32,
    /// Early data allowed with it, bytes (0: none).
    pub max_early_data: u32,
}

/// What a server keeps of a session (in its cache, or inside a ticket).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ServerSession {
    /// The master secret (TLS 1.2), or the PSK (TLS 1.3 suites: Hash.length
    /// bytes, 32 or 48).
    pub master: Vec<u8>,
    /// The suite.
    pub suite: Suite,
    /// Extended master secret.
    pub ems: bool,
    /// A TLS 1.3 ticket that allows early data.
    pub early_data: bool,
}

/// A server's session cache, shared by all its connections: cloning shares
/// it (the way rustls shares a `StoresServerSessions`). Ordered, so that
/// nothing about it depends on hashing.
#[derive(Clone, Debug, Default)]
pub struct SessionCache(Arc<Mutex<BTreeMap<Vec<u8>, ServerSession>>>);

impl SessionCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }
    /// Stores a session under its id.
    pub fn put(&self, id: Vec<u8>, s: ServerSession) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, s);
    }
    /// The session stored under `id`.
    pub fn get(&self, id: &[u8]) -> Option<ServerSession> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }
    /// Sessions held.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Bytes of a sealed session: suite, flags (EMS, early data), 48-byte
/// master (a TLS 1.3 PSK takes its first Hash.length: 32 or 48).
const STATE_LEN: usize = 2 + 1 + 48;

fn stream(key: &Hash, nonce: &[u8], data: &mut [u8]) {
    for (i, chunk) in data.chunks_mut(32).enumerate() {
        let k = hmac_sha256(key, &[b"ticket", nonce, &[i as u8]]);
        chunk.iter_mut().zip(k).for_each(|(b, k)| *b ^= k);
    }
}

/// A ticket in RFC 5077 §4's recommended layout: key_name (16), IV (16),
/// the encrypted state, and a 32-byte MAC over all of it.
pub fn seal_ticket(key: &Hash, nonce: &[u8; 16], s: &ServerSession) -> Vec<u8> {
    let mut state = s.suite.code().to_be_bytes().to_vec();
    state.push(u8::from(s.ems) | (u8::from(s.early_data) << 1));
    state.extend_from_slice(&s.master);
    state.resize(STATE_LEN, 0);
    stream(key, nonce, &mut state);
    let mut t = sha256(key)[..16].to_vec();
    t.extend_from_slice(nonce);
    t.extend_from_slice(&state);
    let mac = hmac_sha256(key, &[&t]);
    t.extend_from_slice(&mac);
    t
}

/// The session inside a ticket, if `key` sealed it and nobody changed it.
pub fn open_ticket(key: &Hash, t: &[u8]) -> Option<ServerSession> {
    if t.len() != 32 + STATE_LEN + 32 || t[..16] != sha256(key)[..16] {
        return None;
    }
    let (body, mac) = t.split_at(t.len() - 32);
    if hmac_sha256(key, &[body]) != mac {
        return None;
    }
    let mut state = body[32..].to_vec();
    stream(key, &body[16..32], &mut state);
    let code = u16::from_be_bytes([state[0], state[1]]);
    let suite = Suite::ALL.into_iter().find(|s| s.code() == code)?;
    let secret = match suite.version() {
        crate::suite::Version::Tls13 => suite.hash().size(),
        crate::suite::Version::Tls12 => 48,
    };
    Some(ServerSession {
        suite,
        ems: state[2] & 1 == 1,
        early_data: state[2] & 2 == 2,
        master: state[3..3 + secret].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_open_only_with_their_key_and_unchanged() {
        let s = ServerSession {
            master: vec![7; 48],
            suite: Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            ems: true,
            early_data: false,
        };
        let key = [1; 32];
        let t = seal_ticket(&key, &[2; 16], &s);
        assert_eq!(t.len(), 115);
        assert!(
            !t.windows(48).any(|w| w == [7; 48]),
            "the master secret is hidden"
        );
        assert_eq!(open_ticket(&key, &t), Some(s));
        assert_eq!(open_ticket(&[9; 32], &t), None);
        for i in 0..t.len() {
            let mut bad = t.clone();
            bad[i] ^= 1;
            assert_eq!(open_ticket(&key, &bad), None, "byte {i}");
        }
        assert_eq!(open_ticket(&key, &t[..50]), None);
        // A TLS 1.3 ticket holds a 32-byte PSK and the early-data flag.
        let s13 = ServerSession {
            master: vec![8; 32],
            suite: Suite::TLS_AES_128_GCM_SHA256,
            ems: false,
            early_data: true,
        };
        let t13 = seal_ticket(&key, &[3; 16], &s13);
        assert_eq!(t13.len(), 115);
        assert_eq!(open_ticket(&key, &t13), Some(s13));
    }

    #[test]
    fn the_cache_is_shared_by_clones() {
        let a = SessionCache::new();
        let b = a.clone();
        a.put(
            vec![1],
            ServerSession {
                master: vec![0; 48],
                suite: Suite::TLS_RSA_WITH_AES_128_CBC_SHA,
                ems: false,
                early_data: false,
            },
        );
        assert_eq!(b.len(), 1);
        assert!(b.get(&[1]).is_some());
        assert!(b.get(&[2]).is_none());
    }
}
