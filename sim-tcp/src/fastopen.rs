//! TCP Fast Open (RFC 7413): the option, the server's cookie, the client's
//! cookie cache and the settings, as Linux's `tcp_fastopen.c` has them.
//!
//! A client that holds a cookie from an earlier connection to a server
//! sends data on its SYN with the cookie; the server, if the cookie is the
//! one it would make for the client's address, takes the data at once and
//! acknowledges it on its SYN,ACK, saving the round trip before the first
//! request. A client without a cookie asks for one with an empty option.

use std::collections::BTreeMap;

use sim_core::NodeId;

use crate::segment::Segment;

/// Shortest and longest cookie (RFC 7413 §4.1.1: 4 to 16 bytes, even).
pub const COOKIE_MIN: usize = 4;
/// See [`COOKIE_MIN`].
pub const COOKIE_MAX: usize = 16;
/// The length of the cookies this server makes (Linux's
/// `TCP_FASTOPEN_COOKIE_SIZE`).
pub const COOKIE_SIZE: usize = 8;
/// Option kind 34 (RFC 7413 §4.1.1).
pub const KIND_RFC: u8 = 34;
/// The experimental option: kind 254 with this magic (RFC 6994), which
/// Linux still sends to servers that answered only to it.
pub const EXP_MAGIC: u16 = 0xF989;

/// Which of the two encodings an option uses.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, Default)]
pub enum FoKind {
    /// Kind 34, two bytes of header.
    #[default]
    Rfc,
    /// Kind 254 with magic 0xF989, four bytes of header.
    Exp,
}

/// A Fast Open option as carried: its kind and its cookie bytes as sent,
/// valid or not (validity is the receiver's to judge, [`FoOption::cookie`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, Default)]
pub struct FoOption {
    /// Encoding.
    pub kind: FoKind,
    /// Bytes of cookie the option carries (0: a cookie request). May exceed
    /// [`COOKIE_MAX`]; only the first 16 bytes are kept.
    pub len: u8,
    bytes: [u8; COOKIE_MAX],
}

/// What a received option means, after Linux's length checks
/// (`tcp_parse_fastopen_option`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FoMeaning {
    /// An empty option: the client asks for a cookie.
    Request,
    /// A cookie of valid length.
    Cookie(FoOption),
}

impl FoOption {
    /// A cookie request (an option with no cookie).
    pub fn request(kind: FoKind) -> Self {
        FoOption {
            kind,
            len: 0,
            bytes: [0; COOKIE_MAX],
        }
    }

    /// An option carrying `cookie` (of which only 16 bytes are stored; a
    /// longer one keeps its length, to be judged invalid).
    pub fn with_cookie(kind: FoKind, cookie: &[u8]) -> Self {
        let mut bytes = [0; COOKIE_MAX];
        let n = cookie.len().min(COOKIE_MAX);
        bytes[..n].copy_from_slice(&cookie[..n]);
        FoOption {
            kind,
            len: cookie.len().min(255) as u8,
            bytes,
        }
    }

    /// The cookie bytes as stored.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len).min(COOKIE_MAX)]
    }

    /// Bytes of option space used, NOP padding to four included (Linux's
    /// `tcp_options_write` pads kind 34 with two NOPs; the experimental
    /// option's four-byte header keeps even cookies aligned).
    pub fn wire_len(&self) -> u32 {
        let base = match self.kind {
            FoKind::Rfc => 2,
            FoKind::Exp => 4,
        };
        (base + u32::from(self.len)).div_ceil(4) * 4
    }

    /// What a receiver makes of the option, as Linux's
    /// `tcp_parse_fastopen_option`: an odd length is ignored, an even one
    /// outside 4..=16 bytes is ignored, zero is a request. `None` means
    /// "as if absent".
    pub fn meaning(&self) -> Option<FoMeaning> {
        let n = usize::from(self.len);
        if n % 2 == 1 {
            return None;
        }
        match n {
            0 => Some(FoMeaning::Request),
            COOKIE_MIN..=COOKIE_MAX => Some(FoMeaning::Cookie(*self)),
            _ => None,
        }
    }
}

