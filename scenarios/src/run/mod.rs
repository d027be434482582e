//! Running a [`Plan`] once, with one seed, and judging its expectations.
//!
//! A run is a pure function of the plan and the seed: [`run_with`] builds
//! the simulator, attaches each host's model, schedules the plan's actions
//! and injections, and drives it to the plan's stop time. Two things are
//! kept apart because they are read on their own: the hook that applies
//! fault rules to packets in flight (`faults`), and the judging of
//! expectations against the metrics and the trace (`judge`).

use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::Serialize;
use sim_core::{
    KindSet, LinkDirId, LinkParams, NodeId, SimTime, Simulator, Slice, TraceRecord, Value,
};

use crate::plan::derived::SeriesSamples;
use crate::plan::{LINK_MARKED, LINK_METRICS, Plan, apply, link_metric};
use reports::sink::RecordSink;
use sim_apps::host::{Host, HostAction};
use sim_apps::payload::Wire;
use sim_apps::tcp::{ConnFigures, KEPT_CONNECTIONS};
use sim_apps::timer::Timer;

mod faults;
mod judge;
mod series;
mod window;

pub use judge::{ExpectResult, Observed};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every expectation held.
    Passed,
    /// At least one expectation did not hold.
    Failed,
    /// A model failed (a bug in netsim); the trace up to the failure is kept.
    Error,
    /// A limit (`--max-events`, `--max-wall`) or a failed write stopped the
    /// run before its end; what it wrote up to there is kept.
    Stopped,
}

/// Everything one run produced.
pub struct RunOutput {
    /// The seed it ran with.
    pub seed: u64,
    /// The trace, in event order, when the run was asked to keep it
    /// ([`run`]); empty when it was streamed to files instead.
    pub records: Vec<TraceRecord>,
    /// The time series (the scenario's `timeseries`), kept with the trace;
    /// empty when they were streamed to files instead.
    pub series: Vec<reports::series::SeriesRow>,
    /// Named figures, in a fixed order.
    pub metrics: Vec<(String, Value)>,
    /// The TCP connection ends the summary lists, from the models
    /// themselves (see [`connections`]).
    pub connections: Vec<ConnFigures>,
    /// Every connection end the hosts kept (`flows.csv`), in the
    /// summary's order.
    pub flows: Vec<Flow>,
    /// The NSS key log of every TLS connection (`keylog.txt`), from the
    /// TLS state of the hosts: each host's in node order, each in the order
    /// its keys were installed.
    pub key_log: Vec<sim_tls::keylog::KeyLogLine>,
    /// Each expectation's result.
    pub expectations: Vec<ExpectResult>,
    /// Simulated time when the run stopped.
    pub end_time: SimTime,
    /// Events handled.
    pub events: u64,
    /// Passed, failed or error.
    pub outcome: Outcome,
    /// What went wrong when the outcome is [`Outcome::Error`], or which
    /// limit stopped it when the outcome is [`Outcome::Stopped`].
    pub error: Option<String>,
}

/// One TCP connection end of `flows.csv`: its figures, and what the
/// measurement window saw of it.
#[derive(Debug, Clone)]
pub struct Flow {
    /// As its host kept it.
    pub conn: ConnFigures,
    /// Data bytes its peer acknowledged inside the window, and the
    /// window's length in nanoseconds; `None` without a window, or for an
    /// end that did not live in it.
    pub window_acked: Option<(u64, u64)>,
}

/// Limits a run stops at before its `stop_at`, with its outputs flushed.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    /// Stop after this many events.
    pub max_events: Option<u64>,
    /// Stop after this much wall-clock time (where it stops then depends on
    /// the machine: the outputs are no longer reproducible).
    pub max_wall: Option<std::time::Duration>,
}

/// Where a run's records go.
pub enum Tracing<S> {
    /// No record is built (batch runs without count or state expectations).
    Off,
    /// Kept in memory and returned in [`RunOutput::records`].
    Keep,
    /// Passed to a sink as they happen, those of the kinds it wants (the
    /// judge's added); nothing is kept.
    Stream(S, KindSet),
}

