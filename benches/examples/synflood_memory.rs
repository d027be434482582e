//! Peak memory with one million simultaneous half-open connections: a SYN
//! flood without cookies against a listener with a 2,000,000-entry backlog,
//! tracing off.
//!
//! ```text
//! cargo run --release -p benches --example synflood_memory
//! ```
//!
//! Prints the half-open connections held and the process's peak resident
//! memory (VmHWM) before and after.

use scenarios::run_with;

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let syns: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let ghosts: Vec<String> = (0..16).map(|i| format!("g{i}")).collect();
    let nodes: Vec<String> = ["b", "x"]
        .iter()
        .map(|s| s.to_string())
        .chain(ghosts.iter().cloned())
        .collect();
    let links: Vec<String> = nodes
        .iter()
        .map(|n| format!(r#"{{"between": ["{n}", "r"], "delay": "1ms", "bandwidth": "10Gbps", "queue_packets": 100000}}"#))
        .collect();
    let text = format!(
        r#"{{
  "name": "synflood-memory",
  "stop_at": "1.5s",
  "topology": {{"nodes": {nodes:?}, "routers": ["r"], "links": [{links}]}},
  "endpoints": [
    {{"node": "b", "tcp": {{"listen": 80, "backlog": 2000000}}}},
    {{"node": "x", "syn_flood": {{"target": "b:80", "count": {syns}, "interval": "1us", "spoof": {ghosts:?}}}}}
  ]
}}"#,
        links = links.join(",")
    );
    let plan = scenarios::plan_from_str(&text).expect("valid scenario");
    let before = peak_rss_kib();
    let start = std::time::Instant::now();
    let out = run_with(&plan, 1, false);
    let secs = start.elapsed().as_secs_f64();
    let after = peak_rss_kib();
    let opened = out
        .metrics
        .iter()
        .find(|(k, _)| k == "b.tcp.connections")
        .map(|(_, v)| format!("{v:?}"))
        .unwrap_or_default();
    println!(
        "syns={syns} half_open_opened={opened} wall_s={secs:.2} peak_rss_before_mib={:.1} peak_rss_after_mib={:.1} per_conn_bytes={:.0}",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        (after - before) as f64 * 1024.0 / syns as f64
    );
}
