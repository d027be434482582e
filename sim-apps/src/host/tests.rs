//! A host's metric names, known from its plan, are exactly what it
//! reports, for every kind of application.

use std::collections::BTreeMap;
use std::sync::Arc;

use sim_core::datagram::PingJob;
use sim_core::{Endpoint, NodeId, SimDuration, SimTime};
use sim_tcp::TcpConfig;
use sim_tls::cost::CpuCosts;
use sim_tls::pki::DemoPki;
use sim_tls::suite::{Suite, Version};

use super::*;
use crate::dns::{ResolverConfig, Zone};
use crate::flood::SynFlood;
use crate::stream::{StreamApp, StreamSide};
use crate::tcp::{OnPeerClose, Role, Target};

fn tcp(role: Role, stream: Option<StreamSide>) -> TcpApp {
    TcpApp {
        role,
        send: 1000,
        close_after_send: true,
        on_peer_close: OnPeerClose::Close,
        stall_reading_until: None,
        stop: None,
        connections: 1,
        concurrency: 1,
        reconnect: crate::tcp::Reconnect::AfterClose,
        cfg: TcpConfig::default(),
        iss: None,
        isns: Vec::new(),
        stream: stream.map(|side| {
            Arc::new(StreamApp {
                side,
                request: 300,
                response: crate::dist::Dist::Constant(2000),
                response_sizes: Vec::new(),
                close_after: None,
                think: None,
                costs: CpuCosts::default(),
                resume: false,
                requests: 1,
                host: "www.example.com".into(),
                relay: false,
                fallback: false,
            })
        }),
    }
}

fn every_kind() -> Vec<HostApp> {
    let pki = DemoPki::new("www.example.com", 1_700_000_000);
    let versions = [Version::Tls12, Version::Tls13];
    let client = || StreamSide::Client(Box::new(pki.client(&versions, &Suite::ALL)));
    let server = || StreamSide::Server(Box::new(pki.server(&versions, &Suite::ALL)));
    let listen = || Role::Listen {
        port: 443,
        backlog: 16,
    };
    let node = Role::Connect {
        remote: Target::Node(NodeId(1)),
        port: 443,
        local_port: None,
        at: Start::ZERO,
    };
    let named = Role::Connect {
        remote: Target::Name {
            name: Arc::from("www.example.com"),
            resolver: Arc::new(ResolverConfig {
                server: Some(NodeId(2)),
                hosts: BTreeMap::new(),
                timeout: ResolverConfig::DEFAULT_TIMEOUT,
                attempts: ResolverConfig::DEFAULT_ATTEMPTS,
            }),
        },
        port: 443,
        local_port: None,
        at: Start::ZERO,
    };
    vec![
        HostApp::Echo,
        HostApp::Ping(PingApp {
            job: PingJob {
                target: NodeId(1),
                count: 3,
                interval: SimDuration::from_secs(1),
                size: 64,
                start: SimTime::ZERO,
                stop: None,
            },
            start: Start::ZERO,
        }),
        HostApp::Tcp(tcp(listen(), None)),
        HostApp::Tcp(tcp(node.clone(), None)),
        HostApp::Tcp(tcp(named.clone(), None)),
        HostApp::Tcp(tcp(node.clone(), Some(client()))),
        HostApp::Tcp(tcp(named.clone(), Some(client()))),
        HostApp::Tcp(tcp(listen(), Some(server()))),
        HostApp::Tcp(tcp(node, Some(StreamSide::PlainClient))),
        HostApp::Tcp(tcp(named, Some(StreamSide::PlainClient))),
        HostApp::Tcp(tcp(listen(), Some(StreamSide::PlainServer))),
        HostApp::SynFlood(SynFlood {
            target: NodeId(1),
            port: 80,
            count: 10,
            interval: SimDuration::from_secs(1),
            at: Start::ZERO,
            stop: None,
            spoof: Vec::new(),
        }),
        HostApp::DnsServer(Zone::default()),
        HostApp::Mitm(Box::new(MitmApp {
            target: NodeId(1),
            port: 443,
            front: tcp(listen(), Some(server())),
            back: tcp(Role::OnDemand, Some(client())),
        })),
        HostApp::Observer,
        HostApp::Udp(UdpApp::Send(crate::udp::UdpSender {
            target: NodeId(1),
            port: 9000,
            local_port: 49_152,
            size: 1000,
            rate: sim_core::Rate(1_000_000),
            on_off: None,
            start: Start::ZERO,
            stop: None,
        })),
        HostApp::Udp(UdpApp::Sink(crate::udp::UdpSink { port: 9000 })),
    ]
}

