//! Wall time of the TCP workloads of issue 4 and the HTTPS workload of
//! issue 5, one line each:
//!
//! ```text
//! cargo run --release -p benches --example tcp
//! ```

use std::time::Instant;

use benches::tcp::{bulk_scenario, https_pages_scenario, run_checked, short_connections_scenario};

fn main() {
    let cases = [
        ("bulk 100 MB, no loss", bulk_scenario(100_000_000, 0.0)),
        ("bulk 100 MB, 1% loss", bulk_scenario(100_000_000, 0.01)),
        (
            "10,000 short connections, 100 concurrent",
            short_connections_scenario(10_000, 100),
        ),
        (
            "10,000 HTTPS page loads (TLS 1.3, 20 kB, 20 ms RTT), 100 concurrent",
            https_pages_scenario(10_000),
        ),
    ];
    for (name, plan) in cases {
        let start = Instant::now();
        let events = run_checked(&plan);
        let secs = start.elapsed().as_secs_f64();
        println!("{name}: wall_s={secs:.4} events={events}");
    }
}
