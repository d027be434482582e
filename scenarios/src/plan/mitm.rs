//! A `mitm` endpoint: a TLS-terminating man-in-the-middle on a router.
//!
//! It is made of the same parts as the other applications, so it is
//! checked by the same code: a relaying TLS server half that shows the
//! forged certificate to clients, and a TLS client half that connects to
//! the real server on demand.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use sim_core::{NodeKind, Topology};
use sim_tcp::{Profile, TcpConfig};

use super::check::node_port;
use super::dns::certificate_names;
use super::stream::tls_app;
use crate::error::InputError;
use crate::format::{CertificateSpec, IssuerName, MitmSpec, TlsSpec};
use sim_apps::mitm::MitmApp;
use sim_apps::stream::StreamApp;
use sim_apps::tcp::{OnPeerClose, Role, TcpApp};

/// A man-in-the-middle on the router named `name`; unless the scenario
/// names them, its forged certificate carries the names the real server's
/// default one would (the target's node name and the DNS names that lead
/// to it, from `dns_names`).
pub(super) fn mitm_app(
    m: &MitmSpec,
    path: &str,
    name: &str,
    topology: &Topology,
    dns_names: &BTreeMap<&str, BTreeSet<String>>,
) -> Result<MitmApp, InputError> {
    let ipath = format!("{path}.intercept");
    let (target, port) = node_port(&m.intercept, &ipath, topology)?;
    if topology.nodes()[target.index()].kind == NodeKind::Router {
        return Err(InputError::at(
            ipath,
            format!(
                "{:?} is a router; a server runs on a host",
                topology.name(target)
            ),
        ));
    }
    let mut cert = m.certificate.clone().unwrap_or_default();
    cert.names
        .get_or_insert_with(|| certificate_names(topology.name(target), dns_names));
    cert.issuer.get_or_insert(IssuerName::UnknownCa);
    let upstream_name = cert.names.as_ref().and_then(|n| n.first()).cloned();
    let tls = |certificate: Option<CertificateSpec>, server_name: Option<String>| TlsSpec {
        versions: m.versions.clone(),
        server_name,
        certificate,
        ..TlsSpec::default()
    };
    let relay = |app: StreamApp| Some(Arc::new(StreamApp { relay: true, ..app }));
    let front_tls = tls_app(&tls(Some(cert), None), path, None, name, &[])?;
    let back_tls = tls_app(
        &tls(None, upstream_name),
        path,
        Some(topology.name(target)),
        name,
        &[],
    )?;
    let tcp = |role: Role, tls| TcpApp {
        role,
        send: 0,
        close_after_send: false,
        on_peer_close: OnPeerClose::Close,
        stall_reading_until: None,
        stop: None,
        connections: 1,
        concurrency: 1,
        reconnect: sim_apps::tcp::Reconnect::AfterClose,
        cfg: TcpConfig {
            nagle: false,
            ..TcpConfig::profile(Profile::Rfc)
        },
        iss: None,
        isns: Vec::new(),
        stream: tls,
    };
    Ok(MitmApp {
        target,
        port,
        front: tcp(Role::Listen { port, backlog: 128 }, relay(front_tls)),
        back: tcp(Role::OnDemand, relay(back_tls)),
    })
}
