//! Combining the folders of a sharded batch into the files one unsharded
//! batch would have written: the records are read back, checked to be the
//! whole batch exactly once, and summarised by the same code.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use reports::Format;
use serde_json::Value as Json;

use super::summary::Tally;
use super::{Batch, BatchOutcome, Job, RUNS, TRACES};
use crate::error::Error;
use crate::staging::{Staging, werr};

/// What a shard's `batch.json` says about the batch it belongs to.
#[derive(PartialEq)]
struct ShardMeta {
    scenario_text: String,
    seeds: [u64; 2],
    shard: u64,
    of: u64,
}

fn bad(m: String) -> Error {
    Error::Usage(m)
}

/// Reads a shard folder's `batch.json`; `None` when the shard never
/// finished (a finished shard writes it last).
fn read_meta(dir: &Path) -> Result<Option<ShardMeta>, Error> {
    let p = dir.join("batch.json");
    if !dir.is_dir() {
        return Err(bad(format!("{} is not a folder", dir.display())));
    }
    let raw = match fs::read_to_string(&p) {
        Ok(raw) => raw,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(Error::Read { path: p, source }),
    };
    let v: Json = serde_json::from_str(&raw).map_err(|e| bad(format!("{}: {e}", p.display())))?;
    let (shard, of) = match v["shard"].as_array() {
        Some(a) => (a[0].as_u64().unwrap_or(0), a[1].as_u64().unwrap_or(0)),
        None => (1, 1),
    };
    Ok(Some(ShardMeta {
        scenario_text: v["scenario_text"].as_str().unwrap_or("").to_string(),
        seeds: [
            v["seeds"][0].as_u64().unwrap_or(0),
            v["seeds"][1].as_u64().unwrap_or(0),
        ],
        shard,
        of,
    }))
}

/// The finished shards by number, all of one batch, each once, none
/// missing; a shard that did not finish is named with its folder.
fn read_shards(dirs: &[PathBuf]) -> Result<(ShardMeta, BTreeMap<u64, PathBuf>), Error> {
    let mut first: Option<ShardMeta> = None;
    let mut shards: BTreeMap<u64, PathBuf> = BTreeMap::new();
    let mut unfinished: Vec<&PathBuf> = Vec::new();
    for d in dirs {
        let Some(m) = read_meta(d)? else {
            unfinished.push(d);
            continue;
        };
        if let Some(f) = &first
            && (f.scenario_text != m.scenario_text || f.seeds != m.seeds || f.of != m.of)
        {
            return Err(bad(format!(
                "{} belongs to another batch (different scenario, seeds or shard count)",
                d.display()
            )));
        }
        if shards.insert(m.shard, d.clone()).is_some() {
            return Err(bad(format!("shard {} is given twice", m.shard)));
        }
        first.get_or_insert(m);
    }
    let Some(meta) = first else {
        return Err(bad(match unfinished.first() {
            Some(d) => format!(
                "no finished shard to merge ({} has no batch.json: run its shard again)",
                d.display()
            ),
            None => "no folders to merge".to_string(),
        }));
    };
    let missing: Vec<u64> = (1..=meta.of).filter(|k| !shards.contains_key(k)).collect();
    if !unfinished.is_empty() {
        let folders: Vec<String> = unfinished.iter().map(|d| d.display().to_string()).collect();
        return Err(bad(format!(
            "shard {} of {} is incomplete: {} has no batch.json (the shard did not finish); run it again, then merge",
            listed(&missing),
            meta.of,
            folders.join(", ")
        )));
    }
    if !missing.is_empty() {
        return Err(bad(format!(
            "shard {} of {} is missing",
            listed(&missing),
            meta.of
        )));
    }
    Ok((meta, shards))
}

