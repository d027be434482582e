//! What a TCP application counts, and the metric names it reports them
//! under.
//!
//! [`report`] is the one definition of the names: the running host fills a
//! [`Snapshot`] and reports it; a plan's metric names are the same
//! function applied to an empty snapshot ([`metric_names`]), so the two
//! cannot drift apart. Which names appear depends only on the
//! application's settings (TLS or plain, client or server, named target).

use sim_core::SimTime;
use sim_tcp::stack::ConnId;

use super::TcpApp;
use crate::dns;
use crate::stream::{Step, StreamSide};

/// TCP counters of the host's connections.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct TcpTotals {
    pub(super) established: u64,
    pub(super) written: u64,
    pub(super) bytes_acked: u64,
    pub(super) bytes_delivered: u64,
    pub(super) integrity_errors: u64,
    pub(super) segments_sent: u64,
    pub(super) retransmissions: u64,
    pub(super) timeouts: u64,
    pub(super) fast_retransmits: u64,
    pub(super) rescue_retransmissions: u64,
    pub(super) dsacks_received: u64,
    pub(super) paws_drops: u64,
    pub(super) rack_losses: u64,
    pub(super) tlp_probes: u64,
    pub(super) spurious_recoveries: u64,
    pub(super) ce_received: u64,
    pub(super) ecn_reductions: u64,
    pub(super) resets: u64,
    pub(super) connect_failed: u64,
    pub(super) timed_out: u64,
    pub(super) handshake_ns: Option<u64>,
    pub(super) first_connected: Option<SimTime>,
    /// The latest acknowledgment of new data.
    pub(super) last_progress: Option<SimTime>,
    pub(super) last_ack_at: Option<SimTime>,
    pub(super) first_delivery: Option<SimTime>,
    pub(super) last_delivery: Option<SimTime>,
}

impl TcpTotals {
    /// Adds a connection's own counters (when it closes, or at the end
    /// for those still open).
    pub(super) fn add_conn(&mut self, s: &sim_tcp::conn::ConnStats) {
        self.segments_sent += s.segments_sent;
        self.retransmissions += s.retransmissions;
        self.timeouts += s.timeouts;
        self.fast_retransmits += s.fast_retransmits;
        self.rescue_retransmissions += s.rescue_retransmissions;
        self.dsacks_received += s.dsacks_received;
        self.paws_drops += s.paws_drops;
        self.rack_losses += s.rack_losses;
        self.tlp_probes += s.tlp_probes;
        self.spurious_recoveries += s.spurious_recoveries;
        self.ce_received += s.ce_received;
        self.ecn_reductions += s.ecn_reductions;
    }
}

/// Stream (TLS or HTTP) figures of a host, and the first connection's
/// phases, each from its page load's start.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct StreamTotals {
    pub(super) handshakes: u64,
    pub(super) resumed: u64,
    pub(super) alerts_sent: u64,
    pub(super) alerts_received: u64,
    pub(super) app_bytes: u64,
    pub(super) responses: u64,
    pub(super) cpu_ns: u64,
    /// The first lookup's answer, from its start.
    pub(super) dns_ns: Option<u64>,
    /// Handshake round trips before the first connection's request.
    pub(super) round_trips: Option<u64>,
    /// First handshake: from the page load's start to TLS established.
    pub(super) handshake_ns: Option<u64>,
    /// First response: from the page load's start to its last byte.
    pub(super) page_ns: Option<u64>,
    pub(super) tcp_connected_ns: Option<u64>,
    pub(super) request_sent_ns: Option<u64>,
    pub(super) first_byte_ns: Option<u64>,
    pub(super) closed_ns: Option<u64>,
    /// The connection those phases belong to.
    pub(super) first_conn: Option<ConnId>,
}

impl StreamTotals {
    /// Counts what a stream step did on connection `id`, whose page load
    /// began at `started`; `cpu_ns` is the step's public-key work. Returns
    /// the page time when the step completed its connection's last
    /// response.
    pub(super) fn record(
        &mut self,
        id: ConnId,
        step: &Step,
        started: Option<SimTime>,
        now: SimTime,
        cpu_ns: u64,
    ) -> Option<u64> {
        let since_start = started.map(|o| now.saturating_since(o).as_nanos());
        if step.established {
            self.handshakes += 1;
            if self.handshake_ns.is_none() {
                self.handshake_ns = since_start;
            }
        }
        self.resumed += u64::from(step.resumed);
        self.alerts_sent += u64::from(step.alert_sent.is_some());
        self.alerts_received += u64::from(step.alert_received.is_some());
        self.app_bytes += step.app_bytes;
        if self.first_conn == Some(id) {
            if let Some(n) = step.round_trips {
                self.round_trips.get_or_insert(u64::from(n));
            }
            if step.app_sent && self.request_sent_ns.is_none() {
                self.request_sent_ns = since_start;
            }
            if step.app_bytes > 0 && self.first_byte_ns.is_none() {
                self.first_byte_ns = since_start;
            }
        }
        self.cpu_ns += cpu_ns;
        if !step.response_complete {
            return None;
        }
        self.responses += 1;
        if self.page_ns.is_none() {
            self.page_ns = since_start;
        }
        // The connection's last response: its page is complete, unless a
        // server's close left requests for another connection (which
        // keeps the page's start).
        if step.last_response && step.leftover == 0 {
            since_start
        } else {
            None
        }
    }
}

