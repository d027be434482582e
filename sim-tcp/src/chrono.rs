//! How long the sender was busy, and how much of it the peer's window
//! held it back: Linux's "chrono" timers behind `tcpi_busy_time` and
//! `tcpi_rwnd_limited` (`tcp_chrono_start`, `tcp_chrono_stop`).
//!
//! One timer runs at a time, the highest kind wins: busy from the moment
//! data is queued on an idle connection, window-limited while the send
//! loop stops because the next segment does not fit the peer's window
//! (`tcp_write_xmit` after `tcp_snd_wnd_test`; a full cwnd is checked
//! first and is not window-limited). Stopping the window-limited timer
//! goes back to busy; stopping either with nothing queued or in flight
//! goes idle. The busy time reported is the total of both. Linux's third
//! kind, send-buffer-limited, does not occur: the model's send buffer is
//! unlimited.

use sim_core::{SimDuration, SimTime};

/// Which timer runs, in Linux's order of precedence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    #[default]
    Idle,
    Busy,
    RwndLimited,
}

/// The timers' totals and the one running.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Chrono {
    kind: Kind,
    since: SimTime,
    busy: SimDuration,
    rwnd_limited: SimDuration,
}

impl Chrono {
    fn set(&mut self, now: SimTime, kind: Kind) {
        let ran = now.saturating_since(self.since);
        match self.kind {
            Kind::Idle => {}
            Kind::Busy => self.busy = self.busy + ran,
            Kind::RwndLimited => self.rwnd_limited = self.rwnd_limited + ran,
        }
        self.since = now;
        self.kind = kind;
    }

    /// `tcp_chrono_start`: `kind` runs unless a higher one does.
    pub(crate) fn start(&mut self, now: SimTime, kind: Kind) {
        if kind > self.kind {
            self.set(now, kind);
        }
    }

    /// `tcp_chrono_stop`: idle if nothing is queued or in flight
    /// (`queues_empty`), else back to busy if `kind` was running.
    pub(crate) fn stop(&mut self, now: SimTime, kind: Kind, queues_empty: bool) {
        if queues_empty {
            if self.kind != Kind::Idle {
                self.set(now, Kind::Idle);
            }
        } else if kind == self.kind {
            self.set(now, Kind::Busy);
        }
    }

    /// (busy in total, window-limited) up to `now`.
    pub(crate) fn totals(&self, now: SimTime) -> (SimDuration, SimDuration) {
        let ran = now.saturating_since(self.since);
        let (mut busy, mut rwnd) = (self.busy, self.rwnd_limited);
        match self.kind {
            Kind::Idle => {}
            Kind::Busy => busy = busy + ran,
            Kind::RwndLimited => rwnd = rwnd + ran,
        }
        (busy + rwnd, rwnd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_millis(n)
    }

    #[test]
    fn window_limited_time_is_part_of_the_busy_time() {
        let mut c = Chrono::default();
        c.start(ms(10), Kind::Busy);
        c.start(ms(10), Kind::RwndLimited);
        // Busy does not displace the higher kind.
        c.start(ms(50), Kind::Busy);
        c.stop(ms(110), Kind::RwndLimited, false);
        c.stop(ms(140), Kind::Busy, true);
        let (busy, rwnd) = c.totals(ms(500));
        assert_eq!(rwnd, SimDuration::from_millis(100));
        assert_eq!(busy, SimDuration::from_millis(130));
    }
}