/// What becomes of data on a SYN that Fast Open did not take.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum SynData {
    /// Held and delivered once ESTABLISHED (RFC 9293 §3.10.7.2).
    #[default]
    Queue,
    /// Dropped: the SYN,ACK acknowledges the SYN alone and the peer sends
    /// the data again (Linux's `tcp_conn_request` keeps no SYN data outside
    /// Fast Open).
    Discard,
}

/// The Fast Open settings of a stack, Linux's `net.ipv4.tcp_fastopen`
/// bits that the model acts on.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct FastOpen {
    /// 0x1: clients may send data on the SYN (with `MSG_FASTOPEN` or
    /// `TCP_FASTOPEN_CONNECT`).
    pub client: bool,
    /// 0x2: listeners with a Fast Open queue take data on SYNs.
    pub server: bool,
    /// 0x4: clients send SYN data even without a cookie.
    pub client_no_cookie: bool,
    /// 0x200: listeners take SYN data without checking any cookie.
    pub server_no_cookie: bool,
    /// 0x400: every listener has a Fast Open queue (its backlog), without
    /// the `TCP_FASTOPEN` socket option.
    pub all_listeners: bool,
}

impl FastOpen {
    /// Linux's default (`tcp_fastopen` = 1): client only.
    pub const LINUX_DEFAULT: FastOpen = FastOpen {
        client: true,
        server: false,
        client_no_cookie: false,
        server_no_cookie: false,
        all_listeners: false,
    };

    /// The settings a `net.ipv4.tcp_fastopen` value names. Bits the model
    /// does not act on (0x10000 and up are not in mainline Linux) are
    /// ignored.
    pub fn from_sysctl(bits: u64) -> Self {
        FastOpen {
            client: bits & 0x1 != 0,
            server: bits & 0x2 != 0,
            client_no_cookie: bits & 0x4 != 0,
            server_no_cookie: bits & 0x200 != 0,
            all_listeners: bits & 0x400 != 0,
        }
    }

    /// Off in both roles.
    pub fn is_off(&self) -> bool {
        !self.client && !self.server
    }
}

/// The server's secret: 16 bytes, as `net.ipv4.tcp_fastopen_key` or
/// `TCP_FASTOPEN_KEY` set it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Key(pub [u8; 16]);

/// A `tcp_fastopen_key` text that is not four hex words.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a Fast Open key is four 32-bit hex words joined by '-', not {0:?}")]
pub struct BadKey(pub String);

