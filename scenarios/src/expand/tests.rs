//! What the generators and flow groups make, name by name.

use serde_json::{Value, json};

use super::expand;

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

fn links(doc: &Value) -> Vec<(String, String)> {
    doc["topology"]["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let b = strings(&l["between"]);
            (b[0].to_string(), b[1].to_string())
        })
        .collect()
}

#[test]
fn a_dumbbell_makes_pairs_across_two_routers() {
    let doc = expand(json!({"topology": {
        "nodes": ["server"],
        "generate": [{"dumbbell": {"pairs": 2, "access": {"delay": "1ms"}, "bottleneck": {"bandwidth": "10Mbps"}}}]
    }}))
    .unwrap();
    let t = &doc["topology"];
    assert!(t.get("generate").is_none());
    assert_eq!(
        strings(&t["nodes"]),
        ["server", "left0", "left1", "right0", "right1"]
    );
    assert_eq!(strings(&t["routers"]), ["router_left", "router_right"]);
    let l = t["links"].as_array().unwrap();
    assert_eq!(l.len(), 5);
    assert_eq!(
        l[0],
        json!({"between": ["left0", "router_left"], "delay": "1ms"})
    );
    assert_eq!(
        l[2],
        json!({"between": ["router_left", "router_right"], "bandwidth": "10Mbps"})
    );
    assert_eq!(
        l[4],
        json!({"between": ["right1", "router_right"], "delay": "1ms"})
    );
}

#[test]
fn a_parking_lot_puts_cross_traffic_at_every_hop() {
    let doc = expand(json!({"topology": {
        "generate": [{"parking_lot": {"hops": 2, "prefix": "p_"}}]
    }}))
    .unwrap();
    let t = &doc["topology"];
    assert_eq!(
        strings(&t["nodes"]),
        [
            "p_main_src",
            "p_main_dst",
            "p_cross_src0",
            "p_cross_dst0",
            "p_cross_src1",
            "p_cross_dst1"
        ]
    );
    assert_eq!(
        strings(&t["routers"]),
        ["p_router0", "p_router1", "p_router2"]
    );
    let want = [
        ("p_router0", "p_router1"),
        ("p_router1", "p_router2"),
        ("p_main_src", "p_router0"),
        ("p_main_dst", "p_router2"),
        ("p_cross_src0", "p_router0"),
        ("p_cross_dst0", "p_router1"),
        ("p_cross_src1", "p_router1"),
        ("p_cross_dst1", "p_router2"),
    ];
    let got = links(&doc);
    assert_eq!(
        got,
        want.map(|(a, b)| (a.to_string(), b.to_string())).to_vec()
    );
}

#[test]
fn a_fat_tree_has_al_fares_counts_and_wiring() {
    for k in [2u64, 4, 8] {
        let doc = expand(json!({"topology": {"generate": [{"fat_tree": {"k": k}}]}})).unwrap();
        let t = &doc["topology"];
        let (hosts, switches) = (strings(&t["nodes"]).len(), strings(&t["routers"]).len());
        assert_eq!(hosts as u64, k * k * k / 4, "k = {k}");
        assert_eq!(switches as u64, 5 * k * k / 4, "k = {k}");
        assert_eq!(links(&doc).len() as u64, 3 * k * k * k / 4, "k = {k}");
    }
    let doc = expand(json!({"topology": {"generate": [{"fat_tree": {"k": 4}}]}})).unwrap();
    let t = &doc["topology"];
    assert_eq!(
        strings(&t["nodes"])[..3],
        ["pod0_edge0_host0", "pod0_edge0_host1", "pod0_edge1_host0"]
    );
    assert_eq!(
        strings(&t["routers"])[..8],
        [
            "core0",
            "core1",
            "core2",
            "core3",
            "pod0_agg0",
            "pod0_agg1",
            "pod0_edge0",
            "pod0_edge1"
        ]
    );
    let l = links(&doc);
    let has = |a: &str, b: &str| l.contains(&(a.to_string(), b.to_string()));
    // Aggregation switch a of every pod joins cores 2a and 2a + 1.
    for p in 0..4 {
        assert!(has(&format!("pod{p}_agg0"), "core0"));
        assert!(has(&format!("pod{p}_agg0"), "core1"));
        assert!(has(&format!("pod{p}_agg1"), "core2"));
        assert!(has(&format!("pod{p}_agg1"), "core3"));
        assert!(!has(&format!("pod{p}_agg0"), "core2"));
        assert!(has(&format!("pod{p}_edge1"), &format!("pod{p}_agg0")));
    }
}

#[test]
fn flows_pair_the_groups_round_robin_with_a_port_each() {
    let doc = expand(json!({
        "topology": {"nodes": ["a0", "a1", "b0", "r"]},
        "endpoints": [{"node": "r", "ping": {"target": "a0"}}],
        "flows": [{"name": "bulk", "from": ["a*"], "to": ["b0"], "count": 3, "port": 80,
                   "tcp": {"send": 1000}, "server": {"rcv_buf": 100000}}]
    }))
    .unwrap();
    assert!(doc.get("flows").is_none());
    let e = doc["endpoints"].as_array().unwrap();
    assert_eq!(e.len(), 7);
    assert_eq!(
        e[1],
        json!({"node": "b0", "name": "bulk0", "tcp": {"listen": 80, "rcv_buf": 100000}})
    );
    assert_eq!(
        e[2],
        json!({"node": "a0", "name": "bulk0", "tcp": {"connect": "b0:80", "send": 1000}})
    );
    assert_eq!(e[4]["tcp"]["connect"], "b0:81");
    assert_eq!(e[4]["node"], "a1");
    assert_eq!(e[6]["node"], "a0");
    assert_eq!(e[6]["name"], "bulk2");
}

#[test]
fn a_document_without_generators_or_flows_is_unchanged() {
    let doc = json!({"name": "x", "topology": {"nodes": ["a"]}, "endpoints": []});
    assert_eq!(expand(doc.clone()).unwrap(), doc);
}
