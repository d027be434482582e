//! netsim's side of the ns-3 comparison (docs/validation.md), pinned: CI
//! has no ns-3, so these tests hold netsim's matched 100 MB bulk transfer
//! (docs/validation/bulk-sack-off.json: NewReno, SACK off, IW 10, delayed
//! ACK every second segment or 200 ms, min and initial RTO 1 s, 128 KiB
//! buffers, 1 Gbps / 5 ms, 100-packet queue) to the distribution measured
//! for the document, so a change that moves it shows up here and the
//! document's tables can be re-measured (tools/validation/netsim-side.sh).
//!
//! How the bands were derived: the 20-seed measurement (seeds 1..=20,
//! 2026-11-29) gave each loss rate's mean μ and sample standard deviation σ
//! of the completion time, retransmissions and timeouts. These tests run
//! seeds 1..=4 (the full 100 MB, not scaled down: a debug run takes about a
//! second) and check that the 4-seed mean lies within μ ± 3σ/√4, three
//! standard errors of a 4-run mean. A run is deterministic, so today's
//! values sit well inside; a model change fails only if it moves the mean
//! by more than seed-to-seed variation explains.

mod common;

use common::metric;

const BULK: &str = include_str!("../../docs/validation/bulk-sack-off.json");
const SEEDS: std::ops::RangeInclusive<u64> = 1..=4;

/// Loss rate, then (μ, σ) over 20 seeds of: completion (all acknowledged,
/// seconds), retransmissions, timeouts.
struct Measured {
    loss: f64,
    completion_s: (f64, f64),
    retransmissions: (f64, f64),
    timeouts: (f64, f64),
}

const MEASURED: [Measured; 3] = [
    Measured {
        loss: 0.001,
        completion_s: (18.375, 1.165),
        retransmissions: (72.8, 9.7),
        timeouts: (0.10, 0.31),
    },
    Measured {
        loss: 0.01,
        completion_s: (75.110, 3.117),
        retransmissions: (725.2, 24.9),
        timeouts: (12.00, 2.97),
    },
    Measured {
        loss: 0.02,
        completion_s: (177.402, 8.614),
        retransmissions: (1480.8, 33.3),
        timeouts: (77.45, 7.10),
    },
];

/// netsim's settings matched to ns-3's SACK-on defaults (SACK,
/// timestamps, PRR, limited transmit; MSS 1460 less the 12 timestamp
/// bytes keeps 1448-byte segments), merged into both endpoints.
const SACK_ON: &str =
    r#"{"sack": true, "timestamps": true, "prr": true, "limited_transmit": true, "mss": 1460}"#;

/// The same measurement with `SACK_ON` (docs/validation.md, "Bulk
/// transfer, SACK on"), at 1 and 2 %; re-measured 2026-11-30 at fa4cff6,
/// after PRR became RFC 9937's.
const MEASURED_SACK: [Measured; 2] = [
    Measured {
        loss: 0.01,
        completion_s: (64.025, 2.493),
        retransmissions: (718.1, 25.5),
        timeouts: (6.50, 2.33),
    },
    Measured {
        loss: 0.02,
        completion_s: (110.215, 5.128),
        retransmissions: (1435.1, 29.2),
        timeouts: (27.00, 4.34),
    },
];

/// The bulk scenario with `settings` merged into every endpoint's `tcp`.
fn with_settings(settings: &str) -> String {
    merged(BULK, settings)
}

/// `base` with `settings` merged into every endpoint's `tcp`, as
/// tools/validation/netsim-side.sh merges them.
fn merged(base: &str, settings: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(base).unwrap();
    let extra: serde_json::Value = serde_json::from_str(settings).unwrap();
    for e in v["endpoints"].as_array_mut().unwrap() {
        for (k, x) in extra.as_object().unwrap() {
            e["tcp"][k] = x.clone();
        }
    }
    v.to_string()
}

/// The sweep point of `loss` in the scenario's loss sweep.
fn plan_for(loss: f64) -> scenarios::Plan {
    plan_of(BULK, loss)
}