/// The sink of a run that streams nowhere.
pub struct NoSink;

impl RecordSink for NoSink {
    fn push(&mut self, _: &TraceRecord) -> std::io::Result<()> {
        Ok(())
    }
    fn finish(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `plan` with `seed`, keeps its trace, and judges its expectations.
pub fn run(plan: &Plan, seed: u64) -> RunOutput {
    run_with(plan, seed, true)
}

/// Runs `plan` with `seed`; with `trace` false no trace record is built
/// (batch runs and benchmarks), and expectations that read the trace (counts
/// and states) fail with "needs the trace".
pub fn run_with(plan: &Plan, seed: u64, trace: bool) -> RunOutput {
    let tracing: Tracing<NoSink> = if trace { Tracing::Keep } else { Tracing::Off };
    run_traced(plan, seed, tracing, &Limits::default(), &mut |_| {}).0
}

/// How far a run has come, for a progress line.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Simulated time reached.
    pub now: SimTime,
    /// Events handled so far.
    pub events: u64,
}

/// Runs `plan` with `seed`, sending its records where `tracing` says,
/// stopping early at `limits`, and calling `progress` every so many events.
/// Returns the output, the sink (to be finished by the caller) and the
/// first error the sink reported (writing stops there; the run stops soon
/// after).
pub fn run_traced<S: RecordSink + 'static>(
    plan: &Plan,
    seed: u64,
    tracing: Tracing<S>,
    limits: &Limits,
    progress: &mut dyn FnMut(Progress),
) -> (RunOutput, Option<S>, Option<std::io::Error>) {
    let traced = !matches!(tracing, Tracing::Off);
    let wanted = match &tracing {
        Tracing::Off => KindSet::NONE,
        Tracing::Keep => KindSet::ALL,
        Tracing::Stream(_, kinds) => kinds.union(judge::Judge::wanted(plan)),
    };
    let mut sim = simulator(plan, seed, false);
    let shared = std::rc::Rc::new(std::cell::RefCell::new(RunSink {
        judge: judge::Judge::new(plan),
        keep: matches!(tracing, Tracing::Keep).then(Vec::new),
        series: Vec::new(),
        out: match tracing {
            Tracing::Stream(s, _) => Some(s),
            _ => None,
        },
        error: None,
    }));
    // Wanting no kind is running untraced: no record is built, and no
    // tracing-only event (a transmission start after a queue wait) is
    // scheduled or counted in `events`.
    if traced && wanted != KindSet::NONE {
        sim.stream_trace(Box::new(SinkHandle(shared.clone())), wanted);
    }
    // A model that panics is a netsim bug; keep the trace up to it as
    // evidence instead of losing the run.
    let mut driver = Driver {
        limits,
        started: std::time::Instant::now(),
        progress,
        sink: &shared,
        sampler: plan.sample_every.map(series::Sampler::new),
        series_samples: vec![SeriesSamples::default(); plan.derived.len()],
        window: plan.measure.map(window::Window::new),
        idle: false,
    };
    let result = catch_unwind(AssertUnwindSafe(|| driver.drive(&mut sim, plan)));
    let (error, stopped) = match result {
        Ok(stop) => (stop.clone(), stop.is_some()),
        Err(p) => (
            Some(
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a model panicked".to_string()),
            ),
            false,
        ),
    };
    let mut metrics = collect_metrics(&sim, plan);
    let end = end_time(&sim, plan);
    let window = driver.window.take();
    if let Some(w) = &window {
        w.apply(&sim, plan, &mut metrics);
    }
    crate::plan::derived::compute(
        &plan.derived,
        &mut metrics,
        &|dir| match &window {
            Some(w) => w.transmitted(&sim, dir),
            None => (sim.transmitted_at(dir, end), end.as_nanos()),
        },
        &driver.series_samples,
    );
    let flows = flows(&sim, plan, window.as_ref());
    let key_log = key_log(&sim, plan);
    let connections = flows
        .iter()
        .take(KEPT_CONNECTIONS)
        .map(|f| f.conn.clone())
        .collect();
    let events = sim.events_handled();
    drop(sim);
    let sink = std::rc::Rc::try_unwrap(shared)
        .ok()
        .expect("the simulator, which held the other handle, is gone")
        .into_inner();
    let expectations = sink.judge.finish(plan, traced, &metrics);
    let outcome = if stopped {
        Outcome::Stopped
    } else if error.is_some() {
        Outcome::Error
    } else if expectations.iter().all(|e| e.passed) {
        Outcome::Passed
    } else {
        Outcome::Failed
    };
    let out = RunOutput {
        seed,
        records: sink.keep.unwrap_or_default(),
        series: sink.series,
        metrics,
        connections,
        flows,
        key_log,
        end_time: end,
        events,
        expectations,
        outcome,
        error,
    };
    (out, sink.out, sink.error)
}

