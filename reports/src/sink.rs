//! Outputs fed one record at a time, as the run makes them.
//!
//! A [`RecordSink`] takes each record once, in event order, and keeps only
//! bounded state: memory does not grow with the length of the run. The
//! writers ([`crate::jsonl::JsonlWriter`], [`crate::text::TextWriter`],
//! [`crate::pcap::PcapWriter`]) and the pictures
//! ([`crate::pictures::Pictures`]) are all sinks. Call [`RecordSink::push`]
//! for every record, then [`RecordSink::finish`] once.

use std::io;

use sim_core::{NodeId, Topology, TraceRecord};

use crate::series::SeriesRow;

/// Something fed the trace record by record.
pub trait RecordSink {
    /// Takes the next record (records come in event order).
    fn push(&mut self, r: &TraceRecord) -> io::Result<()>;

    /// The run is over: write what is still held and flush.
    fn finish(&mut self) -> io::Result<()>;

    /// Takes the next record by value, for a sink that keeps or moves it
    /// (one that hands records to another thread); by default as
    /// [`RecordSink::push`].
    fn push_owned(&mut self, r: TraceRecord) -> io::Result<()> {
        self.push(&r)
    }

    /// Takes the next time-series row (rows come in time order, between
    /// the records); by default ignored.
    fn series(&mut self, _row: &SeriesRow) -> io::Result<()> {
        Ok(())
    }
}

impl<S: RecordSink + ?Sized> RecordSink for &mut S {
    fn push(&mut self, r: &TraceRecord) -> io::Result<()> {
        (**self).push(r)
    }

    fn finish(&mut self) -> io::Result<()> {
        (**self).finish()
    }

    fn series(&mut self, row: &SeriesRow) -> io::Result<()> {
        (**self).series(row)
    }
}

impl<S: RecordSink + ?Sized> RecordSink for Box<S> {
    fn push(&mut self, r: &TraceRecord) -> io::Result<()> {
        (**self).push(r)
    }

    fn finish(&mut self) -> io::Result<()> {
        (**self).finish()
    }

    fn series(&mut self, row: &SeriesRow) -> io::Result<()> {
        (**self).series(row)
    }
}

/// Several sinks fed the same records, in order; the first error stops.
impl<S: RecordSink> RecordSink for [S] {
    fn push(&mut self, r: &TraceRecord) -> io::Result<()> {
        self.iter_mut().try_for_each(|s| s.push(r))
    }

    fn finish(&mut self) -> io::Result<()> {
        self.iter_mut().try_for_each(|s| s.finish())
    }

    fn series(&mut self, row: &SeriesRow) -> io::Result<()> {
        self.iter_mut().try_for_each(|s| s.series(row))
    }
}

impl<S: RecordSink> RecordSink for Vec<S> {
    fn push(&mut self, r: &TraceRecord) -> io::Result<()> {
        self.as_mut_slice().push(r)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.as_mut_slice().finish()
    }
}

/// Feeds every record of a finished trace to `sink`, then finishes it.
pub fn feed<'a>(
    sink: &mut (impl RecordSink + ?Sized),
    records: impl IntoIterator<Item = &'a TraceRecord>,
) -> io::Result<()> {
    for r in records {
        sink.push(r)?;
    }
    sink.finish()
}

/// Node names by [`NodeId`]: all a writer needs of the topology. Owned, so
/// a sink can live as long as the run without borrowing it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeNames(Vec<String>);

impl NodeNames {
    /// Names in [`NodeId`] order.
    pub fn new(names: Vec<String>) -> Self {
        NodeNames(names)
    }

    /// The names of a topology's nodes.
    pub fn of(topo: &Topology) -> Self {
        NodeNames(topo.nodes().iter().map(|n| n.name.clone()).collect())
    }

    /// The name of `node` (`?` for a node it does not know).
    pub fn name(&self, node: NodeId) -> &str {
        self.0.get(node.index()).map_or("?", String::as_str)
    }

    /// The node called `name`.
    pub fn id(&self, name: &str) -> Option<NodeId> {
        self.0
            .iter()
            .position(|n| n == name)
            .map(|i| NodeId(i as u32))
    }

    /// All names, in [`NodeId`] order.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Adds `name` (if new) and returns its id.
    pub(crate) fn intern(&mut self, name: &str) -> NodeId {
        match self.id(name) {
            Some(id) => id,
            None => {
                self.0.push(name.to_string());
                NodeId(self.0.len() as u32 - 1)
            }
        }
    }
}

impl From<&Topology> for NodeNames {
    fn from(topo: &Topology) -> Self {
        NodeNames::of(topo)
    }
}