impl Key {
    /// Parses `"a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4"` as Linux's sysctl does
    /// (`sscanf_key`): four hex words, each stored little-endian.
    pub fn parse(text: &str) -> Result<Key, BadKey> {
        let words: Vec<&str> = text.trim().split('-').collect();
        if words.len() != 4 {
            return Err(BadKey(text.to_string()));
        }
        let mut k = [0u8; 16];
        for (i, w) in words.iter().enumerate() {
            let v = u32::from_str_radix(w.trim_start_matches("0x"), 16)
                .map_err(|_| BadKey(text.to_string()))?;
            k[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
        }
        Ok(Key(k))
    }

    /// A key derived from a stack's seeded secret (never from the system's
    /// randomness, so runs repeat).
    pub fn from_secret(secret: u64) -> Key {
        let a = splitmix(secret ^ 0x7466_6f5f_6b65_7931);
        let b = splitmix(a);
        let mut k = [0u8; 16];
        k[..8].copy_from_slice(&a.to_le_bytes());
        k[8..].copy_from_slice(&b.to_le_bytes());
        Key(k)
    }

    /// The cookie for a client at `client` talking to us at `server` (IPv4):
    /// SipHash-2-4 of the two addresses under the key, as Linux's
    /// `__tcp_fastopen_cookie_gen_cipher` makes it (so scripts written
    /// against Linux see the same bytes).
    pub fn cookie(&self, client: [u8; 4], server: [u8; 4]) -> [u8; COOKIE_SIZE] {
        let k0 = u64::from_le_bytes(self.0[..8].try_into().unwrap_or([0; 8]));
        let k1 = u64::from_le_bytes(self.0[8..].try_into().unwrap_or([0; 8]));
        let mut msg = [0u8; 8];
        msg[..4].copy_from_slice(&client);
        msg[4..].copy_from_slice(&server);
        siphash24(k0, k1, &msg).to_le_bytes()
    }
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// SipHash-2-4 (Aumasson and Bernstein, 2012).
fn siphash24(k0: u64, k1: u64, msg: &[u8]) -> u64 {
    let mut v = [
        k0 ^ 0x736f_6d65_7073_6575,
        k1 ^ 0x646f_7261_6e64_6f6d,
        k0 ^ 0x6c79_6765_6e65_7261,
        k1 ^ 0x7465_6462_7974_6573,
    ];
    fn round(v: &mut [u64; 4]) {
        v[0] = v[0].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(13) ^ v[0];
        v[0] = v[0].rotate_left(32);
        v[2] = v[2].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(16) ^ v[2];
        v[0] = v[0].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(21) ^ v[0];
        v[2] = v[2].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(17) ^ v[2];
        v[2] = v[2].rotate_left(32);
    }
    let mut chunks = msg.chunks_exact(8);
    for c in &mut chunks {
        let m = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
        v[3] ^= m;
        round(&mut v);
        round(&mut v);
        v[0] ^= m;
    }
    let mut last = (msg.len() as u64 & 0xff) << 56;
    for (i, b) in chunks.remainder().iter().enumerate() {
        last |= u64::from(*b) << (8 * i);
    }
    v[3] ^= last;
    round(&mut v);
    round(&mut v);
    v[0] ^= last;
    v[2] ^= 0xff;
    for _ in 0..4 {
        round(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

/// What a client remembers of a server (Linux keeps it in `tcp_metrics`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Cached {
    /// The last cookie the server gave.
    pub cookie: Option<FoOption>,
    /// The MSS of the server's last SYN,ACK: SYN data is cut to it.
    pub mss: Option<u16>,
    /// Ask for a cookie with the experimental option (a request with
    /// kind 34 went unanswered).
    pub ask_exp: bool,
    /// How far the fallback between encodings went: 1 after kind 34 went
    /// unanswered, 2 after kind 254 did too (Linux's `try_exp`).
    try_exp: u8,
}

/// A stack's cookies, by server address.
#[derive(Clone, Debug, Default)]
pub struct CookieCache {
    by_peer: BTreeMap<NodeId, Cached>,
}

impl CookieCache {
    /// What is known of `peer`.
    pub fn get(&self, peer: NodeId) -> Cached {
        self.by_peer.get(&peer).copied().unwrap_or_default()
    }

    /// Learns from a SYN,ACK: its MSS, and its cookie if it carries a valid
    /// one (a SYN,ACK without a cookie keeps the old, as Linux's
    /// `tcp_fastopen_cache_set`). `asked` is the encoding of a data-less
    /// cookie request the SYN,ACK answers: when it brings no cookie, the
    /// next request tries the other encoding, once (Linux's `try_exp`).
    pub fn learn(
        &mut self,
        peer: NodeId,
        mss: Option<u16>,
        option: Option<FoOption>,
        asked: Option<FoKind>,
    ) {
        let e = self.by_peer.entry(peer).or_default();
        if mss.is_some() {
            e.mss = mss;
        }
        let cookie = match option.and_then(|o| o.meaning()) {
            Some(FoMeaning::Cookie(c)) => Some(c),
            _ => None,
        };
        if let Some(c) = cookie {
            e.cookie = Some(c);
        } else if let Some(kind) = asked
            && option.is_none()
        {
            let try_exp = if kind == FoKind::Exp { 2 } else { 1 };
            if try_exp > e.try_exp && e.cookie.is_none() {
                e.ask_exp = try_exp == 1;
                e.try_exp = try_exp;
            }
        }
    }

    /// Forgets every server (`ip tcp_metrics flush`).
    pub fn clear(&mut self) {
        self.by_peer.clear();
    }
}

/// How many bytes of data a client's SYN carries: the MSS the server gave
/// last time (else ours), less the 40 bytes options may take, as Linux's
/// `tcp_send_syn_data` sizes it.
pub fn syn_data_room(our_mss: u16, cached_mss: Option<u16>) -> u32 {
    let mss = cached_mss.map_or(our_mss, |m| m.min(our_mss));
    u32::from(mss).saturating_sub(40).max(1)
}

/// A connection's Fast Open state.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct FoConn {
    /// The option our SYN or SYN,ACK carries.
    pub syn_option: Option<FoOption>,
    /// Bytes of data our SYN carries (client).
    pub syn_data: u32,
    /// Data on the SYN was acknowledged by the SYN,ACK (client), or taken
    /// at once (server): `TCPI_OPT_SYN_DATA`.
    pub syn_data_acked: bool,
    /// A server connection created by a Fast Open SYN: it can be accepted
    /// and read before the handshake ends.
    pub child: bool,
}

/// A stack's Fast Open state: its key, the addresses cookies are made
/// from, and the cookies it holds as a client.
#[derive(Clone, Debug)]
pub struct StackFo {
    /// The server key (`tcp_fastopen_key`).
    pub key: Key,
    /// Our IPv4 address, as the cookie sees it.
    pub local_addr: [u8; 4],
    /// Peers' addresses; a peer not listed is `10.(n>>16).(n>>8).n` from
    /// its node number.
    pub peer_addrs: BTreeMap<NodeId, [u8; 4]>,
    /// Cookies learnt from servers.
    pub cache: CookieCache,
}

impl StackFo {
    /// State keyed from a stack's seeded secret.
    pub fn new(secret: u64) -> Self {
        StackFo {
            key: Key::from_secret(secret),
            local_addr: [10, 0, 0, 0],
            peer_addrs: BTreeMap::new(),
            cache: CookieCache::default(),
        }
    }

    /// The IPv4 address of `peer`.
    pub fn peer_addr(&self, peer: NodeId) -> [u8; 4] {
        self.peer_addrs.get(&peer).copied().unwrap_or_else(|| {
            let n = peer.0;
            [10, (n >> 16) as u8, (n >> 8) as u8, n as u8]
        })
    }

    /// A listener's answer to `syn` from `peer` (Linux's `tcp_try_fastopen`,
    /// RFC 7413 §4.2.2). `queue` says the listener takes Fast Open at all
    /// (a `TCP_FASTOPEN` queue, or `all_listeners`).
    /// `key` is the listener's own (`TCP_FASTOPEN_KEY`), else the stack's.
    pub fn answer_syn(
        &self,
        cfg: FastOpen,
        queue: bool,
        key: Option<Key>,
        peer: NodeId,
        syn: &Segment,
    ) -> FoConn {
        let meaning = syn.fast_open.and_then(|o| o.meaning());
        let syn_data = syn.data.len > 0;
        if !(cfg.server && queue && (syn_data || meaning.is_some())) {
            return FoConn::default();
        }
        let child = FoConn {
            child: true,
            ..FoConn::default()
        };
        if syn_data && cfg.server_no_cookie {
            return child;
        }
        let valid = key
            .unwrap_or(self.key)
            .cookie(self.peer_addr(peer), self.local_addr);
        match (meaning, syn.fast_open) {
            (Some(FoMeaning::Cookie(c)), _) if c.bytes() == valid => child,
            // A request or a wrong cookie: the SYN,ACK acknowledges only
            // the SYN and carries the right cookie, in the client's
            // encoding.
            (Some(_), Some(o)) => FoConn {
                syn_option: Some(FoOption::with_cookie(o.kind, &valid)),
                ..FoConn::default()
            },
            // SYN data with no usable option: no cookie is offered (Linux
            // answers only a client that presents or asks for one).
            _ => FoConn::default(),
        }
    }

    /// What a client's SYN to `peer` carries when the application sends
    /// on connect (`MSG_FASTOPEN`, `TCP_FASTOPEN_CONNECT`): the cached
    /// cookie and data; without one, an empty option asking for a cookie
    /// and no data (RFC 7413 §4.1.3), unless `client_no_cookie`.
    pub fn client_syn(&self, cfg: FastOpen, peer: NodeId, our_mss: u16) -> FoConn {
        if !cfg.client {
            return FoConn::default();
        }
        let cached = self.cache.get(peer);
        let room = syn_data_room(our_mss, cached.mss);
        if cfg.client_no_cookie {
            // Linux's `tcp_fastopen_cookie_check`: in cookie-less mode no
            // cookie is sent, even one in the cache.
            return FoConn {
                syn_data: room,
                ..FoConn::default()
            };
        }
        match cached.cookie {
            Some(c) => FoConn {
                syn_option: Some(c),
                syn_data: room,
                ..FoConn::default()
            },
            None => FoConn {
                syn_option: Some(FoOption::request(if cached.ask_exp {
                    FoKind::Exp
                } else {
                    FoKind::Rfc
                })),
                ..FoConn::default()
            },
        }
    }
}

/// `tcpi_options` bit: the SYN carried data that was acknowledged.
pub const TCPI_OPT_SYN_DATA: u8 = 32;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_matches_linux_for_known_keys() {
        // The cookies packetdrill's Linux suite expects for these keys and
        // addresses.
        let k = Key::parse("a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4").unwrap();
        assert_eq!(
            k.cookie([192, 0, 2, 1], [192, 168, 0, 1]),
            [0x30, 0x21, 0xb9, 0xd8, 0x89, 0x01, 0x7e, 0xeb]
        );
        let k = Key::parse("a0bf63f7-ed803d81-cd641d30-cebc4a90").unwrap();
        assert_eq!(
            k.cookie([10, 248, 0, 2], [192, 168, 0, 2]),
            [0x00, 0xab, 0xaa, 0xab, 0xe8, 0xe9, 0x54, 0xc2]
        );
    }

    #[test]
    fn bad_keys_are_errors() {
        assert!(Key::parse("a1-b2-c3").is_err());
        assert!(Key::parse("zz-0-0-0").is_err());
    }

    #[test]
    fn option_lengths_follow_linux() {
        assert_eq!(FoOption::request(FoKind::Rfc).wire_len(), 4);
        assert_eq!(FoOption::with_cookie(FoKind::Rfc, &[1; 8]).wire_len(), 12);
        assert_eq!(FoOption::with_cookie(FoKind::Exp, &[1; 8]).wire_len(), 12);
        assert_eq!(
            FoOption::request(FoKind::Exp).meaning(),
            Some(FoMeaning::Request)
        );
        assert_eq!(FoOption::with_cookie(FoKind::Rfc, &[1; 5]).meaning(), None);
        assert_eq!(FoOption::with_cookie(FoKind::Rfc, &[1; 2]).meaning(), None);
        assert_eq!(FoOption::with_cookie(FoKind::Rfc, &[1; 18]).meaning(), None);
        assert!(matches!(
            FoOption::with_cookie(FoKind::Rfc, &[1; 16]).meaning(),
            Some(FoMeaning::Cookie(_))
        ));
    }

    #[test]
    fn sysctl_bits() {
        let f = FastOpen::from_sysctl(0x70403);
        assert!(f.client && f.server && f.all_listeners && !f.server_no_cookie);
        assert!(FastOpen::from_sysctl(0x202).server_no_cookie);
        assert!(FastOpen::from_sysctl(0).is_off());
    }
}
