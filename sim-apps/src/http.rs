//! HTTP/1.1 messages as the applications write them and as clients,
//! proxies and eavesdroppers read them: one place for their shape.

/// An HTTP/1.1 GET of `n` bytes where possible (a padding header makes up
/// the size) for `host`, with the session cookie a logged-in browser sends
/// (what an eavesdropper who can read the request takes); `last` asks the
/// server to close after answering.
pub fn request(n: u64, last: bool, host: &str) -> Vec<u8> {
    let mut r =
        format!("GET / HTTP/1.1\r\nHost: {host}\r\nCookie: session=4f1c9a7e2b\r\n").into_bytes();
    if last {
        r.extend_from_slice(b"Connection: close\r\n");
    }
    let pad_header = b"X-Pad: ".len() + 2;
    let want = n as usize;
    if want >= r.len() + pad_header + 2 {
        r.extend_from_slice(b"X-Pad: ");
        let pad = want - r.len() - 4;
        r.extend(std::iter::repeat_n(b'x', pad));
        r.extend_from_slice(b"\r\n");
    }
    r.extend_from_slice(b"\r\n");
    r
}

/// A 200 response whose body is `n` bytes, announced by Content-Length.
pub fn response(n: u64) -> Vec<u8> {
    response_closing(n, false)
}

/// A 200 response of `n` body bytes; with `close`, it says `Connection:
/// close`: the server closes the connection after it (RFC 9112 §9.6).
pub fn response_closing(n: u64, close: bool) -> Vec<u8> {
    let close = if close { "Connection: close\r\n" } else { "" };
    let mut r = format!("HTTP/1.1 200 OK\r\nContent-Length: {n}\r\n{close}\r\n").into_bytes();
    r.resize(r.len() + n as usize, b'x');
    r
}

/// Whether a message head says `Connection: close` (RFC 9112 §9.6; the
/// field is a list of case-insensitive options, RFC 9110 §7.6.1).
pub fn says_close(head: &[u8]) -> bool {
    let Some(n) = head_len(head) else {
        return false;
    };
    Head::parse(&head[..n])
        .get("connection")
        .is_some_and(|v| v.split(',').any(|o| o.trim().eq_ignore_ascii_case("close")))
}

/// What a proxy answers when it cannot reach the server.
pub const BAD_GATEWAY: &[u8] = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";

/// Bytes of the head at the start of `buf` (through its empty line), once
/// all of it is there.
pub fn head_len(buf: &[u8]) -> Option<usize> {
    Some(buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4)
}

/// A message head: its first line and its header fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The request or status line.
    pub first_line: String,
    /// (name, value) in order.
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// Reads a head (with or without its final empty line); bytes that are
    /// not UTF-8 are replaced, lines without a colon skipped.
    pub fn parse(head: &[u8]) -> Head {
        let text = String::from_utf8_lossy(head);
        let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
        let first_line = lines.next().unwrap_or_default().to_string();
        let headers = lines
            .filter_map(|l| {
                let (k, v) = l.split_once(':')?;
                Some((k.to_string(), v.trim().to_string()))
            })
            .collect();
        Head {
            first_line,
            headers,
        }
    }

    /// A header's value; names compare without regard to case (RFC 9110
    /// §5.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body length the head announces.
    pub fn content_length(&self) -> Option<u64> {
        self.get("content-length")?.parse().ok()
    }
}

/// The whole length of a response (head and body), once its head is in.
pub fn response_length(buf: &[u8]) -> Option<u64> {
    let n = head_len(buf)?;
    Some(n as u64 + Head::parse(&buf[..n]).content_length()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_knows_the_page_length_from_its_head() {
        let r = response(20_000);
        assert_eq!(response_length(&r[..10]), None);
        assert_eq!(response_length(&r), Some(r.len() as u64));
        assert_eq!(
            r.len(),
            20_000 + "HTTP/1.1 200 OK\r\nContent-Length: 20000\r\n\r\n".len()
        );
    }

    #[test]
    fn a_closing_response_says_so_and_keeps_its_body_length() {
        let r = response_closing(1000, true);
        assert!(says_close(&r));
        assert!(!says_close(&response(1000)));
        assert_eq!(response_length(&r), Some(r.len() as u64));
        assert!(r.ends_with(&[b'x'; 1000]));
    }

    #[test]
    fn requests_have_their_size_and_their_headers() {
        let r = request(300, true, "www.example.com");
        assert_eq!(r.len(), 300);
        let h = Head::parse(&r[..head_len(&r).unwrap()]);
        assert_eq!(h.first_line, "GET / HTTP/1.1");
        assert_eq!(h.get("HOST"), Some("www.example.com"));
        assert_eq!(h.get("cookie"), Some("session=4f1c9a7e2b"));
        assert_eq!(h.get("connection"), Some("close"));
        // Too small to pad: the bare request.
        assert!(request(10, false, "h").len() > 10);
    }
}
