//! The `netsim` command line. The one place where errors become messages and
//! exit codes: 0 success, 1 expectations failed, 2 bad input or unwritable
//! output, 3 a model failed (a netsim bug; the trace is still written), 4 a
//! run stopped at `--max-events` or `--max-wall` (outputs written up to
//! there).

use std::path::PathBuf;
use std::process::ExitCode;

use std::io::IsTerminal;

use clap::{Parser, Subcommand};
use scenarios::Error;
use scenarios::Outcome;

#[derive(Parser)]
#[command(
    name = "netsim",
    version,
    about = "Deterministic discrete-event network simulator for TCP and TLS"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run packetdrill scripts against the TCP model: the model plays the
    /// kernel under test, each script the remote peer, on one simulated
    /// clock. One line per script (PASS, FAIL with the first mismatch,
    /// SKIP with the reason), then totals; exit 1 if any failed, 2 if any
    /// could not be parsed.
    Packetdrill {
        /// Scripts, or folders searched for `*.pkt`.
        #[arg(required = true)]
        scripts: Vec<PathBuf>,
        /// The TCP profile that plays the kernel: linux or rfc.
        #[arg(long, default_value = "linux", value_parser = parse_profile)]
        profile: sim_tcp::Profile,
        /// Timing tolerance in microseconds unless a script sets its own
        /// (packetdrill's default: 4000).
        #[arg(long, default_value_t = packetdrill::runner::DEFAULT_TOLERANCE_US)]
        tolerance_us: i64,
        /// Print every segment exchanged, with its time, to standard error.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Run a scenario once and write its trace and summary.
    Run {
        /// The scenario file (JSON).
        scenario: PathBuf,
        /// Seed for every random stream (default: the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder (default: a folder named for the scenario under out/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// For a scenario with sweeps: which point (as numbered in a
        /// batch's runs.jsonl; default 0).
        #[arg(long)]
        point: Option<usize>,
        /// Draw the ladder diagram from this time (like "1.5s").
        #[arg(long, value_parser = parse_time)]
        from: Option<sim_core::SimTime>,
        /// Draw the ladder diagram up to this time.
        #[arg(long, value_parser = parse_time)]
        to: Option<sim_core::SimTime>,
        /// The files to write, comma-separated: trace (trace.jsonl), text
        /// (trace.txt), pcap, summary, pictures (default: all).
        #[arg(long, value_delimiter = ',', value_parser = parse_output)]
        outputs: Vec<scenarios::OutputKind>,
        /// Only these trace kinds in trace.jsonl and trace.txt
        /// (comma-separated; the pcap, pictures and summary see everything).
        #[arg(long, value_delimiter = ',')]
        trace_kinds: Vec<String>,
        /// Only records at these nodes in trace.jsonl and trace.txt.
        #[arg(long, value_delimiter = ',')]
        trace_nodes: Vec<String>,
        /// Picture format: png or svg.
        #[arg(long, default_value = "png", value_parser = parse_format)]
        format: reports::Format,
        /// Stop after this many events (exit 4, outputs written).
        #[arg(long)]
        max_events: Option<u64>,
        /// Stop after this much wall-clock time, like "30s" (exit 4,
        /// outputs written; where it stops then depends on the machine).
        #[arg(long, value_parser = parse_wall)]
        max_wall: Option<std::time::Duration>,
    },
    /// Redraw a run folder's pictures from its trace.jsonl, without
    /// running anything.
    Report {
        /// A folder `netsim run` wrote.
        dir: PathBuf,
        /// Draw the ladder diagram from this time.
        #[arg(long, value_parser = parse_time)]
        from: Option<sim_core::SimTime>,
        /// Draw the ladder diagram up to this time.
        #[arg(long, value_parser = parse_time)]
        to: Option<sim_core::SimTime>,
        /// Picture format: png or svg.
        #[arg(long, default_value = "png", value_parser = parse_format)]
        format: reports::Format,
    },
    /// Run every seed (and every sweep point) of a scenario in parallel.
    Batch {
        /// The scenario file (JSON).
        scenario: PathBuf,
        /// Seeds to run: A..B (B excluded) or A..=B.
        #[arg(long, value_parser = parse_seeds)]
        seeds: std::ops::Range<u64>,
        /// Worker threads, 1 to 1024 (default: every core).
        #[arg(long, value_parser = parse_jobs)]
        jobs: Option<usize>,
        /// Output folder (default: out/NAME-batch, NAME the scenario's name).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Keep every run's trace files under OUT/traces/.
        #[arg(long)]
        keep_traces: bool,
        /// Run only slice K of N of the (point, seed) space, for a cluster.
        #[arg(long, value_parser = parse_shard)]
        shard: Option<(u64, u64)>,
        /// Plot format: png or svg (a shard draws no plots; its merge does).
        #[arg(long, default_value = "png", value_parser = parse_format)]
        format: reports::Format,
    },
    /// Combine the folders of a sharded batch into one batch's files.
    Merge {
        /// The shard folders.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write the merged files.
        #[arg(long)]
        out: PathBuf,
        /// Plot format: png or svg.
        #[arg(long, default_value = "png", value_parser = parse_format)]
        format: reports::Format,
    },
    /// Check a scenario without running it.
    Check {
        /// The scenario file (JSON).
        scenario: PathBuf,
        /// Once checked, print the scenario with its topology generators
        /// and flow groups expanded into plain nodes, links and endpoints
        /// (JSON, keys in alphabetical order), instead of a summary line:
        /// running the printed file gives the same outputs.
        #[arg(long)]
        expand: bool,
    },
    /// Print the JSON Schema of scenario files.
    Schema,
    /// Run scenarios as snapshot tests: each must pass its expectations and
    /// match snapshots/STEM.snap beside it (STEM the file name without .json).
    Test {
        /// Scenario files, or folders whose *.json files (not in
        /// subfolders) are tested in name order.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Worker threads, 1 to 1024 (default: every core). The output is
        /// the same whatever it is.
        #[arg(long, value_parser = parse_jobs)]
        jobs: Option<usize>,
        /// Also write a JUnit XML report to this file.
        #[arg(long)]
        junit: Option<PathBuf>,
        /// Write missing and changed snapshots as the snapshots (and remove
        /// stale .snap.new files) instead of failing.
        #[arg(long)]
        accept: bool,
    },
}