fn plan_of(text: &str, loss: f64) -> scenarios::Plan {
    let sweep = scenarios::Sweep::parse(text).unwrap();
    let point = (0..sweep.points())
        .find(|&p| {
            sweep
                .values(p)
                .iter()
                .any(|(name, v)| name == "loss" && v.as_f64() == Some(loss))
        })
        .unwrap_or_else(|| panic!("no sweep point with loss {loss}"));
    scenarios::plan_point(&sweep, point).unwrap()
}

/// Mean over `SEEDS` of completion (s), retransmissions and timeouts; every
/// run delivers the 100 MB intact.
fn means(loss: f64) -> (f64, f64, f64) {
    means_of(&plan_for(loss))
}

fn means_of(plan: &scenarios::Plan) -> (f64, f64, f64) {
    let (mut c, mut r, mut t) = (0.0, 0.0, 0.0);
    for seed in SEEDS {
        let out = scenarios::run_with(plan, seed, false);
        assert_eq!(metric(&out, "b.tcp.bytes_delivered"), 100_000_000);
        assert_eq!(metric(&out, "b.tcp.integrity_errors"), 0);
        c += metric(&out, "a.tcp.all_acked_at_ns") as f64 / 1e9;
        r += metric(&out, "a.tcp.retransmissions") as f64;
        t += metric(&out, "a.tcp.timeouts") as f64;
    }
    let n = SEEDS.count() as f64;
    (c / n, r / n, t / n)
}

fn assert_in_band(what: &str, loss: f64, got: f64, (mu, sd): (f64, f64)) {
    let half = 3.0 * sd / (SEEDS.count() as f64).sqrt();
    assert!(
        (mu - half..=mu + half).contains(&got),
        "loss {loss}: mean {what} {got} is outside {mu} ± {half} (20-seed mean ± 3 standard errors)"
    );
}

/// Lossless, the transfer is window-limited (128 KiB per 10 ms round trip)
/// and deterministic: 7.748708 s, 26 µs before ns-3's 7.748734 s.
#[test]
fn lossless_bulk_matches_the_measured_completion() {
    let out = scenarios::run_with(&plan_for(0.0), 1, false);
    let done = metric(&out, "a.tcp.all_acked_at_ns");
    assert!(
        (7_748_000_000..=7_749_500_000).contains(&done),
        "lossless completion {done} ns"
    );
    assert_eq!(metric(&out, "a.tcp.retransmissions"), 0);
    assert_eq!(metric(&out, "b.tcp.bytes_delivered"), 100_000_000);
}

#[test]
fn lossy_bulk_lies_in_the_measured_bands() {
    for m in &MEASURED {
        let (c, r, t) = means(m.loss);
        assert_in_band("completion (s)", m.loss, c, m.completion_s);
        assert_in_band("retransmissions", m.loss, r, m.retransmissions);
        assert_in_band("timeouts", m.loss, t, m.timeouts);
        // Every lost segment is resent about once: retransmissions stay
        // within 10 % of the expected losses (69,063 data segments times
        // the loss rate, plus the losses of the retransmissions).
        let expected = 69_063.0 * m.loss / (1.0 - m.loss);
        assert!(
            (0.9 * expected..=1.15 * expected).contains(&r),
            "loss {}: {r} retransmissions for about {expected} losses",
            m.loss
        );
    }
}

/// With SACK on both ends netsim resends the same segments as without
/// (about one per loss) but finishes sooner, and ns-3 takes about √2 times
/// as long at every loss rate (its per-ACK window growth).
#[test]
fn sack_bulk_lies_in_the_measured_bands() {
    let text = with_settings(SACK_ON);
    for m in &MEASURED_SACK {
        let (c, r, t) = means_of(&plan_of(&text, m.loss));
        assert_in_band("completion (s)", m.loss, c, m.completion_s);
        assert_in_band("retransmissions", m.loss, r, m.retransmissions);
        assert_in_band("timeouts", m.loss, t, m.timeouts);
    }
    let (sack, _, _) = means_of(&plan_of(&text, 0.02));
    let (newreno, _, _) = means(0.02);
    assert!(
        sack < 0.75 * newreno,
        "SACK {sack} s, NewReno {newreno} s at 2 %"
    );
}