/// `reported` is `listed` in order, less some names.
#[track_caller]
fn assert_listed(listed: &[String], reported: &[String]) {
    let mut rest = listed.iter();
    for r in reported {
        assert!(
            rest.any(|l| l == r),
            "{r} not listed, or out of order: {listed:?}"
        );
    }
}

/// The names a plan lists are what a host reports, in order; what a host
/// that has not run leaves out are observations (times, phases, rates),
/// never counters.
#[test]
fn metric_names_are_what_a_host_reports() {
    for app in every_kind() {
        let host = Host::new(&app, Vec::new());
        let reported: Vec<String> = Endpoint::<Wire>::metrics(&host)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        let listed = app.metric_names();
        assert_listed(&listed, &reported);
        for missing in listed.iter().filter(|l| !reported.contains(l)) {
            let observation = [
                "_ns",
                "_bps",
                "round_trips",
                "_ns_mean",
                "_ns_p50",
                "_ns_p95",
                "_ns_max",
            ]
            .iter()
            .any(|end| missing.ends_with(end));
            assert!(
                observation && !missing.ends_with("cpu_ns"),
                "{missing} is a counter: {app:?}"
            );
        }
    }
}

/// Several named applications on one host: the names listed are the
/// names reported, each under its application's name.
#[test]
fn a_host_with_several_applications_names_each() {
    let kinds = every_kind();
    let apps = vec![
        NamedApp {
            name: Some("bulk".into()),
            app: kinds[2].clone(),
        },
        NamedApp {
            name: Some("web".into()),
            app: kinds[5].clone(),
        },
        NamedApp::unnamed(kinds[1].clone()),
        NamedApp {
            name: Some("f".into()),
            app: kinds[11].clone(),
        },
    ];
    let host = Host::with_apps(&apps, Vec::new());
    let reported: Vec<String> = Endpoint::<Wire>::metrics(&host)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let listed = metric_names(&apps);
    assert_listed(&listed, &reported);
    for name in [
        "echo.answered",
        "bulk.goodput_bps",
        "web.goodput_bps",
        "web.tls.page_ns",
        "ping.rtt_mean_ns",
        "f.syns_sent",
    ] {
        assert!(listed.contains(&name.to_string()), "{name}: {listed:?}");
    }
    for name in [
        "bulk.bytes_acked",
        "web.tls.handshakes",
        "ping.sent",
        "f.syns_sent",
    ] {
        assert!(reported.contains(&name.to_string()), "{name}: {reported:?}");
    }
}

#[test]
fn metric_names_follow_the_stream() {
    let names = |app: &HostApp| app.metric_names();
    let kinds = every_kind();
    // A TLS client reports round trips; plain HTTP reports under http.*.
    assert!(names(&kinds[5]).contains(&"tls.round_trips".to_string()));
    assert!(names(&kinds[8]).contains(&"http.page_ns".to_string()));
    assert!(!names(&kinds[8]).iter().any(|n| n.starts_with("tls.")));
    // A named target adds the resolver's figures.
    assert!(names(&kinds[4]).contains(&"dns.lookups".to_string()));
    assert!(!names(&kinds[3]).contains(&"dns.lookups".to_string()));
    assert_eq!(names(&kinds[0]), vec!["echo.answered".to_string()]);
}
