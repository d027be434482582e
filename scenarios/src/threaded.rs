//! Record sinks on threads of their own, so writing a run's outputs
//! (formatting JSON and text, building pcap bytes, filling the pictures)
//! overlaps the simulation instead of following it, and the outputs overlap
//! each other.
//!
//! Records go in batches, in event order, to every worker over a bounded
//! channel each; a batch is shared, not copied. Each worker owns its own
//! sink (one group of output files) and feeds it every record: the bytes
//! written are exactly those of the same sinks fed on the simulation's
//! thread, whatever the number of workers, and the memory in flight is
//! bounded by the channels (`DEPTH` batches of `BATCH` records). A worker
//! hands each batch back once written, and the simulation's thread drops
//! it: the records are freed by the thread that allocated them.

use std::io;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

use reports::series::SeriesRow;
use reports::sink::RecordSink;
use sim_core::TraceRecord;

/// What goes over the channel, in the order the run made it.
enum Item {
    Record(TraceRecord),
    Row(SeriesRow),
}

/// A batch of items, shared by every worker.
type Batch = Arc<Vec<Item>>;

/// Records per batch handed to the workers.
const BATCH: usize = 1024;
/// Batches that may wait for a worker before the simulation waits.
const DEPTH: usize = 16;

/// One worker: where its batches go and the thread that writes them.
struct Worker<S> {
    tx: SyncSender<Batch>,
    thread: JoinHandle<(S, io::Result<()>)>,
}

/// Sinks of type `S`, each fed on a worker thread of its own.
pub(crate) struct Threaded<S: RecordSink + Send + 'static> {
    workers: Vec<Worker<S>>,
    batch: Vec<Item>,
    /// Batches the workers are done with, to be dropped here.
    done: Receiver<Batch>,
    /// Set once a worker stopped taking batches.
    stopped: bool,
}

/// Feeds `sink` every batch from `rx`, handing each back over `done`;
/// stops at the first error.
fn work<S: RecordSink>(
    mut sink: S,
    rx: Receiver<Batch>,
    done: std::sync::mpsc::Sender<Batch>,
) -> (S, io::Result<()>) {
    for batch in rx {
        for item in batch.iter() {
            let written = match item {
                Item::Record(r) => sink.push(r),
                Item::Row(r) => sink.series(r),
            };
            if let Err(e) = written {
                // Stop taking records: the sender sees the channel close
                // and the run stops soon after.
                return (sink, Err(e));
            }
        }
        // The simulation's thread may be gone already (a failed run): then
        // the batch is dropped here.
        let _ = done.send(batch);
    }
    let result = sink.finish();
    (sink, result)
}

impl<S: RecordSink + Send + 'static> Threaded<S> {
    /// Starts one worker for each of `sinks`.
    pub(crate) fn new(sinks: Vec<S>) -> io::Result<Self> {
        let (done_tx, done) = channel::<Batch>();
        let mut workers = Vec::with_capacity(sinks.len());
        for (i, sink) in sinks.into_iter().enumerate() {
            let (tx, rx) = sync_channel::<Batch>(DEPTH);
            let done_tx = done_tx.clone();
            let thread = std::thread::Builder::new()
                .name(format!("netsim-outputs-{i}"))
                .spawn(move || work(sink, rx, done_tx))?;
            workers.push(Worker { tx, thread });
        }
        Ok(Threaded {
            workers,
            batch: Vec::with_capacity(BATCH),
            done,
            stopped: false,
        })
    }

    fn send(&mut self) -> io::Result<()> {
        // Drop what the workers have finished with first, so the records'
        // memory is free for the next batch.
        while self.done.try_recv().is_ok() {}
        let batch: Batch = Arc::new(std::mem::replace(
            &mut self.batch,
            Vec::with_capacity(BATCH),
        ));
        for w in &self.workers {
            if w.tx.send(Arc::clone(&batch)).is_err() {
                self.stopped = true;
            }
        }
        if self.stopped {
            return Err(io::Error::other("the output writer stopped"));
        }
        Ok(())
    }

    fn add(&mut self, item: Item) -> io::Result<()> {
        self.batch.push(item);
        if self.batch.len() >= BATCH {
            self.send()?;
        }
        Ok(())
    }

    /// Sends what is left, waits for every worker to write and finish
    /// everything, and hands the sinks back (in the order given to
    /// [`Threaded::new`]) with the first error a worker met.
    pub(crate) fn join(mut self) -> (Option<Vec<S>>, io::Result<()>) {
        let sent = if self.batch.is_empty() {
            Ok(())
        } else {
            self.send()
        };
        let mut sinks = Vec::with_capacity(self.workers.len());
        let mut result = Ok(());
        let mut failed = false;
        for Worker { tx, thread } in std::mem::take(&mut self.workers) {
            drop(tx);
            match thread.join() {
                Ok((sink, r)) => {
                    sinks.push(sink);
                    if result.is_ok() {
                        result = r;
                    }
                }
                Err(_) => failed = true,
            }
        }
        while self.done.try_recv().is_ok() {}
        if failed {
            return (None, Err(io::Error::other("the output writer failed")));
        }
        (Some(sinks), result.and(sent))
    }
}

impl<S: RecordSink + Send + 'static> RecordSink for Threaded<S> {
    fn push(&mut self, r: &TraceRecord) -> io::Result<()> {
        self.push_owned(r.clone())
    }

    fn push_owned(&mut self, r: TraceRecord) -> io::Result<()> {
        self.add(Item::Record(r))
    }

    fn series(&mut self, row: &SeriesRow) -> io::Result<()> {
        self.add(Item::Row(row.clone()))
    }

    /// Finishing happens in [`Threaded::join`], which also gives the sinks
    /// back.
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}
