//! Running scenario files as snapshot tests: find the files, check them
//! all, run them on a pool, compare (or accept) each one's snapshot, and
//! say what happened to each, in file order whatever the number of threads.

use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::diff::unified_diff;
use super::reduce::{Policy, plan_points, snapshot};
use super::snap::SnapFile;
use crate::error::Error;
use crate::plan::Plan;
use crate::run::{Outcome, run};
use crate::sweep::Sweep;

/// What to do with a snapshot that is missing or differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    /// Write it as the snapshot (`netsim test --accept`, `NETSIM_ACCEPT=1`,
    /// `INSTA_UPDATE=always`) and remove a stale `.snap.new`.
    Accept,
    /// Fail, and write the new one beside it as `<stem>.snap.new` for
    /// review (the default; a passing test removes a stale `.snap.new`).
    WriteNew,
    /// Fail and write nothing (`INSTA_UPDATE=no`).
    Nothing,
}

impl Update {
    /// The mode the environment asks for: `NETSIM_ACCEPT` set (and not
    /// `0`) or `INSTA_UPDATE=always` accept, `INSTA_UPDATE=no` writes
    /// nothing, anything else writes `.snap.new` files. `CI=true` never
    /// accepts on its own.
    pub fn from_env() -> Update {
        let accept = std::env::var("NETSIM_ACCEPT").is_ok_and(|v| !v.is_empty() && v != "0");
        match std::env::var("INSTA_UPDATE").as_deref() {
            _ if accept => Update::Accept,
            Ok("always") => Update::Accept,
            Ok("no") => Update::Nothing,
            _ => Update::WriteNew,
        }
    }
}

/// How to run a set of snapshot tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Worker threads (at least 1). The report does not depend on it.
    pub jobs: usize,
    /// What to do with a missing or changed snapshot.
    pub update: Update,
}

/// What became of one scenario's snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotResult {
    /// It equals the stored snapshot.
    Matched,
    /// It was missing or differed and has been written as the snapshot.
    Accepted,
    /// There is no snapshot yet; `new` is the `.snap.new` written, if any.
    Missing {
        /// The `.snap.new` file written.
        new: Option<PathBuf>,
    },
    /// It differs from the stored snapshot.
    Changed {
        /// The unified diff from the stored snapshot to the new one.
        diff: String,
        /// The `.snap.new` file written.
        new: Option<PathBuf>,
    },
}

/// One scenario file's test result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Its snapshot, `snapshots/<file stem>.snap` beside it.
    pub snapshot: PathBuf,
    /// The scenario's name.
    pub name: String,
    /// The snapshot comparison.
    pub result: SnapshotResult,
    /// Each expectation that did not hold, as `what (observed value)`,
    /// prefixed by `point K: ` in a sweep.
    pub failed_expectations: Vec<String>,
    /// Each model failure (a netsim bug), prefixed likewise.
    pub errors: Vec<String>,
}

impl Case {
    /// Whether the snapshot matched (or was accepted) and every
    /// expectation held.
    pub fn passed(&self) -> bool {
        matches!(
            self.result,
            SnapshotResult::Matched | SnapshotResult::Accepted
        ) && self.failed_expectations.is_empty()
            && self.errors.is_empty()
    }

    /// Why it failed, in a few words (empty when it passed).
    pub fn reason(&self) -> String {
        let mut why = Vec::new();
        if !self.errors.is_empty() {
            why.push("a model failed".to_string());
        }
        match self.failed_expectations.len() {
            0 => {}
            1 => why.push("1 expectation failed".to_string()),
            n => why.push(format!("{n} expectations failed")),
        }
        match self.result {
            SnapshotResult::Missing { .. } => why.push("no snapshot".to_string()),
            SnapshotResult::Changed { .. } => why.push("snapshot changed".to_string()),
            SnapshotResult::Matched | SnapshotResult::Accepted => {}
        }
        why.join("; ")
    }

