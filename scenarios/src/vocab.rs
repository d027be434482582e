//! Checks the trace names a scenario file writes (fault `match` keys,
//! `count.kind` and `count` fields) against the one trace vocabulary
//! (`sim_core::Kind`, `sim_core::Field`; docs/ARCHITECTURE.md, "One trace
//! vocabulary"). A name no record can hold would make a fault that never
//! fires or a count that is always 0, so it is bad input, and the message
//! lists the names that would mean something.

use std::collections::BTreeMap;

use sim_core::trace::fault_match_fields;
use sim_core::{Field, Kind};

use crate::error::InputError;

/// Comma-separated names, for a message.
fn listed(names: impl IntoIterator<Item = &'static str>) -> String {
    names.into_iter().collect::<Vec<_>>().join(", ")
}

/// The trace kind written as `name` at `path`.
pub fn kind(name: &str, path: &str) -> Result<Kind, InputError> {
    Kind::from_name(name).ok_or_else(|| {
        InputError::at(
            path,
            format!(
                "unknown trace kind {name:?}; the kinds are: {}",
                listed(Kind::ALL.iter().map(|k| k.name()))
            ),
        )
    })
}

/// The fields a `count` of `kind` filters on, each one the kind can carry.
pub fn count_fields(
    kind: Kind,
    fields: &BTreeMap<String, serde_json::Value>,
    path: &str,
) -> Result<Vec<(Field, serde_json::Value)>, InputError> {
    fields
        .iter()
        .map(
            |(name, want)| match Field::from_name(name).filter(|f| kind.has_field(*f)) {
                Some(f) => Ok((f, want.clone())),
                None => Err(InputError::at(
                    format!("{path}.{name}"),
                    format!(
                        "{kind} records have no field {name:?}; they have: {}",
                        listed(kind.fields().iter().map(|f| f.name()))
                    ),
                )),
            },
        )
        .collect()
}

/// The fields a fault rule's `match` names, each one a packet can carry.
pub fn fault_fields(
    fields: &BTreeMap<String, serde_json::Value>,
    path: &str,
) -> Result<Vec<(Field, serde_json::Value)>, InputError> {
    let valid = fault_match_fields();
    fields
        .iter()
        .map(
            |(name, want)| match Field::from_name(name).filter(|f| valid.contains(f)) {
                Some(f) => Ok((f, want.clone())),
                None => Err(InputError::at(
                    format!("{path}.{name}"),
                    format!(
                        "packets have no field {name:?}; a fault can match: {}",
                        listed(valid.iter().map(|f| f.name()))
                    ),
                )),
            },
        )
        .collect()
}
