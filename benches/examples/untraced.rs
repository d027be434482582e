//! The simulation alone: a scenario file run with tracing off (no record
//! built, nothing written), the yardstick `netsim run` with its outputs is
//! measured against (issue 12: `--outputs summary` within 1.5× of it).
//!
//! ```text
//! cargo run --release -p benches --example untraced -- benches/bulk100.json [runs]
//! ```
//!
//! Prints each run's wall time and the median of `runs` (default 5).

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let file = args.next().expect("usage: untraced SCENARIO.json [runs]");
    let runs: usize = args
        .next()
        .map_or(5, |n| n.parse().expect("runs: a number"));
    let plan = scenarios::load(std::path::Path::new(&file)).expect("a valid scenario");
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let out = scenarios::run_with(&plan, 1, false);
        let secs = start.elapsed().as_secs_f64();
        println!("{secs:.4} s ({} events, {:?})", out.events, out.outcome);
        times.push(secs);
    }
    times.sort_by(f64::total_cmp);
    println!("median {:.4} s over {runs} runs", times[runs / 2]);
}
