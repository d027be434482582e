//! How a scenario's `profile`, `rcv_buf`, `rcv_buf_max` and `snd_buf`
//! decide the buffers and the receive buffer's autotuning.

use sim_apps::HostApp;

/// The `rcv_buf` and `rcv_buf_max` the connecting endpoint gets from `tcp`
/// (its JSON fields beyond `connect`).
fn buffers(tcp: &str) -> (u32, Option<u32>) {
    let cfg = client(tcp);
    (cfg.rcv_buf, cfg.rcv_buf_max)
}

/// The connecting endpoint's TCP settings.
fn client(tcp: &str) -> sim_tcp::TcpConfig {
    let text = format!(
        r#"{{"name": "b", "topology": {{"nodes": ["a", "b"], "links": [{{"between": ["a", "b"]}}]}},
        "endpoints": [{{"node": "b", "tcp": {{"listen": 80}}}},
                      {{"node": "a", "tcp": {{"connect": "b:80"{tcp}}}}}]}}"#
    );
    let plan = scenarios::plan_from_str(&text).unwrap();
    for (_, apps) in &plan.hosts {
        for a in apps {
            if let HostApp::Tcp(t) = &a.app
                && t.connections > 0
            {
                return t.cfg.clone();
            }
        }
    }
    panic!("no client")
}

#[test]
fn linux_autotunes_unless_the_buffer_is_set_rfc_never_does() {
    assert_eq!(buffers(""), (65_535, None));
    assert_eq!(buffers(r#", "profile": "linux""#), (65_535, Some(3 << 20)));
    // A buffer the scenario sets is fixed, as SO_RCVBUF locks it in Linux.
    assert_eq!(
        buffers(r#", "profile": "linux", "rcv_buf": 200000"#),
        (200_000, None)
    );
    // ... unless it gives the largest window too: then it is the start.
    assert_eq!(
        buffers(r#", "profile": "linux", "rcv_buf": 200000, "rcv_buf_max": 1000000"#),
        (200_000, Some(1_000_000))
    );
    assert_eq!(
        buffers(r#", "profile": "linux", "rcv_buf_max": 0"#),
        (65_535, None)
    );
    // The rfc profile autotunes only when asked.
    assert_eq!(
        buffers(r#", "rcv_buf_max": 500000"#),
        (65_535, Some(500_000))
    );
}

#[test]
fn the_send_buffer_is_unlimited_unless_set() {
    assert_eq!(client("").snd_buf, None);
    assert_eq!(client(r#", "profile": "linux""#).snd_buf, None);
    assert_eq!(client(r#", "snd_buf": 65536"#).snd_buf, Some(65_536));
}
