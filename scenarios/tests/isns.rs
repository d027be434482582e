//! An endpoint can give one ISN per connection: a client's connections
//! take them in the order they open, a listener's accepted connections in
//! turn (then draw from the node's stream).

mod common;

use sim_core::{Field, Kind, NodeId};

const THREE: &str = r#"{
  "name": "isns",
  "stop_at": "10s",
  "topology": {"nodes": ["a", "b"], "links": [{"between": ["a", "b"], "delay": "5ms"}]},
  "endpoints": [
    {"node": "b", "tcp": {"listen": 80, "iss": [5000, 4294967295]}},
    {"node": "a", "tcp": {"connect": "b:80", "connections": 3, "send": 1000, "close": "after_send",
      "iss": [1000, 0, 3000000000]}}
  ]
}"#;

/// The sequence numbers of the SYNs (or SYN,ACKs) `node` sent, in order.
fn syns(out: &scenarios::RunOutput, node: NodeId, flags: &str) -> Vec<u64> {
    out.records
        .iter()
        .filter(|r| r.kind == Kind::LinkTransmit && r.node == node)
        .filter(|r| r.text(Field::Flags) == Some(flags) && r.field(Field::Rtx).is_none())
        .filter_map(|r| r.u64(Field::Seq))
        .collect()
}

#[test]
fn each_connection_takes_the_next_isn_of_the_list() {
    let out = common::run_text(THREE, 1).unwrap();
    let (a, b) = (NodeId(0), NodeId(1));
    assert_eq!(syns(&out, a, "SYN"), [1000, 0, 3_000_000_000]);
    let answered = syns(&out, b, "SYN,ACK");
    assert_eq!(answered.len(), 3);
    // The listener's two, then one drawn as without a list.
    assert_eq!(answered[..2], [5000, 4_294_967_295]);
    let drawn = common::run_text(&THREE.replace("[5000, 4294967295]", "[]"), 1);
    assert!(drawn.is_err(), "an empty list is refused");
    let plain = common::run_text(&THREE.replace(r#", "iss": [5000, 4294967295]"#, ""), 1).unwrap();
    assert_eq!(answered[2], syns(&plain, b, "SYN,ACK")[0]);
    // Every transfer completed, each numbered from its own ISN.
    assert_eq!(common::metric(&out, "b.tcp.bytes_delivered"), 3000);
    assert_eq!(common::metric(&out, "b.tcp.integrity_errors"), 0);
    // One number still pins every connection.
    let one = common::run_text(&THREE.replace("[1000, 0, 3000000000]", "7"), 1).unwrap();
    assert_eq!(syns(&one, a, "SYN"), [7, 7, 7]);
}

#[test]
fn a_list_of_the_wrong_length_is_refused_with_its_path() {
    let cases = [
        (
            THREE.replace("[1000, 0, 3000000000]", "[1000, 2000]"),
            "endpoints[1].tcp.iss",
            "2 ISNs for 3 connections: give one per connection",
        ),
        (
            THREE.replace("[1000, 0, 3000000000]", "[1, 2, 3, 4]"),
            "endpoints[1].tcp.iss",
            "4 ISNs for 3 connections",
        ),
        (
            THREE.replace("[1000, 0, 3000000000]", "[]"),
            "endpoints[1].tcp.iss",
            "an empty list gives no ISN",
        ),
        (
            THREE.replace("[1000, 0, 3000000000]", "[1, 4294967296, 3]"),
            "endpoints[1].tcp.iss[1]",
            "4294967296",
        ),
        (
            THREE.replace("[1000, 0, 3000000000]", "4294967296"),
            "endpoints[1].tcp.iss",
            "4294967296 is not a sequence number",
        ),
        (
            THREE.replace("[1000, 0, 3000000000]", "\"1000\""),
            "endpoints[1].tcp.iss",
            "a sequence number (0 to 4294967295) or a list of them",
        ),
    ];
    common::assert_refused(&cases.map(|(t, p, w)| (t, p, w)));
}
