//! The largest inputs netsim accepts, each checked before the work it
//! bounds starts, so that a file too big for the machine is refused with a
//! message (exit 2) instead of hanging or running out of memory. The README
//! lists them ("Limits"); each constant says why it is where it is.

/// Largest scenario file, checked before the file is read. Parsing holds
/// the text, a JSON tree of it and the typed scenario at once, about twenty
/// times the file's size for a file of short strings (a 200 MB list of
/// metric names took over 4 GB), so 64 MiB keeps that near 1.3 GB. The
/// largest topologies netsim is built for fit easily: a 100,000-node star
/// is 6 MB.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Most nodes (hosts and routers together). A node's address is 10.x.y.z
/// of its index plus one, so 2^24 - 1 is the hard ceiling; each run also
/// keeps a random stream, an endpoint slot and routing state per node, and
/// a million nodes is already hundreds of MB per concurrent run.
pub const MAX_NODES: usize = 1_000_000;

/// Most links. Each is two directions with their own queue and random
/// stream per run, and six counters each in `summary.json`; two million
/// links is twice a million-node tree's.
pub const MAX_LINKS: usize = 2_000_000;

/// Most sweep points (the product of the number of values of every sweep).
/// Every point is checked before anything runs, about a millisecond each
/// for the library's scenarios, and a batch keeps each point's checked
/// plan in memory and runs it at least once: 100,000 points is already
/// minutes of checking and 100,000 runs. Larger studies split into several
/// files (or use more seeds per point).
pub const MAX_SWEEP_POINTS: u64 = 100_000;

/// Most time-series samples in a run (`timeseries.interval` against
/// `stop_at`). Each sample writes a few lines per live flow and per link
/// direction to `timeseries.csv`, streamed (nothing is kept), so this
/// bounds the file, not memory: a million samples of a dumbbell's four
/// flows and eight link directions is about 40 million lines.
pub const MAX_SAMPLES: u64 = 1_000_000;