    /// What happened, for a person: `ok     FILE` or `FAILED FILE` and the
    /// details (failed expectations, where the new snapshot went, the diff).
    pub fn report(&self) -> String {
        let file = self.scenario.display();
        let mut text = if self.passed() {
            format!("ok     {file}")
        } else {
            format!("FAILED {file}: {}", self.reason())
        };
        if self.result == SnapshotResult::Accepted {
            text.push_str(&format!(" (accepted: wrote {})", self.snapshot.display()));
        }
        text.push('\n');
        for e in &self.errors {
            text.push_str(&format!("  a model failed: {e}\n"));
        }
        for e in &self.failed_expectations {
            text.push_str(&format!("  expectation failed: {e}\n"));
        }
        let accept = format!(
            "  review it, then accept it: netsim test --accept {file} (or NETSIM_ACCEPT=1 cargo test)\n"
        );
        match &self.result {
            SnapshotResult::Missing { new: Some(new) } => {
                text.push_str(&format!("  no snapshot yet: wrote {}\n", new.display()));
                text.push_str(&accept);
            }
            SnapshotResult::Missing { new: None } => text.push_str(&format!(
                "  no snapshot yet ({} is missing; nothing written)\n",
                self.snapshot.display()
            )),
            SnapshotResult::Changed { diff, new } => {
                match new {
                    Some(new) => {
                        text.push_str(&format!("  snapshot changed: wrote {}\n", new.display()));
                        text.push_str(&accept);
                    }
                    None => text.push_str("  snapshot changed (nothing written)\n"),
                }
                text.push_str(diff);
            }
            SnapshotResult::Matched | SnapshotResult::Accepted => {}
        }
        text
    }
}

/// The results of a set of snapshot tests, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// One per scenario file.
    pub cases: Vec<Case>,
}

impl Report {
    /// How many passed.
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.passed()).count()
    }

    /// How many failed.
    pub fn failed(&self) -> usize {
        self.cases.len() - self.passed()
    }

    /// The last line of a run: `N passed, M failed`.
    pub fn summary(&self) -> String {
        format!("{} passed, {} failed", self.passed(), self.failed())
    }

    /// The whole report: each case's [`Case::report`], then the summary.
    pub fn text(&self) -> String {
        let mut text: String = self.cases.iter().map(Case::report).collect();
        text.push('\n');
        text.push_str(&self.summary());
        text.push('\n');
        text
    }
}

