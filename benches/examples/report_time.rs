//! Report generation against simulation time for a run of about a million
//! events (cubic-vs-newreno stretched to 200 s):
//!
//! ```text
//! cargo run --release -p benches --example report_time
//! ```

use std::time::Instant;

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/library/cubic-vs-newreno.json"
    );
    let text = std::fs::read_to_string(path)
        .expect("library scenario")
        .replace(r#""stop_at": "20s""#, r#""stop_at": "200s""#);
    let plan = scenarios::plan_from_str(&text).expect("valid");
    let t0 = Instant::now();
    let out = scenarios::run(&plan, 1);
    let run_s = t0.elapsed().as_secs_f64();
    let dir = std::env::temp_dir().join("netsim-report-time");
    let t1 = Instant::now();
    let files = scenarios::write_outputs(&dir, &plan, &out).expect("outputs written");
    let report_s = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let pictures =
        scenarios::pictures(&plan, &out, sim_core::SimTime::ZERO, sim_core::SimTime::MAX);
    let pictures_s = t2.elapsed().as_secs_f64();
    println!(
        "events={} trace_records={} run_s={run_s:.3} all_outputs_s={report_s:.3} (pictures alone {pictures_s:.3} s, {} files)",
        out.events,
        out.records.len(),
        files.len().max(pictures.len())
    );
}