/// Everything a TCP application reports, at one moment.
#[derive(Debug, Default)]
pub(super) struct Snapshot {
    /// Connections the stack opened.
    pub(super) opened: u64,
    /// TCP counters, open connections included.
    pub(super) tcp: TcpTotals,
    pub(super) dns: dns::Stats,
    /// Connections given up because the name did not resolve.
    pub(super) dns_abandoned: u64,
    pub(super) stream: StreamTotals,
    /// The page times statistics are taken over: every client
    /// connection's, or those that started in the measurement window.
    pub(super) pages: Vec<u64>,
    /// Pages loaded in all, in the window or not.
    pub(super) page_count: u64,
    /// The response times statistics are taken over (as `pages`).
    pub(super) responses: Vec<u64>,
}

/// The metrics of `app` from `s`, in the order the summary lists them.
///
/// Counters are always there (0 when nothing happened; the ECN ones when
/// the application may use ECN at all); an observation (a
/// time, a phase, a rate) is `None` while what it observes never
/// happened, and the host leaves it out of what it reports.
pub(super) fn report(app: &TcpApp, s: &Snapshot) -> Vec<(String, Option<u64>)> {
    let mut m = tcp_report(s);
    if sim_tcp::ecn::may_use(&app.cfg) {
        let t = &s.tcp;
        m.push(("tcp.ce_received".to_string(), Some(t.ce_received)));
        m.push(("tcp.ecn_reductions".to_string(), Some(t.ecn_reductions)));
    }
    if app.resolves() {
        m.extend(dns_report(s));
    }
    if let Some(stream) = &app.stream {
        m.extend(stream_report(&stream.side, app.resolves(), s));
    }
    m
}