/// What a run's records feed: the judge always, then the kept trace or the
/// output sink.
struct RunSink<S> {
    judge: judge::Judge,
    keep: Option<Vec<TraceRecord>>,
    /// Time-series rows, kept when the trace is kept.
    series: Vec<reports::series::SeriesRow>,
    out: Option<S>,
    /// The first error the output sink reported; it gets nothing after.
    error: Option<std::io::Error>,
}

/// The simulator's handle on the run's sink (the run keeps the other, to
/// take the sink back when the simulator is done).
struct SinkHandle<S>(std::rc::Rc<std::cell::RefCell<RunSink<S>>>);

impl<S: RecordSink> sim_core::TraceSink for SinkHandle<S> {
    fn record(&mut self, r: TraceRecord) {
        let mut s = self.0.borrow_mut();
        s.judge.push(&r);
        let RunSink {
            out, error, keep, ..
        } = &mut *s;
        match keep {
            Some(k) => k.push(r),
            None => {
                if let Some(o) = out
                    && error.is_none()
                    && let Err(e) = o.push_owned(r)
                {
                    *error = Some(e);
                }
            }
        }
    }
}

/// Events handled between looks at the limits, the progress line and the
/// outputs.
const SLICE: u64 = 1 << 16;

/// Drives a run in slices of events, applying each link action before any
/// event at its time, and stopping at a limit or when writing failed.
struct Driver<'a, S> {
    limits: &'a Limits,
    started: std::time::Instant,
    progress: &'a mut dyn FnMut(Progress),
    sink: &'a std::rc::Rc<std::cell::RefCell<RunSink<S>>>,
    sampler: Option<series::Sampler>,
    /// For each `derived` entry in order, the samples its series figure
    /// reads (empty for the others).
    series_samples: Vec<SeriesSamples>,
    /// The measurement window, its edges read as the run passes them.
    window: Option<window::Window>,
    /// Nothing was left to happen at the last stop.
    idle: bool,
}

