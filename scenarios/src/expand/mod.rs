//! Expansion: the topology's generators and the `flows` shorthand turned
//! into the plain entries they stand for, on the JSON document, before it
//! is read as a [`ScenarioFile`](crate::format::ScenarioFile).
//!
//! Working on the document keeps one truth: what `netsim check --expand`
//! prints is exactly what every other command reads, so running the
//! printed file gives the same outputs byte for byte. Each generator or
//! flow group is first read as its typed spec (a mistake names its JSON
//! path, `topology.generate[0].fat_tree.k`), then its plain entries are
//! appended after the file's own: generated hosts to `topology.nodes`,
//! routers to `topology.routers`, links to `topology.links`, flows'
//! endpoints to `endpoints`, in the order the file lists the generators
//! and groups. A name made twice (by a generator and by the file, or by
//! two generators) is refused at the generator's path.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::InputError;

mod flows;
mod generate;

/// `doc` with its generators and flow groups expanded; a document with
/// neither comes back as it was.
pub fn expand(mut doc: Value) -> Result<Value, InputError> {
    if let Some(top) = doc.as_object_mut() {
        generate::expand_topology(top)?;
        flows::expand_flows(top)?;
    }
    Ok(doc)
}

/// Whether `doc` has anything for [`expand`] to do.
pub fn needs_expanding(doc: &crate::format::ScenarioFile) -> bool {
    !doc.topology.generate.is_empty() || !doc.flows.is_empty()
}

/// Reads the value at `path` of the document as a `T`, naming the path of
/// a mistake inside it.
fn typed<T: DeserializeOwned>(v: &Value, path: &str) -> Result<T, InputError> {
    serde_path_to_error::deserialize(v.clone()).map_err(|e| {
        let inner = e.path().to_string();
        let at = match inner.as_str() {
            "." | "" => path.to_string(),
            p if p.starts_with('[') => format!("{path}{p}"),
            p => format!("{path}.{p}"),
        };
        InputError::at(at, crate::plain_words(&e.into_inner().to_string()))
    })
}

/// The array at `key` of `obj`, made empty if absent. `None` when it holds
/// something else: the typed read reports that at its own path.
fn array_at<'a>(obj: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Vec<Value>> {
    obj.entry(key)
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
}

#[cfg(test)]
mod tests;