/// The scenario files named by `paths`, in order: a file stands for
/// itself, a folder for every `*.json` file directly in it (not in its
/// subfolders), sorted by name. A file named twice is tested once.
pub fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut files: Vec<PathBuf> = Vec::new();
    for path in paths {
        let read = |source| Error::Read {
            path: path.clone(),
            source,
        };
        if fs::metadata(path).map_err(read)?.is_dir() {
            let mut found: Vec<PathBuf> = fs::read_dir(path)
                .map_err(read)?
                .map(|e| e.map(|e| e.path()).map_err(read))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
                .collect();
            if found.is_empty() {
                return Err(Error::Usage(format!(
                    "{}: no *.json scenario files in this folder",
                    path.display()
                )));
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    files.retain(|f| seen.insert(f.clone()));
    Ok(files)
}

/// The snapshot file of a scenario file: `snapshots/<file stem>.snap`
/// beside it.
pub fn snapshot_path(scenario: &Path) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map_or_else(|| "scenario".into(), |s| s.to_string_lossy());
    scenario
        .parent()
        .unwrap_or(Path::new(""))
        .join("snapshots")
        .join(format!("{stem}.snap"))
}

/// `x.snap` to `x.snap.new`.
fn new_path(snap: &Path) -> PathBuf {
    let mut s = snap.as_os_str().to_owned();
    s.push(".new");
    PathBuf::from(s)
}

/// A scenario file, read and checked, ready to run.
struct Prepared {
    file: PathBuf,
    sweep: Sweep,
    plans: Vec<Plan>,
}

/// Tests every scenario named by `paths` (see [`scenario_files`]).
///
/// Every file is read and checked first, so bad input stops everything
/// before anything runs or is written ([`Error::Read`], [`Error::Invalid`]);
/// then the scenarios run on `opts.jobs` threads. A file that cannot be
/// written is [`Error::Write`]. Failed tests are not errors: they are in the
/// [`Report`].
pub fn run_tests(paths: &[PathBuf], opts: &Options) -> Result<Report, Error> {
    let prepared = scenario_files(paths)?
        .into_iter()
        .map(|file| {
            let sweep = crate::load_sweep(&file)?;
            let plans = plan_points(&sweep).map_err(|error| Error::Invalid {
                file: file.clone(),
                error,
            })?;
            Ok(Prepared { file, sweep, plans })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} worker threads: {e}", opts.jobs)))?;
    let cases: Vec<Result<Case, Error>> = pool.install(|| {
        prepared
            .into_par_iter()
            .map(|p| test_one(p, opts.update))
            .collect()
    });
    Ok(Report {
        cases: cases.into_iter().collect::<Result<_, _>>()?,
    })
}

/// Runs one scenario file's points, judges them and compares its snapshot.
fn test_one(p: Prepared, update: Update) -> Result<Case, Error> {
    let sweep_points = p.plans.len() > 1;
    let mut failed_expectations = Vec::new();
    let mut errors = Vec::new();
    let mut points = Vec::with_capacity(p.plans.len());
    for (k, plan) in p.plans.into_iter().enumerate() {
        let out = run(&plan, plan.default_seed);
        let at = if sweep_points {
            format!("point {k}: ")
        } else {
            String::new()
        };
        for e in out.expectations.iter().filter(|e| !e.passed) {
            failed_expectations.push(format!("{at}{} (observed {})", e.expect, e.observed_text));
        }
        if out.outcome == Outcome::Error {
            errors.push(format!(
                "{at}{}",
                out.error.as_deref().unwrap_or("unknown failure")
            ));
        }
        points.push((plan, out));
    }
    let name = points
        .first()
        .map_or(String::new(), |(plan, _)| plan.name.clone());
    let text = snapshot(&p.sweep, &points, Policy::Scenario);
    drop(points);
    let snap_path = snapshot_path(&p.file);
    let new = SnapFile {
        source: p
            .file
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned()),
        expression: name.clone(),
        contents: text,
    };
    let result = compare(&snap_path, &new, update)?;
    Ok(Case {
        scenario: p.file,
        snapshot: snap_path,
        name,
        result,
        failed_expectations,
        errors,
    })
}

/// Compares `new` with the snapshot at `path` and writes what `update`
/// says to.
fn compare(path: &Path, new: &SnapFile, update: Update) -> Result<SnapshotResult, Error> {
    let pending = new_path(path);
    let old = match fs::read_to_string(path) {
        Ok(text) => Some(SnapFile::parse(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(Error::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    if old.as_ref().is_some_and(|old| old.matches(&new.contents)) {
        if update != Update::Nothing {
            remove_if_present(&pending)?;
        }
        return Ok(SnapshotResult::Matched);
    }
    match update {
        Update::Accept => {
            write_atomic(path, &new.render())?;
            remove_if_present(&pending)?;
            return Ok(SnapshotResult::Accepted);
        }
        Update::WriteNew => write_atomic(&pending, &new.render())?,
        Update::Nothing => {}
    }
    let written = (update == Update::WriteNew).then_some(pending);
    Ok(match old {
        None => SnapshotResult::Missing { new: written },
        Some(old) => {
            let to = written.as_deref().unwrap_or(path);
            SnapshotResult::Changed {
                diff: unified_diff(
                    &old.contents,
                    &new.contents,
                    &path.display().to_string(),
                    &to.display().to_string(),
                ),
                new: written,
            }
        }
    })
}

fn remove_if_present(path: &Path) -> Result<(), Error> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::Write {
            path: path.to_path_buf(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Writes `text` to `path` through a temporary file in the same folder
/// (created if missing) and a rename, so no reader sees half a file.
pub(super) fn write_atomic(path: &Path, text: &str) -> Result<(), Error> {
    let werr = |p: &Path| {
        let p = p.to_path_buf();
        move |source| Error::Write { path: p, source }
    };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        fs::create_dir_all(dir).map_err(werr(dir))?;
    }
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy());
    // A name of its own, so two tests writing the same file at once (one
    // checking a folder, one a file in it) cannot trip over each other.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir
        .unwrap_or(Path::new(""))
        .join(format!(".{name}.{}-{n}.partial", std::process::id()));
    let result = fs::write(&tmp, text)
        .map_err(werr(&tmp))
        .and_then(|()| fs::rename(&tmp, path).map_err(werr(path)));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