impl<S: RecordSink> Driver<'_, S> {
    /// Runs to `stop_at` (or until nothing is left to happen); `Some` says
    /// which limit stopped it first. Link actions apply before any event
    /// at their time; time-series samples are taken after every event at
    /// theirs, while the run has work (and once more when it runs dry).
    fn drive(&mut self, sim: &mut Simulator<Wire>, plan: &Plan) -> Option<String> {
        let mut actions = plan
            .actions
            .iter()
            .filter(|a| a.at <= plan.stop_at)
            .peekable();
        loop {
            let sample_at = self
                .sampler
                .as_ref()
                .map(|s| s.next)
                .filter(|&t| t <= plan.stop_at);
            let edge_at = self.window.as_ref().and_then(|w| w.next());
            // A window edge is read after every event at its time, before a
            // sample or an action there.
            if let Some(at) = edge_at.filter(|&e| {
                sample_at.is_none_or(|s| e <= s) && actions.peek().is_none_or(|a| e < a.at)
            }) {
                if let Some(stop) = self.run_to(sim, at) {
                    return Some(stop);
                }
                if let Some(w) = self.window.as_mut() {
                    w.read(sim, plan);
                }
                continue;
            }
            let action = actions
                .peek()
                .filter(|a| sample_at.is_none_or(|s| a.at <= s));
            match (action, sample_at) {
                (None, None) => return self.run_to(sim, plan.stop_at),
                (Some(action), _) => {
                    if action.at > SimTime::ZERO {
                        let before = SimTime(action.at.as_nanos() - 1);
                        if let Some(stop) = self.run_to(sim, before) {
                            return Some(stop);
                        }
                    }
                    sim.advance_to(action.at);
                    for &dir in &action.dirs {
                        let mut p: LinkParams =
                            sim.topology().link_dirs()[dir.0 as usize].params.clone();
                        apply(&action.set, &mut p);
                        sim.set_link_params(dir, p)
                            .expect("action parameters were checked when the plan was built");
                    }
                    actions.next();
                }
                (None, Some(at)) => {
                    if let Some(stop) = self.run_to(sim, at) {
                        return Some(stop);
                    }
                    self.sample(sim, plan);
                }
            }
        }
    }

    /// Takes the due sample and passes its rows on; after a sample taken
    /// with nothing left to happen, no more are taken.
    fn sample(&mut self, sim: &mut Simulator<Wire>, plan: &Plan) {
        let Some(sampler) = self.sampler.as_mut() else {
            return;
        };
        let mut sink = self.sink.borrow_mut();
        let RunSink {
            keep,
            series,
            out,
            error,
            ..
        } = &mut *sink;
        let samples = &mut self.series_samples;
        sampler.sample(sim, plan, &mut |row| {
            for (d, acc) in plan.derived.iter().zip(samples.iter_mut()) {
                if d.series()
                    .is_some_and(|s| s.reads(row.series, &row.key, row.t, plan.measure))
                {
                    acc.push(row.value);
                }
            }
            if keep.is_some() {
                series.push(row);
            } else if let Some(o) = out
                && error.is_none()
                && let Err(e) = o.series(&row)
            {
                *error = Some(e);
            }
        });
        if self.idle {
            self.sampler = None;
        }
    }

    fn run_to(&mut self, sim: &mut Simulator<Wire>, until: SimTime) -> Option<String> {
        loop {
            let budget = match self.limits.max_events {
                Some(max) => {
                    let left = max.saturating_sub(sim.events_handled());
                    if left == 0 {
                        return Some(format!("stopped at --max-events {max}"));
                    }
                    left.min(SLICE)
                }
                None => SLICE,
            };
            match sim.run_slice(until, budget) {
                Slice::Budget => {}
                Slice::Idle => {
                    self.idle = true;
                    return None;
                }
                Slice::Reached => return None,
            }
            (self.progress)(Progress {
                now: sim.now(),
                events: sim.events_handled(),
            });
            if let Some(max) = self.limits.max_wall
                && self.started.elapsed() >= max
            {
                return Some(format!("stopped at --max-wall {}s", max.as_secs_f64()));
            }
            if self.sink.borrow().error.is_some() {
                return Some("stopped: writing the outputs failed".to_string());
            }
        }
    }
}

/// The simulator of a run before its first event: hosts attached with
/// their actions scheduled, crafted segments queued, fault rules hooked.
fn simulator(plan: &Plan, seed: u64, trace: bool) -> Simulator<Wire> {
    let mut sim: Simulator<Wire> = Simulator::new(plan.topology.clone(), seed, trace);
    sim.set_ecmp(plan.ecmp);
    // Each host's actions in file order, gathered in one pass (not one
    // pass per host: a large topology has many hosts).
    let mut actions: Vec<Vec<&(SimTime, NodeId, HostAction)>> =
        vec![Vec::new(); plan.topology.nodes().len()];
    for a in &plan.node_actions {
        actions[a.1.index()].push(a);
    }
    for (node, apps) in &plan.hosts {
        let mine = std::mem::take(&mut actions[node.index()]);
        let mut host = Host::with_apps(apps, mine.iter().map(|(_, _, a)| *a).collect());
        if plan.sample_every.is_some() {
            host.keep_ended_flows();
        }
        if let Some((from, to)) = plan.measure {
            host.measure_pages(from, to);
        }
        sim.attach(*node, Box::new(host))
            .expect("plan gives each host one endpoint");
        for (i, (at, _, _)) in mine.iter().enumerate() {
            sim.schedule(*node, *at, Timer::Action(i).to_token());
        }
    }
    for (at, entry, src, dst, seg) in &plan.injections {
        let size = seg.wire_size();
        let payload = Wire::Tcp {
            seg: seg.clone(),
            retransmission: false,
            bytes: None,
        };
        sim.inject(*at, *entry, *src, *dst, size, payload);
    }
    if !plan.faults.is_empty() {
        sim.set_fault_hook(faults::fault_hook(plan));
    }
    sim
}

