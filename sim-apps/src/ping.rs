//! Echo and ping, host side. sim-core's `DatagramHost` answers echo
//! requests (every host does) and runs a ping job (a host that pings);
//! this is the glue that gives a host its responder and reports its
//! figures under sim-core's names.

use sim_core::datagram::{DatagramHost, PingJob};
use sim_core::{Endpoint, Value};

use crate::payload::Wire;
use crate::start::Start;

/// A ping as the scenario gives it: sim-core's job, and its start, which
/// may be drawn when the run starts (the job's own `start` is then the
/// earliest).
#[derive(Debug, Clone, PartialEq)]
pub struct PingApp {
    /// What to send, and when to stop.
    pub job: PingJob,
    /// When the first request leaves.
    pub start: Start,
}

/// The echo responder of a host, running `job` if it pings.
pub(crate) fn responder(job: Option<&PingJob>) -> DatagramHost {
    match job {
        Some(job) => DatagramHost::with_ping(job.clone()),
        None => DatagramHost::new(),
    }
}

/// `echo.*` and, on a host that pings, `ping.*`.
pub(crate) fn metrics(echo: &DatagramHost) -> Vec<(String, Value)> {
    Endpoint::<Wire>::metrics(echo)
}

/// The names [`metrics`] may report (a round-trip time only once there
/// was a reply), taken from a responder not yet run.
pub(crate) fn metric_names(job: Option<&PingJob>) -> Vec<String> {
    responder(job).metric_names()
}