/// At 0.1 % loss timeouts are rare and the byte-counting NewReno follows
/// Mathis et al.: 1448 B / 10.012 ms × √(3/2) / √p = 44.8 Mbps (the
/// window's own limit, 128 KiB per round trip, is 105 Mbps). netsim's mean
/// is within 10 % of it; ns-3, growing cwnd per ACK with delayed ACKs,
/// gets about 1/√2 of it (docs/validation.md).
#[test]
fn low_loss_goodput_follows_mathis() {
    let (c, _, _) = means(0.001);
    let goodput = 8e8 / c;
    let mathis = 1448.0 * 8.0 / 0.010012 * 1.5f64.sqrt() / 0.001f64.sqrt();
    let ratio = goodput / mathis;
    assert!(
        (0.9..=1.1).contains(&ratio),
        "{goodput} bps is {ratio} × Mathis ({mathis})"
    );
}

const DUMBBELL_CUBIC: &str = include_str!("../../docs/validation/dumbbell-cubic.json");
const DUMBBELL: &str = include_str!("../../docs/validation/dumbbell.json");

/// The dumbbell with flow 1 CUBIC and flow 2 NewReno, SACK on, RACK-TLP on,
/// with this `hystart` setting (docs/validation.md, "Dumbbell"). No
/// randomness: one run is every seed's run. Returns each flow's goodput
/// (Mbps over 30 s), flow 1's retransmissions and the bottleneck's drops.
fn dumbbell_cubic(hystart: &str) -> (f64, f64, u64, u64) {
    let settings = format!(
        r#"{{"sack": true, "timestamps": true, "prr": true, "limited_transmit": true, "mss": 1460, "rack_tlp": true, "hystart": "{hystart}"}}"#
    );
    let plan = scenarios::plan_from_str(&merged(DUMBBELL_CUBIC, &settings)).unwrap();
    let out = scenarios::run_with(&plan, 1, false);
    let mbps = |m: &str| metric(&out, m) as f64 * 8.0 / 30.0 / 1e6;
    for f in ["s0", "s1"] {
        assert_eq!(metric(&out, &format!("{f}.tcp.timeouts")), 0, "{f}");
    }
    (
        mbps("d0.tcp.bytes_delivered"),
        mbps("d1.tcp.bytes_delivered"),
        metric(&out, "s0.tcp.retransmissions"),
        metric(&out, "link.r0->r1.dropped_queue_full"),
    )
}

/// The rows measured for the document (2026-11-30, after PRR became RFC
/// 9937's): flow 1 and flow 2 Mbps, flow 1's retransmissions, bottleneck
/// drops.
#[test]
fn dumbbell_cubic_with_and_without_hystart_matches_the_measured_rows() {
    let close = |got: f64, want: f64| (got - want).abs() < 0.01;
    // HyStart (the linux profile's default): with RFC 9937's PRR CUBIC
    // now takes the smaller share (docs/validation.md, "Dumbbell").
    let (c, n, retx, drops) = dumbbell_cubic("linux");
    assert!(close(c, 4.28) && close(n, 5.34), "{c:.2} / {n:.2}");
    assert_eq!((retx, drops), (19, 68));
    // HyStart++.
    let (c, n, retx, drops) = dumbbell_cubic("hystart++");
    assert!(close(c, 6.58) && close(n, 3.05), "{c:.2} / {n:.2}");
    assert_eq!((retx, drops), (39, 72));
    // Without HyStart.
    let (c, n, retx, drops) = dumbbell_cubic("off");
    assert!(close(c, 5.74) && close(n, 3.88), "{c:.2} / {n:.2}");
    assert_eq!((retx, drops), (50, 102));
}

