//! Pacing: data segments leave at a rate instead of in bursts as ACKs
//! open the window. The rate is the congestion control's own (BBR's) or,
//! with `pacing` on, Linux's `tcp_update_pacing_rate`: cwnd over SRTT,
//! doubled in slow start and raised by a fifth after, so pacing never holds
//! the window back while the clock of ACKs keeps it full.
//!
//! Each data segment pushes the release time on by its length at the rate
//! (Linux's earliest departure time, `tcp_wstamp_ns`); the connection sends
//! nothing before it and asks to be woken then.

use sim_core::{SimDuration, SimTime};

/// Linux's `sysctl_tcp_pacing_ss_ratio`, percent.
const SS_RATIO: u64 = 200;
/// Linux's `sysctl_tcp_pacing_ca_ratio`, percent.
const CA_RATIO: u64 = 120;

/// When the next data segment may leave.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pacer {
    release: SimTime,
}

impl Pacer {
    /// The release time, if it is still ahead of `now`.
    pub fn hold(&self, now: SimTime) -> Option<SimTime> {
        (self.release > now).then_some(self.release)
    }

    /// `bytes` of data left at `now` paced at `rate` bytes per second. The
    /// release time starts from `now` after a pause: time not used is not
    /// saved up for a burst. (Linux forgives up to half a segment's time
    /// for the host's own jitter, which a simulation has none of.)
    pub fn sent(&mut self, now: SimTime, bytes: u64, rate: u64) {
        if rate == 0 || bytes == 0 {
            return;
        }
        let ns = (u128::from(bytes) * 1_000_000_000 / u128::from(rate)) as u64;
        self.release = self.release.max(now) + SimDuration(ns);
    }
}

/// Linux's `tcp_update_pacing_rate`, in bytes per second: max(cwnd, bytes
/// in flight) / SRTT, times 200 % while cwnd is under half of ssthresh
/// (slow start still doubling) and 120 % after. `None` (not paced) before
/// the first RTT sample.
pub fn cwnd_rate(
    cwnd: u64,
    in_flight: u64,
    ssthresh: u64,
    srtt: Option<SimDuration>,
) -> Option<u64> {
    let srtt = srtt?.as_nanos().max(1);
    let ratio = if cwnd < ssthresh / 2 {
        SS_RATIO
    } else {
        CA_RATIO
    };
    let bytes = u128::from(cwnd.max(in_flight)) * u128::from(ratio) / 100;
    Some((bytes * 1_000_000_000 / u128::from(srtt)).min(u128::from(u64::MAX)) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_leave_one_length_apart() {
        let mut p = Pacer::default();
        let t0 = SimTime::ZERO + SimDuration::from_millis(5);
        assert_eq!(p.hold(t0), None);
        // 1 000 000 bytes/s: 1000 bytes take 1 ms.
        p.sent(t0, 1000, 1_000_000);
        assert_eq!(p.hold(t0), Some(t0 + SimDuration::from_millis(1)));
        p.sent(t0, 1000, 1_000_000);
        assert_eq!(p.hold(t0), Some(t0 + SimDuration::from_millis(2)));
        // After a pause the release starts again from the send.
        let later = t0 + SimDuration::from_millis(10);
        assert_eq!(p.hold(later), None);
        p.sent(later, 500, 1_000_000);
        assert_eq!(p.hold(later), Some(later + SimDuration::from_micros(500)));
    }

    #[test]
    fn linux_gains() {
        let srtt = Some(SimDuration::from_millis(100));
        // 10 000 bytes a 100 ms round: 100 000 bytes/s, doubled in slow
        // start, times 1.2 after.
        assert_eq!(cwnd_rate(10_000, 0, u64::MAX, srtt), Some(200_000));
        assert_eq!(cwnd_rate(10_000, 0, 20_000, srtt), Some(120_000));
        assert_eq!(cwnd_rate(10_000, 20_000, 20_000, srtt), Some(240_000));
        assert_eq!(cwnd_rate(10_000, 0, 20_000, None), None);
    }
}
