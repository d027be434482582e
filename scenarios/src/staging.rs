//! Output folders that change all at once or not at all
//! (docs/ARCHITECTURE.md, "Outputs are all or nothing").
//!
//! Every command that writes (`run`, `batch`, `merge`, `report`) writes its
//! files under temporary names (`.NAME.partial`) in the output folder and
//! renames them into place only when every one of them is complete. A
//! [`Staging`] is that one folder's transaction:
//!
//! - on success, [`Staging::commit`] moves any earlier file of the same name
//!   aside, renames the new ones in, and only then deletes what it moved
//!   aside; if a rename fails half way, the new names are removed and the
//!   earlier files put back, so a reader sees the old set or the new set;
//!   it then removes the outputs an earlier run left that this one did not
//!   write (an old `ladder.png` must not sit beside a new trace);
//! - on any error, dropping the staging removes every temporary;
//! - on SIGINT or SIGTERM, [`remove_temporaries_on_signal`] removes the
//!   temporaries of every folder still being written before the process
//!   exits with 128 + the signal number.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock, RwLockReadGuard};

use crate::error::Error;

/// The folders being written now. The signal handler cleans these; a commit
/// holds the lock while it renames, so a signal never lands half way
/// through one.
static OPEN: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

fn open_folders() -> std::sync::MutexGuard<'static, BTreeSet<PathBuf>> {
    // A panic elsewhere while holding the lock leaves the set usable.
    OPEN.lock().unwrap_or_else(|e| e.into_inner())
}

/// Shared by a batch worker while it writes a run's kept trace folder
/// (which creates its parents, the batch's `.traces.partial`), taken
/// whole by the signal handler before it removes the temporaries: a worker
/// cannot re-create a folder the handler has just removed. Taken before
/// [`open_folders`] by both, so neither waits on the other in turn.
static WRITING: RwLock<()> = RwLock::new(());

/// Holds off the signal handler's clean-up while a short write runs.
pub(crate) fn writing() -> RwLockReadGuard<'static, ()> {
    WRITING.read().unwrap_or_else(|e| e.into_inner())
}

/// The temporary name of an output while it is written.
pub(crate) fn partial(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.partial"))
}

/// Where an earlier output of the same name waits while a commit renames.
fn aside(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.old"))
}

/// An I/O error on `path`, as the binary reports it.
pub(crate) fn werr(path: &Path) -> impl FnOnce(std::io::Error) -> Error + use<> {
    let path = path.to_path_buf();
    move |source| Error::Write { path, source }
}

/// One output folder's pending files.
#[derive(Debug)]
pub(crate) struct Staging {
    dir: PathBuf,
    committed: bool,
}

impl Staging {
    /// Creates `dir` if needed and notes it as being written.
    pub(crate) fn open(dir: &Path) -> Result<Staging, Error> {
        fs::create_dir_all(dir).map_err(werr(dir))?;
        open_folders().insert(dir.to_path_buf());
        Ok(Staging {
            dir: dir.to_path_buf(),
            committed: false,
        })
    }

    /// The temporary path the output `name` is written to.
    pub(crate) fn temp(&self, name: &str) -> PathBuf {
        partial(&self.dir, name)
    }

    /// Writes `bytes` as the output `name` (to its temporary, made
    /// durable).
    pub(crate) fn write(&self, name: &str, bytes: &[u8]) -> Result<(), Error> {
        let p = self.temp(name);
        write_durable(&p, bytes).map_err(werr(&p))
    }