/// Two BBR flows through the dumbbell, SACK on (docs/validation.md,
/// "BBR"): the bytes each delivered on seeds 1 to 4, as measured for the
/// document with tools/validation/netsim-side.sh (2026-11-29). The seed
/// moves the ISS and with it the phase each flow's probe_bw starts in.
const MEASURED_BBR: [(u64, u64, u64); 4] = [
    (1, 17_839_360, 17_745_240),
    (2, 17_099_432, 18_506_888),
    (3, 17_373_104, 18_169_504),
    (4, 18_425_800, 17_144_320),
];

#[test]
fn dumbbell_bbr_matches_the_measured_runs_and_ns3s_mean() {
    let settings = r#"{"sack": true, "timestamps": true, "prr": true, "limited_transmit": true, "mss": 1460, "congestion": "bbr"}"#;
    let plan = scenarios::plan_from_str(&merged(DUMBBELL, settings)).unwrap();
    let mut total = 0.0;
    for (seed, d0, d1) in MEASURED_BBR {
        let out = scenarios::run_with(&plan, seed, false);
        assert_eq!(
            (
                metric(&out, "d0.tcp.bytes_delivered"),
                metric(&out, "d1.tcp.bytes_delivered")
            ),
            (d0, d1),
            "seed {seed}"
        );
        for m in [
            "s0.tcp.retransmissions",
            "s1.tcp.retransmissions",
            "link.r0->r1.dropped_queue_full",
        ] {
            assert_eq!(metric(&out, m), 0, "seed {seed}: {m}");
        }
        total += (d0 + d1) as f64 * 8.0 / 30.0 / 1e6;
    }
    // ns-3's TcpBbr: 4.76 + 4.71 Mbps over 20 runs; netsim's 4-seed mean
    // within 2 % of it.
    let mean = total / MEASURED_BBR.len() as f64;
    assert!((mean / 9.47 - 1.0).abs() < 0.02, "{mean:.3} Mbps");
}

/// Both dumbbell flows Vegas, SACK on (docs/validation.md, "Vegas"): the
/// netsim row, one run for every seed. Neither flow fills the queue, and
/// they settle a segment apart.
#[test]
fn dumbbell_vegas_matches_the_measured_row() {
    let settings = r#"{"sack": true, "timestamps": true, "prr": true, "limited_transmit": true, "mss": 1460, "congestion": "vegas"}"#;
    let plan = scenarios::plan_from_str(&merged(DUMBBELL, settings)).unwrap();
    let out = scenarios::run_with(&plan, 1, false);
    let mbps = |m: &str| metric(&out, m) as f64 * 8.0 / 30.0 / 1e6;
    let (a, b) = (
        mbps("d0.tcp.bytes_delivered"),
        mbps("d1.tcp.bytes_delivered"),
    );
    assert!(
        (a - 5.02).abs() < 0.01 && (b - 4.60).abs() < 0.01,
        "{a:.2} / {b:.2}"
    );
    assert_eq!(metric(&out, "link.r0->r1.dropped_queue_full"), 0);
    for f in ["s0", "s1"] {
        assert_eq!(metric(&out, &format!("{f}.tcp.retransmissions")), 0, "{f}");
    }
}

/// The bufferbloat set-up (scenarios/library/bufferbloat.json: a 25 MB
/// NewReno upload, rfc profile, and 84-byte pings every 100 ms across a
/// 10 Mbps / 10 ms bottleneck with a 1000-packet queue), compared with
/// ns-3's traffic-control queue discs in docs/validation.md ("Queue
/// disciplines"). Measured 2026-11-29 with tools/validation/netsim-aqm.sh,
/// seeds 1..=20: (μ, σ) of the mean ping RTT (ms), the largest ping RTT
/// (ms), the bulk goodput (Mbps) and the bottleneck's drops (queue full and
/// AQM) of each discipline.
const BUFFERBLOAT: &str = include_str!("../library/bufferbloat.json");

struct MeasuredAqm {
    discipline: &'static str,
    rtt_mean_ms: (f64, f64),
    rtt_max_ms: (f64, f64),
    goodput_mbps: (f64, f64),
    drops: (f64, f64),
}

