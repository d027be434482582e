//! When an application starts: at a fixed time, or at a time drawn from a
//! named random stream of the run, so that many flows do not start in
//! lockstep and a run stays the same for the same seed.

use sim_core::{RngStream, SimDuration, SimTime};

use crate::dist::Dist;

/// An application's start time, as the scenario gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// At this time.
    At(SimTime),
    /// Uniformly at random in `from..=to` (whole nanoseconds), drawn from
    /// the stream [`Start::stream_name`] names.
    Uniform {
        /// Earliest start.
        from: SimTime,
        /// Latest start.
        to: SimTime,
    },
}

impl Start {
    /// At time zero.
    pub const ZERO: Start = Start::At(SimTime::ZERO);

    /// The earliest it may start.
    pub fn earliest(self) -> SimTime {
        match self {
            Start::At(t) => t,
            Start::Uniform { from, .. } => from,
        }
    }

    /// The latest it may start.
    pub fn latest(self) -> SimTime {
        match self {
            Start::At(t) => t,
            Start::Uniform { to, .. } => to,
        }
    }

    /// The name of the stream a drawn start comes from: one per
    /// application (`start/<host>/<name>`), so that adding an application
    /// or drawing elsewhere never moves another's start
    /// (docs/ARCHITECTURE.md, "Determinism").
    pub fn stream_name(node: &str, app: &str) -> String {
        format!("start/{node}/{app}")
    }

    /// The start time in the run seeded `seed`, for application `app` of
    /// host `node`. A fixed start draws nothing.
    pub fn resolve(self, seed: u64, node: &str, app: &str) -> SimTime {
        match self {
            Start::At(t) => t,
            Start::Uniform { from, to } => {
                let mut rng = RngStream::derive(seed, &Start::stream_name(node, app));
                // An integer draw: the same on every platform.
                let span = Dist::Uniform {
                    lo: 0,
                    hi: to.saturating_since(from).as_nanos(),
                };
                from + SimDuration(span.draw(&mut rng))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_start_is_its_time() {
        let t = SimTime(5_000);
        assert_eq!(Start::At(t).resolve(1, "a", "udp"), t);
    }

    #[test]
    fn a_drawn_start_is_in_range_and_depends_on_seed_and_name_only() {
        let s = Start::Uniform {
            from: SimTime(1_000_000_000),
            to: SimTime(2_000_000_000),
        };
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..50 {
            let t = s.resolve(seed, "a", "cbr");
            assert!((s.earliest()..=s.latest()).contains(&t), "{t:?}");
            assert_eq!(t, s.resolve(seed, "a", "cbr"), "same seed, same start");
            seen.insert(t);
        }
        assert!(seen.len() > 40, "seeds give different starts: {seen:?}");
        assert_ne!(s.resolve(7, "a", "cbr"), s.resolve(7, "a", "other"));
        // An empty range is its one time.
        let one = Start::Uniform {
            from: SimTime(9),
            to: SimTime(9),
        };
        assert_eq!(one.resolve(3, "a", "x"), SimTime(9));
    }
}
