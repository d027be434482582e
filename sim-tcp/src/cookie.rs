//! SYN cookies (RFC 4987 §3.6): a listener whose SYN queue is full answers a
//! SYN without keeping any state, encoding what it needs in its initial
//! sequence number, and rebuilds the connection from the ACK that comes
//! back.
//!
//! The cookie is 32 bits: a 5-bit time counter (64 s periods), a 3-bit
//! index into a table of MSS values, and 24 bits of a keyed hash of the
//! 4-tuple, the peer's ISN and the counter. A cookie is accepted in the
//! period it was made and the next. As RFC 4987 notes, options that do not
//! fit (window scaling here) are lost: such a connection runs unscaled.

use sim_core::{NodeId, SimTime};

use crate::seq::SeqNum;

const PERIOD_NS: u64 = 64_000_000_000;
/// MSS values a cookie can carry, smallest first.
const MSS_TABLE: [u16; 8] = [216, 536, 1024, 1220, 1360, 1440, 1448, 1460];

/// Makes and checks cookies with one secret.
#[derive(Debug, Clone)]
pub struct CookieJar {
    secret: u64,
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl CookieJar {
    /// A jar keyed by `secret`.
    pub fn new(secret: u64) -> Self {
        CookieJar { secret }
    }

    fn hash(
        &self,
        local_port: u16,
        remote: NodeId,
        remote_port: u16,
        peer_isn: SeqNum,
        t: u64,
    ) -> u32 {
        let a = u64::from(local_port) << 48 | u64::from(remote_port) << 32 | u64::from(remote.0);
        let h = mix(self.secret ^ mix(a) ^ mix(u64::from(peer_isn.0) << 8 | (t & 31)));
        (h as u32) & 0x00FF_FFFF
    }

    /// The cookie (our ISN) for a SYN from `remote:remote_port` to our
    /// `local_port` with ISN `peer_isn` and MSS `peer_mss`.
    pub fn make(
        &self,
        now: SimTime,
        local_port: u16,
        remote: NodeId,
        remote_port: u16,
        peer_isn: SeqNum,
        peer_mss: u16,
    ) -> SeqNum {
        let t = now.as_nanos() / PERIOD_NS;
        let idx = MSS_TABLE.iter().rposition(|&m| m <= peer_mss).unwrap_or(0) as u32;
        let h = self.hash(local_port, remote, remote_port, peer_isn, t);
        SeqNum((((t & 31) as u32) << 27) | (idx << 24) | h)
    }

    /// If `cookie` is one we made recently for this connection, the MSS it
    /// carries.
    pub fn check(
        &self,
        now: SimTime,
        local_port: u16,
        remote: NodeId,
        remote_port: u16,
        peer_isn: SeqNum,
        cookie: SeqNum,
    ) -> Option<u16> {
        let c = cookie.0;
        let t_now = now.as_nanos() / PERIOD_NS;
        let t_cookie = u64::from(c >> 27);
        let age = (t_now.wrapping_sub(t_cookie)) & 31;
        if age > 1 || age > t_now {
            return None;
        }
        let t = t_now - age;
        let ok = self.hash(local_port, remote, remote_port, peer_isn, t) == c & 0x00FF_FFFF;
        ok.then(|| MSS_TABLE[((c >> 24) & 7) as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: NodeId = NodeId(3);

    #[test]
    fn a_cookie_checks_out_for_its_own_connection_only() {
        let jar = CookieJar::new(0x1234_5678);
        let now = SimTime(10_000_000_000);
        let c = jar.make(now, 80, B, 40_000, SeqNum(777), 1460);
        assert_eq!(jar.check(now, 80, B, 40_000, SeqNum(777), c), Some(1460));
        assert_eq!(jar.check(now, 80, B, 40_001, SeqNum(777), c), None);
        assert_eq!(jar.check(now, 80, B, 40_000, SeqNum(778), c), None);
        assert_eq!(jar.check(now, 80, B, 40_000, SeqNum(777), c + 1), None);
        assert_eq!(
            CookieJar::new(1).check(now, 80, B, 40_000, SeqNum(777), c),
            None
        );
    }

    #[test]
    fn cookies_expire_after_the_next_period() {
        let jar = CookieJar::new(99);
        let made = SimTime(5_000_000_000);
        let c = jar.make(made, 80, B, 1, SeqNum(1), 536);
        assert_eq!(
            jar.check(SimTime(made.0 + 70_000_000_000), 80, B, 1, SeqNum(1), c),
            Some(536)
        );
        assert_eq!(
            jar.check(SimTime(made.0 + 130_000_000_000), 80, B, 1, SeqNum(1), c),
            None
        );
    }

    #[test]
    fn the_mss_is_rounded_down_to_the_table() {
        let jar = CookieJar::new(5);
        let now = SimTime(0);
        let c = jar.make(now, 80, B, 9, SeqNum(9), 1400);
        assert_eq!(jar.check(now, 80, B, 9, SeqNum(9), c), Some(1360));
    }
}