/// drop_tail, CoDel and FQ-CoDel draw nothing at random here (no loss, the
/// pings and the transfer start at fixed times; FQ-CoDel's hash
/// perturbation put the two flows in different queues on seeds 1..=20), so
/// their 20 runs are identical (σ 0); RED and PIE draw their drops.
const MEASURED_AQM: [MeasuredAqm; 5] = [
    MeasuredAqm {
        discipline: "drop_tail",
        rtt_mean_ms: (400.3584, 0.0),
        rtt_max_ms: (1215.4498, 0.0),
        goodput_mbps: (8.6509, 0.0),
        drops: (511.0, 0.0),
    },
    MeasuredAqm {
        discipline: "red",
        rtt_mean_ms: (30.8805, 0.5064),
        rtt_max_ms: (95.6863, 16.3352),
        goodput_mbps: (7.7071, 0.9235),
        drops: (174.4, 87.3929),
    },
    MeasuredAqm {
        discipline: "codel",
        rtt_mean_ms: (28.0256, 0.0),
        rtt_max_ms: (78.6338, 0.0),
        goodput_mbps: (8.7197, 0.0),
        drops: (46.0, 0.0),
    },
    MeasuredAqm {
        discipline: "fq_codel",
        rtt_mean_ms: (24.7172, 0.0),
        rtt_max_ms: (26.4148, 0.0),
        goodput_mbps: (8.6374, 0.0),
        drops: (45.0, 0.0),
    },
    MeasuredAqm {
        discipline: "pie",
        rtt_mean_ms: (42.2022, 1.5387),
        rtt_max_ms: (239.9059, 20.7849),
        goodput_mbps: (8.2528, 0.4979),
        drops: (164.5, 71.1629),
    },
];

/// The bufferbloat sweep's point for `discipline`.
fn bufferbloat_plan(discipline: &str) -> scenarios::Plan {
    let sweep = scenarios::Sweep::parse(BUFFERBLOAT).unwrap();
    let point = (0..sweep.points())
        .find(|&p| {
            sweep
                .values(p)
                .iter()
                .any(|(name, v)| name == "discipline" && v.as_str() == Some(discipline))
        })
        .unwrap_or_else(|| panic!("no sweep point with discipline {discipline}"));
    scenarios::plan_point(&sweep, point).unwrap()
}

/// Each discipline's 4-seed means lie within the 20-seed mean ± 3 standard
/// errors of a 4-run mean; for the three deterministic disciplines (σ 0)
/// that band is the measured value itself, held to 0.1 % (drops exactly).
/// The order the document's table shows holds too: FQ-CoDel's pings see
/// almost no queue, CoDel's and RED's a few milliseconds, PIE's about its
/// 15 ms target, drop-tail's the standing queue of up to 1.2 s.
#[test]
fn bufferbloat_disciplines_lie_in_the_measured_bands() {
    let mut rtt = Vec::new();
    for m in &MEASURED_AQM {
        let plan = bufferbloat_plan(m.discipline);
        let (mut mean, mut max, mut goodput, mut drops) = (0.0, 0.0, 0.0, 0.0);
        for seed in SEEDS {
            let out = scenarios::run_with(&plan, seed, false);
            mean += metric(&out, "c.ping.rtt_mean_ns") as f64 / 1e6;
            max += metric(&out, "c.ping.rtt_max_ns") as f64 / 1e6;
            goodput += metric(&out, "a.tcp.goodput_bps") as f64 / 1e6;
            drops += (metric(&out, "link.r1->r2.dropped_queue_full")
                + metric(&out, "link.r1->r2.dropped_aqm")) as f64;
        }
        let n = SEEDS.count() as f64;
        let got = [mean / n, max / n, goodput / n, drops / n];
        let want = [m.rtt_mean_ms, m.rtt_max_ms, m.goodput_mbps, m.drops];
        let what = [
            "mean ping RTT (ms)",
            "max ping RTT (ms)",
            "goodput (Mbps)",
            "drops",
        ];
        for ((g, (mu, sd)), w) in got.iter().zip(want).zip(what) {
            let half = if sd == 0.0 {
                if w == "drops" { 0.0 } else { 0.001 * mu }
            } else {
                3.0 * sd / n.sqrt()
            };
            assert!(
                (mu - half..=mu + half).contains(g),
                "{}: mean {w} {g} is outside {mu} ± {half}",
                m.discipline
            );
        }
        rtt.push((m.discipline, got[0]));
    }
    let order: Vec<&str> = {
        let mut r = rtt.clone();
        r.sort_by(|a, b| a.1.total_cmp(&b.1));
        r.iter().map(|(d, _)| *d).collect()
    };
    assert_eq!(
        order,
        ["fq_codel", "codel", "red", "pie", "drop_tail"],
        "{rtt:?}"
    );
}

