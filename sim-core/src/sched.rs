//! The scheduler: the simulation clock and its event queue.
//!
//! This is the inner loop of every run, and the component the PHOLD
//! benchmark measures. Events are ordered by (time, insertion order), so ties
//! are broken the same way on every run. Scheduling never allocates once the
//! queue has grown to its working size.

use crate::queue::RadixQueue;
use crate::time::{SimDuration, SimTime};

/// A clock and a queue of events of type `E`.
#[derive(Debug)]
pub struct Scheduler<E> {
    now: SimTime,
    queue: RadixQueue<E>,
    handled: u64,
}

impl<E> Default for Scheduler<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Scheduler<E> {
    /// An empty scheduler at time zero.
    pub fn new() -> Self {
        Scheduler {
            now: SimTime::ZERO,
            queue: RadixQueue::new(),
            handled: 0,
        }
    }

    /// The current time: that of the last event popped, or as set by
    /// [`advance_to`](Self::advance_to).
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Queues `ev` at `at`; a time in the past is taken as now.
    #[inline]
    pub fn schedule(&mut self, at: SimTime, ev: E) {
        self.queue.push(at.max(self.now).as_nanos(), ev);
    }

    /// Queues `ev` after `d` from now.
    #[inline]
    pub fn schedule_after(&mut self, d: SimDuration, ev: E) {
        self.queue.push((self.now + d).as_nanos(), ev);
    }

    /// The time of the next event, if any.
    #[inline]
    pub fn next_time(&mut self) -> Option<SimTime> {
        self.queue.peek_key().map(SimTime)
    }

    /// Removes the next event and moves the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let (t, ev) = self.queue.pop()?;
        self.now = SimTime(t);
        self.handled += 1;
        Some((self.now, ev))
    }

    /// Moves the clock forward to `t` without handling anything.
    ///
    /// # Panics
    /// If an event earlier than `t` is pending: skipping it would break
    /// time order.
    pub fn advance_to(&mut self, t: SimTime) {
        if t <= self.now {
            return;
        }
        if let Some(next) = self.next_time() {
            assert!(next >= t, "advance_to({t}) would skip an event at {next}");
        }
        self.now = t;
    }

    /// Events popped so far.
    pub fn handled(&self) -> u64 {
        self.handled
    }

    /// Events pending.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_follows_the_events() {
        let mut s = Scheduler::new();
        s.schedule(SimTime(30), 'c');
        s.schedule(SimTime(10), 'a');
        s.schedule(SimTime(10), 'b');
        assert_eq!(s.pop(), Some((SimTime(10), 'a')));
        s.schedule(SimTime(5), 'p'); // in the past: runs now, after 'b'
        s.schedule_after(SimDuration(0), 'n');
        assert_eq!(s.pop(), Some((SimTime(10), 'b')));
        assert_eq!(s.pop(), Some((SimTime(10), 'p')));
        assert_eq!(s.pop(), Some((SimTime(10), 'n')));
        s.advance_to(SimTime(20));
        assert_eq!(s.now(), SimTime(20));
        assert_eq!(s.pop(), Some((SimTime(30), 'c')));
        assert_eq!(s.handled(), 5);
        assert_eq!(s.pop(), None);
    }

    #[test]
    #[should_panic(expected = "would skip")]
    fn advancing_past_an_event_is_refused() {
        let mut s = Scheduler::new();
        s.schedule(SimTime(10), ());
        s.advance_to(SimTime(11));
    }
}