/// `1`, `1 and 3`, `1, 3 and 4`.
fn listed(ks: &[u64]) -> String {
    let words: Vec<String> = ks.iter().map(u64::to_string).collect();
    match words.split_last() {
        None => "?".to_string(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// Every shard's run records, in job order, checked to be the whole batch
/// exactly once.
fn read_runs(
    batch: &Batch,
    meta: &ShardMeta,
    shards: &BTreeMap<u64, PathBuf>,
) -> Result<Vec<super::RunRecord>, Error> {
    let mut records = Vec::new();
    for (k, d) in shards {
        let p = d.join("runs.jsonl");
        let raw = fs::read_to_string(&p).map_err(|source| Error::Read {
            path: p.clone(),
            source,
        })?;
        let before = records.len();
        for (i, line) in raw.lines().enumerate() {
            records.push(
                batch
                    .parse_record(line)
                    .map_err(|e| bad(format!("{}:{}: {e}", p.display(), i + 1)))?,
            );
        }
        let want = batch
            .jobs(&(meta.seeds[0]..meta.seeds[1]), Some((*k, meta.of)))
            .len();
        if records.len() - before != want {
            return Err(bad(format!(
                "shard {k} of {} is incomplete: {} holds {} of its {want} runs; run it again, then merge",
                meta.of,
                p.display(),
                records.len() - before
            )));
        }
    }
    records.sort_by_key(|r| r.job);
    let expected = batch.jobs(&(meta.seeds[0]..meta.seeds[1]), None);
    let got: Vec<Job> = records.iter().map(|r| r.job).collect();
    if got != expected {
        return Err(bad(format!(
            "the shards hold {} runs, not the {} of the batch (runs missing or repeated)",
            got.len(),
            expected.len()
        )));
    }
    Ok(records)
}

/// Combines shard folders into the files one unsharded batch would have
/// written, traces kept with `--keep-traces` included. Batch expectations
/// are judged here, on the whole batch, never on a shard's slice. The plots
/// are drawn in `format`, as an unsharded batch draws them.
pub fn merge(dirs: &[PathBuf], out: &Path, format: Format) -> Result<(Batch, BatchOutcome), Error> {
    if let Some(d) = dirs.iter().find(|d| same_folder(d, out)) {
        return Err(bad(format!(
            "--out {} is one of the shard folders ({}); merge into a new folder",
            out.display(),
            d.display()
        )));
    }
    let (meta, shards) = read_shards(dirs)?;
    let batch = Batch::from_text(meta.scenario_text.clone()).map_err(|error| Error::Invalid {
        file: PathBuf::from("batch.json"),
        error,
    })?;
    let records = read_runs(&batch, &meta, &shards)?;
    let staging = Staging::open(out)?;
    let result = (|| {
        let mut names = Vec::new();
        if merge_traces(&shards, &staging.temp(TRACES))? {
            names.push(TRACES.to_string());
        }
        let tmp_runs = staging.temp(RUNS);
        let mut w = std::io::BufWriter::new(fs::File::create(&tmp_runs).map_err(werr(&tmp_runs))?);
        let mut tally = Tally::new(batch.plans.len(), batch.metrics().len());
        for r in &records {
            writeln!(w, "{}", r.line).map_err(werr(&tmp_runs))?;
            tally.add(r);
        }
        w.flush().map_err(werr(&tmp_runs))?;
        drop(w);
        let seeds = meta.seeds[0]..meta.seeds[1];
        let (outcome, written) =
            batch.finish(seeds, None, tally, records.len() as u64, &staging)?;
        names.extend(written);
        names.extend(batch.plot(&outcome.values, &staging, format)?);
        Ok((outcome, names))
    })();
    let (outcome, _) = staging.finish(result, &|_| false)?;
    Ok((batch, outcome))
}

/// True when `a` and `b` name the same existing folder.
fn same_folder(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Copies every shard's `traces/` folder (runs kept with `--keep-traces`,
/// one folder per run, so shards never collide) into `tmp`; false when no
/// shard kept any.
fn merge_traces(shards: &BTreeMap<u64, PathBuf>, tmp: &Path) -> Result<bool, Error> {
    let sources: Vec<PathBuf> = shards
        .values()
        .map(|d| d.join("traces"))
        .filter(|t| t.is_dir())
        .collect();
    if sources.is_empty() {
        return Ok(false);
    }
    if tmp.exists() {
        fs::remove_dir_all(tmp).map_err(werr(tmp))?;
    }
    for src in &sources {
        copy_tree(src, tmp).map_err(werr(tmp))?;
    }
    Ok(true)
}

/// Copies the files under `src` into `dest`, folders included.
fn copy_tree(src: &Path, dest: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dest)?;
    let mut entries: Vec<fs::DirEntry> = fs::read_dir(src)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let to = dest.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_tree(&e.path(), &to)?;
        } else {
            fs::copy(e.path(), &to)?;
        }
    }
    Ok(())
}
