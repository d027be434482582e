//! The congestion window after the sender was idle (RFC 5681 §4.1).
//!
//! A window measured before a pause says nothing about the path after it:
//! other traffic may have taken the capacity, and with nothing in flight
//! no ACK clock spreads what is sent, so the whole window would leave as
//! one line-rate burst. A sender that has sent no data for longer than an
//! RTO therefore starts again from a smaller window
//! ([`IdleRestart`](crate::IdleRestart)).
//!
//! Idle time runs from the last segment that carried data (Linux's
//! `lsndtime`: pure ACKs and zero-window probes do not count), and the
//! check is made where Linux makes it (`tcp_slow_start_after_idle_check`):
//! when the application writes, and when an ACK changes the peer's window
//! while data waits to be sent; only with nothing in flight.

use sim_core::SimDuration;

use crate::config::IdleRestart;

/// A window and threshold after a restart, in the unit the window counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Restarted {
    pub(crate) cwnd: u32,
    pub(crate) ssthresh: u32,
}

/// The window after `idle` without sending data, if it restarts. `cwnd`,
/// `initial` (IW) and `ssthresh` share one unit (segments, as Linux's
/// `snd_cwnd`, or bytes); `reducing`: a reduction towards ssthresh is
/// under way (Linux's CWR or Recovery state), which ssthresh must not
/// undo.
pub(crate) fn restart(
    rule: IdleRestart,
    cwnd: u32,
    initial: u32,
    ssthresh: u32,
    reducing: bool,
    idle: SimDuration,
    rto: SimDuration,
) -> Option<Restarted> {
    // RFC 5681 §4.1: "not sent data in an interval exceeding the
    // retransmission timeout"; Linux: `delta > icsk_rto`.
    if idle <= rto {
        return None;
    }
    // RW = min(IW, cwnd).
    let rw = initial.min(cwnd);
    match rule {
        IdleRestart::Off => None,
        IdleRestart::Rfc5681 => Some(Restarted { cwnd: rw, ssthresh }),
        IdleRestart::Linux => {
            // `tcp_current_ssthresh`: remember 3/4 of the window given up,
            // so slow start climbs back quickly to near it.
            let ssthresh = if reducing {
                ssthresh
            } else {
                ssthresh.max(cwnd / 2 + cwnd / 4)
            };
            // `tcp_cwnd_restart`: halve once per RTO of idle time beyond
            // the first, never below RW.
            let mut w = cwnd;
            let mut left = u128::from(idle.as_nanos());
            let rto = u128::from(rto.as_nanos()).max(1);
            while left > rto && w > rw {
                left -= rto;
                w >>= 1;
            }
            Some(Restarted {
                cwnd: w.max(rw),
                ssthresh,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RTO: SimDuration = SimDuration::from_millis(300);

    #[test]
    fn linux_halves_per_rto_down_to_the_initial_window() {
        let r = |idle_ms| {
            restart(
                IdleRestart::Linux,
                36,
                10,
                u32::MAX,
                false,
                SimDuration::from_millis(idle_ms),
                RTO,
            )
        };
        assert_eq!(r(300), None, "an idle time of one RTO is not idle");
        assert_eq!(r(301).map(|x| x.cwnd), Some(18), "just over one RTO");
        assert_eq!(r(600).map(|x| x.cwnd), Some(18));
        assert_eq!(r(601).map(|x| x.cwnd), Some(10), "9 is below IW");
        assert_eq!(r(2_000).map(|x| x.cwnd), Some(10));
        assert_eq!(r(2_000).map(|x| x.ssthresh), Some(u32::MAX));
    }

    #[test]
    fn linux_raises_ssthresh_unless_reducing() {
        let r = |reducing| {
            restart(
                IdleRestart::Linux,
                40,
                10,
                20,
                reducing,
                SimDuration::from_secs(5),
                RTO,
            )
        };
        assert_eq!(
            r(false),
            Some(Restarted {
                cwnd: 10,
                ssthresh: 30
            })
        );
        assert_eq!(
            r(true),
            Some(Restarted {
                cwnd: 10,
                ssthresh: 20
            })
        );
    }

    #[test]
    fn rfc5681_goes_to_the_restart_window_at_once() {
        let idle = SimDuration::from_millis(301);
        assert_eq!(
            restart(
                IdleRestart::Rfc5681,
                40_000,
                4_380,
                20_000,
                false,
                idle,
                RTO
            ),
            Some(Restarted {
                cwnd: 4_380,
                ssthresh: 20_000
            })
        );
        // RW = min(IW, cwnd): a window already below IW stays.
        assert_eq!(
            restart(IdleRestart::Rfc5681, 2_000, 4_380, 20_000, false, idle, RTO).map(|x| x.cwnd),
            Some(2_000)
        );
        assert_eq!(
            restart(IdleRestart::Off, 40_000, 4_380, 20_000, false, idle, RTO),
            None
        );
    }
}