fn parse_time(s: &str) -> Result<sim_core::SimTime, String> {
    sim_core::parse_duration(s)
        .map(|d| sim_core::SimTime::ZERO + d)
        .map_err(|e| e.to_string())
}

fn parse_output(s: &str) -> Result<scenarios::OutputKind, String> {
    scenarios::OutputKind::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = scenarios::OutputKind::ALL
            .iter()
            .map(|k| k.name())
            .collect();
        format!(
            "{s:?} is not an output; the outputs are: {}",
            names.join(", ")
        )
    })
}

fn parse_format(s: &str) -> Result<reports::Format, String> {
    match s {
        "png" => Ok(reports::Format::Png),
        "svg" => Ok(reports::Format::Svg),
        _ => Err(format!("{s:?} is not a picture format (png or svg)")),
    }
}

fn parse_wall(s: &str) -> Result<std::time::Duration, String> {
    let d = sim_core::parse_duration(s).map_err(|e| e.to_string())?;
    Ok(std::time::Duration::from_nanos(d.as_nanos()))
}

fn parse_seeds(s: &str) -> Result<std::ops::Range<u64>, String> {
    let bad = || format!("{s:?} is not a seed range like 0..1000 or 1..=100");
    let (a, b, inclusive) = if let Some((a, b)) = s.split_once("..=") {
        (a, b, true)
    } else if let Some((a, b)) = s.split_once("..") {
        (a, b, false)
    } else {
        return Err(bad());
    };
    let a: u64 = a.trim().parse().map_err(|_| bad())?;
    let b: u64 = b.trim().parse().map_err(|_| bad())?;
    let end = if inclusive {
        b.checked_add(1).ok_or_else(bad)?
    } else {
        b
    };
    if end <= a {
        return Err(format!("{s:?} holds no seed"));
    }
    Ok(a..end)
}