    /// Puts every output in `names` (files or folders, each written to its
    /// temporary) in place together, then removes the files of the folder
    /// that `stale` calls earlier outputs and this commit did not write.
    /// Returns the final paths, in `names` order.
    pub(crate) fn commit(
        mut self,
        names: &[String],
        stale: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<PathBuf>, Error> {
        let guard = open_folders();
        let dir = &self.dir;
        let mut moved_aside: Vec<&str> = Vec::new();
        let mut placed: Vec<&str> = Vec::new();
        let mut failure = None;
        for name in names {
            let to = dir.join(name);
            // Only an earlier output of the same kind is replaced: a folder
            // where a file goes (or back) is the user's, and stops us.
            let same_kind = match (fs::symlink_metadata(&to), fs::metadata(partial(dir, name))) {
                (Ok(old), Ok(new)) => old.is_dir() == new.is_dir(),
                _ => false,
            };
            if same_kind {
                if let Err(e) = fs::rename(&to, aside(dir, name)) {
                    failure = Some(werr(&to)(e));
                    break;
                }
                moved_aside.push(name);
            }
            if let Err(e) = fs::rename(partial(dir, name), &to) {
                failure = Some(werr(&to)(e));
                break;
            }
            placed.push(name);
        }
        if let Some(e) = failure {
            // Back to the earlier set: the new names go, the old come back.
            for name in placed {
                remove_any(&dir.join(name));
            }
            for name in moved_aside {
                let _ = fs::rename(aside(dir, name), dir.join(name));
            }
            drop(guard);
            return Err(e);
        }
        for name in moved_aside {
            remove_any(&aside(dir, name));
        }
        if let Ok(entries) = fs::read_dir(dir) {
            for e in entries.flatten() {
                let n = e.file_name();
                let n = n.to_string_lossy();
                if stale(&n) && !names.iter().any(|k| *k == *n) && e.path().is_file() {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
        self.committed = true;
        drop(guard);
        Ok(names.iter().map(|n| dir.join(n)).collect())
    }

    /// As [`Staging::commit`] when `result` holds the names written, or
    /// the error otherwise (the temporaries are removed when `self` drops).
    pub(crate) fn finish<T>(
        self,
        result: Result<(T, Vec<String>), Error>,
        stale: &dyn Fn(&str) -> bool,
    ) -> Result<(T, Vec<PathBuf>), Error> {
        let (value, names) = result?;
        Ok((value, self.commit(&names, stale)?))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let mut open = open_folders();
        if !self.committed {
            remove_temporaries(&self.dir);
        }
        open.remove(&self.dir);
    }
}

/// Removes a file, or a folder and what it holds.
fn remove_any(p: &Path) {
    match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => {
            let _ = fs::remove_dir_all(p);
        }
        Ok(_) => {
            let _ = fs::remove_file(p);
        }
        Err(_) => {}
    }
}

/// Removes every `.NAME.partial` in `dir` (files and folders) and puts back
/// any earlier output a commit had moved aside.
fn remove_temporaries(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name();
        let n = n.to_string_lossy();
        if let Some(rest) = n.strip_prefix('.') {
            if rest.ends_with(".partial") {
                remove_any(&e.path());
            } else if let Some(name) = rest.strip_suffix(".old") {
                let _ = fs::rename(e.path(), dir.join(name));
            }
        }
    }
}

/// Creates `path`, writes `bytes` and syncs them to disk.
pub(crate) fn write_durable(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// On SIGINT or SIGTERM, removes the temporaries of every folder being
/// written, then exits with 128 + the signal's number (the shell's
/// convention). Called once, by the binary.
pub fn remove_temporaries_on_signal() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("netsim-signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                // Held until the process exits: no worker starts a write.
                let _no_writes = WRITING.write().unwrap_or_else(|e| e.into_inner());
                let open = open_folders();
                // Twice: a worker may have opened a temporary between the
                // first listing and its removal.
                for _ in 0..2 {
                    for dir in open.iter() {
                        remove_temporaries(dir);
                    }
                }
                std::process::exit(128 + sig);
            }
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_commit_replaces_the_old_set_and_removes_stale_outputs() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        fs::write(d.join("a.txt"), "old a").unwrap();
        fs::write(d.join("ladder.png"), "old picture").unwrap();
        fs::write(d.join("mine.txt"), "the user's").unwrap();
        let s = Staging::open(d).unwrap();
        s.write("a.txt", b"new a").unwrap();
        s.write("b.txt", b"new b").unwrap();
        let paths = s
            .commit(&["a.txt".into(), "b.txt".into()], &|n| {
                n == "ladder.png" || n == "a.txt"
            })
            .unwrap();
        assert_eq!(paths, [d.join("a.txt"), d.join("b.txt")]);
        assert_eq!(names(d), ["a.txt", "b.txt", "mine.txt"]);
        assert_eq!(fs::read_to_string(d.join("a.txt")).unwrap(), "new a");
    }

    #[test]
    fn a_failed_commit_leaves_the_old_set_and_no_temporary() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        fs::write(d.join("a.txt"), "old a").unwrap();
        let s = Staging::open(d).unwrap();
        s.write("a.txt", b"new a").unwrap();
        // "b.txt" was never written: its rename fails.
        let err = s
            .commit(&["a.txt".into(), "b.txt".into()], &|_| false)
            .unwrap_err();
        assert!(err.to_string().contains("b.txt"), "{err}");
        assert_eq!(names(d), ["a.txt"]);
        assert_eq!(fs::read_to_string(d.join("a.txt")).unwrap(), "old a");
    }

    #[test]
    fn dropping_an_uncommitted_staging_removes_its_temporaries() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        let s = Staging::open(d).unwrap();
        s.write("a.txt", b"x").unwrap();
        fs::create_dir_all(s.temp("traces").join("seed-1")).unwrap();
        drop(s);
        assert!(names(d).is_empty());
    }
}
