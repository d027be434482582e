//! Runs packetdrill scripts against netsim's TCP model.
//!
//! A packetdrill script is a ladder: socket calls made by the application
//! of the kernel under test, packets the remote peer sends (`<`) and the
//! packets the kernel must send back (`>`), each at a time. Here the
//! sim-tcp stack ([`sim_tcp::stack::TcpStack`], the `linux` or `rfc`
//! profile) plays the kernel, the script plays the peer, and both share
//! one simulated clock: a script that takes seconds on Linux runs in
//! microseconds, and the same script gives the same verdict every time.
//!
//! - [`lexer`] and [`parser`]: the language (packetdrill's `lexer.l` and
//!   `parser.y` define it).
//! - [`shim`]: the socket calls over the stack (file descriptors, the
//!   accept queue, blocking and non-blocking calls, errno results).
//! - [`matcher`]: packetdrill's rules for outbound packets.
//! - [`assert`]: the `%{ assert tcpi_... }%` form of the Python blocks.
//! - `epoll`: epoll instances over the shim's sockets.
//! - [`runner`]: the clock, the event loop, and the verdict.
//!
//! A script that needs what the model lacks (IPv6, Fast Open, a sysctl
//! with no knob, a socket option...) ends as [`Verdict::Skip`] with the
//! reason, never as a pass.

pub mod assert;
mod epoll;
pub mod lexer;
pub mod matcher;
pub mod parser;
pub mod runner;
pub mod shim;
pub mod suite;

pub use runner::{RunOptions, Verdict, run_file, run_script};

/// A script that cannot be read: its line and what is wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptError {
    /// 1-based line number (0: not about a line, e.g. an unreadable file).
    pub line: usize,
    /// What is wrong.
    pub msg: String,
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            0 => f.write_str(&self.msg),
            n => write!(f, "line {n}: {}", self.msg),
        }
    }
}

impl std::error::Error for ScriptError {}

impl ScriptError {
    /// An error at `line`.
    pub fn new(line: usize, msg: impl Into<String>) -> Self {
        ScriptError {
            line,
            msg: msg.into(),
        }
    }
}