/// The metric names of `app`.
pub(crate) fn metric_names(app: &TcpApp) -> Vec<String> {
    report(app, &Snapshot::default())
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

fn tcp_report(s: &Snapshot) -> Vec<(String, Option<u64>)> {
    let t = &s.tcp;
    let transfer_ns = match (t.last_ack_at, t.written) {
        (Some(at), w) if w > 0 => Some(at.as_nanos()),
        _ => None,
    };
    // Application bytes acknowledged per second, from the first
    // connection's establishment to the last acknowledgment.
    let goodput_bps = match (t.first_connected, t.last_progress) {
        (Some(a), Some(b)) if b > a => Some(
            (u128::from(t.bytes_acked) * 8 * 1_000_000_000
                / u128::from(b.saturating_since(a).as_nanos())) as u64,
        ),
        _ => None,
    };
    let delivery_ns = match (t.first_delivery, t.last_delivery) {
        (Some(a), Some(b)) => Some(b.saturating_since(a).as_nanos()),
        _ => None,
    };
    let n = Some;
    [
        ("tcp.connections", n(s.opened)),
        ("tcp.established", n(t.established)),
        ("tcp.bytes_written", n(t.written)),
        ("tcp.bytes_acked", n(t.bytes_acked)),
        ("tcp.bytes_delivered", n(t.bytes_delivered)),
        ("tcp.integrity_errors", n(t.integrity_errors)),
        ("tcp.segments_sent", n(t.segments_sent)),
        ("tcp.retransmissions", n(t.retransmissions)),
        ("tcp.timeouts", n(t.timeouts)),
        ("tcp.fast_retransmits", n(t.fast_retransmits)),
        ("tcp.rescue_retransmissions", n(t.rescue_retransmissions)),
        ("tcp.dsacks_received", n(t.dsacks_received)),
        ("tcp.paws_drops", n(t.paws_drops)),
        ("tcp.rack_losses", n(t.rack_losses)),
        ("tcp.tlp_probes", n(t.tlp_probes)),
        ("tcp.spurious_recoveries", n(t.spurious_recoveries)),
        ("tcp.resets_received", n(t.resets)),
        ("tcp.connect_failed", n(t.connect_failed)),
        ("tcp.timed_out", n(t.timed_out)),
        ("tcp.handshake_ns", t.handshake_ns),
        ("tcp.all_acked_at_ns", transfer_ns),
        ("tcp.delivery_span_ns", delivery_ns),
        ("tcp.goodput_bps", goodput_bps),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn dns_report(s: &Snapshot) -> Vec<(String, Option<u64>)> {
    let d = s.dns;
    let n = Some;
    [
        ("lookups", n(d.lookups)),
        ("hosts_hits", n(d.hosts_hits)),
        ("cache_hits", n(d.cache_hits)),
        ("queries_sent", n(d.queries_sent)),
        ("timeouts", n(d.timeouts)),
        ("answers", n(d.answers)),
        ("nxdomain", n(d.nxdomain)),
        ("failures", n(d.failures)),
        ("unmatched", n(d.unmatched)),
        ("connections_abandoned", n(s.dns_abandoned)),
        ("first_lookup_ns", s.stream.dns_ns),
    ]
    .into_iter()
    .map(|(k, v)| (format!("dns.{k}"), v))
    .collect()
}

/// `tls.*` figures, or the same phases under `http.*` for plain HTTP.
fn stream_report(side: &StreamSide, resolves: bool, s: &Snapshot) -> Vec<(String, Option<u64>)> {
    let t = s.stream;
    let n = Some;
    let tls = !side.is_plain();
    let mut m = Vec::new();
    if tls {
        m.extend([
            ("handshakes", n(t.handshakes)),
            ("resumed", n(t.resumed)),
            ("alerts_sent", n(t.alerts_sent)),
            ("alerts_received", n(t.alerts_received)),
        ]);
        if matches!(side, StreamSide::Client(_)) {
            m.push(("round_trips", t.round_trips));
        }
    }
    m.extend([
        ("app_bytes_received", n(t.app_bytes)),
        ("responses", n(t.responses)),
    ]);
    if tls {
        m.push(("cpu_ns", n(t.cpu_ns)));
    }
    if resolves {
        m.push(("dns_ns", t.dns_ns));
    }
    m.push(("tcp_connected_ns", t.tcp_connected_ns));
    if tls {
        m.push(("handshake_ns", t.handshake_ns));
    }
    m.extend([
        ("request_sent_ns", t.request_sent_ns),
        ("first_byte_ns", t.first_byte_ns),
        ("page_ns", t.page_ns),
        ("closed_ns", t.closed_ns),
    ]);
    if matches!(side, StreamSide::Client(_) | StreamSide::PlainClient) {
        m.extend(page_stats(&s.pages, s.page_count));
        m.extend(response_stats(&s.responses));
    }
    let family = if tls { "tls" } else { "http" };
    m.into_iter()
        .map(|(k, v)| (format!("{family}.{k}"), v))
        .collect()
}

/// Every connection's page, for capacity studies: the count of all
/// (`count`), and the mean and nearest-rank percentiles of `pages`.
/// Without a page there is no page time: the times are `None`.
fn page_stats(pages: &[u64], count: u64) -> [(&'static str, Option<u64>); 5] {
    let mut pages = pages.to_vec();
    pages.sort_unstable();
    let q = |p: usize| match pages.len() {
        0 => None,
        n => Some(pages[(n * p).div_ceil(100).max(1) - 1]),
    };
    let mean = match pages.len() {
        0 => None,
        n => Some(pages.iter().sum::<u64>() / n as u64),
    };
    [
        ("pages", Some(count)),
        ("page_ns_mean", mean),
        ("page_ns_p50", q(50)),
        ("page_ns_p95", q(95)),
        ("page_ns_max", q(100)),
    ]
}

/// Every request's response time: mean and nearest-rank percentiles, as
/// for pages (the count is `responses`).
fn response_stats(times: &[u64]) -> [(&'static str, Option<u64>); 4] {
    let [_, mean, p50, p95, max] = page_stats(times, times.len() as u64);
    [
        ("response_ns_mean", mean.1),
        ("response_ns_p50", p50.1),
        ("response_ns_p95", p95.1),
        ("response_ns_max", max.1),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_percentiles_are_nearest_rank() {
        let pages: Vec<u64> = (1..=20).rev().collect();
        let s = page_stats(&pages, 20);
        assert_eq!(s[0], ("pages", Some(20)));
        assert_eq!(s[1], ("page_ns_mean", Some(10)));
        assert_eq!(s[2], ("page_ns_p50", Some(10)));
        assert_eq!(s[3], ("page_ns_p95", Some(19)));
        assert_eq!(s[4], ("page_ns_max", Some(20)));
        // No page: a count of 0, and no page time at all.
        assert_eq!(page_stats(&[], 0)[0], ("pages", Some(0)));
        assert_eq!(page_stats(&[], 0)[2], ("page_ns_p50", None));
        // Pages loaded, none of them in the window: counted, not timed.
        assert_eq!(page_stats(&[], 3)[0], ("pages", Some(3)));
        assert_eq!(page_stats(&[], 3)[1], ("page_ns_mean", None));
    }

    #[test]
    fn the_last_response_of_a_connection_gives_its_page_time() {
        let mut t = StreamTotals {
            first_conn: Some(ConnId(0)),
            ..StreamTotals::default()
        };
        let started = Some(SimTime(100));
        let step = Step {
            response_complete: true,
            app_bytes: 10,
            ..Step::default()
        };
        assert_eq!(t.record(ConnId(0), &step, started, SimTime(150), 0), None);
        let last = Step {
            response_complete: true,
            close: true,
            last_response: true,
            ..Step::default()
        };
        assert_eq!(
            t.record(ConnId(0), &last, started, SimTime(300), 7),
            Some(200)
        );
        assert_eq!((t.responses, t.page_ns, t.cpu_ns), (2, Some(50), 7));
        assert_eq!(t.first_byte_ns, Some(50));
    }
}
