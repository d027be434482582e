//! Wall time of one workload: 10,000 HTTPS page loads (TLS 1.3, 20 kB,
//! 20 ms RTT, 100 concurrent), for comparing two builds side by side:
//!
//! ```text
//! cargo run --release -p benches --example https_pages
//! ```

use std::time::Instant;

use benches::tcp::{https_pages_scenario, run_checked};

fn main() {
    let plan = https_pages_scenario(10_000);
    let start = Instant::now();
    let events = run_checked(&plan);
    let secs = start.elapsed().as_secs_f64();
    println!("https_pages: wall_s={secs:.4} events={events}");
}
