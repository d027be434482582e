//! What an on-path attacker does to a segment's bytes (a scenario's
//! `tamper` injection): kept apart from the stream, which only suffers it.

/// Changes a segment's bytes as an on-path attacker would; true if it
/// found something to change.
pub fn tamper(how: &str, bytes: &mut [u8]) -> bool {
    match how {
        "corrupt" => match bytes.last_mut() {
            Some(b) => {
                *b ^= 0x01;
                true
            }
            None => false,
        },
        "downgrade" => downgrade_client_hello(bytes),
        _ => false,
    }
}

/// Rewrites every suite in a ClientHello at the start of `bytes` to the
/// list's last one, keeping every length (RFC 5246 §7.4.1.2 layout).
fn downgrade_client_hello(bytes: &mut [u8]) -> bool {
    // Record header (5), handshake header (4), version (2), random (32).
    if bytes.len() < 44 || bytes[0] != 22 || bytes[5] != 1 {
        return false;
    }
    let sid = 43 + 1 + usize::from(bytes[43]);
    let Some(len) = bytes
        .get(sid..sid + 2)
        .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
    else {
        return false;
    };
    let list = sid + 2;
    if len < 2 || bytes.len() < list + len {
        return false;
    }
    let last = [bytes[list + len - 2], bytes[list + len - 1]];
    for i in (list..list + len).step_by(2) {
        bytes[i..i + 2].copy_from_slice(&last);
    }
    true
}
