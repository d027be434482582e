//! Errors a user can cause, each naming where in the scenario it is.

use std::fmt;
use std::path::PathBuf;

use thiserror::Error;

/// A problem with a scenario file: where (JSON path, and line and column
/// when the parser knows them) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// JSON path of the offending value, like `topology.links[2].delay`;
    /// empty for the document as a whole.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl InputError {
    /// An error at `path`.
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() || self.path == "." {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for InputError {}

/// Everything that can stop the `netsim` commands from producing a result.
#[derive(Debug, Error)]
pub enum Error {
    /// The scenario file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The scenario is not valid.
    #[error("{}: {error}", file.display())]
    Invalid {
        /// The file.
        file: PathBuf,
        /// What and where.
        error: InputError,
    },
    /// A command-line value is not valid.
    #[error("{0}")]
    Usage(String),
    /// An output could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}