/// DCTCP against ns-3's `TcpDctcp` (docs/validation.md, "DCTCP"):
/// docs/validation/dctcp.json, N senders uploading through a 100 Mbps
/// port that marks CE at K packets waiting, 100 us links, measured from 1 s
/// to 5 s. tools/validation/netsim-dctcp.sh makes each set with jq and
/// starts sender i at a time in [0, 5 ms) drawn from the seed; these
/// helpers do the same, so a seed here is that seed's row there.
const DCTCP: &str = include_str!("../../docs/validation/dctcp.json");

/// `starts_us` of the scripts: the seed's MINSTD stream, three steps a
/// sender, modulo 5000 us.
fn dctcp_starts_us(seed: u64, n: usize) -> Vec<u64> {
    let mut x = (seed * 16807 + 1) % 2_147_483_647;
    (0..n)
        .map(|_| {
            for _ in 0..3 {
                x = x * 48271 % 2_147_483_647;
            }
            x % 5000
        })
        .collect()
}

/// dctcp.json with `n` senders (copies of s1's link and endpoint), the
/// marker at `k` and the seed's start times, as netsim-dctcp.sh writes it.
fn dctcp_plan(n: usize, k: u64, seed: u64) -> scenarios::Plan {
    let mut v: serde_json::Value = serde_json::from_str(DCTCP).unwrap();
    let access = v["topology"]["links"][0].clone();
    let mut bottleneck = v["topology"]["links"][2].clone();
    bottleneck["one_way"][0]["ecn_mark"]["threshold_packets"] = k.into();
    let receiver = v["endpoints"][0].clone();
    let sender = v["endpoints"][1].clone();
    let starts = dctcp_starts_us(seed, n);
    let (mut nodes, mut links, mut endpoints, mut jain) = (vec![], vec![], vec![receiver], vec![]);
    for (i, start) in starts.iter().enumerate() {
        let s = format!("s{}", i + 1);
        let mut l = access.clone();
        l["between"] = serde_json::json!([s, "sw"]);
        links.push(l);
        let mut e = sender.clone();
        e["node"] = s.clone().into();
        e["tcp"]["at"] = format!("{start}us").into();
        endpoints.push(e);
        jain.push(format!("{s}.tcp.goodput_bps"));
        nodes.push(s);
    }
    nodes.push("r".into());
    links.push(bottleneck);
    v["topology"]["nodes"] = serde_json::json!(nodes);
    v["topology"]["links"] = serde_json::json!(links);
    v["endpoints"] = serde_json::json!(endpoints);
    v["derived"][1]["jain"] = serde_json::json!(jain);
    scenarios::plan_from_str(&v.to_string()).unwrap()
}

/// A metric as a number, whole or real (the derived figures are real).
fn number(out: &scenarios::RunOutput, name: &str) -> f64 {
    match out.metrics.iter().find(|(k, _)| k == name) {
        Some((_, sim_core::Value::U64(v))) => *v as f64,
        Some((_, sim_core::Value::F64(v))) => *v,
        other => panic!("{name}: {other:?}"),
    }
}