/// The run ends at the horizon if work remained, otherwise at its last real
/// event (not at a cancelled timer's leftover queue entry).
fn end_time(sim: &Simulator<Wire>, plan: &Plan) -> SimTime {
    if sim.now() >= plan.stop_at {
        plan.stop_at
    } else {
        sim.last_activity()
    }
}

/// Every TCP connection end the hosts kept (each host its first
/// [`KEPT_CONNECTIONS`]), ordered by when they opened, then by node, then
/// in the order their host had them (a man-in-the-middle lists the ends it
/// answers as the server before its own). The summary lists the first
/// [`KEPT_CONNECTIONS`] of these; since every host keeps its first ones,
/// none of those is missing.
fn flows(sim: &Simulator<Wire>, plan: &Plan, window: Option<&window::Window>) -> Vec<Flow> {
    let mut all: Vec<ConnFigures> = hosts(sim, plan).flat_map(Host::connections).collect();
    // A stable sort: a node's ends at one time keep their host's order.
    all.sort_by_key(|c| (c.opened, c.node));
    all.into_iter()
        .map(|conn| Flow {
            window_acked: window.and_then(|w| w.acked(sim, &conn).map(|b| (b, w.span_ns()))),
            conn,
        })
        .collect()
}

/// The plan's hosts, in node order.
fn hosts<'a>(sim: &'a Simulator<Wire>, plan: &'a Plan) -> impl Iterator<Item = &'a Host> {
    plan.hosts.iter().filter_map(|(node, _)| {
        let ep: &dyn std::any::Any = sim.endpoint(*node)?;
        ep.downcast_ref::<Host>()
    })
}

/// The key log lines of every host, in node order (see
/// [`RunOutput::key_log`]).
fn key_log(sim: &Simulator<Wire>, plan: &Plan) -> Vec<sim_tls::keylog::KeyLogLine> {
    hosts(sim, plan).flat_map(Host::key_log).collect()
}

fn collect_metrics(sim: &Simulator<Wire>, plan: &Plan) -> Vec<(String, Value)> {
    let topo = sim.topology();
    let mut m = vec![
        ("run.events".to_string(), Value::U64(sim.events_handled())),
        (
            "run.end_time_ns".to_string(),
            Value::U64(end_time(sim, plan).as_nanos()),
        ),
    ];
    for (node, _) in &plan.hosts {
        if let Some(ep) = sim.endpoint(*node) {
            for (k, v) in ep.metrics() {
                m.push((format!("{}.{k}", topo.name(*node)), v));
            }
        }
    }
    for (i, d) in topo.link_dirs().iter().enumerate() {
        let s = sim.link_stats(LinkDirId(i as u32));
        let values = [
            s.sent,
            s.bytes,
            s.delivered,
            s.dropped_queue_full,
            s.dropped_aqm,
            s.max_queue_delay.as_nanos(),
            s.lost,
            s.duplicated,
        ];
        for (k, v) in LINK_METRICS.iter().zip(values) {
            m.push((link_metric(topo, d.from, d.to, k), Value::U64(v)));
        }
        if d.params.can_mark() {
            let name = link_metric(topo, d.from, d.to, LINK_MARKED);
            m.push((name, Value::U64(s.marked)));
        }
    }
    m
}