/// The most worker threads `--jobs` takes: more than this only costs
/// memory (README, "Limits").
const MAX_JOBS: usize = 1024;

fn parse_jobs(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_JOBS).contains(&n) => Ok(n),
        _ => Err(format!(
            "{s:?} is not a number of worker threads from 1 to {MAX_JOBS}"
        )),
    }
}

/// The default worker threads: every core, within `--jobs`' bounds.
fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_JOBS))
}

fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("{s:?} is not a shard like 3/10");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let k: u64 = k.trim().parse().map_err(|_| bad())?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("shard {k}/{n}: K must be from 1 to N"));
    }
    Ok((k, n))
}

/// Where a batch's scenario came from, for the line that reproduces a
/// failing run.
enum Source<'a> {
    /// `netsim batch FILE`: the file as the user named it.
    File(&'a std::path::Path),
    /// `netsim merge`: only the scenario's text is known (in `batch.json`).
    Merged,
}

/// The command that runs one (point, seed) of a batch again: `--point`
/// only when the scenario has sweeps.
fn reproduce(source: &Source, points: usize, point: usize, seed: u64) -> String {
    let file = match source {
        Source::File(f) => f.display().to_string(),
        Source::Merged => "<the scenario file>".to_string(),
    };
    let point = if points > 1 {
        format!(" --point {point}")
    } else {
        String::new()
    };
    format!("netsim run {file} --seed {seed}{point}")
}

fn report_batch(
    outcome: &scenarios::BatchOutcome,
    dir: &std::path::Path,
    source: &Source,
    points: usize,
) -> ExitCode {
    let [passed, failed, errors] = outcome.outcomes;
    println!(
        "{} runs: {passed} passed, {failed} failed, {errors} errors",
        outcome.runs
    );
    for (job, o, e) in outcome.failures.iter().take(10) {
        let why = e.as_deref().map(|e| format!(": {e}")).unwrap_or_default();
        let mark = if *o == Outcome::Failed {
            "FAIL "
        } else {
            "ERROR"
        };
        println!(
            "  {mark} point {} seed {}{why} (reproduce: {})",
            job.point,
            job.seed,
            reproduce(source, points, job.point, job.seed)
        );
    }
    if matches!(source, Source::Merged) && !outcome.failures.is_empty() {
        println!(
            "  the scenario file's text is \"scenario_text\" in {}",
            dir.join("batch.json").display()
        );
    }
    for e in &outcome.expectations {
        let mark = if e.passed { "ok  " } else { "FAIL" };
        println!(
            "  {mark} point {}: {} (observed {})",
            e.point, e.expect, e.observed
        );
    }
    println!("  wrote {}", dir.display());
    if let Some((k, n)) = outcome.shard {
        // A shard's work is done when its runs are: whether the batch
        // passed is decided on the whole, by `netsim merge`.
        println!("  shard {k} of {n} done; the batch is judged when the shards are merged");
        return ExitCode::SUCCESS;
    }
    if outcome.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn main() -> ExitCode {
    // Like any Unix filter, stop quietly when the reader of stdout goes
    // away (`netsim run ... | head`): Rust ignores SIGPIPE, which turns the
    // next print into a panic. Every output is in place before anything is
    // printed, so nothing is left half-written.
    #[cfg(unix)]
    // SAFETY: restoring a signal's default disposition before any thread
    // starts has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    if let Err(e) = scenarios::remove_temporaries_on_signal() {
        eprintln!(
            "netsim: warning: cannot watch for SIGINT/SIGTERM ({e}); an interrupted run may leave .partial files"
        );
    }
    match execute(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("netsim: error: {e}");
            ExitCode::from(2)
        }
    }
}

