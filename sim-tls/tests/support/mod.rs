//! What the sim-tls integration tests share.

use sim_tls::conn::Connection;

/// A plain HTTP request, as application data.
pub const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n";

/// Moves bytes both ways until nothing moves.
pub fn pump(c: &mut Connection, s: &mut Connection) {
    loop {
        let (a, b) = (c.take_tls(), s.take_tls());
        if a.is_empty() && b.is_empty() {
            return;
        }
        s.read_tls(&a);
        c.read_tls(&b);
    }
}
