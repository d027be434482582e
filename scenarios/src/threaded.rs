//! A record sink on its own thread, so writing a run's outputs (formatting
//! JSON and text, building pcap bytes, filling the pictures) overlaps the
//! simulation instead of following it.
//!
//! Records go over a bounded channel in batches, in event order, to one
//! worker that owns the real sink: the bytes written are exactly those of
//! the same sink fed on the simulation's thread, and the memory in flight is
//! bounded by the channel (`DEPTH` batches of `BATCH` records).

use std::io;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use reports::series::SeriesRow;
use reports::sink::RecordSink;
use sim_core::TraceRecord;

/// What goes over the channel, in the order the run made it.
enum Item {
    Record(TraceRecord),
    Row(SeriesRow),
}

/// Records per batch handed to the worker.
const BATCH: usize = 1024;
/// Batches that may wait for the worker before the simulation waits.
const DEPTH: usize = 16;

/// `S` fed on a worker thread.
pub(crate) struct Threaded<S: RecordSink + Send + 'static> {
    tx: Option<SyncSender<Vec<Item>>>,
    batch: Vec<Item>,
    worker: Option<JoinHandle<(S, io::Result<()>)>>,
}

impl<S: RecordSink + Send + 'static> Threaded<S> {
    /// Starts the worker that owns `sink`.
    pub(crate) fn new(mut sink: S) -> io::Result<Self> {
        let (tx, rx) = sync_channel::<Vec<Item>>(DEPTH);
        let worker = std::thread::Builder::new()
            .name("netsim-outputs".to_string())
            .spawn(move || {
                let mut result = Ok(());
                for batch in rx {
                    for item in &batch {
                        let written = match item {
                            Item::Record(r) => sink.push(r),
                            Item::Row(r) => sink.series(r),
                        };
                        if let Err(e) = written {
                            // Stop taking records: the sender sees the
                            // channel close and the run stops soon after.
                            result = Err(e);
                            return (sink, result);
                        }
                    }
                }
                if result.is_ok() {
                    result = sink.finish();
                }
                (sink, result)
            })?;
        Ok(Threaded {
            tx: Some(tx),
            batch: Vec::with_capacity(BATCH),
            worker: Some(worker),
        })
    }

    fn send(&mut self) -> io::Result<()> {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        match &self.tx {
            Some(tx) if tx.send(batch).is_ok() => Ok(()),
            _ => Err(io::Error::other("the output writer stopped")),
        }
    }

    /// Sends what is left, waits for the worker to write and finish
    /// everything, and hands the sink back with the worker's first error.
    pub(crate) fn join(mut self) -> (Option<S>, io::Result<()>) {
        let sent = if self.batch.is_empty() {
            Ok(())
        } else {
            self.send()
        };
        self.tx = None;
        match self.worker.take().map(JoinHandle::join) {
            Some(Ok((sink, result))) => (Some(sink), result.and(sent)),
            _ => (None, Err(io::Error::other("the output writer failed"))),
        }
    }
}

impl<S: RecordSink + Send + 'static> RecordSink for Threaded<S> {
    fn push(&mut self, r: &TraceRecord) -> io::Result<()> {
        self.push_owned(r.clone())
    }

    fn push_owned(&mut self, r: TraceRecord) -> io::Result<()> {
        self.batch.push(Item::Record(r));
        if self.batch.len() >= BATCH {
            self.send()?;
        }
        Ok(())
    }

    fn series(&mut self, row: &SeriesRow) -> io::Result<()> {
        self.batch.push(Item::Row(row.clone()));
        if self.batch.len() >= BATCH {
            self.send()?;
        }
        Ok(())
    }

    /// Finishing happens in [`Threaded::join`], which also gives the sink
    /// back.
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}