fn execute(command: Command) -> Result<ExitCode, Error> {
    match command {
        Command::Schema => {
            print!("{}", scenarios::schema());
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { scenario, expand } => check(&scenario, expand),
        Command::Packetdrill {
            scripts,
            profile,
            tolerance_us,
            verbose,
        } => packetdrill_run(&scripts, profile, tolerance_us, verbose),
        Command::Test {
            paths,
            jobs,
            junit,
            accept,
        } => test(&paths, jobs, junit.as_deref(), accept),
        Command::Batch {
            scenario,
            seeds,
            jobs,
            out,
            keep_traces,
            shard,
            format,
        } => {
            let jobs = jobs.unwrap_or_else(default_jobs);
            let opts = scenarios::BatchOptions {
                seeds,
                jobs,
                shard,
                keep_traces,
                format,
            };
            batch(&scenario, &opts, out)
        }
        Command::Merge { dirs, out, format } => {
            let (batch, outcome) = scenarios::merge(&dirs, &out, format)?;
            Ok(report_batch(
                &outcome,
                &out,
                &Source::Merged,
                batch.plans.len(),
            ))
        }
        Command::Run {
            scenario,
            seed,
            out,
            point,
            from,
            to,
            outputs,
            trace_kinds,
            trace_nodes,
            format,
            max_events,
            max_wall,
        } => {
            check_window(from, to)?;
            let plan = plan_at(&scenario, point)?;
            // The command line's filter replaces the scenario's `trace`.
            let filter = if trace_kinds.is_empty() && trace_nodes.is_empty() {
                plan.trace_filter.clone()
            } else {
                trace_filter(&plan, &trace_kinds, &trace_nodes)?
            };
            let opts = scenarios::OutputOptions {
                outputs: if outputs.is_empty() {
                    scenarios::OutputKind::ALL.to_vec()
                } else {
                    outputs
                },
                filter,
                from: from.unwrap_or(sim_core::SimTime::ZERO),
                to: to.unwrap_or(sim_core::SimTime::MAX),
                format,
                limits: scenarios::Limits {
                    max_events,
                    max_wall,
                },
            };
            run(&plan, seed.unwrap_or(plan.default_seed), out, &opts)
        }
        Command::Report {
            dir,
            from,
            to,
            format,
        } => {
            check_window(from, to)?;
            let from = from.unwrap_or(sim_core::SimTime::ZERO);
            let files =
                scenarios::redraw(&dir, from, to.unwrap_or(sim_core::SimTime::MAX), format)?;
            for f in files {
                println!("  wrote {}", f.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `--from` must come before `--to`: an empty window would draw no ladder
/// and leave an older one in place.
fn check_window(
    from: Option<sim_core::SimTime>,
    to: Option<sim_core::SimTime>,
) -> Result<(), Error> {
    match (from, to) {
        (Some(f), Some(t)) if f >= t => Err(Error::Usage(format!(
            "--from {f} is not before --to {t}: the ladder would show nothing"
        ))),
        _ => Ok(()),
    }
}

/// `netsim check`: every sweep point is checked; with `expand`, the
/// expanded scenario is printed.
fn check(scenario: &std::path::Path, expand: bool) -> Result<ExitCode, Error> {
    let sweep = scenarios::load_sweep(scenario)?;
    if expand && !sweep.params.is_empty() {
        return Err(Error::Usage(format!(
            "--expand prints one scenario, and {} has {} sweep points; run it without --expand to check them",
            scenario.display(),
            sweep.points()
        )));
    }
    let plan = if sweep.params.is_empty() {
        scenarios::load(scenario)?
    } else {
        plan_every_point(scenario, &sweep, 0)?
    };
    if expand {
        let doc = scenarios::expand(sweep.document(0)).map_err(|error| Error::Invalid {
            file: scenario.to_path_buf(),
            error,
        })?;
        let text = serde_json::to_string_pretty(&doc).expect("a JSON value serialises");
        println!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    let points = if sweep.params.is_empty() {
        String::new()
    } else {
        format!(", {} sweep points", sweep.points())
    };
    println!(
        "ok: {} ({} nodes, {} links, {} expectations{points})",
        plan.name,
        plan.topology.nodes().len(),
        plan.topology.link_dirs().len() / 2,
        plan.expectations.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// `netsim batch`, with a progress bar only for a person watching.
fn batch(
    scenario: &std::path::Path,
    opts: &scenarios::BatchOptions,
    out: Option<PathBuf>,
) -> Result<ExitCode, Error> {
    let batch = scenarios::Batch::load(scenario)?;
    batch.check_size(&opts.seeds)?;
    let dir = out.unwrap_or_else(|| {
        PathBuf::from("out").join(format!("{}-batch", scenarios::folder_name(batch.name())))
    });
    let total = batch.jobs(&opts.seeds, opts.shard).len() as u64;
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} runs  {per_sec}  eta {eta}",
            )
            .expect("valid template"),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let outcome = batch.run(opts, &dir, &|n| bar.set_position(n))?;
    bar.finish_and_clear();
    Ok(report_batch(
        &outcome,
        &dir,
        &Source::File(scenario),
        batch.plans.len(),
    ))
}

/// Plans every point of a sweep and keeps point `keep`'s plan: `run`
/// refuses what `check` and `batch` refuse, even when the point it runs is
/// valid.
fn plan_every_point(
    scenario: &std::path::Path,
    sweep: &scenarios::Sweep,
    keep: usize,
) -> Result<scenarios::Plan, Error> {
    let mut kept = None;
    for k in 0..sweep.points() {
        let plan = scenarios::plan_point(sweep, k).map_err(|error| Error::Invalid {
            file: scenario.to_path_buf(),
            error,
        })?;
        if k == keep {
            kept = Some(plan);
        }
    }
    Ok(kept.expect("keep is a point of the sweep"))
}

/// The plan `netsim run` runs: the file itself, or one point of its sweep.
fn plan_at(scenario: &std::path::Path, point: Option<usize>) -> Result<scenarios::Plan, Error> {
    let sweep = scenarios::load_sweep(scenario)?;
    if sweep.params.is_empty() && point.unwrap_or(0) == 0 {
        return scenarios::load(scenario);
    }
    let k = point.unwrap_or(0);
    if k >= sweep.points() {
        return Err(Error::Usage(format!(
            "--point {k}: the scenario has {} sweep points (0 to {})",
            sweep.points(),
            sweep.points() - 1
        )));
    }
    // Every point is checked before anything is said of the one run.
    let plan = plan_every_point(scenario, &sweep, k)?;
    let values: Vec<String> = sweep
        .values(k)
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    eprintln!(
        "netsim: sweep point {k} of {}: {}",
        sweep.points(),
        values.join(", ")
    );
    Ok(plan)
}

/// The `--trace-kinds` and `--trace-nodes` filter, each name checked.
fn trace_filter(
    plan: &scenarios::Plan,
    kinds: &[String],
    nodes: &[String],
) -> Result<scenarios::TraceFilter, Error> {
    let kinds = kinds
        .iter()
        .map(|k| {
            sim_core::Kind::from_name(k).ok_or_else(|| {
                let all: Vec<&str> = sim_core::Kind::ALL.iter().map(|k| k.name()).collect();
                Error::Usage(format!(
                    "--trace-kinds: unknown trace kind {k:?}; the kinds are: {}",
                    all.join(", ")
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    let nodes = nodes
        .iter()
        .map(|n| {
            plan.topology
                .node(n)
                .ok_or_else(|| Error::Usage(format!("--trace-nodes: unknown node {n:?}")))
        })
        .collect::<Result<_, _>>()?;
    Ok(scenarios::TraceFilter { kinds, nodes })
}

/// A progress line on stderr for a person watching a long run: simulated
/// time, events, events per second and wall time, from the first second
/// on, at most four times a second.
fn progress_line() -> impl FnMut(scenarios::Progress) {
    let started = std::time::Instant::now();
    let mut last = std::time::Duration::ZERO;
    let shown = std::io::stderr().is_terminal();
    move |p: scenarios::Progress| {
        let wall = started.elapsed();
        if !shown
            || wall < std::time::Duration::from_secs(1)
            || wall - last < std::time::Duration::from_millis(250)
        {
            return;
        }
        last = wall;
        eprint!(
            "\r  simulated {}  {} events  {:.1} M events/s  wall {:.1}s   ",
            p.now,
            p.events,
            p.events as f64 / wall.as_secs_f64() / 1e6,
            wall.as_secs_f64()
        );
    }
}

/// `netsim run`: one run, its files written while it goes, and each
/// expectation's result.
fn run(
    plan: &scenarios::Plan,
    seed: u64,
    out: Option<PathBuf>,
    opts: &scenarios::OutputOptions,
) -> Result<ExitCode, Error> {
    let dir = out.unwrap_or_else(|| PathBuf::from("out").join(scenarios::folder_name(&plan.name)));
    let mut progress = progress_line();
    let (result, files) = scenarios::run_to_dir(&dir, plan, seed, opts, &mut progress)?;
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[K");
    }
    println!(
        "{}: seed {seed}: {} ({} events, ended at {})",
        plan.name,
        match result.outcome {
            Outcome::Passed => "passed",
            Outcome::Failed => "FAILED",
            Outcome::Error => "ERROR",
            Outcome::Stopped => "STOPPED",
        },
        result.events,
        result.end_time
    );
    for e in &result.expectations {
        let mark = if e.passed { "ok  " } else { "FAIL" };
        println!("  {mark} {} (observed {})", e.expect, e.observed_text);
    }
    match (&result.outcome, &result.error) {
        (Outcome::Stopped, Some(why)) => eprintln!("netsim: {why}"),
        (_, Some(err)) => eprintln!("netsim: a model failed: {err}"),
        _ => {}
    }
    for f in files {
        println!("  wrote {}", f.display());
    }
    Ok(match result.outcome {
        Outcome::Passed => ExitCode::SUCCESS,
        Outcome::Failed => ExitCode::from(1),
        Outcome::Error => ExitCode::from(3),
        Outcome::Stopped => ExitCode::from(4),
    })
}

/// `netsim test`: every case's result in file order, the diffs, then
/// `N passed, M failed`; exit 1 when any failed.
fn test(
    paths: &[PathBuf],
    jobs: Option<usize>,
    junit: Option<&std::path::Path>,
    accept: bool,
) -> Result<ExitCode, Error> {
    use scenarios::testing::{Options, Update, run_tests};
    let opts = Options {
        jobs: jobs.unwrap_or_else(default_jobs),
        update: if accept {
            Update::Accept
        } else {
            Update::WriteNew
        },
    };
    let report = run_tests(paths, &opts)?;
    if let Some(file) = junit {
        report.write_junit(file)?;
    }
    print!("{}", report.text());
    Ok(if report.failed() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn parse_profile(s: &str) -> Result<sim_tcp::Profile, String> {
    match s {
        "linux" => Ok(sim_tcp::Profile::Linux),
        "rfc" => Ok(sim_tcp::Profile::Rfc),
        _ => Err(format!("{s:?} is not a TCP profile (linux or rfc)")),
    }
}

/// `netsim packetdrill`: a line per script, the SKIP reasons counted and
/// the totals; exit 2 when a script could not be parsed, else 1 when any
/// failed.
fn packetdrill_run(
    scripts: &[PathBuf],
    profile: sim_tcp::Profile,
    tolerance_us: i64,
    verbose: bool,
) -> Result<ExitCode, Error> {
    let opts = packetdrill::RunOptions {
        profile,
        tolerance_us,
        verbose,
    };
    let report = packetdrill::suite::run_paths(scripts, &opts)
        .map_err(|e| Error::Usage(format!("cannot read the scripts: {e}")))?;
    print!("{}", report.text());
    Ok(if report.errors() > 0 {
        ExitCode::from(2)
    } else if report.failed() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
