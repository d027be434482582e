//! The `tcp_info` view packetdrill scripts assert on, in Linux's units.

use sim_core::SimTime;
use sim_tcp::conn::Connection;
use sim_tcp::info::{CaState, INFINITE_SSTHRESH};
use sim_tcp::seq::SeqNum;
use sim_tcp::{Profile, TcpConfig};

#[test]
fn linux_profile_starts_with_ten_segments_and_infinite_ssthresh() {
    let cfg = TcpConfig::profile(Profile::Linux);
    let now = SimTime::ZERO;
    let mut client = Connection::connect(cfg.clone(), now, 5000, 80, SeqNum(100));
    let syn = client.poll_transmit().unwrap();
    let mut server = Connection::accept(cfg, now, 80, 5000, SeqNum(300), &syn).unwrap();
    let syn_ack = server.poll_transmit().unwrap();
    client.handle_segment(now, &syn_ack);
    let info = client.tcp_info();
    assert_eq!(info.state, 1, "Linux numbers ESTABLISHED 1");
    assert_eq!(info.ca_state, CaState::Open);
    assert_eq!(info.snd_cwnd, 10);
    assert_eq!(info.snd_ssthresh, INFINITE_SSTHRESH);
    // Timestamps take 12 bytes of the 1460-byte MSS.
    assert_eq!(info.snd_mss, 1448);
    assert_eq!(info.options & 0b111, 0b111, "timestamps, SACK, wscale");
    assert_eq!(info.unacked, 0);
    client.send(now, 3 * 1448);
    let mut sent = 0;
    while client.poll_transmit().is_some() {
        sent += 1;
    }
    assert_eq!(sent, 3);
    assert_eq!(client.tcp_info().unacked, 3, "three 1448-byte segments out");
}
