//! The `netsim` command line. The one place where errors become messages and
//! exit codes: 0 success, 1 expectations failed, 2 bad input or unwritable
//! output, 3 a model failed (a netsim bug; the trace is still written).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use scenarios::Error;
use scenarios::run::Outcome;

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
    /// Run a scenario once and write its trace and summary.
    Run {
        /// The scenario file (JSON).
        scenario: PathBuf,
        /// Seed for every random stream (default: the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder (default: out/<scenario name>).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check a scenario without running it.
    Check {
        /// The scenario file (JSON).
        scenario: PathBuf,
    },
    /// Print the JSON Schema of scenario files.
    Schema,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Command::Check { scenario } => {
            let plan = scenarios::load(&scenario)?;
            println!(
                "ok: {} ({} nodes, {} links, {} expectations)",
                plan.name,
                plan.topology.nodes().len(),
                plan.topology.link_dirs().len() / 2,
                plan.expectations.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            scenario,
            seed,
            out,
        } => {
            let plan = scenarios::load(&scenario)?;
            let seed = seed.unwrap_or(plan.default_seed);
            let dir = out.unwrap_or_else(|| PathBuf::from("out").join(&plan.name));
            let result = scenarios::run::run(&plan, seed);
            let files = scenarios::output::write_outputs(&dir, &plan, &result)?;
            println!(
                "{}: seed {seed}: {} ({} events, ended at {})",
                plan.name,
                match result.outcome {
                    Outcome::Passed => "passed",
                    Outcome::Failed => "FAILED",
                    Outcome::Error => "ERROR",
                },
                result.events,
                result.end_time
            );
            for e in &result.expectations {
                let mark = if e.passed { "ok  " } else { "FAIL" };
                println!("  {mark} {} (observed {})", e.expect, e.observed_text);
            }
            if let Some(err) = &result.error {
                eprintln!("netsim: a model failed: {err}");
            }
            for f in files {
                println!("  wrote {}", f.display());
            }
            Ok(match result.outcome {
                Outcome::Passed => ExitCode::SUCCESS,
                Outcome::Failed => ExitCode::from(1),
                Outcome::Error => ExitCode::from(3),
            })
        }
    }
}
