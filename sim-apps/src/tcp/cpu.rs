//! The host's one CPU, busy with public-key work (TLS handshakes).
//!
//! Work runs one piece after another; the output it produces waits for it,
//! and output already waiting keeps its place in line, so a loaded server
//! answers late, in order. The queue is data: the TCP host asks it when
//! output may leave and sets one timer for the earliest release.

use std::collections::VecDeque;

use sim_core::{Context, SimDuration, SimTime, TimerId};
use sim_tcp::stack::ConnId;

use crate::payload::Wire;
use crate::timer::{Slot, TcpTimer, Timer};

/// Output held back until the CPU work that made it is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Held {
    /// When it may leave.
    pub(super) at: SimTime,
    /// Its connection.
    pub(super) conn: ConnId,
    /// Bytes to queue on TCP.
    pub(super) send: u64,
    /// Close after them.
    pub(super) close: bool,
}

/// The CPU's queue.
#[derive(Debug)]
pub(super) struct CpuQueue {
    /// Busy with earlier work until then.
    busy_until: SimTime,
    /// Held output, in release order.
    held: VecDeque<Held>,
    timer: Option<TimerId>,
}

impl CpuQueue {
    pub(super) fn new() -> Self {
        CpuQueue {
            busy_until: SimTime::ZERO,
            held: VecDeque::new(),
            timer: None,
        }
    }

    /// Runs `cost` of work asked for at `now`, after whatever the CPU is
    /// doing: returns when it starts and when it is done.
    pub(super) fn run(&mut self, now: SimTime, cost: SimDuration) -> (SimTime, SimTime) {
        let start = self.busy_until.max(now);
        let done = start + cost;
        self.busy_until = done;
        (start, done)
    }

    /// When output whose own work is done at `ready` may leave: not before
    /// output already held.
    pub(super) fn release_time(&self, ready: SimTime) -> SimTime {
        match self.held.back() {
            Some(last) => ready.max(last.at),
            None => ready,
        }
    }

    /// Holds output until `h.at`.
    pub(super) fn hold(&mut self, h: Held) {
        self.held.push_back(h);
    }

    /// The next held output due by `now`.
    pub(super) fn pop_due(&mut self, now: SimTime) -> Option<Held> {
        let h = *self.held.front()?;
        if h.at > now {
            return None;
        }
        self.held.pop_front()
    }

    /// Sets the timer for the first held output, if any.
    pub(super) fn arm(&mut self, cx: &mut Context<'_, Wire>, slot: Slot) {
        let Some(h) = self.held.front() else {
            return;
        };
        let at = h.at;
        let t = match self.timer {
            Some(t) => t,
            None => {
                let t = cx.new_timer(Timer::Tcp(slot, TcpTimer::Cpu).to_token());
                self.timer = Some(t);
                t
            }
        };
        cx.set_timer(t, at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn held(at: u64, conn: u32) -> Held {
        Held {
            at: SimTime(at),
            conn: ConnId(conn),
            send: 1,
            close: false,
        }
    }

    #[test]
    fn work_runs_one_piece_after_another() {
        let mut cpu = CpuQueue::new();
        let cost = SimDuration(2 * MS);
        assert_eq!(cpu.run(SimTime(0), cost), (SimTime(0), SimTime(2 * MS)));
        // Asked at 1 ms: waits for the first piece.
        assert_eq!(
            cpu.run(SimTime(MS), cost),
            (SimTime(2 * MS), SimTime(4 * MS))
        );
        // Asked once idle: starts at once.
        assert_eq!(
            cpu.run(SimTime(10 * MS), cost),
            (SimTime(10 * MS), SimTime(12 * MS))
        );
    }

    #[test]
    fn held_output_leaves_in_order_when_due() {
        let mut cpu = CpuQueue::new();
        assert_eq!(cpu.release_time(SimTime(5)), SimTime(5));
        cpu.hold(held(10, 0));
        // Ready earlier, but behind what is held.
        assert_eq!(cpu.release_time(SimTime(5)), SimTime(10));
        cpu.hold(held(10, 1));
        assert_eq!(cpu.pop_due(SimTime(9)), None);
        assert_eq!(cpu.pop_due(SimTime(10)), Some(held(10, 0)));
        assert_eq!(cpu.pop_due(SimTime(10)), Some(held(10, 1)));
        assert_eq!(cpu.pop_due(SimTime(99)), None);
    }
}
