//! Combining the folders of a sharded batch into the files one unsharded
//! batch would have written: the records are read back, checked to be the
//! whole batch exactly once, and summarised by the same code.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::summary::Tally;
use super::{Batch, BatchOutcome, Job};
use crate::error::Error;

/// Combines shard folders into the files one unsharded batch would have
/// written.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<(Batch, BatchOutcome), Error> {
    let bad = |m: String| Error::Usage(m);
    let mut meta: Option<(String, [u64; 2], u64)> = None;
    let mut shards: BTreeMap<u64, PathBuf> = BTreeMap::new();
    let mut text = String::new();
    for d in dirs {
        let p = d.join("batch.json");
        let raw = fs::read_to_string(&p).map_err(|source| Error::Read {
            path: p.clone(),
            source,
        })?;
        let v: Json =
            serde_json::from_str(&raw).map_err(|e| bad(format!("{}: {e}", p.display())))?;
        let seeds = [
            v["seeds"][0].as_u64().unwrap_or(0),
            v["seeds"][1].as_u64().unwrap_or(0),
        ];
        let (k, n) = match v["shard"].as_array() {
            Some(a) => (a[0].as_u64().unwrap_or(0), a[1].as_u64().unwrap_or(0)),
            None => (1, 1),
        };
        let this = (
            v["scenario_text"].as_str().unwrap_or("").to_string(),
            seeds,
            n,
        );
        match &meta {
            None => {
                text = this.0.clone();
                meta = Some(this);
            }
            Some(m) if *m != this => {
                return Err(bad(format!(
                    "{} belongs to another batch (different scenario, seeds or shard count)",
                    d.display()
                )));
            }
            _ => {}
        }
        if shards.insert(k, d.clone()).is_some() {
            return Err(bad(format!("shard {k} is given twice")));
        }
    }
    let Some((_, seeds, n)) = meta else {
        return Err(bad("no folders to merge".to_string()));
    };
    let missing: Vec<u64> = (1..=n).filter(|k| !shards.contains_key(k)).collect();
    if !missing.is_empty() {
        return Err(bad(format!("shards {missing:?} of {n} are missing")));
    }
    let batch = Batch::from_text(text).map_err(|error| Error::Invalid {
        file: PathBuf::from("batch.json"),
        error,
    })?;
    let mut records = Vec::new();
    for d in shards.values() {
        let p = d.join("runs.jsonl");
        let raw = fs::read_to_string(&p).map_err(|source| Error::Read {
            path: p.clone(),
            source,
        })?;
        for (i, line) in raw.lines().enumerate() {
            records.push(
                batch
                    .parse_record(line)
                    .map_err(|e| bad(format!("{}:{}: {e}", p.display(), i + 1)))?,
            );
        }
    }
    records.sort_by_key(|r| r.job);
    let expected = batch.jobs(&(seeds[0]..seeds[1]), None);
    let got: Vec<Job> = records.iter().map(|r| r.job).collect();
    if got != expected {
        return Err(bad(format!(
            "the shards hold {} runs, not the {} of the batch (runs missing or repeated)",
            got.len(),
            expected.len()
        )));
    }
    let werr = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    fs::create_dir_all(out).map_err(werr(out))?;
    let tmp_runs = out.join(".runs.jsonl.partial");
    let mut w = std::io::BufWriter::new(fs::File::create(&tmp_runs).map_err(werr(&tmp_runs))?);
    let mut tally = Tally::new(batch.plans.len(), batch.metrics().len());
    for r in &records {
        writeln!(w, "{}", r.line).map_err(werr(&tmp_runs))?;
        tally.add(r);
    }
    w.flush().map_err(werr(&tmp_runs))?;
    drop(w);
    let outcome = batch.finish(
        seeds[0]..seeds[1],
        None,
        tally,
        records.len() as u64,
        out,
        tmp_runs,
    )?;
    Ok((batch, outcome))
}
