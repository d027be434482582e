//! Runs many scripts (files, or folders searched for `*.pkt`) and counts
//! the verdicts: what `netsim packetdrill` prints.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::{RunOptions, ScriptError, Verdict, run_file};

/// One script's outcome: a verdict, or why it could not be read.
pub type Outcome = Result<Verdict, ScriptError>;

/// Every script's outcome, in path order.
#[derive(Debug, Default)]
pub struct Report {
    /// Each script and its outcome.
    pub results: Vec<(PathBuf, Outcome)>,
}

impl Report {
    /// Scripts that passed.
    pub fn passed(&self) -> usize {
        self.count(|o| matches!(o, Ok(Verdict::Pass)))
    }
    /// Scripts that failed.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Ok(Verdict::Fail(_))))
    }
    /// Scripts skipped.
    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Ok(Verdict::Skip(_))))
    }
    /// Scripts that could not be read or parsed.
    pub fn errors(&self) -> usize {
        self.count(|o| o.is_err())
    }

    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.results.iter().filter(|(_, o)| f(o)).count()
    }

    /// One line per script (`PASS|FAIL|SKIP|ERROR path: reason`; a
    /// failure's detail follows indented), then the SKIP reasons counted
    /// and the totals.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        for (path, o) in &self.results {
            let p = path.display();
            let _ = match o {
                Ok(Verdict::Pass) => writeln!(s, "PASS {p}"),
                Ok(Verdict::Fail(m)) => writeln!(s, "FAIL {p}: {m}"),
                Ok(Verdict::Skip(m)) => {
                    *reasons.entry(m.clone()).or_default() += 1;
                    writeln!(s, "SKIP {p}: {m}")
                }
                Err(e) => writeln!(s, "ERROR {p}: {e}"),
            };
        }
        if !reasons.is_empty() {
            let _ = writeln!(s, "skip reasons:");
            let mut by_count: Vec<_> = reasons.into_iter().collect();
            by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            for (r, n) in by_count {
                let _ = writeln!(s, "  {n:4}  {r}");
            }
        }
        let _ = writeln!(
            s,
            "{} scripts: {} passed, {} failed, {} skipped, {} errors",
            self.results.len(),
            self.passed(),
            self.failed(),
            self.skipped(),
            self.errors()
        );
        s
    }
}

/// The scripts named: files as given, folders searched for `*.pkt`, in
/// path order.
pub fn collect(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for e in entries {
        if e.is_dir() {
            walk(&e, out)?;
        } else if e.extension().is_some_and(|x| x == "pkt") {
            out.push(e);
        }
    }
    Ok(())
}

/// Runs every script named.
pub fn run_paths(paths: &[PathBuf], opts: &RunOptions) -> std::io::Result<Report> {
    let files = collect(paths)?;
    let results = files
        .into_iter()
        .map(|f| {
            let o = run_file(&f, opts);
            (f, o)
        })
        .collect();
    Ok(Report { results })
}