/// One run's row of netsim-dctcp.sh: summed goodput (Mbps), Jain's index,
/// utilisation, mean and largest queue (packets, the 1 ms samples in
/// (1 s, 5 s]), marks in the window, ECN reductions; and it checks that
/// nothing was dropped or resent.
fn dctcp_row(n: usize, k: u64, seed: u64) -> [f64; 7] {
    use reports::series::Series;
    // The time series are kept only with the trace.
    let out = scenarios::run(&dctcp_plan(n, k, seed), seed);
    let (mut goodput, mut reductions) = (0.0, 0.0);
    for i in 1..=n {
        goodput += number(&out, &format!("s{i}.tcp.goodput_bps")) / 1e6;
        reductions += number(&out, &format!("s{i}.tcp.ecn_reductions"));
        assert_eq!(metric(&out, &format!("s{i}.tcp.retransmissions")), 0);
        assert_eq!(metric(&out, &format!("s{i}.tcp.timeouts")), 0);
    }
    assert_eq!(metric(&out, "link.sw->r.dropped_queue_full"), 0);
    let in_window = |r: &&reports::series::SeriesRow| {
        r.key == "sw->r" && r.t.as_nanos() > 1_000_000_000 && r.t.as_nanos() <= 5_000_000_000
    };
    let queue: Vec<u64> = out
        .series
        .iter()
        .filter(in_window)
        .filter(|r| r.series == Series::QueuePackets)
        .map(|r| r.value)
        .collect();
    assert_eq!(queue.len(), 4000, "one sample a millisecond");
    let marks: u64 = out
        .series
        .iter()
        .filter(in_window)
        .filter(|r| r.series == Series::Marks)
        .map(|r| r.value)
        .sum();
    [
        goodput,
        number(&out, "derived.fairness"),
        number(&out, "derived.port"),
        queue.iter().sum::<u64>() as f64 / queue.len() as f64,
        *queue.iter().max().unwrap() as f64,
        marks as f64,
        reductions,
    ]
}

/// netsim's DCTCP rows of docs/validation.md for seeds 1..=3 of two sets
/// (2 senders at K = 20, 3 senders at K = 65), measured 2026-11-30 (after
/// PRR, which brings cwnd down in CWR, became RFC 9937's) with
/// tools/validation/netsim-dctcp.sh. A run is deterministic, so each seed's
/// row is held tightly: goodput to 0.05 %, Jain's index and utilisation to
/// 0.001, the mean queue to 0.5 %, the largest exactly, marks and ECN
/// reductions to 1 %. A change to DCTCP's alpha, its cut, the echo or the
/// marker moves marks and reductions by more (the K + 1 check in the
/// document moves them 2-7 %); then re-run the script and update the
/// tables and these rows together.
#[test]
fn dctcp_rows_match_the_measured_ones() {
    #[rustfmt::skip]
    let measured: [(usize, u64, u64, [f64; 7]); 6] = [
        (2, 20, 1, [96.532368, 0.999999, 0.99999, 18.0280, 23.0, 8222.0, 1273.0]),
        (2, 20, 2, [96.535264, 0.999987, 0.99999, 18.2255, 23.0, 8169.0, 1273.0]),
        (2, 20, 3, [96.529472, 0.999989, 1.00002, 18.3600, 23.0, 8104.0, 1268.0]),
        (3, 65, 1, [96.529472, 0.998064, 1.00002, 61.9085, 71.0, 6770.0, 507.0]),
        (3, 65, 2, [96.535264, 0.998932, 0.99999, 61.5757, 70.0, 6812.0, 506.0]),
        (3, 65, 3, [96.535264, 0.998799, 1.00002, 61.6780, 70.0, 6730.0, 513.0]),
    ];
    let what = [
        "goodput Mbps",
        "Jain",
        "utilisation",
        "queue mean",
        "queue max",
        "marks",
        "ECN reductions",
    ];
    for (n, k, seed, want) in measured {
        let got = dctcp_row(n, k, seed);
        for ((g, w), name) in got.iter().zip(want).zip(what) {
            let tol = match name {
                "goodput Mbps" => 0.0005 * w,
                "Jain" | "utilisation" => 0.001,
                "queue mean" => 0.005 * w,
                "queue max" => 0.0,
                _ => 0.01 * w,
            };
            assert!(
                (g - w).abs() <= tol,
                "{n} senders, K {k}, seed {seed}: {name} {g} is not {w} ± {tol}"
            );
        }
    }
}
